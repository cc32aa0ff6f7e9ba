"""Tests of grouptools.semidirect: N ⋊_φ H is a group with N normal and H a complement,
the trivial φ gives N × H, D_n ≅ Z_n ⋊ Z_2, the inner characterisation, complements and
decompositions, and clear errors for a φ that is not a homomorphism H → Aut(N)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from grouptools.errors import NotAHomomorphismError, NotASubgroupError, NotNormalError
from grouptools.homomorphisms import Homomorphism, are_isomorphic, automorphisms, inner_automorphism
from grouptools.semidirect import (
    automorphism_array,
    complements,
    inner_semidirect,
    semidirect_decompositions,
    semidirect_factors,
    semidirect_product,
)
from grouptools.subgroups import all_subgroups, is_normal, is_subgroup
from strategies import named_groups


def inversion(n: int) -> list[np.ndarray]:
    """φ: Z_2 → Aut(Z_n), 1 ↦ (x ↦ −x)."""
    return [np.arange(n), (-np.arange(n)) % n]


def multiplication(n: int, k: int) -> np.ndarray:
    """The automorphism x ↦ kx of Z_n (gcd(k, n) = 1)."""
    return (k * np.arange(n)) % n


@pytest.mark.parametrize("n", range(1, 9))
def test_dihedral_is_cyclic_by_two(n):
    P = semidirect_product(gt.cyclic(n), gt.cyclic(2), inversion(n))
    gt.check_group_table(P.table)  # the axioms, checked independently of the construction
    assert P.order == 2 * n and are_isomorphic(P, gt.dihedral(n))
    assert P.is_abelian() == (n <= 2)


@pytest.mark.parametrize("n", range(1, 8))
def test_trivial_phi_gives_direct_product(n):
    N, H = gt.cyclic(n), gt.dihedral(3)
    P = semidirect_product(N, H, lambda h: np.arange(n))
    D = gt.direct_product(N, H)
    assert np.array_equal(P.table, D.table) and P.names == D.names


def test_names_and_default_name():
    P = semidirect_product(gt.cyclic(3), gt.cyclic(2), inversion(3))
    assert P.name == "Z3⋊Z2"
    assert P.names[:4] == ["(0, 0)", "(0, 1)", "(1, 0)", "(1, 1)"]
    assert semidirect_product(gt.cyclic(3), gt.cyclic(2), inversion(3), name="D3'").name == "D3'"
    # (1, 1)·(1, 0) = (1 + φ_1(1), 1) = (1 − 1, 1) = (0, 1)
    assert P.element_name(P.product("(1, 1)", "(1, 0)")) == "(0, 1)"


def test_accepts_homomorphism_objects_and_callables():
    N, H = gt.cyclic(5), gt.cyclic(4)
    auts = [Homomorphism(N, N, multiplication(5, 2 ** h).tolist()) for h in range(4)]
    P1 = semidirect_product(N, H, auts)
    P2 = semidirect_product(N, H, lambda h: multiplication(5, 2 ** h))
    assert np.array_equal(P1.table, P2.table) and P1.order == 20 and not P1.is_abelian()


@settings(max_examples=40, deadline=None)
@given(named_groups(cyclic=8, dihedral=4, symmetric=3, alternating=(3, 3)), st.data())
def test_conjugation_action_gives_a_group_with_normal_factor(N, data):
    """H = N acting on itself by conjugation (always a homomorphism N → Aut(N))."""
    H = N
    phi = [inner_automorphism(N, h).images for h in H.elements]
    P = semidirect_product(N, H, phi)
    gt.check_group_table(P.table)
    Nl, Hl = semidirect_factors(N, H)
    assert is_normal(P, Nl) and is_subgroup(P, Hl)
    assert set(Nl) & set(Hl) == {P.identity}
    assert len({P.product(a, b) for a in Nl for b in Hl}) == P.order
    # the defining product rule on random pairs
    m = H.order
    for _ in range(10):
        a = data.draw(st.integers(0, P.order - 1))
        b = data.draw(st.integers(0, P.order - 1))
        n1, h1, n2, h2 = a // m, a % m, b // m, b % m
        expected = N.product(n1, phi[h1][n2]) * m + H.product(h1, h2)
        assert P.product(a, b) == expected
    # inverses as stated in the docstring
    for g in P.elements:
        n, h = g // m, g % m
        hi = H.inverse(h)
        assert P.inverse(g) == phi[hi][N.inverse(n)] * m + hi


def test_every_automorphism_group_action_of_z8():
    """H = Aut(Z8) ≅ V4 acting naturally: the holomorph of Z8, order 32."""
    N = gt.cyclic(8)
    auts = automorphisms(N)
    keys = [a.images.tobytes() for a in auts]
    H = gt.FiniteGroup.from_table([[keys.index(a.compose(b).images.tobytes()) for b in auts] for a in auts], name="Aut(Z8)")
    P = semidirect_product(N, H, [a.images for a in auts])
    assert P.order == 32
    gt.check_group_table(P.table)


# ---------------------------------------------------------------------------- errors


def test_error_not_an_automorphism():
    N, H = gt.cyclic(6), gt.cyclic(2)
    with pytest.raises(NotAHomomorphismError, match=r"phi\(1\) is not an automorphism of Z6"):
        semidirect_product(N, H, [np.arange(6), [0, 2, 1, 3, 4, 5]])


def test_error_not_a_bijection():
    N, H = gt.cyclic(4), gt.cyclic(2)
    with pytest.raises(ValueError, match=r"phi\(1\) is not a bijection of Z4: it sends both 0 and 2 to 0"):
        semidirect_product(N, H, [np.arange(4), (2 * np.arange(4)) % 4])


def test_error_not_a_homomorphism_into_aut():
    # Z3 → Aut(Z5) with 1 ↦ (x ↦ 2x) fails: 2³ = 8 ≢ 1 (mod 5)
    N, H = gt.cyclic(5), gt.cyclic(3)
    with pytest.raises(NotAHomomorphismError, match=r"phi is not a homomorphism Z3 → Aut\(Z5\)") as info:
        semidirect_product(N, H, lambda h: multiplication(5, 2 ** h))
    assert len(info.value.witness) == 2


def test_error_identity_must_act_trivially():
    N, H = gt.cyclic(5), gt.cyclic(1)
    with pytest.raises(NotAHomomorphismError, match="phi is not a homomorphism"):
        semidirect_product(N, H, [multiplication(5, 2)])


@pytest.mark.parametrize(
    "phi, exc, pattern",
    [
        ([np.arange(4)], ValueError, r"one automorphism of Z4 per element of Z2 \(2\), got 1"),
        ([np.arange(4), np.arange(3)], ValueError, r"phi\(1\) must give one image per element of Z4"),
        ([np.arange(4), [0, 1, 2, 7]], ValueError, r"phi\(1\) sends 3 to 7, which is not a label"),
        ([np.arange(4), "0123"], TypeError, r"phi\(1\) must be a permutation of N's labels"),
        ([np.arange(4), [0.5, 1, 2, 3]], TypeError, "must hold integer labels"),
        (42, TypeError, "phi must be a function"),
    ],
)
def test_bad_phi_messages(phi, exc, pattern):
    with pytest.raises(exc, match=pattern):
        semidirect_product(gt.cyclic(4), gt.cyclic(2), phi)


def test_bad_factor_types():
    with pytest.raises(TypeError, match="N must be a FiniteGroup"):
        semidirect_product([0, 1], gt.cyclic(2), [[0, 1], [0, 1]])
    with pytest.raises(TypeError, match="H must be a FiniteGroup"):
        automorphism_array(gt.cyclic(2), "Z2", [[0, 1], [0, 1]])


def test_homomorphism_with_wrong_domain():
    wrong = Homomorphism(gt.cyclic(3), gt.cyclic(3), [0, 1, 2])
    with pytest.raises(ValueError, match="must map Z4 to itself"):
        semidirect_product(gt.cyclic(4), gt.cyclic(2), [np.arange(4), wrong])


def test_float_labels_that_are_integers_are_accepted():
    P = semidirect_product(gt.cyclic(3), gt.cyclic(2), [np.arange(3.0), np.array([0.0, 2.0, 1.0])])
    assert are_isomorphic(P, gt.dihedral(3))


# ---------------------------------------------------------------------------- inner products


@pytest.mark.parametrize(
    "G, N, H",
    [
        (gt.dihedral(4), ["e", "r", "r^2", "r^3"], ["e", "s"]),
        (gt.dihedral(4), ["e", "r^2", "s", "r^2 s"], ["e", "r s"]),
        (gt.symmetric(3), ["()", "(0 1 2)", "(0 2 1)"], ["()", "(0 1)"]),
        (gt.symmetric(4), ["()", "(0 1)(2 3)", "(0 2)(1 3)", "(0 3)(1 2)"], gt.symmetric(4).closure(["(0 1)", "(1 2)"])),
        (gt.cyclic(6), [0, 2, 4], [0, 3]),
    ],
)
def test_inner_semidirect_is_an_isomorphism(G, N, H):
    iso = inner_semidirect(G, N, H)
    assert iso.is_isomorphism() and iso.codomain is G
    Nl, Hl = semidirect_factors(gt.cyclic(len(N)), gt.cyclic(len(H)))  # labels only depend on the orders
    assert sorted(iso(g) for g in Nl) == sorted(G.label(x) for x in N)
    assert sorted(iso(g) for g in Hl) == sorted(G.label(x) for x in H)


def test_inner_semidirect_errors():
    D4 = gt.dihedral(4)
    with pytest.raises(NotNormalError, match="N is not normal in D4"):
        inner_semidirect(D4, ["e", "s"], ["e", "r", "r^2", "r^3"])
    with pytest.raises(ValueError, match=r"N ∩ H = \{e, r\^2\} is not \{e\}"):
        inner_semidirect(D4, ["e", "r", "r^2", "r^3"], ["e", "r^2"])
    with pytest.raises(ValueError, match=r"NH ≠ G: \|N\|·\|H\| = 2·2 = 4 < \|G\| = 8"):
        inner_semidirect(D4, ["e", "r^2"], ["e", "s"])
    with pytest.raises(NotASubgroupError):
        inner_semidirect(D4, ["e", "r"], ["e", "s"])
    with pytest.raises(TypeError, match="G must be a FiniteGroup"):
        inner_semidirect("D4", [0], [0])


# ---------------------------------------------------------------------------- complements


def test_quaternion_is_not_a_semidirect_product():
    Q8 = gt.quaternion()
    assert semidirect_decompositions(Q8) == []
    # every non-trivial subgroup of Q8 contains −1
    assert all(Q8.label("-1") in H for H in all_subgroups(Q8) if len(H) > 1)


@pytest.mark.parametrize(
    "G, count",
    [(gt.dihedral(4), 8), (gt.symmetric(3), 3), (gt.symmetric(4), 10), (gt.cyclic(4), 0), (gt.cyclic(6), 2), (gt.klein_four(), 6)],
)
def test_decomposition_counts(G, count):
    decs = semidirect_decompositions(G)
    assert len(decs) == count
    for N, H in decs:
        assert inner_semidirect(G, N, H).is_isomorphism()


def test_complements_of_rotations_in_d4_are_the_reflections():
    D4 = gt.dihedral(4)
    comps = complements(D4, ["e", "r", "r^2", "r^3"])
    assert sorted(D4.names[H[1]] for H in comps) == ["r s", "r^2 s", "r^3 s", "s"]


@settings(max_examples=30, deadline=None)
@given(named_groups(cyclic=12, dihedral=6, symmetric=4, alternating=(3, 4)))
def test_decompositions_satisfy_the_internal_conditions(G):
    for N, H in semidirect_decompositions(G):
        assert is_normal(G, N) and len(N) * len(H) == G.order
        assert set(N) & set(H) == {G.identity}


def test_public_functions_name_their_chapter_section():
    import json
    import pathlib

    import grouptools.semidirect as module

    chapter = pathlib.Path(__file__).resolve().parents[1] / "chapters" / "03_homomorphisms.ipynb"
    headings = {
        line.lstrip("#").strip()
        for cell in json.loads(chapter.read_text())["cells"]
        if cell["cell_type"] == "markdown"
        for line in "".join(cell["source"]).splitlines()
        if line.startswith("#")
    }
    for name in module.__all__:
        doc = getattr(module, name).__doc__.strip()
        assert doc.endswith("Explained in Chapter 3, *Semidirect products*."), name
    assert "Semidirect products" in headings
