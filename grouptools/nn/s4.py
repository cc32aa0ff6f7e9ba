"""Structured state spaces: HiPPO, discretisation, S4 (DPLR) and S4D kernels and layers.

A state space model (SSM) maps an input signal u to an output y through a state x:

    x'(t) = A x(t) + B u(t),        y(t) = C x(t) + D u(t).

Discretised with a step Δ it becomes the linear recurrence

    x_k = Ā x_{k-1} + B̄ u_k,        y_k = C x_k + D u_k,

whose impulse response is the convolution kernel K_k = C Āᵏ B̄ (k = 0, …, L-1), so
that y = K * u + D u. This module computes K in three ways and checks they agree:

* :func:`kernel_recurrence` — run the recurrence on an impulse (the definition);
* :func:`kernel_powers` — the dense matrix powers C Āᵏ B̄, one k at a time;
* the fast paths: :func:`s4d_kernel` (diagonal A: a Vandermonde product, evaluated
  as a blocked matrix product that never stores the (channels × state × L) tensor)
  and :func:`dplr_kernel` (diagonal-plus-low-rank A: the truncated generating function
  at the L-th roots of unity, a Cauchy kernel with the Woodbury correction, then an
  inverse FFT), as in Gu, Goel and Ré (2022) and Gu, Gupta, Goel and Ré (2022).

Conventions. A state of size N that is *real* in the original basis becomes, after
diagonalisation, N complex modes in conjugate pairs. The S4 and S4D layers store one
mode of each pair (N/2 complex numbers per channel) and return ``2 Re(…)``; N must
therefore be even. Shapes: ``Lambda``, ``B``, ``C``, ``P`` are (H, N/2) complex (or
broadcastable to it), ``dt`` is (H,) positive, and kernels are (H, L) real.

Explained in Chapter 9, *S4 from scratch*.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "hippo_legs",
    "NPLR",
    "hippo_legs_nplr",
    "hippo_legs_dplr",
    "s4d_init",
    "legs_response",
    "discretize",
    "discretize_diagonal",
    "kernel_recurrence",
    "kernel_powers",
    "ssm_scan",
    "s4d_kernel",
    "s4d_kernel_naive",
    "cauchy_kernel",
    "dplr_kernel",
    "fft_conv",
    "S4DLayer",
    "S4Layer",
    "ssm_param_groups",
    "make_optimizer",
    "run_steps",
]

Discretization = Literal["zoh", "bilinear"]
_DISCRETIZATIONS = ("zoh", "bilinear")


def _doc_end(section: str) -> str:
    return f"Explained in Chapter 9, *{section}*."


# ---------------------------------------------------------------------------
# argument checks
# ---------------------------------------------------------------------------


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"{name} must be a positive integer, not {type(value).__name__} {value!r}")
    if value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value}")
    return value


def _check_state_size(N: object, *, even: bool) -> int:
    N = _check_positive_int(N, "state size N")
    if even and N % 2:
        raise ValueError(
            f"state size N must be even (the state is stored as N/2 conjugate pairs), got {N}"
        )
    return N


def _check_discretization(method: str) -> str:
    if method not in _DISCRETIZATIONS:
        raise ValueError(f"discretization must be 'zoh' or 'bilinear', not {method!r}")
    return method


def _check_dt(dt: Tensor) -> Tensor:
    dt = torch.as_tensor(dt)
    if dt.is_complex():
        raise TypeError("the time step dt must be real")
    if bool((dt <= 0).any()):
        raise ValueError(f"the time step dt must be positive, got min {float(dt.min()):.3g}")
    return dt


def _complex_dtype(dtype: torch.dtype) -> torch.dtype:
    return torch.complex128 if dtype == torch.float64 else torch.complex64


# ---------------------------------------------------------------------------
# HiPPO-LegS and its normal-plus-low-rank form
# ---------------------------------------------------------------------------


def hippo_legs(N: int, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """The HiPPO-LegS matrices (A, B) of state size N.

    A[n, k] = -√(2n+1)√(2k+1) for n > k, -(n+1) for n = k, 0 for n < k, and
    B[n] = √(2n+1). With these, x(t) holds the coefficients of the best
    approximation of the input's whole history u(s), s ≤ t, by Legendre
    polynomials (measure uniform on [0, t]).

    Explained in Chapter 9, *HiPPO: a state that remembers*.
    """
    N = _check_positive_int(N, "state size N")
    q = torch.sqrt(2 * torch.arange(N, dtype=torch.float64) + 1)
    A = -torch.tril(q[:, None] * q[None, :], diagonal=-1) - torch.diag(torch.arange(1, N + 1, dtype=torch.float64))
    return A.to(dtype), q.to(dtype)


@dataclass(frozen=True)
class NPLR:
    """A normal-plus-low-rank decomposition A = V diag(Λ) V* − P P* (P in the original basis).

    ``Lambda``: eigenvalues of the normal part; ``P`` and ``B`` expressed in the
    eigenbasis (Ṗ = V* P, B̃ = V* B); ``V``: the unitary eigenvectors (columns).
    For the conjugate half (:func:`hippo_legs_dplr`) only one mode of each pair is kept
    and ``V`` is (N, N/2).

    Explained in Chapter 9, *The DPLR form of HiPPO*.
    """

    Lambda: Tensor
    P: Tensor
    B: Tensor
    V: Tensor


def hippo_legs_nplr(N: int) -> NPLR:
    """HiPPO-LegS as normal plus low rank: A = V diag(Λ) V* − P Pᵀ with P[n] = √(n + 1/2).

    A + P Pᵀ = −I/2 + S with S skew-symmetric, hence normal; its eigenvalues are
    Λ = −1/2 + iω with ω the (real) eigenvalues of the Hermitian matrix −iS.
    Returned in complex128, all N modes. Each eigenvector's phase is fixed so that
    B̃ = V* B is real and positive, so the result does not depend on the LAPACK build.

    Explained in Chapter 9, *The DPLR form of HiPPO*.
    """
    N = _check_positive_int(N, "state size N")
    A, B = hippo_legs(N)
    P = torch.sqrt(torch.arange(N, dtype=torch.float64) + 0.5)
    S = A + P[:, None] * P[None, :]
    skew = S + 0.5 * torch.eye(N, dtype=torch.float64)
    omega, V = torch.linalg.eigh(-1j * skew.to(torch.complex128))
    # eigh returns each eigenvector with an arbitrary phase (machine-dependent); fix it so
    # that B̃ = V* B is real and positive. The eigenvalues are simple, so V is then canonical.
    Bc = B.to(torch.complex128)
    Bt = V.conj().T @ Bc
    if bool((Bt.abs() < 1e-12).any()):  # pragma: no cover - every HiPPO-LegS mode sees the input
        raise RuntimeError("a HiPPO-LegS mode is orthogonal to B; its phase cannot be fixed by B")
    V = V * (Bt / Bt.abs()).unsqueeze(0)
    Lambda = -0.5 + 1j * omega.to(torch.complex128)
    Vh = V.conj().T
    return NPLR(Lambda=Lambda, P=Vh @ P.to(torch.complex128), B=Bt.abs().to(torch.complex128), V=V)


def hippo_legs_dplr(N: int) -> NPLR:
    """The conjugate half of :func:`hippo_legs_nplr`: the N/2 modes with Im Λ > 0.

    The other N/2 modes are their complex conjugates, so sums over all N modes are
    ``2 Re`` of sums over these. N must be even.

    Explained in Chapter 9, *The DPLR form of HiPPO*.
    """
    N = _check_state_size(N, even=True)
    full = hippo_legs_nplr(N)
    keep = torch.nonzero(full.Lambda.imag > 0).flatten()
    if keep.numel() != N // 2:  # pragma: no cover - a zero eigenvalue would need odd N
        raise RuntimeError(f"expected {N // 2} eigenvalues with positive imaginary part, found {keep.numel()}")
    order = torch.argsort(full.Lambda.imag[keep])
    keep = keep[order]
    return NPLR(Lambda=full.Lambda[keep], P=full.P[keep], B=full.B[keep], V=full.V[:, keep])


def s4d_init(N: int, init: str = "legs") -> tuple[Tensor, Tensor]:
    """Diagonal initialisations (Λ, B) of S4D, N/2 complex modes (complex128).

    * ``"lin"`` (S4D-Lin): Λ_n = −1/2 + iπn, B_n = 1;
    * ``"inv"`` (S4D-Inv): Λ_n = −1/2 + i (N/π)(N/(2n+1) − 1), B_n = 1;
    * ``"legs"`` (S4D-LegS): Λ and B̃ of the normal part of HiPPO-LegS
      (:func:`hippo_legs_dplr`), dropping the low-rank term.

    Explained in Chapter 9, *S4D: the diagonal variant*.
    """
    N = _check_state_size(N, even=True)
    n = torch.arange(N // 2, dtype=torch.float64)
    if init == "lin":
        Lambda = torch.complex(-0.5 * torch.ones_like(n), math.pi * n)
        B = torch.ones(N // 2, dtype=torch.complex128)
    elif init == "inv":
        Lambda = torch.complex(-0.5 * torch.ones_like(n), N / math.pi * (N / (2 * n + 1) - 1))
        B = torch.ones(N // 2, dtype=torch.complex128)
    elif init == "legs":
        d = hippo_legs_dplr(N)
        Lambda, B = d.Lambda, d.B
    else:
        raise ValueError(f"init must be 'legs', 'lin' or 'inv', not {init!r}")
    return Lambda, B


def legs_response(N: int, omega: float | None, t: float = 1.0, *, diagonal: bool, coords: int = 4) -> Tensor:
    """The first ``coords`` state coordinates at time ``t`` of continuous-time HiPPO-LegS, or of its diagonal part.

    ``diagonal=False``: ``x' = A x + B u`` with (A, B) = :func:`hippo_legs`. ``A`` is lower
    triangular, so these coordinates do not depend on N; they are computed from the
    ``coords × coords`` block. ``diagonal=True``: ``z' = (A + P Pᵀ) z + (B/2) u``, the normal
    part that S4D-LegS keeps, through its eigen-decomposition (:func:`hippo_legs_nplr`; stable,
    since the normal part is unitarily diagonalisable), all N modes. The input is
    ``u(s) = exp(i ω s)`` from ``x(0) = 0`` (ω = 0: a constant), or the unit impulse at 0 when
    ``omega`` is None (the state is then the convolution kernel at lag ``t``). Complex128.

    Explained in Chapter 9, *Why S4D-LegS imitates S4*.
    """
    N = _check_positive_int(N, "state size N")
    coords = _check_positive_int(coords, "coords")
    if coords > N:
        raise ValueError(f"coords must be at most N = {N}, got {coords}")
    if not (isinstance(t, (int, float)) and math.isfinite(t) and t > 0):
        raise ValueError(f"t must be a positive finite time, got {t!r}")
    if omega is not None and not (isinstance(omega, (int, float)) and math.isfinite(omega)):
        raise ValueError(f"omega must be a real frequency or None (the unit impulse), got {omega!r}")
    c128 = torch.complex128

    def response(lam: Tensor, V: Tensor, b: Tensor) -> Tensor:  # V diag(g(λ)) V⁻¹ b for the input's transfer g
        e = torch.exp(t * lam)
        g = e if omega is None else (e - complex(math.cos(omega * t), math.sin(omega * t))) / (lam - 1j * omega)
        return V @ (g * torch.linalg.solve(V, b))

    if diagonal:
        d = hippo_legs_nplr(N)
        _, B = hippo_legs(N)
        return response(d.Lambda, d.V, B.reshape(-1).to(c128) / 2)[:coords]
    A, B = hippo_legs(coords)
    A, b = A.to(c128), B.reshape(-1).to(c128)
    E = torch.linalg.matrix_exp(t * A)
    if omega is None:
        return E @ b
    eye = torch.eye(coords, dtype=c128)
    return torch.linalg.solve(A - 1j * omega * eye, (E - complex(math.cos(omega * t), math.sin(omega * t)) * eye) @ b)


# ---------------------------------------------------------------------------
# discretisation
# ---------------------------------------------------------------------------


def discretize(A: Tensor, B: Tensor, dt: Tensor | float, method: str = "zoh") -> tuple[Tensor, Tensor]:
    """Discretise a dense SSM: (A, B, Δ) ↦ (Ā, B̄).

    * zero-order hold: Ā = exp(ΔA), B̄ = ∫₀^Δ exp(sA) ds · B, computed exactly as a
      block of exp(Δ [[A, B], [0, 0]]) (no inverse of A needed);
    * bilinear (Tustin): Ā = (I − ΔA/2)⁻¹(I + ΔA/2), B̄ = (I − ΔA/2)⁻¹ Δ B.

    Shapes: A (..., N, N), B (..., N), dt broadcastable to the batch shape (...).

    Explained in Chapter 9, *Discretisation*.
    """
    _check_discretization(method)
    if A.ndim < 2 or A.shape[-1] != A.shape[-2]:
        raise ValueError(f"A must be a (..., N, N) square matrix, got shape {tuple(A.shape)}")
    N = A.shape[-1]
    if B.shape[-1] != N:
        raise ValueError(f"B must have N = {N} entries in its last dimension, got shape {tuple(B.shape)}")
    dt = _check_dt(torch.as_tensor(dt, dtype=A.real.dtype, device=A.device))
    batch = torch.broadcast_shapes(A.shape[:-2], B.shape[:-1], dt.shape)
    A = A.expand(*batch, N, N)
    dtype = torch.promote_types(A.dtype, B.dtype)
    A, B = A.to(dtype), B.expand(*batch, N).to(dtype)
    dt = dt.expand(batch).to(dtype)[..., None, None]
    eye = torch.eye(N, dtype=dtype, device=A.device)
    if method == "zoh":
        M = torch.zeros(*batch, N + 1, N + 1, dtype=dtype, device=A.device)
        M[..., :N, :N] = A
        M[..., :N, N] = B
        E = torch.linalg.matrix_exp(dt * M)
        return E[..., :N, :N], E[..., :N, N]
    left = eye - dt / 2 * A
    Ab = torch.linalg.solve(left, eye + dt / 2 * A)
    Bb = torch.linalg.solve(left, dt[..., 0] * B)
    return Ab, Bb


def discretize_diagonal(Lambda: Tensor, B: Tensor, dt: Tensor, method: str = "zoh") -> tuple[Tensor, Tensor]:
    """Discretise a diagonal SSM entry by entry: (Λ, B, Δ) ↦ (Ā, B̄), both (H, N/2).

    zero-order hold: Ā = exp(ΔΛ), B̄ = (exp(ΔΛ) − 1)/Λ · B;
    bilinear: Ā = (1 + ΔΛ/2)/(1 − ΔΛ/2), B̄ = Δ/(1 − ΔΛ/2) · B.
    ``dt`` has one entry per channel (shape (H,)) or is a scalar.

    Explained in Chapter 9, *Discretisation*.
    """
    _check_discretization(method)
    return _discretize_diagonal(Lambda, B, _check_dt(torch.as_tensor(dt, device=Lambda.device)), method)


def _discretize_diagonal(Lambda: Tensor, B: Tensor, dt: Tensor, method: str) -> tuple[Tensor, Tensor]:
    dtc = dt.to(Lambda.dtype)[..., None] if dt.ndim else dt.to(Lambda.dtype)
    dtL = dtc * Lambda
    if method == "zoh":
        Ab = torch.exp(dtL)
        return Ab, torch.expm1(dtL) / Lambda * B
    Ab = (1 + dtL / 2) / (1 - dtL / 2)
    return Ab, dtc / (1 - dtL / 2) * B


# ---------------------------------------------------------------------------
# reference kernels: recurrence and dense powers
# ---------------------------------------------------------------------------


def ssm_scan(Ab: Tensor, Bb: Tensor, C: Tensor, D: Tensor | float, u: Tensor) -> Tensor:
    """Run the recurrence x_k = Ā x_{k−1} + B̄ u_k, y_k = C x_k + D u_k from x_{−1} = 0.

    Ā (..., N, N), B̄ and C (..., N), u (..., L) with the same batch shape (...);
    returns y (..., L). Complex systems return complex y (take the real part when the
    system is real in some basis).

    Explained in Chapter 9, *The kernel three ways*.
    """
    if u.ndim < 1 or u.shape[-1] < 1:
        raise ValueError(f"u must have a positive length in its last dimension, got shape {tuple(u.shape)}")
    dtype = torch.promote_types(Ab.dtype, u.dtype)
    x = torch.zeros(torch.broadcast_shapes(Ab.shape[:-1], u.shape[:-1] + (1,)), dtype=dtype, device=u.device)
    ys = []
    for k in range(u.shape[-1]):
        x = (Ab.to(dtype) @ x[..., None])[..., 0] + Bb * u[..., k, None]
        ys.append((C * x).sum(-1) + D * u[..., k])
    return torch.stack(ys, -1)


def kernel_recurrence(Ab: Tensor, Bb: Tensor, C: Tensor, L: int) -> Tensor:
    """The kernel as the impulse response of the unrolled recurrence (D = 0), shape (..., L).

    Explained in Chapter 9, *The kernel three ways*.
    """
    L = _check_positive_int(L, "kernel length L")
    impulse = torch.zeros(L, dtype=Ab.real.dtype, device=Ab.device)
    impulse[0] = 1
    return ssm_scan(Ab, Bb, C, 0.0, impulse)


def kernel_powers(Ab: Tensor, Bb: Tensor, C: Tensor, L: int) -> Tensor:
    """The kernel K_k = C Āᵏ B̄ from dense matrix powers, k = 0, …, L−1, shape (..., L).

    Each power is computed on its own with ``torch.linalg.matrix_power`` — the
    definition, O(L N³ log L), for checking only.

    Explained in Chapter 9, *The kernel three ways*.
    """
    L = _check_positive_int(L, "kernel length L")
    ks = [(C * (torch.linalg.matrix_power(Ab, k) @ Bb[..., None])[..., 0]).sum(-1) for k in range(L)]
    return torch.stack(ks, -1)


# ---------------------------------------------------------------------------
# S4D: the Vandermonde kernel
# ---------------------------------------------------------------------------


def _diag_log_powers(Lambda: Tensor, B: Tensor, C: Tensor, dt: Tensor, method: str) -> tuple[Tensor, Tensor]:
    """(W, s) with K_l = 2 Re Σ_n W_n exp(l s_n): W = C B̄, s = log Ā."""
    Ab, Bb = _discretize_diagonal(Lambda, B, dt, method)
    s = dt.to(Lambda.dtype)[..., None] * Lambda if method == "zoh" else torch.log(Ab)
    return C * Bb, s


def _check_diag_args(Lambda: Tensor, B: Tensor, C: Tensor, dt: Tensor, L: int, validate: bool = True) -> Tensor:
    _check_positive_int(L, "kernel length L")
    for name, t in (("A (Lambda)", Lambda), ("B", B), ("C", C)):
        if not torch.is_tensor(t):
            raise TypeError(f"{name} must be a tensor")
        if t.ndim not in (1, 2):
            raise ValueError(f"{name} must have shape (H, N/2) or (N/2,), got {tuple(t.shape)}")
    if Lambda.shape[-1] != C.shape[-1] or B.shape[-1] != C.shape[-1]:
        raise ValueError(
            f"A, B and C need the same number of modes: got {Lambda.shape[-1]}, {B.shape[-1]}, {C.shape[-1]}"
        )
    if Lambda.shape[-1] < 1:
        raise ValueError("the state size must be positive (got 0 modes)")
    if not Lambda.is_complex():
        Lambda = Lambda.to(_complex_dtype(Lambda.dtype))
    dt = torch.as_tensor(dt, device=Lambda.device)
    if validate:  # a data-dependent check; it costs a device synchronisation on a GPU
        _check_dt(dt)
    if dt.ndim > 1:
        raise ValueError(f"dt must be a scalar or have shape (H,), got {tuple(dt.shape)}")
    return Lambda


def s4d_kernel(
    A: Tensor,
    B: Tensor,
    C: Tensor,
    dt: Tensor,
    L: int,
    discretization: str = "zoh",
    block: int | None = None,
    validate: bool = True,
) -> Tensor:
    """S4D kernel K_l = 2 Re Σ_n C_n B̄_n Ā_nˡ (l < L), the fast path; shape (H, L) real.

    A = Λ (H, N/2) complex with Re Λ < 0; B, C (H, N/2) complex; dt (H,) positive.
    The Vandermonde product is evaluated by writing l = qc + r with c ≈ √L:
    Ā_nˡ = Ā_n^{qc} · Ā_n^{r}, so K reshaped to (L/c, c) is the *matrix product* of
    (W_n Ā_n^{qc})_{q,n} and (Ā_n^{r})_{n,r}. That needs only H·N·2√L exponentials and
    one batched real matrix multiply, and never stores the (H × N/2 × L) tensor
    (compare :func:`s4d_kernel_naive`). Gradients come from autograd. ``validate=False``
    skips the check dt > 0 (the layers use it: their Δ = exp(log Δ) is positive, and the
    check would synchronise a GPU on every call).

    Explained in Chapter 9, *S4D: the diagonal variant*.
    """
    _check_discretization(discretization)
    A = _check_diag_args(A, B, C, dt, L, validate)
    W, s = _diag_log_powers(A, B, C, torch.as_tensor(dt, device=A.device), discretization)
    W, s = torch.broadcast_tensors(W, s)
    c = block or max(1, math.isqrt(L - 1) + 1)
    q = -(-L // c)
    # Everything below is real arithmetic (exp, cos, sin vectorise well; complex exp does not).
    sr, si, wr, wi = s.real, s.imag, 2 * W.real, 2 * W.imag
    r_idx = torch.arange(c, device=s.device, dtype=sr.dtype)
    q_idx = torch.arange(q, device=s.device, dtype=sr.dtype) * c
    mag_v, ang_v = torch.exp(sr[..., :, None] * r_idx), si[..., :, None] * r_idx  # (..., n, c)
    right = torch.cat([mag_v * torch.cos(ang_v), mag_v * torch.sin(ang_v)], -2)  # [Re V; Im V]
    mag_u, ang_u = torch.exp(q_idx[:, None] * sr[..., None, :]), q_idx[:, None] * si[..., None, :]  # (..., q, n)
    cu, su = mag_u * torch.cos(ang_u), mag_u * torch.sin(ang_u)
    wr, wi = wr[..., None, :], wi[..., None, :]
    left = torch.cat([wr * cu - wi * su, -(wr * su + wi * cu)], -1)  # [Re U, −Im U], U = 2 W Āᵠᶜ
    K = left @ right  # (..., q, c): K[q, r] = Re Σ_n U_qn V_nr
    return K.reshape(*K.shape[:-2], q * c)[..., :L]


def s4d_kernel_naive(A: Tensor, B: Tensor, C: Tensor, dt: Tensor, L: int, discretization: str = "zoh") -> Tensor:
    """The straightforward S4D kernel: materialise Ā_nˡ for all (h, n, l), then contract.

    The baseline of the benchmark; equal to :func:`s4d_kernel`.

    Explained in Chapter 9, *S4D: the diagonal variant*.
    """
    _check_discretization(discretization)
    A = _check_diag_args(A, B, C, dt, L)
    W, s = _diag_log_powers(A, B, C, torch.as_tensor(dt, device=A.device), discretization)
    l = torch.arange(L, device=s.device, dtype=s.real.dtype)
    vander = torch.exp(s[..., None] * l)  # (H, N/2, L)
    return 2 * torch.einsum("...n,...nl->...l", W, vander).real


# ---------------------------------------------------------------------------
# S4: the DPLR kernel (generating function, Cauchy kernel, Woodbury)
# ---------------------------------------------------------------------------


def cauchy_kernel(v: Tensor, w: Tensor, z: Tensor) -> Tensor:
    """Σ_n v_n/(z_j − w_n) + conj(v_n)/(z_j − conj(w_n)) for every point z_j.

    The Cauchy kernel over conjugate pairs: v (..., N/2) or (..., M, N/2) (several
    numerators at once), w (..., N/2), z (J,) → (..., J) or (..., M, J). Evaluated in real
    arithmetic (1/d = conj(d)/|d|²), a block of points at a time, with real matrix
    products for the sums over n, and a hand-written backward that recomputes the
    resolvent instead of storing it: memory O(N·M + M·J) per channel instead of O(N·J),
    and much faster on CPUs than complex division and complex matrix products.
    Gradients flow to v and w (z is a constant grid).

    Explained in Chapter 9, *The DPLR kernel*.
    """
    if z.requires_grad:
        raise ValueError("cauchy_kernel does not differentiate with respect to the points z")
    vector = v.ndim == w.ndim
    if vector:
        v = v[..., None, :]
    batch = torch.broadcast_shapes(v.shape[:-2], w.shape[:-1])
    n = w.shape[-1]
    if v.shape[-1] != n:
        raise ValueError(f"v has {v.shape[-1]} modes but w has {n}")
    ctype = torch.promote_types(v.dtype, w.dtype)
    v = v.to(ctype).expand(*batch, v.shape[-2], n)
    w = w.to(ctype).expand(*batch, n)
    out = _CauchyConj.apply(v, w, z.to(ctype))
    return out[..., 0, :] if vector else out


def _conj_doubled(x: Tensor) -> tuple[Tensor, Tensor]:
    """Real and imaginary parts of [x, conj(x)] along the last axis."""
    return torch.cat([x.real, x.real], -1), torch.cat([x.imag, -x.imag], -1)


def _resolvent(w2r: Tensor, w2i: Tensor, z: Tensor) -> tuple[Tensor, Tensor]:
    """Re and Im of 1/(z_j − w_n): (..., 2n, J) from w (..., 2n) and z (J,)."""
    dr = z.real - w2r[..., :, None]
    di = z.imag - w2i[..., :, None]
    inv = (dr * dr).add_(di * di).reciprocal_()
    return dr.mul_(inv), di.mul_(inv).neg_()


def _cauchy_chunk(batch_numel: int, n2: int) -> int:
    return max(16, (1 << 21) // max(1, batch_numel * n2))


class _CauchyConj(torch.autograd.Function):
    """out[..., m, j] = Σ_n V2[m, n] / (z_j − W2[n]) with V2 = [v, conj v], W2 = [w, conj w].

    Backward (holomorphic in V2 and W2; the conjugate halves fold back with a conj):
    ∂/∂V2 = G · conj(R)ᵀ and ∂/∂W2 = Σ_j (conj(V2)ᵀ G) ⊙ conj(R)², R = 1/(z − W2).
    """

    @staticmethod
    def forward(ctx, v: Tensor, w: Tensor, z: Tensor) -> Tensor:  # type: ignore[override]
        v2r, v2i = _conj_doubled(v)
        w2r, w2i = _conj_doubled(w)
        left = torch.cat([torch.cat([v2r, -v2i], -1), torch.cat([v2i, v2r], -1)], -2)  # (..., 2M, 4n)
        M, J = v.shape[-2], z.shape[0]
        step = _cauchy_chunk(math.prod(v.shape[:-2]), w2r.shape[-1])
        parts = []
        for j0 in range(0, J, step):
            Rr, Ri = _resolvent(w2r, w2i, z[j0 : j0 + step])
            parts.append(left @ torch.cat([Rr, Ri], -2))
        out = torch.cat(parts, -1)
        ctx.save_for_backward(v, w, z)
        return torch.complex(out[..., :M, :], out[..., M:, :])

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, Tensor | None, None]:  # type: ignore[override]
        v, w, z = ctx.saved_tensors
        n, J = w.shape[-1], z.shape[0]
        v2r, v2i = _conj_doubled(v)
        w2r, w2i = _conj_doubled(w)
        gr, gi = grad.real, grad.imag
        step = _cauchy_chunk(math.prod(v.shape[:-2]), 2 * n)
        # conj(V2)ᵀ G = (V2rᵀ gr + V2iᵀ gi) + i (V2rᵀ gi − V2iᵀ gr)
        v2rT, v2iT = v2r.transpose(-1, -2), v2i.transpose(-1, -2)
        gV_r = torch.zeros_like(v2r)
        gV_i = torch.zeros_like(v2r)
        gW_r = torch.zeros_like(w2r)
        gW_i = torch.zeros_like(w2r)
        for j0 in range(0, J, step):
            sl = slice(j0, j0 + step)
            Rr, Ri = _resolvent(w2r, w2i, z[sl])
            g_r, g_i = gr[..., sl], gi[..., sl]
            if ctx.needs_input_grad[0]:  # G conj(R)ᵀ = (gr Rrᵀ + gi Riᵀ) + i (gi Rrᵀ − gr Riᵀ)
                RrT, RiT = Rr.transpose(-1, -2), Ri.transpose(-1, -2)
                gV_r += g_r @ RrT + g_i @ RiT
                gV_i += g_i @ RrT - g_r @ RiT
            if ctx.needs_input_grad[1]:
                Tr = v2rT @ g_r + v2iT @ g_i
                Ti = v2rT @ g_i - v2iT @ g_r
                a = Rr * Rr - Ri * Ri  # conj(R)² = a − i b
                b = 2 * Rr * Ri
                gW_r += (Tr * a + Ti * b).sum(-1)
                gW_i += (Ti * a - Tr * b).sum(-1)
        gv = gw = None
        if ctx.needs_input_grad[0]:
            gV = torch.complex(gV_r, gV_i)
            gv = gV[..., :n] + gV[..., n:].conj()
        if ctx.needs_input_grad[1]:
            gW = torch.complex(gW_r, gW_i)
            gw = gW[..., :n] + gW[..., n:].conj()
        return gv, gw, None


def dplr_kernel(
    Lambda: Tensor,
    P: Tensor,
    B: Tensor,
    C: Tensor,
    dt: Tensor,
    L: int,
    discretization: str = "bilinear",
    c_is_tilde: bool = False,
    validate: bool = True,
) -> Tensor:
    """S4 kernel of A = diag(Λ) − P P* (conjugate-half modes), bilinear transform; (H, L) real.

    With Ā, B̄ from the bilinear transform, the truncated generating function at a root
    of unity z (zᴸ = 1) is

        K̂(z) = Σ_{k<L} C Āᵏ B̄ zᵏ = C̃ (I − Āz)⁻¹ B̄ = (2/(1+z)) C̃ (g(z) − A)⁻¹ B,

    with C̃ = C (I − Āᴸ) and g(z) = (2/Δ)(1−z)/(1+z). Woodbury turns (g − Λ + PP*)⁻¹
    into a diagonal resolvent plus a rank-one correction, so K̂ needs four Cauchy
    sums k_ab = Σ a_n b_n /(g − λ_n), and K = IFFT(K̂). Here the Cauchy sums are
    written with denominators (2/Δ)(1−z) − (1+z)λ, which stay finite at z = −1, and
    only the L//2 + 1 points needed by ``irfft`` are evaluated.

    ``c_is_tilde=True`` takes C to be C̃ already (the S4 layer learns C̃, as the S4
    authors do); otherwise C̃ is computed from C with a dense Āᴸ (N × N per channel).
    Only the bilinear transform has this closed form; ``"zoh"`` raises (use
    :func:`discretize` and :func:`kernel_powers`, or S4D). ``validate=False`` skips the
    check dt > 0, as in :func:`s4d_kernel`.

    Explained in Chapter 9, *The DPLR kernel*.
    """
    if discretization != "bilinear":
        _check_discretization(discretization)
        raise ValueError(
            "the DPLR generating-function kernel exists for the bilinear transform only "
            "(zero-order hold of a non-diagonal A has no Cauchy form); use discretization='bilinear', "
            "or the dense kernels discretize() + kernel_powers()"
        )
    Lambda = _check_diag_args(Lambda, B, C, dt, L, validate)
    if P.shape[-1] != Lambda.shape[-1]:
        raise ValueError(f"P needs {Lambda.shape[-1]} modes like A, got shape {tuple(P.shape)}")
    dt = torch.as_tensor(dt, device=Lambda.device).to(Lambda.real.dtype)
    ctype = Lambda.dtype
    if not c_is_tilde:
        C = _c_tilde(Lambda, P, B, C, dt, L)
    Lambda, P, B, C = torch.broadcast_tensors(Lambda, P.to(ctype), B.to(ctype), C.to(ctype))
    j = torch.arange(L // 2 + 1, device=Lambda.device, dtype=Lambda.real.dtype)
    z = torch.exp(-2j * math.pi / L * j.to(ctype))
    # 2/(1+z) · 1/(g(z) − λ) = 2/((2/Δ − λ) − z(2/Δ + λ)) = −(2/β)/(z − γ) with
    # β = 2/Δ + λ and γ = (2/Δ − λ)/(2/Δ + λ) = 1/Ā: a plain Cauchy kernel whose poles
    # γ lie outside the unit circle, finite at every root of unity (z = −1 included).
    two_over_dt = 2 / (dt[..., None] if dt.ndim else dt).to(ctype)
    beta = two_over_dt + Lambda
    gamma = (two_over_dt - Lambda) / beta
    num = torch.stack([C * B, C * P, P.conj() * B, P.conj() * P], -2) * (-2 / beta)[..., None, :]  # (H, 4, n)
    k = cauchy_kernel(num, gamma, z)  # (H, 4, J), each already times 2/(1+z)
    k00, k01, k10, k11 = k.unbind(-2)
    half = (1 + z) / 2
    Khat = k00 - half * k01 * k10 / (1 + half * k11)
    return torch.fft.irfft(Khat, n=L)


def _full_from_half(Lambda: Tensor, P: Tensor, B: Tensor, C: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Dense A (H, N, N), B (H, N), C (H, N) of all N modes from the conjugate half."""
    Lf = torch.cat([Lambda, Lambda.conj()], -1)
    Pf = torch.cat([P, P.conj()], -1)
    A = torch.diag_embed(Lf) - Pf[..., :, None] * Pf.conj()[..., None, :]
    return A, torch.cat([B, B.conj()], -1), torch.cat([C, C.conj()], -1)


