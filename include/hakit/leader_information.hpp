// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_LEADER_INFORMATION_HPP
#define HAKIT_LEADER_INFORMATION_HPP

#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>

#include <optional>
#include <ostream>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

/// What retrievers learn about a component's leader: either "no leader" or the confirmed
/// (session id, address) pair of the current term.
class leader_information
{
public:
    /// No leader.
    leader_information() = default;

    static leader_information empty() { return {}; }
    static leader_information known(hakit::session_id id, std::string address)
    {
        leader_information info;
        info.value_.emplace(id, std::move(address));
        return info;
    }

    bool is_known() const noexcept { return value_.has_value(); }
    bool is_empty() const noexcept { return !value_.has_value(); }

    /// The leader's session id; the nil id when empty.
    hakit::session_id session_id() const noexcept { return value_ ? value_->first : hakit::session_id(); }
    /// The leader's address; empty when there is no leader.
    const std::string& address() const noexcept
    {
        static const std::string none;
        return value_ ? value_->second : none;
    }

    friend bool operator==(const leader_information&, const leader_information&) = default;
    friend std::ostream& operator<<(std::ostream& os, const leader_information& info)
    {
        if (!info.is_known())
            return os << "no leader";
        return os << info.address() << ' ' << info.session_id();
    }

private:
    std::optional<std::pair<hakit::session_id, std::string>> value_;
};

HAKIT_NAMESPACE_END

#endif
