#!/usr/bin/env bash
# Device call 3 (session 9): kernel_objective time vs energy (static_power_ratio 0.25, 1, 4), one binary, one shared
# timing cache (the first variant times every candidate; the others choose from the same timings), ResNet-50 batch 1,
# alternating, 3 rounds.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s9o3; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "objective-time", "description": "opencl-optimized, ResNet-50 batch 1, kernel_objective time", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
for r in 0.25 1 4; do
  sed "s/\"engines\"/\"engine_options\": {\"opencl-optimized\": {\"kernel_objective\": \"energy\", \"static_power_ratio\": $r}}, \"engines\"/; s/objective-time/objective-energy-$r/; s/kernel_objective time/kernel_objective energy, ratio $r/" $O/time.json > $O/energy$r.json
  .carry/joulebench run $O/energy$r.json --validate > /dev/null || { echo "energy$r scenario invalid"; exit 2; }
done
mkdir -p /tmp/jb-ablation-time; for r in 0.25 1 4; do ln -s /tmp/jb-ablation-time /tmp/jb-ablation-e$r; done
MAX_SECONDS=420 bash harness/scripts/gpu-ablation.sh $O 3 $O/time.json time=.carry/joulebench e0.25=.carry/joulebench@$O/energy0.25.json e1=.carry/joulebench@$O/energy1.json e4=.carry/joulebench@$O/energy4.json
for n in time e0.25 e1 e4; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | head -1 | cut -c1-700; done
gzip $O/*.db; tar czf $OUT/call3.tar.gz -C $O .
echo "done at $SECONDS s"
