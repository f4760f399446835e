// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The ZooKeeper session lifecycle without I/O: connect string parsing, the session state machine
// (events in, actions and deadlines out, time passed explicitly) and the watch registry's dispatch
// rules.
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/detail/session_machine.hpp>
#include <hakit/zk/detail/watch_registry.hpp>
#include <hakit/zk/watch.hpp>

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace zk = hakit::zk;
namespace zkd = hakit::zk::detail;
using namespace std::chrono_literals;
using time_point = zkd::session_clock::time_point;

// ---- helpers ------------------------------------------------------------------------------------

template <class Action>
std::vector<Action> all_of(const zkd::session_actions& actions)
{
    std::vector<Action> out;
    for (const auto& a : actions)
        if (const auto* p = std::get_if<Action>(&a))
            out.push_back(*p);
    return out;
}

template <class Action>
bool has(const zkd::session_actions& actions)
{
    return !all_of<Action>(actions).empty();
}

template <class Action>
Action only(const zkd::session_actions& actions)
{
    const auto found = all_of<Action>(actions);
    REQUIRE(found.size() == 1);
    return found.front();
}

std::vector<zk::connection_event> events(const zkd::session_actions& actions)
{
    std::vector<zk::connection_event> out;
    for (const auto& n : all_of<zkd::notify_state>(actions))
        out.push_back(n.event);
    return out;
}

std::vector<zk::host_port> three_hosts()
{
    return {{"127.0.0.1", 2001}, {"127.0.0.1", 2002}, {"127.0.0.1", 2003}};
}

zk::connect_response accept(std::int64_t session, std::int32_t timeout_ms = 3000, std::uint8_t pw = 7)
{
    zk::connect_response r;
    r.timeout_ms = timeout_ms;
    r.session_id = session;
    r.passwd.assign(zk::session_password_size, pw);
    r.read_only = false;
    return r;
}

zk::connect_response expired_response()
{
    zk::connect_response r;
    r.timeout_ms = 0;
    r.session_id = 0;
    r.passwd.assign(zk::session_password_size, 0);
    return r;
}

/// A machine over three hosts, requested T 6 s, connection timeout 10 s, reconnect delay 250 ms.
struct machine_fixture
{
    zk::session_options options;
    zkd::session_machine m;
    time_point now = time_point{} + 1000s;
    zkd::session_actions out;

    explicit machine_fixture(std::vector<zk::host_port> hosts = three_hosts(), std::uint64_t seed = 1)
        : options(make_options())
        , m(std::move(hosts), options, seed)
    {}

    static zk::session_options make_options()
    {
        zk::session_options o;
        o.connect_string = "unused";
        o.session_timeout = 6000ms;
        o.connection_timeout = 10'000ms;
        o.reconnect_delay = 250ms;
        o.close_timeout = 1000ms;
        return o;
    }

    zkd::session_actions& step() { return out; }
    void clear() { out.clear(); }

    /// Drives start → TCP up → handshake accepted (T = 3 s), returns the host connected to.
    zk::host_port connect(std::int64_t session = 0x1234, std::int32_t timeout_ms = 3000)
    {
        clear();
        REQUIRE(m.start(now, out));
        const auto host = only<zkd::open_connection>(out).host;
        clear();
        m.on_transport_connected(now, out);
        REQUIRE(has<zkd::send_handshake>(out));
        clear();
        m.on_handshake(accept(session, timeout_ms), now, out);
        REQUIRE(m.state() == zk::connection_state::connected);
        return host;
    }

    void advance(std::chrono::steady_clock::duration d) { now += d; }

    /// Advances to the machine's next deadline and ticks.
    void tick_to_deadline()
    {
        now = std::max(now, m.next_deadline());
        clear();
        m.on_tick(now, out);
    }
};

}  // namespace

// ==== connect string ==============================================================================

