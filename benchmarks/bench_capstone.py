"""Benchmark: Transformer, S4, S4D and hybrid models of matched size on the four capstone tasks.

Usage (from the repository root)::

    python benchmarks/bench_capstone.py            # full size, meant for a CUDA GPU
    python benchmarks/bench_capstone.py --small    # the CPU configuration of Chapter 9 (about a minute)

For every task (associative recall, multi-query associative recall, the word problem of a
group, parity with longer test sequences) and every architecture it trains a fresh,
parameter-matched model with :func:`grouptools.nn.sequence_models.train_on_task` and
records the test accuracy, the parameter count and the training time. It then times the
models at growing sequence lengths (tokens per second forward and forward+backward, the
S4 kernel separately from the FFT convolution) and reports the length from which S4 is
faster than attention, and the per-task verdict on source 000 §III Theorem 3,
η(hybrid) ≥ max(η(attention), η(S4)).

Results go to ``benchmarks/results/capstone_<device>[_small].json`` with a PNG next to it.

Explained in Chapter 9, *Throughput and scaling with length*.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import time
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import grouptools as gt  # noqa: E402
from grouptools.nn.sequence_models import (  # noqa: E402
    crossover_length,
    matched_models,
    scaling_sweep,
    theorem3_verdict,
    train_on_task,
)
from grouptools.nn.tasks import make_task  # noqa: E402
from grouptools.runtime import device_name  # noqa: E402

FULL = dict(
    models=["transformer", "s4", "s4d", "hybrid", "stacked", "parallel"],
    d_model=128, n_layers=4, d_state=64, steps=3000, batch_size=64, lr=1e-3, ssm_lr=1e-3, eval_every=250,
    recall=dict(vocab_size=20, seq_len=30), mqar=dict(vocab_size=256, seq_len=64, n_pairs=4),
    word_group="A5", word_len=32, parity_train=40, parity_test=256,
    lengths=[256, 512, 1024, 2048, 4096, 8192], tokens=32768, sweep_d_model=128, sweep_state=64, repeats=5,
)
SMALL = dict(
    models=["transformer", "s4", "s4d", "hybrid", "parallel"],
    d_model=32, n_layers=2, d_state=16, steps=100, batch_size=32, lr=1e-2, ssm_lr=3e-3, eval_every=40,
    recall=dict(vocab_size=12, seq_len=10), mqar=dict(vocab_size=16, seq_len=16, n_pairs=2),
    word_group="S3", word_len=8, parity_train=8, parity_test=32,
    lengths=[64, 128, 256, 512, 1024], tokens=2048, sweep_d_model=32, sweep_state=16, repeats=3,
)


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", name.lower()).strip("_")[:60]


def make_tasks(cfg: dict) -> dict:
    groups = {"A5": gt.alternating(5), "S3": gt.symmetric(3), "Z60": gt.cyclic(60)}
    return {
        "assoc_recall": make_task("assoc_recall", **cfg["recall"]),
        "mqar": make_task("mqar", **cfg["mqar"]),
        "word_problem": make_task("word_problem", group=groups[cfg["word_group"]], seq_len=cfg["word_len"]),
        "parity": make_task("parity", seq_len=cfg["parity_train"]),
    }


def plot(results: dict, rows: list[dict], cfg: dict, label: str, dev_name: str, path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    tasks = list(dict.fromkeys(t for t, _ in results))
    models = cfg["models"]
    fig, axes = plt.subplots(1, 3, figsize=(17, 4.6))
    width = 0.8 / len(models)
    for j, m in enumerate(models):
        axes[0].bar([i + j * width for i in range(len(tasks))], [results[t, m]["accuracy"] for t in tasks], width, label=m)
    axes[0].set_xticks([i + 0.4 - width / 2 for i in range(len(tasks))], tasks)
    axes[0].set(ylabel="test accuracy", ylim=(0, 1.05), title="Accuracy per task (matched parameters)")
    for m in ("transformer", "s4", "s4d", "hybrid"):
        rs = [r for r in rows if r["model"] == m]
        axes[1].plot([r["L"] for r in rs], [r["tokens_per_s_forward_backward"] for r in rs], "o-", label=m)
    axes[1].set(xscale="log", yscale="log", xlabel="sequence length L", ylabel="tokens / s (forward+backward)",
                title="Throughput vs length")
    rs = [r for r in rows if r["model"] == "s4"]
    axes[2].plot([r["L"] for r in rs], [r["kernel_ms"] for r in rs], "o-", label="S4 kernel")
    axes[2].plot([r["L"] for r in rs], [r["conv_ms"] for r in rs], "s--", label="FFT convolution")
    axes[2].set(xscale="log", yscale="log", xlabel="sequence length L", ylabel="time (ms)",
                title="One S4 layer: kernel vs convolution")
    for ax in axes:
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"Capstone benchmark ({label} configuration) — {dev_name}", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--device", default="auto", help="auto, cpu, cuda or cuda:N")
    p.add_argument("--small", action="store_true", help="the small CPU configuration of Chapter 9")
    p.add_argument("--steps", type=int, default=None, help="override the number of training steps")
    p.add_argument("--threads", type=int, default=None, help="torch CPU threads (default: 1 with --small, else all)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--out-dir", type=Path, default=ROOT / "benchmarks" / "results")
    args = p.parse_args(argv)

    device = torch.device(("cuda" if torch.cuda.is_available() else "cpu") if args.device == "auto" else args.device)
    cfg = SMALL if args.small else FULL
    cfg = dict(cfg, steps=args.steps or cfg["steps"])
    if device.type == "cpu":
        torch.set_num_threads(args.threads or (1 if args.small else os.cpu_count() or 1))
    gt.seed_everything(args.seed)
    dev_name = device_name(device)
    print(f"device: {dev_name} · torch {torch.__version__} · {'small' if args.small else 'full'} configuration", flush=True)

    tasks = make_tasks(cfg)
    test_length = {"parity": cfg["parity_test"]}
    results: dict = {}
    start = time.perf_counter()
    for tname, task in tasks.items():
        print(f"\n{tname}: {task.describe()}", flush=True)
        models, info = matched_models(
            cfg["models"], task.vocab_size, task.n_classes, d_model=cfg["d_model"], n_layers=cfg["n_layers"],
            d_state=cfg["d_state"], l_max=max(64, test_length.get(tname, task.seq_len)), seed=args.seed, device=device,
        )
        for mname, model in models.items():
            hist, final = train_on_task(
                model, task, steps=cfg["steps"], batch_size=cfg["batch_size"], lr=cfg["lr"], ssm_lr=cfg["ssm_lr"],
                eval_every=cfg["eval_every"], test_length=test_length.get(tname), seed=args.seed, device=device,
                progress=not args.small, desc=f"{tname}/{mname}",
            )
            results[tname, mname] = {
                **final, **info[mname], "seconds": hist.seconds, "history": hist.to_dict(), "chance": task.chance,
            }
            print(f"  {mname:<12} {info[mname]['params']:>8} params  loss {hist.loss[0]:.3f} → {hist.loss[-1]:.3f}  "
                  f"accuracy {final['accuracy']:.3f}  ({hist.seconds:.1f} s)", flush=True)
    train_seconds = time.perf_counter() - start

    print(f"\n{'task (chance)':<22}" + "".join(f"{m:>13}" for m in cfg["models"]))
    for tname, task in tasks.items():
        print(f"{tname + f' ({task.chance:.2f})':<22}" + "".join(f"{results[tname, m]['accuracy']:>13.3f}" for m in cfg["models"]))

    verdicts = []
    print("\nSource 000 §III Theorem 3, η(hybrid) ≥ max(η(transformer), η(s4)), per task (2 s.e. margin):")
    for tname in tasks:
        acc = {m: results[tname, m]["accuracy"] for m in cfg["models"]}
        n = {m: results[tname, m]["scored"] for m in cfg["models"]}
        for hybrid in [h for h in ("hybrid", "stacked", "parallel") if h in cfg["models"]]:
            v = {"task": tname, **theorem3_verdict(acc, n, hybrid=hybrid)}
            verdicts.append(v)
            print(f"  {tname:<13} {hybrid:<9} {v['hybrid_score']:.3f} vs {v['best_part']} {v['best_part_score']:.3f} → {v['verdict']}")

    print("\nthroughput sweep:", flush=True)
    rows = scaling_sweep(
        ["transformer", "s4", "s4d", "hybrid"], cfg["lengths"], d_model=cfg["sweep_d_model"], n_layers=2,
        tokens=cfg["tokens"], d_state=cfg["sweep_state"], device=device, repeats=cfg["repeats"],
    )
    for r in rows:
        extra = f"  kernel {r['kernel_ms']:.2f} ms  conv {r['conv_ms']:.2f} ms" if "kernel_ms" in r else ""
        print(f"  {r['model']:<12} L={r['L']:>5}  fwd {r['tokens_per_s_forward'] / 1e3:9.1f} ktok/s  "
              f"fwd+bwd {r['tokens_per_s_forward_backward'] / 1e3:9.1f} ktok/s{extra}")
    cross = {m: crossover_length(rows, m, "transformer") for m in ("s4", "s4d")}
    for m, L in cross.items():
        print(f"{m} is faster than the transformer (forward+backward) from L = {L} on" if L else f"{m} never overtakes the transformer in this sweep")

    result = {
        "device": dev_name,
        "device_type": device.type,
        "torch": torch.__version__,
        "threads": torch.get_num_threads(),
        "configuration": "small" if args.small else "full",
        "config": cfg,
        "seed": args.seed,
        "training_seconds": train_seconds,
        "results": [{"task": t, "model": m, **r} for (t, m), r in results.items()],
        "theorem3": verdicts,
        "throughput": rows,
        "crossover_length": cross,
    }
    args.out_dir.mkdir(parents=True, exist_ok=True)
    stem = args.out_dir / f"capstone_{slug(dev_name)}{'_small' if args.small else ''}"
    stem.with_suffix(".json").write_text(json.dumps(result, indent=1))
    plot(results, rows, cfg, result["configuration"], dev_name, stem.with_suffix(".png"))
    print(f"saved {stem.with_suffix('.json')} and {stem.with_suffix('.png')}")
    return result


if __name__ == "__main__":
    main()
