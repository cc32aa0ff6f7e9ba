"""Invariant features for machine learning: canonical forms, sum decompositions and spectra.

A G-invariant function f(g·x) = f(x) is a function on the orbits. This module builds
such functions in the ways a model can use:

* **canonical forms** — a map c with c(x) in the orbit of x and c(g·x) = c(x), so that
  any f∘c is invariant: :func:`canonical_shift` (the smallest cyclic shift of a
  sequence, with :func:`canonicalising_shifts`, the shifts that reach it),
  :func:`canonical_sort` (sorting, for S_n on sets of tokens) and
  :func:`canonicalise` (the smallest point of the orbit, for any finite action);
* **sum decompositions** — the Deep Sets form ρ(Σᵢ φ(xᵢ)) on a finite alphabet, with an
  injective integer code (:func:`sum_encoding`, :func:`decode_sum_encoding`);
* **Fourier invariants of ℤ_L** — the power spectrum |X_k|² (invariant, not complete)
  and the bispectrum X_{k₁} X_{k₂} conj(X_{k₁+k₂}) (invariant, and complete when no
  Fourier coefficient vanishes): :func:`power_spectrum`, :func:`bispectrum`, and
  :func:`signal_from_bispectrum`, which recovers a signal up to shift.

Conventions: a shift by k is ``torch.roll(x, k)`` / ``numpy.roll(x, k)``, as in
:func:`~grouptools.actions.shift_action`; the Fourier transform is ``fft`` over the last
axis, X_k = Σ_t x_t e^{−2πi kt/L}.

Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = [
    "canonical_shift",
    "canonicalising_shifts",
    "canonical_sort",
    "canonicalise",
    "sum_encoding",
    "decode_sum_encoding",
    "power_spectrum",
    "bispectrum",
    "signal_from_bispectrum",
]

def _is_tensor(x: Any) -> bool:
    return hasattr(x, "detach") and hasattr(x, "cpu") and hasattr(x, "dtype")


def _as_numpy(x: Any, what: str) -> np.ndarray:
    """A NumPy copy of an array, tensor, list or tuple of real numbers (no complex, no NaN)."""
    a = x.detach().cpu().numpy() if _is_tensor(x) else np.asarray(x)
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"{what} must hold real numbers (bool, int or float), got dtype {a.dtype}")
    if a.dtype.kind == "f" and np.isnan(a).any():
        raise ValueError(f"{what} contains NaN, which has no order")
    return a


def _sequence(x: Any) -> np.ndarray:
    a = _as_numpy(x, "the sequence")
    if a.ndim != 1:
        raise ValueError(f"the sequence must be one-dimensional, got shape {tuple(a.shape)}")
    if a.size == 0:
        raise ValueError("the sequence is empty")
    return a


def _roll(x: Any, k: int) -> Any:
    """x shifted by k places in the input's own type (tensor, array, list or tuple)."""
    if _is_tensor(x):
        import torch

        return torch.roll(x, int(k), dims=-1)
    if isinstance(x, (list, tuple)):
        k %= len(x)
        out = list(x[len(x) - k :]) + list(x[: len(x) - k])
        return type(x)(out)
    return np.roll(np.asarray(x), int(k), axis=-1)


def canonicalising_shifts(x: Any) -> list[int]:
    """All k in 0..L−1 with ``roll(x, k)`` equal to the canonical shift of x, in increasing order.

    They form a coset k₀ + Stab(x) of the stabiliser Stab(x) = pℤ_L, p the smallest period
    of x: there are L/p of them, spaced p apart. The canonical sequence itself is unique.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    a = _sequence(x)
    rows = [tuple(np.roll(a, k).tolist()) for k in range(a.size)]
    best = min(rows)
    return [k for k, r in enumerate(rows) if r == best]


def canonical_shift(x: Any) -> tuple[Any, int]:
    """The lexicographically smallest cyclic shift c of a 1-D sequence x, and a shift k with ``roll(x, k) == c``.

    ``x`` is a NumPy array, a torch tensor, a list or a tuple of real numbers; c comes back
    in the same type. c is invariant, c(roll(x, j)) = c(x) for every j, and complete: two
    sequences have the same c exactly when one is a shift of the other. The shift k is
    the smallest that works; when x has period p < L, every k + multiple of p works too
    (:func:`canonicalising_shifts`), so k is defined only up to the stabiliser of x.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    k = canonicalising_shifts(x)[0]
    return _roll(x, k), k


