#!/usr/bin/env bash
# Device call 1 (session 12): epilogue_loads early (bias and residual requested before the depth loop) against late
# (the default), one binary, each variant timed cold in its own cache, ResNet-50 batch 1, same card, alternating,
# 3 rounds.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s12o1; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/late.json <<JSON
{"name": "ablation-resnet50-epilogue-late", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"epilogue_loads": "late"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"late"/"early"/; s/epilogue-late/epilogue-early/' $O/late.json > $O/early.json
for f in late early; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
MAX_SECONDS=470 bash harness/scripts/gpu-ablation.sh $O 3 $O/late.json early=.carry/joulebench@$O/early.json late=.carry/joulebench@$O/late.json
for n in early late; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | cut -c1-700; done
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
