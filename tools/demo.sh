#!/usr/bin/env bash
# The demo: installs what is missing, builds examples/failover_demo.cpp (Release, build/demo)
# and runs it. Arguments are passed to the demo.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

bash tools/install-deps.sh
cmake -S . -B build/demo -G Ninja \
    -DCMAKE_BUILD_TYPE=Release \
    -DCMAKE_CXX_COMPILER=clang++-14 \
    -DHAKIT_BUILD_EXAMPLES=ON \
    -DHAKIT_BUILD_TESTS=OFF \
    -DHAKIT_BUILD_BENCHMARKS=OFF
cmake --build build/demo --target hakit_failover_demo -j2

demo=$(find build/demo -type f -name hakit_failover_demo -perm -u+x -print -quit)
if [ -z "$demo" ]; then
    echo "demo.sh: built hakit_failover_demo but cannot find the executable under build/demo" >&2
    exit 1
fi
exec "$demo" "$@"
