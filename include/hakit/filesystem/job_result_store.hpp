// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_JOB_RESULT_STORE_HPP
#define HAKIT_FILESYSTEM_JOB_RESULT_STORE_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/filesystem/atomic_file_writer.hpp>
#include <hakit/filesystem/job_result_json.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_result.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/awaitable.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <system_error>
#include <unistd.h>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// The synchronous part of filesystem_job_result_store: one directory of Flink job result files.
/// Every operation first creates the directory if needed (Flink creates it lazily on the first
/// operation), and describes a failure in `diag` (the path involved and what went wrong).
class job_result_directory
{
public:
    static constexpr std::string_view dirty_suffix = "_DIRTY.json";
    static constexpr std::string_view clean_suffix = ".json";

    job_result_directory(std::filesystem::path base, bool delete_on_commit)
        : base_(std::move(base))
        , delete_on_commit_(delete_on_commit)
    {}

    const std::filesystem::path& base() const noexcept { return base_; }
    bool delete_on_commit() const noexcept { return delete_on_commit_; }

    std::filesystem::path dirty_path(const job_id& id) const
    {
        return base_ / (id.to_string() + std::string(dirty_suffix));
    }
    std::filesystem::path clean_path(const job_id& id) const
    {
        return base_ / (id.to_string() + std::string(clean_suffix));
    }

    result<void> create_dirty(const job_result& r, diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(ensure_base(diag));
        const auto clean = clean_path(r.id);
        BOOST_OUTCOME_TRY(const bool clean_exists, exists(clean, diag));
        if (clean_exists)
        {
            diag.assign(clean.string() + ": the job already has a clean result entry");
            return errc::already_exists;
        }
        auto content = encode_job_result_entry(r);
        if (!content)
        {
            diag.assign("job " + r.id.to_string() + ": an accumulator name is not valid UTF-8");
            return content.error();
        }
        const auto dirty = dirty_path(r.id);
        auto written = write_file_atomically(dirty, content.value(), existing_target::keep);
        if (!written)
        {
            if (written.error() == errc::already_exists)
                diag.assign(dirty.string() + ": the job already has a dirty result entry");
            else
                diag.assign(dirty.string() + ": " + written.error().message());
            return written.error();
        }
        return success();
    }

    result<void> mark_clean(const job_id& id, diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(ensure_base(diag));
        const auto clean = clean_path(id);
        BOOST_OUTCOME_TRY(const bool already_clean, exists(clean, diag));
        if (already_clean)
            return success();
        const auto dirty = dirty_path(id);
        const int rc =
            delete_on_commit_ ? ::unlink(dirty.c_str()) : std::rename(dirty.c_str(), clean.c_str());
        if (rc != 0)
        {
            const auto ec = last_system_error();
            // Another store instance may have committed it between the check and the rename.
            if (is_no_such_file(ec) && !delete_on_commit_)
            {
                auto committed = path_exists(clean);
                if (committed && committed.value())
                    return success();
            }
            return failed(dirty, ec, diag);
        }
        auto synced = sync_directory(base_);
        if (!synced)
            return failed(base_, synced.error(), diag);
        return success();
    }

    result<bool> has_dirty(const job_id& id, diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(ensure_base(diag));
        return exists(dirty_path(id), diag);
    }

    result<bool> has_clean(const job_id& id, diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(ensure_base(diag));
        return exists(clean_path(id), diag);
    }

    result<bool> has_entry(const job_id& id, diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(const bool dirty, has_dirty(id, diag));
        if (dirty)
            return true;
        return exists(clean_path(id), diag);
    }

    /// Every `*_DIRTY.json` file, parsed, by job id ascending. A file that cannot be read or
    /// parsed, or whose content names another job than its file name, fails the whole listing
    /// (errc::corrupted_data, or the read error) and is left as it is.
    result<std::vector<job_result>> dirty_results(diagnostics& diag)
    {
        BOOST_OUTCOME_TRY(ensure_base(diag));
        std::vector<std::filesystem::path> files;
        std::error_code ec;
        std::filesystem::directory_iterator it(base_, ec);
        for (; !ec && it != std::filesystem::directory_iterator(); it.increment(ec))
        {
            const std::string name = it->path().filename().string();
            if (name.size() > dirty_suffix.size() && name.ends_with(dirty_suffix) &&
                !is_atomic_writer_temp_name(name))
                files.push_back(it->path());
        }
        if (ec)
            return failed(base_, to_error_code(ec), diag);
        std::sort(files.begin(), files.end());

        std::vector<job_result> results;
        results.reserve(files.size());
        for (const auto& file : files)
        {
            auto content = read_whole_file(file);
            if (!content)
                return failed(file, content.error(), diag);
            auto entry = decode_job_result_entry(content.value(), diag);
            if (!entry)
            {
                diag.assign(file.string() + ": " + diag.message());
                return entry.error();
            }
            const std::string name = file.filename().string();
            if (name != entry.value().id.to_string() + std::string(dirty_suffix))
            {
                diag.assign(file.string() + ": the entry is for job " + entry.value().id.to_string());
                return errc::corrupted_data;
            }
            results.push_back(std::move(entry).value());
        }
        std::sort(results.begin(), results.end(), [](const job_result& a, const job_result& b) {
            return a.id < b.id;
        });
        return results;
    }

private:
    static error_code failed(const std::filesystem::path& path, error_code ec, diagnostics& diag)
    {
        if (is_no_such_file(ec))
        {
            diag.assign(path.string() + ": no such result entry");
            return errc::not_found;
        }
        diag.assign(path.string() + ": " + ec.message());
        return ec;
    }

