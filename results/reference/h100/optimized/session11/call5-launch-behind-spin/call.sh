#!/usr/bin/env bash
# Device call 5 (session 11): is the 5.2 us per empty launch of BM_EmptyKernelDeviceFloor the device's pace, or the
# driver's release of gated launches? The same empty launches submitted behind a spinning kernel
# (BM_EmptyKernelBehindSpin), beside the gated floor and the host enqueue pace, in one process.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib
O=/tmp/s11o5; rm -rf $O; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
timeout 120 .carry/opencl_bench --benchmark_filter='DeviceFloor|BehindSpin|EmptyKernelLaunches/0/[05]' \
  --benchmark_min_time=0.5 --benchmark_repetitions=3 --benchmark_out=$O/opencl_bench.json \
  --benchmark_out_format=json 2>&1 | grep -E "^BM_"
tar czf $OUT/call5.tar.gz -C $O .
