"""The Fourier transform on a finite group, its inverse, convolution and Plancherel.

For a function f: G → ℂ (an array of length |G| indexed by label) and the
unitary irreps ρ₀, …, ρ_{k−1} of :func:`~grouptools.irreps`:

* Fourier transform  f̂(ρ) = Σ_g f(g) ρ(g)            (a d_ρ×d_ρ matrix per irrep)
* inverse            f(g) = (1/|G|) Σ_ρ d_ρ tr(ρ(g)ᴴ f̂(ρ))
* convolution        (f ∗ h)(x) = Σ_y f(y) h(y⁻¹x),   with (f ∗ h)^(ρ) = f̂(ρ) ĥ(ρ)
* Plancherel         Σ_g f(g) conj(h(g)) = (1/|G|) Σ_ρ d_ρ tr(f̂(ρ) ĥ(ρ)ᴴ)

For G = Z_n the irreps are the characters χ(g) = e^{−2πi k g/n}, and
f̂(χ) is ``numpy.fft.fft(f)[k]``: the discrete Fourier transform.

The coefficients f̂(ρ) depend on the basis of each irrep; with the default
``reps`` that basis is :func:`~grouptools.irreps`' canonical one, so the
coefficients are the same on every machine (to rounding).

Explained in Chapter 6, *The Fourier transform on a finite group*.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from .groups import FiniteGroup
from .irreps import irreps
from .representations import Representation

__all__ = [
    "fourier_transform",
    "inverse_fourier_transform",
    "convolve",
    "plancherel",
    "dft_index",
]


def _function(G: FiniteGroup, f: Any, what: str = "f") -> np.ndarray:
    arr = np.asarray(f, dtype=np.complex128)
    if arr.shape != (G.order,):
        raise ValueError(f"{what} must have one value per element of {G.name} (shape ({G.order},)), got {arr.shape}")
    return arr


def _reps(G: FiniteGroup, reps: Sequence[Representation] | None) -> list[Representation]:
    return irreps(G) if reps is None else list(reps)


def fourier_transform(G: FiniteGroup, f: Any, reps: Sequence[Representation] | None = None) -> list[np.ndarray]:
    """f̂(ρ) = Σ_g f(g) ρ(g) for every irrep ρ (a list of d_ρ×d_ρ matrices, in irreps order).

    ``f`` has one value per element label. ``reps`` defaults to :func:`~grouptools.irreps` ``(G)``.

    Explained in Chapter 6, *The Fourier transform on a finite group*.
    """
    f = _function(G, f)
    return [np.tensordot(f, rho.matrices, axes=1) for rho in _reps(G, reps)]


def inverse_fourier_transform(
    G: FiniteGroup, fhat: Sequence[Any], reps: Sequence[Representation] | None = None
) -> np.ndarray:
    """f(g) = (1/|G|) Σ_ρ d_ρ tr(ρ(g)ᴴ f̂(ρ)): recovers f from its Fourier coefficients.

    Explained in Chapter 6, *The Fourier transform on a finite group*.
    """
    rs = _reps(G, reps)
    if len(fhat) != len(rs):
        raise ValueError(f"{len(fhat)} Fourier coefficients for {len(rs)} irreps of {G.name}")
    out = np.zeros(G.order, dtype=np.complex128)
    for rho, F in zip(rs, fhat):
        F = np.asarray(F, dtype=np.complex128)
        if F.shape != (rho.degree, rho.degree):
            raise ValueError(f"the coefficient for {rho.name} must be {rho.degree}×{rho.degree}, got {F.shape}")
        # tr(ρ(g)ᴴ F) = Σ_ab conj(ρ(g)_ab) F_ab
        out += rho.degree * np.einsum("gab,ab->g", rho.matrices.conj(), F)
    return out / G.order


def convolve(G: FiniteGroup, f: Any, h: Any) -> np.ndarray:
    """(f ∗ h)(x) = Σ_y f(y) h(y⁻¹·x), computed directly on the Cayley table.

    Convolution is associative but, for a non-abelian group, not commutative.
    Its Fourier transform is the matrix product f̂(ρ) ĥ(ρ).

    Explained in Chapter 6, *The Fourier transform on a finite group*.
    """
    f = _function(G, f, "f")
    h = _function(G, h, "h")
    inv = G.inverses
    # M[y, x] = h(y⁻¹ x)
    M = h[G.table[inv]]
    return f @ M


def plancherel(G: FiniteGroup, f: Any, h: Any | None = None, reps: Sequence[Representation] | None = None) -> tuple[complex, complex]:
    """Both sides of Plancherel's formula: (Σ_g f(g) conj(h(g)), (1/|G|) Σ_ρ d_ρ tr(f̂(ρ) ĥ(ρ)ᴴ)).

    With ``h=None`` it compares Σ|f|² with (1/|G|) Σ_ρ d_ρ ‖f̂(ρ)‖²_F. The two
    numbers agree up to rounding.

    Explained in Chapter 6, *The Fourier transform on a finite group*.
    """
    f = _function(G, f, "f")
    h = f if h is None else _function(G, h, "h")
    rs = _reps(G, reps)
    F = fourier_transform(G, f, rs)
    H = F if h is f else fourier_transform(G, h, rs)
    left = complex(np.vdot(h, f))
    right = complex(sum(rho.degree * np.vdot(B, A) for rho, A, B in zip(rs, F, H)) / G.order)
    return left, right


def dft_index(G: FiniteGroup, reps: Sequence[Representation] | None = None) -> list[int]:
    """For a cyclic group Z_n from :func:`~grouptools.cyclic`: k with χ(1) = e^{−2πik/n} for each irrep.

    Then ``fourier_transform(G, f)[i][0, 0] == numpy.fft.fft(f)[dft_index(G)[i]]``.

    Explained in Chapter 6, *The abelian case: the discrete Fourier transform*.
    """
    rs = _reps(G, reps)
    n = G.order
    g1 = G.generators[0] if n > 1 else G.identity
    if any(r.degree != 1 for r in rs) or (n > 1 and G.element_order(g1) != n):
        raise ValueError(f"{G.name} is not cyclic with generator of order {n}")
    if n > 1 and G.label("1") != g1:
        raise ValueError("dft_index expects a group from cyclic(n), whose generator is named '1'")
    out = []
    for r in rs:
        z = complex(r(g1)[0, 0]) if n > 1 else 1.0
        k = int(round(-np.angle(z) / (2 * np.pi) * n)) % n
        out.append(k)
    return out
