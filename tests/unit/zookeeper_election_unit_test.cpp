// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The ZooKeeper election driver against the in-process fake server: the order of a leader's
// requests on the wire, and what it does when another transaction lands between its first write
// and its watch, which a live server cannot be made to do on purpose.
#include <hakit/backend/zookeeper.hpp>
#include <hakit/zk/client.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/fake_zk_server.hpp"
#include "common/run_coro.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using namespace std::chrono_literals;
using hakit::component_id;
using hakit_test::fake_zk_server;
using hakit_test::run_coro;

const std::string ns = "/ns";

hakit::zookeeper_settings settings_for(const fake_zk_server& server)
{
    hakit::zookeeper_settings s;
    s.session.connect_string = server.address();
    s.session.session_timeout = 4000ms;
    s.session.connection_timeout = 5s;
    s.session.reconnect_delay = 20ms;
    s.layout = hakit::zookeeper::layout::make(ns).value();
    return s;
}

const std::vector<component_id> components = {
    component_id::dispatcher(), component_id::resource_manager(), component_id::rest_server()};

std::string info_path(const component_id& c)
{
    return ns + "/leader/" + c.str() + "/connection_info";
}

/// Campaigns for `c` and confirms an address; `confirmed` is set once the confirm succeeded.
asio::awaitable<void> lead(hakit::zookeeper_ha_services* ha, component_id c, bool* confirmed)
{
    auto election = ha->election(c);
    REQUIRE(election);
    auto term = co_await election.value().async_campaign();
    REQUIRE(term);
    auto done = co_await election.value().async_confirm(term.value(), "akka://jm/" + c.str());
    REQUIRE(done);
    *confirmed = true;
}

/// Creates the namespace and every component's directory, so that the first write succeeds.
asio::awaitable<void> prepare_tree(zk::client* raw)
{
    REQUIRE(co_await raw->async_connect());
    std::vector<std::string> paths = {ns, ns + "/leader"};
    for (const auto& c : components)
        paths.push_back(ns + "/leader/" + c.str());
    for (const auto& p : paths)
        REQUIRE(co_await raw->async_create(p, zk::bytes()));
    REQUIRE(co_await raw->async_close());
}

/// The index of the first multi in `requests` that creates a connection_info node.
std::optional<std::size_t> first_publish(const std::vector<zk::client_message>& requests)
{
    for (std::size_t i = 0; i < requests.size(); ++i)
        if (const auto* m = std::get_if<zk::multi_request>(&requests[i].body))
            for (const auto& op : m->ops)
                if (op.type == zk::op_code::create &&
                    std::get<zk::create_request>(op.request).path.ends_with("/connection_info"))
                    return i;
    return std::nullopt;
}

/// The paths read after request `after`, by getData or inside a multiRead.
std::multiset<std::string> read_after(const std::vector<zk::client_message>& requests, std::size_t after)
{
    std::multiset<std::string> out;
    for (std::size_t i = after + 1; i < requests.size(); ++i)
        if (const auto* r = std::get_if<zk::get_data_request>(&requests[i].body))
            out.insert(r->path);
        else if (requests[i].header.type == zk::op_code::multi_read)
            for (const auto& op : std::get<zk::multi_request>(requests[i].body).ops)
                out.insert(std::get<zk::get_data_request>(op.request).path);
    return out;
}

struct reread_counts
{
    std::size_t multi_reads = 0;
    std::size_t get_datas = 0;
};

