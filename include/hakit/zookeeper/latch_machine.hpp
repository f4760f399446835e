// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZOOKEEPER_LATCH_MACHINE_HPP
#define HAKIT_ZOOKEEPER_LATCH_MACHINE_HPP

#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/layout.hpp>

#include <hakit/detail/config.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zookeeper {

// ---- what the latch asks its driver to do ------------------------------------------------------
// Requests carry a ticket; the driver hands it back with the result. A result whose ticket is no
// longer the one the machine waits for is ignored, so a late answer can never undo a newer
// decision (the races behind CURATOR-504/644/645).

/// create2 `path` as EPHEMERAL_SEQUENTIAL (the server appends the sequence); → on_created.
struct latch_create
{
    std::uint64_t ticket = 0;
    std::string path;
};

/// Create the latch directory's missing ancestors (persistent) and the directory itself
/// (container), ignoring node_exists; → on_parents_created.
struct latch_create_parents
{
    std::uint64_t ticket = 0;
};

/// getChildren of the latch directory, no watch; → on_children.
struct latch_list
{
    std::uint64_t ticket = 0;
};

/// exists(path) with a watch, on our own node before leading; → on_verified with its ephemeral
/// owner, and on_watch_fired(ticket) when the watch fires (our node deleted or changed) if the
/// machine still watches it (watching(ticket)).
struct latch_verify
{
    std::uint64_t ticket = 0;
    std::string path;
};

/// getData(path) with a watch, on the predecessor; → on_watch_set, then on_watch_fired(ticket)
/// when the watch fires, if the machine still watches it.
struct latch_watch
{
    std::uint64_t ticket = 0;
    std::string path;
};

/// Stop waiting for the watch armed last: its event no longer matters.
struct latch_unwatch
{};

/// Delete `path` (any version), retrying after connection loss until it is gone or the session
/// ended; → on_deleted with the final outcome.
struct latch_delete
{
    std::string path;
};

/// The latch's leadership changed (Curator's isLeader / notLeader).
struct latch_leadership
{
    bool leading = false;
};

/// A ZooKeeper error the latch cannot handle (no_auth, invalid_acl, ...). The latch retries on the
/// next reconnect or new session.
struct latch_error
{
    error_code ec;
};

/// stop() finished: no latch node of ours is left, nothing is in flight.
struct latch_stopped
{};

using latch_action = std::variant<
    latch_create,
    latch_create_parents,
    latch_list,
    latch_verify,
    latch_watch,
    latch_unwatch,
    latch_delete,
    latch_leadership,
    latch_error,
    latch_stopped>;
using latch_actions = std::vector<latch_action>;

/// Curator's LeaderLatch (5.8, zookeeper-protocol.md §2.3) without I/O, with the fixes of the
/// known bugs (§2.7) and two of hakit's own:
///
/// - protected create (`_c_<uuid>-latch-`): after a create whose outcome is unknown, the latch
///   lists the directory and adopts the node with its prefix, or creates again under the same
///   prefix; several nodes with the prefix: the lowest is kept, the others deleted;
/// - one request at a time, tickets against late answers; a non-leader watches only its
///   predecessor, with getData (no watch left behind on a missing node, no herd);
/// - the predecessor already gone → list again, not reset (CURATOR-504/644/645);
/// - not first → leadership false before watching (CURATOR-653);
/// - first → our node's ephemeralOwner must be the current session before leadership is granted,
///   otherwise reset (CURATOR-696); a node whose create2 Stat already named this session needs no
///   second look: it is granted at once while the exists watch on it is armed;
/// - hakit: when the predecessor we watch was first in the last listing and its deletion fires,
///   we are first without listing again (sequence numbers only grow, so nobody can have joined
///   ahead of us): a graceful handover costs the successor no round trip at all;
/// - reconnect → list again (CURATOR-504/644); new session → reset;
/// - latch directory gone (getChildren NONODE) → reset, which recreates it (CURATOR-724);
/// - children ordered by their sequence suffix, not by name;
/// - hakit: the leader watches its own node and steps down when someone deletes it (CURATOR-171
///   is open in Curator);
/// - hakit: connection_policy (suspended vs lost) and the local deadline (on_deadline) end
///   leadership; a deadline while still connected lists again, so an answering server re-grants.
///
/// The machine never calls anything: inputs are member calls, outputs are appended to a
/// latch_actions vector, in order. A driver (leader_latch) performs them and feeds the results
/// back, all on one executor.
class latch_machine
{
public:
    enum class phase : std::uint8_t
    {
        /// Not in the election (before start, after stop finished).
        idle,
        /// Contending.
        running,
        /// Deleting our node(s) before reporting latch_stopped.
        stopping,
    };

