// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The ZooKeeper codec under bad input: frame reassembly from arbitrary chunks, frame length limits,
// truncated and lying records. Every case must end in an error value, never in a crash or an
// out-of-bounds read (run under ASan+UBSan).
#include <hakit/zk/codec.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace zk = hakit::zk;
using bytes = std::vector<std::uint8_t>;

bytes i32(std::int32_t v)
{
    const auto u = static_cast<std::uint32_t>(v);
    return {
        static_cast<std::uint8_t>(u >> 24),
        static_cast<std::uint8_t>(u >> 16),
        static_cast<std::uint8_t>(u >> 8),
        static_cast<std::uint8_t>(u)};
}

bytes i64(std::int64_t v)
{
    const auto u = static_cast<std::uint64_t>(v);
    bytes out;
    for (int shift = 56; shift >= 0; shift -= 8)
        out.push_back(static_cast<std::uint8_t>(u >> shift));
    return out;
}

bytes str(std::string_view s)
{
    bytes out = i32(static_cast<std::int32_t>(s.size()));
    out.insert(out.end(), s.begin(), s.end());
    return out;
}

bytes cat(std::initializer_list<bytes> pieces)
{
    bytes out;
    for (const auto& p : pieces)
        out.insert(out.end(), p.begin(), p.end());
    return out;
}

bytes stat_bytes()
{
    return cat({i64(1), i64(2), i64(3), i64(4), i32(5), i32(6), i32(7), i64(8), i32(9), i32(10), i64(11)});
}

bytes frame(const bytes& payload)
{
    return cat({i32(static_cast<std::int32_t>(payload.size())), payload});
}

/// A server reply and the op it answers.
struct reply_case
{
    const char* name;
    std::optional<zk::op_code> pending;
    bytes payload;
};

/// One valid reply per body layout (the payload, without the frame length).
std::vector<reply_case> valid_replies()
{
    const bytes ok_header = cat({i32(5), i64(0x100), i32(0)});
    const bytes acl = cat({i32(1), i32(31), str("world"), str("anyone")});
    return {
        {"notification", std::nullopt, cat({i32(-1), i64(-1), i32(0), i32(3), i32(3), str("/a")})},
        {"ping", std::nullopt, cat({i32(-2), i64(7), i32(0)})},
        {"create", zk::op_code::create, cat({ok_header, str("/a0000000001")})},
        {"create2", zk::op_code::create2, cat({ok_header, str("/b"), stat_bytes()})},
        {"exists", zk::op_code::exists, cat({ok_header, stat_bytes()})},
        {"getData", zk::op_code::get_data, cat({ok_header, str("data"), stat_bytes()})},
        {"setData", zk::op_code::set_data, cat({ok_header, stat_bytes()})},
        {"getACL", zk::op_code::get_acl, cat({ok_header, acl, stat_bytes()})},
        {"setACL", zk::op_code::set_acl, cat({ok_header, stat_bytes()})},
        {"getChildren", zk::op_code::get_children, cat({ok_header, i32(2), str("a"), str("b")})},
        {"getChildren2", zk::op_code::get_children2, cat({ok_header, i32(1), str("c"), stat_bytes()})},
        {"sync", zk::op_code::sync, cat({ok_header, str("/")})},
        {"addWatch", zk::op_code::add_watch, cat({ok_header, i32(0)})},
        {"multi ok",
         zk::op_code::multi,
         cat(
             {ok_header,
              cat({i32(1), bytes{0}, i32(0), str("/n")}),
              cat({i32(15), bytes{0}, i32(0), str("/m"), stat_bytes()}),
              cat({i32(5), bytes{0}, i32(0), stat_bytes()}),
              cat({i32(2), bytes{0}, i32(0)}),
              cat({i32(-1), bytes{1}, i32(-1)})}
         )},
        {"multi failed",
         zk::op_code::multi,
         cat(
             {ok_header,
              cat({i32(-1), bytes{0}, i32(-103), i32(-103)}),
              cat({i32(-1), bytes{0}, i32(-2), i32(-2)}),
              cat({i32(-1), bytes{1}, i32(-1)})}
         )},
        {"multiRead",
         zk::op_code::multi_read,
         cat(
             {ok_header,
              cat({i32(4), bytes{0}, i32(0), str("d"), stat_bytes()}),
              cat({i32(8), bytes{0}, i32(0), i32(1), str("x")}),
              cat({i32(-1), bytes{1}, i32(-1)})}
         )},
    };
}

