// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_BASE64_HPP
#define HAKIT_FILESYSTEM_BASE64_HPP

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// Base64 as Jackson writes binary JSON values (Base64Variants.MIME_NO_LINEFEEDS: the standard
/// RFC 4648 alphabet, '=' padding, no line breaks). Flink's job result files hold accumulator
/// values and serialized throwables this way.
inline std::string jackson_base64_encode(std::string_view in)
{
    static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    out.reserve((in.size() + 2) / 3 * 4);
    std::size_t i = 0;
    const auto byte = [&](std::size_t k) {
        return static_cast<std::uint32_t>(static_cast<std::uint8_t>(in[k]));
    };
    for (; i + 3 <= in.size(); i += 3)
    {
        const std::uint32_t v = byte(i) << 16 | byte(i + 1) << 8 | byte(i + 2);
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += alphabet[(v >> 6) & 63];
        out += alphabet[v & 63];
    }
    if (const std::size_t left = in.size() - i; left != 0)
    {
        std::uint32_t v = byte(i) << 16;
        if (left == 2)
            v |= byte(i + 1) << 8;
        out += alphabet[(v >> 18) & 63];
        out += alphabet[(v >> 12) & 63];
        out += left == 2 ? alphabet[(v >> 6) & 63] : '=';
        out += '=';
    }
    return out;
}

/// Decodes what jackson_base64_encode writes: standard alphabet, length a multiple of 4, '=' only
/// as padding at the end, and no set bits in the padding. nullopt for anything else.
inline std::optional<std::string> jackson_base64_decode(std::string_view in)
{
    const auto value = [](char c) -> int {
        if (c >= 'A' && c <= 'Z')
            return c - 'A';
        if (c >= 'a' && c <= 'z')
            return c - 'a' + 26;
        if (c >= '0' && c <= '9')
            return c - '0' + 52;
        if (c == '+')
            return 62;
        if (c == '/')
            return 63;
        return -1;
    };
    if (in.size() % 4 != 0)
        return std::nullopt;
    std::string out;
    out.reserve(in.size() / 4 * 3);
    for (std::size_t i = 0; i < in.size(); i += 4)
    {
        const bool last = i + 4 == in.size();
        const std::size_t padding = last ? (in[i + 3] == '=' ? (in[i + 2] == '=' ? 2 : 1) : 0) : 0;
        std::uint32_t v = 0;
        for (std::size_t k = 0; k < 4; ++k)
        {
            int d = 0;
            if (k < 4 - padding)
            {
                d = value(in[i + k]);
                if (d < 0)
                    return std::nullopt;
            }
            v = v << 6 | static_cast<std::uint32_t>(d);
        }
        out += static_cast<char>((v >> 16) & 0xFF);
        if (padding < 2)
            out += static_cast<char>((v >> 8) & 0xFF);
        if (padding < 1)
            out += static_cast<char>(v & 0xFF);
        // Bits that fall into the padding must be zero, so that every input has one encoding.
        if ((padding == 1 && (v & 0xFF) != 0) || (padding == 2 && (v & 0xFFFF) != 0))
            return std::nullopt;
    }
    return out;
}

}  // namespace detail

HAKIT_NAMESPACE_END

#endif
