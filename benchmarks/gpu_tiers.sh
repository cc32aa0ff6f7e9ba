#!/usr/bin/env bash
# The course's GPU tiers as one command, sized for ≤ 8 minutes on one H100/H200:
#   1. the capstone's `gpu` tier (python -m grouptools.nn.capstone --tier gpu; no new run starts after 310 s);
#   2. the sequence-layer benchmark (forward/backward times, memory, FFT-convolution bandwidth vs the card's peak);
#   3. the capstone models' throughput against length (the efficiency half of Theorem 3).
# Usage, from the repository root:  bash benchmarks/gpu_tiers.sh [OUT_DIR]   (default benchmarks/results)
# It uses the machine's own python3 and torch (never installs torch) and finds grouptools through PYTHONPATH.
# Output: eight files (the device tool brings back at most eight): one log, and a JSON and a PNG per benchmark,
# plus the capstone's runs.jsonl. Chapter 8's GPU tier does not exist yet (issue 13); it will be added here.
set -u
OUT=${1:-benchmarks/results}
mkdir -p "$OUT"
LOG="$OUT/gpu_tiers.log"
export PYTHONUNBUFFERED=1 PYTHONPATH="$PWD${PYTHONPATH:+:$PYTHONPATH}"
{
python3 - <<'PY'
import platform, torch
print("python", platform.python_version(), "torch", torch.__version__, "cuda", torch.version.cuda)
print("device", torch.cuda.get_device_name(0) if torch.cuda.is_available() else "none")
PY
start=$(date +%s)
timeout 420 python3 -m grouptools.nn.capstone --tier gpu --out "$OUT"
echo "capstone gpu tier: $(( $(date +%s) - start )) s wall"
timeout 60 python3 benchmarks/bench_sequence_layers.py --quick --out-dir "$OUT"
timeout 40 python3 benchmarks/bench_capstone.py --quick --out-dir "$OUT"
echo "all tiers: $(( $(date +%s) - start )) s wall"
} 2>&1 | tee "$LOG"
