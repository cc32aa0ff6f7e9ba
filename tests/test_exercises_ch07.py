"""The Chapter 7 checkers (rotations, tangents, Baker–Campbell–Hausdorff, Haar sampling, steerable filters,
breaking rotations, Lie algebras of forms) reject planted wrong answers and accept correct alternatives.

Every wrong answer here was run against its checker; where one that looked wrong turned out to be right
(or undetectable), a comment says so.
"""

from __future__ import annotations

import math

import pytest
import torch

from grouptools import lie
from grouptools.exercises import ch07
from grouptools.linalg import null_space
from grouptools.nn.steerable import circular_harmonic

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch07)  # solutions: a module-scoped fixture

F64 = torch.float64


def _eye(M: torch.Tensor) -> torch.Tensor:
    return torch.eye(M.shape[0], dtype=M.dtype)


# ---------------------------------------------------------------------- 7.1
def test_is_rotation_wrong_answers(solutions):
    assert run("check_is_rotation", solutions["is_rotation"]).passed

    def orthogonal_only(M):
        return M.shape[0] == M.shape[1] and torch.allclose(M.T @ M, _eye(M), atol=1e-8)

    def determinant_only(M):
        return M.shape[0] == M.shape[1] and abs(float(torch.linalg.det(M)) - 1) <= 1e-8

    def exact(M):  # no tolerance: rounding makes MᵀM differ from I in the last bits
        return M.shape[0] == M.shape[1] and torch.equal(M.T @ M, _eye(M)) and float(torch.linalg.det(M)) == 1.0

    def three_by_three_only(M):  # a right-handed orthonormal frame of columns, written for 3×3 only
        c0, c1, c2 = M[:, 0], M[:, 1], M[:, 2]
        return bool(torch.allclose(torch.linalg.cross(c0, c1), c2) and torch.allclose(c0.norm(), torch.ones((), dtype=F64)))

    def unit_columns(M):
        return M.shape[0] == M.shape[1] and torch.allclose(M.norm(dim=0), torch.ones(M.shape[1], dtype=F64))

    def rows_without_det(M):  # M Mᵀ = I, the same as MᵀM = I for a square matrix, and no determinant
        return M.shape[0] == M.shape[1] and torch.allclose(M @ M.T, _eye(M), atol=1e-8)

    def crashes_when_not_square(M):
        return torch.allclose(M.T @ M, torch.eye(M.shape[0], dtype=F64), atol=1e-8) and abs(float(torch.linalg.det(M)) - 1) <= 1e-8

    def no_negative_diagonal(M):  # "a rotation has no −1 on its diagonal": wrong for −I₄
        return bool(solutions["is_rotation"](M)) and bool((torch.diagonal(M) > -1 + 1e-9).all())

    name = "check_is_rotation"
    assert_fails(name, orthogonal_only, "for the reflection diag(1, −1) of the plane", "you returned True", "det M = -1: a reflection")
    assert_fails(name, determinant_only, "for a shear of space (det 1)", "you returned True", "MᵀM ≠ I")
    assert_fails(name, exact, "for the rotation by 1 rad about (0, 0.6, 0.8)", "you returned False", "compare with a tolerance")
    assert_fails(name, three_by_three_only, "for a random rotation of the plane", "your code raised IndexError")
    assert_fails(name, unit_columns, "unit columns at an angle of 1.2 rad", "unit vectors but not perpendicular")
    assert_fails(name, rows_without_det, "for the reflection diag(1, −1)", "a reflection, in O(2) but not SO(2)")
    assert_fails(name, crashes_when_not_square, "for a 2×3 matrix with orthonormal rows", "your code raised RuntimeError",
                 "not square is in no SO(n): return False")
    assert_fails(name, no_negative_diagonal, "for −I₄", "you returned False", "det(−I) = (−1)^4 = 1")
    assert_fails(name, lambda M: 1, "return True or False")


def test_is_rotation_accepts_a_torch_boolean(solutions):
    def as_tensor(M):
        return torch.tensor(bool(solutions["is_rotation"](M)))

    assert run("check_is_rotation", as_tensor).passed


