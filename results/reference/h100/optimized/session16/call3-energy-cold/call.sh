#!/usr/bin/env bash
# Device call 3 (session 16): call 2 without the carried cache: every candidate timed cold on this card (the time
# plan built by a short run), then kernel_objective=measured-energy with its defaults ("e3": the 3 fastest of each
# layer, 500 ms each) built from those timings; time, e3 and opencl-baseline alternate, 2 rounds, ResNet-50 batch 1.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s16o3; C=/tmp/jb-ablation-time; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O $C
for v in e3 base; do ln -s $C /tmp/jb-ablation-$v; done

nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "ablation-resnet50-time", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "measured-energy"/; s/resnet50-time/resnet50-e3/' $O/time.json > $O/e3.json
sed 's/"kernel_objective": "time"/"kernel_objective": "measured-energy", "energy_candidates": 6, "energy_slack": 3/; s/resnet50-time/resnet50-s3/' $O/time.json > $O/s3.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-time/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/time.json > $O/base.json
short='s/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/'
sed "$short" $O/e3.json > $O/e3_build.json; sed "$short" $O/s3.json > $O/s3_build.json; sed "$short" $O/time.json > $O/time_build.json
for f in time e3 base e3_build time_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
for b in time e3; do
  JOULEBENCH_CACHE_DIR=$C timeout 260 .carry/joulebench run $O/${b}_build.json --db $O/${b}_build.db > $O/log_${b}_build.txt 2>&1
  echo "$b build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_${b}_build.txt | head -3
done
MAX_SECONDS=$((500 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/joulebench@$O/time.json \
  e3=.carry/joulebench@$O/e3.json base=.carry/joulebench@$O/base.json
echo "ablation done at $SECONDS s"
for b in e3; do python3 harness/scripts/energy_choices.py $O/${b}_build.db > $O/energy_choices_$b.txt 2>&1; tail -1 $O/energy_choices_$b.txt; done
for b in time e3; do python3 harness/scripts/kernel_choices.py $O/${b}_build.db > $O/kernel_choices_$b.txt 2>&1; grep "^batch" $O/kernel_choices_$b.txt | head -1 | grep -o "timed layers.*"; done
JOULEBENCH_CACHE_DIR=$C timeout 40 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 \
  --option kernel_objective=measured-energy --seed 22 --repeat 3 > $O/check_e3.txt 2>&1
echo "check (e3, plan cache) exit $? at $SECONDS s"; grep -E "NMSE|plan" $O/check_e3.txt | head -3
gzip $O/*.db; tar czf $OUT/call3.tar.gz -C $O .
echo "done at $SECONDS s"
