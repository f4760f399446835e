// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_RETRIEVAL_DRIVER_HPP
#define HAKIT_ZOOKEEPER_RETRIEVAL_DRIVER_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zk/watcher_event.hpp>
#include <hakit/zookeeper/connection_info.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/layout.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/retrieval_channel.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/this_coro.hpp>

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// The ZooKeeper side of leader retrieval (Flink's ZooKeeperLeaderRetrievalDriver), modelling the
/// retrieval part of hakit's backend concept: one watcher per retriever on
/// `leader/<component>/connection_info`, reading it with a data watch (an exists watch while it is
/// absent) and reporting every state it reads to the retriever's channel, which drops repeats.
///
/// - Empty or absent data is "no leader"; data that does not decode is reported as the error
///   errc::corrupted_data followed by "no leader".
/// - Connection policy: the watchers report "no leader" on the events that end a leader's term
///   (suspended unless tolerated, expired), and read again after `reconnected` or a new session,
///   so the same leader is announced again after a reported outage (Flink's connection handling
///   tests, flink-ha.md §6.6).
/// - stop() ends the watcher and, when no other retriever of this driver watches the path, removes
///   the server's watches on it (FLINK-33053); other watchers of the path re-arm theirs.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Everything runs on the
/// client's executor.
class retrieval_driver
{
public:
    retrieval_driver(std::shared_ptr<zk::client> client, layout where, connection_policy policy)
        : state_(std::make_shared<state>(std::move(client), std::move(where), policy))
    {}

    retrieval_driver(const retrieval_driver&) = delete;
    retrieval_driver& operator=(const retrieval_driver&) = delete;
    ~retrieval_driver() { close_now(); }

    /// Starts following `component`'s leader into `channel`, which must stay valid until
    /// stop(token) or close_now(). Returns the token.
    std::uint64_t start(const component_id& component, hakit::detail::retrieval_channel* channel)
    {
        const auto token = state_->next_token++;
        if (state_->closed)
        {
            channel->on_error(errc::closed);
            return token;
        }
        auto w = std::make_shared<watcher>(component, state_->where.connection_info_path(component), channel);
        state_->watchers.emplace(token, w);
        ++state_->users[w->path];
        auto slot = w->wake.slot();
        boost::asio::co_spawn(
            state_->client->get_executor(),
            follow(state_, w),
            boost::asio::bind_cancellation_slot(slot, boost::asio::detached)
        );
        return token;
    }

    /// Stops the watcher of `token`: nothing reaches its channel any more.
    void stop(std::uint64_t token)
    {
        auto it = state_->watchers.find(token);
        if (it == state_->watchers.end())
            return;
        auto w = std::move(it->second);
        state_->watchers.erase(it);
        w->stopped = true;
        w->wake.emit(boost::asio::cancellation_type::terminal);
        auto users = state_->users.find(w->path);
        if (users != state_->users.end() && --users->second == 0)
        {
            state_->users.erase(users);
            if (!state_->closed)
                boost::asio::co_spawn(
                    state_->client->get_executor(),
                    remove_watches(state_->client, w->path),
                    boost::asio::detached
                );
        }
    }

    /// A connection event of the client, in order.
    void on_connection(zk::connection_event e)
    {
        auto& s = *state_;
        s.link_changed.notify_all();
        const bool no_leader = s.policy.reports_no_leader_on(e);
        const bool reread = e == zk::connection_event::reconnected || e == zk::connection_event::connected;
        for (auto& [token, w] : s.watchers)
        {
            if (no_leader)
                w->channel->on_leader(leader_information::empty());
            if (reread)
                w->wake.emit(boost::asio::cancellation_type::terminal);
        }
    }

    /// Reports `ec` to every retriever (e.g. the backend cannot connect because of its options).
    void report_error(error_code ec)
    {
        for (auto& [token, w] : state_->watchers)
            w->channel->on_error(ec);
    }

    /// Number of retrievers being followed.
    std::size_t size() const noexcept { return state_->watchers.size(); }

    /// Stops every watcher at once.
    void close_now() noexcept
    {
        if (!state_ || state_->closed)
            return;
        state_->closed = true;
        for (auto& [token, w] : state_->watchers)
        {
            w->stopped = true;
            w->wake.emit(boost::asio::cancellation_type::terminal);
        }
        state_->watchers.clear();
        state_->users.clear();
        state_->link_changed.notify_all();
    }

private:
    struct watcher
    {
        watcher(component_id c, std::string p, hakit::detail::retrieval_channel* ch)
            : component(std::move(c))
            , path(std::move(p))
            , channel(ch)
        {}

