#!/usr/bin/env bash
# Compiles and runs ZkJavaBench (our own program) against Debian's ZooKeeper 3.8 client jar.
#   benchmarks/java/run_java_bench.sh HOST:PORT [ITERATIONS]
set -euo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp -d "${TMPDIR:-/tmp}/hakit-java-bench-XXXXXX")
trap 'rm -rf "$out"' EXIT
cp=/usr/share/java/zookeeper.jar:/usr/share/java/zookeeper-jute.jar:/usr/share/java/slf4j-nop.jar
javac -implicit:none -sourcepath "" -cp "$cp" -d "$out" "$here/ZkJavaBench.java" 2>&1 | grep -v "bad path element" || true
java -cp "$out:$cp" ZkJavaBench "$@"
