// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_COMPONENT_ID_HPP
#define HAKIT_COMPONENT_ID_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <compare>
#include <functional>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// The name under which one component of a process is elected and published: `dispatcher`,
/// `resource_manager`, `rest_server` or `job-<job id>` (Flink 2.x names; the ZooKeeper node is
/// `leader/<component id>/connection_info`).
class component_id
{
public:
    static component_id dispatcher() { return component_id("dispatcher"); }
    static component_id resource_manager() { return component_id("resource_manager"); }
    static component_id rest_server() { return component_id("rest_server"); }
    static component_id job_manager(const job_id& job) { return component_id("job-" + job.to_string()); }

    /// Accepts the four kinds above; anything else is errc::invalid_argument.
    static result<component_id> parse(std::string_view text)
    {
        if (text == "dispatcher" || text == "resource_manager" || text == "rest_server")
            return component_id(std::string(text));
        if (text.starts_with("job-") && job_id::parse(text.substr(4)))
            return component_id(std::string(text));
        return errc::invalid_argument;
    }

    const std::string& str() const noexcept { return name_; }

    /// The job of a `job-<id>` component, if it is one.
    std::optional<job_id> job() const
    {
        if (!name_.starts_with("job-"))
            return std::nullopt;
        auto id = job_id::parse(std::string_view(name_).substr(4));
        return id ? std::optional<job_id>(id.value()) : std::nullopt;
    }

    friend bool operator==(const component_id&, const component_id&) = default;
    friend std::strong_ordering operator<=>(const component_id&, const component_id&) = default;
    friend std::ostream& operator<<(std::ostream& os, const component_id& id) { return os << id.name_; }

private:
    explicit component_id(std::string name) : name_(std::move(name)) {}

    std::string name_;
};

HAKIT_NAMESPACE_END

template <>
struct std::hash<hakit::component_id>
{
    std::size_t operator()(const hakit::component_id& id) const noexcept
    {
        return std::hash<std::string>()(id.str());
    }
};

#endif
