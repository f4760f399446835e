// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_SESSION_MACHINE_HPP
#define HAKIT_ZK_DETAIL_SESSION_MACHINE_HPP

#include <hakit/error.hpp>
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/handshake.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/session_options.hpp>

#include <hakit/detail/config.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <random>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

using session_clock = std::chrono::steady_clock;

// ---- actions: what the session machine asks the I/O layer to do, in order -----------------------

/// Open a TCP connection to `host`; report on_transport_connected or on_transport_failed.
struct open_connection
{
    host_port host;

    friend bool operator==(const open_connection&, const open_connection&) = default;
};

/// Write this ConnectRequest as the first frame, then write nothing until the response is in.
struct send_handshake
{
    connect_request request;

    friend bool operator==(const send_handshake&, const send_handshake&) = default;
};

/// The session is established on the current connection: send the auth packets, then (if
/// `resumed`) SetWatches, then the queued requests, in that order.
struct session_ready
{
    bool resumed = false;

    friend bool operator==(const session_ready&, const session_ready&) = default;
};

/// Send a ping (xid -2): nothing was sent for T/3.
struct send_ping
{
    friend bool operator==(const send_ping&, const send_ping&) = default;
};

/// Send closeSession after the queued requests.
struct send_close_session
{
    friend bool operator==(const send_close_session&, const send_close_session&) = default;
};

/// Tear the current transport down; requests in flight on it fail with connection_loss (their
/// outcome is unknown). `reason` says why (for logs and tests).
struct close_connection
{
    error_code reason;

    friend bool operator==(const close_connection&, const close_connection&) = default;
};

/// Report a connection event to the state stream.
struct notify_state
{
    connection_event event;

    friend bool operator==(const notify_state&, const notify_state&) = default;
};

/// Fail everything still waiting (queued and in-flight requests, async_connect, watches) with
/// `reason`: session_expired, closed, or connection_loss when the first session could not be
/// established within the connection timeout.
struct fail_waiting
{
    error_code reason;

    friend bool operator==(const fail_waiting&, const fail_waiting&) = default;
};

using session_action = std::variant<
    open_connection,
    send_handshake,
    session_ready,
    send_ping,
    send_close_session,
    close_connection,
    notify_state,
    fail_waiting>;
using session_actions = std::vector<session_action>;

/// Where the current connection attempt or connection stands.
enum class transport_phase : std::uint8_t
{
    /// No transport (between attempts, or no session wanted).
    none,
    /// TCP connect in progress.
    connecting,
    /// ConnectRequest sent, waiting for ConnectResponse.
    handshaking,
    /// The session is live on this connection.
    established,
};

/// The ZooKeeper session lifecycle without I/O (ClientCnxn's SendThread logic): host rotation,
/// handshake, negotiated timeout, pings, read timeout, reconnect with the same session, expiry
/// (server-reported and local), closeSession. Inputs are events with the current time; outputs
/// are actions, plus next_deadline(): the I/O layer calls on_tick() no later than that.
///
/// Timers, with T the negotiated session timeout and n the number of servers:
/// - per connection attempt (TCP connect + handshake): T/n (the requested T before a session);
/// - after every server failed in a row: wait min(reconnect_delay, T/10) before the next round;
/// - first session: give up after connection_timeout (state back to idle);
/// - connected: ping when nothing was sent for T/3; drop the connection (read timeout) when
///   nothing was received for 2T/3, and reconnect to the next server at once;
/// - local expiry: T after last hearing from any server the session is treated as expired (the
///   server will have expired it), whatever the connection is doing;
/// - closing: closed when closeSession is confirmed, or after close_timeout.
class session_machine
{
public:
    using clock = session_clock;
    using time_point = clock::time_point;
    using duration = clock::duration;

