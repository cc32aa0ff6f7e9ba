"""The Chapter 8 checkers (the tensor a·b·c⁻¹, the share of one irrep, faithful irreps, the
cosine of logits with a character, ablating irreps) reject planted wrong answers.
"""

from __future__ import annotations

import numpy as np

from grouptools.exercises import ch08

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch08)  # solutions: a module-scoped fixture


def _identity_and_inverses(table):
    T = np.asarray(table)
    n = len(T)
    e = next(x for x in range(n) if all(T[x, y] == y for y in range(n)))
    return T, e, np.array([next(y for y in range(n) if T[x, y] == e) for x in range(n)])


# ---------------------------------------------------------------------- 8.1
def test_split_table_wrong_answers(solutions):
    assert run("check_split_table", solutions["split_table"]).passed

    def rows_of(table):
        T = np.asarray(table)
        n = len(T)
        a, b = np.divmod(np.arange(n * n), n)
        return np.stack([a, b, T[a, b]], axis=1), n

    def in_order(table, train_fraction, seed):
        rows, n = rows_of(table)
        k = round(train_fraction * n * n)
        return rows[:k], rows[k:]

    def int_size(table, train_fraction, seed):
        rows, n = rows_of(table)
        perm = np.random.default_rng(seed).permutation(n * n)
        k = int(train_fraction * n * n)
        return rows[perm[:k]], rows[perm[k:]]

    def with_replacement(table, train_fraction, seed):
        rows, n = rows_of(table)
        rng = np.random.default_rng(seed)
        k = round(train_fraction * n * n)
        return rows[rng.integers(0, n * n, k)], rows[rng.integers(0, n * n, n * n - k)]

    def b_times_a(table, train_fraction, seed):
        train, test = solutions["split_table"](table, train_fraction, seed)
        T = np.asarray(table)
        for part in (train, test):
            part[:, 2] = T[part[:, 1], part[:, 0]]
        return train, test

    def global_seed(table, train_fraction, seed):
        rows, n = rows_of(table)
        np.random.seed(seed)
        perm = np.random.permutation(n * n)
        k = round(train_fraction * n * n)
        return rows[perm[:k]], rows[perm[k:]]

    def unseeded(table, train_fraction, seed):  # a fresh random split on every call
        rows, n = rows_of(table)
        perm = np.random.default_rng().permutation(n * n)
        k = round(train_fraction * n * n)
        return rows[perm[:k]], rows[perm[k:]]

    name = "check_split_table"
    assert_fails(name, in_order, "the seeds 0 and 10 gave the same training set", "holds out whole rows")
    assert_fails(name, int_size, "you returned 10 training rows, expected round(0.3·36) = 11", "use round()")
    assert_fails(name, with_replacement, "draw a permutation, not samples with replacement")
    assert_fails(name, b_times_a, "that is b·a; the target is a·b")
    np.random.seed(3)
    state = np.random.get_state()[1].copy()
    assert_fails(name, global_seed, "changed numpy's global random state", "np.random.default_rng(seed)")
    assert np.array_equal(np.random.get_state()[1], state)  # the checker put the learner's state back
    assert_fails(name, unseeded, "with the same seed gave two different splits")
    assert_fails(name, lambda *args: (np.zeros((3, 2)), np.zeros((3, 2))), "return the train rows")


