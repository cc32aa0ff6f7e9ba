"""Matrix Lie groups by computation: GL(n), O(n), SO(n), SE(n), SO(2), SO(3) and SU(2).

Everything is a float64 (or complex128) ``torch`` tensor, so the functions compose with
``torch.linalg.matrix_exp`` and with autograd. The chapter *Continuous groups* explains
each function; its docstring names the section.

* membership tests that say what fails (:func:`check_group_element`), the exponential and
  the principal logarithm (:func:`expm`, :func:`logm`), the bracket and the
  Baker–Campbell–Hausdorff series to third order (:func:`commutator`, :func:`bch`);
* so(3) and SO(3): the hat map (:func:`hat`, :func:`vee`), axis–angle
  (:func:`rotation_matrix`, :func:`axis_angle`), unit quaternions and the double cover
  SU(2) → SO(3) (:func:`quaternion_to_matrix`, :func:`su2_matrix`, :func:`su2_to_so3`), Haar
  random rotations (:func:`random_rotation`);
* the irreducible representations of SO(3): real spherical harmonics
  (:func:`spherical_harmonics`), their generators and Wigner D-matrices
  (:func:`so3_generators`, :func:`wigner_D`), characters (:func:`so3_character`) and the
  Clebsch–Gordan tensors (:func:`clebsch_gordan`); a quadrature on the sphere
  (:func:`sphere_quadrature`).

Conventions: real spherical harmonics are orthonormal on the unit sphere and ordered
m = −l, …, l, with Y_{l,m} ∝ cos(mφ) for m > 0 and sin(|m|φ) for m < 0 and no
Condon–Shortley sign (the table of real spherical harmonics in most references). At the
point (x, y, z) it equals e3nn's ``spherical_harmonics(l, (y, z, x), normalization="integral")``:
e3nn uses the same functions with the axes cyclically relabelled, which the tests check.
``wigner_D(l, R)`` satisfies Y_l(R x) = D^l(R) Y_l(x).

Explained in Chapter 7, *Continuous groups*.
"""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import torch
from torch import Tensor

__all__ = [
    "GROUPS",
    "as_matrix",
    "check_group_element",
    "expm",
    "logm",
    "commutator",
    "bch",
    "so2_generator",
    "rotation_2d",
    "hat",
    "vee",
    "rotation_matrix",
    "axis_angle",
    "quaternion_multiply",
    "quaternion_to_matrix",
    "matrix_to_quaternion",
    "su2_matrix",
    "su2_to_so3",
    "random_rotation",
    "rotation_angle",
    "haar_angle_cdf",
    "ks_distance",
    "random_quaternion",
    "rotate_image",
    "sphere_quadrature",
    "spherical_harmonics",
    "so3_generators",
    "wigner_D",
    "so3_character",
    "clebsch_gordan",
]

F64 = torch.float64
C128 = torch.complex128

#: The matrix groups :func:`check_group_element` knows.
GROUPS = ("GL", "SL", "O", "SO", "SE", "SU", "U")


# --------------------------------------------------------------------------- matrices and membership


def as_matrix(M, name: str = "matrix", *, complex_ok: bool = True) -> Tensor:
    """``M`` as a float64 (or complex128) tensor of shape ``[..., n, n]``; a clear error otherwise.

    Explained in Chapter 7, *Matrix groups*.
    """
    try:
        t = torch.as_tensor(M)
    except (TypeError, ValueError, RuntimeError) as e:
        raise TypeError(f"{name} must be a matrix (a tensor, array or nested list), got {type(M).__name__}") from e
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise ValueError(f"{name} must be a square matrix, got shape {tuple(t.shape)}")
    if t.is_complex():
        if not complex_ok:
            raise ValueError(f"{name} must be real")
        t = t.to(C128)
    else:
        t = t.to(F64)
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} has entries that are not finite")
    return t


def _as_vector(v, size: int, name: str) -> Tensor:
    t = torch.as_tensor(v).to(F64)
    if t.ndim < 1 or t.shape[-1] != size:
        raise ValueError(f"{name} must have last dimension {size}, got shape {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} has entries that are not finite")
    return t


def _gap(x: Tensor) -> float:
    return float(x.abs().max()) if x.numel() else 0.0


