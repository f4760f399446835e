// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live tests of zookeeper_ha_services' HA stores against a real ZooKeeper 3.8 (CTest fixture
// zk_standalone): job graphs, completed checkpoints and checkpoint ids in ZooKeeper, their state
// files, the blobs and the job results in the storage directory, all handed out by one
// zookeeper_ha_services. Flink's ZooKeeperHaServicesTest (flink-ha.md §6.9): close keeps every
// path, cleanup deletes them (and the blobs, after the znodes), empty parents go but an "uncle"
// stays, global cleanup removes one job; recovery of everything by a second process after the
// first closed; a job still locked by another process is not cleaned up until that process closed
// or its session was killed (tcp_proxy). Every test works below its own unique root and storage
// directory and removes both.
#include <hakit/zookeeper.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/eventually.hpp"
#include "common/run_coro.hpp"
#include "common/tcp_proxy.hpp"
#include "common/temp_dir.hpp"
#include "common/zk_servers.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
namespace zk = hakit::zk;
using namespace std::chrono_literals;
using hakit::errc;
using hakit::job_id;
using hakit::zookeeper_ha_services;
using hakit_test::eventually;
using hakit_test::run_coro;
using hakit_test::zk_cluster;
using clock_type = std::chrono::steady_clock;

const job_id job_a = job_id::from_parts(0xa, 0x1111);
const job_id job_b = job_id::from_parts(0xb, 0x2222);

/// Deletes `path` and everything below it (best effort: cleanup).
asio::awaitable<void> remove_tree(std::shared_ptr<zk::client> c, std::string path)
{
    auto kids = co_await c->async_get_children(path);
    if (kids)
        for (const auto& k : kids.value().children)
            co_await remove_tree(c, path + "/" + k);
    (void)co_await c->async_remove(path);
}