TEST_SUITE("zk_connect_string")
{
    TEST_CASE("hosts, ports, default port, IPv6 and chroot")
    {
        auto r = zk::parse_connect_string("a:1,b.example:2181, 127.0.0.1:65535 ,[::1]:7,c,[fe80::1]/app/ns");
        REQUIRE(r);
        const auto& cs = r.value();
        REQUIRE(cs.hosts.size() == 6);
        CHECK(cs.hosts[0] == zk::host_port{"a", 1});
        CHECK(cs.hosts[1] == zk::host_port{"b.example", 2181});
        CHECK(cs.hosts[2] == zk::host_port{"127.0.0.1", 65535});
        CHECK(cs.hosts[3] == zk::host_port{"::1", 7});
        CHECK(cs.hosts[4] == zk::host_port{"c", zk::default_client_port});
        CHECK(cs.hosts[5] == zk::host_port{"fe80::1", zk::default_client_port});
        CHECK(cs.chroot == "/app/ns");
        CHECK(cs.hosts[3].to_string() == "[::1]:7");
        CHECK(cs.hosts[0].to_string() == "a:1");
    }

    TEST_CASE("a lone slash means no chroot")
    {
        auto r = zk::parse_connect_string("h:1/");
        REQUIRE(r);
        CHECK(r.value().chroot.empty());
        CHECK(zk::parse_connect_string("h:1").value().chroot.empty());
    }

    TEST_CASE("bad input names what is wrong")
    {
        struct bad_case
        {
            const char* text;
            const char* says;
        };
        const bad_case cases[] = {
            {"", "empty"},
            {"a:1,,b:2", "server 2 is empty"},
            {"a:1,", "server 2 is empty"},
            {"a:0", "invalid port '0'"},
            {"a:65536", "invalid port '65536'"},
            {"a:x1", "invalid port 'x1'"},
            {"a:", "invalid port ''"},
            {":2181", "empty host"},
            {"[::1:2181", "missing ']'"},
            {"[::1]x", "expected ':port'"},
            {"::1:2181", "needs brackets"},
            {"a:1/app/", "invalid chroot '/app/'"},
            {"a:1//x", "invalid chroot '//x'"},
            {"a:1/a/../b", "invalid chroot"},
            {"[]:1", "empty IPv6"},
        };
        for (const auto& c : cases)
        {
            CAPTURE(c.text);
            hakit::diagnostics diag;
            auto r = zk::parse_connect_string(c.text, diag);
            REQUIRE_FALSE(r);
            CHECK(r.error() == hakit::errc::invalid_config);
            CHECK(diag.message().find(c.says) != std::string::npos);
            CHECK(diag.message().rfind("connect string: ", 0) == 0);
        }
    }

    TEST_CASE("diagnostics are cleared by a successful parse")
    {
        hakit::diagnostics diag;
        diag.assign("stale");
        REQUIRE(zk::parse_connect_string("h:1", diag));
        CHECK(diag.empty());
    }

    TEST_CASE("chroot prefixing and stripping")
    {
        CHECK(zk::prepend_chroot("", "/a") == "/a");
        CHECK(zk::prepend_chroot("/app", "/") == "/app");
        CHECK(zk::prepend_chroot("/app", "/a/b") == "/app/a/b");
        CHECK(zk::strip_chroot("", "/a") == "/a");
        CHECK(zk::strip_chroot("/app", "/app") == "/");
        CHECK(zk::strip_chroot("/app", "/app/x-0000000001") == "/x-0000000001");
        CHECK(zk::strip_chroot("/app", "/appx") == "/appx");  // not inside the chroot
        CHECK(zk::strip_chroot("/app", "/other") == "/other");
    }
}

// ==== session machine =============================================================================

