"""The Chapter 9 checkers (causal attention, the permutation gap, the bilinear discretisation,
the SSM kernel, the causal FFT convolution, the diagonal SSM step) reject planted wrong answers.
"""

from __future__ import annotations

import math

import torch

from grouptools.exercises import ch09

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch09)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- 9.1
def _attention(q, k, v, mask, scale=True):
    L = q.shape[-2]
    scores = q @ k.transpose(-1, -2) / (math.sqrt(q.shape[-1]) if scale else 1.0)
    if mask is not None:
        scores = scores.masked_fill(mask(L), float("-inf"))
    return scores.softmax(-1) @ v


def test_causal_attention_wrong_answers(solutions):
    assert run("check_causal_attention", solutions["causal_attention"]).passed
    future = lambda L: torch.ones(L, L, dtype=torch.bool).triu(1)  # noqa: E731
    name = "check_causal_attention"
    assert_fails(name, lambda q, k, v: _attention(q, k, v, None), "for q, k of shape (5, 4)", "at position 0", "without a mask")
    assert_fails(name, lambda q, k, v: _attention(q, k, v, lambda L: torch.ones(L, L, dtype=torch.bool).triu(2)), "let the future in")
    assert_fails(name, lambda q, k, v: _attention(q, k, v, lambda L: torch.ones(L, L, dtype=torch.bool).tril(-1)), "mask is transposed")
    assert_fails(name, lambda q, k, v: _attention(q, k, v, lambda L: torch.ones(L, L, dtype=torch.bool).triu(0)), "NaN", "hide the diagonal")
    assert_fails(name, lambda q, k, v: _attention(q, k, v, future, scale=False), "not scaled", "√d")

    def softmax_over_queries(q, k, v):
        L = q.shape[-2]
        scores = (q @ k.transpose(-1, -2) / math.sqrt(q.shape[-1])).masked_fill(future(L), -1e30)
        return scores.softmax(-2) @ v

    assert_fails(name, softmax_over_queries, "at position 0", "sum to 1")
    assert_fails(name, lambda q, k, v: v[..., :1, :], "expected the attention output")


# ---------------------------------------------------------------------- 9.2
def test_permutation_gap_wrong_answers(solutions):
    assert run("check_permutation_gap", solutions["permutation_gap"]).passed

    def inverse_action(f, x, perm):
        return (f(x[:, perm]) - f(x)[:, perm]).abs().max().item()

    def invariance(f, x, perm):
        out = torch.empty_like(x)
        out[:, perm] = x
        return (f(out) - f(x)).abs().max().item()

    def mean_not_max(f, x, perm):
        act = lambda z: torch.empty_like(z).index_copy_(1, torch.tensor(perm), z)  # noqa: E731
        return (f(act(x)) - act(f(x))).abs().mean().item()

    def _act(z, perm):
        out = torch.empty_like(z)
        out[:, perm] = z
        return out

    def signed_max(f, x, perm):  # no abs: the largest difference, not the largest |difference|
        return (f(_act(x, perm)) - _act(f(x), perm)).max().item()

    def relative_gap(f, x, perm):
        return ((f(_act(x, perm)) - _act(f(x), perm)).abs().max() / f(x).abs().max()).item()

    def norm_of_the_difference(f, x, perm):
        return torch.linalg.norm(f(_act(x, perm)) - _act(f(x), perm)).item()

    def permutes_the_features(f, x, perm):  # the last axis instead of the positions
        def act(z):
            out = torch.zeros_like(z)
            out[:, :, perm] = z[:, :, : len(perm)]
            return out

        return (f(act(x)) - act(f(x))).abs().max().item()

    def permutes_the_batch(f, x, perm):  # the first axis: forgets the batch
        def act(z):
            out = torch.zeros_like(z)
            out[perm] = z
            return out

        return (f(act(x)) - act(f(x))).abs().max().item()

    name = "check_permutation_gap"
    assert_fails(name, signed_max, "for f = causal attention", "take the absolute value before the maximum")
    assert_fails(name, relative_gap, "for f = causal attention", "return the absolute gap")
    assert_fails(name, norm_of_the_difference, "you returned 2.5744, expected 1.0315", "its largest absolute entry")
    assert_fails(name, permutes_the_features, "for f = attention without positions (equivariant)", "the gap is 0 up to rounding")
    assert_fails(name, permutes_the_batch, "your code raised RuntimeError: shape mismatch")
    assert_fails(name, inverse_action, "for f = causal attention", "you applied σ⁻¹")
    assert_fails(name, invariance, "for f = attention without positions (equivariant)", "invariance")
    assert_fails(name, mean_not_max, "for f = causal attention", "expected")
    assert_fails(name, lambda f, x, perm: torch.zeros(3), "return one number")
    assert run(name, lambda f, x, perm: torch.tensor(solutions["permutation_gap"](f, x, perm), dtype=torch.float64)).passed  # a 0-d tensor is fine


