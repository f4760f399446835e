// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_STAT_HPP
#define HAKIT_ZK_STAT_HPP

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// A znode's metadata (`Stat`, 68 bytes on the wire). Member order is wire order.
struct stat
{
    /// The zxid of the change that created the node.
    std::int64_t czxid = 0;
    /// The zxid of the last change to the node's data.
    std::int64_t mzxid = 0;
    /// Creation time, epoch milliseconds.
    std::int64_t ctime = 0;
    /// Last modification time, epoch milliseconds.
    std::int64_t mtime = 0;
    /// Number of changes to the data (the version setData/delete/check compare).
    std::int32_t version = 0;
    /// Number of changes to the children (creations and deletions): the next sequential suffix.
    std::int32_t cversion = 0;
    /// Number of changes to the ACL.
    std::int32_t aversion = 0;
    /// The owning session id for an ephemeral node; 0 for persistent; container and TTL nodes
    /// carry markers in the high byte (0x80 and 0xff).
    std::int64_t ephemeral_owner = 0;
    /// Length of the data in bytes.
    std::int32_t data_length = 0;
    /// Number of children.
    std::int32_t num_children = 0;
    /// The zxid of the last change to the children.
    std::int64_t pzxid = 0;

    friend bool operator==(const stat&, const stat&) = default;
};

/// Bytes of a Stat on the wire.
inline constexpr std::size_t stat_wire_size = 68;

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
