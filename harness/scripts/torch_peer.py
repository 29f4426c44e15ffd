#!/usr/bin/env python3
"""Peers measured side by side with joulebench on a CUDA machine: torchvision ResNet-50 (random weights, eval, fp32,
TF32 off for cuDNN and cuBLAS) in PyTorch eager mode, and a cuBLAS FP32 GEMM (TF32 off). Energy from the NVML
total-energy counter (read through ctypes, the same counter joulebench's nvml meter uses) over windows of at least
--window seconds, after an idle window and a warm-up, --reps repetitions. Prints JSON.
--modes eager,graph adds the same model replayed from a CUDA graph (captured once per batch size after cudnn.benchmark
has chosen its algorithms; one replay in flight at a time, as joulebench's offline loop): NVIDIA's own fp32 kernels
without the per-launch host cost, a floor for what launch-bound batch-1 inference costs on the card.
Usage: torch_peer.py [--batches 1,32] [--window 10] [--reps 3] [--gemm 8192] [--modes eager[,graph]]"""
import argparse, ctypes, json, statistics, time
import torch, torchvision

ap = argparse.ArgumentParser()
ap.add_argument("--batches", default="1,32")
ap.add_argument("--window", type=float, default=10.0)
ap.add_argument("--reps", type=int, default=3)
ap.add_argument("--gemm", type=int, default=8192)
ap.add_argument("--idle", type=float, default=3.0)
ap.add_argument("--modes", default="eager")
args = ap.parse_args()

nvml = ctypes.CDLL("libnvidia-ml.so.1")
assert nvml.nvmlInit_v2() == 0
dev = ctypes.c_void_p()
assert nvml.nvmlDeviceGetHandleByIndex_v2(0, ctypes.byref(dev)) == 0

def energy_j():
    mj = ctypes.c_ulonglong()
    assert nvml.nvmlDeviceGetTotalEnergyConsumption(dev, ctypes.byref(mj)) == 0
    return mj.value / 1000.0

def measure(step, items_per_step, label, sync_every=8):
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
            if n % sync_every == 0: torch.cuda.synchronize()
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
        modes = args.modes.split(",")
        if "eager" in modes:
            r = measure(lambda: model(x), b, f"pytorch-eager resnet50 fp32 batch {b}")
            r["batch"] = b
            out["results"].append(r)
        if "graph" in modes:
            side = torch.cuda.Stream()
            side.wait_stream(torch.cuda.current_stream())
            with torch.cuda.stream(side):
                for _ in range(3): model(x)  # cudnn.benchmark's algorithm choice happens before the capture
            torch.cuda.current_stream().wait_stream(side)
            graph = torch.cuda.CUDAGraph()
            with torch.cuda.graph(graph):
                y = model(x)
            graph.replay(); torch.cuda.synchronize()
            err = (y - model(x)).abs().max().item()
            r = measure(graph.replay, b, f"pytorch-cuda-graph resnet50 fp32 batch {b}", sync_every=1)
            r["batch"] = b
            r["graph_vs_eager_max_abs_diff"] = err
            out["results"].append(r)
    n = args.gemm
    if n <= 0:
        print(json.dumps(out, indent=1)); raise SystemExit
    a, c = torch.randn(n, n, device="cuda"), torch.randn(n, n, device="cuda")
    r = measure(lambda: torch.mm(a, c), 1, f"cuBLAS FP32 GEMM {n}^3 (TF32 off)")
    r["tflops"] = 2 * n ** 3 * r["throughput"] / 1e12
    r["gflop_per_j"] = 2 * n ** 3 / r["j_per_item"] / 1e9
    out["results"].append(r)
print(json.dumps(out, indent=1))
