#!/usr/bin/env bash
# Device call 1 (session 7): fused Winograd on the GPU: correctness, same-card ablation 7e3a9a4 vs 34dc7ba, GPU time by kind.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $OUT/gpu.txt 2>&1
cat > $OUT/ablation-resnet50.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized of two revisions on one card: 7e3a9a4 (session 6) against 34dc7ba (fused Winograd)", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
for k in winograd_f2_64x32_fused winograd_f2_32x32x32_fused; do
  timeout 60 .carry/ablation/joulebench-new check resnet50 --engine opencl-optimized --batch 1 --seed 5 --repeat 5 \
    --option conv_kernel=$k >> $OUT/check_fused.txt 2>&1; echo "$k exit $? at $SECONDS s" >> $OUT/check_fused.txt
done
tail -4 $OUT/check_fused.txt
for round in 1 2; do
  for rev in 7e3a9a4 new; do
    [ $SECONDS -gt 470 ] && break 2
    JOULEBENCH_CACHE_DIR=/tmp/cache_$rev timeout 200 .carry/ablation/joulebench-$rev run $OUT/ablation-resnet50.json \
      --db $OUT/abl_$rev.db > $OUT/log_${rev}_$round.txt 2>&1
    echo "== $rev round $round exit $? at $SECONDS s"; grep -E "opencl-optimized" $OUT/log_${rev}_$round.txt | head -4
  done
done
python3 harness/scripts/kernel_choices.py $OUT/abl_new.db > $OUT/kernel_choices_new.txt 2>&1; head -3 $OUT/kernel_choices_new.txt | cut -c1-600
if [ $SECONDS -lt 540 ]; then
  JOULEBENCH_CACHE_DIR=/tmp/cache_new timeout 50 .carry/opencl_bench --benchmark_filter='BM_OptimizedInference/0' \
    --benchmark_min_time=1 --benchmark_out=$OUT/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-300
fi
gzip $OUT/*.db
echo "done at $SECONDS s"
