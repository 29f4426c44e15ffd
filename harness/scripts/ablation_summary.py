#!/usr/bin/env python3
"""Means of the repetitions in results databases (plain or .gz), per database, scenario name, engine options, engine
and batch: throughput and J per inference from the energy counter, and how many repetitions were VALID. For same-card
ablations (gpu-ablation.sh: every round runs the same scenario, so the rounds pool). A database with runs of several
scenarios (gpu-optimized-sweep.sh: the table's scenario, then a short plan-cache-hit run) gets a line per scenario,
named. Usage: ablation_summary.py A.db[.gz] [B.db[.gz] ...]"""
import gzip
import json
import os
import sqlite3
import statistics
import sys
import tempfile


def connect(path):
    if not path.endswith(".gz"):
        return sqlite3.connect(path)
    fd, plain = tempfile.mkstemp(suffix=".db")
    with os.fdopen(fd, "wb") as f, gzip.open(path) as g:
        f.write(g.read())
    return sqlite3.connect(plain)


for path in sys.argv[1:]:
    groups = {}
    # Each repetition's energy by the counter where there is one, else by its first method (integrated, estimated).
    query = """SELECT m.id, r.scenario_name, r.scenario_json, c.engine, c.batch, m.throughput_ips, e.j_per_inference, e.method,
                      m.energy_validity
               FROM measurements m JOIN cells c ON c.id = m.cell_id JOIN runs r ON r.id = c.run_id
               JOIN measurement_energy e ON e.measurement_id = m.id ORDER BY m.id, e.method != 'counter'"""
    seen = set()
    for mid, name, scenario, engine, batch, ips, j, method, validity in connect(path).execute(query):
        if mid in seen:
            continue
        seen.add(mid)
        options = json.loads(scenario).get("engine_options", {}).get(engine, {})
        groups.setdefault((name, json.dumps(options, sort_keys=True), engine, batch), []).append(
            (ips, j, method, validity))
    several = len({key[0] for key in groups}) > 1
    for (name, options, engine, batch), reps in sorted(groups.items()):
        valid = sum(r[3] == "VALID" for r in reps)
        methods = "/".join(sorted({r[2] for r in reps}))
        print(f"{os.path.basename(path)}  {name + ': ' if several else ''}{engine} "
              f"{'' if options == '{}' else options} batch {batch}: "
              f"{statistics.mean(r[0] for r in reps):,.1f} inf/s, {1e3 * statistics.mean(r[1] for r in reps):.1f} "
              f"mJ/inf ({methods}), {len(reps)} repetitions, {valid} VALID")
