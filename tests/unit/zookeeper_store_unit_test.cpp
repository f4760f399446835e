// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The ZooKeeper stores without a ZooKeeper (flink-ha.md §2.2, §2.5-§2.7): node layout and names,
// the byte formats (state handles, job graphs, checkpoints, the counter), the state files, the
// error classification; then, against the in-process fake server (tests/common/fake_zk_server.hpp)
// which can refuse any request or lose any reply, the state-handle store's write-error rule
// (ZooKeeperStateHandleStoreTest's failure-handling cases), the getAllAndLock retry and the
// counter's refusal while the connection is suspended. The same stores against a real server:
// tests/zookeeper/zookeeper_store_live_test.cpp.
#include <hakit/stores/concepts.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>
#include <hakit/zookeeper/job_graph_store.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <doctest/doctest.h>

#include "common/fake_zk_server.hpp"
#include "common/run_coro.hpp"
#include "common/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <exception>
#include <filesystem>
#include <functional>
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
using hakit_test::fake_zk_server;
using hakit_test::run_coro;

const job_id job_a = job_id::from_parts(0x0123456789abcdefULL, 0xfedcba9876543210ULL);

using hakit_test::temp_dir;

/// The names of the entries of `dir`, sorted (hidden temporary files included: none may be left).
std::vector<std::string> files_in(const fs::path& dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& e : fs::directory_iterator(dir, ec))
        names.push_back(e.path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

zk::bytes b(std::string_view s)
{
    return zk::bytes(s.begin(), s.end());
}

zk::session_options options_for(const fake_zk_server& server)
{
    zk::session_options o;
    o.connect_string = server.address();
    o.session_timeout = 10'000ms;
    o.connection_timeout = 5s;
    o.reconnect_delay = 20ms;
    o.shuffle_seed = 1;
    return o;
}

/// A fake server, a client of it and a state-handle store at /ha/entries with files in a
/// temporary directory.
struct fake_fixture
{
    asio::io_context ioc;
    fake_zk_server server{ioc.get_executor()};
    std::shared_ptr<zk::client> client =
        std::make_shared<zk::client>(ioc.get_executor(), options_for(server));
    temp_dir dir;
    hakit::zookeeper_state_handle_store store{
        client, "/ha/entries", hakit::zookeeper::state_storage(dir.path(), "state"), "lock-a"};

    template <class T>
    T run(asio::awaitable<T> op)
    {
        return run_coro(ioc, std::move(op), 20s);
    }

    void connect()
    {
        auto connected = run(client->async_connect());
        REQUIRE_MESSAGE(connected, connected.error().message());
    }

    /// The store's files (none hidden: temporary files never stay).
    std::vector<std::string> files() const { return files_in(dir.path()); }

    /// Answers the next multi with `respond` instead of the server (once).
    void intercept_next_multi(
        std::function<bool(hakit_test::fake_connection&, const zk::client_message&)> respond
    )
    {
        auto pending = std::make_shared<bool>(true);
        server.intercept([pending, respond = std::move(respond)](
                             hakit_test::fake_connection& conn, const zk::client_message& m
                         ) {
            if (m.header.type != zk::op_code::multi || !*pending)
                return false;
            *pending = false;
            return respond(conn, m);
        });
    }
};

/// A failed multi as a real server sends it: every result an error, `code` at `index`, 0 before
/// it and runtime_inconsistency after it.
zk::multi_response failed_multi(std::size_t ops, std::size_t index, std::int32_t code)
{
    zk::multi_response r;
    for (std::size_t i = 0; i < ops; ++i)
        r.results.push_back(zk::multi_result{zk::op_code::error, i < index ? 0 : i == index ? code : -2, {}});
    return r;
}

}  // namespace

