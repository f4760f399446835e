// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_TESTS_COMMON_FAKE_ZK_SERVER_HPP
#define HAKIT_TESTS_COMMON_FAKE_ZK_SERVER_HPP

#include <hakit/zk/codec.hpp>

#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/socket_base.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace hakit_test {

namespace fake_detail {

namespace asio = boost::asio;
namespace zk = hakit::zk;

inline constexpr auto use_tuple = asio::as_tuple(asio::use_awaitable);

struct node
{
    zk::bytes data;
    zk::stat stat;
};

struct server_state;

}  // namespace fake_detail

/// One client connection of the fake server, as a test's intercept hook sees it.
class fake_connection
{
public:
    fake_connection(boost::asio::ip::tcp::socket s, const boost::asio::any_io_executor& ex)
        : socket_(std::move(s))
        , signal_(ex)
    {}

    /// Queues a complete frame (length prefix included) for this connection.
    void send_frame(hakit::zk::bytes frame)
    {
        out_.push_back(std::move(frame));
        signal_.notify_all();
    }

    /// Queues raw bytes as they are (a bad length prefix, half a frame, ...).
    void send_raw(hakit::zk::bytes bytes) { send_frame(std::move(bytes)); }

    /// Queues a reply: ReplyHeader{xid, zxid, err} followed by `records`.
    template <class... Records>
    void reply(std::int32_t xid, std::int64_t zxid, std::int32_t err, const Records&... records)
    {
        hakit::zk::bytes frame;
        (void)hakit::zk::append_frame(frame, 0x7fffffff, hakit::zk::reply_header{xid, zxid, err}, records...);
        send_frame(std::move(frame));
    }

    /// Resets the connection (RST), as a crashed server would.
    void abort()
    {
        if (closed_)
            return;
        closed_ = true;
        boost::system::error_code ignored;
        socket_.set_option(boost::asio::socket_base::linger(true, 0), ignored);
        socket_.close(ignored);
        signal_.notify_all();
    }

    /// Closes after writing what is queued (an orderly server close).
    void close_after_flush()
    {
        close_after_flush_ = true;
        signal_.notify_all();
    }

    bool closed() const noexcept { return closed_; }
    std::int64_t session_id() const noexcept { return session_; }
    bool established() const noexcept { return session_ != 0; }

    // The fake server's own bookkeeping (tests use the members above).
    boost::asio::ip::tcp::socket socket_;
    hakit::detail::wait_signal signal_;
    std::vector<hakit::zk::bytes> out_;
    std::vector<hakit::zk::bytes> held_;
    bool closed_ = false;
    bool close_after_flush_ = false;
    std::int64_t session_ = 0;
    bool handshake_seen_ = false;
    std::set<std::string> data_watches_, exist_watches_, child_watches_;
};

namespace fake_detail {

/// Everything the fake server's coroutines share (owned jointly, like tcp_proxy's state).
struct server_state
{
    using connection_ptr = std::shared_ptr<fake_connection>;

    explicit server_state(asio::any_io_executor e) : ex(e), acceptor(e), changed(e) {}

    asio::any_io_executor ex;
    asio::ip::tcp::acceptor acceptor;
    hakit::detail::wait_signal changed;
    bool closed = false;

    // configuration
    std::int32_t min_timeout_ms = 400;
    std::int32_t max_timeout_ms = 60'000;
    bool stall_handshakes = false;
    std::vector<std::pair<std::weak_ptr<fake_connection>, zk::connect_request>> stalled;
    bool hold = false;
    std::function<bool(fake_connection&, const zk::client_message&)> intercept;

    // sessions and data
    struct session
    {
        zk::bytes passwd;
        bool expired = false;
        std::weak_ptr<fake_connection> connection;
    };
    std::map<std::int64_t, session> sessions;
    std::int64_t next_session = 0x1000;
    std::int64_t zxid = 0;
    std::map<std::string, node> tree;
    /// Set while a multi is tried on a copy of the tree: no notifications.
    bool quiet = false;

    // observations
    std::vector<zk::connect_request> handshakes;
    std::vector<zk::client_message> requests;
    std::vector<connection_ptr> connections;
    std::size_t accepted = 0;

    void notify_changed() { changed.notify_all(); }

    void init_tree()
    {
        node root;
        tree["/"] = root;
    }

