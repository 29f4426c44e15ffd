#!/usr/bin/env bash
# Device call 5 (session 7): the final code against 7e3a9a4 (session 6) on one card, alternating, and opencl-baseline
# in the same call.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
cp .carry/ablation/joulebench-7e3a9a4 .carry/ablation/joulebench-final 2>/dev/null; cp .carry/joulebench .carry/ablation/joulebench-final
cat > /tmp/o/ablation-resnet50.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized of two revisions on one card: 7e3a9a4 (session 6) against the final code of session 7", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"opencl-optimized"\]/"opencl-baseline"]/; s/ablation-resnet50/baseline-resnet50/; s/"description": "[^"]*"/"description": "opencl-baseline in the same call"/' /tmp/o/ablation-resnet50.json > /tmp/o/baseline-resnet50.json
for round in 1 2; do
  for rev in final 7e3a9a4; do
    [ $SECONDS -gt 420 ] && break 2
    JOULEBENCH_CACHE_DIR=/tmp/cache_$rev timeout 220 .carry/ablation/joulebench-$rev run /tmp/o/ablation-resnet50.json \
      --db /tmp/o/abl_$rev.db > /tmp/o/log_${rev}_$round.txt 2>&1
    echo "== $rev round $round exit $? at $SECONDS s"; grep -E "rep [12]/2" /tmp/o/log_${rev}_$round.txt | sed 's/, p99[^,]*//; s/(integrated).*//; s/opencl-optimized fp32//'
  done
done
JOULEBENCH_CACHE_DIR=/tmp/cache_final timeout 150 .carry/joulebench run /tmp/o/baseline-resnet50.json --db /tmp/o/baseline.db > /tmp/o/log_baseline.txt 2>&1
echo "== baseline exit $? at $SECONDS s"; grep -E "rep [12]/2" /tmp/o/log_baseline.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
python3 harness/scripts/kernel_choices.py /tmp/o/abl_final.db > /tmp/o/kernel_choices_final.txt 2>&1; grep "^batch" /tmp/o/kernel_choices_final.txt | head -2 | cut -c1-300
python3 harness/scripts/kernel_choices.py /tmp/o/abl_7e3a9a4.db > /tmp/o/kernel_choices_7e3a9a4.txt 2>&1
gzip /tmp/o/*.db; tar czf $OUT/call5.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
