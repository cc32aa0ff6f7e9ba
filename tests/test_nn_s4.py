"""Tests of grouptools.nn.s4: HiPPO, discretisation, the kernel three ways, S4/S4D layers.

Kernels computed different ways are compared in float64; the layer checks use small sizes.
"""

from __future__ import annotations

import math

import pytest
import torch

from grouptools.nn import s4
from grouptools.nn.equivariance import check_equivariance
from grouptools.nn.s4 import hippo_legs, legs_response
from grouptools.nn.sequence_actions import cyclic_shift, delay

F64, C128 = torch.float64, torch.complex128
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")
LENGTHS = [1, 7, 16, 33]


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def full_diagonal_system(Lambda, B, C):
    """Dense real-in-some-basis system (all N modes) from the conjugate half."""
    A = torch.diag_embed(torch.cat([Lambda, Lambda.conj()], -1))
    Bf = torch.cat([B, B.conj()], -1).expand(A.shape[:-1])
    Cf = torch.cat([C, C.conj()], -1)
    return A, Bf, Cf


# ---------------------------------------------------------------------------
# HiPPO and its DPLR form
# ---------------------------------------------------------------------------


def test_hippo_legs_entries():
    A, B = s4.hippo_legs(4)
    assert A[0, 0] == -1 and A[3, 3] == -4 and A[0, 2] == 0
    assert math.isclose(A[2, 1], -math.sqrt(5) * math.sqrt(3))
    assert torch.allclose(B, torch.sqrt(torch.tensor([1.0, 3, 5, 7], dtype=F64)))


