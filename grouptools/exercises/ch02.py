"""Checkers for the Chapter 2 exercises (``exercises/02_subgroups_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on several
groups — named ones, the trivial group, and a relabelled D4 built with
:meth:`~grouptools.FiniteGroup.from_table` whose identity is label 5 — (or, for
the strided-subsampling exercise, on several lengths, strides and shifts) and
compares the answers with the reference computations of
:mod:`grouptools.subgroups` and :mod:`grouptools.conjugacy`. It returns a
:class:`~grouptools.exercises.Feedback` that names the first input where the
answer is wrong, what came back and why it is wrong; it never raises.

Explained in Chapter 2 exercises, *How the checks work*.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np

from .. import subgroups as sg
from ..conjugacy import centre, conjugacy_classes
from ..errors import NotASubgroupError
from ..groups import FiniteGroup
from ..named import alternating, cyclic, dihedral, direct_product, klein_four, quaternion, symmetric
from ._feedback import ExerciseFailure, _as_bool, _call, _is_label, _returned, checker

__all__ = [
    "check_is_subgroup",
    "check_generated_subgroup",
    "check_left_cosets",
    "check_normality_witness",
    "check_conjugacy_class",
    "check_centre",
    "check_quotient_table",
    "check_polyphase_shift",
    "check_subgroup_classes",
]

#: The relabelling of D4 used by every checker: D4's element a becomes label ``_PERM[a]``.
_PERM = [5, 2, 7, 0, 3, 6, 1, 4]


# ---------------------------------------------------------------------- helpers
def relabelled_d4() -> FiniteGroup:
    """D4 with its elements renumbered (the identity ``e`` is label 5), built with ``from_table``.

    Explained in Chapter 2 exercises, *How the checks work*.
    """
    return dihedral(4).relabelled(_PERM, name="a relabelled D4 (identity = label 5)")


def _subset(G: FiniteGroup, names: Iterable[str]) -> list[int]:
    return sorted(G.label(x) for x in names)


def _fmt(G: FiniteGroup, labels: Iterable[int]) -> str:
    """A set of elements by name, with the labels when the names are not the labels."""
    labels = sorted(int(x) for x in labels)
    shown = "{" + ", ".join(G.names[x] for x in labels) + "}"
    if any(G.names[x] != str(x) for x in labels):
        shown += f" (labels {labels})"
    return shown


def _el(G: FiniteGroup, x: int) -> str:
    """One element by name, with its label when they differ."""
    name = G.names[x]
    return name if name == str(x) else f"{name} (label {x})"


def _why_not_a_subgroup(G: FiniteGroup, H: Sequence[int], it: str, closure_prefix: str = "") -> str | None:
    """None when H is a subgroup of G, else the reason in words (the identity, or a product outside H)."""
    try:
        sg.check_subgroup(G, H)
        return None
    except NotASubgroupError as exc:
        if exc.reason == "identity":
            return f"the identity {_el(G, G.identity)} is not in {it}"
        if exc.reason == "closure":
            a, b = exc.witness
            return f"{closure_prefix}{G.names[a]}·{G.names[b]} = {_el(G, G.product(a, b))} is not in {it}"
        return str(exc)


def _as_labels(G: FiniteGroup, value: Any, where: str, what: str) -> list[int]:
    """The learner's collection of labels as a list (order and repeats kept), or a clear failure."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, (set, frozenset)):
        value = sorted(value, key=lambda x: (not _is_label(x), x if _is_label(x) else 0))
    if not isinstance(value, (list, tuple)) or not all(_is_label(x) for x in value):
        raise ExerciseFailure(f"{where} you returned {_returned(value)}; return {what}")
    out = [int(x) for x in value]
    bad = [x for x in out if not 0 <= x < G.order]
    if bad:
        raise ExerciseFailure(f"{where} you returned {out}, but {bad[0]} is not a label of {G.name} (0..{G.order - 1})")
    return out


def _word(G: FiniteGroup, gens: Sequence[int], x: int) -> str:
    """x written as a product of the generators (breadth-first, so a shortest word)."""
    if x == G.identity:
        return G.names[x]
    parent: dict[int, tuple[int, int] | None] = {G.identity: None}
    for y, g, z, first in G.breadth_first(gens):
        if first:
            parent[z] = (y, g)
            if z == x:
                break
    letters: list[str] = []
    while parent[x] is not None:
        y, g = parent[x]  # type: ignore[misc]
        letters.append(G.names[g])
        x = y
    return "·".join(reversed(letters))


