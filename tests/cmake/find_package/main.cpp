// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// A consumer of hakit through find_package: includes the umbrella header and uses a few names.
#include <hakit/hakit.hpp>

#include <cstdio>

int main()
{
    const auto job = hakit::job_id::random();
    const auto parsed = hakit::job_id::parse(job.to_string());
    const hakit::result<hakit::job_id> failed = hakit::errc::not_found;
    const bool ok = parsed.has_value() && parsed.value() == job && job != hakit::job_id() &&
                    failed.has_error() && failed.error() == hakit::errc::not_found &&
                    HAKIT_VERSION_MAJOR == 0;
    std::puts(ok ? "find_package consumer: ok" : "find_package consumer: FAILED");
    return ok ? 0 : 1;
}
