// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_SIGNAL_WAIT_HPP
#define HAKIT_ZK_DETAIL_SIGNAL_WAIT_HPP

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/cancellation_type.hpp>
#include <boost/asio/this_coro.hpp>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// Waits on `*signal` until `pred()` holds; false if the waiting coroutine was cancelled first.
/// Cancellation is reported as that value, never thrown, and the calling coroutine's
/// throw_if_cancelled setting is left as it was found (it belongs to the caller's whole thread).
/// A cancellation that arrived while the coroutine was between two waits is honoured too.
template <class Pred>
boost::asio::awaitable<bool> wait_until(hakit::detail::wait_signal* signal, Pred pred)
{
    if (pred())
        co_return true;
    const bool throws = co_await boost::asio::this_coro::throw_if_cancelled();
    co_await boost::asio::this_coro::throw_if_cancelled(false);
    bool satisfied = true;
    while (!pred())
    {
        const auto cs = co_await boost::asio::this_coro::cancellation_state;
        if (cs.cancelled() != boost::asio::cancellation_type::none || !co_await signal->async_wait())
        {
            satisfied = pred();
            break;
        }
    }
    co_await boost::asio::this_coro::throw_if_cancelled(throws);
    co_return satisfied;
}

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
