#!/usr/bin/env bash
# A broadcast across a Redis cluster of two Socket.IO servers, ours and
# Node's (socket.io 4.8.4 + @socket.io/redis-adapter 8.3.0), against the
# same servers alone, and prints one table:
#
#   cluster.sh                  # ours, ours_cluster, node, node_cluster
#   ROUNDS=3 cluster.sh         # 3 interleaved rounds; cells are medians
#   IMPLS=ours cluster.sh       # only ours (or only node)
#   REDIS_ADAPTER=streams IMPLS=ours cluster.sh
#                               # ours on the streams adapter, recovery on
#                               # (examples/bench_server reads it)
#
# The `fanout` scenario (sio-loadgen): 1000 receivers connected to the
# receiving node, the sender to the sending node, both nodes members of one
# cluster through a private redis-server (a temporary directory, a free
# port, no persistence). The sender's broadcast is delivered by its node to
# its own socket and published to Redis; the receiving node gets it from
# Redis (msgpack), decodes it and writes it to its 1000 sockets. The figure
# is srv_us_per_op of the receiving node: its CPU (all threads) per
# delivery. `<impl>` (no suffix) is the same scenario on one node, the
# sender connected to it too, as run.sh measures it: the cluster run's
# reference.
#
# Pinning on two cores: the receiving node has CPU $SERVER_CPU (0) to
# itself, as the server in run.sh; the load generator, the sending node and
# redis-server share CPU $LOADGEN_CPU (1). The sending node and Redis work
# once per message, the receiving node and the load generator once per
# delivery (1000 per message), so CPU 1 is the load generator's as in
# run.sh, and the measured node is not disturbed by its peers; the extra
# hop costs latency, not the receiving node's CPU.
#
# Knobs: ROUNDS (1), IMPLS ("ours node"), PORT (3300, the receiving node;
# single-node runs use it too), SENDER_PORT (3301), SERVER_CPU (0),
# LOADGEN_CPU (1), PEER_CPU (the sending node and Redis, $LOADGEN_CPU),
# FANOUT_ARGS ("--clients 1000 --msgs 200"), READY_TIMEOUT (120), PROFILE,
# OURS_BIN (our bench server binary; built when not given).
# Raw results: results/cluster-<time>.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"

ROUNDS=${ROUNDS:-1}
IMPLS=${IMPLS:-"ours node"}
PORT=${PORT:-3300}
SENDER_PORT=${SENDER_PORT:-3301}
SERVER_CPU=${SERVER_CPU:-0}
LOADGEN_CPU=${LOADGEN_CPU:-1}
PEER_CPU=${PEER_CPU:-$LOADGEN_CPU}
FANOUT_ARGS=${FANOUT_ARGS:-"--clients 1000 --msgs 200"}
export PORT SERVER_CPU LOADGEN_CPU READY_TIMEOUT=${READY_TIMEOUT:-120}

command -v redis-server >/dev/null && command -v redis-cli >/dev/null ||
    { echo "redis-server and redis-cli are needed (apt-get install redis-server)" >&2; exit 2; }

echo "building the load generator and our server (profile $PROFILE)..." >&2
build_workspace_tools
if [ -z "${OURS_BIN:-}" ]; then
    cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --profile "$PROFILE" \
        -p examples --example bench_server >&2
    OURS_BIN=$TARGET/$PROFILE_DIR/examples/bench_server
fi
NODE_PEER=$BENCH/peers/node-redis
if [[ " $IMPLS " == *" node "* ]] && [ ! -d "$NODE_PEER/node_modules/@socket.io/redis-adapter" ]; then
    (cd "$NODE_PEER" && npm ci --no-audit --no-fund >&2)
fi
export BUILT=1
ulimit -n "$(ulimit -Hn)"

# The private Redis: a free port, a temporary directory, nothing saved.
redis_dir=$(mktemp -d)
REDIS_PORT=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
REDIS_URL=redis://127.0.0.1:$REDIS_PORT
redis_pid=""
sender_pid=""

