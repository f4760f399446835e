// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
//
// `hakit`: the command-line tool of the ZooKeeper HA services (`hakit --help`, cli_args.hpp).
//
//   leader   reads `<namespace>/leader/<component>/connection_info` once;
//   watch    reads it with a ZooKeeper watch, prints it, and reads again whenever the watch fires;
//   contend  runs one election of zookeeper_ha_services (the process's leader latch);
//   status   reads the namespace: the leader nodes, the latch, `jobgraphs`, `jobs/<id>/checkpoints`
//            and `jobs/<id>/checkpoint_id_counter`, and the job result files of the storage dir.
//
// leader and watch read the node themselves rather than through a leader_retriever: a retriever
// reports changes starting from "no leader" and so never says that there is no leader now, which
// is what the first line of both commands must say. status reads ZooKeeper directly too, as the
// stores of zookeeper_ha_services are kept in the process for now (it lists what Flink's and
// hakit's ZooKeeper stores write: names and counter values, not the state files).
//
// Every command first establishes a session on its own client (exit 1 if that fails within the
// connection timeout) and closes it at the end, so that a contender's ephemeral nodes go at once.
#include <hakit/backend/zookeeper.hpp>
#include <hakit/component_id.hpp>
#include <hakit/config.hpp>
#include <hakit/filesystem/job_result_json.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/stores/job_result.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>
#include <hakit/zookeeper/connection_info.hpp>
#include <hakit/zookeeper/job_graph_store.hpp>
#include <hakit/zookeeper/layout.hpp>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "cli_args.hpp"

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <variant>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace zk = hakit::zk;
using namespace asio::experimental::awaitable_operators;
using namespace std::chrono_literals;

constexpr int exit_ok = 0;
constexpr int exit_failure = 1;
constexpr int exit_usage = 2;
/// A command's result while it is still running.
constexpr int running = -1;

// ---- output --------------------------------------------------------------------------------------

/// Prints one line on stdout and flushes it.
void emit(std::string_view line)
{
    std::fwrite(line.data(), 1, line.size(), stdout);
    std::fputc('\n', stdout);
    std::fflush(stdout);
}

/// Prints "hakit: <message>" on stderr.
void complain(std::string_view message)
{
    std::fprintf(stderr, "hakit: %.*s\n", static_cast<int>(message.size()), message.data());
    std::fflush(stderr);
}

/// `<address> <session-uuid>`, or `no leader`.
std::string describe(const hakit::leader_information& info)
{
    if (!info.is_known())
        return "no leader";
    return info.address() + " " + info.session_id().to_string();
}

// ---- helpers -------------------------------------------------------------------------------------

/// What every command works with.
struct context
{
    const hakit_cli::arguments& args;
    const hakit::ha_options& options;
    const hakit::zookeeper_settings& settings;
    std::shared_ptr<zk::client> client;
    asio::signal_set& signals;
};

/// `op`, or nullopt if SIGINT or SIGTERM arrives first (`op` is then cancelled).
template <class T>
asio::awaitable<std::optional<T>> unless_signalled(asio::awaitable<T> op, asio::signal_set& signals)
{
    auto signalled = signals.async_wait(asio::as_tuple(asio::use_awaitable));
    auto outcome = co_await (std::move(op) || std::move(signalled));
    std::optional<T> out;
    if (outcome.index() == 0)
        out.emplace(std::move(std::get<0>(outcome)));
    co_return out;
}

/// `op`, or nullopt if it takes longer than `timeout` (it is then cancelled).
template <class T>
asio::awaitable<std::optional<T>> within(asio::awaitable<T> op, std::chrono::milliseconds timeout)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, timeout);
    auto expiry = timer.async_wait(asio::as_tuple(asio::use_awaitable));
    auto outcome = co_await (std::move(op) || std::move(expiry));
    std::optional<T> out;
    if (outcome.index() == 0)
        out.emplace(std::move(std::get<0>(outcome)));
    co_return out;
}

asio::awaitable<void> pause(std::chrono::milliseconds d)
{
    asio::steady_timer timer(co_await asio::this_coro::executor, d);
    auto [ec] = co_await timer.async_wait(asio::as_tuple(asio::use_awaitable));
    (void)ec;
}