# ---------------------------------------------------------------------- 7.2
def _forward(h):
    return lambda curve: (curve(h) - curve(0.0)) / h


def _central(h):
    return lambda curve: (curve(h) - curve(-h)) / (2 * h)


def test_tangent_wrong_answers(solutions):
    assert run("check_tangent", solutions["tangent"]).passed

    def log_of_curve_at_one(curve):
        return lie.logm(curve(1.0))

    def log_over_step(curve):  # right for every one-parameter subgroup, even the fast one
        return lie.logm(curve(0.1)) / 0.1

    def forgets_the_identity(curve):
        return curve(1e-5) / 1e-5

    def flattened(curve):
        return _central(1e-5)(curve).numpy().reshape(-1)

    name = "check_tangent"
    assert_fails(name, _forward(1e-3), "t ↦ exp(t·hat(0.3, −0.5, 0.8))", "one-sided (forward) difference with h ≈ 0.001")
    assert_fails(name, _forward(1e-4), "one-sided (forward) difference with h ≈ 0.0001")
    assert_fails(name, _forward(-1e-4), "one-sided (backward) difference")
    # h = 1e-7 passes on the gentle curves and fails on exp(tA)exp(50t²B), whose γ″(0) has entries near 100
    assert_fails(name, _forward(1e-7), "which bends sharply at I", "one-sided (forward) difference with h ≈ 1e-07")
    assert_fails(name, _forward(1e-12), "tolerance", "rounding error (∝ 1e-16/h)")
    assert_fails(name, _central(1e-12), "rounding error (∝ 1e-16/h)")
    assert_fails(name, _central(1e-2), "truncation error")
    assert_fails(name, log_of_curve_at_one, "for the fast rotation", "equals log(curve(1))", "lands on another branch")
    assert_fails(name, log_over_step, "whose axis turns as it rotates", "equals log(curve(s))/s for s = 0.1",
                 "not one")
    assert_fails(name, forgets_the_identity, "off by about 100000·I", "forget to subtract curve(0) = I")
    assert_fails(name, flattened, "shape (9,)", "the 3×3 velocity matrix of shape (3, 3)")


@pytest.mark.filterwarnings("ignore:`torch.jit.script` is deprecated:DeprecationWarning")  # inside torch.func
def test_tangent_accepts_other_correct_methods():
    # measured: a forward difference at its best step, h = 1e-8, is within the tolerance (error about 5e-7)
    # on every curve, so the checker cannot and does not reject one-sided differences as such
    assert run("check_tangent", _forward(1e-8)).passed
    for h in (1e-4, 1e-6, 1e-7):
        assert run("check_tangent", _central(h)).passed

    def richardson(curve):  # fourth-order difference
        h = 1e-3
        return (8 * (curve(h) - curve(-h)) - (curve(2 * h) - curve(-2 * h))) / (12 * h)

    def forward_mode_autograd(curve):  # curves accept a tensor t; jacfwd wants real outputs
        t = torch.tensor(0.0, dtype=F64)
        if curve(0.0).is_complex():
            return torch.complex(torch.func.jacfwd(lambda s: curve(s).real)(t), torch.func.jacfwd(lambda s: curve(s).imag)(t))
        return torch.func.jacfwd(curve)(t)

    assert run("check_tangent", richardson).passed
    assert run("check_tangent", forward_mode_autograd).passed


def test_the_tangent_checker_knows_its_curves():
    """Every curve starts at I, its stated velocity and acceleration are right, and it lies in its group."""
    for curve in ch07._curves():
        n = curve.velocity.shape[0]
        f = curve.function()
        assert torch.allclose(f(0.0), torch.eye(n, dtype=curve.velocity.dtype), atol=1e-15)
        h = 1e-4
        assert torch.allclose((f(h) - f(-h)) / (2 * h), curve.velocity, atol=1e-6)
        assert torch.allclose((f(h) - 2 * f(0.0) + f(-h)) / h**2, curve.acceleration, atol=1e-4 * max(1, float(curve.acceleration.abs().max())))
        group = {2: "SL", 3: "SO"}[n] if not curve.velocity.is_complex() else "U"
        if "SE(2)" in curve.what:
            group = "SE"
        lie.check_group_element(f(0.7), group, tol=1e-9)
        assert not hasattr(f, "velocity")  # the learner gets a plain function


