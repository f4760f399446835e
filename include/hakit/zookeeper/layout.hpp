// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_LAYOUT_HPP
#define HAKIT_ZOOKEEPER_LAYOUT_HPP

#include <hakit/component_id.hpp>
#include <hakit/config.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/zk/path.hpp>

#include <hakit/detail/config.hpp>

#include <algorithm>
#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

// Where the ZooKeeper backend keeps a cluster's election and retrieval nodes: Flink's tree
// (flink-ha.md §2.2), so that a hakit process and a Flink JobManager can follow each other.
//
//   <path.root>/<cluster-id>                     the namespace, e.g. /flink/default (persistent)
//     leader/                                    persistent
//       latch/                                   container: the leader latch of all processes
//         _c_<uuid>-latch-<10-digit sequence>    EPHEMERAL_SEQUENTIAL, one per contending process
//       <component>/                             persistent (dispatcher, resource_manager, ...)
//         connection_info                        EPHEMERAL, owned by the leader's ZooKeeper session

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// The lock name of Curator's LeaderLatch: latch nodes are `<protected prefix>latch-<sequence>`.
inline constexpr std::string_view latch_lock_name = "latch-";

/// The name of the node holding a component's leader information.
inline constexpr std::string_view connection_info_name = "connection_info";

/// The name of the latch directory below `leader/`.
inline constexpr std::string_view latch_directory_name = "latch";

/// The paths of one cluster's election and retrieval nodes below its namespace.
class layout
{
public:
    /// The namespace `/flink/default` (Flink's defaults).
    layout() : namespace_("/flink/default"), job_graphs_("/flink/default/jobgraphs") {}

    /// A layout below `namespace_path`, an absolute ZooKeeper path ("/" allowed), with the job
    /// graphs at `job_graphs` below it (Flink's `path.jobgraphs`, slashes normalised as by
    /// zookeeper_path_join). A namespace that is not a valid node path (zk::validate_path), or a
    /// job graph path that does not make one, is errc::invalid_config.
    static result<layout> make(std::string namespace_path, std::string_view job_graphs = "/jobgraphs")
    {
        if (zk::validate_path(namespace_path))
            return errc::invalid_config;
        layout out;
        out.job_graphs_ = zookeeper_path_join({namespace_path, job_graphs});
        if (zk::validate_path(out.job_graphs_))
            return errc::invalid_config;
        out.namespace_ = std::move(namespace_path);
        return out;
    }

    /// The layout Flink derives from `high-availability.zookeeper.path.root`,
    /// `high-availability.cluster-id` (hakit::zookeeper_namespace) and
    /// `high-availability.zookeeper.path.jobgraphs`.
    static result<layout> from(const ha_options& options)
    {
        return make(zookeeper_namespace(options), options.zookeeper.jobgraphs_path);
    }

    /// The namespace, e.g. `/flink/default`.
    const std::string& namespace_path() const noexcept { return namespace_; }
    /// Where the job graphs live, `<namespace>/jobgraphs` by default.
    const std::string& job_graphs_path() const noexcept { return job_graphs_; }
    /// `<namespace>/leader`.
    std::string leader_path() const { return child(namespace_, "leader"); }
    /// `<namespace>/leader/latch`, the parent of every latch node.
    std::string latch_path() const { return child(leader_path(), latch_directory_name); }
    /// `<namespace>/leader/latch/<name>`.
    std::string latch_node_path(std::string_view name) const { return child(latch_path(), name); }
    /// `<namespace>/leader/<component>`.
    std::string component_path(const component_id& component) const
    {
        return child(leader_path(), component.str());
    }
    /// `<namespace>/leader/<component>/connection_info`.
    std::string connection_info_path(const component_id& component) const
    {
        return child(component_path(component), connection_info_name);
    }

    /// `parent/name`, with no doubled slash below the root.
    static std::string child(std::string_view parent, std::string_view name)
    {
        std::string out(parent);
        if (out.empty() || out.back() != '/')
            out += '/';
        out += name;
        return out;
    }

    /// The ancestors of `path` from the top down, without "/" and without `path` itself:
    /// `/a/b/c` → `/a`, `/a/b`.
    static std::vector<std::string> ancestors(std::string_view path)
    {
        std::vector<std::string> out;
        for (std::size_t at = path.find('/', 1); at != std::string_view::npos; at = path.find('/', at + 1))
            out.emplace_back(path.substr(0, at));
        return out;
    }

    /// The last segment of `path` (the whole string if it has no '/').
    static std::string_view basename(std::string_view path) noexcept
    {
        const auto at = path.rfind('/');
        return at == std::string_view::npos ? path : path.substr(at + 1);
    }

    friend bool operator==(const layout&, const layout&) = default;

private:
    std::string namespace_;
    std::string job_graphs_;
};

/// Curator's protected-mode prefix `_c_<uuid>-` (ProtectedUtils): a node created under it can be
/// found again after a create whose outcome is unknown (connection loss).
inline std::string protected_prefix(const session_id& id)
{
    return "_c_" + id.to_string() + "-";
}

/// The name a latch create asks for (the server appends the 10-digit sequence):
/// `_c_<uuid>-latch-`.
inline std::string latch_node_request_name(std::string_view prefix)
{
    std::string out(prefix);
    out += latch_lock_name;
    return out;
}

/// The sequence number of a latch node (its last ten characters), if it has one.
inline std::optional<std::int32_t> latch_sequence(std::string_view name) noexcept
{
    auto seq = zk::parse_sequence_suffix(name);
    if (!seq)
        return std::nullopt;
    return seq.value();
}

/// The order of latch nodes: by sequence number, the lowest leads (Curator sorts by what follows
/// the last "latch-"; the ten-digit suffix is the same number). Names without a sequence suffix
/// are no contenders: they sort after all others, by name.
inline bool latch_order(std::string_view a, std::string_view b) noexcept
{
    const auto sa = latch_sequence(a);
    const auto sb = latch_sequence(b);
    if (sa && sb)
        return *sa != *sb ? *sa < *sb : a < b;
    if (sa || sb)
        return sa.has_value();
    return a < b;
}

/// Sorts latch children into latch order (leader first).
inline void sort_latch_children(std::vector<std::string>& children)
{
    std::sort(children.begin(), children.end(), [](const std::string& a, const std::string& b) {
        return latch_order(a, b);
    });
}

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
