"""Learning a group's multiplication table: the data set, two small models, and a fit helper.

The task of Chughtai, Chan and Nanda (2023): the input is a pair (a, b) of group
elements, the target is the label of the product a·b. The |G|² pairs of the Cayley
table are split once, with a seeded permutation, into a training part and a held-out
test part; the models see only the training part.

* :func:`group_table_dataset` — the seeded split, as a :class:`GroupTableData`;
* :class:`GroupMLP` — separate embeddings of a and b, concatenated, one ReLU hidden
  layer, an unembedding to |G| logits (the architecture of Chughtai et al.);
* :class:`GroupTransformer` — one pre-norm Transformer block on the sequence
  ``a b =``, read out at ``=``;
* :func:`fit_group_table` — full-batch AdamW with the shared trainer
  :func:`grouptools.nn.training.train`, recording train and test loss and accuracy;
  :func:`plot_learning_curves` draws them;
* :class:`CharacterModel` — a hand-built "network" that runs the character algorithm
  with one real irrep, the planted model the analysis is tested on.

Both models expose the embeddings the analysis of :mod:`grouptools.nn.interpret`
reads (:meth:`GroupMLP.group_embeddings`) and a way to overwrite the input
embeddings in place (:meth:`GroupMLP.map_group_embeddings`) for ablations.

Explained in Chapter 8, *Learning a multiplication table*.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..groups import FiniteGroup
from .attention import TransformerBlock
from .tasks import argmax_credit
from .training import TrainHistory, train

__all__ = [
    "GroupTableData",
    "group_table_dataset",
    "GroupMLP",
    "GroupTransformer",
    "GroupFit",
    "fit_group_table",
    "evaluate_split",
    "table_logits",
    "CharacterModel",
    "plot_learning_curves",
]


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


@dataclass
class GroupTableData:
    """The |G|² examples (a, b) → a·b of a group's table and a seeded train/test split.

    ``a``, ``b``, ``c`` are ``LongTensor`` s of length |G|², in the order
    pair index = a·|G| + b, with c the label of the product a·b; ``train_idx`` and
    ``test_idx`` are disjoint sorted index tensors whose union is every pair.
    :meth:`split` returns ``(a, b, c)`` restricted to one part.

    Explained in Chapter 8, *Learning a multiplication table*.
    """

    group: FiniteGroup
    train_fraction: float
    seed: int
    a: Tensor
    b: Tensor
    c: Tensor
    train_idx: Tensor
    test_idx: Tensor

    @property
    def order(self) -> int:
        """|G|, the number of classes.

        Explained in Chapter 8, *Learning a multiplication table*.
        """
        return self.group.order

    def split(self, name: str) -> tuple[Tensor, Tensor, Tensor]:
        """``(a, b, c)`` of the ``"train"``, ``"test"`` or ``"all"`` pairs.

        Explained in Chapter 8, *Learning a multiplication table*.
        """
        if name == "train":
            idx = self.train_idx
        elif name == "test":
            idx = self.test_idx
        elif name == "all":
            return self.a, self.b, self.c
        else:
            raise ValueError(f"split must be 'train', 'test' or 'all', not {name!r}")
        return self.a[idx], self.b[idx], self.c[idx]

    def to(self, device: Any) -> "GroupTableData":
        """A copy with every tensor on ``device``.

        Explained in Chapter 8, *Learning a multiplication table*.
        """
        return GroupTableData(
            self.group, self.train_fraction, self.seed,
            *(t.to(device) for t in (self.a, self.b, self.c, self.train_idx, self.test_idx)),
        )


def group_table_dataset(G: FiniteGroup, train_fraction: float, seed: int = 0) -> GroupTableData:
    """All |G|² pairs (a, b) with target a·b, split at random (seeded) into train and test.

    ``round(train_fraction · |G|²)`` pairs go to training, the rest are held out;
    ``train_fraction`` must lie strictly between 0 and 1 and leave at least one
    pair on each side. The same ``(G, train_fraction, seed)`` always gives the same
    split (a ``torch.Generator`` seeded with ``seed``, independent of global state).

    Explained in Chapter 8, *Learning a multiplication table*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"group_table_dataset needs a FiniteGroup, not {type(G).__name__}")
    if isinstance(train_fraction, bool) or not isinstance(train_fraction, (int, float, np.floating)):
        raise TypeError(f"train_fraction must be a number in (0, 1), got {train_fraction!r}")
    if not 0.0 < float(train_fraction) < 1.0:
        raise ValueError(f"train_fraction must lie strictly between 0 and 1, got {train_fraction!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, got {seed!r}")
    n = G.order
    total = n * n
    k = int(round(float(train_fraction) * total))
    if k == 0 or k == total:
        raise ValueError(
            f"train_fraction={train_fraction} of the {total} pairs of {G.name} leaves "
            f"{'no training' if k == 0 else 'no test'} pair"
        )
    pairs = torch.arange(total)
    a, b = pairs // n, pairs % n
    c = torch.as_tensor(np.array(G.table, dtype=np.int64))[a, b]
    gen = torch.Generator().manual_seed(int(seed))
    perm = torch.randperm(total, generator=gen)
    train_idx = perm[:k].sort().values
    test_idx = perm[k:].sort().values
    return GroupTableData(G, float(train_fraction), int(seed), a, b, c, train_idx, test_idx)


