// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_SESSION_OPTIONS_HPP
#define HAKIT_ZK_SESSION_OPTIONS_HPP

#include <hakit/zk/acl.hpp>
#include <hakit/zk/frame.hpp>
#include <hakit/zk/jute.hpp>

#include <hakit/detail/config.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// An existing session to re-attach to instead of creating a new one (Java's
/// `ZooKeeper(connectString, timeout, watcher, sessionId, passwd)`).
struct session_credentials
{
    std::int64_t id = 0;
    /// The 16-byte session password.
    bytes password;

    friend bool operator==(const session_credentials&, const session_credentials&) = default;
};

/// How a zk::client connects and keeps its session. Only connect_string is required.
struct session_options
{
    /// `host1:port1,host2:port2/chroot` (see parse_connect_string).
    std::string connect_string;
    /// The requested session timeout; the server clamps it to [2, 20] x tickTime by default, and
    /// every timer uses the negotiated value T: ping after T/3 without sending, reconnect after 2T/3
    /// without hearing from the server, local expiry T after last hearing from any server.
    std::chrono::milliseconds session_timeout{60'000};
    /// How long async_connect() keeps trying to establish the first session.
    std::chrono::milliseconds connection_timeout{15'000};
    /// Pause after every server of the list failed in a row (capped at T/10), so a dead ensemble is
    /// not hammered.
    std::chrono::milliseconds reconnect_delay{250};
    /// How long async_close() waits for the server to confirm closeSession.
    std::chrono::milliseconds close_timeout{2'000};
    /// The largest frame accepted from a server (and sent to it): ZooKeeper's jute.maxbuffer.
    std::size_t max_frame_size = default_max_frame_size;
    /// Sets the readOnly byte of ConnectRequest: a read-only server (partitioned from its quorum)
    /// may then accept the session; writes fail with not_read_only there.
    bool read_only_allowed = false;
    /// Credentials sent (AuthPacket) on every connection before any request, e.g. digest_auth(u, p).
    std::vector<auth_packet> auth;
    /// Re-attach to this session instead of creating a new one.
    std::optional<session_credentials> resume;
    /// Seeds the shuffle of the server list; std::nullopt seeds from std::random_device.
    std::optional<std::uint64_t> shuffle_seed;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
