"""Tests of the finite-group core: axioms for every constructor, cross-checks with
sympy, and a battery of bad input that must fail with a specific, clear error."""

from __future__ import annotations

import itertools
import math
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import Permutation, PermutationGroup
from sympy.combinatorics.named_groups import AlternatingGroup, DihedralGroup, SymmetricGroup

import grouptools as gt
from grouptools import FiniteGroup, NotAGroupError
from strategies import direct_products, relabelled
from strategies import named_groups as named

# --------------------------------------------------------------------------- strategies

named_groups = named(cyclic=24, dihedral=12, symmetric=5, alternating=(1, 5))
any_group = st.one_of(named_groups, direct_products(named_groups, max_order=150))


def brute_force_axioms(G: FiniteGroup) -> None:
    """An independent, loop-based check of the group axioms on G's table."""
    n, t, e = G.order, G.table, G.identity
    assert t.shape == (n, n) and t.min() >= 0 and t.max() < n
    for a, b, c in itertools.product(range(n), repeat=3):
        assert t[t[a, b], c] == t[a, t[b, c]], (a, b, c)
    for a in range(n):
        assert t[e, a] == a and t[a, e] == a
        assert t[a, G.inverse(a)] == e and t[G.inverse(a), a] == e


# --------------------------------------------------------------------------- axioms


@settings(max_examples=40, deadline=None)
@given(any_group)
def test_every_constructor_gives_a_group(G):
    # the vectorised checker and a loop-based one agree
    table, e, inv = gt.check_group_table(G.table)
    assert e == G.identity == 0
    assert np.array_equal(inv, [G.inverse(g) for g in G.elements])
    if G.order <= 30:
        brute_force_axioms(G)
    # the table is a Latin square
    for row in G.table:
        assert sorted(row) == G.elements
    for col in G.table.T:
        assert sorted(col) == G.elements
    # names are distinct and round-trip
    assert all(G.label(G.element_name(g)) == g for g in G.elements)
    # the recorded generators generate
    assert G.closure(G.generators) == G.elements


@settings(max_examples=60, deadline=None)
@given(any_group, st.data())
def test_products_powers_and_orders(G, data):
    a = data.draw(st.integers(0, G.order - 1))
    b = data.draw(st.integers(0, G.order - 1))
    k = data.draw(st.integers(-50, 50))
    # power agrees with repeated multiplication
    expected = G.identity
    base = a if k >= 0 else G.inverse(a)
    for _ in range(abs(k)):
        expected = G.product(expected, base)
    assert G.power(a, k) == expected
    # element order: least positive k with a^k = e
    o = G.element_order(a)
    assert G.power(a, o) == G.identity
    assert all(G.power(a, j) != G.identity for j in range(1, o))
    assert G.element_order(G.inverse(a)) == o
    assert G.element_order(G.product(a, b)) == G.element_order(G.product(b, a))
    assert G.order % o == 0  # Lagrange, for cyclic subgroups
    # (ab)^-1 = b^-1 a^-1 and a product of several factors
    assert G.inverse(G.product(a, b)) == G.product(G.inverse(b), G.inverse(a))
    assert G.product(a, b, G.inverse(b)) == a


