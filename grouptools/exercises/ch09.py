"""Checkers for the Chapter 9 exercises (``exercises/09_sequence_models_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on seeded random inputs
in float64 (complex128 for the diagonal SSM state) — queries, keys and values, sequences
acted on by permutations, HiPPO and random state matrices, convolution kernels and S4D
systems — and compares the answer with ``grouptools``' own computation
(``scaled_dot_product_attention``, :func:`~grouptools.nn.permute_positions`,
:func:`~grouptools.nn.discretize`, :func:`~grouptools.nn.kernel_powers`,
:func:`~grouptools.nn.fft_conv`, :func:`~grouptools.nn.s4d_kernel`). It returns a
:class:`~grouptools.exercises.Feedback` that names the first input where the answer is
wrong, what came back, what was expected and, for the usual mistakes, why; it never raises.

Explained in Chapter 9 exercises, *How the checks work*.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..nn.attention import MultiHeadSelfAttention, sinusoidal_encoding
from ..nn.s4 import discretize, discretize_diagonal, fft_conv, hippo_legs, kernel_powers, s4d_init, s4d_kernel
from ..nn.sequence_actions import permute_positions
from ._feedback import ExerciseFailure, _call, checker
from ._tensors import _num, _pair, _shown, _tensor, _vec

__all__ = [
    "check_causal_attention",
    "check_permutation_gap",
    "check_bilinear",
    "check_ssm_kernel",
    "check_causal_conv",
    "check_diagonal_step",
]

DT = torch.float64
CT = torch.complex128


# ---------------------------------------------------------------------- helpers
def _close(a: torch.Tensor, b: torch.Tensor, tol: float = 1e-9) -> bool:
    return a.shape == b.shape and bool(torch.allclose(a, b, atol=tol * max(1.0, float(b.abs().max()) if b.numel() else 1.0), rtol=0))


def _max_err(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max())


# ---------------------------------------------------------------------- 9.1
def _parallel(a: torch.Tensor, b: torch.Tensor) -> bool:
    """Whether a = c·b for one number c, row by row (a, b of shape (..., d))."""
    c = (a * b).sum(-1, keepdim=True) / (b * b).sum(-1, keepdim=True)
    return _close(a, c * b)


def _attention_by_hand(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor, mask: str, scale: bool = True) -> torch.Tensor:
    L = q.shape[-2]
    scores = q @ k.transpose(-1, -2) / (math.sqrt(q.shape[-1]) if scale else 1.0)
    if mask == "causal":
        scores = scores.masked_fill(torch.ones(L, L, dtype=torch.bool).triu(1), float("-inf"))
    elif mask == "anti":
        scores = scores.masked_fill(torch.ones(L, L, dtype=torch.bool).tril(-1), float("-inf"))
    return scores.softmax(-1) @ v


@checker("Exercise 9.1")
def check_causal_attention(causal_attention: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``causal_attention(q, k, v)``: softmax(q kᵀ/√d + M) v with M = −∞ above the diagonal.

    Compared with ``F.scaled_dot_product_attention(q, k, v, is_causal=True)``.

    Explained in Chapter 9 exercises, *Exercise 9.1 · Causal attention by hand*.
    """
    gen = torch.Generator().manual_seed(81)
    cases = [((5, 4), 4), ((2, 3, 7, 8), 8), ((1, 6, 2), 3), ((4, 1, 3), 2), ((2, 9, 16), 5)]
    for q_shape, d_v in cases:
        q = torch.randn(*q_shape, generator=gen, dtype=DT)
        k = torch.randn(*q_shape, generator=gen, dtype=DT)
        v = torch.randn(*q_shape[:-1], d_v, generator=gen, dtype=DT)
        where = f"for q, k of shape {q_shape} and v of shape {tuple(v.shape)}"
        want = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        raw = _call(causal_attention, where, q.clone(), k.clone(), v.clone())
        if isinstance(raw, torch.Tensor) and raw.shape == want.shape and torch.isnan(raw).any():
            raise ExerciseFailure(
                f"{where} your answer contains NaN: a row of scores that is −∞ everywhere has no softmax — "
                "does your mask hide the diagonal too? Position i may attend to every j ≤ i, itself included"
            )
        got = _tensor(raw, where, tuple(want.shape), "the attention output (one row of length d_v per query)")
        if _close(got, want):
            continue
        L = q_shape[-2]
        if not _close(got[..., 0, :], v[..., 0, :]):
            why = (
                "it is attention without a mask: every position also sees the future"
                if _close(got, _attention_by_hand(q, k, v, "none"))
                else "position 0 may attend only to itself, so its output must be v[..., 0, :]"
            )
            if not why.startswith("it is") and _parallel(got[..., 0, :], v[..., 0, :]):
                why += " — you returned a multiple of it: the weights of a row must sum to 1 (softmax along the keys, the last axis)"
            elif not why.startswith("it is"):
                why += " — does your mask let the future in?"
            if _close(got, _attention_by_hand(q, k, v, "anti")):
                why = "your mask is transposed: position i attends to j ≥ i (the future) instead of j ≤ i"
            raise ExerciseFailure(
                f"{where}, at position 0 you returned {_vec(got[..., 0, :])}, expected v[0] = {_vec(want[..., 0, :])}: {why}"
            )
        if _close(got, _attention_by_hand(q, k, v, "causal", scale=False)):
            raise ExerciseFailure(f"{where} your answer is causal but the scores are not scaled: divide q kᵀ by √d with d = q.shape[-1]")
        i = next(t for t in range(L) if not _close(got[..., t, :], want[..., t, :]))
        raise ExerciseFailure(
            f"{where}, at position {i} you returned {_vec(got[..., i, :])}, expected {_vec(want[..., i, :])} "
            f"(max error {_num(_max_err(got, want))}); the softmax runs along the keys (last axis of the scores)"
        )
    return f"all {len(cases)} inputs agree with scaled_dot_product_attention(is_causal=True)"


