// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_WATCH_HPP
#define HAKIT_ZK_WATCH_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/detail/watch_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// A one-shot ZooKeeper watch, as returned by exists / get_data / get_children with watch set.
///
/// async_wait() completes once with the WatcherEvent that fired it (the path relative to the
/// chroot), or with an error: session_expired when the session ended, errc::closed when the
/// client was closed. The outcome is sticky: every wait, by any number of coroutines, before or
/// after it fired, sees the same value. The watch survives reconnects (the client re-arms it with
/// SetWatches); if the node changed meanwhile the server fires it at once.
///
/// Copies share the watch. A default-constructed watch is empty (no watch was requested or set:
/// getData/getChildren on a missing node set none); waiting on it gives errc::invalid_argument.
/// Dropping every copy does not remove the server's watch (see client::async_remove_watches).
class watch
{
public:
    watch() = default;
    explicit watch(std::shared_ptr<detail::watch_state> state) : state_(std::move(state)) {}

    /// True if a watch is set.
    bool valid() const noexcept { return state_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }

    /// True once the outcome is known (async_wait() completes at once).
    bool fired() const noexcept { return state_ && state_->done(); }

    /// Waits for the event; operation_aborted if cancelled (the watch stays armed).
    boost::asio::awaitable<result<watcher_event>> async_wait() const { return wait(state_); }

private:
    static boost::asio::awaitable<result<watcher_event>> wait(std::shared_ptr<detail::watch_state> state)
    {
        if (!state)
            co_return errc::invalid_argument;
        co_return co_await detail::watch_state::async_wait(std::move(state));
    }

    std::shared_ptr<detail::watch_state> state_;
};

/// A persistent (or persistent-recursive) watch set with client::async_add_watch: a stream of
/// events that is never consumed by the server. async_next() returns the events in order, then,
/// once the stream ended, the reason: session_expired, errc::closed, or no_watcher after
/// client::async_remove_watches removed it (the removal itself arrives as a
/// persistent_watch_removed event first). Persistent-recursive watches report created, deleted
/// and data changes of the node and all its descendants, never children changes.
///
/// Copies share one stream (each event goes to one of them).
class persistent_watch
{
public:
    persistent_watch() = default;
    explicit persistent_watch(std::shared_ptr<detail::persistent_watch_state> state)
        : state_(std::move(state))
    {}

    bool valid() const noexcept { return state_ != nullptr; }
    explicit operator bool() const noexcept { return valid(); }

    /// Events received and not yet taken.
    std::size_t queued() const noexcept { return state_ ? state_->queued() : 0; }

    /// The zxid in the addWatch reply: the last transaction the server had applied when it
    /// registered the watch. Every later transaction that touches a watched node is reported;
    /// this one and earlier ones are not.
    std::int64_t registered_zxid() const noexcept { return state_ ? state_->registered_zxid() : 0; }

    /// The next event; operation_aborted if cancelled (nothing is lost).
    boost::asio::awaitable<result<watcher_event>> async_next() const { return next(state_); }

private:
    static boost::asio::awaitable<result<watcher_event>> next(
        std::shared_ptr<detail::persistent_watch_state> state
    )
    {
        if (!state)
            co_return errc::invalid_argument;
        co_return co_await detail::persistent_watch_state::async_next(std::move(state));
    }

    std::shared_ptr<detail::persistent_watch_state> state_;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
