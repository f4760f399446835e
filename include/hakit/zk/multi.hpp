// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_MULTI_HPP
#define HAKIT_ZK_MULTI_HPP

#include <hakit/error.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/records.hpp>

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// Precedes each op and each result of a multi, and terminates both lists (`MultiHeader`).
struct multi_header
{
    op_code type = op_code::error;
    bool done = false;
    std::int32_t err = -1;

    friend bool operator==(const multi_header&, const multi_header&) = default;
};

/// The terminator of a multi request or response: `{-1, true, -1}`.
inline constexpr multi_header multi_end{op_code::error, true, -1};

/// One operation of a multi (op 14) or multiRead (op 22): its op code and its request record.
/// The op code must fit the record (multi_request::validate); build ops with the factories.
struct multi_op
{
    using request_type = std::variant<
        create_request,
        create_ttl_request,
        delete_request,
        set_data_request,
        check_version_request,
        get_data_request,
        get_children_request>;

    op_code type = op_code::check;
    request_type request;

    /// create (1), or createContainer (19) for create_mode::container.
    static multi_op create(create_request r)
    {
        const auto op = r.mode == create_mode::container ? op_code::create_container : op_code::create;
        return {op, std::move(r)};
    }
    /// create2 (15): the result carries the Stat (3.8.0 servers still answer with a create result).
    static multi_op create2(create_request r)
    {
        const auto op = r.mode == create_mode::container ? op_code::create_container : op_code::create2;
        return {op, std::move(r)};
    }
    static multi_op create_ttl(create_ttl_request r) { return {op_code::create_ttl, std::move(r)}; }
    static multi_op remove(delete_request r) { return {op_code::delete_node, std::move(r)}; }
    static multi_op set_data(set_data_request r) { return {op_code::set_data, std::move(r)}; }
    static multi_op check(check_version_request r) { return {op_code::check, std::move(r)}; }
    /// Read ops: only in multiRead.
    static multi_op get_data(get_data_request r) { return {op_code::get_data, std::move(r)}; }
    static multi_op get_children(get_children_request r) { return {op_code::get_children, std::move(r)}; }

    /// True if `type` is an op code that carries the kind of record held in `request`.
    bool is_consistent() const noexcept
    {
        switch (type)
        {
            case op_code::create:
            case op_code::create2:
            case op_code::create_container:
                return std::holds_alternative<create_request>(request);
            case op_code::create_ttl:
                return std::holds_alternative<create_ttl_request>(request);
            case op_code::delete_node:
                return std::holds_alternative<delete_request>(request);
            case op_code::set_data:
                return std::holds_alternative<set_data_request>(request);
            case op_code::check:
                return std::holds_alternative<check_version_request>(request);
            case op_code::get_data:
                return std::holds_alternative<get_data_request>(request);
            case op_code::get_children:
                return std::holds_alternative<get_children_request>(request);
            default:
                return false;
        }
    }

    friend bool operator==(const multi_op&, const multi_op&) = default;
};

/// The body of a multi (op 14) or multiRead (op 22) request (`MultiOperationRecord`): each op as
/// MultiHeader{type, false, -1} + record, then multi_end. An empty list is legal.
struct multi_request
{
    std::vector<multi_op> ops;

    static constexpr std::size_t min_wire_size = 9;

    /// bad_arguments if an op's code does not fit its record; encoders check this first.
    error_code validate() const noexcept
    {
        for (const auto& op : ops)
        {
            if (!op.is_consistent())
                return error::bad_arguments;
        }
        return {};
    }

    void write_jute(jute_writer& w) const
    {
        for (const auto& op : ops)
        {
            w.write(multi_header{op.type, false, -1});
            std::visit([&w](const auto& r) { w.write(r); }, op.request);
        }
        w.write(multi_end);
    }

    error_code read_jute(jute_reader& r)
    {
        ops.clear();
        for (;;)
        {
            multi_header h;
            if (auto ec = r.read(h))
                return ec;
            if (h.done)
                return {};
            multi_op op{h.type, {}};
            error_code ec;
            switch (h.type)
            {
                case op_code::create:
                case op_code::create2:
                case op_code::create_container:
                    ec = r.read(op.request.emplace<create_request>());
                    break;
                case op_code::create_ttl:
                    ec = r.read(op.request.emplace<create_ttl_request>());
                    break;
                case op_code::delete_node:
                    ec = r.read(op.request.emplace<delete_request>());
                    break;
                case op_code::set_data:
                    ec = r.read(op.request.emplace<set_data_request>());
                    break;
                case op_code::check:
                    ec = r.read(op.request.emplace<check_version_request>());
                    break;
                case op_code::get_data:
                    ec = r.read(op.request.emplace<get_data_request>());
                    break;
                case op_code::get_children:
                    ec = r.read(op.request.emplace<get_children_request>());
                    break;
                default:
                    return error::marshalling_error;
            }
            if (ec)
                return ec;
            ops.push_back(std::move(op));
        }
    }

