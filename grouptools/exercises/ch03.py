"""Checkers for the Chapter 3 exercises (``exercises/03_homomorphisms_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on several
inputs — homomorphisms and maps that only look like one, groups whose
identity is not label 0, permutations of several sizes, pairs (m, n) of
cyclic groups, generator images that do or do not extend to a homomorphism,
pairs of groups that agree on every invariant without being isomorphic — and
compares the answers with reference computations (:mod:`grouptools.homomorphisms`,
inversion counts, ``math.gcd``, a walk along the Cayley graph). It returns
a :class:`~grouptools.exercises.Feedback` that names the first input where
the answer is wrong, what came back and why it is wrong; it never raises.

Explained in Chapter 3 exercises, *How the checks work*.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..formatting import parenthesise
from ..groups import FiniteGroup
from ..homomorphisms import find_isomorphism, isomorphism_invariants
from ..named import (
    alternating,
    cyclic,
    dihedral,
    direct_product,
    inversion_counts,
    klein_four,
    quaternion,
    symmetric,
)
from ._feedback import ExerciseFailure, Table, _call, _is_label, _relabel, _returned, checker

__all__ = [
    "check_first_violation",
    "check_kernel",
    "check_sign",
    "check_count_homomorphisms",
    "check_product_to_cyclic",
    "check_automorphism_multipliers",
    "check_channel_permutations",
    "check_find_isomorphism",
]



# ---------------------------------------------------------------------- helpers
def _tbl(G: FiniteGroup) -> Table:
    return [[int(x) for x in row] for row in G.table]


def _relabelled(G: FiniteGroup, perm: Sequence[int], what: str) -> FiniteGroup:
    """G with element a renamed to label ``perm[a]`` (names travel with the elements)."""
    return G.relabelled(perm, name=what)


def _violations(tG: Table, tH: Table, phi: Sequence[int]) -> list[tuple[int, int]]:
    """All pairs (a, b), in lexicographic order, with φ(a·b) ≠ φ(a)·φ(b)."""
    f = np.asarray(phi)
    g, h = np.asarray(tG), np.asarray(tH)
    bad = np.argwhere(f[g] != h[f[:, None], f[None, :]])
    return [(int(a), int(b)) for a, b in bad]


def _pair_detail(tG: Table, tH: Table, phi: Sequence[int], a: int, b: int) -> str:
    ab = tG[a][b]
    return (
        f"φ({a}·{b}) = φ({ab}) = {phi[ab]} and φ({a})·φ({b}) = {phi[a]}·{phi[b]} = {tH[phi[a]][phi[b]]}"
    )


def _labels(value: Any, where: str, what: str) -> list[int]:
    """The learner's answer as a list of labels, or a clear complaint."""
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if isinstance(value, dict):
        raise ExerciseFailure(f"{where} you returned a dict; return {what}")
    if not isinstance(value, (list, tuple, set, frozenset)) or not all(_is_label(x) for x in value):
        raise ExerciseFailure(f"{where} you returned {_returned(value)}; return {what}")
    return [int(x) for x in value]