def _c_tilde(Lambda: Tensor, P: Tensor, B: Tensor, C: Tensor, dt: Tensor, L: int, inverse: bool = False) -> Tensor:
    """C̃ = C (I − Āᴸ) (or C = C̃ (I − Āᴸ)⁻¹ with ``inverse``), conjugate half, bilinear."""
    ctype = Lambda.dtype
    Lambda, P, B, C = torch.broadcast_tensors(Lambda, P.to(ctype), B.to(ctype), C.to(ctype))
    A, Bf, Cf = _full_from_half(Lambda, P, B, C)
    Ab, _ = discretize(A, Bf, dt, "bilinear")
    eye = torch.eye(A.shape[-1], dtype=ctype, device=A.device)
    M = eye - torch.linalg.matrix_power(Ab, L)
    if inverse:  # solve C M = C̃ for C, i.e. Mᵀ Cᵀ = C̃ᵀ
        out = torch.linalg.solve(M.transpose(-1, -2), Cf[..., None])[..., 0]
    else:
        out = (Cf[..., None, :] @ M)[..., 0, :]
    return out[..., : Lambda.shape[-1]]


# ---------------------------------------------------------------------------
# the convolution
# ---------------------------------------------------------------------------


class _FFTConv(torch.autograd.Function):
    """y = irfft(rfft(u, 2L) · rfft(k, 2L))[:L], with a hand-written backward.

    The backward is the correlation with the same spectra: for G = rfft(ḡ, 2L),
    ∂/∂u = irfft(G · conj(k̂))[:L] and ∂/∂k = irfft(Σ_batch G · conj(û))[:L]. Saving
    the spectra avoids recomputing them, and it is several times faster on CPU than
    differentiating through rfft/irfft with padding.
    """

    @staticmethod
    def forward(ctx, u: Tensor, k: Tensor) -> Tensor:  # type: ignore[override]
        L = u.shape[-1]
        uf = torch.fft.rfft(u, n=2 * L)
        kf = torch.fft.rfft(k, n=2 * L)
        ctx.save_for_backward(uf, kf)
        ctx.shapes = (L, k.shape)
        return torch.fft.irfft(uf * kf, n=2 * L)[..., :L]

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[Tensor | None, Tensor | None]:  # type: ignore[override]
        uf, kf = ctx.saved_tensors
        L, k_shape = ctx.shapes
        gf = torch.fft.rfft(grad, n=2 * L)
        gu = gk = None
        if ctx.needs_input_grad[0]:
            gu = torch.fft.irfft(gf * kf.conj(), n=2 * L)[..., :L]
        if ctx.needs_input_grad[1]:
            prod = gf * uf.conj()
            gk = torch.fft.irfft(prod.sum_to_size(*k_shape[:-1], prod.shape[-1]), n=2 * L)[..., :L]
        return gu, gk


