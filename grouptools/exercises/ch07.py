"""Checkers for the Chapter 7 exercises (``exercises/07_continuous_groups_exercises.ipynb``).

Each ``check_…`` function takes the learner's function and runs it on seeded inputs in
float64 (complex128 where the group is unitary): matrices in and out of SO(n), curves in
SO(3), SL(2), SE(2) and U(2) whose velocity at the identity the checker knows exactly,
pairs of matrices for the Baker–Campbell–Hausdorff series, samples of random rotations,
circular-harmonic filters, point-cloud layers with and without SO(3) symmetry, and bilinear
forms η whose symmetry groups (O(n), O(p, q), Sp(2m), and less familiar ones) have a Lie
algebra of known dimension. It compares each answer with the chapter's own
:mod:`grouptools.lie` and :mod:`grouptools.nn.steerable`, with exact values (the
derivative of a curve it built, a null space computed in exact rational arithmetic by
sympy) or with a law the answer must obey (the Haar measure's distribution of angles,
steerability, equivariance). It returns a :class:`~grouptools.exercises.Feedback` that
names the first input where the answer is wrong, what came back and, where it can tell,
which mistake produces exactly that answer; it never raises. Random inputs come from local
``torch.Generator`` objects: the learner's random state is not touched.

Explained in Chapter 7 exercises, *How the checks work*.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy
import torch

from .. import lie
from ..formatting import fmt, fmt_error, fmt_list
from ..nn.steerable import circular_harmonic, pixel_polar
from ._feedback import ExerciseFailure, _call, checker
from ._tensors import _num, _shown, _tensor

__all__ = [
    "check_is_rotation",
    "check_tangent",
    "check_bch3",
    "check_haar_rotations",
    "check_harmonic_filter",
    "check_breaking_rotation",
    "check_lie_algebra_basis",
]

DT = torch.float64
CT = torch.complex128


# ---------------------------------------------------------------------- helpers
def _t(rows: Any) -> torch.Tensor:
    return torch.tensor(rows, dtype=DT)


def _unit(v: Any) -> torch.Tensor:
    v = torch.as_tensor(v, dtype=DT)
    return v / v.norm()


def _mat(M: torch.Tensor, digits: int = 4) -> str:
    """A small matrix as a nested list of rounded numbers; a large one by its shape."""
    return fmt_list(M, digits) if M.numel() <= 16 else f"a {'×'.join(map(str, M.shape))} matrix"


def _gap(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a - b).abs().max()) if a.numel() else 0.0


def _bool(value: Any, where: str) -> bool:
    """True or False from a Python, NumPy or one-element torch boolean, or a clear failure."""
    if isinstance(value, torch.Tensor) and value.dtype == torch.bool and value.numel() == 1:
        return bool(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ExerciseFailure(f"{where} you returned {_shown(value)}; return True or False")


# ---------------------------------------------------------------------- 7.1
def _rotation_cases() -> list[tuple[str, torch.Tensor]]:
    gen = torch.Generator().manual_seed(71)
    R3 = lie.rotation_matrix(_t([0.0, 0.6, 0.8]), 1.0)
    R2 = lie.random_rotation(2, generator=gen)
    R4 = lie.random_rotation(4, generator=gen)
    R5 = lie.random_rotation(5, generator=gen)
    noisy = lie.random_rotation(3, generator=gen) + 1e-12 * torch.randn(3, 3, generator=gen, dtype=DT)
    a = 1.2
    n = _unit([1.0, 2.0, 2.0])
    swapped = torch.eye(4, dtype=DT)[[1, 0, 2, 3]]
    return [
        ("the rotation by 1 rad about (0, 0.6, 0.8)", R3),
        ("a random rotation of the plane", R2),
        ("the 1×1 matrix [[1]], the only element of SO(1)", torch.ones(1, 1, dtype=DT)),
        ("a random rotation in SO(4), not block-diagonal", R4),
        ("a random rotation in SO(5)", R5),
        ("a rotation in SO(3) plus rounding noise of size 1e-12", noisy),
        ("−I₄, minus the 4×4 identity", -torch.eye(4, dtype=DT)),
        ("a 2×2 matrix with unit columns at an angle of 1.2 rad", _t([[1.0, math.cos(a)], [0.0, math.sin(a)]])),
        ("a shear of space (det 1)", _t([[1.0, 0.5, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
        ("the reflection diag(1, −1) of the plane", _t([[1.0, 0.0], [0.0, -1.0]])),
        ("the reflection I − 2nnᵀ of space in the plane ⟂ n = (1, 2, 2)/3", torch.eye(3, dtype=DT) - 2 * torch.outer(n, n)),
        ("−I₃, minus the 3×3 identity", -torch.eye(3, dtype=DT)),
        ("the 1×1 matrix [[−1]]", -torch.ones(1, 1, dtype=DT)),
        ("2·R for a rotation R of the plane (perpendicular columns of length 2)", 2 * R2),
        ("2·I₃", 2 * torch.eye(3, dtype=DT)),
        ("I₄ with rows 0 and 1 swapped", swapped),
        ("a 2×3 matrix with orthonormal rows", _t([[1.0, 0.0, 0.0], [0.0, 0.6, 0.8]])),
    ]


def _not_rotation_reason(M: torch.Tensor) -> str | None:
    """Why M is not in SO(n) (tolerance 1e-8), or None when it is."""
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return f"it is not square (shape {tuple(M.shape)}), and SO(n) consists of n×n matrices"
    try:
        lie.check_group_element(M, "SO", tol=1e-8)
    except ValueError as err:
        n = M.shape[0]
        if "not orthogonal" in str(err):
            norms = M.norm(dim=0)
            gram = M.T @ M
            off = gram - torch.diag(torch.diagonal(gram))
            gap = _num(_gap(gram, torch.eye(n, dtype=DT)))
            if torch.allclose(norms, torch.ones(n, dtype=DT), atol=1e-8):
                return f"its columns are unit vectors but not perpendicular: MᵀM − I has entries up to {gap}"
            if float(off.abs().max()) <= 1e-8:
                return f"its columns are perpendicular but of lengths {fmt_list(norms, 4)}, not 1"
            return f"det M = {_num(float(torch.linalg.det(M)))}, but MᵀM ≠ I: max |MᵀM − I| = {gap}"
        return f"MᵀM = I, but det M = {_num(float(torch.linalg.det(M)))}: {str(err).split(': ', 1)[-1]}"
    return None


@checker("Exercise 7.1")
def check_is_rotation(is_rotation: Callable[[torch.Tensor], Any]) -> str:
    """Check ``is_rotation(M)``: True exactly when M is in SO(n), MᵀM = I and det M = 1 to 1e-8 (False if not square).

    Explained in Chapter 7 exercises, *Exercise 7.1 · Is it a rotation?*.
    """
    cases = _rotation_cases()
    for what, M in cases:
        where = f"for {what}" + (f", M = {_mat(M)}" if M.numel() <= 9 else "")
        reason = _not_rotation_reason(M)
        try:
            got = _bool(_call(is_rotation, where, M.clone()), where)
        except ExerciseFailure as err:
            if M.ndim == 2 and M.shape[0] != M.shape[1] and "your code raised" in str(err):
                raise ExerciseFailure(f"{err} — a matrix that is not square is in no SO(n): return False") from None
            raise
        if got and reason is not None:
            raise ExerciseFailure(f"{where} you returned True, but M is not a rotation: {reason}")
        if not got and reason is None:
            n = M.shape[0]
            err = fmt_error(_gap(M.T @ M, torch.eye(n, dtype=DT)), relation=True)
            det = float(torch.linalg.det(M))
            hint = ""
            if torch.allclose(M, -torch.eye(n, dtype=DT)):
                hint = f": det(−I) = (−1)^{n} = 1, so −I is the rotation by π in {n // 2} perpendicular planes"
            elif not torch.equal(M.T @ M, torch.eye(n, dtype=DT)):
                hint = ": in floating point MᵀM equals I only up to rounding, so compare with a tolerance (torch.allclose)"
            raise ExerciseFailure(
                f"{where} you returned False, but M is in SO({n}): max |MᵀM − I| {err} and det M = {_num(det)}{hint}"
            )
    return f"all {len(cases)} matrices judged correctly, from SO(1) to SO(5)"


# ---------------------------------------------------------------------- 7.2
class _Curve:
    """A curve t ↦ γ(t) through the identity, with its exact velocity A = γ′(0) and acceleration γ″(0)."""

    def __init__(self, what: str, gamma: Callable[[torch.Tensor], torch.Tensor], velocity: torch.Tensor,
                 acceleration: torch.Tensor, subgroup: bool) -> None:
        self.what, self.gamma, self.subgroup = what, gamma, subgroup
        self.velocity, self.acceleration = velocity, acceleration

    def __call__(self, t: Any) -> torch.Tensor:
        if not isinstance(t, torch.Tensor):
            t = torch.tensor(float(t), dtype=DT)
        return self.gamma(t)

    def function(self) -> Callable[[Any], torch.Tensor]:
        """The curve as a plain function of t (what the learner gets: no attribute gives the answer away)."""
        gamma = self.gamma

        def curve(t: Any) -> torch.Tensor:
            return gamma(t if isinstance(t, torch.Tensor) else torch.tensor(float(t), dtype=DT))

        return curve


def _one_parameter(what: str, A: torch.Tensor) -> _Curve:
    return _Curve(what, lambda t: lie.expm(t * A), A, A @ A, True)


def _curves() -> list[_Curve]:
    so3 = lie.hat(_t([0.3, -0.5, 0.8]))
    sl2 = _t([[0.5, 1.2], [-0.7, -0.5]])
    se2 = _t([[0.0, -0.8, 1.5], [0.8, 0.0, -0.4], [0.0, 0.0, 0.0]])
    u2 = torch.tensor([[0.6j, -0.3 + 0.8j], [0.3 + 0.8j, -0.2j]], dtype=CT)
    ex = _t([1.0, 0.0, 0.0])

    def moving_axis(t: torch.Tensor) -> torch.Tensor:
        axis = torch.stack([torch.cos(3 * t), torch.sin(3 * t), torch.zeros_like(t)])
        return lie.rotation_matrix(axis, t)

    K = lie.hat(ex)
    A6, B6 = lie.hat(_t([0.2, 0.4, -0.1])), lie.hat(_t([0.0, 0.6, 0.8]))
    fast = 10 * lie.hat(_unit([2.0, -1.0, 2.0]))
    return [
        _one_parameter("the one-parameter subgroup t ↦ exp(t·hat(0.3, −0.5, 0.8)) of SO(3)", so3),
        _one_parameter("the one-parameter subgroup t ↦ exp(tS) of SL(2), S = [[0.5, 1.2], [−0.7, −0.5]]", sl2),
        _one_parameter("a one-parameter subgroup of SE(2), rigid motions of the plane as 3×3 homogeneous matrices", se2),
        _one_parameter(
            "the one-parameter subgroup t ↦ exp(tU) of U(2), U = [[0.6i, −0.3+0.8i], [0.3+0.8i, −0.2i]] (complex)", u2
        ),
        _one_parameter("the fast rotation t ↦ exp(10t·hat(n)) about n = (2, −1, 2)/3 (10 radians per unit of t)", fast),
        _Curve(
            "the curve t ↦ rotation_matrix((cos 3t, sin 3t, 0), t) of SO(3), whose axis turns as it rotates",
            moving_axis, K, 2 * lie.hat(_t([0.0, 3.0, 0.0])) + K @ K, False,
        ),
        _Curve(
            "the curve t ↦ exp(tA) exp(50t²B) of SO(3), A = hat(0.2, 0.4, −0.1), B = hat(0, 0.6, 0.8), "
            "which bends sharply at I",
            lambda t: lie.expm(t * A6) @ lie.expm(50 * t**2 * B6), A6, A6 @ A6 + 100 * B6, False,
        ),
    ]


def _tangent_diagnosis(curve: _Curve, got: torch.Tensor) -> str:
    """Which slip gives exactly this answer, as far as the checker can tell."""
    A, acc = curve.velocity, curve.acceleration
    n = A.shape[0]
    E = got - A
    for step in (1.0, 0.5, 0.1, 0.01, 1e-3):
        try:
            log = lie.logm(curve(step)) / step
        except ValueError:
            continue
        if _gap(got, log) <= 1e-6 * max(1.0, float(log.abs().max())):
            quoted = "log(curve(1))" if step == 1 else f"log(curve(s))/s for s = {step:g}"
            if curve.subgroup:
                return (
                    f"your answer equals {quoted}, with the principal logarithm, which for this fast curve lands on "
                    "another branch: log inverts exp only near I (for rotations, angles below π)"
                )
            return (
                f"your answer equals {quoted}: that is the velocity only for a one-parameter subgroup exp(tA), "
                "and this curve is not one"
            )
    c = complex(torch.trace(E)) / n
    if abs(c) > 1.0 and _gap(E, c * torch.eye(n, dtype=E.dtype)) <= 1e-2 * abs(c):
        return f"it is off by about {_num(abs(c))}·I: did you forget to subtract curve(0) = I before dividing by h?"
    denominator = float((acc.abs() ** 2).sum())
    if denominator > 0:
        s = complex((acc.conj() * E).sum()) / denominator
        if abs(s.imag) <= 1e-3 * abs(s) and abs(s) > 0 and _gap(E, s.real * acc) <= 0.05 * float(E.abs().max()):
            side = "forward" if s.real > 0 else "backward"
            return (
                f"the error is {s.real:.1g}·γ″(0), the mark of a one-sided ({side}) difference with "
                f"h ≈ {2 * abs(s.real):.1g}, whose error is h·γ″(0)/2: the central difference "
                "(curve(h) − curve(−h))/(2h) cancels that term"
            )
    return (
        "a difference quotient with step h makes a truncation error (∝ h, or ∝ h² for the central difference) "
        "and a rounding error (∝ 1e-16/h): a step that is too large or too small fails"
    )


@checker("Exercise 7.2")
def check_tangent(tangent: Callable[[Callable[[float], torch.Tensor]], Any]) -> str:
    """Check ``tangent(curve)``: the velocity γ′(0) of a curve with γ(0) = I, to 1e-6 relative to max(1, max |γ′(0)|).

    Explained in Chapter 7 exercises, *Exercise 7.2 · The tangent at the identity*.
    """
    curves = _curves()
    for curve in curves:
        A = curve.velocity
        n = A.shape[0]
        where = f"for {curve.what}"
        answer = _call(tangent, where, curve.function())
        got = _tensor(answer, where, (n, n), f"the {n}×{n} velocity matrix", complex_ok=A.is_complex())
        err = _gap(got, A)
        tol = 1e-6 * max(1.0, float(A.abs().max()))
        if err > tol:
            i, j = divmod(int((got - A).abs().argmax()), n)
            shown = f"you returned {_mat(got)}, the exact velocity is {_mat(A)}; " if err > 1e-2 else ""
            raise ExerciseFailure(
                f"{where} your velocity is off by up to {fmt_error(err)} (tolerance {fmt_error(tol)}): {shown}"
                f"entry [{i}, {j}] is {fmt(complex(got[i, j]), 8, trim=True)}, the exact value "
                f"{fmt(complex(A[i, j]), 8, trim=True)}; "
                f"{_tangent_diagnosis(curve, got)}"
            )
    return f"all {len(curves)} velocities correct to 1e-6, including two curves that are not one-parameter subgroups"


# ---------------------------------------------------------------------- 7.3
def _bch_variants(A: torch.Tensor, B: torch.Tensor) -> list[tuple[torch.Tensor, str]]:
    """Answers that typical slips produce, each with the slip."""
    AB = lie.commutator(A, B)
    third = (lie.commutator(A, AB) + lie.commutator(B, lie.commutator(B, A))) / 12
    return [
        (lie.bch(A, B, 1), "you returned A + B: that is log(eᴬeᴮ) only when A and B commute"),
        (lie.bch(A, B, 2),
         "you stopped at second order: the third-order terms (1/12)([A, [A, B]] + [B, [B, A]]) are missing"),
        (A + B - AB / 2 + third, "the second-order term has the wrong sign: it is +½[A, B] = ½(AB − BA)"),
        (A + B + AB / 2 + (lie.commutator(A, AB) - lie.commutator(B, lie.commutator(B, A))) / 12,
         "the sign of the last term is wrong: it is +[B, [B, A]] (note the order B, A), which equals −[B, [A, B]]"),
        (A + B + AB / 2 + 2 * third, "the third-order coefficient is 1/12, not 1/6"),
        (A + B + AB / 2 - third, "the third-order terms have the wrong sign: +(1/12)([A, [A, B]] + [B, [B, A]])"),
    ]


def _bch_slope(bch3: Callable, A: torch.Tensor, B: torch.Tensor, where: str) -> float:
    """The exponent p in ‖log(e^{tA}e^{tB}) − bch3(tA, tB)‖ ∝ tᵖ, fitted over t from 0.01 to 0.08."""
    ts = [0.01, 0.02, 0.04, 0.08]
    errs = []
    for t in ts:
        exact = lie.logm(lie.expm(t * A) @ lie.expm(t * B))
        got = _tensor(_call(bch3, where, (t * A).clone(), (t * B).clone()), where, tuple(A.shape), "a matrix")
        errs.append(max(_gap(got, exact), 1e-300))
    return float(np.polyfit(np.log(ts), np.log(errs), 1)[0])


@checker("Exercise 7.3")
def check_bch3(bch3: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``bch3(A, B)`` = A + B + ½[A, B] + (1/12)([A, [A, B]] + [B, [B, A]]), against :func:`grouptools.lie.bch`.

    Explained in Chapter 7 exercises, *Exercise 7.3 · Baker–Campbell–Hausdorff to third order*.
    """
    gen = torch.Generator().manual_seed(73)
    D = torch.diag(_t([0.5, -1.0, 2.0]))
    P = _t([[1.0, 2.0, 0.0], [0.0, 1.0, -1.0], [1.0, 0.0, 1.0]])
    C = P @ D @ torch.linalg.inv(P)  # diagonalisable, not diagonal
    cases: list[tuple[str, torch.Tensor, torch.Tensor]] = [
        ("a commuting pair A = C, B = C² − 2C for a 3×3 matrix C (the brackets vanish)", C, C @ C - 2 * C),
    ]
    for n in (2, 3, 4):
        cases.append((f"random {n}×{n} matrices A, B of size about 1", 0.8 * torch.randn(n, n, generator=gen, dtype=DT),
                      0.8 * torch.randn(n, n, generator=gen, dtype=DT)))
    cases.append(("A = hat(1, 0, 0), B = hat(0, 1, 0) in so(3)", lie.hat(_t([1.0, 0.0, 0.0])), lie.hat(_t([0.0, 1.0, 0.0]))))
    for what, A, B in cases:
        n = A.shape[0]
        where = f"for {what}"
        want = lie.bch(A, B, 3)
        got = _tensor(_call(bch3, where, A.clone(), B.clone()), where, (n, n), f"a {n}×{n} matrix")
        tol = 1e-10 * max(1.0, float(want.abs().max()))
        if _gap(got, want) <= tol:
            continue
        if torch.allclose(lie.commutator(A, B), torch.zeros_like(A), atol=1e-12):
            why = (
                ": the brackets vanish for commuting matrices, so the answer is A + B — did you use products such as AB "
                "instead of commutators AB − BA?"
            )
        else:
            slips = [why for variant, why in _bch_variants(A, B) if _gap(got, variant) <= tol]
            slope = _bch_slope(bch3, A, B, where)
            why = f": {slips[0]}" if slips else ""
            why += (
                f" (measured: ‖log(e^{{tA}}e^{{tB}}) − bch3(tA, tB)‖ shrinks like t^{slope:.1f} as t → 0; "
                "the series to third order leaves an error of order t⁴)"
            )
        raise ExerciseFailure(f"{where} you returned {_mat(got)}, expected {_mat(want)}{why}")
    A, B = cases[2][1], cases[2][2]
    slope = _bch_slope(bch3, A, B, f"for {cases[2][0]}")
    return f"all {len(cases)} cases agree with lie.bch(A, B, 3); the error of the series shrinks like t^{slope:.1f}"


