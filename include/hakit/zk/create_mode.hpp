// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_CREATE_MODE_HPP
#define HAKIT_ZK_CREATE_MODE_HPP

#include <hakit/result.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/op_code.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// How a node is created (`CreateMode`); the value is `CreateRequest.flags`.
enum class create_mode : std::int32_t
{
    persistent = 0,
    ephemeral = 1,
    persistent_sequential = 2,
    ephemeral_sequential = 3,
    /// Deleted by the server once it had children and lost them all (op create_container).
    container = 4,
    /// Deleted by the server after the TTL without changes and children (op create_ttl).
    persistent_with_ttl = 5,
    persistent_sequential_with_ttl = 6,
};

/// Bits of `CreateRequest.flags` (the C API's names).
namespace create_flags {
inline constexpr std::int32_t ephemeral = 1;
inline constexpr std::int32_t sequence = 2;
inline constexpr std::int32_t container = 4;
}  // namespace create_flags

constexpr std::int32_t to_flags(create_mode m) noexcept
{
    return static_cast<std::int32_t>(m);
}

/// The create mode of a flags value; anything outside 0..6 is bad_arguments.
constexpr result<create_mode> create_mode_from_flags(std::int32_t flags) noexcept
{
    if (flags < 0 || flags > 6)
        return error::bad_arguments;
    return static_cast<create_mode>(flags);
}

constexpr bool is_ephemeral(create_mode m) noexcept
{
    return m == create_mode::ephemeral || m == create_mode::ephemeral_sequential;
}

constexpr bool is_sequential(create_mode m) noexcept
{
    return m == create_mode::persistent_sequential || m == create_mode::ephemeral_sequential ||
           m == create_mode::persistent_sequential_with_ttl;
}

constexpr bool is_container(create_mode m) noexcept
{
    return m == create_mode::container;
}

constexpr bool is_ttl(create_mode m) noexcept
{
    return m == create_mode::persistent_with_ttl || m == create_mode::persistent_sequential_with_ttl;
}

/// The op code Java's `ZooKeeper.create` sends for a mode: create_container for containers,
/// create_ttl for TTL modes, otherwise create2 when the caller wants the new node's Stat and
/// create when it does not.
constexpr op_code create_op_for(create_mode m, bool want_stat) noexcept
{
    if (is_container(m))
        return op_code::create_container;
    if (is_ttl(m))
        return op_code::create_ttl;
    return want_stat ? op_code::create2 : op_code::create;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
