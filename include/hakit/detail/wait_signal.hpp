// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_WAIT_SIGNAL_HPP
#define HAKIT_DETAIL_WAIT_SIGNAL_HPP

#include <hakit/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/associated_cancellation_slot.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/execution.hpp>
#include <boost/asio/execution_context.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/recycling_allocator.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <cstddef>
#include <new>
#include <set>
#include <tuple>
#include <type_traits>
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

/// Posts `f` to `ex`; straight to the io_context when `ex` is a plain io_context executor (no
/// polymorphic executor calls on the hot path).
template <class F>
void post_to(const boost::asio::any_io_executor& ex, F&& f)
{
    using io_executor = boost::asio::io_context::executor_type;
    if (const auto* io = ex.target<io_executor>())
        boost::asio::post(*io, std::forward<F>(f));
    else
        boost::asio::post(ex, std::forward<F>(f));
}

/// A condition variable for coroutines on one executor: waiters re-check their predicate after
/// every wake-up. notify_all() never runs a waiter inline; each wake-up is one post. Much cheaper
/// than a timer, which goes through the reactor's timer queue on every wait and cancel.
///
/// Waiters are intrusive nodes: the first one lives inside the signal, others come from Asio's
/// recycling allocator. A coroutine waits without a coroutine frame of its own:
/// `const bool woken = co_await signal.wait();` (false: the waiting coroutine was cancelled).
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
        drop_all();
    }

    /// Wakes every current waiter (later waiters are not affected), in the order they started.
    void notify_all()
    {
        waiter_base* w = std::exchange(head_, nullptr);
        tail_ = nullptr;
        while (w)
        {
            waiter_base* next = w->next;
            w->slot.clear();
            w->finish(*this, w, completion::woken);
            w = next;
        }
    }

    /// Wakes every current waiter like notify_all(), but resumes waiting coroutines right here
    /// instead of posting them (other handlers are still posted). Only for callers that already run
    /// as a handler of their own on the signal's executor, outside any call whose caller must not
    /// see a waiter run inline. The caller keeps the signal alive until this returns.
    void notify_all_here()
    {
        waiter_base* w = std::exchange(head_, nullptr);
        tail_ = nullptr;
        // Should a resumed coroutine throw, the waiters not resumed yet are still woken (posted).
        struct rest_posted
        {
            wait_signal& signal;
            waiter_base*& rest;
            ~rest_posted()
            {
                while (rest)
                {
                    waiter_base* next = rest->next;
                    rest->slot.clear();
                    rest->finish(signal, rest, completion::woken);
                    rest = next;
                }
            }
        } guard{*this, w};
        while (w)
        {
            waiter_base* current = std::exchange(w, w->next);
            current->slot.clear();
            current->finish(*this, current, completion::woken_here);
        }
    }

    /// Whether someone waits.
    bool has_waiters() const noexcept { return head_ != nullptr; }

    /// The bare asynchronous operation, completing with `bool woken` (false when the waiter was
    /// cancelled). Awaited directly it needs no coroutine frame: `bool woken = co_await s.wait();`.
    class wait_operation
    {
    public:
        explicit wait_operation(wait_signal* signal) noexcept : signal_(signal) {}

        template <boost::asio::completion_token_for<void(bool)> Token>
        auto operator()(Token&& token) const
        {
            return signal_->initiate<void(bool)>(std::forward<Token>(token));
        }

    private:
        wait_signal* signal_;
    };

    wait_operation wait() noexcept { return wait_operation(this); }

    /// Waits for the next notify_all(). Returns false if the waiting coroutine itself was cancelled
    /// (e.g. it lost an `||` race), true when it was woken.
    boost::asio::awaitable<bool> async_wait();

    /// The same wait as an awaitable completing with `std::tuple<error_code>` (ec set when the waiter
    /// was cancelled). Prefer wait() on hot paths.
    boost::asio::awaitable<std::tuple<boost::system::error_code>> async_wait_operation();

    /// Drops every pending waiter without running it (execution context shutdown).
    void abandon() noexcept
    {
        drop_all();
        service_ = nullptr;
    }