# ---------------------------------------------------------------------- 7.4
#: Samples drawn by :func:`check_haar_rotations`.
HAAR_SAMPLES = 20_000
#: The Kolmogorov–Smirnov critical value at significance 1e-4: √(ln(2/1e-4)/2) = 2.2255…, over √n.
KS_CRITICAL = 2.23


def _r0() -> torch.Tensor:
    """The fixed rotation R₀ of the test of left invariance."""
    return lie.rotation_matrix(_t([0.6, 0.0, 0.8]), 2.0)


def _haar_statistics(R: torch.Tensor) -> list[tuple[str, float, str]]:
    """The Kolmogorov–Smirnov distances of four laws that Haar-random rotations obey, each with a typical cause."""
    theta = lie.rotation_angle(R)
    mean = float(theta.mean())
    haar_mean = math.pi / 2 + 2 / math.pi
    if abs(mean - math.pi / 2) < 0.05:
        angle_hint = (
            f"the mean angle is {_num(mean)}, about π/2, as for angles uniform on [0, π]; Haar measure puts more mass on "
            f"large angles (density (1 − cos θ)/π, mean π/2 + 2/π = {_num(haar_mean)})"
        )
    else:
        more = "small" if mean < haar_mean else "large"
        angle_hint = f"too many {more} angles (mean {_num(mean)} against π/2 + 2/π = {_num(haar_mean)} for Haar)"
    z = R[:, :, 2]  # R e_z
    return [
        ("the rotation angle θ = arccos((tr R − 1)/2), whose Haar density is (1 − cos θ)/π on [0, π]",
         lie.ks_distance(theta, lie.haar_angle_cdf), angle_hint),
        ("the z-coordinate of R e_z, uniform on [−1, 1] when R e_z is uniform on the sphere",
         lie.ks_distance(z[:, 2], lambda s: (s + 1) / 2),
         "R e_z is not uniform on the sphere (uniform Euler angles, for example, crowd the poles)"),
        ("the azimuth atan2(y, x) of R e_z, uniform on (−π, π]",
         lie.ks_distance(torch.atan2(z[:, 1], z[:, 0]), lambda p: (p + math.pi) / (2 * math.pi)),
         "R e_z is not uniform around the z-axis"),
        ("the angle of R₀R for the fixed rotation R₀ by 2 rad about (0.6, 0, 0.8), Haar-distributed again if the law "
         "is left-invariant",
         lie.ks_distance(lie.rotation_angle(_r0() @ R), lie.haar_angle_cdf),
         "the law of R₀R differs from the law of R: not invariant under left multiplication, as Haar measure is"),
    ]


