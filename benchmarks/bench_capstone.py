"""Benchmark: throughput of the capstone's models against sequence length (the efficiency half of Theorem 3).

Usage (from the repository root)::

    python benchmarks/bench_capstone.py            # device auto-detected; the CPU sizes on a CPU
    python benchmarks/bench_capstone.py --quick    # fewer lengths and repeats

Times parameter-matched Transformer, S4, S4D and interleaved hybrid models (two layers) at a
constant number of tokens per batch, forward and forward+backward, the S4 kernel separately
from the FFT convolution, and reports the length from which S4 is faster than attention and
whether the hybrid is at least as fast as each of its parts (source 000 §III, Theorem 3's
"equivalent or superior efficiency"). Accuracy is measured by the capstone's tiers
(``python -m grouptools.nn.capstone``), not here.

Results go to ``benchmarks/results/capstone_throughput_<device>.json`` (with the device,
library versions, git commit and configuration) and a PNG next to it.

Explained in Chapter 10, *Throughput and scaling with length*.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grouptools.nn.capstone import device_slug, provenance  # noqa: E402
from grouptools.nn.sequence_models import crossover_length, scaling_sweep  # noqa: E402

MODELS = ["transformer", "s4", "s4d", "hybrid"]
CPU = dict(lengths=[64, 128, 256, 512, 1024], tokens=2048, d_model=32, d_state=16, repeats=5)
GPU = dict(lengths=[256, 512, 1024, 2048, 4096, 8192], tokens=32768, d_model=128, d_state=64, repeats=5)


def efficiency_verdict(rows: list[dict], hybrid: str = "hybrid", parts: tuple[str, ...] = ("transformer", "s4")) -> dict:
    """Per length, is the hybrid at least as fast (forward+backward tokens/s) as every part? Refuted at any length where it is not.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    per_length = {}
    for L in sorted({r["L"] for r in rows}):
        t = {r["model"]: r["tokens_per_s_forward_backward"] for r in rows if r["L"] == L}
        per_length[L] = {"hybrid": t[hybrid], **{p: t[p] for p in parts}, "slower_than": [p for p in parts if t[hybrid] < t[p]]}
    slower = [L for L, v in per_length.items() if v["slower_than"]]
    return {"per_length": per_length, "lengths_where_slower": slower, "verdict": "refuted" if slower else "not refuted"}


def plot(rows: list[dict], title: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for m in MODELS:
        rs = [r for r in rows if r["model"] == m]
        axes[0].plot([r["L"] for r in rs], [r["tokens_per_s_forward_backward"] for r in rs], "o-", label=m)
    rs = [r for r in rows if r["model"] == "s4"]
    axes[1].plot([r["L"] for r in rs], [r["kernel_ms"] for r in rs], "o-", label="S4 kernel")
    axes[1].plot([r["L"] for r in rs], [r["conv_ms"] for r in rs], "s--", label="FFT convolution")
    axes[0].set(xscale="log", yscale="log", xlabel="sequence length L (tokens per batch fixed)",
                ylabel="tokens / s (forward+backward)", title="Models of matched size")
    axes[1].set(xscale="log", yscale="log", xlabel="sequence length L", ylabel="time (ms)", title="One S4 layer")
    for ax in axes:
        ax.set_xticks([r["L"] for r in rs], [str(r["L"]) for r in rs])
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--quick", action="store_true", help="three lengths, three repeats")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1, as in the chapter)")
    p.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    a = p.parse_args(argv)
    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if a.device == "auto" else a.device)
    if device.type == "cpu":
        torch.set_num_threads(a.threads)
    cfg = dict(CPU if device.type == "cpu" else GPU)
    if a.quick:
        cfg.update(lengths=cfg["lengths"][:3], repeats=3)
    prov = provenance(str(device), threads=torch.get_num_threads())
    print(f"device: {prov['device']} · torch {prov['torch']} · {cfg}", flush=True)
    rows = scaling_sweep(MODELS, cfg["lengths"], d_model=cfg["d_model"], n_layers=2, tokens=cfg["tokens"],
                         d_state=cfg["d_state"], device=device, repeats=cfg["repeats"])
    for r in rows:
        extra = f"  kernel {r['kernel_ms']:.2f} ms  conv {r['conv_ms']:.2f} ms" if "kernel_ms" in r else ""
        print(f"  {r['model']:<12} L={r['L']:>5}  fwd {r['tokens_per_s_forward'] / 1e3:9.1f} ktok/s  "
              f"fwd+bwd {r['tokens_per_s_forward_backward'] / 1e3:9.1f} ktok/s{extra}")
    cross = {m: crossover_length(rows, m, "transformer") for m in ("s4", "s4d")}
    eff = efficiency_verdict(rows)
    print(f"S4 faster than the Transformer from L = {cross['s4']}; hybrid ≥ both parts in speed: {eff['verdict']} "
          f"(slower at L = {eff['lengths_where_slower']})")
    result = {"provenance": prov, "config": cfg, "models": MODELS, "throughput": rows, "crossover_length": cross,
              "efficiency": eff}
    a.out_dir.mkdir(parents=True, exist_ok=True)
    stem = a.out_dir / f"capstone_throughput_{device_slug(prov['device'])}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1) + "\n")
    plot(rows, f"Throughput, two layers of width {cfg['d_model']}, {cfg['tokens']} tokens per batch — {prov['device']}",
         stem.with_suffix(".png"))
    print(f"saved {stem.with_suffix('.json')} and {stem.with_suffix('.png')}")
    return result


if __name__ == "__main__":
    main()
