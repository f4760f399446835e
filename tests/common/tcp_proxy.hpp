// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_TCP_PROXY_HPP
#define HAKIT_TESTS_COMMON_TCP_PROXY_HPP

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace hakit_test {

namespace detail {

inline constexpr auto proxy_use_tuple = boost::asio::as_tuple(boost::asio::use_awaitable);

/// One proxied connection: the accepted client socket and our socket to the target.
struct proxy_connection
{
    explicit proxy_connection(boost::asio::ip::tcp::socket c, const boost::asio::any_io_executor& ex)
        : client(std::move(c))
        , upstream(ex)
    {}

    boost::asio::ip::tcp::socket client;
    boost::asio::ip::tcp::socket upstream;
    /// Set once the connection was torn down; every coroutine of it then stops.
    bool closed = false;
    /// Forwarding directions (client→target, target→client) still running.
    int open_directions = 2;
};

/// Everything the proxy's coroutines share; owned jointly by the proxy and its coroutines so that
/// destroying the proxy while operations are pending is safe.
struct proxy_state
{
    explicit proxy_state(boost::asio::any_io_executor e, boost::asio::ip::tcp::endpoint t)
        : ex(e)
        , acceptor(e)
        , target(t)
        , resume_timer(e, boost::asio::steady_timer::time_point::max())
    {}

    boost::asio::any_io_executor ex;
    boost::asio::ip::tcp::acceptor acceptor;
    boost::asio::ip::tcp::endpoint listen_endpoint;
    boost::asio::ip::tcp::endpoint target;
    /// Never expires; cancelled to wake the coroutines holding data while paused.
    boost::asio::steady_timer resume_timer;
    std::vector<std::shared_ptr<proxy_connection>> connections;
    /// Timers of async_wait_until callers, cancelled on every state change.
    std::vector<boost::asio::steady_timer*> waiters;
    unsigned accept_generation = 0;
    bool paused = false;
    bool refusing = false;
    bool closed = false;
    std::size_t accepted = 0;
    std::size_t upstream_failures = 0;
    std::uint64_t bytes_to_target = 0;
    std::uint64_t bytes_to_client = 0;
    std::uint64_t bytes_held = 0;
    std::size_t held_reads = 0;

    void notify()
    {
        for (auto* t : waiters)
            t->cancel();
    }

    void wake_holders() { resume_timer.cancel(); }

    /// Tears a connection down with RST on both sides (SO_LINGER 0), as a crashed peer would.
    void abort(proxy_connection& c)
    {
        if (c.closed)
            return;
        c.closed = true;
        boost::system::error_code ignored;
        for (auto* s : {&c.client, &c.upstream})
        {
            if (!s->is_open())
                continue;
            s->set_option(boost::asio::socket_base::linger(true, 0), ignored);
            s->close(ignored);
        }
        wake_holders();
        notify();
    }

    void remove(const std::shared_ptr<proxy_connection>& c)
    {
        boost::system::error_code ignored;
        c->closed = true;
        c->client.close(ignored);
        c->upstream.close(ignored);
        std::erase(connections, c);
        notify();
    }

    void listen(const boost::asio::ip::tcp::endpoint& ep)
    {
        acceptor.open(ep.protocol());
        acceptor.set_option(boost::asio::socket_base::reuse_address(true));
        acceptor.bind(ep);
        acceptor.listen();
        listen_endpoint = acceptor.local_endpoint();
    }
};

/// Waits while the proxy is paused (and the connection alive). Returns false if the connection died.
inline boost::asio::awaitable<bool> proxy_hold(
    std::shared_ptr<proxy_state> st, std::shared_ptr<proxy_connection> c
)
{
    while (st->paused && !c->closed)
        (void)co_await st->resume_timer.async_wait(proxy_use_tuple);
    co_return !c->closed;
}

/// Forwards one direction until EOF (propagated as a FIN) or an error (propagated as RST).
inline boost::asio::awaitable<void> proxy_pump(
    std::shared_ptr<proxy_state> st, std::shared_ptr<proxy_connection> c, bool to_target
)
{
    auto& from = to_target ? c->client : c->upstream;
    auto& to = to_target ? c->upstream : c->client;
    std::array<char, 16384> buf;
    for (;;)
    {
        auto [rec, n] = co_await from.async_read_some(boost::asio::buffer(buf), proxy_use_tuple);
        if (c->closed)
            break;
        // During a pause, whatever was read (data or EOF) is held: a partition delivers nothing.
        if (st->paused)
        {
            st->bytes_held += n;
            ++st->held_reads;
            st->notify();
            const bool alive = co_await proxy_hold(st, c);
            st->bytes_held -= n;
            --st->held_reads;
            st->notify();
            if (!alive)
                break;
        }
        if (rec == boost::asio::error::eof)
        {
            boost::system::error_code ignored;
            to.shutdown(boost::asio::socket_base::shutdown_send, ignored);
            break;
        }
        if (rec)
        {
            st->abort(*c);
            break;
        }
        auto [wec, written] =
            co_await boost::asio::async_write(to, boost::asio::buffer(buf.data(), n), proxy_use_tuple);
        if (c->closed)
            break;
        if (wec)
        {
            st->abort(*c);
            break;
        }
        (to_target ? st->bytes_to_target : st->bytes_to_client) += written;
        st->notify();
    }
    if (--c->open_directions == 0)
        st->remove(c);
}

/// Connects one accepted client to the target (after any pause) and starts both directions.
inline boost::asio::awaitable<void> proxy_serve(
    std::shared_ptr<proxy_state> st, std::shared_ptr<proxy_connection> c
)
{
    // While paused even the target must not see the new connection.
    const bool alive = co_await proxy_hold(st, c);
    if (!alive)
    {
        st->remove(c);
        co_return;
    }
    const auto target = st->target;
    auto [ec] = co_await c->upstream.async_connect(target, proxy_use_tuple);
    if (c->closed)
    {
        st->remove(c);
        co_return;
    }
    if (ec)
    {
        ++st->upstream_failures;
        st->abort(*c);
        st->remove(c);
        co_return;
    }
    boost::system::error_code ignored;
    c->client.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    c->upstream.set_option(boost::asio::ip::tcp::no_delay(true), ignored);
    boost::asio::co_spawn(st->ex, proxy_pump(st, c, true), boost::asio::detached);
    boost::asio::co_spawn(st->ex, proxy_pump(st, c, false), boost::asio::detached);
}

inline boost::asio::awaitable<void> proxy_accept_loop(std::shared_ptr<proxy_state> st, unsigned generation)
{
    for (;;)
    {
        auto [ec, socket] = co_await st->acceptor.async_accept(proxy_use_tuple);
        if (st->closed || generation != st->accept_generation)
            co_return;
        if (ec)
        {
            if (ec == boost::asio::error::operation_aborted || !st->acceptor.is_open())
                co_return;
            continue;
        }
        auto c = std::make_shared<proxy_connection>(std::move(socket), st->ex);
        st->connections.push_back(c);
        ++st->accepted;
        st->notify();
        boost::asio::co_spawn(st->ex, proxy_serve(st, c), boost::asio::detached);
    }
}

/// Unregisters an async_wait_until timer, also when the waiting coroutine is destroyed mid-wait.
struct proxy_waiter_guard
{
    proxy_state* st;
    boost::asio::steady_timer* timer;
    ~proxy_waiter_guard() { std::erase(st->waiters, timer); }
};

}  // namespace detail

/// A TCP proxy on 127.0.0.1 for fault injection in tests: listens on an ephemeral port, forwards each
/// connection to a target endpoint, and lets a test cut (drop_all), stall (pause/resume: bytes are
/// held, connections stay open, as in a network partition), refuse or redirect connections.
///
/// Runs entirely on the given executor (typically the test's one io_context, the same the client
/// under test uses): call every member from that executor's thread or while it is not running.
/// The io_context must outlive the proxy. Setup errors (bind, listen) throw: this is test
/// infrastructure.
class tcp_proxy
{
public:
    using tcp = boost::asio::ip::tcp;
    using clock = std::chrono::steady_clock;

    /// Starts listening on 127.0.0.1:0 (see endpoint()) and forwarding to `target`.
    tcp_proxy(boost::asio::any_io_executor ex, tcp::endpoint target)
        : state_(std::make_shared<detail::proxy_state>(std::move(ex), target))
    {
        state_->listen(tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
        start_accepting();
    }

    tcp_proxy(const tcp_proxy&) = delete;
    tcp_proxy& operator=(const tcp_proxy&) = delete;

    ~tcp_proxy() { close(); }

    /// Where clients connect.
    tcp::endpoint endpoint() const { return state_->listen_endpoint; }

    /// endpoint() as "127.0.0.1:port", ready for a connect string.
    std::string address() const
    {
        return state_->listen_endpoint.address().to_string() + ":" +
               std::to_string(state_->listen_endpoint.port());
    }

    /// Where new connections are forwarded.
    tcp::endpoint target() const { return state_->target; }

    /// Resets every open connection (RST to both the client and the target).
    void drop_all()
    {
        auto connections = state_->connections;
        for (auto& c : connections)
            state_->abort(*c);
    }

    /// Stops forwarding: bytes (and EOFs) read from either side are held, connections stay open, new
    /// connections are accepted but not connected to the target. Nothing is lost: resume() delivers.
    void pause()
    {
        state_->paused = true;
        state_->notify();
    }

    /// Delivers what was held and forwards again.
    void resume()
    {
        state_->paused = false;
        state_->wake_holders();
        state_->notify();
    }

    bool paused() const { return state_->paused; }

    /// true: stop listening, so new connections are refused (ECONNREFUSED); open ones are kept.
    /// false: listen again on the same port.
    void refuse_new(bool refuse)
    {
        if (refuse == state_->refusing || state_->closed)
            return;
        state_->refusing = refuse;
        if (refuse)
        {
            ++state_->accept_generation;
            boost::system::error_code ignored;
            state_->acceptor.close(ignored);
        }
        else
        {
            state_->listen(state_->listen_endpoint);
            start_accepting();
        }
    }

    /// Forwards connections accepted from now on to `target` (open ones keep their target).
    void retarget(tcp::endpoint target) { state_->target = target; }

    /// Stops listening and resets every connection. Idempotent; the destructor calls it.
    void close()
    {
        if (state_->closed)
            return;
        drop_all();
        state_->closed = true;
        boost::system::error_code ignored;
        state_->acceptor.close(ignored);
        state_->wake_holders();
        state_->notify();
    }

    /// Connections accepted so far.
    std::size_t connections_accepted() const { return state_->accepted; }
    /// Connections accepted and not yet fully closed.
    std::size_t active_connections() const { return state_->connections.size(); }
    /// Accepted connections whose connect to the target failed (the client got a RST).
    std::size_t upstream_failures() const { return state_->upstream_failures; }
    /// Bytes delivered to the target / to clients.
    std::uint64_t bytes_to_target() const { return state_->bytes_to_target; }
    std::uint64_t bytes_to_client() const { return state_->bytes_to_client; }
    /// Bytes read but held back by pause().
    std::uint64_t bytes_held() const { return state_->bytes_held; }
    /// Reads (data, EOF or error) held back by pause(): at most one per connection and direction.
    std::size_t held_reads() const { return state_->held_reads; }

    /// Waits until `pred()` is true (checked at each proxy state change and every 10 ms, for
    /// predicates on other objects) or `timeout` passed; returns the last value of `pred()`.
    /// Bind a capturing lambda to a named local before passing it (GCC 12 co_await bug).
    template <class Pred>
    boost::asio::awaitable<bool> async_wait_until(Pred pred, clock::duration timeout) const
    {
        const auto st = state_;
        const auto deadline = clock::now() + timeout;
        boost::asio::steady_timer timer(st->ex);
        st->waiters.push_back(&timer);
        const detail::proxy_waiter_guard guard{st.get(), &timer};
        for (;;)
        {
            if (pred())
                co_return true;
            const auto now = clock::now();
            if (now >= deadline)
                co_return false;
            timer.expires_at(std::min(deadline, now + std::chrono::milliseconds(10)));
            (void)co_await timer.async_wait(detail::proxy_use_tuple);
        }
    }

private:
    void start_accepting()
    {
        boost::asio::co_spawn(
            state_->ex, detail::proxy_accept_loop(state_, ++state_->accept_generation), boost::asio::detached
        );
    }

    std::shared_ptr<detail::proxy_state> state_;
};

}  // namespace hakit_test

#endif
