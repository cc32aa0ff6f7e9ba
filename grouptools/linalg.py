"""Canonical linear algebra: bases that are functions of a subspace, not of LAPACK's choices.

An SVD, a QR factorisation or an eigendecomposition returns *some* orthonormal basis of
the subspace it finds. Which one depends on the BLAS/LAPACK build, the CPU's kernel path
and the thread count: signs flip, complex phases rotate, and inside a repeated eigenvalue
the basis can be any rotation. Anything printed, compared or trained from such a basis
then differs from machine to machine. Only the *subspace* is well defined, and it is
determined by its orthogonal projector Π, which every basis gives the same way
(Π = V Vᴴ for orthonormal columns V).

This module turns a subspace into one fixed basis:

* :func:`canonical_basis` — Gram–Schmidt applied to Π e₀, Π e₁, … (the projections of
  the standard basis vectors, or of given candidate vectors, in order), skipping those
  already in the span. The result depends only on Π and the candidates' order: the
  first basis vector is the normalised projection of the first coordinate vector that
  is not orthogonal to the subspace, its pivot coordinate ⟨u, e_j⟩ is real and
  positive, and so on (an orthonormal version of the reduced row-echelon form).
* :func:`null_space` — the canonical basis of a null space.
* :func:`snap` — round entries within a tolerance of an integer to that integer and turn
  −0.0 into 0.0, so that exact zeros and ones are exact and print without a sign.

Two machines then agree to rounding (about 1e-13 for the course's sizes), not bit for
bit: transcendental functions and summation orders still differ in the last bits.
Printing goes through :mod:`grouptools.formatting`, which rounds to what the text needs.

Explained in Chapter 6, *Irreducible representations* (the canonical basis of an irrep).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = ["snap", "canonical_basis", "null_space", "AmbiguousRankError"]

#: A candidate whose residual (relative to its own length) is above this enters the basis.
ACCEPT = 1e-6
#: A candidate whose relative residual is below this is in the span already.
REJECT = 1e-9


class AmbiguousRankError(ArithmeticError):
    """A candidate vector was neither clearly inside nor clearly outside the span so far.

    Its relative residual lay between ``REJECT`` and ``ACCEPT``; rounding could decide
    either way, so the basis would not be canonical. Callers that can choose another
    subspace (the irreps' random commutant element) retry; others pass it on.
    """


def snap(values: Any, tol: float = 1e-10) -> np.ndarray:
    """A copy with real and imaginary parts within ``tol`` of an integer set to it, and −0.0 made 0.0.

    Real input stays real; complex input stays complex. Used on computed results whose
    exact values are integers (character values, matrix entries 0 and ±1), so that they
    are exact and print the same everywhere.

    Explained in Chapter 6, *Character tables*.
    """
    v = np.array(values, copy=True)
    if np.iscomplexobj(v):
        return _snap_real(v.real, tol) + 1j * _snap_real(v.imag, tol)
    if not np.issubdtype(v.dtype, np.floating):
        return v
    return _snap_real(v, tol)


def _snap_real(x: np.ndarray, tol: float) -> np.ndarray:
    x = np.array(x, dtype=np.float64, copy=True)
    r = np.round(x)
    near = np.abs(x - r) < tol
    x[near] = r[near]
    return x + 0.0  # -0.0 + 0.0 == +0.0


def _gram_schmidt(candidates: Iterable[np.ndarray], project: Any, rank: int, strict: bool) -> np.ndarray:
    """Orthonormalise the projections of the candidates in order until ``rank`` vectors are found."""
    basis: list[np.ndarray] = []
    for c in candidates:
        if len(basis) == rank:
            break
        v = project(c)
        length = float(np.linalg.norm(c))
        if length == 0.0:
            continue
        for _ in range(2):  # Gram–Schmidt twice is enough for orthogonality to rounding
            for q in basis:
                v = v - q * np.vdot(q, v)
        residual = float(np.linalg.norm(v)) / length
        if residual > ACCEPT:
            basis.append(v / np.linalg.norm(v))
        elif residual > REJECT and strict:
            raise AmbiguousRankError(
                f"a candidate's residual {residual:.1e} lies between {REJECT:.0e} and {ACCEPT:.0e}: "
                "rounding could put it either inside or outside the span"
            )
    if len(basis) < rank:
        raise ArithmeticError(f"found {len(basis)} independent candidates for a subspace of dimension {rank}")
    return np.stack(basis, axis=1)  # rank ≥ 1: canonical_basis handles rank 0


def canonical_basis(
    projector: Any,
    candidates: Iterable[Any] | None = None,
    *,
    rank: int | None = None,
    strict: bool = False,
) -> np.ndarray:
    """The canonical orthonormal basis (columns, shape (n, r)) of the image of a projector Π.

    Gram–Schmidt runs over Π c for the candidates c in order — by default the standard
    basis vectors e₀, e₁, …, e_{n−1} — and keeps those with a residual above
    ``ACCEPT`` (1e-6) times |c|. The basis depends on Π only: any orthonormal basis of
    the same subspace, in any order and with any signs or phases, gives the same Π and
    so the same result. (An oblique projector, such as a Reynolds operator for a
    non-unitary representation, works too: the basis is then a function of that
    matrix.) ``projector`` may also be given as a function c ↦ Π c, in which
    case ``rank`` is required. ``rank`` defaults to round(trace Π). With ``strict=True``
    a candidate whose residual lies between 1e-9 and 1e-6 raises
    :class:`AmbiguousRankError` instead of being skipped.

    Real projectors give real bases. Entries within 1e-12 of an integer are snapped to it.

    Explained in Chapter 6, *Irreducible representations*.
    """
    if callable(projector):
        if rank is None:
            raise ValueError("give rank when the projector is a function")
        apply = projector
        n = None
    else:
        P = np.asarray(projector)
        if P.ndim != 2 or P.shape[0] != P.shape[1]:
            raise ValueError(f"a projector is a square matrix, got shape {P.shape}")
        n = P.shape[0]
        if rank is None:
            rank = int(round(float(np.trace(P).real)))
        apply = P.__matmul__
    if rank == 0:
        return np.zeros((n or 0, 0), dtype=np.float64)
    if candidates is None:
        if n is None:
            raise ValueError("give the candidate vectors when the projector is a function")
        eye = np.eye(n)
        candidates = (eye[j] for j in range(n))
    Q = _gram_schmidt((np.asarray(c) for c in candidates), apply, rank, strict)
    if np.iscomplexobj(Q) and np.max(np.abs(Q.imag), initial=0.0) < 1e-13:
        Q = Q.real
    return snap(Q, 1e-12)


def null_space(A: Any, rtol: float = 1e-9) -> np.ndarray:
    """The canonical orthonormal basis (columns, shape (n, k)) of {x : A x = 0}.

    Singular values at most ``rtol`` times the largest (and at least ``rtol`` absolutely)
    count as zero. The null space's projector comes from an SVD; the basis is
    :func:`canonical_basis` of it, so it does not depend on the SVD's choices.

    Explained in Chapter 6, *Schur's lemma*.
    """
    A = np.asarray(A)
    if A.ndim != 2:
        raise ValueError(f"null_space needs a matrix, got shape {A.shape}")
    n = A.shape[1]
    if A.shape[0] == 0:
        return np.eye(n)
    _, s, vh = np.linalg.svd(A, full_matrices=True)
    cutoff = rtol * max(1.0, float(s[0]) if len(s) else 1.0)
    rank = int(np.sum(s > cutoff))
    N = vh[rank:]
    if N.shape[0] == 0:
        return np.zeros((n, 0), dtype=A.dtype if np.iscomplexobj(A) else np.float64)
    return canonical_basis(N.conj().T @ N, rank=N.shape[0])  # N has orthonormal rows
