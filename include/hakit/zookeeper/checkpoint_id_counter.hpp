// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_CHECKPOINT_ID_COUNTER_HPP
#define HAKIT_ZOOKEEPER_CHECKPOINT_ID_COUNTER_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_status.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/path.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

// The ZooKeeper checkpoint-id counter (Flink's ZooKeeperCheckpointIDCounter over Curator's
// SharedCount, flink-ha.md §2.6).

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// `<root>/jobs/<job id>/checkpoint_id_counter`.
inline std::string checkpoint_id_counter_path(std::string_view root, const job_id& job)
{
    return ::hakit::detail::zk_stores::join_path(
        ::hakit::detail::zk_stores::job_path(root, job), "checkpoint_id_counter"
    );
}

/// The counter node's data: the value as a 4-byte big-endian signed int (Curator's SharedCount,
/// so Flink and hakit read each other's counters).
inline zk::bytes encode_checkpoint_id_count(std::int32_t value)
{
    const auto v = static_cast<std::uint32_t>(value);
    return zk::bytes{
        static_cast<std::uint8_t>(v >> 24),
        static_cast<std::uint8_t>(v >> 16),
        static_cast<std::uint8_t>(v >> 8),
        static_cast<std::uint8_t>(v)};
}

/// Decodes the counter node's data: exactly 4 bytes holding a value >= 0, else
/// errc::corrupted_data.
inline result<std::int64_t> decode_checkpoint_id_count(const zk::bytes& data) noexcept
{
    if (data.size() != 4)
        return errc::corrupted_data;
    const std::uint32_t v = (std::uint32_t{data[0]} << 24) | (std::uint32_t{data[1]} << 16) |
                            (std::uint32_t{data[2]} << 8) | std::uint32_t{data[3]};
    const auto value = static_cast<std::int32_t>(v);
    if (value < 0)
        return errc::corrupted_data;
    return std::int64_t{value};
}

}  // namespace zookeeper

/// The ZooKeeper checkpoint-id counter of one job (semantics: hakit::checkpoint_id_counter), a
/// node `<root>/jobs/<job id>/checkpoint_id_counter` holding a 4-byte big-endian int.
///
/// - The counter starts at 1 (Flink's INITIAL_CHECKPOINT_ID): a missing node reads as 1, and the
///   first write creates it (with its parents).
/// - async_get_and_increment: read value and version, write value + 1 only if the version is
///   unchanged (compare-and-set on the znode version), repeat on a conflict; so concurrent
///   instances, in this process or others, never hand out an id twice. value + 1 > INT32_MAX →
///   errc::counter_overflow. A connection lost during the write may have applied it (the id is
///   then skipped, never repeated): errc::connection_lost.
/// - async_set_count(n): writes n unconditionally; n < 0 or n > INT32_MAX → errc::invalid_argument.
/// - Every operation that touches ZooKeeper is refused unless the client is connected (Flink's
///   "Connection state: SUSPENDED/LOST"): errc::connection_suspended while it is suspended,
///   expired, idle or connecting, errc::closed once it is closing or closed. Each attempt of the
///   compare-and-set loop checks again.
/// - async_shutdown: globally terminal status → deletes the node (and `jobs/<job id>` if that
///   is empty now); otherwise keeps it for the next leader. Afterwards every operation →
///   errc::closed. A failed shutdown can be repeated.
///
/// Constructed from the shared client (see zookeeper_state_handle_store for lifetimes and
/// threading), the cluster's root path and the job. It holds no lock and no session state: copies
/// and other instances are interchangeable, and it works again once the client has reconnected
/// (even with a new session).
class zookeeper_checkpoint_id_counter
{
public:
    /// The first id (Flink's INITIAL_CHECKPOINT_ID).
    static constexpr std::int64_t initial_checkpoint_id = 1;
    /// The largest storable value (a 4-byte int).
    static constexpr std::int64_t max_count = std::numeric_limits<std::int32_t>::max();

    /// `acl`: the ACL of the nodes the counter creates (the counter node and its parents).
    zookeeper_checkpoint_id_counter(
        std::shared_ptr<zk::client> client,
        std::string_view root,
        job_id job,
        std::vector<zk::acl> acl = zk::open_acl_unsafe()
    )
        : st_(std::make_shared<shared_state>(std::move(client), root, job, std::move(acl)))
    {}

    boost::asio::awaitable<result<std::int64_t>> async_get_and_increment() const
    {
        return detail::zk_stores::with_cancellation_as_error(get_and_increment(st_));
    }

    boost::asio::awaitable<result<std::int64_t>> async_get() const
    {
        return detail::zk_stores::with_cancellation_as_error(get(st_));
    }

    boost::asio::awaitable<result<void>> async_set_count(std::int64_t count) const
    {
        return detail::zk_stores::with_cancellation_as_error(set_count(st_, count));
    }

    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::zk_stores::with_cancellation_as_error(shutdown(st_, status));
    }

    const job_id& job() const noexcept { return st_->job; }
    /// The counter node's path.
    const std::string& path() const noexcept { return st_->path; }
    /// True after a successful async_shutdown.
    bool is_shut_down() const noexcept { return st_->shut_down; }

