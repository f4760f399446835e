// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_CLIENT_CORE_HPP
#define HAKIT_ZK_DETAIL_CLIENT_CORE_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client_statistics.hpp>
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/detail/request.hpp>
#include <hakit/zk/detail/session_machine.hpp>
#include <hakit/zk/detail/signal_wait.hpp>
#include <hakit/zk/detail/watch_registry.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/frame.hpp>
#include <hakit/zk/handshake.hpp>
#include <hakit/zk/message.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zk/session_options.hpp>
#include <hakit/zk/state_subscription.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <optional>
#include <random>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// SetWatches packets carry at most this many bytes of paths (Java's SET_WATCHES_MAX_LENGTH).
inline constexpr std::size_t set_watches_max_length = 128 * 1024;
/// The writer gathers queued frames into one write up to about this size.
inline constexpr std::size_t write_batch_size = 64 * 1024;
/// Bytes asked from the socket per read.
inline constexpr std::size_t read_buffer_size = 64 * 1024;

/// One TCP connection to a server (one connection attempt, then, if the handshake succeeds, the
/// session's connection until it breaks). Its coroutines stop once `closed` is set.
struct connection
{
    connection(boost::asio::any_io_executor ex, std::size_t max_frame_size, host_port h)
        : socket(ex)
        , writer_signal(ex)
        , reader(max_frame_size)
        , host(std::move(h))
    {}

    boost::asio::ip::tcp::socket socket;
    /// Wakes the writer: frames queued, or the connection closed.
    hakit::detail::wait_signal writer_signal;
    frame_reader reader;
    host_port host;
    bytes handshake;
    bytes write_buf;
    std::vector<std::uint8_t> read_buf = std::vector<std::uint8_t>(read_buffer_size);
    bool closed = false;
    /// The session is live on this connection (ConnectResponse accepted).
    bool established = false;
};

/// The engine behind zk::client: the session machine, the connection's reader and writer
/// coroutines, one timer, the request queues and the watch registry, all on one executor. It is
/// shared by the client handle and its coroutines, so destroying the handle while operations are
/// pending is safe (shutdown() fails them with errc::closed).
///
/// Request flow: a caller encodes its frame and submit()s it with a request_entry; the writer
/// moves frames from `outbox_` to the socket once the session is live on a connection (so nothing
/// follows the ConnectRequest before its response), assigning xids in write order and recording
/// each frame in `in_flight_` before it is written; the reader matches every reply against the
/// head of `in_flight_` (a different xid drops the connection), applies watch side effects, and
/// completes the entry. Auth replies are matched against `auth_waiters_` (the server answers them
/// out of band). A lost connection fails everything in flight with connection_loss; frames not
/// written yet stay queued for the next connection of the same session.
class client_core : public std::enable_shared_from_this<client_core>
{
public:
    using clock = session_clock;
    using time_point = clock::time_point;

    client_core(boost::asio::any_io_executor ex, session_options options)
        : ex_(std::move(ex))
        , options_(std::move(options))
        , timer_(ex_)
        , state_signal_(ex_)
        , default_states_(std::make_shared<state_queue>(ex_))
    {
        subscribers_.push_back(default_states_);
        if (auto ec = validate_options())
        {
            config_error_ = ec;
            return;
        }
        auto parsed = parse_connect_string(options_.connect_string, config_diagnostics_);
        if (!parsed)
        {
            config_error_ = parsed.error();
            return;
        }
        chroot_ = std::move(parsed.value().chroot);
        const std::uint64_t seed = options_.shuffle_seed ? *options_.shuffle_seed : std::random_device{}();
        machine_.emplace(std::move(parsed.value().hosts), options_, seed);
        auth_ = options_.auth;
    }

    client_core(const client_core&) = delete;
    client_core& operator=(const client_core&) = delete;

    boost::asio::any_io_executor get_executor() const { return ex_; }
    const session_options& options() const noexcept { return options_; }
    error_code config_error() const noexcept { return config_error_; }
    const diagnostics& config_diagnostics() const noexcept { return config_diagnostics_; }
    const std::string& chroot() const noexcept { return chroot_; }
    const session_machine* machine() const noexcept { return machine_ ? &*machine_ : nullptr; }
    hakit::detail::wait_signal* state_signal() noexcept { return &state_signal_; }
    error_code last_failure() const noexcept { return last_failure_; }
    const std::shared_ptr<state_queue>& default_states() const noexcept { return default_states_; }
    bool stopped() const noexcept { return stopped_; }

