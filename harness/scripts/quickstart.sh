#!/usr/bin/env bash
# The main job end to end: install what is needed, build, run the embedded quickstart scenario into
# results/joulebench.db and print its report. Extra arguments go to `joulebench run`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash harness/scripts/setup.sh
bash harness/scripts/build.sh
./build/harness/joulebench run "$@"
