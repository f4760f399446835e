// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_OP_CODE_HPP
#define HAKIT_ZK_OP_CODE_HPP

#include <hakit/detail/config.hpp>

#include <cstdint>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Request types (`ZooDefs.OpCode`): `RequestHeader.type` and the result types inside multi.
enum class op_code : std::int32_t
{
    notification = 0,
    create = 1,
    delete_node = 2,
    exists = 3,
    get_data = 4,
    set_data = 5,
    get_acl = 6,
    set_acl = 7,
    get_children = 8,
    sync = 9,
    ping = 11,
    get_children2 = 12,
    check = 13,
    multi = 14,
    create2 = 15,
    reconfig = 16,
    check_watches = 17,
    remove_watches = 18,
    create_container = 19,
    delete_container = 20,
    create_ttl = 21,
    multi_read = 22,
    auth = 100,
    set_watches = 101,
    sasl = 102,
    get_ephemerals = 103,
    get_all_children_number = 104,
    set_watches2 = 105,
    add_watch = 106,
    who_am_i = 107,
    create_session = -10,
    close_session = -11,
    /// The type of a failed op's result inside a multi response.
    error = -1,
};

/// Whether a request of this type is a transaction: the server logs it and gives it a zxid (a
/// `check` too, although it changes nothing), as opposed to a read or a watch operation.
constexpr bool is_write(op_code op) noexcept
{
    switch (op)
    {
        case op_code::create:
        case op_code::delete_node:
        case op_code::set_data:
        case op_code::set_acl:
        case op_code::check:
        case op_code::multi:
        case op_code::create2:
        case op_code::reconfig:
        case op_code::create_container:
        case op_code::delete_container:
        case op_code::create_ttl:
        case op_code::create_session:
        case op_code::close_session:
            return true;
        default:
            return false;
    }
}

/// `ReplyHeader.xid` of a watch notification (server → client, body WatcherEvent).
inline constexpr std::int32_t notification_xid = -1;
/// Xid of ping requests and their replies (header only).
inline constexpr std::int32_t ping_xid = -2;
/// Xid of auth packets and their replies (header only; err auth_failed on a bad credential).
inline constexpr std::int32_t auth_xid = -4;
/// Xid of SetWatches/SetWatches2 requests and their replies (header only).
inline constexpr std::int32_t set_watches_xid = -8;

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