def check_group_element(M, group: str, *, tol: float = 1e-9) -> Tensor:
    """Check that ``M`` lies in a matrix group, to tolerance; return it as a tensor, or raise ``ValueError``.

    ``group`` is one of :data:`GROUPS`: ``"GL"`` (invertible), ``"SL"`` (det 1), ``"O"``
    (MᵀM = I), ``"SO"`` (orthogonal, det +1), ``"SE"`` (a homogeneous matrix
    ``[[R, t], [0, 1]]`` with R in SO(n − 1)), ``"U"`` and ``"SU"`` (complex, M*M = I, det 1
    for SU). The message names the condition that fails and by how much, for example
    ``not orthogonal: max |MᵀM − I| = 3.1e-02 > tol 1e-09`` or ``orthogonal with det −1: a
    reflection, in O(3) but not SO(3)``.

    Explained in Chapter 7, *Matrix groups*.
    """
    if group not in GROUPS:
        raise ValueError(f"unknown group {group!r}; choose from {GROUPS}")
    M = as_matrix(M, f"an element of {group}(n)")
    n = M.shape[-1]
    eye = torch.eye(n, dtype=M.dtype)
    if group in ("GL", "SL"):
        s = torch.linalg.svdvals(M)
        if float(s.min()) <= tol * max(float(s.max()), 1.0):
            raise ValueError(f"not invertible: smallest singular value {float(s.min()):.1e} (tol {tol:.0e})")
        if group == "SL":
            bad = _first_bad_det(M, tol)
            if bad is not None:
                det, where = bad
                raise ValueError(f"determinant {det.real:.6g} ≠ 1{where}: in GL({n}) but not SL({n})")
        return M
    if group == "SE":
        if M.is_complex():
            raise ValueError("an element of SE(n) is real")
        bottom = M[..., -1, :]
        want = torch.zeros(n, dtype=F64)
        want[-1] = 1
        if _gap(bottom - want) > tol:
            raise ValueError(f"last row must be (0, …, 0, 1) for a homogeneous matrix, got {bottom.tolist()}")
        check_group_element(M[..., :-1, :-1], "SO", tol=tol)
        return M
    if group in ("O", "SO") and M.is_complex():
        raise ValueError(f"an element of {group}(n) is real; use 'U' or 'SU' for complex matrices")
    adj = M.conj().transpose(-1, -2)
    err = _gap(adj @ M - eye)
    if err > tol:
        word = "orthogonal" if group in ("O", "SO") else "unitary"
        sym = "MᵀM" if word == "orthogonal" else "M*M"
        raise ValueError(f"not {word}: max |{sym} − I| = {err:.1e} > tol {tol:.0e}")
    if group in ("SO", "SU"):
        bad = _first_bad_det(M, max(tol, 1e-12) * n)
        if bad is not None:
            det, where = bad
            if group == "SO":
                raise ValueError(f"orthogonal with det {det.real:+.0f}{where}: a reflection, in O({n}) but not SO({n})")
            raise ValueError(f"unitary with det {det.real:.3g}{det.imag:+.3g}i ≠ 1{where}: in U({n}) but not SU({n})")
    return M


def _first_bad_det(M: Tensor, tol: float) -> tuple[complex, str] | None:
    """The first determinant of a (batch of) matrices farther than ``tol`` from 1, and where it is."""
    det = torch.linalg.det(M).reshape(-1)
    bad = torch.nonzero((det - 1).abs() > tol)
    if not len(bad):
        return None
    i = int(bad[0, 0])
    return complex(det[i]), (f" (matrix {i} of the batch)" if M.ndim > 2 else "")


# --------------------------------------------------------------------------- exp, log, bracket


def expm(A) -> Tensor:
    """The matrix exponential exp(A) = Σ Aᵏ/k! (``torch.linalg.matrix_exp``; batched).

    Explained in Chapter 7, *The exponential map*.
    """
    return torch.linalg.matrix_exp(as_matrix(A, "A"))


def _sqrtm_db(M: Tensor, iters: int = 100) -> Tensor:
    """Principal square root by the (product form of the) Denman–Beavers iteration."""
    Y, Z = M.clone(), torch.eye(M.shape[-1], dtype=M.dtype).expand_as(M).clone()
    for _ in range(iters):
        Yi, Zi = torch.linalg.inv(Y), torch.linalg.inv(Z)
        Y_new, Z_new = (Y + Zi) / 2, (Z + Yi) / 2
        if _gap(Y_new - Y) <= 1e-15 * max(_gap(Y_new), 1.0):
            return Y_new
        Y, Z = Y_new, Z_new
    return Y


