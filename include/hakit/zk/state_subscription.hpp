// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_STATE_SUBSCRIPTION_HPP
#define HAKIT_ZK_STATE_SUBSCRIPTION_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/detail/signal_wait.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>

#include <deque>
#include <memory>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace zk {

namespace detail {

/// The events one subscriber has not taken yet.
class state_queue
{
public:
    explicit state_queue(boost::asio::any_io_executor ex) : signal_(std::move(ex)) {}

    /// Queues `e`; after `closed` nothing more is queued.
    void push(connection_event e)
    {
        if (ended_)
            return;
        events_.push_back(e);
        ended_ = e == connection_event::closed;
        signal_.notify_all();
    }

    std::size_t size() const noexcept { return events_.size(); }

    static boost::asio::awaitable<result<connection_event>> async_next(std::shared_ptr<state_queue> self)
    {
        auto ready = [s = self.get()] {
            return !s->events_.empty() || s->ended_;
        };
        if (!co_await wait_until(&self->signal_, ready))
            co_return boost::asio::error::operation_aborted;
        if (self->events_.empty())
            co_return errc::closed;
        const auto e = self->events_.front();
        self->events_.pop_front();
        co_return e;
    }

private:
    hakit::detail::wait_signal signal_;
    std::deque<connection_event> events_;
    bool ended_ = false;
};

}  // namespace detail

/// One consumer's view of a client's connection events (client::subscribe_states()): every event
/// from the moment of subscribing, in order, none lost, none shared with other subscribers.
/// `closed` is the last event a client ever reports; after it async_next() gives errc::closed.
class state_subscription
{
public:
    state_subscription() = default;
    explicit state_subscription(std::shared_ptr<detail::state_queue> queue) : queue_(std::move(queue)) {}

    bool valid() const noexcept { return queue_ != nullptr; }

    /// Events received and not yet taken.
    std::size_t pending() const noexcept { return queue_ ? queue_->size() : 0; }

    /// The next event; operation_aborted if cancelled (nothing is lost).
    boost::asio::awaitable<result<connection_event>> async_next() const { return next(queue_); }

private:
    static boost::asio::awaitable<result<connection_event>> next(std::shared_ptr<detail::state_queue> queue)
    {
        if (!queue)
            co_return errc::invalid_argument;
        co_return co_await detail::state_queue::async_next(std::move(queue));
    }

    std::shared_ptr<detail::state_queue> queue_;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
