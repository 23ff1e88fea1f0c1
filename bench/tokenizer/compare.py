#!/usr/bin/env python3
"""Shepherd's tokenizer against Python tiktoken on one file, side by side in one run.

For each encoding, alternately for --rounds rounds: Benchmarks' `tokenizer-throughput` (Shepherd:
encode and count on 1 and 2 threads, plus the count of a 2-million-token prefix of the file),
then `tiktoken_count.py` (tiktoken's `encode_ordinary` on 1 thread, `encode_ordinary_batch` on
2). Both sides print the sha256 of their ids, which must be equal. Both sides time in-process calls with the vocabulary loaded and the text in memory, best of
--runs per round, best over the rounds. Token counts must agree.

usage: compare.py FILE --tool PATH [--encodings cl100k_base,o200k_base] [--threads 1,2]
                  [--runs 5] [--rounds 2]
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def results(argv):
    done = subprocess.run(argv, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {' '.join(argv)}\n{done.stdout}{done.stderr}")
    rows = []
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            rows.append(dict(field.split("=", 1) for field in line.split()[1:]))
    return rows


def keep_best(best, key, row):
    if key not in best or float(row.get("seconds", 0)) < float(best[key].get("seconds", 0)):
        best[key] = row


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--tool", required=True)
    parser.add_argument("--encodings", default="cl100k_base,o200k_base")
    parser.add_argument("--threads", default="1,2")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    size = os.path.getsize(args.file)
    mb = size / 1e6
    threads = [int(t) for t in args.threads.split(",")]
    print(f"file: {args.file} ({size:,} bytes); best of {args.runs} runs x {args.rounds} rounds, "
          f"in-process, vocabulary loaded; {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.1f} at the start (other work on the machine slows both sides)")
    failed = False
    for encoding in args.encodings.split(","):
        shepherd, tiktoken = {}, {}
        for _ in range(args.rounds):
            for row in results([args.tool, args.file, "--encodings", encoding, "--threads", args.threads,
                                "--runs", str(args.runs)]):
                keep_best(shepherd, (row["op"], row.get("threads")), row)
            for row in results([sys.executable, os.path.join(HERE, "tiktoken_count.py"), args.file, encoding,
                                "--threads", args.threads, "--runs", str(args.runs)]):
                keep_best(tiktoken, row["threads"], row)
        tokens = int(shepherd[("encode", "1")]["tokens"])
        digest = shepherd[("ids", None)]["sha256"]
        agree = all(int(row["tokens"]) == tokens and row["sha256"] == digest for row in tiktoken.values())
        failed |= not agree
        print(f"\n{encoding}: {tokens:,} tokens (identical ids, sha256 {digest[:12]}…: {'yes' if agree else 'NO'}); "
              f"Shepherd vocabulary load {float(shepherd[('load', None)]['seconds']) * 1000:.0f} ms")
        print(f"  {'threads':>7} {'tiktoken encode':>22} {'Shepherd encode':>22} {'Shepherd count':>22}"
              f" {'encode ratio':>13} {'count ratio':>12}")
        for t in threads:
            tk = float(tiktoken[str(t)]["seconds"])
            enc = float(shepherd[("encode", str(t))]["seconds"])
            cnt = float(shepherd[("count", str(t))]["seconds"])
            cells = [f"{s:.3f} s {mb / s:6.1f} MB/s" for s in (tk, enc, cnt)]
            print(f"  {t:>7} {cells[0]:>22} {cells[1]:>22} {cells[2]:>22} {tk / enc:12.2f}x {tk / cnt:11.2f}x")
        if len(threads) > 1:
            first, last = str(threads[0]), str(threads[-1])
            def scaling(table, key_first, key_last):
                return float(table[key_first]["seconds"]) / float(table[key_last]["seconds"])
            print(f"  scaling {first} -> {last} threads: tiktoken {scaling(tiktoken, first, last):.2f}x, "
                  f"Shepherd encode {scaling(shepherd, ('encode', first), ('encode', last)):.2f}x, "
                  f"count {scaling(shepherd, ('count', first), ('count', last)):.2f}x")
        for t in threads:
            row = shepherd[("document", str(t))]
            print(f"  count of a {int(row['tokens']):,}-token document ({int(row['bytes']):,} bytes), {t} thread(s): "
                  f"{float(row['seconds']):.3f} s")
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
