#!/usr/bin/env bash
# Device call 6 (session 7): NULL optional-buffer arguments (ee4f08e) against 0dc9439 on one card; launch cost.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
cat > /tmp/o/ablation-resnet50.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized of two revisions on one card: 0dc9439 against ee4f08e (NULL optional-buffer arguments)", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
MAX_SECONDS=420 bash harness/scripts/gpu-ablation.sh /tmp/o 2 /tmp/o/ablation-resnet50.json \
  ee4f08e=.carry/joulebench 0dc9439=.carry/ablation/joulebench-0dc9439
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-ee4f08e timeout 60 .carry/opencl_bench \
  --benchmark_filter='BM_EmptyKernelLaunches/0/[0-9]|BM_OptimizedInference/0' --benchmark_min_time=0.5 \
  --benchmark_out=/tmp/o/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-220
for n in ee4f08e 0dc9439; do python3 harness/scripts/kernel_choices.py /tmp/o/abl_$n.db > /tmp/o/kernel_choices_$n.txt 2>&1; grep "^batch" /tmp/o/kernel_choices_$n.txt | head -2 | cut -c1-200; done
gzip /tmp/o/*.db; tar czf $OUT/call6.tar.gz -C /tmp/o .
