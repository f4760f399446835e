// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_RECORDS_HPP
#define HAKIT_ZK_RECORDS_HPP

#include <hakit/zk/acl.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/stat.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <string>
#include <vector>

// The records of zookeeper.jute that travel after a RequestHeader or ReplyHeader. Each is a plain
// aggregate whose members, in declaration order, are exactly its fields on the wire (jute_writer
// and jute_reader encode them member by member), so a member must never be added, removed or
// reordered without the .jute file saying so. Versions default to -1 ("any version").

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Precedes every request after the handshake (`RequestHeader`).
struct request_header
{
    /// >= 1 for normal requests; ping_xid, auth_xid or set_watches_xid for the special ones.
    std::int32_t xid = 0;
    op_code type = op_code::notification;

    friend bool operator==(const request_header&, const request_header&) = default;
};

/// Precedes every server frame after the handshake (`ReplyHeader`). A body follows only when
/// err is 0 (a notification always has one).
struct reply_header
{
    std::int32_t xid = 0;
    /// The server's last zxid (of this change for writes); -1 on 3.8 notifications.
    std::int64_t zxid = 0;
    /// 0, or a zk::error code.
    std::int32_t err = 0;

    /// err as an error_code (empty on success).
    error_code error() const noexcept { return from_server_code(err); }

    friend bool operator==(const reply_header&, const reply_header&) = default;
};

// ---- requests ----------------------------------------------------------------------------------

/// create (1), create2 (15) and createContainer (19) (`CreateRequest`).
struct create_request
{
    std::string path;
    bytes data;
    std::vector<zk::acl> acl;
    /// `flags` on the wire.
    create_mode mode = create_mode::persistent;

    friend bool operator==(const create_request&, const create_request&) = default;
};

/// createTTL (21) (`CreateTTLRequest`); needs `zookeeper.extendedTypesEnabled` on the server.
struct create_ttl_request
{
    std::string path;
    bytes data;
    std::vector<zk::acl> acl;
    create_mode mode = create_mode::persistent_with_ttl;
    /// Milliseconds.
    std::int64_t ttl = 0;

    friend bool operator==(const create_ttl_request&, const create_ttl_request&) = default;
};

/// delete (2) (`DeleteRequest`); no response body.
struct delete_request
{
    std::string path;
    std::int32_t version = -1;

    friend bool operator==(const delete_request&, const delete_request&) = default;
};

/// exists (3) (`ExistsRequest`). With watch set, the watch is armed even when the node is missing.
struct exists_request
{
    std::string path;
    bool watch = false;

    friend bool operator==(const exists_request&, const exists_request&) = default;
};

/// getData (4) (`GetDataRequest`).
struct get_data_request
{
    std::string path;
    bool watch = false;

    friend bool operator==(const get_data_request&, const get_data_request&) = default;
};

/// setData (5) (`SetDataRequest`).
struct set_data_request
{
    std::string path;
    bytes data;
    std::int32_t version = -1;

    friend bool operator==(const set_data_request&, const set_data_request&) = default;
};

/// getACL (6) (`GetACLRequest`).
struct get_acl_request
{
    std::string path;

    friend bool operator==(const get_acl_request&, const get_acl_request&) = default;
};

/// setACL (7) (`SetACLRequest`).
struct set_acl_request
{
    std::string path;
    std::vector<zk::acl> acl;
    std::int32_t version = -1;

    friend bool operator==(const set_acl_request&, const set_acl_request&) = default;
};

/// getChildren (8) (`GetChildrenRequest`).
struct get_children_request
{
    std::string path;
    bool watch = false;

    friend bool operator==(const get_children_request&, const get_children_request&) = default;
};

/// sync (9) (`SyncRequest`).
struct sync_request
{
    std::string path;

    friend bool operator==(const sync_request&, const sync_request&) = default;
};

/// getChildren2 (12) (`GetChildren2Request`): children plus the parent's Stat.
struct get_children2_request
{
    std::string path;
    bool watch = false;

    friend bool operator==(const get_children2_request&, const get_children2_request&) = default;
};

/// check (13) (`CheckVersionRequest`), used inside multi; no response body.
struct check_version_request
{
    std::string path;
    std::int32_t version = -1;

