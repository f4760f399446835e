// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_LEADER_LATCH_HPP
#define HAKIT_ZOOKEEPER_LEADER_LATCH_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/results.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zk/watcher_event.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/latch_machine.hpp>
#include <hakit/zookeeper/layout.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// Curator's LeaderLatch over a zk::client: performs what latch_machine asks (creates, listings,
/// watches, guaranteed deletes), feeds the answers back, and arms the local deadline timer while
/// leading (connection_policy::lead_deadline). Everything runs on the client's executor.
///
/// The owner forwards the client's connection events (on_connection) and learns of leadership
/// changes and errors through the two callbacks. They are called synchronously, from the latch's
/// handlers and from within start() and on_connection(); they must not call back into the latch
/// (reading leading() and node_path() is fine).
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe.
class leader_latch
{
public:
    /// Called when the latch's leadership changes.
    using leadership_handler = std::function<void(bool leading)>;
    /// Called with errors the latch cannot handle itself (no_auth, invalid_acl, ...).
    using error_handler = std::function<void(error_code)>;

    /// A latch in `latch_path` (created if missing, its ancestors persistent, itself a container),
    /// every node created with `acl`.
    leader_latch(
        std::shared_ptr<zk::client> client,
        std::string latch_path,
        connection_policy policy,
        std::vector<zk::acl> acl,
        leadership_handler on_leadership,
        error_handler on_error
    )
        : state_(std::make_shared<state>(
              std::move(client),
              std::move(latch_path),
              policy,
              std::move(acl),
              std::move(on_leadership),
              std::move(on_error)
          ))
    {}

    leader_latch(const leader_latch&) = delete;
    leader_latch& operator=(const leader_latch&) = delete;
    ~leader_latch() { close_now(); }

    /// Joins the election (at once if the client has a session, else on its next `connected`).
    void start()
    {
        latch_actions out;
        state_->machine.start(state_->client->state(), out);
        perform(state_, out);
    }

    /// Leaves the election and completes once our latch node is deleted (or the session that owned
    /// it ended). Leadership ends at once. Cancellation: operation_aborted (the stop goes on).
    /// `with`: deletes to make in the same multi as our node's (our connection_info nodes, with
    /// their versions); if one of them meets a different node, our node is deleted alone.
    boost::asio::awaitable<result<void>> async_stop(std::vector<zk::multi_op> with = {})
    {
        return stop(state_, std::move(with));
    }

    /// A connection event of the client, in order.
    void on_connection(zk::connection_event e)
    {
        if (state_->closed)
            return;
        latch_actions out;
        state_->machine.on_connection(e, out);
        state_->link_changed.notify_all();
        perform(state_, out);
    }

    /// Whether the latch grants leadership now (first in line, verified, policy satisfied as of
    /// the last connection event). The clock is the caller's business (connection_policy).
    bool leading() const noexcept { return !state_->closed && state_->machine.leading(); }

    /// Our latch node's path, if it exists.
    const std::optional<std::string>& node_path() const noexcept { return state_->machine.node_path(); }

    const latch_machine& machine() const noexcept { return state_->machine; }

    /// Stops everything at once (no deletion: the session's end removes the node).
    void close_now() noexcept
    {
        if (!state_ || state_->closed)
            return;
        state_->closed = true;
        state_->on_leadership = nullptr;
        state_->on_error = nullptr;
        state_->watch_cancel.emit(boost::asio::cancellation_type::terminal);
        ++state_->deadline_generation;
        state_->deadline_timer.cancel();
        state_->stopped.notify_all();
        state_->link_changed.notify_all();
    }

private:
    struct state
    {
        state(
            std::shared_ptr<zk::client> c,
            std::string latch_path,
            connection_policy policy,
            std::vector<zk::acl> a,
            leadership_handler leadership,
            error_handler error
        )
            : client(std::move(c))
            , acl(std::move(a))
            , machine(std::move(latch_path), policy)
            , on_leadership(std::move(leadership))
            , on_error(std::move(error))
            , stopped(client->get_executor())
            , link_changed(client->get_executor())
            , deadline_timer(client->get_executor())
        {}

        std::shared_ptr<zk::client> client;
        std::vector<zk::acl> acl;
        latch_machine machine;
        leadership_handler on_leadership;
        error_handler on_error;
        /// Cancels the coroutine waiting for the watch that matters now.
        boost::asio::cancellation_signal watch_cancel;
        hakit::detail::wait_signal stopped;
        hakit::detail::wait_signal link_changed;
        boost::asio::steady_timer deadline_timer;
        std::uint64_t deadline_generation = 0;
        /// Deletes that go in one multi with the delete of `fold_node` (set by a stop).
        std::vector<zk::multi_op> fold;
        std::optional<std::string> fold_node;
        bool stop_done = false;
        bool closed = false;
    };

    using state_ptr = std::shared_ptr<state>;

