// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_STATE_HANDLE_STORE_HPP
#define HAKIT_ZOOKEEPER_STATE_HANDLE_STORE_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/path.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Flink's ZooKeeperStateHandleStore (flink-ha.md §2.5): state bytes in files (state_storage),
// small handles in znodes, per-instance ephemeral lock nodes, "marked for deletion".

HAKIT_NAMESPACE_BEGIN

namespace detail::zk_stores {

/// True for a name that is one path segment: not empty, no '/', not "." or "..", and valid in a
/// ZooKeeper path.
inline bool is_valid_node_name(std::string_view name)
{
    if (name.empty() || name == "." || name == ".." || name.find('/') != std::string_view::npos)
        return false;
    std::string path = "/";
    path += name;
    return !zk::validate_path(path);
}

/// `parent` + "/" + `name` ("/" + `name` below the root).
inline std::string join_path(std::string_view parent, std::string_view name)
{
    std::string path(parent);
    if (path != "/")
        path += '/';
    path += name;
    return path;
}

/// The parent of an absolute path ("/" for "/a").
inline std::string parent_path(std::string_view path)
{
    const auto slash = path.rfind('/');
    return slash == 0 || slash == std::string_view::npos ? std::string("/")
                                                         : std::string(path.substr(0, slash));
}

/// `<root>/jobs/<job id>`: the per-job subtree (checkpoints and the checkpoint-id counter).
inline std::string job_path(std::string_view root, const job_id& job)
{
    return join_path(join_path(root, "jobs"), job.to_string());
}

/// The errors of a ZooKeeper write that say it was not applied: the server refused it (Flink's
/// list of "safe" errors: NodeExists, BadArguments, NoNode, NoAuth, BadVersion, AuthFailed,
/// InvalidACL, SessionMoved, NotReadOnly). After any other error the write may have happened.
inline bool is_definite_failure(const error_code& ec) noexcept
{
    return ec == zk::error::node_exists || ec == zk::error::bad_arguments || ec == zk::error::no_node ||
           ec == zk::error::no_auth || ec == zk::error::bad_version || ec == zk::error::auth_failed ||
           ec == zk::error::invalid_acl || ec == zk::error::session_moved || ec == zk::error::not_read_only;
}

/// The hakit::errc the store concepts promise for connection-level ZooKeeper errors
/// (connection_loss, operation_timeout, session_moved → errc::connection_lost; session_expired →
/// errc::session_expired); every other error is returned as it is.
inline error_code to_store_error(const error_code& ec) noexcept
{
    if (ec == zk::error::connection_loss || ec == zk::error::operation_timeout ||
        ec == zk::error::session_moved)
        return errc::connection_lost;
    if (ec == zk::error::session_expired)
        return errc::session_expired;
    return ec;
}

/// Refuses work while the client has no usable connection: errc::closed once it is closing or
/// closed, errc::connection_suspended while it is not connected (suspended, expired, idle,
/// connecting), success when connected (Flink's counter checks "CONNECTED or RECONNECTED").
inline error_code check_connected(const zk::client& client) noexcept
{
    switch (client.state())
    {
        case zk::connection_state::connected:
            return {};
        case zk::connection_state::closing:
        case zk::connection_state::closed:
            return errc::closed;
        default:
            return errc::connection_suspended;
    }
}

inline zk::bytes to_bytes(std::string_view s)
{
    return zk::bytes(s.begin(), s.end());
}

/// Runs `op` with the coroutine's throw_if_cancelled turned off and restores the caller's setting
/// afterwards. A store operation takes several ZooKeeper steps; without this, a cancellation would
/// throw at the next co_await, between two steps. With it, every later request of the operation
/// returns operation_aborted at once without being sent (zk::client's cancellation rule), and the
/// operation returns a value: operation_aborted, or errc::possibly_inconsistent when a write of it
/// may have happened.
template <class T>
boost::asio::awaitable<T> with_cancellation_as_error(boost::asio::awaitable<T> op)
{
    const bool throws = co_await boost::asio::this_coro::throw_if_cancelled();
    co_await boost::asio::this_coro::throw_if_cancelled(false);
    T outcome = co_await std::move(op);
    co_await boost::asio::this_coro::throw_if_cancelled(throws);
    co_return outcome;
}

/// Creates `path` and its missing ancestors as empty persistent nodes with `acl` (Curator's
/// creatingParentsIfNeeded); nodes that exist are fine.
inline boost::asio::awaitable<result<void>> ensure_path(
    std::shared_ptr<zk::client> client, std::string path, std::vector<zk::acl> acl = zk::open_acl_unsafe()
)
{
    error_code failure;
    std::size_t next = 1;
    bool done = path.size() <= 1;
    while (!done)  // no co_return inside loops (GCC 12)
    {
        const auto slash = path.find('/', next);
        const std::string prefix = slash == std::string::npos ? path : path.substr(0, slash);
        auto created = co_await client->async_create(prefix, zk::bytes(), zk::create_mode::persistent, acl);
        if (!created && created.error() != zk::error::node_exists)
        {
            failure = created.error();
            done = true;
        }
        else if (slash == std::string::npos)
            done = true;
        else
            next = slash + 1;
    }
    if (failure)
        co_return failure;
    co_return success();
}

/// Deletes `path` and everything below it; a missing node is success.
inline boost::asio::awaitable<result<void>> remove_tree(std::shared_ptr<zk::client> client, std::string path)
{
    auto children = co_await client->async_get_children(path);
    if (!children)
    {
        if (children.error() == zk::error::no_node)
            co_return success();
        co_return children.error();
    }
    error_code failure;
    for (const auto& child : children.value().children)
    {
        auto removed = co_await remove_tree(client, join_path(path, child));
        if (!removed && !failure)
            failure = removed.error();
    }
    if (failure)
        co_return failure;
    auto removed = co_await client->async_remove(path);
    if (!removed && removed.error() != zk::error::no_node)
        co_return removed.error();
    co_return success();
}

/// Deletes `path` if it has no children (best effort: not_empty, no_node and every other error
/// are ignored). Used to tidy up per-job parents.
inline boost::asio::awaitable<void> remove_if_empty(std::shared_ptr<zk::client> client, std::string path)
{
    (void)co_await client->async_remove(path);
}

}  // namespace detail::zk_stores

