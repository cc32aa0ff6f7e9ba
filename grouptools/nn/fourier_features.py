"""Invariance alone recovers the Fourier transform (after Marchetti, Hillar, Kragic and Sanborn 2024).

A signal x is a function on a finite group G (a vector indexed by element labels) and G acts
by the left regular representation, (g·x)(h) = x(g⁻¹h). A *quadratic* network has a unitary
|G|×|G| matrix W cut into blocks W_k of m rows each, and features φ_k(x) = ‖W_k x‖². It is
trained on one objective only: φ(g·x) = φ(x) for random signals and group elements. Nothing
in the loss mentions representations. Yet φ_k is invariant exactly when W_kᴴW_k commutes
with the action, that is, when the rows of W_k span a G-invariant subspace: a sum of
irreducible pieces. For an abelian group with m = 1 every block must be one character, so W
is the discrete Fourier transform up to the order and phases of its rows. The course's
Fourier transform measures how far a learned block is from that
(:func:`~grouptools.nn.interpret.irrep_fractions`).

* :func:`block_size` — a block size m for which the regular representation can be cut into
  invariant pieces of dimension m (1 for an abelian group);
* :class:`QuadraticInvariantNet` — the blocks, unitary through
  :func:`torch.nn.utils.parametrizations.orthogonal`; with ``average=True`` it is invariant *by
  construction* (averaged over G), whatever its weights;
* :func:`invariance_loss`, :func:`block_invariance`, :func:`train_invariant`;
* :func:`block_alignment` — each block's share in each real irrep, and its multiplicities;
* :func:`run_experiment` and ``python -m grouptools.nn.fourier_features`` — several groups ×
  seeds, trained against untrained and averaged models; written to
  ``benchmarks/results/fourier_features_cpu.json``.

Unequal block sizes (one block per irrep, of its degree) make training get stuck: a block can
settle on an invariant subspace of the wrong size and leave the rest no invariant room (we
measured losses stuck at 0.1–0.4 for ℤ₈ and S₄ that way). Equal blocks avoid that trap.

Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn
from torch.nn.utils import parametrizations

from .. import named
from ..characters import character_table
from ..groups import FiniteGroup
from .interpret import irrep_fractions, real_irreps

__all__ = [
    "block_size",
    "regular_permutations",
    "QuadraticInvariantNet",
    "block_invariance",
    "invariance_loss",
    "complex_signals",
    "train_invariant",
    "block_alignment",
    "GROUPS",
    "BLOCKS",
    "summarise_model",
    "summarise",
    "run_experiment",
    "main",
]


def _can_tile(pieces: list[int], m: int) -> bool:
    """Whether the multiset ``pieces`` splits into groups that each add up to m (depth-first search)."""
    pieces = sorted(pieces, reverse=True)
    bins: list[int] = []

    def place(i: int) -> bool:
        if i == len(pieces):
            return all(b == m for b in bins)
        tried = set()
        for j, b in enumerate(bins):
            if b + pieces[i] <= m and b not in tried:
                tried.add(b)
                bins[j] += pieces[i]
                if place(i + 1):
                    return True
                bins[j] -= pieces[i]
        if 0 not in tried:
            bins.append(pieces[i])
            if place(i + 1):
                return True
            bins.pop()
        return False

    return place(0)


def block_size(G: FiniteGroup, m: int | None = None) -> int:
    """A block size m such that ℂ[G] splits into G-invariant subspaces of dimension m.

    The regular representation contains each irrep of degree d exactly d times; blocks of size
    m exist when those pieces can be grouped into sets of total dimension m. By default the
    smallest such m that is at least the largest degree (1 for an abelian group). A given ``m``
    is checked, and ``ValueError`` says when no such splitting exists.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"block_size needs a FiniteGroup, not {type(G).__name__}")
    degrees = [int(d) for d in character_table(G).degrees]
    pieces = [d for d in degrees for _ in range(d)]
    candidates = [m] if m is not None else [k for k in range(max(degrees), G.order + 1) if G.order % k == 0]
    for k in candidates:
        if isinstance(k, bool) or int(k) != k or k <= 0:
            raise ValueError(f"the block size must be a positive integer, got {k!r}")
        if G.order % k == 0 and k >= max(degrees) and _can_tile(pieces, int(k)):
            return int(k)
    raise ValueError(
        f"the regular representation of {G.name} (irreps of degrees {degrees}, each d times) cannot be cut "
        f"into invariant subspaces of {'dimension ' + str(m) if m is not None else 'one common dimension'}"
    )


