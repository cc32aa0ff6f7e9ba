"""The gated and selective layers: the chunked scan against its definition, step mode, causality, transitions, learning."""

from __future__ import annotations

import math

import pytest
import torch

from grouptools.nn import (
    TRANSITIONS,
    CausalDepthwiseConv,
    GRUMixer,
    H3Block,
    SelectiveRecurrence,
    SequenceModel,
    matched_models,
    run_steps,
    selective_scan,
    selective_scan_reference,
)
from grouptools.nn.s4 import ssm_param_groups


def _scan_inputs(kind: str, b=3, L=37, D=5, N=4, seed=0, dtype=torch.float64):
    g = torch.Generator().manual_seed(seed)
    lm = -4 * torch.rand(b, L, D, generator=g, dtype=dtype)
    u = torch.randn(b, L, D, generator=g, dtype=dtype)
    B = torch.randn(b, L, N, generator=g, dtype=dtype)
    C = torch.randn(b, L, N, generator=g, dtype=dtype)
    kw = {}
    if kind == "signed":
        kw["negative"] = torch.rand(b, L, D, generator=g) < 0.5
    if kind == "complex":
        kw["phase"] = torch.randn(b, L, D, generator=g, dtype=dtype)
        B = torch.complex(B, torch.randn(b, L, N, generator=g, dtype=dtype))
        C = torch.complex(C, torch.randn(b, L, N, generator=g, dtype=dtype))
    return lm, u, B, C, kw


@pytest.mark.parametrize("kind", ["positive", "signed", "complex"])
@pytest.mark.parametrize("chunk", [1, 5, 16, 64])
def test_chunked_scan_equals_the_recurrence(kind, chunk):
    lm, u, B, C, kw = _scan_inputs(kind)
    y = selective_scan(lm, u, B, C, chunk=chunk, **kw)
    ref = selective_scan_reference(lm, u, B, C, **kw)
    assert y.shape == ref.shape == u.shape
    assert torch.allclose(y, ref, atol=1e-10, rtol=1e-10)


@pytest.mark.parametrize("kind", ["positive", "signed", "complex"])
def test_scan_carries_its_state_across_calls(kind):
    lm, u, B, C, kw = _scan_inputs(kind)
    whole = selective_scan(lm, u, B, C, **kw)
    cut = 20
    first = {k: v[:, :cut] for k, v in kw.items()}
    second = {k: v[:, cut:] for k, v in kw.items()}
    y1, h = selective_scan(lm[:, :cut], u[:, :cut], B[:, :cut], C[:, :cut], return_state=True, **first)
    y2 = selective_scan(lm[:, cut:], u[:, cut:], B[:, cut:], C[:, cut:], state=h, **second)
    assert torch.allclose(torch.cat([y1, y2], 1), whole, atol=1e-10)


def test_scan_checks_shapes_and_range():
    lm, u, B, C, _ = _scan_inputs("positive")
    with pytest.raises(ValueError, match="same state size"):
        selective_scan(lm, u, B, C[..., :3])
    with pytest.raises(ValueError, match="log_mag and u"):
        selective_scan(lm, u[:, :-1], B, C)
    with pytest.raises(ValueError, match="float32's range"):
        selective_scan(lm - 10, u, B, C, chunk=16, validate=True)


@pytest.mark.parametrize("transitions", TRANSITIONS)
@pytest.mark.parametrize("selective", [True, False])
def test_forward_equals_step_mode_and_is_causal(transitions, selective):
    torch.manual_seed(0)
    m = SelectiveRecurrence(8, 4, transitions=transitions, selective=selective, chunk=5).double()
    x = torch.randn(2, 23, 8, dtype=torch.float64)
    y = m(x)
    assert torch.allclose(y, run_steps(m, x), atol=1e-12)
    x2 = x.clone()
    x2[:, 11:] += 1.0
    assert torch.allclose(m(x2)[:, :11], y[:, :11], atol=1e-12)
    assert not torch.allclose(m(x2)[:, 11:], y[:, 11:])


def _transitions(m: SelectiveRecurrence, x: torch.Tensor) -> torch.Tensor:
    u, _ = m._inner(x)
    c = m._coefficients(u)
    a = torch.exp(c["log_mag"])
    if c["negative"] is not None:
        a = torch.where(c["negative"], -a, a)
    if c["phase"] is not None:
        a = a * torch.exp(1j * c["phase"])
    return a


def test_where_the_transitions_live():
    torch.manual_seed(1)
    x = 3 * torch.randn(4, 30, 16)
    pos = _transitions(SelectiveRecurrence(16, 4, transitions="positive"), x)
    assert pos.min() > 0 and pos.max() < 1
    signed = SelectiveRecurrence(16, 4, transitions="signed")
    with torch.no_grad():
        signed.dt_bias.fill_(2.0)  # large steps: r near 0, so a = 2r − 1 near −1
    a = _transitions(signed, x)
    assert a.min() >= -1 and a.max() < 1 and (a < 0).any()  # −1 itself once r rounds to 0
    cplx = _transitions(SelectiveRecurrence(16, 4, transitions="complex"), x)
    assert cplx.is_complex() and cplx.abs().max() < 1 and (cplx.imag.abs() > 1e-3).any()
    lti = _transitions(SelectiveRecurrence(16, 4, transitions="signed", selective=False), x)
    assert torch.equal(lti, lti[:1, :1].expand_as(lti)), "an LTI layer's transition cannot depend on the input"