# ---------------------------------------------------------------------- 7.3
def _bracket(X, Y):
    return X @ Y - Y @ X


def test_bch3_wrong_answers(solutions):
    assert run("check_bch3", solutions["bch3"]).passed

    def second_order_sign(A, B):
        return A + B + _bracket(B, A) / 2 + (_bracket(A, _bracket(A, B)) + _bracket(B, _bracket(B, A))) / 12

    def second_order_only(A, B):
        return A + B + _bracket(A, B) / 2

    def minus_between_third_order_terms(A, B):
        return A + B + _bracket(A, B) / 2 + (_bracket(A, _bracket(A, B)) - _bracket(B, _bracket(B, A))) / 12

    def one_sixth(A, B):
        return A + B + _bracket(A, B) / 2 + (_bracket(A, _bracket(A, B)) + _bracket(B, _bracket(B, A))) / 6

    def products(A, B):
        return A + B + A @ B / 2 + (A @ A @ B + B @ B @ A) / 12

    name = "check_bch3"
    assert_fails(name, second_order_sign, "for random 2×2 matrices", "the second-order term has the wrong sign", "shrinks like t^2.0")
    assert_fails(name, second_order_only, "you stopped at second order", "shrinks like t^3.0")
    assert_fails(name, minus_between_third_order_terms, "the sign of the last term is wrong", "−[B, [A, B]]")
    assert_fails(name, one_sixth, "the third-order coefficient is 1/12, not 1/6")
    assert_fails(name, products, "for a commuting pair", "products such as AB instead of commutators")
    assert_fails(name, lambda A, B: A + B, "you returned A + B", "only when A and B commute")
    assert_fails(name, lambda A, B: A[:1], "for a commuting pair", "expected a 3×3 matrix of shape (3, 3)")


# ---------------------------------------------------------------------- 7.4
def _qr_signs_fixed(n, generator):
    Q, R = torch.linalg.qr(torch.randn(n, 3, 3, dtype=F64, generator=generator))
    return Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1))[:, None, :]  # Haar on O(3): half have det −1


def _gram_schmidt_negated(n, generator):
    """Gram–Schmidt on a Gaussian matrix is Haar on O(3); negating the det −1 half maps it onto Haar on SO(3)."""
    G = torch.randn(n, 3, 3, dtype=F64, generator=generator)
    columns = []
    for j in range(3):
        v = G[:, :, j]
        for u in columns:
            v = v - (u * v).sum(-1, keepdim=True) * u
        columns.append(v / v.norm(dim=-1, keepdim=True))
    Q = torch.stack(columns, -1)
    return Q * torch.linalg.det(Q)[:, None, None]


def _reference(n, generator):
    return lie.random_rotation(3, n, generator=generator)


