// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live tests of zk::client against real ZooKeeper 3.8 servers started by tools/zookeeper/ (CTest
// fixtures zk_standalone and zk_ensemble). Suite zk_client_live runs on the standalone server;
// zk_client_live.ensemble kills and freezes ensemble members (DISRUPTIVE). Every test works under
// its own unique path and removes what it created.
#include <hakit/zk/client.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/eventually.hpp"
#include "common/run_coro.hpp"
#include "common/tcp_proxy.hpp"
#include "common/zk_servers.hpp"

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
using namespace asio::experimental::awaitable_operators;
using hakit_test::eventually;
using hakit_test::run_coro;
using hakit_test::zk_cluster;
using clock_type = std::chrono::steady_clock;

zk::bytes b(std::string_view s)
{
    return zk::bytes(s.begin(), s.end());
}

std::string str(const zk::bytes& v)
{
    return std::string(v.begin(), v.end());
}

zk::session_options options(std::string connect, std::chrono::milliseconds timeout = 10'000ms)
{
    zk::session_options o;
    o.connect_string = std::move(connect);
    o.session_timeout = timeout;
    o.connection_timeout = 20s;
    o.reconnect_delay = 50ms;
    return o;
}

/// The next connection event, or nullopt if none comes within `timeout`.
asio::awaitable<std::optional<zk::connection_event>> next_event(
    zk::client& c, std::chrono::milliseconds timeout
)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto next = c.async_next_state();
    auto expiry = timer.async_wait(asio::use_awaitable);
    auto r = co_await (std::move(next) || std::move(expiry));
    if (r.index() == 0)
    {
        auto& e = std::get<0>(r);
        if (e)
            co_return e.value();
    }
    co_return std::nullopt;
}

/// Deletes `path` and everything below it (best effort: cleanup).
asio::awaitable<void> remove_tree(zk::client& c, std::string path)
{
    auto kids = co_await c.async_get_children(path);
    if (kids)
        for (const auto& k : kids.value().children)
            co_await remove_tree(c, path + "/" + k);
    (void)co_await c.async_remove(path);
}

/// A shuffle seed under which the client tries `first` before the other servers of `connect`.
std::uint64_t seed_trying_first(const std::string& connect, const zk::host_port& first)
{
    const auto hosts = zk::parse_connect_string(connect).value().hosts;
    const zk::session_options unused;
    std::uint64_t seed = 1;
    while (zk::detail::session_machine(hosts, unused, seed).hosts().front() != first)
        ++seed;
    return seed;
}

/// A connected client on its own io_context's executor.
asio::awaitable<void> connect_or_fail(zk::client& c)
{
    auto r = co_await c.async_connect();
    REQUIRE_MESSAGE(r, r.error().message());
    auto e = co_await c.async_next_state();
    REQUIRE(e);
    REQUIRE(e.value() == zk::connection_event::connected);
}

}  // namespace