/// One valid client frame payload per request layout.
std::vector<bytes> valid_requests()
{
    const bytes acl = cat({i32(1), i32(31), str("world"), str("anyone")});
    return {
        cat({i32(1), i32(1), str("/a"), str("d"), acl, i32(0)}),
        cat({i32(2), i32(21), str("/a"), str("d"), acl, i32(5), i64(1000)}),
        cat({i32(3), i32(2), str("/a"), i32(-1)}),
        cat({i32(4), i32(3), str("/a"), bytes{1}}),
        cat({i32(5), i32(5), str("/a"), str("x"), i32(3)}),
        cat({i32(6), i32(7), str("/a"), acl, i32(3)}),
        cat({i32(7), i32(12), str("/a"), bytes{0}}),
        cat({i32(8), i32(14), i32(13), bytes{0}, i32(-1), str("/l"), i32(1), i32(-1), bytes{1}, i32(-1)}),
        cat({i32(-4), i32(100), i32(0), str("digest"), str("u:p")}),
        cat({i32(-8), i32(101), i64(5), i32(1), str("/d"), i32(0), i32(1), str("/c")}),
        cat({i32(-8), i32(105), i64(5), i32(0), i32(0), i32(0), i32(1), str("/p"), i32(0)}),
        cat({i32(9), i32(106), str("/a"), i32(1)}),
    };
}

bytes connect_response_payload()
{
    return cat({i32(0), i32(4000), i64(0x0123456789abcdef), str(std::string(16, '\x07')), bytes{0}});
}

}  // namespace

