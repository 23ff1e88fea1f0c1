#!/usr/bin/env bash
# shepherd analyze against the demo gateway (mock providers, no API key needed).
#   examples/analyze/demo.sh            # from the repository root
# Starts `shepherd serve --config examples/demo.yaml` on port 8080 unless a gateway
# already answers there, runs a dry run, a real run, and stops the gateway it started.
set -euo pipefail
cd "$(dirname "$0")/../.."
BIN=${SHEPHERD_BIN:-$(swift build --show-bin-path)/shepherd}
DOC=examples/analyze/annual-report.txt
TASK="List every payment to a related party: who, how much, and how they are related."
# The demo's mock providers echo the prompt, so the answer shows the mechanics, not insight.
SIZING=(--config examples/demo.yaml --model chat --window 2500 --chunk-tokens 600 --max-output-tokens 250)

started=""
if ! curl -sf http://127.0.0.1:8080/healthz >/dev/null; then
  "$BIN" serve --config examples/demo.yaml >/tmp/shepherd-demo.log 2>&1 &
  started=$!
  trap '[ -n "$started" ] && kill "$started"' EXIT
  for _ in $(seq 50); do curl -sf http://127.0.0.1:8080/healthz >/dev/null && break; sleep 0.2; done
fi

"$BIN" analyze "$DOC" --task "$TASK" "${SIZING[@]}" --dry-run --checkpoint-dir /tmp/shepherd-analyze-demo
echo
"$BIN" analyze "$DOC" --task "$TASK" "${SIZING[@]}" --resume --checkpoint-dir /tmp/shepherd-analyze-demo