namespace zookeeper {

/// A random (version 4) UUID in its 36-character form: a fresh lock id for a store instance.
inline std::string make_lock_id()
{
    thread_local boost::uuids::random_generator generator;
    return boost::uuids::to_string(generator());
}

/// One state as zookeeper_state_handle_store::async_get_and_lock returns it.
struct stored_state
{
    /// The entry's name (its znode's name below the store's root).
    std::string name;
    /// The stored bytes, read back from the state file and checked against the handle.
    std::string state;
    /// The znode's data version (Flink's IntegerResourceVersion), for async_replace.
    std::int32_t version = 0;

    friend bool operator==(const stored_state&, const stored_state&) = default;
};

}  // namespace zookeeper

/// Flink's ZooKeeperStateHandleStore: named states below one ZooKeeper node (the store's root),
/// each with its bytes in a file of a zookeeper::state_storage and only the file's
/// zookeeper::state_handle in the znode, protected by per-instance lock nodes (flink-ha.md §2.5).
///
/// Layout of an entry `<root>/<name>`:
///
///     <root>/<name>                  PERSISTENT, data = zookeeper::encode_state_handle(handle)
///       locks                        PERSISTENT
///         <lock id>                  EPHEMERAL, one per store instance holding the entry
///
/// - An entry is valid while its node has children (the `locks` node). A node without children is
///   "marked for deletion": its removal started and may not have finished; readers treat it as
///   missing, async_add_and_lock finishes the removal before adding, async_release_and_try_remove
///   finishes it when repeated. No node: the state is gone.
/// - Locks are ephemeral, so they vanish with the session of the instance that took them. A store
///   instance is identified by its lock id (zookeeper::make_lock_id()); copies of a store are the
///   same instance. Several instances may share one zk::client.
///
/// Errors: hakit::errc values (already_exists, not_found, corrupted_data, invalid_argument,
/// possibly_inconsistent, connection_lost, session_expired, closed), system errors of the state
/// files, and zk::error values for the remaining server refusals (no_auth, bad_version, ...).
///
/// Writes follow Flink's rule (§2.5): the state file is written first; when ZooKeeper then
/// refuses the znode write for sure (a failed transaction, or one of the "safe" errors of
/// detail::zk_stores::is_definite_failure) the new file is deleted again and the error returned;
/// after any other error (connection lost, session expired, client closed, cancelled: the write
/// may have been applied) the file is kept and the result is errc::possibly_inconsistent, so
/// nothing that ZooKeeper may point at is ever deleted. Before giving up, an add or replace whose
/// outcome is unknown reads the node back once (waiting for the reconnect if the session lives):
/// if it holds the new handle (unique: a random file name), the write was applied and the call
/// succeeds (Flink's "retried successful transaction"); a node without it proves nothing (the
/// write may still be applied later), so the result stays possibly_inconsistent.
///
/// Cancellation (per-operation, e.g. `op || timer`): the operation sends no further request and
/// returns a value instead of throwing: operation_aborted, or errc::possibly_inconsistent if a
/// write of it may have been applied (its file is kept).
///
/// The zk::client is shared (std::shared_ptr) and must be connected for operations to succeed;
/// the store never connects or closes it. Operations run on the client's executor; an operation
/// owns copies of everything it needs, so a store handle may be destroyed while its operations
/// run. Invalid construction arguments (a null client, a root that is not a valid absolute path,
/// a lock id that is not a valid node name) make every operation fail with
/// errc::invalid_argument.
class zookeeper_state_handle_store
{
public:
    /// `acl`: the ACL of every node the store creates (its root and ancestors, entries, locks).
    zookeeper_state_handle_store(
        std::shared_ptr<zk::client> client,
        std::string root,
        zookeeper::state_storage storage,
        std::string lock_id,
        std::vector<zk::acl> acl = zk::open_acl_unsafe()
    )
        : st_(std::make_shared<const shared_state>(
              std::move(client), std::move(root), std::move(storage), std::move(lock_id), std::move(acl)
          ))
    {}

