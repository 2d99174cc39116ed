#!/usr/bin/env bash
# The client bench: the echo scenario made by different CLIENTS against our
# bench server, measuring each client's CPU per ack.
#
#   bench/clients.sh                    # loadgen, ours, node, rust_socketio
#   ROUNDS=3 bench/clients.sh           # three interleaved rounds, medians: quote these
#   CLIENTS="ours loadgen" bench/clients.sh
#
# For each client and round: a fresh bench server (examples/bench_server,
# built with PROFILE) pinned to CPU $SERVER_CPU, the client pinned to CPU
# $LOADGEN_CPU running `--clients N --secs S --size B` (ECHO_ARGS, default
# "--clients 50 --secs 10 --size 64"), each WebSocket client in a closed
# loop (emit "echo" with an ack, wait, check). Every client prints one JSON
# line with `acks_per_s` and `us_per_ack`, its own CPU time (all threads)
# per ack over the measured window; `loadgen` is sio-loadgen, the bench's
# minimal load generator (its lg_us_per_op). Raw lines go to
# results/clients-<time>.txt, then the table of medians.
#
# The clients: loadgen (sio-loadgen echo), ours (bench/clients/ours: the
# sio-smol client), node (bench/clients/node: socket.io-client 4.8.4, one
# Manager per socket), rust_socketio (bench/clients/rust_socketio:
# rust_socketio 0.6 async on a current-thread tokio runtime).
set -euo pipefail
source "$(dirname "$0")/common.sh"

PORT=${PORT:-3300}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
ROUNDS=${ROUNDS:-1}
CLIENTS=${CLIENTS:-"loadgen ours node rust_socketio"}
ECHO_ARGS=${ECHO_ARGS:-"--clients 50 --secs 10 --size 64"}

echo "building the bench server, the load generator and our client (profile $PROFILE)..." >&2
cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --profile "$PROFILE" \
    -p sio-loadgen -p sio-bench-client -p examples \
    --bin sio-loadgen --bin sio-bench-client --example bench_server >&2
SERVER=$TARGET/$PROFILE_DIR/examples/bench_server
for c in $CLIENTS; do
    case $c in
        node)
            [ -d "$BENCH/clients/node/node_modules" ] || (cd "$BENCH/clients/node" && npm ci --silent >&2) ;;
        rust_socketio)
            echo "building rust_socketio's client (first time: a few minutes)..." >&2
            cargo build --quiet --release --manifest-path "$BENCH/clients/rust_socketio/Cargo.toml" >&2 ;;
    esac
done

client_cmd() {
    case $1 in
        loadgen) echo "$LOADGEN echo --addr 127.0.0.1:$PORT" ;;
        ours) echo "$TARGET/$PROFILE_DIR/sio-bench-client --addr 127.0.0.1:$PORT" ;;
        node) echo "node $BENCH/clients/node/echo.mjs --addr 127.0.0.1:$PORT" ;;
        rust_socketio) echo "$BENCH/clients/rust_socketio/target/release/sio-bench-rust-socketio --addr 127.0.0.1:$PORT" ;;
        *) echo "unknown client $1" >&2; exit 2 ;;
    esac
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
pid=""
stop_server() {
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    pid=""
}
trap stop_server EXIT

ulimit -n "$(ulimit -Hn)"
mkdir -p "$BENCH/results"
out=$BENCH/results/clients-$(date +%Y%m%d-%H%M%S).txt
echo "# $(date -Iseconds), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg), commit $(git -C "$ROOT" rev-parse --short HEAD), profile $PROFILE, $ECHO_ARGS" >"$out"
for round in $(seq 1 "$ROUNDS"); do
    for c in $CLIENTS; do
        echo "== round $round/$ROUNDS: $c" >&2
        if port_open; then echo "port $PORT is taken (set PORT=...)" >&2; exit 1; fi
        PORT=$PORT taskset -c "$SERVER_CPU" "$SERVER" >/dev/null 2>&1 &
        pid=$!
        until port_open; do sleep 0.1; done
        sleep 0.3
        # shellcheck disable=SC2046,SC2086 # the command and options are meant to be split
        line=$(timeout 120 taskset -c "$LOADGEN_CPU" $(client_cmd "$c") $ECHO_ARGS || true)
        [ -n "$line" ] || line='{"fatal":"no output"}'
        echo "$c $line" | tee -a "$out"
        stop_server
    done
done
python3 - "$out" <<'PY'
import json, statistics, sys
rows = {}
for line in open(sys.argv[1]):
    if line.startswith("#"):
        continue
    name, _, js = line.partition(" ")
    d = json.loads(js)
    if "lg_us_per_op" in d:  # sio-loadgen
        d = {"acks_per_s": d["acks_per_s"], "us_per_ack": d["lg_us_per_op"], "errors": d["errors"], "mismatches": d["mismatches"]}
    rows.setdefault(name, []).append(d)
def med(name, key):
    vals = [r[key] for r in rows[name] if key in r]
    return statistics.median(vals) if vals else float("nan")
base = med("loadgen", "us_per_ack") if "loadgen" in rows else None
print(f"(medians of {max(len(v) for v in rows.values())} rounds)")
print(f"{'client':<15} {'us_per_ack':>10} {'acks_per_s':>11} {'errors':>7} {'mismatches':>11}  vs loadgen")
for name in rows:
    u = med(name, "us_per_ack")
    ratio = f"{u / base:.2f}x" if base else ""
    print(f"{name:<15} {u:>10.2f} {med(name, 'acks_per_s'):>11,.0f} {med(name, 'errors'):>7.0f} {med(name, 'mismatches'):>11.0f}  {ratio}")
print(f"(raw results: {sys.argv[1]})")
PY
