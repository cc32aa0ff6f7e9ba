"""Checkers for the Chapter 5 exercises (``exercises/05_equivariance_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on seeded random
inputs in float64 — sets of numbers, representations of S3, C4, C6 and D4 (one of them
deliberately not orthogonal), images, small ReLU networks and attention weights — and
compares the answer with a reference computation and with the property the exercise is
about (invariance, equivariance, an unchanged function). It returns a
:class:`~grouptools.exercises.Feedback` that names the first input where the answer is
wrong, what came back and why; it never raises.

Explained in Chapter 5 exercises, *How the checks work*.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F

from ..formatting import fmt_list
from ..irreps import irreps
from ..named import cyclic, dihedral, symmetric
from ..representations import permutation_representation, regular_representation
from ._feedback import ExerciseFailure, _call, checker
from ._tensors import _num, _shown, _tensor, _vec

__all__ = [
    "check_symmetrize",
    "check_reynolds_project",
    "check_lift",
    "check_permute_and_scale",
    "check_commutes_with_relu",
    "check_qk_transform",
]

DT = torch.float64


# ---------------------------------------------------------------------- helpers
# ---------------------------------------------------------------------- 5.1
def _set_functions() -> list[tuple[str, Callable[[torch.Tensor], torch.Tensor], int]]:
    return [
        ("f(x) = x[0]", lambda x: x[..., 0], 3),
        ("f(x) = x[0]·x[1]", lambda x: x[..., 0] * x[..., 1], 4),
        ("f(x) = x[0] − 2·x[2]", lambda x: x[..., 0] - 2 * x[..., 2], 4),
        ("f(x) = x[0]·x[2]²", lambda x: x[..., 0] * x[..., 2] ** 2, 3),
        ("f(x) = sum(x) (already invariant)", lambda x: x.sum(-1), 4),
        ("f(x) = max(x[0], x[1]) + x[3]", lambda x: torch.maximum(x[..., 0], x[..., 1]) + x[..., 3], 4),
    ]


def _reference_symmetrize(f: Callable[[torch.Tensor], torch.Tensor], n: int, x: torch.Tensor) -> torch.Tensor:
    perms = list(itertools.permutations(range(n)))
    return sum(f(x[..., list(p)]) for p in perms) / len(perms)


@checker("Exercise 5.1")
def check_symmetrize(symmetrize: Callable[[Callable, int], Any]) -> str:
    """Check ``symmetrize(f, n)``: the function x ↦ (1/n!) Σ_σ f(x permuted by σ) on vectors of length n.

    Explained in Chapter 5 exercises, *Exercise 5.1 · Averaging over S_n*.
    """
    gen = torch.Generator().manual_seed(51)
    cases = _set_functions()
    for name, f, n in cases:
        where = f"for {name} with n = {n}"
        g = _call(symmetrize, where, f, n)
        if not callable(g):
            raise ExerciseFailure(f"{where} you returned {_shown(g)}; return a function (the symmetrised f)")
        x = torch.randn(n, generator=gen, dtype=DT)
        want = _reference_symmetrize(f, n, x)
        got = _tensor(_call(g, f"{where}, calling your function on x = {_vec(x)}", x), where, (), "one number")
        if not torch.allclose(got, want, atol=1e-9, rtol=1e-9):
            y = x[torch.randperm(n, generator=gen)]
            gy = _call(g, where, y)
            hint = ""
            try:
                if not torch.allclose(torch.as_tensor(gy, dtype=DT), got, atol=1e-9):
                    hint = f"; it is not even invariant: on the permuted input {_vec(y)} it gives {_num(float(gy))}"
            except (TypeError, ValueError, RuntimeError):
                pass
            raise ExerciseFailure(
                f"{where}, on x = {_vec(x)} your symmetrised function gives {_num(float(got))}, "
                f"expected the average over all {len(list(itertools.permutations(range(n))))} permutations, {_num(float(want))}{hint}"
            )
    return f"all {len(cases)} functions symmetrised correctly"


# ---------------------------------------------------------------------- 5.2
def _rep_cases() -> list[tuple[str, np.ndarray]]:
    S3, C4, D4 = symmetric(3), cyclic(4), dihedral(4)
    # a non-orthogonal real 2-dimensional representation of C6 (rotation by 60° in a skewed basis)
    c, s = np.cos(np.pi / 3), np.sin(np.pi / 3)
    R = np.array([[c, -s], [s, c]])
    P = np.array([[1.0, 0.7], [0.0, 2.0]])
    skew = np.array([P @ np.linalg.matrix_power(R, k) @ np.linalg.inv(P) for k in range(6)])
    two = irreps(D4)[-1]
    return [
        ("the permutation representation of S3 on 3 points", permutation_representation(S3).matrices.real),
        ("the regular representation of C4", regular_representation(C4).matrices.real),
        ("a 2-dimensional representation of C6 that is not orthogonal (ρ(g)ᵀ ≠ ρ(g)⁻¹)", skew),
        ("the 2-dimensional irrep of D4 plus the trivial one", np.array([np.block([[m.real, np.zeros((2, 1))], [np.zeros((1, 2)), np.ones((1, 1))]]) for m in two.matrices])),
        ("the regular representation of S3", regular_representation(S3).matrices.real),
    ]


@checker("Exercise 5.2")
def check_reynolds_project(reynolds_project: Callable[[np.ndarray, list], Any]) -> str:
    """Check ``reynolds_project(W, mats)``: (1/|G|) Σ_g ρ(g)⁻¹ W ρ(g) for the list ``mats`` of all ρ(g).

    Explained in Chapter 5 exercises, *Exercise 5.2 · The Reynolds projection*.
    """
    rng = np.random.default_rng(52)
    cases = _rep_cases()
    for what, mats in cases:
        d = mats.shape[1]
        W = np.round(rng.normal(size=(d, d)), 2)
        where = f"for {what} and W = {fmt_list(W, 2) if d <= 3 else f'a random {d}×{d} matrix'}"
        want = sum(np.linalg.inv(m) @ W @ m for m in mats) / len(mats)
        got = _call(reynolds_project, where, W.copy(), [m.copy() for m in mats])
        T = _tensor(got, where, (d, d), f"a {d}×{d} matrix").numpy()
        if np.allclose(T, want, atol=1e-8):
            continue
        bad = next((k for k, m in enumerate(mats) if not np.allclose(T @ m, m @ T, atol=1e-8)), None)
        why = (
            f"it does not commute with ρ(g) for the element number {bad} in the list, so it is not equivariant"
            if bad is not None
            else "it commutes with every ρ(g) but is not the average (did you divide by |G|, and average over every element?)"
        )
        raise ExerciseFailure(
            f"{where} you returned {fmt_list(T, 3) if d <= 3 else f'a matrix {fmt_list(T[0], 3)}… (first row)'}; "
            f"{why}; expected {fmt_list(want, 3) if d <= 3 else f'first row {fmt_list(want[0], 3)}'}"
        )
    return f"all {len(cases)} projections correct, including a non-orthogonal representation"


# ---------------------------------------------------------------------- 5.3
def _reference_lift(x: torch.Tensor, psi: torch.Tensor) -> torch.Tensor:
    k = psi.shape[-1]
    w = torch.stack([torch.rot90(psi, r, (0, 1)) for r in range(4)])[:, None]
    return F.conv2d(x[None, None], w, padding=k // 2)[0]


def _lift_hint(x: torch.Tensor, psi: torch.Tensor, got: torch.Tensor, want: torch.Tensor, r: int) -> str:
    """Which slip produces exactly this channel, as far as the checker can tell."""
    k = psi.shape[-1]

    def same(other: torch.Tensor) -> bool:
        return torch.allclose(got[r], other, atol=1e-9)

    if r and same(want[(-r) % 4]):
        return " — it is the channel for the opposite turn: rotate ψ by r quarter turns with torch.rot90(psi, r)"
    if r and same(want[0]):
        return " — it equals channel 0: did you forget to rotate the filter?"
    if same(_reference_lift(x, psi.flip(0, 1))[r]):
        return " — it is a true convolution (ψ flipped): F.conv2d computes a correlation, which is what the exercise asks for"
    turn = next((s for s in range(4) if s != r and same(want[s])), None)
    if turn is not None:
        return f" — it is the channel for {turn} quarter turn{'s' if turn != 1 else ''}: channel r uses torch.rot90(psi, r), r = 0, 1, 2, 3"
    if same(F.conv2d(torch.rot90(x, r, (0, 1))[None, None], psi[None, None], padding=k // 2)[0, 0]):
        return " — you turned the image, not the filter: channel r correlates x with torch.rot90(psi, r)"
    if same(F.conv2d(F.pad(x[None, None], (k // 2,) * 4, mode="circular"), torch.rot90(psi, r, (0, 1))[None, None])[0, 0]):
        return " — you padded circularly: 'same' padding pads with zeros, F.conv2d(…, padding=k // 2)"
    return ""


@checker("Exercise 5.3")
def check_lift(lift: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``lift(x, psi)``: the (4, H, H) stack of conv2d(x, rot90(ψ, k)), k = 0..3, with 'same' padding.

    Explained in Chapter 5 exercises, *Exercise 5.3 · A lifting convolution*.
    """
    gen = torch.Generator().manual_seed(53)
    cases = [(5, 3), (8, 3), (7, 1), (9, 5)]
    for size, k in cases:
        x = torch.randn(size, size, generator=gen, dtype=DT)
        psi = torch.randn(k, k, generator=gen, dtype=DT)
        where = f"for a random {size}×{size} image and a random {k}×{k} filter"
        want = _reference_lift(x, psi)
        got = _tensor(_call(lift, where, x.clone(), psi.clone()), where, (4, size, size), "the 4 orientation channels")
        if torch.allclose(got, want, atol=1e-9):
            continue
        for r in range(4):
            if not torch.allclose(got[r], want[r], atol=1e-9):
                raise ExerciseFailure(f"{where}, channel {r} of your output is wrong{_lift_hint(x, psi, got, want, r)}")
    # the property that matters: rotating the image rotates and shifts the channels
    x = torch.randn(6, 6, generator=gen, dtype=DT)
    psi = torch.randn(3, 3, generator=gen, dtype=DT)
    out = _tensor(_call(lift, "for the equivariance test", x, psi), "for the equivariance test", (4, 6, 6), "4 channels")
    out_r = _tensor(_call(lift, "for the equivariance test", torch.rot90(x, 1, (0, 1)), psi), "for the equivariance test", (4, 6, 6), "4 channels")
    if not torch.allclose(out_r, torch.roll(torch.rot90(out, 1, (1, 2)), 1, 0), atol=1e-9):
        raise ExerciseFailure("for the equivariance test, lifting the turned image is not the turned and shifted lift")
    return f"all {len(cases)} lifts correct, and equivariant"