    /// The node the entries live below.
    const std::string& root() const noexcept { return st_->root; }
    /// This instance's lock id (the name of its lock nodes).
    const std::string& lock_id() const noexcept { return st_->lock_id; }
    const zookeeper::state_storage& storage() const noexcept { return st_->storage; }
    const std::shared_ptr<zk::client>& client() const noexcept { return st_->client; }

    /// `<root>/<name>`.
    std::string path_of(std::string_view name) const { return detail::zk_stores::join_path(st_->root, name); }
    /// `<root>/<name>/locks`.
    std::string locks_path_of(std::string_view name) const
    {
        return detail::zk_stores::join_path(path_of(name), "locks");
    }
    /// `<root>/<name>/locks/<lock id>`: this instance's lock on the entry.
    std::string lock_path_of(std::string_view name) const
    {
        return detail::zk_stores::join_path(locks_path_of(name), st_->lock_id);
    }

    /// Flink's addAndLock: stores `state` under `name` and locks it, as one ZooKeeper transaction
    /// (create the node with the handle, create `locks`, create this instance's lock). A valid
    /// entry of that name → errc::already_exists (nothing written); an entry marked for deletion
    /// is removed first (its file discarded). The store's root and its ancestors are created when
    /// missing. See the class comment for the error rule.
    boost::asio::awaitable<result<void>> async_add_and_lock(std::string name, std::string state) const
    {
        return detail::zk_stores::with_cancellation_as_error(
            add_and_lock(st_, std::move(name), std::move(state))
        );
    }

