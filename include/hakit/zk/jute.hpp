// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_JUTE_HPP
#define HAKIT_ZK_JUTE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/error.hpp>

#include <hakit/detail/config.hpp>

#include <boost/pfr/core.hpp>
#include <boost/pfr/tuple_size.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// The bytes of a jute `buffer` (znode data, passwords, auth data).
using bytes = std::vector<std::uint8_t>;

/// The largest buffer, string or vector the reader accepts by default: ZooKeeper's `jute.maxbuffer`.
inline constexpr std::size_t default_max_length = 0xfffff;

class jute_writer;
class jute_reader;

/// A record that encodes itself (instead of the member-by-member rule of jute_writer::write):
/// `void write_jute(jute_writer&) const`, `error_code read_jute(jute_reader&)` and
/// `static constexpr std::size_t min_wire_size` (the fewest bytes it takes on the wire).
template <class T>
concept custom_jute_record = requires(const T& c, T& m, jute_writer& w, jute_reader& r)
{
    c.write_jute(w);
    m.read_jute(r);
    T::min_wire_size;
};

namespace detail {

template <class T>
inline constexpr bool is_vector_v = false;
template <class T, class A>
inline constexpr bool is_vector_v<std::vector<T, A>> = true;

template <class T>
inline constexpr bool is_optional_v = false;
template <class T>
inline constexpr bool is_optional_v<std::optional<T>> = true;

template <class T>
inline constexpr bool is_variant_v = false;
template <class... T>
inline constexpr bool is_variant_v<std::variant<T...>> = true;

template <class T>
inline constexpr bool is_int_enum_v = false;
template <class T>
requires std::is_enum_v<T>
inline constexpr bool is_int_enum_v<T> = std::is_same_v<std::underlying_type_t<T>, std::int32_t>;

/// A plain aggregate whose members, in declaration order, are the record's fields on the wire.
template <class T>
concept pfr_record = std::is_class_v<T> && std::is_aggregate_v<T> && !custom_jute_record<T>;

template <class T>
constexpr std::size_t min_wire_size() noexcept;

template <class T, std::size_t... I>
constexpr std::size_t sum_min_wire_sizes(std::index_sequence<I...>) noexcept
{
    return (std::size_t{0} + ... + min_wire_size<boost::pfr::tuple_element_t<I, T>>());
}

/// The fewest bytes any encoding of T takes: bounds the element count of a vector<T> on the wire.
template <class T>
constexpr std::size_t min_wire_size() noexcept
{
    if constexpr (std::is_same_v<T, bool>)
        return 1;
    else if constexpr (std::is_same_v<T, std::int32_t> || is_int_enum_v<T>)
        return 4;
    else if constexpr (std::is_same_v<T, std::int64_t>)
        return 8;
    else if constexpr (std::is_same_v<T, std::string> || is_vector_v<T>)
        return 4;
    else if constexpr (is_optional_v<T>)
        return 0;
    else if constexpr (custom_jute_record<T>)
        return T::min_wire_size;
    else if constexpr (pfr_record<T>)
        return sum_min_wire_sizes<T>(std::make_index_sequence<boost::pfr::tuple_size_v<T>>());
    else
        static_assert(sizeof(T) == 0, "not a jute type");
}

}  // namespace detail

/// Appends the jute binary encoding (ZooKeeper's `BinaryOutputArchive`) to a byte vector.
///
/// Type mapping of write(): int32_t → int, int64_t → long, bool → boolean, enums over int32_t →
/// int, std::string → ustring, zk::bytes → buffer, std::vector<T> → vector<T>, a plain aggregate
/// → record (its members in declaration order, via Boost.PFR), a custom_jute_record → its own
/// write_jute(), std::optional<T> → T if engaged, nothing if not (only meaningful as the
/// trailing field of a record, like ConnectRequest.readOnly), and std::variant → the alternative
/// it holds (std::monostate → nothing; write-only: reading needs to know which record follows).
///
/// Writing cannot fail; lengths above INT32_MAX are not representable, which the frame size
/// limit (at most INT32_MAX) catches when the frame is closed.
class jute_writer
{
public:
    explicit jute_writer(std::vector<std::uint8_t>& out) noexcept : out_(&out) {}

