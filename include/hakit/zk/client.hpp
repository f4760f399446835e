// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_CLIENT_HPP
#define HAKIT_ZK_CLIENT_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client_statistics.hpp>
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/detail/client_core.hpp>
#include <hakit/zk/detail/request.hpp>
#include <hakit/zk/detail/signal_wait.hpp>
#include <hakit/zk/detail/watch_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/message.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/path.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zk/results.hpp>
#include <hakit/zk/session_options.hpp>
#include <hakit/zk/stat.hpp>
#include <hakit/zk/state_subscription.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/error.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// A native ZooKeeper client: one session, kept across reconnects to any server of the ensemble,
/// with pipelined requests and watches, on one executor (use a strand with a multi-threaded
/// io_context). Not thread-safe; nothing blocks.
///
/// Lifecycle: construct, async_connect() (establishes the first session), operations,
/// async_close() (closeSession: the server deletes our ephemerals at once). Destroying the client
/// without closing tears the connection down and fails every pending operation with
/// errc::closed; the server then expires the session after its timeout. The client must be
/// destroyed before its execution context.
///
/// Connection handling (zookeeper-protocol.md §1.13): with T the negotiated session timeout, the
/// client pings after T/3 without sending, drops a connection that stayed silent for 2T/3 and
/// reconnects to the next server with the same session (auth packets and SetWatches re-sent
/// before any queued request), and declares the session expired when the server says so or T
/// after it last heard from any server; it does not create a new session by itself:
/// async_connect() after `expired` does. Connection events (connected, suspended, reconnected,
/// expired, closed) come from async_next_state() or subscribe_states().
///
/// Operations (async_create, async_get_data, ...) return hakit::result<T>. Server answers are
/// zk::error codes (no_node, node_exists, bad_version, no_auth, ...). Requests issued while the
/// connection is down wait for the next connection of the session. A request in flight when the
/// connection breaks fails with connection_loss (a write may or may not have been applied); all
/// pending requests and watches fail with session_expired when the session expires and with
/// errc::closed when the client is closed; a client that is idle (not connected yet, or whose
/// first connection timed out) refuses requests with connection_loss.
///
/// Every operation honours per-operation (terminal) cancellation, e.g. `(op || timer)`: it then
/// returns boost::asio::error::operation_aborted at once. A request not written yet is never
/// sent; one already sent may still take effect, its reply is consumed and discarded.
///
/// Paths are validated (PathUtils rules) before anything is sent, and are relative to the chroot
/// of the connect string, if any: the client prefixes every path it sends and strips the prefix
/// from every path it receives (created paths, multi results, watch events).
///
/// GCC 12: do not pass brace-initialised aggregates (`{...}`) such as an ACL list or multi ops
/// straight into a co_await expression; bind them to a named local first.
class client
{
public:
    using executor_type = boost::asio::any_io_executor;
    using clock = std::chrono::steady_clock;

    /// A client that connects to `options.connect_string`. Invalid options are reported by
    /// async_connect() (errc::invalid_config; config_diagnostics() says what is wrong).
    client(executor_type ex, session_options options)
        : core_(std::make_shared<detail::client_core>(std::move(ex), std::move(options)))
    {}

    client(const client&) = delete;
    client& operator=(const client&) = delete;
    client(client&&) noexcept = default;

    client& operator=(client&& other) noexcept
    {
        if (this != &other)
        {
            if (core_)
                core_->shutdown();
            core_ = std::move(other.core_);
        }
        return *this;
    }

    ~client()
    {
        if (core_)
            core_->shutdown();
    }

    executor_type get_executor() const { return core_->get_executor(); }

    /// errc::invalid_config if the options (connect string, timeouts) are invalid, else success.
    error_code config_error() const noexcept { return core_->config_error(); }
    /// What is wrong with the options.
    const diagnostics& config_diagnostics() const noexcept { return core_->config_diagnostics(); }

    // ---- session -----------------------------------------------------------------------------