    /// Flink's replace: writes `state` to a new file and points the entry at it if the node's
    /// version is `expected_version` (-1: whatever it is now) and this instance holds a lock on
    /// it, then discards the previous file; returns the node's new version. No entry (or one
    /// marked for deletion) → errc::not_found; an entry this instance does not hold →
    /// errc::already_exists; another version → zk::error::bad_version. In those cases and other
    /// refusals the new file is discarded and the old state stays; after an unknown outcome that
    /// the read-back cannot settle both files are kept (errc::possibly_inconsistent).
    boost::asio::awaitable<result<std::int32_t>> async_replace(
        std::string name, std::int32_t expected_version, std::string state
    ) const
    {
        return detail::zk_stores::with_cancellation_as_error(
            replace(st_, std::move(name), expected_version, std::move(state))
        );
    }

    /// Flink's exists: the node's version if the entry exists and is not marked for deletion.
    boost::asio::awaitable<result<std::optional<std::int32_t>>> async_exists(std::string name) const
    {
        return detail::zk_stores::with_cancellation_as_error(exists(st_, std::move(name)));
    }

    /// Flink's getAndLock: locks the entry for this instance (already locked is fine) and reads
    /// its state. Missing or marked for deletion → errc::not_found; an undecodable handle or a
    /// missing or damaged file → errc::corrupted_data. When reading fails after the lock was
    /// taken, the lock is released again (also one held before the call, as in Flink); when
    /// taking the lock fails for a connection reason, whatever lock exists is left alone.
    boost::asio::awaitable<result<zookeeper::stored_state>> async_get_and_lock(std::string name) const
    {
        return detail::zk_stores::with_cancellation_as_error(get_and_lock(st_, std::move(name)));
    }

    /// Flink's getAllAndLock: locks and reads every entry, sorted by name; entries that vanish or
    /// are marked for deletion meanwhile are skipped, corrupted ones are skipped (and not kept
    /// locked). Repeats until the root's children did not change while reading (same cversion
    /// before and after). No root node → empty.
    boost::asio::awaitable<result<std::vector<zookeeper::stored_state>>> async_get_all_and_lock() const
    {
        return detail::zk_stores::with_cancellation_as_error(get_all_and_lock(st_));
    }

    /// Flink's getAllHandles: the names of all entries, including those marked for deletion,
    /// sorted. No root node → empty.
    boost::asio::awaitable<result<std::vector<std::string>>> async_names() const
    {
        return detail::zk_stores::with_cancellation_as_error(names(st_));
    }

    /// Flink's releaseAndTryRemove: releases this instance's lock and, if no other instance holds
    /// one, deletes the entry: `locks` first (which marks it for deletion), then the state file,
    /// then the node. Returns false if another instance still holds a lock (only the own lock was
    /// released), true once the entry is gone (also when there was none). If discarding the file
    /// fails, the error is returned and the entry stays marked for deletion: calling again
    /// finishes the job.
    boost::asio::awaitable<result<bool>> async_release_and_try_remove(std::string name) const
    {
        return detail::zk_stores::with_cancellation_as_error(release_and_try_remove(st_, std::move(name)));
    }

    /// Flink's release: deletes this instance's lock on the entry (none is fine).
    boost::asio::awaitable<result<void>> async_release(std::string name) const
    {
        return detail::zk_stores::with_cancellation_as_error(release(st_, std::move(name)));
    }

    /// Flink's releaseAll: releases this instance's lock on every entry. Tries all of them and
    /// returns the first error.
    boost::asio::awaitable<result<void>> async_release_all() const
    {
        return detail::zk_stores::with_cancellation_as_error(release_all(st_));
    }

    /// Flink's clearEntries: deletes every entry regardless of locks (node, lock nodes and, best
    /// effort, the state file). For cleaning up all data of a cluster.
    boost::asio::awaitable<result<void>> async_clear_entries() const
    {
        return detail::zk_stores::with_cancellation_as_error(clear_entries(st_));
    }

private:
    struct shared_state
    {
        shared_state(
            std::shared_ptr<zk::client> c,
            std::string r,
            zookeeper::state_storage s,
            std::string l,
            std::vector<zk::acl> a
        )
            : client(std::move(c))
            , root(std::move(r))
            , storage(std::move(s))
            , lock_id(std::move(l))
            , acl(std::move(a))
        {
            valid = client != nullptr && !zk::validate_path(root) &&
                    detail::zk_stores::is_valid_node_name(lock_id);
        }

