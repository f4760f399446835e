// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_ZK_SERVERS_HPP
#define HAKIT_TESTS_COMMON_ZK_SERVERS_HPP

#include <boost/asio/ip/address_v4.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <algorithm>
#include <arpa/inet.h>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <fstream>
#include <netinet/in.h>
#include <optional>
#include <poll.h>
#include <random>
#include <spawn.h>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <thread>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace hakit_test {

namespace detail {

/// Reads a whole small file; nullopt if it cannot be opened.
inline std::optional<std::string> read_text_file(const std::string& path)
{
    std::ifstream in(path);
    if (!in)
        return std::nullopt;
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

inline std::string trim(std::string s)
{
    const auto first = s.find_first_not_of(" \t\r\n");
    if (first == std::string::npos)
        return {};
    const auto last = s.find_last_not_of(" \t\r\n");
    return s.substr(first, last - first + 1);
}

/// Runs `argv` (stdin /dev/null, no inherited descriptors beyond stdio) and returns its exit status
/// and combined stdout+stderr.
inline std::pair<int, std::string> run_command(const std::vector<std::string>& args)
{
    int out[2];
    if (::pipe2(out, O_CLOEXEC) != 0)
        throw std::runtime_error("pipe2 failed");
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    posix_spawn_file_actions_adddup2(&actions, out[1], 2);
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 34))
    // Keep the test's sockets out of the scripts (and of a JVM they launch).
    posix_spawn_file_actions_addclosefrom_np(&actions, 3);
#endif
    std::vector<char*> argv;
    for (const auto& a : args)
        argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    pid_t pid = -1;
    const int rc = ::posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(out[1]);
    if (rc != 0)
    {
        ::close(out[0]);
        throw std::runtime_error("cannot run " + args[0] + ": " + std::strerror(rc));
    }
    std::string output;
    char buf[4096];
    for (;;)
    {
        const auto n = ::read(out[0], buf, sizeof buf);
        if (n > 0)
            output.append(buf, static_cast<std::size_t>(n));
        else if (n == 0 || errno != EINTR)
            break;
    }
    ::close(out[0]);
    int status = 0;
    while (::waitpid(pid, &status, 0) < 0 && errno == EINTR)
    {}
    return {WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status), std::move(output)};
}

/// Milliseconds left until `deadline`, for poll(2); at least 0.
inline int ms_left(std::chrono::steady_clock::time_point deadline)
{
    const auto left =
        std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    return static_cast<int>(std::clamp<std::int64_t>(left.count(), 0, 60'000));
}

}  // namespace detail

/// Probes `pred` until it holds or `timeout` passes, and returns its last value. For conditions of
/// another process (a ZooKeeper JVM) that nothing can notify us of: between probes it backs off for
/// at most 20 ms (never past the deadline), so a passing wait returns within one probe interval.
template <class Pred>
bool poll_until(Pred pred, std::chrono::steady_clock::duration timeout)
{
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!pred())
    {
        const auto now = std::chrono::steady_clock::now();
        if (now >= deadline)
            return pred();
        std::this_thread::sleep_until(std::min(deadline, now + std::chrono::milliseconds(20)));
    }
    return true;
}

/// A ZooKeeper (standalone or ensemble) started by tools/zookeeper/start.sh, as seen by a live test.
///
/// Members are indexed from 0 here; the scripts and files number them from 1 (index i is
/// member-(i+1)). Disturbing members (kill, freeze, thaw, restart) goes through member.sh, which
/// only ever signals the process it recorded. Harness failures (missing state, a script failing)
/// throw std::runtime_error with the details, which fails the calling doctest case.
class zk_cluster
{
public:
    using clock = std::chrono::steady_clock;

    /// The cluster named by HAKIT_ZK_STATE_DIR (set by hakit_add_zookeeper_test).
    static zk_cluster from_env()
    {
        const char* dir = std::getenv("HAKIT_ZK_STATE_DIR");
        if (dir == nullptr || *dir == '\0')
            throw std::runtime_error(
                "HAKIT_ZK_STATE_DIR is not set: run live ZooKeeper tests through ctest (configure with "
                "-DHAKIT_ZOOKEEPER_TESTS=ON; the zookeeper.*.start fixtures start the servers), or start one "
                "with tools/zookeeper/start.sh --standalone --dir DIR and export HAKIT_ZK_STATE_DIR=DIR"
            );
        return from_dir(dir);
    }