def fft_conv(u: Tensor, k: Tensor) -> Tensor:
    """Causal convolution y_t = Σ_{s ≤ t} k_{t−s} u_s along the last axis, by FFT.

    u (..., H, L), k (H, L') with L' ≥ L (only its first L taps are used). Both are
    zero-padded to 2L so the circular FFT convolution equals the linear one, then the
    result is truncated to L. Runs in float32 (or float64) even under autocast.

    Explained in Chapter 9, *Convolution by FFT*.
    """
    L = u.shape[-1]
    if L < 1:
        raise ValueError("the sequence length must be positive")
    if k.shape[-1] < L:
        raise ValueError(f"the kernel has {k.shape[-1]} taps, fewer than the sequence length {L}")
    with torch.autocast(device_type=u.device.type, enabled=False):
        dtype = torch.float64 if torch.float64 in (u.dtype, k.dtype) else torch.float32
        return _FFTConv.apply(u.to(dtype), k[..., :L].to(dtype))


# ---------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------


class _SSMLayer(nn.Module):
    """Shared machinery: input checks, FFT convolution, D skip, nonlinearity, output mixing."""

    _section = "S4 and S4D layers"

    def __init__(
        self,
        d_model: int,
        d_state: int,
        discretization: str,
        dt_min: float,
        dt_max: float,
        dropout: float,
        activation: str,
        dtype: torch.dtype | None,
        device: torch.device | str | None,
    ) -> None:
        super().__init__()
        self.d_model = _check_positive_int(d_model, "d_model (channels H)")
        self.d_state = _check_state_size(d_state, even=True)
        self.discretization = _check_discretization(discretization)
        if not 0 < dt_min <= dt_max:
            raise ValueError(f"need 0 < dt_min ≤ dt_max, got dt_min={dt_min}, dt_max={dt_max}")
        if activation not in ("gelu", "identity"):
            raise ValueError(f"activation must be 'gelu' or 'identity', not {activation!r}")
        fk = {"dtype": dtype or torch.get_default_dtype(), "device": device}
        self._fk = fk
        H = d_model
        log_dt = math.log(dt_min) + torch.rand(H, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min))
        self.log_dt = nn.Parameter(log_dt.to(**fk))
        self.D = nn.Parameter(torch.randn(H, **fk))
        self.activation = nn.GELU() if activation == "gelu" else nn.Identity()
        self.dropout = nn.Dropout(dropout)
        self.out = nn.Linear(H, 2 * H, **fk)  # output mixing followed by a GLU
        self._step_cache: dict | None = None

    # -- parameters ------------------------------------------------------
    def _set_complex(self, name: str, value: Tensor, H: int) -> None:
        v = value.to(torch.complex128).expand(H, -1).clone()
        self.register_parameter(name + "_re", nn.Parameter(v.real.to(**self._fk)))
        self.register_parameter(name + "_im", nn.Parameter(v.imag.to(**self._fk)))

    def _complex(self, name: str) -> Tensor:
        return torch.complex(getattr(self, name + "_re"), getattr(self, name + "_im"))

    @property
    def dt(self) -> Tensor:
        """The time step Δ of each channel, exp(log_dt), shape (H,).

        Explained in Chapter 9, *Discretisation*.
        """
        return torch.exp(self.log_dt)

    @property
    def Lambda(self) -> Tensor:
        """The diagonal part of A, Λ = −exp(log_A_real) + i A_imag (Re Λ < 0 always).

        Explained in Chapter 9, *S4 and S4D layers*.
        """
        return torch.complex(-torch.exp(self.log_A_real), self.A_imag)

    def ssm_parameters(self, include_C: bool = False) -> list[nn.Parameter]:
        """The SSM parameters (A, Δ, B, and P for S4) that get their own optimiser group.

        Explained in Chapter 9, *Training S4: parameter groups*.
        """
        names = ["log_dt", "log_A_real", "A_imag", "B_re", "B_im", "P_re", "P_im"]
        if include_C:
            names += ["C_re", "C_im"]
        return [getattr(self, n) for n in names if hasattr(self, n)]

    # -- checks ------------------------------------------------------------
    def _check_input(self, u: Tensor) -> None:
        if not torch.is_tensor(u):
            raise TypeError(f"input must be a tensor of shape (batch, length, {self.d_model})")
        if u.ndim != 3:
            raise ValueError(
                f"input must have rank 3, shape (batch, length, channels={self.d_model}); got shape {tuple(u.shape)}"
            )
        if u.shape[-1] != self.d_model:
            raise ValueError(f"input has {u.shape[-1]} channels in its last dimension, but the layer has d_model={self.d_model}")
        if u.shape[1] < 1:
            raise ValueError("the sequence length must be positive (got length 0)")

    def kernel(self, L: int) -> Tensor:  # pragma: no cover - abstract
        """The (H, L) convolution kernel; each layer computes it its own way.

        Explained in Chapter 9, *S4 and S4D layers*.
        """
        raise NotImplementedError

    def _kernel_fp32(self, L: int) -> Tensor:
        with torch.autocast(device_type=self.log_dt.device.type, enabled=False):
            return self.kernel(L)

    def conv(self, u: Tensor) -> Tensor:
        """The linear SSM part only: y = K * u + D u, u of shape (B, L, H) → (B, L, H).

        Explained in Chapter 9, *S4 and S4D layers*.
        """
        self._check_input(u)
        L = u.shape[1]
        k = self._kernel_fp32(L)
        # the skip term D u is a convolution with D δ: fold it into the kernel's first tap
        k = torch.cat([k[:, :1] + self.D.to(k.dtype)[:, None], k[:, 1:]], -1)
        return fft_conv(u.transpose(1, 2), k).transpose(1, 2)

    def _mix(self, y: Tensor) -> Tensor:
        return F.glu(self.out(self.dropout(self.activation(y)).to(self.out.weight.dtype)), dim=-1)

    def forward(self, u: Tensor) -> Tensor:
        """(B, L, H) → (B, L, H): SSM convolution, D skip, GELU, dropout, linear + GLU mixing.

        Explained in Chapter 9, *S4 and S4D layers*.
        """
        return self._mix(self.conv(u))

    # -- recurrent mode ------------------------------------------------------
    def _step_matrices(self) -> dict:  # pragma: no cover - abstract
        raise NotImplementedError

    def setup_step(self) -> None:
        """Precompute the discrete (Ā, B̄, C) for :meth:`step`; call again after the parameters change.

        Explained in Chapter 9, *Recurrent mode*.
        """
        with torch.no_grad():
            self._step_cache = self._step_matrices()

    def initial_state(self, batch_size: int) -> Tensor:
        """The zero state for :meth:`step`, complex, shape (batch, H, modes).

        Explained in Chapter 9, *Recurrent mode*.
        """
        _check_positive_int(batch_size, "batch_size")
        if self._step_cache is None:
            self.setup_step()
        Bb = self._step_cache["Bb"]
        return torch.zeros(batch_size, *Bb.shape, dtype=Bb.dtype, device=Bb.device)

    def step(self, u: Tensor, state: Tensor) -> tuple[Tensor, Tensor]:
        """One time step: u (B, H) and state → (y (B, H), new state). Equals ``forward`` position by position.

        Explained in Chapter 9, *Recurrent mode*.
        """
        if u.ndim != 2 or u.shape[-1] != self.d_model:
            raise ValueError(f"step takes one time step of shape (batch, {self.d_model}), got {tuple(u.shape)}")
        if self._step_cache is None:
            self.setup_step()
        c = self._step_cache
        uc = u.to(c["Bb"].dtype)
        state = self._advance(c, state) + c["Bb"] * uc[..., None]
        y = self._readout(c, state) + self.D.to(u.dtype) * u
        return self._mix(y.to(u.dtype)), state

    def _advance(self, c: dict, state: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    def _readout(self, c: dict, state: Tensor) -> Tensor:  # pragma: no cover - abstract
        raise NotImplementedError


class S4DLayer(_SSMLayer):
    """S4D: H independent diagonal SSMs (N/2 complex modes each), Vandermonde kernel, FFT convolution.

    Parameters: Λ = −exp(log_A_real) + i·A_imag, B, C (complex, (H, N/2)), log Δ (H,),
    D (H,), and the output mixing Linear(H, 2H) + GLU. ``init`` is ``"legs"``,
    ``"lin"`` or ``"inv"`` (:func:`s4d_init`); ``discretization`` ``"zoh"`` or
    ``"bilinear"``. Input and output (batch, length, H).

    Explained in Chapter 9, *S4D: the diagonal variant*.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        init: str = "legs",
        discretization: str = "zoh",
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        dropout: float = 0.0,
        activation: str = "gelu",
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__(d_model, d_state, discretization, dt_min, dt_max, dropout, activation, dtype, device)
        Lambda, B = s4d_init(d_state, init)
        H = d_model
        self.init = init
        self.log_A_real = nn.Parameter(torch.log(-Lambda.real).expand(H, -1).clone().to(**self._fk))
        self.A_imag = nn.Parameter(Lambda.imag.expand(H, -1).clone().to(**self._fk))
        self._set_complex("B", B, H)
        C = torch.randn(H, d_state // 2, dtype=torch.complex128)  # variance 1 (1/2 per part)
        self._set_complex("C", C, H)

    def kernel(self, L: int) -> Tensor:
        """The (H, L) convolution kernel from the current parameters (:func:`s4d_kernel`).

        Explained in Chapter 9, *S4D: the diagonal variant*.
        """
        return s4d_kernel(
            self.Lambda, self._complex("B"), self._complex("C"), self.dt, L, self.discretization, validate=False
        )

    def _step_matrices(self) -> dict:
        Ab, Bb = discretize_diagonal(self.Lambda, self._complex("B"), self.dt, self.discretization)
        return {"Ab": Ab, "Bb": Bb, "C": self._complex("C")}

    def _advance(self, c: dict, state: Tensor) -> Tensor:
        return c["Ab"] * state

    def _readout(self, c: dict, state: Tensor) -> Tensor:
        return 2 * (c["C"] * state).sum(-1).real


class S4Layer(_SSMLayer):
    """S4: H SSMs with A = Λ − P P* (diagonal plus low rank, HiPPO-LegS), Cauchy/Woodbury kernel.

    Initialised from the DPLR form of HiPPO-LegS (:func:`hippo_legs_dplr`); Λ, P, B,
    Δ are learnable, and, as in the S4 paper, the layer learns C̃ = C(I − Āᴸ) for a
    fixed maximal length ``l_max``: sequences up to ``l_max`` use the first L taps of
    the ``l_max`` kernel. Bilinear discretisation only (the closed form needs it).
    Input and output (batch, length, H).

    Explained in Chapter 9, *The DPLR kernel*.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 64,
        l_max: int = 1024,
        discretization: str = "bilinear",
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        dropout: float = 0.0,
        activation: str = "gelu",
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        if discretization != "bilinear":
            _check_discretization(discretization)
            raise ValueError("S4Layer's DPLR kernel needs discretization='bilinear' (use S4DLayer for 'zoh')")
        super().__init__(d_model, d_state, discretization, dt_min, dt_max, dropout, activation, dtype, device)
        self.l_max = _check_positive_int(l_max, "l_max")
        d = hippo_legs_dplr(d_state)
        H = d_model
        self.log_A_real = nn.Parameter(torch.log(-d.Lambda.real).expand(H, -1).clone().to(**self._fk))
        self.A_imag = nn.Parameter(d.Lambda.imag.expand(H, -1).clone().to(**self._fk))
        self._set_complex("P", d.P, H)
        self._set_complex("B", d.B, H)
        self._set_complex("C", torch.randn(H, d_state // 2, dtype=torch.complex128), H)  # this is C̃

    def kernel(self, L: int) -> Tensor:
        """The first L taps of the (H, l_max) kernel (:func:`dplr_kernel` with the learned C̃).

        Explained in Chapter 9, *The DPLR kernel*.
        """
        L = _check_positive_int(L, "kernel length L")
        if L > self.l_max:
            raise ValueError(f"sequence length {L} exceeds this S4 layer's l_max={self.l_max}")
        k = dplr_kernel(
            self.Lambda,
            self._complex("P"),
            self._complex("B"),
            self._complex("C"),
            self.dt,
            self.l_max,
            c_is_tilde=True,
            validate=False,
        )
        return k[..., :L]

    def _step_matrices(self) -> dict:
        Lambda, P, B = self.Lambda, self._complex("P"), self._complex("B")
        C = _c_tilde(Lambda, P, B, self._complex("C"), self.dt, self.l_max, inverse=True)
        A, Bf, Cf = _full_from_half(*torch.broadcast_tensors(Lambda, P, B, C))
        Ab, Bb = discretize(A, Bf, self.dt, "bilinear")
        return {"Ab": Ab, "Bb": Bb, "C": Cf}

    def _advance(self, c: dict, state: Tensor) -> Tensor:
        return (c["Ab"] @ state[..., None])[..., 0]

    def _readout(self, c: dict, state: Tensor) -> Tensor:
        return (c["C"] * state).sum(-1).real


# ---------------------------------------------------------------------------
# optimiser groups
# ---------------------------------------------------------------------------


def ssm_param_groups(
    model: nn.Module,
    lr: float = 1e-3,
    weight_decay: float = 0.01,
    ssm_lr: float = 1e-3,
    include_C: bool = False,
) -> list[dict]:
    """Two optimiser groups: the SSM parameters (A, Δ, B, P) with ``ssm_lr`` and no weight
    decay, and everything else with ``lr`` and ``weight_decay``.

    This is what the S4 authors do: the SSM parameters are few, sensitive, and set by
    theory (HiPPO), so they get a smaller learning rate and are not pulled to zero.
    C is an ordinary parameter in their code; ``include_C=True`` moves it to the SSM
    group too. Every other module with an ``ssm_parameters`` method contributes its own
    (the selective recurrence's A and Δ bias, as in Mamba).

    Explained in Chapter 9, *Training S4: parameter groups*.
    """
    if lr <= 0 or ssm_lr <= 0 or weight_decay < 0:
        raise ValueError(f"need lr > 0, ssm_lr > 0, weight_decay ≥ 0; got {lr}, {ssm_lr}, {weight_decay}")
    ssm: dict[int, nn.Parameter] = {}
    for m in model.modules():
        if isinstance(m, _SSMLayer) or callable(getattr(m, "ssm_parameters", None)):
            for p in m.ssm_parameters(include_C=include_C):
                ssm[id(p)] = p
    other = [p for p in model.parameters() if id(p) not in ssm]
    groups = [{"params": other, "lr": lr, "weight_decay": weight_decay, "name": "default"}]
    if ssm:
        groups.append({"params": list(ssm.values()), "lr": ssm_lr, "weight_decay": 0.0, "name": "ssm"})
    return groups


def make_optimizer(
    model: nn.Module, lr: float = 1e-3, weight_decay: float = 0.01, ssm_lr: float = 1e-3, include_C: bool = False
) -> torch.optim.AdamW:
    """AdamW over :func:`ssm_param_groups`.

    Explained in Chapter 9, *Training S4: parameter groups*.
    """
    return torch.optim.AdamW(ssm_param_groups(model, lr, weight_decay, ssm_lr, include_C))


def run_steps(layer: nn.Module, u: Tensor) -> Tensor:
    """Run a layer's recurrent mode over a whole sequence: ``step`` at each position from ``initial_state``.

    ``layer`` is anything with ``initial_state(batch)`` and ``step(u_t, state) → (y_t,
    state)`` (S4, S4D, the selective recurrence); ``u`` is (batch, length, channels). The
    result, (batch, length, channels), should equal ``layer(u)``: that is the check that
    the convolution (or scan) and the recurrence compute the same function.

    Explained in Chapter 9, *Recurrent mode*.
    """
    if not torch.is_tensor(u) or u.ndim != 3:
        raise ValueError(f"u must be a tensor of shape (batch, length, channels), got {getattr(u, 'shape', type(u))}")
    state = layer.initial_state(u.shape[0])
    ys = []
    for t in range(u.shape[1]):
        y_t, state = layer.step(u[:, t], state)
        ys.append(y_t)
    return torch.stack(ys, 1)
