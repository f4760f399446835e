// In-memory backend benchmarks. Every figure is also given in units of two baselines measured in the
// same process, so that results compare across machines:
// - `post_round_trips`: time per operation / one asio::post of a plain handler and its run;
// - `coro_post_round_trips`: time per operation / one coroutine post round trip
//   (`co_await asio::post(ex, use_awaitable)`: suspend, post, resume), the smallest asynchronous hop
//   a coroutine API can make.
// `handoff_floor` is the handoff without the library (its parties' coroutines waking each other),
// `handoff_api_floor` the same in the shape of hakit's API (a call of an awaitable function per
// step), and `handlers` the handlers run per operation: together they show what of a handoff is
// hakit's own.
#include <hakit/hakit.hpp>

#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace asio = boost::asio;
using clock_type = std::chrono::steady_clock;

namespace {

// Nanoseconds per asio::post round trip: the best of several batches (least disturbed by noise).
// Measured again next to every reported figure, so that both see the same machine load.
double post_round_trip_ns()
{
    const double ns = [] {
        asio::io_context ioc;
        auto guard = asio::make_work_guard(ioc);
        std::uint64_t n = 0;
        double best = 1e18;
        for (int batch = 0; batch < 5; ++batch)
        {
            constexpr int count = 50000;
            const auto t0 = clock_type::now();
            for (int i = 0; i < count; ++i)
            {
                asio::post(ioc, [&n] { ++n; });
                ioc.run_one();
            }
            const double per =
                std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / count;
            best = std::min(best, per);
        }
        benchmark::DoNotOptimize(n);
        return best;
    }();
    return ns;
}

// Nanoseconds per coroutine post round trip, best of several batches, measured like the above.
double coroutine_post_round_trip_ns()
{
    const double ns = [] {
        asio::io_context ioc;
        double best = 1e18;
        for (int batch = 0; batch < 5; ++batch)
        {
            constexpr int count = 20000;
            auto hops = [](int n) -> asio::awaitable<void> {
                auto ex = co_await asio::this_coro::executor;
                for (int i = 0; i < n; ++i)
                    co_await asio::post(ex, asio::use_awaitable);
            };
            asio::co_spawn(ioc, hops(1), asio::detached);  // warm the frame allocator
            ioc.run();
            ioc.restart();
            const auto t0 = clock_type::now();
            asio::co_spawn(ioc, hops(count), asio::detached);
            ioc.run();
            ioc.restart();
            best = std::min(
                best, std::chrono::duration<double, std::nano>(clock_type::now() - t0).count() / count
            );
        }
        return best;
    }();
    return ns;
}

void report(benchmark::State& state, double total_ns, std::int64_t operations)
{
    const double per = total_ns / static_cast<double>(operations);
    state.counters["ns_per_op"] = per;
    state.counters["post_round_trips"] = per / post_round_trip_ns();
    state.counters["coro_post_round_trips"] = per / coroutine_post_round_trip_ns();
}

// The baseline itself, so that it is printed in the same table.
void post_round_trip(benchmark::State& state)
{
    asio::io_context ioc;
    auto guard = asio::make_work_guard(ioc);
    std::uint64_t n = 0;
    const auto t0 = clock_type::now();
    for (auto _ : state)
    {
        asio::post(ioc, [&n] { ++n; });
        ioc.run_one();
    }
    report(
        state, std::chrono::duration<double, std::nano>(clock_type::now() - t0).count(), state.iterations()
    );
}
BENCHMARK(post_round_trip);

// Runs one handler of `ioc` per benchmark iteration and returns the nanoseconds that took; then
// sets `stop` and lets the scenario's coroutines finish.
double run_one_per_iteration(benchmark::State& state, asio::io_context& ioc, bool& stop)
{
    const auto t0 = clock_type::now();
    for (auto _ : state)
        ioc.run_one();
    const double total = std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
    stop = true;
    ioc.run();
    return total;
}

// The coroutine baseline, printed in the same table.
void coroutine_post_round_trip(benchmark::State& state)
{
    asio::io_context ioc;
    std::int64_t hops = 0;
    bool stop = false;
    auto loop = [&]() -> asio::awaitable<void> {
        auto ex = co_await asio::this_coro::executor;
        while (!stop)
        {
            co_await asio::post(ex, asio::use_awaitable);
            ++hops;
        }
    };
    asio::co_spawn(ioc, loop(), asio::detached);
    const double total = run_one_per_iteration(state, ioc, stop);
    report(state, total, state.iterations());
}
BENCHMARK(coroutine_post_round_trip);

// One call of an awaitable function that completes at once (`co_await f()` with `f` returning
// asio::awaitable<unsigned>): the frame, the call and the return (plus 1/1024 of a post). Every
// asynchronous call of a coroutine API pays this at least once. (Google Benchmark's Time column
// is per batch of 1024 calls; ns_per_op is per call.)
void awaitable_call(benchmark::State& state)
{
    asio::io_context ioc;
    auto callee = [](unsigned x) -> asio::awaitable<unsigned> {
        co_return x + 1;  // unsigned: wraps, never overflows
    };
    std::int64_t calls = 0;
    bool stop = false;
    unsigned sum = 0;
    auto caller = [&]() -> asio::awaitable<void> {
        while (!stop)
        {
            sum += co_await callee(sum);
            ++calls;
            if (calls % 1024 == 0)
                co_await asio::post(ioc, asio::use_awaitable);  // back to run_one_per_iteration
        }
    };
    asio::co_spawn(ioc, caller(), asio::detached);
    const double total = run_one_per_iteration(state, ioc, stop);
    benchmark::DoNotOptimize(sum);
    report(state, total, calls);
}
BENCHMARK(awaitable_call);

// Runs handlers until `done()`; returns how many ran (the scenario's asynchronous hops).
std::uint64_t run_until(asio::io_context& ioc, const auto& done)
{
    std::uint64_t handlers = 0;
    while (!done())
    {
        if (ioc.run_one() == 0)
            throw std::runtime_error("benchmark scenario stalled");
        ++handlers;
    }
    return handlers;
}

// has_leadership(term) on a granted election: the synchronous fencing check.
void has_leadership(benchmark::State& state)
{
    asio::io_context ioc;
    hakit::in_memory_cluster cluster;
    hakit::in_memory_ha_services ha(ioc.get_executor(), cluster, "a");
    auto election = ha.dispatcher_election().value();
    std::optional<hakit::session_id> term;
    auto campaign = [&]() -> asio::awaitable<void> {
        term = (co_await election.async_campaign()).value();
    };
    asio::co_spawn(ioc, campaign(), asio::detached);
    run_until(ioc, [&] { return term.has_value(); });
    const auto t0 = clock_type::now();
    for (auto _ : state)
        benchmark::DoNotOptimize(election.has_leadership(*term));
    report(
        state, std::chrono::duration<double, std::nano>(clock_type::now() - t0).count(), state.iterations()
    );
}
BENCHMARK(has_leadership);

// Records every leader change a retriever reports into `seen`. (Loops in this file have a condition
// and no co_return inside: GCC 12 miscompiles coroutines that co_return from the middle of a loop.)
asio::awaitable<void> follow(
    hakit::leader_retriever<hakit::in_memory_backend>& retriever, hakit::leader_information& seen
)
{
    bool open = true;
    while (open)
    {
        auto info = co_await retriever.async_next();
        open = info.has_value();
        if (open)
            seen = info.value();
    }
}

// A process that leads whenever it is granted: campaign, confirm, hold until revoked, repeat.
struct contender
{
    std::string address;
    std::optional<hakit::in_memory_ha_services> ha;
    std::optional<hakit::leader_election<hakit::in_memory_backend>> election;
    std::optional<hakit::session_id> term;

