#!/usr/bin/env bash
# Device call 4 (session 8): the branches synchronised by events on the kernel launches (call 3 failed: empty non-NULL wait list): parallel branches (ResNet's downsample on a second queue) off against auto (on for GPUs),
# one binary, alternating; then the GPU check of the plan with branches and the batch-1 launch profile.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
cat > /tmp/o/branches-auto.json <<JSON
{"name": "branches-auto", "description": "opencl-optimized, ResNet-50, parallel_branches auto (on: GPU)", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"engines"/"engine_options": {"opencl-optimized": {"parallel_branches": "off"}}, "engines"/; s/branches-auto/branches-off/; s/parallel_branches auto (on: GPU)/parallel_branches off/' /tmp/o/branches-auto.json > /tmp/o/branches-off.json
# One timing cache for both (the off plan takes the auto plan's kernel choices): only the branches differ.
mkdir -p /tmp/jb-ablation-auto; ln -s /tmp/jb-ablation-auto /tmp/jb-ablation-off
.carry/joulebench run /tmp/o/branches-off.json --validate > /dev/null || { echo "off scenario invalid"; exit 2; }
# Fail fast: the GPU check of the branch plan first (its cold build is the auto variant's plan cache).
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-auto timeout 150 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 5 > /tmp/o/check_gpu.txt 2>&1
rc=$?; echo "check resnet50 exit $rc at $SECONDS s" >> /tmp/o/check_gpu.txt; grep -E "NMSE|exit|all|error" /tmp/o/check_gpu.txt | tail -4
if [ $rc -ne 0 ]; then tar czf $OUT/call4.tar.gz -C /tmp/o .; exit 1; fi
MAX_SECONDS=380 bash harness/scripts/gpu-ablation.sh /tmp/o 3 /tmp/o/branches-auto.json \
  auto=.carry/joulebench off=.carry/joulebench@/tmp/o/branches-off.json
export JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-auto
timeout 60 .carry/opencl_bench --benchmark_filter='BM_OptimizedInference/0' --benchmark_min_time=0.5 \
  --benchmark_out=/tmp/o/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-300
for n in auto off; do python3 harness/scripts/kernel_choices.py /tmp/o/abl_$n.db > /tmp/o/kernel_choices_$n.txt 2>&1; grep "^batch" /tmp/o/kernel_choices_$n.txt | head -2 | cut -c1-200; done
gzip /tmp/o/*.db; tar czf $OUT/call4.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