TEST_SUITE("zk_codec")
{
    // ---- frames ------------------------------------------------------------------------------

    TEST_CASE("frame_reader: reassembles frames from every chunk size")
    {
        const std::vector<bytes> payloads{
            cat({i32(-2), i64(7), i32(0)}),
            {},  // a zero-length frame is legal framing
            cat({i32(5), i64(0x100), i32(0), str("/a0000000001")}),
            bytes(1000, 0x5a),
        };
        bytes stream;
        for (const auto& p : payloads)
        {
            const bytes f = frame(p);
            stream.insert(stream.end(), f.begin(), f.end());
        }
        for (std::size_t chunk = 1; chunk <= stream.size(); chunk = chunk < 16 ? chunk + 1 : chunk * 2)
        {
            CAPTURE(chunk);
            zk::frame_reader reader;
            std::vector<bytes> got;
            for (std::size_t pos = 0; pos < stream.size(); pos += chunk)
            {
                std::span<const std::uint8_t> data(stream.data() + pos, std::min(chunk, stream.size() - pos));
                while (!data.empty() || reader.ready())
                {
                    if (reader.ready())
                    {
                        got.emplace_back(reader.frame().begin(), reader.frame().end());
                        reader.next();
                        continue;
                    }
                    const auto n = reader.consume(data);
                    REQUIRE(n.has_value());
                    data = data.subspan(n.value());
                }
            }
            CHECK_FALSE(reader.ready());
            CHECK(got == payloads);
        }
    }

    TEST_CASE("frame_reader: prepare/commit reads exactly up to each frame boundary")
    {
        const bytes stream = cat({frame(cat({i32(-2), i64(7), i32(0)})), frame(bytes{1, 2, 3})});
        zk::frame_reader reader;
        std::size_t pos = 0;
        std::vector<bytes> got;
        while (pos < stream.size())
        {
            const auto buf = reader.prepare();
            REQUIRE_FALSE(buf.empty());
            // Never asks for more than the current frame needs: the length prefix, then the payload.
            const std::size_t n = std::min<std::size_t>(buf.size(), 3);  // a short read
            std::copy_n(stream.begin() + static_cast<std::ptrdiff_t>(pos), n, buf.begin());
            pos += n;
            REQUIRE_FALSE(reader.commit(n));
            if (reader.ready())
            {
                CHECK(reader.prepare().empty());
                got.emplace_back(reader.frame().begin(), reader.frame().end());
                reader.next();
                CHECK(reader.prepare().size() == zk::frame_header_size);
            }
        }
        REQUIRE(got.size() == 2);
        CHECK(got[1] == bytes{1, 2, 3});
        // Committing more than was offered is refused and changes nothing.
        CHECK(reader.commit(5) == zk::error::bad_arguments);
        CHECK(reader.prepare().size() == zk::frame_header_size);
    }

    TEST_CASE("frame_reader: rejects negative and oversized lengths, then stays failed until reset")
    {
        for (const std::int32_t len :
             {-1, -2, std::numeric_limits<std::int32_t>::min(), 0x100000, 0x7fffffff})
        {
            CAPTURE(len);
            zk::frame_reader reader;  // default maximum 0xfffff
            const bytes data = cat({i32(len), bytes(8, 0)});
            CHECK(reader.consume(data).error() == zk::error::marshalling_error);
            CHECK(reader.failed());
            CHECK(reader.prepare().empty());
            CHECK(reader.consume(bytes{1}).error() == zk::error::marshalling_error);
            CHECK(reader.commit(0) == zk::error::marshalling_error);
            reader.reset();
            CHECK_FALSE(reader.failed());
            const auto n = reader.consume(frame(bytes{9}));
            REQUIRE(n.has_value());
            CHECK(n.value() == 5);
            REQUIRE(reader.ready());
            CHECK(reader.frame().size() == 1);
        }
        // The maximum itself is accepted; one more is not.
        CHECK(zk::frame_reader().max_frame_size() == 0xfffff);
        zk::frame_reader small(16);
        CHECK(small.consume(cat({i32(16), bytes(16, 1)})).value() == 20);
        CHECK(small.ready());
        small.next();
        CHECK(small.consume(i32(17)).error() == zk::error::marshalling_error);
        // Split length prefix: the check happens when the 4th byte arrives.
        zk::frame_reader split(16);
        CHECK(split.consume(bytes{0x00, 0x00}).value() == 2);
        CHECK(split.consume(bytes{0x01}).value() == 1);
        CHECK(split.consume(bytes{0x00}).error() == zk::error::marshalling_error);
    }

    TEST_CASE("frame encoder: length prefix, size limit leaves the output untouched")
    {
        bytes out{0xee};
        REQUIRE_FALSE(
            zk::append_frame(out, 100, zk::request_header{1, zk::op_code::sync}, zk::sync_request{"/a"})
        );
        CHECK(out == cat({bytes{0xee}, i32(14), i32(1), i32(9), str("/a")}));

        const zk::set_data_request big{"/big", bytes(0xfffff, 0), -1};
        bytes out2{0xee};
        CHECK(
            zk::append_frame(
                out2, zk::default_max_frame_size, zk::request_header{2, zk::op_code::set_data}, big
            ) == zk::error::bad_arguments
        );
        CHECK(out2 == bytes{0xee});
        CHECK(
            zk::encode_frame(zk::request_header{2, zk::op_code::set_data}, big).error() ==
            zk::error::bad_arguments
        );
        // Exactly at the limit is fine.
        const std::size_t overhead = 8 + 4 + 4 + 4 + 4;  // header, path, data length, version
        const zk::set_data_request fits{"/big", bytes(zk::default_max_frame_size - overhead, 0), -1};
        const auto f = zk::encode_frame(zk::request_header{2, zk::op_code::set_data}, fits);
        REQUIRE(f.has_value());
        CHECK(f.value().size() == zk::default_max_frame_size + 4);
    }

    // ---- truncated and lying records ---------------------------------------------------------

    TEST_CASE("truncation: every strict prefix of every reply is an error")
    {
        for (const auto& c : valid_replies())
        {
            CAPTURE(c.name);
            REQUIRE(zk::decode_server_message(c.payload, c.pending).has_value());
            for (std::size_t n = 0; n < c.payload.size(); ++n)
            {
                CAPTURE(n);
                const bytes prefix(c.payload.begin(), c.payload.begin() + static_cast<std::ptrdiff_t>(n));
                const auto r = zk::decode_server_message(prefix, c.pending);
                REQUIRE_FALSE(r.has_value());
                CHECK(r.error() == zk::error::marshalling_error);
            }
        }
    }

    TEST_CASE("truncation: every strict prefix of every request and of the handshake is an error")
    {
        for (const auto& payload : valid_requests())
        {
            REQUIRE(zk::decode_client_message(payload).has_value());
            for (std::size_t n = 0; n < payload.size(); ++n)
            {
                const bytes prefix(payload.begin(), payload.begin() + static_cast<std::ptrdiff_t>(n));
                CHECK(zk::decode_client_message(prefix).error() == zk::error::marshalling_error);
            }
        }
        // ConnectResponse: the 36-byte prefix is the valid old form, every shorter one is not.
        const bytes resp = connect_response_payload();
        REQUIRE(resp.size() == 37);
        for (std::size_t n = 0; n < 36; ++n)
        {
            const bytes prefix(resp.begin(), resp.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK(zk::decode_connect_response(prefix).error() == zk::error::marshalling_error);
        }
        CHECK(zk::decode_connect_response(std::span(resp).first(36)).has_value());
        const bytes req = zk::encode_record(zk::connect_request{});
        for (std::size_t n = 0; n < 44; ++n)
        {
            const bytes prefix(req.begin(), req.begin() + static_cast<std::ptrdiff_t>(n));
            CHECK(zk::decode_connect_request(prefix).error() == zk::error::marshalling_error);
        }
    }

    TEST_CASE("lying lengths: targeted length and count fields")
    {
        const bytes header = cat({i32(5), i64(0x100), i32(0)});
        const auto err = [](const bytes& payload, zk::op_code op) {
            const auto r = zk::decode_server_message(payload, op);
            return r.has_value() ? hakit::error_code() : r.error();
        };
        // getChildren with 2^31-1 children in 5 bytes; with -2; with 3 where 2 are sent.
        CHECK(
            err(cat({header, i32(0x7fffffff), str("a")}), zk::op_code::get_children) ==
            zk::error::marshalling_error
        );
        CHECK(err(cat({header, i32(-2)}), zk::op_code::get_children) == zk::error::marshalling_error);
        CHECK(
            err(cat({header, i32(3), str("a"), str("b")}), zk::op_code::get_children) ==
            zk::error::marshalling_error
        );
        // getData whose buffer claims more bytes than the frame holds.
        CHECK(
            err(cat({header, i32(1000), stat_bytes()}), zk::op_code::get_data) == zk::error::marshalling_error
        );
        // A data length above jute.maxbuffer even though the bytes would be there.
        CHECK(
            err(cat({header, i32(0x100000), bytes(0x100000, 0), stat_bytes()}), zk::op_code::get_data) ==
            zk::error::marshalling_error
        );
        // A notification path of length -5.
        CHECK(
            err(cat({i32(-1), i64(-1), i32(0), i32(1), i32(3), i32(-5)}), zk::op_code::get_data) ==
            zk::error::marshalling_error
        );
        // A multi that never ends.
        CHECK(
            err(cat({header, i32(2), bytes{0}, i32(0)}), zk::op_code::multi) == zk::error::marshalling_error
        );
        // ACL vector count too large for the bytes.
        CHECK(
            err(cat({header, i32(100), i32(31), str("world"), str("anyone"), stat_bytes()}),
                zk::op_code::get_acl) == zk::error::marshalling_error
        );
        // ConnectResponse password length -2.
        CHECK(
            zk::decode_connect_response(cat({i32(0), i32(4000), i64(1), i32(-2)})).error() ==
            zk::error::marshalling_error
        );
    }

    TEST_CASE("lying lengths: any 4 bytes overwritten with extreme values never crash")
    {
        const std::vector<bytes> poison{
            i32(-1),
            i32(-2),
            i32(0x7fffffff),
            i32(std::numeric_limits<std::int32_t>::min()),
            i32(0x000fffff),
            i32(0x00100000),
            i32(1)};
        std::size_t decoded = 0;
        std::size_t failed = 0;
        for (const auto& c : valid_replies())
        {
            for (std::size_t at = 0; at + 4 <= c.payload.size(); ++at)
            {
                for (const auto& p : poison)
                {
                    bytes mutated = c.payload;
                    std::copy(p.begin(), p.end(), mutated.begin() + static_cast<std::ptrdiff_t>(at));
                    const auto r = zk::decode_server_message(mutated, c.pending);
                    ++(r.has_value() ? decoded : failed);
                }
            }
        }
        for (const auto& payload : valid_requests())
        {
            for (std::size_t at = 0; at + 4 <= payload.size(); ++at)
            {
                for (const auto& p : poison)
                {
                    bytes mutated = payload;
                    std::copy(p.begin(), p.end(), mutated.begin() + static_cast<std::ptrdiff_t>(at));
                    const auto r = zk::decode_client_message(mutated);
                    ++(r.has_value() ? decoded : failed);
                }
            }
        }
        // Both outcomes occur (a poisoned int field is still a valid record); none crashed.
        CHECK(decoded > 0);
        CHECK(failed > 0);
    }
}
