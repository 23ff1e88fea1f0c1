#!/usr/bin/env python3
"""The soak loop of soak.sh: wrk in back-to-back segments of --interval seconds against one
gateway process, and after each segment the gateway's RSS, CPU time, ledger size and the load.

usage: soak.py --pid PID --url URL --key KEY --body FILE --ledger-dir DIR --out FILE
               [--duration 600] [--interval 10] [--connections 32] [--warmup 60]
               [--peak-connections 128] [--peak-duration 30] [--cooldown 0]
--cooldown S: after the load, S seconds without load, RSS sampled every --interval (does memory
held under load come back?).
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
CLK_TCK = os.sysconf("SC_CLK_TCK")


def proc_status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            k, _, v = line.partition(":")
            if k in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[k] = int(v.split()[0])
    return out


def cpu_seconds(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def dir_bytes(d):
    total = 0
    for name in os.listdir(d):
        if name.startswith("bench.db"):
            total += os.path.getsize(os.path.join(d, name))
    return total


def busy_cores_since(prev):
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    busy, total = sum(v[:3]) + sum(v[5:8]), sum(v[:8])
    if prev is None:
        return (busy, total), None
    db, dt = busy - prev[0], total - prev[1]
    return (busy, total), (round(db / dt * os.cpu_count(), 2) if dt else None)


def wrk(args, conns, secs):
    with open(args.body, "rb") as f:
        stream = b'"stream":true' in f.read().replace(b" ", b"")
    env = dict(os.environ, BENCH_BODY_FILE=args.body, BENCH_KEY=args.key,
               BENCH_ACCEPT="text/event-stream" if stream else "application/json")
    r = subprocess.run(["timeout", str(secs + 60), "wrk", "-t", str(min(2, conns)), "-c", str(conns),
                        "-d", f"{secs}s", "--timeout", "30s", "-s", os.path.join(HERE, "wrk-chat.lua"), args.url],
                       env=env, capture_output=True, text=True)
    line = next((l for l in r.stdout.splitlines() if l.startswith("BENCH_RESULT ")), None)
    if line is None:
        raise SystemExit(f"wrk printed no result: {r.stdout[-300:]} {r.stderr[-300:]}")
    return json.loads(line[len("BENCH_RESULT "):])


def segment(args, conns, secs, t0, state):
    cpu0 = cpu_seconds(args.pid)
    res = wrk(args, conns, secs)
    cpu1 = cpu_seconds(args.pid)
    state["stat"], busy = busy_cores_since(state["stat"])
    st = proc_status(args.pid)
    with open("/proc/loadavg") as f:
        load1 = float(f.read().split()[0])
    n = res["requests"]
    errors = sum(res["errors"].values())
    return {
        "t_s": round(time.monotonic() - t0, 1), "connections": conns, "requests": n,
        "rps": round(n / (res["duration_us"] / 1e6), 1), "errors": errors,
        "p50_ms": round(res["latency_us"]["p50"] / 1000, 3), "p99_ms": round(res["latency_us"]["p99"] / 1000, 3),
        "rss_kb": st.get("VmRSS"), "hwm_kb": st.get("VmHWM"), "rss_anon_kb": st.get("RssAnon"),
        "threads": st.get("Threads"),
        "gateway_cpu_s": round(cpu1 - cpu0, 3),
        "gateway_cpu_us_per_req": round((cpu1 - cpu0) * 1e6 / n, 1) if n else None,
        "machine_busy_cores": busy, "loadavg_1m": load1, "ledger_bytes": dir_bytes(args.ledger_dir),
    }


def show(s, tag=""):
    print(f"   {s['t_s']:>6.0f}s {tag:<6} c={s['connections']:<4} {s['rps']:>8.0f} req/s  p50 {s['p50_ms']:>7.3f} ms  "
          f"p99 {s['p99_ms']:>7.3f} ms  RSS {s['rss_kb'] / 1024:>6.1f} MiB (anon {s['rss_anon_kb'] / 1024:.1f})  "
          f"CPU {s['gateway_cpu_us_per_req']:>6.1f} µs/req  load {s['loadavg_1m']:.1f}  "
          f"ledger {s['ledger_bytes'] / 1048576:.1f} MiB" + (f"  ERRORS {s['errors']}" if s["errors"] else ""), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--pid", type=int, required=True)
    ap.add_argument("--url", required=True)
    ap.add_argument("--key", default="sk-bench-client")
    ap.add_argument("--body", required=True)
    ap.add_argument("--ledger-dir", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--duration", type=int, default=600)
    ap.add_argument("--interval", type=int, default=10)
    ap.add_argument("--connections", type=int, default=32)
    ap.add_argument("--warmup", type=int, default=60)
    ap.add_argument("--peak-connections", type=int, default=128)
    ap.add_argument("--peak-duration", type=int, default=30)
    ap.add_argument("--cooldown", type=int, default=0)
    ap.add_argument("--meta", action="append", default=[])
    args = ap.parse_args()

    t0 = time.monotonic()
    state = {"stat": busy_cores_since(None)[0]}
    idle = proc_status(args.pid)
    print(f"   idle gateway: RSS {idle['VmRSS'] / 1024:.1f} MiB, {idle['Threads']} threads", flush=True)
    warm = []
    left = args.warmup
    while left > 0:
        secs = min(args.interval, left)
        warm.append(segment(args, args.connections, secs, t0, state))
        show(warm[-1], "warmup")
        left -= secs
    steady = []
    left = args.duration
    while left > 0:
        secs = min(args.interval, left)
        steady.append(segment(args, args.connections, secs, t0, state))
        show(steady[-1], "soak")
        left -= secs
    peak = []
    if args.peak_connections:
        left = args.peak_duration
        while left > 0:
            secs = min(args.interval, left)
            peak.append(segment(args, args.peak_connections, secs, t0, state))
            show(peak[-1], "peak")
            left -= secs
    cool = []
    left = args.cooldown
    while left > 0:
        secs = min(args.interval, left)
        time.sleep(secs)
        st = proc_status(args.pid)
        cool.append({"t_s": round(time.monotonic() - t0, 1), "rss_kb": st.get("VmRSS"),
                     "rss_anon_kb": st.get("RssAnon"), "threads": st.get("Threads"),
                     "ledger_bytes": dir_bytes(args.ledger_dir)})
        c = cool[-1]
        print(f"   {c['t_s']:>6.0f}s idle   RSS {c['rss_kb'] / 1024:>6.1f} MiB (anon {c['rss_anon_kb'] / 1024:.1f}), "
              f"{c['threads']} threads, ledger {c['ledger_bytes'] / 1048576:.1f} MiB", flush=True)
        left -= secs
    after = proc_status(args.pid)

    def third(xs, i):
        k = max(1, len(xs) // 3)
        part = xs[:k] if i == 0 else xs[-k:]
        vals = [x["gateway_cpu_us_per_req"] for x in part if x["gateway_cpu_us_per_req"]]
        return round(sum(vals) / len(vals), 1) if vals else None

    rss = [s["rss_kb"] for s in steady]
    summary = {
        "idle_rss_kb": idle["VmRSS"],
        "rss_start_kb": rss[0], "rss_end_kb": rss[-1], "rss_max_kb": max(rss), "rss_min_kb": min(rss),
        "rss_growth_pct": round((rss[-1] - rss[0]) * 100.0 / rss[0], 2),
        "rss_max_over_start_pct": round((max(rss) - rss[0]) * 100.0 / rss[0], 2),
        "requests": sum(s["requests"] for s in steady), "errors": sum(s["errors"] for s in steady),
        "rps_mean": round(sum(s["rps"] for s in steady) / len(steady), 1),
        "cpu_us_per_req_first_third": third(steady, 0), "cpu_us_per_req_last_third": third(steady, 2),
        "ledger_bytes_end": steady[-1]["ledger_bytes"],
        "peak_connections": args.peak_connections,
        "peak_rss_kb": max((s["rss_kb"] for s in peak), default=None),
        "hwm_kb_at_end": after["VmHWM"],
        "loadavg_1m_range": [min(s["loadavg_1m"] for s in steady), max(s["loadavg_1m"] for s in steady)],
    }
    meta = dict(kv.partition("=")[::2] for kv in args.meta)
    meta.update({"duration_s": args.duration, "interval_s": args.interval, "connections": args.connections,
                 "warmup_s": args.warmup, "peak_duration_s": args.peak_duration, "cooldown_s": args.cooldown})
    doc = {"schema": "shepherd-bench-soak/1", "meta": meta, "summary": summary,
           "warmup": warm, "soak": steady, "peak": peak, "cooldown": cool}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=1)
        f.write("\n")
    m = lambda kb: f"{kb / 1024:.1f} MiB" if kb else "-"
    print()
    print(f"   soak ({args.duration} s at {args.connections} connections, after {args.warmup} s of warm-up): "
          f"{summary['requests']} requests, {summary['errors']} errors, {summary['rps_mean']} req/s mean")
    print(f"   RSS start {m(summary['rss_start_kb'])}, end {m(summary['rss_end_kb'])}, max {m(summary['rss_max_kb'])}: "
          f"growth {summary['rss_growth_pct']:+.2f} % (goal < 5 %); max over start {summary['rss_max_over_start_pct']:+.2f} %")
    print(f"   gateway CPU per request: first third {summary['cpu_us_per_req_first_third']} µs, "
          f"last third {summary['cpu_us_per_req_last_third']} µs")
    if peak:
        print(f"   RSS under {args.peak_connections} connections: max {m(summary['peak_rss_kb'])} (goal <= 60 MB); "
              f"VmHWM over the whole run {m(summary['hwm_kb_at_end'])}")
    print(f"   ledger (bench.db*): {summary['ledger_bytes_end'] / 1048576:.1f} MiB; load average (1 min) "
          f"{summary['loadavg_1m_range'][0]}–{summary['loadavg_1m_range'][1]}")
    print(f"   written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