    connection_state state() const noexcept
    {
        if (!machine_)
            return stopped_ ? connection_state::closed : connection_state::idle;
        return machine_->state();
    }

    /// A new subscriber to connection events.
    std::shared_ptr<state_queue> subscribe()
    {
        auto q = std::make_shared<state_queue>(ex_);
        if (state() == connection_state::closed)
            q->push(connection_event::closed);
        else
            subscribers_.push_back(q);
        return q;
    }

    /// `path` as the server sees it (chroot prepended).
    std::string server_path(std::string_view path) const { return prepend_chroot(chroot_, path); }
    /// A server path as the caller sees it (chroot stripped).
    std::string client_path(std::string_view path) const { return strip_chroot(chroot_, path); }

    /// One frame holding `records`, with xid 0 for now; bad_arguments if above max_frame_size.
    template <class... Records>
    result<bytes> encode(const Records&... records) const
    {
        bytes out;
        if (auto ec = append_frame(out, options_.max_frame_size, records...))
            return ec;
        return out;
    }

    std::shared_ptr<request_entry> make_entry() const { return std::make_shared<request_entry>(ex_); }

    /// Why a new request cannot be queued now, or success.
    error_code admission_error() const noexcept
    {
        if (config_error_)
            return config_error_;
        switch (state())
        {
            case connection_state::idle:
                return error::connection_loss;
            case connection_state::expired:
                return error::session_expired;
            case connection_state::closing:
            case connection_state::closed:
                return errc::closed;
            default:
                return {};
        }
    }

    /// Queues a frame for the writer; `entry` (if any) completes with its reply or failure.
    error_code submit(outgoing_kind kind, op_code op, bytes frame, std::shared_ptr<request_entry> entry)
    {
        if (auto ec = admission_error())
            return ec;
        outbox_.emplace_back(kind, op, std::move(frame), std::move(entry));
        wake_writer();
        return {};
    }

    /// Starts a session if there is none (idle or expired). Returns false if one exists already.
    bool start()
    {
        if (!machine_ || stopped_)
            return false;
        bool started = false;
        drive([&](session_machine& m, session_actions& out) { started = m.start(clock::now(), out); });
        if (started && !timer_running_)
        {
            timer_running_ = true;
            spawn(run_timer(shared_from_this()));
        }
        return started;
    }

    /// closeSession (when connected), then closed.
    void request_close()
    {
        if (!machine_)
        {
            stopped_ = true;
            publish(connection_event::closed);
            state_signal_.notify_all();
            return;
        }
        drive([](session_machine& m, session_actions& out) { m.on_close_requested(clock::now(), out); });
    }

    /// Tears everything down at once (the client handle is going away): no closeSession; every
    /// waiter completes with errc::closed.
    void shutdown()
    {
        if (stopped_)
            return;
        if (machine_)
            drive([](session_machine& m, session_actions& out) { m.on_abort(out); });
        else
            publish(connection_event::closed);
        stopped_ = true;
        timer_.cancel();
        state_signal_.notify_all();
    }

    /// Number of requests written and not answered yet (for tests).
    std::size_t in_flight() const noexcept { return in_flight_.size(); }
    /// Number of frames waiting for the writer (for tests).
    std::size_t queued() const noexcept { return outbox_.size(); }
    const client_statistics& statistics() const noexcept { return statistics_; }
    watch_registry& watches() noexcept { return watches_; }

private:
    // ---- options -------------------------------------------------------------------------------

    error_code validate_options()
    {
        const auto fail = [this](std::string message) {
            config_diagnostics_.assign("session options: " + std::move(message));
            return make_error_code(errc::invalid_config);
        };
        constexpr auto max_ms = std::numeric_limits<std::int32_t>::max();
        if (options_.session_timeout.count() <= 0 || options_.session_timeout.count() > max_ms)
            return fail("session_timeout must be between 1 ms and INT32_MAX ms");
        if (options_.connection_timeout.count() <= 0)
            return fail("connection_timeout must be positive");
        if (options_.close_timeout.count() < 0 || options_.reconnect_delay.count() < 0)
            return fail("close_timeout and reconnect_delay must not be negative");
        if (options_.max_frame_size < 1024)
            return fail("max_frame_size must be at least 1024 bytes");
        if (options_.resume && options_.resume->password.size() != session_password_size)
            return fail("resume.password must have 16 bytes");
        return {};
    }

    // ---- driving the session machine -----------------------------------------------------------