def logm(M, *, max_roots: int = 60) -> Tensor:
    """The principal matrix logarithm: the X with exp(X) = M whose eigenvalues have imaginary parts in (−π, π).

    Inverse scaling and squaring: take square roots until ``M^(1/2^s)`` is within 1/4 of
    the identity, sum the series log(I + E) = E − E²/2 + E³/3 − …, multiply by 2^s.
    Defined when M has no eigenvalue on the closed negative real axis; otherwise (a
    singular matrix, or a rotation by exactly π, whose logarithm is not unique) a
    ``ValueError`` says so. Real input gives a real result.

    Explained in Chapter 7, *The exponential map*.
    """
    M = as_matrix(M, "M")
    if M.ndim != 2:
        return torch.stack([logm(m, max_roots=max_roots) for m in M.reshape(-1, *M.shape[-2:])]).reshape(M.shape)
    n = M.shape[-1]
    # LAPACK's eigenvalue routine can fail on subnormal entries; they move no eigenvalue visibly
    flushed = torch.where(M.abs() < 1e-200, torch.zeros_like(M), M)
    try:
        ev = torch.linalg.eigvals(flushed)
    except torch.linalg.LinAlgError:  # pragma: no cover - then the square roots below detect a bad M
        ev = None
    if ev is not None:
        scale = max(float(ev.abs().max()), 1.0)
        if float(ev.abs().min()) < 1e-13 * scale:
            raise ValueError("M is singular: it has no logarithm (it is not in GL(n))")
        on_axis = (ev.real < 0) & (ev.imag.abs() <= 1e-10 * scale)
        if bool(on_axis.any()):
            raise ValueError(
                f"M has the eigenvalue {float(ev[on_axis][0].real):.3g} on the negative real axis (for a rotation: "
                "angle π), so its principal logarithm is not defined"
            )
    eye = torch.eye(n, dtype=M.dtype)
    R, s = M, 0
    while _gap(R - eye) > 0.25:
        if s >= max_roots:
            raise ValueError("logm: the square roots did not approach the identity")
        R, s = _sqrtm_db(R), s + 1
    E = R - eye
    term, X, k = E.clone(), torch.zeros_like(E), 1
    while True:
        X = X + term / k * (1 if k % 2 else -1)
        k += 1
        term = term @ E
        if _gap(term) / k < 1e-18 or k > 200:
            break
    return X * 2**s


def commutator(A, B) -> Tensor:
    """The Lie bracket [A, B] = AB − BA.

    Explained in Chapter 7, *When exp(A)exp(B) is not exp(A + B)*.
    """
    A, B = as_matrix(A, "A"), as_matrix(B, "B")
    if A.shape != B.shape:
        raise ValueError(f"A and B must have the same shape, got {tuple(A.shape)} and {tuple(B.shape)}")
    return A @ B - B @ A


def bch(A, B, order: int = 2) -> Tensor:
    """The Baker–Campbell–Hausdorff series for log(exp(A) exp(B)), to ``order`` 1, 2 or 3.

    Order 1: A + B; order 2 adds [A, B]/2; order 3 adds ([A, [A, B]] + [B, [B, A]])/12.
    For A, B of size t the error of order k is O(t^(k+1)).

    Explained in Chapter 7, *When exp(A)exp(B) is not exp(A + B)*.
    """
    if order not in (1, 2, 3):
        raise ValueError(f"order must be 1, 2 or 3, got {order!r}")
    A, B = as_matrix(A, "A"), as_matrix(B, "B")
    out = A + B
    if order >= 2:
        out = out + commutator(A, B) / 2
    if order >= 3:
        out = out + (commutator(A, commutator(A, B)) + commutator(B, commutator(B, A))) / 12
    return out


# --------------------------------------------------------------------------- SO(2), so(3), SO(3)


def so2_generator() -> Tensor:
    """The generator J = [[0, −1], [1, 0]] of so(2): exp(θJ) is the rotation by θ.

    Explained in Chapter 7, *SO(2)*.
    """
    return torch.tensor([[0.0, -1.0], [1.0, 0.0]], dtype=F64)


def rotation_2d(theta) -> Tensor:
    """The rotation matrices [[cos θ, −sin θ], [sin θ, cos θ]] (batched over θ).

    Explained in Chapter 7, *SO(2)*.
    """
    t = torch.as_tensor(theta, dtype=F64)
    c, s = torch.cos(t), torch.sin(t)
    return torch.stack([torch.stack([c, -s], -1), torch.stack([s, c], -1)], -2)


def hat(v) -> Tensor:
    """The hat map R³ → so(3): hat(v) x = v × x (batched).

    Explained in Chapter 7, *SO(3)*.
    """
    v = _as_vector(v, 3, "v")
    z = torch.zeros_like(v[..., 0])
    x, y, w = v[..., 0], v[..., 1], v[..., 2]
    return torch.stack([torch.stack([z, -w, y], -1), torch.stack([w, z, -x], -1), torch.stack([-y, x, z], -1)], -2)


def vee(X, *, tol: float = 1e-9) -> Tensor:
    """The inverse of :func:`hat`; ``ValueError`` if X is not skew-symmetric to ``tol``.

    Explained in Chapter 7, *SO(3)*.
    """
    X = as_matrix(X, "X", complex_ok=False)
    if X.shape[-1] != 3:
        raise ValueError(f"X must be 3×3, got shape {tuple(X.shape)}")
    err = _gap(X + X.transpose(-1, -2))
    if err > tol:
        raise ValueError(f"X is not skew-symmetric (max |X + Xᵀ| = {err:.1e}), so it is not in so(3)")
    return torch.stack([X[..., 2, 1], X[..., 0, 2], X[..., 1, 0]], -1)


