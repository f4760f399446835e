# Shared by start.sh, stop.sh and member.sh (sourced, not run). Launches and probes ZooKeeper 3.8
# servers on 127.0.0.1 and only ever signals processes whose command line names one of our cfgs.
# shellcheck shell=bash disable=SC2034 # variables used by the scripts that source this file

ZK_JAR=${ZK_JAR:-/usr/share/java/zookeeper.jar}
ZK_CLASSPATH="$ZK_JAR:/usr/share/java/slf4j-simple.jar"
ZK_MAIN=org.apache.zookeeper.server.quorum.QuorumPeerMain
# Marker proving a directory is one of our state dirs (stop.sh removes only such a directory).
ZK_MARKER=hakit-zookeeper-state
# Ports this machine's other servers are likely to use: never pick them.
ZK_AVOID_PORTS=" 2181 2182 2888 3888 2379 2380 8080 "
ZK_LOCK_FILE=${HAKIT_ZK_LOCK_FILE:-${TMPDIR:-/tmp}/hakit-zookeeper-ports.lock}
# Ports of every live hakit state dir, so a stopped member's ports are not handed to someone else.
ZK_REGISTRY_DIR=${HAKIT_ZK_REGISTRY_DIR:-${TMPDIR:-/tmp}/hakit-zookeeper-ports.d}

zk_log() { printf '%s: %s\n' "${ZK_SCRIPT:-zookeeper}" "$*" >&2; }
zk_die() {
    zk_log "error: $*"
    exit 1
}

zk_now_ms() { date +%s%3N; }

# Sends a four-letter word to 127.0.0.1:PORT and prints the answer ("" if none within ~2 s).
zk4() {
    local port=$1 word=$2
    # shellcheck disable=SC2016 # expanded by the inner bash
    timeout 3 bash -c 'exec 3<>"/dev/tcp/127.0.0.1/$0" && printf %s "$1" >&3 && timeout 2 cat <&3' \
        "$port" "$word" 2>/dev/null || true
}

# Prints the "Mode:" of the member serving on PORT (standalone|leader|follower|observer), or nothing.
zk_mode() {
    zk4 "$1" srvr | sed -n 's/^Mode: //p'
}

# True if PID is alive and its command line is QuorumPeerMain with exactly CFG.
zk_pid_is_ours() {
    local pid=$1 cfg=$2 cmdline
    [[ "$pid" =~ ^[0-9]+$ ]] || return 1
    [ -r "/proc/$pid/cmdline" ] || return 1
    cmdline=$(tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null) || return 1
    [[ "$cmdline" == *"$ZK_MAIN $cfg " ]]
}

# The PID recorded for member N of DIR if that process is still ours, else nothing.
zk_member_pid() {
    local dir=$1 n=$2 pid
    pid=$(cat "$dir/member-$n.pid" 2>/dev/null) || return 0
    if zk_pid_is_ours "$pid" "$dir/member-$n.cfg"; then
        echo "$pid"
    fi
}

# Launches member N of DIR in the background from its cfg; writes member-N.pid.
zk_launch_member() {
    local dir=$1 n=$2
    local cfg="$dir/member-$n.cfg" log="$dir/member-$n.log"
    [ -f "$cfg" ] || zk_die "no $cfg"
    echo "=== launch $(date '+%F %T.%3N') ===" >>"$log"
    (
        # Do not leak the caller's descriptors (test sockets, ctest pipes) into the JVM.
        for fd in "/proc/$BASHPID/fd/"*; do
            fd=${fd##*/}
            [ "$fd" -gt 2 ] 2>/dev/null && eval "exec $fd>&-"
        done
        exec java -Xmx256m -XX:+UseSerialGC \
            -Dzookeeper.extendedTypesEnabled=true \
            -Dzookeeper.admin.enableServer=false \
            -Djava.net.preferIPv4Stack=true \
            -Dorg.slf4j.simpleLogger.showDateTime=true \
            -Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS \
            -Dorg.slf4j.simpleLogger.log.org.apache.zookeeper.server.quorum.QuorumCnxManager=warn \
            -cp "$ZK_CLASSPATH" "$ZK_MAIN" "$cfg"
    ) </dev/null >>"$log" 2>&1 &
    echo $! >"$dir/member-$n.pid"
}

# Signals member N of DIR if (and only if) it is still our process. Returns 1 if it is not running.
zk_signal_member() {
    local dir=$1 n=$2 sig=$3 pid
    pid=$(zk_member_pid "$dir" "$n")
    [ -n "$pid" ] || return 1
    kill "-$sig" "$pid" 2>/dev/null || return 1
    # SIGSTOP and SIGCONT reach the JVM's threads one by one: return only once every thread is
    # stopped (or none is), so that a frozen member really answers nothing (at most 5 s).
    case $sig in
    STOP) zk_wait_threads "$pid" stopped ;;
    CONT) zk_wait_threads "$pid" running ;;
    esac
}

