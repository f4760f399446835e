// Leader election and retrieval on the in-memory backend: several ha_services (one per simulated
// process) share one in_memory_cluster. Behaviours of flink-ha.md §6.1, §6.2, §6.7, §6.8.
#include <hakit/backend/in_memory.hpp>
#include <hakit/ha_services.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/in_memory_fixture.hpp"
#include "common/run_coro.hpp"

#include <optional>
#include <string>
#include <vector>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using namespace hakit_test;
using hakit::component_id;
using hakit::errc;
using hakit::leader_information;
using hakit::session_id;

namespace {

struct two_processes
{
    asio::io_context ioc;
    hakit::in_memory_cluster cluster;
    in_memory_services a{ioc.get_executor(), cluster, "a"};
    in_memory_services b{ioc.get_executor(), cluster, "b"};
};

// Records what a Flink-style contender is told, in order.
struct recording_contender
{
    std::vector<std::string> log;
    std::optional<session_id> current;

    void grant_leadership(session_id id)
    {
        log.push_back("grant");
        current = id;
    }
    void revoke_leadership()
    {
        log.push_back("revoke");
        current.reset();
    }
    void handle_error(hakit::error_code ec) { log.push_back("error:" + ec.message()); }
};

static_assert(hakit::leader_contender<recording_contender>);
static_assert(!hakit::leader_contender<int>);

struct missing_error_handler
{
    void grant_leadership(session_id) {}
    void revoke_leadership() {}
};
static_assert(!hakit::leader_contender<missing_error_handler>);

}  // namespace

