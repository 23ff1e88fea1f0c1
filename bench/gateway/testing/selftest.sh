#!/usr/bin/env bash
# Proves the harness end to end in about a minute without a Shepherd build: runs run.sh with the
# nginx stand-in as the Shepherd binary, then checks the JSON result and that nothing leaked.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
out=$(mktemp /tmp/shepherd-bench-selftest.XXXXXX.json)
"$HERE/../run.sh" --shepherd "$HERE/standin-shepherd.sh" --paths "direct nginx shepherd" \
  --duration 2s --warmup 1s --pause 0 --connections "1 8" --out "$out" "$@"
python3 - "$out" <<'PY'
import json, sys
doc = json.load(open(sys.argv[1]))
points = {(r["path"], r["connections"]) for r in doc["results"] if r.get("rps", 0) > 0 and r["error_count"] == 0}
want = {(p, c) for p in ("direct", "nginx", "shepherd") for c in (1, 8)}
missing = want - points
assert not missing, f"missing or failed points: {sorted(missing)}"
assert all("shepherd_pct_of_nginx_rps" in row for row in doc["summary"]), "no Shepherd ratio in summary"
assert all(r["memory"] for r in doc["results"]), "memory not sampled"
print("selftest: results OK")
PY
rm -f "$out"
if pgrep -f 'shepherd-bench\.' >/dev/null; then echo "selftest: processes left behind:" >&2; pgrep -af 'shepherd-bench\.' >&2; exit 1; fi
echo "selftest: no processes left behind"