@settings(max_examples=30, deadline=None)
@given(named_groups, named_groups)
def test_direct_product_is_componentwise(G, H):
    P = gt.direct_product(G, H)
    assert P.order == G.order * H.order
    assert P.is_abelian() == (G.is_abelian() and H.is_abelian())
    m = H.order
    for x in range(0, P.order, max(1, P.order // 13)):
        for y in range(0, P.order, max(1, P.order // 11)):
            g = G.product(x // m, y // m)
            h = H.product(x % m, y % m)
            assert P.product(x, y) == g * m + h
    orders = P.element_orders()
    for x in P.elements:
        assert orders[x] == math.lcm(G.element_order(x // m), H.element_order(x % m))


@pytest.mark.parametrize("n", range(1, 13))
def test_cyclic_and_dihedral_structure(n):
    Z = gt.cyclic(n)
    assert Z.order == n and Z.is_abelian()
    assert Z.element_order(1 % n) == n
    D = gt.dihedral(n)
    assert D.order == 2 * n
    r, s = D.label("r") if n > 1 else D.identity, D.label("s")
    assert D.element_order(s) == 2
    # s r s = r^-1
    assert D.product(s, r, s) == D.inverse(r)
    assert D.is_abelian() == (n <= 2)
    if n > 2:
        assert D.element_name(D.product(D.power(r, 2), s)) == "r^2 s"


# --------------------------------------------------------------------------- sympy cross-checks


def _sympy_order_histogram(group) -> dict[int, int]:
    counts: dict[int, int] = {}
    for p in group.generate():
        counts[p.order()] = counts.get(p.order(), 0) + 1
    return counts


def _histogram(G: FiniteGroup) -> dict[int, int]:
    values, counts = np.unique(G.element_orders(), return_counts=True)
    return {int(v): int(c) for v, c in zip(values, counts)}


@pytest.mark.parametrize(
    "ours, theirs",
    [
        (lambda n=n: gt.symmetric(n), lambda n=n: SymmetricGroup(n))
        for n in range(2, 6)
    ]
    + [(lambda n=n: gt.alternating(n), lambda n=n: AlternatingGroup(n)) for n in range(3, 6)]
    + [(lambda n=n: gt.dihedral(n), lambda n=n: DihedralGroup(n)) for n in range(3, 9)],
    ids=[f"S{n}" for n in range(2, 6)] + [f"A{n}" for n in range(3, 6)] + [f"D{n}" for n in range(3, 9)],
)
def test_orders_and_abelianness_match_sympy(ours, theirs):
    G, P = ours(), theirs()
    assert G.order == P.order()
    assert G.is_abelian() == P.is_abelian
    assert _histogram(G) == _sympy_order_histogram(P)


def test_symmetric_products_compose_as_functions():
    S4 = gt.symmetric(4)
    for a, b in [(5, 17), (3, 22), (9, 6)]:
        pa, pb = S4.permutations.sympy(a), S4.permutations.sympy(b)
        ab = S4.permutations.sympy(S4.product(a, b))
        for i in range(4):
            assert ab(i) == pa(pb(i))  # first b, then a
        # sympy's p*q is "first p, then q"
        assert ab == pb * pa
        assert S4.element_name(a) == _sympy_cycles(pa)


def _sympy_cycles(p: Permutation) -> str:
    return "".join("(" + " ".join(map(str, c)) + ")" for c in p.cyclic_form) or "()"


@settings(max_examples=25, deadline=None)
@given(st.integers(2, 6), st.data())
def test_from_permutations_matches_sympy(degree, data):
    perm = st.permutations(list(range(degree)))
    gens = data.draw(st.lists(perm, min_size=1, max_size=3))
    G = gt.from_permutations(gens)
    P = PermutationGroup([Permutation(g) for g in gens])
    assert G.order == P.order()
    assert G.is_abelian() == P.is_abelian
    assert _histogram(G) == _sympy_order_histogram(P)
    assert G.identity == 0 and G.element_name(0) == "()"
    # every element's permutation is in the sympy group, and products compose as functions
    for a in range(0, G.order, max(1, G.order // 7)):
        pa = G.permutations.sympy(a)
        assert P.contains(pa)
        for b in range(0, G.order, max(1, G.order // 5)):
            assert G.permutations.sympy(G.product(a, b)) == G.permutations.sympy(b) * pa


def test_quaternion_relations():
    Q = gt.quaternion()
    i, j, k, m1 = (Q.label(x) for x in ("i", "j", "k", "-1"))
    for x in (i, j, k):
        assert Q.product(x, x) == m1
    assert Q.product(i, j, k) == m1
    assert _histogram(Q) == {1: 1, 2: 1, 4: 6}
    assert not Q.is_abelian()


def test_klein_four_is_z2_times_z2():
    V = gt.klein_four()
    assert V.is_abelian() and _histogram(V) == {1: 1, 2: 3}
    assert _histogram(gt.direct_product(gt.cyclic(2), gt.cyclic(2))) == _histogram(V)


def test_matrix_group_of_the_square_is_d4():
    r = np.array([[0, -1], [1, 0]])
    s = np.array([[1, 0], [0, -1]])
    G = gt.from_matrices([r, s], names=["r", "s"])
    D4 = gt.dihedral(4)
    assert G.order == 8 and _histogram(G) == _histogram(D4)
    # reading each element's name (a shortest word in r, s) in D4 is an isomorphism
    to_d4 = [evaluate_word(D4, name) for name in G.names]
    assert sorted(to_d4) == D4.elements
    for a in G.elements:
        for b in G.elements:
            assert to_d4[G.product(a, b)] == D4.product(to_d4[a], to_d4[b])
    # matrices are orthogonal and multiply as the table says
    for a in G.elements:
        assert np.allclose(G.matrices[a] @ G.matrices[a].T, np.eye(2))
        for b in G.elements:
            assert np.allclose(G.matrices[a] @ G.matrices[b], G.matrices[G.product(a, b)])


def evaluate_word(G: FiniteGroup, word: str) -> int:
    """The element named by a word such as ``"r^2 s"`` (``"e"`` is the identity)."""
    result = G.identity
    for token in word.split():
        if token != "e":
            base, _, power = token.partition("^")
            result = G.product(result, G.power(base, int(power or 1)))
    return result


def test_complex_matrix_group_is_q8():
    i = np.array([[1j, 0], [0, -1j]])
    j = np.array([[0, 1], [-1, 0]], dtype=complex)
    G = gt.from_matrices([i, j], names=["i", "j"])
    assert G.order == 8 and _histogram(G) == {1: 1, 2: 1, 4: 6}


# --------------------------------------------------------------------------- from_table keeps labels


def test_from_table_keeps_labels_and_identity_need_not_be_zero():
    Z3 = gt.cyclic(3)
    perm = [2, 0, 1]  # relabel: old k becomes perm[k]
    table = np.empty((3, 3), dtype=int)
    for a in range(3):
        for b in range(3):
            table[perm[a], perm[b]] = perm[Z3.product(a, b)]
    G = FiniteGroup.from_table(table)
    assert np.array_equal(G.table, table)
    assert G.identity == 2
    assert G.inverse(0) == 1 and G.element_orders().tolist() == [3, 3, 1]
    assert G.names == ["0", "1", "2"]


@settings(max_examples=30, deadline=None)
@given(named_groups, st.randoms(use_true_random=False))
def test_from_table_accepts_any_relabelling(G, rnd):
    perm = list(range(G.order))
    rnd.shuffle(perm)
    inv = np.argsort(perm)
    table = np.array(perm)[G.table[np.ix_(inv, inv)]]
    H = FiniteGroup.from_table(table.tolist())
    assert H.identity == perm[G.identity]
    assert sorted(H.element_orders()) == sorted(G.element_orders())
    # FiniteGroup.relabelled builds the same table and carries the names along
    R = G.relabelled(perm)
    assert np.array_equal(R.table, H.table)
    assert all(R.element_name(perm[g]) == G.element_name(g) for g in G.elements)


@settings(max_examples=20, deadline=None)
@given(relabelled(named(cyclic=8, dihedral=5, symmetric=4, alternating=(3, 4))))
def test_relabelled_copies_are_groups_in_their_own_labels(G):
    table, e, inv = gt.check_group_table(G.table)
    assert e == G.identity and G.element_name(e) in ("0", "e", "()", "1")
    if G.order <= 24:
        brute_force_axioms(G)


def test_relabelled_rejects_a_non_permutation():
    with pytest.raises(ValueError, match="permutation of 0..3"):
        gt.klein_four().relabelled([0, 1, 1, 3])


# --------------------------------------------------------------------------- bad input


def error_of(table) -> NotAGroupError:
    with pytest.raises(NotAGroupError) as info:
        FiniteGroup.from_table(table)
    assert isinstance(info.value, ValueError)
    return info.value


def test_non_square_tables():
    for table, shape in [([[0, 1, 2], [1, 2, 0]], "(2, 3)"), ([0, 1], "(2,)"), (np.zeros((2, 2, 2), int), "(2, 2, 2)")]:
        err = error_of(table)
        assert err.axiom == "shape" and "square" in str(err) and shape in str(err)
    err = error_of([[0, 1], [1]])
    assert err.axiom == "shape" and "different lengths" in str(err)
    err = error_of([])
    assert "empty" in str(err) or "square" in str(err)


def test_labels_outside_range():
    err = error_of([[0, 1], [1, 2]])
    assert err.axiom == "closure" and err.witness == (1, 1) and "table[1][1] = 2" in str(err)
    err = error_of([[0, -1], [-1, 0]])
    assert err.axiom == "closure" and "table[0][1] = -1" in str(err)
    err = error_of([[0, 1], [1, 0.5]])
    assert err.axiom == "closure" and "0.5" in str(err)
    err = error_of([["a", "b"], ["b", "a"]])
    assert err.axiom == "shape" and "integer labels" in str(err)


def test_first_non_associative_triple_is_named():
    # a Latin square with an identity (a loop) that is not associative
    table = [
        [0, 1, 2, 3, 4],
        [1, 0, 3, 4, 2],
        [2, 4, 0, 1, 3],
        [3, 2, 4, 0, 1],
        [4, 3, 1, 2, 0],
    ]
    err = error_of(table)
    assert err.axiom == "associativity"
    a, b, c = err.witness
    t = np.array(table)
    assert t[t[a, b], c] != t[a, t[b, c]]
    # it is the first failing triple in lexicographic order
    first = next(x for x in itertools.product(range(5), repeat=3) if t[t[x[0], x[1]], x[2]] != t[x[0], t[x[1], x[2]]])
    assert (a, b, c) == first
    assert re.search(r"not associative: \(1·1\)·2 = 0·2 = 2 but 1·\(1·2\) = 1·3 = 4", str(err))


def test_subtraction_mod_n_is_not_associative():
    n = 5
    table = [[(a - b) % n for b in range(n)] for a in range(n)]
    err = error_of(table)
    assert err.axiom == "associativity" and err.witness == (0, 0, 1)


def test_missing_identity():
    # associative (constant) but no identity
    err = error_of([[0, 0], [0, 0]])
    assert err.axiom == "identity" and "no identity element" in str(err)
    # x·y = y is associative with left identities only
    err = error_of([[0, 1, 2], [0, 1, 2], [0, 1, 2]])
    assert err.axiom == "identity"


def test_missing_inverse():
    # multiplication mod 4 on {0,1,2,3}: associative, identity 1, but 0 has no inverse
    table = [[(a * b) % 4 for b in range(4)] for a in range(4)]
    err = error_of(table)
    assert err.axiom == "inverse" and err.witness == (0,)
    assert "element 0 has no inverse" in str(err) and "identity" in str(err)
    # a monoid where only the identity is invertible: max on {0, 1, 2}
    err = error_of([[max(a, b) for b in range(3)] for a in range(3)])
    assert err.axiom == "inverse" and err.witness == (1,)


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="at least 1"):
        gt.cyclic(0)
    with pytest.raises(TypeError, match="integer"):
        gt.dihedral(2.5)
    with pytest.raises(TypeError, match="integer"):
        gt.symmetric(True)
    with pytest.raises(gt.GroupTooLargeError, match="S9 has 362,880 elements.* GiB, more than the 2 GiB limit"):
        gt.symmetric(9)
    D4 = gt.dihedral(4)
    with pytest.raises(ValueError, match="not an element label of D4"):
        D4.product(0, 8)
    with pytest.raises(ValueError, match="'t' is not an element of D4"):
        D4.inverse("t")
    with pytest.raises(TypeError, match="integer label or a name"):
        D4.element_order(1.0)
    with pytest.raises(ValueError, match="names must be distinct"):
        FiniteGroup(gt.cyclic(2).table, ["x", "x"])
    with pytest.raises(ValueError, match="3 names were given for a group of order 2"):
        FiniteGroup(gt.cyclic(2).table, ["x", "y", "z"])
    with pytest.raises(ValueError, match="do not generate"):
        FiniteGroup(gt.cyclic(4).table, generators=[2])
    with pytest.raises(TypeError, match="FiniteGroup"):
        gt.direct_product(gt.cyclic(2), [[0]])


def test_bad_matrices_and_permutations():
    with pytest.raises(ValueError, match="square matrix"):
        gt.from_matrices([np.ones((2, 3))])
    with pytest.raises(ValueError, match="singular"):
        gt.from_matrices([np.array([[1, 1], [1, 1]])])
    with pytest.raises(ValueError, match="shape"):
        gt.from_matrices([np.eye(2), np.eye(3)])
    theta = 1.0  # radians: an irrational multiple of pi, so the rotation has infinite order
    rot = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
    with pytest.raises(ValueError, match="probably infinite"):
        gt.from_matrices([rot], max_order=200)
    with pytest.raises(ValueError, match="at least one"):
        gt.from_matrices([])
    with pytest.raises(ValueError, match="not a permutation"):
        gt.from_permutations([[0, 0, 1]])
    with pytest.raises(ValueError, match="at least one"):
        gt.from_permutations([])


def test_format_table_shows_every_product():
    text = gt.dihedral(3).format_table()
    lines = text.splitlines()
    assert len(lines) == 2 + 6
    assert lines[2].split("│")[1].split() == ["e", "r", "r^2", "s", "r", "s", "r^2", "s"]


def test_mixed_real_and_complex_generators():
    # diag(i, 1) has order 4; with the swap it generates a group of order 32
    G = gt.from_matrices([np.diag([1j, 1]), np.array([[0, 1], [1, 0]])])
    assert G.matrices.dtype == np.complex128
    brute_force_axioms(G)
    for a in range(0, G.order, 5):
        for b in range(0, G.order, 3):
            assert np.allclose(G.matrices[a] @ G.matrices[b], G.matrices[G.product(a, b)])


@pytest.mark.parametrize(
    "make, order",
    [(lambda: gt.symmetric(8), 40320), (lambda: gt.alternating(8), 20160), (lambda: gt.cyclic(20000), 20000),
     (lambda: gt.dihedral(9000), 18000), (lambda: gt.direct_product(gt.symmetric(6), gt.cyclic(28)), 20160),
     (lambda: gt.from_permutations([[1, 0, 2, 3, 4, 5, 6, 7], [1, 2, 3, 4, 5, 6, 7, 0]]), 40320)],
)
def test_tables_that_do_not_fit_are_refused_with_the_memory_they_need(make, order):
    with pytest.raises(gt.GroupTooLargeError) as info:
        make()
    err = info.value
    assert err.order == order and err.nbytes == order**2 * 8
    assert f"{order:,} elements" in str(err) and "GiB" in str(err) and "PermutationGroup" in str(err)


def test_the_largest_tables_the_course_uses_fit():
    from grouptools.groups import MAX_TABLE_BYTES, check_table_size

    assert check_table_size(5040, "S7") == 5040**2 * 8 <= MAX_TABLE_BYTES
    assert check_table_size(16384, "edge") == MAX_TABLE_BYTES
    with pytest.raises(gt.GroupTooLargeError):
        check_table_size(16385, "edge")


@settings(max_examples=30, deadline=None)
@given(relabelled(named()))
def test_inverses_and_conjugation_table_are_the_one_primitive(G):
    inv, c = G.inverses, G.conjugation_table()
    assert [int(i) for i in inv] == [G.inverse(g) for g in G.elements]
    for g in G.elements:
        for x in G.elements:
            assert c[g, x] == G.product(g, x, G.inverse(g))
    assert not inv.flags.writeable and not c.flags.writeable
    assert G.conjugation_table() is c  # computed once


@settings(max_examples=30, deadline=None)
@given(relabelled(named()), st.data())
def test_breadth_first_walks_every_edge_and_spans_the_generated_subgroup(G, data):
    gens = data.draw(st.lists(st.sampled_from(G.elements), min_size=1, max_size=3))
    edges = list(G.breadth_first(gens))
    reached = {G.identity} | {y for _, _, y, first in edges if first}
    assert sorted(reached) == G.closure(gens) == np.flatnonzero(G.closure_mask(gens)).tolist()
    # every element reached once for the first time, every (x, s) with x reached walked exactly once
    assert sum(first for *_, first in edges) == len(reached) - 1
    assert sorted((x, s) for x, s, _, _ in edges) == sorted((x, s) for x in reached for s in [G.label(g) for g in gens])
    assert all(y == G.product(x, s) for x, s, y, _ in edges)
    # breadth first: the first visits come in order of word length
    depth = {G.identity: 0}
    for x, _, y, first in edges:
        if first:
            depth[y] = depth[x] + 1
    firsts = [depth[y] for *_, y, first in edges if first]
    assert firsts == sorted(firsts)


def test_what_constructors_know_beyond_the_table_is_typed_and_checked():
    import grouptools.subgroups as sg

    S3 = gt.symmetric(3)
    assert S3.permutations.perms.shape == (6, 3) and gt.cyclic(3).permutations is None
    M = gt.from_matrices([[[0, -1], [1, 0]]])
    assert M.matrices.shape == (4, 2, 2) and not M.matrices.flags.writeable and S3.matrices is None
    H = sg.as_group(S3, [0, 3, 4])
    assert H.embedding == [0, 3, 4] and S3.embedding is None
    Q = sg.quotient_group(S3, [0, 3, 4])
    assert Q.cosets == sg.left_cosets(S3, [0, 3, 4]) and S3.cosets is None
    with pytest.raises(ValueError, match="3 distinct labels"):
        FiniteGroup(gt.cyclic(3).table, embedding=[0, 0, 1])
    with pytest.raises(ValueError, match="shape"):
        FiniteGroup(gt.cyclic(2).table, matrices=np.eye(2))
    with pytest.raises(ValueError, match="needs 2 cosets"):
        FiniteGroup(gt.cyclic(2).table, cosets=[[0]])
    with pytest.raises(AttributeError):
        S3.permutations = None  # no longer an attribute bolted on after construction


def test_relabel_table_and_inversion_counts_are_the_one_primitive():
    from grouptools.groups import relabel_table
    from grouptools.named import inversion_counts

    D3 = gt.dihedral(3)
    perm = [2, 0, 1, 3, 5, 4]
    assert np.array_equal(D3.relabelled(perm).table, relabel_table(D3.table, perm))
    assert D3.relabelled(perm, name="mine").name == "mine"
    # works for operations that are not groups
    assert relabel_table([[0, 0], [0, 1]], [1, 0]).tolist() == [[0, 1], [1, 1]]
    with pytest.raises(ValueError, match="permutation of 0..1"):
        relabel_table([[0, 0], [0, 1]], [0, 0])
    with pytest.raises(ValueError, match="labels 0..1"):
        relabel_table([[0, 2], [0, 1]], [1, 0])
    import itertools

    perms = list(itertools.permutations(range(5)))
    brute = [sum(p[i] > p[j] for i in range(5) for j in range(i + 1, 5)) for p in perms]
    assert inversion_counts(perms).tolist() == brute
    assert inversion_counts([0, 1, 2]).tolist() == [0]


def test_from_matrices_matches_with_a_tolerance_not_a_rounding_grid():
    from grouptools.named import _MatrixIndex

    # two entries 1e-16 apart on either side of a rounding boundary: np.round splits them
    x = 0.123456785
    a, b = np.array([[x]]), np.array([[np.nextafter(x, 0.0)]])
    k = 0
    while np.round(a, 8)[0, 0] == np.round(b, 8)[0, 0] and k < 100:
        a, b = np.nextafter(a, 1.0), np.nextafter(b, 1.0)
        k += 1
    assert np.round(a, 8)[0, 0] != np.round(b, 8)[0, 0]
    index = _MatrixIndex(1, np.float64, 1e-8)
    assert index.add(a) == 0
    assert index.find_many(b[None]).tolist() == [0]
    assert index.find_many(a[None] + 3e-8).tolist() == [-1]
    # D5 written in a skewed basis: products computed along different paths land on both sides
    # of a rounding boundary (the old rounding key missed a product here)
    c, s = np.cos(2 * np.pi / 5), np.sin(2 * np.pi / 5)
    P = np.random.default_rng(233).standard_normal((2, 2))
    Pinv = np.linalg.inv(P)
    G = gt.from_matrices([P @ np.array([[c, -s], [s, c]]) @ Pinv, P @ np.diag([1.0, -1.0]) @ Pinv], names=["r", "s"])
    assert G.order == 10 and not G.is_abelian()
    assert sorted(G.element_orders().tolist()) == [1, 2, 2, 2, 2, 2, 5, 5, 5, 5]
    # too inexact for the tolerance: a clear error, not a wrong group
    P, Pinv = np.diag([1.0, 1e11]), np.diag([1.0, 1e-11])  # entries of 1e11: rounding errors far above 1e-8
    with pytest.raises(ValueError, match="matched no element to within 1e-8|more than"):
        gt.from_matrices([P @ np.array([[c, -s], [s, c]]) @ Pinv, P @ np.diag([1.0, -1.0]) @ Pinv])
