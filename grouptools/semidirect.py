"""Semidirect products N ⋊_φ H of finite groups, built and recognised.

The outer product :func:`semidirect_product` takes two groups and a homomorphism
φ: H → Aut(N) and returns the group of pairs (n, h) with
(n₁, h₁)(n₂, h₂) = (n₁ φ_{h₁}(n₂), h₁h₂). The inner product
:func:`inner_semidirect` starts from a group G with a normal subgroup N and a
complement H and returns the isomorphism N ⋊ H → G, (n, h) ↦ nh, where φ is
conjugation. :func:`complements` and :func:`semidirect_decompositions` search a
group for such pairs.

Explained in Chapter 3, *Semidirect products*.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .errors import NotAHomomorphismError, NotNormalError
from .formatting import parenthesise as _p
from .groups import Element, FiniteGroup, check_table_size
from .homomorphisms import Homomorphism
from .subgroups import all_subgroups, as_group, check_subgroup, normal_subgroups, normality_witness

__all__ = [
    "automorphism_array",
    "semidirect_product",
    "semidirect_factors",
    "inner_semidirect",
    "complements",
    "semidirect_decompositions",
]


def _one_automorphism(N: FiniteGroup, value: Any, where: str) -> np.ndarray:
    """Read one φ(h) as an array of N's labels and check that it is an automorphism of N."""
    if isinstance(value, Homomorphism):
        if value.domain != N or value.codomain != N:
            raise ValueError(
                f"{where} is a homomorphism {value.domain.name} → {value.codomain.name}, "
                f"but it must map {N.name} to itself"
            )
        value = value.images
    if isinstance(value, (str, bytes)) or not hasattr(value, "__len__"):
        raise TypeError(
            f"{where} must be a permutation of N's labels (a sequence of {N.order} integers), "
            f"got {type(value).__name__}"
        )
    arr = np.asarray(value)
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.integer):
        if arr.dtype.kind == "f" and arr.size and np.array_equal(arr, np.round(arr)):
            arr = arr.astype(np.int64)
        else:
            raise TypeError(f"{where} must hold integer labels of {N.name}, got {arr.dtype} values")
    arr = arr.astype(np.int64)
    if arr.shape != (N.order,):
        raise ValueError(f"{where} must give one image per element of {N.name} ({N.order}), got shape {arr.shape}")
    if arr.min() < 0 or arr.max() >= N.order:
        bad = int(np.flatnonzero((arr < 0) | (arr >= N.order))[0])
        raise ValueError(f"{where} sends {N.names[bad]} to {int(arr[bad])}, which is not a label 0..{N.order - 1} of {N.name}")
    if len(np.unique(arr)) != N.order:
        seen: dict[int, int] = {}
        for x, y in enumerate(arr.tolist()):
            if y in seen:
                raise ValueError(
                    f"{where} is not a bijection of {N.name}: it sends both {N.names[seen[y]]} and {N.names[x]} "
                    f"to {N.names[y]}, so it is not an automorphism"
                )
            seen[y] = x
    lhs = arr[N.table]
    rhs = N.table[arr[:, None], arr[None, :]]
    bad2 = np.argwhere(lhs != rhs)
    if len(bad2):
        a, b = (int(v) for v in bad2[0])
        nn = N.names
        raise NotAHomomorphismError(
            f"{where} is not an automorphism of {N.name}: it sends {_p(nn[a])}·{_p(nn[b])} = {nn[N.table[a, b]]} "
            f"to {nn[lhs[a, b]]}, but the product of the images {_p(nn[arr[a]])}·{_p(nn[arr[b]])} is {nn[rhs[a, b]]}",
            (a, b),
        )
    return arr


