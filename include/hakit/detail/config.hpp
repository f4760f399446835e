// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_CONFIG_HPP
#define HAKIT_DETAIL_CONFIG_HPP

#include <boost/version.hpp>

static_assert(BOOST_VERSION >= 108100, "hakit needs Boost 1.81 or newer (Asio 1.26, Outcome 2.2)");

#define HAKIT_VERSION_MAJOR 0
#define HAKIT_VERSION_MINOR 1
#define HAKIT_VERSION_PATCH 0

// Everything lives in an inline namespace carrying the major version, so two vendored copies of
// different majors in one program do not violate the ODR (nlohmann/json does the same).
#define HAKIT_NAMESPACE_BEGIN \
    namespace hakit {         \
    inline namespace v0 {
#define HAKIT_NAMESPACE_END \
    }                       \
    }

#endif
