#!/usr/bin/env bash
# Installs the Debian 12 packages that building and testing hakit needs, and only the missing
# ones: on a machine that has them all it does nothing. Run as root (CI does); otherwise it
# prints the apt-get line to run and exits 1.
#
# Boost comes from the versioned libboost1.81-dev: never install an unversioned Boost package
# (libboost-dev is 1.74 and conflicts; libboost-all-dev would REMOVE 1.81). libclang-rt-14-dev
# holds clang's sanitizer runtimes and is only a Recommends, so it is named explicitly.
set -euo pipefail

packages=(
    cmake ninja-build g++ clang-14 libclang-rt-14-dev clang-format-14
    libboost1.81-dev doctest-dev libbenchmark-dev nlohmann-json3-dev python3
    default-jre-headless libzookeeper-java
)

if ! command -v dpkg-query >/dev/null 2>&1; then
    echo "install-deps: not a Debian system (no dpkg-query); make sure these are installed:" >&2
    echo "  ${packages[*]}" >&2
    exit 0
fi

missing=()
for package in "${packages[@]}"; do
    status=$(dpkg-query -W -f='${db:Status-Status}' "$package" 2>/dev/null || true)
    [ "$status" = installed ] || missing+=("$package")
done

if [ ${#missing[@]} -eq 0 ]; then
    echo "install-deps: all ${#packages[@]} packages are installed"
    exit 0
fi

echo "install-deps: missing: ${missing[*]}"
if [ "$(id -u)" -ne 0 ]; then
    echo "install-deps: not root; run:" >&2
    echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update
apt-get install -y --no-install-recommends "${missing[@]}"
