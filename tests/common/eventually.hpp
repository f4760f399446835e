// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_EVENTUALLY_HPP
#define HAKIT_TESTS_COMMON_EVENTUALLY_HPP

#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <type_traits>

namespace hakit_test {

/// pred(), whether it answers at once (bool) or asks a server first (awaitable<bool>).
template <class Pred>
boost::asio::awaitable<bool> holds_now(Pred& pred)
{
    if constexpr (std::is_convertible_v<std::invoke_result_t<Pred&>, bool>)
        co_return static_cast<bool>(pred());
    else
        co_return co_await pred();
}

/// Polls `pred` every `poll` until it holds or `timeout` passes; whether it held. A deadline, not
/// a sleep: a condition that already holds returns at once.
template <class Pred>
boost::asio::awaitable<bool> eventually(
    Pred pred,
    std::chrono::milliseconds timeout,
    std::chrono::milliseconds poll = std::chrono::milliseconds(10)
)
{
    boost::asio::steady_timer timer(co_await boost::asio::this_coro::executor);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    bool satisfied = co_await holds_now(pred);
    while (!satisfied && std::chrono::steady_clock::now() < deadline)  // no co_return inside loops (GCC 12)
    {
        timer.expires_after(poll);
        co_await timer.async_wait(boost::asio::use_awaitable);
        satisfied = co_await holds_now(pred);
    }
    co_return satisfied;
}

}  // namespace hakit_test

#endif
