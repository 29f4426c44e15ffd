#!/usr/bin/env bash
# opencl-optimized on an NVIDIA machine. Usage: gpu-optimized-sweep.sh BIN_DIR OUT_DIR PART
# PART "modes": scenarios/modes/resnet50-*.json (opencl-baseline in the four load modes, three 10 s repetitions) and
#   the embedded quickstart, for run-to-run agreement (issue 5).
# PART "explore": zoo checks on the GPU, short ResNet-50 cells of both engines (5 % quantization), plan-cache hit
#   timing (the same cell prepared twice). PART "resnet": scenarios/optimized-resnet50.json and the PyTorch/cuBLAS
#   peers (torch_peer.py) in the same call. PART "bert": scenarios/optimized-bert.json and scenarios/gemm-mlp.json.
# PART "fusion": bert-base checked on the GPU, scenarios/optimized-bert.json, ResNet-50 plan cache cold then hit.
# PART "plancache": ResNet-50 prepared fully cold, joulebench-cold (driver kernel cache warm), then from the plan.
# PART "launch": opencl_bench (BIN_DIR/opencl_bench): empty-kernel launch cost and the host enqueue time of a batch-1
#   inference against its whole time (after "resnet" in the same call, Prepare hits the plan cache).
set -uo pipefail
bin=$(cd "$1" && pwd); out=$2; part=$3
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH=$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export JOULEBENCH_CACHE_DIR=${JOULEBENCH_CACHE_DIR:-/tmp/jb-cache}
export CI=1
mkdir -p "$out"
jb=$bin/joulebench
case "$part" in
explore)
  for m in mlp resnet50 mobilenetv2 bert-base; do
    SECONDS=0
    timeout 90 "$jb" check "$m" --engine opencl-optimized --seed 11 --batch 2 >> "$out/check_gpu.txt" 2>&1
    echo "$m: exit $? in $SECONDS s" >> "$out/check_gpu.txt"
  done
  cat "$out/check_gpu.txt"
  cat > /tmp/explore.json <<JSON
{"name": "explore-resnet50", "model": {"builtin": "resnet50"}, "engines": ["opencl-baseline", "opencl-optimized"],
 "batch_sizes": [1, 32], "load": {"warmup_s": 1, "min_duration_s": 2, "repetitions": 1, "energy_quantization": 0.05},
 "idle": {"enabled": true, "settle_s": 0.5, "duration_s": 1}, "device": {"type": "gpu"}}
JSON
  timeout 200 "$jb" run /tmp/explore.json --db "$out/explore.db" > "$out/explore_log.txt" 2>&1
  timeout 100 "$jb" run /tmp/explore.json --db "$out/explore.db" >> "$out/explore_log.txt" 2>&1  # plan-cache hits
  tail -20 "$out/explore_log.txt"
  python3 "$here/summarize_run.py" "$out/explore.db" > "$out/explore_summary.json"
  python3 - "$out/explore.db" <<'PY'
import json, sqlite3, sys
for row in sqlite3.connect(sys.argv[1]).execute("select run_id, engine, batch, round(prepare_s,2), describe_json from cells"):
    d = json.loads(row[4] or "{}")
    print(row[:4], d.get("kernels_per_inference"), d.get("kernel_choices"), d.get("plan_cache"), d.get("gemm"),
          d.get("device_memory_bytes"), d.get("build_s"), d.get("warnings"))
PY
  ;;
launch)
  "$bin/opencl_bench" --benchmark_min_time=1 --benchmark_out="$out/opencl_bench.json" --benchmark_out_format=json 2>&1 |
    grep -E "^BM_|Benchmark" ;;
modes)
  for m in ${MODES:-single-stream multi-stream offline server}; do
    timeout 150 "$jb" run "$here/../../scenarios/modes/resnet50-$m.json" --db "$out/modes.db" > "$out/modes_$m.log" 2>&1
    grep -E "max-QPS|rep [0-9]|FAILED" "$out/modes_$m.log" | tail -12
  done
  (cd "$out" && timeout 200 "$jb" run --db "$out/modes.db" -q 2>&1 | tail -8)   # the embedded quickstart
  python3 "$here/summarize_run.py" "$out/modes.db" > "$out/modes_summary.json"
  gzip -k "$out/modes.db"; rm -f "$out/modes.db" ;;