# ---------------------------------------------------------------------- 2.1
@checker("Exercise 2.1")
def check_is_subgroup(is_subgroup: Callable[[FiniteGroup, list[int]], bool]) -> str:
    """Check ``is_subgroup(G, H)``: True exactly when the list of labels ``H`` is a subgroup of ``G``.

    Explained in Chapter 2 exercises, *Exercise 2.1 · The subgroup test*.
    """
    D4, Q8, S3, Z6, A4, R = dihedral(4), quaternion(), symmetric(3), cyclic(6), alternating(4), relabelled_d4()
    cases: list[tuple[FiniteGroup, list[int]]] = [
        (cyclic(1), [0]),
        (D4, _subset(D4, ["e", "r", "r^2", "r^3"])),
        (D4, _subset(D4, ["e", "r", "r^3"])),  # identity and inverses, but r·r = r^2 is missing
        (D4, []),
        (D4, _subset(D4, ["e"])),
        (D4, _subset(D4, ["r^2", "s", "r^2 s"])),  # no identity
        (D4, _subset(D4, ["e", "s", "r s"])),
        (D4, _subset(D4, ["e", "r^2", "s", "r^2 s"])),
        (Q8, _subset(Q8, ["1", "-1", "i", "-i"])),
        (Q8, _subset(Q8, ["1", "i", "-i"])),
        (S3, _subset(S3, ["()", "(0 1)"])),
        (S3, _subset(S3, ["()", "(0 1)", "(1 2)"])),
        (Z6, [0, 2, 4]),
        (Z6, [0, 1, 5]),
        (Z6, [0, 3]),
        (R, [0]),  # label 0 is r^3 here, not the identity
        (R, _subset(R, ["e", "r^2"])),
        (R, _subset(R, ["e", "r", "r^2", "r^3"])),
        (R, _subset(R, ["e", "r s", "r^3 s"])),
        (R, R.elements),
        (A4, _subset(A4, ["()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)"])),
        (A4, _subset(A4, ["()", "(0 1 2)", "(0 2 1)", "(0 1)(2 3)"])),
    ]
    for G, H in cases:
        where = f"for {G.name} and H = {_fmt(G, H)}"
        got = _as_bool(_call(is_subgroup, where, G, list(H)), f"{G.name} and H = {_fmt(G, H)}")
        problem = _why_not_a_subgroup(G, H, "H", "it is not closed: ")
        if got and problem is not None:
            raise ExerciseFailure(f"{where} you returned True, but {problem}")
        if not got and problem is None:
            raise ExerciseFailure(
                f"{where} you returned False, but H is a subgroup: it contains the identity "
                f"{G.names[G.identity]} and every product and inverse of its elements"
            )
    return f"all {len(cases)} subsets classified correctly"


# ---------------------------------------------------------------------- 2.2
@checker("Exercise 2.2")
def check_generated_subgroup(generated_subgroup: Callable[[FiniteGroup, list[int]], Any]) -> str:
    """Check ``generated_subgroup(G, gens)``: the sorted labels of ⟨gens⟩.

    Explained in Chapter 2 exercises, *Exercise 2.2 · Generated subgroups*.
    """
    D4, Q8, S3, R = dihedral(4), quaternion(), symmetric(3), relabelled_d4()
    S4 = symmetric(4)
    cases: list[tuple[FiniteGroup, list[int]]] = [
        (cyclic(1), []),
        (D4, _subset(D4, ["r"])),
        (D4, _subset(D4, ["r", "s"])),
        (D4, []),
        (D4, _subset(D4, ["r^2", "s"])),
        (D4, _subset(D4, ["s", "r s"])),
        (cyclic(12), [8]),
        (cyclic(12), [4, 6]),
        (Q8, _subset(Q8, ["i", "j"])),
        (S3, _subset(S3, ["(0 1)", "(1 2)"])),
        (R, []),
        (R, _subset(R, ["e"])),
        (R, _subset(R, ["r^3"])),
        (R, _subset(R, ["s", "r s"])),
        (R, _subset(R, ["r^2", "r s"])),
        (S4, _subset(S4, ["(0 1 2 3)", "(0 2)"])),
        (S4, _subset(S4, ["(0 1)", "(1 2)", "(2 3)"])),
    ]
    for G, gens in cases:
        shown = "⟨" + ", ".join(_el(G, g) for g in gens) + "⟩"
        where = f"for {G.name} and gens = {gens} ({shown})"
        expected = sg.generated_subgroup(G, gens)
        answer = _call(generated_subgroup, where, G, list(gens))
        got = _as_labels(G, answer, where, "the sorted list of labels of ⟨gens⟩")
        if len(set(got)) != len(got):
            x = next(x for x in got if got.count(x) > 1)
            raise ExerciseFailure(f"{where} you returned {got}, which lists {x} twice; return each element once")
        missing = [x for x in expected if x not in got]
        extra = [x for x in got if x not in expected]
        if missing:
            x = missing[0]
            how = "the empty product" if x == G.identity else _word(G, gens, x)
            raise ExerciseFailure(
                f"{where} you returned {got}, but {_el(G, x)} = {how} is in the subgroup; "
                f"⟨gens⟩ = {_fmt(G, expected)}"
            )
        if extra:
            raise ExerciseFailure(
                f"{where} you returned {got}, but {_el(G, extra[0])} is not a product of the generators; "
                f"⟨gens⟩ = {_fmt(G, expected)}"
            )
        if got != expected:
            raise ExerciseFailure(f"{where} you returned {got}: the right elements, but return them sorted, {expected}")
    return f"all {len(cases)} generated subgroups agree with gt.subgroups.generated_subgroup"