/// A leader publishes the three components while the server answers its addWatch as if it had
/// applied someone else's transaction first: the leader must read every node it wrote exactly
/// once. What it read them with.
reread_counts reread_after_foreign_write()
{
    asio::io_context ioc;
    fake_zk_server server(ioc.get_executor());
    zk::client raw(ioc.get_executor(), settings_for(server).session);
    hakit::zookeeper_ha_services ha(ioc.get_executor(), settings_for(server));
    server.intercept([&server](hakit_test::fake_connection& conn, const zk::client_message& m) {
        if (m.header.type != zk::op_code::add_watch)
            return false;
        conn.reply(m.header.xid, server.zxid() + 1, 0, zk::error_response{0});
        return true;
    });
    reread_counts counts;
    run_coro(ioc, [&]() -> asio::awaitable<void> {
        co_await prepare_tree(&raw);
        bool confirmed[3] = {false, false, false};
        for (std::size_t i = 0; i < components.size(); ++i)
            asio::co_spawn(ioc, lead(&ha, components[i], &confirmed[i]), asio::detached);
        std::multiset<std::string> expected;
        for (const auto& c : components)
            expected.insert(info_path(c));
        auto reread = [&] {
            const auto publish = first_publish(server.requests());
            return publish && read_after(server.requests(), *publish) == expected;
        };
        CHECK(co_await server.async_wait_until(reread, 5s));
        CHECK((confirmed[0] && confirmed[1] && confirmed[2]));
        counts.multi_reads = server.count(zk::op_code::multi_read);
        counts.get_datas = server.count(zk::op_code::get_data);
        CHECK(co_await ha.async_close());
    }());
    return counts;
}

}  // namespace

TEST_SUITE("zookeeper_election_unit")
{
    TEST_CASE("the term's tree watch goes right behind its first write; nothing is read back")
    {
        asio::io_context ioc;
        fake_zk_server server(ioc.get_executor());
        zk::client raw(ioc.get_executor(), settings_for(server).session);
        hakit::zookeeper_ha_services ha(ioc.get_executor(), settings_for(server));
        // The publishing multi's reply is held back: the addWatch must arrive without it.
        server.intercept([&server](hakit_test::fake_connection&, const zk::client_message& m) {
            std::vector<zk::client_message> seen = {m};
            if (first_publish(seen))
                server.hold();
            return false;  // the server answers it (held)
        });
        run_coro(ioc, [&]() -> asio::awaitable<void> {
            co_await prepare_tree(&raw);
            bool confirmed[3] = {false, false, false};
            for (std::size_t i = 0; i < components.size(); ++i)
                asio::co_spawn(ioc, lead(&ha, components[i], &confirmed[i]), asio::detached);
            auto pipelined = [&] {
                return server.count(zk::op_code::add_watch) == 1;
            };
            REQUIRE(co_await server.async_wait_until(pipelined, 5s));
            CHECK_FALSE((confirmed[0] || confirmed[1] || confirmed[2]));  // still waiting for the reply
            server.release();
            auto watching = [&] {
                return confirmed[0] && confirmed[1] && confirmed[2];
            };
            REQUIRE(co_await server.async_wait_until(watching, 5s));
            // A request behind the watch: once it is answered, the watch's reply has been handled
            // and any read it caused has been queued ahead of whatever the test asks next.
            auto& client = ha.backend().client();
            REQUIRE(co_await client.async_exists(ns));
            auto quiet = [&] {
                return client.in_flight() == 0 && client.queued() == 0;
            };
            REQUIRE(co_await server.async_wait_until(quiet, 5s));

            const auto& requests = server.requests();
            const auto publish = first_publish(requests);
            REQUIRE(publish);
            const auto& ops = std::get<zk::multi_request>(requests[*publish].body).ops;
            CHECK(ops.size() == 1 + components.size());  // the latch check and all three, one multi
            REQUIRE(*publish + 1 < requests.size());
            CHECK(requests[*publish + 1].header.type == zk::op_code::add_watch);
            CHECK(read_after(requests, *publish).empty());
            CHECK(co_await ha.async_close());
        }());
    }

    TEST_CASE(
        "a transaction between the first write and the watch: every node written is read again, in one "
        "multiRead"
    )
    {
        const auto reads = reread_after_foreign_write();
        CHECK(reads.multi_reads == 1);  // all of them in one request
        CHECK(reads.get_datas == 0);
    }
}