    /// Feeds one input to the machine and performs the resulting actions.
    template <class Input>
    void drive(Input&& input)
    {
        session_actions out;
        const auto before = machine_->state();
        input(*machine_, out);
        for (auto& action : out)
            std::visit([this](auto& a) { this->act(a); }, action);
        const auto after = machine_->state();
        if (after != before)
            state_signal_.notify_all();
        if (after == connection_state::closed)
            timer_.cancel();  // let the timer coroutine finish
        else
            reschedule();
    }

    void act(open_connection& a)
    {
        auto conn = std::make_shared<connection>(ex_, options_.max_frame_size, std::move(a.host));
        conn_ = conn;
        spawn(run_connection(shared_from_this(), std::move(conn)));
    }

    void act(send_handshake& a)
    {
        if (!conn_)
            return;
        auto frame = encode(a.request);
        if (frame)
            conn_->handshake = std::move(frame.value());
    }

    void act(session_ready&)
    {
        if (!conn_)
            return;
        std::vector<outgoing> first;
        for (const auto& packet : auth_)
        {
            const request_header header{auth_xid, op_code::auth};
            if (auto frame = encode(header, packet))
                first.emplace_back(outgoing_kind::auth, op_code::auth, std::move(frame.value()));
        }
        auto paths = watches_.live_paths();
        if (!paths.empty())
            append_set_watches(first, paths);
        outbox_.insert(
            outbox_.begin(), std::make_move_iterator(first.begin()), std::make_move_iterator(first.end())
        );
        conn_->established = true;
        spawn(run_writer(shared_from_this(), conn_));
    }

    void act(send_ping&)
    {
        const request_header header{ping_xid, op_code::ping};
        if (auto frame = encode(header))
            outbox_.emplace_back(outgoing_kind::ping, op_code::ping, std::move(frame.value()));
        wake_writer();
    }

    void act(send_close_session&)
    {
        const request_header header{0, op_code::close_session};
        if (auto frame = encode(header))
            outbox_.emplace_back(
                outgoing_kind::close_session, op_code::close_session, std::move(frame.value())
            );
        wake_writer();
    }

    static bool is_terminal(const error_code& ec) noexcept
    {
        return ec == errc::closed || ec == error::session_expired || ec == error::auth_failed;
    }

    void act(close_connection& a)
    {
        if (!conn_)
            return;
        auto conn = std::move(conn_);
        conn->closed = true;
        boost::system::error_code ignored;
        conn->socket.close(ignored);
        conn->writer_signal.notify_all();
        // Their outcome is unknown: connection_loss, unless the session itself ended.
        const error_code ec = is_terminal(a.reason) ? a.reason : error_code(error::connection_loss);
        auto in_flight = std::exchange(in_flight_, {});
        for (auto& r : in_flight)
            if (r.entry)
                r.entry->complete(ec);
        auto auth_waiters = std::exchange(auth_waiters_, {});
        for (auto& e : auth_waiters)
            if (e)
                e->complete(ec);
        // The next connection primes itself again.
        std::erase_if(outbox_, [](const outgoing& o) { return !o.entry; });
    }

    void act(notify_state& a) { publish(a.event); }

    void act(fail_waiting& a)
    {
        last_failure_ = a.reason;
        auto outbox = std::exchange(outbox_, {});
        for (auto& o : outbox)
            if (o.entry)
                o.entry->complete(a.reason);
        auto in_flight = std::exchange(in_flight_, {});
        for (auto& r : in_flight)
            if (r.entry)
                r.entry->complete(a.reason);
        auto auth_waiters = std::exchange(auth_waiters_, {});
        for (auto& e : auth_waiters)
            if (e)
                e->complete(a.reason);
        watches_.fail_all(a.reason);
    }

    void publish(connection_event e)
    {
        std::erase_if(subscribers_, [e](const std::weak_ptr<state_queue>& weak) {
            auto q = weak.lock();
            if (!q)
                return true;
            q->push(e);
            return false;
        });
    }

