"""Tests of grouptools.homomorphisms: kernels are normal, |G| = |ker φ|·|im φ|, the first
isomorphism theorem, isomorphism search, sign and det, and clear errors for maps that
are not homomorphisms."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from sympy.combinatorics.named_groups import SymmetricGroup

import grouptools as gt
from strategies import direct_products, named_groups
from grouptools.errors import NotAHomomorphismError
from grouptools.homomorphisms import (
    Homomorphism,
    all_isomorphisms,
    are_isomorphic,
    automorphisms,
    determinant_homomorphism,
    find_isomorphism,
    first_isomorphism_theorem,
    identity_map,
    inclusion,
    inner_automorphism,
    isomorphism_invariants,
    log_abs_det,
    quotient_map,
    real_additive_homomorphisms,
    sign_homomorphism,
    trivial_homomorphism,
)
from grouptools.subgroups import is_normal, is_subgroup, normal_subgroups


named = named_groups(cyclic=12)
groups = st.one_of(named, direct_products(named, max_order=48))
SETTINGS = settings(max_examples=25, deadline=None)


def projection(G, H):
    """The projection G × H → G, (g, h) ↦ g (labels g·|H| + h)."""
    return Homomorphism.from_function(gt.direct_product(G, H), G, lambda x: x // H.order, name="p₁")


@st.composite
def homomorphisms(draw):
    """A homomorphism drawn from several families: quotient maps, projections, sign, inner automorphisms."""
    kind = draw(st.sampled_from(["quotient", "projection", "sign", "inner", "composite"]))
    if kind == "projection":
        return projection(draw(named), draw(st.integers(1, 4).map(gt.cyclic)))
    if kind == "sign":
        return sign_homomorphism(gt.symmetric(draw(st.integers(1, 4))))
    G = draw(groups)
    if kind == "inner":
        return inner_automorphism(G, draw(st.sampled_from(G.elements)))
    N = draw(st.sampled_from(normal_subgroups(G)))
    pi = quotient_map(G, N)
    if kind == "composite":
        return pi.compose(inner_automorphism(G, draw(st.sampled_from(G.elements))))
    return pi


@SETTINGS
@given(homomorphisms())
def test_kernel_image_and_first_isomorphism_theorem(phi):
    G, H = phi.domain, phi.codomain
    K, im = phi.kernel(), phi.image()
    assert is_normal(G, K)
    assert is_subgroup(H, im)
    assert G.order == len(K) * len(im)
    assert phi.is_injective() == (len(K) == 1)
    assert phi.is_surjective() == (len(im) == H.order)
    for h in im:  # each fibre is a coset of the kernel
        fibre = phi.preimage(h)
        assert len(fibre) == len(K)
        g = fibre[0]
        assert sorted(G.product(g, k) for k in K) == fibre
    check = first_isomorphism_theorem(phi)
    assert check.holds, check.reason
    assert check.quotient.order == check.image_group.order == len(im)
    assert check.induced.is_isomorphism()


@SETTINGS
@given(groups)
def test_generators_determine_a_homomorphism(G):
    N = normal_subgroups(G)[-1 if G.order == 1 else len(normal_subgroups(G)) // 2]
    pi = quotient_map(G, N)
    again = Homomorphism.from_generators(G, pi.codomain, {g: pi(g) for g in G.generators})
    assert np.array_equal(again.images, pi.images)
    assert quotient_map(G, N).kernel() == N
    assert identity_map(G).is_isomorphism()
    assert trivial_homomorphism(G, gt.cyclic(3)).kernel() == G.elements


@SETTINGS
@given(groups, st.randoms(use_true_random=False))
def test_isomorphism_search_finds_a_relabelling(G, rnd):
    perm = list(range(G.order))
    rnd.shuffle(perm)  # element g of G becomes perm[g] of G2
    inv = np.argsort(perm)
    table = np.array(perm)[G.table[np.ix_(inv, inv)]]
    G2 = gt.FiniteGroup.from_table(table)
    psi = find_isomorphism(G, G2)
    assert psi is not None and psi.is_isomorphism()
    assert isomorphism_invariants(G) == isomorphism_invariants(G2)


@pytest.mark.parametrize(
    "A, B, same",
    [
        (gt.cyclic(6), gt.direct_product(gt.cyclic(2), gt.cyclic(3)), True),
        (gt.cyclic(4), gt.klein_four(), False),
        (gt.dihedral(2), gt.klein_four(), True),
        (gt.dihedral(3), gt.symmetric(3), True),
        (gt.dihedral(4), gt.quaternion(), False),  # same order statistics? no: D4 has 5 involutions, Q8 one
        (gt.dihedral(6), gt.direct_product(gt.symmetric(3), gt.cyclic(2)), True),
        (gt.alternating(4), gt.dihedral(6), False),
        (gt.direct_product(gt.cyclic(4), gt.cyclic(4)), gt.direct_product(gt.cyclic(2), gt.cyclic(8)), False),
    ],
)
def test_isomorphism_decisions(A, B, same):
    assert are_isomorphic(A, B) == same
    assert are_isomorphic(B, A) == same


@pytest.mark.parametrize(
    "G, count",
    [(gt.cyclic(1), 1), (gt.cyclic(7), 6), (gt.cyclic(12), 4), (gt.klein_four(), 6), (gt.symmetric(3), 6),
     (gt.dihedral(4), 8), (gt.quaternion(), 24), (gt.symmetric(4), 24)],
)  # fmt: skip
def test_automorphism_counts(G, count):
    auts = automorphisms(G)
    assert len(auts) == count
    assert len({a.images.tobytes() for a in auts}) == count
    assert all(a.is_isomorphism() for a in auts)


def test_isomorphisms_between_s5_presentations():
    G = gt.symmetric(5)
    P = gt.from_permutations(SymmetricGroup(5).generators)
    psi = find_isomorphism(G, P)
    assert psi is not None and psi.inverse().compose(psi).images.tolist() == G.elements
    assert len(list(all_isomorphisms(gt.cyclic(5), gt.cyclic(5)))) == 4


# --------------------------------------------------------------------------- sign, det, (R, +)


@pytest.mark.parametrize("n", [2, 3, 4, 5])
def test_sign_matches_sympy(n):
    G = gt.symmetric(n)
    sgn = sign_homomorphism(G)
    for g in G.elements:
        assert (1 if sgn(g) == 0 else -1) == G.permutations.sympy(g).signature()
    assert len(sgn.kernel()) == math.factorial(n) // 2
    assert first_isomorphism_theorem(sgn).holds


def test_sign_needs_permutations():
    with pytest.raises(ValueError, match="carries no permutations"):
        sign_homomorphism(gt.dihedral(4))


def test_determinant_on_a_matrix_group():
    r = np.array([[0, -1], [1, 0]])
    f = np.array([[1, 0], [0, -1]])
    G = gt.from_matrices([r, f], ["r", "f"])
    det = determinant_homomorphism(G)
    assert det.codomain.names == ["1", "-1"]
    assert len(det.kernel()) == 4  # the rotations
    assert all(abs(np.linalg.det(G.matrices[g]) - 1) < 1e-9 for g in det.kernel())
    assert first_isomorphism_theorem(det).holds
    with pytest.raises(ValueError, match="carries no matrices"):
        determinant_homomorphism(gt.cyclic(3))


def test_log_abs_det_is_a_homomorphism_to_the_reals():
    gen = torch.Generator().manual_seed(0)
    A = torch.randn(20, 4, 4, generator=gen, dtype=torch.float64)
    B = torch.randn(20, 4, 4, generator=gen, dtype=torch.float64)
    assert torch.allclose(log_abs_det(A @ B), log_abs_det(A) + log_abs_det(B), atol=1e-9)
    a, b = A.numpy(), B.numpy()
    assert np.allclose(log_abs_det(a @ b), log_abs_det(a) + log_abs_det(b), atol=1e-9)
    # not injective: every matrix of determinant ±1 goes to 0
    assert abs(float(log_abs_det(torch.tensor([[2.0, 0.0], [0.0, 0.5]])))) < 1e-7


@SETTINGS
@given(groups)
def test_only_trivial_homomorphism_from_a_finite_group_to_the_reals(G):
    assert real_additive_homomorphisms(G).shape == (G.order, 0)


# --------------------------------------------------------------------------- bad input


def test_non_homomorphism_names_the_pair():
    Z4, Z2 = gt.cyclic(4), gt.cyclic(2)
    with pytest.raises(NotAHomomorphismError, match=r"φ\(1·1\) = φ\(2\) = 1 but φ\(1\)·φ\(1\) = 1·1 = 0") as err:
        Homomorphism.from_images(Z4, Z2, [0, 1, 1, 0])
    assert err.value.witness == (1, 1)
    assert isinstance(err.value, ValueError)


def test_generator_images_that_break_a_relation():
    D4, Z4 = gt.dihedral(4), gt.cyclic(4)
    with pytest.raises(NotAHomomorphismError, match="do not extend to a homomorphism") as err:
        Homomorphism.from_generators(D4, Z4, {"r": 1, "s": 0})  # s r s = r⁻¹ would need 1 = 3
    x, s = err.value.witness
    assert x in D4.elements and s in (D4.label("r"), D4.label("s"))
    with pytest.raises(NotAHomomorphismError, match="do not generate D4"):
        Homomorphism.from_generators(D4, Z4, {"r": 1})
    with pytest.raises(NotAHomomorphismError, match="do not extend"):  # an order-2 element cannot go to order 3
        Homomorphism.from_generators(gt.cyclic(2), gt.cyclic(3), {1: 1})


def test_malformed_maps():
    Z4, Z2 = gt.cyclic(4), gt.cyclic(2)
    with pytest.raises(NotAHomomorphismError, match="3 images were given but the domain Z4 has 4"):
        Homomorphism(Z4, Z2, [0, 0, 0])
    with pytest.raises(NotAHomomorphismError, match="not an element of the codomain"):
        Homomorphism(Z4, Z2, [0, 1, 0, 5])
    with pytest.raises(NotAHomomorphismError, match="no image given for 3"):
        Homomorphism.from_images(Z4, Z2, {0: 0, 1: 1, 2: 0})
    with pytest.raises(ValueError, match="not a bijection"):
        Homomorphism.from_images(Z4, Z2, [0, 1, 0, 1]).inverse()
    with pytest.raises(ValueError, match="cannot compose"):
        identity_map(Z4).compose(identity_map(Z2))


def test_inclusion_and_inner_automorphisms():
    D4 = gt.dihedral(4)
    iota = inclusion(D4, ["e", "r", "r^2", "r^3"])
    assert iota.is_injective() and not iota.is_surjective()
    assert len({inner_automorphism(D4, g).images.tobytes() for g in D4.elements}) == 4  # |D4 / Z(D4)|