def test_haar_rotations_wrong_answers(solutions):
    assert run("check_haar_rotations", solutions["haar_rotations"]).passed

    def qr_without_sign_fix(n, generator):
        # measured: LAPACK's Householder QR of a 3×3 matrix is a product of two reflections, so det Q = +1 for
        # every draw, and fixing the determinant by flipping a column changes nothing: the same wrong law
        return torch.linalg.qr(torch.randn(n, 3, 3, dtype=F64, generator=generator)).Q

    def uniform_euler_angles(n, generator):
        alpha, beta, gamma = (2 * math.pi * torch.rand(n, dtype=F64, generator=generator) for _ in range(3))
        ez = torch.tensor([0.0, 0.0, 1.0], dtype=F64).expand(n, 3)
        ey = torch.tensor([0.0, 1.0, 0.0], dtype=F64).expand(n, 3)
        return lie.rotation_matrix(ez, alpha) @ lie.rotation_matrix(ey, beta / 2) @ lie.rotation_matrix(ez, gamma)

    def uniform_axis_and_angle(n, generator):
        axes = torch.randn(n, 3, dtype=F64, generator=generator)
        return lie.rotation_matrix(axes / axes.norm(dim=-1, keepdim=True), math.pi * torch.rand(n, dtype=F64, generator=generator))

    def unnormalised_quaternion(n, generator):  # the rotation formula for a unit quaternion, on a Gaussian one
        w, x, y, z = torch.randn(n, 4, dtype=F64, generator=generator).unbind(-1)
        return torch.stack([
            torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
            torch.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
            torch.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
        ], -2)

    def quaternion_from_the_cube(n, generator):  # normalised, but the cube's corners are over-represented
        q = 2 * torch.rand(n, 4, dtype=F64, generator=generator) - 1
        return lie.quaternion_to_matrix(q / q.norm(dim=-1, keepdim=True))

    def global_random_state(n, generator):
        return lie.random_rotation(3, n)

    def own_generator(n, generator):
        return lie.random_rotation(3, n, generator=torch.Generator().manual_seed(0))

    def single_precision(n, generator):
        return lie.random_rotation(3, n, generator=generator).float()

    name = "check_haar_rotations"
    assert_fails(name, qr_without_sign_fix, "not Haar-distributed", "for the rotation angle", "too many large angles")
    assert_fails(name, _qr_signs_fixed, "not every matrix is a rotation", "det -1", "a reflection, in O(3) but not SO(3)")
    assert_fails(name, uniform_euler_angles, "not Haar-distributed", "Kolmogorov–Smirnov distance is 0.07")
    assert_fails(name, uniform_axis_and_angle, "the rotation angle", "about π/2, as for angles uniform on [0, π]",
                 "Haar measure puts more mass on large angles")
    assert_fails(name, unnormalised_quaternion, "not every matrix is a rotation", "not orthogonal")
    assert_fails(name, quaternion_from_the_cube, "not Haar-distributed", "for the rotation angle")
    assert_fails(name, global_random_state, "draw from the generator you are given", "global random state")
    assert_fails(name, own_generator, "seeded with 75 gave the same rotations", "not from one you make yourself")
    assert_fails(name, single_precision, "not orthogonal", "your tensor is float32: draw in float64")
    assert_fails(name, lambda n, generator: _reference(n, generator)[:-1], "shape (19999, 3, 3)")


def test_haar_rotations_accepts_other_correct_samplers():
    for sampler in (_reference, _gram_schmidt_negated):
        assert run("check_haar_rotations", sampler).passed

    def qr_signs_fixed_and_negated(n, generator):
        Q = _qr_signs_fixed(n, generator)
        return Q * torch.linalg.det(Q)[:, None, None]

    def qr_signs_fixed_and_column_flipped(n, generator):  # what lie.random_rotation does
        Q = _qr_signs_fixed(n, generator)
        return torch.cat([Q[:, :, :1] * torch.linalg.det(Q)[:, None, None], Q[:, :, 1:]], -1)

    assert run("check_haar_rotations", qr_signs_fixed_and_negated).passed
    assert run("check_haar_rotations", qr_signs_fixed_and_column_flipped).passed


@pytest.mark.parametrize("seed", range(100, 120))
def test_correct_samplers_pass_on_other_seeds(seed, solutions):
    """The thresholds are not tuned to the checker's seed: exact samplers pass on 20 more seeds."""
    for sampler in (solutions["haar_rotations"], _reference, _gram_schmidt_negated):
        assert ch07._haar_problem(sampler, seed) is None


# ---------------------------------------------------------------------- 7.5
def _grid(size, centre):
    index = torch.arange(size, dtype=F64)
    return (centre - index)[:, None].expand(size, size), (index - centre)[None, :].expand(size, size)


