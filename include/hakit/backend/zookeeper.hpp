// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_ZOOKEEPER_HPP
#define HAKIT_BACKEND_ZOOKEEPER_HPP

#include <hakit/backend/in_memory_stores.hpp>
#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/config.hpp>
#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/ha_services.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/session_options.hpp>
#include <hakit/zk/state_subscription.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/election_driver.hpp>
#include <hakit/zookeeper/layout.hpp>
#include <hakit/zookeeper/retrieval_driver.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/bind_cancellation_slot.hpp>
#include <boost/asio/cancellation_signal.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/this_coro.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

/// The ZooKeeper backend: Flink's ZooKeeperLeaderElectionHaServices over hakit's native client.
/// Processes (hakit or Flink JobManagers) that share a quorum and a namespace contend in one
/// leader latch and find each other's leaders in `leader/<component>/connection_info`
/// (zookeeper::layout). `zookeeper_ha_services ha(ex, ha_options);`
struct zookeeper_backend
{
    class connection;
};

/// What a zookeeper_backend::connection needs: the client's session options, the namespace, the
/// connection policy and the ACL of every node it creates.
struct zookeeper_settings
{
    zk::session_options session;
    zookeeper::layout layout;
    zookeeper::connection_policy policy;
    std::vector<zk::acl> acl = zk::open_acl_unsafe();

    /// The settings Flink's keys ask for (parse_ha_options): quorum → connect string, session and
    /// connection timeouts, max-close-wait → close timeout, `authorization` → auth packets sent on
    /// every connection, `acl: creator` → CREATOR_ALL_ACL (which needs an authorization; hakit
    /// has no SASL), tolerate-suspended-connections → the policy, path.root + cluster-id → the
    /// namespace. Curator's retry-wait, max-retry-attempts and ensemble-tracker have no
    /// counterpart (requests wait for the reconnection instead of being retried; the server list
    /// is the quorum string); simulated-session-expiration-percent neither (the client expires
    /// the session locally T after it last heard from a server, and leaders step down earlier, see
    /// zookeeper::connection_policy). errc::invalid_config with `diag` naming the key otherwise.
    static result<zookeeper_settings> from(const ha_options& options, diagnostics& diag)
    {
        diag.clear();
        const auto& zk_options = options.zookeeper;
        if (zk_options.quorum.empty())
        {
            diag.assign("high-availability.zookeeper.quorum: missing; required in ZooKeeper mode");
            return errc::invalid_config;
        }
        zookeeper_settings out;
        out.session.connect_string = zk_options.quorum;
        out.session.session_timeout = zk_options.session_timeout;
        out.session.connection_timeout = zk_options.connection_timeout;
        if (zk_options.max_close_wait)
            out.session.close_timeout = *zk_options.max_close_wait;
        for (const auto& [scheme, auth] : zk_options.authorization)
            out.session.auth.push_back(zk::auth_packet{0, scheme, zk::bytes(auth.begin(), auth.end())});
        if (zk_options.acl == zookeeper_acl::creator)
        {
            if (zk_options.authorization.empty())
            {
                diag.assign(
                    "high-availability.zookeeper.client.acl: 'creator' needs an authenticated connection; "
                    "set "
                    "high-availability.zookeeper.client.authorization (e.g. digest:'user:password')"
                );
                return errc::invalid_config;
            }
            out.acl = zk::creator_all_acl();
        }
        auto where = zookeeper::layout::from(options);
        if (!where)
        {
            diag.assign(
                "high-availability.zookeeper.path.root / high-availability.cluster-id: '" +
                zookeeper_namespace(options) + "' is not a valid ZooKeeper path"
            );
            return where.error();
        }
        out.layout = std::move(where.value());
        out.policy = zookeeper::connection_policy::from(zk_options);
        return out;
    }

    /// from() without diagnostics.
    static result<zookeeper_settings> from(const ha_options& options)
    {
        diagnostics diag;
        return from(options, diag);
    }
};

