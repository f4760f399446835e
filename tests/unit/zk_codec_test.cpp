// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Golden-byte tests of the ZooKeeper wire codec: every layout is checked against bytes assembled
// by hand from the tables of zookeeper-protocol.md §1 (not with the codec's own writer).
#include <hakit/zk/codec.hpp>

#include <doctest/doctest.h>

#include <cstdint>
#include <initializer_list>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace {

namespace zk = hakit::zk;

using bytes = std::vector<std::uint8_t>;

/// Bytes from hex digits; spaces, newlines and '|' are ignored.
inline bytes hex(std::string_view text)
{
    bytes out;
    int high = -1;
    for (const char c : text)
    {
        int v = -1;
        if (c >= '0' && c <= '9')
            v = c - '0';
        else if (c >= 'a' && c <= 'f')
            v = c - 'a' + 10;
        else if (c >= 'A' && c <= 'F')
            v = c - 'A' + 10;
        else if (c == ' ' || c == '\n' || c == '|')
            continue;
        else
            throw std::invalid_argument("bad hex digit");
        if (high < 0)
            high = v;
        else
        {
            out.push_back(static_cast<std::uint8_t>(high * 16 + v));
            high = -1;
        }
    }
    if (high >= 0)
        throw std::invalid_argument("odd number of hex digits");
    return out;
}

/// Lower-case hex of bytes, for readable comparisons.
inline std::string to_hex(std::span<const std::uint8_t> data)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string out;
    for (const auto b : data)
    {
        out += digits[b >> 4];
        out += digits[b & 15];
    }
    return out;
}

// Big-endian pieces, written here by hand rather than with the codec's writer.
inline bytes i32(std::int32_t v)
{
    const auto u = static_cast<std::uint32_t>(v);
    return {
        static_cast<std::uint8_t>(u >> 24),
        static_cast<std::uint8_t>(u >> 16),
        static_cast<std::uint8_t>(u >> 8),
        static_cast<std::uint8_t>(u)};
}

inline bytes i64(std::int64_t v)
{
    const auto u = static_cast<std::uint64_t>(v);
    bytes out;
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(u >> shift));
    return out;
}

inline bytes u8(std::uint8_t v)
{
    return {v};
}