def test_bad_arguments_are_named():
    with pytest.raises(ValueError, match="transitions must be one of"):
        SelectiveRecurrence(8, transitions="negative")
    with pytest.raises(ValueError, match="conv_taps"):
        SelectiveRecurrence(8, conv_taps=-1)
    with pytest.raises(ValueError, match="dt_min"):
        SelectiveRecurrence(8, dt_min=0.2, dt_max=0.1)
    with pytest.raises(ValueError, match=r"shape \(batch, length, 8\)"):
        SelectiveRecurrence(8)(torch.randn(2, 5, 7))
    with pytest.raises(ValueError, match="one position"):
        m = SelectiveRecurrence(8)
        m.step(torch.randn(2, 5, 8), m.initial_state(2))
    with pytest.raises(ValueError, match="init must be"):
        CausalDepthwiseConv(4, init="identity")
    with pytest.raises(TypeError, match="tensor"):
        GRUMixer(4)([[1.0]])


def test_shift_filter_is_a_delay_and_h3_is_causal():
    conv = CausalDepthwiseConv(3, taps=4, init="shift")
    x = torch.randn(2, 9, 3)
    shifted = torch.cat([torch.zeros(2, 1, 3), x[:, :-1]], 1)
    assert torch.allclose(conv(x), shifted)
    torch.manual_seed(0)
    h3 = H3Block(8, 8).double()
    x = torch.randn(2, 17, 8, dtype=torch.float64)
    y = h3(x)
    x2 = x.clone()
    x2[:, 9:] -= 2
    assert torch.allclose(h3(x2)[:, :9], y[:, :9], atol=1e-12)
    names = {id(p) for g in ssm_param_groups(h3) if g["name"] == "ssm" for p in g["params"]}
    assert {id(p) for p in h3.ssm_parameters()} <= names and len(names) >= 4


def test_scan_runs_in_float32_under_bf16_autocast():
    torch.manual_seed(0)
    m = SelectiveRecurrence(16, 4, transitions="complex")
    x = torch.randn(2, 40, 16)
    with torch.autocast("cpu", dtype=torch.bfloat16):
        y = m(x)
    ref = m(x)
    assert torch.isfinite(y.float()).all()
    assert float((y.float() - ref).abs().max().detach()) < 0.05 * float(ref.abs().max().detach())
    y.float().sum().backward()
    assert all(p.grad is None or torch.isfinite(p.grad).all() for p in m.parameters())


def test_models_with_the_new_letters():
    torch.manual_seed(0)
    for pattern, kw in [("HM", {}), ("MG", {"transitions": "complex"}), ("GHA", {})]:
        m = SequenceModel(pattern, 10, 7, 16, n_heads=2, d_state=8, **kw)
        assert m(torch.randint(0, 10, (3, 12))).shape == (3, 12, 7)
    with pytest.raises(ValueError, match="H \\(H3\\), M \\(selective recurrence\\), G \\(GRU\\)"):
        SequenceModel("AX", 10, 7, 16)
    with pytest.raises(ValueError, match="d_state must be even"):
        SequenceModel("H", 10, 7, 16, d_state=5)
    with pytest.raises(ValueError, match="unknown architecture 'HH'"):  # parameter matching covers the named architectures
        matched_models(["transformer", "HH"], 10, 10, d_model=16, n_layers=2)


def _parity_accuracy(transitions: str, selective: bool = True) -> tuple[float, float]:
    from grouptools.nn.s4 import make_optimizer
    from grouptools.nn.tasks import Parity, accuracy, task_loss

    torch.manual_seed(0)
    task = Parity(seq_len=40)
    model = SequenceModel("M", 2, 2, 32, d_state=16, transitions=transitions, selective=selective)
    opt = make_optimizer(model, lr=1e-2, weight_decay=0.0, ssm_lr=1e-2)
    gen = torch.Generator().manual_seed(0)
    for _ in range(250):
        b = task.sample(64, gen)
        opt.zero_grad()
        task_loss(model(b.inputs), b.targets).backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
    test = torch.Generator().manual_seed(99)
    with torch.no_grad():
        short = task.sample(256, test)
        long = task.sample(256, test, length=256)
        return accuracy(model(short.inputs), short.targets), accuracy(model(long.inputs), long.targets)


def test_signed_transitions_learn_parity_and_positive_ones_do_not():
    """Grazzi et al. 2024 in miniature: only a(x) ∈ (−1, 1) can flip a sign, which parity needs."""
    signed_short, signed_long = _parity_accuracy("signed")
    pos_short, pos_long = _parity_accuracy("positive")
    assert signed_short > 0.97 and signed_long > 0.8, (signed_short, signed_long)
    assert pos_short < 0.75 and pos_long < 0.6, (pos_short, pos_long)
    assert math.isfinite(signed_long)