def _haar_problem(haar_rotations: Callable[[int, torch.Generator], Any], seed: int, n: int = HAAR_SAMPLES) -> str | None:
    """Why ``haar_rotations`` fails the checks with generators seeded ``seed`` (and ``seed + 1``), or None."""
    where = f"for n = {n} and a generator seeded with {seed}"
    shape = (n, 3, 3)
    what = "a tensor of n rotation matrices"
    raw = _call(haar_rotations, where, n, torch.Generator().manual_seed(seed))
    R = _tensor(raw, where, shape, what)
    try:
        lie.check_group_element(R, "SO", tol=1e-9)
    except ValueError as err:
        single = isinstance(raw, torch.Tensor) and raw.dtype in (torch.float32, torch.float16, torch.bfloat16)
        hint = f" (your tensor is {str(raw.dtype).replace('torch.', '')}: draw in float64)" if single else ""
        return f"{where} not every matrix is a rotation: {err}{hint}"
    again = _tensor(_call(haar_rotations, where, n, torch.Generator().manual_seed(seed)), where, shape, what)
    if not torch.allclose(again, R, rtol=0.0, atol=1e-12):
        return (
            f"{where} two calls with generators seeded alike gave different rotations: draw from the generator "
            "you are given (torch.randn(..., generator=generator)), not from torch's global random state"
        )
    where_other = f"for n = {n} and a generator seeded with {seed + 1}"
    other = _call(haar_rotations, where_other, n, torch.Generator().manual_seed(seed + 1))
    if torch.allclose(_tensor(other, where_other, shape, what), R, rtol=0.0, atol=1e-12):
        return (
            f"{where} a generator seeded with {seed + 1} gave the same rotations as one seeded with {seed}: "
            "draw from the generator you are given, not from one you make yourself"
        )
    threshold = KS_CRITICAL / math.sqrt(n)
    for statistic, distance, hint in _haar_statistics(R):
        if distance > threshold:
            return (
                f"{where} the rotations are not Haar-distributed: for {statistic}, the Kolmogorov–Smirnov distance is "
                f"{_num(distance)} > {_num(threshold)} (the critical value at significance 1e-4): {hint}"
            )
    return None


