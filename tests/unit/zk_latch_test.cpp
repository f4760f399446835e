// The ZooKeeper leader latch without a server: Curator's LeaderLatch algorithm and the scenarios of
// its known bugs (zookeeper-protocol.md §2.3, §2.7) as inputs in, actions out; the layout and the
// connection policy it relies on.
#include <hakit/zk/error.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/latch_machine.hpp>
#include <hakit/zookeeper/layout.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace hakit;
using namespace hakit::zookeeper;
using namespace std::chrono_literals;
using event = zk::connection_event;

const std::string latch_dir = "/flink/default/leader/latch";
constexpr std::int64_t session = 0x1234;

template <class A>
std::size_t count(const latch_actions& actions)
{
    return static_cast<std::size_t>(std::count_if(actions.begin(), actions.end(), [](const auto& a) {
        return std::holds_alternative<A>(a);
    }));
}

template <class A>
const A& only(const latch_actions& actions)
{
    REQUIRE(count<A>(actions) == 1);
    for (const auto& a : actions)
        if (const auto* p = std::get_if<A>(&a))
            return *p;
    throw std::logic_error("unreachable");
}

/// The latch node name the server would create for a request path and sequence number.
std::string created_name(const std::string& request_path, int sequence)
{
    return std::string(layout::basename(request_path)) + zk::format_sequence_suffix(sequence);
}

/// A foreign contender's node name with the given sequence.
std::string other(int sequence, char fill = 'f')
{
    std::string uuid(36, fill);
    uuid[8] = uuid[13] = uuid[18] = uuid[23] = '-';
    return "_c_" + uuid + "-latch-" + zk::format_sequence_suffix(sequence);
}

/// Drives a latch_machine the way leader_latch would, remembering the requests it issued.
struct latch_fixture
{
    explicit latch_fixture(connection_policy policy = {}) : m(latch_dir, policy) {}

    latch_machine m;
    latch_actions out;

    latch_actions take()
    {
        auto taken = std::move(out);
        out.clear();
        return taken;
    }

    /// start() on a connected client, answered: our node gets `sequence`. Returns the list request.
    latch_list start_and_create(int sequence)
    {
        m.start(zk::connection_state::connected, out);
        const auto create = only<latch_create>(take());
        CHECK(create.path.starts_with(latch_dir + "/_c_"));
        CHECK(create.path.ends_with("-latch-"));
        m.on_created(create.ticket, latch_dir + "/" + created_name(create.path, sequence), out);
        return only<latch_list>(take());
    }

    std::string our_name() const { return std::string(layout::basename(*m.node_path())); }

    /// Brings the latch to leadership with our node as the only one (sequence `sequence`).
    void lead(int sequence = 0)
    {
        const auto list = start_and_create(sequence);
        m.on_children(list.ticket, std::vector<std::string>{our_name()}, out);
        const auto verify = only<latch_verify>(take());
        CHECK(verify.path == *m.node_path());
        m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, out);
        CHECK(only<latch_leadership>(take()).leading);
        verify_ticket = verify.ticket;
        REQUIRE(m.leading());
        REQUIRE(m.watching(verify.ticket));
    }

    std::uint64_t verify_ticket = 0;
};

}  // namespace

