// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live test of the ZooKeeper test harness (tools/zookeeper/*.sh + tests/common/zk_servers.hpp):
// runs once against the zk_standalone fixture and once against zk_ensemble.
#include <doctest/doctest.h>

#include "common/zk_servers.hpp"

#include <chrono>
#include <filesystem>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <thread>

using namespace std::chrono_literals;
using hakit_test::zk_cluster;

namespace {

constexpr auto serve_limit = 60s;

/// The value of `key` in a mntr answer ("key\tvalue" lines), or nullopt.
std::optional<std::string> mntr_value(const std::string& mntr, const std::string& key)
{
    const auto at = mntr.find(key + "\t");
    if (at == std::string::npos || (at != 0 && mntr[at - 1] != '\n'))
        return std::nullopt;
    const auto from = at + key.size() + 1;
    return mntr.substr(from, mntr.find('\n', from) - from);
}

bool contains(const std::string& text, const std::string& part)
{
    return text.find(part) != std::string::npos;
}

/// Some member that currently follows.
std::size_t a_follower(const zk_cluster& zk)
{
    for (std::size_t i = 0; i < zk.member_count(); ++i)
        if (zk.mode(i) == "follower")
            return i;
    FAIL("no member follows");
    return 0;
}

}  // namespace

TEST_SUITE("zk_harness")
{
    TEST_CASE("every member answers ruok, srvr, mntr and conf with our configuration")
    {
        const auto zk = zk_cluster::from_env();
        REQUIRE(zk.member_count() >= 1);
        REQUIRE(zk.wait_all_serving(serve_limit));
        for (std::size_t i = 0; i < zk.member_count(); ++i)
        {
            CAPTURE(i);
            CHECK(zk.four_letter(i, "ruok") == "imok");

            const auto srvr = zk.four_letter(i, "srvr");
            CHECK(contains(srvr, "Zookeeper version: 3.8"));
            const auto mode = zk.mode(i);
            if (zk.is_ensemble())
                CHECK((mode == "leader" || mode == "follower"));
            else
                CHECK(mode == "standalone");

            const auto mntr = zk.four_letter(i, "mntr");
            CHECK(mntr_value(mntr, "zk_server_state") == mode);
            CHECK(mntr_value(mntr, "zk_version").value_or("").rfind("3.8", 0) == 0);

            const auto conf = zk.four_letter(i, "conf");
            CHECK(contains(conf, "clientPort=" + std::to_string(zk.member_endpoint(i).port()) + "\n"));
            CHECK(contains(conf, "tickTime=" + std::to_string(zk.tick().count()) + "\n"));
            CHECK(contains(conf, "minSessionTimeout=" + std::to_string(2 * zk.tick().count()) + "\n"));
            CHECK(contains(conf, "maxSessionTimeout=60000\n"));

            // Only the whitelisted words run.
            CHECK(contains(zk.four_letter(i, "envi"), "not in the whitelist"));
        }
    }

    TEST_CASE("the connect string lists every member on loopback")
    {
        const auto zk = zk_cluster::from_env();
        std::string expected;
        for (std::size_t i = 0; i < zk.member_count(); ++i)
        {
            CHECK(zk.member_endpoint(i).address().to_string() == "127.0.0.1");
            CHECK(zk.member_endpoint(i).port() != 2181);
            expected += (i == 0 ? "" : ",") + zk.member_address(i);
        }
        CHECK(zk.connect_string() == expected);
        CHECK(zk.member_count() == (zk.is_ensemble() ? 3U : 1U));
        CHECK(zk.tick() >= 10ms);
    }

    TEST_CASE("harness misuse fails loudly")
    {
        const auto zk = zk_cluster::from_env();
        CHECK_THROWS_AS((void)zk.member_endpoint(zk.member_count()), std::out_of_range);
        CHECK_THROWS_WITH_AS(
            (void)zk_cluster::from_dir("/nonexistent/hakit-zk"),
            doctest::Contains("/nonexistent/hakit-zk"),
            std::runtime_error
        );
        CHECK_THROWS_AS(zk.thaw(zk.member_count()), std::out_of_range);

        // A script failure surfaces with its output: a look-alike state dir without start.sh's
        // marker, which member.sh refuses to touch.
        const auto fake =
            std::filesystem::temp_directory_path() / hakit_test::unique_path("/hakit-zk-fake").substr(1);
        std::filesystem::create_directories(fake);
        for (const char* name : {"connect", "tools-dir", "tick-ms", "member-1.port"})
            std::filesystem::copy_file(std::filesystem::path(zk.state_dir()) / name, fake / name);
        const auto fake_zk = zk_cluster::from_dir(fake.string());
        CHECK(fake_zk.connect_string() == zk.connect_string());
        CHECK(fake_zk.member_count() == 1);
        CHECK_THROWS_WITH_AS(
            fake_zk.thaw(0), doctest::Contains("not a hakit ZooKeeper state dir"), std::runtime_error
        );
        std::filesystem::remove_all(fake);
    }

    TEST_CASE("unique_path gives distinct single-segment paths under the prefix")
    {
        std::set<std::string> seen;
        for (int i = 0; i < 100; ++i)
        {
            const auto p = hakit_test::unique_path("/hakit-test");
            CHECK(p.rfind("/hakit-test-", 0) == 0);
            CHECK(p.find('/', 1) == std::string::npos);
            CHECK(p.find_first_not_of("/abcdefghijklmnopqrstuvwxyz0123456789-") == std::string::npos);
            seen.insert(p);
        }
        CHECK(seen.size() == 100);
        CHECK(hakit_test::unique_path().rfind("/hakit-test-", 0) == 0);
        CHECK_THROWS_AS((void)hakit_test::unique_path("no-slash"), std::invalid_argument);
        CHECK_THROWS_AS((void)hakit_test::unique_path("/trailing/"), std::invalid_argument);
    }
}