@checker("Exercise 7.4")
def check_haar_rotations(haar_rotations: Callable[[int, torch.Generator], Any]) -> str:
    """Check ``haar_rotations(n, generator)``: an (n, 3, 3) float64 tensor of independent Haar-random rotations.

    Called with n = 20 000 and a seeded ``torch.Generator``: every matrix must be in SO(3);
    the same seed must give the same rotations and another seed others; and four
    Kolmogorov–Smirnov distances must stay below the critical value at significance 1e-4,
    2.23/√n ≈ 0.0158 (the four laws are exact for Haar samples, so a correct sampler fails one
    of the four tests with probability at most 4·10⁻⁴ on a random seed; the seeds here are fixed):
    the rotation angle, whose density is (1 − cos θ)/π; the z-coordinate and the azimuth of
    R e_z, uniform; and the angle of R₀R for a fixed R₀ (left invariance).

    Explained in Chapter 7 exercises, *Exercise 7.4 · Haar-random rotations*.
    """
    problem = _haar_problem(haar_rotations, seed=74)
    if problem is not None:
        raise ExerciseFailure(problem)
    return (
        f"{HAAR_SAMPLES} rotations in SO(3), reproducible from the generator; angle, axis and left invariance "
        "match the Haar measure (Kolmogorov–Smirnov, significance 1e-4)"
    )


