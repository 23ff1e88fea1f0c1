#!/usr/bin/env bash
# Tokenizer throughput: Shepherd vs Python tiktoken (pip install tiktoken), single thread.
#
#   bench/tokenizer/run.sh [SHEPHERD_BINARY] [FILE]
#
# Times `SHEPHERD_BINARY tokens count FILE --encoding E` (default binary: .build/release/shepherd,
# default FILE: /work/shared/tokenizer-golden/bench.txt). Set SHEPHERD_TOKENS_CMD to time another
# command instead; it is run as `$SHEPHERD_TOKENS_CMD FILE --encoding E` and must print the count.
# BENCH_RUNS (default 3) and BENCH_ENCODINGS (default cl100k_base,o200k_base) tune the run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
binary="${1:-$here/../../.build/release/shepherd}"
file="${2:-/work/shared/tokenizer-golden/bench.txt}"
cmd="${SHEPHERD_TOKENS_CMD:-$binary tokens count}"
if [[ -z "${SHEPHERD_TOKENS_CMD:-}" && ! -x "$binary" ]]; then
    echo "no Shepherd binary at $binary (build with: swift build -c release --product shepherd)" >&2
    exit 2
fi
python3 -c 'import tiktoken' 2>/dev/null || { echo "needs Python tiktoken: pip install tiktoken" >&2; exit 2; }
exec python3 "$here/compare.py" "$file" --cmd "$cmd" \
    --runs "${BENCH_RUNS:-3}" --encodings "${BENCH_ENCODINGS:-cl100k_base,o200k_base}"