    /// Establishes a session (a new one, or options.resume's) and completes once it is connected.
    /// Fails with connection_loss if no server accepted within options.connection_timeout (the
    /// client is then idle again), session_expired if the resumed session is gone, errc::closed
    /// after async_close(). Completes at once if a session exists; after `expired` it starts a new
    /// session. Cancelling it only stops the waiting: connecting goes on until the timeout.
    boost::asio::awaitable<result<void>> async_connect() { return connect(core_); }

    /// Sends closeSession (if connected) and completes once the client is closed: when the server
    /// confirmed, or after options.close_timeout. Requests sent before it are answered first;
    /// later ones fail with errc::closed. Idempotent.
    boost::asio::awaitable<result<void>> async_close() { return close(core_); }

    /// The next connection event not taken yet by this method's own subscription (which starts
    /// when the client is constructed). operation_aborted if cancelled; errc::closed after `closed`.
    boost::asio::awaitable<result<connection_event>> async_next_state()
    {
        return detail::state_queue::async_next(core_->default_states());
    }

    /// An independent stream of the connection events from now on.
    state_subscription subscribe_states() { return state_subscription(core_->subscribe()); }

    connection_state state() const noexcept { return core_->state(); }
    /// The session id (0 before the first session).
    std::int64_t session_id() const noexcept { return machine() ? machine()->session_id() : 0; }
    /// The 16-byte session password (zeros before the first session).
    bytes session_password() const
    {
        return machine() ? machine()->password() : bytes(session_password_size, 0);
    }
    /// The negotiated session timeout T (zero before the first session).
    std::chrono::milliseconds negotiated_timeout() const noexcept
    {
        return machine() ? machine()->negotiated_timeout() : std::chrono::milliseconds(0);
    }
    /// When bytes last arrived from any server. A session whose last_heard() is T in the past is
    /// gone; HA recipes step down well before (e.g. at last_heard() + T - margin).
    clock::time_point last_heard() const noexcept
    {
        return machine() ? machine()->last_heard() : clock::time_point{};
    }
    /// The highest zxid seen in replies (sent as lastZxidSeen on reconnects).
    std::int64_t last_zxid() const noexcept { return machine() ? machine()->last_zxid() : 0; }
    /// True if the current server said it is read-only (only with options.read_only_allowed).
    bool read_only() const noexcept { return machine() && machine()->read_only(); }
    /// The server of the current connection or attempt.
    host_port current_host() const { return machine() ? machine()->current_host() : host_port{}; }
    /// The chroot of the connect string ("" for none).
    const std::string& chroot() const noexcept { return core_->chroot(); }
    /// Requests written and not yet answered.
    std::size_t in_flight() const noexcept { return core_->in_flight(); }
    /// Requests waiting to be written (e.g. while the connection is down).
    std::size_t queued() const noexcept { return core_->queued(); }
    /// Requests, writes and watch notifications exchanged so far (all sessions of this client).
    const client_statistics& statistics() const noexcept { return core_->statistics(); }

    // ---- operations --------------------------------------------------------------------------

    /// Creates a node and returns its actual path (with the sequential suffix; chroot stripped).
    /// Containers use createContainer. TTL modes need async_create_ttl. `acl` defaults to
    /// open_acl_unsafe(). Fails with node_exists, no_node (parent missing), no_children_for_ephemerals,
    /// invalid_acl, no_auth, bad_arguments (invalid path), ...
    boost::asio::awaitable<result<std::string>> async_create(
        std::string path,
        bytes data,
        create_mode mode = create_mode::persistent,
        std::vector<acl> acl = open_acl_unsafe()
    )
    {
        return create_path(core_, std::move(path), std::move(data), mode, std::move(acl));
    }

    /// create2: like async_create, and returns the new node's Stat too.
    boost::asio::awaitable<result<created_node>> async_create2(
        std::string path,
        bytes data,
        create_mode mode = create_mode::persistent,
        std::vector<acl> acl = open_acl_unsafe()
    )
    {
        return create_node(
            core_, std::move(path), std::move(data), mode, std::chrono::milliseconds(0), std::move(acl)
        );
    }

