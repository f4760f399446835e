// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_HA_SERVICES_HPP
#define HAKIT_HA_SERVICES_HPP

#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/error.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_election.hpp>
#include <hakit/leader_retriever.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/ha_core.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <utility>

HAKIT_NAMESPACE_BEGIN

/// One process's high-availability services (Flink's HighAvailabilityServices) over a backend
/// chosen at compile time: leader elections and retrievers for the dispatcher, resource manager,
/// REST server and per-job job managers, and the HA metadata stores.
///
/// All elections of one ha_services share one backend election (one latch per process): the
/// process leads or it does not, and every contending component is granted and revoked with it.
///
/// Getters return errc::closed after close; registering a component id twice returns
/// errc::already_registered (until the first election object is closed or destroyed).
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Everything, including the
/// objects handed out, runs on the executor given here (use a strand with a multi-threaded
/// io_context). The destructor closes without waiting; prefer `co_await async_close()`.
template <backend Backend>
class ha_services
{
public:
    using backend_type = Backend;
    using connection_type = typename Backend::connection;
    using executor_type = boost::asio::any_io_executor;
    using election_type = leader_election<Backend>;
    using retriever_type = leader_retriever<Backend>;
    using job_graph_store_type = decltype(std::declval<const connection_type&>().job_graph_store());
    using job_result_store_type = decltype(std::declval<const connection_type&>().job_result_store());
    using blob_store_type = decltype(std::declval<const connection_type&>().blob_store());
    using completed_checkpoint_store_type =
        decltype(std::declval<const connection_type&>().completed_checkpoint_store(job_id(), std::size_t()));
    using checkpoint_id_counter_type =
        decltype(std::declval<const connection_type&>().checkpoint_id_counter(job_id()));

    /// Connects to the backend; `args` are the backend connection's own arguments
    /// (in_memory: the cluster and a member name; standalone: the fixed addresses; …).
    template <class... Args>
    explicit ha_services(executor_type ex, Args&&... args)
        : core_(std::make_shared<detail::ha_core<Backend>>(std::move(ex), std::forward<Args>(args)...))
    {}

    ha_services(ha_services&&) noexcept = default;
    ha_services& operator=(ha_services&&) noexcept = default;
    ~ha_services()
    {
        if (core_)
            core_->close_now();
    }

    executor_type get_executor() const noexcept { return core_->get_executor(); }

    /// The backend connection (e.g. in_memory's member id for fault injection).
    connection_type& backend() noexcept { return core_->connection(); }

    bool is_closed() const noexcept { return core_->closed(); }

    // --- leader election -------------------------------------------------------------------------

    result<election_type> election(const component_id& id)
    {
        BOOST_OUTCOME_TRY(auto state, core_->claim(id));
        return election_type(core_, id, state);
    }
    result<election_type> dispatcher_election() { return election(component_id::dispatcher()); }
    result<election_type> resource_manager_election() { return election(component_id::resource_manager()); }
    result<election_type> rest_server_election() { return election(component_id::rest_server()); }
    result<election_type> job_manager_election(const job_id& job)
    {
        return election(component_id::job_manager(job));
    }

    // --- leader retrieval ------------------------------------------------------------------------

    result<retriever_type> retriever(const component_id& id) { return make_retriever(id, std::nullopt); }
    result<retriever_type> dispatcher_retriever() { return retriever(component_id::dispatcher()); }
    result<retriever_type> resource_manager_retriever()
    {
        return retriever(component_id::resource_manager());
    }
    result<retriever_type> rest_server_retriever() { return retriever(component_id::rest_server()); }
    /// `default_address` is what a backend without election (standalone) reports; others ignore it.
    result<retriever_type> job_manager_retriever(const job_id& job, std::string default_address = {})
    {
        return make_retriever(
            component_id::job_manager(job),
            default_address.empty() ? std::nullopt : std::optional<std::string>(std::move(default_address))
        );
    }

    // --- stores ----------------------------------------------------------------------------------

    result<job_graph_store_type> job_graph_store() const
    {
        if (core_->closed())
            return errc::closed;
        return core_->connection().job_graph_store();
    }
    result<job_result_store_type> job_result_store() const
    {
        if (core_->closed())
            return errc::closed;
        return core_->connection().job_result_store();
    }
    result<blob_store_type> blob_store() const
    {
        if (core_->closed())
            return errc::closed;
        return core_->connection().blob_store();
    }
    /// The job's completed checkpoints, keeping at most `max_retained` (≥ 1).
    result<completed_checkpoint_store_type> completed_checkpoint_store(
        const job_id& job, std::size_t max_retained
    ) const
    {
        if (core_->closed())
            return errc::closed;
        if (max_retained == 0)
            return errc::invalid_argument;
        return core_->connection().completed_checkpoint_store(job, max_retained);
    }
    result<checkpoint_id_counter_type> checkpoint_id_counter(const job_id& job) const
    {
        if (core_->closed())
            return errc::closed;
        return core_->connection().checkpoint_id_counter(job);
    }

    // --- lifecycle -------------------------------------------------------------------------------

    /// Flink's close(): revokes and unregisters every component, stops every retriever and closes
    /// the backend connection. Never deletes HA data. Idempotent.
    boost::asio::awaitable<result<void>> async_close()
    {
        auto core = core_;
        co_return co_await core->async_close();
    }

    /// Flink's closeAndCleanupAllData(): deletes all HA data of this cluster, then closes. The
    /// close happens even when the cleanup fails; the first error is returned.
    boost::asio::awaitable<result<void>> async_close_and_cleanup_all_data()
    {
        auto core = core_;
        if (core->closed())
            co_return errc::closed;
        auto cleaned = co_await core->connection().async_cleanup_all_data();
        auto closed = co_await core->async_close();
        if (!cleaned)
            co_return cleaned;
        co_return closed;
    }

    /// Flink's globalCleanup(job): removes the job's HA data (checkpoints, counter, job graph, blobs).
    boost::asio::awaitable<result<void>> async_global_cleanup(job_id job)
    {
        auto core = core_;
        if (core->closed())
            co_return errc::closed;
        co_return co_await core->connection().async_global_cleanup(job);
    }

private:
    result<retriever_type> make_retriever(const component_id& id, std::optional<std::string> fallback)
    {
        BOOST_OUTCOME_TRY(auto started, core_->start_retrieval(id, std::move(fallback)));
        return retriever_type(core_, std::move(started.first), started.second);
    }

    std::shared_ptr<detail::ha_core<Backend>> core_;
};

HAKIT_NAMESPACE_END

#endif
