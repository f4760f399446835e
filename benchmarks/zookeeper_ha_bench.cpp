// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live HA scenarios of zookeeper_ha_services against a real ZooKeeper (the standalone server of
// tools/zookeeper/start.sh). Every process of a scenario is one zookeeper_ha_services with its own
// session; all run on one io_context (one thread), like processes sharing one core.
//
// Every time is printed in absolute terms and in units of `rt`: the median of a few hundred
// zk::client get_data round trips against the same server, measured right before the scenario.
// Request counts come from the server's `mntr` counters (zk_packets_received, and the numbers of
// read and write requests and of watch notifications), taken across the measured window only,
// minus the cost of the mntr command itself (calibrated at start).
//
//   0 request costs        each request kind of the election path, one at a time
//   1 graceful failover    leader, standby and retriever processes; the leader resigns (or closes):
//                          until the retriever sees the standby's confirmed address
//   2 cold start           3 contenders and a retriever created at once in an empty namespace:
//                          until the retriever sees the first confirmed leader
//   3 crash failover       the leader's link is frozen (a tcp_proxy held open, paused): until the
//                          retriever sees the successor; printed also minus the session timeout T
//   4 1000 jobs            a leader process with N confirmed job-<id> elections closes; the standby
//                          process (N job elections) is granted and confirms all N
//   5 herd check           requests per graceful failover with 3, 30 and 100 contenders
//
//   hakit_bench_zookeeper_ha [--dir STATE_DIR | --connect host:port] [--only 0,1,2,3,4,5]
//       [--rounds N] [--crash-rounds N] [--job-rounds N] [--jobs N] [--herd-rounds N]
//       [--contenders 3,30,100] [--session-ms T] [--crash-session-ms T] [--baseline N]
//
// STATE_DIR defaults to $HAKIT_ZK_STATE_DIR (as for the live tests). Exit status: 0, 2 if a
// round did not complete (printed as FAILED), 1 on a harness error.
#include <hakit/backend/zookeeper.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/multi.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "common/tcp_proxy.hpp"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <unistd.h>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using asio::ip::tcp;
using clock_type = std::chrono::steady_clock;
using time_point = clock_type::time_point;
using ms = std::chrono::milliseconds;
using hakit::component_id;
using hakit::leader_information;
using services = hakit::zookeeper_ha_services;
using election = services::election_type;
using retriever = services::retriever_type;