    friend bool operator==(const multi_request&, const multi_request&) = default;
};

/// One result of a multi response (`OpResult`). `type` is the result type the server sent:
/// create (1) → create_response, create2 (15) → create2_response, set_data (5) →
/// set_data_response, get_data (4) / get_children (8) (multiRead) → their responses, delete (2) and
/// check (13) → no body, error (-1) → `err` holds the code. Note: a 3.8.0 server answers a create2
/// op inside multi with a create (1) result, path only; 3.9 with create2.
struct multi_result
{
    using body_type = std::variant<
        std::monostate,
        create_response,
        create2_response,
        set_data_response,
        get_data_response,
        get_children_response>;

    op_code type = op_code::error;
    /// The code of an error result (0 for an op that would have succeeded); 0 otherwise.
    std::int32_t err = 0;
    body_type body;

    /// The error of an error result (empty if err is 0 or the op succeeded).
    error_code error() const noexcept
    {
        return type == op_code::error ? from_server_code(err) : error_code();
    }

    friend bool operator==(const multi_result&, const multi_result&) = default;
};

/// The body of a multi or multiRead reply (`MultiResponse`). A failed multi still has
/// ReplyHeader.err 0: then every result is an error result, those before the failing op with 0, the
/// failing op with its code, the ones after with runtime_inconsistency (-2). In a multiRead each op
/// stands alone: an op that failed has an error result with its own code, the others their data.
/// A non-zero ReplyHeader.err (connection or session trouble) comes without this body.
struct multi_response
{
    std::vector<multi_result> results;
    /// Not on the wire: the reply header's zxid, set by zk::client. For a multi that succeeded it
    /// is the zxid of its transaction.
    std::int64_t zxid = 0;

    static constexpr std::size_t min_wire_size = 9;

    void write_jute(jute_writer& w) const
    {
        for (const auto& result : results)
        {
            w.write(multi_header{result.type, false, result.type == op_code::error ? result.err : 0});
            if (result.type == op_code::error)
                w.write(error_response{result.err});
            else
                std::visit(
                    [&w](const auto& body) {
                        if constexpr (!std::is_same_v<std::decay_t<decltype(body)>, std::monostate>)
                            w.write(body);
                    },
                    result.body
                );
        }
        w.write(multi_end);
    }

    error_code read_jute(jute_reader& r)
    {
        results.clear();
        for (;;)
        {
            multi_header h;
            if (auto ec = r.read(h))
                return ec;
            if (h.done)
                return {};
            multi_result result{h.type, 0, {}};
            error_code ec;
            switch (h.type)
            {
                case op_code::create:
                    ec = r.read(result.body.emplace<create_response>());
                    break;
                case op_code::create2:
                    ec = r.read(result.body.emplace<create2_response>());
                    break;
                case op_code::set_data:
                    ec = r.read(result.body.emplace<set_data_response>());
                    break;
                case op_code::get_data:
                    ec = r.read(result.body.emplace<get_data_response>());
                    break;
                case op_code::get_children:
                    ec = r.read(result.body.emplace<get_children_response>());
                    break;
                case op_code::delete_node:
                case op_code::check:
                    break;
                case op_code::error: {
                    error_response e;
                    ec = r.read(e);
                    result.err = e.err;
                    break;
                }
                default:  // Java's MultiResponse rejects it as well ("Invalid type")
                    return error::marshalling_error;
            }
            if (ec)
                return ec;
            results.push_back(std::move(result));
        }
    }

    /// The results only (zxid is not part of the record).
    friend bool operator==(const multi_response& a, const multi_response& b)
    {
        return a.results == b.results;
    }
};

/// The op that made a multi fail: its index in the request and its error.
struct multi_failure
{
    std::size_t index = 0;
    error_code error;

    friend bool operator==(const multi_failure&, const multi_failure&) = default;
};

/// The first error result with a non-zero code (as Java's `ZooKeeper.multiInternal` scans), or
/// std::nullopt if the multi succeeded.
inline std::optional<multi_failure> find_failure(const multi_response& response) noexcept
{
    for (std::size_t i = 0; i < response.results.size(); ++i)
    {
        const auto& result = response.results[i];
        if (result.type == op_code::error && result.err != 0)
            return multi_failure{i, from_server_code(result.err)};
    }
    return std::nullopt;
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
