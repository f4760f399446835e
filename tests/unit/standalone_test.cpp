// The standalone backend (Flink's StandaloneHaServices, flink-ha.md §1.4, §6.3): fixed leaders,
// the nil session id, immediate grant, non-persistent stores.
#include <hakit/backend/standalone.hpp>

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/in_memory_fixture.hpp"
#include "common/run_coro.hpp"

using namespace hakit_test;
using hakit::errc;
using hakit::leader_information;
using hakit::session_id;

namespace {

struct standalone
{
    boost::asio::io_context ioc;
    hakit::standalone_ha_services ha{
        ioc.get_executor(),
        hakit::standalone_addresses{
            "pekko.tcp://flink@h:6123/user/rpc/resourcemanager_*",
            "pekko.tcp://flink@h:6123/user/rpc/dispatcher_*",
            "http://h:8081"}};
};

}  // namespace

TEST_SUITE("standalone")
{
    TEST_CASE("election is granted at once with the nil id; the retriever agrees on (address, id)")
    {
        standalone s;
        auto election = value_of(s.ha.dispatcher_election());
        const auto term = run_coro(s.ioc, election.async_campaign()).value();
        CHECK(term == session_id::nil());
        CHECK(election.has_leadership(session_id::nil()));
        CHECK_FALSE(election.has_leadership(session_id::random()));
        REQUIRE(run_coro(s.ioc, election.async_confirm(term, "ignored: the address is fixed")));

        auto retriever = value_of(s.ha.dispatcher_retriever());
        CHECK(
            run_coro(s.ioc, retriever.async_leader()).value() ==
            leader_information::known(session_id::nil(), "pekko.tcp://flink@h:6123/user/rpc/dispatcher_*")
        );
        auto rm = value_of(s.ha.resource_manager_retriever());
        CHECK(
            run_coro(s.ioc, rm.async_next()).value().address() ==
            "pekko.tcp://flink@h:6123/user/rpc/resourcemanager_*"
        );
        auto rest = value_of(s.ha.rest_server_retriever());
        CHECK(run_coro(s.ioc, rest.async_next()).value().address() == "http://h:8081");
    }

    TEST_CASE("leadership holds only with a registered contender; close revokes")
    {
        standalone s;
        auto election = value_of(s.ha.rest_server_election());
        CHECK_FALSE(election.has_leadership(session_id::nil()));  // not started yet
        (void)run_coro(s.ioc, election.async_campaign()).value();
        CHECK(election.has_leadership(session_id::nil()));
        REQUIRE(run_coro(s.ioc, election.async_resign()));
        CHECK_FALSE(election.has_leadership(session_id::nil()));
        CHECK(run_coro(s.ioc, election.async_revoked(session_id::nil())));
        election.close();
        CHECK_FALSE(election.has_leadership(session_id::nil()));
    }

    TEST_CASE("a second contender for the same component is refused")
    {
        standalone s;
        auto first = value_of(s.ha.dispatcher_election());
        CHECK(s.ha.dispatcher_election().error() == errc::already_registered);
    }

    TEST_CASE("job manager retriever reports the caller's default address; without one it is an error")
    {
        standalone s;
        const auto job = hakit::job_id::random();
        auto with_default =
            value_of(s.ha.job_manager_retriever(job, "pekko.tcp://flink@jm:6123/user/rpc/jobmanager_1"));
        CHECK(
            run_coro(s.ioc, with_default.async_next()).value() ==
            leader_information::known(session_id::nil(), "pekko.tcp://flink@jm:6123/user/rpc/jobmanager_1")
        );
        auto without = value_of(s.ha.job_manager_retriever(job));
        CHECK(run_coro(s.ioc, without.async_next()).error() == errc::not_supported);
    }

    TEST_CASE("stores: job graphs are not persisted, checkpoints and job results live in the process")
    {
        standalone s;
        const auto job = hakit::job_id::random();
        auto graphs = value_of(s.ha.job_graph_store());
        REQUIRE(run_coro(s.ioc, graphs.async_put(hakit::job_graph{job, "job", "payload"})));
        CHECK_FALSE(run_coro(s.ioc, graphs.async_recover(job)).value());
        CHECK(run_coro(s.ioc, graphs.async_job_ids()).value().empty());

        auto counter = value_of(s.ha.checkpoint_id_counter(job));
        CHECK(run_coro(s.ioc, counter.async_get_and_increment()).value() == 1);
        auto same_counter = value_of(s.ha.checkpoint_id_counter(job));
        CHECK(run_coro(s.ioc, same_counter.async_get_and_increment()).value() == 2);

        auto results = value_of(s.ha.job_result_store());
        hakit::job_result r{};
        r.id = job;
        r.status = hakit::application_status::succeeded;
        REQUIRE(run_coro(s.ioc, results.async_create_dirty(r)));
        auto same_results = value_of(s.ha.job_result_store());
        CHECK(run_coro(s.ioc, same_results.async_has_dirty_entry(job)).value());

        REQUIRE(run_coro(s.ioc, s.ha.async_global_cleanup(job)));
        auto fresh_counter = value_of(s.ha.checkpoint_id_counter(job));
        CHECK(run_coro(s.ioc, fresh_counter.async_get()).value() == 1);
    }

    TEST_CASE("close: everything refuses with errc::closed")
    {
        standalone s;
        auto election = value_of(s.ha.dispatcher_election());
        auto counter = value_of(s.ha.checkpoint_id_counter(hakit::job_id()));
        REQUIRE(run_coro(s.ioc, s.ha.async_close()));
        CHECK(s.ha.dispatcher_retriever().error() == errc::closed);
        CHECK(s.ha.resource_manager_election().error() == errc::closed);
        CHECK(run_coro(s.ioc, election.async_campaign()).error() == errc::closed);
        CHECK(run_coro(s.ioc, counter.async_get()).error() == errc::closed);
    }
}
