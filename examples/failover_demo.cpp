// Failover demo on the in-memory backend: three contender processes and one client in one program.
// Leaders resign and are killed in turn; every election event and every leader change the client
// sees is printed on a timeline, and the program checks that two processes never lead at once.
#include <hakit/hakit.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>

#include <array>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <memory>
#include <optional>
#include <string>

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
using services = hakit::in_memory_ha_services;

namespace {

const auto start = std::chrono::steady_clock::now();

void log(const std::string& who, const std::string& what)
{
    const auto us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
    std::printf("%9.3f ms  %-8s %s\n", static_cast<double>(us.count()) / 1000.0, who.c_str(), what.c_str());
    std::fflush(stdout);
}

std::string short_id(hakit::session_id id)
{
    return id.to_string().substr(0, 8);
}

// One run of a simulated JobManager process, from start to kill.
struct incarnation
{
    std::unique_ptr<services> ha;
    std::optional<hakit::leader_election<hakit::in_memory_backend>> election;
    std::optional<hakit::session_id> term;  // set while it leads with a confirmed address
    bool killed = false;
};

struct process
{
    std::string name;
    std::shared_ptr<incarnation> current;
};

std::array<process, 3> processes{process{"jm-1", {}}, process{"jm-2", {}}, process{"jm-3", {}}};
int violations = 0;

void check_single_leader()
{
    int leaders = 0;
    for (auto& p : processes)
        if (auto& i = p.current; i && i->term && i->election->has_leadership(*i->term))
            ++leaders;
    if (leaders > 1)
    {
        ++violations;
        log("CHECK", "two leaders at once!");
    }
}

// A process's life: campaign, confirm its address, serve until the term ends, repeat. (Loops here
// have a condition and no co_return inside: GCC 12 miscompiles coroutines that co_return from the
// middle of a loop.)
asio::awaitable<void> run_process(std::string name, std::shared_ptr<incarnation> self)
{
    bool open = true;
    while (open && !self->killed)
    {
        auto granted = co_await self->election->async_campaign();
        open = granted.has_value();  // closed: the process was killed
        if (!open)
            break;
        const auto term = granted.value();
        log(name, "granted term " + short_id(term));
        const auto address = "pekko://flink@" + name + ":6123/user/rpc/dispatcher";
        const bool confirmed = (co_await self->election->async_confirm(term, address)).has_value();
        if (confirmed)  // otherwise it lost the term meanwhile and campaigns again
        {
            self->term = term;
            check_single_leader();
            log(name, "confirmed; serving");
            (void)co_await self->election->async_revoked(term);
            self->term.reset();
            if (!self->killed)
                log(name, "term " + short_id(term) + " ended");
        }
    }
}

void start_process(asio::io_context& ioc, hakit::in_memory_cluster& cluster, process& p)
{
    auto inc = std::make_shared<incarnation>();
    inc->ha = std::make_unique<services>(ioc.get_executor(), cluster, p.name);
    inc->election.emplace(inc->ha->dispatcher_election().value());
    p.current = inc;
    log(p.name, "started");
    asio::co_spawn(ioc, run_process(p.name, std::move(inc)), asio::detached);
}

// A crash: the process vanishes without resigning; its session (and so its latch entry and its
// published address) dies with it.
void kill_process(process& p)
{
    auto inc = std::move(p.current);
    inc->killed = true;
    inc->term.reset();
    inc->ha.reset();
    inc->election.reset();
}

process* current_leader()
{
    for (auto& p : processes)
        if (p.current && p.current->term)
            return &p;
    return nullptr;
}

// The client follows the dispatcher; the director drives the failovers once the client has seen
// each new leader.
asio::awaitable<void> direct(asio::io_context& ioc, hakit::in_memory_cluster& cluster)
{
    services client(ioc.get_executor(), cluster, "client");
    auto retriever = client.dispatcher_retriever().value();
    std::string last_address;
    auto wait_for_new_leader = [&]() -> asio::awaitable<void> {
        bool changed = false;
        while (!changed)
        {
            auto info = (co_await retriever.async_next()).value();
            log("client",
                info.is_known() ? "leader is " + info.address() + " (" + short_id(info.session_id()) + ")"
                                : "no leader");
            changed = info.is_known() && info.address() != last_address;
            if (changed)
                last_address = info.address();
        }
    };

    co_await wait_for_new_leader();
    for (int round = 1; round <= 6; ++round)
    {
        process* leader = current_leader();
        if (!leader)
            break;
        if (round % 2 == 1)
        {
            log("director", "round " + std::to_string(round) + ": " + leader->name + " resigns");
            // Its process loop campaigns again afterwards: it queues up at the back.
            (void)co_await leader->current->election->async_resign();
        }
        else
        {
            log("director", "round " + std::to_string(round) + ": " + leader->name + " is killed");
            kill_process(*leader);
        }
        co_await wait_for_new_leader();
        for (auto& p : processes)
            if (!p.current)
                start_process(ioc, cluster, p);  // the killed process restarts and queues up again
    }
    log("director", "done");
    for (auto& p : processes)
    {
        auto inc = std::move(p.current);
        inc->killed = true;
        (void)co_await inc->ha->async_close();
    }
    (void)co_await client.async_close();
}

}  // namespace

int main()
{
    asio::io_context ioc;
    hakit::in_memory_cluster cluster;
    std::puts("hakit failover demo: 3 contenders, 1 client, in-memory backend\n");
    for (auto& p : processes)
        start_process(ioc, cluster, p);
    asio::co_spawn(ioc, direct(ioc, cluster), asio::detached);
    ioc.run();
    std::printf("\n%s: %d overlapping leaders\n", violations == 0 ? "OK" : "FAILED", violations);
    return violations == 0 ? 0 : 1;
}
