// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_ATOMIC_FILE_WRITER_HPP
#define HAKIT_FILESYSTEM_ATOMIC_FILE_WRITER_HPP

#include <hakit/error.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/hex.hpp>

#include <boost/system/errc.hpp>
#include <boost/uuid/random_generator.hpp>

#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// What atomic_file_writer::commit does when the target already exists.
enum class existing_target
{
    /// Replace it atomically (rename).
    replace,
    /// Keep it and fail with errc::already_exists (Flink's WriteMode.NO_OVERWRITE).
    keep,
};

/// True for the names of atomic_file_writer's temporary files (".<target name>.<random>.tmp"), so
/// that directory listings can skip them (a crash may leave one behind).
inline bool is_atomic_writer_temp_name(std::string_view name) noexcept
{
    return name.size() > 5 && name.front() == '.' && name.substr(name.size() - 4) == ".tmp";
}

/// Writes a file so that readers see either nothing (or the old content) or all of the new
/// content, also after a crash: the bytes go to a temporary file in the target's directory, which
/// is fsynced and then renamed (or hard-linked, to refuse an existing target) onto the target,
/// and the directory is fsynced. An uncommitted writer removes its temporary file.
///
/// The target's directory must exist. Failures are error codes; the target is never partly
/// written.
class atomic_file_writer
{
public:
    /// Creates the temporary file for `target`.
    static result<atomic_file_writer> create(std::filesystem::path target)
    {
        atomic_file_writer writer;
        writer.temp_ = temp_path_for(target);
        writer.target_ = std::move(target);
        auto fd = open_file(writer.temp_, O_WRONLY | O_CREAT | O_EXCL, 0644);
        if (!fd)
            return fd.error();
        writer.fd_ = std::move(fd).value();
        writer.pending_ = true;
        return writer;
    }

    atomic_file_writer(atomic_file_writer&& other) noexcept
        : fd_(std::move(other.fd_))
        , target_(std::move(other.target_))
        , temp_(std::move(other.temp_))
        , pending_(std::exchange(other.pending_, false))
    {}
    atomic_file_writer& operator=(atomic_file_writer&& other) noexcept
    {
        if (this != &other)
        {
            abandon();
            fd_ = std::move(other.fd_);
            target_ = std::move(other.target_);
            temp_ = std::move(other.temp_);
            pending_ = std::exchange(other.pending_, false);
        }
        return *this;
    }
    atomic_file_writer(const atomic_file_writer&) = delete;
    atomic_file_writer& operator=(const atomic_file_writer&) = delete;
    ~atomic_file_writer() { abandon(); }

    /// Appends bytes to the temporary file.
    result<void> write(std::string_view bytes) noexcept
    {
        if (!pending_)
            return errc::closed;
        return write_all(fd_.get(), bytes);
    }

    /// Makes the written bytes the target's content: fsync and close the temporary file, move it
    /// onto the target, fsync the directory. With existing_target::keep an existing target is
    /// errc::already_exists (checked atomically with a hard link where the file system has
    /// them). On any failure the temporary file is removed and the target is untouched, except
    /// when only the final directory fsync failed (the new content is then in place).
    result<void> commit(existing_target mode)
    {
        if (!pending_)
            return errc::closed;
        auto moved = move_into_place(mode);
        if (!moved)
        {
            abandon();
            return moved.error();
        }
        pending_ = false;
        return sync_directory(target_.parent_path());
    }

    /// Drops the temporary file without touching the target (also what the destructor does).
    void abandon() noexcept
    {
        fd_.reset();
        if (std::exchange(pending_, false))
            (void)::unlink(temp_.c_str());
    }

    const std::filesystem::path& target() const noexcept { return target_; }
    const std::filesystem::path& temp_path() const noexcept { return temp_; }

private:
    atomic_file_writer() = default;

    static std::filesystem::path temp_path_for(const std::filesystem::path& target)
    {
        thread_local boost::uuids::random_generator generator;
        const auto u = generator();
        std::string name = ".";
        name += target.filename().string();
        name += '.';
        append_hex(name, u.data, 8);
        name += ".tmp";
        return target.parent_path() / name;
    }

    result<void> move_into_place(existing_target mode)
    {
        BOOST_OUTCOME_TRY(sync_file(fd_.get()));
        BOOST_OUTCOME_TRY(fd_.close());
        if (mode == existing_target::replace)
        {
            if (std::rename(temp_.c_str(), target_.c_str()) != 0)
                return last_system_error();
            return success();
        }
        // link(2) fails with EEXIST instead of replacing: an atomic "create if absent".
        if (::link(temp_.c_str(), target_.c_str()) == 0)
        {
            (void)::unlink(temp_.c_str());
            return success();
        }
        const int error = errno;
        if (error == EEXIST)
            return errc::already_exists;
        if (error != EPERM && error != ENOTSUP && error != EOPNOTSUPP && error != EMLINK && error != ENOSYS)
        {
            errno = error;
            return last_system_error();
        }
        // No hard links on this file system: check, then rename (not atomic against a
        // concurrent writer of the same target).
        BOOST_OUTCOME_TRY(const bool exists, path_exists(target_));
        if (exists)
            return errc::already_exists;
        if (std::rename(temp_.c_str(), target_.c_str()) != 0)
            return last_system_error();
        return success();
    }

    unique_fd fd_;
    std::filesystem::path target_;
    std::filesystem::path temp_;
    bool pending_ = false;
};

/// Writes `bytes` to `target` atomically (see atomic_file_writer).
inline result<void> write_file_atomically(
    const std::filesystem::path& target, std::string_view bytes, existing_target mode
)
{
    BOOST_OUTCOME_TRY(auto writer, atomic_file_writer::create(target));
    BOOST_OUTCOME_TRY(writer.write(bytes));
    return writer.commit(mode);
}

}  // namespace detail

HAKIT_NAMESPACE_END

#endif