TEST_SUITE("zk_latch.layout")
{
    TEST_CASE("Flink's node tree below the namespace")
    {
        const layout l;
        CHECK(l.namespace_path() == "/flink/default");
        CHECK(l.leader_path() == "/flink/default/leader");
        CHECK(l.latch_path() == "/flink/default/leader/latch");
        CHECK(
            l.connection_info_path(component_id::dispatcher()) ==
            "/flink/default/leader/dispatcher/connection_info"
        );
        CHECK(l.component_path(component_id::rest_server()) == "/flink/default/leader/rest_server");
        const auto job = job_id::parse("0123456789abcdef0123456789abcdef").value();
        CHECK(
            l.connection_info_path(component_id::job_manager(job)) ==
            "/flink/default/leader/job-0123456789abcdef0123456789abcdef/connection_info"
        );

        ha_options options;
        options.zookeeper.root = "/my/root/";
        options.cluster_id = "cluster-1";
        CHECK(layout::from(options).value().latch_path() == "/my/root/cluster-1/leader/latch");
        CHECK(layout::from(options).value().job_graphs_path() == "/my/root/cluster-1/jobgraphs");
        options.zookeeper.jobgraphs_path = "graphs//v2/";
        CHECK(layout::from(options).value().job_graphs_path() == "/my/root/cluster-1/graphs/v2");
        CHECK(layout().job_graphs_path() == "/flink/default/jobgraphs");
        CHECK(layout::make("/").value().leader_path() == "/leader");
        CHECK(layout::make("/").value().job_graphs_path() == "/jobgraphs");
        CHECK(layout::make("/ns", "/a/./b").error() == errc::invalid_config);  // "." is no node name
        CHECK(layout::make("no-slash").error() == errc::invalid_config);
        CHECK(layout::make("/a//b").error() == errc::invalid_config);
        CHECK(layout::ancestors("/a/b/c") == std::vector<std::string>{"/a", "/a/b"});
        CHECK(layout::ancestors("/a").empty());
        CHECK(layout::basename("/a/b/c") == "c");
    }

    TEST_CASE("latch nodes sort by their sequence suffix, not by name; names without one come last")
    {
        std::vector<std::string> children{
            other(12, 'a'), "garbage", other(3, 'f'), other(7, '0'), "latch-zzz", other(-5, '9')};
        sort_latch_children(children);
        CHECK(
            children ==
            std::vector<std::string>{
                other(-5, '9'), other(3, 'f'), other(7, '0'), other(12, 'a'), "garbage", "latch-zzz"}
        );
        const auto prefix = protected_prefix(session_id::random());
        CHECK(prefix.size() == 3 + 36 + 1);
        CHECK(latch_node_request_name(prefix) == prefix + "latch-");
    }
}