    explicit latch_machine(std::string latch_path, connection_policy policy = {})
        : latch_path_(std::move(latch_path))
        , policy_(policy)
    {}

    // ---- inputs ---------------------------------------------------------------------------------

    /// Joins the election. `link` is the client's state now: without a session (idle, connecting,
    /// expired) the latch waits for on_connection(connected).
    void start(zk::connection_state link, latch_actions& out)
    {
        if (phase_ != phase::idle)
            return;
        phase_ = phase::running;
        link_ = link == zk::connection_state::connected   ? link_state::connected
                : link == zk::connection_state::suspended ? link_state::suspended
                                                          : link_state::down;
        if (link_ != link_state::down)
            reset(out);
    }

    /// Leaves the election: leadership ends at once, our node is deleted (also one whose create is
    /// still in flight or uncertain); latch_stopped once nothing of ours is left. Without a live
    /// session nothing is left to delete (the server removed it), which ends the stop as well.
    void stop(latch_actions& out)
    {
        if (phase_ == phase::idle)
        {
            out.emplace_back(latch_stopped{});
            return;
        }
        if (phase_ == phase::stopping)
            return;
        phase_ = phase::stopping;
        set_leading(false, out);
        drop_watch(out);
        if (node_)
        {
            remove(*node_, out);
            node_.reset();
        }
        // Reads no longer matter, except the listing that looks for an uncertain create's node.
        if (pending_ == request::parents || pending_ == request::verify || pending_ == request::watch ||
            (pending_ == request::list && !uncertain_))
            forget_request();
        if (pending_ == request::none && uncertain_ && link_ == link_state::connected)
            list(out);
        finish_stop(out);
    }

    /// A connection event of the client. `suspended` ends leadership unless the policy tolerates
    /// it; `reconnected` re-checks the children; `connected` (a new session) and `expired` forget
    /// every node of the old session (the server deletes them) — a running latch then starts
    /// afresh on the new session.
    void on_connection(zk::connection_event e, latch_actions& out)
    {
        switch (e)
        {
            case zk::connection_event::suspended:
                link_ = link_state::suspended;
                if (policy_.revokes_on(e))
                    set_leading(false, out);
                break;
            case zk::connection_event::reconnected:
                link_ = link_state::connected;
                recheck(out);
                break;
            case zk::connection_event::connected:
                link_ = link_state::connected;
                forget_session(out);
                if (phase_ == phase::running)
                    reset(out);
                else
                    finish_stop(out);
                break;
            case zk::connection_event::expired:
            case zk::connection_event::closed:
                link_ = link_state::down;
                forget_session(out);
                finish_stop(out);
                break;
        }
    }

    /// The local deadline passed (connection_policy::lead_deadline): leadership ends. If the client
    /// still believes it is connected, the latch lists again: a server that answers re-grants.
    void on_deadline(latch_actions& out)
    {
        if (!leading_)
            return;
        set_leading(false, out);
        if (phase_ == phase::running && link_ == link_state::connected && pending_ == request::none)
        {
            drop_watch(out);
            list(out);
        }
    }