std::string read_file(const fs::path& file)
{
    std::ifstream in(file, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_file(const fs::path& file, std::string_view bytes)
{
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

/// The names of the regular files in `dir` whose names start with `prefix`, sorted.
std::vector<std::string> files_in(const fs::path& dir, std::string_view prefix = "")
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
    {
        auto name = e.path().filename().string();
        if (e.is_regular_file() && name.rfind(prefix, 0) == 0)
            names.push_back(std::move(name));
    }
    std::sort(names.begin(), names.end());
    return names;
}

hakit::job_graph make_graph(job_id id)
{
    return hakit::job_graph{id, "job " + id.to_string(), "graph-payload-" + id.to_string()};
}

hakit::completed_checkpoint make_checkpoint(job_id job, std::int64_t id)
{
    return hakit::completed_checkpoint{job, id, "metadata-" + std::to_string(id)};
}

hakit::job_result make_result(job_id id)
{
    hakit::job_result r;
    r.id = id;
    r.status = hakit::application_status::succeeded;
    r.net_runtime = 1234ms;
    r.accumulator_results["records"] = "42";
    return r;
}

std::vector<std::int64_t> ids_of(const std::vector<hakit::completed_checkpoint>& checkpoints)
{
    std::vector<std::int64_t> ids;
    for (const auto& c : checkpoints)
        ids.push_back(c.id);
    return ids;
}

using hakit_test::temp_dir;

/// One test's world: the server, an io_context, a unique ZooKeeper root, a storage directory
/// (`high-availability.storageDir`), a directory for local files, and an admin client to
/// inspect and clean up. The destructor removes the root.
struct ha_env
{
    zk_cluster cluster = zk_cluster::from_env();
    asio::io_context ioc;
    std::string root = hakit_test::unique_path("/hakit-hastores");
    temp_dir storage_dir;
    temp_dir local_dir;
    std::shared_ptr<zk::client> admin;

    ha_env()
    {
        REQUIRE(cluster.wait_all_serving(60s));
        zk::session_options o;
        o.connect_string = cluster.connect_string();
        o.session_timeout = 10'000ms;
        o.connection_timeout = 20s;
        admin = std::make_shared<zk::client>(ioc.get_executor(), o);
        auto connected = run(admin->async_connect());
        REQUIRE_MESSAGE(connected, connected.error().message());
    }
    ha_env(const ha_env&) = delete;
    ha_env& operator=(const ha_env&) = delete;

    ~ha_env()
    {
        try
        {
            run(remove_tree(admin, root), 30s);
            (void)run(admin->async_close(), 10s);
        }
        catch (...)
        {}
    }

    template <class T>
    T run(asio::awaitable<T> op, std::chrono::seconds deadline = 60s)
    {
        return run_coro(ioc, std::move(op), deadline);
    }
    void run(asio::awaitable<void> op, std::chrono::seconds deadline = 60s)
    {
        run_coro(ioc, std::move(op), deadline);
    }

    /// Flink's options for cluster `cluster_id` below `<root><sub_root>`, storing in storage_dir.
    hakit::ha_options options(
        std::string cluster_id = "/c1", std::string sub_root = "", std::string quorum = ""
    ) const
    {
        hakit::ha_options o;
        o.mode = hakit::ha_mode::zookeeper;
        o.zookeeper.quorum = quorum.empty() ? cluster.connect_string() : std::move(quorum);
        o.zookeeper.root = root + sub_root;
        o.zookeeper.session_timeout = 4000ms;
        o.zookeeper.connection_timeout = 20s;
        o.zookeeper.max_close_wait = 2000ms;
        o.cluster_id = std::move(cluster_id);
        o.storage_dir = storage_dir.path().string();
        return o;
    }

    /// `<storageDir>/<cluster>`: the cluster's state files and blobs.
    fs::path storage(std::string_view cluster = "c1") const { return storage_dir.path() / cluster; }
    /// `<storageDir>/job-result-store/<cluster>`.
    fs::path job_results(std::string_view cluster = "c1") const
    {
        return storage_dir.path() / "job-result-store" / cluster;
    }

    /// A local file holding `content`.
    fs::path local_file(const std::string& name, std::string_view content) const
    {
        const auto file = local_dir.path() / name;
        write_file(file, content);
        return file;
    }

    // ---- inspection through the admin client --------------------------------------------------

    std::optional<zk::stat> stat_of(const std::string& path)
    {
        auto e = run(admin->async_exists(path));
        REQUIRE(e);
        return e.value().stat;
    }

    bool exists(const std::string& path) { return stat_of(path).has_value(); }

    std::vector<std::string> children(const std::string& path)
    {
        auto kids = run(admin->async_get_children(path));
        if (!kids)
            return {};
        auto names = kids.value().children;
        std::sort(names.begin(), names.end());
        return names;
    }

    /// The state file an entry's node points at.
    fs::path file_of(const std::string& node)
    {
        auto data = run(admin->async_get_data(node));
        REQUIRE(data);
        auto handle = hakit::zookeeper::decode_state_handle(data.value().data);
        REQUIRE(handle);
        return handle.value().file;
    }

    /// Waits until `path` no longer exists (e.g. an ephemeral lock of a dead session).
    bool wait_gone(const std::string& path, std::chrono::milliseconds timeout)
    {
        auto client = admin;
        auto gone = [client, path]() -> asio::awaitable<bool> {
            auto e = co_await client->async_exists(path);
            co_return e && !e.value().exists();
        };
        return run(eventually(gone, timeout));
    }
};

/// Everything one job has in the stores of `ha`, written through them.
struct job_data
{
    hakit::job_graph graph;
    std::vector<hakit::completed_checkpoint> checkpoints;
    hakit::blob_key blob;
    std::string blob_content;
};

/// Writes a job graph, checkpoints 1..3 (2 retained), three checkpoint ids and a blob for `job`.
job_data write_job(ha_env& env, zookeeper_ha_services& ha, job_id job)
{
    job_data d;
    d.graph = make_graph(job);
    REQUIRE(env.run(ha.job_graph_store().value().async_put(d.graph)));
    auto checkpoints = ha.completed_checkpoint_store(job, 2).value();
    auto counter = ha.checkpoint_id_counter(job).value();
    for (std::int64_t i = 1; i <= 3; ++i)
    {
        auto id = env.run(counter.async_get_and_increment());
        REQUIRE_MESSAGE(id, id.error().message());
        CHECK(id.value() == i);
        REQUIRE(env.run(checkpoints.async_add(make_checkpoint(job, id.value()))));
    }
    d.checkpoints = {make_checkpoint(job, 2), make_checkpoint(job, 3)};
    d.blob_content = "jar of " + job.to_string();
    d.blob = hakit::blob_key::for_content(hakit::blob_type::permanent, d.blob_content);
    const auto file = env.local_file("upload-" + job.to_string(), d.blob_content);
    REQUIRE(env.run(ha.blob_store().value().async_put(file, job, d.blob)));
    return d;
}

}  // namespace

TEST_SUITE("zookeeper_ha_stores_live")
{
    TEST_CASE("the stores write to ZooKeeper and the storage directory in Flink's layout, with one lock id")
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        zookeeper_ha_services ha(env.ioc.get_executor(), env.options());
        auto& backend = ha.backend();
        CHECK_FALSE(backend.storage_error());
        CHECK_FALSE(backend.job_result_store_error());
        CHECK(backend.settings().storage_path == env.storage());
        CHECK(backend.settings().job_result_store_path == env.job_results());
        // Not connected yet: the first store operation waits for the session.
        CHECK(backend.client().state() != zk::connection_state::connected);
        const auto graph = make_graph(job_a);
        auto put = env.run(ha.job_graph_store().value().async_put(graph));
        REQUIRE_MESSAGE(put, put.error().message());

        // jobgraphs/<job>, locks/<lock id> (ephemeral, this session's), the file in <storageDir>/<cluster>.
        const auto node = ns + "/jobgraphs/" + job_a.to_string();
        REQUIRE(env.exists(node));
        CHECK(env.children(node + "/locks") == std::vector<std::string>{backend.lock_id()});
        const auto lock = env.stat_of(node + "/locks/" + backend.lock_id());
        REQUIRE(lock);
        CHECK(lock->ephemeral_owner == backend.client().session_id());
        const auto graph_file = env.file_of(node);
        CHECK(graph_file.parent_path() == env.storage());
        CHECK(graph_file.filename().string().rfind("submittedJobGraph", 0) == 0);
        CHECK(ha.job_graph_store().value().underlying().state_handles().lock_id() == backend.lock_id());

        // Checkpoints: jobs/<job>/checkpoints/<%019d>, two retained, same lock id.
        auto checkpoints = ha.completed_checkpoint_store(job_a, 2).value();
        CHECK(checkpoints.underlying().state_handles().lock_id() == backend.lock_id());
        for (std::int64_t i = 1; i <= 3; ++i)
            REQUIRE(env.run(checkpoints.async_add(make_checkpoint(job_a, i))));
        const auto checkpoints_node = ns + "/jobs/" + job_a.to_string() + "/checkpoints";
        CHECK(
            env.children(checkpoints_node) ==
            std::vector<std::string>{"0000000000000000002", "0000000000000000003"}
        );
        CHECK(
            env.children(checkpoints_node + "/0000000000000000003/locks") ==
            std::vector<std::string>{backend.lock_id()}
        );
        CHECK(files_in(env.storage(), "completedCheckpoint").size() == 2);
        CHECK(files_in(env.storage(), "submittedJobGraph").size() == 1);

        // The connection hands out the same checkpoint store instance for the job again.
        auto again = ha.completed_checkpoint_store(job_a, 2).value();
        REQUIRE(env.run(again.async_shutdown(hakit::job_status::suspended)));
        CHECK(env.run(checkpoints.async_all()).error() == errc::closed);  // the same instance
        CHECK(env.children(checkpoints_node + "/0000000000000000003/locks").empty());
        auto fresh = ha.completed_checkpoint_store(job_a, 2).value();  // a new one, recovered
        CHECK(ids_of(env.run(fresh.async_all()).value()) == std::vector<std::int64_t>{2, 3});
        auto wider = ha.completed_checkpoint_store(job_a, 5).value();
        CHECK(wider.max_retained() == 5);

        // Counter: jobs/<job>/checkpoint_id_counter, a 4-byte int.
        auto counter = ha.checkpoint_id_counter(job_a).value();
        CHECK(env.run(counter.async_get_and_increment()).value() == 1);
        CHECK(env.run(counter.async_get_and_increment()).value() == 2);
        auto count =
            env.run(env.admin->async_get_data(ns + "/jobs/" + job_a.to_string() + "/checkpoint_id_counter"));
        REQUIRE(count);
        CHECK(count.value().data == zk::bytes{0, 0, 0, 3});

        // Job result: <storageDir>/job-result-store/<cluster>/<job>_DIRTY.json.
        auto results = ha.job_result_store().value();
        REQUIRE(env.run(results.async_create_dirty(make_result(job_a))));
        CHECK(fs::exists(env.job_results() / (job_a.to_string() + "_DIRTY.json")));

        // Blobs: <storageDir>/<cluster>/blob/job_<job>/blob_<key> and blob/no_job/blob_<key>.
        const std::string content = "some jar";
        const auto key = hakit::blob_key::for_content(hakit::blob_type::permanent, content);
        auto blobs = ha.blob_store().value();
        REQUIRE(env.run(blobs.async_put(env.local_file("jar", content), job_a, key)));
        REQUIRE(env.run(blobs.async_put(env.local_file("jar", content), std::nullopt, key)));
        CHECK(
            read_file(env.storage() / "blob" / ("job_" + job_a.to_string()) / ("blob_" + key.to_string())) ==
            content
        );
        CHECK(read_file(env.storage() / "blob" / "no_job" / ("blob_" + key.to_string())) == content);

        // After close every store refuses.
        REQUIRE(env.run(ha.async_close()));
        CHECK(env.run(blobs.async_get(job_a, key, env.local_dir.path() / "x")).error() == errc::closed);
        CHECK(env.run(results.async_has_entry(job_a)).error() == errc::closed);
        CHECK(env.run(counter.async_get()).error() == errc::closed);
        CHECK(env.run(fresh.async_latest()).error() == errc::closed);
        CHECK(ha.job_graph_store().error() == errc::closed);
    }

    TEST_CASE("close keeps every path and file; a second process (another session) recovers everything")
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        job_data written;
        std::string first_lock;
        hakit::zookeeper_ha_services::job_graph_store_type first_graphs = [&] {
            zookeeper_ha_services first(env.ioc.get_executor(), env.options());
            first_lock = first.backend().lock_id();
            written = write_job(env, first, job_a);
            REQUIRE(env.run(first.job_result_store().value().async_create_dirty(make_result(job_a))));
            auto graphs = first.job_graph_store().value();
            REQUIRE(env.run(first.async_close()));
            return graphs;
        }();
        // Flink's close(): the ZooKeeper paths stay, only the ephemeral locks went with the session.
        const auto graph_node = ns + "/jobgraphs/" + job_a.to_string();
        const auto job_node = ns + "/jobs/" + job_a.to_string();
        CHECK(env.exists(graph_node));
        CHECK(env.children(graph_node + "/locks").empty());
        CHECK(env.children(job_node) == std::vector<std::string>{"checkpoint_id_counter", "checkpoints"});
        CHECK(env.children(job_node + "/checkpoints").size() == 2);
        CHECK(env.children(job_node + "/checkpoints/0000000000000000002/locks").empty());
        CHECK(fs::exists(env.file_of(graph_node)));
        CHECK(files_in(env.storage(), "completedCheckpoint").size() == 2);
        CHECK(fs::exists(env.job_results() / (job_a.to_string() + "_DIRTY.json")));
        CHECK(env.run(first_graphs.async_job_ids()).error() == errc::closed);

        zookeeper_ha_services second(env.ioc.get_executor(), env.options());
        CHECK(second.backend().lock_id() != first_lock);
        auto graphs = second.job_graph_store().value();
        CHECK(env.run(graphs.async_job_ids()).value() == std::vector<job_id>{job_a});
        auto recovered = env.run(graphs.async_recover(job_a));
        REQUIRE_MESSAGE(recovered, recovered.error().message());
        CHECK(recovered.value() == written.graph);
        CHECK(env.children(graph_node + "/locks") == std::vector<std::string>{second.backend().lock_id()});

        auto checkpoints = second.completed_checkpoint_store(job_a, 2).value();
        CHECK(env.run(checkpoints.async_all()).value() == written.checkpoints);
        CHECK(env.run(checkpoints.async_latest()).value() == written.checkpoints.back());
        auto counter = second.checkpoint_id_counter(job_a).value();
        CHECK(env.run(counter.async_get()).value() == 4);
        CHECK(env.run(counter.async_get_and_increment()).value() == 4);
        // The recovered store goes on: checkpoint 4 subsumes 2.
        auto subsumed = env.run(checkpoints.async_add(make_checkpoint(job_a, 4)));
        REQUIRE(subsumed);
        CHECK(ids_of(subsumed.value()) == std::vector<std::int64_t>{2});

        auto results = second.job_result_store().value();
        CHECK(env.run(results.async_has_dirty_entry(job_a)).value());
        auto dirty = env.run(results.async_dirty_results());
        REQUIRE(dirty);
        CHECK(dirty.value() == std::vector<hakit::job_result>{make_result(job_a)});

        const auto copy = env.local_dir.path() / "downloaded";
        REQUIRE(env.run(second.blob_store().value().async_get(job_a, written.blob, copy)));
        CHECK(read_file(copy) == written.blob_content);
        REQUIRE(env.run(second.async_close()));
    }

    TEST_CASE(
        "cleanup deletes the namespace, then its empty parents up to /, then the blobs; job results stay"
    )
    {
        ha_env env;
        const auto ns = env.root + "/nested/c1";
        zookeeper_ha_services ha(env.ioc.get_executor(), env.options("/c1", "/nested"));
        write_job(env, ha, job_a);
        write_job(env, ha, job_b);
        REQUIRE(env.run(ha.job_result_store().value().async_create_dirty(make_result(job_a))));
        // An elected and confirmed leader too: its latch node and connection_info are in the namespace.
        auto election = ha.dispatcher_election();
        REQUIRE(election);
        auto term = env.run(election.value().async_campaign());
        REQUIRE_MESSAGE(term, term.error().message());
        REQUIRE(env.run(election.value().async_confirm(term.value(), "akka://jm/dispatcher")));
        REQUIRE(env.exists(ns + "/leader/dispatcher/connection_info"));
        REQUIRE(fs::exists(env.storage() / "blob"));

        auto cleaned = env.run(ha.async_close_and_cleanup_all_data());
        REQUIRE_MESSAGE(cleaned, cleaned.error().message());
        CHECK_FALSE(env.exists(env.root));       // the namespace and every empty parent
        CHECK_FALSE(fs::exists(env.storage()));  // blobs and state files, then the empty directory
        CHECK(fs::exists(env.job_results() / (job_a.to_string() + "_DIRTY.json")));
        CHECK(ha.is_closed());
    }

    TEST_CASE("path.jobgraphs moves the job graphs; acl creator makes every store node the creator's")
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        auto options = env.options();
        options.zookeeper.jobgraphs_path = "/graphs//sub/";
        options.zookeeper.acl = hakit::zookeeper_acl::creator;
        options.zookeeper.authorization["digest"] = "hakit:secret";
        zookeeper_ha_services ha(env.ioc.get_executor(), options);
        CHECK(ha.backend().settings().layout.job_graphs_path() == ns + "/graphs/sub");
        write_job(env, ha, job_a);

        zk::session_options o;
        o.connect_string = env.cluster.connect_string();
        o.auth.push_back(zk::digest_auth("hakit", "secret"));
        zk::client owner(env.ioc.get_executor(), o);
        REQUIRE(env.run(owner.async_connect()));
        const auto graph = ns + "/graphs/sub/" + job_a.to_string();
        const auto job = ns + "/jobs/" + job_a.to_string();
        const auto checkpoint = job + "/checkpoints/0000000000000000003";
        const std::vector<zk::acl> expected{zk::digest_acl("hakit", "secret")};
        for (const auto& node :
             {env.root,
              ns,
              ns + "/graphs",
              graph,
              graph + "/locks",
              graph + "/locks/" + ha.backend().lock_id(),
              job,
              checkpoint,
              checkpoint + "/locks/" + ha.backend().lock_id(),
              job + "/checkpoint_id_counter"})
        {
            CAPTURE(node);
            auto acl = env.run(owner.async_get_acl(node));
            REQUIRE_MESSAGE(acl, acl.error().message());
            CHECK(acl.value().acl == expected);
        }
        CHECK_FALSE(env.run(owner.async_exists(ns + "/jobgraphs")).value().exists());
        // A client without the authorization can neither read nor change them.
        CHECK(env.run(env.admin->async_get_data(graph)).error() == zk::error::no_auth);
        CHECK(
            env.run(env.admin->async_remove(graph + "/locks/" + ha.backend().lock_id())).error() ==
            zk::error::no_auth
        );

        // Another process with the same options finds the job where the first put it.
        REQUIRE(env.run(ha.async_close()));
        zookeeper_ha_services second(env.ioc.get_executor(), options);
        auto recovered = env.run(second.job_graph_store().value().async_recover(job_a));
        REQUIRE_MESSAGE(recovered, recovered.error().message());
        CHECK(recovered.value() == make_graph(job_a));
        REQUIRE(env.run(second.async_close_and_cleanup_all_data()));
        CHECK_FALSE(env.run(owner.async_exists(env.root)).value().exists());
        REQUIRE(env.run(owner.async_close()));
    }

    TEST_CASE("cleanup keeps a parent with another child (the uncle) and another cluster's data")
    {
        ha_env env;
        const auto parent = env.root + "/nested";
        zookeeper_ha_services c1(env.ioc.get_executor(), env.options("/c1", "/nested"));
        zookeeper_ha_services c2(env.ioc.get_executor(), env.options("/c2", "/nested"));
        write_job(env, c1, job_a);
        const auto kept = write_job(env, c2, job_a);
        REQUIRE(env.run(env.admin->async_create(env.root + "/uncle", zk::bytes())));

        REQUIRE(env.run(c1.async_close_and_cleanup_all_data()));
        CHECK_FALSE(env.exists(parent + "/c1"));
        CHECK(env.children(parent) == std::vector<std::string>{"c2"});
        CHECK(env.children(env.root) == std::vector<std::string>{"nested", "uncle"});
        CHECK_FALSE(fs::exists(env.storage("c1")));
        CHECK(files_in(env.storage("c2"), "completedCheckpoint").size() == 2);

        // The other cluster is untouched and still works.
        auto graph = env.run(c2.job_graph_store().value().async_recover(job_a));
        REQUIRE(graph);
        CHECK(graph.value() == kept.graph);
        const auto copy = env.local_dir.path() / "c2-blob";
        CHECK(env.run(c2.blob_store().value().async_get(job_a, kept.blob, copy)));
        REQUIRE(env.run(c2.async_close_and_cleanup_all_data()));
        CHECK(env.children(env.root) == std::vector<std::string>{"uncle"});  // nested had no uncle of its own
    }

    TEST_CASE("global cleanup removes exactly one job: graph, checkpoints, counter, leader node, blobs, files"
    )
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        zookeeper_ha_services ha(env.ioc.get_executor(), env.options());
        const auto a = write_job(env, ha, job_a);
        const auto b = write_job(env, ha, job_b);
        const std::string shared = "cluster-wide";
        const auto shared_key = hakit::blob_key::for_content(hakit::blob_type::permanent, shared);
        REQUIRE(env.run(
            ha.blob_store().value().async_put(env.local_file("shared", shared), std::nullopt, shared_key)
        ));
        REQUIRE(env.run(ha.job_result_store().value().async_create_dirty(make_result(job_a))));
        const auto leader_a = ns + "/leader/job-" + job_a.to_string();
        const auto admin = env.admin;
        auto leader_path = [admin, leader_a]() -> asio::awaitable<void> {
            auto created = co_await hakit::detail::zk_stores::ensure_path(admin, leader_a);
            REQUIRE(created);
        };
        env.run(leader_path());
        const auto a_graph_file = env.file_of(ns + "/jobgraphs/" + job_a.to_string());
        const auto a_checkpoint_file =
            env.file_of(ns + "/jobs/" + job_a.to_string() + "/checkpoints/0000000000000000003");
        const auto b_checkpoint_file =
            env.file_of(ns + "/jobs/" + job_b.to_string() + "/checkpoints/0000000000000000003");

        auto cleaned = env.run(ha.async_global_cleanup(job_a));
        REQUIRE_MESSAGE(cleaned, cleaned.error().message());
        CHECK(env.children(ns + "/jobgraphs") == std::vector<std::string>{job_b.to_string()});
        CHECK(env.children(ns + "/jobs") == std::vector<std::string>{job_b.to_string()});
        CHECK_FALSE(env.exists(leader_a));
        CHECK_FALSE(fs::exists(a_graph_file));
        CHECK_FALSE(fs::exists(a_checkpoint_file));
        CHECK_FALSE(fs::exists(env.storage() / "blob" / ("job_" + job_a.to_string())));
        CHECK(files_in(env.storage(), "submittedJobGraph").size() == 1);
        CHECK(files_in(env.storage(), "completedCheckpoint").size() == 2);
        CHECK(fs::exists(b_checkpoint_file));
        // The job result store is not part of the cleanup (the dispatcher marks it clean itself).
        CHECK(env.run(ha.job_result_store().value().async_has_dirty_entry(job_a)).value());

        // Job b, the cluster-wide blob and a's counter's absence, through the stores.
        CHECK(env.run(ha.job_graph_store().value().async_recover(job_b)).value() == b.graph);
        CHECK(env.run(ha.completed_checkpoint_store(job_b, 2).value().async_all()).value() == b.checkpoints);
        CHECK(env.run(ha.checkpoint_id_counter(job_b).value().async_get()).value() == 4);
        CHECK(env.run(ha.checkpoint_id_counter(job_a).value().async_get()).value() == 1);
        CHECK(env.run(ha.completed_checkpoint_store(job_a, 2).value().async_all()).value().empty());
        CHECK(env.run(ha.job_graph_store().value().async_recover(job_a)).value() == std::nullopt);
        const auto copy = env.local_dir.path() / "copy";
        CHECK(env.run(ha.blob_store().value().async_get(job_a, a.blob, copy)).error() == errc::not_found);
        CHECK(env.run(ha.blob_store().value().async_get(job_b, b.blob, copy)));
        CHECK(env.run(ha.blob_store().value().async_get(std::nullopt, shared_key, copy)));

        // Repeatable: nothing left is success.
        CHECK(env.run(ha.async_global_cleanup(job_a)));
        REQUIRE(env.run(ha.async_close()));
    }

    TEST_CASE("global cleanup waits for another process's lock: refused until it closed or its session died")
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        hakit_test::tcp_proxy proxy(env.ioc.get_executor(), env.cluster.member_endpoint(0));
        auto doomed_options = env.options("/c1", "", proxy.address());
        doomed_options.zookeeper.session_timeout = 2000ms;
        doomed_options.zookeeper.connection_timeout = 3000ms;
        doomed_options.zookeeper.max_close_wait = 500ms;
        zookeeper_ha_services doomed(env.ioc.get_executor(), doomed_options);  // its session gets killed
        zookeeper_ha_services closing(env.ioc.get_executor(), env.options());  // closes without cleanup
        zookeeper_ha_services cleaner(env.ioc.get_executor(), env.options());
        const auto a = write_job(env, doomed, job_a);
        write_job(env, closing, job_b);
        const auto graph_a = ns + "/jobgraphs/" + job_a.to_string();
        const auto doomed_lock = graph_a + "/locks/" + doomed.backend().lock_id();
        REQUIRE(env.exists(doomed_lock));

        // Locked by another instance: errc::locked, repeatable, and nothing of the job is touched.
        for (int round = 0; round < 2; ++round)
        {
            CHECK(env.run(cleaner.async_global_cleanup(job_a)).error() == errc::locked);
            CHECK(env.run(cleaner.async_global_cleanup(job_b)).error() == errc::locked);
        }
        CHECK(env.exists(doomed_lock));
        CHECK(env.children(ns + "/jobs") == std::vector<std::string>{job_a.to_string(), job_b.to_string()});
        CHECK(
            fs::exists(env.storage() / "blob" / ("job_" + job_a.to_string()) / ("blob_" + a.blob.to_string()))
        );

        // b: its holder closes (without cleanup): its locks go at once, the cleanup goes through.
        REQUIRE(env.run(closing.async_close()));
        auto b_cleaned = env.run(cleaner.async_global_cleanup(job_b));
        REQUIRE_MESSAGE(b_cleaned, b_cleaned.error().message());
        CHECK(env.children(ns + "/jobs") == std::vector<std::string>{job_a.to_string()});

        // a: the holder's connection is cut; once the server expired its session its locks are gone.
        proxy.pause();
        CHECK(env.wait_gone(doomed_lock, 20'000ms));
        auto a_cleaned = env.run(cleaner.async_global_cleanup(job_a));
        REQUIRE_MESSAGE(a_cleaned, a_cleaned.error().message());
        CHECK(env.children(ns + "/jobgraphs").empty());
        CHECK(env.children(ns + "/jobs").empty());
        CHECK_FALSE(fs::exists(env.storage() / "blob" / ("job_" + job_a.to_string())));
        CHECK(files_in(env.storage(), "submittedJobGraph").empty());
        CHECK(files_in(env.storage(), "completedCheckpoint").empty());
        REQUIRE(env.run(cleaner.async_close()));
        proxy.close();
        (void)env.run(doomed.async_close());
    }

    TEST_CASE("a shared client stays open on close; this connection's store locks are released")
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        auto client = env.admin;
        auto settings = hakit::zookeeper_settings::from(env.options());
        REQUIRE(settings);
        const auto graph_node = ns + "/jobgraphs/" + job_a.to_string();
        const auto checkpoint_locks =
            ns + "/jobs/" + job_a.to_string() + "/checkpoints/0000000000000000003/locks";
        std::string lock;
        {
            zookeeper_ha_services ha(env.ioc.get_executor(), client, settings.value());
            lock = ha.backend().lock_id();
            write_job(env, ha, job_a);
            CHECK(env.children(graph_node + "/locks") == std::vector<std::string>{lock});
            CHECK(env.children(checkpoint_locks) == std::vector<std::string>{lock});
            REQUIRE(env.run(ha.async_close()));
            CHECK(client->state() == zk::connection_state::connected);
            CHECK(env.children(graph_node + "/locks").empty());
            CHECK(env.children(checkpoint_locks).empty());
        }
        {
            // Destroyed without close: the locks are released in the background.
            zookeeper_ha_services ha(env.ioc.get_executor(), client, settings.value());
            REQUIRE(env.run(ha.job_graph_store().value().async_recover(job_a)));
            REQUIRE(env.run(ha.completed_checkpoint_store(job_a, 2).value().async_recover()));
            lock = ha.backend().lock_id();
            CHECK(env.children(graph_node + "/locks") == std::vector<std::string>{lock});
        }
        CHECK(env.wait_gone(graph_node + "/locks/" + lock, 10'000ms));
        CHECK(env.wait_gone(checkpoint_locks + "/" + lock, 10'000ms));
        CHECK(client->state() == zk::connection_state::connected);
    }

    TEST_CASE(
        "no storage directory: the stores and cleanups fail with invalid_config at first use; "
        "elections and the counter work"
    )
    {
        ha_env env;
        const auto ns = env.root + "/c1";
        auto options = env.options();
        options.storage_dir.reset();
        zookeeper_ha_services ha(env.ioc.get_executor(), options);
        auto& backend = ha.backend();
        CHECK_FALSE(backend.config_error());
        CHECK(backend.storage_error() == errc::invalid_config);
        CHECK(
            backend.storage_diagnostics().message().find("high-availability.storageDir") != std::string::npos
        );
        CHECK(backend.job_result_store_error() == errc::invalid_config);
        CHECK(
            backend.job_result_store_diagnostics().message().find("job-result-store.storage-path") !=
            std::string::npos
        );

        CHECK(
            env.run(ha.job_graph_store().value().async_put(make_graph(job_a))).error() == errc::invalid_config
        );
        CHECK(env.run(ha.job_graph_store().value().async_job_ids()).error() == errc::invalid_config);
        CHECK(
            env.run(ha.completed_checkpoint_store(job_a, 1).value().async_add(make_checkpoint(job_a, 1)))
                .error() == errc::invalid_config
        );
        CHECK(env.run(ha.job_result_store().value().async_has_entry(job_a)).error() == errc::invalid_config);
        const auto key = hakit::blob_key::for_content(hakit::blob_type::permanent, "x");
        CHECK(
            env.run(ha.blob_store().value().async_put(env.local_file("x", "x"), job_a, key)).error() ==
            errc::invalid_config
        );
        CHECK(env.run(ha.checkpoint_id_counter(job_a).value().async_get_and_increment()).value() == 1);
        auto election = ha.dispatcher_election();
        REQUIRE(election);
        auto term = env.run(election.value().async_campaign());
        REQUIRE_MESSAGE(term, term.error().message());
        // The cleanups refuse before deleting anything.
        CHECK(env.run(ha.async_global_cleanup(job_a)).error() == errc::invalid_config);
        CHECK(env.run(ha.backend().async_cleanup_all_data()).error() == errc::invalid_config);
        CHECK(env.exists(ns + "/jobs/" + job_a.to_string() + "/checkpoint_id_counter"));
        REQUIRE(env.run(ha.async_close()));
        CHECK(files_in(env.storage_dir.path()).empty());

        // A job result store path of its own is enough for the job result store.
        options.job_result_store.storage_path = (env.storage_dir.path() / "results").string();
        zookeeper_ha_services with_results(env.ioc.get_executor(), options);
        CHECK(env.run(with_results.job_result_store().value().async_create_dirty(make_result(job_a))));
        CHECK(fs::exists(env.storage_dir.path() / "results" / (job_a.to_string() + "_DIRTY.json")));
        REQUIRE(env.run(with_results.async_close()));
    }

    TEST_CASE(
        "storage directories given as URIs: file:// works, other schemes are invalid_config at first use"
    )
    {
        ha_env env;
        auto options = env.options();
        options.storage_dir = "file://" + env.storage_dir.path().string();
        {
            zookeeper_ha_services ha(env.ioc.get_executor(), options);
            CHECK(ha.backend().settings().storage_path == env.storage());
            CHECK(ha.backend().settings().job_result_store_path == env.job_results());
            REQUIRE(env.run(ha.job_graph_store().value().async_put(make_graph(job_a))));
            CHECK(files_in(env.storage(), "submittedJobGraph").size() == 1);
            REQUIRE(env.run(ha.async_close_and_cleanup_all_data()));
        }
        options.storage_dir = "hdfs://namenode:8020/flink/ha";
        options.job_result_store.delete_on_commit = false;
        zookeeper_ha_services ha(env.ioc.get_executor(), options);
        CHECK_FALSE(ha.backend().settings().storage_path);
        CHECK_FALSE(ha.backend().settings().job_result_store_delete_on_commit);
        CHECK(
            ha.backend().storage_diagnostics().message().find("hdfs://namenode:8020/flink/ha") !=
            std::string::npos
        );
        CHECK(env.run(ha.job_graph_store().value().async_recover(job_a)).error() == errc::invalid_config);
        CHECK(env.run(ha.job_result_store().value().async_dirty_results()).error() == errc::invalid_config);
        REQUIRE(env.run(ha.async_close()));
    }
}
