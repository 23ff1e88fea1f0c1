#!/usr/bin/env bash
# Sends N chat requests (default 500) to a local gateway, 4 at a time, and prints a tally of
# which provider answered.
set -euo pipefail
count="${1:-500}"
url="${SHEPHERD_URL:-http://127.0.0.1:8080}/v1/chat/completions"
seq "$count" | xargs -P 4 -I{} curl -s -o /dev/null -D - "$url" \
  -H 'content-type: application/json' \
  -d '{"model":"chat","messages":[{"role":"user","content":"request {}"}]}' \
  | grep -i '^x-shepherd-provider' | sort | uniq -c