    void write_int(std::int32_t v) { write_be(static_cast<std::uint32_t>(v), 4); }
    void write_long(std::int64_t v) { write_be(static_cast<std::uint64_t>(v), 8); }
    void write_bool(bool v) { out_->push_back(v ? 1 : 0); }

    /// A non-null buffer (a zero length for an empty one).
    void write_buffer(std::span<const std::uint8_t> v)
    {
        write_int(static_cast<std::int32_t>(v.size()));
        out_->insert(out_->end(), v.begin(), v.end());
    }

    /// A non-null ustring; the bytes are sent as they are (callers pass UTF-8).
    void write_ustring(std::string_view v)
    {
        write_int(static_cast<std::int32_t>(v.size()));
        out_->insert(out_->end(), v.begin(), v.end());
    }

    /// The null buffer/ustring/vector (length -1).
    void write_null() { write_int(-1); }

    /// Writes any supported value (see the class comment for the mapping).
    template <class T>
    void write(const T& v)
    {
        if constexpr (std::is_same_v<T, bool>)
            write_bool(v);
        else if constexpr (std::is_same_v<T, std::int32_t>)
            write_int(v);
        else if constexpr (detail::is_int_enum_v<T>)
            write_int(static_cast<std::int32_t>(v));
        else if constexpr (std::is_same_v<T, std::int64_t>)
            write_long(v);
        else if constexpr (std::is_same_v<T, std::string>)
            write_ustring(v);
        else if constexpr (std::is_same_v<T, bytes>)
            write_buffer(v);
        else if constexpr (detail::is_vector_v<T>)
        {
            write_int(static_cast<std::int32_t>(v.size()));
            for (const auto& element : v)
                write(element);
        }
        else if constexpr (detail::is_optional_v<T>)
        {
            if (v)
                write(*v);
        }
        else if constexpr (std::is_same_v<T, std::monostate>)
            return;
        else if constexpr (detail::is_variant_v<T>)
            std::visit([this](const auto& alternative) { this->write(alternative); }, v);
        else if constexpr (custom_jute_record<T>)
            v.write_jute(*this);
        else if constexpr (detail::pfr_record<T>)
            boost::pfr::for_each_field(v, [this](const auto& field) { this->write(field); });
        else
            static_assert(sizeof(T) == 0, "not a jute type");
    }

    /// The vector being appended to.
    std::vector<std::uint8_t>& buffer() noexcept { return *out_; }

private:
    void write_be(std::uint64_t v, int width)
    {
        for (int shift = 8 * (width - 1); shift >= 0; shift -= 8)
            out_->push_back(static_cast<std::uint8_t>(v >> shift));
    }

    std::vector<std::uint8_t>* out_;
};

/// Reads the jute binary encoding from a byte span, never past its end.
///
/// Every read returns an error instead of reading out of bounds: zk::error::marshalling_error on
/// truncation, on a negative length other than -1, on a length (or vector count) larger than the
/// configured maximum, and on a length or count that cannot fit in the remaining bytes (checked
/// before anything is allocated, so a lying length never allocates). After an error the reader's
/// position is unspecified; callers give up on the record.
///
/// A null buffer, ustring or vector (length -1) reads as an empty one. A boolean byte other than
/// 0 reads as true (as Java's DataInput does). Enums read whatever int32 value is on the wire;
/// callers treat unknown values as they see fit.
class jute_reader
{
public:
    explicit jute_reader(
        std::span<const std::uint8_t> in, std::size_t max_length = default_max_length
    ) noexcept
        : in_(in)
        , max_length_(max_length)
    {}

    /// Bytes not read yet.
    std::size_t remaining() const noexcept { return in_.size() - pos_; }
    /// Bytes read so far.
    std::size_t position() const noexcept { return pos_; }
    /// The unread bytes.
    std::span<const std::uint8_t> rest() const noexcept { return in_.subspan(pos_); }

    result<std::int32_t> read_int() noexcept
    {
        if (remaining() < 4)
            return error::marshalling_error;
        return static_cast<std::int32_t>(static_cast<std::uint32_t>(read_be(4)));
    }

    result<std::int64_t> read_long() noexcept
    {
        if (remaining() < 8)
            return error::marshalling_error;
        return static_cast<std::int64_t>(read_be(8));
    }

    result<bool> read_bool() noexcept
    {
        if (remaining() < 1)
            return error::marshalling_error;
        return in_[pos_++] != 0;
    }

