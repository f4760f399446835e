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
#include <hakit/zk/watcher_event.hpp>
#include <hakit/zookeeper/connection_info.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/layout.hpp>
#include <hakit/zookeeper/leader_latch.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
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
///   "no leader": delete) in `multi`s that begin with a `check` of our latch node: a deposed
///   leader's write fails on the server, so it can never overwrite its successor. One multi per
///   batch unless it would exceed half the frame limit. The driver remembers the version of each
///   node its term wrote and plans from that without reading (a new term expects no node: the
///   predecessor's went with its latch node); only a write that meets something else reads first.
/// - Component directories stay (a successor's create then needs no parent); global cleanup and
///   cleanup of all data remove them.
/// - async_publish_and_stop (resign of the last component, close) deletes our connection_info
///   nodes and our latch node in one multi: the successor is notified by the transaction that
///   also cleared the old address.
/// - While it leads, one persistent recursive watch on `leader/` reports what others do to the
///   components' connection_info (like Flink's TreeCache, without reading every node) as
///   leader_information_changed; the election core re-publishes its confirmed information when
///   someone else deleted or overwrote it. Data that does not decode is reported as "no leader",
///   which makes the leader rewrite it.
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

    /// Writes a batch of "no leader" publications and leaves the latch, in one multi when this
    /// term wrote every node concerned (see the class comment); otherwise publishes, then stops.
    boost::asio::awaitable<result<void>> async_publish_and_stop(std::vector<hakit::detail::publication> batch)
    {
        return publish_and_stop(state_, std::move(batch));
    }

    /// A connection event of the client, in order.
    void on_connection(zk::connection_event e)
    {
        state_->link_changed.notify_all();
        state_->latch->on_connection(e);
        if (e == zk::connection_event::reconnected && state_->term && state_->healer)
        {
            // Changes made while disconnected raise no events on the persistent watch. One getData
            // per node, not the batched multiRead: if someone's large values made a batch's answer
            // outgrow the frame, which drops the connection, a batch would do so on every reconnect.
            auto again = reread_one_by_one(state_, state_->heal_generation, written_components(*state_));
            boost::asio::co_spawn(state_->client->get_executor(), std::move(again), boost::asio::detached);
        }
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
    struct written_node
    {
        std::int32_t version = 0;
        zk::bytes data;
    };

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
            , tree_idle(client->get_executor())
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
        /// The watcher of the current term (started with its first write), cancelled when it ends.
        std::shared_ptr<boost::asio::cancellation_signal> healer;
        /// The zxid of the term's first multi, which its watch follows on the wire; nullopt if that
        /// multi failed (or has not answered yet): whatever the term wrote is read again.
        std::optional<std::int64_t> first_write_zxid;
        /// What is known of each component's connection_info in this term (reported by the watcher
        /// or written by us), to report only changes.
        std::map<component_id, leader_information> reported;
        /// The nodes this term wrote: their version and data after our last write.
        std::map<component_id, written_node> written;
        /// connection_info paths with a multi of ours in flight, and how many.
        std::map<std::string, int, std::less<>> in_flight;
        std::uint64_t heal_generation = 0;
        hakit::detail::wait_signal link_changed;
        /// A term's persistent watch may be on the server: from its addWatch being queued until
        /// its removeWatches completes.
        bool tree_busy = false;
        bool tree_removal_sent = false;
        hakit::detail::wait_signal tree_idle;
        bool closed = false;
    };

    using state_ptr = std::shared_ptr<state>;

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
            stop_healing(*s);  // a fresh generation; the watch comes with the first write
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

    /// One connection_info write of a batch: the bytes to store, or nullopt to delete.
    struct write_request
    {
        component_id component;
        std::string path;
        std::optional<zk::bytes> data;
        leader_information info;
        /// Plan from what the node holds now (read first) instead of from what this term wrote.
        bool read_first = false;
    };

    /// The ops that bring `w` about without reading, from what this term wrote last (a node this
    /// term never wrote is expected absent); nullopt if that says nothing (a delete of a node this
    /// term never wrote). Empty: nothing to do.
    static std::optional<std::vector<zk::multi_op>> plan_blind(const state& s, const write_request& w)
    {
        std::vector<zk::multi_op> ops;
        const auto known = s.written.find(w.component);
        if (!w.data)
        {
            if (known == s.written.end())
                return std::nullopt;
            ops.push_back(zk::multi_op::remove(zk::delete_request{w.path, known->second.version}));
        }
        else if (known == s.written.end())
            ops.push_back(zk::multi_op::create(zk::create_request{
                w.path, *w.data, s.acl, zk::create_mode::ephemeral}));
        else if (known->second.data != *w.data)
            ops.push_back(zk::multi_op::set_data(zk::set_data_request{w.path, *w.data, known->second.version})
            );
        return ops;
    }

    /// The ops that bring `w` about given what the node holds now (`current`, no_node if absent),
    /// with Flink's take-over rule; empty if nothing is to be done. `session` is ours.
    static std::vector<zk::multi_op> plan_read(
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

    /// Whether a failed op only means the node is not what we expected (read it, plan again).
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

    /// Runs `make(i)` for i in [0, n) concurrently (the client pipelines the requests on its one
    /// connection) and returns the results in order.
    template <class T, class Make>
    static boost::asio::awaitable<std::vector<result<T>>> all_of(state_ptr s, std::size_t n, Make make)
    {
        struct gather
        {
            explicit gather(boost::asio::any_io_executor ex) : done(std::move(ex)) {}
            std::vector<std::optional<result<T>>> results;
            std::size_t remaining = 0;
            hakit::detail::wait_signal done;
        };
        auto g = std::make_shared<gather>(s->client->get_executor());
        g->results.resize(n);
        g->remaining = n;
        for (std::size_t i = 0; i < n; ++i)
        {
            auto one = one_of(g, i, make(i));
            boost::asio::co_spawn(s->client->get_executor(), std::move(one), boost::asio::detached);
        }
        bool waiting = true;
        while (waiting && g->remaining > 0)
            waiting = co_await g->done.async_wait();
        std::vector<result<T>> out;
        out.reserve(n);
        for (auto& r : g->results)
            out.push_back(r ? std::move(*r) : result<T>(boost::asio::error::operation_aborted));
        co_return out;
    }

    template <class Gather, class T>
    static boost::asio::awaitable<void> one_of(
        std::shared_ptr<Gather> g, std::size_t i, boost::asio::awaitable<result<T>> op
    )
    {
        auto r = co_await std::move(op);
        g->results[i].emplace(std::move(r));
        if (--g->remaining == 0)
            g->done.notify_all();
    }

    /// Creates the persistent ancestors of every path in `paths` (each once, parents first, all
    /// pipelined: the server applies one session's requests in order), ignoring node_exists.
    static boost::asio::awaitable<error_code> create_parents(
        state_ptr s, const std::vector<std::string>& paths
    )
    {
        std::vector<std::string> parents;
        for (const auto& path : paths)
            for (auto& a : layout::ancestors(path))
                if (std::find(parents.begin(), parents.end(), a) == parents.end())
                    parents.push_back(std::move(a));
        std::stable_sort(parents.begin(), parents.end(), [](const std::string& a, const std::string& b) {
            return std::count(a.begin(), a.end(), '/') < std::count(b.begin(), b.end(), '/');
        });
        auto make = [&s, &parents](std::size_t i) {
            return s->client->async_create(parents[i], zk::bytes(), zk::create_mode::persistent, s->acl);
        };
        auto created = co_await all_of<std::string>(s, parents.size(), make);
        error_code failed;
        for (const auto& r : created)
            if (!r && r.error() != zk::error::node_exists && !failed)
                failed = r.error();
        co_return failed;
    }

    /// The writes of a batch: one per component, the last publication winning; an error if a
    /// publication belongs to another term (queued before that term ended) or does not encode.
    static result<std::vector<write_request>> writes_of(
        const state& s, session_id term, std::vector<hakit::detail::publication> batch
    )
    {
        std::vector<write_request> writes;
        std::map<component_id, std::size_t> index;  // a component's write (found, not searched)
        for (auto& p : batch)
        {
            std::optional<zk::bytes> data;
            if (p.info.is_known() && p.info.session_id() != term)
                return errc::not_leader;
            if (p.info.is_known())
            {
                BOOST_OUTCOME_TRY(auto encoded, encode_connection_info(p.info));
                data = std::move(encoded);
            }
            const auto [same, added] = index.try_emplace(p.component, writes.size());
            if (!added)
            {
                writes[same->second].data = std::move(data);
                writes[same->second].info = std::move(p.info);
            }
            else
                writes.push_back(write_request{
                    p.component,
                    s.where.connection_info_path(p.component),
                    std::move(data),
                    std::move(p.info),
                    false});
        }
        return writes;
    }

    /// At most this many rounds of "write, and read what was not as expected" before a batch gives
    /// up (someone keeps changing the nodes under our feet).
    static constexpr int max_publish_rounds = 16;

    static boost::asio::awaitable<result<void>> publish(
        state_ptr s, std::vector<hakit::detail::publication> batch
    )
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        std::optional<error_code> outcome;
        const auto term = s->term;
        std::vector<write_request> writes;
        if (s->closed)
            outcome = errc::closed;
        else if (!term || !holds(*s, *term))
            outcome = errc::not_leader;
        else if (auto planned = writes_of(*s, *term, std::move(batch)))
            writes = std::move(planned.value());
        else
            outcome = planned.error();

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

    /// One round: plan each write (from what this term wrote, or from a read where that says
    /// nothing or turned out wrong), then write in multis below the frame budget, each led by a
    /// check of our latch node. A multi that fails sends its writes to be read in the next round;
    /// creates that failed for a missing parent get their parents first.
    static boost::asio::awaitable<round_result> publish_round(
        state_ptr s, session_id term, std::vector<write_request> pending
    )
    {
        std::vector<std::size_t> to_read;
        for (std::size_t i = 0; i < pending.size(); ++i)
            if (pending[i].read_first || !plan_blind(*s, pending[i]))
                to_read.push_back(i);
        auto read_one = [&s, &pending, &to_read](std::size_t k) {
            return s->client->async_get_data(pending[to_read[k]].path);
        };
        std::vector<result<zk::node_data>> current;
        if (!to_read.empty())
            current = co_await all_of<zk::node_data>(s, to_read.size(), read_one);

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
        for (std::size_t i = 0, k = 0; i < pending.size() && !outcome; ++i)
        {
            std::vector<zk::multi_op> ops;
            if (k < to_read.size() && to_read[k] == i)
            {
                const auto& read = current[k++];
                if (!read && read.error() != zk::error::no_node)
                {
                    if (detail::is_connection_trouble(read.error()))
                        wait_for_connection = true;
                    else
                        outcome = read.error();
                    continue;
                }
                ops = plan_read(*s, pending[i], read, session);
            }
            else
                ops = std::move(*plan_blind(*s, pending[i]));
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

        // One multi after the other, each independent of the others (GCC 12: no break/continue
        // after a co_await, the loop condition says when to stop).
        std::vector<std::string> missing_parents;
        for (std::size_t m = 0; m < multis.size() && !outcome && !wait_for_connection; ++m)
        {
            auto ops = multis[m];
            for (std::size_t k = 1; k < owners[m].size(); ++k)
                ++s->in_flight[pending[owners[m][k]].path];
            // The term's first write takes its watch along, queued right behind it: the server
            // registers the watch just after applying the write, so it notifies us of none of the
            // nodes the write created (if the write succeeds), and another session's transaction
            // rarely lands in between (the zxids tell).
            const bool first_write = !s->healer && holds(*s, term);
            if (first_write)
                start_healing(s);
            const auto generation = s->heal_generation;
            auto reply = co_await s->client->async_multi(std::move(ops));
            for (std::size_t k = 1; k < owners[m].size(); ++k)
                if (auto it = s->in_flight.find(pending[owners[m][k]].path);
                    it != s->in_flight.end() && --it->second == 0)
                    s->in_flight.erase(it);
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
                const auto& failed_op = multis[m][failure->index];
                if (failure->index == 0)
                    // Our latch node is gone: the term is over, a successor may lead already.
                    outcome =
                        failure->error == zk::error::no_node ? error_code(errc::not_leader) : failure->error;
                else if (failure->error == zk::error::no_node && failed_op.type == zk::op_code::create)
                {
                    // A component directory is missing (the first leader ever, or a new job): the
                    // server reports only the first create that failed, so give every create of the
                    // multi its parents.
                    for (std::size_t k = 1; k < multis[m].size(); ++k)
                        if (multis[m][k].type == zk::op_code::create)
                            missing_parents.push_back(pending[owners[m][k]].path);
                }
                else if (lost_race(failure->error))
                    // Some node is not what this term wrote or the read showed: read them again.
                    for (std::size_t k = 1; k < owners[m].size(); ++k)
                    {
                        pending[owners[m][k]].read_first = true;
                        s->written.erase(pending[owners[m][k]].component);
                    }
                else
                    outcome = failure->error;
            }
            else
            {
                for (std::size_t k = 1; k < owners[m].size(); ++k)
                {
                    const auto i = owners[m][k];
                    done[i] = true;
                    remember_written(*s, pending[i], multis[m][k], reply.value().results[k]);
                }
                if (first_write && generation == s->heal_generation)
                    s->first_write_zxid = reply.value().zxid;
            }
        }
        if (!missing_parents.empty() && !outcome)
        {
            auto failed = co_await create_parents(s, missing_parents);
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

    /// Records what a successful op of write `w` left on the server (the last op of a write decides:
    /// a take-over's delete is followed by its create).
    static void remember_written(
        state& s, const write_request& w, const zk::multi_op& op, const zk::multi_result& r
    )
    {
        if (op.type == zk::op_code::delete_node && w.data)
            return;  // the take-over's delete; its create follows
        s.reported.insert_or_assign(w.component, w.info);
        if (op.type == zk::op_code::delete_node)
            s.written.erase(w.component);
        else if (op.type == zk::op_code::create)
            s.written.insert_or_assign(w.component, written_node{0, *w.data});
        else if (const auto* set = std::get_if<zk::set_data_response>(&r.body))
            s.written.insert_or_assign(w.component, written_node{set->stat.version, *w.data});
        else
            s.written.erase(w.component);  // unknown version: plan the next write from a read
    }

    // ---- resigning: our connection_info nodes and our latch node in one multi -----------------

    static boost::asio::awaitable<result<void>> publish_and_stop(
        state_ptr s, std::vector<hakit::detail::publication> batch
    )
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        if (s->closed)
            co_return errc::closed;
        // The fast way needs every write to be a delete of a node this term wrote (its version
        // known); then the deletes ride in the latch's own delete and the successor is notified
        // by one transaction. Anything else is published first, the classic way.
        std::vector<zk::multi_op> deletes;
        bool blind = s->term && holds(*s, *s->term);
        std::vector<write_request> writes;
        if (blind)
        {
            auto planned = writes_of(*s, *s->term, batch);
            blind = planned.has_value();
            if (blind)
                writes = std::move(planned.value());
        }
        std::size_t bytes = 0;
        for (std::size_t i = 0; i < writes.size() && blind; ++i)
        {
            auto known = s->written.find(writes[i].component);
            if (writes[i].data || known == s->written.end())
                blind = false;
            else
            {
                deletes.push_back(zk::multi_op::remove(zk::delete_request{
                    writes[i].path, known->second.version}));
                bytes += op_size(deletes.back());
                blind = bytes <= s->multi_budget;  // too many for one frame: the classic way, in parts
            }
        }
        result<void> published = success();
        if (!blind)
            published = co_await publish(s, std::move(batch));
        else
        {
            for (const auto& w : writes)
                s->written.erase(w.component);
            // Our own deletes need not come back as notifications (one per node): the watch goes
            // first, queued ahead of the multi.
            remove_tree_watch_now(s);
        }
        // Deleted with the latch node, or not at all: a delete that fails there met a node that is
        // not what this term wrote, which is not ours to delete.
        auto stopped = co_await s->latch->async_stop(std::move(deletes));
        if (!published && published.error() != errc::not_leader)
            co_return published;
        co_return stopped;
    }

    // ---- self-healing: one persistent recursive watch on `leader/` while leading -------------------

    /// Watches from the term's first write on, which the caller queues right after this returns.
    static void start_healing(const state_ptr& s)
    {
        s->first_write_zxid.reset();
        spawn_healer(s, watch_tree(s, s->heal_generation));
    }

    static void stop_healing(state& s)
    {
        ++s.heal_generation;
        if (s.healer)
        {
            s.healer->emit(boost::asio::cancellation_type::terminal);
            s.healer.reset();
        }
        s.reported.clear();
        s.written.clear();
    }

    static void spawn_healer(const state_ptr& s, boost::asio::awaitable<void> healer)
    {
        auto signal = std::make_shared<boost::asio::cancellation_signal>();
        auto slot = signal->slot();
        s->healer = signal;
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

    /// The component whose connection_info `path` is, if it is one.
    static std::optional<component_id> component_of(const state& s, std::string_view path)
    {
        const auto dir = s.where.leader_path();
        if (!path.starts_with(dir) || path.size() <= dir.size() + 1 || path[dir.size()] != '/')
            return std::nullopt;
        path.remove_prefix(dir.size() + 1);
        const auto slash = path.find('/');
        if (slash == std::string_view::npos || path.substr(slash + 1) != connection_info_name)
            return std::nullopt;
        auto c = component_id::parse(path.substr(0, slash));
        if (!c)
            return std::nullopt;
        return c.value();
    }

    /// Reads `c`'s connection_info and reports what it holds (undecodable data is "no leader",
    /// which makes the leader overwrite it).
    static boost::asio::awaitable<void> reread(state_ptr s, std::uint64_t generation, component_id c)
    {
        auto read = co_await s->client->async_get_data(s->where.connection_info_path(c));
        report_read(s, generation, c, read);
    }

    static void report_read(
        const state_ptr& s, std::uint64_t generation, const component_id& c, const result<zk::node_data>& read
    )
    {
        if (read)
            report_data(s, generation, c, read.value().data);
        else if (read.error() == zk::error::no_node)
            report(s, generation, c, leader_information::empty());
    }

    /// Reports the connection_info that `data` holds; undecodable data is "no leader".
    static void report_data(
        const state_ptr& s, std::uint64_t generation, const component_id& c, const zk::bytes& data
    )
    {
        auto info = decode_connection_info(data);
        report(s, generation, c, info ? info.value() : leader_information::empty());
    }

    /// Like Flink's TreeCache below `leader/`, but without reading anything until someone else
    /// changes a node: one addWatch for the whole term, however many components, queued right
    /// behind the term's first write (so that the server sends no notification for each node that
    /// write created, 1000 for a 1000-job failover, and the addWatch does not delay it). If the
    /// server applied any transaction between that write and the watch (the addWatch reply's zxid
    /// says), or the write failed, every node written so far is read once. Events for nodes with a
    /// write of ours in flight are our own (the server sends a change's notification before its
    /// reply; a write that met someone else's change fails and reads again itself).
    static boost::asio::awaitable<void> watch_tree(state_ptr s, std::uint64_t generation)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        const auto dir = s->where.leader_path();
        bool running = true;
        // Spawned just before the first write is queued: let it go first.
        const auto ex = s->client->get_executor();
        co_await boost::asio::post(ex, boost::asio::use_awaitable);
        // The previous term's removeWatches (which removes every watch on the path) goes first.
        while (running && s->tree_busy)
            running = co_await s->tree_idle.async_wait();
        zk::persistent_watch tree;
        bool requested = false;
        while (running && !tree && healing(s, generation))
        {
            // From here the server may hold the watch even if we never see the reply (the term
            // ends while it is in flight): a removal must follow, queued behind the addWatch.
            s->tree_busy = true;
            requested = true;
            auto added = co_await s->client->async_add_watch(dir, zk::add_watch_mode::persistent_recursive);
            if (added)
                tree = std::move(added.value());
            else
                running = co_await recover(s, generation, added.error());
        }
        if (tree)
        {
            // The multi's reply came first on this connection and completions run in order (FIFO
            // posts), so its outcome is recorded by now.
            if (tree.registered_zxid() != s->first_write_zxid)
                co_await reread_written(s, generation);  // someone may have changed them meanwhile
        }
        while (running && tree && healing(s, generation))
        {
            auto event = co_await tree.async_next();
            if (!event || !healing(s, generation))
                running = false;
            else if (auto c = component_of(*s, event.value().path);
                     c && !s->in_flight.contains(event.value().path))
            {
                // Someone else's change: what this term wrote is no longer what the node holds.
                s->written.erase(*c);
                if (event.value().type == zk::event_type::node_deleted)
                    report(s, generation, *c, leader_information::empty());
                else if (event.value().type == zk::event_type::node_created || event.value().type == zk::event_type::node_data_changed)
                    co_await reread(s, generation, *c);
            }
        }
        if (requested)
            remove_tree_watch_now(s);  // the term is over
    }

    /// Takes the term's watch off the server (once), in a coroutine of its own: co_spawn runs it
    /// up to its first wait, so the removeWatches is queued on the connection before this returns.
    static void remove_tree_watch_now(const state_ptr& s)
    {
        if (!s->tree_busy || s->tree_removal_sent)
            return;
        s->tree_removal_sent = true;
        boost::asio::co_spawn(s->client->get_executor(), remove_tree_watch(s), boost::asio::detached);
    }

    static boost::asio::awaitable<void> remove_tree_watch(state_ptr s)
    {
        auto removed =
            co_await s->client->async_remove_watches(s->where.leader_path(), zk::watcher_type::any);
        (void)removed;
        s->tree_busy = false;
        s->tree_removal_sent = false;
        s->tree_idle.notify_all();
    }

    /// After a reconnect (changes made while disconnected raise no events on a persistent watch)
    /// or when someone else may have written between our first write and the watch: read every
    /// node this term wrote, all requests in flight at once.
    static boost::asio::awaitable<void> reread_written(state_ptr s, std::uint64_t generation)
    {
        // multiReads, each with as many nodes as its answer fits in the budget (1000 nodes: one
        // request, not 1000 getData).
        std::vector<component_id> mine;
        std::vector<std::size_t> batch_end;
        std::size_t answer = 0;
        for (const auto& [c, node] : s->written)
        {
            const std::size_t size = node.data.size() + getdata_answer_overhead;
            if (!mine.empty() && answer + size > s->multi_budget)
            {
                batch_end.push_back(mine.size());
                answer = 0;
            }
            mine.push_back(c);
            answer += size;
        }
        if (!mine.empty())
            batch_end.push_back(mine.size());
        auto read_batch = [&s, &mine, &batch_end](std::size_t b) {
            std::vector<zk::multi_op> ops;
            for (std::size_t i = b == 0 ? 0 : batch_end[b - 1]; i < batch_end[b]; ++i)
                ops.push_back(zk::multi_op::get_data(zk::get_data_request{
                    s->where.connection_info_path(mine[i])}));
            return s->client->async_multi_read(std::move(ops));
        };
        auto answers = co_await all_of<zk::multi_response>(s, batch_end.size(), read_batch);  // pipelined
        std::size_t start = 0;
        for (std::size_t b = 0; b < answers.size() && healing(s, generation); ++b)
        {
            // A batch that failed as a whole (or came back malformed) reports nothing, like a
            // failed read; after connection trouble the reconnect reads every node again.
            const auto count = batch_end[b] - start;
            if (answers[b] && answers[b].value().results.size() == count)
                for (std::size_t k = 0; k < count; ++k)
                    report_answer(s, generation, mine[start + k], answers[b].value().results[k]);
            start = batch_end[b];
        }
    }

    static std::vector<component_id> written_components(const state& s)
    {
        std::vector<component_id> out;
        for (const auto& [c, node] : s.written)
            out.push_back(c);
        return out;
    }

    static boost::asio::awaitable<void> reread_one_by_one(
        state_ptr s, std::uint64_t generation, std::vector<component_id> mine
    )
    {
        auto read_one = [&s, &mine](std::size_t i) {
            return s->client->async_get_data(s->where.connection_info_path(mine[i]));
        };
        auto reads = co_await all_of<zk::node_data>(s, mine.size(), read_one);  // pipelined
        for (std::size_t i = 0; i < mine.size() && healing(s, generation); ++i)
            report_read(s, generation, mine[i], reads[i]);
    }

    /// A getData answer inside a multiRead reply, besides the data: its Stat and headers.
    static constexpr std::size_t getdata_answer_overhead = 96;

    static void report_answer(
        const state_ptr& s, std::uint64_t generation, const component_id& c, const zk::multi_result& answer
    )
    {
        if (const auto* read = std::get_if<zk::get_data_response>(&answer.body))
            report_data(s, generation, c, read->data);
        else if (answer.err == static_cast<std::int32_t>(zk::error::no_node))
            report(s, generation, c, leader_information::empty());
    }

    /// Whether a watcher goes on after a failed request: after connection trouble (once the
    /// client takes requests again), not after the session's end or anything else.
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

    state_ptr state_;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
