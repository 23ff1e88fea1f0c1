#!/usr/bin/env python3
"""Request-level probes for the gateway benchmark (standard library only).

Subcommands:
  ttfb --target NAME,URL,KEY ... --body FILE [-n N] [--warmup W] [--out FILE]
        Sequential requests on one keep-alive connection per target, the targets taken in turn
        (round robin, so a burst of load from elsewhere hits every path alike). Per request:
        time to the first byte of the response body (TTFB) and to its last byte. Prints and
        writes percentiles in microseconds, and each target minus the one named 'direct'.
  capture-upstream PORT DIR RESPONSE_FILE
        A fake upstream that writes each request body it receives to DIR/body-<n>.bin and
        answers RESPONSE_FILE as application/json (for the body fidelity check, not for load).
  compare-body SENT RECEIVED --model FROM,TO
        Whether RECEIVED equals SENT with the top-level "model" value FROM spliced to TO.
  mix URL KEY --plain N --stream N --bad-json N --unknown-model N --failing-model NAME,N
      [--stream-model NAME]
        A fixed mix of requests for the leak check; prints the status counts.
"""
import argparse
import http.server
import json
import os
import socket
import statistics
import sys
import time
import urllib.parse


# ---------------------------------------------------------------- a small HTTP/1.1 client
class Conn:
    """One keep-alive HTTP/1.1 connection; reads Content-Length and chunked bodies."""

    def __init__(self, url):
        u = urllib.parse.urlsplit(url)
        self.host, self.port, self.path = u.hostname, u.port or 80, u.path or "/"
        self.sock = None

    def connect(self):
        self.sock = socket.create_connection((self.host, self.port), timeout=30)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def close(self):
        if self.sock:
            self.sock.close()
            self.sock = None

    def request(self, head, body):
        """-> (status, body bytes, ttfb_ns, total_ns); times from just before the send."""
        if self.sock is None:
            self.connect()
        t0 = time.perf_counter_ns()
        self.sock.sendall(head + body)
        buf = b""
        while b"\r\n\r\n" not in buf:
            chunk = self.sock.recv(65536)
            # When the bytes arrived, not when Python has parsed them: a head that comes with its
            # body's first bytes must not be charged the parsing of its headers.
            received = time.perf_counter_ns()
            if not chunk:
                raise ConnectionError("connection closed before the response head")
            buf += chunk
        head_end = buf.index(b"\r\n\r\n") + 4
        lines = buf[:head_end].decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            k, _, v = line.partition(":")
            if k:
                headers[k.strip().lower()] = v.strip()
        rest = buf[head_end:]
        ttfb = None
        if rest:
            ttfb = received - t0
        if "content-length" in headers:
            need = int(headers["content-length"])
            while len(rest) < need:
                chunk = self.sock.recv(65536)
                if not chunk:
                    raise ConnectionError("connection closed in the body")
                if ttfb is None:
                    ttfb = time.perf_counter_ns() - t0
                rest += chunk
            payload = rest[:need]
        elif headers.get("transfer-encoding", "").lower() == "chunked":
            payload, data = b"", rest
            while True:
                while b"\r\n" not in data:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("connection closed in a chunk size")
                    if ttfb is None:
                        ttfb = time.perf_counter_ns() - t0
                    data += chunk
                line, _, data = data.partition(b"\r\n")
                size = int(line.split(b";")[0], 16)
                while len(data) < size + 2:
                    chunk = self.sock.recv(65536)
                    if not chunk:
                        raise ConnectionError("connection closed in a chunk")
                    data += chunk
                if size == 0:
                    # Trailers are not used by any path here; the last chunk ends with CRLF.
                    break
                payload += data[:size]
                data = data[size + 2:]
        else:
            raise ConnectionError(f"response without a length: {headers}")
        total = time.perf_counter_ns() - t0
        if headers.get("connection", "").lower() == "close":
            self.close()
        return status, payload, (ttfb if ttfb is not None else total), total


def request_head(conn, key, length, accept="application/json"):
    return (f"POST {conn.path} HTTP/1.1\r\nHost: {conn.host}:{conn.port}\r\n"
            f"Content-Type: application/json\r\nAccept: {accept}\r\n"
            f"Authorization: Bearer {key}\r\nContent-Length: {length}\r\n\r\n").encode()


def pct(values, p):
    v = sorted(values)
    return v[min(len(v) - 1, max(0, int(round(p / 100.0 * len(v) + 0.5)) - 1))]


