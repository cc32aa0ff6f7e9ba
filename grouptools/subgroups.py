"""Subgroups, cosets, normal subgroups and quotient groups, computed on the Cayley table.

A subgroup is given, and returned, as a sorted list of element labels. Every
function here takes the ambient group ``G`` first. Conjugacy classes, the centre
and centralisers live in :mod:`grouptools.conjugacy`; this module adds
normalisers and commutator subgroups, which are about subgroups.

Explained in Chapter 2, *Subgroups, cosets and quotients*.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np

from .errors import NotASubgroupError, NotNormalError
from .groups import Element, FiniteGroup

__all__ = [
    "is_subgroup",
    "check_subgroup",
    "generated_subgroup",
    "cyclic_subgroups",
    "all_subgroups",
    "subgroup_lattice",
    "subgroup_generators",
    "subgroup_label",
    "as_group",
    "index",
    "left_coset",
    "right_coset",
    "left_cosets",
    "right_cosets",
    "coset_sorted_order",
    "is_normal",
    "normality_witness",
    "normal_subgroups",
    "quotient_group",
    "conjugate_subgroup",
    "normaliser",
    "commutator",
    "commutator_subgroup",
    "derived_series",
    "is_solvable",
]


# --------------------------------------------------------------------------- helpers


def _labels(G: FiniteGroup, elements: Iterable[Element]) -> list[int]:
    return sorted({G.label(x) for x in elements})


def _mask(G: FiniteGroup, H: Iterable[int]) -> np.ndarray:
    m = np.zeros(G.order, dtype=bool)
    m[list(H)] = True
    return m


def _closure_mask(G: FiniteGroup, gens: Sequence[int], start: np.ndarray | None = None) -> np.ndarray:
    """Boolean mask of ⟨start ∪ gens⟩ (:meth:`FiniteGroup.closure_mask`)."""
    return G.closure_mask(gens, start)


def _key(mask: np.ndarray) -> bytes:
    return np.packbits(mask).tobytes()


# --------------------------------------------------------------------------- subgroup test


def check_subgroup(G: FiniteGroup, H: Iterable[Element]) -> list[int]:
    """Check that ``H`` is a subgroup of ``G`` and return its sorted labels.

    The tests run in textbook order: H is non-empty, contains the identity, is
    closed under products and under inverses. The first failure raises
    :class:`~grouptools.errors.NotASubgroupError` naming the elements, e.g.
    ``not closed: r·s = r s is not in H for a=r, b=s``.

    Explained in Chapter 2, *Subgroups*.
    """
    items = list(H)
    if not items:
        raise NotASubgroupError("empty", "the empty set is not a subgroup: a subgroup contains the identity")
    try:
        labels = _labels(G, items)
    except (ValueError, TypeError) as exc:
        raise NotASubgroupError("element", f"not a subset of {G.name}: {exc}") from None
    names = G.names
    mask = _mask(G, labels)
    if not mask[G.identity]:
        raise NotASubgroupError(
            "identity",
            f"not a subgroup of {G.name}: the identity {names[G.identity]} is missing from "
            f"{{{', '.join(names[h] for h in labels)}}}",
            (G.identity,),
        )
    idx = np.array(labels)
    products = G.table[np.ix_(idx, idx)]
    bad = np.argwhere(~mask[products])
    if len(bad):
        a, b = int(idx[bad[0][0]]), int(idx[bad[0][1]])
        ab = int(G.table[a, b])
        raise NotASubgroupError(
            "closure",
            f"not closed: {names[a]}·{names[b]} = {names[ab]} is not in H for a={names[a]}, b={names[b]}",
            (a, b),
        )
    inv = G.inverses[idx]
    bad_inv = np.flatnonzero(~mask[inv])
    if len(bad_inv):  # unreachable in a finite group once closed, kept for clarity
        a = int(idx[bad_inv[0]])
        raise NotASubgroupError(
            "inverse", f"not closed under inverses: {names[a]}⁻¹ = {names[G.inverse(a)]} is not in H", (a,)
        )
    return labels


def is_subgroup(G: FiniteGroup, H: Iterable[Element]) -> bool:
    """Whether ``H`` (labels or names) is a subgroup of ``G``.

    Explained in Chapter 2, *Subgroups*.
    """
    try:
        check_subgroup(G, H)
    except NotASubgroupError:
        return False
    return True


def generated_subgroup(G: FiniteGroup, elements: Iterable[Element]) -> list[int]:
    """The subgroup ⟨elements⟩: the smallest subgroup containing them, as sorted labels.

    Explained in Chapter 2, *Generated subgroups*.
    """
    gens = _labels(G, elements)
    return np.flatnonzero(_closure_mask(G, gens)).tolist()


def cyclic_subgroups(G: FiniteGroup) -> list[list[int]]:
    """All cyclic subgroups ⟨g⟩, each once, ordered by (order, elements).

    Explained in Chapter 2, *Generated subgroups*.
    """
    seen: dict[bytes, list[int]] = {}
    for g in G.elements:
        m = _closure_mask(G, [g])
        seen.setdefault(_key(m), np.flatnonzero(m).tolist())
    return sorted(seen.values(), key=lambda h: (len(h), h))


def all_subgroups(G: FiniteGroup) -> list[list[int]]:
    """Every subgroup of ``G``, ordered by (order, elements); the trivial subgroup comes first.

    Every subgroup is generated by the cyclic subgroups it contains, so all of
    them are reached by starting from the cyclic subgroups and repeatedly
    joining a subgroup found so far with one more cyclic subgroup, ⟨H, g⟩.
    Conjugation saves most of the work: the conjugates of a subgroup are added
    as soon as it is found, and only one subgroup per conjugacy class is
    joined further (⟨gHg⁻¹, c⟩ is the conjugate of ⟨H, g⁻¹cg⟩). Each join is a
    vectorised closure on the table; S₅ (156 subgroups) takes a fraction of a second.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    n = G.order
    conj = _conjugates(G, G.elements)  # conj[g, x] = g·x·g⁻¹
    rows = np.arange(n)[:, None]
    found: dict[bytes, np.ndarray] = {}
    queue: list[tuple[np.ndarray, list[int]]] = []

    def add(mask: np.ndarray, gens: list[int]) -> None:
        """Record a new subgroup and all its conjugates; queue it as its class's representative."""
        members = np.flatnonzero(mask)
        conjugates = np.zeros((n, n), dtype=bool)
        conjugates[rows, conj[:, members]] = True
        for row in conjugates:
            found.setdefault(_key(row), row)
        queue.append((mask, gens))

    cyc_gens: list[int] = []
    cyclic_keys: set[bytes] = set()
    for g in G.elements:
        m = _closure_mask(G, [g])
        k = _key(m)
        if k not in cyclic_keys:
            cyclic_keys.add(k)
            cyc_gens.append(g)
            if k not in found:
                add(m, [g])
    i = 0
    while i < len(queue):
        mask, gens = queue[i]
        i += 1
        for c in cyc_gens:
            if mask[c]:
                continue
            m = _closure_mask(G, gens + [c], start=mask)
            if _key(m) not in found:
                add(m, gens + [c])
    subs = [np.flatnonzero(m).tolist() for m in found.values()]
    return sorted(subs, key=lambda h: (len(h), h))