private:
    enum class completion
    {
        woken,       // posted: woken
        woken_here,  // a coroutine is resumed at once, other handlers are posted: woken
        cancelled,   // posted: not woken
        dropped      // destroyed without running
    };

    struct waiter_base
    {
        waiter_base* prev = nullptr;
        waiter_base* next = nullptr;
        boost::asio::cancellation_slot slot;
        /// Frees the node, then completes or destroys its handler.
        void (*finish)(wait_signal&, waiter_base*, completion) = nullptr;
        bool in_place = false;
    };

    // A coroutine holds work on its executor while it exists (co_spawn), so its waits need not.
    template <class Handler>
    static constexpr bool resumes_coroutine =
        std::is_base_of_v<boost::asio::detail::awaitable_thread<boost::asio::any_io_executor>, Handler>;

    struct no_work
    {
        explicit no_work(const boost::asio::any_io_executor&) noexcept {}
    };

    struct tracked_work
    {
        // Keeps the executor's context running while someone waits, as a pending timer would.
        explicit tracked_work(const boost::asio::any_io_executor& ex)
            : ex(boost::asio::prefer(ex, boost::asio::execution::outstanding_work.tracked))
        {}
        boost::asio::any_io_executor ex;
    };

    template <class Handler, class Signature>
    struct waiter final : waiter_base
    {
        using work_type = std::conditional_t<resumes_coroutine<Handler>, no_work, tracked_work>;

        waiter(Handler&& h, const boost::asio::any_io_executor& ex) : handler(std::move(h)), work(ex)
        {
            finish = &finish_waiter;
        }

        static void finish_waiter(wait_signal& signal, waiter_base* base, completion how)
        {
            auto* self = static_cast<waiter*>(base);
            Handler handler(std::move(self->handler));
            [[maybe_unused]] work_type work(std::move(self->work));
            signal.free_waiter(self);
            if constexpr (resumes_coroutine<Handler> && std::is_same_v<Signature, void(bool)>)
            {
                if (how == completion::woken_here)
                {
                    std::move(handler)(true);
                    return;
                }
            }
            if (how != completion::dropped)
                post_completion<Signature>(signal.ex_, std::move(handler), how != completion::cancelled);
            // `work` goes only after the completion is queued.
        }

        Handler handler;
        [[no_unique_address]] work_type work;
    };

    template <class Signature>
    struct initiation
    {
        wait_signal* self;

        template <class Handler>
        void operator()(Handler&& handler) const
        {
            self->add_waiter<Signature>(std::forward<Handler>(handler));
        }
    };

    template <class Signature, class Token>
    auto initiate(Token&& token)
    {
        return boost::asio::async_initiate<Token, Signature>(initiation<Signature>{this}, token);
    }

    template <class Signature, class Handler>
    void add_waiter(Handler&& h)
    {
        using handler_type = std::decay_t<Handler>;
        using node_type = waiter<handler_type, Signature>;
        auto slot = boost::asio::get_associated_cancellation_slot(h);
        handler_type handler(std::forward<Handler>(h));

        node_type* w = nullptr;
        if constexpr (sizeof(node_type) <= sizeof(first_) && alignof(node_type) <= alignof(std::max_align_t))
        {
            if (!first_used_)
            {
                w = ::new (static_cast<void*>(first_)) node_type(std::move(handler), ex_);
                first_used_ = true;
                w->in_place = true;
            }
        }
        if (!w)
        {
            boost::asio::recycling_allocator<node_type> alloc;
            node_type* memory = alloc.allocate(1);
            try
            {
                w = ::new (static_cast<void*>(memory)) node_type(std::move(handler), ex_);
            }
            catch (...)
            {
                alloc.deallocate(memory, 1);
                throw;
            }
        }

        w->prev = tail_;
        if (tail_)
            tail_->next = w;
        else
            head_ = w;
        tail_ = w;
        w->slot = slot;
        if (slot.is_connected())
            slot.assign([this, w](boost::asio::cancellation_type) { cancel(w); });
    }

    template <class Node>
    void free_waiter(Node* w) noexcept
    {
        const bool in_place = w->in_place;
        w->~Node();
        if (in_place)
            first_used_ = false;
        else
            boost::asio::recycling_allocator<Node>().deallocate(w, 1);
    }

    void unlink(waiter_base* w) noexcept
    {
        if (w->prev)
            w->prev->next = w->next;
        else
            head_ = w->next;
        if (w->next)
            w->next->prev = w->prev;
        else
            tail_ = w->prev;
    }

    void cancel(waiter_base* w)
    {
        // Runs inside the cancellation slot's own handler: do not clear the slot here.
        unlink(w);
        w->finish(*this, w, completion::cancelled);
    }

    template <class Signature, class Handler>
    static void post_completion(const boost::asio::any_io_executor& ex, Handler&& handler, bool woken)
    {
        if constexpr (std::is_same_v<Signature, void(bool)>)
        {
            post_to(ex, [h = std::move(handler), woken]() mutable { std::move(h)(woken); });
        }
        else
        {
            boost::system::error_code ec;
            if (!woken)
                ec = boost::asio::error::operation_aborted;
            post_to(ex, [h = std::move(handler), ec]() mutable { std::move(h)(ec); });
        }
    }

    void drop_all() noexcept
    {
        waiter_base* w = std::exchange(head_, nullptr);
        tail_ = nullptr;
        while (w)
        {
            waiter_base* next = w->next;
            w->slot.clear();
            w->finish(*this, w, completion::dropped);
            w = next;
        }
    }

    boost::asio::any_io_executor ex_;
    wait_signal_service* service_;
    waiter_base* head_ = nullptr;
    waiter_base* tail_ = nullptr;
    // Room for the first waiter: a waiting coroutine's node (links, slot and handler) fits.
    alignas(std::max_align_t) unsigned char first_[64];
    bool first_used_ = false;
};

inline boost::asio::awaitable<bool> wait_signal::async_wait()
{
    const bool woken = co_await wait();
    co_return woken;
}

inline boost::asio::awaitable<std::tuple<boost::system::error_code>> wait_signal::async_wait_operation()
{
    return initiate<void(boost::system::error_code)>(boost::asio::as_tuple(boost::asio::use_awaitable));
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
