// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_PATH_HPP
#define HAKIT_ZK_PATH_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/error.hpp>

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Digits of the suffix the server appends to a sequential node's name (`%010d` of the parent's
/// cversion).
inline constexpr std::size_t sequence_suffix_size = 10;

namespace detail {

/// Decodes one UTF-8 code point at `i` (advancing it); -1 for malformed, overlong or surrogate
/// sequences.
constexpr std::int32_t next_code_point(std::string_view s, std::size_t& i) noexcept
{
    const auto byte = [&s](std::size_t k) {
        return static_cast<std::uint8_t>(s[k]);
    };
    const std::uint8_t b0 = byte(i);
    std::size_t len = 0;
    std::int32_t cp = 0;
    std::int32_t min = 0;
    if (b0 < 0x80)
    {
        ++i;
        return b0;
    }
    if ((b0 & 0xe0) == 0xc0)
        len = 2, cp = b0 & 0x1f, min = 0x80;
    else if ((b0 & 0xf0) == 0xe0)
        len = 3, cp = b0 & 0x0f, min = 0x800;
    else if ((b0 & 0xf8) == 0xf0)
        len = 4, cp = b0 & 0x07, min = 0x10000;
    else
        return -1;
    if (s.size() - i < len)
        return -1;
    for (std::size_t k = 1; k < len; ++k)
    {
        const std::uint8_t b = byte(i + k);
        if ((b & 0xc0) != 0x80)
            return -1;
        cp = (cp << 6) | (b & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return -1;
    i += len;
    return cp;
}

/// The characters `PathUtils.validatePath` refuses. Java sees UTF-16 units, so every character
/// outside the BMP (a surrogate pair there) is refused too.
constexpr bool is_forbidden_code_point(std::int32_t c) noexcept
{
    return c <= 0x1f || (c >= 0x7f && c <= 0x9f) || (c >= 0xd800 && c <= 0xf8ff) || c >= 0xfff0;
}

}  // namespace detail

/// Checks a znode path the way ZooKeeper's `PathUtils.validatePath` does: it starts with '/', does
/// not end with '/' (except the root), has no empty, "." or ".." segment, and no character that is
/// NUL, U+0001–U+001F, U+007F–U+009F, U+D800–U+F8FF, U+FFF0–U+FFFF or outside the BMP; the bytes
/// must be valid UTF-8. For a sequential create the server appends the suffix first, so a
/// trailing '/' is then allowed (`validatePath(path + "1")`). Returns bad_arguments (the server's
/// answer to such a path) or success.
inline error_code validate_path(std::string_view path, bool sequential = false) noexcept
{
    if (path.empty() || path.front() != '/')
        return error::bad_arguments;
    if (path.size() == 1)
        return {};  // the root (or "/" + suffix)
    if (path.back() == '/' && !sequential)
        return error::bad_arguments;

    std::size_t segment_start = 1;
    std::size_t i = 1;
    for (;;)
    {
        if (i == path.size() || path[i] == '/')
        {
            const std::string_view segment = path.substr(segment_start, i - segment_start);
            const bool last = i == path.size();
            // A sequential create's last segment gets the suffix, so it is never empty or "."/"..".
            if (!(last && sequential))
            {
                if (segment.empty() || segment == "." || segment == "..")
                    return error::bad_arguments;
            }
            if (last)
                return {};
            segment_start = ++i;
            continue;
        }
        const std::int32_t c = detail::next_code_point(path, i);
        if (c < 0 || detail::is_forbidden_code_point(c))
            return error::bad_arguments;
    }
}

/// The suffix the server appends to a sequential node for a given parent cversion, as Java's
/// `String.format("%010d", n)`: "0000000042"; negative (after the int overflowed) "-000000042".
inline std::string format_sequence_suffix(std::int32_t n)
{
    const bool negative = n < 0;
    std::uint32_t magnitude = negative ? 0u - static_cast<std::uint32_t>(n) : static_cast<std::uint32_t>(n);
    std::string digits;
    do
    {
        digits.insert(digits.begin(), static_cast<char>('0' + magnitude % 10));
        magnitude /= 10;
    } while (magnitude != 0);
    const std::size_t width = negative ? sequence_suffix_size - 1 : sequence_suffix_size;
    if (digits.size() < width)
        digits.insert(0, width - digits.size(), '0');
    return negative ? '-' + digits : digits;
}

/// The sequence number at the end of a sequential node's name or path (its last 10 characters),
/// e.g. "_c_abc-latch-0000000042" → 42. Sort sequential children by this, never by the whole name.
/// After the parent's cversion overflowed (2^31 child changes) the suffix carries a sign:
/// "-000000042" is parsed as -42, and "...-2147483648" as INT_MIN; but -1000000000 and below print
/// 11 characters whose last 10 are digits, so they read as positive, indistinguishable from a name
/// "prefix-" + "1000000000". Anything else is bad_arguments.
inline result<std::int32_t> parse_sequence_suffix(std::string_view name) noexcept
{
    if (name.size() < sequence_suffix_size)
        return error::bad_arguments;
    const std::string_view suffix = name.substr(name.size() - sequence_suffix_size);
    const bool negative = suffix.front() == '-';
    std::int64_t value = 0;
    for (std::size_t k = negative ? 1 : 0; k < suffix.size(); ++k)
    {
        const char c = suffix[k];
        if (c < '0' || c > '9')
            return error::bad_arguments;
        value = value * 10 + (c - '0');
    }
    if (negative)
    {
        if (value == 0)  // "-000000000" is not something %010d writes
            return error::bad_arguments;
        return static_cast<std::int32_t>(-value);
    }
    if (value <= std::numeric_limits<std::int32_t>::max())
        return static_cast<std::int32_t>(value);
    // Ten digits above INT32_MAX can only be the tail of "-2147483648".
    constexpr std::int64_t int_min_magnitude =
        -static_cast<std::int64_t>(std::numeric_limits<std::int32_t>::min());
    if (value == int_min_magnitude && name.size() > sequence_suffix_size &&
        name[name.size() - sequence_suffix_size - 1] == '-')
        return std::numeric_limits<std::int32_t>::min();
    return error::bad_arguments;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
