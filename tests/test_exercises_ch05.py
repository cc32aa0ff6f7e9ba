"""The Chapter 5 checkers (symmetrisation, Reynolds projection, lifting convolution, hidden-unit
moves, matrices commuting with ReLU, the query–key symmetry) reject planted wrong answers.
"""

from __future__ import annotations

import itertools

import numpy as np
import torch
import torch.nn.functional as F

from grouptools.exercises import ch05

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch05)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- 5.1
def test_symmetrize_wrong_answers(solutions):
    assert run("check_symmetrize", solutions["symmetrize"]).passed

    def cyclic_only(f, n):
        return lambda x: sum(f(torch.roll(x, k)) for k in range(n)) / n

    def no_division(f, n):
        perms = [list(p) for p in itertools.permutations(range(n))]
        return lambda x: sum(f(x[p]) for p in perms)

    def returns_a_value(f, n):  # the average at a fixed point instead of a function
        return f(torch.arange(n, dtype=torch.float64))

    def sorts_first(f, n):  # canonicalising instead of averaging: invariant, but not the average
        return lambda x: f(torch.sort(x).values)

    def divides_by_n(f, n):  # n instead of n!
        perms = [list(p) for p in itertools.permutations(range(n))]
        return lambda x: sum(f(x[p]) for p in perms) / n

    def late_binding(f, n):  # every lambda sees the last p of the loop
        parts = [lambda x: f(x[list(p)]) for p in itertools.permutations(range(n))]
        return lambda x: sum(g(x) for g in parts) / len(parts)

    def sampled_permutations(f, n):  # Monte Carlo: 200 random orderings, from the global random state
        return lambda x: sum(f(x[torch.randperm(n)]) for _ in range(200)) / 200

    name = "check_symmetrize"
    assert_fails(name, sorts_first, "for f(x) = x[0] with n = 3", "gives -0.7777, expected the average over all 6")
    assert_fails(name, divides_by_n, "gives 1.5874, expected the average over all 6 permutations, 0.7937")
    assert_fails(name, late_binding, "gives 2.1169, expected the average over all 6 permutations")
    assert_fails(name, sampled_permutations, "expected the average over all 6 permutations", "it is not even invariant")
    assert_fails(name, cyclic_only, "for f(x) = x[0]·x[1] with n = 4", "expected the average over all 24 permutations")
    assert_fails(name, no_division, "for f(x) = x[0] with n = 3", "expected the average over all 6 permutations")
    assert_fails(name, returns_a_value, "return a function (the symmetrised f)")


# ---------------------------------------------------------------------- 5.2
def test_reynolds_project_wrong_answers(solutions):
    assert run("check_reynolds_project", solutions["reynolds_project"]).passed

    def transpose_not_inverse(W, mats):
        return sum(m.T @ W @ m for m in mats) / len(mats)

    def no_division(W, mats):
        return sum(np.linalg.inv(m) @ W @ m for m in mats)

    def generators_only(W, mats):  # averages over two elements only
        return sum(np.linalg.inv(m) @ W @ m for m in mats[:2]) / 2

    def forgets_the_inverse(W, mats):  # ρ(g) W ρ(g)
        return sum(m @ W @ m for m in mats) / len(mats)

    def elementwise_products(W, mats):  # * instead of @
        return sum(np.linalg.inv(m) * W * m for m in mats) / len(mats)

    def one_sided(W, mats):  # W ρ(g) averaged
        return sum(W @ m for m in mats) / len(mats)

    name = "check_reynolds_project"
    assert_fails(name, forgets_the_inverse, "for the permutation representation of S3", "it does not commute with ρ(g)")
    assert_fails(name, elementwise_products, "you returned [[-0.277, 0.04, -0.01]", "so it is not equivariant")
    assert_fails(name, one_sided, "you returned [[-0.217, -0.217, -0.217]", "not equivariant")
    assert_fails(name, transpose_not_inverse, "not orthogonal", "does not commute with ρ(g)", "not equivariant")
    assert_fails(name, no_division, "for the permutation representation of S3", "did you divide by |G|")
    assert_fails(name, generators_only, "for the permutation representation of S3", "does not commute")
    assert_fails(name, lambda W, mats: W[:2], "expected a 3×3 matrix of shape (3, 3)")


