#!/usr/bin/env bash
# Where a Shepherd binary's resident memory is: starts the fake upstream and `shepherd serve`
# (the run.sh config, SQLite ledger on), loads it with wrk at --connections, and prints VmRSS
# with its anonymous and file-backed parts, then per mapping (by file) the resident size, the
# part used during the measured load and the anonymous part. "Used" is the kernel's Referenced
# count after `clear_refs`: pages touched in those seconds, as opposed to pages mapped at startup
# or brought in around a fault.
#
#   bench/gateway/memory.sh --shepherd BIN [--connections 128] [--duration 5] [--top 12]
#
# Everything listens on 127.0.0.1; the servers stop when the script ends. Needs root (or the
# process's owner) for /proc/PID/clear_refs.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
BIN=""; CONNS=128; DURATION=5; TOP=12
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shepherd) BIN="$2"; shift 2 ;;
    --connections) CONNS="$2"; shift 2 ;;
    --duration) DURATION="$2"; shift 2 ;;
    --top) TOP="$2"; shift 2 ;;
    -h|--help) sed -n 2,13p "$0"; exit 0 ;;
    *) echo "unknown option $1" >&2; exit 64 ;;
  esac
done
[[ -x "$BIN" ]] || { echo "--shepherd BIN is required (a release build)" >&2; exit 64; }
source "$HERE/lib.sh"
command -v wrk >/dev/null || die "wrk is missing (apt-get install wrk)"

start_upstream "$HERE/scenarios/chat"
start_shepherd "$BIN"
BODY="$TMP/request.json"
sed "s/\"model\": *\"[^\"]*\"/\"model\": \"bench\"/" "$HERE/scenarios/chat/request.json" >"$BODY"
THREADS=$(( CONNS < 2 ? CONNS : 2 ))
load() {
  BENCH_BODY_FILE="$BODY" timeout $(( $1 + 60 )) wrk -t "$THREADS" -c "$CONNS" -d "${1}s" --timeout 30s \
    -s "$HERE/wrk-chat.lua" "$SHEPHERD_URL" | sed -n 's/^Requests\/sec: *//p'
}
status() { grep -E '^(VmRSS|RssAnon|RssFile):' "/proc/$SHEPHERD_PID/status" | awk '{ printf "%s %.1f MiB  ", $1, $2 / 1024 }'; echo; }

echo "idle:      $(status)"
load 2 >/dev/null   # warm-up: connections, caches, the first ledger pages
echo 1 >"/proc/$SHEPHERD_PID/clear_refs"
rps=$(load "$DURATION")
echo "c=$CONNS:    $(status) ($rps req/s)"
python3 - "$SHEPHERD_PID" "$TOP" <<'PY'
import collections, re, sys
pid, top = sys.argv[1], int(sys.argv[2])
totals = collections.defaultdict(lambda: [0, 0, 0])  # resident, referenced, anonymous (kB)
name = None
with open(f"/proc/{pid}/smaps") as smaps:
    for line in smaps:
        if re.match(r"^[0-9a-f]+-[0-9a-f]+ ", line):
            parts = line.split(maxsplit=5)
            name = parts[5].strip().rsplit("/", 1)[-1] if len(parts) > 5 else "[anonymous]"
        elif line.startswith(("Rss:", "Referenced:", "Anonymous:")):
            key, value = line.split(":", 1)
            totals[name][("Rss", "Referenced", "Anonymous").index(key)] += int(value.split()[0])
print(f"{'resident':>10} {'used':>10} {'anonymous':>10}  mapping (MiB)")
for mapping, (rss, ref, anon) in sorted(totals.items(), key=lambda kv: -kv[1][0])[:top]:
    print(f"{rss / 1024:10.1f} {ref / 1024:10.1f} {anon / 1024:10.1f}  {mapping}")
rss, ref, anon = (sum(v[i] for v in totals.values()) for i in range(3))
print(f"{rss / 1024:10.1f} {ref / 1024:10.1f} {anon / 1024:10.1f}  total")
PY
