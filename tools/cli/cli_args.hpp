// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TOOLS_CLI_CLI_ARGS_HPP
#define HAKIT_TOOLS_CLI_CLI_ARGS_HPP

// The command line of the `hakit` tool (tools/cli/hakit.cpp): parsing the arguments and turning
// them into HA options. No I/O except reading a --config file; tested without a server in
// tests/unit/cli_args_test.cpp.

#include <hakit/component_id.hpp>
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <charconv>
#include <chrono>
#include <climits>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

namespace hakit_cli {

/// What the tool is asked to do.
enum class command
{
    /// `hakit help`, `--help`, `-h`: print usage_text on stdout.
    help,
    /// `hakit leader COMPONENT`: print the current leader once.
    leader,
    /// `hakit watch COMPONENT [--count N]`: print the current leader, then every change.
    watch,
    /// `hakit contend COMPONENT --address ADDR`: take part in the election.
    contend,
    /// `hakit status`: print the cluster's HA state.
    status,
};

/// The parsed command line. Unset options keep the configuration file's values or Flink's
/// defaults (see resolve_ha_options).
struct arguments
{
    command cmd = command::help;
    /// `--config FILE`: a Flink configuration file (`key: value` lines).
    std::optional<std::string> config_file;
    /// `--zookeeper HOSTS`: the quorum, e.g. `127.0.0.1:2181,127.0.0.1:2182[/chroot]`.
    std::optional<std::string> zookeeper;
    /// `--root PATH`: high-availability.zookeeper.path.root.
    std::optional<std::string> root;
    /// `--cluster-id ID`: high-availability.cluster-id.
    std::optional<std::string> cluster_id;
    /// `--session-timeout MS`: the requested ZooKeeper session timeout.
    std::optional<std::chrono::milliseconds> session_timeout;
    /// `--connection-timeout MS`: how long connecting may take before the tool gives up.
    std::optional<std::chrono::milliseconds> connection_timeout;
    /// `--storage-dir DIR`: high-availability.storageDir (status reads the job results below it).
    std::optional<std::string> storage_dir;
    /// The COMPONENT of leader, watch and contend.
    std::optional<hakit::component_id> component;
    /// `--address ADDR` of contend: the address published when granted.
    std::optional<std::string> address;
    /// `--count N` of watch: stop after N lines (the current state is the first).
    std::optional<std::uint64_t> count;
};

/// The usage text (`hakit --help`; printed on stderr after an argument error).
inline constexpr std::string_view usage_text =
    R"(usage: hakit COMMAND [ARGUMENTS] (--config FILE | --zookeeper HOSTS) [OPTIONS]

Inspects and takes part in the high-availability services of a Flink cluster (or of hakit
processes) kept in ZooKeeper.

Commands:
  leader COMPONENT                  print the current leader: "<address> <session-uuid>", or
                                    "no leader"
  watch COMPONENT [--count N]       print the current leader as above, then one line per change,
                                    until SIGINT/SIGTERM or N lines (the first one included)
  contend COMPONENT --address ADDR  join the election; when granted, publish ADDR and print
                                    "granted <session-uuid>"; print "revoked" when the leadership
                                    ends; resign cleanly on SIGINT/SIGTERM
  status                            print the HA state: leaders, contenders, job graphs,
                                    checkpoints, checkpoint-id counters and job results
  help                              print this text

COMPONENT is dispatcher, resource_manager, rest_server or job-<32 hex digits>.

Connection (--config, or --zookeeper; options given next to --config override the file):
  --config FILE              a Flink configuration file (high-availability.type: zookeeper, ...)
  --zookeeper HOSTS          the ZooKeeper quorum, e.g. 127.0.0.1:2181,127.0.0.1:2182
  --root PATH                high-availability.zookeeper.path.root (default /flink)
  --cluster-id ID            high-availability.cluster-id (default /default)
  --session-timeout MS       ZooKeeper session timeout (default 60000; "2 s" works too)
  --connection-timeout MS    give up connecting after this long (default 15000)
  --storage-dir DIR          high-availability.storageDir: status lists the job results kept
                             below it (job-result-store.storage-path in a --config file too)
  -h, --help                 print this text

Options may also be written --name=VALUE. Every line is flushed as it is printed.
Exit status: 0 done; 1 ZooKeeper unreachable, the session lost or a request failed;
2 bad arguments or configuration.
)";

