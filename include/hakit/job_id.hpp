// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_JOB_ID_HPP
#define HAKIT_JOB_ID_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <boost/uuid/random_generator.hpp>

#include <array>
#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// A Flink JobID: 16 bytes, written as 32 lowercase hex characters (Flink's AbstractID puts the
/// lower 64 bits first, then the upper 64 bits, each big-endian).
class job_id
{
public:
    /// The all-zero id (Flink's DEFAULT_JOB_ID).
    constexpr job_id() noexcept = default;

    static constexpr job_id from_parts(std::uint64_t lower, std::uint64_t upper) noexcept
    {
        job_id id;
        for (int i = 0; i < 8; ++i)
        {
            id.bytes_[i] = static_cast<std::uint8_t>(lower >> (56 - 8 * i));
            id.bytes_[8 + i] = static_cast<std::uint8_t>(upper >> (56 - 8 * i));
        }
        return id;
    }

    static job_id random()
    {
        thread_local boost::uuids::random_generator generator;
        const auto u = generator();
        job_id id;
        for (std::size_t i = 0; i < 16; ++i)
            id.bytes_[i] = u.data[i];
        return id;
    }

    /// Parses exactly 32 hex digits (either case); anything else is errc::invalid_argument.
    static constexpr result<job_id> parse(std::string_view hex) noexcept
    {
        if (hex.size() != 32)
            return errc::invalid_argument;
        job_id id;
        for (std::size_t i = 0; i < 16; ++i)
        {
            const int hi = nibble(hex[2 * i]);
            const int lo = nibble(hex[2 * i + 1]);
            if (hi < 0 || lo < 0)
                return errc::invalid_argument;
            id.bytes_[i] = static_cast<std::uint8_t>(hi << 4 | lo);
        }
        return id;
    }

    constexpr std::uint64_t lower_part() const noexcept { return part(0); }
    constexpr std::uint64_t upper_part() const noexcept { return part(8); }
    constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

    std::string to_string() const
    {
        static constexpr char digits[] = "0123456789abcdef";
        std::string s(32, '0');
        for (std::size_t i = 0; i < 16; ++i)
        {
            s[2 * i] = digits[bytes_[i] >> 4];
            s[2 * i + 1] = digits[bytes_[i] & 0xf];
        }
        return s;
    }

    friend constexpr bool operator==(const job_id&, const job_id&) noexcept = default;
    friend constexpr std::strong_ordering operator<=>(const job_id&, const job_id&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const job_id& id) { return os << id.to_string(); }

private:
    static constexpr int nibble(char c) noexcept
    {
        if (c >= '0' && c <= '9')
            return c - '0';
        if (c >= 'a' && c <= 'f')
            return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
            return c - 'A' + 10;
        return -1;
    }

    constexpr std::uint64_t part(std::size_t offset) const noexcept
    {
        std::uint64_t v = 0;
        for (std::size_t i = 0; i < 8; ++i)
            v = (v << 8) | bytes_[offset + i];
        return v;
    }

    std::array<std::uint8_t, 16> bytes_{};
};

HAKIT_NAMESPACE_END

template <>
struct std::hash<hakit::job_id>
{
    std::size_t operator()(const hakit::job_id& id) const noexcept
    {
        return std::hash<std::uint64_t>()(id.lower_part() ^ (id.upper_part() * 1099511628211ULL));
    }
};

#endif
