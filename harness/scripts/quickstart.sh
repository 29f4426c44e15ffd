#!/usr/bin/env bash
# The main job end to end: install what is needed, build, run the embedded quickstart scenario into
# results/joulebench.db (its per-cell summary is printed), then print a fleet report for that run with the example
# fleet profile (reports/examples/image-api-us.json). Extra arguments go to `joulebench run`.
set -euo pipefail
cd "$(dirname "$0")/../.."
bash harness/scripts/setup.sh
bash harness/scripts/build.sh
./build/harness/joulebench run "$@"
echo
./build/harness/joulebench report --run latest --fleet reports/examples/image-api-us.json
