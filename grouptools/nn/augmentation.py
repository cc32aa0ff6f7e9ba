"""Invariance built in or learnt from data: chapter 5's C₄-invariant CNN, a plain CNN, and the plain CNN with augmentation.

:func:`run_c4_experiment` trains the three on upright letter shapes
(:func:`~grouptools.nn.equivariant_layers.shape_images`) over several seeds and training-set
sizes and tests them under the four quarter turns; ``python -m grouptools.nn.augmentation``
writes the recorded run to ``benchmarks/results/c4_cnn_cpu.json``.

Explained in Chapter 5, *An invariant model against a plain one*.
"""

from __future__ import annotations

import argparse
from typing import Any

import torch

from .equivariant_layers import C4InvariantCNN, PlainCNN, accuracy_under_action, shape_images, train_classifier

__all__ = ["C4_MODELS", "run_c4_experiment", "main"]

#: Models of :func:`run_c4_experiment`: name → (constructor from ``hidden``, whether training is augmented).
C4_MODELS: dict[str, tuple[Any, bool]] = {
    "c4_invariant": (lambda h: C4InvariantCNN(1, h, 4), False),
    "plain": (lambda h: PlainCNN(1, 4 * h, 4), False),
    "plain_augmented": (lambda h: PlainCNN(1, 4 * h, 4), True),
}


def run_c4_experiment(
    seeds: Any, n_trains: Any, *, steps: int = 150, batch_size: int = 32, hidden: int = 6, size: int = 12,
    n_test: int = 1000, log: Any = print,
) -> dict:
    """Chapter 5's three CNNs (C₄-invariant; plain; plain with C₄ augmentation) over seeds and training-set sizes.

    Every model trains on upright images (the augmented one turns each example by a random
    quarter turn) with the same steps and batch size, and is tested on the same test images
    under each of the four rotations. Records per run the four accuracies, their mean and
    minimum, the invariance error (mean over test images and the three non-trivial turns of
    |f(g·x) − f(x)| / |f(x)|) and the parameter count; the summary gives means with 95 %
    intervals over seeds.

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    from ..actions import rotation_action
    from .capstone import mean_interval

    rot = rotation_action()
    x_test, y_test = shape_images(n_test, size, seed=2)
    runs = []
    for n_train in n_trains:
        x_train, y_train = shape_images(n_train, size, seed=1)
        for name, (build, augmented) in C4_MODELS.items():
            for seed in seeds:
                torch.manual_seed(seed)
                model, _ = train_classifier(build(hidden), x_train, y_train, steps=steps, batch_size=batch_size, lr=1e-2,
                                            seed=seed, augment=rot if augmented else None)
                model = model.double().eval()
                xt = x_test.double()
                acc = accuracy_under_action(model, xt, y_test, rot)
                with torch.no_grad():
                    base = model(xt)
                    inv = float(torch.stack([((model(rot(g, xt)) - base).norm(dim=-1) / base.norm(dim=-1)).mean()
                                             for g in rot.group.elements[1:]]).mean())
                runs.append(dict(model=name, n_train=int(n_train), seed=int(seed), accuracy=acc, mean_accuracy=sum(acc) / 4,
                                 worst_accuracy=min(acc), invariance_error=inv, params=sum(p.numel() for p in model.parameters())))
                r = runs[-1]
                log(f"  n_train {n_train:>5} {name:<16} seed {seed}: mean accuracy {r['mean_accuracy']:.3f}, "
                    f"worst rotation {r['worst_accuracy']:.3f}, invariance error {inv:.2g}")
    summary = {
        f"{name}@{n}": {key: mean_interval([r[key] for r in runs if r["model"] == name and r["n_train"] == n])
                        for key in ("mean_accuracy", "worst_accuracy", "invariance_error")}
        for name in C4_MODELS for n in n_trains
    }
    return dict(config=dict(seeds=list(map(int, seeds)), n_trains=list(map(int, n_trains)), steps=steps, batch_size=batch_size,
                            hidden=hidden, size=size, n_test=n_test, lr=1e-2, chance=0.25),
                runs=runs, summary=summary)


def main(argv: Any = None) -> int:
    """``python -m grouptools.nn.augmentation [--seeds 5]``: the recorded run of :func:`run_c4_experiment`.

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.augmentation",
                                description="Chapter 5: C4-invariant vs plain vs augmented CNNs, recorded.")
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--n-trains", type=int, nargs="+", default=[100, 300, 1000, 3000])
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("c4_cnn_cpu.json", lambda: run_c4_experiment(range(args.seeds), args.n_trains), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