        std::shared_ptr<zk::client> client;
        std::string root;
        zookeeper::state_storage storage;
        std::string lock_id;
        std::vector<zk::acl> acl;
        bool valid = false;

        std::string path_of(std::string_view name) const { return detail::zk_stores::join_path(root, name); }
        std::string locks_path_of(std::string_view name) const
        {
            return detail::zk_stores::join_path(path_of(name), "locks");
        }
        std::string lock_path_of(std::string_view name) const
        {
            return detail::zk_stores::join_path(locks_path_of(name), lock_id);
        }
        /// errc::invalid_argument for a bad construction or a bad entry name.
        error_code check(std::string_view name) const
        {
            if (!valid || !detail::zk_stores::is_valid_node_name(name))
                return errc::invalid_argument;
            return {};
        }
    };
    using state_ptr = std::shared_ptr<const shared_state>;

    /// How a ZooKeeper write ended: applied, refused for sure, or unknown.
    enum class write_outcome
    {
        applied,
        refused,
        unknown,
    };

    struct write_result
    {
        write_outcome outcome = write_outcome::applied;
        error_code error;
    };

    /// Classifies the outcome of a multi: ReplyHeader-level errors by Flink's safe list, a failed
    /// transaction as refused (a multi is atomic: nothing of it was applied).
    static write_result classify(const result<zk::multi_response>& reply)
    {
        if (!reply)
        {
            const auto ec = reply.error();
            return {
                detail::zk_stores::is_definite_failure(ec) ? write_outcome::refused : write_outcome::unknown,
                ec};
        }
        if (auto failure = zk::find_failure(reply.value()))
            return {write_outcome::refused, failure->error};
        return {write_outcome::applied, {}};
    }

    /// True if the failed multi failed at op `index` with `code`.
    static bool failed_at(const result<zk::multi_response>& reply, std::size_t index, zk::error code)
    {
        if (!reply)
            return false;
        const auto failure = zk::find_failure(reply.value());
        return failure && failure->index == index && failure->error == code;
    }

    /// Deletes a file written by a write that was refused (best effort: an orphan file is
    /// harmless, a deleted file ZooKeeper points at is not — this is only called when it does not).
    static void discard_quietly(const state_ptr& st, const zookeeper::state_handle& handle)
    {
        (void)st->storage.discard(handle);
    }

    /// The multi of an add, retried once after creating the root when the root was missing.
    static boost::asio::awaitable<write_result> add_transaction(
        state_ptr st, std::string name, zk::bytes data
    )
    {
        std::vector<zk::multi_op> ops;
        ops.push_back(zk::multi_op::create(zk::create_request{
            st->path_of(name), data, st->acl, zk::create_mode::persistent}));
        ops.push_back(zk::multi_op::create(zk::create_request{
            st->locks_path_of(name), zk::bytes(), st->acl, zk::create_mode::persistent}));
        ops.push_back(zk::multi_op::create(zk::create_request{
            st->lock_path_of(name), zk::bytes(), st->acl, zk::create_mode::ephemeral}));
        auto reply = co_await st->client->async_multi(ops);
        if (failed_at(reply, 0, zk::error::no_node))
        {
            auto ensured = co_await detail::zk_stores::ensure_path(st->client, st->root, st->acl);
            if (!ensured)  // the first transaction was refused, so nothing was written
                co_return write_result{write_outcome::refused, ensured.error()};
            reply = co_await st->client->async_multi(std::move(ops));
        }
        co_return classify(reply);
    }

    /// The node's version if its data is `data` (then a write of `data` was applied: handles
    /// name random files, so no other write stores the same bytes); nullopt otherwise or if the
    /// node cannot be read.
    static boost::asio::awaitable<std::optional<std::int32_t>> version_if_holds(
        state_ptr st, std::string path, zk::bytes data
    )
    {
        auto current = co_await st->client->async_get_data(std::move(path));
        if (!current || current.value().data != data)
            co_return std::nullopt;
        co_return current.value().stat.version;
    }

