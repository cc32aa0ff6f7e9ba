"""Using the permutation symmetry of hidden units: weight matching and the loss barrier between two trained MLPs.

Two ReLU networks trained from different seeds usually sit in different "basins": the straight
line between their parameters passes through networks with a much higher loss. Part of that
barrier is an artefact of the symmetry of chapter 5: permuting the hidden units of one
network does not change its function but moves its parameters, and the two networks have no
reason to list their units in the same order. *Weight matching* (Ainsworth, Hayase and
Srinivasa 2023, "Git Re-Basin") chooses, layer by layer, the permutation of the second
network's units that best aligns its weights with the first's — a linear assignment problem,
solved here by ``scipy.optimize.linear_sum_assignment`` — and alternates over the layers until
nothing changes. The barrier is then measured again.

The task is generated in code: inputs x ~ N(0, I) in 16 dimensions, labelled by the argmax of
a fixed random ReLU "teacher" network with 10 outputs. ``python -m grouptools.nn.rebasin``
writes the recorded run (several seed pairs and widths) to ``benchmarks/results``.

Explained in Chapter 5, *Using the symmetry: aligning two networks*.
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .parameter_symmetries import mlp_hidden_transform, mlp_linear_layers, monomial_matrix

__all__ = [
    "CONFIG",
    "teacher_task",
    "make_mlp",
    "train_mlp",
    "permute_hidden",
    "weight_matching",
    "interpolate",
    "loss_curve",
    "barrier",
    "compare_pair",
    "run_experiment",
    "main",
]

#: The task and training configuration of the chapter and of the recorded run.
CONFIG = dict(inputs=16, classes=10, teacher_width=64, n_train=8192, n_test=4096, depth=2, steps=1500, batch_size=256,
              lr=1e-3, points=11)


def teacher_task(n: int, seed: int, *, inputs: int = CONFIG["inputs"], classes: int = CONFIG["classes"]) -> tuple[Tensor, Tensor]:
    """``n`` inputs x ~ N(0, I) of dimension ``inputs`` and labels argmax(ReLU(x W₁) W₂) of one fixed random teacher.

    The teacher is the same for every call (seeded apart); ``seed`` only draws the inputs.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    teacher = torch.Generator().manual_seed(999)
    W1 = torch.randn(inputs, CONFIG["teacher_width"], generator=teacher)
    W2 = torch.randn(CONFIG["teacher_width"], classes, generator=teacher)
    x = torch.randn(n, inputs, generator=torch.Generator().manual_seed(seed))
    return x, (torch.relu(x @ W1) @ W2).argmax(-1)


def make_mlp(width: int, seed: int, *, depth: int = CONFIG["depth"]) -> nn.Sequential:
    """A ReLU MLP inputs → width (× ``depth`` hidden layers) → classes, initialised from ``seed``.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    if isinstance(width, bool) or not isinstance(width, int) or width < 1:
        raise ValueError(f"width must be a positive integer, got {width!r}")
    torch.manual_seed(seed)
    layers: list[nn.Module] = []
    d = CONFIG["inputs"]
    for _ in range(depth):
        layers += [nn.Linear(d, width), nn.ReLU()]
        d = width
    layers.append(nn.Linear(d, CONFIG["classes"]))
    return nn.Sequential(*layers)


def train_mlp(width: int, seed: int, *, steps: int = CONFIG["steps"], depth: int = CONFIG["depth"]) -> nn.Sequential:
    """Train :func:`make_mlp` from ``seed`` with Adam on minibatches of the teacher task (data order seeded too).

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    model = make_mlp(width, seed, depth=depth)
    x, y = teacher_task(CONFIG["n_train"], seed=1)
    gen = torch.Generator().manual_seed(10_000 + seed)
    opt = torch.optim.Adam(model.parameters(), lr=CONFIG["lr"])
    for _ in range(steps):
        idx = torch.randint(x.shape[0], (CONFIG["batch_size"],), generator=gen)
        loss = F.cross_entropy(model(x[idx]), y[idx])
        opt.zero_grad()
        loss.backward()
        opt.step()
    return model.eval()


