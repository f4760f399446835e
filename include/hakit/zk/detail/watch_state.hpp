// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_WATCH_STATE_HPP
#define HAKIT_ZK_DETAIL_WATCH_STATE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/detail/signal_wait.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>

#include <cstdint>
#include <deque>
#include <memory>
#include <optional>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// What a one-shot watch handle shares with the client's registry: the outcome, once known (the
/// event, or the error that ended the session), and the waiters.
class watch_state
{
public:
    explicit watch_state(boost::asio::any_io_executor ex) : signal_(std::move(ex)) {}

    /// Sets the outcome (the first one wins) and wakes every waiter.
    void complete(result<watcher_event> outcome)
    {
        if (outcome_)
            return;
        outcome_.emplace(std::move(outcome));
        signal_.notify_all();
    }

    bool done() const noexcept { return outcome_.has_value(); }
    const std::optional<result<watcher_event>>& outcome() const noexcept { return outcome_; }

    /// Waits for the outcome; operation_aborted if the waiting coroutine is cancelled.
    static boost::asio::awaitable<result<watcher_event>> async_wait(std::shared_ptr<watch_state> self)
    {
        auto ready = [s = self.get()] {
            return s->outcome_.has_value();
        };
        if (!co_await wait_until(&self->signal_, ready))
            co_return boost::asio::error::operation_aborted;
        co_return *self->outcome_;
    }

private:
    hakit::detail::wait_signal signal_;
    std::optional<result<watcher_event>> outcome_;
};

/// What a persistent watch handle shares with the registry: the events not taken yet, and the
/// error that ended the stream (session expired, closed, watch removed).
class persistent_watch_state
{
public:
    explicit persistent_watch_state(boost::asio::any_io_executor ex) : signal_(std::move(ex)) {}

    void push(watcher_event e)
    {
        if (end_)
            return;
        events_.push_back(std::move(e));
        signal_.notify_all();
    }

    /// Ends the stream after the events already queued.
    void finish(error_code ec)
    {
        if (end_)
            return;
        end_ = ec;
        signal_.notify_all();
    }

    bool finished() const noexcept { return end_.has_value(); }
    std::size_t queued() const noexcept { return events_.size(); }

    void set_registered_zxid(std::int64_t zxid) noexcept { registered_zxid_ = zxid; }
    std::int64_t registered_zxid() const noexcept { return registered_zxid_; }

    static boost::asio::awaitable<result<watcher_event>> async_next(
        std::shared_ptr<persistent_watch_state> self
    )
    {
        auto ready = [s = self.get()] {
            return !s->events_.empty() || s->end_.has_value();
        };
        if (!co_await wait_until(&self->signal_, ready))
            co_return boost::asio::error::operation_aborted;
        if (!self->events_.empty())
        {
            auto e = std::move(self->events_.front());
            self->events_.pop_front();
            co_return e;
        }
        co_return *self->end_;
    }

private:
    hakit::detail::wait_signal signal_;
    std::deque<watcher_event> events_;
    std::optional<error_code> end_;
    std::int64_t registered_zxid_ = 0;
};

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
