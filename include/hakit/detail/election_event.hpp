// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_DETAIL_ELECTION_EVENT_HPP
#define HAKIT_DETAIL_ELECTION_EVENT_HPP

#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>

#include <deque>
#include <functional>
#include <utility>
#include <variant>

HAKIT_NAMESPACE_BEGIN
namespace detail {

/// The backend granted this process leadership for a new term.
struct leadership_granted
{
    session_id id;
};

/// The backend ended this process's term (revoked, lost, expired).
struct leadership_revoked
{};

/// The backend saw a component's published leader information change (written by anyone).
struct leader_information_changed
{
    component_id component;
    leader_information info;
};

/// The backend hit an error it cannot handle itself.
struct election_error
{
    error_code ec;
};

using election_event =
    std::variant<leadership_granted, leadership_revoked, leader_information_changed, election_error>;

/// Where a backend reports election events. Events are queued and handed to the consumer later,
/// in order, from a handler posted to the election's executor: never inline in the backend call
/// that produced them.
class election_event_queue
{
public:
    /// `schedule` posts a call to drain() to the consumer's executor.
    explicit election_event_queue(std::function<void()> schedule) : schedule_(std::move(schedule)) {}

    void push(election_event e)
    {
        events_.push_back(std::move(e));
        if (!scheduled_)
        {
            scheduled_ = true;
            schedule_();
        }
    }

    /// Hands every queued event to `consume`, oldest first.
    template <class Consume>
    void drain(Consume&& consume)
    {
        scheduled_ = false;
        while (!events_.empty())
        {
            auto e = std::move(events_.front());
            events_.pop_front();
            consume(std::move(e));
        }
    }

private:
    std::function<void()> schedule_;
    std::deque<election_event> events_;
    bool scheduled_ = false;
};

/// One write of a component's leader information; an empty `info` deletes it.
struct publication
{
    component_id component;
    leader_information info;
};

}  // namespace detail
HAKIT_NAMESPACE_END

#endif
