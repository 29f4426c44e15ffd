#!/usr/bin/env bash
# Device call 3 (session 11, 9a5351e): the sliced forms checked against the reference on the GPU (forced on every layer
# they fit, ResNet-50 batch 1, 3 inferences each), then a cold timed plan at batch 1 and 32 (device memory after the
# refused-candidate fix) and that timed batch-1 plan checked on the GPU (plan-cache hit).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s11o3; rm -rf $O /tmp/jb-c3; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
for k in igemm_32x32x16_4x4_s4_v4 igemm_32x32x16_4x4_k4_s4_v4 igemm_32x32x16_4x4_s2 igemm_32x64x16_4x4_s2_v4 \
         winograd_f2_32x32_s2_v4 winograd_f4_32x64_s2_v4 winograd_f2_32x32_s4; do
  echo "== $k" >> $O/check_sliced.txt
  timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 5 --repeat 3 \
    --option conv_kernel=$k --option plan_cache=false >> $O/check_sliced.txt 2>&1; echo "exit $?" >> $O/check_sliced.txt
done
grep -E "^==|NMSE|nmse|PASS|FAIL|exit" $O/check_sliced.txt | head -40
echo "checks done at $SECONDS s"
cat > $O/mem.json <<JSON
{"name": "memory-resnet50", "description": "opencl-optimized, ResNet-50 batch 1 and 32, timed plan", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 3, "min_queries": 10, "repetitions": 1},
 "meters": "auto", "idle": {"enabled": false}, "device": {"type": "gpu"}}
JSON
JOULEBENCH_CACHE_DIR=/tmp/jb-c3 timeout 300 .carry/joulebench run $O/mem.json --db $O/mem.db > $O/log_mem.txt 2>&1
echo "mem run exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]" $O/log_mem.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
python3 harness/scripts/kernel_choices.py $O/mem.db > $O/kernel_choices.txt 2>&1; grep "^batch" $O/kernel_choices.txt | sed 's/{.*}//'
JOULEBENCH_CACHE_DIR=/tmp/jb-c3 timeout 90 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 6 --repeat 5 > $O/check_timed.txt 2>&1
echo "timed-plan check exit $?"; tail -4 $O/check_timed.txt
gzip $O/*.db; tar czf $OUT/call3.tar.gz -C $O .
echo "done at $SECONDS s"
