#!/usr/bin/env bash
# Stand-in for the Shepherd binary, used to prove run.sh's Shepherd plumbing before a release
# build exists: accepts `serve --config FILE`, reads the port and upstream from the generated
# config, and execs an nginx reverse proxy (with /healthz) in the foreground. Not a benchmark
# of anything but nginx.
set -euo pipefail
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

if [[ "${1:-}" == "--version" ]]; then echo "standin-shepherd (nginx $(nginx -v 2>&1 | sed 's/.*\///'))"; exit 0; fi
[[ "${1:-}" == "serve" && "${2:-}" == "--config" && -n "${3:-}" ]] \
  || { echo "usage: standin-shepherd.sh serve --config FILE" >&2; exit 64; }
config="$3"
[[ "${BENCH_UPSTREAM_KEY:-}" == "sk-bench" ]] || { echo "BENCH_UPSTREAM_KEY not passed through" >&2; exit 1; }
grep -q 'auth: none' "$config" || { echo "expected auth: none in $config" >&2; exit 1; }
grep -q 'api_key: env:BENCH_UPSTREAM_KEY' "$config" || { echo "expected api_key: env:BENCH_UPSTREAM_KEY" >&2; exit 1; }

port=$(sed -n 's/^server:.*port: *\([0-9][0-9]*\).*/\1/p' "$config")
upstream_port=$(sed -n 's/.*base_url: *http:\/\/127\.0\.0\.1:\([0-9][0-9]*\)\/v1.*/\1/p' "$config")
[[ -n "$port" && -n "$upstream_port" ]] || { echo "cannot read port/base_url from $config" >&2; exit 1; }

dir="$(cd "$(dirname "$config")" && pwd)/standin-nginx"
python3 "$HERE/../helpers.py" nginx-proxy "$dir" "$port" 2 "$upstream_port"
echo "standin-shepherd: nginx on 127.0.0.1:$port -> 127.0.0.1:$upstream_port"
exec nginx -p "$dir" -c "$dir/nginx.conf" -e "$dir/error.log"
