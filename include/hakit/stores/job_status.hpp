// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_JOB_STATUS_HPP
#define HAKIT_STORES_JOB_STATUS_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <ostream>
#include <string_view>

HAKIT_NAMESPACE_BEGIN

/// Flink's JobStatus. The stores only care whether a status is globally terminal: that decides
/// whether a job's checkpoints and checkpoint-id counter are deleted or kept for the next leader.
enum class job_status : std::uint8_t
{
    initializing,
    created,
    running,
    failing,
    failed,
    cancelling,
    canceled,
    finished,
    restarting,
    suspended,
    reconciling,
};

/// True for failed, canceled and finished: the job will never run again anywhere, so its HA
/// data may be deleted.
constexpr bool is_globally_terminal(job_status s) noexcept
{
    return s == job_status::failed || s == job_status::canceled || s == job_status::finished;
}

/// True for the globally terminal states and suspended (terminal in this process only: another
/// JobManager recovers the job, so its HA data is kept).
constexpr bool is_terminal(job_status s) noexcept
{
    return is_globally_terminal(s) || s == job_status::suspended;
}

/// Flink's name of the status ("RUNNING", "CANCELED", ...).
constexpr std::string_view to_string(job_status s) noexcept
{
    switch (s)
    {
        case job_status::initializing:
            return "INITIALIZING";
        case job_status::created:
            return "CREATED";
        case job_status::running:
            return "RUNNING";
        case job_status::failing:
            return "FAILING";
        case job_status::failed:
            return "FAILED";
        case job_status::cancelling:
            return "CANCELLING";
        case job_status::canceled:
            return "CANCELED";
        case job_status::finished:
            return "FINISHED";
        case job_status::restarting:
            return "RESTARTING";
        case job_status::suspended:
            return "SUSPENDED";
        case job_status::reconciling:
            return "RECONCILING";
    }
    return "UNKNOWN";
}

/// Parses Flink's name (exact, upper case); anything else is errc::invalid_argument.
inline result<job_status> parse_job_status(std::string_view name) noexcept
{
    for (int i = 0; i <= static_cast<int>(job_status::reconciling); ++i)
    {
        const auto s = static_cast<job_status>(i);
        if (to_string(s) == name)
            return s;
    }
    return errc::invalid_argument;
}

inline std::ostream& operator<<(std::ostream& os, job_status s)
{
    return os << to_string(s);
}

HAKIT_NAMESPACE_END

#endif
