"""Checkers for the Chapter 1 exercises (``exercises/01_groups_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on several
inputs — groups, edge cases and tricky non-groups — and compares the answers
with reference computations (:func:`~grouptools.check_group_table`,
:class:`~grouptools.FiniteGroup`, ``torch``). It returns a
:class:`~grouptools.exercises.Feedback` that names the first input where the
answer is wrong, what came back and why it is wrong; it never raises.

Explained in Chapter 1 exercises, *How the checks work*.
"""

from __future__ import annotations

import copy
import itertools
import math
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np

from ..errors import NotAGroupError
from ..formatting import fmt_error, fmt_list
from ..groups import FiniteGroup, check_group_table
from ..named import cyclic, dihedral, direct_product, klein_four, quaternion, symmetric
from ._feedback import ExerciseFailure, Table, _as_bool, _call, _is_label, _relabel, _returned, checker

__all__ = [
    "check_is_latin_square",
    "check_first_nonassociative_triple",
    "check_find_identity",
    "check_inverses",
    "check_element_order",
    "check_units_mod",
    "check_is_cyclic",
    "check_linear_collision",
    "check_relu_collision",
    "check_symmetry_group",
    "check_cyclic_factors",
]


# ---------------------------------------------------------------------- helpers
def _tbl(table: Sequence[Sequence[int]]) -> Table:
    return [[int(x) for x in row] for row in table]


class _Case:
    """One input table with the words used to quote it in feedback."""

    def __init__(self, table: Any, what: str | None = None) -> None:
        self.table = _tbl(table)
        self.what = what or f"the table {self.table}"

    def fresh(self) -> Table:
        """A copy for the learner's function (so that it may modify its input)."""
        return copy.deepcopy(self.table)


def _op_table(n: int, op: Callable[[int, int], int]) -> Table:
    return [[op(a, b) for b in range(n)] for a in range(n)]


# Small tables used by several checkers.
_ROCK_PAPER_SCISSORS = [[0, 1, 0], [1, 1, 2], [0, 2, 2]]  # a·b = the winner of a against b
_MAX3 = _op_table(3, max)  # associative, identity 0, but 1 and 2 have no inverse
_MIN3 = _op_table(3, min)  # associative, identity 2
_LEFT = [[0, 1], [0, 1]]  # a·b = b: every element is a left identity, none a right identity
_RIGHT = [[0, 0], [1, 1]]  # a·b = a: every element is a right identity, none a left identity
_SUB3 = _op_table(3, lambda a, b: (a - b) % 3)  # a Latin square with a right identity only
_TWO_INVERSES = [[0, 1, 2], [1, 0, 0], [2, 0, 0]]  # identity 0; 1·1 = 1·2 = 2·1 = 2·2 = 0


# ---------------------------------------------------------------------- 1.1
def _latin_problem(t: Table) -> str | None:
    """Why ``t`` is not a Latin square on 0..n-1, or None when it is one."""
    n = len(t)
    for i, row in enumerate(t):
        if len(row) != n:
            return f"it is not square: it has {n} rows but row {i} has length {len(row)}"
    want = list(range(n))
    for kind, lines in (("row", t), ("column", [[t[i][j] for i in range(n)] for j in range(n)])):
        for i, line in enumerate(lines):
            if sorted(line) != want:
                outside = sorted({x for x in line if not 0 <= x < n})
                repeated = sorted({x for x in line if line.count(x) > 1})
                missing = [x for x in want if x not in line]
                why = []
                if outside:
                    why.append(f"contains {', '.join(map(str, outside))} (not a label 0..{n - 1})")
                if repeated:
                    why.append(f"repeats {', '.join(map(str, repeated))}")
                if missing:
                    why.append(f"misses {', '.join(map(str, missing))}")
                return f"{kind} {i} is {line}: it " + " and ".join(why)
    return None


@checker("Exercise 1.1")
def check_is_latin_square(is_latin_square: Callable[[Table], bool]) -> str:
    """Check ``is_latin_square(table)``: True exactly when every row and column is a permutation of 0..n-1.

    Explained in Chapter 1 exercises, *Exercise 1.1 · Latin squares*.
    """
    cases = [
        _Case([[0]]),
        _Case(cyclic(5).table, "the Cayley table of Z5"),
        _Case([[0, 1], [1, 1]]),
        _Case(dihedral(3).table, "the Cayley table of D3"),
        _Case([[0, 1], [0, 1]]),
        _Case([[0, 0], [1, 1]]),
        _Case([[0, 2], [2, 0]]),
        _Case(_SUB3),  # Latin, but not a group table: the question is only about rows and columns
        _Case([[1, 1, 1], [1, 1, 1], [1, 1, 1]]),  # every row and column sums to 0+1+2
        _Case([[0, 1, 2], [1, 2, 0]]),
        _Case(_relabel(quaternion().table, [3, 1, 7, 0, 5, 2, 4, 6]), "a relabelled Cayley table of Q8"),
        _Case([[0, 1, 2, 3], [1, 0, 3, 2], [2, 3, 0, 1], [3, 2, 0, 1]]),  # the last column repeats
    ]
    for case in cases:
        problem = _latin_problem(case.table)
        got = _as_bool(_call(is_latin_square, f"for {case.what}", case.fresh()), case.what)
        if got and problem is not None:
            raise ExerciseFailure(f"for {case.what} you returned True, but {problem}")
        if not got and problem is None:
            raise ExerciseFailure(
                f"for {case.what} you returned False, but it is a Latin square: "
                f"every row and every column contains each label 0..{len(case.table) - 1} exactly once"
            )
    return f"all {len(cases)} tables classified correctly"


# ---------------------------------------------------------------------- 1.2
def _first_bad_triple(t: Table) -> tuple[int, int, int] | None:
    """The reference: :func:`check_group_table` reports the first non-associative triple."""
    try:
        check_group_table(t)
    except NotAGroupError as exc:
        if exc.axiom == "associativity":
            return tuple(int(x) for x in exc.witness)  # type: ignore[return-value]
        if exc.axiom in ("shape", "closure"):  # never happens for the checker's own tables
            raise
    return None


def _assoc_detail(t: Table, a: int, b: int, c: int) -> str:
    ab, bc = t[a][b], t[b][c]
    return f"({a}·{b})·{c} = {ab}·{c} = {t[ab][c]} and {a}·({b}·{c}) = {a}·{bc} = {t[a][bc]}"


def _with_entry(base: Table, a: int, b: int, value: int) -> Table:
    t = copy.deepcopy(base)
    t[a][b] = value
    return t