    /// createTTL: a persistent_with_ttl or persistent_sequential_with_ttl node that the server
    /// deletes after `ttl` without changes and children (the server needs extendedTypesEnabled,
    /// else unimplemented).
    boost::asio::awaitable<result<created_node>> async_create_ttl(
        std::string path,
        bytes data,
        create_mode mode,
        std::chrono::milliseconds ttl,
        std::vector<acl> acl = open_acl_unsafe()
    )
    {
        if (!is_ttl(mode))
            return fail<created_node>(error::bad_arguments);
        return create_node(core_, std::move(path), std::move(data), mode, ttl, std::move(acl));
    }

    /// delete: removes a node if `version` matches (-1: any). no_node, bad_version, not_empty.
    boost::asio::awaitable<result<void>> async_remove(std::string path, std::int32_t version = -1)
    {
        return remove(core_, std::move(path), version);
    }

    /// exists: the node's Stat, or none. With `watch`, a watch is set in both cases.
    boost::asio::awaitable<result<node_exists>> async_exists(std::string path, bool watch = false)
    {
        return exists(core_, std::move(path), watch);
    }

    /// getData: the node's data and Stat. With `watch`, a watch is set if the node exists.
    boost::asio::awaitable<result<node_data>> async_get_data(std::string path, bool watch = false)
    {
        return get_data(core_, std::move(path), watch);
    }

    /// setData if `version` matches (-1: any); returns the new Stat. no_node, bad_version.
    boost::asio::awaitable<result<stat>> async_set_data(
        std::string path, bytes data, std::int32_t version = -1
    )
    {
        return set_data(core_, std::move(path), std::move(data), version);
    }

    /// getChildren: the children's names (unsorted). With `watch`, a child watch is set if the
    /// node exists.
    boost::asio::awaitable<result<node_children>> async_get_children(std::string path, bool watch = false)
    {
        return get_children(core_, std::move(path), watch, op_code::get_children);
    }

    /// getChildren2: the children's names (unsorted) and the node's Stat.
    boost::asio::awaitable<result<node_children>> async_get_children2(std::string path, bool watch = false)
    {
        return get_children(core_, std::move(path), watch, op_code::get_children2);
    }

    /// multi: runs `ops` (check, create, create2, createTTL, delete, setData; see multi_op's
    /// factories) atomically. The reply has one result per op. When the transaction failed, the
    /// operation still succeeds and every result is an error result: 0 for the ops before the
    /// failing one, its code for the failing one, runtime_inconsistency after it; find_failure()
    /// tells which op failed and why. Errors of the operation itself are connection and session
    /// errors, and bad_arguments for an invalid path or op. Created paths come back without the
    /// chroot. An empty list is answered locally.
    boost::asio::awaitable<result<multi_response>> async_multi(std::vector<multi_op> ops)
    {
        return multi(core_, op_code::multi, std::move(ops));
    }

    /// multiRead (3.6+): getData and getChildren ops (multi_op::get_data / get_children) in one
    /// round trip, many nodes for the price of one request. Each op is answered on its own: a
    /// missing node is an error result (no_node) for its op, the others still read. Not atomic
    /// (a write may land between two of the reads). An op asking for a watch is refused locally
    /// (bad_arguments): the server would set it, but this client never registered it and could
    /// not deliver its event. Any other op type is bad_arguments too.
    boost::asio::awaitable<result<multi_response>> async_multi_read(std::vector<multi_op> ops)
    {
        return multi(core_, op_code::multi_read, std::move(ops));
    }

    /// sync: the server this client is connected to catches up with the leader before answering.
    boost::asio::awaitable<result<void>> async_sync(std::string path) { return sync(core_, std::move(path)); }

    /// addWatch (3.6+): a persistent or persistent-recursive watch on `path` (which need not exist).
    boost::asio::awaitable<result<persistent_watch>> async_add_watch(std::string path, add_watch_mode mode)
    {
        return add_watch(core_, std::move(path), mode);
    }

