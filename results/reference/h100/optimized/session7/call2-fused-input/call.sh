#!/usr/bin/env bash
# Device call 2 (session 7): fused-input and four-per-round fused Winograd; same-card ablation 7e3a9a4 vs d79f674.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
cat > /tmp/o/ablation-resnet50.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized of two revisions on one card: 7e3a9a4 (session 6) against d79f674 (fused Winograd forms)", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
for k in winograd_f2_64x32_fused winograd_f2_32x32_fused_input; do
  timeout 60 .carry/ablation/joulebench-new check resnet50 --engine opencl-optimized --batch 1 --seed 6 --repeat 5 \
    --option conv_kernel=$k >> /tmp/o/check_fused.txt 2>&1; echo "$k exit $? at $SECONDS s" >> /tmp/o/check_fused.txt
done
grep -E "exit|all" /tmp/o/check_fused.txt
for round in 1 2 3; do
  for rev in new 7e3a9a4; do
    [ $SECONDS -gt 480 ] && break 2
    JOULEBENCH_CACHE_DIR=/tmp/cache_$rev timeout 200 .carry/ablation/joulebench-$rev run /tmp/o/ablation-resnet50.json \
      --db /tmp/o/abl_$rev.db > /tmp/o/log_${rev}_$round.txt 2>&1
    echo "== $rev round $round exit $? at $SECONDS s"; grep -E "rep [12]/2" /tmp/o/log_${rev}_$round.txt | sed 's/, p99.*(counter).*//'
  done
done
python3 harness/scripts/kernel_choices.py /tmp/o/abl_new.db > /tmp/o/kernel_choices_new.txt 2>&1; head -1 /tmp/o/kernel_choices_new.txt | cut -c1-500
python3 harness/scripts/kernel_choices.py /tmp/o/abl_7e3a9a4.db > /tmp/o/kernel_choices_7e3a9a4.txt 2>&1; head -1 /tmp/o/kernel_choices_7e3a9a4.txt | cut -c1-500
gzip /tmp/o/*.db; tar czf $OUT/call2.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