def subgroup_lattice(G: FiniteGroup, subgroups: Sequence[Sequence[int]] | None = None):  # -> networkx.DiGraph
    """The subgroup lattice as a ``networkx.DiGraph`` of covering relations (the Hasse diagram).

    Node ``i`` is ``subgroups[i]`` (default: :func:`all_subgroups`) and carries
    ``elements``, ``order``, ``normal`` and ``label`` (generators, e.g. ``⟨r, s⟩``).
    An edge i → j means H_i ⊂ H_j with nothing strictly in between.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    import networkx as nx

    subs = [list(h) for h in (all_subgroups(G) if subgroups is None else subgroups)]
    M = np.zeros((len(subs), G.order), dtype=np.int64)
    for i, h in enumerate(subs):
        M[i, h] = 1
    sizes = M.sum(axis=1)
    inter = M @ M.T
    below = (inter == sizes[:, None]) & (sizes[:, None] < sizes[None, :])  # below[i, j]: H_i ⊊ H_j
    b = below.astype(np.int64)
    covers = below & ((b @ b) == 0)
    graph = nx.DiGraph()
    for i, h in enumerate(subs):
        graph.add_node(i, elements=h, order=len(h), normal=is_normal(G, h), label=subgroup_label(G, h))
    for i, j in np.argwhere(covers):
        graph.add_edge(int(i), int(j))
    return graph


def subgroup_generators(G: FiniteGroup, H: Iterable[Element]) -> list[int]:
    """A small generating set of the subgroup ``H``: elements of largest order first, greedily.

    Explained in Chapter 2, *Generated subgroups*.
    """
    h = _labels(G, H)
    orders = G.element_orders()
    gens: list[int] = []
    span = _closure_mask(G, [])
    for g in sorted(h, key=lambda x: (-orders[x], x)):
        if span.sum() == len(h):
            break
        if not span[g]:
            gens.append(g)
            span = _closure_mask(G, gens)
    return gens


def subgroup_label(G: FiniteGroup, H: Iterable[Element]) -> str:
    """A short printable name for a subgroup: ``{e}``, ``G`` or ``⟨r, s⟩`` from :func:`subgroup_generators`.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    h = _labels(G, H)
    if len(h) == 1:
        return "{" + G.names[h[0]] + "}"
    if len(h) == G.order:
        return G.name
    return "⟨" + ", ".join(G.names[g] for g in subgroup_generators(G, h)) + "⟩"


