#!/usr/bin/env bash
# Device call 1 (session 19). A: does NVIDIA's OpenCL offer cl_khr_command_buffer, and what does a replayed chain of
# 96 dependent launches cost per launch against enqueueing them (../cmdbuf_probe.cc)? B, where it does: ResNet-50
# batch 1, the time plan built cold (all variants share its cache: the same kernels), checked with command_buffer=auto,
# then time (one enqueue per launch), cb (command_buffer=auto) and opencl-baseline alternate, 2 rounds of two 6 s
# repetitions. C, while time is left: session 18's tensor-core flush alone (old vs flush, one form forced on
# ResNet-50 batch 32).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=$OUT; C=/tmp/jb-ablation-time; rm -rf /tmp/jb-*; mkdir -p $C
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
mkdir -p /tmp/icd && echo /usr/lib/libnvidia-opencl.so.1 > /tmp/icd/nvidia.icd
OCL_ICD_VENDORS=/tmp/icd timeout 60 .carry/cmdbuf_probe 96 > $O/cmdbuf_probe.txt 2>&1
echo "probe exit $? at $SECONDS s"; grep -v "^extensions" $O/cmdbuf_probe.txt
if grep -q "cl_khr_command_buffer: yes" $O/cmdbuf_probe.txt; then
  for v in cb base; do ln -s $C /tmp/jb-ablation-$v; done
  cat > $O/time.json <<JSON
{"name": "ablation-resnet50-time", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
  sed 's/"kernel_objective": "time"/"kernel_objective": "time", "command_buffer": "auto"/; s/resnet50-time/resnet50-cb/' $O/time.json > $O/cb.json
  sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-time/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/time.json > $O/base.json
  sed 's/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/' $O/time.json > $O/time_build.json
  for f in time cb base time_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
  JOULEBENCH_CACHE_DIR=$C timeout 240 .carry/joulebench run $O/time_build.json --db $O/time_build.db > $O/log_time_build.txt 2>&1
  echo "time build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_time_build.txt | head -3
  JOULEBENCH_CACHE_DIR=$C timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 \
    --option kernel_objective=time --option command_buffer=auto --tolerance 1e-6 --seed 35 --repeat 3 > $O/check_cb.txt 2>&1
  echo "check cb exit $? at $SECONDS s"; grep -E "NMSE|rror|plan" $O/check_cb.txt | head -4
  MAX_SECONDS=$((330 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O/cb 2 $O/time.json time=.carry/joulebench@$O/time.json \
    cb=.carry/joulebench@$O/cb.json base=.carry/joulebench@$O/base.json
  python3 - $O/cb/abl_cb.db > $O/cb_describe.txt <<'PY'
import json, sqlite3, sys
for (d,) in sqlite3.connect(sys.argv[1]).execute("select describe_json from cells"):
    d = json.loads(d); print(json.dumps(d.get("command_buffer")), "kernels", d.get("kernels_per_inference"))
PY
  cat $O/cb_describe.txt
  gzip $O/*.db $O/cb/*.db
  echo "B done at $SECONDS s"
fi
if (( SECONDS < 400 )); then
  VARIANTS="old flush" ABLATION_MAX_S=$((560 - SECONDS - 150)) bash results/reference/h100/optimized/session18/call1-tc-flush/call.sh
fi
echo "done at $SECONDS s"
