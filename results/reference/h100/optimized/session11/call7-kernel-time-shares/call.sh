#!/usr/bin/env bash
# Device call 7 (session 11, 548bfaf; call 6 with f7462bd, whose raw START-END spans overlapped): where a batch-1 ResNet-50 inference spends its device time: the kernels' own
# execution time by kind (BM_OptimizedInference/0/1: KernelSecondsByKind, from each launch's event) against the
# inference's time and host enqueue (/0/0, the plain queue), and the launch pace behind a spin again (3 repetitions).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib JOULEBENCH_CACHE_DIR=/tmp/jb-c7
SECONDS=0
O=/tmp/s11o7; rm -rf $O /tmp/jb-c7; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
timeout 420 .carry/opencl_bench --benchmark_filter='BM_OptimizedInference/0/|BehindSpin' --benchmark_min_time=1 \
  --benchmark_out=$O/opencl_bench.json --benchmark_out_format=json > $O/log.txt 2>&1
echo "bench exit $? at $SECONDS s"
python3 - $O/opencl_bench.json <<'PY'
import json, sys
for b in json.load(open(sys.argv[1]))["benchmarks"]:
    c = {k: round(v, 1) for k, v in b.items() if isinstance(v, float) and (k.startswith(("kernel_us", "gpu_us")) or k in ("real_time", "host_enqueue_us", "launches", "us_per_launch", "enqueued_inside_spin", "spin_us"))}
    print(b["name"], json.dumps(dict(sorted(c.items(), key=lambda kv: -kv[1]))))
PY
tar czf $OUT/call7.tar.gz -C $O .
echo "done at $SECONDS s"