def canonical_sort(x: Any) -> tuple[Any, Any]:
    """Sort a set of tokens: the canonical form of x under S_n permuting the entries (1-D) or rows (2-D).

    Returns ``(c, order)`` with ``c = x[order]``: the entries in increasing order, or the
    rows in lexicographic order. c is invariant and complete for S_n (two inputs have the
    same c exactly when they hold the same multiset of entries or rows); ``order`` is one
    permutation that reaches it (the stable one), unique only when no two entries or rows
    are equal. Works on NumPy arrays, torch tensors and lists (returned as arrays).

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    a = _as_numpy(x, "the set of tokens")
    if a.ndim not in (1, 2):
        raise ValueError(f"expected n tokens as a 1-D (n,) or 2-D (n, d) array, got shape {tuple(a.shape)}")
    if a.shape[0] == 0:
        raise ValueError("the set of tokens is empty")
    keys = [tuple(np.atleast_1d(row).tolist()) for row in a]
    order = sorted(range(len(keys)), key=lambda i: keys[i])
    if _is_tensor(x):
        import torch

        idx = torch.tensor(order, dtype=torch.long, device=x.device)
        return x[idx], idx
    idx = np.array(order, dtype=np.int64)
    return a[idx], idx


def canonicalise(action: Any, x: Any) -> tuple[Any, int]:
    """The canonical form of x under a finite action — the smallest point of its orbit — and a label g with g·x = it.

    * For a :class:`~grouptools.actions.GroupAction`, x is one of its points, and
      "smallest" means first in ``action.points`` (for colourings, whose points are listed
      in lexicographic order, the lexicographically smallest colouring).
    * For a :class:`~grouptools.actions.TensorAction`, x is a tensor and "smallest" means
      lexicographically smallest when flattened.

    The form is the same for every point of an orbit, so f∘canonicalise is invariant for
    every f. The label returned is the smallest g that works; every element of the coset
    g·Stab(x) works too.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    from .actions import GroupAction, TensorAction

    if isinstance(action, GroupAction):
        i = action.index(x)  # ValueError naming x when it is not a point
        column = action.perms[:, i]
        j = int(column.min())
        g = int(np.flatnonzero(column == j)[0])
        return action.points[j], g
    if isinstance(action, TensorAction):
        if not _is_tensor(x):
            raise TypeError(f"a TensorAction acts on torch tensors, got {type(x).__name__}")
        if x.is_complex():
            raise TypeError("complex tensors have no lexicographic order")
        if x.is_floating_point() and bool(x.isnan().any()):
            raise ValueError("the tensor contains NaN, which has no order")
        images = action.images(x)  # images[g] = g·x, one per label
        keys = [tuple(y.reshape(-1).tolist()) for y in images]
        g = min(range(len(keys)), key=lambda h: (keys[h], h))
        return images[g], g
    raise TypeError(f"canonicalise needs a GroupAction or a TensorAction, got {type(action).__name__}")


# --------------------------------------------------------------------------- Deep Sets on a finite alphabet


def _tokens(tokens: Any, alphabet: int) -> np.ndarray:
    if isinstance(alphabet, bool) or not isinstance(alphabet, numbers.Integral) or alphabet < 1:
        raise ValueError(f"the alphabet size must be a positive integer, got {alphabet!r}")
    a = _as_numpy(tokens, "the tokens")
    if a.ndim == 0 or a.shape[-1] == 0:
        raise ValueError(f"need a non-empty last axis of tokens, got shape {tuple(a.shape)}")
    if a.dtype.kind == "f" and not np.array_equal(a, np.round(a)):
        raise ValueError("the tokens must be whole numbers 0, 1, …, alphabet − 1")
    a = a.astype(np.int64)
    if a.min() < 0 or a.max() >= alphabet:
        raise ValueError(f"the tokens must lie in 0..{alphabet - 1}, got values from {a.min()} to {a.max()}")
    return a


def sum_encoding(tokens: Any, alphabet: int) -> Any:
    """Σᵢ φ(xᵢ) with φ(x) = (n+1)^x, for n tokens xᵢ in {0, …, alphabet − 1} along the last axis.

    The sum is an integer whose base-(n+1) digits are the multiplicities of 0, 1, 2, …
    (each at most n, so no digit carries): it is permutation invariant and determines the
    multiset, which :func:`decode_sum_encoding` recovers. A batch [..., n] gives [...].
    Exact in int64 while (n+1)^alphabet < 2⁶³.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    a = _tokens(tokens, alphabet)
    n = a.shape[-1]
    if alphabet * math.log2(n + 1) >= 63:
        raise ValueError(f"(n+1)^alphabet = {n + 1}^{alphabet} does not fit in int64")
    codes = (np.int64(n + 1) ** a).sum(axis=-1)
    return codes if codes.ndim else int(codes)


def decode_sum_encoding(code: int, n: int, alphabet: int) -> tuple[int, ...]:
    """The sorted n tokens whose :func:`sum_encoding` is ``code`` (the map ρ of Deep Sets reads them).

    Raises ``ValueError`` when ``code`` is not the code of n tokens from the alphabet.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    for name, v in (("code", code), ("n", n), ("alphabet", alphabet)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral) or v < (1 if name != "code" else 0):
            raise ValueError(f"{name} must be a {'non-negative' if name == 'code' else 'positive'} integer, got {v!r}")
    code, out = int(code), []
    for symbol in range(alphabet):
        code, count = divmod(code, n + 1)
        out += [symbol] * count
    if code or len(out) != n:
        raise ValueError(f"{code!r} is not the code of {n} tokens from an alphabet of {alphabet}")
    return tuple(out)