/// Establishes the client's session: `running` once connected, else the exit status after saying
/// why (invalid connect string: exit_usage; no server, or a signal: exit_failure).
asio::awaitable<int> connect(context& cx)
{
    if (auto ec = cx.client->config_error())
    {
        complain(cx.client->config_diagnostics().message());
        co_return exit_usage;
    }
    auto connecting = cx.client->async_connect();
    auto connected = co_await unless_signalled(std::move(connecting), cx.signals);
    int code = running;
    if (!connected)
    {
        complain("interrupted while connecting to ZooKeeper");
        code = exit_failure;
    }
    else if (!*connected)
    {
        const auto ec = connected->error();
        if (ec == hakit::errc::invalid_config)
        {
            complain(cx.client->config_diagnostics().message());
            code = exit_usage;
        }
        else
        {
            complain(
                "cannot connect to ZooKeeper at " + cx.settings.session.connect_string + ": " + ec.message()
            );
            code = exit_failure;
        }
    }
    co_return code;
}

/// One reading of a component's leader node: the leader (empty if the node is absent or empty,
/// errc::corrupted_data if it does not decode, or the request's error) and, if asked for, the
/// watch that fires on its next change.
struct leader_reading
{
    hakit::result<hakit::leader_information> info;
    zk::watch watch;
};

/// Reads `path` (a connection_info node), setting a data watch (an exists watch while the node is
/// absent) if `watch`.
asio::awaitable<leader_reading> read_leader(zk::client& client, std::string path, bool watch)
{
    std::optional<leader_reading> out;
    while (!out)
    {
        auto data = co_await client.async_get_data(path, watch);
        if (data)
            out.emplace(leader_reading{
                hakit::zookeeper::decode_connection_info(data.value().data), data.value().watch});
        else if (data.error() != zk::error::no_node)
            out.emplace(leader_reading{data.error(), zk::watch()});
        else
        {
            auto present = co_await client.async_exists(path, watch);
            if (!present)
                out.emplace(leader_reading{present.error(), zk::watch()});
            else if (!present.value().exists())
                out.emplace(leader_reading{hakit::leader_information::empty(), present.value().watch});
            // else: created in between, read it
        }
    }
    co_return std::move(*out);
}

/// Gets a request through after a connection or session failure: a new session if the old one
/// expired, else a short pause (requests wait for the reconnection by themselves). `running` to
/// go on, or the exit status.
asio::awaitable<int> recover(context& cx, hakit::error_code ec)
{
    int code = running;
    const auto state = cx.client->state();
    if (ec != zk::error::connection_loss && ec != zk::error::session_expired &&
        ec != zk::error::operation_timeout && ec != zk::error::session_moved)
    {
        complain("ZooKeeper request failed: " + ec.message());
        code = exit_failure;
    }
    else if (state == zk::connection_state::expired || state == zk::connection_state::idle)
    {
        complain("ZooKeeper session " + std::string(zk::to_string(state)) + "; starting a new one");
        code = co_await connect(cx);
    }
    else
        co_await pause(100ms);
    co_return code;
}

// ---- leader --------------------------------------------------------------------------------------

asio::awaitable<int> run_leader(context& cx)
{
    const auto& component = *cx.args.component;
    auto path = cx.settings.layout.connection_info_path(component);
    int code = running;
    while (code == running)
    {
        auto reading = read_leader(*cx.client, path, false);
        auto read = co_await unless_signalled(std::move(reading), cx.signals);
        if (!read)
            code = exit_failure;
        else if (read->info)
        {
            emit(describe(read->info.value()));
            code = exit_ok;
        }
        else if (read->info.error() == hakit::errc::corrupted_data)
        {
            complain(path + ": not a leader's connection_info (corrupted data)");
            code = exit_failure;
        }
        else
            code = co_await recover(cx, read->info.error());
    }
    co_return code;
}

// ---- watch ---------------------------------------------------------------------------------------

