// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_COMPLETED_CHECKPOINT_STORE_HPP
#define HAKIT_ZOOKEEPER_COMPLETED_CHECKPOINT_STORE_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_status.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// The ZooKeeper completed-checkpoint store (Flink's DefaultCompletedCheckpointStore over
// ZooKeeperStateHandleStore, created by the ZooKeeper checkpoint recovery factory, flink-ha.md
// §2.2, §4.4).

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// `<root>/jobs/<job id>/checkpoints`: where the job's completed checkpoints live.
inline std::string checkpoints_path(std::string_view root, const job_id& job)
{
    return ::hakit::detail::zk_stores::join_path(
        ::hakit::detail::zk_stores::job_path(root, job), "checkpoints"
    );
}

/// Digits of a checkpoint's node name (Flink's `String.format("%019d", id)`).
inline constexpr std::size_t checkpoint_name_size = 19;

/// The node name of checkpoint `id` (>= 0): 19 digits, zero-padded, so that names sort like ids.
inline std::string checkpoint_name(std::int64_t id)
{
    std::string digits = std::to_string(id < 0 ? 0 : id);
    if (digits.size() < checkpoint_name_size)
        digits.insert(0, checkpoint_name_size - digits.size(), '0');
    return digits;
}

/// The checkpoint id of a node name: exactly 19 decimal digits; anything else (Flink logs it and
/// uses INVALID_CHECKPOINT_ID) is errc::invalid_argument.
inline result<std::int64_t> parse_checkpoint_name(std::string_view name) noexcept
{
    if (name.size() != checkpoint_name_size)
        return errc::invalid_argument;
    std::uint64_t value = 0;
    for (const char c : name)
    {
        if (c < '0' || c > '9')
            return errc::invalid_argument;
        value = value * 10 + static_cast<std::uint64_t>(c - '0');  // 19 digits fit in 64 bits
    }
    if (value > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
        return errc::invalid_argument;
    return static_cast<std::int64_t>(value);
}

/// The bytes a checkpoint is stored as (the content of its state file). hakit's own format:
///
///     offset  size  field
///          0     4  magic "hkCP"
///          4     1  format version, 1
///          5    16  job id (job_id::bytes())
///         21     8  checkpoint id, signed big-endian
///         29  rest  payload
inline std::string encode_completed_checkpoint(const completed_checkpoint& checkpoint)
{
    std::string out = "hkCP";
    out.push_back('\x01');
    for (const auto b : checkpoint.job.bytes())
        out.push_back(static_cast<char>(b));
    const auto id = static_cast<std::uint64_t>(checkpoint.id);
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<char>((id >> shift) & 0xff));
    out += checkpoint.payload;
    return out;
}

/// Decodes what encode_completed_checkpoint wrote; anything else is errc::corrupted_data.
inline result<completed_checkpoint> decode_completed_checkpoint(std::string_view bytes)
{
    constexpr std::size_t header = 29;
    if (bytes.size() < header || bytes.substr(0, 4) != "hkCP" || bytes[4] != '\x01')
        return errc::corrupted_data;
    std::uint64_t lower = 0;
    std::uint64_t upper = 0;
    std::uint64_t id = 0;
    for (std::size_t i = 0; i < 8; ++i)
    {
        lower = (lower << 8) | static_cast<std::uint8_t>(bytes[5 + i]);
        upper = (upper << 8) | static_cast<std::uint8_t>(bytes[13 + i]);
        id = (id << 8) | static_cast<std::uint8_t>(bytes[21 + i]);
    }
    completed_checkpoint checkpoint;
    checkpoint.job = job_id::from_parts(lower, upper);
    checkpoint.id = static_cast<std::int64_t>(id);
    checkpoint.payload = std::string(bytes.substr(header));
    return checkpoint;
}

}  // namespace zookeeper