TEST_SUITE("zookeeper_store")
{
    // ---- layout ----------------------------------------------------------------------------

    TEST_CASE("layout: the node tree of flink-ha.md §2.2")
    {
        CHECK(hakit::zookeeper::job_graphs_path("/flink/default") == "/flink/default/jobgraphs");
        CHECK(hakit::zookeeper::job_graphs_path("/") == "/jobgraphs");
        CHECK(
            hakit::zookeeper::checkpoints_path("/flink/default", job_a) ==
            "/flink/default/jobs/" + job_a.to_string() + "/checkpoints"
        );
        CHECK(
            hakit::zookeeper::checkpoint_id_counter_path("/flink/default", job_a) ==
            "/flink/default/jobs/" + job_a.to_string() + "/checkpoint_id_counter"
        );
        CHECK(job_a.to_string() == "0123456789abcdeffedcba9876543210");

        hakit::zookeeper_state_handle_store store(
            nullptr, "/flink/default/jobgraphs", hakit::zookeeper::state_storage("/tmp/x", "p"), "lock-1"
        );
        CHECK(store.path_of("abc") == "/flink/default/jobgraphs/abc");
        CHECK(store.locks_path_of("abc") == "/flink/default/jobgraphs/abc/locks");
        CHECK(store.lock_path_of("abc") == "/flink/default/jobgraphs/abc/locks/lock-1");

        hakit::zookeeper_job_graph_store graphs(nullptr, "/flink/default", "/tmp/x", "lock-1");
        CHECK(graphs.state_handles().root() == "/flink/default/jobgraphs");
        CHECK(graphs.state_handles().storage().prefix() == "submittedJobGraph");
        hakit::zookeeper_completed_checkpoint_store checkpoints(
            nullptr, "/flink/default", "/tmp/x", "l", job_a, 0
        );
        CHECK(
            checkpoints.state_handles().root() == hakit::zookeeper::checkpoints_path("/flink/default", job_a)
        );
        CHECK(checkpoints.state_handles().storage().prefix() == "completedCheckpoint");
        CHECK(checkpoints.max_retained() == 1);
        CHECK(checkpoints.job() == job_a);
        hakit::zookeeper_checkpoint_id_counter counter(nullptr, "/flink/default", job_a);
        CHECK(counter.path() == hakit::zookeeper::checkpoint_id_counter_path("/flink/default", job_a));
    }

    TEST_CASE("layout: checkpoint names are %019d and parse back; malformed names are refused")
    {
        CHECK(hakit::zookeeper::checkpoint_name(0) == "0000000000000000000");
        CHECK(hakit::zookeeper::checkpoint_name(42) == "0000000000000000042");
        const auto max = std::numeric_limits<std::int64_t>::max();
        CHECK(hakit::zookeeper::checkpoint_name(max) == "9223372036854775807");
        for (const std::int64_t id : {std::int64_t{0}, std::int64_t{1}, std::int64_t{1234567}, max})
            CHECK(
                hakit::zookeeper::parse_checkpoint_name(hakit::zookeeper::checkpoint_name(id)).value() == id
            );
        // Names sort like ids.
        CHECK(hakit::zookeeper::checkpoint_name(9) < hakit::zookeeper::checkpoint_name(10));
        for (const std::string_view bad :
             {"",
              "42",
              "000000000000000004x",
              "00000000000000000042",
              "9223372036854775808",
              "-000000000000000001"})
            CHECK(hakit::zookeeper::parse_checkpoint_name(bad).error() == errc::invalid_argument);
    }

    TEST_CASE("layout: node names and lock ids")
    {
        using hakit::detail::zk_stores::is_valid_node_name;
        CHECK(is_valid_node_name("0000000000000000042"));
        CHECK(is_valid_node_name(job_a.to_string()));
        CHECK_FALSE(is_valid_node_name(""));
        CHECK_FALSE(is_valid_node_name("a/b"));
        CHECK_FALSE(is_valid_node_name("."));
        CHECK_FALSE(is_valid_node_name(".."));
        CHECK_FALSE(is_valid_node_name(std::string("a\0b", 3)));
        const auto id = hakit::zookeeper::make_lock_id();
        CHECK(id.size() == 36);
        CHECK(is_valid_node_name(id));
        CHECK(id != hakit::zookeeper::make_lock_id());
        CHECK(hakit::detail::zk_stores::parent_path("/a/b/c") == "/a/b");
        CHECK(hakit::detail::zk_stores::parent_path("/a") == "/");
        CHECK(hakit::detail::zk_stores::join_path("/", "a") == "/a");
        CHECK(hakit::detail::zk_stores::join_path("/a", "b") == "/a/b");
    }

    // ---- byte formats -------------------------------------------------------------------------

    TEST_CASE("state handle: documented layout, round trip, corrupted input refused")
    {
        hakit::zookeeper::state_handle h;
        h.file = "/ha/default/submittedJobGraphabc";
        h.size = 0x0102030405060708ULL;
        for (std::size_t i = 0; i < h.sha1.size(); ++i)
            h.sha1[i] = static_cast<std::uint8_t>(0xa0 + i);
        const auto bytes = hakit::zookeeper::encode_state_handle(h);
        REQUIRE(bytes.size() == hakit::zookeeper::state_handle_header_size + h.file.native().size());
        const zk::bytes header{'h', 'k', 'S', 'H', 1, 1, 2, 3, 4, 5, 6, 7, 8};
        CHECK(zk::bytes(bytes.begin(), bytes.begin() + 13) == header);
        CHECK(bytes[13] == 0xa0);
        CHECK(bytes[32] == 0xa0 + 19);
        CHECK(std::string(bytes.begin() + 33, bytes.end()) == h.file.native());
        auto decoded = hakit::zookeeper::decode_state_handle(bytes);
        REQUIRE(decoded);
        CHECK(decoded.value() == h);

        auto broken = bytes;
        broken[0] = 'x';
        CHECK(hakit::zookeeper::decode_state_handle(broken).error() == errc::corrupted_data);
        broken = bytes;
        broken[4] = 2;  // a version we do not know
        CHECK(hakit::zookeeper::decode_state_handle(broken).error() == errc::corrupted_data);
        broken = bytes;
        broken.resize(hakit::zookeeper::state_handle_header_size);  // no path
        CHECK(hakit::zookeeper::decode_state_handle(broken).error() == errc::corrupted_data);
        broken = bytes;
        broken.push_back(0);  // NUL in the path
        CHECK(hakit::zookeeper::decode_state_handle(broken).error() == errc::corrupted_data);
        broken = bytes;
        broken.resize(
            hakit::zookeeper::state_handle_header_size + hakit::zookeeper::max_state_handle_path_size + 1, 'a'
        );
        CHECK(hakit::zookeeper::decode_state_handle(broken).error() == errc::corrupted_data);
        CHECK(hakit::zookeeper::decode_state_handle(b("")).error() == errc::corrupted_data);
        CHECK(
            hakit::zookeeper::decode_state_handle(b("not a handle at all, just some text")).error() ==
            errc::corrupted_data
        );
    }

    TEST_CASE("job graph and checkpoint encodings: round trip, id bytes, corrupted input refused")
    {
        const hakit::job_graph g{job_a, "word count", std::string("\0\1payload\xff", 10)};
        const auto bytes = hakit::zookeeper::encode_job_graph(g);
        CHECK(bytes.substr(0, 5) == std::string_view("hkJG\x01", 5));
        CHECK(
            bytes.substr(5, 16) ==
            std::string("\x01\x23\x45\x67\x89\xab\xcd\xef\xfe\xdc\xba\x98\x76\x54\x32\x10")
        );
        CHECK(bytes.substr(21, 4) == std::string("\0\0\0\x0a", 4));
        CHECK(hakit::zookeeper::decode_job_graph(bytes).value() == g);
        const hakit::job_graph empty{job_a, "", ""};
        CHECK(hakit::zookeeper::decode_job_graph(hakit::zookeeper::encode_job_graph(empty)).value() == empty);
        CHECK(hakit::zookeeper::decode_job_graph(bytes.substr(0, 24)).error() == errc::corrupted_data);
        CHECK(
            hakit::zookeeper::decode_job_graph("hkJG\x02" + bytes.substr(5)).error() == errc::corrupted_data
        );
        auto long_name = bytes;
        long_name[21] = '\x7f';  // name longer than what follows
        CHECK(hakit::zookeeper::decode_job_graph(long_name).error() == errc::corrupted_data);

        const hakit::completed_checkpoint c{job_a, 0x0102030405060708LL, "meta"};
        const auto cb = hakit::zookeeper::encode_completed_checkpoint(c);
        CHECK(cb.substr(0, 5) == std::string_view("hkCP\x01", 5));
        CHECK(cb.substr(21, 8) == std::string("\x01\x02\x03\x04\x05\x06\x07\x08"));
        CHECK(hakit::zookeeper::decode_completed_checkpoint(cb).value() == c);
        CHECK(
            hakit::zookeeper::decode_completed_checkpoint(cb.substr(0, 28)).error() == errc::corrupted_data
        );
        CHECK(
            hakit::zookeeper::decode_completed_checkpoint(bytes).error() == errc::corrupted_data
        );  // a job graph
    }

    TEST_CASE("checkpoint id counter: 4-byte big-endian int like Curator's SharedCount")
    {
        CHECK(hakit::zookeeper::encode_checkpoint_id_count(1) == zk::bytes{0, 0, 0, 1});
        CHECK(hakit::zookeeper::encode_checkpoint_id_count(0x01020304) == zk::bytes{1, 2, 3, 4});
        CHECK(
            hakit::zookeeper::encode_checkpoint_id_count(std::numeric_limits<std::int32_t>::max()) ==
            zk::bytes{0x7f, 0xff, 0xff, 0xff}
        );
        CHECK(
            hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{0x7f, 0xff, 0xff, 0xff}).value() ==
            2147483647
        );
        CHECK(hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{0, 0, 1, 0}).value() == 256);
        CHECK(
            hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{0x80, 0, 0, 0}).error() ==
            errc::corrupted_data
        );
        CHECK(
            hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{0, 0, 1}).error() == errc::corrupted_data
        );
        CHECK(
            hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{0, 0, 0, 0, 1}).error() ==
            errc::corrupted_data
        );
        CHECK(hakit::zookeeper::decode_checkpoint_id_count(zk::bytes{}).error() == errc::corrupted_data);
    }

    // ---- state files --------------------------------------------------------------------------

    TEST_CASE("state storage: new random files, complete or absent, checked on read, repeatable discard")
    {
        temp_dir dir;
        const hakit::zookeeper::state_storage storage(dir.path() / "cluster", "submittedJobGraph");
        auto a = storage.store("alpha");
        auto b2 = storage.store("alpha");
        REQUIRE(a);
        REQUIRE(b2);
        CHECK(a.value().file != b2.value().file);  // same content, new name: never overwritten
        CHECK(a.value().file.parent_path() == dir.path() / "cluster");
        const auto name = a.value().file.filename().string();
        CHECK(name.rfind("submittedJobGraph", 0) == 0);
        CHECK(name.size() == std::string("submittedJobGraph").size() + 32);
        CHECK(a.value().size == 5);
        CHECK(a.value().sha1 == hakit::detail::sha1_of("alpha"));
        CHECK(files_in(dir.path() / "cluster").size() == 2);  // no temporary file left
        CHECK(storage.retrieve(a.value()).value() == "alpha");

        auto empty = storage.store("");
        REQUIRE(empty);
        CHECK(storage.retrieve(empty.value()).value().empty());

        // Damaged, truncated or missing files are corrupted data.
        REQUIRE(hakit::detail::write_local_file(b2.value().file, "alpHa"));
        CHECK(storage.retrieve(b2.value()).error() == errc::corrupted_data);
        REQUIRE(hakit::detail::write_local_file(b2.value().file, "alph"));
        CHECK(storage.retrieve(b2.value()).error() == errc::corrupted_data);
        REQUIRE(storage.discard(b2.value()));
        CHECK_FALSE(fs::exists(b2.value().file));
        CHECK(storage.retrieve(b2.value()).error() == errc::corrupted_data);
        CHECK(storage.discard(b2.value()));  // missing: success, so discarding is repeatable

        // A discard that cannot delete reports it (here: a non-empty directory in the file's place).
        fs::remove(a.value().file);
        fs::create_directories(a.value().file / "x");
        CHECK_FALSE(storage.discard(a.value()));
        fs::remove_all(a.value().file);
        CHECK(storage.discard(a.value()));
    }

    // ---- error classification -----------------------------------------------------------------

    TEST_CASE("errors: Flink's safe list; connection errors become hakit errc values")
    {
        using hakit::detail::zk_stores::is_definite_failure;
        using hakit::detail::zk_stores::to_store_error;
        for (const auto e :
             {zk::error::node_exists,
              zk::error::bad_arguments,
              zk::error::no_node,
              zk::error::no_auth,
              zk::error::bad_version,
              zk::error::auth_failed,
              zk::error::invalid_acl,
              zk::error::session_moved,
              zk::error::not_read_only})
            CHECK(is_definite_failure(e));
        for (const auto e :
             {zk::error::connection_loss,
              zk::error::operation_timeout,
              zk::error::session_expired,
              zk::error::system_error,
              zk::error::quota_exceeded,
              zk::error::not_empty})
            CHECK_FALSE(is_definite_failure(e));
        CHECK_FALSE(is_definite_failure(errc::closed));
        CHECK_FALSE(is_definite_failure(asio::error::operation_aborted));

        CHECK(to_store_error(zk::error::connection_loss) == errc::connection_lost);
        CHECK(to_store_error(zk::error::operation_timeout) == errc::connection_lost);
        CHECK(to_store_error(zk::error::session_moved) == errc::connection_lost);
        CHECK(to_store_error(zk::error::session_expired) == errc::session_expired);
        CHECK(to_store_error(zk::error::no_auth) == zk::error::no_auth);
        CHECK(to_store_error(errc::closed) == errc::closed);
    }

    TEST_CASE("the stores model the concepts; a bad construction fails every operation")
    {
        static_assert(hakit::job_graph_store<hakit::zookeeper_job_graph_store>);
        static_assert(hakit::completed_checkpoint_store<hakit::zookeeper_completed_checkpoint_store>);
        static_assert(hakit::checkpoint_id_counter<hakit::zookeeper_checkpoint_id_counter>);
        static_assert(!hakit::job_graph_store<hakit::zookeeper_state_handle_store>);

        asio::io_context ioc;
        temp_dir dir;
        auto client = std::make_shared<zk::client>(ioc.get_executor(), zk::session_options{});
        hakit::zookeeper_state_handle_store null_client(
            nullptr, "/a", hakit::zookeeper::state_storage(dir.path(), "p"), "l"
        );
        hakit::zookeeper_state_handle_store bad_root(
            client, "a/", hakit::zookeeper::state_storage(dir.path(), "p"), "l"
        );
        hakit::zookeeper_state_handle_store bad_lock(
            client, "/a", hakit::zookeeper::state_storage(dir.path(), "p"), "x/y"
        );
        for (auto* s : {&null_client, &bad_root, &bad_lock})
        {
            CHECK(run_coro(ioc, s->async_add_and_lock("n", "v")).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_get_and_lock("n")).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_get_all_and_lock()).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_names()).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_release_and_try_remove("n")).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_release_all()).error() == errc::invalid_argument);
            CHECK(run_coro(ioc, s->async_replace("n", -1, "v")).error() == errc::invalid_argument);
        }
        hakit::zookeeper_state_handle_store good(
            client, "/a", hakit::zookeeper::state_storage(dir.path(), "p"), "l"
        );
        CHECK(run_coro(ioc, good.async_add_and_lock("x/y", "v")).error() == errc::invalid_argument);
        CHECK(run_coro(ioc, good.async_exists("")).error() == errc::invalid_argument);
        CHECK(files_in(dir.path()).empty());

        hakit::zookeeper_checkpoint_id_counter counter(nullptr, "/a", job_a);
        CHECK(run_coro(ioc, counter.async_get()).error() == errc::invalid_argument);
        CHECK(run_coro(ioc, counter.async_set_count(-1)).error() == errc::invalid_argument);
        // A client that never connected: the counter refuses instead of queueing.
        hakit::zookeeper_checkpoint_id_counter idle(client, "/a", job_a);
        CHECK(run_coro(ioc, idle.async_get_and_increment()).error() == errc::connection_suspended);
    }
}

