// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_ERROR_HPP
#define HAKIT_ZK_ERROR_HPP

#include <hakit/error.hpp>

#include <hakit/detail/config.hpp>

#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/is_error_code_enum.hpp>

#include <string>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// ZooKeeper's error codes (`KeeperException.Code`, plus the C client's client-only ones), with the
/// numbers the server puts in `ReplyHeader.err`. 0 (ZOK) is success and has no enumerator.
///
/// The codec reports every malformed input (truncated record, negative or oversized length, bad
/// frame length, unknown multi result type) as `marshalling_error`, ZooKeeper's own code for
/// "these bytes are not a valid record"; an outgoing frame above the size limit is `bad_arguments`.
enum class error : int
{
    /// A generic server-side failure.
    system_error = -1,
    /// The server or client state is inconsistent (also: a multi op after the failing one).
    runtime_inconsistency = -2,
    /// The data is inconsistent.
    data_inconsistency = -3,
    /// The connection was lost; the outcome of an in-flight write is unknown.
    connection_loss = -4,
    /// Bytes that are not a valid record (also every decoding failure of this codec).
    marshalling_error = -5,
    /// The operation is not implemented (e.g. createTTL without extended types).
    unimplemented = -6,
    /// The operation timed out; the outcome of an in-flight write is unknown.
    operation_timeout = -7,
    /// Invalid arguments (bad path, oversized request, ...).
    bad_arguments = -8,
    /// Invalid client state (C client).
    invalid_state = -9,
    /// Unknown session (internal).
    unknown_session = -12,
    /// The new ensemble configuration has no quorum.
    new_config_no_quorum = -13,
    /// Another reconfiguration is in progress.
    reconfig_in_progress = -14,
    /// TLS connection failure (C client).
    ssl_connection_error = -15,
    /// Marker of the API error range; not sent by servers.
    api_error = -100,
    /// The node does not exist.
    no_node = -101,
    /// Not authorised for this node.
    no_auth = -102,
    /// The expected version does not match.
    bad_version = -103,
    /// Ephemeral nodes cannot have children.
    no_children_for_ephemerals = -108,
    /// The node already exists.
    node_exists = -110,
    /// The node has children.
    not_empty = -111,
    /// The session has expired; its ephemeral nodes are gone.
    session_expired = -112,
    /// Invalid callback (C client).
    invalid_callback = -113,
    /// Invalid ACL.
    invalid_acl = -114,
    /// Authentication failed.
    auth_failed = -115,
    /// The client is closing (C client).
    closing = -116,
    /// No server responses to process (C client).
    nothing = -117,
    /// The session was attached to another connection.
    session_moved = -118,
    /// A write was sent to a read-only server.
    not_read_only = -119,
    /// An ephemeral node was requested on a local session.
    ephemeral_on_local_session = -120,
    /// No watcher to remove.
    no_watcher = -121,
    /// The request timed out on the client.
    request_timeout = -122,
    /// Dynamic reconfiguration is disabled.
    reconfig_disabled = -123,
    /// The session was closed because it requires SASL authentication.
    session_closed_requires_sasl_auth = -124,
    /// A quota was exceeded.
    quota_exceeded = -125,
    /// The server throttled the operation; retry with backoff.
    throttled_op = -127,
};

}  // namespace zk

HAKIT_NAMESPACE_END

template <>
struct boost::system::is_error_code_enum<hakit::zk::error> : std::true_type
{};

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// True if `code` is one of the values of zk::error.
constexpr bool is_known_code(int code) noexcept
{
    switch (static_cast<error>(code))
    {
        case error::system_error:
        case error::runtime_inconsistency:
        case error::data_inconsistency:
        case error::connection_loss:
        case error::marshalling_error:
        case error::unimplemented:
        case error::operation_timeout:
        case error::bad_arguments:
        case error::invalid_state:
        case error::unknown_session:
        case error::new_config_no_quorum:
        case error::reconfig_in_progress:
        case error::ssl_connection_error:
        case error::api_error:
        case error::no_node:
        case error::no_auth:
        case error::bad_version:
        case error::no_children_for_ephemerals:
        case error::node_exists:
        case error::not_empty:
        case error::session_expired:
        case error::invalid_callback:
        case error::invalid_acl:
        case error::auth_failed:
        case error::closing:
        case error::nothing:
        case error::session_moved:
        case error::not_read_only:
        case error::ephemeral_on_local_session:
        case error::no_watcher:
        case error::request_timeout:
        case error::reconfig_disabled:
        case error::session_closed_requires_sasl_auth:
        case error::quota_exceeded:
        case error::throttled_op:
            return true;
    }
    return false;
}