    /// The result of latch_create: the created path, or the error. `owned` says that the create2
    /// Stat showed the node's ephemeral owner to be the current session (no verify needed).
    void on_created(
        std::uint64_t ticket, const result<std::string>& created, latch_actions& out, bool owned = false
    )
    {
        if (!is_current(ticket, request::create))
        {
            // Only after the session changed: such a node dies with its session, but remove it.
            if (created)
                remove(created.value(), out);
            return;
        }
        forget_request();
        if (created)
        {
            uncertain_ = false;
            if (phase_ == phase::stopping)
            {
                remove(created.value(), out);
                finish_stop(out);
                return;
            }
            node_ = created.value();
            owned_ = owned;
            list(out);
            return;
        }
        const error_code ec = created.error();
        if (ec == zk::error::no_node)
        {
            // The latch directory is missing (first start, or CURATOR-724): create it, then retry.
            if (phase_ == phase::running)
                create_parents(out);
            else
                finish_stop(out);
            return;
        }
        if (detail::is_connection_trouble(ec))
        {
            // The create may have happened: find the node by its prefix once connected.
            uncertain_ = true;
            if (link_ == link_state::connected)
                list(out);
            return;
        }
        fail(ec, out);
        finish_stop(out);
    }

    /// The result of latch_create_parents.
    void on_parents_created(std::uint64_t ticket, error_code ec, latch_actions& out)
    {
        if (!is_current(ticket, request::parents))
            return;
        forget_request();
        if (!ec)
        {
            create(out);
            return;
        }
        if (detail::is_connection_trouble(ec))
        {
            if (link_ == link_state::connected)
                create_parents(out);
            return;
        }
        fail(ec, out);
    }

    /// The result of latch_list: the children's names (unsorted), or the error.
    void on_children(std::uint64_t ticket, const result<std::vector<std::string>>& listed, latch_actions& out)
    {
        if (!is_current(ticket, request::list))
            return;
        forget_request();
        if (!listed)
        {
            const error_code ec = listed.error();
            if (ec == zk::error::no_node)
            {
                // CURATOR-724: the latch directory is gone, and every node in it.
                node_.reset();
                uncertain_ = false;
                if (phase_ == phase::running)
                    reset(out);
                else
                    finish_stop(out);
                return;
            }
            retry_or_fail(ec, out);
            return;
        }
        auto children = listed.value();
        sort_latch_children(children);
        std::vector<std::string> ours;
        for (const auto& c : children)
            if (!prefix_.empty() && std::string_view(c).starts_with(prefix_))
                ours.push_back(layout::child(latch_path_, c));

        if (phase_ == phase::stopping)
        {
            for (const auto& path : ours)
                remove(path, out);
            uncertain_ = false;
            finish_stop(out);
            return;
        }
        if (!node_)
        {
            if (!uncertain_)
            {
                reset(out);
                return;
            }
            uncertain_ = false;
            if (ours.empty())
            {
                // The uncertain create did not happen: create again under the same prefix.
                create(out);
                return;
            }
            node_ = ours.front();
            owned_ = false;  // adopted after an uncertain create: its owner is checked before leading
        }
        for (const auto& path : ours)
            if (path != *node_)
                remove(path, out);

        const auto name = layout::basename(*node_);
        const auto it = std::find(children.begin(), children.end(), name);
        if (it == children.end())
        {
            // Our node is gone (deleted by someone, or its session ended).
            node_.reset();
            reset(out);
            return;
        }
        if (it == children.begin())
        {
            lead(out);
            return;
        }
        set_leading(false, out);
        predecessor_first_ = it - 1 == children.begin();
        watch(layout::child(latch_path_, *(it - 1)), out);
    }

    /// The result of latch_verify: the ephemeral owner of our node (nullopt if it does not exist)
    /// and the client's session id when the answer arrived.
    void on_verified(
        std::uint64_t ticket,
        const result<std::optional<std::int64_t>>& owner,
        std::int64_t session,
        latch_actions& out
    )
    {
        if (!is_current(ticket, request::verify))
            return;
        forget_request();
        if (!owner)
        {
            retry_or_fail(owner.error(), out);
            return;
        }
        if (!owner.value())
        {
            node_.reset();
            reset(out);
            return;
        }
        if (*owner.value() != session)
        {
            // CURATOR-696: listed first, but a node of an earlier session the server has not
            // removed yet. Leading on it would overlap with whoever follows once it goes.
            reset(out);
            return;
        }
        owned_ = true;
        watch_ticket_ = ticket;
        set_leading(true, out);
    }

