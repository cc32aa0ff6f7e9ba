"""grouptools.lie: matrix groups, exp/log, BCH, SO(3), quaternions and SU(2), spherical harmonics,
Wigner D-matrices and Clebsch–Gordan tensors; e3nn as a second opinion."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from e3nn import o3  # the second opinion, pinned in requirements.txt
from hypothesis import strategies as st

from grouptools import lie

from strategies import quaternions, rotations

F64 = torch.float64
finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)




@st.composite
def small_matrices(draw, n=3, scale=1.0):
    entries = draw(st.lists(finite, min_size=n * n, max_size=n * n))
    return torch.tensor(entries, dtype=F64).reshape(n, n) * scale


# --------------------------------------------------------------------------- membership


def test_check_group_element_accepts_members():
    R = lie.rotation_matrix(torch.tensor([0.0, 0.6, 0.8], dtype=F64), 1.1)
    for group in ("GL", "O", "SO", "SL"):
        assert torch.equal(lie.check_group_element(R, group), R)
    H = torch.eye(4, dtype=F64)
    H[:3, :3], H[:3, 3] = R, torch.tensor([1.0, -2.0, 3.0])
    lie.check_group_element(H, "SE")
    lie.check_group_element(lie.su2_matrix(torch.tensor([0.5, 0.5, 0.5, 0.5])), "SU")


@pytest.mark.parametrize("M, group, match", [
    (torch.diag(torch.tensor([1.0, 1.0, -1.0])), "SO", "reflection, in O\\(3\\) but not SO\\(3\\)"),
    (torch.tensor([[1.0, 0.1], [0.0, 1.0]]), "O", "not orthogonal: max \\|MᵀM − I\\| = 1.0e-01"),
    (torch.ones(2, 3), "GL", "square matrix, got shape \\(2, 3\\)"),
    (torch.tensor([[1.0, 2.0], [2.0, 4.0]]), "GL", "not invertible"),
    (torch.diag(torch.tensor([2.0, 1.0])), "SL", "determinant 2 ≠ 1"),
    (torch.eye(3) * 1j, "SU", "det 0-1i ≠ 1: in U\\(3\\) but not SU\\(3\\)"),
    (torch.tensor([[1.0, float("nan")], [0.0, 1.0]]), "GL", "not finite"),
    (torch.eye(2), "Sp", "unknown group"),
    (torch.tensor([[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 1.0, 1.0]]), "SE", "last row must be"),
])
def test_check_group_element_names_what_fails(M, group, match):
    with pytest.raises(ValueError, match=match):
        lie.check_group_element(M, group)


# --------------------------------------------------------------------------- exp and log


@settings(max_examples=60, deadline=None)
@given(small_matrices(n=3, scale=1.5))
def test_exp_log_round_trip_near_the_identity(A):
    X = lie.logm(lie.expm(A))
    assert torch.allclose(lie.expm(X), lie.expm(A), atol=1e-10)
    if float(A.norm()) < 3.0:  # every eigenvalue then has |Im| < π: the principal branch, log exp A = A
        assert torch.allclose(X, A, atol=1e-8)


@settings(max_examples=40, deadline=None)
@given(rotations)
def test_log_of_a_rotation_is_the_hat_of_its_axis_angle(R):
    axis, angle = lie.axis_angle(R)
    if float(angle) > math.pi - 1e-6:  # ill-conditioned there; exactly π is tested below
        return
    X = lie.logm(R)
    assert torch.allclose(X, lie.hat(axis * angle), atol=1e-9)
    assert torch.allclose(lie.vee(X).norm(), angle, atol=1e-9)


def test_logm_rejects_what_has_no_principal_logarithm():
    with pytest.raises(ValueError, match="singular"):
        lie.logm(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ValueError, match="angle π"):
        lie.logm(lie.rotation_matrix(torch.tensor([0.0, 0.0, 1.0]), math.pi))


def test_bch_error_shrinks_at_the_order_the_series_promises():
    g = torch.Generator().manual_seed(0)
    A, B = torch.randn(3, 3, dtype=F64, generator=g), torch.randn(3, 3, dtype=F64, generator=g)
    for order, slope in ((1, 2), (2, 3), (3, 4)):
        errs = []
        for t in (1e-1, 1e-2):
            exact = lie.logm(lie.expm(t * A) @ lie.expm(t * B))
            errs.append(float((exact - lie.bch(t * A, t * B, order)).abs().max()))
        measured = math.log10(errs[0] / errs[1])
        assert abs(measured - slope) < 0.15, (order, measured)


def test_commuting_matrices_add_under_exp():
    D1, D2 = torch.diag(torch.tensor([0.3, -1.0, 2.0])), torch.diag(torch.tensor([1.0, 0.5, -0.2]))
    assert float(lie.commutator(D1, D2).abs().max()) == 0.0
    assert torch.allclose(lie.expm(D1) @ lie.expm(D2), lie.expm(D1 + D2), atol=1e-12)
    with pytest.raises(ValueError, match="order must be 1, 2 or 3"):
        lie.bch(D1, D2, order=4)


# --------------------------------------------------------------------------- so(3) and SO(3)


@settings(max_examples=50, deadline=None)
@given(st.tuples(finite, finite, finite), st.tuples(finite, finite, finite))
def test_hat_is_the_cross_product_and_a_lie_algebra_map(u, v):
    u, v = torch.tensor(u, dtype=F64), torch.tensor(v, dtype=F64)
    assert torch.allclose(lie.hat(u) @ v, torch.linalg.cross(u, v), atol=1e-12)
    assert torch.allclose(lie.commutator(lie.hat(u), lie.hat(v)), lie.hat(torch.linalg.cross(u, v)), atol=1e-12)
    assert torch.allclose(lie.vee(lie.hat(u)), u)


def test_vee_rejects_a_matrix_outside_so3():
    with pytest.raises(ValueError, match="not skew-symmetric"):
        lie.vee(torch.eye(3))


@settings(max_examples=60, deadline=None)
@given(rotations)
def test_axis_angle_inverts_rodrigues_and_matches_the_exponential(R):
    axis, angle = lie.axis_angle(R)
    assert 0 <= float(angle) <= math.pi
    assert torch.allclose(lie.rotation_matrix(axis, angle), R, atol=1e-9)
    assert torch.allclose(lie.expm(float(angle) * lie.hat(axis)), R, atol=1e-9)


def test_axis_angle_is_canonical_where_the_answer_is_not_unique():
    axis, angle = lie.axis_angle(torch.eye(3))
    assert float(angle) == 0 and axis.tolist() == [0.0, 0.0, 1.0]
    n = torch.tensor([-0.6, 0.0, 0.8], dtype=F64)
    for sign in (1, -1):
        axis, angle = lie.axis_angle(lie.rotation_matrix(sign * n, math.pi))
        assert math.isclose(float(angle), math.pi) and torch.allclose(axis, -n)  # first non-zero coordinate > 0
    with pytest.raises(ValueError, match="unit vector"):
        lie.rotation_matrix(torch.tensor([1.0, 1.0, 0.0]), 0.3)


@settings(max_examples=50, deadline=None)
@given(quaternions(), quaternions())
def test_quaternions_double_cover_so3(p, q):
    Rp, Rq = lie.quaternion_to_matrix(p), lie.quaternion_to_matrix(q)
    assert torch.allclose(lie.quaternion_to_matrix(lie.quaternion_multiply(p, q)), Rp @ Rq, atol=1e-12)
    assert torch.allclose(lie.quaternion_to_matrix(-q), Rq, atol=1e-15)  # q and −q: one rotation
    back = lie.matrix_to_quaternion(Rq)
    assert torch.allclose(back, q, atol=1e-8) or torch.allclose(back, -q, atol=1e-8)
    Up, Uq = lie.su2_matrix(p), lie.su2_matrix(q)
    assert torch.allclose(lie.su2_matrix(lie.quaternion_multiply(p, q)), Up @ Uq, atol=1e-12)
    assert torch.allclose(lie.su2_to_so3(Uq), Rq, atol=1e-12)
    assert torch.allclose(lie.su2_to_so3(-Uq), Rq, atol=1e-12)


def test_the_kernel_of_the_double_cover_is_plus_minus_identity():
    eye2 = torch.eye(2, dtype=torch.complex128)
    for U in (eye2, -eye2):
        assert torch.allclose(lie.su2_to_so3(U), torch.eye(3, dtype=F64))
    with pytest.raises(ValueError, match="unit quaternion"):
        lie.quaternion_to_matrix(torch.tensor([1.0, 1.0, 0.0, 0.0]))


@pytest.mark.parametrize("dim", [2, 3, 4, 5])
def test_random_rotations_are_rotations(dim):
    R = lie.random_rotation(dim, 20, generator=torch.Generator().manual_seed(dim))
    for r in R:
        lie.check_group_element(r, "SO")


def test_random_rotations_are_haar_distributed():
    """The angle of a Haar-random rotation of R³ has P(θ ≤ t) = (t − sin t)/π; E[R] = 0."""
    g = torch.Generator().manual_seed(1)
    for R in (lie.random_rotation(3, 4000, generator=g),
              lie.quaternion_to_matrix(lie.random_quaternion(4000, generator=g))):
        ks = lie.ks_distance(lie.rotation_angle(R), lie.haar_angle_cdf)
        assert ks < 0.03  # Kolmogorov–Smirnov: 1 % level ≈ 1.63/√4000 = 0.026
        assert float(R.mean(0).abs().max()) < 0.05


# --------------------------------------------------------------------------- spherical harmonics and irreps


def test_the_ks_distance_and_the_haar_angle_law():
    theta = torch.linspace(0, math.pi, 7, dtype=F64)
    assert torch.allclose(lie.haar_angle_cdf(theta)[[0, -1]], torch.tensor([0.0, 1.0], dtype=F64))
    R = lie.rotation_matrix(torch.tensor([0.0, 0.6, 0.8], dtype=F64), 2.5)
    assert math.isclose(float(lie.rotation_angle(R)), 2.5, rel_tol=1e-12)
    assert math.isclose(float(lie.rotation_angle(torch.stack([R, R.T]))[1]), 2.5, rel_tol=1e-12)
    # the exact quantiles (i − ½)/n of a law give the smallest possible distance, 1/(2n)
    uniform = lambda x: x  # noqa: E731
    assert math.isclose(lie.ks_distance((torch.arange(10, dtype=F64) + 0.5) / 10, uniform), 0.05, rel_tol=1e-12)
    assert math.isclose(lie.ks_distance(torch.zeros(5, dtype=F64), uniform), 1.0)
    with pytest.raises(ValueError, match=r"shape \[..., 3, 3\]"):
        lie.rotation_angle(torch.eye(2))


def test_spherical_harmonics_are_orthonormal_by_quadrature():
    pts, w = lie.sphere_quadrature(16)
    assert math.isclose(float(w.sum()), 4 * math.pi, rel_tol=1e-12)
    Y = torch.cat([lie.spherical_harmonics(l, pts) for l in range(8)], -1)
    gram = Y.T @ (w[:, None] * Y)
    assert torch.allclose(gram, torch.eye(64, dtype=F64), atol=1e-12)


@settings(max_examples=30, deadline=None)
@given(rotations, rotations, st.integers(0, 5))
def test_wigner_d_is_a_representation_and_moves_the_harmonics(R1, R2, l):
    x = torch.randn(20, 3, dtype=F64, generator=torch.Generator().manual_seed(l))
    D1, D2 = lie.wigner_D(l, R1), lie.wigner_D(l, R2)
    assert torch.allclose(lie.spherical_harmonics(l, x @ R1.T), lie.spherical_harmonics(l, x) @ D1.T, atol=1e-10)
    assert torch.allclose(lie.wigner_D(l, R1 @ R2), D1 @ D2, atol=1e-9)
    assert torch.allclose(D1.T @ D1, torch.eye(2 * l + 1, dtype=F64), atol=1e-10)
    _, angle = lie.axis_angle(R1)
    assert torch.allclose(torch.trace(D1), lie.so3_character(l, angle), atol=1e-9)


@pytest.mark.parametrize("l", [0, 1, 2, 3])
def test_generators_have_the_brackets_of_so3(l):
    Jx, Jy, Jz = lie.so3_generators(l)
    for a, b, c in ((Jx, Jy, Jz), (Jy, Jz, Jx), (Jz, Jx, Jy)):
        assert torch.allclose(lie.commutator(a, b), c, atol=1e-12)
        assert torch.allclose(a, -a.T)
    if l == 1:  # hat(e_i) in the basis (y, z, x) of the degree-1 harmonics
        P = torch.tensor([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=F64)
        for i, J in enumerate((Jx, Jy, Jz)):
            assert torch.allclose(J, P @ lie.hat(torch.eye(3, dtype=F64)[i]) @ P.T)


@pytest.mark.parametrize("l1, l2", [(0, 2), (1, 1), (1, 2), (2, 2), (2, 3)])
def test_clebsch_gordan_decomposition_by_characters(l1, l2):
    """χ_l1 χ_l2 = Σ_{l=|l1−l2|}^{l1+l2} χ_l, and Weyl's integral finds each l once."""
    theta = torch.linspace(0, math.pi, 2001, dtype=F64)
    prod = lie.so3_character(l1, theta) * lie.so3_character(l2, theta)
    assert torch.allclose(prod, sum(lie.so3_character(l, theta) for l in range(abs(l1 - l2), l1 + l2 + 1)), atol=1e-9)
    density = (1 - torch.cos(theta)) / math.pi  # the class function integral over Haar measure
    for l in range(0, l1 + l2 + 3):
        f = prod * lie.so3_character(l, theta) * density
        mult = float(torch.trapezoid(f, theta))
        assert abs(mult - (1 if abs(l1 - l2) <= l <= l1 + l2 else 0)) < 1e-4


