"""Equivariant layers: Deep Sets for S_n, C₄ group convolutions, symmetrisation, Reynolds projection.

* :class:`DeepSetsLayer` — the general permutation-equivariant linear map on sets,
  x ↦ x Λ + mean(x) Γ + b, and :class:`DeepSets`, an S_n-invariant model;
* :class:`C4LiftingConv`, :class:`C4GroupConv` — convolutions whose filters are tied
  across the four quarter turns, equivariant for :func:`c4_regular_action`;
  :class:`C4InvariantCNN` pools them into a rotation-invariant classifier, and
  :class:`PlainCNN` is the same network without the tying;
* :func:`symmetrize` — the group average (Reynolds operator) of any module;
* :func:`reynolds_operator`, :func:`project_equivariant`, :func:`equivariant_basis` —
  the projection of linear maps onto the equivariant ones (the commutant).

Explained in Chapter 5, *Invariance, equivariance and symmetry in networks*.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from ..actions import TensorAction
from ..linalg import canonical_basis
from .tasks import argmax_credit
from ..representations import Representation

__all__ = [
    "DeepSetsLayer",
    "DeepSets",
    "c4_regular_action",
    "C4LiftingConv",
    "C4GroupConv",
    "C4InvariantCNN",
    "PlainCNN",
    "Symmetrized",
    "symmetrize",
    "reynolds_operator",
    "project_equivariant",
    "equivariant_basis",
    "shape_names",
    "shape_images",
    "accuracy_under_action",
    "train_classifier",
]


def _positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _odd_kernel(k: object) -> int:
    k = _positive_int(k, "kernel_size")
    if k % 2 == 0:
        raise ValueError(f"kernel_size must be odd so that 'same' padding commutes with rotations, got {k}")
    return k


# --------------------------------------------------------------------------- Deep Sets (S_n)


class DeepSetsLayer(nn.Module):
    """The permutation-equivariant linear layer on sets: y_i = Λ x_i + Γ·mean_j x_j + b.

    Input (..., n, in_features), output (..., n, out_features), for any set size n.
    Permuting the n elements of the input permutes the output the same way; for
    scalar features these are all the equivariant linear maps (a I + b 11ᵀ).
    ``reduction="sum"`` pools with the sum instead of the mean.

    Explained in Chapter 5, *Equivariant linear layers*.
    """

    def __init__(self, in_features: int, out_features: int, reduction: str = "mean", bias: bool = True) -> None:
        super().__init__()
        self.in_features = _positive_int(in_features, "in_features")
        self.out_features = _positive_int(out_features, "out_features")
        if reduction not in ("mean", "sum"):
            raise ValueError(f"reduction must be 'mean' or 'sum', not {reduction!r}")
        self.reduction = reduction
        self.own = nn.Linear(in_features, out_features, bias=bias)  # Λ
        self.pooled = nn.Linear(in_features, out_features, bias=False)  # Γ

    def forward(self, x: Tensor) -> Tensor:
        """(..., n, in_features) → (..., n, out_features).

        Explained in Chapter 5, *Equivariant linear layers*.
        """
        if x.ndim < 2 or x.shape[-1] != self.in_features:
            raise ValueError(
                f"expected a set of shape (..., n, {self.in_features}), got shape {tuple(x.shape)}"
            )
        pooled = x.mean(-2, keepdim=True) if self.reduction == "mean" else x.sum(-2, keepdim=True)
        return self.own(x) + self.pooled(pooled)


class DeepSets(nn.Module):
    """An S_n-invariant set model: equivariant :class:`DeepSetsLayer` s with ReLU, sum pooling, then an MLP.

    Input (..., n, in_features), output (..., out_features).

    Explained in Chapter 5, *Equivariant linear layers*.
    """

    def __init__(self, in_features: int, hidden: int, out_features: int, n_layers: int = 2) -> None:
        super().__init__()
        _positive_int(n_layers, "n_layers")
        dims = [in_features] + [hidden] * n_layers
        self.equivariant = nn.ModuleList(DeepSetsLayer(a, b) for a, b in zip(dims[:-1], dims[1:]))
        self.head = nn.Sequential(nn.Linear(hidden, hidden), nn.ReLU(), nn.Linear(hidden, out_features))

    def forward(self, x: Tensor) -> Tensor:
        """(..., n, in_features) → (..., out_features).

        Explained in Chapter 5, *Equivariant linear layers*.
        """
        for layer in self.equivariant:
            x = torch.relu(layer(x))
        return self.head(x.sum(-2))


# --------------------------------------------------------------------------- C4 group convolutions


def c4_regular_action() -> TensorAction:
    """C₄ on feature maps (..., 4, H, W) over the group: k·f = rotate every map by k quarter turns and shift the group axis by k.

    (k·f)[s] = rot90(f[s − k], k). This is how a rotation of the input image moves the
    output of :class:`C4LiftingConv` and :class:`C4GroupConv`.

    Explained in Chapter 5, *Group convolution*.
    """
    from ..named import cyclic

    def act(k: int, f: Any) -> Any:
        if f.ndim < 3 or f.shape[-3] != 4 or f.shape[-1] != f.shape[-2]:
            raise ValueError(f"expected feature maps of shape (..., 4, H, H), got shape {tuple(f.shape)}")
        return torch.roll(torch.rot90(f, k, (-2, -1)), k, dims=-3)

    return TensorAction(cyclic(4), act, name="C4 on group feature maps")


class _C4Conv(nn.Module):
    """What the two C₄ convolutions share: the filter ψ, its bias, and the plain convolution
    with the bank of rotated filters that :meth:`rotated_filters` builds. ``_orientations_in``
    is 1 for images and 4 for feature maps over the group."""

    _orientations_in = 1

    def __init__(self, in_channels: int, out_channels: int, kernel_size: int = 3, bias: bool = True) -> None:
        super().__init__()
        self.in_channels = _positive_int(in_channels, "in_channels")
        self.out_channels = _positive_int(out_channels, "out_channels")
        self.kernel_size = k = _odd_kernel(kernel_size)
        g = self._orientations_in
        shape = (out_channels, in_channels, k, k) if g == 1 else (out_channels, in_channels, g, k, k)
        self.weight = nn.Parameter(torch.randn(*shape) / (g * in_channels * k * k) ** 0.5)
        self.bias = nn.Parameter(torch.zeros(out_channels)) if bias else None

    def rotated_filters(self) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _correlate(self, x: Tensor) -> Tensor:
        """(B, C_in·g, H, H) → (B, C_out, 4, H, H): one plain convolution with the rotated filter bank."""
        bias = None if self.bias is None else self.bias.repeat_interleave(4)
        y = F.conv2d(x, self.rotated_filters(), bias, padding=self.kernel_size // 2)
        return y.view(x.shape[0], self.out_channels, 4, *y.shape[-2:])


class C4LiftingConv(_C4Conv):
    """The lifting convolution: one filter, correlated with the image in all four orientations.

    Input (B, C_in, H, H), output (B, C_out, 4, H, H) with
    out[:, :, k] = conv2d(x, rot90(ψ, k)) ('same' padding, odd kernel). Rotating the input
    by a quarter turn rotates every output map and shifts the orientation axis by one
    (:func:`c4_regular_action`).

    Explained in Chapter 5, *Group convolution*.
    """

    def rotated_filters(self) -> Tensor:
        """The filter bank (C_out·4, C_in, k, k): ψ rotated by 0, 1, 2, 3 quarter turns, orientation fastest.

        Explained in Chapter 5, *Group convolution*.
        """
        w = torch.stack([torch.rot90(self.weight, r, (-2, -1)) for r in range(4)], 1)
        return w.reshape(self.out_channels * 4, self.in_channels, self.kernel_size, self.kernel_size).contiguous()

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, H) → (B, C_out, 4, H, H).

        Explained in Chapter 5, *Group convolution*.
        """
        if x.ndim != 4 or x.shape[1] != self.in_channels or x.shape[-1] != x.shape[-2]:
            raise ValueError(
                f"expected square images of shape (B, {self.in_channels}, H, H), got shape {tuple(x.shape)}"
            )
        return self._correlate(x)