/// The ZooKeeper completed-checkpoint store of one job (semantics:
/// hakit::completed_checkpoint_store). Each checkpoint is an entry
/// `<root>/jobs/<job id>/checkpoints/<%019d id>` of a zookeeper_state_handle_store whose state
/// files are `<storage dir>/completedCheckpoint<random>` (zookeeper::encode_completed_checkpoint).
///
/// - Recovery: the store is created "recovered" — its first operation (or async_recover())
///   locks and reads every checkpoint the job has (getAllAndLock); entries with a malformed name
///   or undecodable content, or whose content names another job or id, are skipped and not kept
///   locked. The instance keeps the checkpoints it holds in memory, sorted by id, like Flink's
///   DefaultCompletedCheckpointStore; async_all/async_latest answer from there.
/// - async_add: stores and locks the checkpoint (one transaction), then subsumes the lowest ids
///   while more than max_retained() remain: each is released and removed unless another instance
///   still locks it (a failure to remove is not an error of the add: the entry stays and goes
///   with the job's terminal shutdown). Returns the subsumed ones, oldest first.
/// - async_shutdown(globally terminal): releases and removes every checkpoint entry of the job
///   (not only this instance's; those another instance locks only lose this instance's lock),
///   then removes the empty `checkpoints` and `jobs/<job id>` nodes; other statuses release this
///   instance's locks and keep everything for the next leader. A failed shutdown can be repeated;
///   after a successful one every operation → errc::closed.
///
/// Operations of one instance (including its copies) must not overlap: await each before
/// starting the next (Flink's CheckpointCoordinator serializes them too). Lifetimes, threading and
/// the error rule: see zookeeper_state_handle_store.
class zookeeper_completed_checkpoint_store
{
public:
    /// Prefix of the state files (Flink's "completedCheckpoint").
    static constexpr std::string_view file_prefix = "completedCheckpoint";

    /// `max_retained` below 1 is treated as 1; `acl`: the ACL of the nodes the store creates.
    zookeeper_completed_checkpoint_store(
        std::shared_ptr<zk::client> client,
        std::string_view root,
        std::filesystem::path storage_dir,
        std::string lock_id,
        job_id job,
        std::size_t max_retained,
        std::vector<zk::acl> acl = zk::open_acl_unsafe()
    )
        : st_(std::make_shared<shared_state>(
              zookeeper_state_handle_store(
                  std::move(client),
                  zookeeper::checkpoints_path(root, job),
                  zookeeper::state_storage(std::move(storage_dir), std::string(file_prefix)),
                  std::move(lock_id),
                  std::move(acl)
              ),
              std::string(root),
              job,
              std::max<std::size_t>(max_retained, 1)
          ))
    {}

    /// Recovers now (what the first operation does anyway) and returns the checkpoints held;
    /// after recovery it only returns them.
    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_recover() const
    {
        return detail::zk_stores::with_cancellation_as_error(recover(st_));
    }

    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_add(
        completed_checkpoint checkpoint
    ) const
    {
        return detail::zk_stores::with_cancellation_as_error(add(st_, std::move(checkpoint)));
    }

    boost::asio::awaitable<result<std::vector<completed_checkpoint>>> async_all() const
    {
        return detail::zk_stores::with_cancellation_as_error(recover(st_));
    }

    boost::asio::awaitable<result<std::optional<completed_checkpoint>>> async_latest() const
    {
        return detail::zk_stores::with_cancellation_as_error(latest(st_));
    }

    std::size_t max_retained() const noexcept { return st_->max_retained; }
    const job_id& job() const noexcept { return st_->job; }
    /// True after a successful async_shutdown.
    bool is_shut_down() const noexcept { return st_->shut_down; }
    /// The state-handle store underneath (root `<root>/jobs/<job id>/checkpoints`).
    const zookeeper_state_handle_store& state_handles() const noexcept { return st_->store; }

    boost::asio::awaitable<result<void>> async_shutdown(job_status status) const
    {
        return detail::zk_stores::with_cancellation_as_error(shutdown(st_, status));
    }

private:
    struct shared_state
    {
        shared_state(zookeeper_state_handle_store s, std::string r, job_id j, std::size_t m)
            : store(std::move(s))
            , root(std::move(r))
            , job(j)
            , max_retained(m)
        {}

        zookeeper_state_handle_store store;
        std::string root;
        job_id job;
        std::size_t max_retained;
        bool recovered = false;
        bool shut_down = false;
        /// The checkpoints this instance holds, by id ascending.
        std::vector<completed_checkpoint> retained;
    };
    using state_ptr = std::shared_ptr<shared_state>;

