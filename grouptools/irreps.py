"""Explicit unitary irreducible representations of any finite group.

Method (one irreducible character χ of degree d at a time; linear characters,
d = 1, are their own representations). No step depends on the basis that a LAPACK
routine happens to return, so the result is the same on every machine (see step 3).

1. **Isotypic component.** In the left regular representation L on ℂ[G] the
   operator P = (d/|G|) Σ_g conj(χ(g)) L(g) is the orthogonal projection onto
   the χ-isotypic component W, of dimension d², which is d copies of the irrep V.
2. **One irreducible subspace.** Right multiplications R(a) f(x) = Σ_h a(h) f(x·h)
   commute with L and act on W ≅ V ⊗ V* through the second factor only, so each
   choice of a line in V* picks one irreducible left-invariant subspace of W.

   *Preferred: an eigenvector of one element.* Take the first element h (in label
   order) and λ = e^{2πij/o} (j = 0, 1, …, o the order of h; only λ = ±1 for a real
   irrep) such that λ is a *simple* eigenvalue of ρ(h); its multiplicity
   (1/o) Σ_k χ(hᵏ) λ^{−k} is read off the character. With a = (1/o) Σ_k λᵏ δ_{hᵏ} the
   operator Π = P R(a) is the orthogonal projector onto an irreducible subspace, found
   with no eigensolver at all, and in the basis below ρ(h) u₁ = λ u₁: the matrices
   are adapted to h. (For the dihedral group D₄ this gives ρ(s) = diag(1, −1) and the
   quarter turn for ρ(r).) Most irreps of the groups in the course have such an h.

   *Otherwise: a seeded commutant element.* An orthonormal basis of W comes from a QR
   factorisation of P·X for a random |G|×d² matrix X. For a random a with a(h⁻¹) =
   conj(a(h)) the operator R(a) is Hermitian and acts on W as 1 ⊗ B with B a random
   Hermitian d×d matrix, so its eigenvalues on W come in d clusters of multiplicity d;
   the eigenspace of the best separated cluster is an irreducible subspace. The
   random numbers come from ``numpy.random.default_rng`` with a fixed seed (a
   bit-exact stream on every platform); a draw whose clusters are not well separated
   is discarded, so the result is deterministic.
3. **A canonical basis.** A subspace is determined by its orthogonal projector Π;
   the basis that QR and ``eigh`` return is not (signs, phases, rotations inside a
   cluster), and neither would the matrices be. The basis is therefore built from Π
   alone: with w = Π δ_e (the projection of the identity's indicator function), it is
   Gram–Schmidt applied to the translates L(x) w = Π δ_x for x = e first, then the
   other labels in increasing order, skipping translates already in the span
   (:func:`grouptools.linalg.canonical_basis`). So u₁ = w/|w|, and every ρ(g) is a
   function of the group and its labels only: the same on every machine, BLAS build,
   kernel path and thread count, in every process and call order, up to rounding
   (about 1e-13). A subspace for which some translate is neither clearly inside nor
   clearly outside the span is not used (the next choice is taken).
4. **Matrices.** ρ(g) = Uᴴ L(g) U with U the canonical basis (|G|×d). Since L(g) is
   a permutation matrix and U has orthonormal columns spanning an invariant
   subspace, every ρ(g) is unitary: no Weyl-trick averaging of a Hermitian form is
   needed. Entries within 1e-10 of an integer are set to it (so 0 and ±1 are exact
   and −0.0 does not occur).
5. **Real forms.** When the Frobenius–Schur indicator is +1, P is real and so is the
   chosen a (ψ = ±1, or a real symmetric random a), hence U is real and ρ(g) real
   orthogonal. (For indicator −1 no real form exists: the real commutant is
   quaternionic and real symmetric a give eigenspaces of twice the size, so a
   complex a is used; for indicator 0 the character is not real.)

Every irrep is validated (homomorphism on generators, trace equal to the character)
before it is returned.

Explained in Chapter 6, *Irreducible representations*.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .characters import _IdentityCache, character_table
from .groups import FiniteGroup
from .linalg import AmbiguousRankError, canonical_basis, snap
from .representations import Representation

__all__ = ["Irrep", "irreps", "regular_decomposition", "isotypic_projection"]

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


def _powers(G: FiniteGroup, h: int) -> list[int]:
    """[e, h, h², …, h^{o−1}] for an element h of order o."""
    out = [G.identity]
    x = h
    while x != G.identity:
        out.append(x)
        x = int(G.table[x, h])
    return out


def _simple_eigenvalue_idempotent(G: FiniteGroup, chi: np.ndarray, nu: int) -> np.ndarray | None:
    """a = (1/o) Σ_k λᵏ δ_{hᵏ} for the first element h and simple eigenvalue λ of ρ(h), or None.

    Elements h ≠ e are tried in label order and λ = e^{2πij/o} for j = 0, 1, …, o − 1 (o the
    order of h); for a real irrep (ν = +1) only λ = ±1, so that the basis is real. The
    multiplicity of λ as an eigenvalue of ρ(h) is (1/o) Σ_k χ(hᵏ) λ^{−k}, read off the
    character. With this a, R(a) is an orthogonal projector and ρ(h) u₁ = λ u₁ for the
    first canonical basis vector u₁.
    """
    chi = np.asarray(chi, dtype=np.complex128)
    for h in range(G.order):
        if h == G.identity:
            continue
        pw = _powers(G, h)
        o = len(pw)
        values = chi[pw]
        js = ([0, o // 2] if o % 2 == 0 else [0]) if nu == 1 else range(o)
        for j in js:
            lam_k = snap(np.exp(2j * np.pi * j * np.arange(o) / o), 1e-14)  # λᵏ, exact when ±1 or ±i
            if abs(complex(np.mean(values * lam_k.conj())) - 1) < 1e-8:
                a = np.zeros(G.order, dtype=np.complex128)
                a[pw] = lam_k / o
                return a
    return None


def _matrices(G: FiniteGroup, inv: np.ndarray, U: np.ndarray) -> np.ndarray:
    """ρ(g) = Uᴴ L(g) U for every g, with (L(g) U)[y] = U[g⁻¹·y]; in blocks of g to bound memory."""
    n, d = U.shape
    mats = np.empty((n, d, d), dtype=np.complex128)
    block = max(1, 4_000_000 // (n * d))
    Uc = U.conj()
    for start in range(0, n, block):
        g = np.arange(start, min(n, start + block))
        LU = U[G.table[inv[g]]]  # LU[g, y, :] = U[g⁻¹·y]
        mats[g] = np.einsum("ya,gyb->gab", Uc, LU)
    return snap(mats, 1e-10)


def _canonical_irreducible_basis(G: FiniteGroup, inv: np.ndarray, w: np.ndarray, d: int) -> np.ndarray:
    """The canonical orthonormal basis of the irreducible left-invariant subspace spanned by the translates of w.

    w = Π δ_e for the subspace's orthogonal projector Π. Gram–Schmidt runs over the translates
    L(x) w = Π δ_x for x = e and then the other labels in increasing order (module docstring,
    step 3). Raises :class:`~grouptools.linalg.AmbiguousRankError` when a translate is
    neither clearly inside nor clearly outside the span.
    """
    e = G.identity
    order = [e] + [x for x in range(G.order) if x != e]
    translates = (w[G.table[inv[x]]] for x in order)  # (L(x) w)[y] = w[x⁻¹·y]
    return canonical_basis(lambda v: v, translates, rank=d, strict=True)


def _one_irrep(
    G: FiniteGroup, inv: np.ndarray, chi: np.ndarray, d: int, nu: int, rng: np.random.Generator
) -> np.ndarray:
    n = G.order
    real = nu == 1
    P = isotypic_projection(G, chi, d)
    if real:
        P = P.real
    found = _simple_eigenvalue_idempotent(G, chi, nu)
    if found is not None:
        a = found.real if real else found
        w = P @ a[inv]  # Π δ_e with Π = P R(a), and R(a) δ_e = a(x⁻¹)
        try:
            return _matrices(G, inv, _canonical_irreducible_basis(G, inv, w, d))
        except AmbiguousRankError:
            pass
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
        w = U @ U[G.identity].conj()  # Π δ_e with Π = U Uᴴ; does not depend on the basis U
        try:
            return _matrices(G, inv, _canonical_irreducible_basis(G, inv, w, d))
        except AmbiguousRankError:
            continue
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


class Irrep(Representation):
    """An irreducible representation from :func:`irreps`: a :class:`~grouptools.Representation` that also knows
    its row ``index`` in the character ``table`` and its Frobenius–Schur ``indicator`` (+1, 0 or −1).

    Explained in Chapter 6, *Irreducible representations*.
    """

    def __init__(self, group: FiniteGroup, matrices: Any, *, index: int, indicator: int, table: Any,
                 name: str | None = None, check: bool = True) -> None:
        super().__init__(group, matrices, name=name, check=check)
        if int(indicator) not in (-1, 0, 1):
            raise ValueError(f"a Frobenius–Schur indicator is −1, 0 or 1, got {indicator}")
        self.index = int(index)
        self.indicator = int(indicator)
        self.table = table


def irreps(G: FiniteGroup, *, cache: bool = True) -> list[Irrep]:
    """A complete list of pairwise inequivalent unitary irreducible representations of G.

    ``irreps(G)[i]`` affords the character in row i of :func:`character_table`
    ``(G)`` (its trace equals that row to about 1e-12). Every matrix is unitary,
    and irreps with Frobenius–Schur indicator +1 are given in real orthogonal
    form. The method (projection onto isotypic components of the regular
    representation and a random Hermitian element of the commutant, seeded) is
    described in the module docstring. Each is an :class:`Irrep` named ``"ρᵢ"``, with its
    ``index``, ``indicator`` and character ``table``.

    **What is canonical.** The order and labels are those of the character table; the
    matrices are a pure function of the group (its Cayley table and labels): the basis
    of each irrep is the Gram–Schmidt basis of the translates of one fixed vector
    (module docstring, step 3), not whatever basis LAPACK returned. Two machines,
    BLAS builds, kernel paths or thread counts, two processes, and a cached or an
    uncached call agree entry by entry to rounding (about 1e-13), with exact 0 and ±1
    where the exact value is an integer.

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
        rho = Irrep(G, mats, index=i, indicator=nu, table=table,
                    name=f"ρ{i}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")), check=False)
        _validate(rho, chi)
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
