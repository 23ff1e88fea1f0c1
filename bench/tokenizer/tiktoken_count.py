#!/usr/bin/env python3
"""Encode FILE with Python tiktoken, offline, on 1 and more threads, and report the times.

tiktoken normally downloads its rank files; here the Encoding is built from the local
official copies (sha256-checked by load_tiktoken_bpe) with tiktoken's own pattern and
special tokens, so no network is needed.

usage: tiktoken_count.py FILE ENCODING [--vocab-dir DIR] [--threads 1,2] [--runs 3]
prints one line per thread count:
    RESULT threads=T seconds=S tokens=N sha256=H
H is the sha256 of the ids as little-endian uint32 (Shepherd's tool prints the same). S is the best wall time of `encode_ordinary` over --runs (vocabulary loaded, text in memory).
With T > 1 the text is cut into T parts at the same safe places Shepherd cuts at (after a
newline, before a printable ASCII byte other than '/'), so the ids are unchanged, and the parts
go through `encode_ordinary_batch(parts, num_threads=T)`, which releases the GIL per part.
"""
import argparse
import array
import hashlib
import os
import time

import tiktoken
from tiktoken.load import load_tiktoken_bpe
from tiktoken_ext import openai_public


def build(name: str, vocab_dir: str) -> tiktoken.Encoding:
    # Reuse tiktoken's own definition (pattern, special tokens, expected hash), swapping
    # only where the rank file comes from.
    ctor = openai_public.ENCODING_CONSTRUCTORS[name]
    original = openai_public.load_tiktoken_bpe
    path = os.path.join(vocab_dir, f"{name}.tiktoken")
    openai_public.load_tiktoken_bpe = lambda _url, expected_hash=None: load_tiktoken_bpe(
        path, expected_hash=expected_hash)
    try:
        spec = ctor()
    finally:
        openai_public.load_tiktoken_bpe = original
    return tiktoken.Encoding(**spec)


def split(text: str, parts: int) -> list[str]:
    """`text` cut into about equal `parts` at safe places (see the module docstring)."""
    cuts = [0]
    for k in range(1, parts):
        i = max(len(text) * k // parts, cuts[-1] + 1)
        while i < len(text) and not (text[i - 1] == "\n" and " " < text[i] < "\x7f" and text[i] != "/"):
            i += 1
        if i < len(text):
            cuts.append(i)
    cuts.append(len(text))
    return [text[a:b] for a, b in zip(cuts, cuts[1:])]


def main() -> None:
    here = os.path.dirname(os.path.abspath(__file__))
    parser = argparse.ArgumentParser()
    parser.add_argument("file")
    parser.add_argument("encoding")
    parser.add_argument("--vocab-dir", default=os.path.join(here, "..", "..", "Sources", "ShepherdTokenizer", "Resources"))
    parser.add_argument("--threads", default="1")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    enc = build(args.encoding, args.vocab_dir)
    with open(args.file, "rb") as f:
        text = f.read().decode("utf-8")
    for threads in (int(t) for t in args.threads.split(",")):
        parts = split(text, threads)
        best, ids = float("inf"), []
        for _ in range(args.runs):
            ids = None
            start = time.perf_counter()
            if threads == 1:
                ids = enc.encode_ordinary(text)
            else:
                batch = enc.encode_ordinary_batch(parts, num_threads=threads)
            best = min(best, time.perf_counter() - start)
            if threads > 1:
                ids = [i for part in batch for i in part]  # outside the timed call
        digest = hashlib.sha256(array.array("I", ids).tobytes()).hexdigest()
        print(f"RESULT threads={threads} seconds={best:.6f} tokens={len(ids)} sha256={digest}", flush=True)


if __name__ == "__main__":
    main()
