#!/usr/bin/env python3
"""GPU load for meter validation on a CUDA machine (PyTorch): idle, a steady GEMM load, idle, a short burst, idle.
Prints JSON with each phase's CLOCK_MONOTONIC start/end (time.monotonic(), the clock `joulebench meters --trace`
writes), taken after torch.cuda.synchronize() so each window holds exactly the GPU work.
Usage: gpu_load.py [--steady S] [--burst S] [--idle S]"""
import argparse, json, time
import torch

ap = argparse.ArgumentParser()
ap.add_argument("--steady", type=float, default=10.0)
ap.add_argument("--burst", type=float, default=0.5)
ap.add_argument("--idle", type=float, default=3.0)
args = ap.parse_args()

torch.backends.cuda.matmul.allow_tf32 = False
n = 8192
a = torch.randn(n, n, device="cuda")
b = torch.randn(n, n, device="cuda")
torch.mm(a, b); torch.cuda.synchronize()  # warm-up outside every window

def gemm_for(seconds):
    t0 = time.monotonic(); count = 0
    while time.monotonic() - t0 < seconds:
        torch.mm(a, b); count += 1
        if count % 4 == 0:
            torch.cuda.synchronize()
    torch.cuda.synchronize()
    t1 = time.monotonic()
    return t0, t1, count

phases = []
def idle(name):
    t0 = time.monotonic(); time.sleep(args.idle); phases.append({"name": name, "start": t0, "end": time.monotonic(), "gemms": 0})
idle("idle_before")
s0, s1, c = gemm_for(args.steady); phases.append({"name": "steady", "start": s0, "end": s1, "gemms": c})
idle("idle_between")
b0, b1, c = gemm_for(args.burst); phases.append({"name": "burst", "start": b0, "end": b1, "gemms": c})
idle("idle_after")
print(json.dumps({"gemm_n": n, "flops_per_gemm": 2 * n ** 3, "phases": phases}, indent=1))
