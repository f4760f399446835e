// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// libFuzzer target: Flink's `connection_info` bytes (hakit::zookeeper connection_info codec).
//
// Every input is used twice:
// 1. As node data: decode must never crash or read out of bounds (ASan + UBSan). Whatever decodes
//    re-encodes, decodes to the same leader again, and the re-encoded stream equals the input once
//    both are stripped of their block-data headers (the decoder accepts any block split, as
//    ObjectInputStream does; everything else must be byte-identical).
// 2. As a leader: bytes 0-15 are the UUID (msb, lsb), the rest the address. Encoding fails only
//    with invalid_argument (invalid UTF-8); what encodes decodes back to the same leader.
#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/session_id.hpp>
#include <hakit/zookeeper/connection_info.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace {

namespace zkha = hakit::zookeeper;
using bytes = std::vector<std::uint8_t>;

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

/// The stream without its block-data headers (magic, block contents, the rest), or nullopt if
/// the framing is broken. Only used on data that decoded, so it never fails there.
std::optional<bytes> unframe(std::span<const std::uint8_t> data)
{
    if (data.size() < 4)
        return std::nullopt;
    bytes out(data.begin(), data.begin() + 4);
    std::size_t pos = 4;
    while (pos < data.size() && (data[pos] == 0x77 || data[pos] == 0x7A))
    {
        std::size_t n = 0;
        if (data[pos] == 0x77)
        {
            if (data.size() - pos < 2)
                return std::nullopt;
            n = data[pos + 1];
            pos += 2;
        }
        else
        {
            if (data.size() - pos < 5)
                return std::nullopt;
            n = static_cast<std::size_t>(zkha::detail::java_stream::read_be(data.data() + pos + 1, 4));
            pos += 5;
        }
        if (n > data.size() - pos)
            return std::nullopt;
        out.insert(
            out.end(),
            data.begin() + static_cast<std::ptrdiff_t>(pos),
            data.begin() + static_cast<std::ptrdiff_t>(pos + n)
        );
        pos += n;
    }
    out.insert(out.end(), data.begin() + static_cast<std::ptrdiff_t>(pos), data.end());
    return out;
}

void check_decode(std::span<const std::uint8_t> data)
{
    const auto decoded = zkha::decode_connection_info(data);
    if (!decoded)
    {
        require(decoded.error() == hakit::errc::corrupted_data);
        return;
    }
    const auto encoded = zkha::encode_connection_info(decoded.value());
    require(encoded.has_value());
    const auto again = zkha::decode_connection_info(encoded.value());
    require(again.has_value() && again.value() == decoded.value());
    if (data.empty())
    {
        require(decoded.value().is_empty() && encoded.value().empty());
        return;
    }
    const auto a = unframe(data);
    const auto b = unframe(encoded.value());
    require(a.has_value() && b.has_value() && *a == *b);
}

void check_encode(std::span<const std::uint8_t> data)
{
    if (data.size() < 16)
        return;
    const auto most = static_cast<std::int64_t>(zkha::detail::java_stream::read_be(data.data(), 8));
    const auto least = static_cast<std::int64_t>(zkha::detail::java_stream::read_be(data.data() + 8, 8));
    const std::string address(data.begin() + 16, data.end());
    const auto info =
        hakit::leader_information::known(hakit::session_id::from_java_bits(most, least), address);
    const auto encoded = zkha::encode_connection_info(info);
    if (!encoded)
    {
        require(encoded.error() == hakit::errc::invalid_argument);
        return;
    }
    const auto decoded = zkha::decode_connection_info(encoded.value());
    require(decoded.has_value() && decoded.value() == info);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    const std::span<const std::uint8_t> in(data, size);
    check_decode(in);
    check_encode(in);
    return 0;
}