def rotation_matrix(axis, angle) -> Tensor:
    """The rotation by ``angle`` about the unit vector ``axis`` (Rodrigues' formula; batched).

    R = I + sin θ K + (1 − cos θ) K² with K = hat(axis) = exp(θK). ``axis`` must be a unit
    vector (to 1e-9), or ``ValueError``.

    Explained in Chapter 7, *SO(3)*.
    """
    n = _as_vector(axis, 3, "axis")
    norm_err = _gap(n.norm(dim=-1) - 1)
    if norm_err > 1e-9:
        raise ValueError(f"axis must be a unit vector (|‖axis‖ − 1| = {norm_err:.1e})")
    t = torch.as_tensor(angle, dtype=F64)[..., None, None]
    K = hat(n)
    return torch.eye(3, dtype=F64) + torch.sin(t) * K + (1 - torch.cos(t)) * (K @ K)


def axis_angle(R, *, tol: float = 1e-9) -> tuple[Tensor, Tensor]:
    """(axis, angle) of a rotation, with angle in [0, π]; the inverse of :func:`rotation_matrix`.

    Canonical where the answer is not unique: the identity gives axis (0, 0, 1) and angle 0;
    at angle π, where ±axis give the same rotation, the axis whose first non-zero coordinate
    is positive. ``R`` is checked to be in SO(3) (a single matrix).

    Explained in Chapter 7, *SO(3)*.
    """
    R = check_group_element(R, "SO", tol=tol)
    if R.shape != (3, 3):
        raise ValueError(f"R must be a single 3×3 rotation, got shape {tuple(R.shape)}")
    cos = float(((torch.trace(R) - 1) / 2).clamp(-1, 1))
    w = torch.stack([R[2, 1] - R[1, 2], R[0, 2] - R[2, 0], R[1, 0] - R[0, 1]])  # 2 sin θ · axis
    sin = float(w.norm()) / 2
    angle = math.atan2(sin, cos)
    if sin > 1e-6 or (cos > 0 and sin > 1e-14):  # w / ‖w‖ is accurate to about 1e-16 / sin θ
        axis = w / w.norm()
    elif cos > 0:  # the identity, to rounding
        return torch.tensor([0.0, 0.0, 1.0], dtype=F64), torch.tensor(0.0, dtype=F64)
    else:  # angle near π: the symmetric part of R is cos θ I + (1 − cos θ) n nᵀ; read n from its largest column
        B = ((R + R.T) / 2 - cos * torch.eye(3, dtype=F64)) / (1 - cos)
        i = int(torch.argmax(torch.diagonal(B)))
        axis = B[i] / torch.sqrt(B[i, i])
        if sin > 0:  # keep the sign that matches the small skew part
            axis = axis * (1.0 if float(axis @ w) >= 0 else -1.0)
        axis = axis / axis.norm()
    if angle > math.pi - 1e-12:
        first = axis[torch.nonzero(axis.abs() > 1e-12)[0, 0]]
        axis = axis * torch.sign(first)
    return axis, torch.tensor(angle, dtype=F64)


def _unit_quaternion(q, name: str = "q") -> Tensor:
    q = _as_vector(q, 4, name)
    err = _gap(q.norm(dim=-1) - 1)
    if err > 1e-9:
        raise ValueError(f"{name} must be a unit quaternion (w, x, y, z) (|‖{name}‖ − 1| = {err:.1e})")
    return q


def quaternion_multiply(p, q) -> Tensor:
    """The Hamilton product p·q of quaternions written (w, x, y, z) (batched).

    Explained in Chapter 7, *Quaternions and the double cover*.
    """
    p, q = _as_vector(p, 4, "p"), _as_vector(q, 4, "q")
    w1, x1, y1, z1 = p.unbind(-1)
    w2, x2, y2, z2 = q.unbind(-1)
    return torch.stack([
        w1 * w2 - x1 * x2 - y1 * y2 - z1 * z2,
        w1 * x2 + x1 * w2 + y1 * z2 - z1 * y2,
        w1 * y2 - x1 * z2 + y1 * w2 + z1 * x2,
        w1 * z2 + x1 * y2 - y1 * x2 + z1 * w2,
    ], -1)


def quaternion_to_matrix(q) -> Tensor:
    """The rotation x ↦ q x q⁻¹ of a unit quaternion (w, x, y, z); q and −q give the same matrix.

    Explained in Chapter 7, *Quaternions and the double cover*.
    """
    q = _unit_quaternion(q)
    w, x, y, z = q.unbind(-1)
    return torch.stack([
        torch.stack([1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y)], -1),
        torch.stack([2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x)], -1),
        torch.stack([2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y)], -1),
    ], -2)


