// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_REQUEST_HPP
#define HAKIT_ZK_DETAIL_REQUEST_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/detail/watch_registry.hpp>
#include <hakit/zk/detail/watch_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/message.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/wait_signal.hpp>

#include <boost/asio/any_io_executor.hpp>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// What an outgoing frame is, which decides how its reply is matched.
enum class outgoing_kind : std::uint8_t
{
    /// A normal request: xid >= 1 assigned when written, reply matched in order.
    request,
    /// closeSession: a normal xid; its reply ends the session.
    close_session,
    /// AuthPacket (xid -4): answered out of band, in order among auth packets.
    auth,
    /// SetWatches / SetWatches2 (xid -8): answered in order with normal requests.
    set_watches,
    /// Ping (xid -2): the reply is not matched.
    ping,
};

/// One request a caller waits on, shared between the caller's coroutine and the client's queues.
/// Besides the reply it carries what the reader must do when the reply arrives, before it handles
/// the next frame (so that a notification right behind the reply finds the watch registered).
class request_entry
{
public:
    explicit request_entry(boost::asio::any_io_executor ex) : signal_(std::move(ex)) {}

    // -- set by the caller before submitting --------------------------------------------------
    /// The client path the watch side effects apply to.
    std::string watch_path;
    /// exists / getData / getChildren with watch: the one-shot watch to register.
    std::shared_ptr<watch_state> watch;
    /// addWatch: the persistent watch to register, and whether it is recursive.
    std::shared_ptr<persistent_watch_state> persistent;
    bool recursive = false;
    /// removeWatches: the local watches to remove when the server removed its own.
    std::optional<watcher_type> remove_type;
    /// addAuth: the credential to re-send on every later connection once accepted.
    std::optional<auth_packet> auth;

    // -- set by the client ----------------------------------------------------------------------
    /// The caller stopped waiting: a reply is consumed and discarded, an unsent request dropped.
    bool abandoned = false;
    /// The reply registered `watch`.
    bool watch_set = false;

    bool done() const noexcept { return outcome_.has_value(); }

    /// Sets the outcome (the first one wins) and wakes the caller.
    void complete(result<server_message> outcome)
    {
        if (outcome_)
            return;
        outcome_.emplace(std::move(outcome));
        signal_.notify_all();
    }

    /// The outcome; only after done().
    result<server_message>& outcome() noexcept { return *outcome_; }

    hakit::detail::wait_signal* signal() noexcept { return &signal_; }

private:
    hakit::detail::wait_signal signal_;
    std::optional<result<server_message>> outcome_;
};

/// A frame waiting for the writer.
struct outgoing
{
    outgoing(outgoing_kind k, op_code o, bytes f, std::shared_ptr<request_entry> e = nullptr)
        : kind(k)
        , op(o)
        , frame(std::move(f))
        , entry(std::move(e))
    {}

    outgoing_kind kind;
    op_code op;
    /// The whole frame, length prefix included; a normal xid is patched in when written.
    bytes frame;
    /// Who waits for the reply; null for the client's own frames.
    std::shared_ptr<request_entry> entry;
};

/// A frame written and not answered yet (requests, closeSession, SetWatches).
struct in_flight_request
{
    outgoing_kind kind;
    op_code op;
    std::int32_t xid;
    std::shared_ptr<request_entry> entry;
};

/// Applies what a reply means for the watch registry: an exists reply registers its watch as a
/// data watch (node present) or exist watch (no_node); getData / getChildren register theirs only
/// on success; addWatch registers the persistent watch; removeWatches removes the local ones.
inline void apply_reply_to_watches(request_entry& e, op_code op, std::int32_t err, watch_registry& watches)
{
    if (e.remove_type && err == 0)
        watches.remove(e.watch_path, *e.remove_type);
    if (e.abandoned)
        return;
    if (e.watch)
    {
        std::optional<watch_kind> kind;
        if (op == op_code::exists)
        {
            if (err == 0)
                kind = watch_kind::data;
            else if (err == static_cast<std::int32_t>(error::no_node))
                kind = watch_kind::exist;
        }
        else if (err == 0)
            kind = op == op_code::get_data ? watch_kind::data : watch_kind::child;
        if (kind)
        {
            watches.add(*kind, e.watch_path, e.watch);
            e.watch_set = true;
        }
    }
    if (e.persistent && err == 0)
    {
        watches.add_persistent(e.recursive, e.watch_path, e.persistent);
        e.watch_set = true;
    }
}

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