    static std::string parent_of(const std::string& path)
    {
        const auto slash = path.rfind('/');
        return slash == 0 ? std::string("/") : path.substr(0, slash);
    }

    static std::string name_of(const std::string& path) { return path.substr(path.rfind('/') + 1); }

    std::int64_t now_ms() const
    {
        return std::chrono::duration_cast<std::chrono::milliseconds>(
                   std::chrono::system_clock::now().time_since_epoch()
        )
            .count();
    }

    // ---- watches ----------------------------------------------------------------------------

    void fire(std::set<std::string> fake_connection::*kind, const std::string& path, zk::event_type type)
    {
        if (quiet)
            return;
        for (auto& c : connections)
        {
            if (c->closed_ || !((*c).*kind).erase(path))
                continue;
            c->reply(
                zk::notification_xid, -1, 0, zk::watcher_event{type, zk::keeper_state::sync_connected, path}
            );
        }
    }

    void fire_data(const std::string& path, zk::event_type type)
    {
        fire(&fake_connection::data_watches_, path, type);
        fire(&fake_connection::exist_watches_, path, type);
        if (type == zk::event_type::node_deleted)
            fire(&fake_connection::child_watches_, path, type);
    }

    // ---- tree operations (return a ZooKeeper error code) -------------------------------------

    std::int32_t do_create(
        const std::string& requested,
        const zk::bytes& data,
        zk::create_mode mode,
        std::int64_t owner,
        std::string& actual
    )
    {
        if (zk::validate_path(requested, zk::is_sequential(mode)))
            return -8;
        const auto parent = parent_of(requested);
        auto pit = tree.find(parent);
        if (pit == tree.end())
            return -101;
        if (pit->second.stat.ephemeral_owner != 0 && pit->second.stat.ephemeral_owner > 0)
            return -108;
        actual = requested;
        if (zk::is_sequential(mode))
            actual += zk::format_sequence_suffix(pit->second.stat.cversion);
        if (tree.count(actual))
            return -110;
        ++zxid;
        node n;
        n.data = data;
        n.stat.czxid = n.stat.mzxid = n.stat.pzxid = zxid;
        n.stat.ctime = n.stat.mtime = now_ms();
        n.stat.data_length = static_cast<std::int32_t>(data.size());
        if (zk::is_ephemeral(mode))
            n.stat.ephemeral_owner = owner;
        tree[actual] = n;
        auto& p = tree[parent];
        ++p.stat.cversion;
        ++p.stat.num_children;
        p.stat.pzxid = zxid;
        fire_data(actual, zk::event_type::node_created);
        fire(&fake_connection::child_watches_, parent, zk::event_type::node_children_changed);
        return 0;
    }

    std::int32_t do_delete(const std::string& path, std::int32_t version)
    {
        auto it = tree.find(path);
        if (it == tree.end() || path == "/")
            return -101;
        if (version != -1 && it->second.stat.version != version)
            return -103;
        if (it->second.stat.num_children > 0)
            return -111;
        ++zxid;
        tree.erase(it);
        auto& p = tree[parent_of(path)];
        ++p.stat.cversion;
        --p.stat.num_children;
        p.stat.pzxid = zxid;
        fire_data(path, zk::event_type::node_deleted);
        fire(&fake_connection::child_watches_, parent_of(path), zk::event_type::node_children_changed);
        return 0;
    }

    std::int32_t do_set(const std::string& path, const zk::bytes& data, std::int32_t version)
    {
        auto it = tree.find(path);
        if (it == tree.end())
            return -101;
        if (version != -1 && it->second.stat.version != version)
            return -103;
        ++zxid;
        it->second.data = data;
        it->second.stat.mzxid = zxid;
        it->second.stat.mtime = now_ms();
        ++it->second.stat.version;
        it->second.stat.data_length = static_cast<std::int32_t>(data.size());
        fire_data(path, zk::event_type::node_data_changed);
        return 0;
    }

    std::int32_t do_check(const std::string& path, std::int32_t version) const
    {
        auto it = tree.find(path);
        if (it == tree.end())
            return -101;
        if (version != -1 && it->second.stat.version != version)
            return -103;
        return 0;
    }

    std::vector<std::string> children_of(const std::string& path) const
    {
        std::vector<std::string> out;
        for (const auto& [p, n] : tree)
            if (p != "/" && parent_of(p) == path)
                out.push_back(name_of(p));
        std::reverse(out.begin(), out.end());  // unsorted, like a real server's hash order
        return out;
    }

