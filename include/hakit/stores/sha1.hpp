// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_SHA1_HPP
#define HAKIT_STORES_SHA1_HPP

#include <hakit/detail/config.hpp>

#include <boost/uuid/detail/sha1.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// A SHA-1 digest: 20 bytes in the order Java's MessageDigest returns them (what a BlobKey holds).
using sha1_digest = std::array<std::uint8_t, 20>;

/// Incremental SHA-1 over Boost's implementation, for content checks of blobs.
class sha1_hasher
{
public:
    void update(const void* data, std::size_t size)
    {
        if (size != 0)
            impl_.process_bytes(data, size);
    }
    void update(std::string_view bytes) { update(bytes.data(), bytes.size()); }

    /// The digest of everything passed to update(); the hasher must not be used afterwards.
    sha1_digest finish()
    {
        using digest_type = boost::uuids::detail::sha1::digest_type;
        using element = std::remove_extent_t<digest_type>;
        digest_type raw;
        impl_.get_digest(raw);
        sha1_digest out{};
        if constexpr (sizeof(element) == 1)
        {
            // Newer Boost returns the bytes directly.
            for (std::size_t i = 0; i < out.size(); ++i)
                out[i] = static_cast<std::uint8_t>(raw[i]);
        }
        else
        {
            // Boost 1.81 returns five 32-bit words; the digest is their big-endian bytes.
            for (std::size_t i = 0; i < 5; ++i)
                for (std::size_t b = 0; b < 4; ++b)
                    out[4 * i + b] =
                        static_cast<std::uint8_t>(static_cast<std::uint32_t>(raw[i]) >> (24 - 8 * b));
        }
        return out;
    }

private:
    boost::uuids::detail::sha1 impl_;
};

/// SHA-1 of a byte string.
inline sha1_digest sha1_of(std::string_view bytes)
{
    sha1_hasher hasher;
    hasher.update(bytes);
    return hasher.finish();
}

}  // namespace detail

HAKIT_NAMESPACE_END

#endif
