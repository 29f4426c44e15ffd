#!/usr/bin/env bash
# Engine checks and benchmarks on an NVIDIA machine. Usage: gpu-engines-sweep.sh BIN_DIR OUT_DIR PART
# PART "checks": zoo models on opencl-baseline (GPU) vs the reference, ONNX Runtime fixtures, GEMM scenario,
# NVML call costs. PART "sweep": ResNet-50 and BERT-base on opencl-baseline at batch 1, 32, 256 with NVML energy.
set -uo pipefail
bin=$1; out=$2; part=$3
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH=$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
export JOULEBENCH_CACHE_DIR=/tmp/jb-cache
mkdir -p "$out"
jb=$bin/joulebench
if [ "$part" = checks ]; then
  { for m in mlp resnet50 mobilenetv2 bert-base; do
      "$jb" check "$m" --engine opencl-baseline --seed 11 --batch 2 2>&1
    done; } | tee "$out/check_gpu.txt"
  python3 "$here/ort_fixtures.py" "$jb" "$out/ort" 2>&1 | tail -5
  (cd "$out" && tar czf ort_fixtures.tgz ort && rm -rf ort)
  "$jb" run "$here/../../scenarios/gemm-mlp.json" --db "$out/gemm.db" 2>&1 | tail -8
  python3 "$here/summarize_run.py" "$out/gemm.db" > "$out/gemm_summary.json"
  "$bin/meters_bench" --benchmark_filter='RealNvmlCall' 2>&1 | tail -5 | tee "$out/nvml_calls.txt"
else
  for s in baseline-resnet50 baseline-bert; do
    "$jb" run "$here/../../scenarios/$s.json" --db "$out/sweep.db" 2>&1 | tail -12
  done
  python3 "$here/summarize_run.py" "$out/sweep.db" > "$out/sweep_summary.json"
  gzip -k "$out/sweep.db"; rm -f "$out/sweep.db"
fi
