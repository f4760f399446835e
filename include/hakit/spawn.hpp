// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_SPAWN_HPP
#define HAKIT_SPAWN_HPP

#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/system/system_error.hpp>

#include <exception>
#include <optional>
#include <utility>

HAKIT_NAMESPACE_BEGIN

/// Starts `operation` on `ex` and calls `handler(result<T>)` on that executor when it completes:
/// the way in for code without coroutines.
///
/// Why not plain co_spawn with a callback: Asio 1.26 calls the handler with a default-constructed
/// T on its exception path, and result<T> has no default constructor. Here an escaping
/// system_error becomes its error code; any other exception propagates out of io_context::run().
///
///     hakit::co_spawn_result(ex, election.async_campaign(), [](hakit::result<hakit::session_id> r) { … });
template <class T, class Handler>
void co_spawn_result(
    boost::asio::any_io_executor ex, boost::asio::awaitable<result<T>> operation, Handler handler
)
{
    auto run = [](boost::asio::awaitable<result<T>> op, Handler h) -> boost::asio::awaitable<void> {
        std::optional<result<T>> outcome;
        try
        {
            outcome.emplace(co_await std::move(op));
        }
        catch (const boost::system::system_error& e)
        {
            outcome.emplace(e.code());
        }
        h(std::move(*outcome));
    };
    boost::asio::co_spawn(
        std::move(ex),
        run(std::move(operation), std::move(handler)),
        [](std::exception_ptr e) {
            if (e)
                std::rethrow_exception(e);
        }
    );
}

HAKIT_NAMESPACE_END

#endif
