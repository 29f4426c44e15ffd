#!/usr/bin/env bash
# Device call 1 (session 14): deep_steps on (the depth-32/64 sliced and split-K small-tile forms timed too, the new
# default) against off (the candidate set of 74b3359), one binary, ResNet-50 batch 1, same card, alternating, 2 rounds;
# opencl-baseline in the same rounds for the ratio. First `joulebench check` builds the "on" plan cold (every
# candidate timed) and compares it with the reference on the GPU. The variants share one cache folder: the timing
# cache holds each candidate's time per layer, so "off" reuses the same timings and differs from "on" only where a
# deep form won.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s14o1; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O /tmp/jb-ablation-on
ln -s /tmp/jb-ablation-on /tmp/jb-ablation-off; ln -s /tmp/jb-ablation-on /tmp/jb-ablation-base
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/on.json <<JSON
{"name": "ablation-resnet50-deep-steps-on", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"deep_steps": "on"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"deep_steps": "on"/"deep_steps": "off"/; s/deep-steps-on/deep-steps-off/' $O/on.json > $O/off.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/deep-steps-on/baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/on.json > $O/base.json
for f in on off base; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-on timeout 330 .carry/joulebench check resnet50 --engine opencl-optimized \
  --batch 1 --option deep_steps=on --seed 11 > $O/check_gpu.txt 2>&1
echo "check exit $? at $SECONDS s"; grep -E "NMSE|exit" $O/check_gpu.txt
MAX_SECONDS=520 bash harness/scripts/gpu-ablation.sh $O 2 $O/on.json on=.carry/joulebench@$O/on.json \
  off=.carry/joulebench@$O/off.json base=.carry/joulebench@$O/base.json
for n in on off; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | head -1 | cut -c1-400; done
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
