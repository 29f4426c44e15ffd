#!/usr/bin/env bash
# Device call 5 (session 10): winograd_fusion on (the fused-input two-launch and one-launch Winograd forms timed too)
# against off (the default), one binary (07801f4), each variant timed cold in its own cache, ResNet-50 batch 1, same
# card, alternating, 2 rounds: with ~5 us of device launch floor per kernel, do fewer Winograd launches pay now?
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s10o5; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/off.json <<JSON
{"name": "ablation-resnet50-wino-off", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"winograd_fusion": "off"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"off"/"on"/; s/wino-off/wino-on/' $O/off.json > $O/on.json
for f in off on; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
MAX_SECONDS=480 bash harness/scripts/gpu-ablation.sh $O 2 $O/off.json on=.carry/joulebench@$O/on.json off=.carry/joulebench@$O/off.json
for n in on off; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | grep timed | cut -c1-500; done
gzip $O/*.db; tar czf $OUT/call5.tar.gz -C $O .
echo "done at $SECONDS s"
