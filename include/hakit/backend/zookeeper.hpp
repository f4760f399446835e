// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_ZOOKEEPER_HPP
#define HAKIT_BACKEND_ZOOKEEPER_HPP

#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/filesystem/blob_store.hpp>
#include <hakit/filesystem/job_result_store.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/ha_services.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/stores/job_status.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/session_options.hpp>
#include <hakit/zk/state_subscription.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/election_driver.hpp>
#include <hakit/zookeeper/job_graph_store.hpp>
#include <hakit/zookeeper/layout.hpp>
#include <hakit/zookeeper/retrieval_driver.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

/// The ZooKeeper backend: Flink's ZooKeeperLeaderElectionHaServices over hakit's native client.
/// Processes (hakit or Flink JobManagers) that share a quorum and a namespace contend in one
/// leader latch and find each other's leaders in `leader/<component>/connection_info`
/// (zookeeper::layout). Job graphs, completed checkpoints and checkpoint ids live in ZooKeeper
/// (`jobgraphs/`, `jobs/`), their state files, the blobs and the job results in the HA storage
/// directory. `zookeeper_ha_services ha(ex, ha_options);`
struct zookeeper_backend
{
    class connection;
};

namespace detail::zk_backend {

/// A local directory for a configured storage location, or why there is none.
struct local_directory
{
    std::optional<std::filesystem::path> path;
    /// Set when `path` is not: what is missing or wrong, naming the configuration key.
    std::string problem;
};

/// Flink's `<high-availability.storageDir>/<cluster-id>` as a local directory.
inline local_directory cluster_storage_directory(const ha_options& options)
{
    local_directory out;
    if (!options.storage_dir)
    {
        out.problem =
            "high-availability.storageDir: missing; the job graph, checkpoint and blob stores keep their "
            "files in <storageDir>/<cluster-id>";
        return out;
    }
    const auto local = local_storage_path(*options.storage_dir);
    if (!local)
    {
        out.problem = "high-availability.storageDir: '" + *options.storage_dir +
                      "' is not a local file-system path; hakit's stores need a local (or mounted) "
                      "directory, e.g. /mnt/ha or file:///mnt/ha";
        return out;
    }
    out.path = cluster_storage_path(local->string(), options.cluster_id);
    return out;
}

/// The job result store's directory: `job-result-store.storage-path`, else Flink's default
/// `<storageDir>/job-result-store/<cluster-id>`, as a local directory.
inline local_directory job_result_store_directory(const ha_options& options)
{
    local_directory out;
    if (options.job_result_store.storage_path)
    {
        out.path = local_storage_path(*options.job_result_store.storage_path);
        if (!out.path)
            out.problem = "job-result-store.storage-path: '" + *options.job_result_store.storage_path +
                          "' is not a local file-system path; hakit's job result store needs a local (or "
                          "mounted) directory";
        return out;
    }
    const auto storage = cluster_storage_directory(options);
    if (!storage.path)
    {
        out.problem =
            storage.problem + " (so does the job result store unless job-result-store.storage-path is set)";
        return out;
    }
    const auto local = local_storage_path(*options.storage_dir);
    out.path = std::filesystem::path(
        ::hakit::detail::join_storage_path(local->string(), {"job-result-store", options.cluster_id})
    );
    return out;
}

/// What the stores of one connection share with it.
struct store_state
{
    /// Set when the connection closes: every operation of its stores then fails with errc::closed.
    bool closed = false;
    /// The connection's errc::invalid_config (invalid settings), also refused by every store.
    error_code config_error;
};

/// What a store checks before each operation.
struct store_gate
{
    std::shared_ptr<const store_state> state;
    /// The ZooKeeper client of stores that use it (null for the file-system stores): an operation
    /// issued before the connection's first session waits for it.
    std::shared_ptr<zk::client> client;
    /// errc::invalid_config if the store has no directory to work in, else success.
    error_code unusable;
};

/// Waits for the client's first session if it has none yet (idle or connecting); success once
/// there is one (connected or reconnecting), else the store error of the failed connect.
inline boost::asio::awaitable<error_code> await_first_session(std::shared_ptr<zk::client> client)
{
    const auto state = client->state();
    error_code failure;
    if (state == zk::connection_state::idle || state == zk::connection_state::connecting)
    {
        auto connected = co_await client->async_connect();
        if (!connected)
            failure = zk_stores::to_store_error(connected.error());
    }
    co_return failure;
}

template <class T>
boost::asio::awaitable<result<T>> run_gated(store_gate gate, boost::asio::awaitable<result<T>> op)
{
    if (gate.state->closed)
        co_return errc::closed;
    if (gate.state->config_error)
        co_return gate.state->config_error;
    if (gate.unusable)
        co_return gate.unusable;
    if (gate.client)
    {
        const error_code no_session = co_await await_first_session(gate.client);
        if (no_session)
            co_return no_session;
        if (gate.state->closed)
            co_return errc::closed;
    }
    co_return co_await std::move(op);
}

/// `op`, unless the gate refuses it. Cancellation is reported as a value (as by the ZooKeeper
/// stores themselves).
template <class T>
boost::asio::awaitable<result<T>> gated(store_gate gate, boost::asio::awaitable<result<T>> op)
{
    return zk_stores::with_cancellation_as_error(run_gated(std::move(gate), std::move(op)));
}

}  // namespace detail::zk_backend

