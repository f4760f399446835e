// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_IN_MEMORY_STORES_HPP
#define HAKIT_BACKEND_IN_MEMORY_STORES_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/stores/job_status.hpp>
#include <hakit/stores/local_file.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

// The in-memory backend's HA stores. All members (simulated processes) of one in-memory cluster
// share one detail::in_memory_store_data, so whatever one member stores, another recovers after a
// failover. Each member is an "owner": the locks it takes on job graphs and checkpoints are
// released together when its session expires (in_memory_store_data::release_locks_of), like the
// ephemeral lock nodes of the ZooKeeper backend.

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// Deterministic fault injection for one member's stores (Beast's fail_count idea): the next n
/// store operations fail with a chosen error before touching any state, so a failed operation
/// never loses or half-writes data.
class in_memory_store_faults
{
public:
    /// The next `n` store operations fail with `ec` (replaces an earlier request).
    void fail_next(std::size_t n, error_code ec = errc::injected_fault) noexcept
    {
        remaining_ = n;
        ec_ = ec;
    }

    /// Called first by every store operation: the injected error while any remain, else success.
    result<void> take() noexcept
    {
        if (remaining_ == 0)
            return success();
        --remaining_;
        return ec_;
    }

    /// How many operations are still going to fail.
    std::size_t pending() const noexcept { return remaining_; }
    void clear() noexcept { remaining_ = 0; }

private:
    std::size_t remaining_ = 0;
    error_code ec_ = errc::injected_fault;
};

/// The state of every store of one in-memory cluster: job graphs with per-owner lock sets,
/// checkpoints per job (each with its own lock set), checkpoint-id counters per job, job results
/// (dirty and clean) and blobs. The operations are synchronous; the store handles below wrap them
/// in awaitables after their closed/fault gate. Not thread-safe: one executor.
class in_memory_store_data
{
public:
    /// Identifies one member (one ha_services instance) as lock owner.
    using owner_type = std::uint64_t;

    // ---- cluster operations ------------------------------------------------------------------

    /// Drops every lock `owner` holds (its session expired: its ephemeral locks are gone).
    void release_locks_of(owner_type owner)
    {
        for (auto& [id, entry] : job_graphs_)
            entry.locks.erase(owner);
        for (auto& [job, checkpoints] : checkpoints_)
            for (auto& [id, entry] : checkpoints)
                entry.locks.erase(owner);
    }

    /// Deletes everything (ha_services' close_and_cleanup_all_data).
    void cleanup_all()
    {
        job_graphs_.clear();
        checkpoints_.clear();
        counters_.clear();
        dirty_results_.clear();
        clean_results_.clear();
        blobs_.clear();
    }

    /// Deletes one job's HA data regardless of locks: its checkpoints, checkpoint-id counter, job
    /// graph and blobs (ha_services' global_cleanup(job)). Job results are left to the job result
    /// store's own dirty → clean protocol.
    void global_cleanup(const job_id& job)
    {
        checkpoints_.erase(job);
        counters_.erase(job);
        job_graphs_.erase(job);
        std::erase_if(blobs_, [&](const auto& kv) { return kv.first.first == job; });
    }

    // ---- test hooks: make stored data undecodable --------------------------------------------

    /// Marks the job graph undecodable: recovering it fails with errc::corrupted_data. False if
    /// there is no such graph.
    bool corrupt_job_graph(const job_id& id)
    {
        const auto it = job_graphs_.find(id);
        if (it == job_graphs_.end())
            return false;
        it->second.corrupted = true;
        return true;
    }

    /// Marks a checkpoint undecodable: stores skip it (Flink's getAllAndLock skips corrupted
    /// entries). False if there is no such checkpoint.
    bool corrupt_checkpoint(const job_id& job, std::int64_t id)
    {
        auto* entry = find_checkpoint(job, id);
        if (entry == nullptr)
            return false;
        entry->corrupted = true;
        return true;
    }

    /// Flips a byte of a stored blob (appends one to an empty blob), so reading it back fails its
    /// SHA-1 check. False if there is no such blob.
    bool corrupt_blob(const std::optional<job_id>& job, const blob_key& key)
    {
        const auto it = blobs_.find(blob_address(job, key));
        if (it == blobs_.end())
            return false;
        if (it->second.empty())
            it->second.push_back('\x5a');
        else
            it->second[0] = static_cast<char>(it->second[0] ^ 0x5a);
        return true;
    }

