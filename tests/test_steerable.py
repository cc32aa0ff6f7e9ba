"""grouptools.nn.steerable: circular harmonics, the harmonic CNN, shapes drawn at any angle, the experiment's bookkeeping."""

from __future__ import annotations

import math

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grouptools import lie
from grouptools.actions import rotation_action
from grouptools.nn import steerable as sf
from grouptools.nn.equivariance import check_equivariance, check_group_equivariance


# ---------------------------------------------------------------------- circular harmonics
def test_pixel_polar_measures_angles_counter_clockwise_with_y_up():
    r, phi = sf.pixel_polar(5)
    assert float(r[2, 2]) == 0.0 and float(phi[2, 2]) == 0.0
    assert math.isclose(float(phi[2, 4]), 0.0)  # right of the centre
    assert math.isclose(float(phi[0, 2]), math.pi / 2)  # above: row 0 is the top
    assert math.isclose(float(phi[2, 0]), math.pi)
    assert math.isclose(float(r[0, 0]), math.sqrt(8))
    r4, _ = sf.pixel_polar(4)  # even grid: the centre falls between pixels
    assert torch.allclose(r4.min(), torch.tensor(math.sqrt(0.5), dtype=torch.float64))


@settings(max_examples=40, deadline=None)
@given(size=st.integers(1, 12), k=st.integers(-4, 5), radius=st.floats(0, 5), width=st.floats(0.3, 3))
def test_a_circular_harmonic_turns_into_a_phase_times_itself(size, k, radius, width):
    psi = sf.circular_harmonic(size, k, radius, width)
    assert psi.dtype == torch.complex128 and psi.shape == (size, size)
    assert torch.allclose(torch.rot90(psi, 1), (-1j) ** k * psi, atol=1e-12)  # exact on the square grid
    r, _ = sf.pixel_polar(size)
    profile = torch.exp(-((r - radius) ** 2) / (2 * width**2))
    if k != 0:
        profile = torch.where(r == 0, torch.zeros_like(profile), profile)
    assert torch.allclose(psi.abs(), profile, atol=1e-12)


def test_a_circular_harmonic_has_angular_order_k():
    psi = sf.circular_harmonic(15, 3, 4.0, 1.0)
    _, phi = sf.pixel_polar(15)
    ring = psi.abs() > 0.5
    phase = psi[ring] / psi[ring].abs()
    assert torch.allclose(phase, torch.exp(3j * phi[ring]), atol=1e-12)
    assert float(psi[7, 7].abs()) == 0.0  # the centre of an order-3 filter
    assert float(sf.circular_harmonic(15, 0, 0.0, 1.0)[7, 7].abs()) == 1.0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0, 1, 1.0, 1.0), "size must be a positive integer"),
        ((5.0, 1, 1.0, 1.0), "size must be a positive integer"),
        ((5, 1.5, 1.0, 1.0), "angular order k must be an integer"),
        ((5, 1, -1.0, 1.0), "radius must be a finite number ≥ 0"),
        ((5, 1, 1.0, 0.0), "width must be a finite number > 0"),
        ((5, 1, math.nan, 1.0), "radius must be a finite number"),
    ],
)
def test_circular_harmonic_refuses_bad_input(args, message):
    with pytest.raises(ValueError, match=message):
        sf.circular_harmonic(*args)


def test_the_harmonic_basis_is_normalised_and_refuses_vanishing_rings():
    basis = sf.harmonic_basis(9, [0, 1, 2], [1.5, 3.0], 0.8)
    assert basis.shape == (3, 2, 9, 9)
    assert torch.allclose(basis.abs().pow(2).sum((-2, -1)), torch.ones(3, 2, dtype=torch.float64))
    with pytest.raises(ValueError, match="order 1 and radius 0"):
        sf.harmonic_basis(1, [0, 1], [0.0], 0.8)  # a 1×1 grid has only the centre, where e^{iφ} is 0


# ---------------------------------------------------------------------- the network
def _images(n=6, size=29, seed=0):
    return sf.render_shapes(n, torch.Generator().manual_seed(seed), size=size)[0]


def test_a_harmonic_convolution_is_exactly_equivariant_to_quarter_turns():
    torch.manual_seed(0)
    conv = sf.HarmonicConv(1, 4, kernel_size=7, orders=(0, 1, 3))
    C4 = rotation_action()
    report = check_group_equivariance(conv, C4, _images(), C4, rtol=1e-5, atol=1e-5)
    assert report.passed, str(report)
    # the complex responses of order k pick up the phase e^{ik·90°} = i^k
    x = _images(2)
    z, zr = conv.responses(x), conv.responses(torch.rot90(x, 1, (-2, -1)))
    for a, k in enumerate(conv.orders):
        assert torch.allclose(zr[:, :, a], (1j) ** k * torch.rot90(z[:, :, a], 1, (-2, -1)), atol=1e-4)


