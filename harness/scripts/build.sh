#!/usr/bin/env bash
# Configures and builds joulebench. Usage: build.sh [--sanitize] ; the build folder is build/ (build-asan/ with
# --sanitize, which turns on JOULEBENCH_SANITIZE=address,undefined). Prints the build folder on the last line.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=build
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  extra=(-DJOULEBENCH_SANITIZE=address,undefined -DCMAKE_BUILD_TYPE=RelWithDebInfo)
fi
cmake -S . -B "$dir" -G Ninja -DCMAKE_BUILD_TYPE=Release "${extra[@]}" >/dev/null
cmake --build "$dir" --parallel "$(nproc)"
