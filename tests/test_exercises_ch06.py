"""The Chapter 6 checkers (representations, the standard irrep, inner products, decompositions,
indicators, Fourier coefficients, equivariant parameters) reject planted wrong answers.
"""

from __future__ import annotations

import numpy as np

import grouptools as gt
from grouptools.characters import character_table, frobenius_schur_indicator, inner_product, multiplicities
from grouptools.exercises import ch06
from grouptools.fourier import fourier_transform
from grouptools.irreps import irreps
from grouptools.representations import Representation, intertwiners, permutation_representation

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch06)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- the checkers' own inputs and a second opinion
def test_the_relabelled_group_does_not_have_identity_zero():
    R = ch06.relabelled_s3()
    assert R.identity == 4 and R.names[R.identity] == "()" and R.names[0] == "(0 1)"
    assert gt.homomorphisms.are_isomorphic(R, gt.symmetric(3))


def test_the_checkers_own_actions_are_actions():
    """Exercises 6.4 and 6.7 use these; permutation_representation re-checks the action law."""
    for G, action, _ in ch06._actions():
        P = permutation_representation(G, action)
        assert np.allclose(P.character(), ch06._fixed_points(action))


def test_the_library_itself_passes():
    """A second opinion: answers computed with gt.representations / gt.characters / gt.fourier pass."""

    def library_is_representation(G, mats):
        try:
            Representation(G, mats)
        except ValueError:
            return False
        return True

    def library_parameters(G, action):
        P = permutation_representation(G, action)
        return round(inner_product(G, P.character(), P.character()).real)

    by_library = {
        "check_is_representation": library_is_representation,
        "check_standard_irrep": lambda G: irreps(G)[2],  # a Representation object is accepted
        "check_class_inner_product": lambda s, c, p: np.sum(s * c * np.conj(p)) / np.sum(s),
        "check_decompose": lambda G, chi: multiplicities(chi, character_table(G)),
        "check_indicator": frobenius_schur_indicator,
        "check_fourier_coefficients": lambda G, f, reps: fourier_transform(G, f, reps),
        "check_equivariant_parameters": library_parameters,
    }
    assert sorted(by_library) == sorted(ch06.__all__)
    for name, answer in by_library.items():
        assert run(name, answer).passed, name


# ---------------------------------------------------------------------- 6.1
def test_is_representation_wrong_answers():
    def no_identity_test(G, m):
        return bool(np.allclose(m[:, None] @ m[None, :], m[G.table]))

    def identity_is_label_0(G, m):
        return bool(np.allclose(m[0], np.eye(m.shape[1])) and np.allclose(m[:, None] @ m[None, :], m[G.table]))

    def traces_only(G, m):
        products = np.trace(m[:, None] @ m[None, :], axis1=2, axis2=3)
        targets = np.trace(m[G.table], axis1=2, axis2=3)
        return bool(np.allclose(m[G.identity], np.eye(m.shape[1])) and np.allclose(products, targets))

    def exact(G, m):
        identity = np.array_equal(m[G.identity], np.eye(m.shape[1]))
        return bool(identity and np.array_equal(m[:, None] @ m[None, :], m[G.table]))

    def reversed_products(G, m):
        return bool(np.allclose(m[G.identity], np.eye(m.shape[1])) and np.allclose(m[None, :] @ m[:, None], m[G.table]))

    name = "check_is_representation"
    assert_fails(
        name,
        no_identity_test,
        "for the zero matrices on S3 you returned True, but ρ(e) = [[0, 0], [0, 0]] is not the identity matrix",
    )
    assert_fails(
        name,
        identity_is_label_0,
        "for ρ₂ = irreps(R)[2] for R = a relabelled S3 (identity = label 4) you returned False, "
        "but it is a representation",
        "(e = () (label 4))",
    )
    assert_fails(
        name,
        traces_only,
        "for ρ₂ of S3 with the matrices of (0 1) and (1 2) swapped you returned True",
        "for g = (1 2) (label 1) and h = (0 1) (label 2), ρ(g)ρ(h) = [[-0.5, -0.866], [0.866, -0.5]] "
        "but ρ(g·h) = ρ((0 2 1)) = [[-0.5, 0.866], [-0.866, -0.5]]",
    )
    assert_fails(name, exact, "for ρ₂ = irreps(S3)[2], the 2-dimensional irrep of S3 you returned False")
    assert_fails(name, reversed_products, "for ρ₂ = irreps(S3)[2], the 2-dimensional irrep of S3 you returned False")
    assert_fails(name, lambda G, m: 1, "you returned 1; return True or False")