resnet)
  rm -rf "$JOULEBENCH_CACHE_DIR"   # a cold build: no plan, timing or tuning cache
  "$jb" run "$here/../../scenarios/optimized-resnet50.json" --db "$out/resnet.db" 2>&1 | tail -9
  cat > /tmp/hit.json <<JSON
{"name": "plan-cache-hit", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1, 32],
 "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.5, "repetitions": 1, "energy_quantization": 0.5},
 "idle": {"enabled": false}, "device": {"type": "gpu"}}
JSON
  "$jb" run /tmp/hit.json --db "$out/resnet.db" -q 2>&1 | tail -3   # prepared from the plan cache
  python3 "$here/torch_peer.py" --batches 1,32 --window 10 --reps 3 > "$out/torch_peer.json" 2> "$out/torch_peer.err"
  tail -3 "$out/torch_peer.err"
  python3 "$here/summarize_run.py" "$out/resnet.db" > "$out/resnet_summary.json"
  gzip -k "$out/resnet.db"; rm -f "$out/resnet.db" ;;
bert)
  "$jb" run "$here/../../scenarios/optimized-bert.json" --db "$out/bert.db" 2>&1 | tail -9
  "$jb" run "$here/../../scenarios/gemm-mlp.json" --db "$out/gemm.db" 2>&1 | tail -6
  python3 "$here/summarize_run.py" "$out/bert.db" > "$out/bert_summary.json"
  python3 "$here/summarize_run.py" "$out/gemm.db" > "$out/gemm_summary.json"
  gzip -k "$out/bert.db" "$out/gemm.db"; rm -f "$out/bert.db" "$out/gemm.db" ;;
fusion)
  # After the attention / layout / QKV / elementwise passes: bert-base checked against the reference on the GPU,
  # scenarios/optimized-bert.json (both engines in one run), and the ResNet-50 plan-cache hit against a cold build.
  SECONDS=0
  timeout 120 "$jb" check bert-base --engine opencl-optimized --seed 11 --batch 2 > "$out/check_bert_gpu.txt" 2>&1
  echo "bert-base: exit $? in $SECONDS s" >> "$out/check_bert_gpu.txt"
  tail -3 "$out/check_bert_gpu.txt"
  timeout 330 "$jb" run "$here/../../scenarios/optimized-bert.json" --db "$out/bert.db" 2>&1 | tail -6
  rm -rf "$JOULEBENCH_CACHE_DIR"   # a cold build: no plan, timing or tuning cache
  cat > /tmp/plan.json <<JSON
{"name": "plan-cache", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.5, "repetitions": 1, "energy_quantization": 0.5},
 "idle": {"enabled": false}, "device": {"type": "gpu"}}
JSON
  for i in cold hit hit; do timeout 120 "$jb" run /tmp/plan.json --db "$out/plan.db" -q 2>&1 | tail -1; done
  python3 "$here/summarize_run.py" "$out/bert.db" > "$out/bert_summary.json"
  python3 "$here/summarize_run.py" "$out/plan.db" > "$out/plan_summary.json"
  gzip -k "$out/bert.db" "$out/plan.db"; rm -f "$out/bert.db" "$out/plan.db" ;;
plancache)
  # ResNet-50 batch 1 prepared four times: fully cold (no joulebench cache and no NVIDIA compute cache, as on a new
  # machine), cold for joulebench with the driver's compiled-kernel cache warm, then two plan-cache hits.
  cat > /tmp/plan.json <<JSON
{"name": "plan-cache", "model": {"builtin": "resnet50"}, "engines": ["opencl-optimized"], "batch_sizes": [1],
 "load": {"warmup_s": 0, "warmup_queries": 1, "min_duration_s": 0.5, "repetitions": 1, "energy_quantization": 0.5},
 "idle": {"enabled": false}, "device": {"type": "gpu"}}
JSON
  rm -rf "$JOULEBENCH_CACHE_DIR" "$HOME/.nv/ComputeCache"
  timeout 120 "$jb" run /tmp/plan.json --db "$out/plan.db" -q 2>&1 | tail -1
  rm -rf "$JOULEBENCH_CACHE_DIR"
  for i in cold-joulebench hit hit; do timeout 120 "$jb" run /tmp/plan.json --db "$out/plan.db" -q 2>&1 | tail -1; done
  sqlite3 "$out/plan.db" "select run_id, round(prepare_s, 3), json_extract(describe_json, '$.plan_cache.status'),
    json_extract(describe_json, '$.build_phases_s') from cells" 2>/dev/null || true
  python3 "$here/summarize_run.py" "$out/plan.db" > "$out/plan_summary.json"
  gzip -k "$out/plan.db"; rm -f "$out/plan.db" ;;
esac
