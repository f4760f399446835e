// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_RUN_CORO_HPP
#define HAKIT_TESTS_COMMON_RUN_CORO_HPP

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <chrono>
#include <exception>
#include <optional>
#include <stdexcept>
#include <utility>

namespace hakit_test {

// Runs a coroutine on `ioc` until it finishes and returns its value; rethrows what it threw and
// fails if it did not finish within `deadline` (a deadline, not a sleep: a passing test returns
// as soon as the coroutine is done).
template <class T>
T run_coro(
    boost::asio::io_context& ioc,
    boost::asio::awaitable<T> coro,
    std::chrono::steady_clock::duration deadline = std::chrono::seconds(30)
)
{
    std::optional<T> value;
    std::exception_ptr error;
    bool done = false;
    auto wrapper = [](boost::asio::awaitable<T> c, std::optional<T>& out) -> boost::asio::awaitable<void> {
        out.emplace(co_await std::move(c));
    };
    boost::asio::co_spawn(ioc, wrapper(std::move(coro), value), [&](std::exception_ptr e) {
        error = e;
        done = true;
    });
    ioc.restart();
    const auto until = std::chrono::steady_clock::now() + deadline;
    while (!done && std::chrono::steady_clock::now() < until)
        if (ioc.run_one_until(until) == 0)
            break;
    if (error)
        std::rethrow_exception(error);
    if (!done)
        throw std::runtime_error("coroutine did not finish before its deadline");
    return std::move(*value);
}

inline void run_coro(
    boost::asio::io_context& ioc,
    boost::asio::awaitable<void> coro,
    std::chrono::steady_clock::duration deadline = std::chrono::seconds(30)
)
{
    auto wrapper = [](boost::asio::awaitable<void> c) -> boost::asio::awaitable<int> {
        co_await std::move(c);
        co_return 0;
    };
    (void)run_coro<int>(ioc, wrapper(std::move(coro)), deadline);
}

}  // namespace hakit_test

#endif