TEST_SUITE("in_memory_election")
{
    TEST_CASE("first process is granted; the second waits; a retriever sees only the confirmed leader")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        auto retriever = value_of(p.b.dispatcher_retriever());

        const auto term_a = run_coro(p.ioc, ea.async_campaign()).value();
        CHECK(ea.has_leadership(term_a));
        CHECK(p.cluster.leader() == p.a.backend().member());

        std::optional<hakit::result<session_id>> granted_b;
        auto campaign_b = [&]() -> asio::awaitable<void> {
            granted_b = co_await eb.async_campaign();
        };
        asio::co_spawn(p.ioc, campaign_b(), asio::detached);
        settle(p.ioc);
        CHECK_FALSE(granted_b);                 // b waits behind a
        CHECK(retriever.current().is_empty());  // granted, not confirmed: nothing published

        REQUIRE(run_coro(p.ioc, ea.async_confirm(term_a, "akka://a")));
        const auto seen = run_coro(p.ioc, retriever.async_next()).value();
        CHECK(seen == leader_information::known(term_a, "akka://a"));
    }

    TEST_CASE("graceful handoff: the leader resigns, the next is granted a new term, retrievers follow")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        auto retriever = value_of(p.a.dispatcher_retriever());

        const auto term_a = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term_a, "a")));
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "a");

        std::optional<session_id> term_b;
        auto campaign_b = [&]() -> asio::awaitable<void> {
            auto t = co_await eb.async_campaign();
            term_b = t.value();
            (void)co_await eb.async_confirm(*term_b, "b");
        };
        asio::co_spawn(p.ioc, campaign_b(), asio::detached);
        settle(p.ioc);
        CHECK_FALSE(term_b);

        REQUIRE(run_coro(p.ioc, ea.async_resign()));
        CHECK_FALSE(ea.has_leadership(term_a));
        // The resigned leader's info is deleted first, then the successor's appears.
        CHECK(run_coro(p.ioc, retriever.async_next()).value().is_empty());
        const auto next = run_coro(p.ioc, retriever.async_next()).value();
        REQUIRE(term_b);
        CHECK(*term_b != term_a);
        CHECK(next == leader_information::known(*term_b, "b"));
        CHECK(eb.has_leadership(*term_b));
        CHECK(
            p.cluster.contenders() == std::vector<hakit::in_memory_cluster::member_id>{p.b.backend().member()}
        );
    }

    TEST_CASE("a cancelled campaign leaves nothing behind")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        (void)run_coro(p.ioc, ea.async_campaign()).value();

        auto timeout = [&]() -> asio::awaitable<void> {
            asio::steady_timer t(p.ioc, std::chrono::milliseconds(1));
            co_await t.async_wait(asio::use_awaitable);
        };
        auto race = [&]() -> asio::awaitable<std::variant<hakit::result<session_id>, std::monostate>> {
            co_return co_await (eb.async_campaign() || timeout());
        };
        auto outcome = run_coro(p.ioc, race());
        CHECK(outcome.index() == 1);  // the timer won
        settle(p.ioc);
        CHECK(
            p.cluster.contenders() == std::vector<hakit::in_memory_cluster::member_id>{p.a.backend().member()}
        );

        // a resigns: nobody is left to take over.
        REQUIRE(run_coro(p.ioc, ea.async_resign()));
        settle(p.ioc);
        CHECK_FALSE(p.cluster.leader());
        CHECK(p.cluster.contenders().empty());
    }

    TEST_CASE("has_leadership turns false as soon as the backend revokes, before the revoke is delivered")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        const auto term = run_coro(p.ioc, ea.async_campaign()).value();
        p.cluster.hold_events(p.a.backend().member());
        p.cluster.revoke_leadership(p.a.backend().member());
        CHECK_FALSE(ea.has_leadership(term));

        bool revoked = false;
        auto wait_revoked = [&]() -> asio::awaitable<void> {
            (void)co_await ea.async_revoked(term);
            revoked = true;
        };
        asio::co_spawn(p.ioc, wait_revoked(), asio::detached);
        settle(p.ioc);
        CHECK_FALSE(revoked);  // held back
        p.cluster.release_events(p.a.backend().member());
        run_until(p.ioc, [&] { return revoked; });

        // a was alone: it rejoined and is granted a new term.
        const auto next = run_coro(p.ioc, ea.async_campaign()).value();
        CHECK(next != term);
        CHECK(ea.has_leadership(next));
    }

    TEST_CASE("stale confirmation after revoke changes nothing")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        const auto term_a = run_coro(p.ioc, ea.async_campaign()).value();
        std::optional<session_id> term_b;
        auto campaign_b = [&]() -> asio::awaitable<void> {
            term_b = (co_await eb.async_campaign()).value();
        };
        asio::co_spawn(p.ioc, campaign_b(), asio::detached);
        settle(p.ioc);

        p.cluster.revoke_leadership(p.a.backend().member());
        run_until(p.ioc, [&] { return term_b.has_value(); });
        CHECK(run_coro(p.ioc, ea.async_confirm(term_a, "stale")).error() == errc::not_leader);
        CHECK(p.cluster.published(component_id::dispatcher()).is_empty());
        REQUIRE(run_coro(p.ioc, eb.async_confirm(*term_b, "b")));
        CHECK(p.cluster.published(component_id::dispatcher()) == leader_information::known(*term_b, "b"));
        CHECK(eb.has_leadership(*term_b));
    }

    TEST_CASE("all components of a process share one term; a late joiner gets the current id")
    {
        two_processes p;
        auto dispatcher = value_of(p.a.dispatcher_election());
        auto rm = value_of(p.a.resource_manager_election());
        const auto t1 = run_coro(p.ioc, dispatcher.async_campaign()).value();
        const auto t2 = run_coro(p.ioc, rm.async_campaign()).value();
        CHECK(t1 == t2);
        const auto job = hakit::job_id::random();
        auto jm = value_of(p.a.job_manager_election(job));
        CHECK(run_coro(p.ioc, jm.async_campaign()).value() == t1);

        // One process's components are revoked together.
        p.cluster.revoke_leadership(p.a.backend().member());
        CHECK_FALSE(dispatcher.has_leadership(t1));
        CHECK_FALSE(rm.has_leadership(t1));
        CHECK_FALSE(jm.has_leadership(t1));
    }

    TEST_CASE("component id reuse: already_registered until the first election is closed")
    {
        two_processes p;
        auto first = value_of(p.a.dispatcher_election());
        CHECK(p.a.dispatcher_election().error() == errc::already_registered);
        CHECK(p.b.dispatcher_election());  // another process may
        first.close();
        CHECK(p.a.dispatcher_election());
    }

    TEST_CASE("closing a leading election revokes it and deletes its published info")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        const auto term = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term, "a")));
        CHECK(p.cluster.published(component_id::dispatcher()).is_known());
        ea.close();
        settle(p.ioc);
        CHECK(p.cluster.published(component_id::dispatcher()).is_empty());
        CHECK_FALSE(p.cluster.leader());
        CHECK(run_coro(p.ioc, ea.async_campaign()).error() == errc::closed);
    }

    TEST_CASE("self-healing: the leader restores deleted or overwritten info")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        const auto term = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term, "a")));
        const auto mine = leader_information::known(term, "a");

        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(session_id::random(), "evil")
        );
        run_until(p.ioc, [&] { return p.cluster.published(component_id::dispatcher()) == mine; });

        p.cluster.overwrite_leader_information(component_id::dispatcher(), leader_information::empty());
        run_until(p.ioc, [&] { return p.cluster.published(component_id::dispatcher()) == mine; });
    }

    TEST_CASE("session expiry: ephemeral info vanishes, retrievers see no leader, the next process takes over"
    )
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        auto retriever = value_of(p.b.dispatcher_retriever());
        const auto term_a = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term_a, "a")));
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "a");

        std::optional<session_id> term_b;
        auto campaign_b = [&]() -> asio::awaitable<void> {
            term_b = (co_await eb.async_campaign()).value();
            (void)co_await eb.async_confirm(*term_b, "b");
        };
        asio::co_spawn(p.ioc, campaign_b(), asio::detached);
        settle(p.ioc);

        p.cluster.expire_session(p.a.backend().member());
        CHECK_FALSE(ea.has_leadership(term_a));
        CHECK(run_coro(p.ioc, retriever.async_next()).value().is_empty());
        CHECK(run_coro(p.ioc, retriever.async_next()).value() == leader_information::known(*term_b, "b"));
        // a still contends: it rejoined behind b.
        CHECK(
            p.cluster.contenders() ==
            std::vector<hakit::in_memory_cluster::member_id>{p.b.backend().member(), p.a.backend().member()}
        );
        CHECK(run_coro(p.ioc, ea.async_revoked(term_a)));
    }

    TEST_CASE("a Flink-style contender: grant and revoke alternate, in order, never inline")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        recording_contender contender;
        std::optional<hakit::result<void>> ended;
        auto run = [&]() -> asio::awaitable<void> {
            ended = co_await ea.async_run_contender(contender);
        };
        asio::co_spawn(p.ioc, run(), asio::detached);
        run_until(p.ioc, [&] { return contender.current.has_value(); });
        const auto first = *contender.current;

        for (int i = 0; i < 5; ++i)
        {
            p.cluster.revoke_leadership(p.a.backend().member());
            CHECK(contender.log.back() == "grant");  // not called inline by the revoking call
            run_until(p.ioc, [&] {
                return contender.current && contender.log.size() == std::size_t(2 * i + 3);
            });
        }
        CHECK(*contender.current != first);
        for (std::size_t i = 0; i < contender.log.size(); ++i)
            CHECK(contender.log[i] == (i % 2 == 0 ? "grant" : "revoke"));

        p.cluster.inject_retrieval_error(
            component_id::dispatcher(), errc::corrupted_data
        );  // no retriever: nothing
        ea.close();
        run_until(p.ioc, [&] { return ended.has_value(); });
        CHECK(ended->error() == errc::closed);
        CHECK(contender.log.back() == "revoke");
    }

    TEST_CASE("exactly one of two job manager contenders for a job is granted")
    {
        two_processes p;
        const auto job = hakit::job_id::random();
        auto ja = value_of(p.a.job_manager_election(job));
        auto jb = value_of(p.b.job_manager_election(job));
        std::optional<session_id> ta, tb;
        auto ca = [&]() -> asio::awaitable<void> {
            ta = (co_await ja.async_campaign()).value();
        };
        auto cb = [&]() -> asio::awaitable<void> {
            tb = (co_await jb.async_campaign()).value();
        };
        asio::co_spawn(p.ioc, ca(), asio::detached);
        asio::co_spawn(p.ioc, cb(), asio::detached);
        run_until(p.ioc, [&] { return ta.has_value() || tb.has_value(); });
        settle(p.ioc);
        CHECK(ta.has_value() != tb.has_value());
    }

    TEST_CASE("close: elections revoked, retrievers stopped, getters refuse; another process takes over")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        auto eb = value_of(p.b.dispatcher_election());
        auto ra = value_of(p.a.dispatcher_retriever());
        const auto term = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term, "a")));

        std::optional<session_id> term_b;
        auto campaign_b = [&]() -> asio::awaitable<void> {
            term_b = (co_await eb.async_campaign()).value();
        };
        asio::co_spawn(p.ioc, campaign_b(), asio::detached);

        REQUIRE(run_coro(p.ioc, p.a.async_close()));
        CHECK(p.a.is_closed());
        CHECK_FALSE(ea.has_leadership(term));
        CHECK(p.a.dispatcher_election().error() == errc::closed);
        CHECK(p.a.rest_server_retriever().error() == errc::closed);
        CHECK(p.a.job_graph_store().error() == errc::closed);
        CHECK(p.a.job_result_store().error() == errc::closed);
        CHECK(p.a.blob_store().error() == errc::closed);
        CHECK(p.a.completed_checkpoint_store(hakit::job_id(), 1).error() == errc::closed);
        CHECK(p.a.checkpoint_id_counter(hakit::job_id()).error() == errc::closed);
        CHECK(run_coro(p.ioc, ra.async_next()).error() == errc::closed);
        CHECK(run_coro(p.ioc, ea.async_campaign()).error() == errc::closed);
        run_until(p.ioc, [&] { return term_b.has_value(); });
        CHECK(eb.has_leadership(*term_b));
        CHECK(run_coro(p.ioc, p.a.async_close()));  // idempotent
    }

    TEST_CASE("concurrent revoke and close leave the cluster consistent")
    {
        two_processes p;
        auto ea = value_of(p.a.dispatcher_election());
        (void)run_coro(p.ioc, ea.async_campaign()).value();
        p.cluster.revoke_leadership(p.a.backend().member());
        auto closing = p.a.async_close();
        REQUIRE(run_coro(p.ioc, std::move(closing)));
        settle(p.ioc);
        CHECK_FALSE(p.cluster.leader());
        CHECK(p.cluster.contenders().empty());

        auto eb = value_of(p.b.dispatcher_election());
        CHECK(run_coro(p.ioc, eb.async_campaign()));
    }
}

