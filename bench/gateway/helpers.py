#!/usr/bin/env python3
"""Small helpers for bench/gateway/run.sh (standard library only).

Subcommands:
  free-port                      print a free TCP port on 127.0.0.1
  nginx-upstream DIR PORT WORKERS SCENARIO_DIR
                                 write DIR/nginx.conf for the fake upstream
  nginx-proxy DIR PORT WORKERS UPSTREAM_PORT
                                 write DIR/nginx.conf for the plain reverse proxy
  wait-http URL --status N --timeout S [--pid PID]
                                 poll URL until it answers with status N
  smoke URL BODY_FILE KEY        one POST; require 200 and a chat.completion body
  procmem PID                    JSON memory of PID and its descendants
  record ...                     turn one wrk run into one JSON line (see below)
  show                           print a record (stdin) as one human-readable line
  cpusnap FILE --pid P...        CPU snapshot before a point (record --cpu-before compares)
  cpucheck --seconds S --pid P   CPU used by other processes while the bench is idle
  wait-idle --max S --pid P...   wait until other processes leave the CPU alone
"""
import argparse
import json
import os
import socket
import sys
import time
import urllib.error
import urllib.request


def free_port(_args):
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        print(s.getsockname()[1])


NGINX_COMMON = """\
daemon off;
master_process on;
worker_processes {workers};
pid {dir}/nginx.pid;
error_log {dir}/error.log warn;
events {{ worker_connections 8192; }}
http {{
    access_log off;
    client_body_temp_path {dir}/client_body;
    proxy_temp_path {dir}/proxy;
    fastcgi_temp_path {dir}/fastcgi;
    uwsgi_temp_path {dir}/uwsgi;
    scgi_temp_path {dir}/scgi;
    keepalive_requests 10000000;
    keepalive_timeout 75s;
    # The 1 MB multimodal scenario: accept it, and keep it in memory (no temp file on disk).
    client_max_body_size 64m;
    client_body_buffer_size 2m;
    server_tokens off;
{body}
}}
"""


def nginx_string(value):
    """Quote a string for nginx.conf. '$' would start a variable, so refuse it."""
    if "$" in value:
        sys.exit("nginx body must not contain '$'")
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


def scenario_response(scenario):
    """(body, content type) the fake upstream answers: response.json (minified) or response.sse."""
    sse = os.path.join(scenario, "response.sse")
    if os.path.exists(sse):
        with open(sse, encoding="utf-8") as f:
            # One `data:` event a line in the file; on the wire each ends with a blank line.
            events = [l for l in f.read().splitlines() if l.strip()]
        return "".join(e + "\n\n" for e in events), "text/event-stream"
    with open(os.path.join(scenario, "response.json"), "rb") as f:
        # Minify so the upstream always answers with the same compact bytes.
        body = json.dumps(json.loads(f.read()), separators=(",", ":"), ensure_ascii=False)
    return body, "application/json"


ERROR_BODY = '{"error":{"message":"bench: upstream failure","type":"server_error","code":null}}'


def nginx_upstream(args):
    body, ctype = scenario_response(args.scenario_dir)
    sse, _ = scenario_response(os.path.join(os.path.dirname(os.path.abspath(__file__)), "scenarios", "chat-stream"))
    if len(body) < 3000:
        answer = f"""location = /v1/chat/completions {{
            if ($request_method != POST) {{ return 405; }}
            default_type {ctype};
            return 200 {nginx_string(body)};
        }}"""
    else:
        # Past nginx's ~4 KB limit on one configuration token (a long stream): the body is a file,
        # served through an internal redirect, which error_page makes with the method GET.
        os.makedirs(os.path.join(args.dir, "answer"), exist_ok=True)
        with open(os.path.join(args.dir, "answer", "body"), "wb") as f:
            f.write(body if isinstance(body, bytes) else body.encode())
        answer = f"""location = /v1/chat/completions {{
            error_page 405 =200 /answer/body;
            return 405;
        }}
        location = /answer/body {{
            internal;
            root {args.dir};
            default_type {ctype};
        }}"""
    server = f"""\
    server {{
        listen 127.0.0.1:{args.port} backlog=4096;
        {answer}
        # A streaming answer whatever the scenario (leak check: plain and streaming in one run).
        location = /sse/v1/chat/completions {{
            default_type text/event-stream;
            return 200 {nginx_string(sse)};
        }}
        # An upstream that always fails (leak check: the error paths).
        location = /err/v1/chat/completions {{
            default_type application/json;
            return 500 {nginx_string(ERROR_BODY)};
        }}
        location = /healthz {{ return 200 'ok'; }}
        location / {{ return 404; }}
    }}"""
    write_conf(args.dir, args.workers, server)