def _filter(*, y_down=False, atan=False, zero_centre=True, floor_centre=False, real=False, degrees=False, order=None):
    def harmonic_filter(size, k, radius, width):
        y, x = _grid(size, size // 2 if floor_centre else (size - 1) / 2)
        if y_down:
            y = -y
        r = torch.hypot(x, y)
        phi = torch.nan_to_num(torch.atan(y / x)) if atan else torch.atan2(y, x)
        if degrees:
            phi = torch.rad2deg(phi)
        profile = torch.exp(-((r - radius) ** 2) / (2 * width**2))
        if zero_centre and k != 0:
            profile = torch.where(r == 0, 0.0, profile)
        kk = k if order is None else order
        return profile * torch.cos(kk * phi) if real else profile * torch.exp(1j * kk * phi)

    return harmonic_filter


def test_harmonic_filter_wrong_answers(solutions):
    assert run("check_harmonic_filter", solutions["harmonic_filter"]).passed
    assert run("check_harmonic_filter", _filter()).passed

    def atan_with_nan(size, k, radius, width):
        y, x = _grid(size, (size - 1) / 2)
        r, phi = torch.hypot(x, y), torch.atan(y / x)
        return torch.exp(-((r - radius) ** 2) / (2 * width**2)) * torch.exp(1j * k * phi)

    def wrong_width(size, k, radius, width):  # exp(−(r − radius)²/width²): the factor 2 forgotten
        y, x = _grid(size, (size - 1) / 2)
        r, phi = torch.hypot(x, y), torch.atan2(y, x)
        profile = torch.where(r == 0, 0.0, torch.exp(-((r - radius) ** 2) / width**2)) if k else torch.exp(-((r - radius) ** 2) / width**2)
        return profile * torch.exp(1j * k * phi)

    name = "check_harmonic_filter"
    assert_fails(name, _filter(y_down=True), "for size = 9, k = 2", "complex conjugate of ψ", "y = c − row")
    assert_fails(name, _filter(atan=True), "for size = 7, k = 1", "off by π where x < 0", "use torch.atan2(y, x)")
    assert_fails(name, atan_with_nan, "NaN at the centre pixel (4, 4)", "0/0")
    assert_fails(name, _filter(zero_centre=False), "for size = 9, k = 2", "centre (r = 0)", "must be 0")
    assert_fails(name, _filter(floor_centre=True), "for size = 8", "c = size // 2 = 4", "c = (size − 1)/2 = 3.5")
    assert_fails(name, _filter(real=True), "only the real part cos(kφ)")
    assert_fails(name, _filter(degrees=True), "not steerable", "torch.rot90(ψ, 1) should equal (−i)^k ψ", "in radians")
    assert_fails(name, _filter(order=1), "angular order 1", "not k = 2")
    assert_fails(name, wrong_width, "its modulus (the radial profile)", "exp(−(r − radius)²/(2 width²))")
    assert_fails(name, lambda size, k, radius, width: circular_harmonic(size, k, radius, width)[1:], "expected a complex")


# ---------------------------------------------------------------------- 7.6
def _search(candidates, *, relative=1e-6, absolute=None):
    """A learner's search: try each candidate on four seeded clouds, return the first that breaks the layer."""

    def breaking_rotation(layer):
        g = torch.Generator().manual_seed(0)
        clouds = torch.randn(4, 16, 3, dtype=F64, generator=g)
        for R in candidates(g):
            for x in clouds:
                out = layer(x) @ R.T
                gap = (layer(x @ R.T) - out).abs().max()
                if gap > (absolute if absolute is not None else relative * out.abs().max()):
                    return R
        return None

    return breaking_rotation


_AXES = torch.eye(3, dtype=F64)


def test_breaking_rotation_wrong_answers(solutions):
    assert run("check_breaking_rotation", solutions["breaking_rotation"]).passed

    about_z_only = _search(lambda g: [lie.rotation_matrix(_AXES[2], a) for a in (0.3, 1.0, 2.0)])
    quarter_turns_only = _search(lambda g: [lie.rotation_matrix(axis, math.pi / 2) for axis in _AXES])
    absolute_tolerance = _search(lambda g: [lie.random_rotation(generator=g)], absolute=1e-9)
    loose_tolerance = _search(lambda g: lie.random_rotation(3, 20, generator=g), relative=1e-1)
    tiny_angles = _search(lambda g: [lie.rotation_matrix(axis, 1e-4) for axis in _AXES])

    # a random orthogonal matrix that may be a reflection: plain QR never is one here (det Q = +1 for every 3×3
    # Householder QR, measured), so the signs are fixed as for O(3), where about half have det −1
    def orthogonal_candidates(g):
        Q, R = torch.linalg.qr(torch.randn(20, 3, 3, dtype=F64, generator=g))
        return Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1))[:, None, :]

    reflections_too = _search(orthogonal_candidates)

    def identity_when_broken(layer):
        return None if solutions["breaking_rotation"](layer) is None else torch.eye(3, dtype=F64)

    name = "check_breaking_rotation"
    assert_fails(name, about_z_only, "for the layer x ↦ x·diag(1, 1, 2)", "you returned None", "rotations about the z-axis")
    assert_fails(name, quarter_turns_only, "for the layer x ↦ (x³, y³, z³)", "you returned None", "24 rotations of the cube")
    assert_fails(name, absolute_tolerance, "for the layer x ↦ 10⁶·x·|x|²", "the layer is SO(3)-equivariant",
                 "compare relative to the size of the output", "return None")
    assert_fails(name, loose_tolerance, "x ↦ x·|x|² + (0, 0, 10⁻³)", "you returned None", "a loose tolerance misses it")
    assert_fails(name, reflections_too, "for the layer x ↦ x × mean(x)", "det -1: a reflection, not a rotation",
                 "reflections break this layer, rotations do not")
    assert_fails(name, identity_when_broken, "x ↦ x·diag(1, 1, 2)", "you returned the identity, which every layer respects")
    assert_fails(name, tiny_angles, "for the layer x ↦ x·sign(z)", "you returned None", "rotations by tiny angles rarely show it")
    assert_fails(name, lambda layer: torch.eye(3, dtype=F64), "x ↦ x·|x|²", "the layer is SO(3)-equivariant")
    assert_fails(name, lambda layer: 2 * torch.eye(3, dtype=F64), "not in SO(3)", "not orthogonal")
    assert_fails(name, lambda layer: torch.eye(2, dtype=F64), "expected a 3×3 rotation matrix (or None)")


