#!/usr/bin/env bash
# Device call 6 (session 8): the final code (dde610b) on scenarios/optimized-resnet50.json (opencl-baseline and
# opencl-optimized, cold build, three 10 s repetitions) and the PyTorch eager fp32 (TF32 off) peer in the same call.
set -u
SECONDS=0
mkdir -p /tmp/o
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > /tmp/o/gpu.txt 2>&1
timeout 560 bash harness/scripts/gpu-optimized-sweep.sh .carry /tmp/o resnet
echo "sweep exit $? at $SECONDS s"
python3 harness/scripts/ablation_summary.py /tmp/o/resnet.db.gz 2>&1 | tail -6
tar czf $OUT/call6.tar.gz -C /tmp/o .
echo "done at $SECONDS s"