    /// SetWatches (or SetWatches2 when persistent watches are among them) batches whose summed
    /// path lengths stay within set_watches_max_length.
    void append_set_watches(std::vector<outgoing>& out, watched_paths& paths)
    {
        const std::int64_t zxid = machine_->last_zxid();
        set_watches2 batch{zxid, {}, {}, {}, {}, {}};
        std::size_t length = 0;
        const auto flush = [&] {
            const bool v2 = !batch.persistent_watches.empty() || !batch.persistent_recursive_watches.empty();
            const bool empty = batch.data_watches.empty() && batch.exist_watches.empty() &&
                               batch.child_watches.empty() && !v2;
            if (!empty)
            {
                const request_header header{
                    set_watches_xid, v2 ? op_code::set_watches2 : op_code::set_watches};
                result<bytes> frame = error_code();
                if (v2)
                    frame = encode(header, batch);
                else
                {
                    const set_watches v1{
                        zxid,
                        std::move(batch.data_watches),
                        std::move(batch.exist_watches),
                        std::move(batch.child_watches)};
                    frame = encode(header, v1);
                }
                if (frame)
                    out.emplace_back(outgoing_kind::set_watches, header.type, std::move(frame.value()));
            }
            batch = set_watches2{zxid, {}, {}, {}, {}, {}};
            length = 0;
        };
        const auto add = [&](std::vector<std::string>& from, std::vector<std::string> set_watches2::*to) {
            for (const auto& p : from)
            {
                auto sp = server_path(p);
                if (length > 0 && length + sp.size() > set_watches_max_length)
                    flush();
                length += sp.size();
                (batch.*to).push_back(std::move(sp));
            }
        };
        add(paths.data, &set_watches2::data_watches);
        add(paths.exist, &set_watches2::exist_watches);
        add(paths.child, &set_watches2::child_watches);
        add(paths.persistent, &set_watches2::persistent_watches);
        add(paths.persistent_recursive, &set_watches2::persistent_recursive_watches);
        flush();
    }

    // ---- timers -----------------------------------------------------------------------------

    /// Wakes the timer coroutine if the machine's next deadline moved earlier than the armed one.
    /// (Sending and receiving only move deadlines later, so they never need this.)
    void reschedule()
    {
        if (timer_running_ && machine_->next_deadline() < timer_at_)
            timer_.cancel();
    }

    void tick()
    {
        drive([](session_machine& m, session_actions& out) { m.on_tick(clock::now(), out); });
    }

    static boost::asio::awaitable<void> run_timer(std::shared_ptr<client_core> self)
    {
        while (!self->stopped_ && self->machine_->state() != connection_state::closed)
        {
            const auto deadline = self->machine_->next_deadline();
            self->timer_at_ = deadline;
            self->timer_.expires_at(deadline);
            (void)co_await self->timer_.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
            self->timer_at_ = time_point::max();
            if (self->stopped_)
                break;
            if (clock::now() >= self->machine_->next_deadline())
                self->tick();
        }
        self->timer_running_ = false;
    }

    // ---- the connection ---------------------------------------------------------------------

    void wake_writer()
    {
        if (conn_ && conn_->established)
            conn_->writer_signal.notify_all();
    }

    bool is_current(const std::shared_ptr<connection>& conn) const noexcept
    {
        return !conn->closed && conn == conn_;
    }

    void transport_failed(const std::shared_ptr<connection>& conn, error_code ec)
    {
        if (!is_current(conn))
            return;
        drive([&](session_machine& m, session_actions& out) { m.on_transport_failed(clock::now(), ec, out); }
        );
    }

    static boost::asio::awaitable<void> run_connection(
        std::shared_ptr<client_core> self, std::shared_ptr<connection> conn
    )
    {
        namespace asio = boost::asio;
        using asio::ip::tcp;
        constexpr auto tuple = asio::as_tuple(asio::use_awaitable);

        error_code ec;
        const auto address = asio::ip::make_address(conn->host.host, ec);
        if (!ec)
        {
            const tcp::endpoint endpoint(address, conn->host.port);
            auto [cec] = co_await conn->socket.async_connect(endpoint, tuple);
            ec = cec;
        }
        else
        {
            tcp::resolver resolver(self->ex_);
            auto [rec, endpoints] =
                co_await resolver.async_resolve(conn->host.host, std::to_string(conn->host.port), tuple);
            if (!self->is_current(conn))
                co_return;
            ec = rec;
            if (!ec)
            {
                auto [cec, chosen] = co_await asio::async_connect(conn->socket, endpoints, tuple);
                (void)chosen;
                ec = cec;
            }
        }
        if (!self->is_current(conn))
            co_return;
        if (ec)
        {
            self->transport_failed(conn, ec);
            co_return;
        }
        boost::system::error_code ignored;
        conn->socket.set_option(tcp::no_delay(true), ignored);

        self->drive([](session_machine& m, session_actions& out) {
            m.on_transport_connected(clock::now(), out);
        });
        if (!self->is_current(conn) || conn->handshake.empty())
            co_return;
        auto [wec, written] = co_await asio::async_write(conn->socket, asio::buffer(conn->handshake), tuple);
        (void)written;
        if (!self->is_current(conn))
            co_return;
        if (wec)
        {
            self->transport_failed(conn, wec);
            co_return;
        }

        // Loops here have a condition and no co_return inside (GCC 12 miscompiles a co_return from
        // the middle of a loop after a co_await).
        bool reading = true;
        while (reading)
        {
            auto [rec, n] = co_await conn->socket.async_read_some(asio::buffer(conn->read_buf), tuple);
            if (!self->is_current(conn))
                reading = false;
            else if (rec)
            {
                self->transport_failed(
                    conn, rec == asio::error::eof ? error_code(error::connection_loss) : rec
                );
                reading = false;
            }
            else
            {
                self->on_bytes(conn, std::span<const std::uint8_t>(conn->read_buf.data(), n));
                reading = self->is_current(conn);
            }
        }
    }