def permute_hidden(mlp: nn.Sequential, perms: Sequence[Sequence[int]]) -> nn.Sequential:
    """A copy of ``mlp`` with hidden unit i of hidden layer k moved to slot ``perms[k][i]``: the same function.

    Applies chapter 5's :func:`~grouptools.nn.parameter_symmetries.mlp_hidden_transform` with
    the permutation matrix :func:`~grouptools.nn.parameter_symmetries.monomial_matrix` of each layer.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    n_hidden = len(mlp_linear_layers(mlp)) - 1
    if len(perms) != n_hidden:
        raise ValueError(f"need one permutation per hidden layer ({n_hidden}), got {len(perms)}")
    out = mlp
    for k, perm in enumerate(perms):
        out = mlp_hidden_transform(out, k, monomial_matrix(list(perm), dtype=torch.float32))
    return out if out is not mlp else copy.deepcopy(mlp)


def weight_matching(a: nn.Sequential, b: nn.Sequential, *, max_rounds: int = 100, seed: int = 0) -> list[list[int]]:
    """Permutations of b's hidden units that align its weights with a's (Git Re-Basin's weight matching).

    For hidden layer k the permutation maximises Σ_i ⟨row i of a's incoming weights and bias,
    the matched row of b's⟩ + ⟨column i of a's outgoing weights, the matched column of b's⟩,
    with the neighbouring layers' current permutations applied to b; this is a linear
    assignment problem. The layers are visited in a seeded random order, round after round,
    until no permutation changes. Returns ``perms`` for :func:`permute_hidden` (b's unit i
    goes to slot ``perms[k][i]``).

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    from scipy.optimize import linear_sum_assignment

    A, B = mlp_linear_layers(a), mlp_linear_layers(b)
    if [m.weight.shape for m in A] != [m.weight.shape for m in B]:
        raise ValueError("the two MLPs must have the same layer shapes")
    n = len(A) - 1
    # sources[k][i] = which of b's units sits in slot i of layer k
    sources = [torch.arange(A[k].out_features) for k in range(n)]
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for _ in range(max_rounds):
            changed = False
            for k in torch.randperm(n, generator=gen).tolist():
                w_in = B[k].weight if k == 0 else B[k].weight[:, sources[k - 1]]
                w_out = B[k + 1].weight if k + 1 == n else B[k + 1].weight[sources[k + 1]]
                score = A[k].weight @ w_in.T + torch.outer(A[k].bias, B[k].bias) + A[k + 1].weight.T @ w_out
                _, cols = linear_sum_assignment(score.double().numpy(), maximize=True)
                new = torch.as_tensor(cols)
                changed |= not torch.equal(new, sources[k])
                sources[k] = new
            if not changed:
                break
    return [torch.argsort(s).tolist() for s in sources]


def interpolate(a: nn.Module, b: nn.Module, t: float) -> nn.Module:
    """The network with parameters (1 − t)·θ_a + t·θ_b (a copy of ``a``).

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    out = copy.deepcopy(a)
    with torch.no_grad():
        for p, pa, pb in zip(out.parameters(), a.parameters(), b.parameters(), strict=True):
            p.copy_((1 - t) * pa + t * pb)
    return out


@torch.no_grad()
def loss_curve(a: nn.Module, b: nn.Module, x: Tensor, y: Tensor, points: int = CONFIG["points"]) -> dict[str, list[float]]:
    """Cross-entropy and accuracy on (x, y) at ``points`` evenly spaced t ∈ [0, 1] along the line from a to b.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    ts = [i / (points - 1) for i in range(points)]
    losses, accs = [], []
    for t in ts:
        logits = interpolate(a, b, t)(x)
        losses.append(float(F.cross_entropy(logits, y)))
        accs.append(float((logits.argmax(-1) == y).float().mean()))
    return {"t": ts, "loss": losses, "accuracy": accs}


def barrier(losses: Sequence[float]) -> float:
    """max over the evenly spaced points of L(t) − ((1 − t) L(0) + t L(1)): the height above the chord.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    if len(losses) < 2:
        raise ValueError("need the loss at two or more points")
    n = len(losses) - 1
    return max(losses[i] - ((1 - i / n) * losses[0] + i / n * losses[-1]) for i in range(n + 1))


def compare_pair(width: int, seeds: tuple[int, int], *, steps: int = CONFIG["steps"]) -> dict:
    """Train two MLPs and measure the barrier naively, after weight matching, and after a random permutation (a control).

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    a, b = train_mlp(width, seeds[0], steps=steps), train_mlp(width, seeds[1], steps=steps)
    x, y = teacher_task(CONFIG["n_test"], seed=2)
    perms = weight_matching(a, b)
    gen = torch.Generator().manual_seed(seeds[1])
    shuffled = [torch.randperm(width, generator=gen).tolist() for _ in perms]
    curves = {"naive": loss_curve(a, b, x, y), "weight_matching": loss_curve(a, permute_hidden(b, perms), x, y),
              "random_permutation": loss_curve(a, permute_hidden(b, shuffled), x, y)}
    moved = sum(sum(1 for i, p in enumerate(perm) if p != i) for perm in perms)
    return dict(width=width, seeds=list(seeds), curves=curves, barrier={k: barrier(c["loss"]) for k, c in curves.items()},
                units_moved=moved, units=width * len(perms))


def run_experiment(widths: Sequence[int], pairs: int, *, steps: int = CONFIG["steps"], log: Callable[[str], None] = print) -> dict:
    """:func:`compare_pair` for every width and ``pairs`` seed pairs (2i, 2i + 1); barriers summarised with intervals.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    from .capstone import mean_interval

    runs = []
    for width in widths:
        for i in range(pairs):
            t0 = time.perf_counter()
            r = compare_pair(width, (2 * i, 2 * i + 1), steps=steps)
            r["seconds"] = time.perf_counter() - t0
            runs.append(r)
            log(f"  width {width:>4} seeds {r['seeds']}: barrier naive {r['barrier']['naive']:.3f}, "
                f"matched {r['barrier']['weight_matching']:.3f}, random permutation {r['barrier']['random_permutation']:.3f} "
                f"({r['seconds']:.0f} s)")
    summary = {
        str(w): {k: mean_interval([r["barrier"][k] for r in runs if r["width"] == w]) for k in runs[0]["barrier"]}
        for w in widths
    }
    return dict(config=dict(CONFIG, steps=steps, widths=list(widths), pairs=pairs), runs=runs, summary=summary)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.rebasin [--pairs 5] [--widths 16 64 256] [--out DIR]``: the recorded run.

    Explained in Chapter 5, *Using the symmetry: aligning two networks*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.rebasin", description=__doc__.split("\n\n")[0])
    p.add_argument("--pairs", type=int, default=5)
    p.add_argument("--widths", type=int, nargs="+", default=[16, 64, 256])
    p.add_argument("--steps", type=int, default=CONFIG["steps"])
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("rebasin_cpu.json", lambda: run_experiment(args.widths, args.pairs, steps=args.steps), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
