// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_DETAIL_WATCH_REGISTRY_HPP
#define HAKIT_ZK_DETAIL_WATCH_REGISTRY_HPP

#include <hakit/error.hpp>
#include <hakit/zk/detail/watch_state.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/watcher_event.hpp>

#include <hakit/detail/config.hpp>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk::detail {

/// The kind of a one-shot watch, i.e. the server-side map it lives in.
enum class watch_kind : std::uint8_t
{
    /// Set by getData, or by exists on an existing node.
    data,
    /// Set by exists on a missing node.
    exist,
    /// Set by getChildren / getChildren2.
    child,
};

/// The paths with live watches, by kind, for SetWatches / SetWatches2 after a reconnect.
struct watched_paths
{
    std::vector<std::string> data;
    std::vector<std::string> exist;
    std::vector<std::string> child;
    std::vector<std::string> persistent;
    std::vector<std::string> persistent_recursive;

    bool empty() const noexcept
    {
        return data.empty() && exist.empty() && child.empty() && persistent.empty() &&
               persistent_recursive.empty();
    }
};

/// The client's watches keyed by (path, kind), with the dispatch rules of Java's
/// ZKWatchManager.materialize: created / data changed fire the data and exist watches of the path,
/// children changed the child watches, deleted all three; one-shot watches are removed when they
/// fire. Persistent watches of the path see every event; persistent-recursive watches of the path
/// and of each ancestor see every event except children changed. Paths are client paths (chroot
/// already stripped). The registry holds the handles' states weakly: a watch nobody can wait on
/// any more is dropped (and not re-armed after a reconnect).
class watch_registry
{
public:
    void add(watch_kind kind, const std::string& path, const std::shared_ptr<watch_state>& state)
    {
        auto& list = one_shot(kind)[path];
        std::erase_if(list, [](const auto& weak) { return weak.expired(); });
        list.push_back(state);
    }

    void add_persistent(
        bool recursive, const std::string& path, const std::shared_ptr<persistent_watch_state>& state
    )
    {
        auto& list = (recursive ? recursive_ : persistent_)[path];
        std::erase_if(list, [](const auto& weak) { return weak.expired(); });
        list.push_back(state);
    }

    /// Delivers a server notification.
    void dispatch(const watcher_event& e)
    {
        switch (e.type)
        {
            case event_type::node_created:
            case event_type::node_data_changed:
                fire(data_, e);
                fire(exist_, e);
                break;
            case event_type::node_children_changed:
                fire(child_, e);
                break;
            case event_type::node_deleted:
                fire(data_, e);
                fire(exist_, e);
                fire(child_, e);
                break;
            default:
                break;
        }
        if (e.type == event_type::none)
            return;
        feed(persistent_, e.path, e);
        if (e.type == event_type::node_children_changed)
            return;
        // The path itself and every ancestor, up to the root.
        std::string_view p = e.path;
        for (;;)
        {
            feed(recursive_, p, e);
            if (p.size() <= 1)
                break;
            const auto slash = p.rfind('/');
            p = slash == 0 ? std::string_view("/") : p.substr(0, slash);
        }
    }

    /// Removes the local watches of `type` on `path` (after the server removed its watches):
    /// one-shot watches complete with data_watch_removed / child_watch_removed, persistent ones get
    /// persistent_watch_removed and end with no_watcher. Returns how many were removed.
    std::size_t remove(const std::string& path, watcher_type type)
    {
        std::size_t n = 0;
        const bool any = type == watcher_type::any;
        if (any || type == watcher_type::data)
        {
            n += remove_one_shot(data_, path, event_type::data_watch_removed);
            n += remove_one_shot(exist_, path, event_type::data_watch_removed);
        }
        if (any || type == watcher_type::children)
            n += remove_one_shot(child_, path, event_type::child_watch_removed);
        if (any || type == watcher_type::persistent)
            n += remove_persistent(persistent_, path);
        if (any || type == watcher_type::persistent_recursive)
            n += remove_persistent(recursive_, path);
        return n;
    }