def matrix_to_quaternion(R, *, tol: float = 1e-9) -> Tensor:
    """The unit quaternion of a rotation, with the sign fixed: w > 0, or (w = 0) first non-zero entry > 0.

    Explained in Chapter 7, *Quaternions and the double cover*.
    """
    axis, angle = axis_angle(R, tol=tol)
    q = torch.cat([torch.cos(angle / 2)[None], torch.sin(angle / 2) * axis])
    first = q[torch.nonzero(q.abs() > 1e-12)[0, 0]]
    return q * torch.sign(first)


def su2_matrix(q) -> Tensor:
    """The SU(2) matrix w I − i (x σ_x + y σ_y + z σ_z) = [[w − iz, −y − ix], [y − ix, w + iz]] of a unit quaternion.

    The quaternion units i, j, k go to −iσ_x, −iσ_y, −iσ_z (Pauli matrices σ), which
    multiply like i, j, k; a rotation by θ about n is the quaternion (cos θ/2, sin θ/2 · n),
    that is exp(−iθ n·σ/2).

    q ↦ su2_matrix(q) is an isomorphism from the unit quaternions to SU(2):
    ``su2_matrix(quaternion_multiply(p, q)) = su2_matrix(p) @ su2_matrix(q)``.

    Explained in Chapter 7, *Quaternions and the double cover*.
    """
    q = _unit_quaternion(q).to(C128)
    w, x, y, z = q.unbind(-1)
    return torch.stack([torch.stack([w - 1j * z, -y - 1j * x], -1), torch.stack([y - 1j * x, w + 1j * z], -1)], -2)


_PAULI = None


def _pauli() -> Tensor:
    global _PAULI
    if _PAULI is None:
        _PAULI = torch.tensor([[[0, 1], [1, 0]], [[0, -1j], [1j, 0]], [[1, 0], [0, -1]]], dtype=C128)
    return _PAULI


def su2_to_so3(U, *, tol: float = 1e-9) -> Tensor:
    """The double cover SU(2) → SO(3): the rotation R with U (v·σ) U* = (Rv)·σ for the Pauli matrices σ.

    R_ij = ½ tr(σ_i U σ_j U*). A homomorphism whose kernel is {I, −I}; it agrees with
    :func:`quaternion_to_matrix` through :func:`su2_matrix`.

    Explained in Chapter 7, *Quaternions and the double cover*.
    """
    U = check_group_element(U, "SU", tol=tol).to(C128)
    if U.shape[-1] != 2:
        raise ValueError(f"U must be 2×2, got shape {tuple(U.shape)}")
    s = _pauli()
    Ud = U.conj().transpose(-1, -2)
    conj = U[..., None, :, :] @ s @ Ud[..., None, :, :]  # U σ_j U*, j = 0, 1, 2
    R = torch.einsum("iab,...jba->...ij", s, conj) / 2
    return R.real


def random_quaternion(n: int | None = None, *, generator: torch.Generator | None = None) -> Tensor:
    """Uniform random unit quaternions (a normalised Gaussian 4-vector): Haar-random rotations through the double cover.

    Explained in Chapter 7, *Haar-random rotations*.
    """
    shape = (4,) if n is None else (_positive(n, "n"), 4)
    q = torch.randn(shape, dtype=F64, generator=generator)
    return q / q.norm(dim=-1, keepdim=True)


def _positive(n, name: str) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"{name} must be a positive integer, got {n!r}")
    return int(n)


def random_rotation(dim: int = 3, n: int | None = None, *, generator: torch.Generator | None = None) -> Tensor:
    """Haar-random rotations in SO(dim): QR of a Gaussian matrix with the signs fixed, det made +1.

    With R's diagonal made positive, Q is Haar-distributed on O(dim); multiplying the
    first column by −1 when det Q = −1 maps the other coset onto SO(dim) and keeps the
    measure. ``n`` draws a batch ``[n, dim, dim]``.

    Explained in Chapter 7, *Haar-random rotations*.
    """
    dim = _positive(dim, "dim")
    shape = (dim, dim) if n is None else (_positive(n, "n"), dim, dim)
    G = torch.randn(shape, dtype=F64, generator=generator)
    Q, R = torch.linalg.qr(G)
    Q = Q * torch.sign(torch.diagonal(R, dim1=-2, dim2=-1))[..., None, :]
    flip = torch.linalg.det(Q) < 0
    Q[..., :, 0] = torch.where(flip[..., None], -Q[..., :, 0], Q[..., :, 0])
    return Q


def rotation_angle(R) -> Tensor:
    """The rotation angle θ ∈ [0, π] of one rotation or a batch [..., 3, 3], from tr R = 1 + 2 cos θ.

    No membership check (batches of Haar samples are large); use :func:`axis_angle` for a
    checked, single rotation with its axis.

    Explained in Chapter 7, *Haar-random rotations*.
    """
    R = torch.as_tensor(R)
    if R.shape[-2:] != (3, 3):
        raise ValueError(f"expected rotations of shape [..., 3, 3], got shape {tuple(R.shape)}")
    return torch.arccos(((torch.diagonal(R, dim1=-2, dim2=-1).sum(-1) - 1) / 2).clamp(-1, 1))


