"""The Chapter 4 checkers (orbits, action witnesses, Burnside counts, square images,
necklace forms, left-absorbing elements, weight sharing in equivariant layers, canonicalisation)
reject planted wrong answers.
"""

from __future__ import annotations

import itertools

import grouptools as gt
from grouptools.exercises import ch04

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch04)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- 4.1
def test_orbits_wrong_answers():
    def one_step(generators, m):  # applies each generator once, no closure
        seen, out = set(), []
        for x in range(m):
            if x not in seen:
                block = {x} | {p[x] for p in generators}
                seen |= block
                out.append(sorted(block))
        return out

    def first_generator_only(generators, m):
        seen, out = set(), []
        for x in range(m):
            if x in seen:
                continue
            block, y = {x}, x
            while generators and generators[0][y] not in block:
                y = generators[0][y]
                block.add(y)
            seen |= block
            out.append(sorted(block))
        return out

    def cycles_as_lists(generators, m):  # forgets the points that no generator moves
        return [o for o in ch04._reference_orbits(generators, m) if len(o) > 1]

    def cycles_of_each_generator(generators, m):  # not merged across generators
        out = set()
        for p in generators or [list(range(m))]:
            for x in range(m):
                cycle, y = [x], p[x]
                while y != x:
                    cycle.append(y)
                    y = p[y]
                out.add(tuple(sorted(cycle)))
        return [list(c) for c in sorted(out)]

    def one_orbit_per_point(generators, m):  # right orbits, each listed once per point
        return [next(o for o in ch04._reference_orbits(generators, m) if x in o) for x in range(m)]

    def two_rounds(generators, m):  # the frontier is applied twice, not until nothing new appears
        seen, out = set(), []
        for x in range(m):
            if x not in seen:
                block = {x}
                for _ in range(2):
                    block |= {p[y] for y in block for p in generators}
                seen |= block
                out.append(sorted(block))
        return out

    name = "check_orbits"
    assert_fails(
        name,
        cycles_of_each_generator,
        "for generators [[1, 0, 2, 3], [0, 2, 1, 3]] on points 0..3",
        "which is not a partition of 0..3: it lists [0, 1, 2] more than once; expected [[0, 1, 2], [3]]",
    )
    assert_fails(name, one_orbit_per_point, "you returned [[0, 1], [0, 1], [2], [3]]", "lists [0, 1] more than once")
    assert_fails(
        name, two_rounds, "for generators [[1, 2, 3, 0, 4, 5]] on points 0..5", "expected [[0, 1, 2, 3], [4], [5]]"
    )
    assert_fails(
        name,
        one_step,
        "for generators [[1, 2, 3, 0, 4, 5]] on points 0..5",
        "you returned [[0, 1], [2, 3], [4], [5]], but 2 lies in the orbit of 0",
        "expected [[0, 1, 2, 3], [4], [5]]",
    )
    assert_fails(
        name,
        first_generator_only,
        "for generators [[1, 0, 2, 3], [0, 2, 1, 3]] on points 0..3 you returned [[0, 1], [2], [3]]",
        "2 lies in the orbit of 0",
        "expected [[0, 1, 2], [3]]",
    )
    assert_fails(name, cycles_as_lists, "for generators [] on points 0..0 you returned []", "misses [0]")
    assert_fails(name, lambda gens, m: {0: [0]}, "return a list of lists of points")


