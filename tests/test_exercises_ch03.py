"""The Chapter 3 checkers (homomorphism violations, kernels, signs, counting homomorphisms,
an explicit isomorphism, automorphisms of Z_n, channel permutations from generators, isomorphism
search) reject planted wrong answers and accept correct alternatives.
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


# ---------------------------------------------------------------------- 3.7
def _walk(G, gens, images, *, start=None, check=True, reverse=False, layers=None):
    """A learner's walk from the identity (or from ``start``): perms[s·x] = images[s] ∘ perms[x].

    ``check=False`` keeps the first permutation found for each element; ``reverse`` composes perms[x] ∘ images[s];
    ``layers`` stops the walk after that many layers.
    """
    n = len(images[0])
    e = G.identity if start is None else start
    perms, frontier, depth = {e: list(range(n))}, [e], 0
    while frontier and (layers is None or depth < layers):
        new = []
        for x in frontier:
            for s, p in zip(gens, images):
                y = G.product(s, x)
                image = [perms[x][p[i]] for i in range(n)] if reverse else [p[perms[x][i]] for i in range(n)]
                if y not in perms:
                    perms[y] = image
                    new.append(y)
                elif check and perms[y] != image:
                    return None
        frontier, depth = new, depth + 1
    return [perms.get(g) for g in G.elements]


def _order(p):
    k, q = 1, list(p)
    while q != sorted(q):
        q, k = [p[i] for i in q], k + 1
    return k


def test_channel_permutations_wrong_answers(solutions):
    assert run("check_channel_permutations", solutions["channel_permutations"]).passed

    def orders_only(G, gens, images):  # each image's order divides its generator's; then no check at all
        if any(G.element_order(s) % _order(p) for s, p in zip(gens, images)):
            return None
        return _walk(G, gens, images, check=False)

    def orders_equal(G, gens, images):  # demands equal orders: refuses maps that are not one-to-one
        if any(G.element_order(s) != _order(p) for s, p in zip(gens, images)):
            return None
        return _walk(G, gens, images)

    def first_arrival_wins(G, gens, images):
        return _walk(G, gens, images, check=False)

    def identity_at_label_0(G, gens, images):
        return _walk(G, gens, images, start=0)

    def composed_the_other_way(G, gens, images):  # perms[s·x] = perms[x] ∘ images[s]
        return _walk(G, gens, images, reverse=True)

    def two_generators_only(G, gens, images):  # a generator beyond what is needed is never checked
        return _walk(G, gens[:2], images[:2])

    def one_layer(G, gens, images):  # the generators applied once to e: not every element is reached
        return _walk(G, gens, images, layers=1)

    def own_generators(G, gens, images):  # G.generators with the images given for gens
        return _walk(G, G.generators, images)

    name = "check_channel_permutations"
    assert_fails(
        name,
        orders_only,
        "for D4 with r ↦ a 4-cycle and s ↦ the transposition (0 1)",
        "you returned a list, but no homomorphism sends the generators to these images",
        "the words s and r·s·r are the same element s of D4",
        "every image's order divides the order of its generator, yet the images break a relation",
        "Return None",
    )
    assert_fails(
        name,
        orders_equal,
        "for Z6 on 3 channels, the generator ↦ a 3-cycle (1 ↦ [1, 2, 0]) you returned None",
        "these images extend to a homomorphism",
        "the order of an image need only divide the order of its generator (1 has order 6, its image [1, 2, 0] order 3)",
    )
    assert_fails(
        name,
        first_arrival_wins,
        "for Z4 on 3 channels, the generator ↦ a 3-cycle",
        "the word 1·1·1·1 is the identity of Z4, but multiplying the images along it gives [1, 2, 0]",
    )
    assert_fails(
        name,
        identity_at_label_0,
        "for S4 relabelled (identity = label 7) on the 3 splittings",
        "your perms[7] for the identity of G is [1, 0, 2], not the identity permutation",
        "the identity of G is label 7, G.identity, not label 0",
    )
    assert_fails(
        name,
        composed_the_other_way,
        "for D4 on the 4 corner channels of a square",
        "your list is not a homomorphism: perms[5] for r·s = r s is [3, 2, 1, 0]",
        "you composed in the wrong order",
    )
    assert_fails(
        name,
        two_generators_only,
        "for D6 on 6 channels with a redundant generator r^2 ↦ the inverse of r's image",
        "the words r^2 and r·r are the same element r^2 of D6",
    )
    assert_fails(name, one_layer, "for Z4 turning 4 orientation channels", "your list has None at label 2")
    assert_fails(
        name,
        own_generators,
        "for D4 generated by the two mirrors s and r s, on the 4 corner channels",
        "you returned None, but these images extend to a homomorphism",
    )
    assert_fails(
        name,
        lambda G, gens, images: {s: p for s, p in zip(gens, images)},
        "you returned {1: [1, 2, 3, 0]}; return a list of 4 permutations of 0..3",
    )
    assert_fails(name, lambda G, gens, images: [list(range(len(images[0])))] * 3, "you returned a list of length 3")


def test_channel_permutations_catch_the_identity_as_a_generator(solutions):
    def trusts_the_identity(G, gens, images):  # skips a generator that is the identity of G
        kept = [(s, p) for s, p in zip(gens, images) if s != G.identity]
        return solutions["channel_permutations"](G, [s for s, _ in kept], [p for _, p in kept])

    assert_fails(
        "check_channel_permutations",
        trusts_the_identity,
        "for Z3 with its identity listed as a generator, e ↦ (0 1)",
        "the word 0 is the identity of Z3, but multiplying the images along it gives [1, 0, 2]",
    )


def test_channel_permutations_accept_arrays_and_a_right_walk(solutions):
    import numpy as np

    def as_arrays(G, gens, images):
        perms = solutions["channel_permutations"](G, gens, images)
        return None if perms is None else np.array(perms)

    def right_walk(G, gens, images):  # x → x·s with perms[x·s] = perms[x] ∘ images[s]: also right
        n = len(images[0])
        perms, frontier = {G.identity: list(range(n))}, [G.identity]
        while frontier:
            new = []
            for x in frontier:
                for s, p in zip(gens, images):
                    y, image = G.product(x, s), [perms[x][p[i]] for i in range(n)]
                    if y not in perms:
                        perms[y] = image
                        new.append(y)
                    elif perms[y] != image:
                        return None
            frontier = new
        return [perms[g] for g in G.elements]

    assert run("check_channel_permutations", as_arrays).passed
    assert run("check_channel_permutations", right_walk).passed


def test_the_channel_cases_are_what_they_say():
    for what, G, gens, images in ch03._channel_cases():
        assert len(G.closure(gens)) == G.order, what
        perms, clash = ch03._extend_permutations(G, gens, images)
        if perms is not None:  # a homomorphism, checked on every pair
            for a, b in itertools.product(G.elements, repeat=2):
                assert perms[G.product(a, b)] == [perms[a][perms[b][i]] for i in range(len(images[0]))], what
        else:
            assert clash is not None, what


# ---------------------------------------------------------------------- 3.8
def _extend(G, H, gens, images, *, start=None, check=True, reverse=False):
    e = G.identity if start is None else start
    phi, frontier = {e: H.identity if start is None else 0}, [e]
    while frontier:
        new = []
        for x in frontier:
            for s, t in zip(gens, images):
                y = G.product(s, x)
                v = H.product(phi[x], t) if reverse else H.product(t, phi[x])
                if y not in phi:
                    phi[y] = v
                    new.append(y)
                elif check and phi[y] != v:
                    return None
        frontier = new
    return [phi[g] for g in G.elements]


def _search(G, H, *, same_order=True, injective=True, **extend):
    """A learner's search over images of G.generators; the keywords plant the slips."""
    if G.order != H.order:
        return None
    if same_order:
        candidates = [[h for h in H.elements if H.element_order(h) == G.element_order(g)] for g in G.generators]
    else:  # orders that divide: homomorphisms, not only isomorphisms
        candidates = [[h for h in H.elements if G.element_order(g) % H.element_order(h) == 0] for g in G.generators]
    for images in itertools.product(*candidates):
        phi = _extend(G, H, G.generators, images, **extend)
        if phi is not None and (not injective or len(set(phi)) == G.order):
            return phi
    return None