    // ---- observers (tests, diagnostics) ------------------------------------------------------

    bool has_job_graph(const job_id& id) const { return job_graphs_.contains(id); }

    /// How many owners hold a lock on the job graph (0 if missing).
    std::size_t job_graph_lock_count(const job_id& id) const
    {
        const auto it = job_graphs_.find(id);
        return it == job_graphs_.end() ? 0 : it->second.locks.size();
    }

    bool job_graph_locked_by(const job_id& id, owner_type owner) const
    {
        const auto it = job_graphs_.find(id);
        return it != job_graphs_.end() && it->second.locks.contains(owner);
    }

    /// How many checkpoints of the job are stored, including those no store sees any more because
    /// they were subsumed while another owner held a lock on them.
    std::size_t checkpoint_count(const job_id& job) const
    {
        const auto it = checkpoints_.find(job);
        return it == checkpoints_.end() ? 0 : it->second.size();
    }

    bool has_checkpoint(const job_id& job, std::int64_t id) const
    {
        const auto it = checkpoints_.find(job);
        return it != checkpoints_.end() && it->second.contains(id);
    }

    /// True once the job's counter was incremented or set (and not removed since).
    bool has_checkpoint_id_counter(const job_id& job) const { return counters_.contains(job); }

    std::size_t blob_count() const noexcept { return blobs_.size(); }
    bool has_blob(const std::optional<job_id>& job, const blob_key& key) const
    {
        return blobs_.contains(blob_address(job, key));
    }

    /// Dirty plus clean entries.
    std::size_t job_result_count() const noexcept { return dirty_results_.size() + clean_results_.size(); }

    /// True if nothing at all is stored.
    bool empty() const noexcept
    {
        return job_graphs_.empty() && checkpoints_.empty() && counters_.empty() && dirty_results_.empty() &&
               clean_results_.empty() && blobs_.empty();
    }

    // ---- job graph store (semantics: hakit::job_graph_store) ---------------------------------

    result<void> put_job_graph(owner_type owner, job_graph graph)
    {
        const auto it = job_graphs_.find(graph.id);
        if (it == job_graphs_.end())
        {
            const auto id = graph.id;
            job_graphs_.emplace(id, job_graph_entry{std::move(graph), {owner}, false});
            return success();
        }
        if (!it->second.locks.contains(owner))
            return errc::already_exists;
        it->second.graph = std::move(graph);
        it->second.corrupted = false;
        return success();
    }

    result<std::optional<job_graph>> recover_job_graph(owner_type owner, const job_id& id)
    {
        const auto it = job_graphs_.find(id);
        if (it == job_graphs_.end())
            return std::optional<job_graph>();
        if (it->second.corrupted)
        {
            // Like Flink: a graph that cannot be read is not kept locked.
            it->second.locks.erase(owner);
            return errc::corrupted_data;
        }
        it->second.locks.insert(owner);
        return std::optional<job_graph>(it->second.graph);
    }

    std::vector<job_id> job_graph_ids() const
    {
        std::vector<job_id> ids;
        ids.reserve(job_graphs_.size());
        for (const auto& [id, entry] : job_graphs_)
            ids.push_back(id);
        return ids;
    }

    result<void> remove_job_graph(owner_type owner, const job_id& id)
    {
        const auto it = job_graphs_.find(id);
        if (it == job_graphs_.end())
            return success();
        it->second.locks.erase(owner);
        if (!it->second.locks.empty())
            return errc::locked;
        job_graphs_.erase(it);
        return success();
    }

    void release_job_graph(owner_type owner, const job_id& id)
    {
        const auto it = job_graphs_.find(id);
        if (it != job_graphs_.end())
            it->second.locks.erase(owner);
    }

    void release_all_job_graphs(owner_type owner)
    {
        for (auto& [id, entry] : job_graphs_)
            entry.locks.erase(owner);
    }

    // ---- completed checkpoint store (semantics: hakit::completed_checkpoint_store) -----------

    /// Locks every readable checkpoint of the job for `owner` (a store being created "recovered").
    void lock_checkpoints(owner_type owner, const job_id& job)
    {
        const auto it = checkpoints_.find(job);
        if (it == checkpoints_.end())
            return;
        for (auto& [id, entry] : it->second)
            if (!entry.corrupted)
                entry.locks.insert(owner);
    }

