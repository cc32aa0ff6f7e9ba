"""The Chapter 3 checkers (homomorphism violations, kernels, signs, counting homomorphisms,
an explicit isomorphism, automorphisms of Z_n) reject planted wrong answers.
"""

from __future__ import annotations

import itertools
import math

from grouptools.exercises import ch03

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch03)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- the notebook's demonstration
def test_the_demonstration_fails_with_a_counterexample():
    def kernel_assuming_zero(G, H, phi):
        return [g for g in G.elements if phi[g] == 0]

    assert_fails("check_kernel", kernel_assuming_zero, "where the identity of Z2 is label 1", "the kernel is [0, 1, 2, 3]")


# ---------------------------------------------------------------------- 3.1
def test_first_violation_wrong_answers():
    def squares_only(table_G, table_H, phi):  # tests only the pairs (a, a)
        n = len(table_G)
        for a in range(n):
            if phi[table_G[a][a]] != table_H[phi[a]][phi[a]]:
                return (a, a)
        return None

    def columns_first(table_G, table_H, phi):
        n = len(table_G)
        for b, a in itertools.product(range(n), repeat=2):
            if phi[table_G[a][b]] != table_H[phi[a]][phi[b]]:
                return (a, b)
        return None

    def identity_only(table_G, table_H, phi):  # checks only that φ(e) is the identity, assumed label 0
        return None if phi[0] == 0 else (0, 0)

    def all_pairs(table_G, table_H, phi):
        n = len(table_G)
        pairs = [(a, b) for a, b in itertools.product(range(n), repeat=2) if phi[table_G[a][b]] != table_H[phi[a]][phi[b]]]
        return pairs or None

    def pairs_with_a_at_most_b(table_G, table_H, phi):  # each unordered pair once, as if G were abelian
        n = len(table_G)
        for a in range(n):
            for b in range(a, n):
                if phi[table_G[a][b]] != table_H[phi[a]][phi[b]]:
                    return (a, b)
        return None

    def multiplied_in_the_wrong_order(table_G, table_H, phi):  # φ(b)·φ(a): right only when H is abelian
        n = len(table_G)
        for a, b in itertools.product(range(n), repeat=2):
            if phi[table_G[a][b]] != table_H[phi[b]][phi[a]]:
                return (a, b)
        return None

    name = "check_first_violation"
    assert_fails(
        name,
        pairs_with_a_at_most_b,
        "for the map S3 → Z2 given by [0, 0, 0, 1, 0, 1]",
        "you returned (2, 3), which violates the rule, but (2, 1) comes earlier",
        "the pairs with b < a count too",
    )
    assert_fails(
        name,
        multiplied_in_the_wrong_order,
        "for the map S3 → S3, g ↦ g⁻¹ (phi = [0, 1, 2, 4, 3, 5]) you returned None",
        "φ(1·2) = φ(4) = 3 and φ(1)·φ(2) = 1·2 = 4",
    )
    assert_fails(
        name,
        lambda tG, tH, phi: None,
        "for Z4 → Z3, g ↦ g mod 3 (phi = [0, 1, 2, 0]) you returned None",
        "for (a, b) = (1, 3), φ(1·3) = φ(0) = 0 and φ(1)·φ(3) = 1·0 = 1",
    )
    assert_fails(name, columns_first, "you returned (3, 1), which violates the rule, but (1, 3) comes earlier")
    assert_fails(name, identity_only, "Z4 → Z3", "you returned None, but φ is not a homomorphism")
    assert_fails(name, all_pairs, "return a pair (a, b) of labels, or None")
    assert_fails(name, squares_only, "you returned (2, 2), which violates the rule, but (1, 3) comes earlier")
    assert_fails(name, lambda tG, tH, phi: (0, 0), "Z6 → Z3", "you returned (0, 0), but φ is a homomorphism", "return None")


def test_first_violation_names_a_pair_that_is_fine(solutions):
    def guesses(table_G, table_H, phi):  # right about whether φ fails, wrong about where
        return None if solutions["first_violation"](table_G, table_H, phi) is None else (0, 1)

    assert_fails(
        "check_first_violation",
        guesses,
        "Z4 → Z3",
        "you returned (0, 1), but that pair is fine: φ(0·1) = φ(1) = 1 and φ(0)·φ(1) = 0·1 = 1",
        "The first violating pair is (1, 3)",
    )