TEST_SUITE("zk_client_live")
{
    TEST_CASE("every operation against a real server, including a failed multi")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.wait_all_serving(60s));
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(c);
            CHECK(c.session_id() != 0);
            CHECK(c.negotiated_timeout() == 10'000ms);

            auto created = co_await c.async_create(root, b("root"));
            REQUIRE(created);
            CHECK(created.value() == root);
            CHECK((co_await c.async_create(root, b(""))).error() == zk::error::node_exists);
            CHECK((co_await c.async_create(root + "/x/y", b(""))).error() == zk::error::no_node);
            CHECK((co_await c.async_create(root + "/", b(""))).error() == zk::error::bad_arguments);

            auto c2 = co_await c.async_create2(root + "/c2", b("abc"));
            REQUIRE(c2);
            CHECK(c2.value().path == root + "/c2");
            CHECK(c2.value().stat.data_length == 3);
            CHECK(c2.value().stat.czxid == c2.value().stat.mzxid);
            CHECK(c.last_zxid() >= c2.value().stat.czxid);

            auto eph = co_await c.async_create2(root + "/eph", b(""), zk::create_mode::ephemeral);
            REQUIRE(eph);
            CHECK(eph.value().stat.ephemeral_owner == c.session_id());
            CHECK(
                (co_await c.async_create(root + "/eph/child", b(""))).error() ==
                zk::error::no_children_for_ephemerals
            );

            auto container = co_await c.async_create(root + "/container", b(""), zk::create_mode::container);
            REQUIRE(container);
            auto cstat = co_await c.async_exists(root + "/container");
            REQUIRE(cstat);
            REQUIRE(cstat.value().stat);
            // The server keeps its container/TTL markers to itself: clients see ephemeralOwner 0.
            CHECK(cstat.value().stat->ephemeral_owner == 0);

            auto ttl = co_await c.async_create_ttl(
                root + "/ttl", b(""), zk::create_mode::persistent_with_ttl, 60'000ms
            );
            REQUIRE_MESSAGE(ttl, ttl.error().message());
            CHECK(ttl.value().stat.ephemeral_owner == 0);
            auto ttlseq = co_await c.async_create_ttl(
                root + "/ttlseq-", b(""), zk::create_mode::persistent_sequential_with_ttl, 60'000ms
            );
            REQUIRE(ttlseq);
            CHECK(ttlseq.value().path.size() == (root + "/ttlseq-").size() + 10);

            auto data = co_await c.async_get_data(root + "/c2");
            REQUIRE(data);
            CHECK(str(data.value().data) == "abc");
            auto set = co_await c.async_set_data(root + "/c2", b("def"), data.value().stat.version);
            REQUIRE(set);
            CHECK(set.value().version == data.value().stat.version + 1);
            CHECK((co_await c.async_set_data(root + "/c2", b("x"), 0)).error() == zk::error::bad_version);
            CHECK((co_await c.async_set_data(root + "/none", b("x"))).error() == zk::error::no_node);
            CHECK((co_await c.async_get_data(root + "/none")).error() == zk::error::no_node);

            auto ex = co_await c.async_exists(root + "/c2");
            REQUIRE(ex);
            CHECK(ex.value().exists());
            auto nx = co_await c.async_exists(root + "/none");
            REQUIRE(nx);
            CHECK_FALSE(nx.value().exists());

            auto kids = co_await c.async_get_children2(root);
            REQUIRE(kids);
            auto names = kids.value().children;
            std::sort(names.begin(), names.end());
            CHECK(names.size() == 5);
            CHECK(names.front() == "c2");
            REQUIRE(kids.value().stat);
            CHECK(kids.value().stat->num_children == 5);
            auto kids1 = co_await c.async_get_children(root);
            REQUIRE(kids1);
            CHECK(kids1.value().children.size() == 5);
            CHECK_FALSE(kids1.value().stat);

            CHECK(co_await c.async_sync(root));

            auto acl = co_await c.async_get_acl(root);
            REQUIRE(acl);
            CHECK(acl.value().acl == zk::open_acl_unsafe());

            // multi: success with per-op results (3.8 answers create2 with a create result).
            std::vector<zk::multi_op> ops{
                zk::multi_op::check({root + "/c2", set.value().version}),
                zk::multi_op::create2(
                    {root + "/m-", b("m"), zk::open_acl_unsafe(), zk::create_mode::persistent_sequential}
                ),
                zk::multi_op::set_data({root + "/c2", b("ghi"), set.value().version}),
                zk::multi_op::remove({root + "/container", -1})};
            auto ok = co_await c.async_multi(std::move(ops));
            REQUIRE(ok);
            CHECK_FALSE(zk::find_failure(ok.value()));
            REQUIRE(ok.value().results.size() == 4);
            CHECK(ok.value().results[0].type == zk::op_code::check);
            std::string multi_path;
            if (auto* r1 = std::get_if<zk::create_response>(&ok.value().results[1].body))
                multi_path = r1->path;
            else if (auto* r2 = std::get_if<zk::create2_response>(&ok.value().results[1].body))
                multi_path = r2->path;
            CHECK(multi_path == root + "/m-0000000005");  // the parent's cversion: 5 creations
            CHECK(
                std::get<zk::set_data_response>(ok.value().results[2].body).stat.version ==
                set.value().version + 1
            );
            CHECK(ok.value().results[3].type == zk::op_code::delete_node);

            // multi: a failed check makes everything fail; nothing is applied.
            std::vector<zk::multi_op> bad_ops{
                zk::multi_op::create(
                    {root + "/never", b(""), zk::open_acl_unsafe(), zk::create_mode::persistent}
                ),
                zk::multi_op::check({root + "/c2", 0}),
                zk::multi_op::remove({root + "/c2", -1})};
            auto bad = co_await c.async_multi(std::move(bad_ops));
            REQUIRE(bad);
            const auto failure = zk::find_failure(bad.value());
            REQUIRE(failure);
            CHECK(failure->index == 1);
            CHECK(failure->error == zk::error::bad_version);
            REQUIRE(bad.value().results.size() == 3);
            CHECK(bad.value().results[0].type == zk::op_code::error);
            CHECK(bad.value().results[0].err == 0);
            CHECK(bad.value().results[1].err == static_cast<int>(zk::error::bad_version));
            CHECK(bad.value().results[2].err == static_cast<int>(zk::error::runtime_inconsistency));
            CHECK_FALSE((co_await c.async_exists(root + "/never")).value().exists());
            CHECK((co_await c.async_exists(root + "/c2")).value().exists());

            // delete with a version.
            auto cur = co_await c.async_exists(root + "/c2");
            CHECK(
                (co_await c.async_remove(root + "/c2", cur.value().stat->version + 5)).error() ==
                zk::error::bad_version
            );
            CHECK(co_await c.async_remove(root + "/c2", cur.value().stat->version));
            CHECK((co_await c.async_remove(root)).error() == zk::error::not_empty);

            co_await remove_tree(c, root);
            CHECK_FALSE((co_await c.async_exists(root)).value().exists());
            CHECK(co_await c.async_close());
        }());
    }

    TEST_CASE("sequential nodes: 10-digit suffixes from the parent's cversion, sorted by suffix")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(c);
            REQUIRE(co_await c.async_create(root, b("")));
            std::vector<std::string> made;
            for (int i = 0; i < 3; ++i)
            {
                auto p = co_await c.async_create(root + "/q-", b(""), zk::create_mode::ephemeral_sequential);
                REQUIRE(p);
                made.push_back(p.value());
            }
            CHECK(made[0] == root + "/q-0000000000");
            CHECK(made[2] == root + "/q-0000000002");
            // Suffixes only grow (3.8.0 gave 3 here although the parent's cversion read 4 after
            // the delete: count on order, not on exact numbers).
            REQUIRE(co_await c.async_remove(made[1]));
            auto next = co_await c.async_create(root + "/q-", b(""), zk::create_mode::persistent_sequential);
            REQUIRE(next);
            CHECK(zk::parse_sequence_suffix(next.value()).value() >= 3);
            // Children come unsorted; order them by suffix.
            auto kids = co_await c.async_get_children(root);
            REQUIRE(kids);
            auto names = kids.value().children;
            std::sort(names.begin(), names.end(), [](const std::string& x, const std::string& y) {
                return zk::parse_sequence_suffix(x).value() < zk::parse_sequence_suffix(y).value();
            });
            CHECK(names.size() == 3);
            CHECK(names.front() == "q-0000000000");
            CHECK(root + "/" + names.back() == next.value());
            co_await remove_tree(c, root);
            CHECK(co_await c.async_close());
        }());
    }

    TEST_CASE("ephemeral nodes vanish when the session closes")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        zk::client owner(ioc.get_executor(), options(cluster.connect_string()));
        zk::client observer(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(owner);
            co_await connect_or_fail(observer);
            REQUIRE(co_await observer.async_create(root, b("")));
            REQUIRE(co_await owner.async_create(root + "/e", b(""), zk::create_mode::ephemeral));
            auto seen = co_await observer.async_exists(root + "/e", true);
            REQUIRE(seen);
            REQUIRE(seen.value().exists());
            const auto closed_at = clock_type::now();
            CHECK(co_await owner.async_close());
            auto e = co_await seen.value().watch.async_wait();
            REQUIRE(e);
            CHECK(e.value().type == zk::event_type::node_deleted);
            CHECK(clock_type::now() - closed_at < 2s);  // at once, not after the session timeout
            CHECK_FALSE((co_await observer.async_exists(root + "/e")).value().exists());
            co_await remove_tree(observer, root);
            CHECK(co_await observer.async_close());
        }());
    }

    TEST_CASE("watches fire once and are re-armed after a reconnect (proxy drop, no expiry)")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        zk::client c(ioc.get_executor(), options(proxy.address()));
        zk::client other(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(c);
                co_await connect_or_fail(other);
                REQUIRE(co_await c.async_create(root, b("0")));
                REQUIRE(co_await c.async_create(root + "/e", b(""), zk::create_mode::ephemeral));

                // Fires once.
                auto d = co_await c.async_get_data(root, true);
                REQUIRE(d);
                REQUIRE(co_await other.async_set_data(root, b("1")));
                auto e1 = co_await d.value().watch.async_wait();
                REQUIRE(e1);
                CHECK(e1.value().type == zk::event_type::node_data_changed);
                CHECK(e1.value().path == root);

                // Re-armed across a reconnect: data, exist and child watches.
                auto d2 = co_await c.async_get_data(root, true);
                auto ex = co_await c.async_exists(root + "/later", true);
                auto ch = co_await c.async_get_children(root, true);
                REQUIRE(d2);
                REQUIRE(ex);
                REQUIRE(ch);
                const auto session = c.session_id();
                proxy.drop_all();
                auto ev = co_await next_event(c, 5000ms);
                CHECK(ev == zk::connection_event::suspended);
                ev = co_await next_event(c, 5000ms);
                CHECK(ev == zk::connection_event::reconnected);
                CHECK(c.session_id() == session);
                CHECK(proxy.connections_accepted() == 2);
                CHECK_FALSE(d2.value().watch.fired());
                CHECK((co_await c.async_exists(root + "/e")).value().exists());  // ephemeral intact

                REQUIRE(co_await other.async_set_data(root, b("2")));
                auto e2 = co_await d2.value().watch.async_wait();
                REQUIRE(e2);
                CHECK(e2.value().type == zk::event_type::node_data_changed);
                REQUIRE(co_await other.async_create(root + "/later", b("")));
                auto e3 = co_await ex.value().watch.async_wait();
                REQUIRE(e3);
                CHECK(e3.value().type == zk::event_type::node_created);
                auto e4 = co_await ch.value().watch.async_wait();
                REQUIRE(e4);
                CHECK(e4.value().type == zk::event_type::node_children_changed);

                // A change while disconnected fires right after the reconnect (SetWatches, lastZxid).
                auto d3 = co_await c.async_get_data(root + "/later", true);
                REQUIRE(d3);
                proxy.refuse_new(true);
                proxy.drop_all();
                auto suspended = co_await next_event(c, 5000ms);
                CHECK(suspended == zk::connection_event::suspended);
                REQUIRE(co_await other.async_set_data(root + "/later", b("while away")));
                proxy.refuse_new(false);
                auto back = co_await next_event(c, 8000ms);
                CHECK(back == zk::connection_event::reconnected);
                auto e5 = co_await d3.value().watch.async_wait();
                REQUIRE(e5);
                CHECK(e5.value().type == zk::event_type::node_data_changed);

                co_await remove_tree(c, root);
                CHECK(co_await c.async_close());
                CHECK(co_await other.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("persistent recursive watch: a stream of events below a path, kept across a reconnect")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        zk::client c(ioc.get_executor(), options(proxy.address()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(c);
            auto pw = co_await c.async_add_watch(root, zk::add_watch_mode::persistent_recursive);
            REQUIRE_MESSAGE(pw, pw.error().message());
            auto w = pw.value();
            REQUIRE(co_await c.async_create(root, b("")));
            REQUIRE(co_await c.async_create(root + "/a", b("")));
            proxy.drop_all();
            CHECK(co_await next_event(c, 5000ms) == zk::connection_event::suspended);
            CHECK(co_await next_event(c, 5000ms) == zk::connection_event::reconnected);
            REQUIRE(co_await c.async_set_data(root + "/a", b("x")));
            std::vector<std::pair<zk::event_type, std::string>> seen;
            for (int i = 0; i < 3; ++i)
            {
                auto e = co_await w.async_next();
                REQUIRE(e);
                seen.emplace_back(e.value().type, e.value().path);
            }
            CHECK(seen[0] == std::pair{zk::event_type::node_created, root});
            CHECK(seen[1] == std::pair{zk::event_type::node_created, root + "/a"});
            CHECK(seen[2] == std::pair{zk::event_type::node_data_changed, root + "/a"});
            // ZooKeeper 3.8 removes persistent watches only with WatcherType Any (types 4 and 5
            // arrived in 3.9, ZOOKEEPER-4472): the server answers them with marshalling_error.
            auto typed = co_await c.async_remove_watches(root, zk::watcher_type::persistent_recursive);
            CHECK((typed || typed.error() == zk::error::marshalling_error));
            if (!typed)
            {
                auto rw = co_await c.async_remove_watches(root, zk::watcher_type::any);
                REQUIRE_MESSAGE(rw, rw.error().message());
            }
            auto removed = co_await w.async_next();
            REQUIRE(removed);
            CHECK(removed.value().type == zk::event_type::persistent_watch_removed);
            CHECK((co_await w.async_next()).error() == zk::error::no_watcher);
            CHECK(
                (co_await c.async_remove_watches(root, zk::watcher_type::any)).error() ==
                zk::error::no_watcher
            );
            co_await remove_tree(c, root);
            CHECK(co_await c.async_close());
        }());
    }

    TEST_CASE("zxids: a multi reports its transaction's, an addWatch the last one applied before it")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string()));
        zk::client other(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(c);
            co_await connect_or_fail(other);
            std::vector<zk::multi_op> ops;
            ops.push_back(zk::multi_op::create(zk::create_request{
                root, b("x"), zk::open_acl_unsafe(), zk::create_mode::persistent}));
            auto first = co_await c.async_multi(std::move(ops));
            REQUIRE_MESSAGE(first, first.error().message());
            CHECK(first.value().zxid > 0);
            CHECK(first.value().zxid <= c.last_zxid());
            auto created = co_await c.async_exists(root);
            REQUIRE((created && created.value().stat));
            CHECK(created.value().stat->czxid == first.value().zxid);
            // Another session's write after ours: the watch, registered later, is past both.
            auto foreign = co_await other.async_set_data(root, b("y"));
            REQUIRE(foreign);
            CHECK(foreign.value().mzxid > first.value().zxid);
            auto pw = co_await c.async_add_watch(root, zk::add_watch_mode::persistent_recursive);
            REQUIRE_MESSAGE(pw, pw.error().message());
            CHECK(pw.value().registered_zxid() >= foreign.value().mzxid);
            // Writes after the registration come as events, and have higher zxids.
            std::vector<zk::multi_op> more;
            more.push_back(zk::multi_op::set_data(zk::set_data_request{root, b("z"), -1}));
            auto second = co_await c.async_multi(std::move(more));
            REQUIRE(second);
            CHECK(second.value().zxid > pw.value().registered_zxid());
            auto event = co_await pw.value().async_next();
            REQUIRE(event);
            CHECK(event.value().type == zk::event_type::node_data_changed);
            // The zxid is not part of the record: equal results compare equal.
            zk::multi_response copy = second.value();
            copy.zxid = 0;
            CHECK(copy == second.value());
            CHECK(co_await c.async_remove_watches(root, zk::watcher_type::any));
            co_await remove_tree(c, root);
            CHECK(co_await c.async_close());
            CHECK(co_await other.async_close());
        }());
    }

    TEST_CASE("session expiry through a stalled network: expired reported, requests fail cleanly")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        zk::client c(ioc.get_executor(), options(proxy.address(), 1200ms));
        zk::client observer(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(c);
                co_await connect_or_fail(observer);
                CHECK(c.negotiated_timeout() == 1200ms);
                REQUIRE(co_await observer.async_create(root, b("")));
                REQUIRE(co_await c.async_create(root + "/e", b(""), zk::create_mode::ephemeral));
                auto gone = co_await observer.async_exists(root + "/e", true);
                REQUIRE(gone);
                auto mine = co_await c.async_get_data(root, true);
                REQUIRE(mine);

                proxy.pause();
                const auto heard = c.last_heard();
                // Sent into the stalled network: fails with connection_loss at the read timeout.
                auto in_flight = c.async_get_data(root);
                auto r = co_await std::move(in_flight);
                CHECK(r.error() == zk::error::connection_loss);
                CHECK(co_await next_event(c, 3000ms) == zk::connection_event::suspended);
                CHECK(clock_type::now() - heard >= 800ms);
                // Issued while suspended: waits, then fails with session_expired at T.
                auto queued = co_await c.async_get_data(root);
                CHECK(queued.error() == zk::error::session_expired);
                CHECK(co_await next_event(c, 3000ms) == zk::connection_event::expired);
                CHECK(clock_type::now() - heard >= 1200ms);
                CHECK(c.state() == zk::connection_state::expired);
                CHECK((co_await mine.value().watch.async_wait()).error() == zk::error::session_expired);
                CHECK((co_await c.async_exists(root)).error() == zk::error::session_expired);

                // The server expires it too: the observer sees the ephemeral go.
                auto e = co_await gone.value().watch.async_wait();
                REQUIRE(e);
                CHECK(e.value().type == zk::event_type::node_deleted);
                proxy.resume();

                // A new session on request.
                const auto old = c.session_id();
                REQUIRE(co_await c.async_connect());
                CHECK(c.session_id() != old);
                CHECK(co_await next_event(c, 1000ms) == zk::connection_event::connected);
                CHECK(co_await c.async_exists(root));
                co_await remove_tree(observer, root);
                CHECK(co_await c.async_close());
                CHECK(co_await observer.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("server-reported expiry: the session was closed elsewhere, the reconnect learns it")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        zk::client a(ioc.get_executor(), options(proxy.address()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(a);
                REQUIRE(co_await a.async_create(root, b(""), zk::create_mode::ephemeral));
                // Another client attaches to a's session (the server closes a's socket; the paused
                // proxy holds that back) and closes it.
                proxy.pause();
                auto opts = options(cluster.connect_string());
                opts.resume = zk::session_credentials{a.session_id(), a.session_password()};
                zk::client b(ioc.get_executor(), opts);
                REQUIRE(co_await b.async_connect());
                CHECK(b.session_id() == a.session_id());
                CHECK(co_await b.async_close());
                proxy.resume();
                CHECK(co_await next_event(a, 5000ms) == zk::connection_event::suspended);
                CHECK(co_await next_event(a, 5000ms) == zk::connection_event::expired);
                CHECK(a.state() == zk::connection_state::expired);
                zk::client check(ioc.get_executor(), options(cluster.connect_string()));
                co_await connect_or_fail(check);
                CHECK_FALSE((co_await check.async_exists(root)).value().exists());
                CHECK(co_await check.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("1000 concurrent requests keep their order")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        constexpr int n = 1000;
        std::vector<std::optional<hakit::result<std::string>>> results(n);
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(c);
                REQUIRE(co_await c.async_create(root, b("")));
                int finished = 0;
                for (int i = 0; i < n; ++i)
                {
                    auto op = [](zk::client* cl,
                                 std::string path,
                                 int index,
                                 std::optional<hakit::result<std::string>>* out,
                                 int* done) -> asio::awaitable<void> {
                        out->emplace(co_await cl->async_create(
                            path, b(std::to_string(index)), zk::create_mode::persistent_sequential
                        ));
                        ++*done;
                    };
                    asio::co_spawn(
                        ioc,
                        op(&c, root + "/n-", i, &results[static_cast<std::size_t>(i)], &finished),
                        asio::detached
                    );
                }
                auto all = [&] {
                    return finished == n;
                };
                REQUIRE(co_await eventually(all, 30'000ms));
                CHECK(c.in_flight() == 0);
                for (int i = 0; i < n; ++i)
                {
                    const auto& r = results[static_cast<std::size_t>(i)];
                    REQUIRE(r);
                    REQUIRE(r->has_value());
                    CHECK(zk::parse_sequence_suffix(r->value()).value() == i);
                }
                auto kids = co_await c.async_get_children(root);
                REQUIRE(kids);
                CHECK(kids.value().children.size() == n);
                // Read back concurrently through a pipelined burst of getData.
                std::vector<std::optional<hakit::result<zk::node_data>>> reads(n);
                int read = 0;
                for (int i = 0; i < n; ++i)
                {
                    auto op = [](zk::client* cl,
                                 std::string path,
                                 std::optional<hakit::result<zk::node_data>>* out,
                                 int* done) -> asio::awaitable<void> {
                        out->emplace(co_await cl->async_get_data(path));
                        ++*done;
                    };
                    const auto& path = results[static_cast<std::size_t>(i)]->value();
                    asio::co_spawn(
                        ioc, op(&c, path, &reads[static_cast<std::size_t>(i)], &read), asio::detached
                    );
                }
                auto all_read = [&] {
                    return read == n;
                };
                REQUIRE(co_await eventually(all_read, 30'000ms));
                for (int i = 0; i < n; ++i)
                    CHECK(str(reads[static_cast<std::size_t>(i)]->value().data) == std::to_string(i));
                co_await remove_tree(c, root);
                CHECK(co_await c.async_close());
            }(),
            120s
        );
    }

    TEST_CASE("digest auth and ACLs: no_auth without the credential, re-sent after a reconnect")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        zk::client owner(ioc.get_executor(), options(proxy.address()));
        zk::client stranger(ioc.get_executor(), options(cluster.connect_string()));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(owner);
                co_await connect_or_fail(stranger);
                REQUIRE(co_await owner.async_add_auth(zk::digest_auth("hakit", "secret")));
                std::vector<zk::acl> acl{zk::digest_acl("hakit", "secret")};
                REQUIRE(co_await owner.async_create(root, b("private"), zk::create_mode::persistent, acl));
                auto got = co_await owner.async_get_acl(root);
                REQUIRE(got);
                REQUIRE(got.value().acl.size() == 1);
                CHECK(got.value().acl[0].id == zk::acl_id{"digest", zk::digest_id("hakit", "secret")});
                CHECK(got.value().acl[0].perms == zk::perms::all);
                CHECK((co_await stranger.async_get_data(root)).error() == zk::error::no_auth);
                CHECK((co_await stranger.async_set_data(root, b("x"))).error() == zk::error::no_auth);
                // creator_all_acl needs an authenticated connection.
                std::vector<zk::acl> creator = zk::creator_all_acl();
                CHECK(
                    (co_await stranger.async_create(root + "-c", b(""), zk::create_mode::persistent, creator))
                        .error() == zk::error::invalid_acl
                );

                // The credential survives a reconnect (auth is per connection; the client re-sends it).
                proxy.drop_all();
                CHECK(co_await next_event(owner, 5000ms) == zk::connection_event::suspended);
                CHECK(co_await next_event(owner, 5000ms) == zk::connection_event::reconnected);
                auto data = co_await owner.async_get_data(root);
                REQUIRE(data);
                CHECK(str(data.value().data) == "private");

                REQUIRE(co_await stranger.async_add_auth(zk::digest_auth("hakit", "secret")));
                CHECK(co_await stranger.async_get_data(root));
                CHECK(co_await owner.async_remove(root));
                CHECK(co_await owner.async_close());
                CHECK(co_await stranger.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("chroot: paths are relative to it, in replies, multi results and events")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto base = hakit_test::unique_path("/hakit-zkc");
        zk::client plain(ioc.get_executor(), options(cluster.connect_string()));
        zk::client rooted(ioc.get_executor(), options(cluster.connect_string() + base));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(plain);
            REQUIRE(co_await plain.async_create(base, b("")));
            co_await connect_or_fail(rooted);
            auto kids = co_await rooted.async_get_children("/", true);
            REQUIRE(kids);
            auto p = co_await rooted.async_create("/s-", b(""), zk::create_mode::persistent_sequential);
            REQUIRE(p);
            CHECK(p.value() == "/s-0000000000");
            auto e = co_await kids.value().watch.async_wait();
            REQUIRE(e);
            CHECK(e.value().path == "/");
            std::vector<zk::multi_op> ops{
                zk::multi_op::create({"/m", b(""), zk::open_acl_unsafe(), zk::create_mode::persistent})};
            auto m = co_await rooted.async_multi(std::move(ops));
            REQUIRE(m);
            CHECK(std::get<zk::create_response>(m.value().results[0].body).path == "/m");
            CHECK((co_await plain.async_exists(base + "/m")).value().exists());
            auto seen = co_await plain.async_get_data(base + "/m");
            REQUIRE(seen);
            co_await remove_tree(plain, base);
            CHECK(co_await rooted.async_close());
            CHECK(co_await plain.async_close());
        }());
    }

    TEST_CASE("multiRead against a real server: one request, one result per op, through a chroot")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto base = hakit_test::unique_path("/hakit-zkc");
        zk::client plain(ioc.get_executor(), options(cluster.connect_string()));
        zk::client rooted(ioc.get_executor(), options(cluster.connect_string() + base));
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await connect_or_fail(plain);
            REQUIRE(co_await plain.async_create(base, b("")));
            constexpr int n = 200;
            std::vector<zk::multi_op> ops;
            for (int i = 0; i < n; ++i)
            {
                const auto name = "/n" + std::to_string(i);
                REQUIRE(co_await plain.async_create(base + name, b("v" + std::to_string(i))));
                ops.push_back(zk::multi_op::get_data(zk::get_data_request{name, false}));
            }
            ops.push_back(zk::multi_op::get_data(zk::get_data_request{"/absent", false}));
            ops.push_back(zk::multi_op::get_children(zk::get_children_request{"/n0", false}));
            co_await connect_or_fail(rooted);
            const auto before = rooted.statistics();
            auto read = co_await rooted.async_multi_read(std::move(ops));
            REQUIRE_MESSAGE(read, read.error().message());
            CHECK(rooted.statistics().requests == before.requests + 1);
            REQUIRE(read.value().results.size() == n + 2);
            bool all = true;
            for (int i = 0; i < n; ++i)
            {
                const auto* d = std::get_if<zk::get_data_response>(&read.value().results[i].body);
                all = all && d && d->data == b("v" + std::to_string(i));
            }
            CHECK(all);
            CHECK(read.value().results[n].type == zk::op_code::error);
            CHECK(read.value().results[n].err == -101);  // no node, for that op only
            const auto* kids = std::get_if<zk::get_children_response>(&read.value().results[n + 1].body);
            REQUIRE(kids);
            CHECK(kids->children.empty());
            CHECK(read.value().zxid >= 0);
            co_await remove_tree(plain, base);
            CHECK(co_await rooted.async_close());
            CHECK(co_await plain.async_close());
        }());
    }
}

