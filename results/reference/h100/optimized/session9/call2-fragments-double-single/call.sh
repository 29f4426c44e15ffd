#!/usr/bin/env bash
# Device call 2 (session 9): fragments=double (default) vs single, one binary (b2f...), separate caches (both time
# every candidate cold), ResNet-50 batch 1 and 32, alternating, 2 rounds.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s9o2; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/double.json <<JSON
{"name": "fragments-double", "description": "opencl-optimized, ResNet-50 batch 1 and 32, fragments double", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"engines"/"engine_options": {"opencl-optimized": {"fragments": "single"}}, "engines"/; s/fragments-double/fragments-single/; s/fragments double/fragments single/' $O/double.json > $O/single.json
.carry/joulebench run $O/single.json --validate > /dev/null || { echo "single scenario invalid"; exit 2; }
MAX_SECONDS=430 bash harness/scripts/gpu-ablation.sh $O 2 $O/double.json double=.carry/joulebench single=.carry/joulebench@$O/single.json
for n in double single; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | grep timed | cut -c1-700; done
gzip $O/*.db; tar czf $OUT/call2.tar.gz -C $O .
echo "done at $SECONDS s"