TEST_SUITE("in_memory_retrieval")
{
    TEST_CASE("async_leader waits for the first confirmed leader; de-duplication; no leader is a value")
    {
        two_processes p;
        auto retriever = value_of(p.b.dispatcher_retriever());
        std::optional<leader_information> first;
        auto wait_leader = [&]() -> asio::awaitable<void> {
            first = (co_await retriever.async_leader()).value();
        };
        asio::co_spawn(p.ioc, wait_leader(), asio::detached);
        settle(p.ioc);
        CHECK_FALSE(first);

        const auto id = session_id::random();
        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(id, "x")
        );
        run_until(p.ioc, [&] { return first.has_value(); });
        CHECK(*first == leader_information::known(id, "x"));

        // The same information again is not a change; a different one is; "no leader" is reported.
        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(id, "x")
        );
        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(id, "y")
        );
        p.cluster.overwrite_leader_information(component_id::dispatcher(), leader_information::empty());
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "x");
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "y");
        CHECK(run_coro(p.ioc, retriever.async_next()).value().is_empty());
    }

    TEST_CASE("errors are delivered in order; nothing after stop")
    {
        two_processes p;
        auto retriever = value_of(p.b.dispatcher_retriever());
        p.cluster.inject_retrieval_error(component_id::dispatcher(), errc::corrupted_data);
        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(session_id::random(), "x")
        );
        CHECK(run_coro(p.ioc, retriever.async_next()).error() == errc::corrupted_data);
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "x");
        retriever.stop();
        p.cluster.inject_retrieval_error(component_id::dispatcher(), errc::corrupted_data);
        CHECK(run_coro(p.ioc, retriever.async_next()).error() == errc::closed);
    }

    TEST_CASE("a retriever started while a leader is known reports it first")
    {
        two_processes p;
        auto ea = value_of(p.a.rest_server_election());
        const auto term = run_coro(p.ioc, ea.async_campaign()).value();
        REQUIRE(run_coro(p.ioc, ea.async_confirm(term, "http://a")));
        auto retriever = value_of(p.b.rest_server_retriever());
        CHECK(
            run_coro(p.ioc, retriever.async_leader()).value() == leader_information::known(term, "http://a")
        );
        CHECK(run_coro(p.ioc, retriever.async_next()).value() == leader_information::known(term, "http://a"));
    }

    TEST_CASE("a cancelled async_next can be retried")
    {
        two_processes p;
        auto retriever = value_of(p.b.dispatcher_retriever());
        auto timeout = [&]() -> asio::awaitable<void> {
            asio::steady_timer t(p.ioc, std::chrono::milliseconds(1));
            co_await t.async_wait(asio::use_awaitable);
        };
        auto race = [&]() -> asio::awaitable<std::size_t> {
            co_return (co_await (retriever.async_next() || timeout())).index();
        };
        CHECK(run_coro(p.ioc, race()) == 1);
        p.cluster.overwrite_leader_information(
            component_id::dispatcher(), leader_information::known(session_id::random(), "z")
        );
        CHECK(run_coro(p.ioc, retriever.async_next()).value().address() == "z");
    }
}