/// A jute ustring/buffer: int32 length + the bytes.
inline bytes str(std::string_view s)
{
    bytes out = i32(static_cast<std::int32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

inline bytes cat(std::initializer_list<bytes> pieces)
{
    bytes out;
    for (const auto& p : pieces)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

/// A frame: int32 length prefix + payload.
inline bytes frame(const bytes& payload)
{
    return cat({i32(static_cast<std::int32_t>(payload.size())), payload});
}

/// Stat{1, 2, ..., 11} with the first field spread over all bytes to catch byte-order slips.
inline bytes stat_bytes()
{
    return cat({
        hex("0102030405060708"),  // czxid
        i64(2),                   // mzxid
        i64(3),                   // ctime
        i64(4),                   // mtime
        i32(5),                   // version
        i32(6),                   // cversion
        i32(7),                   // aversion
        i64(8),                   // ephemeralOwner
        i32(9),                   // dataLength
        i32(10),                  // numChildren
        i64(11),                  // pzxid
    });
}

/// The value of an OK result, failing the test (with the error's message) otherwise.
template <class T>
const T& ok(const hakit::result<T>& r)
{
    REQUIRE_MESSAGE(r.has_value(), (r.has_value() ? std::string() : r.error().message()));
    return r.value();
}

/// Encodes records as one frame with the codec; fails the test if that fails.
template <class... Records>
bytes encoded(const Records&... records)
{
    return ok(zk::encode_frame(records...));
}

/// Decodes a server frame's payload for a pending op.
zk::server_message decoded_reply(const bytes& payload, std::optional<zk::op_code> pending)
{
    return ok(zk::decode_server_message(payload, pending));
}

}  // namespace

TEST_SUITE("zk_codec")
{
    // ---- errors ------------------------------------------------------------------------------

    TEST_CASE("error: category, values, messages and helpers")
    {
        const hakit::error_code no_node = zk::error::no_node;
        CHECK(std::string(no_node.category().name()) == "hakit.zookeeper");
        CHECK(no_node.value() == -101);
        CHECK(no_node.message() == "no node");
        CHECK(hakit::error_code(zk::error::node_exists).value() == -110);
        CHECK(hakit::error_code(zk::error::throttled_op).value() == -127);
        CHECK(hakit::error_code(zk::error::system_error).value() == -1);
        CHECK(hakit::error_code(zk::error::runtime_inconsistency).value() == -2);
        CHECK(hakit::error_code(zk::error::session_moved).value() == -118);
        CHECK(no_node != hakit::errc::not_found);  // different categories

        // A result converts from the enum.
        const hakit::result<int> r = zk::error::bad_version;
        CHECK(r.error() == zk::error::bad_version);

        CHECK_FALSE(zk::from_server_code(0));
        CHECK(zk::from_server_code(-110) == zk::error::node_exists);
        CHECK(zk::is_known_error(zk::from_server_code(-110)));

        // Unknown codes keep their number.
        const auto unknown = zk::from_server_code(-999);
        CHECK(unknown.failed());
        CHECK(unknown.value() == -999);
        CHECK(unknown.category() == zk::zookeeper_category());
        CHECK_FALSE(zk::is_known_error(unknown));
        CHECK(unknown.message() == "unknown ZooKeeper error -999");
        CHECK_FALSE(zk::is_retryable(unknown));
        CHECK_FALSE(zk::is_connection_error(unknown));
        CHECK_FALSE(zk::is_known_error(hakit::errc::not_found));
        CHECK_FALSE(zk::is_known_code(-126));
        CHECK_FALSE(zk::is_known_code(0));

        for (const auto e :
             {zk::error::connection_loss,
              zk::error::operation_timeout,
              zk::error::session_expired,
              zk::error::session_moved})
            CHECK(zk::is_connection_error(e));
        for (const auto e :
             {zk::error::no_node, zk::error::bad_version, zk::error::node_exists, zk::error::not_empty})
        {
            CHECK_FALSE(zk::is_connection_error(e));
            CHECK_FALSE(zk::is_retryable(e));
        }
        CHECK(zk::is_retryable(zk::error::connection_loss));
        CHECK(zk::is_retryable(zk::error::operation_timeout));
        CHECK(zk::is_retryable(zk::error::throttled_op));
        CHECK(zk::is_retryable(zk::error::session_moved));
        CHECK_FALSE(zk::is_retryable(zk::error::session_expired));
        CHECK_FALSE(zk::is_retryable(hakit::errc::connection_lost));  // not our category

        // Every enumerator has its own message.
        for (int code = -130; code < 0; ++code)
        {
            const auto ec = zk::from_server_code(code);
            CHECK(zk::is_known_code(code) == (ec.message().rfind("unknown ZooKeeper error", 0) != 0));
        }
    }

    // ---- jute primitives ---------------------------------------------------------------------

    TEST_CASE("hakit::condition: ZooKeeper codes and hakit::errc that mean the same compare equal to it")
    {
        using hakit::condition;
        using hakit::errc;
        for (const hakit::error_code ec :
             {hakit::error_code(errc::connection_lost),
              hakit::error_code(errc::connection_suspended),
              hakit::error_code(zk::error::connection_loss),
              hakit::error_code(zk::error::operation_timeout),
              hakit::error_code(zk::error::request_timeout)})
        {
            CAPTURE(ec.message());
            CHECK(ec == condition::connection_lost);
            CHECK(hakit::is_retryable(ec));
            CHECK(ec != condition::session_expired);
        }
        CHECK(hakit::error_code(zk::error::session_expired) == condition::session_expired);
        CHECK(hakit::error_code(errc::session_expired) == condition::session_expired);
        CHECK(hakit::is_fatal_error(zk::error::session_expired));
        CHECK_FALSE(hakit::is_retryable(zk::error::session_expired));
        CHECK(hakit::error_code(zk::error::no_node) == condition::not_found);
        CHECK(hakit::error_code(errc::not_found) == condition::not_found);
        CHECK(hakit::error_code(zk::error::node_exists) == condition::already_exists);
        CHECK(hakit::error_code(errc::already_exists) == condition::already_exists);
        CHECK(hakit::error_code(zk::error::no_auth) == condition::not_authorized);
        CHECK(hakit::error_code(zk::error::auth_failed) == condition::not_authorized);

        // Different meanings stay apart, and the codes themselves stay distinct.
        CHECK(hakit::error_code(zk::error::bad_version) != condition::not_found);
        CHECK(hakit::error_code(zk::error::no_node) != condition::already_exists);
        CHECK(hakit::error_code(errc::not_leader) != condition::connection_lost);
        CHECK(hakit::error_code(zk::error::session_moved) != condition::connection_lost);
        CHECK(hakit::error_code(zk::error::no_node) != errc::not_found);
        CHECK(zk::from_server_code(-999) != condition::connection_lost);
        CHECK_FALSE(hakit::is_retryable(zk::error::no_node));
        CHECK(hakit::make_error_condition(condition::not_authorized).message() == "not authorized");
        CHECK(std::string(hakit::condition_category().name()) == "hakit.condition");
        // Conditions of other categories still work as before.
        CHECK(hakit::error_code(boost::asio::error::operation_aborted) != condition::connection_lost);
    }

    TEST_CASE("jute: writer encodes int, long, bool, buffer, ustring, vector big-endian")
    {
        bytes out;
        zk::jute_writer w(out);
        w.write_int(-2);
        w.write_long(0x0102030405060708);
        w.write_bool(true);
        w.write_bool(false);
        w.write(zk::bytes{0xde, 0xad});
        w.write(std::string("/a"));
        w.write(std::vector<std::string>{"x", "yz"});
        w.write(std::vector<std::string>{});
        w.write_null();
        CHECK(
            to_hex(out) ==
            "fffffffe"
            "0102030405060708"
            "01"
            "00"
            "00000002dead"
            "000000022f61"
            "00000002"
            "0000000178"
            "00000002797a"
            "00000000"
            "ffffffff"
        );
    }

    TEST_CASE("jute: reader decodes what the spec table says, null reads as empty, bool non-zero is true")
    {
        const bytes in = hex(
            "80000000 ffffffffffffffff 02 00 ffffffff ffffffff ffffffff 00000003616263 00000001 00000001 7a"
        );
        zk::jute_reader r(in);
        CHECK(ok(r.read_int()) == std::numeric_limits<std::int32_t>::min());
        CHECK(ok(r.read_long()) == -1);
        CHECK(ok(r.read_bool()) == true);
        CHECK(ok(r.read_bool()) == false);
        CHECK(ok(r.read_buffer()).empty());                     // null buffer
        CHECK(ok(r.read_ustring()).empty());                    // null string
        CHECK(ok(r.read<std::vector<std::string>>()).empty());  // null vector
        CHECK(ok(r.read_ustring()) == "abc");
        CHECK(ok(r.read<std::vector<std::string>>()) == std::vector<std::string>{"z"});
        CHECK(r.remaining() == 0);
        CHECK(r.read_int().error() == zk::error::marshalling_error);
    }

    TEST_CASE("jute: reader refuses truncation, bad lengths and lengths above the maximum")
    {
        CHECK(zk::jute_reader(hex("000000")).read_int().error() == zk::error::marshalling_error);
        CHECK(zk::jute_reader(hex("00000000000000")).read_long().error() == zk::error::marshalling_error);
        CHECK(zk::jute_reader(bytes{}).read_bool().error() == zk::error::marshalling_error);
        // Length -2 (only -1 means null).
        CHECK(zk::jute_reader(hex("fffffffe")).read_ustring().error() == zk::error::marshalling_error);
        CHECK(zk::jute_reader(hex("80000000")).read_buffer().error() == zk::error::marshalling_error);
        // Length larger than what remains.
        CHECK(zk::jute_reader(hex("00000004 616263")).read_ustring().error() == zk::error::marshalling_error);
        CHECK(zk::jute_reader(hex("7fffffff 00")).read_buffer().error() == zk::error::marshalling_error);
        // A vector count that cannot fit: 2^31-1 strings in 4 bytes.
        CHECK(
            zk::jute_reader(hex("7fffffff 00000000")).read<std::vector<std::string>>().error() ==
            zk::error::marshalling_error
        );
        // Three ACLs need at least 36 bytes.
        CHECK(
            zk::jute_reader(hex("00000003 00000000 00000000 00000000"))
                .read<std::vector<zk::acl>>()
                .error() == zk::error::marshalling_error
        );
        // A configured maximum.
        const bytes five = hex("00000005 6162636465");
        CHECK(ok(zk::jute_reader(five, 5).read_ustring()) == "abcde");
        CHECK(zk::jute_reader(five, 4).read_ustring().error() == zk::error::marshalling_error);
    }

    // ---- handshake ---------------------------------------------------------------------------

    TEST_CASE("handshake: ConnectRequest is 45 bytes with readOnly, 44 without")
    {
        zk::connect_request req;
        req.last_zxid_seen = 0x0000000100000002;
        req.timeout_ms = 4000;
        req.session_id = 0x0123456789abcdef;
        req.passwd = hex("000102030405060708090a0b0c0d0e0f");
        req.read_only = true;
        const bytes with =
            hex("0000002d"                                   // frame length 45
                "00000000"                                   // protocolVersion
                "0000000100000002"                           // lastZxidSeen
                "00000fa0"                                   // timeOut 4000
                "0123456789abcdef"                           // sessionId
                "00000010 000102030405060708090a0b0c0d0e0f"  // passwd
                "01"                                         // readOnly
            );
        CHECK(to_hex(encoded(req)) == to_hex(with));
        CHECK(ok(zk::decode_connect_request(std::span(with).subspan(4))) == req);

        req.read_only.reset();
        const bytes without(with.begin(), with.end() - 1);
        bytes expected_without = without;
        expected_without[3] = 0x2c;  // 44
        CHECK(to_hex(encoded(req)) == to_hex(expected_without));
        CHECK(ok(zk::decode_connect_request(std::span(expected_without).subspan(4))) == req);

        // A new session: zeros and a 16-byte zero password by default.
        CHECK(
            to_hex(encoded(zk::connect_request{})) ==
            "0000002d"
            "00000000"
            "0000000000000000"
            "00000000"
            "0000000000000000"
            "00000010"
            "00000000000000000000000000000000"
            "00"
        );
    }

    TEST_CASE("handshake: ConnectResponse is 37 bytes, 36 without readOnly; timeOut 0 is expiry")
    {
        const bytes payload =
            hex("00000000"                                   // protocolVersion
                "00000fa0"                                   // timeOut 4000 (negotiated)
                "0123456789abcdef"                           // sessionId
                "00000010 f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"  // passwd
                "01"                                         // readOnly
            );
        REQUIRE(payload.size() == 37);
        const auto resp = ok(zk::decode_connect_response(payload));
        CHECK(resp.protocol_version == 0);
        CHECK(resp.timeout_ms == 4000);
        CHECK(resp.session_id == 0x0123456789abcdef);
        CHECK(to_hex(resp.passwd) == "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff");
        CHECK(resp.read_only == std::optional<bool>(true));
        CHECK_FALSE(resp.is_expired());
        CHECK(to_hex(encoded(resp)) == to_hex(frame(payload)));

        const bytes short_payload(payload.begin(), payload.end() - 1);
        const auto old = ok(zk::decode_connect_response(short_payload));
        CHECK_FALSE(old.read_only.has_value());
        CHECK(old.session_id == resp.session_id);

        // Expired / unknown session / wrong password.
        const bytes expired =
            hex("00000000 00000000 0000000000000000 00000010 00000000000000000000000000000000 00");
        const auto e = ok(zk::decode_connect_response(expired));
        CHECK(e.is_expired());
        CHECK(e.session_id == 0);
    }

    // ---- headers, ping, close ----------------------------------------------------------------

    TEST_CASE("headers: ping, closeSession, auth and the reply header")
    {
        CHECK(
            to_hex(encoded(zk::request_header{zk::ping_xid, zk::op_code::ping})) ==
            "00000008"
            "fffffffe"
            "0000000b"
        );
        CHECK(
            to_hex(encoded(zk::request_header{9, zk::op_code::close_session})) ==
            "00000008"
            "00000009"
            "fffffff5"
        );
        CHECK(
            to_hex(encoded(zk::request_header{zk::auth_xid, zk::op_code::auth}, zk::digest_auth("u", "p"))) ==
            "0000001d"
            "fffffffc"
            "00000064"
            "00000000"
            "00000006"
            "646967657374"
            "00000003"
            "753a70"
        );

        // Ping reply: header only, its zxid the server's last.
        const auto ping = decoded_reply(hex("fffffffe 00000000000000ff 00000000"), std::nullopt);
        CHECK(ping.header == zk::reply_header{-2, 0xff, 0});
        CHECK(std::holds_alternative<std::monostate>(ping.body));
        CHECK_FALSE(ping.is_notification());

        // Auth failure: xid -4, err -115.
        const auto auth = decoded_reply(hex("fffffffc 0000000000000000 ffffff8d"), std::nullopt);
        CHECK(auth.header.error() == zk::error::auth_failed);

        // SetWatches reply: xid -8, header only, even with a pending op.
        const auto sw = decoded_reply(hex("fffffff8 0000000000000010 00000000"), zk::op_code::get_data);
        CHECK(sw.header.xid == zk::set_watches_xid);
        CHECK(std::holds_alternative<std::monostate>(sw.body));

        // closeSession reply.
        const auto close =
            decoded_reply(hex("00000009 0000000000000011 00000000"), zk::op_code::close_session);
        CHECK(close.header == zk::reply_header{9, 0x11, 0});
    }

    TEST_CASE("notification: WatcherEvent after xid -1")
    {
        const bytes payload =
            hex("ffffffff ffffffffffffffff 00000000"  // ReplyHeader{-1, -1, 0} (3.8.0 sends zxid -1)
                "00000003"                            // NodeDataChanged
                "00000003"                            // SyncConnected
                "00000006 2f612f622f63"               // "/a/b/c"
            );
        // The pending op does not matter for notifications.
        for (const std::optional<zk::op_code> pending :
             {std::optional<zk::op_code>(), std::optional(zk::op_code::multi)})
        {
            const auto m = decoded_reply(payload, pending);
            CHECK(m.is_notification());
            const auto& event = std::get<zk::watcher_event>(m.body);
            CHECK(event.type == zk::event_type::node_data_changed);
            CHECK(event.state == zk::keeper_state::sync_connected);
            CHECK(event.path == "/a/b/c");
        }
        // Every event type the spec lists.
        for (const auto& [code, type] :
             {std::pair{1, zk::event_type::node_created},
              std::pair{2, zk::event_type::node_deleted},
              std::pair{4, zk::event_type::node_children_changed},
              std::pair{7, zk::event_type::persistent_watch_removed}})
        {
            const auto m = decoded_reply(
                cat({hex("ffffffff ffffffffffffffff 00000000"), i32(code), i32(3), str("/x")}), {}
            );
            CHECK(std::get<zk::watcher_event>(m.body).type == type);
        }
    }

    // ---- Stat, ACL ---------------------------------------------------------------------------

    TEST_CASE("stat: 68 bytes in the documented field order")
    {
        const zk::stat s{0x0102030405060708, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};
        const bytes wire = stat_bytes();
        REQUIRE(wire.size() == zk::stat_wire_size);
        CHECK(to_hex(zk::encode_record(s)) == to_hex(wire));
        CHECK(ok(zk::decode_record<zk::stat>(wire)) == s);
        const auto d = ok(zk::decode_record<zk::stat>(wire));
        CHECK(d.czxid == 0x0102030405060708);
        CHECK(d.version == 5);
        CHECK(d.cversion == 6);
        CHECK(d.ephemeral_owner == 8);
        CHECK(d.data_length == 9);
        CHECK(d.num_children == 10);
        CHECK(d.pzxid == 11);
        CHECK(zk::decode_record<zk::stat>(std::span(wire).first(67)).error() == zk::error::marshalling_error);
    }

    TEST_CASE("acl: constants, digest id of u:p, digest ACL and auth packet")
    {
        CHECK(zk::perms::all == 31);
        REQUIRE(zk::open_acl_unsafe().size() == 1);
        CHECK(zk::open_acl_unsafe()[0] == zk::acl{31, {"world", "anyone"}});
        CHECK(zk::creator_all_acl()[0] == zk::acl{31, {"auth", ""}});
        CHECK(zk::read_acl_unsafe()[0] == zk::acl{1, {"world", "anyone"}});

        CHECK(zk::digest_id("u", "p") == "u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=");
        const auto a = zk::digest_acl("u", "p", zk::perms::read | zk::perms::write);
        CHECK(a.perms == 3);
        CHECK(a.id.scheme == "digest");
        CHECK(a.id.id == "u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=");
        // Base64 padding cases: SHA-1 digests are 20 bytes ("=" padding); the helper handles all.
        CHECK(zk::detail::base64_encode(bytes{}).empty());
        CHECK(zk::detail::base64_encode(bytes{'f'}) == "Zg==");
        CHECK(zk::detail::base64_encode(bytes{'f', 'o'}) == "Zm8=");
        CHECK(zk::detail::base64_encode(bytes{'f', 'o', 'o'}) == "Zm9v");
        CHECK(zk::detail::base64_encode(bytes{0xff, 0xfe, 0xfd, 0xfc}) == "//79/A==");

        const auto packet = zk::digest_auth("user", "secret");
        CHECK(packet.type == 0);
        CHECK(packet.scheme == "digest");
        CHECK(std::string(packet.auth.begin(), packet.auth.end()) == "user:secret");

        // ACL wire layout: perms, scheme, id.
        CHECK(
            to_hex(zk::encode_record(zk::open_acl_unsafe())) ==
            "00000001"
            "0000001f"
            "00000005"
            "776f726c64"
            "00000006"
            "616e796f6e65"
        );
    }

    // ---- requests ----------------------------------------------------------------------------

    TEST_CASE("requests: create, create2, createContainer, createTTL")
    {
        const bytes body =
            hex("00000002 2f61"                                                // path "/a"
                "00000002 6869"                                                // data "hi"
                "00000001 0000001f 00000005 776f726c64 00000006 616e796f6e65"  // [world:anyone, ALL]
                "00000003"                                                     // flags EPHEMERAL_SEQUENTIAL
            );
        const zk::create_request req{
            "/a", {'h', 'i'}, zk::open_acl_unsafe(), zk::create_mode::ephemeral_sequential};
        CHECK(
            to_hex(encoded(zk::request_header{7, zk::op_code::create}, req)) ==
            to_hex(frame(cat({i32(7), i32(1), body})))
        );
        CHECK(
            to_hex(encoded(zk::request_header{8, zk::op_code::create2}, req)) ==
            to_hex(frame(cat({i32(8), i32(15), body})))
        );

        const zk::create_request container{"/c", {}, zk::open_acl_unsafe(), zk::create_mode::container};
        CHECK(
            to_hex(encoded(zk::request_header{9, zk::create_op_for(container.mode, true)}, container)) ==
            to_hex(frame(
                cat({i32(9), i32(19), str("/c"), i32(0), zk::encode_record(zk::open_acl_unsafe()), i32(4)})
            ))
        );

        const zk::create_ttl_request ttl{
            "/t", {'x'}, zk::open_acl_unsafe(), zk::create_mode::persistent_with_ttl, 60000};
        CHECK(
            to_hex(encoded(zk::request_header{10, zk::op_code::create_ttl}, ttl)) ==
            to_hex(frame(cat(
                {i32(10),
                 i32(21),
                 str("/t"),
                 str("x"),
                 zk::encode_record(zk::open_acl_unsafe()),
                 i32(5),
                 i64(60000)}
            )))
        );
    }

    TEST_CASE("requests: delete, exists, getData, setData, getChildren, getChildren2, sync, check")
    {
        CHECK(
            to_hex(encoded(zk::request_header{1, zk::op_code::delete_node}, zk::delete_request{"/a", -1})) ==
            to_hex(frame(cat({i32(1), i32(2), str("/a"), i32(-1)})))
        );
        CHECK(
            to_hex(encoded(zk::request_header{2, zk::op_code::exists}, zk::exists_request{"/a", true})) ==
            to_hex(frame(cat({i32(2), i32(3), str("/a"), u8(1)})))
        );
        CHECK(
            to_hex(encoded(zk::request_header{3, zk::op_code::get_data}, zk::get_data_request{"/a", false})
            ) == to_hex(frame(cat({i32(3), i32(4), str("/a"), u8(0)})))
        );
        CHECK(
            to_hex(
                encoded(zk::request_header{4, zk::op_code::set_data}, zk::set_data_request{"/a", {1, 2}, 7})
            ) == to_hex(frame(cat({i32(4), i32(5), str("/a"), hex("00000002 0102"), i32(7)})))
        );
        CHECK(
            to_hex(
                encoded(zk::request_header{5, zk::op_code::get_children}, zk::get_children_request{"/", true})
            ) == to_hex(frame(cat({i32(5), i32(8), str("/"), u8(1)})))
        );
        CHECK(
            to_hex(encoded(zk::request_header{6, zk::op_code::sync}, zk::sync_request{"/a"})) ==
            to_hex(frame(cat({i32(6), i32(9), str("/a")})))
        );
        CHECK(
            to_hex(encoded(
                zk::request_header{7, zk::op_code::get_children2}, zk::get_children2_request{"/t", true}
            )) == to_hex(frame(cat({i32(7), i32(12), str("/t"), u8(1)})))
        );
        CHECK(
            to_hex(encoded(zk::request_header{8, zk::op_code::check}, zk::check_version_request{"/a", 3})) ==
            to_hex(frame(cat({i32(8), i32(13), str("/a"), i32(3)})))
        );
        // An empty data buffer is length 0, not null.
        CHECK(
            to_hex(encoded(zk::set_data_request{"/a", {}, -1})) ==
            to_hex(frame(cat({str("/a"), i32(0), i32(-1)})))
        );
    }

    TEST_CASE("requests: getACL, setACL, removeWatches, checkWatches, addWatch")
    {
        CHECK(
            to_hex(encoded(zk::request_header{1, zk::op_code::get_acl}, zk::get_acl_request{"/a"})) ==
            to_hex(frame(cat({i32(1), i32(6), str("/a")})))
        );
        const std::vector<zk::acl> acls{
            zk::digest_acl("u", "p"), zk::acl{zk::perms::read, {"world", "anyone"}}};
        CHECK(
            to_hex(encoded(zk::request_header{2, zk::op_code::set_acl}, zk::set_acl_request{"/a", acls, 4})
            ) ==
            to_hex(frame(cat(
                {i32(2),
                 i32(7),
                 str("/a"),
                 i32(2),
                 i32(31),
                 str("digest"),
                 str("u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ="),
                 i32(1),
                 str("world"),
                 str("anyone"),
                 i32(4)}
            )))
        );
        CHECK(
            to_hex(encoded(
                zk::request_header{3, zk::op_code::remove_watches},
                zk::remove_watches_request{"/a", zk::watcher_type::data}
            )) == to_hex(frame(cat({i32(3), i32(18), str("/a"), i32(2)})))
        );
        CHECK(
            to_hex(encoded(
                zk::request_header{4, zk::op_code::check_watches},
                zk::check_watches_request{"/a", zk::watcher_type::any}
            )) == to_hex(frame(cat({i32(4), i32(17), str("/a"), i32(3)})))
        );
        CHECK(
            to_hex(encoded(
                zk::request_header{5, zk::op_code::add_watch},
                zk::add_watch_request{"/a", zk::add_watch_mode::persistent_recursive}
            )) == to_hex(frame(cat({i32(5), i32(106), str("/a"), i32(1)})))
        );
    }

    TEST_CASE("requests: SetWatches and SetWatches2 with xid -8")
    {
        const zk::set_watches sw{0x1234, {"/d"}, {"/e1", "/e2"}, {}};
        CHECK(
            to_hex(encoded(zk::request_header{zk::set_watches_xid, zk::op_code::set_watches}, sw)) ==
            to_hex(frame(cat(
                {i32(-8), i32(101), i64(0x1234), i32(1), str("/d"), i32(2), str("/e1"), str("/e2"), i32(0)}
            )))
        );
        const zk::set_watches2 sw2{7, {}, {}, {"/c"}, {"/p"}, {"/r"}};
        CHECK(
            to_hex(encoded(zk::request_header{zk::set_watches_xid, zk::op_code::set_watches2}, sw2)) ==
            to_hex(frame(cat(
                {i32(-8),
                 i32(105),
                 i64(7),
                 i32(0),
                 i32(0),
                 i32(1),
                 str("/c"),
                 i32(1),
                 str("/p"),
                 i32(1),
                 str("/r")}
            )))
        );
    }

    // ---- responses ---------------------------------------------------------------------------

    TEST_CASE("responses: every reply body decodes from hand-assembled bytes")
    {
        const bytes ok_header = cat({i32(5), i64(0x100), i32(0)});
        const zk::stat st{0x0102030405060708, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11};

        auto reply = [&](zk::op_code op, const bytes& body) {
            return decoded_reply(cat({ok_header, body}), op);
        };

        CHECK(
            std::get<zk::create_response>(reply(zk::op_code::create, str("/a0000000001")).body).path ==
            "/a0000000001"
        );
        for (const auto op : {zk::op_code::create2, zk::op_code::create_container, zk::op_code::create_ttl})
        {
            const auto m = reply(op, cat({str("/b"), stat_bytes()}));
            CHECK(std::get<zk::create2_response>(m.body) == zk::create2_response{"/b", st});
        }
        CHECK(std::get<zk::exists_response>(reply(zk::op_code::exists, stat_bytes()).body).stat == st);
        CHECK(
            std::get<zk::get_data_response>(
                reply(zk::op_code::get_data, cat({str("data"), stat_bytes()})).body
            ) == zk::get_data_response{{'d', 'a', 't', 'a'}, st}
        );
        // Null data (length -1) reads as empty.
        CHECK(std::get<zk::get_data_response>(reply(zk::op_code::get_data, cat({i32(-1), stat_bytes()})).body)
                  .data.empty());
        CHECK(std::get<zk::set_data_response>(reply(zk::op_code::set_data, stat_bytes()).body).stat == st);
        CHECK(
            std::get<zk::get_acl_response>(
                reply(zk::op_code::get_acl, cat({i32(1), i32(31), str("world"), str("anyone"), stat_bytes()}))
                    .body
            ) == zk::get_acl_response{zk::open_acl_unsafe(), st}
        );
        CHECK(std::get<zk::set_acl_response>(reply(zk::op_code::set_acl, stat_bytes()).body).stat == st);
        CHECK(
            std::get<zk::get_children_response>(
                reply(zk::op_code::get_children, cat({i32(2), str("b"), str("a")})).body
            )
                .children == std::vector<std::string>{"b", "a"}  // unsorted, as sent
        );
        CHECK(
            std::get<zk::get_children2_response>(
                reply(zk::op_code::get_children2, cat({i32(0), stat_bytes()})).body
            ) == zk::get_children2_response{{}, st}
        );
        CHECK(std::get<zk::sync_response>(reply(zk::op_code::sync, str("/s")).body).path == "/s");
        CHECK(std::get<zk::error_response>(reply(zk::op_code::add_watch, i32(0)).body).err == 0);
        for (const auto op : {zk::op_code::delete_node, zk::op_code::check, zk::op_code::remove_watches})
            CHECK(std::holds_alternative<std::monostate>(reply(op, {}).body));
    }

    TEST_CASE("responses: err != 0 has no body; no pending op or an unknown op is an error")
    {
        // exists on a missing node: -101 and nothing after the header.
        const auto missing = decoded_reply(cat({i32(5), i64(0x100), i32(-101)}), zk::op_code::exists);
        CHECK(missing.header.error() == zk::error::no_node);
        CHECK(std::holds_alternative<std::monostate>(missing.body));

        CHECK(
            zk::decode_server_message(cat({i32(5), i64(1), i32(0)}), std::nullopt).error() ==
            zk::error::runtime_inconsistency
        );
        CHECK(
            zk::decode_server_message(cat({i32(5), i64(1), i32(0)}), zk::op_code::who_am_i).error() ==
            zk::error::unimplemented
        );
        // A body that is missing although err is 0.
        CHECK(
            zk::decode_server_message(cat({i32(5), i64(1), i32(0)}), zk::op_code::get_data).error() ==
            zk::error::marshalling_error
        );
    }

    // ---- multi -------------------------------------------------------------------------------

    TEST_CASE("multi: request encodes each op with its MultiHeader and the terminator")
    {
        zk::multi_request multi{{
            zk::multi_op::check({"/latch", 3}),
            zk::multi_op::create({"/n", {'v'}, zk::open_acl_unsafe(), zk::create_mode::persistent}),
            zk::multi_op::create2({"/m", {}, zk::open_acl_unsafe(), zk::create_mode::ephemeral}),
            zk::multi_op::set_data({"/s", {'d'}, 2}),
            zk::multi_op::remove({"/r", -1}),
        }};
        const bytes acl = zk::encode_record(zk::open_acl_unsafe());
        const bytes expected = frame(cat({
            i32(11), i32(14),                                                    // RequestHeader{11, multi}
            i32(13), u8(0),   i32(-1), str("/latch"), i32(3),                    // check
            i32(1),  u8(0),   i32(-1), str("/n"),     str("v"), acl,    i32(0),  // create
            i32(15), u8(0),   i32(-1), str("/m"),     i32(0),   acl,    i32(1),  // create2
            i32(5),  u8(0),   i32(-1), str("/s"),     str("d"), i32(2),          // setData
            i32(2),  u8(0),   i32(-1), str("/r"),     i32(-1),                   // delete
            i32(-1), u8(1),   i32(-1),                                           // terminator
        }));
        CHECK(to_hex(encoded(zk::request_header{11, zk::op_code::multi}, multi)) == to_hex(expected));

        // An empty multi is just the terminator.
        CHECK(to_hex(zk::encode_record(zk::multi_request{})) == "ffffffff01ffffffff");

        // An op code that does not fit its record is refused before anything is written.
        zk::multi_request bad{{zk::multi_op{zk::op_code::set_data, zk::delete_request{"/x", 1}}}};
        bytes out{0xaa};
        CHECK(
            zk::append_frame(
                out, zk::default_max_frame_size, zk::request_header{1, zk::op_code::multi}, bad
            ) == zk::error::bad_arguments
        );
        CHECK(out == bytes{0xaa});
        CHECK(
            zk::multi_op::create({"/c", {}, {}, zk::create_mode::container}).type ==
            zk::op_code::create_container
        );
    }

    TEST_CASE("multi: successful response, including the 3.8.0 create2-as-create quirk")
    {
        const bytes payload = cat({
            i32(11), i64(0x200), i32(0),                               // ReplyHeader
            i32(13), u8(0),      i32(0),                               // check: no body
            i32(1),  u8(0),      i32(0),  str("/n"),                   // create
            i32(1),  u8(0),      i32(0),  str("/m"),                   // create2 answered as create (3.8.0)
            i32(5),  u8(0),      i32(0),  stat_bytes(),                // setData
            i32(2),  u8(0),      i32(0),                               // delete: no body
            i32(15), u8(0),      i32(0),  str("/o"),    stat_bytes(),  // create2 with Stat (3.9)
            i32(-1), u8(1),      i32(-1),                              // terminator
        });
        const auto m = decoded_reply(payload, zk::op_code::multi);
        const auto& results = std::get<zk::multi_response>(m.body).results;
        REQUIRE(results.size() == 6);
        CHECK(results[0].type == zk::op_code::check);
        CHECK(std::get<zk::create_response>(results[1].body).path == "/n");
        CHECK(results[2].type == zk::op_code::create);
        CHECK(std::get<zk::create_response>(results[2].body).path == "/m");
        CHECK(std::get<zk::set_data_response>(results[3].body).stat.version == 5);
        CHECK(results[4].type == zk::op_code::delete_node);
        CHECK(std::get<zk::create2_response>(results[5].body).path == "/o");
        for (const auto& r : results)
            CHECK_FALSE(r.error());
        CHECK_FALSE(zk::find_failure(std::get<zk::multi_response>(m.body)).has_value());
    }

    TEST_CASE("multi: failed multi has header err 0 and error results [-103, -2, -2]")
    {
        const bytes payload =
            hex("0000000b 0000000000000300 00000000"  // ReplyHeader{11, 0x300, 0}
                "ffffffff 00 ffffff99 ffffff99"       // error -103 (bad version): the failing check
                "ffffffff 00 fffffffe fffffffe"       // error -2: not executed
                "ffffffff 00 fffffffe fffffffe"       // error -2: not executed
                "ffffffff 01 ffffffff"                // terminator
            );
        const auto m = decoded_reply(payload, zk::op_code::multi);
        CHECK_FALSE(m.header.error());
        const auto& response = std::get<zk::multi_response>(m.body);
        REQUIRE(response.results.size() == 3);
        CHECK(response.results[0].error() == zk::error::bad_version);
        CHECK(response.results[1].error() == zk::error::runtime_inconsistency);
        CHECK(response.results[2].error() == zk::error::runtime_inconsistency);
        const auto failure = zk::find_failure(response);
        REQUIRE(failure.has_value());
        CHECK(failure->index == 0);
        CHECK(failure->error == zk::error::bad_version);

        // Ops before the failing one carry 0.
        const bytes later = cat({
            i32(12),
            i64(0x301),
            i32(0),
            i32(-1),
            u8(0),
            i32(0),
            i32(0),
            i32(-1),
            u8(0),
            i32(-110),
            i32(-110),
            i32(-1),
            u8(1),
            i32(-1),
        });
        const auto m2 = decoded_reply(later, zk::op_code::multi);
        const auto f2 = zk::find_failure(std::get<zk::multi_response>(m2.body));
        REQUIRE(f2.has_value());
        CHECK(f2->index == 1);
        CHECK(f2->error == zk::error::node_exists);

        // Connection/session trouble: non-zero header err, no results.
        const auto lost = decoded_reply(cat({i32(13), i64(0), i32(-112)}), zk::op_code::multi);
        CHECK(lost.header.error() == zk::error::session_expired);
        CHECK(std::holds_alternative<std::monostate>(lost.body));

        // A result type Java's MultiResponse rejects.
        CHECK(
            zk::decode_server_message(
                cat({i32(14), i64(0), i32(0), i32(3), u8(0), i32(0)}), zk::op_code::multi
            )
                .error() == zk::error::marshalling_error
        );
    }

    TEST_CASE("captured: replies recorded from a live ZooKeeper 3.8.0 decode as expected")
    {
        // multi{create2 "/hk-t/c-" EPHEMERAL_SEQUENTIAL, check "/hk-t" v1}: the create2 comes back as type 1.
        const auto multi = decoded_reply(
            hex("00000006000000000000000500000000"
                "00000001 00 00000000 00000012 2f686b2d742f632d30303030303030303030"
                "0000000d 00 00000000"
                "ffffffff 01 ffffffff"),
            zk::op_code::multi
        );
        const auto& results = std::get<zk::multi_response>(multi.body).results;
        REQUIRE(results.size() == 2);
        CHECK(results[0].type == zk::op_code::create);
        CHECK(std::get<zk::create_response>(results[0].body).path == "/hk-t/c-0000000000");
        CHECK(results[1].type == zk::op_code::check);
        CHECK_FALSE(zk::find_failure(std::get<zk::multi_response>(multi.body)));

        // create2 of an ephemeral sequential node: the owner is the session id.
        const auto created = decoded_reply(
            hex("00000007000000000000000600000000 00000012 2f686b2d742f632d30303030303030303031"
                "0000000000000006 0000000000000006 000001a1ff35c025 000001a1ff35c025 00000000 00000000 "
                "00000000"
                "0100000a65b50000 00000000 00000000 0000000000000006"),
            zk::op_code::create2
        );
        const auto& c2 = std::get<zk::create2_response>(created.body);
        CHECK(ok(zk::parse_sequence_suffix(c2.path)) == 1);
        CHECK(c2.stat.czxid == 6);
        CHECK(c2.stat.ephemeral_owner == 0x0100000a65b50000);

        // getChildren2: unsorted names and the parent's Stat (cversion 2, 2 children).
        const auto children = decoded_reply(
            hex("00000008000000000000000600000000 00000002 0000000c 632d30303030303030303031 0000000c "
                "632d30303030303030303030 0000000000000002 0000000000000004 000001a1ff35bffa "
                "000001a1ff35c01d "
                "00000001 00000002 00000000 0000000000000000 00000001 00000002 0000000000000006"),
            zk::op_code::get_children2
        );
        const auto& gc2 = std::get<zk::get_children2_response>(children.body);
        CHECK(gc2.children == std::vector<std::string>{"c-0000000001", "c-0000000000"});
        CHECK(gc2.stat.cversion == 2);
        CHECK(gc2.stat.num_children == 2);

        // A notification (3.8.0 sends zxid -1) and a create with a bad path (-8).
        const auto event =
            decoded_reply(hex("ffffffffffffffffffffffff00000000 00000003 00000003 00000005 2f686b2d74"), {});
        CHECK(
            std::get<zk::watcher_event>(event.body) ==
            zk::watcher_event{zk::event_type::node_data_changed, zk::keeper_state::sync_connected, "/hk-t"}
        );
        CHECK(
            decoded_reply(hex("000000090000000000000007fffffff8"), zk::op_code::create).header.error() ==
            zk::error::bad_arguments
        );
    }

    // ---- round trips (what a test server sees) -----------------------------------------------

    TEST_CASE("round trip: every request body through decode_client_message")
    {
        const std::vector<zk::client_message> messages{
            {{1, zk::op_code::create},
             zk::create_request{"/a", {1}, zk::open_acl_unsafe(), zk::create_mode::ephemeral}},
            {{2, zk::op_code::create_ttl},
             zk::create_ttl_request{
                 "/t", {}, zk::open_acl_unsafe(), zk::create_mode::persistent_sequential_with_ttl, 5}},
            {{3, zk::op_code::delete_node}, zk::delete_request{"/a", 2}},
            {{4, zk::op_code::exists}, zk::exists_request{"/a", true}},
            {{5, zk::op_code::get_data}, zk::get_data_request{"/a", true}},
            {{6, zk::op_code::set_data}, zk::set_data_request{"/a", {9, 8}, 1}},
            {{7, zk::op_code::get_acl}, zk::get_acl_request{"/a"}},
            {{8, zk::op_code::set_acl}, zk::set_acl_request{"/a", zk::creator_all_acl(), 0}},
            {{9, zk::op_code::get_children}, zk::get_children_request{"/", false}},
            {{10, zk::op_code::sync}, zk::sync_request{"/"}},
            {{11, zk::op_code::get_children2}, zk::get_children2_request{"/t", true}},
            {{12, zk::op_code::check}, zk::check_version_request{"/a", 4}},
            {{13, zk::op_code::multi},
             zk::multi_request{
                 {zk::multi_op::check({"/l", 1}),
                  zk::multi_op::create_ttl({"/x", {}, {}, zk::create_mode::persistent_with_ttl, 9})}}},
            {{14, zk::op_code::multi_read},
             zk::multi_request{
                 {zk::multi_op::get_data({"/a", false}), zk::multi_op::get_children({"/", false})}}},
            {{15, zk::op_code::check_watches}, zk::check_watches_request{"/a", zk::watcher_type::children}},
            {{16, zk::op_code::remove_watches},
             zk::remove_watches_request{"/a", zk::watcher_type::persistent}},
            {{17, zk::op_code::add_watch}, zk::add_watch_request{"/a", zk::add_watch_mode::persistent}},
            {{zk::auth_xid, zk::op_code::auth}, zk::digest_auth("u", "p")},
            {{zk::set_watches_xid, zk::op_code::set_watches}, zk::set_watches{3, {"/a"}, {"/b"}, {"/c"}}},
            {{zk::set_watches_xid, zk::op_code::set_watches2},
             zk::set_watches2{3, {}, {}, {}, {"/p"}, {"/q"}}},
            {{zk::ping_xid, zk::op_code::ping}, std::monostate{}},
            {{18, zk::op_code::close_session}, std::monostate{}},
        };
        for (const auto& message : messages)
        {
            CAPTURE(static_cast<int>(message.header.type));
            const bytes wire = encoded(message.header, message.body);
            CHECK(ok(zk::decode_client_message(std::span(wire).subspan(4))) == message);
        }
        CHECK(zk::decode_client_message(cat({i32(1), i32(107)})).error() == zk::error::unimplemented);
    }

    TEST_CASE("round trip: every reply body through decode_server_message")
    {
        const zk::stat st{1, 2, 3, 4, 5, 6, 7, 0x0123456789abcdef, 9, 10, 11};
        zk::multi_response multi;
        multi.results.push_back({zk::op_code::create2, 0, zk::create2_response{"/c", st}});
        multi.results.push_back({zk::op_code::get_data, 0, zk::get_data_response{{1}, st}});
        multi.results.push_back({zk::op_code::get_children, 0, zk::get_children_response{{"x"}}});
        multi.results.push_back({zk::op_code::error, -101, {}});
        const std::vector<std::pair<zk::op_code, zk::server_message>> messages{
            {zk::op_code::create, {{1, 10, 0}, zk::create_response{"/a"}}},
            {zk::op_code::create2, {{2, 11, 0}, zk::create2_response{"/a", st}}},
            {zk::op_code::exists, {{3, 12, 0}, zk::exists_response{st}}},
            {zk::op_code::get_data, {{4, 13, 0}, zk::get_data_response{{1, 2, 3}, st}}},
            {zk::op_code::set_data, {{5, 14, 0}, zk::set_data_response{st}}},
            {zk::op_code::get_acl, {{6, 15, 0}, zk::get_acl_response{zk::read_acl_unsafe(), st}}},
            {zk::op_code::set_acl, {{7, 16, 0}, zk::set_acl_response{st}}},
            {zk::op_code::get_children, {{8, 17, 0}, zk::get_children_response{{"a", "b"}}}},
            {zk::op_code::get_children2, {{9, 18, 0}, zk::get_children2_response{{"c"}, st}}},
            {zk::op_code::sync, {{10, 19, 0}, zk::sync_response{"/"}}},
            {zk::op_code::multi_read, {{11, 20, 0}, multi}},
            {zk::op_code::add_watch, {{12, 21, 0}, zk::error_response{0}}},
            {zk::op_code::delete_node, {{13, 22, 0}, std::monostate{}}},
            {zk::op_code::get_data, {{14, 23, -101}, std::monostate{}}},
            {zk::op_code::get_data,
             {{zk::notification_xid, -1, 0},
              zk::watcher_event{zk::event_type::node_deleted, zk::keeper_state::sync_connected, "/d"}}},
        };
        for (const auto& entry : messages)
        {
            const zk::op_code op = entry.first;
            const zk::server_message& message = entry.second;
            CAPTURE(static_cast<int>(op));
            const bytes wire = encoded(message.header, message.body);
            CHECK(ok(zk::decode_server_message(std::span(wire).subspan(4), op)) == message);
        }
    }

    // ---- create modes, paths, sequence suffixes ----------------------------------------------

    TEST_CASE("create modes: flags, predicates and op codes")
    {
        CHECK(zk::to_flags(zk::create_mode::ephemeral_sequential) == 3);
        CHECK(zk::to_flags(zk::create_mode::persistent_sequential_with_ttl) == 6);
        CHECK(ok(zk::create_mode_from_flags(4)) == zk::create_mode::container);
        CHECK(zk::create_mode_from_flags(7).error() == zk::error::bad_arguments);
        CHECK(zk::create_mode_from_flags(-1).error() == zk::error::bad_arguments);
        CHECK(zk::is_ephemeral(zk::create_mode::ephemeral_sequential));
        CHECK_FALSE(zk::is_ephemeral(zk::create_mode::container));
        CHECK(zk::is_sequential(zk::create_mode::persistent_sequential_with_ttl));
        CHECK_FALSE(zk::is_sequential(zk::create_mode::ephemeral));
        CHECK(zk::is_ttl(zk::create_mode::persistent_with_ttl));
        CHECK(zk::create_op_for(zk::create_mode::persistent, false) == zk::op_code::create);
        CHECK(zk::create_op_for(zk::create_mode::ephemeral, true) == zk::op_code::create2);
        CHECK(zk::create_op_for(zk::create_mode::container, false) == zk::op_code::create_container);
        CHECK(
            zk::create_op_for(zk::create_mode::persistent_sequential_with_ttl, false) ==
            zk::op_code::create_ttl
        );
    }

    TEST_CASE("path: validatePath rules")
    {
        for (const std::string_view good :
             {"/",
              "/a",
              "/a/b",
              "/a.b",
              "/...",
              "/.a",
              "/a-0000000001",
              "/\xc3\xa9t\xc3\xa9",
              "/zookeeper",
              "/a b",
              "/\xef\xbf\xaf"})
        {
            CAPTURE(good);
            CHECK_FALSE(zk::validate_path(good));
        }
        const std::string with_nul("/a\0b", 4);
        for (const std::string_view bad : {
                 std::string_view(""),
                 std::string_view("a"),
                 std::string_view("a/b"),
                 std::string_view("/a/"),
                 std::string_view("//"),
                 std::string_view("/a//b"),
                 std::string_view("/."),
                 std::string_view("/a/./b"),
                 std::string_view("/.."),
                 std::string_view("/a/.."),
                 std::string_view(with_nul),
                 std::string_view("/a\x01"),
                 std::string_view("/a\x1f"),
                 std::string_view("/a\x7f"),
                 std::string_view("/\xc2\x85"),          // U+0085
                 std::string_view("/\xc2\x9f"),          // U+009F
                 std::string_view("/\xee\x80\x80"),      // U+E000 (private use)
                 std::string_view("/\xef\xa3\xbf"),      // U+F8FF
                 std::string_view("/\xef\xbf\xb0"),      // U+FFF0
                 std::string_view("/\xef\xbf\xbf"),      // U+FFFF
                 std::string_view("/\xf0\x9f\x98\x80"),  // U+1F600: a surrogate pair in Java
                 std::string_view("/\xff"),              // not UTF-8
                 std::string_view("/\xc3"),              // truncated sequence
                 std::string_view("/\xc0\xaf"),          // overlong '/'
                 std::string_view("/\xed\xa0\x80"),      // an encoded surrogate
             })
        {
            CAPTURE(to_hex(std::span(reinterpret_cast<const std::uint8_t*>(bad.data()), bad.size())));
            CHECK(zk::validate_path(bad) == zk::error::bad_arguments);
        }
        // Sequential creates: the server validates path + "1".
        CHECK_FALSE(zk::validate_path("/a/", true));
        CHECK_FALSE(zk::validate_path("/", true));
        CHECK_FALSE(zk::validate_path("/a/.", true));
        CHECK(zk::validate_path("/a//", true) == zk::error::bad_arguments);
        CHECK(zk::validate_path("/./a-", true) == zk::error::bad_arguments);
    }

    TEST_CASE("sequence suffix: parse the last 10 digits, format like %010d")
    {
        CHECK(ok(zk::parse_sequence_suffix("_c_abc-latch-0000000042")) == 42);
        CHECK(ok(zk::parse_sequence_suffix("/t/_c_abc-latch-0000000000")) == 0);
        CHECK(ok(zk::parse_sequence_suffix("2147483647")) == std::numeric_limits<std::int32_t>::max());
        CHECK(ok(zk::parse_sequence_suffix("q--000000042")) == -42);
        CHECK(ok(zk::parse_sequence_suffix("q--2147483648")) == std::numeric_limits<std::int32_t>::min());
        CHECK(ok(zk::parse_sequence_suffix("q-2147483648")) == std::numeric_limits<std::int32_t>::min());
        CHECK(zk::parse_sequence_suffix("q2147483648").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("2147483648").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("9999999999").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("000000001").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("latch-00000000x1").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("-000000000").error() == zk::error::bad_arguments);
        CHECK(zk::parse_sequence_suffix("").error() == zk::error::bad_arguments);

        CHECK(zk::format_sequence_suffix(0) == "0000000000");
        CHECK(zk::format_sequence_suffix(42) == "0000000042");
        CHECK(zk::format_sequence_suffix(2147483647) == "2147483647");
        CHECK(zk::format_sequence_suffix(-42) == "-000000042");
        CHECK(zk::format_sequence_suffix(std::numeric_limits<std::int32_t>::min()) == "-2147483648");
        for (const std::int32_t n : {0, 1, 999, 123456789, 2147483647, -1, -999999999, -2147483647 - 1})
            CHECK(ok(zk::parse_sequence_suffix("n-" + zk::format_sequence_suffix(n))) == n);
        // The documented ambiguity: -1000000000 prints as "-1000000000", whose last 10 characters
        // are a valid positive suffix.
        CHECK(ok(zk::parse_sequence_suffix("n-" + zk::format_sequence_suffix(-1000000000))) == 1000000000);
    }
}