# ---------------------------------------------------------------------- 3.2
def test_kernel_wrong_answers():
    def image(G, H, phi):
        return sorted(set(phi))

    def confuses_identities(G, H, phi):  # compares with the identity of G instead of H
        return [g for g in G.elements if phi[g] == G.identity]

    def non_kernel(G, H, phi):
        return [g for g in G.elements if phi[g] != H.identity]

    def with_repeats(G, H, phi):
        return [g for g in G.elements for _ in range(2) if phi[g] == H.identity]

    def compares_with_the_image_of_label_0(G, H, phi):  # φ(0), as if label 0 were the identity of G
        return [g for g in G.elements if phi[g] == phi[0]]

    name = "check_kernel"
    assert_fails(
        name,
        compares_with_the_image_of_label_0,
        "for the map r^k s^j ↦ k mod 2 on a relabelled D4",
        "you returned [0, 2, 4, 6], but 0 (r^3) is not in the kernel",
        "you compared with φ(0), the image of label 0 = r^3; the identity of G is label 5",
    )
    assert_fails(name, image, "for flip: D4 → Z2 (rotations ↦ 0, reflections ↦ 1) you returned [0, 1]", "2 (r^2) is in the kernel")
    assert_fails(
        name,
        confuses_identities,
        "where the identity of Z2 is label 1 you returned [4, 5, 6, 7]",
        "4 (s) is not in the kernel",
        "the kernel is [0, 1, 2, 3]",
    )
    assert_fails(name, non_kernel, "flip: D4 → Z2 (rotations ↦ 0, reflections ↦ 1) you returned [4, 5, 6, 7]")
    assert_fails(name, with_repeats, "which repeats elements")
    assert_fails(name, lambda G, H, phi: [G.identity], "for flip: D4 → Z2", "1 (r) is in the kernel")
    assert_fails(name, lambda G, H, phi: {g: 0 for g in G.elements}, "you returned a dict")


def test_kernel_accepts_a_set():
    assert run("check_kernel", lambda G, H, phi: {g for g in G.elements if phi[g] == H.identity}).passed


# ---------------------------------------------------------------------- 3.3
def _cycle_count(perm):
    seen, c = set(), 0
    for i in range(len(perm)):
        if i not in seen:
            c += 1
            while i not in seen:
                seen.add(i)
                i = perm[i]
    return c


def test_sign_wrong_answers():
    def cycles_only(perm):  # (-1)^c instead of (-1)^(n - c)
        return (-1) ** _cycle_count(perm)

    def nontrivial_cycles(perm):  # (-1)^(number of cycles of length ≥ 2)
        fixed = sum(1 for i, x in enumerate(perm) if i == x)
        return (-1) ** (_cycle_count(perm) - fixed)

    def moved_points(perm):
        return (-1) ** sum(1 for i, x in enumerate(perm) if i != x)

    def as_bool(perm):
        return (len(perm) - _cycle_count(perm)) % 2 == 0

    def zero_one(perm):
        return (len(perm) - _cycle_count(perm)) % 2

    def adjacent_descents(perm):  # counts perm[i] > perm[i + 1], not all inversions
        return (-1) ** sum(perm[i] > perm[i + 1] for i in range(len(perm) - 1))

    name = "check_sign"
    assert_fails(name, adjacent_descents, "for the permutation [1, 2, 0] you returned -1, expected 1", "2 inversions")
    assert_fails(name, cycles_only, "for the permutation [0] you returned -1, expected 1", "n − c = 1 − 1 = 0")
    assert_fails(
        name,
        nontrivial_cycles,
        "for the permutation [1, 2, 0] you returned -1, expected 1",
        "(0 1 2)",
        "n − c = 3 − 1 = 2",
        "2 inversions",
    )
    assert_fails(name, moved_points, "for the permutation [1, 0] you returned 1, expected -1", "1 inversion")
    assert_fails(name, as_bool, "you returned True; return the integer 1 or -1")
    assert_fails(name, zero_one, "for the permutation [] you returned 0; return the integer 1 or -1")
    assert_fails(name, lambda perm: 1, "for the permutation [1, 0] you returned 1, expected -1")


# ---------------------------------------------------------------------- 3.4
def test_count_homomorphisms_wrong_answers():
    def injective_only(m, n):
        return sum(1 for k in range(n) if (m * k) % n == 0 and len({k * x % n for x in range(m)}) == m)

    def units(m, n):
        return sum(1 for k in range(n) if math.gcd(k, n) == 1)

    def condition_reversed(m, n):  # n·k ≡ 0 (mod m) instead of m·k ≡ 0 (mod n)
        return sum(1 for k in range(n) if (n * k) % m == 0)

    def k_below_m(m, n):  # k runs over Z_m, the source, instead of Z_n
        return sum(1 for k in range(m) if (m * k) % n == 0)

    name = "check_count_homomorphisms"
    assert_fails(name, condition_reversed, "for m = 4, n = 6 you returned 3, expected 2", "4·k ≡ 0 (mod 6)")
    assert_fails(name, k_below_m, "for m = 6, n = 4 you returned 3, expected 2", "i.e. k ∈ {0, 2}")
    assert_fails(name, lambda m, n: min(m, n), "for m = 4, n = 6 you returned 4, expected 2", "k ∈ {0, 3}")
    assert_fails(name, lambda m, n: n, "for m = 4, n = 6 you returned 6, expected 2", "4·k ≡ 0 (mod 6)")
    assert_fails(name, lambda m, n: math.lcm(m, n), "for m = 4, n = 6 you returned 12, expected 2")
    assert_fails(name, injective_only, "for m = 4, n = 6 you returned 0, expected 2")
    assert_fails(name, units, "for m = 5, n = 7 you returned 6, expected 1", "k ∈ {0}")
    assert_fails(name, lambda m, n: float(math.gcd(m, n)), "you returned 1.0; return an integer")


