#!/usr/bin/env bash
# Benchmarks several Socket.IO servers in one sitting and prints one table:
# the anchors (Node's socket.io, socketioxide), the servers given, and the
# floor (the least work a server on our stack can do: a reference, last).
#
#   compare.sh                          # node, socketioxide, ours, floor
#   compare.sh ours "mine=./my-server"  # servers as name=command; "ours" is ours
#   ROUNDS=3 compare.sh                 # 3 interleaved rounds; cells are medians
#   PEERS=floor compare.sh ours         # only some of node, socketioxide, floor
#
# "ours" is $OURS: `cargo run` of examples/bench_server with the --profile
# of common.sh (perf when the root Cargo.toml has [profile.perf], else
# release). A command runs in the current directory and is split on
# whitespace; a `cargo run ...` command is built first (as `cargo build
# ...`), and at run time cargo execs the server, so the pid is the server's.
# Every run.sh knob applies (PORT, SCENARIOS, ECHO_ARGS, ...).
# Raw results: results/compare-<time>.txt.
set -euo pipefail
source "$(dirname "$0")/common.sh"

PEERS=${PEERS:-"node socketioxide floor"}
ROUNDS=${ROUNDS:-1}
has_peer() { [[ " $PEERS " == *" $1 "* ]]; }

[ $# -gt 0 ] || set -- ours
servers=()
has_peer node && servers+=("node=node $BENCH/peers/node/server.js")
has_peer socketioxide &&
    servers+=("socketioxide=$BENCH/peers/socketioxide/target/release/sio-bench-socketioxide")
for arg in "$@"; do
    if [ "$arg" = ours ]; then
        servers+=("ours=$OURS")
    elif [ "${arg%%=*}" = "$arg" ] || [ -z "${arg#*=}" ] || [ -z "${arg%%=*}" ]; then
        echo "bad server '$arg': want name=command (or ours)" >&2
        exit 2
    else
        servers+=("$arg")
    fi
done
has_peer floor && servers+=("floor=$FLOOR")

echo "building the load generator and the floor (profile $PROFILE)..." >&2
build_workspace_tools
if has_peer socketioxide; then
    echo "building socketioxide (first time: a few minutes)..." >&2
    cargo build --quiet --release --manifest-path "$BENCH/peers/socketioxide/Cargo.toml" \
        --target-dir "$BENCH/peers/socketioxide/target" >&2
fi
if has_peer node && [ ! -d "$BENCH/peers/node/node_modules/socket.io" ]; then
    (cd "$BENCH/peers/node" && npm ci --no-audit --no-fund >&2)
fi
# `cargo run` servers: built here, once and on both cores, rather than by
# run.sh on the server's pinned core before each scenario.
for entry in "${servers[@]}"; do
    cmd=${entry#*=}
    if [[ $cmd == "cargo run"* ]]; then
        build=${cmd%% -- *}
        echo "building: ${build/cargo run/cargo build}" >&2
        ${build/cargo run/cargo build} >&2
    fi
done
export BUILT=1

mkdir -p "$BENCH/results"
out=$BENCH/results/compare-$(date +%Y%m%d-%H%M%S).txt
{
    echo "# $(date -Is), $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)," \
        "commit $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), profile $PROFILE"
    for entry in "${servers[@]}"; do echo "# ${entry%%=*}: ${entry#*=}"; done
} >"$out"

# Interleaved (node, socketioxide, ..., floor, node, ...), so that a slow
# spell of the machine does not fall on one server only.
for round in $(seq "$ROUNDS"); do
    for entry in "${servers[@]}"; do
        echo "== round $round/$ROUNDS: ${entry%%=*}" >&2
        # shellcheck disable=SC2086 # the command is meant to be split
        "$BENCH/run.sh" "${entry%%=*}" -- ${entry#*=} | tee -a "$out"
    done
done

echo
python3 "$BENCH/table.py" <"$out"
echo "(raw results: $out)"
