#!/usr/bin/env bash
# Device call 2 (session 12): timing_window_us 2000 (each wall-timed candidate measurement repeated for ~2 ms) against 0
# (five repetitions, as before), one binary, each variant timed cold in its own cache, ResNet-50 batch 1, same card, alternating,
# 2 rounds.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s12o2; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/w0.json <<JSON
{"name": "ablation-resnet50-window-0", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"timing_window_us": 0}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"timing_window_us": 0/"timing_window_us": 2000/; s/window-0/window-2000/' $O/w0.json > $O/w2000.json
for f in w0 w2000; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
MAX_SECONDS=480 bash harness/scripts/gpu-ablation.sh $O 2 $O/w0.json w2000=.carry/joulebench@$O/w2000.json w0=.carry/joulebench@$O/w0.json
for n in w2000 w0; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | cut -c1-700; done
gzip $O/*.db; tar czf $OUT/call2.tar.gz -C $O .
echo "done at $SECONDS s"
