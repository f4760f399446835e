// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_HA_CORE_HPP
#define HAKIT_DETAIL_HA_CORE_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_core.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>

#include <algorithm>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN
namespace detail {

/// An awaitable that completes at once with `r` (for handles that have nothing to wait for).
template <class T>
boost::asio::awaitable<result<T>> ready(result<T> r)
{
    co_return r;
}

/// Events handed to one component, in the order the election produced them.
using component_event = std::variant<leadership_granted, leadership_revoked, election_error>;

/// A component's queue of undelivered events and the signal its waiting coroutine sleeps on.
struct component_mailbox
{
    explicit component_mailbox(boost::asio::any_io_executor ex) : signal(std::move(ex)) {}

    std::deque<component_event> events;
    wait_signal signal;
    bool released = false;
    /// Listed in ha_core's to-wake list (so that it is listed once without searching the list).
    bool waking = false;
};

/// Completion of a group of backend operations requested by one call (confirm, resign, close).
struct operation_group
{
    std::size_t remaining = 0;
    error_code first_error;
};

/// The per-process HA state behind one ha_services: the backend connection, the election state
/// machine, the component mailboxes and the retrievers. Everything runs on one executor.
///
/// Backend operations (start/stop of the election, publications) are performed strictly one after
/// another in request order. An immediate backend (in-memory, standalone) performs each at once,
/// inside the call that asked for it. Otherwise a sequencer coroutine, which exists only while
/// there is work, performs them and hands consecutive publications to the backend as one batch.
template <class Backend>
class ha_core : public std::enable_shared_from_this<ha_core<Backend>>
{
public:
    using connection_type = typename Backend::connection;

    template <class... Args>
    explicit ha_core(boost::asio::any_io_executor ex, Args&&... args)
        : ex_(ex)
        , connection_(ex, std::forward<Args>(args)...)
        , events_([this] { schedule_drain(); })
        , operations_done_(ex)
    {}

    ha_core(const ha_core&) = delete;
    ha_core& operator=(const ha_core&) = delete;

    ~ha_core() { connection_.close_now(); }

    const boost::asio::any_io_executor& get_executor() const noexcept { return ex_; }
    connection_type& connection() noexcept { return connection_; }
    const connection_type& connection() const noexcept { return connection_; }
    bool closed() const noexcept { return closed_; }

    // --- elections -----------------------------------------------------------------------------

    /// Registers `id`; the returned state stays valid until release(id).
    result<const component_state*> claim(const component_id& id)
    {
        if (closed_)
            return errc::closed;
        BOOST_OUTCOME_TRY(election_.claim(id));
        mailboxes_[id] = std::make_shared<component_mailbox>(ex_);
        return election_.find(id);
    }

    void release(const component_id& id)
    {
        scratch_actions actions(*this);
        election_.release(id, actions.list);
        perform(actions.list, no_group());
        auto it = mailboxes_.find(id);
        if (it != mailboxes_.end())
        {
            it->second->released = true;
            it->second->signal.notify_all();
            mailboxes_.erase(it);
        }
    }

    bool has_leadership(const component_state& state, session_id term) const noexcept
    {
        return election_.leads(state, term, connection_.holds_term(term));
    }

    // The waiting loops below have a loop condition and a single co_return after the loop: GCC 12
    // miscompiles a `for (;;)` that co_returns from its middle after a co_await (illegal instruction).

    /// Joins the election and waits for a grant; a cancelled campaign withdraws again.
    boost::asio::awaitable<result<session_id>> async_campaign(component_id id)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        auto self = this->shared_from_this();
        BOOST_OUTCOME_CO_TRY(auto box, join(id));
        std::optional<result<session_id>> out;
        while (!out)
        {
            if (box->released || closed_)
            {
                out.emplace(errc::closed);
                break;
            }
            while (!out && !box->events.empty())
            {
                auto event = std::move(box->events.front());
                box->events.pop_front();
                if (auto* granted = std::get_if<leadership_granted>(&event))
                    out.emplace(granted->id);
                else if (auto* failed = std::get_if<election_error>(&event))
                    out.emplace(failed->ec);
            }
            if (out)
                break;
            const bool woken = co_await box->signal.wait();
            if (!woken)
            {
                withdraw(id);
                out.emplace(boost::asio::error::operation_aborted);
            }
        }
        co_return std::move(*out);
    }