    static boost::asio::awaitable<result<std::vector<completed_checkpoint>>> recover(state_ptr st)
    {
        if (st->shut_down)
            co_return errc::closed;
        if (st->recovered)
            co_return st->retained;
        auto entries = co_await st->store.async_get_all_and_lock();
        if (!entries)
            co_return entries.error();
        std::vector<completed_checkpoint> recovered;
        for (auto& entry : entries.value())
        {
            auto id = zookeeper::parse_checkpoint_name(entry.name);
            auto checkpoint = zookeeper::decode_completed_checkpoint(entry.state);
            if (id && checkpoint && checkpoint.value().job == st->job && checkpoint.value().id == id.value())
                recovered.push_back(std::move(checkpoint.value()));
            else  // not a checkpoint of ours: skipped like corrupted data, and not kept locked
                (void)co_await st->store.async_release(entry.name);
        }
        std::sort(recovered.begin(), recovered.end(), [](const auto& a, const auto& b) {
            return a.id < b.id;
        });
        st->retained = std::move(recovered);
        st->recovered = true;
        co_return st->retained;
    }

    static boost::asio::awaitable<result<std::vector<completed_checkpoint>>> add(
        state_ptr st, completed_checkpoint checkpoint
    )
    {
        if (st->shut_down)
            co_return errc::closed;
        if (checkpoint.job != st->job || checkpoint.id < 0)
            co_return errc::invalid_argument;
        auto held = co_await recover(st);
        if (!held)
            co_return held.error();
        std::string name = zookeeper::checkpoint_name(checkpoint.id);
        std::string bytes = zookeeper::encode_completed_checkpoint(checkpoint);
        auto added = co_await st->store.async_add_and_lock(std::move(name), std::move(bytes));
        if (!added)
            co_return added.error();
        const auto at = std::upper_bound(
            st->retained.begin(),
            st->retained.end(),
            checkpoint.id,
            [](std::int64_t id, const completed_checkpoint& c) { return id < c.id; }
        );
        st->retained.insert(at, std::move(checkpoint));

        std::vector<completed_checkpoint> subsumed;
        while (st->retained.size() > st->max_retained)
        {
            subsumed.push_back(std::move(st->retained.front()));
            st->retained.erase(st->retained.begin());
            // Failing to remove leaves the entry (and maybe our lock) for the terminal shutdown.
            std::string oldest = zookeeper::checkpoint_name(subsumed.back().id);
            (void)co_await st->store.async_release_and_try_remove(std::move(oldest));
        }
        co_return subsumed;
    }

    static boost::asio::awaitable<result<std::optional<completed_checkpoint>>> latest(state_ptr st)
    {
        auto held = co_await recover(st);
        if (!held)
            co_return held.error();
        if (held.value().empty())
            co_return std::optional<completed_checkpoint>();
        co_return std::optional<completed_checkpoint>(std::move(held.value().back()));
    }

    static boost::asio::awaitable<result<void>> shutdown(state_ptr st, job_status status)
    {
        if (st->shut_down)
            co_return errc::closed;
        if (is_globally_terminal(status))
        {
            auto names = co_await st->store.async_names();
            if (!names)
                co_return names.error();
            error_code failure;
            for (const auto& name : names.value())
            {
                auto removed = co_await st->store.async_release_and_try_remove(name);
                if (!removed && !failure)
                    failure = removed.error();
            }
            if (failure)
                co_return failure;
            const auto client = st->store.client();
            co_await detail::zk_stores::remove_if_empty(client, st->store.root());
            co_await detail::zk_stores::remove_if_empty(
                client, detail::zk_stores::job_path(st->root, st->job)
            );
        }
        else
        {
            auto released = co_await st->store.async_release_all();
            if (!released)
                co_return released.error();
        }
        st->shut_down = true;
        st->retained.clear();
        co_return success();
    }

    state_ptr st_;
};

static_assert(completed_checkpoint_store<zookeeper_completed_checkpoint_store>);

HAKIT_NAMESPACE_END

#endif