# ---------------------------------------------------------------------- 3.1
@checker("Exercise 3.1")
def check_first_violation(first_violation: Callable[[Table, Table, list[int]], Any]) -> str:
    """Check ``first_violation(table_G, table_H, phi)``: the lexicographically first pair (a, b)
    with φ(a·b) ≠ φ(a)·φ(b), or None when φ is a homomorphism.

    Explained in Chapter 3 exercises, *Exercise 3.1 · Is it a homomorphism?*
    """
    Z2, Z3, Z4, Z6 = (_tbl(cyclic(n)) for n in (2, 3, 4, 6))
    S3 = symmetric(3)
    tS3 = _tbl(S3)
    sign = [0 if S3.element_order(g) != 2 else 1 for g in S3.elements]  # the transpositions are odd
    inverse = [S3.inverse(g) for g in S3.elements]
    Q8 = quaternion()
    to_v4 = [{"1": 0, "-1": 0, "i": 1, "-i": 1, "j": 2, "-j": 2, "k": 3, "-k": 3}[s] for s in Q8.names]
    z2_shift = _relabel(Z2, [1, 0])  # Z2 with its identity as label 1
    cases = [
        (Z6, Z3, [g % 3 for g in range(6)], "Z6 → Z3, g ↦ g mod 3"),
        (Z4, Z3, [g % 3 for g in range(4)], "Z4 → Z3, g ↦ g mod 3"),
        (Z3, Z2, [1, 1, 1], "the constant map Z3 → Z2, g ↦ 1"),
        (tS3, Z2, sign, "the sign S3 → Z2"),
        (tS3, Z2, [0, 1, 1, 0, 0, 1], "the map S3 → Z2 given by [0, 1, 1, 0, 0, 1]"),
        (tS3, Z2, [0, 0, 0, 1, 0, 1], "the map S3 → Z2 given by [0, 0, 0, 1, 0, 1]"),  # first violation (2, 1)
        (tS3, tS3, inverse, "the map S3 → S3, g ↦ g⁻¹"),
        (_tbl(Q8), _tbl(klein_four()), to_v4, "the map Q8 → V4 that forgets the sign"),
        (Z4, z2_shift, [1, 0, 1, 0], "Z4 → Z2 (identity of Z2 relabelled 1), g ↦ g mod 2"),
        (Z4, z2_shift, [0, 1, 0, 1], "Z4 → Z2 (identity of Z2 relabelled 1), g ↦ 1 − g mod 2"),
        (Z6, Z4, [0] * 6, "the trivial map Z6 → Z4"),
    ]
    for tG, tH, phi, what in cases:
        where = f"for {what} (phi = {phi})"
        bad = _violations(tG, tH, phi)
        expected = bad[0] if bad else None
        got = _call(first_violation, where, [list(r) for r in tG], [list(r) for r in tH], list(phi))
        if got is None:
            if expected is not None:
                raise ExerciseFailure(
                    f"{where} you returned None, but φ is not a homomorphism: for (a, b) = {expected}, "
                    f"{_pair_detail(tG, tH, phi, *expected)}"
                )
            continue
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (tuple, list)) or len(got) != 2 or not all(_is_label(x) for x in got):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return a pair (a, b) of labels, or None")
        got = (int(got[0]), int(got[1]))
        n = len(tG)
        if not all(0 <= x < n for x in got):
            raise ExerciseFailure(f"{where} you returned {got}, but the labels of G are 0..{n - 1}")
        if expected is None:
            raise ExerciseFailure(
                f"{where} you returned {got}, but φ is a homomorphism "
                f"(for your pair, {_pair_detail(tG, tH, phi, *got)}); return None"
            )
        if got not in bad:
            raise ExerciseFailure(
                f"{where} you returned {got}, but that pair is fine: {_pair_detail(tG, tH, phi, *got)}. "
                f"The first violating pair is {expected}"
            )
        if got != expected:
            hint = ""
            if got[0] <= got[1] and expected[0] > expected[1]:
                hint = ": the pairs with b < a count too (a·b and b·a differ in a group that is not abelian)"
            raise ExerciseFailure(
                f"{where} you returned {got}, which violates the rule, but {expected} comes earlier in "
                f"lexicographic order ({_pair_detail(tG, tH, phi, *expected)}){hint}"
            )
    return f"all {len(cases)} maps answered correctly"


# ---------------------------------------------------------------------- 3.2
@checker("Exercise 3.2")
def check_kernel(kernel: Callable[[FiniteGroup, FiniteGroup, list[int]], Any]) -> str:
    """Check ``kernel(G, H, phi)``: the sorted labels g of G with φ(g) = e_H.

    Explained in Chapter 3 exercises, *Exercise 3.2 · The kernel*.
    """
    D4, Z2, Z4, S3 = dihedral(4), cyclic(2), cyclic(4), symmetric(3)
    Z2b = _relabelled(Z2, [1, 0], "Z2 with its identity as label 1")
    D4b = _relabelled(D4, [5, 2, 7, 0, 3, 6, 1, 4], "a relabelled D4 (identity = label 5)")
    Z12 = cyclic(12)
    flip = [0, 0, 0, 0, 1, 1, 1, 1]  # D4 → Z2: rotations ↦ 0, reflections ↦ 1
    flip_b = [0] * 8
    odd_b = [0] * 8  # D4 → Z2 with kernel {e, r^2, s, r^2 s}: label 0 (r^3) is not in it
    for g, name in enumerate(D4b.names):
        flip_b[g] = 1 if "s" in name else 0
        odd_b[g] = 1 if name.split(" ")[0] in ("r", "r^3") else 0
    cases = [
        (D4, Z2, flip, "flip: D4 → Z2 (rotations ↦ 0, reflections ↦ 1)"),
        (Z12, Z4, [g % 4 for g in range(12)], "Z12 → Z4, g ↦ g mod 4"),
        (D4, Z2b, [1 - x for x in flip], "flip: D4 → Z2, where the identity of Z2 is label 1"),
        (D4b, Z2, flip_b, "flip on a relabelled D4 (its identity is label 5)"),
        (D4b, Z2, odd_b, "the map r^k s^j ↦ k mod 2 on a relabelled D4 (its identity is label 5, label 0 is r^3)"),
        (S3, S3, list(S3.elements), "the identity map S3 → S3"),
        (S3, Z4, [0] * 6, "the trivial map S3 → Z4"),
        (Z12, cyclic(6), [(2 * g) % 6 for g in range(12)], "Z12 → Z6, g ↦ 2g mod 6"),
    ]
    for G, H, phi, what in cases:
        where = f"for {what}"
        expected = [g for g in G.elements if phi[g] == H.identity]
        got = _labels(_call(kernel, where, G, H, list(phi)), where, "a list of labels of G")
        if sorted(got) == expected and len(got) == len(expected):
            continue
        names = G.names
        extra = [g for g in got if g not in expected]
        missing = [g for g in expected if g not in got]
        if extra:
            g = extra[0]
            if not 0 <= g < G.order:
                raise ExerciseFailure(f"{where} you returned {sorted(got)}, but {g} is not a label of G (0..{G.order - 1})")
            hint = ""
            if G.identity != 0 and sorted(set(got)) == [x for x in G.elements if phi[x] == phi[0]]:
                hint = (
                    f" (you compared with φ(0), the image of label 0 = {names[0]}; the identity of G is label "
                    f"{G.identity}, and φ(e_G) = e_H)"
                )
            raise ExerciseFailure(
                f"{where} you returned {sorted(got)}, but {g} ({names[g]}) is not in the kernel: φ({g}) = {phi[g]}, "
                f"and the identity of H is label {H.identity}; the kernel is {expected}{hint}"
            )
        if missing:
            g = missing[0]
            raise ExerciseFailure(
                f"{where} you returned {sorted(got)}, but {g} ({names[g]}) is in the kernel: φ({g}) = {phi[g]} "
                f"is the identity of H; the kernel is {expected}"
            )
        raise ExerciseFailure(f"{where} you returned {got}, which repeats elements; the kernel is {expected}")
    return f"all {len(cases)} kernels are right"


