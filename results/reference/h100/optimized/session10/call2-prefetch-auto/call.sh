#!/usr/bin/env bash
# Device call 2 (session 10): global_prefetch auto (two-ahead on the 128-row tiles only, the new default) against
# one-ahead, one binary, each variant timed cold in its own cache, ResNet-50 batch 1 and 32, same card, alternating,
# 2 rounds; then opencl_bench's empty-kernel device floor against the host's enqueue pace.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s10o2; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/one.json <<JSON
{"name": "ablation-resnet50-one-ahead", "description": "opencl-optimized, ResNet-50 batch 1 and 32", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"global_prefetch": "one-ahead"}}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/one-ahead/auto/g' $O/one.json > $O/auto.json
for f in one auto; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
MAX_SECONDS=450 bash harness/scripts/gpu-ablation.sh $O 2 $O/one.json auto=.carry/joulebench@$O/auto.json one=.carry/joulebench
for n in auto one; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | grep timed | cut -c1-400; done
timeout 60 .carry/opencl_bench --benchmark_filter='DeviceFloor|EmptyKernelLaunches/0/[05]' --benchmark_min_time=0.5 --benchmark_out=$O/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_"
gzip $O/*.db; tar czf $OUT/call2.tar.gz -C $O .
echo "done at $SECONDS s"
