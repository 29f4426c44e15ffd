#!/usr/bin/env python3
"""Per-layer energies that kernel_objective=measured-energy recorded in opencl-optimized cells (describe_json's
kernel_energy_j and kernel_power_w; only cells whose plan was built, not read from the plan cache): each layer's
measured candidates, fastest first, with their timed microseconds and measured watts, the chosen one starred, and the
sums of joules per run of every layer once, fastest against chosen. Usage: energy_choices.py RESULTS.db"""
import json
import sqlite3
import sys

db = sqlite3.connect(sys.argv[1])
for batch, describe in db.execute(
        "SELECT batch, describe_json FROM cells WHERE engine = 'opencl-optimized' ORDER BY run_id, batch"):
    d = json.loads(describe)
    energy, watts = d.get("kernel_energy_j", {}), d.get("kernel_power_w", {})
    times, chosen = d.get("kernel_timings_s", {}), d.get("kernel_choice_per_node", {})
    if not energy:
        continue
    print(f"batch {batch}: {d.get('kernel_objective')}; warnings {d.get('warnings')}; phases {d.get('build_phases_s')}")
    fastest_j = chosen_j = 0.0
    for node, e in energy.items():
        order = sorted(e, key=lambda c: times[node][c])
        fastest_j += e[order[0]]
        chosen_j += e.get(chosen[node], e[order[0]])
        print(f"  {node:20s} " + "  ".join(
            f"{c} {times[node][c] * 1e6:.1f}us {watts[node][c]:.0f}W{'*' if c == chosen[node] else ''}" for c in order))
    print(f"sum of measured J per run: fastest {fastest_j:.4f} chosen {chosen_j:.4f}")