namespace detail {

inline hakit::error_code fail(hakit::diagnostics& diag, std::string message)
{
    diag.assign(std::move(message));
    return hakit::errc::invalid_argument;
}

/// `--session-timeout` and `--connection-timeout`: a Flink duration (plain digits are
/// milliseconds), at least 1 ms and at most INT_MAX ms (what ZooKeeper's int fields hold).
inline hakit::result<std::chrono::milliseconds> parse_timeout(
    std::string_view option, std::string_view text, hakit::diagnostics& diag
)
{
    hakit::diagnostics why;
    auto parsed = hakit::parse_duration(text, why);
    if (!parsed)
        return fail(diag, std::string(option) + ": " + why.message());
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(parsed.value());
    if (ms.count() < 1 || ms.count() > INT_MAX)
        return fail(
            diag, std::string(option) + ": '" + std::string(text) + "' is out of range (1 ms to 24 days)"
        );
    return ms;
}

/// `--count`: a positive decimal integer.
inline hakit::result<std::uint64_t> parse_count(std::string_view text, hakit::diagnostics& diag)
{
    std::uint64_t value = 0;
    const auto* end = text.data() + text.size();
    const auto [at, ec] = std::from_chars(text.data(), end, value);
    if (text.empty() || ec != std::errc() || at != end || value == 0)
        return fail(diag, "--count: '" + std::string(text) + "' is not a positive integer");
    return value;
}

/// Options that take a value.
constexpr std::string_view value_options[] = {
    "--config",
    "--zookeeper",
    "--root",
    "--cluster-id",
    "--session-timeout",
    "--connection-timeout",
    "--storage-dir",
    "--address",
    "--count",
};

inline bool takes_value(std::string_view name)
{
    for (const auto known : value_options)
        if (known == name)
            return true;
    return false;
}

/// Stores one option's value; errc::invalid_argument (diag says why) for a bad value or a
/// repeated option.
inline hakit::error_code set_option(
    arguments& out, std::string_view name, std::string_view value, hakit::diagnostics& diag
)
{
    auto once = [&](auto& field, auto parsed) -> hakit::error_code {
        if (field)
            return fail(diag, std::string(name) + " given twice");
        field = std::move(parsed);
        return {};
    };
    auto text = [&]() -> hakit::result<std::string> {
        if (value.empty())
            return fail(diag, std::string(name) + ": empty value");
        return std::string(value);
    };
    hakit::error_code ec;
    if (name == "--session-timeout" || name == "--connection-timeout")
    {
        auto parsed = parse_timeout(name, value, diag);
        if (!parsed)
            return parsed.error();
        ec = once(name == "--session-timeout" ? out.session_timeout : out.connection_timeout, parsed.value());
    }
    else if (name == "--count")
    {
        auto parsed = parse_count(value, diag);
        if (!parsed)
            return parsed.error();
        ec = once(out.count, parsed.value());
    }
    else
    {
        auto parsed = text();
        if (!parsed)
            return parsed.error();
        auto& field = name == "--config"       ? out.config_file
                      : name == "--zookeeper"  ? out.zookeeper
                      : name == "--root"       ? out.root
                      : name == "--cluster-id" ? out.cluster_id
                      : name == "--address"    ? out.address
                                               : out.storage_dir;
        ec = once(field, std::move(parsed.value()));
    }
    return ec;
}

inline hakit::result<command> parse_command(std::string_view word, hakit::diagnostics& diag)
{
    if (word == "leader")
        return command::leader;
    if (word == "watch")
        return command::watch;
    if (word == "contend")
        return command::contend;
    if (word == "status")
        return command::status;
    if (word == "help")
        return command::help;
    return fail(diag, "unknown command '" + std::string(word) + "'");
}

}  // namespace detail