    // Signalled to make the leader resign from its own coroutine, as a real service would.
    std::optional<hakit::detail::wait_signal> resign_requested;
    // Held closed after a term ends, so that re-queueing happens outside the measured handoff. (Not
    // a timer: a pending timer makes every scheduler turn poll the reactor and would skew the figure.)
    std::optional<hakit::detail::wait_signal> gate;

    asio::awaitable<void> run()
    {
        bool open = true;
        while (open)
        {
            auto granted = co_await election->async_campaign();
            open = granted.has_value();
            if (open && co_await election->async_confirm(granted.value(), address))
            {
                term = granted.value();
                (void)co_await resign_requested->wait();
                term.reset();
                (void)co_await election->async_resign();
                (void)co_await gate->wait();
            }
        }
    }
};

// Graceful handoff: the leader resigns → the successor is granted → confirms → the retriever of a
// third process is notified of the successor's address. Two contenders alternate.
void handoff(benchmark::State& state)
{
    asio::io_context ioc;
    hakit::in_memory_cluster cluster;
    std::vector<contender> contenders(2);
    for (std::size_t i = 0; i < contenders.size(); ++i)
    {
        auto& c = contenders[i];
        c.address = "jm-" + std::to_string(i);
        c.ha.emplace(ioc.get_executor(), cluster, c.address);
        c.election.emplace(c.ha->dispatcher_election().value());
        c.gate.emplace(ioc.get_executor());
        c.resign_requested.emplace(ioc.get_executor());
        asio::co_spawn(ioc, c.run(), asio::detached);
    }
    hakit::in_memory_ha_services client(ioc.get_executor(), cluster, "client");
    auto retriever = client.dispatcher_retriever().value();
    hakit::leader_information seen;
    asio::co_spawn(ioc, follow(retriever, seen), asio::detached);
    run_until(ioc, [&] { return seen.is_known(); });

    double total_ns = 0;
    std::uint64_t handlers = 0;
    for (auto _ : state)
    {
        contender* leader = contenders[0].term ? &contenders[0] : &contenders[1];
        const auto previous = seen.session_id();
        const auto t0 = clock_type::now();
        leader->resign_requested->notify_all();
        handlers += run_until(ioc, [&] { return seen.is_known() && seen.session_id() != previous; });
        total_ns += std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
        // The resigned process queues up again (not part of the measured handoff).
        leader->gate->notify_all();
        run_until(ioc, [&] { return cluster.contenders().size() == 2; });
    }
    report(state, total_ns, state.iterations());
    state.counters["handlers"] = static_cast<double>(handlers) / static_cast<double>(state.iterations());
}
BENCHMARK(handoff);

// What both handoff floors share: their parties' signals and counters, and the measurement. Per
// iteration the leader is asked to resign once, and the retriever must see two changes ("no
// leader", then the successor).
struct floor_handoff
{
    asio::io_context ioc;
    hakit::detail::wait_signal resign{ioc.get_executor()}, grant{ioc.get_executor()},
        change{ioc.get_executor()};
    // Opened after each measured handoff, for a party that re-queues outside it (as `handoff` does).
    hakit::detail::wait_signal gate{ioc.get_executor()};
    std::uint64_t asked = 0, granted = 0, changes = 0, seen = 0;
    bool stop = false;