    /// Ends a session: its ephemerals go; its connection is reset (expiry) or closed after the
    /// queued replies (closeSession).
    void expire(std::int64_t id, bool orderly = false)
    {
        auto it = sessions.find(id);
        if (it == sessions.end())
            return;
        it->second.expired = true;
        std::vector<std::string> ephemerals;
        for (const auto& [p, n] : tree)
            if (n.stat.ephemeral_owner == id)
                ephemerals.push_back(p);
        for (auto p = ephemerals.rbegin(); p != ephemerals.rend(); ++p)
            do_delete(*p, -1);
        if (auto c = it->second.connection.lock())
        {
            if (orderly)
                c->close_after_flush();
            else
                c->abort();
        }
    }

    // ---- protocol -----------------------------------------------------------------------------

    /// Answers the ConnectRequests held while handshakes were stalled.
    void answer_stalled()
    {
        auto held = std::move(stalled);
        stalled.clear();
        for (auto& [weak, req] : held)
            if (auto c = weak.lock(); c && !c->closed_)
                answer(c, req);
    }

    void handshake(const connection_ptr& c, const zk::connect_request& req)
    {
        handshakes.push_back(req);
        notify_changed();
        if (stall_handshakes)
        {
            stalled.emplace_back(c, req);
            return;
        }
        answer(c, req);
    }

    void answer(const connection_ptr& c, const zk::connect_request& req)
    {
        zk::connect_response resp;
        resp.read_only = req.read_only ? std::optional<bool>(false) : std::nullopt;
        std::int64_t id = req.session_id;
        if (id != 0)
        {
            auto it = sessions.find(id);
            const bool ok = it != sessions.end() && !it->second.expired && it->second.passwd == req.passwd;
            if (it != sessions.end())
                if (auto old = it->second.connection.lock(); old && old != c)
                    old->abort();  // attaching closes the session's previous socket
            if (!ok)
            {
                resp.timeout_ms = 0;
                resp.session_id = 0;
                resp.passwd.assign(zk::session_password_size, 0);
                send_handshake(c, resp);
                c->close_after_flush();
                return;
            }
        }
        else
        {
            id = next_session++;
            sessions[id].passwd.assign(zk::session_password_size, static_cast<std::uint8_t>(id & 0xff));
        }
        sessions[id].connection = c;
        c->session_ = id;
        resp.timeout_ms = std::clamp(req.timeout_ms, min_timeout_ms, max_timeout_ms);
        resp.session_id = id;
        resp.passwd = sessions[id].passwd;
        send_handshake(c, resp);
    }

    static void send_handshake(const connection_ptr& c, const zk::connect_response& resp)
    {
        zk::bytes frame;
        (void)zk::append_frame(frame, 0x7fffffff, resp);
        c->send_frame(std::move(frame));
    }