# ---------------------------------------------------------------------- 5.3
def test_lift_wrong_answers(solutions):
    assert run("check_lift", solutions["lift"]).passed

    def opposite_turn(x, psi):
        k = psi.shape[-1]
        w = torch.stack([torch.rot90(psi, -r) for r in range(4)])[:, None]
        return F.conv2d(x[None, None], w, padding=k // 2)[0]

    def unrotated(x, psi):
        k = psi.shape[-1]
        return F.conv2d(x[None, None], psi[None, None], padding=k // 2)[0].expand(4, -1, -1)

    def no_padding(x, psi):
        w = torch.stack([torch.rot90(psi, r) for r in range(4)])[:, None]
        return F.conv2d(x[None, None], w)[0]

    def true_convolution(x, psi):  # flips the filter, as a textbook convolution does
        k = psi.shape[-1]
        w = torch.stack([torch.rot90(psi, r).flip(0, 1) for r in range(4)])[:, None]
        return F.conv2d(x[None, None], w, padding=k // 2)[0]

    def turns_the_image(x, psi):
        k = psi.shape[-1]
        return torch.stack([F.conv2d(torch.rot90(x, r)[None, None], psi[None, None], padding=k // 2)[0, 0] for r in range(4)])

    def channels_last(x, psi):
        k = psi.shape[-1]
        w = torch.stack([torch.rot90(psi, r) for r in range(4)])[:, None]
        return F.conv2d(x[None, None], w, padding=k // 2)[0].permute(1, 2, 0)

    def turns_1_to_4(x, psi):  # range(1, 5)
        k = psi.shape[-1]
        w = torch.stack([torch.rot90(psi, r) for r in range(1, 5)])[:, None]
        return F.conv2d(x[None, None], w, padding=k // 2)[0]

    def circular_padding(x, psi):
        k = psi.shape[-1]
        w = torch.stack([torch.rot90(psi, r) for r in range(4)])[:, None]
        return F.conv2d(F.pad(x[None, None], (k // 2,) * 4, mode="circular"), w)[0]

    name = "check_lift"
    assert_fails(name, true_convolution, "channel 0 of your output is wrong", "it is a true convolution (ψ flipped)")
    assert_fails(name, turns_the_image, "channel 1 of your output is wrong", "you turned the image, not the filter")
    assert_fails(name, channels_last, "shape (5, 5, 4)", "the 4 orientation channels of shape (4, 5, 5)")
    assert_fails(name, turns_1_to_4, "channel 0 of your output is wrong", "it is the channel for 1 quarter turn")
    assert_fails(name, circular_padding, "channel 0 of your output is wrong", "you padded circularly")
    assert_fails(name, opposite_turn, "for a random 5×5 image and a random 3×3 filter, channel 1", "opposite turn")
    assert_fails(name, unrotated, "channel 1 of your output is wrong", "forget to rotate the filter")
    assert_fails(name, no_padding, "shape (4, 3, 3)", "the 4 orientation channels of shape (4, 5, 5)")


# ---------------------------------------------------------------------- 5.4
def test_permute_and_scale_wrong_answers(solutions):
    assert run("check_permute_and_scale", solutions["permute_and_scale"]).passed

    def w2_times_scale(W1, b1, W2, perm, scale):
        h = W1.shape[0]
        M = torch.zeros(h, h, dtype=W1.dtype)
        M[perm, list(range(h))] = scale
        return M @ W1, M @ b1, W2 @ M.T

    def forgets_bias(W1, b1, W2, perm, scale):
        h = W1.shape[0]
        M = torch.zeros(h, h, dtype=W1.dtype)
        M[perm, list(range(h))] = scale
        return M @ W1, b1, W2 @ torch.linalg.inv(M)

    def inverse_permutation(W1, b1, W2, perm, scale):  # a symmetry too, but not the one asked for
        h = W1.shape[0]
        M = torch.zeros(h, h, dtype=W1.dtype)
        M[list(range(h)), perm] = scale
        return M @ W1, M @ b1, W2 @ torch.linalg.inv(M)

    def _monomial(W1, perm, scale):
        h = W1.shape[0]
        M = torch.zeros(h, h, dtype=W1.dtype)
        M[perm, list(range(h))] = scale
        return M

    def scale_forgotten(W1, b1, W2, perm, scale):  # a symmetry, but only the permutation
        P = _monomial(W1, perm, torch.ones_like(scale))
        return P @ W1, P @ b1, W2 @ P.T

    def bias_moved_not_scaled(W1, b1, W2, perm, scale):
        M, P = _monomial(W1, perm, scale), _monomial(W1, perm, torch.ones_like(scale))
        return M @ W1, P @ b1, W2 @ torch.linalg.inv(M)

    def w2_times_inverse_transposed(W1, b1, W2, perm, scale):  # M⁻ᵀ, as in the query–key symmetry
        M = _monomial(W1, perm, scale)
        return M @ W1, M @ b1, W2 @ torch.linalg.inv(M).T

    name = "check_permute_and_scale"
    assert_fails(name, scale_forgotten, "the function is unchanged", "your units are in the right slots but not scaled")
    assert_fails(name, bias_moved_not_scaled, "the new parameters compute a different function (max deviation 0.1767")
    assert_fails(name, w2_times_inverse_transposed, "compute a different function", "W2 must undo the permutation")
    assert_fails(name, w2_times_scale, "compute a different function", "W2 must undo")
    assert_fails(name, forgets_bias, "compute a different function")
    assert_fails(name, inverse_permutation, "the function is unchanged, but hidden units are not where")
    assert_fails(name, lambda *a: (1, 2), "return a tuple (W1, b1, W2)")


# ---------------------------------------------------------------------- 5.5
def test_commutes_with_relu_wrong_answers(solutions):
    assert run("check_commutes_with_relu", solutions["commutes_with_relu"]).passed

    def non_negative(M):
        return bool((M >= 0).all()) and bool(torch.linalg.det(M) != 0)

    def one_per_row(M):
        nz = M != 0
        return bool((nz.sum(1) == 1).all()) and bool((M[nz] > 0).all())

    def permutation_only(M):
        return bool(((M == 0) | (M == 1)).all()) and bool(((M == 1).sum(0) == 1).all()) and bool(((M == 1).sum(1) == 1).all())

    def diagonal_only(M):  # positive diagonal: forgets the permutations
        return bool(torch.equal(M, torch.diag(torch.diagonal(M)))) and bool((torch.diagonal(M) > 0).all())

    def signs_ignored(M):  # one non-zero entry per row and column, of any sign
        nz = M != 0
        return bool((nz.sum(0) == 1).all() and (nz.sum(1) == 1).all())

    def small_entries_as_zero(M):
        nz = M.abs() > 1e-2
        return bool((nz.sum(0) == 1).all() and (nz.sum(1) == 1).all() and (M[nz] > 0).all())

    def random_probes(M):  # the definition on 20 random vectors, compared with a tolerance
        g = torch.Generator().manual_seed(0)
        zs = torch.randn(20, M.shape[0], generator=g, dtype=M.dtype)
        return all(torch.allclose(torch.relu(M @ z), M @ torch.relu(z)) for z in zs) and bool(torch.linalg.det(M) != 0)

    name = "check_commutes_with_relu"
    assert_fails(name, diagonal_only, "for a permutation matrix", "you returned False, expected True")
    assert_fails(name, signs_ignored, "for a diagonal matrix with a negative entry", "ReLU(Mz) ≠ M ReLU(z) for z = [-1.0, -1.0]")
    assert_fails(name, small_entries_as_zero, "for a positive diagonal matrix with a tiny entry", "expected True")
    assert_fails(
        name,
        random_probes,
        "for an upper-triangular matrix with a tiny off-diagonal entry",
        "they differ by only 1e-09: a tolerance such as torch.allclose's misses it",
    )
    assert_fails(name, non_negative, "for a non-negative upper-triangular matrix", "you returned True, expected False", "ReLU(Mz) ≠ M ReLU(z)")
    assert_fails(name, one_per_row, "for a singular matrix with one positive entry per row", "not invertible")
    assert_fails(name, permutation_only, "for a positive diagonal matrix", "you returned False, expected True")
    assert_fails(name, lambda M: 1, "return True or False")


# ---------------------------------------------------------------------- 5.6
def test_qk_transform_wrong_answers(solutions):
    assert run("check_qk_transform", solutions["qk_transform"]).passed

    def inverse_without_transpose(W_Q, W_K, M):
        return W_Q @ M, W_K @ torch.linalg.inv(M)

    def same_matrix(W_Q, W_K, M):
        return W_Q @ M, W_K @ M

    def keys_only(W_Q, W_K, M):  # keeps the scores by doing nothing to W_Q and W_K
        return W_Q, W_K

    def transposed_instead_of_inverted(W_Q, W_K, M):
        return W_Q @ M, W_K @ M.T

    def transposes_swapped(W_Q, W_K, M):  # (W_Q Mᵀ, W_K M⁻¹): the scores survive, but W_Q changes the wrong way
        return W_Q @ M.T, W_K @ torch.linalg.inv(M)

    def multiplies_on_the_left(W_Q, W_K, M):
        return M @ W_Q, torch.linalg.inv(M).T @ W_K

    name = "check_qk_transform"
    assert_fails(name, transposed_instead_of_inverted, "the scores (X W_Q)(X W_K)ᵀ change", "M Nᵀ = I")
    assert_fails(name, transposes_swapped, "the scores are unchanged, but the new W_Q is not W_Q M")
    assert_fails(name, multiplies_on_the_left, "your code raised RuntimeError", "cannot be multiplied")
    assert_fails(name, inverse_without_transpose, "for d_model = 4, d_head = 2", "the scores", "M Nᵀ = I")
    assert_fails(name, same_matrix, "the scores (X W_Q)(X W_K)ᵀ change")
    assert_fails(name, keys_only, "the new W_Q is not W_Q M")
    assert_fails(name, lambda W_Q, W_K, M: W_Q, "return a pair (new W_Q, new W_K)")
