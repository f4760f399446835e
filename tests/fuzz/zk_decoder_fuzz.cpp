// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// libFuzzer target: arbitrary bytes through the ZooKeeper frame reader and every decoder.
//
// Input layout: byte 0 picks the decoder (kind % 4: connect response, connect request, client
// message, server message; for server messages kind / 4 also picks the pending op); byte 1 picks
// the feeding mode (bit 7: the rest is one payload, no framing; bit 6: a 64-byte frame limit
// instead of the default; bits 0-5: chunk size - 1 for the frame reader). Every frame that
// decodes is encoded again and must decode to the same value, and the decoders, path validation
// and suffix parser must never crash, read out of bounds or hit UB (ASan + UBSan).
#include <hakit/zk/codec.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <variant>

namespace {

namespace zk = hakit::zk;

constexpr std::array<std::optional<zk::op_code>, 22> pending_ops{
    std::nullopt,
    zk::op_code::create,
    zk::op_code::create2,
    zk::op_code::create_container,
    zk::op_code::create_ttl,
    zk::op_code::delete_node,
    zk::op_code::exists,
    zk::op_code::get_data,
    zk::op_code::set_data,
    zk::op_code::get_acl,
    zk::op_code::set_acl,
    zk::op_code::get_children,
    zk::op_code::get_children2,
    zk::op_code::sync,
    zk::op_code::check,
    zk::op_code::multi,
    zk::op_code::multi_read,
    zk::op_code::reconfig,
    zk::op_code::add_watch,
    zk::op_code::remove_watches,
    zk::op_code::close_session,
    zk::op_code::who_am_i,  // a reply layout the codec does not know: must be `unimplemented`
};

void require(bool condition)
{
    if (!condition)
        __builtin_trap();
}

/// decode → encode → decode must give the same value (the encoder never fails on decoded input:
/// re-encoding is never longer than the frame it came from).
template <class T, class Decode, class... Records>
void require_round_trip(const T& value, Decode decode, const Records&... records)
{
    const auto wire = zk::encode_frame(records...);
    require(wire.has_value());
    const auto again = decode(std::span<const std::uint8_t>(wire.value()).subspan(zk::frame_header_size));
    require(again.has_value());
    require(again.value() == value);
}

void decode_payload(std::uint8_t kind, std::span<const std::uint8_t> payload)
{
    switch (kind % 4)
    {
        case 0:
            if (const auto r = zk::decode_connect_response(payload))
                require_round_trip(
                    r.value(), [](auto p) { return zk::decode_connect_response(p); }, r.value()
                );
            break;
        case 1:
            if (const auto r = zk::decode_connect_request(payload))
                require_round_trip(
                    r.value(), [](auto p) { return zk::decode_connect_request(p); }, r.value()
                );
            break;
        case 2:
            if (const auto r = zk::decode_client_message(payload))
            {
                const auto& m = r.value();
                require_round_trip(
                    m, [](auto p) { return zk::decode_client_message(p); }, m.header, m.body
                );
            }
            break;
        default: {
            const auto pending = pending_ops[(kind / 4) % pending_ops.size()];
            const auto r = zk::decode_server_message(payload, pending);
            if (r)
            {
                const auto& m = r.value();
                if (const auto* multi = std::get_if<zk::multi_response>(&m.body))
                {
                    if (const auto failure = zk::find_failure(*multi))
                        require(failure->index < multi->results.size() && failure->error.failed());
                }
                require_round_trip(
                    m, [pending](auto p) { return zk::decode_server_message(p, pending); }, m.header, m.body
                );
            }
            else if (pending == zk::op_code::who_am_i)
                require(r.error() == zk::error::unimplemented || r.error() == zk::error::marshalling_error);
            break;
        }
    }

    // Path rules and the suffix parser see the same bytes as text.
    const std::string_view text(reinterpret_cast<const char*>(payload.data()), payload.size());
    (void)zk::validate_path(text);
    (void)zk::validate_path(text, true);
    if (const auto n = zk::parse_sequence_suffix(text); n && n.value() > -1000000000)
        require(zk::parse_sequence_suffix(zk::format_sequence_suffix(n.value())).value() == n.value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size)
{
    if (size < 2)
        return 0;
    const std::uint8_t kind = data[0];
    const std::uint8_t mode = data[1];
    std::span<const std::uint8_t> in(data + 2, size - 2);

    if ((mode & 0x80) != 0)
    {
        decode_payload(kind, in);
        return 0;
    }

    const std::size_t chunk = 1 + (mode & 0x3f);
    zk::frame_reader reader((mode & 0x40) != 0 ? 64 : zk::default_max_frame_size);
    while (!in.empty())
    {
        const auto taken = reader.consume(in.first(std::min(chunk, in.size())));
        if (!taken)
        {
            require(taken.error() == zk::error::marshalling_error && reader.failed());
            break;
        }
        in = in.subspan(taken.value());
        if (reader.ready())
        {
            require(reader.frame().size() <= reader.max_frame_size());
            decode_payload(kind, reader.frame());
            reader.next();
        }
    }
    return 0;
}
