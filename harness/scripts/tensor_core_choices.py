#!/usr/bin/env python3
"""Per-layer tensor-core choices of an opencl-optimized cell built with tensor_cores=3xtf32: the chosen candidate, the
fastest fp32-FMA candidate and the fastest tensor-core (_tc) candidate with their timed seconds, from the timings
kernel selection recorded in describe_json; the last line sums the chosen and the best FMA times over the timed
layers. Usage: tensor_core_choices.py RESULTS.db"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
for batch, describe in db.execute(
        "SELECT batch, describe_json FROM cells WHERE engine = 'opencl-optimized' ORDER BY run_id, batch"):
    d = json.loads(describe)
    print(f"batch {batch}: precision: {d['precision']}")
    print("tensor_cores:", json.dumps({k: v for k, v in d.get("tensor_cores", {}).items() if k != "layers"}))
    chosen, timings = d["kernel_choice_per_node"], d.get("kernel_timings_s", {})
    chosen_s = fma_s = 0.0
    for node, t in timings.items():
        tc = {k: v for k, v in t.items() if "_tc" in k and 0 < v < 1e29}
        fma = {k: v for k, v in t.items() if "_tc" not in k and 0 < v < 1e29}
        best_tc = min(tc, key=tc.get) if tc else None
        best_fma = min(fma, key=fma.get)
        chosen_s += t[chosen[node]]
        fma_s += fma[best_fma]
        tc_text = f"{best_tc:34s} {tc[best_tc] * 1e6:7.1f} us" if best_tc else "-"
        print(f"{node:22s} {chosen[node]:34s} best fma {best_fma:32s} {fma[best_fma] * 1e6:7.1f} us  "
              f"best tc {tc_text}")
    print(f"timed layers: chosen {chosen_s * 1e3:.3f} ms, best fma {fma_s * 1e3:.3f} ms; "
          f"launches {d['kernels_per_inference']}")