TEST_SUITE("zk_latch.policy")
{
    TEST_CASE("default margin: a fifth of T, at least a second where T allows")
    {
        CHECK(connection_policy::default_margin(40'000ms) == 8'000ms);
        CHECK(connection_policy::default_margin(10'000ms) == 2'000ms);
        CHECK(connection_policy::default_margin(3'000ms) == 1'000ms);
        CHECK(connection_policy::default_margin(1'200ms) == 400ms);
        connection_policy p;
        const std::chrono::steady_clock::time_point heard{};
        CHECK(p.lead_deadline(heard, 10'000ms) == heard + 8'000ms);
        p.safety_margin = 500ms;
        CHECK(p.lead_deadline(heard, 10'000ms) == heard + 9'500ms);
        p.safety_margin = 20'000ms;  // never beyond T
        CHECK(p.lead_deadline(heard, 10'000ms) == heard);
    }

    TEST_CASE("suspended ends a term unless tolerated; expired always")
    {
        connection_policy strict;
        connection_policy tolerant;
        tolerant.tolerate_suspended = true;
        CHECK(strict.revokes_on(event::suspended));
        CHECK_FALSE(tolerant.revokes_on(event::suspended));
        CHECK(strict.revokes_on(event::expired));
        CHECK(tolerant.revokes_on(event::expired));
        CHECK_FALSE(strict.revokes_on(event::reconnected));
        CHECK(strict.allows(zk::connection_state::connected));
        CHECK_FALSE(strict.allows(zk::connection_state::suspended));
        CHECK(tolerant.allows(zk::connection_state::suspended));
        CHECK_FALSE(tolerant.allows(zk::connection_state::expired));
        zookeeper_options options;
        options.tolerate_suspended_connections = true;
        CHECK(connection_policy::from(options).tolerate_suspended);
    }
}

TEST_SUITE("zk_latch.machine")
{
    TEST_CASE("first contender: protected create, list, ephemeralOwner verified, then leadership")
    {
        latch_fixture f;
        f.lead(0);
        CHECK(f.m.prefix().starts_with("_c_"));
        CHECK(f.our_name().starts_with(f.m.prefix() + "latch-"));
        CHECK(f.m.state() == latch_machine::phase::running);
    }

    TEST_CASE("a non-leader watches only its predecessor, chosen by sequence number (no herd)")
    {
        latch_fixture f;
        const auto list = f.start_and_create(5);
        // Names sort differently from sequences: '0' < 'a' < 'f', but 3 < 4 < 5 < 7.
        std::vector<std::string> children{
            other(7, '0'), f.our_name(), other(3, 'a'), other(4, 'f'), "foreign"};
        f.m.on_children(list.ticket, children, f.out);
        const auto actions = f.take();
        CHECK(count<latch_leadership>(actions) == 0);
        CHECK(count<latch_create>(actions) == 0);
        CHECK(only<latch_watch>(actions).path == latch_dir + "/" + other(4, 'f'));
    }

    TEST_CASE("the predecessor is gone before its watch is set: list again, never reset (CURATOR-645)")
    {
        latch_fixture f;
        const auto list = f.start_and_create(5);
        f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
        const auto watch = only<latch_watch>(f.take());
        f.m.on_watch_set(watch.ticket, zk::error::no_node, f.out);
        const auto actions = f.take();
        CHECK(count<latch_list>(actions) == 1);
        CHECK(count<latch_create>(actions) == 0);
        CHECK(count<latch_delete>(actions) == 0);
        CHECK_FALSE(f.m.watching(watch.ticket));
    }

    TEST_CASE("the predecessor's deletion fires the watch; the latch lists and leads")
    {
        latch_fixture f;
        const auto list = f.start_and_create(5);
        f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
        const auto watch = only<latch_watch>(f.take());
        f.m.on_watch_set(watch.ticket, error_code(), f.out);
        CHECK(f.take().empty());
        CHECK(f.m.watching(watch.ticket));
        f.m.on_watch_fired(watch.ticket, f.out);
        const auto relist = only<latch_list>(f.take());
        f.m.on_children(relist.ticket, std::vector<std::string>{f.our_name(), other(9)}, f.out);
        const auto verify = only<latch_verify>(f.take());
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(only<latch_leadership>(f.take()).leading);
    }

    TEST_CASE("a node whose create2 Stat named this session leads at once; the watch on it is armed alongside"
    )
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_created(create.ticket, latch_dir + "/" + created_name(create.path, 0), f.out, true);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        auto actions = f.take();
        CHECK(only<latch_leadership>(actions).leading);
        const auto verify = only<latch_verify>(actions);
        CHECK(verify.path == *f.m.node_path());
        // The watch's answer names another owner after all: step down, new node.
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session - 1), session, f.out);
        actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_create>(actions) == 1);
        CHECK_FALSE(f.m.leading());
    }

    TEST_CASE("the deleted predecessor was first: lead without listing again (owned node)")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_created(create.ticket, latch_dir + "/" + created_name(create.path, 5), f.out, true);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name(), other(7)}, f.out);
        const auto watch = only<latch_watch>(f.take());
        f.m.on_watch_set(watch.ticket, error_code(), f.out);
        f.m.on_watch_fired(watch.ticket, f.out, true);
        const auto actions = f.take();
        CHECK(only<latch_leadership>(actions).leading);
        CHECK(count<latch_list>(actions) == 0);
        CHECK(count<latch_verify>(actions) == 1);
    }

    TEST_CASE("no shortcut when the predecessor was not first, its data changed, or the node was adopted")
    {
        {
            // Predecessor second in the listing: someone may still be ahead of us.
            latch_fixture f;
            f.m.start(zk::connection_state::connected, f.out);
            const auto create = only<latch_create>(f.take());
            f.m.on_created(create.ticket, latch_dir + "/" + created_name(create.path, 5), f.out, true);
            const auto list = only<latch_list>(f.take());
            f.m.on_children(list.ticket, std::vector<std::string>{other(3), other(4), f.our_name()}, f.out);
            const auto watch = only<latch_watch>(f.take());
            CHECK(watch.path == latch_dir + "/" + other(4));
            f.m.on_watch_set(watch.ticket, error_code(), f.out);
            f.m.on_watch_fired(watch.ticket, f.out, true);
            const auto actions = f.take();
            CHECK(count<latch_leadership>(actions) == 0);
            CHECK(count<latch_list>(actions) == 1);
        }
        {
            // The watch fired for a data change, not a deletion.
            latch_fixture f;
            f.m.start(zk::connection_state::connected, f.out);
            const auto create = only<latch_create>(f.take());
            f.m.on_created(create.ticket, latch_dir + "/" + created_name(create.path, 5), f.out, true);
            const auto list = only<latch_list>(f.take());
            f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
            const auto watch = only<latch_watch>(f.take());
            f.m.on_watch_set(watch.ticket, error_code(), f.out);
            f.m.on_watch_fired(watch.ticket, f.out, false);
            const auto actions = f.take();
            CHECK(count<latch_leadership>(actions) == 0);
            CHECK(count<latch_list>(actions) == 1);
        }
        {
            // Not known to be ours (no create2 Stat): first verify, then lead.
            latch_fixture f;
            const auto list = f.start_and_create(5);
            f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
            const auto watch = only<latch_watch>(f.take());
            f.m.on_watch_set(watch.ticket, error_code(), f.out);
            f.m.on_watch_fired(watch.ticket, f.out, true);
            auto actions = f.take();
            CHECK(count<latch_leadership>(actions) == 0);
            const auto verify = only<latch_verify>(actions);
            f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
            CHECK(only<latch_leadership>(f.take()).leading);
        }
    }

    TEST_CASE("CURATOR-696: first in the listing, but owned by an older session: reset, no leadership")
    {
        latch_fixture f;
        const auto list = f.start_and_create(0);
        const auto old_node = *f.m.node_path();
        const auto old_prefix = f.m.prefix();
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        const auto verify = only<latch_verify>(f.take());
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session - 1), session, f.out);
        const auto actions = f.take();
        CHECK(count<latch_leadership>(actions) == 0);
        CHECK_FALSE(f.m.leading());
        CHECK(only<latch_delete>(actions).path == old_node);
        const auto create = only<latch_create>(actions);
        CHECK_FALSE(create.path.starts_with(latch_dir + "/" + old_prefix));
    }

    TEST_CASE("our node vanished before the verification: reset")
    {
        latch_fixture f;
        const auto list = f.start_and_create(0);
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        const auto verify = only<latch_verify>(f.take());
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(), session, f.out);
        const auto actions = f.take();
        CHECK(count<latch_leadership>(actions) == 0);
        CHECK(count<latch_delete>(actions) == 0);
        CHECK(count<latch_create>(actions) == 1);
    }

    TEST_CASE("protected create: after connection loss the node found by its prefix is adopted, none created")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_connection(event::suspended, f.out);
        f.m.on_created(create.ticket, zk::error::connection_loss, f.out);
        CHECK(f.take().empty());  // nothing to do while disconnected
        f.m.on_connection(event::reconnected, f.out);
        const auto list = only<latch_list>(f.take());
        const auto ours = created_name(create.path, 2);
        f.m.on_children(list.ticket, std::vector<std::string>{other(1), ours}, f.out);
        const auto actions = f.take();
        CHECK(count<latch_create>(actions) == 0);
        CHECK(only<latch_watch>(actions).path == latch_dir + "/" + other(1));
        CHECK(f.m.node_path() == latch_dir + "/" + ours);
    }

    TEST_CASE("protected create: connection loss while connected lists at once; not found: same prefix again")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_created(create.ticket, zk::error::connection_loss, f.out);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{other(1)}, f.out);
        const auto again = only<latch_create>(f.take());
        CHECK(again.path == create.path);
        CHECK(again.ticket != create.ticket);
    }

    TEST_CASE("two nodes with our prefix (a create applied twice): the lowest is kept, the other deleted")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_created(create.ticket, zk::error::connection_loss, f.out);
        const auto list = only<latch_list>(f.take());
        const auto low = created_name(create.path, 3);
        const auto high = created_name(create.path, 8);
        f.m.on_children(list.ticket, std::vector<std::string>{high, low}, f.out);
        const auto actions = f.take();
        CHECK(only<latch_delete>(actions).path == latch_dir + "/" + high);
        CHECK(only<latch_verify>(actions).path == latch_dir + "/" + low);
    }

    TEST_CASE("CURATOR-504/644: a reconnect lists again instead of resetting; default policy: a new grant")
    {
        latch_fixture f;
        f.lead(0);
        const auto node = *f.m.node_path();
        f.m.on_connection(event::suspended, f.out);
        auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_unwatch>(actions) == 0);
        f.m.on_connection(event::reconnected, f.out);
        actions = f.take();
        CHECK(count<latch_create>(actions) == 0);
        CHECK(count<latch_delete>(actions) == 0);
        CHECK(count<latch_unwatch>(actions) == 1);  // the own-node watch is superseded
        const auto list = only<latch_list>(actions);
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name(), other(4)}, f.out);
        // Verified once in this session: leads at once, re-arming the watch on its node alongside.
        actions = f.take();
        CHECK(only<latch_leadership>(actions).leading);
        const auto verify = only<latch_verify>(actions);
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(f.take().empty());
        CHECK(f.m.leading());
        CHECK(f.m.node_path() == node);
    }

    TEST_CASE("tolerate_suspended: a short disconnect keeps leadership (and the term)")
    {
        connection_policy tolerant;
        tolerant.tolerate_suspended = true;
        latch_fixture f(tolerant);
        f.lead(0);
        f.m.on_connection(event::suspended, f.out);
        CHECK(f.take().empty());
        CHECK(f.m.leading());
        f.m.on_connection(event::reconnected, f.out);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        const auto verify = only<latch_verify>(f.take());
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(count<latch_leadership>(f.take()) == 0);  // still leading: nothing to report
        CHECK(f.m.leading());
        // The session is lost: revoked in this mode as well.
        f.m.on_connection(event::expired, f.out);
        CHECK_FALSE(only<latch_leadership>(f.take()).leading);
    }

    TEST_CASE("default policy: an answer that arrives while suspended grants nothing")
    {
        latch_fixture f;
        const auto list = f.start_and_create(0);
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        const auto verify = only<latch_verify>(f.take());
        f.m.on_connection(event::suspended, f.out);
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(count<latch_leadership>(f.take()) == 0);
        CHECK_FALSE(f.m.leading());
    }

    TEST_CASE(
        "session expired: leadership ends; the next session starts afresh, the old node left to the server"
    )
    {
        latch_fixture f;
        f.lead(0);
        const auto old_prefix = f.m.prefix();
        f.m.on_connection(event::expired, f.out);
        auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_delete>(actions) == 0);
        CHECK_FALSE(f.m.node_path());
        f.m.on_connection(event::connected, f.out);
        actions = f.take();
        CHECK(count<latch_delete>(actions) == 0);
        CHECK_FALSE(only<latch_create>(actions).path.starts_with(latch_dir + "/" + old_prefix));
    }

    TEST_CASE("CURATOR-724: the latch directory vanished: reset, and the parents are recreated")
    {
        latch_fixture f;
        f.lead(0);
        f.m.on_watch_fired(f.verify_ticket, f.out);  // our node went with the directory
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, zk::error::no_node, f.out);
        auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_delete>(actions) == 0);
        const auto create = only<latch_create>(actions);
        f.m.on_created(create.ticket, zk::error::no_node, f.out);
        const auto parents = only<latch_create_parents>(f.take());
        f.m.on_parents_created(parents.ticket, error_code(), f.out);
        CHECK(only<latch_create>(f.take()).path == create.path);
    }

    TEST_CASE("CURATOR-653: no longer first: leadership false before watching the predecessor")
    {
        latch_fixture f;
        f.lead(5);
        f.m.on_watch_fired(f.verify_ticket, f.out);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{other(2), f.our_name()}, f.out);
        const auto actions = f.take();
        REQUIRE(actions.size() >= 2);
        CHECK_FALSE(std::get<latch_leadership>(actions[0]).leading);
        CHECK(only<latch_watch>(actions).path == latch_dir + "/" + other(2));
    }

    TEST_CASE("our node deleted by someone else while leading: step down, new node (CURATOR-171)")
    {
        latch_fixture f;
        f.lead(0);
        f.m.on_watch_fired(f.verify_ticket, f.out);
        const auto list = only<latch_list>(f.take());
        f.m.on_children(list.ticket, std::vector<std::string>{other(3)}, f.out);
        const auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_delete>(actions) == 0);
        CHECK(count<latch_create>(actions) == 1);
    }

    TEST_CASE("late answers and stale watches change nothing")
    {
        latch_fixture f;
        const auto list = f.start_and_create(5);
        f.m.on_children(list.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
        const auto watch = only<latch_watch>(f.take());
        f.m.on_watch_set(watch.ticket, error_code(), f.out);
        f.m.on_connection(event::suspended, f.out);
        f.m.on_connection(event::reconnected, f.out);
        auto actions = f.take();
        CHECK(count<latch_unwatch>(actions) == 1);
        const auto relist = only<latch_list>(actions);
        // The old watch fires, and the first listing's answer arrives again: both out of date.
        f.m.on_watch_fired(watch.ticket, f.out);
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        f.m.on_verified(watch.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(f.take().empty());
        f.m.on_children(relist.ticket, std::vector<std::string>{other(4), f.our_name()}, f.out);
        CHECK(count<latch_watch>(f.take()) == 1);
    }

    TEST_CASE("connection loss on a read while connected retries it; while suspended waits for the reconnect")
    {
        latch_fixture f;
        auto list = f.start_and_create(0);
        f.m.on_children(list.ticket, zk::error::connection_loss, f.out);
        list = only<latch_list>(f.take());
        f.m.on_connection(event::suspended, f.out);
        f.m.on_children(list.ticket, zk::error::connection_loss, f.out);
        CHECK(f.take().empty());
        f.m.on_connection(event::reconnected, f.out);
        CHECK(count<latch_list>(f.take()) == 1);
    }

    TEST_CASE("local deadline: leadership ends; a client still connected re-checks and re-grants")
    {
        latch_fixture f;
        f.lead(0);
        f.m.on_deadline(f.out);
        auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        const auto list = only<latch_list>(actions);
        f.m.on_children(list.ticket, std::vector<std::string>{f.our_name()}, f.out);
        actions = f.take();
        CHECK(only<latch_leadership>(actions).leading);
        const auto verify = only<latch_verify>(actions);
        f.m.on_verified(verify.ticket, std::optional<std::int64_t>(session), session, f.out);
        CHECK(f.take().empty());
        // Not leading: a deadline means nothing.
        f.m.on_connection(event::suspended, f.out);
        f.take();
        f.m.on_deadline(f.out);
        CHECK(f.take().empty());
    }

    TEST_CASE("tolerate_suspended: the deadline ends leadership during a long suspension")
    {
        connection_policy tolerant;
        tolerant.tolerate_suspended = true;
        latch_fixture f(tolerant);
        f.lead(0);
        f.m.on_connection(event::suspended, f.out);
        CHECK(f.take().empty());
        f.m.on_deadline(f.out);
        const auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(count<latch_list>(actions) == 0);  // the reconnect lists
    }

    TEST_CASE("stop deletes our node and reports stopped once it is gone")
    {
        latch_fixture f;
        f.lead(0);
        const auto node = *f.m.node_path();
        f.m.stop(f.out);
        const auto actions = f.take();
        CHECK_FALSE(only<latch_leadership>(actions).leading);
        CHECK(only<latch_delete>(actions).path == node);
        CHECK(count<latch_stopped>(actions) == 0);
        CHECK(f.m.state() == latch_machine::phase::stopping);
        f.m.on_deleted(node, error_code(), f.out);
        CHECK(count<latch_stopped>(f.take()) == 1);
        CHECK(f.m.state() == latch_machine::phase::idle);
        // And it can start again.
        f.m.start(zk::connection_state::connected, f.out);
        CHECK(count<latch_create>(f.take()) == 1);
    }

    TEST_CASE("stop while the create is in flight deletes the node the create then reports")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.stop(f.out);
        CHECK(count<latch_stopped>(f.take()) == 0);
        const auto path = latch_dir + "/" + created_name(create.path, 1);
        f.m.on_created(create.ticket, path, f.out);
        CHECK(only<latch_delete>(f.take()).path == path);
        f.m.on_deleted(path, zk::error::no_node, f.out);
        CHECK(count<latch_stopped>(f.take()) == 1);
    }

    TEST_CASE("stop after an uncertain create finds the node by its prefix and deletes it")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_connection(event::suspended, f.out);
        f.m.on_created(create.ticket, zk::error::connection_loss, f.out);
        f.m.stop(f.out);
        CHECK(count<latch_stopped>(f.take()) == 0);
        f.m.on_connection(event::reconnected, f.out);
        const auto list = only<latch_list>(f.take());
        const auto ours = created_name(create.path, 4);
        f.m.on_children(list.ticket, std::vector<std::string>{other(1), ours}, f.out);
        const auto del = only<latch_delete>(f.take());
        CHECK(del.path == latch_dir + "/" + ours);
        f.m.on_deleted(del.path, error_code(), f.out);
        CHECK(count<latch_stopped>(f.take()) == 1);
    }

    TEST_CASE("stop without a session: nothing left to delete")
    {
        latch_fixture f;
        f.lead(0);
        f.m.on_connection(event::expired, f.out);
        f.take();
        f.m.stop(f.out);
        const auto actions = f.take();
        CHECK(count<latch_delete>(actions) == 0);
        CHECK(count<latch_stopped>(actions) == 1);
    }

    TEST_CASE("an error the latch cannot handle is reported, and the latch retries on the next reconnect")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connected, f.out);
        const auto create = only<latch_create>(f.take());
        f.m.on_created(create.ticket, zk::error::no_auth, f.out);
        CHECK(only<latch_error>(f.take()).ec == zk::error::no_auth);
        f.m.on_connection(event::suspended, f.out);
        f.m.on_connection(event::reconnected, f.out);
        CHECK(count<latch_create>(f.take()) == 1);
    }

    TEST_CASE("started without a session: waits for the first connection")
    {
        latch_fixture f;
        f.m.start(zk::connection_state::connecting, f.out);
        CHECK(f.take().empty());
        f.m.on_connection(event::connected, f.out);
        CHECK(count<latch_create>(f.take()) == 1);
    }
}