def summary_us(values_ns):
    us = [v / 1000.0 for v in values_ns]
    return {"n": len(us), "min": round(min(us), 1), "p50": round(pct(us, 50), 1),
            "p90": round(pct(us, 90), 1), "p99": round(pct(us, 99), 1),
            "mean": round(statistics.fmean(us), 1), "max": round(max(us), 1)}


def ttfb(args):
    with open(args.body, "rb") as f:
        body = f.read()
    stream = b'"stream":true' in body.replace(b" ", b"")
    accept = "text/event-stream" if stream else "application/json"
    targets = []
    for t in args.target:
        name, url, key = t.split(",", 2)
        c = Conn(url)
        targets.append({"name": name, "conn": c, "head": request_head(c, key, len(body), accept),
                        "ttfb": [], "total": [], "errors": 0, "bytes": 0})
    for i in range(args.warmup + args.n):
        for t in targets:
            try:
                status, payload, tf, tt = t["conn"].request(t["head"], body)
            except OSError as e:
                t["errors"] += 1
                t["conn"].close()
                if t["errors"] > 20:
                    sys.exit(f"ttfb: {t['name']}: too many errors, last: {e}")
                continue
            if status != 200:
                t["errors"] += 1
                continue
            if i >= args.warmup:
                t["ttfb"].append(tf)
                t["total"].append(tt)
                t["bytes"] = len(payload)
    out = {"n": args.n, "warmup": args.warmup, "body_bytes": len(body), "stream": stream,
           "order": "round robin, one keep-alive connection per target", "targets": {}}
    for t in targets:
        t["conn"].close()
        if not t["ttfb"]:
            out["targets"][t["name"]] = {"errors": t["errors"]}
            continue
        out["targets"][t["name"]] = {"ttfb_us": summary_us(t["ttfb"]), "total_us": summary_us(t["total"]),
                                     "errors": t["errors"], "response_body_bytes": t["bytes"]}
    base = out["targets"].get("direct", {})
    if "ttfb_us" in base:
        for name, r in out["targets"].items():
            if name != "direct" and "ttfb_us" in r:
                r["added_ttfb_us"] = {k: round(r["ttfb_us"][k] - base["ttfb_us"][k], 1) for k in ("p50", "p90", "p99")}
                r["added_total_us"] = {k: round(r["total_us"][k] - base["total_us"][k], 1) for k in ("p50", "p90", "p99")}
    print(f"   {'target':<10} {'TTFB p50':>10} {'p90':>9} {'p99':>9} | {'full p50':>9} {'p99':>9} | "
          f"{'added TTFB p50':>14} {'p99':>8}   (µs, n={args.n} each, {len(body)}-byte request)")
    for name, r in out["targets"].items():
        if "ttfb_us" not in r:
            print(f"   {name:<10} FAILED ({r['errors']} errors)")
            continue
        a = r.get("added_ttfb_us")
        added = f"{a['p50']:>14.1f} {a['p99']:>8.1f}" if a else f"{'-':>14} {'-':>8}"
        err = f"  ERRORS {r['errors']}" if r["errors"] else ""
        print(f"   {name:<10} {r['ttfb_us']['p50']:>10.1f} {r['ttfb_us']['p90']:>9.1f} {r['ttfb_us']['p99']:>9.1f} | "
              f"{r['total_us']['p50']:>9.1f} {r['total_us']['p99']:>9.1f} | {added}{err}")
    if args.out:
        with open(args.out, "w") as f:
            json.dump(out, f, indent=1)
    return 0


# ---------------------------------------------------------------- body fidelity
def capture_upstream(args):
    os.makedirs(args.dir, exist_ok=True)
    with open(args.response, "rb") as f:
        response = json.dumps(json.loads(f.read()), separators=(",", ":")).encode()
    counter = {"n": 0}

    class Handler(http.server.BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"ok")

        def do_POST(self):
            n = int(self.headers.get("Content-Length", "0"))
            data = self.rfile.read(n)
            counter["n"] += 1
            with open(os.path.join(args.dir, f"body-{counter['n']}.bin"), "wb") as f:
                f.write(data)
            with open(os.path.join(args.dir, f"headers-{counter['n']}.txt"), "w") as f:
                f.write(str(self.headers))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(response)))
            self.end_headers()
            self.wfile.write(response)

    http.server.ThreadingHTTPServer(("127.0.0.1", args.port), Handler).serve_forever()