asio::awaitable<int> run_watch(context& cx)
{
    const auto& component = *cx.args.component;
    const auto path = cx.settings.layout.connection_info_path(component);
    const std::uint64_t limit = cx.args.count.value_or(std::numeric_limits<std::uint64_t>::max());
    std::uint64_t printed = 0;
    std::optional<hakit::leader_information> last;
    int code = running;
    while (code == running)
    {
        auto reading = read_leader(*cx.client, path, true);
        auto read = co_await unless_signalled(std::move(reading), cx.signals);
        std::optional<hakit::leader_information> now;
        if (!read)
            code = exit_ok;
        else if (read->info)
            now = read->info.value();
        else if (read->info.error() == hakit::errc::corrupted_data)
        {
            complain(path + ": not a leader's connection_info (corrupted data)");
            now = hakit::leader_information::empty();
        }
        else
            code = co_await recover(cx, read->info.error());
        if (now && (!last || *last != *now))
        {
            emit(describe(*now));
            last = now;
            if (++printed >= limit)
                code = exit_ok;
        }
        if (code == running && now && read->watch)
        {
            // Fired (read again), or failed with the session (the next read recovers).
            auto firing = read->watch.async_wait();
            auto fired = co_await unless_signalled(std::move(firing), cx.signals);
            if (!fired)
                code = exit_ok;
        }
    }
    co_return code;
}

// ---- contend -------------------------------------------------------------------------------------

asio::awaitable<int> run_contend(context& cx)
{
    auto ex = co_await asio::this_coro::executor;
    hakit::zookeeper_ha_services ha(ex, cx.client, cx.settings);
    auto election = ha.election(*cx.args.component);
    if (!election)
    {
        complain("cannot join the election: " + election.error().message());
        auto closing = ha.async_close();
        (void)co_await std::move(closing);
        co_return exit_failure;
    }
    auto& e = election.value();
    bool leading = false;
    int code = running;
    while (code == running)
    {
        auto campaign = e.async_campaign();
        auto term = co_await unless_signalled(std::move(campaign), cx.signals);
        if (!term)
            code = exit_ok;
        else if (!*term)
        {
            complain("election failed: " + term->error().message());
            code = exit_failure;
        }
        else
        {
            const auto granted = term->value();
            auto confirmed = co_await e.async_confirm(granted, *cx.args.address);
            if (confirmed)
            {
                emit("granted " + granted.to_string());
                leading = true;
            }
            else if (confirmed.error() != hakit::errc::not_leader)
            {
                complain("cannot publish the address: " + confirmed.error().message());
                code = exit_failure;
            }
            if (code == running)
            {
                auto revoking = e.async_revoked(granted);
                auto revoked = co_await unless_signalled(std::move(revoking), cx.signals);
                if (!revoked)
                    code = exit_ok;
                else
                {
                    if (leading)
                        emit("revoked");
                    leading = false;
                    if (!*revoked)
                    {
                        complain("election failed: " + revoked->error().message());
                        code = exit_failure;
                    }
                }
            }
        }
    }
    // Resign: the leader node goes now and the latch node with the session (closed by run()), so
    // the next contender is elected at once instead of after the session timeout. Bounded (the
    // server may be gone), and a second SIGINT/SIGTERM cuts it short.
    const auto limit = std::min<std::chrono::milliseconds>(cx.settings.session.session_timeout, 10s);
    auto resigning = within(unless_signalled(e.async_resign(), cx.signals), limit);
    auto resigned = co_await std::move(resigning);
    if (!resigned || !*resigned || !**resigned)
        complain("resigning did not complete; the end of the session releases the leadership");
    if (leading)
        emit("revoked");
    e.close();
    auto closing = ha.async_close();
    (void)co_await std::move(closing);
    co_return code;
}

// ---- status --------------------------------------------------------------------------------------

/// The children of `path`, sorted; none if the node does not exist.
asio::awaitable<hakit::result<std::vector<std::string>>> children_of(zk::client& client, std::string path)
{
    auto listed = co_await client.async_get_children(std::move(path));
    hakit::result<std::vector<std::string>> out = std::vector<std::string>();
    if (listed)
    {
        out.value() = std::move(listed.value().children);
        std::sort(out.value().begin(), out.value().end());
    }
    else if (listed.error() != zk::error::no_node)
        out = listed.error();
    co_return out;
}

/// The job ids among `names` (others are skipped), in order.
std::vector<hakit::job_id> job_ids_of(const std::vector<std::string>& names)
{
    std::vector<hakit::job_id> out;
    for (const auto& name : names)
        if (auto id = hakit::job_id::parse(name))
            out.push_back(id.value());
    return out;
}

