// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The umbrella header: the core, the standalone and in-memory backends and their stores.
#ifndef HAKIT_HAKIT_HPP
#define HAKIT_HAKIT_HPP

#include <hakit/backend/in_memory.hpp>
#include <hakit/backend/standalone.hpp>
#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/ha_services.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_contender.hpp>
#include <hakit/leader_election.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/leader_retriever.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/spawn.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/stores/job_status.hpp>

#endif
