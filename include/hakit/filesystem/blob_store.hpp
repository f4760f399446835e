// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_BLOB_STORE_HPP
#define HAKIT_FILESYSTEM_BLOB_STORE_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/filesystem/atomic_file_writer.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/local_file.hpp>
#include <hakit/stores/sha1.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <array>
#include <cstddef>
#include <fcntl.h>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// The synchronous part of filesystem_blob_store: Flink's blob layout under one directory.
/// Failures are described in `diag` (the path involved and what went wrong).
class blob_directory
{
public:
    explicit blob_directory(std::filesystem::path storage_path)
        : storage_(std::move(storage_path))
        , base_(storage_ / "blob")
    {}

    const std::filesystem::path& storage_path() const noexcept { return storage_; }
    const std::filesystem::path& base() const noexcept { return base_; }

    /// `<base>/job_<job id>` or `<base>/no_job` (Flink's BlobUtils.getStorageLocationPath).
    std::filesystem::path job_directory(const std::optional<job_id>& job) const
    {
        return job ? base_ / ("job_" + job->to_string()) : base_ / "no_job";
    }

    /// `<job directory>/blob_<key>`.
    std::filesystem::path blob_path(const std::optional<job_id>& job, const blob_key& key) const
    {
        return job_directory(job) / ("blob_" + key.to_string());
    }

    result<void> put(
        const std::filesystem::path& local_file,
        const std::optional<job_id>& job,
        const blob_key& key,
        diagnostics& diag
    )
    {
        auto source = open_file(local_file, O_RDONLY);
        if (!source)
            return failed(local_file, source.error(), diag);
        const auto dir = job_directory(job);
        std::error_code ec;
        std::filesystem::create_directories(dir, ec);
        if (ec)
            return failed(dir, to_error_code(ec), diag);

        const auto target = blob_path(job, key);
        auto writer = atomic_file_writer::create(target);
        if (!writer)
            return failed(target, writer.error(), diag);
        std::array<char, 64 * 1024> buffer;
        for (;;)
        {
            auto n = read_some(source.value().get(), buffer.data(), buffer.size());
            if (!n)
                return failed(local_file, n.error(), diag);
            if (n.value() == 0)
                break;
            auto written = writer.value().write(std::string_view(buffer.data(), n.value()));
            if (!written)
                return failed(writer.value().temp_path(), written.error(), diag);
        }
        auto committed = writer.value().commit(existing_target::replace);
        if (!committed)
            return failed(target, committed.error(), diag);
        return success();
    }

    result<void> get(
        const std::optional<job_id>& job,
        const blob_key& key,
        const std::filesystem::path& local_file,
        diagnostics& diag
    )
    {
        const auto stored = blob_path(job, key);
        auto source = open_file(stored, O_RDONLY);
        if (!source)
            return failed(stored, source.error(), diag);
        if (local_file.has_parent_path())
        {
            std::error_code ec;
            std::filesystem::create_directories(local_file.parent_path(), ec);
            if (ec)
                return failed(local_file.parent_path(), to_error_code(ec), diag);
        }
        auto target = open_file(local_file, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (!target)
            return failed(local_file, target.error(), diag);

        auto copied = copy_hashing(source.value(), stored, target.value(), local_file, diag);
        if (!copied)
        {
            target.value().reset();
            remove_local_file(local_file);
            return copied.error();
        }
        if (copied.value() != key.hash())
        {
            remove_local_file(local_file);
            diag.assign(
                stored.string() + ": detected data corruption (content does not match the SHA-1 of " +
                key.to_string() + ")"
            );
            return errc::corrupted_data;
        }
        return success();
    }

    /// Deletes one blob (missing: success), then removes its job directory and the blob
    /// directory if they are empty.
    result<void> remove(const std::optional<job_id>& job, const blob_key& key, diagnostics& diag)
    {
        const auto path = blob_path(job, key);
        auto removed = remove_file(path);
        remove_directory_if_empty(job_directory(job));
        remove_directory_if_empty(base_);
        if (!removed)
            return failed(path, removed.error(), diag);
        return success();
    }

    /// Deletes a job's directory with every blob in it, then the blob directory if empty.
    result<void> remove_job(const job_id& job, diagnostics& diag)
    {
        const auto dir = job_directory(job);
        std::error_code ec;
        std::filesystem::remove_all(dir, ec);
        remove_directory_if_empty(base_);
        if (ec)
            return failed(dir, to_error_code(ec), diag);
        return success();
    }

    /// Deletes the blob directory with everything in it.
    result<void> remove_all(diagnostics& diag)
    {
        std::error_code ec;
        std::filesystem::remove_all(base_, ec);
        if (ec)
            return failed(base_, to_error_code(ec), diag);
        return success();
    }

private:
    static error_code failed(const std::filesystem::path& path, error_code ec, diagnostics& diag)
    {
        if (is_no_such_file(ec))
        {
            diag.assign(path.string() + ": no such file");
            return errc::not_found;
        }
        diag.assign(path.string() + ": " + ec.message());
        return ec;
    }

    /// Copies `from` to `to` and returns the SHA-1 of what was copied.
    static result<sha1_digest> copy_hashing(
        const unique_fd& from,
        const std::filesystem::path& from_path,
        unique_fd& to,
        const std::filesystem::path& to_path,
        diagnostics& diag
    )
    {
        sha1_hasher hasher;
        std::array<char, 64 * 1024> buffer;
        for (;;)
        {
            auto n = read_some(from.get(), buffer.data(), buffer.size());
            if (!n)
                return failed(from_path, n.error(), diag);
            if (n.value() == 0)
                break;
            hasher.update(buffer.data(), n.value());
            auto written = write_all(to.get(), std::string_view(buffer.data(), n.value()));
            if (!written)
                return failed(to_path, written.error(), diag);
        }
        auto closed = to.close();
        if (!closed)
            return failed(to_path, closed.error(), diag);
        return hasher.finish();
    }

    std::filesystem::path storage_;
    std::filesystem::path base_;
};

}  // namespace detail