# ---------------------------------------------------------------------- 3.3
def _inversions(p: Sequence[int]) -> int:
    return int(inversion_counts([p])[0])


def _cycles(p: Sequence[int]) -> list[list[int]]:
    seen, cycles = set(), []
    for start in range(len(p)):
        if start not in seen:
            cycle, x = [], start
            while x not in seen:
                seen.add(x)
                cycle.append(x)
                x = p[x]
            cycles.append(cycle)
    return cycles


def _cycle_text(p: Sequence[int]) -> str:
    return "".join("(" + " ".join(map(str, c)) + ")" for c in _cycles(p))


def _sign_cases() -> list[list[int]]:
    rng = np.random.default_rng(3)
    cases = [[], [0], [1, 0], [0, 1], [1, 2, 0], [0, 2, 1], [2, 1, 0]]
    cases += [list(p) for p in itertools.permutations(range(4))]
    cases += [rng.permutation(n).tolist() for n in (5, 7, 7, 10, 10, 12)]
    return cases


@checker("Exercise 3.3")
def check_sign(sign: Callable[[list[int]], int]) -> str:
    """Check ``sign(perm)``: +1 for an even permutation, −1 for an odd one.

    Explained in Chapter 3 exercises, *Exercise 3.3 · The sign from the cycles*.
    """
    cases = _sign_cases()
    for p in cases:
        where = f"for the permutation {p}"
        got = _call(sign, where, list(p))
        if not _is_label(got) or int(got) not in (1, -1):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return the integer 1 or -1")
        inv = _inversions(p)
        expected = -1 if inv % 2 else 1
        if int(got) != expected:
            c = len(_cycles(p))
            raise ExerciseFailure(
                f"{where} you returned {int(got)}, expected {expected}: its cycles (fixed points included) are "
                f"{_cycle_text(p) or 'none'}, so n − c = {len(p)} − {c} = {len(p) - c}, and it has {inv} inversion"
                f"{'' if inv == 1 else 's'}"
            )
    return f"the signs of {len(cases)} permutations (sizes 0 to 12) are right"


# ---------------------------------------------------------------------- 3.4
@checker("Exercise 3.4")
def check_count_homomorphisms(count_homomorphisms: Callable[[int, int], int]) -> str:
    """Check ``count_homomorphisms(m, n)``: the number of homomorphisms Z_m → Z_n (it is gcd(m, n)).

    Explained in Chapter 3 exercises, *Exercise 3.4 · Counting homomorphisms*.
    """
    pairs = [(1, 1), (4, 6), (6, 4), (5, 7), (1, 9), (9, 1), (8, 8), (12, 18), (10, 15), (7, 14), (2, 3)]
    for m, n in pairs:
        where = f"for m = {m}, n = {n}"
        got = _call(count_homomorphisms, where, m, n)
        if not _is_label(got):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return an integer")
        ks = [k for k in range(n) if (m * k) % n == 0]
        if int(got) != len(ks):
            shown = ", ".join(map(str, ks)) if len(ks) <= 12 else ", ".join(map(str, ks[:12])) + ", …"
            raise ExerciseFailure(
                f"{where} you returned {int(got)}, expected {len(ks)}: a homomorphism Z{m} → Z{n} is fixed by "
                f"k = φ(1), and it is one exactly when {m}·k ≡ 0 (mod {n}), i.e. k ∈ {{{shown}}}"
            )
    return f"all {len(pairs)} counts are right"