# ---------------------------------------------------------------------- 5.4
def _mlp_case(seed: int, d_in: int, h: int, d_out: int):
    g = torch.Generator().manual_seed(seed)
    W1 = torch.randn(h, d_in, generator=g, dtype=DT)
    b1 = torch.randn(h, generator=g, dtype=DT)
    W2 = torch.randn(d_out, h, generator=g, dtype=DT)
    perm = torch.randperm(h, generator=g).tolist()
    scale = (0.3 + 2 * torch.rand(h, generator=g, dtype=DT))
    return W1, b1, W2, perm, scale, g


def _mlp(W1: torch.Tensor, b1: torch.Tensor, W2: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    return torch.relu(x @ W1.T + b1) @ W2.T


@checker("Exercise 5.4")
def check_permute_and_scale(permute_and_scale: Callable[..., Any]) -> str:
    """Check ``permute_and_scale(W1, b1, W2, perm, scale)``: unit i moves to slot perm[i], is scaled by scale[i], and W2 compensates.

    Explained in Chapter 5 exercises, *Exercise 5.4 · Moving hidden units*.
    """
    cases = [(0, 2, 3, 1), (1, 3, 5, 2), (2, 4, 6, 3), (3, 1, 4, 2)]
    for seed, d_in, h, d_out in cases:
        W1, b1, W2, perm, scale, g = _mlp_case(seed, d_in, h, d_out)
        where = f"for a network with {d_in} inputs, {h} hidden units and {d_out} outputs, perm = {perm}, scale = {_vec(scale)}"
        got = _call(permute_and_scale, where, W1.clone(), b1.clone(), W2.clone(), list(perm), scale.clone())
        if not isinstance(got, (tuple, list)) or len(got) != 3:
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return a tuple (W1, b1, W2)")
        V1 = _tensor(got[0], where, (h, d_in), "the new W1")
        c1 = _tensor(got[1], where, (h,), "the new b1")
        V2 = _tensor(got[2], where, (d_out, h), "the new W2")
        x = torch.randn(50, d_in, generator=g, dtype=DT)
        dev = float((_mlp(V1, c1, V2, x) - _mlp(W1, b1, W2, x)).abs().max())
        if dev > 1e-9:
            raise ExerciseFailure(
                f"{where} the new parameters compute a different function (max deviation {_num(dev)} on random inputs): "
                "W2 must undo the permutation and the scaling of W1 and b1"
            )
        p = torch.tensor(perm)
        want1 = torch.empty_like(W1)
        want1[p] = W1 * scale[:, None]
        if not torch.allclose(V1, want1, atol=1e-9):
            unscaled = torch.empty_like(W1)
            unscaled[p] = W1
            hint = ""
            if torch.allclose(V1, unscaled, atol=1e-9):
                hint = "; your units are in the right slots but not scaled"
            elif torch.allclose(V1, W1[p] * scale[p][:, None], atol=1e-9) or torch.allclose(V1, W1[p] * scale[:, None], atol=1e-9):
                hint = "; you moved unit perm[i] to slot i, the inverse permutation"
            raise ExerciseFailure(
                f"{where} the function is unchanged, but hidden units are not where the exercise asks: "
                f"row perm[i] of the new W1 must be scale[i] times row i of W1 (row 0 goes to row {perm[0]}){hint}"
            )
    return f"all {len(cases)} transformations correct; the networks compute the same function"


# ---------------------------------------------------------------------- 5.5
def _matrix_cases() -> list[tuple[str, torch.Tensor, bool]]:
    t = lambda rows: torch.tensor(rows, dtype=DT)  # noqa: E731
    return [
        ("the identity", torch.eye(3, dtype=DT), True),
        ("a permutation matrix", t([[0, 1, 0], [0, 0, 1], [1, 0, 0]]), True),
        ("a positive diagonal matrix", t([[2.0, 0], [0, 0.5]]), True),
        ("a positive scaled permutation", t([[0, 0, 3.0], [0.1, 0, 0], [0, 7.0, 0]]), True),
        ("a diagonal matrix with a negative entry", t([[1.0, 0], [0, -1.0]]), False),
        ("a rotation by 90°", t([[0, -1.0], [1.0, 0]]), False),
        ("a non-negative upper-triangular matrix", t([[1.0, 1.0], [0, 1.0]]), False),
        ("a singular matrix with one positive entry per row", t([[1.0, 0], [1.0, 0]]), False),
        ("the zero matrix", torch.zeros(2, 2, dtype=DT), False),
        ("minus a permutation matrix", t([[0, -1.0], [-1.0, 0]]), False),
        ("a positive diagonal matrix with a tiny entry", t([[1e-3, 0], [0, 5.0]]), True),
        ("an upper-triangular matrix with a tiny off-diagonal entry", t([[1.0, 1e-9], [0, 1.0]]), False),
    ]


@checker("Exercise 5.5")
def check_commutes_with_relu(commutes_with_relu: Callable[[torch.Tensor], Any]) -> str:
    """Check ``commutes_with_relu(M)``: True exactly when M is a positive monomial (scaled permutation) matrix.

    Explained in Chapter 5 exercises, *Exercise 5.5 · Which matrices commute with ReLU?*.
    """
    cases = _matrix_cases()
    for name, M, want in cases:
        where = f"for {name} {M.tolist()}"
        got = _call(commutes_with_relu, where, M.clone())
        if not isinstance(got, (bool, np.bool_)) and not (isinstance(got, torch.Tensor) and got.dtype == torch.bool and got.numel() == 1):
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return True or False")
        got = bool(got)
        if got != want:
            if want:
                why = "it is a positive monomial matrix, so ReLU(Mz) = M ReLU(z) for every z"
            else:
                z = _relu_witness(M)
                why = (
                    f"ReLU(Mz) ≠ M ReLU(z) for z = {z.tolist()}"
                    if z is not None
                    else "it is not invertible, so it does not act on parameters at all"
                )
                if z is not None:
                    gap = float((torch.relu(M @ z) - M @ torch.relu(z)).abs().max())
                    if gap < 1e-6:
                        why += (
                            f" (they differ by only {gap:.1g}: a tolerance such as torch.allclose's misses it; "
                            "count the non-zero entries exactly)"
                        )
            raise ExerciseFailure(f"{where} you returned {got}, expected {want}: {why}")
    return f"all {len(cases)} matrices classified correctly"


def _relu_witness(M: torch.Tensor) -> torch.Tensor | None:
    if abs(float(torch.linalg.det(M))) < 1e-12:
        return None
    n = M.shape[0]
    for signs in itertools.product([-1.0, 1.0, 2.0], repeat=n):
        z = torch.tensor(signs, dtype=DT)
        if not torch.equal(torch.relu(M @ z), M @ torch.relu(z)):  # exactly: a tiny entry makes a tiny difference
            return z
    return None


# ---------------------------------------------------------------------- 5.6
@checker("Exercise 5.6")
def check_qk_transform(qk_transform: Callable[[torch.Tensor, torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``qk_transform(W_Q, W_K, M)``: (W_Q M, W_K M⁻ᵀ), which leaves every score Q Kᵀ unchanged.

    Explained in Chapter 5 exercises, *Exercise 5.6 · A symmetry of attention scores*.
    """
    gen = torch.Generator().manual_seed(56)
    cases = [(4, 2), (6, 3), (8, 4), (5, 5)]
    for d_model, d_head in cases:
        WQ = torch.randn(d_model, d_head, generator=gen, dtype=DT)
        WK = torch.randn(d_model, d_head, generator=gen, dtype=DT)
        M = torch.randn(d_head, d_head, generator=gen, dtype=DT) + 2 * torch.eye(d_head, dtype=DT)
        where = f"for d_model = {d_model}, d_head = {d_head} and a random invertible, non-symmetric M"
        got = _call(qk_transform, where, WQ.clone(), WK.clone(), M.clone())
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return a pair (new W_Q, new W_K)")
        Q2 = _tensor(got[0], where, (d_model, d_head), "the new W_Q")
        K2 = _tensor(got[1], where, (d_model, d_head), "the new W_K")
        X = torch.randn(7, d_model, generator=gen, dtype=DT)
        scores, new = (X @ WQ) @ (X @ WK).T, (X @ Q2) @ (X @ K2).T
        if not torch.allclose(new, scores, atol=1e-8):
            dev = float((new - scores).abs().max())
            raise ExerciseFailure(
                f"{where} the scores (X W_Q)(X W_K)ᵀ change by up to {_num(dev)}: "
                "(W_Q M)(W_K N)ᵀ = W_Q M Nᵀ W_Kᵀ, so N must satisfy M Nᵀ = I"
            )
        if not torch.allclose(Q2, WQ @ M, atol=1e-9):
            raise ExerciseFailure(f"{where} the scores are unchanged, but the new W_Q is not W_Q M")
    return f"all {len(cases)} transformations correct; every score unchanged"