    static result<bool> exists(const std::filesystem::path& path, diagnostics& diag)
    {
        auto r = path_exists(path);
        if (!r)
            diag.assign(path.string() + ": " + r.error().message());
        return r;
    }

    result<void> ensure_base(diagnostics& diag) const
    {
        std::error_code ec;
        std::filesystem::create_directories(base_, ec);
        if (ec)
        {
            diag.assign(base_.string() + ": cannot create the job result store directory: " + ec.message());
            return to_error_code(ec);
        }
        return success();
    }

    std::filesystem::path base_;
    bool delete_on_commit_;
};

}  // namespace detail

/// Flink's FileSystemJobResultStore (semantics: hakit::job_result_store; flink-ha.md §4.1): one
/// JSON file per globally terminated job in a directory shared by all JobManagers of a cluster
/// (Flink's `job-result-store.storage-path`, by default `<storage dir>/job-result-store/<cluster
/// id>`). Files are Flink's, so Flink and hakit can share a store:
///
/// - dirty entry: `<base>/<job id>_DIRTY.json`, written atomically (temporary file in the same
///   directory, fsync, hard link or rename, directory fsync) and never over an existing entry;
/// - mark clean: with `delete_on_commit` (Flink's `job-result-store.delete-on-commit`, default
///   true) the dirty file is deleted, so the job leaves no entry at all (as in Flink: has_entry
///   is then false, marking it clean again is errc::not_found, and a new dirty entry may be
///   created); otherwise it is renamed to `<base>/<job id>.json`, which is what the job result
///   store contract describes.
///
/// The directory is created on the first operation, not by the constructor. A result file that
/// cannot be parsed makes async_dirty_results fail with errc::corrupted_data; the file is kept,
/// and last_diagnostics() names it. I/O failures are the system's error codes (a missing entry
/// where one is needed is errc::not_found).
///
/// Copies of a store are the same store. Operations run their file system calls on the calling
/// executor when awaited (none happens before); they are not thread-safe.
class filesystem_job_result_store
{
public:
    /// A store over `base_path`. `closed`, if set, is the owning ha_services' "closed" flag:
    /// once it is true every operation fails with errc::closed.
    explicit filesystem_job_result_store(
        std::filesystem::path base_path, bool delete_on_commit = true, std::shared_ptr<const bool> closed = {}
    )
        : state_(std::make_shared<state>(std::move(base_path), delete_on_commit, std::move(closed)))
    {}

    boost::asio::awaitable<result<void>> async_create_dirty(job_result r) const
    {
        return run<void>(state_, [r = std::move(r)](state& s) { return s.dir.create_dirty(r, s.diag); });
    }

    boost::asio::awaitable<result<void>> async_mark_clean(job_id id) const
    {
        return run<void>(state_, [id](state& s) { return s.dir.mark_clean(id, s.diag); });
    }

    boost::asio::awaitable<result<bool>> async_has_entry(job_id id) const
    {
        return run<bool>(state_, [id](state& s) { return s.dir.has_entry(id, s.diag); });
    }

    boost::asio::awaitable<result<bool>> async_has_dirty_entry(job_id id) const
    {
        return run<bool>(state_, [id](state& s) { return s.dir.has_dirty(id, s.diag); });
    }

    boost::asio::awaitable<result<bool>> async_has_clean_entry(job_id id) const
    {
        return run<bool>(state_, [id](state& s) { return s.dir.has_clean(id, s.diag); });
    }

    /// Every dirty entry, by job id ascending.
    boost::asio::awaitable<result<std::vector<job_result>>> async_dirty_results() const
    {
        return run<std::vector<job_result>>(state_, [](state& s) { return s.dir.dirty_results(s.diag); });
    }

    /// The directory holding the entries.
    const std::filesystem::path& base_path() const noexcept { return state_->dir.base(); }
    bool delete_on_commit() const noexcept { return state_->dir.delete_on_commit(); }
    /// Where the job's dirty entry lives (`<base>/<job id>_DIRTY.json`).
    std::filesystem::path dirty_path(const job_id& id) const { return state_->dir.dirty_path(id); }
    /// Where the job's clean entry lives (`<base>/<job id>.json`).
    std::filesystem::path clean_path(const job_id& id) const { return state_->dir.clean_path(id); }

    /// What went wrong in the last operation of this store (any copy) that failed: the file
    /// and the reason. Cleared when an operation starts.
    const diagnostics& last_diagnostics() const noexcept { return state_->diag; }

private:
    struct state
    {
        state(std::filesystem::path base, bool delete_on_commit, std::shared_ptr<const bool> closed_flag)
            : dir(std::move(base), delete_on_commit)
            , closed(std::move(closed_flag))
        {}

        detail::job_result_directory dir;
        std::shared_ptr<const bool> closed;
        diagnostics diag;
    };

    /// Runs `fn(state)` when awaited. Owns a reference to the state, so the handle may be gone by
    /// then.
    template <class T, class Fn>
    static boost::asio::awaitable<result<T>> run(std::shared_ptr<state> s, Fn fn)
    {
        s->diag.clear();
        if (s->closed && *s->closed)
            co_return errc::closed;
        co_return fn(*s);
    }

    std::shared_ptr<state> state_;
};

static_assert(job_result_store<filesystem_job_result_store>);

HAKIT_NAMESPACE_END

#endif
