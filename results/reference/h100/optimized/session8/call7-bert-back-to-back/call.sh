#!/usr/bin/env bash
# Device call 7 (session 8): the final code on BERT-base against opencl-baseline in one call
# (scenarios/optimized-bert.json), then ResNet-50 batch 1 with one inference in flight against 20 per Wait.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1 JOULEBENCH_CACHE_DIR=/tmp/jb-cache
SECONDS=0
mkdir -p /tmp/o7
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o7/gpu.txt 2>&1
timeout 300 .carry/joulebench run scenarios/optimized-bert.json --db /tmp/o7/bert.db > /tmp/o7/log_bert.txt 2>&1
echo "bert exit $? at $SECONDS s"; grep -E "prepared in|rep [12]/2" /tmp/o7/log_bert.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
python3 harness/scripts/ablation_summary.py /tmp/o7/bert.db
timeout 200 .carry/opencl_bench --benchmark_filter='BM_OptimizedInference/0|BM_OptimizedInferenceBackToBack' \
  --benchmark_min_time=1 --benchmark_out=/tmp/o7/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-160
python3 -c "
import json
for b in json.load(open('/tmp/o7/opencl_bench.json'))['benchmarks']:
    print(b['name'], round(b['real_time'], 1), {k: round(v, 1) for k, v in b.items() if k in ('host_enqueue_us', 'us_per_inference', 'host_enqueue_us_per_inference', 'launches')})"
gzip /tmp/o7/*.db; tar czf $OUT/call7.tar.gz -C /tmp/o7 .
echo "done at $SECONDS s"