def test_breaking_rotation_accepts_one_generic_rotation():
    # a single Haar-random rotation, measured relatively, breaks every layer that is not equivariant:
    # the rotations a layer respects form a closed subgroup, of Haar measure zero unless it is SO(3)
    assert run("check_breaking_rotation", _search(lambda g: [lie.random_rotation(generator=g)])).passed


def test_the_layers_are_what_the_checker_says():
    layers, clouds = ch07._layers(), ch07._clouds()
    rotations = lie.random_rotation(3, 30, generator=torch.Generator().manual_seed(7))
    for layer in layers:
        if layer.equivariant:
            assert all(ch07._equivariance_error(layer, R, clouds[:4]) < 1e-12 for R in rotations), layer.what
        else:
            lie.check_group_element(layer.breaker, "SO")
            assert ch07._equivariance_error(layer, layer.breaker, clouds[:1]) > 1e-5, layer.what
        assert not hasattr(layer.function(), "breaker")  # the learner gets a plain function
    cube = next(layer for layer in layers if "x³" in layer.what)
    assert all(ch07._equivariance_error(cube, lie.rotation_matrix(axis, math.pi / 2), clouds) < 1e-12 for axis in _AXES)
    cross = next(layer for layer in layers if "×" in layer.what)
    assert ch07._equivariance_error(cross, -torch.eye(3, dtype=F64), clouds) > 1  # a reflection breaks it


# ---------------------------------------------------------------------- 7.7
def _null_space_of(condition):
    """A basis of {A : condition(A, η) = 0}, found the way the solution finds the Lie algebra."""

    def basis(eta):
        n = eta.shape[0]
        E = torch.eye(n * n, dtype=F64).reshape(n * n, n, n)
        L = torch.stack([condition(e, eta).reshape(-1) for e in E], 1)
        return torch.from_numpy(null_space(L.numpy()).T.copy()).reshape(-1, n, n)

    return basis


