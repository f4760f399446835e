// Live tests of the ZooKeeper election and retrieval backend (zookeeper_ha_services) against real
// ZooKeeper 3.8 servers started by tools/zookeeper/ (CTest fixtures zk_standalone and zk_ensemble):
// Flink's ZooKeeperLeaderElection*/Retrieval* behaviours (flink-ha.md §6.4–§6.6) and hakit's own
// guarantees (atomic leader-only writes, local step-down before the session can expire). Suite
// zookeeper_ha_live runs on the standalone server; zookeeper_ha_live.ensemble kills members
// (DISRUPTIVE). Every test works in its own namespace and removes it.
#include <hakit/backend/zookeeper.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zookeeper/connection_info.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/eventually.hpp"
#include "common/run_coro.hpp"
#include "common/tcp_proxy.hpp"
#include "common/zk_servers.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using namespace std::chrono_literals;
using namespace asio::experimental::awaitable_operators;
using hakit::component_id;
using hakit::leader_information;
using hakit::session_id;
using hakit_test::eventually;
using hakit_test::run_coro;
using hakit_test::zk_cluster;
using clock_type = std::chrono::steady_clock;
using ms = std::chrono::milliseconds;

// ---- helpers ----------------------------------------------------------------------------------

zk::session_options raw_options(std::string connect)
{
    zk::session_options o;
    o.connect_string = std::move(connect);
    o.session_timeout = 10'000ms;
    o.connection_timeout = 20s;
    o.reconnect_delay = 50ms;
    return o;
}

/// Backend settings for namespace `ns` on `connect` with session timeout `t`.
hakit::zookeeper_settings settings(
    std::string connect,
    const std::string& ns,
    ms t = 4000ms,
    bool tolerate = false,
    std::optional<ms> margin = {}
)
{
    hakit::zookeeper_settings s;
    s.session.connect_string = std::move(connect);
    s.session.session_timeout = t;
    s.session.connection_timeout = 20s;
    s.session.reconnect_delay = 50ms;
    s.layout = hakit::zookeeper::layout::make(ns).value();
    s.policy.tolerate_suspended = tolerate;
    s.policy.safety_margin = margin;
    return s;
}

long long millis(clock_type::duration d)
{
    return std::chrono::duration_cast<ms>(d).count();
}

/// `op`, or nullopt if it does not complete within `timeout`.
template <class T>
asio::awaitable<std::optional<hakit::result<T>>> within(asio::awaitable<hakit::result<T>> op, ms timeout)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto expiry = timer.async_wait(asio::use_awaitable);
    auto r = co_await (std::move(op) || std::move(expiry));
    std::optional<hakit::result<T>> out;
    if (r.index() == 0)
        out.emplace(std::move(std::get<0>(r)));
    co_return out;
}

asio::awaitable<void> connect_or_fail(zk::client& c)
{
    auto r = co_await c.async_connect();
    REQUIRE_MESSAGE(r, r.error().message());
}

/// Deletes `path` and everything below it (best effort: cleanup).
asio::awaitable<void> remove_tree(zk::client& c, std::string path)
{
    auto kids = co_await c.async_get_children(path);
    if (kids)
        for (const auto& k : kids.value().children)
            co_await remove_tree(c, path + "/" + k);
    (void)co_await c.async_remove(path);
}

/// What a node holds as leader information (empty if absent), read with a raw client.
asio::awaitable<leader_information> published(zk::client& c, std::string path)
{
    auto data = co_await c.async_get_data(std::move(path));
    leader_information out;
    if (data)
    {
        auto info = hakit::zookeeper::decode_connection_info(data.value().data);
        if (info)
            out = info.value();
    }
    co_return out;
}

/// Waits until `retriever` reports `want` (draining changes), within `timeout`.
asio::awaitable<bool> retriever_sees(
    hakit::zookeeper_ha_services::retriever_type* retriever, leader_information want, ms timeout
)
{
    const auto deadline = clock_type::now() + timeout;
    bool seen = retriever->current() == want;
    bool open = true;
    while (!seen && open && clock_type::now() < deadline)
    {
        auto left = std::chrono::duration_cast<ms>(deadline - clock_type::now());
        auto next = co_await within(retriever->async_next(), std::max(left, 1ms));
        open = next.has_value();
        seen = retriever->current() == want;
    }
    co_return seen;
}

/// A shuffle seed under which a client tries `first` before the other servers of `connect`.
std::uint64_t seed_trying_first(const std::string& connect, const zk::host_port& first)
{
    const auto hosts = zk::parse_connect_string(connect).value().hosts;
    const zk::session_options unused;
    std::uint64_t seed = 1;
    while (zk::detail::session_machine(hosts, unused, seed).hosts().front() != first)
        ++seed;
    return seed;
}

/// One confirmed term of a contender, from confirm() to the end of the term as the contender
/// observed it (async_revoked completed).
struct interval
{
    std::string who;
    session_id term;
    clock_type::time_point begin;
    clock_type::time_point end = clock_type::time_point::max();
};

/// A contender running Flink's loop: campaign, confirm its address, serve until revoked.
struct contender
{
    contender() = default;
    contender(std::string n, std::string a, std::vector<interval>* l)
        : name(std::move(n))
        , address(std::move(a))
        , log(l)
    {}

    std::string name;
    std::string address;
    std::vector<interval>* log = nullptr;
    std::optional<session_id> term;   // confirmed and not yet revoked
    std::vector<session_id> terms;    // every confirmed term
    std::optional<std::size_t> open;  // index of the current interval in *log
    bool done = false;
    hakit::error_code last_error;
};

asio::awaitable<void> contend(
    hakit::zookeeper_ha_services* ha, contender* c, component_id component = component_id::dispatcher()
)
{
    auto election = ha->election(component);
    bool running = election.has_value();
    while (running)
    {
        auto term = co_await election.value().async_campaign();
        if (!term)
        {
            c->last_error = term.error();
            running = false;
        }
        else
        {
            auto confirmed = co_await election.value().async_confirm(term.value(), c->address);
            if (confirmed)
            {
                c->term = term.value();
                c->terms.push_back(term.value());
                c->open = c->log->size();
                c->log->push_back(interval{c->name, term.value(), clock_type::now()});
            }
            auto revoked = co_await election.value().async_revoked(term.value());
            if (c->open)
                (*c->log)[*c->open].end = clock_type::now();
            c->open.reset();
            c->term.reset();
            if (!revoked || ha->is_closed())
                running = false;
        }
    }
    c->done = true;
}

/// No two contenders' confirmed terms overlap in time.
void check_no_overlap(const std::vector<interval>& log)
{
    for (std::size_t i = 0; i < log.size(); ++i)
        for (std::size_t j = i + 1; j < log.size(); ++j)
        {
            const auto& a = log[i];
            const auto& b = log[j];
            const bool overlap = a.begin < b.end && b.begin < a.end;
            CHECK_MESSAGE(
                !overlap,
                a.who << " (" << a.term << ") and " << b.who << " (" << b.term << ") led at the same time"
            );
        }
}

