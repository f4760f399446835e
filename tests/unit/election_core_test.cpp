// The election state machine without any I/O: Flink's DefaultLeaderElectionServiceTest behaviours
// (flink-ha.md §6.1) expressed as events in, actions out.
#include <hakit/detail/election_core.hpp>

#include <doctest/doctest.h>

#include <algorithm>

namespace {

using namespace hakit;
using namespace hakit::detail;

const component_id dispatcher = component_id::dispatcher();
const component_id rest = component_id::rest_server();

template <class A>
std::size_t count(const election_actions& actions)
{
    return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(), [](const auto& a) {
        return std::holds_alternative<A>(a);
    }));
}

template <class A>
const A& nth(const election_actions& actions, std::size_t n = 0)
{
    for (const auto& a : actions)
        if (const auto* p = std::get_if<A>(&a))
        {
            if (n == 0)
                return *p;
            --n;
        }
    throw std::runtime_error("action not found");
}

// An election with `ids` joined and the backend driver started.
election_core joined(std::initializer_list<component_id> ids)
{
    election_core core;
    election_actions actions;
    for (const auto& id : ids)
    {
        REQUIRE(core.claim(id));
        REQUIRE(core.join(id, actions));
    }
    return core;
}

}  // namespace

TEST_SUITE("election_core")
{
    TEST_CASE("lazy driver: not started by claim, started by the first join, stopped by the last withdraw")
    {
        election_core core;
        election_actions actions;
        REQUIRE(core.claim(dispatcher));
        REQUIRE(core.claim(rest));
        CHECK_FALSE(core.driver_running());
        REQUIRE(core.join(dispatcher, actions));
        REQUIRE(core.join(rest, actions));
        CHECK(count<start_driver>(actions) == 1);
        actions.clear();
        core.withdraw(dispatcher, actions);
        CHECK(count<stop_driver>(actions) == 0);
        core.withdraw(rest, actions);
        CHECK(count<stop_driver>(actions) == 1);
        CHECK_FALSE(core.driver_running());

        // A new cycle creates a new driver (testMultipleDriverCreations).
        actions.clear();
        REQUIRE(core.join(dispatcher, actions));
        CHECK(count<start_driver>(actions) == 1);
    }

    TEST_CASE("component id reuse is refused; after release it can be claimed again")
    {
        election_core core;
        election_actions actions;
        REQUIRE(core.claim(dispatcher));
        CHECK(core.claim(dispatcher).error() == errc::already_registered);
        core.release(dispatcher, actions);
        CHECK(core.claim(dispatcher));
    }

    TEST_CASE("grant goes to every contending component with one session id; revoke keeps backend data")
    {
        auto core = joined({dispatcher, rest});
        election_actions actions;
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(count<deliver_granted>(actions) == 2);
        CHECK(nth<deliver_granted>(actions, 0).id == id);
        CHECK(nth<deliver_granted>(actions, 1).id == id);
        CHECK(core.issued() == id);

        actions.clear();
        REQUIRE(core.confirm(dispatcher, id, "addr-d", true, actions));
        REQUIRE(core.confirm(rest, id, "addr-r", true, actions));
        REQUIRE(count<publication>(actions) == 2);
        CHECK(nth<publication>(actions, 0).info == leader_information::known(id, "addr-d"));

        actions.clear();
        core.on_event(leadership_revoked{}, false, actions);
        CHECK(count<deliver_revoked>(actions) == 2);
        CHECK(count<publication>(actions) == 0);  // backend data unchanged
        CHECK_FALSE(core.issued());
    }

    TEST_CASE(
        "has_leadership: only after the grant is processed, only for that id, false once the driver lost it"
    )
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto id = session_id::random();
        CHECK_FALSE(core.has_leadership(dispatcher, id, true));  // grant not processed yet
        core.on_event(leadership_granted{id}, true, actions);
        CHECK(core.has_leadership(dispatcher, id, true));
        CHECK_FALSE(core.has_leadership(dispatcher, session_id::random(), true));
        CHECK_FALSE(core.has_leadership(dispatcher, id, false));  // lost, revoke not yet processed
        core.on_event(leadership_revoked{}, false, actions);
        CHECK_FALSE(core.has_leadership(dispatcher, id, true));
        core.on_event(leadership_granted{session_id::random()}, true, actions);
        core.release(dispatcher, actions);
        CHECK_FALSE(core.has_leadership(dispatcher, id, true));  // after close
    }

    TEST_CASE("confirm with a stale or foreign session id has no effect")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto old_id = session_id::random();
        core.on_event(leadership_granted{old_id}, true, actions);
        core.on_event(leadership_revoked{}, false, actions);
        const auto new_id = session_id::random();
        core.on_event(leadership_granted{new_id}, true, actions);
        actions.clear();
        CHECK(core.confirm(dispatcher, old_id, "old", true, actions).error() == errc::not_leader);
        CHECK(actions.empty());
        CHECK(core.issued() == new_id);
        CHECK(core.has_leadership(dispatcher, new_id, true));  // FLINK-11524: stale confirm must not break it

        // Confirmation after leadership was lost.
        core.on_event(leadership_revoked{}, false, actions);
        actions.clear();
        CHECK(core.confirm(dispatcher, new_id, "x", true, actions).error() == errc::not_leader);
        CHECK(actions.empty());
    }

    TEST_CASE("a component joining while the process leads gets its own grant with the current id")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(core.claim(rest));
        actions.clear();
        REQUIRE(core.join(rest, actions));
        REQUIRE(count<deliver_granted>(actions) == 1);
        CHECK(nth<deliver_granted>(actions).component == rest);
        CHECK(nth<deliver_granted>(actions).id == id);
        CHECK(count<start_driver>(actions) == 0);
    }

    TEST_CASE("delayed grant: reaches contenders registered before it, not ones that left")
    {
        election_core core;
        election_actions actions;
        REQUIRE(core.claim(dispatcher));
        REQUIRE(core.claim(rest));
        REQUIRE(core.join(dispatcher, actions));
        REQUIRE(core.join(rest, actions));
        core.withdraw(rest, actions);
        actions.clear();
        core.on_event(leadership_granted{session_id::random()}, true, actions);
        REQUIRE(count<deliver_granted>(actions) == 1);
        CHECK(nth<deliver_granted>(actions).component == dispatcher);
    }

    TEST_CASE("withdraw while leading revokes once; the queued backend revoke is not delivered again")
    {
        auto core = joined({dispatcher, rest});
        election_actions actions;
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(core.confirm(dispatcher, id, "d", true, actions));
        actions.clear();
        core.withdraw(dispatcher, actions);
        REQUIRE(count<deliver_revoked>(actions) == 1);
        REQUIRE(count<publication>(actions) == 1);  // its published info is deleted
        CHECK(nth<publication>(actions).info.is_empty());
        actions.clear();
        core.on_event(leadership_revoked{}, false, actions);
        REQUIRE(count<deliver_revoked>(actions) == 1);
        CHECK(nth<deliver_revoked>(actions).component == rest);
    }

    TEST_CASE("the last withdraw deletes published info before it stops the driver")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(core.confirm(dispatcher, id, "d", true, actions));
        actions.clear();
        core.withdraw(dispatcher, actions);
        REQUIRE(actions.size() == 3);
        CHECK(std::holds_alternative<deliver_revoked>(actions[0]));
        CHECK(std::holds_alternative<publication>(actions[1]));
        CHECK(std::holds_alternative<stop_driver>(actions[2]));
        CHECK_FALSE(core.issued());
    }

    TEST_CASE(
        "grants out of order are ignored: a second grant without revoke, a grant after the driver stopped"
    )
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto first = session_id::random();
        core.on_event(leadership_granted{first}, true, actions);
        actions.clear();
        core.on_event(leadership_granted{session_id::random()}, true, actions);
        CHECK(actions.empty());
        CHECK(core.issued() == first);

        core.withdraw(dispatcher, actions);
        actions.clear();
        core.on_event(leadership_granted{session_id::random()}, true, actions);
        CHECK(actions.empty());
        core.on_event(leadership_revoked{}, false, actions);
        CHECK(actions.empty());
    }

    TEST_CASE("self-healing: deleted or overwritten info is re-published by the leader")
    {
        auto core = joined({dispatcher, rest});
        election_actions actions;
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(core.confirm(dispatcher, id, "d", true, actions));
        REQUIRE(core.confirm(rest, id, "r", true, actions));

        actions.clear();
        core.on_event(leader_information_changed{dispatcher, leader_information::empty()}, true, actions);
        REQUIRE(count<publication>(actions) == 1);
        CHECK(nth<publication>(actions).component == dispatcher);
        CHECK(nth<publication>(actions).info == leader_information::known(id, "d"));

        actions.clear();
        core.on_event(
            leader_information_changed{rest, leader_information::known(session_id::random(), "evil")},
            true,
            actions
        );
        REQUIRE(count<publication>(actions) == 1);
        CHECK(nth<publication>(actions).info == leader_information::known(id, "r"));

        // Partial correction: an unchanged component is left alone.
        actions.clear();
        core.on_event(leader_information_changed{rest, leader_information::known(id, "r")}, true, actions);
        CHECK(actions.empty());
    }

    TEST_CASE("info changes are ignored for unknown components, by non-leaders and after close")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        const auto evil = leader_information::known(session_id::random(), "evil");
        core.on_event(leader_information_changed{dispatcher, evil}, true, actions);  // not leader
        CHECK(actions.empty());
        const auto id = session_id::random();
        core.on_event(leadership_granted{id}, true, actions);
        REQUIRE(core.confirm(dispatcher, id, "d", true, actions));
        actions.clear();
        core.on_event(leader_information_changed{rest, evil}, true, actions);  // unknown component
        CHECK(actions.empty());
        core.on_event(leader_information_changed{dispatcher, evil}, false, actions);  // driver lost it
        CHECK(actions.empty());
        core.close(actions);
        actions.clear();
        core.on_event(leader_information_changed{dispatcher, evil}, true, actions);
        CHECK(actions.empty());
    }

    TEST_CASE("granted but unconfirmed: a stale leader's info is cleared so retrievers do not follow it")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        core.on_event(leadership_granted{session_id::random()}, true, actions);
        actions.clear();
        core.on_event(
            leader_information_changed{dispatcher, leader_information::known(session_id::random(), "old")},
            true,
            actions
        );
        REQUIRE(count<publication>(actions) == 1);
        CHECK(nth<publication>(actions).info.is_empty());
        actions.clear();
        core.on_event(leader_information_changed{dispatcher, leader_information::empty()}, true, actions);
        CHECK(actions.empty());
    }

    TEST_CASE("errors go to every contending component")
    {
        auto core = joined({dispatcher, rest});
        election_actions actions;
        core.on_event(election_error{errc::corrupted_data}, true, actions);
        REQUIRE(count<deliver_error>(actions) == 2);
        CHECK(nth<deliver_error>(actions).ec == errc::corrupted_data);
        core.close(actions);
        actions.clear();
        core.on_event(election_error{errc::corrupted_data}, true, actions);
        CHECK(actions.empty());
    }

    TEST_CASE("closed: claims, joins and confirms are refused")
    {
        auto core = joined({dispatcher});
        election_actions actions;
        core.close(actions);
        CHECK(core.closed());
        CHECK(core.claim(rest).error() == errc::closed);
        CHECK(core.join(dispatcher, actions).error() == errc::closed);
        CHECK(core.confirm(dispatcher, session_id(), "x", true, actions).error() == errc::closed);
    }
}
