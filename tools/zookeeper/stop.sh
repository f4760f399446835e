#!/usr/bin/env bash
# Stops the ZooKeeper servers start.sh started in STATE_DIR and removes STATE_DIR.
#
#   stop.sh --dir STATE_DIR [--timeout-s 10] [--keep]
#
# Sends SIGCONT (a frozen member cannot act on SIGTERM) and SIGTERM to each member whose process is
# still ours (its command line names that member's cfg), SIGKILL after the deadline, then removes the
# directory (unless --keep, or HAKIT_ZK_KEEP_STATE=1 in the environment: keeps the logs of a failed
# ctest run). Never signals anything else; a missing STATE_DIR is not an error.
set -euo pipefail
ZK_SCRIPT=stop.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$HERE/common.sh"

dir='' timeout_s=10 keep=${HAKIT_ZK_KEEP_STATE:-0}
while [ $# -gt 0 ]; do
    case $1 in
    --dir) dir=${2:?--dir needs a value}; shift ;;
    --timeout-s) timeout_s=${2:?--timeout-s needs a value}; shift ;;
    --keep) keep=1 ;;
    -h | --help) sed -n '2,9p' "$0"; exit 0 ;;
    *) zk_die "unknown argument '$1' (see --help)" ;;
    esac
    shift
done
[ -n "$dir" ] || zk_die "--dir is required"
[ -e "$dir" ] || exit 0
[ -f "$dir/$ZK_MARKER" ] || zk_die "$dir is not a hakit ZooKeeper state dir (no $ZK_MARKER): not touching it"
dir=$(cd "$dir" && pwd)

t0=$(zk_now_ms)
members=$(zk_member_count "$dir")
pids=()
for n in $(seq 1 "$members"); do
    pid=$(zk_member_pid "$dir" "$n")
    [ -n "$pid" ] || continue
    kill -CONT "$pid" 2>/dev/null || true
    kill -TERM "$pid" 2>/dev/null || true
    pids+=("$pid")
done
rc=0
for pid in "${pids[@]}"; do
    if ! zk_wait_exit "$pid" $((timeout_s * 1000)); then
        zk_log "pid $pid ignored SIGTERM for ${timeout_s} s: SIGKILL"
        kill -KILL "$pid" 2>/dev/null || true
        zk_wait_exit "$pid" 5000 || { zk_log "pid $pid survived SIGKILL"; rc=1; }
    fi
done
rm -f "$(zk_registry_file "$dir")"
if [ "$keep" != 1 ] && [ "$rc" = 0 ]; then
    rm -rf "$dir"
fi
zk_log "stopped ${#pids[@]} server(s) in $(($(zk_now_ms) - t0)) ms"
exit "$rc"
