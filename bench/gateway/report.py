#!/usr/bin/env python3
"""Combine the per-point JSON lines of bench/gateway/run.sh into one JSON file and print
the summary tables (throughput, latency, memory, ratios against the floor and the peer)."""
import argparse
import datetime
import json
import os
import platform
import sys

PATH_ORDER = ["direct", "nginx", "nio", "floor", "shepherd", "litellm"]
PATH_LABEL = {
    "direct": "direct (no proxy)",
    "nginx": "nginx proxy_pass",
    "nio": "SwiftNIO floor",
    "floor": "shepherd-floor",
    "shepherd": "Shepherd",
    "litellm": "LiteLLM",
}
OTHER_CPU_WARN = 0.25  # same threshold as helpers.py
# Which process tree counts as "the server" of each path in the tables.
GATEWAY_PROC = {"direct": "upstream", "nginx": "nginx", "nio": "nio", "floor": "floor", "shepherd": "shepherd", "litellm": "litellm"}


def machine():
    info = {"cpus": os.cpu_count(), "kernel": platform.release(), "python": platform.python_version()}
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    info["cpu_model"] = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    info["mem_total_mib"] = int(line.split()[1]) // 1024
        with open("/etc/os-release") as f:
            for line in f:
                if line.startswith("PRETTY_NAME="):
                    info["os"] = line.split("=", 1)[1].strip().strip('"')
    except OSError:
        pass
    return info


def mib(kb):
    return kb / 1024.0


def summarise(results):
    by = {(r["path"], r["connections"]): r for r in results if "rps" in r}
    conns = sorted({r["connections"] for r in results})
    rows = []
    for c in conns:
        row = {"connections": c}
        direct = by.get(("direct", c))
        nginx = by.get(("nginx", c))
        shep = by.get(("shepherd", c))
        lite = by.get(("litellm", c))
        floor = by.get(("floor", c))
        nio = by.get(("nio", c))
        for name, r in (("direct", direct), ("nginx", nginx), ("nio", nio), ("floor", floor), ("shepherd", shep), ("litellm", lite)):
            if r:
                row[name + "_rps"] = r["rps"]
                row[name + "_p50_ms"] = r["latency_ms"]["p50"]
                row[name + "_p99_ms"] = r["latency_ms"]["p99"]
                if direct and name != "direct":
                    row[name + "_added_p50_ms"] = round(r["latency_ms"]["p50"] - direct["latency_ms"]["p50"], 3)
                    row[name + "_added_p99_ms"] = round(r["latency_ms"]["p99"] - direct["latency_ms"]["p99"], 3)
        if shep and nginx and nginx["rps"]:
            row["shepherd_pct_of_nginx_rps"] = round(100.0 * shep["rps"] / nginx["rps"], 1)
        if shep and lite and lite["rps"]:
            row["shepherd_x_litellm_rps"] = round(shep["rps"] / lite["rps"], 2)
        if floor and nginx and nginx["rps"]:
            row["floor_pct_of_nginx_rps"] = round(100.0 * floor["rps"] / nginx["rps"], 1)
        if nio and nginx and nginx["rps"]:
            row["nio_pct_of_nginx_rps"] = round(100.0 * nio["rps"] / nginx["rps"], 1)
        if shep and floor and floor["rps"]:
            row["shepherd_pct_of_floor_rps"] = round(100.0 * shep["rps"] / floor["rps"], 1)
        if lite and nginx and nginx["rps"]:
            row["litellm_pct_of_nginx_rps"] = round(100.0 * lite["rps"] / nginx["rps"], 1)
        rows.append(row)
    return rows


def fmt(v, spec):
    return "-" if v is None else format(v, spec)


def print_columns(title, summary, columns):
    """One line per connection count: (header, summary key, format) for each column."""
    print()
    print(title)
    hdr = f"{'conns':>5} " + " ".join(f"{h:>{len(h) + 1}}" for h, _, _ in columns)
    print(hdr)
    print("-" * len(hdr))
    for row in summary:
        cells = []
        for h, key, spec in columns:
            v = row.get(key)
            cells.append(f"{'-' if v is None else format(v, spec):>{len(h) + 1}}")
        print(f"{row['connections']:>5} " + " ".join(cells))


