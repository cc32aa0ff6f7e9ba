"""Finite groups stored as Cayley tables.

A :class:`FiniteGroup` is a set of integer labels ``0..n-1`` together with its
multiplication table ``table[a, b] = a·b``. Every constructor in
:mod:`grouptools.named` builds one of these; :meth:`FiniteGroup.from_table`
builds one from a table of your own and checks the group axioms first.

Explained in Chapter 1, *Groups*.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import numpy as np

from .errors import GroupTooLargeError, NotAGroupError

__all__ = ["FiniteGroup", "check_group_table", "check_table_size", "relabel_table", "MAX_TABLE_BYTES", "Element"]

#: An element may be given by its integer label or by its printed name.
Element = int | np.integer | str

# Associativity is checked in blocks of rows so that memory stays near
# _BLOCK * n * n integers even for groups with a few thousand elements.
_BLOCK_ELEMENTS = 4_000_000


def _format_row(row: Sequence[int], limit: int = 12) -> str:
    items = [str(int(x)) for x in row[:limit]]
    if len(row) > limit:
        items.append("…")
    return "[" + ", ".join(items) + "]"


def _as_table(table: Any) -> np.ndarray:
    """Convert ``table`` to a square integer array or raise a clear error."""
    if isinstance(table, (list, tuple)) and table and all(isinstance(r, (list, tuple)) for r in table):
        lengths = [len(r) for r in table]
        if len(set(lengths)) > 1:
            k = next(i for i, m in enumerate(lengths) if m != lengths[0])
            raise NotAGroupError(
                "shape",
                f"the table's rows have different lengths: row 0 has {lengths[0]} entries but row {k} "
                f"has {lengths[k]} (a Cayley table is an n×n grid of labels)",
            )
    try:
        arr = np.asarray(table)
    except Exception as exc:  # ragged nested lists, for example
        raise NotAGroupError("shape", f"the table could not be read as a square array: {exc}") from exc
    if arr.dtype == object:
        raise NotAGroupError(
            "shape", "the table's rows have different lengths (a Cayley table is an n×n grid of labels)"
        )
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1]:
        raise NotAGroupError(
            "shape", f"a Cayley table must be square (n×n), but this one has shape {arr.shape}"
        )
    if arr.shape[0] == 0:
        raise NotAGroupError("identity", "the empty table has no identity element (a group is never empty)")
    if arr.dtype == bool or not (np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)):
        raise NotAGroupError(
            "shape", f"table entries must be integer labels 0..n-1, but the table holds {arr.dtype} values"
        )
    if np.issubdtype(arr.dtype, np.floating):
        bad = np.argwhere(arr != np.round(arr))
        if len(bad):
            i, j = (int(v) for v in bad[0])
            raise NotAGroupError(
                "closure", f"entry table[{i}][{j}] = {arr[i, j]} is not an integer label", (i, j)
            )
    return arr.astype(np.int64)


def relabel_table(table: Any, perm: Sequence[int]) -> np.ndarray:
    """The same operation with element x renamed ``perm[x]``: ``new[perm[a], perm[b]] = perm[table[a, b]]``.

    Works for any square table of labels ``0..n-1`` (a group or not); ``perm`` must be a
    permutation of ``0..n-1``.

    Explained in Chapter 1, *Checking the axioms by computation*.
    """
    t = np.asarray(table, dtype=np.int64)
    p = np.asarray(perm, dtype=np.int64)
    n = t.shape[0]
    if t.ndim != 2 or t.shape != (n, n):
        raise ValueError(f"a table must be square, got shape {t.shape}")
    if p.shape != (n,) or sorted(p.tolist()) != list(range(n)):
        raise ValueError(f"perm must be a permutation of 0..{n - 1}, got {list(perm)!r}")
    if n and (t.min() < 0 or t.max() >= n):
        raise ValueError(f"table entries must be labels 0..{n - 1}")
    out = np.empty_like(t)
    out[p[:, None], p[None, :]] = p[t]
    return out


#: The largest Cayley table the constructors build: 2 GiB of 64-bit labels (|G| ≤ 16 384).
MAX_TABLE_BYTES = 2**31


def check_table_size(order: int, what: str) -> int:
    """Raise :class:`~grouptools.errors.GroupTooLargeError` if a |G|×|G| table of int64 labels exceeds :data:`MAX_TABLE_BYTES`.

    Returns the number of bytes the table needs. The message gives the memory and the way out:
    work with generators (``sympy.combinatorics.PermutationGroup`` for permutations) or with a
    subgroup or quotient small enough to tabulate.

    Explained in Chapter 1, *Checking the axioms by computation*.
    """
    order = int(order)
    nbytes = order * order * 8
    if nbytes > MAX_TABLE_BYTES:
        raise GroupTooLargeError(
            f"{what} has {order:,} elements; its Cayley table ({order:,}² int64 labels) would need "
            f"{nbytes / 2**30:,.1f} GiB, more than the {MAX_TABLE_BYTES / 2**30:g} GiB limit. Work with generators "
            "instead (sympy.combinatorics.PermutationGroup for permutations), or with a subgroup or quotient small "
            "enough to tabulate (at most 16,384 elements).",
            order, nbytes,
        )
    return nbytes


def check_group_table(table: Any) -> tuple[np.ndarray, int, np.ndarray]:
    """Check that ``table`` is the Cayley table of a group on labels ``0..n-1``.

    The axioms are checked in the textbook order: closure (every entry is a
    label), associativity, identity, inverses. The first failure raises
    :class:`~grouptools.NotAGroupError` naming the axiom and the elements.

    Returns ``(table, identity, inverse)`` where ``inverse[a]`` is the label of
    a⁻¹.

    Explained in Chapter 1, *Checking the axioms by computation*.
    """
    t = _as_table(table)
    n = t.shape[0]
    # Closure: every entry must be one of the n labels.
    bad = np.argwhere((t < 0) | (t >= n))
    if len(bad):
        i, j = (int(v) for v in bad[0])
        raise NotAGroupError(
            "closure",
            f"not closed: entry table[{i}][{j}] = {t[i, j]} is not a label 0..{n - 1} "
            f"(so {i}·{j} is outside the set)",
            (i, j),
        )
    # Associativity: (a·b)·c == a·(b·c) for all triples, in blocks of a.
    block = max(1, _BLOCK_ELEMENTS // (n * n))
    for start in range(0, n, block):
        a = np.arange(start, min(n, start + block))
        left = t[t[a]]  # left[i, b, c] = (a_i·b)·c
        right = t[a][:, t]  # right[i, b, c] = a_i·(b·c)
        diff = np.argwhere(left != right)
        if len(diff):
            i, b, c = (int(v) for v in diff[0])
            x = int(a[i])
            lhs, rhs = int(left[i, b, c]), int(right[i, b, c])
            raise NotAGroupError(
                "associativity",
                f"not associative: ({x}·{b})·{c} = {int(t[x, b])}·{c} = {lhs} but "
                f"{x}·({b}·{c}) = {x}·{int(t[b, c])} = {rhs} for a={x}, b={b}, c={c}",
                (x, b, c),
            )
    # Identity: a label e whose row and column are both 0..n-1 in order.
    labels = np.arange(n)
    both = np.flatnonzero((t == labels).all(axis=1) & (t == labels[:, None]).all(axis=0))
    if len(both) == 0:
        examples = []
        for e in range(min(n, 3)):
            x = int(np.flatnonzero((t[e] != labels) | (t[:, e] != labels))[0])
            examples.append(
                f"e={e} fails at x={x} ({e}·{x} = {int(t[e, x])}, {x}·{e} = {int(t[x, e])})"
            )
        more = "; …" if n > 3 else ""
        raise NotAGroupError(
            "identity",
            "no identity element: no label e has e·x = x·e = x for every x; " + "; ".join(examples) + more,
        )
    e = int(both[0])
    # Inverses: for every a some b with a·b = b·a = e.
    two_sided = (t == e) & (t.T == e)
    has_inverse = two_sided.any(axis=1)
    if not has_inverse.all():
        a = int(np.flatnonzero(~has_inverse)[0])
        raise NotAGroupError(
            "inverse",
            f"element {a} has no inverse: no b with {a}·b = b·{a} = {e} (the identity); "
            f"row {a} of the table is {_format_row(t[a])}",
            (a,),
        )
    inverse = two_sided.argmax(axis=1).astype(np.int64)
    return t, e, inverse


class FiniteGroup:
    """A finite group given by its Cayley table.

    Elements are the integer labels ``0..n-1``; ``table[a, b]`` is the label of
    the product ``a·b``. Each element also has a printed name (``"r^2 s"``,
    ``"(0 1 2)"``, ``"-i"``…). Methods accept an element either as its label or
    as its name and always return labels.

    The core is deliberately small: :meth:`product`, :meth:`inverse`,
    :attr:`identity` and :attr:`elements`. The operator ``a * b`` is not
    overloaded: labels are plain integers, so write ``G.product(a, b)``.

    Build one with a named constructor (``cyclic(8)``, ``dihedral(4)``…) or
    with :meth:`from_table`, which validates the axioms.

    Explained in Chapter 1, *Groups*.
    """

    def __init__(
        self,
        table: Any,
        names: Sequence[str] | None = None,
        *,
        name: str | None = None,
        generators: Sequence[Element] | None = None,
        validate: bool = True,
        _identity: int | None = None,
        _inverse: np.ndarray | None = None,
        permutations: Any = None,
        matrices: Any = None,
        embedding: Sequence[int] | None = None,
        cosets: Sequence[Sequence[int]] | None = None,
    ) -> None:
        if validate or _identity is None or _inverse is None:
            t, e, inv = check_group_table(table)
        else:
            t, e, inv = np.asarray(table, dtype=np.int64), int(_identity), np.asarray(_inverse, dtype=np.int64)
        n = t.shape[0]
        t.setflags(write=False)
        inv.setflags(write=False)
        self._table = t
        self._identity = e
        self._inverse = inv
        self.name = name if name is not None else f"group of order {n}"
        if names is None:
            names = [str(i) for i in range(n)]
        names = [str(s) for s in names]
        if len(names) != n:
            raise ValueError(f"{len(names)} names were given for a group of order {n}")
        if len(set(names)) != n:
            dup = next(s for s in names if names.count(s) > 1)
            raise ValueError(f"element names must be distinct, but {dup!r} occurs more than once")
        self._names = names
        self._label_of = {s: i for i, s in enumerate(names)}
        self._orders: np.ndarray | None = None
        if generators is None:
            self._generators = self._greedy_generators()
        else:
            gens = [self.label(g) for g in generators]
            if len(self.closure(gens)) != n:
                raise ValueError(
                    f"the given generators {[self._names[g] for g in gens]} do not generate {self.name}"
                )
            self._generators = gens
        self._set_concrete(permutations, matrices, embedding, cosets)

    def _set_concrete(self, permutations: Any, matrices: Any, embedding: Any, cosets: Any) -> None:
        """Check and store what a constructor knows about the elements beyond the table."""
        n = self.order
        if permutations is not None and len(permutations.perms) != n:
            raise ValueError(f"{len(permutations.perms)} permutations were given for a group of order {n}")
        if matrices is not None:
            matrices = np.array(matrices)
            if matrices.ndim != 3 or matrices.shape[0] != n or matrices.shape[1] != matrices.shape[2]:
                raise ValueError(f"matrices must have shape ({n}, d, d), got {matrices.shape}")
            matrices.setflags(write=False)
        if embedding is not None:
            embedding = [int(g) for g in embedding]
            if len(embedding) != n or len(set(embedding)) != n:
                raise ValueError(f"an embedding gives {n} distinct labels in the larger group, got {embedding}")
        if cosets is not None:
            cosets = [[int(g) for g in c] for c in cosets]
            if len(cosets) != n:
                raise ValueError(f"a quotient of order {n} needs {n} cosets, got {len(cosets)}")
        self._permutations, self._matrices, self._embedding, self._cosets = permutations, matrices, embedding, cosets

    @property
    def permutations(self) -> Any:
        """The permutations behind the labels (a ``PermutationGroupData``), for groups made by
        :func:`~grouptools.from_permutations`, :func:`~grouptools.symmetric` and
        :func:`~grouptools.alternating`; ``None`` otherwise."""
        return self._permutations

    @property
    def matrices(self) -> np.ndarray | None:
        """``matrices[g]`` is element g's matrix, for groups made by :func:`~grouptools.from_matrices`; ``None`` otherwise."""
        return self._matrices

    @property
    def embedding(self) -> list[int] | None:
        """For a subgroup made by :func:`~grouptools.subgroups.as_group`: ``embedding[i]`` is element i's label in the
        larger group; ``None`` otherwise."""
        return None if self._embedding is None else list(self._embedding)

    @property
    def cosets(self) -> list[list[int]] | None:
        """For a quotient made by :func:`~grouptools.subgroups.quotient_group`: ``cosets[i]`` lists the labels (in the
        larger group) of the coset that is element i; ``None`` otherwise."""
        return None if self._cosets is None else [list(c) for c in self._cosets]

    @property
    def coset_of(self) -> np.ndarray | None:
        """For a quotient: ``coset_of[g]`` is the label of the coset containing g (the quotient map); ``None`` otherwise."""
        if self._cosets is None:
            return None
        out = np.empty(sum(len(c) for c in self._cosets), dtype=np.int64)
        for k, c in enumerate(self._cosets):
            out[c] = k
        return out

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_table(
        cls, table: Any, names: Sequence[str] | None = None, *, name: str | None = None
    ) -> "FiniteGroup":
        """Build a group from a square table of labels ``0..n-1``, keeping the labels.

        Row ``i`` and column ``i`` belong to element ``i``: ``table[a][b]`` is
        the label of ``a·b``. The identity need not be label 0. A table that is
        not a group raises :class:`~grouptools.NotAGroupError` naming the
        failing axiom and the elements (a non-square table, a label outside
        ``0..n-1``, the first non-associative triple, a missing identity, an
        element with no inverse).

        Explained in Chapter 1, *Checking the axioms by computation*.
        """
        return cls(table, names, name=name, validate=True)

    def relabelled(self, perm: Sequence[int], *, name: str | None = None) -> "FiniteGroup":
        """The same group with element ``g`` given the label ``perm[g]`` (names travel along).

        The new table is built and validated by :meth:`from_table`, so the
        identity generally ends up at a label other than 0. Useful to check
        that a computation does not depend on the labelling.

        Explained in Chapter 1, *Checking the axioms by computation*.
        """
        table = relabel_table(self._table, perm)
        names = [""] * self.order
        for g, new in enumerate(perm):
            names[int(new)] = self._names[g]
        return FiniteGroup.from_table(table, names, name=name or f"{self.name} relabelled")

    # ------------------------------------------------------------------ the core
    @property
    def table(self) -> np.ndarray:
        """The Cayley table (read-only ``n×n`` integer array): ``table[a, b] = a·b``."""
        return self._table

    @property
    def order(self) -> int:
        """The number of elements |G|."""
        return int(self._table.shape[0])

    def __len__(self) -> int:
        return self.order

    @property
    def elements(self) -> list[int]:
        """The element labels ``[0, 1, …, n-1]``."""
        return list(range(self.order))

    @property
    def identity(self) -> int:
        """The label of the identity element."""
        return self._identity

    @property
    def names(self) -> list[str]:
        """The printed names of the elements, indexed by label."""
        return list(self._names)

    @property
    def generators(self) -> list[int]:
        """A generating set (labels): the constructor's natural one, else a small greedy one."""
        return list(self._generators)

    def label(self, g: Element) -> int:
        """The integer label of ``g`` (given as a label or as a name)."""
        if isinstance(g, str):
            try:
                return self._label_of[g]
            except KeyError:
                sample = ", ".join(repr(s) for s in self._names[:8])
                more = ", …" if self.order > 8 else ""
                raise ValueError(f"{g!r} is not an element of {self.name}; its elements are {sample}{more}") from None
        if isinstance(g, (bool, np.bool_)) or not isinstance(g, (int, np.integer)):
            raise TypeError(f"an element is an integer label or a name, not {type(g).__name__} ({g!r})")
        if not 0 <= g < self.order:
            raise ValueError(f"{g} is not an element label of {self.name} (labels are 0..{self.order - 1})")
        return int(g)

    def element_name(self, g: Element) -> str:
        """The printed name of ``g``."""
        return self._names[self.label(g)]

    def product(self, a: Element, b: Element, *more: Element) -> int:
        """The label of ``a·b`` (or of ``a·b·c·…`` when more factors are given)."""
        result = int(self._table[self.label(a), self.label(b)])
        for c in more:
            result = int(self._table[result, self.label(c)])
        return result

    def inverse(self, a: Element) -> int:
        """The label of a⁻¹."""
        return int(self._inverse[self.label(a)])

    @property
    def inverses(self) -> np.ndarray:
        """All inverses at once: the read-only array ``inverses[a]`` = label of a⁻¹."""
        return self._inverse

    def conjugation_table(self) -> np.ndarray:
        """The read-only array ``c[g, x]`` = label of g·x·g⁻¹, for all g and x (computed once)."""
        if getattr(self, "_conjugation", None) is None:
            t = self._table
            c = t[t, self._inverse[:, None]]  # (g·x)·g⁻¹
            c.setflags(write=False)
            self._conjugation = c
        return self._conjugation

    def power(self, a: Element, k: int) -> int:
        """The label of aᵏ for any integer k (negative powers use a⁻¹)."""
        a = self.label(a)
        if k < 0:
            a, k = int(self._inverse[a]), -k
        result, base = self._identity, a
        while k:  # square and multiply
            if k & 1:
                result = int(self._table[result, base])
            base = int(self._table[base, base])
            k >>= 1
        return result

    def element_order(self, a: Element) -> int:
        """The order of ``a``: the least k ≥ 1 with aᵏ = e."""
        return int(self.element_orders()[self.label(a)])

    def element_orders(self) -> np.ndarray:
        """The orders of all elements, indexed by label (a new array)."""
        if self._orders is None:
            n = self.order
            orders = np.zeros(n, dtype=np.int64)
            current = np.arange(n)
            for k in range(1, n + 1):
                done = (current == self._identity) & (orders == 0)
                orders[done] = k
                if (orders > 0).all():
                    break
                current = self._table[current, np.arange(n)]
            self._orders = orders
        return self._orders.copy()

    def is_abelian(self) -> bool:
        """Whether a·b = b·a for all a, b."""
        return bool((self._table == self._table.T).all())

    def noncommuting_pair(self) -> tuple[int, int] | None:
        """The first pair (a, b) with a·b ≠ b·a, or ``None`` for an abelian group."""
        bad = np.argwhere(self._table != self._table.T)
        return None if len(bad) == 0 else (int(bad[0][0]), int(bad[0][1]))

    def closure(self, elements: Iterable[Element]) -> list[int]:
        """The labels of the subgroup generated by ``elements``, sorted.

        Explained in Chapter 1, *Generators*; Chapter 2 builds subgroups on it.
        """
        gens = sorted({self.label(g) for g in elements})
        return np.flatnonzero(self.closure_mask(gens)).tolist()

    def closure_mask(self, generators: Sequence[int], start: np.ndarray | None = None) -> np.ndarray:
        """Boolean mask of the subgroup generated by ``start`` ∪ ``generators`` (labels), vectorised on the table.

        Breadth first by right multiplication with the generators. ``start`` (a mask) must
        already be closed under the generators it came from (a subgroup, or just {e}); the
        search then only adds new words.

        Explained in Chapter 2, *All subgroups and the subgroup lattice*.
        """
        t = self._table
        mask = np.zeros(self.order, dtype=bool) if start is None else np.array(start, dtype=bool)
        mask[self._identity] = True
        g = np.asarray(list(generators), dtype=np.int64)
        if g.size == 0:
            return mask
        frontier = np.flatnonzero(mask)
        while frontier.size:
            fresh = np.zeros_like(mask)
            fresh[t[frontier[:, None], g[None, :]]] = True
            fresh &= ~mask
            mask |= fresh
            frontier = np.flatnonzero(fresh)
        return mask

    def breadth_first(self, generators: Sequence[Element]) -> Iterator[tuple[int, int, int, bool]]:
        """Walk the Cayley graph from the identity, breadth first: yield ``(x, s, x·s, first)`` for every edge.

        Edges are visited frontier by frontier, each x in the order it was reached, each
        generator s in the given order; ``first`` says whether x·s is reached for the first
        time (the edges with ``first`` form a spanning tree of shortest words). Extending a map
        from generators, φ(x·s) = φ(x)·φ(s), is this walk: set φ on the first visits, check it
        on the others. Elements outside the subgroup the generators generate are never reached.

        Explained in Chapter 3, *Homomorphisms*.
        """
        gens = [self.label(s) for s in generators]
        seen = np.zeros(self.order, dtype=bool)
        seen[self._identity] = True
        frontier = [self._identity]
        while frontier:
            new = []
            for x in frontier:
                for s in gens:
                    y = int(self._table[x, s])
                    first = not seen[y]
                    if first:
                        seen[y] = True
                        new.append(y)
                    yield x, s, y, first
            frontier = new

    def _greedy_generators(self) -> list[int]:
        """A small generating set: repeatedly add an element of largest order not yet generated."""
        orders = self.element_orders()
        candidates = sorted(range(self.order), key=lambda g: (-orders[g], g))
        gens: list[int] = []
        span = {self._identity}
        for g in candidates:
            if len(span) == self.order:
                break
            if g not in span:
                gens.append(g)
                span = set(self.closure(gens))
        return gens

    # ------------------------------------------------------------------ display
    def format_table(self, use_names: bool = True, max_width: int = 10) -> str:
        """The Cayley table as aligned text (row · column = entry)."""
        lab = self._names if use_names else [str(i) for i in range(self.order)]
        w = min(max_width, max(len(s) for s in lab))
        cut = [s if len(s) <= w else s[: w - 1] + "…" for s in lab]
        head = " " * w + " │ " + " ".join(s.rjust(w) for s in cut)
        lines = [head, "─" * (w + 1) + "┼" + "─" * (len(head) - w - 2)]
        for a in range(self.order):
            row = " ".join(cut[int(x)].rjust(w) for x in self._table[a])
            lines.append(cut[a].rjust(w) + " │ " + row)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<FiniteGroup {self.name}, order {self.order}>"

    def __eq__(self, other: object) -> bool:
        """Two groups are equal when they have the same table and the same names."""
        if not isinstance(other, FiniteGroup):
            return NotImplemented
        return bool(np.array_equal(self._table, other._table)) and self._names == other._names

    def __hash__(self) -> int:
        return hash((self._table.tobytes(), tuple(self._names)))