def as_group(G: FiniteGroup, H: Iterable[Element], *, name: str | None = None) -> FiniteGroup:
    """The subgroup ``H`` as a :class:`FiniteGroup` of its own, keeping the element names.

    Element i of the result is ``H[i]`` in ``G`` (``result.embedding[i]``).
    Raises :class:`~grouptools.errors.NotASubgroupError` if H is not a subgroup.

    Explained in Chapter 2, *Subgroups*.
    """
    h = check_subgroup(G, H)
    pos = {g: i for i, g in enumerate(h)}
    idx = np.array(h)
    table = np.vectorize(pos.__getitem__, otypes=[np.int64])(G.table[np.ix_(idx, idx)])
    inverse = np.array([pos[G.inverse(g)] for g in h], dtype=np.int64)
    sub = FiniteGroup(
        table,
        [G.names[g] for g in h],
        name=name or f"{subgroup_label(G, h)} ≤ {G.name}",
        validate=False,
        _identity=pos[G.identity],
        _inverse=inverse,
        embedding=h,
    )
    return sub


def index(G: FiniteGroup, H: Iterable[Element]) -> int:
    """The index [G : H] = |G| / |H| (an integer, by Lagrange's theorem).

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    return G.order // len(check_subgroup(G, H))


# --------------------------------------------------------------------------- cosets


def left_coset(G: FiniteGroup, g: Element, H: Iterable[Element]) -> list[int]:
    """The left coset gH = {g·h : h ∈ H}, sorted labels.

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    return sorted({int(x) for x in G.table[G.label(g), _labels(G, H)]})