class C4GroupConv(_C4Conv):
    """The C₄ group convolution on feature maps over the group, (B, C_in, 4, H, H) → (B, C_out, 4, H, H).

    out[:, :, k] = Σ_s conv2d(f[:, :, s], rot90(ψ[:, :, s − k], k)): the filter for output
    orientation k is ψ turned by k, with its orientation axis shifted by k. Equivariant
    for :func:`c4_regular_action` on both sides.

    Explained in Chapter 5, *Group convolution*.
    """

    _orientations_in = 4

    def rotated_filters(self) -> Tensor:
        """The filter bank (C_out·4, C_in·4, k, k) of the equivalent plain convolution.

        Explained in Chapter 5, *Group convolution*.
        """
        w = torch.stack([torch.rot90(torch.roll(self.weight, r, dims=2), r, (-2, -1)) for r in range(4)], 1)
        k = self.kernel_size
        return w.reshape(self.out_channels * 4, self.in_channels * 4, k, k).contiguous()

    def forward(self, f: Tensor) -> Tensor:
        """(B, C_in, 4, H, H) → (B, C_out, 4, H, H).

        Explained in Chapter 5, *Group convolution*.
        """
        if f.ndim != 5 or f.shape[1] != self.in_channels or f.shape[2] != 4 or f.shape[-1] != f.shape[-2]:
            raise ValueError(
                f"expected group feature maps of shape (B, {self.in_channels}, 4, H, H), got shape {tuple(f.shape)}"
            )
        return self._correlate(f.reshape(f.shape[0], self.in_channels * 4, *f.shape[-2:]))


