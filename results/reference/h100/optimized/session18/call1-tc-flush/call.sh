#!/usr/bin/env bash
# Device call 1 (session 18): the tensor-core forms' accumulator flush and pre-split tiles. Three binaries: old
# (3c70485: each warp splits the operands it reads; the mma accumulators carry the whole depth), flush (the products
# of each depth step summed from zero, then added to the fp32 sums), new (flush, and the tiles stored already split
# into tf32 parts). A: igemm_64x32x16_4x4_tc forced on every layer of ResNet-50 batch 32 (3x3 and 1x1 convolutions,
# the classifier) and checked against the reference, per binary. B: the three forced plans alternate, 2 rounds of two
# 6 s repetitions. VARIANTS (default "old flush new"), ROUNDS and ABLATION_MAX_S (the ablation's MAX_SECONDS)
# shorten it.
set -u
export LD_LIBRARY_PATH=$PWD/.carry/lib CI=1
SECONDS=0
O=$OUT; rm -rf /tmp/jb-*  # written straight into $OUT: whatever ran comes back
nvidia-smi --query-gpu=name,uuid,driver_version,power.limit,clocks.max.sm,temperature.gpu,power.draw --format=csv > $O/gpu.txt 2>&1
F=igemm_64x32x16_4x4_tc
declare -A BIN=([old]=.carry/jb_old [flush]=.carry/jb_flush [new]=.carry/joulebench)
V=(${VARIANTS:-old flush new})
for v in "${V[@]}"; do
  JOULEBENCH_CACHE_DIR=/tmp/jb-ablation-f$v timeout 90 ${BIN[$v]} check resnet50 --engine opencl-optimized --batch 32 \
    --option conv_kernel=$F --option matmul_kernel=$F --tolerance 1e-6 --seed 34 > $O/check_forced_$v.txt 2>&1
  echo "check forced $v exit $? at $SECONDS s"; grep -E "NMSE|rror" $O/check_forced_$v.txt | head -3
done
cat > $O/forced.json <<JSON
{"name": "ablation-resnet50-b32-forced-tc", "description": "opencl-optimized, ResNet-50 batch 32, one tensor-core form on every layer", "model": {"builtin": "resnet50"}, "engine_options": {"opencl-optimized": {"conv_kernel": "$F", "matmul_kernel": "$F"}}, "engines": ["opencl-optimized"], "batch_sizes": [32],
 "load": {"mode": "offline", "warmup_s": 1, "warmup_queries": 3, "min_duration_s": 6, "min_queries": 10, "repetitions": 2},
 "meters": "auto", "idle": {"enabled": true, "settle_s": 1, "duration_s": 3}, "device": {"type": "gpu"}}
JSON
.carry/joulebench run $O/forced.json --validate > /dev/null || { echo "forced.json invalid"; exit 2; }
specs=(); for v in "${V[@]}"; do specs+=(f$v=${BIN[$v]}); done
MAX_SECONDS=${ABLATION_MAX_S:-200} bash harness/scripts/gpu-ablation.sh $O/forced ${ROUNDS:-2} $O/forced.json "${specs[@]}"
echo "forced ablation done at $SECONDS s"
gzip $O/forced/*.db
echo "done at $SECONDS s"