# Waits (at most 5 s) until every thread of PID is stopped (state T/t), or none is.
zk_wait_threads() {
    local pid=$1 want=$2 deadline=$(($(zk_now_ms) + 5000)) states
    while :; do
        states=$(cat /proc/"$pid"/task/*/stat 2>/dev/null | sed -E 's/^[0-9]+ \(.*\) (.).*/\1/' | sort -u | tr -d '\n')
        case $want in
        stopped) [[ "$states" =~ ^[Tt]+$ ]] && return 0 ;;
        running) [[ ! "$states" =~ [Tt] ]] && return 0 ;;
        esac
        [ -n "$states" ] || return 0  # gone
        [ "$(zk_now_ms)" -lt "$deadline" ] || return 1
        sleep 0.01
    done
}

# Waits until PID has exited (at most DEADLINE_MS). Returns 1 on timeout.
zk_wait_exit() {
    local pid=$1 deadline=$(($(zk_now_ms) + $2))
    while kill -0 "$pid" 2>/dev/null; do
        # A zombie child of ours counts as gone.
        [ "$(awk '{print $3}' "/proc/$pid/stat" 2>/dev/null)" = Z ] && return 0
        [ "$(zk_now_ms)" -lt "$deadline" ] || return 1
        sleep 0.05
    done
}

# Number of members in DIR (member-1.cfg, member-2.cfg, ...).
zk_member_count() {
    local dir=$1 n=0
    while [ -f "$dir/member-$((n + 1)).cfg" ]; do n=$((n + 1)); done
    echo "$n"
}

# The modes a serving member of DIR may report.
zk_serving_modes() {
    if [ "$(zk_member_count "$1")" -eq 1 ]; then echo standalone; else echo "leader follower"; fi
}

# Waits until member N of DIR serves (srvr reports a serving mode); fails early if it died.
zk_wait_member_serving() {
    local dir=$1 n=$2 deadline=$(($(zk_now_ms) + $3))
    local port pid mode modes
    port=$(cat "$dir/member-$n.port")
    pid=$(cat "$dir/member-$n.pid")
    modes=" $(zk_serving_modes "$dir") "
    while :; do
        zk_pid_is_ours "$pid" "$dir/member-$n.cfg" || {
            zk_log "member $n (pid $pid) exited"
            return 1
        }
        mode=$(zk_mode "$port")
        [ -n "$mode" ] && [[ "$modes" == *" $mode "* ]] && return 0
        [ "$(zk_now_ms)" -lt "$deadline" ] || {
            zk_log "member $n not serving after $3 ms (mode '${mode}')"
            return 1
        }
        sleep 0.05
    done
}

# Prints the last lines of every member log of DIR to stderr.
zk_log_tails() {
    local dir=$1 f
    for f in "$dir"/member-*.log; do
        [ -f "$f" ] || continue
        echo "----- tail of $f -----" >&2
        tail -n 40 "$f" >&2
    done
}

# Takes the machine-wide port lock on fd 9 (released when the fd closes or the script exits).
zk_lock_ports() {
    exec 9>>"$ZK_LOCK_FILE"
    flock -w 120 9 || zk_die "could not lock $ZK_LOCK_FILE within 120 s"
}
zk_unlock_ports() { exec 9>&-; }

# Local TCP ports in use on this machine (any state: listening, connected, TIME_WAIT), space separated.
zk_used_ports() {
    {
        ss -Htan 2>/dev/null | awk '{n = split($4, a, ":"); print a[n]}'
        # Ports reserved by other hakit state dirs that still exist (stale entries are dropped).
        local f
        for f in "$ZK_REGISTRY_DIR"/*; do
            [ -f "$f" ] || continue
            if [ -f "$(head -n 1 "$f")/$ZK_MARKER" ]; then
                tail -n +2 "$f"
            else
                rm -f "$f"
            fi
        done
    } | tr '\n' ' '
}

# The registry file of state dir DIR.
zk_registry_file() {
    printf '%s/%s' "$ZK_REGISTRY_DIR" "$(printf %s "$1" | md5sum | cut -c1-16)"
}