def right_coset(G: FiniteGroup, H: Iterable[Element], g: Element) -> list[int]:
    """The right coset Hg = {h·g : h ∈ H}, sorted labels.

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    return sorted({int(x) for x in G.table[_labels(G, H), G.label(g)]})


def _coset_ids(G: FiniteGroup, H: Sequence[int], side: str) -> np.ndarray:
    """``ids[g]`` = index of the coset containing g, cosets numbered by their smallest label."""
    h = np.array(H)
    ids = np.full(G.order, -1, dtype=np.int64)
    k = 0
    for g in G.elements:
        if ids[g] < 0:
            members = G.table[g, h] if side == "left" else G.table[h, g]
            ids[members] = k
            k += 1
    return ids


def left_cosets(G: FiniteGroup, H: Iterable[Element]) -> list[list[int]]:
    """The left cosets gH, a partition of G into [G : H] blocks of size |H|, ordered by smallest label.

    Raises :class:`~grouptools.errors.NotASubgroupError` if H is not a subgroup.

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    ids = _coset_ids(G, check_subgroup(G, H), "left")
    return [np.flatnonzero(ids == k).tolist() for k in range(int(ids.max()) + 1)]


def right_cosets(G: FiniteGroup, H: Iterable[Element]) -> list[list[int]]:
    """The right cosets Hg, ordered by smallest label.

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    ids = _coset_ids(G, check_subgroup(G, H), "right")
    return [np.flatnonzero(ids == k).tolist() for k in range(int(ids.max()) + 1)]


def coset_sorted_order(G: FiniteGroup, H: Iterable[Element]) -> list[int]:
    """All elements listed coset by coset: r₁h₁, r₁h₂, …, r₂h₁, … (rᵢ the smallest label of its left coset).

    Sorting a Cayley table this way shows G/H as blocks when H is normal.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    h = check_subgroup(G, H)
    order: list[int] = []
    for coset in left_cosets(G, h):
        r = coset[0]
        order.extend(int(G.table[r, x]) for x in h)
    return order


# --------------------------------------------------------------------------- normal subgroups


def _conjugates(G: FiniteGroup, N: Sequence[int]) -> np.ndarray:
    """``c[g, i] = g·N[i]·g⁻¹`` for every g."""
    return G.conjugation_table()[:, np.asarray(N, dtype=np.int64)]


def normality_witness(G: FiniteGroup, N: Iterable[Element]) -> tuple[int, int] | None:
    """The first pair (g, n) with g·n·g⁻¹ ∉ N, or ``None`` when the subgroup N is normal.

    Computed on the table for every g and n, so the witness is the first in label order.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    n = check_subgroup(G, N)
    mask = _mask(G, n)
    bad = np.argwhere(~mask[_conjugates(G, n)])
    if len(bad) == 0:
        return None
    return int(bad[0][0]), int(n[bad[0][1]])


def is_normal(G: FiniteGroup, N: Iterable[Element]) -> bool:
    """Whether the subgroup N is normal: g·N·g⁻¹ = N for every g ∈ G.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    return normality_witness(G, N) is None


