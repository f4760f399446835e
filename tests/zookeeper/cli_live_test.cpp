// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live tests of the `hakit` command-line tool (tools/cli) against the standalone ZooKeeper of the
// zk_standalone fixture: the tool runs as child processes (posix_spawn) whose output lines are
// read with deadlines. Every test works in its own namespace (--root) and removes it.
#include <hakit/backend/zookeeper.hpp>
#include <hakit/config.hpp>
#include <hakit/filesystem/job_result_json.hpp>
#include <hakit/job_id.hpp>
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/run_coro.hpp"
#include "common/zk_servers.hpp"

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <fcntl.h>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <memory>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

#ifndef HAKIT_CLI_PATH
#error "HAKIT_CLI_PATH (the hakit executable) must be defined by the build"
#endif

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using namespace std::chrono_literals;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;
using hakit_test::run_coro;
using hakit_test::zk_cluster;

/// How long anything that should happen promptly may take (sanitizer builds on a busy machine).
constexpr auto prompt = 30s;

long long millis(clock_type::duration d)
{
    return std::chrono::duration_cast<ms>(d).count();
}

bool contains(const std::string& text, std::string_view part)
{
    return text.find(part) != std::string::npos;
}

/// The lines of `text`.
std::vector<std::string> lines_of(const std::string& text)
{
    std::vector<std::string> out;
    std::size_t start = 0;
    while (start < text.size())
    {
        const auto end = std::min(text.find('\n', start), text.size());
        out.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return out;
}

/// A running `hakit` process: stdout and stderr on pipes, read with deadlines. The destructor
/// kills it (SIGKILL) if it still runs.
class cli_process
{
public:
    explicit cli_process(const std::vector<std::string>& args)
    {
        int out[2];
        int err[2];
        if (::pipe2(out, O_CLOEXEC) != 0 || ::pipe2(err, O_CLOEXEC) != 0)
            throw std::runtime_error("pipe2 failed");
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&actions, out[1], 1);
        posix_spawn_file_actions_adddup2(&actions, err[1], 2);
        std::vector<std::string> all{HAKIT_CLI_PATH};
        all.insert(all.end(), args.begin(), args.end());
        std::vector<char*> argv;
        for (auto& a : all)
            argv.push_back(a.data());
        argv.push_back(nullptr);
        const int rc = ::posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
        posix_spawn_file_actions_destroy(&actions);
        ::close(out[1]);
        ::close(err[1]);
        out_ = out[0];
        err_ = err[0];
        if (rc != 0)
        {
            pid_ = -1;
            throw std::runtime_error(std::string("cannot run " HAKIT_CLI_PATH ": ") + std::strerror(rc));
        }
        ::fcntl(out_, F_SETFL, O_NONBLOCK);
        ::fcntl(err_, F_SETFL, O_NONBLOCK);
    }

    cli_process(const cli_process&) = delete;
    cli_process& operator=(const cli_process&) = delete;

    ~cli_process()
    {
        if (pid_ > 0 && !status_)
        {
            ::kill(pid_, SIGKILL);
            int status = 0;
            while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR)
            {}
        }
        ::close(out_);
        ::close(err_);
    }

    /// The next stdout line (without '\n'); nullopt if none is complete within `timeout` or stdout
    /// ended.
    std::optional<std::string> next_line(clock_type::duration timeout)
    {
        const auto deadline = clock_type::now() + timeout;
        auto newline = out_text_.find('\n', taken_);
        while (newline == std::string::npos && !out_closed_)
        {
            pump(deadline);
            newline = out_text_.find('\n', taken_);
            if (newline == std::string::npos && clock_type::now() >= deadline)
                break;
        }
        if (newline == std::string::npos)
            return std::nullopt;
        auto line = out_text_.substr(taken_, newline - taken_);
        taken_ = newline + 1;
        return line;
    }

    void signal(int sig) const { ::kill(pid_, sig); }

    /// The exit status (128 + signal if killed by one); nullopt if it still runs after `timeout`.
    /// Reads its output meanwhile, so a full pipe cannot stop it.
    std::optional<int> wait_exit(clock_type::duration timeout)
    {
        const auto deadline = clock_type::now() + timeout;
        bool exited = reap();
        while (!exited && clock_type::now() < deadline)
        {
            pump(std::min(deadline, clock_type::now() + 20ms));
            exited = reap();
        }
        if (exited)
            while (!out_closed_ || !err_closed_)
                pump(clock_type::now() + 1s);
        return status_;
    }

    /// Everything it printed on stdout / stderr so far.
    const std::string& out() const { return out_text_; }
    const std::string& err() const { return err_text_; }

