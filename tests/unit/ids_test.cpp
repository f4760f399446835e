#include <hakit/component_id.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/session_id.hpp>

#include <doctest/doctest.h>

#include <sstream>

TEST_SUITE("ids")
{
    TEST_CASE("session_id: nil, random, parse and Java bits round trip")
    {
        CHECK(hakit::session_id().is_nil());
        CHECK(hakit::session_id::nil().to_string() == "00000000-0000-0000-0000-000000000000");
        const auto a = hakit::session_id::random();
        const auto b = hakit::session_id::random();
        CHECK(a != b);
        CHECK_FALSE(a.is_nil());
        auto parsed = hakit::session_id::parse(a.to_string());
        REQUIRE(parsed);
        CHECK(parsed.value() == a);

        const auto j = hakit::session_id::from_java_bits(
            0x0123456789abcdefLL, static_cast<std::int64_t>(0xfedcba9876543210ULL)
        );
        CHECK(j.to_string() == "01234567-89ab-cdef-fedc-ba9876543210");
        CHECK(j.most_significant_bits() == 0x0123456789abcdefLL);
        CHECK(j.least_significant_bits() == static_cast<std::int64_t>(0xfedcba9876543210ULL));

        CHECK(hakit::session_id::parse("").error() == hakit::errc::invalid_argument);
        CHECK(
            hakit::session_id::parse("01234567-89ab-cdef-fedc-ba987654321g").error() ==
            hakit::errc::invalid_argument
        );
        CHECK(
            hakit::session_id::parse("0123456789abcdeffedcba9876543210abcd").error() ==
            hakit::errc::invalid_argument
        );
    }

    TEST_CASE("job_id: 32 hex chars, Flink part order")
    {
        const auto id = hakit::job_id::from_parts(0x0011223344556677ULL, 0x8899aabbccddeeffULL);
        CHECK(id.to_string() == "00112233445566778899aabbccddeeff");
        CHECK(id.lower_part() == 0x0011223344556677ULL);
        CHECK(id.upper_part() == 0x8899aabbccddeeffULL);
        auto parsed = hakit::job_id::parse("00112233445566778899AABBCCDDEEFF");
        REQUIRE(parsed);
        CHECK(parsed.value() == id);
        CHECK(hakit::job_id().to_string() == std::string(32, '0'));
        CHECK(hakit::job_id::parse("0011").error() == hakit::errc::invalid_argument);
        CHECK(
            hakit::job_id::parse("0011223344556677889900aabbccddeg").error() == hakit::errc::invalid_argument
        );
        CHECK(hakit::job_id::random() != hakit::job_id::random());
    }

    TEST_CASE("component_id: the four kinds and nothing else")
    {
        CHECK(hakit::component_id::dispatcher().str() == "dispatcher");
        CHECK(hakit::component_id::resource_manager().str() == "resource_manager");
        CHECK(hakit::component_id::rest_server().str() == "rest_server");
        const auto job = hakit::job_id::from_parts(1, 2);
        const auto jm = hakit::component_id::job_manager(job);
        CHECK(jm.str() == "job-" + job.to_string());
        REQUIRE(jm.job());
        CHECK(*jm.job() == job);
        CHECK_FALSE(hakit::component_id::dispatcher().job());
        CHECK(hakit::component_id::parse(jm.str()).value() == jm);
        CHECK(hakit::component_id::parse("job-xyz").error() == hakit::errc::invalid_argument);
        CHECK(hakit::component_id::parse("webmonitor").error() == hakit::errc::invalid_argument);
    }

    TEST_CASE("leader_information: explicit no-leader state")
    {
        const hakit::leader_information none;
        CHECK(none.is_empty());
        CHECK_FALSE(none.is_known());
        CHECK(none.address().empty());
        CHECK(none == hakit::leader_information::empty());
        const auto id = hakit::session_id::random();
        const auto known = hakit::leader_information::known(id, "akka://a");
        CHECK(known.is_known());
        CHECK(known.session_id() == id);
        CHECK(known.address() == "akka://a");
        CHECK(known != none);
        CHECK(known != hakit::leader_information::known(id, "akka://b"));
        std::ostringstream os;
        os << none << '|' << known;
        CHECK(os.str() == "no leader|akka://a " + id.to_string());
    }

    TEST_CASE("errc: category, messages and classification")
    {
        hakit::error_code ec = hakit::errc::not_leader;
        CHECK(ec.category().name() == std::string("hakit"));
        CHECK(ec.message() == "not the leader for this session id");
        CHECK(hakit::is_retryable(hakit::errc::connection_lost));
        CHECK_FALSE(hakit::is_retryable(hakit::errc::not_found));
        CHECK(hakit::is_fatal_error(hakit::errc::session_expired));
    }
}
