// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_RESULTS_HPP
#define HAKIT_ZK_RESULTS_HPP

#include <hakit/zk/jute.hpp>
#include <hakit/zk/stat.hpp>
#include <hakit/zk/watch.hpp>

#include <hakit/detail/config.hpp>

#include <optional>
#include <string>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// What client::async_get_data returns.
struct node_data
{
    bytes data;
    zk::stat stat;
    /// Set if a watch was requested (fires on data change or deletion).
    zk::watch watch;
};

/// What client::async_exists returns: the Stat if the node exists. A requested watch is set in
/// both cases (fires on creation, data change or deletion).
struct node_exists
{
    std::optional<zk::stat> stat;
    zk::watch watch;

    bool exists() const noexcept { return stat.has_value(); }
};

/// What client::async_get_children / async_get_children2 return: the children's names (not paths),
/// in the server's order (unsorted), and, for getChildren2, the parent's Stat.
struct node_children
{
    std::vector<std::string> children;
    std::optional<zk::stat> stat;
    /// Set if a watch was requested (fires on a child created or deleted, or the node deleted).
    zk::watch watch;
};

/// What client::async_create2 returns: the actual path (with a sequential suffix, chroot
/// stripped) and the new node's Stat.
struct created_node
{
    std::string path;
    zk::stat stat;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
