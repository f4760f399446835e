// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_CONNECTION_INFO_HPP
#define HAKIT_ZOOKEEPER_CONNECTION_INFO_HPP

#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

// The bytes of a ZooKeeper `connection_info` node, exactly as Flink writes and reads them
// (flink-ha.md §2.3, ZooKeeperUtils.writeLeaderInformationToZooKeeper / readLeaderInformation):
// a Java object stream holding `writeUTF(address)` followed by `writeObject(java.util.UUID)`.
//
//   AC ED 00 05                    stream magic, version 5
//   77 <u8 n> | 7A <i32 n>         block data (TC_BLOCKDATA up to 255 bytes, else TC_BLOCKDATALONG),
//   ...                            in blocks of at most 1024 bytes, holding
//                                  <u16 utf length> <address in modified UTF-8>
//   73 72 00 0E "java.util.UUID"   TC_OBJECT TC_CLASSDESC, the class name,
//   BC 99 03 F7 98 6D 85 2F        serialVersionUID -4856846361193249489,
//   02 00 02                       SC_SERIALIZABLE, two fields:
//   4A 00 0C "leastSigBits"        long leastSigBits,
//   4A 00 0B "mostSigBits"         long mostSigBits,
//   78 70                          TC_ENDBLOCKDATA, no superclass (TC_NULL),
//   <i64 lsb> <i64 msb>            the UUID's fields, big-endian.
//
// These functions live in hakit::zookeeper, the namespace of the ZooKeeper HA layer (Flink's
// node formats and recipes); hakit::zk is the protocol client, which knows nothing of Flink.

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

