// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_ELECTION_DRIVER_HPP
#define HAKIT_ZOOKEEPER_ELECTION_DRIVER_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zookeeper/connection_info.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/layout.hpp>
#include <hakit/zookeeper/leader_latch.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
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
#include <optional>
#include <string>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// The ZooKeeper side of one process's election (Flink's ZooKeeperLeaderElectionDriver, one
/// leader_latch per ha_services), modelling hakit's election_driver concept:
///
/// - A latch grant starts a term with a fresh random session id (leadership_granted); its end
///   (latch revoked, connection policy, local deadline, session expiry) sends leadership_revoked.
///   holds_term(id) turns false the moment the term is over, looking at the client itself.
/// - async_publish writes `leader/<component>/connection_info` with Flink's take-over rule (our
///   node: setData; a foreign node: delete and create; none: create, parents created as needed;
///   "no leader": delete, then the empty component directory) in `multi`s that begin with a
///   `check` of our latch node: a deposed leader's write fails on the server, so it can never
///   overwrite its successor. One multi per batch unless it would exceed half the frame limit.
/// - While it leads, the driver watches every component's connection_info below `leader/` (like
///   Flink's TreeCache) and reports changes as leader_information_changed; the election core
///   re-publishes its confirmed information when someone else deleted or overwrote it. Data that
///   does not decode is reported as "no leader", which makes the leader rewrite it.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Everything runs on the
/// client's executor.
class election_driver
{
public:
    /// A driver over `client` (shared with the rest of the backend), in `where`, creating nodes
    /// with `acl`; multis are kept below half of `max_frame_size`.
    election_driver(
        std::shared_ptr<zk::client> client,
        layout where,
        connection_policy policy,
        std::vector<zk::acl> acl,
        std::size_t max_frame_size
    )
        : state_(std::make_shared<state>(
              std::move(client), std::move(where), policy, std::move(acl), max_frame_size
          ))
    {
        std::weak_ptr<state> weak = state_;
        auto on_leadership = [weak](bool leading) {
            if (auto s = weak.lock())
                leadership_changed(s, leading);
        };
        auto on_error = [weak](error_code ec) {
            if (auto s = weak.lock(); s && s->queue)
                s->queue->push(hakit::detail::election_error{ec});
        };
        state_->latch.emplace(
            state_->client,
            state_->where.latch_path(),
            policy,
            state_->acl,
            std::move(on_leadership),
            std::move(on_error)
        );
    }

    election_driver(const election_driver&) = delete;
    election_driver& operator=(const election_driver&) = delete;
    ~election_driver() { close_now(); }

    /// Joins the latch; grants and revocations are pushed to `queue` from then on.
    boost::asio::awaitable<result<void>> async_start_election(hakit::detail::election_event_queue* queue)
    {
        return start(state_, queue);
    }

    /// Leaves the latch: the term ends, our latch node is deleted (completes once it is).
    boost::asio::awaitable<result<void>> async_stop_election() { return stop(state_); }

    /// Whether the term with session id `term` is still ours: granted and not revoked, the latch
    /// still first, the same ZooKeeper session, a connection state the policy allows, and the
    /// clock before connection_policy::lead_deadline.
    bool holds_term(session_id term) const noexcept { return holds(*state_, term); }

    /// Writes a batch of leader information (see the class comment); errc::not_leader if the term
    /// of a publication is not the current one or the term ended before the write.
    boost::asio::awaitable<result<void>> async_publish(std::vector<hakit::detail::publication> batch)
    {
        return publish(state_, std::move(batch));
    }

    /// A connection event of the client, in order.
    void on_connection(zk::connection_event e)
    {
        state_->link_changed.notify_all();
        state_->latch->on_connection(e);
    }

    /// The current term's session id, if the driver leads.
    const std::optional<session_id>& current_term() const noexcept { return state_->term; }

    /// The latch (for inspection: its node, its machine).
    const leader_latch& latch() const noexcept { return *state_->latch; }

    /// Stops at once: no more events, no more writes.
    void close_now() noexcept
    {
        if (!state_ || state_->closed)
            return;
        state_->closed = true;
        state_->queue = nullptr;
        stop_healing(*state_);
        state_->term.reset();
        state_->latch->close_now();
        state_->link_changed.notify_all();
    }

private:
    struct state
    {
        state(
            std::shared_ptr<zk::client> c,
            layout w,
            connection_policy p,
            std::vector<zk::acl> a,
            std::size_t max_frame
        )
            : client(std::move(c))
            , where(std::move(w))
            , policy(p)
            , acl(std::move(a))
            , multi_budget(max_frame / 2)
            , link_changed(client->get_executor())
        {}

