// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_JOB_ID_HPP
#define HAKIT_JOB_ID_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/hex.hpp>

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
        job_id id;
        if (!detail::decode_hex(hex, id.bytes_.data(), id.bytes_.size()))
            return errc::invalid_argument;
        return id;
    }

    constexpr std::uint64_t lower_part() const noexcept { return part(0); }
    constexpr std::uint64_t upper_part() const noexcept { return part(8); }
    constexpr const std::array<std::uint8_t, 16>& bytes() const noexcept { return bytes_; }

    std::string to_string() const
    {
        std::string s;
        s.reserve(32);
        detail::append_hex(s, bytes_.data(), bytes_.size());
        return s;
    }

    friend constexpr bool operator==(const job_id&, const job_id&) noexcept = default;
    friend constexpr std::strong_ordering operator<=>(const job_id&, const job_id&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const job_id& id) { return os << id.to_string(); }

private:
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
