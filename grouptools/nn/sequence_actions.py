"""Groups acting on sequences: Z_L by cyclic shifts and S_L by permutations of positions.

A sequence is a tensor whose position axis is ``dim`` (default 1, as in
(batch, length, channels)). Each action is a small callable object with
``inverse()`` and ``compose()`` so that the group laws can be checked on tensors:
``a.compose(b)(x) == a(b(x))``. Also :func:`delay`, the causal shift with zero
padding, which is *not* a group action on length-L sequences (it loses the last
k entries) but is the symmetry that causal convolutions respect.

Explained in Chapter 9, *Symmetries of sequence models*.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = [
    "cyclic_shift",
    "permute_positions",
    "delay",
    "random_permutation",
    "CyclicShift",
    "PositionPermutation",
]


def _check_dim(x: Tensor, dim: int) -> int:
    if not torch.is_tensor(x):
        raise TypeError("a sequence must be a tensor")
    if not -x.ndim <= dim < x.ndim:
        raise ValueError(f"position axis dim={dim} is out of range for a tensor of rank {x.ndim}")
    return dim % x.ndim


def cyclic_shift(x: Tensor, k: int, dim: int = 1) -> Tensor:
    """The action of k ∈ Z_L: (k·x)_t = x_{t−k mod L} (moves every entry k places later, wrapping).

    Explained in Chapter 9, *Symmetries of sequence models*.
    """
    dim = _check_dim(x, dim)
    return torch.roll(x, shifts=int(k), dims=dim)


def permute_positions(x: Tensor, perm: Tensor | list[int], dim: int = 1) -> Tensor:
    """The action of σ ∈ S_L: (σ·x)_{σ(t)} = x_t, i.e. the entry at position t moves to σ(t).

    ``perm`` lists σ(0), …, σ(L−1). Composition: σ·(τ·x) = (σ∘τ)·x.

    Explained in Chapter 9, *Symmetries of sequence models*.
    """
    dim = _check_dim(x, dim)
    perm = torch.as_tensor(perm, dtype=torch.long, device=x.device)
    L = x.shape[dim]
    if perm.shape != (L,) or not torch.equal(torch.sort(perm).values, torch.arange(L, device=x.device)):
        raise ValueError(f"perm must be a permutation of 0..{L - 1} (the length along dim {dim}), got {perm.tolist()}")
    inv = torch.empty_like(perm)
    inv[perm] = torch.arange(L, device=x.device)
    return x.index_select(dim, inv)


def delay(x: Tensor, k: int, dim: int = 1) -> Tensor:
    """Delay by k ≥ 0 steps: (D_k x)_t = x_{t−k} for t ≥ k and 0 before; the last k entries fall off.

    Explained in Chapter 9, *Symmetries of sequence models*.
    """
    dim = _check_dim(x, dim)
    if isinstance(k, bool) or not isinstance(k, int) or k < 0:
        raise ValueError(f"the delay k must be a non-negative integer, got {k!r}")
    L = x.shape[dim]
    if k >= L:
        return torch.zeros_like(x)
    kept = x.narrow(dim, 0, L - k)
    pad_shape = list(x.shape)
    pad_shape[dim] = k
    return torch.cat([x.new_zeros(pad_shape), kept], dim)


def random_permutation(L: int, generator: torch.Generator | None = None) -> Tensor:
    """A uniformly random element of S_L as a tensor σ(0), …, σ(L−1).

    Explained in Chapter 9, *Symmetries of sequence models*.
    """
    if isinstance(L, bool) or not isinstance(L, int) or L <= 0:
        raise ValueError(f"L must be a positive integer, got {L!r}")
    return torch.randperm(L, generator=generator)


@dataclass(frozen=True)
class CyclicShift:
    """k ∈ Z_L acting by :func:`cyclic_shift` on axis ``dim``; ``inverse`` and ``compose`` follow Z_L.

    Explained in Chapter 9, *Symmetries of sequence models*.
    """

    k: int
    dim: int = 1

    def __call__(self, x: Tensor) -> Tensor:
        return cyclic_shift(x, self.k, self.dim)

    def inverse(self) -> "CyclicShift":
        """The shift by −k.

        Explained in Chapter 9, *Symmetries of sequence models*.
        """
        return CyclicShift(-self.k, self.dim)

    def compose(self, other: "CyclicShift") -> "CyclicShift":
        """``self ∘ other``: first ``other``, then ``self`` (the shift by the sum).

        Explained in Chapter 9, *Symmetries of sequence models*.
        """
        return CyclicShift(self.k + other.k, self.dim)


@dataclass(frozen=True)
class PositionPermutation:
    """σ ∈ S_L acting by :func:`permute_positions` on axis ``dim``.

    Explained in Chapter 9, *Symmetries of sequence models*.
    """

    perm: tuple[int, ...]
    dim: int = 1

    def __post_init__(self) -> None:
        p = tuple(int(i) for i in (self.perm.tolist() if torch.is_tensor(self.perm) else self.perm))
        if sorted(p) != list(range(len(p))):
            raise ValueError(f"not a permutation of 0..{len(p) - 1}: {p}")
        object.__setattr__(self, "perm", p)

    def __call__(self, x: Tensor) -> Tensor:
        return permute_positions(x, list(self.perm), self.dim)

    def inverse(self) -> "PositionPermutation":
        """σ⁻¹.

        Explained in Chapter 9, *Symmetries of sequence models*.
        """
        inv = [0] * len(self.perm)
        for t, s in enumerate(self.perm):
            inv[s] = t
        return PositionPermutation(tuple(inv), self.dim)

    def compose(self, other: "PositionPermutation") -> "PositionPermutation":
        """``self ∘ other``: first ``other``, then ``self``.

        Explained in Chapter 9, *Symmetries of sequence models*.
        """
        if len(other.perm) != len(self.perm):
            raise ValueError(f"cannot compose permutations of {len(self.perm)} and {len(other.perm)} positions")
        return PositionPermutation(tuple(self.perm[other.perm[t]] for t in range(len(self.perm))), self.dim)