# ---------------------------------------------------------------------- 7.5
def _filter_cases() -> list[tuple[int, int, float, float]]:
    return [
        (9, 2, 3.0, 1.0),
        (7, 1, 2.0, 0.8),
        (8, 3, 2.5, 1.0),
        (6, -1, 1.5, 1.0),
        (5, 0, 0.0, 1.5),
        (9, -2, 0.0, 2.0),
        (10, 4, 3.0, 1.2),
        (3, 1, 1.0, 0.5),
        (1, 0, 0.0, 1.0),
    ]


def _filter_diagnosis(got: torch.Tensor, size: int, k: int, radius: float, width: float) -> str:
    want = circular_harmonic(size, k, radius, width)
    close = lambda a, b: a.shape == b.shape and _gap(a, b) <= 1e-9  # noqa: E731
    if close(got, want.conj()):
        return (
            "it is the complex conjugate of ψ: φ runs clockwise on screen. Rows grow downwards, so y = c − row "
            "(not row − c), and φ = atan2(y, x)"
        )
    if close(got, want.real.to(CT)):
        return "it is only the real part cos(kφ)·profile: return the complex filter profile·e^{ikφ}"
    r, phi = pixel_polar(size)
    x = r * torch.cos(phi)
    if close(got, torch.where(x < -1e-9, (-1) ** k * want, want)):
        return "φ is off by π where x < 0: atan(y/x) only reaches (−π/2, π/2); use torch.atan2(y, x)"
    if size % 2 == 0 and close(got, circular_harmonic(size + 1, k, radius, width)[:size, :size]):
        return (
            f"your grid is centred at c = size // 2 = {size // 2}: on an even grid the centre lies between pixels, "
            f"at c = (size − 1)/2 = {_num((size - 1) / 2)}"
        )
    centre = (r == 0)
    if bool(centre.any()) and k != 0 and close(got[~centre], want[~centre]):
        return (
            f"your centre value is {_num(abs(complex(got[centre][0])))} in modulus: for k ≠ 0 the centre (r = 0), "
            "where φ is undefined, must be 0"
        )
    for other in range(-6, 7):
        if other != k and close(got, circular_harmonic(size, other, radius, width)):
            return f"it has angular order {other}, e^{{i·{other}·φ}}, not k = {k}: the phase is k·φ (in radians)"
    if not close(got.abs(), want.abs()):
        i, j = divmod(int((got.abs() - want.abs()).abs().argmax()), size)
        return (
            f"its modulus (the radial profile) at pixel ({i}, {j}), r = {_num(float(r[i, j]))}, "
            f"is {_num(float(got[i, j].abs()))}; "
            f"expected exp(−(r − radius)²/(2 width²)) = {_num(float(want[i, j].abs()))}"
        )
    steer = _gap(torch.rot90(got, 1), (-1j) ** k * got)
    if steer > 1e-9:
        return (
            f"it is not steerable: torch.rot90(ψ, 1) should equal (−i)^k ψ, but they differ by up to {_num(steer)}; "
            "the phase must be k·φ with φ = atan2(y, x) in radians, measured counter-clockwise"
        )
    i, j = divmod(int((got - want).abs().argmax()), size)
    return f"at pixel ({i}, {j}) you have {fmt(complex(got[i, j]), 4, trim=True)}, expected {fmt(complex(want[i, j]), 4, trim=True)}"


