#!/bin/bash
# Request-reply through nats-server and through the zmqtool broker, on this machine, in one run.
#   usage: scripts/compare-nats.sh [path/to/zmqtool]   (from the project root, after
#          `cargo build --release`; default $ZMQTOOL or target/release/zmqtool)
#   needs: nats-server (Debian: apt-get install -y nats-server; another one: $NATS_SERVER),
#          python3, and cargo for scripts/natsbench/, built on first use (into $NATSBENCH_TARGET,
#          default /tmp/natsbench-target; $NATSBENCH names a ready binary instead)
#   knobs (environment):
#     DURATION (10s) each measured phase, after WARMUP (1s) of the same load unmeasured
#     SIZE (128) request and reply bodies, in bytes
#     B_CLIENTS (16) x B_PIPELINE (4) requests in flight, B_RESPONDERS (2), in cases (b), (c)
#     ROUNDS (1) runs of every phase, interleaved; with more, the median ratios are added
#     GOMAXPROCS reaches nats-server only (Go's threads; 1 is its best showing on 2 CPUs)
#     PIN=S/C (e.g. 0/1): servers and responders on CPUs S, the load generator on CPUs C
#          (taskset lists), so the two load generators' unequal cost stays off the servers
#
# The cases, each run for both systems with the same load shape:
#   (a) 1 client, 1 request in flight, 1 responder process: a latency race
#   (b) B_CLIENTS clients x B_PIPELINE in flight, B_RESPONDERS responder processes;
#       NATS: one connection per responder in queue group "echo";
#       zmqtool: `worker --concurrency N`, N plain MDP sessions per process, one for each
#       request in flight (a plain MDP session holds one request at a time)
#   (c) as (b), with `worker --credit 64`: one connection per process holding up to 64
#       requests (docs/PROTOCOL-EXTENSIONS.md), the counterpart of a NATS responder; its rows
#       are case (b)'s with system "zmqtool --credit 64", set against the same NATS row
# The load generators (scripts/natsbench `request` | `zmqtool bench`) both run a closed loop
# and check every reply byte for byte, and print the same JSON fields.
# Per phase: requests/s, p50/p99 latency (from the load generator); CPU microseconds per
# request (user+system, all threads) of the server (/proc/PID/stat), the responders together,
# and the load generator (getrusage of its process); idle%, the whole machine's idle time
# meanwhile (near 0: the run was CPU-bound, and req/s is about CPUs / all CPU per request).
# Ratios are zmqtool / NATS in the same round. Loopback only, free ports, ~60 s a round.
set -u
BIN=${1:-${ZMQTOOL:-target/release/zmqtool}}
NATS=${NATS_SERVER:-nats-server}
DUR=${DURATION:-10s}
WARM=${WARMUP:-1s}
SIZE=${SIZE:-128}
BK=${B_CLIENTS:-16}
BW=${B_PIPELINE:-4}
BM=${B_RESPONDERS:-2}
ROUNDS=${ROUNDS:-1}
HERE=$(cd "$(dirname "$0")" && pwd)
ON_SERVERS=(); ON_LOADGEN=()
if [ -n "${PIN:-}" ]; then ON_SERVERS=(taskset -c "${PIN%/*}"); ON_LOADGEN=(taskset -c "${PIN#*/}"); fi

[ -x "$BIN" ] || { echo "no zmqtool at $BIN (cargo build --release, or pass its path)" >&2; exit 1; }
command -v "$NATS" >/dev/null || { echo "no $NATS on PATH (apt-get install -y nats-server)" >&2; exit 1; }
if [ -z "${NATSBENCH:-}" ]; then
    NT=${NATSBENCH_TARGET:-/tmp/natsbench-target}
    cargo build --release --quiet --manifest-path "$HERE/natsbench/Cargo.toml" --target-dir "$NT" || exit 1
    NATSBENCH=$NT/release/natsbench
fi
TCK=$(getconf CLK_TCK)
T=$(mktemp -d)