        std::shared_ptr<zk::client> client;
        layout where;
        connection_policy policy;
        std::vector<zk::acl> acl;
        std::size_t multi_budget;
        std::optional<leader_latch> latch;
        hakit::detail::election_event_queue* queue = nullptr;
        std::optional<session_id> term;
        /// The ZooKeeper session the term was granted in.
        std::int64_t term_session = 0;
        /// The watchers of the current term (key "" is the `leader/` directory's), each cancelled
        /// when the term ends.
        std::map<std::string, std::shared_ptr<boost::asio::cancellation_signal>> healers;
        /// What the watchers reported last in this term, per component.
        std::map<component_id, leader_information> reported;
        std::uint64_t heal_generation = 0;
        hakit::detail::wait_signal link_changed;
        bool closed = false;
    };

    using state_ptr = std::shared_ptr<state>;

    /// One connection_info write of a batch: the bytes to store, or nullopt to delete.
    struct write_request
    {
        component_id component;
        std::string path;
        std::optional<zk::bytes> data;
    };

    static bool holds(const state& s, session_id term) noexcept
    {
        if (s.closed || !s.term || *s.term != term || !s.latch->leading())
            return false;
        if (s.client->session_id() != s.term_session || !s.policy.allows(s.client->state()))
            return false;
        return zk::client::clock::now() <
               s.policy.lead_deadline(s.client->last_heard(), s.client->negotiated_timeout());
    }

    static void leadership_changed(const state_ptr& s, bool leading)
    {
        if (leading && !s->term)
        {
            s->term = session_id::random();
            s->term_session = s->client->session_id();
            start_healing(s);
            if (s->queue)
                s->queue->push(hakit::detail::leadership_granted{*s->term});
        }
        else if (!leading && s->term)
        {
            s->term.reset();
            stop_healing(*s);
            if (s->queue)
                s->queue->push(hakit::detail::leadership_revoked{});
        }
    }

    static boost::asio::awaitable<result<void>> start(state_ptr s, hakit::detail::election_event_queue* queue)
    {
        if (s->closed)
            co_return errc::closed;
        s->queue = queue;
        s->latch->start();
        co_return success();
    }

    static boost::asio::awaitable<result<void>> stop(state_ptr s)
    {
        if (s->closed)
            co_return errc::closed;
        auto stopped = co_await s->latch->async_stop();
        co_return stopped;
    }

    // ---- publishing ------------------------------------------------------------------------------

    /// The multi ops that bring `w` about, given what the node holds now (`current`, no_node if
    /// absent); empty if nothing is to be done. `session` is our ZooKeeper session.
    static std::vector<zk::multi_op> plan(
        const state& s, const write_request& w, const result<zk::node_data>& current, std::int64_t session
    )
    {
        std::vector<zk::multi_op> ops;
        const bool exists = current.has_value();
        if (!w.data)
        {
            if (exists)
                ops.push_back(zk::multi_op::remove(zk::delete_request{w.path, current.value().stat.version}));
            return ops;
        }
        if (exists && current.value().stat.ephemeral_owner == session)
        {
            if (current.value().data != *w.data)
                ops.push_back(zk::multi_op::set_data(zk::set_data_request{
                    w.path, *w.data, current.value().stat.version}));
            return ops;
        }
        if (exists)  // a foreign node (a stale leader's, or written by someone else): take it over
            ops.push_back(zk::multi_op::remove(zk::delete_request{w.path, current.value().stat.version}));
        ops.push_back(zk::multi_op::create(zk::create_request{
            w.path, *w.data, s.acl, zk::create_mode::ephemeral}));
        return ops;
    }

    /// Whether a failed op only means the node changed since it was read (read it again).
    static bool lost_race(const error_code& ec) noexcept
    {
        return ec == zk::error::no_node || ec == zk::error::node_exists || ec == zk::error::bad_version;
    }

    /// A generous estimate of an op's bytes in a multi frame.
    static std::size_t op_size(const zk::multi_op& op)
    {
        std::size_t n = 32;
        std::visit(
            [&n](const auto& r) {
                n += r.path.size();
                if constexpr (requires { r.data; })
                    n += r.data.size();
                if constexpr (requires { r.acl; })
                    for (const auto& a : r.acl)
                        n += 16 + a.id.scheme.size() + a.id.id.size();
            },
            op.request
        );
        return n;
    }

