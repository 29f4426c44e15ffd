#!/usr/bin/env bash
# Device call 8 (session 8): splitk=serial (no reduction launches: ~21 fewer launches at batch 1) against the
# default (any), one binary, one shared timing cache, alternating; the GPU check of the serial plan.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
mkdir -p /tmp/o8
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o8/gpu.txt 2>&1
cat > /tmp/o8/splitk-any.json <<JSON
{"name": "splitk-any", "description": "opencl-optimized, ResNet-50 batch 1, splitk any (default)", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"engines"/"engine_options": {"opencl-optimized": {"splitk": "serial"}}, "engines"/; s/splitk-any/splitk-serial/; s/splitk any (default)/splitk serial/' /tmp/o8/splitk-any.json > /tmp/o8/splitk-serial.json
.carry/joulebench run /tmp/o8/splitk-serial.json --validate > /dev/null || { echo "serial scenario invalid"; exit 2; }
mkdir -p /tmp/jb-ablation-any; ln -s /tmp/jb-ablation-any /tmp/jb-ablation-serial
MAX_SECONDS=330 bash harness/scripts/gpu-ablation.sh /tmp/o8 3 /tmp/o8/splitk-any.json \
  any=.carry/joulebench serial=.carry/joulebench@/tmp/o8/splitk-serial.json
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-any timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 3 --option splitk=serial > /tmp/o8/check_gpu.txt 2>&1
echo "check exit $? at $SECONDS s" >> /tmp/o8/check_gpu.txt; grep -E "NMSE|exit|all" /tmp/o8/check_gpu.txt | tail -3
for n in any serial; do python3 harness/scripts/kernel_choices.py /tmp/o8/abl_$n.db > /tmp/o8/kernel_choices_$n.txt 2>&1; grep "^batch" /tmp/o8/kernel_choices_$n.txt | head -1 | cut -c1-400; done
gzip /tmp/o8/*.db; tar czf $OUT/call8.tar.gz -C /tmp/o8 .
echo "done at $SECONDS s"
