#!/usr/bin/env bash
# Device call 4 (session 7): one binary, candidate_timing wall vs gpu, alternating, ResNet-50 batch 1 and 32.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1 JOULEBENCH_CACHE_DIR=/tmp/cache
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
for f in wall gpu; do cat > /tmp/o/timing-$f.json <<JSON
{"name": "candidate-timing-$f", "description": "opencl-optimized, ResNet-50, candidate_timing=$f", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "engine_options": {"opencl-optimized": {"candidate_timing": "$f"}},
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
done
for round in 1 2 3; do
  for f in gpu wall; do
    [ $SECONDS -gt 470 ] && break 2
    timeout 220 .carry/joulebench run /tmp/o/timing-$f.json --db /tmp/o/timing.db > /tmp/o/log_${f}_$round.txt 2>&1
    echo "== $f round $round exit $? at $SECONDS s"; grep -E "prepared in|rep [12]/2" /tmp/o/log_${f}_$round.txt | sed 's/, p99[^,]*//; s/(integrated).*//; s/opencl-optimized fp32//'
  done
done
python3 harness/scripts/kernel_choices.py /tmp/o/timing.db > /tmp/o/kernel_choices.txt 2>&1; grep "^batch" /tmp/o/kernel_choices.txt | head -4 | cut -c1-400
gzip /tmp/o/*.db; tar czf $OUT/call4.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