    template <class Input>
    static void feed(const state_ptr& s, Input input)
    {
        if (s->closed)
            return;
        latch_actions out;
        input(s->machine, out);
        perform(s, out);
    }

    static void perform(const state_ptr& s, latch_actions& actions)
    {
        const auto ex = s->client->get_executor();
        for (auto& action : actions)
        {
            if (s->closed)
                return;
            std::visit(
                [&](auto& a) {
                    using A = std::decay_t<decltype(a)>;
                    if constexpr (std::is_same_v<A, latch_create>)
                        boost::asio::co_spawn(
                            ex, create(s, a.ticket, std::move(a.path)), boost::asio::detached
                        );
                    else if constexpr (std::is_same_v<A, latch_create_parents>)
                        boost::asio::co_spawn(ex, create_parents(s, a.ticket), boost::asio::detached);
                    else if constexpr (std::is_same_v<A, latch_list>)
                        boost::asio::co_spawn(ex, list(s, a.ticket), boost::asio::detached);
                    else if constexpr (std::is_same_v<A, latch_verify>)
                        boost::asio::co_spawn(
                            ex, verify(s, a.ticket, std::move(a.path)), boost::asio::detached
                        );
                    else if constexpr (std::is_same_v<A, latch_watch>)
                        boost::asio::co_spawn(
                            ex, watch_predecessor(s, a.ticket, std::move(a.path)), boost::asio::detached
                        );
                    else if constexpr (std::is_same_v<A, latch_unwatch>)
                        s->watch_cancel.emit(boost::asio::cancellation_type::terminal);
                    else if constexpr (std::is_same_v<A, latch_delete>)
                    {
                        std::vector<zk::multi_op> with;
                        if (s->fold_node == a.path)
                        {
                            with = std::move(s->fold);
                            s->fold.clear();
                            s->fold_node.reset();
                        }
                        boost::asio::co_spawn(
                            ex, remove(s, std::move(a.path), std::move(with)), boost::asio::detached
                        );
                    }
                    else if constexpr (std::is_same_v<A, latch_leadership>)
                        leadership_changed(s, a.leading);
                    else if constexpr (std::is_same_v<A, latch_error>)
                    {
                        if (s->on_error)
                            s->on_error(a.ec);
                    }
                    else
                    {
                        s->stop_done = true;
                        s->stopped.notify_all();
                    }
                },
                action
            );
        }
    }

    static void leadership_changed(const state_ptr& s, bool leading)
    {
        ++s->deadline_generation;
        s->deadline_timer.cancel();
        if (leading)
            boost::asio::co_spawn(
                s->client->get_executor(), watch_deadline(s, s->deadline_generation), boost::asio::detached
            );
        if (s->on_leadership)
            s->on_leadership(leading);
    }

    // ---- the operations (GCC 12: one co_return after a conditioned loop, named arguments) -------

