"""Representations of finite groups: homomorphisms ρ: G → GL(d, ℂ) stored as matrices.

A :class:`Representation` keeps one ``d×d`` complex matrix per element label and
is called like a function: ``rho(g)`` is the matrix of g (by label or name),
``rho.character()`` the traces. Constructors: :meth:`Representation.from_generators`
(images of generators, extended through the Cayley table), :func:`trivial_representation`,
:func:`regular_representation`, :func:`permutation_representation`. Operations:
direct sum, tensor product, change of basis, dual, restriction to a subgroup.

Explained in Chapter 6, *Representations*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .groups import Element, FiniteGroup
from .linalg import null_space
from .subgroups import as_group

__all__ = [
    "Representation",
    "trivial_representation",
    "regular_representation",
    "permutation_representation",
    "direct_sum",
    "tensor_product",
    "intertwiners",
    "unitarize",
]

_ATOL = 1e-8


def _scale(mats: np.ndarray) -> float:
    return max(1.0, float(np.max(np.abs(mats)))) if mats.size else 1.0


class Representation:
    """A representation ρ of a finite group: one invertible ``d×d`` complex matrix per element.

    ``matrices[g]`` is ρ(g) for the element with label g (an array of shape
    ``(|G|, d, d)``, complex128, read-only). ``rho(g)`` accepts a label or a name.
    With ``check=True`` (the default) the constructor verifies that ρ is a
    homomorphism, ρ(g·h) = ρ(g)ρ(h), and raises ``ValueError`` naming the first
    failing pair (g, h) otherwise (see :meth:`check_homomorphism`).

    Explained in Chapter 6, *Representations*.
    """

    def __init__(
        self,
        group: FiniteGroup,
        matrices: Any,
        *,
        name: str | None = None,
        check: bool = True,
        atol: float = _ATOL,
    ) -> None:
        if not isinstance(group, FiniteGroup):
            raise TypeError(f"a representation needs a FiniteGroup, not {type(group).__name__}")
        mats = np.array(matrices, dtype=np.complex128)
        n = group.order
        if mats.ndim != 3 or mats.shape[0] != n or mats.shape[1] != mats.shape[2]:
            raise ValueError(
                f"a representation of {group.name} needs {n} square matrices (an array of shape "
                f"({n}, d, d)), got shape {mats.shape}"
            )
        if mats.shape[1] == 0:
            raise ValueError("a representation has degree at least 1")
        if not np.all(np.isfinite(mats)):
            raise ValueError("the matrices contain NaN or infinite entries")
        mats.setflags(write=False)
        self.group = group
        self.matrices = mats
        self.name = name or f"representation of {group.name} of degree {mats.shape[1]}"
        if check:
            self.check_homomorphism(atol)

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_generators(
        cls,
        group: FiniteGroup,
        images: Mapping[Element, Any],
        *,
        name: str | None = None,
        atol: float = _ATOL,
    ) -> "Representation":
        """The representation with ρ(s) = ``images[s]`` on generators s, extended by ρ(x·s) = ρ(x)ρ(s).

        ``images`` maps each generator (label or name) to its matrix; they must
        generate the group. The extension is then checked to be a homomorphism:
        if the matrices do not satisfy the group's relations a ``ValueError``
        names a pair (g, h) with ρ(gh) ≠ ρ(g)ρ(h).

        Explained in Chapter 6, *Representations*.
        """
        gens = [group.label(s) for s in images]
        mats = [np.asarray(images[s], dtype=np.complex128) for s in images]
        if not mats:
            raise ValueError("give the image of at least one generator")
        d = mats[0].shape[0] if mats[0].ndim == 2 else -1
        for s, m in zip(gens, mats):
            if m.ndim != 2 or m.shape != (d, d):
                raise ValueError(f"the image of {group.names[s]!r} must be a {d}×{d} matrix, got shape {m.shape}")
        if len(group.closure(gens)) != group.order:
            raise ValueError(f"{[group.names[s] for s in gens]} do not generate {group.name}")
        out = np.full((group.order, d, d), np.nan, dtype=np.complex128)
        out[group.identity] = np.eye(d)
        image = dict(zip(gens, mats))
        for x, s, y, first in group.breadth_first(gens):
            if first:
                out[y] = out[x] @ image[s]
        return cls(group, out, name=name, check=True, atol=atol)

    # ------------------------------------------------------------------ basics
    @property
    def degree(self) -> int:
        """The dimension d of the representation space.

        Explained in Chapter 6, *Representations*.
        """
        return int(self.matrices.shape[1])

    def __call__(self, g: Element) -> np.ndarray:
        """The matrix ρ(g) (read-only view); ``g`` is a label or a name.

        Explained in Chapter 6, *Representations*.
        """
        return self.matrices[self.group.label(g)]

    def character(self, g: Element | None = None) -> np.ndarray | complex:
        """χ_ρ(g) = trace ρ(g); without ``g`` the array of all traces, indexed by label.

        Explained in Chapter 6, *Characters*.
        """
        if g is None:
            return np.trace(self.matrices, axis1=1, axis2=2).copy()
        return complex(np.trace(self(g)))

    def __repr__(self) -> str:
        return f"<Representation {self.name}: {self.group.name} → GL({self.degree}, ℂ)>"

    # ------------------------------------------------------------------ checks
    def homomorphism_defect(self) -> tuple[float, tuple[int, int] | None]:
        """The largest ‖ρ(gh) − ρ(g)ρ(h)‖ over all pairs and the first pair attaining a violation.

        Returns ``(error, (g, h))`` with the first pair (in label order) whose
        error exceeds 1e-8 × scale, or ``(error, None)`` when there is none.

        Explained in Chapter 6, *Representations*.
        """
        G, R = self.group, self.matrices
        n = G.order
        tol = _ATOL * _scale(R)
        worst = 0.0
        first: tuple[int, int] | None = None
        block = max(1, 2_000_000 // max(1, n * self.degree**2))
        for start in range(0, n, block):
            g = np.arange(start, min(n, start + block))
            prod = np.einsum("gij,hjk->ghik", R[g], R)
            target = R[G.table[g]]
            err = np.max(np.abs(prod - target), axis=(2, 3))
            worst = max(worst, float(err.max()))
            if first is None:
                bad = np.argwhere(err > tol)
                if len(bad):
                    first = (int(g[bad[0][0]]), int(bad[0][1]))
        return worst, first

    def check_homomorphism(self, atol: float = _ATOL) -> None:
        """Raise ``ValueError`` unless ρ(e) = I and ρ(g·h) = ρ(g)ρ(h) for every pair.

        The message names the first failing pair (g, h) by name and label and
        shows the size of the discrepancy.

        Explained in Chapter 6, *Representations*.
        """
        G, R = self.group, self.matrices
        tol = atol * _scale(R)
        e = G.identity
        err_e = float(np.max(np.abs(R[e] - np.eye(self.degree))))
        if err_e > tol:
            raise ValueError(
                f"not a homomorphism: ρ(e) is not the identity matrix for the identity "
                f"{G.names[e]!r} (label {e}); max deviation {err_e:.3g}"
            )
        n = G.order
        block = max(1, 2_000_000 // max(1, n * self.degree**2))
        for start in range(0, n, block):
            g = np.arange(start, min(n, start + block))
            prod = np.einsum("gij,hjk->ghik", R[g], R)
            err = np.max(np.abs(prod - R[G.table[g]]), axis=(2, 3))
            bad = np.argwhere(err > tol)
            if len(bad):
                a, b = int(g[bad[0][0]]), int(bad[0][1])
                ab = int(G.table[a, b])
                raise ValueError(
                    f"not a homomorphism: ρ(g·h) ≠ ρ(g)·ρ(h) for g={G.names[a]!r}, h={G.names[b]!r} "
                    f"(labels {a}, {b}; g·h = {G.names[ab]!r}); max deviation {float(err[bad[0][0], b]):.3g}"
                )

    def is_unitary(self, atol: float = 1e-8) -> bool:
        """Whether every ρ(g) is unitary: ρ(g)^H ρ(g) = I.

        Explained in Chapter 6, *Maschke's theorem*.
        """
        R = self.matrices
        gram = np.einsum("gji,gjk->gik", R.conj(), R)
        return bool(np.max(np.abs(gram - np.eye(self.degree))) <= atol)

    def is_real(self, atol: float = 1e-10) -> bool:
        """Whether every matrix has real entries (up to ``atol``).

        Explained in Chapter 6, *Real, complex and quaternionic representations*.
        """
        return bool(np.max(np.abs(self.matrices.imag)) <= atol)

    # ------------------------------------------------------------------ operations
    def direct_sum(self, *others: "Representation") -> "Representation":
        """ρ ⊕ σ ⊕ …: block-diagonal matrices diag(ρ(g), σ(g), …).

        Explained in Chapter 6, *Building new representations*.
        """
        return direct_sum(self, *others)

    def tensor(self, other: "Representation") -> "Representation":
        """ρ ⊗ σ: the Kronecker products ρ(g) ⊗ σ(g); its character is χ_ρ χ_σ.

        Explained in Chapter 6, *Building new representations*.
        """
        return tensor_product(self, other)

    def change_of_basis(self, P: Any) -> "Representation":
        """The equivalent representation g ↦ P⁻¹ ρ(g) P (columns of P are the new basis).

        Raises ``ValueError`` if P is not an invertible d×d matrix.

        Explained in Chapter 6, *Building new representations*.
        """
        P = np.asarray(P, dtype=np.complex128)
        d = self.degree
        if P.shape != (d, d):
            raise ValueError(f"the change of basis must be a {d}×{d} matrix, got shape {P.shape}")
        cond = np.linalg.cond(P)
        if not np.isfinite(cond) or cond > 1e12:
            raise ValueError(f"the change-of-basis matrix is singular (condition number {cond:.3g})")
        Pinv = np.linalg.inv(P)
        return Representation(self.group, Pinv @ self.matrices @ P, name=f"{self.name} in a new basis", check=False)

    def dual(self) -> "Representation":
        """The dual (contragredient) ρ*(g) = ρ(g⁻¹)ᵀ; its character is the complex conjugate.

        Explained in Chapter 6, *Real, complex and quaternionic representations*.
        """
        inv = np.array([self.group.inverse(g) for g in self.group.elements])
        return Representation(
            self.group, np.transpose(self.matrices[inv], (0, 2, 1)), name=f"dual of {self.name}", check=False
        )

    def restrict(self, H: Sequence[Element] | FiniteGroup, embedding: Sequence[int] | None = None) -> "Representation":
        """The restriction of ρ to a subgroup.

        ``H`` is either a list of elements of G forming a subgroup (the result is a
        representation of :func:`~grouptools.subgroups.as_group` ``(G, H)``, whose
        label i is the i-th element of ``sorted(H)``; a subset that is not a
        subgroup raises :class:`~grouptools.errors.NotASubgroupError`), or a
        :class:`~grouptools.FiniteGroup` together with ``embedding[h]`` = the label
        in G of H's element h (an injective homomorphism, checked).

        Explained in Chapter 6, *Building new representations*.
        """
        G = self.group
        if isinstance(H, FiniteGroup):
            if embedding is None:
                raise ValueError("restricting to a FiniteGroup needs embedding[h] = label in G of each h")
            emb = np.array([G.label(int(x)) for x in embedding], dtype=np.int64)
            if emb.shape != (H.order,):
                raise ValueError(f"embedding needs {H.order} labels, one per element of {H.name}")
            if len(set(emb.tolist())) != H.order:
                raise ValueError("the embedding is not injective")
            bad = np.argwhere(G.table[emb[:, None], emb[None, :]] != emb[H.table])
            if len(bad):
                a, b = (int(v) for v in bad[0])
                raise ValueError(
                    f"the embedding is not a homomorphism at h={H.names[a]!r}, k={H.names[b]!r}"
                )
            sub = H
        else:
            sub = as_group(G, H)
            emb = np.array(sub.embedding, dtype=np.int64)
        return Representation(sub, self.matrices[emb], name=f"{self.name} restricted to {sub.name}", check=False)

    def __add__(self, other: "Representation") -> "Representation":
        """``rho + sigma`` is the direct sum."""
        if not isinstance(other, Representation):
            return NotImplemented
        return direct_sum(self, other)

    def __matmul__(self, other: "Representation") -> "Representation":
        """``rho @ sigma`` is the tensor product."""
        if not isinstance(other, Representation):
            return NotImplemented
        return tensor_product(self, other)


def _same_group(reps: Sequence[Representation]) -> FiniteGroup:
    G = reps[0].group
    for r in reps[1:]:
        if r.group is not G and r.group != G:
            raise ValueError(f"representations of different groups ({G.name} and {r.group.name}) cannot be combined")
    return G


def direct_sum(*reps: Representation) -> Representation:
    """ρ₁ ⊕ ρ₂ ⊕ …: block-diagonal matrices; the character is the sum of characters.

    Explained in Chapter 6, *Building new representations*.
    """
    if not reps:
        raise ValueError("give at least one representation")
    G = _same_group(reps)
    d = sum(r.degree for r in reps)
    out = np.zeros((G.order, d, d), dtype=np.complex128)
    o = 0
    for r in reps:
        out[:, o : o + r.degree, o : o + r.degree] = r.matrices
        o += r.degree
    return Representation(G, out, name=" ⊕ ".join(f"({r.name})" for r in reps), check=False)


def tensor_product(rho: Representation, sigma: Representation) -> Representation:
    """ρ ⊗ σ: g ↦ ρ(g) ⊗ σ(g) (Kronecker product); the character is χ_ρ·χ_σ.

    Explained in Chapter 6, *Building new representations*.
    """
    G = _same_group([rho, sigma])
    a, b = rho.degree, sigma.degree
    out = np.einsum("gij,gkl->gikjl", rho.matrices, sigma.matrices).reshape(G.order, a * b, a * b)
    return Representation(G, out, name=f"({rho.name}) ⊗ ({sigma.name})", check=False)


def trivial_representation(G: FiniteGroup, degree: int = 1) -> Representation:
    """ρ(g) = I for every g.

    Explained in Chapter 6, *Representations*.
    """
    return Representation(
        G, np.broadcast_to(np.eye(degree), (G.order, degree, degree)), name=f"trivial of {G.name}", check=False
    )


def regular_representation(G: FiniteGroup) -> Representation:
    """The left regular representation on ℂ[G]: L(g) e_x = e_{g·x}, a |G|×|G| permutation matrix.

    Its character is |G| at the identity and 0 elsewhere, and it contains every
    irrep ρ exactly dim ρ times.

    Explained in Chapter 6, *The regular representation*.
    """
    n = G.order
    out = np.zeros((n, n, n), dtype=np.complex128)
    g = np.repeat(np.arange(n), n)
    x = np.tile(np.arange(n), n)
    out[g, G.table[g, x], x] = 1.0
    return Representation(G, out, name=f"regular of {G.name}", check=False)


def permutation_representation(G: FiniteGroup, action: Any = None) -> Representation:
    """The permutation representation of an action of G on {0, …, m−1}: P(g) e_x = e_{g·x}.

    ``action[g, x]`` is the point g·x (an integer array of shape (|G|, m)). With
    ``action=None`` the group's own permutations are used (groups from
    :func:`~grouptools.symmetric`, :func:`~grouptools.alternating`,
    :func:`~grouptools.from_permutations`). The action is checked:
    ``ValueError`` names a row that is not a permutation, or a pair (g, h) with
    (gh)·x ≠ g·(h·x). The character counts fixed points.

    Explained in Chapter 6, *The regular representation*.
    """
    if action is None:
        if G.permutations is None:
            raise ValueError(f"{G.name} carries no permutations; pass action[g, x] = g·x explicitly")
        action = G.permutations.perms
    act = np.asarray(action)
    if act.ndim != 2 or act.shape[0] != G.order or not np.issubdtype(act.dtype, np.integer):
        raise ValueError(f"action must be an integer array of shape ({G.order}, m), got {act.shape} of {act.dtype}")
    m = act.shape[1]
    for g in range(G.order):
        if sorted(act[g].tolist()) != list(range(m)):
            raise ValueError(f"action row of {G.names[g]!r} is not a permutation of 0..{m - 1}: {act[g].tolist()}")
    composed = act[:, act]  # composed[g, h, x] = g·(h·x)
    target = act[G.table]  # (gh)·x
    bad = np.argwhere((composed != target).any(axis=2))
    if len(bad):
        a, b = (int(v) for v in bad[0])
        raise ValueError(f"not an action: (g·h)·x ≠ g·(h·x) for g={G.names[a]!r}, h={G.names[b]!r}")
    out = np.zeros((G.order, m, m), dtype=np.complex128)
    g = np.repeat(np.arange(G.order), m)
    x = np.tile(np.arange(m), G.order)
    out[g, act[g, x], x] = 1.0
    return Representation(G, out, name=f"permutation representation of {G.name} on {m} points", check=False)



def intertwiners(rho: Representation, sigma: Representation, atol: float = 1e-9) -> np.ndarray:
    """A basis of Hom_G(ρ, σ) = {T : T ρ(g) = σ(g) T for all g}, as an array of shape (m, d_σ, d_ρ).

    The equations for the generators of G suffice. The basis is orthonormal for the
    Frobenius inner product and canonical: it is :func:`grouptools.linalg.null_space` of
    the stacked linear system in vec(T) (row-major), Gram–Schmidt of the projections of
    the matrix units E₀₀, E₀₁, … onto the solution space, so it is the same on every
    machine and is real when ρ and σ are. Its size m is ⟨χ_ρ, χ_σ⟩ (Schur's lemma,
    summed over irreps). An equivariant linear layer from ρ to σ is exactly such a T.

    Explained in Chapter 6, *Schur's lemma*.
    """
    G = _same_group([rho, sigma])
    a, b = rho.degree, sigma.degree
    rows = []
    for s in G.generators or [G.identity]:
        # vec(T ρ(s) − σ(s) T) with T of shape (b, a), row-major vec
        rows.append(np.kron(np.eye(b), rho.matrices[s].T) - np.kron(sigma.matrices[s], np.eye(a)))
    A = np.vstack(rows)
    if rho.is_real() and sigma.is_real():
        A = A.real
    N = null_space(A, rtol=atol)
    return N.T.reshape(-1, b, a)


def unitarize(rho: Representation) -> tuple[Representation, np.ndarray]:
    """An equivalent unitary representation (Weyl's trick), and the change of basis used.

    Averages the standard Hermitian form over the group, H = (1/|G|) Σ_g ρ(g)ᴴ ρ(g),
    which is positive definite and satisfies ρ(g)ᴴ H ρ(g) = H; with the Cholesky
    factor H = L Lᴴ the representation Lᴴ ρ(g) L⁻ᴴ is unitary. Returns
    ``(unitary_rho, P)`` with ``unitary_rho = rho.change_of_basis(P)``, P = L⁻ᴴ.

    Explained in Chapter 6, *Maschke's theorem*.
    """
    R = rho.matrices
    H = np.einsum("gji,gjk->ik", R.conj(), R) / rho.group.order
    L = np.linalg.cholesky((H + H.conj().T) / 2)
    P = np.linalg.inv(L.conj().T)
    return rho.change_of_basis(P), P
