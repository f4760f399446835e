// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
// Writes the seed corpus of zk_decoder_fuzz (see the input layout there): zk_decoder_seeds <dir>
#include <hakit/zk/codec.hpp>

#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace zk = hakit::zk;

// Indexes into zk_decoder_fuzz.cpp's pending_ops table.
constexpr int pending_none = 0;
constexpr int pending_create2 = 2;
constexpr int pending_get_data = 7;
constexpr int pending_get_children2 = 12;
constexpr int pending_multi = 15;

constexpr std::uint8_t connect_response_kind = 0;
constexpr std::uint8_t connect_request_kind = 1;
constexpr std::uint8_t client_kind = 2;
constexpr std::uint8_t server_kind(int pending_index)
{
    return static_cast<std::uint8_t>(3 + 4 * pending_index);
}

template <class... Records>
void append(std::vector<std::uint8_t>& out, const Records&... records)
{
    if (zk::append_frame(out, zk::default_max_frame_size, records...))
        throw std::runtime_error("cannot encode a seed");
}

bool write_seed(
    const std::string& dir,
    const char* name,
    std::uint8_t kind,
    std::uint8_t mode,
    const std::vector<std::uint8_t>& frames
)
{
    std::ofstream file(dir + "/" + name, std::ios::binary);
    file.put(static_cast<char>(kind));
    file.put(static_cast<char>(mode));
    file.write(reinterpret_cast<const char*>(frames.data()), static_cast<std::streamsize>(frames.size()));
    return static_cast<bool>(file);
}

}  // namespace

int main(int argc, char** argv)
{
    if (argc != 2)
    {
        std::fprintf(stderr, "usage: %s <corpus dir>\n", argv[0]);
        return 2;
    }
    const std::string dir = argv[1];
    const zk::stat st{6, 6, 0x1a1ff35c025, 0x1a1ff35c025, 0, 0, 0, 0x0100000a65b50000, 0, 0, 6};
    bool ok = true;

    std::vector<std::uint8_t> f;
    append(f, zk::connect_response{0, 4000, 0x0100000a65b50000, zk::bytes(16, 7), false});
    ok &= write_seed(dir, "connect_response", connect_response_kind, 3, f);

    f.clear();
    append(f, zk::connect_request{});
    ok &= write_seed(dir, "connect_request", connect_request_kind, 63, f);

    f.clear();
    append(
        f,
        zk::request_header{1, zk::op_code::create},
        zk::create_request{"/a", {'x'}, zk::open_acl_unsafe(), zk::create_mode::ephemeral_sequential}
    );
    append(
        f,
        zk::request_header{2, zk::op_code::multi},
        zk::multi_request{
            {zk::multi_op::check({"/l", 1}),
             zk::multi_op::set_data({"/a", {'y'}, 0}),
             zk::multi_op::remove({"/b", -1})}}
    );
    append(
        f,
        zk::request_header{zk::set_watches_xid, zk::op_code::set_watches},
        zk::set_watches{5, {"/a"}, {"/b"}, {"/c"}}
    );
    append(f, zk::request_header{zk::auth_xid, zk::op_code::auth}, zk::digest_auth("u", "p"));
    append(f, zk::request_header{zk::ping_xid, zk::op_code::ping});
    ok &= write_seed(dir, "client_messages", client_kind, 7, f);

    f.clear();
    append(
        f,
        zk::reply_header{zk::notification_xid, -1, 0},
        zk::watcher_event{zk::event_type::node_data_changed, zk::keeper_state::sync_connected, "/a"}
    );
    append(f, zk::reply_header{zk::ping_xid, 9, 0});
    ok &= write_seed(dir, "notification_ping", server_kind(pending_none), 1, f);

    f.clear();
    append(f, zk::reply_header{3, 2, 0}, zk::get_data_response{{'1'}, st});
    append(f, zk::reply_header{4, 2, -101});
    ok &= write_seed(dir, "get_data", server_kind(pending_get_data), 15, f);

    f.clear();
    append(f, zk::reply_header{7, 6, 0}, zk::create2_response{"/hk-t/c-0000000001", st});
    ok &= write_seed(dir, "create2", server_kind(pending_create2), 31, f);

    f.clear();
    append(f, zk::reply_header{8, 6, 0}, zk::get_children2_response{{"c-0000000001", "c-0000000000"}, st});
    ok &= write_seed(dir, "get_children2", server_kind(pending_get_children2), 0x40 | 5, f);

    f.clear();
    append(
        f,
        zk::reply_header{4, 3, 0},
        zk::multi_response{
            {{zk::op_code::error, -103, {}}, {zk::op_code::error, -2, {}}, {zk::op_code::error, -2, {}}}}
    );
    append(
        f,
        zk::reply_header{6, 5, 0},
        zk::multi_response{
            {{zk::op_code::create, 0, zk::create_response{"/hk-t/c-0000000000"}},
             {zk::op_code::check, 0, {}},
             {zk::op_code::create2, 0, zk::create2_response{"/x", st}}}}
    );
    ok &= write_seed(dir, "multi", server_kind(pending_multi), 2, f);

    // Unframed: a path for the path rules and the suffix parser.
    const std::string path = "/flink/default/leader/_c_1b2c-latch-0000000042";
    ok &= write_seed(
        dir, "raw_path", server_kind(pending_none), 0x80, std::vector<std::uint8_t>(path.begin(), path.end())
    );

    return ok ? 0 : 1;
}
