// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_CONFIG_HPP
#define HAKIT_CONFIG_HPP

// HA configuration with Apache Flink's keys, defaults and deprecated keys (flink-ha.md §3):
// `key: value` text -> config_map -> typed ha_options, with errors that name the key and value.

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>

#include <hakit/detail/config.hpp>

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <initializer_list>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

HAKIT_NAMESPACE_BEGIN

/// Raw configuration: key -> value, both trimmed, keys case-sensitive (as in Flink).
/// Build one by hand or with parse_config_text / load_config_file.
using config_map = std::map<std::string, std::string, std::less<>>;

/// Which HA services to use (`high-availability.type`).
enum class ha_mode
{
    /// No HA: fixed leader addresses (Flink's StandaloneHaServices). Also legacy `standalone`.
    none,
    /// ZooKeeper-based leader election and metadata stores.
    zookeeper,
    /// Kubernetes ConfigMap-based HA (not implemented by hakit; parsed for completeness).
    kubernetes,
    /// Any other value: Flink treats it as the class name of a HighAvailabilityServicesFactory.
    factory,
};

/// The ACL put on every ZooKeeper node (`high-availability.zookeeper.client.acl`).
enum class zookeeper_acl
{
    /// world:anyone with all permissions (Curator's default).
    open,
    /// CREATOR_ALL_ACL: only the authenticated creator may touch the nodes (needs authentication).
    creator,
};

/// The upper-case names Flink documents (`NONE`, `ZOOKEEPER`, `KUBERNETES`, `FACTORY_CLASS`).
constexpr std::string_view to_string(ha_mode mode) noexcept
{
    switch (mode)
    {
        case ha_mode::none:
            return "NONE";
        case ha_mode::zookeeper:
            return "ZOOKEEPER";
        case ha_mode::kubernetes:
            return "KUBERNETES";
        case ha_mode::factory:
            return "FACTORY_CLASS";
    }
    return "UNKNOWN";
}

constexpr std::string_view to_string(zookeeper_acl acl) noexcept
{
    return acl == zookeeper_acl::creator ? "creator" : "open";
}

