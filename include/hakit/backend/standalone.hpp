// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_BACKEND_STANDALONE_HPP
#define HAKIT_BACKEND_STANDALONE_HPP

#include <hakit/backend/standalone_stores.hpp>
#include <hakit/component_id.hpp>
#include <hakit/error.hpp>
#include <hakit/ha_services.hpp>
#include <hakit/job_id.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

HAKIT_NAMESPACE_BEGIN

/// The fixed leader addresses of a non-HA cluster.
struct standalone_addresses
{
    std::string resource_manager;
    std::string dispatcher;
    std::string rest_server;
};

/// The standalone backend (Flink's StandaloneHaServices): there is exactly one leader, known in
/// advance. Every election is granted at once with the nil session id, retrievers report the
/// configured address with the nil id, and the stores keep nothing across processes (the blob store
/// stores nothing at all).
struct standalone_backend
{
    class connection;
};

class standalone_backend::connection
{
public:
    connection(boost::asio::any_io_executor, standalone_addresses addresses)
        : addresses_(std::move(addresses))
        , closed_(std::make_shared<bool>(false))
        , job_results_(closed_)
    {}

    connection(const connection&) = delete;
    connection& operator=(const connection&) = delete;

    // election driver: granted as soon as asked, for good
    result<void> start_election_now(detail::election_event_queue* queue)
    {
        if (*closed_)
            return errc::closed;
        running_ = true;
        queue->push(detail::leadership_granted{session_id::nil()});
        return success();
    }

    result<void> stop_election_now()
    {
        running_ = false;
        return success();
    }

    /// Nothing to publish: retrievers know the fixed addresses.
    result<void> publish_now(std::span<const detail::publication>) const
    {
        if (*closed_)
            return errc::closed;
        return success();
    }

    boost::asio::awaitable<result<void>> async_start_election(detail::election_event_queue* queue)
    {
        co_return start_election_now(queue);
    }

    boost::asio::awaitable<result<void>> async_stop_election() { co_return stop_election_now(); }

    boost::asio::awaitable<result<void>> async_publish(std::vector<detail::publication> batch)
    {
        co_return publish_now(batch);
    }

    bool holds_term(session_id term) const noexcept { return running_ && !*closed_ && term.is_nil(); }

    // retrieval driver: the fixed address, or the caller's default for a job manager
    std::uint64_t start_retrieval(
        const component_id& component,
        std::optional<std::string> fallback_address,
        detail::retrieval_channel* channel
    )
    {
        std::optional<std::string> address;
        if (component == component_id::resource_manager())
            address = addresses_.resource_manager;
        else if (component == component_id::dispatcher())
            address = addresses_.dispatcher;
        else if (component == component_id::rest_server())
            address = addresses_.rest_server;
        else
            address = std::move(fallback_address);
        if (address)
            channel->on_leader(leader_information::known(session_id::nil(), std::move(*address)));
        else
            channel->on_error(errc::not_supported);
        return next_token_++;
    }

    void stop_retrieval(std::uint64_t) noexcept {}

    // stores: kept in this process only; one job result store and one checkpoint store and counter
    // per job for the lifetime of the connection
    standalone_job_graph_store job_graph_store() const { return standalone_job_graph_store(closed_); }
    standalone_job_result_store job_result_store() const { return job_results_; }
    void_blob_store blob_store() const { return void_blob_store(closed_); }
    standalone_completed_checkpoint_store completed_checkpoint_store(job_id job, std::size_t max_retained)
        const
    {
        auto it = checkpoints_.find(job);
        // A store shut down for good (job finished) is replaced: the next run starts afresh.
        if (it == checkpoints_.end() || it->second.max_retained() != max_retained ||
            it->second.is_shut_down())
            it = checkpoints_
                     .insert_or_assign(job, standalone_completed_checkpoint_store(job, max_retained, closed_))
                     .first;
        return it->second;
    }
    standalone_checkpoint_id_counter checkpoint_id_counter(job_id job) const
    {
        auto it = counters_.find(job);
        if (it == counters_.end() || it->second.is_shut_down())
            it = counters_.insert_or_assign(job, standalone_checkpoint_id_counter(job, closed_)).first;
        return it->second;
    }

    // lifecycle
    boost::asio::awaitable<result<void>> async_close()
    {
        close_now();
        co_return success();
    }

    /// Flink's non-HA services: nothing is stored outside the process, so this is close().
    boost::asio::awaitable<result<void>> async_cleanup_all_data()
    {
        close_now();
        co_return success();
    }

    boost::asio::awaitable<result<void>> async_global_cleanup(job_id job)
    {
        if (*closed_)
            co_return errc::closed;
        checkpoints_.erase(job);
        counters_.erase(job);
        co_return success();
    }

    void close_now() noexcept
    {
        *closed_ = true;
        running_ = false;
    }

private:
    standalone_addresses addresses_;
    std::shared_ptr<bool> closed_;
    standalone_job_result_store job_results_;
    mutable std::map<job_id, standalone_completed_checkpoint_store> checkpoints_;
    mutable std::map<job_id, standalone_checkpoint_id_counter> counters_;
    bool running_ = false;
    std::uint64_t next_token_ = 1;
};

static_assert(backend<standalone_backend>);

/// ha_services with fixed leaders: `standalone_ha_services ha(ex, standalone_addresses{…});`
using standalone_ha_services = ha_services<standalone_backend>;

HAKIT_NAMESPACE_END

#endif
