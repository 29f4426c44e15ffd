#!/usr/bin/env bash
# Device call 3 (session 12): the final code (timing_window_us 2000 by default, 69a79a4) on scenarios/optimized-resnet50.json (opencl-baseline and
# opencl-optimized, cold build, three 10 s repetitions), the plan-cache hit, and the PyTorch eager fp32 (TF32 off)
# peer, in one call.
set -u
export CI=1
SECONDS=0
# This machine ran calls 1-2 (ResNet-50 batch 1): the driver's compute cache holds those programs, so the cold
# build here is cold for joulebench (no plan or timing cache) but not for the driver.
rm -rf /tmp/jb-cache
O=/tmp/s12o3; rm -rf $O; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
timeout 570 bash harness/scripts/gpu-optimized-sweep.sh .carry $O resnet
echo "sweep exit $? at $SECONDS s"
python3 harness/scripts/ablation_summary.py $O/resnet.db.gz 2>&1 | tail -6
python3 - $O/resnet.db.gz <<'PY'
import gzip, json, sqlite3, sys, tempfile
t = tempfile.NamedTemporaryFile(suffix=".db", delete=False); t.write(gzip.open(sys.argv[1]).read()); t.close()
for r in sqlite3.connect(t.name).execute("select run_id, engine, batch, round(prepare_s,2), json_extract(describe_json,'$.plan_cache.status'), json_extract(describe_json,'$.kernels_per_inference') from cells"):
    print(r)
PY
tar czf $OUT/call3.tar.gz -C $O .
echo "done at $SECONDS s"
