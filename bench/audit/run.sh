#!/usr/bin/env bash
# Audit throughput and peak memory on a generated log (see README.md).
# usage: bench/audit/run.sh [SHEPHERD_BINARY] [SIZE]      defaults: .build/release/shepherd, 1G
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../../.build/release/shepherd}"
size="${2:-1G}"
work="${BENCH_DIR:-${TMPDIR:-/tmp}/shepherd-audit-bench}"
mkdir -p "$work"
log="$work/usage-$size.jsonl"

if [[ ! -s "$log" ]]; then
    python3 "$here/generate.py" "$log" --size "$size" > "$log.expected.json"
fi
expected_requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$log.expected.json")
bytes=$(stat -c %s "$log")

measure() {  # measure NAME FILE: best of BENCH_RUNS wall times, peak RSS of that run
    local name="$1" file="$2" best="" rss=""
    for _ in $(seq "${BENCH_RUNS:-3}"); do
        /usr/bin/time -f "%e %M" -o "$work/time.txt" "$binary" audit "$file" --format json > "$work/out.json"
        read -r seconds kilobytes < "$work/time.txt"
        if [[ -z "$best" ]] || awk "BEGIN{exit !($seconds < $best)}"; then best=$seconds; rss=$kilobytes; fi
    done
    requests=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["requests"])' "$work/out.json")
    [[ "$requests" == "$expected_requests" ]] || { echo "$name: read $requests requests, expected $expected_requests" >&2; exit 1; }
    awk -v n="$name" -v b="$bytes" -v s="$best" -v m="$rss" \
        'BEGIN{printf "%-5s %6.0f MB in %6.2f s = %6.1f MB/s (uncompressed), peak RSS %.0f MB\n", n, b/1e6, s, b/1e6/s, m/1024}'
}

measure plain "$log"
if [[ "${BENCH_GZIP:-1}" == 1 ]]; then
    [[ -s "$log.gz" ]] || gzip -kf -1 "$log"
    measure gzip "$log.gz"
fi