def haar_angle_cdf(theta) -> Tensor:
    """P(angle ≤ θ) = (θ − sin θ)/π for a Haar-random rotation of SO(3) (density (1 − cos θ)/π on [0, π]).

    Explained in Chapter 7, *Haar-random rotations*.
    """
    theta = torch.as_tensor(theta, dtype=F64)
    return (theta - torch.sin(theta)) / math.pi


def ks_distance(samples, cdf) -> float:
    """The Kolmogorov–Smirnov statistic sup_x |empirical CDF(x) − cdf(x)| of one-dimensional ``samples``.

    Explained in Chapter 7, *Haar-random rotations*.
    """
    x = torch.as_tensor(samples, dtype=F64).flatten().sort().values
    if x.numel() == 0:
        raise ValueError("need at least one sample")
    F = cdf(x)
    i = torch.arange(1, x.numel() + 1, dtype=F64)
    return float(torch.maximum(i / x.numel() - F, F - (i - 1) / x.numel()).max())


def rotate_image(image, angle, *, mode: str = "bilinear") -> Tensor:
    """Rotate images [..., H, W] counter-clockwise by ``angle`` about their centre, by interpolation.

    The value at each output pixel centre p is the input interpolated at R(−angle) p
    (``torch.nn.functional.grid_sample``, ``mode`` "bilinear" or "nearest", zeros outside).
    For a square image and a multiple of π/2 every sample lands on a pixel centre, and the
    result equals ``torch.rot90`` (checked in the tests); for other angles it does not, and
    rotating twice by θ differs from rotating once by 2θ: interpolation is not an action of
    SO(2) on the pixel grid. Float64.

    Explained in Chapter 7, *Rotating an image is not an action on pixels*.
    """
    import torch.nn.functional as F

    if mode not in ("bilinear", "nearest"):
        raise ValueError(f"mode must be 'bilinear' or 'nearest', got {mode!r}")
    x = torch.as_tensor(image).to(F64)
    if x.ndim < 2:
        raise ValueError(f"image must have shape [..., H, W], got {tuple(x.shape)}")
    if not isinstance(angle, (int, float)) or not math.isfinite(angle):
        raise ValueError(f"angle must be a finite number (radians), got {angle!r}")
    lead, (H, W) = x.shape[:-2], x.shape[-2:]
    flat = x.reshape(-1, 1, H, W)
    # pixel centres in units of pixels about the centre; rows go down, so counter-clockwise on screen
    # is the rotation of (column, −row)
    c, s = math.cos(angle), math.sin(angle)
    rows = torch.arange(H, dtype=F64) - (H - 1) / 2
    cols = torch.arange(W, dtype=F64) - (W - 1) / 2
    r, q = torch.meshgrid(rows, cols, indexing="ij")
    u, v = q, -r  # Cartesian coordinates of the output pixel
    su, sv = c * u + s * v, -s * u + c * v  # rotate back by −angle
    gx, gy = su / (W / 2), -sv / (H / 2)  # grid_sample's normalised coordinates, align_corners=False
    grid = torch.stack([gx, gy], -1).expand(flat.shape[0], H, W, 2)
    out = F.grid_sample(flat, grid, mode=mode, padding_mode="zeros", align_corners=False)
    return out.reshape(*lead, H, W)


# --------------------------------------------------------------------------- the sphere and the irreps of SO(3)


def sphere_quadrature(degree: int) -> tuple[Tensor, Tensor]:
    """Points [n, 3] and weights [n] on the unit sphere, exact for polynomials up to ``degree``.

    Gauss–Legendre nodes in z = cos θ times equally spaced φ; the weights sum to 4π.

    Explained in Chapter 7, *Spherical harmonics*.
    """
    degree = _positive(degree, "degree")
    nz = degree // 2 + 1
    nphi = degree + 1
    z, wz = np.polynomial.legendre.leggauss(nz)
    phi = 2 * np.pi * np.arange(nphi) / nphi
    Z, PHI = np.meshgrid(z, phi, indexing="ij")
    r = np.sqrt(1 - Z**2)
    pts = np.stack([r * np.cos(PHI), r * np.sin(PHI), Z], -1).reshape(-1, 3)
    w = np.repeat(wz, nphi) * (2 * np.pi / nphi)
    return torch.from_numpy(pts), torch.from_numpy(w)


def _check_l(l) -> int:
    if isinstance(l, bool) or not isinstance(l, (int, np.integer)) or l < 0:
        raise ValueError(f"the degree l must be a non-negative integer, got {l!r}")
    return int(l)


