#!/usr/bin/env python3
"""Throughput of Shepherd's tokenizer against Python tiktoken on one file.

Both sides are timed end to end as a process (start, vocabulary load, read, count), best of
--runs; tiktoken's encode-only time is printed as well. Token counts must agree.

usage: compare.py FILE --cmd "shepherd tokens count" [--encodings cl100k_base,o200k_base] [--runs 3]
The Shepherd command is run as: CMD FILE --encoding ENCODING; the last integer it prints
on stdout is taken as the token count.
"""
import argparse
import os
import re
import shlex
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def timed(argv):
    start = time.perf_counter()
    done = subprocess.run(argv, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"command failed ({done.returncode}): {shlex.join(argv)}\n{done.stderr}")
    return done.stdout, elapsed


def best(argv, runs):
    results = [timed(argv) for _ in range(runs)]
    return min(results, key=lambda r: r[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("--cmd", required=True)
    parser.add_argument("--encodings", default="cl100k_base,o200k_base")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    size = os.path.getsize(args.file)
    mb = size / 1e6
    print(f"file: {args.file} ({size:,} bytes), best of {args.runs} runs, single thread")
    for encoding in args.encodings.split(","):
        out, shepherd_s = best(shlex.split(args.cmd) + [args.file, "--encoding", encoding], args.runs)
        numbers = re.findall(r"\d+", out)
        if not numbers:
            sys.exit(f"no token count in output of {args.cmd!r}: {out!r}")
        shepherd_tokens = int(numbers[-1])
        out, tiktoken_s = best(
            [sys.executable, os.path.join(HERE, "tiktoken_count.py"), args.file, encoding], args.runs)
        tiktoken_tokens, tiktoken_encode_s = int(out.split()[0]), float(out.split()[1])
        agree = "yes" if shepherd_tokens == tiktoken_tokens else "NO"
        print(f"\n{encoding}: tokens shepherd {shepherd_tokens:,}, tiktoken {tiktoken_tokens:,} (agree: {agree})")
        rows = [
            ("shepherd (process)", shepherd_s, shepherd_tokens),
            ("tiktoken (process)", tiktoken_s, tiktoken_tokens),
            ("tiktoken (encode only)", tiktoken_encode_s, tiktoken_tokens),
        ]
        for name, seconds, tokens in rows:
            print(f"  {name:24} {seconds:8.3f} s {mb / seconds:8.2f} MB/s {tokens / seconds / 1e6:7.2f} M tokens/s")
        print(f"  ratio shepherd/tiktoken: {tiktoken_s / shepherd_s:.2f}x (process), "
              f"{tiktoken_encode_s / shepherd_s:.2f}x (vs tiktoken encode only)")
        if agree != "yes":
            sys.exit(1)


if __name__ == "__main__":
    main()
