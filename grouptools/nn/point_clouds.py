"""Rotation-invariant classification of 3-D point clouds: tetris pieces, invariant networks, an experiment with seeds.

The task: eight shapes of four unit cubes ("tetris" pieces in 3-D, the example e3nn uses),
given as their four cube centres with a little noise, in a random order, and rotated.
Two of the pieces are mirror images of each other, so a model invariant to all of O(3)
(rotations *and* reflections) cannot tell them apart, while one invariant to SO(3) only
can. The models:

* ``mlp``: an unconstrained MLP on the centred, flattened coordinates;
* ``mlp_augmented``: the same, trained on Haar-randomly rotated copies;
* ``invariant_o3``: a DeepSets network over ordered triples of points whose features are
  the three pairwise distances (invariant to O(3) and to the order of the points);
* ``invariant_so3``: the same with the signed volume det(x_j − x_i, x_k − x_i, c − x_i)
  added (c the centroid): invariant to SO(3), changed in sign by a reflection.

:func:`run_experiment` trains every model over several seeds, tests on Haar-rotated
shapes and on unrotated ones, measures each model's invariance error and counts its
parameters, and computes two reference points: chance (1/8) and the best an O(3)-invariant
rule can do (7/8: a mirror pair is a coin flip), with the accuracy of a rule that needs no
training at all (the nearest template by sorted pairwise distances). ``python -m
grouptools.nn.point_clouds`` writes the recorded run to ``benchmarks/results``.

Explained in Chapter 7, *An invariant network for point clouds*.
"""

from __future__ import annotations

import argparse
import itertools
import math
import time
from typing import Sequence

import torch
from torch import Tensor, nn

from .. import lie

__all__ = [
    "SHAPES",
    "MIRROR_PAIR",
    "MODELS",
    "tetris_batch",
    "triple_features",
    "PointMLP",
    "TripleDeepSets",
    "make_model",
    "train_model",
    "evaluate",
    "invariance_error",
    "template_accuracy",
    "run_experiment",
    "main",
]

F32 = torch.float32

#: The eight pieces, four cube centres each (the tetris example of e3nn's documentation).
SHAPES: dict[str, list[tuple[int, int, int]]] = {
    "chiral_1": [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, 1, 0)],
    "chiral_2": [(0, 0, 0), (0, 0, 1), (1, 0, 0), (1, -1, 0)],
    "square": [(0, 0, 0), (1, 0, 0), (0, 1, 0), (1, 1, 0)],
    "line": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 0, 3)],
    "corner": [(0, 0, 0), (0, 0, 1), (0, 1, 0), (1, 0, 0)],
    "L": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 0)],
    "T": [(0, 0, 0), (0, 0, 1), (0, 0, 2), (0, 1, 1)],
    "zigzag": [(0, 0, 0), (1, 0, 0), (1, 1, 0), (2, 1, 0)],
}
#: The two pieces that are mirror images of each other (class indices).
MIRROR_PAIR = (0, 1)
_TEMPLATES = torch.tensor(list(SHAPES.values()), dtype=F32)
_TEMPLATES = _TEMPLATES - _TEMPLATES.mean(1, keepdim=True)

#: Model names and what they are invariant to.
MODELS = {
    "mlp": "nothing (coordinates in, trained on unrotated shapes)",
    "mlp_augmented": "nothing built in; trained on Haar-rotated shapes",
    "invariant_o3": "rotations, reflections and the order of the points (distances only)",
    "invariant_so3": "rotations and the order of the points (distances and signed volumes)",
}


def tetris_batch(n: int, generator: torch.Generator, *, rotate: bool = True, noise: float = 0.05) -> tuple[Tensor, Tensor]:
    """``n`` noisy, centred, shuffled and (if ``rotate``) Haar-rotated pieces [n, 4, 3], and their labels [n].

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    if n < 1:
        raise ValueError(f"n must be positive, got {n}")
    labels = torch.randint(0, len(SHAPES), (n,), generator=generator)
    pts = _TEMPLATES[labels] + noise * torch.randn(n, 4, 3, generator=generator)
    order = torch.argsort(torch.rand(n, 4, generator=generator), dim=1)
    pts = torch.gather(pts, 1, order[..., None].expand(-1, -1, 3))
    pts = pts - pts.mean(1, keepdim=True)
    if rotate:
        R = lie.random_rotation(3, n, generator=generator).to(F32)
        pts = pts @ R.transpose(-1, -2)
    return pts, labels


_TRIPLES = torch.tensor(list(itertools.permutations(range(4), 3)))  # 24 ordered triples


def triple_features(points: Tensor, *, signed: bool) -> Tensor:
    """For every ordered triple (i, j, k) of the 4 points: |x_i − x_j|, |x_j − x_k|, |x_k − x_i| [and the signed volume].

    The signed volume is det(x_j − x_i, x_k − x_i, c − x_i) with c the centroid: unchanged by
    rotations, negated by reflections. Returns [B, 24, 3 or 4].

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    if points.ndim != 3 or points.shape[1:] != (4, 3):
        raise ValueError(f"points must have shape [B, 4, 3], got {tuple(points.shape)}")
    xi, xj, xk = (points[:, _TRIPLES[:, a]] for a in range(3))
    feats = [(xi - xj).norm(dim=-1), (xj - xk).norm(dim=-1), (xk - xi).norm(dim=-1)]
    if signed:
        c = points.mean(1, keepdim=True)
        feats.append(torch.linalg.det(torch.stack([xj - xi, xk - xi, c - xi], -1)) * 10)
    return torch.stack(feats, -1)