/// What a zookeeper_backend::connection needs: the client's session options, the namespace, the
/// connection policy, the ACL of every node it creates, and where the stores keep their files.
struct zookeeper_settings
{
    zk::session_options session;
    zookeeper::layout layout;
    zookeeper::connection_policy policy;
    std::vector<zk::acl> acl = zk::open_acl_unsafe();
    /// The cluster's HA storage directory, Flink's `<high-availability.storageDir>/<cluster-id>`,
    /// as a local path: the state files of job graphs and completed checkpoints
    /// (`submittedJobGraph<random>`, `completedCheckpoint<random>`) and the blobs
    /// (`blob/job_<job id>/blob_<key>`, `blob/no_job/blob_<key>`). Unset: the job graph,
    /// checkpoint and blob stores and the cleanups fail with errc::invalid_config (elections,
    /// retrievers and the checkpoint-id counter do not need it).
    std::optional<std::filesystem::path> storage_path;
    /// The job result store's directory (Flink's `job-result-store.storage-path`, by default
    /// `<storageDir>/job-result-store/<cluster-id>`). Unset: the job result store fails with
    /// errc::invalid_config.
    std::optional<std::filesystem::path> job_result_store_path;
    /// `job-result-store.delete-on-commit`: marking a result clean deletes it.
    bool job_result_store_delete_on_commit = true;

    /// The settings Flink's keys ask for (parse_ha_options): quorum → connect string, session and
    /// connection timeouts, max-close-wait → close timeout, `authorization` → auth packets sent on
    /// every connection, `acl: creator` → CREATOR_ALL_ACL (which needs an authorization; hakit
    /// has no SASL), tolerate-suspended-connections → the policy, path.root + cluster-id → the
    /// namespace, storageDir + cluster-id → storage_path, the job result store's path and
    /// delete-on-commit. Curator's retry-wait, max-retry-attempts and ensemble-tracker have no
    /// counterpart (requests wait for the reconnection instead of being retried; the server list
    /// is the quorum string); simulated-session-expiration-percent neither (the client expires
    /// the session locally T after it last heard from a server, and leaders step down earlier, see
    /// zookeeper::connection_policy). errc::invalid_config with `diag` naming the key otherwise.
    ///
    /// A storage directory that is missing or not local (`hdfs://…`) is no error here: the paths
    /// stay unset, so that processes which only elect or retrieve leaders work without one; the
    /// stores then fail at their first operation (zookeeper_backend::connection::storage_error()).
    static result<zookeeper_settings> from(const ha_options& options, diagnostics& diag)
    {
        diag.clear();
        const auto& zk_options = options.zookeeper;
        if (zk_options.quorum.empty())
        {
            diag.assign("high-availability.zookeeper.quorum: missing; required in ZooKeeper mode");
            return errc::invalid_config;
        }
        zookeeper_settings out;
        out.session.connect_string = zk_options.quorum;
        out.session.session_timeout = zk_options.session_timeout;
        out.session.connection_timeout = zk_options.connection_timeout;
        if (zk_options.max_close_wait)
            out.session.close_timeout = *zk_options.max_close_wait;
        for (const auto& [scheme, auth] : zk_options.authorization)
            out.session.auth.push_back(zk::auth_packet{0, scheme, zk::bytes(auth.begin(), auth.end())});
        if (zk_options.acl == zookeeper_acl::creator)
        {
            if (zk_options.authorization.empty())
            {
                diag.assign(
                    "high-availability.zookeeper.client.acl: 'creator' needs an authenticated connection; "
                    "set "
                    "high-availability.zookeeper.client.authorization (e.g. digest:'user:password')"
                );
                return errc::invalid_config;
            }
            out.acl = zk::creator_all_acl();
        }
        auto where = zookeeper::layout::from(options);
        if (!where)
        {
            diag.assign(
                "high-availability.zookeeper.path.root / high-availability.cluster-id / "
                "high-availability.zookeeper.path.jobgraphs: '" +
                zookeeper_path_join({zookeeper_namespace(options), options.zookeeper.jobgraphs_path}) +
                "' is not a valid ZooKeeper path"
            );
            return where.error();
        }
        out.layout = std::move(where.value());
        out.policy = zookeeper::connection_policy::from(zk_options);
        out.storage_path = detail::zk_backend::cluster_storage_directory(options).path;
        out.job_result_store_path = detail::zk_backend::job_result_store_directory(options).path;
        out.job_result_store_delete_on_commit = options.job_result_store.delete_on_commit;
        return out;
    }

    /// from() without diagnostics.
    static result<zookeeper_settings> from(const ha_options& options)
    {
        diagnostics diag;
        return from(options, diag);
    }
};

// ---- the stores a connection hands out --------------------------------------------------------
//
// Each wraps one of hakit's ZooKeeper or file-system stores and refuses an operation before it
// starts when the connection is closed (errc::closed), its settings are invalid or the store has
// no directory (errc::invalid_config); an operation of a ZooKeeper store issued before the
// connection's first session waits for it. Copies are the same store. underlying() is the
// wrapped store, for inspection (paths, lock id, diagnostics); using it directly bypasses the
// checks.

/// The job graph store of a zookeeper_ha_services (semantics: hakit::job_graph_store): a
/// zookeeper_job_graph_store with entries `<namespace>/<path.jobgraphs>/<job id>` (by default
/// `<namespace>/jobgraphs/<job id>`), state files `<storage path>/submittedJobGraph<random>` and
/// the connection's lock id.
class zookeeper_ha_job_graph_store
{
public:
    zookeeper_ha_job_graph_store(zookeeper_job_graph_store store, detail::zk_backend::store_gate gate)
        : store_(std::move(store))
        , gate_(std::move(gate))
    {}