    /// removeWatches: removes this client's watches of `type` on `path` on the server, then the
    /// local ones (their waiters see *_watch_removed events). no_watcher if the server had none.
    /// ZooKeeper 3.8 servers know only children, data and any (persistent and
    /// persistent_recursive came with 3.9 and give marshalling_error before): remove persistent
    /// watches there with `any`, which removes every kind of watch on the path.
    boost::asio::awaitable<result<void>> async_remove_watches(std::string path, watcher_type type)
    {
        return remove_watches(core_, std::move(path), type);
    }

    /// addAuth: authenticates this connection (e.g. digest_auth(user, password)); once accepted the
    /// credential is re-sent on every reconnect. auth_failed if refused (the server then drops the
    /// connection and the client reconnects without it).
    boost::asio::awaitable<result<void>> async_add_auth(auth_packet credential)
    {
        return add_auth(core_, std::move(credential));
    }

    /// getACL: the node's ACL and Stat.
    boost::asio::awaitable<result<get_acl_response>> async_get_acl(std::string path)
    {
        return get_acl(core_, std::move(path));
    }

    /// setACL if the ACL version matches (-1: any); returns the new Stat.
    boost::asio::awaitable<result<stat>> async_set_acl(
        std::string path, std::vector<acl> acl, std::int32_t version = -1
    )
    {
        return set_acl(core_, std::move(path), std::move(acl), version);
    }

private:
    using core_ptr = std::shared_ptr<detail::client_core>;
    using entry_ptr = std::shared_ptr<detail::request_entry>;

    const detail::session_machine* machine() const noexcept { return core_->machine(); }

    template <class T>
    static boost::asio::awaitable<result<T>> fail(error_code ec)
    {
        co_return ec;
    }

    // ---- session coroutines -------------------------------------------------------------------

    static boost::asio::awaitable<result<void>> connect(core_ptr core)
    {
        if (auto ec = core->config_error())
            co_return ec;
        if (core->stopped())
            co_return errc::closed;
        core->start();
        auto settled = [c = core.get()] {
            return c->state() != connection_state::connecting;
        };
        if (!co_await detail::wait_until(core->state_signal(), settled))
            co_return boost::asio::error::operation_aborted;
        switch (core->state())
        {
            case connection_state::connected:
            case connection_state::suspended:
                co_return success();
            case connection_state::idle:
                co_return core->last_failure() ? core->last_failure() : error_code(error::connection_loss);
            case connection_state::expired:
                co_return error::session_expired;
            default:
                co_return errc::closed;
        }
    }

    static boost::asio::awaitable<result<void>> close(core_ptr core)
    {
        core->request_close();
        auto closed = [c = core.get()] {
            return c->state() == connection_state::closed;
        };
        if (!co_await detail::wait_until(core->state_signal(), closed))
            co_return boost::asio::error::operation_aborted;
        co_return success();
    }

    // ---- request plumbing ---------------------------------------------------------------------

    /// Submits `frame` with `entry` and waits for the reply (any ReplyHeader.err included).
    static boost::asio::awaitable<result<server_message>> request(
        core_ptr core, entry_ptr entry, op_code op, bytes frame
    )
    {
        if (auto ec = core->submit(detail::outgoing_kind::request, op, std::move(frame), entry))
            co_return ec;
        co_return co_await wait_reply(std::move(entry));
    }

    static boost::asio::awaitable<result<server_message>> wait_reply(entry_ptr entry)
    {
        auto done = [e = entry.get()] {
            return e->done();
        };
        if (!co_await detail::wait_until(entry->signal(), done))
        {
            entry->abandoned = true;
            co_return boost::asio::error::operation_aborted;
        }
        co_return std::move(entry->outcome());
    }