/// The job result files of the store at `dir`: `result <job id> <application status> dirty|clean`.
void print_job_results(const std::filesystem::path& dir)
{
    std::error_code ec;
    std::vector<std::filesystem::path> files;
    for (std::filesystem::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
        files.push_back(it->path());
    if (ec && ec != std::errc::no_such_file_or_directory)
        complain(dir.string() + ": " + ec.message());
    std::sort(files.begin(), files.end());
    std::vector<std::string> lines;
    for (const auto& file : files)
    {
        const std::string name = file.filename().string();
        constexpr std::string_view dirty_suffix = "_DIRTY.json";
        constexpr std::string_view clean_suffix = ".json";
        std::string_view id;
        std::string_view kind;
        if (name.size() == 32 + dirty_suffix.size() && name.ends_with(dirty_suffix))
        {
            id = std::string_view(name).substr(0, 32);
            kind = "dirty";
        }
        else if (name.size() == 32 + clean_suffix.size() && name.ends_with(clean_suffix))
        {
            id = std::string_view(name).substr(0, 32);
            kind = "clean";
        }
        if (kind.empty() || !hakit::job_id::parse(id))
            continue;
        std::ifstream in(file, std::ios::binary);
        std::ostringstream text;
        text << in.rdbuf();
        auto decoded = hakit::decode_job_result_entry(text.str());
        const std::string status =
            decoded ? std::string(hakit::to_string(decoded.value().status)) : "unreadable";
        lines.push_back("result " + std::string(id) + " " + status + " " + std::string(kind));
    }
    emit("results " + std::to_string(lines.size()) + " " + dir.string());
    for (const auto& line : lines)
        emit(line);
}

/// Prints the HA state; the first request that fails ends it.
asio::awaitable<hakit::error_code> print_status(context& cx)
{
    auto& client = *cx.client;
    const auto& layout = cx.settings.layout;
    const auto& ns = layout.namespace_path();
    emit("namespace " + ns);

    // Leaders: the three cluster components always, then every job's.
    auto leader_nodes = co_await children_of(client, layout.leader_path());
    if (!leader_nodes)
        co_return leader_nodes.error();
    std::vector<hakit::component_id> components;  // (no braced list in a coroutine: GCC 12)
    components.push_back(hakit::component_id::dispatcher());
    components.push_back(hakit::component_id::resource_manager());
    components.push_back(hakit::component_id::rest_server());
    for (const auto& name : leader_nodes.value())
        if (auto id = hakit::component_id::parse(name); id && id.value().job())
            components.push_back(id.value());
    for (const auto& component : components)
    {
        auto read = co_await read_leader(client, layout.connection_info_path(component), false);
        if (!read.info && read.info.error() != hakit::errc::corrupted_data)
            co_return read.info.error();
        emit(
            "leader " + component.str() + " " +
            (read.info ? describe(read.info.value()) : std::string("unreadable"))
        );
    }
    auto latch = co_await children_of(client, layout.latch_path());
    if (!latch)
        co_return latch.error();
    emit("contenders " + std::to_string(latch.value().size()));

    // Job graphs: `<path.jobgraphs>/<job id>` (where zookeeper_ha_services keeps them).
    auto graphs = co_await children_of(client, layout.job_graphs_path());
    if (!graphs)
        co_return graphs.error();
    const auto graph_ids = job_ids_of(graphs.value());
    emit("jobgraphs " + std::to_string(graph_ids.size()));
    for (const auto& id : graph_ids)
        emit("jobgraph " + id.to_string());

    // Per job: completed checkpoints and the checkpoint-id counter.
    auto jobs = co_await children_of(client, hakit::zookeeper::layout::child(ns, "jobs"));
    if (!jobs)
        co_return jobs.error();
    const auto job_ids = job_ids_of(jobs.value());
    emit("jobs " + std::to_string(job_ids.size()));
    for (const auto& id : job_ids)
    {
        auto checkpoints = co_await children_of(client, hakit::zookeeper::checkpoints_path(ns, id));
        if (!checkpoints)
            co_return checkpoints.error();
        std::vector<std::int64_t> numbers;
        for (const auto& name : checkpoints.value())
            if (auto n = hakit::zookeeper::parse_checkpoint_name(name))
                numbers.push_back(n.value());
        std::sort(numbers.begin(), numbers.end());
        std::string line = "checkpoints " + id.to_string();
        for (const auto n : numbers)
            line += " " + std::to_string(n);
        if (numbers.empty())
            line += " none";
        emit(line);
        auto counter = co_await client.async_get_data(hakit::zookeeper::checkpoint_id_counter_path(ns, id));
        if (counter)
        {
            auto value = hakit::zookeeper::decode_checkpoint_id_count(counter.value().data);
            emit(
                "counter " + id.to_string() + " " +
                (value ? std::to_string(value.value()) : std::string("unreadable"))
            );
        }
        else if (counter.error() != zk::error::no_node)
            co_return counter.error();
    }

    // Job results: Flink's file-system job result store, if it is on a local file system.
    const auto store = hakit::job_result_store_path(cx.options);
    std::optional<std::filesystem::path> local;
    if (store)
        local = hakit::local_storage_path(store->string());
    if (local)
        print_job_results(*local);
    else if (store)
        emit("results unavailable: " + store->string() + " is not on a local file system");
    else
        emit("results unavailable: no high-availability.storageDir (give --storage-dir or --config)");
    co_return hakit::error_code();
}

asio::awaitable<int> run_status(context& cx)
{
    auto printing = print_status(cx);
    auto printed = co_await unless_signalled(std::move(printing), cx.signals);
    int code = exit_ok;
    if (!printed)
        code = exit_failure;
    else if (*printed)
    {
        complain("ZooKeeper request failed: " + printed->message());
        code = exit_failure;
    }
    co_return code;
}

// ---- main ----------------------------------------------------------------------------------------

asio::awaitable<int> run(
    const hakit_cli::arguments& args,
    const hakit::ha_options& options,
    const hakit::zookeeper_settings& settings,
    asio::signal_set& signals
)
{
    auto ex = co_await asio::this_coro::executor;
    context cx{args, options, settings, std::make_shared<zk::client>(ex, settings.session), signals};
    int code = co_await connect(cx);
    if (code == running)
    {
        switch (args.cmd)
        {
            case hakit_cli::command::leader:
                code = co_await run_leader(cx);
                break;
            case hakit_cli::command::watch:
                code = co_await run_watch(cx);
                break;
            case hakit_cli::command::contend:
                code = co_await run_contend(cx);
                break;
            case hakit_cli::command::status:
                code = co_await run_status(cx);
                break;
            case hakit_cli::command::help:
                code = exit_ok;
                break;
        }
    }
    // closeSession: the server deletes our ephemeral nodes at once.
    auto closing = cx.client->async_close();
    (void)co_await std::move(closing);
    co_return code;
}

}  // namespace

