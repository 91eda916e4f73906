#!/usr/bin/env bash
# What `worker --dedup` costs an echo worker: requests/s (zmqtool bench --stamp, so every
# request is recorded) and the worker's CPU per request, for a plain worker, --dedup on a
# SQLite file, and --dedup on PostgreSQL (when a URL is given, or ZMQTOOL_TEST_POSTGRES is set).
#
#   scripts/bench-dedup.sh [POSTGRES_URL]
#
# Env: ZMQTOOL (the binary, default target/release/zmqtool), N (requests per run, 3000),
# SESSIONS (worker sessions, 8), PIPELINE (requests in flight, 16).
set -euo pipefail
Z=${ZMQTOOL:-target/release/zmqtool}
N=${N:-3000}
SESSIONS=${SESSIONS:-8}
PIPELINE=${PIPELINE:-16}
PG=${1:-${ZMQTOOL_TEST_POSTGRES:-}}
dir=$(mktemp -d)
pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$dir"
}
trap cleanup EXIT
ep="ipc://$dir/broker"
"$Z" broker --bind "$ep" -q &
pids+=($!)

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }

row() {
    local name=$1 worker out rps c0 c1
    shift
    "$Z" worker echo --broker "$ep" --concurrency "$SESSIONS" -q "$@" &
    worker=$!
    pids+=("$worker")
    until "$Z" mmi echo --broker "$ep" --timeout 200ms --retries 1 >/dev/null 2>&1; do sleep 0.1; done
    c0=$(cpu_ticks "$worker")
    out=$("$Z" --json bench echo --broker "$ep" --stamp --requests "$N" --pipeline "$PIPELINE" --warmup 0s)
    c1=$(cpu_ticks "$worker")
    kill "$worker"
    wait "$worker" 2>/dev/null || true
    rps=$(printf '%s' "$out" | python3 -c 'import json, sys; print(json.loads(sys.stdin.read().splitlines()[-1])["throughput_rps"])')
    python3 -c "import os; print('| $name | $rps | %.1f µs |' % (($c1 - $c0) * 1e6 / os.sysconf('SC_CLK_TCK') / $N))"
}

echo "| worker ($SESSIONS sessions, $N stamped requests, $PIPELINE in flight) | requests/s | worker CPU/request |"
echo "| --- | --- | --- |"
row "plain echo"
row "--dedup SQLite file" --dedup "$dir/dedup.db"
if [[ -n "$PG" ]]; then
    row "--dedup PostgreSQL" --dedup "$PG"
fi