cleanup() {
    stop_pid "$sender_pid"
    stop_pid "$redis_pid"
    rm -rf "$redis_dir"
}
trap cleanup EXIT
trap 'cleanup; trap - EXIT; exit 130' INT TERM

taskset -c "$PEER_CPU" redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --dir "$redis_dir" \
    --save "" --appendonly no >"$redis_dir/redis.log" 2>&1 &
redis_pid=$!
wait_for "redis on port $REDIS_PORT" "redis-cli -p $REDIS_PORT ping"

# How many members subscribe to `/`'s request channel (every member does,
# after its broadcast pattern, on the same connection: Redis applies them
# in order); with the streams adapter, to its namespace channel.
members_channel='socket.io-request#/#'
[ "${REDIS_ADAPTER:-}" = streams ] && members_channel='socket.io#/#'
members_check="[ \"\$(redis-cli -p $REDIS_PORT PUBSUB NUMSUB '$members_channel' | tail -n 1)\" = 2 ]"

# The command of each implementation's server.
server_cmd() {
    case $1 in
        ours) echo "$OURS_BIN" ;;
        node) echo "node $NODE_PEER/server.js" ;;
        *) echo "unknown implementation $1 (ours, node)" >&2; exit 2 ;;
    esac
}

# One cluster run of implementation $1: the sending node on SENDER_PORT,
# then run.sh starts the receiving node (waiting for both members'
# subscriptions) and runs fanout across them.
cluster_run() {
    local impl=$1 cmd log
    cmd=$(server_cmd "$impl")
    log=$BENCH/results/${impl}_cluster.sender.log
    # shellcheck disable=SC2086 # the command is meant to be split
    PORT=$SENDER_PORT REDIS_URL=$REDIS_URL taskset -c "$PEER_CPU" $cmd >"$log" 2>&1 &
    sender_pid=$!
    wait_for "${impl}: the sending node (see $log)" \
        "kill -0 $sender_pid && (exec 3<>/dev/tcp/127.0.0.1/$SENDER_PORT)"
    # shellcheck disable=SC2086 # the command is meant to be split
    REDIS_URL=$REDIS_URL READY_CHECK=$members_check SCENARIOS=fanout \
        FANOUT_ARGS="$FANOUT_ARGS --sender-addr 127.0.0.1:$SENDER_PORT --sender-pid $sender_pid" \
        "$BENCH/run.sh" "${impl}_cluster" -- $cmd
    stop_pid "$sender_pid"
    sender_pid=""
}

mkdir -p "$BENCH/results"
out=$BENCH/results/cluster-$(date +%Y%m%d-%H%M%S).txt
{
    echo "# $(date -Is), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
        "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), profile $PROFILE"
    echo "# $(redis-server --version | cut -d' ' -f1-3), FANOUT_ARGS=$FANOUT_ARGS"
    echo "# receiving node on CPU $SERVER_CPU; load generator on $LOADGEN_CPU; sending node and redis on $PEER_CPU"
    for impl in $IMPLS; do echo "# $impl: $(server_cmd "$impl")"; done
} >"$out"

# Interleaved (ours, ours_cluster, node, node_cluster, ours, ...).
for round in $(seq "$ROUNDS"); do
    for impl in $IMPLS; do
        echo "== round $round/$ROUNDS: $impl, one node" >&2
        # shellcheck disable=SC2046 # the command is meant to be split
        SCENARIOS=fanout FANOUT_ARGS="$FANOUT_ARGS" "$BENCH/run.sh" "$impl" -- $(server_cmd "$impl") |
            tee -a "$out"
        echo "== round $round/$ROUNDS: $impl, across the cluster" >&2
        # Not in a pipeline: in this shell, so that the trap can stop the sending node.
        cluster_run "$impl" >"$redis_dir/run.txt"
        tee -a "$out" <"$redis_dir/run.txt"
    done
done

echo
python3 "$BENCH/cluster_table.py" <"$out"
echo "(raw results: $out)"
