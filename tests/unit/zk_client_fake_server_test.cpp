// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// zk::client against the in-process fake server (tests/common/fake_zk_server.hpp): operations,
// pipelining, watches, reconnects, expiry, cancellation and malformed server input, all on one
// io_context, with deadlines instead of sleeps.
#include <hakit/zk/client.hpp>

#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/fake_zk_server.hpp"
#include "common/run_coro.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using namespace std::chrono_literals;
using hakit_test::fake_zk_server;
using hakit_test::run_coro;

zk::bytes b(std::string_view s)
{
    return zk::bytes(s.begin(), s.end());
}

std::string str(const zk::bytes& v)
{
    return std::string(v.begin(), v.end());
}

zk::session_options options_for(const fake_zk_server& server, std::chrono::milliseconds timeout = 4000ms)
{
    zk::session_options o;
    o.connect_string = server.address();
    o.session_timeout = timeout;
    o.connection_timeout = 5s;
    o.reconnect_delay = 20ms;
    o.shuffle_seed = 1;
    return o;
}

/// An operation running on its own (co_spawned), whose result the test inspects later.
template <class T>
struct background
{
    std::shared_ptr<std::optional<hakit::result<T>>> value =
        std::make_shared<std::optional<hakit::result<T>>>();
    std::shared_ptr<asio::cancellation_signal> cancel = std::make_shared<asio::cancellation_signal>();

    bool done() const { return value->has_value(); }
    const hakit::result<T>& get() const
    {
        REQUIRE(done());
        return **value;
    }
};

template <class T>
background<T> spawn(asio::io_context& ioc, asio::awaitable<hakit::result<T>> op)
{
    background<T> bg;
    auto run = [](asio::awaitable<hakit::result<T>> o,
                  std::shared_ptr<std::optional<hakit::result<T>>> out) -> asio::awaitable<void> {
        out->emplace(co_await std::move(o));
    };
    asio::co_spawn(
        ioc,
        run(std::move(op), bg.value),
        asio::bind_cancellation_slot(
            bg.cancel->slot(),
            [](std::exception_ptr e) {
                if (e)
                    std::rethrow_exception(e);
            }
        )
    );
    return bg;
}

/// Waits (polling through the fake server's timer) until pred() holds; fails the test otherwise.
template <class Pred>
asio::awaitable<void> eventually(
    const fake_zk_server& server, Pred pred, std::chrono::milliseconds timeout = 5000ms
)
{
    const bool ok = co_await server.async_wait_until(pred, timeout);
    REQUIRE(ok);
}

asio::awaitable<zk::connection_event> next_event(zk::client& c)
{
    auto e = co_await c.async_next_state();
    REQUIRE(e);
    co_return e.value();
}

}  // namespace