    /// Encodes header + body, sends it, and returns the reply if its err is 0.
    template <class Body>
    static boost::asio::awaitable<result<server_message>> round_trip(
        core_ptr core, entry_ptr entry, op_code op, Body body
    )
    {
        const request_header header{0, op};
        auto frame = core->encode(header, body);
        if (!frame)
            co_return frame.error();
        auto reply = co_await request(std::move(core), std::move(entry), op, std::move(frame.value()));
        if (!reply)
            co_return reply.error();
        if (auto ec = reply.value().header.error())
            co_return ec;
        co_return reply;
    }

    template <class T>
    static result<T*> body_as(server_message& message) noexcept
    {
        if (auto* p = std::get_if<T>(&message.body))
            return p;
        return error::marshalling_error;
    }

    // ---- operations ---------------------------------------------------------------------------

    static boost::asio::awaitable<result<std::string>> create_path(
        core_ptr core, std::string path, bytes data, create_mode mode, std::vector<acl> acl
    )
    {
        if (is_ttl(mode))
            co_return error::bad_arguments;
        if (auto ec = validate_path(path, is_sequential(mode)))
            co_return ec;
        const op_code op = create_op_for(mode, false);
        create_request body{core->server_path(path), std::move(data), std::move(acl), mode};
        auto reply = co_await round_trip(core, core->make_entry(), op, std::move(body));
        if (!reply)
            co_return reply.error();
        if (auto* r = std::get_if<create_response>(&reply.value().body))
            co_return core->client_path(r->path);
        if (auto* r = std::get_if<create2_response>(&reply.value().body))
            co_return core->client_path(r->path);
        co_return error::marshalling_error;
    }

