// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>

#include <boost/system/errc.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <limits>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

using namespace std::chrono_literals;

namespace {

/// A uniquely named file in the temp directory, removed on destruction.
class temp_file
{
public:
    explicit temp_file(std::string_view content)
    {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("hakit-config-test-" + std::to_string(rd()) + "-" + std::to_string(rd()) + ".yaml");
        std::ofstream out(path_, std::ios::binary);
        out << content;
    }
    temp_file(const temp_file&) = delete;
    temp_file& operator=(const temp_file&) = delete;
    ~temp_file()
    {
        std::error_code ec;
        std::filesystem::remove(path_, ec);
    }
    const std::filesystem::path& path() const { return path_; }

private:
    std::filesystem::path path_;
};

/// A minimal valid ZooKeeper-mode configuration.
hakit::config_map zookeeper_base()
{
    return {
        {"high-availability.type", "zookeeper"},
        {"high-availability.storageDir", "hdfs:///flink/ha"},
        {"high-availability.zookeeper.quorum", "127.0.0.1:2181"},
    };
}

hakit::ha_options parse_ok(const hakit::config_map& config)
{
    hakit::diagnostics diag;
    auto result = hakit::parse_ha_options(config, diag);
    INFO(diag.message());
    REQUIRE(result.has_value());
    CHECK(diag.empty());
    return result.value();
}

/// Parsing fails with invalid_config and the diagnostics contain every fragment.
void check_invalid(const hakit::config_map& config, std::initializer_list<std::string_view> fragments)
{
    hakit::diagnostics diag;
    auto result = hakit::parse_ha_options(config, diag);
    REQUIRE_FALSE(result.has_value());
    CHECK(result.error() == hakit::errc::invalid_config);
    for (std::string_view fragment : fragments)
    {
        INFO("message: ", diag.message(), " expected fragment: ", fragment);
        CHECK(diag.message().find(fragment) != std::string::npos);
    }
}

hakit::config_map with(hakit::config_map config, std::string key, std::string value)
{
    config.insert_or_assign(std::move(key), std::move(value));
    return config;
}

hakit::config_map without(hakit::config_map config, std::string_view key)
{
    if (auto it = config.find(key); it != config.end())
        config.erase(it);
    return config;
}

std::chrono::nanoseconds duration_ok(std::string_view text)
{
    hakit::diagnostics diag;
    auto result = hakit::parse_duration(text, diag);
    INFO(text, " -> ", diag.message());
    REQUIRE(result.has_value());
    return result.value();
}

}  // namespace

