#!/usr/bin/env bash
# The course's GPU tiers as one command, sized for ≤ 8 minutes on one H100/H200:
#   1. the capstone's `gpu` tier (python -m grouptools.nn.capstone --tier gpu; no new run starts after 250 s);
#   2. chapter 8's universality tier on S5 (python -m grouptools.nn.universality --tier gpu; MLP then Transformer,
#      3 seeds each, no new run starts after 100 s; its JSON is rewritten after every run);
#   3. the sequence-layer benchmark (forward/backward times, memory, FFT-convolution bandwidth vs the card's peak);
#   4. the capstone models' throughput against length (the efficiency half of Theorem 3).
# Usage, from the repository root:  bash benchmarks/gpu_tiers.sh [OUT_DIR]   (default benchmarks/results)
# It uses the machine's own python3 and torch (never installs torch) and finds grouptools through PYTHONPATH.
# Output: eight files (the device tool brings back at most eight): one log, a JSON and a PNG per benchmark, and
# chapter 8's JSON. The capstone's runs.jsonl (its resume log; every run is also in its JSON) is removed.
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
timeout 330 python3 -m grouptools.nn.capstone --tier gpu --budget 250 --out "$OUT"
rm -f "$OUT"/capstone_gpu_*.runs.jsonl
echo "capstone gpu tier: $(( $(date +%s) - start )) s wall"
mid=$(date +%s)
timeout 170 python3 -m grouptools.nn.universality --tier gpu --budget 100 --out "$OUT"
echo "chapter 8 universality gpu tier: $(( $(date +%s) - mid )) s wall"
timeout 60 python3 benchmarks/bench_sequence_layers.py --quick --out-dir "$OUT"
timeout 40 python3 benchmarks/bench_capstone.py --quick --out-dir "$OUT"
echo "all tiers: $(( $(date +%s) - start )) s wall"
} 2>&1 | tee "$LOG"
