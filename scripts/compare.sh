#!/bin/bash
# The zmqtool broker against raw libzmq, in one run on this machine.
#   usage: scripts/compare.sh [path/to/zmqtool]      (from the project root, after
#          `cargo build --release`; default target/release/zmqtool)
#   needs: gcc and libzmq's headers (Debian: apt-get install -y gcc libzmq3-dev), python3
#   knobs (environment): REQUESTS (100000), WINDOW (100 in flight), SIZE (64-byte bodies),
#          SESSIONS (16: worker sessions of the lean C worker and of `zmqtool worker -c`),
#          CREDIT (64: `zmqtool worker --credit`),
#          PIN=S/C (e.g. 0/1): servers and workers on CPUs S, the C client on CPUs C (taskset
#          lists); without it the scheduler places the processes, and where it puts four on
#          two CPUs moves the figures by a third from one run to the next
# The C programs in scripts/bench/ are built into a temporary directory on each run:
#   flood      the load: one DEALER keeping WINDOW MDP/0.1 requests in flight (all rows)
#   proxy+echo zmq_proxy (ROUTER-DEALER) and a REP echo: no protocol at all, the floor
#   mdpbroker  the leanest MDP/0.1 broker (no heartbeats, limits, MMI): the protocol's floor
#   mdpworker  SESSIONS lean MDP/0.1 echo sessions on one thread: the broker alone is measured
# Each row gives requests/s and the CPU microseconds per request (utime+stime from
# /proc/PID/stat, all threads) of the proxy or broker, and of the worker where it is a
# zmqtool one. Ratios between rows of one run are what to compare: absolute figures move with
# the machine and its load.
set -u
BIN=${1:-target/release/zmqtool}
N=${REQUESTS:-100000}
WIN=${WINDOW:-100}
SIZE=${SIZE:-64}
SESS=${SESSIONS:-16}
CREDIT=${CREDIT:-64}
HERE=$(cd "$(dirname "$0")" && pwd)
S=(); C=()
if [ -n "${PIN:-}" ]; then S=(taskset -c "${PIN%/*}"); C=(taskset -c "${PIN#*/}"); fi
[ -x "$BIN" ] || { echo "no zmqtool at $BIN (cargo build --release, or pass its path)" >&2; exit 1; }
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; wait 2>/dev/null; rm -rf "$T"' EXIT
for f in proxy echo flood mdpbroker mdpworker; do
    gcc -O2 -o "$T/$f" "$HERE/bench/$f.c" -lzmq ||
        { echo "cannot build scripts/bench/$f.c (apt-get install -y gcc libzmq3-dev)" >&2; exit 1; }
done

port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }   # clock ticks, all threads
us_per_req() { python3 -c "import os; print('%.2f' % (($2-$1)*1e6/os.sysconf('SC_CLK_TCK')/$3))"; }
wait_port() {
    local i
    for i in $(seq 200); do (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0; sleep 0.05; done
    echo "nothing listens on port $1" >&2; exit 1
}
# Until the zmqtool broker at $1 has $3 workers (idle or busy) for service $2.
wait_workers() {
    local line idle busy
    for _ in $(seq 100); do
        line=$("$BIN" client mmi.workers --broker "$1" --timeout 500ms --retries 1 2>/dev/null | grep "^$2 ")
        idle=$(sed -n 's/.*idle=\([0-9]*\).*/\1/p' <<<"$line"); busy=$(sed -n 's/.*busy=\([0-9]*\).*/\1/p' <<<"$line")
        [ $(( ${idle:-0} + ${busy:-0} )) -ge "$3" ] && return 0
        sleep 0.1
    done
    echo "the broker at $1 never had $3 workers for $2" >&2; exit 1
}

# row LABEL ENDPOINT SERVICE SERVER-PID [WORKER-PID]: one flood, one line.
row() {
    local label=$1 ep=$2 service=$3 server=$4 worker=${5:-} s0 s1 w0 w1 answered rate
    s0=$(cpu "$server"); [ -n "$worker" ] && w0=$(cpu "$worker")
    read -r answered _ rate < <("${C[@]}" "$T/flood" "$ep" "$service" "$N" "$WIN" "$SIZE")
    s1=$(cpu "$server"); [ -n "$worker" ] && w1=$(cpu "$worker")
    if [ "${answered:-0}" != "$N" ]; then
        printf '%-44s FAILED: %s of %s answered\n' "$label" "${answered:-0}" "$N"; return
    fi
    printf '%-44s %8s req/s, server %6s us' "$label" "$rate" "$(us_per_req "$s0" "$s1" "$N")"
    [ -n "$worker" ] && printf ', worker %6s us' "$(us_per_req "$w0" "$w1" "$N")"
    printf ' CPU/request\n'
}

echo "compare: $N requests of $SIZE B, $WIN in flight, one C client; $(nproc) CPUs${PIN:+, PIN=$PIN}; $("$BIN" --version)"

F=$(port); B=$(port)
"${S[@]}" "$T/proxy" "tcp://127.0.0.1:$F" "tcp://127.0.0.1:$B" & RP=$!
wait_port "$F"
"${S[@]}" "$T/echo" "tcp://127.0.0.1:$B" & RE=$!
sleep 0.5   # the REP's connection (nothing to ask the proxy about it)
row "raw zmq_proxy + C REP echo" "tcp://127.0.0.1:$F" echo $RP
kill $RP $RE; wait $RP $RE 2>/dev/null

P=$(port); EP=tcp://127.0.0.1:$P
"${S[@]}" "$T/mdpbroker" "$EP" & LB=$!
wait_port "$P"
"${S[@]}" "$T/mdpworker" "$EP" cecho "$SESS" 3600 >/dev/null & LW=$!
sleep 1     # READYs (the lean broker answers no MMI)
row "lean C MDP broker + $SESS lean C sessions" "$EP" cecho $LB
kill $LW $LB; wait $LW $LB 2>/dev/null

P=$(port); EP=tcp://127.0.0.1:$P
"${S[@]}" "$BIN" broker --bind "$EP" -q & BP=$!
wait_port "$P"
"${S[@]}" "$T/mdpworker" "$EP" cecho "$SESS" 3600 >/dev/null & CW=$!
wait_workers "$EP" cecho "$SESS"
row "zmqtool broker + $SESS lean C sessions" "$EP" cecho $BP
kill $CW; wait $CW 2>/dev/null
"${S[@]}" "$BIN" worker echo --broker "$EP" --concurrency "$SESS" -q & ZW=$!
wait_workers "$EP" echo "$SESS"
row "zmqtool broker + zmqtool worker -c$SESS" "$EP" echo $BP $ZW
kill $ZW; wait $ZW 2>/dev/null
"${S[@]}" "$BIN" worker echo --broker "$EP" --credit "$CREDIT" -q & KW=$!
wait_workers "$EP" echo 1
row "zmqtool broker + zmqtool worker --credit $CREDIT" "$EP" echo $BP $KW
kill $KW $BP; wait $KW $BP 2>/dev/null
