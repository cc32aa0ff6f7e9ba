"""Tests for grouptools.nn.sequence_models: the capstone's models and composition operators."""

from __future__ import annotations

import json

import pytest
import torch
from torch import nn

import grouptools as gt
from grouptools.models import check_composition_axioms, same_function
from grouptools.nn.sequence_models import (
    ARCHITECTURES,
    Ensemble,
    MixerBlock,
    Parallel,
    SSMConvolution,
    SequenceModel,
    ZeroMap,
    _param_formula,
    build_model,
    commutator_gap,
    count_parameters,
    crossover_length,
    interleave,
    make_mixer,
    matched_models,
    parallel,
    stack,
)
from grouptools.nn import S4DLayer
from grouptools.nn.tasks import make_task

V, C = 11, 7
KW = dict(d_state=8, l_max=32)


def _model(name: str, d: int = 16, n: int = 2, seed: int = 0, **kw) -> SequenceModel:
    torch.manual_seed(seed)
    return build_model(name, V, C, d, n, **{**KW, **kw})


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_shapes_and_patterns(name: str) -> None:
    m = _model(name, n=3)
    x = torch.randint(0, V, (2, 9))
    assert m(x).shape == (2, 9, C)
    assert len(m.pattern) == 3
    assert m.backbone(m.embed(x)).shape == (2, 9, 16)


def test_patterns() -> None:
    assert ARCHITECTURES["hybrid"](4) == "ASAS"
    assert ARCHITECTURES["stacked"](4) == "SSAA"
    assert ARCHITECTURES["parallel"](2) == "PP"
    assert build_model("SDA", V, C, 16, **KW).pattern == "SDA"


@pytest.mark.parametrize("name", sorted(ARCHITECTURES))
def test_causal_by_autograd(name: str) -> None:
    """d logits[i] / d embedding[j] is zero for every j > i."""
    m = _model(name, n=2).double()
    L = 10
    x = torch.randint(0, V, (1, L))
    emb = m.embed(x).detach().requires_grad_(True)
    h = m.backbone(emb)
    out = m.head(m.norm(h))[0]  # (L, C)
    for i in range(L):
        (g,) = torch.autograd.grad(out[i].sum(), emb, retain_graph=True)
        future = g[0, i + 1 :].abs().max().item() if i + 1 < L else 0.0
        past = g[0, : i + 1].abs().max().item()
        assert future < 1e-12, f"{name}: output {i} depends on a later input ({future:.1e})"
        assert past > 0


def test_causality_check_catches_a_non_causal_model() -> None:
    """The planted wrong answer: non-causal attention must fail the same test."""
    m = _model("transformer").double()
    for blk in m.blocks:
        blk.mixer.f.causal = False
    emb = m.embed(torch.randint(0, V, (1, 6))).detach().requires_grad_(True)
    out = m.head(m.norm(m.backbone(emb)))[0]
    (g,) = torch.autograd.grad(out[0].sum(), emb)
    assert g[0, 1:].abs().max() > 1e-6


def test_parameter_formula_is_exact() -> None:
    for name in ARCHITECTURES:
        for d, h in ((16, 20), (24, 96)):
            torch.manual_seed(0)
            m = build_model(name, V, C, d, 3, mlp_hidden=h, **KW)
            assert count_parameters(m) == _param_formula(name, V, C, 3, KW)(d, h), name


def test_matched_parameter_counts() -> None:
    models, info = matched_models(list(ARCHITECTURES), V, C, d_model=32, n_layers=2, **KW)
    ref = info["transformer"]["params"]
    for name, m in models.items():
        assert count_parameters(m) == info[name]["params"]
        assert abs(info[name]["params"] / ref - 1) < 0.10, (name, info[name])
        assert info[name]["pattern"] == ARCHITECTURES[name](2)
    json.dumps(info)


def test_gradients_reach_every_parameter() -> None:
    for name in ARCHITECTURES:
        m = _model(name)
        x = torch.randint(0, V, (2, 8))
        m(x).logsumexp(-1).sum().backward()
        missing = [n for n, p in m.named_parameters() if p.grad is None or p.grad.abs().max() == 0]
        assert not missing, f"{name}: no gradient for {missing}"


def test_bad_arguments() -> None:
    with pytest.raises(ValueError, match="unknown letters"):
        SequenceModel("AXS", V, C, 16)
    with pytest.raises(ValueError, match="unknown architecture"):
        build_model("mamba", V, C, 16)
    with pytest.raises(ValueError, match="divisible by n_heads"):
        SequenceModel("A", V, C, 18, n_heads=4)
    with pytest.raises(ValueError, match="mixer kind"):
        make_mixer("rnn", 16)
    m = _model("s4")
    with pytest.raises(ValueError, match="l_max"):
        m(torch.zeros(1, 40, dtype=torch.long))
    with pytest.raises(ValueError, match=r"token ids must lie in \[0, 11\)"):
        m(torch.full((1, 4), 11))
    with pytest.raises(TypeError, match="integer tensor"):
        m(torch.zeros(1, 4))
    with pytest.raises(ValueError, match="same depth"):
        interleave([nn.Identity()], [nn.Identity(), nn.Identity()])
    with pytest.raises(TypeError, match="S4Layer or S4DLayer"):
        SSMConvolution(nn.Linear(2, 2))
    with pytest.raises(ValueError, match="at least one architecture"):
        matched_models([], V, C)