@settings(max_examples=20, deadline=None)
@given(rotations)
def test_clebsch_gordan_tensors_are_invariant(R):
    for l1, l2, l3 in ((1, 1, 0), (1, 1, 1), (1, 1, 2), (1, 2, 3), (2, 2, 2)):
        C = lie.clebsch_gordan(l1, l2, l3)
        D = [lie.wigner_D(l, R) for l in (l1, l2, l3)]
        assert torch.allclose(torch.einsum("ia,jb,kc,abc->ijk", *D, C), C, atol=1e-10)
        assert math.isclose(float(C.norm()), 1.0)


def test_clebsch_gordan_and_friends_reject_bad_degrees():
    with pytest.raises(ValueError, match="triangle condition"):
        lie.clebsch_gordan(1, 1, 3)
    with pytest.raises(ValueError, match="non-negative integer"):
        lie.spherical_harmonics(-1, torch.ones(3))
    with pytest.raises(ValueError, match="non-negative integer"):
        lie.wigner_D(1.5, torch.eye(3))
    with pytest.raises(ValueError, match="non-zero points"):
        lie.spherical_harmonics(2, torch.zeros(1, 3))
    with pytest.raises(ValueError, match="reflection"):
        lie.wigner_D(1, -torch.eye(3))


# --------------------------------------------------------------------------- e3nn, the second opinion

