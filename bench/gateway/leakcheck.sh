#!/usr/bin/env bash
# Leak check: a Shepherd built with AddressSanitizer (LeakSanitizer included) serves a fixed mix of
# requests -- plain, streaming and errors -- and is then stopped with SIGTERM; LeakSanitizer reports
# at exit. See bench/gateway/README.md ("Leak check").
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
REPO=$(cd "$HERE/../.." && pwd)

usage() {
  cat <<EOF
usage: bench/gateway/leakcheck.sh --shepherd BIN [--requests N] [--report-dir DIR] [--keep-tmp]

BIN must be built with the address sanitizer, e.g. in a clone of the repository:
  swift build --scratch-path .build-asan -Xswiftc -sanitize=address --product shepherd
Sends N requests (default 2000) on one keep-alive connection: 40 % plain, 40 % streaming,
and 20 % errors (invalid JSON, an unknown model, a model whose upstream answers 500), stops the
gateway with SIGTERM and prints what the sanitizer wrote (ASAN_OPTIONS=detect_leaks=1,
log_path=...). The logs go to --report-dir (default: the temp dir, kept).
EOF
}

SHEPHERD_BIN=""
N=2000
REPORT_DIR=""
KEEP_TMP=1
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shepherd) SHEPHERD_BIN="${2:?}"; shift 2 ;;
    --requests) N="${2:?}"; shift 2 ;;
    --report-dir) REPORT_DIR="${2:?}"; shift 2 ;;
    --keep-tmp) KEEP_TMP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) echo "unknown option: $1 (see --help)" >&2; exit 64 ;;
  esac
done
[[ -x "$SHEPHERD_BIN" ]] || { echo "--shepherd BIN (an ASan build) is required" >&2; exit 64; }
[[ "$N" =~ ^[1-9][0-9]*$ ]] || { echo "bad --requests '$N'" >&2; exit 64; }
# (grep -c, not -q: an early exit of grep would fail the pipeline under pipefail)
if [[ "$(nm "$SHEPHERD_BIN" 2>/dev/null | grep -c __asan_init || true)" == 0 ]]; then
  echo "warning: $SHEPHERD_BIN does not look like an AddressSanitizer build (no __asan_init)" >&2
fi

source "$HERE/lib.sh"
REPORT_DIR="${REPORT_DIR:-$TMP/asan}"
mkdir -p "$REPORT_DIR"

start_upstream "$HERE/scenarios/chat"
echo "== leak check: $(date -u '+%Y-%m-%d %H:%M:%S UTC'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
# detect_leaks: LeakSanitizer at exit. Swift's runtime keeps metadata caches alive on purpose;
# those are reachable from globals and so are not reported as leaks.
ASAN="detect_leaks=1:log_path=$REPORT_DIR/asan:halt_on_error=0:print_summary=1:abort_on_error=0"
start_shepherd "$SHEPHERD_BIN" ASAN_OPTIONS="$ASAN" LSAN_OPTIONS="report_objects=0:max_leaks=30"
echo "   shepherd (ASan): $SHEPHERD_BIN, pid $SHEPHERD_PID, on $SHEPHERD_URL"

plain=$(( N * 4 / 10 )); stream=$(( N * 4 / 10 )); rest=$(( N - plain - stream ))
bad=$(( rest / 3 )); unknown=$(( rest / 3 )); failing=$(( rest - bad - unknown ))
start=$(date +%s)
python3 "$HERE/probe.py" mix "$SHEPHERD_URL/v1/chat/completions" sk-bench-client \
  --plain "$plain" --stream "$stream" --bad-json "$bad" --unknown-model "$unknown" \
  --failing-model "failing,$failing" --stream-model bench-stream | tee "$REPORT_DIR/mix.json" | sed 's/^/   served: /'
echo "   in $(( $(date +%s) - start )) s; RSS at the end: $(awk '/VmRSS/ {print $2 " kB"}' /proc/$SHEPHERD_PID/status)"

echo "   SIGTERM; waiting up to 120 s for the exit (LeakSanitizer runs at exit)"
kill -TERM "$SHEPHERD_PID"
rc=""
for _ in $(seq 1 1200); do
  if ! kill -0 "$SHEPHERD_PID" 2>/dev/null; then break; fi
  sleep 0.1
done
if kill -0 "$SHEPHERD_PID" 2>/dev/null; then
  echo "   still running after 120 s; killed" >&2
  stop_server "$SHEPHERD_PID" KILL 1
else
  wait "$SHEPHERD_PID" 2>/dev/null && rc=0 || rc=$?
  SERVER_PIDS=("${SERVER_PIDS[@]/$SHEPHERD_PID}")
fi
echo "   exit status: ${rc:-killed}"
cp "$TMP/shepherd/shepherd.log" "$REPORT_DIR/shepherd.log"
shopt -s nullglob
logs=("$REPORT_DIR"/asan.*)
if [[ ${#logs[@]} -eq 0 ]]; then
  echo "   sanitizer: no report written (no leak and no error found)"
else
  for f in "${logs[@]}"; do
    echo "---- $f"
    grep -E "ERROR: |SUMMARY: |Direct leak|Indirect leak" "$f" | head -40 || true
  done
fi
echo "   logs in $REPORT_DIR"
stop_server "$UPSTREAM_PID"