    /// The cluster whose start.sh state directory is `state_dir`.
    static zk_cluster from_dir(std::string state_dir)
    {
        zk_cluster c;
        c.dir_ = std::move(state_dir);
        const auto connect = detail::read_text_file(c.dir_ + "/connect");
        if (!connect)
            throw std::runtime_error(
                "no ZooKeeper running from '" + c.dir_ +
                "' (no 'connect' file: did tools/zookeeper/start.sh --dir succeed?)"
            );
        c.connect_ = detail::trim(*connect);
        c.tools_ = detail::trim(detail::read_text_file(c.dir_ + "/tools-dir").value_or(""));
        c.tick_ = std::chrono::milliseconds(
            std::stoi(detail::trim(detail::read_text_file(c.dir_ + "/tick-ms").value_or("200")))
        );
        for (std::size_t n = 1;; ++n)
        {
            const auto port = detail::read_text_file(c.dir_ + "/member-" + std::to_string(n) + ".port");
            if (!port)
                break;
            c.ports_.push_back(static_cast<std::uint16_t>(std::stoi(detail::trim(*port))));
        }
        if (c.ports_.empty() || c.tools_.empty())
            throw std::runtime_error("incomplete ZooKeeper state directory '" + c.dir_ + "'");
        return c;
    }

    const std::string& state_dir() const { return dir_; }
    /// "127.0.0.1:P" or, for an ensemble, "127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3".
    const std::string& connect_string() const { return connect_; }
    std::size_t member_count() const { return ports_.size(); }
    bool is_ensemble() const { return ports_.size() > 1; }
    /// The servers' tickTime (the session timeout granularity).
    std::chrono::milliseconds tick() const { return tick_; }

    /// Client endpoint of member i (0-based).
    boost::asio::ip::tcp::endpoint member_endpoint(std::size_t i) const
    {
        return {boost::asio::ip::address_v4::loopback(), port(i)};
    }

    /// member_endpoint(i) as "127.0.0.1:port".
    std::string member_address(std::size_t i) const { return "127.0.0.1:" + std::to_string(port(i)); }

    /// SIGKILL member i and wait until it is gone.
    void kill(std::size_t i) const { member_script(i, "kill"); }
    /// SIGSTOP member i: its port still accepts connections, nothing answers.
    void freeze(std::size_t i) const { member_script(i, "stop"); }
    /// SIGCONT member i.
    void thaw(std::size_t i) const { member_script(i, "cont"); }
    /// Relaunch member i (after kill) from its cfg and data dir; returns once it serves again.
    void restart(std::size_t i) const { member_script(i, "start"); }

