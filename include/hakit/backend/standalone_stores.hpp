// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_STANDALONE_STORES_HPP
#define HAKIT_BACKEND_STANDALONE_STORES_HPP

#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <filesystem>
#include <memory>
#include <optional>
#include <utility>
#include <vector>

// The standalone backend's stores: Flink's non-HA stores (flink-ha.md §1.4). Nothing survives
// the process, so there is nothing for another process to recover. Every store takes the
// owning ha_services' "closed" flag (may be null) and then fails with errc::closed.

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// The gate of the standalone stores that keep nothing: errc::closed once closed.
inline boost::asio::awaitable<result<void>> standalone_gate(std::shared_ptr<const bool> closed)
{
    if (closed && *closed)
        co_return errc::closed;
    co_return success();
}

}  // namespace detail

/// Flink's StandaloneJobGraphStore (semantics: hakit::job_graph_store, degenerate): put does
/// nothing, recover finds nothing, job_ids is empty, cleanups succeed.
class standalone_job_graph_store
{
public:
    explicit standalone_job_graph_store(std::shared_ptr<const bool> closed = {}) : closed_(std::move(closed))
    {}

    boost::asio::awaitable<result<void>> async_put(job_graph) const
    {
        return detail::standalone_gate(closed_);
    }

    boost::asio::awaitable<result<std::optional<job_graph>>> async_recover(job_id) const
    {
        return nothing<std::optional<job_graph>>(closed_);
    }

    boost::asio::awaitable<result<std::vector<job_id>>> async_job_ids() const
    {
        return nothing<std::vector<job_id>>(closed_);
    }

    boost::asio::awaitable<result<void>> async_global_cleanup(job_id) const
    {
        return detail::standalone_gate(closed_);
    }
    boost::asio::awaitable<result<void>> async_local_cleanup(job_id) const
    {
        return detail::standalone_gate(closed_);
    }
    boost::asio::awaitable<result<void>> async_release_all() const
    {
        return detail::standalone_gate(closed_);
    }

private:
    /// A value-initialized T (nullopt, empty vector) unless closed.
    template <class T>
    static boost::asio::awaitable<result<T>> nothing(std::shared_ptr<const bool> closed)
    {
        if (closed && *closed)
            co_return errc::closed;
        co_return T();
    }

    std::shared_ptr<const bool> closed_;
};

/// Flink's StandaloneCompletedCheckpointStore: the in-memory store over data private to this
/// instance (copies share it), so the checkpoints live as long as the store.
class standalone_completed_checkpoint_store : public in_memory_completed_checkpoint_store
{
public:
    standalone_completed_checkpoint_store(
        job_id job, std::size_t max_retained, std::shared_ptr<const bool> closed = {}
    )
        : in_memory_completed_checkpoint_store(
              detail::make_private_store_context(std::move(closed)), job, max_retained
          )
    {}
};

/// Flink's StandaloneCheckpointIDCounter: the in-memory counter over private data; each new
/// instance starts at 1.
class standalone_checkpoint_id_counter : public in_memory_checkpoint_id_counter
{
public:
    explicit standalone_checkpoint_id_counter(job_id job, std::shared_ptr<const bool> closed = {})
        : in_memory_checkpoint_id_counter(detail::make_private_store_context(std::move(closed)), job)
    {}
};

/// Flink's EmbeddedJobResultStore: the in-memory job result store over data private to this
/// instance (copies share it); same contract as every job result store.
class standalone_job_result_store : public in_memory_job_result_store
{
public:
    explicit standalone_job_result_store(std::shared_ptr<const bool> closed = {})
        : in_memory_job_result_store(detail::make_private_store_context(std::move(closed)))
    {}
};

/// Flink's VoidBlobStore: stores nothing. put, delete, delete_all and cleanup_all succeed
/// without doing anything (put does not even read the file); get → errc::not_found, because
/// nothing was stored (Flink's get returns false for the same reason).
class void_blob_store
{
public:
    explicit void_blob_store(std::shared_ptr<const bool> closed = {}) : closed_(std::move(closed)) {}

    boost::asio::awaitable<result<void>> async_put(std::filesystem::path, std::optional<job_id>, blob_key)
        const
    {
        return detail::standalone_gate(closed_);
    }

    boost::asio::awaitable<result<void>> async_get(std::optional<job_id>, blob_key, std::filesystem::path)
        const
    {
        return not_found(closed_);
    }

    boost::asio::awaitable<result<void>> async_delete(std::optional<job_id>, blob_key) const
    {
        return detail::standalone_gate(closed_);
    }

    boost::asio::awaitable<result<void>> async_delete_all(job_id) const
    {
        return detail::standalone_gate(closed_);
    }
    boost::asio::awaitable<result<void>> async_cleanup_all() const
    {
        return detail::standalone_gate(closed_);
    }

private:
    static boost::asio::awaitable<result<void>> not_found(std::shared_ptr<const bool> closed)
    {
        if (closed && *closed)
            co_return errc::closed;
        co_return errc::not_found;
    }

    std::shared_ptr<const bool> closed_;
};

static_assert(job_graph_store<standalone_job_graph_store>);
static_assert(completed_checkpoint_store<standalone_completed_checkpoint_store>);
static_assert(checkpoint_id_counter<standalone_checkpoint_id_counter>);
static_assert(job_result_store<standalone_job_result_store>);
static_assert(blob_store<void_blob_store>);

HAKIT_NAMESPACE_END

#endif