def test_is_representation_catches_a_constant_idempotent():
    def only_zero_is_special(G, m):
        return bool(np.abs(m).max() > 0 and np.allclose(m[:, None] @ m[None, :], m[G.table]))

    assert_fails(
        "check_is_representation",
        only_zero_is_special,
        "for ρ(g) = diag(1, 0) for every g of S3 you returned True, but ρ(e) = [[1, 0], [0, 0]] is not the identity",
    )


# ---------------------------------------------------------------------- 6.2
def _by_hand(G, rotation, reflection):
    """Extend images of (0 1 2) and (0 1) through words r^k s^j, without checking the relations."""
    r, s = G.label("(0 1 2)"), G.label("(0 1)")
    mats = np.zeros((6, 2, 2))
    for k in range(3):
        for j in range(2):
            g = G.identity
            for _ in range(k):
                g = G.product(g, r)
            if j:
                g = G.product(g, s)
            mats[g] = np.linalg.matrix_power(rotation, k) @ np.linalg.matrix_power(reflection, j)
    return mats


def test_standard_irrep_wrong_answers():
    def reducible(G):  # trivial ⊕ sign: a representation, but it fixes a line
        S3 = gt.symmetric(3)
        sign = {name: round(np.linalg.det(permutation_representation(S3)(name)).real) for name in S3.names}
        return np.array([np.diag([1.0, sign[G.names[g]]]) for g in G.elements])

    def quarter_turn(G):
        return _by_hand(G, np.array([[0.0, -1.0], [1.0, 0.0]]), np.diag([1.0, -1.0]))

    def labels_of_symmetric_3(G):
        return irreps(gt.symmetric(3))[2].matrices.real

    c, s = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
    rotation, mirror = np.array([[c, -s], [s, c]]), np.diag([1.0, -1.0])

    def in_degrees(G):  # np.cos(120): radians expected
        c, s = np.cos(120), np.sin(120)
        return _by_hand(G, np.array([[c, -s], [s, c]]), mirror)

    def half_turn_for_the_transposition(G):  # −I has order 2 too, but commutes with the rotation
        return _by_hand(G, rotation, -np.eye(2))

    def images_swapped(G):  # the mirror for (0 1 2), the rotation for (0 1)
        return _by_hand(G, mirror, rotation)

    def words_from_label_0(G):  # r^k s^j built from label 0, as if it were the identity
        r, t = G.label("(0 1 2)"), G.label("(0 1)")
        mats = np.zeros((6, 2, 2))
        for k in range(3):
            for j in range(2):
                g = 0
                for _ in range(k):
                    g = G.product(g, r)
                if j:
                    g = G.product(g, t)
                mats[g] = np.linalg.matrix_power(rotation, k) @ np.linalg.matrix_power(mirror, j)
        return mats

    def transposed(G):  # ρ(g)ᵀ reverses products: ρ(gh)ᵀ = ρ(h)ᵀρ(g)ᵀ
        return np.transpose(_by_hand(G, rotation, mirror), (0, 2, 1))

    name = "check_standard_irrep"
    assert_fails(name, in_degrees, "for S3 your matrices are not a representation", "ρ(g·h) = ρ((0 1 2))")
    assert_fails(
        name,
        half_turn_for_the_transposition,
        "for g = (1 2) (label 1) and h = (1 2) (label 1), ρ(g)ρ(h) = [[-0.5, -0.866], [0.866, -0.5]]",
    )
    assert_fails(name, images_swapped, "ρ(g·h) = ρ(()) = [[1, 0], [0, 1]]")
    assert_fails(
        name,
        words_from_label_0,
        "for a relabelled S3 (identity = label 4) your matrices are not a representation",
        "is not the identity matrix (the identity is () (label 4))",
    )
    assert_fails(name, transposed, "for g = (1 2) (label 1) and h = (0 1) (label 2)", "ρ(g·h) = ρ((0 2 1))")
    assert_fails(
        name,
        reducible,
        "for S3 your representation is reducible: ⟨χ, χ⟩ = 2, not 1",
        "χ((0 1 2)) = 2",
    )
    assert_fails(
        name,
        quarter_turn,
        "for S3 your matrices are not a representation: for g = (0 1) (label 2) and h = (1 2) (label 1), "
        "ρ(g)ρ(h) = [[-1, 0], [0, -1]] but ρ(g·h) = ρ((0 1 2)) = [[0, -1], [1, 0]]",
    )
    assert_fails(
        name,
        labels_of_symmetric_3,
        "for a relabelled S3 (identity = label 4) your matrices are not a representation: "
        "ρ(e) = [[-0.5, 0.866], [-0.866, -0.5]] is not the identity matrix",
    )
    assert_fails(
        name,
        lambda G: permutation_representation(gt.symmetric(3)).matrices,
        "for S3 you returned an array of shape (6, 3, 3); return an array of shape (6, 2, 2)",
    )


