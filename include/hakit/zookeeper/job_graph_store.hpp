// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_JOB_GRAPH_STORE_HPP
#define HAKIT_ZOOKEEPER_JOB_GRAPH_STORE_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The ZooKeeper job graph store (Flink's DefaultJobGraphStore over ZooKeeperStateHandleStore,
// flink-ha.md §2.7, §4.3).

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// `<root>/jobgraphs`: where the job graphs of a cluster live by default (root e.g.
/// "/flink/default"; Flink's `high-availability.zookeeper.path.jobgraphs` moves them, see
/// zookeeper::layout::job_graphs_path).
inline std::string job_graphs_path(std::string_view root)
{
    return ::hakit::detail::zk_stores::join_path(root, "jobgraphs");
}

/// The bytes a job graph is stored as (the content of its state file). hakit's own format:
///
///     offset  size  field
///          0     4  magic "hkJG"
///          4     1  format version, 1
///          5    16  job id (job_id::bytes())
///         21     4  n = length of the name, unsigned big-endian
///         25     n  name
///       25+n  rest  payload
inline std::string encode_job_graph(const job_graph& graph)
{
    std::string out = "hkJG";
    out.push_back('\x01');
    for (const auto b : graph.id.bytes())
        out.push_back(static_cast<char>(b));
    const auto n = static_cast<std::uint32_t>(graph.name.size());
    for (int shift = 24; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((n >> shift) & 0xff));
    out += graph.name;
    out += graph.payload;
    return out;
}

/// Decodes what encode_job_graph wrote; anything else is errc::corrupted_data.
inline result<job_graph> decode_job_graph(std::string_view bytes)
{
    constexpr std::size_t header = 25;
    if (bytes.size() < header || bytes.substr(0, 4) != "hkJG" || bytes[4] != '\x01')
        return errc::corrupted_data;
    std::array<std::uint8_t, 16> id_bytes{};
    for (std::size_t i = 0; i < id_bytes.size(); ++i)
        id_bytes[i] = static_cast<std::uint8_t>(bytes[5 + i]);
    std::uint64_t lower = 0;
    std::uint64_t upper = 0;
    for (std::size_t i = 0; i < 8; ++i)
    {
        lower = (lower << 8) | id_bytes[i];
        upper = (upper << 8) | id_bytes[8 + i];
    }
    std::uint32_t n = 0;
    for (std::size_t i = 21; i < header; ++i)
        n = (n << 8) | static_cast<std::uint8_t>(bytes[i]);
    if (n > bytes.size() - header)
        return errc::corrupted_data;
    job_graph graph;
    graph.id = job_id::from_parts(lower, upper);
    graph.name = std::string(bytes.substr(header, n));
    graph.payload = std::string(bytes.substr(header + n));
    return graph;
}

}  // namespace zookeeper

/// The ZooKeeper job graph store (semantics: hakit::job_graph_store). Each graph is an entry
/// `<root>/jobgraphs/<job id>` of a zookeeper_state_handle_store whose state files are
/// `<storage dir>/submittedJobGraph<random>` (zookeeper::encode_job_graph); the instance's lock
/// nodes are named by its lock id.
///
/// - async_put: not stored → add and lock; stored and locked by this instance → replace (at the
///   version just read); stored but not locked by this instance → errc::already_exists. Races
///   with other instances (the entry appearing, vanishing or changing between the read and the
///   write) are retried a few times, like Flink's put loop.
/// - async_recover: locks and reads; missing or marked for deletion → nullopt; an undecodable
///   handle or graph, a missing or damaged file → errc::corrupted_data without keeping the lock.
/// - async_job_ids: the ids of all entries (malformed names are skipped), sorted.
/// - async_global_cleanup: release and try to remove; still locked by another instance →
///   errc::locked (own lock released); repeatable.
/// - async_local_cleanup / async_release_all: release this instance's lock(s) only.
///
/// Constructed from the shared client, the cluster's root path (e.g. "/flink/default"), the
/// storage directory (`<storageDir>/<cluster-id>`) and the instance's lock id (see
/// zookeeper_state_handle_store for lifetimes, threading and the error rule). Copies are the same
/// instance. Flink's job graph watcher (onAdded/onRemoved) is not part of hakit's concept.
class zookeeper_job_graph_store
{
public:
    /// Prefix of the state files (Flink's "submittedJobGraph").
    static constexpr std::string_view file_prefix = "submittedJobGraph";
    /// How often async_put retries when another instance changed the entry meanwhile.
    static constexpr int max_put_attempts = 10;

    /// Entries at `<root>/jobgraphs/<job id>`.
    zookeeper_job_graph_store(
        std::shared_ptr<zk::client> client,
        std::string_view root,
        std::filesystem::path storage_dir,
        std::string lock_id
    )
        : zookeeper_job_graph_store(
              std::move(client),
              zookeeper::job_graphs_path(root),
              std::move(storage_dir),
              std::move(lock_id),
              zk::open_acl_unsafe()
          )
    {}