# ---------------------------------------------------------------------- 9.3
def test_bilinear_wrong_answers(solutions):
    assert run("check_bilinear", solutions["bilinear"]).passed
    eye = lambda A: torch.eye(A.shape[0], dtype=A.dtype)  # noqa: E731

    def zoh(A, B, dt):
        return torch.linalg.matrix_exp(dt * A), torch.linalg.solve(A, (torch.linalg.matrix_exp(dt * A) - eye(A)) @ B)

    def euler(A, B, dt):
        return eye(A) + dt * A, dt * B

    def no_dt_in_B(A, B, dt):
        left = eye(A) - dt / 2 * A
        return torch.linalg.solve(left, eye(A) + dt / 2 * A), torch.linalg.solve(left, B)

    def swapped_signs(A, B, dt):
        left = eye(A) + dt / 2 * A
        return torch.linalg.solve(left, eye(A) - dt / 2 * A), torch.linalg.solve(left, dt * B)

    def full_step(A, B, dt):  # ΔA instead of ΔA/2
        left = eye(A) - dt * A
        return torch.linalg.solve(left, eye(A) + dt * A), torch.linalg.solve(left, dt * B)

    def backward_euler(A, B, dt):
        left = eye(A) - dt * A
        return torch.linalg.solve(left, eye(A)), torch.linalg.solve(left, dt * B)

    name = "check_bilinear"
    assert_fails(name, full_step, "for the 1×1 system a = −2, b = 1", "you returned Ā = 0, expected 0.3333", "with Δ where the formula has Δ/2")
    assert_fails(name, backward_euler, "you returned Ā = 0.5, expected 0.3333", "backward Euler")
    assert_fails(name, zoh, "for the 1×1 system a = −2", "zero-order hold")
    assert_fails(name, euler, "forward Euler")
    assert_fails(name, no_dt_in_B, "Ā is right", "forget the factor Δ")
    assert_fails(name, swapped_signs, "inverse of Ā")
    assert_fails(name, lambda A, B, dt: solutions["bilinear"](A, B, dt)[0], "return a pair (Ā, B̄)")
    assert run(name, lambda A, B, dt: tuple(t.numpy() for t in solutions["bilinear"](A, B, dt))).passed  # arrays are fine


# ---------------------------------------------------------------------- 9.4
def test_ssm_kernel_wrong_answers(solutions):
    assert run("check_ssm_kernel", solutions["ssm_kernel"]).passed

    def starts_late(Ab, Bb, C, L):
        x, taps = Bb, []
        for _ in range(L):
            x = Ab @ x
            taps.append(C @ x)
        return torch.stack(taps)

    def delayed(Ab, Bb, C, L):  # reads out before the input enters
        x, taps = torch.zeros_like(Bb), []
        for k in range(L):
            taps.append(C @ x)
            x = Ab @ x + Bb * (k == 0)
        return torch.stack(taps)

    def one_too_many(Ab, Bb, C, L):
        return torch.stack([C @ torch.linalg.matrix_power(Ab, k) @ Bb for k in range(L + 1)])

    def transposed(Ab, Bb, C, L):
        return torch.stack([C @ torch.linalg.matrix_power(Ab.T, k) @ Bb for k in range(L)])

    def step_response(Ab, Bb, C, L):  # the input 1 at every step
        x, taps = torch.zeros_like(Bb), []
        for _ in range(L):
            x = Ab @ x + Bb
            taps.append(C @ x)
        return torch.stack(taps)

    def row_vector_state(Ab, Bb, C, L):  # x @ Ā is Āᵀx
        x, taps = Bb, []
        for _ in range(L):
            taps.append(C @ x)
            x = x @ Ab
        return torch.stack(taps)

    def float32_buffer(Ab, Bb, C, L):
        taps, x = torch.zeros(L), Bb
        for k in range(L):
            taps[k] = C @ x
            x = Ab @ x
        return taps

    def diagonal_only(Ab, Bb, C, L):  # treats Ā as diagonal, as in S4D
        x, taps = Bb, []
        for _ in range(L):
            taps.append(C @ x)
            x = torch.diagonal(Ab) * x
        return torch.stack(taps)

    name = "check_ssm_kernel"
    assert_fails(name, step_response, "tap K_1", "that is the step response")
    assert_fails(name, row_vector_state, "tap K_1", "x @ Ā multiplies by Āᵀ")
    assert_fails(name, float32_buffer, "tap K_0", "your taps are float32")
    assert_fails(name, diagonal_only, "for a random 3×3 Ā, L = 6, tap K_1 is -0.5277, expected C Ā^1 B̄ = -0.426")
    assert_fails(name, starts_late, "for a random 3×3 Ā, L = 6", "starts at C Ā B̄")
    assert_fails(name, delayed, "delayed by one step")
    assert_fails(name, one_too_many, "7 taps, expected 6")
    assert_fails(name, transposed, "tap K_1", "expected C Ā^1 B̄")