        component_id component;
        std::string path;
        hakit::detail::retrieval_channel* channel;
        /// Cancels what the watcher waits for: to read again, or to end it.
        boost::asio::cancellation_signal wake;
        bool stopped = false;
    };

    struct state
    {
        state(std::shared_ptr<zk::client> c, layout w, connection_policy p)
            : client(std::move(c))
            , where(std::move(w))
            , policy(p)
            , link_changed(client->get_executor())
        {}

        std::shared_ptr<zk::client> client;
        layout where;
        connection_policy policy;
        std::map<std::uint64_t, std::shared_ptr<watcher>> watchers;
        /// Watchers per path, to remove the server's watches when the last one stops.
        std::map<std::string, std::size_t> users;
        hakit::detail::wait_signal link_changed;
        std::uint64_t next_token = 1;
        bool closed = false;
    };

    using state_ptr = std::shared_ptr<state>;
    using watcher_ptr = std::shared_ptr<watcher>;

    static bool alive(const state& s, const watcher& w) noexcept { return !s.closed && !w.stopped; }

    static void deliver(const state& s, watcher& w, const result<leader_information>& info)
    {
        if (!alive(s, w))
            return;
        if (info)
            w.channel->on_leader(info.value());
        else
        {
            w.channel->on_error(info.error());
            w.channel->on_leader(leader_information::empty());
        }
    }

    /// What to do after a failed read: go on (true) after connection trouble, a new session to
    /// come, or a wake-up; report anything else and wait for the next connection event first.
    static boost::asio::awaitable<bool> recover(state_ptr s, watcher_ptr w, error_code ec)
    {
        const bool go_on = alive(*s, *w) && ec != errc::closed;
        const bool woken = ec == boost::asio::error::operation_aborted;
        if (!go_on || woken)
            co_return go_on;
        if (detail::is_connection_trouble(ec) || ec == zk::error::session_expired)
        {
            const auto* st = s.get();
            const auto* wt = w.get();
            auto stop = [st, wt] {
                return !alive(*st, *wt);
            };
            co_await detail::wait_for_requests(s->client.get(), &s->link_changed, stop);
        }
        else
        {
            deliver(*s, *w, result<leader_information>(ec));
            (void)co_await s->link_changed.async_wait();
        }
        co_return go_on;
    }

    /// Reads the node, reports it, waits for a change, again, until stopped. After a deletion it
    /// reports "no leader" at once and only watches for the node's creation (no read that is sure
    /// to find nothing: one round trip less before a successor's address is seen).
    static boost::asio::awaitable<void> follow(state_ptr s, watcher_ptr w)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        bool running = true;
        bool deleted = false;  // the last event was the node's deletion
        while (running && alive(*s, *w))
        {
            zk::watch armed;
            bool read_data = true;
            if (deleted)
            {
                deliver(*s, *w, leader_information::empty());
                auto present = co_await s->client->async_exists(w->path, true);
                if (!present)
                    running = co_await recover(s, w, present.error());
                else if (!present.value().exists())
                    armed = present.value().watch;
                read_data = present && present.value().exists();  // created in between: read it
            }
            if (running && read_data)
            {
                auto read = co_await s->client->async_get_data(w->path, true);
                if (read)
                {
                    deliver(*s, *w, decode_connection_info(read.value().data));
                    armed = read.value().watch;
                }
                else if (read.error() == zk::error::no_node)
                {
                    auto present = co_await s->client->async_exists(w->path, true);
                    if (present && !present.value().exists())
                    {
                        deliver(*s, *w, leader_information::empty());
                        armed = present.value().watch;
                    }
                    else if (!present)
                        running = co_await recover(s, w, present.error());
                    // Created in between: read it.
                }
                else
                    running = co_await recover(s, w, read.error());
            }
            deleted = false;
            if (running && armed && alive(*s, *w))
            {
                // Fired, cancelled (read again) or ended.
                auto fired = co_await armed.async_wait();
                deleted = fired && fired.value().type == zk::event_type::node_deleted;
            }
            // A wake-up cancelled what we waited for; the next waits must not see it.
            co_await boost::asio::this_coro::reset_cancellation_state();
        }
    }

    static boost::asio::awaitable<void> remove_watches(std::shared_ptr<zk::client> client, std::string path)
    {
        auto removed = co_await client->async_remove_watches(std::move(path), zk::watcher_type::data);
        (void)removed;  // no_watcher (nothing was set) and connection trouble are fine
    }

    state_ptr state_;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