def _transposed(t: Table) -> Table:
    return [list(column) for column in zip(*t)]


def _order_hint(t: Table, got: tuple[int, int, int], expected: tuple[int, int, int]) -> str:
    """Which search produces this later triple, as far as the checker can tell."""
    n = len(t)
    bad = [x for x in itertools.product(range(n), repeat=3) if t[t[x[0]][x[1]]][x[2]] != t[x[0]][t[x[1]][x[2]]]]
    if got == bad[-1]:
        return ": you returned the last non-associative triple; stop at the first"
    if len(set(expected)) < 3 and len(set(got)) == 3:
        return ": a triple may repeat a label, as (a, a, b) does"
    if list(expected) != sorted(expected) and list(got) == sorted(got):
        return ": every order of a, b, c counts, not only a ≤ b ≤ c"
    return ""


@checker("Exercise 1.2")
def check_first_nonassociative_triple(first_nonassociative_triple: Callable[[Table], Any]) -> str:
    """Check ``first_nonassociative_triple(table)``: the lexicographically first (a, b, c)
    with (a·b)·c ≠ a·(b·c), or None when the table is associative.

    Explained in Chapter 1 exercises, *Exercise 1.2 · The first non-associative triple*.
    """
    z4 = [list(map(int, row)) for row in cyclic(4).table]
    cases = [
        _Case(z4, "the Cayley table of Z4"),
        _Case(_SUB3),
        _Case(dihedral(3).table, "the Cayley table of D3"),
        _Case(_ROCK_PAPER_SCISSORS, f"the rock–paper–scissors table {_ROCK_PAPER_SCISSORS} (a·b = the winner)"),
        _Case(_MAX3, f"the table {_MAX3} of a·b = max(a, b)"),
        _Case([[0, 0], [0, 0]]),
        _Case(_with_entry(z4, 3, 3, 0)),  # every failing triple contains the last label 3
        _Case(_op_table(4, lambda a, b: (2 * a + b) % 4)),
        _Case(_with_entry([list(map(int, row)) for row in cyclic(5).table], 3, 4, 0)),
    ]
    for case in cases:
        t = case.table
        n = len(t)
        expected = _first_bad_triple(t)
        got = _call(first_nonassociative_triple, f"for {case.what}", case.fresh())
        if got is None:
            if expected is not None:
                a, b, c = expected
                raise ExerciseFailure(
                    f"for {case.what} you returned None, but it is not associative: "
                    f"for (a, b, c) = {expected}, {_assoc_detail(t, a, b, c)}"
                )
            continue
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (tuple, list)) or len(got) != 3 or not all(_is_label(x) for x in got):
            raise ExerciseFailure(
                f"for {case.what} you returned {_returned(got)}; return a tuple (a, b, c) of three labels, or None"
            )
        got = tuple(int(x) for x in got)
        if not all(0 <= x < n for x in got):
            raise ExerciseFailure(f"for {case.what} you returned {got}, but the labels are 0..{n - 1}")
        a, b, c = got
        holds = t[t[a][b]][c] == t[a][t[b][c]]
        if expected is None:
            raise ExerciseFailure(
                f"for {case.what} you returned {got}, but the table is associative "
                f"(for your triple, {_assoc_detail(t, a, b, c)}); return None"
            )
        if holds:
            hint = ""
            if got == _first_bad_triple(_transposed(t)):
                hint = " (it is the first non-associative triple of table[b][a]: table[a][b] is a·b, row a, column b)"
            raise ExerciseFailure(
                f"for {case.what} you returned {got}, but that triple is associative: "
                f"{_assoc_detail(t, a, b, c)}. The first non-associative triple is {expected}{hint}"
            )
        if got != expected:
            raise ExerciseFailure(
                f"for {case.what} you returned {got}, which is non-associative, but {expected} comes "
                f"earlier in lexicographic order ({_assoc_detail(t, *expected)}){_order_hint(t, got, expected)}"
            )
    return f"all {len(cases)} tables answered correctly"


# ---------------------------------------------------------------------- 1.3
def _identity_of(t: Table) -> int | None:
    n = len(t)
    for e in range(n):
        if all(t[e][x] == x and t[x][e] == x for x in range(n)):
            return e
    return None


def _why_not_identity(t: Table, e: int) -> str:
    n = len(t)
    for x in range(n):
        if t[e][x] != x:
            return f"{e}·{x} = {t[e][x]}, not {x}"
        if t[x][e] != x:
            return f"{x}·{e} = {t[x][e]}, not {x}"
    raise AssertionError("e is an identity")  # pragma: no cover


@checker("Exercise 1.3")
def check_find_identity(find_identity: Callable[[Table], Any]) -> str:
    """Check ``find_identity(table)``: the label e with e·x = x·e = x for every x, or None.

    Explained in Chapter 1 exercises, *Exercise 1.3 · Finding the identity*.
    """
    d3 = dihedral(3).table
    cases = [
        _Case([[0]]),
        _Case(cyclic(5).table, "the Cayley table of Z5"),
        _Case(_relabel(d3, [2, 0, 1, 3, 5, 4]), "a relabelled Cayley table of D3 (6×6)"),
        _Case(_LEFT, f"the table {_LEFT} of a·b = b"),
        _Case(_RIGHT, f"the table {_RIGHT} of a·b = a"),
        _Case(_MAX3, f"the table {_MAX3} of a·b = max(a, b)"),
        _Case(_MIN3, f"the table {_MIN3} of a·b = min(a, b)"),
        _Case(_SUB3, f"the table {_SUB3} of a·b = a − b mod 3"),
        _Case(_ROCK_PAPER_SCISSORS, f"the rock–paper–scissors table {_ROCK_PAPER_SCISSORS}"),
        _Case(_relabel(klein_four().table, [3, 1, 2, 0]), "a relabelled Klein four-group table"),
    ]
    for case in cases:
        t = case.table
        n = len(t)
        expected = _identity_of(t)
        got = _call(find_identity, f"for {case.what}", case.fresh())
        if got is None:
            if expected is not None:
                reads = str(list(range(n))) if n <= 4 else f"[0, 1, …, {n - 1}]"
                raise ExerciseFailure(
                    f"for {case.what} you returned None, but {expected} is an identity: "
                    f"row {expected} and column {expected} both read {reads}"
                )
            continue
        if not _is_label(got):
            raise ExerciseFailure(f"for {case.what} you returned {_returned(got)}; return a label 0..{n - 1} or None")
        got = int(got)
        if not 0 <= got < n:
            raise ExerciseFailure(f"for {case.what} you returned {got}, but the labels are 0..{n - 1}")
        if got != expected:
            tail = f"; the identity is {expected}" if expected is not None else "; it has no identity, return None"
            raise ExerciseFailure(
                f"for {case.what} you returned {got}, but {got} is not an identity: "
                f"{_why_not_identity(t, got)}{tail}"
            )
    return f"all {len(cases)} tables answered correctly"


