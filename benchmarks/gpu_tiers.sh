#!/usr/bin/env bash
# The course's GPU tiers as one command, sized for ≤ 8 minutes on one H100/H200:
#   1. the capstone's `gpu` tier (python -m grouptools.nn.capstone --tier gpu), new runs stop after 270 s;
#   2. the sequence-layer benchmark (forward/backward times, memory, FFT-convolution bandwidth vs the card's peak).
# Usage, from the repository root:  bash benchmarks/gpu_tiers.sh [OUT_DIR]   (default benchmarks/results)
# It uses the machine's own python3 and torch (never installs torch) and finds grouptools on PYTHONPATH.
# Chapter 7's GPU tier does not exist yet (issue 13); when it does, it is added here.
set -u
OUT=${1:-benchmarks/results}
mkdir -p "$OUT"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
python3 - <<'PY' | tee "$OUT/gpu_environment.txt"
import platform, torch
print("python", platform.python_version(), "torch", torch.__version__, "cuda", torch.version.cuda)
print("device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
PY
start=$(date +%s)
timeout 420 python3 -m grouptools.nn.capstone --tier gpu --out "$OUT" 2>&1 | tee "$OUT/capstone_gpu.log"
echo "capstone gpu tier: $(( $(date +%s) - start )) s wall"
timeout 100 python3 benchmarks/bench_sequence_layers.py --quick --out-dir "$OUT" 2>&1 | tee "$OUT/sequence_layers_gpu.log"
echo "all tiers: $(( $(date +%s) - start )) s wall"
