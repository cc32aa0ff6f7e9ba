"""The Chapter 2 checkers (subgroups, generated subgroups, cosets, normality, conjugacy classes,
the centre, quotient tables, polyphase components of a strided layer, subgroups up to conjugacy)
reject planted wrong answers, and the library's answers pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import grouptools as gt
from grouptools import subgroups as sg
from grouptools.conjugacy import centre, conjugacy_classes
from grouptools.exercises import ch02

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch02)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- the checkers' own inputs and a second opinion
def test_the_relabelled_group_does_not_have_identity_zero():
    R = ch02.relabelled_d4()
    assert R.identity == 5 and R.names[R.identity] == "e" and R.names[0] == "r^3"
    assert gt.homomorphisms.are_isomorphic(R, gt.dihedral(4))


def _polyphase_by_search(n, k, s):
    """The pairs (r′, t) found by trying them all on the signal x = [0, 1, …, n − 1] with np.roll."""
    d = math.gcd(n, k)
    x = np.arange(n)

    def component(y, r):
        return y[(r + k * np.arange(n // d)) % n]

    shifted = np.roll(x, s)
    return np.array([
        next((r2, t) for r2 in range(d) for t in range(n // d) if (component(shifted, r) == np.roll(component(x, r2), t)).all())
        for r in range(d)
    ])  # a numpy array of pairs is accepted


def _subgroup_classes_by_library(G):
    """gt.subgroups.all_subgroups, grouped by gt.subgroups.conjugate_subgroup; classes as sets of tuples."""
    classes, placed = [], set()
    for H in sg.all_subgroups(G):
        if tuple(H) not in placed:
            members = {tuple(sg.conjugate_subgroup(G, g, H)) for g in G.elements}
            placed |= members
            classes.append(members)
    return classes[::-1]  # any order


@pytest.mark.parametrize("checker_name", ch02.__all__)
def test_the_library_itself_passes(checker_name):
    """A second opinion: answers computed with gt.subgroups / gt.conjugacy pass every checker."""
    by_library = {
        "check_is_subgroup": sg.is_subgroup,
        "check_generated_subgroup": sg.generated_subgroup,
        "check_left_cosets": sg.left_cosets,
        "check_normality_witness": sg.normality_witness,
        "check_conjugacy_class": lambda G, x: next(c for c in conjugacy_classes(G) if x in c),
        "check_centre": centre,
        "check_quotient_table": lambda G, N: sg.quotient_group(G, N).table,  # a numpy array is accepted
        "check_polyphase_shift": _polyphase_by_search,
        "check_subgroup_classes": _subgroup_classes_by_library,
    }
    assert run(checker_name, by_library[checker_name]).passed


# ---------------------------------------------------------------------- 2.1
def test_is_subgroup_wrong_answers():
    def no_closure(G, H):
        H = set(H)
        return G.identity in H and all(G.inverse(a) in H for a in H)

    def zero_is_identity(G, H):
        H = set(H)
        return 0 in H and all(G.product(a, b) in H for a in H for b in H)

    def forgets_empty(G, H):
        H = set(H)
        return all(G.product(a, b) in H for a in H for b in H)

    def squares_only(G, H):
        H = set(H)
        return G.identity in H and all(G.product(a, a) in H and G.inverse(a) in H for a in H)

    name = "check_is_subgroup"
    assert_fails(
        name,
        no_closure,
        "for D4 and H = {e, r, r^3} (labels [0, 1, 3]) you returned True",
        "it is not closed: r·r = r^2 (label 2) is not in H",
    )
    assert_fails(
        name,
        zero_is_identity,
        "for a relabelled D4 (identity = label 5) and H = {e, r^2} (labels [5, 7]) you returned False",
        "but H is a subgroup",
    )
    assert_fails(name, forgets_empty, "for D4 and H = {} you returned True", "the empty set is not a subgroup")
    assert_fails(name, squares_only, "H = {e, s, r s} (labels [0, 4, 5]) you returned True", "s·r s = r^3 (label 3)")
    assert_fails(name, lambda G, H: len(H), "you returned 1; return True or False")


def test_is_subgroup_names_the_missing_identity():
    def closed_only(G, H):
        H = set(H)
        return len(H) > 0 and all(G.product(a, b) in H for a in H for b in H) or H == {0}

    assert_fails(
        "check_is_subgroup",
        closed_only,
        "relabelled D4 (identity = label 5) and H = {r^3} (labels [0]) you returned True",
        "the identity e (label 5) is not in H",
    )


# ---------------------------------------------------------------------- 2.2
def test_generated_subgroup_wrong_answers():
    def union_of_cyclic(G, gens):
        out = {G.identity}
        for g in gens:
            x = g
            while x not in out:
                out.add(x)
                x = G.product(x, g)
        return sorted(out)

    def starts_at_zero(G, gens):
        found, frontier = {0}, [0]
        while frontier:
            fresh = []
            for x in frontier:
                for g in gens:
                    y = G.product(x, g)
                    if y not in found:
                        found.add(y)
                        fresh.append(y)
            frontier = fresh
        return sorted(found)

    def one_round(G, gens):
        return sorted({G.identity, *gens, *(G.product(a, b) for a in gens for b in gens)})

    name = "check_generated_subgroup"
    assert_fails(
        name,
        union_of_cyclic,
        "for D4 and gens = [1, 4] (⟨r (label 1), s (label 4)⟩) you returned [0, 1, 2, 3, 4]",
        "but r s (label 5) = r·s is in the subgroup",
    )
    assert_fails(
        name,
        starts_at_zero,
        "relabelled D4 (identity = label 5) and gens = [] (⟨⟩) you returned [0]",
        "e (label 5) = the empty product is in the subgroup; ⟨gens⟩ = {e} (labels [5])",
    )
    assert_fails(name, one_round, "you returned [0, 1, 2], but r^3 (label 3) = r·r·r is in the subgroup")
    assert_fails(
        name,
        lambda G, gens: sg.generated_subgroup(G, gens)[::-1],
        "you returned [3, 2, 1, 0]: the right elements, but return them sorted, [0, 1, 2, 3]",
    )
    assert_fails(
        name,
        lambda G, gens: sg.generated_subgroup(G, gens) + [G.identity],
        "which lists 0 twice",
    )
    assert_fails(
        name,
        lambda G, gens: G.elements,
        "for D4 and gens = [1] (⟨r (label 1)⟩) you returned [0, 1, 2, 3, 4, 5, 6, 7], "
        "but s (label 4) is not a product of the generators; ⟨gens⟩ = {e, r, r^2, r^3}",
    )


def test_generated_subgroup_accepts_sets_and_arrays(solutions):
    assert run("check_generated_subgroup", lambda G, gens: set(solutions["generated_subgroup"](G, gens))).passed
    assert run("check_generated_subgroup", lambda G, gens: np.array(sg.generated_subgroup(G, gens))).passed


# ---------------------------------------------------------------------- 2.3
def test_left_cosets_wrong_answers():
    def right_cosets(G, H):
        cosets, placed = [], set()
        for g in G.elements:
            if g not in placed:
                coset = sorted({G.product(h, g) for h in H})
                cosets.append(coset)
                placed.update(coset)
        return cosets

    def identity_coset_first(G, H):
        cosets = sg.left_cosets(G, H)
        k = next(i for i, c in enumerate(cosets) if G.identity in c)
        return [cosets[k]] + cosets[:k] + cosets[k + 1 :]

    def one_per_element(G, H):
        return [sorted({G.product(g, h) for h in H}) for g in G.elements]

    def unsorted_cosets(G, H):
        cosets, placed = [], set()
        for g in G.elements:
            if g not in placed:
                coset = [G.product(g, h) for h in H]
                cosets.append(coset)
                placed.update(coset)
        return cosets

    name = "check_left_cosets"
    assert_fails(
        name,
        right_cosets,
        "for D4 and H = {e, s} (labels [0, 4]) you returned the coset [1, 7], but it is not a left coset",
        "is gH = {r, r s} (labels [1, 5])",
        "Your [1, 7] is the right coset Hg",
    )
    assert_fails(
        name,
        identity_coset_first,
        "relabelled D4 (identity = label 5) and H = {e, r s} (labels [5, 6])",
        "their smallest labels come in the order [5, 0, 1, 4]",
        "[[0, 3], [1, 2], [4, 7], [5, 6]]",
    )
    assert_fails(name, one_per_element, "for D4 and H = {e, r^2} (labels [0, 2]) you returned the coset [0, 2] twice")
    assert_fails(name, unsorted_cosets, "your coset [7, 5, 0, 2] has the right elements, but sort it: [0, 2, 5, 7]")
    assert_fails(
        name,
        lambda G, H: sg.left_cosets(G, H)[:1],
        "for D4 and H = {e, r^2} (labels [0, 2]) you returned [[0, 2]], which misses the coset of r (label 1)",
        "there are [G : H] = 4 cosets",
    )
    assert_fails(name, lambda G, H: H, "return a list of cosets")


# ---------------------------------------------------------------------- 2.4
def test_normality_witness_wrong_answers():
    def commutes(G, N):
        for g in G.elements:
            for n in N:
                if G.product(g, n) != G.product(n, g):
                    return (g, n)
        return None

    def conjugates_inside_n_only(G, N):
        for g in N:
            for n in N:
                if G.product(g, n, G.inverse(g)) not in N:
                    return (g, n)
        return None

    def returns_the_conjugate(G, N):
        for g in G.elements:
            for n in N:
                c = G.product(g, n, G.inverse(g))
                if c not in N:
                    return (g, c)
        return None

    def swapped_pair(G, N):  # (n, g) instead of (g, n)
        for g in G.elements:
            for n in N:
                if G.product(g, n, G.inverse(g)) not in N:
                    return (n, g)
        return None

    def abelian_or_index_two(G, N):  # sufficient conditions taken for the definition
        if G.is_abelian() or G.order <= 2 * len(N):  # index 1 or 2
            return None
        return next(((g, n) for g in G.elements for n in N if G.product(g, n) != G.product(n, g)), None)

    def conjugates_g_by_n(G, N):  # n·g·n⁻¹ instead of g·n·g⁻¹
        for g in G.elements:
            for n in N:
                if G.product(n, g, G.inverse(n)) not in N:
                    return (g, n)
        return None

    name = "check_normality_witness"
    assert_fails(
        name, swapped_pair, "N = {e, s} (labels [0, 4]) you returned (g, n) = (4, 1)", "did you swap them?"
    )
    assert_fails(
        name,
        abelian_or_index_two,
        "for S4 and N = {(), (0 1)(2 3), (0 2)(1 3), (0 3)(1 2)}",
        "is in N; N is normal: return None",
    )
    assert_fails(
        name,
        conjugates_g_by_n,
        "for D4 and N = {e, r, r^2, r^3} (labels [0, 1, 2, 3]) you returned (g, n) = (4, 0)",
        "g·n·g⁻¹ = s·e·s = e (label 0) is in N",
    )
    assert_fails(
        name,
        commutes,
        "for D4 and N = {e, r, r^2, r^3} (labels [0, 1, 2, 3]) you returned (g, n) = (4, 1)",
        "g·n·g⁻¹ = s·r·s = r^3 (label 3) is in N; N is normal: return None",
    )
    assert_fails(
        name,
        conjugates_inside_n_only,
        "for D4 and N = {e, s} (labels [0, 4]) you returned None, but N is not normal",
        "for g = r (label 1) and n = s (label 4), g·n·g⁻¹ = r^2 s (label 6) is not in N",
    )
    assert_fails(name, returns_the_conjugate, "you returned (g, n) = (1, 6), but n = r^2 s (label 6) is not in N")
    assert_fails(name, lambda G, N: [0, 1, 2], "return a pair (g, n) of labels, or None")


def test_normality_witness_accepts_any_witness_and_names():
    def last_witness(G, N):
        found = [
            (G.names[g], G.names[n])
            for g in G.elements
            for n in N
            if G.product(g, n, G.inverse(g)) not in N
        ]
        return found[-1] if found else None

    assert run("check_normality_witness", last_witness).passed


# ---------------------------------------------------------------------- 2.5
def test_conjugacy_class_wrong_answers():
    def forgets_the_inverse(G, x):
        return sorted({G.product(g, x, g) for g in G.elements})

    def centraliser(G, x):
        return [g for g in G.elements if G.product(g, x) == G.product(x, g)]

    def generators_only(G, x):
        return sorted({x} | {G.product(g, x, G.inverse(g)) for g in G.generators})

    def with_repeats(G, x):
        return sorted(G.product(g, x, G.inverse(g)) for g in G.elements)

    def same_order(G, x):  # conjugates have equal orders, but not conversely
        return [y for y in G.elements if G.element_order(y) == G.element_order(x)]

    def in_order_found(G, x):  # each once, but not sorted
        return list(dict.fromkeys(G.product(g, x, G.inverse(g)) for g in G.elements))

    def conjugates_of_g_by_x(G, x):  # x·g·x⁻¹ over g: the roles swapped
        return sorted({G.product(x, g, G.inverse(x)) for g in G.elements})

    name = "check_conjugacy_class"
    assert_fails(
        name, same_order, "for D4 and x = r^2 (label 2) you returned [2, 4, 5, 6, 7], but s (label 4) is not conjugate"
    )
    assert_fails(name, in_order_found, "you returned [3, 1]: the right elements, but return each once, sorted: [1, 3]")
    assert_fails(
        name, conjugates_of_g_by_x, "for D4 and x = e (label 0) you returned [0, 1, 2, 3, 4, 5, 6, 7]", "the class of x is {e}"
    )
    assert_fails(
        name,
        forgets_the_inverse,
        "for D4 and x = e (label 0) you returned [0, 2], but r^2 (label 2) is not conjugate to x",
        "the class of x is {e} (labels [0])",
    )
    assert_fails(name, centraliser, "you returned [0, 1, 2, 3, 4, 5, 6, 7], but r (label 1) is not conjugate to x")
    assert_fails(
        name,
        generators_only,
        "for S3 and x = (1 2) (label 1) you returned [1, 5], "
        "which misses (0 1) (label 2) = g·x·g⁻¹ for g = (0 2 1)",
    )
    assert_fails(name, with_repeats, "you returned [0, 0, 0, 0, 0, 0, 0, 0]: the right elements, but return each once")


# ---------------------------------------------------------------------- 2.6
def test_centre_wrong_answers():
    def commutes_with_some_element(G):
        return [
            z
            for z in G.elements
            if any(G.product(z, g) == G.product(g, z) for g in G.elements if g not in (G.identity, z))
        ]

    def order_at_most_two(G):
        return [z for z in G.elements if G.product(z, z) == G.identity]

    def identity_only(G):
        return [G.identity]

    def label_zero_is_central(G):  # "the identity, label 0, is always central"
        return [z for z in G.elements if z == 0 or all(G.product(z, g) == G.product(g, z) for g in G.elements)]

    def first_generator_only(G):  # commutes with one generator, not with all of them
        g0 = G.generators[0] if len(G.generators) else G.identity
        return [z for z in G.elements if G.product(g0, z) == G.product(z, g0)]

    def abelian_or_trivial(G):  # "a non-abelian group has a trivial centre"
        return list(G.elements) if G.is_abelian() else [G.identity]

    def commutes_with_smaller_labels(G):  # each pair once, from one side only
        return [z for z in G.elements if all(G.product(z, g) == G.product(g, z) for g in G.elements if g < z)]

    name = "check_centre"
    assert_fails(
        name,
        label_zero_is_central,
        "for a relabelled D4 (identity = label 5) you returned [0, 5, 7], but r^3 (label 0) is not central",
    )
    assert_fails(name, first_generator_only, "for D4 you returned [0, 1, 2, 3], but r (label 1) is not central")
    assert_fails(name, abelian_or_trivial, "for D4 you returned [0], which misses r^2 (label 2)")
    assert_fails(name, commutes_with_smaller_labels, "for D4 you returned [0, 1, 2, 3]", "r·s = r s but s·r = r^3 s")
    assert_fails(name, commutes_with_some_element, "for Z1 you returned [], which misses 0")
    assert_fails(
        name,
        order_at_most_two,
        "for D4 you returned [0, 2, 4, 5, 6, 7], but s (label 4) is not central: s·r = r^3 s but r·s = r s",
        "Z(G) = {e, r^2} (labels [0, 2])",
    )
    assert_fails(name, identity_only, "for D4 you returned [0], which misses r^2 (label 2)")
    assert_fails(name, lambda G: [0], "for D4 you returned [0], which misses r^2 (label 2)")


def test_centre_from_the_generators_passes():
    def from_generators(G):
        return [z for z in G.elements if all(G.product(z, g) == G.product(g, z) for g in G.generators)]

    assert run("check_centre", from_generators).passed


# ---------------------------------------------------------------------- 2.7
def test_quotient_table_wrong_answers():
    def element_products(G, N):
        reps = [c[0] for c in sg.left_cosets(G, N)]
        return [[G.product(a, b) for b in reps] for a in reps]

    def identity_coset_first(G, N):
        cosets = sg.left_cosets(G, N)
        k = next(i for i, c in enumerate(cosets) if G.identity in c)
        cosets = [cosets[k]] + cosets[:k] + cosets[k + 1 :]
        coset_of = {x: i for i, c in enumerate(cosets) for x in c}
        reps = [c[0] for c in cosets]
        return [[coset_of[G.product(a, b)] for b in reps] for a in reps]

    def transposed(G, N):
        cosets = sg.left_cosets(G, N)
        coset_of = {x: i for i, c in enumerate(cosets) for x in c}
        reps = [c[0] for c in cosets]
        return [[coset_of[G.product(b, a)] for b in reps] for a in reps]

    def cyclic_quotient(G, N):  # as if G/N were always cyclic
        k = G.order // len(N)
        return [[(i + j) % k for j in range(k)] for i in range(k)]

    def contiguous_blocks(G, N):  # as if the cosets were the label blocks [0, |N|), [|N|, 2|N|), …
        m = len(N)
        k = G.order // m
        return [[G.product(i * m, j * m) // m for j in range(k)] for i in range(k)]

    def one_row_per_element(G, N):  # the cosets of all |G|² products, not a [G : N]-square table
        coset_of = {x: i for i, c in enumerate(sg.left_cosets(G, N)) for x in c}
        return [[coset_of[G.product(a, b)] for b in G.elements] for a in G.elements]

    name = "check_quotient_table"
    assert_fails(name, cyclic_quotient, "times coset 1 = {r, r^3} (labels [1, 3]) contains r·r = r^2", "table[1][1] is 2")
    assert_fails(
        name,
        contiguous_blocks,
        "for a relabelled D4 (identity = label 5) and N = {e, r^2} (labels [5, 7])",
        "which lies in coset 1 = {r^2 s, s} (labels [1, 3]), but your table[0][2] is 0",
    )
    assert_fails(name, one_row_per_element, "you returned 8 rows of lengths [8, 8, 8, 8, 8, 8, 8, 8]; return a 4×4 table")
    assert_fails(
        name,
        element_products,
        "for D4 and N = {e, r^2} (labels [0, 2])",
        "coset 0 = {e, r^2} (labels [0, 2]) times coset 2 = {s, r^2 s} (labels [4, 6]) contains e·s = s (label 4), "
        "which lies in coset 2 = {s, r^2 s} (labels [4, 6]), but your table[0][2] is 4",
    )
    assert_fails(
        name,
        identity_coset_first,
        "relabelled D4 (identity = label 5) and N = {e, r^2} (labels [5, 7])",
        "contains r^3·r^3 = r^2 (label 7), which lies in coset 3 = {e, r^2} (labels [5, 7]), "
        "but your table[0][0] is 0",
    )
    assert_fails(name, transposed, "contains r^3·r^2 s = r s (label 6), which lies in coset 6")
    assert_fails(
        name,
        lambda G, N: [[0]],
        "for D4 and N = {e, r^2} (labels [0, 2]) you returned 1 rows of lengths [1]; return a 4×4 table",
    )
    assert_fails(name, lambda G, N: [[0.0]], "for Z1 and N = {0} your table[0][0] is 0.0")


def test_quotient_table_matches_the_notebook_claim(solutions):
    """The solution's table for the centre of the relabelled D4 is a Klein four-group with identity coset 3."""
    R = ch02.relabelled_d4()
    Q = gt.FiniteGroup.from_table(solutions["quotient_table"](R, centre(R)))
    assert Q.identity == 3 and gt.homomorphisms.are_isomorphic(Q, gt.klein_four())