def regular_permutations(G: FiniteGroup) -> Tensor:
    """``idx[g]`` such that ``x[..., idx[g]]`` is g·x, i.e. (g·x)(h) = x(g⁻¹h); shape (|G|, |G|).

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    table = np.asarray(G.table)
    inv = G.inverses
    return torch.as_tensor(table[inv], dtype=torch.long)


class QuadraticInvariantNet(nn.Module):
    """A unitary |G|×|G| matrix W cut into blocks of ``m`` rows; features φ_k(x) = ‖W_k x‖².

    ``m`` defaults to :func:`block_size`. With ``average=True`` the features are averaged over
    the group, φ_k(x) = mean_g ‖W_k (g·x)‖²: invariant by construction, whatever the weights.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """

    def __init__(self, G: FiniteGroup, m: int | None = None, *, average: bool = False) -> None:
        super().__init__()
        self.m = block_size(G, m)
        self.order = G.order
        self.average = bool(average)
        self.register_buffer("perms", regular_permutations(G))
        self.linear = parametrizations.orthogonal(nn.Linear(G.order, G.order, bias=False, dtype=torch.complex128))

    @property
    def n_blocks(self) -> int:
        """|G| / m.

        Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
        """
        return self.order // self.m

    @property
    def weight(self) -> Tensor:
        """The unitary matrix whose consecutive row blocks are the W_k.

        Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
        """
        return self.linear.weight

    def features(self, x: Tensor) -> Tensor:
        """φ(x) for signals x of shape (batch, |G|) (complex, or real): shape (batch, |G|/m).

        Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
        """
        if x.ndim != 2 or x.shape[1] != self.order:
            raise ValueError(f"signals must have shape (batch, {self.order}), got {tuple(x.shape)}")
        xc = x.to(torch.complex128)
        if self.average:
            y = (self.linear(xc[:, self.perms]).abs() ** 2).mean(dim=1)  # every translate, then the mean
        else:
            y = self.linear(xc).abs() ** 2
        return y.reshape(x.shape[0], self.n_blocks, self.m).sum(dim=2)

    def forward(self, x: Tensor) -> Tensor:
        """Same as :meth:`features`.

        Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
        """
        return self.features(x)


def block_invariance(model: QuadraticInvariantNet, x: Tensor, g: Tensor) -> Tensor:
    """Per block k: mean (φ_k(g·x) − φ_k(x))² / mean φ_k(x)², shape (number of blocks,). Zero for an invariant block.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    gx = torch.gather(x, 1, model.perms[g])
    phi, phi_g = model(x), model(gx)
    return ((phi_g - phi) ** 2).mean(dim=0) / (phi**2).mean(dim=0)


def invariance_loss(model: QuadraticInvariantNet, x: Tensor, g: Tensor) -> Tensor:
    """The mean of :func:`block_invariance` over the blocks, for signals x (batch, |G|) and element labels g (batch,).

    Zero exactly when every feature is invariant on these signals; scale-free.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    return block_invariance(model, x, g).mean()


def complex_signals(batch: int, order: int, generator: torch.Generator) -> Tensor:
    """Standard complex Gaussian signals, shape (batch, order).

    Complex, not real: for real signals only the real part of W_kᴴW_k is seen, and it can commute
    with the action without W_kᴴW_k doing so (a block mixing the trivial and the sign irreps with
    a phase of i is invariant on real signals), so invariance would no longer force invariant
    subspaces.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    z = torch.randn(2, batch, order, generator=generator, dtype=torch.float64) / np.sqrt(2.0)
    return torch.complex(z[0], z[1])


