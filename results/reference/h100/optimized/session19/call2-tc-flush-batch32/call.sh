#!/usr/bin/env bash
# Device call 2 (session 19): session 17 call 2 again, with the tensor-core forms of session 18's flush.patch
# (.carry/jb_flush: each depth step's products summed from zero, then added to the fp32 sums; forced on every layer
# in call 1, NMSE 2.0e-12 and 10% fewer images/s). Both
# plans built cold by short runs in one cache folder (the tc build times only the _tc forms anew), the tc plan checked
# against the reference on the GPU, then time and tc alternate, 2 rounds of two 6 s repetitions.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=$OUT; C=/tmp/jb-ablation-time; rm -rf /tmp/jb-*; mkdir -p $C
ln -s $C /tmp/jb-ablation-tc
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "ablation-resnet50-b32-time", "description": "opencl-optimized, ResNet-50 batch 32", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "time", "tensor_cores": "3xtf32"/; s/b32-time/b32-tc/' $O/time.json > $O/tc.json
short='s/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/'
sed "$short" $O/time.json > $O/time_build.json; sed "$short" $O/tc.json > $O/tc_build.json
for f in time tc time_build tc_build; do .carry/jb_flush run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
for b in time tc; do
  JOULEBENCH_CACHE_DIR=$C timeout 200 .carry/jb_flush run $O/${b}_build.json --db $O/${b}_build.db > $O/log_${b}_build.txt 2>&1
  echo "$b build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_${b}_build.txt | head -3
done
JOULEBENCH_CACHE_DIR=$C timeout 40 .carry/jb_flush check resnet50 --engine opencl-optimized --batch 32 \
  --option kernel_objective=time --option tensor_cores=3xtf32 --tolerance 1e-9 --seed 33 > $O/check_tc.txt 2>&1
echo "check (tc plan, batch 32) exit $? at $SECONDS s"; grep -E "NMSE" $O/check_tc.txt | head -2
python3 harness/scripts/tensor_core_choices.py $O/tc_build.db > $O/tc_layers.txt 2>&1
head -2 $O/tc_layers.txt; tail -1 $O/tc_layers.txt
MAX_SECONDS=$((530 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/jb_flush@$O/time.json \
  tc=.carry/jb_flush@$O/tc.json
echo "ablation done at $SECONDS s"
gzip $O/*.db; (cd $O && tar czf logs.tar.gz log_*.txt && rm log_*.txt)
echo "done at $SECONDS s"