class GroupMLP(nn.Module):
    """Embed a and b separately, concatenate, one ReLU hidden layer, unembed to |G| logits.

    ``forward(a, b)`` takes two ``LongTensor`` s of labels and returns logits of
    shape ``(batch, |G|)``. The architecture of Chughtai et al. (2023) for group
    composition.

    Explained in Chapter 8, *Learning a multiplication table*.
    """

    def __init__(self, order: int, d_embed: int = 32, width: int = 128) -> None:
        super().__init__()
        self.order = _positive_int(order, "order")
        self.d_embed = _positive_int(d_embed, "d_embed")
        self.width = _positive_int(width, "width")
        self.embed_left = nn.Embedding(self.order, self.d_embed)
        self.embed_right = nn.Embedding(self.order, self.d_embed)
        self.hidden = nn.Linear(2 * self.d_embed, self.width)
        self.unembed = nn.Linear(self.width, self.order)

    def _check(self, a: Tensor, b: Tensor) -> None:
        if a.shape != b.shape or a.ndim != 1:
            raise ValueError(f"a and b must be 1-d label tensors of equal length, got {tuple(a.shape)} and {tuple(b.shape)}")

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        """Logits (batch, |G|) for the products a·b.

        Explained in Chapter 8, *Learning a multiplication table*.
        """
        self._check(a, b)
        x = torch.cat([self.embed_left(a), self.embed_right(b)], dim=-1)
        return self.unembed(F.relu(self.hidden(x)))

    def group_embeddings(self) -> dict[str, np.ndarray]:
        """The |G|×d matrices whose rows are indexed by group elements: left, right, unembed.

        ``left[g]`` embeds g in the first slot, ``right[g]`` in the second, and
        ``unembed[c]`` is the row of the output layer that scores the answer c.
        Returned as float64 numpy copies.

        Explained in Chapter 8, *Which irreps does the network use?*.
        """
        return {
            "left": self.embed_left.weight.detach().cpu().double().numpy().copy(),
            "right": self.embed_right.weight.detach().cpu().double().numpy().copy(),
            "unembed": self.unembed.weight.detach().cpu().double().numpy().copy(),
        }

    @torch.no_grad()
    def map_group_embeddings(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace each input embedding matrix E (|G|×d) by ``fn(E)``, in place.

        Explained in Chapter 8, *Ablations*.
        """
        for emb in (self.embed_left, self.embed_right):
            w = emb.weight
            new = np.asarray(fn(w.detach().cpu().double().numpy()))
            if new.shape != tuple(w.shape):
                raise ValueError(f"fn must return shape {tuple(w.shape)}, got {new.shape}")
            w.copy_(torch.as_tensor(new, dtype=w.dtype, device=w.device))


class GroupTransformer(nn.Module):
    """A one-layer Transformer on the sequence ``a b =``, read out at the ``=`` token.

    Token embedding for the |G| elements and one extra ``=`` token (label |G|),
    learned positional embeddings, one pre-norm :class:`~grouptools.nn.TransformerBlock`,
    a final LayerNorm and an unembedding to |G| logits. ``forward(a, b)`` as for
    :class:`GroupMLP`.

    Explained in Chapter 8, *A one-layer Transformer*.
    """

    def __init__(self, order: int, d_model: int = 64, n_heads: int = 4, mlp_ratio: int = 4) -> None:
        super().__init__()
        self.order = _positive_int(order, "order")
        self.d_model = _positive_int(d_model, "d_model")
        self.embed = nn.Embedding(self.order + 1, self.d_model)
        self.pos = nn.Parameter(0.02 * torch.randn(3, self.d_model))
        self.block = TransformerBlock(self.d_model, n_heads=n_heads, mlp_ratio=mlp_ratio)
        self.norm = nn.LayerNorm(self.d_model)
        self.unembed = nn.Linear(self.d_model, self.order)

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        """Logits (batch, |G|) for the products a·b.

        Explained in Chapter 8, *A one-layer Transformer*.
        """
        if a.shape != b.shape or a.ndim != 1:
            raise ValueError(f"a and b must be 1-d label tensors of equal length, got {tuple(a.shape)} and {tuple(b.shape)}")
        eq = torch.full_like(a, self.order)
        x = self.embed(torch.stack([a, b, eq], dim=1)) + self.pos
        return self.unembed(self.norm(self.block(x))[:, -1])

    def group_embeddings(self) -> dict[str, np.ndarray]:
        """left = token embedding + position 0, right = token embedding + position 1, unembed.

        The positional vector is the same for every element, so it only adds to the
        trivial-irrep part of each matrix.

        Explained in Chapter 8, *A one-layer Transformer*.
        """
        E = self.embed.weight.detach().cpu().double()[: self.order]
        P = self.pos.detach().cpu().double()
        return {
            "left": (E + P[0]).numpy().copy(),
            "right": (E + P[1]).numpy().copy(),
            "unembed": self.unembed.weight.detach().cpu().double().numpy().copy(),
        }

    @torch.no_grad()
    def map_group_embeddings(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace the token embeddings of the |G| elements (not ``=``) by ``fn(E)``, in place.

        Explained in Chapter 8, *Ablations*.
        """
        w = self.embed.weight
        E = w[: self.order]
        new = np.asarray(fn(E.detach().cpu().double().numpy()))
        if new.shape != tuple(E.shape):
            raise ValueError(f"fn must return shape {tuple(E.shape)}, got {new.shape}")
        w[: self.order] = torch.as_tensor(new, dtype=w.dtype, device=w.device)


def _model_device(model: nn.Module) -> torch.device:
    return next(model.parameters()).device


@torch.no_grad()
def evaluate_split(model: nn.Module, data: GroupTableData, split: str = "test") -> dict[str, float]:
    """Cross-entropy loss and accuracy of ``model`` on one part of the table.

    Returns ``{"loss": …, "acc": …}``; the model is run in eval mode and its mode restored.
    Exact ties among the logits count as a fraction (:func:`~grouptools.nn.tasks.argmax_credit`).

    Explained in Chapter 8, *Learning a multiplication table*.
    """
    was = model.training
    model.eval()
    try:
        dev = _model_device(model)
        a, b, c = (t.to(dev) for t in data.split(split))
        logits = model(a, b)
        return {
            "loss": float(F.cross_entropy(logits.float(), c)),
            "acc": float(argmax_credit(logits, c).mean()),
        }
    finally:
        model.train(was)


@torch.no_grad()
def table_logits(model: nn.Module, order: int) -> np.ndarray:
    """The logits of every pair as an array L[a, b, c] of shape (|G|, |G|, |G|), float64.

    Explained in Chapter 8, *Logits and characters*.
    """
    n = _positive_int(order, "order")
    was = model.training
    model.eval()
    try:
        dev = _model_device(model)
        pairs = torch.arange(n * n, device=dev)
        out = model(pairs // n, pairs % n)
    finally:
        model.train(was)
    if out.shape != (n * n, n):
        raise ValueError(f"the model returned logits of shape {tuple(out.shape)}, expected ({n * n}, {n})")
    return out.detach().cpu().double().numpy().reshape(n, n, n)


@dataclass
class GroupFit:
    """What :func:`fit_group_table` recorded: the trainer's history and the curves.

    ``eval_steps`` with ``train_loss``, ``train_acc``, ``test_loss``, ``test_acc``
    (one value per evaluation, step 0 included); :meth:`first_step` finds when a
    curve first reaches a threshold (memorisation: train accuracy; grokking: test
    accuracy).

    Explained in Chapter 8, *Memorisation, then generalisation*.
    """

    history: TrainHistory
    eval_steps: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_loss: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)

    def first_step(self, metric: str = "test_acc", threshold: float = 0.95) -> int | None:
        """The first evaluation step at which ``metric`` ≥ ``threshold`` (None if never).

        For a loss metric the condition is ``metric`` ≤ ``threshold``.

        Explained in Chapter 8, *Memorisation, then generalisation*.
        """
        if metric not in ("train_loss", "train_acc", "test_loss", "test_acc"):
            raise ValueError(f"metric must be one of train_loss, train_acc, test_loss, test_acc, not {metric!r}")
        values = getattr(self, metric)
        below = metric.endswith("loss")
        for s, v in zip(self.eval_steps, values):
            if (v <= threshold) if below else (v >= threshold):
                return int(s)
        return None

    @property
    def final(self) -> dict[str, float]:
        """The last recorded train/test loss and accuracy.

        Explained in Chapter 8, *Memorisation, then generalisation*.
        """
        return {
            "train_loss": self.train_loss[-1],
            "train_acc": self.train_acc[-1],
            "test_loss": self.test_loss[-1],
            "test_acc": self.test_acc[-1],
        }


def fit_group_table(
    model: nn.Module,
    data: GroupTableData,
    steps: int,
    *,
    lr: float = 1e-2,
    weight_decay: float = 1.0,
    betas: tuple[float, float] = (0.9, 0.98),
    eval_every: int = 50,
    device: Any = None,
    progress: bool = False,
    stop_at_test_acc: float | None = None,
    on_eval: Callable[[nn.Module], None] | None = None,
) -> GroupFit:
    """Train on the training pairs with full-batch AdamW and record train/test loss and accuracy.

    Every step uses all training pairs (no mini-batches). Weight decay is what
    turns memorisation into generalisation (grokking): without it the network
    fits the training pairs and stays there. Evaluation runs at step 0, every
    ``eval_every`` steps and at the end; ``stop_at_test_acc`` ends the run early
    once the test accuracy reaches it. ``on_eval(model)``, when given, is called at every
    evaluation (after the metrics, in eval mode), for example to record the logits. Uses :func:`grouptools.nn.training.train`.

    Explained in Chapter 8, *Memorisation, then generalisation*.
    """
    if not isinstance(data, GroupTableData):
        raise TypeError(f"data must be a GroupTableData, got {type(data).__name__}")
    if getattr(model, "order", data.order) != data.order:
        raise ValueError(f"the model has {model.order} outputs but {data.group.name} has {data.order} elements")
    if weight_decay < 0:
        raise ValueError(f"weight_decay must be non-negative, got {weight_decay}")
    dev = torch.device(device) if device is not None else _model_device(model)
    model.to(dev)
    data = data.to(dev)
    batch = data.split("train")
    opt = torch.optim.AdamW(model.parameters(), lr=lr, weight_decay=weight_decay, betas=betas)

    def loss_fn(m: nn.Module, bt: tuple[Tensor, Tensor, Tensor]) -> Tensor:
        a, b, c = bt
        return F.cross_entropy(m(a, b), c)

    def evaluate(m: nn.Module) -> dict[str, float]:
        tr = evaluate_split(m, data, "train")
        te = evaluate_split(m, data, "test")
        if on_eval is not None:
            was = m.training
            m.eval()
            try:
                on_eval(m)
            finally:
                m.train(was)
        return {"train_loss": tr["loss"], "train_acc": tr["acc"], "test_loss": te["loss"], "test_acc": te["acc"]}

    stop = None if stop_at_test_acc is None else (lambda mt: mt["test_acc"] >= stop_at_test_acc)
    hist = train(
        model, lambda step: batch, loss_fn, opt, steps,
        evaluate=evaluate, eval_every=eval_every, eval_at_start=True, log_every=eval_every,
        device=dev, progress=progress, desc="group table", stop_when=stop,
    )
    return GroupFit(
        history=hist,
        eval_steps=list(hist.eval_steps),
        train_loss=hist.metric("train_loss"),
        train_acc=hist.metric("train_acc"),
        test_loss=hist.metric("test_loss"),
        test_acc=hist.metric("test_acc"),
    )


class CharacterModel(nn.Module):
    """A planted network: embeds g as vec ρ(g) on both sides, logits ``scale``·tr(ρ(a)ρ(b)ρ(c)ᵀ).

    For a real orthogonal irrep ρ the logit of c is ``scale``·χ_ρ(a·b·c⁻¹), the algorithm of
    Chughtai et al.; with a faithful ρ it computes the group law exactly. Like the trained
    models it has ``map_group_embeddings``, so :func:`grouptools.nn.interpret.ablate` works on it.

    Explained in Chapter 8, *Ablations*.
    """

    def __init__(self, rho: Any, scale: float = 5.0) -> None:
        super().__init__()
        mats = np.asarray(rho.matrices)
        if not np.allclose(np.imag(mats), 0.0, atol=1e-9):
            raise ValueError(f"CharacterModel needs a real representation; {rho.name} has complex matrices")
        if not (isinstance(scale, (int, float)) and scale > 0):
            raise ValueError(f"scale must be a positive number, got {scale!r}")
        M = torch.tensor(np.real(mats).reshape(rho.group.order, -1))
        self.order, self.d, self.scale = rho.group.order, rho.degree, float(scale)
        self.left = nn.Parameter(M.clone())
        self.right = nn.Parameter(M.clone())
        self.register_buffer("out", M.clone())

    def forward(self, a: Tensor, b: Tensor) -> Tensor:
        d = self.d
        A, B = self.left[a].view(-1, d, d), self.right[b].view(-1, d, d)
        return self.scale * (A @ B).flatten(1) @ self.out.T

    @torch.no_grad()
    def map_group_embeddings(self, fn: Callable[[np.ndarray], np.ndarray]) -> None:
        """Replace both input embeddings E by ``fn(E)`` in place.

        Explained in Chapter 8, *Ablations*.
        """
        for p in (self.left, self.right):
            p.copy_(torch.as_tensor(fn(p.detach().cpu().numpy()), dtype=p.dtype))


def plot_learning_curves(fit: GroupFit, title: str, order: int) -> Any:
    """Train and held-out accuracy and loss against the step (log axes), with the ln|G| line.

    Returns the figure. Explained in Chapter 8, *Memorisation, then generalisation*.
    """
    import matplotlib.pyplot as plt
    from matplotlib.ticker import NullFormatter

    steps = np.array(fit.eval_steps)
    keep = steps > 0  # the log axis has no step 0
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.6))
    for ax, what, label in ((axes[0], "acc", "accuracy"), (axes[1], "loss", "cross-entropy loss")):
        ax.plot(steps[keep], np.array(getattr(fit, f"train_{what}"))[keep], label="train")
        ax.plot(steps[keep], np.array(getattr(fit, f"test_{what}"))[keep], label="test (held out)")
        ax.set(xscale="log", xlabel="training step", ylabel=label, title=f"{title}: {label.split()[-1]}")
    axes[1].axhline(np.log(order), color="k", ls="--", lw=1, label="ln |G| (uniform guess)")
    axes[1].set_yscale("log")
    for ax in axes:
        ax.xaxis.set_minor_formatter(NullFormatter())
        ax.legend()
    fig.tight_layout()
    return fig
