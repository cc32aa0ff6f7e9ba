"""The universality question: which irreps do networks trained on a group's table use, how often, and in what order?

Chughtai, Chan and Nanda (2023) read the logits of a network trained on group
composition as a sum of *circuits*, one per irrep ρ: logits(a, b, c) ≈
Σ_ρ tr(M_ρ ρ(a·b·c⁻¹)). The functions (a, b, c) ↦ F(a·b·c⁻¹), F in the isotypic
component of ρ (the span of the matrix entries of ρ), form a subspace of dimension
d_ρ² of all functions on G³; this module projects logits onto those subspaces.

* :class:`LogitCircuits` — for one group: the projection of a logit table L[a, b, c]
  (centred over c, which softmax ignores) onto the circuit subspace of each real irrep.
  Averaging L over the |G|² triples with a·b·c⁻¹ = g gives a function F on G; its
  isotypic parts F_ρ give the circuit components F_ρ(a·b·c⁻¹). From them:
  :meth:`~LogitCircuits.shares` (fraction of the centred logits' squared norm in each
  circuit), :meth:`~LogitCircuits.restricted` (only some circuits kept) and
  :meth:`~LogitCircuits.excluded` (those circuits removed) — the *restricted* and
  *excluded* losses of Nanda et al. (2023) and Chughtai et al. (2023);
* :func:`neuron_irreps` — for the MLP, the irrep share of each hidden neuron's input
  from the left embedding, so that neurons can be clustered by irrep;
* :func:`coset_fractions` — the reading of Stander, Yu, Fan and Biderman (2023): how
  much of a function on G (a neuron's input) is constant on the left or right cosets of
  one subgroup, for the best subgroup, beside the share a random function would have;
* :func:`universality_run` — train one model (``"mlp"`` or ``"transformer"``) on one
  group from one seed and record train/test curves, circuit shares at every evaluation,
  the circuits the run uses, when each appeared, the restricted and excluded losses
  through training, per-circuit ablations, embedding shares and (MLP) neuron clusters;
* :func:`run_experiment` and the CLI ``python -m grouptools.nn.universality`` — the
  recorded run of Chapter 8 (several groups × both architectures × many seeds),
  written to ``benchmarks/results/universality_cpu.json``.

Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable, Sequence
from functools import cached_property
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from .. import named
from ..groups import FiniteGroup
from ..subgroups import _coset_ids, all_subgroups
from .group_learning import GroupMLP, GroupTransformer, fit_group_table, group_table_dataset, table_logits
from .interpret import irrep_fractions, product_with_inverse, project_irreps, real_irreps

__all__ = [
    "LogitCircuits",
    "irrep_projectors",
    "neuron_irreps",
    "neuron_inputs",
    "coset_fractions",
    "GROUPS",
    "CONFIGS",
    "USED_SHARE",
    "used_circuits",
    "progress_measures",
    "circuit_labels",
    "real_dimensions",
    "summarise",
    "universality_run",
    "run_experiment",
    "main",
]

#: A circuit counts as *used* by a run when it carries at least this share of the final centred logits.
USED_SHARE = 0.05


def irrep_projectors(G: FiniteGroup) -> np.ndarray:
    """The orthogonal projections onto the isotypic components of G's real irreps, shape (r, |G|, |G|).

    ``P[i] @ f`` is the part of a function f on G (a vector indexed by element labels)
    in the span of the matrix entries of the i-th :func:`~grouptools.nn.interpret.real_irreps`;
    the projections are symmetric, idempotent, mutually orthogonal and sum to the identity.

    Explained in Chapter 8, *Circuits in the logits, through training*.
    """
    eye = np.eye(G.order)
    return np.stack([project_irreps(G, eye, [i]) for i in range(len(real_irreps(G)))])


def _fractions_by_column(P: np.ndarray, E: np.ndarray) -> np.ndarray:
    """shares[i, k]: fraction of column k of E in isotypic component i (columns of zero norm give NaN)."""
    energy = np.einsum("igh,hk->igk", P, E)
    energy = np.sum(energy * E[None], axis=1)
    total = np.sum(E**2, axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        return energy / total


class LogitCircuits:
    """The circuit decomposition of logit tables L[a, b, c] for one finite group G.

    Explained in Chapter 8, *Circuits in the logits, through training*.
    """

    def __init__(self, G: FiniteGroup) -> None:
        if not isinstance(G, FiniteGroup):
            raise TypeError(f"LogitCircuits needs a FiniteGroup, not {type(G).__name__}")
        self.group = G
        self.irreps = real_irreps(G)
        self.projectors = irrep_projectors(G)
        self._abc = product_with_inverse(G).reshape(-1)

    @property
    def order(self) -> int:
        """|G|.

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        return self.group.order

    def _centred(self, logits: Any) -> np.ndarray:
        n = self.order
        L = np.asarray(logits, dtype=np.float64)
        if L.shape != (n, n, n):
            raise ValueError(f"logits must have shape ({n}, {n}, {n}) = (a, b, c) for {self.group.name}, got {L.shape}")
        if not np.all(np.isfinite(L)):
            raise ValueError("logits contain NaN or infinite entries")
        return L - L.mean(axis=2, keepdims=True)

    def components(self, logits: Any) -> np.ndarray:
        """F_ρ for every real irrep ρ, shape (r, |G|): the circuit part of L is Σ_ρ F_ρ(a·b·c⁻¹).

        F(g) is the mean of the centred logits over the |G|² triples with a·b·c⁻¹ = g (the
        orthogonal projection onto functions of a·b·c⁻¹), and F_ρ its isotypic part.

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        L = self._centred(logits)
        n = self.order
        Fg = np.bincount(self._abc, weights=L.reshape(-1), minlength=n) / n**2
        return self.projectors @ Fg

    def shares(self, logits: Any) -> np.ndarray:
        """The fraction of the centred logits' squared norm in each irrep's circuit (sums to at most 1).

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        L = self._centred(logits)
        total = float(np.sum(L**2))
        if total == 0.0:
            raise ValueError("the centred logits are zero: the circuit shares are undefined")
        comps = self.components(L)
        return self.order**2 * np.sum(comps**2, axis=1) / total

    def _circuits(self, logits: Any, which: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
        idx = [int(i) for i in which]
        for i in idx:
            if not 0 <= i < len(self.irreps):
                raise ValueError(f"{self.group.name} has {len(self.irreps)} real irreps (0..{len(self.irreps) - 1}), got {i}")
        L = self._centred(logits)
        comps = self.components(L)
        Fk = comps[idx].sum(axis=0) if idx else np.zeros(self.order)
        n = self.order
        return L, Fk[self._abc].reshape(n, n, n)

    def restricted(self, logits: Any, keep: Sequence[int]) -> np.ndarray:
        """Only the circuits of the irreps ``keep``: Σ_{ρ ∈ keep} F_ρ(a·b·c⁻¹), shape (|G|, |G|, |G|).

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        return self._circuits(logits, keep)[1]

    def excluded(self, logits: Any, remove: Sequence[int]) -> np.ndarray:
        """The centred logits with the circuits of the irreps ``remove`` subtracted.

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        L, part = self._circuits(logits, remove)
        return L - part

    def loss(self, logits: Any, pairs: Any = None) -> dict[str, float]:
        """Cross-entropy and accuracy of a logit table against the true products, on ``pairs`` (flat a·|G|+b indices; all by default).

        Explained in Chapter 8, *Circuits in the logits, through training*.
        """
        n = self.order
        L = np.asarray(logits, dtype=np.float64).reshape(n * n, n)
        target = np.asarray(self.group.table, dtype=np.int64).reshape(-1)
        idx = np.arange(n * n) if pairs is None else np.asarray(pairs, dtype=np.int64)
        L, target = torch.as_tensor(L[idx]), torch.as_tensor(target[idx])
        top = L.max(dim=1, keepdim=True).values
        hits = (L == top).double()
        acc = float((hits[torch.arange(len(idx)), target] / hits.sum(dim=1)).mean())
        return {"loss": float(F.cross_entropy(L, target)), "acc": acc}


def neuron_irreps(G: FiniteGroup, model: GroupMLP, projectors: np.ndarray | None = None) -> np.ndarray:
    """Irrep shares of each hidden neuron's input from the left factor, shape (r, width).

    Neuron n of :class:`~grouptools.nn.GroupMLP` receives f_n(a) + h_n(b) before its ReLU,
    with f_n(a) = (W_left E_left(a))_n; column n of the result splits ‖f_n‖² over the
    isotypic components. A neuron *belongs* to the irrep with the largest share.

    Explained in Chapter 8, *Neurons cluster by irrep*.
    """
    if not isinstance(model, GroupMLP):
        raise TypeError(f"neuron_irreps reads a GroupMLP, not {type(model).__name__}")
    if model.order != G.order:
        raise ValueError(f"the model has {model.order} outputs but {G.name} has {G.order} elements")
    P = irrep_projectors(G) if projectors is None else projectors
    return _fractions_by_column(P, neuron_inputs(model))


def neuron_inputs(model: GroupMLP) -> np.ndarray:
    """The |G|×width matrix whose column n is f_n(a) = (W_left E_left(a))_n, neuron n's input from the left factor.

    Explained in Chapter 8, *Neurons cluster by irrep*.
    """
    E = model.embed_left.weight.detach().cpu().double().numpy()
    W = model.hidden.weight.detach().cpu().double().numpy()[:, : model.d_embed]
    return E @ W.T


def coset_fractions(G: FiniteGroup, E: Any, subgroups: Sequence[Sequence[int]] | None = None, *,
                    threshold: float = 0.95) -> dict[str, np.ndarray]:
    """For each column f of E (rows indexed by elements): the largest subgroup H on whose cosets f is constant.

    f is first centred (its mean removed). For a proper subgroup 1 < H < G and a side
    (left cosets gH or right cosets Hg), the *coset fraction* is the share of ‖f‖² kept by
    averaging f over each coset: the orthogonal projection onto functions constant on
    those cosets. A larger H has fewer cosets, so constancy on its cosets says more.
    Returned, one entry per column: ``order`` (|H| of the largest subgroup whose coset
    fraction reaches ``threshold``, on either side; if none does, of the subgroup with the
    best fraction), its ``fraction``, ``side`` (0 left, 1 right), ``subgroup`` (an index into
    ``subgroups``, the proper non-trivial subgroups compared, as sorted lists of labels) and
    ``baseline`` (([G:H] − 1)/(|G| − 1), the fraction a random function has on average for that H).

    Explained in Chapter 8, *Cosets or irreps?*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"coset_fractions needs a FiniteGroup, not {type(G).__name__}")
    n = G.order
    X = np.asarray(E, dtype=np.float64)
    if X.ndim == 1:
        X = X[:, None]
    if X.ndim != 2 or X.shape[0] != n:
        raise ValueError(f"E must have one row per element of {G.name}: shape ({n}, k), got {np.shape(E)}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    X = X - X.mean(axis=0)
    total = np.sum(X**2, axis=0)
    subs = [list(h) for h in (all_subgroups(G) if subgroups is None else subgroups) if 1 < len(h) < n]
    if not subs:
        raise ValueError(f"{G.name} has no subgroup strictly between the trivial group and itself")
    k = X.shape[1]
    subs = sorted(subs, key=len)
    best, order, side = np.full(k, -1.0), np.zeros(k, dtype=np.int64), np.zeros(k, dtype=np.int64)
    which = np.zeros(k, dtype=np.int64)
    reached = np.zeros(k, dtype=bool)
    for j, H in enumerate(subs):
        for sd, name in enumerate(("left", "right")):
            ids = _coset_ids(G, H, name)
            sums = np.zeros((int(ids.max()) + 1, k))
            np.add.at(sums, ids, X)
            with np.errstate(invalid="ignore", divide="ignore"):
                frac = np.sum(sums**2, axis=0) / len(H) / total
            hit = frac >= threshold
            # a subgroup reaching the threshold beats any smaller one; among equals the higher fraction wins
            better = np.where(hit, ~reached | (len(H) > order) | (frac > best), ~reached & (frac > best))
            best[better], order[better], side[better], which[better] = frac[better], len(H), sd, j
            reached |= hit
    best[total == 0] = np.nan
    return {"fraction": best, "order": order, "side": side, "baseline": (n / order - 1) / (n - 1),
            "subgroup": which, "subgroups": subs}


#: The groups of the recorded run (name → constructor).
GROUPS: dict[str, Callable[[], FiniteGroup]] = {
    "Z24": lambda: named.cyclic(24),
    "D12": lambda: named.dihedral(12),
    "S4": lambda: named.symmetric(4),
    "A5": lambda: named.alternating(5),
    "S5": lambda: named.symmetric(5),
}

#: Per architecture: the model size, optimiser and evaluation interval, an optional early stop
#: (test accuracy at which training ends), and per group the fraction of the table trained on and
#: the step budget. Chosen by measurement on one CPU thread: the MLP generalises on all four groups
#: within 3000 steps; the Transformer needs 80 % of the table and lr 3e-3 (at 60 %, or at lr 1e-3,
#: it memorised S4 but had not generalised after 5000 steps) and is too slow on A5 for this budget.
CONFIGS: dict[str, dict[str, Any]] = {
    "mlp": dict(model=dict(d_embed=32, width=128), lr=1e-2, weight_decay=1.0, eval_every=50, stop_at_test_acc=None,
                groups={"Z24": (0.6, 3000), "D12": (0.6, 3000), "S4": (0.6, 3000), "A5": (0.5, 3000)}),
    "transformer": dict(model=dict(d_model=32, n_heads=2, mlp_ratio=2), lr=3e-3, weight_decay=1.0, eval_every=100,
                        stop_at_test_acc=0.99,
                        groups={"Z24": (0.8, 10000), "D12": (0.8, 10000), "S4": (0.8, 10000)}),
}


#: The GPU tier: S5 at the scale of Chughtai et al.'s smaller runs (40 % of the table, embeddings 128,
#: width 256), the MLP first, then the Transformer; no new run starts after the tier's time budget.
GPU_CONFIGS: dict[str, dict[str, Any]] = {
    "mlp": dict(model=dict(d_embed=128, width=256), lr=1e-2, weight_decay=1.0, eval_every=100, stop_at_test_acc=0.99,
                groups={"S5": (0.4, 6000)}),
    "transformer": dict(model=dict(d_model=128, n_heads=4, mlp_ratio=4), lr=1e-3, weight_decay=1.0, eval_every=250,
                        stop_at_test_acc=0.99, groups={"S5": (0.4, 20000)}),
}


def _make_model(arch: str, order: int, cfg: dict) -> torch.nn.Module:
    if arch == "mlp":
        return GroupMLP(order, **cfg["model"])
    if arch == "transformer":
        return GroupTransformer(order, **cfg["model"])
    raise ValueError(f"arch must be 'mlp' or 'transformer', not {arch!r}")


def _first_reaching(steps: Sequence[int], values: Sequence[float], level: float) -> int | None:
    for s, v in zip(steps, values):
        if v >= level:
            return int(s)
    return None


def universality_run(group: str, arch: str, seed: int, *, steps: int | None = None,
                     configs: dict[str, dict[str, Any]] | None = None, device: Any = None) -> dict:
    """Train one model on one group's table from one seed and record what the universality question needs.

    ``seed`` fixes the train/test split and the initialisation. Returned (JSON-ready):
    the milestones (train accuracy ≥ 99 %, test accuracy ≥ 95 %), final accuracies,
    ``eval_steps`` with the test accuracy and the circuit shares of each real irrep at every
    evaluation, the ``used`` irreps (final circuit share ≥ :data:`USED_SHARE`), the step each
    used circuit first reached half its final share (``appeared``), the restricted loss
    (only the used circuits, on all pairs) and the excluded loss (used circuits removed, on
    the training pairs) at every evaluation, the test accuracy with each circuit removed from
    the final logits, the final embedding shares and, for the MLP, each neuron's irrep.

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    configs = CONFIGS if configs is None else configs
    if group not in GROUPS:
        raise ValueError(f"group must be one of {sorted(GROUPS)}, not {group!r}")
    if arch not in configs:
        raise ValueError(f"arch must be one of {sorted(configs)}, not {arch!r}")
    cfg = configs[arch]
    if group not in cfg["groups"]:
        raise ValueError(f"the {arch} is not configured for {group}: configured for {sorted(cfg['groups'])}")
    fraction, budget = cfg["groups"][group]
    steps = budget if steps is None else steps
    G = GROUPS[group]()
    circuits = LogitCircuits(G)
    data = group_table_dataset(G, fraction, seed=seed)
    torch.manual_seed(seed)
    model = _make_model(arch, G.order, cfg).to(torch.device(device) if device is not None else "cpu")
    snapshots: list[np.ndarray] = []

    def observe(m: torch.nn.Module) -> None:
        snapshots.append(table_logits(m, G.order).astype(np.float32))

    t0 = time.perf_counter()
    fit = fit_group_table(model, data, steps, lr=cfg["lr"], weight_decay=cfg["weight_decay"],
                          eval_every=cfg["eval_every"], on_eval=observe,
                          stop_at_test_acc=cfg["stop_at_test_acc"])
    seconds = time.perf_counter() - t0
    measures = progress_measures(circuits, snapshots, data)
    shares = measures["shares"]
    final = shares[-1]
    used = measures["used"]
    test_pairs = data.test_idx.cpu().numpy()
    restricted, excluded = measures["restricted_loss"], measures["excluded_loss"]
    ablations = {circuits.irreps[i].name: circuits.loss(circuits.excluded(snapshots[-1], [i]), test_pairs)["acc"]
                 for i in range(1, len(circuits.irreps))}
    emb = {k: irrep_fractions(G, E).tolist() for k, E in model.group_embeddings().items()}
    out = dict(
        group=group, arch=arch, seed=int(seed), train_fraction=fraction, steps=int(fit.eval_steps[-1]),
        train_99=fit.first_step("train_acc", 0.99), test_95=fit.first_step("test_acc", 0.95),
        final_train_acc=fit.final["train_acc"], final_test_acc=fit.final["test_acc"],
        eval_steps=[int(s) for s in fit.eval_steps], test_acc=[float(a) for a in fit.test_acc],
        train_loss=[float(x) for x in fit.train_loss], test_loss=[float(x) for x in fit.test_loss],
        irreps=[r.name for r in circuits.irreps], degrees=[r.degree for r in circuits.irreps],
        circuit_shares=np.round(shares, 5).tolist(), used=[circuits.irreps[i].name for i in used],
        appeared={circuits.irreps[i].name: _first_reaching(fit.eval_steps, shares[:, i], final[i] / 2) for i in used},
        restricted_loss=restricted, excluded_loss=excluded, ablated_test_acc=ablations,
        embedding_shares=emb, seconds=seconds,
    )
    if isinstance(model, GroupMLP):
        model = model.cpu()
        inputs = neuron_inputs(model)
        nshares = neuron_irreps(G, model, circuits.projectors)
        norms = np.linalg.norm(inputs, axis=0)
        alive = norms > 1e-3 * norms.max()
        top = np.argmax(np.nan_to_num(nshares), axis=0)
        cos = coset_fractions(G, inputs)

        def per_alive(values: Any) -> list:
            return [v if a else None for v, a in zip(values, alive)]

        out["neurons"] = dict(
            alive=int(alive.sum()), width=int(len(alive)),
            irrep=per_alive([circuits.irreps[i].name for i in top]),
            purity=per_alive([float(nshares[i, k]) for k, i in enumerate(top)]),
            coset_fraction=per_alive([float(f) for f in cos["fraction"]]),
            coset_order=per_alive([int(o) for o in cos["order"]]),
            coset_side=per_alive([("left", "right")[int(sd)] for sd in cos["side"]]),
            coset_baseline=per_alive([float(b) for b in cos["baseline"]]),
        )
    return out


def used_circuits(final_shares: Sequence[float] | np.ndarray, threshold: float = USED_SHARE) -> list[int]:
    """Indices of the non-trivial irreps whose circuit carries at least ``threshold`` of the final centred logits.

    Explained in Chapter 8, *Circuits in the logits, through training*.
    """
    s = np.asarray(final_shares, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"final_shares must be one share per real irrep, got shape {s.shape}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    return [i for i in range(1, len(s)) if s[i] >= threshold]


def progress_measures(circuits: LogitCircuits, snapshots: Sequence[Any], data: Any,
                      used: Sequence[int] | None = None) -> dict[str, Any]:
    """Circuit shares, restricted loss and excluded loss at every snapshot of the logits.

    ``snapshots`` are logit tables (|G|, |G|, |G|) recorded through training (for instance with
    ``fit_group_table(..., on_eval=...)``) and ``data`` the :class:`~grouptools.nn.GroupTableData`
    trained on. ``used`` defaults to :func:`used_circuits` of the last snapshot. The *restricted
    loss* keeps only the used circuits (on all pairs); the *excluded loss* removes them and is
    measured on the training pairs, where memorised answers could still be read: it rises once the
    network relies on the circuits (Nanda et al. 2023).

    Explained in Chapter 8, *Circuits in the logits, through training*.
    """
    if not snapshots:
        raise ValueError("progress_measures needs at least one snapshot of the logits")
    shares = np.array([circuits.shares(L) for L in snapshots])
    used = used_circuits(shares[-1]) if used is None else [int(i) for i in used]
    train_pairs = data.train_idx.cpu().numpy()
    restricted = [circuits.loss(circuits.restricted(L, used))["loss"] for L in snapshots]
    excluded = [circuits.loss(circuits.excluded(L, used), train_pairs)["loss"] for L in snapshots]
    return {"shares": shares, "used": used, "restricted_loss": restricted, "excluded_loss": excluded}


def circuit_labels(G: FiniteGroup) -> list[str]:
    """Readable labels of G's real irreps: for a cyclic group ``"k=…"``, the frequency k with χ(1) = 2cos(2πk/n)
    (cyclic groups as built by :func:`grouptools.cyclic`, generator 1); otherwise the name with the degree, ``"ρ₃ (3)"``.

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    reals = real_irreps(G)
    n = G.order
    cyclic = G.name == f"Z{n}" and n > 1
    out = []
    for r in reals:
        if cyclic:
            x = float(r.character[1 % n]) / len(r.members)
            out.append(f"k={int(round(n * np.arccos(np.clip(x, -1.0, 1.0)) / (2 * np.pi)))}")
        else:
            out.append(f"{r.name} ({r.degree})")
    return out


def real_dimensions(G: FiniteGroup) -> list[int]:
    """The dimension of each real irrep as a real representation: d (indicator +1), 2d (a pair ρ, ρ̄, or quaternionic).

    For ℤ_n the frequencies k ≠ 0, n/2 are 2-dimensional rotations of the plane; the sign is 1-dimensional.

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    return [r.degree if r.indicator == 1 else 2 * r.degree for r in real_irreps(G)]


def summarise(record: dict) -> dict[tuple[str, str], dict[str, Any]]:
    """Per (architecture, group) of a recorded run: how many seeds generalised, and what the generalising ones used.

    Keys of each entry: ``runs``, ``grokked`` (test accuracy ≥ 95 % within the budget),
    ``median_step`` (of reaching it), ``labels`` (:func:`circuit_labels`), ``degrees``,
    ``used`` (for each real irrep, in how many grokked runs its circuit was used),
    ``n_used`` (circuits per grokked run), ``restricted`` and ``excluded`` (final losses of the
    grokked runs), ``appearance`` (irrep index → the steps at which its circuit appeared, over the
    grokked runs using it), ``dims`` (:func:`real_dimensions`), ``degree_order`` (over pairs of used
    circuits of different real dimensions in one run that appeared at different steps: how many times
    the lower-dimensional one came first, and how many times later); for the MLP also ``pure_neurons`` (share of live neurons with ≥ 90 % of
    their input in one irrep), ``coset_neurons`` (share with coset fraction ≥ 0.95) and
    ``coset_orders`` (|H| → number of such neurons) and ``coset_irreps`` (|H| → {dominant irrep label →
    number of those neurons}, with |H| = 0 for the neurons that are not coset neurons).

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    out: dict[tuple[str, str], dict[str, Any]] = {}
    for arch in record["archs"]:
        for group in record["groups"]:
            rs = [r for r in record["runs"] if r["arch"] == arch and r["group"] == group]
            if not rs:
                continue
            grok = [r for r in rs if r["test_95"] is not None]
            names = rs[0]["irreps"]
            entry: dict[str, Any] = dict(
                runs=len(rs), grokked=len(grok),
                median_step=float(np.median([r["test_95"] for r in grok])) if grok else None,
                labels=circuit_labels(GROUPS[group]()), degrees=rs[0]["degrees"],
                dims=real_dimensions(GROUPS[group]()),
                used=[sum(name in r["used"] for r in grok) for name in names],
                n_used=[len(r["used"]) for r in grok],
                restricted=[r["restricted_loss"][-1] for r in grok],
                excluded=[r["excluded_loss"][-1] for r in grok],
                appearance={i: [r["appeared"][name] for r in grok if name in r["appeared"]]
                            for i, name in enumerate(names) if i > 0},
            )
            first = later = 0
            deg = dict(zip(names, real_dimensions(GROUPS[group]())))
            for r in grok:
                ap = list(r["appeared"].items())
                for x, (a, sa) in enumerate(ap):
                    for b, sb in ap[x + 1:]:
                        if deg[a] != deg[b] and sa != sb:
                            first += (deg[a] < deg[b]) == (sa < sb)
                            later += (deg[a] < deg[b]) != (sa < sb)
            entry["degree_order"] = (first, later)
            if arch == "mlp" and grok:
                neurons = [(p, f, o, names.index(i)) for r in grok
                           for p, f, o, i in zip(r["neurons"]["purity"], r["neurons"]["coset_fraction"],
                                                 r["neurons"]["coset_order"], r["neurons"]["irrep"]) if p is not None]
                pur, frac, orders, dom = (np.array(x) for x in zip(*neurons))
                entry["pure_neurons"] = float(np.mean(pur >= 0.9))
                entry["coset_neurons"] = float(np.mean(frac >= 0.95))
                counts = np.unique(orders[frac >= 0.95], return_counts=True)
                entry["coset_orders"] = {int(o): int(c) for o, c in zip(*counts)}
                h = np.where(frac >= 0.95, orders, 0)
                entry["coset_irreps"] = {int(o): {entry["labels"][i]: int(np.sum((h == o) & (dom == i)))
                                                  for i in np.unique(dom[h == o])} for o in np.unique(h)}
            out[(arch, group)] = entry
    return out


def _run_one(args: tuple) -> dict:
    group, arch, seed, steps, configs = args
    torch.set_num_threads(1)
    return universality_run(group, arch, seed, steps=steps, configs=configs)


def run_experiment(groups: Sequence[str], archs: Sequence[str], seeds: Sequence[int], *, steps: int | None = None,
                   workers: int = 1, configs: dict[str, dict[str, Any]] | None = None, device: Any = None,
                   budget_s: float | None = None, log: Callable[[str], None] = print,
                   on_run: Callable[[dict], None] | None = None) -> dict:
    """Every (group, architecture, seed) of ``configs`` (default :data:`CONFIGS`).

    On the CPU the runs go to ``workers`` processes of one thread each. With ``device`` (a GPU)
    they run one after the other in this process, and after the first none starts once ``budget_s``
    seconds have passed; the runs that did not start are listed under ``skipped``. ``on_run``, if
    given, receives the result so far (same keys as the return value) after every finished run, so
    that a caller can save partial results that survive an outside time limit.

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    configs = CONFIGS if configs is None else configs
    jobs = [(g, a, int(s), steps, configs) for a in archs for g in groups for s in seeds if g in configs[a]["groups"]]
    runs: list[dict] = []
    skipped: list[list] = []

    def result() -> dict:
        return dict(configs=configs, used_share=USED_SHARE, groups=list(groups), archs=list(archs),
                    seeds=[int(s) for s in seeds], runs=runs, skipped=skipped)

    def finished(r: dict) -> None:
        runs.append(r)
        log(_summary(r))
        if on_run is not None:
            on_run(result())

    start = time.perf_counter()
    if device is not None or workers <= 1:
        for job in jobs:
            if budget_s is not None and runs and time.perf_counter() - start > budget_s:
                skipped.append(list(job[:3]))
                continue
            g, a, s, st, cf = job
            finished(universality_run(g, a, s, steps=st, configs=cf, device=device))
    else:
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        with ProcessPoolExecutor(max_workers=workers, mp_context=mp.get_context("spawn")) as pool:
            for r in pool.map(_run_one, jobs):
                finished(r)
    return result()


def _summary(r: dict) -> str:
    return (f"  {r['arch']:11s} {r['group']:4s} seed {r['seed']:2d}: test acc {r['final_test_acc']:.3f} "
            f"(≥95 % at {r['test_95']}), used {r['used']}, {r['seconds']:.1f} s")


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.universality [--tier cpu|gpu] [--seeds N] [--workers 2]``: the recorded runs.

    ``--tier cpu`` (default) writes ``universality_cpu.json``; ``--tier gpu`` trains S5 on the
    GPU (:data:`GPU_CONFIGS`, 3 seeds, no new run after ``--budget`` seconds) and writes
    ``universality_gpu_<card>.json``.

    Explained in Chapter 8, *Universality: many groups, seeds and two architectures*.
    """
    import json
    from pathlib import Path

    from .capstone import RESULTS, device_slug, provenance, record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.universality", description=__doc__.split("\n\n")[0])
    p.add_argument("--tier", choices=["cpu", "gpu"], default="cpu")
    p.add_argument("--groups", nargs="+", default=None)
    # the slow Transformer runs first on the CPU, so that the workers finish at about the same time
    p.add_argument("--archs", nargs="+", default=None)
    p.add_argument("--seeds", type=int, default=None)
    p.add_argument("--steps", type=int, default=None, help="override every step budget (for a quick check)")
    p.add_argument("--workers", type=int, default=2)
    p.add_argument("--budget", type=float, default=100.0, help="gpu tier: seconds after which no new run starts")
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    if args.tier == "cpu":
        record_cpu_run("universality_cpu.json",
                       lambda: run_experiment(args.groups or ["S4", "D12", "Z24", "A5"], args.archs or ["transformer", "mlp"],
                                              range(args.seeds or 10), steps=args.steps, workers=args.workers),
                       args.out)
        return 0
    if not torch.cuda.is_available():
        p.error("the gpu tier needs a CUDA device")
    prov = provenance("cuda")
    t0 = time.perf_counter()
    out = Path(args.out or RESULTS) / f"universality_gpu_{device_slug(prov['device'])}.json"
    out.parent.mkdir(parents=True, exist_ok=True)

    def save(res: dict, complete: bool) -> None:  # after every run, so that an outside timeout keeps what finished
        res = dict(res, complete=complete, provenance=dict(prov, wall_seconds=round(time.perf_counter() - t0, 1)))
        out.write_text(json.dumps(res, indent=1) + "\n")

    res = run_experiment(args.groups or ["S5"], args.archs or ["mlp", "transformer"], range(args.seeds or 3),
                         steps=args.steps, configs=GPU_CONFIGS, device="cuda", budget_s=args.budget,
                         on_run=lambda partial: save(partial, complete=False))
    save(res, complete=True)
    print(f"wrote {out} ({time.perf_counter() - t0:.0f} s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