    /// `hosts` must not be empty. They are shuffled once with `seed`.
    session_machine(std::vector<host_port> hosts, const session_options& options, std::uint64_t seed)
        : hosts_(std::move(hosts))
        , requested_timeout_(options.session_timeout)
        , connection_timeout_(options.connection_timeout)
        , reconnect_delay_(options.reconnect_delay)
        , close_timeout_(options.close_timeout)
        , read_only_allowed_(options.read_only_allowed)
        , resume_(options.resume)
    {
        std::mt19937_64 rng(seed);
        std::shuffle(hosts_.begin(), hosts_.end(), rng);
    }

    // ---- inputs ----------------------------------------------------------------------------

    /// Starts establishing a session (from idle, or from expired for a new session). Returns
    /// false and does nothing in any other state.
    bool start(time_point now, session_actions& out)
    {
        if (state_ != connection_state::idle && state_ != connection_state::expired)
            return false;
        if (state_ == connection_state::idle && resume_ && !used_resume_)
        {
            session_id_ = resume_->id;
            password_ = resume_->password;
            used_resume_ = true;
        }
        else
        {
            session_id_ = 0;
            password_.assign(session_password_size, 0);
        }
        last_zxid_ = 0;
        negotiated_ = duration::zero();
        state_ = connection_state::connecting;
        connect_deadline_ = now + connection_timeout_;
        failures_in_row_ = 0;
        attempt(now, out);
        return true;
    }

    /// The TCP connection of the current attempt is up: send the ConnectRequest.
    void on_transport_connected(time_point now, session_actions& out)
    {
        if (phase_ != transport_phase::connecting)
            return;
        phase_ = transport_phase::handshaking;
        last_sent_ = now;
        connect_request request;
        request.last_zxid_seen = last_zxid_;
        request.timeout_ms = static_cast<std::int32_t>(requested_timeout_.count());
        request.session_id = session_id_;
        request.passwd = password_;
        request.read_only = read_only_allowed_;
        out.emplace_back(send_handshake{std::move(request)});
    }

    /// The current attempt failed, or the established connection broke (I/O error, EOF, bad
    /// frame, xid out of order, session_moved). `reason` is reported in close_connection.
    void on_transport_failed(time_point now, error_code reason, session_actions& out)
    {
        if (phase_ == transport_phase::none)
            return;
        switch (state_)
        {
            case connection_state::connecting:
            case connection_state::suspended:
                out.emplace_back(close_connection{reason});
                phase_ = transport_phase::none;
                ++failures_in_row_;
                attempt(now, out);
                return;
            case connection_state::connected:
                lose_connection(now, reason, out);
                return;
            case connection_state::closing:
                finish_close(out);
                return;
            default:
                return;
        }
    }

    /// The ConnectResponse of the current attempt arrived.
    void on_handshake(const connect_response& response, time_point now, session_actions& out)
    {
        if (phase_ != transport_phase::handshaking)
            return;
        last_heard_ = now;
        last_received_ = now;
        const bool had_session = session_id_ != 0;
        if (response.is_expired() || (had_session && response.session_id != session_id_))
        {
            expire(out, /*transport_open=*/true);
            return;
        }
        session_id_ = response.session_id;
        password_ = response.passwd;
        negotiated_ = std::chrono::milliseconds(response.timeout_ms);
        read_only_ = response.read_only.value_or(false);
        phase_ = transport_phase::established;
        failures_in_row_ = 0;
        const bool resumed = state_ == connection_state::suspended;
        state_ = connection_state::connected;
        out.emplace_back(session_ready{resumed});
        out.emplace_back(notify_state{resumed ? connection_event::reconnected : connection_event::connected});
    }

    /// Bytes arrived from the server of the current connection.
    void on_received(time_point now) noexcept
    {
        last_received_ = now;
        last_heard_ = now;
    }

    /// A frame was written on the current connection.
    void on_sent(time_point now) noexcept { last_sent_ = now; }

    /// The zxid of a reply to a normal request (the highest one is sent on reconnects).
    void on_zxid(std::int64_t zxid) noexcept
    {
        if (zxid > last_zxid_)
            last_zxid_ = zxid;
    }