/// ZooKeeper client and layout options (`high-availability.zookeeper.*`, `zookeeper.sasl.*`).
/// Timeouts accept plain numbers (milliseconds, Flink 1.x int options) and Flink duration
/// strings ("60 s", "1 min", Flink 2.x Duration options); they must fit in an int of ms.
struct zookeeper_options
{
    /// `high-availability.zookeeper.quorum`, all whitespace removed (Flink's getZooKeeperEnsemble).
    /// Required (non-blank) in ZooKeeper mode; empty when unset.
    std::string quorum;
    /// `high-availability.zookeeper.path.root`: the first segment(s) of the namespace.
    std::string root = "/flink";
    /// `high-availability.zookeeper.path.jobgraphs`: job graph store path under the namespace.
    std::string jobgraphs_path = "/jobgraphs";
    /// `high-availability.zookeeper.client.session-timeout`: requested session timeout.
    std::chrono::milliseconds session_timeout{60'000};
    /// `high-availability.zookeeper.client.connection-timeout`.
    std::chrono::milliseconds connection_timeout{15'000};
    /// `high-availability.zookeeper.client.retry-wait`: base sleep of the exponential backoff.
    std::chrono::milliseconds retry_wait{5'000};
    /// `high-availability.zookeeper.client.max-retry-attempts` (>= 0).
    int max_retry_attempts = 3;
    /// `high-availability.zookeeper.client.acl` (`open` | `creator`, case-insensitive).
    zookeeper_acl acl = zookeeper_acl::open;
    /// `high-availability.zookeeper.client.tolerate-suspended-connections`: revoke leadership only
    /// when the connection is lost, not already when it is suspended.
    bool tolerate_suspended_connections = false;
    /// `high-availability.zookeeper.client.ensemble-tracker`: follow ensemble reconfigurations
    /// (disable behind VIPs and load balancers).
    bool ensemble_tracker = true;
    /// `high-availability.zookeeper.client.authorization` (Flink 1.20): scheme -> auth string, sent
    /// as AddAuth after connecting. Flink map syntax, see parse_ha_options.
    std::map<std::string, std::string, std::less<>> authorization;
    /// `high-availability.zookeeper.client.max-close-wait` (Flink 1.20); unset = client default.
    std::optional<std::chrono::milliseconds> max_close_wait;
    /// `high-availability.zookeeper.client.simulated-session-expiration-percent` (Flink 1.20),
    /// 1..100; unset = client default (100).
    std::optional<int> simulated_session_expiration_percent;
    /// `zookeeper.sasl.disable`; `acl: creator` with SASL disabled is rejected, as in Flink.
    bool sasl_disable = false;
    /// `zookeeper.sasl.service-name`.
    std::string sasl_service_name = "zookeeper";
    /// `zookeeper.sasl.login-context-name`.
    std::string sasl_login_context_name = "Client";

    friend bool operator==(const zookeeper_options&, const zookeeper_options&) = default;
};

/// Job result store options (`job-result-store.*`).
struct job_result_store_options
{
    /// `job-result-store.storage-path`; unset = `<storageDir>/job-result-store/<cluster-id>`
    /// (see job_result_store_path). Must be read-after-write consistent.
    std::optional<std::string> storage_path;
    /// `job-result-store.delete-on-commit`: delete the clean entry once a job is globally
    /// terminated; false keeps `<job id>.json` and the user owns the cleanup.
    bool delete_on_commit = true;

    friend bool operator==(const job_result_store_options&, const job_result_store_options&) = default;
};

/// What the no-HA (standalone) services need to publish fixed leader addresses
/// (see standalone_leader_addresses_of).
struct standalone_options
{
    /// `jobmanager.rpc.address`; unset when absent (Flink then fails to build standalone services).
    std::optional<std::string> rpc_address;
    /// `jobmanager.rpc.port`, 1..65535.
    std::uint16_t rpc_port = 6123;
    /// `rest.address`, falling back to `jobmanager.rpc.address` (a fallback, not a deprecated key).
    std::optional<std::string> rest_address;
    /// `rest.port`, 1..65535.
    std::uint16_t rest_port = 8081;
    /// RPC URLs use `pekko.ssl.tcp`: `pekko.ssl.enabled` (default true, deprecated
    /// `akka.ssl.enabled`) and `security.ssl.internal.enabled` (fallback `security.ssl.enabled`).
    bool rpc_ssl = false;
    /// REST URL uses `https`: `security.ssl.rest.enabled` (fallback `security.ssl.enabled`).
    bool rest_ssl = false;

    friend bool operator==(const standalone_options&, const standalone_options&) = default;
};

/// The fixed leader addresses Flink's StandaloneHaServices publishes (always with the nil
/// session id).
struct standalone_leader_addresses
{
    /// `pekko.tcp://flink@<host>:<port>/user/rpc/resourcemanager_*`
    std::string resource_manager;
    /// `pekko.tcp://flink@<host>:<port>/user/rpc/dispatcher_*`
    std::string dispatcher;
    /// `http://<rest host>:<rest port>`
    std::string rest_server;

    friend bool operator==(const standalone_leader_addresses&, const standalone_leader_addresses&) = default;
};

/// All HA options, with Flink's defaults.
struct ha_options
{
    /// `high-availability.type` (deprecated: `recovery.mode`, `high-availability`).
    ha_mode mode = ha_mode::none;
    /// The factory class name when mode == ha_mode::factory (as written), else empty.
    std::string factory_class;
    /// `high-availability.cluster-id` (deprecated: `high-availability.zookeeper.path.namespace`,
    /// `recovery.zookeeper.path.namespace`): separates clusters sharing ZooKeeper and storage.
    std::string cluster_id = "/default";
    /// `high-availability.storageDir` (deprecated: `high-availability.zookeeper.storageDir`,
    /// `recovery.zookeeper.storageDir`): a path or URI; required for every HA mode.
    std::optional<std::string> storage_dir;
    /// `high-availability.jobmanager.port` (deprecated: `recovery.jobmanager.port`): "0" (any
    /// free port), a port, a range "50100-50200", or a comma-separated list of those.
    std::string jobmanager_port = "0";
    zookeeper_options zookeeper;
    job_result_store_options job_result_store;
    standalone_options standalone;
    /// Deprecated keys whose values were used (new key absent), in the order read, so callers
    /// can warn "use <new key> instead".
    std::vector<std::string> deprecated_keys_used;
    /// Keys present in the configuration that no longer have any effect (removed in Flink 1.15,
    /// e.g. `high-availability.zookeeper.path.latch`, `high-availability.job.delay`).
    std::vector<std::string> ineffective_keys;

    /// True for every mode except none.
    bool is_high_availability() const noexcept { return mode != ha_mode::none; }

    friend bool operator==(const ha_options&, const ha_options&) = default;
};

namespace detail {

constexpr bool is_space(char c) noexcept
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

constexpr std::string_view trim(std::string_view s) noexcept
{
    while (!s.empty() && is_space(s.front()))
        s.remove_prefix(1);
    while (!s.empty() && is_space(s.back()))
        s.remove_suffix(1);
    return s;
}

constexpr char ascii_lower(char c) noexcept
{
    return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c;
}

constexpr bool is_digit(char c) noexcept
{
    return c >= '0' && c <= '9';
}

inline std::string ascii_to_lower(std::string_view s)
{
    std::string out(s);
    for (char& c : out)
        c = ascii_lower(c);
    return out;
}

constexpr bool iequals(std::string_view a, std::string_view b) noexcept
{
    if (a.size() != b.size())
        return false;
    for (std::size_t i = 0; i < a.size(); ++i)
    {
        if (ascii_lower(a[i]) != ascii_lower(b[i]))
            return false;
    }
    return true;
}

inline std::string single_quoted(std::string_view s)
{
    std::string out;
    out.reserve(s.size() + 2);
    out += '\'';
    out += s;
    out += '\'';
    return out;
}

inline error_code fail(diagnostics& diag, std::string message)
{
    diag.assign(std::move(message));
    return errc::invalid_config;
}

/// Parses an optionally signed decimal integer (Java's Integer.parseInt syntax) into int64.
inline std::optional<std::int64_t> parse_int64(std::string_view s) noexcept
{
    bool negative = false;
    if (!s.empty() && (s.front() == '+' || s.front() == '-'))
    {
        negative = s.front() == '-';
        s.remove_prefix(1);
    }
    if (s.empty())
        return std::nullopt;
    // Accumulate as a negative number so that INT64_MIN is representable.
    std::int64_t value = 0;
    constexpr std::int64_t min = std::numeric_limits<std::int64_t>::min();
    for (char c : s)
    {
        if (!is_digit(c))
            return std::nullopt;
        const int digit = c - '0';
        if (value < (min + digit) / 10)
            return std::nullopt;
        value = value * 10 - digit;
    }
    if (!negative)
    {
        if (value == min)
            return std::nullopt;
        value = -value;
    }
    return value;
}

/// Flink's StructuredOptionsSplitter.splitEscaped (current form): splits on `delimiter`; a part
/// may be quoted with ' or " (a doubled quote inside is a literal quote); a quoted part must be
/// followed by the delimiter or the end; unquoted parts are trimmed; empty parts only appear
/// between two adjacent delimiters. On error returns nullopt and sets `why`.
inline std::optional<std::vector<std::string>> split_escaped(
    std::string_view s, char delimiter, std::string& why
)
{
    enum class kind
    {
        quoted,
        unquoted,
        delimiter
    };
    struct token
    {
        kind k;
        std::string text;
        std::size_t position;
    };
    std::vector<token> tokens;
    for (std::size_t cursor = 0; cursor < s.size();)
    {
        const char c = s[cursor];
        std::size_t next = cursor + 1;
        if (c == '\'' || c == '"')
        {
            std::string text;
            bool closed = false;
            std::size_t i = cursor + 1;
            for (; i < s.size(); ++i)
            {
                if (s[i] != c)
                {
                    text += s[i];
                }
                else if (i + 1 < s.size() && s[i + 1] == c)
                {
                    text += c;
                    ++i;
                }
                else
                {
                    closed = true;
                    break;
                }
            }
            if (!closed)
            {
                why = "quoting was not closed properly";
                return std::nullopt;
            }
            next = i + 1;
            tokens.push_back(token{kind::quoted, std::move(text), cursor});
        }
        else if (c == delimiter)
        {
            tokens.push_back(token{kind::delimiter, {}, cursor});
        }
        else if (!is_space(c))
        {
            std::size_t i = cursor;
            while (i < s.size() && s[i] != delimiter)
                ++i;
            tokens.push_back(token{kind::unquoted, std::string(trim(s.substr(cursor, i - cursor))), cursor});
            next = i;
        }
        cursor = next;
    }

    std::vector<std::string> splits;
    for (std::size_t i = 0; i < tokens.size(); ++i)
    {
        switch (tokens[i].k)
        {
            case kind::quoted:
                if (i + 1 < tokens.size() && tokens[i + 1].k != kind::delimiter)
                {
                    why = "illegal quoting at position " + std::to_string(tokens[i + 1].position - 1);
                    return std::nullopt;
                }
                splits.push_back(std::move(tokens[i].text));
                break;
            case kind::unquoted:
                splits.push_back(std::move(tokens[i].text));
                break;
            case kind::delimiter:
                if (i + 1 < tokens.size() && tokens[i + 1].k == kind::delimiter)
                    splits.emplace_back();
                break;
        }
    }
    return splits;
}

/// Flink's map syntax (ConfigurationUtils.convertToProperties): `k1:v1,k2:v2` split with
/// split_escaped, first on ',' then each item on ':' into exactly two parts; duplicate keys are
/// an error (Collectors.toMap throws in Flink).
inline std::optional<std::map<std::string, std::string, std::less<>>> parse_flink_map(
    std::string_view s, std::string& why
)
{
    auto items = split_escaped(s, ',', why);
    if (!items)
        return std::nullopt;
    std::map<std::string, std::string, std::less<>> out;
    for (const std::string& item : *items)
    {
        auto pair = split_escaped(item, ':', why);
        if (!pair)
            return std::nullopt;
        if (pair->size() != 2)
        {
            why = "map item " + single_quoted(item) +
                  " is not a key-value pair (missing ':'? quote values containing ':')";
            return std::nullopt;
        }
        if (!out.emplace(std::move((*pair)[0]), std::move((*pair)[1])).second)
        {
            why = "duplicate key " + single_quoted(item.substr(0, item.find(':')));
            return std::nullopt;
        }
    }
    return out;
}

/// An IPv6 literal (RFC 4291 text forms, including `::` and a trailing dotted IPv4 part, no scope
/// id) as eight 16-bit groups.
inline std::optional<std::array<std::uint16_t, 8>> parse_ipv6(std::string_view s) noexcept
{
    std::array<std::uint16_t, 8> head{};
    std::array<std::uint16_t, 8> tail{};
    std::size_t head_count = 0;
    std::size_t tail_count = 0;
    bool compressed = false;
    auto push = [&](std::uint16_t group) {
        if (head_count + tail_count >= 8)
            return false;
        if (compressed)
            tail[tail_count++] = group;
        else
            head[head_count++] = group;
        return true;
    };

    if (s.size() < 2)
        return std::nullopt;
    std::size_t i = 0;
    if (s.substr(0, 2) == "::")
    {
        compressed = true;
        i = 2;
    }
    else if (s.front() == ':')
    {
        return std::nullopt;
    }
    while (i < s.size())
    {
        const std::size_t end = std::min(s.find(':', i), s.size());
        const std::string_view group = s.substr(i, end - i);
        if (group.find('.') != std::string_view::npos)
        {
            // Dotted IPv4 tail: must be last, four decimal octets.
            if (end != s.size())
                return std::nullopt;
            std::array<std::uint32_t, 4> octets{};
            std::size_t n = 0;
            std::size_t start = 0;
            while (true)
            {
                const std::size_t dot = std::min(group.find('.', start), group.size());
                const std::string_view part = group.substr(start, dot - start);
                if (n == 4 || part.empty() || part.size() > 3)
                    return std::nullopt;
                std::uint32_t value = 0;
                for (char c : part)
                {
                    if (!is_digit(c))
                        return std::nullopt;
                    value = value * 10 + static_cast<std::uint32_t>(c - '0');
                }
                if (value > 255)
                    return std::nullopt;
                octets[n++] = value;
                if (dot == group.size())
                    break;
                start = dot + 1;
            }
            if (n != 4 || !push(static_cast<std::uint16_t>(octets[0] << 8 | octets[1])) ||
                !push(static_cast<std::uint16_t>(octets[2] << 8 | octets[3])))
                return std::nullopt;
            i = s.size();
            break;
        }
        if (group.empty() || group.size() > 4)
            return std::nullopt;
        std::uint32_t value = 0;
        for (char c : group)
        {
            const char l = ascii_lower(c);
            std::uint32_t digit = 0;
            if (is_digit(l))
                digit = static_cast<std::uint32_t>(l - '0');
            else if (l >= 'a' && l <= 'f')
                digit = static_cast<std::uint32_t>(l - 'a' + 10);
            else
                return std::nullopt;
            value = value * 16 + digit;
        }
        if (!push(static_cast<std::uint16_t>(value)))
            return std::nullopt;
        if (end == s.size())
            break;
        if (end + 1 < s.size() && s[end + 1] == ':')
        {
            if (compressed)
                return std::nullopt;
            compressed = true;
            i = end + 2;
        }
        else
        {
            i = end + 1;
            if (i == s.size())
                return std::nullopt;  // trailing single ':'
        }
    }
    const std::size_t count = head_count + tail_count;
    if (compressed ? count > 7 : count != 8)
        return std::nullopt;
    std::array<std::uint16_t, 8> out{};
    for (std::size_t k = 0; k < head_count; ++k)
        out[k] = head[k];
    for (std::size_t k = 0; k < tail_count; ++k)
        out[8 - tail_count + k] = tail[k];
    return out;
}

/// Flink's NetUtils.getIPv6UrlRepresentation: `[a:b::c]`, lower-case hex without leading zeros,
/// the first longest run of at least two zero groups compressed.
inline std::string ipv6_url_representation(const std::array<std::uint16_t, 8>& groups)
{
    int best_start = -1;
    int best_length = -1;
    int run_start = -1;
    for (int i = 0; i <= 8; ++i)
    {
        if (i < 8 && groups[static_cast<std::size_t>(i)] == 0)
        {
            if (run_start < 0)
                run_start = i;
        }
        else if (run_start >= 0)
        {
            if (i - run_start > best_length)
            {
                best_start = run_start;
                best_length = i - run_start;
            }
            run_start = -1;
        }
    }
    if (best_length < 2)
        best_start = -1;
    static constexpr char hex[] = "0123456789abcdef";
    std::string out = "[";
    bool last_was_number = false;
    for (int i = 0; i < 8; ++i)
    {
        const bool is_number = best_start < 0 || i < best_start || i >= best_start + best_length;
        if (is_number)
        {
            if (last_was_number)
                out += ':';
            const std::uint16_t g = groups[static_cast<std::size_t>(i)];
            bool started = false;
            for (int shift = 12; shift >= 0; shift -= 4)
            {
                const unsigned nibble = (g >> shift) & 0xFu;
                if (nibble != 0 || started || shift == 0)
                {
                    out += hex[nibble];
                    started = true;
                }
            }
        }
        else if (i == 0 || last_was_number)
        {
            out += "::";
        }
        last_was_number = is_number;
    }
    out += ']';
    return out;
}

/// Flink's NetUtils.unresolvedHostToNormalizedString: trimmed and lower-cased; `[v6]` unwrapped
/// and every IPv6 literal rewritten as `[normalized]`; a host name may not start or end with '.'
/// or contain ':'. hakit also rejects a blank host (Flink would build `flink@:6123`).
inline std::optional<std::string> normalize_host(std::string_view host, std::string& why)
{
    std::string h = ascii_to_lower(trim(host));
    if (h.empty())
    {
        why = "blank host";
        return std::nullopt;
    }
    if (h.size() >= 2 && h.front() == '[' && h.back() == ']')
    {
        const std::string inner = h.substr(1, h.size() - 2);
        if (parse_ipv6(inner))
            h = inner;
    }
    if (auto v6 = parse_ipv6(h))
        return ipv6_url_representation(*v6);
    if (h.front() == '.' || h.back() == '.' || h.find(':') != std::string::npos)
    {
        why = "not a valid host name";
        return std::nullopt;
    }
    return h;
}

/// Validates a Flink port list (NetUtils.getPortRangeFromString): comma-separated entries, each a
/// port or `start-end`, every port 0..65535. hakit also rejects an empty range (start > end).
inline bool valid_port_ranges(std::string_view s, std::string& why)
{
    auto valid_port = [&](std::string_view p) {
        auto v = parse_int64(p);
        if (!v || *v < 0 || *v > 65535)
        {
            why = "invalid port " + single_quoted(p) + " (must be 0..65535)";
            return std::optional<std::int64_t>();
        }
        return v;
    };
    s = trim(s);
    std::size_t start = 0;
    while (true)
    {
        const std::size_t comma = std::min(s.find(',', start), s.size());
        const std::string_view range = trim(s.substr(start, comma - start));
        const std::size_t dash = range.find('-');
        if (dash == std::string_view::npos)
        {
            if (!valid_port(range))
                return false;
        }
        else
        {
            auto first = valid_port(range.substr(0, dash));
            if (!first)
                return false;
            auto last = valid_port(range.substr(dash + 1));
            if (!last)
                return false;
            if (*first > *last)
            {
                why = "empty port range " + single_quoted(range);
                return false;
            }
        }
        if (comma == s.size())
            return true;
        start = comma + 1;
    }
}

/// Checks the segments of a ZooKeeper path: no "." or ".." element, no control character.
inline bool valid_zookeeper_path_segments(std::string_view path, std::string& why)
{
    std::size_t start = 0;
    while (start <= path.size())
    {
        const std::size_t slash = std::min(path.find('/', start), path.size());
        const std::string_view segment = path.substr(start, slash - start);
        if (segment == "." || segment == "..")
        {
            why = "ZooKeeper paths may not contain a " + single_quoted(segment) + " element";
            return false;
        }
        for (char c : segment)
        {
            const auto u = static_cast<unsigned char>(c);
            if (u < 0x20 || u == 0x7f)
            {
                why = "ZooKeeper paths may not contain control characters";
                return false;
            }
        }
        start = slash + 1;
    }
    return true;
}

/// `base` joined with the '/'-separated segments of each part, dropping empty segments: one '/'
/// between base and the rest, none added when base already ends with '/'.
inline std::string join_storage_path(std::string_view base, std::initializer_list<std::string_view> parts)
{
    std::string out(base);
    for (std::string_view part : parts)
    {
        std::size_t start = 0;
        while (start <= part.size())
        {
            const std::size_t slash = std::min(part.find('/', start), part.size());
            const std::string_view segment = part.substr(start, slash - start);
            if (!segment.empty())
            {
                if (!out.empty() && out.back() != '/')
                    out += '/';
                out += segment;
            }
            start = slash + 1;
        }
    }
    return out;
}

/// A value found in the configuration and the key it was found under.
struct found_option
{
    std::string_view key;
    std::string_view value;
};

/// Reads options from a config_map with Flink's precedence: the key itself, then its deprecated
/// keys in declaration order; records deprecated keys that supplied a value.
class option_reader
{
public:
    option_reader(const config_map& config, diagnostics& diag, std::vector<std::string>& deprecated_used)
        : config_(config)
        , diag_(diag)
        , deprecated_used_(deprecated_used)
    {}

    std::optional<found_option> find(
        std::string_view key, std::initializer_list<std::string_view> deprecated = {}
    )
    {
        if (auto it = config_.find(key); it != config_.end())
            return found_option{it->first, it->second};
        for (std::string_view old_key : deprecated)
        {
            if (auto it = config_.find(old_key); it != config_.end())
            {
                deprecated_used_.emplace_back(old_key);
                return found_option{it->first, it->second};
            }
        }
        return std::nullopt;
    }

    error_code fail(const found_option& opt, std::string_view problem)
    {
        return detail::fail(
            diag_, std::string(opt.key) + ": " + std::string(problem) + " " + single_quoted(opt.value)
        );
    }

    error_code fail(const found_option& opt, std::string_view problem, std::string_view why)
    {
        return detail::fail(
            diag_,
            std::string(opt.key) + ": " + std::string(problem) + " " + single_quoted(opt.value) + ": " +
                std::string(why)
        );
    }

    result<std::optional<std::string>> string(
        std::string_view key, std::initializer_list<std::string_view> deprecated = {}
    )
    {
        if (auto opt = find(key, deprecated))
            return std::optional<std::string>(std::string(opt->value));
        return std::optional<std::string>();
    }

    /// Like Flink's convertToBoolean: "true" or "false", case-insensitive.
    result<std::optional<bool>> boolean(
        std::string_view key, std::initializer_list<std::string_view> deprecated = {}
    )
    {
        auto opt = find(key, deprecated);
        if (!opt)
            return std::optional<bool>();
        if (iequals(opt->value, "true"))
            return std::optional<bool>(true);
        if (iequals(opt->value, "false"))
            return std::optional<bool>(false);
        return fail(*opt, "invalid boolean", "expected true or false");
    }

    result<std::optional<int>> integer(
        std::string_view key,
        std::initializer_list<std::string_view> deprecated,
        std::int64_t min,
        std::int64_t max
    )
    {
        auto opt = find(key, deprecated);
        if (!opt)
            return std::optional<int>();
        auto value = parse_int64(opt->value);
        if (!value || *value < std::numeric_limits<int>::min() || *value > std::numeric_limits<int>::max())
            return fail(*opt, "invalid integer");
        if (*value < min || *value > max)
        {
            return fail(
                *opt,
                "value out of range",
                "must be in [" + std::to_string(min) + ", " + std::to_string(max) + "]"
            );
        }
        return std::optional<int>(static_cast<int>(*value));
    }

    result<std::optional<std::uint16_t>> port(
        std::string_view key, std::initializer_list<std::string_view> deprecated = {}
    )
    {
        BOOST_OUTCOME_TRY(auto value, integer(key, deprecated, 1, 65535));
        if (!value)
            return std::optional<std::uint16_t>();
        return std::optional<std::uint16_t>(static_cast<std::uint16_t>(*value));
    }

    /// A millisecond option that Flink 1.x reads as an int and 2.x as a Duration: plain numbers
    /// are milliseconds; the result must be >= 0 and fit in an int of milliseconds.
    result<std::optional<std::chrono::milliseconds>> millis(
        std::string_view key, std::initializer_list<std::string_view> deprecated = {}
    );

    result<std::optional<std::map<std::string, std::string, std::less<>>>> string_map(std::string_view key);

private:
    const config_map& config_;
    diagnostics& diag_;
    std::vector<std::string>& deprecated_used_;
};

}  // namespace detail

/// Parses a Flink duration (TimeUtils.parseDuration): digits, optional whitespace, optional
/// unit, case-insensitive; no unit means milliseconds. Units: `d`/`day(s)`, `h`/`hour(s)`,
/// `min`/`m`/`minute(s)`, `s`/`sec(s)`/`second(s)`, `ms`/`milli(s)`/`millisecond(s)`,
/// `µs`/`micro(s)`/`microsecond(s)` (hakit also accepts `us` and Greek `μs`), `ns`/`nano(s)`/
/// `nanosecond(s)`. No sign, no fraction. Durations beyond ±292 years (int64 ns) are rejected.
/// On error returns errc::invalid_config and says why in `diag`.
inline result<std::chrono::nanoseconds> parse_duration(std::string_view text, diagnostics& diag)
{
    diag.clear();
    const std::string_view trimmed = detail::trim(text);
    if (trimmed.empty())
        return detail::fail(diag, "empty duration");
    std::size_t pos = 0;
    while (pos < trimmed.size() && detail::is_digit(trimmed[pos]))
        ++pos;
    if (pos == 0)
        return detail::fail(diag, "text does not start with a number");
    const auto number = detail::parse_int64(trimmed.substr(0, pos));
    if (!number)
        return detail::fail(
            diag, "number " + detail::single_quoted(trimmed.substr(0, pos)) + " is too large"
        );
    const std::string unit = detail::ascii_to_lower(detail::trim(trimmed.substr(pos)));

    struct unit_entry
    {
        std::string_view label;
        std::int64_t nanos;
    };
    static constexpr std::int64_t us = 1'000;
    static constexpr std::int64_t ms = 1'000'000;
    static constexpr std::int64_t s = 1'000'000'000;
    static constexpr std::array<unit_entry, 33> units{{
        {"d", 86'400 * s},
        {"day", 86'400 * s},
        {"days", 86'400 * s},
        {"h", 3'600 * s},
        {"hour", 3'600 * s},
        {"hours", 3'600 * s},
        {"min", 60 * s},
        {"m", 60 * s},
        {"minute", 60 * s},
        {"minutes", 60 * s},
        {"s", s},
        {"sec", s},
        {"secs", s},
        {"second", s},
        {"seconds", s},
        {"ms", ms},
        {"milli", ms},
        {"millis", ms},
        {"millisecond", ms},
        {"milliseconds", ms},
        {"\xC2\xB5s", us},  // µs, U+00B5 MICRO SIGN (Flink's label)
        {"\xCE\xBCs", us},  // μs, U+03BC GREEK SMALL LETTER MU
        {"us", us},
        {"micro", us},
        {"micros", us},
        {"microsecond", us},
        {"microseconds", us},
        {"ns", 1},
        {"nano", 1},
        {"nanos", 1},
        {"nanosecond", 1},
        {"nanoseconds", 1},
        {"", ms},  // no unit: milliseconds
    }};
    for (const unit_entry& entry : units)
    {
        if (entry.label != unit)
            continue;
        if (*number > std::numeric_limits<std::int64_t>::max() / entry.nanos)
            return detail::fail(diag, "duration is too large");
        return std::chrono::nanoseconds(*number * entry.nanos);
    }
    return detail::fail(
        diag,
        "unknown time unit " + detail::single_quoted(unit) +
            " (expected d, h, min, m, s, ms, us, µs, ns or their long names)"
    );
}

inline result<std::optional<std::chrono::milliseconds>> detail::option_reader::millis(
    std::string_view key, std::initializer_list<std::string_view> deprecated
)
{
    auto opt = find(key, deprecated);
    if (!opt)
        return std::optional<std::chrono::milliseconds>();
    const std::string_view value = trim(opt->value);
    if (value.size() > 1 && value.front() == '-' && is_digit(value[1]))
        return fail(*opt, "negative duration", "must be >= 0");
    diagnostics why;
    auto parsed = parse_duration(value, why);
    if (!parsed)
        return fail(*opt, "invalid duration", why.message());
    const auto millis = std::chrono::duration_cast<std::chrono::milliseconds>(parsed.value());
    if (millis.count() > std::numeric_limits<int>::max())
        return fail(*opt, "duration out of range", "must be at most 2147483647 ms");
    return std::optional<std::chrono::milliseconds>(millis);
}

inline result<std::optional<std::map<std::string, std::string, std::less<>>>>
detail::option_reader::string_map(std::string_view key)
{
    using map_type = std::map<std::string, std::string, std::less<>>;
    // Exact key: Flink map syntax.
    if (auto opt = find(key))
    {
        std::string why;
        auto parsed = parse_flink_map(opt->value, why);
        if (!parsed)
            return fail(*opt, "invalid map", why);
        for (const auto& [k, v] : *parsed)
        {
            if (k.empty())
                return fail(*opt, "invalid map", "empty key");
        }
        return std::optional<map_type>(std::move(*parsed));
    }
    // Prefix form (Flink's convertToPropertiesPrefixed): `<key>.<map key>: <value>`.
    const std::string prefix = std::string(key) + '.';
    map_type out;
    for (auto it = config_.lower_bound(prefix); it != config_.end() && it->first.starts_with(prefix); ++it)
    {
        const std::string map_key = it->first.substr(prefix.size());
        if (map_key.empty())
            return fail(found_option{it->first, it->second}, "invalid map entry", "empty key");
        out.emplace(map_key, it->second);
    }
    if (out.empty())
        return std::optional<map_type>();
    return std::optional<map_type>(std::move(out));
}

/// Parses Flink's legacy configuration text (GlobalConfiguration's flink-conf.yaml rules), no YAML
/// nesting: one `key: value` per line; everything from the first '#' on a line is a comment;
/// blank lines are skipped; the first ':' separates key and value, both trimmed (so values such
/// as `zk1:2181,zk2:2181` or `hdfs:///ha` keep their colons); an empty value is kept as ""; a
/// later duplicate key wins; a leading UTF-8 BOM and CR line ends are accepted.
/// Unlike Flink, which logs and skips them, a non-blank line without ':' or with an empty key is
/// an error: errc::invalid_config, and `diag` names the line number.
inline result<config_map> parse_config_text(std::string_view text, diagnostics& diag)
{
    diag.clear();
    if (text.substr(0, 3) == "\xEF\xBB\xBF")
        text.remove_prefix(3);
    config_map config;
    std::size_t line_number = 0;
    while (!text.empty())
    {
        ++line_number;
        const std::size_t newline = text.find('\n');
        const std::string_view line = text.substr(0, newline);
        text = newline == std::string_view::npos ? std::string_view() : text.substr(newline + 1);

        const std::string_view content = detail::trim(line.substr(0, line.find('#')));
        if (content.empty())
            continue;
        const std::size_t colon = content.find(':');
        if (colon == std::string_view::npos)
        {
            return detail::fail(
                diag,
                "line " + std::to_string(line_number) + ": expected 'key: value', found " +
                    detail::single_quoted(content)
            );
        }
        const std::string_view key = detail::trim(content.substr(0, colon));
        if (key.empty())
        {
            return detail::fail(
                diag,
                "line " + std::to_string(line_number) + ": empty key in " + detail::single_quoted(content)
            );
        }
        config.insert_or_assign(std::string(key), std::string(detail::trim(content.substr(colon + 1))));
    }
    return config;
}

/// Reads a file and parses it with parse_config_text. I/O errors are returned as the system's
/// error code (e.g. no_such_file_or_directory); files over 16 MiB are rejected as invalid_config.
/// `diag` starts with the path.
inline result<config_map> load_config_file(const std::filesystem::path& path, diagnostics& diag)
{
    diag.clear();
    static constexpr std::size_t max_size = 16u << 20;
    const std::string where = path.string();
    errno = 0;
    std::FILE* file = std::fopen(where.c_str(), "rb");
    if (file == nullptr)
    {
        const int err = errno != 0 ? errno : EIO;
        const error_code ec(err, boost::system::generic_category());
        diag.assign(where + ": cannot open: " + ec.message());
        return ec;
    }
    std::string text;
    std::array<char, 8192> buffer;
    bool too_large = false;
    int read_error = 0;
    while (true)
    {
        errno = 0;
        const std::size_t n = std::fread(buffer.data(), 1, buffer.size(), file);
        text.append(buffer.data(), n);
        if (text.size() > max_size)
        {
            too_large = true;
            break;
        }
        if (n < buffer.size())
        {
            if (std::ferror(file))
                read_error = errno != 0 ? errno : EIO;
            break;
        }
    }
    std::fclose(file);
    if (read_error != 0)
    {
        const error_code ec(read_error, boost::system::generic_category());
        diag.assign(where + ": cannot read: " + ec.message());
        return ec;
    }
    if (too_large)
        return detail::fail(diag, where + ": file is larger than 16 MiB");
    auto config = parse_config_text(text, diag);
    if (!config)
        diag.assign(where + ": " + diag.message());
    return config;
}

/// Joins ZooKeeper path parts like Flink's ZooKeeperUtils.generateZookeeperPath: every part is
/// split on '/', empty segments are dropped (leading, trailing and repeated slashes vanish) and the
/// rest joined with one '/' behind a leading '/'. No parts or only slashes give "/".
/// Flink's Curator namespace is this without the leading '/'; hakit keeps it because it addresses
/// nodes by absolute path. Unlike Flink, a '//' inside one part is collapsed too (Curator would
/// reject it).
inline std::string zookeeper_path_join(std::initializer_list<std::string_view> parts)
{
    std::string out = detail::join_storage_path("/", parts);
    return out;
}

/// The ZooKeeper node all of a cluster's HA data lives under: `<path.root>/<cluster-id>`,
/// "/flink/default" by default.
inline std::string zookeeper_namespace(const ha_options& options)
{
    return zookeeper_path_join({options.zookeeper.root, options.cluster_id});
}

/// Flink's getClusterHighAvailableStoragePath: `<storageDir>/<cluster-id>` with the cluster id's
/// slashes trimmed (`hdfs:///ha` + `/default` -> `hdfs:///ha/default`). Works on URIs as text.
inline std::filesystem::path cluster_storage_path(std::string_view storage_dir, std::string_view cluster_id)
{
    return std::filesystem::path(detail::join_storage_path(storage_dir, {cluster_id}));
}

/// cluster_storage_path of the options; nullopt when no storageDir is configured.
inline std::optional<std::filesystem::path> cluster_storage_path(const ha_options& options)
{
    if (!options.storage_dir)
        return std::nullopt;
    return cluster_storage_path(*options.storage_dir, options.cluster_id);
}

/// Where the job result store keeps its files: `job-result-store.storage-path` if set, else
/// Flink's default `<storageDir>/job-result-store/<cluster-id>`; nullopt when neither is
/// configured.
inline std::optional<std::filesystem::path> job_result_store_path(const ha_options& options)
{
    if (options.job_result_store.storage_path)
        return std::filesystem::path(*options.job_result_store.storage_path);
    if (!options.storage_dir)
        return std::nullopt;
    return std::filesystem::path(
        detail::join_storage_path(*options.storage_dir, {"job-result-store", options.cluster_id})
    );
}

/// A local file-system path for a storage URI: `file:///x` and `file:/x` -> `/x`,
/// `file://localhost/x` -> `/x`, a plain path stays as it is; nullopt for any other scheme
/// (`hdfs://`, `s3://`, ...) or a file URI naming another host.
inline std::optional<std::filesystem::path> local_storage_path(std::string_view uri)
{
    if (uri.empty())
        return std::nullopt;
    if (detail::iequals(uri.substr(0, 5), "file:"))
    {
        std::string_view rest = uri.substr(5);
        if (rest.substr(0, 2) == "//")
        {
            rest.remove_prefix(2);
            const std::size_t slash = std::min(rest.find('/'), rest.size());
            const std::string_view authority = rest.substr(0, slash);
            if (!authority.empty() && !detail::iequals(authority, "localhost"))
                return std::nullopt;
            rest.remove_prefix(slash);
        }
        if (rest.empty())
            return std::nullopt;
        return std::filesystem::path(std::string(rest));
    }
    // A scheme is letters, digits, '+', '-', '.' before the first ':' and before any '/'.
    const std::size_t colon = uri.find(':');
    if (colon != std::string_view::npos && colon > 1 &&
        uri.substr(0, colon).find('/') == std::string_view::npos)
        return std::nullopt;
    return std::filesystem::path(std::string(uri));
}

/// The fixed addresses Flink's StandaloneHaServices gets from HighAvailabilityServicesUtils:
/// RPC URLs `pekko[.ssl].tcp://flink@<host>:<jobmanager.rpc.port>/user/rpc/<name>_*` for
/// `resourcemanager` and `dispatcher` (the RPC wildcard names; the host normalized as Flink's
/// NetUtils does: lower case, IPv6 in brackets) and the REST URL `http[s]://<rest host>:<rest.port>`
/// (the host as configured; hakit brackets a bare IPv6 literal, which Flink does not).
/// Flink >= 1.18 uses Pekko; older versions wrote `akka.tcp://`.
/// Errors (errc::invalid_config): `jobmanager.rpc.address` missing, blank or not a valid host;
/// `rest.address` blank.
inline result<standalone_leader_addresses> standalone_leader_addresses_of(
    const standalone_options& options, diagnostics& diag
)
{
    diag.clear();
    if (!options.rpc_address)
    {
        return detail::fail(
            diag, "jobmanager.rpc.address: missing (hostname/address of the JobManager, needed without HA)"
        );
    }
    std::string why;
    auto host = detail::normalize_host(*options.rpc_address, why);
    if (!host)
        return detail::fail(
            diag,
            "jobmanager.rpc.address: invalid address " + detail::single_quoted(*options.rpc_address) + ": " +
                why
        );
    const std::string rpc_prefix = std::string(options.rpc_ssl ? "pekko.ssl.tcp" : "pekko.tcp") +
                                   "://flink@" + *host + ':' + std::to_string(options.rpc_port) +
                                   "/user/rpc/";

    std::string rest_host(detail::trim(options.rest_address ? *options.rest_address : *options.rpc_address));
    if (rest_host.empty())
    {
        return detail::fail(
            diag,
            std::string(options.rest_address ? "rest.address" : "jobmanager.rpc.address") +
                ": blank address ''"
        );
    }
    if (rest_host.front() != '[' && detail::parse_ipv6(rest_host))
        rest_host = '[' + rest_host + ']';

    standalone_leader_addresses addresses;
    addresses.resource_manager = rpc_prefix + "resourcemanager_*";
    addresses.dispatcher = rpc_prefix + "dispatcher_*";
    addresses.rest_server = std::string(options.rest_ssl ? "https://" : "http://") + rest_host + ':' +
                            std::to_string(options.rest_port);
    return addresses;
}

/// Builds typed HA options from a configuration with Flink's keys, defaults and deprecated keys
/// (a key wins over its deprecated keys; among deprecated keys the first in Flink's declaration
/// order wins). Keys hakit does not know are ignored.
///
/// `high-availability.type` is case-insensitive: NONE (legacy `standalone` too), ZOOKEEPER,
/// KUBERNETES; any other non-blank value is a factory class name (ha_mode::factory), not an error.
///
/// `high-availability.zookeeper.client.authorization` uses Flink's map syntax, either
///   `high-availability.zookeeper.client.authorization: digest:'user:secret',ip:'127.0.0.1'`
/// (items split on ',' then on ':' into exactly two parts; quote a part containing ':' or ',' with
/// ' or ", double a quote to escape it; unquoted parts are trimmed), or one key per scheme:
///   `high-availability.zookeeper.client.authorization.digest: user:secret`
/// (used only when the key itself is absent, as Flink's prefix maps).
///
/// Errors (errc::invalid_config, `diag` = `<key>: <problem> '<value>'[: <why>]`): a bad duration,
/// integer or boolean; a negative or too large (> INT_MAX ms) duration; max-retry-attempts < 0;
/// simulated-session-expiration-percent outside 1..100 (Curator rejects 0); a port outside
/// 1..65535; a bad port list; an unknown acl; `acl: creator` with `zookeeper.sasl.disable: true`;
/// a malformed authorization map; a blank high-availability.type; a missing or blank storageDir
/// in any HA mode; a missing or blank quorum, or a ZooKeeper path with a "." / ".." element, in
/// ZooKeeper mode; an invalid `jobmanager.rpc.address` without HA. Values are checked in every
/// mode, so a typo is reported even where Flink would not read the key.
inline result<ha_options> parse_ha_options(const config_map& config, diagnostics& diag)
{
    diag.clear();
    ha_options opts;
    detail::option_reader reader(config, diag, opts.deprecated_keys_used);

    // --- mode, cluster id, storage, port -------------------------------------------------------
    std::optional<detail::found_option> mode_option =
        reader.find("high-availability.type", {"recovery.mode", "high-availability"});
    if (mode_option)
    {
        const std::string_view value = detail::trim(mode_option->value);
        if (value.empty())
            return reader.fail(
                *mode_option, "blank mode", "expected NONE, ZOOKEEPER, KUBERNETES or a factory class name"
            );
        if (detail::iequals(value, "none") || detail::iequals(value, "standalone"))
        {
            opts.mode = ha_mode::none;
        }
        else if (detail::iequals(value, "zookeeper"))
        {
            opts.mode = ha_mode::zookeeper;
        }
        else if (detail::iequals(value, "kubernetes"))
        {
            opts.mode = ha_mode::kubernetes;
        }
        else
        {
            opts.mode = ha_mode::factory;
            opts.factory_class = std::string(value);
        }
    }

    std::optional<detail::found_option> cluster_option = reader.find(
        "high-availability.cluster-id",
        {"high-availability.zookeeper.path.namespace", "recovery.zookeeper.path.namespace"}
    );
    if (cluster_option)
        opts.cluster_id = std::string(cluster_option->value);

    std::optional<detail::found_option> storage_option = reader.find(
        "high-availability.storageDir",
        {"high-availability.zookeeper.storageDir", "recovery.zookeeper.storageDir"}
    );
    if (storage_option)
        opts.storage_dir = std::string(storage_option->value);
    if (opts.is_high_availability())
    {
        if (!storage_option)
        {
            return detail::fail(
                diag,
                "high-availability.storageDir: missing; required when high-availability.type is " +
                    std::string(to_string(opts.mode))
            );
        }
        if (detail::trim(storage_option->value).empty())
            return reader.fail(*storage_option, "blank storage directory", "required in HA mode");
    }

    if (auto port = reader.find("high-availability.jobmanager.port", {"recovery.jobmanager.port"}))
    {
        std::string why;
        if (!detail::valid_port_ranges(port->value, why))
            return reader.fail(*port, "invalid port list", why);
        opts.jobmanager_port = std::string(detail::trim(port->value));
    }

    // --- ZooKeeper ------------------------------------------------------------------------------
    zookeeper_options& zk = opts.zookeeper;
    std::optional<detail::found_option> quorum_option =
        reader.find("high-availability.zookeeper.quorum", {"recovery.zookeeper.quorum"});
    if (quorum_option)
    {
        for (char c : quorum_option->value)
        {
            if (!detail::is_space(c))
                zk.quorum += c;
        }
    }
    if (opts.mode == ha_mode::zookeeper && zk.quorum.empty())
    {
        if (!quorum_option)
            return detail::fail(
                diag, "high-availability.zookeeper.quorum: missing; required in ZooKeeper mode"
            );
        return reader.fail(*quorum_option, "blank quorum", "required in ZooKeeper mode");
    }

    std::optional<detail::found_option> root_option =
        reader.find("high-availability.zookeeper.path.root", {"recovery.zookeeper.path.root"});
    if (root_option)
        zk.root = std::string(root_option->value);
    std::optional<detail::found_option> jobgraphs_option =
        reader.find("high-availability.zookeeper.path.jobgraphs", {"recovery.zookeeper.path.jobgraphs"});
    if (jobgraphs_option)
        zk.jobgraphs_path = std::string(jobgraphs_option->value);
    if (opts.mode == ha_mode::zookeeper)
    {
        for (const std::optional<detail::found_option>* path :
             {&root_option, &jobgraphs_option, &cluster_option})
        {
            std::string why;
            if (*path && !detail::valid_zookeeper_path_segments((*path)->value, why))
                return reader.fail(**path, "invalid ZooKeeper path", why);
        }
    }

    BOOST_OUTCOME_TRY(
        auto session_timeout,
        reader.millis(
            "high-availability.zookeeper.client.session-timeout",
            {"recovery.zookeeper.client.session-timeout"}
        )
    );
    if (session_timeout)
        zk.session_timeout = *session_timeout;
    BOOST_OUTCOME_TRY(
        auto connection_timeout,
        reader.millis(
            "high-availability.zookeeper.client.connection-timeout",
            {"recovery.zookeeper.client.connection-timeout"}
        )
    );
    if (connection_timeout)
        zk.connection_timeout = *connection_timeout;
    BOOST_OUTCOME_TRY(
        auto retry_wait,
        reader.millis(
            "high-availability.zookeeper.client.retry-wait", {"recovery.zookeeper.client.retry-wait"}
        )
    );
    if (retry_wait)
        zk.retry_wait = *retry_wait;
    BOOST_OUTCOME_TRY(
        auto max_retry,
        reader.integer(
            "high-availability.zookeeper.client.max-retry-attempts",
            {"recovery.zookeeper.client.max-retry-attempts"},
            0,
            std::numeric_limits<int>::max()
        )
    );
    if (max_retry)
        zk.max_retry_attempts = *max_retry;

    if (auto acl = reader.find("high-availability.zookeeper.client.acl"))
    {
        if (detail::iequals(acl->value, "open"))
            zk.acl = zookeeper_acl::open;
        else if (detail::iequals(acl->value, "creator"))
            zk.acl = zookeeper_acl::creator;
        else
            return reader.fail(*acl, "unsupported ACL", "expected open or creator");
    }
    BOOST_OUTCOME_TRY(
        auto tolerate, reader.boolean("high-availability.zookeeper.client.tolerate-suspended-connections")
    );
    if (tolerate)
        zk.tolerate_suspended_connections = *tolerate;
    BOOST_OUTCOME_TRY(auto tracker, reader.boolean("high-availability.zookeeper.client.ensemble-tracker"));
    if (tracker)
        zk.ensemble_tracker = *tracker;
    BOOST_OUTCOME_TRY(
        auto authorization, reader.string_map("high-availability.zookeeper.client.authorization")
    );
    if (authorization)
        zk.authorization = std::move(*authorization);
    BOOST_OUTCOME_TRY(auto close_wait, reader.millis("high-availability.zookeeper.client.max-close-wait"));
    zk.max_close_wait = close_wait;
    BOOST_OUTCOME_TRY(
        auto percent,
        reader.integer("high-availability.zookeeper.client.simulated-session-expiration-percent", {}, 1, 100)
    );
    zk.simulated_session_expiration_percent = percent;

    BOOST_OUTCOME_TRY(auto sasl_disable, reader.boolean("zookeeper.sasl.disable"));
    if (sasl_disable)
        zk.sasl_disable = *sasl_disable;
    BOOST_OUTCOME_TRY(auto service_name, reader.string("zookeeper.sasl.service-name"));
    if (service_name)
        zk.sasl_service_name = std::move(*service_name);
    BOOST_OUTCOME_TRY(auto login_context, reader.string("zookeeper.sasl.login-context-name"));
    if (login_context)
        zk.sasl_login_context_name = std::move(*login_context);
    if (zk.acl == zookeeper_acl::creator && zk.sasl_disable)
    {
        return detail::fail(
            diag,
            "high-availability.zookeeper.client.acl: 'creator' cannot be used since SASL authentication is "
            "disabled through zookeeper.sasl.disable"
        );
    }

    // --- job result store ------------------------------------------------------------------------
    if (auto path = reader.find("job-result-store.storage-path"))
    {
        if (detail::trim(path->value).empty())
            return reader.fail(*path, "blank storage path");
        opts.job_result_store.storage_path = std::string(path->value);
    }
    BOOST_OUTCOME_TRY(auto delete_on_commit, reader.boolean("job-result-store.delete-on-commit"));
    if (delete_on_commit)
        opts.job_result_store.delete_on_commit = *delete_on_commit;

    // --- standalone (no HA) addresses --------------------------------------------------------------
    standalone_options& sa = opts.standalone;
    BOOST_OUTCOME_TRY(auto rpc_address, reader.string("jobmanager.rpc.address"));
    sa.rpc_address = std::move(rpc_address);
    BOOST_OUTCOME_TRY(auto rpc_port, reader.port("jobmanager.rpc.port"));
    if (rpc_port)
        sa.rpc_port = *rpc_port;
    BOOST_OUTCOME_TRY(auto rest_address, reader.string("rest.address"));
    sa.rest_address = std::move(rest_address);
    BOOST_OUTCOME_TRY(auto rest_port, reader.port("rest.port"));
    if (rest_port)
        sa.rest_port = *rest_port;
    BOOST_OUTCOME_TRY(auto ssl_enabled, reader.boolean("security.ssl.enabled"));
    BOOST_OUTCOME_TRY(auto ssl_internal, reader.boolean("security.ssl.internal.enabled"));
    BOOST_OUTCOME_TRY(auto ssl_rest, reader.boolean("security.ssl.rest.enabled"));
    BOOST_OUTCOME_TRY(auto pekko_ssl, reader.boolean("pekko.ssl.enabled", {"akka.ssl.enabled"}));
    if (ssl_enabled && (!ssl_internal || !ssl_rest))
        opts.deprecated_keys_used.emplace_back("security.ssl.enabled");
    sa.rpc_ssl = pekko_ssl.value_or(true) && ssl_internal.value_or(ssl_enabled.value_or(false));
    sa.rest_ssl = ssl_rest.value_or(ssl_enabled.value_or(false));
    if (opts.mode == ha_mode::none && (sa.rpc_address || sa.rest_address))
    {
        // Report a bad address now rather than when the standalone services start.
        if (sa.rpc_address)
        {
            BOOST_OUTCOME_TRYV(standalone_leader_addresses_of(sa, diag));
        }
        else if (detail::trim(*sa.rest_address).empty())
        {
            return detail::fail(diag, "rest.address: blank address ''");
        }
    }

    // --- keys without effect -----------------------------------------------------------------------
    static constexpr std::array<std::string_view, 13> ineffective{
        "high-availability.job.delay",
        "recovery.job.delay",
        "high-availability.zookeeper.path.running-registry",
        "high-availability.zookeeper.path.latch",
        "recovery.zookeeper.path.latch",
        "high-availability.zookeeper.path.leader",
        "recovery.zookeeper.path.leader",
        "high-availability.zookeeper.path.checkpoints",
        "recovery.zookeeper.path.checkpoints",
        "high-availability.zookeeper.path.checkpoint-counter",
        "recovery.zookeeper.path.checkpoint-counter",
        "high-availability.zookeeper.path.mesos-workers",
        "recovery.zookeeper.path.mesos-workers",
    };
    for (std::string_view key : ineffective)
    {
        if (config.find(key) != config.end())
            opts.ineffective_keys.emplace_back(key);
    }

    diag.clear();
    return opts;
}

/// parse_ha_options without diagnostics (the error code alone).
inline result<ha_options> parse_ha_options(const config_map& config)
{
    diagnostics diag;
    return parse_ha_options(config, diag);
}

/// load_config_file + parse_ha_options; `diag` starts with the path.
inline result<ha_options> ha_options_from_file(const std::filesystem::path& path, diagnostics& diag)
{
    BOOST_OUTCOME_TRY(auto config, load_config_file(path, diag));
    auto options = parse_ha_options(config, diag);
    if (!options)
        diag.assign(path.string() + ": " + diag.message());
    return options;
}

HAKIT_NAMESPACE_END

#endif
