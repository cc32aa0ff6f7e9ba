"""Constructors for the groups the course uses.

Each factory returns a :class:`~grouptools.FiniteGroup` with a canonical element
order (the identity is always label 0) and readable element names.

Conventions
-----------
* Permutations act on ``0..n-1`` and are written in 0-based cycle notation,
  as sympy does: ``(0 1 2)`` sends 0→1→2→0.
* Products of permutations and of matrices are *compositions of functions*:
  ``G.product(a, b)`` is "first b, then a", i.e. (a·b)(x) = a(b(x)). This is
  the convention of most algebra texts and of matrix multiplication; note that
  sympy's ``p*q`` means "first p, then q", the other way round.

Explained in Chapter 1, *A zoo of groups*.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from typing import Any

import numpy as np

from .groups import FiniteGroup, check_table_size

__all__ = [
    "cyclic",
    "dihedral",
    "symmetric",
    "alternating",
    "quaternion",
    "klein_four",
    "direct_product",
    "from_permutations",
    "from_matrices",
    "PermutationGroupData",
]


def _check_positive_int(value: Any, what: str, minimum: int = 1) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{what} must be an integer, not {type(value).__name__} ({value!r})")
    if value < minimum:
        raise ValueError(f"{what} must be at least {minimum}, got {value}")
    return int(value)


def _power_name(base: str, k: int) -> str:
    return "" if k == 0 else base if k == 1 else f"{base}^{k}"


def cyclic(n: int) -> FiniteGroup:
    """The cyclic group Z_n = {0, 1, …, n-1} under addition mod n.

    Element k is named ``"k"``; the generator is 1. Z_n is the symmetry group
    of an oriented regular n-gon and of cyclic shifts of a length-n sequence.

    Explained in Chapter 1, *A zoo of groups*.
    """
    n = _check_positive_int(n, "the order n of Z_n")
    check_table_size(n, f"Z{n}")
    i = np.arange(n)
    table = (i[:, None] + i[None, :]) % n
    return FiniteGroup(
        table,
        [str(k) for k in range(n)],
        name=f"Z{n}",
        generators=[1 % n] if n > 1 else [],
        validate=False,
        _identity=0,
        _inverse=(-i) % n,
    )


def dihedral(n: int) -> FiniteGroup:
    """The dihedral group D_n of **order 2n**: the symmetries of a regular n-gon.

    (Some texts call this group D_{2n}; here the subscript is the number of
    vertices.) Its elements are the rotations rᵏ and the reflections rᵏs for
    k = 0..n-1, with rⁿ = s² = e and s r s = r⁻¹. Labels: rᵏ is k and rᵏs is
    n + k. Names: ``"e"``, ``"r"``, ``"r^2"``, …, ``"s"``, ``"r s"``, ``"r^2 s"``.
    Generators r and s. ``dihedral(1)`` ≅ Z_2 and ``dihedral(2)`` is the Klein
    four-group.

    Explained in Chapter 1, *A zoo of groups*.
    """
    n = _check_positive_int(n, "the number of vertices n of D_n")
    check_table_size(2 * n, f"D{n}")
    # element (k, m) = r^k s^m  ->  label m*n + k
    k = np.arange(2 * n) % n
    m = np.arange(2 * n) // n
    # (r^a s^i)(r^b s^j) = r^(a + (-1)^i b) s^(i+j)
    sign = np.where(m == 0, 1, -1)
    kk = (k[:, None] + sign[:, None] * k[None, :]) % n
    mm = (m[:, None] + m[None, :]) % 2
    table = mm * n + kk
    names = [_power_name("r", j) or "e" for j in range(n)]
    names += [(_power_name("r", j) + " s").strip() for j in range(n)]
    gens = [1 % n, n] if n > 1 else [n]
    return FiniteGroup(table, names, name=f"D{n}", generators=gens)


class PermutationGroupData:
    """The permutations behind a group built by :func:`from_permutations`.

    ``perms[g]`` is the array form of element ``g``: it sends i to ``perms[g][i]``.

    Explained in Chapter 1, *Groups of permutations*.
    """

    def __init__(self, perms: np.ndarray) -> None:
        self.perms = perms
        self.perms.setflags(write=False)

    @property
    def degree(self) -> int:
        return int(self.perms.shape[1])

    def sympy(self, g: int):  # -> sympy.combinatorics.Permutation
        """Element ``g`` as a ``sympy.combinatorics.Permutation``."""
        from sympy.combinatorics import Permutation

        return Permutation(list(int(x) for x in self.perms[g]))


def _cycle_name(perm: Sequence[int]) -> str:
    """0-based cycle notation without fixed points; the identity is ``"()"``."""
    seen: set[int] = set()
    cycles = []
    for start in range(len(perm)):
        if start in seen or perm[start] == start:
            continue
        cycle = [start]
        seen.add(start)
        x = int(perm[start])
        while x != start:
            cycle.append(x)
            seen.add(x)
            x = int(perm[x])
        cycles.append("(" + " ".join(str(c) for c in cycle) + ")")
    return "".join(cycles) or "()"


def _group_from_perm_arrays(perms: np.ndarray, name: str, generators: Sequence[int] | None) -> FiniteGroup:
    """Build the Cayley table of a list of permutations closed under composition."""
    perms = np.asarray(perms, dtype=np.int64)
    order = np.lexsort(perms.T[::-1])  # lexicographic order of the array forms
    perms = perms[order]
    index = {p.tobytes(): i for i, p in enumerate(perms)}
    m = len(perms)
    table = np.empty((m, m), dtype=np.int64)
    for a in range(m):
        composed = perms[a][perms]  # row b: (a∘b)(i) = a(b(i))
        table[a] = [index[row.tobytes()] for row in composed]
    inverse = np.empty(m, dtype=np.int64)
    identity = 0
    for a in range(m):
        inv = np.empty_like(perms[a])
        inv[perms[a]] = np.arange(perms.shape[1])
        inverse[a] = index[inv.tobytes()]
    if generators is not None:
        position = {int(old): new for new, old in enumerate(order)}
        generators = [position[g] for g in generators]
    group = FiniteGroup(
        table,
        [_cycle_name(p) for p in perms],
        name=name,
        generators=generators,
        validate=False,
        _identity=identity,
        _inverse=inverse,
        permutations=PermutationGroupData(perms),
    )
    return group


def from_permutations(generators: Sequence[Any], degree: int | None = None, *, name: str | None = None) -> FiniteGroup:
    """The group generated by permutations, enumerated with ``sympy.combinatorics``.

    ``generators`` may be sympy ``Permutation`` objects, array forms such as
    ``[1, 2, 0]`` (sends 0→1, 1→2, 2→0), or lists of cycles such as
    ``[[0, 1, 2]]``. ``degree`` pads all of them to act on ``0..degree-1``.
    Elements are ordered lexicographically by array form (identity first) and
    named in 0-based cycle notation; ``G.permutations.sympy(g)`` gives element
    ``g`` back as a sympy ``Permutation``. Products compose as functions: the
    right factor acts first.

    Explained in Chapter 1, *Groups of permutations*.
    """
    from sympy.combinatorics import Permutation, PermutationGroup

    if len(generators) == 0:
        raise ValueError("give at least one generating permutation")
    perms = []
    for i, g in enumerate(generators):
        try:
            if isinstance(g, Permutation):
                p = g
            elif len(g) and all(isinstance(c, (list, tuple)) for c in g):
                p = Permutation(g, size=degree) if degree else Permutation(g)
            else:
                p = Permutation(list(g))
        except Exception as exc:
            raise ValueError(f"generator {i} ({g!r}) is not a permutation: {exc}") from exc
        perms.append(p)
    size = max(p.size for p in perms)
    if degree is not None:
        degree = _check_positive_int(degree, "degree")
        if degree < size:
            raise ValueError(f"degree {degree} is smaller than a generator's size {size}")
        size = degree
    perms = [Permutation(p.array_form + list(range(p.size, size))) for p in perms]
    group = PermutationGroup(perms)
    check_table_size(int(group.order()), name or "the generated group")
    elements = np.array([p.array_form for p in group.generate()], dtype=np.int64)
    # position of each generator in the generated (unsorted) list
    index = {row.tobytes(): i for i, row in enumerate(elements)}
    gen_labels = [index[np.array(p.array_form, dtype=np.int64).tobytes()] for p in perms]
    return _group_from_perm_arrays(elements, name or f"<{len(perms)} permutations of degree {size}>", gen_labels)


def symmetric(n: int) -> FiniteGroup:
    """The symmetric group S_n of all n! permutations of ``0..n-1``.

    Elements are ordered lexicographically by array form and named in 0-based
    cycle notation. Generators: the transposition (0 1) and the n-cycle
    (0 1 … n-1). See :func:`from_permutations` for the product convention.

    Explained in Chapter 1, *Groups of permutations*.
    """
    n = _check_positive_int(n, "n for S_n")
    check_table_size(int(np.prod(range(1, n + 1))), f"S{n}")
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    gens = None
    if n > 1:
        swap = np.arange(n)
        swap[[0, 1]] = [1, 0]
        cycle = np.roll(np.arange(n), -1)
        index = {p.tobytes(): i for i, p in enumerate(perms)}
        gens = sorted({index[swap.tobytes()], index[cycle.tobytes()]})
    return _group_from_perm_arrays(perms, f"S{n}", gens)


def inversion_counts(perms: Any) -> np.ndarray:
    """The number of inversions (pairs i < j with p(i) > p(j)) of each permutation, rows of ``perms`` in array form.

    The sign of a permutation is (−1) to this power.

    Explained in Chapter 3, *The sign of a permutation*.
    """
    p = np.atleast_2d(np.asarray(perms, dtype=np.int64))
    n = p.shape[1]
    inv = np.zeros(len(p), dtype=np.int64)
    for i in range(n):
        inv += (p[:, i : i + 1] > p[:, i + 1 :]).sum(axis=1)
    return inv


def alternating(n: int) -> FiniteGroup:
    """The alternating group A_n of the n!/2 even permutations of ``0..n-1``.

    Ordered and named as in :func:`symmetric`; for n ≥ 3 generated by the
    3-cycles (0 1 k).

    Explained in Chapter 1, *Groups of permutations*.
    """
    n = _check_positive_int(n, "n for A_n")
    check_table_size(int(np.prod(range(1, n + 1))) // 2 if n > 1 else 1, f"A{n}")
    perms = np.array(list(itertools.permutations(range(n))), dtype=np.int64)
    perms = perms[inversion_counts(perms) % 2 == 0]
    gens = None
    if n >= 3:
        index = {p.tobytes(): i for i, p in enumerate(perms)}
        gens = []
        for k in range(2, n):
            c = np.arange(n)
            c[0], c[1], c[k] = 1, k, 0
            gens.append(index[c.tobytes()])
    return _group_from_perm_arrays(perms, f"A{n}", gens)


def quaternion() -> FiniteGroup:
    """The quaternion group Q_8 = {±1, ±i, ±j, ±k} with i² = j² = k² = ijk = -1.

    Labels in the order ``1, -1, i, -i, j, -j, k, -k``; generators i and j.

    Explained in Chapter 1, *A zoo of groups*.
    """
    units = ["1", "i", "j", "k"]
    # unit products: (sign, unit) for units[a]*units[b]
    rule = {
        ("1", "1"): (1, "1"), ("1", "i"): (1, "i"), ("1", "j"): (1, "j"), ("1", "k"): (1, "k"),
        ("i", "1"): (1, "i"), ("i", "i"): (-1, "1"), ("i", "j"): (1, "k"), ("i", "k"): (-1, "j"),
        ("j", "1"): (1, "j"), ("j", "i"): (-1, "k"), ("j", "j"): (-1, "1"), ("j", "k"): (1, "i"),
        ("k", "1"): (1, "k"), ("k", "i"): (1, "j"), ("k", "j"): (-1, "i"), ("k", "k"): (-1, "1"),
    }  # fmt: skip
    elements = [(s, u) for u in units for s in (1, -1)]
    names = [("" if s == 1 else "-") + u for s, u in elements]
    index = {el: i for i, el in enumerate(elements)}
    table = np.empty((8, 8), dtype=np.int64)
    for a, (sa, ua) in enumerate(elements):
        for b, (sb, ub) in enumerate(elements):
            s, u = rule[(ua, ub)]
            table[a, b] = index[(sa * sb * s, u)]
    return FiniteGroup(table, names, name="Q8", generators=[2, 4])


def klein_four() -> FiniteGroup:
    """The Klein four-group V = {e, a, b, c}: every non-identity element has order 2 and ab = c.

    Isomorphic to Z_2 × Z_2 and to the symmetries of a non-square rectangle.

    Explained in Chapter 1, *A zoo of groups*.
    """
    table = np.array([[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 1, 0]])
    return FiniteGroup(table, ["e", "a", "b", "c"], name="V4", generators=[1, 2])


def direct_product(G: FiniteGroup, H: FiniteGroup) -> FiniteGroup:
    """The direct product G × H with componentwise product (g, h)·(g', h') = (gg', hh').

    The pair (g, h) has label ``g * |H| + h`` and name ``"(g, h)"`` built from
    the factors' names. Generators: those of G paired with e_H and those of H
    paired with e_G.

    Explained in Chapter 1, *Direct products*.
    """
    for X, what in ((G, "first"), (H, "second")):
        if not isinstance(X, FiniteGroup):
            raise TypeError(f"the {what} factor must be a FiniteGroup, not {type(X).__name__}")
    m = H.order
    check_table_size(G.order * m, f"{G.name}×{H.name}")
    ga = np.arange(G.order * m) // m
    ha = np.arange(G.order * m) % m
    table = G.table[ga[:, None], ga[None, :]] * m + H.table[ha[:, None], ha[None, :]]
    names = [f"({G.names[g]}, {H.names[h]})" for g, h in zip(ga, ha)]
    gens = [g * m + H.identity for g in G.generators] + [G.identity * m + h for h in H.generators]
    inverse = G.inverses[ga] * m + H.inverses[ha]
    return FiniteGroup(
        table,
        names,
        name=f"{G.name}×{H.name}",
        generators=gens,
        validate=False,
        _identity=G.identity * m + H.identity,
        _inverse=inverse,
    )


def _compress_word(word: str) -> str:
    """``"r r s"`` → ``"r^2 s"``; the empty word is ``"e"``."""
    if not word:
        return "e"
    parts: list[list] = []
    for letter in word.split(" "):
        if parts and parts[-1][0] == letter:
            parts[-1][1] += 1
        else:
            parts.append([letter, 1])
    return " ".join(_power_name(letter, k) for letter, k in parts)


class _MatrixIndex:
    """Matrices found so far, looked up with an entrywise tolerance instead of a rounding key.

    Rounding both sides to a grid (the obvious key) splits equal matrices whose entries straddle a
    grid boundary (0.1234567849… and 0.1234567850…). Here each matrix is summarised by one number,
    its inner product with a fixed weight vector ``v``, kept sorted. Two matrices within ``tol`` of
    each other entrywise have summaries within ``tol·‖v‖₁``, so a lookup scans that window and then
    compares whole matrices.
    """

    def __init__(self, size: int, dtype: Any, tol: float) -> None:
        # fixed, irregular positive weights: no random state, no two entries alike
        self.v = 1.0 + np.sqrt(np.arange(2, size + 2, dtype=np.float64)) % 1.0
        self.tol = float(tol)
        self.width = self.tol * float(np.abs(self.v).sum()) * (2.0 if np.dtype(dtype).kind == "c" else 1.0)
        self.keys: list[float] = []
        self.order: list[int] = []
        self.mats: list[np.ndarray] = []

    def _key(self, flat: np.ndarray) -> np.ndarray:
        return flat.real @ self.v + (flat.imag @ self.v if np.iscomplexobj(flat) else 0.0)

    def find_many(self, mats: np.ndarray) -> np.ndarray:
        """The index of each matrix of ``mats`` (shape (k, d, d)), or −1 where none is within ``tol``."""
        flat = mats.reshape(len(mats), -1)
        keys = self._key(flat)
        out = np.full(len(mats), -1, dtype=np.int64)
        stored = np.asarray(self.keys)
        lo = np.searchsorted(stored, keys - self.width, side="left")
        hi = np.searchsorted(stored, keys + self.width, side="right")
        for i in range(len(mats)):
            for j in range(lo[i], hi[i]):
                k = self.order[j]
                if np.max(np.abs(self.mats[k] - flat[i])) <= self.tol:
                    out[i] = k
                    break
        return out

    def add(self, m: np.ndarray) -> int:
        import bisect

        flat = m.reshape(-1)
        key = float(self._key(flat[None])[0])
        pos = bisect.bisect_left(self.keys, key)
        self.keys.insert(pos, key)
        self.order.insert(pos, len(self.mats))
        self.mats.append(flat)
        return len(self.mats) - 1


def from_matrices(
    generators: Sequence[Any],
    names: Sequence[str] | None = None,
    *,
    name: str | None = None,
    max_order: int = 5000,
    decimals: int = 8,
) -> FiniteGroup:
    """The finite group generated by invertible square matrices under matrix product.

    The closure is found breadth first from the identity, so the elements come
    in order of word length and each is named by a shortest word in the
    generators (``names`` gives the generators' names; default ``a, b, c, …``).
    Two matrices are the same element when every entry agrees to within
    ``10**-decimals`` (a tolerance, not rounding: entries on either side of a
    rounding boundary still match). ``G.matrices[g]`` is element ``g``'s matrix.

    Raises ``ValueError`` for non-square or singular generators, generators of
    different sizes, when more than ``max_order`` elements appear (the group
    is then probably infinite, e.g. a rotation by an irrational angle), and when
    a product matches no element (the matrices are too inexact for ``decimals``).

    Explained in Chapter 1, *Matrix groups*.
    """
    if len(generators) == 0:
        raise ValueError("give at least one generating matrix")
    mats = []
    for i, g in enumerate(generators):
        m = np.asarray(g)
        if m.ndim != 2 or m.shape[0] != m.shape[1]:
            raise ValueError(f"generator {i} must be a square matrix, but has shape {m.shape}")
        if mats and m.shape != mats[0].shape:
            raise ValueError(f"generator {i} has shape {m.shape} but generator 0 has shape {mats[0].shape}")
        if abs(np.linalg.det(m)) < 10.0 ** (-decimals):
            raise ValueError(f"generator {i} is singular (determinant ≈ 0), so it has no inverse")
        mats.append(m)
    dtype = np.complex128 if any(np.iscomplexobj(m) for m in mats) else np.float64
    mats = [m.astype(dtype) for m in mats]
    if names is None:
        names = [chr(ord("a") + i) for i in range(len(mats))]
    if len(names) != len(mats):
        raise ValueError(f"{len(names)} names for {len(mats)} generators")

    d = mats[0].shape[0]
    eye = np.eye(d, dtype=dtype)
    index = _MatrixIndex(d * d, dtype, 10.0 ** (-decimals))
    index.add(eye)
    elements, words = [eye], [""]
    frontier = [0]
    while frontier:
        new = []
        for x in frontier:
            for gname, g in zip(names, mats):
                y = elements[x] @ g
                if index.find_many(y[None])[0] < 0:
                    if len(elements) >= max_order:
                        raise ValueError(
                            f"more than {max_order} distinct matrices were generated; the group is "
                            "probably infinite (raise max_order if you know it is finite)"
                        )
                    new.append(index.add(y))
                    elements.append(y)
                    words.append((words[x] + " " + gname).strip())
        frontier = new
    n = len(elements)
    stack = np.stack(elements)
    table = np.empty((n, n), dtype=np.int64)
    for a in range(n):  # one row at a time: n products, looked up together
        row = index.find_many(stack[a] @ stack)
        if (row < 0).any():
            b = int(np.flatnonzero(row < 0)[0])
            raise ValueError(
                f"the product of elements {a} and {b} matched no element to within 1e-{decimals}; "
                "the matrices may be inexact, try a smaller `decimals`"
            )
        table[a] = row
    group = FiniteGroup(
        table,
        [_compress_word(w) for w in words],
        name=name or f"<{len(mats)} matrices of size {d}>",
        generators=[int(index.find_many(g[None])[0]) for g in mats],
        matrices=stack,
    )
    return group
