#!/usr/bin/env bash
# Runs the meter microbenchmarks and writes Google Benchmark JSON. Usage: bench-meters.sh [OUT.json]
# (default results/meters_bench.json). Build first (harness/scripts/build.sh).
set -euo pipefail
cd "$(dirname "$0")/../.."
out=${1:-results/meters_bench.json}
./build/tests/meters_bench --benchmark_out="$out" --benchmark_out_format=json --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true
echo "wrote $out"