# ---------------------------------------------------------------------- 2.3
@checker("Exercise 2.3")
def check_left_cosets(left_cosets: Callable[[FiniteGroup, list[int]], Any]) -> str:
    """Check ``left_cosets(G, H)``: the left cosets gH as sorted lists, ordered by their smallest label.

    Explained in Chapter 2 exercises, *Exercise 2.3 · Left cosets*.
    """
    D4, S3, A4, R = dihedral(4), symmetric(3), alternating(4), relabelled_d4()
    cases: list[tuple[FiniteGroup, list[int]]] = [
        (cyclic(1), [0]),
        (D4, _subset(D4, ["e", "r^2"])),
        (D4, _subset(D4, ["e", "s"])),  # left cosets differ from right cosets
        (D4, D4.elements),
        (D4, _subset(D4, ["e"])),
        (cyclic(6), [0, 3]),
        (S3, _subset(S3, ["()", "(0 1)"])),
        (R, _subset(R, ["e", "r s"])),
        (R, _subset(R, ["e", "r", "r^2", "r^3"])),
        (R, _subset(R, ["e"])),
        (A4, sg.generated_subgroup(A4, [A4.label("(0 1 2)")])),
    ]
    for G, H in cases:
        where = f"for {G.name} and H = {_fmt(G, H)}"
        expected = sg.left_cosets(G, H)
        raw = _call(left_cosets, where, G, list(H))
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        if not isinstance(raw, (list, tuple)):
            raise ExerciseFailure(f"{where} you returned {_returned(raw)}; return a list of cosets (lists of labels)")
        got = [_as_labels(G, c, where, "a list of cosets, each a sorted list of labels") for c in raw]
        for c in got:
            if not c:
                raise ExerciseFailure(f"{where} your answer contains an empty coset; every coset gH contains g")
            g = min(c)
            right = sg.left_coset(G, g, H)
            if sorted(set(c)) != right:
                note = ""
                if sorted(set(c)) == sg.right_coset(G, H, g):
                    note = f" Your {c} is the right coset Hg = {{h·g}}; a left coset is gH = {{g·h}}."
                raise ExerciseFailure(
                    f"{where} you returned the coset {c}, but it is not a left coset: the left coset of "
                    f"its smallest element {_el(G, g)} is gH = {_fmt(G, right)}.{note}"
                )
            if len(c) != len(set(c)):
                raise ExerciseFailure(f"{where} your coset {c} lists an element twice; list each element once")
            if c != right:
                raise ExerciseFailure(f"{where} your coset {c} has the right elements, but sort it: {right}")
        seen = [sorted(set(c)) for c in got]
        for k, c in enumerate(seen):
            if c in seen[:k]:
                raise ExerciseFailure(f"{where} you returned the coset {c} twice; list each coset once")
        missing = [c for c in expected if c not in seen]
        if missing:
            x = missing[0][0]
            raise ExerciseFailure(
                f"{where} you returned {got}, which misses the coset of {_el(G, x)}: "
                f"{_el(G, x)}H = {_fmt(G, missing[0])}; there are [G : H] = {len(expected)} cosets"
            )
        if got != expected:
            first = [c[0] for c in got]
            raise ExerciseFailure(
                f"{where} you returned the correct cosets, but their smallest labels come in the order {first}; "
                f"order the cosets by smallest label: {expected}"
            )
    return f"the left cosets agree with gt.subgroups.left_cosets in all {len(cases)} cases"


