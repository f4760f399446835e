// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_LEADER_ELECTION_HPP
#define HAKIT_LEADER_ELECTION_HPP

#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/leader_contender.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_core.hpp>
#include <hakit/detail/ha_core.hpp>

#include <boost/asio/awaitable.hpp>

#include <memory>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

template <backend Backend>
class ha_services;

/// One component's part in its process's election (Flink's LeaderElection). Obtained from
/// ha_services; the component id stays registered until this object is closed or destroyed.
///
/// All components of one ha_services share one backend election: they are granted and revoked
/// together, under one session id per term (the fencing token). A component's grant, revoke and
/// error events are delivered in order, never inline in the call that caused them.
///
/// Two ways to contend, both over the same state machine:
/// - coroutines: `async_campaign()` → term, `async_confirm(term, address)`, then
///   `co_await (serve(term) || election.async_revoked(term))`;
/// - Flink style: `async_run_contender(contender)` with a type modelling leader_contender.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Use the ha_services' executor.
template <backend Backend>
class leader_election
{
public:
    leader_election(leader_election&& other) noexcept
        : core_(std::move(other.core_))
        , component_(std::move(other.component_))
        , state_(other.state_)
    {}
    leader_election& operator=(leader_election&& other) noexcept
    {
        if (this != &other)
        {
            close();
            core_ = std::move(other.core_);
            component_ = std::move(other.component_);
            state_ = other.state_;
        }
        return *this;
    }
    leader_election(const leader_election&) = delete;
    leader_election& operator=(const leader_election&) = delete;
    ~leader_election() { close(); }

    const component_id& component() const noexcept { return component_; }

    /// Joins the election and completes with the session id of the term this component is granted
    /// (at once if the process already leads). Per-operation cancellation (terminal): withdraws
    /// again, leaving nothing behind in the backend, and completes with operation_aborted.
    /// Errors: errc::closed; errors reported by the backend.
    boost::asio::awaitable<result<session_id>> async_campaign()
    {
        if (!core_)
            return detail::ready<session_id>(errc::closed);
        return core_->async_campaign(component_);
    }

    /// Publishes `address` as this component's leader for term `term`; completes once the backend
    /// has it, so retrievers can find it. A term that is not current (stale, revoked, or the backend
    /// already lost it) changes nothing: errc::not_leader.
    boost::asio::awaitable<result<void>> async_confirm(session_id term, std::string address)
    {
        if (!core_)
            return detail::ready<void>(errc::closed);
        return core_->async_confirm(component_, term, std::move(address));
    }

    /// Whether this component leads under `term`: false as soon as the backend has lost the term,
    /// even before the revoke is delivered. Synchronous and cheap.
    bool has_leadership(session_id term) const noexcept
    {
        return core_ && core_->has_leadership(*state_, term);
    }

    /// Completes when term `term` ends for this component (at once if it is not current). Completes
    /// with an error if the backend reports one meanwhile. Cancellable (operation_aborted).
    boost::asio::awaitable<result<void>> async_revoked(session_id term)
    {
        if (!core_)
            return detail::ready<void>(success());
        return core_->async_revoked(component_, term);
    }

    /// Stops contending: revokes this component if it leads, deletes its published leader
    /// information, and releases the process's place in the backend election if no other component
    /// of this ha_services still contends (so another process takes over). async_campaign() may be
    /// called again afterwards (it rejoins at the back).
    boost::asio::awaitable<result<void>> async_resign()
    {
        if (!core_)
            return detail::ready<void>(errc::closed);
        return core_->async_resign(component_);
    }

    /// Drives `contender` (which must outlive the returned awaitable) until this election is closed
    /// (errc::closed) or the awaitable is cancelled (operation_aborted; the component withdraws and
    /// the contender is revoked if it led).
    template <leader_contender Contender>
    boost::asio::awaitable<result<void>> async_run_contender(Contender& contender)
    {
        if (!core_)
            return detail::ready<void>(errc::closed);
        return core_->async_run_contender(component_, contender);
    }

    /// Unregisters the component (revoking it if it leads). Idempotent; also done by the destructor.
    void close() noexcept
    {
        if (!core_)
            return;
        auto core = std::move(core_);
        core_.reset();
        core->release(component_);
    }

private:
    friend class ha_services<Backend>;

    leader_election(
        std::shared_ptr<detail::ha_core<Backend>> core,
        component_id component,
        const detail::component_state* state
    )
        : core_(std::move(core))
        , component_(std::move(component))
        , state_(state)
    {}

    std::shared_ptr<detail::ha_core<Backend>> core_;
    component_id component_;
    const detail::component_state* state_;
};

HAKIT_NAMESPACE_END

#endif
