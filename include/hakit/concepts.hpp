// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_CONCEPTS_HPP
#define HAKIT_CONCEPTS_HPP

#include <hakit/component_id.hpp>
#include <hakit/job_id.hpp>
#include <hakit/result.hpp>
#include <hakit/session_id.hpp>
#include <hakit/stores/concepts.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/election_event.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/awaitable.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

HAKIT_NAMESPACE_BEGIN

/// A backend's side of one process's election: join and leave the backend election, report events
/// to the queue it was given, say synchronously whether it still holds the term with a given session
/// id (the driver draws a fresh id for every term it is granted), and write leader information (all
/// of a batch or none, and only while it holds the term).
template <class C>
concept election_driver = requires(
    C& c,
    const C& cc,
    detail::election_event_queue* queue,
    std::vector<detail::publication> batch,
    session_id term
)
{
    {
        c.async_start_election(queue)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        c.async_stop_election()
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        cc.holds_term(term)
    }
    noexcept->std::same_as<bool>;
    {
        c.async_publish(batch)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
};

/// A backend's side of leader retrieval: report a component's leader information (and changes) to
/// a channel until stopped. `fallback_address` is only used by backends without real election
/// (Flink's getJobManagerLeaderRetriever(job, defaultAddress)).
template <class C>
concept retrieval_driver = requires(
    C& c,
    const component_id& component,
    std::optional<std::string> fallback_address,
    detail::retrieval_channel* channel,
    std::uint64_t token
)
{
    {
        c.start_retrieval(component, fallback_address, channel)
        } -> std::same_as<std::uint64_t>;
    {
        c.stop_retrieval(token)
        } -> std::same_as<void>;
};

/// A backend's HA stores.
template <class C>
concept store_provider = requires(const C& c, job_id job, std::size_t max_retained)
{
    {
        c.job_graph_store()
        } -> job_graph_store;
    {
        c.job_result_store()
        } -> job_result_store;
    {
        c.blob_store()
        } -> blob_store;
    {
        c.completed_checkpoint_store(job, max_retained)
        } -> completed_checkpoint_store;
    {
        c.checkpoint_id_counter(job)
        } -> checkpoint_id_counter;
};

/// Closing and cleaning up a backend connection.
template <class C>
concept backend_lifecycle = requires(C& c, job_id job)
{
    {
        c.async_close()
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        c.async_cleanup_all_data()
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        c.async_global_cleanup(job)
        } -> std::same_as<boost::asio::awaitable<result<void>>>;
    {
        c.close_now()
    }
    noexcept;
};

/// A backend of ha_services: a type whose nested `connection` (one per ha_services, constructed
/// from the executor and the backend's own arguments) is an election driver, a retrieval driver,
/// a store provider and closeable. Chosen at compile time; nothing is virtual.
template <class B>
concept backend = requires
{
    typename B::connection;
}
&&election_driver<typename B::connection>&& retrieval_driver<typename B::connection>&&
    store_provider<typename B::connection>&& backend_lifecycle<typename B::connection>;

HAKIT_NAMESPACE_END

#endif