int main(int argc, char** argv)
{
    hakit::diagnostics diag;
    auto args = hakit_cli::parse_arguments(argc, argv, diag);
    if (!args)
    {
        complain(diag.message());
        std::fprintf(
            stderr, "\n%.*s", static_cast<int>(hakit_cli::usage_text.size()), hakit_cli::usage_text.data()
        );
        return exit_usage;
    }
    if (args.value().cmd == hakit_cli::command::help)
    {
        std::fwrite(hakit_cli::usage_text.data(), 1, hakit_cli::usage_text.size(), stdout);
        std::fflush(stdout);
        return exit_ok;
    }
    auto options = hakit_cli::resolve_ha_options(args.value(), diag);
    if (!options)
    {
        complain(diag.message().empty() ? options.error().message() : diag.message());
        return exit_usage;
    }
    auto settings = hakit::zookeeper_settings::from(options.value(), diag);
    if (!settings)
    {
        complain(diag.message().empty() ? settings.error().message() : diag.message());
        return exit_usage;
    }

    int code = exit_failure;
    try
    {
        asio::io_context ioc;
        asio::signal_set signals(ioc, SIGINT, SIGTERM);
        asio::co_spawn(
            ioc,
            run(args.value(), options.value(), settings.value(), signals),
            [&code](std::exception_ptr error, int result) {
                code = result;
                if (error)
                {
                    code = exit_failure;
                    try
                    {
                        std::rethrow_exception(error);
                    }
                    catch (const std::exception& e)
                    {
                        complain(std::string("internal error: ") + e.what());
                    }
                }
            }
        );
        ioc.run();
    }
    catch (const std::exception& e)
    {
        complain(std::string("internal error: ") + e.what());
        code = exit_failure;
    }
    return code;
}
