"""Tests of Chapter 2's machine-learning hooks in grouptools.subgroups: pooling over cosets,
orbits of a subgroup on the positions of an image (free parameters of an invariant filter),
and the unions of conjugacy classes that could be normal subgroups (A₅ is simple)."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from strategies import named_groups
from grouptools.actions import TensorAction, dihedral_image_action, rotation_action
from grouptools.conjugacy import conjugacy_classes
from grouptools.errors import NotASubgroupError
from grouptools.subgroups import (
    all_subgroups,
    conjugate_subgroup,
    coset_average,
    left_cosets,
    strided_circular_conv,
    normal_subgroup_candidates,
    normal_subgroups,
    position_orbits,
)

D4_IMAGES = dihedral_image_action()


# --------------------------------------------------------------------------- coset_average


@settings(max_examples=40, deadline=None)
@given(named_groups(cyclic=12, dihedral=5, symmetric=4), st.data())
def test_coset_average_is_the_mean_over_each_coset(G, data):
    subs = all_subgroups(G)
    H = subs[data.draw(st.integers(0, len(subs) - 1))]
    f = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=G.order, max_size=G.order)), dtype=float)
    pooled = coset_average(G, H, f)
    cosets = left_cosets(G, H)
    assert pooled.shape == (len(cosets),)
    assert np.allclose(pooled, [f[c].mean() for c in cosets])
    assert np.isclose(pooled.mean(), f.mean())  # cosets have equal sizes
    assert np.allclose(coset_average(G, G.elements, f), [f.mean()])  # H = G: the global average


@settings(max_examples=40, deadline=None)
@given(named_groups(cyclic=12, dihedral=5, symmetric=4), st.data())
def test_coset_average_commutes_with_left_translation(G, data):
    """(L_a f)(g) = f(a⁻¹g) pools to the pooled f moved along the cosets: coset cH takes the value of a⁻¹cH."""
    subs = all_subgroups(G)
    H = subs[data.draw(st.integers(0, len(subs) - 1))]
    a = data.draw(st.sampled_from(G.elements))
    f = np.array(data.draw(st.lists(st.integers(-50, 50), min_size=G.order, max_size=G.order)), dtype=float)
    moved = f[[G.product(G.inverse(a), g) for g in G.elements]]
    cosets = left_cosets(G, H)
    where = {g: k for k, c in enumerate(cosets) for g in c}
    pooled, pooled_moved = coset_average(G, H, f), coset_average(G, H, moved)
    for k, c in enumerate(cosets):
        assert pooled_moved[k] == pytest.approx(pooled[where[G.product(G.inverse(a), c[0])]])


@pytest.mark.parametrize("L,k", [(12, 3), (12, 4), (10, 5), (8, 8), (6, 1)])
def test_coset_average_on_z_l_averages_the_polyphase_components(L, k):
    x = np.arange(L) ** 2
    H = list(range(0, L, k))
    pooled = coset_average(gt.cyclic(L), H, x)
    assert np.allclose(pooled, [x[j::k].mean() for j in range(k)])
    for s in range(L):  # a shift of the input permutes the phases: a shift of Z_L / kZ_L ≅ Z_k
        assert np.allclose(coset_average(gt.cyclic(L), H, np.roll(x, s)), np.roll(pooled, s))


def test_coset_average_batches_along_the_last_axis():
    G = gt.dihedral(4)
    f = np.arange(24.0).reshape(3, 8)
    H = [0, 2]
    out = coset_average(G, H, f)
    assert out.shape == (3, 4)
    assert np.allclose(out, np.stack([coset_average(G, H, row) for row in f]))


def test_coset_average_rejects_bad_input():
    G = gt.dihedral(4)
    with pytest.raises(ValueError, match=r"one entry per element of D4 \(8\).*shape \(7,\)"):
        coset_average(G, [0], np.zeros(7))
    with pytest.raises(ValueError, match="one entry per element"):
        coset_average(G, [0], np.array(3.0))
    with pytest.raises(TypeError, match="values must be an array of function values on D4, got float"):
        coset_average(G, [0], 3.0)
    with pytest.raises(TypeError, match="values must be an array"):
        coset_average(G, [0], "abcdefgh")
    with pytest.raises(TypeError, match="values must be numbers"):
        coset_average(G, [0], np.array(list("abcdefgh"), dtype=object))
    with pytest.raises(NotASubgroupError, match="not closed"):
        coset_average(G, ["e", "r"], np.zeros(8))


# --------------------------------------------------------------------------- position_orbits


def _fixed_positions(action, g, shape):
    index = torch.arange(int(np.prod(shape))).reshape(shape)
    return int((action(g, index) == index).sum())


@pytest.mark.parametrize("n", [1, 2, 3, 4, 5, 6])
def test_position_orbits_partition_the_grid_and_match_burnside(n):
    D4 = D4_IMAGES.group
    for H in all_subgroups(D4):
        orbits = position_orbits(D4_IMAGES, H, (n, n))
        assert sorted(p for o in orbits for p in o) == list(range(n * n))
        assert orbits == sorted(orbits)
        burnside = sum(_fixed_positions(D4_IMAGES, g, (n, n)) for g in H)
        assert burnside % len(H) == 0 and len(orbits) == burnside // len(H)


def test_position_orbits_known_counts_for_5x5_and_4x4():
    D4 = D4_IMAGES.group
    counts = {tuple(D4.names[h] for h in H): (len(position_orbits(D4_IMAGES, H, (5, 5))),
                                               len(position_orbits(D4_IMAGES, H, (4, 4))))
              for H in all_subgroups(D4)}
    assert counts[("e",)] == (25, 16)
    assert counts[("e", "r^2")] == (13, 8)
    assert counts[("e", "s")] == (15, 8)  # a mirror through the middle columns: no fixed pixel when n is even
    assert counts[("e", "r s")] == (15, 10)  # a diagonal mirror fixes the n diagonal pixels
    assert counts[("e", "r", "r^2", "r^3")] == (7, 4)
    assert counts[tuple(D4.names)] == (6, 3)


@pytest.mark.parametrize("n", [3, 4, 5])
def test_position_orbits_conjugate_subgroups_agree_and_larger_subgroups_share_more(n):
    D4 = D4_IMAGES.group
    subs = all_subgroups(D4)
    count = {tuple(H): len(position_orbits(D4_IMAGES, H, (n, n))) for H in subs}
    for H in subs:
        for g in D4.elements:
            assert count[tuple(conjugate_subgroup(D4, g, H))] == count[tuple(H)]
        for K in subs:
            if set(H) <= set(K):
                assert count[tuple(K)] <= count[tuple(H)]


def test_position_orbits_of_rotations_alone():
    C4 = rotation_action()
    assert len(position_orbits(C4, C4.group.elements, (5, 5))) == 7
    assert position_orbits(C4, [0], (2, 2)) == [[0], [1], [2], [3]]
    assert position_orbits(C4, C4.group.elements, (2, 2)) == [[0, 1, 2, 3]]


def test_position_orbits_rejects_bad_input():
    D4 = D4_IMAGES.group
    with pytest.raises(TypeError, match="needs a tensor action"):
        position_orbits(lambda g, x: x, [0], (3, 3))
    with pytest.raises(TypeError, match="needs a tensor action"):
        position_orbits(D4, [0], (3, 3))
    with pytest.raises(ValueError, match="non-empty sequence of positive sizes"):
        position_orbits(D4_IMAGES, [0], (0, 3))
    with pytest.raises(ValueError, match="non-empty sequence of positive sizes"):
        position_orbits(D4_IMAGES, [0], ())
    with pytest.raises(TypeError, match="shape must be a sequence of integers"):
        position_orbits(D4_IMAGES, [0], 5)
    with pytest.raises(NotASubgroupError, match="not closed"):
        position_orbits(D4_IMAGES, ["e", "r"], (3, 3))
    negate = TensorAction(gt.cyclic(2), lambda g, x: -x if g else x, name="sign")
    with pytest.raises(ValueError, match="does not permute the positions.*element 1"):
        position_orbits(negate, [0, 1], (2, 2))
    with pytest.raises(ValueError, match="does not permute the positions"):
        position_orbits(D4_IMAGES, [0, 1, 2, 3], (2, 3))  # a quarter turn changes a 2×3 shape


# --------------------------------------------------------------------------- normal_subgroup_candidates


@settings(max_examples=40, deadline=None)
@given(named_groups(cyclic=12, dihedral=6, symmetric=4))
def test_every_normal_subgroup_is_a_candidate(G):
    candidates = normal_subgroup_candidates(G)
    classes = [set(c) for c in conjugacy_classes(G)]
    for u in candidates:
        assert u == sorted(set(u)) and G.identity in u and G.order % len(u) == 0
        assert all(c <= set(u) or not (c & set(u)) for c in classes)  # a union of whole classes
    assert all(N in candidates for N in normal_subgroups(G))
    assert [len(u) for u in candidates] == sorted(len(u) for u in candidates)


def test_a5_has_only_the_trivial_candidates():
    A5 = gt.alternating(5)
    assert sorted(len(c) for c in conjugacy_classes(A5)) == [1, 12, 12, 15, 20]
    assert normal_subgroup_candidates(A5) == [[A5.identity], A5.elements]
    assert len(normal_subgroups(A5)) == 2


def test_candidates_can_exceed_the_normal_subgroups():
    """The class-union test is necessary, not sufficient: D6 has 14 candidates and 7 normal subgroups."""
    S4 = gt.symmetric(4)  # class sizes 1, 3, 6, 8, 6: the candidates are exactly 1, V4, A4, S4
    assert [len(u) for u in normal_subgroup_candidates(S4)] == [1, 4, 12, 24] == [len(N) for N in normal_subgroups(S4)]
    D6 = gt.dihedral(6)
    candidates = normal_subgroup_candidates(D6)
    assert len(candidates) == 14 and len(normal_subgroups(D6)) == 7
    assert any(len(u) == 4 for u in candidates) and not any(len(N) == 4 for N in normal_subgroups(D6))


def test_normal_subgroup_candidates_rejects_bad_input():
    with pytest.raises(TypeError, match="needs a FiniteGroup"):
        normal_subgroup_candidates([[0]])
    with pytest.raises(ValueError, match="21 conjugacy classes: too many"):
        normal_subgroup_candidates(gt.cyclic(21))


def test_strided_circular_conv_matches_the_formula_and_commutes_only_with_stride_shifts():
    rng = np.random.default_rng(0)
    x = rng.integers(-5, 6, size=12).astype(float)
    w = np.array([1.0, -2.0, 3.0])
    y = strided_circular_conv(x, w, 3)
    expected = [sum(w[i] * x[(3 * j + i) % 12] for i in range(3)) for j in range(4)]
    assert y.dtype == torch.float64 and y.tolist() == expected
    for s in range(12):
        ys = strided_circular_conv(np.roll(x, s), w, 3)
        assert torch.equal(ys, torch.roll(y, s // 3)) == (s % 3 == 0)
    for bad, msg in [((x, w, 5), "must divide the length"), ((x, w, 0), "positive integer"),
                     ((x.reshape(3, 4), w, 1), "1-D"), ((x[:2], w, 1), "longer than the sequence")]:
        with pytest.raises(ValueError, match=msg):
            strided_circular_conv(*bad)