def _no_nan_at_centre(value: Any, where: str, size: int, k: int) -> None:
    """A failure naming 0/0 when the only NaN of the learner's filter sits at the centre pixel."""
    if not isinstance(value, torch.Tensor) or tuple(value.shape) != (size, size) or size % 2 == 0:
        return
    bad = torch.isnan(value.detach())
    c = size // 2
    if bool(bad[c, c]) and int(bad.sum()) == 1:
        raise ExerciseFailure(
            f"{where} your filter is NaN at the centre pixel ({c}, {c}), where x = y = 0: y/x is 0/0 there, "
            "while torch.atan2(0, 0) = 0 is defined" + (" (and the centre value must be 0 for k ≠ 0 anyway)" if k else "")
        )


@checker("Exercise 7.5")
def check_harmonic_filter(harmonic_filter: Callable[[int, int, float, float], Any]) -> str:
    """Check ``harmonic_filter(size, k, radius, width)`` against :func:`grouptools.nn.steerable.circular_harmonic`.

    Explained in Chapter 7 exercises, *Exercise 7.5 · A steerable filter*.
    """
    cases = _filter_cases()
    for size, k, radius, width in cases:
        where = f"for size = {size}, k = {k}, radius = {radius:g}, width = {width:g}"
        want = circular_harmonic(size, k, radius, width)
        raw = _call(harmonic_filter, where, size, k, radius, width)
        _no_nan_at_centre(raw, where, size, k)
        got = _tensor(raw, where, (size, size), f"a complex {size}×{size} filter", complex_ok=True)
        if _gap(got, want) > 1e-9:
            raise ExerciseFailure(f"{where} your filter is wrong: {_filter_diagnosis(got, size, k, radius, width)}")
    return f"all {len(cases)} filters agree with circular_harmonic, on odd and even grids, for k from −2 to 4"


# ---------------------------------------------------------------------- 7.6
class _Layer:
    """A map from point clouds (N, 3) to vectors (N, 3), with the truth about its SO(3) symmetry."""

    def __init__(self, what: str, f: Callable[[torch.Tensor], torch.Tensor], breaker: torch.Tensor | None,
                 note: str = "") -> None:
        self.what, self.f, self.breaker, self.note = what, f, breaker, note

    @property
    def equivariant(self) -> bool:
        return self.breaker is None

    def __call__(self, x: Any) -> torch.Tensor:
        return self.f(torch.as_tensor(x, dtype=DT))

    def function(self) -> Callable[[Any], torch.Tensor]:
        """The layer as a plain function (what the learner gets: no attribute gives the answer away)."""
        f = self.f

        def layer(x: Any) -> torch.Tensor:
            return f(torch.as_tensor(x, dtype=DT))

        return layer


def _norm2(x: torch.Tensor) -> torch.Tensor:
    return (x * x).sum(-1, keepdim=True)


def _layers() -> list[_Layer]:
    generic = lie.rotation_matrix(_unit([0.48, 0.6, 0.64]), 1.1)
    about_x = lie.rotation_matrix(_t([1.0, 0.0, 0.0]), 1.0)
    n = torch.ones(3, dtype=DT) / math.sqrt(3)
    lift = _t([0.0, 0.0, 1e-3])
    return [
        _Layer("x ↦ x·|x|² (each point scaled by its squared length)", lambda x: x * _norm2(x), None),
        _Layer("x ↦ x − mean(x) (centring the cloud)", lambda x: x - x.mean(0, keepdim=True), None),
        _Layer("x ↦ x·diag(1, 1, 2) (the z-coordinates doubled)", lambda x: x * _t([1.0, 1.0, 2.0]), about_x,
               "it respects the rotations about the z-axis, and no others"),
        _Layer("x ↦ (x³, y³, z³) (each coordinate cubed)", lambda x: x**3, generic,
               "it respects the 24 rotations of the cube, the quarter turns about the axes and their products, "
               "and no others"),
        _Layer("x ↦ x × mean(x) (the cross product with the centroid)",
               lambda x: torch.linalg.cross(x, x.mean(0, keepdim=True).expand_as(x)), None,
               "it respects every rotation but no reflection: Mu × Mv = det(M)·M(u × v) for orthogonal M"),
        _Layer("x ↦ 10⁶·x·|x|² (large outputs)", lambda x: 1e6 * x * _norm2(x), None,
               "its outputs are large, so rounding errors are large in absolute terms: "
               "compare relative to the size of the output"),
        _Layer("x ↦ x·sign(z) (each point flipped when it lies below the xy-plane)",
               lambda x: x * torch.sign(x[:, 2:3]), generic,
               "a rotation breaks it only by moving points across the xy-plane, so rotations by tiny angles rarely show it; "
               "it respects the rotations about the z-axis"),
        _Layer("x ↦ x·|x|² + (0, 0, 10⁻³) (an equivariant map plus a small constant)",
               lambda x: x * _norm2(x) + lift, generic,
               "the break is small, about 10⁻⁴ relative to the outputs: a loose tolerance misses it"),
        _Layer("x ↦ x + (x·n) n with n = (1, 1, 1)/√3 (stretched along n)", lambda x: x + (x @ n)[:, None] * n, about_x,
               "it respects the rotations about n (and the half turns about axes perpendicular to n), and no others"),
        _Layer("the identity x ↦ x", lambda x: x.clone(), None),
    ]