def _by_order(G, H):
    """The bijection that matches elements sorted by order, when the order counts agree."""
    if sorted(G.element_orders().tolist()) != sorted(H.element_orders().tolist()):
        return None
    phi = [0] * G.order
    for g, h in zip(sorted(G.elements, key=G.element_order), sorted(H.elements, key=H.element_order)):
        phi[g] = h
    return phi


def test_find_isomorphism_wrong_answers(solutions):
    from grouptools import homomorphisms as hm

    assert run("check_find_isomorphism", solutions["find_isomorphism"]).passed

    def invariants_decide(G, H):  # trusts equal invariants when the search comes back empty
        if hm.isomorphism_invariants(G) != hm.isomorphism_invariants(H):
            return None
        return solutions["find_isomorphism"](G, H) or _by_order(G, H)

    def generators_to_generators(G, H):  # no search: the i-th generator of G to the i-th of H
        if G.order != H.order or len(G.generators) != len(H.generators):
            return None
        phi = _extend(G, H, G.generators, H.generators)
        return phi if phi is not None and len(set(phi)) == G.order else None

    name = "check_find_isomorphism"
    assert_fails(
        name,
        lambda G, H: list(range(G.order)) if G.order == H.order else None,
        "for G = Z4, H = V4 your map is a bijection but not a homomorphism: φ(1·1) = φ(2) = b, but φ(1)·φ(1) = a·a = e",
        "it sends 1, of order 4, to a, of order 2: an isomorphism keeps orders",
        "in fact G and H are not isomorphic: return None",
    )
    assert_fails(name, _by_order, "for G = Z2×Z3, H = Z6 your map is a bijection but not a homomorphism")
    assert_fails(
        name,
        invariants_decide,
        "for G = Z2×Q8, H = Z4⋊Z4 your map is a bijection but not a homomorphism",
        "have the same order, element-order counts and class sizes, yet they are not isomorphic",
        "equal invariants prove nothing",
    )
    assert_fails(
        name,
        lambda G, H: _search(G, H, check=False),  # extends without checking the clashes
        "for G = Z2×Q8, H = Z4⋊Z4 your map is a bijection but not a homomorphism",
        "equal invariants prove nothing",
    )
    assert_fails(
        name,
        lambda G, H: _search(G, H, same_order=False, injective=False),  # the first homomorphism, not an isomorphism
        "for G = Z4, H = V4 your map is not one-to-one: 0 and 1 both go to e",
    )
    assert_fails(
        name,
        lambda G, H: _search(G, H, start=0),  # the walk starts at label 0, sent to label 0
        "for G = D3 relabelled (identity = label 4), H = S3 your map sends the identity of G (label 4) to (0 2 1)",
        "the identity of G is label 4, G.identity, not label 0",
    )
    assert_fails(
        name,
        lambda G, H: _search(G, H, reverse=True),  # φ(s·x) = φ(x)·φ(s)
        "for G = D3 relabelled (identity = label 4), H = S3 your map is a bijection but not a homomorphism",
        "your map reverses every product, φ(a·b) = φ(b)·φ(a)",
    )
    assert_fails(
        name,
        generators_to_generators,
        "for G = Z2×Z3, H = Z6 you returned None, but G ≅ H",
        "(1, 0) ↦ 3, (0, 1) ↦ 2",
    )
    assert_fails(name, lambda G, H: set(range(G.order)), "for G = Z3, H = Z4 you returned {0, 1, 2}; return a list")
    assert_fails(name, lambda G, H: [H.identity] * (G.order - 1), "you returned a list of length 2, but G has 3 elements")


