"""Tests of grouptools.subgroups (and the conjugacy functions Chapter 2 builds on):
laws checked by hypothesis over named groups and direct products, brute-force and
sympy cross-checks, and bad input that must fail with a specific, clear error."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import PermutationGroup
from sympy.combinatorics.named_groups import AlternatingGroup, DihedralGroup, SymmetricGroup

import grouptools as gt
from strategies import direct_products, named_groups
from grouptools.conjugacy import centraliser, centre, conjugacy_classes
from grouptools.errors import NotASubgroupError, NotNormalError
from grouptools.homomorphisms import are_isomorphic
from grouptools.subgroups import (
    all_subgroups,
    as_group,
    check_subgroup,
    commutator_subgroup,
    conjugate_subgroup,
    coset_sorted_order,
    cyclic_subgroups,
    derived_series,
    generated_subgroup,
    index,
    is_normal,
    is_solvable,
    is_subgroup,
    left_coset,
    left_cosets,
    normal_subgroups,
    normaliser,
    normality_witness,
    quotient_group,
    right_coset,
    right_cosets,
    subgroup_generators,
    subgroup_label,
    subgroup_lattice,
)

# --------------------------------------------------------------------------- strategies


named = named_groups(cyclic=12)
groups = st.one_of(named, direct_products(named, max_order=48))
SETTINGS = settings(max_examples=25, deadline=None)


# --------------------------------------------------------------------------- subgroups and Lagrange


@SETTINGS
@given(groups)
def test_lagrange_and_cosets(G):
    for H in all_subgroups(G):
        assert G.order % len(H) == 0  # Lagrange
        for cosets in (left_cosets(G, H), right_cosets(G, H)):
            assert len(cosets) == index(G, H) == G.order // len(H)
            assert all(len(c) == len(H) for c in cosets)
            assert sorted(itertools.chain.from_iterable(cosets)) == G.elements  # a partition
        g = G.elements[-1]
        assert left_coset(G, g, H) in left_cosets(G, H)
        assert right_coset(G, H, g) in right_cosets(G, H)
        assert sorted(coset_sorted_order(G, H)) == G.elements


@SETTINGS
@given(groups)
def test_all_subgroups_are_subgroups_and_closed_under_conjugation(G):
    subs = all_subgroups(G)
    keys = {tuple(h) for h in subs}
    assert len(keys) == len(subs)
    assert subs[0] == [G.identity] and subs[-1] == G.elements
    for H in subs:
        assert is_subgroup(G, H) and check_subgroup(G, H) == H
        assert generated_subgroup(G, subgroup_generators(G, H)) == H
        for g in G.generators:
            assert tuple(conjugate_subgroup(G, g, H)) in keys
    for C in cyclic_subgroups(G):
        assert tuple(C) in keys


def brute_force_subgroups(G):
    """Every subset of G that passes the subgroup test (only for |G| ≤ 12)."""
    others = [g for g in G.elements if g != G.identity]
    found = []
    for r in range(len(others) + 1):
        for combo in itertools.combinations(others, r):
            S = sorted((G.identity, *combo))
            if is_subgroup(G, S):
                found.append(S)
    return sorted(found, key=lambda h: (len(h), h))


@pytest.mark.parametrize("G", [gt.cyclic(6), gt.dihedral(4), gt.quaternion(), gt.symmetric(3), gt.klein_four(), gt.alternating(4)])
def test_all_subgroups_matches_brute_force(G):
    assert all_subgroups(G) == brute_force_subgroups(G)


@pytest.mark.parametrize(
    "G, subgroups, normal",
    [
        (gt.symmetric(3), 6, 3),
        (gt.symmetric(4), 30, 4),
        (gt.alternating(4), 10, 3),
        (gt.dihedral(4), 10, 6),
        (gt.quaternion(), 6, 6),
        (gt.cyclic(12), 6, 6),
        (gt.alternating(5), 59, 2),
        (gt.direct_product(gt.cyclic(2), gt.cyclic(4)), 8, 8),
    ],
)
def test_known_subgroup_counts(G, subgroups, normal):
    assert len(all_subgroups(G)) == subgroups
    assert len(normal_subgroups(G)) == normal


def test_subgroups_of_s5():
    subs = all_subgroups(gt.symmetric(5))
    assert len(subs) == 156
    assert sorted({len(h) for h in subs}) == [1, 2, 3, 4, 5, 6, 8, 10, 12, 20, 24, 60, 120]


def test_lattice_is_the_hasse_diagram():
    G = gt.dihedral(4)
    L = subgroup_lattice(G)
    assert L.number_of_nodes() == 10
    for i, j in L.edges:
        a, b = set(L.nodes[i]["elements"]), set(L.nodes[j]["elements"])
        assert a < b
        # covering: nothing strictly in between
        assert not any(a < set(L.nodes[k]["elements"]) < b for k in L.nodes)
    # D4: 5 subgroups of order 2, each covered by order-4 subgroups; 3 of order 4, covered by G
    orders = [L.nodes[i]["order"] for i in L.nodes]
    assert sorted(orders) == [1, 2, 2, 2, 2, 2, 4, 4, 4, 8]
    assert sum(L.nodes[i]["normal"] for i in L.nodes) == 6
    assert subgroup_label(G, [0]) == "{e}" and subgroup_label(G, G.elements) == "D4"


# --------------------------------------------------------------------------- normal subgroups and quotients


@SETTINGS
@given(groups)
def test_quotients_of_normal_subgroups(G):
    for N in all_subgroups(G):
        w = normality_witness(G, N)
        # independent normality test: left cosets equal right cosets
        assert (w is None) == (sorted(left_cosets(G, N)) == sorted(right_cosets(G, N)))
        if w is None:
            Q = quotient_group(G, N)  # validated as a group by FiniteGroup
            assert Q.order == G.order // len(N)
            assert Q.cosets == left_cosets(G, N)
            # the coset of a product is the product of the cosets
            for a, b in itertools.product(G.generators, G.elements):
                assert Q.coset_of[G.product(a, b)] == Q.product(int(Q.coset_of[a]), int(Q.coset_of[b]))
        else:
            g, n = w
            assert G.product(g, n, G.inverse(g)) not in N
            with pytest.raises(NotNormalError) as err:
                quotient_group(G, N)
            assert err.value.witness == (g, n)


@pytest.mark.parametrize(
    "G, N, expected",
    [
        (gt.dihedral(4), ["e", "r^2"], gt.klein_four()),
        (gt.symmetric(4), [0, 7, 16, 23], gt.symmetric(3)),  # the Klein four subgroup of S4
        (gt.quaternion(), ["1", "-1"], gt.klein_four()),
        (gt.cyclic(12), [0, 4, 8], gt.cyclic(4)),
        (gt.symmetric(3), [0, 3, 4], gt.cyclic(2)),
    ],
)
def test_named_quotients(G, N, expected):
    assert is_normal(G, N)
    Q = quotient_group(G, N)
    assert are_isomorphic(Q, expected)
    assert Q.names[Q.identity] == "N"


def test_quotient_names():
    Q = quotient_group(gt.dihedral(4), ["e", "r^2"])
    assert Q.names == ["N", "rN", "sN", "(r s)N"]


@SETTINGS
@given(groups)
def test_normaliser_and_commutator(G):
    subs = all_subgroups(G)
    for H in subs:
        NH = normaliser(G, H)
        assert is_subgroup(G, NH)  # source 000, Lemma 6
        assert set(H) <= set(NH)
        assert is_normal(as_group(G, NH), [NH.index(h) for h in H])
        assert (len(NH) == G.order) == is_normal(G, H)
    D = commutator_subgroup(G)
    assert is_normal(G, D)
    assert quotient_group(G, D).is_abelian()
    for N in normal_subgroups(G):  # G' is the smallest normal subgroup with abelian quotient
        assert set(D) <= set(N) or not quotient_group(G, N).is_abelian()
    assert (len(D) == 1) == G.is_abelian()


def test_normaliser_of_any_subset_is_a_subgroup():
    # source 000, Lemma 6: N(S) is a subgroup for every subset S, not only for subgroups
    for G in (gt.dihedral(4), gt.quaternion(), gt.symmetric(3)):
        for r in range(G.order + 1):
            for S in itertools.combinations(G.elements, r):
                N = normaliser(G, S)
                assert is_subgroup(G, N)
                assert all(sorted(G.product(g, x, G.inverse(g)) for x in S) == list(S) for g in N)
    assert normaliser(gt.dihedral(4), ["s"]) == [0, 2, 4, 6]


def test_derived_series_and_solvability():
    assert [len(h) for h in derived_series(gt.symmetric(4))] == [24, 12, 4, 1]
    assert is_solvable(gt.symmetric(4)) and is_solvable(gt.dihedral(6))
    assert not is_solvable(gt.alternating(5))
    assert [len(h) for h in derived_series(gt.symmetric(5))] == [120, 60]


# --------------------------------------------------------------------------- conjugacy classes and centre


@SETTINGS
@given(groups)
def test_class_equation_and_centre(G):
    classes = conjugacy_classes(G)
    sizes = [len(c) for c in classes]
    assert sum(sizes) == G.order  # class equation
    assert all(G.order % s == 0 for s in sizes)
    assert sorted(itertools.chain.from_iterable(classes)) == G.elements
    Z = centre(G)
    assert Z == sorted(c[0] for c in classes if len(c) == 1)
    assert is_subgroup(G, Z) and is_normal(G, Z)
    for c in classes:  # |class of x| = [G : C_G(x)]
        assert len(c) * len(centraliser(G, c[0])) == G.order


# --------------------------------------------------------------------------- sympy cross-checks


def _as_sets(G, classes):
    return {frozenset(G.permutations.sympy(g) for g in c) for c in classes}


SYMPY_GROUPS = [
    (lambda: gt.symmetric(4), lambda: SymmetricGroup(4)),
    (lambda: gt.alternating(4), lambda: AlternatingGroup(4)),
    (lambda: gt.symmetric(5), lambda: SymmetricGroup(5)),
    (lambda: gt.from_permutations(DihedralGroup(5).generators), lambda: DihedralGroup(5)),
    (lambda: gt.from_permutations(DihedralGroup(6).generators), lambda: DihedralGroup(6)),
]


@pytest.mark.parametrize("ours, theirs", SYMPY_GROUPS)
def test_classes_centre_and_derived_subgroup_match_sympy(ours, theirs):
    G, P = ours(), theirs()
    assert _as_sets(G, conjugacy_classes(G)) == {frozenset(c) for c in P.conjugacy_classes()}
    assert {G.permutations.sympy(z) for z in centre(G)} == set(P.center().elements)
    assert {G.permutations.sympy(d) for d in commutator_subgroup(G)} == set(P.derived_subgroup().elements)
    x = G.elements[-1]
    assert {G.permutations.sympy(c) for c in centraliser(G, x)} == set(
        P.centralizer(PermutationGroup([G.permutations.sympy(x)])).elements
    )


def test_generated_subgroup_matches_sympy():
    G = gt.symmetric(5)
    gens = [G.label("(0 1 2)"), G.label("(3 4)")]
    H = generated_subgroup(G, gens)
    P = PermutationGroup([G.permutations.sympy(g) for g in gens])
    assert {G.permutations.sympy(h) for h in H} == set(P.elements)
    assert len(H) == math.lcm(3, 2)


# --------------------------------------------------------------------------- bad input


def test_non_subgroups_are_named():
    D4 = gt.dihedral(4)
    with pytest.raises(NotASubgroupError, match=r"not closed: r·r = r\^2 is not in H") as err:
        check_subgroup(D4, ["e", "r"])
    assert err.value.reason == "closure" and err.value.witness == (1, 1)
    with pytest.raises(NotASubgroupError, match="the identity e is missing") as err:
        check_subgroup(D4, ["r^2"])
    assert err.value.reason == "identity"
    with pytest.raises(NotASubgroupError, match="empty set"):
        check_subgroup(D4, [])
    with pytest.raises(NotASubgroupError, match="not a subset of D4"):
        check_subgroup(D4, [0, 99])
    with pytest.raises(NotASubgroupError, match="'t' is not an element"):
        check_subgroup(D4, ["e", "t"])
    assert not is_subgroup(D4, ["e", "s", "r s"])
    with pytest.raises(NotASubgroupError):
        quotient_group(D4, ["e", "r"])


def test_non_normal_subgroup_names_witness():
    D4 = gt.dihedral(4)
    with pytest.raises(NotNormalError, match=r"g=r, n=s, g·n·g⁻¹ = r\^2 s is not in N") as err:
        quotient_group(D4, ["e", "s"])
    assert err.value.witness == (1, 4)
    assert isinstance(err.value, ValueError)
    S3 = gt.symmetric(3)
    transposition = [S3.identity, S3.label("(0 1)")]
    g, n = normality_witness(S3, transposition)
    assert S3.product(g, n, S3.inverse(g)) not in transposition