    static boost::asio::awaitable<bool> holds(state_ptr st, std::string path, zk::bytes data)
    {
        const auto version = co_await version_if_holds(std::move(st), std::move(path), std::move(data));
        co_return version.has_value();
    }

    static boost::asio::awaitable<result<void>> add_and_lock(
        state_ptr st, std::string name, std::string state
    )
    {
        if (auto ec = st->check(name))
            co_return ec;
        const auto path = st->path_of(name);
        auto existing = co_await st->client->async_exists(path);
        if (!existing)
            co_return detail::zk_stores::to_store_error(existing.error());
        if (existing.value().stat)
        {
            if (existing.value().stat->num_children > 0)
                co_return errc::already_exists;
            // Marked for deletion: finish that first.
            auto removed = co_await release_and_try_remove(st, name);
            if (!removed)
                co_return removed.error();
            if (!removed.value())
                co_return errc::already_exists;
        }

        auto handle = st->storage.store(state);
        if (!handle)
            co_return handle.error();
        const auto data = zookeeper::encode_state_handle(handle.value());
        const auto written = co_await add_transaction(st, name, data);
        if (written.outcome == write_outcome::applied)
            co_return success();
        if (written.outcome == write_outcome::refused)
        {
            if (written.error == zk::error::node_exists && co_await holds(st, path, data))
                co_return success();
            discard_quietly(st, handle.value());
            if (written.error == zk::error::node_exists)
                co_return errc::already_exists;
            co_return detail::zk_stores::to_store_error(written.error);
        }
        // Unknown: applied if the node holds our (unique) handle; else keep the file.
        if (co_await holds(st, path, data))
            co_return success();
        co_return errc::possibly_inconsistent;
    }

    static boost::asio::awaitable<result<std::int32_t>> replace(
        state_ptr st, std::string name, std::int32_t expected_version, std::string state
    )
    {
        if (auto ec = st->check(name))
            co_return ec;
        const auto path = st->path_of(name);
        auto current = co_await st->client->async_get_data(path);
        if (!current)
        {
            if (current.error() == zk::error::no_node)
                co_return errc::not_found;
            co_return detail::zk_stores::to_store_error(current.error());
        }
        const auto& stat = current.value().stat;
        if (stat.num_children == 0)
            co_return errc::not_found;  // marked for deletion
        if (expected_version != -1 && expected_version != stat.version)
            co_return zk::error::bad_version;
        // An undecodable old handle does not stop its owner from overwriting it.
        auto old_handle = zookeeper::decode_state_handle(current.value().data);

        auto handle = st->storage.store(state);
        if (!handle)
            co_return handle.error();
        const auto data = zookeeper::encode_state_handle(handle.value());
        // The version read above, so that exactly the file read above is the one replaced; the
        // check makes "this instance holds a lock" part of the same transaction.
        std::vector<zk::multi_op> ops;
        ops.push_back(zk::multi_op::check(zk::check_version_request{st->lock_path_of(name), -1}));
        ops.push_back(zk::multi_op::set_data(zk::set_data_request{path, data, stat.version}));
        auto reply = co_await st->client->async_multi(std::move(ops));
        const auto written = classify(reply);
        if (written.outcome == write_outcome::unknown)
        {
            // Applied if the node holds the new handle now; else keep both files.
            const auto applied = co_await version_if_holds(st, path, data);
            if (!applied)
                co_return errc::possibly_inconsistent;
            if (old_handle)
                discard_quietly(st, old_handle.value());
            co_return *applied;
        }
        if (written.outcome == write_outcome::refused)
        {
            discard_quietly(st, handle.value());
            if (failed_at(reply, 0, zk::error::no_node))
            {
                // Our lock is missing: the entry is gone, or not held by this instance.
                auto still = co_await st->client->async_exists(path);
                if (still && !still.value().stat)
                    co_return errc::not_found;
                co_return errc::already_exists;
            }
            if (written.error == zk::error::no_node)
                co_return errc::not_found;
            co_return detail::zk_stores::to_store_error(written.error);
        }
        std::int32_t version = stat.version + 1;
        const auto& results = reply.value().results;
        if (results.size() == 2)
            if (const auto* set = std::get_if<zk::set_data_response>(&results[1].body))
                version = set->stat.version;
        if (old_handle)
            discard_quietly(st, old_handle.value());  // a leftover old file is harmless
        co_return version;
    }