# ---------------------------------------------------------------------- 2.4
@checker("Exercise 2.4")
def check_normality_witness(normality_witness: Callable[[FiniteGroup, list[int]], Any]) -> str:
    """Check ``normality_witness(G, N)``: a pair (g, n) with g·n·g⁻¹ ∉ N, or None when N is normal.

    Explained in Chapter 2 exercises, *Exercise 2.4 · A witness against normality*.
    """
    D4, Q8, S3, S4, A4, R = dihedral(4), quaternion(), symmetric(3), symmetric(4), alternating(4), relabelled_d4()
    V = _subset(S4, ["()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)"])
    cases: list[tuple[FiniteGroup, list[int]]] = [
        (cyclic(1), [0]),
        (D4, _subset(D4, ["e", "r", "r^2", "r^3"])),  # normal, though s·r ≠ r·s
        (D4, _subset(D4, ["e", "s"])),
        (D4, _subset(D4, ["e", "r^2"])),
        (Q8, _subset(Q8, ["1", "i", "-1", "-i"])),
        (S3, _subset(S3, ["()", "(0 1)"])),
        (S3, _subset(S3, ["()", "(0 1 2)", "(0 2 1)"])),
        (cyclic(8), [0, 2, 4, 6]),
        (R, _subset(R, ["e", "r s"])),
        (R, _subset(R, ["e", "r^2", "s", "r^2 s"])),
        (R, R.elements),
        (R, _subset(R, ["e", "r^2", "r s", "r^3 s"])),
        (A4, sg.generated_subgroup(A4, [A4.label("(0 1 2)")])),
        (S4, V),
        (S4, _subset(S4, ["()", "(0 1)(2 3)"])),  # normal in V, not in S4
    ]
    for G, N in cases:
        where = f"for {G.name} and N = {_fmt(G, N)}"
        expected = sg.normality_witness(G, N)
        got = _call(normality_witness, where, G, list(N))
        if got is None:
            if expected is not None:
                g, n = expected
                c = G.product(g, n, G.inverse(g))
                raise ExerciseFailure(
                    f"{where} you returned None, but N is not normal: for g = {_el(G, g)} and n = {_el(G, n)}, "
                    f"g·n·g⁻¹ = {_el(G, c)} is not in N"
                )
            continue
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return a pair (g, n) of labels, or None")
        try:
            g, n = (G.label(x) for x in got)
        except (TypeError, ValueError) as exc:
            raise ExerciseFailure(
                f"{where} you returned {_returned(got)}, which is not a pair of elements: {exc}"
            ) from None
        if n not in N:
            swapped = " (g comes from G and n from N: did you swap them?)" if g in N else ""
            raise ExerciseFailure(
                f"{where} you returned (g, n) = {tuple(got)}, but n = {_el(G, n)} is not in N{swapped}"
            )
        c = G.product(g, n, G.inverse(g))
        if c in N:
            tail = "N is normal: return None" if expected is None else f"a witness is {expected}"
            raise ExerciseFailure(
                f"{where} you returned (g, n) = {tuple(got)}, but g·n·g⁻¹ = {G.names[g]}·{G.names[n]}·"
                f"{G.names[G.inverse(g)]} = {_el(G, c)} is in N; {tail}"
            )
    return f"all {len(cases)} subgroups judged correctly, with valid witnesses"


# ---------------------------------------------------------------------- 2.5
@checker("Exercise 2.5")
def check_conjugacy_class(conjugacy_class: Callable[[FiniteGroup, int], Any]) -> str:
    """Check ``conjugacy_class(G, x)``: the sorted labels of {g·x·g⁻¹ : g ∈ G}.

    Explained in Chapter 2 exercises, *Exercise 2.5 · Conjugacy classes*.
    """
    D4, Q8, S3, S4, A4, R = dihedral(4), quaternion(), symmetric(3), symmetric(4), alternating(4), relabelled_d4()
    cases: list[tuple[FiniteGroup, int]] = [(cyclic(1), 0)]
    cases += [(D4, D4.label(x)) for x in ("e", "r", "r^2", "s", "r s")]
    cases += [(R, x) for x in R.elements]
    cases += [(Q8, Q8.label(x)) for x in ("-1", "i", "j")]
    cases += [(S3, x) for x in S3.elements]
    cases += [(A4, A4.label(x)) for x in ("(0 1 2)", "(0 2 1)", "(0 1)(2 3)")]
    cases += [(S4, S4.label(x)) for x in ("(0 1)", "(0 1 2 3)", "(0 1)(2 3)")]
    cases += [(cyclic(5), 3)]
    for G, x in cases:
        where = f"for {G.name} and x = {_el(G, x)}"
        expected = next(c for c in conjugacy_classes(G) if x in c)
        got = _as_labels(G, _call(conjugacy_class, where, G, x), where, "the sorted list of labels of the class")
        missing = [y for y in expected if y not in got]
        if missing:
            y = missing[0]
            g = next(g for g in G.elements if G.product(g, x, G.inverse(g)) == y)
            raise ExerciseFailure(
                f"{where} you returned {got}, which misses {_el(G, y)} = g·x·g⁻¹ for g = {_el(G, g)}; "
                f"the class of x is {_fmt(G, expected)}"
            )
        extra = [y for y in got if y not in expected]
        if extra:
            raise ExerciseFailure(
                f"{where} you returned {got}, but {_el(G, extra[0])} is not conjugate to x: no g has "
                f"g·x·g⁻¹ = {G.names[extra[0]]}; the class of x is {_fmt(G, expected)}"
            )
        if got != expected:
            raise ExerciseFailure(
                f"{where} you returned {got}: the right elements, but return each once, sorted: {expected}"
            )
    return f"all {len(cases)} classes agree with gt.conjugacy.conjugacy_classes"


