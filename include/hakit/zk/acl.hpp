// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_ACL_HPP
#define HAKIT_ZK_ACL_HPP

#include <hakit/zk/detail/base64.hpp>
#include <hakit/zk/jute.hpp>

#include <hakit/detail/config.hpp>

#include <boost/uuid/detail/sha1.hpp>
#include <boost/version.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// ACL permission bits (`ZooDefs.Perms`).
namespace perms {
inline constexpr std::int32_t read = 1;
inline constexpr std::int32_t write = 2;
inline constexpr std::int32_t create = 4;
inline constexpr std::int32_t remove = 8;  // DELETE
inline constexpr std::int32_t admin = 16;
inline constexpr std::int32_t all = read | write | create | remove | admin;
}  // namespace perms

/// An identity in an ACL (`Id`): `world:anyone`, `auth:`, `digest:user:hash`, `ip:addr`, ...
struct acl_id
{
    std::string scheme;
    std::string id;

    friend bool operator==(const acl_id&, const acl_id&) = default;
};

/// One ACL entry (`ACL`): the permission bits granted to an identity.
struct acl
{
    std::int32_t perms = 0;
    acl_id id;

    friend bool operator==(const acl&, const acl&) = default;
};

/// `OPEN_ACL_UNSAFE`: everything for everyone.
inline const std::vector<acl>& open_acl_unsafe()
{
    static const std::vector<acl> value{{perms::all, {"world", "anyone"}}};
    return value;
}

/// `CREATOR_ALL_ACL`: everything for the ids the creating connection authenticated as (the server
/// expands `auth:`; creating with it on an unauthenticated connection fails with invalid_acl).
inline const std::vector<acl>& creator_all_acl()
{
    static const std::vector<acl> value{{perms::all, {"auth", ""}}};
    return value;
}

/// `READ_ACL_UNSAFE`: read for everyone.
inline const std::vector<acl>& read_acl_unsafe()
{
    static const std::vector<acl> value{{perms::read, {"world", "anyone"}}};
    return value;
}

/// The stored id of a digest user (`DigestAuthenticationProvider.generateDigest`):
/// `user:` + base64(SHA-1("user:password")), e.g. `u`/`p` → `u:Jq7wMyA/w2Vd5WIDAKdu4OIIFEQ=`.
inline std::string digest_id(std::string_view user, std::string_view password)
{
    std::string plain;
    plain.reserve(user.size() + 1 + password.size());
    plain.append(user).append(1, ':').append(password);

    boost::uuids::detail::sha1 sha;
    sha.process_bytes(plain.data(), plain.size());
    std::array<std::uint8_t, 20> digest{};
    boost::uuids::detail::sha1::digest_type raw;
    sha.get_digest(raw);
#if BOOST_VERSION >= 108600
    for (std::size_t i = 0; i < digest.size(); ++i)  // 1.86 made the digest 20 bytes
        digest[i] = static_cast<std::uint8_t>(raw[i]);
#else
    for (std::size_t i = 0; i < 5; ++i)  // five big-endian 32-bit words
        for (std::size_t j = 0; j < 4; ++j)
            digest[4 * i + j] = static_cast<std::uint8_t>(raw[i] >> (24 - 8 * j));
#endif
    // Java keeps what precedes the first ':' of "user:password" (differs only if user has a ':').
    return plain.substr(0, plain.find(':')) + ':' + detail::base64_encode(digest);
}

/// The credential of an auth request (`AuthPacket`, op auth, xid -4). Auth is per connection: a
/// client re-sends every packet after each reconnect.
struct auth_packet
{
    /// Always 0.
    std::int32_t type = 0;
    std::string scheme;
    bytes auth;

    friend bool operator==(const auth_packet&, const auth_packet&) = default;
};

/// The auth packet of a digest user: scheme "digest", data "user:password".
inline auth_packet digest_auth(std::string_view user, std::string_view password)
{
    auth_packet packet{0, "digest", {}};
    packet.auth.reserve(user.size() + 1 + password.size());
    packet.auth.insert(packet.auth.end(), user.begin(), user.end());
    packet.auth.push_back(':');
    packet.auth.insert(packet.auth.end(), password.begin(), password.end());
    return packet;
}

/// An ACL entry granting `permissions` to the digest user `user` with `password`.
inline acl digest_acl(std::string_view user, std::string_view password, std::int32_t permissions = perms::all)
{
    return acl{permissions, {"digest", digest_id(user, password)}};
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
