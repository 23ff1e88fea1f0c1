#!/usr/bin/env bash
# Soak: steady wrk load on one `shepherd serve` (ledger on, SQLite) for --duration seconds, the
# gateway's RSS and CPU time sampled every --interval seconds; then RSS under --peak-connections.
# See bench/gateway/README.md ("Soak").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

usage() {
  cat <<EOF
usage: bench/gateway/soak.sh [--shepherd BIN] [--duration 600] [--interval 10] [--connections 32]
                             [--warmup 60] [--peak-connections 128] [--peak-duration 30]
                             [--cooldown 0] [--scenario chat|chat-stream] [--out FILE] [--keep-tmp]

Starts the fake upstream (nginx, as run.sh) and Shepherd, then runs wrk in back-to-back segments
of --interval seconds at --connections (--scenario, default 'chat'), first --warmup seconds unreported in
the growth figure, then --duration seconds; after each segment it samples the gateway's VmRSS,
its CPU time (so CPU µs per request), the ledger's size and the load average. Finally
--peak-duration seconds at --peak-connections for the memory goal (0 = skip); then --cooldown
seconds without load, RSS still sampled (does memory held under load come back?).
Writes bench/out/soak-<UTC timestamp>.json unless --out.
EOF
}

SHEPHERD_BIN="$REPO/.build/release/shepherd"
ARGV_ORIG="$*"
ARGS=()
OUT="$REPO/bench/out/soak-$(date -u +%Y%m%dT%H%M%SZ).json"
KEEP_TMP=0
SCENARIO=chat
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shepherd) SHEPHERD_BIN="${2:?}"; shift 2 ;;
    --duration|--interval|--connections|--warmup|--peak-connections|--peak-duration|--cooldown)
      [[ "${2:-}" =~ ^[0-9]+$ ]] || { echo "bad $1 '${2:-}'" >&2; exit 64; }
      ARGS+=("$1" "$2"); shift 2 ;;
    --out) OUT="${2:?}"; shift 2 ;;
    --scenario) SCENARIO="${2:?}"; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
  esac
done
[[ -x "$SHEPHERD_BIN" ]] || { echo "no Shepherd binary at $SHEPHERD_BIN (--shepherd BIN)" >&2; exit 64; }
SCENARIO_DIR="$HERE/scenarios/$SCENARIO"
[[ -f "$SCENARIO_DIR/request.json" ]] || { echo "--scenario needs scenarios/NAME/request.json (chat, chat-stream)" >&2; exit 64; }
command -v wrk >/dev/null || { echo "wrk is required (apt-get install wrk)" >&2; exit 64; }

source "$HERE/lib.sh"

start_upstream "$SCENARIO_DIR"
start_shepherd "$SHEPHERD_BIN"
echo "== soak: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "   shepherd: $SHEPHERD_BIN (pid $SHEPHERD_PID) on $SHEPHERD_URL, ledger $TMP/shepherd/bench.db"
python3 "$HERE/helpers.py" smoke "$SHEPHERD_URL/v1/chat/completions" "$SCENARIO_DIR/request.json" sk-bench-client \
  | sed 's/^/   smoke: /'
python3 "$HERE/soak.py" --pid "$SHEPHERD_PID" --url "$SHEPHERD_URL/v1/chat/completions" \
  --body "$SCENARIO_DIR/request.json" --ledger-dir "$TMP/shepherd" --out "$OUT" "${ARGS[@]+"${ARGS[@]}"}" \
  --meta "command=bench/gateway/soak.sh $ARGV_ORIG" --meta "scenario=$SCENARIO" --meta "shepherd_bin=$SHEPHERD_BIN" \
  --meta "git_rev=$(git -C "$REPO" rev-parse --short HEAD 2>/dev/null || echo none)" \
  --meta "cpus=$(nproc)" --meta "loadavg_at_start=$(cut -d' ' -f1-3 /proc/loadavg)"
stop_server "$SHEPHERD_PID"
stop_server "$UPSTREAM_PID"
