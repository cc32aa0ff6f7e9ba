"""Tests of chapter 4's action toolkit in grouptools.actions: actions as homomorphisms,
right actions, the action on functions (against torch.rot90, torch.roll and row indexing),
homogeneous spaces (coset_space_map), the connected components of a monoid's action graph,
and the shared GroupAction / TensorAction interface — with the errors for bad input."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from strategies import named_groups, relabelled
from grouptools.actions import (
    GroupAction,
    TensorAction,
    action_graph_components,
    colouring_action,
    conjugation_action,
    coset_action,
    coset_space_map,
    dihedral_image_action,
    dihedral_vertex_action,
    function_action,
    maps_orbits,
    natural_action,
    permutation_action,
    precompose,
    regular_action,
    shift_action,
)
from grouptools.errors import NotAnActionError
from grouptools.subgroups import all_subgroups, is_normal, quotient_group

SETTINGS = settings(max_examples=25, deadline=None)
GROUPS = named_groups(cyclic=8, dihedral=5, symmetric=4)


@st.composite
def actions(draw: st.DrawFn) -> GroupAction:
    kind = draw(st.sampled_from(["natural", "vertices", "colourings", "regular", "conjugation", "cosets"]))
    if kind == "natural":
        return natural_action(gt.symmetric(draw(st.integers(1, 4))))
    if kind == "vertices":
        return dihedral_vertex_action(draw(st.integers(3, 6)))
    if kind == "colourings":
        return colouring_action(dihedral_vertex_action(draw(st.integers(3, 4))), 2)
    G = draw(st.one_of(GROUPS, relabelled(GROUPS)))
    if kind == "regular":
        return regular_action(G)
    if kind == "conjugation":
        return conjugation_action(G)
    return coset_action(G, draw(st.sampled_from(all_subgroups(G))))


def _bogus_action() -> GroupAction:
    """Rows that are permutations but not a homomorphism D3 → S3 (r ↦ a transposition)."""
    D3 = gt.dihedral(3)
    perms = [[0, 1, 2], [1, 0, 2], [0, 1, 2], [0, 2, 1], [2, 1, 0], [1, 0, 2]]
    return GroupAction(D3, perms, validate=False)


# --------------------------------------------------------------------------- actions are homomorphisms


@SETTINGS
@given(actions())
def test_perms_are_a_homomorphism_with_normal_kernel(action):
    G, rho = action.group, action.perms
    for g in G.elements:
        for h in G.elements:
            assert np.array_equal(rho[G.table[g, h]], rho[g][rho[h]])
    kernel = action.kernel()
    assert is_normal(G, kernel)
    assert action.is_faithful() == (len({tuple(r) for r in rho.tolist()}) == G.order)


def test_dihedral_kernels_on_diagonals_and_mirror_lines():
    D4 = gt.dihedral(4)
    corners = dihedral_vertex_action(4)
    diagonals = GroupAction.from_function(
        D4, [frozenset({0, 2}), frozenset({1, 3})], lambda g, d: frozenset(corners.act(g, i) for i in d)
    )
    mirrors = [D4.label(t) for t in ("s", "r s", "r^2 s", "r^3 s")]
    lines = GroupAction.from_function(D4, mirrors, lambda g, t: D4.product(g, t, D4.inverse(g)))
    assert corners.kernel() == [D4.identity]
    assert [D4.names[g] for g in diagonals.kernel()] == ["e", "r^2", "s", "r^2 s"]
    assert [D4.names[g] for g in lines.kernel()] == ["e", "r^2"]


def test_check_re_runs_the_laws():
    dihedral_vertex_action(5).check()
    with pytest.raises(NotAnActionError, match="not an action"):
        _bogus_action().check()


# --------------------------------------------------------------------------- right actions


@SETTINGS
@given(st.integers(1, 4))
def test_right_action_of_row_vectors_is_the_natural_action(n):
    S = gt.symmetric(n)
    P = np.zeros((S.order, n, n), dtype=np.int64)
    for g in S.elements:
        P[g, S.permutations.perms[g], np.arange(n)] = 1
    row = np.eye(n, dtype=np.int64)
    left = GroupAction.from_right_function(S, range(n), lambda x, g: int(np.flatnonzero(row[x] @ P[g])[0]))
    assert np.array_equal(left.perms, natural_action(S).perms)


def test_right_rule_without_inverse_is_not_a_left_action():
    S3 = gt.symmetric(3)
    inv = S3.permutations.perms[S3.inverses]  # x·σ = σ⁻¹(x)
    GroupAction.from_right_function(S3, range(3), lambda x, g: int(inv[g][x]))
    with pytest.raises(NotAnActionError) as err:
        GroupAction.from_function(S3, range(3), lambda g, x: int(inv[g][x]))
    assert err.value.axiom == "compatibility"
    g, h, _ = err.value.witness
    assert S3.product(g, h) != S3.product(h, g)


def test_right_function_errors():
    S3 = gt.symmetric(3)
    P = S3.permutations.perms
    with pytest.raises(NotAnActionError, match="not a right action") as err:
        GroupAction.from_right_function(S3, range(3), lambda x, g: int(P[g][x]))  # a left action, not a right one
    assert err.value.axiom == "compatibility"
    with pytest.raises(NotAnActionError, match="not a right action") as err:
        GroupAction.from_right_function(S3, range(3), lambda x, g: 0)
    assert err.value.axiom == "identity"
    with pytest.raises(NotAnActionError, match="is not one of the points") as err:
        GroupAction.from_right_function(S3, range(3), lambda x, g: x + 1)
    assert err.value.axiom == "closure"
    with pytest.raises(ValueError, match="distinct"):
        GroupAction.from_right_function(S3, [0, 0, 1], lambda x, g: x)


# --------------------------------------------------------------------------- actions on functions


@SETTINGS
@given(actions(), st.integers(0, 2**31 - 1))
def test_function_action_is_a_left_action_and_precompose_a_right_one(action, seed):
    G = action.group
    gen = torch.Generator().manual_seed(seed)
    f = torch.randint(-50, 50, (3, action.degree), generator=gen)
    on_functions = function_action(action)
    on_functions.check([f])
    for g in G.elements:
        moved = on_functions(g, f)
        for i in range(action.degree):  # (g·f)(g·x) = f(x)
            assert torch.equal(moved[:, action.perms[g, i]], f[:, i])
        for h in G.elements:  # (f·g)·h = f·(gh)
            assert torch.equal(precompose(action, h, precompose(action, g, f)), precompose(action, G.product(g, h), f))


def test_precompose_as_a_left_rule_fails_exactly_for_non_abelian_groups():
    for action in (dihedral_vertex_action(4), natural_action(gt.symmetric(3)), dihedral_vertex_action(3)):
        rule = TensorAction(action.group, lambda g, f, a=action: precompose(a, g, f))
        with pytest.raises(NotAnActionError, match="not an action"):
            rule.check([torch.arange(action.degree)])
    cyclic = GroupAction(gt.cyclic(5), [[(j + k) % 5 for j in range(5)] for k in range(5)])
    TensorAction(cyclic.group, lambda g, f: precompose(cyclic, g, f)).check([torch.arange(5)])  # abelian: fine


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_rot90_is_the_action_on_functions_of_the_grid(n):
    grid = [(i, j) for i in range(n) for j in range(n)]
    turn = [grid.index((n - 1 - j, i)) for i, j in grid]  # one anticlockwise quarter turn
    on_grid = GroupAction.from_permutations(gt.cyclic(4), {1: turn}, grid)
    A = torch.arange(2 * n * n).reshape(2, n, n)  # a batch of two integer images
    images = function_action(on_grid)
    for k in range(4):
        assert torch.equal(images(k, A.reshape(2, -1)).reshape(2, n, n), torch.rot90(A, k, dims=(-2, -1)))


@pytest.mark.parametrize("L", [1, 2, 5, 8])
def test_roll_is_the_action_on_functions_of_positions(L):
    positions = GroupAction(gt.cyclic(L), [[(j + k) % L for j in range(L)] for k in range(L)])
    x = torch.arange(3 * L).reshape(3, L)
    for k in range(L):
        assert torch.equal(function_action(positions)(k, x), torch.roll(x, k, dims=-1))
        assert torch.equal(function_action(positions)(k, x), shift_action(L)(k, x))


def test_row_indexing_left_and_right():
    S = gt.symmetric(4)
    X = torch.arange(12).reshape(4, 3)
    rows = function_action(natural_action(S), dim=-2)
    for g in S.elements:
        perm = torch.tensor(S.permutations.perms[g].tolist())
        assert torch.equal(rows(g, X), X[torch.argsort(perm)])  # X[inv_perm]: the left action
        assert torch.equal(rows(g, X), permutation_action(4, dim=-2)(g, X))
        assert torch.equal(precompose(natural_action(S), g, X, dim=-2), X[perm])  # X[perm]: the right action


def test_function_action_on_numpy_arrays():
    action = dihedral_vertex_action(4)
    f = np.arange(8).reshape(2, 4)
    assert np.array_equal(function_action(action)(1, f), f[:, [3, 0, 1, 2]])
    assert np.array_equal(precompose(action, 1, f), f[:, [1, 2, 3, 0]])


def test_function_action_errors():
    action = dihedral_vertex_action(4)
    with pytest.raises(ValueError, match=r"one value per point \(4\) along dim -1"):
        function_action(action)(1, torch.zeros(5))
    with pytest.raises(ValueError, match="out of range"):
        function_action(action, dim=3)(1, torch.zeros(4))
    with pytest.raises(TypeError, match="array or tensor"):
        function_action(action)(1, [0, 1, 2, 3])
    with pytest.raises(TypeError, match="needs a GroupAction"):
        function_action(dihedral_image_action())
    with pytest.raises(TypeError, match="needs a GroupAction"):
        precompose(shift_action(4), 1, torch.zeros(4))
    with pytest.raises(ValueError, match="one value per point"):
        precompose(action, 1, np.zeros((4, 3)))


# --------------------------------------------------------------------------- homogeneous spaces


@SETTINGS
@given(actions(), st.data())
def test_coset_space_map_is_an_equivariant_bijection_onto_the_orbit(action, data):
    x = data.draw(st.sampled_from(action.points))
    f = coset_space_map(action, x)
    G = action.group
    cosets = coset_action(G, action.stabiliser(x))
    assert sorted(f) == sorted(cosets.points)
    assert sorted(action.index(y) for y in f.values()) == sorted(action.index(y) for y in action.orbit(x))
    for c, y in f.items():
        assert all(action.act(g, x) == y for g in c)  # gG_x ↦ g·x
        for g in G.elements:
            assert f[cosets.act(g, c)] == action.act(g, y)  # equivariant


@SETTINGS
@given(st.one_of(GROUPS, relabelled(GROUPS)), st.data())
def test_coset_space_of_a_coset_action_is_itself(G, data):
    H = data.draw(st.sampled_from(all_subgroups(G)))
    action = coset_action(G, H)
    base = next(c for c in action.points if G.identity in c)  # the coset H itself
    assert action.stabiliser(base) == sorted(H)
    f = coset_space_map(action, base)
    assert all(f[c] == c for c in f)


def test_s4_on_pairs_has_six_cosets():
    S4 = gt.symmetric(4)
    perm = S4.permutations.perms
    pairs = [frozenset(p) for p in ((0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3))]
    action = GroupAction.from_function(S4, pairs, lambda g, p: frozenset(int(perm[g][i]) for i in p))
    stab = action.stabiliser(frozenset({0, 1}))
    assert sorted(S4.names[g] for g in stab) == sorted(["()", "(0 1)", "(2 3)", "(0 1)(2 3)"])
    assert len(coset_space_map(action, frozenset({0, 1}))) == 6


def test_coset_space_map_errors():
    with pytest.raises(TypeError, match="needs a GroupAction"):
        coset_space_map(shift_action(3), 0)
    with pytest.raises(ValueError, match="is not one of the points"):
        coset_space_map(dihedral_vertex_action(4), 9)
    with pytest.raises(NotAnActionError, match="stabiliser of 0 is not a subgroup") as err:
        coset_space_map(_bogus_action(), 0)
    assert err.value.axiom == "stabiliser"
    # the stabiliser of 0 is the subgroup {e, s}, but r acts as a transposition: equivariance fails
    D3 = gt.dihedral(3)
    broken = GroupAction(D3, [[0, 1, 2], [1, 0, 2], [2, 0, 1], [0, 2, 1], [1, 0, 2], [2, 1, 0]], validate=False)
    with pytest.raises(NotAnActionError, match="f\\(") as err:
        coset_space_map(broken, 0)
    assert err.value.axiom in ("well-defined", "injective", "equivariance")


def test_coset_names_share_the_quotient_group_helper():
    S4 = gt.symmetric(4)
    V4 = [S4.label(g) for g in ("()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)")]
    names = coset_action(S4, V4).point_names
    assert names[1:] == quotient_group(S4, V4, symbol="H").names[1:]
    assert names[0] == "()H" and not any(n.startswith("((") for n in names)
    D4 = gt.dihedral(4)
    assert coset_action(D4, ["e", "s"]).point_names == ["eH", "rH", "r^2H", "r^3H"]


# --------------------------------------------------------------------------- components of the action graph


@SETTINGS
@given(actions())
def test_components_of_a_group_action_are_its_orbits(action):
    maps = [lambda x, g=g: action.act(g, x) for g in action.group.generators]
    assert action_graph_components(maps, action.points) == action.orbits()


@SETTINGS
@given(st.lists(st.lists(st.integers(0, 7), min_size=8, max_size=8), min_size=1, max_size=3))
def test_components_partition_and_give_the_invariants(tables):
    points = list(range(8))
    maps = [lambda x, t=t: t[x] for t in tables]
    components = action_graph_components(maps, points)
    assert sorted(x for c in components for x in c) == points
    reach = maps_orbits(maps, points)
    for x in points:
        assert set(reach[x]) <= next(set(c) for c in components if x in c)
    rows = np.vstack([np.eye(8)[t] - np.eye(8) for t in tables])  # Ψ(m(x)) = Ψ(x) for every map m
    assert 8 - np.linalg.matrix_rank(rows) == len(components)


def test_relu_components_and_errors():
    relu = lambda x: max(x, 0)  # noqa: E731
    assert action_graph_components([relu], [-2, -1, 0, 1, 2]) == [[-2, -1, 0], [1], [2]]
    assert action_graph_components([lambda d: min(d + 1, 3)], range(-3, 4)) == [list(range(-3, 4))]
    with pytest.raises(ValueError, match="map 0 sends 3 to 4"):
        action_graph_components([lambda d: d + 1], range(4))
    with pytest.raises(ValueError, match="distinct"):
        action_graph_components([relu], [0, 0])


# --------------------------------------------------------------------------- one interface


@SETTINGS
@given(actions(), st.data())
def test_group_action_interface(action, data):
    x = data.draw(st.sampled_from(action.points))
    images = action.images(x)
    assert len(images) == action.group.order and all(images[g] == action.act(g, x) for g in action.group.elements)
    assert action.orbit(x) == [y for y in action.points if y in images]  # distinct, in the order of points
    assert action.orbit_size(x) == len(action.orbit(x))
    assert action.orbit_size(x) * len(action.stabiliser(x)) == action.group.order


def test_tensor_action_interface():
    d4 = dihedral_image_action()
    gen = torch.Generator().manual_seed(0)
    generic = torch.randn(5, 5, generator=gen)
    diagonal = torch.eye(4)
    plus = torch.zeros(5, 5)
    plus[2, :] = 1.0
    plus[:, 2] = 1.0
    for image, size in ((generic, 8), (diagonal, 2), (plus, 1)):
        assert d4.images(image).shape == (8, *image.shape)
        assert d4.orbit(image).shape == (size, *image.shape)  # distinct tensors only
        assert d4.orbit_size(image) == size and size * len(d4.stabiliser(image)) == 8
        assert all(torch.equal(d4.act(g, image), d4(g, image)) for g in range(8))
        assert all(torch.equal(d4.images(image)[g], d4(g, image)) for g in range(8))
    # the distinct images come in the order of their first label
    orbit = d4.orbit(diagonal)
    assert torch.equal(orbit[0], diagonal) and torch.equal(orbit[1], d4(1, diagonal))