# ---------------------------------------------------------------------- 3.5
@checker("Exercise 3.5")
def check_product_to_cyclic(product_to_cyclic: Callable[[int, int], Any]) -> str:
    """Check ``product_to_cyclic(m, n)``: an isomorphism Z_m × Z_n → Z_mn for coprime m, n,
    as the list ``phi`` with ``phi[a * n + b]`` the image of (a, b).

    Explained in Chapter 3 exercises, *Exercise 3.5 · An explicit isomorphism*.
    """
    pairs = [(2, 3), (3, 2), (1, 5), (3, 4), (4, 9), (5, 6), (7, 1)]
    for m, n in pairs:
        where = f"for m = {m}, n = {n}"
        G = direct_product(cyclic(m), cyclic(n))
        N = m * n
        phi = _labels(_call(product_to_cyclic, where, m, n), where, f"a list of {N} labels of Z{N}")
        if isinstance(phi, list) and len(phi) != N:
            raise ExerciseFailure(f"{where} you returned a list of length {len(phi)}, but Z{m}×Z{n} has {N} elements")
        bad = next((x for x in phi if not 0 <= x < N), None)
        if bad is not None:
            raise ExerciseFailure(f"{where} your list contains {bad}, which is not a label of Z{N} (0..{N - 1})")
        seen: dict[int, int] = {}
        for g, x in enumerate(phi):
            if x in seen:
                raise ExerciseFailure(
                    f"{where} your map is not one-to-one: {G.names[seen[x]]} and {G.names[g]} both go to {x}"
                )
            seen[x] = g
        viol = _violations(_tbl(G), _tbl(cyclic(N)), phi)
        if viol:
            a, b = viol[0]
            ab = G.product(a, b)
            raise ExerciseFailure(
                f"{where} your map is not a homomorphism: {G.names[a]} + {G.names[b]} = {G.names[ab]} goes to "
                f"{phi[ab]}, but {phi[a]} + {phi[b]} ≡ {(phi[a] + phi[b]) % N} (mod {N}) "
                f"(the element (a, b) has label a·{n} + b)"
            )
    return f"isomorphisms Z_m × Z_n → Z_mn for all {len(pairs)} coprime pairs"


# ---------------------------------------------------------------------- 3.6
@checker("Exercise 3.6")
def check_automorphism_multipliers(automorphism_multipliers: Callable[[int], Any]) -> str:
    """Check ``automorphism_multipliers(n)``: the sorted k in 0..n−1 for which x ↦ kx mod n is an automorphism of Z_n.

    Explained in Chapter 3 exercises, *Exercise 3.6 · Automorphisms of a cyclic group*.
    """
    ns = (1, 2, 3, 4, 6, 7, 8, 9, 12, 15, 16, 30)
    for n in ns:
        where = f"for n = {n}"
        got = _labels(_call(automorphism_multipliers, where, n), where, "a sorted list of integers k")
        expected = [k for k in range(n) if math.gcd(k, n) == 1] if n > 1 else [0]
        if got == expected:
            continue
        extra = [k for k in got if k not in expected]
        missing = [k for k in expected if k not in got]
        if extra:
            k = extra[0]
            if not 0 <= k < n:
                raise ExerciseFailure(f"{where} you returned {got}, but {k} is not in 0..{n - 1}")
            x = n // math.gcd(k, n)
            raise ExerciseFailure(
                f"{where} you returned {got}, but x ↦ {k}x is not one-to-one on Z{n}: it sends both 0 and {x} to 0 "
                f"({k}·{x} = {k * x} ≡ 0 mod {n})"
            )
        if missing:
            k = missing[0]
            inv = pow(k, -1, n) if n > 1 else 0
            raise ExerciseFailure(
                f"{where} you returned {got}, but {k} is missing: x ↦ {k}x is an automorphism of Z{n}, "
                f"undone by x ↦ {inv}x ({k}·{inv} ≡ 1 mod {n})" if n > 1 else
                f"{where} you returned {got}, but Z1 = {{0}} has one automorphism, x ↦ 0·x; return [0]"
            )
        raise ExerciseFailure(f"{where} you returned {got}; return each k once, in increasing order: {expected}")
    return f"Aut(Z_n) is right for n = {', '.join(map(str, ns))}"


