// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_HEX_HPP
#define HAKIT_DETAIL_HEX_HPP

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN
namespace detail {

/// The value of one hex digit (either case), or -1.
constexpr int hex_digit_value(char c) noexcept
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/// Decodes exactly 2 * n hex digits into n bytes; false (out partly written) on a bad digit or length.
constexpr bool decode_hex(std::string_view hex, std::uint8_t* out, std::size_t n) noexcept
{
    if (hex.size() != 2 * n)
        return false;
    for (std::size_t i = 0; i < n; ++i)
    {
        const int hi = hex_digit_value(hex[2 * i]);
        const int lo = hex_digit_value(hex[2 * i + 1]);
        if (hi < 0 || lo < 0)
            return false;
        out[i] = static_cast<std::uint8_t>(hi << 4 | lo);
    }
    return true;
}

/// Appends n bytes as lowercase hex.
inline void append_hex(std::string& out, const std::uint8_t* bytes, std::size_t n)
{
    static constexpr char digits[] = "0123456789abcdef";
    for (std::size_t i = 0; i < n; ++i)
    {
        out += digits[bytes[i] >> 4];
        out += digits[bytes[i] & 0xf];
    }
}

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
