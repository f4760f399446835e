// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_IN_MEMORY_HPP
#define HAKIT_BACKEND_IN_MEMORY_HPP

#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/ha_services.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/uuid/random_generator.hpp>

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

class in_memory_cluster;

/// The in-memory backend: several ha_services<in_memory_backend> (each standing for one process)
/// share one in_memory_cluster and really contend. Flink's EmbeddedHaServices generalised; also a
/// deterministic test double with fault injection (see in_memory_cluster).
struct in_memory_backend
{
    class connection;
};

/// The shared "coordination service" of the in-memory backend: one leader latch (first come,
/// first served; a member that loses its term rejoins at the back), the published leader
/// information per component, and the HA stores.
///
/// Every member must run on the same single-threaded executor (or strand) as the others; the
/// cluster must outlive its members.
///
/// Fault injection, deterministic because nothing here depends on time:
/// - revoke_leadership(m): m's term ends (as on a suspended connection); m rejoins the latch at the
///   back, the next member is granted a new term. Published data stays until overwritten.
/// - expire_session(m): m's "session" dies: its latch entry, its published leader information and
///   its store locks vanish (like ZooKeeper ephemerals), its retrievers see "no leader" and then re-read;
///   m rejoins with a fresh session if it still contends.
/// - fail_next_store_operations(m, n, ec): m's next n store operations fail with ec, changing nothing.
/// - hold_events(m) / release_events(m): m's election and retrieval events are held back (e.g. to
///   observe has_leadership() turning false before the revoke is processed), then delivered in order.
/// - overwrite_leader_information(c, info): another client writes component c's leader data.
class in_memory_cluster
{
public:
    using member_id = std::uint64_t;

    in_memory_cluster() : data_(std::make_shared<detail::in_memory_store_data>()) {}
    in_memory_cluster(const in_memory_cluster&) = delete;
    in_memory_cluster& operator=(const in_memory_cluster&) = delete;

    /// The member holding the latch with a granted term, if any.
    std::optional<member_id> leader() const
    {
        if (latch_.empty())
            return std::nullopt;
        const auto& m = members_.at(latch_.front());
        return m.term ? std::optional<member_id>(latch_.front()) : std::nullopt;
    }

    /// The latch queue, leader first.
    std::vector<member_id> contenders() const { return {latch_.begin(), latch_.end()}; }

    /// The member registered under `name` (the name given to its ha_services).
    std::optional<member_id> find_member(const std::string& name) const
    {
        for (const auto& [id, m] : members_)
            if (m.name == name)
                return id;
        return std::nullopt;
    }

    /// What retrievers of `component` currently read.
    leader_information published(const component_id& component) const
    {
        auto it = published_.find(component);
        return it == published_.end() ? leader_information::empty() : it->second.info;
    }

    void revoke_leadership(member_id m)
    {
        if (leader() != m)
            return;
        latch_.pop_front();
        latch_.push_back(m);
        end_term(m);
        update_leader();
    }

    void expire_session(member_id m)
    {
        auto it = members_.find(m);
        if (it == members_.end())
            return;
        const bool contending = std::find(latch_.begin(), latch_.end(), m) != latch_.end();
        drop_from_latch(m);
        drop_ephemerals(m);
        for (auto& [token, w] : watchers_)
            if (w.member == m)
            {
                send(m, token, leader_information::empty());
                send(m, token, published(w.component));
            }
        if (contending)
            latch_.push_back(m);
        update_leader();
    }

    void fail_next_store_operations(member_id m, std::size_t n, error_code ec = errc::injected_fault)
    {
        auto it = members_.find(m);
        if (it != members_.end())
            it->second.faults->fail_next(n, ec);
    }

    void hold_events(member_id m)
    {
        auto it = members_.find(m);
        if (it != members_.end())
            it->second.held = true;
    }

    void release_events(member_id m)
    {
        auto it = members_.find(m);
        if (it == members_.end())
            return;
        it->second.held = false;
        auto events = std::move(it->second.held_events);
        it->second.held_events.clear();
        for (auto& e : events)
            dispatch(it->second, std::move(e));
    }

    /// Another client (not a member) writes `component`'s leader information; empty deletes it.
    void overwrite_leader_information(const component_id& component, leader_information info)
    {
        write(component, info, 0);
        if (auto l = leader())
            send(*l, detail::leader_information_changed{component, std::move(info)});
    }

    /// Every retriever of `component` receives error `ec` (e.g. as if its data were unreadable).
    void inject_retrieval_error(const component_id& component, error_code ec)
    {
        for (const auto& [token, w] : watchers_)
            if (w.component == component)
                route(w.member, member_event(retrieval_event{token, ec}));
    }

    /// The HA stores' shared data, for inspection and corruption tests.
    detail::in_memory_store_data& store_data() noexcept { return *data_; }

private:
    friend class in_memory_backend::connection;

    struct retrieval_event
    {
        std::uint64_t token;
        result<leader_information> info;
    };
    using member_event = std::variant<detail::election_event, retrieval_event>;

