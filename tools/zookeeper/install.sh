#!/usr/bin/env bash
# Installs what the live ZooKeeper tests need (a JRE and ZooKeeper 3.8's jars from Debian), if missing.
# libzookeeper-java brings only jars (no init script, no daemon on 2181, no system user).
set -euo pipefail
if [ -f /usr/share/java/zookeeper.jar ] && command -v java >/dev/null; then
    echo "install.sh: ZooKeeper jars and java already present"
    exit 0
fi
packages="default-jre-headless libzookeeper-java"
if [ "$(id -u)" -ne 0 ]; then
    echo "install.sh: not root; run:" >&2
    echo "  sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive \\" >&2
    echo "    apt-get install -y --no-install-recommends $packages" >&2
    exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086 # two package names, split on purpose
apt-get install -y -qq --no-install-recommends $packages >/dev/null
test -f /usr/share/java/zookeeper.jar
echo "install.sh: installed $packages"