    static boost::asio::awaitable<result<std::optional<std::int32_t>>> exists(state_ptr st, std::string name)
    {
        if (auto ec = st->check(name))
            co_return ec;
        auto node = co_await st->client->async_exists(st->path_of(name));
        if (!node)
            co_return detail::zk_stores::to_store_error(node.error());
        const auto& stat = node.value().stat;
        if (!stat || stat->num_children == 0)
            co_return std::optional<std::int32_t>();
        co_return std::optional<std::int32_t>(stat->version);
    }

    /// Reads and checks the entry's state (no locking).
    static boost::asio::awaitable<result<zookeeper::stored_state>> read_entry(state_ptr st, std::string name)
    {
        auto node = co_await st->client->async_get_data(st->path_of(name));
        if (!node)
        {
            if (node.error() == zk::error::no_node)
                co_return errc::not_found;
            co_return detail::zk_stores::to_store_error(node.error());
        }
        if (node.value().stat.num_children == 0)
            co_return errc::not_found;  // marked for deletion
        auto handle = zookeeper::decode_state_handle(node.value().data);
        if (!handle)
            co_return handle.error();
        auto state = st->storage.retrieve(handle.value());
        if (!state)
            co_return state.error();
        co_return zookeeper::stored_state{
            std::move(name), std::move(state.value()), node.value().stat.version};
    }

    static boost::asio::awaitable<result<zookeeper::stored_state>> get_and_lock(
        state_ptr st, std::string name
    )
    {
        if (auto ec = st->check(name))
            co_return ec;
        auto locked = co_await st->client->async_create(
            st->lock_path_of(name), zk::bytes(), zk::create_mode::ephemeral, st->acl
        );
        if (!locked && locked.error() != zk::error::node_exists)
        {
            if (locked.error() == zk::error::no_node)
                co_return errc::not_found;  // no node, or no `locks`: marked for deletion
            // Like Flink, a lock of unknown fate is left alone: it may be one this instance held
            // before (dropping it would let others delete what we use); a new one goes with
            // release_all or the session.
            co_return detail::zk_stores::to_store_error(locked.error());
        }
        auto entry = co_await read_entry(st, name);
        if (!entry)
            (void)co_await st->client->async_remove(st->lock_path_of(name));
        co_return entry;
    }

    static boost::asio::awaitable<result<std::vector<zookeeper::stored_state>>> get_all_and_lock(state_ptr st)
    {
        if (!st->valid)
            co_return errc::invalid_argument;
        std::vector<zookeeper::stored_state> entries;
        error_code failure;
        bool stable = false;
        while (!stable && !failure)  // no co_return inside loops (GCC 12)
        {
            entries.clear();
            auto listing = co_await st->client->async_get_children2(st->root);
            if (!listing)
            {
                if (listing.error() == zk::error::no_node)
                    stable = true;
                else
                    failure = listing.error();
                continue;
            }
            const std::int32_t cversion = listing.value().stat ? listing.value().stat->cversion : 0;
            auto children = std::move(listing.value().children);
            std::sort(children.begin(), children.end());
            for (auto& name : children)
            {
                if (failure || !detail::zk_stores::is_valid_node_name(name))
                    continue;
                auto entry = co_await get_and_lock(st, name);
                if (entry)
                    entries.push_back(std::move(entry.value()));
                else if (entry.error() != errc::not_found && entry.error() != errc::corrupted_data)
                    failure = entry.error();
                // not_found: removed or marked meanwhile; corrupted_data: skipped (Flink warns)
            }
            if (failure)
                continue;
            auto after = co_await st->client->async_exists(st->root);
            if (!after)
                failure = after.error();
            else
                stable = !after.value().stat || after.value().stat->cversion == cversion;
        }
        if (failure)
            co_return detail::zk_stores::to_store_error(failure);
        co_return entries;
    }

