// ha_services lifecycle on the in-memory backend: close keeps data, close_and_cleanup_all_data and
// global_cleanup remove it; another process recovers what the first stored; store fault injection.
#include <hakit/backend/in_memory.hpp>
#include <hakit/backend/standalone.hpp>
#include <hakit/concepts.hpp>
#include <hakit/spawn.hpp>

#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/in_memory_fixture.hpp"
#include "common/run_coro.hpp"

using namespace hakit_test;
using hakit::errc;

namespace {

// A backend missing one part of the concept is rejected.
struct not_a_backend
{};
struct backend_without_stores
{
    struct connection
    {
        boost::asio::awaitable<hakit::result<void>>
        async_start_election(hakit::detail::election_event_queue*);
        boost::asio::awaitable<hakit::result<void>> async_stop_election();
        bool holds_term(hakit::session_id) const noexcept;
        boost::asio::awaitable<hakit::result<void>> async_publish(std::vector<hakit::detail::publication>);
        std::uint64_t
        start_retrieval(const hakit::component_id&, std::optional<std::string>, hakit::detail::retrieval_channel*);
        void stop_retrieval(std::uint64_t);
    };
};

static_assert(hakit::backend<hakit::in_memory_backend>);
static_assert(hakit::backend<hakit::standalone_backend>);
static_assert(!hakit::backend<not_a_backend>);
static_assert(!hakit::backend<int>);
static_assert(hakit::election_driver<backend_without_stores::connection>);
static_assert(hakit::retrieval_driver<backend_without_stores::connection>);
static_assert(!hakit::backend<backend_without_stores>);

hakit::job_graph graph(const hakit::job_id& id)
{
    return hakit::job_graph{id, "wordcount", "serialized graph"};
}

}  // namespace

TEST_SUITE("ha_services")
{
    TEST_CASE("a job graph and checkpoints stored by one process are recovered by the next after it dies")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        const auto job = hakit::job_id::random();
        {
            in_memory_services first(ioc.get_executor(), cluster, "first");
            auto graphs = value_of(first.job_graph_store());
            REQUIRE(run_coro(ioc, graphs.async_put(graph(job))));
            auto checkpoints = value_of(first.completed_checkpoint_store(job, 2));
            for (std::int64_t id = 1; id <= 3; ++id)
                REQUIRE(run_coro(ioc, checkpoints.async_add(hakit::completed_checkpoint{job, id, "state"})));
            auto counter = value_of(first.checkpoint_id_counter(job));
            CHECK(run_coro(ioc, counter.async_get_and_increment()).value() == 1);
        }  // the process dies without closing

        in_memory_services second(ioc.get_executor(), cluster, "second");
        auto graphs = value_of(second.job_graph_store());
        auto recovered = run_coro(ioc, graphs.async_recover(job)).value();
        REQUIRE(recovered);
        CHECK(*recovered == graph(job));
        auto checkpoints = value_of(second.completed_checkpoint_store(job, 2));
        auto all = run_coro(ioc, checkpoints.async_all()).value();
        REQUIRE(all.size() == 2);
        CHECK(all[0].id == 2);
        CHECK(all[1].id == 3);
        auto counter = value_of(second.checkpoint_id_counter(job));
        CHECK(run_coro(ioc, counter.async_get()).value() == 2);
    }

    TEST_CASE("close keeps the data; close_and_cleanup_all_data deletes it")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        const auto job = hakit::job_id::random();
        {
            in_memory_services a(ioc.get_executor(), cluster, "a");
            auto graphs = value_of(a.job_graph_store());
            REQUIRE(run_coro(ioc, graphs.async_put(graph(job))));
            REQUIRE(run_coro(ioc, a.async_close()));
        }
        in_memory_services b(ioc.get_executor(), cluster, "b");
        auto graphs = value_of(b.job_graph_store());
        CHECK(run_coro(ioc, graphs.async_job_ids()).value() == std::vector<hakit::job_id>{job});
        REQUIRE(run_coro(ioc, b.async_close_and_cleanup_all_data()));
        CHECK(b.is_closed());

        in_memory_services c(ioc.get_executor(), cluster, "c");
        auto after = value_of(c.job_graph_store());
        CHECK(run_coro(ioc, after.async_job_ids()).value().empty());
    }

    TEST_CASE("global_cleanup removes one job's data and leaves the others")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        in_memory_services ha(ioc.get_executor(), cluster, "a");
        const auto gone = hakit::job_id::random();
        const auto kept = hakit::job_id::random();
        auto graphs = value_of(ha.job_graph_store());
        for (const auto& job : {gone, kept})
        {
            REQUIRE(run_coro(ioc, graphs.async_put(graph(job))));
            auto checkpoints = value_of(ha.completed_checkpoint_store(job, 1));
            REQUIRE(run_coro(ioc, checkpoints.async_add(hakit::completed_checkpoint{job, 7, "s"})));
            auto counter = value_of(ha.checkpoint_id_counter(job));
            REQUIRE(run_coro(ioc, counter.async_get_and_increment()));
        }
        REQUIRE(run_coro(ioc, ha.async_global_cleanup(gone)));
        CHECK(run_coro(ioc, graphs.async_job_ids()).value() == std::vector<hakit::job_id>{kept});
        auto gone_checkpoints = value_of(ha.completed_checkpoint_store(gone, 1));
        CHECK(run_coro(ioc, gone_checkpoints.async_all()).value().empty());
        auto gone_counter = value_of(ha.checkpoint_id_counter(gone));
        CHECK(run_coro(ioc, gone_counter.async_get()).value() == 1);
        auto kept_checkpoints = value_of(ha.completed_checkpoint_store(kept, 1));
        CHECK(run_coro(ioc, kept_checkpoints.async_all()).value().size() == 1);
    }

    TEST_CASE("store fault injection: the next N operations fail and change nothing")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        in_memory_services ha(ioc.get_executor(), cluster, "a");
        const auto job = hakit::job_id::random();
        auto counter = value_of(ha.checkpoint_id_counter(job));
        cluster.fail_next_store_operations(ha.backend().member(), 2);
        CHECK(run_coro(ioc, counter.async_get_and_increment()).error() == errc::injected_fault);
        CHECK(run_coro(ioc, counter.async_get_and_increment()).error() == errc::injected_fault);
        CHECK(run_coro(ioc, counter.async_get_and_increment()).value() == 1);
    }

    TEST_CASE("checkpoint store needs max_retained >= 1")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        in_memory_services ha(ioc.get_executor(), cluster, "a");
        CHECK(ha.completed_checkpoint_store(hakit::job_id(), 0).error() == errc::invalid_argument);
    }

    TEST_CASE("co_spawn_result hands a result<T> to a plain callback")
    {
        boost::asio::io_context ioc;
        hakit::in_memory_cluster cluster;
        in_memory_services ha(ioc.get_executor(), cluster, "a");
        auto election = value_of(ha.dispatcher_election());
        std::optional<hakit::result<hakit::session_id>> got;
        hakit::co_spawn_result(
            ioc.get_executor(),
            election.async_campaign(),
            [&](hakit::result<hakit::session_id> r) { got.emplace(std::move(r)); }
        );
        run_until(ioc, [&] { return got.has_value(); });
        REQUIRE(*got);
        CHECK(election.has_leadership(got->value()));
    }
}