    friend bool operator==(const check_version_request&, const check_version_request&) = default;
};

/// checkWatches (17) (`CheckWatchesRequest`); no response body.
struct check_watches_request
{
    std::string path;
    watcher_type type = watcher_type::any;

    friend bool operator==(const check_watches_request&, const check_watches_request&) = default;
};

/// removeWatches (18) (`RemoveWatchesRequest`); no response body, no_watcher if none matched.
struct remove_watches_request
{
    std::string path;
    watcher_type type = watcher_type::any;

    friend bool operator==(const remove_watches_request&, const remove_watches_request&) = default;
};

/// addWatch (106) (`AddWatchRequest`, 3.6+); the response body is an error_response.
struct add_watch_request
{
    std::string path;
    add_watch_mode mode = add_watch_mode::persistent;

    friend bool operator==(const add_watch_request&, const add_watch_request&) = default;
};

/// setWatches (101) (`SetWatches`, xid -8): re-arms watches after a reconnect. Events for what
/// changed since relative_zxid arrive before the (header-only) reply.
struct set_watches
{
    std::int64_t relative_zxid = 0;
    std::vector<std::string> data_watches;
    std::vector<std::string> exist_watches;
    std::vector<std::string> child_watches;

    friend bool operator==(const set_watches&, const set_watches&) = default;
};

/// setWatches2 (105) (`SetWatches2`, xid -8, 3.6+): set_watches plus the persistent watches.
struct set_watches2
{
    std::int64_t relative_zxid = 0;
    std::vector<std::string> data_watches;
    std::vector<std::string> exist_watches;
    std::vector<std::string> child_watches;
    std::vector<std::string> persistent_watches;
    std::vector<std::string> persistent_recursive_watches;

    friend bool operator==(const set_watches2&, const set_watches2&) = default;
};

// ---- responses ---------------------------------------------------------------------------------

/// Reply of create (1) (`CreateResponse`): the actual path, including a sequential suffix.
struct create_response
{
    std::string path;

    friend bool operator==(const create_response&, const create_response&) = default;
};

/// Reply of create2 (15), createContainer (19), createTTL (21) (`Create2Response`).
struct create2_response
{
    std::string path;
    zk::stat stat;

    friend bool operator==(const create2_response&, const create2_response&) = default;
};

/// Reply of exists (3) when the node exists (`ExistsResponse`).
struct exists_response
{
    zk::stat stat;

    friend bool operator==(const exists_response&, const exists_response&) = default;
};

/// Reply of getData (4) and reconfig (16) (`GetDataResponse`).
struct get_data_response
{
    bytes data;
    zk::stat stat;

    friend bool operator==(const get_data_response&, const get_data_response&) = default;
};

/// Reply of setData (5) (`SetDataResponse`): the node's new Stat.
struct set_data_response
{
    zk::stat stat;

    friend bool operator==(const set_data_response&, const set_data_response&) = default;
};

/// Reply of getACL (6) (`GetACLResponse`).
struct get_acl_response
{
    std::vector<zk::acl> acl;
    zk::stat stat;

    friend bool operator==(const get_acl_response&, const get_acl_response&) = default;
};

/// Reply of setACL (7) (`SetACLResponse`).
struct set_acl_response
{
    zk::stat stat;

    friend bool operator==(const set_acl_response&, const set_acl_response&) = default;
};

/// Reply of getChildren (8) (`GetChildrenResponse`): names only, in no particular order.
struct get_children_response
{
    std::vector<std::string> children;

    friend bool operator==(const get_children_response&, const get_children_response&) = default;
};

/// Reply of getChildren2 (12) (`GetChildren2Response`): names (unsorted) and the parent's Stat.
struct get_children2_response
{
    std::vector<std::string> children;
    zk::stat stat;

    friend bool operator==(const get_children2_response&, const get_children2_response&) = default;
};

/// Reply of sync (9) (`SyncResponse`).
struct sync_response
{
    std::string path;

    friend bool operator==(const sync_response&, const sync_response&) = default;
};

/// Reply of addWatch (106), and a failed op's result inside multi (`ErrorResponse`).
struct error_response
{
    std::int32_t err = 0;

    error_code error() const noexcept { return from_server_code(err); }

    friend bool operator==(const error_response&, const error_response&) = default;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