    boost::asio::awaitable<result<void>> async_put(job_graph graph) const
    {
        return detail::zk_backend::gated(gate_, store_.async_put(std::move(graph)));
    }
    boost::asio::awaitable<result<std::optional<job_graph>>> async_recover(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_recover(id));
    }
    boost::asio::awaitable<result<std::vector<job_id>>> async_job_ids() const
    {
        return detail::zk_backend::gated(gate_, store_.async_job_ids());
    }
    boost::asio::awaitable<result<void>> async_global_cleanup(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_global_cleanup(id));
    }
    boost::asio::awaitable<result<void>> async_local_cleanup(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_local_cleanup(id));
    }
    boost::asio::awaitable<result<void>> async_release_all() const
    {
        return detail::zk_backend::gated(gate_, store_.async_release_all());
    }

    const zookeeper_job_graph_store& underlying() const noexcept { return store_; }

private:
    zookeeper_job_graph_store store_;
    detail::zk_backend::store_gate gate_;
};

/// The completed-checkpoint store of one job of a zookeeper_ha_services (semantics:
/// hakit::completed_checkpoint_store): a zookeeper_completed_checkpoint_store with entries
/// `<namespace>/jobs/<job id>/checkpoints/<%019d id>`, state files
/// `<storage path>/completedCheckpoint<random>` and the connection's lock id.
class zookeeper_ha_completed_checkpoint_store
{
public:
    zookeeper_ha_completed_checkpoint_store(
        zookeeper_completed_checkpoint_store store, detail::zk_backend::store_gate gate
    )
        : store_(std::move(store))
        , gate_(std::move(gate))
    {}

    /// Locks and reads the job's checkpoints now (the first operation does it anyway).
    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_recover() const
    {
        return detail::zk_backend::gated(gate_, store_.async_recover());
    }
    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_add(
        completed_checkpoint checkpoint
    ) const
    {
        return detail::zk_backend::gated(gate_, store_.async_add(std::move(checkpoint)));
    }
    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_all() const
    {
        return detail::zk_backend::gated(gate_, store_.async_all());
    }
    boost::asio::awaitable<result<std::optional<completed_checkpoint>>> async_latest() const
    {
        return detail::zk_backend::gated(gate_, store_.async_latest());
    }
    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::zk_backend::gated(gate_, store_.async_shutdown(status));
    }

    std::size_t max_retained() const noexcept { return store_.max_retained(); }
    const job_id& job() const noexcept { return store_.job(); }
    const zookeeper_completed_checkpoint_store& underlying() const noexcept { return store_; }

private:
    zookeeper_completed_checkpoint_store store_;
    detail::zk_backend::store_gate gate_;
};

/// The checkpoint-id counter of one job of a zookeeper_ha_services (semantics:
/// hakit::checkpoint_id_counter): a zookeeper_checkpoint_id_counter at
/// `<namespace>/jobs/<job id>/checkpoint_id_counter`. Needs no storage directory.
class zookeeper_ha_checkpoint_id_counter
{
public:
    zookeeper_ha_checkpoint_id_counter(
        zookeeper_checkpoint_id_counter counter, detail::zk_backend::store_gate gate
    )
        : counter_(std::move(counter))
        , gate_(std::move(gate))
    {}

    boost::asio::awaitable<result<std::int64_t>> async_get_and_increment() const
    {
        return detail::zk_backend::gated(gate_, counter_.async_get_and_increment());
    }
    boost::asio::awaitable<result<std::int64_t>> async_get() const
    {
        return detail::zk_backend::gated(gate_, counter_.async_get());
    }
    boost::asio::awaitable<result<void>> async_set_count(std::int64_t count) const
    {
        return detail::zk_backend::gated(gate_, counter_.async_set_count(count));
    }
    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::zk_backend::gated(gate_, counter_.async_shutdown(status));
    }

    const job_id& job() const noexcept { return counter_.job(); }
    const zookeeper_checkpoint_id_counter& underlying() const noexcept { return counter_; }

private:
    zookeeper_checkpoint_id_counter counter_;
    detail::zk_backend::store_gate gate_;
};

/// The job result store of a zookeeper_ha_services (semantics: hakit::job_result_store): Flink's
/// file-system job result store in zookeeper_settings::job_result_store_path.
class zookeeper_ha_job_result_store
{
public:
    zookeeper_ha_job_result_store(filesystem_job_result_store store, detail::zk_backend::store_gate gate)
        : store_(std::move(store))
        , gate_(std::move(gate))
    {}

    boost::asio::awaitable<result<void>> async_create_dirty(job_result r) const
    {
        return detail::zk_backend::gated(gate_, store_.async_create_dirty(std::move(r)));
    }
    boost::asio::awaitable<result<void>> async_mark_clean(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_mark_clean(id));
    }
    boost::asio::awaitable<result<bool>> async_has_entry(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_has_entry(id));
    }
    boost::asio::awaitable<result<bool>> async_has_dirty_entry(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_has_dirty_entry(id));
    }
    boost::asio::awaitable<result<bool>> async_has_clean_entry(job_id id) const
    {
        return detail::zk_backend::gated(gate_, store_.async_has_clean_entry(id));
    }
    boost::asio::awaitable<result<std::vector<job_result>>> async_dirty_results() const
    {
        return detail::zk_backend::gated(gate_, store_.async_dirty_results());
    }

    const filesystem_job_result_store& underlying() const noexcept { return store_; }

private:
    filesystem_job_result_store store_;
    detail::zk_backend::store_gate gate_;
};

/// The blob store of a zookeeper_ha_services (semantics: hakit::blob_store): Flink's file-system
/// blob store under zookeeper_settings::storage_path (`blob/job_<job id>/blob_<key>`,
/// `blob/no_job/blob_<key>`).
class zookeeper_ha_blob_store
{
public:
    zookeeper_ha_blob_store(filesystem_blob_store store, detail::zk_backend::store_gate gate)
        : store_(std::move(store))
        , gate_(std::move(gate))
    {}

