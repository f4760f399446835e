// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#include "common/tcp_proxy.hpp"

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <doctest/doctest.h>

#include "common/run_coro.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <memory>
#include <string>

namespace asio = boost::asio;
using asio::ip::tcp;
using namespace std::chrono_literals;

namespace {

constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);
constexpr auto wait_limit = std::chrono::seconds(5);

/// An in-process echo server on 127.0.0.1:0; with `upper` it answers in upper case (to tell two
/// servers apart). Counts what it saw.
class echo_server
{
public:
    echo_server(asio::io_context& ioc, bool upper) : state_(std::make_shared<state>(ioc, upper))
    {
        asio::co_spawn(ioc, accept_loop(state_), asio::detached);
    }
    echo_server(const echo_server&) = delete;
    echo_server& operator=(const echo_server&) = delete;
    ~echo_server()
    {
        boost::system::error_code ignored;
        state_->acceptor.close(ignored);
    }

    tcp::endpoint endpoint() const { return state_->acceptor.local_endpoint(); }
    std::size_t accepted() const { return state_->accepted; }
    std::size_t bytes_received() const { return state_->received; }
    /// Connections that ended with an error (e.g. a reset) rather than EOF.
    std::size_t resets() const { return state_->resets; }
    std::size_t eofs() const { return state_->eofs; }

private:
    struct state
    {
        state(asio::io_context& ioc, bool u)
            : acceptor(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0))
            , upper(u)
        {}
        tcp::acceptor acceptor;
        bool upper;
        std::size_t accepted = 0;
        std::size_t received = 0;
        std::size_t resets = 0;
        std::size_t eofs = 0;
    };

    static asio::awaitable<void> echo(std::shared_ptr<state> st, tcp::socket s)
    {
        std::array<char, 4096> buf;
        for (;;)
        {
            auto [ec, n] = co_await s.async_read_some(asio::buffer(buf), use_tuple);
            if (ec)
            {
                ++(ec == asio::error::eof ? st->eofs : st->resets);
                co_return;  // closing `s` answers an EOF with our own FIN
            }
            st->received += n;
            if (st->upper)
                std::transform(
                    buf.begin(),
                    buf.begin() + static_cast<std::ptrdiff_t>(n),
                    buf.begin(),
                    [](char ch) { return static_cast<char>(std::toupper(static_cast<unsigned char>(ch))); }
                );
            auto [wec, w] = co_await asio::async_write(s, asio::buffer(buf.data(), n), use_tuple);
            if (wec)
            {
                ++st->resets;
                co_return;
            }
        }
    }

    static asio::awaitable<void> accept_loop(std::shared_ptr<state> st)
    {
        for (;;)
        {
            auto [ec, s] = co_await st->acceptor.async_accept(use_tuple);
            if (ec)
                co_return;
            ++st->accepted;
            asio::co_spawn(st->acceptor.get_executor(), echo(st, std::move(s)), asio::detached);
        }
    }

    std::shared_ptr<state> state_;
};

void require_ok(boost::system::error_code ec)
{
    REQUIRE_MESSAGE(!ec, ec.message());
}

asio::awaitable<tcp::socket> connect_to(tcp::endpoint ep)
{
    tcp::socket s(co_await asio::this_coro::executor);
    auto [ec] = co_await s.async_connect(ep, use_tuple);
    require_ok(ec);
    co_return s;
}

/// Writes `text` and reads back exactly as many bytes. (Pointer, not reference: coroutine parameter.)
asio::awaitable<std::string> round_trip(tcp::socket* s, std::string text)
{
    auto [wec, w] = co_await asio::async_write(*s, asio::buffer(text), use_tuple);
    require_ok(wec);
    std::string reply(text.size(), '\0');
    auto [rec, r] = co_await asio::async_read(*s, asio::buffer(reply), use_tuple);
    require_ok(rec);
    co_return reply;
}

/// Reads until the peer ends the stream; returns how it ended.
asio::awaitable<boost::system::error_code> read_until_end(tcp::socket* s)
{
    std::array<char, 256> buf;
    for (;;)
    {
        auto [ec, n] = co_await s->async_read_some(asio::buffer(buf), use_tuple);
        if (ec)
            co_return ec;
    }
}

/// Sends `text` without waiting for an answer.
asio::awaitable<void> send(tcp::socket* s, std::string text)
{
    auto [ec, w] = co_await asio::async_write(*s, asio::buffer(text), use_tuple);
    require_ok(ec);
}

