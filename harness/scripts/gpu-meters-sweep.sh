#!/usr/bin/env bash
# Meter validation on an NVIDIA machine, one call: inventory with measured update periods, a 1 kHz trace of a
# steady 10 s GEMM load and a 0.5 s burst (energy three ways), sampler CPU overhead at 20 Hz and 1 kHz, Read()
# cost. Usage: gpu-meters-sweep.sh BIN_DIR OUT_DIR  (BIN_DIR holds joulebench, meters_bench and lib/).
set -uo pipefail
bin=$1; out=$2
here=$(cd "$(dirname "$0")" && pwd)
export LD_LIBRARY_PATH=$bin/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
mkdir -p "$out"
{ nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.sm,temperature.gpu --format=csv; date -u; } > "$out/gpu.txt" 2>&1
"$bin/joulebench" version >> "$out/gpu.txt"
"$bin/joulebench" devices > "$out/devices.txt" 2>&1
"$bin/joulebench" meters --calibrate 3 > "$out/meters.txt" 2>&1
# Sampler overhead with the real NVML: 10 s idle at 20 Hz.
"$bin/joulebench" meters --meter nvml --calibrate 0 --trace /tmp/t20.csv --duration 10 --rate 20 2> "$out/overhead_20hz.txt"
# 1 kHz trace around the load (idle 3 + steady 10 + idle 3 + burst 0.5 + idle 3 + start-up).
"$bin/joulebench" meters --meter nvml --calibrate 0 --trace /tmp/trace_1khz.csv --duration 32 --rate 1000 \
  2> "$out/overhead_1khz.txt" &
tracer=$!
sleep 1
python3 "$here/gpu_load.py" > "$out/load_phases.json"
wait $tracer
python3 "$here/analyze_trace.py" /tmp/trace_1khz.csv "$out/load_phases.json" > "$out/meters_three_ways.json"
gzip -c /tmp/trace_1khz.csv > "$out/trace_1khz.csv.gz"
"$bin/meters_bench" --benchmark_filter='Real|Sampler' --benchmark_out="$out/meters_bench.json" \
  --benchmark_out_format=json > "$out/meters_bench.txt" 2>&1
cat "$out"/gpu.txt "$out"/meters.txt "$out"/overhead_*.txt "$out"/meters_three_ways.json "$out"/meters_bench.txt
