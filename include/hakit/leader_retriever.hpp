// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_LEADER_RETRIEVER_HPP
#define HAKIT_LEADER_RETRIEVER_HPP

#include <hakit/component_id.hpp>
#include <hakit/concepts.hpp>
#include <hakit/leader_information.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>
#include <hakit/detail/ha_core.hpp>
#include <hakit/detail/retrieval_channel.hpp>

#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <memory>
#include <utility>

HAKIT_NAMESPACE_BEGIN

template <backend Backend>
class ha_services;

/// Follows one component's confirmed leader (Flink's LeaderRetrievalService + listener).
/// Changes are de-duplicated: an (address, session id) equal to the previous one is not reported,
/// starting from "no leader". "No leader" is reported as an empty leader_information.
///
/// Thread safety: distinct objects: safe. Shared objects: unsafe. Use the ha_services' executor.
template <backend Backend>
class leader_retriever
{
public:
    leader_retriever(leader_retriever&&) noexcept = default;
    leader_retriever& operator=(leader_retriever&& other) noexcept
    {
        if (this != &other)
        {
            stop();
            core_ = std::move(other.core_);
            channel_ = std::move(other.channel_);
            token_ = other.token_;
        }
        return *this;
    }
    leader_retriever(const leader_retriever&) = delete;
    leader_retriever& operator=(const leader_retriever&) = delete;
    ~leader_retriever() { stop(); }

    /// The current confirmed leader; waits until there is one. Cancellable (operation_aborted).
    /// errc::closed after stop() or when the ha_services closed.
    boost::asio::awaitable<result<leader_information>> async_leader()
    {
        return detail::retrieval_channel::async_leader(channel_);
    }

    /// The next change not yet taken, in order: a new leader, "no leader", or an error the backend
    /// reported (e.g. unreadable leader data). The first call returns the first leader seen.
    /// Cancellable (operation_aborted); errc::closed after stop().
    boost::asio::awaitable<result<leader_information>> async_next()
    {
        return detail::retrieval_channel::async_next(channel_);
    }

    /// The latest leader information reported so far, without waiting.
    const leader_information& current() const noexcept { return channel_->last(); }

    /// Stops following; backend watches are removed. Idempotent; also done by the destructor.
    void stop() noexcept
    {
        if (core_)
        {
            core_->stop_retrieval(token_);
            core_.reset();
        }
        if (channel_)
            channel_->stop();
    }

private:
    friend class ha_services<Backend>;

    leader_retriever(
        std::shared_ptr<detail::ha_core<Backend>> core,
        std::shared_ptr<detail::retrieval_channel> channel,
        std::uint64_t token
    )
        : core_(std::move(core))
        , channel_(std::move(channel))
        , token_(token)
    {}

    std::shared_ptr<detail::ha_core<Backend>> core_;
    std::shared_ptr<detail::retrieval_channel> channel_;
    std::uint64_t token_ = 0;
};

HAKIT_NAMESPACE_END

#endif