class C4InvariantCNN(nn.Module):
    """A C₄-invariant image classifier: lifting conv → ReLU → group conv → ReLU → pool over orientations and pixels → linear.

    Input (B, C_in, H, H), output logits (B, n_classes). ``pool="max"`` (default) takes
    the maximum over the four orientations and then over the pixels, ``"mean"`` the
    averages; either way rotating the input by any multiple of 90° leaves the logits
    unchanged (to float rounding).

    Explained in Chapter 5, *An invariant model against a plain one*.
    """

    def __init__(
        self, in_channels: int = 1, hidden: int = 8, n_classes: int = 4, kernel_size: int = 3, pool: str = "max"
    ) -> None:
        super().__init__()
        self.pool = _check_pool(pool)
        self.lift = C4LiftingConv(in_channels, hidden, kernel_size)
        self.gconv = C4GroupConv(hidden, hidden, kernel_size)
        self.head = nn.Linear(hidden, n_classes)

    def features(self, x: Tensor) -> Tensor:
        """The equivariant feature maps (B, hidden, 4, H, H) before pooling.

        Explained in Chapter 5, *An invariant model against a plain one*.
        """
        return torch.relu(self.gconv(torch.relu(self.lift(x))))

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, H) → (B, n_classes).

        Explained in Chapter 5, *An invariant model against a plain one*.
        """
        f = self.features(x)
        return self.head(_pool(_pool(f, (2,), self.pool), (-2, -1), self.pool))


class PlainCNN(nn.Module):
    """The plain counterpart of :class:`C4InvariantCNN`: two ordinary convolutions, ReLU, pool over pixels, linear.

    Same pooling (``"max"`` or ``"mean"`` over the pixels) but untied filters and no
    orientation axis, hence no rotation symmetry. ``hidden = 4·h`` gives as many feature
    maps as the invariant model with ``h``.

    Explained in Chapter 5, *An invariant model against a plain one*.
    """

    def __init__(
        self, in_channels: int = 1, hidden: int = 32, n_classes: int = 4, kernel_size: int = 3, pool: str = "max"
    ) -> None:
        super().__init__()
        k = _odd_kernel(kernel_size)
        self.pool = _check_pool(pool)
        self.conv1 = nn.Conv2d(in_channels, hidden, k, padding=k // 2)
        self.conv2 = nn.Conv2d(hidden, hidden, k, padding=k // 2)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        """(B, C_in, H, W) → (B, n_classes).

        Explained in Chapter 5, *An invariant model against a plain one*.
        """
        if x.ndim != 4:
            raise ValueError(f"expected images of shape (B, C, H, W), got shape {tuple(x.shape)}")
        h = torch.relu(self.conv2(torch.relu(self.conv1(x))))
        return self.head(_pool(h, (-2, -1), self.pool))


def _check_pool(pool: str) -> str:
    if pool not in ("max", "mean"):
        raise ValueError(f"pool must be 'max' or 'mean', not {pool!r}")
    return pool


def _pool(x: Tensor, dims: tuple[int, ...], how: str) -> Tensor:
    return x.amax(dim=dims) if how == "max" else x.mean(dim=dims)


# --------------------------------------------------------------------------- symmetrisation


class Symmetrized(nn.Module):
    """The group average of a module: x ↦ (1/|G|) Σ_g g⁻¹·f(g·x) (or Σ_g f(g·x) for invariance).

    Built by :func:`symmetrize`; the wrapped module is ``self.module``.

    Explained in Chapter 5, *Symmetrisation*.
    """

    def __init__(self, module: nn.Module, action: TensorAction, out_action: TensorAction | None = None) -> None:
        super().__init__()
        if not isinstance(module, nn.Module):
            raise TypeError(f"symmetrize needs a torch.nn.Module, not {type(module).__name__}")
        for a, what in ((action, "action"), (out_action, "out_action")):
            if a is not None and not isinstance(a, TensorAction):
                raise TypeError(f"{what} must be a grouptools.actions.TensorAction, not {type(a).__name__}")
        if out_action is not None and out_action.group.order != action.group.order:
            raise ValueError(
                f"action and out_action must be actions of the same group, got {action.group.name} and {out_action.group.name}"
            )
        self.module = module
        self.action = action
        self.out_action = out_action

    def forward(self, x: Tensor) -> Tensor:
        """The average over the group (|G| forward passes of the wrapped module).

        Explained in Chapter 5, *Symmetrisation*.
        """
        G = self.action.group
        total = None
        for g in G.elements:
            y = self.module(self.action(g, x))
            if self.out_action is not None:
                y = self.out_action(G.inverse(g), y)
            total = y if total is None else total + y
        return total / G.order


def symmetrize(module: nn.Module, action: TensorAction, out_action: TensorAction | None = None) -> Symmetrized:
    """Wrap ``module`` in its group average: invariant when ``out_action`` is None, else equivariant.

    f ↦ (1/|G|) Σ_g f(g·x) is invariant, and f ↦ (1/|G|) Σ_g g⁻¹·f(g·x) is equivariant
    from ``action`` to ``out_action``; a module that already has the property is
    unchanged (the average is a projection).

    Explained in Chapter 5, *Symmetrisation*.
    """
    return Symmetrized(module, action, out_action)


# --------------------------------------------------------------------------- Reynolds projection


def _pair(rho_in: Representation, rho_out: Representation) -> None:
    for r, what in ((rho_in, "rho_in"), (rho_out, "rho_out")):
        if not isinstance(r, Representation):
            raise TypeError(f"{what} must be a grouptools Representation, not {type(r).__name__}")
    if rho_in.group is not rho_out.group and rho_in.group.order != rho_out.group.order:
        raise ValueError(f"rho_in and rho_out are representations of different groups ({rho_in.group.name}, {rho_out.group.name})")


def reynolds_operator(rho_in: Representation, rho_out: Representation) -> np.ndarray:
    """The Reynolds operator on linear maps V_in → V_out, as a matrix acting on row-major vec(W).

    P(W) = (1/|G|) Σ_g ρ_out(g)⁻¹ W ρ_in(g); its matrix is (1/|G|) Σ_g ρ_out(g⁻¹) ⊗ ρ_in(g)ᵀ,
    of shape (d_out·d_in, d_out·d_in). P is idempotent, its image is the commutant
    Hom_G(ρ_in, ρ_out), and trace P = ⟨χ_in, χ_out⟩. Real when both representations are.

    Explained in Chapter 5, *The Reynolds projection onto equivariant maps*.
    """
    _pair(rho_in, rho_out)
    G = rho_in.group
    a, b = rho_in.degree, rho_out.degree
    P = np.zeros((a * b, a * b), dtype=np.complex128)
    for g in G.elements:
        P += np.kron(rho_out.matrices[G.inverse(g)], rho_in.matrices[g].T)
    P /= G.order
    if rho_in.is_real() and rho_out.is_real():
        return P.real.copy()
    return P


def project_equivariant(W: Any, rho_in: Representation, rho_out: Representation) -> np.ndarray:
    """The equivariant part of a linear map W (shape (d_out, d_in)): (1/|G|) Σ_g ρ_out(g)⁻¹ W ρ_in(g).

    The result T satisfies T ρ_in(g) = ρ_out(g) T for every g, and T = W exactly when W
    is already equivariant.

    Explained in Chapter 5, *The Reynolds projection onto equivariant maps*.
    """
    _pair(rho_in, rho_out)
    W = np.asarray(W)
    if W.shape != (rho_out.degree, rho_in.degree):
        raise ValueError(
            f"W must have shape (d_out, d_in) = ({rho_out.degree}, {rho_in.degree}), got shape {W.shape}"
        )
    G = rho_in.group
    out = sum(rho_out.matrices[G.inverse(g)] @ W @ rho_in.matrices[g] for g in G.elements) / G.order
    if np.isrealobj(W) and rho_in.is_real() and rho_out.is_real():
        return np.asarray(out.real)
    return np.asarray(out)


def equivariant_basis(rho_in: Representation, rho_out: Representation, tol: float = 1e-9) -> np.ndarray:
    """An orthonormal basis (m, d_out, d_in) of the equivariant maps, the image of :func:`reynolds_operator`.

    Its size m is the rank of P, which equals ⟨χ_in, χ_out⟩. The basis is canonical
    (:func:`grouptools.linalg.canonical_basis` of P: Gram–Schmidt of the symmetrised
    matrix units P(E₀₀), P(E₀₁), … in row-major order), so it does not depend on the
    machine; it is real when both representations are.

    Explained in Chapter 5, *The Reynolds projection onto equivariant maps*.
    """
    P = reynolds_operator(rho_in, rho_out)
    rank = int(round(float(np.trace(P).real)))
    U = canonical_basis(P, rank=rank)
    return U.T.reshape(rank, rho_out.degree, rho_in.degree)


# --------------------------------------------------------------------------- data and evaluation for the demo

_SHAPES = {
    "L": ["X..", "X..", "X..", "XXX"],
    "T": ["XXX", ".X.", ".X.", ".X."],
    "Z": ["XX.", ".X.", ".XX"],
    "P": ["XX", "XX", "X.", "X."],
}


def shape_names() -> list[str]:
    """The class names of :func:`shape_images`, in label order.

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    return list(_SHAPES)