class PointMLP(nn.Module):
    """An MLP on the flattened coordinates of the 4 points (no symmetry built in).

    Explained in Chapter 7, *An invariant network for point clouds*.
    """

    def __init__(self, hidden: int = 64, n_classes: int = 8) -> None:
        super().__init__()
        self.net = nn.Sequential(nn.Linear(12, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, points: Tensor) -> Tensor:
        return self.net(points.reshape(points.shape[0], -1))


class TripleDeepSets(nn.Module):
    """ρ(Σ_triples φ(features of the triple)): invariant to the order of the points and to O(3) or SO(3).

    Explained in Chapter 7, *An invariant network for point clouds*.
    """

    def __init__(self, signed: bool, hidden: int = 64, n_classes: int = 8) -> None:
        super().__init__()
        self.signed = signed
        d = 4 if signed else 3
        self.phi = nn.Sequential(nn.Linear(d, hidden), nn.ReLU(), nn.Linear(hidden, hidden), nn.ReLU())
        self.rho = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, n_classes))

    def forward(self, points: Tensor) -> Tensor:
        return self.rho(self.phi(triple_features(points, signed=self.signed)).mean(1))


def make_model(name: str) -> nn.Module:
    """The model called ``name`` (one of :data:`MODELS`).

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    if name in ("mlp", "mlp_augmented"):
        return PointMLP()
    if name == "invariant_o3":
        return TripleDeepSets(signed=False)
    if name == "invariant_so3":
        return TripleDeepSets(signed=True)
    raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}")


def train_model(name: str, seed: int, *, steps: int = 1500, batch_size: int = 128, lr: float = 1e-2) -> nn.Module:
    """Train one model from ``seed``; the augmented MLP sees rotated shapes, the others unrotated ones.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    torch.manual_seed(seed)
    model = make_model(name)
    gen = torch.Generator().manual_seed(10_000 + seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(steps):
        x, y = tetris_batch(batch_size, gen, rotate=(name == "mlp_augmented"))
        loss = nn.functional.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


@torch.no_grad()
def evaluate(model: nn.Module, points: Tensor, labels: Tensor) -> float:
    """Accuracy of ``model`` on a batch.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    return float((model(points).argmax(-1) == labels).float().mean())


@torch.no_grad()
def invariance_error(model: nn.Module, points: Tensor, generator: torch.Generator, *, rotations: int = 4) -> float:
    """Mean over points and random rotations R of |f(Rx) − f(x)| / |f(x)| for the logits f.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    base = model(points)
    errs = []
    for _ in range(rotations):
        R = lie.random_rotation(3, generator=generator).to(F32)
        errs.append(((model(points @ R.T) - base).norm(dim=-1) / base.norm(dim=-1)).mean())
    return float(torch.stack(errs).mean())


def template_accuracy(points: Tensor, labels: Tensor) -> float:
    """A rule with no training: the template whose sorted pairwise distances are nearest. O(3)-invariant.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    def sorted_distances(p: Tensor) -> Tensor:
        d = torch.cdist(p, p)
        iu = torch.triu_indices(4, 4, 1)
        return d[:, iu[0], iu[1]].sort(-1).values

    ref = sorted_distances(_TEMPLATES)
    guess = torch.cdist(sorted_distances(points), ref).argmin(-1)
    return float((guess == labels).float().mean())


def run_experiment(seeds: Sequence[int], *, steps: int = 1500, n_test: int = 2000, models: Sequence[str] = tuple(MODELS),
                   log=print) -> dict:
    """Train every model of :data:`MODELS` from every seed; return accuracies, invariance errors, parameters, floors.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    from .capstone import mean_interval

    gen = torch.Generator().manual_seed(12345)
    test_rot = tetris_batch(n_test, gen, rotate=True)
    test_plain = tetris_batch(n_test, gen, rotate=False)
    runs = []
    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {sorted(MODELS)}")
    for name in models:
        for seed in seeds:
            t0 = time.perf_counter()
            model = train_model(name, seed, steps=steps)
            runs.append(dict(model=name, seed=int(seed), rotated=evaluate(model, *test_rot), unrotated=evaluate(model, *test_plain),
                             invariance_error=invariance_error(model, test_rot[0][:500], torch.Generator().manual_seed(seed)),
                             params=sum(p.numel() for p in model.parameters()), seconds=time.perf_counter() - t0))
            r = runs[-1]
            log(f"  {name:<14} seed {seed}: rotated {r['rotated']:.3f}, unrotated {r['unrotated']:.3f}, "
                f"invariance error {r['invariance_error']:.2g} ({r['seconds']:.1f} s)")
    summary = {}
    for name in models:
        rs = [r for r in runs if r["model"] == name]
        summary[name] = {key: mean_interval([r[key] for r in rs]) for key in ("rotated", "unrotated", "invariance_error")}
        summary[name]["params"] = rs[0]["params"]
    floors = {"chance": 1 / len(SHAPES), "o3_invariant_ceiling": 1 - 0.5 * len(MIRROR_PAIR) / len(SHAPES),
              "nearest_template_by_distances": template_accuracy(*test_rot)}
    return dict(config=dict(seeds=list(map(int, seeds)), steps=steps, n_test=n_test, batch_size=128, lr=1e-2, noise=0.05,
                            models=list(models)),
                runs=runs, summary=summary, floors=floors)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.point_clouds [--seeds 10] [--steps 1500] [--out DIR]``: the recorded run.

    Explained in Chapter 7, *An invariant network for point clouds*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.point_clouds", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--steps", type=int, default=1500)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("point_clouds_cpu.json", lambda: run_experiment(range(args.seeds), steps=args.steps), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
