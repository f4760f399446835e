// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_JOB_RESULT_HPP
#define HAKIT_STORES_JOB_RESULT_HPP

#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/job_status.hpp>

#include <hakit/detail/config.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// Flink's ApplicationStatus: how a globally terminated job ended.
enum class application_status : std::uint8_t
{
    succeeded,
    failed,
    canceled,
    unknown,
};

/// Flink's text name ("SUCCEEDED", "FAILED", "CANCELED", "UNKNOWN"), as written in job result files.
constexpr std::string_view to_string(application_status s) noexcept
{
    switch (s)
    {
        case application_status::succeeded:
            return "SUCCEEDED";
        case application_status::failed:
            return "FAILED";
        case application_status::canceled:
            return "CANCELED";
        case application_status::unknown:
            return "UNKNOWN";
    }
    return "UNKNOWN";
}

/// Parses Flink's text name (exact, upper case); anything else is errc::invalid_argument.
inline result<application_status> parse_application_status(std::string_view name) noexcept
{
    for (int i = 0; i <= static_cast<int>(application_status::unknown); ++i)
    {
        const auto s = static_cast<application_status>(i);
        if (to_string(s) == name)
            return s;
    }
    return errc::invalid_argument;
}

/// Flink's ApplicationStatus.fromJobStatus: finished → succeeded, failed → failed, canceled →
/// canceled, anything else → unknown.
constexpr application_status application_status_from(job_status s) noexcept
{
    switch (s)
    {
        case job_status::finished:
            return application_status::succeeded;
        case job_status::failed:
            return application_status::failed;
        case job_status::canceled:
            return application_status::canceled;
        default:
            return application_status::unknown;
    }
}

inline std::ostream& operator<<(std::ostream& os, application_status s)
{
    return os << to_string(s);
}

/// The outcome of a globally terminated job, as the job result store keeps it (Flink's JobResult).
struct job_result
{
    job_id id;
    application_status status = application_status::unknown;
    /// Wall-clock time the job ran.
    std::chrono::milliseconds net_runtime{0};
    /// Accumulator name → serialized value (Flink stores them base64-encoded).
    std::map<std::string, std::string> accumulator_results;
    /// Serialized cause of a failure, if the job failed.
    std::optional<std::string> failure_cause;

    friend bool operator==(const job_result&, const job_result&) = default;
};

HAKIT_NAMESPACE_END

#endif