def shape_images(
    n: int, size: int = 12, *, rotate: bool = False, noise: float = 0.2, seed: int = 0, dtype: torch.dtype = torch.float32
) -> tuple[Tensor, Tensor]:
    """``n`` noisy images (n, 1, size, size) of four letter-like shapes (L, T, Z, P) and their labels (n,).

    Each shape is drawn at a random place, with stroke width 1 or 2 and a random
    brightness, plus Gaussian noise; with ``rotate=True`` each image is then turned by a
    random multiple of 90°. No two shapes are rotations of each other, so the label is
    a C₄-invariant of the image. Seeded by ``seed`` only (the global RNG is untouched).

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    n = _positive_int(n, "n")
    size = _positive_int(size, "size")
    if size < 10:
        raise ValueError(f"size must be at least 10 pixels to fit the shapes, got {size}")
    gen = torch.Generator().manual_seed(seed)
    templates = [torch.tensor([[c == "X" for c in row] for row in rows], dtype=dtype) for rows in _SHAPES.values()]
    labels = torch.randint(len(templates), (n,), generator=gen)
    images = torch.zeros(n, 1, size, size, dtype=dtype)
    for i in range(n):
        t = templates[int(labels[i])]
        width = int(torch.randint(1, 3, (1,), generator=gen))
        t = t.repeat_interleave(width, 0).repeat_interleave(width, 1)
        h, w = t.shape
        top = int(torch.randint(0, size - h + 1, (1,), generator=gen))
        left = int(torch.randint(0, size - w + 1, (1,), generator=gen))
        brightness = 0.7 + 0.6 * float(torch.rand((), generator=gen))
        images[i, 0, top : top + h, left : left + w] = brightness * t
    images += noise * torch.randn(images.shape, generator=gen, dtype=dtype)
    if rotate:
        turns = torch.randint(4, (n,), generator=gen)
        images = torch.stack([torch.rot90(x, int(k), (-2, -1)) for x, k in zip(images, turns)])
    return images, labels


def accuracy_under_action(model: nn.Module, x: Tensor, y: Tensor, action: TensorAction) -> list[float]:
    """The accuracy of ``model`` on the whole batch moved by each group element: ``[acc(g·x) for g in G]``.

    Runs under ``torch.no_grad()`` in eval mode (restoring the training flag).

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} examples but y has {y.shape[0]} labels")
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            return [float(argmax_credit(model(action(g, x)), y).mean()) for g in action.group.elements]
    finally:
        model.train(was_training)


