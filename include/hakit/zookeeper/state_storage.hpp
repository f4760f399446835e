// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_STATE_STORAGE_HPP
#define HAKIT_ZOOKEEPER_STATE_STORAGE_HPP

#include <hakit/error.hpp>
#include <hakit/filesystem/atomic_file_writer.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/sha1.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/hex.hpp>

#include <boost/uuid/random_generator.hpp>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

// Where the ZooKeeper state-handle store keeps state bytes (Flink's FileSystemStateStorageHelper,
// flink-ha.md §2.5): one file per stored state under the HA storage directory
// (`<storageDir>/<cluster-id>`); the znode only holds a small state_handle naming the file.

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// Names one stored state: its file, and the size and SHA-1 of its bytes so that reading it back
/// detects a truncated, replaced or damaged file.
struct state_handle
{
    std::filesystem::path file;
    std::uint64_t size = 0;
    ::hakit::detail::sha1_digest sha1{};

    friend bool operator==(const state_handle&, const state_handle&) = default;
};

/// The bytes a state_handle is stored as (the znode's data). hakit's own compact format; Flink
/// stores a Java-serialized handle instead, so the two cannot read each other's entries:
///
///     offset  size  field
///          0     4  magic "hkSH"
///          4     1  format version, 1
///          5     8  size of the state in bytes, unsigned big-endian
///         13    20  SHA-1 of the state
///         33     n  the file's path (its native string, absolute if the storage directory is),
///                   1 <= n <= max_state_handle_path_size, no NUL byte
inline constexpr std::size_t state_handle_header_size = 33;
/// The longest file path a state_handle may carry (PATH_MAX on Linux).
inline constexpr std::size_t max_state_handle_path_size = 4096;

/// The first four bytes of an encoded state_handle.
inline constexpr std::uint8_t state_handle_magic[4] = {'h', 'k', 'S', 'H'};
/// The format version encode_state_handle writes and decode_state_handle accepts.
inline constexpr std::uint8_t state_handle_version = 1;

/// Encodes `handle` (see state_handle_header_size for the layout).
inline std::vector<std::uint8_t> encode_state_handle(const state_handle& handle)
{
    // Sized once and filled by index (appending after reserve() trips a GCC 12 -O3
    // -Wstringop-overflow false positive).
    const std::string& path = handle.file.native();
    std::vector<std::uint8_t> out(state_handle_header_size + path.size());
    for (std::size_t i = 0; i < 4; ++i)
        out[i] = state_handle_magic[i];
    out[4] = state_handle_version;
    for (std::size_t i = 0; i < 8; ++i)
        out[5 + i] = static_cast<std::uint8_t>(handle.size >> (56 - 8 * i));
    for (std::size_t i = 0; i < handle.sha1.size(); ++i)
        out[13 + i] = handle.sha1[i];
    for (std::size_t i = 0; i < path.size(); ++i)
        out[state_handle_header_size + i] = static_cast<std::uint8_t>(path[i]);
    return out;
}

/// Decodes what encode_state_handle wrote; anything else (wrong magic or version, too short, an
/// empty, oversized or NUL-containing path) is errc::corrupted_data.
inline result<state_handle> decode_state_handle(std::span<const std::uint8_t> bytes)
{
    if (bytes.size() <= state_handle_header_size ||
        bytes.size() > state_handle_header_size + max_state_handle_path_size)
        return errc::corrupted_data;
    for (std::size_t i = 0; i < 4; ++i)
        if (bytes[i] != state_handle_magic[i])
            return errc::corrupted_data;
    if (bytes[4] != state_handle_version)
        return errc::corrupted_data;
    state_handle handle;
    for (std::size_t i = 5; i < 13; ++i)
        handle.size = (handle.size << 8) | bytes[i];
    for (std::size_t i = 0; i < handle.sha1.size(); ++i)
        handle.sha1[i] = bytes[13 + i];
    std::string path(bytes.begin() + state_handle_header_size, bytes.end());
    if (path.find('\0') != std::string::npos)
        return errc::corrupted_data;
    handle.file = std::filesystem::path(std::move(path));
    return handle;
}

/// 32 random lowercase hex digits (the random part of a state file's name).
inline std::string random_state_file_suffix()
{
    thread_local boost::uuids::random_generator generator;
    const auto u = generator();
    std::string s;
    s.reserve(32);
    ::hakit::detail::append_hex(s, u.data, 16);
    return s;
}

/// Stores state bytes as files `<directory>/<prefix><32 random hex digits>` (Flink's
/// FileSystemStateStorageHelper; prefixes "submittedJobGraph", "completedCheckpoint").
///
/// store() writes atomically and never overwrites (hakit::detail::write_file_atomically with
/// existing_target::keep, Flink's NO_OVERWRITE): the bytes go to a hidden temporary file in the
/// same directory, which is fsync'ed and then moved to the final name without replacing (a hard
/// link), and the directory is fsync'ed; a name that exists already is retried with a new random
/// name, up to max_store_attempts times. A reader sees either no file or the complete one.
///
/// The directory is created on the first store(). File I/O is synchronous (the states are small:
/// Flink's handles point at KB-sized files). Copies share nothing but the directory; any number of
/// instances and processes may use the same directory.
class state_storage
{
public:
    /// How many random names store() tries before it gives up with errc::already_exists.
    static constexpr int max_store_attempts = 10;

    state_storage(std::filesystem::path directory, std::string prefix)
        : directory_(std::move(directory))
        , prefix_(std::move(prefix))
    {}

    const std::filesystem::path& directory() const noexcept { return directory_; }
    const std::string& prefix() const noexcept { return prefix_; }

    /// Writes `state` to a new file and returns its handle. Fails with the system error of the
    /// step that failed (nothing is left behind then).
    result<state_handle> store(std::string_view state) const
    {
        std::error_code fs_ec;
        std::filesystem::create_directories(directory_, fs_ec);
        if (fs_ec)
            return error_code(fs_ec);
        error_code ec = errc::already_exists;
        for (int attempt = 0; attempt < max_store_attempts && ec == errc::already_exists; ++attempt)
        {
            auto target = directory_ / (prefix_ + random_state_file_suffix());
            auto written =
                ::hakit::detail::write_file_atomically(target, state, ::hakit::detail::existing_target::keep);
            if (written)
                return state_handle{std::move(target), state.size(), ::hakit::detail::sha1_of(state)};
            ec = written.error();
        }
        return ec;
    }

    /// Reads the state back. A missing file, or one whose size or SHA-1 differs from the handle's,
    /// is errc::corrupted_data; other I/O failures are their system error.
    result<std::string> retrieve(const state_handle& handle) const
    {
        auto bytes = ::hakit::detail::read_whole_file(handle.file);
        if (!bytes)
            return ::hakit::detail::is_no_such_file(bytes.error()) ? error_code(errc::corrupted_data)
                                                                   : bytes.error();
        if (bytes.value().size() != handle.size || ::hakit::detail::sha1_of(bytes.value()) != handle.sha1)
            return errc::corrupted_data;
        return std::move(bytes.value());
    }

    /// Deletes the state's file; a missing file is success (discarding is repeatable).
    result<void> discard(const state_handle& handle) const
    {
        return ::hakit::detail::remove_file(handle.file);
    }

private:
    std::filesystem::path directory_;
    std::string prefix_;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
