// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Everything of the ZooKeeper wire codec: errors, jute, records, multi, paths, frames, messages.
#ifndef HAKIT_ZK_CODEC_HPP
#define HAKIT_ZK_CODEC_HPP

#include <hakit/zk/acl.hpp>
#include <hakit/zk/create_mode.hpp>
#include <hakit/zk/error.hpp>
#include <hakit/zk/frame.hpp>
#include <hakit/zk/handshake.hpp>
#include <hakit/zk/jute.hpp>
#include <hakit/zk/message.hpp>
#include <hakit/zk/multi.hpp>
#include <hakit/zk/op_code.hpp>
#include <hakit/zk/path.hpp>
#include <hakit/zk/records.hpp>
#include <hakit/zk/stat.hpp>
#include <hakit/zk/watcher_event.hpp>

#endif