def test_the_harmonic_cnn_is_invariant_to_quarter_turns_and_nearly_to_other_angles():
    torch.manual_seed(1)
    model = sf.make_model("harmonic").eval()
    x = _images(8)
    assert check_group_equivariance(model, rotation_action(), x, None, rtol=1e-4, atol=1e-5).passed
    errors = sf.invariance_error(model, [30.0, 45.0], n=40)
    assert all(0 < e < 0.05 for e in errors), errors  # sampled filters: approximate, not exact
    plain = sf.make_model("plain").eval()
    assert not check_group_equivariance(plain, rotation_action(), x, None, rtol=1e-4, atol=1e-5).passed
    assert min(sf.invariance_error(plain, [45.0, 90.0], n=40)) > 0.05


def test_the_modulus_has_a_gradient_at_zero_response():
    torch.manual_seed(0)
    conv = sf.HarmonicConv(1, 2, kernel_size=5)
    x = torch.zeros(1, 1, 7, 7, requires_grad=True)
    conv(x).sum().backward()
    assert torch.isfinite(x.grad).all() and all(torch.isfinite(p.grad).all() for p in conv.parameters())


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        (dict(kernel_size=8), "kernel_size must be odd"),
        (dict(orders=(1, 2)), "starting with 0"),
        (dict(orders=(0, 1, 1)), "distinct"),
    ],
)
def test_harmonic_conv_refuses_bad_configurations(kwargs, message):
    with pytest.raises(ValueError, match=message):
        sf.HarmonicConv(1, 2, **kwargs)


def test_harmonic_conv_names_the_shape_it_expected():
    with pytest.raises(ValueError, match=r"shape \(B, 1, H, W\)"):
        sf.HarmonicConv(1, 2)(torch.zeros(3, 2, 9, 9))


# ---------------------------------------------------------------------- drawing shapes
def test_a_shape_drawn_turned_by_a_quarter_turn_is_the_rot90_of_the_upright_drawing():
    kw = dict(shift=0.0, noise=0.0)
    upright, y0, _ = sf.render_shapes(12, torch.Generator().manual_seed(3), angles=0.0, **kw)
    turned, y1, t1 = sf.render_shapes(12, torch.Generator().manual_seed(3), angles=math.pi / 2, **kw)
    assert torch.equal(y0, y1) and torch.allclose(t1, torch.full((12,), math.pi / 2, dtype=torch.float64))
    assert torch.allclose(turned, torch.rot90(upright, 1, (-2, -1)), atol=1e-6)  # counter-clockwise, like rot90
    # at 30° the drawing is close to (not equal to) the bilinear rotation of the upright one
    at30, _, _ = sf.render_shapes(12, torch.Generator().manual_seed(3), angles=math.pi / 6, **kw)
    interpolated = torch.stack([lie.rotate_image(im[0].double(), math.pi / 6) for im in upright])[:, None].float()
    rel = float((at30 - interpolated).norm() / at30.norm())
    assert 0.01 < rel < 0.3, rel


def test_render_shapes_is_seeded_and_checks_its_input():
    a = sf.render_shapes(5, torch.Generator().manual_seed(9))
    b = sf.render_shapes(5, torch.Generator().manual_seed(9))
    assert all(torch.equal(u, v) for u, v in zip(a, b))
    x, y, t = a
    assert x.shape == (5, 1, 29, 29) and x.dtype == torch.float32 and y.shape == (5,) and t.shape == (5,)
    assert float(t.min()) >= 0 and float(t.max()) < 2 * math.pi
    with pytest.raises(ValueError, match="n must be a positive integer"):
        sf.render_shapes(0, torch.Generator())


# ---------------------------------------------------------------------- the experiment
def test_the_radial_profile_floor_is_nearly_rotation_invariant_and_well_above_chance():
    acc = sf.radial_profile_accuracy([0.0, 45.0, 90.0], n_train=400, n=100)
    assert all(a > 0.5 for a in acc) and max(acc) - min(acc) < 0.15, acc


def test_a_small_experiment_reports_every_model_with_floors():
    res = sf.run_experiment([0, 1], steps=3, models=["plain", "harmonic"], log=lambda s: None)
    assert {r["model"] for r in res["runs"]} == {"plain", "harmonic"} and len(res["runs"]) == 4
    assert len(res["runs"][0]["accuracy"]) == 24 and res["config"]["degrees"][3] == 45
    s = res["summary"]["harmonic"]
    assert s["mean_accuracy"]["n"] == 2 and s["params"] == sum(p.numel() for p in sf.make_model("harmonic").parameters())
    assert s["invariance_error_90"]["mean"] < 1e-5  # exact for quarter turns, trained or not
    assert res["floors"]["chance"] == 0.25 and 0.5 < res["floors"]["radial_profile_mean"] < 1
    with pytest.raises(ValueError, match="unknown models"):
        sf.run_experiment([0], models=["resnet"])
    with pytest.raises(ValueError, match="unknown model"):
        sf.train_model("resnet", 0)
