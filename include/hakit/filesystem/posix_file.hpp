// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_POSIX_FILE_HPP
#define HAKIT_FILESYSTEM_POSIX_FILE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <boost/system/errc.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/system_category.hpp>

#include <array>
#include <cerrno>
#include <cstddef>
#include <fcntl.h>
#include <filesystem>
#include <string>
#include <string_view>
#include <sys/stat.h>
#include <system_error>
#include <unistd.h>
#include <utility>

// The few POSIX file calls the file-system stores need and std::filesystem does not offer (fsync
// of files and directories, hard links, exclusive creation), with errno turned into error codes
// and EINTR retried. Nothing here throws except std::bad_alloc.

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// errno as an error code of the system category (comparable to boost::system::errc values).
inline error_code last_system_error() noexcept
{
    return error_code(errno, boost::system::system_category());
}

/// A std::error_code from std::filesystem as a boost::system::error_code.
inline error_code to_error_code(const std::error_code& ec) noexcept
{
    return error_code(ec);
}

/// True for "no such file or directory".
inline bool is_no_such_file(const error_code& ec) noexcept
{
    return ec == boost::system::errc::no_such_file_or_directory;
}

/// An owned file descriptor, closed on destruction.
class unique_fd
{
public:
    unique_fd() noexcept = default;
    explicit unique_fd(int fd) noexcept : fd_(fd) {}
    unique_fd(unique_fd&& other) noexcept : fd_(std::exchange(other.fd_, -1)) {}
    unique_fd& operator=(unique_fd&& other) noexcept
    {
        if (this != &other)
        {
            reset();
            fd_ = std::exchange(other.fd_, -1);
        }
        return *this;
    }
    unique_fd(const unique_fd&) = delete;
    unique_fd& operator=(const unique_fd&) = delete;
    ~unique_fd() { reset(); }

    int get() const noexcept { return fd_; }
    bool is_open() const noexcept { return fd_ >= 0; }

    /// Closes, ignoring errors (error paths).
    void reset() noexcept
    {
        if (fd_ >= 0)
            ::close(fd_);
        fd_ = -1;
    }

    /// Closes and reports close's error: some file systems only report write-back failures here.
    result<void> close() noexcept
    {
        const int fd = std::exchange(fd_, -1);
        if (fd >= 0 && ::close(fd) != 0 && errno != EINTR)
            return last_system_error();
        return success();
    }

private:
    int fd_ = -1;
};

/// open(2) with O_CLOEXEC, retried on EINTR.
inline result<unique_fd> open_file(const std::filesystem::path& path, int flags, ::mode_t mode = 0644)
{
    int fd = -1;
    do
        fd = ::open(path.c_str(), flags | O_CLOEXEC, mode);
    while (fd < 0 && errno == EINTR);
    if (fd < 0)
        return last_system_error();
    return unique_fd(fd);
}

/// read(2) of up to `size` bytes, retried on EINTR; 0 at the end of the file.
inline result<std::size_t> read_some(int fd, char* buffer, std::size_t size) noexcept
{
    ::ssize_t n = 0;
    do
        n = ::read(fd, buffer, size);
    while (n < 0 && errno == EINTR);
    if (n < 0)
        return last_system_error();
    return static_cast<std::size_t>(n);
}

/// Writes all of `bytes`, across short writes and EINTR.
inline result<void> write_all(int fd, std::string_view bytes) noexcept
{
    while (!bytes.empty())
    {
        const ::ssize_t n = ::write(fd, bytes.data(), bytes.size());
        if (n < 0)
        {
            if (errno == EINTR)
                continue;
            return last_system_error();
        }
        bytes.remove_prefix(static_cast<std::size_t>(n));
    }
    return success();
}

/// fsync(2), retried on EINTR.
inline result<void> sync_file(int fd) noexcept
{
    int rc = 0;
    do
        rc = ::fsync(fd);
    while (rc != 0 && errno == EINTR);
    if (rc != 0)
        return last_system_error();
    return success();
}

/// Makes a directory's entries durable (after a create, rename or link in it). File systems that
/// cannot sync a directory (EINVAL) count as success.
inline result<void> sync_directory(const std::filesystem::path& dir)
{
    BOOST_OUTCOME_TRY(
        auto fd, open_file(dir.empty() ? std::filesystem::path(".") : dir, O_RDONLY | O_DIRECTORY)
    );
    auto synced = sync_file(fd.get());
    if (!synced && synced.error() != boost::system::errc::invalid_argument)
        return synced.error();
    return success();
}

/// Whether something exists at `path` (lstat: a dangling symlink exists). Errors other than
/// "no such file" are reported.
inline result<bool> path_exists(const std::filesystem::path& path) noexcept
{
    struct ::stat st
    {};
    if (::lstat(path.c_str(), &st) == 0)
        return true;
    if (errno == ENOENT)
        return false;
    return last_system_error();
}

/// Reads a whole file.
inline result<std::string> read_whole_file(const std::filesystem::path& path)
{
    BOOST_OUTCOME_TRY(auto fd, open_file(path, O_RDONLY));
    std::string bytes;
    std::array<char, 64 * 1024> buffer;
    for (;;)
    {
        BOOST_OUTCOME_TRY(const std::size_t n, read_some(fd.get(), buffer.data(), buffer.size()));
        if (n == 0)
            break;
        bytes.append(buffer.data(), n);
    }
    return bytes;
}

/// Removes a file; a missing file is success.
inline result<void> remove_file(const std::filesystem::path& path) noexcept
{
    if (::unlink(path.c_str()) != 0 && errno != ENOENT)
        return last_system_error();
    return success();
}

/// Removes a directory if it is empty; every failure (not empty, missing, ...) is ignored
/// (Flink's best-effort cleanup of empty parents).
inline void remove_directory_if_empty(const std::filesystem::path& dir) noexcept
{
    (void)::rmdir(dir.c_str());
}

}  // namespace detail

HAKIT_NAMESPACE_END

#endif