TEST_SUITE("zk_client_live.ensemble")
{
    TEST_CASE("killing the connected member: the session moves to another member within T, ephemerals intact")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.is_ensemble());
        REQUIRE(cluster.wait_all_serving(60s));
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string(), 4000ms));
        zk::client observer(ioc.get_executor(), options(cluster.connect_string(), 4000ms));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        std::optional<std::size_t> killed;
        try
        {
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(c);
                    co_await connect_or_fail(observer);
                    CHECK(c.negotiated_timeout() == 4000ms);
                    REQUIRE(co_await c.async_create(root, b("")));
                    REQUIRE(co_await c.async_create(root + "/e", b(""), zk::create_mode::ephemeral));
                    auto w = co_await c.async_exists(root + "/later", true);
                    REQUIRE(w);
                    const auto session = c.session_id();
                    const auto port = c.current_host().port;
                    for (std::size_t i = 0; i < cluster.member_count(); ++i)
                        if (cluster.member_endpoint(i).port() == port)
                            killed = i;
                    REQUIRE(killed);
                    MESSAGE("killing member " << *killed + 1 << " (" << cluster.mode(*killed) << ")");
                    cluster.kill(*killed);
                    const auto killed_at = clock_type::now();
                    CHECK(co_await next_event(c, 4000ms) == zk::connection_event::suspended);
                    const auto ev = co_await next_event(c, 10'000ms);
                    const auto took = clock_type::now() - killed_at;
                    CHECK(ev == zk::connection_event::reconnected);
                    MESSAGE(
                        "reconnected after "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
                    );
                    CHECK(took < 4000ms);
                    CHECK(c.session_id() == session);
                    CHECK(c.current_host().port != port);
                    auto e = co_await c.async_exists(root + "/e");
                    REQUIRE(e);
                    REQUIRE(e.value().stat);
                    CHECK(e.value().stat->ephemeral_owner == session);
                    // The watch followed the session to the new member.
                    REQUIRE(co_await observer.async_create(root + "/later", b("")));
                    auto fired = co_await w.value().watch.async_wait();
                    REQUIRE(fired);
                    CHECK(fired.value().type == zk::event_type::node_created);
                    co_await remove_tree(c, root);
                    CHECK(co_await c.async_close());
                    CHECK(co_await observer.async_close());
                }(),
                90s
            );
        }
        catch (...)
        {
            if (killed)
                cluster.restart(*killed);
            throw;
        }
        if (killed)
            cluster.restart(*killed);
        CHECK(cluster.wait_all_serving(60s));
    }

    TEST_CASE("killing the leader while connected to it: the session survives the election")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.wait_all_serving(60s));
        const auto leader = cluster.leader();
        REQUIRE(leader);
        asio::io_context ioc;
        auto opts = options(cluster.connect_string(), 6000ms);
        opts.shuffle_seed = seed_trying_first(
            cluster.connect_string(), zk::host_port{"127.0.0.1", cluster.member_endpoint(*leader).port()}
        );
        zk::client c(ioc.get_executor(), opts);
        const auto root = hakit_test::unique_path("/hakit-zkc");
        bool killed = false;
        try
        {
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(c);
                    REQUIRE(c.current_host().port == cluster.member_endpoint(*leader).port());
                    REQUIRE(co_await c.async_create(root, b(""), zk::create_mode::ephemeral));
                    const auto session = c.session_id();
                    cluster.kill(*leader);
                    killed = true;
                    const auto killed_at = clock_type::now();
                    CHECK(co_await next_event(c, 4000ms) == zk::connection_event::suspended);
                    CHECK(co_await next_event(c, 10'000ms) == zk::connection_event::reconnected);
                    const auto took = clock_type::now() - killed_at;
                    MESSAGE(
                        "reconnected after a leader election in "
                        << std::chrono::duration_cast<std::chrono::milliseconds>(took).count() << " ms"
                    );
                    CHECK(took < 6000ms);
                    CHECK(c.session_id() == session);
                    auto e = co_await c.async_exists(root);
                    REQUIRE(e);
                    REQUIRE(e.value().stat);
                    CHECK(e.value().stat->ephemeral_owner == session);
                    CHECK(co_await c.async_close());
                }(),
                90s
            );
        }
        catch (...)
        {
            if (killed)
                cluster.restart(*leader);
            throw;
        }
        if (killed)
            cluster.restart(*leader);
        CHECK(cluster.wait_all_serving(60s));
    }

    TEST_CASE("a frozen member (SIGSTOP): read timeout at 2T/3, the session continues elsewhere before T")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.wait_all_serving(60s));
        asio::io_context ioc;
        zk::client c(ioc.get_executor(), options(cluster.connect_string(), 6000ms));
        const auto root = hakit_test::unique_path("/hakit-zkc");
        std::optional<std::size_t> frozen;
        const auto thaw = [&] {
            if (frozen)
                cluster.thaw(*frozen);
        };
        try
        {
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(c);
                    REQUIRE(co_await c.async_create(root, b(""), zk::create_mode::ephemeral));
                    const auto session = c.session_id();
                    const auto port = c.current_host().port;
                    for (std::size_t i = 0; i < cluster.member_count(); ++i)
                        if (cluster.member_endpoint(i).port() == port)
                            frozen = i;
                    REQUIRE(frozen);
                    cluster.freeze(*frozen);
                    const auto frozen_at = clock_type::now();
                    auto pending = co_await c.async_get_data(root);  // sent to the frozen member
                    CHECK(pending.error() == zk::error::connection_loss);
                    CHECK(clock_type::now() - frozen_at >= 3000ms);  // 2T/3 of silence
                    CHECK(co_await next_event(c, 4000ms) == zk::connection_event::suspended);
                    CHECK(co_await next_event(c, 8000ms) == zk::connection_event::reconnected);
                    CHECK(clock_type::now() - frozen_at < 6000ms);  // before T
                    CHECK(c.session_id() == session);
                    CHECK(c.current_host().port != port);
                    CHECK(co_await c.async_get_data(root));
                    CHECK(co_await c.async_close());
                }(),
                60s
            );
        }
        catch (...)
        {
            thaw();
            throw;
        }
        thaw();
        CHECK(cluster.wait_all_serving(60s));
    }
}