def compare_body(args):
    with open(args.sent, "rb") as f:
        sent = f.read()
    with open(args.received, "rb") as f:
        received = f.read()
    old, new = args.model.split(",", 1)
    needle = b'"model":' + json.dumps(old).encode()
    if sent.count(needle) != 1:
        sys.exit(f"compare-body: the sent body must hold {needle!r} exactly once")
    expected = sent.replace(needle, b'"model":' + json.dumps(new).encode())
    result = {"sent_bytes": len(sent), "received_bytes": len(received), "expected_bytes": len(expected),
              "identical_apart_from_model": received == expected}
    if received != expected:
        first = next((i for i, (a, b) in enumerate(zip(expected, received)) if a != b), min(len(expected), len(received)))
        result["first_difference_at"] = first
        result["expected_around"] = expected[max(0, first - 40):first + 40].decode("utf-8", "replace")
        result["received_around"] = received[max(0, first - 40):first + 40].decode("utf-8", "replace")
        # Was the big string at least carried whole, even if the JSON around it changed?
        longest = max(json_strings(sent), key=len, default=b"")
        result["largest_string_bytes"] = len(longest)
        result["largest_string_carried_verbatim"] = longest in received
    print(json.dumps(result))
    return 0 if received == expected else 1


def json_strings(raw):
    out, i = [], 0
    while True:
        i = raw.find(b'"', i)
        if i < 0:
            return out
        j = i + 1
        while j < len(raw) and raw[j] != 0x22:
            j += 2 if raw[j] == 0x5C else 1
        out.append(raw[i + 1:j])
        i = j + 1


# ---------------------------------------------------------------- request mix (leak check)
def mix(args):
    plain = json.dumps({"model": "bench", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 8}).encode()
    stream = json.dumps({"model": args.stream_model, "stream": True, "messages": [{"role": "user", "content": "hi"}]}).encode()
    unknown = json.dumps({"model": "no-such-model", "messages": [{"role": "user", "content": "hi"}]}).encode()
    failing_name, failing_n = args.failing_model.split(",") if args.failing_model else ("", "0")
    failing = json.dumps({"model": failing_name, "messages": [{"role": "user", "content": "hi"}]}).encode()
    plan = ([("plain", plain)] * args.plain + [("stream", stream)] * args.stream
            + [("bad-json", b'{"model": "bench", "messages": [')] * args.bad_json
            + [("unknown-model", unknown)] * args.unknown_model + [("failing-upstream", failing)] * int(failing_n))
    # Interleave the kinds so that every path runs throughout.
    plan = [plan[i] for k in range(7) for i in range(k, len(plan), 7)]
    conn = Conn(args.url)
    counts = {}
    for kind, body in plan:
        accept = "text/event-stream" if kind == "stream" else "application/json"
        try:
            status, _, _, _ = conn.request(request_head(conn, args.key, len(body), accept), body)
        except OSError as e:
            status = f"error {type(e).__name__}"
            conn.close()
        key = f"{kind} {status}"
        counts[key] = counts.get(key, 0) + 1
    print(json.dumps({"requests": len(plan), "by_kind_and_status": counts}))
    conn.close()
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    s = sub.add_parser("ttfb")
    s.add_argument("--target", action="append", required=True, help="NAME,URL,KEY (repeatable)")
    s.add_argument("--body", required=True)
    s.add_argument("-n", type=int, default=2000)
    s.add_argument("--warmup", type=int, default=200)
    s.add_argument("--out")
    s.set_defaults(fn=ttfb)
    s = sub.add_parser("capture-upstream")
    s.add_argument("port", type=int); s.add_argument("dir"); s.add_argument("response")
    s.set_defaults(fn=capture_upstream)
    s = sub.add_parser("compare-body")
    s.add_argument("sent"); s.add_argument("received"); s.add_argument("--model", required=True)
    s.set_defaults(fn=compare_body)
    s = sub.add_parser("mix")
    s.add_argument("url"); s.add_argument("key")
    for k in ("plain", "stream", "bad-json", "unknown-model"):
        s.add_argument("--" + k, type=int, default=0)
    s.add_argument("--failing-model", help="NAME,N")
    s.add_argument("--stream-model", default="bench")
    s.set_defaults(fn=mix)
    args = p.parse_args()
    return args.fn(args) or 0


if __name__ == "__main__":
    sys.exit(main())
