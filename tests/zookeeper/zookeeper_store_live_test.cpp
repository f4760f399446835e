// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Live tests of the ZooKeeper stores against a real ZooKeeper 3.8 (CTest fixture zk_standalone):
// Flink's ZooKeeperStateHandleStoreTest, DefaultExecutionPlanStoreTest (job graph store),
// checkpoint store behaviour and CheckpointIDCounterTestBase / ZooKeeperCheckpointIDCounterITCase
// (flink-ha.md §6.9), plus a failover: what one client wrote is recovered by another after the
// first's session closed. Every test works below its own unique root with its own storage
// directory and removes both afterwards. The write-error rule (refusals, lost replies) is tested
// against the fake server in tests/unit/zookeeper_store_unit_test.cpp.
#include <hakit/stores/completed_checkpoint.hpp>
#include <hakit/stores/job_graph.hpp>
#include <hakit/stores/job_status.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>
#include <hakit/zookeeper/job_graph_store.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <boost/asio/co_spawn.hpp>
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
#include <exception>
#include <filesystem>
#include <limits>
#include <memory>
#include <numeric>
#include <optional>
#include <stdexcept>
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
using hakit_test::eventually;
using hakit_test::run_coro;
using hakit_test::zk_cluster;
using clock_type = std::chrono::steady_clock;

const job_id job_a = job_id::from_parts(0xa, 0x1111);
const job_id job_b = job_id::from_parts(0xb, 0x2222);
const job_id job_c = job_id::from_parts(0xc, 0x3333);
constexpr std::int64_t int32_max = std::numeric_limits<std::int32_t>::max();

zk::bytes b(std::string_view s)
{
    return zk::bytes(s.begin(), s.end());
}

