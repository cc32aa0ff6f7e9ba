"""Tests of Chapter 6's tools: representations, character tables, irreps and the group
Fourier transform.

Every law is checked on many groups (named groups up to order 120, direct products,
and random relabellings built with ``FiniteGroup.from_table``); the character tables
of S3, D4, Q8, A4, S4 and A5 are compared with the tables in the literature (e.g.
James & Liebeck, *Representations and Characters of Groups*, ch. 18-20), up to the
order of rows and columns; bad input must fail with a specific error."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import grouptools as gt
from grouptools import FiniteGroup
from strategies import direct_products, relabelled
from strategies import named_groups as named
from grouptools.characters import (
    CharacterTable,
    character_table,
    format_character_value,
    frobenius_schur_indicator,
    inner_product,
    multiplicities,
)
from grouptools.conjugacy import conjugacy_classes
from grouptools.fourier import convolve, dft_index, fourier_transform, inverse_fourier_transform, plancherel
from grouptools.irreps import irreps, regular_decomposition
from grouptools.representations import (
    Representation,
    direct_sum,
    intertwiners,
    permutation_representation,
    regular_representation,
    tensor_product,
    trivial_representation,
    unitarize,
)

TOL = 1e-9

# --------------------------------------------------------------------------- groups


named_groups = named(cyclic=40, dihedral=60, symmetric=5, alternating=(1, 5))
product_groups = direct_products(named(cyclic=12, dihedral=8), max_order=120)


any_group = st.one_of(
    named_groups,
    product_groups,
    relabelled(st.one_of(named_groups, product_groups).filter(lambda g: g.order <= 72)),
)

SWEEP = (
    [gt.cyclic(n) for n in (1, 2, 3, 4, 6, 7, 12, 30, 120)]
    + [gt.dihedral(n) for n in (1, 2, 3, 4, 5, 6, 12, 15, 60)]
    + [gt.symmetric(n) for n in range(1, 6)]
    + [gt.alternating(n) for n in range(1, 6)]
    + [gt.quaternion(), gt.klein_four()]
    + [
        gt.direct_product(gt.quaternion(), gt.symmetric(3)),
        gt.direct_product(gt.alternating(4), gt.cyclic(5)),
        gt.direct_product(gt.symmetric(4), gt.cyclic(5)),
        gt.direct_product(gt.quaternion(), gt.quaternion()),
        gt.direct_product(gt.dihedral(4), gt.alternating(4)),
    ]
)

# --------------------------------------------------------------------------- the invariants


def check_table(G: FiniteGroup, t: CharacterTable) -> None:
    n, k = G.order, t.num_classes
    V = t.values
    # square, classes are the conjugacy classes in the group's own labels
    assert V.shape == (k, k) == (len(t), len(t.classes))
    assert sorted(map(sorted, t.classes)) == sorted(conjugacy_classes(G))
    assert t.classes[0] == [G.identity]
    assert sorted(x for c in t.classes for x in c) == list(range(n))
    assert t.class_sizes.sum() == n
    orders = G.element_orders()
    for cls, o in zip(t.classes, t.orders):
        assert set(orders[cls].tolist()) == {int(o)}
    # degrees: trivial first, sorted, Σ d² = |G|, each d divides |G|
    assert np.allclose(V[0], 1)
    d = t.degrees
    assert np.all(np.diff(d[1:]) >= 0) and d[0] == 1
    assert int(np.sum(d * d)) == n
    assert all(n % int(x) == 0 for x in d)
    # row and column orthogonality
    assert np.allclose(t.row_gram(), np.eye(k), atol=TOL)
    assert np.allclose(t.column_gram(), np.diag(n / t.class_sizes), atol=1e-8 * n)
    # indicators
    assert set(t.indicators.tolist()) <= {-1, 0, 1}
    for i in range(k):
        real = np.allclose(V[i].imag, 0, atol=TOL)
        assert (t.indicators[i] == 0) == (not real)
        assert abs(frobenius_schur_indicator(G, t.character(i)) - t.indicators[i]) < TOL
    # the inverse class: χ(g⁻¹) = conj χ(g)
    inv = np.array([G.inverse(g) for g in range(n)])
    for i in range(k):
        chi = t.character(i)
        assert np.allclose(chi[inv], chi.conj(), atol=TOL)


def check_irreps(G: FiniteGroup, t: CharacterTable, reps: list[Representation]) -> None:
    n = G.order
    assert len(reps) == len(t)
    for i, rho in enumerate(reps):
        assert rho.group is G
        assert rho.degree == t.degrees[i]
        rho.check_homomorphism()  # ρ(gh) = ρ(g)ρ(h) for every pair
        assert rho.is_unitary(atol=TOL)
        chi = rho.character()
        assert np.allclose(chi, t.character(i), atol=TOL)
        # the character is a class function
        reps_of = np.array(t.representatives)[t.class_of]
        assert np.allclose(chi, chi[reps_of], atol=TOL)
        if t.indicators[i] == 1:
            assert rho.is_real(), f"irrep {i} of {G.name} with indicator +1 is not real"
    # Schur orthogonality of matrix entries: Σ_g ρ_i(g)_ab conj(ρ_j(g)_cd) = (|G|/d) δ_ij δ_ac δ_bd
    coeffs = np.hstack([np.sqrt(r.degree / n) * r.matrices.reshape(n, -1) for r in reps])
    assert coeffs.shape == (n, n)
    assert np.allclose(coeffs.conj().T @ coeffs, np.eye(n), atol=1e-9)


def check_fourier(G: FiniteGroup, reps: list[Representation], seed: int) -> None:
    rng = np.random.default_rng(seed)
    n = G.order
    f = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    h = rng.standard_normal(n) + 1j * rng.standard_normal(n)
    F = fourier_transform(G, f, reps)
    H = fourier_transform(G, h, reps)
    assert [x.shape for x in F] == [(r.degree, r.degree) for r in reps]
    assert np.allclose(inverse_fourier_transform(G, F, reps), f, atol=1e-10)
    left, right = plancherel(G, f, h, reps)
    assert abs(left - right) < 1e-9 * max(1.0, abs(left))
    left, right = plancherel(G, f, reps=reps)
    assert abs(left - right) < 1e-9 * left.real and abs(left.imag) < 1e-9
    C = fourier_transform(G, convolve(G, f, h), reps)
    for c, a, b in zip(C, F, H):
        assert np.allclose(c, a @ b, atol=1e-9 * n)


def brute_convolve(G: FiniteGroup, f: np.ndarray, h: np.ndarray) -> np.ndarray:
    out = np.zeros(G.order, dtype=complex)
    for x in G.elements:
        for y in G.elements:
            out[x] += f[y] * h[G.product(G.inverse(y), x)]
    return out


# --------------------------------------------------------------------------- property tests


@pytest.mark.parametrize("G", SWEEP, ids=lambda G: G.name)
def test_sweep_named_groups(G: FiniteGroup) -> None:
    t = character_table(G)
    check_table(G, t)
    reps = irreps(G)
    check_irreps(G, t, reps)
    check_fourier(G, reps, seed=G.order)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(any_group, st.integers(0, 1000))
def test_laws_on_random_groups(G: FiniteGroup, seed: int) -> None:
    t = character_table(G)
    check_table(G, t)
    reps = irreps(G)
    check_irreps(G, t, reps)
    check_fourier(G, reps, seed)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
@given(st.one_of(named_groups, product_groups).filter(lambda g: g.order <= 48), st.integers(0, 2**32 - 1))
def test_relabelling_gives_the_same_table(G: FiniteGroup, seed: int) -> None:
    """A relabelled copy (identity usually not 0) has the same table, in its own labels."""
    perm = np.random.default_rng(seed).permutation(G.order)
    H = G.relabelled(perm)
    assert H.identity == perm[G.identity]
    tG, tH = character_table(G), character_table(H)
    assert tH.classes[0] == [H.identity]
    assert sorted(map(sorted, tH.classes)) == sorted(sorted(perm[c].tolist()) for c in tG.classes)
    # same character values on corresponding elements, up to the order of the rows
    def key(chi: np.ndarray) -> tuple:
        chi = np.round(chi, 6) + 0.0
        return tuple(zip(chi.real.tolist(), chi.imag.tolist()))

    rows_G = sorted(key(tG.character(i)) for i in range(len(tG)))
    rows_H = sorted(key(tH.character(i)[perm]) for i in range(len(tH)))
    assert rows_G == rows_H
    assert tG.degrees.tolist() == tH.degrees.tolist()
    assert sorted(tG.indicators.tolist()) == sorted(tH.indicators.tolist())


@settings(max_examples=20, deadline=None)
@given(st.one_of(st.integers(1, 12).map(gt.dihedral), st.integers(3, 4).map(gt.symmetric), st.just(gt.quaternion())),
       st.integers(0, 1000))
def test_convolution_matches_brute_force(G: FiniteGroup, seed: int) -> None:
    rng = np.random.default_rng(seed)
    f, h = rng.standard_normal(G.order), rng.standard_normal(G.order)
    assert np.allclose(convolve(G, f, h), brute_convolve(G, f, h))


@pytest.mark.parametrize("n", [1, 2, 5, 8, 12, 31])
def test_fourier_on_cyclic_group_is_the_dft(n: int) -> None:
    G = gt.cyclic(n)
    f = np.random.default_rng(n).standard_normal(n)
    F = fourier_transform(G, f)
    k = dft_index(G)
    assert sorted(k) == list(range(n))
    expected = np.fft.fft(f)
    for i, ki in enumerate(k):
        assert abs(F[i][0, 0] - expected[ki]) < 1e-10


# --------------------------------------------------------------------------- literature tables

PHI = (1 + math.sqrt(5)) / 2
W3 = complex(-0.5, math.sqrt(3) / 2)
# (class sizes, element orders, rows) as printed in James & Liebeck / Serre.
LITERATURE = {
    "S3": (gt.symmetric(3), [1, 3, 2], [1, 2, 3], [[1, 1, 1], [1, -1, 1], [2, 0, -1]], [1, 1, 1]),
    "D4": (
        gt.dihedral(4),
        [1, 1, 2, 2, 2],
        [1, 2, 4, 2, 2],
        [[1, 1, 1, 1, 1], [1, 1, 1, -1, -1], [1, 1, -1, 1, -1], [1, 1, -1, -1, 1], [2, -2, 0, 0, 0]],
        [1, 1, 1, 1, 1],
    ),
    "Q8": (
        gt.quaternion(),
        [1, 1, 2, 2, 2],
        [1, 2, 4, 4, 4],
        [[1, 1, 1, 1, 1], [1, 1, 1, -1, -1], [1, 1, -1, 1, -1], [1, 1, -1, -1, 1], [2, -2, 0, 0, 0]],
        [1, 1, 1, 1, -1],
    ),
    "A4": (
        gt.alternating(4),
        [1, 3, 4, 4],
        [1, 2, 3, 3],
        [[1, 1, 1, 1], [1, 1, W3, W3.conjugate()], [1, 1, W3.conjugate(), W3], [3, -1, 0, 0]],
        [1, 0, 0, 1],
    ),
    "S4": (
        gt.symmetric(4),
        [1, 6, 3, 8, 6],
        [1, 2, 2, 3, 4],
        [[1, 1, 1, 1, 1], [1, -1, 1, 1, -1], [2, 0, 2, -1, 0], [3, 1, -1, 0, -1], [3, -1, -1, 0, 1]],
        [1, 1, 1, 1, 1],
    ),
    "A5": (
        gt.alternating(5),
        [1, 15, 20, 12, 12],
        [1, 2, 3, 5, 5],
        [[1, 1, 1, 1, 1], [3, -1, 0, PHI, 1 - PHI], [3, -1, 0, 1 - PHI, PHI], [4, 0, 1, -1, -1], [5, 1, -1, 0, 0]],
        [1, 1, 1, 1, 1],
    ),
}


def _key(row: np.ndarray) -> tuple:
    row = np.round(np.asarray(row, dtype=complex), 8) + 0.0
    return tuple(zip(row.real.tolist(), row.imag.tolist()))


def same_up_to_permutation(t: CharacterTable, sizes: list[int], orders: list[int], rows: list, indicators: list) -> bool:
    ref = np.array(rows, dtype=complex)
    k = len(sizes)
    if t.num_classes != k:
        return False
    ref_rows = sorted((_key(r), nu) for r, nu in zip(ref, indicators))
    for perm in itertools.permutations(range(k)):
        if [t.class_sizes[p] for p in perm] != sizes or [t.orders[p] for p in perm] != orders:
            continue
        ours = t.values[:, list(perm)]
        our_rows = sorted((_key(r), int(nu)) for r, nu in zip(ours, t.indicators))
        if our_rows == ref_rows:
            return True
    return False


@pytest.mark.parametrize("name", list(LITERATURE))
def test_literature_tables(name: str) -> None:
    G, sizes, orders, rows, indicators = LITERATURE[name]
    t = character_table(G)
    assert same_up_to_permutation(t, sizes, orders, rows, indicators), str(t)
    # and for a relabelled copy whose identity is not label 0
    H = G.relabelled(np.roll(np.arange(G.order), 3))
    assert H.identity != 0
    assert same_up_to_permutation(character_table(H), sizes, orders, rows, indicators)


def test_d4_and_q8_share_a_table_but_not_indicators() -> None:
    tD, tQ = character_table(gt.dihedral(4)), character_table(gt.quaternion())
    assert np.allclose(np.sort_complex(tD.values.ravel()), np.sort_complex(tQ.values.ravel()))
    assert tD.indicators.tolist() == [1, 1, 1, 1, 1]
    assert tQ.indicators.tolist() == [1, 1, 1, 1, -1]
    two_D, two_Q = irreps(gt.dihedral(4))[-1], irreps(gt.quaternion())[-1]
    assert two_D.is_real() and not two_Q.is_real()


def test_printing_is_readable_and_exact() -> None:
    s = str(character_table(gt.alternating(5)))
    assert "(1+√5)/2" in s and "(1-√5)/2" in s and "Character table of A5" in s
    s = str(character_table(gt.alternating(4)))
    assert "ζ₃" in s and "ζ₃²" in s
    assert format_character_value(1j) == "i" and format_character_value(-2) == "-2"
    assert format_character_value(complex(-0.5, math.sqrt(7) / 2)) == "(-1+i√7)/2"
    # the Frobenius group of order 21 has the values (-1 ± i√7)/2
    F21 = gt.from_permutations([[1, 2, 3, 4, 5, 6, 0], [0, 2, 4, 6, 1, 3, 5]])
    t = character_table(F21)
    assert t.degrees.tolist() == [1, 1, 1, 3, 3] and "(-1+i√7)/2" in str(t) and "(-1-i√7)/2" in str(t)
    assert "CharacterTable of S3" in repr(character_table(gt.symmetric(3)))


def test_results_are_deterministic() -> None:
    G = gt.direct_product(gt.symmetric(3), gt.quaternion())
    a = character_table(G, cache=False)
    b = character_table(G, cache=False)
    assert np.array_equal(a.values, b.values)
    r1 = irreps(G, cache=False)
    r2 = irreps(G, cache=False)
    assert all(np.array_equal(x.matrices, y.matrices) for x, y in zip(r1, r2))


# --------------------------------------------------------------------------- representations


def test_regular_representation_decomposes() -> None:
    for G in (gt.symmetric(3), gt.quaternion(), gt.alternating(4), gt.dihedral(5)):
        L = regular_representation(G)
        L.check_homomorphism()
        t = character_table(G)
        assert multiplicities(L).tolist() == t.degrees.tolist()
        Q, D = regular_decomposition(G)
        assert np.allclose(Q.conj().T @ Q, np.eye(G.order), atol=1e-10)
        assert np.allclose(Q.conj().T @ L.matrices @ Q, D.matrices, atol=1e-10)


def test_permutation_representation_of_sn() -> None:
    G = gt.symmetric(4)
    P = permutation_representation(G)
    P.check_homomorphism()
    chi = P.character()
    fixed = (G.permutations.perms == np.arange(4)).sum(axis=1)
    assert np.allclose(chi, fixed)
    m = multiplicities(P)
    t = character_table(G)
    # trivial + the standard 3-dimensional irrep (χ((0 1)) = 1)
    assert m.sum() == 2 and m[0] == 1
    three = [i for i in range(len(t)) if m[i] == 1 and i != 0][0]
    assert t.degrees[three] == 3


def test_direct_sum_tensor_dual_and_change_of_basis() -> None:
    G = gt.symmetric(3)
    reps = irreps(G)
    std = reps[2]
    s = direct_sum(std, reps[1])
    assert s.degree == 3 and np.allclose(s.character(), std.character() + reps[1].character())
    assert np.allclose((std + reps[1]).matrices, s.matrices)
    T = tensor_product(std, std)
    T.check_homomorphism()
    assert np.allclose(T.character(), std.character() ** 2)
    assert multiplicities(T).tolist() == [1, 1, 1]  # 2 ⊗ 2 = 1 + sign + 2
    assert np.allclose((std @ std).matrices, T.matrices)
    dual = std.dual()
    dual.check_homomorphism()
    assert np.allclose(dual.character(), std.character().conj())
    P = np.array([[1, 2], [0, 1]])
    C = std.change_of_basis(P)
    C.check_homomorphism()
    assert np.allclose(C.character(), std.character())
    assert np.allclose(C("(0 1)"), np.linalg.inv(P) @ std("(0 1)") @ P)
    triv = trivial_representation(G, 2)
    assert multiplicities(triv).tolist() == [2, 0, 0]


def test_from_generators_and_restriction() -> None:
    G = gt.dihedral(4)
    c, s_ = np.cos(np.pi / 2), np.sin(np.pi / 2)
    rho = Representation.from_generators(G, {"r": [[c, -s_], [s_, c]], "s": [[1, 0], [0, -1]]})
    assert multiplicities(rho).tolist() == [0, 0, 0, 0, 1]
    # restriction to the rotation subgroup Z4 = {e, r, r², r³}: the two faithful characters
    R = rho.restrict([0, 1, 2, 3])
    assert R.group.order == 4
    assert sorted(multiplicities(R).tolist()) == [0, 0, 1, 1]
    # restriction through an explicit embedding of Z4
    Z4 = gt.cyclic(4)
    R2 = rho.restrict(Z4, embedding=[0, 1, 2, 3])
    assert np.allclose(R2.character(), [2, 0, -2, 0])
    # A4 inside S4: the 2-dimensional irrep of S4 restricts to the two complex linear characters of A4
    S4 = gt.symmetric(4)
    even = [g for g in S4.elements if np.linalg.det(permutation_representation(S4)(g).real) > 0]
    two = irreps(S4)[2]
    assert two.degree == 2
    res = two.restrict(even)
    t = character_table(res.group)
    m = multiplicities(res)
    assert m.sum() == 2 and all(t.indicators[i] == 0 for i in np.flatnonzero(m))


def test_inner_products_and_indicators() -> None:
    G = gt.quaternion()
    t = character_table(G)
    for i in range(len(t)):
        for j in range(len(t)):
            assert abs(inner_product(G, t.character(i), t.character(j)) - (i == j)) < TOL
    assert frobenius_schur_indicator(G, t.character(4)) == -1


# --------------------------------------------------------------------------- bad input


def test_not_a_homomorphism_names_the_pair() -> None:
    G = gt.cyclic(4)
    mats = np.array([1, 1j, 1, -1j]).reshape(4, 1, 1)  # ρ(2) should be -1
    with pytest.raises(ValueError, match=r"g='1', h='1'.*g·h = '2'"):
        Representation(G, mats)
    with pytest.raises(ValueError, match="ρ\\(e\\) is not the identity"):
        Representation(G, 2 * np.ones((4, 1, 1)))
    with pytest.raises(ValueError, match=r"ρ\(g·h\) ≠ ρ\(g\)·ρ\(h\)"):
        Representation.from_generators(gt.cyclic(3), {1: [[-1]]})


def test_bad_input_raises_specific_errors() -> None:
    G = gt.symmetric(3)
    with pytest.raises(ValueError, match=r"needs 6 square matrices"):
        Representation(G, np.zeros((5, 2, 2)))
    with pytest.raises(TypeError):
        Representation("S3", np.zeros((6, 1, 1)))  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        character_table([[0]])  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        irreps(np.eye(3))  # type: ignore[arg-type]
    std = irreps(G)[2]
    with pytest.raises(ValueError, match="singular"):
        std.change_of_basis([[1, 1], [1, 1]])
    with pytest.raises(ValueError, match="2×2"):
        std.change_of_basis(np.eye(3))
    with pytest.raises(ValueError, match="different groups"):
        direct_sum(std, irreps(gt.cyclic(6))[0])
    with pytest.raises(ValueError, match="no permutations"):
        permutation_representation(gt.cyclic(3))
    with pytest.raises(ValueError, match="not a permutation"):
        permutation_representation(gt.cyclic(2), np.array([[0, 1], [0, 0]]))
    with pytest.raises(ValueError, match="not an action"):
        permutation_representation(gt.cyclic(3), np.array([[0, 1, 2], [1, 0, 2], [2, 1, 0]]))
    with pytest.raises(gt.errors.NotASubgroupError, match="not closed"):
        std.restrict([0, 1, 2])
    with pytest.raises(ValueError, match="not a homomorphism"):
        std.restrict(gt.cyclic(2), embedding=[0, 3])
    with pytest.raises(ValueError, match="not non-negative integers"):
        multiplicities(np.array([1, 0, 0, 0, 0, 0]) * 0.5, character_table(G))
    with pytest.raises(ValueError, match="not a class function"):
        character_table(G).on_classes(np.arange(6))
    with pytest.raises(ValueError, match="one value per element"):
        fourier_transform(G, np.ones(5))
    with pytest.raises(ValueError, match="Fourier coefficients"):
        inverse_fourier_transform(G, [np.ones((1, 1))])
    with pytest.raises(ValueError, match="not cyclic"):
        dft_index(G)
    with pytest.raises(IndexError):
        character_table(G).character(7)


def test_heat_map() -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = character_table(gt.alternating(4)).plot()
    assert "Character table of A4" in ax.get_title()
    assert ax.get_xlabel() and ax.get_ylabel()
    plt.close("all")


def test_intertwiners_follow_schur_and_count_equivariant_layers() -> None:
    for G in (gt.symmetric(4), gt.quaternion(), gt.alternating(4)):
        reps = irreps(G)
        dims = np.array([[len(intertwiners(a, b)) for b in reps] for a in reps])
        assert np.array_equal(dims, np.eye(len(reps), dtype=int))
        for rho in reps:
            T = intertwiners(rho, rho)[0]
            assert np.allclose(T, T[0, 0] * np.eye(rho.degree))
    # Deep Sets: 2 parameters; S_n on n×n matrices: 14 for n = 3 and 15 for n ≥ 4 (= ⟨χ, χ⟩)
    for n, expected in ((3, 14), (4, 15)):
        Sn = gt.symmetric(n)
        perms = Sn.permutations.perms
        P = permutation_representation(Sn)
        assert len(intertwiners(P, P)) == 2
        pairs = np.array([[p[i] * n + p[j] for i in range(n) for j in range(n)] for p in perms])
        P2 = permutation_representation(Sn, pairs)
        chi = P2.character()
        assert round(inner_product(Sn, chi, chi).real) == expected
        if n == 3:  # solving the linear system (81 unknowns) agrees with the characters
            basis = intertwiners(P2, P2)
            assert len(basis) == expected
            for W in basis:
                assert np.allclose(W @ P2.matrices, P2.matrices @ W)


def test_unitarize_makes_a_skewed_representation_unitary() -> None:
    G = gt.dihedral(5)
    rho = irreps(G)[-1].direct_sum(irreps(G)[1])
    skewed = rho.change_of_basis(np.random.default_rng(0).standard_normal((3, 3)))
    assert not skewed.is_unitary()
    U, P = unitarize(skewed)
    assert U.is_unitary()
    U.check_homomorphism()
    assert np.allclose(U.character(), rho.character())
    assert np.allclose(U.matrices, np.linalg.inv(P) @ skewed.matrices @ P)