PIDS=()    # the current phase's servers and responders
GEN=       # the load generator while it runs
stop_phase() {
    [ ${#PIDS[@]} -eq 0 ] && return
    kill "${PIDS[@]}" 2>/dev/null; wait "${PIDS[@]}" 2>/dev/null; PIDS=()
}
trap '[ -n "$GEN" ] && kill "$GEN" 2>/dev/null; stop_phase; rm -rf "$T"' EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
ticks() { local t=0 p; for p in "$@"; do t=$((t + $(awk '{print $14+$15}' "/proc/$p/stat"))); done; echo $t; }
idle_ticks() { awk '/^cpu /{print $5+$6}' /proc/stat; }
start() { "${ON_SERVERS[@]}" "$@" & PIDS+=($!); }   # a server or responder of this phase
wait_port() {
    for _ in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "nothing listens on port $1" >&2; return 1
}

# generate OUT command...: runs the load generator (in the background, so that a signal
# reaches the traps), its stdout to OUT and its CPU seconds (getrusage) to OUT.cpu.
generate() {
    local out=$1; shift
    python3 -c '
import resource, signal, subprocess, sys
child = subprocess.Popen(sys.argv[2:])
signal.signal(signal.SIGTERM, lambda *_: (child.terminate(), sys.exit(143)))
rc = child.wait()
use = resource.getrusage(resource.RUSAGE_CHILDREN)
open(sys.argv[1], "w").write("%.6f\n" % (use.ru_utime + use.ru_stime))
sys.exit(rc)' "$out.cpu" "${ON_LOADGEN[@]}" "$@" >"$out" 2>>"$T/log" &
    GEN=$!; wait "$GEN"; GEN=
}

# measure CASE SYSTEM SERVER "RESPONDERS" generator...: a warmup, then the measured run;
# one tab-separated row to $T/rows.
measure() {
    local case=$1 system=$2 server=$3 resp s0 r0 i0 t0 s1 r1 i1 t1
    read -r -a resp <<<"$4"; shift 4
    generate "$T/warmup" "$@" --duration "$WARM"
    s0=$(ticks "$server"); r0=$(ticks "${resp[@]}"); i0=$(idle_ticks); t0=$(date +%s.%N)
    generate "$T/run" "$@" --duration "$DUR"
    s1=$(ticks "$server"); r1=$(ticks "${resp[@]}"); i1=$(idle_ticks); t1=$(date +%s.%N)
    python3 - "$ROUND" "$case" "$system" "$T/run" $s0 $s1 $r0 $r1 $i0 $i1 $t0 $t1 "$TCK" "$(nproc)" \
        >>"$T/rows" <<'PY'
import json, sys
a = sys.argv[1:]
rnd, case, system, path = a[:4]
s0, s1, r0, r1, i0, i1 = map(int, a[4:10])
t0, t1, tck, cpus = float(a[10]), float(a[11]), int(a[12]), int(a[13])
try:
    rep = json.loads(open(path).read().strip().splitlines()[-1])
    gen_s = float(open(path + ".cpu").read())
except Exception as e:
    print("\t".join([rnd, case, system, "FAILED: %s (see the log)" % e])); sys.exit()
n = max(rep["requests"], 1)
per = lambda t: "%.2f" % (t * 1e6 / tck / n)
idle = 100.0 * (i1 - i0) / ((t1 - t0) * tck * cpus)
print("\t".join(map(str, [rnd, case, system, rep["throughput_rps"], rep["requests"],
      rep["errors"] + rep["timeouts"], rep["latency_us"]["p50"], rep["latency_us"]["p99"],
      per(s1 - s0), per(r1 - r0), per(gen_s * tck), "%.0f" % idle])))
PY
    tail -n 1 "$T/rows" | tr '\t' ' ' >&2
}

# nats CASE CLIENTS PIPELINE RESPONDERS
nats() {
    local case=$1 k=$2 w=$3 m=$4 p url server i resp=()
    p=$(port); url=nats://127.0.0.1:$p
    start "$NATS" -a 127.0.0.1 -p "$p" >>"$T/log" 2>&1; server=$!
    wait_port "$p" || { stop_phase; return; }
    for i in $(seq "$m"); do
        start "$NATSBENCH" respond --server "$url" >"$T/ready.$i" 2>>"$T/log"; resp+=($!)
    done
    for i in $(seq "$m"); do
        for _ in $(seq 200); do grep -q ready "$T/ready.$i" 2>/dev/null && break; sleep 0.05; done
    done
    measure "$case" nats "$server" "${resp[*]}" \
        "$NATSBENCH" request --server "$url" --clients "$k" --pipeline "$w" --size "$SIZE"
    stop_phase
}

# zmq CASE SYSTEM CLIENTS PIPELINE WORKERS CONNECTIONS worker-options...
zmq() {
    local case=$1 system=$2 k=$3 w=$4 m=$5 want=$6 p ep server i resp=() line idle busy
    shift 6
    p=$(port); ep=tcp://127.0.0.1:$p
    start "$BIN" broker --bind "$ep" -q 2>>"$T/log"; server=$!
    wait_port "$p" || { stop_phase; return; }
    for i in $(seq "$m"); do
        start "$BIN" worker echo --broker "$ep" -q "$@" 2>>"$T/log"; resp+=($!)
    done
    for _ in $(seq 100); do   # until every connection is registered: "echo idle=I busy=B queued=Q"
        line=$("$BIN" client mmi.workers --broker "$ep" --timeout 500ms --retries 1 2>/dev/null)
        idle=$(sed -n 's/.*idle=\([0-9]*\).*/\1/p' <<<"$line"); busy=$(sed -n 's/.*busy=\([0-9]*\).*/\1/p' <<<"$line")
        [ $(( ${idle:-0} + ${busy:-0} )) -ge "$want" ] && break
        sleep 0.1
    done
    measure "$case" "$system" "$server" "${resp[*]}" \
        "$BIN" -q --json bench echo --broker "$ep" --concurrency "$k" --pipeline "$w" --size "$SIZE" --warmup 0s
    stop_phase
}

SESS=$(( (BK * BW + BM - 1) / BM ))   # plain MDP sessions per worker: one per request in flight
A="(a) 1x1 sync, 1 responder"
B="(b) ${BK}x${BW} in flight, $BM responders"
echo "compare-nats: $("$NATS" --version 2>&1 | head -1), $("$BIN" --version 2>&1 | head -1)," \
     "$(nproc) CPUs, GOMAXPROCS=${GOMAXPROCS:-unset}, PIN=${PIN:-none}, $SIZE B bodies," \
     "$DUR per phase after $WARM of warmup, $ROUNDS round(s)" >&2
for ROUND in $(seq "$ROUNDS"); do
    nats "$A" 1 1 1
    zmq "$A" zmqtool 1 1 1 1
    nats "$B" "$BK" "$BW" "$BM"
    zmq "$B" "zmqtool -c$SESS" "$BK" "$BW" "$BM" $((BM * SESS)) --concurrency "$SESS"
    zmq "$B" "zmqtool --credit 64" "$BK" "$BW" "$BM" "$BM" --credit 64
done

python3 - "$T/rows" <<'PY'
import statistics, sys
rows, done = [l.rstrip("\n").split("\t") for l in open(sys.argv[1])], []
for r in rows:
    if len(r) != 12:
        print("FAILED:", " ".join(r)); continue
    server, resp, gen = float(r[8]), float(r[9]), float(r[10])
    # round case system req/s requests err p50 p99 server responders srv+resp client all idle%
    done.append(r[:10] + ["%.2f" % (server + resp), r[10], "%.2f" % (server + resp + gen), r[11]])

def show(head, body):
    width = [max(len(x[i]) for x in [head] + body) for i in range(len(head))]
    for x in [head] + body:
        print("  ".join(c.ljust(width[i]) if i in (1, 2) else c.rjust(width[i]) for i, c in enumerate(x)))

print("CPU columns: microseconds of CPU (user+system, all threads) per request;"
      " idle%: the whole machine's idle time meanwhile")
show(["#", "case", "system", "req/s", "requests", "err", "p50 us", "p99 us", "server",
      "responders", "srv+resp", "client", "all", "idle%"], done)
cols = [(3, "req/s"), (8, "server CPU"), (9, "resp. CPU"), (10, "srv+resp CPU"),
        (11, "client CPU"), (12, "all CPU"), (6, "p50")]
nats = {(r[0], r[1]): r for r in done if r[2] == "nats"}
ratios = [[r[0], r[1], r[2]] + [float(r[i]) / max(float(nats[(r[0], r[1])][i]), 1e-9) for i, _ in cols]
          for r in done if r[2] != "nats" and (r[0], r[1]) in nats]
text = lambda x: x[:3] + ["%.2f" % v for v in x[3:]]
heads = ["#", "case", "system"] + [h for _, h in cols]
print()
print("ratios zmqtool / nats, same case, same round (CPU per request: < 1 means zmqtool uses less):")
show(heads, [text(x) for x in ratios])
if len({x[0] for x in ratios}) > 1:
    keys = list(dict.fromkeys((x[1], x[2]) for x in ratios))
    med = [["med", c, s] + [statistics.median(x[3 + i] for x in ratios if (x[1], x[2]) == (c, s))
                            for i in range(len(cols))] for c, s in keys]
    print()
    print("median of the rounds' ratios:")
    show(heads, [text(x) for x in med])
PY
