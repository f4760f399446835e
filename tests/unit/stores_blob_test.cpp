// Tests of blob keys, SHA-1 content checks and the in-memory and void blob stores
// (flink-ha.md §4.2).
#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/backend/standalone_stores.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/local_file.hpp>
#include <hakit/stores/sha1.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>

#include <doctest/doctest.h>

#include "common/run_coro.hpp"
#include "common/temp_dir.hpp"

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <unordered_set>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using hakit::blob_key;
using hakit::blob_type;
using hakit::errc;
using hakit::job_id;

using hakit_test::temp_dir;

std::string hex(const hakit::detail::sha1_digest& d)
{
    static constexpr char digits[] = "0123456789abcdef";
    std::string s;
    for (const auto b : d)
    {
        s += digits[b >> 4];
        s += digits[b & 0xf];
    }
    return s;
}

void write_file(const fs::path& p, const std::string& bytes)
{
    REQUIRE(hakit::detail::write_local_file(p, bytes));
}

std::string read_file(const fs::path& p)
{
    auto r = hakit::detail::read_local_file(p);
    REQUIRE(r);
    return r.value();
}

struct fixture
{
    asio::io_context ioc;
    temp_dir dir;

    template <class T>
    T run(asio::awaitable<T> op)
    {
        return hakit_test::run_coro(ioc, std::move(op), std::chrono::seconds(10));
    }
};

struct member
{
    std::shared_ptr<hakit::detail::in_memory_store_faults> faults =
        std::make_shared<hakit::detail::in_memory_store_faults>();
    std::shared_ptr<bool> closed = std::make_shared<bool>(false);
    hakit::detail::in_memory_store_context ctx;
};

member join(const std::shared_ptr<hakit::detail::in_memory_store_data>& data, std::uint64_t owner)
{
    member m;
    m.ctx = hakit::detail::in_memory_store_context{data, owner, m.faults, m.closed};
    return m;
}

const job_id job_a = job_id::from_parts(0xa, 1);
const job_id job_b = job_id::from_parts(0xb, 2);

static_assert(hakit::blob_store<hakit::in_memory_blob_store>);
static_assert(hakit::blob_store<hakit::void_blob_store>);
static_assert(!hakit::blob_store<hakit::in_memory_job_result_store>);

/// All blob_store members but async_cleanup_all.
struct blob_store_missing_cleanup_all
{
    asio::awaitable<hakit::result<void>> async_put(fs::path, std::optional<job_id>, blob_key);
    asio::awaitable<hakit::result<void>> async_get(std::optional<job_id>, blob_key, fs::path);
    asio::awaitable<hakit::result<void>> async_delete(std::optional<job_id>, blob_key);
    asio::awaitable<hakit::result<void>> async_delete_all(job_id);
};
static_assert(!hakit::blob_store<blob_store_missing_cleanup_all>);

}  // namespace