def nginx_proxy(args):
    server = f"""\
    upstream fake_upstream {{
        server 127.0.0.1:{args.upstream_port};
        keepalive 512;
    }}
    server {{
        listen 127.0.0.1:{args.port} backlog=4096;
        location = /healthz {{ return 200 'ok'; }}
        location / {{
            proxy_pass http://fake_upstream;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
        }}
    }}"""
    write_conf(args.dir, args.workers, server)


def write_conf(directory, workers, body):
    os.makedirs(directory, exist_ok=True)
    with open(os.path.join(directory, "nginx.conf"), "w") as f:
        f.write(NGINX_COMMON.format(dir=directory, workers=workers, body=body))


def pid_alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            # A zombie has exited; it only waits to be reaped.
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def wait_http(args):
    deadline = time.monotonic() + args.timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if args.pid and not pid_alive(args.pid):
            print(f"process {args.pid} exited before {args.url} was ready ({last})", file=sys.stderr)
            return 1
        try:
            with urllib.request.urlopen(args.url, timeout=2) as r:
                if r.status == args.status:
                    return 0
                last = f"status {r.status}"
        except urllib.error.HTTPError as e:
            last = f"status {e.code}"
            if e.code == args.status:
                return 0
        except (OSError, urllib.error.URLError) as e:
            last = str(e)
        time.sleep(0.25)
    print(f"{args.url} not ready after {args.timeout}s (last: {last})", file=sys.stderr)
    return 1


def smoke(args):
    with open(args.body_file, "rb") as f:
        body = f.read()
    req = urllib.request.Request(args.url, data=body, method="POST", headers={
        "Content-Type": "application/json",
        "Authorization": f"Bearer {args.key}",
    })
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            status, raw = r.status, r.read()
            ctype = r.headers.get("content-type", "")
    except urllib.error.HTTPError as e:
        print(f"smoke: HTTP {e.code}: {e.read()[:300]!r}", file=sys.stderr)
        return 1
    except OSError as e:
        print(f"smoke: {e}", file=sys.stderr)
        return 1
    if ctype.startswith("text/event-stream"):
        ok, detail = check_sse(raw)
        if not ok or status != 200:
            print(f"smoke: bad stream (status {status}): {detail}: {raw[:300]!r}", file=sys.stderr)
            return 1
        print(f"status {status}, {len(raw)} bytes, {ctype}, {detail}")
        return 0
    try:
        doc = json.loads(raw)
        content = doc["choices"][0]["message"]["content"]
        ok = status == 200 and doc.get("object") == "chat.completion" and content and "usage" in doc
    except (ValueError, KeyError, IndexError, TypeError):
        ok = False
    if not ok:
        print(f"smoke: unexpected answer (status {status}): {raw[:300]!r}", file=sys.stderr)
        return 1
    print(f"status {status}, {len(raw)} bytes, {ctype}")
    return 0


def check_sse(raw):
    """A chat stream: chat.completion.chunk events with some content, ending in [DONE]."""
    events = [l[5:].strip() for l in raw.decode("utf-8", "replace").splitlines() if l.startswith("data:")]
    if not events or events[-1] != "[DONE]":
        return False, "no final [DONE]"
    text = ""
    try:
        for e in events[:-1]:
            doc = json.loads(e)
            if doc.get("object") != "chat.completion.chunk":
                return False, "an event is not a chat.completion.chunk"
            for c in doc.get("choices", []):
                text += (c.get("delta") or {}).get("content") or ""
    except ValueError:
        return False, "an event is not JSON"
    if not text:
        return False, "no content in the stream"
    return True, f"{len(events) - 1} chunks + [DONE]"