# ---------------------------------------------------------------------- 2.6
@checker("Exercise 2.6")
def check_centre(centre_of: Callable[[FiniteGroup], Any]) -> str:
    """Check ``centre(G)``: the sorted labels of Z(G) = {z : z·g = g·z for every g}.

    Explained in Chapter 2 exercises, *Exercise 2.6 · The centre*.
    """
    groups = [
        cyclic(1),
        dihedral(4),
        relabelled_d4(),
        dihedral(3),
        quaternion(),
        cyclic(6),
        symmetric(3),
        dihedral(6),
        alternating(4),
        klein_four(),
        symmetric(4),
    ]
    for G in groups:
        where = f"for {G.name}"
        expected = centre(G)
        got = _as_labels(G, _call(centre_of, where, G), where, "the sorted list of labels of Z(G)")
        missing = [z for z in expected if z not in got]
        if missing:
            z = missing[0]
            raise ExerciseFailure(
                f"{where} you returned {got}, which misses {_el(G, z)}: it commutes with every element; "
                f"Z(G) = {_fmt(G, expected)}"
            )
        extra = [z for z in got if z not in expected]
        if extra:
            z = extra[0]
            g = next(g for g in G.elements if G.product(z, g) != G.product(g, z))
            raise ExerciseFailure(
                f"{where} you returned {got}, but {_el(G, z)} is not central: {G.names[z]}·{G.names[g]} = "
                f"{G.names[G.product(z, g)]} but {G.names[g]}·{G.names[z]} = {G.names[G.product(g, z)]}; "
                f"Z(G) = {_fmt(G, expected)}"
            )
        if got != expected:
            raise ExerciseFailure(
                f"{where} you returned {got}: the right elements, but return each once, sorted: {expected}"
            )
    return f"the centres of all {len(groups)} groups agree with gt.conjugacy.centre"


# ---------------------------------------------------------------------- 2.7
@checker("Exercise 2.7")
def check_quotient_table(quotient_table: Callable[[FiniteGroup, list[int]], Any]) -> str:
    """Check ``quotient_table(G, N)``: the Cayley table of G/N, cosets numbered as in ``left_cosets``.

    Explained in Chapter 2 exercises, *Exercise 2.7 · The table of G/N*.
    """
    D4, Q8, S4, A4, R = dihedral(4), quaternion(), symmetric(4), alternating(4), relabelled_d4()
    cases: list[tuple[FiniteGroup, list[int]]] = [
        (cyclic(1), [0]),
        (D4, _subset(D4, ["e", "r^2"])),
        (D4, D4.elements),
        (cyclic(6), [0, 3]),
        (cyclic(12), [0, 4, 8]),
        (R, _subset(R, ["e", "r^2"])),  # the identity's coset is not coset 0 here
        (R, _subset(R, ["e", "r", "r^2", "r^3"])),
        (R, _subset(R, ["e"])),
        (Q8, _subset(Q8, ["1", "-1"])),
        (A4, _subset(A4, ["()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)"])),
        (S4, _subset(S4, ["()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)"])),
    ]
    for G, N in cases:
        where = f"for {G.name} and N = {_fmt(G, N)}"
        Q = sg.quotient_group(G, N)
        expected = Q.table.tolist()
        cosets = Q.cosets  # type: ignore[attr-defined]
        k = len(cosets)
        raw = _call(quotient_table, where, G, list(N))
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        shape_msg = f"a {k}×{k} table (list of {k} lists of {k} coset numbers; [G : N] = {k})"
        if not isinstance(raw, (list, tuple)) or not all(isinstance(row, (list, tuple, np.ndarray)) for row in raw):
            raise ExerciseFailure(f"{where} you returned {_returned(raw)}; return {shape_msg}")
        rows = [list(row) for row in raw]
        if len(rows) != k or any(len(row) != k for row in rows):
            sizes = f"{len(rows)} rows of lengths {[len(r) for r in rows]}" if len(rows) <= 8 else f"{len(rows)} rows"
            raise ExerciseFailure(f"{where} you returned {sizes}; return {shape_msg}")
        for i in range(k):
            for j in range(k):
                v = rows[i][j]
                if not _is_label(v):
                    raise ExerciseFailure(
                        f"{where} your table[{i}][{j}] is {_returned(v)}; entries are coset numbers 0..{k - 1}"
                    )
                if int(v) != expected[i][j]:
                    a, b = cosets[i][0], cosets[j][0]
                    ab, m = G.product(a, b), expected[i][j]
                    raise ExerciseFailure(
                        f"{where}, with the cosets numbered by smallest label: coset {i} = {_fmt(G, cosets[i])} "
                        f"times coset {j} = {_fmt(G, cosets[j])} contains {G.names[a]}·{G.names[b]} = "
                        f"{_el(G, ab)}, which lies in coset {m} = {_fmt(G, cosets[m])}, "
                        f"but your table[{i}][{j}] is {int(v)}"
                    )
    return f"all {len(cases)} quotient tables agree with gt.subgroups.quotient_group"