def _clouds() -> list[torch.Tensor]:
    gen = torch.Generator().manual_seed(76)
    return [torch.randn(12, 3, generator=gen, dtype=DT) for _ in range(64)]


def _equivariance_error(layer: Callable[[torch.Tensor], torch.Tensor], R: torch.Tensor, clouds: list[torch.Tensor]) -> float:
    """max over the clouds of max |layer(x Rᵀ) − layer(x) Rᵀ| / max |layer(x)|."""
    worst = 0.0
    for x in clouds:
        out = layer(x)
        scale = max(float(out.abs().max()), 1e-300)
        worst = max(worst, _gap(layer(x @ R.T), out @ R.T) / scale)
    return worst


@checker("Exercise 7.6")
def check_breaking_rotation(breaking_rotation: Callable[[Callable[[torch.Tensor], torch.Tensor]], Any]) -> str:
    """Check ``breaking_rotation(layer)``: a rotation R with layer(x Rᵀ) ≠ layer(x) Rᵀ (relative error above 1e-6),
    or None when the layer is SO(3)-equivariant, on ten layers with known symmetry.

    Explained in Chapter 7 exercises, *Exercise 7.6 · Find the rotation that breaks equivariance*.
    """
    layers, clouds = _layers(), _clouds()
    for layer in layers:
        where = f"for the layer {layer.what}"
        note = f" ({layer.note})" if layer.note else ""
        got = _call(breaking_rotation, where, layer.function())
        if got is None:
            if layer.equivariant:
                continue
            R = layer.breaker
            raise ExerciseFailure(
                f"{where} you returned None, but it is not SO(3)-equivariant{note}: the rotation R = {_mat(R, 3)} "
                f"breaks it, with a relative error of {fmt_error(_equivariance_error(layer, R, clouds[:1]))} on a random cloud"
            )
        R = _tensor(got, where, (3, 3), "a 3×3 rotation matrix (or None)")
        try:
            lie.check_group_element(R, "SO", tol=1e-8)
        except ValueError as err:
            reason = str(err)
            if "det" in reason and "orthogonal with" in reason:
                reason = f"your matrix has det {_num(float(torch.linalg.det(R)))}: a reflection, not a rotation"
                if layer.equivariant and _equivariance_error(layer, R, clouds) > 1e-6:
                    reason += f"; reflections break this layer, rotations do not{note}"
            raise ExerciseFailure(f"{where} you returned R = {_mat(R, 3)}, which is not in SO(3): {reason}")
        err = _equivariance_error(layer, R, clouds)
        if err > 1e-6:
            if layer.equivariant:  # pragma: no cover - the tests check that every rotation respects these layers
                raise ExerciseFailure(f"{where} the checker found the layer broken by your R: please report this")
            continue
        is_identity = torch.allclose(R, torch.eye(3, dtype=DT), atol=1e-8)
        if layer.equivariant:
            what = "the identity" if is_identity else f"R = {_mat(R, 3)}"
            raise ExerciseFailure(
                f"{where} you returned {what}, but the layer is SO(3)-equivariant{note}: layer(x Rᵀ) = layer(x) Rᵀ "
                f"to a relative error {fmt_error(err)} on {len(clouds)} random point clouds; return None"
            )
        if is_identity:
            raise ExerciseFailure(
                f"{where} you returned the identity, which every layer respects; the layer is not SO(3)-equivariant{note}, "
                f"and R = {_mat(layer.breaker, 3)} breaks it"
            )
        raise ExerciseFailure(
            f"{where} you returned R = {_mat(R, 3)}, but layer(x Rᵀ) = layer(x) Rᵀ for it, to a relative error "
            f"{fmt_error(err)} on {len(clouds)} random point clouds: your R is one of the rotations this layer respects{note}; "
            f"R = {_mat(layer.breaker, 3)} breaks it"
        )
    return f"all {len(layers)} layers judged correctly; every rotation you returned breaks its layer"


# ---------------------------------------------------------------------- 7.7
def _forms() -> list[tuple[str, torch.Tensor]]:
    J2 = _t([[0.0, 1.0], [-1.0, 0.0]])
    J4 = torch.zeros(4, 4, dtype=DT)
    J4[:2, 2:], J4[2:, :2] = torch.eye(2, dtype=DT), -torch.eye(2, dtype=DT)
    return [
        ("η = I₃ (the group O(3))", torch.eye(3, dtype=DT)),
        ("η = diag(1, 1, −1) (the group O(2, 1))", torch.diag(_t([1.0, 1.0, -1.0]))),
        ("η = [[2, 1], [1, 1]] (symmetric and positive definite, but η² ≠ ±I)", _t([[2.0, 1.0], [1.0, 1.0]])),
        ("η = J₂ = [[0, 1], [−1, 0]] (the group Sp(2))", J2),
        ("η = J₄ = [[0, I₂], [−I₂, 0]] (the group Sp(4))", J4),
        ("η = diag(1, −1, −1, −1) (the Lorentz group O(1, 3))", torch.diag(_t([1.0, -1.0, -1.0, -1.0]))),
        ("η = diag(1, 2, 3) (symmetric and positive definite, but η² ≠ ±I)", torch.diag(_t([1.0, 2.0, 3.0]))),
        ("η = [[1, 2, 0], [0, 1, 0], [0, 0, 1]] (not symmetric)", _t([[1.0, 2.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]])),
        ("η = [[3]] (n = 1: the group {1, −1})", _t([[3.0]])),
    ]


