"""Explicit unitary irreducible representations of any finite group.

Method (one irreducible character χ of degree d at a time; linear characters,
d = 1, are their own representations):

1. **Isotypic component.** In the left regular representation L on ℂ[G] the
   operator P = (d/|G|) Σ_g conj(χ(g)) L(g) is the orthogonal projection onto
   the χ-isotypic component W, of dimension d², which is d copies of the irrep.
   An orthonormal basis of W comes from a QR factorisation of P·X for a random
   |G|×d² matrix X.
2. **Commutant eigen-split.** Right multiplications R(a) f(x) = Σ_h a(h) f(x·h)
   commute with L. For a random a with a(h⁻¹) = conj(a(h)) the operator R(a) is
   Hermitian and acts on W ≅ V ⊗ V* as 1 ⊗ B with B a random Hermitian d×d
   matrix, so its eigenvalues on W come in d clusters of multiplicity d, and
   each eigenspace U is an irreducible left-invariant subspace.
3. **Matrices.** ρ(g) = Uᴴ L(g) U with U an orthonormal basis (|G|×d). Since
   L(g) is a permutation matrix and U has orthonormal columns spanning an
   invariant subspace, every ρ(g) is unitary: no Weyl-trick averaging of a
   Hermitian form is needed.
4. **Real forms.** When the Frobenius–Schur indicator is +1 the projection P is
   real and a *real* symmetric a is used, so B is real symmetric, U is real and
   ρ(g) is real orthogonal. (For indicator −1 no real form exists: the real
   commutant is quaternionic and real symmetric a give eigenspaces of twice the
   size, so a complex a is used; for indicator 0 the character is not real.)

Randomness comes from ``numpy.random.default_rng`` with a fixed seed; if a draw
gives clusters that are not well separated the next draw is used, so the result
is deterministic. Every irrep is validated (homomorphism on generators, trace
equal to the character) before it is returned.

Explained in Chapter 6, *Irreducible representations*.
"""

from __future__ import annotations

import numpy as np

from .characters import _IdentityCache, character_table
from .groups import FiniteGroup
from .representations import Representation

__all__ = ["irreps", "regular_decomposition", "isotypic_projection"]

_SEED = 4_2024
_IRREP_CACHE = _IdentityCache()


def _inverse_labels(G: FiniteGroup) -> np.ndarray:
    n = G.order
    inv = np.empty(n, dtype=np.int64)
    e = G.identity
    r, c = np.nonzero(G.table == e)
    inv[r] = c
    return inv


def isotypic_projection(G: FiniteGroup, chi: np.ndarray, degree: int) -> np.ndarray:
    """The matrix of P = (d/|G|) Σ_g conj(χ(g)) L(g) on ℂ[G]: P[z, x] = (d/|G|) conj(χ(z·x⁻¹)).

    ``chi`` is an irreducible character on elements (length |G|). P is the
    orthogonal projection onto the χ-isotypic component of the regular
    representation.

    Explained in Chapter 6, *Decomposing the regular representation*.
    """
    inv = _inverse_labels(G)
    zx = G.table[:, inv]  # zx[z, x] = z·x⁻¹
    return (degree / G.order) * np.conj(np.asarray(chi, dtype=np.complex128))[zx]