    /// Reads the current data of every path, pipelined.
    static boost::asio::awaitable<std::vector<result<zk::node_data>>> read_all(
        state_ptr s, std::vector<std::string> paths
    )
    {
        struct gather
        {
            explicit gather(boost::asio::any_io_executor ex) : done(std::move(ex)) {}
            std::vector<std::optional<result<zk::node_data>>> results;
            std::size_t remaining = 0;
            hakit::detail::wait_signal done;
        };
        std::vector<result<zk::node_data>> out;
        if (paths.size() == 1)
        {
            auto r = co_await s->client->async_get_data(paths.front());
            out.push_back(std::move(r));
            co_return out;
        }
        auto g = std::make_shared<gather>(s->client->get_executor());
        g->results.resize(paths.size());
        g->remaining = paths.size();
        for (std::size_t i = 0; i < paths.size(); ++i)
            boost::asio::co_spawn(
                s->client->get_executor(),
                read_one(s->client, g, i, std::move(paths[i])),
                boost::asio::detached
            );
        bool waiting = true;
        while (waiting && g->remaining > 0)
            waiting = co_await g->done.async_wait();
        for (auto& r : g->results)
            out.push_back(r ? std::move(*r) : result<zk::node_data>(boost::asio::error::operation_aborted));
        co_return out;
    }

    template <class Gather>
    static boost::asio::awaitable<void> read_one(
        std::shared_ptr<zk::client> client, std::shared_ptr<Gather> g, std::size_t i, std::string path
    )
    {
        auto r = co_await client->async_get_data(std::move(path));
        g->results[i].emplace(std::move(r));
        if (--g->remaining == 0)
            g->done.notify_all();
    }

    /// Creates the persistent ancestors of a connection_info node, ignoring node_exists.
    static boost::asio::awaitable<error_code> create_parents(state_ptr s, std::string path)
    {
        const auto parents = layout::ancestors(path);
        error_code failed;
        for (std::size_t i = 0; i < parents.size() && !failed; ++i)
        {
            zk::bytes data;
            auto acl = s->acl;
            auto r = co_await s->client->async_create(
                parents[i], std::move(data), zk::create_mode::persistent, acl
            );
            if (!r && r.error() != zk::error::node_exists)
                failed = r.error();
        }
        co_return failed;
    }

    /// At most this many rounds of "read, write" before a batch gives up (someone keeps changing
    /// the nodes under our feet).
    static constexpr int max_publish_rounds = 16;

    static boost::asio::awaitable<result<void>> publish(
        state_ptr s, std::vector<hakit::detail::publication> batch
    )
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        std::optional<error_code> outcome;
        const auto term = s->term;
        if (s->closed)
            outcome = errc::closed;
        else if (!term || !holds(*s, *term))
            outcome = errc::not_leader;

        // One write per component, the last publication winning; a publication of another term
        // (queued before that term ended) fails the whole batch.
        std::vector<write_request> writes;
        for (std::size_t i = 0; i < batch.size() && !outcome; ++i)
        {
            auto& p = batch[i];
            std::optional<zk::bytes> data;
            if (p.info.is_known() && p.info.session_id() != *term)
                outcome = errc::not_leader;
            else if (p.info.is_known())
            {
                auto encoded = encode_connection_info(p.info);
                if (encoded)
                    data = std::move(encoded.value());
                else
                    outcome = encoded.error();
            }
            if (outcome)
                continue;
            auto same = std::find_if(writes.begin(), writes.end(), [&](const write_request& w) {
                return w.component == p.component;
            });
            if (same != writes.end())
                same->data = std::move(data);
            else
                writes.push_back({p.component, s->where.connection_info_path(p.component), std::move(data)});
        }
        std::vector<component_id> cleared;
        for (const auto& w : writes)
            if (!w.data)
                cleared.push_back(w.component);

        int rounds = 0;
        while (!outcome)
        {
            if (writes.empty())
                outcome = error_code();  // everything written while the term held (checked by each multi)
            else if (!holds(*s, *term))
                outcome = errc::not_leader;
            else if (++rounds > max_publish_rounds)
                outcome = errc::possibly_inconsistent;
            else
            {
                auto round = co_await publish_round(s, *term, std::move(writes));
                outcome = round.outcome;
                writes = std::move(round.remaining);
            }
        }