private:
    /// Reads what is available, waiting until `deadline` for something to arrive.
    void pump(clock_type::time_point deadline)
    {
        pollfd fds[2] = {{out_, POLLIN, 0}, {err_, POLLIN, 0}};
        const auto left = std::max<long long>(0, millis(deadline - clock_type::now()));
        if (::poll(fds, 2, static_cast<int>(std::min<long long>(left, 60'000))) <= 0)
            return;
        drain(out_, out_text_, out_closed_);
        drain(err_, err_text_, err_closed_);
    }

    static void drain(int fd, std::string& text, bool& closed)
    {
        char buf[4096];
        bool more = !closed;
        while (more)
        {
            const auto n = ::read(fd, buf, sizeof buf);
            if (n > 0)
                text.append(buf, static_cast<std::size_t>(n));
            else if (n == 0)
            {
                closed = true;
                more = false;
            }
            else
                more = errno == EINTR;
        }
    }

    bool reap()
    {
        if (status_)
            return true;
        int status = 0;
        const auto r = ::waitpid(pid_, &status, WNOHANG);
        if (r == pid_)
            status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_.has_value();
    }

    pid_t pid_ = -1;
    int out_ = -1;
    int err_ = -1;
    std::string out_text_;
    std::string err_text_;
    std::size_t taken_ = 0;
    bool out_closed_ = false;
    bool err_closed_ = false;
    std::optional<int> status_;
};

/// What a finished `hakit` run printed.
struct run_result
{
    int status = -1;
    std::string out;
    std::string err;
};

/// Runs `hakit args...` to its end (fails the test if it takes longer than `timeout`).
run_result run_cli(const std::vector<std::string>& args, clock_type::duration timeout = prompt)
{
    cli_process p(args);
    const auto status = p.wait_exit(timeout);
    REQUIRE_MESSAGE(status, "hakit did not exit within its deadline; stderr: " << p.err());
    return {*status, p.out(), p.err()};
}

/// A namespace of its own on the test server: `--zookeeper … --root <unique> --cluster-id /c`.
struct cluster_namespace
{
    zk_cluster server = zk_cluster::from_env();
    std::string root = hakit_test::unique_path("/hakit-cli");
    std::string path = root + "/c";

    /// The connection options, with `session_timeout` if given.
    std::vector<std::string> options(std::optional<ms> session_timeout = {}) const
    {
        std::vector<std::string> out{
            "--zookeeper", server.connect_string(), "--root", root, "--cluster-id", "/c"};
        if (session_timeout)
        {
            out.emplace_back("--session-timeout");
            out.push_back(std::to_string(session_timeout->count()));
        }
        return out;
    }

    /// `words` followed by options().
    std::vector<std::string> command(
        std::initializer_list<std::string> words, std::optional<ms> session_timeout = {}
    ) const
    {
        std::vector<std::string> out(words);
        const auto more = options(session_timeout);
        out.insert(out.end(), more.begin(), more.end());
        return out;
    }

    ~cluster_namespace()
    {
        try
        {
            asio::io_context ioc;
            zk::client client(ioc.get_executor(), raw_options(server.connect_string()));
            run_coro(ioc, remove_all(client, root), 30s);
        }
        catch (...)
        {
            // Best effort: the namespace is unique, a leftover disturbs no one.
        }
    }

    static zk::session_options raw_options(std::string connect)
    {
        zk::session_options o;
        o.connect_string = std::move(connect);
        o.session_timeout = 10'000ms;
        o.connection_timeout = 20s;
        return o;
    }

    static asio::awaitable<void> remove_tree(zk::client& c, std::string path)
    {
        auto kids = co_await c.async_get_children(path);
        if (kids)
            for (const auto& k : kids.value().children)
                co_await remove_tree(c, path + "/" + k);
        (void)co_await c.async_remove(path);
    }

    static asio::awaitable<void> remove_all(zk::client& c, std::string path)
    {
        auto connected = co_await c.async_connect();
        if (connected)
        {
            co_await remove_tree(c, std::move(path));
            (void)co_await c.async_close();
        }
    }
};

/// Waits (running `hakit status` again and again) until it prints `line`; false after `timeout`.
bool status_shows(const cluster_namespace& ns, const std::string& line, clock_type::duration timeout)
{
    return hakit_test::poll_until(
        [&] {
            const auto r = run_cli(ns.command({"status"}));
            const auto lines = lines_of(r.out);
            return r.status == 0 && std::find(lines.begin(), lines.end(), line) != lines.end();
        },
        timeout
    );
}

/// The session id of a "granted <uuid>" line ("" if it is not one).
std::string granted_uuid(const std::optional<std::string>& line)
{
    constexpr std::string_view prefix = "granted ";
    if (!line || !line->starts_with(prefix) || line->size() != prefix.size() + 36)
        return {};
    return line->substr(prefix.size());
}

/// The checkpoints the status tests store (outside the coroutines: GCC 12 mishandles a braced
/// list there).
const std::vector<std::int64_t> checkpoint_ids{7, 12};

/// A port on 127.0.0.1 nothing listens on (bound and released again).
std::uint16_t closed_port()
{
    const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    REQUIRE(fd >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    REQUIRE(::bind(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0);
    REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0);
    ::close(fd);
    return ntohs(addr.sin_port);
}

/// Creates `path` and its missing ancestors (persistent, empty), then sets `data` on it.
asio::awaitable<void> put_node(zk::client& c, std::string path, zk::bytes data)
{
    std::size_t at = 0;
    while ((at = path.find('/', at + 1)) != std::string::npos)
    {
        auto created = co_await c.async_create(path.substr(0, at), zk::bytes{});
        REQUIRE((created || created.error() == zk::error::node_exists));
    }
    auto created = co_await c.async_create(path, data);
    REQUIRE_MESSAGE(created, path << ": " << created.error().message());
}

}  // namespace

TEST_SUITE("cli_live")
{
    TEST_CASE("usage errors exit 2 with the usage on stderr; --help exits 0; no server exits 1")
    {
        auto help = run_cli({"--help"});
        CHECK(help.status == 0);
        CHECK(help.out.starts_with("usage: hakit "));

        auto unknown = run_cli({"elect", "--zookeeper", "127.0.0.1:1"});
        CHECK(unknown.status == 2);
        CHECK(contains(unknown.err, "unknown command 'elect'"));
        CHECK(contains(unknown.err, "usage: hakit "));
        CHECK(unknown.out.empty());

        auto no_address = run_cli({"contend", "dispatcher", "--zookeeper", "127.0.0.1:1"});
        CHECK(no_address.status == 2);
        CHECK(contains(no_address.err, "--address"));

        auto bad_component = run_cli({"leader", "jobmanager", "--zookeeper", "127.0.0.1:1"});
        CHECK(bad_component.status == 2);

        // Invalid options found after parsing: an unusable connect string, a bad root.
        auto bad_hosts = run_cli({"leader", "dispatcher", "--zookeeper", "127.0.0.1:notaport"});
        CHECK(bad_hosts.status == 2);
        CHECK_FALSE(bad_hosts.err.empty());
        auto bad_root = run_cli({"leader", "dispatcher", "--zookeeper", "127.0.0.1:1", "--root", "/a/../b"});
        CHECK(bad_root.status == 2);
        auto no_file = run_cli({"status", "--config", "/nonexistent/hakit-cli/flink-conf.yaml"});
        CHECK(no_file.status == 2);
        CHECK(contains(no_file.err, "/nonexistent/hakit-cli/flink-conf.yaml"));

        // Nothing listens: the connection timeout passes, exit 1 with a message.
        const auto port = std::to_string(closed_port());
        const auto started = clock_type::now();
        auto unreachable = run_cli(
            {"leader", "dispatcher", "--zookeeper", "127.0.0.1:" + port, "--connection-timeout", "1000"}
        );
        CHECK(unreachable.status == 1);
        CHECK(contains(unreachable.err, "cannot connect to ZooKeeper at 127.0.0.1:" + port));
        CHECK(unreachable.out.empty());
        CHECK(clock_type::now() - started < prompt);
    }

    TEST_CASE("an empty cluster: no leader, and status says so")
    {
        cluster_namespace ns;
        REQUIRE(ns.server.wait_all_serving(60s));
        for (const auto* component :
             {"dispatcher", "resource_manager", "rest_server", "job-00112233445566778899aabbccddeeff"})
        {
            auto r = run_cli(ns.command({"leader", component}));
            CHECK_MESSAGE(r.status == 0, r.err);
            CHECK(r.out == "no leader\n");
        }
        auto status = run_cli(ns.command({"status"}));
        CHECK_MESSAGE(status.status == 0, status.err);
        const auto lines = lines_of(status.out);
        const std::vector<std::string> expected{
            "namespace " + ns.path,
            "leader dispatcher no leader",
            "leader resource_manager no leader",
            "leader rest_server no leader",
            "contenders 0",
            "jobgraphs 0",
            "jobs 0",
            "results unavailable: no high-availability.storageDir (give --storage-dir or --config)"};
        CHECK(lines == expected);
    }

    TEST_CASE("contend: granted, leader and status show it, SIGTERM resigns")
    {
        cluster_namespace ns;
        const std::string address = "pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_1";
        cli_process contender(ns.command({"contend", "dispatcher", "--address", address}));
        const auto uuid = granted_uuid(contender.next_line(prompt));
        REQUIRE_MESSAGE(!uuid.empty(), "stdout: " << contender.out() << " stderr: " << contender.err());

        auto leader = run_cli(ns.command({"leader", "dispatcher"}));
        CHECK_MESSAGE(leader.status == 0, leader.err);
        CHECK(leader.out == address + " " + uuid + "\n");
        auto other = run_cli(ns.command({"leader", "rest_server"}));
        CHECK(other.out == "no leader\n");

        auto status = run_cli(ns.command({"status"}));
        CHECK_MESSAGE(status.status == 0, status.err);
        const auto lines = lines_of(status.out);
        for (const auto& line :
             {"leader dispatcher " + address + " " + uuid,
              std::string("leader resource_manager no leader"),
              std::string("leader rest_server no leader"),
              std::string("contenders 1")})
            CHECK_MESSAGE(
                std::find(lines.begin(), lines.end(), line) != lines.end(),
                line << " in\n"
                     << status.out
            );

        contender.signal(SIGTERM);
        CHECK(contender.next_line(prompt) == "revoked");
        CHECK(contender.wait_exit(prompt) == 0);
        CHECK(contender.next_line(0s) == std::nullopt);
        auto after = run_cli(ns.command({"leader", "dispatcher"}));
        CHECK(after.out == "no leader\n");
        CHECK(status_shows(ns, "contenders 0", prompt));
    }

    TEST_CASE(
        "watch follows a takeover after SIGTERM; the successor is granted well before the session timeout"
    )
    {
        cluster_namespace ns;
        constexpr ms session_timeout = 4000ms;  // the test servers' maximum (20 ticks of 200 ms)
        const std::string first_address = "127.0.0.1:7001";
        const std::string second_address = "127.0.0.1:7002";
        cli_process first(ns.command({"contend", "dispatcher", "--address", first_address}, session_timeout));
        const auto first_uuid = granted_uuid(first.next_line(prompt));
        REQUIRE_MESSAGE(!first_uuid.empty(), first.err());
        cli_process second(ns.command({"contend", "dispatcher", "--address", second_address}, session_timeout)
        );
        REQUIRE(status_shows(ns, "contenders 2", prompt));  // the second waits in the latch

        const std::string first_line = first_address + " " + first_uuid;
        cli_process counted(ns.command({"watch", "dispatcher", "--count", "2"}));
        cli_process follower(ns.command({"watch", "dispatcher"}));
        REQUIRE(counted.next_line(prompt) == first_line);
        REQUIRE(follower.next_line(prompt) == first_line);

        const auto resigned_at = clock_type::now();
        first.signal(SIGTERM);
        const auto second_uuid = granted_uuid(second.next_line(prompt));
        const auto took = clock_type::now() - resigned_at;
        REQUIRE_MESSAGE(!second_uuid.empty(), second.err());
        CHECK(second_uuid != first_uuid);
        CHECK_MESSAGE(took < session_timeout / 2, "successor granted after " << millis(took) << " ms");
        CHECK(first.next_line(prompt) == "revoked");
        CHECK(first.wait_exit(prompt) == 0);

        // --count 2: the first line and the first change, then exit 0.
        const std::string second_line = second_address + " " + second_uuid;
        const auto change = counted.next_line(prompt);
        CHECK((change == "no leader" || change == second_line));
        CHECK(counted.wait_exit(prompt) == 0);
        CHECK(counted.next_line(0s) == std::nullopt);

        // Without --count: every change in order (a "no leader" in between may be coalesced), until
        // SIGINT.
        auto line = follower.next_line(prompt);
        if (line == "no leader")
            line = follower.next_line(prompt);
        CHECK(line == second_line);
        follower.signal(SIGINT);
        CHECK(follower.wait_exit(prompt) == 0);

        auto leader = run_cli(ns.command({"leader", "dispatcher"}));
        CHECK(leader.out == second_line + "\n");
        second.signal(SIGTERM);
        CHECK(second.next_line(prompt) == "revoked");
        CHECK(second.wait_exit(prompt) == 0);
    }

    TEST_CASE("SIGKILL of the leader: a new leader once its session expired")
    {
        cluster_namespace ns;
        constexpr ms session_timeout = 2000ms;
        cli_process first(
            ns.command({"contend", "dispatcher", "--address", "127.0.0.1:7001"}, session_timeout)
        );
        const auto first_uuid = granted_uuid(first.next_line(prompt));
        REQUIRE_MESSAGE(!first_uuid.empty(), first.err());
        cli_process second(
            ns.command({"contend", "dispatcher", "--address", "127.0.0.1:7002"}, session_timeout)
        );
        REQUIRE(status_shows(ns, "contenders 2", prompt));

        const auto killed_at = clock_type::now();
        first.signal(SIGKILL);
        REQUIRE(first.wait_exit(prompt) == 128 + SIGKILL);
        const auto second_uuid = granted_uuid(second.next_line(prompt));
        const auto took = clock_type::now() - killed_at;
        REQUIRE_MESSAGE(!second_uuid.empty(), second.err());
        CHECK(second_uuid != first_uuid);
        // The killed leader's latch node lives until the server expires its session: at least
        // about T after the last ping, which was at most T/3 before the kill.
        CHECK_MESSAGE(took >= session_timeout / 2, "successor granted after " << millis(took) << " ms");
        auto leader = run_cli(ns.command({"leader", "dispatcher"}));
        CHECK(leader.out == "127.0.0.1:7002 " + second_uuid + "\n");

        second.signal(SIGINT);
        CHECK(second.next_line(prompt) == "revoked");
        CHECK(second.wait_exit(prompt) == 0);
    }

    TEST_CASE("status lists job graphs, checkpoints, counters and job results in Flink's layout")
    {
        cluster_namespace ns;
        const auto a = hakit::job_id::parse("00000000000000000000000000000a0a").value();
        const auto b = hakit::job_id::parse("00000000000000000000000000000b0b").value();
        {
            asio::io_context ioc;
            zk::client client(ioc.get_executor(), cluster_namespace::raw_options(ns.server.connect_string()));
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    auto connected = co_await client.async_connect();
                    REQUIRE(connected);
                    // GCC 12: no braced lists or owning temporaries in co_await expressions.
                    const zk::bytes one(1, 1);
                    const zk::bytes none;
                    auto graph_a = ns.path + "/jobgraphs/" + a.to_string();
                    auto graph_b = ns.path + "/jobgraphs/" + b.to_string();
                    co_await put_node(client, graph_a, one);
                    co_await put_node(client, graph_b, one);
                    const std::vector<std::int64_t> ids = checkpoint_ids;
                    for (const auto id : ids)
                    {
                        auto path = hakit::zookeeper::checkpoints_path(ns.path, a) + "/" +
                                    hakit::zookeeper::checkpoint_name(id);
                        co_await put_node(client, path, one);
                    }
                    const auto count = hakit::zookeeper::encode_checkpoint_id_count(13);
                    const auto counter_path = hakit::zookeeper::checkpoint_id_counter_path(ns.path, a);
                    co_await put_node(client, counter_path, count);
                    const auto empty_checkpoints = hakit::zookeeper::checkpoints_path(ns.path, b);
                    co_await put_node(client, empty_checkpoints, none);
                    (void)co_await client.async_close();
                }(),
                30s
            );
        }
        // Job results as Flink's file-system store keeps them: <storageDir>/job-result-store/<cluster-id>.
        const auto storage = std::filesystem::temp_directory_path() /
                             ("hakit-cli-live-" + std::to_string(std::random_device{}()));
        const auto results = storage / "job-result-store" / "c";
        std::filesystem::create_directories(results);
        hakit::job_result done;
        done.id = a;
        done.status = hakit::application_status::succeeded;
        std::ofstream(results / (a.to_string() + "_DIRTY.json"))
            << hakit::encode_job_result_entry(done).value();
        done.id = b;
        done.status = hakit::application_status::canceled;
        std::ofstream(results / (b.to_string() + ".json")) << hakit::encode_job_result_entry(done).value();

        auto options = ns.command({"status"});
        options.emplace_back("--storage-dir");
        options.push_back(storage.string());
        auto status = run_cli(options);
        std::filesystem::remove_all(storage);
        CHECK_MESSAGE(status.status == 0, status.err);
        const std::vector<std::string> expected{
            "namespace " + ns.path,
            "leader dispatcher no leader",
            "leader resource_manager no leader",
            "leader rest_server no leader",
            "contenders 0",
            "jobgraphs 2",
            "jobgraph " + a.to_string(),
            "jobgraph " + b.to_string(),
            "jobs 2",
            "checkpoints " + a.to_string() + " 7 12",
            "counter " + a.to_string() + " 13",
            "checkpoints " + b.to_string() + " none",
            "results 2 " + results.string(),
            "result " + a.to_string() + " SUCCEEDED dirty",
            "result " + b.to_string() + " CANCELED clean"};
        CHECK(lines_of(status.out) == expected);
    }

    TEST_CASE("status lists what the stores of zookeeper_ha_services wrote")
    {
        cluster_namespace ns;
        const auto a = hakit::job_id::parse("00000000000000000000000000000a0a").value();
        const auto b = hakit::job_id::parse("00000000000000000000000000000b0b").value();
        const auto storage = std::filesystem::temp_directory_path() /
                             ("hakit-cli-live-" + std::to_string(std::random_device{}()));
        hakit::ha_options options;
        options.mode = hakit::ha_mode::zookeeper;
        options.zookeeper.quorum = ns.server.connect_string();
        options.zookeeper.root = ns.root;
        options.zookeeper.session_timeout = 4000ms;
        options.cluster_id = "/c";
        options.storage_dir = storage.string();
        options.job_result_store.delete_on_commit = false;  // a clean entry stays as <id>.json
        {
            asio::io_context ioc;
            hakit::zookeeper_ha_services ha(ioc.get_executor(), options);
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    auto graphs = ha.job_graph_store();
                    REQUIRE(graphs);
                    const hakit::job_graph graph_a{a, "job a", "plan a"};
                    const hakit::job_graph graph_b{b, "job b", "plan b"};
                    auto put_a = co_await graphs.value().async_put(graph_a);
                    REQUIRE_MESSAGE(put_a, put_a.error().message());
                    auto put_b = co_await graphs.value().async_put(graph_b);
                    REQUIRE_MESSAGE(put_b, put_b.error().message());
                    auto checkpoints = ha.completed_checkpoint_store(a, 3);
                    REQUIRE(checkpoints);
                    const std::vector<std::int64_t> ids = checkpoint_ids;
                    for (const auto id : ids)
                    {
                        const hakit::completed_checkpoint checkpoint{a, id, "state"};
                        auto added = co_await checkpoints.value().async_add(checkpoint);
                        REQUIRE_MESSAGE(added, added.error().message());
                    }
                    auto counter = ha.checkpoint_id_counter(a);
                    REQUIRE(counter);
                    auto set = co_await counter.value().async_set_count(13);
                    REQUIRE_MESSAGE(set, set.error().message());
                    auto results = ha.job_result_store();
                    REQUIRE(results);
                    hakit::job_result result_a;
                    result_a.id = a;
                    result_a.status = hakit::application_status::failed;
                    hakit::job_result result_b;
                    result_b.id = b;
                    result_b.status = hakit::application_status::succeeded;
                    auto dirty_a = co_await results.value().async_create_dirty(result_a);
                    REQUIRE_MESSAGE(dirty_a, dirty_a.error().message());
                    auto dirty_b = co_await results.value().async_create_dirty(result_b);
                    REQUIRE_MESSAGE(dirty_b, dirty_b.error().message());
                    auto clean_b = co_await results.value().async_mark_clean(b);
                    REQUIRE_MESSAGE(clean_b, clean_b.error().message());
                    auto closed = co_await ha.async_close();
                    CHECK(closed);
                }(),
                60s
            );
        }
        auto command = ns.command({"status"});
        command.emplace_back("--storage-dir");
        command.push_back(storage.string());
        auto status = run_cli(command);
        std::filesystem::remove_all(storage);
        CHECK_MESSAGE(status.status == 0, status.err);
        const auto results_dir = hakit::job_result_store_path(options).value().string();
        const std::vector<std::string> expected{
            "namespace " + ns.path,
            "leader dispatcher no leader",
            "leader resource_manager no leader",
            "leader rest_server no leader",
            "contenders 0",
            "jobgraphs 2",
            "jobgraph " + a.to_string(),
            "jobgraph " + b.to_string(),
            "jobs 1",
            "checkpoints " + a.to_string() + " 7 12",
            "counter " + a.to_string() + " 13",
            "results 2 " + results_dir,
            "result " + a.to_string() + " FAILED dirty",
            "result " + b.to_string() + " SUCCEEDED clean"};
        CHECK(lines_of(status.out) == expected);
    }
}