# ---------------------------------------------------------------------- 3.5
def test_product_to_cyclic_wrong_answers():
    def labels(m, n):
        return list(range(m * n))

    def add(m, n):
        return [(a + b) % (m * n) for a in range(m) for b in range(n)]

    def columns_first(m, n):  # the right values, indexed as b * m + a
        return [(a * n + b * m) % (m * n) for b in range(n) for a in range(m)]

    def too_short(m, n):
        return [(a * n + b * m) % (m * n) for a in range(m) for b in range(n)][:-1]

    def multipliers_swapped(m, n):  # (a, b) ↦ am + bn: not even a well-defined homomorphism
        return [(a * m + b * n) % (m * n) for a in range(m) for b in range(n)]

    name = "check_product_to_cyclic"
    assert_fails(name, multipliers_swapped, "for m = 2, n = 3 your map is not one-to-one: (0, 0) and (0, 2) both go to 0")
    assert_fails(
        name,
        labels,
        "for m = 2, n = 3 your map is not a homomorphism: (0, 1) + (0, 2) = (0, 0) goes to 0, but 1 + 2 ≡ 3 (mod 6)",
    )
    assert_fails(name, add, "for m = 2, n = 3 your map is not one-to-one: (0, 1) and (1, 0) both go to 1")
    assert_fails(name, columns_first, "for m = 2, n = 3 your map is not a homomorphism")
    assert_fails(name, too_short, "you returned a list of length 5, but Z2×Z3 has 6 elements")
    assert_fails(name, lambda m, n: [x + 1 for x in range(m * n)], "your list contains 6, which is not a label of Z6")


def test_product_to_cyclic_accepts_the_chinese_remainder_map():
    def crt(m, n):
        return [next(x for x in range(m * n) if x % m == a and x % n == b) for a in range(m) for b in range(n)]

    assert run("check_product_to_cyclic", crt).passed


# ---------------------------------------------------------------------- 3.6
def test_automorphism_multipliers_wrong_answers():
    def nonzero(n):
        return list(range(1, n))

    def primes(n):
        return [k for k in range(2, n) if all(k % p for p in range(2, k)) and n % k]

    def unsorted(n):
        return sorted((k for k in range(n) if math.gcd(k, n) == 1), reverse=True)

    def zero_too(n):
        return [k for k in range(n) if math.gcd(k, n) == 1 or k == 0]

    def generator_not_killed(n):  # k·1 ≠ 0, i.e. k ≠ 0: tests one element, not the whole kernel
        return [k for k in range(n) if k % n != 0] if n > 1 else [0]

    def odd_multipliers(n):  # the units mod 8, 16, …, taken for the rule
        return [k for k in range(n) if k % 2 == 1] or [0]

    name = "check_automorphism_multipliers"
    assert_fails(
        name, generator_not_killed, "for n = 4 you returned [1, 2, 3], but x ↦ 2x is not one-to-one on Z4: it sends both 0 and 2 to 0"
    )
    assert_fails(name, odd_multipliers, "for n = 3 you returned [1], but 2 is missing", "undone by x ↦ 2x")
    assert_fails(name, nonzero, "for n = 1 you returned []", "Z1 = {0} has one automorphism", "return [0]")
    assert_fails(name, zero_too, "for n = 2 you returned [0, 1], but x ↦ 0x is not one-to-one on Z2: it sends both 0 and 1 to 0")
    assert_fails(
        name,
        lambda n: nonzero(n) if n > 1 else [0],
        "for n = 4 you returned [1, 2, 3], but x ↦ 2x is not one-to-one on Z4: it sends both 0 and 2 to 0",
    )
    assert_fails(
        name,
        lambda n: primes(n) if n > 1 else [0],
        "for n = 2 you returned [], but 1 is missing: x ↦ 1x is an automorphism of Z2",
    )
    assert_fails(
        name,
        lambda n: unsorted(n) if n > 1 else [0],
        "for n = 3 you returned [2, 1]; return each k once, in increasing order: [1, 2]",
    )