    /// What `owner`'s store sees: the readable checkpoints it holds a lock on, by id ascending.
    std::vector<completed_checkpoint> checkpoints_of(owner_type owner, const job_id& job) const
    {
        std::vector<completed_checkpoint> out;
        const auto it = checkpoints_.find(job);
        if (it == checkpoints_.end())
            return out;
        for (const auto& [id, entry] : it->second)
            if (!entry.corrupted && entry.locks.contains(owner))
                out.push_back(entry.checkpoint);
        return out;
    }

    /// Adds and locks `checkpoint`, then subsumes the oldest checkpoints `owner` sees while more
    /// than `max_retained` remain; returns the subsumed ones, oldest first.
    result<std::vector<completed_checkpoint>> add_checkpoint(
        owner_type owner, completed_checkpoint checkpoint, std::size_t max_retained
    )
    {
        if (checkpoint.id < 0)
            return errc::invalid_argument;
        auto& checkpoints = checkpoints_[checkpoint.job];
        if (checkpoints.contains(checkpoint.id))
            return errc::already_exists;
        const auto job = checkpoint.job;
        const auto id = checkpoint.id;
        checkpoints.emplace(id, checkpoint_entry{std::move(checkpoint), {owner}, false});

        std::vector<completed_checkpoint> subsumed;
        auto retained = checkpoints_of(owner, job);
        for (std::size_t i = 0; retained.size() - i > max_retained; ++i)
        {
            release_checkpoint(owner, job, retained[i].id, true);
            subsumed.push_back(std::move(retained[i]));
        }
        return subsumed;
    }

    /// Ends `owner`'s use of the job's checkpoints: with `remove`, deletes every checkpoint of the
    /// job no other owner holds a lock on; otherwise only releases `owner`'s locks.
    void shutdown_checkpoints(owner_type owner, const job_id& job, bool remove)
    {
        const auto it = checkpoints_.find(job);
        if (it == checkpoints_.end())
            return;
        auto& checkpoints = it->second;
        for (auto entry = checkpoints.begin(); entry != checkpoints.end();)
        {
            entry->second.locks.erase(owner);
            if (remove && entry->second.locks.empty())
                entry = checkpoints.erase(entry);
            else
                ++entry;
        }
        if (checkpoints.empty())
            checkpoints_.erase(it);
    }

    // ---- checkpoint id counter (semantics: hakit::checkpoint_id_counter) ---------------------

    /// The first id a job's counter hands out (Flink's INITIAL_CHECKPOINT_ID).
    static constexpr std::int64_t initial_checkpoint_id = 1;
    /// Flink stores the counter as a 4-byte int.
    static constexpr std::int64_t max_checkpoint_id_count = std::numeric_limits<std::int32_t>::max();

    std::int64_t checkpoint_id_count(const job_id& job) const
    {
        const auto it = counters_.find(job);
        return it == counters_.end() ? initial_checkpoint_id : it->second;
    }

    result<std::int64_t> get_and_increment_checkpoint_id(const job_id& job)
    {
        const auto current = checkpoint_id_count(job);
        if (current >= max_checkpoint_id_count)
            return errc::counter_overflow;
        counters_[job] = current + 1;
        return current;
    }

    result<void> set_checkpoint_id_count(const job_id& job, std::int64_t count)
    {
        if (count < 0 || count > max_checkpoint_id_count)
            return errc::invalid_argument;
        counters_[job] = count;
        return success();
    }

    void remove_checkpoint_id_counter(const job_id& job) { counters_.erase(job); }

    // ---- job result store (semantics: hakit::job_result_store) -------------------------------

    result<void> create_dirty_job_result(job_result r)
    {
        if (dirty_results_.contains(r.id) || clean_results_.contains(r.id))
            return errc::already_exists;
        const auto id = r.id;
        dirty_results_.emplace(id, std::move(r));
        return success();
    }

    result<void> mark_job_result_clean(const job_id& id)
    {
        if (clean_results_.contains(id))
            return success();
        const auto it = dirty_results_.find(id);
        if (it == dirty_results_.end())
            return errc::not_found;
        clean_results_.emplace(id, std::move(it->second));
        dirty_results_.erase(it);
        return success();
    }