    static boost::asio::awaitable<void> run_writer(
        std::shared_ptr<client_core> self, std::shared_ptr<connection> conn
    )
    {
        namespace asio = boost::asio;
        bool writing = true;
        while (writing)
        {
            auto ready = [s = self.get(), c = conn.get()] {
                return c->closed || (!s->outbox_.empty() && s->machine_->writable());
            };
            (void)co_await wait_until(&conn->writer_signal, ready);
            if (!self->is_current(conn))
            {
                writing = false;
                continue;
            }
            self->fill_write_buffer(*conn);
            if (conn->write_buf.empty())
                continue;
            auto [ec, n] = co_await asio::async_write(
                conn->socket, asio::buffer(conn->write_buf), asio::as_tuple(asio::use_awaitable)
            );
            (void)n;
            if (!self->is_current(conn))
                writing = false;
            else if (ec)
            {
                self->transport_failed(conn, ec);
                writing = false;
            }
            else
                self->machine_->on_sent(clock::now());
        }
    }

    std::int32_t next_xid() noexcept
    {
        const std::int32_t xid = next_xid_;
        next_xid_ = next_xid_ == std::numeric_limits<std::int32_t>::max() ? 1 : next_xid_ + 1;
        return xid;
    }

    void fill_write_buffer(connection& c)
    {
        c.write_buf.clear();
        while (!outbox_.empty() && c.write_buf.size() < write_batch_size)
        {
            outgoing item = std::move(outbox_.front());
            outbox_.pop_front();
            if (item.entry && item.entry->abandoned)
                continue;  // cancelled before it was sent: the server never sees it
            switch (item.kind)
            {
                case outgoing_kind::request:
                case outgoing_kind::close_session: {
                    const std::int32_t xid = next_xid();
                    for (std::size_t k = 0; k < 4; ++k)
                        item.frame[frame_header_size + k] =
                            static_cast<std::uint8_t>(static_cast<std::uint32_t>(xid) >> (24 - 8 * k));
                    in_flight_.push_back({item.kind, item.op, xid, item.entry});
                    ++statistics_.requests;
                    if (is_write(item.op))
                        ++statistics_.writes;
                    break;
                }
                case outgoing_kind::auth:
                    auth_waiters_.push_back(item.entry);
                    break;
                case outgoing_kind::set_watches:
                    in_flight_.push_back({item.kind, item.op, set_watches_xid, nullptr});
                    break;
                case outgoing_kind::ping:
                    break;
            }
            c.write_buf.insert(c.write_buf.end(), item.frame.begin(), item.frame.end());
        }
    }

    void on_bytes(const std::shared_ptr<connection>& conn, std::span<const std::uint8_t> data)
    {
        machine_->on_received(clock::now());
        while (!data.empty())
        {
            auto taken = conn->reader.consume(data);
            if (!taken)
            {
                transport_failed(conn, taken.error());  // bad length prefix: cannot resynchronise
                return;
            }
            data = data.subspan(taken.value());
            if (conn->reader.ready())
            {
                handle_frame(conn, conn->reader.frame());
                if (!is_current(conn))
                    return;
                conn->reader.next();
            }
        }
    }

