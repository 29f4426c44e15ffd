#!/usr/bin/env bash
# Device call 5 (session 8): fewer kernel arguments (conv_igemm without out/tile_done outside its serial and fused-
# output programs, splitk_epilogue's scalars as one struct) against 075b019 on one card, alternating, one shared
# timing cache (the same kernel choices); opencl-baseline in the same call; the GPU check and launch profile.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
cat > /tmp/o/ablation-resnet50.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized of two revisions on one card: 075b019 against fewer kernel arguments", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"opencl-optimized"\]/"opencl-baseline"]/; s/ablation-resnet50/baseline-resnet50/; s/"description": "[^"]*"/"description": "opencl-baseline in the same call"/' /tmp/o/ablation-resnet50.json > /tmp/o/baseline-resnet50.json
mkdir -p /tmp/jb-ablation-args; ln -s /tmp/jb-ablation-args /tmp/jb-ablation-075b019
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-args timeout 150 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 5 > /tmp/o/check_gpu.txt 2>&1
rc=$?; echo "check resnet50 exit $rc at $SECONDS s" >> /tmp/o/check_gpu.txt; grep -E "NMSE|exit|all|error" /tmp/o/check_gpu.txt | tail -4
if [ $rc -ne 0 ]; then tar czf $OUT/call5.tar.gz -C /tmp/o .; exit 1; fi
MAX_SECONDS=260 bash harness/scripts/gpu-ablation.sh /tmp/o 2 /tmp/o/ablation-resnet50.json \
  args=.carry/joulebench 075b019=.carry/ablation/joulebench-075b019
JOULEBENCH_CACHE_DIR=/tmp/jb-baseline timeout 150 .carry/joulebench run /tmp/o/baseline-resnet50.json --db /tmp/o/baseline.db > /tmp/o/log_baseline.txt 2>&1
echo "== baseline exit $? at $SECONDS s"; grep -E "rep [12]/2" /tmp/o/log_baseline.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-args timeout 40 .carry/opencl_bench --benchmark_filter='BM_OptimizedInference/0' --benchmark_min_time=0.5 \
  --benchmark_out=/tmp/o/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-200
python3 harness/scripts/ablation_summary.py /tmp/o/baseline.db
for n in args 075b019; do python3 harness/scripts/kernel_choices.py /tmp/o/abl_$n.db > /tmp/o/kernel_choices_$n.txt 2>&1; grep "^batch" /tmp/o/kernel_choices_$n.txt | head -2 | cut -c1-200; done
gzip /tmp/o/*.db; tar czf $OUT/call5.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