    boost::asio::awaitable<result<void>> async_put(
        std::filesystem::path local_file, std::optional<job_id> job, blob_key key
    ) const
    {
        return detail::zk_backend::gated(gate_, store_.async_put(std::move(local_file), job, key));
    }
    boost::asio::awaitable<result<void>> async_get(
        std::optional<job_id> job, blob_key key, std::filesystem::path local_file
    ) const
    {
        return detail::zk_backend::gated(gate_, store_.async_get(job, key, std::move(local_file)));
    }
    boost::asio::awaitable<result<void>> async_delete(std::optional<job_id> job, blob_key key) const
    {
        return detail::zk_backend::gated(gate_, store_.async_delete(job, key));
    }
    boost::asio::awaitable<result<void>> async_delete_all(job_id job) const
    {
        return detail::zk_backend::gated(gate_, store_.async_delete_all(job));
    }
    boost::asio::awaitable<result<void>> async_cleanup_all() const
    {
        return detail::zk_backend::gated(gate_, store_.async_cleanup_all());
    }

    const filesystem_blob_store& underlying() const noexcept { return store_; }

private:
    filesystem_blob_store store_;
    detail::zk_backend::store_gate gate_;
};

static_assert(job_graph_store<zookeeper_ha_job_graph_store>);
static_assert(completed_checkpoint_store<zookeeper_ha_completed_checkpoint_store>);
static_assert(checkpoint_id_counter<zookeeper_ha_checkpoint_id_counter>);
static_assert(job_result_store<zookeeper_ha_job_result_store>);
static_assert(blob_store<zookeeper_ha_blob_store>);

/// One process's connection to ZooKeeper: a zk::client (its own, or one shared with the caller),
/// the election driver (one leader latch), the retrieval driver and the HA stores.
///
/// The constructor does not wait: it starts a supervisor that establishes the session (retrying
/// until it succeeds or the connection is closed), forwards every connection event to the
/// drivers, and starts a new session after the server expired the old one (Curator does the
/// same). Elections join the latch once there is a session; retrievers read once there is one;
/// store operations issued before the first session wait for it. Invalid settings are reported
/// by the election (async_campaign fails), the retrievers (an error), every store operation and
/// config_error().
///
/// Stores (one lock id per connection, zookeeper::make_lock_id(), names the lock nodes of every
/// job graph and checkpoint this process holds):
/// - job_graph_store(): `<namespace>/<path.jobgraphs>/<job id>` (`jobgraphs/` by default), files
///   `<storage path>/submittedJobGraph*`; one instance per connection.
/// - completed_checkpoint_store(job, max_retained): `<namespace>/jobs/<job id>/checkpoints/…`,
///   files `<storage path>/completedCheckpoint*`. The connection keeps one instance per job and
///   hands it out again (copies are the same instance) until it is shut down or a different
///   max_retained is asked for; instances of one connection share its lock id, so use one store
///   per job at a time.
/// - checkpoint_id_counter(job): `<namespace>/jobs/<job id>/checkpoint_id_counter`.
/// - job_result_store(): Flink's file-system job result store (one per connection).
/// - blob_store(): Flink's file-system blob store under the storage path (one per connection).
///
/// Missing storage directory: the connection still works for elections and retrievals (and the
/// checkpoint-id counter); the job graph, checkpoint and blob stores, and the job result store
/// when it has no path of its own, fail every operation with errc::invalid_config, at their first
/// use, as do async_cleanup_all_data and async_global_cleanup; storage_diagnostics() /
/// job_result_store_diagnostics() say why. A storage directory that is not a local path
/// (`hdfs://…`) is treated the same way.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Everything runs on the
/// executor given (use a strand with a multi-threaded io_context); a shared client must use it
/// too.
class zookeeper_backend::connection
{
public:
    /// Connects as `options` say (zookeeper_settings::from).
    connection(boost::asio::any_io_executor ex, const ha_options& options)
    {
        diagnostics diag;
        auto settings = zookeeper_settings::from(options, diag);
        if (!settings)
        {
            init(ex, nullptr, zookeeper_settings{});
            set_config_error(*core_, settings.error(), std::move(diag));
            return;
        }
        init(ex, nullptr, std::move(settings.value()));
        // Say precisely what is wrong with the configured directories.
        if (core_->storage_error)
            core_->storage_diagnostics.assign(detail::zk_backend::cluster_storage_directory(options).problem);
        if (core_->job_results_error)
            core_->job_results_diagnostics.assign(
                detail::zk_backend::job_result_store_directory(options).problem
            );
    }

    /// Connects with explicit settings.
    connection(boost::asio::any_io_executor ex, zookeeper_settings settings)
    {
        init(ex, nullptr, std::move(settings));
    }

