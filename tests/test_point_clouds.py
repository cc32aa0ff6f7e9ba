"""grouptools.nn.point_clouds: the tetris task, invariant features and networks, the experiment's bookkeeping."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grouptools import lie
from grouptools.nn import point_clouds as pc

from strategies import rotations


def _batch(n=64, seed=0, rotate=True):
    return pc.tetris_batch(n, torch.Generator().manual_seed(seed), rotate=rotate)


def test_tetris_batches_are_centred_labelled_and_keep_the_shapes():
    x, y = _batch(256)
    assert x.shape == (256, 4, 3) and y.shape == (256,) and int(y.min()) >= 0 and int(y.max()) < 8
    assert float(x.mean(1).abs().max()) < 1e-5
    clean, labels = pc.tetris_batch(64, torch.Generator().manual_seed(1), noise=0.0)
    d = torch.cdist(clean, clean).flatten(1).sort(-1).values
    ref = torch.cdist(pc._TEMPLATES, pc._TEMPLATES).flatten(1).sort(-1).values
    assert torch.allclose(d, ref[labels], atol=1e-5)  # rotated and shuffled, but the same piece
    with pytest.raises(ValueError, match="n must be positive"):
        pc.tetris_batch(0, torch.Generator())


def test_triple_features_are_invariant_and_the_signed_volume_sees_reflections():
    x, _ = _batch(32)
    f = pc.triple_features(x, signed=True)
    R = lie.random_rotation(3, generator=torch.Generator().manual_seed(2)).to(torch.float32)
    assert torch.allclose(pc.triple_features(x @ R.T, signed=True), f, atol=1e-4)
    mirrored = pc.triple_features(x * torch.tensor([1.0, 1.0, -1.0]), signed=True)
    assert torch.allclose(mirrored[..., :3], f[..., :3], atol=1e-5)
    assert torch.allclose(mirrored[..., 3], -f[..., 3], atol=1e-5)
    perm = torch.tensor([2, 0, 3, 1])
    g = pc.triple_features(x[:, perm], signed=True)  # the same triples, listed in another order
    assert torch.allclose(g.sort(1).values, f.sort(1).values, atol=1e-5)
    with pytest.raises(ValueError, match=r"shape \[B, 4, 3\]"):
        pc.triple_features(torch.zeros(2, 5, 3), signed=False)


def test_the_invariant_networks_are_invariant_by_construction():
    x, _ = _batch(100)
    for name in ("invariant_o3", "invariant_so3"):
        torch.manual_seed(0)
        model = pc.make_model(name).eval()
        assert pc.invariance_error(model, x, torch.Generator().manual_seed(3)) < 1e-5
    torch.manual_seed(0)
    o3_model, so3_model = pc.make_model("invariant_o3").eval(), pc.make_model("invariant_so3").eval()
    mirror = x * torch.tensor([-1.0, 1.0, 1.0])
    with torch.no_grad():
        assert torch.allclose(o3_model(mirror), o3_model(x), atol=1e-5)
        assert not torch.allclose(so3_model(mirror), so3_model(x), atol=1e-3)
    mlp = pc.make_model("mlp").eval()
    assert pc.invariance_error(mlp, x, torch.Generator().manual_seed(3)) > 0.01
    with pytest.raises(ValueError, match="unknown model"):
        pc.make_model("transformer")


@settings(max_examples=30, deadline=None)
@given(R=rotations, order=st.permutations(range(4)), seed=st.integers(0, 2**16))
def test_the_so3_network_is_invariant_to_any_rotation_and_order_of_the_points(R, order, seed):
    torch.manual_seed(seed)
    model = pc.make_model("invariant_so3").eval()
    x, _ = _batch(16, seed=seed)
    moved = (x @ R.T.to(torch.float32))[:, list(order)]
    with torch.no_grad():
        assert torch.allclose(model(moved), model(x), atol=1e-4, rtol=1e-4)


def test_the_distance_template_rule_cannot_split_the_mirror_pair():
    labels = torch.arange(8)
    assert math.isclose(pc.template_accuracy(pc._TEMPLATES, labels), 7 / 8)
    assert math.isclose(pc.template_accuracy(pc._TEMPLATES[list(pc.MIRROR_PAIR)], torch.tensor(pc.MIRROR_PAIR)), 0.5)


def test_a_small_experiment_reports_every_model_with_floors():
    res = pc.run_experiment([0, 1], steps=20, n_test=100, models=["mlp", "invariant_so3"], log=lambda s: None)
    assert {r["model"] for r in res["runs"]} == {"mlp", "invariant_so3"} and len(res["runs"]) == 4
    s = res["summary"]["invariant_so3"]
    assert s["rotated"]["n"] == 2 and s["params"] > 0 and s["invariance_error"]["mean"] < 1e-5
    assert res["floors"]["chance"] == 0.125 and res["floors"]["o3_invariant_ceiling"] == 0.875
    with pytest.raises(ValueError, match="unknown models"):
        pc.run_experiment([0], models=["cnn"])
