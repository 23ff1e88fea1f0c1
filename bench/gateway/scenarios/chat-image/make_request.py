#!/usr/bin/env python3
"""Writes the 1 MB multimodal request: a user message whose content parts are a text and an
image given inline as a data: URL (base64 of deterministic bytes; the gateway never looks at
the pixels). usage: make_request.py OUT [TOTAL_BYTES] (default 1048576)"""
import base64
import json
import random
import sys

out = sys.argv[1]
total = int(sys.argv[2]) if len(sys.argv) > 2 else 1024 * 1024
head = {"model": "bench", "messages": [
    {"role": "system", "content": "You are a concise assistant for an operations team."},
    {"role": "user", "content": [
        {"type": "text", "text": "What does this dashboard screenshot show? One sentence."},
        {"type": "image_url", "image_url": {"url": "IMAGE", "detail": "high"}}]}],
    "temperature": 0.2, "max_tokens": 128, "user": "bench-user-1"}
frame = json.dumps(head, separators=(",", ":"))
prefix = "data:image/png;base64,"
room = total - (len(frame) - len("IMAGE")) - len(prefix)
raw = random.Random(20261125).randbytes(room * 3 // 4)
b64 = base64.b64encode(b"\x89PNG\r\n\x1a\n" + raw[8:]).decode()[:room]
b64 = b64[:len(b64) - len(b64) % 4]
body = frame.replace("IMAGE", prefix + b64)
with open(out, "w") as f:
    f.write(body)
print(f"{out}: {len(body)} bytes", file=sys.stderr)