    result<bytes> read_buffer()
    {
        BOOST_OUTCOME_TRY(auto n, read_length(1));
        bytes out(
            in_.begin() + static_cast<std::ptrdiff_t>(pos_),
            in_.begin() + static_cast<std::ptrdiff_t>(pos_ + n)
        );
        pos_ += n;
        return out;
    }

    result<std::string> read_ustring()
    {
        BOOST_OUTCOME_TRY(auto n, read_length(1));
        std::string out(reinterpret_cast<const char*>(in_.data() + pos_), n);
        pos_ += n;
        return out;
    }

    /// Reads any supported value into `out` (see jute_writer for the mapping). A std::optional
    /// member is read only if bytes remain.
    template <class T>
    error_code read(T& out)
    {
        if constexpr (std::is_same_v<T, bool>)
            return assign(out, read_bool());
        else if constexpr (std::is_same_v<T, std::int32_t>)
            return assign(out, read_int());
        else if constexpr (detail::is_int_enum_v<T>)
        {
            auto v = read_int();
            if (!v)
                return v.error();
            out = static_cast<T>(v.value());
            return {};
        }
        else if constexpr (std::is_same_v<T, std::int64_t>)
            return assign(out, read_long());
        else if constexpr (std::is_same_v<T, std::string>)
            return assign(out, read_ustring());
        else if constexpr (std::is_same_v<T, bytes>)
            return assign(out, read_buffer());
        else if constexpr (detail::is_vector_v<T>)
            return read_vector(out);
        else if constexpr (detail::is_optional_v<T>)
        {
            out.reset();
            if (remaining() == 0)
                return {};
            return read(out.emplace());
        }
        else if constexpr (custom_jute_record<T>)
            return out.read_jute(*this);
        else if constexpr (detail::pfr_record<T>)
        {
            error_code ec;
            boost::pfr::for_each_field(out, [this, &ec](auto& field) {
                if (!ec)
                    ec = this->read(field);
            });
            return ec;
        }
        else
            static_assert(sizeof(T) == 0, "not a jute type");
    }

    /// Reads a value of type T.
    template <class T>
    result<T> read()
    {
        T out{};
        if (auto ec = read(out))
            return ec;
        return out;
    }

    /// Reads a length or count prefix: -1 (null) gives 0; anything below -1, above the maximum,
    /// or whose `n * min_element_size` bytes do not fit in what remains is marshalling_error.
    result<std::size_t> read_length(std::size_t min_element_size)
    {
        BOOST_OUTCOME_TRY(auto n, read_int());
        if (n == -1)
            return std::size_t{0};
        if (n < 0)
            return error::marshalling_error;
        const auto len = static_cast<std::size_t>(n);
        if (len > max_length_)
            return error::marshalling_error;
        if (min_element_size != 0 && len > remaining() / min_element_size)
            return error::marshalling_error;
        return len;
    }

private:
    template <class T, class R>
    static error_code assign(T& out, R&& r)
    {
        if (!r)
            return r.error();
        out = std::move(r).value();
        return {};
    }

    template <class T, class A>
    error_code read_vector(std::vector<T, A>& out)
    {
        constexpr std::size_t min_size = detail::min_wire_size<T>();
        static_assert(min_size > 0, "vector elements must take at least one byte");
        auto n = read_length(min_size);
        if (!n)
            return n.error();
        out.clear();
        out.reserve(n.value());
        for (std::size_t i = 0; i < n.value(); ++i)
        {
            if (auto ec = read(out.emplace_back()))
                return ec;
        }
        return {};
    }

    std::uint64_t read_be(int width) noexcept
    {
        std::uint64_t v = 0;
        for (int i = 0; i < width; ++i)
            v = (v << 8) | in_[pos_++];
        return v;
    }

    std::span<const std::uint8_t> in_;
    std::size_t pos_ = 0;
    std::size_t max_length_;
};

/// The jute encoding of one value (record, vector, ...), without a frame length.
template <class T>
bytes encode_record(const T& value)
{
    bytes out;
    jute_writer w(out);
    w.write(value);
    return out;
}

/// Decodes one value from the start of `in`; bytes after it are ignored (as Java's archive does,
/// which lets newer servers append fields).
template <class T>
result<T> decode_record(std::span<const std::uint8_t> in, std::size_t max_length = default_max_length)
{
    jute_reader r(in, max_length);
    return r.read<T>();
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
