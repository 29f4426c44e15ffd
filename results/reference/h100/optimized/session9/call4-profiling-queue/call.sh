#!/usr/bin/env bash
# Device call 4 (session 9): inference queue without profiling (new default, "plain") vs with (queue_profiling=true),
# one binary (the same plan: queue_profiling is not part of the plan key; one shared cache), ResNet-50 batch 1,
# opencl-optimized and opencl-baseline, alternating, 2 rounds; then opencl_bench's launch and inference benchmarks.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s9o4; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/plain.json <<JSON
{"name": "queue-plain", "description": "ResNet-50 batch 1, both OpenCL engines, plain inference queue", "model": {"builtin": "resnet50"}, "engines": ["opencl-baseline", "opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"engines"/"engine_options": {"opencl-optimized": {"queue_profiling": true}, "opencl-baseline": {"queue_profiling": true}}, "engines"/; s/queue-plain/queue-profiling/; s/plain inference queue/profiling inference queue/' $O/plain.json > $O/profiling.json
.carry/joulebench run $O/profiling.json --validate > /dev/null || { echo "profiling scenario invalid"; exit 2; }
mkdir -p /tmp/jb-ablation-plain; ln -s /tmp/jb-ablation-plain /tmp/jb-ablation-profiling
MAX_SECONDS=360 bash harness/scripts/gpu-ablation.sh $O 2 $O/plain.json plain=.carry/joulebench profiling=.carry/joulebench@$O/profiling.json
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-plain timeout 150 .carry/opencl_bench --benchmark_filter='BM_EmptyKernelLaunches/./0|BM_OptimizedInference/0/' --benchmark_min_time=1 --benchmark_out=$O/opencl_bench.json --benchmark_out_format=json 2>&1 | grep -E "^BM_" | cut -c1-250
for n in plain profiling; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; done
gzip $O/*.db; tar czf $OUT/call4.tar.gz -C $O .
echo "done at $SECONDS s"