def train_classifier(
    model: nn.Module,
    x: Tensor,
    y: Tensor,
    *,
    steps: int,
    batch_size: int,
    lr: float = 1e-2,
    seed: int = 0,
    device: Any = None,
    augment: TensorAction | None = None,
) -> tuple[nn.Module, Any]:
    """Train an image classifier with Adam and cross-entropy on random minibatches of (x, y).

    Minibatches are drawn with replacement from a generator seeded with ``seed``, by the
    shared trainer :func:`grouptools.nn.training.train`. With ``augment`` (a
    :class:`~grouptools.actions.TensorAction`, e.g. ``rotation_action()``) every example of
    every minibatch is first moved by an element of the group drawn uniformly from the same
    generator: data augmentation. Returns the model, moved back to the CPU, and the
    :class:`~grouptools.nn.training.TrainHistory`.

    Explained in Chapter 5, *An invariant model against a plain one*.
    """
    from .training import train

    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x has {x.shape[0]} examples but y has {y.shape[0]} labels")
    gen = torch.Generator().manual_seed(seed)
    model = model.to(device) if device is not None else model
    opt = torch.optim.Adam(model.parameters(), lr=lr)

    def batch(step: int) -> tuple[Tensor, Tensor]:
        idx = torch.randint(x.shape[0], (batch_size,), generator=gen)
        if augment is None:
            return x[idx], y[idx]
        moves = torch.randint(augment.group.order, (batch_size,), generator=gen).tolist()
        return torch.stack([augment(augment.group.elements[g], im) for g, im in zip(moves, x[idx])]), y[idx]

    def loss(m: nn.Module, b: tuple[Tensor, Tensor]) -> Tensor:
        return F.cross_entropy(m(b[0]), b[1])

    history = train(model, batch, loss, opt, steps, progress=False)
    return model.cpu(), history
