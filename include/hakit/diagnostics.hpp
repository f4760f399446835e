// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DIAGNOSTICS_HPP
#define HAKIT_DIAGNOSTICS_HPP

#include <hakit/detail/config.hpp>

#include <ostream>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

/// A human-readable explanation of the last error, passed as an out parameter next to a
/// hakit::result (as Boost.MySQL does). The error itself stays a boost::system::error_code that
/// callers can compare (e.g. errc::invalid_config); the diagnostics say which key, line or value
/// caused it, e.g. `high-availability.zookeeper.client.session-timeout: invalid duration 'abc'`.
///
/// Functions taking a diagnostics clear it when they start, so after a success it is empty.
class diagnostics
{
public:
    diagnostics() = default;

    /// The explanation; empty when there is nothing to say.
    const std::string& message() const noexcept { return message_; }

    /// Replaces the explanation.
    void assign(std::string message) { message_ = std::move(message); }

    /// Forgets the explanation.
    void clear() noexcept { message_.clear(); }

    /// True when there is no explanation.
    bool empty() const noexcept { return message_.empty(); }

    friend bool operator==(const diagnostics&, const diagnostics&) = default;
    friend std::ostream& operator<<(std::ostream& os, const diagnostics& diag) { return os << diag.message_; }

private:
    std::string message_;
};

HAKIT_NAMESPACE_END

#endif
