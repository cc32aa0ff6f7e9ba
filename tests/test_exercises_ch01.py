"""The Chapter 1 checkers (Latin squares, identities, inverses, element orders, units mod n,
cyclic groups, collisions of linear and ReLU layers, the symmetry group of a hidden layer, the
cyclic factors of an abelian group) reject planted wrong answers.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import sympy
import torch

import grouptools as gt
from grouptools.exercises import ch01

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch01)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- 1.1
def test_latin_square_wrong_answers():
    def rows_only(table):
        n = len(table)
        return all(sorted(row) == list(range(n)) for row in table)

    def distinct_entries(table):  # forgets that the labels must be 0..n-1
        n = len(table)
        return all(len(set(row)) == n for row in table) and all(len({r[j] for r in table}) == n for j in range(n))

    def sums(table):
        n = len(table)
        s = n * (n - 1) // 2
        return all(sum(r) == s for r in table) and all(sum(r[j] for r in table) == s for j in range(n))

    def group_tables_only(table):
        try:
            gt.check_group_table(table)
        except gt.NotAGroupError:
            return False
        return True

    def no_return(table):
        sorted(table[0])

    assert_fails("check_is_latin_square", lambda t: True, "[[0, 1], [1, 1]] you returned True", "repeats 1")
    assert_fails("check_is_latin_square", rows_only, "[[0, 1], [0, 1]] you returned True", "column 0 is [0, 0]")
    assert_fails(
        "check_is_latin_square",
        distinct_entries,
        "[[0, 2], [2, 0]] you returned True",
        "row 0 is [0, 2]: it contains 2 (not a label 0..1) and misses 1",
    )
    assert_fails("check_is_latin_square", sums, "[[1, 1, 1], [1, 1, 1], [1, 1, 1]] you returned True", "misses 0, 2")
    assert_fails(
        "check_is_latin_square",
        group_tables_only,
        "[[0, 2, 1], [1, 0, 2], [2, 1, 0]] you returned False",
        "it is a Latin square",
    )
    assert_fails("check_is_latin_square", no_return, "you returned None (did you forget `return`?)")


def test_latin_square_may_modify_its_input(solutions):
    def sorts_in_place(table):
        n = len(table)
        for row in table:
            row.sort()
        return solutions["is_latin_square"](table) and n > 0

    # each call gets its own copy of the table, so the verdict and the quoted table are unaffected
    assert_fails("check_is_latin_square", sorts_in_place, "you returned False, but it is a Latin square")


# ---------------------------------------------------------------------- 1.2
def test_nonassociative_triple_wrong_answers():
    def colex(table):  # loops in the wrong order
        n = len(table)
        for c, b, a in itertools.product(range(n), repeat=3):
            if table[table[a][b]][c] != table[a][table[b][c]]:
                return (a, b, c)
        return None

    def off_by_one(table):
        n = len(table)
        for a, b, c in itertools.product(range(n - 1), repeat=3):
            if table[table[a][b]][c] != table[a][table[b][c]]:
                return (a, b, c)
        return None

    def commutativity(table):
        n = len(table)
        for a, b in itertools.product(range(n), repeat=2):
            if table[a][b] != table[b][a]:
                return (a, b, 0)
        return None

    def all_triples(table):
        n = len(table)
        triples = itertools.product(range(n), repeat=3)
        return [(a, b, c) for a, b, c in triples if table[table[a][b]][c] != table[a][table[b][c]]] or None

    def _first(triples, table):
        return next((t for t in triples if table[table[t[0]][t[1]]][t[2]] != table[t[0]][table[t[1]][t[2]]]), None)

    def distinct_labels_only(table):  # permutations skip (0, 0, 1)
        return _first(itertools.permutations(range(len(table)), 3), table)

    def increasing_triples_only(table):  # a ≤ b ≤ c, as if the order did not matter
        return _first(itertools.combinations_with_replacement(range(len(table)), 3), table)

    def keeps_the_last(table):  # no early return: the loop overwrites its answer
        n, found = len(table), None
        for a, b, c in itertools.product(range(n), repeat=3):
            if table[table[a][b]][c] != table[a][table[b][c]]:
                found = (a, b, c)
        return found

    def column_row_convention(table):  # reads table[a][b] as b·a
        return _first(itertools.product(range(len(table)), repeat=3), [list(col) for col in zip(*table)])

    name = "check_first_nonassociative_triple"
    assert_fails(
        name,
        lambda t: None,
        "[[0, 2, 1], [1, 0, 2], [2, 1, 0]] you returned None",
        "(a, b, c) = (0, 0, 1)",
        "(0·0)·1 = 0·1 = 2 and 0·(0·1) = 0·2 = 1",
    )
    assert_fails(
        name,
        colex,
        "rock–paper–scissors",
        "you returned (2, 1, 0), which is non-associative, but (0, 1, 2) comes earlier",
    )
    assert_fails(
        name,
        off_by_one,
        "rock–paper–scissors",
        "you returned None, but it is not associative: for (a, b, c) = (0, 1, 2)",
    )
    assert_fails(
        name,
        commutativity,
        "you returned (0, 1, 0), but that triple is associative",
        "The first non-associative triple is (0, 0, 1)",
    )
    assert_fails(name, all_triples, "return a tuple (a, b, c) of three labels, or None")
    assert_fails(name, distinct_labels_only, "you returned (0, 1, 2)", "(0, 0, 1) comes earlier", "may repeat a label")
    assert_fails(
        name, increasing_triples_only, "you returned (1, 1, 1)", "(1, 0, 0) comes earlier", "not only a ≤ b ≤ c"
    )
    assert_fails(name, keeps_the_last, "you returned (2, 2, 2)", "you returned the last non-associative triple")
    assert_fails(name, column_row_convention, "you returned (1, 0, 0), but that triple is associative", "table[b][a]")
    assert_fails(name, lambda t: (0, 0, 0), "Z4 you returned (0, 0, 0), but the table is associative", "return None")


# ---------------------------------------------------------------------- 1.3
def test_find_identity_wrong_answers():
    def row_only(table):
        n = len(table)
        return next((e for e in range(n) if list(table[e]) == list(range(n))), None)

    def column_only(table):
        n = len(table)
        return next((e for e in range(n) if [table[x][e] for x in range(n)] == list(range(n))), None)

    def idempotent(table):  # e·e = e holds for the identity, but not only for it
        return next((e for e in range(len(table)) if table[e][e] == e), None)

    def row_and_column_are_permutations(table):  # true of every element of a group
        n = len(table)
        labels = list(range(n))
        return next((e for e in range(n) if sorted(table[e]) == labels and sorted(r[e] for r in table) == labels), None)

    def identity_at_zero(table):
        n = len(table)
        return 0 if list(table[0]) == list(range(n)) and [r[0] for r in table] == list(range(n)) else None

    def false_when_none(table):
        n = len(table)
        return next((e for e in range(n) if list(table[e]) == list(range(n)) == [r[e] for r in table]), False)

    def minus_one_when_none(table):
        n = len(table)
        return next((e for e in range(n) if list(table[e]) == list(range(n)) == [r[e] for r in table]), -1)

    name = "check_find_identity"
    assert_fails(name, idempotent, "[[0, 1], [0, 1]] of a·b = b you returned 0", "it has no identity, return None")
    assert_fails(
        name, row_and_column_are_permutations, "relabelled Cayley table of D3 (6×6) you returned 0", "the identity is 2"
    )
    assert_fails(name, identity_at_zero, "relabelled Cayley table of D3 (6×6) you returned None", "2 is an identity")
    assert_fails(name, false_when_none, "you returned False; return a label 0..1 or None")
    assert_fails(name, minus_one_when_none, "you returned -1, but the labels are 0..1")
    assert_fails(
        name,
        row_only,
        "[[0, 1], [0, 1]] of a·b = b you returned 0",
        "1·0 = 0, not 1",
        "it has no identity, return None",
    )
    assert_fails(name, column_only, "[[0, 0], [1, 1]] of a·b = a you returned 0", "0·1 = 0, not 1")
    assert_fails(name, lambda t: 0, "relabelled Cayley table of D3 (6×6) you returned 0", "the identity is 2")
    assert_fails(
        name,
        lambda t: None,
        "for the table [[0]] you returned None, but 0 is an identity: row 0 and column 0 both read [0]",
    )
    assert_fails(name, lambda t: "e", "you returned 'e'; return a label 0..0 or None")


# ---------------------------------------------------------------------- 1.4
def test_inverses_wrong_answers():
    def right_inverse_only(table, e):
        n = len(table)
        inv = []
        for a in range(n):
            found = [b for b in range(n) if table[a][b] == e]
            if not found:
                return None
            inv.append(found[0])
        return inv

    def identity_is_zero(table, e):
        n = len(table)
        return [next((b for b in range(n) if table[a][b] == 0 == table[b][a]), 0) for a in range(n)]

    def crashes_without_zero(table, e):
        n = len(table)
        return [next(b for b in range(n) if table[a][b] == 0 == table[b][a]) for a in range(n)]

    def as_dict(table, e):
        n = len(table)
        return {a: b for a in range(n) for b in range(n) if table[a][b] == e == table[b][a]}

    def largest(table, e):  # several two-sided inverses in a non-associative table: the spec says the smallest
        n = len(table)
        inv = []
        for a in range(n):
            found = [b for b in range(n) if table[a][b] == e == table[b][a]]
            if not found:
                return None
            inv.append(found[-1])
        return inv

    name = "check_inverses"
    assert_fails(
        name,
        largest,
        "1 and 2 each have two inverses) with identity e = 0 you returned inv[1] = 2, which is an inverse of 1, "
        "but so is 1 (1·1 = 0): when several labels work, return the smallest",
    )
    assert_fails(
        name,
        right_inverse_only,
        "[[0, 1, 2], [1, 2, 0], [2, 1, 0]] with identity e = 0 you returned [0, 2, 2]",
        "element 1 has no inverse: 1·2 = 0 but 2·1 = 1",
        "return None",
    )
    assert_fails(
        name,
        identity_is_zero,
        "relabelled Cayley table of D3 (identity 2) with identity e = 2",
        "(both must be 2)",
    )
    assert_fails(name, as_dict, "you returned a dict")
    assert_fails(
        name,
        crashes_without_zero,
        "(identity 2) with identity e = 2 your code raised StopIteration (at `return [next(",
    )
    assert_fails(
        name,
        lambda t,
        e: list(range(len(t))),
        "Z6 with identity e = 0 you returned inv[1] = 1, but 1·1 = 2 (it must be 0); the inverse of 1 is 5",
    )
    assert_fails(
        name,
        lambda t,
        e: None if len(t) > 1 else [0],
        "Z6 with identity e = 0 you returned None, but every element has an inverse: [0, 5, 4, 3, 2, 1]",
    )


# ---------------------------------------------------------------------- 1.5
def test_element_order_wrong_answers():
    def uses_the_library(G, g):
        return G.element_order(g)

    def compares_g_itself(G, g):
        x, k = g, 1
        while x != G.identity:
            x, k = G.product(x, g), k + 1
        return k

    def by_squaring(G, g):  # never reaches e for elements of odd order > 1
        x, k = G.product(G.identity, g), 1
        while x != G.identity:
            x, k = G.product(x, x), 2 * k
        return k

    def one_too_many(G, g):
        x, k = G.product(G.identity, g), 1
        while x != G.identity:
            x, k = G.product(x, g), k + 1
        return k + 1

    name = "check_element_order"
    assert_fails(name, uses_the_library, "use only G.product and G.identity", "G.element_order")
    assert_fails(name, lambda G, g: len(G), "use only G.product and G.identity", "len(G)")
    assert_fails(name, compares_g_itself, "for D4 and g='e' you returned 2, expected 1")
    assert_fails(name, by_squaring, "for Z6 and g=1 your code called G.product more than 34 times")
    assert_fails(name, one_too_many, "for Z1 and g=0 you returned 2, expected 1")
    assert_fails(name, lambda G, g: 2.0, "you returned 2.0; return an integer")


def test_element_order_reports_the_expected_power():
    def lies_for_reflections(G, g):
        return 4 if G.product(g, g) == G.identity and G.product(G.identity, g) != G.identity else 1

    assert_fails(
        "check_element_order",
        lies_for_reflections,
        "for D4 and g='r s' you returned 4, expected 2",
        "(r s)^2 = e",
    )


# ---------------------------------------------------------------------- 1.6
def _units(n):
    return [k for k in range(1, n) if math.gcd(k, n) == 1]


def test_units_mod_wrong_answers():
    def table_and_names(n):
        units = _units(n)
        pos = {u: i for i, u in enumerate(units)}
        return [[pos[u * v % n] for v in units] for u in units], [str(u) for u in units]

    def values_not_labels(n):
        units = _units(n)
        return gt.FiniteGroup.from_table([[u * v % n for v in units] for u in units], [str(u) for u in units])

    def cyclic_instead(n):
        units = _units(n)
        return gt.FiniteGroup.from_table(gt.cyclic(len(units)).table, [str(u) for u in units])

    def labels_as_names(n):
        units = _units(n)
        pos = {u: i for i, u in enumerate(units)}
        return gt.FiniteGroup.from_table([[pos[u * v % n] for v in units] for u in units])

    def decreasing(n):
        units = _units(n)[::-1]
        pos = {u: i for i, u in enumerate(units)}
        return gt.FiniteGroup.from_table([[pos[u * v % n] for v in units] for u in units], [str(u) for u in units])

    def odd_residues(n):  # right for n = 2, 4, 8, 16 only
        units = list(range(1, n, 2))
        pos = {u: i for i, u in enumerate(units)}
        return gt.FiniteGroup.from_table([[pos[u * v % n] for v in units] for u in units], [str(u) for u in units])

    name = "check_units_mod"
    assert_fails(name, odd_residues, "for n = 3 the element names are ['1'], expected ['1', '2']")
    assert_fails(name, table_and_names, "units_mod(2) returned tuple; return a FiniteGroup")
    assert_fails(name, values_not_labels, "your code raised NotAGroupError", "not closed")
    assert_fails(
        name,
        cyclic_instead,
        "for n = 5: 2·2 = 4 ≡ 4 (mod 5), which is label 3, but your table[1][1] is 2 (the element '3')",
    )
    assert_fails(name, labels_as_names, "for n = 2 the element names are ['0'], expected ['1']")
    assert_fails(name, decreasing, "for n = 3 the element names are ['2', '1'], expected ['1', '2']")


# ---------------------------------------------------------------------- 1.7
def test_is_cyclic_wrong_answers():
    def label_one_generates(G):
        return G.order == 1 or G.element_order(1) == G.order

    def prime_order(G):
        return G.order > 1 and all(G.order % p for p in range(2, G.order))

    def abelian_of_square_free_order(G):  # true of every cyclic group of Z1, Z7, Z2×Z3, Z6, Z9^×, Z18^×
        n = G.order
        return G.is_abelian() and all(n % (p * p) for p in range(2, n + 1))

    def identity_cannot_generate(G):
        return any(G.element_order(g) == G.order for g in G.elements if g != G.identity)

    def exponent_is_the_order(G):  # the lcm of the orders is |G| also in S3
        return math.lcm(*G.element_orders().tolist()) == G.order

    def one_library_generator(G):  # G.generators is some generating set, not a smallest one
        return len(G.generators) <= 1

    name = "check_is_cyclic"
    assert_fails(
        name,
        abelian_of_square_free_order,
        "for Z4 you returned False, but the element '1' has order 4 = |G|",
        "|G| = 4 is divisible by 2² = 4",
        "a cyclic group can have any order",
    )
    assert_fails(name, identity_cannot_generate, "for Z1 you returned False, but the element '0' has order 1 = |G|")
    assert_fails(name, exponent_is_the_order, "for D3 you returned True, but no element has order |G| = 6")
    assert_fails(name, one_library_generator, "for Z2×Z3 you returned False, but the element '(1, 1)' has order 6")
    assert_fails(name, lambda G: G.is_abelian(), "for V4 you returned True, but no element has order |G| = 4", "'a': 2")
    assert_fails(name, label_one_generates, "for Z2×Z3 you returned False, but the element '(1, 1)' has order 6 = |G|")
    assert_fails(name, prime_order, "for Z1 you returned False, but the element '0' has order 1 = |G|")
    assert_fails(name, lambda G: 1, "for Z1 you returned 1; return True or False")


def test_is_cyclic_accepts_numpy_booleans():
    assert run("check_is_cyclic", lambda G: (G.element_orders() == G.order).any()).passed


# ---------------------------------------------------------------------- 1.8
def test_linear_collision_wrong_answers():
    def same_input(layer):
        x = torch.ones(layer.in_features)
        return x, x.clone()

    def tiny_step(layer):
        x = torch.ones(layer.in_features)
        return x, x + 1e-6

    def random_pair(layer):
        return torch.zeros(layer.in_features), torch.ones(layer.in_features)

    def left_null_vector(layer):  # u with uᵀW = 0 instead of v with Wv = 0
        _, _, Vh = torch.linalg.svd(layer.weight.detach().T)
        return torch.zeros(layer.in_features), Vh[-1]

    def largest_singular_direction(layer):  # Vh[0] instead of Vh[-1]
        _, _, Vh = torch.linalg.svd(layer.weight.detach())
        return torch.zeros(layer.in_features), Vh[0]

    def reduced_svd(layer):  # full_matrices=False drops the null space of a wide matrix
        _, _, Vh = torch.linalg.svd(layer.weight.detach(), full_matrices=False)
        return torch.zeros(layer.in_features), Vh[-1]

    name = "check_linear_collision"
    assert_fails(name, largest_singular_direction, "for Linear(4 → 4) of rank 2 your inputs give different outputs")
    assert_fails(name, reduced_svd, "for Linear(6 → 3) of rank 3 your inputs give different outputs")
    assert_fails(name, same_input, "for Linear(4 → 4) of rank 2", "(almost) the same input")
    assert_fails(name, tiny_step, "(almost) the same input")
    assert_fails(name, random_pair, "for Linear(4 → 4) of rank 2 your inputs give different outputs")
    assert_fails(name, left_null_vector, "your inputs give different outputs")
    assert_fails(name, lambda layer: torch.zeros(layer.in_features), "return a pair (x, x_prime)")
    assert_fails(
        name,
        lambda layer: (torch.zeros(3), torch.ones(3)),
        "x has shape (3,), but the model takes vectors of shape (4,)",
    )
    assert_fails(name, lambda layer: (torch.zeros(4), torch.full((4,), float("nan"))), "x_prime contains inf or nan")


def test_linear_collision_accepts_numpy_and_batched_inputs(solutions):
    def as_numpy(layer):
        x, y = solutions["linear_collision"](layer)
        return x.numpy().astype(np.float64), y[None, :]

    assert run("check_linear_collision", as_numpy).passed


def test_collision_checkers_leave_the_random_state_alone(solutions):
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    ch01.check_linear_collision(solutions["linear_collision"])
    ch01.check_relu_collision(solutions["relu_collision"])
    assert torch.equal(torch.rand(3), expected)


# ---------------------------------------------------------------------- 1.9
def test_relu_collision_wrong_answers(solutions):
    def null_vector_of_first_layer(model):  # the 1.8 answer: W₁ is invertible, so it fails (except by luck)
        return solutions["linear_collision"](model[0])

    def same_point(model):
        W, b = model[0].weight.detach(), model[0].bias.detach()
        x = torch.linalg.solve(W, -1.0 - b)
        return x, x + 1e-7

    def forgets_the_bias(model):  # solves W₁x = −1: right only while every bias is below 1
        W = model[0].weight.detach()
        ones = torch.ones(W.shape[0])
        return torch.linalg.solve(W, -ones), torch.linalg.solve(W, -2 * ones)

    def transposed_weight(model):  # solves W₁ᵀx = −1 − b₁
        W, b = model[0].weight.detach(), model[0].bias.detach()
        return torch.linalg.solve(W.T, -1.0 - b), torch.linalg.solve(W.T, -2.0 - b)

    def very_negative_inputs(model):  # hopes that large negative inputs make every unit negative
        d = model[0].in_features
        return -100 * torch.ones(d), -200 * torch.ones(d)

    def first_unit_only(model):  # makes one unit negative (pre-activations −1 and −2), not all
        W, b = model[0].weight.detach(), model[0].bias.detach()
        x = -(1 + b[0]) * W[0] / W[0].dot(W[0])
        return x, x - W[0] / W[0].dot(W[0])

    def opposite_signs(model):  # pre-activations +1 and −1: only the negative one is hidden by the ReLU
        W, b = model[0].weight.detach(), model[0].bias.detach()
        return torch.linalg.solve(W, 1.0 - b), torch.linalg.solve(W, -1.0 - b)

    name = "check_relu_collision"
    assert_fails(
        name,
        forgets_the_bias,
        "for the ReLU network 3 → 3 → 2 whose first layer has the bias (2.5, −1.5, 4)",
        "are positive in units 0, 2",
        "did you forget the bias b₁?",
    )
    assert_fails(name, transposed_weight, "positive in unit 1", "nn.Linear computes W₁x + b₁")
    assert_fails(name, very_negative_inputs, "your inputs give different outputs", "positive in unit 1")
    assert_fails(name, first_unit_only, "for the ReLU network 3 → 3 → 3", "W₁x + b₁ = [-1.0, ", "positive in unit 1")
    assert_fails(name, opposite_signs, "W₁x + b₁ = [1.0, 1.0, 1.0]", "positive in units 0, 1, 2")
    assert_fails(
        name,
        null_vector_of_first_layer,
        "for the ReLU network 4 → 4 → 4 → 4",
        "your inputs give different outputs",
    )
    assert_fails(name, same_point, "(almost) the same input")
    assert_fails(name, lambda m: (torch.zeros(3), torch.ones(3)), "your inputs give different outputs")


def test_relu_cases_have_invertible_first_layers():
    for model, _ in ch01._relu_cases():
        W = model[0].weight.detach()
        assert W.shape[0] == W.shape[1]
        assert torch.linalg.cond(W) < 1e3


# ---------------------------------------------------------------------- 1.10
def _matrix_closure(generators, max_order, key, full=lambda found, max_order: found == max_order):
    """Breadth-first closure of matrices looked up by ``key``: (elements, index), or None once ``full``."""
    gens = [np.asarray(g, dtype=float) for g in generators]
    identity = np.eye(len(gens[0]))
    elements, index, frontier = [identity], {key(identity): 0}, [identity]
    while frontier:
        fresh = []
        for x in frontier:
            for g in gens:
                y = x @ g
                if key(y) not in index:
                    if full(len(elements), max_order):
                        return None
                    index[key(y)] = len(elements)
                    elements.append(y)
                    fresh.append(y)
        frontier = fresh
    return elements, index


def _with_table(found, key):
    if found is None:
        return None
    elements, index = found
    return elements, [[index[key(a @ b)] for b in elements] for a in elements]


def _rounded_key(M):
    return (np.round(M, 8) + 0.0).tobytes()


def test_symmetry_group_wrong_answers(solutions):
    def exact_comparison(generators, max_order):  # right for permutation and sign matrices only
        def key(M):  # the entries themselves: -0.0 == 0.0, but no tolerance
            return tuple(M.ravel().tolist())

        return _with_table(_matrix_closure(generators, max_order, key), key)

    def negative_zero(generators, max_order):  # rounds, but -0.0 and 0.0 give different bytes
        def key(M):
            return np.round(M, 8).tobytes()

        found = _matrix_closure(generators, max_order, key)
        if found is None:
            return None
        elements, index = found
        return elements, [[index.get(key(a @ b), 0) for b in elements] for a in elements]

    def whole_numbers(generators, max_order):  # the chapter's matrices have integer entries; these need not
        def key(M):
            return np.rint(M).astype(int).tobytes()

        return _with_table(_matrix_closure(generators, max_order, key), key)

    def none_at_max_order(generators, max_order):  # gives up at max_order elements instead of beyond it
        found = _matrix_closure(generators, max_order, _rounded_key, lambda found, m: found + 1 >= m)
        return _with_table(found, _rounded_key)

    def transposed_table(generators, max_order):
        answer = solutions["symmetry_group"](generators, max_order)
        if answer is None:
            return None
        elements, table = answer
        return elements, [list(column) for column in zip(*table)]

    def one_round(generators, max_order):  # the generators and their products in pairs, no further
        gens = [np.asarray(g, dtype=float) for g in generators]
        elements, index = [], {}
        for M in [np.eye(len(gens[0]))] + gens + [a @ b for a in gens for b in gens]:
            if _rounded_key(M) not in index:
                index[_rounded_key(M)] = len(elements)
                elements.append(M)
        return elements, [[index.get(_rounded_key(a @ b), 0) for b in elements] for a in elements]

    def powers_only(generators, max_order):  # the union of the cyclic groups ⟨g⟩
        gens = [np.asarray(g, dtype=float) for g in generators]
        identity = np.eye(len(gens[0]))
        elements, index = [identity], {_rounded_key(identity): 0}
        for g in gens:
            x = g
            while _rounded_key(x) not in index:
                index[_rounded_key(x)] = len(elements)
                elements.append(x)
                x = x @ g
        return elements, [[index.get(_rounded_key(a @ b), 0) for b in elements] for a in elements]

    def truncates(generators, max_order):  # stops at max_order but returns what it found
        answer = _matrix_closure(generators, max_order, _rounded_key)
        if answer is not None:
            return _with_table(answer, _rounded_key)
        return [np.eye(len(generators[0]))], [[0]]

    name = "check_symmetry_group"
    assert_fails(
        name,
        exact_comparison,
        "for a pair of hidden units with a norm activation, generators g0 = rotate the pair by 90°",
        "you returned None, but the group is finite, with 4 elements",
        "so g0^4 is the identity only up to rounding (< 1e-12)",
        "compare matrices with a tolerance (every entry within 1e-06), not exactly",
    )
    # where the first -0.0 turns up depends on the BLAS kernel (a product of signed permutation matrices may
    # hold one already); by the 90° rotation it has: its square's tiny entries have opposite signs
    assert_fails(
        name,
        negative_zero,
        "are the same matrix",
        "up to rounding (they differ by < 1e-12)",
        "np.round(-1e-17, 8) is -0.0, whose bytes differ from those of 0.0",
    )
    assert_fails(
        name,
        whole_numbers,
        "rotate the pair by 30°",
        "you returned 1 matrix, but the group has 12: g0 = [[0.866, -0.5], [0.5, 0.866]] is missing",
        "not by rounding to integers",
    )
    assert_fails(
        name,
        none_at_max_order,
        "a tanh layer with 3 hidden units, generators g0 = swap units 0 and 1",
        "you returned None, but the group is finite, with 48 elements — exactly max_order",
    )
    assert_fails(
        name,
        transposed_table,
        "a tanh layer with 2 hidden units",
        "table[1][2] is 4, but elements[1] @ elements[2] = [[0, 1], [-1, 0]] is elements[3]",
        "your entry is the index of elements[2] @ elements[1]",
    )
    assert_fails(
        name,
        one_round,
        "a tanh layer with 2 hidden units",
        "you returned 5 matrices, but the group has 8: g0 @ g1 @ g0 = [[1, 0], [0, -1]] is missing",
        "until a whole round adds no new matrix",
    )
    assert_fails(name, powers_only, "you returned 3 matrices, but the group has 8: g0 @ g1 = [[0, 1], [-1, 0]] is missing")
    assert_fails(
        name,
        truncates,
        "for a ReLU layer with 2 hidden units, generators g0 = scale unit 0 by 2, max_order = 20",
        "the group is infinite (g0^k = diag(2^k, 1) is a different matrix for every k)",
        "return None",
    )
    assert_fails(name, lambda gens, m: [np.eye(2)], "return a pair (elements, table), or None")
    assert_fails(
        name,
        lambda gens, m: ([np.eye(3)], [[0]]),
        "elements[0] has shape (3, 3), but the matrices are 2×2",
    )


def test_symmetry_group_accepts_any_order_arrays_and_a_tolerance_search(solutions):
    def tolerance_search(generators, max_order):  # compares with every element found: slower, always safe
        gens = [np.asarray(g, dtype=float) for g in generators]
        elements = [np.eye(len(gens[0]))]

        def find(M):
            return next((i for i, A in enumerate(elements) if np.abs(A - M).max() <= 1e-6), None)

        k = 0
        while k < len(elements):
            for g in gens:
                y = elements[k] @ g
                if find(y) is None:
                    if len(elements) == max_order:
                        return None
                    elements.append(y)
            k += 1
        return elements, [[find(a @ b) for b in elements] for a in elements]

    def reversed_arrays(generators, max_order):  # the last element first, as one array and a numpy table
        answer = solutions["symmetry_group"](generators, max_order)
        if answer is None:
            return None
        elements, table = answer
        n = len(elements)
        flip = np.array(table)[::-1, ::-1]
        return np.stack(elements[::-1]), n - 1 - flip

    assert run("check_symmetry_group", tolerance_search).passed
    assert run("check_symmetry_group", reversed_arrays).passed


def test_symmetry_group_cases_are_what_they_claim():
    orders = [None if (G := case.reference()) is None else G.order for case in ch01._symmetry_cases()]
    assert orders == [8, 4, 12, 6, 48, 1, 8, 12, 24, 12, 6, None, None]
    three_units = ch01._symmetry_cases()[4]
    assert three_units.max_order == 48  # the borderline: a group with exactly max_order elements


# ---------------------------------------------------------------------- 1.11
def _divisor_chains(n, smallest=2):
    """Every list [d1, …, dk] with smallest ≤ d1 | d2 | … | dk and product n."""
    if n == 1:
        return [[]]
    chains = []
    for d in range(smallest, n + 1):
        if n % d == 0:
            chains += [[d] + rest for rest in _divisor_chains(n // d, d) if not rest or rest[0] % d == 0]
    return chains


def test_cyclic_factors_wrong_answers(solutions):
    correct = solutions["cyclic_factors"]

    def assumes_cyclic(G):
        return [G.order] if G.order > 1 else []

    def exponent_and_the_rest(G):  # Z_exp × (the rest, as if it were cyclic)
        exponent = int(G.element_orders().max())
        return [G.order // exponent, exponent] if G.order > exponent else ([exponent] if exponent > 1 else [])

    def prime_powers(G):  # the elementary divisors: Z2 × Z3 is not merged into Z6
        out = []
        for d in correct(G):
            for p, a in sympy.factorint(d).items():
                out.append(p**a)
        return sorted(out)

    def one_factor_per_prime(G):  # a Z_p for every prime factor of |G|, with multiplicity
        return sorted(p for p, a in sympy.factorint(G.order).items() for _ in range(a))

    def orders_of_the_generators(G):  # G.generators is some generating set, not a decomposition
        return sorted(G.element_order(g) for g in G.generators)

    def decreasing(G):
        return correct(G)[::-1]

    def trivial_is_one(G):
        return correct(G) or [1]

    def identity_is_label_zero(G):  # ord(x) as the least m with x^m == 0
        orders = [next((m for m in range(1, G.order + 1) if G.power(x, m) == 0), G.order + 1) for x in G.elements]

        class Orders:
            order = G.order

            @staticmethod
            def element_orders():
                return np.array(orders)

        return correct(Orders)

    name = "check_cyclic_factors"
    assert_fails(
        name,
        assumes_cyclic,
        "for V4 (order 4) you returned [4], but Z4 has 2 elements with x^2 = e and G has 4; G ≅ Z2 × Z2",
    )
    assert_fails(
        name,
        exponent_and_the_rest,
        "for V4×Z4 relabelled (identity = label 3) (order 16) you returned [4, 4]",
        "Z4 × Z4 has 4 elements with x^2 = e and G has 8; G ≅ Z2 × Z2 × Z4, the answer is [2, 2, 4]",
    )
    assert_fails(
        name,
        prime_powers,
        "for Z2×Z3 (order 6) you returned [2, 3], but each factor must divide the next",
        "Z2 × Z3 ≅ Z6 since gcd(2, 3) = 1, so merge factors of coprime orders",
    )
    assert_fails(name, one_factor_per_prime, "for Z4 (order 4) you returned [2, 2], but Z2 × Z2 has 4 elements with x^2 = e")
    assert_fails(name, orders_of_the_generators, "for Z2×Z3 (order 6) you returned [2, 3]", "the answer is [6]")
    assert_fails(name, decreasing, "you returned [4, 2]", "list the factors in increasing order")
    assert_fails(name, trivial_is_one, "for Z1 (order 1) you returned [1]", "the trivial group's list is []")
    assert_fails(
        name,
        identity_is_label_zero,
        "for Z15^× relabelled (identity = label 3) (order 8) you returned []",
        "(note: in this G the identity is label 3, not 0)",
        "the answer is [2, 4]",
    )
    assert_fails(name, lambda G: {2, 4}, "return a list of integers")


def test_cyclic_factors_accepts_a_search_over_divisor_chains():
    def by_counting(G):  # the chain whose numbers of solutions of x^m = e all agree with G's
        orders = G.element_orders()
        counts = [int((m % orders == 0).sum()) for m in range(1, G.order + 1)]
        return next(
            np.array(chain)  # a numpy array is accepted
            for chain in _divisor_chains(G.order)
            if all(math.prod(math.gcd(m, d) for d in chain) == counts[m - 1] for m in range(1, G.order + 1))
        )

    assert run("check_cyclic_factors", by_counting).passed


def test_cyclic_factors_cases_include_the_traps():
    cases = {G.name: ch01._invariant_factors(G) for G in ch01._abelian_cases()}
    assert cases["Z4×Z4"] == [4, 4] and cases["V4×Z4 relabelled (identity = label 3)"] == [2, 2, 4]  # same exponent
    assert cases["Z2×Z3"] == [6] and cases["V4×Z3"] == [2, 6]  # coprime factors merge
    assert any(G.identity != 0 for G in ch01._abelian_cases())