    /// The result of latch_watch: success (the watch is armed) or the error (no_node: the
    /// predecessor is already gone).
    void on_watch_set(std::uint64_t ticket, error_code ec, latch_actions& out)
    {
        if (!is_current(ticket, request::watch))
            return;
        forget_request();
        if (!ec)
        {
            watch_ticket_ = ticket;
            return;
        }
        if (ec == zk::error::no_node)
        {
            list(out);  // not reset(): that was the livelock of CURATOR-645
            return;
        }
        retry_or_fail(ec, out);
    }

    /// The watch armed by latch_verify / latch_watch with this ticket fired; `deleted`: the event
    /// was NodeDeleted.
    void on_watch_fired(std::uint64_t ticket, latch_actions& out, bool deleted = false)
    {
        if (!watching(ticket) || phase_ != phase::running)
            return;
        watch_ticket_ = 0;
        if (pending_ != request::none)
            return;
        if (deleted && !leading_ && predecessor_first_ && node_)
            lead(out);  // the leader before us left: nobody else can be ahead of us
        else
            list(out);
    }

    /// The final outcome of a latch_delete.
    void on_deleted(const std::string&, error_code ec, latch_actions& out)
    {
        if (deletes_ > 0)
            --deletes_;
        if (ec && ec != zk::error::no_node && !detail::is_connection_trouble(ec) &&
            ec != zk::error::session_expired && ec != errc::closed)
            out.emplace_back(latch_error{ec});
        finish_stop(out);
    }

    // ---- observers ------------------------------------------------------------------------------

    phase state() const noexcept { return phase_; }
    /// Whether the latch grants leadership (the last latch_leadership said so).
    bool leading() const noexcept { return leading_; }
    /// Our latch node's path, once created (or found again).
    const std::optional<std::string>& node_path() const noexcept { return node_; }
    /// The protected prefix of the current (or last) create, "" before the first.
    const std::string& prefix() const noexcept { return prefix_; }
    /// Whether the watch armed with `ticket` is the one that still matters.
    bool watching(std::uint64_t ticket) const noexcept { return ticket != 0 && ticket == watch_ticket_; }
    /// Deletes in flight.
    std::size_t pending_deletes() const noexcept { return deletes_; }
    /// How many times the children were listed (getChildren issued), for tests of when we look.
    std::uint64_t listings() const noexcept { return listings_; }
    /// Whether a request of the latch (create, parents, list, verify, watch) awaits its answer.
    bool awaiting_answer() const noexcept { return pending_ != request::none; }
    const std::string& latch_path() const noexcept { return latch_path_; }
    const connection_policy& policy() const noexcept { return policy_; }

private:
    enum class link_state : std::uint8_t
    {
        down,
        connected,
        suspended,
    };

    enum class request : std::uint8_t
    {
        none,
        create,
        parents,
        list,
        verify,
        watch,
    };

    std::uint64_t issue(request r)
    {
        pending_ = r;
        ticket_ = ++next_ticket_;
        return ticket_;
    }

    bool is_current(std::uint64_t ticket, request r) const noexcept
    {
        return pending_ == r && ticket == ticket_;
    }

    void forget_request() noexcept
    {
        pending_ = request::none;
        ticket_ = 0;
    }

    void set_leading(bool leading, latch_actions& out)
    {
        if (leading && !(link_ == link_state::connected ||
                         (link_ == link_state::suspended && policy_.tolerate_suspended)))
            return;
        if (leading == leading_)
            return;
        leading_ = leading;
        out.emplace_back(latch_leadership{leading});
    }

    void drop_watch(latch_actions& out)
    {
        if (watch_ticket_ == 0)
            return;
        watch_ticket_ = 0;
        out.emplace_back(latch_unwatch{});
    }