# ---------------------------------------------------------------------- 4.2
def test_action_witness_wrong_answers(solutions):
    def no_identity_check(G, points, act):
        for g, h, x in itertools.product(G.elements, G.elements, points):
            if act(G.product(g, h), x) != act(g, act(h, x)):
                return ("compatibility", g, h, x)
        return None

    def product_reversed(G, points, act):  # tests (hg)·x instead of (gh)·x
        for x in points:
            if act(G.identity, x) != x:
                return ("identity", x)
        for g, h, x in itertools.product(G.elements, G.elements, points):
            if act(G.product(h, g), x) != act(g, act(h, x)):
                return ("compatibility", g, h, x)
        return None

    def loops_in_other_order(G, points, act):
        w = solutions["action_witness"](G, points, act)
        if w is None or w[0] != "compatibility":
            return w
        for x, h, g in itertools.product(points, G.elements, G.elements):
            if act(G.product(g, h), x) != act(g, act(h, x)):
                return ("compatibility", g, h, x)

    def crashes_on_closure(G, points, act):  # compatibility before closure: looks up a missing point
        pts = list(points)
        for g, h, x in itertools.product(G.elements, G.elements, pts):
            pts.index(act(g, act(h, x)))
        return solutions["action_witness"](G, points, act)

    def checks(*laws):
        """The solution's three checks, run in the order given."""

        def action_witness(G, points, act):
            def closure():
                return next((("closure", g, x) for g in G.elements for x in points if act(g, x) not in set(points)), None)

            def identity():
                return next((("identity", x) for x in points if act(G.identity, x) != x), None)

            def compatibility():
                triples = itertools.product(G.elements, G.elements, points)
                return next(
                    (("compatibility", g, h, x) for g, h, x in triples if act(G.product(g, h), x) != act(g, act(h, x))),
                    None,
                )

            found = (dict(closure=closure, identity=identity, compatibility=compatibility)[law]() for law in laws)
            return next((w for w in found if w is not None), None)

        return action_witness

    def identity_is_label_0(G, points, act):
        w = solutions["action_witness"](G, points, act)
        if w is not None and w[0] == "closure":
            return w
        bad = next((x for x in points if act(0, x) != x), None)
        return ("identity", bad) if bad is not None else w

    name = "check_action_witness"
    assert_fails(
        name,
        checks("identity", "closure", "compatibility"),
        "for D3 with g·x = x + 1 for every g, on 0..2 (closure, identity and compatibility fail)",
        "you returned ('identity', 0), expected ('closure', 0, 2): e·2 = 3 is not one of the points",
        "identity fails too, but closure comes first",
    )
    assert_fails(
        name,
        checks("closure", "compatibility", "identity"),
        "for Z3 with g·x = x + 1 mod 3 for every g (identity and compatibility fail)",
        "you returned ('compatibility', 0, 0, 0), expected ('identity', 0)",
        "compatibility fails too, but identity comes first",
    )
    assert_fails(
        name,
        checks("compatibility", "closure", "identity"),
        "for D3 with g·x = x + 1 for r only, on 0..2 you returned ('compatibility', 1, 1, 0), expected ('closure', 1, 2)",
    )
    assert_fails(
        name,
        identity_is_label_0,
        "for a relabelled D3 (identity = label 2) on itself by left multiplication you returned ('identity', 0)",
        "the identity of this group is label 2, G.identity, not label 0",
    )
    assert_fails(
        name,
        no_identity_check,
        "for D4 with g·x = 0 for every g and x you returned None",
        "e·1 = 0, not 1",
        "expected ('identity', 1)",
    )
    assert_fails(
        name,
        product_reversed,
        "for D4 on the corners of a square you returned ('compatibility', 1, 4, 0)",
        "it is an action: closure and both laws hold; return None",
    )
    assert_fails(
        name,
        loops_in_other_order,
        "for D3 on itself by right multiplication, g·x = x g you returned",
        "expected ('compatibility', 1, 3, 0): (r·s)·0 = r s·0 = 4 but r·(s·0) = r·3 = 5",
    )
    assert_fails(name, crashes_on_closure, "for D3 with g·x = x + 1 for r only, on 0..2 your code raised ValueError")
    assert_fails(name, lambda G, p, a: "identity", "return None or a tuple starting with 'closure'")