P = torch.tensor([[0.0, 1, 0], [0, 0, 1], [1, 0, 0]], dtype=F64)  # (x, y, z) ↦ (y, z, x), a rotation


@pytest.fixture
def float64_default():
    """e3nn builds its tables in the default dtype: float64 for a cross-check at 1e-6."""
    old = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    yield
    torch.set_default_dtype(old)


@pytest.mark.parametrize("l", range(6))
def test_spherical_harmonics_and_wigner_d_agree_with_e3nn(l, float64_default):
    g = torch.Generator().manual_seed(l)
    x = torch.randn(200, 3, dtype=F64, generator=g)
    ours = lie.spherical_harmonics(l, x @ P)  # e3nn's axes are ours relabelled cyclically
    theirs = o3.spherical_harmonics(l, x, normalize=True, normalization="integral")
    assert float((ours - theirs).abs().max()) < 1e-6
    for R in lie.random_rotation(3, 5, generator=g):
        assert float((lie.wigner_D(l, P.T @ R @ P) - o3.Irrep(l, 1).D_from_matrix(R)).abs().max()) < 1e-6


@pytest.mark.parametrize("ls", [(1, 1, 0), (1, 1, 2), (1, 2, 2), (2, 2, 2), (2, 3, 4), (3, 3, 2)])
def test_clebsch_gordan_agrees_with_e3nn_up_to_sign(ls, float64_default):
    ours, theirs = lie.clebsch_gordan(*ls), o3.wigner_3j(*ls).to(F64)
    assert min(float((ours - theirs).abs().max()), float((ours + theirs).abs().max())) < 1e-6


