#!/usr/bin/env bash
# Device call 1 (session 9): double-buffered fragments + 4x4 small tiles (9abc09e, "new") against dde9509 ("old"),
# ResNet-50 batch 1 and 32, same card, alternating, 2 rounds; GPU check of the new plan first; PTX of the programs.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s9o1; rm -rf $O; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/abl.json <<JSON
{"name": "ablation-resnet50", "description": "opencl-optimized, ResNet-50 batch 1 and 32", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
.carry/joulebench run $O/abl.json --validate > /dev/null || { echo "scenario invalid"; exit 2; }
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-new timeout 200 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --seed 7 --repeat 2 > $O/check_gpu.txt 2>&1
rc=$?; echo "check exit $rc at $SECONDS s" | tee -a $O/check_gpu.txt; grep -E "NMSE|all" $O/check_gpu.txt | tail -3
if [ $rc -ne 0 ]; then tail -20 $O/check_gpu.txt; tar czf $OUT/call1.tar.gz -C $O .; exit 3; fi
MAX_SECONDS=400 bash harness/scripts/gpu-ablation.sh $O 2 $O/abl.json new=.carry/joulebench old=.carry/ablation/joulebench-old
for n in new old; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | cut -c1-600; done
mkdir -p $O/ptx; cp /tmp/jb-ablation-new/programs/*.bin $O/ptx/ 2>/dev/null; ls $O/ptx | wc -l
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
