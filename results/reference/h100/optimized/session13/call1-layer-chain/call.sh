#!/usr/bin/env bash
# Device call 1 (session 13): what a launch per layer costs a chain of batch-1-sized layers against one chained
# launch (BM_LayerChain in opencl_bench: whole-layer waits, per-tile waits), behind a spinning kernel, 2 repetitions.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $OUT/gpu.txt 2>&1
timeout 240 .carry/opencl_bench --benchmark_filter=LayerChain --benchmark_min_time=0.05 --benchmark_repetitions=2 \
  --benchmark_out=$OUT/layer_chain.json --benchmark_out_format=json 2>&1 | grep -E "^BM_|rror" | grep -v "_stddev\|_cv"