    /// async_close(): closeSession when connected, otherwise closed at once.
    void on_close_requested(time_point now, session_actions& out)
    {
        switch (state_)
        {
            case connection_state::connected:
                state_ = connection_state::closing;
                close_deadline_ = now + close_timeout_;
                out.emplace_back(send_close_session{});
                return;
            case connection_state::closing:
            case connection_state::closed:
                return;
            default:
                finish_close(out);
                return;
        }
    }

    /// The server confirmed closeSession.
    void on_close_confirmed(session_actions& out)
    {
        if (state_ == connection_state::closing)
            finish_close(out);
    }

    /// Closed at once, without closeSession (the client object is going away).
    void on_abort(session_actions& out)
    {
        if (state_ != connection_state::closed)
            finish_close(out, errc::closed);
    }

    /// The server refused a credential of session_options::auth: the session is unusable.
    void on_auth_failed(session_actions& out)
    {
        if (state_ != connection_state::closed)
            finish_close(out, error::auth_failed);
    }

    /// Runs the timers due at `now`.
    void on_tick(time_point now, session_actions& out)
    {
        switch (state_)
        {
            case connection_state::connecting:
                if (now >= connect_deadline_)
                {
                    if (phase_ != transport_phase::none)
                        out.emplace_back(close_connection{error::operation_timeout});
                    phase_ = transport_phase::none;
                    state_ = connection_state::idle;
                    session_id_ = 0;
                    out.emplace_back(fail_waiting{error::connection_loss});
                    return;
                }
                tick_attempt(now, out);
                return;
            case connection_state::suspended:
                if (now >= last_heard_ + negotiated_)
                {
                    expire(out, phase_ != transport_phase::none);
                    return;
                }
                tick_attempt(now, out);
                return;
            case connection_state::connected:
                if (now >= last_heard_ + negotiated_)
                {
                    expire(out, true);
                    return;
                }
                if (now >= last_received_ + read_timeout())
                {
                    lose_connection(now, error::operation_timeout, out);
                    return;
                }
                if (now >= last_sent_ + ping_interval())
                {
                    last_sent_ = now;  // the ping goes out now; do not ask again before T/3
                    out.emplace_back(send_ping{});
                }
                return;
            case connection_state::closing:
                if (now >= close_deadline_)
                    finish_close(out);
                return;
            default:
                return;
        }
    }

    // ---- queries ---------------------------------------------------------------------------

    /// When on_tick() must run next; time_point::max() when no timer is due.
    time_point next_deadline() const noexcept
    {
        switch (state_)
        {
            case connection_state::connecting:
                return std::min(connect_deadline_, attempt_deadline());
            case connection_state::suspended:
                return std::min(last_heard_ + negotiated_, attempt_deadline());
            case connection_state::connected:
                return std::min(
                    {last_heard_ + negotiated_, last_received_ + read_timeout(), last_sent_ + ping_interval()}
                );
            case connection_state::closing:
                return close_deadline_;
            default:
                return time_point::max();
        }
    }

    connection_state state() const noexcept { return state_; }
    transport_phase phase() const noexcept { return phase_; }
    /// The session id (0 before the first session).
    std::int64_t session_id() const noexcept { return session_id_; }
    /// The session password (16 bytes).
    const bytes& password() const noexcept { return password_; }
    /// The negotiated session timeout T (zero before the first session).
    std::chrono::milliseconds negotiated_timeout() const noexcept
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(negotiated_);
    }
    /// The highest zxid seen in replies.
    std::int64_t last_zxid() const noexcept { return last_zxid_; }
    /// When bytes last arrived from any server (time_point{} before the first).
    time_point last_heard() const noexcept { return last_heard_; }
    /// True if the current server said it is read-only.
    bool read_only() const noexcept { return read_only_; }
    /// The servers in the order they are tried.
    const std::vector<host_port>& hosts() const noexcept { return hosts_; }
    /// The server of the current attempt or connection (the one last opened).
    const host_port& current_host() const noexcept
    {
        return hosts_[(cursor_ + hosts_.size() - 1) % hosts_.size()];
    }
    /// True while requests may be written (the session is live on the current connection).
    bool writable() const noexcept
    {
        return phase_ == transport_phase::established &&
               (state_ == connection_state::connected || state_ == connection_state::closing);
    }

