// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_JOB_RESULT_STORE_CONTRACT_HPP
#define HAKIT_TESTS_COMMON_JOB_RESULT_STORE_CONTRACT_HPP

// Flink's JobResultStoreContractTest as one reusable function: every hakit::job_result_store
// implementation runs the same checks. Call it from a TEST_CASE (its SUBCASEs then become that
// test case's subcases):
//
//     TEST_CASE("my store: job result store contract")
//     {
//         hakit_test::check_job_result_store_contract([] { return my_store(); });
//     }

#include <hakit/job_id.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_result.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/run_coro.hpp"

#include <algorithm>
#include <chrono>
#include <utility>

namespace hakit_test {

/// A job result with a little of everything (accumulators; a failure cause when failed).
inline hakit::job_result make_contract_job_result(
    hakit::job_id id, hakit::application_status status = hakit::application_status::succeeded
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

/// Runs the job result store contract (flink-ha.md §6.9, JobResultStoreContractTest) against the
/// store `make()` returns. doctest runs a test case once per subcase, so `make` is called once
/// per subcase and must return an empty store each time.
template <class Make>
void check_job_result_store_contract(Make make)
{
    auto store = make();
    static_assert(hakit::job_result_store<decltype(store)>);

    boost::asio::io_context ioc;
    const auto run = [&ioc](auto op) {
        return hakit_test::run_coro(ioc, std::move(op), std::chrono::seconds(10));
    };
    using hakit::errc;
    const auto job_a = hakit::job_id::from_parts(0xa, 1);
    const auto job_b = hakit::job_id::from_parts(0xb, 2);
    const auto dirty = make_contract_job_result(job_a);

    SUBCASE("duplicate dirty entry is refused")
    {
        REQUIRE(run(store.async_create_dirty(dirty)));
        const auto again = make_contract_job_result(job_a, hakit::application_status::failed);
        CHECK(run(store.async_create_dirty(again)).error() == errc::already_exists);
        auto results = run(store.async_dirty_results());
        REQUIRE(results);
        REQUIRE(results.value().size() == 1);
        CHECK(results.value()[0] == dirty);
    }
    SUBCASE("dirty entry after clean entry is refused")
    {
        REQUIRE(run(store.async_create_dirty(dirty)));
        REQUIRE(run(store.async_mark_clean(job_a)));
        CHECK(run(store.async_create_dirty(dirty)).error() == errc::already_exists);
        CHECK(run(store.async_has_clean_entry(job_a)).value());
        CHECK_FALSE(run(store.async_has_dirty_entry(job_a)).value());
    }
    SUBCASE("marking clean twice succeeds")
    {
        REQUIRE(run(store.async_create_dirty(dirty)));
        CHECK(run(store.async_mark_clean(job_a)));
        CHECK(run(store.async_mark_clean(job_a)));
        CHECK(run(store.async_has_clean_entry(job_a)).value());
    }
    SUBCASE("marking an unknown job clean is not_found")
    {
        CHECK(run(store.async_mark_clean(job_b)).error() == errc::not_found);
        CHECK_FALSE(run(store.async_has_entry(job_b)).value());
    }
    SUBCASE("has_* truth table")
    {
        // empty
        CHECK_FALSE(run(store.async_has_entry(job_a)).value());
        CHECK_FALSE(run(store.async_has_dirty_entry(job_a)).value());
        CHECK_FALSE(run(store.async_has_clean_entry(job_a)).value());
        // dirty
        REQUIRE(run(store.async_create_dirty(dirty)));
        CHECK(run(store.async_has_entry(job_a)).value());
        CHECK(run(store.async_has_dirty_entry(job_a)).value());
        CHECK_FALSE(run(store.async_has_clean_entry(job_a)).value());
        // clean
        REQUIRE(run(store.async_mark_clean(job_a)));
        CHECK(run(store.async_has_entry(job_a)).value());
        CHECK_FALSE(run(store.async_has_dirty_entry(job_a)).value());
        CHECK(run(store.async_has_clean_entry(job_a)).value());
        // other jobs unaffected
        CHECK_FALSE(run(store.async_has_entry(job_b)).value());
    }
    SUBCASE("dirty results: empty, one, only dirty ones")
    {
        auto none = run(store.async_dirty_results());
        REQUIRE(none);
        CHECK(none.value().empty());

        REQUIRE(run(store.async_create_dirty(dirty)));
        auto one = run(store.async_dirty_results());
        REQUIRE(one);
        REQUIRE(one.value().size() == 1);
        CHECK(one.value()[0] == dirty);

        const auto second = make_contract_job_result(job_b, hakit::application_status::canceled);
        REQUIRE(run(store.async_create_dirty(second)));
        REQUIRE(run(store.async_mark_clean(job_a)));
        auto only_dirty = run(store.async_dirty_results());
        REQUIRE(only_dirty);
        REQUIRE(only_dirty.value().size() == 1);
        CHECK(only_dirty.value()[0] == second);
    }
    SUBCASE("dirty results: several, failure causes kept")
    {
        const auto failed = make_contract_job_result(job_b, hakit::application_status::failed);
        REQUIRE(run(store.async_create_dirty(failed)));
        REQUIRE(run(store.async_create_dirty(dirty)));
        auto both = run(store.async_dirty_results());
        REQUIRE(both);
        auto results = std::move(both).value();
        // The contract does not fix an order.
        std::sort(results.begin(), results.end(), [](const auto& x, const auto& y) { return x.id < y.id; });
        REQUIRE(results.size() == 2);
        CHECK(results[0] == dirty);
        CHECK(results[1] == failed);
    }
    SUBCASE("copies of a store handle are the same store")
    {
        auto copy = store;
        REQUIRE(run(copy.async_create_dirty(dirty)));
        CHECK(run(store.async_has_dirty_entry(job_a)).value());
    }
}

}  // namespace hakit_test

#endif