/// Parses the arguments after the program name. Options and the command's words may come in any
/// order; `--name VALUE` and `--name=VALUE` are the same; `--` ends the options. `-h` or `--help`
/// before `--` gives command::help and nothing else is checked; so does the command `help` (its
/// options must still be valid).
/// Errors (errc::invalid_argument, `diag` says which argument): an unknown command or option, a
/// missing or bad value, an option given twice, a missing or extra COMPONENT, an invalid
/// COMPONENT, an option the command does not take (--address is contend's and required there,
/// --count is watch's), neither --config nor --zookeeper.
inline hakit::result<arguments> parse_arguments(
    std::span<const std::string_view> args, hakit::diagnostics& diag
)
{
    diag.clear();
    arguments out;
    // Help first: `hakit contend --help` shows the usage even though --address is missing.
    for (const std::string_view arg : args)
    {
        if (arg == "--")
            break;
        if (arg == "-h" || arg == "--help")
            return out;  // command::help
    }
    std::vector<std::string_view> words;
    bool options_ended = false;
    for (std::size_t i = 0; i < args.size(); ++i)
    {
        const std::string_view arg = args[i];
        if (options_ended || arg.empty() || arg.front() != '-' || arg == "-")
        {
            words.push_back(arg);
            continue;
        }
        if (arg == "--")
        {
            options_ended = true;
            continue;
        }
        const auto equals = arg.find('=');
        const std::string_view name = arg.substr(0, equals);
        if (!arg.starts_with("--") || !detail::takes_value(name))
            return detail::fail(diag, "unknown option '" + std::string(name) + "'");
        std::string_view value;
        if (equals != std::string_view::npos)
            value = arg.substr(equals + 1);
        else if (i + 1 < args.size())
            value = args[++i];
        else
            return detail::fail(diag, std::string(name) + " needs a value");
        if (auto ec = detail::set_option(out, name, value, diag))
            return ec;
    }
    if (!words.empty() && words.front() == "help")
        return arguments{};  // command::help
    if (words.empty())
        return detail::fail(diag, "no command given");
    BOOST_OUTCOME_TRY(out.cmd, detail::parse_command(words.front(), diag));

    const bool has_component =
        out.cmd == command::leader || out.cmd == command::watch || out.cmd == command::contend;
    const std::string name(words.front());
    if (has_component)
    {
        if (words.size() < 2)
            return detail::fail(diag, name + " needs a COMPONENT");
        auto component = hakit::component_id::parse(words[1]);
        if (!component)
            return detail::fail(
                diag,
                "invalid COMPONENT '" + std::string(words[1]) +
                    "' (dispatcher, resource_manager, rest_server or job-<32 hex digits>)"
            );
        out.component = component.value();
    }
    const std::size_t expected_words = has_component ? 2 : 1;
    if (words.size() > expected_words)
        return detail::fail(diag, "unexpected argument '" + std::string(words[expected_words]) + "'");
    if (out.cmd == command::contend && !out.address)
        return detail::fail(diag, "contend needs --address ADDR");
    if (out.cmd != command::contend && out.address)
        return detail::fail(diag, "--address is an option of contend only");
    if (out.cmd != command::watch && out.count)
        return detail::fail(diag, "--count is an option of watch only");
    if (!out.config_file && !out.zookeeper)
        return detail::fail(diag, "say where ZooKeeper is: --config FILE or --zookeeper HOSTS");
    return out;
}

/// parse_arguments over main()'s argv (argv[0], the program name, is skipped).
inline hakit::result<arguments> parse_arguments(int argc, const char* const* argv, hakit::diagnostics& diag)
{
    std::vector<std::string_view> args;
    for (int i = 1; i < argc; ++i)
        args.emplace_back(argv[i]);
    return parse_arguments(std::span<const std::string_view>(args), diag);
}

/// The HA options the arguments describe: the --config file's (ha_options_from_file), or Flink's
/// defaults, with --zookeeper (all whitespace removed, as Flink does), --root, --cluster-id,
/// --session-timeout, --connection-timeout and --storage-dir put over them. --zookeeper makes the
/// mode ZooKeeper. Errors, with `diag` saying why: those of ha_options_from_file (the file's I/O
/// error, or errc::invalid_config), and errc::invalid_config for options that are not in
/// ZooKeeper mode or have no quorum.
inline hakit::result<hakit::ha_options> resolve_ha_options(const arguments& args, hakit::diagnostics& diag)
{
    diag.clear();
    hakit::ha_options options;
    if (args.config_file)
    {
        auto loaded = hakit::ha_options_from_file(*args.config_file, diag);
        if (!loaded)
            return loaded.error();
        options = std::move(loaded.value());
    }
    if (args.zookeeper)
    {
        std::string quorum;
        for (const char c : *args.zookeeper)
            if (c != ' ' && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != '\v')
                quorum += c;
        options.mode = hakit::ha_mode::zookeeper;
        options.zookeeper.quorum = std::move(quorum);
    }
    if (args.root)
        options.zookeeper.root = *args.root;
    if (args.cluster_id)
        options.cluster_id = *args.cluster_id;
    if (args.session_timeout)
        options.zookeeper.session_timeout = *args.session_timeout;
    if (args.connection_timeout)
        options.zookeeper.connection_timeout = *args.connection_timeout;
    if (args.storage_dir)
        options.storage_dir = *args.storage_dir;
    const std::string origin = args.config_file ? *args.config_file + ": " : std::string();
    if (options.mode != hakit::ha_mode::zookeeper)
    {
        diag.assign(
            origin + "high-availability.type is " + std::string(hakit::to_string(options.mode)) +
            ", not ZOOKEEPER (or give --zookeeper HOSTS)"
        );
        return hakit::errc::invalid_config;
    }
    if (options.zookeeper.quorum.empty())
    {
        diag.assign(origin + "high-availability.zookeeper.quorum: missing (or give --zookeeper HOSTS)");
        return hakit::errc::invalid_config;
    }
    return options;
}

}  // namespace hakit_cli

#endif