def _condition_matrix(eta: sympy.Matrix) -> sympy.Matrix:
    """The n² × n² matrix of A ↦ Aᵀη + ηA on the row-major entries of A, in exact arithmetic."""
    n = eta.shape[0]
    columns = []
    for k in range(n * n):
        E = sympy.zeros(n, n)
        E[k // n, k % n] = 1
        columns.append((E.T * eta + eta * E).reshape(n * n, 1))
    return sympy.Matrix.hstack(*columns)


def _algebra_dimension(eta: torch.Tensor) -> int:
    """dim {A : Aᵀη + ηA = 0}, from sympy's exact null space (η has integer entries)."""
    exact = sympy.Matrix([[sympy.Rational(int(round(float(v)))) for v in row] for row in eta.tolist()])
    return len(_condition_matrix(exact).nullspace())


def _inverse_times(eta: torch.Tensor, B: torch.Tensor) -> torch.Tensor:
    """Aᵀη + ηA for A = η⁻¹B: zero when B = ηA for an A in the Lie algebra."""
    A = torch.linalg.solve(eta, B)
    return A.T @ eta + eta @ A


def _basis(value: Any, where: str, n: int) -> torch.Tensor:
    """The learner's basis as a float64 tensor (d, n, n); a list of n×n matrices is stacked."""
    what = f"a tensor of shape (d, {n}, {n}) holding d basis matrices"
    if isinstance(value, (list, tuple)) and len(value) == 0:
        return torch.zeros(0, n, n, dtype=DT)
    if isinstance(value, (list, tuple)) and all(isinstance(v, (torch.Tensor, np.ndarray)) for v in value):
        try:
            value = torch.stack([torch.as_tensor(v) for v in value])
        except (RuntimeError, TypeError):
            raise ExerciseFailure(f"{where} you returned a list of matrices of different shapes; return {what}") from None
    try:
        shape = tuple(np.shape(value)) if not isinstance(value, torch.Tensor) else tuple(value.shape)
    except (TypeError, ValueError):
        shape = None
    if shape == () or value is None:
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}")
    if shape is not None and (len(shape) != 3 or shape[1:] != (n, n)):
        raise ExerciseFailure(f"{where} you returned something of shape {shape}; return {what}")
    d = shape[0] if shape is not None and len(shape) == 3 else 0
    return _tensor(value, where, (d, n, n), what)


@checker("Exercise 7.7")
def check_lie_algebra_basis(lie_algebra_basis: Callable[[torch.Tensor], Any]) -> str:
    """Check ``lie_algebra_basis(eta)``: a basis (d, n, n) of {A : Aᵀη + ηA = 0}, the Lie algebra of {M : MᵀηM = η}.

    Each matrix must satisfy the condition, the matrices must be linearly independent, and
    d must be the dimension of the solution space, computed exactly with sympy.

    Explained in Chapter 7 exercises, *Exercise 7.7 · The Lie algebra of a group that preserves a form*.
    """
    forms = _forms()
    for what, eta in forms:
        n = eta.shape[0]
        where = f"for {what}"
        dim = _algebra_dimension(eta)
        basis = _basis(_call(lie_algebra_basis, where, eta.clone()), where, n)
        scale = max(1.0, float(basis.abs().max())) if basis.numel() else 1.0
        for i, A in enumerate(basis):
            residual = A.T @ eta + eta @ A
            if _gap(residual, torch.zeros_like(A)) <= 1e-9 * scale:
                continue
            antisymmetric = _gap(A + A.T, torch.zeros_like(A)) <= 1e-9 * scale
            if _gap(A @ eta + eta @ A.T, torch.zeros_like(A)) <= 1e-9 * scale:
                why = (
                    "it solves A η + η Aᵀ = 0, with the transpose on the wrong factor; that condition agrees with Aᵀη + ηA = 0 "
                    "when η² = ±I (as for I, diag(±1) and J), but not for this η"
                )
            elif antisymmetric and _gap(eta, eta.T) == 0:
                why = (
                    "it is antisymmetric: the antisymmetric matrices are the Lie algebra of O(n), the case η = I. For a symmetric η, "
                    "A is in the Lie algebra exactly when ηA is antisymmetric: did you return ηA instead of A?"
                )
            elif _gap(_inverse_times(eta, A), torch.zeros_like(A)) <= 1e-8 * scale:
                why = "it is η A for an A in the Lie algebra (η⁻¹ times your matrix solves the condition): return A itself"
            elif antisymmetric:
                why = "it is antisymmetric: the antisymmetric matrices are the Lie algebra of O(n), the case η = I, not of this group"
            elif _gap(A.T @ eta - eta @ A, torch.zeros_like(A)) <= 1e-9 * scale:
                why = "it solves Aᵀη = ηA, the wrong sign: differentiating Mᵀ η M = η at t = 0 gives Aᵀη + ηA = 0"
            else:
                why = "differentiate Mᵀ η M = η along a curve M(t) with M(0) = I"
            raise ExerciseFailure(
                f"{where} your matrix number {i}, {_mat(A, 3)}, is not in the Lie algebra: "
                f"Aᵀη + ηA = {_mat(residual, 3)} ≠ 0; {why}"
            )
        d = basis.shape[0]
        rank = int(torch.linalg.matrix_rank(basis.reshape(d, n * n), rtol=1e-9)) if d else 0
        if rank < d:
            raise ExerciseFailure(
                f"{where} your {d} matrices are linearly dependent (they span a space of dimension {rank}): a basis has no "
                "redundant elements"
            )
        if d != dim:
            raise ExerciseFailure(
                f"{where} you returned {d} independent solution{'s' if d != 1 else ''}, but the solutions of "
                f"Aᵀη + ηA = 0 form a space of dimension {dim}: some are missing"
            )
        for A in basis:
            M = lie.expm(0.7 * A)
            if _gap(M.T @ eta @ M, eta) > 1e-8 * max(1.0, float(M.abs().max()) ** 2):  # pragma: no cover - follows from the condition
                raise ExerciseFailure(f"{where} exp(0.7·A) does not preserve η for your A = {_mat(A, 3)}")
    return (
        f"all {len(forms)} Lie algebras correct, of dimensions 0 to 10, and exp(tA) preserves η for every basis element"
    )
