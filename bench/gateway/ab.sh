#!/usr/bin/env bash
# Compares Shepherd builds (or settings) on this noisy machine: runs `profile.sh --no-perf` for
# each variant in turn, ROUNDS times, interleaved, and prints each variant's median and range of
# requests/s, CPU per request and context switches per request. One run of 5 s swings by ±10–15 %
# here, so a change smaller than that needs the medians of several interleaved rounds.
#
#   bench/gateway/ab.sh [--rounds 5] [--connections 32] [--duration 5] [--scenario chat] [--model bench]
#                       LABEL=BIN[@NAME=VALUE[,NAME=VALUE...]] ...
#
# NAME=VALUE pairs are set in the environment of that variant's run: the gateway's own
# (SHEPHERD_LOG_LEVEL=...) or the harness's (BENCH_STORAGE=none turns the ledger off).
#
#   bench/gateway/ab.sh before=/tmp/shepherd-old after=.build-release/release/shepherd
#   bench/gateway/ab.sh --connections 1 sqlite=BIN none=BIN@BENCH_STORAGE=none
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROUNDS=5; CONNS=32; DURATION=5; SCENARIO=chat; MODEL=bench; VARIANTS=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --rounds) ROUNDS="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --scenario) SCENARIO="$2"; shift 2 ;;
    --model) MODEL="$2"; shift 2 ;;
    -h|--help) sed -n 2,14p "$0"; exit 0 ;;
    -*) echo "unknown option $1" >&2; exit 64 ;;
    *=*) VARIANTS+=("$1"); shift ;;
    *) echo "a variant is LABEL=BIN[@NAME=VALUE,...], not '$1'" >&2; exit 64 ;;
  esac
done
[[ ${#VARIANTS[@]} -ge 1 ]] || { echo "name at least one variant: LABEL=BIN[@NAME=VALUE,...]" >&2; exit 64; }
for variant in "${VARIANTS[@]}"; do
  spec="${variant#*=}"; bin="${spec%%@*}"
  [[ -x "$bin" ]] || { echo "${variant%%=*}: $bin is not an executable" >&2; exit 64; }
done

RESULTS=$(mktemp /tmp/shepherd-ab.XXXXXX)
trap 'rm -f "$RESULTS"' EXIT
for round in $(seq 1 "$ROUNDS"); do
  for variant in "${VARIANTS[@]}"; do
    label="${variant%%=*}"; spec="${variant#*=}"; bin="${spec%%@*}"; settings=()
    if [[ "$spec" == *@* ]]; then IFS=, read -r -a settings <<<"${spec#*@}"; fi
    line=$(env "${settings[@]+"${settings[@]}"}" "$HERE/profile.sh" --shepherd "$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")" \
      --connections "$CONNS" --duration "$DURATION" --scenario "$SCENARIO" --model "$MODEL" --no-perf 2>/dev/null | grep '^c=' || true)
    [[ -n "$line" ]] || { echo "round $round, $label: the run failed" >&2; exit 1; }
    echo "round $round  $label: ${line#*: }" >&2
    echo "$label $line" >>"$RESULTS"
  done
done
python3 - "$RESULTS" "${VARIANTS[@]%%=*}" <<'EOF'
import re, statistics, sys
rows = [line.split(" ", 1) for line in open(sys.argv[1]) if line.strip()]
print(f"{'variant':12s} {'req/s median (range)':>26s} {'CPU µs/request median (range)':>32s} {'switches/request':>17s}")
for label in dict.fromkeys(sys.argv[2:]):
    points = []
    for name, text in rows:
        if name != label:
            continue
        rps = float(re.search(r"([\d,]+) req/s", text).group(1).replace(",", ""))
        cpu = float(re.search(r"([\d.]+) µs per request", text).group(1))
        switches = float(re.search(r"([\d.]+) context switches", text).group(1))
        points.append((rps, cpu, switches))
    rps, cpu, sw = zip(*points)
    print(f"{label:12s} {statistics.median(rps):10,.0f} ({min(rps):,.0f}–{max(rps):,.0f}) "
          f"{statistics.median(cpu):14.1f} ({min(cpu):.1f}–{max(cpu):.1f}) {statistics.median(sw):17.2f}")
EOF