# ---------------------------------------------------------------------- 1.4
def _inverses_of(t: Table, e: int) -> list[int] | None:
    n = len(t)
    inv = []
    for a in range(n):
        found = [b for b in range(n) if t[a][b] == e and t[b][a] == e]
        if not found:
            return None
        inv.append(found[0])
    return inv


def _why_no_inverse(t: Table, e: int, a: int) -> str:
    n = len(t)
    right = [b for b in range(n) if t[a][b] == e]
    left = [b for b in range(n) if t[b][a] == e]
    if right:
        b = right[0]
        return f"element {a} has no inverse: {a}·{b} = {e} but {b}·{a} = {t[b][a]}"
    if left:
        b = left[0]
        return f"element {a} has no inverse: {b}·{a} = {e} but {a}·{b} = {t[a][b]}"
    return f"element {a} has no inverse: {e} does not occur in row {a}, which is {t[a]}"


@checker("Exercise 1.4")
def check_inverses(inverses: Callable[[Table, int], Any]) -> str:
    """Check ``inverses(table, e)``: the list ``inv`` with ``inv[a]·a = a·inv[a] = e``, or None.

    Explained in Chapter 1 exercises, *Exercise 1.4 · Inverses*.
    """
    one_sided = [[0, 1, 2], [1, 2, 0], [2, 1, 0]]
    d3 = _relabel(dihedral(3).table, [2, 0, 1, 3, 5, 4])
    cases = [
        (_Case([[0]]), 0),
        (_Case(cyclic(6).table, "the Cayley table of Z6"), 0),
        (_Case(dihedral(4).table, "the Cayley table of D4"), 0),
        (_Case(d3, "a relabelled Cayley table of D3 (identity 2)"), 2),
        (_Case(_MAX3, f"the table {_MAX3} of a·b = max(a, b)"), 0),
        (_Case(one_sided), 0),
        (_Case(quaternion().table, "the Cayley table of Q8"), 0),
        (_Case(_relabel(cyclic(5).table, [4, 0, 1, 2, 3]), "a relabelled Cayley table of Z5 (identity 4)"), 4),
        (_Case(_MIN3, f"the table {_MIN3} of a·b = min(a, b)"), 2),
        (_Case(_TWO_INVERSES, f"the table {_TWO_INVERSES} (not associative: 1 and 2 each have two inverses)"), 0),
    ]
    for case, e in cases:
        t = case.table
        n = len(t)
        expected = _inverses_of(t, e)
        where = f"for {case.what} with identity e = {e}"
        got = _call(inverses, where, case.fresh(), e)
        if got is None:
            if expected is not None:
                raise ExerciseFailure(f"{where} you returned None, but every element has an inverse: {expected}")
            continue
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if isinstance(got, dict):
            raise ExerciseFailure(f"{where} you returned a dict; return a list inv with inv[a] the inverse of a")
        if not isinstance(got, (list, tuple)) or not all(_is_label(x) for x in got):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return a list of {n} labels, or None")
        got = [int(x) for x in got]
        if expected is None:
            a = next(a for a in range(n) if not any(t[a][b] == e and t[b][a] == e for b in range(n)))
            raise ExerciseFailure(f"{where} you returned {got}, but {_why_no_inverse(t, e, a)}; return None")
        if len(got) != n:
            raise ExerciseFailure(f"{where} you returned a list of length {len(got)}, but there are {n} elements")
        for a, b in enumerate(got):
            if not 0 <= b < n:
                raise ExerciseFailure(f"{where} you returned inv[{a}] = {b}, but the labels are 0..{n - 1}")
            if t[a][b] != e or t[b][a] != e:
                products = f"{a}·{a} = {t[a][a]}" if a == b else f"{a}·{b} = {t[a][b]} and {b}·{a} = {t[b][a]}"
                raise ExerciseFailure(
                    f"{where} you returned inv[{a}] = {b}, but {products} "
                    f"({'it must be' if a == b else 'both must be'} {e}); the inverse of {a} is {expected[a]}"
                )
            if b != expected[a]:
                c = expected[a]
                products = f"{a}·{a} = {e}" if a == c else f"{a}·{c} = {c}·{a} = {e}"
                raise ExerciseFailure(
                    f"{where} you returned inv[{a}] = {b}, which is an inverse of {a}, but so is {c} "
                    f"({products}): when several labels work, return the smallest"
                )
    return f"all {len(cases)} tables answered correctly"


# ---------------------------------------------------------------------- 1.5
class _ProductAndIdentityOnly:
    """A view of a group that offers only ``product`` and ``identity`` and counts products."""

    def __init__(self, G: FiniteGroup, g: Any) -> None:
        self._G = G
        self._g = g
        self._limit = 4 * G.order + 10
        self._calls = 0

    @property
    def identity(self) -> int:
        return self._G.identity

    def product(self, a: Any, b: Any, *more: Any) -> int:
        self._calls += 1
        if self._calls > self._limit:
            raise ExerciseFailure(
                f"for {self._G.name} and g={self._g!r} your code called G.product more than {self._limit} times "
                f"without returning; an element's order is at most |G| = {self._G.order}, so the loop "
                "probably never reaches the identity (G.product returns labels: compare with G.identity)"
            )
        return self._G.product(a, b, *more)

    def __getattr__(self, name: str) -> Any:
        raise ExerciseFailure(
            f"use only G.product and G.identity in this exercise, but your code asked for G.{name}"
        )

    def __len__(self) -> int:
        raise ExerciseFailure("use only G.product and G.identity in this exercise, but your code asked for len(G)")

    def __repr__(self) -> str:
        return f"<{self._G.name}: only product and identity>"


