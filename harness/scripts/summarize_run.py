#!/usr/bin/env python3
"""Per-cell summary of runs in a joulebench results database, as JSON: throughput, latency, energy per inference
(primary channel of each domain), GFLOP/s and GFLOP/J from the graph's FLOPs, kernels per inference, prepare time,
device memory. Usage: summarize_run.py DB [RUN_ID ...]  (default: every run)."""
import json, sqlite3, statistics, sys

db = sqlite3.connect(sys.argv[1])
runs = [int(r) for r in sys.argv[2:]] or [r[0] for r in db.execute("SELECT id FROM runs ORDER BY id")]
out = []
for run in runs:
    name, status, started = db.execute("SELECT scenario_name, status, started_at FROM runs WHERE id=?", (run,)).fetchone()
    env = dict(db.execute("SELECT key, value FROM environment WHERE run_id=?", (run,)))
    cells = []
    for cid, engine, prec, batch, cstatus, err, prep, desc, flops in db.execute(
            "SELECT id, engine, precision, batch, status, error, prepare_s, describe_json, flops_per_inference "
            "FROM cells WHERE run_id=? ORDER BY idx", (run,)):
        max_qps = db.execute("SELECT max_qps FROM cells WHERE id=?", (cid,)).fetchone()[0]
        ms = db.execute("SELECT id, throughput_ips, latency_p50_ms, latency_p99_ms, duration_s, energy_validity, "
                        "validity_reasons FROM measurements WHERE cell_id=? ORDER BY repetition", (cid,)).fetchall()
        d = json.loads(desc) if desc else {}
        cell = {"engine": engine, "precision": prec, "batch": batch, "status": cstatus, "error": err,
                "prepare_s": prep, "kernels_per_inference": d.get("kernels_per_inference"),
                "device_memory_bytes": d.get("device_memory_bytes"), "device": d["device"].get("device") if isinstance(d.get("device"), dict) else d.get("device"),
                "gflop_per_inference": flops / 1e9 if flops else None, "repetitions": len(ms),
                "load_mode": db.execute("SELECT load_mode FROM cells WHERE id=?", (cid,)).fetchone()[0],
                "max_qps": max_qps}
        for key in ("kernel_choices", "passes", "plan_cache", "build_s", "build_phases_s", "gemm", "launches_by_kind"):
            if key in d:
                cell[key] = d[key]
        if ms:
            tput = [m[1] for m in ms]
            cell.update({"throughput_ips": statistics.mean(tput), "throughput_ips_all": tput,
                         "latency_p50_ms": statistics.mean(m[2] for m in ms),
                         "latency_p99_ms": statistics.mean(m[3] for m in ms),
                         "window_s": [round(m[4], 2) for m in ms], "energy_validity": [m[5] for m in ms],
                         "validity_reasons": [json.loads(m[6]) for m in ms]})
            if flops:
                cell["tflops"] = cell["throughput_ips"] * flops / 1e12
            energy = {}
            for ch, method, cross in db.execute(
                    "SELECT c.name, me.method, c.cross_check_only FROM measurement_energy me JOIN channels c ON "
                    "c.id = me.channel_id WHERE me.measurement_id = ? ORDER BY c.id", (ms[0][0],)):
                vals = db.execute("SELECT me.j_per_inference, me.avg_power_w, me.dynamic_j_per_inference FROM "
                                  "measurement_energy me JOIN measurements m ON m.id = me.measurement_id JOIN channels "
                                  "c ON c.id = me.channel_id WHERE m.cell_id = ? AND c.name = ?", (cid, ch)).fetchall()
                jpi = [v[0] for v in vals]
                energy[ch] = {"method": method, "cross_check_only": bool(cross),
                              "j_per_inference": statistics.mean(jpi), "j_per_inference_all": jpi,
                              "j_per_inference_cv": statistics.stdev(jpi) / statistics.mean(jpi) if len(jpi) > 1 else None,
                              "avg_power_w": statistics.mean(v[1] for v in vals),
                              "dynamic_j_per_inference": statistics.mean(v[2] for v in vals) if vals[0][2] is not None else None}
                if flops and not cross:
                    energy[ch]["gflop_per_j"] = flops / 1e9 / statistics.mean(jpi)
            cell["energy"] = energy
        cells.append(cell)
    out.append({"run": run, "scenario": name, "status": status, "started_at": started,
                "model": {k: env.get(k) for k in ("model.name", "model.parameters", "model.hash")},
                "host": {k: env.get(k) for k in ("host.name", "cpu.model", "os.release")}, "cells": cells})
json.dump(out, sys.stdout, indent=1)