def train_invariant(model: QuadraticInvariantNet, *, steps: int = 1500, batch: int = 256, lr: float = 3e-2,
                    seed: int = 0) -> list[float]:
    """Adam on :func:`invariance_loss` with fresh :func:`complex_signals` and uniform group elements each step.

    The learning rate follows a cosine from ``lr`` to 0: with a constant rate Adam keeps jittering
    once the gradient vanishes (we measured losses rising from 1e-30 back to 1e-7 over long runs).

    Returns the loss every step. Seeded by ``seed`` (a private generator, so the global state
    does not matter; the initial weights come from the global seed when the model is built).

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    gen = torch.Generator().manual_seed(int(seed))
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, int(steps))
    losses = []
    for _ in range(int(steps)):
        x = complex_signals(batch, model.order, gen)
        g = torch.randint(model.order, (batch,), generator=gen)
        loss = invariance_loss(model, x, g)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
    return losses


@torch.no_grad()
def block_alignment(G: FiniteGroup, model: QuadraticInvariantNet) -> dict[str, np.ndarray]:
    """For each block: its share in each real irrep, and the multiplicities those shares imply.

    ``shares[k, i]`` is the share of block W_k (the real and imaginary parts of its rows, as
    functions on G) in the i-th real irrep, from the group Fourier transform.
    ``multiplicity[k, i] = m · shares[k, i] / d_i`` (d_i the complex degree) counts how many
    irreducible pieces of that irrep the block holds: an integer for an invariant block.
    ``integrality`` is the largest distance of a multiplicity to the nearest integer, per block.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    W = model.weight.detach().cpu().numpy()
    m = model.m
    reals = real_irreps(G)
    degrees = np.array([r.degree for r in reals], dtype=float)
    shares = np.stack([irrep_fractions(G, np.concatenate([W[k:k + m].real, W[k:k + m].imag]).T)
                       for k in range(0, G.order, m)])
    mult = m * shares / degrees
    return {"shares": shares, "multiplicity": mult, "integrality": np.max(np.abs(mult - np.round(mult)), axis=1)}


#: The groups of the recorded run: two abelian (blocks of size 1) and three non-abelian ones.
GROUPS: dict[str, Callable[[], FiniteGroup]] = {
    "Z8": lambda: named.cyclic(8),
    "Z12": lambda: named.cyclic(12),
    "D6": lambda: named.dihedral(6),
    "Q8": named.quaternion,
    "S4": lambda: named.symmetric(4),
}

#: Block sizes per group: the smallest that tiles (see :func:`block_size`) and, for the non-abelian
#: groups, half the group (two blocks), where the search has fewer ways to get stuck.
BLOCKS: dict[str, list[int]] = {"Z8": [1], "Z12": [1], "D6": [2, 6], "Q8": [2, 4], "S4": [3, 12]}


