// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_COMPLETED_CHECKPOINT_HPP
#define HAKIT_STORES_COMPLETED_CHECKPOINT_HPP

#include <hakit/job_id.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <string>

HAKIT_NAMESPACE_BEGIN

/// One completed checkpoint of a job as the completed-checkpoint store keeps it. `id` comes from
/// the job's checkpoint-id counter (so it is >= 1 and increasing); `payload` is opaque to hakit
/// (in Flink: the serialized handle of the checkpoint's metadata).
struct completed_checkpoint
{
    job_id job;
    std::int64_t id = 0;
    std::string payload;

    friend bool operator==(const completed_checkpoint&, const completed_checkpoint&) = default;
};

HAKIT_NAMESPACE_END

#endif
