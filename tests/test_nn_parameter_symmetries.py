"""Parameter symmetries leave the function unchanged, form group actions, and fail where they should.

ReLU MLPs (positive monomial matrices), attention heads (GL(d_head) on W_Q, W_K and on
W_V, W_O) and state-space models (similarity transforms), all in float64 over several
random draws; the laws of an action on parameters; what does not survive (negative
scales, mixing matrices, a singular T, rotary positions); and clear errors for bad input.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grouptools.models import same_function
from grouptools.nn import MultiHeadSelfAttention, discretize, kernel_powers, ssm_scan
from grouptools.nn.parameter_symmetries import (
    action_defect,
    attention_qk_transform,
    attention_vo_transform,
    is_positive_monomial,
    mlp_hidden_transform,
    mlp_linear_layers,
    monomial_matrix,
    ssm_similarity,
)

DT = torch.float64
SEEDS = range(4)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def _mlp(seed: int) -> nn.Sequential:
    torch.manual_seed(seed)
    return nn.Sequential(nn.Linear(3, 6), nn.ReLU(), nn.Linear(6, 5), nn.ReLU(), nn.Linear(5, 2)).to(DT)


def _pos_monomial(h: int, g: torch.Generator) -> torch.Tensor:
    return monomial_matrix(torch.randperm(h, generator=g), 0.2 + 3 * torch.rand(h, generator=g, dtype=DT))


def _invertible(n: int, g: torch.Generator) -> torch.Tensor:
    return torch.randn(n, n, generator=g, dtype=DT) + 2 * torch.eye(n, dtype=DT)


# ---------------------------------------------------------------------- MLPs
@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layer", [0, 1])
def test_positive_monomials_leave_a_relu_mlp_unchanged(seed, layer):
    g = _gen(seed)
    mlp = _mlp(seed)
    x = torch.randn(200, 3, generator=g, dtype=DT)
    M = _pos_monomial(6 if layer == 0 else 5, g)
    new = mlp_hidden_transform(mlp, layer, M)
    assert same_function(mlp, new, x, atol=1e-12)
    assert not torch.equal(new[2 * layer].weight, mlp[2 * layer].weight)  # the parameters did move


@pytest.mark.parametrize("seed", SEEDS)
def test_what_does_not_survive_a_relu(seed):
    g = _gen(seed)
    mlp = _mlp(seed)
    x = torch.randn(200, 3, generator=g, dtype=DT)
    flip = monomial_matrix(range(6), [-1.0, 1, 1, 1, 1, 1])  # a negative scale
    rotation = torch.linalg.qr(torch.randn(6, 6, generator=g, dtype=DT))[0]  # mixes units
    for M in (flip, rotation):
        assert not is_positive_monomial(M)
        assert not same_function(mlp, mlp_hidden_transform(mlp, 0, M, strict=False), x, atol=1e-6)
    with pytest.raises(ValueError, match="not a positive monomial matrix"):
        mlp_hidden_transform(mlp, 0, flip)


@pytest.mark.parametrize("seed", SEEDS)
def test_mlp_transforms_form_a_left_action(seed):
    g = _gen(seed)
    mlp = _mlp(seed)
    a, b = _pos_monomial(6, g), _pos_monomial(6, g)
    defect = action_defect(lambda m, M: mlp_hidden_transform(m, 0, M), mlp, a, b, side="left")
    assert defect["identity"] == 0.0 and defect["compatibility"] < 1e-12
    assert is_positive_monomial(a @ b) and is_positive_monomial(torch.linalg.inv(a))  # closed: a group


def test_monomial_matrix_convention():
    M = monomial_matrix([2, 0, 1], [1.0, 2.0, 3.0])
    z = torch.tensor([10.0, 20.0, 30.0], dtype=DT)
    assert torch.equal(M @ z, torch.tensor([40.0, 90.0, 10.0], dtype=DT))  # 1·z[0] → slot 2, 2·z[1] → slot 0, 3·z[2] → slot 1
    assert is_positive_monomial(M)
    assert torch.equal(torch.relu(M @ -z), M @ torch.relu(-z))


def test_mlp_bad_input():
    mlp = _mlp(0)
    with pytest.raises(ValueError, match="perm must be a permutation of 0..2"):
        monomial_matrix([0, 0, 1])
    with pytest.raises(ValueError, match="scale must have 3 entries"):
        monomial_matrix([0, 2, 1], [1.0, 2.0])
    with pytest.raises(ValueError, match="layer must be a hidden-layer index in 0..1"):
        mlp_hidden_transform(mlp, 2, torch.eye(5, dtype=DT))
    with pytest.raises(ValueError, match=r"M must be 6×6"):
        mlp_hidden_transform(mlp, 0, torch.eye(5, dtype=DT))
    with pytest.raises(ValueError, match="M is singular"):
        mlp_hidden_transform(mlp, 0, torch.zeros(6, 6, dtype=DT), strict=False)
    with pytest.raises(TypeError, match="layer 1 of the MLP is Tanh"):
        mlp_linear_layers(nn.Sequential(nn.Linear(2, 2), nn.Tanh(), nn.Linear(2, 2)))
    with pytest.raises(TypeError, match="nn.Sequential"):
        mlp_linear_layers(nn.Linear(2, 2))


# ---------------------------------------------------------------------- attention
def _attn(seed: int, **kw) -> MultiHeadSelfAttention:
    torch.manual_seed(seed)
    return MultiHeadSelfAttention(12, 3, dtype=DT, **kw)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("causal", [False, True])
def test_gl_dhead_on_queries_keys_and_values_outputs(seed, causal):
    g = _gen(seed)
    attn = _attn(seed, causal=causal)
    x = torch.randn(4, 7, 12, generator=g, dtype=DT)
    head = seed % 3
    M, N = _invertible(4, g), _invertible(4, g)
    qk = attention_qk_transform(attn, head, M)
    assert same_function(attn, qk, x, atol=1e-10)
    with torch.no_grad():
        assert torch.allclose(qk.attention_weights(x), attn.attention_weights(x), atol=1e-12)
    vo = attention_vo_transform(attn, head, N)
    assert same_function(attn, vo, x, atol=1e-10)
    both = attention_vo_transform(attention_qk_transform(attn, 0, M), 2, N)
    assert same_function(attn, both, x, atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_attention_transforms_are_right_actions(seed):
    g = _gen(seed)
    attn = _attn(seed)
    a, b = _invertible(4, g), _invertible(4, g)
    for transform in (attention_qk_transform, attention_vo_transform):
        f = lambda m, M, t=transform: t(m, 1, M)  # noqa: E731
        right = action_defect(f, attn, a, b, side="right")
        assert right["identity"] < 1e-15 and right["compatibility"] < 1e-9
        left = action_defect(f, attn, a, b, side="left")
        assert left["compatibility"] > 1e-3  # GL(4) is not abelian: the order matters


def test_what_does_not_survive_in_attention():
    g = _gen(0)
    attn = _attn(0)
    x = torch.randn(2, 5, 12, generator=g, dtype=DT)
    M = _invertible(4, g)
    # transforming W_K by M instead of M^{-T} changes the scores
    wrong = attention_qk_transform(attn, 0, M)
    d = attn.d_model
    with torch.no_grad():
        wrong.qkv.weight[d : d + 4] = M.T @ attn.qkv.weight[d : d + 4]
        wrong.qkv.bias[d : d + 4] = M.T @ attn.qkv.bias[d : d + 4]
    assert not same_function(attn, wrong, x, atol=1e-6)
    with pytest.raises(ValueError, match="rotary position embeddings do not commute"):
        attention_qk_transform(_attn(0, positional="rotary"), 0, M)


def test_attention_bad_input():
    attn = _attn(0)
    with pytest.raises(ValueError, match=r"head must be in 0..2"):
        attention_qk_transform(attn, 3, torch.eye(4, dtype=DT))
    with pytest.raises(ValueError, match=r"N must be 4×4"):
        attention_vo_transform(attn, 0, torch.eye(3, dtype=DT))
    with pytest.raises(ValueError, match="M is singular"):
        attention_qk_transform(attn, 0, torch.ones(4, 4, dtype=DT))
    with pytest.raises(TypeError, match="MultiHeadSelfAttention"):
        attention_qk_transform(nn.Linear(4, 4), 0, torch.eye(4, dtype=DT))
    with pytest.raises(TypeError, match="torch.Tensor"):
        attention_vo_transform(attn, 0, [[1.0]])


# ---------------------------------------------------------------------- state-space models
def _ssm(seed: int, N: int = 4):
    g = _gen(seed)
    A = torch.randn(N, N, generator=g, dtype=DT) - 2 * torch.eye(N, dtype=DT)
    return A, torch.randn(N, generator=g, dtype=DT), torch.randn(N, generator=g, dtype=DT), g


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("method", ["zoh", "bilinear"])
def test_similarity_transforms_leave_the_ssm_unchanged(seed, method):
    A, B, C, g = _ssm(seed)
    T = _invertible(4, g)
    A2, B2, C2 = ssm_similarity(A, B, C, T)
    Ab, Bb = discretize(A, B, 0.1, method)
    Ab2, Bb2 = discretize(A2, B2, 0.1, method)
    assert torch.allclose(Ab2, T @ Ab @ torch.linalg.inv(T), atol=1e-10)  # discretisation commutes with T
    assert torch.allclose(kernel_powers(Ab, Bb, C, 32), kernel_powers(Ab2, Bb2, C2, 32), atol=1e-10)
    u = torch.randn(3, 40, generator=g, dtype=DT)
    assert torch.allclose(ssm_scan(Ab, Bb, C, 0.3, u), ssm_scan(Ab2, Bb2, C2, 0.3, u), atol=1e-10)


@pytest.mark.parametrize("seed", SEEDS)
def test_similarity_transforms_form_a_left_action(seed):
    A, B, C, g = _ssm(seed)
    a, b = _invertible(4, g), _invertible(4, g)
    defect = action_defect(lambda p, T: ssm_similarity(*p, T), (A, B, C), a, b, side="left")
    assert defect["identity"] < 1e-14 and defect["compatibility"] < 1e-10


def test_a_singular_t_does_not_survive():
    A, B, C, g = _ssm(0)
    T = torch.diag(torch.tensor([1.0, 1.0, 1.0, 0.0], dtype=DT))  # a projection
    with pytest.raises(ValueError, match="T is singular"):
        ssm_similarity(A, B, C, T)
    Tp = torch.linalg.pinv(T)  # the best one could do with a pseudo-inverse changes the kernel
    Ab, Bb = discretize(A, B, 0.1)
    Ab2, Bb2 = discretize(T @ A @ Tp, T @ B, 0.1)
    assert not torch.allclose(kernel_powers(Ab, Bb, C, 16), kernel_powers(Ab2, Bb2, C @ Tp, 16), atol=1e-3)


def test_ssm_bad_input():
    A, B, C, _ = _ssm(0)
    with pytest.raises(ValueError, match=r"A must be a square \(N, N\) matrix"):
        ssm_similarity(A[:3], B, C, torch.eye(4, dtype=DT))
    with pytest.raises(ValueError, match=r"B and C must have shape \(4,\)"):
        ssm_similarity(A, B[:3], C, torch.eye(4, dtype=DT))
    with pytest.raises(ValueError, match=r"T must be 4×4"):
        ssm_similarity(A, B, C, torch.eye(3, dtype=DT))
    with pytest.raises(ValueError, match="NaN or infinite"):
        ssm_similarity(A, B, C, torch.full((4, 4), float("nan"), dtype=DT))
    with pytest.raises(ValueError, match="side must be"):
        action_defect(lambda p, T: ssm_similarity(*p, T), (A, B, C), torch.eye(4), torch.eye(4), side="up")