# ---------------------------------------------------------------------- 3.7
def _compose(p: Sequence[int], q: Sequence[int]) -> list[int]:
    """p ∘ q, first q, then p: (p ∘ q)[i] = p[q[i]]."""
    return [int(p[x]) for x in q]


def _perm_order(p: Sequence[int]) -> int:
    return math.lcm(*(len(c) for c in _cycles(p))) if len(p) else 1


def _word(G: FiniteGroup, word: Sequence[int]) -> str:
    return "·".join(parenthesise(G.names[s]) for s in word) if word else "e"


def _extend_permutations(
    G: FiniteGroup, gens: Sequence[int], images: Sequence[Sequence[int]], *, reverse: bool = False
) -> tuple[list[list[int]] | None, tuple | None]:
    """Walk G from the identity by s·x, setting perms[s·x] = images[s] ∘ perms[x] (``reverse``: perms[x] ∘ images[s]).

    Returns ``(perms, None)``, or ``(None, clash)`` with clash = (y, word1, word2, perm1, perm2): the element y
    reached along two words whose images differ.
    """
    n = len(images[0])
    perms: dict[int, list[int]] = {G.identity: list(range(n))}
    words: dict[int, list[int]] = {G.identity: []}
    frontier = [G.identity]
    while frontier:
        fresh = []
        for x in frontier:
            for s, p in zip(gens, images):
                y = G.product(s, x)
                v = _compose(perms[x], p) if reverse else _compose(p, perms[x])
                if y not in perms:
                    perms[y], words[y] = v, [s, *words[x]]
                    fresh.append(y)
                elif perms[y] != v:
                    return None, (y, words[y], [s, *words[x]], perms[y], v)
        frontier = fresh
    return [perms[g] for g in G.elements], None


def _clash_text(G: FiniteGroup, clash: tuple) -> str:
    y, w1, w2, p1, p2 = clash
    if not w1:
        return (
            f"the word {_word(G, w2)} is the identity of {G.name}, but multiplying the images along it gives {p2}, "
            "not the identity permutation"
        )
    return (
        f"the words {_word(G, w1)} and {_word(G, w2)} are the same element {G.names[y]} of {G.name}, but multiplying "
        f"the images along them gives {p1} and {p2}"
    )


def _permutation_list(value: Any, where: str, order: int, n: int) -> list[list[int]]:
    """The learner's answer as |G| permutations of 0..n-1, or a clear complaint."""
    what = f"a list of {order} permutations of 0..{n - 1} (perms[g] for every label g of G), or None"
    if isinstance(value, np.ndarray):
        value = value.tolist()
    if not isinstance(value, (list, tuple)):
        raise ExerciseFailure(f"{where} you returned {_returned(value)}; return {what}")
    if len(value) != order:
        raise ExerciseFailure(f"{where} you returned a list of length {len(value)}, but G has {order} elements; return {what}")
    perms = []
    for g, p in enumerate(value):
        if isinstance(p, np.ndarray):
            p = p.tolist()
        if p is None:
            raise ExerciseFailure(
                f"{where} your list has None at label {g}: every element of G needs its permutation (walk on until "
                "no new element appears)"
            )
        if not isinstance(p, (list, tuple)) or not all(_is_label(x) for x in p):
            raise ExerciseFailure(f"{where} your perms[{g}] is {_returned(p)}; return {what}")
        p = [int(x) for x in p]
        if sorted(p) != list(range(n)):
            raise ExerciseFailure(f"{where} your perms[{g}] = {p} is not a permutation of 0..{n - 1}")
        perms.append(p)
    return perms


