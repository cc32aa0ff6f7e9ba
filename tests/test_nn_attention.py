"""Tests of grouptools.nn.attention, sequence_actions and equivariance: S_L and Z_L on sequences,
what attention respects, and what positions and masks break."""

from __future__ import annotations

import pytest
import torch

from grouptools.nn import attention as at
from grouptools.nn.equivariance import check_equivariance
from grouptools.nn.sequence_actions import (
    CyclicShift,
    PositionPermutation,
    cyclic_shift,
    delay,
    permute_positions,
    random_permutation,
)

F64 = torch.float64
CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


# ---------------------------------------------------------------------------
# the actions
# ---------------------------------------------------------------------------


def test_permutation_action_moves_entries():
    x = torch.arange(4.0)[None, :, None]
    y = permute_positions(x, [2, 0, 3, 1])  # entry at t goes to σ(t)
    assert y[0, :, 0].tolist() == [1.0, 3.0, 0.0, 2.0]


def test_group_laws_on_sequences():
    x = torch.randn(2, 6, 3)
    s, t = PositionPermutation(tuple(random_permutation(6).tolist())), PositionPermutation((1, 2, 3, 4, 5, 0))
    assert torch.equal(s.compose(t)(x), s(t(x)))
    assert torch.equal(s.inverse()(s(x)), x)
    a, b = CyclicShift(2), CyclicShift(5)
    assert torch.equal(a.compose(b)(x), a(b(x)))
    assert torch.equal(CyclicShift(6)(x), x)  # order divides L
    assert torch.equal(a.inverse()(a(x)), x)
    # a cyclic shift is the permutation t ↦ t + k mod L
    assert torch.equal(cyclic_shift(x, 2), permute_positions(x, [(i + 2) % 6 for i in range(6)]))


def test_delay():
    x = torch.arange(1.0, 6.0)[None, :, None]
    assert delay(x, 2)[0, :, 0].tolist() == [0, 0, 1, 2, 3]
    assert delay(x, 9).abs().sum() == 0
    with pytest.raises(ValueError, match="non-negative"):
        delay(x, -1)


def test_bad_permutations():
    with pytest.raises(ValueError, match="permutation"):
        permute_positions(torch.randn(1, 3, 2), [0, 0, 1])
    with pytest.raises(ValueError, match="permutation"):
        permute_positions(torch.randn(1, 3, 2), [0, 1])
    with pytest.raises(ValueError, match="not a permutation"):
        PositionPermutation((0, 2))
    with pytest.raises(ValueError, match="out of range"):
        cyclic_shift(torch.randn(3), 1, dim=1)


def test_check_equivariance_invariance_and_failure():
    x = torch.randn(2, 5, 3)
    perm = lambda z: permute_positions(z, [4, 3, 2, 1, 0])  # noqa: E731
    assert check_equivariance(lambda z: z.sum(1), perm, None, x).passed  # pooling is invariant
    rep = check_equivariance(lambda z: z.cumsum(1), perm, perm, x)  # cumsum is not equivariant
    assert not rep.passed and rep.max_abs_error > 0.1 and "NOT" in str(rep)


# ---------------------------------------------------------------------------
# attention
# ---------------------------------------------------------------------------


def perm_action(L):
    sigma = random_permutation(L, torch.Generator().manual_seed(1))
    return lambda z: permute_positions(z, sigma)


@pytest.mark.parametrize("module", ["mhsa", "block"])
def test_attention_without_positions_is_permutation_equivariant(module):
    m = at.MultiHeadSelfAttention(8, 2, dtype=F64) if module == "mhsa" else at.TransformerBlock(8, 2, dtype=F64)
    x = torch.randn(3, 7, 8, dtype=F64)
    act = perm_action(7)
    rep = check_equivariance(m, act, act, x, rtol=1e-10, atol=1e-12)
    assert rep.passed, str(rep)


@pytest.mark.parametrize("what", ["causal", "rotary", "sinusoidal"])
def test_positions_and_masks_break_permutation_equivariance(what):
    x = torch.randn(3, 7, 8, dtype=F64)
    if what == "sinusoidal":
        m = torch.nn.Sequential(at.SinusoidalPositionalEncoding(8), at.TransformerBlock(8, 2, dtype=F64))
    else:
        m = at.TransformerBlock(8, 2, causal=what == "causal", positional="rotary" if what == "rotary" else "none", dtype=F64)
    act = perm_action(7)
    rep = check_equivariance(m, act, act, x)
    assert not rep.passed and rep.relative_error > 1e-3, str(rep)