def test_standard_irrep_is_checked_without_a_basis(solutions):
    """Any basis passes: a random change of basis, complex matrices, the Representation object itself."""
    P = np.random.default_rng(3).standard_normal((2, 2)) + 1j * np.random.default_rng(4).standard_normal((2, 2))
    Pinv = np.linalg.inv(P)
    assert run("check_standard_irrep", lambda G: Pinv @ solutions["standard_irrep"](G) @ P).passed
    c, s = np.cos(2 * np.pi / 3), np.sin(2 * np.pi / 3)
    other_mirror = np.array([[c, s], [s, -c]])  # a different reflection axis
    assert run("check_standard_irrep", lambda G: _by_hand(G, np.array([[c, -s], [s, c]]), other_mirror)).passed


# ---------------------------------------------------------------------- 6.3
def test_class_inner_product_wrong_answers():
    def real_part_only(sizes, chi, psi):
        return (np.sum(sizes * chi * np.conj(psi)) / np.sum(sizes)).real

    def moduli(sizes, chi, psi):  # |χ_j ψ_j| loses the phases
        return np.sum(sizes * np.abs(chi * psi)) / np.sum(sizes)

    def sizes_squared(sizes, chi, psi):  # |C_j|² / |G|², as if both functions were weighted
        return np.sum(sizes**2 * chi * np.conj(psi)) / np.sum(sizes) ** 2

    name = "check_class_inner_product"
    assert_fails(name, real_part_only, "for f = [1+2i, 2+i, 3] and χ2 of Z3", "you returned -0.7887, expected -0.7887+0.2113i")
    assert_fails(name, moduli, "for χ0 and χ1 of Z3 (class sizes [1, 1, 1]) you returned 1, expected 0")
    assert_fails(name, sizes_squared, "for χ0 and χ0 of Z3 (class sizes [1, 1, 1]) you returned 0.3333, expected 1")
    assert_fails(
        name,
        lambda s, c, p: np.sum(s * c * p) / np.sum(s),
        "for χ1 and χ1 of Z3 (class sizes [1, 1, 1]) you returned 0, expected 1 "
        "(χ = [1, -0.5+0.866i, -0.5-0.866i], ψ = [1, -0.5+0.866i, -0.5-0.866i])",
    )
    assert_fails(
        name,
        lambda s, c, p: np.sum(c * np.conj(p)) / np.sum(s),
        "for χ0 and χ0 of S3 (class sizes [1, 3, 2]) you returned 0.5, expected 1",
    )
    assert_fails(
        name,
        lambda s, c, p: np.sum(s * c * np.conj(p)) / len(s),
        "for χ0 and χ0 of S3 (class sizes [1, 3, 2]) you returned 2, expected 1",
    )
    assert_fails(
        name,
        lambda s, c, p: np.sum(s * np.conj(c) * p) / np.sum(s),
        "for f = [1+2i, 2+i, 3] and χ2 of Z3 (class sizes [1, 1, 1]) you returned -0.7887-0.2113i, "
        "expected -0.7887+0.2113i",
    )
    assert_fails(name, lambda s, c, p: [1.0], "you returned [1.0]; return one number")