# ---------------------------------------------------------------------- 8.2
def test_product_with_inverse_wrong_answers(solutions):
    assert run("check_product_with_inverse", solutions["product_with_inverse"]).passed

    def a_cinv_b(table):
        T, _, inv = _identity_and_inverses(table)
        n = len(T)
        return T[T[:, inv][:, None, :], np.arange(n)[None, :, None]]

    def no_inverse(table):
        T = np.asarray(table)
        return T[T[:, :, None], np.arange(len(T))[None, None, :]]

    def identity_is_zero(table):  # assumes label 0 is e
        T = np.asarray(table)
        n = len(T)
        inv = np.array([next(y for y in range(n) if T[x, y] == 0) for x in range(n)])
        return T[T[:, :, None], inv[None, None, :]]

    def b_a_cinv(table):
        T, _, inv = _identity_and_inverses(table)
        return T[T.T[:, :, None], inv[None, None, :]]

    name = "check_product_with_inverse"
    assert_fails(name, a_cinv_b, "for the Cayley table of S3, at a = ()", "that is a·c⁻¹·b")
    assert_fails(name, no_inverse, "that is a·b·c: you forgot to invert c")
    assert_fails(name, identity_is_zero, "for the Cayley table of D4 (relabelled)")
    assert_fails(name, b_a_cinv, "that is b·a·c⁻¹")
    assert_fails(name, lambda table: np.zeros((len(table),) * 2), "of shape (6, 6)", "of shape (6, 6, 6)")
    assert_fails(name, lambda table: np.full((len(table),) * 3, 0.5), "non-integer entries")


# ---------------------------------------------------------------------- 8.3
def test_irrep_share_wrong_answers(solutions):
    assert run("check_irrep_share", solutions["irrep_share"]).passed

    def no_scale(E, rho):  # forgets the factor d/|G|: shares do not sum to 1
        n, d = rho.shape[0], rho.shape[1]
        A = rho.reshape(n, d * d)
        return float(np.sum(np.abs(A.conj().T @ E) ** 2) / np.sum(E**2))

    def norm_ratio(E, rho):  # ‖P E‖ / ‖E‖, not squared
        return float(np.sqrt(solutions["irrep_share"](E, rho)))

    def character_only(E, rho):  # projects onto the character χ, one function of V_ρ, not all d² entries
        chi = np.trace(rho, axis1=1, axis2=2)
        coeff = chi.conj() @ E / np.vdot(chi, chi)
        return float(np.sum(np.abs(np.outer(chi, coeff)) ** 2) / np.sum(E**2))

    def real_part_only(E, rho):  # projects onto the real parts of the entries, which are not orthogonal
        n, d = rho.shape[0], rho.shape[1]
        A = rho.reshape(n, d * d).real
        part = (d / n) * (A @ (A.T @ E))
        return float(np.sum(part**2) / np.sum(E**2))

    def pair_share(E, rho):  # the real irrep ρ ⊕ ρ̄ for a non-real ρ
        share = solutions["irrep_share"](E, rho)
        return 2 * share if not np.allclose(np.trace(rho, axis1=1, axis2=2).imag, 0) else share

    def real_part_of_the_projection(E, rho):  # drops Im P_ρ E, which a non-real irrep has
        n, d = rho.shape[0], rho.shape[1]
        A = rho.reshape(n, d * d)
        part = (d / n) * (A @ (A.conj().T @ E))
        return float(np.sum(part.real**2) / np.sum(E**2))

    name = "check_irrep_share"
    assert_fails(name, real_part_of_the_projection, "for Z5, the irrep ρ₁ (degree 1)")
    assert_fails(name, no_scale, "for S3, the irrep ρ₀ (degree 1)", "off by the factor |G|/d")
    assert_fails(name, norm_ratio, "for S3, the irrep ρ₀ (degree 1)")
    assert_fails(name, character_only, "for S3, the irrep ρ₂ (degree 2)", "sum to")
    assert_fails(name, real_part_only, "sum to")
    assert_fails(name, pair_share, "for Z5, the irrep ρ₁", "share of the pair ρ, ρ̄")
    assert_fails(name, lambda E, rho: 1j, "return the share, one number in [0, 1]")