    struct member
    {
        std::string name;
        detail::election_event_queue* election = nullptr;
        std::optional<session_id> term;
        bool held = false;
        std::deque<member_event> held_events;
        std::shared_ptr<detail::in_memory_store_faults> faults =
            std::make_shared<detail::in_memory_store_faults>();
    };

    struct watcher
    {
        member_id member;
        struct member* owner;  // members_ is a map: stable until remove_member(), which drops the watcher too
        component_id component;
        detail::retrieval_channel* channel;
    };

    struct published_entry
    {
        leader_information info;
        member_id owner;  // 0: written by a non-member
    };

    member_id add_member(std::string name)
    {
        const auto id = next_member_++;
        members_[id].name = std::move(name);
        return id;
    }

    void remove_member(member_id m)
    {
        drop_from_latch(m);
        drop_ephemerals(m);
        std::erase_if(watchers_, [m](const auto& entry) { return entry.second.member == m; });
        members_.erase(m);
        update_leader();
    }

    void join(member_id m, detail::election_event_queue* queue)
    {
        members_.at(m).election = queue;
        if (std::find(latch_.begin(), latch_.end(), m) == latch_.end())
            latch_.push_back(m);
        update_leader();
    }

    void leave(member_id m)
    {
        // A member that leaves has ended its term itself: it is not sent a revoke of its own.
        members_.at(m).election = nullptr;
        drop_from_latch(m);
        update_leader();
    }

    bool leads(member_id m) const { return !latch_.empty() && latch_.front() == m && members_.at(m).term; }

    bool holds(member_id m, session_id term) const noexcept
    {
        if (latch_.empty() || latch_.front() != m)
            return false;
        auto it = members_.find(m);
        return it != members_.end() && it->second.term == term;
    }

    /// All or nothing, like a ZooKeeper multi with a check on the latch node.
    result<void> publish(member_id m, std::span<const detail::publication> batch)
    {
        if (!leads(m))
            return errc::not_leader;
        for (const auto& p : batch)
            write(p.component, p.info, m);
        return success();
    }

    std::uint64_t watch(member_id m, component_id component, detail::retrieval_channel* channel)
    {
        const auto token = next_token_++;
        auto it = members_.find(m);
        if (it == members_.end())
            return token;  // a member that has left hears nothing
        const auto w = watchers_.emplace(token, watcher{m, &it->second, std::move(component), channel}).first;
        send(m, token, published(w->second.component));
        return token;
    }

    void unwatch(std::uint64_t token) { watchers_.erase(token); }

    void cleanup_all_data()
    {
        data_->cleanup_all();
        std::vector<component_id> components;
        for (const auto& [c, e] : published_)
            components.push_back(c);
        for (const auto& c : components)
            write(c, leader_information::empty(), 0);
    }

    void write(const component_id& component, const leader_information& info, member_id owner)
    {
        if (info.is_empty())
            published_.erase(component);
        else
        {
            auto& entry = published_[component];
            entry.info = info;
            entry.owner = owner;
        }
        for (const auto& [token, w] : watchers_)
            if (w.component == component)
            {
                if (w.owner->held)
                    w.owner->held_events.push_back(member_event(retrieval_event{token, info}));
                else
                    w.channel->on_leader(info);
            }
    }

    void drop_from_latch(member_id m)
    {
        const bool was_leader = leader() == m;
        if (!latch_.empty() && latch_.front() == m)
            latch_.pop_front();  // the usual case (a leader leaving), without a search
        else
            std::erase(latch_, m);
        if (was_leader)
            end_term(m);
    }

    void drop_ephemerals(member_id m)
    {
        std::vector<component_id> owned;
        for (const auto& [c, e] : published_)
            if (e.owner == m)
                owned.push_back(c);
        for (const auto& c : owned)
            write(c, leader_information::empty(), 0);
        data_->release_locks_of(m);
    }

    void end_term(member_id m)
    {
        auto& mem = members_.at(m);
        if (!mem.term)
            return;
        mem.term.reset();
        send(m, detail::leadership_revoked{});
    }

    void update_leader()
    {
        if (latch_.empty())
            return;
        auto& head = members_.at(latch_.front());
        if (head.term)
            return;
        head.term = session_id(next_term_());
        send(latch_.front(), detail::leadership_granted{*head.term});
    }

    void send(member_id m, detail::election_event e)
    {
        auto it = members_.find(m);
        if (it == members_.end())
            return;
        if (it->second.held)
            it->second.held_events.push_back(member_event(std::move(e)));
        else if (it->second.election)
            it->second.election->push(std::move(e));
    }
    void send(member_id m, std::uint64_t token, leader_information info)
    {
        route(m, member_event(retrieval_event{token, std::move(info)}));
    }

    void route(member_id m, member_event e)
    {
        auto it = members_.find(m);
        if (it == members_.end())
            return;
        if (it->second.held)
            it->second.held_events.push_back(std::move(e));
        else
            dispatch(it->second, std::move(e));
    }