    bool has_dirty_job_result(const job_id& id) const { return dirty_results_.contains(id); }
    bool has_clean_job_result(const job_id& id) const { return clean_results_.contains(id); }

    /// Dirty entries by job id ascending.
    std::vector<job_result> dirty_job_results() const
    {
        std::vector<job_result> out;
        out.reserve(dirty_results_.size());
        for (const auto& [id, r] : dirty_results_)
            out.push_back(r);
        return out;
    }

    // ---- blob store (semantics: hakit::blob_store) -------------------------------------------

    void put_blob(const std::optional<job_id>& job, const blob_key& key, std::string bytes)
    {
        blobs_.insert_or_assign(blob_address(job, key), std::move(bytes));
    }

    /// The stored bytes, or null.
    const std::string* find_blob(const std::optional<job_id>& job, const blob_key& key) const
    {
        const auto it = blobs_.find(blob_address(job, key));
        return it == blobs_.end() ? nullptr : &it->second;
    }

    void delete_blob(const std::optional<job_id>& job, const blob_key& key)
    {
        blobs_.erase(blob_address(job, key));
    }

    void delete_blobs_of(const job_id& job)
    {
        std::erase_if(blobs_, [&](const auto& kv) { return kv.first.first == job; });
    }

    void delete_all_blobs() { blobs_.clear(); }

private:
    struct job_graph_entry
    {
        job_graph graph;
        std::set<owner_type> locks;
        bool corrupted = false;
    };

    struct checkpoint_entry
    {
        completed_checkpoint checkpoint;
        std::set<owner_type> locks;
        bool corrupted = false;
    };

    using blob_address = std::pair<std::optional<job_id>, blob_key>;

    checkpoint_entry* find_checkpoint(const job_id& job, std::int64_t id)
    {
        const auto it = checkpoints_.find(job);
        if (it == checkpoints_.end())
            return nullptr;
        const auto entry = it->second.find(id);
        return entry == it->second.end() ? nullptr : &entry->second;
    }

    /// Releases `owner`'s lock on one checkpoint and, with `try_remove`, deletes it if no lock
    /// remains (Flink's releaseAndTryRemove).
    void release_checkpoint(owner_type owner, const job_id& job, std::int64_t id, bool try_remove)
    {
        const auto it = checkpoints_.find(job);
        if (it == checkpoints_.end())
            return;
        const auto entry = it->second.find(id);
        if (entry == it->second.end())
            return;
        entry->second.locks.erase(owner);
        if (try_remove && entry->second.locks.empty())
            it->second.erase(entry);
    }

    std::map<job_id, job_graph_entry> job_graphs_;
    std::map<job_id, std::map<std::int64_t, checkpoint_entry>> checkpoints_;
    std::map<job_id, std::int64_t> counters_;
    std::map<job_id, job_result> dirty_results_;
    std::map<job_id, job_result> clean_results_;
    std::map<blob_address, std::string> blobs_;
};

/// What an in-memory store handle refers to: the cluster's shared data, the member it acts for
/// (lock owner), that member's fault injection and its "ha_services closed" flag. `faults` and
/// `closed` may be null (no injection; never closed).
struct in_memory_store_context
{
    std::shared_ptr<in_memory_store_data> data;
    std::uint64_t owner = 0;
    std::shared_ptr<in_memory_store_faults> faults;
    std::shared_ptr<const bool> closed;

    /// The gate every store operation passes before touching data: errc::closed once the member
    /// was closed (no fault is consumed then), else the next injected fault, if any.
    result<void> begin_operation() const noexcept
    {
        if (closed && *closed)
            return errc::closed;
        if (faults)
            return faults->take();
        return success();
    }
};

/// A fresh context over private data: one owner, no fault injection. The standalone stores use
/// it to keep their state per instance.
inline in_memory_store_context make_private_store_context(std::shared_ptr<const bool> closed = {})
{
    return in_memory_store_context{std::make_shared<in_memory_store_data>(), 0, nullptr, std::move(closed)};
}