# ---------------------------------------------------------------------- 8.4
def test_is_faithful_wrong_answers(solutions):
    assert run("check_is_faithful", solutions["is_faithful"]).passed

    def absolute_value(chi, identity):  # counts ρ(g) = −I as the kernel
        return bool(np.isclose(np.abs(chi), np.abs(chi[identity])).sum() == 1)

    def exact_equality(chi, identity):
        return bool((chi == chi[identity]).sum() == 1)

    def includes_identity(chi, identity):  # forgets that e itself always has χ(e) = d
        return not bool(np.any(np.isclose(chi, chi[identity])))

    def nonzero(chi, identity):  # "faithful" when the character never vanishes — wrong
        return bool(np.all(np.abs(chi) > 1e-9))

    def label_0_as_identity(chi, identity):  # χ at label 0, which is not e in the relabelled groups
        return bool(np.isclose(chi, chi[0]).sum() == 1)

    def degree_above_one(chi, identity):  # "irreps of degree 1 are never faithful"
        return bool(chi[identity].real > 1.5)

    def loose_tolerance(chi, identity):  # atol = 0.6 swallows χ(1) = e^{iπ/6} of Z12
        return bool(np.isclose(chi, chi[identity], atol=0.6).sum() == 1)

    def distinct_values(chi, identity):  # "faithful when χ takes |G| different values"
        return len({complex(round(z.real, 6), round(z.imag, 6)) for z in chi}) == len(chi)

    name = "check_is_faithful"
    assert_fails(
        name,
        label_0_as_identity,
        "for D4 (relabelled) and the character of ρ₄ (degree 2) you returned False, expected True",
        "were you comparing with χ at label 0? Label 0 is r s; the identity is label 3",
    )
    assert_fails(name, degree_above_one, "for S4 (relabelled) and the character of ρ₂ (degree 2) you returned True")
    assert_fails(
        name, loose_tolerance, "for Z12 and the character of ρ₂ (degree 1) you returned False", "your tolerance is too loose"
    )
    assert_fails(name, distinct_values, "for S3 and the character of ρ₂ (degree 2) you returned False, expected True")
    assert_fails(name, absolute_value, "for D4 (relabelled) and the character of ρ₄ (degree 2)", "at g = r^2", "compare χ(g) itself with χ(e)")
    assert_fails(name, exact_equality, "with rounding noise", "compare with a tolerance")
    assert_fails(name, includes_identity, "for S3 and the character of ρ₂", "expected True")
    assert_fails(name, nonzero, "you returned True, expected False")
    assert_fails(name, lambda chi, identity: 1, "for S3 and the character of ρ₀ (degree 1) you returned 1; return True or False")


# ---------------------------------------------------------------------- 8.5
def test_character_similarity_wrong_answers(solutions):
    assert run("check_character_similarity", solutions["character_similarity"]).passed

    def cos(L, X):
        return float(np.real(np.vdot(X, L)) / (np.linalg.norm(L) * np.linalg.norm(X)))

    def not_centred(logits, abc, chi):
        return cos(logits, np.real(chi)[abc])

    def centred_over_a(logits, abc, chi):
        return cos(logits - logits.mean(axis=0, keepdims=True), np.real(chi)[abc])

    def complex_character(logits, abc, chi):  # χ without its conjugate: the norm of X is too large
        return cos(logits - logits.mean(axis=2, keepdims=True), chi[abc])

    def wrong_order(logits, abc, chi):  # χ(b·a·c⁻¹): a and b swapped
        return cos(logits - logits.mean(axis=2, keepdims=True), np.real(chi)[abc.transpose(1, 0, 2)])

    def correlation_coefficient(logits, abc, chi):  # np.corrcoef centres over the whole tensor
        return float(np.corrcoef(logits.ravel(), np.real(chi)[abc].ravel())[0, 1])

    def mean_without_keepdims(logits, abc, chi):  # (n, n) broadcast against the last two axes
        return cos(logits - logits.mean(axis=2), np.real(chi)[abc])

    def absolute_value(logits, abc, chi):
        return cos(logits - logits.mean(axis=2, keepdims=True), np.abs(chi)[abc])

    def centres_the_character_too(logits, abc, chi):  # the trivial character centres to 0: 0/0
        X = np.real(chi)[abc]
        return cos(logits - logits.mean(axis=2, keepdims=True), X - X.mean(axis=2, keepdims=True))

    name = "check_character_similarity"
    assert_fails(name, correlation_coefficient, "you returned 0.5284, expected 0.8824", "you centred over the whole tensor")
    assert_fails(name, mean_without_keepdims, "you returned 0.4138", "keep the axis, L.mean(axis=2, keepdims=True)")
    assert_fails(name, absolute_value, "you returned 0.5952", "that is the cosine with |χ(a·b·c⁻¹)|")
    with np.errstate(invalid="ignore"):
        assert_fails(name, centres_the_character_too, "for S3, the character of ρ₀ (degree 1)", "you returned nan")
    assert_fails(name, not_centred, "for S3, the character of ρ₂", "before centring")
    assert_fails(name, centred_over_a, "you centred over a")
    assert_fails(name, complex_character, "for Z5", "this character is complex")
    assert_fails(name, wrong_order, "for S3, the character of ρ₂", "expected 0.8824", "Re χ(b·a·c⁻¹)")
    assert_fails(name, lambda *args: np.ones(3), "return the cosine, one real number")


