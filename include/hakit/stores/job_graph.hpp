// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_STORES_JOB_GRAPH_HPP
#define HAKIT_STORES_JOB_GRAPH_HPP

#include <hakit/job_id.hpp>

#include <hakit/detail/config.hpp>

#include <string>

HAKIT_NAMESPACE_BEGIN

/// A submitted job as the job graph store keeps it (Flink's JobGraph / ExecutionPlan). hakit does
/// not interpret the graph: `payload` holds whatever bytes the user serialized.
struct job_graph
{
    job_id id;
    /// A human-readable name (Flink's job name); informational only.
    std::string name;
    /// Opaque serialized graph.
    std::string payload;

    friend bool operator==(const job_graph&, const job_graph&) = default;
};

HAKIT_NAMESPACE_END

#endif