    /// Uses `client` (connected or not; it is connected if it has no session). settings.session is
    /// not used. The caller keeps the client: close() does not close it, it releases the store
    /// locks this connection holds instead.
    connection(
        boost::asio::any_io_executor ex, std::shared_ptr<zk::client> client, zookeeper_settings settings
    )
    {
        init(ex, std::move(client), std::move(settings));
    }

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close_now(); }

    // ---- election driver --------------------------------------------------------------------

    boost::asio::awaitable<result<void>> async_start_election(hakit::detail::election_event_queue* queue)
    {
        if (auto ec = refusal())
            return fail(ec);
        return core_->election->async_start_election(queue);
    }

    boost::asio::awaitable<result<void>> async_stop_election()
    {
        if (core_->closed || core_->config_error)
            return fail(error_code());
        return core_->election->async_stop_election();
    }

    bool holds_term(session_id term) const noexcept
    {
        return !core_->closed && core_->election && core_->election->holds_term(term);
    }

    boost::asio::awaitable<result<void>> async_publish(std::vector<hakit::detail::publication> batch)
    {
        if (auto ec = refusal())
            return fail(ec);
        return core_->election->async_publish(std::move(batch));
    }

    /// Deletes the batch's connection_info nodes and leaves the latch in one multi (the resign of
    /// the last component, close): the election core's sequencer uses it when a stop follows
    /// publications.
    boost::asio::awaitable<result<void>> async_publish_and_stop(std::vector<hakit::detail::publication> batch)
    {
        if (core_->closed || core_->config_error)
            return fail(error_code());
        return core_->election->async_publish_and_stop(std::move(batch));
    }

    // ---- retrieval driver -------------------------------------------------------------------

    /// `fallback_address` is not used: ZooKeeper always has a real election.
    std::uint64_t start_retrieval(
        const component_id& component, std::optional<std::string>, hakit::detail::retrieval_channel* channel
    )
    {
        if (auto ec = refusal())
        {
            channel->on_error(ec);
            return 0;
        }
        return core_->retrieval->start(component, channel);
    }

    void stop_retrieval(std::uint64_t token)
    {
        if (core_->retrieval && token != 0)
            core_->retrieval->stop(token);
    }

    // ---- stores -------------------------------------------------------------------------------

    zookeeper_ha_job_graph_store job_graph_store() const
    {
        return zookeeper_ha_job_graph_store(*core_->job_graphs, gate(true, core_->storage_error));
    }

    zookeeper_ha_job_result_store job_result_store() const
    {
        return zookeeper_ha_job_result_store(*core_->job_results, gate(false, core_->job_results_error));
    }

    zookeeper_ha_blob_store blob_store() const
    {
        return zookeeper_ha_blob_store(*core_->blobs, gate(false, core_->storage_error));
    }

    /// The job's store, keeping at most `max_retained` (< 1 is taken as 1): the instance handed
    /// out before for the job if it has the same bound and was not shut down, else a new one
    /// (which recovers the job's checkpoints on its first operation).
    zookeeper_ha_completed_checkpoint_store completed_checkpoint_store(job_id job, std::size_t max_retained)
        const
    {
        auto& cache = core_->checkpoint_stores;
        for (auto it = cache.begin(); it != cache.end();)
            it = it->second.is_shut_down() ? cache.erase(it) : std::next(it);
        const std::size_t bound = std::max<std::size_t>(max_retained, 1);
        auto it = cache.find(job);
        if (it == cache.end() || it->second.max_retained() != bound)
        {
            zookeeper_completed_checkpoint_store store(
                core_->client,
                namespace_path(),
                storage_or_empty(),
                core_->lock_id,
                job,
                bound,
                core_->settings.acl
            );
            it = cache.insert_or_assign(job, std::move(store)).first;
        }
        core_->checkpoint_jobs.insert(job);
        return zookeeper_ha_completed_checkpoint_store(it->second, gate(true, core_->storage_error));
    }

    zookeeper_ha_checkpoint_id_counter checkpoint_id_counter(job_id job) const
    {
        return zookeeper_ha_checkpoint_id_counter(
            zookeeper_checkpoint_id_counter(core_->client, namespace_path(), job, core_->settings.acl),
            gate(true, error_code())
        );
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /// Flink's close(): the drivers stop, the stores refuse further operations (errc::closed) and
    /// their locks go: an owned client closes its session (the server deletes its ephemeral
    /// nodes, latch, leader information and store locks, at once); with a shared client, which
    /// stays open, this connection's store locks are deleted one by one (the first error is
    /// returned after trying all). All data is kept: znodes, state files, blobs, job results.
    /// Idempotent.
    boost::asio::awaitable<result<void>> async_close() { return close(core_); }

    /// Flink's cleanupAllData(): deletes every node of the namespace (`<path.root>/<cluster-id>`)
    /// and then its parents up to `/` as far as they are empty (a parent with another child stays),
    /// and only if the namespace went, the blobs (`<storage path>/blob`, and the storage path if it
    /// is empty then). Before the tree goes, every job graph and checkpoint entry is deleted with
    /// its state file (Flink leaves those files behind). Leaves the latch first: this process's
    /// elections end. Job results are kept (they outlive the cluster, as in Flink). Fails with
    /// errc::invalid_config without deleting anything when there is no storage path. Repeatable.
    boost::asio::awaitable<result<void>> async_cleanup_all_data() { return cleanup_all(core_); }

    /// Flink's globalCleanup(job) for a globally terminated job, in this order:
    /// 1. the job graph `jobgraphs/<job id>` with its file, honouring locks: this connection's
    ///    lock is released; if another instance still holds one → errc::locked and nothing else
    ///    of the job is touched (the job is still in use; call again once it was released, e.g.
    ///    after that process closed or its session ended);
    /// 2. `jobs/<job id>`: every checkpoint (with its state file) and the checkpoint-id counter,
    ///    and the job's leader node `leader/job-<job id>`;
    /// 3. only if those znodes went, the job's blobs (`blob/job_<job id>`).
    /// Missing parts are success, so a failed cleanup can be repeated. Fails with
    /// errc::invalid_config without deleting anything when there is no storage path.
    boost::asio::awaitable<result<void>> async_global_cleanup(job_id job)
    {
        return global_cleanup(core_, job);
    }

    /// Stops at once, without waiting: an owned client closes its session in the background; with
    /// a shared client, this connection's store locks are released in the background.
    void close_now() noexcept
    {
        if (!core_ || core_->closed)
            return;
        const bool owns = core_->owns_client;
        const bool valid = !core_->config_error;
        shutdown(*core_);
        try
        {
            if (owns)
                boost::asio::co_spawn(core_->ex, close_client(core_->client), boost::asio::detached);
            else if (valid)
                boost::asio::co_spawn(core_->ex, release_locks_quietly(core_), boost::asio::detached);
        }
        catch (...)
        {
            // Out of memory: the session then expires on the server, or the locks stay until it does.
        }
    }

    // ---- extras -------------------------------------------------------------------------------

    /// The client (shared with the stores).
    zk::client& client() const noexcept { return *core_->client; }
    const std::shared_ptr<zk::client>& shared_client() const noexcept { return core_->client; }
    const zookeeper_settings& settings() const noexcept { return core_->settings; }
    /// errc::invalid_config if the options were invalid (config_diagnostics() says why).
    error_code config_error() const noexcept { return core_->config_error; }
    const diagnostics& config_diagnostics() const noexcept { return core_->config_diagnostics; }
    /// errc::invalid_config if there is no (local) storage directory: the job graph, checkpoint
    /// and blob stores and the cleanups then fail; storage_diagnostics() says why.
    error_code storage_error() const noexcept { return core_->storage_error; }
    const diagnostics& storage_diagnostics() const noexcept { return core_->storage_diagnostics; }
    /// errc::invalid_config if the job result store has no (local) directory.
    error_code job_result_store_error() const noexcept { return core_->job_results_error; }
    const diagnostics& job_result_store_diagnostics() const noexcept
    {
        return core_->job_results_diagnostics;
    }
    /// The lock id of this connection's stores (the name of their lock nodes).
    const std::string& lock_id() const noexcept { return core_->lock_id; }
    /// The election driver (its latch, its current term).
    const zookeeper::election_driver& election() const noexcept { return *core_->election; }

private:
    struct core
    {
        explicit core(boost::asio::any_io_executor e) : ex(std::move(e)), retry_timer(ex) {}

        boost::asio::any_io_executor ex;
        zookeeper_settings settings;
        std::shared_ptr<zk::client> client;
        bool owns_client = false;
        std::optional<zookeeper::election_driver> election;
        std::optional<zookeeper::retrieval_driver> retrieval;
        zk::state_subscription states;
        boost::asio::cancellation_signal supervisor_cancel;
        boost::asio::steady_timer retry_timer;
        error_code config_error;
        diagnostics config_diagnostics;
        bool closed = false;

        // Stores.
        std::shared_ptr<detail::zk_backend::store_state> store_state =
            std::make_shared<detail::zk_backend::store_state>();
        std::string lock_id = zookeeper::make_lock_id();
        error_code storage_error;
        diagnostics storage_diagnostics;
        error_code job_results_error;
        diagnostics job_results_diagnostics;
        std::optional<zookeeper_job_graph_store> job_graphs;
        std::optional<filesystem_job_result_store> job_results;
        std::optional<filesystem_blob_store> blobs;
        /// The checkpoint store handed out per job (until shut down or replaced).
        std::map<job_id, zookeeper_completed_checkpoint_store> checkpoint_stores;
        /// Every job a checkpoint store was handed out for: where this connection may hold locks.
        std::set<job_id> checkpoint_jobs;
    };

    using core_ptr = std::shared_ptr<core>;

    void init(
        boost::asio::any_io_executor ex, std::shared_ptr<zk::client> client, zookeeper_settings settings
    )
    {
        core_ = std::make_shared<core>(ex);
        core_->owns_client = client == nullptr;
        core_->client = client ? std::move(client) : std::make_shared<zk::client>(ex, settings.session);
        core_->settings = std::move(settings);
        init_stores(*core_);
        core_->election.emplace(
            core_->client,
            core_->settings.layout,
            core_->settings.policy,
            core_->settings.acl,
            core_->settings.session.max_frame_size
        );
        core_->retrieval.emplace(core_->client, core_->settings.layout, core_->settings.policy);
        core_->states = core_->client->subscribe_states();
        if (core_->owns_client)
        {
            if (auto ec = core_->client->config_error())
                set_config_error(*core_, ec, core_->client->config_diagnostics());
        }
        boost::asio::co_spawn(
            ex,
            supervise(core_),
            boost::asio::bind_cancellation_slot(core_->supervisor_cancel.slot(), boost::asio::detached)
        );
    }

    static void init_stores(core& c)
    {
        const auto& s = c.settings;
        const std::shared_ptr<const bool> closed(c.store_state, &c.store_state->closed);
        const std::filesystem::path storage = s.storage_path.value_or(std::filesystem::path());
        c.job_graphs.emplace(zookeeper_job_graph_store::at_path(
            c.client, s.layout.job_graphs_path(), storage, c.lock_id, s.acl
        ));
        c.blobs.emplace(storage, closed);
        c.job_results.emplace(
            s.job_result_store_path.value_or(std::filesystem::path()),
            s.job_result_store_delete_on_commit,
            closed
        );
        if (!s.storage_path)
        {
            c.storage_error = errc::invalid_config;
            c.storage_diagnostics.assign(
                "zookeeper_settings::storage_path is not set (Flink: high-availability.storageDir); the job "
                "graph, checkpoint and blob stores need it"
            );
        }
        if (!s.job_result_store_path)
        {
            c.job_results_error = errc::invalid_config;
            c.job_results_diagnostics.assign(
                "zookeeper_settings::job_result_store_path is not set (Flink: job-result-store.storage-path, "
                "by default <high-availability.storageDir>/job-result-store/<cluster-id>)"
            );
        }
    }

    static void set_config_error(core& c, error_code ec, diagnostics diag)
    {
        c.config_error = ec;
        c.config_diagnostics = std::move(diag);
        c.store_state->config_error = ec;
    }

    const std::string& namespace_path() const noexcept { return core_->settings.layout.namespace_path(); }

    std::filesystem::path storage_or_empty() const
    {
        return core_->settings.storage_path.value_or(std::filesystem::path());
    }

    detail::zk_backend::store_gate gate(bool uses_zookeeper, error_code unusable) const
    {
        return detail::zk_backend::store_gate{
            core_->store_state, uses_zookeeper ? core_->client : nullptr, unusable};
    }

    /// The state-handle store of a job's checkpoints, as this connection's stores see it (for
    /// releasing and clearing; the storage directory is not used by those).
    static zookeeper_state_handle_store checkpoint_handles(const core& c, std::string checkpoints_root)
    {
        return zookeeper_state_handle_store(
            c.client,
            std::move(checkpoints_root),
            zookeeper::state_storage(
                c.settings.storage_path.value_or(std::filesystem::path()),
                std::string(zookeeper_completed_checkpoint_store::file_prefix)
            ),
            c.lock_id
        );
    }

    /// Why the connection refuses work now (closed, invalid settings), or success.
    error_code refusal() const noexcept
    {
        if (core_->closed)
            return errc::closed;
        return core_->config_error;
    }

    static boost::asio::awaitable<result<void>> fail(error_code ec)
    {
        if (ec)
            co_return ec;
        co_return success();
    }

    static void dispatch(core& c, zk::connection_event e)
    {
        if (c.closed)
            return;
        c.election->on_connection(e);
        c.retrieval->on_connection(e);
    }

    /// Establishes a session; retries after failures until it succeeds or the connection closes.
    static boost::asio::awaitable<bool> establish(core_ptr c)
    {
        bool connected = false;
        bool giving_up = false;
        while (!connected && !giving_up && !c->closed)
        {
            auto r = co_await c->client->async_connect();
            if (r)
                connected = true;
            else if (r.error() == errc::invalid_config)
            {
                set_config_error(*c, r.error(), c->client->config_diagnostics());
                c->retrieval->report_error(r.error());
                giving_up = true;
            }
            else if (r.error() == errc::closed || r.error() == boost::asio::error::operation_aborted)
                giving_up = true;
            else
            {
                // No server accepted within the connection timeout (or the resumed session is
                // gone): try again after a pause.
                c->retry_timer.expires_after(std::max<std::chrono::milliseconds>(
                    c->settings.session.reconnect_delay, std::chrono::milliseconds(100)
                ));
                auto [ec] =
                    co_await c->retry_timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
                giving_up = ec == boost::asio::error::operation_aborted && c->closed;
            }
        }
        co_return connected;
    }

    /// Establishes the session and forwards connection events to the drivers, in order, until
    /// the client or this connection is closed.
    static boost::asio::awaitable<void> supervise(core_ptr c)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        bool running = !c->closed && !c->config_error;
        const auto initial = c->client->state();
        if (running && (initial == zk::connection_state::idle || initial == zk::connection_state::expired))
            running = co_await establish(c);
        while (running && !c->closed)
        {
            auto e = co_await c->states.async_next();
            if (!e)
                running = false;
            else
            {
                dispatch(*c, e.value());
                if (e.value() == zk::connection_event::closed)
                    running = false;
                else if (e.value() == zk::connection_event::expired)
                    running = co_await establish(c);
            }
        }
    }

    static boost::asio::awaitable<void> close_client(std::shared_ptr<zk::client> client)
    {
        auto closed = co_await client->async_close();
        (void)closed;
    }

    /// Deletes every lock node this connection's stores may hold (job graphs, and the checkpoints
    /// of every job a checkpoint store was handed out for); tries all, returns the first error.
    static boost::asio::awaitable<result<void>> release_locks(core_ptr c)
    {
        error_code failure;
        auto graphs = co_await c->job_graphs->async_release_all();
        if (!graphs)
            failure = graphs.error();
        const std::vector<job_id> jobs(c->checkpoint_jobs.begin(), c->checkpoint_jobs.end());
        for (const auto& job : jobs)
        {
            auto handles =
                checkpoint_handles(*c, zookeeper::checkpoints_path(c->settings.layout.namespace_path(), job));
            auto released = co_await handles.async_release_all();
            if (!released && !failure)
                failure = released.error();
        }
        if (failure)
            co_return failure;
        co_return success();
    }

    static boost::asio::awaitable<void> release_locks_quietly(core_ptr c)
    {
        auto released = co_await release_locks(std::move(c));
        (void)released;
    }

    static boost::asio::awaitable<result<void>> close(core_ptr c)
    {
        if (c->closed)
            co_return success();
        const bool owns = c->owns_client;
        const bool valid = !c->config_error;
        c->owns_client = false;  // closed here, not in the background
        auto client = c->client;
        shutdown(*c);
        result<void> out = success();
        if (owns)
            co_await close_client(client);
        else if (valid)
            out = co_await release_locks(c);
        co_return out;
    }

    static void shutdown(core& c) noexcept
    {
        c.closed = true;
        c.store_state->closed = true;
        c.election->close_now();
        c.retrieval->close_now();
        c.supervisor_cancel.emit(boost::asio::cancellation_type::terminal);
        c.retry_timer.cancel();
    }

    /// Why a cleanup cannot start (closed, invalid settings, no storage path), or success.
    static error_code cleanup_refusal(const core& c) noexcept
    {
        if (c.closed)
            return errc::closed;
        if (c.config_error)
            return c.config_error;
        return c.storage_error;
    }

    /// Deletes `path` and everything below it; no_node counts as done. A node that gets a new
    /// child meanwhile is tried again a few times.
    static boost::asio::awaitable<error_code> remove_tree(
        std::shared_ptr<zk::client> client, std::string path
    )
    {
        std::optional<error_code> outcome;
        for (int round = 0; round < 5 && !outcome; ++round)
        {
            auto children = co_await client->async_get_children(path);
            error_code failed;
            if (!children)
                failed = children.error() == zk::error::no_node ? error_code() : children.error();
            else
                for (const auto& child : children.value().children)
                    if (!failed)
                        failed = co_await remove_tree(client, zookeeper::layout::child(path, child));
            if (failed)
                outcome = failed;
            else
            {
                auto removed = co_await client->async_remove(path);
                if (removed || removed.error() == zk::error::no_node)
                    outcome = error_code();
                else if (removed.error() != zk::error::not_empty)
                    outcome = removed.error();
            }
        }
        co_return outcome.value_or(make_error_code(zk::error::not_empty));
    }

    /// Deletes every job graph and checkpoint entry of the namespace with its state file (the
    /// nodes first, then the file: nothing ever points at a deleted file).
    static boost::asio::awaitable<error_code> clear_state_entries(core_ptr c)
    {
        error_code failure;
        auto graphs = co_await c->job_graphs->state_handles().async_clear_entries();
        if (!graphs)
            failure = graphs.error();
        const auto jobs_root =
            hakit::detail::zk_stores::join_path(c->settings.layout.namespace_path(), "jobs");
        auto jobs = co_await c->client->async_get_children(jobs_root);
        if (!jobs)
        {
            if (jobs.error() != zk::error::no_node && !failure)
                failure = hakit::detail::zk_stores::to_store_error(jobs.error());
        }
        else
            for (const auto& name : jobs.value().children)
            {
                auto checkpoints = checkpoint_handles(
                    *c,
                    hakit::detail::zk_stores::join_path(
                        hakit::detail::zk_stores::join_path(jobs_root, name), "checkpoints"
                    )
                );
                auto cleared = co_await checkpoints.async_clear_entries();
                if (!cleared && !failure)
                    failure = cleared.error();
            }
        co_return failure;
    }

    static boost::asio::awaitable<result<void>> cleanup_all(core_ptr c)
    {
        if (auto ec = cleanup_refusal(*c))
            co_return ec;
        const error_code no_session = co_await detail::zk_backend::await_first_session(c->client);
        if (no_session)
            co_return no_session;
        // Our latch node and connection_info are in the namespace: leave the election first, so
        // that the latch does not recreate its node while the tree goes.
        auto stopped = co_await c->election->async_stop_election();
        (void)stopped;
        const auto ns = c->settings.layout.namespace_path();
        auto failed = co_await clear_state_entries(c);
        if (!failed)
            failed = co_await remove_tree(c->client, ns);
        if (!failed)
        {
            // Flink also removes the namespace's parents as far as they are empty.
            auto parents = zookeeper::layout::ancestors(ns);
            bool removing = true;
            for (auto it = parents.rbegin(); it != parents.rend() && removing; ++it)
            {
                auto removed = co_await c->client->async_remove(*it);
                removing = removed || removed.error() == zk::error::no_node;
            }
        }
        c->checkpoint_stores.clear();
        c->checkpoint_jobs.clear();
        if (!failed)
        {
            // The pointers are gone: now the blobs (Flink deletes them only then).
            auto blobs = co_await c->blobs->async_cleanup_all();
            if (!blobs)
                failed = blobs.error();
            else
                hakit::detail::remove_directory_if_empty(*c->settings.storage_path);
        }
        result<void> out = success();
        if (failed)
            out = failed;
        co_return out;
    }

    static boost::asio::awaitable<result<void>> global_cleanup(core_ptr c, job_id job)
    {
        if (auto ec = cleanup_refusal(*c))
            co_return ec;
        const error_code no_session = co_await detail::zk_backend::await_first_session(c->client);
        if (no_session)
            co_return no_session;
        // 1. The job graph, unless another instance still uses the job.
        auto graph = co_await c->job_graphs->async_global_cleanup(job);
        if (!graph)
            co_return graph.error();
        // 2. Checkpoints (with their files), the counter, the leader node.
        const auto& ns = c->settings.layout.namespace_path();
        auto checkpoints = checkpoint_handles(*c, zookeeper::checkpoints_path(ns, job));
        auto cleared = co_await checkpoints.async_clear_entries();
        error_code failed = cleared ? error_code() : cleared.error();
        if (!failed)
            failed = co_await remove_tree(c->client, hakit::detail::zk_stores::job_path(ns, job));
        const auto leader_node = c->settings.layout.component_path(component_id::job_manager(job));
        auto leader_removed = co_await remove_tree(c->client, leader_node);
        if (!failed)
            failed = leader_removed;
        c->checkpoint_stores.erase(job);
        if (!failed)
        {
            c->checkpoint_jobs.erase(job);
            // 3. The znodes are gone: now the blobs.
            auto blobs = co_await c->blobs->async_delete_all(job);
            if (!blobs)
                failed = blobs.error();
        }
        result<void> out = success();
        if (failed)
            out = failed;
        co_return out;
    }

    core_ptr core_;
};

static_assert(backend<zookeeper_backend>);

/// ha_services over ZooKeeper: `zookeeper_ha_services ha(ex, ha_options);` (or zookeeper_settings,
/// or a shared zk::client and zookeeper_settings).
using zookeeper_ha_services = ha_services<zookeeper_backend>;

HAKIT_NAMESPACE_END

#endif