# ---------------------------------------------------------------------- 8.6
def test_remove_irreps_wrong_answers(solutions):
    assert run("check_remove_irreps", solutions["remove_irreps"]).passed

    def projection_part(E, reps):  # returns what is removed, not what is left
        return E - solutions["remove_irreps"](E, reps)

    def no_scale(E, reps):
        out = np.array(E, dtype=float)
        for rho in reps:
            n, d = rho.shape[0], rho.shape[1]
            A = rho.reshape(n, d * d)
            out = out - (A @ (A.conj().T @ E)).real
        return out

    def no_conjugate(E, reps):
        out = np.array(E, dtype=float)
        for rho in reps:
            n, d = rho.shape[0], rho.shape[1]
            A = rho.reshape(n, d * d)
            out = out - ((d / n) * (A @ (A.T @ E))).real
        return out

    def first_only(E, reps):  # ablates only the first irrep of the list
        return solutions["remove_irreps"](E, reps[:1])

    def real_parts_of_entries(E, reps):  # projects onto Re ρ_ij, functions that are not orthogonal
        out = np.array(E, dtype=float)
        for rho in reps:
            n, d = rho.shape[0], rho.shape[1]
            A = rho.reshape(n, d * d).real
            out = out - (d / n) * (A @ (A.T @ E))
        return out

    name = "check_remove_irreps"
    assert_fails(name, real_parts_of_entries, "for Q8, removing ρ₄ (degree 2)")
    assert_fails(name, projection_part, "for S3, removing ρ₂ (degree 2)", "that is the part *in* these irreps")
    assert_fails(name, no_scale, "not a projection")
    assert_fails(name, no_conjugate, "for Q8, removing ρ₄ (degree 2)")
    assert_fails(name, first_only, "for D4 (relabelled), removing ρ₁ (degree 1), ρ₄ (degree 2)")
    assert_fails(name, lambda E, reps: E[:, :1], "of shape (6, 1)", "of shape (6, 4)")


def test_checkers_leave_the_global_random_state_alone(solutions):
    np.random.seed(7)
    before = np.random.get_state()[1].copy()
    for checker_name, function in [
        ("check_split_table", "split_table"),
        ("check_product_with_inverse", "product_with_inverse"),
        ("check_irrep_share", "irrep_share"),
        ("check_is_faithful", "is_faithful"),
        ("check_character_similarity", "character_similarity"),
        ("check_remove_irreps", "remove_irreps"),
    ]:
        assert run(checker_name, solutions[function]).passed
    assert np.array_equal(np.random.get_state()[1], before)