# --------------------------------------------------------------------------- Fourier invariants of Z_L


def _signal(x: Any) -> tuple[Any, bool]:
    """(FFT over the last axis, is_torch) for a real or complex array/tensor with a non-empty last axis."""
    if _is_tensor(x):
        import torch

        if x.ndim == 0 or x.shape[-1] == 0:
            raise ValueError(f"need a signal with a non-empty last axis, got shape {tuple(x.shape)}")
        if not (x.is_floating_point() or x.is_complex()):
            x = x.to(torch.float64)
        return torch.fft.fft(x, dim=-1), True
    a = np.asarray(x)
    if a.dtype == object or a.dtype.kind not in "biufc":
        raise TypeError(f"the signal must hold numbers, got dtype {a.dtype}")
    if a.ndim == 0 or a.shape[-1] == 0:
        raise ValueError(f"need a signal with a non-empty last axis, got shape {tuple(a.shape)}")
    return np.fft.fft(a, axis=-1), False


def power_spectrum(x: Any) -> Any:
    """The power spectrum |X_k|², k = 0..L−1, of signals x [..., L] (NumPy or torch, real output).

    Shift-invariant, since a shift by s multiplies X_k by e^{−2πi ks/L}; not complete: it
    forgets every phase, so a real sequence and its reversal (X_k ↦ conj X_k) share it.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    X, _ = _signal(x)
    return X.real**2 + X.imag**2


def bispectrum(x: Any) -> Any:
    """The bispectrum B[k₁, k₂] = X_{k₁} X_{k₂} conj(X_{k₁+k₂}) (indices mod L) of signals x [..., L] → [..., L, L].

    Shift-invariant (the phases e^{−2πi k₁s/L} e^{−2πi k₂s/L} e^{+2πi (k₁+k₂)s/L} cancel) and,
    when no X_k is zero, complete: B(x) = B(y) only if y is a shift of x.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    X, is_torch = _signal(x)
    L = X.shape[-1]
    if is_torch:
        import torch

        k = torch.arange(L, device=X.device)
        return X[..., :, None] * X[..., None, :] * torch.conj(X[..., (k[:, None] + k[None, :]) % L])
    k = np.arange(L)
    return X[..., :, None] * X[..., None, :] * np.conj(X[..., (k[:, None] + k[None, :]) % L])


def signal_from_bispectrum(B: Any, *, tol: float = 1e-9) -> np.ndarray:
    """A signal y (complex NumPy array of length L) with bispectrum B; y is x up to a shift when B = bispectrum(x).

    Needs every Fourier coefficient non-zero (|X_k| > ``tol`` · max |X|, else ``ValueError``).
    X₀ comes from B[0,0] = X₀|X₀|², the moduli from B[k,0] = X₀|X_k|², and the phases from
    B[1,k] = X₁ X_k conj X_{k+1} once the phase of X₁ is fixed; of its choices only L close
    the loop X_L = X₀, and these are the L shifts. For a real x the imaginary part of y is
    rounding noise.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    B = B.detach().cpu().numpy() if _is_tensor(B) else np.asarray(B)
    if B.ndim != 2 or B.shape[0] != B.shape[1] or B.shape[0] == 0:
        raise ValueError(f"a bispectrum is a square L × L array, got shape {tuple(B.shape)}")
    B = B.astype(np.complex128)
    L = B.shape[0]
    b00 = B[0, 0]
    if abs(b00) == 0:
        raise ValueError("X_0 = 0: the bispectrum does not determine the signal (need every Fourier coefficient non-zero)")
    X0 = b00 / abs(b00) ** (2 / 3)  # X0 |X0|² = B00
    mod = np.sqrt(np.maximum((B[:, 0] / X0).real, 0.0))  # |X_k|
    if mod.min() <= tol * mod.max():
        k = int(np.argmin(mod))
        raise ValueError(f"X_{k} = 0: the bispectrum does not determine the signal (need every Fourier coefficient non-zero)")
    X = np.empty(L + 1, dtype=np.complex128)
    X[0] = X0
    if L > 1:
        X[1] = mod[1]  # phase 0 for now
        for k in range(1, L):
            X[k + 1] = np.conj(B[1, k] / (X[1] * X[k]))  # B[1,k] = X1 Xk conj X_{k+1}
        # X[k] is the true coefficient times u^k for one unknown unit u; closing the loop fixes u^L
        uL = X[L] / X0
        u = np.exp(1j * np.angle(uL) / L)
        X = X[:L] / u ** np.arange(L)
    else:
        X = X[:1]
    return np.fft.ifft(X)