    /// A store with entries at `<job_graphs_path>/<job id>` (Flink's `path.jobgraphs` below the
    /// namespace, zookeeper::layout::job_graphs_path), whose nodes are created with `acl`.
    static zookeeper_job_graph_store at_path(
        std::shared_ptr<zk::client> client,
        std::string job_graphs_path,
        std::filesystem::path storage_dir,
        std::string lock_id,
        std::vector<zk::acl> acl
    )
    {
        return zookeeper_job_graph_store(
            std::move(client),
            std::move(job_graphs_path),
            std::move(storage_dir),
            std::move(lock_id),
            std::move(acl)
        );
    }

    boost::asio::awaitable<result<void>> async_put(job_graph graph) const
    {
        return detail::zk_stores::with_cancellation_as_error(put(store_, std::move(graph)));
    }

    boost::asio::awaitable<result<std::optional<job_graph>>> async_recover(job_id id) const
    {
        return detail::zk_stores::with_cancellation_as_error(recover(store_, id));
    }

    boost::asio::awaitable<result<std::vector<job_id>>> async_job_ids() const
    {
        return detail::zk_stores::with_cancellation_as_error(job_ids(store_));
    }

    boost::asio::awaitable<result<void>> async_global_cleanup(job_id id) const
    {
        return detail::zk_stores::with_cancellation_as_error(global_cleanup(store_, id));
    }

    boost::asio::awaitable<result<void>> async_local_cleanup(job_id id) const
    {
        return store_.async_release(id.to_string());
    }

    boost::asio::awaitable<result<void>> async_release_all() const { return store_.async_release_all(); }

    /// The state-handle store underneath (root `<root>/jobgraphs`).
    const zookeeper_state_handle_store& state_handles() const noexcept { return store_; }

private:
    zookeeper_job_graph_store(
        std::shared_ptr<zk::client> client,
        std::string job_graphs_path,
        std::filesystem::path storage_dir,
        std::string lock_id,
        std::vector<zk::acl> acl
    )
        : store_(
              std::move(client),
              std::move(job_graphs_path),
              zookeeper::state_storage(std::move(storage_dir), std::string(file_prefix)),
              std::move(lock_id),
              std::move(acl)
          )
    {}

    static boost::asio::awaitable<result<void>> put(zookeeper_state_handle_store store, job_graph graph)
    {
        const std::string name = graph.id.to_string();
        const std::string bytes = zookeeper::encode_job_graph(graph);
        error_code failure = errc::possibly_inconsistent;
        bool done = false;
        for (int attempt = 0; attempt < max_put_attempts && !done; ++attempt)  // no co_return inside (GCC 12)
        {
            auto version = co_await store.async_exists(name);
            if (!version)
            {
                failure = version.error();
                done = true;
            }
            else if (!version.value())
            {
                auto added = co_await store.async_add_and_lock(name, bytes);
                failure = added ? error_code() : added.error();
                done = added || added.error() != errc::already_exists;  // appeared meanwhile: retry
            }
            else
            {
                auto replaced = co_await store.async_replace(name, *version.value(), bytes);
                failure = replaced ? error_code() : replaced.error();
                // Vanished or changed meanwhile: retry. Not ours: already_exists, final.
                done = replaced ||
                       (replaced.error() != errc::not_found && replaced.error() != zk::error::bad_version);
            }
        }
        if (failure)
            co_return failure;
        co_return success();
    }

    static boost::asio::awaitable<result<std::optional<job_graph>>> recover(
        zookeeper_state_handle_store store, job_id id
    )
    {
        const std::string name = id.to_string();
        auto entry = co_await store.async_get_and_lock(name);
        if (!entry)
        {
            if (entry.error() == errc::not_found)
                co_return std::optional<job_graph>();
            co_return entry.error();
        }
        auto graph = zookeeper::decode_job_graph(entry.value().state);
        if (!graph || graph.value().id != id)
        {
            (void)co_await store.async_release(name);
            co_return errc::corrupted_data;
        }
        co_return std::optional<job_graph>(std::move(graph.value()));
    }

    static boost::asio::awaitable<result<std::vector<job_id>>> job_ids(zookeeper_state_handle_store store)
    {
        auto names = co_await store.async_names();
        if (!names)
            co_return names.error();
        std::vector<job_id> ids;
        for (const auto& name : names.value())
            if (auto id = job_id::parse(name); id && id.value().to_string() == name)
                ids.push_back(id.value());
        std::sort(ids.begin(), ids.end());
        co_return ids;
    }

    static boost::asio::awaitable<result<void>> global_cleanup(zookeeper_state_handle_store store, job_id id)
    {
        auto removed = co_await store.async_release_and_try_remove(id.to_string());
        if (!removed)
            co_return removed.error();
        if (!removed.value())
            co_return errc::locked;
        co_return success();
    }

    zookeeper_state_handle_store store_;
};

static_assert(job_graph_store<zookeeper_job_graph_store>);

HAKIT_NAMESPACE_END

#endif
