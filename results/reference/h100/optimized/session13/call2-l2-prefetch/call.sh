#!/usr/bin/env bash
# Device call 2 (session 13): l2_prefetch on against off (each GEMM launch requesting the next weight-reading launch's
# weights into L2), one binary, ResNet-50 batch 1, same card, alternating, 2 rounds; opencl-baseline at batch 1 in
# the same rounds for the ratio. The two variants share one cache folder: "off" builds cold (times every candidate),
# "on" reuses those timings (l2_prefetch is not part of the timing key: the timed kernels prefetch nothing), so both
# run the same kernel choices. Before it, BM_LayerChain's per-layer launches with and without the prefetch (proxy).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=/tmp/s13o2; rm -rf $O /tmp/jb-ablation-*; mkdir -p $O /tmp/jb-ablation-off
ln -s /tmp/jb-ablation-off /tmp/jb-ablation-on
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
timeout 60 .carry/opencl_bench --benchmark_filter='LayerChain/[03]/(64|224)/(4|16)' --benchmark_min_time=0.05 \
  --benchmark_repetitions=2 --benchmark_out=$O/layer_chain.json --benchmark_out_format=json 2>&1 |
  grep -E "^BM_.*(mean|ERROR)" | sed 's/NVIDIA //'
cat > $O/off.json <<JSON
{"name": "ablation-resnet50-l2-prefetch-off", "description": "opencl-optimized, ResNet-50 batch 1", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"l2_prefetch": "off"}}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
sed 's/"l2_prefetch": "off"/"l2_prefetch": "on"/; s/prefetch-off/prefetch-on/' $O/off.json > $O/on.json
sed 's/"engines": \["opencl-optimized"\]/"engines": ["opencl-baseline"]/; s/l2-prefetch-off/baseline/; s/"description": "opencl-optimized,/"description": "opencl-baseline,/' $O/off.json > $O/base.json
for f in off on base; do .carry/joulebench run $O/$f.json --validate > /dev/null || { echo "$f.json invalid"; exit 2; }; done
MAX_SECONDS=400 bash harness/scripts/gpu-ablation.sh $O 2 $O/off.json off=.carry/joulebench@$O/off.json \
  on=.carry/joulebench@$O/on.json base=.carry/joulebench@$O/base.json
for n in off on; do python3 harness/scripts/kernel_choices.py $O/abl_$n.db > $O/kernel_choices_$n.txt 2>&1; grep "^batch" $O/kernel_choices_$n.txt | cut -c1-300; done
python3 - $O/abl_on.db <<'PY'
import json, sqlite3, sys
for (d,) in sqlite3.connect(sys.argv[1]).execute("select describe_json from cells where engine='opencl-optimized'"):
    r = json.loads(d).get("l2_prefetch", {}); print({k: v for k, v in r.items() if k != "targets"}, len(r.get("targets", [])), "targets", json.loads(d).get("warnings"))
PY
gzip $O/*.db; tar czf $OUT/call2.tar.gz -C $O .
echo "done at $SECONDS s"