@checker("Exercise 1.5")
def check_element_order(element_order: Callable[[Any, Any], int]) -> str:
    """Check ``element_order(G, g)``: the least k ≥ 1 with gᵏ = e, using only ``G.product``/``G.identity``.

    Explained in Chapter 1 exercises, *Exercise 1.5 · Element orders*.
    """
    D4 = dihedral(4)
    cases: list[tuple[FiniteGroup, Any]] = [(cyclic(1), 0)]
    cases += [(D4, g) for g in ("r s", "e", "r", "r^2")]
    cases += [(cyclic(6), g) for g in range(6)]
    cases += [(D4, g) for g in D4.elements]
    cases += [(quaternion(), g) for g in ("i", "-1", "-k", "1")]
    cases += [(G, g) for G in (symmetric(4), direct_product(cyclic(2), cyclic(4))) for g in G.elements]
    for G, g in cases:
        expected = G.element_order(g)
        got = _call(element_order, f"for {G.name} and g={g!r}", _ProductAndIdentityOnly(G, g), g)
        if not _is_label(got):
            raise ExerciseFailure(f"for {G.name} and g={g!r} you returned {_returned(got)}; return an integer")
        if int(got) != expected:
            why = "the identity has order 1"
            if expected > 1:
                why = f"({G.element_name(g)})^{expected} = e and no smaller power is"
            raise ExerciseFailure(f"for {G.name} and g={g!r} you returned {int(got)}, expected {expected} ({why})")
    return f"{len(cases)} orders in {len({G.name for G, _ in cases})} groups agree with G.element_order"


# ---------------------------------------------------------------------- 1.6
def _units(n: int) -> tuple[list[int], Table]:
    units = [k for k in range(1, n) if math.gcd(k, n) == 1]
    index = {u: i for i, u in enumerate(units)}
    return units, [[index[(u * v) % n] for v in units] for u in units]


@checker("Exercise 1.6")
def check_units_mod(units_mod: Callable[[int], FiniteGroup]) -> str:
    """Check ``units_mod(n)``: the group Z_n^× of residues coprime to n under multiplication mod n,
    labelled in increasing order and named ``"1"``, ``"3"``, …

    Explained in Chapter 1 exercises, *Exercise 1.6 · The group of units*.
    """
    ns = (2, 3, 5, 8, 9, 10, 12, 15, 16, 21)
    for n in ns:
        units, table = _units(n)
        G = _call(units_mod, f"for n = {n}", n)
        if not isinstance(G, FiniteGroup):
            raise ExerciseFailure(
                f"units_mod({n}) returned {_returned(G) if G is None else type(G).__name__}; "
                "return a FiniteGroup, e.g. gt.FiniteGroup.from_table(table, names)"
            )
        names = [str(u) for u in units]
        if G.names != names:
            raise ExerciseFailure(
                f"for n = {n} the element names are {G.names}, expected {names} "
                f"(the residues 1 ≤ k < {n} with gcd(k, {n}) = 1, in increasing order)"
            )
        mine = G.table.tolist()
        for i, u in enumerate(units):
            for j, v in enumerate(units):
                if mine[i][j] != table[i][j]:
                    k = table[i][j]
                    raise ExerciseFailure(
                        f"for n = {n}: {u}·{v} = {u * v} ≡ {units[k]} (mod {n}), which is label {k}, "
                        f"but your table[{i}][{j}] is {mine[i][j]} (the element {G.names[mine[i][j]]!r})"
                    )
    return f"Z_n^× is right for n = {', '.join(map(str, ns))}"


# ---------------------------------------------------------------------- 1.7
@checker("Exercise 1.7")
def check_is_cyclic(is_cyclic: Callable[[FiniteGroup], bool]) -> str:
    """Check ``is_cyclic(G)``: True exactly when one element generates G (has order |G|).

    Explained in Chapter 1 exercises, *Exercise 1.7 · Which groups are cyclic?*
    """
    shuffled = _relabel(cyclic(6).table, [0, 2, 4, 1, 3, 5])  # label 1 is now 2 ∈ Z6, of order 3
    groups = [
        cyclic(1),
        klein_four(),
        cyclic(7),
        direct_product(cyclic(2), cyclic(3)),
        direct_product(cyclic(2), cyclic(4)),
        dihedral(3),
        dihedral(1),
        quaternion(),
        FiniteGroup.from_table(shuffled, ["e", "a", "b", "c", "d", "f"], name="a relabelled Z6"),
        symmetric(3),
        cyclic(4),  # cyclic groups whose order is not square-free
        cyclic(9),
    ]
    for n in (8, 9, 15, 18, 25):
        units, table = _units(n)
        groups.append(FiniteGroup.from_table(table, [str(u) for u in units], name=f"Z_{n}^×"))
    for G in groups:
        orders = G.element_orders()
        expected = bool((orders == G.order).any())
        got = _as_bool(_call(is_cyclic, f"for {G.name}", G), G.name)
        if got and not expected:
            shown = dict(zip(G.names, orders.tolist()))
            raise ExerciseFailure(
                f"for {G.name} you returned True, but no element has order |G| = {G.order}: "
                f"the orders are {shown}"
            )
        if expected and not got:
            g = int(np.flatnonzero(orders == G.order)[0])
            p = next((p for p in range(2, G.order) if G.order % (p * p) == 0), None)
            hint = ""
            if p is not None:
                hint = (
                    f" (|G| = {G.order} is divisible by {p}² = {p * p}: an abelian group of square-free order is "
                    "cyclic, but a cyclic group can have any order)"
                )
            raise ExerciseFailure(
                f"for {G.name} you returned False, but the element {G.names[g]!r} has order {G.order} = |G|, "
                f"so its powers are all of G{hint}"
            )
    return f"all {len(groups)} groups classified correctly"


# ---------------------------------------------------------------------- 1.8, 1.9
def _as_input(x: Any, d: int, dtype: Any, who: str, where: str) -> Any:
    import torch

    try:
        t = torch.as_tensor(x.detach() if isinstance(x, torch.Tensor) else x, dtype=dtype).cpu()
    except Exception:
        raise ExerciseFailure(f"{where}: {who} is {_returned(x)}, which is not a tensor of numbers") from None
    if t.numel() != d or t.dim() > 2 or (t.dim() == 2 and t.shape[0] != 1):
        raise ExerciseFailure(
            f"{where}: {who} has shape {tuple(t.shape)}, but the model takes vectors of shape ({d},)"
        )
    if not torch.isfinite(t).all():
        raise ExerciseFailure(f"{where}: {who} contains inf or nan")
    return t.reshape(1, d)