def children_map():
    kids = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
        except (OSError, ValueError, IndexError):
            continue
        kids.setdefault(ppid, []).append(int(entry))
    return kids


def process_memory(pid):
    info = {"pid": pid}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                key, _, value = line.partition(":")
                if key == "Name":
                    info["name"] = value.strip()
                elif key in ("VmRSS", "VmHWM"):
                    info[key.lower() + "_kb"] = int(value.split()[0])
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    info["pss_kb"] = int(line.split()[1])
    except OSError:
        pass
    return info


def procmem_dict(root):
    kids = children_map()
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(kids.get(pid, []))
    procs = [process_memory(p) for p in sorted(pids)]
    procs = [p for p in procs if "vmrss_kb" in p]
    total = {k: sum(p.get(k, 0) for p in procs) for k in ("vmrss_kb", "vmhwm_kb", "pss_kb")}
    return {"root_pid": root, "processes": procs, **{"total_" + k: v for k, v in total.items()}}


def procmem(args):
    print(json.dumps(procmem_dict(args.pid)))


CLK_TCK = os.sysconf("SC_CLK_TCK")
# Cores used outside the benchmark's processes before a point is flagged. Loopback softirq work
# that the kernel charges to no task shows up here too (~0.1 core at saturation), hence not lower.
OTHER_CPU_WARN = 0.25


def busy_jiffies():
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    # user nice system idle iowait irq softirq steal ...: everything but idle and iowait
    return sum(v[:3]) + sum(v[5:8])


def all_jiffies():
    """pid -> [name, ppid, utime+stime, cutime+cstime, starttime] for every process. Reaped children count
    in their parent's cutime/cstime, which is how a finished wrk counts towards the script
    that waited for it."""
    out = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                raw = f.read()
        except OSError:
            continue
        name = raw[raw.find("(") + 1:raw.rfind(")")]
        fields = raw.rsplit(")", 1)[1].split()
        out[entry] = [name, int(fields[1]), sum(int(x) for x in fields[11:13]),
                      sum(int(x) for x in fields[13:15]), int(fields[19])]
    return out


def descendants(procs, roots):
    kids = {}
    for pid, (_, ppid, *_) in procs.items():
        kids.setdefault(str(ppid), []).append(pid)
    seen, todo = set(), [str(r) for r in roots]
    while todo:
        pid = todo.pop()
        if pid in seen:
            continue
        seen.add(pid)
        todo.extend(kids.get(pid, []))
    return seen


def cpu_snapshot(roots):
    procs = all_jiffies()
    return {"t": time.monotonic(), "busy": busy_jiffies(), "procs": procs,
            "ours": sorted(descendants(procs, roots))}


def cpu_delta(before, after):
    secs = max(after["t"] - before["t"], 1e-6)
    busy = (after["busy"] - before["busy"]) / CLK_TCK / secs
    ours_pids = set(before["ours"]) | set(after["ours"])
    ours, others = 0, {}
    for pid, (name, _, own, reaped, started) in after["procs"].items():
        prev = before["procs"].get(pid)
        if prev and prev[-1] != started:
            prev = None  # pid reused (kworkers rename themselves, so not by name)
        if pid in ours_pids:
            ours += own + reaped - (prev[2] + prev[3] if prev else 0)
        else:
            # Others by their own time only: a long job reaped during the window would
            # otherwise dump its whole lifetime into it. Their total is busy - ours anyway.
            d = own - (prev[2] if prev else 0)
            if d > 0:
                others[name] = others.get(name, 0) + d
    ours = ours / CLK_TCK / secs
    top = sorted(others.items(), key=lambda kv: -kv[1])[:3]
    with open("/proc/loadavg") as f:
        load1 = float(f.read().split()[0])
    return {"window_s": round(secs, 2), "busy_cores": round(busy, 2), "ours_cores": round(ours, 2),
            "other_cores": round(max(busy - ours, 0.0), 2), "loadavg_1m": load1,
            "other_top": [{"name": n, "cores": round(j / CLK_TCK / secs, 2)} for n, j in top]}