/// One process's connection to ZooKeeper: a zk::client (its own, or one shared with the caller),
/// the election driver (one leader latch), the retrieval driver and the stores.
///
/// The constructor does not wait: it starts a supervisor that establishes the session (retrying
/// until it succeeds or the connection is closed), forwards every connection event to the
/// drivers, and starts a new session after the server expired the old one (Curator does the
/// same). Elections join the latch once there is a session; retrievers read once there is one.
/// Invalid settings are reported by the election (async_campaign fails), the retrievers (an
/// error) and config_error().
///
/// The HA stores are, for now, PLACEHOLDERS kept in this process only (the in-memory stores over
/// private data): nothing is written to ZooKeeper and another process does not see them. They
/// are to be replaced by the ZooKeeper stores.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Everything runs on the
/// executor given (use a strand with a multi-threaded io_context); a shared client must use it
/// too.
class zookeeper_backend::connection
{
public:
    /// Connects as `options` say (zookeeper_settings::from).
    connection(boost::asio::any_io_executor ex, const ha_options& options)
    {
        diagnostics diag;
        auto settings = zookeeper_settings::from(options, diag);
        if (!settings)
        {
            init(ex, nullptr, zookeeper_settings{});
            core_->config_error = settings.error();
            core_->config_diagnostics = std::move(diag);
            return;
        }
        init(ex, nullptr, std::move(settings.value()));
    }

    /// Connects with explicit settings.
    connection(boost::asio::any_io_executor ex, zookeeper_settings settings)
    {
        init(ex, nullptr, std::move(settings));
    }

    /// Uses `client` (connected or not; it is connected if it has no session). settings.session is
    /// not used. The caller keeps the client: close() does not close it.
    connection(
        boost::asio::any_io_executor ex, std::shared_ptr<zk::client> client, zookeeper_settings settings
    )
    {
        init(ex, std::move(client), std::move(settings));
    }

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;
    ~connection() { close_now(); }

    // ---- election driver --------------------------------------------------------------------

    boost::asio::awaitable<result<void>> async_start_election(hakit::detail::election_event_queue* queue)
    {
        if (auto ec = refusal())
            return fail(ec);
        return core_->election->async_start_election(queue);
    }

    boost::asio::awaitable<result<void>> async_stop_election()
    {
        if (core_->closed || core_->config_error)
            return fail(error_code());
        return core_->election->async_stop_election();
    }

    bool holds_term(session_id term) const noexcept
    {
        return !core_->closed && core_->election && core_->election->holds_term(term);
    }

    boost::asio::awaitable<result<void>> async_publish(std::vector<hakit::detail::publication> batch)
    {
        if (auto ec = refusal())
            return fail(ec);
        return core_->election->async_publish(std::move(batch));
    }

    // ---- retrieval driver -------------------------------------------------------------------

    /// `fallback_address` is not used: ZooKeeper always has a real election.
    std::uint64_t start_retrieval(
        const component_id& component, std::optional<std::string>, hakit::detail::retrieval_channel* channel
    )
    {
        if (auto ec = refusal())
        {
            channel->on_error(ec);
            return 0;
        }
        return core_->retrieval->start(component, channel);
    }

    void stop_retrieval(std::uint64_t token)
    {
        if (core_->retrieval && token != 0)
            core_->retrieval->stop(token);
    }

    // ---- stores (PLACEHOLDERS: in-memory, this process only) ----------------------------------

    in_memory_job_graph_store job_graph_store() const { return in_memory_job_graph_store(core_->stores); }
    in_memory_job_result_store job_result_store() const { return in_memory_job_result_store(core_->stores); }
    in_memory_blob_store blob_store() const { return in_memory_blob_store(core_->stores); }
    in_memory_completed_checkpoint_store completed_checkpoint_store(job_id job, std::size_t max_retained)
        const
    {
        return in_memory_completed_checkpoint_store(core_->stores, job, max_retained);
    }
    in_memory_checkpoint_id_counter checkpoint_id_counter(job_id job) const
    {
        return in_memory_checkpoint_id_counter(core_->stores, job);
    }

    // ---- lifecycle ----------------------------------------------------------------------------

    /// Closes: the drivers stop, and an owned client closes its session (the server deletes its
    /// ephemeral nodes at once). Data is kept. Idempotent.
    boost::asio::awaitable<result<void>> async_close() { return close(core_); }

    /// Deletes the whole namespace (every node below `<path.root>/<cluster-id>`) and then its
    /// parents as far as they are empty, as Flink's cleanupAllData does. Leaves the latch first:
    /// this process's elections end.
    boost::asio::awaitable<result<void>> async_cleanup_all_data() { return cleanup_all(core_); }

    /// Deletes a job's HA data: its leader node (`leader/job-<id>`) and its (placeholder) stores.
    boost::asio::awaitable<result<void>> async_global_cleanup(job_id job)
    {
        return global_cleanup(core_, job);
    }

