// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_LEADER_CONTENDER_HPP
#define HAKIT_LEADER_CONTENDER_HPP

#include <hakit/error.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <concepts>

HAKIT_NAMESPACE_BEGIN

namespace detail {
template <class R>
concept contender_callback_result = std::same_as<R, void> || std::same_as<R, boost::asio::awaitable<void>>;
}  // namespace detail

/// Flink's LeaderContender: the object leader_election::async_run_contender() drives. Grant and
/// revoke alternate; all three are called in order from that one coroutine, never from inside the
/// backend. A callback may return void or boost::asio::awaitable<void> (awaited before the next
/// event, so it may co_await async_confirm).
template <class C>
concept leader_contender = requires(C& c, session_id id, error_code ec)
{
    {
        c.grant_leadership(id)
        } -> detail::contender_callback_result;
    {
        c.revoke_leadership()
        } -> detail::contender_callback_result;
    {
        c.handle_error(ec)
        } -> detail::contender_callback_result;
};

HAKIT_NAMESPACE_END

#endif