def summarise_model(G: FiniteGroup, model: QuadraticInvariantNet, x: Tensor, g: Tensor) -> dict:
    """Invariance loss on the signals ``x`` moved by ``g``, and how Fourier-like the blocks are.

    ``block_loss`` and ``block_integrality`` (per block: :func:`block_invariance` and
    :func:`block_alignment`'s distance to whole multiplicities, 0 for an invariant block),
    ``integrality`` (the largest over blocks), ``single_irrep`` (the fraction of blocks with at
    least 99 % of their energy in one real irrep) and ``purity`` (the smallest such largest share).

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    al = block_alignment(G, model)
    top = al["shares"].max(axis=1)
    with torch.no_grad():
        per_block = block_invariance(model, x, g)
    return dict(invariance_loss=float(per_block.mean()), block_loss=per_block.tolist(),
                block_integrality=al["integrality"].tolist(), integrality=float(al["integrality"].max()),
                single_irrep=float(np.mean(top >= 0.99)), purity=float(top.min()),
                multiplicity=np.round(al["multiplicity"], 4).tolist())


def run_experiment(groups: Sequence[str], seeds: Sequence[int], *, steps: int = 4000,
                   log: Callable[[str], None] = print) -> dict:
    """For every group, block size in :data:`BLOCKS` and seed: the untrained model, the trained one, and the averaged one.

    All three start from the same weights; each is summarised by :func:`summarise_model` on
    512 fresh signals.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    runs = []
    for name, m in ((name, m) for name in groups for m in BLOCKS[name]):
        G = GROUPS[name]()
        for seed in seeds:
            torch.manual_seed(seed)
            model = QuadraticInvariantNet(G, m)
            averaged = QuadraticInvariantNet(G, m, average=True)
            averaged.load_state_dict(model.state_dict())
            gen = torch.Generator().manual_seed(10_000 + int(seed))
            x = complex_signals(512, G.order, gen)
            g = torch.randint(G.order, (512,), generator=gen)
            untrained = summarise_model(G, model, x, g)
            t0 = time.perf_counter()
            losses = train_invariant(model, steps=steps, seed=seed)
            seconds = time.perf_counter() - t0
            trained = summarise_model(G, model, x, g)
            runs.append(dict(group=name, seed=int(seed), block=model.m, steps=int(steps), seconds=seconds,
                             loss_curve=losses[::50] + [losses[-1]],
                             untrained=untrained, trained=trained, averaged=summarise_model(G, averaged, x, g)))
            log(f"  {name} m={m} seed {seed}: invariance loss {untrained['invariance_loss']:.3g} → {trained['invariance_loss']:.2g}, "
                f"integrality {untrained['integrality']:.3f} → {trained['integrality']:.4f}, "
                f"single-irrep blocks {trained['single_irrep']:.2f}, {seconds:.1f} s")
    return dict(groups=list(groups), seeds=[int(s) for s in seeds], steps=int(steps), runs=runs)


def summarise(record: dict, tol: float = 1e-6) -> dict[tuple[str, int], dict[str, Any]]:
    """Per (group, block size) of a recorded run: how often training reached invariance, and what the blocks look like.

    ``seeds``; ``reached`` (seeds whose trained invariance loss is below ``tol``); for each of
    ``untrained``, ``trained`` and ``averaged``: ``integrality`` (median over seeds of the
    largest distance to whole multiplicities); and over all trained blocks: ``invariant_blocks``
    (the fraction with block loss below ``tol``) and ``worst_invariant`` (the largest integrality
    distance among those blocks).

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    out: dict[tuple[str, int], dict[str, Any]] = {}
    for r in record["runs"]:
        out.setdefault((r["group"], r["block"]), {"runs": []})["runs"].append(r)
    for key, e in out.items():
        rs = e.pop("runs")
        e["seeds"] = len(rs)
        e["reached"] = sum(r["trained"]["invariance_loss"] < tol for r in rs)
        for kind in ("untrained", "trained", "averaged"):
            e[kind] = float(np.median([r[kind]["integrality"] for r in rs]))
        loss = np.array([x for r in rs for x in r["trained"]["block_loss"]])
        integ = np.array([x for r in rs for x in r["trained"]["block_integrality"]])
        e["invariant_blocks"] = float(np.mean(loss < tol))
        e["worst_invariant"] = float(integ[loss < tol].max()) if np.any(loss < tol) else None
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.fourier_features [--seeds 10] [--steps 4000]``: the recorded run.

    Explained in Chapter 8, *Invariance alone recovers the Fourier transform*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.fourier_features", description=__doc__.split("\n\n")[0])
    p.add_argument("--groups", nargs="+", default=list(GROUPS))
    p.add_argument("--seeds", type=int, default=10)
    p.add_argument("--steps", type=int, default=4000)
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("fourier_features_cpu.json", lambda: run_experiment(args.groups, range(args.seeds), steps=args.steps),
                   args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
