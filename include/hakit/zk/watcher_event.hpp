// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_WATCHER_EVENT_HPP
#define HAKIT_ZK_WATCHER_EVENT_HPP

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <string>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// What happened to a watched node (`Watcher.Event.EventType`).
enum class event_type : std::int32_t
{
    /// A connection state change (client-side events only).
    none = -1,
    node_created = 1,
    node_deleted = 2,
    node_data_changed = 3,
    node_children_changed = 4,
    data_watch_removed = 5,
    child_watch_removed = 6,
    persistent_watch_removed = 7,
};

/// The connection state carried by an event (`Watcher.Event.KeeperState`). Server notifications
/// always carry sync_connected; the others are produced by the client.
enum class keeper_state : std::int32_t
{
    disconnected = 0,
    sync_connected = 3,
    auth_failed = 4,
    connected_read_only = 5,
    sasl_authenticated = 6,
    closed = 7,
    expired = -112,
};

/// A watch notification (`WatcherEvent`, reply xid -1). Values outside the enums are kept as
/// received (a newer server may add event types); the dispatcher ignores what it does not know.
struct watcher_event
{
    event_type type = event_type::none;
    keeper_state state = keeper_state::sync_connected;
    std::string path;

    friend bool operator==(const watcher_event&, const watcher_event&) = default;
};

/// The kind of watch removeWatches/checkWatches name (`WatcherType`).
enum class watcher_type : std::int32_t
{
    children = 1,
    data = 2,
    any = 3,
    persistent = 4,
    persistent_recursive = 5,
};

/// The mode of addWatch (`AddWatchMode`).
enum class add_watch_mode : std::int32_t
{
    persistent = 0,
    persistent_recursive = 1,
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