def _check_collision(
    model: Any,
    answer: Any,
    where: str,
    scale_of: Callable[[float], float],
    explain: Callable[[Any, Any], str] | None = None,
) -> None:
    """Verify that ``answer`` is a pair of clearly different inputs with (numerically) equal outputs.

    ``explain(x, x_prime)`` (rows of shape (1, d)) may say why the outputs differ.
    """
    import torch

    first = next(m for m in model.modules() if isinstance(m, torch.nn.Linear))
    d, dtype = first.in_features, first.weight.dtype
    if not isinstance(answer, (tuple, list)) or len(answer) != 2:
        raise ExerciseFailure(f"{where} you returned {_returned(answer)}; return a pair (x, x_prime) of inputs")
    x = _as_input(answer[0], d, dtype, "x", where)
    y = _as_input(answer[1], d, dtype, "x_prime", where)
    size = max(1.0, float(x.norm()), float(y.norm()))
    gap = float((x - y).norm())
    if gap <= 1e-2 * size:
        raise ExerciseFailure(
            f"{where} your x and x_prime are (almost) the same input: ‖x − x_prime‖ = {gap:.2g}; "
            "a witness needs two clearly different inputs (‖x − x_prime‖ > 0.01·max(1, ‖x‖, ‖x_prime‖))"
        )
    with torch.no_grad():
        fx, fy = model(x), model(y)
    diff = float((fx - fy).abs().max())
    tol = 1e-5 * scale_of(size)
    if not diff <= tol:
        raise ExerciseFailure(
            f"{where} your inputs give different outputs: the largest entry of |model(x) − model(x_prime)| "
            f"is {diff:.3g}, but they must agree within {tol:.2g}{explain(x, y) if explain else ''}"
        )


def _seeded(seed: int, build: Callable[[], Any]) -> Any:
    """Build a model from ``seed`` without touching the caller's random state."""
    import torch

    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _linear_cases() -> list[tuple[Any, str]]:
    import torch

    def low_rank(d_in: int, d_out: int, rank: int, bias: bool) -> Any:
        layer = torch.nn.Linear(d_in, d_out, bias=bias)
        with torch.no_grad():
            layer.weight.copy_(torch.randn(d_out, rank) @ torch.randn(rank, d_in))
        return layer

    def zero_column() -> Any:
        layer = torch.nn.Linear(3, 3)
        with torch.no_grad():
            layer.weight[:, 1] = 0.0
        return layer

    cases = [
        _seeded(1, lambda: low_rank(4, 4, 2, True)),
        _seeded(2, lambda: torch.nn.Linear(6, 3)),  # more inputs than outputs
        _seeded(3, zero_column),
        _seeded(4, lambda: low_rank(5, 5, 1, False)),
        _seeded(5, lambda: low_rank(3, 8, 2, True)),  # tall but rank 2
    ]
    out = []
    for layer in cases:
        rank = int(torch.linalg.matrix_rank(layer.weight.detach()))
        bias = "" if layer.bias is not None else ", no bias"
        out.append((layer, f"Linear({layer.in_features} → {layer.out_features}) of rank {rank}{bias}"))
    return out


@checker("Exercise 1.8")
def check_linear_collision(linear_collision: Callable[[Any], Any]) -> str:
    """Check ``linear_collision(layer)``: two different inputs that a rank-deficient
    ``torch.nn.Linear`` maps to the same output — the witness that it has no inverse.

    Explained in Chapter 1 exercises, *Exercise 1.8 · A layer with no inverse*.
    """
    import torch

    cases = _linear_cases()
    for layer, what in cases:
        norm = float(torch.linalg.matrix_norm(layer.weight.detach(), ord=2))
        b = float(layer.bias.detach().norm()) if layer.bias is not None else 0.0
        answer = _call(linear_collision, f"for {what}", layer)
        _check_collision(layer, answer, f"for {what}", lambda size: 1.0 + norm * size + b)
    return f"collisions found for all {len(cases)} layers"


def _relu_cases() -> list[tuple[Any, str]]:
    import torch

    def mlp(widths: Sequence[int]) -> Any:
        layers: list[Any] = []
        for k in range(len(widths) - 1):
            layers += [torch.nn.Linear(widths[k], widths[k + 1]), torch.nn.ReLU()]
        return torch.nn.Sequential(*layers[:-1])

    def large_bias() -> Any:  # first-layer biases above 1, unlike the default initialisation's
        model = mlp((3, 3, 2))
        with torch.no_grad():
            model[0].bias.copy_(torch.tensor([2.5, -1.5, 4.0]))
        return model

    out = []
    for seed, widths in ((6, (3, 3, 3)), (7, (4, 4, 4, 4)), (8, (2, 2, 2)), (9, (5, 5, 3))):
        model = _seeded(seed, lambda: mlp(widths))
        shape = " → ".join(map(str, widths))
        out.append((model, f"the ReLU network {shape} (its first weight matrix is invertible)"))
    out.append((_seeded(10, large_bias), "the ReLU network 3 → 3 → 2 whose first layer has the bias (2.5, −1.5, 4)"))
    return out


def _relu_explanation(model: Any, x: Any, y: Any) -> str:
    """Which first-layer units let the difference through, and the slip that explains it."""
    import torch

    W, b = model[0].weight.detach(), model[0].bias.detach()
    with torch.no_grad():
        hx, hy = (x @ W.T + b)[0], (y @ W.T + b)[0]
    passing = [k for k in range(len(b)) if float(max(hx[k], hy[k])) > 0]
    if not passing:
        return ""
    shown = ", ".join(map(str, passing))
    why = (
        f": the first layer's pre-activations W₁x + b₁ = {[round(float(v), 3) for v in hx]} and "
        f"W₁x′ + b₁ = {[round(float(v), 3) for v in hy]} are positive in unit{'s' if len(passing) > 1 else ''} "
        f"{shown}, where the ReLU passes the difference on"
    )
    def constant_negative(v: Any) -> bool:  # what solving "= −c" for a constant c gives
        return bool((v < 0).all() and (v.max() - v.min()) <= 1e-4 * float(v.abs().max()))

    with torch.no_grad():
        if constant_negative((x @ W.T)[0]) and constant_negative((y @ W.T)[0]):
            why += "; W₁x alone is negative in every unit: did you forget the bias b₁?"
        elif constant_negative((x @ W)[0] + b) and constant_negative((y @ W)[0] + b):
            why += "; W₁ᵀx + b₁ is negative in every unit: nn.Linear computes W₁x + b₁, its weight has shape (out, in)"
    return why


