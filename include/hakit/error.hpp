// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ERROR_HPP
#define HAKIT_ERROR_HPP

#include <hakit/detail/config.hpp>

#include <boost/asio/error.hpp>
#include <boost/system/error_category.hpp>
#include <boost/system/error_code.hpp>
#include <boost/system/error_condition.hpp>
#include <boost/system/is_error_code_enum.hpp>
#include <boost/system/is_error_condition_enum.hpp>

#include <string>

HAKIT_NAMESPACE_BEGIN

using boost::system::error_code;

/// Errors reported by hakit itself (ZooKeeper server codes have their own category in hakit::zk).
enum class errc : int
{
    /// The caller does not (or no longer) hold leadership for the session id it presented.
    not_leader = 1,
    /// Leadership was lost while the operation was in progress.
    leadership_lost,
    /// The coordination session expired; ephemeral state (latch, published leader, locks) is gone.
    session_expired,
    /// The connection to the coordination service was lost; the outcome of a write is unknown.
    connection_lost,
    /// The connection is suspended; operations that need a live connection are refused.
    connection_suspended,
    /// The object (ha_services, election, retriever, store) was closed or stopped.
    closed,
    /// The component id is already registered with this ha_services instance.
    already_registered,
    /// The requested entry does not exist.
    not_found,
    /// An entry with that key already exists.
    already_exists,
    /// The entry is locked by another instance and cannot be removed now.
    locked,
    /// A write may or may not have been applied; data was kept so that nothing is lost.
    possibly_inconsistent,
    /// Stored data could not be decoded or failed its integrity check.
    corrupted_data,
    /// A configuration value is missing or invalid (see the diagnostics for the key).
    invalid_config,
    /// An argument is outside its valid range.
    invalid_argument,
    /// A counter would leave its representable range.
    counter_overflow,
    /// A failure injected by the in-memory backend's fault injection.
    injected_fault,
    /// The operation is not supported by this backend.
    not_supported,
};

HAKIT_NAMESPACE_END

template <>
struct boost::system::is_error_code_enum<hakit::errc> : std::true_type
{};

HAKIT_NAMESPACE_BEGIN

/// What an error means, whichever layer reported it: hakit::errc or a backend's own codes
/// (hakit::zk::error). Compare with `ec == hakit::condition::connection_lost`; the codes each
/// condition matches are listed with it.
enum class condition : int
{
    /// errc::connection_lost, errc::connection_suspended; zk::error::connection_loss,
    /// operation_timeout, request_timeout. The outcome of a write in flight is unknown.
    connection_lost = 1,
    /// errc::session_expired; zk::error::session_expired.
    session_expired,
    /// errc::not_found; zk::error::no_node.
    not_found,
    /// errc::already_exists; zk::error::node_exists.
    already_exists,
    /// zk::error::no_auth, auth_failed, session_closed_requires_sasl_auth.
    not_authorized,
};

HAKIT_NAMESPACE_END

template <>
struct boost::system::is_error_condition_enum<hakit::condition> : std::true_type
{};

HAKIT_NAMESPACE_BEGIN

namespace detail {

class condition_category final : public boost::system::error_category
{
public:
    constexpr condition_category() noexcept : boost::system::error_category(0x6861'6b69'7400'0003ULL) {}

    const char* name() const noexcept override { return "hakit.condition"; }

    std::string message(int ev) const override
    {
        switch (static_cast<condition>(ev))
        {
            case condition::connection_lost:
                return "connection to the coordination service lost";
            case condition::session_expired:
                return "coordination session expired";
            case condition::not_found:
                return "not found";
            case condition::already_exists:
                return "already exists";
            case condition::not_authorized:
                return "not authorized";
        }
        return "unknown hakit condition";
    }
};

}  // namespace detail

/// The category of hakit::condition.
inline const boost::system::error_category& condition_category() noexcept
{
    static constexpr detail::condition_category category;
    return category;
}

inline boost::system::error_condition make_error_condition(condition c) noexcept
{
    return boost::system::error_condition(static_cast<int>(c), condition_category());
}

namespace detail {

class hakit_category final : public boost::system::error_category
{
public:
    // A fixed id keeps categories comparable across shared libraries.
    constexpr hakit_category() noexcept : boost::system::error_category(0x6861'6b69'7400'0001ULL) {}

    const char* name() const noexcept override { return "hakit"; }

    bool equivalent(int code, const boost::system::error_condition& cond) const noexcept override
    {
        if (cond.category() != condition_category())
            return boost::system::error_category::equivalent(code, cond);
        switch (static_cast<condition>(cond.value()))
        {
            case condition::connection_lost:
                return code == static_cast<int>(errc::connection_lost) ||
                       code == static_cast<int>(errc::connection_suspended);
            case condition::session_expired:
                return code == static_cast<int>(errc::session_expired);
            case condition::not_found:
                return code == static_cast<int>(errc::not_found);
            case condition::already_exists:
                return code == static_cast<int>(errc::already_exists);
            case condition::not_authorized:
                return false;
        }
        return false;
    }

    std::string message(int ev) const override
    {
        switch (static_cast<errc>(ev))
        {
            case errc::not_leader:
                return "not the leader for this session id";
            case errc::leadership_lost:
                return "leadership was lost";
            case errc::session_expired:
                return "coordination session expired";
            case errc::connection_lost:
                return "connection to the coordination service lost";
            case errc::connection_suspended:
                return "connection to the coordination service suspended";
            case errc::closed:
                return "closed";
            case errc::already_registered:
                return "component id already registered";
            case errc::not_found:
                return "not found";
            case errc::already_exists:
                return "already exists";
            case errc::locked:
                return "locked by another instance";
            case errc::possibly_inconsistent:
                return "write possibly applied; state kept";
            case errc::corrupted_data:
                return "corrupted data";
            case errc::invalid_config:
                return "invalid configuration";
            case errc::invalid_argument:
                return "invalid argument";
            case errc::counter_overflow:
                return "counter overflow";
            case errc::injected_fault:
                return "injected fault";
            case errc::not_supported:
                return "not supported by this backend";
        }
        return "unknown hakit error";
    }
};

}  // namespace detail

/// The category of hakit::errc.
inline const boost::system::error_category& error_category() noexcept
{
    static constexpr detail::hakit_category category;
    return category;
}

inline error_code make_error_code(errc e) noexcept
{
    return error_code(static_cast<int>(e), error_category());
}

/// True for errors after which the same request may succeed if retried: transient connection
/// trouble (condition::connection_lost, a backend's codes included) and injected faults.
inline bool is_retryable(const error_code& ec) noexcept
{
    return ec == condition::connection_lost || ec == errc::injected_fault;
}

/// True for errors after which a session-bound object must be rebuilt (session gone, a backend's
/// codes included; object closed).
inline bool is_fatal_error(const error_code& ec) noexcept
{
    return ec == condition::session_expired || ec == errc::closed;
}

HAKIT_NAMESPACE_END

#endif