struct config
{
    std::string connect;
    std::set<int> only{0, 1, 2, 3, 4, 5};
    int rounds = 20;
    int crash_rounds = 10;
    int job_rounds = 5;
    int jobs = 1000;
    int herd_rounds = 5;
    std::vector<int> contenders{3, 30, 100};
    ms session{30'000};
    ms crash_session{1'000};
    int baseline = 400;
};

double us_between(time_point a, time_point b)
{
    return std::chrono::duration<double, std::micro>(b - a).count();
}

// ---- statistics and printing ----------------------------------------------------------------------

/// The q-quantile (nearest rank) of `v`.
double quantile(std::vector<double> v, double q)
{
    std::sort(v.begin(), v.end());
    const auto rank = static_cast<std::size_t>(std::max(1.0, std::ceil(q * static_cast<double>(v.size()))));
    return v[std::min(v.size(), rank) - 1];
}

/// One time series: median and p90, in ms and in round trips.
void print_times(const char* name, const std::vector<double>& us, double rt_us, const std::string& note = {})
{
    if (us.empty())
    {
        std::printf("    %-36s (no completed round)\n", name);
        return;
    }
    const double med = quantile(us, 0.5);
    const double p90 = quantile(us, 0.9);
    std::printf(
        "    %-36s median %9.3f ms = %7.1f rt   p90 %9.3f ms = %7.1f rt%s%s\n",
        name,
        med / 1000,
        med / rt_us,
        p90 / 1000,
        p90 / rt_us,
        note.empty() ? "" : "   ",
        note.c_str()
    );
}

// ---- the server's counters (mntr) -------------------------------------------------------------------

struct counters
{
    double packets = 0;  // zk_packets_received: every request, ping and four-letter word
    double reads = 0;    // zk_cnt_readlatency: read requests answered
    double writes = 0;   // zk_cnt_updatelatency: write requests (transactions) answered
    double watches = 0;  // watch notifications sent (node created/deleted/changed/children)

    counters operator-(const counters& o) const
    {
        return {packets - o.packets, reads - o.reads, writes - o.writes, watches - o.watches};
    }
};

/// Sends a four-letter word to `ep` and returns the answer (blocking; between measurements only).
std::string four_letter(const tcp::endpoint& ep, std::string_view word)
{
    asio::io_context ctx;
    tcp::socket s(ctx);
    s.connect(ep);
    asio::write(s, asio::buffer(word.data(), word.size()));
    std::string out;
    std::array<char, 8192> buf;
    boost::system::error_code ec;
    while (!ec)
    {
        const auto n = s.read_some(asio::buffer(buf), ec);
        out.append(buf.data(), n);
    }
    return out;
}

/// The value of `key` in mntr's `key<TAB>value` lines, 0 if absent.
double mntr_value(std::string_view text, std::string_view key)
{
    std::size_t at = 0;
    while (at < text.size())
    {
        auto eol = text.find('\n', at);
        if (eol == std::string_view::npos)
            eol = text.size();
        const auto line = text.substr(at, eol - at);
        if (line.size() > key.size() && line.starts_with(key) && line[key.size()] == '\t')
            return std::strtod(std::string(line.substr(key.size() + 1)).c_str(), nullptr);
        at = eol + 1;
    }
    return 0;
}

/// The server's counters. Parsed without building a map of every line: the hundreds of small
/// allocations that would leave behind make the next large malloc (a coroutine frame in the
/// measured window) pay glibc's malloc_consolidate, milliseconds on these machines.
counters read_counters(const tcp::endpoint& ep)
{
    const auto text = four_letter(ep, "mntr");
    if (text.find("zk_packets_received\t") == std::string::npos)
        throw std::runtime_error("the server's mntr has no zk_packets_received (4lw whitelist?)");
    counters c;
    c.packets = mntr_value(text, "zk_packets_received");
    c.reads = mntr_value(text, "zk_cnt_readlatency");
    c.writes = mntr_value(text, "zk_cnt_updatelatency");
    c.watches = mntr_value(text, "zk_sum_node_created_watch_count") +
                mntr_value(text, "zk_sum_node_deleted_watch_count") +
                mntr_value(text, "zk_sum_node_changed_watch_count") +
                mntr_value(text, "zk_sum_node_children_watch_count");
    return c;
}

void print_counters(const char* name, const std::vector<counters>& cs)
{
    if (cs.empty())
        return;
    std::vector<double> packets, reads, writes, watches;
    for (const auto& c : cs)
    {
        packets.push_back(c.packets);
        reads.push_back(c.reads);
        writes.push_back(c.writes);
        watches.push_back(c.watches);
    }
    std::printf(
        "    %-36s median %6.0f requests (reads %.0f, writes %.0f; %.0f watch notifications)   min %.0f max "
        "%.0f\n",
        name,
        quantile(packets, 0.5),
        quantile(reads, 0.5),
        quantile(writes, 0.5),
        quantile(watches, 0.5),
        quantile(packets, 0.0),
        quantile(packets, 1.0)
    );
}

// ---- participants -----------------------------------------------------------------------------------

/// One component contending in a process: campaign, then confirm its address.
struct contender
{
    explicit contender(component_id c) : component(std::move(c)) {}

    component_id component;
    std::string address;
    std::optional<election> e;
    std::optional<time_point> granted;
    std::optional<time_point> confirmed;
    std::optional<time_point> finished;
    hakit::error_code error;
    bool running = false;
};

/// One process: a zookeeper_ha_services, its contenders, at most one retriever.
struct process
{
    std::string name;
    std::unique_ptr<services> svc;
    std::vector<std::unique_ptr<contender>> contenders;
    std::optional<retriever> ret;
    std::vector<std::pair<time_point, leader_information>> seen;
    std::vector<hakit::error_code> retrieval_errors;
    bool following = false;
    std::optional<time_point> stopped;  // resign or close completed
    hakit::error_code stop_error;

    zk::client& client() { return svc->backend().client(); }
    bool open() const { return svc && !svc->is_closed(); }
};

/// The first leader information seen at or after `after` that satisfies `pred`.
template <class Pred>
std::optional<time_point> first_seen(const process& p, time_point after, Pred pred)
{
    for (const auto& [t, info] : p.seen)
        if (t >= after && pred(info))
            return t;
    return std::nullopt;
}

std::optional<time_point> first_seen_address(const process& p, time_point after, const std::string& address)
{
    return first_seen(p, after, [&](const leader_information& i) {
        return i.is_known() && i.address() == address;
    });
}

/// Campaigns and confirms; `c->running` is set by the caller before spawning.
asio::awaitable<void> contend(contender* c)
{
    auto term = co_await c->e->async_campaign();
    if (!term)
        c->error = term.error();
    else
    {
        c->granted = clock_type::now();
        const auto id = term.value();
        const auto address = c->address;
        auto confirmed = co_await c->e->async_confirm(id, address);
        if (confirmed)
            c->confirmed = clock_type::now();
        else
            c->error = confirmed.error();
    }
    c->finished = clock_type::now();
    c->running = false;
}

/// Records every change the retriever reports; `p->following` is set by the caller before spawning.
asio::awaitable<void> follow(process* p)
{
    bool open = true;
    while (open)
    {
        auto next = co_await p->ret->async_next();
        if (next)
            p->seen.emplace_back(clock_type::now(), next.value());
        else if (next.error() == hakit::errc::closed || next.error() == asio::error::operation_aborted)
            open = false;
        else
            p->retrieval_errors.push_back(next.error());
    }
    p->following = false;
}

asio::awaitable<void> resign(process* p, contender* c)
{
    auto r = co_await c->e->async_resign();
    p->stopped = clock_type::now();
    if (!r)
        p->stop_error = r.error();
}

asio::awaitable<void> close_process(process* p)
{
    auto r = co_await p->svc->async_close();
    p->stopped = clock_type::now();
    if (!r)
        p->stop_error = r.error();
}

/// Polls `pred` every half millisecond until it holds or `timeout` passes. (Times are taken by the
/// participants themselves, when their events happen: the polling only paces this coroutine.)
template <class Pred>
asio::awaitable<bool> wait_until(Pred pred, clock_type::duration timeout)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = clock_type::now() + timeout;
    bool ok = pred();
    while (!ok && clock_type::now() < deadline)
    {
        timer.expires_after(std::chrono::microseconds(500));
        (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        ok = pred();
    }
    co_return ok;
}

using process_list = std::vector<std::unique_ptr<process>>;

/// Whether no open process of `ps` (but `skip`) has a request in flight or queued.
bool idle(const process_list& ps, const process* skip)
{
    for (const auto& p : ps)
        if (p.get() != skip && p->open() && (p->client().in_flight() > 0 || p->client().queued() > 0))
            return false;
    return true;
}

/// Waits until every process of `*ps` (but `skip`) stayed idle for 10 ms (watch notifications
/// arrive within that).
asio::awaitable<bool> wait_settled(
    const process_list* ps, clock_type::duration timeout, const process* skip = nullptr
)
{
    asio::steady_timer timer(co_await asio::this_coro::executor);
    const auto deadline = clock_type::now() + timeout;
    int stable = 0;
    while (stable < 10 && clock_type::now() < deadline)
    {
        timer.expires_after(ms(1));
        (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
        stable = idle(*ps, skip) ? stable + 1 : 0;
    }
    co_return stable >= 10;
}

/// Whether a standby's latch node exists and it does not lead (it then watches its predecessor).
bool standing_by(process* p)
{
    const auto& latch = p->svc->backend().election().latch();
    return latch.node_path().has_value() && !latch.leading();
}

// ---- the environment -------------------------------------------------------------------------------

struct environment
{
    config cfg;
    tcp::endpoint server;
    asio::any_io_executor ex;
    zk::client* admin = nullptr;
    std::string rt_path;
    counters mntr_cost;
    int failed_rounds = 0;
    int namespaces = 0;
};

hakit::zookeeper_settings settings_for(const std::string& connect, const std::string& ns, ms session)
{
    hakit::zookeeper_settings s;
    s.session.connect_string = connect;
    s.session.session_timeout = session;
    s.session.connection_timeout = std::chrono::seconds(20);
    s.session.reconnect_delay = ms(50);
    s.session.close_timeout = ms(200);
    auto where = hakit::zookeeper::layout::make(ns);
    if (!where)
        throw std::runtime_error("bad namespace " + ns);
    s.layout = std::move(where.value());
    return s;
}

std::string fresh_namespace(environment& env, std::string_view tag)
{
    return "/hakit-bench-ha-" + std::to_string(::getpid()) + "-" + std::string(tag) + "-" +
           std::to_string(++env.namespaces);
}

process* add_process(
    process_list& ps,
    environment& env,
    std::string name,
    const std::string& ns,
    ms session,
    std::optional<std::string> connect = std::nullopt
)
{
    auto p = std::make_unique<process>();
    p->name = std::move(name);
    p->svc = std::make_unique<services>(env.ex, settings_for(connect.value_or(env.cfg.connect), ns, session));
    ps.push_back(std::move(p));
    return ps.back().get();
}

contender* add_contender(environment& env, process* p, component_id component)
{
    auto c = std::make_unique<contender>(component);
    c->address = "pekko.tcp://flink@127.0.0.1:6123/user/rpc/" + p->name + "/" + component.str();
    auto e = p->svc->election(component);
    if (!e)
        throw std::runtime_error("election(" + component.str() + "): " + e.error().message());
    c->e.emplace(std::move(e.value()));
    p->contenders.push_back(std::move(c));
    auto* out = p->contenders.back().get();
    out->running = true;
    asio::co_spawn(env.ex, contend(out), asio::detached);
    return out;
}

void add_retriever(environment& env, process* p, const component_id& component)
{
    auto r = p->svc->retriever(component);
    if (!r)
        throw std::runtime_error("retriever(" + component.str() + "): " + r.error().message());
    p->ret.emplace(std::move(r.value()));
    p->following = true;
    asio::co_spawn(env.ex, follow(p), asio::detached);
}

/// Deletes `path` and everything below it (best effort).
asio::awaitable<void> remove_tree(zk::client* c, std::string path)
{
    auto kids = co_await c->async_get_children(path);
    if (kids)
        for (const auto& k : kids.value().children)
        {
            auto child = path + "/" + k;
            co_await remove_tree(c, child);
        }
    (void)co_await c->async_remove(path);
}

/// Closes every open process, waits for their coroutines, destroys them and deletes the namespace.
asio::awaitable<void> teardown(environment& env, process_list& ps, std::string ns)
{
    for (auto& p : ps)
        if (p->open())
            (void)co_await p->svc->async_close();
    const auto* list = &ps;
    auto quiet = [list] {
        for (const auto& p : *list)
        {
            if (p->following)
                return false;
            for (const auto& c : p->contenders)
                if (c->running)
                    return false;
        }
        return true;
    };
    (void)co_await wait_until(quiet, std::chrono::seconds(10));
    ps.clear();
    co_await remove_tree(env.admin, ns);
}

void fail_round(environment& env, const char* scenario, int round, const std::string& why)
{
    ++env.failed_rounds;
    std::printf("    FAILED %s round %d: %s\n", scenario, round, why.c_str());
    std::fflush(stdout);
}

/// What went wrong with a set of contenders: "N x error" per distinct error.
std::string contender_errors(const process& p)
{
    std::map<std::string, int> by_error;
    int unfinished = 0;
    for (const auto& c : p.contenders)
    {
        if (c->error)
            ++by_error[c->error.message()];
        else if (!c->confirmed)
            ++unfinished;
    }
    std::string out;
    for (const auto& [what, n] : by_error)
        out += (out.empty() ? "" : ", ") + std::to_string(n) + " x '" + what + "'";
    if (unfinished > 0)
        out += (out.empty() ? "" : ", ") + std::to_string(unfinished) + " not confirmed yet";
    return out.empty() ? "no contender error" : out;
}

// ---- the unit: get_data round trips ----------------------------------------------------------------

struct unit
{
    double get_us = 0;
    double set_us = 0;
};

asio::awaitable<unit> measure_unit(environment& env, int calls)
{
    std::vector<double> get, set;
    for (int i = -100; i < calls; ++i)
    {
        const auto t0 = clock_type::now();
        auto r = co_await env.admin->async_get_data(env.rt_path);
        if (i >= 0)
            get.push_back(us_between(t0, clock_type::now()));
        if (!r)
            throw std::runtime_error("get_data: " + r.error().message());
    }
    for (int i = -20; i < calls / 4; ++i)
    {
        zk::bytes data(64, static_cast<std::uint8_t>('a' + (i + 20) % 26));
        const auto t0 = clock_type::now();
        auto r = co_await env.admin->async_set_data(env.rt_path, data);
        if (i >= 0)
            set.push_back(us_between(t0, clock_type::now()));
        if (!r)
            throw std::runtime_error("set_data: " + r.error().message());
    }
    co_return unit{quantile(get, 0.5), quantile(set, 0.5)};
}

asio::awaitable<double> scenario_header(environment& env, const std::string& title)
{
    const auto u = co_await measure_unit(env, env.cfg.baseline);
    std::printf(
        "\n%s\n    unit rt = median zk::client get_data = %.1f us (%d calls; set_data %.1f us = %.1f rt)\n",
        title.c_str(),
        u.get_us,
        env.cfg.baseline,
        u.set_us,
        u.set_us / u.get_us
    );
    std::fflush(stdout);
    co_return u.get_us;
}

// ---- 0: the cost of each request kind the election path issues -------------------------------------

/// Medians of `calls` of one operation, in rt. `op(i)` issues one request and returns its result.
template <class Op>
asio::awaitable<double> op_median(int calls, Op op)
{
    std::vector<double> us;
    for (int i = -20; i < calls; ++i)
    {
        const auto t0 = clock_type::now();
        co_await op(i);
        if (i >= 0)
            us.push_back(us_between(t0, clock_type::now()));
    }
    co_return quantile(us, 0.5);
}

asio::awaitable<void> scenario_operations(environment& env)
{
    const auto rt = co_await scenario_header(
        env, "[0] the requests of the election path, one at a time (median of 200 each)"
    );
    zk::client* c = env.admin;
    const auto base = env.rt_path;
    const auto node = base + "-node";
    const auto missing = base + "-missing/x";
    const auto check_path = base;
    const int calls = 200;
    auto print = [rt](const char* name, double us) {
        std::printf("    %-52s %8.1f us = %5.1f rt\n", name, us, us / rt);
    };
    auto get_data = [c, base](int) -> asio::awaitable<void> {
        (void)co_await c->async_get_data(base);
    };
    const double get_data_us = co_await op_median(calls, get_data);
    print("getData (hit)", get_data_us);
    auto get_missing = [c, missing](int) -> asio::awaitable<void> {
        (void)co_await c->async_get_data(missing);
    };
    const double get_missing_us = co_await op_median(calls, get_missing);
    print("getData (no node)", get_missing_us);
    auto exists_watch = [c, missing](int) -> asio::awaitable<void> {
        auto r = co_await c->async_exists(missing, true);
        (void)r;
    };
    const double exists_watch_us = co_await op_median(calls, exists_watch);
    print("exists + watch (no node)", exists_watch_us);
    auto children = [c](int) -> asio::awaitable<void> {
        (void)co_await c->async_get_children("/");
    };
    const double children_us = co_await op_median(calls, children);
    print("getChildren /", children_us);
    auto create_exists = [c, base](int) -> asio::awaitable<void> {
        zk::bytes none;
        (void)co_await c->async_create(base, none);
    };
    const double create_exists_us = co_await op_median(calls, create_exists);
    print("create, fails node_exists", create_exists_us);
    auto create_delete = [c, node](int) -> asio::awaitable<void> {
        zk::bytes data(120, 'i');
        (void)co_await c->async_create(node, data, zk::create_mode::ephemeral);
        (void)co_await c->async_remove(node);
    };
    const double create_delete_us = co_await op_median(calls, create_delete);
    print("create ephemeral + delete (2 writes)", create_delete_us);
    auto multi_create_delete = [c, node, check_path](int) -> asio::awaitable<void> {
        std::vector<zk::multi_op> ops;
        ops.push_back(zk::multi_op::check(zk::check_version_request{check_path, -1}));
        ops.push_back(zk::multi_op::create(zk::create_request{
            node, zk::bytes(120, 'i'), zk::open_acl_unsafe(), zk::create_mode::ephemeral}));
        (void)co_await c->async_multi(std::move(ops));
        std::vector<zk::multi_op> del;
        del.push_back(zk::multi_op::check(zk::check_version_request{check_path, -1}));
        del.push_back(zk::multi_op::remove(zk::delete_request{node, -1}));
        (void)co_await c->async_multi(std::move(del));
    };
    const double multi_create_delete_us = co_await op_median(calls, multi_create_delete);
    print("multi(check, create) + multi(check, delete)", multi_create_delete_us);
    auto multi_fails = [c, missing, check_path](int) -> asio::awaitable<void> {
        std::vector<zk::multi_op> ops;
        ops.push_back(zk::multi_op::check(zk::check_version_request{check_path, -1}));
        ops.push_back(zk::multi_op::create(zk::create_request{
            missing, zk::bytes(120, 'i'), zk::open_acl_unsafe(), zk::create_mode::ephemeral}));
        (void)co_await c->async_multi(std::move(ops));
    };
    const double multi_fails_us = co_await op_median(calls, multi_fails);
    print("multi(check, create) failing no_node", multi_fails_us);
    std::fflush(stdout);
}

// ---- what precedes every measured window ------------------------------------------------------------

/// The quiet period and the mntr snapshot that precede each round's window (`wait_settled`'s ten
/// idle milliseconds, then `read_counters`), for the baselines. They matter on these VMs: after
/// ~10 ms without requests the server (presumably its parked threads) answers its first requests
/// several times slower than back-to-back ones, so a baseline measured back-to-back is not the floor
/// of a round.
asio::awaitable<void> settle_like_a_round(environment& env)
{
    asio::steady_timer timer(env.ex);
    for (int i = 0; i < 10; ++i)
    {
        timer.expires_after(ms(1));
        (void)co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    }
    (void)read_counters(env.server);
}

/// Median get_data round trip when each call follows `settle_like_a_round`, in microseconds.
asio::awaitable<double> settled_get_data_us(environment& env, int calls)
{
    std::vector<double> us;
    for (int i = 0; i < calls; ++i)
    {
        co_await settle_like_a_round(env);
        const auto t0 = clock_type::now();
        auto r = co_await env.admin->async_get_data(env.rt_path);
        us.push_back(us_between(t0, clock_type::now()));
        if (!r)
            throw std::runtime_error("get_data: " + r.error().message());
    }
    co_return quantile(us, 0.5);
}

// ---- the protocol floor of a graceful failover ---------------------------------------------------

/// The steps a graceful failover cannot avoid, done by three bare zk::clients with no library
/// logic: the leader deletes its connection_info and latch node in one multi; the standby, whose
/// exists-watch on that latch node fires, creates the new connection_info in a multi checked
/// against its own latch node; the retriever, whose watch on connection_info fired (deleted), sets
/// an exists-watch, sees the creation and reads the data. Timed from the leader's multi to the
/// retriever's data. `settled`: each multi follows `settle_like_a_round`, as each round's trigger
/// does; otherwise the rounds run back-to-back.
struct floor_clients
{
    std::unique_ptr<zk::client> leader, standby, retriever;
    std::string ns, info, leader_latch, standby_latch;
};

asio::awaitable<void> floor_standby(floor_clients* f, zk::watch predecessor, zk::bytes data)
{
    (void)co_await predecessor.async_wait();
    std::vector<zk::multi_op> ops;
    ops.push_back(zk::multi_op::check(zk::check_version_request{f->standby_latch, -1}));
    ops.push_back(zk::multi_op::create(zk::create_request{
        f->info, std::move(data), zk::open_acl_unsafe(), zk::create_mode::ephemeral}));
    auto created = co_await f->standby->async_multi(std::move(ops));
    if (!created || zk::find_failure(created.value()))
        throw std::runtime_error("floor: the standby's multi failed");
}

asio::awaitable<void> floor_retriever(floor_clients* f, zk::watch info_watch, time_point* seen)
{
    (void)co_await info_watch.async_wait();  // deleted
    auto present = co_await f->retriever->async_exists(f->info, true);
    if (present && !present.value().exists())
        (void)co_await present.value().watch.async_wait();  // created
    auto read = co_await f->retriever->async_get_data(f->info, true);
    if (!read)
        throw std::runtime_error("floor: the retriever's read failed");
    *seen = clock_type::now();
}

/// Median of `reps` floor failovers, in microseconds.
asio::awaitable<double> graceful_floor_us(environment& env, int reps, bool settled)
{
    zk::session_options o;
    o.connect_string = env.cfg.connect;
    o.session_timeout = ms(30'000);
    floor_clients f;
    f.leader = std::make_unique<zk::client>(env.ex, o);
    f.standby = std::make_unique<zk::client>(env.ex, o);
    f.retriever = std::make_unique<zk::client>(env.ex, o);
    for (auto* c : {f.leader.get(), f.standby.get(), f.retriever.get()})
        if (!co_await c->async_connect())
            throw std::runtime_error("floor: connect failed");
    f.ns = fresh_namespace(env, "floor1");
    f.info = f.ns + "/connection_info";
    f.leader_latch = f.ns + "/latch-leader";
    f.standby_latch = f.ns + "/latch-standby";
    (void)co_await env.admin->async_create(f.ns, zk::bytes());
    const zk::bytes data(140, 'i');
    std::vector<double> us;
    for (int rep = -5; rep < reps; ++rep)
    {
        (void)co_await f.leader->async_create(f.leader_latch, zk::bytes(), zk::create_mode::ephemeral);
        (void)co_await f.standby->async_create(f.standby_latch, zk::bytes(), zk::create_mode::ephemeral);
        (void)co_await f.leader->async_create(f.info, data, zk::create_mode::ephemeral);
        auto predecessor = co_await f.standby->async_exists(f.leader_latch, true);
        auto info = co_await f.retriever->async_get_data(f.info, true);
        if (!predecessor || !info)
            throw std::runtime_error("floor: set-up failed");
        time_point seen{};
        bool standby_done = false, retriever_done = false;
        auto standby = floor_standby(&f, predecessor.value().watch, data);
        auto retriever = floor_retriever(&f, info.value().watch, &seen);
        asio::co_spawn(env.ex, std::move(standby), [&standby_done](std::exception_ptr) {
            standby_done = true;
        });
        asio::co_spawn(env.ex, std::move(retriever), [&retriever_done](std::exception_ptr) {
            retriever_done = true;
        });
        std::vector<zk::multi_op> ops;
        ops.push_back(zk::multi_op::remove(zk::delete_request{f.info, -1}));
        ops.push_back(zk::multi_op::remove(zk::delete_request{f.leader_latch, -1}));
        if (settled)
            co_await settle_like_a_round(env);
        const auto t0 = clock_type::now();
        (void)co_await f.leader->async_multi(std::move(ops));
        asio::steady_timer timer(env.ex);
        while (!standby_done || !retriever_done)
        {
            timer.expires_after(std::chrono::microseconds(200));
            co_await timer.async_wait(asio::use_awaitable);
        }
        if (seen == time_point{})
            throw std::runtime_error("floor: the retriever did not see the new node");
        if (rep >= 0)
            us.push_back(us_between(t0, seen));
        (void)co_await f.standby->async_remove(f.info);
        (void)co_await f.standby->async_remove(f.standby_latch);
    }
    for (auto* c : {f.leader.get(), f.standby.get(), f.retriever.get()})
        (void)co_await c->async_close();
    co_await remove_tree(env.admin, f.ns);
    co_return quantile(us, 0.5);
}

// ---- 1 and 5: graceful failover --------------------------------------------------------------------

struct failover_sample
{
    double seen = 0;       // the retriever sees the successor's address
    double no_leader = 0;  // the retriever sees "no leader" (the old one's deletion), or -1
    double granted = 0;    // the successor is granted
    double confirmed = 0;  // the successor's async_confirm completed
    double stopped = 0;    // the leader's async_resign / async_close completed
    counters requests;
};

/// One graceful failover among `contenders` processes (one leads) and a retriever process.
asio::awaitable<std::optional<failover_sample>> graceful_round(
    environment& env, int contenders, bool by_close, int round, const char* label
)
{
    const auto ns = fresh_namespace(env, "graceful");
    process_list ps;
    std::string failure;
    std::optional<failover_sample> out;

    auto* leader = add_process(ps, env, "leader", ns, env.cfg.session);
    auto* lc = add_contender(env, leader, component_id::dispatcher());
    auto leader_confirmed = [lc] {
        return lc->confirmed.has_value() || lc->error;
    };
    if (!co_await wait_until(leader_confirmed, std::chrono::seconds(20)) || !lc->confirmed)
        failure = "the first leader did not confirm: " + contender_errors(*leader);

    std::vector<process*> standbys;
    process* observer = nullptr;
    if (failure.empty())
    {
        for (int i = 1; i < contenders; ++i)
        {
            auto* s = add_process(ps, env, "standby-" + std::to_string(i), ns, env.cfg.session);
            add_contender(env, s, component_id::dispatcher());
            standbys.push_back(s);
        }
        observer = add_process(ps, env, "retriever", ns, env.cfg.session);
        add_retriever(env, observer, component_id::dispatcher());
        const auto since = clock_type::now() - std::chrono::hours(1);
        auto ready = [&standbys, observer, lc, since] {
            for (auto* s : standbys)
                if (!standing_by(s))
                    return false;
            return first_seen_address(*observer, since, lc->address).has_value();
        };
        if (!co_await wait_until(ready, std::chrono::seconds(30)))
            failure = "the standbys did not queue up behind the leader";
    }
    if (failure.empty() && !co_await wait_settled(&ps, std::chrono::seconds(10)))
        failure = "the processes did not settle before the failover";

    if (failure.empty())
    {
        const auto before = read_counters(env.server);
        const auto t0 = clock_type::now();
        if (by_close)
            asio::co_spawn(env.ex, close_process(leader), asio::detached);
        else
            asio::co_spawn(env.ex, resign(leader, lc), asio::detached);
        // The successor: whichever standby the retriever reports, once it confirmed.
        contender* successor = nullptr;
        auto done = [&standbys, observer, leader, t0, &successor] {
            if (!leader->stopped)
                return false;
            for (auto* s : standbys)
            {
                auto* c = s->contenders.front().get();
                if (c->confirmed && first_seen_address(*observer, t0, c->address))
                    successor = c;
            }
            return successor != nullptr;
        };
        if (!co_await wait_until(done, std::chrono::seconds(20)))
        {
            failure = "no successor seen within 20 s";
            if (leader->stop_error)
                failure += "; the leader's resign/close failed: " + leader->stop_error.message();
            for (auto* s : standbys)
                if (s->contenders.front()->error)
                    failure += "; " + s->name + ": " + s->contenders.front()->error.message();
        }
        else
        {
            (void)co_await wait_settled(&ps, std::chrono::seconds(10));
            const auto after = read_counters(env.server);
            failover_sample f;
            f.seen = us_between(t0, *first_seen_address(*observer, t0, successor->address));
            auto nobody =
                first_seen(*observer, t0, [](const leader_information& i) { return !i.is_known(); });
            f.no_leader = nobody ? us_between(t0, *nobody) : -1;
            f.granted = us_between(t0, *successor->granted);
            f.confirmed = us_between(t0, *successor->confirmed);
            f.stopped = us_between(t0, *leader->stopped);
            f.requests = after - before - env.mntr_cost;
            if (leader->stop_error)
                std::printf(
                    "    (round %d: the leader's resign/close said: %s)\n",
                    round,
                    leader->stop_error.message().c_str()
                );
            out = f;
        }
    }
    if (!failure.empty())
        fail_round(env, label, round, failure);
    co_await teardown(env, ps, ns);
    co_return out;
}

asio::awaitable<std::vector<failover_sample>> graceful_series(
    environment& env, int contenders, bool by_close, int rounds, const char* label
)
{
    std::vector<failover_sample> out;
    for (int round = 1; round <= rounds; ++round)
    {
        auto s = co_await graceful_round(env, contenders, by_close, round, label);
        if (s)
            out.push_back(*s);
    }
    co_return out;
}

void print_failover(const std::vector<failover_sample>& fs, double rt, const std::string& seen_note)
{
    std::vector<double> seen, no_leader, granted, confirmed, stopped;
    std::vector<counters> requests;
    for (const auto& f : fs)
    {
        seen.push_back(f.seen);
        if (f.no_leader >= 0)
            no_leader.push_back(f.no_leader);
        granted.push_back(f.granted);
        confirmed.push_back(f.confirmed);
        stopped.push_back(f.stopped);
        requests.push_back(f.requests);
    }
    std::printf("    %zu rounds; times from the leader's resign/close call:\n", fs.size());
    print_times("retriever sees the successor", seen, rt, seen_note);
    print_times("retriever sees \"no leader\"", no_leader, rt);
    print_times("leader's resign/close completed", stopped, rt);
    print_times("successor granted", granted, rt);
    print_times("successor's confirm completed", confirmed, rt);
    print_counters("requests per failover (mntr)", requests);
}

// ---- 2: cold start ---------------------------------------------------------------------------------

asio::awaitable<void> scenario_cold_start(environment& env)
{
    const auto rt = co_await scenario_header(
        env,
        "[2] first leader from a cold start: 3 contender processes and 1 retriever process created at once, "
        "empty namespace"
    );
    std::vector<double> seen, granted, confirmed;
    std::vector<counters> requests;
    for (int round = 1; round <= env.cfg.rounds; ++round)
    {
        const auto ns = fresh_namespace(env, "cold");
        process_list ps;
        const auto before = read_counters(env.server);
        const auto t0 = clock_type::now();
        std::vector<process*> contenders;
        for (int i = 0; i < 3; ++i)
        {
            auto* p = add_process(ps, env, "contender-" + std::to_string(i), ns, env.cfg.session);
            add_contender(env, p, component_id::dispatcher());
            contenders.push_back(p);
        }
        auto* observer = add_process(ps, env, "retriever", ns, env.cfg.session);
        add_retriever(env, observer, component_id::dispatcher());
        auto someone = [observer, t0] {
            return first_seen(
                       *observer, t0, [](const leader_information& i) { return i.is_known(); }
            ).has_value();
        };
        if (!co_await wait_until(someone, std::chrono::seconds(20)))
            fail_round(env, "[2]", round, "no leader seen within 20 s");
        else
        {
            (void)co_await wait_settled(&ps, std::chrono::seconds(10));
            const auto after = read_counters(env.server);
            auto t = first_seen(*observer, t0, [](const leader_information& i) { return i.is_known(); });
            seen.push_back(us_between(t0, *t));
            std::optional<time_point> first_grant, first_confirm;
            for (auto* p : contenders)
            {
                const auto& c = p->contenders.front();
                if (c->granted && (!first_grant || *c->granted < *first_grant))
                    first_grant = c->granted;
                if (c->confirmed && (!first_confirm || *c->confirmed < *first_confirm))
                    first_confirm = c->confirmed;
            }
            if (first_grant)
                granted.push_back(us_between(t0, *first_grant));
            if (first_confirm)
                confirmed.push_back(us_between(t0, *first_confirm));
            requests.push_back(after - before - env.mntr_cost);
        }
        co_await teardown(env, ps, ns);
    }
    std::printf(
        "    %zu rounds; times from the creation of the 4 ha_services (4 new sessions):\n", seen.size()
    );
    print_times("retriever sees the first leader", seen, rt);
    print_times("first grant", granted, rt);
    print_times("first confirm completed", confirmed, rt);
    print_counters("requests (mntr, incl. 4 connects)", requests);
}

// ---- 3: crash failover -----------------------------------------------------------------------------

asio::awaitable<void> scenario_crash(environment& env)
{
    const auto rt = co_await scenario_header(
        env,
        "[3] crash failover: the leader's link frozen (tcp_proxy paused, held open); leader session "
        "timeout " +
            std::to_string(env.cfg.crash_session.count()) + " ms requested"
    );
    std::vector<double> total, minus_t, after_expiry, granted;
    std::vector<counters> requests;
    ms negotiated{0};
    for (int round = 1; round <= env.cfg.crash_rounds; ++round)
    {
        const auto ns = fresh_namespace(env, "crash");
        auto proxy = std::make_unique<hakit_test::tcp_proxy>(env.ex, env.server);
        process_list ps;
        std::string failure;
        auto* leader = add_process(ps, env, "leader", ns, env.cfg.crash_session, proxy->address());
        auto* lc = add_contender(env, leader, component_id::dispatcher());
        auto leader_confirmed = [lc] {
            return lc->confirmed.has_value() || lc->error;
        };
        if (!co_await wait_until(leader_confirmed, std::chrono::seconds(20)) || !lc->confirmed)
            failure = "the first leader did not confirm: " + contender_errors(*leader);
        process* standby = nullptr;
        process* observer = nullptr;
        if (failure.empty())
        {
            standby = add_process(ps, env, "standby", ns, env.cfg.session);
            add_contender(env, standby, component_id::dispatcher());
            observer = add_process(ps, env, "retriever", ns, env.cfg.session);
            add_retriever(env, observer, component_id::dispatcher());
            const auto since = clock_type::now() - std::chrono::hours(1);
            auto ready = [standby, observer, lc, since] {
                return standing_by(standby) && first_seen_address(*observer, since, lc->address).has_value();
            };
            if (!co_await wait_until(ready, std::chrono::seconds(30)) ||
                !co_await wait_settled(&ps, std::chrono::seconds(10)))
                failure = "the standby did not queue up behind the leader";
        }
        if (failure.empty())
        {
            // A last contact right before the crash: the server's expiry clock starts here.
            const auto probe = ns;
            (void)co_await leader->client().async_exists(probe);
            proxy->pause();
            const auto t0 = clock_type::now();
            negotiated = leader->client().negotiated_timeout();
            const auto before = read_counters(env.server);
            auto* sc = standby->contenders.front().get();
            auto done = [sc, observer, t0] {
                return sc->confirmed && first_seen_address(*observer, t0, sc->address);
            };
            if (!co_await wait_until(done, negotiated + std::chrono::seconds(20)))
                failure = "no successor seen within T + 20 s: " + contender_errors(*standby);
            else
            {
                (void)co_await wait_settled(&ps, std::chrono::seconds(10), leader);
                const auto after = read_counters(env.server);
                const auto seen = *first_seen_address(*observer, t0, sc->address);
                total.push_back(us_between(t0, seen));
                minus_t.push_back(
                    us_between(t0, seen) - std::chrono::duration<double, std::micro>(negotiated).count()
                );
                auto nobody =
                    first_seen(*observer, t0, [](const leader_information& i) { return !i.is_known(); });
                if (nobody)
                    after_expiry.push_back(us_between(*nobody, seen));
                granted.push_back(us_between(t0, *sc->granted));
                requests.push_back(after - before - env.mntr_cost);
            }
        }
        if (!failure.empty())
            fail_round(env, "[3]", round, failure);
        proxy->close();
        co_await teardown(env, ps, ns);
        proxy.reset();
    }
    std::printf(
        "    %zu rounds; negotiated T = %lld ms, tick 200 ms; times from the freeze (right after the "
        "leader's last "
        "request):\n",
        total.size(),
        static_cast<long long>(negotiated.count())
    );
    print_times("retriever sees the successor", total, rt);
    print_times("  minus T", minus_t, rt, "(the server expires T..T+tick after the last contact)");
    print_times("  after the expiry (\"no leader\" seen)", after_expiry, rt);
    print_times("successor granted", granted, rt);
    print_counters("requests (mntr, incl. pings over T)", requests);
}

// ---- 4: failover of N job components ---------------------------------------------------------------

/// What the server alone needs to hand `n` components over (medians, us).
struct multi_floor
{
    double creates_us = 0;  // multi(check, n creates): the successor's publication alone
    double total_us = 0;    // that, then multi(check, n deletes): the old leader's removal too
};

/// The server's part of a failover of `n` components that no client can avoid: the successor's
/// multi creating `n` ephemeral connection_info nodes (with its latch check), then the leader's
/// multi deleting them, issued back-to-back by one raw client into directories that exist, each
/// awaited; `reps` runs. Back-to-back, so a lower bound for the settled rounds.
asio::awaitable<multi_floor> multi_floor_us(environment& env, int n, int reps)
{
    zk::client* c = env.admin;
    const auto ns = fresh_namespace(env, "floor");
    (void)co_await c->async_create(ns, zk::bytes());
    const auto latch = ns + "/latch";
    (void)co_await c->async_create(latch, zk::bytes());
    std::vector<std::string> nodes;
    for (int i = 0; i < n; ++i)
    {
        const auto dir = ns + "/" + component_id::job_manager(hakit::job_id::random()).str();
        (void)co_await c->async_create(dir, zk::bytes());
        nodes.push_back(dir + "/connection_info");
    }
    // The size of a real connection_info: writeUTF(address) + a UUID.
    const auto data = hakit::zookeeper::encode_connection_info(
                          leader_information::known(
                              hakit::session_id::random(),
                              "pekko.tcp://flink@127.0.0.1:6123/user/rpc/standby/job-0123456789abcdef"
                          )
    )
                          .value();
    std::vector<double> creates_us, total_us;
    for (int rep = -1; rep < reps; ++rep)
    {
        std::vector<zk::multi_op> creates, deletes;
        creates.push_back(zk::multi_op::check(zk::check_version_request{latch, -1}));
        deletes.push_back(zk::multi_op::check(zk::check_version_request{latch, -1}));
        for (const auto& node : nodes)
        {
            creates.push_back(zk::multi_op::create(zk::create_request{
                node, data, zk::open_acl_unsafe(), zk::create_mode::ephemeral}));
            deletes.push_back(zk::multi_op::remove(zk::delete_request{node, -1}));
        }
        const auto t0 = clock_type::now();
        auto created = co_await c->async_multi(std::move(creates));
        const auto t1 = clock_type::now();
        auto deleted = co_await c->async_multi(std::move(deletes));
        if (!created || zk::find_failure(created.value()) || !deleted || zk::find_failure(deleted.value()))
            throw std::runtime_error("the floor's multis failed");
        if (rep >= 0)
        {
            creates_us.push_back(us_between(t0, t1));
            total_us.push_back(us_between(t0, clock_type::now()));
        }
    }
    co_await remove_tree(c, ns);
    co_return multi_floor{quantile(creates_us, 0.5), quantile(total_us, 0.5)};
}

/// `close_failover_us`: the median of [1 close] in this run, or 0 when [1] did not run.
asio::awaitable<void> scenario_jobs(environment& env, double close_failover_us)
{
    const int n = env.cfg.jobs;
    const auto rt = co_await scenario_header(
        env,
        "[4] failover of " + std::to_string(n) + " job components: the leader process (" + std::to_string(n) +
            " confirmed job-<id> elections) closes; the standby process (" + std::to_string(n) +
            " job elections) confirms all"
    );
    const auto server = co_await multi_floor_us(env, n, 5);
    const double floor_us = server.total_us;
    std::printf(
        "    server floor = multi(check, %d creates) + multi(check, %d deletes), one raw client, "
        "back-to-back: %.3f ms = %.1f rt; the creates alone %.3f ms\n",
        n,
        n,
        floor_us / 1000,
        floor_us / rt,
        server.creates_us / 1000
    );
    if (close_failover_us > 0)
        // Flink's layout needs one ephemeral connection_info per component, created by the successor
        // after its grant; no client can complete the failover faster than the server creates them.
        std::printf(
            "    the creates alone = %.2f x [1 close] (which took %.3f ms): a lower bound for "
            "\"all confirms\", whose target is 2 x\n",
            server.creates_us / close_failover_us,
            close_failover_us / 1000
        );
    std::vector<double> seen, all_confirmed, first_grant, stopped;
    std::vector<counters> requests;
    for (int round = 1; round <= env.cfg.job_rounds; ++round)
    {
        const auto ns = fresh_namespace(env, "jobs");
        std::vector<component_id> components;
        for (int i = 0; i < n; ++i)
            components.push_back(component_id::job_manager(hakit::job_id::random()));
        std::sort(components.begin(), components.end());
        const auto last = components.back();
        process_list ps;
        std::string failure;
        const auto setup0 = clock_type::now();
        auto* leader = add_process(ps, env, "leader", ns, env.cfg.session);
        for (const auto& c : components)
            add_contender(env, leader, c);
        auto leader_done = [leader] {
            for (const auto& c : leader->contenders)
                if (c->running)
                    return false;
            return true;
        };
        (void)co_await wait_until(leader_done, std::chrono::seconds(120));
        for (const auto& c : leader->contenders)
            if (!c->confirmed && failure.empty())
                failure =
                    "setup: the first leader's " + std::to_string(n) +
                    " confirms did not all succeed after " +
                    std::to_string(static_cast<long long>(us_between(setup0, clock_type::now()) / 1000)) +
                    " ms: " + contender_errors(*leader);
        process* standby = nullptr;
        process* observer = nullptr;
        if (failure.empty())
        {
            standby = add_process(ps, env, "standby", ns, env.cfg.session);
            for (const auto& c : components)
                add_contender(env, standby, c);
            observer = add_process(ps, env, "retriever", ns, env.cfg.session);
            add_retriever(env, observer, last);
            const auto last_address = leader->contenders.back()->address;
            const auto since = clock_type::now() - std::chrono::hours(1);
            auto ready = [standby, observer, last_address, since] {
                return standing_by(standby) && first_seen_address(*observer, since, last_address).has_value();
            };
            if (!co_await wait_until(ready, std::chrono::seconds(60)) ||
                !co_await wait_settled(&ps, std::chrono::seconds(30)))
                failure = "setup: the standby did not queue up behind the leader";
        }
        if (failure.empty())
        {
            const auto before = read_counters(env.server);
            const auto t0 = clock_type::now();
            asio::co_spawn(env.ex, close_process(leader), asio::detached);
            const auto last_address = standby->contenders.back()->address;
            auto done = [standby, observer, leader, t0, last_address] {
                if (!leader->stopped)
                    return false;
                bool failed = false;
                for (const auto& c : standby->contenders)
                {
                    if (c->running)
                        return false;
                    failed = failed || c->error;
                }
                return failed || first_seen_address(*observer, t0, last_address).has_value();
            };
            if (!co_await wait_until(done, std::chrono::seconds(120)))
                failure = "not done within 120 s: " + contender_errors(*standby);
            else
            {
                (void)co_await wait_settled(&ps, std::chrono::seconds(30));
                const auto after = read_counters(env.server);
                std::optional<time_point> latest, earliest_grant, latest_finish;
                int ok = 0;
                for (const auto& c : standby->contenders)
                {
                    if (c->confirmed)
                    {
                        ++ok;
                        latest = std::max(latest.value_or(*c->confirmed), *c->confirmed);
                    }
                    if (c->granted)
                        earliest_grant = std::min(earliest_grant.value_or(*c->granted), *c->granted);
                    if (c->finished)
                        latest_finish = std::max(latest_finish.value_or(*c->finished), *c->finished);
                }
                const auto counted = after - before - env.mntr_cost;
                if (ok != n)
                {
                    failure =
                        std::to_string(n - ok) + " of " + std::to_string(n) + " confirms failed (" +
                        contender_errors(*standby) + "), the last one " +
                        std::to_string(static_cast<long long>(us_between(t0, *latest_finish) / 1000)) +
                        " ms after the close; leader close took " +
                        std::to_string(static_cast<long long>(us_between(t0, *leader->stopped) / 1000)) +
                        " ms; first grant after " +
                        (earliest_grant
                             ? std::to_string(static_cast<long long>(us_between(t0, *earliest_grant) / 1000)
                               ) + " ms"
                             : std::string("never")) +
                        "; " + std::to_string(static_cast<long long>(counted.packets)) + " requests (" +
                        std::to_string(static_cast<long long>(counted.writes)) + " writes)";
                }
                else
                {
                    seen.push_back(us_between(t0, *first_seen_address(*observer, t0, last_address)));
                    all_confirmed.push_back(us_between(t0, *latest));
                    first_grant.push_back(us_between(t0, *earliest_grant));
                    stopped.push_back(us_between(t0, *leader->stopped));
                    requests.push_back(counted);
                }
            }
        }
        if (!failure.empty())
            fail_round(env, "[4]", round, failure);
        co_await teardown(env, ps, ns);
    }
    std::printf("    %zu rounds; times from the leader's async_close() call:\n", all_confirmed.size());
    std::string note;
    if (close_failover_us > 0)
    {
        char buf[160];
        std::snprintf(buf, sizeof buf, "(target <= 2 x [1 close] = %.3f ms)", 2 * close_failover_us / 1000);
        note = buf;
    }
    if (!all_confirmed.empty() && close_failover_us > 0)
    {
        char buf[160];
        std::snprintf(
            buf, sizeof buf, "   = %.1f x [1 close]", quantile(all_confirmed, 0.5) / close_failover_us
        );
        note += buf;
    }
    if (!all_confirmed.empty())
    {
        char buf[160];
        std::snprintf(buf, sizeof buf, "   = %.2f x server floor", quantile(all_confirmed, 0.5) / floor_us);
        note += buf;
    }
    print_times(("all " + std::to_string(n) + " confirms completed").c_str(), all_confirmed, rt, note);
    print_times("retriever (last job) sees the successor", seen, rt);
    print_times("leader's close completed", stopped, rt);
    print_times("successor granted (first job)", first_grant, rt);
    print_counters("requests per failover (mntr)", requests);
}

// ---- 5: requests per failover by number of contenders -----------------------------------------------

asio::awaitable<void> scenario_herd(environment& env)
{
    const auto rt = co_await scenario_header(
        env,
        "[5] requests per graceful failover (async_resign) by number of contender processes, plus 1 "
        "retriever"
    );
    std::vector<std::pair<int, double>> medians;
    for (const int n : env.cfg.contenders)
    {
        char label[32];
        std::snprintf(label, sizeof label, "[5 n=%d]", n);
        auto fs = co_await graceful_series(env, n, false, env.cfg.herd_rounds, label);
        std::vector<counters> requests;
        std::vector<double> seen;
        for (const auto& f : fs)
        {
            requests.push_back(f.requests);
            seen.push_back(f.seen);
        }
        std::printf("  %d contenders, %zu rounds:\n", n, fs.size());
        print_counters("requests per failover (mntr)", requests);
        print_times("retriever sees the successor", seen, rt);
        if (!requests.empty())
        {
            std::vector<double> packets;
            for (const auto& r : requests)
                packets.push_back(r.packets);
            medians.emplace_back(n, quantile(packets, 0.5));
        }
    }
    if (medians.size() > 1)
    {
        const auto [lo, hi] = std::minmax_element(
            medians.begin(), medians.end(), [](const auto& a, const auto& b) { return a.second < b.second; }
        );
        std::printf(
            "    requests per failover from %d to %d contenders: %.0f .. %.0f (%s)\n",
            medians.front().first,
            medians.back().first,
            lo->second,
            hi->second,
            lo->second == hi->second ? "constant: no herd" : "NOT constant"
        );
    }
}

// ---- main --------------------------------------------------------------------------------------------

void run(asio::io_context& ioc, asio::awaitable<void> op)
{
    bool done = false;
    std::exception_ptr failure;
    asio::co_spawn(ioc, std::move(op), [&](std::exception_ptr e) {
        failure = e;
        done = true;
    });
    while (!done)
        ioc.run_one();
    if (failure)
        std::rethrow_exception(failure);
}

std::string read_connect(const std::string& dir)
{
    std::ifstream in(dir + "/connect");
    std::string line;
    if (!in || !std::getline(in, line) || line.empty())
        throw std::runtime_error(
            "no 'connect' file in '" + dir + "' (start tools/zookeeper/start.sh --standalone --dir DIR)"
        );
    return line;
}

std::vector<int> parse_list(const std::string& text)
{
    std::vector<int> out;
    std::stringstream in(text);
    std::string item;
    while (std::getline(in, item, ','))
        out.push_back(std::stoi(item));
    return out;
}

asio::awaitable<void> bench(environment* env)
{
    auto& cfg = env->cfg;
    auto connected = co_await env->admin->async_connect();
    if (!connected)
        throw std::runtime_error("connect to " + cfg.connect + ": " + connected.error().message());
    zk::bytes payload(64, 'x');
    const auto path = env->rt_path;
    auto created = co_await env->admin->async_create(path, payload);
    if (!created)
        throw std::runtime_error("create " + path + ": " + created.error().message());

    // The cost of a mntr itself, and a check of what the counters count.
    auto m0 = read_counters(env->server);
    auto m1 = read_counters(env->server);
    env->mntr_cost = m1 - m0;
    for (int i = 0; i < 20; ++i)
        (void)co_await env->admin->async_get_data(path);
    for (int i = 0; i < 5; ++i)
        (void)co_await env->admin->async_set_data(path, payload);
    const auto check = read_counters(env->server) - m1 - env->mntr_cost;
    std::printf(
        "ZooKeeper at %s; mntr costs %.0f packet(s); 20 get_data + 5 set_data counted as %.0f requests (%.0f "
        "reads, %.0f writes)\n",
        cfg.connect.c_str(),
        env->mntr_cost.packets,
        check.packets,
        check.reads,
        check.writes
    );
    std::printf(
        "session timeout %lld ms (crash scenario: the leader's %lld ms); one thread for all processes\n",
        static_cast<long long>(cfg.session.count()),
        static_cast<long long>(cfg.crash_session.count())
    );
    std::fflush(stdout);

    // Warm the server (JIT) and the client before the first figure; discarded.
    (void)co_await measure_unit(*env, cfg.baseline);

    double close_failover_us = 0;
    if (cfg.only.contains(0))
        co_await scenario_operations(*env);
    if (cfg.only.contains(1))
    {
        for (const bool by_close : {false, true})
        {
            const auto rt = co_await scenario_header(
                *env,
                std::string("[1] graceful failover by ") +
                    (by_close ? "async_close() of the leader's ha_services"
                              : "async_resign() of the leader's election") +
                    ": leader, standby, retriever (3 processes, dispatcher)"
            );
            constexpr int settled_calls = 40;
            const double settled_rt_us = co_await settled_get_data_us(*env, settled_calls);
            const double back_to_back_floor_us = co_await graceful_floor_us(*env, cfg.rounds, false);
            const double floor_us = co_await graceful_floor_us(*env, cfg.rounds, true);
            std::printf(
                "    settled rt = median get_data after the same quiet 10 ms and mntr as each "
                "round's trigger = %.1f us = %.1f rt (%d calls)\n"
                "    protocol floor (the same requests by 3 bare zk::clients, see graceful_floor_us): "
                "%.3f ms = %.1f rt, settled like a round; %.3f ms = %.1f rt back-to-back\n",
                settled_rt_us,
                settled_rt_us / rt,
                settled_calls,
                floor_us / 1000,
                floor_us / rt,
                back_to_back_floor_us / 1000,
                back_to_back_floor_us / rt
            );
            auto fs = co_await graceful_series(
                *env, 2, by_close, cfg.rounds, by_close ? "[1 close]" : "[1 resign]"
            );
            std::vector<double> seen_us;
            for (const auto& f : fs)
                seen_us.push_back(f.seen);
            char ratio[128] = "";
            if (!seen_us.empty())
                std::snprintf(
                    ratio,
                    sizeof ratio,
                    " = %.2f x settled protocol floor = %.1f settled rt",
                    quantile(seen_us, 0.5) / floor_us,
                    quantile(seen_us, 0.5) / settled_rt_us
                );
            print_failover(fs, rt, std::string("(target <= 5 rt; Flink's Curator recipe ~50 rt)") + ratio);
            if (by_close && !seen_us.empty())
                close_failover_us = quantile(seen_us, 0.5);
        }
    }
    if (cfg.only.contains(2))
        co_await scenario_cold_start(*env);
    if (cfg.only.contains(3))
        co_await scenario_crash(*env);
    if (cfg.only.contains(4))
        co_await scenario_jobs(*env, close_failover_us);
    if (cfg.only.contains(5))
        co_await scenario_herd(*env);

    (void)co_await env->admin->async_remove(path);
    (void)co_await env->admin->async_close();
    std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv)
{
    try
    {
        environment env;
        auto& cfg = env.cfg;
        std::string dir = std::getenv("HAKIT_ZK_STATE_DIR") ? std::getenv("HAKIT_ZK_STATE_DIR") : "";
        for (int i = 1; i < argc; ++i)
        {
            const std::string_view arg = argv[i];
            auto value = [&]() -> std::string {
                if (i + 1 >= argc)
                    throw std::runtime_error(std::string(arg) + " needs a value");
                return argv[++i];
            };
            if (arg == "--dir")
                dir = value();
            else if (arg == "--connect")
                cfg.connect = value();
            else if (arg == "--only")
            {
                auto list = parse_list(value());
                cfg.only = std::set<int>(list.begin(), list.end());
            }
            else if (arg == "--rounds")
                cfg.rounds = std::stoi(value());
            else if (arg == "--crash-rounds")
                cfg.crash_rounds = std::stoi(value());
            else if (arg == "--job-rounds")
                cfg.job_rounds = std::stoi(value());
            else if (arg == "--jobs")
                cfg.jobs = std::stoi(value());
            else if (arg == "--herd-rounds")
                cfg.herd_rounds = std::stoi(value());
            else if (arg == "--contenders")
                cfg.contenders = parse_list(value());
            else if (arg == "--session-ms")
                cfg.session = ms(std::stoi(value()));
            else if (arg == "--crash-session-ms")
                cfg.crash_session = ms(std::stoi(value()));
            else if (arg == "--baseline")
                cfg.baseline = std::stoi(value());
            else
                throw std::runtime_error("unknown argument " + std::string(arg));
        }
        if (cfg.connect.empty())
        {
            if (dir.empty())
                throw std::runtime_error("give --dir STATE_DIR, --connect host:port or HAKIT_ZK_STATE_DIR");
            cfg.connect = read_connect(dir);
        }
        if (cfg.rounds < 1 || cfg.jobs < 1 || cfg.baseline < 10)
            throw std::runtime_error("--rounds and --jobs must be >= 1, --baseline >= 10");
        auto cs = zk::parse_connect_string(cfg.connect);
        if (!cs || cs.value().hosts.empty())
            throw std::runtime_error("bad connect string '" + cfg.connect + "'");
        env.server = tcp::endpoint(
            asio::ip::make_address(cs.value().hosts.front().host), cs.value().hosts.front().port
        );

        asio::io_context ioc;
        env.ex = ioc.get_executor();
        zk::session_options options;
        options.connect_string = cfg.connect;
        options.session_timeout = std::chrono::seconds(30);
        zk::client admin(ioc.get_executor(), options);
        env.admin = &admin;
        env.rt_path = "/hakit-bench-ha-rt-" + std::to_string(::getpid()) + "-" +
                      std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
        run(ioc, bench(&env));
        return env.failed_rounds > 0 ? 2 : 0;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "hakit_bench_zookeeper_ha: %s\n", e.what());
        return 1;
    }
}
