// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_RESULT_HPP
#define HAKIT_RESULT_HPP

#include <hakit/error.hpp>

#include <boost/outcome/result.hpp>
#include <boost/outcome/success_failure.hpp>
#include <boost/outcome/try.hpp>

HAKIT_NAMESPACE_BEGIN

/// The value-or-error type of every hakit operation.
template <class T>
using result = boost::outcome_v2::result<T, boost::system::error_code>;

using boost::outcome_v2::success;

HAKIT_NAMESPACE_END

#endif