    /// Completes when term `term` of `id` ends (at once if it is not current).
    boost::asio::awaitable<result<void>> async_revoked(component_id id, session_id term)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        auto self = this->shared_from_this();
        auto box = mailbox(id);
        std::optional<result<void>> out;
        while (!out)
        {
            const auto* state = election_.find(id);
            if (!box || box->released || closed_)
                out.emplace(success());
            else if (!state || !state->participating || election_.issued() != term)
            {
                // The term already ended; drop its queued revoke so that it is not reported twice.
                if (!box->events.empty() && std::holds_alternative<leadership_revoked>(box->events.front()))
                    box->events.pop_front();
                out.emplace(success());
            }
            while (!out && !box->events.empty())
            {
                auto event = std::move(box->events.front());
                box->events.pop_front();
                if (std::holds_alternative<leadership_revoked>(event))
                    out.emplace(success());
                else if (auto* failed = std::get_if<election_error>(&event))
                    out.emplace(failed->ec);
            }
            if (out)
                break;
            const bool woken = co_await box->signal.wait();
            if (!woken)
                out.emplace(boost::asio::error::operation_aborted);
        }
        co_return std::move(*out);
    }

    /// Publishes `address` for term `term` and waits until the backend has it.
    boost::asio::awaitable<result<void>> async_confirm(component_id id, session_id term, std::string address)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        [[maybe_unused]] auto self = keep_alive_while_waiting();
        group_storage storage;
        {
            scratch_actions actions(*this);
            BOOST_OUTCOME_CO_TRY(
                election_.confirm(id, term, std::move(address), connection_.holds_term(term), actions.list)
            );
            perform(actions.list, storage.group());
        }
        if constexpr (immediate_backend)
            co_return outcome_of(storage.local);
        else
            co_return co_await wait(storage.group());
    }

    /// Stops contending: revokes `id` if it leads, deletes its published information, and leaves
    /// the backend election when it was the last contender. Completes when the backend is done.
    boost::asio::awaitable<result<void>> async_resign(component_id id)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        [[maybe_unused]] auto self = keep_alive_while_waiting();
        group_storage storage;
        withdraw(id, storage.group());
        result<void> r = success();
        if constexpr (immediate_backend)
            r = outcome_of(storage.local);
        else
            r = co_await wait(storage.group());
        // Losing the latch first makes the deletion moot; resigning still succeeded.
        if (!r && r.error() == errc::not_leader)
            co_return success();
        co_return r;
    }

    /// Runs a Flink-style contender: its callbacks are invoked in order from this coroutine, never
    /// from the backend's call stack. Ends with errc::closed, or operation_aborted when cancelled
    /// (then the component withdraws).
    template <class Contender>
    boost::asio::awaitable<result<void>> async_run_contender(component_id id, Contender& contender)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        auto self = this->shared_from_this();
        BOOST_OUTCOME_CO_TRY(auto box, join(id));
        std::optional<result<void>> out;
        while (!out)
        {
            while (!box->events.empty())
            {
                auto event = std::move(box->events.front());
                box->events.pop_front();
                co_await deliver_to(contender, std::move(event));
            }
            if (box->released || closed_)
            {
                out.emplace(errc::closed);
                break;
            }
            const bool woken = co_await box->signal.wait();
            if (!woken)
            {
                withdraw(id);
                // The contender learns of the withdrawal like of any other revoke.
                while (!box->events.empty())
                {
                    auto event = std::move(box->events.front());
                    box->events.pop_front();
                    if (std::holds_alternative<leadership_revoked>(event))
                        co_await deliver_to(contender, std::move(event));
                }
                out.emplace(boost::asio::error::operation_aborted);
            }
        }
        co_return std::move(*out);
    }

    // --- retrieval -----------------------------------------------------------------------------

    result<std::pair<std::shared_ptr<retrieval_channel>, std::uint64_t>> start_retrieval(
        const component_id& id, std::optional<std::string> fallback_address
    )
    {
        if (closed_)
            return errc::closed;
        auto channel = std::make_shared<retrieval_channel>(ex_);
        const auto token = connection_.start_retrieval(id, std::move(fallback_address), channel.get());
        retrievals_[token] = channel;
        return std::pair{std::move(channel), token};
    }

    void stop_retrieval(std::uint64_t token)
    {
        auto it = retrievals_.find(token);
        if (it == retrievals_.end())
            return;
        connection_.stop_retrieval(token);
        it->second->stop();
        retrievals_.erase(it);
    }

    // --- lifecycle -----------------------------------------------------------------------------

    /// Withdraws every component, stops every retriever and closes the backend connection. Data is
    /// kept.
    boost::asio::awaitable<result<void>> async_close()
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        auto self = this->shared_from_this();
        if (closed_)
            co_return success();
        group_storage storage;
        {
            scratch_actions actions(*this);
            election_.close(actions.list);
            perform(actions.list, storage.group());
        }
        closed_ = true;
        result<void> withdrawn = success();
        if constexpr (immediate_backend)
            withdrawn = outcome_of(storage.local);
        else
            withdrawn = co_await wait(storage.group());
        stop_all_retrievals();
        for (auto& [id, box] : mailboxes_)
            box->signal.notify_all();
        auto closed = co_await connection_.async_close();
        if (!closed)
            co_return closed;
        if (!withdrawn && withdrawn.error() != errc::not_leader)
            co_return withdrawn;
        co_return success();
    }

    /// Best-effort synchronous close for destructors: no waiting for the backend.
    void close_now() noexcept
    {
        if (closed_)
            return;
        closed_ = true;
        stop_all_retrievals();
        for (auto& [id, box] : mailboxes_)
            box->signal.notify_all();
        connection_.close_now();
    }