# ---------------------------------------------------------------------- 2.8
def test_polyphase_shift_wrong_answers(solutions):
    correct = solutions["polyphase_shift"]

    def k_components(n, k, s):  # x[r::k] for r < k: right only when k divides n
        size = max(n // k, 1)
        return [((r - s) % k, ((r - s) % k - r + s) // k % size) for r in range(k)]

    def opposite_shift(n, k, s):  # reads x′[i] = x[i + s]
        return correct(n, k, -s)

    def steps_of_gcd(n, k, s):  # t = (r′ − r + s)/d: the coset read in sorted order, x[r], x[r + d], …
        d = math.gcd(n, k)
        return [((r - s) % d, ((r - s) % d - r + s) // d % (n // d)) for r in range(d)]

    def steps_of_k(n, k, s):  # t = (r′ − r + s)/k, rounded down: right when k divides n
        d = math.gcd(n, k)
        return [((r - s) % d, ((r - s) % d - r + s) // k % (n // d)) for r in range(d)]

    def unreduced_component(n, k, s):  # r′ = r − s without the reduction mod d
        return [(r - s, t) for r, (_, t) in enumerate(correct(n, k, s))]

    def output_moves_by_s_over_k(n, k, s):  # "the subsampled signal shifts by s/k"
        d = math.gcd(n, k)
        return [((r - s) % d, s // k % (n // d)) for r in range(d)]

    def unreduced_roll(n, k, s):  # t·(k/d) ≡ q solved, but t not reduced mod n/d
        d = math.gcd(n, k)
        size = n // d
        inverse = pow(k // d, -1, size) if size > 1 else 0
        return [((r - s) % d, ((r - s) % d - r + s) // d * inverse) for r in range(d)]

    name = "check_polyphase_shift"
    assert_fails(
        name,
        k_components,
        "for n = 10, k = 4, s = 3 you returned 4 pairs, but ⟨4⟩ has 5 elements in Z10",
        "gcd(10, 4) = 2 cosets",
        "k cosets only when k divides n; here ⟨4⟩ = ⟨2⟩",
    )
    assert_fails(
        name,
        opposite_shift,
        "for n = 8, k = 2, s = 1 your pair for r = 0 is (1, 0), which is wrong",
        "x′ = np.roll(x, 1) = [7, 0, 1, 2, 3, 4, 5, 6] has component 0 = x′ at positions 0, 2, 4, 6 = [7, 1, 3, 5]",
        "your pairs are those of the shift by -1",
    )
    assert_fails(
        name,
        steps_of_gcd,
        "for n = 10, k = 4, s = 3 your pair for r = 0 is (1, 2)",
        "positions 0, 4, 8, 2, 6 = [7, 1, 5, 9, 3], but np.roll(x_1, 2) = [3, 7, 1, 5, 9]; the answer is (1, 1)",
        "one step along it is 4, not gcd = 2",
    )
    assert_fails(name, steps_of_k, "for n = 10, k = 4, s = 3 your pair for r = 1 is (0, 0)", "the answer is (0, 3)")
    assert_fails(name, unreduced_component, "your pair for r = 0 is (-1, 1), but r′ numbers a component, 0..1")
    assert_fails(
        name,
        output_moves_by_s_over_k,
        "for n = 8, k = 2, s = 1 your pair for r = 0 is (1, 0)",
        "but np.roll(x_1, 0) = [1, 3, 5, 7]; the answer is (1, 1)",
    )
    assert_fails(
        name,
        unreduced_roll,
        "for n = 12, k = 4, s = -7 your pair for r = 0 is (3, -1)",
        "reduce it mod 3; the answer is (3, 2)",
    )
    assert_fails(name, lambda n, k, s: [0, 0], "return a list of pairs (r′, t) of integers")


def test_polyphase_shift_holds_for_every_signal(solutions):
    """The solution's pairs move every component of a random integer signal, for all small n, k and s."""
    rng = np.random.default_rng(0)
    for n in range(1, 17):
        x = rng.integers(0, 100, size=n)
        for k in range(1, n + 1):
            size = n // math.gcd(n, k)
            for s in range(-n, 2 * n):
                y = np.roll(x, s)
                for r, (r2, t) in enumerate(solutions["polyphase_shift"](n, k, s)):
                    component = y[(r + k * np.arange(size)) % n]
                    assert (component == np.roll(x[(r2 + k * np.arange(size)) % n], t)).all()


# ---------------------------------------------------------------------- 2.9
def _grouped(G, subgroups):
    """Subgroups (sets of labels) grouped into their conjugacy classes, with every g."""
    classes, placed = [], set()
    for H in sorted(subgroups, key=lambda h: (len(h), sorted(h))):
        if H not in placed:
            members = {frozenset(G.product(g, h, G.inverse(g)) for h in H) for g in G.elements}
            placed |= members
            classes.append([sorted(K) for K in members])
    return classes


def test_subgroup_classes_wrong_answers(solutions):
    correct = solutions["subgroup_classes"]

    def every_subgroup(G):
        return [frozenset(H) for c in correct(G) for H in c]

    def pairs_only(G):  # right for D4, Q8, A4, S4: their subgroups are all generated by two elements
        return _grouped(G, {frozenset(G.closure([a, b])) for a in G.elements for b in G.elements})

    def cyclic_only(G):
        return _grouped(G, {frozenset(G.closure([g])) for g in G.elements})

    def by_order(G):  # "subgroups of the same order are conjugate" (true in S3 and A4)
        classes = {}
        for H in every_subgroup(G):
            classes.setdefault(len(H), []).append(sorted(H))
        return list(classes.values())

    def by_element_orders(G):  # the same order profile, as if isomorphic meant conjugate
        orders = G.element_orders()
        classes = {}
        for H in every_subgroup(G):
            classes.setdefault(tuple(sorted(orders[sorted(H)])), []).append(sorted(H))
        return list(classes.values())

    def conjugates_by_the_generators(G):  # {H} and g·H·g⁻¹ for the generators g only
        classes, placed = [], set()
        for H in sorted(every_subgroup(G), key=lambda h: (len(h), sorted(h))):
            if H not in placed:
                members = {H} | {frozenset(G.product(g, h, G.inverse(g)) for h in H) for g in G.generators}
                members -= placed
                placed |= members
                classes.append([sorted(K) for K in members])
        return classes

    def forgets_the_inverse(G):  # g·h·g instead of g·h·g⁻¹
        classes, placed = [], set()
        for H in sorted(every_subgroup(G), key=lambda h: (len(h), sorted(h))):
            if H not in placed:
                members = {frozenset(G.product(g, h, g) for h in H) for g in G.elements}
                placed |= members
                classes.append([sorted(K) for K in members])
        return classes

    def closure_from_label_zero(G):  # a breadth-first closure that starts at 0, as if 0 were the identity
        def closure(gens):
            found, frontier = {0}, [0]
            while frontier:
                frontier = [y for x in frontier for g in gens if (y := G.product(x, g)) not in found and not found.add(y)]
            return frozenset(found)

        cyclic = {closure([g]) for g in G.elements}
        found = set(cyclic) | {closure(H | C) for H in cyclic for C in cyclic}
        return _grouped(G, found)

    def unions(G):  # joins two subgroups by their union instead of the subgroup they generate
        cyclic = {frozenset(G.closure([g])) for g in G.elements}
        return _grouped(G, cyclic | {H | C for H in cyclic for C in cyclic})

    name = "check_subgroup_classes"
    assert_fails(
        name,
        pairs_only,
        "for Z2×Z2×Z2, relabelled (identity = label 5) your 15 subgroups miss G itself (order 8); G has 16 subgroups",
        "no two of its elements generate it",
    )
    assert_fails(
        name,
        cyclic_only,
        "for V4 your 4 subgroups miss G itself (order 4)",
        "not every subgroup is ⟨g⟩ for a single g",
    )
    assert_fails(
        name,
        by_order,
        "for V4 you put {e, a} (labels [0, 1], order 2) and {e, b} (labels [0, 2], order 2) in one class",
        "not conjugate",
        "{e, a} is normal, a class of its own; equal orders, even isomorphic subgroups, do not make subgroups conjugate",
    )
    assert_fails(name, by_element_orders, "for V4 you put {e, a}", "equal orders, even isomorphic subgroups")
    assert_fails(
        name,
        conjugates_by_the_generators,
        "for S3 you put {(), (1 2)} (labels [0, 1], order 2) and {(), (0 1)} (labels [0, 2], order 2) in different classes",
        "for g = (0 2 1) (label 4)",
        "with every g ∈ G, not only the generators",
    )
    assert_fails(name, forgets_the_inverse, "for Z6 you listed {2}, which is not a subgroup: the identity 0 is not in it")
    assert_fails(
        name,
        closure_from_label_zero,
        "for a relabelled D4 (identity = label 5) you listed {r} (labels [2]), which is not a subgroup",
        "the identity e (label 5) is not in it",
    )
    assert_fails(name, unions, "for Z6 you listed {0, 2, 3, 4}, which is not a subgroup: 2·3 = 5 is not in it")
    assert_fails(
        name,
        lambda G: [[H] for c in correct(G) for H in c] + [[G.elements]],
        "for Z1 you listed the subgroup G itself (order 1) twice; list each once",
    )
    assert_fails(name, lambda G: sg.all_subgroups(G), "return a list of classes")


def test_subgroup_classes_accepts_sets_and_any_order(solutions):
    def as_sets(G):
        return [{tuple(reversed(H)) for H in c} for c in reversed(solutions["subgroup_classes"](G))]

    assert run("check_subgroup_classes", as_sets).passed


def test_subgroup_classes_checks_a_group_that_pairs_cannot_generate():
    needs_three = [G for G in ch02._subgroup_class_groups() if ch02._needs_three(G, G.elements)]
    assert needs_three and needs_three[0].identity != 0
    assert sum(len(c) for c in ch02._subgroup_classes_reference(gt.symmetric(4))) == 30
    assert len(ch02._subgroup_classes_reference(gt.symmetric(4))) == 11