TEST_SUITE("config")
{
    TEST_CASE("diagnostics: assign, clear, compare, print")
    {
        hakit::diagnostics diag;
        CHECK(diag.empty());
        CHECK(diag.message().empty());
        diag.assign("k: bad 'v'");
        CHECK_FALSE(diag.empty());
        CHECK(diag.message() == "k: bad 'v'");
        hakit::diagnostics other;
        CHECK(diag != other);
        std::ostringstream os;
        os << diag;
        CHECK(os.str() == "k: bad 'v'");
        diag.clear();
        CHECK(diag.empty());
        CHECK(diag == other);
    }

    TEST_CASE("parse_config_text: Flink key-value rules")
    {
        const std::string_view text =
            "\xEF\xBB\xBF# a comment line\n"
            "\n"
            "   \t  \n"
            "high-availability.type: zookeeper   # trailing comment\n"
            "  high-availability.zookeeper.quorum :  zk1:2181,zk2:2181  \r\n"
            "high-availability.storageDir: hdfs:///flink/ha\n"
            "jobmanager.rpc.address:localhost\n"
            "empty.value:\n"
            "key with spaces: v\n"
            "dup: first\n"
            "dup: second\n"
            "last.line: no newline";
        hakit::diagnostics diag;
        auto parsed = hakit::parse_config_text(text, diag);
        INFO(diag.message());
        REQUIRE(parsed.has_value());
        CHECK(diag.empty());
        const hakit::config_map expected{
            {"high-availability.type", "zookeeper"},
            {"high-availability.zookeeper.quorum", "zk1:2181,zk2:2181"},
            {"high-availability.storageDir", "hdfs:///flink/ha"},
            {"jobmanager.rpc.address", "localhost"},
            {"empty.value", ""},
            {"key with spaces", "v"},
            {"dup", "second"},
            {"last.line", "no newline"},
        };
        CHECK(parsed.value() == expected);

        auto empty = hakit::parse_config_text("", diag);
        REQUIRE(empty.has_value());
        CHECK(empty.value().empty());
        auto comments_only = hakit::parse_config_text("# x: y\n#\n", diag);
        REQUIRE(comments_only.has_value());
        CHECK(comments_only.value().empty());
    }

    TEST_CASE("parse_config_text: malformed lines name the line number")
    {
        hakit::diagnostics diag;
        auto no_colon = hakit::parse_config_text("a: 1\n# ok\njust some words\nb: 2\n", diag);
        REQUIRE_FALSE(no_colon.has_value());
        CHECK(no_colon.error() == hakit::errc::invalid_config);
        CHECK(diag.message().find("line 3") != std::string::npos);
        CHECK(diag.message().find("'just some words'") != std::string::npos);

        auto empty_key = hakit::parse_config_text("a: 1\n  : value\n", diag);
        REQUIRE_FALSE(empty_key.has_value());
        CHECK(empty_key.error() == hakit::errc::invalid_config);
        CHECK(diag.message().find("line 2") != std::string::npos);
        CHECK(diag.message().find("empty key") != std::string::npos);

        // A colon only inside the comment does not count.
        auto colon_in_comment = hakit::parse_config_text("key # comment: x\n", diag);
        REQUIRE_FALSE(colon_in_comment.has_value());
        CHECK(diag.message().find("line 1") != std::string::npos);

        // A later success clears the diagnostics.
        CHECK(hakit::parse_config_text("a: b", diag).has_value());
        CHECK(diag.empty());
    }

    TEST_CASE("load_config_file: temp file, missing file, directory, parse error")
    {
        hakit::diagnostics diag;
        {
            temp_file file("high-availability.type: NONE\njobmanager.rpc.address: jm\n");
            auto loaded = hakit::load_config_file(file.path(), diag);
            INFO(diag.message());
            REQUIRE(loaded.has_value());
            CHECK(
                loaded.value() ==
                hakit::config_map{{"high-availability.type", "NONE"}, {"jobmanager.rpc.address", "jm"}}
            );
        }

        const auto missing =
            std::filesystem::temp_directory_path() / "hakit-config-test-does-not-exist" / "flink-conf.yaml";
        auto not_found = hakit::load_config_file(missing, diag);
        REQUIRE_FALSE(not_found.has_value());
        CHECK(not_found.error() == boost::system::errc::no_such_file_or_directory);
        CHECK(diag.message().find(missing.string()) != std::string::npos);

        auto directory = hakit::load_config_file(std::filesystem::temp_directory_path(), diag);
        REQUIRE_FALSE(directory.has_value());
        CHECK(diag.message().find(std::filesystem::temp_directory_path().string()) != std::string::npos);

        temp_file bad("a: 1\nb 2\n");
        auto malformed = hakit::load_config_file(bad.path(), diag);
        REQUIRE_FALSE(malformed.has_value());
        CHECK(malformed.error() == hakit::errc::invalid_config);
        CHECK(diag.message().find(bad.path().string()) != std::string::npos);
        CHECK(diag.message().find("line 2") != std::string::npos);
    }

    TEST_CASE("defaults match Flink")
    {
        const hakit::ha_options o = parse_ok({});
        CHECK(o.mode == hakit::ha_mode::none);
        CHECK_FALSE(o.is_high_availability());
        CHECK(o.factory_class.empty());
        CHECK(o.cluster_id == "/default");
        CHECK_FALSE(o.storage_dir.has_value());
        CHECK(o.jobmanager_port == "0");

        const hakit::zookeeper_options& zk = o.zookeeper;
        CHECK(zk.quorum.empty());
        CHECK(zk.root == "/flink");
        CHECK(zk.jobgraphs_path == "/jobgraphs");
        CHECK(zk.session_timeout == 60s);
        CHECK(zk.connection_timeout == 15s);
        CHECK(zk.retry_wait == 5s);
        CHECK(zk.max_retry_attempts == 3);
        CHECK(zk.acl == hakit::zookeeper_acl::open);
        CHECK_FALSE(zk.tolerate_suspended_connections);
        CHECK(zk.ensemble_tracker);
        CHECK(zk.authorization.empty());
        CHECK_FALSE(zk.max_close_wait.has_value());
        CHECK_FALSE(zk.simulated_session_expiration_percent.has_value());
        CHECK_FALSE(zk.sasl_disable);
        CHECK(zk.sasl_service_name == "zookeeper");
        CHECK(zk.sasl_login_context_name == "Client");

        CHECK_FALSE(o.job_result_store.storage_path.has_value());
        CHECK(o.job_result_store.delete_on_commit);

        CHECK_FALSE(o.standalone.rpc_address.has_value());
        CHECK(o.standalone.rpc_port == 6123);
        CHECK_FALSE(o.standalone.rest_address.has_value());
        CHECK(o.standalone.rest_port == 8081);
        CHECK_FALSE(o.standalone.rpc_ssl);
        CHECK_FALSE(o.standalone.rest_ssl);

        CHECK(o.deprecated_keys_used.empty());
        CHECK(o.ineffective_keys.empty());
        CHECK(o == hakit::ha_options{});
        CHECK(hakit::zookeeper_namespace(o) == "/flink/default");
    }

    TEST_CASE("high-availability.type: case-insensitive, legacy standalone, factory class")
    {
        struct mode_case
        {
            std::string value;
            hakit::ha_mode mode;
        };
        const std::vector<mode_case> cases{
            {"NONE", hakit::ha_mode::none},
            {"none", hakit::ha_mode::none},
            {"standalone", hakit::ha_mode::none},
            {"STANDALONE", hakit::ha_mode::none},
            {"ZOOKEEPER", hakit::ha_mode::zookeeper},
            {"ZooKeeper", hakit::ha_mode::zookeeper},
            {"kubernetes", hakit::ha_mode::kubernetes},
            {"KUBERNETES", hakit::ha_mode::kubernetes},
        };
        for (const mode_case& c : cases)
        {
            CAPTURE(c.value);
            const auto o = parse_ok(with(zookeeper_base(), "high-availability.type", c.value));
            CHECK(o.mode == c.mode);
            CHECK(o.factory_class.empty());
        }
        const auto factory =
            parse_ok(with(zookeeper_base(), "high-availability.type", "com.example.ha.MyHaServicesFactory"));
        CHECK(factory.mode == hakit::ha_mode::factory);
        CHECK(factory.factory_class == "com.example.ha.MyHaServicesFactory");
        CHECK(factory.is_high_availability());

        CHECK(hakit::to_string(hakit::ha_mode::none) == "NONE");
        CHECK(hakit::to_string(hakit::ha_mode::zookeeper) == "ZOOKEEPER");
        CHECK(hakit::to_string(hakit::ha_mode::kubernetes) == "KUBERNETES");
        CHECK(hakit::to_string(hakit::ha_mode::factory) == "FACTORY_CLASS");

        check_invalid({{"high-availability.type", "  "}}, {"high-availability.type", "blank mode"});
    }

    TEST_CASE("every current key is read")
    {
        const hakit::config_map config{
            {"high-availability.type", "zookeeper"},
            {"high-availability.cluster-id", "prod-cluster"},
            {"high-availability.storageDir", "s3://bucket/ha"},
            {"high-availability.jobmanager.port", "50100-50200,50300"},
            {"high-availability.zookeeper.quorum", " zk1:2181 ,\tzk2:2181, zk3:2181/chroot "},
            {"high-availability.zookeeper.path.root", "/apps/flink"},
            {"high-availability.zookeeper.path.jobgraphs", "/graphs"},
            {"high-availability.zookeeper.client.session-timeout", "30 s"},
            {"high-availability.zookeeper.client.connection-timeout", "7500"},
            {"high-availability.zookeeper.client.retry-wait", "1 min"},
            {"high-availability.zookeeper.client.max-retry-attempts", "10"},
            {"high-availability.zookeeper.client.acl", "CREATOR"},
            {"high-availability.zookeeper.client.tolerate-suspended-connections", "TRUE"},
            {"high-availability.zookeeper.client.ensemble-tracker", "false"},
            {"high-availability.zookeeper.client.authorization", "digest:'alice:secret', sasl:bob"},
            {"high-availability.zookeeper.client.max-close-wait", "2 s"},
            {"high-availability.zookeeper.client.simulated-session-expiration-percent", "75"},
            {"zookeeper.sasl.service-name", "zk-service"},
            {"zookeeper.sasl.login-context-name", "ZkClient"},
            {"job-result-store.storage-path", "file:///var/flink/jrs"},
            {"job-result-store.delete-on-commit", "false"},
            {"jobmanager.rpc.address", "jm.example.com"},
            {"jobmanager.rpc.port", "6124"},
            {"rest.address", "rest.example.com"},
            {"rest.port", "8082"},
        };
        const hakit::ha_options o = parse_ok(config);
        CHECK(o.mode == hakit::ha_mode::zookeeper);
        CHECK(o.cluster_id == "prod-cluster");
        REQUIRE(o.storage_dir.has_value());
        CHECK(*o.storage_dir == "s3://bucket/ha");
        CHECK(o.jobmanager_port == "50100-50200,50300");
        const hakit::zookeeper_options& zk = o.zookeeper;
        CHECK(zk.quorum == "zk1:2181,zk2:2181,zk3:2181/chroot");
        CHECK(zk.root == "/apps/flink");
        CHECK(zk.jobgraphs_path == "/graphs");
        CHECK(zk.session_timeout == 30s);
        CHECK(zk.connection_timeout == 7500ms);
        CHECK(zk.retry_wait == 1min);
        CHECK(zk.max_retry_attempts == 10);
        CHECK(zk.acl == hakit::zookeeper_acl::creator);
        CHECK(zk.tolerate_suspended_connections);
        CHECK_FALSE(zk.ensemble_tracker);
        CHECK(
            zk.authorization ==
            std::map<std::string, std::string, std::less<>>{{"digest", "alice:secret"}, {"sasl", "bob"}}
        );
        REQUIRE(zk.max_close_wait.has_value());
        CHECK(*zk.max_close_wait == 2s);
        REQUIRE(zk.simulated_session_expiration_percent.has_value());
        CHECK(*zk.simulated_session_expiration_percent == 75);
        CHECK(zk.sasl_service_name == "zk-service");
        CHECK(zk.sasl_login_context_name == "ZkClient");
        REQUIRE(o.job_result_store.storage_path.has_value());
        CHECK(*o.job_result_store.storage_path == "file:///var/flink/jrs");
        CHECK_FALSE(o.job_result_store.delete_on_commit);
        CHECK(o.standalone.rpc_address == std::optional<std::string>("jm.example.com"));
        CHECK(o.standalone.rpc_port == 6124);
        CHECK(o.standalone.rest_address == std::optional<std::string>("rest.example.com"));
        CHECK(o.standalone.rest_port == 8082);
        CHECK(o.deprecated_keys_used.empty());
        CHECK(hakit::zookeeper_namespace(o) == "/apps/flink/prod-cluster");
        CHECK(hakit::to_string(zk.acl) == "creator");
    }

    TEST_CASE("every deprecated key is honoured and reported")
    {
        struct deprecated_case
        {
            std::string old_key;
            std::string value;
            std::function<bool(const hakit::ha_options&)> applied;
            hakit::config_map extra = {};
        };
        const std::vector<deprecated_case> cases{
            {"recovery.mode",
             "kubernetes",
             [](const auto& o) {
                 return o.mode == hakit::ha_mode::kubernetes;
             }},
            {"high-availability",
             "kubernetes",
             [](const auto& o) {
                 return o.mode == hakit::ha_mode::kubernetes;
             }},
            {"high-availability.zookeeper.path.namespace",
             "/ns1",
             [](const auto& o) {
                 return o.cluster_id == "/ns1";
             }},
            {"recovery.zookeeper.path.namespace",
             "/ns2",
             [](const auto& o) {
                 return o.cluster_id == "/ns2";
             }},
            {"high-availability.zookeeper.storageDir",
             "/old/ha",
             [](const auto& o) {
                 return o.storage_dir == std::optional<std::string>("/old/ha");
             }},
            {"recovery.zookeeper.storageDir",
             "/older/ha",
             [](const auto& o) {
                 return o.storage_dir == std::optional<std::string>("/older/ha");
             }},
            {"recovery.jobmanager.port",
             "6200",
             [](const auto& o) {
                 return o.jobmanager_port == "6200";
             }},
            {"recovery.zookeeper.quorum",
             "zkold:2181",
             [](const auto& o) {
                 return o.zookeeper.quorum == "zkold:2181";
             }},
            {"recovery.zookeeper.path.root",
             "/oldroot",
             [](const auto& o) {
                 return o.zookeeper.root == "/oldroot";
             }},
            {"recovery.zookeeper.path.jobgraphs",
             "/oldgraphs",
             [](const auto& o) {
                 return o.zookeeper.jobgraphs_path == "/oldgraphs";
             }},
            {"recovery.zookeeper.client.session-timeout",
             "12345",
             [](const auto& o) {
                 return o.zookeeper.session_timeout == 12345ms;
             }},
            {"recovery.zookeeper.client.connection-timeout",
             "2 s",
             [](const auto& o) {
                 return o.zookeeper.connection_timeout == 2s;
             }},
            {"recovery.zookeeper.client.retry-wait",
             "250",
             [](const auto& o) {
                 return o.zookeeper.retry_wait == 250ms;
             }},
            {"recovery.zookeeper.client.max-retry-attempts",
             "0",
             [](const auto& o) {
                 return o.zookeeper.max_retry_attempts == 0;
             }},
            {"akka.ssl.enabled",
             "false",
             [](const auto& o) { return !o.standalone.rpc_ssl; },
             {{"security.ssl.internal.enabled", "true"}}},
        };
        for (const deprecated_case& c : cases)
        {
            CAPTURE(c.old_key);
            // Only the deprecated key (plus a storageDir, which HA modes need, unless that is the key).
            hakit::config_map config = c.extra;
            if (c.old_key.find("storageDir") == std::string::npos)
                config.emplace("high-availability.storageDir", "/ha");
            config.emplace(c.old_key, c.value);
            const hakit::ha_options o = parse_ok(config);
            CHECK(c.applied(o));
            CHECK(o.deprecated_keys_used == std::vector<std::string>{c.old_key});
        }
    }

    TEST_CASE("precedence: the key wins over its deprecated keys, first deprecated key wins among them")
    {
        struct pair_case
        {
            std::string new_key;
            std::string new_value;
            std::string old_key;
            std::string old_value;
        };
        const std::vector<pair_case> cases{
            {"high-availability.type", "none", "recovery.mode", "zookeeper"},
            {"high-availability.type", "none", "high-availability", "zookeeper"},
            {"high-availability.cluster-id", "/new", "high-availability.zookeeper.path.namespace", "/old"},
            {"high-availability.cluster-id", "/new", "recovery.zookeeper.path.namespace", "/old"},
            {"high-availability.storageDir", "/new", "high-availability.zookeeper.storageDir", "/old"},
            {"high-availability.storageDir", "/new", "recovery.zookeeper.storageDir", "/old"},
            {"high-availability.jobmanager.port", "1", "recovery.jobmanager.port", "2"},
            {"high-availability.zookeeper.quorum", "new:1", "recovery.zookeeper.quorum", "old:2"},
            {"high-availability.zookeeper.path.root", "/new", "recovery.zookeeper.path.root", "/old"},
            {"high-availability.zookeeper.path.jobgraphs",
             "/new",
             "recovery.zookeeper.path.jobgraphs",
             "/old"},
            {"high-availability.zookeeper.client.session-timeout",
             "1",
             "recovery.zookeeper.client.session-timeout",
             "bad"},
            {"high-availability.zookeeper.client.connection-timeout",
             "1",
             "recovery.zookeeper.client.connection-timeout",
             "bad"},
            {"high-availability.zookeeper.client.retry-wait",
             "1",
             "recovery.zookeeper.client.retry-wait",
             "bad"},
            {"high-availability.zookeeper.client.max-retry-attempts",
             "1",
             "recovery.zookeeper.client.max-retry-attempts",
             "bad"},
            {"pekko.ssl.enabled", "true", "akka.ssl.enabled", "bad"},
        };
        for (const pair_case& c : cases)
        {
            CAPTURE(c.old_key);
            const hakit::config_map config{
                {"high-availability.storageDir", "/ha"},
                {c.new_key, c.new_value},
                {c.old_key, c.old_value},
            };
            // The deprecated value is never read, so even an invalid one does no harm.
            const hakit::ha_options o = parse_ok(config);
            CHECK(o.deprecated_keys_used.empty());
        }
        // Spot-check the values.
        const auto o = parse_ok({
            {"high-availability.cluster-id", "/new"},
            {"recovery.zookeeper.path.namespace", "/old"},
            {"high-availability.zookeeper.client.session-timeout", "1 s"},
            {"recovery.zookeeper.client.session-timeout", "2 s"},
        });
        CHECK(o.cluster_id == "/new");
        CHECK(o.zookeeper.session_timeout == 1s);

        // Among deprecated keys Flink's declaration order decides: recovery.mode before high-availability,
        // high-availability.zookeeper.path.namespace before recovery.zookeeper.path.namespace.
        const auto old = parse_ok({
            {"recovery.mode", "kubernetes"},
            {"high-availability", "zookeeper"},
            {"high-availability.zookeeper.path.namespace", "/first"},
            {"recovery.zookeeper.path.namespace", "/second"},
            {"high-availability.storageDir", "/ha"},
        });
        CHECK(old.mode == hakit::ha_mode::kubernetes);
        CHECK(old.cluster_id == "/first");
        CHECK(
            old.deprecated_keys_used ==
            std::vector<std::string>{"recovery.mode", "high-availability.zookeeper.path.namespace"}
        );
    }

    TEST_CASE("parse_duration: Flink TimeUtils forms")
    {
        CHECK(duration_ok("60 s") == 60s);
        CHECK(duration_ok("60s") == 60s);
        CHECK(duration_ok("  60   s  ") == 60s);
        CHECK(duration_ok("60 S") == 60s);
        CHECK(duration_ok("60 sec") == 60s);
        CHECK(duration_ok("60 secs") == 60s);
        CHECK(duration_ok("1 second") == 1s);
        CHECK(duration_ok("60 SECONDS") == 60s);
        CHECK(duration_ok("500 ms") == 500ms);
        CHECK(duration_ok("500") == 500ms);
        CHECK(duration_ok("0") == 0ms);
        CHECK(duration_ok("3 milli") == 3ms);
        CHECK(duration_ok("3 millis") == 3ms);
        CHECK(duration_ok("3 millisecond") == 3ms);
        CHECK(duration_ok("3 milliseconds") == 3ms);
        CHECK(duration_ok("1 min") == 1min);
        CHECK(duration_ok("1m") == 1min);
        CHECK(duration_ok("2 minute") == 2min);
        CHECK(duration_ok("2 minutes") == 2min);
        CHECK(duration_ok("2 h") == 2h);
        CHECK(duration_ok("2 hour") == 2h);
        CHECK(duration_ok("2 hours") == 2h);
        CHECK(duration_ok("1 d") == 24h);
        CHECK(duration_ok("1 day") == 24h);
        CHECK(duration_ok("3 days") == 72h);
        CHECK(duration_ok("5 \xC2\xB5s") == 5us);
        CHECK(duration_ok("5 \xCE\xBCs") == 5us);
        CHECK(duration_ok("5us") == 5us);
        CHECK(duration_ok("5 micro") == 5us);
        CHECK(duration_ok("5 micros") == 5us);
        CHECK(duration_ok("5 microsecond") == 5us);
        CHECK(duration_ok("5 microseconds") == 5us);
        CHECK(duration_ok("7 ns") == 7ns);
        CHECK(duration_ok("7 nano") == 7ns);
        CHECK(duration_ok("7 nanos") == 7ns);
        CHECK(duration_ok("7 nanosecond") == 7ns);
        CHECK(duration_ok("7 nanoseconds") == 7ns);
        CHECK(duration_ok("9223372036854775807 ns").count() == std::numeric_limits<std::int64_t>::max());

        struct bad_case
        {
            std::string_view text;
            std::string_view why;
        };
        const std::vector<bad_case> bad{
            {"", "empty"},
            {"   ", "empty"},
            {"abc", "does not start with a number"},
            {"-1 s", "does not start with a number"},
            {"+1 s", "does not start with a number"},
            {"1.5 s", "unknown time unit '.5 s'"},
            {"10 fortnights", "unknown time unit 'fortnights'"},
            {"5 mins", "unknown time unit 'mins'"},
            {"99999999999999999999", "too large"},
            {"9223372036854775807 d", "too large"},
            {"106752 d", "too large"},
        };
        for (const bad_case& c : bad)
        {
            CAPTURE(c.text);
            hakit::diagnostics diag;
            auto result = hakit::parse_duration(c.text, diag);
            REQUIRE_FALSE(result.has_value());
            CHECK(result.error() == hakit::errc::invalid_config);
            CHECK(diag.message().find(c.why) != std::string::npos);
        }
    }

    TEST_CASE("timeouts: plain numbers are milliseconds, durations are converted")
    {
        const auto o = parse_ok({
            {"high-availability.zookeeper.client.session-timeout", "45000"},
            {"high-availability.zookeeper.client.connection-timeout", "500 us"},
            {"high-availability.zookeeper.client.retry-wait", "2147483647"},
            {"high-availability.zookeeper.client.max-close-wait", "0"},
        });
        CHECK(o.zookeeper.session_timeout == 45s);
        CHECK(o.zookeeper.connection_timeout == 0ms);  // truncated like Duration.toMillis
        CHECK(o.zookeeper.retry_wait == 2147483647ms);
        REQUIRE(o.zookeeper.max_close_wait.has_value());
        CHECK(*o.zookeeper.max_close_wait == 0ms);
    }

    TEST_CASE("invalid values: errc::invalid_config naming the key and the value")
    {
        const std::string st = "high-availability.zookeeper.client.session-timeout";
        check_invalid(with(zookeeper_base(), st, "abc"), {st + ": invalid duration 'abc'"});
        check_invalid(
            with(zookeeper_base(), st, "10 fortnights"), {st, "'10 fortnights'", "unknown time unit"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.connection-timeout", "-5"),
            {"high-availability.zookeeper.client.connection-timeout", "negative duration '-5'"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.retry-wait", "-1 s"),
            {"high-availability.zookeeper.client.retry-wait", "'-1 s'"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.retry-wait", "2147483648"),
            {"high-availability.zookeeper.client.retry-wait", "'2147483648'", "out of range"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.max-close-wait", "30 d"),
            {"high-availability.zookeeper.client.max-close-wait", "'30 d'", "out of range"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.max-close-wait", "forever"),
            {"high-availability.zookeeper.client.max-close-wait", "invalid duration 'forever'"}
        );
        // The message names the deprecated key when that is where the value came from.
        check_invalid(
            with(without(zookeeper_base(), st), "recovery.zookeeper.client.session-timeout", "abc"),
            {"recovery.zookeeper.client.session-timeout: invalid duration 'abc'"}
        );

        const std::string retries = "high-availability.zookeeper.client.max-retry-attempts";
        check_invalid(with(zookeeper_base(), retries, "-1"), {retries, "'-1'", "out of range"});
        check_invalid(with(zookeeper_base(), retries, "three"), {retries, "invalid integer 'three'"});
        check_invalid(
            with(zookeeper_base(), retries, "99999999999"), {retries, "invalid integer '99999999999'"}
        );
        check_invalid(with(zookeeper_base(), retries, "1.0"), {retries, "invalid integer '1.0'"});

        const std::string percent = "high-availability.zookeeper.client.simulated-session-expiration-percent";
        check_invalid(with(zookeeper_base(), percent, "0"), {percent, "'0'", "out of range"});
        check_invalid(with(zookeeper_base(), percent, "101"), {percent, "'101'", "out of range"});
        check_invalid(with(zookeeper_base(), percent, "-3"), {percent, "'-3'", "out of range"});
        check_invalid(with(zookeeper_base(), percent, "half"), {percent, "'half'"});
        CHECK(
            *parse_ok(with(zookeeper_base(), percent, "1")).zookeeper.simulated_session_expiration_percent ==
            1
        );
        CHECK(
            *parse_ok(with(zookeeper_base(), percent, "100"))
                 .zookeeper.simulated_session_expiration_percent == 100
        );

        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.acl", "world"),
            {"high-availability.zookeeper.client.acl", "unsupported ACL 'world'"}
        );
        check_invalid(
            with(
                zookeeper_base(), "high-availability.zookeeper.client.tolerate-suspended-connections", "yes"
            ),
            {"high-availability.zookeeper.client.tolerate-suspended-connections", "invalid boolean 'yes'"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.client.ensemble-tracker", "1"),
            {"high-availability.zookeeper.client.ensemble-tracker", "invalid boolean '1'"}
        );
        check_invalid(
            with(zookeeper_base(), "job-result-store.delete-on-commit", "maybe"),
            {"job-result-store.delete-on-commit", "invalid boolean 'maybe'"}
        );
        check_invalid(
            with(zookeeper_base(), "job-result-store.storage-path", " "),
            {"job-result-store.storage-path", "blank storage path"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.jobmanager.port", "70000"),
            {"high-availability.jobmanager.port", "'70000'", "invalid port"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.jobmanager.port", "a-b"),
            {"high-availability.jobmanager.port", "'a-b'"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.jobmanager.port", "6200-6100"),
            {"high-availability.jobmanager.port", "empty port range"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.jobmanager.port", "6100,"),
            {"high-availability.jobmanager.port", "'6100,'"}
        );
        check_invalid(
            with(zookeeper_base(), "jobmanager.rpc.port", "0"), {"jobmanager.rpc.port", "'0'", "out of range"}
        );
        check_invalid(
            with(zookeeper_base(), "jobmanager.rpc.port", "65536"), {"jobmanager.rpc.port", "'65536'"}
        );
        check_invalid(with(zookeeper_base(), "rest.port", "http"), {"rest.port", "invalid integer 'http'"});
        check_invalid(with(zookeeper_base(), "security.ssl.enabled", "on"), {"security.ssl.enabled", "'on'"});
    }

    TEST_CASE("HA modes need a storageDir, ZooKeeper mode needs a quorum")
    {
        for (std::string mode : {"zookeeper", "kubernetes", "org.example.Factory"})
        {
            CAPTURE(mode);
            auto config = with(
                without(zookeeper_base(), "high-availability.storageDir"), "high-availability.type", mode
            );
            check_invalid(config, {"high-availability.storageDir", "missing"});
            check_invalid(
                with(config, "high-availability.storageDir", "   "),
                {"high-availability.storageDir", "blank", "'   '"}
            );
            check_invalid(
                with(config, "recovery.zookeeper.storageDir", ""),
                {"recovery.zookeeper.storageDir", "blank", "''"}
            );
        }
        // No HA: no storageDir needed.
        CHECK_FALSE(parse_ok({{"high-availability.type", "NONE"}}).storage_dir.has_value());

        check_invalid(
            without(zookeeper_base(), "high-availability.zookeeper.quorum"),
            {"high-availability.zookeeper.quorum", "missing"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.quorum", " \t "),
            {"high-availability.zookeeper.quorum", "blank quorum", "' \t '"}
        );
        // Other modes do not need a quorum.
        CHECK(parse_ok(with(
                           without(zookeeper_base(), "high-availability.zookeeper.quorum"),
                           "high-availability.type",
                           "kubernetes"
                       ))
                  .zookeeper.quorum.empty());
    }

    TEST_CASE("ZooKeeper paths with '.' or '..' elements are rejected in ZooKeeper mode")
    {
        check_invalid(
            with(zookeeper_base(), "high-availability.zookeeper.path.root", "/flink/../other"),
            {"high-availability.zookeeper.path.root", "'/flink/../other'", "'..'"}
        );
        check_invalid(
            with(zookeeper_base(), "high-availability.cluster-id", "./x"),
            {"high-availability.cluster-id", "'./x'"}
        );
        check_invalid(
            with(zookeeper_base(), "recovery.zookeeper.path.jobgraphs", "/a/\x01"),
            {"recovery.zookeeper.path.jobgraphs"}
        );
        // Dots inside a name are fine, and other modes do not care.
        CHECK(
            parse_ok(with(zookeeper_base(), "high-availability.cluster-id", "/my.cluster..v2")).cluster_id ==
            "/my.cluster..v2"
        );
        CHECK(parse_ok({{"high-availability.zookeeper.path.root", "/.."}}).zookeeper.root == "/..");
    }

    TEST_CASE("acl creator is rejected when SASL is disabled")
    {
        auto config = with(zookeeper_base(), "high-availability.zookeeper.client.acl", "creator");
        const auto o = parse_ok(with(config, "zookeeper.sasl.disable", "false"));
        CHECK(o.zookeeper.acl == hakit::zookeeper_acl::creator);
        check_invalid(
            with(config, "zookeeper.sasl.disable", "true"),
            {"high-availability.zookeeper.client.acl", "creator", "zookeeper.sasl.disable"}
        );
        // open + SASL disabled is fine.
        CHECK(parse_ok(with(zookeeper_base(), "zookeeper.sasl.disable", "true")).zookeeper.sasl_disable);
    }

    TEST_CASE("quorum: all whitespace is removed")
    {
        const auto o =
            parse_ok(with(zookeeper_base(), "high-availability.zookeeper.quorum", "a:1,  b:2 ,\tc : 3"));
        CHECK(o.zookeeper.quorum == "a:1,b:2,c:3");
    }

    TEST_CASE("authorization: Flink map syntax and prefix keys")
    {
        using auth_map = std::map<std::string, std::string, std::less<>>;
        const std::string key = "high-availability.zookeeper.client.authorization";
        auto auth_of = [&](std::string value) {
            return parse_ok(with(zookeeper_base(), key, std::move(value))).zookeeper.authorization;
        };

        CHECK(auth_of("digest:'alice:secret'") == auth_map{{"digest", "alice:secret"}});
        CHECK(auth_of("digest:\"alice:secret\"") == auth_map{{"digest", "alice:secret"}});
        CHECK(auth_of(" digest : bob , ip : x ") == auth_map{{"digest", "bob"}, {"ip", "x"}});
        CHECK(auth_of("digest:'it''s:me'") == auth_map{{"digest", "it's:me"}});
        CHECK(auth_of("\"digest:'a,b'\"") == auth_map{{"digest", "a,b"}});
        CHECK(auth_of("digest:''") == auth_map{{"digest", ""}});
        CHECK(auth_of("").empty());

        check_invalid(
            with(zookeeper_base(), key, "digest:alice:secret"),
            {key, "'digest:alice:secret'", "not a key-value pair"}
        );
        check_invalid(with(zookeeper_base(), key, "digest"), {key, "not a key-value pair"});
        check_invalid(with(zookeeper_base(), key, "digest:"), {key, "not a key-value pair"});
        check_invalid(with(zookeeper_base(), key, "digest:'unclosed"), {key, "quoting was not closed"});
        check_invalid(with(zookeeper_base(), key, "digest:'a' b"), {key, "illegal quoting"});
        check_invalid(with(zookeeper_base(), key, "digest:a,digest:b"), {key, "duplicate key 'digest'"});
        check_invalid(with(zookeeper_base(), key, ":x"), {key, "not a key-value pair"});
        // Quoting applies per level: an item starting with a quote must be quoted as a whole first.
        check_invalid(with(zookeeper_base(), key, "'':x"), {key, "illegal quoting"});
        check_invalid(with(zookeeper_base(), key, "\"'':x\""), {key, "empty key"});

        // Prefix form: one key per scheme, the value taken as is.
        auto prefixed = zookeeper_base();
        prefixed.emplace(key + ".digest", "alice:secret");
        prefixed.emplace(key + ".sasl", "bob");
        CHECK(
            parse_ok(prefixed).zookeeper.authorization ==
            auth_map{{"digest", "alice:secret"}, {"sasl", "bob"}}
        );
        // The key itself wins over prefix entries.
        CHECK(parse_ok(with(prefixed, key, "x:y")).zookeeper.authorization == auth_map{{"x", "y"}});
        check_invalid(with(zookeeper_base(), key + ".", "v"), {key + ".", "empty key"});
    }

    TEST_CASE("SSL flags select pekko.ssl.tcp and https like Flink")
    {
        struct ssl_case
        {
            hakit::config_map config;
            bool rpc_ssl;
            bool rest_ssl;
        };
        const std::vector<ssl_case> cases{
            {{}, false, false},
            {{{"security.ssl.enabled", "true"}}, true, true},
            {{{"security.ssl.enabled", "true"}, {"pekko.ssl.enabled", "false"}}, false, true},
            {{{"security.ssl.enabled", "true"}, {"akka.ssl.enabled", "false"}}, false, true},
            {{{"security.ssl.internal.enabled", "true"}}, true, false},
            {{{"security.ssl.rest.enabled", "true"}}, false, true},
            {{{"security.ssl.enabled", "true"}, {"security.ssl.internal.enabled", "false"}}, false, true},
            {{{"security.ssl.enabled", "true"}, {"security.ssl.rest.enabled", "false"}}, true, false},
        };
        for (const ssl_case& c : cases)
        {
            CAPTURE(c.config.size());
            const auto o = parse_ok(c.config);
            CHECK(o.standalone.rpc_ssl == c.rpc_ssl);
            CHECK(o.standalone.rest_ssl == c.rest_ssl);
        }
        // The deprecated global flag is reported when it decided something.
        const auto global = parse_ok({{"security.ssl.enabled", "true"}});
        CHECK(global.deprecated_keys_used == std::vector<std::string>{"security.ssl.enabled"});
    }

    TEST_CASE("standalone leader addresses as Flink's StandaloneHaServices gets them")
    {
        hakit::diagnostics diag;
        hakit::standalone_options sa;
        auto missing = hakit::standalone_leader_addresses_of(sa, diag);
        REQUIRE_FALSE(missing.has_value());
        CHECK(missing.error() == hakit::errc::invalid_config);
        CHECK(diag.message().find("jobmanager.rpc.address") != std::string::npos);

        const auto o = parse_ok({{"jobmanager.rpc.address", "JobManager.Example.COM"}});
        auto addresses = hakit::standalone_leader_addresses_of(o.standalone, diag);
        REQUIRE(addresses.has_value());
        CHECK(
            addresses.value().resource_manager ==
            "pekko.tcp://flink@jobmanager.example.com:6123/user/rpc/resourcemanager_*"
        );
        CHECK(
            addresses.value().dispatcher ==
            "pekko.tcp://flink@jobmanager.example.com:6123/user/rpc/dispatcher_*"
        );
        // REST uses the address as configured (rest.address falls back to jobmanager.rpc.address).
        CHECK(addresses.value().rest_server == "http://JobManager.Example.COM:8081");

        const auto ssl = parse_ok({
            {"jobmanager.rpc.address", "127.0.0.5"},
            {"jobmanager.rpc.port", "7000"},
            {"rest.address", "rest.local"},
            {"rest.port", "9000"},
            {"security.ssl.enabled", "true"},
        });
        auto ssl_addresses = hakit::standalone_leader_addresses_of(ssl.standalone, diag);
        REQUIRE(ssl_addresses.has_value());
        CHECK(
            ssl_addresses.value() ==
            hakit::standalone_leader_addresses{
                "pekko.ssl.tcp://flink@127.0.0.5:7000/user/rpc/resourcemanager_*",
                "pekko.ssl.tcp://flink@127.0.0.5:7000/user/rpc/dispatcher_*",
                "https://rest.local:9000",
            }
        );

        struct host_case
        {
            std::string configured;
            std::string normalized;
            std::string rest;
        };
        const std::vector<host_case> hosts{
            {"::1", "[::1]", "[::1]"},
            {"[0:0:0:0:0:0:0:1]", "[::1]", "[0:0:0:0:0:0:0:1]"},
            {"2001:DB8:0:0:1:0:0:1", "[2001:db8::1:0:0:1]", "[2001:DB8:0:0:1:0:0:1]"},
            {"fe80:0:0:0:0:0:0:0", "[fe80::]", "[fe80:0:0:0:0:0:0:0]"},
            {"1:0:2:0:3:0:4:0", "[1:0:2:0:3:0:4:0]", "[1:0:2:0:3:0:4:0]"},
            {"::ffff:127.0.0.1", "[::ffff:7f00:1]", "[::ffff:127.0.0.1]"},
            {" 127.0.0.1 ", "127.0.0.1", "127.0.0.1"},
        };
        for (const host_case& h : hosts)
        {
            CAPTURE(h.configured);
            hakit::standalone_options opt;
            opt.rpc_address = h.configured;
            auto a = hakit::standalone_leader_addresses_of(opt, diag);
            INFO(diag.message());
            REQUIRE(a.has_value());
            CHECK(
                a.value().dispatcher == "pekko.tcp://flink@" + h.normalized + ":6123/user/rpc/dispatcher_*"
            );
            CHECK(a.value().rest_server == "http://" + h.rest + ":8081");
        }

        for (std::string bad : {"host.", ".host", "a:b", "1:2:3", "   "})
        {
            CAPTURE(bad);
            hakit::standalone_options opt;
            opt.rpc_address = bad;
            auto a = hakit::standalone_leader_addresses_of(opt, diag);
            REQUIRE_FALSE(a.has_value());
            CHECK(a.error() == hakit::errc::invalid_config);
            CHECK(diag.message().find("jobmanager.rpc.address") != std::string::npos);
            CHECK(diag.message().find("'" + bad + "'") != std::string::npos);
        }
        // Without HA, a bad address is reported by parse_ha_options already.
        check_invalid({{"jobmanager.rpc.address", "bad:host"}}, {"jobmanager.rpc.address", "'bad:host'"});
        check_invalid({{"jobmanager.rpc.address", "jm"}, {"rest.address", " "}}, {"rest.address", "blank"});
        check_invalid({{"rest.address", ""}}, {"rest.address", "blank"});
        // With HA the standalone addresses are not used, so they are not checked.
        CHECK(parse_ok(with(zookeeper_base(), "jobmanager.rpc.address", "bad:host"))
                  .standalone.rpc_address.has_value());
    }

    TEST_CASE("detail::parse_ipv6 accepts RFC 4291 forms only")
    {
        for (std::string_view good :
             {"::",
              "::1",
              "1::",
              "1:2:3:4:5:6:7:8",
              "1:2:3:4:5:6:7::",
              "::2:3:4:5:6:7:8",
              "1::8",
              "abcd:EF01::",
              "::1.2.3.4",
              "1:2:3:4:5:6:1.2.3.4"})
        {
            CAPTURE(good);
            CHECK(hakit::detail::parse_ipv6(good).has_value());
        }
        for (std::string_view bad :
             {"",
              ":",
              ":::",
              "1::2::3",
              "1:2:3:4:5:6:7:8:9",
              "1:2:3:4:5:6:7",
              "12345::",
              "1:2:3:4:5:6:7:8::",
              ":1::",
              "1:",
              "::1.2.3.256",
              "::1.2.3",
              "1.2.3.4",
              "g::",
              "::1.2.3.4:5",
              "1:2:3:4:5:6:7:1.2.3.4"})
        {
            CAPTURE(bad);
            CHECK_FALSE(hakit::detail::parse_ipv6(bad).has_value());
        }
        const auto all = hakit::detail::parse_ipv6("1:2:3:4:5:6:7:8");
        REQUIRE(all);
        CHECK(hakit::detail::ipv6_url_representation(*all) == "[1:2:3:4:5:6:7:8]");
        CHECK(hakit::detail::ipv6_url_representation(*hakit::detail::parse_ipv6("::")) == "[::]");
        CHECK(
            hakit::detail::ipv6_url_representation(*hakit::detail::parse_ipv6("0:0:1:0:0:0:1:0")) ==
            "[0:0:1::1:0]"
        );
    }

    TEST_CASE("zookeeper_path_join and zookeeper_namespace edge cases")
    {
        CHECK(hakit::zookeeper_path_join({"/flink", "/default"}) == "/flink/default");
        CHECK(hakit::zookeeper_path_join({"flink", "default"}) == "/flink/default");
        CHECK(hakit::zookeeper_path_join({"/flink/", "/default/"}) == "/flink/default");
        CHECK(hakit::zookeeper_path_join({"//flink//", "//default"}) == "/flink/default");
        CHECK(hakit::zookeeper_path_join({"/a//b", "c"}) == "/a/b/c");
        CHECK(hakit::zookeeper_path_join({"/flink", ""}) == "/flink");
        CHECK(hakit::zookeeper_path_join({"", "/x"}) == "/x");
        CHECK(hakit::zookeeper_path_join({"/", "/"}) == "/");
        CHECK(hakit::zookeeper_path_join({""}) == "/");
        CHECK(hakit::zookeeper_path_join({}) == "/");
        CHECK(hakit::zookeeper_path_join({"/flink/default", "/jobgraphs"}) == "/flink/default/jobgraphs");

        CHECK(
            hakit::zookeeper_namespace(parse_ok({{"high-availability.cluster-id", "my-cluster"}})) ==
            "/flink/my-cluster"
        );
        CHECK(hakit::zookeeper_namespace(parse_ok({{"high-availability.cluster-id", ""}})) == "/flink");
        CHECK(
            hakit::zookeeper_namespace(parse_ok({{"high-availability.zookeeper.path.root", "/"}})) ==
            "/default"
        );
        CHECK(
            hakit::zookeeper_namespace(parse_ok({
                {"high-availability.zookeeper.path.root", "/"},
                {"high-availability.cluster-id", "/"},
            })) == "/"
        );
        CHECK(
            hakit::zookeeper_namespace(parse_ok({
                {"high-availability.zookeeper.path.root", "apps/flink/"},
                {"high-availability.cluster-id", "/team/a/"},
            })) == "/apps/flink/team/a"
        );
    }

    TEST_CASE("cluster_storage_path, job_result_store_path, local_storage_path")
    {
        CHECK(hakit::cluster_storage_path("hdfs:///flink/ha", "/default") == "hdfs:///flink/ha/default");
        CHECK(hakit::cluster_storage_path("hdfs:///flink/ha/", "default") == "hdfs:///flink/ha/default");
        CHECK(hakit::cluster_storage_path("/tmp/ha", "/a/b/") == "/tmp/ha/a/b");
        CHECK(hakit::cluster_storage_path("file:///", "/default") == "file:///default");
        CHECK(hakit::cluster_storage_path("s3://bucket", "") == "s3://bucket");

        const auto none = parse_ok({});
        CHECK_FALSE(hakit::cluster_storage_path(none).has_value());
        CHECK_FALSE(hakit::job_result_store_path(none).has_value());

        const auto zk = parse_ok(zookeeper_base());
        CHECK(hakit::cluster_storage_path(zk) == std::filesystem::path("hdfs:///flink/ha/default"));
        CHECK(
            hakit::job_result_store_path(zk) ==
            std::filesystem::path("hdfs:///flink/ha/job-result-store/default")
        );
        const auto explicit_jrs =
            parse_ok(with(zookeeper_base(), "job-result-store.storage-path", "/var/jrs"));
        CHECK(hakit::job_result_store_path(explicit_jrs) == std::filesystem::path("/var/jrs"));
        // The storage path alone is enough for the job result store.
        CHECK(
            hakit::job_result_store_path(parse_ok({{"job-result-store.storage-path", "/jrs"}})) ==
            std::filesystem::path("/jrs")
        );

        CHECK(hakit::local_storage_path("file:///tmp/ha") == std::filesystem::path("/tmp/ha"));
        CHECK(hakit::local_storage_path("file:/tmp/ha") == std::filesystem::path("/tmp/ha"));
        CHECK(hakit::local_storage_path("FILE://localhost/tmp/ha") == std::filesystem::path("/tmp/ha"));
        CHECK(hakit::local_storage_path("/tmp/ha") == std::filesystem::path("/tmp/ha"));
        CHECK(hakit::local_storage_path("relative/ha") == std::filesystem::path("relative/ha"));
        CHECK_FALSE(hakit::local_storage_path("file://otherhost/tmp/ha").has_value());
        CHECK_FALSE(hakit::local_storage_path("hdfs:///flink/ha").has_value());
        CHECK_FALSE(hakit::local_storage_path("s3://bucket/ha").has_value());
        CHECK_FALSE(hakit::local_storage_path("").has_value());
        CHECK_FALSE(hakit::local_storage_path("file://").has_value());
    }

    TEST_CASE("keys without effect are reported")
    {
        const auto o = parse_ok({
            {"high-availability.zookeeper.path.latch", "/leaderlatch"},
            {"high-availability.job.delay", "10 s"},
            {"recovery.zookeeper.path.checkpoints", "/cp"},
            {"high-availability.zookeeper.path.running-registry", "/r"},
        });
        CHECK(
            o.ineffective_keys ==
            std::vector<std::string>{
                "high-availability.job.delay",
                "high-availability.zookeeper.path.running-registry",
                "high-availability.zookeeper.path.latch",
                "recovery.zookeeper.path.checkpoints",
            }
        );
    }

    TEST_CASE("parse_ha_options without diagnostics returns the same error")
    {
        auto ok = hakit::parse_ha_options(zookeeper_base());
        REQUIRE(ok.has_value());
        CHECK(ok.value().mode == hakit::ha_mode::zookeeper);
        auto bad =
            hakit::parse_ha_options(with(zookeeper_base(), "high-availability.zookeeper.client.acl", "x"));
        REQUIRE_FALSE(bad.has_value());
        CHECK(bad.error() == hakit::errc::invalid_config);
    }

    TEST_CASE("ha_options_from_file: a Flink configuration file end to end")
    {
        temp_file file(
            "# Flink HA on ZooKeeper\n"
            "jobmanager.rpc.address: jm-0\n"
            "high-availability: zookeeper          # deprecated spelling\n"
            "high-availability.storageDir: hdfs:///flink/recovery\n"
            "high-availability.zookeeper.quorum: zk-0:2181, zk-1:2181, zk-2:2181\n"
            "high-availability.zookeeper.path.root: /flink\n"
            "high-availability.cluster-id: /cluster_one\n"
            "high-availability.zookeeper.client.session-timeout: 40 s\n"
            "high-availability.zookeeper.client.authorization.digest: flink:secret\n"
        );
        hakit::diagnostics diag;
        auto o = hakit::ha_options_from_file(file.path(), diag);
        INFO(diag.message());
        REQUIRE(o.has_value());
        CHECK(o.value().mode == hakit::ha_mode::zookeeper);
        CHECK(o.value().zookeeper.quorum == "zk-0:2181,zk-1:2181,zk-2:2181");
        CHECK(o.value().zookeeper.session_timeout == 40s);
        CHECK(o.value().zookeeper.authorization.at("digest") == "flink:secret");
        CHECK(hakit::zookeeper_namespace(o.value()) == "/flink/cluster_one");
        CHECK(
            hakit::cluster_storage_path(o.value()) ==
            std::filesystem::path("hdfs:///flink/recovery/cluster_one")
        );
        CHECK(o.value().deprecated_keys_used == std::vector<std::string>{"high-availability"});

        temp_file bad("high-availability.type: zookeeper\nhigh-availability.storageDir: /ha\n");
        auto missing_quorum = hakit::ha_options_from_file(bad.path(), diag);
        REQUIRE_FALSE(missing_quorum.has_value());
        CHECK(missing_quorum.error() == hakit::errc::invalid_config);
        CHECK(diag.message().find(bad.path().string()) != std::string::npos);
        CHECK(diag.message().find("high-availability.zookeeper.quorum") != std::string::npos);
    }
}
