// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_ELECTION_CORE_HPP
#define HAKIT_DETAIL_ELECTION_CORE_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>

#include <map>
#include <optional>
#include <string>
#include <variant>
#include <vector>

HAKIT_NAMESPACE_BEGIN
namespace detail {

/// Hand `component` the grant of term `id`.
struct deliver_granted
{
    component_id component;
    session_id id;
};

/// Tell `component` that its term ended.
struct deliver_revoked
{
    component_id component;
};

/// Hand `component` an error from the backend.
struct deliver_error
{
    component_id component;
    error_code ec;
};

/// Join the backend's election (the first component started contending).
struct start_driver
{};

/// Leave the backend's election (the last contending component left).
struct stop_driver
{};

/// What the election state machine asks its caller to do, in this order. Deliveries go to the
/// components' mailboxes; the rest (publication, start/stop) are backend operations that must be
/// performed one after another, in order.
using election_action =
    std::variant<deliver_granted, deliver_revoked, deliver_error, publication, start_driver, stop_driver>;
using election_actions = std::vector<election_action>;

/// The state of one registered component.
struct component_state
{
    /// Contending: between async_campaign (join) and async_resign/close (withdraw).
    bool participating = false;
    /// What this component confirmed in the current term; published to retrievers.
    std::optional<leader_information> confirmed;
};

/// One process's election over many components, without I/O (Flink's DefaultLeaderElectionService):
/// one backend term shared by all contending components, grant/revoke strictly alternating, a
/// confirmation published only while the term it names is current, self-healing of published
/// information, lazy start of the backend election and stop when the last component leaves.
///
/// `driver_leads` arguments carry the backend's own current view of the term in question (it may
/// already have lost that term, and even been granted a new one, while its revoke is still queued).
class election_core
{
public:
    /// Registers a component id (once per id while registered).
    result<void> claim(const component_id& id)
    {
        if (closed_)
            return errc::closed;
        if (!components_.try_emplace(id).second)
            return errc::already_registered;
        return success();
    }

    /// Withdraws and unregisters a component.
    void release(const component_id& id, election_actions& out)
    {
        withdraw(id, out);
        components_.erase(id);
    }

    /// Starts contending. Joins the backend election when this is the first contender; if the
    /// process already leads, the newcomer gets its own grant for the current term.
    result<void> join(const component_id& id, election_actions& out)
    {
        if (closed_)
            return errc::closed;
        auto it = components_.find(id);
        if (it == components_.end())
            return errc::closed;
        if (it->second.participating)
            return success();
        it->second.participating = true;
        ++participants_;
        if (!driver_running_)
        {
            driver_running_ = true;
            out.emplace_back(start_driver{});
        }
        else if (issued_)
            out.emplace_back(deliver_granted{id, *issued_});
        return success();
    }

    /// Stops contending: a leading component is revoked at once (only once: a queued backend revoke
    /// is not delivered to it again) and its published information is deleted; the last one to
    /// leave stops the backend election, after that deletion.
    void withdraw(const component_id& id, election_actions& out)
    {
        auto it = components_.find(id);
        if (it == components_.end() || !it->second.participating)
            return;
        it->second.participating = false;
        --participants_;
        if (issued_)
            out.emplace_back(deliver_revoked{id});
        if (it->second.confirmed)
        {
            it->second.confirmed.reset();
            out.emplace_back(publication{id, leader_information::empty()});
        }
        if (driver_running_ && participants_ == 0)
        {
            driver_running_ = false;
            issued_.reset();
            out.emplace_back(stop_driver{});
        }
    }

    /// Applies one backend event.
    void on_event(const election_event& e, bool driver_leads, election_actions& out)
    {
        std::visit([&](const auto& ev) { apply(ev, driver_leads, out); }, e);
    }

    /// Records `address` as `id`'s leader and publishes it, if `id` is the current term of a
    /// contending component and the backend still leads; otherwise errc::not_leader and no effect.
    result<void> confirm(
        const component_id& id, session_id term, std::string address, bool driver_leads, election_actions& out
    )
    {
        if (closed_)
            return errc::closed;
        auto it = components_.find(id);
        if (it == components_.end() || !it->second.participating || !issued_ || *issued_ != term ||
            !driver_leads)
            return errc::not_leader;
        auto info = leader_information::known(term, std::move(address));
        if (it->second.confirmed == info)
            return success();
        it->second.confirmed = info;
        out.emplace_back(publication{id, std::move(info)});
        return success();
    }

    /// Flink's hasLeadership(componentId, sessionId).
    bool has_leadership(const component_id& id, session_id term, bool driver_leads) const
    {
        auto it = components_.find(id);
        return it != components_.end() && leads(it->second, term, driver_leads);
    }

    /// The same check against a component's state found earlier (the hot path of has_leadership).
    bool leads(const component_state& c, session_id term, bool driver_leads) const noexcept
    {
        return c.participating && driver_leads && issued_ && *issued_ == term;
    }

    /// Withdraws every component and refuses everything afterwards.
    void close(election_actions& out)
    {
        for (auto& [id, state] : components_)
            withdraw(id, out);
        closed_ = true;
    }

    bool closed() const noexcept { return closed_; }
    bool driver_running() const noexcept { return driver_running_; }
    const std::optional<session_id>& issued() const noexcept { return issued_; }

    const component_state* find(const component_id& id) const
    {
        auto it = components_.find(id);
        return it == components_.end() ? nullptr : &it->second;
    }

private:
    void apply(const leadership_granted& g, bool, election_actions& out)
    {
        // A grant for a backend election we already left, or a second grant without a revoke in
        // between, is out of date.
        if (!driver_running_ || issued_)
            return;
        issued_ = g.id;
        for (const auto& [id, c] : components_)
            if (c.participating)
                out.emplace_back(deliver_granted{id, g.id});
    }

    void apply(const leadership_revoked&, bool, election_actions& out)
    {
        if (!issued_)
            return;
        issued_.reset();
        // Published data stays: the next leader overwrites it, or it dies with the session.
        for (auto& [id, c] : components_)
        {
            c.confirmed.reset();
            if (c.participating)
                out.emplace_back(deliver_revoked{id});
        }
    }

    void apply(const leader_information_changed& change, bool driver_leads, election_actions& out)
    {
        auto it = components_.find(change.component);
        if (it == components_.end() || !it->second.participating || !issued_ || !driver_leads)
            return;
        const auto& confirmed = it->second.confirmed;
        if (confirmed)
        {
            if (change.info != *confirmed)
                out.emplace_back(publication{change.component, *confirmed});
        }
        else if (change.info.is_known())
        {
            // Granted but not confirmed yet: retrievers must not follow a stale leader meanwhile.
            out.emplace_back(publication{change.component, leader_information::empty()});
        }
    }

    void apply(const election_error& e, bool, election_actions& out)
    {
        for (const auto& [id, c] : components_)
            if (c.participating)
                out.emplace_back(deliver_error{id, e.ec});
    }

    std::map<component_id, component_state> components_;
    /// How many components participate (counted, not searched: closing 1000 would be quadratic).
    std::size_t participants_ = 0;
    std::optional<session_id> issued_;
    bool driver_running_ = false;
    bool closed_ = false;
};

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
