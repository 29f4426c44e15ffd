#!/usr/bin/env bash
# Install what is needed, build, and run every test in CTest. Usage: test.sh [--sanitize]
# (--sanitize builds with address and undefined-behaviour sanitizers into build-asan/).
set -euo pipefail
cd "$(dirname "$0")/../.."
bash harness/scripts/setup.sh --test
bash harness/scripts/build.sh "$@"
dir=build
repeat=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  # PoCL's LLVM keeps compiler state until exit; only third-party leaks are suppressed (tests/lsan.supp).
  export LSAN_OPTIONS="suppressions=$PWD/tests/lsan.supp:print_suppressions=0"
  # LeakSanitizer's tracer can crash at process exit while PoCL's worker threads shut down ("Tracer caught signal
  # 11" after every test passed); such a test is run once more, and ctest prints both attempts. The optimized
  # engine's tests, where it happened every time, run without the leak check (tests/CMakeLists.txt).
  repeat=(--repeat until-pass:2)
fi
# PoCL compiles each OpenCL kernel once per machine; keep its cache inside the build folder for the whole run.
export POCL_CACHE_DIR="$PWD/$dir/pocl-cache"
mkdir -p "$POCL_CACHE_DIR"
ctest --test-dir "$dir" --output-on-failure --parallel "$(nproc)" --timeout 900 "${repeat[@]}"