    void handle(const connection_ptr& c, zk::client_message msg)
    {
        requests.push_back(msg);
        notify_changed();
        if (intercept && intercept(*c, msg))
            return;
        const auto xid = msg.header.xid;
        auto& body = msg.body;
        switch (msg.header.type)
        {
            case zk::op_code::ping:
                c->reply(zk::ping_xid, zxid, 0);
                return;
            case zk::op_code::auth: {
                const auto& a = std::get<zk::auth_packet>(body);
                const bool ok =
                    a.scheme != "digest" || std::find(a.auth.begin(), a.auth.end(), ':') != a.auth.end();
                c->reply(zk::auth_xid, 0, ok ? 0 : -115);
                if (!ok)
                    c->close_after_flush();
                return;
            }
            case zk::op_code::set_watches:
            case zk::op_code::set_watches2: {
                std::int64_t rel = 0;
                std::vector<std::string> data, exist, child;
                if (auto* s = std::get_if<zk::set_watches>(&body))
                    rel = s->relative_zxid, data = s->data_watches, exist = s->exist_watches,
                    child = s->child_watches;
                else if (auto* s2 = std::get_if<zk::set_watches2>(&body))
                    rel = s2->relative_zxid, data = s2->data_watches, exist = s2->exist_watches,
                    child = s2->child_watches;
                for (const auto& p : data)
                {
                    auto it = tree.find(p);
                    if (it == tree.end())
                        c->reply(
                            -1,
                            -1,
                            0,
                            zk::watcher_event{
                                zk::event_type::node_deleted, zk::keeper_state::sync_connected, p}
                        );
                    else if (it->second.stat.mzxid > rel)
                        c->reply(
                            -1,
                            -1,
                            0,
                            zk::watcher_event{
                                zk::event_type::node_data_changed, zk::keeper_state::sync_connected, p}
                        );
                    else
                        c->data_watches_.insert(p);
                }
                for (const auto& p : exist)
                {
                    if (tree.count(p))
                        c->reply(
                            -1,
                            -1,
                            0,
                            zk::watcher_event{
                                zk::event_type::node_created, zk::keeper_state::sync_connected, p}
                        );
                    else
                        c->exist_watches_.insert(p);
                }
                for (const auto& p : child)
                    c->child_watches_.insert(p);
                c->reply(zk::set_watches_xid, zxid, 0);
                return;
            }
            case zk::op_code::close_session:
                c->reply(xid, zxid, 0);
                expire(c->session_, true);
                return;
            case zk::op_code::create:
            case zk::op_code::create2:
            case zk::op_code::create_container: {
                const auto& r = std::get<zk::create_request>(body);
                std::string actual;
                const auto err = do_create(r.path, r.data, r.mode, c->session_, actual);
                if (err)
                    c->reply(xid, zxid, err);
                else if (msg.header.type == zk::op_code::create)
                    c->reply(xid, zxid, 0, zk::create_response{actual});
                else
                    c->reply(xid, zxid, 0, zk::create2_response{actual, tree[actual].stat});
                return;
            }
            case zk::op_code::create_ttl: {
                const auto& r = std::get<zk::create_ttl_request>(body);
                std::string actual;
                const auto err = do_create(r.path, r.data, r.mode, c->session_, actual);
                if (err)
                    c->reply(xid, zxid, err);
                else
                    c->reply(xid, zxid, 0, zk::create2_response{actual, tree[actual].stat});
                return;
            }
            case zk::op_code::delete_node: {
                const auto& r = std::get<zk::delete_request>(body);
                c->reply(xid, zxid, do_delete(r.path, r.version));
                return;
            }
            case zk::op_code::exists: {
                const auto& r = std::get<zk::exists_request>(body);
                auto it = tree.find(r.path);
                if (r.watch)
                    (it == tree.end() ? c->exist_watches_ : c->data_watches_).insert(r.path);
                if (it == tree.end())
                    c->reply(xid, zxid, -101);
                else
                    c->reply(xid, zxid, 0, zk::exists_response{it->second.stat});
                return;
            }
            case zk::op_code::get_data: {
                const auto& r = std::get<zk::get_data_request>(body);
                auto it = tree.find(r.path);
                if (it == tree.end())
                {
                    c->reply(xid, zxid, -101);
                    return;
                }
                if (r.watch)
                    c->data_watches_.insert(r.path);
                c->reply(xid, zxid, 0, zk::get_data_response{it->second.data, it->second.stat});
                return;
            }
            case zk::op_code::set_data: {
                const auto& r = std::get<zk::set_data_request>(body);
                const auto err = do_set(r.path, r.data, r.version);
                if (err)
                    c->reply(xid, zxid, err);
                else
                    c->reply(xid, zxid, 0, zk::set_data_response{tree[r.path].stat});
                return;
            }
            case zk::op_code::get_children:
            case zk::op_code::get_children2: {
                std::string path;
                bool watch = false;
                if (auto* r = std::get_if<zk::get_children_request>(&body))
                    path = r->path, watch = r->watch;
                else
                    path = std::get<zk::get_children2_request>(body).path,
                    watch = std::get<zk::get_children2_request>(body).watch;
                auto it = tree.find(path);
                if (it == tree.end())
                {
                    c->reply(xid, zxid, -101);
                    return;
                }
                if (watch)
                    c->child_watches_.insert(path);
                if (msg.header.type == zk::op_code::get_children)
                    c->reply(xid, zxid, 0, zk::get_children_response{children_of(path)});
                else
                    c->reply(xid, zxid, 0, zk::get_children2_response{children_of(path), it->second.stat});
                return;
            }
            case zk::op_code::sync:
                c->reply(xid, zxid, 0, zk::sync_response{std::get<zk::sync_request>(body).path});
                return;
            case zk::op_code::add_watch:
                c->reply(xid, zxid, 0, zk::error_response{0});
                return;
            case zk::op_code::remove_watches:
                c->reply(xid, zxid, 0);
                return;
            case zk::op_code::multi:
                multi(c, xid, std::get<zk::multi_request>(body));
                return;
            case zk::op_code::multi_read:
                multi_read(c, xid, std::get<zk::multi_request>(body));
                return;
            default:
                c->reply(xid, zxid, -6);
                return;
        }
    }

