#!/usr/bin/env bash
# Device call 5 (session 12): the final code (69a79a4: timing_window_us 2000) on BERT-base against opencl-baseline in one call
# (scenarios/optimized-bert.json, cold build).
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1 JOULEBENCH_CACHE_DIR=/tmp/jb-bert
SECONDS=0
O=/tmp/s12o5; rm -rf $O /tmp/jb-bert; mkdir -p $O
nvidia-smi --query-gpu=name,driver_version,power.limit,clocks.max.sm,temperature.gpu --format=csv > $O/gpu.txt 2>&1
timeout 500 .carry/joulebench run scenarios/optimized-bert.json --db $O/bert.db > $O/log_bert.txt 2>&1
echo "bert exit $? at $SECONDS s"; grep -E "prepared in|rep [0-9]/[0-9]" $O/log_bert.txt | sed 's/, p99[^,]*//; s/(integrated).*//'
python3 harness/scripts/ablation_summary.py $O/bert.db
python3 harness/scripts/summarize_run.py $O/bert.db > $O/bert_summary.json
gzip $O/*.db; tar czf $OUT/call5.tar.gz -C $O .
echo "done at $SECONDS s"
