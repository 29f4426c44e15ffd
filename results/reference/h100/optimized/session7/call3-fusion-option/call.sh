#!/usr/bin/env bash
# Device call 3 (session 7): one binary, winograd_fusion off vs on, one shared timing cache (the plans differ only
# where a fused form wins), alternating, batch 1.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1 JOULEBENCH_CACHE_DIR=/tmp/cache
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
for f in off on; do cat > /tmp/o/fusion-$f.json <<JSON
{"name": "winograd-fusion-$f", "description": "opencl-optimized, ResNet-50 batch 1, winograd_fusion=$f", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "engine_options": {"opencl-optimized": {"winograd_fusion": "$f"}},
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 8, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
done
for round in 1 2 3 4; do
  for f in off on; do
    [ $SECONDS -gt 500 ] && break 2
    timeout 200 .carry/joulebench run /tmp/o/fusion-$f.json --db /tmp/o/fusion.db > /tmp/o/log_${f}_$round.txt 2>&1
    echo "== $f round $round exit $? at $SECONDS s"; grep -E "rep [12]/2" /tmp/o/log_${f}_$round.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
  done
done
python3 harness/scripts/kernel_choices.py /tmp/o/fusion.db > /tmp/o/kernel_choices.txt 2>&1; grep "^batch" /tmp/o/kernel_choices.txt | cut -c1-600
gzip /tmp/o/*.db; tar czf $OUT/call3.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
