#!/usr/bin/env bash
# Device call 7 (session 9): the window size compiled into the im2col programs (39f375d, "khw") against c276eec
# ("old", the final table's code), ResNet-50 batch 1 and 32, each timed cold in its own cache, same card, 2 rounds;
# then the GPU check of the new plan (plan-cache hit).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s9o7; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/abl.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized, ResNet-50 batch 1 and 32", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
MAX_SECONDS=470 bash harness/scripts/gpu-ablation.sh $O 2 $O/abl.json khw=.carry/joulebench old=.carry/ablation/joulebench-c276eec
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-khw timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 2 > $O/check_gpu.txt 2>&1
echo "check exit $? at $SECONDS s" | tee -a $O/check_gpu.txt; grep -E "NMSE|all" $O/check_gpu.txt | tail -2
for n in khw old; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | grep timed | cut -c1-600; done
gzip $O/*.db; tar czf $OUT/call7.tar.gz -C $O .
echo "done at $SECONDS s"