def _one_irrep(
    G: FiniteGroup, inv: np.ndarray, chi: np.ndarray, d: int, nu: int, rng: np.random.Generator
) -> np.ndarray:
    n = G.order
    real = nu == 1
    P = isotypic_projection(G, chi, d)
    if real:
        P = P.real
    dtype = np.float64 if real else np.complex128
    xinv_y = G.table[inv[:, None], np.arange(n)[None, :]]  # x⁻¹·y
    for _attempt in range(30):
        X = rng.standard_normal((n, d * d))
        if not real:
            X = X + 1j * rng.standard_normal((n, d * d))
        W, _ = np.linalg.qr(P @ X)
        a = rng.standard_normal(n)
        if not real:
            a = a + 1j * rng.standard_normal(n)
        a = (a + np.conj(a[inv])) / 2  # a(h⁻¹) = conj a(h)  ⇒  R(a) Hermitian
        R = a[xinv_y].astype(dtype)  # R[x, y] = a(x⁻¹ y)
        B = W.conj().T @ (R @ W)
        B = (B + B.conj().T) / 2
        lam, V = np.linalg.eigh(B)
        scale = max(1e-300, float(np.max(np.abs(lam))))
        blocks = lam.reshape(d, d)  # d clusters of d equal eigenvalues, sorted
        spread = (blocks.max(axis=1) - blocks.min(axis=1)) / scale
        if spread.max() > 1e-7:
            continue
        gaps = np.full(d, np.inf)
        between = (blocks[1:, 0] - blocks[:-1, -1]) / scale
        gaps[:-1] = np.minimum(gaps[:-1], between)
        gaps[1:] = np.minimum(gaps[1:], between)
        b = int(np.argmax(gaps))
        if gaps[b] < 1e-4:
            continue
        U = W @ V[:, b * d : (b + 1) * d]
        # ρ(g) = Uᴴ L(g) U,  (L(g) U)[y] = U[g⁻¹ y]; in blocks of g to bound memory
        mats = np.empty((n, d, d), dtype=np.complex128)
        block = max(1, 4_000_000 // (n * d))
        Uc = U.conj()
        for start in range(0, n, block):
            g = np.arange(start, min(n, start + block))
            LU = U[G.table[inv[g]]]  # LU[g, y, :] = U[g⁻¹·y]
            mats[g] = np.einsum("ya,gyb->gab", Uc, LU)
        return mats
    raise RuntimeError(f"could not split the isotypic component of degree {d} of {G.name}")


def _validate(rho: Representation, chi: np.ndarray, tol: float = 1e-9) -> None:
    G, R = rho.group, rho.matrices
    err_trace = float(np.max(np.abs(np.trace(R, axis1=1, axis2=2) - chi)))
    err_e = float(np.max(np.abs(R[G.identity] - np.eye(rho.degree))))
    err_hom = 0.0
    for s in G.generators:
        err_hom = max(err_hom, float(np.max(np.abs(R[G.table[:, s]] - R @ R[s]))))
    if max(err_trace, err_e, err_hom) > tol:
        raise RuntimeError(
            f"irrep {rho.name} failed validation (trace error {err_trace:.2e}, homomorphism error "
            f"{err_hom:.2e}, identity error {err_e:.2e})"
        )


def irreps(G: FiniteGroup, *, cache: bool = True) -> list[Representation]:
    """A complete list of pairwise inequivalent unitary irreducible representations of G.

    ``irreps(G)[i]`` affords the character in row i of :func:`character_table`
    ``(G)`` (its trace equals that row to about 1e-12). Every matrix is unitary,
    and irreps with Frobenius–Schur indicator +1 are given in real orthogonal
    form. The method (projection onto isotypic components of the regular
    representation and a random Hermitian element of the commutant, seeded) is
    described in the module docstring. Each irrep's ``name`` is ``"ρᵢ"`` and it
    carries ``index``, ``indicator`` and ``table`` attributes.

    Explained in Chapter 6, *Irreducible representations*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"irreps needs a FiniteGroup, not {type(G).__name__}")
    if cache:
        hit = _IRREP_CACHE.get(G)
        if hit is not None:
            return list(hit)
    table = character_table(G, cache=cache)
    inv = _inverse_labels(G)
    rng = np.random.default_rng(_SEED)
    out: list[Representation] = []
    for i in range(len(table)):
        chi = table.character(i)
        d = int(table.degrees[i])
        nu = int(table.indicators[i])
        if d == 1:
            mats = chi.reshape(-1, 1, 1).astype(np.complex128)
        else:
            mats = _one_irrep(G, inv, chi, d, nu, rng)
            if nu == 1:
                mats = mats.real.astype(np.complex128)
        rho = Representation(G, mats, name=f"ρ{i}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")), check=False)
        _validate(rho, chi)
        rho.index = i  # type: ignore[attr-defined]
        rho.indicator = nu  # type: ignore[attr-defined]
        rho.table = table  # type: ignore[attr-defined]
        out.append(rho)
    if cache:
        _IRREP_CACHE.set(G, out)
    return list(out)


def regular_decomposition(G: FiniteGroup) -> tuple[np.ndarray, Representation]:
    """An explicit unitary Q with Qᴴ L(g) Q = ⊕ᵢ ρᵢ(g)^{⊕ dᵢ} for the regular representation L.

    The columns of Q are the normalised matrix coefficients
    f_{ab}(x) = √(dᵢ/|G|) conj(ρᵢ(x)_{ab}), ordered by irrep i, then by copy b,
    then by row a; Schur orthogonality makes them orthonormal. Returns ``(Q, D)``
    where D is the block-diagonal representation ⊕ᵢ ρᵢ^{⊕ dᵢ}.

    Explained in Chapter 6, *Decomposing the regular representation*.
    """
    reps = irreps(G)
    n = G.order
    cols = []
    blocks = []
    for rho in reps:
        d = rho.degree
        coeff = np.sqrt(d / n) * np.conj(rho.matrices)  # coeff[x, a, b]
        for b in range(d):
            cols.append(coeff[:, :, b])  # n × d, columns a = 0..d-1
            blocks.append(rho)
    Q = np.hstack(cols)
    D = blocks[0].direct_sum(*blocks[1:]) if len(blocks) > 1 else blocks[0]
    D.name = f"⊕ of the irreps of {G.name}, each dim-many times"
    return Q, D
