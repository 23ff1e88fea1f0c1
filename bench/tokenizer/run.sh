#!/usr/bin/env bash
# Tokenizer throughput: Shepherd vs Python tiktoken (pip install tiktoken), side by side in one
# run, single-threaded and on 2 threads, plus the time to count a 2-million-token document.
#
#   bench/tokenizer/run.sh [FILE]
#
# Builds Benchmarks' `tokenizer-throughput` in release (a separate package: the gateway is not
# built) unless SKIP_BUILD=1, then runs compare.py. Default FILE:
# /work/shared/tokenizer-golden/bench.txt. BENCH_RUNS (default 5), BENCH_ROUNDS (default 2),
# BENCH_THREADS (default 1,2) and BENCH_ENCODINGS (default cl100k_base,o200k_base) tune the run.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/../.."
file="${1:-/work/shared/tokenizer-golden/bench.txt}"
python3 -c 'import tiktoken' 2>/dev/null || { echo "needs Python tiktoken: pip install tiktoken" >&2; exit 2; }
if [[ "${SKIP_BUILD:-0}" != 1 ]]; then
    swift build -c release --package-path "$root/Benchmarks" --product tokenizer-throughput >&2
fi
tool="$(swift build -c release --package-path "$root/Benchmarks" --show-bin-path)/tokenizer-throughput"
exec python3 "$here/compare.py" "$file" --tool "$tool" --runs "${BENCH_RUNS:-5}" --rounds "${BENCH_ROUNDS:-2}" \
    --threads "${BENCH_THREADS:-1,2}" --encodings "${BENCH_ENCODINGS:-cl100k_base,o200k_base}"