TEST_SUITE("zk_harness.ensemble")
{
    TEST_CASE("one leader and two synced followers")
    {
        const auto zk = zk_cluster::from_env();
        REQUIRE(zk.is_ensemble());
        REQUIRE(zk.wait_all_serving(serve_limit));
        const auto leader = zk.leader();
        REQUIRE(leader);
        int followers = 0;
        for (std::size_t i = 0; i < zk.member_count(); ++i)
            followers += zk.mode(i) == "follower" ? 1 : 0;
        CHECK(followers == 2);
        const auto synced = [&] {
            return mntr_value(zk.four_letter(*leader, "mntr"), "zk_synced_followers") == "2";
        };
        CHECK(hakit_test::poll_until(synced, serve_limit));
    }

    TEST_CASE("a follower killed and restarted: the quorum keeps serving throughout")
    {
        const auto zk = zk_cluster::from_env();
        REQUIRE(zk.wait_all_serving(serve_limit));
        const auto leader = zk.leader();
        REQUIRE(leader);
        const auto victim = a_follower(zk);

        zk.kill(victim);
        CHECK(zk.four_letter(victim, "ruok") == "");  // nothing listens any more
        for (std::size_t i = 0; i < zk.member_count(); ++i)
            if (i != victim)
                CHECK(zk.is_serving(i));
        CHECK(zk.leader() == leader);
        const auto one_synced = [&] {
            return mntr_value(zk.four_letter(*leader, "mntr"), "zk_synced_followers") == "1";
        };
        CHECK(hakit_test::poll_until(one_synced, serve_limit));

        zk.restart(victim);
        CHECK(zk.mode(victim) == "follower");
        CHECK(zk.leader() == leader);
        const auto two_synced = [&] {
            return mntr_value(zk.four_letter(*leader, "mntr"), "zk_synced_followers") == "2";
        };
        CHECK(hakit_test::poll_until(two_synced, serve_limit));
    }

    TEST_CASE("the leader killed: the others elect a new one and the old leader rejoins as a follower")
    {
        const auto zk = zk_cluster::from_env();
        REQUIRE(zk.wait_all_serving(serve_limit));
        const auto old_leader = zk.leader();
        REQUIRE(old_leader);

        zk.kill(*old_leader);
        std::optional<std::size_t> new_leader;
        const auto elected = [&] {
            new_leader = zk.leader();
            return new_leader && *new_leader != *old_leader;
        };
        REQUIRE(hakit_test::poll_until(elected, serve_limit));
        for (std::size_t i = 0; i < zk.member_count(); ++i)
            if (i != *old_leader)
                CHECK(zk.wait_serving(i, serve_limit));

        zk.restart(*old_leader);
        CHECK(zk.mode(*old_leader) == "follower");
        CHECK(zk.wait_all_serving(serve_limit));
        CHECK(zk.leader() == new_leader);
    }

    TEST_CASE("a frozen member accepts connections but answers nothing; thawed, it serves again")
    {
        const auto zk = zk_cluster::from_env();
        REQUIRE(zk.wait_all_serving(serve_limit));
        const auto victim = a_follower(zk);

        zk.freeze(victim);
        CHECK(zk.four_letter(victim, "ruok", 300ms) == "");
        zk.thaw(victim);
        CHECK(zk.wait_serving(victim, serve_limit));
        CHECK(zk.four_letter(victim, "ruok") == "imok");
        CHECK(zk.wait_all_serving(serve_limit));
    }
}