/// Round trip through the proxy; the reply must be `expected`.
asio::awaitable<void> expect_reply(tcp::socket* s, std::string sent, std::string expected)
{
    const auto reply = co_await round_trip(s, sent);
    CHECK(reply == expected);
}

/// The stream must end, and end this way (eof or connection_reset).
asio::awaitable<void> expect_end(tcp::socket* s, boost::system::error_code expected)
{
    const auto ec = co_await read_until_end(s);
    CHECK_MESSAGE(ec == expected, ec.message());
}

}  // namespace

TEST_SUITE("tcp_proxy")
{
    TEST_CASE("forwards both ways and counts connections and bytes")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        CHECK(proxy.endpoint().address() == asio::ip::address_v4::loopback());
        CHECK(proxy.endpoint().port() != 0);
        CHECK(proxy.address() == "127.0.0.1:" + std::to_string(proxy.endpoint().port()));

        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto s = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&s, "hello", "hello");
            const std::string big(100000, 'x');
            co_await expect_reply(&s, big, big);
            CHECK(proxy.connections_accepted() == 1);
            CHECK(proxy.active_connections() == 1);
            // The pumps count after their write completes, which can be after the bytes arrived.
            auto counted = [&] {
                return proxy.bytes_to_target() == 100005 && proxy.bytes_to_client() == 100005;
            };
            CHECK(co_await proxy.async_wait_until(counted, wait_limit));
            CHECK(echo.accepted() == 1);
            CHECK(echo.bytes_received() == 100005);

            auto s2 = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&s2, "two", "two");
            CHECK(proxy.connections_accepted() == 2);
            CHECK(proxy.active_connections() == 2);
        }());
    }

    TEST_CASE("a client's EOF reaches the target and the target's close comes back")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto s = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&s, "bye", "bye");
            s.shutdown(tcp::socket::shutdown_send);
            co_await expect_end(&s, asio::error::eof);
            auto gone = [&] {
                return proxy.active_connections() == 0 && echo.eofs() == 1;
            };
            const bool closed = co_await proxy.async_wait_until(gone, wait_limit);
            CHECK(closed);
            CHECK(echo.resets() == 0);
        }());
    }

    TEST_CASE("pause holds bytes with the connection open; resume delivers them")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto s = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&s, "a", "a");

            proxy.pause();
            CHECK(proxy.paused());
            co_await send(&s, "ping");
            // The proxy read the 4 bytes and holds them: nothing reached the server.
            auto holding = [&] {
                return proxy.bytes_held() == 4;
            };
            const bool held = co_await proxy.async_wait_until(holding, wait_limit);
            REQUIRE(held);
            CHECK(proxy.held_reads() == 1);
            CHECK(proxy.bytes_to_target() == 1);
            CHECK(echo.bytes_received() == 1);
            CHECK(proxy.active_connections() == 1);

            // A connection opened during the pause is accepted but not connected to the target.
            auto late = co_await connect_to(proxy.endpoint());
            auto accepted = [&] {
                return proxy.connections_accepted() == 2;
            };
            const bool got_late = co_await proxy.async_wait_until(accepted, wait_limit);
            REQUIRE(got_late);
            CHECK(echo.accepted() == 1);

            proxy.resume();
            CHECK_FALSE(proxy.paused());
            std::string reply(4, '\0');
            auto [rec, r] = co_await asio::async_read(s, asio::buffer(reply), use_tuple);
            REQUIRE(!rec);
            CHECK(reply == "ping");
            CHECK(proxy.bytes_held() == 0);
            CHECK(proxy.held_reads() == 0);
            co_await expect_reply(&late, "late", "late");
            CHECK(echo.accepted() == 2);
        }());
    }

    TEST_CASE("pause also holds an EOF: the target does not see the close until resume")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto s = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&s, "a", "a");
            proxy.pause();
            s.close();
            auto eof_held = [&] {
                return proxy.held_reads() == 1;
            };
            const bool held = co_await proxy.async_wait_until(eof_held, wait_limit);
            REQUIRE(held);
            CHECK(proxy.bytes_held() == 0);
            CHECK(echo.eofs() == 0);
            CHECK(proxy.active_connections() == 1);

            proxy.resume();
            auto gone = [&] {
                return echo.eofs() == 1 && proxy.active_connections() == 0;
            };
            const bool closed = co_await proxy.async_wait_until(gone, wait_limit);
            CHECK(closed);
        }());
    }

    TEST_CASE("drop_all resets every connection, also held ones; new connections still work")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto a = co_await connect_to(proxy.endpoint());
            auto b = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&a, "a", "a");
            co_await expect_reply(&b, "b", "b");

            proxy.pause();
            co_await send(&b, "held");
            auto holding = [&] {
                return proxy.bytes_held() == 4;
            };
            const bool held = co_await proxy.async_wait_until(holding, wait_limit);
            REQUIRE(held);

            proxy.drop_all();
            co_await expect_end(&a, asio::error::connection_reset);
            co_await expect_end(&b, asio::error::connection_reset);
            auto gone = [&] {
                return proxy.active_connections() == 0 && echo.resets() == 2;
            };
            const bool dropped = co_await proxy.async_wait_until(gone, wait_limit);
            CHECK(dropped);
            CHECK(proxy.bytes_held() == 0);
            CHECK(echo.bytes_received() == 2);  // the held bytes were never delivered

            proxy.resume();
            auto c = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&c, "again", "again");
        }());
    }

    TEST_CASE("refuse_new refuses connects, keeps open connections, and listens again on the same port")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), echo.endpoint());
        const auto ep = proxy.endpoint();
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto a = co_await connect_to(ep);
            co_await expect_reply(&a, "a", "a");

            proxy.refuse_new(true);
            tcp::socket refused(ioc);
            auto [ec] = co_await refused.async_connect(ep, use_tuple);
            CHECK(ec == asio::error::connection_refused);
            co_await expect_reply(&a, "still", "still");

            proxy.refuse_new(false);
            CHECK(proxy.endpoint() == ep);
            auto b = co_await connect_to(ep);
            co_await expect_reply(&b, "b", "b");
            CHECK(proxy.connections_accepted() == 2);
        }());
    }

    TEST_CASE("retarget sends new connections elsewhere; a dead target resets the client")
    {
        asio::io_context ioc;
        echo_server plain(ioc, false);
        echo_server upper(ioc, true);
        hakit_test::tcp_proxy proxy(ioc.get_executor(), plain.endpoint());
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto a = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&a, "abc", "abc");

            proxy.retarget(upper.endpoint());
            CHECK(proxy.target() == upper.endpoint());
            auto b = co_await connect_to(proxy.endpoint());
            co_await expect_reply(&b, "abc", "ABC");
            co_await expect_reply(&a, "old", "old");

            // A port nobody listens on: the one of an acceptor we closed.
            tcp::endpoint dead;
            {
                tcp::acceptor probe(ioc, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
                dead = probe.local_endpoint();
            }
            proxy.retarget(dead);
            auto c = co_await connect_to(proxy.endpoint());
            co_await expect_end(&c, asio::error::connection_reset);
            auto failed = [&] {
                return proxy.upstream_failures() == 1 && proxy.active_connections() == 2;
            };
            const bool counted = co_await proxy.async_wait_until(failed, wait_limit);
            CHECK(counted);
        }());
    }

    TEST_CASE("close stops listening and resets connections; destroying a busy proxy is safe")
    {
        asio::io_context ioc;
        echo_server echo(ioc, false);
        auto proxy = std::make_unique<hakit_test::tcp_proxy>(ioc.get_executor(), echo.endpoint());
        const auto ep = proxy->endpoint();
        hakit_test::run_coro(ioc, [&]() -> asio::awaitable<void> {
            auto a = co_await connect_to(ep);
            co_await expect_reply(&a, "a", "a");
            proxy->pause();
            auto b = co_await connect_to(ep);  // held before its upstream connect
            auto accepted = [&] {
                return proxy->connections_accepted() == 2;
            };
            const bool got_b = co_await proxy->async_wait_until(accepted, wait_limit);
            REQUIRE(got_b);
            proxy->close();
            co_await expect_end(&a, asio::error::connection_reset);
            co_await expect_end(&b, asio::error::connection_reset);
            tcp::socket refused(ioc);
            auto [ec] = co_await refused.async_connect(ep, use_tuple);
            CHECK(ec == asio::error::connection_refused);

            auto other = std::make_unique<hakit_test::tcp_proxy>(ioc.get_executor(), echo.endpoint());
            auto s = co_await connect_to(other->endpoint());
            co_await expect_reply(&s, "x", "x");
            other.reset();  // with a connection and two forwarding coroutines pending
            co_await expect_end(&s, asio::error::connection_reset);
        }());
    }
}