TEST_SUITE("zk_client_fake_server")
{
    TEST_CASE("connect, every basic operation, close")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(c.state() == zk::connection_state::idle);
            REQUIRE(co_await c.async_connect());
            CHECK(c.state() == zk::connection_state::connected);
            CHECK(co_await next_event(c) == zk::connection_event::connected);
            CHECK(c.session_id() == 0x1000);
            CHECK(c.negotiated_timeout() == 4000ms);
            CHECK(c.session_password() == zk::bytes(16, 0x00));
            REQUIRE(server.handshakes().size() == 1);
            CHECK(server.handshakes()[0].read_only == std::optional<bool>(false));

            auto created = co_await c.async_create("/a", b("one"));
            REQUIRE(created);
            CHECK(created.value() == "/a");
            auto dup = co_await c.async_create("/a", b(""));
            CHECK(dup.error() == zk::error::node_exists);
            auto missing_parent = co_await c.async_create("/x/y", b(""));
            CHECK(missing_parent.error() == zk::error::no_node);
            auto bad = co_await c.async_create("/a/", b(""));
            CHECK(bad.error() == zk::error::bad_arguments);

            auto c2 = co_await c.async_create2("/a/s-", b("2"), zk::create_mode::persistent_sequential);
            REQUIRE(c2);
            CHECK(c2.value().path == "/a/s-0000000000");
            CHECK(c2.value().stat.data_length == 1);

            auto data = co_await c.async_get_data("/a");
            REQUIRE(data);
            CHECK(str(data.value().data) == "one");
            CHECK_FALSE(data.value().watch.valid());
            auto set = co_await c.async_set_data("/a", b("two"), data.value().stat.version);
            REQUIRE(set);
            CHECK(set.value().version == 1);
            auto stale = co_await c.async_set_data("/a", b("three"), 0);
            CHECK(stale.error() == zk::error::bad_version);

            auto ex = co_await c.async_exists("/a");
            REQUIRE(ex);
            CHECK(ex.value().exists());
            auto nx = co_await c.async_exists("/nope");
            REQUIRE(nx);
            CHECK_FALSE(nx.value().exists());

            auto kids = co_await c.async_get_children2("/a");
            REQUIRE(kids);
            CHECK(kids.value().children == std::vector<std::string>{"s-0000000000"});
            REQUIRE(kids.value().stat);
            CHECK(kids.value().stat->num_children == 1);
            auto kids1 = co_await c.async_get_children("/a");
            REQUIRE(kids1);
            CHECK_FALSE(kids1.value().stat.has_value());

            CHECK(co_await c.async_sync("/a"));
            CHECK((co_await c.async_remove("/a")).error() == zk::error::not_empty);
            CHECK(co_await c.async_remove("/a/s-0000000000"));
            CHECK(co_await c.async_remove("/a", 1));
            CHECK((co_await c.async_get_data("/a")).error() == zk::error::no_node);

            CHECK(co_await c.async_close());
            CHECK(c.state() == zk::connection_state::closed);
            CHECK(co_await next_event(c) == zk::connection_event::closed);
            CHECK(server.count(zk::op_code::close_session) == 1);
            CHECK((co_await c.async_get_data("/")).error() == hakit::errc::closed);
            CHECK((co_await c.async_next_state()).error() == hakit::errc::closed);
            CHECK(co_await c.async_close());  // idempotent
        }());
    }

    TEST_CASE("requests before async_connect fail; bad options are reported with diagnostics")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client idle(ioc.get_executor(), options_for(server));
        auto opts = options_for(server);
        opts.connect_string = "127.0.0.1:0";
        zk::client bad(ioc.get_executor(), opts);
        auto opts2 = options_for(server);
        opts2.session_timeout = 0ms;
        zk::client bad2(ioc.get_executor(), opts2);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            CHECK((co_await idle.async_get_data("/")).error() == zk::error::connection_loss);
            CHECK((co_await bad.async_connect()).error() == hakit::errc::invalid_config);
            CHECK(bad.config_diagnostics().message().find("invalid port '0'") != std::string::npos);
            CHECK((co_await bad.async_get_data("/")).error() == hakit::errc::invalid_config);
            CHECK((co_await bad2.async_connect()).error() == hakit::errc::invalid_config);
            CHECK(bad2.config_diagnostics().message().find("session_timeout") != std::string::npos);
        }());
    }

    TEST_CASE("async_connect gives up after the connection timeout; the client is idle again")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        server.stall_handshakes(true);
        auto opts = options_for(server, 900ms);
        opts.connection_timeout = 300ms;
        zk::client c(ioc.get_executor(), opts);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            const auto start = std::chrono::steady_clock::now();
            auto r = co_await c.async_connect();
            CHECK(r.error() == zk::error::connection_loss);
            CHECK(std::chrono::steady_clock::now() - start >= 300ms);
            CHECK(c.state() == zk::connection_state::idle);
            CHECK(server.handshakes().size() >= 1);
            // Later it works.
            server.stall_handshakes(false);
            REQUIRE(co_await c.async_connect());
            CHECK(co_await next_event(c) == zk::connection_event::connected);
        }());
    }

    TEST_CASE("pipelining: many requests in flight, written in order, answered in order")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/p", b("")));
            const std::size_t before = server.requests().size();
            server.hold();
            std::vector<background<std::string>> ops;
            for (int i = 0; i < 50; ++i)
                ops.push_back(spawn(
                    ioc, c.async_create("/p/n-", b(std::to_string(i)), zk::create_mode::persistent_sequential)
                ));
            auto all_sent = [&] {
                return server.requests().size() == before + 50;
            };
            co_await eventually(server, all_sent);
            CHECK(c.in_flight() == 50);
            // Written in issue order with consecutive xids.
            for (std::size_t i = 0; i < 50; ++i)
            {
                const auto& m = server.requests()[before + i];
                CHECK(m.header.xid == server.requests()[before].header.xid + static_cast<std::int32_t>(i));
                CHECK(str(std::get<zk::create_request>(m.body).data) == std::to_string(i));
            }
            CHECK(std::none_of(ops.begin(), ops.end(), [](auto& o) { return o.done(); }));
            server.release();
            auto all_done = [&] {
                return std::all_of(ops.begin(), ops.end(), [](auto& o) { return o.done(); });
            };
            co_await eventually(server, all_done);
            for (std::size_t i = 0; i < ops.size(); ++i)
            {
                REQUIRE(ops[i].get());
                CHECK(
                    ops[i].get().value() == "/p/n-" + zk::format_sequence_suffix(static_cast<std::int32_t>(i))
                );
            }
            CHECK(c.in_flight() == 0);
            CHECK(server.connections_accepted() == 1);
        }());
    }

    TEST_CASE("a reply with an unexpected xid drops the connection; the session is resumed")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        bool mangle = true;
        server.intercept([&](hakit_test::fake_connection& conn, const zk::client_message& m) {
            if (m.header.type != zk::op_code::get_data || !mangle)
                return false;
            mangle = false;
            conn.reply(m.header.xid + 1, 1, -101);
            return true;
        });
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            CHECK(co_await next_event(c) == zk::connection_event::connected);
            REQUIRE(co_await c.async_create("/n", b("v")));
            const auto zxid = c.last_zxid();
            CHECK(zxid > 0);
            auto r = co_await c.async_get_data("/n");
            CHECK(r.error() == zk::error::connection_loss);
            CHECK(co_await next_event(c) == zk::connection_event::suspended);
            CHECK(co_await next_event(c) == zk::connection_event::reconnected);
            REQUIRE(server.handshakes().size() == 2);
            CHECK(server.handshakes()[0].session_id == 0);
            CHECK(server.handshakes()[1].session_id == c.session_id());
            CHECK(server.handshakes()[1].passwd == c.session_password());
            CHECK(server.handshakes()[1].last_zxid_seen == zxid);
            auto again = co_await c.async_get_data("/n");
            REQUIRE(again);
            CHECK(str(again.value().data) == "v");
        }());
    }

    TEST_CASE("an oversized frame is refused without reading it; the client reconnects")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        auto opts = options_for(server);
        opts.max_frame_size = 4096;
        zk::client c(ioc.get_executor(), opts);
        zk::client unlimited(ioc.get_executor(), options_for(server));
        int attacks = 0;
        server.intercept([&](hakit_test::fake_connection& conn, const zk::client_message& m) {
            if (m.header.type != zk::op_code::get_data ||
                std::get<zk::get_data_request>(m.body).path != "/evil")
                return false;
            ++attacks;
            conn.send_raw({0x7f, 0xff, 0xff, 0xff, 1, 2, 3});  // claims 2 GiB
            return true;
        });
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            CHECK(co_await next_event(c) == zk::connection_event::connected);
            CHECK((co_await c.async_get_data("/evil")).error() == zk::error::connection_loss);
            CHECK(co_await next_event(c) == zk::connection_event::suspended);
            CHECK(co_await next_event(c) == zk::connection_event::reconnected);
            // A request above max_frame_size is refused before sending; a legitimate reply above
            // it is refused the same way as the lie.
            CHECK(
                (co_await c.async_create("/big", zk::bytes(8000, 'x'))).error() == zk::error::bad_arguments
            );
            REQUIRE(co_await unlimited.async_connect());
            REQUIRE(co_await unlimited.async_create("/big", zk::bytes(8000, 'x')));
            CHECK((co_await c.async_get_data("/big")).error() == zk::error::connection_loss);
            CHECK(co_await next_event(c) == zk::connection_event::suspended);
            CHECK(co_await next_event(c) == zk::connection_event::reconnected);
            CHECK(co_await c.async_get_data("/"));
            CHECK(attacks == 1);
        }());
    }

    TEST_CASE("a corrupted reply body fails its request with marshalling_error, others are unaffected")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        server.intercept([&](hakit_test::fake_connection& conn, const zk::client_message& m) {
            if (m.header.type != zk::op_code::get_data ||
                std::get<zk::get_data_request>(m.body).path != "/bad")
                return false;
            // ReplyHeader ok, then a data buffer claiming 100 bytes with 3 present.
            zk::bytes frame{0, 0, 0, 23};
            for (int k = 0; k < 4; ++k)
                frame.push_back(
                    static_cast<std::uint8_t>(static_cast<std::uint32_t>(m.header.xid) >> (24 - 8 * k))
                );
            for (int k = 0; k < 8; ++k)
                frame.push_back(0);
            for (int x : {0, 0, 0, 0, 0, 0, 0, 100, int{'a'}, int{'b'}, int{'c'}})
                frame.push_back(static_cast<std::uint8_t>(x));
            conn.send_raw(frame);
            return true;
        });
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            server.hold();
            auto bad = spawn(ioc, c.async_get_data("/bad"));
            auto good = spawn(ioc, c.async_get_data("/"));
            auto sent = [&] {
                return c.in_flight() == 2;
            };
            co_await eventually(server, sent);
            server.release();
            auto done = [&] {
                return bad.done() && good.done();
            };
            co_await eventually(server, done);
            CHECK(bad.get().error() == zk::error::marshalling_error);
            CHECK(good.get().error() == zk::error::connection_loss);  // the stream was not trusted
            auto reconnected = [&] {
                return c.state() == zk::connection_state::connected;
            };
            co_await eventually(server, reconnected);
            CHECK(co_await c.async_get_data("/"));
            CHECK(server.handshakes().size() == 2);
        }());
    }

    TEST_CASE("a dropped connection fails in-flight requests with connection_loss and resumes the session")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            CHECK(co_await next_event(c) == zk::connection_event::connected);
            REQUIRE(co_await c.async_create("/e", b(""), zk::create_mode::ephemeral));
            server.hold();
            std::vector<background<zk::node_data>> ops;
            for (int i = 0; i < 3; ++i)
                ops.push_back(spawn(ioc, c.async_get_data("/e")));
            auto sent = [&] {
                return c.in_flight() == 3;
            };
            co_await eventually(server, sent);
            server.drop_all();
            server.release();
            auto failed = [&] {
                return std::all_of(ops.begin(), ops.end(), [](auto& o) { return o.done(); });
            };
            co_await eventually(server, failed);
            for (auto& o : ops)
                CHECK(o.get().error() == zk::error::connection_loss);
            CHECK(co_await next_event(c) == zk::connection_event::suspended);
            CHECK(co_await next_event(c) == zk::connection_event::reconnected);
            REQUIRE(server.handshakes().size() == 2);
            CHECK(server.handshakes()[0].session_id == 0);
            CHECK(server.handshakes()[1].session_id == c.session_id());
            CHECK(server.handshakes()[1].passwd == c.session_password());
            CHECK(server.has_node("/e"));  // the session, and its ephemeral, survived
            CHECK(co_await c.async_get_data("/e"));
        }());
    }

    TEST_CASE("requests issued while reconnecting wait for the connection; a cancelled one is never sent")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            server.stall_handshakes(true);
            server.drop_all();
            auto suspended = [&] {
                return c.state() == zk::connection_state::suspended && server.handshakes().size() == 2;
            };
            co_await eventually(server, suspended);
            auto waiting = spawn(ioc, c.async_create("/later", b("")));
            auto cancelled = spawn(ioc, c.async_create("/never", b("")));
            auto queued = [&] {
                return c.queued() == 2;
            };
            co_await eventually(server, queued);
            cancelled.cancel->emit(asio::cancellation_type::terminal);
            auto aborted = [&] {
                return cancelled.done();
            };
            co_await eventually(server, aborted);
            CHECK(cancelled.get().error() == asio::error::operation_aborted);
            CHECK_FALSE(waiting.done());
            CHECK(c.queued() == 2);  // dropped only when the writer reaches it
            // Let the attempt through.
            server.stall_handshakes(false);
            auto created = [&] {
                return waiting.done();
            };
            co_await eventually(server, created);
            CHECK(waiting.get());
            CHECK(server.has_node("/later"));
            CHECK_FALSE(server.has_node("/never"));
        }());
    }

    TEST_CASE("cancelling one request in flight leaves the others; its reply is consumed")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/a", b("A")));
            REQUIRE(co_await c.async_create("/b", b("B")));
            REQUIRE(co_await c.async_create("/c", b("C")));
            server.hold();
            auto a = spawn(ioc, c.async_get_data("/a"));
            auto bb = spawn(ioc, c.async_get_data("/b", true));
            auto cc = spawn(ioc, c.async_get_data("/c"));
            auto sent = [&] {
                return c.in_flight() == 3;
            };
            co_await eventually(server, sent);
            bb.cancel->emit(asio::cancellation_type::terminal);
            auto aborted = [&] {
                return bb.done();
            };
            co_await eventually(server, aborted);
            CHECK(bb.get().error() == asio::error::operation_aborted);
            CHECK_FALSE(a.done());
            server.release();
            auto rest = [&] {
                return a.done() && cc.done();
            };
            co_await eventually(server, rest);
            REQUIRE(a.get());
            CHECK(str(a.get().value().data) == "A");
            REQUIRE(cc.get());
            CHECK(str(cc.get().value().data) == "C");
            CHECK(c.in_flight() == 0);
            CHECK(server.connections_accepted() == 1);
            CHECK(c.state() == zk::connection_state::connected);
            auto again = co_await c.async_get_data("/b");
            REQUIRE(again);
            CHECK(str(again.value().data) == "B");
        }());
    }

    TEST_CASE("server-side expiry is reported on reconnect; everything pending fails with session_expired")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        auto states = c.subscribe_states();
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/eph", b(""), zk::create_mode::ephemeral));
            REQUIRE(co_await c.async_create("/w", b("")));
            auto watched = co_await c.async_get_data("/w", true);
            REQUIRE(watched);
            const auto w = watched.value().watch;
            REQUIRE(w.valid());
            const auto old_id = c.session_id();
            server.stall_handshakes(true);
            server.expire_session(old_id);
            auto reconnecting = [&] {
                return server.handshakes().size() == 2;
            };
            co_await eventually(server, reconnecting);
            auto pending = spawn(ioc, c.async_get_data("/w"));
            server.stall_handshakes(false);
            auto done = [&] {
                return pending.done();
            };
            co_await eventually(server, done);
            CHECK(pending.get().error() == zk::error::session_expired);
            auto fired = co_await w.async_wait();
            CHECK(fired.error() == zk::error::session_expired);
            CHECK(c.state() == zk::connection_state::expired);
            CHECK((co_await c.async_get_data("/w")).error() == zk::error::session_expired);
            CHECK_FALSE(server.has_node("/eph"));

            for (auto expected :
                 {zk::connection_event::connected,
                  zk::connection_event::suspended,
                  zk::connection_event::expired})
            {
                auto e = co_await states.async_next();
                REQUIRE(e);
                CHECK(e.value() == expected);
            }
            // A new session on request.
            REQUIRE(co_await c.async_connect());
            CHECK(c.session_id() != old_id);
            CHECK(server.handshakes().back().session_id == 0);
            auto e = co_await states.async_next();
            CHECK(e.value() == zk::connection_event::connected);
            CHECK(co_await c.async_get_data("/w"));
        }());
    }

    TEST_CASE("silence: read timeout at 2T/3 suspends, local expiry at T")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server, 600ms));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            CHECK(co_await next_event(c) == zk::connection_event::connected);
            CHECK(c.negotiated_timeout() == 600ms);
            // Pings keep a quiet session alive.
            auto pinged = [&] {
                return server.count(zk::op_code::ping) >= 3;
            };
            co_await eventually(server, pinged);
            CHECK(c.state() == zk::connection_state::connected);

            // The server goes silent (holds everything) and answers no new handshake.
            server.hold();
            server.stall_handshakes(true);
            auto pending = spawn(ioc, c.async_get_data("/"));
            const auto heard = c.last_heard();
            CHECK(co_await next_event(c) == zk::connection_event::suspended);
            const auto suspended_at = std::chrono::steady_clock::now();
            CHECK(suspended_at - heard >= 400ms);
            auto failed = [&] {
                return pending.done();
            };
            co_await eventually(server, failed);
            CHECK(pending.get().error() == zk::error::connection_loss);
            CHECK(co_await next_event(c) == zk::connection_event::expired);
            const auto expired_at = std::chrono::steady_clock::now();
            CHECK(expired_at - heard >= 600ms);
            CHECK(expired_at - heard < 600ms + 1500ms);
            CHECK(c.state() == zk::connection_state::expired);
            server.release();
        }());
    }

    TEST_CASE("one-shot watches: data, exist and child; fire once; chroot stripped from events")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client root(ioc.get_executor(), options_for(server));
        auto opts = options_for(server);
        opts.connect_string += "/app";
        zk::client c(ioc.get_executor(), opts);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await root.async_connect());
            REQUIRE(co_await root.async_create("/app", b("")));
            REQUIRE(co_await c.async_connect());
            CHECK(c.chroot() == "/app");

            auto created = co_await c.async_create("/n", b("1"));
            REQUIRE(created);
            CHECK(created.value() == "/n");
            CHECK(server.has_node("/app/n"));

            auto d = co_await c.async_get_data("/n", true);
            REQUIRE(d);
            auto d2 = co_await c.async_get_data("/n", true);  // two local watches, one server watch
            REQUIRE(d2);
            auto ex = co_await c.async_exists("/m", true);
            REQUIRE(ex);
            CHECK_FALSE(ex.value().exists());
            REQUIRE(ex.value().watch.valid());
            auto kids = co_await c.async_get_children("/", true);
            REQUIRE(kids);
            auto missing = co_await c.async_get_data("/zz", true);
            CHECK(missing.error() == zk::error::no_node);

            CHECK_FALSE(d.value().watch.fired());
            REQUIRE(co_await root.async_set_data("/app/n", b("2")));
            auto e = co_await d.value().watch.async_wait();
            REQUIRE(e);
            CHECK(e.value().type == zk::event_type::node_data_changed);
            CHECK(e.value().path == "/n");
            auto e2 = co_await d2.value().watch.async_wait();
            CHECK(e2.value() == e.value());
            CHECK(d.value().watch.fired());
            // Sticky: waiting again gives the same event.
            CHECK((co_await d.value().watch.async_wait()).value() == e.value());

            REQUIRE(co_await root.async_create("/app/m", b("")));
            auto em = co_await ex.value().watch.async_wait();
            REQUIRE(em);
            CHECK(em.value().type == zk::event_type::node_created);
            CHECK(em.value().path == "/m");
            auto ek = co_await kids.value().watch.async_wait();
            REQUIRE(ek);
            CHECK(ek.value().type == zk::event_type::node_children_changed);
            CHECK(ek.value().path == "/");

            // A second change fires nothing more locally (one-shot), a new watch sees it.
            auto d3 = co_await c.async_get_data("/n", true);
            REQUIRE(co_await c.async_remove("/n"));
            auto e3 = co_await d3.value().watch.async_wait();
            CHECK(e3.value().type == zk::event_type::node_deleted);
        }());
    }

    TEST_CASE("watches are re-armed after a reconnect with SetWatches and the last zxid")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client other(ioc.get_executor(), options_for(server));
        auto opts = options_for(server);
        opts.connect_string += "/ns";
        zk::client c(ioc.get_executor(), opts);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await other.async_connect());
            REQUIRE(co_await other.async_create("/ns", b("")));
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/x", b("")));
            REQUIRE(co_await c.async_create("/gone", b("")));
            auto dx = co_await c.async_get_data("/x", true);
            auto dg = co_await c.async_get_data("/gone", true);
            auto ey = co_await c.async_exists("/y", true);
            auto pw = co_await c.async_add_watch("/x", zk::add_watch_mode::persistent_recursive);
            REQUIRE(dx);
            REQUIRE(dg);
            REQUIRE(ey);
            REQUIRE(pw);
            const auto zxid = c.last_zxid();

            const auto handshakes = server.handshakes().size();
            server.stall_handshakes(true);
            server.drop_session(c.session_id());
            auto waiting = [&] {
                return server.handshakes().size() == handshakes + 1;
            };
            co_await eventually(server, waiting);
            // Changed while we were away.
            REQUIRE(co_await other.async_remove("/ns/gone"));
            server.stall_handshakes(false);
            auto rearmed = [&] {
                return server.count(zk::op_code::set_watches2) == 1;
            };
            co_await eventually(server, rearmed);
            const auto& sw = std::get<zk::set_watches2>(
                std::find_if(
                    server.requests().begin(),
                    server.requests().end(),
                    [](auto& m) { return m.header.type == zk::op_code::set_watches2; }
                )->body
            );
            CHECK(sw.relative_zxid == zxid);
            auto sorted = sw.data_watches;
            std::sort(sorted.begin(), sorted.end());
            CHECK(sorted == std::vector<std::string>{"/ns/gone", "/ns/x"});
            CHECK(sw.exist_watches == std::vector<std::string>{"/ns/y"});
            CHECK(sw.persistent_recursive_watches == std::vector<std::string>{"/ns/x"});

            // The node deleted meanwhile fires at once; the others fire on the next change.
            auto eg = co_await dg.value().watch.async_wait();
            REQUIRE(eg);
            CHECK(eg.value().type == zk::event_type::node_deleted);
            CHECK(eg.value().path == "/gone");
            CHECK_FALSE(dx.value().watch.fired());
            REQUIRE(co_await other.async_set_data("/ns/x", b("new")));
            auto ex = co_await dx.value().watch.async_wait();
            CHECK(ex.value().type == zk::event_type::node_data_changed);
            REQUIRE(co_await other.async_create("/ns/y", b("")));
            auto eyy = co_await ey.value().watch.async_wait();
            CHECK(eyy.value().type == zk::event_type::node_created);
            CHECK(eyy.value().path == "/y");
        }());
    }

    TEST_CASE("SetWatches is split into batches of at most 128 KiB of paths")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            // 300 exist watches on 1000-byte paths: about 293 KiB of paths, so three packets.
            std::vector<background<zk::node_exists>> ops;
            std::vector<zk::watch> watches;
            for (int i = 0; i < 300; ++i)
            {
                std::string path = "/" + std::string(990, 'w') + std::to_string(1000000 + i);
                REQUIRE(path.size() == 998);
                ops.push_back(spawn(ioc, c.async_exists(std::move(path), true)));
            }
            auto all = [&] {
                return std::all_of(ops.begin(), ops.end(), [](auto& o) { return o.done(); });
            };
            co_await eventually(server, all);
            for (auto& o : ops)
            {
                REQUIRE(o.get());
                watches.push_back(o.get().value().watch);
            }
            server.drop_all();
            auto rearmed = [&] {
                // The server has read all three and the client has matched every reply:
                // counting requests alone races the replies still on their way back.
                return c.state() == zk::connection_state::connected &&
                       server.count(zk::op_code::set_watches) == 3 && c.in_flight() == 0;
            };
            co_await eventually(server, rearmed);
            std::size_t paths = 0;
            for (const auto& m : server.requests())
            {
                if (m.header.type != zk::op_code::set_watches)
                    continue;
                CHECK(m.header.xid == zk::set_watches_xid);
                const auto& sw = std::get<zk::set_watches>(m.body);
                std::size_t length = 0;
                for (const auto& p : sw.exist_watches)
                    length += p.size();
                CHECK(length <= 128 * 1024);
                CHECK(sw.data_watches.empty());
                paths += sw.exist_watches.size();
            }
            CHECK(paths == 300);
        }());
    }

    TEST_CASE("statistics count the caller's requests, the writes among them and notifications")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server, 600ms));
        zk::client other(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await other.async_connect());
            CHECK(c.statistics() == zk::client_statistics{});  // the handshake is not a request

            REQUIRE(co_await c.async_create("/s", b("1")));
            auto read = co_await c.async_get_data("/s", true);
            REQUIRE(read);
            std::vector<zk::multi_op> ops;
            ops.push_back(zk::multi_op::check(zk::check_version_request{"/s", 0}));
            ops.push_back(zk::multi_op::create(zk::create_request{"/s/t", b(""), zk::open_acl_unsafe()}));
            REQUIRE(co_await c.async_multi(std::move(ops)));
            CHECK(c.statistics() == zk::client_statistics{3, 2, 0});

            REQUIRE(co_await other.async_set_data("/s", b("2")));
            auto changed = co_await read.value().watch.async_wait();
            CHECK(changed.value().type == zk::event_type::node_data_changed);
            CHECK(c.statistics().notifications == 1);
            CHECK(other.statistics() == zk::client_statistics{1, 1, 0});
            REQUIRE(co_await other.async_close());  // from here every ping the server counts is c's

            // Pings and the SetWatches that re-arms a watch after a reconnect are not counted.
            auto armed = co_await c.async_exists("/s", true);
            REQUIRE(armed);
            const auto before = c.statistics();
            const auto pings = server.count(zk::op_code::ping);
            auto pinged = [&] {
                return server.count(zk::op_code::ping) >= pings + 2;
            };
            co_await eventually(server, pinged);
            server.drop_all();
            auto rearmed = [&] {
                return c.state() == zk::connection_state::connected &&
                       server.count(zk::op_code::set_watches) == 1 && c.in_flight() == 0;
            };
            co_await eventually(server, rearmed);
            CHECK(c.statistics() == before);
            CHECK(before == zk::client_statistics{4, 2, 1});

            // closeSession is a request and a transaction.
            REQUIRE(co_await c.async_close());
            CHECK(c.statistics() == zk::client_statistics{5, 3, 1});
        }());
    }

    TEST_CASE("multiRead: many reads in one request, each answered on its own; no watches, no writes")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/r", b("root")));
            REQUIRE(co_await c.async_create("/r/a", b("A")));
            std::vector<zk::multi_op> ops;
            ops.push_back(zk::multi_op::get_data(zk::get_data_request{"/r/a", false}));
            ops.push_back(zk::multi_op::get_data(zk::get_data_request{"/r/missing", false}));
            ops.push_back(zk::multi_op::get_children(zk::get_children_request{"/r", false}));
            const auto before = c.statistics();
            auto read = co_await c.async_multi_read(std::move(ops));
            REQUIRE(read);
            CHECK(c.statistics().requests == before.requests + 1);
            CHECK(c.statistics().writes == before.writes);
            REQUIRE(read.value().results.size() == 3);
            const auto& a = read.value().results[0];
            CHECK(a.type == zk::op_code::get_data);
            REQUIRE(std::holds_alternative<zk::get_data_response>(a.body));
            CHECK(str(std::get<zk::get_data_response>(a.body).data) == "A");
            CHECK(read.value().results[1].type == zk::op_code::error);  // only this op failed
            CHECK(read.value().results[1].err == -101);
            REQUIRE(std::holds_alternative<zk::get_children_response>(read.value().results[2].body));
            CHECK(
                std::get<zk::get_children_response>(read.value().results[2].body).children ==
                std::vector<std::string>{"a"}
            );
            CHECK(server.count(zk::op_code::multi_read) == 1);

            // Refused locally: a watch (the client could not deliver it), a write, a bad path.
            std::vector<zk::multi_op> watched;
            watched.push_back(zk::multi_op::get_data(zk::get_data_request{"/r/a", true}));
            CHECK((co_await c.async_multi_read(std::move(watched))).error() == zk::error::bad_arguments);
            std::vector<zk::multi_op> write;
            write.push_back(zk::multi_op::remove(zk::delete_request{"/r/a", -1}));
            CHECK((co_await c.async_multi_read(std::move(write))).error() == zk::error::bad_arguments);
            std::vector<zk::multi_op> bad_path;
            bad_path.push_back(zk::multi_op::get_data(zk::get_data_request{"r/a", false}));
            CHECK((co_await c.async_multi_read(std::move(bad_path))).error() == zk::error::bad_arguments);
            CHECK(server.count(zk::op_code::multi_read) == 1);
            auto nothing = co_await c.async_multi_read({});
            REQUIRE(nothing);
            CHECK(nothing.value().results.empty());
            REQUIRE(co_await c.async_close());
        }());
    }

    TEST_CASE("persistent watch stream and removal")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            auto pw = co_await c.async_add_watch("/t", zk::add_watch_mode::persistent_recursive);
            REQUIRE(pw);
            auto w = pw.value();
            CHECK(server.count(zk::op_code::add_watch) == 1);
            server.notify(zk::watcher_event{
                zk::event_type::node_created, zk::keeper_state::sync_connected, "/t/a"});
            server.notify(zk::watcher_event{
                zk::event_type::node_data_changed, zk::keeper_state::sync_connected, "/t"});
            server.notify(zk::watcher_event{
                zk::event_type::node_children_changed, zk::keeper_state::sync_connected, "/t"});
            server.notify(zk::watcher_event{
                zk::event_type::node_deleted, zk::keeper_state::sync_connected, "/tx"});
            auto e1 = co_await w.async_next();
            REQUIRE(e1);
            CHECK(e1.value().path == "/t/a");
            auto e2 = co_await w.async_next();
            REQUIRE(e2);
            CHECK(e2.value().type == zk::event_type::node_data_changed);
            REQUIRE(co_await c.async_remove_watches("/t", zk::watcher_type::persistent_recursive));
            auto e3 = co_await w.async_next();
            REQUIRE(e3);
            CHECK(e3.value().type == zk::event_type::persistent_watch_removed);
            CHECK((co_await w.async_next()).error() == zk::error::no_watcher);
        }());
    }

    TEST_CASE("auth packets are re-sent first after a reconnect; a refused credential fails")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        auto opts = options_for(server);
        opts.auth.push_back(zk::digest_auth("opt", "pw"));
        zk::client c(ioc.get_executor(), opts);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_add_auth(zk::digest_auth("u", "p")));
            const zk::auth_packet bad_credential{0, "digest", b("nocolon")};  // GCC 12: named, not braced
            auto refused = co_await c.async_add_auth(bad_credential);
            CHECK(refused.error() == zk::error::auth_failed);
            // The server dropped the connection after refusing; the client is back.
            auto back = [&] {
                return c.state() == zk::connection_state::connected && server.handshakes().size() == 2;
            };
            co_await eventually(server, back);
            auto w = co_await c.async_exists("/q", true);
            REQUIRE(w);
            server.drop_all();
            auto third = [&] {
                return c.state() == zk::connection_state::connected && server.handshakes().size() == 3;
            };
            co_await eventually(server, third);
            REQUIRE(co_await c.async_get_data("/"));
            // On the third connection: auth (options), auth (added), SetWatches, then requests.
            std::vector<zk::op_code> seen;
            std::vector<std::string> creds;
            std::size_t conn_requests = 0;
            for (auto it = server.requests().rbegin(); it != server.requests().rend(); ++it)
            {
                seen.insert(seen.begin(), it->header.type);
                if (auto* a = std::get_if<zk::auth_packet>(&it->body))
                    creds.insert(creds.begin(), str(a->auth));
                if (++conn_requests == 4)
                    break;
            }
            CHECK(
                seen ==
                std::vector<zk::op_code>{
                    zk::op_code::auth, zk::op_code::auth, zk::op_code::set_watches, zk::op_code::get_data}
            );
            CHECK(creds == std::vector<std::string>{"opt:pw", "u:p"});
        }());
    }

    TEST_CASE("multi: per-op results, failed-multi semantics, chroot stripped")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client root(ioc.get_executor(), options_for(server));
        auto opts = options_for(server);
        opts.connect_string += "/m";
        zk::client c(ioc.get_executor(), opts);
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await root.async_connect());
            REQUIRE(co_await root.async_create("/m", b("")));
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/k", b("")));
            std::vector<zk::multi_op> ok_ops{
                zk::multi_op::check({"/k", 0}),
                zk::multi_op::create(
                    {"/k/s-", b("x"), zk::open_acl_unsafe(), zk::create_mode::persistent_sequential}
                ),
                zk::multi_op::set_data({"/k", b("v"), 0})};
            auto ok = co_await c.async_multi(std::move(ok_ops));
            REQUIRE(ok);
            REQUIRE(ok.value().results.size() == 3);
            CHECK_FALSE(zk::find_failure(ok.value()));
            CHECK(std::get<zk::create_response>(ok.value().results[1].body).path == "/k/s-0000000000");
            CHECK(std::get<zk::set_data_response>(ok.value().results[2].body).stat.version == 1);

            std::vector<zk::multi_op> bad_ops{
                zk::multi_op::create({"/k/new", b(""), zk::open_acl_unsafe(), zk::create_mode::persistent}),
                zk::multi_op::check({"/k", 0}),
                zk::multi_op::remove({"/k/s-0000000000", -1})};
            auto bad = co_await c.async_multi(std::move(bad_ops));
            REQUIRE(bad);
            const auto failure = zk::find_failure(bad.value());
            REQUIRE(failure);
            CHECK(failure->index == 1);
            CHECK(failure->error == zk::error::bad_version);
            REQUIRE(bad.value().results.size() == 3);
            CHECK(bad.value().results[0].err == 0);
            CHECK(bad.value().results[2].err == -2);
            CHECK_FALSE(server.has_node("/m/k/new"));
            CHECK(server.has_node("/m/k/s-0000000000"));

            std::vector<zk::multi_op> invalid{zk::multi_op::check({"bad", 0})};
            CHECK((co_await c.async_multi(std::move(invalid))).error() == zk::error::bad_arguments);
            std::vector<zk::multi_op> none;
            auto empty = co_await c.async_multi(std::move(none));
            REQUIRE(empty);
            CHECK(empty.value().results.empty());
        }());
    }

    TEST_CASE("create modes: ephemeral, container, TTL; bad TTL arguments")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            auto e = co_await c.async_create2("/e", b(""), zk::create_mode::ephemeral);
            REQUIRE(e);
            CHECK(e.value().stat.ephemeral_owner == c.session_id());
            auto ct = co_await c.async_create("/c", b(""), zk::create_mode::container);
            REQUIRE(ct);
            CHECK(ct.value() == "/c");
            CHECK(server.count(zk::op_code::create_container) == 1);
            auto ttl = co_await c.async_create_ttl("/t", b(""), zk::create_mode::persistent_with_ttl, 5000ms);
            REQUIRE(ttl);
            CHECK(server.count(zk::op_code::create_ttl) == 1);
            CHECK(
                (co_await c.async_create_ttl("/t2", b(""), zk::create_mode::persistent, 5000ms)).error() ==
                zk::error::bad_arguments
            );
            CHECK(
                (co_await c.async_create_ttl("/t2", b(""), zk::create_mode::persistent_with_ttl, 0ms))
                    .error() == zk::error::bad_arguments
            );
            CHECK(
                (co_await c.async_create("/t2", b(""), zk::create_mode::persistent_with_ttl)).error() ==
                zk::error::bad_arguments
            );
        }());
    }

    TEST_CASE("destroying the client fails pending operations with closed")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        auto c = std::make_unique<zk::client>(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c->async_connect());
            auto w = co_await c->async_exists("/w", true);
            REQUIRE(w);
            server.hold();
            auto pending = spawn(ioc, c->async_get_data("/"));
            auto sent = [&] {
                return c->in_flight() == 1;
            };
            co_await eventually(server, sent);
            c.reset();
            auto done = [&] {
                return pending.done();
            };
            co_await eventually(server, done);
            CHECK(pending.get().error() == hakit::errc::closed);
            CHECK((co_await w.value().watch.async_wait()).error() == hakit::errc::closed);
            server.release();
        }());
    }

    TEST_CASE("close sends closeSession after the queued requests; the server deletes our ephemerals")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            REQUIRE(co_await c.async_create("/eph", b(""), zk::create_mode::ephemeral));
            server.hold();
            auto before = spawn(ioc, c.async_get_data("/eph"));
            auto closing = spawn(ioc, c.async_close());
            auto both_sent = [&] {
                return server.count(zk::op_code::close_session) == 1;
            };
            co_await eventually(server, both_sent);
            CHECK(c.state() == zk::connection_state::closing);
            CHECK((co_await c.async_get_data("/eph")).error() == hakit::errc::closed);
            server.release();
            auto done = [&] {
                return before.done() && closing.done();
            };
            co_await eventually(server, done);
            CHECK(before.get());  // answered before the close
            CHECK(closing.get());
            CHECK_FALSE(server.has_node("/eph"));
            CHECK(c.state() == zk::connection_state::closed);
        }());
    }

    TEST_CASE("several state subscriptions each see every event")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client c(ioc.get_executor(), options_for(server));
        auto s1 = c.subscribe_states();
        auto s2 = c.subscribe_states();
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            REQUIRE(co_await c.async_connect());
            server.drop_all();
            auto back = [&] {
                return s1.pending() == 3;
            };
            co_await eventually(server, back);
            REQUIRE(co_await c.async_close());
            for (auto* s : {&s1, &s2})
            {
                std::vector<zk::connection_event> seen;
                for (int i = 0; i < 4; ++i)
                {
                    auto e = co_await s->async_next();
                    REQUIRE(e);
                    seen.push_back(e.value());
                }
                CHECK(
                    seen ==
                    std::vector{
                        zk::connection_event::connected,
                        zk::connection_event::suspended,
                        zk::connection_event::reconnected,
                        zk::connection_event::closed}
                );
                CHECK((co_await s->async_next()).error() == hakit::errc::closed);
            }
        }());
    }
}