/// Flink's FileSystemBlobStore (semantics: hakit::blob_store; flink-ha.md §4.2): blobs as files
/// under the cluster's HA storage directory (`high-availability.storageDir/<cluster id>`), in
/// Flink's layout, so Flink and hakit can share it:
///
///   <storage path>/blob/job_<job id>/blob_<key>    blobs of a job
///   <storage path>/blob/no_job/blob_<key>          blobs of no job
///
/// - `async_put` copies the local file into a temporary file next to the blob, fsyncs it and
///   renames it over the blob (readers never see a partial blob); a missing local file is
///   errc::not_found.
/// - `async_get` copies the blob out while computing its SHA-1; if that differs from the key's
///   hash the local copy is deleted and the result is errc::corrupted_data (the stored file is
///   kept for inspection); a missing blob is errc::not_found.
/// - `async_delete` / `async_delete_all` remove one blob / a job's directory, then, best effort,
///   the parents that became empty (as Flink does).
/// - `async_cleanup_all` removes `<storage path>/blob` recursively.
///
/// Directories are created when a blob is first put, not by the constructor. I/O failures are
/// the system's error codes; last_diagnostics() names the file. Copies of a store are the same
/// store. Operations run their file system calls on the calling executor when awaited; they are
/// not thread-safe.
class filesystem_blob_store
{
public:
    /// A store under `storage_path` (blobs go to `<storage_path>/blob`). `closed`, if set, is the
    /// owning ha_services' "closed" flag: once it is true every operation fails with errc::closed.
    explicit filesystem_blob_store(
        std::filesystem::path storage_path, std::shared_ptr<const bool> closed = {}
    )
        : state_(std::make_shared<state>(std::move(storage_path), std::move(closed)))
    {}

    boost::asio::awaitable<result<void>> async_put(
        std::filesystem::path local_file, std::optional<job_id> job, blob_key key
    ) const
    {
        return run(state_, [local_file = std::move(local_file), job, key](state& s) {
            return s.dir.put(local_file, job, key, s.diag);
        });
    }

    boost::asio::awaitable<result<void>> async_get(
        std::optional<job_id> job, blob_key key, std::filesystem::path local_file
    ) const
    {
        return run(state_, [local_file = std::move(local_file), job, key](state& s) {
            return s.dir.get(job, key, local_file, s.diag);
        });
    }

    boost::asio::awaitable<result<void>> async_delete(std::optional<job_id> job, blob_key key) const
    {
        return run(state_, [job, key](state& s) { return s.dir.remove(job, key, s.diag); });
    }

    boost::asio::awaitable<result<void>> async_delete_all(job_id job) const
    {
        return run(state_, [job](state& s) { return s.dir.remove_job(job, s.diag); });
    }

    boost::asio::awaitable<result<void>> async_cleanup_all() const
    {
        return run(state_, [](state& s) { return s.dir.remove_all(s.diag); });
    }

    /// The storage path given to the constructor.
    const std::filesystem::path& storage_path() const noexcept { return state_->dir.storage_path(); }
    /// `<storage path>/blob`, the directory holding every blob.
    const std::filesystem::path& base_path() const noexcept { return state_->dir.base(); }
    /// Where the blob (job, key) is stored.
    std::filesystem::path blob_path(const std::optional<job_id>& job, const blob_key& key) const
    {
        return state_->dir.blob_path(job, key);
    }

    /// What went wrong in the last operation of this store (any copy) that failed: the file
    /// and the reason. Cleared when an operation starts.
    const diagnostics& last_diagnostics() const noexcept { return state_->diag; }

private:
    struct state
    {
        state(std::filesystem::path storage_path, std::shared_ptr<const bool> closed_flag)
            : dir(std::move(storage_path))
            , closed(std::move(closed_flag))
        {}

        detail::blob_directory dir;
        std::shared_ptr<const bool> closed;
        diagnostics diag;
    };

    /// Runs `fn(state)` when awaited. Owns a reference to the state, so the handle may be gone by
    /// then.
    template <class Fn>
    static boost::asio::awaitable<result<void>> run(std::shared_ptr<state> s, Fn fn)
    {
        s->diag.clear();
        if (s->closed && *s->closed)
            co_return errc::closed;
        co_return fn(*s);
    }

    std::shared_ptr<state> state_;
};

static_assert(blob_store<filesystem_blob_store>);

HAKIT_NAMESPACE_END

#endif
