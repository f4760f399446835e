// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_WAIT_SIGNAL_HPP
#define HAKIT_DETAIL_WAIT_SIGNAL_HPP

#include <hakit/detail/config.hpp>

#include <boost/asio/any_completion_handler.hpp>
#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <list>
#include <optional>
#include <set>
#include <tuple>
#include <utility>

HAKIT_NAMESPACE_BEGIN
namespace detail {

class wait_signal;

/// Owns nothing but knows every wait_signal of an execution context, so that shutting the
/// context down destroys their pending handlers (and the coroutine frames those own), as Asio does
/// for its own operations. Without it a coroutine waiting forever would keep itself alive.
class wait_signal_service : public boost::asio::execution_context::service
{
public:
    using key_type = wait_signal_service;
    static inline boost::asio::execution_context::id id;

    explicit wait_signal_service(boost::asio::execution_context& ctx) : service(ctx) {}

    void add(wait_signal* s) { signals_.insert(s); }
    void remove(wait_signal* s) { signals_.erase(s); }
    void shutdown() override;

private:
    std::set<wait_signal*> signals_;
};

/// A condition variable for coroutines on one executor: waiters re-check their predicate after
/// every wake-up. notify_all() never runs a waiter inline; each wake-up is one post. Much cheaper
/// than a timer, which goes through the reactor's timer queue on every wait and cancel.
class wait_signal
{
public:
    explicit wait_signal(boost::asio::any_io_executor ex)
        : ex_(std::move(ex))
        , service_(&boost::asio::use_service<wait_signal_service>(
              boost::asio::query(ex_, boost::asio::execution::context)
          ))
    {
        service_->add(this);
    }

    wait_signal(const wait_signal&) = delete;
    wait_signal& operator=(const wait_signal&) = delete;

    ~wait_signal()
    {
        if (service_)
            service_->remove(this);
        for (auto& w : waiters_)
            w.slot.clear();
    }

    /// Wakes every current waiter (later waiters are not affected).
    void notify_all()
    {
        auto woken = std::move(waiters_);
        waiters_.clear();
        for (auto& w : woken)
            complete(w, {});
        // `woken` (and the work it tracked) goes only after the completions are queued.
    }

    /// Waits for the next notify_all(). Returns false if the waiting coroutine itself was cancelled
    /// (e.g. it lost an `||` race), true when it was woken.
    boost::asio::awaitable<bool> async_wait();

    /// The same wait as the bare Asio operation, without a coroutine frame of its own (hot paths):
    /// `auto [ec] = co_await signal.async_wait_operation();` — ec is set when the waiter was cancelled.
    boost::asio::awaitable<std::tuple<boost::system::error_code>> async_wait_operation();

    /// Drops every pending waiter without running it (execution context shutdown).
    void abandon() noexcept
    {
        for (auto& w : waiters_)
            w.slot.clear();
        waiters_.clear();
        service_ = nullptr;
    }

private:
    using handler_type = boost::asio::any_completion_handler<void(boost::system::error_code)>;

    struct waiter
    {
        // Built in place: assigning into an existing any_completion_handler recurses in Asio 1.26.
        std::optional<handler_type> handler;
        boost::asio::cancellation_slot slot;
        // Keeps the executor's context running while someone waits, as a pending timer would.
        boost::asio::any_io_executor work;
    };

    template <class Token>
    auto wait(Token&& token)
    {
        return boost::asio::async_initiate<Token, void(boost::system::error_code)>(
            [this](auto handler) {
                auto slot = boost::asio::get_associated_cancellation_slot(handler);
                auto it = waiters_.emplace(waiters_.end());
                it->slot = slot;
                it->work = boost::asio::prefer(ex_, boost::asio::execution::outstanding_work.tracked);
                it->handler.emplace(std::move(handler));
                if (slot.is_connected())
                    slot.assign([this, it](boost::asio::cancellation_type) { cancel(it); });
            },
            token
        );
    }

    void cancel(std::list<waiter>::iterator it)
    {
        // Runs inside the cancellation slot's own handler: do not clear the slot here.
        handler_type handler(std::move(*it->handler));
        waiters_.erase(it);
        post_completion(std::move(handler), boost::asio::error::operation_aborted);
    }

    void complete(waiter& w, boost::system::error_code ec)
    {
        w.slot.clear();
        post_completion(std::move(*w.handler), ec);
    }

    void post_completion(handler_type handler, boost::system::error_code ec)
    {
        boost::asio::post(ex_, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
    }

    boost::asio::any_io_executor ex_;
    wait_signal_service* service_;
    std::list<waiter> waiters_;
};

inline boost::asio::awaitable<bool> wait_signal::async_wait()
{
    auto [ec] = co_await wait(boost::asio::as_tuple(boost::asio::use_awaitable));
    co_return !ec;
}

inline boost::asio::awaitable<std::tuple<boost::system::error_code>> wait_signal::async_wait_operation()
{
    return wait(boost::asio::as_tuple(boost::asio::use_awaitable));
}

inline void wait_signal_service::shutdown()
{
    auto signals = std::move(signals_);
    signals_.clear();
    for (auto* s : signals)
        s->abandon();
}

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