    void remove(std::string path, latch_actions& out)
    {
        ++deletes_;
        out.emplace_back(latch_delete{std::move(path)});
    }

    /// Curator's reset(): leadership off, our node deleted, a new node under a new prefix.
    void reset(latch_actions& out)
    {
        set_leading(false, out);
        drop_watch(out);
        if (node_)
        {
            remove(*node_, out);
            node_.reset();
        }
        uncertain_ = false;
        prefix_ = protected_prefix(session_id::random());
        create(out);
    }

    void create(latch_actions& out)
    {
        const auto t = issue(request::create);
        out.emplace_back(latch_create{t, layout::child(latch_path_, latch_node_request_name(prefix_))});
    }

    void create_parents(latch_actions& out)
    {
        out.emplace_back(latch_create_parents{issue(request::parents)});
    }

    void list(latch_actions& out)
    {
        ++listings_;
        out.emplace_back(latch_list{issue(request::list)});
    }

    /// We are first: lead at once if our node is known to be this session's, and arm the watch on
    /// it (verifying its owner first if it is not known).
    void lead(latch_actions& out)
    {
        predecessor_first_ = false;
        if (owned_)
            set_leading(true, out);
        verify(out);
    }

    void verify(latch_actions& out)
    {
        drop_watch(out);
        const auto t = issue(request::verify);
        out.emplace_back(latch_verify{t, *node_});
    }

    void watch(std::string predecessor, latch_actions& out)
    {
        drop_watch(out);
        const auto t = issue(request::watch);
        out.emplace_back(latch_watch{t, std::move(predecessor)});
    }

    /// A read failed: connection trouble is retried once connected (a reconnect lists anyway);
    /// the end of the session is handled by its connection event; anything else is reported.
    void retry_or_fail(const error_code& ec, latch_actions& out)
    {
        if (detail::is_connection_trouble(ec))
        {
            if (link_ == link_state::connected)
                list(out);
            return;
        }
        fail(ec, out);
    }

    void fail(const error_code& ec, latch_actions& out)
    {
        if (ec == zk::error::session_expired || ec == errc::closed)
            return;
        out.emplace_back(latch_error{ec});
    }

    /// After a reconnect with the same session: look at the children again instead of resetting
    /// (CURATOR-504/644). A create or parent creation in flight continues the chain itself.
    void recheck(latch_actions& out)
    {
        if (phase_ == phase::stopping)
        {
            if (uncertain_ && pending_ == request::none)
                list(out);
            return;
        }
        if (phase_ != phase::running || pending_ == request::create || pending_ == request::parents)
            return;
        if (!node_ && !uncertain_)
        {
            reset(out);  // nothing to look for (e.g. the last create failed): try again
            return;
        }
        drop_watch(out);
        list(out);
    }

    /// The session ended: its ephemeral nodes are the server's to delete, answers still to come
    /// belong to it.
    void forget_session(latch_actions& out)
    {
        set_leading(false, out);
        drop_watch(out);
        node_.reset();
        uncertain_ = false;
        forget_request();
    }

    void finish_stop(latch_actions& out)
    {
        if (phase_ != phase::stopping || pending_ != request::none || deletes_ != 0 || uncertain_)
            return;
        phase_ = phase::idle;
        out.emplace_back(latch_stopped{});
    }

    std::string latch_path_;
    connection_policy policy_;
    phase phase_ = phase::idle;
    link_state link_ = link_state::down;
    std::optional<std::string> node_;
    std::string prefix_;
    bool uncertain_ = false;
    /// Our node's ephemeral owner is known to be the current session.
    bool owned_ = false;
    /// The predecessor we watch was first in the last listing.
    bool predecessor_first_ = false;
    bool leading_ = false;
    request pending_ = request::none;
    std::uint64_t ticket_ = 0;
    std::uint64_t watch_ticket_ = 0;
    std::uint64_t next_ticket_ = 0;
    std::size_t deletes_ = 0;
    std::uint64_t listings_ = 0;
};

}  // namespace zookeeper

HAKIT_NAMESPACE_END

#endif