def tree_cpu_seconds(before, after, root):
    """CPU seconds used between two snapshots by ROOT and its descendants (reaped ones included)."""
    total = 0
    for pid in descendants(after["procs"], [root]):
        name, _, own, reaped, started = after["procs"][pid]
        prev = before["procs"].get(pid)
        if prev and prev[-1] != started:
            prev = None
        total += own + reaped - (prev[2] + prev[3] if prev else 0)
    return total / CLK_TCK


def cpusnap(args):
    with open(args.out, "w") as f:
        json.dump(cpu_snapshot(args.pid), f)


def cpucheck(args):
    """Measure how much CPU processes outside the benchmark use while it is idle."""
    before = cpu_snapshot(args.pid)
    time.sleep(args.seconds)
    d = cpu_delta(before, cpu_snapshot(args.pid))
    print(json.dumps(d))


def wait_idle(args):
    """Wait (at most --max seconds) until other processes use under OTHER_CPU_WARN cores."""
    start = time.monotonic()
    deadline = start + args.max
    last_note = None
    while True:
        before = cpu_snapshot(args.pid)
        time.sleep(2)
        d = cpu_delta(before, cpu_snapshot(args.pid))
        if d["other_cores"] <= OTHER_CPU_WARN:
            return 0
        if time.monotonic() >= deadline:
            print(f"   machine still busy after {args.max:.0f}s ({d['other_cores']:.2f} cores elsewhere); going on",
                  file=sys.stderr)
            return 1
        now = time.monotonic()
        if last_note is None or now - last_note >= 30:   # one line every 30 s, not every poll
            last_note = now
            who = ", ".join(f"{t['name']} {t['cores']:.2f}" for t in d["other_top"])
            print(f"   waiting for the machine to be idle ({now - start:.0f}s): {d['other_cores']:.2f} cores "
                  f"elsewhere ({who})", file=sys.stderr)


def record(args):
    """One wrk run -> one JSON line: load figures plus memory of each named process tree."""
    with open(args.wrk_out) as f:
        text = f.read()
    line = next((l for l in text.splitlines() if l.startswith("BENCH_RESULT ")), None)
    rec = {"path": args.path, "connections": args.connections, "threads": args.threads,
           "wrk_exit": args.wrk_exit}
    if line is None:
        rec["error"] = "wrk printed no result: " + text.strip()[-300:]
    else:
        r = json.loads(line[len("BENCH_RESULT "):])
        secs = r["duration_us"] / 1e6
        lat = {k: round(v / 1000.0, 3) for k, v in r["latency_us"].items()}
        errors = r["errors"]
        rec.update({
            "duration_s": round(secs, 3),
            "requests": r["requests"],
            "rps": round(r["requests"] / secs, 1) if secs > 0 else 0.0,
            "latency_ms": lat,
            "errors": errors,
            "error_count": sum(errors.values()),
            "bytes_read": r["bytes"],
        })
    if args.cpu_before:
        with open(args.cpu_before) as f:
            before = json.load(f)
        after = cpu_snapshot(args.cpu_pid)
        rec["cpu"] = cpu_delta(before, after)
        # CPU time of each measured server's own process tree, per request: far less sensitive
        # to other processes on the machine than req/s.
        per = {}
        for item in args.mem:
            name, _, pid = item.partition("=")
            secs = tree_cpu_seconds(before, after, int(pid))
            per[name] = {"cpu_s": round(secs, 3),
                         "cpu_us_per_req": round(secs * 1e6 / rec["requests"], 1) if rec.get("requests") else None}
        rec["cpu"]["servers"] = per
    rec["memory"] = {}
    for item in args.mem:
        name, _, pid = item.partition("=")
        rec["memory"][name] = procmem_dict(int(pid))
    print(json.dumps(rec))