# ---------------------------------------------------------------------- 9.5
def test_causal_conv_wrong_answers(solutions):
    assert run("check_causal_conv", solutions["causal_conv"]).passed

    def circular(u, k):
        return torch.fft.irfft(torch.fft.rfft(u) * torch.fft.rfft(k), n=u.shape[-1])

    def too_little_padding(u, k):
        L = u.shape[-1]
        n = L + L // 2
        return torch.fft.irfft(torch.fft.rfft(u, n=n) * torch.fft.rfft(k, n=n), n=n)[..., :L]

    def correlation(u, k):  # y_t = Σ_s k[s − t] u[s]: looks into the future
        L = u.shape[-1]
        return torch.stack([sum(k[..., s - t] * u[..., s] for s in range(t, L)) for t in range(L)], -1)

    def last_L(u, k):
        L = u.shape[-1]
        return torch.fft.irfft(torch.fft.rfft(u, n=2 * L) * torch.fft.rfft(k, n=2 * L), n=2 * L)[..., L:]

    name = "check_causal_conv"
    assert_fails(name, circular, "for u and k of shape (1, 8), at time t = 0", "circular convolution")
    assert_fails(name, too_little_padding, "for u and k of shape (1, 8)", "max error")
    assert_fails(name, correlation, "at time t = 0")
    assert_fails(name, last_L, "expected Σ_(s ≤ t) k[t−s] u[s]")
    assert_fails(name, lambda u, k: u.flatten(), "shape")


def test_causal_conv_causality_property():
    """An answer right on the comparison inputs but not causal on others is caught by the property test."""
    reference = __import__("grouptools").nn.fft_conv

    def peeks_when_long(u, k):
        y = reference(u, k)
        if u.shape == (2, 12):
            y = y + u[..., -1:].sum()  # the last input leaks into every output
        return y

    assert_fails("check_causal_conv", peeks_when_long, "causality test", "must be causal")


# ---------------------------------------------------------------------- 9.6
def test_diagonal_step_wrong_answers(solutions):
    assert run("check_diagonal_step", solutions["diagonal_step"]).passed

    def old_state(Ab, Bb, C, D, u, x):
        y = 2 * (C * x).sum(-1).real + D * u
        return y, Ab * x + Bb * u[..., None]

    def no_factor_two(Ab, Bb, C, D, u, x):
        x = Ab * x + Bb * u[..., None]
        return (C * x).sum(-1).real + D * u, x

    def no_skip(Ab, Bb, C, D, u, x):
        x = Ab * x + Bb * u[..., None]
        return 2 * (C * x).sum(-1).real, x

    def forgets_state(Ab, Bb, C, D, u, x):
        x = Bb * u[..., None]
        return 2 * (C * x).sum(-1).real + D * u, x

    def real_state(Ab, Bb, C, D, u, x):  # drops the imaginary part of the state
        x = Ab * x + Bb * u[..., None]
        return 2 * (C * x).sum(-1).real + D * u, x.real

    name = "check_diagonal_step"
    assert_fails(name, old_state, "one step from a random state", "read out the old state")
    assert_fails(name, no_factor_two, "factor 2 is missing")
    assert_fails(name, no_skip, "skip term D u is missing")
    assert_fails(name, forgets_state, "your new state starts", "expected Ā x + B̄ u")
    assert_fails(name, real_state, "your new state starts")
    assert_fails(name, lambda *a: solutions["diagonal_step"](*a)[0], "return a pair (y, new state)")
