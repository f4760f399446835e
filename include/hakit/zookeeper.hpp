// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// The ZooKeeper umbrella header: everything of <hakit/hakit.hpp>, plus the ZooKeeper backend
// (zookeeper_ha_services and its settings), its stores (job graphs, checkpoints and checkpoint ids
// in ZooKeeper; Flink's file-system job result and blob stores), the recipes they are built from
// and the native ZooKeeper client. Kept apart from <hakit/hakit.hpp> because the file-system job
// result store needs nlohmann/json (Flink's JSON files).
#ifndef HAKIT_ZOOKEEPER_HPP
#define HAKIT_ZOOKEEPER_HPP

#include <hakit/backend/zookeeper.hpp>
#include <hakit/filesystem/blob_store.hpp>
#include <hakit/filesystem/job_result_store.hpp>
#include <hakit/hakit.hpp>
#include <hakit/zk/acl.hpp>
#include <hakit/zk/client.hpp>
#include <hakit/zk/connect_string.hpp>
#include <hakit/zk/connection_state.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/path.hpp>
#include <hakit/zk/results.hpp>
#include <hakit/zk/session_options.hpp>
#include <hakit/zk/stat.hpp>
#include <hakit/zk/state_subscription.hpp>
#include <hakit/zk/watch.hpp>
#include <hakit/zk/watcher_event.hpp>
#include <hakit/zookeeper/checkpoint_id_counter.hpp>
#include <hakit/zookeeper/completed_checkpoint_store.hpp>
#include <hakit/zookeeper/connection_info.hpp>
#include <hakit/zookeeper/connection_policy.hpp>
#include <hakit/zookeeper/job_graph_store.hpp>
#include <hakit/zookeeper/layout.hpp>
#include <hakit/zookeeper/leader_latch.hpp>
#include <hakit/zookeeper/state_handle_store.hpp>
#include <hakit/zookeeper/state_storage.hpp>

#endif