TEST_SUITE("zookeeper_store.fake_server")
{
    TEST_CASE("add_and_lock against the fake server: one transaction, root created, locks counted")
    {
        fake_fixture f;
        f.connect();
        REQUIRE(f.run(f.store.async_add_and_lock("one", "state-1")));
        // The first transaction found no /ha/entries: created, then the transaction again.
        CHECK(f.server.count(zk::op_code::multi) == 2);
        CHECK(f.server.has_node("/ha/entries"));
        REQUIRE(f.run(f.store.async_add_and_lock("two", "state-2")));
        CHECK(f.server.count(zk::op_code::multi) == 3);
        CHECK(f.server.has_node("/ha/entries/one/locks/lock-a"));
        CHECK(f.files().size() == 2);
        CHECK(f.run(f.store.async_add_and_lock("one", "again")).error() == errc::already_exists);
        CHECK(f.files().size() == 2);  // nothing written for a refused add
        auto got = f.run(f.store.async_get_and_lock("one"));
        REQUIRE(got);
        CHECK(got.value().state == "state-1");
        CHECK(got.value().version == 0);
    }

    TEST_CASE("add_and_lock: each refusal of Flink's safe list discards the new file and is returned")
    {
        for (const auto code :
             {zk::error::bad_arguments,
              zk::error::no_node,
              zk::error::no_auth,
              zk::error::bad_version,
              zk::error::auth_failed,
              zk::error::invalid_acl,
              zk::error::session_moved,
              zk::error::not_read_only,
              zk::error::node_exists})
        {
            CAPTURE(code);
            fake_fixture f;
            f.connect();
            f.intercept_next_multi([code](hakit_test::fake_connection& conn, const zk::client_message& m) {
                conn.reply(m.header.xid, 1, static_cast<std::int32_t>(code));
                return true;
            });
            auto added = f.run(f.store.async_add_and_lock("entry", "state"));
            REQUIRE_FALSE(added);
            if (code == zk::error::node_exists)
                CHECK(added.error() == errc::already_exists);
            else if (code == zk::error::session_moved)
                CHECK(added.error() == errc::connection_lost);
            else
                CHECK(added.error() == code);
            CHECK(f.files().empty());
            CHECK_FALSE(f.server.has_node("/ha/entries/entry"));
        }
    }

    TEST_CASE("add_and_lock: a failed transaction is refused for sure: file discarded")
    {
        fake_fixture f;
        f.connect();
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message& m) {
            conn.reply(
                m.header.xid, 1, 0, failed_multi(3, 0, static_cast<std::int32_t>(zk::error::node_exists))
            );
            return true;
        });
        CHECK(f.run(f.store.async_add_and_lock("entry", "state")).error() == errc::already_exists);
        CHECK(f.files().empty());

        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message& m) {
            conn.reply(
                m.header.xid, 1, 0, failed_multi(3, 2, static_cast<std::int32_t>(zk::error::quota_exceeded))
            );
            return true;
        });
        CHECK(f.run(f.store.async_add_and_lock("entry", "state")).error() == zk::error::quota_exceeded);
        CHECK(f.files().empty());
    }

    TEST_CASE("add_and_lock: unknown outcomes keep the file (possibly_inconsistent)")
    {
        SUBCASE("an error outside the safe list")
        {
            fake_fixture f;
            f.connect();
            f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message& m) {
                conn.reply(m.header.xid, 1, static_cast<std::int32_t>(zk::error::system_error));
                return true;
            });
            CHECK(f.run(f.store.async_add_and_lock("entry", "state")).error() == errc::possibly_inconsistent);
            CHECK(f.files().size() == 1);
            CHECK_FALSE(f.server.has_node("/ha/entries/entry"));
        }
        SUBCASE("the connection breaks before the server saw the transaction")
        {
            fake_fixture f;
            f.connect();
            f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message&) {
                conn.abort();
                return true;  // dropped unprocessed
            });
            CHECK(f.run(f.store.async_add_and_lock("entry", "state")).error() == errc::possibly_inconsistent);
            CHECK(f.files().size() == 1);
            CHECK_FALSE(f.server.has_node("/ha/entries/entry"));
            // The entry can be added afterwards (the kept file is an orphan, never a lost state).
            REQUIRE(f.run(f.store.async_add_and_lock("entry", "state")));
            CHECK(f.files().size() == 2);
        }
        SUBCASE("the client is closed while the transaction is in flight")
        {
            fake_fixture f;
            f.connect();
            auto closer = [](std::shared_ptr<zk::client> c) -> asio::awaitable<void> {
                (void)co_await c->async_close();
            };
            f.intercept_next_multi([&](hakit_test::fake_connection&, const zk::client_message&) {
                asio::co_spawn(f.ioc, closer(f.client), asio::detached);
                return true;  // never answered
            });
            CHECK(f.run(f.store.async_add_and_lock("entry", "state")).error() == errc::possibly_inconsistent);
            CHECK(f.files().size() == 1);
            CHECK(f.client->state() == zk::connection_state::closed);
        }
    }

    TEST_CASE("add_and_lock: cancelled while the transaction is in flight: file kept")
    {
        fake_fixture f;
        f.connect();
        bool seen = false;
        f.intercept_next_multi([&](hakit_test::fake_connection&, const zk::client_message&) {
            seen = true;
            return true;  // never answered
        });
        std::optional<hakit::result<void>> outcome;
        asio::cancellation_signal cancel;
        auto run = [](hakit::zookeeper_state_handle_store store,
                      std::optional<hakit::result<void>>* out) -> asio::awaitable<void> {
            out->emplace(co_await store.async_add_and_lock("entry", "state"));
        };
        asio::co_spawn(
            f.ioc,
            run(f.store, &outcome),
            asio::bind_cancellation_slot(
                cancel.slot(),
                [](std::exception_ptr e) {
                    if (e)
                        std::rethrow_exception(e);
                }
            )
        );
        auto in_flight = [&] {
            return seen;
        };
        REQUIRE(f.run(f.server.async_wait_until(in_flight, 5s)));
        cancel.emit(asio::cancellation_type::terminal);
        auto finished = [&] {
            return outcome.has_value();
        };
        REQUIRE(f.run(f.server.async_wait_until(finished, 5s)));
        CHECK(outcome->error() == errc::possibly_inconsistent);
        CHECK(f.files().size() == 1);
    }

    TEST_CASE("add_and_lock: a transaction applied whose reply was lost is recognised (retried commit)")
    {
        fake_fixture f;
        f.connect();
        REQUIRE(f.run(f.store.async_add_and_lock("other", "x")));  // the root exists now
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message&) {
            conn.abort();
            return false;  // the server still applies it; the reply goes nowhere
        });
        REQUIRE(f.run(f.store.async_add_and_lock("entry", "state")));
        CHECK(f.server.has_node("/ha/entries/entry/locks/lock-a"));
        CHECK(f.server.connections_accepted() == 2);
        CHECK(f.files().size() == 2);
        CHECK(f.run(f.store.async_get_and_lock("entry")).value().state == "state");
    }

    TEST_CASE("replace: refusals discard only the new file; unknown outcomes keep both")
    {
        fake_fixture f;
        f.connect();
        REQUIRE(f.run(f.store.async_add_and_lock("entry", "old")));
        const auto old_files = f.files();
        REQUIRE(old_files.size() == 1);

        // A safe error from the server.
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message& m) {
            conn.reply(m.header.xid, 1, static_cast<std::int32_t>(zk::error::no_auth));
            return true;
        });
        CHECK(f.run(f.store.async_replace("entry", 0, "new")).error() == zk::error::no_auth);
        CHECK(f.files() == old_files);
        // The node vanished at the set: not_found (Flink's NotExistException).
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message& m) {
            conn.reply(m.header.xid, 1, 0, failed_multi(2, 1, static_cast<std::int32_t>(zk::error::no_node)));
            return true;
        });
        CHECK(f.run(f.store.async_replace("entry", 0, "new")).error() == errc::not_found);
        CHECK(f.files() == old_files);
        // Unknown: both files stay, the node still names the old one.
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message&) {
            conn.abort();
            return true;
        });
        CHECK(f.run(f.store.async_replace("entry", 0, "new")).error() == errc::possibly_inconsistent);
        CHECK(f.files().size() == 2);
        CHECK(f.run(f.store.async_get_and_lock("entry")).value().state == "old");
        // Applied, but the reply was lost: the read-back finds the new handle; the old file goes.
        f.intercept_next_multi([](hakit_test::fake_connection& conn, const zk::client_message&) {
            conn.abort();
            return false;
        });
        auto applied = f.run(f.store.async_replace("entry", 0, "applied"));
        REQUIRE(applied);
        CHECK(applied.value() == 1);
        CHECK(f.files().size() == 2);  // the orphan of the unknown attempt, and the new one
        for (const auto& name : old_files)
            CHECK_FALSE(fs::exists(f.dir.path() / name));
        CHECK(f.run(f.store.async_get_and_lock("entry")).value().state == "applied");
        // And a plain successful replace.
        auto replaced = f.run(f.store.async_replace("entry", 1, "newest"));
        REQUIRE(replaced);
        CHECK(replaced.value() == 2);
        CHECK(f.files().size() == 2);
        auto got = f.run(f.store.async_get_and_lock("entry"));
        CHECK(got.value().state == "newest");
        CHECK(got.value().version == 2);
    }

    TEST_CASE("get_all_and_lock: reads again when the children changed meanwhile (cversion)")
    {
        fake_fixture f;
        f.connect();
        REQUIRE(f.run(f.store.async_add_and_lock("b", "2")));
        REQUIRE(f.run(f.store.async_add_and_lock("a", "1")));
        int faked = 0;
        f.server.intercept([&](hakit_test::fake_connection& conn, const zk::client_message& m) {
            if (m.header.type != zk::op_code::exists || faked > 0 ||
                std::get<zk::exists_request>(m.body).path != "/ha/entries")
                return false;
            ++faked;
            zk::stat changed;
            changed.cversion = 1000;
            changed.num_children = 3;
            conn.reply(m.header.xid, 1, 0, zk::exists_response{changed});
            return true;
        });
        const auto listings = f.server.count(zk::op_code::get_children2);
        auto all = f.run(f.store.async_get_all_and_lock());
        REQUIRE(all);
        CHECK(faked == 1);
        CHECK(f.server.count(zk::op_code::get_children2) == listings + 2);
        REQUIRE(all.value().size() == 2);
        CHECK(all.value()[0].name == "a");  // sorted by name
        CHECK(all.value()[1].state == "2");
    }

    TEST_CASE("counter: refused while the connection is suspended, works again after the reconnect")
    {
        fake_fixture f;
        f.connect();
        hakit::zookeeper_checkpoint_id_counter counter(f.client, "/ha", job_a);
        CHECK(f.run(counter.async_get_and_increment()).value() == 1);
        CHECK(f.run(counter.async_get_and_increment()).value() == 2);
        f.server.stall_handshakes(true);
        f.server.drop_all();
        auto suspended = [&] {
            return f.client->state() == zk::connection_state::suspended;
        };
        REQUIRE(f.run(f.server.async_wait_until(suspended, 5s)));
        const auto before = f.server.requests().size();
        CHECK(f.run(counter.async_get_and_increment()).error() == errc::connection_suspended);
        CHECK(f.run(counter.async_get()).error() == errc::connection_suspended);
        CHECK(f.run(counter.async_set_count(9)).error() == errc::connection_suspended);
        CHECK(
            f.run(counter.async_shutdown(hakit::job_status::finished)).error() == errc::connection_suspended
        );
        CHECK(f.server.requests().size() == before);  // nothing was sent or queued
        f.server.stall_handshakes(false);
        auto connected = [&] {
            return f.client->state() == zk::connection_state::connected;
        };
        REQUIRE(f.run(f.server.async_wait_until(connected, 5s)));
        CHECK(f.run(counter.async_get_and_increment()).value() == 3);
        // Non-terminal shutdown needs no connection and keeps the node.
        REQUIRE(f.run(counter.async_shutdown(hakit::job_status::suspended)));
        CHECK(f.server.has_node(counter.path()));
        CHECK(f.run(counter.async_get()).error() == errc::closed);
    }

    TEST_CASE("counter: a connection lost during the compare-and-set is connection_lost, never a repeat")
    {
        fake_fixture f;
        f.connect();
        hakit::zookeeper_checkpoint_id_counter counter(f.client, "/ha", job_a);
        CHECK(f.run(counter.async_get_and_increment()).value() == 1);
        bool dropped = false;
        f.server.intercept([&](hakit_test::fake_connection& conn, const zk::client_message& m) {
            if (m.header.type != zk::op_code::set_data || dropped)
                return false;
            dropped = true;
            conn.abort();
            return false;  // applied, reply lost
        });
        CHECK(f.run(counter.async_get_and_increment()).error() == errc::connection_lost);
        auto connected = [&] {
            return f.client->state() == zk::connection_state::connected;
        };
        REQUIRE(f.run(f.server.async_wait_until(connected, 5s)));
        CHECK(f.run(counter.async_get_and_increment()).value() == 3);  // 2 was used up: skipped
    }
}
