#!/usr/bin/env bash
# Device call 2 (session 14): atomic_splitk on (split-K forms that add their partial sums atomically and finish each
# tile in its last work-group: no reduction launch) against off (the candidates of 74b3359), one binary, ResNet-50
# batch 1, same card, alternating, 2 rounds; opencl-baseline in the same rounds for the ratio. First `joulebench check` builds the "on" plan cold (every
# candidate timed) and compares it with the reference on the GPU. The variants share one cache folder: the timing
# cache holds each candidate's time per layer, so "off" reuses the same timings and differs from "on" only where an
# atomic form won.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s14o2; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O /tmp/jb-ablation-on
ln -s /tmp/jb-ablation-on /tmp/jb-ablation-off; ln -s /tmp/jb-ablation-on /tmp/jb-ablation-base
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/on.json <<JSON
{"name": "ablation-resnet50-atomic-splitk-on", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"atomic_splitk": "on"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"atomic_splitk": "on"/"atomic_splitk": "off"/; s/atomic-splitk-on/atomic-splitk-off/' $O/on.json > $O/off.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/atomic-splitk-on/baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/on.json > $O/base.json
for f in on off base; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-on timeout 330 .carry/joulebench check resnet50 --engine opencl-optimized \
  --batch 1 --option atomic_splitk=on --seed 11 --repeat 20 > $O/check_gpu.txt 2>&1
echo "check exit $? at $SECONDS s"; grep -E "NMSE|exit" $O/check_gpu.txt
MAX_SECONDS=520 bash harness/scripts/gpu-ablation.sh $O 2 $O/on.json on=.carry/joulebench@$O/on.json \
  off=.carry/joulebench@$O/off.json base=.carry/joulebench@$O/base.json
for n in on off; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | head -1 | cut -c1-400; done
python3 - $O/abl_on.db <<'PY'
import json, sqlite3, sys
for (d,) in sqlite3.connect(sys.argv[1]).execute("select describe_json from cells where engine='opencl-optimized'"):
    print("warnings:", json.loads(d).get("warnings"))
PY
gzip $O/*.db; tar czf $OUT/call2.tar.gz -C $O .
echo "done at $SECONDS s"