    static boost::asio::awaitable<result<created_node>> create_node(
        core_ptr core,
        std::string path,
        bytes data,
        create_mode mode,
        std::chrono::milliseconds ttl,
        std::vector<acl> acl
    )
    {
        if (auto ec = validate_path(path, is_sequential(mode)))
            co_return ec;
        if (is_ttl(mode) ? ttl.count() <= 0 : ttl.count() != 0)
            co_return error::bad_arguments;
        const op_code op = create_op_for(mode, true);
        result<server_message> reply = error_code();
        if (is_ttl(mode))
        {
            create_ttl_request body{
                core->server_path(path), std::move(data), std::move(acl), mode, ttl.count()};
            reply = co_await round_trip(core, core->make_entry(), op, std::move(body));
        }
        else
        {
            create_request body{core->server_path(path), std::move(data), std::move(acl), mode};
            reply = co_await round_trip(core, core->make_entry(), op, std::move(body));
        }
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<create2_response>(reply.value()));
        created_node out{core->client_path(r->path), r->stat};
        co_return out;
    }

    static boost::asio::awaitable<result<void>> remove(core_ptr core, std::string path, std::int32_t version)
    {
        if (auto ec = validate_path(path))
            co_return ec;
        delete_request body{core->server_path(path), version};
        auto reply = co_await round_trip(core, core->make_entry(), op_code::delete_node, std::move(body));
        if (!reply)
            co_return reply.error();
        co_return success();
    }

    static boost::asio::awaitable<result<node_exists>> exists(core_ptr core, std::string path, bool set_watch)
    {
        if (auto ec = validate_path(path))
            co_return ec;
        auto entry = core->make_entry();
        if (set_watch)
        {
            entry->watch = std::make_shared<detail::watch_state>(core->get_executor());
            entry->watch_path = path;
        }
        exists_request body{core->server_path(path), set_watch};
        auto reply = co_await round_trip(core, entry, op_code::exists, std::move(body));
        node_exists out;
        if (entry->watch_set)
            out.watch = zk::watch(entry->watch);
        if (!reply)
        {
            if (reply.error() == error::no_node)
                co_return out;
            co_return reply.error();
        }
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<exists_response>(reply.value()));
        out.stat = r->stat;
        co_return out;
    }

    static boost::asio::awaitable<result<node_data>> get_data(core_ptr core, std::string path, bool set_watch)
    {
        if (auto ec = validate_path(path))
            co_return ec;
        auto entry = core->make_entry();
        if (set_watch)
        {
            entry->watch = std::make_shared<detail::watch_state>(core->get_executor());
            entry->watch_path = path;
        }
        get_data_request body{core->server_path(path), set_watch};
        auto reply = co_await round_trip(core, entry, op_code::get_data, std::move(body));
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<get_data_response>(reply.value()));
        node_data out{std::move(r->data), r->stat, {}};
        if (entry->watch_set)
            out.watch = zk::watch(entry->watch);
        co_return out;
    }

    static boost::asio::awaitable<result<stat>> set_data(
        core_ptr core, std::string path, bytes data, std::int32_t version
    )
    {
        if (auto ec = validate_path(path))
            co_return ec;
        set_data_request body{core->server_path(path), std::move(data), version};
        auto reply = co_await round_trip(core, core->make_entry(), op_code::set_data, std::move(body));
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<set_data_response>(reply.value()));
        co_return r->stat;
    }

    static boost::asio::awaitable<result<node_children>> get_children(
        core_ptr core, std::string path, bool set_watch, op_code op
    )
    {
        if (auto ec = validate_path(path))
            co_return ec;
        auto entry = core->make_entry();
        if (set_watch)
        {
            entry->watch = std::make_shared<detail::watch_state>(core->get_executor());
            entry->watch_path = path;
        }
        result<server_message> reply = error_code();
        if (op == op_code::get_children2)
        {
            get_children2_request body{core->server_path(path), set_watch};
            reply = co_await round_trip(core, entry, op, std::move(body));
        }
        else
        {
            get_children_request body{core->server_path(path), set_watch};
            reply = co_await round_trip(core, entry, op, std::move(body));
        }
        if (!reply)
            co_return reply.error();
        node_children out;
        if (auto* r = std::get_if<get_children2_response>(&reply.value().body))
        {
            out.children = std::move(r->children);
            out.stat = r->stat;
        }
        else if (auto* r1 = std::get_if<get_children_response>(&reply.value().body))
            out.children = std::move(r1->children);
        else
            co_return error::marshalling_error;
        if (entry->watch_set)
            out.watch = zk::watch(entry->watch);
        co_return out;
    }

    /// The chroot-prefixed copy of one multi op; bad_arguments for an invalid path.
    static error_code prepare_multi_op(const detail::client_core& core, multi_op& op)
    {
        return std::visit(
            [&core](auto& r) -> error_code {
                using R = std::decay_t<decltype(r)>;
                bool sequential = false;
                if constexpr (std::is_same_v<R, create_request> || std::is_same_v<R, create_ttl_request>)
                    sequential = is_sequential(r.mode);
                if (auto ec = validate_path(r.path, sequential))
                    return ec;
                r.path = core.server_path(r.path);
                return {};
            },
            op.request
        );
    }

    /// An op a multiRead may carry: getData or getChildren, without a watch.
    static bool is_plain_read(const multi_op& op) noexcept
    {
        if (!op.is_consistent())
            return false;
        if (const auto* d = std::get_if<get_data_request>(&op.request))
            return !d->watch;
        if (const auto* c = std::get_if<get_children_request>(&op.request))
            return !c->watch;
        return false;
    }

    /// multi (kind op_code::multi) or multiRead (op_code::multi_read).
    static boost::asio::awaitable<result<multi_response>> multi(
        core_ptr core, op_code kind, std::vector<multi_op> ops
    )
    {
        error_code invalid;
        for (auto& op : ops)
        {
            const bool allowed = kind == op_code::multi_read ? is_plain_read(op) : op.is_consistent();
            if (!invalid)
                invalid = allowed ? prepare_multi_op(*core, op) : make_error_code(error::bad_arguments);
        }
        if (invalid)
            co_return invalid;
        if (ops.empty())
        {
            if (auto ec = core->admission_error())
                co_return ec;
            multi_response nothing;
            co_return nothing;
        }
        multi_request body{std::move(ops)};
        auto reply = co_await round_trip(core, core->make_entry(), kind, std::move(body));
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<multi_response>(reply.value()));
        multi_response out = std::move(*r);
        out.zxid = reply.value().header.zxid;
        for (auto& result : out.results)
        {
            if (auto* c = std::get_if<create_response>(&result.body))
                c->path = core->client_path(c->path);
            else if (auto* c2 = std::get_if<create2_response>(&result.body))
                c2->path = core->client_path(c2->path);
        }
        co_return out;
    }

    static boost::asio::awaitable<result<void>> sync(core_ptr core, std::string path)
    {
        if (auto ec = validate_path(path))
            co_return ec;
        sync_request body{core->server_path(path)};
        auto reply = co_await round_trip(core, core->make_entry(), op_code::sync, std::move(body));
        if (!reply)
            co_return reply.error();
        co_return success();
    }

    static boost::asio::awaitable<result<persistent_watch>> add_watch(
        core_ptr core, std::string path, add_watch_mode mode
    )
    {
        if (auto ec = validate_path(path))
            co_return ec;
        auto entry = core->make_entry();
        entry->persistent = std::make_shared<detail::persistent_watch_state>(core->get_executor());
        entry->recursive = mode == add_watch_mode::persistent_recursive;
        entry->watch_path = path;
        add_watch_request body{core->server_path(path), mode};
        auto reply = co_await round_trip(core, entry, op_code::add_watch, std::move(body));
        if (!reply)
            co_return reply.error();
        if (auto* r = std::get_if<error_response>(&reply.value().body); r && r->err != 0)
            co_return r->error();
        if (!entry->watch_set)
            co_return error::marshalling_error;
        entry->persistent->set_registered_zxid(reply.value().header.zxid);
        co_return persistent_watch(entry->persistent);
    }

    static boost::asio::awaitable<result<void>> remove_watches(
        core_ptr core, std::string path, watcher_type type
    )
    {
        if (auto ec = validate_path(path))
            co_return ec;
        auto entry = core->make_entry();
        entry->remove_type = type;
        entry->watch_path = path;
        remove_watches_request body{core->server_path(path), type};
        auto reply = co_await round_trip(core, entry, op_code::remove_watches, std::move(body));
        if (!reply)
            co_return reply.error();
        co_return success();
    }

    static boost::asio::awaitable<result<void>> add_auth(core_ptr core, auth_packet credential)
    {
        const request_header header{auth_xid, op_code::auth};
        auto frame = core->encode(header, credential);
        if (!frame)
            co_return frame.error();
        auto entry = core->make_entry();
        entry->auth = std::move(credential);
        if (auto ec =
                core->submit(detail::outgoing_kind::auth, op_code::auth, std::move(frame.value()), entry))
            co_return ec;
        auto reply = co_await wait_reply(entry);
        if (!reply)
            co_return reply.error();
        if (auto ec = reply.value().header.error())
            co_return ec;
        co_return success();
    }

    static boost::asio::awaitable<result<get_acl_response>> get_acl(core_ptr core, std::string path)
    {
        if (auto ec = validate_path(path))
            co_return ec;
        get_acl_request body{core->server_path(path)};
        auto reply = co_await round_trip(core, core->make_entry(), op_code::get_acl, std::move(body));
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<get_acl_response>(reply.value()));
        co_return std::move(*r);
    }

    static boost::asio::awaitable<result<stat>> set_acl(
        core_ptr core, std::string path, std::vector<acl> acl, std::int32_t version
    )
    {
        if (auto ec = validate_path(path))
            co_return ec;
        set_acl_request body{core->server_path(path), std::move(acl), version};
        auto reply = co_await round_trip(core, core->make_entry(), op_code::set_acl, std::move(body));
        if (!reply)
            co_return reply.error();
        BOOST_OUTCOME_CO_TRY(auto* r, body_as<set_acl_response>(reply.value()));
        co_return r->stat;
    }

    core_ptr core_;
};

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
