#!/usr/bin/env bash
# Device call 1 (session 10): global_prefetch two-ahead (two register sets, each tile's global loads issued two tiles
# before its FMAs) against one-ahead (the default until now), one binary, each variant timed cold in its own cache,
# ResNet-50 batch 1 and 32, same card, alternating, 2 rounds; then the GPU check of the two-ahead plan.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s10o1; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/abl.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized, ResNet-50 batch 1 and 32", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"engines"/"engine_options": {"opencl-optimized": {"global_prefetch": "two-ahead"}}, "engines"/; s/ablation-resnet50/ablation-resnet50-two-ahead/' $O/abl.json > $O/two.json
.carry/joulebench run $O/two.json --validate > /dev/null || { echo "two.json invalid"; exit 2; }
MAX_SECONDS=470 bash harness/scripts/gpu-ablation.sh $O 2 $O/abl.json two=.carry/joulebench@$O/two.json one=.carry/joulebench
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-two timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 2 --option global_prefetch=two-ahead > $O/check_gpu.txt 2>&1
echo "check exit $? at $SECONDS s" | tee -a $O/check_gpu.txt; grep -E "NMSE|all" $O/check_gpu.txt | tail -2
for n in two one; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | grep timed | cut -c1-600; done
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