def _channel_cases() -> list[tuple[str, FiniteGroup, list[int], list[list[int]]]]:
    Z3, Z4, Z6 = cyclic(3), cyclic(4), cyclic(6)
    D3, D4, D6, Q8, S3, S4 = dihedral(3), dihedral(4), dihedral(6), quaternion(), symmetric(3), symmetric(4)
    D4b = D4.relabelled([3, 6, 0, 5, 1, 7, 2, 4], name="D4 relabelled (identity = label 3)")
    S4b = S4.relabelled([(5 * g + 7) % 24 for g in S4.elements], name="S4 relabelled (identity = label 7)")

    def lab(G: FiniteGroup, *names: str) -> list[int]:
        return [G.label(x) for x in names]

    # S4 on the three ways of splitting {0, 1, 2, 3} into two pairs
    splits = [frozenset({frozenset({0, 1}), frozenset({2, 3})}), frozenset({frozenset({0, 2}), frozenset({1, 3})}),
              frozenset({frozenset({0, 3}), frozenset({1, 2})})]  # fmt: skip

    def on_splits(G: FiniteGroup, g: int) -> list[int]:
        p = G.permutations.perms[g] if G.permutations is not None else S4.permutations.perms[S4.label(G.names[g])]
        return [splits.index(frozenset(frozenset(int(p[a]) for a in pair) for pair in split)) for split in splits]

    return [
        ("Z4 turning 4 orientation channels", Z4, [1], [[1, 2, 3, 0]]),
        ("Z6 on 3 channels, the generator ↦ a 3-cycle", Z6, [1], [[1, 2, 0]]),
        ("Z4 on 3 channels, the generator ↦ a 3-cycle", Z4, [1], [[1, 2, 0]]),
        ("D4 on the 4 corner channels of a square", D4, lab(D4, "r", "s"), [[1, 2, 3, 0], [0, 3, 2, 1]]),
        ("D4 with r ↦ a 4-cycle and s ↦ the transposition (0 1)", D4, lab(D4, "r", "s"), [[1, 2, 3, 0], [1, 0, 2, 3]]),
        ("D3 on 5 channels, r ↦ (0 1 2) and s ↦ (3 4)", D3, lab(D3, "r", "s"), [[1, 2, 0, 3, 4], [0, 1, 2, 4, 3]]),
        ("D4 relabelled (identity = label 3) on 2 axis channels (horizontal, vertical)", D4b, lab(D4b, "r", "s"),
         [[1, 0], [0, 1]]),  # fmt: skip
        ("D4 generated by the two mirrors s and r s, on the 4 corner channels", D4, lab(D4, "s", "r s"),
         [[0, 3, 2, 1], [1, 0, 3, 2]]),  # fmt: skip
        ("Q8 on 4 channels, i ↦ (0 1)(2 3) and j ↦ (0 2)(1 3)", Q8, lab(Q8, "i", "j"), [[1, 0, 3, 2], [2, 3, 0, 1]]),
        ("Q8 on 4 channels, i ↦ (0 1 2 3) and j ↦ (0 2)", Q8, lab(Q8, "i", "j"), [[1, 2, 3, 0], [2, 1, 0, 3]]),
        ("V4 on 3 channels, a ↦ (0 1) and b ↦ (1 2)", klein_four(), [1, 2], [[1, 0, 2], [0, 2, 1]]),
        ("S3 on 2 channels, both transpositions (0 1), (1 2) ↦ the swap", S3, lab(S3, "(0 1)", "(1 2)"), [[1, 0], [1, 0]]),
        ("S3 on 2 channels, (0 1) ↦ the identity and (0 1 2) ↦ the swap", S3, lab(S3, "(0 1)", "(0 1 2)"),
         [[0, 1], [1, 0]]),  # fmt: skip
        ("S4 relabelled (identity = label 7) on the 3 splittings of {0, 1, 2, 3} into pairs", S4b,
         lab(S4b, "(0 1)", "(0 1 2 3)"), [on_splits(S4b, S4b.label("(0 1)")), on_splits(S4b, S4b.label("(0 1 2 3)"))]),
        ("D6 on 6 channels with a redundant generator r^2 ↦ the square of r's image", D6, lab(D6, "r", "s", "r^2"),
         [[1, 2, 3, 4, 5, 0], [0, 5, 4, 3, 2, 1], [2, 3, 4, 5, 0, 1]]),  # fmt: skip
        ("D6 on 6 channels with a redundant generator r^2 ↦ the inverse of r's image", D6, lab(D6, "r", "s", "r^2"),
         [[1, 2, 3, 4, 5, 0], [0, 5, 4, 3, 2, 1], [5, 0, 1, 2, 3, 4]]),  # fmt: skip
        ("Z3 with its identity listed as a generator, e ↦ (0 1)", Z3, [0, 1], [[1, 0, 2], [1, 2, 0]]),
    ]