# ---------------------------------------------------------------------- 6.4
def test_decompose_wrong_answers():
    def table(G):
        return character_table(G)

    def no_conjugate(G, chi):
        t = table(G)
        return [round((np.dot(t.character(i), chi) / G.order).real) for i in range(len(t))]

    def classes_unweighted(G, chi):
        t = table(G)
        return [round((np.vdot(t.values[i], t.on_classes(chi)) / len(t)).real) for i in range(len(t))]

    def orbits_only(G, chi):
        return [round(np.mean(chi).real)] + [0] * (len(table(G)) - 1)

    def truncated(G, chi):  # int() rounds 1.9999999999999998 down
        t = table(G)
        return [int((np.vdot(t.character(i), chi) / G.order).real) for i in range(len(t))]

    def not_divided(G, chi):
        t = table(G)
        return [round(np.vdot(t.character(i), chi).real) for i in range(len(t))]

    def divided_by_the_number_of_classes(G, chi):
        t = table(G)
        return [round((np.vdot(t.character(i), chi) / len(t)).real) for i in range(len(t))]

    name = "check_decompose"
    assert_fails(name, truncated, "for χ0 + 2·χ2 of Z3 you returned [1, 0, 1], expected [1, 0, 2]")
    assert_fails(name, not_divided, "you returned [6, 0, 6], expected [1, 0, 1]", "⟨χ, χ0⟩ = 1, not 6")
    assert_fails(name, divided_by_the_number_of_classes, "you returned [2, 0, 2], expected [1, 0, 1]")
    assert_fails(
        name,
        no_conjugate,
        "for χ0 + 2·χ2 of Z3 you returned [1, 2, 0], expected [1, 0, 2]: "
        "the multiplicity of χ1 is ⟨χ, χ1⟩ = 0, not 2",
    )
    assert_fails(
        name,
        classes_unweighted,
        "for the permutation character of S3 permuting 3 points you returned [1, 1, 2], expected [1, 0, 1]",
    )
    assert_fails(name, orbits_only, "the multiplicity of χ2 is ⟨χ, χ2⟩ = 1, not 0")
    assert_fails(
        name,
        lambda G, chi: [1, 0],
        "for the permutation character of S3 permuting 3 points you returned 2 numbers, "
        "but S3 has 3 irreducible characters",
    )


def test_decompose_accepts_arrays_and_near_integers(solutions):
    assert run("check_decompose", lambda G, chi: np.array(solutions["decompose"](G, chi))).passed
    assert run("check_decompose", lambda G, chi: [m + 1e-9 for m in solutions["decompose"](G, chi)]).passed


# ---------------------------------------------------------------------- 6.5
def test_indicator_wrong_answers():
    def distinct_squares(G, chi):  # averages over the set of squares, each once
        return np.mean(np.asarray(chi)[sorted({G.product(g, g) for g in G.elements})])

    def norm(G, chi):  # ⟨χ, χ⟩, which is 1 for every irreducible character
        return np.mean(np.abs(np.asarray(chi)) ** 2)

    def not_divided(G, chi):
        return np.sum(np.asarray(chi)[[G.product(g, g) for g in G.elements]])

    name = "check_indicator"
    assert_fails(name, distinct_squares, "for χ2 of S3 (values [2, 0, -1] on the classes ['1a', '2a', '3a']) you returned 0")
    assert_fails(name, norm, "for χ1 of Z3", "you returned 1, expected ν = 0: ρ1 is complex")
    assert_fails(name, not_divided, "for χ0 of Z3 (values [1, 1, 1] on the classes ['1a', '3a', '3b']) you returned 3")
    assert_fails(
        name,
        lambda G, chi: np.mean(np.asarray(chi) ** 2),
        "for χ4 of Q8 (values [2, -2, 0, 0, 0] on the classes ['1a', '2a', '4a', '4b', '4c']) you returned 1, "
        "expected ν = -1: ρ4 is quaternionic",
    )
    assert_fails(
        name,
        lambda G, chi: np.mean(np.abs(np.asarray(chi)[[G.product(g, g) for g in G.elements]])),
        "for χ1 of Z3 (values [1, -0.5+0.866i, -0.5-0.866i] on the classes ['1a', '3a', '3b']) you returned 1, "
        "expected ν = 0: ρ1 is complex",
    )
    assert_fails(
        name,
        lambda G, chi: np.mean(np.asarray(chi)[[(2 * g) % G.order for g in G.elements]]),  # as if G were Z_n
        "for χ1 of S3 (values [1, -1, 1] on the classes ['1a', '2a', '3a']) you returned 0.3333, expected ν = 1",
    )
    assert_fails(
        name,
        lambda G, chi: np.round(np.mean(np.asarray(chi)[[G.product(g, g) for g in G.elements]]).real).clip(-1, 1),
        "for the regular character of S3 you returned 1, expected ν = 4",
        "g² = e holds for 4 elements g",
    )


