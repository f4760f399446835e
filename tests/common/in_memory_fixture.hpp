// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_IN_MEMORY_FIXTURE_HPP
#define HAKIT_TESTS_COMMON_IN_MEMORY_FIXTURE_HPP

#include <hakit/backend/in_memory.hpp>
#include <hakit/ha_services.hpp>

#include <boost/asio/io_context.hpp>

#include "common/run_coro.hpp"

#include <chrono>
#include <functional>
#include <stdexcept>

namespace hakit_test {

using in_memory_services = hakit::ha_services<hakit::in_memory_backend>;

// Runs handlers until `done()` holds, failing after a deadline. Never sleeps: each step is one
// handler, and a passing test returns as soon as the condition holds.
inline void run_until(
    boost::asio::io_context& ioc,
    const std::function<bool()>& done,
    std::chrono::steady_clock::duration deadline = std::chrono::seconds(10)
)
{
    ioc.restart();
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done())
    {
        if (std::chrono::steady_clock::now() >= until)
            throw std::runtime_error("condition not reached before the deadline");
        if (ioc.run_one_until(until) == 0)
        {
            if (done())
                return;
            throw std::runtime_error("no more work and the condition does not hold");
        }
    }
}

// Runs every handler that is ready now (and those they make ready), without blocking.
inline void settle(boost::asio::io_context& ioc)
{
    ioc.restart();
    ioc.poll();
}

template <class T>
T value_of(hakit::result<T> r)
{
    if (!r)
        throw std::runtime_error("unexpected error: " + r.error().message());
    return std::move(r).value();
}

}  // namespace hakit_test

#endif
