#!/usr/bin/env bash
# Device call 4 (session 16): fuse_reduction=on (a split-K layer's reduction launch folded into the input transform
# of the Winograd layer that alone reads its output) against off, ResNet-50 batch 1, one binary, one cache folder;
# opencl-baseline in the same rounds. Call 1's cache (its timings and time plan, same driver) is carried in
# .carry/cache, so both variants choose the very same kernels (kernel_objective=time from those timings) and differ
# only by the folds. Short runs build both plans; `check` compares the folded plan with the reference on the GPU;
# then 2 alternating rounds of two 6 s repetitions.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s16o4; C=/tmp/jb-ablation-time; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O $C
for v in fold base; do ln -s $C /tmp/jb-ablation-$v; done
cp -r .carry/cache/. $C/
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "ablation-resnet50-time", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "time", "fuse_reduction": "on"/; s/resnet50-time/resnet50-fold/' $O/time.json > $O/fold.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-time/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/time.json > $O/base.json
short='s/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/'
sed "$short" $O/time.json > $O/time_build.json; sed "$short" $O/fold.json > $O/fold_build.json
for f in time fold base time_build fold_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
for b in time fold; do
  JOULEBENCH_CACHE_DIR=$C timeout 60 .carry/joulebench run $O/${b}_build.json --db $O/${b}_build.db > $O/log_${b}_build.txt 2>&1
  echo "$b build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_${b}_build.txt | head -3
done
JOULEBENCH_CACHE_DIR=$C timeout 40 .carry/joulebench check resnet50 --engine opencl-optimized --batch 1 \
  --option kernel_objective=time --option fuse_reduction=on --seed 24 --repeat 3 > $O/check_fold.txt 2>&1
echo "check (fold) exit $? at $SECONDS s"; grep -E "NMSE" $O/check_fold.txt | head -2
python3 - $O/fold_build.db <<'PY'
import json, sqlite3, sys
d = json.loads(sqlite3.connect(sys.argv[1]).execute("select describe_json from cells").fetchone()[0])
print("folded:", len(d["folded_reductions"]), d["folded_reductions"]); print("launches:", d["kernels_per_inference"])
PY
MAX_SECONDS=$((230 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/joulebench@$O/time.json \
  fold=.carry/joulebench@$O/fold.json base=.carry/joulebench@$O/base.json
echo "ablation done at $SECONDS s"
gzip $O/*.db; tar czf $OUT/call4.tar.gz -C $O .
echo "done at $SECONDS s"
