// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The umbrella header: everything a user needs, for every backend.
#ifndef HAKIT_HAKIT_HPP
#define HAKIT_HAKIT_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#endif