def automorphism_array(N: FiniteGroup, H: FiniteGroup, phi: Callable[[int], Any] | Sequence[Any]) -> np.ndarray:
    """The table ``A[h, n] = φ_h(n)`` of a homomorphism φ: H → Aut(N), checked.

    ``phi`` is a function of H's labels returning, for each h, the images of N's labels
    under φ(h) (a sequence of |N| labels or a :class:`~grouptools.homomorphisms.Homomorphism`
    N → N), or a sequence of these indexed by H's labels. Each φ(h) must be an
    automorphism of N (else :class:`~grouptools.errors.NotAHomomorphismError` or
    ``ValueError`` naming h and the failing elements), and φ must respect products,
    φ(h₁h₂) = φ(h₁)∘φ(h₂) (else :class:`~grouptools.errors.NotAHomomorphismError`
    naming h₁, h₂ and an element n of N where the two sides differ).

    Explained in Chapter 3, *Semidirect products*.
    """
    for X, what in ((N, "N"), (H, "H")):
        if not isinstance(X, FiniteGroup):
            raise TypeError(f"{what} must be a FiniteGroup, not {type(X).__name__}")
    if callable(phi) and not isinstance(phi, Homomorphism):
        values = [phi(h) for h in H.elements]
    elif isinstance(phi, (str, bytes)) or not hasattr(phi, "__len__"):
        raise TypeError(
            f"phi must be a function h ↦ automorphism of N, or a sequence of {H.order} automorphisms indexed by "
            f"H's labels, got {type(phi).__name__}"
        )
    else:
        values = list(phi)
        if len(values) != H.order:
            raise ValueError(f"phi must give one automorphism of {N.name} per element of {H.name} ({H.order}), got {len(values)}")
    A = np.stack([_one_automorphism(N, v, f"phi({H.names[h]})") for h, v in zip(H.elements, values)])
    # φ(h₁h₂) = φ(h₁)∘φ(h₂): A[h₁h₂, n] = A[h₁, A[h₂, n]]
    lhs = A[H.table]  # shape (|H|, |H|, |N|)
    rhs = A[np.arange(H.order)[:, None, None], A[None, :, :]]
    bad = np.argwhere(lhs != rhs)
    if len(bad):
        h1, h2, n = (int(v) for v in bad[0])
        hn, nn = H.names, N.names
        raise NotAHomomorphismError(
            f"phi is not a homomorphism {H.name} → Aut({N.name}): phi({_p(hn[h1])}·{_p(hn[h2])}) = phi({hn[H.table[h1, h2]]}) "
            f"sends {nn[n]} to {nn[lhs[h1, h2, n]]}, but phi({hn[h1]})∘phi({hn[h2]}) sends it to {nn[rhs[h1, h2, n]]}",
            (h1, h2),
        )
    A.setflags(write=False)
    return A


def semidirect_product(
    N: FiniteGroup, H: FiniteGroup, phi: Callable[[int], Any] | Sequence[Any], *, name: str | None = None
) -> FiniteGroup:
    """The semidirect product N ⋊_φ H: pairs (n, h) with (n₁, h₁)(n₂, h₂) = (n₁·φ_{h₁}(n₂), h₁h₂).

    ``phi`` gives for each element h of H the automorphism φ(h) of N, as described in
    :func:`automorphism_array` (a function of H's labels or a sequence indexed by them,
    each value the images of N's labels); it is checked to be a homomorphism H → Aut(N).
    As in :func:`~grouptools.direct_product`, the pair (n, h) has label ``n * |H| + h``
    and the name ``"(n, h)"`` built from the factors' names, so the trivial φ gives
    exactly the table of N × H. The identity is (e, e) and (n, h)⁻¹ = (φ_{h⁻¹}(n⁻¹), h⁻¹).
    :func:`semidirect_factors` lists the labels of the copies N × {e} and {e} × H.

    Explained in Chapter 3, *Semidirect products*.
    """
    A = automorphism_array(N, H, phi)
    m = H.order
    order = N.order * m
    check_table_size(order, f"{N.name}⋊{H.name}")
    na = np.arange(order) // m
    ha = np.arange(order) % m
    # (n₁, h₁)(n₂, h₂) = (n₁ · φ_{h₁}(n₂), h₁h₂)
    twisted = A[ha[:, None], na[None, :]]
    table = N.table[na[:, None], twisted] * m + H.table[ha[:, None], ha[None, :]]
    names = [f"({N.names[n]}, {H.names[h]})" for n, h in zip(na, ha)]
    hinv = H.inverses[ha]
    inverse = A[hinv, N.inverses[na]] * m + hinv
    gens = [g * m + H.identity for g in N.generators] + [N.identity * m + h for h in H.generators]
    return FiniteGroup(
        table,
        names,
        name=name if name is not None else f"{N.name}⋊{H.name}",
        generators=gens,
        validate=False,
        _identity=N.identity * m + H.identity,
        _inverse=inverse,
    )


def semidirect_factors(N: FiniteGroup, H: FiniteGroup) -> tuple[list[int], list[int]]:
    """The labels, in N ⋊ H as built by :func:`semidirect_product`, of N × {e} and of {e} × H.

    The first is a normal subgroup, the second a complement of it.

    Explained in Chapter 3, *Semidirect products*.
    """
    m = H.order
    return [n * m + H.identity for n in N.elements], [N.identity * m + h for h in H.elements]


