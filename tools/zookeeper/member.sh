#!/usr/bin/env bash
# Disturbs one member of a ZooKeeper started by start.sh (members are numbered from 1).
#
#   member.sh --dir STATE_DIR N kill|stop|cont|start [--timeout-s 60]
#
#   kill   SIGKILL, then wait until the process is gone
#   stop   SIGSTOP (frozen: the port accepts connections, nothing answers)
#   cont   SIGCONT
#   start  relaunch from its cfg and data dir (after kill), then wait until it serves again;
#          a member that is still running is left alone (only waited for)
# Only the process recorded in member-N.pid whose command line names member-N.cfg is signalled.
set -euo pipefail
ZK_SCRIPT=member.sh
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=common.sh
. "$HERE/common.sh"

dir='' timeout_s=60 args=()
while [ $# -gt 0 ]; do
    case $1 in
    --dir) dir=${2:?--dir needs a value}; shift ;;
    --timeout-s) timeout_s=${2:?--timeout-s needs a value}; shift ;;
    -h | --help) sed -n '2,12p' "$0"; exit 0 ;;
    *) args+=("$1") ;;
    esac
    shift
done
[ -n "$dir" ] || zk_die "--dir is required"
[ "${#args[@]}" -eq 2 ] || zk_die "expected: N kill|stop|cont|start"
n=${args[0]} action=${args[1]}
[ -f "$dir/$ZK_MARKER" ] || zk_die "$dir is not a hakit ZooKeeper state dir"
dir=$(cd "$dir" && pwd)
if ! [[ "$n" =~ ^[0-9]+$ ]] || [ ! -f "$dir/member-$n.cfg" ]; then zk_die "no member $n in $dir"; fi

case $action in
kill)
    pid=$(zk_member_pid "$dir" "$n")
    [ -n "$pid" ] || zk_die "member $n is not running"
    kill -KILL "$pid"
    zk_wait_exit "$pid" 10000 || zk_die "member $n (pid $pid) survived SIGKILL"
    ;;
stop) zk_signal_member "$dir" "$n" STOP || zk_die "member $n is not running" ;;
cont) zk_signal_member "$dir" "$n" CONT || zk_die "member $n is not running" ;;
start)
    if [ -z "$(zk_member_pid "$dir" "$n")" ]; then
        zk_launch_member "$dir" "$n"
    fi
    zk_wait_member_serving "$dir" "$n" $((timeout_s * 1000)) || {
        tail -n 40 "$dir/member-$n.log" >&2
        exit 1
    }
    ;;
*) zk_die "unknown action '$action' (kill|stop|cont|start)" ;;
esac