    static boost::asio::awaitable<result<std::vector<std::string>>> names(state_ptr st)
    {
        if (!st->valid)
            co_return errc::invalid_argument;
        auto listing = co_await st->client->async_get_children(st->root);
        if (!listing)
        {
            if (listing.error() == zk::error::no_node)
                co_return std::vector<std::string>();
            co_return detail::zk_stores::to_store_error(listing.error());
        }
        auto sorted = std::move(listing.value().children);
        std::sort(sorted.begin(), sorted.end());
        co_return sorted;
    }

    static boost::asio::awaitable<result<bool>> release_and_try_remove(state_ptr st, std::string name)
    {
        if (auto ec = st->check(name))
            co_return ec;
        const auto path = st->path_of(name);
        // The handle first (best effort: an undecodable one leaves an orphan file, never a node).
        auto node = co_await st->client->async_get_data(path);
        std::optional<zookeeper::state_handle> handle;
        if (node)
        {
            if (auto decoded = zookeeper::decode_state_handle(node.value().data))
                handle = std::move(decoded.value());
        }
        else if (node.error() != zk::error::no_node)
            co_return detail::zk_stores::to_store_error(node.error());

        auto released = co_await release(st, name);
        if (!released)
            co_return released.error();
        auto locks_removed = co_await st->client->async_remove(st->locks_path_of(name));
        if (!locks_removed)
        {
            if (locks_removed.error() == zk::error::not_empty)
                co_return false;  // another instance still holds a lock
            if (locks_removed.error() != zk::error::no_node)
                co_return detail::zk_stores::to_store_error(locks_removed.error());
        }
        // Marked for deletion now: a failure from here on is finished by calling again.
        if (handle)
        {
            auto discarded = st->storage.discard(*handle);
            if (!discarded)
                co_return discarded.error();
        }
        auto removed = co_await st->client->async_remove(path);
        if (!removed)
        {
            if (removed.error() == zk::error::not_empty)
                co_return false;
            if (removed.error() != zk::error::no_node)
                co_return detail::zk_stores::to_store_error(removed.error());
        }
        co_return true;
    }

    static boost::asio::awaitable<result<void>> release(state_ptr st, std::string name)
    {
        if (auto ec = st->check(name))
            co_return ec;
        auto removed = co_await st->client->async_remove(st->lock_path_of(name));
        if (!removed && removed.error() != zk::error::no_node)
            co_return detail::zk_stores::to_store_error(removed.error());
        co_return success();
    }

    static boost::asio::awaitable<result<void>> release_all(state_ptr st)
    {
        auto all = co_await names(st);
        if (!all)
            co_return all.error();
        error_code failure;
        for (const auto& name : all.value())
        {
            if (!detail::zk_stores::is_valid_node_name(name))
                continue;
            auto released = co_await release(st, name);
            if (!released && !failure)
                failure = released.error();
        }
        if (failure)
            co_return failure;
        co_return success();
    }

    static boost::asio::awaitable<result<void>> clear_entries(state_ptr st)
    {
        auto all = co_await names(st);
        if (!all)
            co_return all.error();
        error_code failure;
        for (const auto& name : all.value())
        {
            const auto path = st->path_of(name);
            auto node = co_await st->client->async_get_data(path);
            auto removed = co_await detail::zk_stores::remove_tree(st->client, path);
            if (!removed)
            {
                if (!failure)
                    failure = removed.error();
                continue;
            }
            if (node)
                if (auto handle = zookeeper::decode_state_handle(node.value().data))
                    discard_quietly(st, handle.value());
        }
        if (failure)
            co_return detail::zk_stores::to_store_error(failure);
        co_return success();
    }

    state_ptr st_;
};

HAKIT_NAMESPACE_END

#endif