# --------------------------------------------------------------------------- images


@pytest.mark.parametrize("size", [8, 9])
def test_rotate_image_by_quarter_turns_is_rot90(size):
    x = torch.rand(2, size, size, dtype=F64, generator=torch.Generator().manual_seed(size))
    for k in range(4):
        assert torch.allclose(lie.rotate_image(x, k * math.pi / 2), torch.rot90(x, k, dims=(-2, -1)), atol=1e-12)


def test_rotating_twice_by_45_degrees_is_not_rotating_by_90():
    """Interpolation breaks the action law on the pixel grid: the gap is large for noise, small for smooth images."""
    n = 33
    r = torch.arange(n, dtype=F64) - (n - 1) / 2
    yy, xx = torch.meshgrid(r, r, indexing="ij")
    disk = (xx**2 + yy**2 <= (n / 2 - 2) ** 2).to(F64)
    noise = torch.rand(n, n, dtype=F64, generator=torch.Generator().manual_seed(0)) * disk
    smooth = torch.exp(-((xx - 4) ** 2 + (yy + 3) ** 2) / 30)
    gaps = {}
    for name, img in (("noise", noise), ("smooth", smooth)):
        twice = lie.rotate_image(lie.rotate_image(img, math.pi / 4), math.pi / 4)
        gaps[name] = float((twice - torch.rot90(img, 1)).norm() / img.norm())
    assert gaps["noise"] > 0.3 and gaps["smooth"] < 0.02