def test_lie_algebra_basis_wrong_answers(solutions):
    correct = solutions["lie_algebra_basis"]
    assert run("check_lie_algebra_basis", correct).passed

    def antisymmetric(eta):  # right for η = I (and, trivially, for n = 1); measured wrong for every other form
        n = eta.shape[0]
        out = []
        for i in range(n):
            for j in range(i + 1, n):
                A = torch.zeros(n, n, dtype=F64)
                A[i, j], A[j, i] = 1.0, -1.0
                out.append(A)
        return torch.stack(out) if out else torch.zeros(0, n, n, dtype=F64)

    # the transpose on the wrong factor: measured to agree with the right answer for I₃, diag(1, 1, −1), J₂, J₄,
    # the Lorentz form and n = 1 (all with η² = ±I, or scalar), and to differ for [[2, 1], [1, 1]] first
    wrong_factor = _null_space_of(lambda A, eta: A @ eta + eta @ A.T)
    wrong_sign = _null_space_of(lambda A, eta: A.T @ eta - eta @ A)

    def with_a_duplicate(eta):
        basis = correct(eta)
        return torch.cat([basis, basis[:1]])

    def eta_times_a(eta):
        return eta @ correct(eta)

    def eta_times_a_when_not_symmetric(eta):  # J₂ is the first form that is not symmetric
        return eta @ correct(eta) if not torch.equal(eta, eta.T) else correct(eta)

    name = "check_lie_algebra_basis"
    assert_fails(name, antisymmetric, "for η = diag(1, 1, −1)", "it is antisymmetric", "the Lie algebra of O(n)")
    assert_fails(name, wrong_factor, "for η = [[2, 1], [1, 1]]", "transpose on the wrong factor", "η² = ±I")
    assert_fails(name, wrong_sign, "for η = I₃", "Aᵀη = ηA, the wrong sign")
    assert_fails(name, with_a_duplicate, "for η = I₃", "your 4 matrices are linearly dependent")
    assert_fails(name, lambda eta: correct(eta)[:1], "you returned 1 independent solution,", "dimension 3: some are missing")
    assert_fails(name, eta_times_a, "for η = diag(1, 1, −1)", "did you return ηA instead of A?")
    assert_fails(name, eta_times_a_when_not_symmetric, "for η = J₂", "it is η A for an A in the Lie algebra", "return A itself")
    assert_fails(name, lambda eta: correct(eta)[0], "shape (3, 3)", "return a tensor of shape (d, 3, 3)")


def test_lie_algebra_basis_accepts_any_basis_and_a_list(solutions):
    correct = solutions["lie_algebra_basis"]

    def mixed(eta):  # another basis of the same space: an invertible triangular mix
        basis = correct(eta)
        d = basis.shape[0]
        T = torch.eye(d, dtype=F64) + torch.triu(torch.ones(d, d, dtype=F64), 1)
        return torch.einsum("ij,jkl->ikl", T, basis)

    assert run("check_lie_algebra_basis", mixed).passed
    assert run("check_lie_algebra_basis", lambda eta: list(correct(eta))).passed
    assert run("check_lie_algebra_basis", lambda eta: correct(eta).numpy()).passed


def test_the_dimensions_are_the_classical_ones():
    dims = {what.split(" (")[0]: ch07._algebra_dimension(eta) for what, eta in ch07._forms()}
    assert dims["η = I₃"] == dims["η = diag(1, 1, −1)"] == 3  # n(n − 1)/2
    assert dims["η = diag(1, −1, −1, −1)"] == 6
    assert dims["η = J₂ = [[0, 1], [−1, 0]]"] == 3 and dims["η = J₄ = [[0, I₂], [−I₂, 0]]"] == 10  # m(2m + 1)
    assert dims["η = [[2, 1], [1, 1]]"] == 1 and dims["η = [[3]]"] == 0
    assert dims["η = [[1, 2, 0], [0, 1, 0], [0, 0, 1]]"] == 1
