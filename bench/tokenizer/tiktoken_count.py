#!/usr/bin/env python3
"""Count tokens of FILE with Python tiktoken, offline, and report the encode time.

tiktoken normally downloads its rank files; here the Encoding is built from the local
official copies (sha256-checked by load_tiktoken_bpe) with tiktoken's own pattern and
special tokens, so no network is needed.

usage: tiktoken_count.py FILE ENCODING [VOCAB_DIR]
prints: <tokens> <seconds>   (seconds = wall time of encode_ordinary only, single thread)
"""
import os
import sys
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


def main() -> None:
    file, name = sys.argv[1], sys.argv[2]
    here = os.path.dirname(os.path.abspath(__file__))
    vocab_dir = sys.argv[3] if len(sys.argv) > 3 else os.path.join(
        here, "..", "..", "Sources", "ShepherdTokenizer", "Resources")
    enc = build(name, vocab_dir)
    with open(file, "rb") as f:
        text = f.read().decode("utf-8")
    start = time.perf_counter()
    n = len(enc.encode_ordinary(text))
    elapsed = time.perf_counter() - start
    print(n, f"{elapsed:.6f}")


if __name__ == "__main__":
    main()
