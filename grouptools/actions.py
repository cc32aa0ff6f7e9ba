"""Group actions: on finite sets (orbits, stabilisers, Burnside) and on data tensors.

A :class:`GroupAction` of a finite group G on a finite set X is stored as one
permutation of X per element: ``perms[g, i]`` is the index of g·xᵢ. It is
checked on construction — e·x = x and (g·h)·x = g·(h·x) — and a failure raises
:class:`~grouptools.errors.NotAnActionError` naming the elements.

A :class:`TensorAction` acts on tensors (images, sequences, sets of tokens),
where X is too large to list: it is checked on sample tensors instead.

The two classes share one interface, with the same names and return conventions
(x is a listed point for a GroupAction, a tensor for a TensorAction):

* ``act(g, x)``, or calling the action: g·x.
* ``images(x)``: g·x for every label g, with repeats (a list; for tensors, stacked
  into one tensor of shape (order of G, *x.shape)).
* ``orbit(x)``: the distinct points of the orbit G·x (a list in the order of
  ``points``; for tensors, stacked in the order of their first label).
* ``orbit_size(x)``: the number of points of G·x.
* ``stabiliser(x)``: the sorted labels g with g·x = x.
* ``check()``: the two laws, on every point (GroupAction, which also checks them on
  construction) or on sample tensors (``TensorAction.check(samples)``).

So ``orbit_size(x) * len(stabiliser(x)) == group.order`` for both (orbit–stabiliser),
and ``images(x)[g]`` is g·x for both. (Before the two were made consistent,
``TensorAction.orbit`` returned what is now ``images``; for an x with a trivial
stabiliser the two agree.)

Explained in Chapter 4, *Group actions*.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Mapping, Sequence
from fractions import Fraction
from typing import Any

import numpy as np

from .errors import NotAnActionError, NotASubgroupError
from .groups import Element, FiniteGroup

__all__ = [
    "GroupAction",
    "regular_action",
    "conjugation_action",
    "coset_action",
    "coset_space_map",
    "function_action",
    "precompose",
    "action_graph_components",
    "natural_action",
    "dihedral_vertex_action",
    "colouring_action",
    "count_colourings",
    "count_necklaces",
    "orbit_invariant",
    "maps_orbits",
    "overlapping_orbits",
    "TensorAction",
    "rotation_action",
    "dihedral_image_action",
    "shift_action",
    "permutation_action",
]

_CHUNK = 20_000_000  # entries per block when checking compatibility


from .formatting import parenthesise as _p


class GroupAction:
    """A (left) action of a finite group G on a finite set of points.

    ``perms[g, i]`` is the index of g·xᵢ in ``points``. Build one with
    :meth:`from_function`, :meth:`from_permutations` or a named constructor
    (:func:`regular_action`, :func:`natural_action`, :func:`colouring_action`, …).

    Explained in Chapter 4, *Group actions*.
    """

    def __init__(
        self,
        group: FiniteGroup,
        perms: Any,
        points: Sequence[Hashable] | None = None,
        *,
        name: str = "action",
        point_names: Sequence[str] | None = None,
        validate: bool = True,
    ) -> None:
        p = np.asarray(perms, dtype=np.int64)
        if p.ndim != 2 or p.shape[0] != group.order:
            raise NotAnActionError(
                "shape", f"need one row per element of {group.name} ({group.order}), got an array of shape {p.shape}"
            )
        m = p.shape[1]
        self.group = group
        self.points = list(range(m)) if points is None else list(points)
        if len(self.points) != m:
            raise ValueError(f"{len(self.points)} points given for permutations of {m} points")
        self.point_names = [str(x) for x in self.points] if point_names is None else list(point_names)
        self.name = name
        self._index = {x: i for i, x in enumerate(self.points)}
        if validate:
            bad = np.argwhere((p < 0) | (p >= m))
            if len(bad):
                g, i = (int(v) for v in bad[0])
                raise NotAnActionError(
                    "closure", f"{group.names[g]}·{self.point_names[i]} is index {p[g, i]}, not one of the {m} points", (g, i)
                )
        p.setflags(write=False)
        self._perms = p
        if validate:
            self._check()

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_function(
        cls,
        group: FiniteGroup,
        points: Sequence[Hashable],
        f: Callable[[int, Any], Any],
        *,
        name: str = "action",
        point_names: Sequence[str] | None = None,
    ) -> "GroupAction":
        """The action g·x = f(g, x) (g a label, x a point); the points must be hashable.

        A value outside ``points`` raises :class:`~grouptools.errors.NotAnActionError`
        (``axiom="closure"``) naming g and x.

        Explained in Chapter 4, *Group actions*.
        """
        pts = list(points)
        index = {x: i for i, x in enumerate(pts)}
        if len(index) != len(pts):
            raise ValueError("the points must be distinct")
        perms = np.empty((group.order, len(pts)), dtype=np.int64)
        for g in group.elements:
            for i, x in enumerate(pts):
                y = f(g, x)
                try:
                    perms[g, i] = index[y]
                except (KeyError, TypeError):
                    raise NotAnActionError(
                        "closure", f"{group.names[g]}·{x!r} = {y!r} is not one of the points", (g, x)
                    ) from None
        return cls(group, perms, pts, name=name, point_names=point_names)

    @classmethod
    def from_permutations(
        cls,
        group: FiniteGroup,
        perms: Sequence[Sequence[int]] | Mapping[Element, Sequence[int]],
        points: Sequence[Hashable] | None = None,
        *,
        name: str = "action",
        point_names: Sequence[str] | None = None,
    ) -> "GroupAction":
        """The action from permutations of ``0..m-1`` (array form: i ↦ perm[i]).

        Give one permutation per element (a list indexed by label), or a dict
        generator → permutation, extended by (x·s)·p = x·(s·p). A dict whose
        permutations break one of the group's relations raises
        :class:`~grouptools.errors.NotAnActionError` naming the element and generator.

        Explained in Chapter 4, *Group actions*.
        """
        if not isinstance(perms, Mapping):
            return cls(group, perms, points, name=name, point_names=point_names)
        gens = {group.label(k): np.asarray(v, dtype=np.int64) for k, v in perms.items()}
        if len(group.closure(gens)) != group.order:
            raise NotAnActionError(
                "generators", f"{[group.names[g] for g in gens]} do not generate {group.name}; give the other images too"
            )
        m = len(next(iter(gens.values())))
        for s, ps in gens.items():
            if sorted(ps.tolist()) != list(range(m)):
                raise NotAnActionError(
                    "bijection", f"the image of generator {group.names[s]} is not a permutation of 0..{m - 1}: {ps.tolist()}", (s,)
                )
        table = np.full((group.order, m), -1, dtype=np.int64)
        table[group.identity] = np.arange(m)
        for x, s, y, first in group.breadth_first(list(gens)):
            value = table[x][gens[s]]  # (x·s)·i = x·(s·i)
            if first:
                table[y] = value
            elif not np.array_equal(table[y], value):
                n = group.names
                raise NotAnActionError(
                    "compatibility",
                    f"the generator permutations do not define an action: {n[y]} = {_p(n[x])}·{_p(n[s])} "
                    f"would have to act both as {table[y].tolist()} and as {value.tolist()}",
                    (x, s),
                )
        return cls(group, table, points, name=name, point_names=point_names)

    @classmethod
    def from_right_function(
        cls,
        group: FiniteGroup,
        points: Sequence[Hashable],
        f: Callable[[Any, int], Any],
        *,
        name: str = "action",
        point_names: Sequence[str] | None = None,
    ) -> "GroupAction":
        """The left action g·x := x·g⁻¹ made from a *right* action x·g = f(x, g).

        ``f`` must satisfy x·e = x and (x·g)·h = x·(gh); a rule that breaks either
        raises :class:`~grouptools.errors.NotAnActionError` naming the law and the
        elements. The inverse is what turns the right law into the left one:
        (gh)·x = x·(gh)⁻¹ = x·(h⁻¹g⁻¹) = (x·h⁻¹)·g⁻¹ = g·(h·x).

        Explained in Chapter 4, *Left and right actions*.
        """
        pts = list(points)
        index = {x: i for i, x in enumerate(pts)}
        if len(index) != len(pts):
            raise ValueError("the points must be distinct")
        pn = [str(x) for x in pts] if point_names is None else list(point_names)
        right = np.empty((group.order, len(pts)), dtype=np.int64)  # right[g, i] = index of x_i·g
        for g in group.elements:
            for i, x in enumerate(pts):
                y = f(x, g)
                try:
                    right[g, i] = index[y]
                except (KeyError, TypeError):
                    raise NotAnActionError(
                        "closure", f"{x!r}·{group.names[g]} = {y!r} is not one of the points", (x, g)
                    ) from None
        names = group.names
        moved = np.flatnonzero(right[group.identity] != np.arange(len(pts)))
        if len(moved):
            i = int(moved[0])
            raise NotAnActionError(
                "identity", f"not a right action: {pn[i]}·{names[group.identity]} = {pn[right[group.identity, i]]}",
                (i, group.identity),
            )
        for g in group.elements:
            for h in group.elements:
                lhs = right[h][right[g]]  # (x·g)·h
                rhs = right[group.product(g, h)]  # x·(gh)
                bad = np.flatnonzero(lhs != rhs)
                if len(bad):
                    i = int(bad[0])
                    raise NotAnActionError(
                        "compatibility",
                        f"not a right action: ({pn[i]}·{_p(names[g])})·{_p(names[h])} = {pn[lhs[i]]} but "
                        f"{pn[i]}·({_p(names[g])}·{_p(names[h])}) = {pn[i]}·{_p(names[group.product(g, h)])} = {pn[rhs[i]]} "
                        f"for x={pn[i]}, g={names[g]}, h={names[h]}",
                        (i, g, h),
                    )
        return cls(group, right[group.inverses], pts, name=name, point_names=pn)

    def _check(self) -> None:
        G, p = self.group, self._perms
        n, m = G.order, p.shape[1]
        names, pn = G.names, self.point_names
        moved = np.flatnonzero(p[G.identity] != np.arange(m))
        if len(moved):
            i = int(moved[0])
            raise NotAnActionError(
                "identity", f"the identity does not fix every point: {names[G.identity]}·{pn[i]} = {pn[p[G.identity, i]]}", (G.identity, i)
            )
        block = max(1, _CHUNK // max(1, n * m))
        for start in range(0, n, block):
            g = np.arange(start, min(n, start + block))
            left = p[G.table[g]]  # left[g, h, i] = (g·h)·x_i
            right = p[g][:, p]  # right[g, h, i] = g·(h·x_i)
            bad = np.argwhere(left != right)
            if len(bad):
                a, b, i = (int(v) for v in bad[0])
                a = int(g[a])
                raise NotAnActionError(
                    "compatibility",
                    f"not an action: ({_p(names[a])}·{_p(names[b])})·{pn[i]} = {_p(names[G.product(a, b)])}·{pn[i]} = "
                    f"{pn[left[a - start, b, i]]} but {_p(names[a])}·({_p(names[b])}·{pn[i]}) = {_p(names[a])}·{pn[p[b, i]]} = "
                    f"{pn[right[a - start, b, i]]} for g={names[a]}, h={names[b]}, x={pn[i]}",
                    (a, b, i),
                )

    # ---------------------------------------------------------------- basics
    @property
    def perms(self) -> np.ndarray:
        """``perms[g, i]``: index of g·xᵢ (read-only).

        Explained in Chapter 4, *Group actions*.
        """
        return self._perms

    @property
    def degree(self) -> int:
        """The number of points |X|.

        Explained in Chapter 4, *Group actions*.
        """
        return int(self._perms.shape[1])

    def index(self, x: Hashable) -> int:
        """The index of point ``x`` in :attr:`points`.

        Explained in Chapter 4, *Group actions*.
        """
        try:
            return self._index[x]
        except (KeyError, TypeError):
            raise ValueError(f"{x!r} is not one of the points of {self.name}") from None

    def act(self, g: Element, x: Hashable) -> Any:
        """The point g·x.

        Explained in Chapter 4, *Group actions*.
        """
        return self.points[int(self._perms[self.group.label(g), self.index(x)])]

    def __call__(self, g: Element, x: Hashable) -> Any:
        """The point g·x (same as :meth:`act`).

        Explained in Chapter 4, *Group actions*.
        """
        return self.act(g, x)

    def __repr__(self) -> str:
        return f"<GroupAction {self.name}: {self.group.name} on {self.degree} points>"

    # ---------------------------------------------------------------- orbits and stabilisers
    def orbit_labels(self) -> np.ndarray:
        """``labels[i]`` is the index of xᵢ's orbit, orbits numbered by their first point.

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        m = self.degree
        labels = np.full(m, -1, dtype=np.int64)
        gens = self.group.generators or [self.group.identity]
        k = 0
        for i in range(m):
            if labels[i] >= 0:
                continue
            labels[i] = k
            frontier = np.array([i])
            while frontier.size:
                nxt = np.unique(self._perms[np.ix_(gens, frontier)])
                nxt = nxt[labels[nxt] < 0]
                labels[nxt] = k
                frontier = nxt
            k += 1
        return labels

    def orbit(self, x: Hashable) -> list[Any]:
        """The orbit G·x = {g·x : g ∈ G}, in the order of :attr:`points`.

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        idx = np.unique(self._perms[:, self.index(x)])
        return [self.points[i] for i in idx]

    def images(self, x: Hashable) -> list[Any]:
        """[g·x for g in G], one entry per label (with repeats when the stabiliser is not trivial).

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        return [self.points[int(i)] for i in self._perms[:, self.index(x)]]

    def orbit_size(self, x: Hashable) -> int:
        """|G·x|, the number of distinct points g·x (= |G| / |G_x|).

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        return int(np.unique(self._perms[:, self.index(x)]).size)

    def check(self) -> None:
        """Re-check e·x = x and (g·h)·x = g·(h·x) on every point (construction already does this).

        Raises :class:`~grouptools.errors.NotAnActionError` naming the elements; useful
        for an action built with ``validate=False``.

        Explained in Chapter 4, *Group actions*.
        """
        self._check()

    def orbits(self) -> list[list[Any]]:
        """The orbits, a partition of the points, ordered by their first point.

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        labels = self.orbit_labels()
        return [[self.points[i] for i in np.flatnonzero(labels == k)] for k in range(int(labels.max()) + 1)]

    def stabiliser(self, x: Hashable) -> list[int]:
        """The stabiliser G_x = {g : g·x = x}, sorted labels (a subgroup of G).

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        i = self.index(x)
        return np.flatnonzero(self._perms[:, i] == i).tolist()

    def fixed_points(self, g: Element) -> list[Any]:
        """The points fixed by g, X^g = {x : g·x = x}.

        Explained in Chapter 4, *Burnside's lemma*.
        """
        row = self._perms[self.group.label(g)]
        return [self.points[i] for i in np.flatnonzero(row == np.arange(self.degree))]

    def fixed_point_counts(self) -> np.ndarray:
        """``counts[g]`` = |X^g| for every g.

        Explained in Chapter 4, *Burnside's lemma*.
        """
        return (self._perms == np.arange(self.degree)).sum(axis=1)

    def burnside_count(self) -> int:
        """The number of orbits by Burnside's lemma, (1/|G|) Σ_g |X^g| (checked to be an integer).

        Explained in Chapter 4, *Burnside's lemma*.
        """
        value = Fraction(int(self.fixed_point_counts().sum()), self.group.order)
        if value.denominator != 1:  # impossible for an action; a guard against misuse
            raise ArithmeticError(f"Burnside's average {value} is not an integer")
        return int(value)

    def cycle_counts(self) -> np.ndarray:
        """``c[g]`` = number of cycles of g's permutation of the points (fixed points count as 1-cycles).

        Explained in Chapter 4, *Burnside's lemma*.
        """
        out = np.zeros(self.group.order, dtype=np.int64)
        for g in self.group.elements:
            p = self._perms[g]
            seen = np.zeros(self.degree, dtype=bool)
            for i in range(self.degree):
                if not seen[i]:
                    out[g] += 1
                    j = i
                    while not seen[j]:
                        seen[j] = True
                        j = p[j]
        return out

    def is_transitive(self) -> bool:
        """Whether there is a single orbit.

        Explained in Chapter 4, *Orbits and stabilisers*.
        """
        return int(self.orbit_labels().max()) == 0

    def kernel(self) -> list[int]:
        """The elements that fix every point: the kernel of ρ : G → Sym(X), a normal subgroup.

        Explained in Chapter 4, *Group actions*.
        """
        return np.flatnonzero((self._perms == np.arange(self.degree)).all(axis=1)).tolist()

    def is_faithful(self) -> bool:
        """Whether only the identity fixes every point.

        Explained in Chapter 4, *Group actions*.
        """
        return len(self.kernel()) == 1


# --------------------------------------------------------------------------- named actions


def regular_action(G: FiniteGroup) -> GroupAction:
    """G acting on itself by left multiplication, g·x = g x (Cayley's theorem).

    Explained in Chapter 4, *Group actions*.
    """
    return GroupAction(G, G.table, G.elements, name=f"{G.name} on itself", point_names=G.names)


def conjugation_action(G: FiniteGroup) -> GroupAction:
    """G acting on itself by conjugation, g·x = g x g⁻¹: the orbits are the conjugacy classes.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    return GroupAction(G, G.conjugation_table(), G.elements, name=f"{G.name} by conjugation", point_names=G.names)


def coset_action(G: FiniteGroup, H: Sequence[Element]) -> GroupAction:
    """G acting on the left cosets of H by g·(xH) = (gx)H; the points are the cosets (tuples).

    Coset k is the k-th of :func:`~grouptools.subgroups.left_cosets` (ordered by
    smallest label, so H itself comes first when e is label 0), named by its smallest
    element followed by "H" (e.g. ``"eH"``, ``"rH"``, ``"(r s)H"``), with the same
    naming helper as :func:`~grouptools.subgroups.quotient_group`.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    from .subgroups import _coset_name, left_cosets

    cosets = left_cosets(G, H)
    which = np.empty(G.order, dtype=np.int64)
    for k, c in enumerate(cosets):
        which[c] = k
    reps = np.array([c[0] for c in cosets])
    perms = which[G.table[:, reps]]
    names = [_coset_name(G.names[c[0]], "H") for c in cosets]
    return GroupAction(G, perms, [tuple(c) for c in cosets], name=f"{G.name} on cosets", point_names=names)


def coset_space_map(action: GroupAction, x: Hashable) -> dict[tuple[int, ...], Any]:
    """The G-equivariant bijection G/G_x → G·x, gG_x ↦ g·x, as a dict coset → point.

    The cosets are the points of ``coset_action(G, G_x)`` (tuples of labels), on which
    G acts by left multiplication. The map is checked to be well defined (every element
    of a coset sends x to the same point), injective, and equivariant,
    f(g·c) = g·f(c) for every g and every coset c; a failure (possible only for an
    "action" built with ``validate=False``) raises
    :class:`~grouptools.errors.NotAnActionError` naming the elements. For a transitive
    action the image is all of X: X is the homogeneous space G/G_x.

    Explained in Chapter 4, *Homogeneous spaces*.
    """
    if not isinstance(action, GroupAction):
        raise TypeError(f"coset_space_map needs a GroupAction, got {type(action).__name__}")
    G = action.group
    i = action.index(x)  # ValueError naming x when it is not a point
    stab = action.stabiliser(x)
    names = G.names
    try:
        cosets = coset_action(G, stab)
    except NotASubgroupError as exc:
        raise NotAnActionError(
            "stabiliser", f"the stabiliser of {action.point_names[i]} is not a subgroup, so this is not an action: {exc}", (i,)
        ) from None
    mapping: dict[tuple[int, ...], Any] = {}
    seen: dict[int, tuple[int, ...]] = {}
    for c in cosets.points:
        images = {int(action.perms[g, i]) for g in c}
        if len(images) != 1:
            raise NotAnActionError(
                "well-defined", f"the coset {[names[g] for g in c]} sends {action.point_names[i]} to several points", c
            )
        j = images.pop()
        if j in seen:
            raise NotAnActionError(
                "injective", f"the cosets of {names[seen[j][0]]} and {names[c[0]]} both go to {action.point_names[j]}", c
            )
        seen[j] = c
        mapping[c] = action.points[j]
    for g in G.elements:
        for c in cosets.points:
            lhs = mapping[cosets.act(g, c)]
            rhs = action.act(g, mapping[c])
            if lhs != rhs:
                raise NotAnActionError(
                    "equivariance",
                    f"f({names[g]}·{cosets.point_names[cosets.index(c)]}) = {lhs!r} but "
                    f"{names[g]}·f({cosets.point_names[cosets.index(c)]}) = {rhs!r}",
                    (g, c),
                )
    return mapping


def natural_action(G: FiniteGroup) -> GroupAction:
    """A permutation group acting on 0..d-1 by g·i = g(i).

    Explained in Chapter 4, *Group actions*.
    """
    if G.permutations is None:
        raise ValueError(f"{G.name} carries no permutations; build it with symmetric(), alternating() or from_permutations()")
    return GroupAction(G, G.permutations.perms, name=f"{G.name} on points")


def dihedral_vertex_action(n: int) -> GroupAction:
    """D_n (as :func:`~grouptools.dihedral`) acting on the corners 0..n-1 of a regular n-gon.

    rᵏ sends corner i to i + k and rᵏs sends i to k − i (mod n).

    Explained in Chapter 4, *Group actions*.
    """
    from .named import dihedral

    G = dihedral(n)
    i = np.arange(n)
    perms = [(i + k) % n for k in range(n)] + [(k - i) % n for k in range(n)]
    return GroupAction(G, perms, name=f"D{n} on corners")


def colouring_action(action: GroupAction, k: int) -> GroupAction:
    """The induced action on colourings c ∈ {0..k-1}^X: (g·c)(g·x) = c(x).

    Points are tuples of length |X| in lexicographic order (kᵐ of them).

    Explained in Chapter 4, *Burnside's lemma*.
    """
    m = action.degree
    if k ** m > 2_000_000:
        raise ValueError(f"{k}^{m} colourings are too many to list; use count_colourings for the count")
    cols = np.array(list(itertools.product(range(k), repeat=m)), dtype=np.int64).reshape(-1, m)
    weights = k ** np.arange(m - 1, -1, -1)
    perms = np.empty((action.group.order, len(cols)), dtype=np.int64)
    for g in action.group.elements:
        p = action.perms[g]
        moved = np.empty_like(cols)
        moved[:, p] = cols  # (g·c)[p[i]] = c[i]
        perms[g] = moved @ weights
    points = [tuple(int(v) for v in c) for c in cols]
    names = ["".join(str(v) for v in c) for c in points] if k <= 10 else None
    return GroupAction(action.group, perms, points, name=f"{action.group.name} on {k}-colourings", point_names=names)


def count_colourings(action: GroupAction, k: int) -> int:
    """The number of colourings up to symmetry by Burnside: (1/|G|) Σ_g k^{cycles(g)}.

    Explained in Chapter 4, *Burnside's lemma*.
    """
    total = sum(int(k) ** int(c) for c in action.cycle_counts())
    value = Fraction(total, action.group.order)
    assert value.denominator == 1
    return int(value)


def count_necklaces(n: int, k: int, *, turn_over: bool = False) -> int:
    """Necklaces of n beads in k colours up to rotation (Z_n), or bracelets with ``turn_over`` (D_n).

    Explained in Chapter 4, *Burnside's lemma*.
    """
    from .named import cyclic

    if turn_over:
        return count_colourings(dihedral_vertex_action(n), k)
    Z = cyclic(n)
    i = np.arange(n)
    return count_colourings(GroupAction(Z, [(i + s) % n for s in range(n)], name=f"Z{n} on beads"), k)


# --------------------------------------------------------------------------- invariants and non-actions


def orbit_invariant(action: GroupAction) -> np.ndarray:
    """Ψ(xᵢ) = index of xᵢ's orbit: an invariant function Ψ(g·x) = Ψ(x) that separates orbits.

    Every invariant is a function of this one; for a transitive action it is constant.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    return action.orbit_labels().astype(np.float64)


def maps_orbits(maps: Sequence[Callable[[Any], Any]], points: Sequence[Hashable]) -> dict[Any, list[Any]]:
    """The "orbits" {m(x)} of points under the monoid generated by ``maps`` (identity included).

    For a group these are the orbits; for non-invertible maps (a ReLU, a
    constant model) the sets can overlap without being equal — see
    :func:`overlapping_orbits`. A map that leaves ``points`` raises ``ValueError``.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    pts = list(points)
    index = {x: i for i, x in enumerate(pts)}
    table = []
    for j, f in enumerate(maps):
        row = []
        for x in pts:
            y = f(x)
            if y not in index:
                raise ValueError(f"map {j} sends {x!r} to {y!r}, which is not one of the points")
            row.append(index[y])
        table.append(row)
    out: dict[Any, list[Any]] = {}
    for i, x in enumerate(pts):
        reach = {i}
        frontier = [i]
        while frontier:
            frontier = [r[j] for j in frontier for r in table if r[j] not in reach]
            reach.update(frontier)
        out[x] = [pts[j] for j in sorted(reach)]
    return out


def overlapping_orbits(orbits: Mapping[Any, Sequence[Any]]) -> tuple[Any, Any] | None:
    """A pair (x, y) whose orbits meet but differ — the orbits do not partition — or ``None``.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    items = [(x, frozenset(o)) for x, o in orbits.items()]
    for (x, a), (y, b) in itertools.combinations(items, 2):
        if a & b and a != b:
            return x, y
    return None


def action_graph_components(maps: Sequence[Callable[[Any], Any]], points: Sequence[Hashable]) -> list[list[Any]]:
    """The connected components of the action graph (an edge x — m(x) for each map m): a partition of ``points``.

    For a group action they are the orbits. For a monoid of maps the "orbits" of
    :func:`maps_orbits` can overlap, but these components always partition the points,
    and the functions Ψ with Ψ(m(x)) = Ψ(x) for every map m are exactly the functions
    constant on each component (so they form a space of dimension the number of
    components). A map that leaves ``points`` raises ``ValueError``. Components are
    listed by their first point, each in the order of ``points``.

    Explained in Chapter 4, *Source 000 in this chapter*.
    """
    pts = list(points)
    index = {x: i for i, x in enumerate(pts)}
    if len(index) != len(pts):
        raise ValueError("the points must be distinct")
    parent = list(range(len(pts)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    for j, f in enumerate(maps):
        for i, x in enumerate(pts):
            y = f(x)
            if y not in index:
                raise ValueError(f"map {j} sends {x!r} to {y!r}, which is not one of the points")
            a, b = root(i), root(index[y])
            if a != b:
                parent[max(a, b)] = min(a, b)
    blocks: dict[int, list[Any]] = {}
    for i, x in enumerate(pts):
        blocks.setdefault(root(i), []).append(x)
    return list(blocks.values())


# --------------------------------------------------------------------------- actions on tensors


class TensorAction:
    """An action of a finite group on tensors: ``action(g, x)`` returns g·x.

    The set acted on (all images, all sequences) is too large to list, so the
    axioms are checked on sample tensors with :meth:`check`.

    Explained in Chapter 4, *Actions on data*.
    """

    def __init__(self, group: FiniteGroup, fn: Callable[[int, Any], Any], *, name: str = "action") -> None:
        self.group = group
        self._fn = fn
        self.name = name

    def __call__(self, g: Element, x: Any) -> Any:
        """The tensor g·x.

        Explained in Chapter 4, *Actions on data*.
        """
        return self._fn(self.group.label(g), x)

    def __repr__(self) -> str:
        return f"<TensorAction {self.name} of {self.group.name}>"

    def act(self, g: Element, x: Any) -> Any:
        """The tensor g·x (same as calling the action).

        Explained in Chapter 4, *Actions on data*.
        """
        return self(g, x)

    def images(self, x: Any) -> Any:
        """The stacked tensor [g·x for g in G] (shape (|G|, *x.shape)), one per label, with repeats.

        Explained in Chapter 4, *Actions on data*.
        """
        import torch

        return torch.stack([self._fn(g, x) for g in self.group.elements])

    def orbit(self, x: Any, atol: float = 0.0) -> Any:
        """The distinct tensors of G·x (to within ``atol``), stacked, in the order of their first label.

        Shape (|G·x|, *x.shape); like :meth:`GroupAction.orbit`, each point of the orbit
        appears once. :meth:`images` keeps one entry per element.

        Explained in Chapter 4, *Actions on data*.
        """
        import torch

        distinct: list[Any] = []
        for y in self.images(x):
            if not any(torch.allclose(y, z, atol=atol, rtol=0) for z in distinct):
                distinct.append(y)
        return torch.stack(distinct)

    def stabiliser(self, x: Any, atol: float = 0.0) -> list[int]:
        """The labels g with g·x = x (to within ``atol``).

        Explained in Chapter 4, *Actions on data*.
        """
        import torch

        return [g for g in self.group.elements if torch.allclose(self._fn(g, x), x, atol=atol, rtol=0)]

    def orbit_size(self, x: Any, atol: float = 0.0) -> int:
        """The number of distinct tensors g·x (= |G| / |stabiliser|).

        Explained in Chapter 4, *Actions on data*.
        """
        return int(self.orbit(x, atol=atol).shape[0])

    def check(self, samples: Sequence[Any] | Any, atol: float = 0.0) -> None:
        """Check e·x = x and (g·h)·x = g·(h·x) on each sample; raise :class:`~grouptools.errors.NotAnActionError` naming g, h.

        Explained in Chapter 4, *Actions on data*.
        """
        import torch

        G, names = self.group, self.group.names
        for k, x in enumerate(samples):
            if not torch.allclose(self._fn(G.identity, x), x, atol=atol, rtol=0):
                raise NotAnActionError("identity", f"{names[G.identity]}·x ≠ x for sample {k}", (G.identity, k))
            moved = [self._fn(h, x) for h in G.elements]
            for g in G.elements:
                for h in G.elements:
                    lhs = moved[G.product(g, h)]
                    rhs = self._fn(g, moved[h])
                    if lhs.shape != rhs.shape or not torch.allclose(lhs, rhs, atol=atol, rtol=0):
                        raise NotAnActionError(
                            "compatibility",
                            f"not an action: ({_p(names[g])}·{_p(names[h])})·x ≠ {_p(names[g])}·({_p(names[h])}·x) "
                            f"for g={names[g]}, h={names[h]} on sample {k}",
                            (g, h, k),
                        )


def rotation_action(dims: tuple[int, int] = (-2, -1)) -> TensorAction:
    """C₄ = Z₄ rotating square images: k·x = ``torch.rot90(x, k, dims)`` (k quarter turns anticlockwise).

    Explained in Chapter 4, *Actions on data*.
    """
    import torch

    from .named import cyclic

    return TensorAction(cyclic(4), lambda k, x: torch.rot90(x, k, dims), name="C4 on images")


def dihedral_image_action(dims: tuple[int, int] = (-2, -1)) -> TensorAction:
    """D₄ (as :func:`~grouptools.dihedral`) on square images: r = quarter turn, s = left–right mirror.

    The label rᵏs acts as "first mirror, then rotate k times", matching the
    group's product (composition of functions).

    Explained in Chapter 4, *Actions on data*.
    """
    import torch

    from .named import dihedral

    def act(g: int, x: Any) -> Any:
        k, m = g % 4, g // 4
        if m:
            x = torch.flip(x, dims=(dims[1],))
        return torch.rot90(x, k, dims)

    return TensorAction(dihedral(4), act, name="D4 on images")


def shift_action(length: int, dim: int = -1) -> TensorAction:
    """Z_L shifting sequences cyclically: k·x = ``torch.roll(x, k, dim)`` (position i moves to i + k).

    The shift itself is :func:`grouptools.nn.sequence_actions.cyclic_shift`;
    this wraps it as an action of the group ``cyclic(length)``.

    Explained in Chapter 4, *Actions on data*.
    """
    from .named import cyclic
    from .nn.sequence_actions import cyclic_shift

    def act(k: int, x: Any) -> Any:
        if x.shape[dim] != length:
            raise ValueError(f"expected length {length} along dim {dim}, got shape {tuple(x.shape)}")
        return cyclic_shift(x, k, dim)

    return TensorAction(cyclic(length), act, name=f"Z{length} shifts")


def permutation_action(n: int, dim: int = -1, group: FiniteGroup | None = None) -> TensorAction:
    """S_n (or a permutation ``group`` of degree n) permuting the n entries along ``dim``: (g·x)[g(i)] = x[i].

    For a set of n tokens of shape (n, d) use ``dim=-2``. The permutation itself
    is :func:`grouptools.nn.sequence_actions.permute_positions`; this wraps it as
    an action of the group.

    Explained in Chapter 4, *Actions on data*.
    """
    from .named import symmetric
    from .nn.sequence_actions import permute_positions

    G = symmetric(n) if group is None else group
    if G.permutations is None or G.permutations.degree != n:
        raise ValueError(f"need a permutation group of degree {n}")
    perms = [p.tolist() for p in G.permutations.perms]

    def act(g: int, x: Any) -> Any:
        if x.shape[dim] != n:
            raise ValueError(f"expected {n} entries along dim {dim}, got shape {tuple(x.shape)}")
        return permute_positions(x, perms[g], dim)  # (g·x)[g(i)] = x[i]

    return TensorAction(G, act, name=f"{G.name} on {n} positions")


# --------------------------------------------------------------------------- actions on functions


def _along(values: Any, dim: int, idx: np.ndarray, m: int) -> Any:
    """values with index ``idx`` taken along ``dim`` (numpy array or torch tensor), after a length check."""
    if not hasattr(values, "shape") or len(values.shape) == 0:
        raise TypeError(f"need an array or tensor of function values, got {type(values).__name__}")
    try:
        n = values.shape[dim]
    except IndexError:
        raise ValueError(f"dim {dim} is out of range for values of shape {tuple(values.shape)}") from None
    if n != m:
        raise ValueError(f"need one value per point ({m}) along dim {dim}, got shape {tuple(values.shape)}")
    if isinstance(values, np.ndarray):
        return np.take(values, idx, axis=dim)
    import torch

    if isinstance(values, torch.Tensor):
        return torch.index_select(values, dim, torch.tensor(idx.tolist(), dtype=torch.long, device=values.device))
    raise TypeError(f"need a numpy array or a torch tensor, got {type(values).__name__}")


def function_action(action: GroupAction, dim: int = -1) -> TensorAction:
    """The left action on functions f : X → ℝ induced by ``action``: (g·f)(x) = f(g⁻¹·x).

    A function is stored as its values along ``dim``, one per point in the order of
    ``action.points`` (an image flattened row by row is a function on the pixel grid).
    So (g·f)[g·xᵢ] = f[xᵢ]: the value at xᵢ moves to g·xᵢ. This is a left action for
    every action on X; :func:`precompose`, f ↦ f(g·x), is the right action instead.
    A length along ``dim`` other than |X| raises ``ValueError``.

    Explained in Chapter 4, *Actions on functions and feature maps*.
    """
    if not isinstance(action, GroupAction):
        raise TypeError(f"function_action needs a GroupAction, got {type(action).__name__}")
    inv = action.perms[action.group.inverses]  # inv[g, i] = index of g⁻¹·xᵢ
    m = action.degree
    return TensorAction(action.group, lambda g, f: _along(f, dim, inv[g], m), name=f"{action.name}, on functions")


def precompose(action: GroupAction, g: Element, values: Any, dim: int = -1) -> Any:
    """The values of x ↦ f(g·x): f composed with g's permutation (a *right* action on functions).

    ``values`` holds f(xᵢ) along ``dim`` as in :func:`function_action`. Precomposing
    with g and then with h gives x ↦ f(g·(h·x)) = f((gh)·x): the order is reversed,
    so as a rule g·f := f(g·x) this breaks the left law unless g and h commute.

    Explained in Chapter 4, *Actions on functions and feature maps*.
    """
    if not isinstance(action, GroupAction):
        raise TypeError(f"precompose needs a GroupAction, got {type(action).__name__}")
    return _along(values, dim, action.perms[action.group.label(g)], action.degree)