def show(_args):
    """Print the last record (JSON on stdin) as one human line."""
    r = json.loads(sys.stdin.read())
    c = r["connections"]
    if "rps" not in r:
        print(f"   c={c:<4} FAILED: {r['error']}")
        return 0
    lat = r["latency_ms"]
    mem = "  ".join(
        f"{n} RSS {m['total_vmrss_kb'] / 1024:.1f} MiB (HWM {m['total_vmhwm_kb'] / 1024:.1f}, {len(m['processes'])} proc)"
        for n, m in r["memory"].items())
    err = f"  ERRORS {r['errors']}" if r["error_count"] else ""
    cpu = r.get("cpu")
    cputxt = f"  | cpu: bench {cpu['ours_cores']:.2f}, other processes {cpu['other_cores']:.2f} cores" if cpu else ""
    if cpu and cpu.get("servers"):
        cputxt += "  | CPU/req: " + ", ".join(f"{n} {v['cpu_us_per_req']} µs" for n, v in cpu["servers"].items()
                                             if v.get("cpu_us_per_req") is not None)
    print(f"   c={c:<4} {r['rps']:>10.1f} req/s  p50 {lat['p50']:.3f} ms  p99 {lat['p99']:.3f} ms{err}  | {mem}{cputxt}")
    if cpu and cpu["other_cores"] > OTHER_CPU_WARN:
        who = ", ".join(f"{t['name']} {t['cores']:.2f}" for t in cpu.get("other_top", []))
        print(f"          WARNING: other processes used {cpu['other_cores']:.2f} cores during this point ({who}); it is distorted")
    return 0


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("free-port").set_defaults(fn=free_port)
    s = sub.add_parser("nginx-upstream")
    s.add_argument("dir"); s.add_argument("port", type=int); s.add_argument("workers")
    s.add_argument("scenario_dir"); s.set_defaults(fn=nginx_upstream)
    s = sub.add_parser("nginx-proxy")
    s.add_argument("dir"); s.add_argument("port", type=int); s.add_argument("workers")
    s.add_argument("upstream_port", type=int); s.set_defaults(fn=nginx_proxy)
    s = sub.add_parser("wait-http")
    s.add_argument("url"); s.add_argument("--status", type=int, default=200)
    s.add_argument("--timeout", type=float, default=60); s.add_argument("--pid", type=int)
    s.set_defaults(fn=wait_http)
    s = sub.add_parser("smoke")
    s.add_argument("url"); s.add_argument("body_file"); s.add_argument("key")
    s.set_defaults(fn=smoke)
    s = sub.add_parser("procmem")
    s.add_argument("pid", type=int); s.set_defaults(fn=procmem)
    s = sub.add_parser("record")
    s.add_argument("--path", required=True); s.add_argument("--connections", type=int, required=True)
    s.add_argument("--threads", type=int, required=True); s.add_argument("--wrk-out", required=True)
    s.add_argument("--wrk-exit", type=int, default=0)
    s.add_argument("--mem", action="append", default=[], help="NAME=PID (repeatable)")
    s.set_defaults(fn=record)
    s.add_argument("--cpu-before", help="snapshot file written by cpusnap before the load")
    s.add_argument("--cpu-pid", type=int, action="append", default=[], help="roots of the benchmark's own processes")
    sub.add_parser("show").set_defaults(fn=show)
    s = sub.add_parser("cpusnap")
    s.add_argument("out"); s.add_argument("--pid", type=int, action="append", default=[])
    s.set_defaults(fn=cpusnap)
    s = sub.add_parser("wait-idle")
    s.add_argument("--max", type=float, default=300)
    s.add_argument("--pid", type=int, action="append", default=[])
    s.set_defaults(fn=wait_idle)
    s = sub.add_parser("cpucheck")
    s.add_argument("--seconds", type=float, default=2.0)
    s.add_argument("--pid", type=int, action="append", default=[])
    s.set_defaults(fn=cpucheck)
    args = p.parse_args()
    return args.fn(args) or 0


if __name__ == "__main__":
    sys.exit(main())
