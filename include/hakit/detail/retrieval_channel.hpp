// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_RETRIEVAL_CHANNEL_HPP
#define HAKIT_DETAIL_RETRIEVAL_CHANNEL_HPP

#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>

#include <deque>
#include <memory>
#include <optional>

HAKIT_NAMESPACE_BEGIN
namespace detail {

/// What a backend reports to one retriever, and what the retriever hands to its user: leader
/// changes de-duplicated against the last one delivered (Flink's DefaultLeaderRetrievalService:
/// a notification equal to the previous one, starting from "no leader", is dropped), and errors,
/// all in order. Nothing is delivered after stop().
class retrieval_channel
{
public:
    explicit retrieval_channel(boost::asio::any_io_executor ex) : signal_(std::move(ex)) {}

    /// Backend side: the component's leader is now `info` (empty = no leader).
    void on_leader(const leader_information& info)
    {
        if (stopped_ || info == last_)
            return;
        last_ = info;
        pending_.emplace_back(info);
        signal_.notify_all();
    }

    /// Backend side: retrieval failed (e.g. unreadable leader data); the error is delivered in order.
    void on_error(error_code ec)
    {
        if (stopped_)
            return;
        pending_.emplace_back(ec);
        signal_.notify_all();
    }

    /// Ends delivery: pending and future waits complete with errc::closed.
    void stop()
    {
        stopped_ = true;
        pending_.clear();
        signal_.notify_all();
    }

    bool stopped() const noexcept { return stopped_; }

    /// The last leader information the backend reported (after de-duplication).
    const leader_information& last() const noexcept { return last_; }

    // The loops below are shaped for GCC 12: a loop condition and a single co_return after it. GCC 12
    // miscompiles a `for (;;)` that co_returns from its middle after a co_await into an illegal
    // instruction.

    /// The next change (or error) not yet taken. Keeps the channel alive while it waits.
    static boost::asio::awaitable<result<leader_information>> async_next(
        std::shared_ptr<retrieval_channel> self
    )
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        std::optional<result<leader_information>> out;
        while (!out)
        {
            if (self->stopped_)
                out.emplace(errc::closed);
            else if (!self->pending_.empty())
            {
                out.emplace(std::move(self->pending_.front()));
                self->pending_.pop_front();
            }
            else
            {
                const bool woken = co_await self->signal_.wait();
                if (!woken)
                    out.emplace(boost::asio::error::operation_aborted);
            }
        }
        co_return std::move(*out);
    }

    /// The current known leader; waits until there is one. Errors reported meanwhile are left for
    /// async_next().
    static boost::asio::awaitable<result<leader_information>> async_leader(
        std::shared_ptr<retrieval_channel> self
    )
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        std::optional<result<leader_information>> out;
        while (!out)
        {
            if (self->stopped_)
                out.emplace(errc::closed);
            else if (self->last_.is_known())
                out.emplace(self->last_);
            else
            {
                const bool woken = co_await self->signal_.wait();
                if (!woken)
                    out.emplace(boost::asio::error::operation_aborted);
            }
        }
        co_return std::move(*out);
    }

private:
    wait_signal signal_;
    leader_information last_;
    std::deque<result<leader_information>> pending_;
    bool stopped_ = false;
};

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