def normal_subgroups(G: FiniteGroup) -> list[list[int]]:
    """All normal subgroups, ordered by (order, elements).

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    conj = _conjugates(G, G.elements)  # conj[g, x] = g·x·g⁻¹
    out = []
    for h in all_subgroups(G):
        mask = _mask(G, h)
        if mask[conj[:, h]].all():
            out.append(h)
    return out


def _coset_name(rep: str, symbol: str) -> str:
    if " " in rep and not rep.startswith("("):
        rep = f"({rep})"
    return f"{rep}{symbol}"


def quotient_group(G: FiniteGroup, N: Iterable[Element], *, symbol: str = "N", name: str | None = None) -> FiniteGroup:
    """The quotient group G/N as a :class:`FiniteGroup`: its elements are the cosets gN.

    Coset k is the k-th of :func:`left_cosets` (ordered by smallest label, so N
    itself comes first when e is label 0); it is named by its smallest element
    followed by ``symbol``, e.g. ``"N"``, ``"rN"``, ``"(r s)N"``. The result's
    ``cosets[k]`` lists the labels (in G) of coset k, and ``coset_of[g]`` is the label of gN. The product (aN)(bN) = (ab)N is well defined exactly
    when N is normal; otherwise :class:`~grouptools.errors.NotNormalError`
    names a witness g, n with g·n·g⁻¹ ∉ N.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    n = check_subgroup(G, N)
    w = normality_witness(G, n)
    if w is not None:
        g, x = w
        names = G.names
        c = G.product(g, x, G.inverse(g))
        raise NotNormalError(
            f"{subgroup_label(G, n)} is not a normal subgroup of {G.name}, so G/N is not a group: "
            f"for g={names[g]}, n={names[x]}, g·n·g⁻¹ = {names[c]} is not in N",
            (g, x),
        )
    ids = _coset_ids(G, n, "left")
    k = int(ids.max()) + 1
    reps = np.array([int(np.flatnonzero(ids == i)[0]) for i in range(k)])
    table = ids[G.table[np.ix_(reps, reps)]]
    coset_names = [_coset_name(G.names[r], symbol) for r in reps]
    coset_names[int(ids[G.identity])] = symbol
    Q = FiniteGroup(table, coset_names, name=name or f"{G.name}/{subgroup_label(G, n)}",
                    cosets=[np.flatnonzero(ids == i).tolist() for i in range(k)])
    return Q


# --------------------------------------------------------------------------- normalisers and commutators


def conjugate_subgroup(G: FiniteGroup, g: Element, H: Iterable[Element]) -> list[int]:
    """The conjugate subgroup g·H·g⁻¹, sorted labels.

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    g = G.label(g)
    return sorted({G.product(g, h, G.inverse(g)) for h in check_subgroup(G, H)})


def normaliser(G: FiniteGroup, S: Iterable[Element]) -> list[int]:
    """The normaliser N_G(S) = {g : g·S·g⁻¹ = S} of any subset S, sorted labels.

    It is always a subgroup (source 000, Lemma 6); when S is a subgroup it
    contains S, and S is normal in it.

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    s = _labels(G, S)
    if not s:
        return G.elements
    mask = _mask(G, s)
    # g·S·g⁻¹ ⊆ S already forces equality: conjugation by g is injective and S is finite
    return np.flatnonzero(mask[_conjugates(G, s)].all(axis=1)).tolist()


def commutator(G: FiniteGroup, a: Element, b: Element) -> int:
    """The commutator [a, b] = a·b·a⁻¹·b⁻¹ (it is e exactly when a and b commute).

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    return G.product(a, b, G.inverse(a), G.inverse(b))


def commutator_subgroup(
    G: FiniteGroup, H: Iterable[Element] | None = None, K: Iterable[Element] | None = None
) -> list[int]:
    """The commutator subgroup [H, K] = ⟨[h, k] : h ∈ H, k ∈ K⟩ (default H = K = G, giving G′).

    G′ is the smallest normal subgroup with an abelian quotient.

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    h = np.array(G.elements if H is None else check_subgroup(G, H))
    k = np.array(G.elements if K is None else check_subgroup(G, K))
    t, inv = G.table, G.inverses
    ab = t[np.ix_(h, k)]
    comms = t[t[ab, inv[h][:, None]], inv[k][None, :]]
    return np.flatnonzero(_closure_mask(G, np.unique(comms).tolist())).tolist()


def derived_series(G: FiniteGroup) -> list[list[int]]:
    """G ⊇ G′ ⊇ G″ ⊇ … until it stops shrinking (each term as sorted labels).

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    series = [G.elements]
    while True:
        nxt = commutator_subgroup(G, series[-1], series[-1])
        if len(nxt) == len(series[-1]):
            return series
        series.append(nxt)


def is_solvable(G: FiniteGroup) -> bool:
    """Whether the derived series reaches {e} (S₄ is solvable, A₅ and S₅ are not).

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    return len(derived_series(G)[-1]) == 1
