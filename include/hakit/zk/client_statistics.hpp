// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_CLIENT_STATISTICS_HPP
#define HAKIT_ZK_CLIENT_STATISTICS_HPP

#include <hakit/detail/config.hpp>

#include <cstdint>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// What one client has exchanged with the servers since it was constructed, over all its
/// connections and sessions: for metrics, and for tests that pin down what a recipe costs.
struct client_statistics
{
    /// Requests handed to a connection, counted when they go into its write buffer (closeSession
    /// included). Not counted: pings, auth packets (async_add_auth's and their re-sending after a
    /// reconnect, answered out of band) and the SetWatches that re-arm watches.
    std::uint64_t requests = 0;
    /// Of those, the ones that are transactions (see zk::is_write): the server's update count.
    std::uint64_t writes = 0;
    /// Watch notifications received (one per event, whatever watch it fires).
    std::uint64_t notifications = 0;

    bool operator==(const client_statistics&) const = default;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
