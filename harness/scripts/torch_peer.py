#!/usr/bin/env python3
"""Peers measured side by side with joulebench on a CUDA machine: torchvision ResNet-50 (random weights, eval, fp32,
TF32 off for cuDNN and cuBLAS) in PyTorch eager mode, and a cuBLAS FP32 GEMM (TF32 off). Energy from the NVML
total-energy counter (read through ctypes, the same counter joulebench's nvml meter uses) over windows of at least
--window seconds, after an idle window and a warm-up, --reps repetitions. Prints JSON.
Usage: torch_peer.py [--batches 1,32] [--window 10] [--reps 3] [--gemm 8192]"""
import argparse, ctypes, json, statistics, time
import torch, torchvision

ap = argparse.ArgumentParser()
ap.add_argument("--batches", default="1,32")
ap.add_argument("--window", type=float, default=10.0)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--gemm", type=int, default=8192)
ap.add_argument("--idle", type=float, default=3.0)
args = ap.parse_args()

nvml = ctypes.CDLL("libnvidia-ml.so.1")
assert nvml.nvmlInit_v2() == 0
dev = ctypes.c_void_p()
assert nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(dev)) == 0

def energy_j():
    mj = ctypes.c_ulonglong()
    assert nvml.nvmlDeviceGetTotalEnergyConsumption(dev, ctypes.byref(mj)) == 0
    return mj.value / 1000.0

def measure(step, items_per_step, label):
    """Idle power, then repetitions of back-to-back steps for >= window seconds; energy per item from the counter."""
    torch.cuda.synchronize()
    e0, t0 = energy_j(), time.monotonic(); time.sleep(args.idle); idle_w = (energy_j() - e0) / (time.monotonic() - t0)
    for _ in range(3): step()
    torch.cuda.synchronize()
    reps = []
    for _ in range(args.reps):
        torch.cuda.synchronize()
        e0, t0, n = energy_j(), time.monotonic(), 0
        while time.monotonic() - t0 < args.window:
            step(); n += 1
            if n % 8 == 0: torch.cuda.synchronize()
        torch.cuda.synchronize()
        t1, e1 = time.monotonic(), energy_j()
        reps.append({"items": n * items_per_step, "seconds": t1 - t0, "joules": e1 - e0})
    tput = [r["items"] / r["seconds"] for r in reps]
    jpi = [r["joules"] / r["items"] for r in reps]
    return {"label": label, "idle_power_w": idle_w, "throughput": statistics.mean(tput), "throughput_all": tput,
            "j_per_item": statistics.mean(jpi), "j_per_item_all": jpi,
            "avg_power_w": statistics.mean(r["joules"] / r["seconds"] for r in reps), "repetitions": reps}

torch.backends.cuda.matmul.allow_tf32 = False
torch.backends.cudnn.allow_tf32 = False
torch.backends.cudnn.benchmark = True
out = {"torch": torch.__version__, "torchvision": torchvision.__version__, "device": torch.cuda.get_device_name(0),
       "settings": "fp32, TF32 off (cuBLAS and cuDNN), cudnn.benchmark on, eval, torch.no_grad", "results": []}
model = torchvision.models.resnet50(weights=None).cuda().eval()
with torch.no_grad():
    for b in [int(x) for x in args.batches.split(",")]:
        x = torch.randn(b, 3, 224, 224, device="cuda")
        r = measure(lambda: model(x), b, f"pytorch-eager resnet50 fp32 batch {b}")
        r["batch"] = b
        out["results"].append(r)
    n = args.gemm
    a, c = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
    r = measure(lambda: torch.mm(a, c), 1, f"cuBLAS FP32 GEMM {n}^3 (TF32 off)")
    r["tflops"] = 2 * n ** 3 * r["throughput"] / 1e12
    r["gflop_per_j"] = 2 * n ** 3 / r["j_per_item"] / 1e9
    out["results"].append(r)
print(json.dumps(out, indent=1))
