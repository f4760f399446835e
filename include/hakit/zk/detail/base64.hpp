// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_BASE64_HPP
#define HAKIT_ZK_DETAIL_BASE64_HPP

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// Standard base64 (RFC 4648 alphabet, '=' padding), as java.util.Base64.getEncoder() writes it.
inline std::string base64_encode(std::span<const std::uint8_t> in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    for (; i + 3 <= in.size(); i += 3)
    {
        const std::uint32_t v = (std::uint32_t{in[i]} << 16) | (std::uint32_t{in[i + 1]} << 8) | in[i + 2];
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (const std::size_t left = in.size() - i; left != 0)
    {
        std::uint32_t v = std::uint32_t{in[i]} << 16;
        if (left == 2)
            v |= std::uint32_t{in[i + 1]} << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