private:
    /// Whether the backend completes its election operations immediately (the in-memory and
    /// standalone backends do): then they run synchronously, without queue, coroutine frames or posts.
    static constexpr bool immediate_backend =
        requires(connection_type & c, election_event_queue* queue, std::span<const publication> batch)
    {
        {
            c.publish_now(batch)
            } -> std::same_as<result<void>>;
        {
            c.start_election_now(queue)
            } -> std::same_as<result<void>>;
        {
            c.stop_election_now()
            } -> std::same_as<result<void>>;
    };

    /// Who learns the outcome of a call's backend operations. With an immediate backend they are
    /// done before perform() returns, so the caller's own group will do; otherwise the sequencer
    /// updates a shared one, which outlives a caller that stops waiting.
    using group_ptr =
        std::conditional_t<immediate_backend, operation_group*, std::shared_ptr<operation_group>>;

    static group_ptr no_group() noexcept { return group_ptr(); }

    /// What a call's coroutine holds to keep this core alive while it waits for the backend: nothing
    /// when the backend is immediate and the call never suspends.
    auto keep_alive_while_waiting()
    {
        if constexpr (immediate_backend)
            return std::monostate{};
        else
            return this->shared_from_this();
    }

    struct group_storage
    {
        operation_group local;
        std::shared_ptr<operation_group> shared;

        group_ptr group()
        {
            if constexpr (immediate_backend)
                return &local;
            else
            {
                if (!shared)
                    shared = std::make_shared<operation_group>();
                return shared;
            }
        }
    };

    static result<void> outcome_of(const operation_group& group)
    {
        if (group.first_error)
            return group.first_error;
        return success();
    }

    /// An election_actions list whose capacity is reused from call to call (no allocation per
    /// event once warm). Safe against re-entry: a nested user just starts with an empty list.
    struct scratch_actions
    {
        explicit scratch_actions(ha_core& core) : core(core), list(std::move(core.spare_actions_))
        {
            list.clear();
        }
        scratch_actions(const scratch_actions&) = delete;
        scratch_actions& operator=(const scratch_actions&) = delete;
        ~scratch_actions()
        {
            list.clear();
            if (list.capacity() > core.spare_actions_.capacity())
                core.spare_actions_ = std::move(list);
        }

        ha_core& core;
        election_actions list;
    };

    using backend_operation = std::variant<publication, start_driver, stop_driver>;

    struct queued_operation
    {
        backend_operation operation;
        std::shared_ptr<operation_group> group;
    };

    std::shared_ptr<component_mailbox> mailbox(const component_id& id) const
    {
        auto it = mailboxes_.find(id);
        return it == mailboxes_.end() ? nullptr : it->second;
    }

    /// Starts contending; the component's mailbox receives its events.
    result<std::shared_ptr<component_mailbox>> join(const component_id& id)
    {
        auto box = mailbox(id);
        if (!box)
            return errc::closed;
        scratch_actions actions(*this);
        BOOST_OUTCOME_TRY(election_.join(id, actions.list));
        perform(actions.list, no_group());
        return box;
    }

    void withdraw(const component_id& id, const group_ptr& group = no_group())
    {
        scratch_actions actions(*this);
        election_.withdraw(id, actions.list);
        perform(actions.list, group);
    }

    void stop_all_retrievals()
    {
        for (auto& [token, channel] : retrievals_)
        {
            connection_.stop_retrieval(token);
            channel->stop();
        }
        retrievals_.clear();
    }

    void schedule_drain()
    {
        post_to(ex_, [weak = this->weak_from_this()] {
            if (auto self = weak.lock())
                self->drain();
        });
    }

    /// Applies the backend's queued events. This already runs as a handler of its own, posted by
    /// the backend's call, so the components it wakes are resumed here, after every event has been
    /// applied, instead of one more post each.
    void drain()
    {
        draining_ = true;
        try
        {
            events_.drain([this](election_event event) {
                scratch_actions actions(*this);
                const auto& issued = election_.issued();
                election_.on_event(event, issued && connection_.holds_term(*issued), actions.list);
                perform(actions.list, no_group());
            });
        }
        catch (...)
        {
            draining_ = false;
            wake_deferred(false);
            throw;
        }
        draining_ = false;
        wake_deferred(true);
    }

    /// Wakes the mailboxes drain() delivered to: their coroutines resumed right here (`here`), or
    /// posted.
    void wake_deferred(bool here)
    {
        if (to_wake_.empty())
            return;
        auto boxes = std::move(to_wake_);
        to_wake_.clear();
        for (auto& box : boxes)
            box->waking = false;
        for (auto& box : boxes)
        {
            // `box` keeps the signal alive while the coroutines it wakes run.
            if (here)
                box->signal.notify_all_here();
            else
                box->signal.notify_all();
        }
    }

    void perform(election_actions& actions, const group_ptr& group)
    {
        for (auto& action : actions)
        {
            std::visit(
                [&](auto& a) {
                    using A = std::decay_t<decltype(a)>;
                    if constexpr (std::is_same_v<A, deliver_granted>)
                        deliver(a.component, leadership_granted{a.id});
                    else if constexpr (std::is_same_v<A, deliver_revoked>)
                        deliver(a.component, leadership_revoked{});
                    else if constexpr (std::is_same_v<A, deliver_error>)
                        deliver(a.component, election_error{a.ec});
                    else if constexpr (immediate_backend)
                    {
                        // Performed at once, in request order: nothing is ever queued (every backend
                        // callback is posted, so nothing re-enters here). Nothing here suspends,
                        // which is why async_confirm and async_resign need not keep the core alive
                        // (keep_alive_while_waiting): a co_await here would have to change that.
                        const auto outcome = perform_now(a);
                        if (group && !outcome && !group->first_error)
                            group->first_error = outcome.error();
                    }
                    else
                        enqueue(backend_operation(std::move(a)), group);
                },
                action
            );
        }
    }

    void deliver(const component_id& id, component_event event)
    {
        auto it = mailboxes_.find(id);
        if (it == mailboxes_.end())
            return;
        auto& box = *it->second;
        box.events.push_back(std::move(event));
        if (!draining_)
            box.signal.notify_all();
        else if (box.signal.has_waiters() && !box.waking)
        {
            box.waking = true;
            to_wake_.push_back(it->second);
        }
    }

    /// Queues an operation for the sequencer (backends that are not immediate).
    void enqueue(backend_operation operation, const group_ptr& group)
    {
        operations_.push_back({std::move(operation), group});
        if (group)
            ++group->remaining;
        else if (!sequencer_running_)
        {
            // Nobody waits for this operation: a sequencer of its own performs it. (A caller that
            // waits drives the sequencer itself, see wait().)
            sequencer_running_ = true;
            boost::asio::co_spawn(ex_, run_sequencer(this->shared_from_this()), boost::asio::detached);
        }
    }

    /// Whether the backend can delete published information and leave its election in one step
    /// (ZooKeeper: one multi, so the successor learns of both from one transaction).
    static constexpr bool folds_stop = requires(connection_type & c, std::vector<publication> batch)
    {
        {
            c.async_publish_and_stop(std::move(batch))
            } -> std::same_as<boost::asio::awaitable<result<void>>>;
    };

    static boost::asio::awaitable<void> run_sequencer(std::shared_ptr<ha_core> self)
    {
        co_await self->sequence();
    }

    // Performs one operation synchronously (immediate backends only).
    result<void> perform_now(const publication& p)
    {
        return connection_.publish_now(std::span<const publication>(&p, 1));
    }

    result<void> perform_now(start_driver)
    {
        auto outcome = connection_.start_election_now(&events_);
        if (!outcome)
            events_.push(election_error{outcome.error()});
        return outcome;
    }

    result<void> perform_now(stop_driver) { return connection_.stop_election_now(); }

    /// The next batch: all consecutive publications at the front, or one other operation.
    std::vector<queued_operation> take_batch()
    {
        std::vector<queued_operation> batch;
        if (std::holds_alternative<publication>(operations_.front().operation))
        {
            while (!operations_.empty() && std::holds_alternative<publication>(operations_.front().operation))
            {
                batch.push_back(std::move(operations_.front()));
                operations_.pop_front();
            }
        }
        else
        {
            batch.push_back(std::move(operations_.front()));
            operations_.pop_front();
        }
        return batch;
    }

    static std::vector<publication> publications_of(std::vector<queued_operation>& batch)
    {
        std::vector<publication> publications;
        publications.reserve(batch.size());
        for (auto& op : batch)
            publications.push_back(std::get<publication>(std::move(op.operation)));
        return publications;
    }

    void finish(std::vector<queued_operation>& batch, const result<void>& outcome)
    {
        bool waited_for = false;
        for (auto& op : batch)
        {
            if (!op.group)
                continue;
            waited_for = true;
            --op.group->remaining;
            if (!outcome && !op.group->first_error)
                op.group->first_error = outcome.error();
        }
        if (waited_for)
            operations_done_.notify_all();
    }

    boost::asio::awaitable<void> sequence()
    {
        while (!operations_.empty())
        {
            auto batch = take_batch();
            result<void> outcome = success();
            const bool publishing = std::holds_alternative<publication>(batch.front().operation);
            bool folded = false;
            if constexpr (folds_stop)
            {
                if (publishing && !operations_.empty() &&
                    std::holds_alternative<stop_driver>(operations_.front().operation))
                {
                    // Publications (the deletes of a resign or close) right before the stop: a
                    // backend that can do both in one step is given both.
                    folded = true;
                    auto publications = publications_of(batch);
                    batch.push_back(std::move(operations_.front()));
                    operations_.pop_front();
                    outcome = co_await connection_.async_publish_and_stop(std::move(publications));
                }
            }
            if (folded)
            {}
            else if (publishing)
                outcome = co_await connection_.async_publish(publications_of(batch));
            else if (std::holds_alternative<start_driver>(batch.front().operation))
            {
                outcome = co_await connection_.async_start_election(&events_);
                if (!outcome)
                    events_.push(election_error{outcome.error()});
            }
            else
                outcome = co_await connection_.async_stop_election();
            finish(batch, outcome);
        }
        sequencer_running_ = false;
    }

    /// Waits until the group's operations are done. If no sequencer is running, the caller performs
    /// the queued operations itself: no extra coroutine, no extra post.
    boost::asio::awaitable<result<void>> wait(std::shared_ptr<operation_group> group)
    {
        // Kept deliberately plain (no `continue` after a co_await, one co_return type): GCC 12
        // miscompiles some coroutine control flow into an illegal instruction.
        error_code ec;
        while (group->remaining > 0 && !ec)
        {
            if (!sequencer_running_ && !operations_.empty())
            {
                sequencer_running_ = true;
                // One turn of the executor first: calls already scheduled (the confirms of every
                // component granted by the same event, 1000 of them in a failover of 1000 jobs)
                // join this batch instead of waiting for a second one.
                co_await boost::asio::post(ex_, boost::asio::use_awaitable);
                co_await sequence();
            }
            else
            {
                const bool woken = co_await operations_done_.wait();
                if (!woken)
                    ec = boost::asio::error::operation_aborted;
            }
        }
        if (!ec)
            ec = group->first_error;
        result<void> outcome = success();
        if (ec)
            outcome = ec;
        co_return outcome;
    }

    /// Calls the contender's callback for `event`; a callback may be a plain function or return
    /// an awaitable<void>, which is awaited before the next event.
    template <class Contender>
    static boost::asio::awaitable<void> deliver_to(Contender& contender, component_event event)
    {
        using awaitable_void = boost::asio::awaitable<void>;
        if (auto* granted = std::get_if<leadership_granted>(&event))
        {
            const session_id id = granted->id;
            if constexpr (std::is_same_v<decltype(contender.grant_leadership(id)), awaitable_void>)
                co_await contender.grant_leadership(id);
            else
                contender.grant_leadership(id);
        }
        else if (std::holds_alternative<leadership_revoked>(event))
        {
            if constexpr (std::is_same_v<decltype(contender.revoke_leadership()), awaitable_void>)
                co_await contender.revoke_leadership();
            else
                contender.revoke_leadership();
        }
        else
        {
            const error_code ec = std::get<election_error>(event).ec;
            if constexpr (std::is_same_v<decltype(contender.handle_error(ec)), awaitable_void>)
                co_await contender.handle_error(ec);
            else
                contender.handle_error(ec);
        }
    }

    boost::asio::any_io_executor ex_;
    connection_type connection_;
    election_core election_;
    election_event_queue events_;
    std::map<component_id, std::shared_ptr<component_mailbox>> mailboxes_;
    std::map<std::uint64_t, std::shared_ptr<retrieval_channel>> retrievals_;
    std::deque<queued_operation> operations_;
    wait_signal operations_done_;
    election_actions spare_actions_;
    // Mailboxes to wake once the current drain() has applied every event.
    std::vector<std::shared_ptr<component_mailbox>> to_wake_;
    bool draining_ = false;
    bool sequencer_running_ = false;
    bool closed_ = false;
};

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