def _blocks(d: int = 8):
    torch.manual_seed(1)
    kinds = ["attention", "s4d", "s4"]
    return [MixerBlock(k, d, d_state=8, l_max=16, n_heads=2, dtype=torch.float64) for k in kinds], kinds


def test_sequential_composition_is_a_monoid() -> None:
    blocks, names = _blocks()
    x = torch.randn(3, 12, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    rep = check_composition_axioms(blocks, x, names=names, atol=1e-10)
    assert rep.is_monoid and not rep.is_group
    assert rep.max_associativity_deviation < 1e-10
    a, s, d = blocks
    assert same_function(stack(a, s, d), stack(stack(a, s), d), x, 1e-12)
    assert same_function(stack(a, stack(s, d)), stack(stack(a, s), d), x, 1e-12)
    assert same_function(stack(a, s), lambda_module(lambda t: s(a(t))), x, 1e-12)
    assert same_function(interleave([a, a], [s, s]), stack(a, s, a, s), x, 1e-12)


def lambda_module(fn):
    class _F(nn.Module):
        def forward(self, t):
            return fn(t)

    return _F()


def test_parallel_is_associative_commutative_with_zero_identity() -> None:
    blocks, names = _blocks()
    x = torch.randn(2, 10, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(2))
    rep = check_composition_axioms(blocks, x, names=names, operation=parallel, identity=ZeroMap(), atol=1e-10)
    assert rep.is_monoid
    a, s, _ = blocks
    assert same_function(parallel(a, s), parallel(s, a), x, 1e-12)
    assert same_function(Parallel(), ZeroMap(), x, 0.0)
    assert len(parallel(parallel(a, s), a).branches) == 3


def test_lti_convolutions_commute_and_attention_s4_does_not() -> None:
    torch.manual_seed(0)
    k1 = SSMConvolution(S4DLayer(8, 8, dtype=torch.float64))
    k2 = SSMConvolution(S4DLayer(8, 8, dtype=torch.float64, init="lin"))
    x = torch.randn(2, 20, 8, dtype=torch.float64, generator=torch.Generator().manual_seed(0))
    assert commutator_gap(k1, k2, x) < 1e-12
    attn = make_mixer("attention", 8, n_heads=2, dtype=torch.float64)
    s4 = make_mixer("s4", 8, d_state=8, l_max=32, dtype=torch.float64)
    assert commutator_gap(attn, s4, x) > 0.05
    # full S4 layers (with their output mixing and GELU) do not commute either
    s4b = make_mixer("s4", 8, d_state=8, l_max=32, dtype=torch.float64)
    assert commutator_gap(s4, s4b, x) > 0.05
    assert commutator_gap(s4, s4, x) == 0.0
    with pytest.raises(ValueError, match="zero"):
        commutator_gap(ZeroMap(), s4, x)


def test_crossover_length() -> None:
    rows = [
        {"model": "s4", "L": 64, "forward_backward_ms": 5.0},
        {"model": "transformer", "L": 64, "forward_backward_ms": 4.0},
        {"model": "s4", "L": 128, "forward_backward_ms": 3.0},
        {"model": "transformer", "L": 128, "forward_backward_ms": 4.0},
        {"model": "s4", "L": 256, "forward_backward_ms": 2.0},
        {"model": "transformer", "L": 256, "forward_backward_ms": 9.0},
    ]
    assert crossover_length(rows) == 128
    assert crossover_length(rows[:2]) is None
    with pytest.raises(ValueError, match="no length"):
        crossover_length(rows, fast="s4d")


def test_efficiency_verdict_of_the_throughput_benchmark() -> None:
    import importlib.util
    from pathlib import Path

    spec = importlib.util.spec_from_file_location("bench_capstone", Path(__file__).parents[1] / "benchmarks" / "bench_capstone.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    rows = [{"model": m, "L": L, "tokens_per_s_forward_backward": v}
            for L, speeds in {64: (9, 8, 9), 128: (5, 8, 6)}.items() for m, v in zip(("transformer", "s4", "hybrid"), speeds)]
    v = bench.efficiency_verdict(rows)
    assert v["verdict"] == "refuted" and v["lengths_where_slower"] == [128]
    assert v["per_length"][128]["slower_than"] == ["s4"]
    assert bench.efficiency_verdict([r for r in rows if r["L"] == 64])["verdict"] == "not refuted"


def test_an_ensemble_averages_its_members_probabilities() -> None:
    torch.manual_seed(0)
    a = SequenceModel("A", 7, 5, 16, **KW).double()
    b = SequenceModel("S", 7, 5, 16, **KW).double()
    x = torch.randint(0, 7, (3, 9))
    with torch.no_grad():
        p = Ensemble(a, b)(x).exp()
        mean = (torch.softmax(a(x), -1) + torch.softmax(b(x), -1)) / 2
        assert torch.allclose(p, mean, atol=1e-12)
        assert torch.allclose(Ensemble(a)(x), torch.log_softmax(a(x), -1), atol=1e-12)  # one member: itself
    assert count_parameters(Ensemble(a, b)) == count_parameters(a) + count_parameters(b)
    assert Ensemble(a, b).vocab_size == 7


def test_an_ensemble_needs_modules() -> None:
    with pytest.raises(ValueError, match="at least one member"):
        Ensemble()
    with pytest.raises(TypeError, match="member 1"):
        Ensemble(nn.Linear(2, 2), "not a model")
