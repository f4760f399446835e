// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_CONCEPTS_HPP
#define HAKIT_STORES_CONCEPTS_HPP

#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/stores/job_status.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <vector>

// The HA metadata stores every backend provides (flink-ha.md §4). Each is a cheap copyable
// handle: copies refer to the same store instance. Operations run on the caller's executor, are
// not thread-safe, and report failures as values: besides the errors named below, any operation
// may fail with errc::closed (the owning ha_services was closed), errc::session_expired,
// errc::connection_lost / connection_suspended (retryable; a write may not have happened) or
// errc::possibly_inconsistent (a write may have happened; data was kept).

HAKIT_NAMESPACE_BEGIN

/// Submitted jobs, so that the next leader can recover them (Flink's JobGraphStore /
/// ExecutionPlanStore). A store instance holds a lock on every graph it added or recovered; the
/// lock marks "this instance uses it" and keeps other instances from deleting it.
///
/// - `async_put(g)`: adds `g` and locks it; replaces it if this instance added or recovered it
///   (holds its lock); a graph under that id that this instance does not hold →
///   errc::already_exists, nothing changed.
/// - `async_recover(id)`: reads the graph and locks it for this instance; missing → nullopt;
///   undecodable → errc::corrupted_data (no lock kept).
/// - `async_job_ids()`: the ids of all stored graphs, locked or not.
/// - `async_global_cleanup(id)`: the job is globally terminal: releases this instance's lock and
///   removes the graph if no other instance holds a lock, else errc::locked (own lock released;
///   repeat once the others released theirs). Missing → success.
/// - `async_local_cleanup(id)`: releases this instance's lock only (leadership lost, or shutting
///   down without a terminal state); the graph stays for the next leader.
/// - `async_release_all()`: releases every lock of this instance (Flink's stop()).
template <class S>
concept job_graph_store = std::copyable<S> && requires(S& s, job_graph g, job_id id)
{
    {
        s.async_put(g)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_recover(id)
        } -> std::same_as<boost::asio::awaitable<result<std::optional<job_graph>>>>;
    {
        s.async_job_ids()
        } -> std::same_as<boost::asio::awaitable<result<std::vector<job_id>>>>;
    {
        s.async_global_cleanup(id)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_local_cleanup(id)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_release_all()
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
};

/// The completed checkpoints of one job, at most max_retained() of them (Flink's
/// CompletedCheckpointStore). Created "recovered": a new store instance locks and sees every
/// checkpoint the job already has.
///
/// - `async_add(c)`: stores and locks `c`, then drops the oldest checkpoints while more than
///   max_retained() remain and returns the dropped ("subsumed") ones, oldest first. A dropped
///   checkpoint is deleted unless another instance still holds a lock on it. `c.job` must be the
///   store's job and `c.id` >= 0 (errc::invalid_argument); an existing id → errc::already_exists.
/// - `async_all()`: the retained checkpoints, sorted by id ascending.
/// - `async_latest()`: the one with the highest id; nullopt if none.
/// - `max_retained()`: the retention bound (>= 1).
/// - `async_shutdown(status)`: globally terminal status → deletes the job's checkpoints (those
///   another instance still locks only lose this instance's lock); otherwise keeps them and
///   releases this instance's locks for the next leader. Afterwards every operation →
///   errc::closed.
template <class S>
concept completed_checkpoint_store = std::copyable<S> &&
    requires(S& s, const S& cs, completed_checkpoint c, job_status status)
{
    {
        s.async_add(c)
        } -> std::same_as<boost::asio::awaitable<result<std::vector<completed_checkpoint>>>>;
    {
        s.async_all()
        } -> std::same_as<boost::asio::awaitable<result<std::vector<completed_checkpoint>>>>;
    {
        s.async_latest()
        } -> std::same_as<boost::asio::awaitable<result<std::optional<completed_checkpoint>>>>;
    {
        cs.max_retained()
        } -> std::same_as<std::size_t>;
    {
        s.async_shutdown(status)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
};

/// The source of one job's checkpoint ids (Flink's CheckpointIDCounter). Starts at 1. Stored as a
/// 4-byte signed int like Flink's, so the stored value never exceeds INT32_MAX.
///
/// - `async_get_and_increment()`: returns the current value and stores value + 1, atomically
///   across all instances; when value + 1 would exceed INT32_MAX → errc::counter_overflow.
/// - `async_get()`: the current value (the next id to hand out).
/// - `async_set_count(n)`: sets the value; n < 0 or n > INT32_MAX → errc::invalid_argument.
/// - `async_shutdown(status)`: globally terminal status → removes the counter (a new counter for
///   the job starts at 1 again); otherwise keeps it. Afterwards every operation → errc::closed.
template <class S>
concept checkpoint_id_counter = std::copyable<S> && requires(S& s, std::int64_t n, job_status status)
{
    {
        s.async_get_and_increment()
        } -> std::same_as<boost::asio::awaitable<result<std::int64_t>>>;
    {
        s.async_get()
        } -> std::same_as<boost::asio::awaitable<result<std::int64_t>>>;
    {
        s.async_set_count(n)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_shutdown(status)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
};

/// Results of globally terminated jobs (Flink's JobResultStore). An entry is "dirty" while the
/// job's cleanup is pending and "clean" after it; its existence is what stops a new leader from
/// running a finished job again.
///
/// - `async_create_dirty(r)`: adds a dirty entry; any entry for `r.id`, dirty or clean →
///   errc::already_exists.
/// - `async_mark_clean(id)`: dirty → clean; already clean → success; no entry → errc::not_found.
/// - `async_has_entry` / `async_has_dirty_entry` / `async_has_clean_entry(id)`: whether an entry
///   (of that kind) exists.
/// - `async_dirty_results()`: every dirty entry (cleanup to resume after a failover).
template <class S>
concept job_result_store = std::copyable<S> && requires(S& s, job_result r, job_id id)
{
    {
        s.async_create_dirty(r)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_mark_clean(id)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_has_entry(id)
        } -> std::same_as<boost::asio::awaitable<result<bool>>>;
    {
        s.async_has_dirty_entry(id)
        } -> std::same_as<boost::asio::awaitable<result<bool>>>;
    {
        s.async_has_clean_entry(id)
        } -> std::same_as<boost::asio::awaitable<result<bool>>>;
    {
        s.async_dirty_results()
        } -> std::same_as<boost::asio::awaitable<result<std::vector<job_result>>>>;
};

/// Blobs (job jars, artifacts) that must survive a JobManager failover (Flink's BlobStore).
/// Blobs belong to a job (`job` set) or to none (`job` empty, Flink's "no_job").
///
/// - `async_put(local_file, job, key)`: stores a copy of the file's content under (job, key),
///   replacing an existing one. An unreadable local file → its error (errc::not_found if missing).
/// - `async_get(job, key, local_file)`: writes the blob to `local_file` and checks that its SHA-1
///   equals `key.hash()`; mismatch → errc::corrupted_data and `local_file` is deleted; no such
///   blob → errc::not_found.
/// - `async_delete(job, key)`: deletes one blob; missing → success.
/// - `async_delete_all(job)`: deletes every blob of `job`.
/// - `async_cleanup_all()`: deletes every blob of the cluster.
template <class S>
concept blob_store = std::copyable<S> &&
    requires(S& s, std::filesystem::path file, std::optional<job_id> job, job_id id, blob_key key)
{
    {
        s.async_put(file, job, key)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_get(job, key, file)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_delete(job, key)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_delete_all(id)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        s.async_cleanup_all()
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
};

HAKIT_NAMESPACE_END

#endif
