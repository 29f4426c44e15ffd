#!/usr/bin/env bash
# Device call 1 (session 15): kernel_objective=measured-energy (each layer's 3 fastest candidates run back to back for
# 500 ms while the NVML energy counter is read; the least joules per run chosen) against time (the default), one
# binary, ResNet-50 batch 1, same card, alternating, 2 rounds; opencl-baseline in the same rounds for the ratio. First
# `joulebench check` builds the time plan cold (every candidate timed) and checks it on the GPU; all variants share
# one cache folder, so measured-energy reuses those timings and differs only where a measured candidate drew less
# energy per run. Then the measured-energy plan (a plan-cache hit) and two forced atomic split-K forms (unchecked on a
# GPU in session 14) are compared with the reference on the GPU, and PyTorch runs ResNet-50 batch 1 eager and from a
# CUDA graph (TF32 off) on the same card.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s15o1; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O /tmp/jb-ablation-energy
ln -s /tmp/jb-ablation-energy /tmp/jb-ablation-time; ln -s /tmp/jb-ablation-energy /tmp/jb-ablation-base
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
cat > $O/energy.json <<JSON
{"name": "ablation-resnet50-measured-energy", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "measured-energy"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "measured-energy"/"kernel_objective": "time"/; s/measured-energy"/time"/' $O/energy.json > $O/time.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-measured-energy/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/energy.json > $O/base.json
for f in energy time base; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-energy timeout 300 .carry/joulebench check resnet50 --engine opencl-optimized \
  --batch 1 --option kernel_objective=time --seed 11 --repeat 3 > $O/check_time.txt 2>&1
echo "check (time) exit $? at $SECONDS s"; grep -E "NMSE|exit" $O/check_time.txt
MAX_SECONDS=330 bash harness/scripts/gpu-ablation.sh $O 2 $O/energy.json energy=.carry/joulebench@$O/energy.json \
  time=.carry/joulebench@$O/time.json base=.carry/joulebench@$O/base.json
echo "ablation done at $SECONDS s"
JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-energy timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized \
  --batch 1 --option kernel_objective=measured-energy --seed 12 --repeat 5 > $O/check_energy.txt 2>&1
echo "check (measured-energy) exit $? at $SECONDS s"; grep -E "NMSE|exit|plan" $O/check_energy.txt | head -5
for k in igemm_64x32x16_4x2_k16a igemm_32x32x16_4x4_k4a_v4; do
  timeout 60 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 --option atomic_splitk=on \
    --option conv_kernel=$k --option plan_cache=false --seed 13 --repeat 3 > $O/check_$k.txt 2>&1
  echo "check ($k) exit $? at $SECONDS s"; grep -E "NMSE" $O/check_$k.txt | head -3
done
(( SECONDS < 520 )) && timeout $((585 - SECONDS)) python3 harness/scripts/torch_peer.py --batches 1 --window 4 --reps 2 \
  --gemm 0 --modes eager,graph > $O/torch_peer.json 2> $O/torch_peer.err
echo "torch exit $? at $SECONDS s"
python3 - $O/torch_peer.json <<'PY'
import json, sys
try:
    for r in json.load(open(sys.argv[1]))["results"]:
        print(r["label"], "%.1f img/s" % r["throughput"], "%.1f mJ/img" % (1e3 * r["j_per_item"]), "%.0f W" % r["avg_power_w"])
except Exception as e: print("torch_peer:", e)
PY
for n in energy time; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | head -1 | cut -c1-300; done
python3 - $O/abl_energy.db <<'PY'
import json, sqlite3, sys
for (d,) in sqlite3.connect(sys.argv[1]).execute("select describe_json from cells where engine='opencl-optimized'"):
    d = json.loads(d); e, w, t, ch = d.get("kernel_energy_j", {}), d.get("kernel_power_w", {}), d.get("kernel_timings_s", {}), d.get("kernel_choice_per_node", {})
    if not e: continue
    print("warnings:", d.get("warnings")); print("phases:", d.get("build_phases_s"))
    fastest_j = chosen_j = 0
    for node in e:
        f = min(e[node], key=lambda c: t[node][c]); fastest_j += e[node][f]; chosen_j += e[node][ch[node]]
        print("  %-20s %s" % (node, "  ".join("%s %.1fus %.0fW%s" % (c, t[node][c]*1e6, w[node][c], "*" if c == ch[node] else "") for c in sorted(e[node], key=lambda c: t[node][c]))))
    print("sum of measured J per run: fastest %.4f chosen %.4f" % (fastest_j, chosen_j))
PY
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
echo "done at $SECONDS s"