zk::session_options options(std::string connect, std::chrono::milliseconds timeout = 10'000ms)
{
    zk::session_options o;
    o.connect_string = std::move(connect);
    o.session_timeout = timeout;
    o.connection_timeout = 20s;
    o.reconnect_delay = 50ms;
    return o;
}

/// Deletes `path` and everything below it (best effort: cleanup).
asio::awaitable<void> remove_tree(std::shared_ptr<zk::client> c, std::string path)
{
    auto kids = co_await c->async_get_children(path);
    if (kids)
        for (const auto& k : kids.value().children)
            co_await remove_tree(c, path + "/" + k);
    (void)co_await c->async_remove(path);
}

using hakit_test::temp_dir;

/// One test's world: the server, an io_context, a unique root, a storage directory
/// (`<tmp>/default`, like `<storageDir>/<cluster-id>`), the clients it opened and an admin client
/// to inspect and clean up. The destructor closes the clients and removes the root.
struct live_env
{
    zk_cluster cluster = zk_cluster::from_env();
    asio::io_context ioc;
    std::string root = hakit_test::unique_path("/hakit-zkstore");
    temp_dir storage_root;
    fs::path storage = storage_root.path() / "default";
    std::vector<std::shared_ptr<zk::client>> clients;
    std::shared_ptr<zk::client> admin;

    live_env()
    {
        REQUIRE(cluster.wait_all_serving(60s));
        admin = new_client();
    }
    live_env(const live_env&) = delete;
    live_env& operator=(const live_env&) = delete;

    ~live_env()
    {
        try
        {
            for (auto& c : clients)
                if (c != admin)
                    (void)run(c->async_close(), 10s);
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

    /// A new connected client (a new session), to `connect` or the cluster.
    std::shared_ptr<zk::client> new_client(
        std::string connect = {}, std::chrono::milliseconds timeout = 10'000ms
    )
    {
        if (connect.empty())
            connect = cluster.connect_string();
        auto c = std::make_shared<zk::client>(ioc.get_executor(), options(std::move(connect), timeout));
        auto connected = run(c->async_connect());
        REQUIRE_MESSAGE(connected, connected.error().message());
        clients.push_back(c);
        return c;
    }

    /// A state-handle store at `<root>/entries` with files "state<random>" in the storage dir.
    hakit::zookeeper_state_handle_store handle_store(std::shared_ptr<zk::client> c, std::string lock_id) const
    {
        return hakit::zookeeper_state_handle_store(
            std::move(c),
            root + "/entries",
            hakit::zookeeper::state_storage(storage, "state"),
            std::move(lock_id)
        );
    }

    // ---- inspection through the admin client --------------------------------------------------

    std::vector<std::string> children(const std::string& path)
    {
        auto kids = run(admin->async_get_children(path));
        if (!kids)
            return {};
        auto names = kids.value().children;
        std::sort(names.begin(), names.end());
        return names;
    }

    std::optional<zk::stat> stat_of(const std::string& path)
    {
        auto e = run(admin->async_exists(path));
        REQUIRE(e);
        return e.value().stat;
    }

    bool exists(const std::string& path) { return stat_of(path).has_value(); }

    /// The storage directory's files whose names start with `prefix`.
    std::vector<std::string> files(std::string_view prefix = "") const
    {
        std::vector<std::string> names;
        std::error_code ec;
        for (const auto& e : fs::directory_iterator(storage, ec))
        {
            auto name = e.path().filename().string();
            if (name.rfind(prefix, 0) == 0)
                names.push_back(std::move(name));
        }
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
};

hakit::completed_checkpoint make_checkpoint(job_id job, std::int64_t id)
{
    return hakit::completed_checkpoint{job, id, "metadata-" + std::to_string(id)};
}

std::vector<std::int64_t> ids_of(const std::vector<hakit::completed_checkpoint>& checkpoints)
{
    std::vector<std::int64_t> ids;
    for (const auto& c : checkpoints)
        ids.push_back(c.id);
    return ids;
}

std::vector<std::string> names_of(const std::vector<hakit::zookeeper::stored_state>& entries)
{
    std::vector<std::string> names;
    for (const auto& e : entries)
        names.push_back(e.name);
    return names;
}

/// Increments `n` times and records what it got.
asio::awaitable<void> increment_worker(
    hakit::zookeeper_checkpoint_id_counter counter, int n, std::vector<std::int64_t>* values
)
{
    for (int i = 0; i < n; ++i)
    {
        auto r = co_await counter.async_get_and_increment();
        if (!r)
            throw std::runtime_error("get_and_increment failed: " + r.error().message());
        values->push_back(r.value());
    }
}

}  // namespace

TEST_SUITE("zookeeper_store_live")
{
    // ---- ZooKeeperStateHandleStoreTest ------------------------------------------------------------

    TEST_CASE("add_and_lock: persistent node, persistent locks child, one ephemeral lock, readable state")
    {
        live_env env;
        auto c = env.new_client();
        auto store = env.handle_store(c, "lock-a");
        REQUIRE(env.run(store.async_add_and_lock("entry", "the state")));
        const auto node = store.path_of("entry");
        auto node_stat = env.stat_of(node);
        REQUIRE(node_stat);
        CHECK(node_stat->ephemeral_owner == 0);
        CHECK(env.children(node) == std::vector<std::string>{"locks"});
        auto locks_stat = env.stat_of(node + "/locks");
        REQUIRE(locks_stat);
        CHECK(locks_stat->ephemeral_owner == 0);
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"lock-a"});
        auto lock_stat = env.stat_of(node + "/locks/lock-a");
        REQUIRE(lock_stat);
        CHECK(lock_stat->ephemeral_owner == c->session_id());
        // The node holds only the handle; the bytes are in the file it names.
        const auto file = env.file_of(node);
        CHECK(file.parent_path() == env.storage);
        CHECK(env.files("state") == std::vector<std::string>{file.filename().string()});
        CHECK(hakit::detail::read_local_file(file).value() == "the state");
        CHECK(node_stat->data_length < 200);
        auto got = env.run(store.async_get_and_lock("entry"));
        REQUIRE(got);
        CHECK(got.value() == hakit::zookeeper::stored_state{"entry", "the state", 0});
    }

    TEST_CASE("add_and_lock of an existing entry: already_exists, nothing written or discarded")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        REQUIRE(env.run(store.async_add_and_lock("entry", "first")));
        const auto before = env.files();
        CHECK(env.run(store.async_add_and_lock("entry", "second")).error() == errc::already_exists);
        auto other = env.handle_store(env.new_client(), "lock-b");
        CHECK(env.run(other.async_add_and_lock("entry", "third")).error() == errc::already_exists);
        CHECK(env.files() == before);
        CHECK(env.run(other.async_get_and_lock("entry")).value().state == "first");
    }

    TEST_CASE("add_and_lock on an entry marked for deletion: the old file goes, the new state is stored")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        REQUIRE(env.run(store.async_add_and_lock("entry", "old")));
        const auto node = store.path_of("entry");
        const auto old_file = env.file_of(node);
        // A removal that stopped after deleting `locks` (the node has no children: marked).
        REQUIRE(env.run(env.admin->async_remove(node + "/locks/lock-a")));
        REQUIRE(env.run(env.admin->async_remove(node + "/locks")));
        CHECK_FALSE(env.run(store.async_exists("entry")).value().has_value());

        REQUIRE(env.run(store.async_add_and_lock("entry", "new")));
        CHECK_FALSE(fs::exists(old_file));
        CHECK(env.files().size() == 1);
        CHECK(env.run(store.async_get_and_lock("entry")).value().state == "new");
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"lock-a"});
    }

    TEST_CASE("release_and_try_remove is repeatable: a failing discard leaves the entry marked")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        REQUIRE(env.run(store.async_add_and_lock("entry", "state")));
        const auto node = store.path_of("entry");
        const auto file = env.file_of(node);
        // Make the discard fail: a non-empty directory where the file was.
        fs::remove(file);
        fs::create_directories(file / "blocker");

        auto first = env.run(store.async_release_and_try_remove("entry"));
        REQUIRE_FALSE(first);
        CHECK(env.exists(node));
        CHECK(env.children(node).empty());  // marked for deletion
        CHECK(env.run(store.async_get_and_lock("entry")).error() == errc::not_found);
        CHECK_FALSE(env.exists(node + "/locks"));  // and the failed lock attempt left nothing
        CHECK_FALSE(env.run(store.async_exists("entry")).value().has_value());
        CHECK(env.run(store.async_names()).value() == std::vector<std::string>{"entry"});
        CHECK(env.run(store.async_get_all_and_lock()).value().empty());
        CHECK(env.run(store.async_replace("entry", -1, "x")).error() == errc::not_found);

        fs::remove_all(file);
        auto second = env.run(store.async_release_and_try_remove("entry"));
        REQUIRE(second);
        CHECK(second.value());
        CHECK_FALSE(env.exists(node));
        CHECK(env.files().empty());  // the replace attempt's file was discarded too
    }

    TEST_CASE("release_and_try_remove of a missing entry is true")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        auto removed = env.run(store.async_release_and_try_remove("never-there"));
        REQUIRE(removed);
        CHECK(removed.value());
    }

    TEST_CASE("release_and_try_remove with another instance's lock: false, own lock gone, nothing discarded")
    {
        live_env env;
        auto a = env.handle_store(env.new_client(), "lock-a");
        auto b2 = env.handle_store(env.new_client(), "lock-b");
        REQUIRE(env.run(a.async_add_and_lock("entry", "state")));
        REQUIRE(env.run(b2.async_get_and_lock("entry")));
        const auto node = a.path_of("entry");
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"lock-a", "lock-b"});

        auto by_a = env.run(a.async_release_and_try_remove("entry"));
        REQUIRE(by_a);
        CHECK_FALSE(by_a.value());
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"lock-b"});
        CHECK(env.files().size() == 1);
        CHECK(env.run(b2.async_exists("entry")).value() == std::optional<std::int32_t>(0));
        CHECK_FALSE(env.run(a.async_release_and_try_remove("entry")).value());  // repeatable

        auto by_b = env.run(b2.async_release_and_try_remove("entry"));
        REQUIRE(by_b);
        CHECK(by_b.value());
        CHECK_FALSE(env.exists(node));
        CHECK(env.files().empty());
    }

    TEST_CASE("concurrent delete (FLINK-6612): the entry goes only with the last lock")
    {
        live_env env;
        auto a = env.handle_store(env.new_client(), "lock-a");
        auto b2 = env.handle_store(env.new_client(), "lock-b");
        REQUIRE(env.run(a.async_add_and_lock("entry", "state")));
        REQUIRE(env.run(b2.async_get_and_lock("entry")));
        CHECK_FALSE(env.run(a.async_release_and_try_remove("entry")).value());
        // B still reads it (and locking again is fine).
        CHECK(env.run(b2.async_get_and_lock("entry")).value().state == "state");
        CHECK(env.run(b2.async_release_and_try_remove("entry")).value());
        CHECK(env.run(a.async_get_and_lock("entry")).error() == errc::not_found);
        CHECK(env.run(b2.async_get_and_lock("entry")).error() == errc::not_found);
    }

    TEST_CASE("replace: new state at a new version, old file discarded; stale, missing and foreign refused")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        REQUIRE(env.run(store.async_add_and_lock("entry", "v0")));
        const auto node = store.path_of("entry");
        const auto file0 = env.file_of(node);

        auto v1 = env.run(store.async_replace("entry", 0, "v1"));
        REQUIRE(v1);
        CHECK(v1.value() == 1);
        CHECK_FALSE(fs::exists(file0));
        const auto file1 = env.file_of(node);
        CHECK(env.files() == std::vector<std::string>{file1.filename().string()});
        auto got = env.run(store.async_get_and_lock("entry"));
        CHECK(got.value() == hakit::zookeeper::stored_state{"entry", "v1", 1});

        // A stale version: refused for sure, the new file is discarded, the old one kept.
        CHECK(env.run(store.async_replace("entry", 0, "stale")).error() == zk::error::bad_version);
        CHECK(env.files() == std::vector<std::string>{file1.filename().string()});
        // -1: whatever the version is.
        CHECK(env.run(store.async_replace("entry", -1, "v2")).value() == 2);
        // Missing entry.
        CHECK(env.run(store.async_replace("missing", -1, "x")).error() == errc::not_found);
        // An instance without a lock on it (Flink: IllegalStateException).
        auto other = env.handle_store(env.new_client(), "lock-b");
        CHECK(env.run(other.async_replace("entry", -1, "foreign")).error() == errc::already_exists);
        CHECK(env.run(other.async_get_and_lock("entry")).value().state == "v2");
        CHECK(env.files().size() == 1);
    }

    TEST_CASE("exists and get_and_lock; a missing entry is not_found and leaves no lock")
    {
        live_env env;
        auto store = env.handle_store(env.new_client(), "lock-a");
        auto reader = env.handle_store(env.new_client(), "lock-r");
        CHECK_FALSE(env.run(store.async_exists("entry")).value().has_value());
        CHECK(env.run(reader.async_get_and_lock("entry")).error() == errc::not_found);
        CHECK_FALSE(env.exists(store.path_of("entry")));
        REQUIRE(env.run(store.async_add_and_lock("entry", "state")));
        CHECK(env.run(store.async_exists("entry")).value() == std::optional<std::int32_t>(0));
        auto got = env.run(reader.async_get_and_lock("entry"));
        REQUIRE(got);
        CHECK(got.value().state == "state");
        CHECK(env.children(store.locks_path_of("entry")) == std::vector<std::string>{"lock-a", "lock-r"});
    }

    TEST_CASE("get_all_and_lock: sorted by name; marked and corrupted entries skipped and not locked")
    {
        live_env env;
        auto writer = env.handle_store(env.new_client(), "lock-w");
        for (const auto* name : {"d", "b", "a", "e", "c"})
            REQUIRE(env.run(writer.async_add_and_lock(name, std::string("state-") + name)));
        // b: marked for deletion. d: the node's handle is garbage. e: its file was damaged.
        env.run(remove_tree(env.admin, writer.locks_path_of("b")));
        REQUIRE(env.run(env.admin->async_set_data(writer.path_of("d"), b("garbage"))));
        REQUIRE(hakit::detail::write_local_file(env.file_of(writer.path_of("e")), "state-X"));

        auto reader = env.handle_store(env.new_client(), "lock-r");
        auto all = env.run(reader.async_get_all_and_lock());
        REQUIRE(all);
        CHECK(names_of(all.value()) == std::vector<std::string>{"a", "c"});
        CHECK(all.value()[0].state == "state-a");
        CHECK(all.value()[1].state == "state-c");
        for (const auto* name : {"a", "c"})
            CHECK(env.children(reader.locks_path_of(name)) == std::vector<std::string>{"lock-r", "lock-w"});
        // The failed get_and_lock calls released their locks (testLockCleanupWhenGetAndLockFails).
        for (const auto* name : {"d", "e"})
            CHECK(env.children(reader.locks_path_of(name)) == std::vector<std::string>{"lock-w"});
        CHECK(env.run(reader.async_get_and_lock("d")).error() == errc::corrupted_data);
        CHECK(env.run(reader.async_get_and_lock("e")).error() == errc::corrupted_data);
        CHECK(env.children(reader.locks_path_of("d")) == std::vector<std::string>{"lock-w"});
        // getAllHandles lists the marked entry too.
        CHECK(env.run(reader.async_names()).value() == std::vector<std::string>{"a", "b", "c", "d", "e"});
        // No root at all: empty.
        auto elsewhere = hakit::zookeeper_state_handle_store(
            env.admin, env.root + "/nothing", hakit::zookeeper::state_storage(env.storage, "x"), "l"
        );
        CHECK(env.run(elsewhere.async_get_all_and_lock()).value().empty());
        CHECK(env.run(elsewhere.async_names()).value().empty());
    }

    TEST_CASE("locks vanish with their session; the entry stays and can be removed by another instance")
    {
        live_env env;
        hakit_test::tcp_proxy proxy(env.ioc.get_executor(), env.cluster.member_endpoint(0));
        auto doomed = env.new_client(proxy.address(), 1200ms);
        auto store = env.handle_store(doomed, "lock-doomed");
        REQUIRE(env.run(store.async_add_and_lock("entry", "state")));
        const auto lock = store.lock_path_of("entry");
        REQUIRE(env.exists(lock));
        proxy.pause();  // the session times out on the server
        auto admin = env.admin;
        auto lock_gone = [admin, lock]() -> asio::awaitable<bool> {
            auto e = co_await admin->async_exists(lock);
            co_return e && !e.value().exists();
        };
        CHECK(env.run(eventually(lock_gone, 10'000ms)));
        CHECK(env.exists(store.path_of("entry")));
        CHECK(env.exists(store.locks_path_of("entry")));  // valid, just not locked by anyone
        proxy.resume();

        auto other = env.handle_store(env.new_client(), "lock-other");
        CHECK(env.run(other.async_get_and_lock("entry")).value().state == "state");
        CHECK(env.run(other.async_release_and_try_remove("entry")).value());
        CHECK(env.files().empty());
    }

    TEST_CASE("release and release_all drop only this instance's locks")
    {
        live_env env;
        auto a = env.handle_store(env.new_client(), "lock-a");
        auto b2 = env.handle_store(env.new_client(), "lock-b");
        for (const auto* name : {"x", "y", "z"})
        {
            REQUIRE(env.run(a.async_add_and_lock(name, "s")));
            REQUIRE(env.run(b2.async_get_and_lock(name)));
        }
        REQUIRE(env.run(a.async_release("x")));
        CHECK(env.children(a.locks_path_of("x")) == std::vector<std::string>{"lock-b"});
        CHECK(env.run(a.async_release("x")));  // nothing to release: fine
        CHECK(env.run(a.async_release("missing")));
        REQUIRE(env.run(a.async_release_all()));
        for (const auto* name : {"x", "y", "z"})
        {
            CHECK(env.children(a.locks_path_of(name)) == std::vector<std::string>{"lock-b"});
            CHECK(env.exists(a.path_of(name)));
        }
        REQUIRE(env.run(b2.async_release_all()));
        for (const auto* name : {"x", "y", "z"})
            CHECK(env.children(a.locks_path_of(name)).empty());
        CHECK(env.files().size() == 3);
    }

    TEST_CASE("clear_entries removes every entry, locked or not, with its file")
    {
        live_env env;
        auto a = env.handle_store(env.new_client(), "lock-a");
        auto b2 = env.handle_store(env.new_client(), "lock-b");
        for (const auto* name : {"x", "y", "z"})
            REQUIRE(env.run(a.async_add_and_lock(name, "s")));
        REQUIRE(env.run(b2.async_get_and_lock("y")));
        REQUIRE(env.run(a.async_release("z")));
        REQUIRE(env.run(a.async_clear_entries()));
        CHECK(env.children(env.root + "/entries").empty());
        CHECK(env.files().empty());
        CHECK(env.run(b2.async_names()).value().empty());
    }

    // ---- job graph store (DefaultExecutionPlanStoreTest) -----------------------------------------

    TEST_CASE("job graph store: recover an existing, a missing and a broken graph")
    {
        live_env env;
        hakit::zookeeper_job_graph_store a(env.new_client(), env.root, env.storage, "jm-a");
        hakit::zookeeper_job_graph_store b2(env.new_client(), env.root, env.storage, "jm-b");
        const hakit::job_graph g{job_a, "job a", "graph-bytes"};
        REQUIRE(env.run(a.async_put(g)));
        const auto node = hakit::zookeeper::job_graphs_path(env.root) + "/" + job_a.to_string();
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"jm-a"});
        CHECK(env.files("submittedJobGraph").size() == 1);

        auto recovered = env.run(b2.async_recover(job_a));
        REQUIRE(recovered);
        REQUIRE(recovered.value());
        CHECK(*recovered.value() == g);
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"jm-a", "jm-b"});

        auto missing = env.run(b2.async_recover(job_b));
        REQUIRE(missing);
        CHECK_FALSE(missing.value());

        // A file that decodes as a state but not as a job graph; then a graph with another id.
        hakit::zookeeper_state_handle_store raw(
            env.admin,
            hakit::zookeeper::job_graphs_path(env.root),
            hakit::zookeeper::state_storage(env.storage, "submittedJobGraph"),
            "writer"
        );
        REQUIRE(env.run(raw.async_add_and_lock(job_b.to_string(), "not a job graph")));
        CHECK(env.run(b2.async_recover(job_b)).error() == errc::corrupted_data);
        CHECK(env.children(raw.locks_path_of(job_b.to_string())) == std::vector<std::string>{"writer"});
        const hakit::job_graph wrong{job_a, "", ""};
        REQUIRE(env.run(raw.async_add_and_lock(job_c.to_string(), hakit::zookeeper::encode_job_graph(wrong)))
        );
        CHECK(env.run(b2.async_recover(job_c)).error() == errc::corrupted_data);
        CHECK(env.children(raw.locks_path_of(job_c.to_string())) == std::vector<std::string>{"writer"});
    }

    TEST_CASE("job graph store: put adds, then replaces its own graph; a foreign one is already_exists")
    {
        live_env env;
        hakit::zookeeper_job_graph_store a(env.new_client(), env.root, env.storage, "jm-a");
        hakit::zookeeper_job_graph_store b2(env.new_client(), env.root, env.storage, "jm-b");
        const hakit::job_graph v1{job_a, "j", "v1"};
        const hakit::job_graph v2{job_a, "j", "v2"};
        const hakit::job_graph v3{job_a, "j", "v3"};
        const auto node = hakit::zookeeper::job_graphs_path(env.root) + "/" + job_a.to_string();

        REQUIRE(env.run(a.async_put(v1)));
        REQUIRE(env.run(a.async_put(v2)));  // replace, at the current version
        CHECK(env.stat_of(node)->version == 1);
        CHECK(env.files("submittedJobGraph").size() == 1);  // the old file was discarded
        CHECK(env.run(b2.async_put(v3)).error() == errc::already_exists);
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"jm-a"});

        CHECK(*env.run(b2.async_recover(job_a)).value() == v2);
        REQUIRE(env.run(b2.async_put(v3)));  // recovered by B: B may replace it
        CHECK(*env.run(a.async_recover(job_a)).value() == v3);

        REQUIRE(env.run(a.async_local_cleanup(job_a)));
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"jm-b"});
        CHECK(env.run(a.async_put(v1)).error() == errc::already_exists);
        CHECK(*env.run(b2.async_recover(job_a)).value() == v3);
        CHECK(env.files("submittedJobGraph").size() == 1);
    }

    TEST_CASE("job graph store: global cleanup removes, fails while another instance locks, is repeatable")
    {
        live_env env;
        hakit::zookeeper_job_graph_store a(env.new_client(), env.root, env.storage, "jm-a");
        hakit::zookeeper_job_graph_store b2(env.new_client(), env.root, env.storage, "jm-b");
        const hakit::job_graph g{job_a, "j", "g"};
        const auto node = hakit::zookeeper::job_graphs_path(env.root) + "/" + job_a.to_string();
        REQUIRE(env.run(a.async_put(g)));
        REQUIRE(env.run(b2.async_recover(job_a)));

        CHECK(env.run(a.async_global_cleanup(job_a)).error() == errc::locked);
        CHECK(env.children(node + "/locks") == std::vector<std::string>{"jm-b"});  // own lock released
        CHECK(env.run(a.async_global_cleanup(job_a)).error() == errc::locked);
        REQUIRE(env.run(b2.async_local_cleanup(job_a)));
        CHECK(env.exists(node));  // local cleanup never deletes
        REQUIRE(env.run(a.async_global_cleanup(job_a)));
        CHECK_FALSE(env.exists(node));
        CHECK(env.files("submittedJobGraph").empty());
        CHECK_FALSE(env.run(b2.async_recover(job_a)).value());
        CHECK(env.run(a.async_global_cleanup(job_a)));  // missing: success
        CHECK(env.run(b2.async_global_cleanup(job_c)));
    }

    TEST_CASE("job graph store: job ids (malformed names skipped), release_all keeps the graphs")
    {
        live_env env;
        hakit::zookeeper_job_graph_store a(env.new_client(), env.root, env.storage, "jm-a");
        hakit::zookeeper_job_graph_store b2(env.new_client(), env.root, env.storage, "jm-b");
        CHECK(env.run(a.async_job_ids()).value().empty());  // no jobgraphs node yet
        for (const auto& id : {job_c, job_a, job_b})
        {
            const hakit::job_graph g{id, "j", "p"};
            REQUIRE(env.run(a.async_put(g)));
        }
        REQUIRE(env.run(
            env.admin->async_create(hakit::zookeeper::job_graphs_path(env.root) + "/not-a-job-id", b(""))
        ));
        CHECK(env.run(b2.async_job_ids()).value() == std::vector<job_id>{job_a, job_b, job_c});

        REQUIRE(env.run(a.async_release_all()));
        for (const auto& id : {job_a, job_b, job_c})
        {
            const auto locks = hakit::zookeeper::job_graphs_path(env.root) + "/" + id.to_string() + "/locks";
            CHECK(env.children(locks).empty());
        }
        CHECK(env.run(b2.async_job_ids()).value().size() == 3);  // released, not deleted
        REQUIRE(env.run(b2.async_recover(job_a)));
        CHECK(env.run(a.async_global_cleanup(job_a)).error() == errc::locked);
        CHECK(env.run(a.async_global_cleanup(job_b)));
        CHECK(env.run(b2.async_job_ids()).value() == std::vector<job_id>{job_a, job_c});
    }

    // ---- completed checkpoint store ---------------------------------------------------------------

    TEST_CASE("checkpoint store: subsumes beyond max_retained, oldest first, sorted by id")
    {
        live_env env;
        auto c = env.new_client();
        hakit::zookeeper_completed_checkpoint_store s(c, env.root, env.storage, "jm-a", job_a, 3);
        const auto dir = hakit::zookeeper::checkpoints_path(env.root, job_a);
        CHECK(env.run(s.async_all()).value().empty());
        CHECK_FALSE(env.run(s.async_latest()).value());
        for (std::int64_t id = 1; id <= 3; ++id)
            CHECK(env.run(s.async_add(make_checkpoint(job_a, id))).value().empty());
        auto sub4 = env.run(s.async_add(make_checkpoint(job_a, 4)));
        REQUIRE(sub4);
        CHECK(sub4.value() == std::vector<hakit::completed_checkpoint>{make_checkpoint(job_a, 1)});
        CHECK(
            ids_of(env.run(s.async_add(make_checkpoint(job_a, 5))).value()) == std::vector<std::int64_t>{2}
        );
        CHECK(ids_of(env.run(s.async_all()).value()) == std::vector<std::int64_t>{3, 4, 5});
        CHECK(env.run(s.async_latest()).value() == make_checkpoint(job_a, 5));
        CHECK(
            env.children(dir) ==
            std::vector<std::string>{
                hakit::zookeeper::checkpoint_name(3),
                hakit::zookeeper::checkpoint_name(4),
                hakit::zookeeper::checkpoint_name(5)}
        );
        CHECK(env.files("completedCheckpoint").size() == 3);  // subsumed files discarded

        // Out of order: still sorted; the lowest ids go first.
        hakit::zookeeper_completed_checkpoint_store t(c, env.root, env.storage, "jm-a", job_b, 2);
        REQUIRE(env.run(t.async_add(make_checkpoint(job_b, 7))));
        REQUIRE(env.run(t.async_add(make_checkpoint(job_b, 3))));
        CHECK(ids_of(env.run(t.async_all()).value()) == std::vector<std::int64_t>{3, 7});
        CHECK(
            ids_of(env.run(t.async_add(make_checkpoint(job_b, 5))).value()) == std::vector<std::int64_t>{3}
        );
        CHECK(ids_of(env.run(t.async_all()).value()) == std::vector<std::int64_t>{5, 7});
    }

    TEST_CASE("checkpoint store: invalid additions change nothing")
    {
        live_env env;
        hakit::zookeeper_completed_checkpoint_store s(
            env.new_client(), env.root, env.storage, "jm-a", job_a, 2
        );
        REQUIRE(env.run(s.async_add(make_checkpoint(job_a, 1))));
        const hakit::completed_checkpoint duplicate{job_a, 1, "other"};
        CHECK(env.run(s.async_add(duplicate)).error() == errc::already_exists);
        CHECK(env.run(s.async_add(make_checkpoint(job_b, 2))).error() == errc::invalid_argument);
        CHECK(env.run(s.async_add(make_checkpoint(job_a, -1))).error() == errc::invalid_argument);
        CHECK(
            env.run(s.async_all()).value() ==
            std::vector<hakit::completed_checkpoint>{make_checkpoint(job_a, 1)}
        );
        CHECK(env.files("completedCheckpoint").size() == 1);
    }

    TEST_CASE("checkpoint store: the next leader recovers; suspended keeps, terminal deletes everything")
    {
        live_env env;
        hakit::zookeeper_completed_checkpoint_store a(
            env.new_client(), env.root, env.storage, "jm-a", job_a, 3
        );
        for (std::int64_t id = 1; id <= 3; ++id)
            REQUIRE(env.run(a.async_add(make_checkpoint(job_a, id))));
        REQUIRE(env.run(a.async_shutdown(hakit::job_status::suspended)));
        CHECK(a.is_shut_down());
        const auto dir = hakit::zookeeper::checkpoints_path(env.root, job_a);
        CHECK(env.children(dir).size() == 3);
        for (const auto& name : env.children(dir))
            CHECK(env.children(dir + "/" + name + "/locks").empty());  // released
        CHECK(env.run(a.async_all()).error() == errc::closed);
        CHECK(env.run(a.async_add(make_checkpoint(job_a, 9))).error() == errc::closed);
        CHECK(env.run(a.async_shutdown(hakit::job_status::finished)).error() == errc::closed);

        hakit::zookeeper_completed_checkpoint_store b2(
            env.new_client(), env.root, env.storage, "jm-b", job_a, 3
        );
        CHECK(ids_of(env.run(b2.async_recover()).value()) == std::vector<std::int64_t>{1, 2, 3});
        CHECK(env.run(b2.async_all()).value()[2] == make_checkpoint(job_a, 3));
        CHECK(
            ids_of(env.run(b2.async_add(make_checkpoint(job_a, 4))).value()) == std::vector<std::int64_t>{1}
        );
        REQUIRE(env.run(b2.async_shutdown(hakit::job_status::finished)));
        CHECK_FALSE(env.exists(dir));
        CHECK_FALSE(env.exists(env.root + "/jobs/" + job_a.to_string()));  // empty parent removed
        CHECK(env.files("completedCheckpoint").empty());
        hakit::zookeeper_completed_checkpoint_store next(
            env.new_client(), env.root, env.storage, "jm-c", job_a, 3
        );
        CHECK(env.run(next.async_all()).value().empty());
    }

    TEST_CASE("checkpoint store: a subsumed checkpoint another instance locks stays until released")
    {
        live_env env;
        hakit::zookeeper_completed_checkpoint_store a(
            env.new_client(), env.root, env.storage, "jm-a", job_a, 1
        );
        REQUIRE(env.run(a.async_add(make_checkpoint(job_a, 1))));
        hakit::zookeeper_completed_checkpoint_store b2(
            env.new_client(), env.root, env.storage, "jm-b", job_a, 1
        );
        CHECK(ids_of(env.run(b2.async_recover()).value()) == std::vector<std::int64_t>{1});

        CHECK(
            ids_of(env.run(a.async_add(make_checkpoint(job_a, 2))).value()) == std::vector<std::int64_t>{1}
        );
        CHECK(ids_of(env.run(a.async_all()).value()) == std::vector<std::int64_t>{2});
        const auto dir = hakit::zookeeper::checkpoints_path(env.root, job_a);
        CHECK(env.children(dir).size() == 2);  // B still holds 1
        CHECK(ids_of(env.run(b2.async_all()).value()) == std::vector<std::int64_t>{1});

        REQUIRE(env.run(b2.async_shutdown(hakit::job_status::suspended)));
        CHECK(env.children(dir).size() == 2);  // released, not deleted
        REQUIRE(env.run(a.async_shutdown(hakit::job_status::canceled)));
        CHECK_FALSE(env.exists(dir));  // the orphan goes with the job
        CHECK(env.files().empty());
    }

    TEST_CASE("checkpoint store: terminal shutdown leaves what another instance locks")
    {
        live_env env;
        hakit::zookeeper_completed_checkpoint_store a(
            env.new_client(), env.root, env.storage, "jm-a", job_a, 5
        );
        REQUIRE(env.run(a.async_add(make_checkpoint(job_a, 1))));
        hakit::zookeeper_completed_checkpoint_store b2(
            env.new_client(), env.root, env.storage, "jm-b", job_a, 5
        );
        REQUIRE(env.run(b2.async_recover()));
        REQUIRE(env.run(a.async_add(make_checkpoint(job_a, 2))));
        REQUIRE(env.run(a.async_shutdown(hakit::job_status::failed)));
        const auto dir = hakit::zookeeper::checkpoints_path(env.root, job_a);
        CHECK(env.children(dir) == std::vector<std::string>{hakit::zookeeper::checkpoint_name(1)});
        REQUIRE(env.run(b2.async_shutdown(hakit::job_status::suspended)));
        hakit::zookeeper_completed_checkpoint_store d(
            env.new_client(), env.root, env.storage, "jm-d", job_a, 5
        );
        REQUIRE(env.run(d.async_shutdown(hakit::job_status::failed)));
        CHECK_FALSE(env.exists(dir));
        CHECK(env.files().empty());
    }

    TEST_CASE("checkpoint store: corrupted or foreign checkpoints are skipped on recovery, not locked")
    {
        live_env env;
        hakit::zookeeper_completed_checkpoint_store a(
            env.new_client(), env.root, env.storage, "jm-a", job_a, 5
        );
        for (std::int64_t id = 1; id <= 4; ++id)
            REQUIRE(env.run(a.async_add(make_checkpoint(job_a, id))));
        REQUIRE(env.run(a.async_shutdown(hakit::job_status::suspended)));
        const auto dir = hakit::zookeeper::checkpoints_path(env.root, job_a);
        // 2: damaged file. 3: a checkpoint of another id stored under 3's name.
        REQUIRE(hakit::detail::write_local_file(
            env.file_of(dir + "/" + hakit::zookeeper::checkpoint_name(2)), "x"
        ));
        hakit::zookeeper_state_handle_store raw(
            env.admin, dir, hakit::zookeeper::state_storage(env.storage, "completedCheckpoint"), "writer"
        );
        REQUIRE(env.run(raw.async_release_and_try_remove(hakit::zookeeper::checkpoint_name(3))));
        REQUIRE(env.run(raw.async_add_and_lock(
            hakit::zookeeper::checkpoint_name(3),
            hakit::zookeeper::encode_completed_checkpoint(make_checkpoint(job_a, 33))
        )));
        REQUIRE(env.run(raw.async_release(hakit::zookeeper::checkpoint_name(3))));

        hakit::zookeeper_completed_checkpoint_store b2(
            env.new_client(), env.root, env.storage, "jm-b", job_a, 5
        );
        CHECK(ids_of(env.run(b2.async_all()).value()) == std::vector<std::int64_t>{1, 4});
        CHECK(env.run(b2.async_latest()).value()->id == 4);
        for (const std::int64_t id : {2, 3})
            CHECK(env.children(dir + "/" + hakit::zookeeper::checkpoint_name(id) + "/locks").empty());
    }

    // ---- checkpoint-id counter (CheckpointIDCounterTestBase, ZooKeeperCheckpointIDCounterITCase) --

    TEST_CASE("counter: starts at 1, serial increments, never negative, one counter for all instances")
    {
        live_env env;
        auto c = env.new_client();
        hakit::zookeeper_checkpoint_id_counter counter(c, env.root, job_a);
        CHECK(env.run(counter.async_get()).value() == 1);
        CHECK_FALSE(env.exists(counter.path()));  // created by the first write
        for (std::int64_t expected = 1; expected <= 4; ++expected)
            CHECK(env.run(counter.async_get_and_increment()).value() == expected);
        CHECK(env.run(counter.async_get()).value() == 5);
        auto data = env.run(env.admin->async_get_data(counter.path()));
        REQUIRE(data);
        CHECK(data.value().data == zk::bytes{0, 0, 0, 5});  // SharedCount's 4-byte int
        hakit::zookeeper_checkpoint_id_counter other(env.new_client(), env.root, job_a);
        CHECK(env.run(other.async_get_and_increment()).value() == 5);
        hakit::zookeeper_checkpoint_id_counter job_b_counter(c, env.root, job_b);
        CHECK(env.run(job_b_counter.async_get()).value() == 1);
        CHECK(env.run(counter.async_get()).value() >= 0);
    }

    TEST_CASE("counter: 8 coroutines x 128 concurrent increments from two clients give exactly 1..1024")
    {
        live_env env;
        auto c1 = env.new_client();
        auto c2 = env.new_client();
        constexpr int workers = 8;
        constexpr int per_worker = 128;
        std::vector<std::vector<std::int64_t>> values(workers);
        int finished = 0;
        std::exception_ptr failure;
        for (int w = 0; w < workers; ++w)
        {
            hakit::zookeeper_checkpoint_id_counter counter(w % 2 == 0 ? c1 : c2, env.root, job_a);
            asio::co_spawn(
                env.ioc,
                increment_worker(counter, per_worker, &values[static_cast<std::size_t>(w)]),
                [&](std::exception_ptr e) {
                    if (e && !failure)
                        failure = e;
                    ++finished;
                }
            );
        }
        auto all_done = [&]() -> asio::awaitable<bool> {
            co_return finished == workers;
        };
        const auto started = clock_type::now();
        CHECK(env.run(eventually(all_done, 120'000ms), 130s));
        const auto elapsed =
            std::chrono::duration_cast<std::chrono::milliseconds>(clock_type::now() - started);
        MESSAGE("1024 increments by 8 coroutines on 2 sessions: " << elapsed.count() << " ms");
        if (failure)
            std::rethrow_exception(failure);
        std::vector<std::int64_t> all;
        bool interleaved = false;
        for (const auto& v : values)
        {
            REQUIRE(v.size() == per_worker);
            CHECK(std::is_sorted(v.begin(), v.end()));
            interleaved = interleaved || v.back() - v.front() + 1 > per_worker;  // others got ids between
            all.insert(all.end(), v.begin(), v.end());
        }
        CHECK(interleaved);
        std::sort(all.begin(), all.end());
        std::vector<std::int64_t> expected(workers * per_worker);
        std::iota(expected.begin(), expected.end(), 1);
        CHECK(all == expected);
        hakit::zookeeper_checkpoint_id_counter reader(c1, env.root, job_a);
        CHECK(env.run(reader.async_get()).value() == workers * per_worker + 1);
    }

    TEST_CASE("counter: set_count, bounds and overflow")
    {
        live_env env;
        hakit::zookeeper_checkpoint_id_counter counter(env.new_client(), env.root, job_a);
        REQUIRE(env.run(counter.async_set_count(42)));  // creates the node
        CHECK(env.run(counter.async_get()).value() == 42);
        CHECK(env.run(counter.async_get_and_increment()).value() == 42);
        CHECK(env.run(counter.async_get()).value() == 43);
        CHECK(env.run(counter.async_set_count(-1)).error() == errc::invalid_argument);
        CHECK(env.run(counter.async_set_count(int32_max + 1)).error() == errc::invalid_argument);
        CHECK(env.run(counter.async_get()).value() == 43);
        REQUIRE(env.run(counter.async_set_count(0)));
        CHECK(env.run(counter.async_get_and_increment()).value() == 0);
        REQUIRE(env.run(counter.async_set_count(int32_max - 1)));
        CHECK(env.run(counter.async_get_and_increment()).value() == int32_max - 1);
        CHECK(env.run(counter.async_get()).value() == int32_max);
        CHECK(env.run(counter.async_get_and_increment()).error() == errc::counter_overflow);
        CHECK(env.run(counter.async_get()).value() == int32_max);
        // A corrupted node is reported, not guessed at.
        REQUIRE(env.run(env.admin->async_set_data(counter.path(), b("xyz"))));
        CHECK(env.run(counter.async_get()).error() == errc::corrupted_data);
        CHECK(env.run(counter.async_get_and_increment()).error() == errc::corrupted_data);
    }

    TEST_CASE("counter: shutdown with a globally terminal status removes it, suspended keeps it")
    {
        live_env env;
        hakit::zookeeper_checkpoint_id_counter a(env.new_client(), env.root, job_a);
        for (int i = 0; i < 3; ++i)
            REQUIRE(env.run(a.async_get_and_increment()));
        REQUIRE(env.run(a.async_shutdown(hakit::job_status::suspended)));
        CHECK(a.is_shut_down());
        CHECK(env.exists(a.path()));
        CHECK(env.run(a.async_get()).error() == errc::closed);
        CHECK(env.run(a.async_get_and_increment()).error() == errc::closed);
        CHECK(env.run(a.async_set_count(1)).error() == errc::closed);
        CHECK(env.run(a.async_shutdown(hakit::job_status::finished)).error() == errc::closed);

        hakit::zookeeper_checkpoint_id_counter b2(env.new_client(), env.root, job_a);  // the next leader
        CHECK(env.run(b2.async_get_and_increment()).value() == 4);
        REQUIRE(env.run(b2.async_shutdown(hakit::job_status::finished)));
        CHECK_FALSE(env.exists(b2.path()));
        CHECK_FALSE(env.exists(env.root + "/jobs/" + job_a.to_string()));
        hakit::zookeeper_checkpoint_id_counter restarted(env.new_client(), env.root, job_a);
        CHECK(env.run(restarted.async_get_and_increment()).value() == 1);
    }

    TEST_CASE("counter: refused while the connection is suspended, works after the reconnect")
    {
        live_env env;
        hakit_test::tcp_proxy proxy(env.ioc.get_executor(), env.cluster.member_endpoint(0));
        auto c = env.new_client(proxy.address());
        hakit::zookeeper_checkpoint_id_counter counter(c, env.root, job_a);
        CHECK(env.run(counter.async_get_and_increment()).value() == 1);
        proxy.refuse_new(true);
        proxy.drop_all();
        auto suspended = [c]() -> asio::awaitable<bool> {
            co_return c->state() == zk::connection_state::suspended;
        };
        REQUIRE(env.run(eventually(suspended, 5000ms)));
        CHECK(env.run(counter.async_get_and_increment()).error() == errc::connection_suspended);
        CHECK(env.run(counter.async_get()).error() == errc::connection_suspended);
        proxy.refuse_new(false);
        auto connected = [c]() -> asio::awaitable<bool> {
            co_return c->state() == zk::connection_state::connected;
        };
        REQUIRE(env.run(eventually(connected, 8000ms)));
        CHECK(env.run(counter.async_get_and_increment()).value() == 2);
    }

    // ---- failover ---------------------------------------------------------------------------------

    TEST_CASE("a job graph and checkpoints written by one client are recovered by another after it closed")
    {
        live_env env;
        auto first = env.new_client();
        hakit::zookeeper_job_graph_store graphs_1(first, env.root, env.storage, "jm-1");
        hakit::zookeeper_completed_checkpoint_store checkpoints_1(
            first, env.root, env.storage, "jm-1", job_a, 2
        );
        hakit::zookeeper_checkpoint_id_counter counter_1(first, env.root, job_a);
        const hakit::job_graph g{job_a, "streaming job", std::string(10'000, 'g')};
        REQUIRE(env.run(graphs_1.async_put(g)));
        for (int i = 0; i < 3; ++i)
        {
            auto id = env.run(counter_1.async_get_and_increment());
            REQUIRE(id);
            REQUIRE(env.run(checkpoints_1.async_add(make_checkpoint(job_a, id.value()))));
        }
        const auto graph_node = hakit::zookeeper::job_graphs_path(env.root) + "/" + job_a.to_string();
        CHECK(env.children(graph_node + "/locks") == std::vector<std::string>{"jm-1"});

        // The first JobManager goes away without cleaning up: its session ends, its locks vanish.
        REQUIRE(env.run(first->async_close()));
        CHECK(env.children(graph_node + "/locks").empty());
        for (const auto& name : env.children(hakit::zookeeper::checkpoints_path(env.root, job_a)))
            CHECK(env.children(hakit::zookeeper::checkpoints_path(env.root, job_a) + "/" + name + "/locks")
                      .empty());

        auto second = env.new_client();
        hakit::zookeeper_job_graph_store graphs_2(second, env.root, env.storage, "jm-2");
        hakit::zookeeper_completed_checkpoint_store checkpoints_2(
            second, env.root, env.storage, "jm-2", job_a, 2
        );
        hakit::zookeeper_checkpoint_id_counter counter_2(second, env.root, job_a);
        CHECK(env.run(graphs_2.async_job_ids()).value() == std::vector<job_id>{job_a});
        auto recovered = env.run(graphs_2.async_recover(job_a));
        REQUIRE(recovered);
        REQUIRE(recovered.value());
        CHECK(*recovered.value() == g);
        CHECK(ids_of(env.run(checkpoints_2.async_all()).value()) == std::vector<std::int64_t>{2, 3});
        CHECK(env.run(checkpoints_2.async_latest()).value() == make_checkpoint(job_a, 3));
        CHECK(env.run(counter_2.async_get_and_increment()).value() == 4);

        // The job finishes under the second leader: everything goes, nothing is locked by the first.
        REQUIRE(env.run(checkpoints_2.async_shutdown(hakit::job_status::finished)));
        REQUIRE(env.run(counter_2.async_shutdown(hakit::job_status::finished)));
        REQUIRE(env.run(graphs_2.async_global_cleanup(job_a)));
        CHECK_FALSE(env.exists(graph_node));
        CHECK_FALSE(env.exists(env.root + "/jobs/" + job_a.to_string()));
        CHECK(env.files().empty());
    }
}