@checker("Exercise 1.9")
def check_relu_collision(relu_collision: Callable[[Any], Any]) -> str:
    """Check ``relu_collision(model)``: two different inputs with equal outputs for a ReLU
    network ``nn.Sequential(Linear, ReLU, Linear, …)`` whose square weight matrices are invertible.

    Explained in Chapter 1 exercises, *Exercise 1.9 · Invertible weights are not enough*.
    """
    import torch

    cases = _relu_cases()
    for model, what in cases:
        norms = [
            float(torch.linalg.matrix_norm(m.weight.detach(), ord=2)) + float(m.bias.detach().norm())
            for m in model.modules()
            if isinstance(m, torch.nn.Linear)
        ]
        scale = math.prod(1.0 + n for n in norms)
        answer = _call(relu_collision, f"for {what}", model)
        _check_collision(
            model, answer, f"for {what}", lambda size: scale * size, lambda x, y: _relu_explanation(model, x, y)
        )
    return f"collisions found for all {len(cases)} networks"


# ---------------------------------------------------------------------- 1.10
#: Two matrices are the same element of the group when every entry agrees within this tolerance.
_MATRIX_TOL = 1e-6


def _rotation_2d(angle: float) -> np.ndarray:
    c, s = math.cos(angle), math.sin(angle)
    return np.array([[c, -s], [s, c]])


def _rotation_3d(axis: Sequence[float], angle: float) -> np.ndarray:
    """The rotation by ``angle`` about ``axis`` (Rodrigues' formula), computed in floating point."""
    a = np.asarray(axis, dtype=float)
    a = a / np.linalg.norm(a)
    K = np.array([[0.0, -a[2], a[1]], [a[2], 0.0, -a[0]], [-a[1], a[0], 0.0]])
    return np.eye(3) + math.sin(angle) * K + (1.0 - math.cos(angle)) * (K @ K)


def _unit_permutation(images: Sequence[int]) -> np.ndarray:
    """The permutation matrix that moves hidden unit i to unit ``images[i]``."""
    n = len(images)
    M = np.zeros((n, n))
    M[list(images), list(range(n))] = 1.0
    return M


class _SymmetryCase:
    """Generators of a group of hidden-unit symmetries, a max_order, and the words to quote them."""

    def __init__(
        self, layer: str, generators: Sequence[tuple[str, np.ndarray]], max_order: int, infinite: str | None = None
    ) -> None:
        self.matrices = [np.array(m, dtype=float) for _, m in generators]
        self.max_order = max_order
        self.infinite = infinite  # why the group is infinite, or None
        names = ", ".join(f"g{i} = {what}" for i, (what, _) in enumerate(generators))
        self.what = f"{layer}, generators {names}, max_order = {max_order}"

    def fresh(self) -> list[np.ndarray]:
        return [m.copy() for m in self.matrices]

    def reference(self) -> FiniteGroup | None:
        """The group they generate (:func:`~grouptools.from_matrices`), or None beyond max_order elements."""
        from ..named import from_matrices

        try:
            names = [f"g{i}" for i in range(len(self.matrices))]
            return from_matrices(self.matrices, names, max_order=self.max_order)
        except ValueError:
            return None


def _symmetry_cases() -> list[_SymmetryCase]:
    third = 2 * math.pi / 3
    skew = np.array([[1.0, 0.5], [0.0, 2.0]])  # a change of basis of the hidden pair
    skew_inv = np.linalg.inv(skew)
    c30, s30 = math.cos(math.pi / 6), math.sin(math.pi / 6)
    tanh2, tanh3 = "a tanh layer with 2 hidden units", "a tanh layer with 3 hidden units"
    pair, triple = "a pair of hidden units with a norm activation", "a triple of hidden units with a norm activation"
    swap01, flip0 = "swap units 0 and 1", "flip the sign of unit 0"
    return [
        _SymmetryCase(tanh2, [(swap01, _unit_permutation([1, 0])), (flip0, np.diag([-1.0, 1.0]))], 100),
        _SymmetryCase(pair, [("rotate the pair by 90° (from cos and sin)", _rotation_2d(math.pi / 2))], 100),
        _SymmetryCase(pair, [("rotate the pair by 30° (from cos and sin)", _rotation_2d(math.pi / 6))], 100),
        _SymmetryCase(pair, [("rotate the pair by 60° (from cos and sin)", _rotation_2d(math.pi / 3))], 100),
        _SymmetryCase(
            tanh3,
            [
                (swap01, _unit_permutation([1, 0, 2])),
                ("move unit 0 → 1 → 2 → 0", _unit_permutation([1, 2, 0])),
                (flip0, np.diag([-1.0, 1.0, 1.0])),
            ],
            48,  # exactly the order of the group
        ),
        _SymmetryCase(tanh3, [("the identity", np.eye(3))], 10),
        _SymmetryCase(pair, [("rotate the pair by 45° (from cos and sin)", _rotation_2d(math.pi / 4))], 100),
        _SymmetryCase(
            pair,
            [
                ("rotate the pair by 60°", _rotation_2d(math.pi / 3)),
                ("reflect the pair in the line at 15°", np.array([[c30, s30], [s30, -c30]])),
            ],
            100,
        ),
        _SymmetryCase(
            triple,
            [
                ("a quarter turn about axis 0", _rotation_3d([1, 0, 0], math.pi / 2)),
                ("a quarter turn about axis 2", _rotation_3d([0, 0, 1], math.pi / 2)),
            ],
            100,
        ),
        _SymmetryCase(
            triple,
            [
                ("a turn by 120° about the axis (1, 1, 1)", _rotation_3d([1, 1, 1], third)),
                ("a half turn about axis 2", _rotation_3d([0, 0, 1], math.pi)),
            ],
            100,
        ),
        _SymmetryCase(
            "a pair of hidden units in a skewed basis",
            [
                ("a turn by 120° in that basis", skew @ _rotation_2d(third) @ skew_inv),
                ("a reflection in that basis", skew @ np.diag([1.0, -1.0]) @ skew_inv),
            ],
            100,
        ),
        _SymmetryCase(
            "a ReLU layer with 2 hidden units",
            [("scale unit 0 by 2", np.diag([2.0, 1.0]))],
            20,
            "g0^k = diag(2^k, 1) is a different matrix for every k",
        ),
        _SymmetryCase(
            pair,
            [("rotate the pair by 1 radian", _rotation_2d(1.0))],
            50,
            "1 radian is no rational multiple of a full turn, so no power of g0 is the identity",
        ),
    ]


def _product_word(word: str) -> str:
    """A word of :func:`~grouptools.from_matrices` (``"g0^2 g1"``) as a matrix product (``g0 @ g0 @ g1``)."""
    if word == "e":
        return "the identity"
    letters = []
    for part in word.split(" "):
        base, _, power = part.partition("^")
        letters += [base] * (int(power) if power else 1)
    return " @ ".join(letters)


