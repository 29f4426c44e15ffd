#!/usr/bin/env bash
# Device call 1 (session 11): sliced-K candidates (806cffe) against the code before them (a6bc8f2), ResNet-50
# batch 1, each variant timed cold in its own cache, same card, alternating, 3 rounds.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s11o1; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/b1.json <<JSON
{"name": "ablation-resnet50-b1", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
.carry/joulebench run $O/b1.json --validate > /dev/null || { echo "b1.json invalid"; exit 2; }
MAX_SECONDS=470 bash harness/scripts/gpu-ablation.sh $O 3 $O/b1.json sliced=.carry/joulebench old=.carry/joulebench-a6bc8f2
for n in sliced old; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | cut -c1-600; done
grep -E "_s[24]" $O/kernel_choices_sliced.txt | head -40
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
