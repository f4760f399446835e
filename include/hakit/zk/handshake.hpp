// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_HANDSHAKE_HPP
#define HAKIT_ZK_HANDSHAKE_HPP

#include <hakit/zk/jute.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <optional>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Bytes of a session password.
inline constexpr std::size_t session_password_size = 16;

/// The first frame a client sends on a connection (`ConnectRequest`, no RequestHeader): 45 bytes
/// with the trailing readOnly byte, 44 without. Member order is wire order.
struct connect_request
{
    /// Always 0.
    std::int32_t protocol_version = 0;
    /// The highest zxid this session has seen; a server that is behind closes the socket.
    std::int64_t last_zxid_seen = 0;
    /// The requested session timeout in milliseconds (Java re-sends the requested value).
    std::int32_t timeout_ms = 0;
    /// 0 for a new session, else the id of the session to re-attach.
    std::int64_t session_id = 0;
    /// The session password; 16 zero bytes for a new session.
    bytes passwd = bytes(session_password_size, 0);
    /// Whether a read-only server may accept us; std::nullopt leaves the byte out (an old client).
    std::optional<bool> read_only = false;

    friend bool operator==(const connect_request&, const connect_request&) = default;
};

/// The server's answer to a connect_request (`ConnectResponse`): 37 bytes, or 36 when the request
/// had no readOnly byte. The trailing byte is parsed only if present.
struct connect_response
{
    std::int32_t protocol_version = 0;
    /// The negotiated session timeout in milliseconds; 0 means the session has expired.
    std::int32_t timeout_ms = 0;
    /// The session id (0 when expired).
    std::int64_t session_id = 0;
    /// The session password (16 zero bytes when expired).
    bytes passwd;
    /// Whether the server is read-only; std::nullopt if the byte was absent.
    std::optional<bool> read_only;

    /// True when the server refused the session as expired, unknown or with a wrong password
    /// (`timeOut == 0`; Java treats every value <= 0 that way).
    bool is_expired() const noexcept { return timeout_ms <= 0; }

    friend bool operator==(const connect_response&, const connect_response&) = default;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