def test_find_isomorphism_by_trying_all_bijections_runs_out_of_time():
    import grouptools as gt

    def every_bijection(G, H):  # correct, and hopeless from order 12 on (12! ≈ 5·10⁸ bijections)
        if G.order != H.order:
            return None
        tG, tH = G.table.tolist(), H.table.tolist()
        for phi in itertools.permutations(H.elements):
            if all(phi[tG[a][b]] == tH[phi[a]][phi[b]] for a in G.elements for b in G.elements):
                return list(phi)
        return None

    gt.exercises.set_time_limit(2)
    try:
        assert_fails("check_find_isomorphism", every_bijection, "ran longer than 2 s")
    finally:
        gt.exercises.set_time_limit(30)


def test_find_isomorphism_accepts_every_isomorphism(solutions):
    from grouptools import homomorphisms as hm

    def last_isomorphism(G, H):  # another isomorphism than the solution's, where there are several
        found = list(hm.all_isomorphisms(G, H))
        return found[-1].images.tolist() if found else None

    assert run("check_find_isomorphism", last_isomorphism).passed
    assert run("check_find_isomorphism", lambda G, H: tuple(solutions["find_isomorphism"](G, H) or ()) or None).passed


def test_the_isomorphism_cases_include_a_pair_that_every_invariant_misses():
    from grouptools import homomorphisms as hm

    cases = ch03._isomorphism_cases()
    twins = [
        (G, H) for _, G, H in cases if hm.isomorphism_invariants(G) == hm.isomorphism_invariants(H) and not hm.are_isomorphic(G, H)
    ]
    assert [(G.name, H.name) for G, H in twins] == [("Z2×Q8", "Z4⋊Z4")]
    assert any(G.identity != 0 for _, G, _ in cases) and any(H.identity != 0 for _, _, H in cases)
    assert max(G.order for _, G, _ in cases) == 24