def _as_matrices(value: Any, d: int, where: str) -> list[np.ndarray]:
    if isinstance(value, np.ndarray) and value.ndim == 3:
        value = list(value)
    if not isinstance(value, (list, tuple)):
        raise ExerciseFailure(f"{where} your elements are {_returned(value)}; return a list of {d}×{d} matrices")
    out = []
    for i, m in enumerate(value):
        try:
            a = np.array(m.detach().cpu() if hasattr(m, "detach") else m, dtype=float)
        except (TypeError, ValueError):
            raise ExerciseFailure(f"{where} elements[{i}] is {_returned(m)}, not a matrix of numbers") from None
        if a.shape != (d, d):
            raise ExerciseFailure(f"{where} elements[{i}] has shape {a.shape}, but the matrices are {d}×{d}")
        if not np.isfinite(a).all():
            raise ExerciseFailure(f"{where} elements[{i}] contains inf or nan")
        out.append(a)
    return out


def _float_hint(case: _SymmetryCase, ref: FiniteGroup) -> str:
    """Why exact comparison fails: a generator with entries that are not whole numbers, and the relation it misses."""
    for i, g in enumerate(case.matrices):
        if not np.array_equal(g, np.round(g)):
            k = ref.element_order(ref.generators[i])
            power = np.eye(len(g))
            for _ in range(k):
                power = power @ g
            gap = fmt_error(power - np.eye(len(g)))
            return (
                f". The entries of g{i} are not whole numbers but rounded floats, so g{i}^{k} is the identity only up "
                f"to rounding ({gap}): compare matrices with a tolerance (every entry within {_MATRIX_TOL:g}), not exactly"
            )
    return ""


def _match_elements(case: _SymmetryCase, ref: FiniteGroup, elements: list[np.ndarray], where: str) -> list[int]:
    """The reference label of each returned matrix; fails on a matrix outside the group, a repeat, or a gap."""
    mats = ref.matrices
    assert mats is not None
    labels = []
    for i, a in enumerate(elements):
        gaps = np.abs(mats - a).max(axis=(1, 2))
        j = int(np.argmin(gaps))
        if gaps[j] > _MATRIX_TOL:
            hint = ""
            if np.array_equal(a, np.round(a)) and any(np.array_equal(a, np.round(m)) for m in mats):
                hint = " (it is an element rounded to whole numbers: keep the entries as they are)"
            raise ExerciseFailure(
                f"{where} elements[{i}] = {fmt_list(a)} is not in the group: no product of the generators is within "
                f"{_MATRIX_TOL:g} of it{hint}"
            )
        if j in labels:
            first = labels.index(j)
            gap = np.abs(elements[first] - a).max()
            raise ExerciseFailure(
                f"{where} elements[{first}] and elements[{i}] are the same matrix {fmt_list(a)} up to rounding "
                f"(they differ by {fmt_error(gap)}); list each element once. If you look matrices up by "
                "np.round(M, d).tobytes(): np.round(-1e-17, 8) is -0.0, whose bytes differ from those of 0.0 "
                "(add 0.0 after rounding), or compare with a tolerance"
            )
        labels.append(j)
    missing = [x for x in ref.elements if x not in labels]
    if missing:
        x = missing[0]
        hint = ""
        merged = [i for i, a in enumerate(elements) if np.array_equal(np.round(a), np.round(mats[x]))]
        if merged:
            hint = (
                f"; rounded to whole numbers it looks like elements[{merged[0]}] = {fmt_list(elements[merged[0]])}: "
                f"compare with a tolerance of {_MATRIX_TOL:g}, not by rounding to integers"
            )
        else:
            hint = "; keep multiplying by the generators until a whole round adds no new matrix"
        raise ExerciseFailure(
            f"{where} you returned {len(elements)} matri{'x' if len(elements) == 1 else 'ces'}, but the group has "
            f"{ref.order}: "
            f"{_product_word(ref.names[x])} = {fmt_list(mats[x])} is missing{hint}"
        )
    return labels


@checker("Exercise 1.10")
def check_symmetry_group(symmetry_group: Callable[[list[np.ndarray], int], Any]) -> str:
    """Check ``symmetry_group(generators, max_order)``: the distinct matrices of the group generated by invertible
    matrices (equal when every entry agrees within 1e-6) and its table, or None when it has more than max_order elements.

    Explained in Chapter 1 exercises, *Exercise 1.10 · The symmetry group of a hidden layer*.
    """
    cases = _symmetry_cases()
    refs = [case.reference() for case in cases]
    for case, ref in zip(cases, refs):
        where = f"for {case.what}:"
        answer = _call(symmetry_group, where, case.fresh(), case.max_order)
        if ref is None:
            if answer is not None:
                shown = "a group" if isinstance(answer, (tuple, list)) else _returned(answer)
                raise ExerciseFailure(
                    f"{where} you returned {shown}, but the group is infinite ({case.infinite}): once more than max_order = {case.max_order} "
                    "distinct matrices appear, stop and return None"
                )
            continue
        if answer is None:
            exactly = ""
            if ref.order == case.max_order:
                exactly = (
                    f" — exactly max_order: return None only when *more than* max_order = {case.max_order} "
                    "matrices appear"
                )
            raise ExerciseFailure(
                f"{where} you returned None, but the group is finite, with {ref.order} elements{exactly}"
                f"{_float_hint(case, ref)}"
            )
        if not isinstance(answer, (tuple, list)) or len(answer) != 2:
            raise ExerciseFailure(f"{where} you returned {_returned(answer)}; return a pair (elements, table), or None")
        d = case.matrices[0].shape[0]
        elements = _as_matrices(answer[0], d, where)
        labels = _match_elements(case, ref, elements, where)
        n = len(elements)
        raw = answer[1]
        if isinstance(raw, np.ndarray):
            raw = raw.tolist()
        if (
            not isinstance(raw, (list, tuple))
            or len(raw) != n
            or not all(isinstance(row, (list, tuple, np.ndarray)) and len(row) == n for row in raw)
        ):
            raise ExerciseFailure(
                f"{where} your table is {_returned(raw)}; return an {n}×{n} list of lists of indices into elements"
            )
        position = {x: i for i, x in enumerate(labels)}
        for i in range(n):
            for j in range(n):
                v = raw[i][j]
                right = position[int(ref.table[labels[i], labels[j]])]
                if not _is_label(v) or int(v) != right:
                    hint = ""
                    swapped = position[int(ref.table[labels[j], labels[i]])]
                    if _is_label(v) and int(v) == swapped:
                        hint = (
                            f"; your entry is the index of elements[{j}] @ elements[{i}]: table[i][j] is "
                            "elements[i] @ elements[j], first j then i"
                        )
                    raise ExerciseFailure(
                        f"{where} table[{i}][{j}] is {_returned(v)}, but elements[{i}] @ elements[{j}] = "
                        f"{fmt_list(elements[i] @ elements[j])} is elements[{right}]{hint}"
                    )
    finite = ", ".join(str(G.order) for G in refs if G is not None)
    return f"all {len(cases)} groups right: orders {finite}, and None for the two infinite ones"