@pytest.mark.parametrize("N", [2, 6, 16])
def test_nplr_reconstructs_hippo(N):
    A, _ = s4.hippo_legs(N)
    d = s4.hippo_legs_nplr(N)
    P = d.V @ d.P  # back to the original basis
    rebuilt = d.V @ torch.diag(d.Lambda) @ d.V.conj().T - P[:, None] * P.conj()[None, :]
    assert torch.allclose(rebuilt, A.to(C128), atol=1e-10)
    assert torch.allclose(d.Lambda.real, torch.full((N,), -0.5, dtype=F64))
    assert torch.allclose(d.V.conj().T @ d.V, torch.eye(N, dtype=C128), atol=1e-12)
    half = s4.hippo_legs_dplr(N)
    assert half.Lambda.shape == (N // 2,) and bool((half.Lambda.imag > 0).all())


@pytest.mark.parametrize("init", ["legs", "lin", "inv"])
def test_s4d_inits_are_stable(init):
    Lambda, B = s4.s4d_init(8, init)
    assert Lambda.shape == B.shape == (4,)
    assert bool((Lambda.real < 0).all())


# ---------------------------------------------------------------------------
# the kernel three ways
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["zoh", "bilinear"])
@pytest.mark.parametrize("L", LENGTHS)
@pytest.mark.parametrize("init", ["legs", "lin", "inv"])
def test_s4d_kernel_three_ways(method, L, init):
    H, N = 3, 8
    Lambda, B = s4.s4d_init(N, init)
    Lambda = Lambda.expand(H, -1)
    C = torch.randn(H, N // 2, dtype=C128)
    dt = torch.tensor([0.01, 0.1, 0.5], dtype=F64)
    A, Bf, Cf = full_diagonal_system(Lambda, B, C)
    Ab, Bb = s4.discretize(A, Bf, dt, method)
    k_rec = s4.kernel_recurrence(Ab, Bb, Cf, L)
    k_pow = s4.kernel_powers(Ab, Bb, Cf, L)
    k_fast = s4.s4d_kernel(Lambda, B, C, dt, L, method)
    k_naive = s4.s4d_kernel_naive(Lambda, B, C, dt, L, method)
    assert k_fast.shape == (H, L) and k_fast.dtype == F64
    assert k_rec.imag.abs().max() < 1e-12  # a real system in the conjugate basis
    scale = k_rec.abs().max()
    for k in (k_pow.real, k_fast, k_naive):
        assert torch.allclose(k, k_rec.real, atol=1e-10 * scale, rtol=0)


def test_s4d_diagonal_discretisation_matches_dense():
    Lambda, B = s4.s4d_init(6, "inv")
    dt = torch.tensor(0.2, dtype=F64)
    for method in ("zoh", "bilinear"):
        Ab, Bb = s4.discretize_diagonal(Lambda, B, dt, method)
        Ad, Bd = s4.discretize(torch.diag(Lambda), B, dt, method)
        assert torch.allclose(torch.diag(Ad), Ab) and torch.allclose(Bd, Bb)


@pytest.mark.parametrize("method", ["zoh", "bilinear"])
@pytest.mark.parametrize("L", LENGTHS)
def test_hippo_dense_recurrence_equals_powers(method, L):
    N = 6
    A, B = s4.hippo_legs(N)
    C = torch.randn(2, N, dtype=F64)
    dt = torch.tensor([0.05, 0.3], dtype=F64)
    Ab, Bb = s4.discretize(A, B, dt, method)
    assert torch.allclose(s4.kernel_recurrence(Ab, Bb, C, L), s4.kernel_powers(Ab, Bb, C, L), atol=1e-12)


@pytest.mark.parametrize("L", LENGTHS + [64])
def test_dplr_kernel_equals_dense_hippo(L):
    """S4: the Cauchy/Woodbury kernel of the DPLR form equals the dense HiPPO-LegS kernel."""
    N, H = 8, 3
    A, B = s4.hippo_legs(N)
    C = torch.randn(H, N, dtype=F64)
    dt = torch.tensor([0.01, 0.1, 0.4], dtype=F64)
    Ab, Bb = s4.discretize(A, B, dt, "bilinear")
    k_rec = s4.kernel_recurrence(Ab, Bb, C, L)
    k_pow = s4.kernel_powers(Ab, Bb, C, L)
    d = s4.hippo_legs_dplr(N)
    C_half = C.to(C128) @ d.V  # C in the eigenbasis, one mode per conjugate pair
    k_fast = s4.dplr_kernel(d.Lambda, d.P, d.B, C_half, dt, L)
    assert k_fast.shape == (H, L)
    assert torch.allclose(k_rec, k_pow, atol=1e-12)
    assert torch.allclose(k_fast, k_rec, atol=1e-9 * k_rec.abs().max(), rtol=0)


@pytest.mark.parametrize("L", [5, 16, 31])
def test_dplr_kernel_general_low_rank(L):
    """A random DPLR system (not HiPPO), and C̃ given directly, also match the dense kernel."""
    H, n = 2, 3
    Lambda = torch.complex(-torch.rand(H, n, dtype=F64) - 0.1, 3 * torch.randn(H, n, dtype=F64))
    P, B, C = (torch.randn(H, n, dtype=C128) for _ in range(3))
    dt = torch.tensor([0.1, 0.7], dtype=F64)
    A, Bf, Cf = s4._full_from_half(Lambda, P, B, C)
    Ab, Bb = s4.discretize(A, Bf, dt, "bilinear")
    k_dense = s4.kernel_powers(Ab, Bb, Cf, L)
    assert k_dense.imag.abs().max() < 1e-9
    k_fast = s4.dplr_kernel(Lambda, P, B, C, dt, L)
    assert torch.allclose(k_fast, k_dense.real, atol=1e-9 * k_dense.abs().max(), rtol=0)
    C_tilde = s4._c_tilde(Lambda, P, B, C, dt, L)
    assert torch.allclose(s4.dplr_kernel(Lambda, P, B, C_tilde, dt, L, c_is_tilde=True), k_fast, atol=1e-10)
    assert torch.allclose(s4._c_tilde(Lambda, P, B, C_tilde, dt, L, inverse=True), C, atol=1e-8)


def test_cauchy_kernel_matches_the_sum():
    v, w = torch.randn(4, dtype=C128), torch.randn(4, dtype=C128)
    z = torch.randn(5, dtype=C128)
    expected = (v[:, None] / (z - w[:, None]) + v.conj()[:, None] / (z - w.conj()[:, None])).sum(0)
    assert torch.allclose(s4.cauchy_kernel(v, w, z), expected)
    assert s4.cauchy_kernel(torch.randn(2, 4, dtype=C128), w, z).shape == (2, 5)


@pytest.mark.parametrize("chunk", [None, 3])
def test_cauchy_kernel_hand_written_backward_passes_gradcheck(monkeypatch, chunk):
    if chunk:  # evaluate the points a few at a time, as for long sequences
        monkeypatch.setattr(s4, "_cauchy_chunk", lambda *_: chunk)
    v = torch.randn(2, 3, 4, dtype=C128, requires_grad=True)
    w = torch.complex(-torch.rand(2, 4, dtype=F64) - 0.2, torch.randn(2, 4, dtype=F64)).requires_grad_()
    z = torch.exp(-2j * math.pi * torch.arange(7, dtype=F64) / 13)
    expected = (v[..., None] / (z - w[:, None, :, None]) + v.conj()[..., None] / (z - w.conj()[:, None, :, None])).sum(-2)
    assert torch.allclose(s4.cauchy_kernel(v, w, z), expected, atol=1e-12)
    assert torch.autograd.gradcheck(lambda v, w: s4.cauchy_kernel(v, w, z), (v, w))


def test_fft_conv_is_the_causal_convolution():
    u = torch.randn(2, 3, 11, dtype=F64)
    k = torch.randn(3, 15, dtype=F64)
    y = s4.fft_conv(u, k)
    direct = torch.stack(
        [sum(k[:, t - s] * u[..., s] for s in range(t + 1)) for t in range(11)], -1
    )
    assert torch.allclose(y, direct, atol=1e-12)


def test_fft_conv_hand_written_backward_passes_gradcheck():
    u = torch.randn(2, 3, 9, dtype=F64, requires_grad=True)
    k = torch.randn(3, 12, dtype=F64, requires_grad=True)
    assert torch.autograd.gradcheck(s4.fft_conv, (u, k))
    assert torch.autograd.gradcheck(s4.fft_conv, (u[0].detach().requires_grad_(), k))  # no batch axis


# ---------------------------------------------------------------------------
# layers
# ---------------------------------------------------------------------------


def make_layer(kind: str, H: int = 4, N: int = 8, **kw):
    if kind.startswith("s4d"):
        _, init, method = kind.split("-")
        return s4.S4DLayer(H, N, init=init, discretization=method, dtype=F64, **kw)
    return s4.S4Layer(H, N, l_max=32, dtype=F64, **kw)


LAYERS = ["s4d-legs-zoh", "s4d-lin-bilinear", "s4d-inv-zoh", "s4"]


@pytest.mark.parametrize("kind", LAYERS)
def test_conv_mode_equals_step_mode(kind):
    layer = make_layer(kind)
    u = torch.randn(2, 21, 4, dtype=F64)
    assert torch.allclose(s4.run_steps(layer, u), layer(u), atol=1e-10)


@pytest.mark.parametrize("kind", LAYERS)
def test_causality_by_autograd(kind):
    layer = make_layer(kind)
    L = 12
    u = torch.randn(1, L, 4, dtype=F64, requires_grad=True)
    y = layer(u)
    for i in range(L):
        (g,) = torch.autograd.grad(y[0, i].sum(), u, retain_graph=True)
        assert g[0, i + 1 :].abs().max() < 1e-12 if i + 1 < L else True  # no dependence on the future
        assert g[0, : i + 1].abs().max() > 1e-6  # but on the past


@pytest.mark.parametrize("kind", LAYERS)
def test_time_shift_equivariance(kind):
    layer = make_layer(kind)
    u = torch.randn(2, 24, 4, dtype=F64)
    for k in (1, 5):
        # the linear SSM part commutes with delays exactly
        rep = check_equivariance(layer.conv, lambda x: delay(x, k), lambda y: delay(y, k), u, rtol=1e-9, atol=1e-12)
        assert rep.passed, str(rep)
        # the whole layer: equal after the first k positions (which see a zero input)
        y, ys = layer(u), layer(delay(u, k))
        assert torch.allclose(ys[:, k:], y[:, :-k], atol=1e-12)
    # but not with the cyclic group Z_L: a causal convolution is not circular
    rep = check_equivariance(layer.conv, lambda x: cyclic_shift(x, 5), lambda y: cyclic_shift(y, 5), u)
    assert not rep.passed


@pytest.mark.parametrize("kind", LAYERS)
def test_gradients_reach_every_parameter(kind):
    layer = make_layer(kind)
    layer(torch.randn(2, 16, 4, dtype=F64)).pow(2).sum().backward()
    for name, p in layer.named_parameters():
        assert p.grad is not None and p.grad.abs().max() > 0, name
        assert torch.isfinite(p.grad).all(), name


@pytest.mark.parametrize("cls", [s4.S4DLayer, s4.S4Layer])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shapes_and_dtypes_cpu(cls, dtype):
    layer = cls(6, 4, dtype=dtype)
    y = layer(torch.randn(3, 10, 6, dtype=dtype))
    assert y.shape == (3, 10, 6) and y.dtype == dtype
    assert layer.kernel(10).dtype == dtype


def test_fft_stays_float32_under_autocast():
    layer = s4.S4DLayer(8, 8)
    u = torch.randn(2, 16, 8)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y_lin = layer.conv(u.bfloat16())
        y = layer(u)
    assert y_lin.dtype == torch.float32
    assert torch.allclose(y_lin, layer.conv(u.bfloat16().float()), atol=1e-5)
    assert torch.isfinite(y).all() and torch.allclose(y.float(), layer(u), atol=0.05)


@CUDA
@pytest.mark.parametrize("cls", [s4.S4DLayer, s4.S4Layer])
def test_cuda_matches_cpu(cls):
    layer = cls(6, 8)
    u = torch.randn(2, 20, 6)
    y = layer(u)
    layer_cuda = layer.cuda()
    y_cuda = layer_cuda(u.cuda())
    assert y_cuda.device.type == "cuda" and y_cuda.dtype == torch.float32
    assert torch.allclose(y_cuda.cpu(), y, atol=1e-4)
    with torch.autocast("cuda", dtype=torch.float16):
        assert torch.isfinite(layer_cuda(u.cuda())).all()
    y_cuda.sum().backward()


def test_ssm_parameter_groups():
    model = torch.nn.Sequential(s4.S4DLayer(4, 8), s4.S4Layer(4, 8, l_max=16), torch.nn.Linear(4, 4))
    groups = s4.ssm_param_groups(model, lr=1e-2, weight_decay=0.1, ssm_lr=1e-3)
    default, ssm = groups
    assert ssm["lr"] == 1e-3 and ssm["weight_decay"] == 0.0 and default["weight_decay"] == 0.1
    ssm_ids = {id(p) for p in ssm["params"]}
    assert id(model[0].log_dt) in ssm_ids and id(model[1].P_re) in ssm_ids and id(model[0].A_imag) in ssm_ids
    assert id(model[0].C_re) not in ssm_ids and id(model[2].weight) not in ssm_ids
    assert len(ssm_ids) + len(default["params"]) == len(list(model.parameters()))
    with_c = s4.ssm_param_groups(model, include_C=True)[1]
    assert id(model[0].C_re) in {id(p) for p in with_c["params"]}
    opt = s4.make_optimizer(model, lr=1e-2)
    model(torch.randn(1, 8, 4)).sum().backward()
    opt.step()


# ---------------------------------------------------------------------------
# bad arguments
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("cls", [s4.S4DLayer, s4.S4Layer])
def test_bad_layer_inputs(cls):
    layer = cls(4, 8)
    with pytest.raises(ValueError, match="rank 3"):
        layer(torch.randn(10, 4))
    with pytest.raises(ValueError, match="5 channels"):
        layer(torch.randn(2, 10, 5))
    with pytest.raises(ValueError, match="length must be positive"):
        layer(torch.randn(2, 0, 4))
    with pytest.raises(ValueError, match="positive integer"):
        layer.kernel(0)
    with pytest.raises(ValueError, match=r"shape \(batch, 4\)"):
        layer.step(torch.randn(2, 3), layer.initial_state(2))


@pytest.mark.parametrize("N", [0, -2])
def test_non_positive_state_size(N):
    with pytest.raises(ValueError, match="state size N must be a positive integer"):
        s4.S4DLayer(4, N)
    with pytest.raises(ValueError, match="state size N must be a positive integer"):
        s4.hippo_legs(N)


def test_other_bad_arguments():
    with pytest.raises(ValueError, match="even"):
        s4.S4Layer(4, 5)
    with pytest.raises(ValueError, match="discretization"):
        s4.S4DLayer(4, 8, discretization="euler")
    with pytest.raises(ValueError, match="bilinear"):
        s4.S4Layer(4, 8, discretization="zoh")
    with pytest.raises(ValueError, match="l_max"):
        s4.S4Layer(4, 8, l_max=16)(torch.randn(1, 17, 4))
    Lambda, B = s4.s4d_init(4, "lin")
    C = torch.ones(2, dtype=C128)
    for L in (0, -3):
        with pytest.raises(ValueError, match="kernel length L must be a positive integer"):
            s4.s4d_kernel(Lambda, B, C, torch.tensor(0.1), L)
    with pytest.raises(TypeError, match="positive integer"):
        s4.s4d_kernel(Lambda, B, C, torch.tensor(0.1), 2.5)
    with pytest.raises(ValueError, match="dt must be positive"):
        s4.s4d_kernel(Lambda, B, C, torch.tensor(-0.1), 8)
    with pytest.raises(ValueError, match="same number of modes"):
        s4.s4d_kernel(Lambda, B, torch.ones(3, dtype=C128), torch.tensor(0.1), 8)
    with pytest.raises(ValueError, match="bilinear transform only"):
        s4.dplr_kernel(Lambda, B, B, C, torch.tensor(0.1), 8, discretization="zoh")
    with pytest.raises(ValueError, match="square"):
        s4.discretize(torch.randn(3, 4), torch.randn(4), 0.1)
    with pytest.raises(ValueError, match="init"):
        s4.s4d_init(8, "fourier")


def _augmented_response(A, b, omega, t):
    """x(t) for x' = A x + b u, u(s) = exp(iωs), by one matrix exponential of the system with u as a state."""
    n = A.shape[0]
    M = torch.zeros(n + 1, n + 1, dtype=torch.complex128)
    M[:n, :n], M[:n, n], M[n, n] = A.to(torch.complex128), b.to(torch.complex128), 1j * omega
    start = torch.zeros(n + 1, dtype=torch.complex128)
    start[n] = 1
    return (torch.linalg.matrix_exp(t * M) @ start)[:n]


@pytest.mark.parametrize("omega", [0.0, 3.0, None])
def test_legs_response_matches_the_dense_systems(omega):
    N, t = 12, 0.7
    A, B = hippo_legs(N)
    b = B.reshape(-1)
    P = torch.sqrt(torch.arange(N, dtype=torch.float64) + 0.5)
    for diagonal, (M, vec) in ((False, (A, b)), (True, (A + torch.outer(P, P), b / 2))):
        if omega is None:
            want = torch.linalg.matrix_exp(t * M.to(torch.complex128)) @ vec.to(torch.complex128)
        else:
            want = _augmented_response(M, vec, omega, t)
        got = legs_response(N, omega, t, diagonal=diagonal, coords=5)
        assert torch.allclose(got, want[:5], atol=1e-10), (diagonal, omega)


def test_s4d_legs_converges_to_legs_input_by_input_but_not_on_the_impulse():
    gap = {}
    for N in (64, 1024):
        for omega in (0.0, 50.0, None):
            full = legs_response(N, omega, diagonal=False)
            gap[N, omega] = float((legs_response(N, omega, diagonal=True) - full).abs().max() / full.abs().max())
    assert gap[1024, 0.0] < 1e-4 and gap[1024, 50.0] < 1e-3  # a fixed smooth input: close, and closer with N
    assert gap[1024, 50.0] < gap[64, 50.0] / 100
    assert gap[64, None] > 0.1 and gap[1024, None] > 0.1  # the kernel itself: no convergence


@pytest.mark.parametrize("kwargs, match", [
    (dict(N=4, omega=0.0, coords=5), "coords must be at most"),
    (dict(N=4, omega=0.0, t=0.0), "positive finite time"),
    (dict(N=4, omega=float("nan")), "real frequency"),
    (dict(N=0, omega=0.0), "state size N"),
])
def test_legs_response_rejects_bad_input(kwargs, match):
    with pytest.raises(ValueError, match=match):
        legs_response(diagonal=True, **kwargs)
