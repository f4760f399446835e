// Tests of the HA metadata stores (flink-ha.md §4, §6.9): value types, concepts, and the
// in-memory and standalone job graph stores, checkpoint stores, checkpoint-id counters and job
// result stores. Blob stores are in stores_blob_test.cpp.
#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/backend/standalone_stores.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/stores/job_status.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/run_coro.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace asio = boost::asio;
using hakit::errc;
using hakit::job_id;

constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

/// One simulated process of an in-memory cluster: its store context plus the knobs behind it.
struct member
{
    std::shared_ptr<hakit::detail::in_memory_store_faults> faults =
        std::make_shared<hakit::detail::in_memory_store_faults>();
    std::shared_ptr<bool> closed = std::make_shared<bool>(false);
    hakit::detail::in_memory_store_context ctx;
};

/// The shared store data of one in-memory cluster and its members.
struct cluster
{
    std::shared_ptr<hakit::detail::in_memory_store_data> data =
        std::make_shared<hakit::detail::in_memory_store_data>();

    member join(std::uint64_t owner) const
    {
        member m;
        m.ctx = hakit::detail::in_memory_store_context{data, owner, m.faults, m.closed};
        return m;
    }
};

struct fixture
{
    asio::io_context ioc;

    template <class T>
    T run(asio::awaitable<T> op)
    {
        return hakit_test::run_coro(ioc, std::move(op), std::chrono::seconds(10));
    }
};

hakit::job_graph make_graph(job_id id, std::string payload)
{
    return hakit::job_graph{id, "job " + id.to_string().substr(0, 4), std::move(payload)};
}

hakit::completed_checkpoint make_checkpoint(job_id job, std::int64_t id)
{
    return hakit::completed_checkpoint{job, id, "state-" + std::to_string(id)};
}

std::vector<std::int64_t> ids_of(const std::vector<hakit::completed_checkpoint>& checkpoints)
{
    std::vector<std::int64_t> ids;
    for (const auto& c : checkpoints)
        ids.push_back(c.id);
    return ids;
}

hakit::job_result make_result(
    job_id id, hakit::application_status status = hakit::application_status::succeeded
)
{
    hakit::job_result r;
    r.id = id;
    r.status = status;
    r.net_runtime = std::chrono::milliseconds(1234);
    r.accumulator_results = {{"records", "AAAB"}};
    if (status == hakit::application_status::failed)
        r.failure_cause = "java.lang.RuntimeException: boom";
    return r;
}

const job_id job_a = job_id::from_parts(0xa, 1);
const job_id job_b = job_id::from_parts(0xb, 2);
const job_id job_c = job_id::from_parts(0xc, 3);

// ---- concept checks ----------------------------------------------------------------------------

template <class T>
using aw = asio::awaitable<hakit::result<T>>;

/// Has every job_graph_store member but async_release_all.
struct job_graph_store_missing_release_all
{
    aw<void> async_put(hakit::job_graph);
    aw<std::optional<hakit::job_graph>> async_recover(job_id);
    aw<std::vector<job_id>> async_job_ids();
    aw<void> async_global_cleanup(job_id);
    aw<void> async_local_cleanup(job_id);
};

/// Complete, but async_put is synchronous.
struct job_graph_store_sync_put
{
    hakit::result<void> async_put(hakit::job_graph);
    aw<std::optional<hakit::job_graph>> async_recover(job_id);
    aw<std::vector<job_id>> async_job_ids();
    aw<void> async_global_cleanup(job_id);
    aw<void> async_local_cleanup(job_id);
    aw<void> async_release_all();
};

/// Complete and correct, to show the two above fail for the reason they claim.
struct job_graph_store_complete
{
    aw<void> async_put(hakit::job_graph);
    aw<std::optional<hakit::job_graph>> async_recover(job_id);
    aw<std::vector<job_id>> async_job_ids();
    aw<void> async_global_cleanup(job_id);
    aw<void> async_local_cleanup(job_id);
    aw<void> async_release_all();
};

/// A counter whose get returns a 32-bit value.
struct counter_wrong_type
{
    aw<std::int64_t> async_get_and_increment();
    aw<std::int32_t> async_get();
    aw<void> async_set_count(std::int64_t);
    aw<void> async_shutdown(hakit::job_status);
};

/// A checkpoint store whose max_retained is not callable on a const object.
struct checkpoint_store_mutable_max
{
    aw<std::vector<hakit::completed_checkpoint>> async_add(hakit::completed_checkpoint);
    aw<std::vector<hakit::completed_checkpoint>> async_all();
    aw<std::optional<hakit::completed_checkpoint>> async_latest();
    std::size_t max_retained();
    aw<void> async_shutdown(hakit::job_status);
};

/// A job result store that is move-only (stores must be copyable handles).
struct job_result_store_move_only
{
    job_result_store_move_only(job_result_store_move_only&&) = default;
    job_result_store_move_only& operator=(job_result_store_move_only&&) = default;
    aw<void> async_create_dirty(hakit::job_result);
    aw<void> async_mark_clean(job_id);
    aw<bool> async_has_entry(job_id);
    aw<bool> async_has_dirty_entry(job_id);
    aw<bool> async_has_clean_entry(job_id);
    aw<std::vector<hakit::job_result>> async_dirty_results();
};

static_assert(hakit::job_graph_store<job_graph_store_complete>);
static_assert(!hakit::job_graph_store<int>);
static_assert(!hakit::job_graph_store<job_graph_store_missing_release_all>);
static_assert(!hakit::job_graph_store<job_graph_store_sync_put>);
static_assert(!hakit::completed_checkpoint_store<int>);
static_assert(!hakit::completed_checkpoint_store<checkpoint_store_mutable_max>);
static_assert(!hakit::checkpoint_id_counter<int>);
static_assert(!hakit::checkpoint_id_counter<counter_wrong_type>);
static_assert(!hakit::job_result_store<int>);
static_assert(!hakit::job_result_store<job_result_store_move_only>);
static_assert(!hakit::blob_store<int>);
// Each store models its own concept only.
static_assert(!hakit::job_result_store<hakit::in_memory_job_graph_store>);
static_assert(!hakit::job_graph_store<hakit::in_memory_job_result_store>);