    void handle_frame(const std::shared_ptr<connection>& conn, std::span<const std::uint8_t> payload)
    {
        if (!conn->established)
        {
            auto response = decode_connect_response(payload, options_.max_frame_size);
            if (!response)
            {
                transport_failed(conn, response.error());
                return;
            }
            drive([&](session_machine& m, session_actions& out) {
                m.on_handshake(response.value(), clock::now(), out);
            });
            return;
        }

        std::optional<op_code> pending;
        if (!in_flight_.empty())
            pending = in_flight_.front().op;
        auto message = decode_server_message(payload, pending, options_.max_frame_size);
        if (!message)
        {
            // A reply whose body cannot be decoded fails its request; the stream is not trusted.
            auto header = decode_record<reply_header>(payload);
            if (header && header.value().xid > 0 && !in_flight_.empty() &&
                in_flight_.front().xid == header.value().xid)
            {
                auto item = std::move(in_flight_.front());
                in_flight_.pop_front();
                if (item.entry)
                    item.entry->complete(message.error());
            }
            transport_failed(conn, message.error());
            return;
        }

        const std::int32_t xid = message.value().header.xid;
        if (xid == notification_xid)
        {
            auto* event = std::get_if<watcher_event>(&message.value().body);
            if (event)
            {
                ++statistics_.notifications;
                event->path = client_path(event->path);
                watches_.dispatch(*event);
            }
            return;
        }
        if (xid == ping_xid)
            return;
        if (xid == auth_xid)
        {
            handle_auth_reply(conn, message.value().header);
            return;
        }
        if (xid == set_watches_xid)
        {
            if (in_flight_.empty() || in_flight_.front().kind != outgoing_kind::set_watches)
            {
                transport_failed(conn, error::runtime_inconsistency);
                return;
            }
            in_flight_.pop_front();
            return;
        }
        if (in_flight_.empty() || in_flight_.front().xid != xid)
        {
            transport_failed(conn, error::runtime_inconsistency);  // "Xid out of order"
            return;
        }
        auto item = std::move(in_flight_.front());
        in_flight_.pop_front();
        if (message.value().header.zxid > 0)
            machine_->on_zxid(message.value().header.zxid);
        if (item.kind == outgoing_kind::close_session)
        {
            drive([](session_machine& m, session_actions& out) { m.on_close_confirmed(out); });
            return;
        }
        const std::int32_t err = message.value().header.err;
        if (item.entry)
        {
            apply_reply_to_watches(*item.entry, item.op, err, watches_);
            item.entry->complete(std::move(message.value()));
        }
        if (err == static_cast<std::int32_t>(error::session_moved) ||
            err == static_cast<std::int32_t>(error::session_expired))
            transport_failed(conn, from_server_code(err));  // reconnecting tells what became of it
    }

    void handle_auth_reply(const std::shared_ptr<connection>& conn, const reply_header& header)
    {
        if (auth_waiters_.empty())
        {
            transport_failed(conn, error::runtime_inconsistency);
            return;
        }
        auto entry = std::move(auth_waiters_.front());
        auth_waiters_.pop_front();
        if (!entry)
        {
            // A credential from the options (or accepted earlier) was refused: the server closes
            // the connection, and every reconnect would be refused the same way.
            if (header.err != 0)
                drive([](session_machine& m, session_actions& out) { m.on_auth_failed(out); });
            return;
        }
        if (header.err == 0 && entry->auth)
            auth_.push_back(*entry->auth);
        entry->complete(server_message{header, {}});
    }

    void spawn(boost::asio::awaitable<void> coro)
    {
        // Our coroutines do not throw; if one does (bad_alloc), io_context::run() reports it.
        boost::asio::co_spawn(ex_, std::move(coro), [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        });
    }

    boost::asio::any_io_executor ex_;
    session_options options_;
    error_code config_error_;
    diagnostics config_diagnostics_;
    std::string chroot_;
    std::optional<session_machine> machine_;

    boost::asio::steady_timer timer_;
    time_point timer_at_ = time_point::max();
    bool timer_running_ = false;
    bool stopped_ = false;

    std::shared_ptr<connection> conn_;
    std::deque<outgoing> outbox_;
    std::deque<in_flight_request> in_flight_;
    client_statistics statistics_;
    std::deque<std::shared_ptr<request_entry>> auth_waiters_;
    std::vector<auth_packet> auth_;
    std::int32_t next_xid_ = 1;

    watch_registry watches_;
    hakit::detail::wait_signal state_signal_;
    error_code last_failure_;
    std::shared_ptr<state_queue> default_states_;
    std::vector<std::weak_ptr<state_queue>> subscribers_;
};

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
