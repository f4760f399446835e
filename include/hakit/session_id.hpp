// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_SESSION_ID_HPP
#define HAKIT_SESSION_ID_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <boost/uuid/random_generator.hpp>
#include <boost/uuid/string_generator.hpp>
#include <boost/uuid/uuid.hpp>
#include <boost/uuid/uuid_io.hpp>

#include <compare>
#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// The id of one leadership term: a random UUID per term, the fencing token that receivers of a
/// leader's messages compare. The nil UUID is the fixed id of the standalone backend.
class session_id
{
public:
    /// The nil id (00000000-0000-0000-0000-000000000000).
    constexpr session_id() noexcept = default;
    explicit constexpr session_id(const boost::uuids::uuid& value) noexcept : value_(value) {}

    static constexpr session_id nil() noexcept { return session_id(); }

    /// A fresh random (version 4) id.
    static session_id random()
    {
        thread_local boost::uuids::random_generator generator;
        return session_id(generator());
    }

    /// From Java's UUID(mostSigBits, leastSigBits), as Flink serializes it.
    static constexpr session_id from_java_bits(std::int64_t most, std::int64_t least) noexcept
    {
        boost::uuids::uuid u{};
        for (int i = 0; i < 8; ++i)
        {
            u.data[i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(most) >> (56 - 8 * i));
            u.data[8 + i] = static_cast<std::uint8_t>(static_cast<std::uint64_t>(least) >> (56 - 8 * i));
        }
        return session_id(u);
    }

    constexpr std::int64_t most_significant_bits() const noexcept { return bits(0); }
    constexpr std::int64_t least_significant_bits() const noexcept { return bits(8); }

    /// Parses the canonical 36-character form; anything else is errc::invalid_argument.
    static result<session_id> parse(std::string_view text) noexcept
    {
        if (text.size() != 36)
            return errc::invalid_argument;
        for (std::size_t i = 0; i < text.size(); ++i)
        {
            const char c = text[i];
            const bool dash_position = i == 8 || i == 13 || i == 18 || i == 23;
            const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
            if (dash_position ? c != '-' : !hex)
                return errc::invalid_argument;
        }
        try
        {
            return session_id(boost::uuids::string_generator()(text.begin(), text.end()));
        }
        catch (...)
        {
            return errc::invalid_argument;
        }
    }

    bool is_nil() const noexcept { return value_.is_nil(); }
    constexpr const boost::uuids::uuid& uuid() const noexcept { return value_; }
    std::string to_string() const { return boost::uuids::to_string(value_); }

    friend bool operator==(const session_id& a, const session_id& b) noexcept { return a.value_ == b.value_; }
    friend constexpr std::strong_ordering operator<=>(const session_id& a, const session_id& b) noexcept
    {
        for (std::size_t i = 0; i < 16; ++i)
            if (a.value_.data[i] != b.value_.data[i])
                return a.value_.data[i] <=> b.value_.data[i];
        return std::strong_ordering::equal;
    }
    friend std::ostream& operator<<(std::ostream& os, const session_id& id) { return os << id.to_string(); }

private:
    constexpr std::int64_t bits(int offset) const noexcept
    {
        std::uint64_t v = 0;
        for (int i = 0; i < 8; ++i)
            v = (v << 8) | value_.data[offset + i];
        return static_cast<std::int64_t>(v);
    }

    boost::uuids::uuid value_{};
};

HAKIT_NAMESPACE_END

template <>
struct std::hash<hakit::session_id>
{
    std::size_t operator()(const hakit::session_id& id) const noexcept
    {
        return std::hash<std::int64_t>()(id.most_significant_bits() ^ (id.least_significant_bits() * 31));
    }
};

#endif