@checker("Exercise 3.7")
def check_channel_permutations(channel_permutations: Callable[[FiniteGroup, list[int], list[list[int]]], Any]) -> str:
    """Check ``channel_permutations(G, gens, images)``: the homomorphism G → S_n (perms[g] for every g) that sends
    each generator ``gens[i]`` to ``images[i]``, or None when there is none.

    Explained in Chapter 3 exercises, *Exercise 3.7 · Channel permutations from generators*.
    """
    cases = _channel_cases()
    for what, G, gens, images in cases:
        n = len(images[0])
        where = f"for {what} ({', '.join(f'{G.names[s]} ↦ {p}' for s, p in zip(gens, images))})"
        expected, clash = _extend_permutations(G, gens, images)
        got = _call(channel_permutations, where, G, list(gens), [list(p) for p in images])
        if got is None:
            if expected is None:
                continue
            hint = ""
            if _extend_permutations(G, gens, images, reverse=True)[0] is None:
                hint = (
                    ": composing in the other order, perms[x] ∘ images[s], makes a clash where there is none; the element "
                    "s·x acts as images[s] ∘ perms[x], that is perms[s·x][i] = images[s][perms[x][i]]"
                )
            divides = next(
                ((s, p) for s, p in zip(gens, images) if _perm_order(p) != G.element_order(s)), None
            )
            if divides is not None and not hint:
                s, p = divides
                hint = (
                    f": the order of an image need only divide the order of its generator ({G.names[s]} has order "
                    f"{G.element_order(s)}, its image {p} order {_perm_order(p)})"
                )
            shown = ", ".join(f"{G.names[g]} ↦ {expected[g]}" for g in G.elements[:8]) + (", …" if G.order > 8 else "")
            raise ExerciseFailure(
                f"{where} you returned None, but these images extend to a homomorphism: {shown}{hint}"
            )
        perms = _permutation_list(got, where, G.order, n)
        if expected is None:
            assert clash is not None
            orders_fine = all(G.element_order(s) % _perm_order(p) == 0 for s, p in zip(gens, images))
            why = (
                "; every image's order divides the order of its generator, yet the images break a relation between "
                "the generators"
                if orders_fine
                else ""
            )
            raise ExerciseFailure(
                f"{where} you returned a list, but no homomorphism sends the generators to these images: "
                f"{_clash_text(G, clash)}{why}. Return None"
            )
        if perms == expected:
            continue
        e = G.identity
        if perms[e] != list(range(n)):
            hint = ""
            if e != 0 and perms[0] == list(range(n)):
                hint = f" (the identity of G is label {e}, G.identity, not label 0)"
            raise ExerciseFailure(
                f"{where} your perms[{e}] for the identity of G is {perms[e]}, not the identity permutation{hint}"
            )
        for s, p in zip(gens, images):
            if perms[s] != list(p):
                raise ExerciseFailure(
                    f"{where} your perms[{s}] for the generator {G.names[s]} is {perms[s]}, but it must be the given "
                    f"image {list(p)}"
                )
        hint = ""
        if perms == _extend_permutations(G, gens, images, reverse=True)[0]:
            hint = (
                ": you composed in the wrong order (your list is a homomorphism of the opposite group); "
                "perms[a·b] = perms[a] ∘ perms[b] means perms[a·b][i] = perms[a][perms[b][i]], first b, then a"
            )
        for a, b in itertools.product(G.elements, repeat=2):
            ab = G.product(a, b)
            if perms[ab] != _compose(perms[a], perms[b]):
                raise ExerciseFailure(
                    f"{where} your list is not a homomorphism: perms[{ab}] for {parenthesise(G.names[a])}·"
                    f"{parenthesise(G.names[b])} = {G.names[ab]} is {perms[ab]}, but perms[{a}] ∘ perms[{b}] = "
                    f"{_compose(perms[a], perms[b])}{hint}"
                )
        raise ExerciseFailure(f"{where} you returned {perms}, expected {expected}")  # pragma: no cover - unique
    return f"all {len(cases)} generator images extended or refused correctly"


# ---------------------------------------------------------------------- 3.8
def _semidirect_z4_z4() -> FiniteGroup:
    """Z4 ⋊ Z4 = ⟨a, b | a⁴ = b⁴ = e, b a b⁻¹ = a⁻¹⟩: (x, y)·(u, v) = (x + (−1)^y u, y + v)."""
    pairs = [(x, y) for x in range(4) for y in range(4)]
    index = {p: i for i, p in enumerate(pairs)}
    table = [[index[((x + (-1) ** y * u) % 4, (y + v) % 4)] for (u, v) in pairs] for (x, y) in pairs]
    return FiniteGroup.from_table(table, [f"a^{x} b^{y}" for x, y in pairs], name="Z4⋊Z4")


def _shuffled(G: FiniteGroup, seed: int) -> FiniteGroup:
    perm = np.random.default_rng(seed).permutation(G.order).tolist()
    return G.relabelled(perm, name=f"{G.name} relabelled (identity = label {perm[G.identity]})")


def _isomorphism_cases() -> list[tuple[str, FiniteGroup, FiniteGroup]]:
    Z2, Z3, Z4 = cyclic(2), cyclic(3), cyclic(4)
    Q8, S3 = quaternion(), symmetric(3)
    Z2Q8 = direct_product(Z2, Q8)
    pairs = [
        (Z3, Z4),
        (Z4, klein_four()),
        (direct_product(Z2, Z3), cyclic(6)),
        (_shuffled(dihedral(3), 1), S3),
        (cyclic(6), S3),
        (dihedral(4), Q8),
        (_shuffled(Q8, 2), Q8),
        (dihedral(6), direct_product(Z2, S3)),
        (alternating(4), dihedral(6)),
        (direct_product(Z4, Z4), Z2Q8),
        (Z2Q8, _semidirect_z4_z4()),
        (Z2Q8, _shuffled(direct_product(Q8, Z2), 3)),
        (_shuffled(symmetric(4), 5), symmetric(4)),
    ]
    return [(f"G = {G.name}, H = {H.name}", G, H) for G, H in pairs]


