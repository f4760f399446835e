// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// zk::client against a live ZooKeeper (the standalone server of tools/zookeeper/start.sh), next to
// two baselines measured in the same run on the same loopback:
//   tcp_echo        a 16-byte round trip to an in-process Asio echo server (the transport floor);
//   raw_get_data    getData over a plain blocking socket with the codec only (the server's own
//                   cost, without the client's machinery);
// then the client: get_data and set_data round trips (one at a time), and pipelined throughput
// (many requests in flight on the one connection).
//
//   hakit_zk_bench [--dir STATE_DIR | --connect host:port] [--iterations N] [--pipeline N]
//
// STATE_DIR defaults to $HAKIT_ZK_STATE_DIR (as for the live tests). Prints one line per
// measurement: median, p90, p99 and mean in microseconds, or operations per second.
#include <hakit/zk/client.hpp>
#include <hakit/zk/codec.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <fstream>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using clock_type = std::chrono::steady_clock;
using asio::ip::tcp;

struct settings
{
    std::string connect;
    int iterations = 5000;
    int pipeline = 20000;
};

/// median, p90, p99, mean of `samples_us` (sorted in place), printed on one line.
void report(std::string_view name, std::vector<double>& samples_us)
{
    std::sort(samples_us.begin(), samples_us.end());
    const auto at = [&](double q) {
        return samples_us[std::min(samples_us.size() - 1, static_cast<std::size_t>(q * samples_us.size()))];
    };
    double sum = 0;
    for (double s : samples_us)
        sum += s;
    std::printf(
        "%-28s n=%-6zu median %8.1f us   p90 %8.1f us   p99 %8.1f us   mean %8.1f us\n",
        std::string(name).c_str(),
        samples_us.size(),
        at(0.5),
        at(0.9),
        at(0.99),
        sum / static_cast<double>(samples_us.size())
    );
}

double us_since(clock_type::time_point t0)
{
    return std::chrono::duration<double, std::micro>(clock_type::now() - t0).count();
}

tcp::endpoint parse_endpoint(const std::string& connect)
{
    auto cs = zk::parse_connect_string(connect);
    if (!cs || cs.value().hosts.empty())
        throw std::runtime_error("bad connect string '" + connect + "'");
    const auto& h = cs.value().hosts.front();
    return {asio::ip::make_address(h.host), h.port};
}

// ---- baseline 1: loopback echo ------------------------------------------------------------------

std::vector<double> tcp_echo(int iterations)
{
    asio::io_context server_ctx;
    tcp::acceptor acceptor(server_ctx, tcp::endpoint(asio::ip::address_v4::loopback(), 0));
    auto echo = [](tcp::acceptor& a) -> asio::awaitable<void> {
        auto s = co_await a.async_accept(asio::use_awaitable);
        s.set_option(tcp::no_delay(true));
        std::array<char, 64> buf;
        for (;;)
        {
            const auto n = co_await s.async_read_some(asio::buffer(buf), asio::use_awaitable);
            co_await asio::async_write(s, asio::buffer(buf.data(), n), asio::use_awaitable);
        }
    };
    asio::co_spawn(server_ctx, echo(acceptor), asio::detached);
    std::thread server([&] {
        try
        {
            server_ctx.run();
        }
        catch (...)
        {}
    });

    asio::io_context client_ctx;
    tcp::socket s(client_ctx);
    s.connect(acceptor.local_endpoint());
    s.set_option(tcp::no_delay(true));
    std::array<char, 16> out{}, in{};
    std::vector<double> samples;
    for (int i = -100; i < iterations; ++i)
    {
        const auto t0 = clock_type::now();
        asio::write(s, asio::buffer(out));
        asio::read(s, asio::buffer(in));
        if (i >= 0)
            samples.push_back(us_since(t0));
    }
    s.close();
    server_ctx.stop();
    server.join();
    return samples;
}

// ---- baseline 2: getData over a blocking socket, codec only ----------------------------------------

std::vector<zk::bytes::value_type> read_frame(tcp::socket& s)
{
    std::array<std::uint8_t, 4> len{};
    asio::read(s, asio::buffer(len));
    const std::size_t n =
        (std::size_t{len[0]} << 24) | (std::size_t{len[1]} << 16) | (std::size_t{len[2]} << 8) | len[3];
    std::vector<std::uint8_t> payload(n);
    asio::read(s, asio::buffer(payload));
    return payload;
}

std::vector<double> raw_get_data(const tcp::endpoint& ep, const std::string& path, int iterations)
{
    asio::io_context ctx;
    tcp::socket s(ctx);
    s.connect(ep);
    s.set_option(tcp::no_delay(true));
    zk::connect_request hello;
    hello.timeout_ms = 30'000;
    asio::write(s, asio::buffer(zk::encode_frame(hello).value()));
    if (!zk::decode_connect_response(read_frame(s)))
        throw std::runtime_error("raw handshake failed");
    const zk::request_header create_header{1, zk::op_code::create};
    const zk::create_request create{
        path, zk::bytes(64, 'x'), zk::open_acl_unsafe(), zk::create_mode::persistent};
    asio::write(s, asio::buffer(zk::encode_frame(create_header, create).value()));
    (void)read_frame(s);  // created, or node_exists
    std::vector<double> samples;
    for (int i = -100; i < iterations; ++i)
    {
        const zk::request_header header{i + 1000, zk::op_code::get_data};
        const zk::get_data_request body{path, false};
        const auto frame = zk::encode_frame(header, body).value();
        const auto t0 = clock_type::now();
        asio::write(s, asio::buffer(frame));
        const auto reply = read_frame(s);
        if (i >= 0)
            samples.push_back(us_since(t0));
        auto msg = zk::decode_server_message(reply, zk::op_code::get_data);
        if (!msg || msg.value().header.err != 0)
            throw std::runtime_error("raw getData failed");
    }
    return samples;
}