    /// multiRead: every getData / getChildren answered on its own (no_node as its error result).
    void multi_read(const connection_ptr& c, std::int32_t xid, const zk::multi_request& req)
    {
        zk::multi_response resp;
        for (const auto& op : req.ops)
        {
            const auto& path = op.type == zk::op_code::get_data
                                   ? std::get<zk::get_data_request>(op.request).path
                                   : std::get<zk::get_children_request>(op.request).path;
            auto it = tree.find(path);
            if (it == tree.end())
                resp.results.push_back(zk::multi_result{zk::op_code::error, -101, {}});
            else if (op.type == zk::op_code::get_data)
                resp.results.push_back(zk::multi_result{
                    op.type, 0, zk::get_data_response{it->second.data, it->second.stat}});
            else
                resp.results.push_back(zk::multi_result{
                    op.type, 0, zk::get_children_response{children_of(path)}});
        }
        c->reply(xid, zxid, 0, resp);
    }

    /// multi: tried on a copy of the tree first (all or nothing), then applied for real.
    void multi(const connection_ptr& c, std::int32_t xid, const zk::multi_request& req)
    {
        std::optional<std::size_t> failed;
        std::int32_t failed_err = 0;
        std::vector<zk::multi_result> results;
        const auto run = [&] {
            results.clear();
            for (std::size_t i = 0; i < req.ops.size(); ++i)
            {
                const std::int32_t err = apply_op(c, req.ops[i], results);
                if (err)
                {
                    failed = i;
                    failed_err = err;
                    return;
                }
            }
        };
        const auto saved_tree = tree;
        const auto saved_zxid = zxid;
        quiet = true;
        run();
        quiet = false;
        tree = saved_tree;
        zxid = saved_zxid;
        zk::multi_response resp;
        if (failed)
        {
            ++zxid;  // a failed multi still consumes a zxid
            for (std::size_t i = 0; i < req.ops.size(); ++i)
            {
                const std::int32_t err = i < *failed ? 0 : i == *failed ? failed_err : -2;
                resp.results.push_back(zk::multi_result{zk::op_code::error, err, {}});
            }
        }
        else
        {
            run();
            resp.results = std::move(results);
        }
        c->reply(xid, zxid, 0, resp);
    }

