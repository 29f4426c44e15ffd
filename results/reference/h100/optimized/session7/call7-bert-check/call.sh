#!/usr/bin/env bash
# Device call 7 (session 7): final code (ee4f08e) on BERT-base against opencl-baseline in one call, then checks of
# the timed plans (plan-cache hits) against the reference on the GPU.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1 JOULEBENCH_CACHE_DIR=/tmp/jb-cache
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
timeout 330 .carry/joulebench run scenarios/optimized-bert.json --db /tmp/o/bert.db > /tmp/o/log_bert.txt 2>&1
echo "bert exit $? at $SECONDS s"; grep -E "prepared in|rep [12]/2" /tmp/o/log_bert.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
timeout 60 .carry/joulebench check bert-base --engine opencl-optimized --batch 1 --seed 7 --repeat 3 > /tmp/o/check_gpu.txt 2>&1
echo "check bert exit $? at $SECONDS s" >> /tmp/o/check_gpu.txt
timeout 100 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 5 >> /tmp/o/check_gpu.txt 2>&1
echo "check resnet50 exit $? at $SECONDS s" >> /tmp/o/check_gpu.txt
grep -E "NMSE|exit|all" /tmp/o/check_gpu.txt
python3 harness/scripts/ablation_summary.py /tmp/o/bert.db
python3 harness/scripts/kernel_choices.py /tmp/o/bert.db > /tmp/o/kernel_choices_bert.txt 2>&1
gzip /tmp/o/*.db; tar czf $OUT/call7.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
