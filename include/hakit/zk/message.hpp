// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_MESSAGE_HPP
#define HAKIT_ZK_MESSAGE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/handshake.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <optional>
#include <span>
#include <variant>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// The body of a server frame: nothing (header-only replies, and every reply with err != 0), a
/// notification, or the response record of the pending request's op.
using reply_body = std::variant<
    std::monostate,
    watcher_event,
    create_response,
    create2_response,
    exists_response,
    get_data_response,
    set_data_response,
    get_acl_response,
    set_acl_response,
    get_children_response,
    get_children2_response,
    sync_response,
    multi_response,
    error_response>;

/// A decoded server frame (after the handshake).
struct server_message
{
    reply_header header;
    reply_body body;

    /// True for a watch notification (xid -1); body holds a watcher_event.
    bool is_notification() const noexcept { return header.xid == notification_xid; }

    friend bool operator==(const server_message&, const server_message&) = default;
};

/// The body of a client frame: nothing (ping, closeSession) or the request record of its op.
using request_body = std::variant<
    std::monostate,
    create_request,
    create_ttl_request,
    delete_request,
    exists_request,
    get_data_request,
    set_data_request,
    get_acl_request,
    set_acl_request,
    get_children_request,
    sync_request,
    get_children2_request,
    check_version_request,
    multi_request,
    check_watches_request,
    remove_watches_request,
    add_watch_request,
    auth_packet,
    set_watches,
    set_watches2>;

/// A decoded client frame (after the handshake): what a test server sees.
struct client_message
{
    request_header header;
    request_body body;

    friend bool operator==(const client_message&, const client_message&) = default;
};

namespace detail {

template <class T, class Variant>
error_code read_alternative(jute_reader& r, Variant& body)
{
    return r.read(body.template emplace<T>());
}

/// Reads the response record of a successful reply to `op`; unimplemented for ops whose replies
/// this codec does not know (sasl, getEphemerals, whoAmI, ...).
inline error_code read_reply_body(jute_reader& r, op_code op, reply_body& body)
{
    switch (op)
    {
        case op_code::create:
            return read_alternative<create_response>(r, body);
        case op_code::create2:
        case op_code::create_container:
        case op_code::create_ttl:
            return read_alternative<create2_response>(r, body);
        case op_code::exists:
            return read_alternative<exists_response>(r, body);
        case op_code::get_data:
        case op_code::reconfig:
            return read_alternative<get_data_response>(r, body);
        case op_code::set_data:
            return read_alternative<set_data_response>(r, body);
        case op_code::get_acl:
            return read_alternative<get_acl_response>(r, body);
        case op_code::set_acl:
            return read_alternative<set_acl_response>(r, body);
        case op_code::get_children:
            return read_alternative<get_children_response>(r, body);
        case op_code::get_children2:
            return read_alternative<get_children2_response>(r, body);
        case op_code::sync:
            return read_alternative<sync_response>(r, body);
        case op_code::multi:
        case op_code::multi_read:
            return read_alternative<multi_response>(r, body);
        case op_code::add_watch:
            return read_alternative<error_response>(r, body);
        case op_code::delete_node:
        case op_code::check:
        case op_code::check_watches:
        case op_code::remove_watches:
        case op_code::ping:
        case op_code::auth:
        case op_code::set_watches:
        case op_code::set_watches2:
        case op_code::close_session:
            return {};  // header only
        default:
            return error::unimplemented;
    }
}

inline error_code read_request_body(jute_reader& r, op_code op, request_body& body)
{
    switch (op)
    {
        case op_code::create:
        case op_code::create2:
        case op_code::create_container:
            return read_alternative<create_request>(r, body);
        case op_code::create_ttl:
            return read_alternative<create_ttl_request>(r, body);
        case op_code::delete_node:
            return read_alternative<delete_request>(r, body);
        case op_code::exists:
            return read_alternative<exists_request>(r, body);
        case op_code::get_data:
            return read_alternative<get_data_request>(r, body);
        case op_code::set_data:
            return read_alternative<set_data_request>(r, body);
        case op_code::get_acl:
            return read_alternative<get_acl_request>(r, body);
        case op_code::set_acl:
            return read_alternative<set_acl_request>(r, body);
        case op_code::get_children:
            return read_alternative<get_children_request>(r, body);
        case op_code::sync:
            return read_alternative<sync_request>(r, body);
        case op_code::get_children2:
            return read_alternative<get_children2_request>(r, body);
        case op_code::check:
            return read_alternative<check_version_request>(r, body);
        case op_code::multi:
        case op_code::multi_read:
            return read_alternative<multi_request>(r, body);
        case op_code::check_watches:
            return read_alternative<check_watches_request>(r, body);
        case op_code::remove_watches:
            return read_alternative<remove_watches_request>(r, body);
        case op_code::add_watch:
            return read_alternative<add_watch_request>(r, body);
        case op_code::auth:
            return read_alternative<auth_packet>(r, body);
        case op_code::set_watches:
            return read_alternative<set_watches>(r, body);
        case op_code::set_watches2:
            return read_alternative<set_watches2>(r, body);
        case op_code::ping:
        case op_code::close_session:
            return {};  // header only
        default:
            return error::unimplemented;
    }
}

}  // namespace detail

/// Decodes the payload of the first server frame on a connection (no ReplyHeader).
inline result<connect_response> decode_connect_response(
    std::span<const std::uint8_t> payload, std::size_t max_length = default_max_length
)
{
    return decode_record<connect_response>(payload, max_length);
}

/// Decodes the payload of the first client frame on a connection (no RequestHeader).
inline result<connect_request> decode_connect_request(
    std::span<const std::uint8_t> payload, std::size_t max_length = default_max_length
)
{
    return decode_record<connect_request>(payload, max_length);
}

/// Decodes the payload of any server frame after the handshake. The ReplyHeader's xid decides
/// first: -1 is a notification (body watcher_event); -2 (ping), -4 (auth) and -8 (SetWatches)
/// are header-only. Any other xid answers the oldest pending request, whose op code the caller
/// passes as `pending` (matching the xid against that request is the caller's job); without one
/// the frame is runtime_inconsistency. When ReplyHeader.err is non-zero there is no body (and
/// the body is not read); otherwise the op's response record is. Malformed bytes give
/// marshalling_error; an op whose reply layout this codec does not know gives unimplemented.
/// Bytes after the body are ignored, as the Java client does.
inline result<server_message> decode_server_message(
    std::span<const std::uint8_t> payload,
    std::optional<op_code> pending,
    std::size_t max_length = default_max_length
)
{
    jute_reader r(payload, max_length);
    server_message message;
    if (auto ec = r.read(message.header))
        return ec;
    switch (message.header.xid)
    {
        case notification_xid:
            if (auto ec = detail::read_alternative<watcher_event>(r, message.body))
                return ec;
            return message;
        case ping_xid:
        case auth_xid:
        case set_watches_xid:
            return message;
        default:
            break;
    }
    if (!pending)
        return error::runtime_inconsistency;
    if (message.header.err != 0)
        return message;
    if (auto ec = detail::read_reply_body(r, *pending, message.body))
        return ec;
    return message;
}

/// Decodes the payload of any client frame after the handshake (RequestHeader + the request
/// record of its type): for test servers. Unknown types give unimplemented.
inline result<client_message> decode_client_message(
    std::span<const std::uint8_t> payload, std::size_t max_length = default_max_length
)
{
    jute_reader r(payload, max_length);
    client_message message;
    if (auto ec = r.read(message.header))
        return ec;
    if (auto ec = detail::read_request_body(r, message.header.type, message.body))
        return ec;
    return message;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