def test_causal_attention_is_causal_by_autograd():
    m = at.MultiHeadSelfAttention(8, 2, causal=True, dtype=F64)
    L = 6
    x = torch.randn(1, L, 8, dtype=F64, requires_grad=True)
    y = m(x)
    for i in range(L):
        (g,) = torch.autograd.grad(y[0, i].sum(), x, retain_graph=True)
        assert g[0, i + 1 :].abs().max() == 0 if i + 1 < L else True
        assert g[0, i].abs().max() > 0


def test_attention_weights_reproduce_sdpa():
    for causal in (False, True):
        m = at.MultiHeadSelfAttention(8, 2, causal=causal, positional="rotary", dtype=F64)
        x = torch.randn(2, 5, 8, dtype=F64)
        w = m.attention_weights(x)
        assert w.shape == (2, 2, 5, 5) and torch.allclose(w.sum(-1), torch.ones(2, 2, 5, dtype=F64))
        if causal:
            assert w.triu(1).abs().max() == 0
        _, _, v = m._qkv(x)
        manual = m.proj((w @ v).transpose(1, 2).reshape(x.shape))
        assert torch.allclose(manual, m(x), atol=1e-12)


def test_rotary_scores_depend_on_relative_position():
    rot = at.RotaryEmbedding(4)
    q, k = torch.randn(1, 1, 4, dtype=F64), torch.randn(1, 1, 4, dtype=F64)
    s1 = (rot(q, offset=3) * rot(k, offset=1)).sum()
    s2 = (rot(q, offset=10) * rot(k, offset=8)).sum()
    assert torch.allclose(s1, s2)
    assert not torch.allclose(s1, (rot(q, offset=3) * rot(k, offset=2)).sum())


def test_sinusoidal_table():
    pe = at.sinusoidal_encoding(5, 6)
    assert pe.shape == (5, 6) and torch.allclose(pe[0, 1::2], torch.ones(3))
    assert torch.allclose(pe[:, 0], torch.sin(torch.arange(5.0)))


@pytest.mark.parametrize("positional", ["none", "rotary"])
def test_gradients_reach_every_parameter(positional):
    m = at.TransformerBlock(8, 2, causal=True, positional=positional)
    m(torch.randn(2, 5, 8)).pow(2).sum().backward()
    for name, p in m.named_parameters():
        assert p.grad is not None and p.grad.abs().max() > 0, name


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_shapes_and_dtypes_cpu(dtype):
    m = at.TransformerBlock(12, 3, causal=True, positional="rotary", dtype=dtype)
    y = m(torch.randn(2, 9, 12, dtype=dtype))
    assert y.shape == (2, 9, 12) and y.dtype == dtype


@CUDA
def test_cuda_matches_cpu():
    m = at.TransformerBlock(16, 4, causal=True, positional="rotary")
    x = torch.randn(2, 9, 16)
    y = m(x)
    y_cuda = m.cuda()(x.cuda())
    assert torch.allclose(y_cuda.cpu(), y, atol=1e-4)
    with torch.autocast("cuda", dtype=torch.float16):
        assert torch.isfinite(m(x.cuda())).all()


def test_bad_arguments():
    m = at.MultiHeadSelfAttention(8, 2)
    with pytest.raises(ValueError, match="rank 3"):
        m(torch.randn(5, 8))
    with pytest.raises(ValueError, match="7 channels"):
        m(torch.randn(1, 5, 7))
    with pytest.raises(ValueError, match="length must be positive"):
        m(torch.randn(1, 0, 8))
    with pytest.raises(ValueError, match="divisible"):
        at.MultiHeadSelfAttention(8, 3)
    with pytest.raises(ValueError, match="positional"):
        at.MultiHeadSelfAttention(8, 2, positional="sinusoidal")
    with pytest.raises(ValueError, match="even head dimension"):
        at.MultiHeadSelfAttention(6, 2, positional="rotary")
    with pytest.raises(ValueError, match="positive integer"):
        at.sinusoidal_encoding(0, 4)