/// Runs `fn(data)` after the context's gate. A coroutine so that every store operation is an
/// awaitable; it owns copies of everything it uses, so a handle may die before its operation is
/// awaited.
template <class T, class Fn>
boost::asio::awaitable<result<T>> run_in_memory_operation(in_memory_store_context ctx, Fn fn)
{
    BOOST_OUTCOME_CO_TRYV(ctx.begin_operation());
    co_return fn(*ctx.data);
}

}  // namespace detail

/// The in-memory job graph store (semantics: hakit::job_graph_store); locks are held by the
/// context's owner, so all handles of one member act as one store instance.
class in_memory_job_graph_store
{
public:
    explicit in_memory_job_graph_store(detail::in_memory_store_context ctx) : ctx_(std::move(ctx)) {}

    boost::asio::awaitable<result<void>> async_put(job_graph graph) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [owner = ctx_.owner, graph = std::move(graph)](detail::in_memory_store_data& d) mutable {
                return d.put_job_graph(owner, std::move(graph));
            }
        );
    }

    boost::asio::awaitable<result<std::optional<job_graph>>> async_recover(job_id id) const
    {
        return detail::run_in_memory_operation<std::optional<job_graph>>(
            ctx_,
            [owner = ctx_.owner, id](detail::in_memory_store_data& d) {
                return d.recover_job_graph(owner, id);
            }
        );
    }

    boost::asio::awaitable<result<std::vector<job_id>>> async_job_ids() const
    {
        return detail::run_in_memory_operation<std::vector<job_id>>(
            ctx_,
            [](detail::in_memory_store_data& d) { return result<std::vector<job_id>>(d.job_graph_ids()); }
        );
    }

    boost::asio::awaitable<result<void>> async_global_cleanup(job_id id) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [owner = ctx_.owner, id](detail::in_memory_store_data& d) {
                return d.remove_job_graph(owner, id);
            }
        );
    }

    boost::asio::awaitable<result<void>> async_local_cleanup(job_id id) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [owner = ctx_.owner, id](detail::in_memory_store_data& d) {
                d.release_job_graph(owner, id);
                return result<void>(success());
            }
        );
    }

    boost::asio::awaitable<result<void>> async_release_all() const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [owner = ctx_.owner](detail::in_memory_store_data& d) {
                d.release_all_job_graphs(owner);
                return result<void>(success());
            }
        );
    }

    const detail::in_memory_store_context& context() const noexcept { return ctx_; }

private:
    detail::in_memory_store_context ctx_;
};

/// The in-memory completed checkpoint store of one job (semantics:
/// hakit::completed_checkpoint_store). Construction recovers: it locks every readable checkpoint
/// the job already has, for the context's owner. Handles of one member for the same job share
/// what they see (the checkpoints that member holds locks on).
class in_memory_completed_checkpoint_store
{
public:
    /// `max_retained` below 1 is treated as 1 (Flink requires at least one).
    in_memory_completed_checkpoint_store(
        detail::in_memory_store_context ctx, job_id job, std::size_t max_retained
    )
        : ctx_(std::move(ctx))
        , job_(job)
        , max_retained_(std::max<std::size_t>(max_retained, 1))
        , shut_down_(std::make_shared<bool>(false))
    {
        ctx_.data->lock_checkpoints(ctx_.owner, job_);
    }

    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_add(
        completed_checkpoint checkpoint
    ) const
    {
        return detail::run_in_memory_operation<std::vector<completed_checkpoint>>(
            ctx_,
            [self = *this, checkpoint = std::move(checkpoint)](detail::in_memory_store_data& d
            ) mutable -> result<std::vector<completed_checkpoint>> {
                if (*self.shut_down_)
                    return errc::closed;
                if (checkpoint.job != self.job_)
                    return errc::invalid_argument;
                return d.add_checkpoint(self.ctx_.owner, std::move(checkpoint), self.max_retained_);
            }
        );
    }

    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_all() const
    {
        return detail::run_in_memory_operation<std::vector<completed_checkpoint>>(
            ctx_,
            [self = *this](detail::in_memory_store_data& d) -> result<std::vector<completed_checkpoint>> {
                if (*self.shut_down_)
                    return errc::closed;
                return d.checkpoints_of(self.ctx_.owner, self.job_);
            }
        );
    }