# ---------------------------------------------------------------------- 4.3
def test_count_orbits_wrong_answers():
    def rounds_each_term(G, points, act):
        return sum(sum(act(g, x) == x for x in points) // len(G.elements) for g in G.elements)

    def forgets_the_identity(G, points, act):
        fixed = sum(act(g, x) == x for g in G.elements if g != G.identity for x in points)
        return fixed / len(G.elements)

    def divides_by_points(G, points, act):
        return sum(act(g, x) == x for g in G.elements for x in points) // len(points)

    def generators_only(G, points, act):  # averages over the generators (and e), not over the whole group
        elements = [G.identity, *G.generators]
        return sum(act(g, x) == x for g in elements for x in points) // len(elements)

    def stabiliser_of_one_point(G, points, act):  # |X|·|Stab(x₀)|/|G|: right only when all orbits are alike
        x0 = points[0]
        return len(points) * sum(act(g, x0) == x0 for g in G.elements) // len(G.elements)

    def points_over_group_order(G, points, act):  # |X|/|G|: right only for a free action
        return max(1, len(points) // len(G.elements))

    name = "check_count_orbits"
    assert_fails(name, generators_only, "for D4 on the corners of a square you returned 2, but there is 1 orbit")
    assert_fails(name, stabiliser_of_one_point, "for D4 by conjugation you returned 8, but there are 5 orbits")
    assert_fails(name, points_over_group_order, "for D4 by conjugation you returned 1, but there are 5 orbits", "40 / 8 = 5")
    assert_fails(
        name,
        rounds_each_term,
        "for D4 on the corners of a square you returned 0, but there is 1 orbit",
        "add up to 4 + 0 + 0 + 0 + 2 + 0 + 2 + 0 = 8, and 8 / |G| = 8 / 8 = 1",
    )
    assert_fails(name, forgets_the_identity, "for Z1 acting on one point you returned 0, but there is 1 orbit")
    assert_fails(name, divides_by_points, "for D4 on the corners of a square you returned 2")
    assert_fails(name, lambda G, p, a: 1.5, "not a whole number")


def test_count_orbits_accepts_floats_and_fractions(solutions):
    def as_float(G, points, act):
        return float(solutions["count_orbits"](G, points, act))

    assert run("check_count_orbits", as_float).passed


# ---------------------------------------------------------------------- 4.4
def test_square_images_agree_with_brute_force(solutions):
    count = solutions["count_square_images"]
    for n, k in [(1, 2), (2, 2), (2, 4), (3, 2), (3, 3), (4, 2)]:
        for mirrors in (False, True):
            expected = ch04.brute_force_square_images(n, k, mirrors)
            assert count(n, k, mirrors) == expected == ch04.reference_square_images(n, k, mirrors)
    assert ch04.brute_force_square_images(3, 2, True) == 102  # a known count


def test_count_square_images_wrong_answers():
    def naive_division(n, k, mirrors=False):
        return k ** (n * n) // (8 if mirrors else 4)

    def forgets_the_centre(n, k, mirrors=False):
        cells = n * n
        fixed = [k**cells, k ** (cells // 4), k ** (cells // 2), k ** (cells // 4)]
        if mirrors:
            fixed += [k ** (n * ((n + 1) // 2)), k ** ((cells + n) // 2)] * 2
        return sum(fixed) // len(fixed)

    def all_mirrors_alike(n, k, mirrors=False):
        cells = n * n
        fixed = [k**cells, k ** ((cells + 3) // 4), k ** ((cells + 1) // 2), k ** ((cells + 3) // 4)]
        if mirrors:
            fixed += [k ** (n * ((n + 1) // 2))] * 4
        return sum(fixed) // len(fixed)

    def ignores_mirrors(n, k, mirrors=False):
        cells = n * n
        return (k**cells + 2 * k ** ((cells + 3) // 4) + k ** ((cells + 1) // 2)) // 4

    def _burnside(n, k, mirrors, *, half=None, edge=None, true_division=False):
        cells = n * n
        quarter = (cells + 3) // 4
        half = (cells + 1) // 2 if half is None else half
        fixed = [k**cells, k**quarter, k**half, k**quarter]
        if mirrors:
            edge = n * ((n + 1) // 2) if edge is None else edge
            fixed += [k**edge, k ** ((cells + n) // 2)] * 2
        return round(sum(fixed) / len(fixed)) if true_division else sum(fixed) // len(fixed)

    def float_average(n, k, mirrors=False):  # exact for small counts, rounded for k = 4 on 6×6
        return _burnside(n, k, mirrors, true_division=True)

    def middle_column_forgotten(n, k, mirrors=False):  # n·⌊n/2⌋ cycles for an edge mirror
        return _burnside(n, k, mirrors, edge=n * (n // 2))

    def half_turn_like_quarter_turn(n, k, mirrors=False):
        return _burnside(n, k, mirrors, half=(n * n + 3) // 4)

    name = "check_count_square_images"
    assert_fails(
        name,
        float_average,
        "for n = 6, k = 4, mirrors = False you returned 1180591620734591172608",
        "the rounding of a float (53 bits)",
    )
    assert_fails(name, middle_column_forgotten, "for n = 3, k = 2, mirrors = True you returned 88, but there are 102")
    assert_fails(name, half_turn_like_quarter_turn, "for n = 2, k = 2, mirrors = False you returned 5", "r^2: 2^2")
    assert_fails(
        name,
        naive_division,
        "for n = 1, k = 1, mirrors = False you returned 0, but there is 1 1×1 image in 1 grey level",
        "e: 1^1, r: 1^1, r^2: 1^1, r^3: 1^1",
    )
    assert_fails(
        name,
        forgets_the_centre,
        "for n = 1, k = 3, mirrors = False you returned 1, but there are 3 1×1 images in 3 grey levels",
        "e: 3^1, r: 3^1, r^2: 3^1, r^3: 3^1",
    )
    assert_fails(
        name,
        all_mirrors_alike,
        "for n = 2, k = 2, mirrors = True you returned 5, but there are 6 2×2 images",
        "counted by listing all of them",
        "r s: 2^3",
    )
    # right by coincidence for 2×2 images, caught at 3×3
    assert_fails(
        name,
        ignores_mirrors,
        "for n = 3, k = 2, mirrors = True you returned 140, but there are 102",
        "counted by listing all of them",
        "s: 2^6",
    )


# ---------------------------------------------------------------------- 4.5
def test_necklace_form_wrong_answers():
    def with_turning_over(x):  # a bracelet form: invariant, but too coarse for necklaces
        x = tuple(x)
        return min(min(y[i:] + y[:i] for i in range(len(y))) for y in (x, x[::-1]))

    name = "check_necklace_form"
    assert_fails(
        name,
        lambda x: tuple(sorted(x)),
        "not separating: (0, 0, 1, 1) and (0, 1, 0, 1) are different necklaces",
        "you returned (0, 0, 1, 1) for both",
    )
    assert_fails(name, lambda x: x[0], "not separating: (0,) and (0, 0)")
    assert_fails(name, lambda x: tuple(x), "not invariant: (0, 1) and its shift (1, 0)")
    assert_fails(name, with_turning_over, "not separating: (0, 0, 1, 0, 1, 1) and (0, 0, 1, 1, 0, 1)")
    assert_fails(name, lambda x: list(x), "which is not hashable")
    assert_fails(name, lambda x: sum(x), "not separating: (0,) and (0, 0)", "you returned 0 for both")


# ---------------------------------------------------------------------- 4.6
def test_left_absorbing_wrong_answers():
    def right_absorbing(table):
        n = len(table)
        return [z for z in range(n) if all(table[x][z] == z for x in range(n))]

    def two_sided(table):
        n = len(table)
        return [z for z in range(n) if all(table[z][x] == z == table[x][z] for x in range(n))]

    def first_only(table):
        n = len(table)
        return [z for z in range(n) if all(table[z][x] == z for x in range(n))][:1]

    def constant_row(table):  # a row of equal entries, not necessarily of z's
        return [z for z in range(len(table)) if len(set(table[z])) == 1]

    def other_columns_only(table):  # z·x = z for x ≠ z: forgets z·z
        n = len(table)
        return [z for z in range(n) if all(table[z][x] == z for x in range(n) if x != z)]

    def idempotent(table):  # z·z = z, one entry of the row
        return [z for z in range(len(table)) if table[z][z] == z]

    def all_but_the_last_column(table):
        n = len(table)
        return [z for z in range(n) if all(table[z][x] == z for x in range(n - 1))]

    name = "check_left_absorbing"
    assert_fails(
        name,
        constant_row,
        "for the table [[0, 0, 0], [0, 0, 0], [0, 0, 0]] of a·b = 0 you returned [0, 1, 2]",
        "1 is not left-absorbing: 1·0 = 0, not 1: row 1 is constant, but all 0s",
    )
    assert_fails(
        name,
        other_columns_only,
        "a·b = a, except a·a = a + 1 mod 3 you returned [0, 1, 2]",
        "0·0 = 1, not 0: x runs over every label, z = 0 itself included",
    )
    assert_fails(name, idempotent, "for the Cayley table of Z5 you returned [0], but 0 is not left-absorbing")
    assert_fails(name, all_but_the_last_column, "a·b = max(a, b) on 0..2 you returned [1, 2]", "1·2 = 2, not 1")
    assert_fails(
        name,
        right_absorbing,
        "for the table [[0, 0, 0], [1, 1, 1], [2, 2, 2]] of a·b = a you returned []",
        "0 is left-absorbing too: row 0 of the table is all 0s",
    )
    assert_fails(
        name,
        two_sided,
        "of a·b = a you returned []",
        "expected [0, 1, 2]",
    )
    assert_fails(name, first_only, "of a·b = a you returned [0], but 1 is left-absorbing too")
    assert_fails(
        name,
        lambda t: [0],
        "for the Cayley table of Z5 you returned [0], but 0 is not left-absorbing: 0·1 = 1, not 0",
    )


def test_groups_have_no_left_absorbing_element_unless_trivial(solutions):
    for G in (gt.cyclic(1), gt.cyclic(4), gt.klein_four(), gt.dihedral(5), gt.symmetric(4)):
        assert solutions["left_absorbing"](G.table.tolist()) == ([0] if G.order == 1 else [])


# ---------------------------------------------------------------------- 4.7
def _labels_by_orbit(G, n, act):
    """The orbit index of each of n points."""
    labels, count = [None] * n, 0
    for i in range(n):
        if labels[i] is None:
            for g in G.elements:
                labels[act(g, i)] = count
            count += 1
    return labels, count


def test_weight_sharing_wrong_answers(solutions):
    correct = solutions["weight_sharing"]
    assert run("check_weight_sharing", correct).passed

    def orbits_separately(G, n_in, act_in, n_out, act_out):  # (orbit of j, orbit of i): too coarse
        rows, _ = _labels_by_orbit(G, n_out, act_out)
        columns, k = _labels_by_orbit(G, n_in, act_in)
        return [[rows[j] * k + columns[i] for i in range(n_in)] for j in range(n_out)]

    def one_step(G, n_in, act_in, n_out, act_out):  # each pair with its images under the generators, once
        pattern, count = [[None] * n_in for _ in range(n_out)], 0
        for j in range(n_out):
            for i in range(n_in):
                if pattern[j][i] is None:
                    pattern[j][i] = count
                    for s in G.generators:
                        pattern[act_out(s, j)][act_in(s, i)] = count
                    count += 1
        return pattern

    def inverse_on_the_inputs(G, n_in, act_in, n_out, act_out):  # ties (j, i) to (g·j, g⁻¹·i)
        pattern, count = [[None] * n_in for _ in range(n_out)], 0
        for j in range(n_out):
            for i in range(n_in):
                if pattern[j][i] is None:
                    for g in G.elements:
                        pattern[act_out(g, j)][act_in(G.inverse(g), i)] = count
                    count += 1
        return pattern

    def transposed(G, n_in, act_in, n_out, act_out):
        return [list(column) for column in zip(*correct(G, n_in, act_in, n_out, act_out))]

    def no_sharing(G, n_in, act_in, n_out, act_out):
        return [[j * n_in + i for i in range(n_in)] for j in range(n_out)]

    def input_action_on_both_sides(G, n_in, act_in, n_out, act_out):
        return correct(G, n_in, act_in, n_out, act_in)

    def one_weight_per_output_orbit(G, n_in, act_in, n_out, act_out):
        rows, _ = _labels_by_orbit(G, n_out, act_out)
        return [[rows[j]] * n_in for j in range(n_out)]

    name = "check_weight_sharing"
    assert_fails(
        name,
        orbits_separately,
        "for S3 relabelled (identity ≠ label 0) permuting 3 inputs and 3 outputs (a Deep Sets layer)",
        "your pattern ties W[0][0] to W[0][1] (both label 0), but no g sends (output, input) = (0, 0) to (0, 1)",
        "Your pattern has 1 parameter; the equivariant layers have 2",
        "you paired the orbit of the output with the orbit of the input",
    )
    assert_fails(
        name,
        one_step,
        "(a Deep Sets layer) your pattern is not equivariant: it gives W[0][1] and W[1][0] different labels (1 and 2)",
        "g = (0 1) sends output 0 to 1 and input 1 to 0",
        "forces W[g·j][g·i] = W[j][i]",
    )
    assert_fails(
        name,
        inverse_on_the_inputs,
        "(a Deep Sets layer) your pattern is not equivariant: it gives W[0][0] and W[1][1] different labels",
        "g = (0 1 2) sends output 0 to 1 and input 0 to 1",
    )
    assert_fails(
        name,
        transposed,
        "for Z2 fixing 3 inputs and swapping 2 outputs you returned 3 rows of 2 labels: transposed",
        "W maps ℝ^3 to ℝ^2, so it has 2 rows (one per output) and 3 columns",
    )
    assert_fails(name, no_sharing, "your pattern is not equivariant", "(9 labels; the equivariant layers have 2 parameters)")
    assert_fails(
        name,
        input_action_on_both_sides,
        "for Z2 fixing 3 inputs and swapping 2 outputs your pattern is not equivariant",
        "g = 1 sends output 0 to 1 and input 0 to 0",
    )
    assert_fails(
        name,
        one_weight_per_output_orbit,
        "(a Deep Sets layer) your pattern ties W[0][0] to W[0][1]",
        "you paired the orbit of the output with the orbit of the input",
    )
    assert_fails(name, lambda G, n_in, a, n_out, b: [[0] * n_in] * (n_out + 1), "you returned 4 rows of lengths [3]")
    assert_fails(name, lambda G, n_in, a, n_out, b: [[0.5] * n_in] * n_out, "the labels must be integers")


def test_weight_sharing_accepts_any_labels_and_arrays(solutions):
    import numpy as np

    def shifted_labels(G, n_in, act_in, n_out, act_out):  # the same classes, other names
        return (np.array(solutions["weight_sharing"](G, n_in, act_in, n_out, act_out)) * 7 + 3).tolist()

    def union_find(G, n_in, act_in, n_out, act_out):  # joins each pair with its images under the generators
        parent = list(range(n_out * n_in))

        def find(a):
            while parent[a] != a:
                a = parent[a]
            return a

        for s in G.generators:
            for j in range(n_out):
                for i in range(n_in):
                    a, b = find(j * n_in + i), find(act_out(s, j) * n_in + act_in(s, i))
                    parent[max(a, b)] = min(a, b)
        return np.array([[find(j * n_in + i) for i in range(n_in)] for j in range(n_out)])

    assert run("check_weight_sharing", shifted_labels).passed
    assert run("check_weight_sharing", union_find).passed


def test_the_number_of_labels_is_the_dimension_of_the_equivariant_layers(solutions):
    import numpy as np

    for what, G, n_in, p_in, n_out, p_out in ch04._sharing_cases():
        pattern = solutions["weight_sharing"](G, n_in, ch04._perm_act(p_in), n_out, ch04._perm_act(p_out))
        P_in = [np.eye(n_in)[:, p] for p in np.asarray(p_in)]
        P_out = [np.eye(n_out)[:, p] for p in np.asarray(p_out)]
        E = np.eye(n_out * n_in).reshape(-1, n_out, n_in)
        eqs = np.stack([np.concatenate([(P_out[g] @ W - W @ P_in[g]).ravel() for g in G.elements]) for W in E], 1)
        assert len({v for row in pattern for v in row}) == n_out * n_in - np.linalg.matrix_rank(eqs), what


# ---------------------------------------------------------------------- 4.8
def _frame(G, act_in, x):
    c = min(act_in(g, x) for g in G.elements)
    return c, [g for g in G.elements if act_in(g, x) == c]


def test_canonicalise_wrong_answers(solutions):
    assert run("check_canonicalise", solutions["canonicalise"]).passed

    def one_h(G, act_in, act_out, f, x):  # the textbook recipe: the first h with h·x = c
        c, frame = _frame(G, act_in, x)
        return act_out(G.inverse(frame[0]), f(c))

    def invariant(G, act_in, act_out, f, x):  # f(c) itself
        c, _ = _frame(G, act_in, x)
        return f(c)

    def moved_forward(G, act_in, act_out, f, x):  # h·f(c) instead of h⁻¹·f(c)
        c, frame = _frame(G, act_in, x)
        y = f(c)
        return sum(act_out(h, y) for h in frame) / len(frame)

    def group_average(G, act_in, act_out, f, x):  # right, but runs the network |G| times
        return sum(act_out(G.inverse(g), f(act_in(g, x))) for g in G.elements) / G.order

    def divided_by_the_group_order(G, act_in, act_out, f, x):
        c, frame = _frame(G, act_in, x)
        y = f(c)
        return sum(act_out(G.inverse(h), y) for h in frame) / G.order

    def no_canonical_form(G, act_in, act_out, f, x):
        return f(x)

    def sorted_entries(G, act_in, act_out, f, x):  # a canonical form outside the orbit
        return f(tuple(sorted(x)))

    def inverse_through_label_0(G, act_in, act_out, f, x):  # h⁻¹ found as the k with h·k = label 0
        c, frame = _frame(G, act_in, x)
        y = f(c)
        inverse = {h: next(k for k in G.elements if G.product(h, k) == 0) for h in frame}
        return sum(act_out(inverse[h], y) for h in frame) / len(frame)

    name = "check_canonicalise"
    assert_fails(
        name,
        one_h,
        "for Z6 shifting binary sequences of length 6, f a random network with one output per position your function "
        "is not equivariant: at x = (0, 0, 0, 0, 0, 0) and g = 1",
        "This x has a symmetry: 6 elements h of G bring it to its canonical form c = (0, 0, 0, 0, 0, 0)",
        "whichever one you pick, the result is not equivariant. Average h⁻¹·f(c) over all of them",
    )
    assert_fails(
        name,
        invariant,
        "your function is not equivariant: at x = (0, 0, 0, 0, 0, 1) and g = 1",
        "You returned f(c), the network's output on the canonical form c, for every x: that is invariant",
    )
    assert_fails(
        name,
        moved_forward,
        "at x = (0, 0, 0, 0, 1, 0) and g = 1",
        "You moved f(c) by the h with h·x = c",
        "go back the other way: h⁻¹·f(c)",
    )
    assert_fails(
        name,
        group_average,
        "at x = (0, 0, 0, 0, 0, 0) you called f 6 times",
        "call it once, on the canonical form of x",
    )
    assert_fails(
        name,
        divided_by_the_group_order,
        "for Z6 shifting binary sequences, f a circular convolution (already equivariant)",
        "canonicalising must give f back, but at x = (0, 0, 0, 0, 0, 1)",
        "you divided by |G| = 6; divide by the number of h with h·x = c, here 1",
    )
    assert_fails(
        name,
        no_canonical_form,
        "You ran f on (0, 0, 0, 0, 0, 1) for x = (0, 0, 0, 0, 0, 1) but on (1, 0, 0, 0, 0, 0) for g·x",
        "the canonical form must be the same point for the whole orbit",
    )
    assert_fails(
        name,
        sorted_entries,
        "at x = (0, 0, 0, 1, 0, 1) you called f on (0, 0, 0, 0, 1, 1), which is not in the orbit of x",
        "here (0, 0, 0, 1, 0, 1)",
    )
    assert_fails(
        name,
        inverse_through_label_0,
        "for D4 relabelled (identity = label 6) on 3×3 binary images, f the centre of mass of the image (already "
        "equivariant): f is already equivariant, so canonicalising must give f back",
    )
    assert_fails(name, lambda G, act_in, act_out, f, x: f(x)[:-1], "you returned something of shape (5,)")
    assert_fails(name, lambda G, act_in, act_out, f, x: f(list(x) + [0]), "which is not an input")


def test_canonicalise_accepts_other_frames_and_canonical_forms(solutions):
    def largest_element(G, act_in, act_out, f, x):  # another canonical form: the largest element of the orbit
        c = max(act_in(g, x) for g in G.elements)
        frame = [g for g in G.elements if act_in(g, x) == c]
        y = f(c)
        return sum(act_out(G.inverse(h), y) for h in frame) / len(frame)

    def stabiliser_of_c(G, act_in, act_out, f, x):  # average over the stabiliser of c, then move back by one h
        c, frame = _frame(G, act_in, x)
        y = f(c)
        stabiliser = [s for s in G.elements if act_in(s, c) == c]
        return act_out(G.inverse(frame[0]), sum(act_out(s, y) for s in stabiliser) / len(stabiliser))

    assert run("check_canonicalise", largest_element).passed
    assert run("check_canonicalise", stabiliser_of_c).passed
    assert run("check_canonicalise", lambda *args: solutions["canonicalise"](*args).tolist()).passed


def test_the_canonicalisation_cases_are_actions_and_the_equivariant_networks_are_equivariant():
    import numpy as np

    for case in ch04._canonical_cases():
        G = case.G
        for x in case.inputs[:: max(1, len(case.inputs) // 40)]:
            assert case.act_in(G.identity, x) == x
            y = case.f(x)
            for g, h in itertools.product(G.elements, repeat=2):
                assert case.act_in(G.product(g, h), x) == case.act_in(g, case.act_in(h, x))
                assert np.allclose(case.act_out(G.product(g, h), y), case.act_out(g, case.act_out(h, y)))
            if case.equivariant:
                assert all(np.allclose(case.f(case.act_in(g, x)), case.act_out(g, y)) for g in G.elements)
    assert any(c.G.identity != 0 and c.equivariant for c in ch04._canonical_cases())
