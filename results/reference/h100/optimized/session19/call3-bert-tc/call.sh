#!/usr/bin/env bash
# Device call 3 (session 19): tensor_cores=3xtf32 (main's forms) on BERT-base (sequence 128) at batch 1 and 32, never
# measured before. The time plan and the tc plan built cold by short runs in one cache folder (the tc build times only
# the _tc forms anew), the tc plan checked against the reference on the GPU at batch 32, then time and tc alternate,
# 2 rounds of two 6 s repetitions per batch (no run starts after BUDGET_S seconds, default 300).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=$OUT; C=/tmp/jb-ablation-time; rm -rf /tmp/jb-*; mkdir -p $C
ln -s $C /tmp/jb-ablation-tc
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "ablation-bert-time", "description": "opencl-optimized, BERT-base", "model": {"builtin": "bert-base"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "time", "tensor_cores": "3xtf32"/; s/bert-time/bert-tc/' $O/time.json > $O/tc.json
short='s/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/'
sed "$short" $O/time.json > $O/time_build.json; sed "$short" $O/tc.json > $O/tc_build.json
for f in time tc time_build tc_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
for b in time tc; do
  JOULEBENCH_CACHE_DIR=$C timeout 150 .carry/joulebench run $O/${b}_build.json --db $O/${b}_build.db > $O/log_${b}_build.txt 2>&1
  echo "$b build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_${b}_build.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
done
JOULEBENCH_CACHE_DIR=$C timeout 40 .carry/joulebench check bert-base --engine opencl-optimized --batch 32 \
  --option kernel_objective=time --option tensor_cores=3xtf32 --tolerance 1e-6 --seed 36 > $O/check_tc.txt 2>&1
echo "check (tc plan, batch 32) exit $? at $SECONDS s"; grep -E "NMSE" $O/check_tc.txt | head -3
python3 harness/scripts/tensor_core_choices.py $O/tc_build.db 2>&1 | grep -E "^batch|precision|timed layers" | head -8
MAX_SECONDS=$((${BUDGET_S:-300} - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/joulebench@$O/time.json \
  tc=.carry/joulebench@$O/tc.json
echo "ablation done at $SECONDS s"
gzip $O/*.db; (cd $O && tar czf logs.tar.gz log_*.txt *_build.json time.json && rm log_*.txt *_build.json time.json)
echo "done at $SECONDS s"