def test_rotate_image_rejects_bad_arguments():
    with pytest.raises(ValueError, match="mode must be"):
        lie.rotate_image(torch.zeros(4, 4), 0.1, mode="bicubic")
    with pytest.raises(ValueError, match="shape \\[..., H, W\\]"):
        lie.rotate_image(torch.zeros(4), 0.1)
    with pytest.raises(ValueError, match="finite number"):
        lie.rotate_image(torch.zeros(4, 4), float("inf"))


def test_logm_survives_subnormal_entries():
    """Found by hypothesis: LAPACK's eigenvalue routine failed to converge on entries like 1e-277."""
    A = torch.tensor([[0.0, 1.5, 1.5], [8.7297e-67, 0.0, 0.0], [2.1583e-277, 4.7196e-284, 0.0]], dtype=F64)
    assert torch.allclose(lie.expm(lie.logm(lie.expm(A))), lie.expm(A), atol=1e-10)


def test_membership_and_wigner_d_work_on_batches():
    R = lie.random_rotation(3, 4, generator=torch.Generator().manual_seed(0))
    assert lie.check_group_element(R, "SO").shape == (4, 3, 3)
    D = lie.wigner_D(2, R)
    assert D.shape == (4, 5, 5) and torch.allclose(D[2], lie.wigner_D(2, R[2]))
    R[2] = -R[2]
    with pytest.raises(ValueError, match="det -1 \\(matrix 2 of the batch\\)"):
        lie.check_group_element(R, "SO")
    with pytest.raises(ValueError, match="matrix 2 of the batch"):
        lie.check_group_element(R, "SL")
