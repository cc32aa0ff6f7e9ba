"""Equivariant layers (Deep Sets, C₄ group convolutions), symmetrisation and the Reynolds projection.

Equivariance is checked over every element of the group with ``check_group_equivariance``,
in float64; the group convolution is compared with its defining formula, the Reynolds
projection with ``intertwiners`` and the character inner product.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from torch import nn

import grouptools as gt
from grouptools.actions import permutation_action, rotation_action
from grouptools.characters import inner_product
from grouptools.nn.equivariance import check_equivariance, check_group_equivariance
from grouptools.nn.equivariant_layers import (
    C4GroupConv,
    C4InvariantCNN,
    C4LiftingConv,
    DeepSets,
    DeepSetsLayer,
    PlainCNN,
    accuracy_under_action,
    c4_regular_action,
    equivariant_basis,
    project_equivariant,
    reynolds_operator,
    shape_images,
    shape_names,
    symmetrize,
    train_classifier,
)
from grouptools.nn.sequence_actions import permute_positions
from grouptools.representations import intertwiners, permutation_representation, regular_representation

ROT = rotation_action()
REG = c4_regular_action()
TOL = dict(rtol=1e-9, atol=1e-10)


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---------------------------------------------------------------------- Deep Sets
@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_deepsets_layer_is_equivariant_under_all_of_S4(reduction):
    torch.manual_seed(0)
    layer = DeepSetsLayer(3, 5, reduction).double()
    x = torch.randn(2, 4, 3, dtype=torch.float64)
    act = permutation_action(4, dim=-2)
    report = check_group_equivariance(layer, act, x, act, **TOL)
    assert report and len(report.reports) == 24, str(report)


@pytest.mark.parametrize("seed", range(5))
def test_deepsets_under_random_permutations_of_larger_sets(seed):
    g = _gen(seed)
    torch.manual_seed(seed)
    n = 3 + seed * 2
    layer, model = DeepSetsLayer(2, 4).double(), DeepSets(2, 6, 3).double()
    x = torch.randn(3, n, 2, generator=g, dtype=torch.float64)
    perm = torch.randperm(n, generator=g).tolist()
    move = lambda t: permute_positions(t, perm, -2)  # noqa: E731
    assert check_equivariance(layer, move, move, x, **TOL)
    assert check_equivariance(model, move, None, x, **TOL)


def test_a_layer_that_mixes_positions_is_not_permutation_equivariant():
    torch.manual_seed(0)
    mixer = nn.Linear(4, 4, dtype=torch.float64)  # acts along the set axis (transposed input)
    f = lambda x: mixer(x.transpose(-1, -2)).transpose(-1, -2)  # noqa: E731
    act = permutation_action(4, dim=-2)
    report = check_group_equivariance(f, act, torch.randn(2, 4, 3, dtype=torch.float64), act)
    assert not report
    assert "NOT equivariant" in str(report) and report.failures


def test_deepsets_layer_is_the_general_equivariant_map_on_scalars():
    """For scalar features the layer is a I + b 11ᵀ, and the commutant of the permutation rep is 2-dimensional."""
    torch.manual_seed(1)
    layer = DeepSetsLayer(1, 1).double()
    n = 5
    with torch.no_grad():
        columns = [layer(e[:, None])[:, 0] - layer.own.bias for e in torch.eye(n, dtype=torch.float64)]
    matrix = torch.stack(columns, 1)
    a, b = layer.own.weight.item(), layer.pooled.weight.item() / n
    assert torch.allclose(matrix, a * torch.eye(n, dtype=torch.float64) + b * torch.ones(n, n, dtype=torch.float64))
    rho = permutation_representation(gt.symmetric(n))
    basis = equivariant_basis(rho, rho)
    assert basis.shape[0] == 2
    # the matrix of the layer lies in the span of the basis
    flat = basis.reshape(2, -1).T
    coef, res, *_ = np.linalg.lstsq(flat, matrix.numpy().ravel(), rcond=None)
    assert np.allclose(flat @ coef, matrix.numpy().ravel())


def test_deepsets_bad_input():
    with pytest.raises(ValueError, match=r"expected a set of shape \(\.\.\., n, 3\)"):
        DeepSetsLayer(3, 2)(torch.randn(4, 2))
    with pytest.raises(ValueError, match="reduction must be"):
        DeepSetsLayer(3, 2, reduction="max")
    with pytest.raises(ValueError, match="in_features must be a positive integer"):
        DeepSetsLayer(0, 2)


# ---------------------------------------------------------------------- C4 group convolutions
def test_c4_regular_action_is_an_action():
    REG.check([torch.randn(2, 4, 5, 5, dtype=torch.float64), torch.arange(4 * 9.0).view(4, 3, 3)])
    with pytest.raises(ValueError, match=r"shape \(\.\.\., 4, H, H\)"):
        REG(1, torch.randn(3, 5, 5))


@pytest.mark.parametrize("kernel_size", [1, 3, 5])
def test_lifting_and_group_convolutions_are_equivariant(kernel_size):
    torch.manual_seed(kernel_size)
    lift = C4LiftingConv(2, 3, kernel_size).double()
    gconv = C4GroupConv(3, 2, kernel_size).double()
    x = torch.randn(2, 2, 9, 9, dtype=torch.float64)
    assert check_group_equivariance(lift, ROT, x, REG, **TOL)
    f = torch.randn(2, 3, 4, 8, 8, dtype=torch.float64)  # even size too
    assert check_group_equivariance(gconv, REG, f, REG, **TOL)
    assert check_group_equivariance(lambda t: gconv(torch.relu(lift(t))), ROT, x, REG, **TOL)


def test_a_plain_convolution_is_not_rotation_equivariant():
    torch.manual_seed(0)
    conv = nn.Conv2d(1, 2, 3, padding=1, dtype=torch.float64)
    x = torch.randn(2, 1, 9, 9, dtype=torch.float64)
    report = check_group_equivariance(conv, ROT, x, ROT)
    assert not report and len(report.failures) == 3  # every rotation but the identity fails
    assert report.reports[0].passed


def test_group_convolution_matches_its_formula():
    torch.manual_seed(3)
    gconv = C4GroupConv(2, 3, 3).double()
    f = torch.randn(2, 2, 4, 6, 6, dtype=torch.float64)
    psi = gconv.weight
    expected = []
    for k in range(4):
        total = 0
        for s in range(4):
            w = torch.rot90(psi[:, :, (s - k) % 4], k, (-2, -1))
            total = total + F.conv2d(f[:, :, s], w, padding=1)
        expected.append(total + gconv.bias[None, :, None, None])
    assert torch.allclose(gconv(f), torch.stack(expected, 2), atol=1e-12)


@pytest.mark.parametrize("pool", ["max", "mean"])
def test_invariant_cnn_is_invariant_and_plain_cnn_is_not(pool):
    torch.manual_seed(0)
    x = torch.randn(3, 1, 10, 10, dtype=torch.float64)
    assert check_group_equivariance(C4InvariantCNN(1, 3, 4, pool=pool).double(), ROT, x, None, **TOL)
    assert not check_group_equivariance(PlainCNN(1, 6, 4, pool=pool).double(), ROT, x, None, **TOL)


def test_group_conv_bad_input():
    with pytest.raises(ValueError, match="kernel_size must be odd"):
        C4LiftingConv(1, 2, 4)
    with pytest.raises(ValueError, match=r"square images of shape \(B, 1, H, H\)"):
        C4LiftingConv(1, 2)(torch.randn(2, 1, 5, 6))
    with pytest.raises(ValueError, match=r"group feature maps of shape \(B, 2, 4, H, H\)"):
        C4GroupConv(2, 2)(torch.randn(2, 2, 3, 5, 5))
    with pytest.raises(ValueError, match="pool must be"):
        C4InvariantCNN(pool="sum")


# ---------------------------------------------------------------------- symmetrisation
def test_symmetrize_makes_a_plain_cnn_invariant_and_is_a_projection():
    torch.manual_seed(0)
    x = torch.randn(3, 1, 8, 8, dtype=torch.float64)
    plain = PlainCNN(1, 4, 3).double()
    sym = symmetrize(plain, ROT)
    assert check_group_equivariance(sym, ROT, x, None, **TOL)
    twice = symmetrize(sym, ROT)
    assert torch.allclose(twice(x), sym(x), atol=1e-12)
    inv = C4InvariantCNN(1, 3, 3).double()
    assert torch.allclose(symmetrize(inv, ROT)(x), inv(x), atol=1e-12)  # fixes what is already invariant


def test_symmetrize_equivariant_version():
    torch.manual_seed(1)
    conv = nn.Conv2d(1, 1, 3, padding=1, dtype=torch.float64)
    x = torch.randn(2, 1, 7, 7, dtype=torch.float64)
    sym = symmetrize(conv, ROT, ROT)
    assert not check_group_equivariance(conv, ROT, x, ROT)
    assert check_group_equivariance(sym, ROT, x, ROT, **TOL)
    # a layer mixing the positions of a set becomes a Deep Sets layer after averaging over S_4
    mixer = nn.Linear(4, 4, dtype=torch.float64)

    class Mix(nn.Module):
        def forward(self, t):
            return mixer(t.transpose(-1, -2)).transpose(-1, -2)

    act = permutation_action(4, dim=-2)
    s = torch.randn(2, 4, 3, dtype=torch.float64)
    assert not check_group_equivariance(Mix(), act, s, act)
    assert check_group_equivariance(symmetrize(Mix(), act, act), act, s, act, **TOL)


def test_symmetrize_bad_input():
    with pytest.raises(TypeError, match="needs a torch.nn.Module"):
        symmetrize(lambda x: x, ROT)
    with pytest.raises(TypeError, match="TensorAction"):
        symmetrize(nn.Identity(), lambda g, x: x)
    with pytest.raises(ValueError, match="same group"):
        symmetrize(nn.Identity(), ROT, permutation_action(3))


# ---------------------------------------------------------------------- Reynolds projection
def _reps():
    S3, D4, Q8, Z5 = gt.symmetric(3), gt.dihedral(4), gt.quaternion(), gt.cyclic(5)
    return [
        (permutation_representation(S3), permutation_representation(S3)),
        (regular_representation(S3), permutation_representation(S3)),
        (regular_representation(D4), regular_representation(D4)),
        (gt.irreps(D4)[-1], regular_representation(D4)),
        (gt.irreps(Q8)[-1], gt.irreps(Q8)[-1].direct_sum(gt.irreps(Q8)[0])),
        (gt.irreps(Z5)[1], regular_representation(Z5)),
        (gt.irreps(Z5)[1], gt.irreps(Z5)[2]),
    ]


@pytest.mark.parametrize("k", range(7))
def test_reynolds_operator_is_the_projection_onto_the_commutant(k):
    rho_in, rho_out = _reps()[k]
    G = rho_in.group
    P = reynolds_operator(rho_in, rho_out)
    assert np.allclose(P @ P, P, atol=1e-10)  # idempotent
    dim = inner_product(G, rho_in.character(), rho_out.character())
    assert abs(dim.imag) < 1e-9 and abs(np.trace(P) - dim.real) < 1e-9  # trace = ⟨χ_in, χ_out⟩
    basis = equivariant_basis(rho_in, rho_out)
    assert basis.shape[0] == round(dim.real) == intertwiners(rho_in, rho_out).shape[0]
    for T in basis:  # the image consists of equivariant maps ...
        for g in G.elements:
            assert np.allclose(T @ rho_in(g), rho_out(g) @ T, atol=1e-9)
    rng = np.random.default_rng(k)
    for T in intertwiners(rho_in, rho_out):  # ... and every equivariant map is in the image (fixed by P)
        assert np.allclose(project_equivariant(T, rho_in, rho_out), T, atol=1e-9)
    W = rng.normal(size=(rho_out.degree, rho_in.degree))
    PW = project_equivariant(W, rho_in, rho_out)
    assert np.allclose((P @ W.ravel()).reshape(PW.shape), PW, atol=1e-10)
    assert np.allclose(project_equivariant(PW, rho_in, rho_out), PW, atol=1e-10)


def test_projection_of_a_non_equivariant_map_changes_it():
    rho = permutation_representation(gt.symmetric(3))
    W = np.arange(9.0).reshape(3, 3)
    PW = project_equivariant(W, rho, rho)
    assert not np.allclose(PW, W)
    assert np.allclose(PW, PW[0, 0] * np.eye(3) + PW[0, 1] * (np.ones((3, 3)) - np.eye(3)))
    assert np.isrealobj(PW) and np.isrealobj(reynolds_operator(rho, rho))


def test_reynolds_bad_input():
    rho = permutation_representation(gt.symmetric(3))
    with pytest.raises(ValueError, match=r"W must have shape \(d_out, d_in\) = \(3, 3\)"):
        project_equivariant(np.zeros((2, 3)), rho, rho)
    with pytest.raises(TypeError, match="Representation"):
        reynolds_operator(np.eye(3), rho)
    with pytest.raises(ValueError, match="different groups"):
        reynolds_operator(rho, regular_representation(gt.cyclic(5)))


# ---------------------------------------------------------------------- data, accuracy, reports
def test_shape_images_are_seeded_and_well_formed():
    x, y = shape_images(20, 12, seed=3)
    x2, y2 = shape_images(20, 12, seed=3)
    assert x.shape == (20, 1, 12, 12) and y.shape == (20,)
    assert torch.equal(x, x2) and torch.equal(y, y2)
    assert set(y.tolist()) <= set(range(len(shape_names())))
    xr, yr = shape_images(20, 12, seed=3, rotate=True)
    assert torch.equal(yr, y) and not torch.equal(xr, x)
    with pytest.raises(ValueError, match="at least 10 pixels"):
        shape_images(5, 8)


def test_accuracy_under_action_of_an_invariant_model_is_constant():
    torch.manual_seed(0)
    x, y = shape_images(40, 12, seed=0)
    model = C4InvariantCNN(1, 3, 4)
    model.train()
    accs = accuracy_under_action(model, x, y, ROT)
    assert len(accs) == 4 and len(set(accs)) == 1
    assert model.training  # restored
    with pytest.raises(ValueError, match="labels"):
        accuracy_under_action(model, x, y[:3], ROT)


def test_group_report_str_and_errors():
    x = torch.randn(2, 1, 5, 5)
    rep = check_group_equivariance(lambda t: t, ROT, x, ROT)
    assert rep and "equivariant under all 4 elements of" in str(rep)
    with pytest.raises(TypeError, match="TensorAction"):
        check_group_equivariance(lambda t: t, lambda g, t: t, x)
    with pytest.raises(ValueError, match="different groups"):
        check_group_equivariance(lambda t: t, ROT, x, permutation_action(3))


def test_train_classifier_learns_the_shapes_and_is_reproducible() -> None:
    x, y = shape_images(200, 12, seed=1)
    runs = []
    for _ in range(2):
        torch.manual_seed(0)
        model, hist = train_classifier(PlainCNN(1, 8, 4), x, y, steps=60, batch_size=32, seed=3)
        runs.append((model, hist))
    (m1, h1), (m2, h2) = runs
    assert h1.loss == h2.loss  # the same seed draws the same minibatches
    assert h1.loss[-1] < h1.loss[0] and h1.examples_seen == 60 * 32
    assert accuracy_under_action(m1, x, y, ROT)[0] > 0.5  # well above chance (0.25) on its training images


def test_train_classifier_needs_one_label_per_image() -> None:
    x, y = shape_images(10, 12, seed=0)
    with pytest.raises(ValueError, match="10 examples but y has 9 labels"):
        train_classifier(PlainCNN(1, 4, 4), x, y[:9], steps=1, batch_size=2)


def test_train_classifier_augments_each_example_by_a_random_group_element():
    x, y = shape_images(64, 12, seed=0)
    seen = []

    class Recorder(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.w = torch.nn.Parameter(torch.zeros(4))

        def forward(self, batch):
            seen.append(batch.detach().clone())
            return self.w.expand(batch.shape[0], 4)

    train_classifier(Recorder(), x, y, steps=3, batch_size=8, seed=0, augment=rotation_action())
    augmented_seen = list(seen)
    seen.clear()
    train_classifier(Recorder(), x, y, steps=3, batch_size=8, seed=0)
    # every augmented example is a quarter turn of some training image, and not all are upright
    turns = [[torch.equal(torch.rot90(im, k, (-2, -1)), a) for k in range(4) for im in x] for batch in augmented_seen for a in batch]
    assert all(any(t) for t in turns)
    upright = [any(torch.equal(a, im) for im in x) for batch in augmented_seen for a in batch]
    assert 0 < sum(upright) < len(upright)
    assert all(any(torch.equal(a, im) for im in x) for batch in seen for a in batch)  # without augment: as before


def test_the_c4_experiment_records_every_model_size_and_seed():
    from grouptools.nn.augmentation import C4_MODELS, run_c4_experiment

    res = run_c4_experiment([0, 1], [40], steps=5, n_test=50, log=lambda s: None)
    assert len(res["runs"]) == 2 * len(C4_MODELS)
    inv = [r for r in res["runs"] if r["model"] == "c4_invariant"]
    assert all(r["invariance_error"] < 1e-9 and len(set(r["accuracy"])) == 1 for r in inv)
    assert res["summary"]["plain_augmented@40"]["mean_accuracy"]["n"] == 2
