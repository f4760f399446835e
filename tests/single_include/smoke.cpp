// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Compiled with -I single_include only: the generated header must be complete on its own.
#if __has_include(<hakit/error.hpp>)
#error "include/ is on the include path: this program must see single_include/ only"
#endif

#include <hakit/hakit.hpp>

#if !defined(HAKIT_ERROR_HPP) || !defined(HAKIT_DETAIL_CONFIG_HPP)
#error "single_include/hakit/hakit.hpp does not carry the amalgamated headers"
#endif

#include <cstdio>
#include <string>

namespace {

int failures = 0;

void check(bool ok, const char* what)
{
    if (!ok)
    {
        std::fprintf(stderr, "single_include smoke: FAILED: %s\n", what);
        ++failures;
    }
}

}  // namespace

int main()
{
    const auto job = hakit::job_id::random();
    const auto parsed_job = hakit::job_id::parse(job.to_string());
    check(parsed_job.has_value() && parsed_job.value() == job, "job_id round trip through text");
    check(job != hakit::job_id::random(), "two random job ids differ");

    const auto session = hakit::session_id::random();
    const auto info = hakit::leader_information::known(session, "127.0.0.1:6123");
    check(info.is_known() && info.session_id() == session, "leader_information keeps its session id");
    check(hakit::leader_information::empty().is_empty(), "empty leader_information");
    check(hakit::component_id::dispatcher() != hakit::component_id::rest_server(), "component ids differ");

    const hakit::result<int> failed = hakit::errc::not_leader;
    check(failed.has_error() && failed.error() == hakit::errc::not_leader, "result holds an errc");
    check(std::string(failed.error().category().name()) == "hakit", "errc category name");
    check(hakit::is_fatal_error(hakit::errc::session_expired), "session_expired is fatal");
    const hakit::result<int> ok = 42;
    check(ok.has_value() && ok.value() == 42, "result holds a value");

    if (failures == 0)
        std::puts("single_include smoke: ok");
    return failures == 0 ? 0 : 1;
}