    static boost::asio::awaitable<void> create(state_ptr s, std::uint64_t ticket, std::string path)
    {
        zk::bytes data;
        auto acl = s->acl;
        auto r = co_await s->client->async_create2(
            path, std::move(data), zk::create_mode::ephemeral_sequential, acl
        );
        // create2's Stat names the node's owner: a node of this session needs no verify before leading.
        const bool owned = r && r.value().stat.ephemeral_owner == s->client->session_id();
        result<std::string> created =
            r ? result<std::string>(std::move(r.value().path)) : result<std::string>(r.error());
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_created(ticket, created, out, owned); });
    }

    static boost::asio::awaitable<void> create_parents(state_ptr s, std::uint64_t ticket)
    {
        auto paths = layout::ancestors(s->machine.latch_path());
        paths.push_back(s->machine.latch_path());
        error_code failed;
        for (std::size_t i = 0; i < paths.size() && !failed; ++i)
        {
            const auto mode =
                i + 1 == paths.size() ? zk::create_mode::container : zk::create_mode::persistent;
            zk::bytes data;
            auto acl = s->acl;
            auto r = co_await s->client->async_create(paths[i], std::move(data), mode, acl);
            if (!r && r.error() != zk::error::node_exists)
                failed = r.error();
        }
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_parents_created(ticket, failed, out); });
    }

    static boost::asio::awaitable<void> list(state_ptr s, std::uint64_t ticket)
    {
        auto r = co_await s->client->async_get_children(s->machine.latch_path());
        result<std::vector<std::string>> children =
            r ? result<std::vector<std::string>>(std::move(r.value().children))
              : result<std::vector<std::string>>(r.error());
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_children(ticket, children, out); });
    }

    static boost::asio::awaitable<void> verify(state_ptr s, std::uint64_t ticket, std::string path)
    {
        auto r = co_await s->client->async_exists(path, true);
        result<std::optional<std::int64_t>> owner = std::optional<std::int64_t>();
        zk::watch armed;
        if (!r)
            owner = r.error();
        else
        {
            armed = r.value().watch;
            if (r.value().stat)
                owner = std::optional<std::int64_t>(r.value().stat->ephemeral_owner);
        }
        const auto session = s->client->session_id();
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_verified(ticket, owner, session, out); });
        if (!s->closed && s->machine.watching(ticket))
            wait_in_background(s, ticket, std::move(armed));
    }

    static boost::asio::awaitable<void> watch_predecessor(state_ptr s, std::uint64_t ticket, std::string path)
    {
        auto r = co_await s->client->async_get_data(path, true);
        const error_code ec = r ? error_code() : r.error();
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_watch_set(ticket, ec, out); });
        if (r && !s->closed && s->machine.watching(ticket))
            wait_in_background(s, ticket, std::move(r.value().watch));
    }

    /// Waits for `w` in a coroutine that the next latch_unwatch (or close) cancels.
    static void wait_in_background(const state_ptr& s, std::uint64_t ticket, zk::watch w)
    {
        // One waiter at a time: the previous one (if any) no longer matters.
        s->watch_cancel.emit(boost::asio::cancellation_type::terminal);
        boost::asio::co_spawn(
            s->client->get_executor(),
            wait_watch(s, ticket, std::move(w)),
            boost::asio::bind_cancellation_slot(s->watch_cancel.slot(), boost::asio::detached)
        );
    }

    static boost::asio::awaitable<void> wait_watch(state_ptr s, std::uint64_t ticket, zk::watch w)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        auto fired = co_await w.async_wait();
        // Session end and close come as connection events; cancellation means it no longer matters.
        const bool deleted = fired && fired.value().type == zk::event_type::node_deleted;
        if (fired)
            feed(s, [&](latch_machine& m, latch_actions& out) { m.on_watch_fired(ticket, out, deleted); });
    }

    /// A guaranteed delete: retried after connection loss until done or the session is gone.
    /// Deletes `path` (retrying after connection trouble), in one multi with the deletes `with`
    /// while they all still apply.
    static boost::asio::awaitable<void> remove(state_ptr s, std::string path, std::vector<zk::multi_op> with)
    {
        std::optional<error_code> outcome;
        while (!outcome)
        {
            error_code failed;
            bool again = false;
            if (with.empty())
            {
                auto r = co_await s->client->async_remove(path);
                failed = r ? error_code() : r.error();
            }
            else
            {
                auto ops = with;
                ops.push_back(zk::multi_op::remove(zk::delete_request{path, -1}));
                auto r = co_await s->client->async_multi(std::move(ops));
                const auto failure = r ? zk::find_failure(r.value()) : std::nullopt;
                if (!r)
                    failed = r.error();
                else if (failure && failure->index < with.size())
                {
                    // One of the other nodes changed: no longer ours to delete. Ours alone.
                    with.clear();
                    again = true;
                }
                else if (failure)
                    failed = failure->error;
            }
            if (again)
            {
                // at once, without the others (GCC 12: no continue after a co_await)
            }
            else if (!failed)
                outcome = error_code();
            else if (!detail::is_connection_trouble(failed) || s->closed)
                outcome = failed;
            else
            {
                const auto* st = s.get();
                auto stop = [st] {
                    return st->closed;
                };
                co_await detail::wait_for_requests(s->client.get(), &s->link_changed, stop);
            }
        }
        const error_code ec = *outcome;
        feed(s, [&](latch_machine& m, latch_actions& out) { m.on_deleted(path, ec, out); });
    }

    /// While leading: ends leadership at connection_policy::lead_deadline(last_heard, T) unless the
    /// client heard from a server meanwhile (which moves the deadline).
    static boost::asio::awaitable<void> watch_deadline(state_ptr s, std::uint64_t generation)
    {
        bool running = true;
        while (running && s->deadline_generation == generation && !s->closed)
        {
            const auto t = s->client->negotiated_timeout();
            const auto deadline = s->machine.policy().lead_deadline(s->client->last_heard(), t);
            if (t.count() > 0 && zk::client::clock::now() < deadline)
            {
                s->deadline_timer.expires_at(deadline);
                (void)co_await s->deadline_timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable)
                );
            }
            else
            {
                running = false;
                feed(s, [](latch_machine& m, latch_actions& out) { m.on_deadline(out); });
            }
        }
    }

    static boost::asio::awaitable<result<void>> stop(state_ptr s, std::vector<zk::multi_op> with)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        s->stop_done = false;
        s->fold = std::move(with);
        s->fold_node = s->machine.node_path();
        feed(s, [](latch_machine& m, latch_actions& out) { m.stop(out); });
        s->fold.clear();  // used by the delete of our node, if the stop made one
        s->fold_node.reset();
        bool waiting = true;
        while (waiting && !s->stop_done && !s->closed)
            waiting = co_await s->stopped.async_wait();
        result<void> outcome = success();
        if (s->closed)
            outcome = errc::closed;
        else if (!waiting)
            outcome = boost::asio::error::operation_aborted;
        co_return outcome;
    }

    state_ptr state_;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