    /// Stops at once, without waiting: an owned client closes its session in the background.
    void close_now() noexcept
    {
        if (!core_ || core_->closed)
            return;
        const bool owns = core_->owns_client;
        shutdown(*core_);
        if (owns)
        {
            try
            {
                boost::asio::co_spawn(core_->ex, close_client(core_->client), boost::asio::detached);
            }
            catch (...)
            {
                // Out of memory: the session then expires on the server.
            }
        }
    }

    // ---- extras -------------------------------------------------------------------------------

    /// The client (shared with the stores).
    zk::client& client() const noexcept { return *core_->client; }
    const std::shared_ptr<zk::client>& shared_client() const noexcept { return core_->client; }
    const zookeeper_settings& settings() const noexcept { return core_->settings; }
    /// errc::invalid_config if the options were invalid (config_diagnostics() says why).
    error_code config_error() const noexcept { return core_->config_error; }
    const diagnostics& config_diagnostics() const noexcept { return core_->config_diagnostics; }
    /// The election driver (its latch, its current term).
    const zookeeper::election_driver& election() const noexcept { return *core_->election; }

private:
    struct core
    {
        explicit core(boost::asio::any_io_executor e) : ex(std::move(e)), retry_timer(ex) {}

        boost::asio::any_io_executor ex;
        zookeeper_settings settings;
        std::shared_ptr<zk::client> client;
        bool owns_client = false;
        std::optional<zookeeper::election_driver> election;
        std::optional<zookeeper::retrieval_driver> retrieval;
        zk::state_subscription states;
        boost::asio::cancellation_signal supervisor_cancel;
        boost::asio::steady_timer retry_timer;
        std::shared_ptr<bool> stores_closed = std::make_shared<bool>(false);
        hakit::detail::in_memory_store_context stores;
        error_code config_error;
        diagnostics config_diagnostics;
        bool closed = false;
    };

    using core_ptr = std::shared_ptr<core>;

    void init(
        boost::asio::any_io_executor ex, std::shared_ptr<zk::client> client, zookeeper_settings settings
    )
    {
        core_ = std::make_shared<core>(ex);
        core_->stores = hakit::detail::make_private_store_context(core_->stores_closed);
        core_->owns_client = client == nullptr;
        core_->client = client ? std::move(client) : std::make_shared<zk::client>(ex, settings.session);
        core_->settings = std::move(settings);
        core_->election.emplace(
            core_->client,
            core_->settings.layout,
            core_->settings.policy,
            core_->settings.acl,
            core_->settings.session.max_frame_size
        );
        core_->retrieval.emplace(core_->client, core_->settings.layout, core_->settings.policy);
        core_->states = core_->client->subscribe_states();
        if (core_->owns_client)
        {
            if (auto ec = core_->client->config_error())
            {
                core_->config_error = ec;
                core_->config_diagnostics = core_->client->config_diagnostics();
            }
        }
        boost::asio::co_spawn(
            ex,
            supervise(core_),
            boost::asio::bind_cancellation_slot(core_->supervisor_cancel.slot(), boost::asio::detached)
        );
    }

    /// Why the connection refuses work now (closed, invalid settings), or success.
    error_code refusal() const noexcept
    {
        if (core_->closed)
            return errc::closed;
        return core_->config_error;
    }

    static boost::asio::awaitable<result<void>> fail(error_code ec)
    {
        if (ec)
            co_return ec;
        co_return success();
    }

    static void dispatch(core& c, zk::connection_event e)
    {
        if (c.closed)
            return;
        c.election->on_connection(e);
        c.retrieval->on_connection(e);
    }

    /// Establishes a session; retries after failures until it succeeds or the connection closes.
    static boost::asio::awaitable<bool> establish(core_ptr c)
    {
        bool connected = false;
        bool giving_up = false;
        while (!connected && !giving_up && !c->closed)
        {
            auto r = co_await c->client->async_connect();
            if (r)
                connected = true;
            else if (r.error() == errc::invalid_config)
            {
                c->config_error = r.error();
                c->config_diagnostics = c->client->config_diagnostics();
                c->retrieval->report_error(r.error());
                giving_up = true;
            }
            else if (r.error() == errc::closed || r.error() == boost::asio::error::operation_aborted)
                giving_up = true;
            else
            {
                // No server accepted within the connection timeout (or the resumed session is
                // gone): try again after a pause.
                c->retry_timer.expires_after(std::max<std::chrono::milliseconds>(
                    c->settings.session.reconnect_delay, std::chrono::milliseconds(100)
                ));
                auto [ec] =
                    co_await c->retry_timer.async_wait(boost::asio::as_tuple(boost::asio::use_awaitable));
                giving_up = ec == boost::asio::error::operation_aborted && c->closed;
            }
        }
        co_return connected;
    }