    /// Sends a four-letter word (ruok, srvr, stat, mntr, conf) to member i and returns the answer;
    /// "" if the member does not answer within `timeout` (dead, frozen, or not listening).
    std::string four_letter(
        std::size_t i, std::string_view word, clock::duration timeout = std::chrono::seconds(2)
    ) const
    {
        const auto deadline = clock::now() + timeout;
        const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return {};
        std::string answer;
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(port(i));
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        bool ok =
            ::connect(fd, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) == 0 || errno == EINPROGRESS;
        if (ok)
        {
            pollfd p{fd, POLLOUT, 0};
            int err = 0;
            socklen_t len = sizeof err;
            ok = ::poll(&p, 1, detail::ms_left(deadline)) == 1 &&
                 ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
        }
        if (ok)
            ok = ::send(fd, word.data(), word.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(word.size());
        while (ok)
        {
            pollfd p{fd, POLLIN, 0};
            if (::poll(&p, 1, detail::ms_left(deadline)) != 1)
                break;
            char buf[4096];
            const auto n = ::recv(fd, buf, sizeof buf, 0);
            if (n <= 0)
                break;
            answer.append(buf, static_cast<std::size_t>(n));
        }
        ::close(fd);
        return answer;
    }

    /// Member i's role from `srvr`: "standalone", "leader", "follower", or "" (not serving).
    std::string mode(std::size_t i, clock::duration timeout = std::chrono::seconds(2)) const
    {
        const auto text = four_letter(i, "srvr", timeout);
        const auto at = text.find("Mode: ");
        if (at == std::string::npos)
            return {};
        const auto end = text.find('\n', at);
        return detail::trim(text.substr(at + 6, end == std::string::npos ? std::string::npos : end - at - 6));
    }

    /// True if member i serves clients (standalone, or leader/follower of a quorum).
    bool is_serving(std::size_t i, clock::duration timeout = std::chrono::seconds(2)) const
    {
        const auto m = mode(i, timeout);
        return is_ensemble() ? (m == "leader" || m == "follower") : m == "standalone";
    }

    /// Waits (polling srvr) until member i serves; false if `timeout` passes first.
    bool wait_serving(std::size_t i, clock::duration timeout) const
    {
        const auto deadline = clock::now() + timeout;
        return poll_until(
            [&] {
                const auto left = deadline - clock::now();
                return is_serving(
                    i,
                    std::clamp<clock::duration>(left, std::chrono::milliseconds(50), std::chrono::seconds(2))
                );
            },
            timeout
        );
    }

    /// Index of the current leader (ensemble only), if exactly one member says it leads.
    std::optional<std::size_t> leader() const
    {
        std::optional<std::size_t> found;
        for (std::size_t i = 0; i < member_count(); ++i)
        {
            if (mode(i) != "leader")
                continue;
            if (found)
                return std::nullopt;
            found = i;
        }
        return found;
    }

    /// Waits until every member serves and (ensemble) exactly one leads; false on timeout.
    bool wait_all_serving(clock::duration timeout) const
    {
        const auto deadline = clock::now() + timeout;
        for (std::size_t i = 0; i < member_count(); ++i)
            if (!wait_serving(i, deadline - clock::now()))
                return false;
        return poll_until([&] { return !is_ensemble() || leader().has_value(); }, deadline - clock::now());
    }

private:
    zk_cluster() = default;

    std::uint16_t port(std::size_t i) const
    {
        if (i >= ports_.size())
            throw std::out_of_range("ZooKeeper member index " + std::to_string(i) + " out of range");
        return ports_[i];
    }

    void member_script(std::size_t i, const char* action) const
    {
        (void)port(i);
        const std::vector<std::string> args{
            "/bin/bash", tools_ + "/member.sh", "--dir", dir_, std::to_string(i + 1), action};
        auto [status, output] = detail::run_command(args);
        if (status != 0)
            throw std::runtime_error(
                "member.sh " + std::to_string(i + 1) + " " + action + " failed (exit " +
                std::to_string(status) + "):\n" + output
            );
    }

    std::string dir_;
    std::string connect_;
    std::string tools_;
    std::chrono::milliseconds tick_{200};
    std::vector<std::uint16_t> ports_;
};

/// A ZooKeeper path unique to this call, for per-test isolation on a shared server:
/// `prefix` + "-" + pid, time, a counter and random bits in hex, e.g. "/hakit-test-1a2b-…".
/// A single path segment (no parent to create); `prefix` must start with '/' and not end with it.
inline std::string unique_path(std::string_view prefix = "/hakit-test")
{
    if (prefix.size() < 2 || prefix.front() != '/' || prefix.back() == '/')
        throw std::invalid_argument("unique_path: prefix must look like /name");
    static std::atomic<std::uint64_t> counter{0};
    static const std::uint64_t salt = std::random_device{}();
    const auto now = static_cast<std::uint64_t>(std::chrono::system_clock::now().time_since_epoch().count());
    char suffix[96];
    std::snprintf(
        suffix,
        sizeof suffix,
        "-%llx-%llx-%llx-%llx",
        static_cast<unsigned long long>(::getpid()),
        static_cast<unsigned long long>(now),
        static_cast<unsigned long long>(counter.fetch_add(1) + 1),
        static_cast<unsigned long long>(salt & 0xffffffU)
    );
    return std::string(prefix) + suffix;
}

}  // namespace hakit_test

#endif