# ---------------------------------------------------------------------- 2.8
def _polyphase_reference(n: int, k: int, s: int) -> list[tuple[int, int]]:
    """The answer to Exercise 2.8: for each polyphase component r of the shifted signal, the pair (r′, t).

    With d = gcd(n, k), H = ⟨k⟩ ≤ Z_n has n/d elements and d cosets r + H. Component r is
    ``x_r[j] = x[(r + j·k) mod n]``; the shift ``x′[i] = x[i − s]`` gives ``x′_r = roll(x_{r′}, t)`` with
    r′ ≡ r − s (mod d) and t·k ≡ r′ − r + s (mod n), that is t ≡ q·(k/d)⁻¹ (mod n/d) for q = (r′ − r + s)/d.

    Explained in Chapter 2 exercises, *Exercise 2.8 · Strided subsampling and cosets*.
    """
    d = math.gcd(n, k)
    size = n // d
    inverse = pow(k // d, -1, size) if size > 1 else 0
    pairs = []
    for r in range(d):
        r_new = (r - s) % d
        q = (r_new - r + s) // d  # exact: r′ − r + s is a multiple of d
        pairs.append((r_new, (q * inverse) % size))
    return pairs


def _component(x: Sequence[int], k: int, r: int) -> list[int]:
    n = len(x)
    return [int(x[(r + j * k) % n]) for j in range(n // math.gcd(n, k))]


def _roll(v: Sequence[int], t: int) -> list[int]:
    m = len(v)
    return [int(v[(j - t) % m]) for j in range(m)]


def _short(v: Sequence[int]) -> str:
    return str(list(v)) if len(v) <= 12 else f"[{', '.join(map(str, v[:10]))}, …]"


@checker("Exercise 2.8")
def check_polyphase_shift(polyphase_shift: Callable[[int, int, int], Any]) -> str:
    """Check ``polyphase_shift(n, k, s)``: for each coset r + ⟨k⟩ of Z_n, the pair (r′, t) with
    (shift by s of x)_r = roll(x_{r′}, t) for the polyphase components x_r[j] = x[(r + j·k) mod n].

    Explained in Chapter 2 exercises, *Exercise 2.8 · Strided subsampling and cosets*.
    """
    cases = [
        (8, 2, 0), (8, 2, 1), (8, 2, 3), (12, 3, 5), (12, 4, -7), (9, 3, 10), (5, 1, 2), (6, 6, 4),
        (10, 4, 3), (10, 4, 2), (12, 8, 5), (15, 6, 4), (7, 3, 2), (16, 4, 6), (18, 12, -5), (20, 8, 13),
    ]  # fmt: skip
    for n, k, s in cases:
        where = f"for n = {n}, k = {k}, s = {s}"
        expected = _polyphase_reference(n, k, s)
        d, size = math.gcd(n, k), n // math.gcd(n, k)
        raw = _call(polyphase_shift, where, n, k, s)
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        if not isinstance(raw, (list, tuple)) or not all(
            isinstance(p, (list, tuple, np.ndarray)) and len(p) == 2 and all(_is_label(v) for v in p) for p in raw
        ):
            raise ExerciseFailure(f"{where} you returned {_returned(raw)}; return a list of pairs (r′, t) of integers")
        got = [(int(a), int(b)) for a, b in raw]
        if len(got) != d:
            hint = ""
            if len(got) == k:
                hint = f" (there are k cosets only when k divides n; here ⟨{k}⟩ = ⟨{d}⟩)"
            raise ExerciseFailure(
                f"{where} you returned {len(got)} pairs, but ⟨{k}⟩ has {size} elements in Z{n}, so it has "
                f"[Z{n} : ⟨{k}⟩] = gcd({n}, {k}) = {d} cosets, one polyphase component each{hint}"
            )
        x = list(range(n))
        shifted = _roll(x, s)
        for r, ((r_new, t), right) in enumerate(zip(got, expected)):
            if not 0 <= r_new < d:
                raise ExerciseFailure(
                    f"{where} your pair for r = {r} is ({r_new}, {t}), but r′ numbers a component, 0..{d - 1}: "
                    f"reduce it mod {d}; the answer is {right}"
                )
            if not 0 <= t < size:
                raise ExerciseFailure(
                    f"{where} your pair for r = {r} is ({r_new}, {t}), but t is a shift of a component of length "
                    f"{size}, 0..{size - 1}: reduce it mod {size}; the answer is {right}"
                )
            if (r_new, t) == right:
                continue
            want = _component(shifted, k, r)
            yours = _roll(_component(x, k, r_new), t)
            positions = ", ".join(str((r + j * k) % n) for j in range(min(size, 12))) + (", …" if size > 12 else "")
            hint = ""
            if got == _polyphase_reference(n, k, -s):
                hint = f"; your pairs are those of the shift by {-s}: x′[i] = x[i − s], which np.roll(x, s) computes"
            elif r_new == right[0] and (r_new - r + s) // d % size == t:
                hint = (
                    f"; the component is read along k, x_r[j] = x[(r + j·{k}) mod {n}], so one step along it is "
                    f"{k}, not gcd = {d}: t solves t·{k} ≡ r′ − r + s (mod {n})"
                )
            raise ExerciseFailure(
                f"{where} your pair for r = {r} is ({r_new}, {t}), which is wrong. With x = [0, 1, …, {n - 1}] "
                f"(each entry its position), x′ = np.roll(x, {s}) = {_short(shifted)} has component {r} = x′ at "
                f"positions {positions} = {_short(want)}, but np.roll(x_{r_new}, {t}) = {_short(yours)}; "
                f"the answer is {right}{hint}"
            )
    return f"all {len(cases)} shifts answered correctly, for strides that divide n and strides that do not"


# ---------------------------------------------------------------------- 2.9
def _subgroup_classes_reference(G: FiniteGroup) -> list[list[frozenset[int]]]:
    """The subgroups of G (by :func:`~grouptools.subgroups.all_subgroups`) grouped into conjugacy classes."""
    classes: list[list[frozenset[int]]] = []
    placed: set[frozenset[int]] = set()
    for H in sg.all_subgroups(G):
        h = frozenset(H)
        if h in placed:
            continue
        members = sorted({frozenset(sg.conjugate_subgroup(G, g, H)) for g in G.elements}, key=lambda m: sorted(m))
        placed.update(members)
        classes.append(members)
    return classes


def _name_subgroup(G: FiniteGroup, H: Iterable[int]) -> str:
    """A subgroup by its elements (small ones) or generators, with its labels and order."""
    h = sorted(H)
    if len(h) == G.order:
        return f"G itself (order {len(h)})"
    names = "{" + ", ".join(G.names[x] for x in h) + "}" if len(h) <= 8 else sg.subgroup_label(G, h)
    if all(G.names[x] == str(x) for x in h):
        return f"{names} (order {len(h)})"
    return f"{names} (labels {h}, order {len(h)})"


def _conjugator(G: FiniteGroup, H: Iterable[int], K: Iterable[int]) -> int | None:
    k = sorted(K)
    return next((g for g in G.elements if sg.conjugate_subgroup(G, g, list(H)) == k), None)


def _needs_three(G: FiniteGroup, H: Sequence[int]) -> bool:
    """Whether no two elements of the subgroup H generate it."""
    return all(len(G.closure([a, b])) < len(H) for a in H for b in H if a < b) and len(H) > 1


def _subgroup_class_groups() -> list[FiniteGroup]:
    Z2 = cyclic(2)
    cube = direct_product(klein_four(), Z2)  # Z2 × Z2 × Z2
    n = cube.order
    return [
        cyclic(1),
        cyclic(6),
        klein_four(),
        symmetric(3),
        dihedral(4),
        relabelled_d4(),
        quaternion(),
        cube.relabelled([(3 * a + 5) % n for a in range(n)], name="Z2×Z2×Z2, relabelled (identity = label 5)"),
        alternating(4),
        dihedral(6),
        symmetric(4),
        direct_product(dihedral(4), Z2),
        direct_product(cube, Z2),
    ]


@checker("Exercise 2.9")
def check_subgroup_classes(subgroup_classes: Callable[[FiniteGroup], Any]) -> str:
    """Check ``subgroup_classes(G)``: every subgroup of G, grouped into conjugacy classes {g·H·g⁻¹ : g ∈ G}
    (classes, and subgroups within a class, in any order).

    Explained in Chapter 2 exercises, *Exercise 2.9 · Symmetry choices up to conjugacy*.
    """
    groups = _subgroup_class_groups()
    for G in groups:
        where = f"for {G.name}"
        expected = _subgroup_classes_reference(G)
        raw = _call(subgroup_classes, where, G)
        if not isinstance(raw, (list, tuple)) or not all(isinstance(c, (list, tuple, set, frozenset)) for c in raw):
            raise ExerciseFailure(
                f"{where} you returned {_returned(raw)}; return a list of classes, each a list of subgroups "
                "(sorted lists of labels)"
            )
        classes: list[list[frozenset[int]]] = []
        for c in raw:
            c = list(c)
            if not c:
                raise ExerciseFailure(f"{where} your answer contains an empty class; every class holds a subgroup")
            classes.append([frozenset(_as_labels(G, h, where, "a list of classes, each a list of subgroups")) for h in c])
        seen: dict[frozenset[int], int] = {}
        for i, c in enumerate(classes):
            for h in c:
                problem = _why_not_a_subgroup(G, sorted(h), "it")
                if problem is not None:
                    raise ExerciseFailure(f"{where} you listed {_fmt(G, h)}, which is not a subgroup: {problem}")
                if h in seen:
                    raise ExerciseFailure(f"{where} you listed the subgroup {_name_subgroup(G, h)} twice; list each once")
                seen[h] = i
        for c in classes:
            for h in c[1:]:
                if _conjugator(G, c[0], h) is None:
                    if len(h) != len(c[0]):
                        why = "conjugate subgroups have the same order"
                    else:
                        why = "equal orders, even isomorphic subgroups, do not make subgroups conjugate"
                        normal = next((x for x in (c[0], h) if sg.is_normal(G, sorted(x))), None)
                        if normal is not None:
                            why = f"{_name_subgroup(G, normal).split(' (')[0]} is normal, a class of its own; " + why
                    raise ExerciseFailure(
                        f"{where} you put {_name_subgroup(G, c[0])} and {_name_subgroup(G, h)} in one class, but they "
                        f"are not conjugate: no g has g·H·g⁻¹ equal to the other ({why})"
                    )
        every = [h for c in expected for h in c]
        missing = [h for h in sorted(every, key=lambda h: (len(h), sorted(h))) if h not in seen]
        if missing:
            h = sorted(missing[0])
            hint = ""
            cyclic_only = all(int(G.element_orders()[list(x)].max()) == len(x) for x in seen)
            if cyclic_only and int(G.element_orders()[h].max()) < len(h):
                hint = "; it is not cyclic, and not every subgroup is ⟨g⟩ for a single g"
            elif _needs_three(G, h):
                hint = (
                    "; no two of its elements generate it, so the subgroups ⟨a, b⟩ miss it: keep joining the "
                    "subgroups you have found with more elements until nothing new appears"
                )
            raise ExerciseFailure(
                f"{where} your {len(seen)} subgroups miss {_name_subgroup(G, h)}; G has {len(every)} subgroups{hint}"
            )
        for c in classes:
            whole = next(e for e in expected if c[0] in e)
            outside = [h for h in whole if h not in c]
            if outside:
                h = outside[0]
                g = _conjugator(G, c[0], h)
                assert g is not None
                raise ExerciseFailure(
                    f"{where} you put {_name_subgroup(G, c[0])} and {_name_subgroup(G, h)} in different classes, but "
                    f"g·H·g⁻¹ turns the first into the second for g = {_el(G, g)}: the class of H is "
                    "{g·H·g⁻¹ : g ∈ G}, with every g ∈ G, not only the generators"
                )
    return f"the subgroup classes of all {len(groups)} groups agree with gt.subgroups.all_subgroups"