leader_information info_of(const contender& c)
{
    return c.term ? leader_information::known(*c.term, c.address) : leader_information::empty();
}

/// Flink's bytes for ("pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_0",
/// 01234567-89ab-cdef-fedc-ba9876543210), from JDK ObjectOutputStream
/// (reference/flink-connection-info-vectors.txt, "golden").
constexpr std::string_view golden_hex =
    "aced00057738003670656b6b6f2e7463703a2f2f666c696e6b403132372e302e302e313a363132332f757365722f7270"
    "632f646973706174636865725f307372000e6a6176612e7574696c2e55554944bc9903f7986d852f0200024a000c6c6561"
    "7374536967426974734a000b6d6f7374536967426974737870fedcba98765432100123456789abcdef";
constexpr std::string_view golden_address = "pekko.tcp://flink@127.0.0.1:6123/user/rpc/dispatcher_0";

zk::bytes from_hex(std::string_view hex)
{
    zk::bytes out;
    for (std::size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<std::uint8_t>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

}  // namespace

TEST_SUITE("zookeeper_ha_live")
{
    TEST_CASE("election and retrieval round trip from Flink's options; the nodes as Flink lays them out")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.wait_all_serving(60s));
        asio::io_context ioc;
        const auto root = hakit_test::unique_path("/hakit-ha");
        hakit::ha_options options;
        options.mode = hakit::ha_mode::zookeeper;
        options.zookeeper.quorum = cluster.connect_string();
        options.zookeeper.root = root;
        options.cluster_id = "/cluster-1";
        options.zookeeper.session_timeout = 4000ms;
        const auto ns = root + "/cluster-1";
        hakit::zookeeper_ha_services leader(ioc.get_executor(), options);
        hakit::zookeeper_ha_services follower(ioc.get_executor(), options);
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                REQUIRE_FALSE(leader.backend().config_error());
                auto retriever = follower.dispatcher_retriever();
                REQUIRE(retriever);
                auto election = leader.dispatcher_election();
                REQUIRE(election);
                auto term = co_await election.value().async_campaign();
                REQUIRE_MESSAGE(term, term.error().message());
                CHECK(election.value().has_leadership(term.value()));
                CHECK_FALSE(term.value().is_nil());
                REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm-1/dispatcher"));
                auto seen = co_await within(retriever.value().async_leader(), 10'000ms);
                REQUIRE(seen);
                REQUIRE(*seen);
                CHECK(seen->value() == leader_information::known(term.value(), "akka://jm-1/dispatcher"));

                // One latch node `_c_<uuid>-latch-<10 digits>`, ephemeral, ours; the latch is a container.
                auto latch = co_await raw.async_get_children(ns + "/leader/latch");
                REQUIRE(latch);
                REQUIRE(latch.value().children.size() == 1);
                const auto& name = latch.value().children.front();
                CHECK(name.starts_with("_c_"));
                CHECK(name.find("-latch-") == 3 + 36);
                CHECK(name.size() == 3 + 36 + 7 + 10);
                auto latch_node = co_await raw.async_exists(ns + "/leader/latch/" + name);
                REQUIRE(latch_node);
                REQUIRE(latch_node.value().stat);
                CHECK(latch_node.value().stat->ephemeral_owner == leader.backend().client().session_id());
                CHECK(leader.backend().election().latch().node_path() == ns + "/leader/latch/" + name);
                auto info = co_await raw.async_exists(ns + "/leader/dispatcher/connection_info");
                REQUIRE(info);
                REQUIRE(info.value().stat);
                CHECK(info.value().stat->ephemeral_owner == leader.backend().client().session_id());
                auto parent = co_await raw.async_exists(ns + "/leader/dispatcher");
                REQUIRE(parent);
                REQUIRE(parent.value().stat);
                CHECK(parent.value().stat->ephemeral_owner == 0);

                // A second component of the leading process is granted the same term at once.
                auto rest = leader.rest_server_election();
                REQUIRE(rest);
                auto rest_term = co_await rest.value().async_campaign();
                REQUIRE(rest_term);
                CHECK(rest_term.value() == term.value());
                REQUIRE(co_await rest.value().async_confirm(term.value(), "http://127.0.0.1:8081"));
                CHECK(
                    co_await published(raw, ns + "/leader/rest_server/connection_info") ==
                    leader_information::known(term.value(), "http://127.0.0.1:8081")
                );

                CHECK(co_await leader.async_close());
                CHECK(co_await follower.async_close());
                co_await remove_tree(raw, root);
                CHECK_FALSE((co_await raw.async_exists(root)).value().exists());
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("hakit's connection_info is Flink's bytes, and a Flink-written one is followed")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        hakit::zookeeper_ha_services ha(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                auto election = ha.dispatcher_election();
                REQUIRE(election);
                auto term = co_await election.value().async_campaign();
                REQUIRE(term);
                REQUIRE(co_await election.value().async_confirm(term.value(), std::string(golden_address)));
                auto bytes = co_await raw.async_get_data(ns + "/leader/dispatcher/connection_info");
                REQUIRE(bytes);
                // Java's bytes with this term's UUID (leastSigBits, mostSigBits) at the end.
                auto expected = from_hex(golden_hex);
                expected.resize(expected.size() - 16);
                for (const auto bits :
                     {term.value().least_significant_bits(), term.value().most_significant_bits()})
                    for (int i = 7; i >= 0; --i)
                        expected.push_back(
                            static_cast<std::uint8_t>(static_cast<std::uint64_t>(bits) >> (8 * i))
                        );
                CHECK(bytes.value().data == expected);
                CHECK(co_await ha.async_close());

                // The other way round: a node Flink wrote is followed by a hakit retriever.
                hakit::zookeeper_ha_services follower(
                    ioc.get_executor(), settings(cluster.connect_string(), ns)
                );
                auto retriever = follower.rest_server_retriever();
                REQUIRE(retriever);
                REQUIRE(co_await raw.async_create(ns + "/leader/rest_server", zk::bytes{}));
                REQUIRE(co_await raw.async_create(
                    ns + "/leader/rest_server/connection_info",
                    from_hex(golden_hex),
                    zk::create_mode::ephemeral
                ));
                auto seen = co_await within(retriever.value().async_leader(), 10'000ms);
                REQUIRE(seen);
                REQUIRE(*seen);
                CHECK(seen->value().address() == golden_address);
                CHECK(seen->value().session_id().to_string() == "01234567-89ab-cdef-fedc-ba9876543210");
                CHECK(co_await follower.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("10 contenders: closing the leader elects the next, each once; the retriever follows every one")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        constexpr std::size_t n = 10;
        std::vector<std::unique_ptr<hakit::zookeeper_ha_services>> processes;
        std::vector<contender> contenders(n);
        std::vector<interval> log;
        for (std::size_t i = 0; i < n; ++i)
        {
            processes.push_back(std::make_unique<hakit::zookeeper_ha_services>(
                ioc.get_executor(), settings(cluster.connect_string(), ns)
            ));
            contenders[i].name = "jm-" + std::to_string(i);
            contenders[i].address = "akka://jm-" + std::to_string(i) + "/dispatcher";
            contenders[i].log = &log;
        }
        hakit::zookeeper_ha_services observer(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                auto retriever = observer.dispatcher_retriever();
                REQUIRE(retriever);
                for (std::size_t i = 0; i < n; ++i)
                    asio::co_spawn(ioc, contend(processes[i].get(), &contenders[i]), asio::detached);
                std::set<std::size_t> elected;
                std::optional<clock_type::time_point> closed_at;
                std::vector<clock_type::duration> handovers;  // close of a leader → next one confirmed
                for (std::size_t round = 0; round < n; ++round)
                {
                    std::optional<std::size_t> leader;
                    auto one_leader = [&] {
                        std::size_t leading = 0;
                        for (std::size_t i = 0; i < n; ++i)
                            if (contenders[i].term)
                            {
                                ++leading;
                                leader = i;
                            }
                        return leading == 1;
                    };
                    REQUIRE(co_await eventually(one_leader, 20'000ms));
                    CHECK_MESSAGE(!elected.contains(*leader), contenders[*leader].name << " elected twice");
                    elected.insert(*leader);
                    CHECK(co_await retriever_sees(&retriever.value(), info_of(contenders[*leader]), 10'000ms)
                    );
                    CHECK(contenders[*leader].terms.size() == 1);
                    if (closed_at)
                        handovers.push_back(log.back().begin - *closed_at);
                    closed_at = clock_type::now();
                    CHECK(co_await processes[*leader]->async_close());
                }
                CHECK(elected.size() == n);
                std::sort(handovers.begin(), handovers.end());
                if (!handovers.empty())
                    MESSAGE(
                        "handover after a leader's close (ms): min "
                        << millis(handovers.front()) << ", median " << millis(handovers[handovers.size() / 2])
                        << ", max " << millis(handovers.back())
                    );
                CHECK(co_await retriever_sees(&retriever.value(), leader_information::empty(), 10'000ms));
                auto all_done = [&] {
                    return std::all_of(contenders.begin(), contenders.end(), [](const contender& c) {
                        return c.done;
                    });
                };
                CHECK(co_await eventually(all_done, 10'000ms));
                check_no_overlap(log);
                auto latch = co_await raw.async_get_children(ns + "/leader/latch");
                CHECK((!latch || latch.value().children.empty()));
                CHECK(co_await observer.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            120s
        );
    }

    TEST_CASE("a failover of 100 jobs: one multi confirms them all, nobody hears of its own writes")
    {
        // What the failover costs each process, from its client's statistics: the successor writes
        // its 100 connection_info nodes in one multi and hears only of its predecessor's deletion
        // (its tree watch starts after that write); the old leader's deletes do not come back to
        // it; the retriever learns of the deletion from the notification alone.
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        constexpr std::size_t jobs = 100;
        hakit::zookeeper_ha_services leader(ioc.get_executor(), settings(cluster.connect_string(), ns));
        hakit::zookeeper_ha_services standby(ioc.get_executor(), settings(cluster.connect_string(), ns));
        hakit::zookeeper_ha_services observer(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        std::vector<std::vector<interval>> logs(jobs);  // one per job: its terms must not overlap
        std::vector<component_id> components;
        std::vector<contender> firsts(jobs), seconds(jobs);
        for (std::size_t i = 0; i < jobs; ++i)
        {
            const auto job = hakit::job_id::from_parts(i + 1, 0x4a0b);
            components.push_back(component_id::job_manager(job));
            firsts[i] = contender("a-" + std::to_string(i), "akka://a/job-" + std::to_string(i), &logs[i]);
            seconds[i] = contender("b-" + std::to_string(i), "akka://b/job-" + std::to_string(i), &logs[i]);
        }
        auto quiet = [](hakit::zookeeper_ha_services& p) {
            return p.backend().client().in_flight() == 0 && p.backend().client().queued() == 0;
        };
        auto all_lead = [](const std::vector<contender>& cs) {
            return std::all_of(cs.begin(), cs.end(), [](const contender& c) { return c.term.has_value(); });
        };
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                for (std::size_t i = 0; i < jobs; ++i)
                    asio::co_spawn(ioc, contend(&leader, &firsts[i], components[i]), asio::detached);
                auto leads = [&] {
                    return all_lead(firsts) && quiet(leader);
                };
                REQUIRE(co_await eventually(leads, 20'000ms));
                for (std::size_t i = 0; i < jobs; ++i)
                    asio::co_spawn(ioc, contend(&standby, &seconds[i], components[i]), asio::detached);
                const auto& latch = standby.backend().election().latch().machine();
                auto queued_up = [&] {
                    return latch.node_path().has_value() && !latch.awaiting_answer() && quiet(standby);
                };
                REQUIRE(co_await eventually(queued_up, 20'000ms));
                auto retriever = observer.retriever(components.front());
                REQUIRE(retriever);
                REQUIRE(co_await retriever_sees(&retriever.value(), info_of(firsts.front()), 10'000ms));
                auto observer_quiet = [&] {
                    return quiet(observer);
                };
                REQUIRE(co_await eventually(observer_quiet, 10'000ms));

                const auto leader_before = leader.backend().client().statistics();
                const auto standby_before = standby.backend().client().statistics();
                const auto observer_before = observer.backend().client().statistics();
                CHECK(co_await leader.async_close());
                auto succeeded = [&] {
                    return all_lead(seconds) &&
                           std::all_of(firsts.begin(), firsts.end(), [](const contender& c) {
                               return c.done;
                           });
                };
                REQUIRE(co_await eventually(succeeded, 20'000ms));
                CHECK(co_await retriever_sees(&retriever.value(), info_of(seconds.front()), 10'000ms));
                for (const auto& log : logs)
                    check_no_overlap(log);
                // Counted once nothing is on its way (a re-read, see below, is one request).
                auto settled = [&] {
                    const auto reads =
                        standby.backend().client().statistics().requests - standby_before.requests;
                    return quiet(standby) && quiet(observer) && (reads == 3 || reads == 4);
                };
                CHECK(co_await eventually(settled, 10'000ms));

                const auto leader_after = leader.backend().client().statistics();
                const auto standby_after = standby.backend().client().statistics();
                const auto observer_after = observer.backend().client().statistics();
                // The old leader: one multi deleting its 100 nodes and its latch node, then closeSession.
                CHECK(leader_after.writes - leader_before.writes == 2);
                // It hears only of its latch node (its exists watch): the tree watch went first.
                CHECK(leader_after.notifications - leader_before.notifications == 1);
                // The successor: one write for 100 confirms; one notification, its predecessor's deletion.
                CHECK(standby_after.writes - standby_before.writes == 1);
                CHECK(standby_after.notifications - standby_before.notifications == 1);
                // Its reads: an exists watch on its latch node and the addWatch, plus one multiRead
                // of its 100 nodes only if someone's transaction slipped in between its write and
                // that watch.
                const auto standby_requests = standby_after.requests - standby_before.requests;
                CHECK((standby_requests == 3 || standby_requests == 4));
                // The retriever: exists after the deletion, getData for the successor's node; no read
                // of a node it was just told is gone.
                CHECK(observer_after.requests - observer_before.requests == 2);
                CHECK(observer_after.writes == observer_before.writes);
                MESSAGE(
                    "requests: leader " << leader_after.requests - leader_before.requests << ", successor "
                                        << standby_after.requests - standby_before.requests << ", retriever "
                                        << observer_after.requests - observer_before.requests
                                        << "; notifications: leader "
                                        << leader_after.notifications - leader_before.notifications
                );

                retriever.value().stop();
                CHECK(co_await standby.async_close());
                CHECK(co_await observer.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            120s
        );
    }

    TEST_CASE("self-healing: the leader restores its connection_info when overwritten, corrupted or deleted")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        hakit::zookeeper_ha_services ha(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                auto election = ha.dispatcher_election();
                REQUIRE(election);
                auto term = co_await election.value().async_campaign();
                REQUIRE(term);
                REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm/dispatcher"));
                const auto mine = leader_information::known(term.value(), "akka://jm/dispatcher");
                const auto path = ns + "/leader/dispatcher/connection_info";
                CHECK(co_await published(raw, path) == mine);
                leader_information now;
                auto restored = [&] {
                    return now == mine;
                };

                // Overwritten by another client (Flink's testLeaderShouldBeCorrectedWhenOverwritten).
                auto foreign = hakit::zookeeper::encode_connection_info(
                    leader_information::known(session_id::random(), "akka://impostor/dispatcher")
                );
                REQUIRE(foreign);
                REQUIRE(co_await raw.async_set_data(path, foreign.value()));
                auto poll = [&]() -> asio::awaitable<bool> {
                    const auto deadline = clock_type::now() + 10s;
                    now = co_await published(raw, path);
                    asio::steady_timer timer(co_await asio::this_coro::executor);
                    while (!restored() && clock_type::now() < deadline)
                    {
                        timer.expires_after(10ms);
                        co_await timer.async_wait(asio::use_awaitable);
                        now = co_await published(raw, path);
                    }
                    co_return restored();
                };
                CHECK(co_await poll());

                // Replaced by a foreign node (deleted, then created by another session, in one
                // transaction: the leader's healing would otherwise win the race in between).
                std::vector<zk::multi_op> replace{
                    zk::multi_op::remove(zk::delete_request{path, -1}),
                    zk::multi_op::create(zk::create_request{
                        path, foreign.value(), zk::open_acl_unsafe(), zk::create_mode::ephemeral})};
                auto replaced = co_await raw.async_multi(std::move(replace));
                REQUIRE(replaced);
                REQUIRE_FALSE(zk::find_failure(replaced.value()));
                CHECK(co_await poll());
                auto owner = co_await raw.async_exists(path);
                REQUIRE(owner);
                REQUIRE(owner.value().stat);
                CHECK(owner.value().stat->ephemeral_owner == ha.backend().client().session_id());

                // Garbage that does not decode.
                zk::bytes garbage{'n', 'o', 't', ' ', 'j', 'a', 'v', 'a'};
                REQUIRE(co_await raw.async_set_data(path, garbage));
                CHECK(co_await poll());

                // Deleted (testLeaderConnectionInfoNodeRemoval...).
                REQUIRE(co_await raw.async_remove(path));
                CHECK(co_await poll());

                // Still the same term all along.
                CHECK(election.value().has_leadership(term.value()));
                CHECK(co_await ha.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE(
        "closing the leader removes its ephemerals at once: retrievers see no leader; resign deletes first"
    )
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        hakit::zookeeper_ha_services ha(ioc.get_executor(), settings(cluster.connect_string(), ns, 10'000ms));
        hakit::zookeeper_ha_services follower(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                auto retriever = follower.dispatcher_retriever();
                REQUIRE(retriever);
                auto election = ha.dispatcher_election();
                REQUIRE(election);

                // Resign: the info and the latch node are deleted (in one multi); the component's
                // directory stays for the next leader.
                auto term = co_await election.value().async_campaign();
                REQUIRE(term);
                REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm/1"));
                CHECK(co_await retriever_sees(
                    &retriever.value(), leader_information::known(term.value(), "akka://jm/1"), 10'000ms
                ));
                REQUIRE(co_await election.value().async_resign());
                CHECK_FALSE(election.value().has_leadership(term.value()));
                CHECK_FALSE(
                    (co_await raw.async_exists(ns + "/leader/dispatcher/connection_info")).value().exists()
                );
                CHECK((co_await raw.async_exists(ns + "/leader/dispatcher")).value().exists());
                auto latch = co_await raw.async_get_children(ns + "/leader/latch");
                CHECK((!latch || latch.value().children.empty()));
                CHECK(co_await retriever_sees(&retriever.value(), leader_information::empty(), 10'000ms));

                // Close (Flink's testEphemeralZooKeeperNodes): well before the 10 s session timeout.
                auto again = co_await election.value().async_campaign();
                REQUIRE(again);
                CHECK(again.value() != term.value());
                REQUIRE(co_await election.value().async_confirm(again.value(), "akka://jm/2"));
                CHECK(co_await retriever_sees(
                    &retriever.value(), leader_information::known(again.value(), "akka://jm/2"), 10'000ms
                ));
                const auto closing = clock_type::now();
                CHECK(co_await ha.async_close());
                CHECK(co_await retriever_sees(&retriever.value(), leader_information::empty(), 10'000ms));
                CHECK(clock_type::now() - closing < 5s);
                CHECK_FALSE(
                    (co_await raw.async_exists(ns + "/leader/dispatcher/connection_info")).value().exists()
                );
                latch = co_await raw.async_get_children(ns + "/leader/latch");
                CHECK((!latch || latch.value().children.empty()));
                CHECK(co_await follower.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE(
        "a non-leader cannot publish; a deposed leader's write is refused by the latch check of the multi"
    )
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
        hakit::zookeeper_ha_services a(ioc.get_executor(), settings(proxy.address(), ns, 6000ms));
        hakit::zookeeper_ha_services b(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        std::vector<interval> log;
        contender ca{"a", "akka://a/dispatcher", &log};
        contender cb{"b", "akka://b/dispatcher", &log};
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                const auto path = ns + "/leader/dispatcher/connection_info";
                asio::co_spawn(ioc, contend(&a, &ca), asio::detached);
                auto a_leads = [&] {
                    return ca.term.has_value();
                };
                REQUIRE(co_await eventually(a_leads, 10'000ms));
                asio::co_spawn(ioc, contend(&b, &cb), asio::detached);
                auto b_waits = [&] {
                    return b.backend().election().latch().node_path().has_value();
                };
                REQUIRE(co_await eventually(b_waits, 10'000ms));

                // The local check: B does not lead, its publication is refused without a write.
                std::vector<hakit::detail::publication> batch{
                    {component_id::dispatcher(),
                     leader_information::known(session_id::random(), "akka://b/evil")}};
                auto refused = co_await b.backend().async_publish(batch);
                CHECK(refused.error() == hakit::errc::not_leader);
                CHECK(co_await published(raw, path) == info_of(ca));

                // A is partitioned (its bytes held by the proxy, it notices nothing yet) while its
                // latch node is deleted: B takes over and confirms.
                const auto a_term = *ca.term;
                proxy.pause();
                const auto a_node = *a.backend().election().latch().node_path();
                REQUIRE(co_await raw.async_remove(a_node));
                auto b_leads = [&] {
                    return cb.term.has_value();
                };
                REQUIRE(co_await eventually(b_leads, 10'000ms));
                const auto b_info = info_of(cb);
                CHECK(co_await published(raw, path) == b_info);
                auto b_node = co_await raw.async_exists(path);
                REQUIRE(b_node);
                REQUIRE(b_node.value().stat);
                const auto b_created = b_node.value().stat->czxid;

                // A still believes it leads and writes a new address: the write passes A's own
                // checks but its multi's `check` of A's latch node fails on the server.
                CHECK(a.backend().holds_term(a_term));
                std::optional<hakit::result<void>> late;
                bool started = false;
                auto write = [](hakit::zookeeper_ha_services* ha,
                                session_id term,
                                bool* begun,
                                std::optional<hakit::result<void>>* out) -> asio::awaitable<void> {
                    std::vector<hakit::detail::publication> update{
                        {component_id::dispatcher(), leader_information::known(term, "akka://a/late")}};
                    *begun = true;  // the read of the node is submitted before the first suspension
                    out->emplace(co_await ha->backend().async_publish(update));
                };
                asio::co_spawn(ioc, write(&a, a_term, &started, &late), asio::detached);
                auto sent = [&] {
                    return started && a.backend().client().queued() == 0 &&
                           a.backend().client().in_flight() > 0;
                };
                REQUIRE(co_await eventually(sent, 5'000ms));
                proxy.resume();
                auto finished = [&] {
                    return late.has_value();
                };
                REQUIRE(co_await eventually(finished, 10'000ms));
                CHECK(late->error() == hakit::errc::not_leader);
                CHECK(co_await published(raw, path) == b_info);
                auto owner = co_await raw.async_exists(path);
                REQUIRE(owner);
                REQUIRE(owner.value().stat);
                CHECK(owner.value().stat->ephemeral_owner == b.backend().client().session_id());
                // The very node b created: a never replaced it, not even for a moment (b's
                // self-healing would have put b's information back, in a node of its own).
                CHECK(owner.value().stat->czxid == b_created);
                auto a_revoked = [&] {
                    return !ca.term.has_value();
                };
                CHECK(co_await eventually(a_revoked, 10'000ms));
                // No check_no_overlap here: deleting a partitioned leader's latch node by hand makes two
                // processes believe they lead (nothing can tell a), which is exactly when the latch
                // check has to keep a's writes out.

                CHECK(co_await a.async_close());
                CHECK(co_await b.async_close());
                auto both_done = [&] {
                    return ca.done && cb.done;
                };
                CHECK(co_await eventually(both_done, 10'000ms));
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE(
        "connection policy: a dropped connection revokes (new term) by default, keeps the term if tolerated"
    )
    {
        const auto cluster = zk_cluster::from_env();
        for (const bool tolerate : {false, true})
        {
            CAPTURE(tolerate);
            asio::io_context ioc;
            const auto ns = hakit_test::unique_path("/hakit-ha");
            hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
            hakit::zookeeper_ha_services ha(
                ioc.get_executor(), settings(proxy.address(), ns, 4000ms, tolerate)
            );
            zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
            std::vector<interval> log;
            contender c{"jm", "akka://jm/dispatcher", &log};
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(raw);
                    asio::co_spawn(ioc, contend(&ha, &c), asio::detached);
                    auto leads = [&] {
                        return c.term.has_value();
                    };
                    REQUIRE(co_await eventually(leads, 10'000ms));
                    const auto first = *c.term;
                    const auto session = ha.backend().client().session_id();
                    const auto& machine = ha.backend().election().latch().machine();
                    const auto listed = machine.listings();
                    proxy.drop_all();  // suspended at once, reconnected at once: same session
                    auto reconnected = [&] {
                        return proxy.connections_accepted() >= 2 &&
                               ha.backend().client().state() == zk::connection_state::connected;
                    };
                    REQUIRE(co_await eventually(reconnected, 10'000ms));
                    CHECK(ha.backend().client().session_id() == session);
                    if (!tolerate)
                    {
                        // Revoked on suspension, re-granted after the reconnect with a new session id.
                        auto regranted = [&] {
                            return c.terms.size() == 2 && c.term.has_value();
                        };
                        CHECK(co_await eventually(regranted, 10'000ms));
                        CHECK(c.terms.back() != first);
                        CHECK_FALSE(ha.backend().holds_term(first));
                    }
                    else
                    {
                        // The term survives the latch's re-check of the children after the
                        // reconnect (waited for: the check below means nothing before it).
                        auto rechecked = [&] {
                            return machine.listings() > listed && !machine.awaiting_answer();
                        };
                        CHECK(co_await eventually(rechecked, 10'000ms));
                        CHECK(c.terms.size() == 1);
                        CHECK(c.term == first);
                        CHECK(ha.backend().holds_term(first));
                    }
                    CHECK(co_await published(raw, ns + "/leader/dispatcher/connection_info") == info_of(c));
                    CHECK(co_await ha.async_close());
                    auto done = [&] {
                        return c.done;
                    };
                    CHECK(co_await eventually(done, 10'000ms));
                    co_await remove_tree(raw, ns);
                    CHECK(co_await raw.async_close());
                }(),
                60s
            );
        }
    }

    TEST_CASE(
        "retrievers: no leader while suspended and the same leader again after the reconnect; tolerated: "
        "quiet"
    )
    {
        const auto cluster = zk_cluster::from_env();
        for (const bool tolerate : {false, true})
        {
            CAPTURE(tolerate);
            asio::io_context ioc;
            const auto ns = hakit_test::unique_path("/hakit-ha");
            hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
            hakit::zookeeper_ha_services leader(ioc.get_executor(), settings(cluster.connect_string(), ns));
            hakit::zookeeper_ha_services follower(
                ioc.get_executor(), settings(proxy.address(), ns, 4000ms, tolerate)
            );
            zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(raw);
                    auto election = leader.dispatcher_election();
                    REQUIRE(election);
                    auto term = co_await election.value().async_campaign();
                    REQUIRE(term);
                    REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm/dispatcher"));
                    const auto info = leader_information::known(term.value(), "akka://jm/dispatcher");
                    auto retriever = follower.dispatcher_retriever();
                    REQUIRE(retriever);
                    auto first = co_await within(retriever.value().async_next(), 10'000ms);
                    REQUIRE(first);
                    REQUIRE(*first);
                    CHECK(first->value() == info);
                    proxy.drop_all();
                    if (!tolerate)
                    {
                        auto gone = co_await within(retriever.value().async_next(), 10'000ms);
                        REQUIRE(gone);
                        REQUIRE(*gone);
                        CHECK(gone->value().is_empty());
                        auto back = co_await within(retriever.value().async_next(), 10'000ms);
                        REQUIRE(back);
                        REQUIRE(*back);
                        CHECK(back->value() == info);
                    }
                    else
                    {
                        auto reconnected = [&] {
                            return proxy.connections_accepted() >= 2 &&
                                   follower.backend().client().state() == zk::connection_state::connected &&
                                   follower.backend().client().in_flight() == 0;
                        };
                        REQUIRE(co_await eventually(reconnected, 10'000ms));
                        auto nothing = co_await within(retriever.value().async_next(), 300ms);
                        CHECK_FALSE(nothing.has_value());
                        CHECK(retriever.value().current() == info);
                    }
                    // A leader written during an outage is announced afterwards
                    // (testNewLeaderAfterReconnect...).
                    proxy.pause();
                    REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm/moved"));
                    proxy.resume();
                    CHECK(co_await retriever_sees(
                        &retriever.value(),
                        leader_information::known(term.value(), "akka://jm/moved"),
                        10'000ms
                    ));
                    CHECK(co_await leader.async_close());
                    CHECK(co_await follower.async_close());
                    co_await remove_tree(raw, ns);
                    CHECK(co_await raw.async_close());
                }(),
                60s
            );
        }
    }

    TEST_CASE("local deadline: a partitioned leader steps down before the server can expire its session")
    {
        const auto cluster = zk_cluster::from_env();
        for (const bool tolerate : {true, false})
        {
            CAPTURE(tolerate);
            asio::io_context ioc;
            const auto ns = hakit_test::unique_path("/hakit-ha");
            // T = 2 s: the client suspends after 2T/3 ≈ 1333 ms of silence; with a 300 ms margin the
            // deadline is at 1700 ms, so the two are told apart.
            constexpr auto t = 2000ms;
            constexpr auto margin = 300ms;
            hakit_test::tcp_proxy proxy(ioc.get_executor(), cluster.member_endpoint(0));
            hakit::zookeeper_ha_services a(
                ioc.get_executor(), settings(proxy.address(), ns, t, tolerate, margin)
            );
            hakit::zookeeper_ha_services b(
                ioc.get_executor(), settings(cluster.connect_string(), ns, t, tolerate)
            );
            zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
            std::vector<interval> log;
            contender ca{"a", "akka://a/dispatcher", &log};
            contender cb{"b", "akka://b/dispatcher", &log};
            run_coro(
                ioc,
                [&]() -> asio::awaitable<void> {
                    co_await connect_or_fail(raw);
                    asio::co_spawn(ioc, contend(&a, &ca), asio::detached);
                    auto a_leads = [&] {
                        return ca.term.has_value();
                    };
                    REQUIRE(co_await eventually(a_leads, 10'000ms));
                    asio::co_spawn(ioc, contend(&b, &cb), asio::detached);
                    auto b_waits = [&] {
                        return b.backend().election().latch().node_path().has_value();
                    };
                    REQUIRE(co_await eventually(b_waits, 10'000ms));
                    const auto a_term = *ca.term;
                    const auto heard = a.backend().client().last_heard();
                    proxy.pause();
                    auto a_revoked = [&] {
                        return !ca.term.has_value();
                    };
                    REQUIRE(co_await eventually(a_revoked, 10'000ms));
                    const auto stepped_down = clock_type::now();
                    CHECK_FALSE(a.backend().holds_term(a_term));
                    const auto after = stepped_down - heard;
                    MESSAGE("stepped down " << millis(after) << " ms after the last contact (T = 2000 ms)");
                    CHECK(after < t);
                    if (tolerate)
                        CHECK(after >= t - margin - 20ms);  // the deadline, not the suspension
                    else
                        CHECK(after < t - margin);  // the suspension
                    auto b_leads = [&] {
                        return cb.term.has_value();
                    };
                    REQUIRE(co_await eventually(b_leads, 20'000ms));
                    const auto b_began = log.back().begin;
                    MESSAGE("b confirmed " << millis(b_began - heard) << " ms after a's last contact");
                    CHECK(b_began > stepped_down);
                    CHECK(b_began - heard >= t - 100ms);  // the server expired a's session first
                    check_no_overlap(log);
                    proxy.resume();
                    CHECK(co_await a.async_close());
                    CHECK(co_await b.async_close());
                    auto both_done = [&] {
                        return ca.done && cb.done;
                    };
                    CHECK(co_await eventually(both_done, 10'000ms));
                    co_await remove_tree(raw, ns);
                    CHECK(co_await raw.async_close());
                }(),
                60s
            );
        }
    }

    TEST_CASE("never two confirmed leaders: partitions, drops and closes among three contenders")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        constexpr std::size_t n = 3;
        constexpr auto t = 1600ms;
        std::vector<std::unique_ptr<hakit_test::tcp_proxy>> proxies;
        std::vector<std::unique_ptr<hakit::zookeeper_ha_services>> processes;
        std::vector<contender> contenders(n);
        std::vector<interval> log;
        for (std::size_t i = 0; i < n; ++i)
        {
            proxies.push_back(
                std::make_unique<hakit_test::tcp_proxy>(ioc.get_executor(), cluster.member_endpoint(0))
            );
            // Tolerant contenders keep leading through suspensions: only the local deadline fences them.
            processes.push_back(std::make_unique<hakit::zookeeper_ha_services>(
                ioc.get_executor(), settings(proxies[i]->address(), ns, t, i != 0)
            ));
            contenders[i].name = "jm-" + std::to_string(i);
            contenders[i].address = "akka://jm-" + std::to_string(i) + "/dispatcher";
            contenders[i].log = &log;
        }
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                for (std::size_t i = 0; i < n; ++i)
                    asio::co_spawn(ioc, contend(processes[i].get(), &contenders[i]), asio::detached);
                for (int round = 0; round < 6; ++round)
                {
                    std::optional<std::size_t> leader;
                    auto one_leader = [&] {
                        for (std::size_t i = 0; i < n; ++i)
                            if (contenders[i].term)
                                leader = i;
                        return leader.has_value();
                    };
                    REQUIRE(co_await eventually(one_leader, 20'000ms));
                    const auto terms_before = log.size();
                    auto& proxy = *proxies[*leader];
                    if (round % 2 == 0)
                    {
                        // A partition: the leader steps down on its own, its session expires, and
                        // another contender takes over.
                        proxy.pause();
                        auto next_term = [&] {
                            return log.size() > terms_before &&
                                   log.back().end == clock_type::time_point::max();
                        };
                        CHECK(co_await eventually(next_term, 20'000ms));
                        proxy.resume();
                    }
                    else
                    {
                        // A reset connection: the session survives; the default-policy contender
                        // starts a new term, a tolerant one keeps its term.
                        const auto accepted = proxy.connections_accepted();
                        proxy.drop_all();
                        auto recovered = [&] {
                            return proxy.connections_accepted() > accepted &&
                                   std::any_of(contenders.begin(), contenders.end(), [](const contender& c) {
                                       return c.term.has_value();
                                   });
                        };
                        CHECK(co_await eventually(recovered, 20'000ms));
                    }
                }
                for (auto& p : processes)
                    CHECK(co_await p->async_close());
                auto all_done = [&] {
                    return std::all_of(contenders.begin(), contenders.end(), [](const contender& c) {
                        return c.done;
                    });
                };
                CHECK(co_await eventually(all_done, 10'000ms));
                MESSAGE(log.size() << " confirmed terms");
                CHECK(log.size() >= 4);  // the first term, and one per partition
                check_no_overlap(log);
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            180s
        );
    }

    TEST_CASE("retrievers: unreadable data is an error and no leader; stop removes the server's watches")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto ns = hakit_test::unique_path("/hakit-ha");
        hakit::zookeeper_ha_services ha(ioc.get_executor(), settings(cluster.connect_string(), ns));
        zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(raw);
                const auto path = ns + "/leader/dispatcher/connection_info";
                auto r1 = ha.dispatcher_retriever();
                auto r2 = ha.dispatcher_retriever();
                REQUIRE(r1);
                REQUIRE(r2);
                REQUIRE(co_await raw.async_create(ns, zk::bytes{}));
                REQUIRE(co_await raw.async_create(ns + "/leader", zk::bytes{}));
                REQUIRE(co_await raw.async_create(ns + "/leader/dispatcher", zk::bytes{}));
                zk::bytes garbage{0xAC, 0xED, 0x00, 0x05, 0x77};
                REQUIRE(co_await raw.async_create(path, garbage));
                auto bad = co_await within(r1.value().async_next(), 10'000ms);
                REQUIRE(bad);
                REQUIRE_FALSE(*bad);
                CHECK(bad->error() == hakit::errc::corrupted_data);
                CHECK(r1.value().current().is_empty());

                // Empty data is "no leader"; then a valid leader.
                REQUIRE(co_await raw.async_set_data(path, zk::bytes{}));
                const auto info = leader_information::known(session_id::random(), "akka://x/dispatcher");
                REQUIRE(
                    co_await raw.async_set_data(path, hakit::zookeeper::encode_connection_info(info).value())
                );
                CHECK(co_await retriever_sees(&r1.value(), info, 10'000ms));
                CHECK(co_await retriever_sees(&r2.value(), info, 10'000ms));

                // Stopping one of two retrievers of the path keeps the other informed.
                r1.value().stop();
                const auto info2 = leader_information::known(session_id::random(), "akka://y/dispatcher");
                REQUIRE(
                    co_await raw.async_set_data(path, hakit::zookeeper::encode_connection_info(info2).value())
                );
                CHECK(co_await retriever_sees(&r2.value(), info2, 10'000ms));

                // Stopping the last one removes the server's watches of this session on the path:
                // a removeWatches of our own afterwards finds none.
                r2.value().stop();
                auto& client = ha.backend().client();
                // stop() spawns the removal and co_spawn runs it up to its first wait, so it is
                // queued before this exists; the server answers one session in order.
                CHECK(co_await client.async_exists(path));
                auto none = co_await client.async_remove_watches(path, zk::watcher_type::data);
                CHECK(none.error() == zk::error::no_watcher);

                CHECK(co_await ha.async_close());
                co_await remove_tree(raw, ns);
                CHECK(co_await raw.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("acl creator with a digest authorization: every node is the creator's, strangers cannot write")
    {
        const auto cluster = zk_cluster::from_env();
        asio::io_context ioc;
        const auto root = hakit_test::unique_path("/hakit-ha");
        hakit::ha_options options;
        options.mode = hakit::ha_mode::zookeeper;
        options.zookeeper.quorum = cluster.connect_string();
        options.zookeeper.root = root;
        options.zookeeper.session_timeout = 4000ms;
        options.zookeeper.acl = hakit::zookeeper_acl::creator;
        options.zookeeper.authorization["digest"] = "hakit:secret";
        const auto ns = root + "/default";
        hakit::zookeeper_ha_services ha(ioc.get_executor(), options);
        zk::client stranger(ioc.get_executor(), raw_options(cluster.connect_string()));
        auto owner_options = raw_options(cluster.connect_string());
        owner_options.auth.push_back(zk::digest_auth("hakit", "secret"));
        zk::client owner(ioc.get_executor(), owner_options);
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                co_await connect_or_fail(stranger);
                co_await connect_or_fail(owner);
                auto election = ha.dispatcher_election();
                REQUIRE(election);
                auto term = co_await election.value().async_campaign();
                REQUIRE_MESSAGE(term, term.error().message());
                REQUIRE(co_await election.value().async_confirm(term.value(), "akka://jm/dispatcher"));
                const std::vector<zk::acl> expected{zk::digest_acl("hakit", "secret")};
                const auto path = ns + "/leader/dispatcher/connection_info";
                for (const auto& node :
                     {ns + "/leader",
                      ns + "/leader/latch",
                      *ha.backend().election().latch().node_path(),
                      path})
                {
                    CAPTURE(node);
                    auto acl = co_await owner.async_get_acl(node);
                    REQUIRE(acl);
                    CHECK(acl.value().acl == expected);
                }
                zk::bytes data{'x'};
                CHECK((co_await stranger.async_set_data(path, data)).error() == zk::error::no_auth);
                CHECK((co_await stranger.async_get_acl(path)).error() == zk::error::no_auth);
                CHECK(co_await ha.async_close());
                co_await remove_tree(owner, root);
                CHECK_FALSE((co_await owner.async_exists(root)).value().exists());
                CHECK(co_await owner.async_close());
                CHECK(co_await stranger.async_close());
            }(),
            60s
        );
    }

    TEST_CASE("invalid options: elections and retrievers report invalid_config")
    {
        asio::io_context ioc;
        hakit::ha_options options;
        options.mode = hakit::ha_mode::zookeeper;  // no quorum
        hakit::zookeeper_ha_services ha(ioc.get_executor(), options);
        CHECK(ha.backend().config_error() == hakit::errc::invalid_config);
        CHECK(ha.backend().config_diagnostics().message().find("quorum") != std::string::npos);
        options.zookeeper.quorum = "127.0.0.1:1";
        options.zookeeper.acl = hakit::zookeeper_acl::creator;
        hakit::diagnostics diag;
        CHECK(hakit::zookeeper_settings::from(options, diag).error() == hakit::errc::invalid_config);
        CHECK(diag.message().find("acl") != std::string::npos);
        options.zookeeper.authorization["digest"] = "user:secret";
        auto ok = hakit::zookeeper_settings::from(options, diag);
        REQUIRE(ok);
        CHECK(ok.value().acl == zk::creator_all_acl());
        CHECK(ok.value().session.auth.size() == 1);
        run_coro(
            ioc,
            [&]() -> asio::awaitable<void> {
                auto election = ha.dispatcher_election();
                REQUIRE(election);
                auto term = co_await election.value().async_campaign();
                CHECK(term.error() == hakit::errc::invalid_config);
                auto retriever = ha.dispatcher_retriever();
                REQUIRE(retriever);
                auto next = co_await within(retriever.value().async_next(), 5'000ms);
                REQUIRE(next);
                CHECK(next->error() == hakit::errc::invalid_config);
                CHECK(co_await ha.async_close());
            }(),
            30s
        );
    }
}

TEST_SUITE("zookeeper_ha_live.ensemble")
{
    TEST_CASE("killing the member the leader is connected to: leadership survives or moves cleanly")
    {
        const auto cluster = zk_cluster::from_env();
        REQUIRE(cluster.is_ensemble());
        REQUIRE(cluster.wait_all_serving(60s));
        struct variant
        {
            bool tolerate;
            bool ensemble_leader;  // a is connected to the ensemble's leader (an election follows)
        };
        for (const auto& v : {variant{false, false}, variant{true, false}, variant{false, true}})
        {
            const bool tolerate = v.tolerate;
            const bool ensemble_leader = v.ensemble_leader;
            CAPTURE(tolerate);
            CAPTURE(ensemble_leader);
            REQUIRE(cluster.wait_all_serving(60s));
            asio::io_context ioc;
            const auto ns = hakit_test::unique_path("/hakit-ha");
            auto a_settings = settings(cluster.connect_string(), ns, 6000ms, tolerate);
            if (ensemble_leader)
            {
                const auto zk_leader = cluster.leader();
                REQUIRE(zk_leader);
                a_settings.session.shuffle_seed = seed_trying_first(
                    cluster.connect_string(),
                    zk::host_port{"127.0.0.1", cluster.member_endpoint(*zk_leader).port()}
                );
            }
            hakit::zookeeper_ha_services a(ioc.get_executor(), a_settings);
            hakit::zookeeper_ha_services b(
                ioc.get_executor(), settings(cluster.connect_string(), ns, 6000ms, tolerate)
            );
            hakit::zookeeper_ha_services observer(ioc.get_executor(), settings(cluster.connect_string(), ns));
            zk::client raw(ioc.get_executor(), raw_options(cluster.connect_string()));
            std::vector<interval> log;
            contender ca{"a", "akka://a/dispatcher", &log};
            contender cb{"b", "akka://b/dispatcher", &log};
            std::optional<std::size_t> killed;
            try
            {
                run_coro(
                    ioc,
                    [&]() -> asio::awaitable<void> {
                        co_await connect_or_fail(raw);
                        auto retriever = observer.dispatcher_retriever();
                        REQUIRE(retriever);
                        asio::co_spawn(ioc, contend(&a, &ca), asio::detached);
                        auto a_leads = [&] {
                            return ca.term.has_value();
                        };
                        REQUIRE(co_await eventually(a_leads, 20'000ms));
                        asio::co_spawn(ioc, contend(&b, &cb), asio::detached);
                        auto b_waits = [&] {
                            return b.backend().election().latch().node_path().has_value();
                        };
                        REQUIRE(co_await eventually(b_waits, 20'000ms));
                        const auto first = *ca.term;
                        const auto session = a.backend().client().session_id();
                        const auto port = a.backend().client().current_host().port;
                        for (std::size_t i = 0; i < cluster.member_count(); ++i)
                            if (cluster.member_endpoint(i).port() == port)
                                killed = i;
                        REQUIRE(killed);
                        MESSAGE("killing member " << *killed + 1 << " (" << cluster.mode(*killed) << ")");
                        const auto killed_at = clock_type::now();
                        cluster.kill(*killed);
                        auto moved = [&] {
                            return a.backend().client().current_host().port != port &&
                                   a.backend().client().state() == zk::connection_state::connected;
                        };
                        REQUIRE(co_await eventually(moved, 30'000ms));
                        auto leading = [&] {
                            return ca.term.has_value() || cb.term.has_value();
                        };
                        REQUIRE(co_await eventually(leading, 30'000ms));
                        MESSAGE("a leader again after " << millis(clock_type::now() - killed_at) << " ms");
                        CHECK(a.backend().client().session_id() == session);
                        if (ca.term)
                        {
                            // Survived: the same term when tolerated (the reconnect beat the
                            // deadline), a new one after the revoke on suspension otherwise.
                            const std::string which = *ca.term == first ? "the same" : "a new";
                            MESSAGE("a still leads, " << which << " term");
                            if (!tolerate)
                                CHECK(*ca.term != first);
                        }
                        else
                            MESSAGE("leadership moved to b");
                        const auto leader = ca.term ? info_of(ca) : info_of(cb);
                        CHECK(co_await retriever_sees(&retriever.value(), leader, 20'000ms));
                        check_no_overlap(log);
                        CHECK(co_await a.async_close());
                        CHECK(co_await b.async_close());
                        CHECK(co_await observer.async_close());
                        auto both_done = [&] {
                            return ca.done && cb.done;
                        };
                        CHECK(co_await eventually(both_done, 20'000ms));
                        co_await remove_tree(raw, ns);
                        CHECK(co_await raw.async_close());
                    }(),
                    120s
                );
            }
            catch (...)
            {
                if (killed)
                    cluster.restart(*killed);
                throw;
            }
            if (killed)
                cluster.restart(*killed);
            CHECK(cluster.wait_all_serving(60s));
        }
    }
}