    std::int32_t apply_op(
        const connection_ptr& c, const zk::multi_op& op, std::vector<zk::multi_result>& results
    )
    {
        std::int32_t err = 0;
        zk::multi_result result{op.type, 0, {}};
        std::visit(
            [&](const auto& r) {
                using R = std::decay_t<decltype(r)>;
                if constexpr (std::is_same_v<R, zk::create_request>)
                {
                    std::string actual;
                    err = do_create(r.path, r.data, r.mode, c->session_, actual);
                    result.type = zk::op_code::create;  // 3.8.0: create2 comes back as create
                    result.body = zk::create_response{actual};
                }
                else if constexpr (std::is_same_v<R, zk::delete_request>)
                    err = do_delete(r.path, r.version);
                else if constexpr (std::is_same_v<R, zk::set_data_request>)
                {
                    err = do_set(r.path, r.data, r.version);
                    if (!err)
                        result.body = zk::set_data_response{tree[r.path].stat};
                }
                else if constexpr (std::is_same_v<R, zk::check_version_request>)
                    err = do_check(r.path, r.version);
                else
                    err = -6;
            },
            op.request
        );
        if (!err)
            results.push_back(std::move(result));
        return err;
    }
};

inline asio::awaitable<void> connection_writer(
    std::shared_ptr<server_state> st, std::shared_ptr<fake_connection> c
)
{
    // Loops have a condition and no co_return inside (GCC 12, see retrieval_channel.hpp).
    bool open = true;
    while (open)
    {
        while (!c->closed_ && (c->out_.empty() || st->hold) && !(c->close_after_flush_ && c->out_.empty()))
            co_await c->signal_.async_wait();
        if (c->closed_)
            open = false;
        else if (c->out_.empty() && c->close_after_flush_)
        {
            boost::system::error_code ignored;
            c->socket_.shutdown(asio::socket_base::shutdown_both, ignored);
            c->socket_.close(ignored);
            c->closed_ = true;
            st->notify_changed();
            open = false;
        }
        else
        {
            auto batch = std::move(c->out_);
            c->out_.clear();
            zk::bytes bytes;
            for (auto& f : batch)
                bytes.insert(bytes.end(), f.begin(), f.end());
            auto [ec, n] = co_await asio::async_write(c->socket_, asio::buffer(bytes), use_tuple);
            (void)n;
            if (ec)
            {
                c->abort();
                open = false;
            }
        }
    }
}

inline asio::awaitable<void> connection_reader(
    std::shared_ptr<server_state> st, std::shared_ptr<fake_connection> c
)
{
    zk::frame_reader reader(16 * 1024 * 1024);
    std::array<std::uint8_t, 65536> buf;
    bool open = true;
    while (open)
    {
        auto [ec, n] = co_await c->socket_.async_read_some(asio::buffer(buf), use_tuple);
        open = !c->closed_ && !ec;
        std::span<const std::uint8_t> data(buf.data(), open ? n : 0);
        while (!data.empty() && !c->closed_)
        {
            auto taken = reader.consume(data);
            if (!taken)
            {
                c->abort();
                break;
            }
            data = data.subspan(taken.value());
            if (!reader.ready())
                continue;
            if (!c->handshake_seen_)
            {
                c->handshake_seen_ = true;
                auto req = zk::decode_connect_request(reader.frame());
                if (!req)
                    c->abort();
                else
                    st->handshake(c, req.value());
            }
            else
            {
                auto msg = zk::decode_client_message(reader.frame(), 16 * 1024 * 1024);
                if (!msg)
                    c->abort();
                else
                    st->handle(c, std::move(msg.value()));
            }
            reader.next();
        }
    }
    c->abort();
    std::erase(st->connections, c);
    st->notify_changed();
}

inline asio::awaitable<void> accept_loop(std::shared_ptr<server_state> st)
{
    while (!st->closed)
    {
        auto [ec, socket] = co_await st->acceptor.async_accept(use_tuple);
        if (st->closed || ec)
            continue;
        boost::system::error_code ignored;
        socket.set_option(asio::ip::tcp::no_delay(true), ignored);
        auto c = std::make_shared<fake_connection>(std::move(socket), st->ex);
        st->connections.push_back(c);
        ++st->accepted;
        st->notify_changed();
        asio::co_spawn(st->ex, connection_reader(st, c), asio::detached);
        asio::co_spawn(st->ex, connection_writer(st, c), asio::detached);
    }
}

}  // namespace fake_detail

/// An in-process ZooKeeper server on 127.0.0.1 for unit tests of zk::client, on the test's
/// executor. It speaks the handshake (sessions with ids and passwords, resumption, expiry,
/// negotiated timeout clamped to [400 ms, 60 s]), keeps a small data tree and answers ping, auth
/// (digest "user:password"), create/create2/createContainer/createTTL, delete, exists, getData,
/// setData, getChildren(2), sync, multi (check/create/delete/setData, all or nothing, 3.8 result
/// types), addWatch, removeWatches, SetWatches(2) and closeSession, with one-shot data, exist and
/// child watches like the real server (notification before the reply that caused it).
///
/// Scripting: `intercept` sees every request first and may answer it itself (return true) through
/// the fake_connection (custom replies, raw bytes, wrong xids, silence); hold()/release() holds
/// every outgoing frame back; stall_handshakes leaves ConnectRequests unanswered; expire_session
/// and drop_all simulate server-side expiry and crashes. Setup errors throw.
class fake_zk_server
{
public:
    using clock = std::chrono::steady_clock;

    explicit fake_zk_server(boost::asio::any_io_executor ex)
        : st_(std::make_shared<fake_detail::server_state>(ex))
    {
        namespace asio = boost::asio;
        st_->init_tree();
        const asio::ip::tcp::endpoint ep(asio::ip::address_v4::loopback(), 0);
        st_->acceptor.open(ep.protocol());
        st_->acceptor.set_option(asio::socket_base::reuse_address(true));
        st_->acceptor.bind(ep);
        st_->acceptor.listen();
        asio::co_spawn(ex, fake_detail::accept_loop(st_), asio::detached);
    }

