// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_BLOB_KEY_HPP
#define HAKIT_STORES_BLOB_KEY_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/local_file.hpp>
#include <hakit/stores/sha1.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/hex.hpp>

#include <boost/uuid/random_generator.hpp>

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// Flink's BlobType: permanent blobs (job jars, artifacts) live as long as their job and are what
/// the HA blob store keeps; transient blobs are short-lived (logs, large RPC payloads).
enum class blob_type : std::uint8_t
{
    permanent,
    transient,
};

/// Flink's BlobKey: the blob's type, the SHA-1 of its content (checked when the blob is read back)
/// and 16 random bytes that make two uploads of the same content distinct.
/// Text form: "p-" or "t-", 40 hex digits of the hash, "-", 32 hex digits of the random part.
class blob_key
{
public:
    using hash_type = std::array<std::uint8_t, 20>;
    using random_type = std::array<std::uint8_t, 16>;

    /// Length of the text form.
    static constexpr std::size_t string_size = 2 + 40 + 1 + 32;

    /// A permanent key with an all-zero hash and random part.
    constexpr blob_key() noexcept = default;
    constexpr blob_key(blob_type type, const hash_type& hash, const random_type& random) noexcept
        : type_(type)
        , hash_(hash)
        , random_(random)
    {}

    /// The key for a blob with this content: its SHA-1 and a fresh random part.
    static blob_key for_content(blob_type type, std::string_view bytes)
    {
        return blob_key(type, detail::sha1_of(bytes), fresh_random());
    }

    /// The key for a local file's content; the file's read error if it cannot be read.
    static result<blob_key> for_file(blob_type type, const std::filesystem::path& file)
    {
        BOOST_OUTCOME_TRY(auto hash, detail::sha1_of_file(file));
        return blob_key(type, hash, fresh_random());
    }

    /// Parses the text form (hex digits in either case); anything else is errc::invalid_argument.
    static result<blob_key> parse(std::string_view text) noexcept
    {
        if (text.size() != string_size || text[1] != '-' || text[42] != '-')
            return errc::invalid_argument;
        blob_key key;
        if (text[0] == 'p')
            key.type_ = blob_type::permanent;
        else if (text[0] == 't')
            key.type_ = blob_type::transient;
        else
            return errc::invalid_argument;
        if (!detail::decode_hex(text.substr(2, 40), key.hash_.data(), key.hash_.size()) ||
            !detail::decode_hex(text.substr(43), key.random_.data(), key.random_.size()))
            return errc::invalid_argument;
        return key;
    }

    constexpr blob_type type() const noexcept { return type_; }
    constexpr const hash_type& hash() const noexcept { return hash_; }
    constexpr const random_type& random_part() const noexcept { return random_; }

    /// True if `bytes` is the content this key was made for (its SHA-1 equals hash()).
    bool matches(std::string_view bytes) const { return detail::sha1_of(bytes) == hash_; }

    std::string to_string() const
    {
        std::string s;
        s.reserve(string_size);
        s += type_ == blob_type::permanent ? "p-" : "t-";
        detail::append_hex(s, hash_.data(), hash_.size());
        s += '-';
        detail::append_hex(s, random_.data(), random_.size());
        return s;
    }

    friend constexpr bool operator==(const blob_key&, const blob_key&) noexcept = default;
    friend constexpr std::strong_ordering operator<=>(const blob_key&, const blob_key&) noexcept = default;
    friend std::ostream& operator<<(std::ostream& os, const blob_key& key) { return os << key.to_string(); }

private:
    static random_type fresh_random()
    {
        thread_local boost::uuids::random_generator generator;
        const auto u = generator();
        random_type r{};
        for (std::size_t i = 0; i < r.size(); ++i)
            r[i] = u.data[i];
        return r;
    }

    blob_type type_ = blob_type::permanent;
    hash_type hash_{};
    random_type random_{};
};

HAKIT_NAMESPACE_END

template <>
struct std::hash<hakit::blob_key>
{
    std::size_t operator()(const hakit::blob_key& key) const noexcept
    {
        std::size_t h = static_cast<std::size_t>(key.type());
        for (const auto b : key.hash())
            h = h * 1099511628211ULL ^ b;
        for (const auto b : key.random_part())
            h = h * 1099511628211ULL ^ b;
        return h;
    }
};

#endif