/// Java object-stream constants and modified UTF-8, as far as connection_info needs them.
namespace detail::java_stream {

inline constexpr std::array<std::uint8_t, 4> stream_header{0xAC, 0xED, 0x00, 0x05};
inline constexpr std::uint8_t tc_blockdata = 0x77;
inline constexpr std::uint8_t tc_blockdatalong = 0x7A;
/// Java's ObjectOutputStream flushes block data in blocks of at most this many bytes.
inline constexpr std::size_t max_block_size = 1024;
/// DataOutput.writeUTF refuses strings whose modified UTF-8 is longer than this.
inline constexpr std::size_t max_utf_length = 0xFFFF;

/// TC_OBJECT, TC_CLASSDESC and the class descriptor of java.util.UUID, up to its field values.
inline constexpr std::array<std::uint8_t, 60> uuid_class_descriptor{
    0x73, 0x72, 0x00, 0x0E, 'j',  'a',  'v',  'a',  '.',  'u',  't',  'i',  'l',  '.',  'U',
    'U',  'I',  'D',  0xBC, 0x99, 0x03, 0xF7, 0x98, 0x6D, 0x85, 0x2F, 0x02, 0x00, 0x02, 0x4A,
    0x00, 0x0C, 'l',  'e',  'a',  's',  't',  'S',  'i',  'g',  'B',  'i',  't',  's',  0x4A,
    0x00, 0x0B, 'm',  'o',  's',  't',  'S',  'i',  'g',  'B',  'i',  't',  's',  0x78, 0x70,
};

/// Appends one UTF-16 code unit in modified UTF-8 (U+0000 as C0 80, never a raw zero byte).
inline void append_modified_utf8_unit(std::vector<std::uint8_t>& out, std::uint32_t unit)
{
    if (unit != 0 && unit < 0x80)
    {
        out.push_back(static_cast<std::uint8_t>(unit));
    }
    else if (unit < 0x800)
    {
        out.push_back(static_cast<std::uint8_t>(0xC0 | (unit >> 6)));
        out.push_back(static_cast<std::uint8_t>(0x80 | (unit & 0x3F)));
    }
    else
    {
        out.push_back(static_cast<std::uint8_t>(0xE0 | (unit >> 12)));
        out.push_back(static_cast<std::uint8_t>(0x80 | ((unit >> 6) & 0x3F)));
        out.push_back(static_cast<std::uint8_t>(0x80 | (unit & 0x3F)));
    }
}

/// Converts standard UTF-8 to Java's modified UTF-8: what String.getBytes would give for the
/// UTF-16 form, NUL as C0 80 and code points above U+FFFF as two 3-byte surrogates. False on
/// invalid UTF-8 (truncated or overlong sequences, encoded surrogates, values above U+10FFFF).
inline bool utf8_to_modified_utf8(std::string_view in, std::vector<std::uint8_t>& out)
{
    std::size_t i = 0;
    while (i < in.size())
    {
        const auto b0 = static_cast<std::uint8_t>(in[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if (b0 < 0x80)
        {
            n = 1;
            cp = b0;
        }
        else if ((b0 & 0xE0) == 0xC0)
        {
            n = 2;
            cp = b0 & 0x1Fu;
            min = 0x80;
        }
        else if ((b0 & 0xF0) == 0xE0)
        {
            n = 3;
            cp = b0 & 0x0Fu;
            min = 0x800;
        }
        else if ((b0 & 0xF8) == 0xF0)
        {
            n = 4;
            cp = b0 & 0x07u;
            min = 0x10000;
        }
        else
        {
            return false;
        }
        if (in.size() - i < n)
            return false;
        for (std::size_t k = 1; k < n; ++k)
        {
            const auto b = static_cast<std::uint8_t>(in[i + k]);
            if ((b & 0xC0) != 0x80)
                return false;
            cp = (cp << 6) | (b & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        if (cp >= 0x10000)
        {
            const std::uint32_t v = cp - 0x10000;
            append_modified_utf8_unit(out, 0xD800 | (v >> 10));
            append_modified_utf8_unit(out, 0xDC00 | (v & 0x3FF));
        }
        else
        {
            append_modified_utf8_unit(out, cp);
        }
        i += n;
    }
    return true;
}

/// Appends a code point (at most U+10FFFF, not a surrogate) as standard UTF-8.
inline void append_utf8(std::string& out, std::uint32_t cp)
{
    if (cp < 0x80)
    {
        out += static_cast<char>(cp);
    }
    else if (cp < 0x800)
    {
        out += static_cast<char>(0xC0 | (cp >> 6));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else if (cp < 0x10000)
    {
        out += static_cast<char>(0xE0 | (cp >> 12));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    else
    {
        out += static_cast<char>(0xF0 | (cp >> 18));
        out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
        out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
        out += static_cast<char>(0x80 | (cp & 0x3F));
    }
}

/// Converts modified UTF-8 to standard UTF-8. Accepts exactly what DataOutput.writeUTF can
/// produce for a well-formed string: no raw zero byte, no overlong form other than C0 80 for NUL,
/// no 4-byte sequences, surrogates only in high-low pairs. False otherwise, so that a decoded
/// address re-encodes to the very same bytes.
inline bool modified_utf8_to_utf8(std::span<const std::uint8_t> in, std::string& out)
{
    out.reserve(in.size());
    std::uint32_t pending_high = 0;  // a high surrogate waiting for its low half
    std::size_t i = 0;
    while (i < in.size())
    {
        const std::uint8_t b0 = in[i];
        std::uint32_t unit = 0;
        if (b0 < 0x80)
        {
            if (b0 == 0)
                return false;
            unit = b0;
            i += 1;
        }
        else if ((b0 & 0xE0) == 0xC0)
        {
            if (in.size() - i < 2 || (in[i + 1] & 0xC0) != 0x80)
                return false;
            unit = ((b0 & 0x1Fu) << 6) | (in[i + 1] & 0x3Fu);
            if (unit != 0 && unit < 0x80)
                return false;
            i += 2;
        }
        else if ((b0 & 0xF0) == 0xE0)
        {
            if (in.size() - i < 3 || (in[i + 1] & 0xC0) != 0x80 || (in[i + 2] & 0xC0) != 0x80)
                return false;
            unit = ((b0 & 0x0Fu) << 12) | ((in[i + 1] & 0x3Fu) << 6) | (in[i + 2] & 0x3Fu);
            if (unit < 0x800)
                return false;
            i += 3;
        }
        else
        {
            return false;
        }

        const bool high = unit >= 0xD800 && unit <= 0xDBFF;
        const bool low = unit >= 0xDC00 && unit <= 0xDFFF;
        if (pending_high != 0)
        {
            if (!low)
                return false;
            append_utf8(out, 0x10000 + ((pending_high - 0xD800) << 10) + (unit - 0xDC00));
            pending_high = 0;
        }
        else if (high)
        {
            pending_high = unit;
        }
        else if (low)
        {
            return false;
        }
        else
        {
            append_utf8(out, unit);
        }
    }
    return pending_high == 0;
}

inline void append_be(std::vector<std::uint8_t>& out, std::uint64_t v, int size)
{
    for (int i = size - 1; i >= 0; --i)
        out.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
}

inline std::uint64_t read_be(const std::uint8_t* p, int size) noexcept
{
    std::uint64_t v = 0;
    for (int i = 0; i < size; ++i)
        v = (v << 8) | p[i];
    return v;
}

}  // namespace detail::java_stream

/// Encodes a leader as Flink's `connection_info` node data: the exact bytes of Java's
/// `ObjectOutputStream.writeUTF(address); writeObject(sessionId)`. "No leader" is empty data
/// (Flink writes a null payload). The address is UTF-8; it is written as Java would write the
/// equivalent String. Invalid UTF-8, or an address whose modified UTF-8 form exceeds 65535 bytes
/// (Java's UTFDataFormatException), is errc::invalid_argument.
inline result<std::vector<std::uint8_t>> encode_connection_info(const leader_information& info)
{
    namespace js = detail::java_stream;
    std::vector<std::uint8_t> out;
    if (info.is_empty())
        return out;

    // The block-data content: writeUTF's length prefix and the modified UTF-8 bytes.
    std::vector<std::uint8_t> utf;
    utf.reserve(2 + info.address().size());
    utf.resize(2);
    if (!js::utf8_to_modified_utf8(info.address(), utf))
        return errc::invalid_argument;
    const std::size_t utf_length = utf.size() - 2;
    if (utf_length > js::max_utf_length)
        return errc::invalid_argument;
    utf[0] = static_cast<std::uint8_t>(utf_length >> 8);
    utf[1] = static_cast<std::uint8_t>(utf_length & 0xFF);

    const std::size_t blocks = (utf.size() + js::max_block_size - 1) / js::max_block_size;
    out.reserve(js::stream_header.size() + utf.size() + 5 * blocks + js::uuid_class_descriptor.size() + 16);
    out.insert(out.end(), js::stream_header.begin(), js::stream_header.end());
    for (std::size_t offset = 0; offset < utf.size(); offset += js::max_block_size)
    {
        const std::size_t n = std::min(js::max_block_size, utf.size() - offset);
        if (n <= 0xFF)
        {
            out.push_back(js::tc_blockdata);
            out.push_back(static_cast<std::uint8_t>(n));
        }
        else
        {
            out.push_back(js::tc_blockdatalong);
            js::append_be(out, n, 4);
        }
        const auto first = utf.begin() + static_cast<std::ptrdiff_t>(offset);
        out.insert(out.end(), first, first + static_cast<std::ptrdiff_t>(n));
    }
    out.insert(out.end(), js::uuid_class_descriptor.begin(), js::uuid_class_descriptor.end());
    const hakit::session_id id = info.session_id();
    js::append_be(out, static_cast<std::uint64_t>(id.least_significant_bits()), 8);
    js::append_be(out, static_cast<std::uint64_t>(id.most_significant_bits()), 8);
    return out;
}

/// Decodes Flink's `connection_info` node data. Empty data (Flink's null) is "no leader".
/// Anything that is not exactly `writeUTF(address); writeObject(java.util.UUID)` is
/// errc::corrupted_data: wrong magic, truncation, block lengths that disagree with the data or
/// with the UTF length, another class or descriptor, trailing bytes, or modified UTF-8 that Java's
/// writer cannot produce (a raw zero byte, overlong forms, 4-byte sequences, unpaired
/// surrogates). The block-data framing may be split differently than Java's writer splits it
/// (any sequence of blocks is read, as ObjectInputStream does); everything else must match.
/// Never reads outside `data`.
inline result<leader_information> decode_connection_info(std::span<const std::uint8_t> data)
{
    namespace js = detail::java_stream;
    if (data.empty())
        return leader_information::empty();

    std::size_t pos = 0;
    const auto remaining = [&]() noexcept {
        return data.size() - pos;
    };
    if (remaining() < js::stream_header.size() ||
        !std::equal(js::stream_header.begin(), js::stream_header.end(), data.begin()))
        return errc::corrupted_data;
    pos += js::stream_header.size();

    // Block data up to the UUID object; ObjectInputStream reads across block boundaries.
    std::vector<std::uint8_t> content;
    while (remaining() > 0 && (data[pos] == js::tc_blockdata || data[pos] == js::tc_blockdatalong))
    {
        std::uint64_t length = 0;
        if (data[pos] == js::tc_blockdata)
        {
            if (remaining() < 2)
                return errc::corrupted_data;
            length = data[pos + 1];
            pos += 2;
        }
        else
        {
            if (remaining() < 5)
                return errc::corrupted_data;
            length = js::read_be(data.data() + pos + 1, 4);
            pos += 5;
            if (length > 0x7FFFFFFF)  // a negative Java int
                return errc::corrupted_data;
        }
        if (length > remaining())
            return errc::corrupted_data;
        const auto first = data.begin() + static_cast<std::ptrdiff_t>(pos);
        content.insert(content.end(), first, first + static_cast<std::ptrdiff_t>(length));
        pos += static_cast<std::size_t>(length);
    }

    // Exactly one writeUTF: its length prefix must account for all of the block data.
    if (content.size() < 2)
        return errc::corrupted_data;
    const std::size_t utf_length = static_cast<std::size_t>(content[0]) << 8 | content[1];
    if (content.size() - 2 != utf_length)
        return errc::corrupted_data;
    std::string address;
    if (!js::modified_utf8_to_utf8(std::span<const std::uint8_t>(content).subspan(2), address))
        return errc::corrupted_data;

    // The java.util.UUID object and its two fields, then the end of the data.
    if (remaining() != js::uuid_class_descriptor.size() + 16 ||
        !std::equal(
            js::uuid_class_descriptor.begin(),
            js::uuid_class_descriptor.end(),
            data.begin() + static_cast<std::ptrdiff_t>(pos)
        ))
        return errc::corrupted_data;
    pos += js::uuid_class_descriptor.size();
    const auto least = static_cast<std::int64_t>(js::read_be(data.data() + pos, 8));
    const auto most = static_cast<std::int64_t>(js::read_be(data.data() + pos + 8, 8));
    return leader_information::known(hakit::session_id::from_java_bits(most, least), std::move(address));
}

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