        if (!*outcome)
            for (const auto& c : cleared)
            {
                // Flink's deleteLeaderInformation removes the component's directory too; it is
                // only done if empty, and a leader that writes there next recreates it.
                auto removed = co_await s->client->async_remove(s->where.component_path(c));
                (void)removed;
            }
        result<void> r = success();
        if (*outcome)
            r = *outcome;
        co_return r;
    }

    /// What one round of a publication leaves: the final outcome (nullopt: go on with another
    /// round) and the writes not done yet.
    struct round_result
    {
        std::optional<error_code> outcome;
        std::vector<write_request> remaining;
    };

    /// One round: read the nodes, write what is missing in checked multis.
    static boost::asio::awaitable<round_result> publish_round(
        state_ptr s, session_id term, std::vector<write_request> pending
    )
    {
        std::vector<std::string> paths;
        for (const auto& w : pending)
            paths.push_back(w.path);
        auto current = co_await read_all(s, std::move(paths));
        std::optional<error_code> outcome;
        bool wait_for_connection = false;
        const auto session = s->term_session;
        const auto latch_node = s->latch->node_path();
        if (!latch_node || !holds(*s, term))
            outcome = errc::not_leader;

        // Plan every write; group them into multis below the frame budget, each led by the check.
        std::vector<std::vector<zk::multi_op>> multis;
        std::vector<std::vector<std::size_t>> owners;  // per op: the write it belongs to
        std::vector<bool> done(pending.size(), false);
        std::size_t size = 0;
        for (std::size_t i = 0; i < pending.size() && !outcome; ++i)
        {
            if (!current[i] && current[i].error() != zk::error::no_node)
            {
                if (detail::is_connection_trouble(current[i].error()))
                    wait_for_connection = true;
                else
                    outcome = current[i].error();
                continue;
            }
            auto ops = plan(*s, pending[i], current[i], session);
            if (ops.empty())
            {
                done[i] = true;
                continue;
            }
            std::size_t bytes = 0;
            for (const auto& op : ops)
                bytes += op_size(op);
            if (multis.empty() || size + bytes > s->multi_budget)
            {
                multis.emplace_back();
                owners.emplace_back();
                multis.back().push_back(zk::multi_op::check(zk::check_version_request{*latch_node, -1}));
                owners.back().push_back(pending.size());
                size = op_size(multis.back().front());
            }
            size += bytes;
            for (auto& op : ops)
            {
                multis.back().push_back(std::move(op));
                owners.back().push_back(i);
            }
        }

        // One multi after the other; the first that fails ends the round (GCC 12: no break/continue
        // after a co_await, the loop condition says when to stop).
        std::vector<std::string> missing_parents;
        bool changed = false;
        for (std::size_t m = 0; m < multis.size() && !outcome && !wait_for_connection && !changed; ++m)
        {
            auto ops = multis[m];
            auto reply = co_await s->client->async_multi(std::move(ops));
            if (!reply)
            {
                if (detail::is_connection_trouble(reply.error()))
                    wait_for_connection = true;
                else if (reply.error() == zk::error::session_expired)
                    outcome = errc::not_leader;
                else
                    outcome = reply.error();
            }
            else if (auto failure = zk::find_failure(reply.value()))
            {
                changed = true;
                const auto& failed_op = multis[m][failure->index];
                if (failure->index == 0)
                    // Our latch node is gone: the term is over, a successor may lead already.
                    outcome =
                        failure->error == zk::error::no_node ? error_code(errc::not_leader) : failure->error;
                else if (failure->error == zk::error::no_node && failed_op.type == zk::op_code::create)
                    missing_parents.push_back(pending[owners[m][failure->index]].path);
                else if (!lost_race(failure->error))
                    outcome = failure->error;
                // Otherwise the node changed since we read it: the next round reads again.
            }
            else
            {
                for (std::size_t k = 1; k < owners[m].size(); ++k)
                    done[owners[m][k]] = true;
            }
        }
        for (std::size_t i = 0; i < missing_parents.size() && !outcome; ++i)
        {
            auto failed = co_await create_parents(s, missing_parents[i]);
            if (failed && !detail::is_connection_trouble(failed))
                outcome = failed;
        }
        round_result out;
        out.outcome = outcome;
        for (std::size_t i = 0; i < pending.size(); ++i)
            if (!done[i])
                out.remaining.push_back(std::move(pending[i]));
        if (wait_for_connection && !outcome)
        {
            const auto* st = s.get();
            auto stop = [st] {
                return st->closed;
            };
            co_await detail::wait_for_requests(s->client.get(), &s->link_changed, stop);
        }
        co_return out;
    }

    // ---- self-healing: watching the components' connection_info while leading -------------------

    static void start_healing(const state_ptr& s)
    {
        stop_healing(*s);
        spawn_healer(s, std::string(), watch_directory(s, s->heal_generation));
    }

    static void stop_healing(state& s)
    {
        ++s.heal_generation;
        for (auto& [name, signal] : s.healers)
            signal->emit(boost::asio::cancellation_type::terminal);
        s.healers.clear();
        s.reported.clear();
    }

    static void spawn_healer(const state_ptr& s, std::string key, boost::asio::awaitable<void> healer)
    {
        auto signal = std::make_shared<boost::asio::cancellation_signal>();
        auto slot = signal->slot();
        s->healers.emplace(std::move(key), signal);
        boost::asio::co_spawn(
            s->client->get_executor(),
            keep_alive(std::move(signal), std::move(healer)),
            boost::asio::bind_cancellation_slot(slot, boost::asio::detached)
        );
    }

    /// Runs `healer` while owning the signal its cancellation slot belongs to.
    static boost::asio::awaitable<void> keep_alive(
        std::shared_ptr<boost::asio::cancellation_signal>, boost::asio::awaitable<void> healer
    )
    {
        co_await std::move(healer);
    }

    static void report(
        const state_ptr& s, std::uint64_t generation, const component_id& c, leader_information info
    )
    {
        if (s->closed || generation != s->heal_generation || !s->queue)
            return;
        auto it = s->reported.find(c);
        if (it != s->reported.end() && it->second == info)
            return;
        s->reported.insert_or_assign(c, info);
        s->queue->push(hakit::detail::leader_information_changed{c, std::move(info)});
    }

    static bool healing(const state_ptr& s, std::uint64_t generation)
    {
        return !s->closed && generation == s->heal_generation;
    }

    /// Whether a watcher goes on after a failed read: after connection trouble (once the client
    /// takes requests again), not after the session's end or anything else.
    static boost::asio::awaitable<bool> recover(state_ptr s, std::uint64_t generation, error_code ec)
    {
        bool go_on = detail::is_connection_trouble(ec);
        if (go_on)
        {
            const auto* st = s.get();
            auto stop = [st, generation] {
                return st->closed || generation != st->heal_generation;
            };
            co_await detail::wait_for_requests(s->client.get(), &s->link_changed, stop);
        }
        co_return go_on&& healing(s, generation);
    }

    /// Watches the children of `leader/` and starts a watcher for every component found.
    static boost::asio::awaitable<void> watch_directory(state_ptr s, std::uint64_t generation)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        const auto dir = s->where.leader_path();
        bool running = true;
        while (running && healing(s, generation))
        {
            zk::watch armed;
            auto listed = co_await s->client->async_get_children(dir, true);
            if (!healing(s, generation))
                running = false;
            else if (listed)
            {
                for (const auto& child : listed.value().children)
                {
                    if (child == latch_directory_name || s->healers.contains(child))
                        continue;
                    if (auto c = component_id::parse(child))
                        spawn_healer(s, child, watch_component(s, generation, c.value()));
                }
                armed = listed.value().watch;
            }
            else if (listed.error() == zk::error::no_node)
            {
                auto present = co_await s->client->async_exists(dir, true);
                if (present && !present.value().exists())
                    armed = present.value().watch;
                else if (!present)
                    running = co_await recover(s, generation, present.error());
            }
            else
                running = co_await recover(s, generation, listed.error());
            if (running && armed)
            {
                auto fired = co_await armed.async_wait();
                running = fired.has_value();
            }
        }
    }

    /// Watches one component's connection_info and reports what it holds.
    static boost::asio::awaitable<void> watch_component(state_ptr s, std::uint64_t generation, component_id c)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        const auto path = s->where.connection_info_path(c);
        bool running = true;
        while (running && healing(s, generation))
        {
            zk::watch armed;
            auto read = co_await s->client->async_get_data(path, true);
            if (!healing(s, generation))
                running = false;
            else if (read)
            {
                auto info = decode_connection_info(read.value().data);
                // Undecodable data is no leader information: the leader overwrites it.
                report(s, generation, c, info ? info.value() : leader_information::empty());
                armed = read.value().watch;
            }
            else if (read.error() == zk::error::no_node)
            {
                auto present = co_await s->client->async_exists(path, true);
                if (present && !present.value().exists())
                {
                    report(s, generation, c, leader_information::empty());
                    armed = present.value().watch;
                }
                else if (!present)
                    running = co_await recover(s, generation, present.error());
            }
            else
                running = co_await recover(s, generation, read.error());
            if (running && armed)
            {
                auto fired = co_await armed.async_wait();
                running = fired.has_value();
            }
        }
    }

    state_ptr state_;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
