// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_CONNECTION_POLICY_HPP
#define HAKIT_ZOOKEEPER_CONNECTION_POLICY_HPP

#include <hakit/config.hpp>
#include <hakit/error.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <optional>

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// How connection trouble ends a leadership term and what retrievers report meanwhile (Flink's
/// `high-availability.zookeeper.client.tolerate-suspended-connections`, flink-ha.md §1.7, §5.2).
///
/// - Default (`tolerate_suspended = false`, Curator's StandardConnectionStateErrorPolicy): a
///   suspended connection ends the term at once; retrievers report "no leader" until they re-read
///   after the reconnect. A reconnect with the same session starts a new term (new session id) if
///   the latch node is still first.
/// - `tolerate_suspended = true` (SessionConnectionStateErrorPolicy): only a lost (expired) session
///   ends the term; a short disconnect keeps it, and its session id.
///
/// In both modes a leader also steps down on its own, before the server can expire its session:
/// Flink's tolerant mode keeps leading until the client *learns* of the expiry, up to ≈ 2T/3 + T
/// after the last contact, while a standby may be elected ≈ T after it (two leaders, flink-ha.md
/// §5.4, CURATOR-460). hakit ends the term at `last_heard + T - margin` (T = negotiated session
/// timeout, last_heard = when bytes last arrived from a server), even if no connection event came.
///
/// Why that is early enough: the server touches the session whenever a packet of it arrives and
/// expires it no sooner than T after the last touch (rounded up to its next tick). The last reply
/// we heard answered a request sent at most one round trip before `last_heard`, so the server
/// cannot expire the session before `last_heard - RTT + T`. The margin covers that round trip, a
/// late timer on a busy executor, and the moment the application needs to stop acting on its
/// term; fencing with the session id covers the rest. has_leadership() compares the clock against
/// the deadline itself, so it turns false at the deadline even before any timer ran.
struct connection_policy
{
    /// Revoke only when the session is lost, not already when the connection is suspended.
    bool tolerate_suspended = false;
    /// How long before `last_heard + T` a leader steps down; unset: default_margin(T).
    std::optional<std::chrono::milliseconds> safety_margin;

    /// The policy the options ask for (tolerate-suspended-connections).
    static connection_policy from(const zookeeper_options& options)
    {
        connection_policy policy;
        policy.tolerate_suspended = options.tolerate_suspended_connections;
        return policy;
    }

    /// The default margin for a negotiated timeout T: a fifth of T, at least one second where T
    /// allows (at most a third of T). T = 40 s (Flink's default 60 s clamped by a tickTime-2000
    /// server) steps down 32 s after the last contact; T = 10 s after 8 s; T = 1.2 s after 0.8 s,
    /// together with the client's suspension at 2T/3.
    static constexpr std::chrono::milliseconds default_margin(std::chrono::milliseconds t) noexcept
    {
        return std::max(t / 5, std::min(t / 3, std::chrono::milliseconds(1000)));
    }

    /// The margin used for negotiated timeout T (never more than T).
    constexpr std::chrono::milliseconds margin(std::chrono::milliseconds t) const noexcept
    {
        return std::min(safety_margin.value_or(default_margin(t)), t);
    }

    /// The last instant a term may last when the client last heard from a server at `last_heard`.
    template <class TimePoint>
    constexpr TimePoint lead_deadline(TimePoint last_heard, std::chrono::milliseconds t) const noexcept
    {
        return last_heard + (t - margin(t));
    }

    /// Whether a term may go on while the client is in state `s` (not looking at the clock).
    constexpr bool allows(zk::connection_state s) const noexcept
    {
        return s == zk::connection_state::connected ||
               (tolerate_suspended && s == zk::connection_state::suspended);
    }

    /// Whether a connection event ends the current term.
    constexpr bool revokes_on(zk::connection_event e) const noexcept
    {
        return e == zk::connection_event::expired || e == zk::connection_event::closed ||
               (!tolerate_suspended && e == zk::connection_event::suspended);
    }

    /// Whether retrievers report "no leader" on a connection event (the same rule: they cannot
    /// tell whether the leader they follow still leads).
    constexpr bool reports_no_leader_on(zk::connection_event e) const noexcept { return revokes_on(e); }

    friend bool operator==(const connection_policy&, const connection_policy&) = default;
};

namespace detail {

/// True if a request failed because of the connection (its outcome may be unknown): retry it once
/// connected. The session's end (session_expired) and errc::closed are not: nothing is retried then.
inline bool is_connection_trouble(const error_code& ec) noexcept
{
    return ec == zk::error::connection_loss || ec == zk::error::operation_timeout ||
           ec == zk::error::session_moved;
}

/// Waits until `client` takes requests (connected, or suspended: requests then wait for the
/// reconnection), is closed, or `stop()`. `changed` must be notified on every connection event.
/// The recipes call it before retrying a request refused while the client had no session (idle,
/// or expired until the backend's next session). Both pointers must stay valid until the
/// awaitable completes.
template <class Stop>
boost::asio::awaitable<void> wait_for_requests(
    const zk::client* client, hakit::detail::wait_signal* changed, Stop stop
)
{
    auto settled = [client, &stop] {
        const auto s = client->state();
        return stop() || s == zk::connection_state::connected || s == zk::connection_state::suspended ||
               s == zk::connection_state::closed;
    };
    bool waiting = true;
    while (waiting && !settled())
        waiting = co_await changed->async_wait();
}

}  // namespace detail

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