private:
    duration session_timeout() const noexcept
    {
        return negotiated_ > duration::zero() ? negotiated_ : duration(requested_timeout_);
    }
    duration read_timeout() const noexcept { return negotiated_ * 2 / 3; }
    duration ping_interval() const noexcept { return negotiated_ / 3; }

    time_point attempt_deadline() const noexcept
    {
        switch (phase_)
        {
            case transport_phase::connecting:
            case transport_phase::handshaking:
                return attempt_deadline_;
            case transport_phase::none:
                return retry_at_;
            default:
                return time_point::max();
        }
    }

    /// Starts the next attempt, or waits first when every server failed in a row.
    void attempt(time_point now, session_actions& out)
    {
        if (failures_in_row_ > 0 && failures_in_row_ % hosts_.size() == 0 && !waited_)
        {
            phase_ = transport_phase::none;
            waited_ = true;
            retry_at_ = now + std::min<duration>(reconnect_delay_, session_timeout() / 10);
            return;
        }
        waited_ = false;
        const host_port& host = hosts_[cursor_];
        cursor_ = (cursor_ + 1) % hosts_.size();
        phase_ = transport_phase::connecting;
        attempt_deadline_ = now + session_timeout() / static_cast<int>(hosts_.size());
        out.emplace_back(open_connection{host});
    }

    void tick_attempt(time_point now, session_actions& out)
    {
        if (now < attempt_deadline())
            return;
        if (phase_ == transport_phase::none)
            attempt(now, out);
        else
            on_transport_failed(now, error::operation_timeout, out);
    }

    void lose_connection(time_point now, error_code reason, session_actions& out)
    {
        out.emplace_back(close_connection{reason});
        phase_ = transport_phase::none;
        state_ = connection_state::suspended;
        read_only_ = false;
        failures_in_row_ = 0;
        out.emplace_back(notify_state{connection_event::suspended});
        attempt(now, out);
    }

    void expire(session_actions& out, bool transport_open)
    {
        if (transport_open)
            out.emplace_back(close_connection{error::session_expired});
        phase_ = transport_phase::none;
        state_ = connection_state::expired;
        read_only_ = false;
        out.emplace_back(notify_state{connection_event::expired});
        out.emplace_back(fail_waiting{error::session_expired});
    }

    void finish_close(session_actions& out, error_code reason = errc::closed)
    {
        if (phase_ != transport_phase::none)
            out.emplace_back(close_connection{reason});
        phase_ = transport_phase::none;
        state_ = connection_state::closed;
        read_only_ = false;
        out.emplace_back(notify_state{connection_event::closed});
        out.emplace_back(fail_waiting{reason});
    }

    std::vector<host_port> hosts_;
    std::chrono::milliseconds requested_timeout_;
    std::chrono::milliseconds connection_timeout_;
    std::chrono::milliseconds reconnect_delay_;
    std::chrono::milliseconds close_timeout_;
    bool read_only_allowed_ = false;
    std::optional<session_credentials> resume_;
    bool used_resume_ = false;

    connection_state state_ = connection_state::idle;
    transport_phase phase_ = transport_phase::none;
    std::size_t cursor_ = 0;
    std::size_t failures_in_row_ = 0;
    bool waited_ = false;

    std::int64_t session_id_ = 0;
    bytes password_ = bytes(session_password_size, 0);
    duration negotiated_ = duration::zero();
    std::int64_t last_zxid_ = 0;
    bool read_only_ = false;

    time_point connect_deadline_{};
    time_point attempt_deadline_{};
    time_point retry_at_{};
    time_point close_deadline_{};
    time_point last_heard_{};
    time_point last_received_{};
    time_point last_sent_{};
};

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
