#!/usr/bin/env bash
# Same-card ablation: variants of joulebench (revisions, or one binary with different scenario files) run the same
# scenario on one machine, alternating, ROUNDS times, each variant with its own cache folder (its first round builds
# cold, later rounds hit its plan cache). Lent cards differ by more than most changes, and a card's energy per
# inference drifts up as it warms (+4 % in five minutes on an H100), so compare variants only within one such call,
# and every other round runs the variants in reverse order (A B, B A, A B, ...) so the drift does not favour the
# variant that always goes first.
# Usage: gpu-ablation.sh OUT_DIR ROUNDS SCENARIO NAME=BINARY[@SCENARIO] [NAME=BINARY[@SCENARIO] ...]
#   e.g. gpu-ablation.sh "$OUT" 2 abl.json old=.carry/ablation/joulebench-7e3a9a4 new=.carry/joulebench
#        gpu-ablation.sh "$OUT" 3 off.json off=.carry/joulebench on=.carry/joulebench@on.json
# Writes OUT_DIR/abl_NAME.db and log_NAME_ROUND.txt, prints every repetition and, at the end, the means per variant
# and batch (ablation_summary.py). MAX_SECONDS (default 480) stops starting new runs after that many seconds.
set -uo pipefail
out=$1 rounds=$2 scenario=$3
shift 3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$out"
SECONDS=0
variants=("$@")
for round in $(seq 1 "$rounds"); do
  order=("${variants[@]}")
  if (( round % 2 == 0 )); then
    order=()
    for (( i = ${#variants[@]} - 1; i >= 0; i-- )); do order+=("${variants[i]}"); done
  fi
  for spec in "${order[@]}"; do
    name=${spec%%=*} rest=${spec#*=}
    bin=${rest%%@*} scen=$scenario
    [[ $rest == *@* ]] && scen=${rest#*@}
    if (( SECONDS > ${MAX_SECONDS:-480} )); then echo "stopping at $SECONDS s (MAX_SECONDS)"; break 2; fi
    JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-$name timeout 300 "$bin" run "$scen" --db "$out/abl_$name.db" \
      > "$out/log_${name}_$round.txt" 2>&1
    echo "== $name round $round: exit $? at $SECONDS s"
    grep -E "prepared in|rep [0-9]+/[0-9]+:" "$out/log_${name}_$round.txt" | sed 's/, p99[^,]*//; s/(integrated).*//'
  done
done
shopt -s nullglob; dbs=("$out"/abl_*.db); (( ${#dbs[@]} )) && python3 "$here/ablation_summary.py" "${dbs[@]}"
