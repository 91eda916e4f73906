#!/usr/bin/env bash
# Durable acknowledgements per second of each Titanic store, as docs/TITANIC-STORES.md
# reports them: a broker, one or two `titanic serve`, and N requests stored through
# `titanic request --lines --pipeline P` (no worker: the requests stay stored). Each store is
# measured RUNS times; one line per run.
#
#   scripts/bench-titanic-stores.sh [N] [PIPELINE] [RUNS]
#
# PostgreSQL: the database at $ZMQTOOL_TEST_POSTGRES, or a throwaway server from
# scripts/test-postgres.sh (a new database per run, made and dropped with psql).
set -euo pipefail
cd "$(dirname "$0")/.."
N=${1:-5000}
PIPELINE=${2:-16}
RUNS=${3:-3}
BIN=target/release/zmqtool
[[ -x $BIN ]] || cargo build --release
started=
if [[ -z "${ZMQTOOL_TEST_POSTGRES:-}" ]]; then
    eval "$(scripts/test-postgres.sh start)"
    started=1
fi
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; pids=(); }
trap 'cleanup; rm -rf "$work"; [[ -z "$started" ]] || scripts/test-postgres.sh stop' EXIT

port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# measure LABEL SERVERS STORE: prints the acknowledgements per second.
measure() {
    local label=$1 servers=$2 store=$3 ep
    ep="tcp://127.0.0.1:$(port)"
    "$BIN" broker --bind "$ep" 2>/dev/null & pids+=($!)
    for _ in $(seq "$servers"); do
        "$BIN" titanic serve --broker "$ep" --store "$store" 2>>"$work/serve.log" & pids+=($!)
    done
    # Wait for every server's titanic.request before timing.
    until [[ $(grep -c "titanic serving" "$work/serve.log" 2>/dev/null || true) -ge $servers ]]; do sleep 0.1; done
    until "$BIN" mmi titanic.request --broker "$ep" >/dev/null 2>&1; do sleep 0.1; done
    local summary
    summary=$(seq "$N" | "$BIN" --json titanic request bench --lines --pipeline "$PIPELINE" --broker "$ep" | tail -n 1)
    cleanup
    : >"$work/serve.log"
    echo "$label: $summary"
}

for run in $(seq "$RUNS"); do
    measure "sqlite, 1 server" 1 "$work/t$run.db"
    db="zmqtool_bench_${run}_$$"
    psql -q "$ZMQTOOL_TEST_POSTGRES" -c "CREATE DATABASE $db"
    url=$(echo "$ZMQTOOL_TEST_POSTGRES" | sed "s#/[^/?]*\(?\|\$\)#/$db\1#")
    measure "postgres, 1 server" 1 "$url"
    psql -q "$ZMQTOOL_TEST_POSTGRES" -c "DROP DATABASE $db WITH (FORCE)"
    psql -q "$ZMQTOOL_TEST_POSTGRES" -c "CREATE DATABASE $db"
    measure "postgres, 2 servers" 2 "$url"
    psql -q "$ZMQTOOL_TEST_POSTGRES" -c "DROP DATABASE $db WITH (FORCE)"
    measure "memory, 1 server" 1 "memory:"
done