# ---------------------------------------------------------------------- 6.6
def test_fourier_coefficients_wrong_answers():
    def normalised(G, f, reps):  # 1/|G|, the normalisation of another convention
        return [np.tensordot(f, rho.matrices, axes=1) / G.order for rho in reps]

    def real_accumulator(G, f, reps):  # np.zeros is float: adding a complex term fails
        out = []
        for rho in reps:
            total = np.zeros((rho.degree, rho.degree))
            for g in G.elements:
                total += f[g] * rho(g)
            out.append(total)
        return out

    name = "check_fourier_coefficients"
    assert_fails(name, normalised, "for f = the indicator of the identity 0 on Z3", "is 0.3333, expected 1", "has no factor 1/3")
    assert_fails(name, real_accumulator, "on Z3 your code raised UFuncTypeError", "complex128", "`total += f[g] * rho(g)`")
    assert_fails(
        name,
        lambda G, f, reps: [sum(f[g] * rho(g).T for g in G.elements) for rho in reps],
        "for an integer-valued f on S3 the entry [0, 1] of f̂(ρ₂) (degree 2) is",
        "(your matrix is the transpose: use ρ(g) itself)",
    )
    assert_fails(
        name,
        lambda G, f, reps: [np.conj(np.tensordot(f, rho.matrices, axes=1)) for rho in reps],
        "for a complex f on Z3 the entry [0, 0] of f̂(ρ₀) (degree 1) is -1.6775-3.503i, expected -1.6775+3.503i",
        "(your matrix is the complex conjugate",
    )
    assert_fails(
        name,
        lambda G, f, reps: [np.array([[sum(f[g] * rho.character(g) for g in G.elements)]]) for rho in reps],
        "for f = the indicator of the identity () (label 0) on S3 you returned an array of shape (1, 1); "
        "return a 2×2 matrix for ρ₂",
    )
    assert_fails(
        name,
        lambda G, f, reps: [sum(f[G.inverse(g)] * rho(g) for g in G.elements) for rho in reps],
        "for a complex f on Z3 the entry [0, 0] of f̂(ρ₁) (degree 1) is -3.7215+1.2741i, expected -2.2608-0.7207i",
    )
    assert_fails(name, lambda G, f, reps: [np.eye(1)] * len(reps), "the entry [0, 0] of f̂(ρ₀)")


def test_fourier_coefficients_accepts_a_loop_and_a_stacked_array():
    def loop(G, f, reps):
        return [sum(f[g] * rho(g) for g in G.elements) for rho in reps]

    assert run("check_fourier_coefficients", loop).passed
    assert run(
        "check_fourier_coefficients",
        lambda G, f, reps: np.stack(fourier_transform(G, f, reps)) if G.order == 3 else fourier_transform(G, f, reps),
    ).passed


# ---------------------------------------------------------------------- 6.7
def test_equivariant_parameters_wrong_answers():
    def _fixed(action):
        return (action == np.arange(action.shape[1])).sum(axis=1)

    def square_of_the_mean(G, action):  # (mean χ)² instead of mean(χ²)
        return int(round(np.mean(_fixed(action)) ** 2))

    def not_divided(G, action):
        return int(np.sum(_fixed(action) ** 2))

    def fixed_pairs_of_distinct_points(G, action):  # χ(χ − 1): the off-diagonal entries only
        f = _fixed(action)
        return int(round(np.mean(f * (f - 1))))

    def number_of_orbits_squared(G, action):  # (orbits on points)², as if every pair of orbits gave one weight
        orbits = round(np.mean(_fixed(action)))
        return int(orbits**2)

    name = "check_equivariant_parameters"
    assert_fails(name, number_of_orbits_squared, "for S3 permuting 3 points you returned 1, expected")
    assert_fails(name, square_of_the_mean, "for S3 permuting 3 points you returned 1, expected", "= 2")
    assert_fails(name, not_divided, "for S3 permuting 3 points you returned 12, expected")
    assert_fails(name, fixed_pairs_of_distinct_points, "for S3 permuting 3 points you returned 1", "[0, 1, 3]")
    assert_fails(
        name,
        lambda G, a: round(np.mean((a == np.arange(a.shape[1])).sum(axis=1))),  # orbits on points
        "for S3 permuting 3 points you returned 1, expected ⟨χ_P, χ_P⟩ = (1/|G|) Σ_g χ_P(g)² = 2",
        "here it takes the values [0, 1, 3]",
    )
    assert_fails(name, lambda G, a: a.shape[1], "for S3 permuting 3 points you returned 3, expected")
    assert_fails(
        name,
        lambda G, a: 2,
        "for S3 permuting the 9 entries of 3×3 matrices you returned 2, "
        "expected ⟨χ_P, χ_P⟩ = (1/|G|) Σ_g χ_P(g)² = 14",
    )
    assert_fails(name, lambda G, a: "2", "you returned '2'; return an integer")


def test_equivariant_parameters_matches_solving_the_linear_system(solutions):
    """The character count equals the dimension of the commutant, for every action the checker uses."""
    for G, action, _ in ch06._actions():
        if action.shape[1] <= 9:
            P = permutation_representation(G, action)
            assert solutions["equivariant_parameters"](G, action) == len(intertwiners(P, P))