def _complement_problem(G: FiniteGroup, N: Sequence[int], H: Sequence[int]) -> str | None:
    """Why H is not a complement of N in G (N ∩ H ≠ {e} or NH ≠ G), or None."""
    names = G.names
    common = sorted(set(N) & set(H) - {G.identity})
    if common:
        return f"N ∩ H = {{{', '.join(names[g] for g in sorted(set(N) & set(H)))}}} is not {{e}} ({names[common[0]]} lies in both)"
    nh = {G.product(n, h) for n in N for h in H}
    if len(nh) != G.order:
        missing = next(g for g in G.elements if g not in nh)
        return (
            f"NH ≠ G: |N|·|H| = {len(N)}·{len(H)} = {len(N) * len(H)} < |G| = {G.order}, "
            f"and {names[missing]} is not a product nh"
        )
    return None


def inner_semidirect(G: FiniteGroup, N: Iterable[Element], H: Iterable[Element]) -> Homomorphism:
    """The isomorphism N ⋊ H → G, (n, h) ↦ n·h, for a normal subgroup N with a complement H.

    Checks the internal conditions: N and H are subgroups (else
    :class:`~grouptools.errors.NotASubgroupError`), N is normal (else
    :class:`~grouptools.errors.NotNormalError` naming g and n with gng⁻¹ ∉ N),
    N ∩ H = {e} and NH = G (else ``ValueError`` naming an element in both or one
    that is not a product). The domain is :func:`semidirect_product` of N and H (as
    groups of their own, with G's names) with φ_h(n) = h·n·h⁻¹; the returned
    :class:`~grouptools.homomorphisms.Homomorphism` is validated on all pairs.

    Explained in Chapter 3, *Semidirect products*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, not {type(G).__name__}")
    n_labels = check_subgroup(G, N)
    h_labels = check_subgroup(G, H)
    witness = normality_witness(G, n_labels)
    if witness is not None:
        g, n = witness
        names = G.names
        raise NotNormalError(
            f"N is not normal in {G.name}: {names[g]}·{names[n]}·{names[g]}⁻¹ = "
            f"{names[G.product(g, n, G.inverse(g))]} is not in N, so conjugation by H need not preserve N",
            (g, n),
        )
    problem = _complement_problem(G, n_labels, h_labels)
    if problem is not None:
        raise ValueError(f"H is not a complement of N in {G.name}: {problem}")
    Ng, Hg = as_group(G, n_labels), as_group(G, h_labels)
    pos = {g: i for i, g in enumerate(n_labels)}
    conj = G.conjugation_table()

    def phi(h: int) -> list[int]:
        return [pos[int(conj[h_labels[h], x])] for x in n_labels]

    P = semidirect_product(Ng, Hg, phi, name=f"{Ng.name.split(' ≤ ')[0]}⋊{Hg.name.split(' ≤ ')[0]}")
    m = Hg.order
    images = [G.product(n_labels[p // m], h_labels[p % m]) for p in P.elements]
    return Homomorphism(P, G, images, name="(n, h) ↦ nh")


def complements(G: FiniteGroup, N: Iterable[Element], subgroups: Sequence[Sequence[int]] | None = None) -> list[list[int]]:
    """All subgroups H of G with N ∩ H = {e} and NH = G (the complements of N), as sorted labels.

    ``subgroups`` may pass a precomputed :func:`~grouptools.subgroups.all_subgroups`.

    Explained in Chapter 3, *Semidirect products*.
    """
    n_labels = check_subgroup(G, N)
    subs = all_subgroups(G) if subgroups is None else subgroups
    size = G.order // len(n_labels)
    return [list(H) for H in subs if len(H) == size and _complement_problem(G, n_labels, H) is None]


def semidirect_decompositions(G: FiniteGroup) -> list[tuple[list[int], list[int]]]:
    """Every pair (N, H) of proper non-trivial subgroups with N normal and H a complement of N.

    Each pair gives G ≅ N ⋊ H (:func:`inner_semidirect`). An empty list means that G is
    not a semidirect product of proper subgroups (Q₈ is the smallest example).

    Explained in Chapter 3, *Semidirect products*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"G must be a FiniteGroup, not {type(G).__name__}")
    subs = all_subgroups(G)
    out = []
    for N in normal_subgroups(G):
        if 1 < len(N) < G.order:
            out.extend((list(N), H) for H in complements(G, N, subs))
    return out