    fake_zk_server(const fake_zk_server&) = delete;
    fake_zk_server& operator=(const fake_zk_server&) = delete;

    ~fake_zk_server() { close(); }

    /// "127.0.0.1:port" for a connect string.
    std::string address() const
    {
        return "127.0.0.1:" + std::to_string(st_->acceptor.local_endpoint().port());
    }

    /// Stops listening and resets every connection.
    void close()
    {
        if (st_->closed)
            return;
        st_->closed = true;
        boost::system::error_code ignored;
        st_->acceptor.close(ignored);
        drop_all();
    }

    /// Resets every open connection (RST), as a crash would; sessions survive.
    void drop_all()
    {
        auto connections = st_->connections;
        for (auto& c : connections)
            c->abort();
        st_->notify_changed();
    }

    /// Expires a session as the server would: its ephemerals go, its connection is reset, and a
    /// reconnect with it is answered with timeOut 0.
    void expire_session(std::int64_t id)
    {
        st_->expire(id);
        st_->notify_changed();
    }

    /// Holds every outgoing frame back until release().
    void hold() { st_->hold = true; }
    void release()
    {
        st_->hold = false;
        for (auto& c : st_->connections)
            c->signal_.notify_all();
    }

    /// Leaves ConnectRequests unanswered while true; false answers the held ones.
    void stall_handshakes(bool stall)
    {
        st_->stall_handshakes = stall;
        if (!stall)
            st_->answer_stalled();
    }

    /// Resets the connection of one session (RST).
    void drop_session(std::int64_t id)
    {
        auto it = st_->sessions.find(id);
        if (it != st_->sessions.end())
            if (auto c = it->second.connection.lock())
                c->abort();
        st_->notify_changed();
    }

    /// Sees every request after the handshake first; return true to answer it yourself.
    void intercept(std::function<bool(fake_connection&, const hakit::zk::client_message&)> f)
    {
        st_->intercept = std::move(f);
    }

    /// The newest open connection, or null.
    std::shared_ptr<fake_connection> newest() const
    {
        for (auto it = st_->connections.rbegin(); it != st_->connections.rend(); ++it)
            if (!(*it)->closed())
                return *it;
        return nullptr;
    }

    /// Sends a notification (xid -1) to the newest connection.
    void notify(hakit::zk::watcher_event e)
    {
        if (auto c = newest())
            c->reply(hakit::zk::notification_xid, -1, 0, e);
    }

    const std::vector<hakit::zk::connect_request>& handshakes() const { return st_->handshakes; }
    const std::vector<hakit::zk::client_message>& requests() const { return st_->requests; }
    std::size_t connections_accepted() const { return st_->accepted; }
    std::size_t active_connections() const
    {
        return static_cast<std::size_t>(std::count_if(
            st_->connections.begin(), st_->connections.end(), [](auto& c) { return !c->closed(); }
        ));
    }
    /// Requests of one op type received so far.
    std::size_t count(hakit::zk::op_code op) const
    {
        return static_cast<std::size_t>(std::count_if(
            st_->requests.begin(), st_->requests.end(), [op](auto& m) { return m.header.type == op; }
        ));
    }
    bool has_node(const std::string& path) const { return st_->tree.count(path) != 0; }
    std::int64_t zxid() const { return st_->zxid; }

    /// Waits until `pred()` holds (checked at every server event and every 10 ms) or `timeout`
    /// passes; returns the last value of `pred()`. Bind a capturing lambda to a local first.
    template <class Pred>
    boost::asio::awaitable<bool> async_wait_until(Pred pred, clock::duration timeout) const
    {
        const auto st = st_;
        const auto deadline = clock::now() + timeout;
        boost::asio::steady_timer timer(st->ex);
        bool satisfied = pred();
        while (!satisfied && clock::now() < deadline)
        {
            timer.expires_at(std::min(deadline, clock::now() + std::chrono::milliseconds(10)));
            (void)co_await timer.async_wait(fake_detail::use_tuple);
            satisfied = pred();
        }
        co_return satisfied;
    }

private:
    std::shared_ptr<fake_detail::server_state> st_;
};

}  // namespace hakit_test

#endif
