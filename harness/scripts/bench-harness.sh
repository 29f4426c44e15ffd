#!/usr/bin/env bash
# The harness's own overhead: dispatch per query with a null engine, sustained query rate (tests/bench/loadgen_bench.cc)
# and the sampler's CPU at 20 Hz (tests/bench/meters_bench.cc). Writes Google Benchmark JSON.
# Usage: bench-harness.sh [OUT_DIR] (default results/). Build first (harness/scripts/build.sh); JOULEBENCH_BENCH_BIN
# points at another folder holding the two binaries.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results}
bin=${JOULEBENCH_BENCH_BIN:-./build/tests}   # where harness_bench and meters_bench are (a carried folder on a GPU box)
mkdir -p "$out"
"$bin/harness_bench" --benchmark_out="$out/harness_bench.json" --benchmark_out_format=json
"$bin/meters_bench" --benchmark_filter=SamplerOverhead --benchmark_repetitions=3 \
  --benchmark_out="$out/sampler_bench.json" --benchmark_out_format=json
echo "wrote $out/harness_bench.json $out/sampler_bench.json"