# ---------------------------------------------------------------------- 9.2
def _gap_functions() -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor], bool]]:
    with torch.random.fork_rng(devices=[]):  # seeded weights, without touching the learner's random state
        torch.manual_seed(82)
        plain = MultiHeadSelfAttention(8, 2, dtype=DT).eval()
        causal = MultiHeadSelfAttention(8, 2, causal=True, dtype=DT).eval()

    def no_grad(m: torch.nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
        def f(x: torch.Tensor) -> torch.Tensor:
            with torch.no_grad():
                return m(x)

        return f

    return [
        ("attention without positions (equivariant)", no_grad(plain), True),
        ("causal attention", no_grad(causal), False),
        ("the running sum x ↦ x.cumsum(1)", lambda x: x.cumsum(1), False),
        ("adding the sinusoidal table, x ↦ x + PE", lambda x: x + sinusoidal_encoding(x.shape[1], x.shape[2], dtype=DT), False),
        ("the sum over positions, repeated at every position (equivariant)", lambda x: x.sum(1, keepdim=True).expand_as(x) + 0, True),
        ("x ↦ x · (position index)", lambda x: x * torch.arange(x.shape[1], dtype=DT)[None, :, None], False),
    ]


def _reference_gap(f: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, perm: list[int], how: str = "right") -> float:
    if how == "inverse":
        act = lambda z: z[:, perm]  # noqa: E731  (moves the token at σ(t) to t: σ⁻¹)
        return float((f(act(x)) - act(f(x))).abs().max())
    act = lambda z: permute_positions(z, perm)  # noqa: E731
    if how == "invariance":
        return float((f(act(x)) - f(x)).abs().max())
    diff = f(act(x)) - act(f(x))
    if how == "signed":
        return float(diff.max())
    if how == "norm":
        return float(torch.linalg.norm(diff))
    if how == "relative":
        return float(diff.abs().max() / f(x).abs().max())
    return float(diff.abs().max())


@checker("Exercise 9.2")
def check_permutation_gap(permutation_gap: Callable[[Callable, torch.Tensor, list], Any]) -> str:
    """Check ``permutation_gap(f, x, perm)``: max |f(σ·x) − σ·f(x)| with (σ·x)[:, σ(t)] = x[:, t].

    Explained in Chapter 9 exercises, *Exercise 9.2 · Measuring an equivariance gap*.
    """
    gen = torch.Generator().manual_seed(820)
    cases = _gap_functions()
    for name, f, equivariant in cases:
        L = 7
        x = torch.randn(2, L, 8, generator=gen, dtype=DT)
        while True:  # a permutation that is not its own inverse, so σ and σ⁻¹ give different gaps
            perm = torch.randperm(L, generator=gen).tolist()
            if any(perm[perm[t]] != t for t in range(L)):
                break
        where = f"for f = {name}, x of shape (2, {L}, 8) and perm = {perm}"
        raw = _call(permutation_gap, where, f, x.clone(), list(perm))
        if isinstance(raw, torch.Tensor):
            if raw.numel() != 1:
                raise ExerciseFailure(f"{where} you returned {_shown(raw)}; return one number, the largest |difference|")
            raw = raw.detach().reshape(())
        elif isinstance(raw, np.ndarray):
            if raw.size != 1:
                raise ExerciseFailure(f"{where} you returned {_shown(raw)}; return one number, the largest |difference|")
            raw = raw.reshape(())
        got = float(_tensor(raw, where, (), "one number, the largest |difference|"))
        want = _reference_gap(f, x, perm)
        if abs(got - want) <= 1e-9 + 1e-9 * abs(want):
            continue
        why = ""
        if abs(got - _reference_gap(f, x, perm, "inverse")) <= 1e-9 * max(1.0, abs(got)):
            why = (
                ": you applied σ⁻¹ — `z[:, perm]` moves the token at position σ(t) to t; the exercise's action moves "
                "the token at t to σ(t) (assign `out[:, perm] = z`, or use gt.nn.permute_positions)"
            )
        elif abs(got - _reference_gap(f, x, perm, "invariance")) <= 1e-9 * max(1.0, abs(got)):
            why = ": you compared f(σ·x) with f(x) (invariance); equivariance compares it with σ·f(x)"
        elif abs(got - _reference_gap(f, x, perm, "signed")) <= 1e-9 * max(1.0, abs(got)):
            why = ": that is the largest signed difference; take the absolute value before the maximum"
        elif abs(got - _reference_gap(f, x, perm, "norm")) <= 1e-9 * max(1.0, abs(got)):
            why = ": that is the norm of the whole difference; the gap is its largest absolute entry"
        elif abs(got - _reference_gap(f, x, perm, "relative")) <= 1e-9 * max(1.0, abs(got)):
            why = ": that is the gap relative to max |f(x)|; return the absolute gap"
        elif equivariant:
            why = ": this f is equivariant, so the gap is 0 up to rounding"
        raise ExerciseFailure(f"{where} you returned {_num(got)}, expected {_num(want)}{why}")
    return f"all {len(cases)} gaps correct: 0 for the equivariant maps, > 0 for the others"


# ---------------------------------------------------------------------- 9.3
def _stable(n: int, gen: torch.Generator) -> torch.Tensor:
    M = torch.randn(n, n, generator=gen, dtype=DT)
    return M - (float(torch.linalg.eigvals(M).real.max()) + 1.0) * torch.eye(n, dtype=DT)


@checker("Exercise 9.3")
def check_bilinear(bilinear: Callable[[torch.Tensor, torch.Tensor, float], Any]) -> str:
    """Check ``bilinear(A, B, dt)``: Ā = (I − ΔA/2)⁻¹(I + ΔA/2), B̄ = (I − ΔA/2)⁻¹ ΔB.

    Compared with :func:`grouptools.nn.discretize` with ``method="bilinear"``.

    Explained in Chapter 9 exercises, *Exercise 9.3 · The bilinear discretisation*.
    """
    gen = torch.Generator().manual_seed(83)
    cases = [
        ("the 1×1 system a = −2, b = 1", torch.tensor([[-2.0]], dtype=DT), torch.tensor([1.0], dtype=DT), 0.5),
        ("HiPPO-LegS with N = 4", *hippo_legs(4), 0.1),
        ("a random stable 3×3 matrix A", _stable(3, gen), torch.randn(3, generator=gen, dtype=DT), 0.3),
        ("HiPPO-LegS with N = 6", *hippo_legs(6), 0.02),
        ("a random stable 5×5 matrix A", _stable(5, gen), torch.randn(5, generator=gen, dtype=DT), 1.0),
    ]
    for name, A, B, dt in cases:
        n = A.shape[0]
        where = f"for {name}, B = {_vec(B)} and dt = {dt}"
        Ab_raw, Bb_raw = _pair(_call(bilinear, where, A.clone(), B.clone(), dt), where, "(Ā, B̄)")
        Ab = _tensor(Ab_raw, where, (n, n), "Ā")
        Bb = _tensor(Bb_raw, where, (n,), "B̄ (a vector, like B)")
        want_A, want_B = discretize(A, B, dt, "bilinear")
        if _close(Ab, want_A, 1e-10) and _close(Bb, want_B, 1e-10):
            continue
        eye = torch.eye(n, dtype=DT)
        zoh_A, _ = discretize(A, B, dt, "zoh")
        if not _close(Ab, want_A, 1e-10):
            why = ""
            if _close(Ab, zoh_A, 1e-10):
                why = ": that is exp(ΔA), the zero-order hold; the bilinear transform is (I − ΔA/2)⁻¹(I + ΔA/2)"
            elif _close(Ab, eye + dt * A, 1e-10) and _close(Bb, dt * B, 1e-10):
                why = ": that is I + ΔA, forward Euler; the bilinear transform averages the two ends of the step"
            elif _close(Ab, torch.linalg.solve(eye - dt * A, eye + dt * A), 1e-10):
                why = ": that is (I − ΔA)⁻¹(I + ΔA), with Δ where the formula has Δ/2"
            elif _close(Ab, torch.linalg.inv(eye - dt * A), 1e-10):
                why = ": that is (I − ΔA)⁻¹, backward Euler; the bilinear transform averages the two ends of the step"
            elif _close(Ab, torch.linalg.inv(want_A), 1e-10):
                why = ": that is the inverse of Ā — the signs are swapped, (I − ΔA/2) goes under the inverse"
            shown = _vec(Ab) if n > 1 else _num(float(Ab))
            expected = _vec(want_A) if n > 1 else _num(float(want_A))
            raise ExerciseFailure(f"{where} you returned Ā = {shown}, expected {expected} (max error {_num(_max_err(Ab, want_A))}){why}")
        why = ""
        if _close(Bb, want_B / dt, 1e-10):
            why = ": it is B̄/Δ — did you forget the factor Δ?"
        elif _close(Bb, dt * B, 1e-10):
            why = ": that is ΔB (forward Euler); multiply by (I − ΔA/2)⁻¹"
        raise ExerciseFailure(f"{where} Ā is right but you returned B̄ = {_vec(Bb)}, expected {_vec(want_B)}{why}")
    return f"all {len(cases)} systems discretised correctly"


# ---------------------------------------------------------------------- 9.4
@checker("Exercise 9.4")
def check_ssm_kernel(ssm_kernel: Callable[[torch.Tensor, torch.Tensor, torch.Tensor, int], Any]) -> str:
    """Check ``ssm_kernel(Ab, Bb, C, L)``: the L taps K_k = C Āᵏ B̄, k = 0, …, L − 1.

    Compared with :func:`grouptools.nn.kernel_powers`.

    Explained in Chapter 9 exercises, *Exercise 9.4 · The kernel by unrolling the recurrence*.
    """
    gen = torch.Generator().manual_seed(84)
    cases = []
    for n, L, system in [(3, 6, "random"), (4, 10, "hippo"), (1, 5, "random"), (5, 1, "random"), (6, 25, "hippo")]:
        if system == "hippo":
            A, B = hippo_legs(n)
            Ab, Bb = discretize(A, B, 0.1, "bilinear")
            name = f"HiPPO-LegS (N = {n}) discretised with Δ = 0.1"
        else:
            Ab = 0.9 * torch.randn(n, n, generator=gen, dtype=DT) / math.sqrt(n)
            Bb = torch.randn(n, generator=gen, dtype=DT)
            name = f"a random {n}×{n} Ā"
        C = torch.randn(n, generator=gen, dtype=DT)
        cases.append((name, Ab, Bb, C, L))
    for name, Ab, Bb, C, L in cases:
        where = f"for {name}, L = {L}"
        want = kernel_powers(Ab, Bb, C, L)
        raw = _call(ssm_kernel, where, Ab.clone(), Bb.clone(), C.clone(), L)
        longer = kernel_powers(Ab, Bb, C, L + 1)
        if isinstance(raw, (torch.Tensor, np.ndarray)) and tuple(raw.shape) in ((L + 1,), (L - 1,)):
            raise ExerciseFailure(
                f"{where} you returned {raw.shape[0]} taps, expected {L}: the taps are K_0 = C B̄, …, K_{L - 1} = C Ā^{L - 1} B̄"
            )
        got = _tensor(raw, where, (L,), f"the {L} taps of the kernel")
        if _close(got, want, 1e-10):
            continue
        k = next(i for i in range(L) if not _close(got[i], want[i], 1e-10))
        why = ""
        if _close(got, longer[1:], 1e-10):
            why = ": your kernel starts at C Ā B̄; the first tap is K_0 = C B̄ (x_0 = B̄ u_0 is read out at once)"
        elif L > 1 and abs(float(got[0])) < 1e-12 and _close(got[1:], want[:-1], 1e-10):
            why = ": your kernel is delayed by one step — read out y_k after adding B̄ u_k to the state, not before"
        elif isinstance(raw, torch.Tensor) and raw.dtype in (torch.float32, torch.float16, torch.bfloat16):
            why = (
                f": your taps are {str(raw.dtype).replace('torch.', '')} (torch.zeros(L) is float32 unless told "
                "otherwise), which keeps 7 digits; keep the dtype of Ā, float64"
            )
        elif _close(got, torch.cumsum(want, 0), 1e-10):
            why = ": that is the step response (u = 1 at every step); the kernel is the response to the impulse u = (1, 0, 0, …)"
        elif _close(got, kernel_powers(Ab.T.contiguous(), Bb, C, L), 1e-10):
            why = ": that is C (Āᵀ)ᵏ B̄ — x @ Ā multiplies by Āᵀ; advance the state with Ā @ x"
        raise ExerciseFailure(
            f"{where}, tap K_{k} is {_num(float(got[k]))}, expected C Ā^{k} B̄ = {_num(float(want[k]))}{why}"
        )
    return f"all {len(cases)} kernels agree with C Āᵏ B̄"


# ---------------------------------------------------------------------- 9.5
def _direct_conv(u: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    L = u.shape[-1]
    return torch.stack([sum(k[..., t - s] * u[..., s] for s in range(t + 1)) for t in range(L)], -1)


@checker("Exercise 9.5")
def check_causal_conv(causal_conv: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``causal_conv(u, k)``: y_t = Σ_{s ≤ t} k_{t−s} u_s along the last axis, shapes (H, L).

    Compared with :func:`grouptools.nn.fft_conv` and with the direct sum.

    Explained in Chapter 9 exercises, *Exercise 9.5 · Causal convolution by FFT*.
    """
    gen = torch.Generator().manual_seed(85)
    cases = [(1, 8), (3, 16), (2, 33), (4, 1), (2, 100)]
    for H, L in cases:
        u = torch.randn(H, L, generator=gen, dtype=DT)
        k = torch.randn(H, L, generator=gen, dtype=DT)
        where = f"for u and k of shape ({H}, {L})"
        want = fft_conv(u, k)
        got = _tensor(_call(causal_conv, where, u.clone(), k.clone()), where, (H, L), "the convolution, shaped like u")
        if _close(got, want, 1e-9):
            continue
        t = next(i for i in range(L) if not _close(got[..., i], want[..., i], 1e-9))
        why = ""
        circular = torch.fft.irfft(torch.fft.rfft(u) * torch.fft.rfft(k), n=L)
        if _close(got, circular, 1e-9):
            why = (
                ": this is the circular convolution — without zero padding the FFT wraps the late taps around to the "
                "start; pad u and k to length 2L and keep the first L values"
            )
        elif _close(got, _direct_conv(u.flip(-1), k).flip(-1), 1e-9) or _close(got, _direct_conv(u, k.flip(-1)), 1e-9):
            why = ": a sequence is flipped — y_t = Σ_s k[t − s] u[s], k indexed by the lag t − s"
        raise ExerciseFailure(
            f"{where}, at time t = {t} you returned {_vec(got[..., t])}, expected Σ_(s ≤ t) k[t−s] u[s] = "
            f"{_vec(want[..., t])} (max error {_num(_max_err(got, want))}){why}"
        )
    # causality, as a property: changing the future of u does not change the past of y
    u = torch.randn(2, 12, generator=gen, dtype=DT)
    k = torch.randn(2, 12, generator=gen, dtype=DT)
    where = "for the causality test (u changed at times ≥ 6)"
    y1 = _tensor(_call(causal_conv, where, u.clone(), k.clone()), where, (2, 12), "the convolution")
    u2 = u.clone()
    u2[:, 6:] += 1.0
    y2 = _tensor(_call(causal_conv, where, u2, k.clone()), where, (2, 12), "the convolution")
    if not _close(y1[:, :6], y2[:, :6], 1e-9):
        raise ExerciseFailure(f"{where} your outputs at times < 6 changed: the convolution must be causal")
    return f"all {len(cases)} convolutions agree with the direct causal sum"


# ---------------------------------------------------------------------- 9.6
def _s4d_case(seed: int, H: int, N: int, init: str, method: str):
    g = torch.Generator().manual_seed(seed)
    Lam, B = s4d_init(N, init)
    Lam, B = Lam.expand(H, -1).clone(), B.expand(H, -1).clone()
    C = torch.complex(torch.randn(H, N // 2, generator=g, dtype=DT), torch.randn(H, N // 2, generator=g, dtype=DT))
    dt = torch.exp(math.log(1e-2) + torch.rand(H, generator=g, dtype=DT) * math.log(10))
    D = torch.randn(H, generator=g, dtype=DT)
    Ab, Bb = discretize_diagonal(Lam, B, dt, method)
    return Lam, B, C, dt, D, Ab, Bb, g


@checker("Exercise 9.6")
def check_diagonal_step(diagonal_step: Callable[..., Any]) -> str:
    """Check ``diagonal_step(Ab, Bb, C, D, u, x)``: x' = Ā x + B̄ u, y = 2 Re Σₙ Cₙ x'ₙ + D u; returns (y, x').

    Run over a whole sequence it must equal the convolution mode, :func:`grouptools.nn.s4d_kernel`
    and :func:`grouptools.nn.fft_conv` plus the skip term D u.

    Explained in Chapter 9 exercises, *Exercise 9.6 · Recurrent mode of a diagonal SSM*.
    """
    cases = [(0, 2, 3, 4, "legs", "zoh", 12), (1, 3, 2, 8, "inv", "bilinear", 20), (2, 1, 1, 2, "lin", "zoh", 6), (3, 2, 4, 6, "legs", "bilinear", 15)]
    for seed, batch, H, N, init, method, L in cases:
        Lam, B, C, dt, D, Ab, Bb, g = _s4d_case(seed, H, N, init, method)
        n = N // 2
        desc = f"for batch = {batch}, H = {H} channels, {n} complex modes (S4D-{init}, {method})"
        # one step from a random state
        x = torch.complex(torch.randn(batch, H, n, generator=g, dtype=DT), torch.randn(batch, H, n, generator=g, dtype=DT))
        u_t = torch.randn(batch, H, generator=g, dtype=DT)
        where = f"{desc}, one step from a random state"
        y_raw, x_raw = _pair(_call(diagonal_step, where, Ab.clone(), Bb.clone(), C.clone(), D.clone(), u_t.clone(), x.clone()), where, "(y, new state)")
        want_x = Ab * x + Bb * u_t[..., None]
        want_y = 2 * (C * want_x).sum(-1).real + D * u_t
        got_x = _tensor(x_raw, where, (batch, H, n), "the new state (complex, like x)", complex_ok=True)
        if not _close(got_x, want_x, 1e-10):
            why = " (did you multiply by Ā elementwise? A is diagonal, so Ā x is Ab * x)"
            if _close(got_x, Ab * x + Bb * u_t[..., None].to(CT), 1e-10):
                why = ""
            raise ExerciseFailure(
                f"{where} your new state starts {_vec(got_x)}, expected Ā x + B̄ u = {_vec(want_x)} "
                f"(max error {_num(_max_err(got_x, want_x))}){why}"
            )
        got_y = _tensor(y_raw, where, (batch, H), "the output y (real, one number per channel)")
        if not _close(got_y, want_y, 1e-10):
            why = ""
            old = 2 * (C * x).sum(-1).real + D * u_t
            if _close(got_y, old, 1e-10):
                why = ": you read out the old state; y is read from the state after adding B̄ u"
            elif _close(got_y, (C * want_x).sum(-1).real + D * u_t, 1e-10):
                why = ": the stored modes are one of each conjugate pair, so y = 2 Re Σ C x (the factor 2 is missing)"
            elif _close(got_y, 2 * (C * want_x).sum(-1).real, 1e-10):
                why = ": the skip term D u is missing"
            raise ExerciseFailure(f"{where} you returned y = {_vec(got_y)}, expected {_vec(want_y)}{why}")
        # a whole sequence from the zero state equals the convolution mode
        u = torch.randn(batch, L, H, generator=g, dtype=DT)
        K = s4d_kernel(Lam, B, C, dt, L, method)
        want = fft_conv(u.transpose(1, 2), K).transpose(1, 2) + D * u
        state = torch.zeros(batch, H, n, dtype=CT)
        ys = []
        for t in range(L):
            where = f"{desc}, step {t} of a sequence of length {L} from the zero state"
            y_raw, x_raw = _pair(_call(diagonal_step, where, Ab, Bb, C, D, u[:, t].clone(), state), where, "(y, new state)")
            ys.append(_tensor(y_raw, where, (batch, H), "the output y"))
            state = _tensor(x_raw, where, (batch, H, n), "the new state", complex_ok=True)
        got = torch.stack(ys, 1)
        if not _close(got, want, 1e-9):
            t = next(i for i in range(L) if not _close(got[:, i], want[:, i], 1e-9))
            raise ExerciseFailure(
                f"{desc}, over a sequence of length {L} your outputs differ from the convolution mode from step {t} on "
                f"(max error {_num(_max_err(got, want))})"
            )
    return f"all {len(cases)} systems: one step right, and step mode = convolution mode"
