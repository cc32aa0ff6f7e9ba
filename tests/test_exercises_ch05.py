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

    name = "check_symmetrize"
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

    name = "check_reynolds_project"
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

    name = "check_lift"
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

    name = "check_permute_and_scale"
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

    name = "check_commutes_with_relu"
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

    name = "check_qk_transform"
    assert_fails(name, inverse_without_transpose, "for d_model = 4, d_head = 2", "the scores", "M Nᵀ = I")
    assert_fails(name, same_matrix, "the scores (X W_Q)(X W_K)ᵀ change")
    assert_fails(name, keys_only, "the new W_Q is not W_Q M")
    assert_fails(name, lambda W_Q, W_K, M: W_Q, "return a pair (new W_Q, new W_K)")
