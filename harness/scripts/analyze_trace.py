#!/usr/bin/env python3
"""Energy of load phases computed three ways from a `joulebench meters --trace` CSV of the nvml meter: the
energy counter's delta, the integral of instant power, the integral of averaged power; plus each channel's
measured update period. Usage: analyze_trace.py TRACE.csv PHASES.json > summary.json (phases from gpu_load.py)."""
import csv, json, sys
from bisect import bisect_right

trace, phases_file = sys.argv[1], sys.argv[2]
series = {}
with open(trace) as f:
    for row in csv.DictReader(f):
        series.setdefault(row["channel"], ([], []))
        series[row["channel"]][0].append(float(row["time_s"]))
        series[row["channel"]][1].append(float(row["value"]))

def find(suffix):
    for k in series:
        if k.endswith(suffix):
            return k
    return None

def counter_at(name, t):  # the counter's value as a reader at time t saw it
    ts, vs = series[name]
    i = bisect_right(ts, t) - 1
    return vs[max(i, 0)]

def integral(name, t0, t1):  # trapezoid over the samples in [t0, t1], values held at the edges
    ts, vs = series[name]
    pts = [(t0, vs[max(bisect_right(ts, t0) - 1, 0)])] + [(t, v) for t, v in zip(ts, vs) if t0 < t < t1] \
        + [(t1, vs[max(bisect_right(ts, t1) - 1, 0)])]
    return sum((b[0] - a[0]) * (a[1] + b[1]) / 2 for a, b in zip(pts, pts[1:]))

def update_period(name):
    ts, vs = series[name]
    changes = [t for t, v, pv in zip(ts[1:], vs[1:], vs) if v != pv]
    gaps = sorted(b - a for a, b in zip(changes, changes[1:]))
    return {"changes": len(changes), "median_s": gaps[len(gaps) // 2] if gaps else None,
            "p10_s": gaps[len(gaps) // 10] if gaps else None, "p90_s": gaps[9 * len(gaps) // 10] if gaps else None}

energy, instant, average = find("gpu0_energy"), find("gpu0_instant_power"), find("gpu0_average_power")
rate = (len(series[energy][0]) - 1) / (series[energy][0][-1] - series[energy][0][0])
phases = json.load(open(phases_file))
out = {"trace": trace, "sample_rate_hz": rate,
       "update_period": {k: update_period(k) for k in series}, "phases": []}
for p in phases["phases"]:
    t0, t1 = p["start"], p["end"]
    e_counter = counter_at(energy, t1) - counter_at(energy, t0)
    row = {"name": p["name"], "duration_s": t1 - t0, "gemms": p["gemms"],
           "counter_j": e_counter, "counter_avg_w": e_counter / (t1 - t0)}
    for label, name in (("instant", instant), ("average", average)):
        if name:
            e = integral(name, t0, t1)
            row[label + "_integral_j"] = e
            row[label + "_vs_counter_pct"] = 100 * (e - e_counter) / e_counter if e_counter else None
    if p["gemms"]:
        row["tflops"] = p["gemms"] * phases["flops_per_gemm"] / (t1 - t0) / 1e12
        row["gflop_per_j_counter"] = p["gemms"] * phases["flops_per_gemm"] / e_counter / 1e9
    out["phases"].append(row)
json.dump(out, sys.stdout, indent=1)
