# Shared by run.sh and compare.sh (sourced, not run).
#
# BENCH: this directory; ROOT: the repository. PROFILE: the cargo profile our
# Rust binaries (load generator, floor, our server) are built with: "perf"
# when the root Cargo.toml defines [profile.perf], else "release"; set
# PROFILE=... to choose. TARGET: cargo's target directory (CARGO_TARGET_DIR
# is honoured).

BENCH=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$BENCH")

if [ -z "${PROFILE:-}" ]; then
    if grep -q '^\[profile\.perf\]' "$ROOT/Cargo.toml"; then
        PROFILE=perf
    else
        PROFILE=release
    fi
fi
# cargo puts the "release" profile in target/release, a custom one in
# target/<name>, "dev" in target/debug.
case $PROFILE in
    dev) PROFILE_DIR=debug ;;
    *) PROFILE_DIR=$PROFILE ;;
esac
TARGET=${CARGO_TARGET_DIR:-}
if [ -z "$TARGET" ]; then
    TARGET=$(cargo metadata --format-version 1 --no-deps --manifest-path "$ROOT/Cargo.toml" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')
fi
# The default command for our own server (`ours`).
OURS=${OURS:-"cargo run --quiet --manifest-path $ROOT/Cargo.toml --profile $PROFILE --example bench_server"}
if [ -n "${LOADGEN:-}" ]; then
    LOADGEN_GIVEN=1
else
    LOADGEN=$TARGET/$PROFILE_DIR/sio-loadgen
fi
FLOOR=$TARGET/$PROFILE_DIR/sio-floor

# Builds the load generator and the floor (quietly; errors are shown).
build_workspace_tools() {
    cargo build --quiet --manifest-path "$ROOT/Cargo.toml" --profile "$PROFILE" \
        -p sio-loadgen -p sio-floor >&2
}

# Stops the process $1 (TERM, then KILL after 5 s) and reaps it.
stop_pid() {
    local pid=$1 tenths=0
    [ -n "$pid" ] || return 0
    kill -TERM "$pid" 2>/dev/null || true
    while kill -0 "$pid" 2>/dev/null && [ $tenths -lt 50 ]; do
        sleep 0.1
        tenths=$((tenths + 1))
    done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

# Runs the bash command $2 every 0.1 s until it succeeds; after
# ${READY_TIMEOUT:-120} s says "$1: still failing: <command>" and exits.
wait_for() {
    local tenths=0
    until bash -c "$2" >/dev/null 2>&1; do
        if [ $tenths -ge $((${READY_TIMEOUT:-120} * 10)) ]; then
            echo "$1: still failing after ${READY_TIMEOUT:-120}s: $2" >&2
            exit 1
        fi
        sleep 0.1
        tenths=$((tenths + 1))
    done
}
