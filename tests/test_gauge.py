"""Parameter symmetries along depth: the residual stream, per-layer gauges, reparametrised time.

Exact invariance (float64, relative change < 1e-10) where the theory says so: a rotated
RMSNorm stream, folded gains, LayerNorm with Q·1 = ±1, independent positive monomials per
hidden layer, a constant change of basis with identity skips, a depth-varying one with
learned skips. A clear change (> 1e-3) where it says not: unfolded gains, a generic Q with
LayerNorm, unrotated biases, a depth-varying Q with identity skips. The convergence orders
of the discretised neural ODE (RK4: 4, Euler: 1), and clear errors for bad input.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from grouptools.nn.gauge import (
    PreNormTransformer,
    ResidualMLP,
    TimeDependentField,
    flow_gap,
    fold_norm_gains,
    loglog_slope,
    mlp_gauge_transform,
    odeint_fixed,
    orthogonal_fixing_ones,
    random_orthogonal,
    relative_change,
    reparametrize_time,
    residual_gauge_transform,
    rotate_residual_stream,
    sine_reparametrization,
)
from grouptools.nn.parameter_symmetries import action_defect, monomial_matrix

DT = torch.float64
EXACT, BROKEN = 1e-10, 1e-3
SETTINGS = settings(max_examples=10, deadline=None)
seeds = st.integers(0, 2**31 - 1)


def _tokens(seed: int) -> torch.Tensor:
    return torch.randint(0, 7, (4, 6), generator=torch.Generator().manual_seed(seed))


def _transformer(seed: int, **kw) -> PreNormTransformer:
    return PreNormTransformer(vocab=7, d_model=8, n_heads=2, n_blocks=2, max_len=8, seed=seed, **kw)


def _near_identity(d: int, g: torch.Generator) -> torch.Tensor:
    return torch.eye(d, dtype=DT) + 0.5 * torch.randn(d, d, generator=g, dtype=DT) / math.sqrt(d)


# ---------------------------------------------------------------------- the residual stream
@SETTINGS
@given(seeds, st.booleans())
def test_rmsnorm_stream_is_invariant_under_every_orthogonal_q(seed, causal):
    g = torch.Generator().manual_seed(seed)
    model = _transformer(seed % 1000, causal=causal)
    Q = random_orthogonal(8, g)
    rotated = rotate_residual_stream(model, Q)
    assert relative_change(model, rotated, _tokens(seed)) < EXACT
    assert not torch.allclose(rotated.embed.weight, model.embed.weight)  # the parameters did move


@SETTINGS
@given(seeds)
def test_gains_break_the_rotation_unless_folded_first(seed):
    g = torch.Generator().manual_seed(seed)
    model, x = _transformer(seed % 1000, gain=True), _tokens(seed)
    Q = random_orthogonal(8, g)
    folded = fold_norm_gains(model)
    assert relative_change(model, folded, x) < EXACT
    assert all(n.weight is None or torch.all(n.weight == 1) for n, _ in folded.norms_and_readers())
    assert relative_change(model, rotate_residual_stream(folded, Q), x) < EXACT
    assert relative_change(model, rotate_residual_stream(model, Q, strict=False), x) > BROKEN
    with pytest.raises(ValueError, match="gains"):
        rotate_residual_stream(model, Q)


def test_gains_survive_the_maps_that_commute_with_them():
    model, x = _transformer(0, gain=True), _tokens(0)
    signs = torch.diag(torch.tensor([1.0, -1, 1, 1, -1, -1, 1, -1], dtype=DT))  # commutes with every diag(γ)
    assert relative_change(model, rotate_residual_stream(model, signs, strict=False), x) < EXACT


@SETTINGS
@given(seeds, st.sampled_from([1.0, -1.0]))
def test_layernorm_keeps_exactly_the_q_that_map_ones_to_plus_minus_ones(seed, sign):
    g = torch.Generator().manual_seed(seed)
    model, x = _transformer(seed % 1000, norm="layer"), _tokens(seed)
    Q1 = sign * orthogonal_fixing_ones(8, g)
    assert torch.allclose(Q1 @ torch.ones(8, dtype=DT), sign * torch.ones(8, dtype=DT), atol=1e-12)
    assert relative_change(model, rotate_residual_stream(model, Q1), x) < EXACT
    Q = random_orthogonal(8, g)
    assert relative_change(model, rotate_residual_stream(model, Q, strict=False), x) > BROKEN
    with pytest.raises(ValueError, match="all-ones"):
        rotate_residual_stream(model, Q)


@pytest.mark.parametrize("seed", range(3))
def test_stream_writing_biases_must_rotate_too(seed):
    model, x = _transformer(seed), _tokens(seed)
    Q = random_orthogonal(8, torch.Generator().manual_seed(seed))
    assert relative_change(model, rotate_residual_stream(model, Q, rotate_biases=False, strict=False), x) > BROKEN
    with pytest.raises(ValueError, match="biases"):
        rotate_residual_stream(model, Q, rotate_biases=False)


@pytest.mark.parametrize("d", [2, 5, 12])
def test_orthogonal_fixing_ones(d):
    Q = orthogonal_fixing_ones(d, torch.Generator().manual_seed(d))
    assert torch.allclose(Q.T @ Q, torch.eye(d, dtype=DT), atol=1e-12)
    assert torch.allclose(Q @ torch.ones(d, dtype=DT), torch.ones(d, dtype=DT), atol=1e-12)


def test_rotation_refuses_bad_q_and_bad_models():
    model = _transformer(0)
    with pytest.raises(ValueError, match="not orthogonal"):
        rotate_residual_stream(model, 2 * torch.eye(8, dtype=DT))
    with pytest.raises(ValueError, match="8×8"):
        rotate_residual_stream(model, torch.eye(5, dtype=DT))
    with pytest.raises(TypeError, match="torch.Tensor"):
        rotate_residual_stream(model, np.eye(8))
    with pytest.raises(TypeError, match="PreNormTransformer"):
        rotate_residual_stream(nn.Linear(8, 8), torch.eye(8, dtype=DT))
    with pytest.raises(ValueError, match="norm"):
        PreNormTransformer(norm="batch")
    with pytest.raises(ValueError, match="max_len"):
        model(torch.zeros(1, 9, dtype=torch.long))
    with pytest.raises(ValueError, match="at least 2"):
        orthogonal_fixing_ones(1)


# ---------------------------------------------------------------------- gauges along depth
def _mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 2)).to(DT)


@SETTINGS
@given(seeds)
def test_independent_positive_monomials_per_layer_keep_a_plain_mlp(seed):
    g = torch.Generator().manual_seed(seed)
    mlp = _mlp(seed % 1000)
    Ms = [monomial_matrix(torch.randperm(h, generator=g), 0.2 + 3 * torch.rand(h, generator=g, dtype=DT)) for h in (6, 5, 4)]
    x = torch.randn(100, 3, generator=g, dtype=DT)
    assert relative_change(mlp, mlp_gauge_transform(mlp, Ms), x) < EXACT
    assert relative_change(mlp, mlp_gauge_transform(mlp, [None, Ms[1], None]), x) < EXACT


def test_mlp_gauge_refuses_bad_input():
    mlp = _mlp(0)
    with pytest.raises(ValueError, match="one matrix"):
        mlp_gauge_transform(mlp, [None, None])
    with pytest.raises(ValueError, match="positive monomial"):
        mlp_gauge_transform(mlp, [None, -torch.eye(5, dtype=DT), None])


@SETTINGS
@given(seeds)
def test_identity_skips_allow_only_a_depth_constant_change_of_basis(seed):
    g = torch.Generator().manual_seed(seed)
    net = ResidualMLP(skip="identity", seed=seed % 1000)
    x = torch.randn(100, 3, generator=g, dtype=DT)
    Q = _near_identity(6, g)
    assert relative_change(net, residual_gauge_transform(net, Q), x) < EXACT
    Qs = [_near_identity(6, g) for _ in range(net.depth + 1)]
    assert relative_change(net, residual_gauge_transform(net, Qs, strict=False), x) > BROKEN
    with pytest.raises(ValueError, match="tie neighbouring layers"):
        residual_gauge_transform(net, Qs)


@SETTINGS
@given(seeds)
def test_learned_skips_restore_a_gauge_at_every_depth(seed):
    g = torch.Generator().manual_seed(seed)
    net = ResidualMLP(skip="learned", seed=seed % 1000)
    x = torch.randn(100, 3, generator=g, dtype=DT)
    Qs = [_near_identity(6, g) for _ in range(net.depth + 1)]
    assert relative_change(net, residual_gauge_transform(net, Qs), x) < EXACT


def test_the_residual_gauge_is_a_left_action():
    g = torch.Generator().manual_seed(0)
    for skip in ("identity", "learned"):
        net = ResidualMLP(skip=skip, seed=0)
        d = action_defect(residual_gauge_transform, net, _near_identity(6, g), _near_identity(6, g), side="left")
        assert d["identity"] < 1e-14 and d["compatibility"] < 1e-10


def test_residual_gauge_refuses_bad_input():
    net = ResidualMLP(skip="learned")
    with pytest.raises(ValueError, match="depth \\+ 1 = 5"):
        residual_gauge_transform(net, [torch.eye(6, dtype=DT)] * 3)
    with pytest.raises(ValueError, match="singular"):
        residual_gauge_transform(net, torch.zeros(6, 6, dtype=DT))
    with pytest.raises(ValueError, match="skip"):
        ResidualMLP(skip="gated")


# ---------------------------------------------------------------------- neural ODEs
STEPS = [8, 16, 32, 64, 128, 256, 512]


@pytest.mark.parametrize("a", [0.8, -0.5])
def test_reparametrised_flows_agree_to_the_order_of_the_integrator(a):
    f = TimeDependentField.random(4, seed=0)
    g = reparametrize_time(f, *sine_reparametrization(a))
    x0 = torch.randn(16, 4, generator=torch.Generator().manual_seed(1), dtype=DT)
    rk4, euler = flow_gap(f, g, x0, STEPS, "rk4"), flow_gap(f, g, x0, STEPS, "euler")
    assert abs(loglog_slope(STEPS, rk4) + 4) < 0.3
    assert abs(loglog_slope(STEPS, euler) + 1) < 0.3
    assert rk4[-1] < 1e-10 and euler[-1] > 1e-4  # Euler, a residual network, is far from exact


def test_a_reparametrisation_with_a_flat_start_is_accepted():
    f = TimeDependentField.random(3, seed=2)
    g = reparametrize_time(f, lambda s: s * s, lambda s: 2 * s)  # φ'(0) = 0: increasing, not a diffeomorphism
    x0 = torch.randn(8, 3, generator=torch.Generator().manual_seed(0), dtype=DT)
    assert float((odeint_fixed(f, x0, 512) - odeint_fixed(g, x0, 512)).abs().max()) < 1e-10


def test_reparametrize_time_refuses_what_is_not_a_reparametrisation():
    f = TimeDependentField.random(3)
    with pytest.raises(ValueError, match="φ\\(1\\) = 1"):
        reparametrize_time(f, lambda s: 2 * s, lambda s: 2.0)
    b = 1.5  # φ(s) = s + b sin(2πs)/(2π) goes backwards where 1 + b cos(2πs) < 0
    with pytest.raises(ValueError, match="not increasing"):
        reparametrize_time(f, lambda s: s + b * math.sin(2 * math.pi * s) / (2 * math.pi), lambda s: 1 + b * math.cos(2 * math.pi * s))
    with pytest.raises(ValueError, match="derivative"):
        reparametrize_time(f, lambda s: s * s, lambda s: 1.0)
    with pytest.raises(ValueError, match="\\|a\\| < 1"):
        sine_reparametrization(1.0)
    with pytest.raises(TypeError, match="callables"):
        reparametrize_time(f, 0.5, lambda s: 1.0)


def test_integrator_and_slope_inputs():
    f = TimeDependentField.random(2)
    x0 = torch.zeros(1, 2, dtype=DT)
    with pytest.raises(ValueError, match="method"):
        odeint_fixed(f, x0, 8, "midpoint")
    with pytest.raises(ValueError, match="steps"):
        odeint_fixed(f, x0, 0)
    assert loglog_slope([1, 2, 4], [1.0, 0.25, 0.0625]) == pytest.approx(-2.0)
    with pytest.raises(ValueError, match="positive"):
        loglog_slope([1, 2], [1.0, 0.0])
    with pytest.raises(ValueError, match="same length"):
        loglog_slope([1, 2, 3], [1.0, 0.5])
    with pytest.raises(ValueError, match="d×d"):
        TimeDependentField(torch.eye(2), torch.eye(3), torch.zeros(2), torch.zeros(2))