static_assert(hakit::job_graph_store<hakit::in_memory_job_graph_store>);
static_assert(hakit::completed_checkpoint_store<hakit::in_memory_completed_checkpoint_store>);
static_assert(hakit::checkpoint_id_counter<hakit::in_memory_checkpoint_id_counter>);
static_assert(hakit::job_result_store<hakit::in_memory_job_result_store>);
static_assert(hakit::job_graph_store<hakit::standalone_job_graph_store>);
static_assert(hakit::completed_checkpoint_store<hakit::standalone_completed_checkpoint_store>);
static_assert(hakit::checkpoint_id_counter<hakit::standalone_checkpoint_id_counter>);
static_assert(hakit::job_result_store<hakit::standalone_job_result_store>);

// ---- job result store contract, run against every implementation --------------------------------

struct in_memory_jrs_factory
{
    static hakit::in_memory_job_result_store make()
    {
        return hakit::in_memory_job_result_store(cluster().join(1).ctx);
    }
};

struct standalone_jrs_factory
{
    static hakit::standalone_job_result_store make() { return hakit::standalone_job_result_store(); }
};

/// Increments a counter `n` times, yielding to the other workers after each increment.
asio::awaitable<void> increment_worker(
    hakit::in_memory_checkpoint_id_counter counter,
    int n,
    std::vector<std::int64_t>* values,
    std::vector<int>* order,
    int worker
)
{
    for (int i = 0; i < n; ++i)
    {
        auto r = co_await counter.async_get_and_increment();
        if (!r)
            throw std::runtime_error("get_and_increment failed: " + r.error().message());
        values->push_back(r.value());
        order->push_back(worker);
        auto ex = co_await asio::this_coro::executor;
        co_await asio::post(ex, asio::use_awaitable);
    }
}

/// Runs all `coros` concurrently on `ioc` until every one finished (deadline, not sleep).
void run_concurrently(asio::io_context& ioc, std::vector<asio::awaitable<void>> coros)
{
    std::size_t done = 0;
    std::exception_ptr first_error;
    const auto n = coros.size();
    for (auto& c : coros)
        asio::co_spawn(ioc, std::move(c), [&](std::exception_ptr e) {
            if (e && !first_error)
                first_error = e;
            ++done;
        });
    ioc.restart();
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (done < n && std::chrono::steady_clock::now() < until)
        if (ioc.run_one_until(until) == 0)
            break;
    if (first_error)
        std::rethrow_exception(first_error);
    REQUIRE(done == n);
}

}  // namespace