TEST_SUITE("zk_session_machine")
{
    TEST_CASE("hosts are shuffled reproducibly and tried in rotation")
    {
        std::vector<zk::host_port> many;
        for (std::uint16_t p = 1; p <= 8; ++p)
            many.push_back({"h", p});
        machine_fixture a(many, 42), b(many, 42), c(many, 43);
        CHECK(a.m.hosts() == b.m.hosts());
        auto sorted = a.m.hosts();
        std::sort(sorted.begin(), sorted.end(), [](auto& x, auto& y) { return x.port < y.port; });
        CHECK(sorted == many);
        CHECK((a.m.hosts() != many || c.m.hosts() != many));  // two seeds cannot both leave it sorted

        // Every failure moves on to the next host; each host once per round.
        REQUIRE(a.m.start(a.now, a.out));
        std::vector<zk::host_port> tried{only<zkd::open_connection>(a.out).host};
        for (int i = 1; i < 8; ++i)
        {
            a.clear();
            a.m.on_transport_failed(a.now, hakit::zk::error::connection_loss, a.out);
            tried.push_back(only<zkd::open_connection>(a.out).host);
        }
        CHECK(tried == a.m.hosts());
        CHECK(a.m.current_host() == tried.back());
    }

    TEST_CASE("handshake: ConnectRequest fields, negotiated timeout, connected event")
    {
        machine_fixture f;
        REQUIRE(f.m.start(f.now, f.out));
        CHECK(f.m.state() == zk::connection_state::connecting);
        CHECK(f.m.phase() == zkd::transport_phase::connecting);
        // Per-host connect timeout: requested T / n = 2 s before any session.
        CHECK(f.m.next_deadline() == f.now + 2000ms);

        f.clear();
        f.m.on_transport_connected(f.now, f.out);
        const auto hs = only<zkd::send_handshake>(f.out).request;
        CHECK(hs.protocol_version == 0);
        CHECK(hs.session_id == 0);
        CHECK(hs.passwd == zk::bytes(16, 0));
        CHECK(hs.timeout_ms == 6000);
        CHECK(hs.last_zxid_seen == 0);
        REQUIRE(hs.read_only.has_value());
        CHECK(*hs.read_only == false);
        CHECK(f.m.phase() == zkd::transport_phase::handshaking);

        f.advance(10ms);
        f.clear();
        f.m.on_handshake(accept(0x55, 3000), f.now, f.out);
        CHECK(f.m.state() == zk::connection_state::connected);
        CHECK(f.m.session_id() == 0x55);
        CHECK(f.m.password() == zk::bytes(16, 7));
        CHECK(f.m.negotiated_timeout() == 3000ms);
        CHECK(f.m.last_heard() == f.now);
        CHECK(f.m.writable());
        CHECK(only<zkd::session_ready>(f.out).resumed == false);
        CHECK(events(f.out) == std::vector{zk::connection_event::connected});
        // Nothing sent since the ConnectRequest 10 ms ago: the ping is due T/3 after it.
        CHECK(f.m.next_deadline() == f.now - 10ms + 1000ms);
    }

    TEST_CASE("read_only_allowed sets the readOnly byte, a read-only server is reported")
    {
        auto options = machine_fixture::make_options();
        options.read_only_allowed = true;
        zkd::session_machine m(three_hosts(), options, 1);
        zkd::session_actions out;
        const auto now = time_point{} + 5s;
        REQUIRE(m.start(now, out));
        out.clear();
        m.on_transport_connected(now, out);
        CHECK(only<zkd::send_handshake>(out).request.read_only == std::optional<bool>(true));
        auto r = accept(9);
        r.read_only = true;
        out.clear();
        m.on_handshake(r, now, out);
        CHECK(m.read_only());
    }

    TEST_CASE("ping after T/3 of send idleness, never while sending")
    {
        machine_fixture f;
        f.connect();  // T = 3 s
        const auto start = f.now;
        f.advance(900ms);
        f.m.on_sent(f.now);  // a request went out at +0.9 s
        f.m.on_received(f.now);
        f.clear();
        f.m.on_tick(start + 1000ms, f.out);  // a stale wake-up: nothing due
        CHECK(f.out.empty());
        CHECK(f.m.next_deadline() == f.now + 1000ms);
        f.tick_to_deadline();
        CHECK(f.now == start + 1900ms);
        CHECK(all_of<zkd::send_ping>(f.out).size() == 1);
        // The ping counts as sent: not asked again before another T/3.
        f.clear();
        f.m.on_tick(f.now + 10ms, f.out);
        CHECK(f.out.empty());
    }

    TEST_CASE("read timeout 2T/3 suspends and reconnects to the next host with the same session")
    {
        machine_fixture f;
        const auto first = f.connect(0x77);
        f.m.on_zxid(0x500);
        f.m.on_zxid(0x400);  // never goes back
        const auto heard = f.now;
        // A ping goes out at T/3 but nothing comes back; at 2T/3 the read timeout wins.
        f.tick_to_deadline();
        REQUIRE(has<zkd::send_ping>(f.out));
        CHECK(f.now == heard + 1000ms);
        f.tick_to_deadline();
        CHECK(f.now == heard + 2000ms);
        CHECK(only<zkd::close_connection>(f.out).reason == hakit::zk::error::operation_timeout);
        CHECK(events(f.out) == std::vector{zk::connection_event::suspended});
        const auto next = only<zkd::open_connection>(f.out).host;
        CHECK(next != first);
        CHECK(f.m.state() == zk::connection_state::suspended);
        CHECK_FALSE(f.m.writable());
        // Per-host timeout now uses the negotiated T: 3 s / 3.
        CHECK(f.m.next_deadline() == f.now + 1000ms);

        f.clear();
        f.m.on_transport_connected(f.now, f.out);
        const auto hs = only<zkd::send_handshake>(f.out).request;
        CHECK(hs.session_id == 0x77);
        CHECK(hs.passwd == zk::bytes(16, 7));
        CHECK(hs.last_zxid_seen == 0x500);
        CHECK(hs.timeout_ms == 6000);  // Java re-sends the requested value

        f.clear();
        f.m.on_handshake(accept(0x77, 3000), f.now, f.out);
        CHECK(only<zkd::session_ready>(f.out).resumed);
        CHECK(events(f.out) == std::vector{zk::connection_event::reconnected});
        CHECK(f.m.state() == zk::connection_state::connected);
    }

    TEST_CASE("a broken connection suspends and reconnects at once")
    {
        machine_fixture f;
        f.connect();
        f.clear();
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        REQUIRE(f.out.size() == 3);
        CHECK(std::holds_alternative<zkd::close_connection>(f.out[0]));
        CHECK(std::holds_alternative<zkd::notify_state>(f.out[1]));
        CHECK(std::holds_alternative<zkd::open_connection>(f.out[2]));
        // A second report of the same failure changes nothing.
        f.clear();
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        CHECK(f.m.state() == zk::connection_state::suspended);
        CHECK(all_of<zkd::notify_state>(f.out).empty());
    }

    TEST_CASE("after every host failed in a row the machine waits before the next round")
    {
        machine_fixture f;
        REQUIRE(f.m.start(f.now, f.out));
        for (int i = 0; i < 2; ++i)
        {
            f.clear();
            f.m.on_transport_failed(f.now, boost::asio::error::connection_refused, f.out);
            CHECK(has<zkd::open_connection>(f.out));
            CHECK(only<zkd::close_connection>(f.out).reason == boost::asio::error::connection_refused);
        }
        f.clear();
        f.m.on_transport_failed(f.now, boost::asio::error::connection_refused, f.out);
        CHECK_FALSE(has<zkd::open_connection>(f.out));
        CHECK(f.m.phase() == zkd::transport_phase::none);
        // min(reconnect_delay 250 ms, requested T / 10 = 600 ms)
        CHECK(f.m.next_deadline() == f.now + 250ms);
        f.clear();
        f.m.on_tick(f.now + 249ms, f.out);
        CHECK(f.out.empty());
        f.tick_to_deadline();
        CHECK(has<zkd::open_connection>(f.out));
    }

    TEST_CASE("a hanging attempt times out after T/n and the next host is tried")
    {
        machine_fixture f;
        REQUIRE(f.m.start(f.now, f.out));
        const auto first = only<zkd::open_connection>(f.out).host;
        f.clear();
        f.m.on_transport_connected(f.now, f.out);  // TCP up, ConnectResponse never comes
        f.tick_to_deadline();
        CHECK(only<zkd::close_connection>(f.out).reason == hakit::zk::error::operation_timeout);
        CHECK(only<zkd::open_connection>(f.out).host != first);
        CHECK(f.m.state() == zk::connection_state::connecting);
    }

    TEST_CASE("the first session gives up after the connection timeout; start again works")
    {
        machine_fixture f;
        const auto begin = f.now;
        REQUIRE(f.m.start(f.now, f.out));
        while (f.m.state() == zk::connection_state::connecting)
        {
            f.tick_to_deadline();
            REQUIRE(f.now <= begin + 10'000ms);
        }
        CHECK(f.now == begin + 10'000ms);
        CHECK(f.m.state() == zk::connection_state::idle);
        CHECK(only<zkd::fail_waiting>(f.out).reason == hakit::zk::error::connection_loss);
        CHECK(events(f.out).empty());
        CHECK(f.m.next_deadline() == time_point::max());

        f.clear();
        CHECK(f.m.start(f.now, f.out));
        CHECK(has<zkd::open_connection>(f.out));
        f.clear();
        CHECK_FALSE(f.m.start(f.now, f.out));  // already connecting
        CHECK(f.out.empty());
    }

    TEST_CASE("server-reported expiry is terminal for the session")
    {
        machine_fixture f;
        f.connect(0x99);
        f.clear();
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        f.clear();
        f.m.on_transport_connected(f.now, f.out);
        f.clear();
        f.m.on_handshake(expired_response(), f.now, f.out);
        CHECK(f.m.state() == zk::connection_state::expired);
        REQUIRE(f.out.size() == 3);
        CHECK(std::get<zkd::close_connection>(f.out[0]).reason == hakit::zk::error::session_expired);
        CHECK(std::get<zkd::notify_state>(f.out[1]).event == zk::connection_event::expired);
        CHECK(std::get<zkd::fail_waiting>(f.out[2]).reason == hakit::zk::error::session_expired);
        CHECK(f.m.next_deadline() == time_point::max());
        CHECK_FALSE(f.m.writable());
        // Nothing more happens by itself.
        f.clear();
        f.m.on_tick(f.now + 1h, f.out);
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        CHECK(f.out.empty());

        // A new session on request: id 0 and zero password again.
        CHECK(f.m.start(f.now, f.out));
        f.clear();
        f.m.on_transport_connected(f.now, f.out);
        CHECK(only<zkd::send_handshake>(f.out).request.session_id == 0);
        CHECK(only<zkd::send_handshake>(f.out).request.passwd == zk::bytes(16, 0));
        f.clear();
        f.m.on_handshake(accept(0x100), f.now, f.out);
        CHECK(events(f.out) == std::vector{zk::connection_event::connected});
    }

    TEST_CASE("a different session id on reconnect counts as expiry")
    {
        machine_fixture f;
        f.connect(0x99);
        f.clear();
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        f.m.on_transport_connected(f.now, f.out);
        f.clear();
        f.m.on_handshake(accept(0x1000), f.now, f.out);
        CHECK(f.m.state() == zk::connection_state::expired);
        CHECK(events(f.out) == std::vector{zk::connection_event::expired});
    }

    TEST_CASE("local expiry: T after last hearing from any server, even mid-handshake")
    {
        machine_fixture f;
        f.connect(0x42);  // T = 3 s
        const auto heard = f.now;
        f.advance(500ms);
        f.m.on_received(f.now);
        const auto last = f.now;
        CHECK(f.m.last_heard() == last);
        // Silence: read timeout at last + 2 s, then attempts that never complete.
        std::vector<zk::connection_event> seen;
        while (f.m.state() != zk::connection_state::expired)
        {
            f.tick_to_deadline();
            for (auto e : events(f.out))
                seen.push_back(e);
            if (f.m.phase() == zkd::transport_phase::connecting)
            {
                zkd::session_actions ignored;
                f.m.on_transport_connected(f.now, ignored);  // TCP up, no ConnectResponse
            }
            REQUIRE(f.now <= heard + 10s);
        }
        CHECK(f.now == last + 3000ms);
        CHECK(seen == std::vector{zk::connection_event::suspended, zk::connection_event::expired});
        CHECK(only<zkd::close_connection>(f.out).reason == hakit::zk::error::session_expired);
        CHECK(only<zkd::fail_waiting>(f.out).reason == hakit::zk::error::session_expired);
    }

    TEST_CASE("local expiry while waiting between rounds closes no transport")
    {
        zkd::session_machine m({{"h", 1}}, machine_fixture::make_options(), 1);
        zkd::session_actions out;
        auto now = time_point{} + 1s;
        REQUIRE(m.start(now, out));
        m.on_transport_connected(now, out);
        m.on_handshake(accept(1, 3000), now, out);
        out.clear();
        m.on_transport_failed(now, hakit::zk::error::connection_loss, out);
        REQUIRE(has<zkd::open_connection>(out));
        out.clear();
        m.on_transport_failed(now, boost::asio::error::connection_refused, out);
        // One host: every failure ends a round, so a wait follows each.
        for (;;)
        {
            out.clear();
            now = m.next_deadline();
            m.on_tick(now, out);
            if (m.state() == zk::connection_state::expired)
                break;
            if (has<zkd::open_connection>(out))
            {
                out.clear();
                m.on_transport_failed(now, boost::asio::error::connection_refused, out);
                CHECK(m.phase() == zkd::transport_phase::none);
            }
        }
        CHECK(now == time_point{} + 4s);
        CHECK(all_of<zkd::close_connection>(out).empty());
        CHECK(events(out) == std::vector{zk::connection_event::expired});
    }

    TEST_CASE("resume credentials from the options go into the first handshake")
    {
        auto options = machine_fixture::make_options();
        options.resume = zk::session_credentials{0xabc, zk::bytes(16, 3)};
        zkd::session_machine m(three_hosts(), options, 1);
        zkd::session_actions out;
        const auto now = time_point{} + 1s;
        REQUIRE(m.start(now, out));
        out.clear();
        m.on_transport_connected(now, out);
        const auto hs = only<zkd::send_handshake>(out).request;
        CHECK(hs.session_id == 0xabc);
        CHECK(hs.passwd == zk::bytes(16, 3));
        out.clear();
        m.on_handshake(accept(0xabc), now, out);
        CHECK(events(out) == std::vector{zk::connection_event::connected});
        CHECK(m.session_id() == 0xabc);
    }

    TEST_CASE("close while connected: closeSession, then closed on confirmation")
    {
        machine_fixture f;
        f.connect();
        f.clear();
        f.m.on_close_requested(f.now, f.out);
        CHECK(f.m.state() == zk::connection_state::closing);
        CHECK(has<zkd::send_close_session>(f.out));
        CHECK(f.m.writable());  // requests queued before the close still go out first
        CHECK(f.m.next_deadline() == f.now + 1000ms);
        f.clear();
        f.m.on_close_requested(f.now, f.out);  // idempotent
        CHECK(f.out.empty());
        f.m.on_close_confirmed(f.out);
        CHECK(f.m.state() == zk::connection_state::closed);
        CHECK(events(f.out) == std::vector{zk::connection_event::closed});
        CHECK(only<zkd::fail_waiting>(f.out).reason == hakit::errc::closed);
        CHECK(only<zkd::close_connection>(f.out).reason == hakit::errc::closed);
        f.clear();
        CHECK_FALSE(f.m.start(f.now, f.out));  // closed is final
    }

    TEST_CASE("close gives up waiting for the confirmation after close_timeout")
    {
        machine_fixture f;
        f.connect();
        f.clear();
        f.m.on_close_requested(f.now, f.out);
        const auto requested = f.now;
        f.tick_to_deadline();
        CHECK(f.now == requested + 1000ms);
        CHECK(f.m.state() == zk::connection_state::closed);
        CHECK(events(f.out) == std::vector{zk::connection_event::closed});
    }

    TEST_CASE("close while suspended, connecting or idle is immediate")
    {
        {
            machine_fixture f;
            f.connect();
            f.clear();
            f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
            f.clear();
            f.m.on_close_requested(f.now, f.out);
            CHECK(f.m.state() == zk::connection_state::closed);
            CHECK_FALSE(has<zkd::send_close_session>(f.out));
            CHECK(has<zkd::close_connection>(f.out));  // the pending attempt
        }
        {
            machine_fixture f;
            f.clear();
            f.m.on_close_requested(f.now, f.out);
            CHECK(f.m.state() == zk::connection_state::closed);
            CHECK_FALSE(has<zkd::close_connection>(f.out));
            CHECK(events(f.out) == std::vector{zk::connection_event::closed});
        }
    }

    TEST_CASE("abort and refused credentials close at once")
    {
        machine_fixture f;
        f.connect();
        f.clear();
        f.m.on_auth_failed(f.out);
        CHECK(f.m.state() == zk::connection_state::closed);
        CHECK(only<zkd::fail_waiting>(f.out).reason == hakit::zk::error::auth_failed);
        f.clear();
        f.m.on_abort(f.out);
        CHECK(f.out.empty());

        machine_fixture g;
        g.connect();
        g.clear();
        g.m.on_abort(g.out);
        CHECK(g.m.state() == zk::connection_state::closed);
        CHECK(only<zkd::fail_waiting>(g.out).reason == hakit::errc::closed);
        CHECK_FALSE(has<zkd::send_close_session>(g.out));
    }

    TEST_CASE("a transport failure while closing ends in closed")
    {
        machine_fixture f;
        f.connect();
        f.clear();
        f.m.on_close_requested(f.now, f.out);
        f.clear();
        f.m.on_transport_failed(f.now, hakit::zk::error::connection_loss, f.out);
        CHECK(f.m.state() == zk::connection_state::closed);
        CHECK(events(f.out) == std::vector{zk::connection_event::closed});
    }

    TEST_CASE("inputs out of place are ignored")
    {
        machine_fixture f;
        f.m.on_transport_connected(f.now, f.out);
        f.m.on_handshake(accept(1), f.now, f.out);
        f.m.on_close_confirmed(f.out);
        f.m.on_tick(f.now, f.out);
        CHECK(f.out.empty());
        CHECK(f.m.state() == zk::connection_state::idle);
        CHECK(f.m.next_deadline() == time_point::max());

        f.connect();
        f.clear();
        f.m.on_handshake(accept(2), f.now, f.out);  // already established
        f.m.on_transport_connected(f.now, f.out);
        CHECK(f.out.empty());
        CHECK(f.m.session_id() == 0x1234);
    }
}

// ==== watch registry ==============================================================================

TEST_SUITE("zk_watch_registry")
{
    namespace {
    zk::watcher_event ev(zk::event_type t, std::string path)
    {
        return {t, zk::keeper_state::sync_connected, std::move(path)};
    }

    std::shared_ptr<zkd::watch_state> one_shot(boost::asio::io_context& ioc)
    {
        return std::make_shared<zkd::watch_state>(ioc.get_executor());
    }
    }  // namespace

    TEST_CASE("data and exist watches fire on created and data changed, and only once")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        auto data = one_shot(ioc), exist = one_shot(ioc), child = one_shot(ioc), other = one_shot(ioc);
        r.add(zkd::watch_kind::data, "/a", data);
        r.add(zkd::watch_kind::exist, "/a", exist);
        r.add(zkd::watch_kind::child, "/a", child);
        r.add(zkd::watch_kind::data, "/b", other);
        r.dispatch(ev(zk::event_type::node_data_changed, "/a"));
        REQUIRE(data->done());
        CHECK(data->outcome()->value() == ev(zk::event_type::node_data_changed, "/a"));
        CHECK(exist->done());
        CHECK_FALSE(child->done());
        CHECK_FALSE(other->done());
        // One-shot: a second change finds nothing to fire.
        auto again = one_shot(ioc);
        r.dispatch(ev(zk::event_type::node_created, "/a"));
        CHECK(data->outcome()->value().type == zk::event_type::node_data_changed);
    }

    TEST_CASE("children changed fires child watches; deleted fires all three kinds")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        auto data = one_shot(ioc), child = one_shot(ioc);
        r.add(zkd::watch_kind::data, "/a", data);
        r.add(zkd::watch_kind::child, "/a", child);
        r.dispatch(ev(zk::event_type::node_children_changed, "/a"));
        CHECK(child->done());
        CHECK_FALSE(data->done());

        auto d2 = one_shot(ioc), e2 = one_shot(ioc), c2 = one_shot(ioc);
        r.add(zkd::watch_kind::data, "/x", d2);
        r.add(zkd::watch_kind::exist, "/x", e2);
        r.add(zkd::watch_kind::child, "/x", c2);
        r.dispatch(ev(zk::event_type::node_deleted, "/x"));
        CHECK(d2->done());
        CHECK(e2->done());
        CHECK(c2->done());
    }

    TEST_CASE("several local watches on one path all fire")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        std::vector<std::shared_ptr<zkd::watch_state>> ws;
        for (int i = 0; i < 5; ++i)
        {
            ws.push_back(one_shot(ioc));
            r.add(zkd::watch_kind::data, "/p", ws.back());
        }
        r.dispatch(ev(zk::event_type::node_deleted, "/p"));
        for (auto& w : ws)
            CHECK(w->done());
    }

    TEST_CASE("persistent watches see every event of their path; recursive ones also descendants")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        auto p = std::make_shared<zkd::persistent_watch_state>(ioc.get_executor());
        auto rec = std::make_shared<zkd::persistent_watch_state>(ioc.get_executor());
        auto root = std::make_shared<zkd::persistent_watch_state>(ioc.get_executor());
        r.add_persistent(false, "/a", p);
        r.add_persistent(true, "/a", rec);
        r.add_persistent(true, "/", root);
        r.dispatch(ev(zk::event_type::node_data_changed, "/a"));
        r.dispatch(ev(zk::event_type::node_children_changed, "/a"));
        r.dispatch(ev(zk::event_type::node_created, "/a/b/c"));
        r.dispatch(ev(zk::event_type::node_created, "/ab"));
        CHECK(p->queued() == 2);     // changed + children changed
        CHECK(rec->queued() == 2);   // changed + /a/b/c (children changed is not for recursive)
        CHECK(root->queued() == 3);  // everything but children changed
        // Never consumed.
        r.dispatch(ev(zk::event_type::node_deleted, "/a"));
        CHECK(p->queued() == 3);
    }

    TEST_CASE("remove completes local watches with removal events")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        auto data = one_shot(ioc), child = one_shot(ioc);
        auto p = std::make_shared<zkd::persistent_watch_state>(ioc.get_executor());
        r.add(zkd::watch_kind::data, "/a", data);
        r.add(zkd::watch_kind::child, "/a", child);
        r.add_persistent(false, "/a", p);
        CHECK(r.remove("/a", zk::watcher_type::children) == 1);
        CHECK(child->outcome()->value().type == zk::event_type::child_watch_removed);
        CHECK_FALSE(data->done());
        CHECK(r.remove("/a", zk::watcher_type::any) == 2);
        CHECK(data->outcome()->value().type == zk::event_type::data_watch_removed);
        CHECK(p->finished());
        CHECK(r.remove("/a", zk::watcher_type::any) == 0);
    }

    TEST_CASE("fail_all ends every watch; live_paths skips dropped handles")
    {
        boost::asio::io_context ioc;
        zkd::watch_registry r;
        auto kept = one_shot(ioc);
        r.add(zkd::watch_kind::data, "/kept", kept);
        r.add(zkd::watch_kind::exist, "/dropped", one_shot(ioc));
        auto p = std::make_shared<zkd::persistent_watch_state>(ioc.get_executor());
        r.add_persistent(true, "/tree", p);
        const auto live = r.live_paths();
        CHECK(live.data == std::vector<std::string>{"/kept"});
        CHECK(live.exist.empty());
        CHECK(live.persistent_recursive == std::vector<std::string>{"/tree"});

        r.fail_all(hakit::zk::error::session_expired);
        CHECK(kept->outcome()->error() == hakit::zk::error::session_expired);
        CHECK(p->finished());
        CHECK(r.size() == 0);
        CHECK(r.live_paths().empty());
    }
}
