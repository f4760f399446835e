// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_CONNECTION_STATE_HPP
#define HAKIT_ZK_CONNECTION_STATE_HPP

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <ostream>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Where a zk::client's session stands.
enum class connection_state : std::uint8_t
{
    /// No session and not trying (before async_connect, or after it gave up).
    idle,
    /// Establishing the first session (async_connect in progress).
    connecting,
    /// Connected to a server with a live session; requests flow.
    connected,
    /// The connection was lost and the client is reconnecting with the same session (requests
    /// wait; ephemerals and watches survive if it succeeds before the session timeout).
    suspended,
    /// The session expired (reported by the server, or T passed without hearing from any server):
    /// its ephemerals are gone. Terminal for the session; async_connect() starts a new one.
    expired,
    /// async_close() was called (closeSession in flight).
    closing,
    /// Closed for good.
    closed,
};

/// A change of connection_state, as the state stream reports it (Curator's ConnectionState).
enum class connection_event : std::uint8_t
{
    /// A new session was established.
    connected,
    /// The connection was lost; the session may still be alive (Curator's SUSPENDED).
    suspended,
    /// The same session was re-established after `suspended`; watches were re-armed.
    reconnected,
    /// The session expired (Curator's LOST): ephemerals are gone, requests and watches failed.
    expired,
    /// The client was closed.
    closed,
};

constexpr std::string_view to_string(connection_state s) noexcept
{
    switch (s)
    {
        case connection_state::idle:
            return "idle";
        case connection_state::connecting:
            return "connecting";
        case connection_state::connected:
            return "connected";
        case connection_state::suspended:
            return "suspended";
        case connection_state::expired:
            return "expired";
        case connection_state::closing:
            return "closing";
        case connection_state::closed:
            return "closed";
    }
    return "unknown";
}

constexpr std::string_view to_string(connection_event e) noexcept
{
    switch (e)
    {
        case connection_event::connected:
            return "connected";
        case connection_event::suspended:
            return "suspended";
        case connection_event::reconnected:
            return "reconnected";
        case connection_event::expired:
            return "expired";
        case connection_event::closed:
            return "closed";
    }
    return "unknown";
}

inline std::ostream& operator<<(std::ostream& os, connection_state s)
{
    return os << to_string(s);
}

inline std::ostream& operator<<(std::ostream& os, connection_event e)
{
    return os << to_string(e);
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