TEST_SUITE("stores")
{
    TEST_CASE("sha1: known digests, incremental equals one-shot, files")
    {
        CHECK(hex(hakit::detail::sha1_of("")) == "da39a3ee5e6b4b0d3255bfef95601890afd80709");
        CHECK(hex(hakit::detail::sha1_of("abc")) == "a9993e364706816aba3e25717850c26c9cd0d89d");
        CHECK(
            hex(hakit::detail::sha1_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")) ==
            "84983e441c3bd26ebaae4aa1f95129e5e54670f1"
        );
        const std::string million(1'000'000, 'a');
        CHECK(hex(hakit::detail::sha1_of(million)) == "34aa973cd4c4daa4f61eeb2bdbad27316534016f");

        hakit::detail::sha1_hasher incremental;
        incremental.update("ab");
        incremental.update("");
        incremental.update("c");
        CHECK(incremental.finish() == hakit::detail::sha1_of("abc"));

        temp_dir dir;
        write_file(dir / "million", million);
        auto from_file = hakit::detail::sha1_of_file(dir / "million");
        REQUIRE(from_file);
        CHECK(from_file.value() == hakit::detail::sha1_of(million));
        CHECK(hakit::detail::sha1_of_file(dir / "missing").error() == errc::not_found);
        CHECK(hakit::detail::read_local_file(dir / "missing").error() == errc::not_found);
    }

    TEST_CASE("blob_key: text form, parse, content keys")
    {
        const auto p = blob_key::for_content(blob_type::permanent, "abc");
        const auto text = p.to_string();
        CHECK(text.size() == blob_key::string_size);
        CHECK(text.substr(0, 2) == "p-");
        CHECK(text.substr(2, 40) == "a9993e364706816aba3e25717850c26c9cd0d89d");
        CHECK(text[42] == '-');
        CHECK(p.type() == blob_type::permanent);
        CHECK(p.matches("abc"));
        CHECK_FALSE(p.matches("abd"));

        auto parsed = blob_key::parse(text);
        REQUIRE(parsed);
        CHECK(parsed.value() == p);

        const auto t = blob_key::for_content(blob_type::transient, "abc");
        CHECK(t.to_string().substr(0, 2) == "t-");
        CHECK(t.hash() == p.hash());
        CHECK(t != p);
        // Same content, same type: same hash, distinct random part.
        const auto p2 = blob_key::for_content(blob_type::permanent, "abc");
        CHECK(p2.hash() == p.hash());
        CHECK(p2.random_part() != p.random_part());
        CHECK(p2 != p);
        CHECK((p < p2 || p2 < p));
        CHECK(std::unordered_set<blob_key>{p, p2, t, p}.size() == 3);

        blob_key::hash_type hash{};
        blob_key::random_type random{};
        hash[0] = 0xAB;
        random[15] = 0x01;
        const blob_key fixed(blob_type::transient, hash, random);
        CHECK(fixed.to_string() == "t-ab" + std::string(38, '0') + "-" + std::string(31, '0') + "1");
        CHECK(
            blob_key::parse("T-AB" + std::string(38, '0') + "-" + std::string(31, '0') + "1").error() ==
            errc::invalid_argument
        );
        CHECK(
            blob_key::parse("t-AB" + std::string(38, '0') + "-" + std::string(31, '0') + "1").value() == fixed
        );
        std::ostringstream os;
        os << fixed;
        CHECK(os.str() == fixed.to_string());

        CHECK(blob_key::parse("").error() == errc::invalid_argument);
        CHECK(blob_key::parse(text.substr(1)).error() == errc::invalid_argument);
        auto bad = text;
        bad[0] = 'x';
        CHECK(blob_key::parse(bad).error() == errc::invalid_argument);
        bad = text;
        bad[42] = '_';
        CHECK(blob_key::parse(bad).error() == errc::invalid_argument);
        bad = text;
        bad[10] = 'g';
        CHECK(blob_key::parse(bad).error() == errc::invalid_argument);
        bad = text;
        bad[60] = 'z';
        CHECK(blob_key::parse(bad).error() == errc::invalid_argument);

        temp_dir dir;
        write_file(dir / "f", "file content");
        auto from_file = blob_key::for_file(blob_type::permanent, dir / "f");
        REQUIRE(from_file);
        CHECK(from_file.value().hash() == blob_key::for_content(blob_type::permanent, "file content").hash());
        CHECK(blob_key::for_file(blob_type::permanent, dir / "nope").error() == errc::not_found);
    }

    TEST_CASE("in-memory blob store: put, get, namespaces, sharing")
    {
        fixture f;
        auto data = std::make_shared<hakit::detail::in_memory_store_data>();
        hakit::in_memory_blob_store a(join(data, 1).ctx);
        hakit::in_memory_blob_store b(join(data, 2).ctx);
        const std::string content = std::string("jar\0bytes", 9) + std::string(100'000, 'x');
        write_file(f.dir / "in.jar", content);
        const auto key = blob_key::for_content(blob_type::permanent, content);

        REQUIRE(f.run(a.async_put(f.dir / "in.jar", job_a, key)));
        CHECK(data->has_blob(job_a, key));
        CHECK_FALSE(data->has_blob(std::nullopt, key));
        fs::remove(f.dir / "in.jar");  // the store holds its own copy

        // Another member reads it back (into a directory that does not exist yet).
        const auto out = f.dir / "sub" / "out.jar";
        REQUIRE(f.run(b.async_get(job_a, key, out)));
        CHECK(read_file(out) == content);

        // The job's and the no-job namespaces are distinct.
        CHECK(f.run(b.async_get(std::nullopt, key, f.dir / "x")).error() == errc::not_found);
        CHECK(f.run(b.async_get(job_b, key, f.dir / "x")).error() == errc::not_found);
        CHECK_FALSE(fs::exists(f.dir / "x"));
        write_file(f.dir / "other", "other");
        const auto other_key = blob_key::for_content(blob_type::permanent, "other");
        REQUIRE(f.run(a.async_put(f.dir / "other", std::nullopt, other_key)));
        REQUIRE(f.run(a.async_get(std::nullopt, other_key, f.dir / "x")));
        CHECK(read_file(f.dir / "x") == "other");

        // Put replaces; an empty blob works.
        write_file(f.dir / "empty", "");
        const auto empty_key = blob_key::for_content(blob_type::transient, "");
        REQUIRE(f.run(a.async_put(f.dir / "empty", job_b, empty_key)));
        REQUIRE(f.run(a.async_put(f.dir / "empty", job_b, empty_key)));
        write_file(f.dir / "x", "stale");
        REQUIRE(f.run(a.async_get(job_b, empty_key, f.dir / "x")));
        CHECK(read_file(f.dir / "x").empty());
        CHECK(data->blob_count() == 3);

        // A missing local file is an error and stores nothing.
        CHECK(f.run(a.async_put(f.dir / "missing", job_a, other_key)).error() == errc::not_found);
        CHECK_FALSE(data->has_blob(job_a, other_key));
    }

    TEST_CASE("in-memory blob store: corruption is detected and the local file removed")
    {
        fixture f;
        auto data = std::make_shared<hakit::detail::in_memory_store_data>();
        hakit::in_memory_blob_store s(join(data, 1).ctx);
        write_file(f.dir / "in", "payload");
        const auto key = blob_key::for_content(blob_type::permanent, "payload");
        REQUIRE(f.run(s.async_put(f.dir / "in", job_a, key)));

        SUBCASE("stored bytes corrupted")
        {
            CHECK(data->corrupt_blob(job_a, key));
            write_file(f.dir / "out", "previous content");
            CHECK(f.run(s.async_get(job_a, key, f.dir / "out")).error() == errc::corrupted_data);
            CHECK_FALSE(fs::exists(f.dir / "out"));
        }
        SUBCASE("empty blob corrupted")
        {
            write_file(f.dir / "empty", "");
            const auto empty_key = blob_key::for_content(blob_type::permanent, "");
            REQUIRE(f.run(s.async_put(f.dir / "empty", std::nullopt, empty_key)));
            CHECK(data->corrupt_blob(std::nullopt, empty_key));
            CHECK(f.run(s.async_get(std::nullopt, empty_key, f.dir / "out")).error() == errc::corrupted_data);
            CHECK_FALSE(fs::exists(f.dir / "out"));
        }
        SUBCASE("key does not match the content that was put")
        {
            const auto wrong = blob_key::for_content(blob_type::permanent, "something else");
            REQUIRE(f.run(s.async_put(f.dir / "in", job_a, wrong)));
            CHECK(f.run(s.async_get(job_a, wrong, f.dir / "out")).error() == errc::corrupted_data);
            CHECK_FALSE(fs::exists(f.dir / "out"));
        }
        CHECK_FALSE(data->corrupt_blob(job_b, key));
        // The intact blob still reads fine unless it was the corrupted one.
        CHECK(data->has_blob(job_a, key));
    }

    TEST_CASE("in-memory blob store: delete, delete_all, cleanup_all")
    {
        fixture f;
        auto data = std::make_shared<hakit::detail::in_memory_store_data>();
        hakit::in_memory_blob_store s(join(data, 1).ctx);
        write_file(f.dir / "1", "one");
        write_file(f.dir / "2", "two");
        const auto k1 = blob_key::for_content(blob_type::permanent, "one");
        const auto k2 = blob_key::for_content(blob_type::permanent, "two");
        for (const auto& job :
             {std::optional<job_id>(job_a), std::optional<job_id>(job_b), std::optional<job_id>()})
        {
            REQUIRE(f.run(s.async_put(f.dir / "1", job, k1)));
            REQUIRE(f.run(s.async_put(f.dir / "2", job, k2)));
        }
        CHECK(data->blob_count() == 6);

        REQUIRE(f.run(s.async_delete(job_a, k1)));
        CHECK_FALSE(data->has_blob(job_a, k1));
        CHECK(data->has_blob(job_a, k2));
        CHECK(data->has_blob(job_b, k1));
        CHECK(data->has_blob(std::nullopt, k1));
        CHECK(f.run(s.async_delete(job_a, k1)));  // missing: success
        CHECK(f.run(s.async_get(job_a, k1, f.dir / "out")).error() == errc::not_found);

        REQUIRE(f.run(s.async_delete_all(job_b)));
        CHECK_FALSE(data->has_blob(job_b, k1));
        CHECK_FALSE(data->has_blob(job_b, k2));
        CHECK(data->has_blob(job_a, k2));
        CHECK(data->has_blob(std::nullopt, k2));
        CHECK(data->blob_count() == 3);

        data->global_cleanup(job_a);  // the cluster's per-job cleanup removes its blobs too
        CHECK(data->blob_count() == 2);

        REQUIRE(f.run(s.async_cleanup_all()));
        CHECK(data->blob_count() == 0);
        CHECK(f.run(s.async_cleanup_all()));
    }

    TEST_CASE("in-memory blob store: injected faults and closing change nothing")
    {
        fixture f;
        auto data = std::make_shared<hakit::detail::in_memory_store_data>();
        const auto m = join(data, 1);
        hakit::in_memory_blob_store s(m.ctx);
        write_file(f.dir / "in", "payload");
        const auto key = blob_key::for_content(blob_type::permanent, "payload");

        m.faults->fail_next(1);
        CHECK(f.run(s.async_put(f.dir / "in", job_a, key)).error() == errc::injected_fault);
        CHECK(data->blob_count() == 0);
        REQUIRE(f.run(s.async_put(f.dir / "in", job_a, key)));

        m.faults->fail_next(1, errc::connection_lost);
        CHECK(f.run(s.async_get(job_a, key, f.dir / "out")).error() == errc::connection_lost);
        CHECK_FALSE(fs::exists(f.dir / "out"));
        m.faults->fail_next(3);
        CHECK(f.run(s.async_delete(job_a, key)).error() == errc::injected_fault);
        CHECK(f.run(s.async_delete_all(job_a)).error() == errc::injected_fault);
        CHECK(f.run(s.async_cleanup_all()).error() == errc::injected_fault);
        CHECK(data->has_blob(job_a, key));
        REQUIRE(f.run(s.async_get(job_a, key, f.dir / "out")));
        CHECK(read_file(f.dir / "out") == "payload");

        *m.closed = true;
        CHECK(f.run(s.async_put(f.dir / "in", job_b, key)).error() == errc::closed);
        CHECK(f.run(s.async_get(job_a, key, f.dir / "out2")).error() == errc::closed);
        CHECK(f.run(s.async_delete(job_a, key)).error() == errc::closed);
        CHECK(f.run(s.async_delete_all(job_a)).error() == errc::closed);
        CHECK(f.run(s.async_cleanup_all()).error() == errc::closed);
        CHECK(data->blob_count() == 1);
        CHECK_FALSE(fs::exists(f.dir / "out2"));
    }

    TEST_CASE("void blob store: accepts everything, stores nothing")
    {
        fixture f;
        auto closed = std::make_shared<bool>(false);
        hakit::void_blob_store s(closed);
        write_file(f.dir / "in", "payload");
        const auto key = blob_key::for_content(blob_type::permanent, "payload");
        CHECK(f.run(s.async_put(f.dir / "in", job_a, key)));
        CHECK(f.run(s.async_put(f.dir / "does-not-exist", std::nullopt, key)));
        CHECK(f.run(s.async_get(job_a, key, f.dir / "out")).error() == errc::not_found);
        CHECK_FALSE(fs::exists(f.dir / "out"));
        CHECK(f.run(s.async_delete(job_a, key)));
        CHECK(f.run(s.async_delete_all(job_a)));
        CHECK(f.run(s.async_cleanup_all()));
        *closed = true;
        CHECK(f.run(s.async_put(f.dir / "in", job_a, key)).error() == errc::closed);
        CHECK(f.run(s.async_get(job_a, key, f.dir / "out")).error() == errc::closed);
        CHECK(f.run(s.async_cleanup_all()).error() == errc::closed);
    }
}
