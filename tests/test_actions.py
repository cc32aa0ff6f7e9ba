"""Tests of grouptools.actions: orbit–stabiliser, Burnside against brute force,
sympy cross-checks of orbits, actions on tensors, the monoid counterexample, and
clear errors for rules that are not actions."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics import Permutation, PermutationGroup

import grouptools as gt
from strategies import direct_products, named_groups
from grouptools.actions import (
    GroupAction,
    TensorAction,
    colouring_action,
    conjugation_action,
    coset_action,
    count_colourings,
    count_necklaces,
    dihedral_image_action,
    dihedral_vertex_action,
    maps_orbits,
    natural_action,
    orbit_invariant,
    overlapping_orbits,
    permutation_action,
    regular_action,
    rotation_action,
    shift_action,
)
from grouptools.conjugacy import conjugacy_classes
from grouptools.errors import NotAnActionError
from grouptools.subgroups import all_subgroups, is_subgroup


named = named_groups(cyclic=10)
groups = st.one_of(named, direct_products(named, max_order=48))
SETTINGS = settings(max_examples=25, deadline=None)


@st.composite
def actions(draw):
    kind = draw(st.sampled_from(["regular", "conjugation", "coset", "natural", "vertices", "colourings"]))
    if kind == "natural":
        return natural_action(gt.symmetric(draw(st.integers(1, 4))))
    if kind == "vertices":
        return dihedral_vertex_action(draw(st.integers(3, 7)))
    if kind == "colourings":
        return colouring_action(dihedral_vertex_action(draw(st.integers(3, 5))), draw(st.integers(1, 3)))
    G = draw(groups)
    if kind == "regular":
        return regular_action(G)
    if kind == "conjugation":
        return conjugation_action(G)
    return coset_action(G, draw(st.sampled_from(all_subgroups(G))))


@SETTINGS
@given(actions())
def test_orbit_stabiliser_and_partition(action):
    G = action.group
    orbits = action.orbits()
    assert sorted(action.index(x) for o in orbits for x in o) == list(range(action.degree))  # a partition
    for o in orbits:
        for x in o:
            assert sorted(action.index(y) for y in action.orbit(x)) == sorted(action.index(y) for y in o)
            stab = action.stabiliser(x)
            assert is_subgroup(G, stab)
            assert len(o) * len(stab) == G.order  # orbit–stabiliser
    psi = orbit_invariant(action)
    for g in G.generators:
        assert np.array_equal(psi[action.perms[g]], psi)  # Ψ(g·x) = Ψ(x)


@SETTINGS
@given(actions())
def test_burnside_equals_number_of_orbits(action):
    assert action.burnside_count() == len(action.orbits())
    counts = action.fixed_point_counts()
    for g in action.group.elements[:5]:
        assert counts[g] == len(action.fixed_points(g))


def brute_force_necklaces(n, k, turn_over):
    """Count colourings up to rotation (and reflection) by canonical forms: no group theory."""
    seen = set()
    for c in itertools.product(range(k), repeat=n):
        variants = [c[i:] + c[:i] for i in range(n)]
        if turn_over:
            r = c[::-1]
            variants += [r[i:] + r[:i] for i in range(n)]
        seen.add(min(variants))
    return len(seen)


@pytest.mark.parametrize("n, k", [(3, 2), (4, 2), (4, 3), (5, 3), (6, 2), (6, 3), (7, 2), (8, 2)])
@pytest.mark.parametrize("turn_over", [False, True])
def test_burnside_necklaces_against_brute_force(n, k, turn_over):
    expected = brute_force_necklaces(n, k, turn_over)
    assert count_necklaces(n, k, turn_over=turn_over) == expected
    if turn_over:
        action = colouring_action(dihedral_vertex_action(n), k)
        assert len(action.orbits()) == action.burnside_count() == expected


def test_known_necklace_counts():
    assert count_necklaces(6, 3) == 130 and count_necklaces(6, 3, turn_over=True) == 92
    assert count_necklaces(4, 2) == 6 and count_colourings(natural_action(gt.symmetric(4)), 2) == 5


def test_conjugation_orbits_are_conjugacy_classes():
    for G in (gt.symmetric(4), gt.dihedral(5), gt.quaternion()):
        assert sorted(conjugation_action(G).orbits()) == sorted(conjugacy_classes(G))


def test_regular_action_is_free_and_transitive():
    G = gt.dihedral(4)
    a = regular_action(G)
    assert a.is_transitive() and a.is_faithful()
    assert all(a.stabiliser(x) == [G.identity] for x in G.elements)


def test_action_kernel():
    # D4 acting on the two cosets of its rotations: the rotations act trivially
    act = coset_action(gt.dihedral(4), ["e", "r", "r^2", "r^3"])
    assert act.degree == 2 and act.kernel() == [0, 1, 2, 3] and not act.is_faithful()


# --------------------------------------------------------------------------- sympy cross-checks


@pytest.mark.parametrize(
    "gens, degree",
    [([[1, 0, 2, 3, 4, 5]], 6), ([[1, 2, 0, 3, 4, 5], [0, 1, 2, 4, 3, 5]], 6), ([[1, 2, 3, 0, 4, 5, 7, 6]], 8),
     ([[2, 0, 1, 3, 4], [1, 0, 2, 4, 3]], 5)],
)  # fmt: skip
def test_orbits_match_sympy(gens, degree):
    G = gt.from_permutations(gens, degree)
    P = PermutationGroup([Permutation(g, size=degree) for g in gens])
    ours = {frozenset(o) for o in natural_action(G).orbits()}
    assert ours == {frozenset(o) for o in P.orbits()}
    for x in range(degree):
        assert {G.permutations.sympy(g) for g in natural_action(G).stabiliser(x)} == set(P.stabilizer(x).elements)


# --------------------------------------------------------------------------- construction and bad input


def test_from_function_and_from_generator_permutations_agree():
    D4 = gt.dihedral(4)
    by_fn = GroupAction.from_function(D4, range(4), lambda g, i: (g % 4 + (i if g < 4 else -i)) % 4)
    by_gens = GroupAction.from_permutations(D4, {"r": [1, 2, 3, 0], "s": [0, 3, 2, 1]})
    assert np.array_equal(by_fn.perms, by_gens.perms)
    assert np.array_equal(by_fn.perms, dihedral_vertex_action(4).perms)
    assert by_fn.act("r", 3) == 0 and by_fn("s", 1) == 3


def test_non_actions_are_named():
    D3 = gt.dihedral(3)
    with pytest.raises(NotAnActionError, match=r"not an action: \(s·r\)·0 = \(r\^2 s\)·0 = 2 but s·\(r·0\)") as err:
        GroupAction.from_function(D3, range(3), lambda g, x: (x + g) % 3)
    assert err.value.axiom == "compatibility" and err.value.witness == (3, 1, 0)
    assert isinstance(err.value, ValueError)
    with pytest.raises(NotAnActionError, match="the identity does not fix every point: 0·0 = 1") as err:
        GroupAction.from_function(gt.cyclic(2), range(2), lambda g, x: 1 - x)
    assert err.value.axiom == "identity"
    with pytest.raises(NotAnActionError, match="r·2 = 3 is not one of the points") as err:
        GroupAction.from_function(D3, range(3), lambda g, x: x + 1 if g == 1 else x)
    assert err.value.axiom == "closure"
    with pytest.raises(NotAnActionError, match="do not define an action"):
        GroupAction.from_permutations(D3, {"r": [1, 0, 2], "s": [0, 2, 1]})  # r has order 3, (0 1) order 2
    with pytest.raises(NotAnActionError, match="not a permutation of 0..2"):
        GroupAction.from_permutations(D3, {"r": [1, 1, 2], "s": [0, 2, 1]})
    with pytest.raises(NotAnActionError, match="do not generate D3"):
        GroupAction.from_permutations(D3, {"s": [0, 2, 1]})
    with pytest.raises(NotAnActionError, match="one row per element"):
        GroupAction(D3, np.zeros((5, 3), dtype=int))
    with pytest.raises(ValueError, match="not one of the points"):
        dihedral_vertex_action(4).orbit(7)


def test_monoid_orbits_overlap():
    relu = lambda x: max(x, 0)  # noqa: E731 — a one-unit ReLU "model"; not invertible
    orbits = maps_orbits([relu], [-2, -1, 0, 1, 2])
    assert orbits[-1] == [-1, 0] and orbits[0] == [0]
    x, y = overlapping_orbits(orbits)
    assert set(orbits[x]) & set(orbits[y]) and orbits[x] != orbits[y]
    # for a group the orbits never overlap
    act = dihedral_vertex_action(5)
    group_orbits = maps_orbits([lambda i, g=g: act.act(g, i) for g in act.group.generators], range(5))
    assert overlapping_orbits(group_orbits) is None
    with pytest.raises(ValueError, match="not one of the points"):
        maps_orbits([lambda x: x + 1], [0, 1])


# --------------------------------------------------------------------------- actions on tensors


def test_image_actions_are_actions():
    gen = torch.Generator().manual_seed(0)
    images = torch.randn(3, 5, 5, generator=gen)
    for act in (rotation_action(), dihedral_image_action()):
        act.check(images)  # e·x = x and (g·h)·x = g·(h·x) on each image
        assert act.orbit(images[0]).shape == (act.group.order, 5, 5)
        assert act.orbit_size(images[0]) == act.group.order  # a generic image has a trivial stabiliser
    d4 = dihedral_image_action()
    assert d4(1, torch.eye(2)[None]).shape == (1, 2, 2)
    symmetric = torch.ones(4, 4)
    assert d4.stabiliser(symmetric) == d4.group.elements
    diag = torch.eye(4)  # fixed by r^2, and by the two diagonal mirrors
    assert len(d4.stabiliser(diag)) == 4 and d4.orbit_size(diag) == 2


def test_sequence_and_set_actions():
    gen = torch.Generator().manual_seed(1)
    seqs = torch.randn(2, 3, 6, generator=gen)
    shift = shift_action(6)
    shift.check(seqs)
    assert torch.equal(shift(1, torch.arange(6.0)), torch.tensor([5.0, 0, 1, 2, 3, 4]))
    tokens = torch.randn(4, 3, generator=gen)
    perm = permutation_action(4, dim=-2)
    perm.check([tokens])
    g = perm.group.label("(0 1 2)")
    moved = perm(g, tokens)
    assert torch.equal(moved[1], tokens[0]) and torch.equal(moved[2], tokens[1]) and torch.equal(moved[0], tokens[2])
    with pytest.raises(ValueError, match="expected 4 entries"):
        perm(g, torch.randn(5, 3))
    with pytest.raises(ValueError, match="expected length 6"):
        shift(1, torch.randn(5))


def test_bad_tensor_action_is_named():
    # "flip after rotating" for r^k s composes in the wrong order: not an action of D4
    bad = TensorAction(gt.dihedral(4), lambda g, x: torch.rot90(x, g % 4) if g < 4 else torch.flip(torch.rot90(x, g % 4), (-1,)))
    with pytest.raises(NotAnActionError, match=r"\(r·s\)·x ≠ r·\(s·x\) for g=r, h=s") as err:
        bad.check([torch.arange(9.0).reshape(3, 3)])
    assert err.value.witness == (1, 4, 0)
    not_identity = TensorAction(gt.cyclic(2), lambda g, x: -x)
    with pytest.raises(NotAnActionError, match="0·x ≠ x"):
        not_identity.check([torch.ones(2)])