    void dispatch(member& mem, member_event e)
    {
        if (auto* election = std::get_if<detail::election_event>(&e))
        {
            if (mem.election)
                mem.election->push(std::move(*election));
            return;
        }
        auto& r = std::get<retrieval_event>(e);
        auto it = watchers_.find(r.token);
        if (it == watchers_.end())
            return;
        if (r.info)
            it->second.channel->on_leader(std::move(r.info).value());
        else
            it->second.channel->on_error(r.info.error());
    }

    std::shared_ptr<detail::in_memory_store_data> data_;
    std::map<member_id, member> members_;
    std::deque<member_id> latch_;
    std::map<component_id, published_entry> published_;
    std::map<std::uint64_t, watcher> watchers_;
    member_id next_member_ = 1;
    std::uint64_t next_token_ = 1;
    // Random (version 4) term ids from a generator seeded once from the OS: no system call per term.
    boost::uuids::random_generator_mt19937 next_term_;
};

/// One member of an in_memory_cluster: the backend connection of one ha_services.
class in_memory_backend::connection
{
public:
    connection(boost::asio::any_io_executor, in_memory_cluster& cluster, std::string name = {})
        : cluster_(&cluster)
        , id_(cluster.add_member(std::move(name)))
        , closed_(std::make_shared<bool>(false))
    {}

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close_now(); }

    /// This member's id in its cluster (for fault injection).
    in_memory_cluster::member_id member() const noexcept { return id_; }
    in_memory_cluster& cluster() const noexcept { return *cluster_; }

    // election driver; the in-memory cluster answers at once, so the immediate forms do the work
    result<void> start_election_now(detail::election_event_queue* queue)
    {
        if (*closed_)
            return errc::closed;
        cluster_->join(id_, queue);
        return success();
    }

    result<void> stop_election_now()
    {
        if (!*closed_)
            cluster_->leave(id_);
        return success();
    }

    result<void> publish_now(std::span<const detail::publication> batch)
    {
        if (*closed_)
            return errc::closed;
        return cluster_->publish(id_, batch);
    }

    boost::asio::awaitable<result<void>> async_start_election(detail::election_event_queue* queue)
    {
        co_return start_election_now(queue);
    }

    boost::asio::awaitable<result<void>> async_stop_election() { co_return stop_election_now(); }

    bool holds_term(session_id term) const noexcept { return !*closed_ && cluster_->holds(id_, term); }

    boost::asio::awaitable<result<void>> async_publish(std::vector<detail::publication> batch)
    {
        co_return publish_now(batch);
    }

    // retrieval driver
    std::uint64_t start_retrieval(
        component_id component, std::optional<std::string>, detail::retrieval_channel* channel
    )
    {
        return cluster_->watch(id_, std::move(component), channel);
    }

    void stop_retrieval(std::uint64_t token)
    {
        if (!*closed_)
            cluster_->unwatch(token);
    }

    // stores
    in_memory_job_graph_store job_graph_store() const { return in_memory_job_graph_store(context()); }
    in_memory_job_result_store job_result_store() const { return in_memory_job_result_store(context()); }
    in_memory_blob_store blob_store() const { return in_memory_blob_store(context()); }
    in_memory_completed_checkpoint_store completed_checkpoint_store(job_id job, std::size_t max_retained)
        const
    {
        return in_memory_completed_checkpoint_store(context(), job, max_retained);
    }
    in_memory_checkpoint_id_counter checkpoint_id_counter(job_id job) const
    {
        return in_memory_checkpoint_id_counter(context(), job);
    }

    // lifecycle
    boost::asio::awaitable<result<void>> async_close()
    {
        close_now();
        co_return success();
    }

    boost::asio::awaitable<result<void>> async_cleanup_all_data()
    {
        if (*closed_)
            co_return errc::closed;
        cluster_->cleanup_all_data();
        co_return success();
    }

    boost::asio::awaitable<result<void>> async_global_cleanup(job_id job)
    {
        if (*closed_)
            co_return errc::closed;
        cluster_->store_data().global_cleanup(job);
        co_return success();
    }

    /// Leaves the cluster like a process whose session ends: ephemerals and locks go, data stays.
    void close_now() noexcept
    {
        if (*closed_)
            return;
        *closed_ = true;
        cluster_->remove_member(id_);
    }

private:
    detail::in_memory_store_context context() const
    {
        return detail::in_memory_store_context{
            cluster_->data_, id_, cluster_->members_.at(id_).faults, closed_};
    }

    in_memory_cluster* cluster_;
    in_memory_cluster::member_id id_;
    std::shared_ptr<bool> closed_;
};

static_assert(backend<in_memory_backend>);

/// ha_services over an in_memory_cluster: `in_memory_ha_services ha(ex, cluster, "jm-1");`
using in_memory_ha_services = ha_services<in_memory_backend>;

HAKIT_NAMESPACE_END

#endif