    // Runs the iterations (the parties' coroutines already spawned), reports, then ends the parties.
    void measure(benchmark::State& state)
    {
        ioc.poll();
        double total_ns = 0;
        std::uint64_t handlers = 0;
        for (auto _ : state)
        {
            const auto target = seen + 2;
            const auto t0 = clock_type::now();
            ++asked;
            resign.notify_all();
            handlers += run_until(ioc, [&] { return seen == target; });
            total_ns += std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
            gate.notify_all();
            ioc.poll();
        }
        report(state, total_ns, state.iterations());
        state.counters["handlers"] = static_cast<double>(handlers) / static_cast<double>(state.iterations());
        stop = true;
        resign.notify_all();
        grant.notify_all();
        change.notify_all();
        gate.notify_all();
        ioc.poll();
    }
};

// The least any coroutine API can do for a handoff, without hakit: coroutines wake each other
// through the wait_signal that hakit itself uses, as the handoff's parties must. The leader (asked
// to resign) tells the retriever "no leader" and grants the successor; the successor tells the
// retriever its address. The retriever is woken once per change (the leader posts its wake-up
// before the successor's), as in `handoff`. Four wake-ups; what is left of `handoff` above this is
// the library's own cost.
void handoff_floor(benchmark::State& state)
{
    using hakit::detail::wait_signal;
    floor_handoff f;
    struct output
    {
        std::uint64_t* counter;
        wait_signal* signal;
    };
    // Takes one unit of `from` per wake-up-and-check (the wait_signal contract: re-check after a
    // wake-up) and passes it on to every output.
    auto relay = [&f](
                     wait_signal& in, const std::uint64_t& from, std::vector<output> outputs
                 ) -> asio::awaitable<void> {
        std::uint64_t done = 0;
        while (!f.stop)
        {
            if (from == done)
                (void)co_await in.wait();
            else
            {
                ++done;
                for (const auto& out : outputs)
                {
                    ++*out.counter;
                    if (out.signal)
                        out.signal->notify_all();
                }
            }
        }
    };
    asio::co_spawn(
        f.ioc, relay(f.resign, f.asked, {{&f.changes, &f.change}, {&f.granted, &f.grant}}), asio::detached
    );
    asio::co_spawn(f.ioc, relay(f.grant, f.granted, {{&f.changes, &f.change}}), asio::detached);
    asio::co_spawn(f.ioc, relay(f.change, f.changes, {{&f.seen, nullptr}}), asio::detached);
    f.measure(state);
}
BENCHMARK(handoff_floor);

// `handoff_floor` in the shape of hakit's API, still without the library: every step a party takes
// through the API is a call of an awaitable function, as async_resign, async_campaign,
// async_confirm and async_next are. Waiting steps wait inside their call (a frame per call, as
// async_campaign and async_next); the others complete at once. The same four wake-ups; what this
// adds to `handoff_floor` is what any API made of awaitable functions pays, with no work inside the
// calls.
void handoff_api_floor(benchmark::State& state)
{
    using hakit::detail::wait_signal;
    floor_handoff f;
    // Waits until `from` has a unit not taken yet, takes it (async_campaign, async_next).
    auto take =
        [&f](wait_signal& in, const std::uint64_t& from, std::uint64_t& done) -> asio::awaitable<bool> {
        while (from == done && !f.stop)
            (void)co_await in.wait();
        const bool taken = !f.stop;
        if (taken)
            ++done;
        co_return taken;
    };
    // Completes at once (async_resign, async_confirm on an immediate backend).
    auto announce = [&f](std::uint64_t* also, wait_signal* also_signal) -> asio::awaitable<void> {
        ++f.changes;
        f.change.notify_all();
        if (also)
        {
            ++*also;
            also_signal->notify_all();
        }
        co_return;
    };
    // The leader is asked to resign by its own code (a bare wait, as in `handoff`), then resigns.
    auto leader = [&]() -> asio::awaitable<void> {
        std::uint64_t done = 0;
        while (!f.stop)
        {
            if (f.asked == done)
                (void)co_await f.resign.wait();
            else
            {
                ++done;
                co_await announce(&f.granted, &f.grant);  // "no leader", and the successor's grant
            }
        }
    };
    // Campaigns again only after the measured handoff, as `handoff`'s contenders do.
    auto successor = [&]() -> asio::awaitable<void> {
        std::uint64_t done = 0;
        while (co_await take(f.grant, f.granted, done))
        {
            co_await announce(nullptr, nullptr);  // the successor's confirm
            (void)co_await f.gate.wait();
        }
    };
    auto retriever = [&]() -> asio::awaitable<void> {
        std::uint64_t done = 0;
        while (co_await take(f.change, f.changes, done))
            ++f.seen;
    };
    asio::co_spawn(f.ioc, leader(), asio::detached);
    asio::co_spawn(f.ioc, successor(), asio::detached);
    asio::co_spawn(f.ioc, retriever(), asio::detached);
    f.measure(state);
}
BENCHMARK(handoff_api_floor);

// The leader confirms a new address → a retriever in another process sees it.
void confirm_to_notify(benchmark::State& state)
{
    asio::io_context ioc;
    hakit::in_memory_cluster cluster;
    hakit::in_memory_ha_services leader(ioc.get_executor(), cluster, "leader");
    hakit::in_memory_ha_services client(ioc.get_executor(), cluster, "client");
    auto election = leader.dispatcher_election().value();
    auto retriever = client.dispatcher_retriever().value();
    std::optional<hakit::session_id> term;
    hakit::leader_information seen;
    auto campaign = [&]() -> asio::awaitable<void> {
        term = (co_await election.async_campaign()).value();
    };
    asio::co_spawn(ioc, campaign(), asio::detached);
    asio::co_spawn(ioc, follow(retriever, seen), asio::detached);
    run_until(ioc, [&] { return term.has_value(); });

    auto confirm = [&](std::string address) -> asio::awaitable<void> {
        (void)co_await election.async_confirm(*term, std::move(address));
    };
    double total_ns = 0;
    std::uint64_t round = 0;
    for (auto _ : state)
    {
        const std::string address = (++round % 2 == 0) ? "a" : "b";
        const auto t0 = clock_type::now();
        asio::co_spawn(ioc, confirm(address), asio::detached);
        run_until(ioc, [&] { return seen.address() == address; });
        total_ns += std::chrono::duration<double, std::nano>(clock_type::now() - t0).count();
        ioc.poll();
    }
    report(state, total_ns, state.iterations());
}
BENCHMARK(confirm_to_notify);

}  // namespace

BENCHMARK_MAIN();