private:
    struct shared_state
    {
        shared_state(std::shared_ptr<zk::client> c, std::string_view root, job_id j, std::vector<zk::acl> a)
            : client(std::move(c))
            , acl(std::move(a))
            , job(j)
            , job_path(detail::zk_stores::job_path(root, j))
            , path(zookeeper::checkpoint_id_counter_path(root, j))
            , valid(client != nullptr && !zk::validate_path(root))
        {}

        std::shared_ptr<zk::client> client;
        std::vector<zk::acl> acl;
        job_id job;
        std::string job_path;
        std::string path;
        bool valid = false;
        bool shut_down = false;

        /// errc::closed after shutdown, invalid_argument for a bad construction, else whether the
        /// client is connected.
        error_code check() const noexcept
        {
            if (shut_down)
                return errc::closed;
            if (!valid)
                return errc::invalid_argument;
            return detail::zk_stores::check_connected(*client);
        }
    };
    using state_ptr = std::shared_ptr<shared_state>;

    /// Creates the counter node holding `value`, with its parents if missing.
    static boost::asio::awaitable<result<void>> create(state_ptr st, std::int32_t value)
    {
        const auto data = zookeeper::encode_checkpoint_id_count(value);
        auto created =
            co_await st->client->async_create(st->path, data, zk::create_mode::persistent, st->acl);
        if (!created && created.error() == zk::error::no_node)
        {
            auto ensured = co_await detail::zk_stores::ensure_path(st->client, st->job_path, st->acl);
            if (!ensured)
                co_return ensured.error();
            created = co_await st->client->async_create(st->path, data, zk::create_mode::persistent, st->acl);
        }
        if (!created)
            co_return created.error();
        co_return success();
    }

    static boost::asio::awaitable<result<std::int64_t>> get_and_increment(state_ptr st)
    {
        result<std::int64_t> outcome = errc::closed;
        bool done = false;
        while (!done)  // no co_return inside loops (GCC 12)
        {
            done = true;
            if (auto ec = st->check())
            {
                outcome = ec;
                continue;
            }
            auto current = co_await st->client->async_get_data(st->path);
            if (current)
            {
                auto value = zookeeper::decode_checkpoint_id_count(current.value().data);
                if (!value)
                    outcome = value.error();
                else if (value.value() >= max_count)
                    outcome = errc::counter_overflow;
                else
                {
                    auto next =
                        zookeeper::encode_checkpoint_id_count(static_cast<std::int32_t>(value.value() + 1));
                    auto set = co_await st->client->async_set_data(
                        st->path, std::move(next), current.value().stat.version
                    );
                    if (set)
                        outcome = value.value();
                    else if (set.error() == zk::error::bad_version || set.error() == zk::error::no_node)
                        done = false;  // another instance was faster, or removed it: again
                    else
                        outcome = detail::zk_stores::to_store_error(set.error());
                }
            }
            else if (current.error() == zk::error::no_node)
            {
                auto created = co_await create(st, static_cast<std::int32_t>(initial_checkpoint_id + 1));
                if (created)
                    outcome = initial_checkpoint_id;
                else if (created.error() == zk::error::node_exists)
                    done = false;  // another instance created it: again
                else
                    outcome = detail::zk_stores::to_store_error(created.error());
            }
            else
                outcome = detail::zk_stores::to_store_error(current.error());
        }
        co_return outcome;
    }

    static boost::asio::awaitable<result<std::int64_t>> get(state_ptr st)
    {
        if (auto ec = st->check())
            co_return ec;
        auto current = co_await st->client->async_get_data(st->path);
        if (!current)
        {
            if (current.error() == zk::error::no_node)
                co_return initial_checkpoint_id;
            co_return detail::zk_stores::to_store_error(current.error());
        }
        co_return zookeeper::decode_checkpoint_id_count(current.value().data);
    }

    static boost::asio::awaitable<result<void>> set_count(state_ptr st, std::int64_t count)
    {
        if (st->shut_down)
            co_return errc::closed;
        if (count < 0 || count > max_count)
            co_return errc::invalid_argument;
        error_code failure;
        bool done = false;
        while (!done)  // no co_return inside loops (GCC 12)
        {
            done = true;
            if (auto ec = st->check())
            {
                failure = ec;
                continue;
            }
            auto data = zookeeper::encode_checkpoint_id_count(static_cast<std::int32_t>(count));
            auto set = co_await st->client->async_set_data(st->path, std::move(data));
            if (set)
                continue;
            if (set.error() != zk::error::no_node)
            {
                failure = detail::zk_stores::to_store_error(set.error());
                continue;
            }
            auto created = co_await create(st, static_cast<std::int32_t>(count));
            if (created.has_error())
            {
                if (created.error() == zk::error::node_exists)
                    done = false;  // created meanwhile: set it
                else
                    failure = detail::zk_stores::to_store_error(created.error());
            }
        }
        if (failure)
            co_return failure;
        co_return success();
    }

    static boost::asio::awaitable<result<void>> shutdown(state_ptr st, job_status status)
    {
        if (st->shut_down)
            co_return errc::closed;
        if (is_globally_terminal(status))
        {
            if (auto ec = st->check())
                co_return ec;
            auto removed = co_await st->client->async_remove(st->path);
            if (!removed && removed.error() != zk::error::no_node)
                co_return detail::zk_stores::to_store_error(removed.error());
            co_await detail::zk_stores::remove_if_empty(st->client, st->job_path);
        }
        st->shut_down = true;
        co_return success();
    }

    state_ptr st_;
};

static_assert(checkpoint_id_counter<zookeeper_checkpoint_id_counter>);

HAKIT_NAMESPACE_END

#endif