namespace detail {

class zookeeper_category final : public boost::system::error_category
{
public:
    // A fixed id keeps categories comparable across shared libraries.
    constexpr zookeeper_category() noexcept : boost::system::error_category(0x6861'6b69'7400'0002ULL) {}

    const char* name() const noexcept override { return "hakit.zookeeper"; }

    /// The hakit::condition each code means (see there).
    bool equivalent(int code, const boost::system::error_condition& cond) const noexcept override
    {
        if (cond.category() != ::hakit::condition_category())
            return boost::system::error_category::equivalent(code, cond);
        const auto e = static_cast<error>(code);
        switch (static_cast<::hakit::condition>(cond.value()))
        {
            case ::hakit::condition::connection_lost:
                return e == error::connection_loss || e == error::operation_timeout ||
                       e == error::request_timeout;
            case ::hakit::condition::session_expired:
                return e == error::session_expired;
            case ::hakit::condition::not_found:
                return e == error::no_node;
            case ::hakit::condition::already_exists:
                return e == error::node_exists;
            case ::hakit::condition::not_authorized:
                return e == error::no_auth || e == error::auth_failed ||
                       e == error::session_closed_requires_sasl_auth;
        }
        return false;
    }

    std::string message(int ev) const override
    {
        switch (static_cast<error>(ev))
        {
            case error::system_error:
                return "system error";
            case error::runtime_inconsistency:
                return "runtime inconsistency";
            case error::data_inconsistency:
                return "data inconsistency";
            case error::connection_loss:
                return "connection loss";
            case error::marshalling_error:
                return "marshalling error";
            case error::unimplemented:
                return "unimplemented";
            case error::operation_timeout:
                return "operation timeout";
            case error::bad_arguments:
                return "bad arguments";
            case error::invalid_state:
                return "invalid zhandle state";
            case error::unknown_session:
                return "unknown session";
            case error::new_config_no_quorum:
                return "no quorum of new config is connected";
            case error::reconfig_in_progress:
                return "reconfiguration requested while another is in progress";
            case error::ssl_connection_error:
                return "SSL connection error";
            case error::api_error:
                return "API error";
            case error::no_node:
                return "no node";
            case error::no_auth:
                return "not authenticated";
            case error::bad_version:
                return "bad version";
            case error::no_children_for_ephemerals:
                return "no children for ephemerals";
            case error::node_exists:
                return "node exists";
            case error::not_empty:
                return "node not empty";
            case error::session_expired:
                return "session expired";
            case error::invalid_callback:
                return "invalid callback";
            case error::invalid_acl:
                return "invalid ACL";
            case error::auth_failed:
                return "authentication failed";
            case error::closing:
                return "ZooKeeper is closing";
            case error::nothing:
                return "no server responses to process";
            case error::session_moved:
                return "session moved to another server";
            case error::not_read_only:
                return "state-changing request passed to read-only server";
            case error::ephemeral_on_local_session:
                return "attempt to create ephemeral node on a local session";
            case error::no_watcher:
                return "the watcher couldn't be found";
            case error::request_timeout:
                return "request timeout";
            case error::reconfig_disabled:
                return "attempt to reconfigure while reconfiguration is disabled";
            case error::session_closed_requires_sasl_auth:
                return "session closed because client failed to authenticate";
            case error::quota_exceeded:
                return "quota has exceeded";
            case error::throttled_op:
                return "operation was throttled and not executed at all";
        }
        return "unknown ZooKeeper error " + std::to_string(ev);
    }
};

}  // namespace detail

/// The category of zk::error, named "hakit.zookeeper".
inline const boost::system::error_category& zookeeper_category() noexcept
{
    static constexpr detail::zookeeper_category category;
    return category;
}

inline error_code make_error_code(error e) noexcept
{
    return error_code(static_cast<int>(e), zookeeper_category());
}

/// The error_code for a server's `err` field: 0 is success (an empty error_code); every other
/// number, known or not, becomes `error_code(code, zookeeper_category())`. An unknown code is
/// thereby kept as it is: `ec.value()` is the server's number, `message()` reads "unknown
/// ZooKeeper error <n>", `is_known_error(ec)` is false, and since no enumerator compares equal to
/// it, it takes the generic failure path of every caller (not retryable, not a connection error).
inline error_code from_server_code(int code) noexcept
{
    return code == 0 ? error_code() : error_code(code, zookeeper_category());
}

/// True if `ec` is in the ZooKeeper category and one of the values of zk::error.
inline bool is_known_error(const error_code& ec) noexcept
{
    return ec.category() == zookeeper_category() && is_known_code(ec.value());
}

/// True for errors that say the connection, not the request, failed: connection_loss,
/// operation_timeout, session_expired, session_moved. The outcome of a write in flight is unknown.
inline bool is_connection_error(const error_code& ec) noexcept
{
    return ec == error::connection_loss || ec == error::operation_timeout || ec == error::session_expired ||
           ec == error::session_moved;
}

/// True for errors after which the same request may succeed if sent again on the same session:
/// connection_loss, operation_timeout, session_moved (retry on a new connection), throttled_op
/// (retry with backoff), request_timeout, new_config_no_quorum, reconfig_in_progress. Not
/// session_expired: that needs a new session. A write that failed with a connection error may
/// have been applied; retry it only when it is idempotent or guarded by a version.
inline bool is_retryable(const error_code& ec) noexcept
{
    return ec == error::connection_loss || ec == error::operation_timeout || ec == error::session_moved ||
           ec == error::throttled_op || ec == error::request_timeout || ec == error::new_config_no_quorum ||
           ec == error::reconfig_in_progress;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