# ---------------------------------------------------------------------- 1.11
def _prime_factors(n: int) -> list[int]:
    out, p = [], 2
    while p * p <= n:
        if n % p == 0:
            out.append(p)
            while n % p == 0:
                n //= p
        p += 1
    return out + ([n] if n > 1 else [])


def _invariant_factors(G: FiniteGroup) -> list[int]:
    """[d1, …, dk] with d1 | d2 | … | dk and G ≅ Z_d1 × … × Z_dk, from the counts of solutions of x^(p^j) = e."""
    orders = G.element_orders()
    exponents: dict[int, list[int]] = {}  # p -> the exponents of p in the cyclic factors, largest first
    for p in _prime_factors(G.order):
        logs = [0]  # logs[j] = log_p #{x : x^(p^j) = e} = sum over factors of min(a_i, j)
        while True:
            count = int(sum(1 for o in orders.tolist() if p ** len(logs) % o == 0))
            logs.append(round(math.log(count, p)))
            if logs[-1] == logs[-2]:
                break
        at_least = [logs[j] - logs[j - 1] for j in range(1, len(logs))]  # #{i : a_i >= j}
        exponents[p] = sorted((sum(1 for m in at_least if m > i) for i in range(at_least[0])), reverse=True)
    k = max((len(a) for a in exponents.values()), default=0)
    factors = [math.prod(p ** a[i] for p, a in exponents.items() if i < len(a)) for i in range(k)]
    return factors[::-1]


def _solutions(G: FiniteGroup, m: int) -> int:
    """#{x in G : x^m = e}."""
    return int(sum(1 for o in G.element_orders().tolist() if m % o == 0))


def _product_name(factors: Sequence[int]) -> str:
    return " × ".join(f"Z{d}" for d in factors) if factors else "the trivial group"


def _abelian_cases() -> Iterator[FiniteGroup]:
    """The checker's groups, built one at a time (the large ones take a second to build and validate:
    the learner's code runs on the first before the rest exist)."""

    def units(n: int) -> FiniteGroup:
        residues, table = _units(n)
        return FiniteGroup.from_table(table, [str(u) for u in residues], name=f"Z{n}^×")

    def shuffled(G: FiniteGroup) -> FiniteGroup:
        """G with its labels moved so that the identity is no longer label 0."""
        n = G.order
        step = next(c for c in (7, 5, 11, 13) if math.gcd(c, n) == 1)
        perm = [(step * a + 3) % n for a in range(n)]
        return G.relabelled(perm, name=f"{G.name} relabelled (identity = label {perm[G.identity]})")

    Z = cyclic
    builders: list[Callable[[], FiniteGroup]] = [
        lambda: Z(1),
        lambda: Z(4),
        lambda: klein_four(),
        lambda: direct_product(Z(2), Z(3)),
        lambda: units(8),
        lambda: shuffled(units(15)),
        lambda: direct_product(Z(2), Z(4)),
        lambda: Z(8),
        lambda: direct_product(klein_four(), Z(3)),
        lambda: direct_product(Z(4), Z(4)),
        lambda: shuffled(direct_product(klein_four(), Z(4))),
        lambda: direct_product(Z(9), Z(3)),
        lambda: units(21),
        lambda: shuffled(units(24)),
        lambda: units(35),
        lambda: shuffled(direct_product(direct_product(Z(4), Z(6)), Z(10))),
        lambda: units(63),
    ]
    for build in builders:
        yield build()


@checker("Exercise 1.11")
def check_cyclic_factors(cyclic_factors: Callable[[FiniteGroup], Any]) -> str:
    """Check ``cyclic_factors(G)``: the invariant factors [d1, …, dk] (1 < d1 | d2 | … | dk) of a finite abelian
    group, G ≅ Z_d1 × … × Z_dk; [] for the trivial group.

    Explained in Chapter 1 exercises, *Exercise 1.11 · Which product of cyclic groups?*
    """
    count = 0
    for G in _abelian_cases():
        count += 1
        where = f"for {G.name} (order {G.order})"
        expected = _invariant_factors(G)
        got = _call(cyclic_factors, where, G)
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (list, tuple)) or not all(_is_label(d) for d in got):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return a list of integers [d1, …, dk]")
        got = [int(d) for d in got]
        if got == expected:
            continue
        shown = f"{where} you returned {got}"
        if G.identity != 0:
            shown += f" (note: in this G the identity is label {G.identity}, not 0)"
        if any(d < 2 for d in got):
            raise ExerciseFailure(
                f"{shown}, but every factor is at least 2: Z1 is trivial and adds nothing, "
                f"and the trivial group's list is []; the answer is {expected}"
            )
        if math.prod(got) != G.order:
            raise ExerciseFailure(
                f"{shown}, but {_product_name(got)} has {math.prod(got)} element{'s' if math.prod(got) != 1 else ''} "
                f"and G has {G.order}; the answer is {expected}"
            )
        bad = next((i for i in range(len(got) - 1) if got[i + 1] % got[i]), None)
        if bad is not None:
            a, b = got[bad], got[bad + 1]
            hint = ""
            if sorted(got) != got and sorted(got, key=lambda d: -d) == got:
                hint = ": list the factors in increasing order"
            elif math.gcd(a, b) == 1:
                hint = f": Z{a} × Z{b} ≅ Z{a * b} since gcd({a}, {b}) = 1, so merge factors of coprime orders"
            raise ExerciseFailure(
                f"{shown}, but each factor must divide the next and {a} does not divide {b}{hint}; "
                f"the answer is {expected}"
            )
        m = next(m for m in range(1, G.order + 1) if _solutions(G, m) != math.prod(math.gcd(m, d) for d in got))
        raise ExerciseFailure(
            f"{shown}, but {_product_name(got)} has {math.prod(math.gcd(m, d) for d in got)} elements with "
            f"x^{m} = e and G has {_solutions(G, m)}; G ≅ {_product_name(expected)}, the answer is {expected}"
        )
    return f"all {count} abelian groups decomposed correctly"
