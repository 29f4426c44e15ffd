#!/usr/bin/env bash
# The harness's own overhead: dispatch per query with a null engine, sustained query rate (tests/bench/loadgen_bench.cc)
# and the sampler's CPU at 20 Hz (tests/bench/meters_bench.cc). Writes Google Benchmark JSON.
# Usage: bench-harness.sh [OUT_DIR] (default results/). Build first (harness/scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results}
mkdir -p "$out"
./build/tests/harness_bench --benchmark_out="$out/harness_bench.json" --benchmark_out_format=json
./build/tests/meters_bench --benchmark_filter=SamplerOverhead --benchmark_repetitions=3 \
  --benchmark_out="$out/sampler_bench.json" --benchmark_out_format=json
echo "wrote $out/harness_bench.json $out/sampler_bench.json"
