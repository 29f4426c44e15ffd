#!/usr/bin/env bash
# Device call 3 (session 14): the per-layer timings of the atomic split-K forms. Call 2's "on" plan came from the plan
# cache that its `check` filled, so its database holds no kernel timings; timing chose no atomic form there. One cold
# build with atomic_splitk=on, ResNet-50 batch 1, one 6 s repetition: its database keeps every candidate's time.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s14o3; rm -rf $O /tmp/jb-atomic; mkdir -p $O /tmp/jb-atomic
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/on.json <<JSON
{"name": "resnet50-atomic-splitk-timings", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"atomic_splitk": "on"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 1},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
JOULEBENCH_CACHE_DIR=/tmp/jb-atomic timeout 280 .carry/joulebench run $O/on.json --db $O/atomic.db > $O/log.txt 2>&1
echo "run exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]" $O/log.txt
python3 harness/scripts/kernel_choices.py $O/atomic.db > $O/kernel_choices.txt 2>&1; head -1 $O/kernel_choices.txt | cut -c1-300
gzip $O/*.db; tar czf $OUT/call3.tar.gz -C $O .
echo "done at $SECONDS s"