def print_tables(doc):
    results = doc["results"]
    by = {(r["path"], r["connections"]): r for r in results}
    direct_p50 = {r["connections"]: r["latency_ms"]["p50"] for r in results
                  if r["path"] == "direct" and "latency_ms" in r}
    paths = [p for p in PATH_ORDER if any(r["path"] == p for r in results)]
    conns = sorted({r["connections"] for r in results})

    print()
    print("Per path and connection count (wrk closed loop; latency in ms; memory after the load)")
    hdr = (f"{'path':<18} {'conns':>5} {'req/s':>10} {'p50':>8} {'p99':>8} {'+p50':>8} {'errors':>7} "
           f"{'other cpu':>9}  {'server RSS / HWM MiB':<22}")
    print(hdr)
    print("-" * len(hdr))
    for p in paths:
        for c in conns:
            r = by.get((p, c))
            if r is None:
                continue
            if "rps" not in r:
                print(f"{PATH_LABEL[p]:<18} {c:>5}  FAILED: {r.get('error', '?')[:60]}")
                continue
            lat = r["latency_ms"]
            added = lat["p50"] - direct_p50[c] if (p != "direct" and c in direct_p50) else None
            mem = r.get("memory", {}).get(GATEWAY_PROC[p])
            memtxt = "-"
            if mem:
                memtxt = f"{mib(mem['total_vmrss_kb']):.1f} / {mib(mem['total_vmhwm_kb']):.1f}"
                if len(mem["processes"]) > 1:
                    memtxt += f" ({len(mem['processes'])} procs)"
            errs = r["error_count"]
            other = r.get("cpu", {}).get("other_cores")
            othertxt = "-" if other is None else f"{other:.2f}{'!' if other > OTHER_CPU_WARN else ' '}"
            print(f"{PATH_LABEL[p]:<18} {c:>5} {r['rps']:>10.1f} {lat['p50']:>8.3f} {lat['p99']:>8.3f} "
                  f"{fmt(added, '>8.3f') if added is not None else '-':>8} {errs:>7}{'!' if errs else ' '}"
                  f"{othertxt:>9}  {memtxt}")
    print_columns("Summary (rps ratios; added latency = path p50 - direct p50, ms)", doc["summary"], [
        ("Shepherd % nginx", "shepherd_pct_of_nginx_rps", ".1f"), ("Shepherd x LiteLLM", "shepherd_x_litellm_rps", ".2f"),
        ("LiteLLM % nginx", "litellm_pct_of_nginx_rps", ".1f"), ("+p50 nginx", "nginx_added_p50_ms", ".3f"),
        ("+p50 Shepherd", "shepherd_added_p50_ms", ".3f"), ("+p50 LiteLLM", "litellm_added_p50_ms", ".3f")])
    if any("floor_rps" in row or "nio_rps" in row for row in doc["summary"]):
        print_columns("The floors (nio: SwiftNIO alone; floor: Hummingbird and Shepherd's upstream pool, nothing else)",
                      doc["summary"], [
            ("nio % nginx", "nio_pct_of_nginx_rps", ".1f"), ("floor % nginx", "floor_pct_of_nginx_rps", ".1f"),
            ("Shepherd % floor", "shepherd_pct_of_floor_rps", ".1f"), ("+p50 nio", "nio_added_p50_ms", ".3f"),
            ("+p50 floor", "floor_added_p50_ms", ".3f"), ("+p50 Shepherd", "shepherd_added_p50_ms", ".3f")])
    for s in doc.get("skipped", []):
        print(f"skipped: {s['path']}: {s['reason']}")
    if any(r.get("error_count") for r in results):
        print("WARNING: some points had socket errors or HTTP status >= 400 (marked '!'); their figures are suspect.")
    busy = [r for r in results if r.get("cpu", {}).get("other_cores", 0) > OTHER_CPU_WARN]
    if busy:
        print(f"WARNING: during {len(busy)} point(s) processes outside the benchmark used more than "
              f"{OTHER_CPU_WARN} cores ('other cpu', marked '!'); those figures are distorted.")


