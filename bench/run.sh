#!/usr/bin/env bash
# Benchmarks one Socket.IO server:
#
#   run.sh <name> -- <server command...>
#
# For each scenario it starts a fresh server (PORT=$PORT, pinned to CPU
# $SERVER_CPU, output appended to results/<name>.server.log), waits until
# the port accepts connections, runs sio-loadgen pinned to CPU $LOADGEN_CPU,
# prints "<name> <json summary>" on stdout and stops that server (TERM, then
# KILL after 5 s). The command must be the server process itself (exec, no
# forking wrapper): its CPU time and memory are read by pid.
#
# Knobs: PORT (3300), SERVER_CPU (0), LOADGEN_CPU (1), SCENARIOS
# ("echo fanout conns polling"), ECHO_ARGS, FANOUT_ARGS, CONNS_ARGS,
# POLLING_ARGS (the load generator's options per scenario), READY_TIMEOUT
# (seconds to wait for the port, 120), READY_CHECK (a bash command that
# must also succeed before the load starts, tried every 0.1 s once the
# port is open: cluster.sh waits for the Redis subscriptions), PROFILE,
# LOADGEN (see common.sh).
set -euo pipefail
source "$(dirname "$0")/common.sh"

PORT=${PORT:-3300}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
READY_TIMEOUT=${READY_TIMEOUT:-120}
SCENARIOS=${SCENARIOS:-"echo fanout conns polling"}
ECHO_ARGS=${ECHO_ARGS:-"--clients 50 --secs 10 --size 64"}
FANOUT_ARGS=${FANOUT_ARGS:-"--clients 1000 --msgs 200"}
CONNS_ARGS=${CONNS_ARGS:-"--clients 5000 --hold 10"}
POLLING_ARGS=${POLLING_ARGS:-"--clients 20 --secs 10 --size 64"}

if [ $# -lt 3 ] || [ "$2" != "--" ]; then
    echo "usage: $0 <name> -- <server command...>" >&2
    exit 2
fi
name=$1
shift 2
# A server started as `env PARSER=msgpack <command>` speaks msgpack: the load
# generator gets `--parser msgpack` (echo, fanout, conns; it has no msgpack
# polling, so that scenario is skipped).
parser_args=""
for word in "$@"; do
    [ "$word" != PARSER=msgpack ] || parser_args="--parser msgpack"
done

# Every connection costs a file descriptor in the server and in the load
# generator; the server inherits this limit.
ulimit -n "$(ulimit -Hn)"
# compare.sh builds everything once and sets BUILT=1; alone, build here
# (a no-op when nothing changed). A LOADGEN given from outside is used as is.
if [ -z "${BUILT:-}" ] && [ -z "${LOADGEN_GIVEN:-}" ]; then
    build_workspace_tools
fi
mkdir -p "$BENCH/results"
log=$BENCH/results/$name.server.log
: >"$log"

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

pid=""
stop_server() {
    stop_pid "$pid"
    pid=""
}
trap stop_server EXIT
trap 'stop_server; exit 130' INT TERM

start_server() {
    if port_open; then
        echo "$name: something already listens on port $PORT (set PORT=...)" >&2
        exit 1
    fi
    PORT=$PORT taskset -c "$SERVER_CPU" "$@" >>"$log" 2>&1 &
    pid=$!
    local tenths=0
    until port_open; do
        if ! kill -0 "$pid" 2>/dev/null; then
            pid=""
            echo "$name: the server exited before it listened; see $log" >&2
            exit 1
        fi
        if [ $tenths -ge $((READY_TIMEOUT * 10)) ]; then
            echo "$name: port $PORT still closed after ${READY_TIMEOUT}s; see $log" >&2
            exit 1
        fi
        sleep 0.1
        tenths=$((tenths + 1))
    done
    [ -z "${READY_CHECK:-}" ] || wait_for "$name: READY_CHECK" "$READY_CHECK"
    sleep 0.3 # let it finish starting up (allocations, JIT warm-up of the accept path)
}

for scenario in $SCENARIOS; do
    case $scenario in
        echo) args=$ECHO_ARGS ;;
        fanout) args=$FANOUT_ARGS ;;
        conns) args=$CONNS_ARGS ;;
        polling) args=$POLLING_ARGS ;;
        *) echo "unknown scenario $scenario" >&2; exit 2 ;;
    esac
    if [ -n "$parser_args" ]; then
        if [ "$scenario" = polling ]; then
            echo "$name: polling skipped (no msgpack polling in sio-loadgen)" >&2
            continue
        fi
        args="$args $parser_args"
    fi
    echo "$name: $scenario $args" >&2
    start_server "$@"
    status=0
    # shellcheck disable=SC2086 # the options are meant to be split
    summary=$(timeout 300 taskset -c "$LOADGEN_CPU" "$LOADGEN" "$scenario" \
        --addr "127.0.0.1:$PORT" --server-pid "$pid" $args) || status=$?
    if [ -z "$summary" ]; then
        summary="{\"scenario\":\"$scenario\",\"fatal\":\"sio-loadgen exited with status $status\"}"
    fi
    echo "$name $summary"
    stop_server
done