@lru_cache(maxsize=None)
def _legendre_derivative_coeffs(l: int, m: int) -> tuple[float, ...]:
    """Power-series coefficients of d^m P_l / dz^m."""
    c = np.polynomial.legendre.leg2poly([0] * l + [1])
    for _ in range(m):
        c = np.polynomial.polynomial.polyder(c) if len(c) > 1 else np.zeros(1)
    return tuple(float(v) for v in np.atleast_1d(c))


def spherical_harmonics(l: int, x, *, normalize: bool = True) -> Tensor:
    """The 2l + 1 real spherical harmonics of degree l at points x [..., 3], ordered m = −l, …, l.

    Orthonormal on the unit sphere, Y_{l,m} ∝ (dᵐP_l/dzᵐ)(z) · Re (x + iy)ᵐ for m > 0 and
    Im (x + iy)^|m| for m < 0 — polynomials in (x, y, z), smooth at the poles. With
    ``normalize=True`` each point is first scaled to the unit sphere (the zero vector is
    an error); otherwise the homogeneous polynomials of degree l are evaluated as they are.

    Explained in Chapter 7, *Spherical harmonics*.
    """
    l = _check_l(l)
    x = _as_vector(x, 3, "x")
    if normalize:
        r = x.norm(dim=-1, keepdim=True)
        if bool((r == 0).any()):
            raise ValueError("spherical_harmonics(normalize=True) needs non-zero points")
        x = x / r
    X, Y, Z = x.unbind(-1)
    r2 = (x * x).sum(-1)
    out = []
    for m in range(-l, l + 1):
        a = abs(m)
        # the degree-(l − a) homogeneous polynomial r^(l−a) (dᵃP_l)(z/r): expand with powers of z and r²
        coeffs = _legendre_derivative_coeffs(l, a)
        poly = torch.zeros_like(Z)
        for k, c in enumerate(coeffs):
            if c != 0.0 and (l - a - k) % 2 == 0:
                poly = poly + c * Z**k * r2 ** ((l - a - k) // 2)  # l − a − k is even where c ≠ 0
        xy = torch.complex(X, Y) ** a if a else torch.ones_like(Z, dtype=C128)
        ang = xy.real if m >= 0 else xy.imag
        norm = math.sqrt((2 * l + 1) / (4 * math.pi) * math.factorial(l - a) / math.factorial(l + a))
        out.append((math.sqrt(2) if m else 1.0) * norm * poly * ang)
    return torch.stack(out, -1)


@lru_cache(maxsize=None)
def _generators(l: int) -> tuple[Tensor, Tensor, Tensor]:
    # Angular momentum in the complex basis |l, m⟩ (m = −l…l): L_z = diag(m), L_± ladders; Condon–Shortley
    # phases for the complex harmonics. U takes complex to real harmonics (rows: real m = −l…l).
    d = 2 * l + 1
    ms = torch.arange(-l, l + 1, dtype=F64)
    Lz = torch.diag(ms).to(C128)
    Lp = torch.zeros(d, d, dtype=C128)
    for i, m in enumerate(range(-l, l)):
        Lp[i + 1, i] = math.sqrt((l - m) * (l + m + 1))
    Lm = Lp.conj().T
    Lx, Ly = (Lp + Lm) / 2, (Lp - Lm) / 2j
    U = torch.zeros(d, d, dtype=C128)
    s2 = 1 / math.sqrt(2)
    for m in range(-l, l + 1):
        i = m + l
        if m == 0:
            U[i, l] = 1
        elif m > 0:  # cos(mφ): (Y_{-m} + (−1)^m Y_m)/√2
            U[i, l - m], U[i, l + m] = s2, (-1) ** m * s2
        else:  # sin(|m|φ): i (Y_{m} − (−1)^m Y_{−m})/√2
            a = -m
            U[i, l - a], U[i, l + a] = 1j * s2, -1j * (-1) ** a * s2
    # d/dt f(exp(t hat(n)) x) = i (n·L) f for L = −i x × ∇; on the vector of basis functions the matrix is
    # transposed (L Y_m = Σ_k L_km Y_k), and U carries it to the real basis: J = i U Lᵀ U*.
    gens = []
    for L in (Lx, Ly, Lz):
        J = 1j * (U @ L.T @ U.conj().T)
        if float(J.imag.abs().max()) > 1e-12:  # pragma: no cover - the construction is real
            raise RuntimeError("real-basis generator is not real")
        gens.append(J.real.contiguous())
    return tuple(gens)


def so3_generators(l: int) -> Tensor:
    """The three generators [3, 2l+1, 2l+1] of the degree-l irrep in the real spherical-harmonic basis.

    Real antisymmetric matrices J_x, J_y, J_z with [J_x, J_y] = J_z (and cyclically), the
    same brackets as hat(e_x), hat(e_y), hat(e_z): a Lie algebra homomorphism so(3) → so(2l+1).
    ``wigner_D(l, exp(hat(ω))) = exp(ω · J)``; for l = 1 the J_i are the hat(e_i) written in the
    basis (y, z, x) of the harmonics.

    Explained in Chapter 7, *Wigner D-matrices*.
    """
    return torch.stack(_generators(_check_l(l)))


def wigner_D(l: int, R, *, tol: float = 1e-9) -> Tensor:
    """The degree-l irrep D^l(R) of SO(3), so that Y_l(R x) = D^l(R) Y_l(x) (batched over R).

    Computed through the exponential map: R = exp(θ hat(n)) gives D^l(R) = exp(θ n · J^l)
    with the generators of :func:`so3_generators`; an orthogonal (2l + 1) × (2l + 1) matrix,
    and R ↦ D^l(R) is a homomorphism.

    Explained in Chapter 7, *Wigner D-matrices*.
    """
    l = _check_l(l)
    R = check_group_element(R, "SO", tol=tol)
    if R.shape[-1] != 3:
        raise ValueError(f"R must be 3×3, got shape {tuple(R.shape)}")
    if R.ndim > 2:
        return torch.stack([wigner_D(l, r, tol=tol) for r in R.reshape(-1, 3, 3)]).reshape(*R.shape[:-2], 2 * l + 1, 2 * l + 1)
    axis, angle = axis_angle(R, tol=tol)
    J = so3_generators(l)
    return torch.linalg.matrix_exp(angle * torch.einsum("i,ijk->jk", axis, J))


def so3_character(l: int, angle) -> Tensor:
    """χ_l(θ) = tr D^l(R) for a rotation by θ: sin((2l + 1)θ/2) / sin(θ/2), and 2l + 1 at θ = 0.

    Explained in Chapter 7, *Clebsch–Gordan by characters*.
    """
    l = _check_l(l)
    t = torch.as_tensor(angle, dtype=F64)
    ks = torch.arange(-l, l + 1, dtype=F64)
    return torch.cos(t[..., None] * ks).sum(-1)  # Σ_m e^{imθ}, real


@lru_cache(maxsize=None)
def _clebsch_gordan(l1: int, l2: int, l3: int) -> Tensor:
    d1, d2, d3 = 2 * l1 + 1, 2 * l2 + 1, 2 * l3 + 1
    J1, J2, J3 = (so3_generators(l) for l in (l1, l2, l3))
    I1, I2, I3 = (torch.eye(d, dtype=F64) for d in (d1, d2, d3))
    rows = []
    for a in range(3):  # invariance: (J1 ⊗ I ⊗ I + I ⊗ J2 ⊗ I + I ⊗ I ⊗ J3) w = 0 for each generator
        rows.append(torch.kron(torch.kron(J1[a], I2), I3) + torch.kron(torch.kron(I1, J2[a]), I3)
                    + torch.kron(torch.kron(I1, I2), J3[a]))
    A = torch.cat(rows)
    _, s, Vh = torch.linalg.svd(A)
    null = Vh[-1]
    if float(s[-1]) > 1e-9 or (len(s) > 1 and float(s[-2]) < 1e-9):  # pragma: no cover - Schur's lemma
        raise RuntimeError("the invariant space is not one-dimensional")
    null = torch.where(null.abs() < 1e-14, torch.zeros_like(null), null)
    first = null[torch.nonzero(null.abs() > 1e-12)[0, 0]]
    null = null * torch.sign(first) / null.norm() + 0.0  # + 0.0: no signed zeros
    return null.reshape(d1, d2, d3)


def clebsch_gordan(l1: int, l2: int, l3: int) -> Tensor:
    """The real Clebsch–Gordan tensor C [2l1+1, 2l2+1, 2l3+1]: the invariant of D^l1 ⊗ D^l2 ⊗ D^l3.

    Σ_{abc} D1_{ia} D2_{jb} D3_{kc} C_{abc} = C_{ijk} for every rotation, which makes
    (u, v) ↦ Σ_ab C_{abk} u_a v_b an equivariant bilinear map l1 × l2 → l3. It exists exactly
    when |l1 − l2| ≤ l3 ≤ l1 + l2 (else ``ValueError``) and is unique up to scale (Schur's
    lemma); returned with unit Frobenius norm and its first non-zero entry positive.

    Explained in Chapter 7, *Clebsch–Gordan by characters*.
    """
    l1, l2, l3 = (_check_l(l) for l in (l1, l2, l3))
    if not abs(l1 - l2) <= l3 <= l1 + l2:
        raise ValueError(f"no invariant: the triangle condition |l1 − l2| ≤ l3 ≤ l1 + l2 fails for ({l1}, {l2}, {l3})")
    return _clebsch_gordan(l1, l2, l3).clone()
