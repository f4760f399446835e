// Copyright (c) 2026 hakit authors. Distributed under the Boost Software License, Version 1.0.
#ifndef HAKIT_ZK_CONNECT_STRING_HPP
#define HAKIT_ZK_CONNECT_STRING_HPP

#include <hakit/diagnostics.hpp>
#include <hakit/error.hpp>
#include <hakit/result.hpp>
#include <hakit/zk/path.hpp>

#include <hakit/detail/config.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

HAKIT_NAMESPACE_BEGIN

namespace zk {

/// The client port ZooKeeper listens on when a connect string names none.
inline constexpr std::uint16_t default_client_port = 2181;

/// One server of a connect string: a host name or IP address (IPv6 without its brackets) and a port.
struct host_port
{
    std::string host;
    std::uint16_t port = default_client_port;

    /// "host:port", or "[v6]:port" for an IPv6 address.
    std::string to_string() const
    {
        const bool v6 = host.find(':') != std::string::npos;
        return (v6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
    }

    friend bool operator==(const host_port&, const host_port&) = default;
};

/// A parsed connect string `host1:port1,host2:port2/chroot` (Java's `ConnectStringParser`).
struct connect_string
{
    /// The servers in the order written (the client shuffles them).
    std::vector<host_port> hosts;
    /// The namespace every path is relative to, e.g. "/app/ns"; empty for none ("/" means none too).
    std::string chroot;

    friend bool operator==(const connect_string&, const connect_string&) = default;
};

namespace detail {

inline error_code connect_string_error(diagnostics& diag, std::string message)
{
    diag.assign("connect string: " + std::move(message));
    return errc::invalid_config;
}

inline bool parse_port(std::string_view text, std::uint16_t& port) noexcept
{
    if (text.empty() || text.size() > 5)
        return false;
    std::uint32_t value = 0;
    for (const char c : text)
    {
        if (c < '0' || c > '9')
            return false;
        value = value * 10 + static_cast<std::uint32_t>(c - '0');
    }
    if (value == 0 || value > 65535)
        return false;
    port = static_cast<std::uint16_t>(value);
    return true;
}

}  // namespace detail

/// Parses `host1:port1,host2:port2/chroot`. Hosts are names, IPv4 addresses or bracketed IPv6
/// addresses (`[::1]:2181`); a missing port means 2181; whitespace around entries is ignored. The
/// optional chroot starts at the first '/' and must be a valid ZooKeeper path (a lone "/" means no
/// chroot). Anything else is errc::invalid_config, and `diag` says what is wrong and where.
inline result<connect_string> parse_connect_string(std::string_view text, diagnostics& diag)
{
    diag.clear();
    connect_string out;
    std::string_view hosts = text;
    if (const auto slash = text.find('/'); slash != std::string_view::npos)
    {
        hosts = text.substr(0, slash);
        const std::string_view chroot = text.substr(slash);
        if (validate_path(chroot))
            return detail::connect_string_error(
                diag, "invalid chroot '" + std::string(chroot) + "' (must be a valid ZooKeeper path)"
            );
        if (chroot != "/")
            out.chroot = std::string(chroot);
    }

    const auto trim = [](std::string_view s) {
        while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
            s.remove_prefix(1);
        while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
            s.remove_suffix(1);
        return s;
    };

    std::size_t index = 0;
    for (std::size_t start = 0;; ++index)
    {
        const auto comma = hosts.find(',', start);
        const std::string_view entry =
            trim(hosts.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start)
            );
        const std::string where = "server " + std::to_string(index + 1) + " '" + std::string(entry) + "'";
        if (entry.empty())
            return detail::connect_string_error(
                diag,
                text.empty()
                    ? std::string("empty (expected host:port[,host:port...][/chroot])")
                    : "server " + std::to_string(index + 1) + " is empty in '" + std::string(text) + "'"
            );

        host_port hp;
        std::string_view port_text;
        bool has_port = false;
        if (entry.front() == '[')
        {
            const auto close = entry.find(']');
            if (close == std::string_view::npos)
                return detail::connect_string_error(diag, where + ": missing ']' after the IPv6 address");
            hp.host = std::string(entry.substr(1, close - 1));
            if (hp.host.empty())
                return detail::connect_string_error(diag, where + ": empty IPv6 address");
            const std::string_view rest = entry.substr(close + 1);
            if (!rest.empty())
            {
                if (rest.front() != ':')
                    return detail::connect_string_error(diag, where + ": expected ':port' after ']'");
                port_text = rest.substr(1);
                has_port = true;
            }
        }
        else
        {
            const auto colon = entry.rfind(':');
            if (colon != std::string_view::npos && entry.find(':') != colon)
                return detail::connect_string_error(
                    diag, where + ": an IPv6 address needs brackets, [addr]:port"
                );
            hp.host = std::string(entry.substr(0, colon));
            if (colon != std::string_view::npos)
            {
                port_text = entry.substr(colon + 1);
                has_port = true;
            }
            if (hp.host.empty())
                return detail::connect_string_error(diag, where + ": empty host");
        }
        for (const char c : hp.host)
        {
            if (c == ' ' || c == '\t' || c == '/' || c == '[' || c == ']')
                return detail::connect_string_error(diag, where + ": invalid character in host");
        }
        if (has_port && !detail::parse_port(port_text, hp.port))
            return detail::connect_string_error(
                diag, where + ": invalid port '" + std::string(port_text) + "' (expected 1-65535)"
            );
        out.hosts.push_back(std::move(hp));

        if (comma == std::string_view::npos)
            break;
        start = comma + 1;
    }
    return out;
}

/// parse_connect_string without diagnostics (the error code alone).
inline result<connect_string> parse_connect_string(std::string_view text)
{
    diagnostics diag;
    return parse_connect_string(text, diag);
}

/// `path` inside `chroot` as the server sees it ("/" maps to the chroot itself).
inline std::string prepend_chroot(std::string_view chroot, std::string_view path)
{
    if (chroot.empty())
        return std::string(path);
    if (path == "/")
        return std::string(chroot);
    std::string out;
    out.reserve(chroot.size() + path.size());
    out.append(chroot).append(path);
    return out;
}

/// A server path as the client sees it: `chroot` removed ("/" for the chroot itself). Paths
/// outside the chroot are returned unchanged, as the Java client does.
inline std::string strip_chroot(std::string_view chroot, std::string_view server_path)
{
    if (chroot.empty() || server_path.substr(0, chroot.size()) != chroot)
        return std::string(server_path);
    if (server_path.size() == chroot.size())
        return "/";
    if (server_path[chroot.size()] != '/')
        return std::string(server_path);  // "/appx" is not inside "/app"
    return std::string(server_path.substr(chroot.size()));
}

}  // namespace zk

HAKIT_NAMESPACE_END

#endif