def markdown(path):
    """The results of one run as the Markdown table used in docs/PERFORMANCE.md."""
    with open(path) as f:
        doc = json.load(f)
    results = doc["results"]
    by = {(r["path"], r["connections"]): r for r in results if "rps" in r}
    conns = sorted({r["connections"] for r in results})
    print("| path | conns | req/s | p50 ms | p99 ms | +p50 vs direct, ms | server RSS / HWM MiB (PSS) | other CPU, cores |")
    print("|---|---:|---:|---:|---:|---:|---|---:|")
    for p in PATH_ORDER:
        for c in conns:
            r = by.get((p, c))
            if r is None:
                continue
            lat = r["latency_ms"]
            d = by.get(("direct", c))
            added = "—" if p == "direct" or d is None else f"{lat['p50'] - d['latency_ms']['p50']:.3f}"
            m = r.get("memory", {}).get(GATEWAY_PROC[p])
            mem = "—" if not m else (f"{mib(m['total_vmrss_kb']):.0f} / {mib(m['total_vmhwm_kb']):.0f} "
                                     f"({mib(m['total_pss_kb']):.0f})")
            other = r.get("cpu", {}).get("other_cores")
            othertxt = "—" if other is None else f"{other:.2f}{' ⚠' if other > OTHER_CPU_WARN else ''}"
            errs = f" ({r['error_count']} errors)" if r["error_count"] else ""
            print(f"| {PATH_LABEL[p]} | {c} | {r['rps']:,.0f}{errs} | {lat['p50']:.3f} | {lat['p99']:.3f} | {added} "
                  f"| {mem} | {othertxt} |")
    print()
    print("| conns | Shepherd % of nginx req/s | Shepherd × LiteLLM req/s | LiteLLM % of nginx req/s |")
    print("|---:|---:|---:|---:|")
    for row in doc["summary"]:
        def g(k, spec):
            v = row.get(k)
            return "—" if v is None else format(v, spec)
        print(f"| {row['connections']} | {g('shepherd_pct_of_nginx_rps', '.1f')} | "
              f"{g('shepherd_x_litellm_rps', '.2f')} | {g('litellm_pct_of_nginx_rps', '.1f')} |")


def main():
    if len(sys.argv) == 3 and sys.argv[1] == "--markdown":
        markdown(sys.argv[2])
        return 0
    ap = argparse.ArgumentParser(usage="report.py --results FILE --out FILE [--meta K=V]... | report.py --markdown RESULT.json")
    ap.add_argument("--results", required=True, help="JSON lines from helpers.py record")
    ap.add_argument("--out", required=True)
    ap.add_argument("--meta", action="append", default=[], help="KEY=VALUE (repeatable)")
    ap.add_argument("--skipped", action="append", default=[], help="PATH=REASON (repeatable)")
    ap.add_argument("--attach", action="append", default=[], help="KEY=JSON_FILE: doc[KEY] = that file's JSON")
    args = ap.parse_args()

    results = []
    if os.path.exists(args.results):
        with open(args.results) as f:
            results = [json.loads(l) for l in f if l.strip()]
    meta = {"generated_at": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "machine": machine()}
    for kv in args.meta:
        k, _, v = kv.partition("=")
        meta[k] = v
    skipped = []
    for kv in args.skipped:
        k, _, v = kv.partition("=")
        skipped.append({"path": k, "reason": v})
    doc = {"schema": "shepherd-bench-gateway/1", "meta": meta, "results": results,
           "summary": summarise(results), "skipped": skipped}
    for kv in args.attach:
        k, _, path = kv.partition("=")
        if os.path.exists(path):
            with open(path) as f:
                doc[k] = json.load(f)
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(doc, f, indent=2)
        f.write("\n")
    print_tables(doc)
    print()
    print(f"results written to {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