    /// Ends every watch with `ec` (session expired, client closed) and forgets them all.
    void fail_all(error_code ec)
    {
        auto fail = [&ec](auto& map) {
            auto taken = std::move(map);
            map.clear();
            for (auto& [path, list] : taken)
                for (auto& weak : list)
                    if (auto s = weak.lock())
                    {
                        if constexpr (requires { s->finish(ec); })
                            s->finish(ec);
                        else
                            s->complete(ec);
                    }
        };
        fail(data_);
        fail(exist_);
        fail(child_);
        fail(persistent_);
        fail(recursive_);
    }

    /// The paths that still have a live watch of each kind (dropping dead entries).
    watched_paths live_paths()
    {
        watched_paths out;
        collect(data_, out.data);
        collect(exist_, out.exist);
        collect(child_, out.child);
        collect(persistent_, out.persistent);
        collect(recursive_, out.persistent_recursive);
        return out;
    }

    /// Number of paths with watch entries (live or not yet pruned), for tests.
    std::size_t size() const noexcept
    {
        return data_.size() + exist_.size() + child_.size() + persistent_.size() + recursive_.size();
    }

private:
    template <class State>
    using watch_map = std::unordered_map<std::string, std::vector<std::weak_ptr<State>>>;

    watch_map<watch_state>& one_shot(watch_kind kind) noexcept
    {
        switch (kind)
        {
            case watch_kind::data:
                return data_;
            case watch_kind::exist:
                return exist_;
            default:
                return child_;
        }
    }

    static void fire(watch_map<watch_state>& map, const watcher_event& e)
    {
        auto it = map.find(e.path);
        if (it == map.end())
            return;
        auto list = std::move(it->second);
        map.erase(it);
        for (auto& weak : list)
            if (auto s = weak.lock())
                s->complete(e);
    }

    static void feed(watch_map<persistent_watch_state>& map, std::string_view path, const watcher_event& e)
    {
        auto it = map.find(std::string(path));
        if (it == map.end())
            return;
        auto& list = it->second;
        std::erase_if(list, [](const auto& weak) { return weak.expired(); });
        for (auto& weak : list)
            if (auto s = weak.lock())
                s->push(e);
        if (list.empty())
            map.erase(it);
    }

    static std::size_t remove_one_shot(watch_map<watch_state>& map, const std::string& path, event_type type)
    {
        auto it = map.find(path);
        if (it == map.end())
            return 0;
        auto list = std::move(it->second);
        map.erase(it);
        std::size_t n = 0;
        for (auto& weak : list)
            if (auto s = weak.lock())
            {
                s->complete(watcher_event{type, keeper_state::sync_connected, path});
                ++n;
            }
        return n;
    }

    static std::size_t remove_persistent(watch_map<persistent_watch_state>& map, const std::string& path)
    {
        auto it = map.find(path);
        if (it == map.end())
            return 0;
        auto list = std::move(it->second);
        map.erase(it);
        std::size_t n = 0;
        for (auto& weak : list)
            if (auto s = weak.lock())
            {
                s->push(watcher_event{
                    event_type::persistent_watch_removed, keeper_state::sync_connected, path});
                s->finish(error::no_watcher);
                ++n;
            }
        return n;
    }

    template <class State>
    static void collect(watch_map<State>& map, std::vector<std::string>& out)
    {
        for (auto it = map.begin(); it != map.end();)
        {
            std::erase_if(it->second, [](const auto& weak) { return weak.expired(); });
            if (it->second.empty())
                it = map.erase(it);
            else
            {
                out.push_back(it->first);
                ++it;
            }
        }
    }

    watch_map<watch_state> data_;
    watch_map<watch_state> exist_;
    watch_map<watch_state> child_;
    watch_map<persistent_watch_state> persistent_;
    watch_map<persistent_watch_state> recursive_;
};

}  // namespace zk::detail

HAKIT_NAMESPACE_END

#endif