TEST_SUITE("stores")
{
    // ---- value types ---------------------------------------------------------------------------

    TEST_CASE("job_status: globally terminal states and Flink names")
    {
        using hakit::job_status;
        const std::vector<job_status> all = {
            job_status::initializing,
            job_status::created,
            job_status::running,
            job_status::failing,
            job_status::failed,
            job_status::cancelling,
            job_status::canceled,
            job_status::finished,
            job_status::restarting,
            job_status::suspended,
            job_status::reconciling,
        };
        std::vector<job_status> globally_terminal;
        for (const auto s : all)
        {
            if (hakit::is_globally_terminal(s))
                globally_terminal.push_back(s);
            auto parsed = hakit::parse_job_status(hakit::to_string(s));
            REQUIRE(parsed);
            CHECK(parsed.value() == s);
        }
        CHECK(
            globally_terminal ==
            std::vector<job_status>{job_status::failed, job_status::canceled, job_status::finished}
        );
        CHECK(hakit::is_terminal(job_status::suspended));
        CHECK_FALSE(hakit::is_globally_terminal(job_status::suspended));
        CHECK_FALSE(hakit::is_terminal(job_status::failing));
        CHECK(hakit::to_string(job_status::canceled) == "CANCELED");
        CHECK(hakit::to_string(job_status::initializing) == "INITIALIZING");
        CHECK(hakit::parse_job_status("running").error() == errc::invalid_argument);
        CHECK(hakit::parse_job_status("").error() == errc::invalid_argument);
    }

    TEST_CASE("job_result: application status names, mapping and equality")
    {
        using hakit::application_status;
        CHECK(hakit::to_string(application_status::succeeded) == "SUCCEEDED");
        CHECK(hakit::to_string(application_status::failed) == "FAILED");
        CHECK(hakit::to_string(application_status::canceled) == "CANCELED");
        CHECK(hakit::to_string(application_status::unknown) == "UNKNOWN");
        CHECK(hakit::parse_application_status("CANCELED").value() == application_status::canceled);
        CHECK(hakit::parse_application_status("Succeeded").error() == errc::invalid_argument);
        CHECK(hakit::application_status_from(hakit::job_status::finished) == application_status::succeeded);
        CHECK(hakit::application_status_from(hakit::job_status::failed) == application_status::failed);
        CHECK(hakit::application_status_from(hakit::job_status::canceled) == application_status::canceled);
        CHECK(hakit::application_status_from(hakit::job_status::suspended) == application_status::unknown);

        const auto r = make_result(job_a, application_status::failed);
        auto other = r;
        CHECK(other == r);
        other.accumulator_results["x"] = "y";
        CHECK(other != r);
        other = r;
        other.failure_cause.reset();
        CHECK(other != r);
        CHECK(make_graph(job_a, "p") == make_graph(job_a, "p"));
        CHECK(make_graph(job_a, "p") != make_graph(job_a, "q"));
    }

    // ---- job result store contract (JobResultStoreContractTest) --------------------------------

    TEST_CASE_TEMPLATE("job result store contract", factory, in_memory_jrs_factory, standalone_jrs_factory)
    {
        fixture f;
        auto store = factory::make();
        const auto dirty = make_result(job_a);

        SUBCASE("duplicate dirty entry is refused")
        {
            REQUIRE(f.run(store.async_create_dirty(dirty)));
            const auto again = make_result(job_a, hakit::application_status::failed);
            CHECK(f.run(store.async_create_dirty(again)).error() == errc::already_exists);
            auto results = f.run(store.async_dirty_results());
            REQUIRE(results);
            REQUIRE(results.value().size() == 1);
            CHECK(results.value()[0] == dirty);
        }
        SUBCASE("dirty entry after clean entry is refused")
        {
            REQUIRE(f.run(store.async_create_dirty(dirty)));
            REQUIRE(f.run(store.async_mark_clean(job_a)));
            CHECK(f.run(store.async_create_dirty(dirty)).error() == errc::already_exists);
            CHECK(f.run(store.async_has_clean_entry(job_a)).value());
            CHECK_FALSE(f.run(store.async_has_dirty_entry(job_a)).value());
        }
        SUBCASE("marking clean twice succeeds")
        {
            REQUIRE(f.run(store.async_create_dirty(dirty)));
            CHECK(f.run(store.async_mark_clean(job_a)));
            CHECK(f.run(store.async_mark_clean(job_a)));
            CHECK(f.run(store.async_has_clean_entry(job_a)).value());
        }
        SUBCASE("marking an unknown job clean is not_found")
        {
            CHECK(f.run(store.async_mark_clean(job_b)).error() == errc::not_found);
            CHECK_FALSE(f.run(store.async_has_entry(job_b)).value());
        }
        SUBCASE("has_* truth table")
        {
            // empty
            CHECK_FALSE(f.run(store.async_has_entry(job_a)).value());
            CHECK_FALSE(f.run(store.async_has_dirty_entry(job_a)).value());
            CHECK_FALSE(f.run(store.async_has_clean_entry(job_a)).value());
            // dirty
            REQUIRE(f.run(store.async_create_dirty(dirty)));
            CHECK(f.run(store.async_has_entry(job_a)).value());
            CHECK(f.run(store.async_has_dirty_entry(job_a)).value());
            CHECK_FALSE(f.run(store.async_has_clean_entry(job_a)).value());
            // clean
            REQUIRE(f.run(store.async_mark_clean(job_a)));
            CHECK(f.run(store.async_has_entry(job_a)).value());
            CHECK_FALSE(f.run(store.async_has_dirty_entry(job_a)).value());
            CHECK(f.run(store.async_has_clean_entry(job_a)).value());
            // other jobs unaffected
            CHECK_FALSE(f.run(store.async_has_entry(job_b)).value());
        }
        SUBCASE("dirty results: empty, one, only dirty ones")
        {
            auto none = f.run(store.async_dirty_results());
            REQUIRE(none);
            CHECK(none.value().empty());

            REQUIRE(f.run(store.async_create_dirty(dirty)));
            auto one = f.run(store.async_dirty_results());
            REQUIRE(one);
            REQUIRE(one.value().size() == 1);
            CHECK(one.value()[0] == dirty);

            const auto second = make_result(job_b, hakit::application_status::canceled);
            REQUIRE(f.run(store.async_create_dirty(second)));
            REQUIRE(f.run(store.async_mark_clean(job_a)));
            auto only_dirty = f.run(store.async_dirty_results());
            REQUIRE(only_dirty);
            REQUIRE(only_dirty.value().size() == 1);
            CHECK(only_dirty.value()[0] == second);
        }
        SUBCASE("copies of a store handle are the same store")
        {
            auto copy = store;
            REQUIRE(f.run(copy.async_create_dirty(dirty)));
            CHECK(f.run(store.async_has_dirty_entry(job_a)).value());
        }
    }

    TEST_CASE("in-memory job result store is shared by the members of a cluster")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_result_store a(c.join(1).ctx);
        hakit::in_memory_job_result_store b(c.join(2).ctx);
        const auto r = make_result(job_a);
        REQUIRE(f.run(a.async_create_dirty(r)));
        CHECK(f.run(b.async_has_dirty_entry(job_a)).value());
        CHECK(f.run(b.async_create_dirty(r)).error() == errc::already_exists);
        REQUIRE(f.run(b.async_mark_clean(job_a)));
        CHECK(f.run(a.async_has_clean_entry(job_a)).value());
        // A standalone (embedded) store shares nothing with anyone.
        hakit::standalone_job_result_store s1;
        hakit::standalone_job_result_store s2;
        REQUIRE(f.run(s1.async_create_dirty(r)));
        CHECK_FALSE(f.run(s2.async_has_entry(job_a)).value());
    }

    // ---- job graph store ----------------------------------------------------------------------

    TEST_CASE("job graph store: recover existing and missing graphs")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_graph_store a(c.join(1).ctx);
        hakit::in_memory_job_graph_store b(c.join(2).ctx);
        const auto g = make_graph(job_a, "graph-bytes");
        REQUIRE(f.run(a.async_put(g)));
        CHECK(c.data->job_graph_locked_by(job_a, 1));

        auto recovered = f.run(b.async_recover(job_a));
        REQUIRE(recovered);
        REQUIRE(recovered.value().has_value());
        CHECK(*recovered.value() == g);
        CHECK(c.data->job_graph_locked_by(job_a, 2));
        CHECK(c.data->job_graph_lock_count(job_a) == 2);

        auto missing = f.run(b.async_recover(job_b));
        REQUIRE(missing);
        CHECK_FALSE(missing.value().has_value());
        CHECK_FALSE(c.data->has_job_graph(job_b));
    }

    TEST_CASE("job graph store: put adds, replaces own, refuses a foreign existing graph")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_graph_store a(c.join(1).ctx);
        hakit::in_memory_job_graph_store b(c.join(2).ctx);
        const auto v1 = make_graph(job_a, "v1");
        const auto v2 = make_graph(job_a, "v2");
        const auto v3 = make_graph(job_a, "v3");

        REQUIRE(f.run(a.async_put(v1)));
        REQUIRE(f.run(a.async_put(v2)));                                // A added it: replace
        CHECK(f.run(b.async_put(v3)).error() == errc::already_exists);  // unknown to B
        CHECK_FALSE(c.data->job_graph_locked_by(job_a, 2));

        auto seen = f.run(b.async_recover(job_a));  // now B knows it too
        REQUIRE(seen);
        CHECK(*seen.value() == v2);
        REQUIRE(f.run(b.async_put(v3)));  // recovered by B: replace
        CHECK(*f.run(a.async_recover(job_a)).value() == v3);

        // After releasing its lock, A no longer knows the graph.
        REQUIRE(f.run(a.async_local_cleanup(job_a)));
        CHECK(f.run(a.async_put(v1)).error() == errc::already_exists);
        CHECK(*f.run(b.async_recover(job_a)).value() == v3);
    }

    TEST_CASE("job graph store: global cleanup respects other owners' locks and is repeatable")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_graph_store a(c.join(1).ctx);
        hakit::in_memory_job_graph_store b(c.join(2).ctx);
        const auto g = make_graph(job_a, "g");
        REQUIRE(f.run(a.async_put(g)));
        REQUIRE(f.run(b.async_recover(job_a)));

        CHECK(f.run(a.async_global_cleanup(job_a)).error() == errc::locked);
        CHECK(c.data->has_job_graph(job_a));
        CHECK_FALSE(c.data->job_graph_locked_by(job_a, 1));  // own lock released anyway
        CHECK(c.data->job_graph_locked_by(job_a, 2));
        CHECK(f.run(a.async_global_cleanup(job_a)).error() == errc::locked);  // still locked by B

        REQUIRE(f.run(b.async_local_cleanup(job_a)));
        CHECK(c.data->has_job_graph(job_a));  // local cleanup never deletes
        REQUIRE(f.run(a.async_global_cleanup(job_a)));
        CHECK_FALSE(c.data->has_job_graph(job_a));
        auto gone = f.run(b.async_recover(job_a));
        REQUIRE(gone);
        CHECK_FALSE(gone.value().has_value());

        CHECK(f.run(a.async_global_cleanup(job_a)));  // missing: success
        CHECK(f.run(b.async_global_cleanup(job_c)));
    }

    TEST_CASE("job graph store: job ids, release_all and session expiry")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_graph_store a(c.join(1).ctx);
        hakit::in_memory_job_graph_store b(c.join(2).ctx);
        for (const auto& id : {job_c, job_a, job_b})
        {
            const auto g = make_graph(id, "p");
            REQUIRE(f.run(a.async_put(g)));
        }
        auto ids = f.run(b.async_job_ids());
        REQUIRE(ids);
        CHECK(ids.value() == std::vector<job_id>{job_a, job_b, job_c});

        REQUIRE(f.run(a.async_release_all()));
        for (const auto& id : {job_a, job_b, job_c})
            CHECK(c.data->job_graph_lock_count(id) == 0);
        CHECK(f.run(b.async_job_ids()).value().size() == 3);  // released, not deleted

        // B recovers two; its session expires; A can delete both.
        REQUIRE(f.run(b.async_recover(job_a)));
        REQUIRE(f.run(b.async_recover(job_b)));
        CHECK(f.run(a.async_global_cleanup(job_a)).error() == errc::locked);
        c.data->release_locks_of(2);
        CHECK(f.run(a.async_global_cleanup(job_a)));
        CHECK(f.run(a.async_global_cleanup(job_b)));
        CHECK(f.run(a.async_job_ids()).value() == std::vector<job_id>{job_c});
    }

    TEST_CASE("job graph store: a corrupted graph is listed but not recovered nor kept locked")
    {
        fixture f;
        cluster c;
        hakit::in_memory_job_graph_store a(c.join(1).ctx);
        hakit::in_memory_job_graph_store b(c.join(2).ctx);
        const auto g = make_graph(job_a, "g");
        REQUIRE(f.run(a.async_put(g)));
        CHECK(c.data->corrupt_job_graph(job_a));
        CHECK_FALSE(c.data->corrupt_job_graph(job_b));
        CHECK(f.run(b.async_recover(job_a)).error() == errc::corrupted_data);
        CHECK_FALSE(c.data->job_graph_locked_by(job_a, 2));
        CHECK(f.run(b.async_job_ids()).value() == std::vector<job_id>{job_a});
        // Its owner may overwrite it with a good graph.
        REQUIRE(f.run(a.async_put(g)));
        CHECK(*f.run(b.async_recover(job_a)).value() == g);
    }

    TEST_CASE("job graph store: an operation outlives the handle that started it")
    {
        fixture f;
        cluster c;
        const auto g = make_graph(job_a, "g");
        auto op = [&] {
            hakit::in_memory_job_graph_store temporary(c.join(1).ctx);
            return temporary.async_put(g);
        }();
        REQUIRE(f.run(std::move(op)));
        CHECK(c.data->has_job_graph(job_a));
    }

    TEST_CASE("standalone job graph store keeps nothing")
    {
        fixture f;
        hakit::standalone_job_graph_store s;
        const auto g = make_graph(job_a, "g");
        CHECK(f.run(s.async_put(g)));
        auto recovered = f.run(s.async_recover(job_a));
        REQUIRE(recovered);
        CHECK_FALSE(recovered.value().has_value());
        auto ids = f.run(s.async_job_ids());
        REQUIRE(ids);
        CHECK(ids.value().empty());
        CHECK(f.run(s.async_global_cleanup(job_a)));
        CHECK(f.run(s.async_local_cleanup(job_a)));
        CHECK(f.run(s.async_release_all()));
    }

    // ---- completed checkpoint store -----------------------------------------------------------

    TEST_CASE("checkpoint store: subsumes beyond max_retained, oldest first, sorted by id")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store s(c.join(1).ctx, job_a, 3);
        CHECK(s.max_retained() == 3);
        CHECK_FALSE(f.run(s.async_latest()).value().has_value());

        for (std::int64_t id = 1; id <= 3; ++id)
        {
            auto subsumed = f.run(s.async_add(make_checkpoint(job_a, id)));
            REQUIRE(subsumed);
            CHECK(subsumed.value().empty());
        }
        auto sub4 = f.run(s.async_add(make_checkpoint(job_a, 4)));
        REQUIRE(sub4);
        CHECK(sub4.value() == std::vector<hakit::completed_checkpoint>{make_checkpoint(job_a, 1)});
        auto sub5 = f.run(s.async_add(make_checkpoint(job_a, 5)));
        REQUIRE(sub5);
        CHECK(ids_of(sub5.value()) == std::vector<std::int64_t>{2});

        auto all = f.run(s.async_all());
        REQUIRE(all);
        CHECK(ids_of(all.value()) == std::vector<std::int64_t>{3, 4, 5});
        CHECK(all.value()[0] == make_checkpoint(job_a, 3));
        CHECK(f.run(s.async_latest()).value() == make_checkpoint(job_a, 5));
        CHECK(c.data->checkpoint_count(job_a) == 3);  // subsumed ones were deleted
        CHECK_FALSE(c.data->has_checkpoint(job_a, 1));

        // Added out of order: still sorted; the lowest ids are the oldest.
        hakit::in_memory_completed_checkpoint_store t(c.join(1).ctx, job_b, 2);
        REQUIRE(f.run(t.async_add(make_checkpoint(job_b, 7))));
        REQUIRE(f.run(t.async_add(make_checkpoint(job_b, 3))));
        CHECK(ids_of(f.run(t.async_all()).value()) == std::vector<std::int64_t>{3, 7});
        auto sub = f.run(t.async_add(make_checkpoint(job_b, 5)));
        CHECK(ids_of(sub.value()) == std::vector<std::int64_t>{3});
        CHECK(ids_of(f.run(t.async_all()).value()) == std::vector<std::int64_t>{5, 7});
        CHECK(f.run(t.async_latest()).value()->id == 7);
    }

    TEST_CASE("checkpoint store: invalid additions change nothing")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store s(c.join(1).ctx, job_a, 2);
        REQUIRE(f.run(s.async_add(make_checkpoint(job_a, 1))));
        auto duplicate = hakit::completed_checkpoint{job_a, 1, "other"};
        CHECK(f.run(s.async_add(duplicate)).error() == errc::already_exists);
        CHECK(f.run(s.async_add(make_checkpoint(job_b, 2))).error() == errc::invalid_argument);
        CHECK(f.run(s.async_add(make_checkpoint(job_a, -1))).error() == errc::invalid_argument);
        auto all = f.run(s.async_all());
        REQUIRE(all);
        CHECK(all.value() == std::vector<hakit::completed_checkpoint>{make_checkpoint(job_a, 1)});
        CHECK(c.data->checkpoint_count(job_b) == 0);

        hakit::in_memory_completed_checkpoint_store at_least_one(c.join(1).ctx, job_c, 0);
        CHECK(at_least_one.max_retained() == 1);
    }

    TEST_CASE("checkpoint store: a new leader recovers the checkpoints; shutdown keeps or deletes")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store a(c.join(1).ctx, job_a, 3);
        for (std::int64_t id = 1; id <= 3; ++id)
            REQUIRE(f.run(a.async_add(make_checkpoint(job_a, id))));

        // Leadership lost: suspended keeps everything but releases the locks.
        CHECK_FALSE(a.is_shut_down());
        REQUIRE(f.run(a.async_shutdown(hakit::job_status::suspended)));
        CHECK(a.is_shut_down());
        CHECK(c.data->checkpoint_count(job_a) == 3);
        CHECK(f.run(a.async_all()).error() == errc::closed);
        CHECK(f.run(a.async_add(make_checkpoint(job_a, 9))).error() == errc::closed);
        CHECK(f.run(a.async_shutdown(hakit::job_status::finished)).error() == errc::closed);
        CHECK(c.data->checkpoint_count(job_a) == 3);

        // The next leader's store is created recovered.
        hakit::in_memory_completed_checkpoint_store b(c.join(2).ctx, job_a, 3);
        CHECK(ids_of(f.run(b.async_all()).value()) == std::vector<std::int64_t>{1, 2, 3});
        auto sub = f.run(b.async_add(make_checkpoint(job_a, 4)));
        CHECK(ids_of(sub.value()) == std::vector<std::int64_t>{1});
        CHECK_FALSE(c.data->has_checkpoint(job_a, 1));

        // Globally terminal: all of the job's checkpoints are deleted.
        REQUIRE(f.run(b.async_shutdown(hakit::job_status::finished)));
        CHECK(c.data->checkpoint_count(job_a) == 0);
        hakit::in_memory_completed_checkpoint_store next(c.join(3).ctx, job_a, 3);
        CHECK(f.run(next.async_all()).value().empty());
    }

    TEST_CASE("checkpoint store: a subsumed checkpoint another owner locks is kept until released")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store a(c.join(1).ctx, job_a, 1);
        REQUIRE(f.run(a.async_add(make_checkpoint(job_a, 1))));
        hakit::in_memory_completed_checkpoint_store b(c.join(2).ctx, job_a, 1);  // locks checkpoint 1

        auto sub = f.run(a.async_add(make_checkpoint(job_a, 2)));
        CHECK(ids_of(sub.value()) == std::vector<std::int64_t>{1});
        CHECK(ids_of(f.run(a.async_all()).value()) == std::vector<std::int64_t>{2});
        CHECK(c.data->has_checkpoint(job_a, 1));  // B still holds it
        CHECK(ids_of(f.run(b.async_all()).value()) == std::vector<std::int64_t>{1});

        REQUIRE(f.run(b.async_shutdown(hakit::job_status::suspended)));
        CHECK(c.data->has_checkpoint(job_a, 1));  // released, not deleted
        REQUIRE(f.run(a.async_shutdown(hakit::job_status::canceled)));
        CHECK(c.data->checkpoint_count(job_a) == 0);  // the orphan goes with the job
    }

    TEST_CASE("checkpoint store: terminal shutdown leaves checkpoints another owner locks")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store a(c.join(1).ctx, job_a, 5);
        REQUIRE(f.run(a.async_add(make_checkpoint(job_a, 1))));
        hakit::in_memory_completed_checkpoint_store b(c.join(2).ctx, job_a, 5);
        REQUIRE(f.run(a.async_add(make_checkpoint(job_a, 2))));
        REQUIRE(f.run(a.async_shutdown(hakit::job_status::failed)));
        CHECK(c.data->has_checkpoint(job_a, 1));
        CHECK_FALSE(c.data->has_checkpoint(job_a, 2));
        c.data->release_locks_of(2);  // B's session expired
        hakit::in_memory_completed_checkpoint_store d(c.join(3).ctx, job_a, 5);
        REQUIRE(f.run(d.async_shutdown(hakit::job_status::failed)));
        CHECK(c.data->checkpoint_count(job_a) == 0);
    }

    TEST_CASE("checkpoint store: corrupted checkpoints are skipped on recovery")
    {
        fixture f;
        cluster c;
        hakit::in_memory_completed_checkpoint_store a(c.join(1).ctx, job_a, 5);
        for (std::int64_t id = 1; id <= 3; ++id)
            REQUIRE(f.run(a.async_add(make_checkpoint(job_a, id))));
        REQUIRE(f.run(a.async_shutdown(hakit::job_status::suspended)));
        CHECK(c.data->corrupt_checkpoint(job_a, 2));
        CHECK_FALSE(c.data->corrupt_checkpoint(job_a, 42));
        hakit::in_memory_completed_checkpoint_store b(c.join(2).ctx, job_a, 5);
        CHECK(ids_of(f.run(b.async_all()).value()) == std::vector<std::int64_t>{1, 3});
        CHECK(f.run(b.async_latest()).value()->id == 3);
    }

    TEST_CASE("standalone checkpoint store: private to the instance")
    {
        fixture f;
        hakit::standalone_completed_checkpoint_store s(job_a, 2);
        REQUIRE(f.run(s.async_add(make_checkpoint(job_a, 1))));
        REQUIRE(f.run(s.async_add(make_checkpoint(job_a, 2))));
        auto sub = f.run(s.async_add(make_checkpoint(job_a, 3)));
        CHECK(ids_of(sub.value()) == std::vector<std::int64_t>{1});
        auto copy = s;
        CHECK(ids_of(f.run(copy.async_all()).value()) == std::vector<std::int64_t>{2, 3});
        hakit::standalone_completed_checkpoint_store other(job_a, 2);
        CHECK(f.run(other.async_all()).value().empty());
        REQUIRE(f.run(s.async_shutdown(hakit::job_status::finished)));
        CHECK(f.run(copy.async_all()).error() == errc::closed);
    }

    // ---- checkpoint id counter ----------------------------------------------------------------

    TEST_CASE("checkpoint id counter: starts at 1, serial increments, never negative")
    {
        fixture f;
        cluster c;
        hakit::in_memory_checkpoint_id_counter counter(c.join(1).ctx, job_a);
        CHECK(f.run(counter.async_get()).value() == 1);
        for (std::int64_t expected = 1; expected <= 4; ++expected)
            CHECK(f.run(counter.async_get_and_increment()).value() == expected);
        CHECK(f.run(counter.async_get()).value() == 5);
        // Another member and another handle see the same counter; other jobs are independent.
        hakit::in_memory_checkpoint_id_counter other(c.join(2).ctx, job_a);
        CHECK(f.run(other.async_get_and_increment()).value() == 5);
        hakit::in_memory_checkpoint_id_counter job_b_counter(c.join(2).ctx, job_b);
        CHECK(f.run(job_b_counter.async_get()).value() == 1);
        CHECK(f.run(counter.async_get()).value() >= 0);
    }

    TEST_CASE("checkpoint id counter: concurrent get_and_increment gives exactly 1..N")
    {
        fixture f;
        cluster c;
        constexpr int workers = 8;
        constexpr int per_worker = 128;
        std::vector<std::vector<std::int64_t>> values(workers);
        std::vector<int> order;
        std::vector<asio::awaitable<void>> coros;
        for (int w = 0; w < workers; ++w)
        {
            // Two workers per member (owner), four members.
            hakit::in_memory_checkpoint_id_counter counter(
                c.join(static_cast<std::uint64_t>(w / 2)).ctx, job_a
            );
            coros.push_back(
                increment_worker(counter, per_worker, &values[static_cast<std::size_t>(w)], &order, w)
            );
        }
        run_concurrently(f.ioc, std::move(coros));

        std::vector<std::int64_t> all;
        for (const auto& v : values)
        {
            CHECK(v.size() == per_worker);
            CHECK(std::is_sorted(v.begin(), v.end()));
            all.insert(all.end(), v.begin(), v.end());
        }
        std::sort(all.begin(), all.end());
        std::vector<std::int64_t> expected(workers * per_worker);
        std::iota(expected.begin(), expected.end(), 1);
        CHECK(all == expected);
        // The workers really interleaved (not one after the other).
        CHECK(order[0] != order[1]);
        hakit::in_memory_checkpoint_id_counter reader(c.join(9).ctx, job_a);
        CHECK(f.run(reader.async_get()).value() == workers * per_worker + 1);
    }

    TEST_CASE("checkpoint id counter: set_count bounds and overflow")
    {
        fixture f;
        cluster c;
        hakit::in_memory_checkpoint_id_counter counter(c.join(1).ctx, job_a);
        REQUIRE(f.run(counter.async_set_count(42)));
        CHECK(f.run(counter.async_get()).value() == 42);
        CHECK(f.run(counter.async_get_and_increment()).value() == 42);
        CHECK(f.run(counter.async_get()).value() == 43);

        CHECK(f.run(counter.async_set_count(-1)).error() == errc::invalid_argument);
        CHECK(f.run(counter.async_set_count(int32_max + 1)).error() == errc::invalid_argument);
        CHECK(f.run(counter.async_get()).value() == 43);

        REQUIRE(f.run(counter.async_set_count(0)));
        CHECK(f.run(counter.async_get_and_increment()).value() == 0);

        REQUIRE(f.run(counter.async_set_count(int32_max - 1)));
        CHECK(f.run(counter.async_get_and_increment()).value() == int32_max - 1);
        CHECK(f.run(counter.async_get()).value() == int32_max);
        CHECK(f.run(counter.async_get_and_increment()).error() == errc::counter_overflow);
        CHECK(f.run(counter.async_get()).value() == int32_max);
    }

    TEST_CASE("checkpoint id counter: shutdown keeps it unless globally terminal")
    {
        fixture f;
        cluster c;
        hakit::in_memory_checkpoint_id_counter a(c.join(1).ctx, job_a);
        for (int i = 0; i < 3; ++i)
            REQUIRE(f.run(a.async_get_and_increment()));
        REQUIRE(f.run(a.async_shutdown(hakit::job_status::suspended)));
        CHECK(a.is_shut_down());
        CHECK(c.data->has_checkpoint_id_counter(job_a));
        CHECK(f.run(a.async_get()).error() == errc::closed);
        CHECK(f.run(a.async_get_and_increment()).error() == errc::closed);
        CHECK(f.run(a.async_set_count(1)).error() == errc::closed);
        CHECK(f.run(a.async_shutdown(hakit::job_status::finished)).error() == errc::closed);

        hakit::in_memory_checkpoint_id_counter b(c.join(2).ctx, job_a);  // next leader continues
        CHECK(f.run(b.async_get_and_increment()).value() == 4);
        REQUIRE(f.run(b.async_shutdown(hakit::job_status::finished)));
        CHECK_FALSE(c.data->has_checkpoint_id_counter(job_a));

        hakit::in_memory_checkpoint_id_counter restarted(c.join(2).ctx, job_a);
        CHECK(f.run(restarted.async_get_and_increment()).value() == 1);
    }

    TEST_CASE("standalone checkpoint id counter: each instance starts at 1")
    {
        fixture f;
        hakit::standalone_checkpoint_id_counter a(job_a);
        CHECK(f.run(a.async_get_and_increment()).value() == 1);
        CHECK(f.run(a.async_get_and_increment()).value() == 2);
        hakit::standalone_checkpoint_id_counter b(job_a);
        CHECK(f.run(b.async_get()).value() == 1);
        CHECK(f.run(b.async_set_count(int32_max + 1)).error() == errc::invalid_argument);
    }

    // ---- cluster-level data operations ---------------------------------------------------------

    TEST_CASE("store data: global_cleanup of one job and cleanup_all")
    {
        fixture f;
        cluster c;
        const auto m = c.join(1);
        hakit::in_memory_job_graph_store graphs(m.ctx);
        hakit::in_memory_job_result_store results(m.ctx);
        for (const auto& id : {job_a, job_b})
        {
            const auto g = make_graph(id, "g");
            REQUIRE(f.run(graphs.async_put(g)));
            hakit::in_memory_completed_checkpoint_store cps(m.ctx, id, 2);
            REQUIRE(f.run(cps.async_add(make_checkpoint(id, 1))));
            hakit::in_memory_checkpoint_id_counter counter(m.ctx, id);
            REQUIRE(f.run(counter.async_get_and_increment()));
            const auto r = make_result(id);
            REQUIRE(f.run(results.async_create_dirty(r)));
        }
        c.data->global_cleanup(job_a);  // regardless of A's locks
        CHECK_FALSE(c.data->has_job_graph(job_a));
        CHECK(c.data->checkpoint_count(job_a) == 0);
        CHECK_FALSE(c.data->has_checkpoint_id_counter(job_a));
        CHECK(f.run(results.async_has_dirty_entry(job_a)).value());  // job results are left alone
        CHECK(c.data->has_job_graph(job_b));
        CHECK(c.data->checkpoint_count(job_b) == 1);
        CHECK(c.data->has_checkpoint_id_counter(job_b));

        CHECK_FALSE(c.data->empty());
        c.data->cleanup_all();
        CHECK(c.data->empty());
        CHECK(c.data->job_result_count() == 0);
    }

    // ---- fault injection and closing --------------------------------------------------------

    TEST_CASE("fault injection: a failed operation changes nothing and the next one succeeds")
    {
        fixture f;
        cluster c;
        const auto a = c.join(1);
        const auto b = c.join(2);
        hakit::in_memory_job_graph_store graphs(a.ctx);
        hakit::in_memory_job_graph_store graphs_b(b.ctx);
        hakit::in_memory_completed_checkpoint_store cps(a.ctx, job_a, 1);
        hakit::in_memory_checkpoint_id_counter counter(a.ctx, job_a);
        hakit::in_memory_job_result_store results(a.ctx);
        const auto g = make_graph(job_a, "g");

        SUBCASE("job graph put, recover and global cleanup")
        {
            a.faults->fail_next(1);
            CHECK(f.run(graphs.async_put(g)).error() == errc::injected_fault);
            CHECK_FALSE(c.data->has_job_graph(job_a));
            REQUIRE(f.run(graphs.async_put(g)));

            b.faults->fail_next(1);
            CHECK(f.run(graphs_b.async_recover(job_a)).error() == errc::injected_fault);
            CHECK_FALSE(c.data->job_graph_locked_by(job_a, 2));

            a.faults->fail_next(1);
            CHECK(f.run(graphs.async_global_cleanup(job_a)).error() == errc::injected_fault);
            CHECK(c.data->job_graph_locked_by(job_a, 1));
            a.faults->fail_next(1);
            CHECK(f.run(graphs.async_release_all()).error() == errc::injected_fault);
            CHECK(c.data->job_graph_locked_by(job_a, 1));
            REQUIRE(f.run(graphs.async_global_cleanup(job_a)));
            CHECK_FALSE(c.data->has_job_graph(job_a));
        }
        SUBCASE("checkpoint add and shutdown")
        {
            REQUIRE(f.run(cps.async_add(make_checkpoint(job_a, 1))));
            a.faults->fail_next(1);
            CHECK(f.run(cps.async_add(make_checkpoint(job_a, 2))).error() == errc::injected_fault);
            CHECK(ids_of(f.run(cps.async_all()).value()) == std::vector<std::int64_t>{1});
            a.faults->fail_next(1);
            CHECK(f.run(cps.async_shutdown(hakit::job_status::finished)).error() == errc::injected_fault);
            CHECK(c.data->checkpoint_count(job_a) == 1);
            REQUIRE(f.run(cps.async_shutdown(hakit::job_status::finished)));
            CHECK(c.data->checkpoint_count(job_a) == 0);
        }
        SUBCASE("counter increment and shutdown")
        {
            a.faults->fail_next(1);
            CHECK(f.run(counter.async_get_and_increment()).error() == errc::injected_fault);
            CHECK(f.run(counter.async_get_and_increment()).value() == 1);
            a.faults->fail_next(1);
            CHECK(f.run(counter.async_shutdown(hakit::job_status::finished)).error() == errc::injected_fault);
            CHECK(c.data->has_checkpoint_id_counter(job_a));
            CHECK(f.run(counter.async_get()).value() == 2);
        }
        SUBCASE("job result create and mark clean")
        {
            const auto r = make_result(job_a);
            a.faults->fail_next(1);
            CHECK(f.run(results.async_create_dirty(r)).error() == errc::injected_fault);
            CHECK(c.data->job_result_count() == 0);
            REQUIRE(f.run(results.async_create_dirty(r)));
            a.faults->fail_next(1);
            CHECK(f.run(results.async_mark_clean(job_a)).error() == errc::injected_fault);
            CHECK(f.run(results.async_has_dirty_entry(job_a)).value());
            REQUIRE(f.run(results.async_mark_clean(job_a)));
            CHECK(f.run(results.async_has_clean_entry(job_a)).value());
        }
        SUBCASE("n failures with a chosen error, per member")
        {
            a.faults->fail_next(2, errc::connection_lost);
            CHECK(a.faults->pending() == 2);
            CHECK(f.run(graphs_b.async_put(g)));  // B is not affected
            CHECK(f.run(counter.async_get()).error() == errc::connection_lost);
            CHECK(f.run(graphs.async_job_ids()).error() == errc::connection_lost);
            CHECK(a.faults->pending() == 0);
            CHECK(f.run(graphs.async_job_ids()).value() == std::vector<job_id>{job_a});
            a.faults->fail_next(5);
            a.faults->clear();
            CHECK(f.run(counter.async_get()).value() == 1);
        }
    }

    TEST_CASE("closed: every store operation fails with errc::closed and changes nothing")
    {
        fixture f;
        cluster c;
        const auto a = c.join(1);
        hakit::in_memory_job_graph_store graphs(a.ctx);
        hakit::in_memory_completed_checkpoint_store cps(a.ctx, job_a, 2);
        hakit::in_memory_checkpoint_id_counter counter(a.ctx, job_a);
        hakit::in_memory_job_result_store results(a.ctx);
        const auto g = make_graph(job_a, "g");
        REQUIRE(f.run(graphs.async_put(g)));
        REQUIRE(f.run(cps.async_add(make_checkpoint(job_a, 1))));
        const auto r = make_result(job_a);
        REQUIRE(f.run(results.async_create_dirty(r)));

        *a.closed = true;
        a.faults->fail_next(1);  // closed wins; the fault stays pending
        CHECK(f.run(graphs.async_put(g)).error() == errc::closed);
        CHECK(f.run(graphs.async_recover(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_job_ids()).error() == errc::closed);
        CHECK(f.run(graphs.async_global_cleanup(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_local_cleanup(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_release_all()).error() == errc::closed);
        CHECK(f.run(cps.async_add(make_checkpoint(job_a, 2))).error() == errc::closed);
        CHECK(f.run(cps.async_all()).error() == errc::closed);
        CHECK(f.run(cps.async_latest()).error() == errc::closed);
        CHECK(f.run(cps.async_shutdown(hakit::job_status::finished)).error() == errc::closed);
        CHECK(f.run(counter.async_get_and_increment()).error() == errc::closed);
        CHECK(f.run(counter.async_get()).error() == errc::closed);
        CHECK(f.run(counter.async_set_count(3)).error() == errc::closed);
        CHECK(f.run(counter.async_shutdown(hakit::job_status::finished)).error() == errc::closed);
        CHECK(f.run(results.async_create_dirty(r)).error() == errc::closed);
        CHECK(f.run(results.async_mark_clean(job_a)).error() == errc::closed);
        CHECK(f.run(results.async_has_entry(job_a)).error() == errc::closed);
        CHECK(f.run(results.async_has_dirty_entry(job_a)).error() == errc::closed);
        CHECK(f.run(results.async_has_clean_entry(job_a)).error() == errc::closed);
        CHECK(f.run(results.async_dirty_results()).error() == errc::closed);
        CHECK(a.faults->pending() == 1);

        CHECK(c.data->job_graph_locked_by(job_a, 1));
        CHECK(c.data->checkpoint_count(job_a) == 1);
        CHECK_FALSE(c.data->has_checkpoint_id_counter(job_a));
        CHECK(c.data->job_result_count() == 1);

        // Another member of the cluster is unaffected.
        hakit::in_memory_job_graph_store other(c.join(2).ctx);
        CHECK(f.run(other.async_job_ids()).value() == std::vector<job_id>{job_a});
    }

    TEST_CASE("closed: standalone stores")
    {
        fixture f;
        auto closed = std::make_shared<bool>(false);
        hakit::standalone_job_graph_store graphs(closed);
        hakit::standalone_completed_checkpoint_store cps(job_a, 1, closed);
        hakit::standalone_checkpoint_id_counter counter(job_a, closed);
        hakit::standalone_job_result_store results(closed);
        CHECK(f.run(graphs.async_job_ids()));
        CHECK(f.run(counter.async_get()));
        *closed = true;
        const auto g = make_graph(job_a, "g");
        CHECK(f.run(graphs.async_put(g)).error() == errc::closed);
        CHECK(f.run(graphs.async_recover(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_job_ids()).error() == errc::closed);
        CHECK(f.run(graphs.async_global_cleanup(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_local_cleanup(job_a)).error() == errc::closed);
        CHECK(f.run(graphs.async_release_all()).error() == errc::closed);
        CHECK(f.run(cps.async_add(make_checkpoint(job_a, 1))).error() == errc::closed);
        CHECK(f.run(counter.async_get_and_increment()).error() == errc::closed);
        CHECK(f.run(results.async_has_entry(job_a)).error() == errc::closed);
    }
}
