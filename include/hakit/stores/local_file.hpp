// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_LOCAL_FILE_HPP
#define HAKIT_STORES_LOCAL_FILE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/sha1.hpp>

#include <hakit/detail/config.hpp>

#include <boost/system/errc.hpp>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <string_view>
#include <system_error>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// The error for a local file that could not be opened: errc::not_found when it does not exist,
/// else a generic I/O error.
inline error_code local_file_open_error(const std::filesystem::path& file)
{
    std::error_code ec;
    if (!std::filesystem::exists(file, ec) && !ec)
        return errc::not_found;
    return boost::system::errc::make_error_code(boost::system::errc::io_error);
}

/// Reads a whole local file (blob stores copy users' files in and out).
inline result<std::string> read_local_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return local_file_open_error(file);
    std::string bytes;
    std::array<char, 64 * 1024> buffer;
    while (in)
    {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        bytes.append(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad())
        return boost::system::errc::make_error_code(boost::system::errc::io_error);
    return bytes;
}

/// Replaces a local file's content, creating missing parent directories.
inline result<void> write_local_file(const std::filesystem::path& file, std::string_view bytes)
{
    std::error_code ec;
    if (file.has_parent_path())
    {
        std::filesystem::create_directories(file.parent_path(), ec);
        if (ec)
            return error_code(ec);
    }
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    if (!out)
        return boost::system::errc::make_error_code(boost::system::errc::io_error);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out)
        return boost::system::errc::make_error_code(boost::system::errc::io_error);
    return success();
}

/// Removes a local file if it exists; failures are ignored (used on error paths).
inline void remove_local_file(const std::filesystem::path& file) noexcept
{
    std::error_code ignored;
    std::filesystem::remove(file, ignored);
}

/// SHA-1 of a local file's content, read in chunks.
inline result<sha1_digest> sha1_of_file(const std::filesystem::path& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
        return local_file_open_error(file);
    sha1_hasher hasher;
    std::array<char, 64 * 1024> buffer;
    while (in)
    {
        in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
        hasher.update(buffer.data(), static_cast<std::size_t>(in.gcount()));
    }
    if (in.bad())
        return boost::system::errc::make_error_code(boost::system::errc::io_error);
    return hasher.finish();
}

}  // namespace detail

HAKIT_NAMESPACE_END

#endif