@checker("Exercise 3.8")
def check_find_isomorphism(find_isomorphism_answer: Callable[[FiniteGroup, FiniteGroup], Any]) -> str:
    """Check ``find_isomorphism(G, H)``: a list ``phi`` that is an isomorphism G → H, or None when G ≇ H.

    Explained in Chapter 3 exercises, *Exercise 3.8 · Isomorphic or not?*
    """
    cases = _isomorphism_cases()
    for what, G, H in cases:
        where = f"for {what}"
        iso = find_isomorphism(G, H)
        got = _call(find_isomorphism_answer, where, G, H)
        if got is None:
            if iso is None:
                continue
            images = ", ".join(f"{G.names[g]} ↦ {H.names[iso(g)]}" for g in G.generators)
            hint = ""
            if G.order == H.order and G.identity != 0 and H.identity == 0:
                hint = f" (the identity of G is label {G.identity}, not 0)"
            raise ExerciseFailure(
                f"{where} you returned None, but G ≅ H: the generators of G can go to {images}, and that extends "
                f"to an isomorphism{hint}"
            )
        what_list = f"a list of {G.order} labels of H (phi[g] for every label g of G), or None"
        if isinstance(got, (set, frozenset, dict)):
            raise ExerciseFailure(f"{where} you returned {_returned(got)}; return {what_list}")
        phi = _labels(got, where, what_list)
        if len(phi) != G.order:
            raise ExerciseFailure(f"{where} you returned a list of length {len(phi)}, but G has {G.order} elements")
        bad = next((x for x in phi if not 0 <= x < H.order), None)
        if bad is not None:
            raise ExerciseFailure(f"{where} your list contains {bad}, which is not a label of H (0..{H.order - 1})")
        same = ""
        if iso is None and isomorphism_invariants(G) == isomorphism_invariants(H):
            same = (
                f"; {G.name} and {H.name} have the same order, element-order counts and class sizes, yet they are "
                "not isomorphic (equal invariants prove nothing): return None"
            )
        elif iso is None:
            same = "; in fact G and H are not isomorphic: return None"
        seen: dict[int, int] = {}
        for g, x in enumerate(phi):
            if x in seen:
                raise ExerciseFailure(
                    f"{where} your map is not one-to-one: {G.names[seen[x]]} and {G.names[g]} both go to {H.names[x]}{same}"
                )
            seen[x] = g
        if phi[G.identity] != H.identity:
            hint = ""
            if G.identity != 0 and phi[0] == H.identity:
                hint = f" (the identity of G is label {G.identity}, G.identity, not label 0)"
            raise ExerciseFailure(
                f"{where} your map sends the identity of G (label {G.identity}) to {H.names[phi[G.identity]]}, but a "
                f"homomorphism sends it to the identity of H (label {H.identity}){hint}{same}"
            )
        viol = _violations(_tbl(G), _tbl(H), phi)
        if viol:
            a, b = viol[0]
            ab = G.product(a, b)
            hint = ""
            tG, tH = np.asarray(_tbl(G)), np.asarray(_tbl(H))
            f = np.asarray(phi)
            if (f[tG] == tH[f[None, :], f[:, None]]).all():
                hint = (
                    " (your map reverses every product, φ(a·b) = φ(b)·φ(a): extend along s·x with "
                    "φ(s·x) = φ(s)·φ(x), in this order)"
                )
            wrong_order = next((g for g in G.elements if G.element_order(g) != H.element_order(phi[g])), None)
            if wrong_order is not None and not hint:
                g = wrong_order
                hint = (
                    f" (and it sends {G.names[g]}, of order {G.element_order(g)}, to {H.names[phi[g]]}, of order "
                    f"{H.element_order(phi[g])}: an isomorphism keeps orders)"
                )
            raise ExerciseFailure(
                f"{where} your map is a bijection but not a homomorphism: φ({parenthesise(G.names[a])}·"
                f"{parenthesise(G.names[b])}) = φ({G.names[ab]}) = {H.names[phi[ab]]}, but φ({G.names[a]})·"
                f"φ({G.names[b]}) = {parenthesise(H.names[phi[a]])}·{parenthesise(H.names[phi[b]])} = "
                f"{H.names[H.product(phi[a], phi[b])]}{hint}{same}"
            )
    isomorphic = sum(find_isomorphism(G, H) is not None for _, G, H in cases)
    return f"all {len(cases)} pairs decided: {isomorphic} isomorphisms found, {len(cases) - isomorphic} pairs refused"
