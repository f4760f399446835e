// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_FILESYSTEM_JOB_RESULT_JSON_HPP
#define HAKIT_FILESYSTEM_JOB_RESULT_JSON_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/filesystem/base64.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/stores/job_result.hpp>

#include <hakit/detail/config.hpp>

#include <chrono>
#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

// The content of Flink's job result files (FileSystemJobResultStore's JsonJobResultEntry with
// JobResultSerializer, flink-ha.md §4.1), compact as Jackson writes it:
//
//   {"result":{"id":"<32 hex>","application-status":"SUCCEEDED",
//              "accumulator-results":{"<name>":"<base64>",...},"net-runtime":<ms>,
//              "failure-cause":{"serialized-throwable":"<base64>"}},"version":1}
//
// Mapping to hakit::job_result: accumulator values and the failure cause are opaque bytes that
// the file holds base64-encoded (Jackson's binary form); for Java Flink to read them they must be
// Java-serialized SerializedValue / SerializedThrowable bytes, which is what reading a file Flink
// wrote gives back. Flink's serializer also writes "class" and "stack-trace" into failure-cause;
// hakit has no such values and writes only "serialized-throwable" (the one field Flink's
// deserializer reads).

HAKIT_NAMESPACE_BEGIN

namespace detail {

/// True for well-formed UTF-8 (no overlong forms, surrogates or values above U+10FFFF): what a
/// JSON string may hold.
inline bool is_valid_utf8(std::string_view s) noexcept
{
    std::size_t i = 0;
    while (i < s.size())
    {
        const auto b0 = static_cast<std::uint8_t>(s[i]);
        std::size_t n = 0;
        std::uint32_t cp = 0;
        std::uint32_t min = 0;
        if (b0 < 0x80)
        {
            ++i;
            continue;
        }
        if ((b0 & 0xE0) == 0xC0)
        {
            n = 2;
            cp = b0 & 0x1Fu;
            min = 0x80;
        }
        else if ((b0 & 0xF0) == 0xE0)
        {
            n = 3;
            cp = b0 & 0x0Fu;
            min = 0x800;
        }
        else if ((b0 & 0xF8) == 0xF0)
        {
            n = 4;
            cp = b0 & 0x07u;
            min = 0x10000;
        }
        else
        {
            return false;
        }
        if (s.size() - i < n)
            return false;
        for (std::size_t k = 1; k < n; ++k)
        {
            const auto b = static_cast<std::uint8_t>(s[i + k]);
            if ((b & 0xC0) != 0x80)
                return false;
            cp = cp << 6 | (b & 0x3Fu);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return false;
        i += n;
    }
    return true;
}

/// errc::corrupted_data with `what` as the explanation.
inline error_code job_result_json_error(diagnostics& diag, std::string what)
{
    diag.assign("not a Flink job result entry: " + std::move(what));
    return errc::corrupted_data;
}

}  // namespace detail

/// The version number written into job result files (JsonJobResultEntry; ignored when read).
inline constexpr int job_result_entry_version = 1;

/// Encodes a job result as the content of a Flink job result file. Accumulator names must be
/// valid UTF-8 (they are JSON object keys; Java writes them from Strings), else
/// errc::invalid_argument. Values and the failure cause may be any bytes.
inline result<std::string> encode_job_result_entry(const job_result& r)
{
    using json = nlohmann::ordered_json;
    json accumulators = json::object();
    for (const auto& [name, value] : r.accumulator_results)
    {
        if (!detail::is_valid_utf8(name))
            return errc::invalid_argument;
        accumulators[name] = detail::jackson_base64_encode(value);
    }
    json result_object = json::object();
    result_object["id"] = r.id.to_string();
    result_object["application-status"] = std::string(to_string(r.status));
    result_object["accumulator-results"] = std::move(accumulators);
    result_object["net-runtime"] = static_cast<std::int64_t>(r.net_runtime.count());
    if (r.failure_cause)
    {
        json cause = json::object();
        cause["serialized-throwable"] = detail::jackson_base64_encode(*r.failure_cause);
        result_object["failure-cause"] = std::move(cause);
    }
    json entry = json::object();
    entry["result"] = std::move(result_object);
    entry["version"] = job_result_entry_version;
    // Every string is valid UTF-8 by now, so the strict handler cannot throw; `replace` keeps
    // dump() free of exceptions regardless.
    return entry.dump(-1, ' ', false, json::error_handler_t::replace);
}

/// Decodes the content of a Flink job result file, as Flink's JobResultDeserializer reads it:
/// "result" must be an object with "id" (32 hex digits) and "net-runtime" (an integer >= 0);
/// "application-status" (missing → unknown), "accumulator-results" (missing → none) and
/// "failure-cause" (missing or null → none; else an object with a base64 "serialized-throwable")
/// are optional; unknown fields and "version" are ignored. Anything else is
/// errc::corrupted_data, with `diag` saying what is wrong.
inline result<job_result> decode_job_result_entry(std::string_view text, diagnostics& diag)
{
    using json = nlohmann::json;
    diag.clear();
    const json doc = json::parse(text.begin(), text.end(), nullptr, false);
    if (doc.is_discarded())
        return detail::job_result_json_error(diag, "invalid JSON");
    if (!doc.is_object())
        return detail::job_result_json_error(diag, "not a JSON object");
    const auto result_field = doc.find("result");
    if (result_field == doc.end() || !result_field->is_object())
        return detail::job_result_json_error(diag, "no \"result\" object");
    const json& r = *result_field;

    job_result out;
    const auto id = r.find("id");
    if (id == r.end() || !id->is_string())
        return detail::job_result_json_error(diag, "no \"id\" string");
    auto parsed_id = job_id::parse(id->get_ref<const std::string&>());
    if (!parsed_id)
        return detail::job_result_json_error(diag, "\"id\" is not a job id");
    out.id = parsed_id.value();

    if (const auto status = r.find("application-status"); status != r.end())
    {
        if (!status->is_string())
            return detail::job_result_json_error(diag, "\"application-status\" is not a string");
        auto parsed = parse_application_status(status->get_ref<const std::string&>());
        if (!parsed)
            return detail::job_result_json_error(diag, "unknown \"application-status\"");
        out.status = parsed.value();
    }

    const auto runtime = r.find("net-runtime");
    if (runtime == r.end() || !runtime->is_number_integer())
        return detail::job_result_json_error(diag, "no integer \"net-runtime\"");
    std::int64_t millis = 0;
    if (runtime->is_number_unsigned())
    {
        const auto v = runtime->get<std::uint64_t>();
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()))
            return detail::job_result_json_error(diag, "\"net-runtime\" out of range");
        millis = static_cast<std::int64_t>(v);
    }
    else
    {
        millis = runtime->get<std::int64_t>();
    }
    if (millis < 0)
        return detail::job_result_json_error(diag, "negative \"net-runtime\"");
    out.net_runtime = std::chrono::milliseconds(millis);

    if (const auto accumulators = r.find("accumulator-results"); accumulators != r.end())
    {
        if (!accumulators->is_object())
            return detail::job_result_json_error(diag, "\"accumulator-results\" is not an object");
        for (auto it = accumulators->begin(); it != accumulators->end(); ++it)
        {
            if (!it->is_string())
                return detail::job_result_json_error(
                    diag, "accumulator \"" + it.key() + "\" is not a string"
                );
            auto value = detail::jackson_base64_decode(it->get_ref<const std::string&>());
            if (!value)
                return detail::job_result_json_error(diag, "accumulator \"" + it.key() + "\" is not base64");
            out.accumulator_results.emplace(it.key(), std::move(*value));
        }
    }

    if (const auto cause = r.find("failure-cause"); cause != r.end() && !cause->is_null())
    {
        if (!cause->is_object())
            return detail::job_result_json_error(diag, "\"failure-cause\" is not an object");
        const auto serialized = cause->find("serialized-throwable");
        if (serialized == cause->end() || !serialized->is_string())
            return detail::job_result_json_error(
                diag, "\"failure-cause\" has no \"serialized-throwable\" string"
            );
        auto bytes = detail::jackson_base64_decode(serialized->get_ref<const std::string&>());
        if (!bytes)
            return detail::job_result_json_error(diag, "\"serialized-throwable\" is not base64");
        out.failure_cause = std::move(*bytes);
    }
    return out;
}

/// decode_job_result_entry without the explanation.
inline result<job_result> decode_job_result_entry(std::string_view text)
{
    diagnostics ignored;
    return decode_job_result_entry(text, ignored);
}

HAKIT_NAMESPACE_END

#endif
