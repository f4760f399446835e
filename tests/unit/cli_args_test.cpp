// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The `hakit` tool's command line (tools/cli/cli_args.hpp), without a server: every command and
// option, every usage error, and the HA options built from --config and the connection options.
#include "../../tools/cli/cli_args.hpp"

#include <hakit/component_id.hpp>
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>

#include <doctest/doctest.h>

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <random>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

using namespace std::chrono_literals;

namespace {

using hakit_cli::arguments;
using hakit_cli::command;

hakit::result<arguments> parse(std::initializer_list<std::string_view> words, hakit::diagnostics& diag)
{
    const std::vector<std::string_view> args(words);
    return hakit_cli::parse_arguments(std::span<const std::string_view>(args), diag);
}

arguments parse_ok(std::initializer_list<std::string_view> words)
{
    hakit::diagnostics diag;
    auto parsed = parse(words, diag);
    REQUIRE_MESSAGE(parsed, diag.message());
    CHECK(diag.empty());
    return parsed.value();
}

/// The diagnostics of arguments that must be refused with errc::invalid_argument.
std::string parse_error(std::initializer_list<std::string_view> words)
{
    hakit::diagnostics diag;
    auto parsed = parse(words, diag);
    REQUIRE_FALSE(parsed);
    CHECK(parsed.error() == hakit::errc::invalid_argument);
    CHECK_FALSE(diag.empty());
    return diag.message();
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

/// A uniquely named file in the temp directory, removed on destruction.
class temp_file
{
public:
    explicit temp_file(std::string_view content)
    {
        std::random_device rd;
        path_ = std::filesystem::temp_directory_path() /
                ("hakit-cli-test-" + std::to_string(rd()) + "-" + std::to_string(rd()) + ".yaml");
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
    std::string path() const { return path_.string(); }

private:
    std::filesystem::path path_;
};

constexpr std::string_view job_component = "job-00112233445566778899aabbccddeeff";

}  // namespace

TEST_SUITE("cli_args")
{
    TEST_CASE("each command with its component and options")
    {
        auto leader = parse_ok({"leader", "dispatcher", "--zookeeper", "127.0.0.1:2181"});
        CHECK(leader.cmd == command::leader);
        REQUIRE(leader.component);
        CHECK(*leader.component == hakit::component_id::dispatcher());
        CHECK(leader.zookeeper == "127.0.0.1:2181");
        CHECK_FALSE(leader.config_file);
        CHECK_FALSE(leader.count);
        CHECK_FALSE(leader.address);

        auto watch = parse_ok({"watch", "resource_manager", "--count", "2", "--zookeeper", "127.0.0.1:1"});
        CHECK(watch.cmd == command::watch);
        CHECK(*watch.component == hakit::component_id::resource_manager());
        CHECK(watch.count == 2u);

        auto contend =
            parse_ok({"contend", job_component, "--address", "akka://jm/x", "--config", "flink.yaml"});
        CHECK(contend.cmd == command::contend);
        REQUIRE(contend.component->job());
        CHECK(contend.component->str() == job_component);
        CHECK(contend.address == "akka://jm/x");
        CHECK(contend.config_file == "flink.yaml");

        auto status = parse_ok({"status", "--zookeeper", "127.0.0.1:1"});
        CHECK(status.cmd == command::status);
        CHECK_FALSE(status.component);

        CHECK(parse_ok({"--zookeeper", "h:1", "leader", "rest_server"}).cmd == command::leader);
    }

    TEST_CASE("every connection option, as --name VALUE and --name=VALUE, anywhere on the line")
    {
        auto a = parse_ok(
            {"--zookeeper",
             "127.0.0.1:2181,127.0.0.1:2182",
             "--root=/flink-ha",
             "status",
             "--cluster-id",
             "/c1",
             "--session-timeout=2000",
             "--connection-timeout",
             "3 s",
             "--storage-dir",
             "file:///tmp/ha"}
        );
        CHECK(a.cmd == command::status);
        CHECK(a.zookeeper == "127.0.0.1:2181,127.0.0.1:2182");
        CHECK(a.root == "/flink-ha");
        CHECK(a.cluster_id == "/c1");
        CHECK(a.session_timeout == 2000ms);
        CHECK(a.connection_timeout == 3000ms);
        CHECK(a.storage_dir == "file:///tmp/ha");

        // A value may start with '-' when it follows its option; `--` ends the options.
        auto b = parse_ok({"contend", "--address", "-odd-", "--zookeeper=h:1", "--", "dispatcher"});
        CHECK(b.address == "-odd-");
        auto c = parse_ok({"--zookeeper", "h:1", "--", "leader", "dispatcher"});
        CHECK(c.cmd == command::leader);
        // Durations: Flink's syntax, plain digits are milliseconds.
        CHECK(
            parse_ok({"status", "--zookeeper", "h:1", "--session-timeout", "1 min"}).session_timeout ==
            60'000ms
        );
        CHECK(
            parse_ok({"status", "--zookeeper", "h:1", "--session-timeout", "1500ms"}).session_timeout ==
            1500ms
        );
    }

    TEST_CASE("help: -h, --help and the help command, whatever else is given")
    {
        CHECK(parse_ok({"--help"}).cmd == command::help);
        CHECK(parse_ok({"-h"}).cmd == command::help);
        CHECK(parse_ok({"help"}).cmd == command::help);
        CHECK(parse_ok({"contend", "dispatcher", "--help"}).cmd == command::help);  // no --address needed
        CHECK(parse_ok({"--bogus", "-h"}).cmd == command::help);
        CHECK(hakit_cli::usage_text.starts_with("usage: hakit "));
        for (const auto word :
             {"leader COMPONENT",
              "watch COMPONENT [--count N]",
              "contend COMPONENT --address ADDR",
              "status",
              "--config FILE",
              "--zookeeper HOSTS",
              "--root PATH",
              "--cluster-id ID",
              "--session-timeout MS",
              "job-<32 hex digits>",
              "Exit status"})
            CHECK_MESSAGE(hakit_cli::usage_text.find(word) != std::string_view::npos, word);
    }

    TEST_CASE("usage errors name the argument")
    {
        CHECK(contains(parse_error({}), "no command"));
        CHECK(contains(parse_error({"--zookeeper", "h:1"}), "no command"));
        CHECK(contains(parse_error({"elect", "--zookeeper", "h:1"}), "unknown command 'elect'"));
        CHECK(contains(parse_error({"status", "--zookeeper", "h:1", "--bogus"}), "unknown option '--bogus'"));
        CHECK(contains(parse_error({"status", "--zookeeper", "h:1", "-x"}), "unknown option '-x'"));
        CHECK(contains(parse_error({"status", "--zookeeper"}), "--zookeeper needs a value"));
        CHECK(contains(parse_error({"status", "--zookeeper="}), "--zookeeper: empty value"));
        CHECK(contains(parse_error({"status", "--zookeeper", "a:1", "--zookeeper", "b:1"}), "given twice"));
        CHECK(contains(parse_error({"status"}), "--config FILE or --zookeeper HOSTS"));

        // Components.
        CHECK(contains(parse_error({"leader", "--zookeeper", "h:1"}), "leader needs a COMPONENT"));
        CHECK(contains(
            parse_error({"watch", "jobmanager", "--zookeeper", "h:1"}), "invalid COMPONENT 'jobmanager'"
        ));
        CHECK(contains(parse_error({"leader", "job-123", "--zookeeper", "h:1"}), "invalid COMPONENT"));
        CHECK(contains(parse_error({"leader", "Dispatcher", "--zookeeper", "h:1"}), "invalid COMPONENT"));
        CHECK(contains(
            parse_error({"leader", "dispatcher", "rest_server", "--zookeeper", "h:1"}),
            "unexpected argument 'rest_server'"
        ));
        CHECK(contains(
            parse_error({"status", "dispatcher", "--zookeeper", "h:1"}), "unexpected argument 'dispatcher'"
        ));

        // Options that belong to another command.
        CHECK(
            contains(parse_error({"contend", "dispatcher", "--zookeeper", "h:1"}), "contend needs --address")
        );
        CHECK(contains(
            parse_error({"leader", "dispatcher", "--address", "a", "--zookeeper", "h:1"}), "--address"
        ));
        CHECK(contains(parse_error({"leader", "dispatcher", "--count", "1", "--zookeeper", "h:1"}), "--count")
        );
        CHECK(contains(parse_error({"contend", "dispatcher", "--address="}), "--address: empty value"));

        // Values.
        CHECK(contains(
            parse_error({"watch", "dispatcher", "--count", "0", "--zookeeper", "h:1"}), "positive integer"
        ));
        CHECK(
            contains(parse_error({"watch", "dispatcher", "--count", "-1", "--zookeeper", "h:1"}), "positive")
        );
        CHECK(contains(parse_error({"watch", "dispatcher", "--count", "2x", "--zookeeper", "h:1"}), "'2x'"));
        CHECK(contains(
            parse_error({"watch", "dispatcher", "--count", "99999999999999999999", "--zookeeper", "h:1"}),
            "positive"
        ));
        CHECK(contains(
            parse_error({"status", "--zookeeper", "h:1", "--session-timeout", "soon"}), "--session-timeout"
        ));
        CHECK(
            contains(parse_error({"status", "--zookeeper", "h:1", "--session-timeout", "0"}), "out of range")
        );
        CHECK(contains(
            parse_error({"status", "--zookeeper", "h:1", "--session-timeout", "30 d"}), "out of range"
        ));
        CHECK(contains(
            parse_error({"status", "--zookeeper", "h:1", "--connection-timeout", "-5"}),
            "--connection-timeout"
        ));
    }

    TEST_CASE("--zookeeper alone: ZooKeeper mode with Flink's defaults and the options given")
    {
        hakit::diagnostics diag;
        auto defaults = hakit_cli::resolve_ha_options(
            parse_ok({"status", "--zookeeper", " 127.0.0.1:1, 127.0.0.1:2 "}), diag
        );
        REQUIRE_MESSAGE(defaults, diag.message());
        CHECK(defaults.value().mode == hakit::ha_mode::zookeeper);
        CHECK(defaults.value().zookeeper.quorum == "127.0.0.1:1,127.0.0.1:2");
        CHECK(hakit::zookeeper_namespace(defaults.value()) == "/flink/default");
        CHECK(defaults.value().zookeeper.session_timeout == 60'000ms);
        CHECK(defaults.value().zookeeper.connection_timeout == 15'000ms);
        CHECK_FALSE(defaults.value().storage_dir);

        auto given = hakit_cli::resolve_ha_options(
            parse_ok(
                {"status",
                 "--zookeeper=127.0.0.1:1",
                 "--root",
                 "/ha",
                 "--cluster-id",
                 "c7",
                 "--session-timeout",
                 "2000",
                 "--connection-timeout",
                 "500",
                 "--storage-dir",
                 "/tmp/ha"}
            ),
            diag
        );
        REQUIRE_MESSAGE(given, diag.message());
        CHECK(hakit::zookeeper_namespace(given.value()) == "/ha/c7");
        CHECK(given.value().zookeeper.session_timeout == 2000ms);
        CHECK(given.value().zookeeper.connection_timeout == 500ms);
        REQUIRE(hakit::job_result_store_path(given.value()));
        CHECK(hakit::job_result_store_path(given.value())->string() == "/tmp/ha/job-result-store/c7");
    }

    TEST_CASE("--config: the file's options, overridden by the options given next to it")
    {
        temp_file file(
            "high-availability.type: zookeeper\n"
            "high-availability.storageDir: file:///tmp/flink-ha\n"
            "high-availability.zookeeper.quorum: 127.0.0.1:2181\n"
            "high-availability.zookeeper.path.root: /from-file\n"
            "high-availability.cluster-id: /cluster-a\n"
            "high-availability.zookeeper.client.session-timeout: 5 s\n"
        );
        hakit::diagnostics diag;
        auto from_file = hakit_cli::resolve_ha_options(parse_ok({"status", "--config", file.path()}), diag);
        REQUIRE_MESSAGE(from_file, diag.message());
        CHECK(from_file.value().zookeeper.quorum == "127.0.0.1:2181");
        CHECK(hakit::zookeeper_namespace(from_file.value()) == "/from-file/cluster-a");
        CHECK(from_file.value().zookeeper.session_timeout == 5000ms);
        CHECK(from_file.value().storage_dir == "file:///tmp/flink-ha");

        auto overridden = hakit_cli::resolve_ha_options(
            parse_ok(
                {"status",
                 "--config",
                 file.path(),
                 "--zookeeper",
                 "127.0.0.1:9999",
                 "--cluster-id",
                 "/other",
                 "--session-timeout",
                 "3000"}
            ),
            diag
        );
        REQUIRE_MESSAGE(overridden, diag.message());
        CHECK(overridden.value().zookeeper.quorum == "127.0.0.1:9999");
        CHECK(hakit::zookeeper_namespace(overridden.value()) == "/from-file/other");
        CHECK(overridden.value().zookeeper.session_timeout == 3000ms);
    }

    TEST_CASE("--config errors: missing file, invalid file, not ZooKeeper mode")
    {
        hakit::diagnostics diag;
        auto missing = hakit_cli::resolve_ha_options(
            parse_ok({"status", "--config", "/nonexistent/hakit-cli-test/flink.yaml"}), diag
        );
        REQUIRE_FALSE(missing);
        CHECK(missing.error() == std::errc::no_such_file_or_directory);
        CHECK(contains(diag.message(), "/nonexistent/hakit-cli-test/flink.yaml"));

        temp_file bad(
            "high-availability.type: zookeeper\nhigh-availability.zookeeper.client.session-timeout: soon\n"
        );
        auto invalid = hakit_cli::resolve_ha_options(parse_ok({"status", "--config", bad.path()}), diag);
        REQUIRE_FALSE(invalid);
        CHECK(invalid.error() == hakit::errc::invalid_config);
        CHECK_FALSE(diag.empty());

        temp_file none(
            "high-availability.type: NONE\n"
            "jobmanager.rpc.address: 127.0.0.1\n"
        );
        auto not_zookeeper =
            hakit_cli::resolve_ha_options(parse_ok({"status", "--config", none.path()}), diag);
        REQUIRE_FALSE(not_zookeeper);
        CHECK(not_zookeeper.error() == hakit::errc::invalid_config);
        CHECK(contains(diag.message(), "not ZOOKEEPER"));
        CHECK(contains(diag.message(), none.path()));

        // --zookeeper turns such a file into ZooKeeper mode.
        auto forced = hakit_cli::resolve_ha_options(
            parse_ok({"status", "--config", none.path(), "--zookeeper", "127.0.0.1:1"}), diag
        );
        REQUIRE_MESSAGE(forced, diag.message());
        CHECK(forced.value().mode == hakit::ha_mode::zookeeper);
    }
}
