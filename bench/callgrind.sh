#!/usr/bin/env bash
# Instructions per operation of one or more servers, with valgrind's callgrind:
# counts that do not vary with the machine's load, for before/after
# comparisons of a hot-path change (run both builds in the same sitting).
#
#   bench/callgrind.sh "name=/path/to/bench_server" ["other=/path/to/..."]
#   bench/callgrind.sh "json=/path/bench_server" "msgpack=PARSER=msgpack /path/bench_server"
#
# Words of the form VAR=value before the binary are the server's environment;
# with PARSER=msgpack the load generator speaks msgpack too (--parser msgpack;
# echo, fanout and conns only).
#
# For each server and each scenario in SCENARIOS (default "echo fanout
# polling conns"), starts the server under callgrind on port $PORT (3555),
# runs a small fixed load with sio-loadgen (no warm-up, so every operation of
# the run is counted), dumps callgrind's counts (callgrind_control), stops the
# server with SIGTERM, and prints the whole process's instructions up to the
# dump (user space; its shutdown left out) divided by the operations: acks (echo, polling), deliveries (fanout),
# connections (conns). Start-up is included, and is small against the load.
# Output files go to bench/results/callgrind-<time>/. LOAD_ARGS_EXTRA is
# appended to every scenario's load (e.g. "--size 4096 --accept-encoding
# gzip" for polling with compressed responses).
#
# Scenario `cluster` (not in the default list: SCENARIOS=cluster) is fanout
# across a Redis cluster (bench/cluster.sh): a private redis-server, a
# sending node (the same binary, outside valgrind) on port $PORT+1, and the
# server under callgrind as the receiving node (both with REDIS_URL);
# counted per delivery on the receiving node.
set -euo pipefail
source "$(dirname "$0")/common.sh"

[ $# -ge 1 ] || { echo "usage: $0 name=server-binary [name=server-binary ...]" >&2; exit 2; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 2; }
build_workspace_tools

PORT=${PORT:-3555}
SCENARIOS=${SCENARIOS:-"echo fanout polling conns"}
OUT="$BENCH/results/callgrind-$(date +%Y%m%d-%H%M%S)"
mkdir -p "$OUT"

# The load per scenario: small, as the server runs ~50x slower under valgrind.
load_args() {
    case $1 in
        echo) echo "--clients 4 --secs 8 --warmup-secs 0" ;;
        polling) echo "--clients 4 --secs 8 --warmup-secs 0" ;;
        fanout | cluster) echo "--clients 200 --msgs 300 --warmup-msgs 0" ;;
        conns) echo "--clients 1000 --hold 2" ;;
    esac
}

# The operations a summary line counts, by scenario.
ops_of() {
    python3 -c '
import json, sys
s = json.loads(sys.stdin.read())
key = {"echo": "acks", "polling": "acks", "fanout": "deliveries", "cluster": "deliveries",
       "conns": "connected"}[sys.argv[1]]
errors = s.get("errors", 0) or s.get("failed", 0) or s.get("lost", 0)
print(s[key], errors)' "$1"
}

# For `cluster`: a private Redis, and the sending node of each run.
redis_dir="" redis_pid="" sender_pid=""
cleanup() {
    for p in $sender_pid $redis_pid; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
    [ -z "$redis_dir" ] || rm -rf "$redis_dir"
}
trap cleanup EXIT
if [[ " $SCENARIOS " == *" cluster "* ]]; then
    redis_dir=$(mktemp -d)
    redis_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    redis-server --port "$redis_port" --bind 127.0.0.1 --dir "$redis_dir" --save "" \
        --appendonly no >"$redis_dir/redis.log" 2>&1 &
    redis_pid=$!
    until redis-cli -p "$redis_port" ping >/dev/null 2>&1; do sleep 0.1; done
fi
# Both members subscribed to `/` (see cluster.sh).
members() { redis-cli -p "$redis_port" PUBSUB NUMSUB 'socket.io-request#/#' | tail -n 1; }

printf "%-12s %-8s %14s %10s %12s\n" server scenario instructions ops per_op
for spec in "$@"; do
    name=${spec%%=*}
    read -r -a words <<<"${spec#*=}"
    envs=()
    while [[ ${words[0]} == *=* ]]; do
        envs+=("${words[0]}")
        words=("${words[@]:1}")
    done
    bin=${words[0]}
    parser=()
    [[ " ${envs[*]} " != *" PARSER=msgpack "* ]] || parser=(--parser msgpack)
    for scenario in $SCENARIOS; do
        file="$OUT/$name.$scenario"
        extra=()
        if [ "$scenario" = cluster ]; then
            export REDIS_URL=redis://127.0.0.1:$redis_port
            env "${envs[@]}" PORT=$((PORT + 1)) "$bin" >"$file.sender.log" 2>&1 &
            sender_pid=$!
            extra=(--sender-addr "127.0.0.1:$((PORT + 1))")
        else
            unset REDIS_URL
        fi
        env "${envs[@]}" PORT=$PORT valgrind --tool=callgrind --callgrind-out-file="$file.out" "$bin" >"$file.log" 2>&1 &
        vpid=$!
        for _ in $(seq 1 300); do
            (echo >"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null && break
            sleep 0.1
        done
        if [ "$scenario" = cluster ]; then
            for _ in $(seq 1 300); do [ "$(members)" = 2 ] && break; sleep 0.1; done
        fi
        # shellcheck disable=SC2046 # the arguments are meant to split
        "$LOADGEN" "${scenario/cluster/fanout}" --addr "127.0.0.1:$PORT" $(load_args "$scenario") \
            ${LOAD_ARGS_EXTRA:-} "${extra[@]}" "${parser[@]}" >"$file.json" 2>"$file.err" || true
        # Counted up to here: a dump now, so that what the server does to
        # stop (a graceful shutdown closes every session) is left out.
        callgrind_control --dump "$vpid" >/dev/null 2>&1
        kill -TERM "$vpid" 2>/dev/null || true
        wait "$vpid" || true
        if [ -n "$sender_pid" ]; then
            kill -TERM "$sender_pid" 2>/dev/null || true
            wait "$sender_pid" || true
            sender_pid=""
        fi
        dump=$(ls "$file".out.* 2>/dev/null | head -n 1)
        ir=$(awk '/^(summary|totals):/ {print $2; exit}' "${dump:-$file.out}")
        read -r ops errors < <(tail -n 1 "$file.json" | ops_of "$scenario")
        per=$(python3 -c "print(round($ir / max($ops, 1)))")
        printf "%-12s %-8s %14s %10s %12s%s\n" "$name" "$scenario" "$ir" "$ops" "$per" \
            "$([ "$errors" = 0 ] || echo "  ($errors errors: see $file.json)")"
    done
done
echo "(files: $OUT)"