    boost::asio::awaitable<result<std::optional<completed_checkpoint>>> async_latest() const
    {
        return detail::run_in_memory_operation<std::optional<completed_checkpoint>>(
            ctx_,
            [self = *this](detail::in_memory_store_data& d) -> result<std::optional<completed_checkpoint>> {
                if (*self.shut_down_)
                    return errc::closed;
                auto all = d.checkpoints_of(self.ctx_.owner, self.job_);
                if (all.empty())
                    return std::optional<completed_checkpoint>();
                return std::optional<completed_checkpoint>(std::move(all.back()));
            }
        );
    }

    std::size_t max_retained() const noexcept { return max_retained_; }
    const job_id& job() const noexcept { return job_; }
    /// True after a successful async_shutdown: this instance (all its copies) is finished; a new
    /// store for the job must be created to use its checkpoints again.
    bool is_shut_down() const noexcept { return *shut_down_; }
    const detail::in_memory_store_context& context() const noexcept { return ctx_; }

    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [self = *this, status](detail::in_memory_store_data& d) -> result<void> {
                if (*self.shut_down_)
                    return errc::closed;
                d.shutdown_checkpoints(self.ctx_.owner, self.job_, is_globally_terminal(status));
                *self.shut_down_ = true;
                return success();
            }
        );
    }

private:
    detail::in_memory_store_context ctx_;
    job_id job_;
    std::size_t max_retained_;
    /// Shared by copies: they are one store instance.
    std::shared_ptr<bool> shut_down_;
};

/// The in-memory checkpoint-id counter of one job (semantics: hakit::checkpoint_id_counter). All
/// members see the same counter, so ids stay unique across a failover.
class in_memory_checkpoint_id_counter
{
public:
    in_memory_checkpoint_id_counter(detail::in_memory_store_context ctx, job_id job)
        : ctx_(std::move(ctx))
        , job_(job)
        , shut_down_(std::make_shared<bool>(false))
    {}

    boost::asio::awaitable<result<std::int64_t>> async_get_and_increment() const
    {
        return detail::run_in_memory_operation<std::int64_t>(
            ctx_,
            [job = job_, shut_down = shut_down_](detail::in_memory_store_data& d) -> result<std::int64_t> {
                if (*shut_down)
                    return errc::closed;
                return d.get_and_increment_checkpoint_id(job);
            }
        );
    }

    boost::asio::awaitable<result<std::int64_t>> async_get() const
    {
        return detail::run_in_memory_operation<std::int64_t>(
            ctx_,
            [job = job_, shut_down = shut_down_](detail::in_memory_store_data& d) -> result<std::int64_t> {
                if (*shut_down)
                    return errc::closed;
                return d.checkpoint_id_count(job);
            }
        );
    }

    boost::asio::awaitable<result<void>> async_set_count(std::int64_t count) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [job = job_, shut_down = shut_down_, count](detail::in_memory_store_data& d) -> result<void> {
                if (*shut_down)
                    return errc::closed;
                return d.set_checkpoint_id_count(job, count);
            }
        );
    }

    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [job = job_, shut_down = shut_down_, status](detail::in_memory_store_data& d) -> result<void> {
                if (*shut_down)
                    return errc::closed;
                if (is_globally_terminal(status))
                    d.remove_checkpoint_id_counter(job);
                *shut_down = true;
                return success();
            }
        );
    }

    const job_id& job() const noexcept { return job_; }
    /// True after a successful async_shutdown: this instance (all its copies) is finished.
    bool is_shut_down() const noexcept { return *shut_down_; }
    const detail::in_memory_store_context& context() const noexcept { return ctx_; }

private:
    detail::in_memory_store_context ctx_;
    job_id job_;
    /// Shared by copies: they are one counter instance.
    std::shared_ptr<bool> shut_down_;
};

/// The in-memory job result store (semantics: hakit::job_result_store), shared by all members of
/// the cluster like Flink's file-system store. Flink's EmbeddedJobResultStore is the same with
/// private data (see standalone_job_result_store).
class in_memory_job_result_store
{
public:
    explicit in_memory_job_result_store(detail::in_memory_store_context ctx) : ctx_(std::move(ctx)) {}

