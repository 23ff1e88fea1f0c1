#!/usr/bin/env python3
"""Writes a JSON Lines usage log of about SIZE bytes for the audit benchmark.

The lines cycle through every shape `shepherd audit` reads (OpenAI, Anthropic, Gemini, seed,
LiteLLM, Shepherd export) with realistic payloads around the usage (message text, choices),
since skipping those is most of the work. Deterministic (seeded), so runs are comparable;
also prints the expected request count and token totals so the benchmark can check them.

usage: generate.py OUT.jsonl [--size 1G] [--seed 1]
"""
import argparse
import json
import random
import sys


def size_arg(text):
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    text = text.strip().upper()
    return int(float(text[:-1]) * units[text[-1]]) if text[-1] in units else int(text)


WORDS = ("the model answered with a long explanation of the migration plan including costs "
         "latency throughput caching \"quoted\" text and unicode — café 数据 🚀").split(" ")


def text(rng, words):
    return " ".join(rng.choice(WORDS) for _ in range(words))


def line(rng, index, t):
    shape = index % 6
    prompt = rng.randint(10, 20000)
    cached = rng.randint(0, prompt // 2)
    output = rng.randint(1, 2000)
    iso = f"2025-06-{1 + t // 86400:02d}T{t % 86400 // 3600:02d}:{t % 3600 // 60:02d}:{t % 60:02d}Z"
    if shape == 0:
        row = {"id": f"chatcmpl-{index}", "object": "chat.completion", "created": 1748736000 + t, "model": "gpt-4o-2024-08-06",
               "choices": [{"index": 0, "message": {"role": "assistant", "content": text(rng, 60)}, "finish_reason": "stop"}],
               "usage": {"prompt_tokens": prompt, "completion_tokens": output, "total_tokens": prompt + output,
                         "prompt_tokens_details": {"cached_tokens": cached, "audio_tokens": 0}}}
        totals = (prompt, cached, output)
    elif shape == 1:
        written = rng.randint(0, 100)
        row = {"id": f"msg_{index}", "type": "message", "role": "assistant", "model": "claude-3-5-sonnet-20241022",
               "content": [{"type": "text", "text": text(rng, 60)}], "stop_reason": "end_turn", "timestamp": iso,
               "usage": {"input_tokens": prompt, "output_tokens": output, "cache_read_input_tokens": cached,
                         "cache_creation_input_tokens": written}}
        totals = (prompt + cached + written, cached, output)
    elif shape == 2:
        thoughts = rng.randint(0, 500)
        row = {"candidates": [{"content": {"parts": [{"text": text(rng, 60)}], "role": "model"}, "finishReason": "STOP"}],
               "modelVersion": "gemini-2.5-flash", "timestamp": 1748736000000 + t * 1000,
               "usageMetadata": {"promptTokenCount": prompt, "candidatesTokenCount": output,
                                 "cachedContentTokenCount": cached, "thoughtsTokenCount": thoughts}}
        totals = (prompt, cached, output + thoughts)
    elif shape == 3:
        row = {"model": "gpt-4o-mini", "usage": {"input_tokens": prompt, "output_tokens": output}, "prompt": text(rng, 40)}
        totals = (prompt, 0, output)
    elif shape == 4:
        row = {"request_id": f"r{index}", "call_type": "acompletion", "model": "gpt-4o", "prompt_tokens": prompt,
               "completion_tokens": output, "total_tokens": prompt + output, "spend": 0.001,
               "startTime": iso.replace("T", " ").replace("Z", ".000"), "messages": text(rng, 50)}
        totals = (prompt, 0, output)
    else:
        row = {"id": f"req_{index}", "time": iso, "public_model": "chat", "provider": "openai", "target_model": "gpt-4o",
               "input_tokens": prompt, "cached_input_tokens": cached, "output_tokens": output, "cost_usd": "0.001"}
        totals = (prompt, cached, output)
    return json.dumps(row, ensure_ascii=False), totals


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--size", type=size_arg, default=1 << 30)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    # A fixed block of distinct lines repeated keeps generation fast; the audit cannot tell.
    block, block_totals = [], [0, 0, 0]
    for index in range(6000):
        text_line, totals = line(rng, index, index * 400)  # spans ~28 days
        block.append(text_line + "\n")
        for k in range(3):
            block_totals[k] += totals[k]
    chunk = "".join(block).encode()
    repeats = max(1, args.size // len(chunk))
    with open(args.out, "wb") as out:
        for _ in range(repeats):
            out.write(chunk)
    print(json.dumps({"bytes": repeats * len(chunk), "requests": repeats * len(block),
                      "input_tokens": repeats * block_totals[0], "cached_input_tokens": repeats * block_totals[1],
                      "output_tokens": repeats * block_totals[2]}))


if __name__ == "__main__":
    sys.exit(main())
