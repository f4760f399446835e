// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_FRAME_HPP
#define HAKIT_ZK_FRAME_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>

#include <hakit/detail/config.hpp>

#include <algorithm>
#include <array>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <span>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// The largest frame payload accepted by default: `jute.maxbuffer` (0xfffff), as the Java client
/// checks it (`ClientCnxnSocket.readLength`).
inline constexpr std::size_t default_max_frame_size = 0xfffff;

/// Bytes of the length prefix of every frame.
inline constexpr std::size_t frame_header_size = 4;

namespace detail {

constexpr std::size_t clamp_frame_size(std::size_t max) noexcept
{
    return std::min<std::size_t>(max, static_cast<std::size_t>(std::numeric_limits<std::int32_t>::max()));
}

/// A record's own validate() result, for records that have one (multi_request).
template <class T>
error_code validate_record(const T& record)
{
    if constexpr (requires { record.validate(); })
        return record.validate();
    else
        return {};
}

}  // namespace detail

/// Reassembles frames (int32 big-endian length + that many payload bytes) from a byte stream
/// that arrives in arbitrary chunks. Sans-io: feed it with consume() (copying from a chunk you
/// read) or read straight into prepare() and commit(). It never takes bytes beyond the end of the
/// current frame, so memory stays bounded by the maximum frame size: the payload buffer is sized
/// from the length prefix only after that length was checked.
///
/// A length below 0 or above the maximum is marshalling_error; the reader then stays failed
/// (the stream cannot be resynchronised) until reset().
class frame_reader
{
public:
    /// `max_frame_size` bounds the payload length; values above INT32_MAX act as INT32_MAX.
    explicit frame_reader(std::size_t max_frame_size = default_max_frame_size) noexcept
        : max_(detail::clamp_frame_size(max_frame_size))
    {}

    std::size_t max_frame_size() const noexcept { return max_; }

    /// True when a complete frame is available through frame().
    bool ready() const noexcept { return state_ == state::ready; }
    /// True after a bad length prefix.
    bool failed() const noexcept { return state_ == state::failed; }

    /// The payload of the ready frame (without the length prefix); valid until next() or reset().
    std::span<const std::uint8_t> frame() const noexcept
    {
        assert(ready());
        return {payload_.data(), expected_};
    }

    /// Drops the ready frame and starts on the next one.
    void next() noexcept
    {
        assert(ready());
        start_header();
    }

    /// Forgets everything (a new connection). Keeps the payload buffer's capacity for reuse.
    void reset() noexcept { start_header(); }

    /// Where the next bytes of the current frame go: the rest of the length prefix, or the rest of
    /// the payload. Empty when a frame is ready (call next()) or the reader failed.
    std::span<std::uint8_t> prepare() noexcept
    {
        switch (state_)
        {
            case state::header:
                return std::span<std::uint8_t>(header_).subspan(have_);
            case state::payload:
                return std::span<std::uint8_t>(payload_.data() + have_, expected_ - have_);
            default:
                return {};
        }
    }

    /// Marks `n` bytes of prepare() as received. Returns marshalling_error when this completes a
    /// bad length prefix (or the reader had failed), bad_arguments if `n` exceeds prepare().size()
    /// (nothing is committed then).
    error_code commit(std::size_t n)
    {
        if (state_ == state::failed)
            return error::marshalling_error;
        if (n > prepare().size())
            return error::bad_arguments;
        have_ += n;
        if (state_ == state::header && have_ == frame_header_size)
        {
            const std::int32_t len = static_cast<std::int32_t>(
                (std::uint32_t{header_[0]} << 24) | (std::uint32_t{header_[1]} << 16) |
                (std::uint32_t{header_[2]} << 8) | std::uint32_t{header_[3]}
            );
            if (len < 0 || static_cast<std::size_t>(len) > max_)
            {
                state_ = state::failed;
                return error::marshalling_error;
            }
            expected_ = static_cast<std::size_t>(len);
            if (payload_.size() < expected_)
                payload_.resize(expected_);
            have_ = 0;
            state_ = expected_ == 0 ? state::ready : state::payload;
        }
        else if (state_ == state::payload && have_ == expected_)
            state_ = state::ready;
        return {};
    }

    /// Copies from `data` as many bytes as the current frame still needs (none once it is ready)
    /// and returns how many it took; the caller passes the rest again after next().
    result<std::size_t> consume(std::span<const std::uint8_t> data)
    {
        std::size_t taken = 0;
        while (taken < data.size() && !ready())
        {
            const auto dst = prepare();
            if (dst.empty())
                return error::marshalling_error;  // failed
            const std::size_t n = std::min(dst.size(), data.size() - taken);
            std::memcpy(dst.data(), data.data() + taken, n);
            taken += n;
            if (auto ec = commit(n))
                return ec;
        }
        if (failed())
            return error::marshalling_error;
        return taken;
    }

private:
    enum class state : std::uint8_t
    {
        header,
        payload,
        ready,
        failed,
    };

    void start_header() noexcept
    {
        state_ = state::header;
        have_ = 0;
        expected_ = 0;
    }

    std::size_t max_;
    state state_ = state::header;
    std::array<std::uint8_t, frame_header_size> header_{};
    std::size_t have_ = 0;
    std::size_t expected_ = 0;
    std::vector<std::uint8_t> payload_;
};

/// Appends one frame to `out`: the 4-byte big-endian length, then `records` encoded in order
/// (e.g. a request_header and a request body). A record with a validate() member is checked
/// first. If a record is invalid or the payload exceeds `max_frame_size`, `out` is left as it
/// was and bad_arguments is returned.
template <class... Records>
error_code append_frame(std::vector<std::uint8_t>& out, std::size_t max_frame_size, const Records&... records)
{
    const std::array<error_code, sizeof...(Records)> checks{detail::validate_record(records)...};
    for (const auto& ec : checks)
    {
        if (ec)
            return ec;
    }

    const std::size_t start = out.size();
    out.resize(start + frame_header_size);
    jute_writer w(out);
    (w.write(records), ...);
    const std::size_t len = out.size() - start - frame_header_size;
    if (len > detail::clamp_frame_size(max_frame_size))
    {
        out.resize(start);
        return error::bad_arguments;
    }
    for (std::size_t k = 0; k < frame_header_size; ++k)
        out[start + k] = static_cast<std::uint8_t>(len >> (8 * (frame_header_size - 1 - k)));
    return {};
}

/// One frame holding `records` (see append_frame), with the default size limit.
template <class... Records>
result<bytes> encode_frame(const Records&... records)
{
    bytes out;
    if (auto ec = append_frame(out, default_max_frame_size, records...))
        return ec;
    return out;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