    boost::asio::awaitable<result<void>> async_create_dirty(job_result r) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [r = std::move(r)](detail::in_memory_store_data& d) mutable {
                return d.create_dirty_job_result(std::move(r));
            }
        );
    }

    boost::asio::awaitable<result<void>> async_mark_clean(job_id id) const
    {
        return detail::run_in_memory_operation<void>(ctx_, [id](detail::in_memory_store_data& d) {
            return d.mark_job_result_clean(id);
        });
    }

    boost::asio::awaitable<result<bool>> async_has_entry(job_id id) const
    {
        return detail::run_in_memory_operation<bool>(ctx_, [id](detail::in_memory_store_data& d) {
            return result<bool>(d.has_dirty_job_result(id) || d.has_clean_job_result(id));
        });
    }

    boost::asio::awaitable<result<bool>> async_has_dirty_entry(job_id id) const
    {
        return detail::run_in_memory_operation<bool>(ctx_, [id](detail::in_memory_store_data& d) {
            return result<bool>(d.has_dirty_job_result(id));
        });
    }

    boost::asio::awaitable<result<bool>> async_has_clean_entry(job_id id) const
    {
        return detail::run_in_memory_operation<bool>(ctx_, [id](detail::in_memory_store_data& d) {
            return result<bool>(d.has_clean_job_result(id));
        });
    }

    boost::asio::awaitable<result<std::vector<job_result>>> async_dirty_results() const
    {
        return detail::run_in_memory_operation<std::vector<job_result>>(
            ctx_,
            [](detail::in_memory_store_data& d) {
                return result<std::vector<job_result>>(d.dirty_job_results());
            }
        );
    }

    const detail::in_memory_store_context& context() const noexcept { return ctx_; }

private:
    detail::in_memory_store_context ctx_;
};

/// The in-memory blob store (semantics: hakit::blob_store), shared by all members of the cluster
/// like Flink's file-system blob store. Local files are read and written synchronously.
class in_memory_blob_store
{
public:
    explicit in_memory_blob_store(detail::in_memory_store_context ctx) : ctx_(std::move(ctx)) {}

    boost::asio::awaitable<result<void>> async_put(
        std::filesystem::path local_file, std::optional<job_id> job, blob_key key
    ) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [local_file = std::move(local_file), job, key](detail::in_memory_store_data& d) -> result<void> {
                BOOST_OUTCOME_TRY(auto bytes, detail::read_local_file(local_file));
                d.put_blob(job, key, std::move(bytes));
                return success();
            }
        );
    }

    boost::asio::awaitable<result<void>> async_get(
        std::optional<job_id> job, blob_key key, std::filesystem::path local_file
    ) const
    {
        return detail::run_in_memory_operation<void>(
            ctx_,
            [local_file = std::move(local_file), job, key](detail::in_memory_store_data& d) -> result<void> {
                const std::string* bytes = d.find_blob(job, key);
                if (bytes == nullptr)
                    return errc::not_found;
                BOOST_OUTCOME_TRY(detail::write_local_file(local_file, *bytes));
                if (!key.matches(*bytes))
                {
                    detail::remove_local_file(local_file);
                    return errc::corrupted_data;
                }
                return success();
            }
        );
    }

    boost::asio::awaitable<result<void>> async_delete(std::optional<job_id> job, blob_key key) const
    {
        return detail::run_in_memory_operation<void>(ctx_, [job, key](detail::in_memory_store_data& d) {
            d.delete_blob(job, key);
            return result<void>(success());
        });
    }

    boost::asio::awaitable<result<void>> async_delete_all(job_id job) const
    {
        return detail::run_in_memory_operation<void>(ctx_, [job](detail::in_memory_store_data& d) {
            d.delete_blobs_of(job);
            return result<void>(success());
        });
    }

    boost::asio::awaitable<result<void>> async_cleanup_all() const
    {
        return detail::run_in_memory_operation<void>(ctx_, [](detail::in_memory_store_data& d) {
            d.delete_all_blobs();
            return result<void>(success());
        });
    }

    const detail::in_memory_store_context& context() const noexcept { return ctx_; }

private:
    detail::in_memory_store_context ctx_;
};

static_assert(job_graph_store<in_memory_job_graph_store>);
static_assert(completed_checkpoint_store<in_memory_completed_checkpoint_store>);
static_assert(checkpoint_id_counter<in_memory_checkpoint_id_counter>);
static_assert(job_result_store<in_memory_job_result_store>);
static_assert(blob_store<in_memory_blob_store>);

HAKIT_NAMESPACE_END

#endif
