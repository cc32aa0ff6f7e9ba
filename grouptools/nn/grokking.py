"""The recorded grokking runs behind chapter 8's claims: weight decay on and off, and S5 at the GPU configuration.

* On S4 (the CPU configuration of chapter 8) the MLP is trained from several seeds with
  weight decay 1 and with weight decay 0, and each run records when the training accuracy
  passed 99 % and the test accuracy 95 %, and the final accuracies.
* On S5 (the GPU configuration: 40 % of the table, embeddings 128, width 256) each seed
  trains until the test accuracy passes 95 % or a step budget runs out.

``python -m grouptools.nn.grokking`` writes ``benchmarks/results/grokking_cpu.json``.

Explained in Chapter 8, *Memorisation, then generalisation*.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence

from .. import named
from .group_learning import GroupMLP, fit_group_table, group_table_dataset

__all__ = ["CONFIGS", "grokking_run", "run_experiment", "main"]

#: Chapter 8's two configurations (the "small" one runs on a CPU, the "full" one on a GPU).
CONFIGS = {
    "S4": dict(train_fraction=0.6, d_embed=32, width=128, lr=1e-2, weight_decay=1.0, steps=3000, eval_every=50),
    "S5": dict(train_fraction=0.4, d_embed=128, width=256, lr=1e-2, weight_decay=1.0, steps=10000, eval_every=100),
}


def grokking_run(group: str, seed: int, *, weight_decay: float | None = None, steps: int | None = None,
                 stop_at_test_acc: float | None = None) -> dict:
    """Train chapter 8's MLP on ``group`` ("S4" or "S5") from ``seed`` (split and initialisation); return its milestones.

    Explained in Chapter 8, *Memorisation, then generalisation*.
    """
    import torch

    if group not in CONFIGS:
        raise ValueError(f"group must be one of {sorted(CONFIGS)}, not {group!r}")
    cfg = dict(CONFIGS[group])
    if weight_decay is not None:
        cfg["weight_decay"] = weight_decay
    if steps is not None:
        cfg["steps"] = steps
    G = named.symmetric(int(group[1:]))
    data = group_table_dataset(G, cfg["train_fraction"], seed=seed)
    torch.manual_seed(seed)
    model = GroupMLP(G.order, cfg["d_embed"], cfg["width"])
    t0 = time.perf_counter()
    fit = fit_group_table(model, data, cfg["steps"], lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                          eval_every=cfg["eval_every"], stop_at_test_acc=stop_at_test_acc)
    return dict(group=group, seed=int(seed), weight_decay=cfg["weight_decay"], steps=cfg["steps"],
                train_99=fit.first_step("train_acc", 0.99), test_95=fit.first_step("test_acc", 0.95),
                final_train_acc=fit.final["train_acc"], final_test_acc=fit.final["test_acc"],
                seconds=time.perf_counter() - t0)


def run_experiment(s4_seeds: Sequence[int], s5_seeds: Sequence[int], *, s5_steps: int = 6000,
                   log: Callable[[str], None] = print) -> dict:
    """S4 with weight decay 1 and 0 for every seed of ``s4_seeds``; S5 until 95 % test accuracy for ``s5_seeds``.

    Explained in Chapter 8, *Memorisation, then generalisation*.
    """
    runs = []
    for wd in (1.0, 0.0):
        for seed in s4_seeds:
            runs.append(grokking_run("S4", seed, weight_decay=wd))
            log(f"  S4 weight decay {wd}: seed {seed}: {runs[-1]}")
    for seed in s5_seeds:
        runs.append(grokking_run("S5", seed, steps=s5_steps, stop_at_test_acc=0.95))
        log(f"  S5: seed {seed}: {runs[-1]}")
    return dict(configs=CONFIGS, s5_steps=s5_steps, runs=runs)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.grokking [--s4-seeds 5] [--s5-seeds 3]``: the recorded run.

    Explained in Chapter 8, *Memorisation, then generalisation*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.grokking", description=__doc__.split("\n\n")[0])
    p.add_argument("--s4-seeds", type=int, default=5)
    p.add_argument("--s5-seeds", type=int, default=3)
    p.add_argument("--s5-steps", type=int, default=6000)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("grokking_cpu.json",
                   lambda: run_experiment(range(args.s4_seeds), range(args.s5_seeds), s5_steps=args.s5_steps), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
