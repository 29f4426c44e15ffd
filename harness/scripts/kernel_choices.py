#!/usr/bin/env python3
"""Per-layer kernel choices of opencl-optimized cells in a results database: the chosen candidate and its time
against the best candidate of the older families (igemm without float4, library, direct_tiled), from the timings
that kernel selection recorded in describe_json. Usage: kernel_choices.py RESULTS.db"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
for batch, describe in db.execute(
        "SELECT batch, describe_json FROM cells WHERE engine = 'opencl-optimized' ORDER BY run_id, batch"):
    d = json.loads(describe)
    timings, chosen = d.get("kernel_timings_s", {}), d.get("kernel_choice_per_node", {})
    if not timings:
        print(f"batch {batch}: {d.get('kernel_choices')} (no timings: {d.get('kernel_selection')})")
        continue
    total = sum(timings[n][chosen[n]] for n in timings)
    print(f"batch {batch}: {d['kernel_choices']}; timed layers {total * 1e3:.3f} ms; "
          f"{d['kernels_per_inference']} launches; {d['device_memory_bytes'] / 1e9:.2f} GB")
    for node, t in timings.items():
        old = {k: v for k, v in t.items() if not k.startswith("winograd") and not k.endswith("_v4")}
        best_old = min(old, key=old.get)
        print(f"  {node:22s} {chosen[node]:26s} {t[chosen[node]] * 1e6:7.1f} us   "
              f"before: {best_old:24s} {old[best_old] * 1e6:7.1f} us")
