// Tests of the file-system HA stores (flink-ha.md §4.1, §4.2, §6.9): the job result store (the
// JobResultStoreContractTest checks and FileSystemJobResultStoreFileOperationsTest's behaviours),
// its JSON mapping, the blob store, and the atomic file writer beneath both.
#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/filesystem/atomic_file_writer.hpp>
#include <hakit/filesystem/base64.hpp>
#include <hakit/filesystem/blob_store.hpp>
#include <hakit/filesystem/job_result_json.hpp>
#include <hakit/filesystem/job_result_store.hpp>
#include <hakit/filesystem/posix_file.hpp>
#include <hakit/job_id.hpp>
#include <hakit/stores/blob_key.hpp>
#include <hakit/stores/concepts.hpp>
#include <hakit/stores/job_result.hpp>

#include <boost/asio/awaitable.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/system/errc.hpp>

#include <doctest/doctest.h>

#include "common/job_result_store_contract.hpp"
#include "common/run_coro.hpp"
#include "common/temp_dir.hpp"

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace {

namespace asio = boost::asio;
namespace fs = std::filesystem;
using hakit::blob_key;
using hakit::blob_type;
using hakit::errc;
using hakit::job_id;
using hakit::job_result;

using hakit_test::temp_dir;

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

void write_file(const fs::path& p, std::string_view bytes)
{
    std::ofstream out(p, std::ios::binary | std::ios::trunc);
    REQUIRE(static_cast<bool>(out));
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    REQUIRE(static_cast<bool>(out));
}

std::string read_file(const fs::path& p)
{
    auto r = hakit::detail::read_whole_file(p);
    REQUIRE(r);
    return r.value();
}

/// Names of the entries of a directory, sorted (empty if it does not exist).
std::vector<std::string> list(const fs::path& dir)
{
    std::vector<std::string> names;
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
        names.push_back(it->path().filename().string());
    std::sort(names.begin(), names.end());
    return names;
}

bool has_temp_files(const fs::path& dir)
{
    for (const auto& entry : fs::recursive_directory_iterator(dir))
        if (hakit::detail::is_atomic_writer_temp_name(entry.path().filename().string()))
            return true;
    return false;
}

const job_id job_a = job_id::from_parts(0xa, 1);
const job_id job_b = job_id::from_parts(0xb, 2);

job_result make_result(job_id id, hakit::application_status status = hakit::application_status::succeeded)
{
    return hakit_test::make_contract_job_result(id, status);
}

/// A result with bytes JSON cannot hold as text: base64 must carry them.
job_result binary_result(job_id id)
{
    job_result r;
    r.id = id;
    r.status = hakit::application_status::failed;
    r.net_runtime = std::chrono::milliseconds(9'007'199'254'740'993);  // above 2^53: no double
    r.accumulator_results = {
        {"empty", ""},
        {"binary", std::string("\x00\xff\x80\x01", 4)},
        {"one", "a"},
        {"two", "ab"},
        {"unicode name \xe2\x82\xac", "value"},
    };
    static constexpr char cause[] = "\xac\xed\x00\x05sr\x00\x1corg.apache.flink.util.SerializedThrowable";
    r.failure_cause = std::string(cause, sizeof(cause) - 1);
    return r;
}

static_assert(hakit::job_result_store<hakit::filesystem_job_result_store>);
static_assert(hakit::blob_store<hakit::filesystem_blob_store>);
static_assert(!hakit::blob_store<hakit::filesystem_job_result_store>);
static_assert(!hakit::job_result_store<hakit::filesystem_blob_store>);

}  // namespace

TEST_SUITE("filesystem stores")
{  // ---- job result store: contract ------------------------------------------------------------

    TEST_CASE("filesystem job result store: job result store contract")
    {
        temp_dir dir;
        hakit_test::check_job_result_store_contract([&] {
            return hakit::filesystem_job_result_store(dir / "job-result-store", false);
        });
    }

    TEST_CASE("in-memory job result store: the shared contract header")
    {
        hakit_test::check_job_result_store_contract([] {
            return hakit::in_memory_job_result_store(hakit::detail::make_private_store_context());
        });
    }

    // ---- job result store: file operations (FileSystemJobResultStoreFileOperationsTest) -------

    TEST_CASE("filesystem job result store: entry paths live in the base directory")
    {
        const fs::path base = "/some/base/dir";
        hakit::filesystem_job_result_store store(base);
        const auto dirty = store.dirty_path(job_a);
        const auto clean = store.clean_path(job_a);
        CHECK(dirty.parent_path() == base);
        CHECK(clean.parent_path() == base);
        CHECK(dirty.filename().string() == job_a.to_string() + "_DIRTY.json");
        CHECK(clean.filename().string() == job_a.to_string() + ".json");
        CHECK(dirty.string().ends_with("_DIRTY.json"));
        CHECK(clean.extension() == ".json");
        CHECK_FALSE(clean.string().ends_with("_DIRTY.json"));
        CHECK(store.base_path() == base);
        CHECK(store.delete_on_commit());
        CHECK_FALSE(hakit::filesystem_job_result_store(base, false).delete_on_commit());
    }

    TEST_CASE("filesystem job result store: the base directory is created lazily")
    {
        fixture f;
        const auto base = f.dir / "a" / "b" / "job-result-store";
        hakit::filesystem_job_result_store store(base);
        CHECK_FALSE(fs::exists(base));
        auto pending = store.async_has_entry(job_a);
        CHECK_FALSE(fs::exists(base));
        CHECK_FALSE(f.run(std::move(pending)).value());
        CHECK(fs::is_directory(base));
        CHECK(list(base).empty());
    }

    TEST_CASE("filesystem job result store: the dirty file is written when the operation runs")
    {
        fixture f;
        const auto base = f.dir / "jrs";
        hakit::filesystem_job_result_store store(base, false);
        auto pending = store.async_create_dirty(make_result(job_a));
        CHECK_FALSE(fs::exists(store.dirty_path(job_a)));
        REQUIRE(f.run(std::move(pending)));
        CHECK(fs::is_regular_file(store.dirty_path(job_a)));
        CHECK(list(base) == std::vector<std::string>{job_a.to_string() + "_DIRTY.json"});
        CHECK_FALSE(has_temp_files(base));
    }

    TEST_CASE("filesystem job result store: an existing dirty file is never overwritten")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        const auto before = read_file(store.dirty_path(job_a));
        CHECK(
            f.run(store.async_create_dirty(make_result(job_a, hakit::application_status::failed))).error() ==
            errc::already_exists
        );
        CHECK(store.last_diagnostics().message().find(store.dirty_path(job_a).string()) != std::string::npos);
        CHECK(read_file(store.dirty_path(job_a)) == before);
        CHECK_FALSE(has_temp_files(f.dir.path()));
    }

    TEST_CASE("filesystem job result store: marking clean renames the dirty file; twice keeps the bytes")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        const auto dirty_bytes = read_file(store.dirty_path(job_a));
        REQUIRE(f.run(store.async_mark_clean(job_a)));
        CHECK_FALSE(fs::exists(store.dirty_path(job_a)));
        REQUIRE(fs::is_regular_file(store.clean_path(job_a)));
        const auto clean_bytes = read_file(store.clean_path(job_a));
        CHECK(clean_bytes == dirty_bytes);

        REQUIRE(f.run(store.async_mark_clean(job_a)));
        CHECK(read_file(store.clean_path(job_a)) == clean_bytes);
        CHECK(list(store.base_path()) == std::vector<std::string>{job_a.to_string() + ".json"});
    }

    TEST_CASE("filesystem job result store: delete on commit removes both files")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs");  // Flink's default
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        REQUIRE(f.run(store.async_mark_clean(job_a)));
        CHECK_FALSE(fs::exists(store.dirty_path(job_a)));
        CHECK_FALSE(fs::exists(store.clean_path(job_a)));
        CHECK(list(store.base_path()).empty());
        CHECK_FALSE(f.run(store.async_has_entry(job_a)).value());
        // As in Flink: nothing is left, so marking it clean again finds no dirty entry.
        CHECK(f.run(store.async_mark_clean(job_a)).error() == errc::not_found);
    }

    TEST_CASE("filesystem job result store: the file holds Flink's JSON with version 1")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        job_result r;
        r.id = job_id::parse("1bb5e8c7df49938733b7c6a73678de6a").value();
        r.status = hakit::application_status::succeeded;
        r.net_runtime = std::chrono::milliseconds(1234);
        r.accumulator_results = {{"records", "AAAB"}};
        REQUIRE(f.run(store.async_create_dirty(r)));
        const auto text = read_file(store.dirty_path(r.id));
        CHECK(text.find("\"version\":1") != std::string::npos);
        CHECK(
            text == R"({"result":{"id":"1bb5e8c7df49938733b7c6a73678de6a","application-status":"SUCCEEDED",)"
                    R"("accumulator-results":{"records":"QUFBQg=="},"net-runtime":1234},"version":1})"
        );

        r.id = job_b;
        r.status = hakit::application_status::failed;
        r.accumulator_results.clear();
        r.failure_cause = "boom";
        REQUIRE(f.run(store.async_create_dirty(r)));
        CHECK(
            read_file(store.dirty_path(job_b)) ==
            R"({"result":{"id":"000000000000000b0000000000000002","application-status":"FAILED",)"
            R"("accumulator-results":{},"net-runtime":1234,"failure-cause":{"serialized-throwable":"Ym9vbQ=="}},)"
            R"("version":1})"
        );
    }

    TEST_CASE("filesystem job result store: job results round-trip through the files")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        const auto r = binary_result(job_a);
        REQUIRE(f.run(store.async_create_dirty(r)));
        auto results = f.run(store.async_dirty_results());
        REQUIRE(results);
        REQUIRE(results.value().size() == 1);
        const auto& back = results.value()[0];
        CHECK(back.id == r.id);
        CHECK(back.status == r.status);
        CHECK(back.net_runtime == r.net_runtime);
        CHECK(back.failure_cause == r.failure_cause);
        CHECK(back.accumulator_results == r.accumulator_results);
        CHECK(back == r);

        for (const auto status :
             {hakit::application_status::succeeded,
              hakit::application_status::failed,
              hakit::application_status::canceled,
              hakit::application_status::unknown})
        {
            auto other = make_result(job_b, status);
            auto json = hakit::encode_job_result_entry(other);
            REQUIRE(json);
            CHECK(hakit::decode_job_result_entry(json.value()).value() == other);
        }
    }

    TEST_CASE("filesystem job result store: another instance over the same directory sees the entries")
    {
        fixture f;
        hakit::filesystem_job_result_store a(f.dir / "jrs", false);
        hakit::filesystem_job_result_store b(f.dir / "jrs", false);
        REQUIRE(f.run(a.async_create_dirty(make_result(job_a))));
        CHECK(f.run(b.async_has_dirty_entry(job_a)).value());
        CHECK(f.run(b.async_create_dirty(make_result(job_a))).error() == errc::already_exists);
        REQUIRE(f.run(b.async_mark_clean(job_a)));
        CHECK(f.run(a.async_has_clean_entry(job_a)).value());
        CHECK(f.run(a.async_mark_clean(job_a)));
    }

    TEST_CASE("filesystem job result store: an operation outlives its handle")
    {
        fixture f;
        std::optional<hakit::filesystem_job_result_store> store(std::in_place, f.dir / "jrs", false);
        const auto dirty = store->dirty_path(job_a);
        auto pending = store->async_create_dirty(make_result(job_a));
        store.reset();
        REQUIRE(f.run(std::move(pending)));
        CHECK(fs::exists(dirty));
    }

    TEST_CASE("filesystem job result store: a closed store refuses every operation")
    {
        fixture f;
        auto closed = std::make_shared<bool>(false);
        hakit::filesystem_job_result_store store(f.dir / "jrs", false, closed);
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        *closed = true;
        CHECK(f.run(store.async_has_entry(job_a)).error() == errc::closed);
        CHECK(f.run(store.async_mark_clean(job_a)).error() == errc::closed);
        CHECK(f.run(store.async_dirty_results()).error() == errc::closed);
        CHECK(f.run(store.async_create_dirty(make_result(job_b))).error() == errc::closed);
        CHECK(fs::exists(store.dirty_path(job_a)));
        CHECK_FALSE(fs::exists(store.dirty_path(job_b)));
    }

    TEST_CASE("filesystem job result store: accumulator names must be UTF-8")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        auto r = make_result(job_a);
        r.accumulator_results["bad \xff name"] = "x";
        CHECK(f.run(store.async_create_dirty(r)).error() == errc::invalid_argument);
        CHECK_FALSE(store.last_diagnostics().empty());
        CHECK(list(store.base_path()).empty());
    }

    TEST_CASE("filesystem job result store: a corrupted dirty file is reported, named and kept")
    {
        fixture f;
        hakit::filesystem_job_result_store store(f.dir / "jrs", false);
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        REQUIRE(f.run(store.async_create_dirty(make_result(job_b))));
        const auto broken = store.dirty_path(job_b);
        const std::string garbage = R"({"result":{"id":"000000000000000b0000000000000002","net-ru)";
        write_file(broken, garbage);

        auto results = f.run(store.async_dirty_results());
        REQUIRE_FALSE(results);
        CHECK(results.error() == errc::corrupted_data);
        CHECK(store.last_diagnostics().message().find(broken.string()) != std::string::npos);
        CHECK(read_file(broken) == garbage);

        // The entry still counts: the job is not run again, and the other operations work.
        CHECK(f.run(store.async_has_dirty_entry(job_b)).value());
        CHECK(f.run(store.async_create_dirty(make_result(job_b))).error() == errc::already_exists);
        CHECK(store.last_diagnostics().message().find(broken.string()) != std::string::npos);
        REQUIRE(f.run(store.async_mark_clean(job_a)));
        CHECK(store.last_diagnostics().empty());

        // A file whose content is another job's entry is corrupted too.
        const auto foreign = hakit::encode_job_result_entry(make_result(job_a)).value();
        write_file(broken, foreign);
        CHECK(f.run(store.async_dirty_results()).error() == errc::corrupted_data);
        CHECK(store.last_diagnostics().message().find(broken.string()) != std::string::npos);

        // Once repaired, the listing works again.
        write_file(broken, hakit::encode_job_result_entry(make_result(job_b)).value());
        auto repaired = f.run(store.async_dirty_results());
        REQUIRE(repaired);
        REQUIRE(repaired.value().size() == 1);
        CHECK(repaired.value()[0] == make_result(job_b));
    }

    TEST_CASE("filesystem job result store: the listing reads only dirty entries")
    {
        fixture f;
        const auto base = f.dir / "jrs";
        hakit::filesystem_job_result_store store(base, false);
        REQUIRE(f.run(store.async_create_dirty(make_result(job_a))));
        REQUIRE(f.run(store.async_create_dirty(make_result(job_b))));
        REQUIRE(f.run(store.async_mark_clean(job_b)));
        // What a crash mid-write leaves behind, and unrelated files.
        write_file(base / ("." + job_b.to_string() + "_DIRTY.json.0123456789abcdef.tmp"), "{\"res");
        write_file(base / "README", "not an entry");
        write_file(base / "_DIRTY.json.bak", "not an entry");
        fs::create_directories(base / "subdir");

        auto results = f.run(store.async_dirty_results());
        REQUIRE(results);
        REQUIRE(results.value().size() == 1);
        CHECK(results.value()[0] == make_result(job_a));
    }

    TEST_CASE("filesystem job result store: I/O failures are error codes")
    {
        fixture f;
        const auto file = f.dir / "a-file";
        write_file(file, "x");
        hakit::filesystem_job_result_store store(file / "jrs", false);
        const auto checks = {
            f.run(store.async_has_entry(job_a)).error(),
            f.run(store.async_has_dirty_entry(job_a)).error(),
            f.run(store.async_has_clean_entry(job_a)).error(),
            f.run(store.async_create_dirty(make_result(job_a))).error(),
            f.run(store.async_mark_clean(job_a)).error(),
            f.run(store.async_dirty_results()).error(),
        };
        for (const auto& ec : checks)
        {
            CAPTURE(ec.message());
            CHECK(ec.failed());
            CHECK(ec.category() != hakit::error_category());
        }
        CHECK(store.last_diagnostics().message().find((file / "jrs").string()) != std::string::npos);
        CHECK(read_file(file) == "x");
    }

    // ---- the JSON mapping --------------------------------------------------------------------------

    TEST_CASE("job result JSON: what Flink writes is read")
    {
        // As Flink's JobResultSerializer writes it (pretty-printed here), with the fields hakit
        // does not keep.
        const std::string flink = R"json({
        "result": {
            "id": "1BB5E8C7DF49938733B7C6A73678DE6A",
            "application-status": "FAILED",
            "job-status": "FAILED",
            "accumulator-results": {"acc": "AQID"},
            "net-runtime": 42,
            "failure-cause": {
                "class": "java.lang.RuntimeException",
                "stack-trace": "java.lang.RuntimeException: boom\n\tat Foo.bar(Foo.java:1)",
                "serialized-throwable": "rO0ABQ=="
            },
            "name": "my job",
            "start-time": 1,
            "end-time": 43
        },
        "version": 1,
        "something-new": [1, 2, 3]
    })json";
        hakit::diagnostics diag;
        auto r = hakit::decode_job_result_entry(flink, diag);
        REQUIRE(r);
        CHECK(diag.empty());
        CHECK(r.value().id == job_id::parse("1bb5e8c7df49938733b7c6a73678de6a").value());
        CHECK(r.value().status == hakit::application_status::failed);
        CHECK(r.value().net_runtime == std::chrono::milliseconds(42));
        CHECK(r.value().accumulator_results == std::map<std::string, std::string>{{"acc", "\x01\x02\x03"}});
        CHECK(r.value().failure_cause == std::string("\xac\xed\x00\x05", 4));

        // The minimal form of older versions: no status, no accumulators, null failure cause.
        auto minimal = hakit::decode_job_result_entry(
            R"({"result":{"id":"1bb5e8c7df49938733b7c6a73678de6a","net-runtime":0,"failure-cause":null}})"
        );
        REQUIRE(minimal);
        CHECK(minimal.value().status == hakit::application_status::unknown);
        CHECK(minimal.value().accumulator_results.empty());
        CHECK_FALSE(minimal.value().failure_cause.has_value());
    }

    TEST_CASE("job result JSON: malformed entries are corrupted data with an explanation")
    {
        const std::string id = R"("id":"1bb5e8c7df49938733b7c6a73678de6a")";
        const std::string bad[] = {
            "",
            "   ",
            "not json",
            "{",
            "[]",
            "null",
            "42",
            R"({"version":1})",
            R"({"result":[]})",
            R"({"result":"x"})",
            R"({"result":{"net-runtime":1}})",
            R"({"result":{"id":42,"net-runtime":1}})",
            R"({"result":{"id":"1bb5e8c7","net-runtime":1}})",
            R"({"result":{"id":"zzb5e8c7df49938733b7c6a73678de6a","net-runtime":1}})",
            "{\"result\":{" + id + "}}",
            "{\"result\":{" + id + R"(,"net-runtime":"1"}})",
            "{\"result\":{" + id + R"(,"net-runtime":1.5}})",
            "{\"result\":{" + id + R"(,"net-runtime":-1}})",
            "{\"result\":{" + id + R"(,"net-runtime":18446744073709551615}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"application-status":"succeeded"}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"application-status":1}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"accumulator-results":[]}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"accumulator-results":{"a":1}}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"accumulator-results":{"a":"QUF"}}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"accumulator-results":{"a":"QU=B"}}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"failure-cause":"boom"}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"failure-cause":{"class":"X"}}})",
            "{\"result\":{" + id + R"(,"net-runtime":1,"failure-cause":{"serialized-throwable":"!!!!"}}})",
            "{\"result\":{" + id + R"(,"net-runtime":1}})" + "trailing",
            "{\"result\":{" + id + ",\"net-runtime\":1,\"accumulator-results\":{\"\xff\":\"\"}}}",
        };
        for (const auto& text : bad)
        {
            CAPTURE(text);
            hakit::diagnostics diag;
            auto r = hakit::decode_job_result_entry(text, diag);
            REQUIRE_FALSE(r);
            CHECK(r.error() == errc::corrupted_data);
            CHECK_FALSE(diag.empty());
        }
        // Truncations of a valid entry.
        const auto valid = hakit::encode_job_result_entry(binary_result(job_a)).value();
        for (std::size_t n = 0; n < valid.size(); ++n)
        {
            CAPTURE(n);
            REQUIRE(
                hakit::decode_job_result_entry(std::string_view(valid).substr(0, n)).error() ==
                errc::corrupted_data
            );
        }
    }

    TEST_CASE("base64 as Jackson writes binary values")
    {
        using hakit::detail::jackson_base64_decode;
        using hakit::detail::jackson_base64_encode;
        // RFC 4648 §10
        const std::pair<std::string, std::string> vectors[] = {
            {"", ""},
            {"f", "Zg=="},
            {"fo", "Zm8="},
            {"foo", "Zm9v"},
            {"foob", "Zm9vYg=="},
            {"fooba", "Zm9vYmE="},
            {"foobar", "Zm9vYmFy"},
            {std::string("\xfb\xff\xbf", 3), "+/+/"},
        };
        for (const auto& [raw, encoded] : vectors)
        {
            CHECK(jackson_base64_encode(raw) == encoded);
            CHECK(jackson_base64_decode(encoded) == raw);
        }
        std::string all;
        for (int i = 0; i < 256; ++i)
            all += static_cast<char>(i);
        CHECK(jackson_base64_decode(jackson_base64_encode(all)) == all);
        for (const char* bad :
             {"Zg", "Zg=", "Zg===", "Z===", "Zh==", "Zm9=", "Zm9v\n", "Zm 9", "=Zm9", "Zg==Zg==", "Zm-_"})
        {
            CAPTURE(bad);
            CHECK_FALSE(jackson_base64_decode(bad).has_value());
        }
    }

    // ---- the atomic file writer ------------------------------------------------------------------

    TEST_CASE("atomic file writer: replace, keep, abandon")
    {
        temp_dir dir;
        using hakit::detail::existing_target;
        using hakit::detail::write_file_atomically;
        const auto target = dir / "file";

        REQUIRE(write_file_atomically(target, "one", existing_target::keep));
        CHECK(read_file(target) == "one");
        CHECK(write_file_atomically(target, "two", existing_target::keep).error() == errc::already_exists);
        CHECK(read_file(target) == "one");
        REQUIRE(write_file_atomically(target, "three", existing_target::replace));
        CHECK(read_file(target) == "three");
        REQUIRE(write_file_atomically(dir / "empty", "", existing_target::keep));
        CHECK(read_file(dir / "empty").empty());
        CHECK(list(dir.path()) == std::vector<std::string>{"empty", "file"});

        {
            auto writer = hakit::detail::atomic_file_writer::create(target);
            REQUIRE(writer);
            REQUIRE(writer.value().write("partial"));
            CHECK(fs::exists(writer.value().temp_path()));
            CHECK(hakit::detail::is_atomic_writer_temp_name(writer.value().temp_path().filename().string()));
            CHECK(writer.value().temp_path().parent_path() == target.parent_path());
            CHECK(read_file(target) == "three");
        }  // abandoned
        CHECK(list(dir.path()) == std::vector<std::string>{"empty", "file"});

        auto writer = hakit::detail::atomic_file_writer::create(target);
        REQUIRE(writer);
        REQUIRE(writer.value().write("fo"));
        REQUIRE(writer.value().write("ur"));
        REQUIRE(writer.value().commit(existing_target::replace));
        CHECK(read_file(target) == "four");
        CHECK(writer.value().write("more").error() == errc::closed);
        CHECK(writer.value().commit(existing_target::replace).error() == errc::closed);
        CHECK(list(dir.path()) == std::vector<std::string>{"empty", "file"});

        // No directory: an error code, nothing created.
        auto missing = write_file_atomically(dir / "no" / "file", "x", existing_target::replace);
        REQUIRE_FALSE(missing);
        CHECK(missing.error() == boost::system::errc::no_such_file_or_directory);
        CHECK_FALSE(hakit::detail::is_atomic_writer_temp_name("file"));
        CHECK_FALSE(hakit::detail::is_atomic_writer_temp_name(".tmp"));
        CHECK(hakit::detail::is_atomic_writer_temp_name(".file.0011223344556677.tmp"));
    }

    // ---- blob store ------------------------------------------------------------------------------

    TEST_CASE("filesystem blob store: Flink's layout")
    {
        const fs::path storage = "/ha/storage/cluster-1";
        hakit::filesystem_blob_store store(storage);
        const auto key = blob_key::for_content(blob_type::permanent, "content");
        CHECK(store.storage_path() == storage);
        CHECK(store.base_path() == storage / "blob");
        CHECK(
            store.blob_path(job_a, key) ==
            storage / "blob" / ("job_" + job_a.to_string()) / ("blob_" + key.to_string())
        );
        CHECK(
            store.blob_path(std::nullopt, key) == storage / "blob" / "no_job" / ("blob_" + key.to_string())
        );
    }

    TEST_CASE("filesystem blob store: put and get, with and without a job")
    {
        fixture f;
        const auto storage = f.dir / "cluster";
        hakit::filesystem_blob_store store(storage);
        CHECK_FALSE(fs::exists(storage));

        std::string big(200 * 1024 + 1, '\0');
        for (std::size_t i = 0; i < big.size(); ++i)
            big[i] = static_cast<char>(i * 31 + i / 7);
        const std::pair<std::optional<job_id>, std::string> cases[] = {
            {job_a, "job jar bytes"},
            {std::nullopt, "cluster-wide artifact"},
            {job_b, ""},
            {job_b, big},
            {job_a, std::string("\x00\x01\xff", 3)},
        };
        int i = 0;
        for (const auto& [job, content] : cases)
        {
            CAPTURE(i);
            const auto local = f.dir / ("in-" + std::to_string(i));
            write_file(local, content);
            const auto key = blob_key::for_content(blob_type::permanent, content);
            REQUIRE(f.run(store.async_put(local, job, key)));
            CHECK(read_file(store.blob_path(job, key)) == content);

            const auto out = f.dir / "out" / ("copy-" + std::to_string(i));  // parent created
            REQUIRE(f.run(store.async_get(job, key, out)));
            CHECK(read_file(out) == content);
            ++i;
        }
        CHECK(
            list(storage / "blob") ==
            std::vector<std::string>{"job_" + job_a.to_string(), "job_" + job_b.to_string(), "no_job"}
        );
        CHECK_FALSE(has_temp_files(storage));

        // A second store over the same directory (another JobManager) reads them.
        hakit::filesystem_blob_store other(storage);
        const auto key = blob_key::for_content(blob_type::permanent, "job jar bytes");
        write_file(f.dir / "in-x", "job jar bytes");
        REQUIRE(f.run(store.async_put(f.dir / "in-x", job_a, key)));
        REQUIRE(f.run(other.async_get(job_a, key, f.dir / "out-x")));
        CHECK(read_file(f.dir / "out-x") == "job jar bytes");
    }

    TEST_CASE("filesystem blob store: put replaces a blob atomically")
    {
        fixture f;
        hakit::filesystem_blob_store store(f.dir / "cluster");
        const auto key = blob_key::for_content(blob_type::permanent, "new");
        write_file(f.dir / "old", "old");
        write_file(f.dir / "new", "new");
        REQUIRE(f.run(store.async_put(f.dir / "old", job_a, key)));
        REQUIRE(f.run(store.async_put(f.dir / "new", job_a, key)));
        CHECK(read_file(store.blob_path(job_a, key)) == "new");
        CHECK(
            list(store.blob_path(job_a, key).parent_path()) ==
            std::vector<std::string>{"blob_" + key.to_string()}
        );
        REQUIRE(f.run(store.async_get(job_a, key, f.dir / "out")));
        CHECK(read_file(f.dir / "out") == "new");
    }

    TEST_CASE("filesystem blob store: missing files are not_found")
    {
        fixture f;
        hakit::filesystem_blob_store store(f.dir / "cluster");
        const auto key = blob_key::for_content(blob_type::permanent, "x");

        CHECK(f.run(store.async_put(f.dir / "no-such-file", job_a, key)).error() == errc::not_found);
        CHECK(store.last_diagnostics().message().find("no-such-file") != std::string::npos);
        CHECK_FALSE(fs::exists(store.blob_path(job_a, key)));

        CHECK(f.run(store.async_get(job_a, key, f.dir / "out")).error() == errc::not_found);
        CHECK_FALSE(fs::exists(f.dir / "out"));
        CHECK(f.run(store.async_get(std::nullopt, key, f.dir / "out")).error() == errc::not_found);
        CHECK_FALSE(fs::exists(f.dir / "out"));
    }

    TEST_CASE("filesystem blob store: corruption on disk is detected")
    {
        fixture f;
        hakit::filesystem_blob_store store(f.dir / "cluster");
        const std::string content = "important job jar";
        const auto key = blob_key::for_content(blob_type::permanent, content);
        write_file(f.dir / "in", content);
        REQUIRE(f.run(store.async_put(f.dir / "in", job_a, key)));
        const auto stored = store.blob_path(job_a, key);

        const std::string damaged[] = {"important job jaR", "important job", content + "!", ""};
        for (const auto& bytes : damaged)
        {
            CAPTURE(bytes);
            write_file(stored, bytes);
            const auto out = f.dir / "out";
            write_file(out, "stale local copy");
            CHECK(f.run(store.async_get(job_a, key, out)).error() == errc::corrupted_data);
            CHECK_FALSE(fs::exists(out));
            CHECK(read_file(stored) == bytes);  // kept for inspection
            CHECK(store.last_diagnostics().message().find(stored.string()) != std::string::npos);
        }

        // A key for other content does not match either.
        const auto wrong_key = blob_key::for_content(blob_type::permanent, "other");
        write_file(f.dir / "in2", content);
        REQUIRE(f.run(store.async_put(f.dir / "in2", std::nullopt, wrong_key)));
        CHECK(
            f.run(store.async_get(std::nullopt, wrong_key, f.dir / "out2")).error() == errc::corrupted_data
        );
        CHECK_FALSE(fs::exists(f.dir / "out2"));
    }

    TEST_CASE("filesystem blob store: delete removes the blob and empty parents")
    {
        fixture f;
        const auto storage = f.dir / "cluster";
        hakit::filesystem_blob_store store(storage);
        const auto k1 = blob_key::for_content(blob_type::permanent, "one");
        const auto k2 = blob_key::for_content(blob_type::permanent, "two");
        write_file(f.dir / "in", "bytes");
        REQUIRE(f.run(store.async_put(f.dir / "in", job_a, k1)));
        REQUIRE(f.run(store.async_put(f.dir / "in", job_a, k2)));
        REQUIRE(f.run(store.async_put(f.dir / "in", std::nullopt, k1)));

        REQUIRE(f.run(store.async_delete(job_a, k1)));
        CHECK_FALSE(fs::exists(store.blob_path(job_a, k1)));
        CHECK(fs::exists(store.blob_path(job_a, k2)));  // parent not empty: kept

        REQUIRE(f.run(store.async_delete(job_a, k2)));
        CHECK_FALSE(fs::exists(storage / "blob" / ("job_" + job_a.to_string())));
        CHECK(fs::exists(storage / "blob"));  // no_job is still there

        REQUIRE(f.run(store.async_delete(std::nullopt, k1)));
        CHECK_FALSE(fs::exists(storage / "blob"));
        CHECK(fs::exists(storage));

        // Deleting what is not there succeeds.
        CHECK(f.run(store.async_delete(job_a, k1)));
        CHECK(f.run(store.async_delete(std::nullopt, k2)));
        CHECK(f.run(store.async_delete_all(job_b)));
        CHECK(f.run(store.async_cleanup_all()));
    }

    TEST_CASE("filesystem blob store: delete_all removes one job's blobs")
    {
        fixture f;
        const auto storage = f.dir / "cluster";
        hakit::filesystem_blob_store store(storage);
        write_file(f.dir / "in", "bytes");
        std::vector<blob_key> keys;
        for (int i = 0; i < 3; ++i)
            keys.push_back(blob_key::for_content(blob_type::permanent, "bytes"));
        for (const auto& k : keys)
        {
            REQUIRE(f.run(store.async_put(f.dir / "in", job_a, k)));
            REQUIRE(f.run(store.async_put(f.dir / "in", job_b, k)));
        }
        // A leftover temporary file of a crashed put goes too.
        write_file(storage / "blob" / ("job_" + job_a.to_string()) / ".blob_x.0011223344556677.tmp", "par");

        REQUIRE(f.run(store.async_delete_all(job_a)));
        CHECK_FALSE(fs::exists(storage / "blob" / ("job_" + job_a.to_string())));
        for (const auto& k : keys)
            CHECK(fs::exists(store.blob_path(job_b, k)));

        REQUIRE(f.run(store.async_delete_all(job_b)));
        CHECK_FALSE(fs::exists(storage / "blob"));
        CHECK(fs::exists(storage));
    }

    TEST_CASE("filesystem blob store: cleanup_all removes every blob")
    {
        fixture f;
        const auto storage = f.dir / "cluster";
        fs::create_directories(storage);
        write_file(storage / "other-ha-data", "kept");
        hakit::filesystem_blob_store store(storage);
        write_file(f.dir / "in", "bytes");
        const auto key = blob_key::for_content(blob_type::permanent, "bytes");
        REQUIRE(f.run(store.async_put(f.dir / "in", job_a, key)));
        REQUIRE(f.run(store.async_put(f.dir / "in", std::nullopt, key)));

        REQUIRE(f.run(store.async_cleanup_all()));
        CHECK(list(storage) == std::vector<std::string>{"other-ha-data"});

        // The store is usable afterwards.
        REQUIRE(f.run(store.async_put(f.dir / "in", job_a, key)));
        REQUIRE(f.run(store.async_get(job_a, key, f.dir / "out")));
        CHECK(read_file(f.dir / "out") == "bytes");
    }

    TEST_CASE("filesystem blob store: I/O failures are error codes")
    {
        fixture f;
        const auto file = f.dir / "a-file";
        write_file(file, "x");
        write_file(f.dir / "in", "bytes");
        hakit::filesystem_blob_store store(file / "cluster");
        const auto key = blob_key::for_content(blob_type::permanent, "bytes");

        auto put = f.run(store.async_put(f.dir / "in", job_a, key));
        REQUIRE_FALSE(put);
        CHECK(put.error().category() != hakit::error_category());
        CHECK_FALSE(store.last_diagnostics().empty());

        auto get = f.run(store.async_get(job_a, key, f.dir / "out"));
        REQUIRE_FALSE(get);
        CHECK(get.error() != errc::corrupted_data);
        CHECK_FALSE(fs::exists(f.dir / "out"));

        CHECK_FALSE(f.run(store.async_delete(job_a, key)));
        // Whether removing a tree under a regular file is "missing" or ENOTDIR is the standard
        // library's call; either way it is a value, not an exception, and the file is untouched.
        (void)f.run(store.async_delete_all(job_a));
        (void)f.run(store.async_cleanup_all());

        // A local target that cannot be written: the blob is fine, the error is the local one.
        hakit::filesystem_blob_store good(f.dir / "cluster");
        REQUIRE(f.run(good.async_put(f.dir / "in", job_a, key)));
        auto into_file = f.run(good.async_get(job_a, key, file / "out"));
        REQUIRE_FALSE(into_file);
        CHECK(good.last_diagnostics().message().find(file.string()) != std::string::npos);
        CHECK(read_file(file) == "x");
    }

    TEST_CASE("filesystem blob store: a closed store refuses every operation")
    {
        fixture f;
        auto closed = std::make_shared<bool>(true);
        hakit::filesystem_blob_store store(f.dir / "cluster", closed);
        write_file(f.dir / "in", "bytes");
        const auto key = blob_key::for_content(blob_type::permanent, "bytes");
        CHECK(f.run(store.async_put(f.dir / "in", job_a, key)).error() == errc::closed);
        CHECK(f.run(store.async_get(job_a, key, f.dir / "out")).error() == errc::closed);
        CHECK(f.run(store.async_delete(job_a, key)).error() == errc::closed);
        CHECK(f.run(store.async_delete_all(job_a)).error() == errc::closed);
        CHECK(f.run(store.async_cleanup_all()).error() == errc::closed);
        CHECK_FALSE(fs::exists(f.dir / "cluster"));
    }
}