    /// Establishes the session and forwards connection events to the drivers, in order, until
    /// the client or this connection is closed.
    static boost::asio::awaitable<void> supervise(core_ptr c)
    {
        co_await boost::asio::this_coro::throw_if_cancelled(false);
        bool running = !c->closed && !c->config_error;
        const auto initial = c->client->state();
        if (running && (initial == zk::connection_state::idle || initial == zk::connection_state::expired))
            running = co_await establish(c);
        while (running && !c->closed)
        {
            auto e = co_await c->states.async_next();
            if (!e)
                running = false;
            else
            {
                dispatch(*c, e.value());
                if (e.value() == zk::connection_event::closed)
                    running = false;
                else if (e.value() == zk::connection_event::expired)
                    running = co_await establish(c);
            }
        }
    }

    static boost::asio::awaitable<void> close_client(std::shared_ptr<zk::client> client)
    {
        auto closed = co_await client->async_close();
        (void)closed;
    }

    static boost::asio::awaitable<result<void>> close(core_ptr c)
    {
        if (c->closed)
            co_return success();
        const bool owns = c->owns_client;
        c->owns_client = false;  // closed here, not in the background
        auto client = c->client;
        shutdown(*c);
        if (owns)
            co_await close_client(client);
        co_return success();
    }

    static void shutdown(core& c) noexcept
    {
        c.closed = true;
        *c.stores_closed = true;
        c.election->close_now();
        c.retrieval->close_now();
        c.supervisor_cancel.emit(boost::asio::cancellation_type::terminal);
        c.retry_timer.cancel();
    }

    /// Deletes `path` and everything below it; no_node counts as done. A node that gets a new
    /// child meanwhile is tried again a few times.
    static boost::asio::awaitable<error_code> remove_tree(
        std::shared_ptr<zk::client> client, std::string path
    )
    {
        std::optional<error_code> outcome;
        for (int round = 0; round < 5 && !outcome; ++round)
        {
            auto children = co_await client->async_get_children(path);
            error_code failed;
            if (!children)
                failed = children.error() == zk::error::no_node ? error_code() : children.error();
            else
                for (const auto& child : children.value().children)
                    if (!failed)
                        failed = co_await remove_tree(client, zookeeper::layout::child(path, child));
            if (failed)
                outcome = failed;
            else
            {
                auto removed = co_await client->async_remove(path);
                if (removed || removed.error() == zk::error::no_node)
                    outcome = error_code();
                else if (removed.error() != zk::error::not_empty)
                    outcome = removed.error();
            }
        }
        co_return outcome.value_or(make_error_code(zk::error::not_empty));
    }

    static boost::asio::awaitable<result<void>> cleanup_all(core_ptr c)
    {
        if (c->closed)
            co_return errc::closed;
        if (c->config_error)
            co_return c->config_error;
        // Our latch node and connection_info are in the namespace: leave the election first, so
        // that the latch does not recreate its node while the tree goes.
        auto stopped = co_await c->election->async_stop_election();
        (void)stopped;
        const auto& ns = c->settings.layout.namespace_path();
        auto failed = co_await remove_tree(c->client, ns);
        if (!failed)
        {
            // Flink also removes the namespace's parents as far as they are empty.
            auto parents = zookeeper::layout::ancestors(ns);
            bool removing = true;
            for (auto it = parents.rbegin(); it != parents.rend() && removing; ++it)
            {
                auto removed = co_await c->client->async_remove(*it);
                removing = removed || removed.error() == zk::error::no_node;
            }
            c->stores.data->cleanup_all();
        }
        result<void> out = success();
        if (failed)
            out = failed;
        co_return out;
    }

    static boost::asio::awaitable<result<void>> global_cleanup(core_ptr c, job_id job)
    {
        if (c->closed)
            co_return errc::closed;
        if (c->config_error)
            co_return c->config_error;
        const auto leader_node = c->settings.layout.component_path(component_id::job_manager(job));
        auto failed = co_await remove_tree(c->client, leader_node);
        if (!failed)
            c->stores.data->global_cleanup(job);
        result<void> out = success();
        if (failed)
            out = failed;
        co_return out;
    }

    core_ptr core_;
};

static_assert(backend<zookeeper_backend>);

/// ha_services over ZooKeeper: `zookeeper_ha_services ha(ex, ha_options);` (or zookeeper_settings,
/// or a shared zk::client and zookeeper_settings).
using zookeeper_ha_services = ha_services<zookeeper_backend>;

HAKIT_NAMESPACE_END

#endif
