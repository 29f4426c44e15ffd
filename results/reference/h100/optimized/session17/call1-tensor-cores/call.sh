#!/usr/bin/env bash
# Device call 1 (session 17): tensor_cores=3xtf32 (the implicit-GEMM and Winograd GEMM products on the tensor cores
# through PTX mma.sync, each operand split into two tf32 parts, three products) against the time plan, ResNet-50
# batch 1. First three tensor-core forms forced on every layer they fit and checked against the reference on the GPU
# (NMSE tolerance 1e-9: plain tf32 gives ~1e-7); then both plans built by short runs from session 16 call 1's carried
# timings (same driver: only the _tc forms are timed cold), the tc plan checked, and time, tc and opencl-baseline
# alternate, 2 rounds of two 6 s repetitions.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s17o1; C=/tmp/jb-ablation-time; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O $C
for v in tc base; do ln -s $C /tmp/jb-ablation-$v; done
cp -r .carry/cache/. $C/
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
for k in igemm_32x32x16_4x4_tc_v4 igemm_64x32x16_4x2_k16_tc winograd_f2_32x64_tc_v4; do
  JOULEBENCH_CACHE_DIR=$C timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 \
    --option conv_kernel=$k --option plan_cache=false --tolerance 1e-9 --seed 31 > $O/check_forced_$k.txt 2>&1
  echo "check forced $k exit $? at $SECONDS s"; grep -E "NMSE|rror" $O/check_forced_$k.txt | head -3
done
cat > $O/time.json <<JSON
{"name": "ablation-resnet50-time", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "time", "tensor_cores": "3xtf32"/; s/resnet50-time/resnet50-tc/' $O/time.json > $O/tc.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-time/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/time.json > $O/base.json
short='s/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/'
sed "$short" $O/time.json > $O/time_build.json; sed "$short" $O/tc.json > $O/tc_build.json
for f in time tc base time_build tc_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
for b in time tc; do
  JOULEBENCH_CACHE_DIR=$C timeout 280 .carry/joulebench run $O/${b}_build.json --db $O/${b}_build.db > $O/log_${b}_build.txt 2>&1
  echo "$b build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_${b}_build.txt | head -3
done
JOULEBENCH_CACHE_DIR=$C timeout 40 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 \
  --option kernel_objective=time --option tensor_cores=3xtf32 --tolerance 1e-9 --seed 32 --repeat 3 > $O/check_tc.txt 2>&1
echo "check (tc plan) exit $? at $SECONDS s"; grep -E "NMSE|plan" $O/check_tc.txt | head -3
python3 - $O/tc_build.db > $O/tc_layers.txt <<'PY'
import json, sqlite3, sys
d = json.loads(sqlite3.connect(sys.argv[1]).execute("select describe_json from cells").fetchone()[0])
print("precision:", d["precision"]); print("tensor_cores:", json.dumps({k: v for k, v in d["tensor_cores"].items() if k != "layers"}))
ch, tm = d["kernel_choice_per_node"], d["kernel_timings_s"]
tot = [0.0, 0.0, 0.0]
for node, t in tm.items():
    tc = {k: v for k, v in t.items() if "_tc" in k and v > 0}; fp = {k: v for k, v in t.items() if "_tc" not in k and v > 0}
    btc = min(tc, key=tc.get) if tc else None; bfp = min(fp, key=fp.get)
    tot[0] += t[ch[node]]; tot[1] += fp[bfp]; tot[2] += tc[btc] if btc else fp[bfp]
    print(f"{node:22s} {ch[node]:32s} best fma {bfp:30s} {fp[bfp]*1e6:6.1f} us  best tc {btc or '-':32s} {tc[btc]*1e6 if btc else 0:6.1f} us")
print(f"timed layers: chosen {tot[0]*1e3:.3f} ms, best fma {tot[1]*1e3:.3f} ms; launches {d['kernels_per_inference']}")
PY
head -3 $O/tc_layers.txt; tail -1 $O/tc_layers.txt
MAX_SECONDS=$((540 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/joulebench@$O/time.json \
  tc=.carry/joulebench@$O/tc.json base=.carry/joulebench@$O/base.json
echo "ablation done at $SECONDS s"
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
