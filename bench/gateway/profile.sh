#!/usr/bin/env bash
# Where a Shepherd binary spends its CPU on the request path: starts the fake upstream and
# `shepherd serve` (the run.sh config: SQLite ledger on), loads it with wrk, and records the
# gateway with `perf record -g` for the measured part. Prints requests/s and the gateway's CPU
# per request, and writes the perf data and a demangled `perf report --children` beside them.
#
#   bench/gateway/profile.sh --shepherd BIN [--connections 32] [--duration 10] [--no-perf]
#                            [--model bench] [--scenario chat|chat-image] [--out DIR] [--env NAME=VALUE ...]
#
# --no-perf measures CPU per request without the profiler (perf itself costs a few percent).
# BENCH_STORAGE=none in the environment runs the gateway without its ledger (`--env` sets the
# gateway's own environment, not the harness's). The second line splits the CPU by thread:
# NIO's event loops, Swift's task pool, and the rest (SQLite's dispatch queues, timers).
# Everything listens on 127.0.0.1; the servers stop when the script ends.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN=""; CONNS=32; DURATION=10; PERF=1; MODEL=bench; SCENARIO=chat; OUT=""; EXTRA_ENV=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shepherd) BIN="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --no-perf) PERF=0; shift ;;
    --model) MODEL="$2"; shift 2 ;;
    --scenario) SCENARIO="$2"; shift 2 ;;
    --out) OUT="$2"; shift 2 ;;
    --env) EXTRA_ENV+=("$2"); shift 2 ;;
    -h|--help) sed -n 2,10p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "--shepherd BIN is required (a release build)" >&2; exit 64; }
source "$HERE/lib.sh"
OUT="${OUT:-$TMP/profile}"
mkdir -p "$OUT"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"
[[ $PERF == 0 ]] || command -v perf >/dev/null || die "perf is missing (apt-get install linux-perf), or pass --no-perf"

start_upstream "$HERE/scenarios/$SCENARIO"
start_shepherd "$BIN" "${EXTRA_ENV[@]+"${EXTRA_ENV[@]}"}"
BODY="$TMP/request.json"
REQUEST="$HERE/scenarios/$SCENARIO/request.json"
if [[ -f "$HERE/scenarios/$SCENARIO/make_request.py" ]]; then
  REQUEST="$TMP/scenario-request.json"
  python3 "$HERE/scenarios/$SCENARIO/make_request.py" "$REQUEST"
fi
sed "s/\"model\": *\"[^\"]*\"/\"model\": \"$MODEL\"/" "$REQUEST" >"$BODY"
THREADS=$(( CONNS < 2 ? CONNS : 2 ))
load() {
  BENCH_BODY_FILE="$BODY" timeout $(( $1 + 60 )) wrk -t "$THREADS" -c "$CONNS" -d "${1}s" --timeout 30s \
    -s "$HERE/wrk-chat.lua" "$SHEPHERD_URL"
}
load 2 >/dev/null   # warm-up: connections, caches, the first ledger pages
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$SHEPHERD_PID/stat"; }
# Context switches of all the gateway's threads: each is a thread put to sleep or woken, the
# price of a hop between the event loops and the task pool.
switches() { cat /proc/"$SHEPHERD_PID"/task/*/status 2>/dev/null | awk '/ctxt_switches/ { n += $2 } END { print n }'; }
# Per thread: its name and its CPU ticks, to split the gateway's CPU between thread pools.
thread_ticks() {
  local task
  for task in /proc/"$SHEPHERD_PID"/task/*; do
    printf '%s\t%s\n' "$(tr ' ' _ <"$task/comm")" "$(awk '{ print $14 + $15 }' "$task/stat")"
  done 2>/dev/null || true
}
thread_ticks >"$OUT/threads-before.tsv"
before=$(cpu_ticks); switches_before=$(switches)
if [[ $PERF == 1 ]]; then
  perf record -q -e cpu-clock -F 2000 -g -p "$SHEPHERD_PID" -o "$OUT/perf.data" -- sleep "$DURATION" 2>"$OUT/perf.log" &
  PERF_PID=$!
fi
load "$DURATION" >"$OUT/wrk.txt"
[[ $PERF == 1 ]] && wait "$PERF_PID"
after=$(cpu_ticks); switches_after=$(switches)
thread_ticks >"$OUT/threads-after.tsv"
requests=$(sed -n 's/^BENCH_RESULT //p' "$OUT/wrk.txt" | python3 -c 'import json,sys; print(json.load(sys.stdin)["requests"])')
hz=$(getconf CLK_TCK)
python3 - "$requests" "$before" "$after" "$hz" "$DURATION" "$CONNS" "$switches_before" "$switches_after" <<'EOF'
import sys
requests, before, after, hz, duration, conns, sw_before, sw_after = (float(x) for x in sys.argv[1:])
cpu = (after - before) / hz
print(f"c={int(conns)}: {requests / duration:,.0f} req/s, gateway CPU {cpu / duration:.2f} cores, "
      f"{cpu / requests * 1e6:.1f} µs per request, {(sw_after - sw_before) / requests:.2f} context switches "
      f"per request ({int(requests)} requests)")
EOF
python3 - "$OUT/threads-before.tsv" "$OUT/threads-after.tsv" "$requests" "$hz" <<'EOF'
import collections, sys
def load(path):
    # Threads of one pool are summed; a thread that ended in between is left out of both.
    totals = collections.Counter()
    for line in open(path):
        name, _, ticks = line.rstrip("\n").partition("\t")
        if ticks.strip():
            group = "event loops" if name.startswith("NIO-") else "task pool" if "default-qos" in name else "other"
            totals[group] += int(ticks)
    return totals
before, after = load(sys.argv[1]), load(sys.argv[2])
requests, hz = float(sys.argv[3]), float(sys.argv[4])
parts = [f"{group} {(after[group] - before[group]) / hz / requests * 1e6:.1f}" for group in ("event loops", "task pool", "other")]
print("CPU µs per request by thread: " + ", ".join(parts))
EOF
if [[ $PERF == 1 ]]; then
  perf report -i "$OUT/perf.data" --children --no-demangle --stdio --percent-limit 0.7 2>/dev/null \
    | swift demangle --simplified >"$OUT/report-children.txt" || true
  perf report -i "$OUT/perf.data" --no-children --no-demangle --stdio --percent-limit 0.3 -g none 2>/dev/null \
    | swift demangle --simplified >"$OUT/report-self.txt" || true
  echo "perf: $OUT/report-children.txt, $OUT/report-self.txt"
fi
KEEP_TMP=1
