#!/usr/bin/env bash
# Device call 1 (session 16): two questions on one card, ResNet-50 batch 1, one binary, one shared cache folder.
# (1) kernel_objective=measured-energy over a wider field: up to 6 of each layer's fastest candidates, only those
#     within 10% of the fastest's time (energy_slack=10), 250 ms each ("wide"), against kernel_objective=time.
# (2) host_wait=spin (Wait() polls a marker instead of clFinish) on the time plan ("spin": host_wait is not in the
#     plan key, so it runs the very plan of "time").
# First `joulebench check` builds the time plan cold (every candidate timed) and checks it on the GPU; a short run
# then builds the wide plan (the timings reused, the candidates' energies measured); then a same-card ablation
# alternates time, spin, wide and opencl-baseline, 2 rounds of two 6 s repetitions. The cache folder comes back
# for a later call's carry.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s16o1; C=/tmp/jb-ablation-time; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O $C
for v in spin wide base; do ln -s $C /tmp/jb-ablation-$v; done
[ -d .carry/cache ] && cp -r .carry/cache/. $C/
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
cat > $O/time.json <<JSON
{"name": "ablation-resnet50-time", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"kernel_objective": "time"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"kernel_objective": "time"/"kernel_objective": "time", "host_wait": "spin"/; s/resnet50-time/resnet50-spin/' $O/time.json > $O/spin.json
sed 's/"kernel_objective": "time"/"kernel_objective": "measured-energy", "energy_candidates": 6, "energy_slack": 10, "energy_window_ms": 250/; s/resnet50-time/resnet50-wide/' $O/time.json > $O/wide.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/resnet50-time/resnet50-baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/time.json > $O/base.json
sed 's/"min_duration_s": 6, "min_queries": 10, "repetitions": 2/"min_duration_s": 1, "min_queries": 10, "repetitions": 1/; s/"enabled": true/"enabled": false/' $O/wide.json > $O/wide_build.json
for f in time spin wide base wide_build; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
JOULEBENCH_CACHE_DIR=$C timeout 240 .carry/joulebench check resnet50 --engine opencl-optimized \
  --batch 1 --option kernel_objective=time --seed 21 --repeat 3 > $O/check_time.txt 2>&1
echo "check (time) exit $? at $SECONDS s"; grep -E "NMSE|exit" $O/check_time.txt | head -3
JOULEBENCH_CACHE_DIR=$C timeout 260 .carry/joulebench run $O/wide_build.json --db $O/wide_build.db > $O/log_wide_build.txt 2>&1
echo "wide build exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]+/" $O/log_wide_build.txt | head -3
MAX_SECONDS=$((520 - SECONDS)) bash harness/scripts/gpu-ablation.sh $O 2 $O/time.json time=.carry/joulebench@$O/time.json \
  spin=.carry/joulebench@$O/spin.json wide=.carry/joulebench@$O/wide.json base=.carry/joulebench@$O/base.json
echo "ablation done at $SECONDS s"
python3 harness/scripts/energy_choices.py $O/wide_build.db > $O/energy_choices_wide.txt 2>&1; tail -1 $O/energy_choices_wide.txt
for n in time wide; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; done
python3 harness/scripts/kernel_choices.py $O/wide_build.db > $O/kernel_choices_wide_build.txt 2>&1; grep "^batch" $O/kernel_choices_wide_build.txt | cut -c1-200
gzip $O/*.db; tar czf $OUT/call1.tar.gz -C $O .
tar czf $OUT/cache.tar.gz -C $C --exclude=programs . 2>/dev/null; du -sh $C $C/programs 2>/dev/null
echo "done at $SECONDS s"
