#!/bin/bash
# The broker against raw libzmq, in one run on this machine: the rows of the shared
# compare.sh (../shared/bench/compare.sh, whose C programs this builds) plus the rows for
# credit (`zmqtool worker --credit`), so every ratio in docs/PERFORMANCE.md comes from one run.
#   usage: scripts/compare.sh [path/to/shared/bench] [path/to/zmqtool]
# For 100,000 requests of 64 B with 100 in flight from one C client, each row gives
# requests/s and the CPU microseconds per request of the proxy or broker process (and of the
# zmqtool worker where there is one): utime+stime from /proc, all threads.
# Needs libzmq's headers: apt-get install -y libzmq3-dev
set -u
SHARED=${1:-../shared/bench}
BIN=${2:-target/release/zmqtool}
T=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$T"' EXIT
for f in rawproxy rawecho rawflood rawmdpworker leanbroker; do
    gcc -O2 -o "$T/$f" "$SHARED/$f.c" -lzmq || exit 1
done
port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
cpu() { awk '{print $14+$15}' "/proc/$1/stat"; }
us_per_req() { python3 -c "import os; print(round(($2-$1)*1e6/os.sysconf('SC_CLK_TCK')/$3, 2))"; }
N=100000

# One row: flood SERVICE at EP, measuring process $3 (and $4, a worker, if given).
row() {
    local label=$1 ep=$2 server=$3 worker=${4:-} service=${5:-echo}
    local c0 c1 w0 w1 rate
    c0=$(cpu "$server"); [ -n "$worker" ] && w0=$(cpu "$worker")
    read -r _ _ rate < <("$T/rawflood" "$ep" "$service" $N 100 64)
    c1=$(cpu "$server"); [ -n "$worker" ] && w1=$(cpu "$worker")
    printf '%-44s %8s req/s, server %6s us' "$label" "$rate" "$(us_per_req "$c0" "$c1" $N)"
    [ -n "$worker" ] && printf ', worker %6s us' "$(us_per_req "$w0" "$w1" $N)"
    printf ' CPU/request\n'
}

F=$(port); B=$(port)
"$T/rawproxy" tcp://127.0.0.1:$F tcp://127.0.0.1:$B & RP=$!
"$T/rawecho" tcp://127.0.0.1:$B & RE=$!; sleep 0.5
row "raw proxy + C REP echo" tcp://127.0.0.1:$F $RP
kill $RP $RE; wait $RP $RE 2>/dev/null

LEP=tcp://127.0.0.1:$(port)
"$T/leanbroker" $LEP & LB=$!; sleep 0.5
"$T/rawmdpworker" $LEP cecho 16 60 >/dev/null & LW=$!; sleep 1
row "lean C MDP broker + 16 lean C sessions" $LEP $LB $LW cecho
kill $LW $LB; wait $LW $LB 2>/dev/null

EP=tcp://127.0.0.1:$(port)
"$BIN" broker --bind $EP -q & BP=$!; sleep 0.5
"$T/rawmdpworker" $EP cecho 16 60 >/dev/null & CW=$!; sleep 1
row "zmqtool broker + 16 lean C sessions" $EP $BP "" cecho
kill $CW
"$BIN" worker echo --broker $EP --concurrency 16 -q & ZW=$!; sleep 1.5
row "zmqtool broker + zmqtool worker -c16" $EP $BP $ZW
kill $ZW; wait $ZW 2>/dev/null
"$BIN" worker echo --broker $EP --credit 64 -q & KW=$!; sleep 1.5
row "zmqtool broker + zmqtool worker --credit 64" $EP $BP $KW
kill $KW $BP; wait 2>/dev/null