// ---- the client ------------------------------------------------------------------------------

/// Runs `op` on `ioc` until it finishes (the client keeps the context busy, so run() would not
/// return); rethrows what it threw.
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

asio::awaitable<void> connect(zk::client* c)
{
    auto connected = co_await c->async_connect();
    if (!connected)
        throw std::runtime_error("connect: " + connected.error().message());
}

/// One get_data and one set_data round trip series.
asio::awaitable<void> series(
    zk::client* c, std::string path, int iterations, std::vector<double>* get, std::vector<double>* set
)
{
    for (int i = -100; i < iterations; ++i)
    {
        const auto t0 = clock_type::now();
        auto r = co_await c->async_get_data(path);
        if (i >= 0)
            get->push_back(us_since(t0));
        if (!r)
            throw std::runtime_error("get_data: " + r.error().message());
    }
    for (int i = -100; i < iterations; ++i)
    {
        const auto t0 = clock_type::now();
        auto r =
            co_await c->async_set_data(path, zk::bytes(64, static_cast<std::uint8_t>('a' + (i + 100) % 26)));
        if (i >= 0)
            set->push_back(us_since(t0));
        if (!r)
            throw std::runtime_error("set_data: " + r.error().message());
    }
}

/// `total` get_data requests issued by `workers` coroutines, i.e. that many in flight.
asio::awaitable<void> pipelined(zk::client* c, std::string path, int workers, int total)
{
    int remaining = total;
    int running = workers;
    // Never expires; the last worker cancels it (no polling during the measurement).
    asio::steady_timer finished(c->get_executor(), asio::steady_timer::time_point::max());
    auto worker = [](zk::client* cl, std::string p, int* left, int* alive, asio::steady_timer* done
                  ) -> asio::awaitable<void> {
        while (*left > 0)
        {
            --*left;
            auto r = co_await cl->async_get_data(p);
            if (!r)
                throw std::runtime_error("pipelined get_data: " + r.error().message());
        }
        if (--*alive == 0)
            done->cancel();
    };
    const auto t0 = clock_type::now();
    for (int w = 0; w < workers; ++w)
        asio::co_spawn(c->get_executor(), worker(c, path, &remaining, &running, &finished), asio::detached);
    while (running > 0)
        (void)co_await finished.async_wait(asio::as_tuple(asio::use_awaitable));
    const double seconds = std::chrono::duration<double>(clock_type::now() - t0).count();
    std::printf(
        "client get_data pipelined %5d in flight: %8.0f ops/s  (%d ops in %.3f s)\n",
        workers,
        total / seconds,
        total,
        seconds
    );
}

asio::awaitable<void> cleanup(zk::client* c, std::string path)
{
    (void)co_await c->async_remove(path);
    (void)co_await c->async_close();
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

}  // namespace

int main(int argc, char** argv)
{
    try
    {
        settings cfg;
        std::string dir = std::getenv("HAKIT_ZK_STATE_DIR") ? std::getenv("HAKIT_ZK_STATE_DIR") : "";
        for (int i = 1; i + 1 < argc; i += 2)
        {
            const std::string_view arg = argv[i];
            if (arg == "--dir")
                dir = argv[i + 1];
            else if (arg == "--connect")
                cfg.connect = argv[i + 1];
            else if (arg == "--iterations")
                cfg.iterations = std::stoi(argv[i + 1]);
            else if (arg == "--pipeline")
                cfg.pipeline = std::stoi(argv[i + 1]);
            else
                throw std::runtime_error("unknown argument " + std::string(arg));
        }
        if (cfg.connect.empty())
        {
            if (dir.empty())
                throw std::runtime_error("give --dir STATE_DIR, --connect host:port or HAKIT_ZK_STATE_DIR");
            cfg.connect = read_connect(dir);
        }
        const auto ep = parse_endpoint(cfg.connect);
        const std::string path =
            "/hakit-bench-" + std::to_string(std::chrono::system_clock::now().time_since_epoch().count());
        std::printf(
            "ZooKeeper at %s, %d iterations per round trip series\n", cfg.connect.c_str(), cfg.iterations
        );

        asio::io_context ioc;
        zk::session_options options;
        options.connect_string = cfg.connect;
        options.session_timeout = std::chrono::seconds(30);
        zk::client c(ioc.get_executor(), options);
        run(ioc, connect(&c));

        // Alternate the series so the server's JIT warm-up favours none; report the last round.
        constexpr int rounds = 3;
        for (int round = 0; round < rounds; ++round)
        {
            auto echo = tcp_echo(cfg.iterations);
            auto raw = raw_get_data(ep, path, cfg.iterations);
            std::vector<double> get, set;
            run(ioc, series(&c, path, cfg.iterations, &get, &set));
            if (round + 1 == rounds)
            {
                report("tcp_echo (16 bytes)", echo);
                report("raw getData (codec only)", raw);
                report("client get_data", get);
                report("client set_data", set);
            }
        }
        for (const int workers : {1, 16, 128, 1024})
            run(ioc, pipelined(&c, path, workers, cfg.pipeline));
        run(ioc, cleanup(&c, path));
        std::fflush(stdout);
        return 0;
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "hakit_zk_bench: %s\n", e.what());
        return 1;
    }
}
