"""Tests of grouptools.models: modules under composition form a monoid; the
invertible ones (with their inverses) a group; non-injective layers have witnesses."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from grouptools import models as gm

D = 4


@pytest.fixture(autouse=True)
def _seed():
    torch.manual_seed(0)


def probes(n: int = 64, d: int = D) -> torch.Tensor:
    return gm.probe_inputs(n, d, dtype=torch.float64)


def invertible_stack(d: int = D) -> list[nn.Module]:
    return [
        gm.InvertibleLinear(d, dtype=torch.float64),
        gm.AffineCoupling(d, hidden=16, dtype=torch.float64),
        gm.AffineCoupling(d, hidden=16, flip=True, dtype=torch.float64),
    ]


# --------------------------------------------------------------------------- composition


def test_compose_is_function_order_and_shares_parameters():
    f, g = nn.Linear(3, 2), nn.Linear(4, 3)
    x = torch.randn(5, 4)
    fg = gm.compose(f, g)
    assert torch.equal(fg(x), f(g(x)))
    assert torch.equal(fg(x), nn.Sequential(g, f)(x))  # Sequential lists layers in running order
    assert {id(p) for p in fg.parameters()} == {id(p) for p in [*f.parameters(), *g.parameters()]}


def test_composition_is_associative_with_identity():
    a, b, c = nn.Linear(D, D), nn.ReLU(), nn.Sequential(nn.Linear(D, D), nn.Tanh())
    x = probes(128).float()
    left = gm.compose(gm.compose(a, b), c)
    right = gm.compose(a, gm.compose(b, c))
    assert gm.same_function(left, right, x, atol=0).max_deviation == 0.0  # the same operations, in the same order
    for m in (a, b, c):
        assert gm.same_function(gm.compose(nn.Identity(), m), m, x, atol=0)
        assert gm.same_function(gm.compose(m, nn.Identity()), m, x, atol=0)
    assert gm.same_function(gm.compose(), nn.Identity(), x, atol=0)


def test_compose_checks_types_and_shapes():
    with pytest.raises(TypeError, match="argument 1 of compose must be a torch.nn.Module"):
        gm.compose(nn.ReLU(), lambda x: x)
    with pytest.raises(ValueError, match=r"produces vectors in ℝ\^2 .* expects inputs in ℝ\^4"):
        gm.compose(nn.Linear(4, 3), nn.Linear(5, 2))
    with pytest.raises(ValueError, match="typed"):
        gm.compose(gm.InvertibleLinear(3), nn.Linear(2, 4))
    # a known shape on one side only: nothing to check
    assert isinstance(gm.compose(nn.ReLU(), nn.Linear(2, 4)), gm.Composition)


def test_same_function_reports_deviation_and_shape_mismatch():
    x = probes()
    f = nn.Linear(D, D).double()
    cmp = gm.same_function(f, f, x)
    assert cmp and cmp.max_deviation == 0.0 and cmp.n_inputs == 64
    assert gm.same_function(f, gm.compose(f, nn.Identity()), x, atol=0)
    differ = gm.same_function(f, nn.Identity(), x)
    assert not differ and differ.max_deviation > 1e-3 and str(differ).startswith("differ on 64 inputs")
    mismatch = gm.same_function(nn.Linear(D, 2).double(), f, x)
    assert not mismatch and "shapes" in str(mismatch)
    with pytest.raises(TypeError, match="torch.Tensor"):
        gm.same_function(f, f, [[1.0] * D])
    with pytest.raises(TypeError, match="must be a torch.nn.Module"):
        gm.same_function(f, torch.tanh, x)


# --------------------------------------------------------------------------- no inverses


@pytest.mark.parametrize("shape", [(6, 2), (4, 3), (5, 5)])
def test_kernel_witness_gives_distinct_inputs_with_equal_outputs(shape):
    n_in, n_out = shape
    layer = nn.Linear(n_in, n_out)
    if n_in == n_out:  # make a square layer rank-deficient
        with torch.no_grad():
            layer.weight[-1] = layer.weight[0] + 2 * layer.weight[1]
    w = gm.kernel_witness(layer)
    assert w.input_gap > 0.1
    assert w.output_gap < 1e-5
    assert torch.allclose(layer(w.x), layer(w.x_prime), atol=1e-5)
    assert "no left inverse" in str(w)


def test_kernel_witness_rejects_injective_layers_and_non_linear_modules():
    with pytest.raises(ValueError, match="injective.*full column rank 2"):
        gm.kernel_witness(nn.Linear(2, 5))
    with pytest.raises(TypeError, match="needs an nn.Linear"):
        gm.kernel_witness(nn.ReLU())


def test_no_left_inverse_for_a_rank_deficient_layer():
    # the best linear left inverse (the pseudo-inverse) cannot undo a kernel witness
    layer = nn.Linear(4, 2, bias=False).double()
    w = gm.kernel_witness(layer)
    pinv = torch.linalg.pinv(layer.weight)
    back, back_prime = pinv @ layer(w.x), pinv @ layer(w.x_prime)
    assert torch.allclose(back, back_prime, atol=1e-12)
    assert max((back - w.x).abs().max(), (back_prime - w.x_prime).abs().max()) > 0.1


def test_find_collision_on_relu_and_none_for_an_injective_map():
    x = gm.probe_inputs(64, D)
    hit = gm.find_collision(nn.ReLU(), x)
    assert hit is not None and hit.output_gap == 0.0 and hit.input_gap >= 1e-3
    assert (hit.x < 0).all() and (hit.x_prime < 0).all()
    assert gm.find_collision(nn.Tanh(), x) is None


# --------------------------------------------------------------------------- invertible layers


def test_invertible_layers_invert_on_both_sides():
    x = probes(256)
    eye = nn.Identity()
    for f in invertible_stack():
        f_inv = gm.inverse(f)
        assert gm.same_function(gm.compose(f_inv, f), eye, x, atol=1e-12)
        assert gm.same_function(gm.compose(f, f_inv), eye, x, atol=1e-12)
        assert gm.inverse(f_inv) is f
        assert not gm.same_function(f, eye, x)  # not a trivial layer


def test_composites_of_invertible_layers_are_invertible_with_reversed_inverses():
    f, g, h = invertible_stack()
    fgh = gm.compose(f, g, h)
    assert isinstance(fgh, gm.InvertibleComposition)
    x = probes(256)
    eye = nn.Identity()
    assert gm.same_function(gm.compose(fgh.inverse(), fgh), eye, x, atol=1e-12)
    assert gm.same_function(gm.compose(fgh, fgh.inverse()), eye, x, atol=1e-12)
    reversed_inverses = gm.compose(gm.inverse(h), gm.inverse(g), gm.inverse(f))
    assert gm.same_function(fgh.inverse(), reversed_inverses, x, atol=0)
    assert torch.allclose(fgh.inverse_forward(x), reversed_inverses(x), atol=1e-14)
    assert isinstance(gm.compose(f, nn.Identity()), gm.InvertibleComposition)
    assert not isinstance(gm.compose(f, nn.ReLU()), gm.InvertibleComposition)


def test_invertible_linear_parametrisation():
    layer = gm.InvertibleLinear(5, dtype=torch.float64)
    w = layer.weight
    assert torch.allclose(w.T @ w, torch.eye(5, dtype=torch.float64), atol=1e-12)  # orthogonal at init
    assert torch.allclose(layer.log_abs_det(), torch.linalg.slogdet(w).logabsdet, atol=1e-12)
    # any parameter values give an invertible matrix
    with torch.no_grad():
        for p in (layer.lower, layer.upper, layer.log_scale):
            p.normal_()
    assert torch.linalg.matrix_rank(layer.weight) == 5
    x = gm.probe_inputs(32, 5, dtype=torch.float64)
    assert torch.allclose(layer.inverse()(layer(x)), x, atol=1e-9)


def test_invertible_linear_from_matrix():
    m = torch.tensor([[0.0, 2.0, 1.0], [1.0, 1.0, 0.0], [3.0, 0.0, 1.0]], dtype=torch.float64)
    b = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)
    state = torch.random.get_rng_state()
    layer = gm.InvertibleLinear.from_matrix(m, b)
    assert torch.equal(torch.random.get_rng_state(), state)  # the global generator is left alone
    assert torch.allclose(layer.weight, m, atol=1e-14)
    x = gm.probe_inputs(16, 3, dtype=torch.float64)
    assert torch.allclose(layer(x), x @ m.T + b, atol=1e-13)
    with pytest.raises(ValueError, match="singular"):
        gm.InvertibleLinear.from_matrix(torch.tensor([[1.0, 2.0], [2.0, 4.0]]))
    with pytest.raises(ValueError, match="square"):
        gm.InvertibleLinear.from_matrix(torch.ones(2, 3))
    with pytest.raises(ValueError, match=r"shape \(3,\)"):
        gm.InvertibleLinear.from_matrix(m, torch.ones(2))


def test_invertible_layers_reject_bad_sizes():
    with pytest.raises(ValueError, match="positive integer"):
        gm.InvertibleLinear(0)
    with pytest.raises(ValueError, match="features ≥ 2"):
        gm.AffineCoupling(1)
    with pytest.raises(ValueError, match="last dimension 4"):
        gm.InvertibleLinear(4)(torch.randn(2, 3))
    with pytest.raises(ValueError, match="last dimension 4"):
        gm.AffineCoupling(4).inverse()(torch.randn(2, 5))
    with pytest.raises(TypeError, match="offers no inverse"):
        gm.inverse(nn.ReLU())


def test_affine_coupling_keeps_one_half_and_log_det():
    x = probes(32, 5)
    for flip, kept in ((False, slice(0, 2)), (True, slice(3, 5))):
        layer = gm.AffineCoupling(5, hidden=8, flip=flip, dtype=torch.float64)
        y = layer(x)
        assert torch.equal(y[:, kept], x[:, kept])
        jac = torch.autograd.functional.jacobian(layer, x[0])
        assert torch.allclose(layer.log_abs_det(x[:1])[0], torch.linalg.slogdet(jac).logabsdet, atol=1e-12)


# --------------------------------------------------------------------------- merging and the axiom report


def test_merge_linear_is_composition_and_associative_up_to_rounding():
    f, g, h = nn.Linear(3, 2), nn.Linear(4, 3), nn.Linear(5, 4, bias=False)
    x = gm.probe_inputs(32, 4)
    assert gm.same_function(gm.merge_linear(f, g), gm.compose(f, g), x, atol=1e-5)
    left = gm.merge_linear(gm.merge_linear(f, g), h)
    right = gm.merge_linear(f, gm.merge_linear(g, h))
    assert torch.allclose(left.weight, right.weight, atol=1e-6)
    with pytest.raises(ValueError, match="cannot merge"):
        gm.merge_linear(g, f)
    with pytest.raises(TypeError, match="two nn.Linear"):
        gm.merge_linear(f, nn.ReLU())


def test_report_on_general_modules_is_a_monoid_not_a_group():
    mods = [nn.Linear(D, D), nn.ReLU(), nn.Tanh(), nn.Identity()]
    report = gm.check_composition_axioms(mods, gm.probe_inputs(128, D), names=["lin", "relu", "tanh", "id"])
    assert report.is_monoid and not report.is_group
    assert report.max_associativity_deviation == 0.0 and report.max_identity_deviation == 0.0
    assert report.first_failure.axiom == "inverse" and report.first_failure.elements == ("lin",)
    assert report.inverses == {"lin": None, "relu": None, "tanh": None, "id": "id.inverse()"}
    relu_failure = next(f for f in report.failures if f.elements == ("relu",))
    assert "none can exist" in relu_failure.message
    assert "a monoid, not a group" in str(report)


def test_report_on_invertible_modules_is_a_group():
    f, g, h = invertible_stack()
    report = gm.check_composition_axioms([f, g, h, gm.compose(f, g)], probes(), names=list("fghc"), atol=1e-10)
    assert report.is_group and report.first_failure is None
    assert report.inverses["c"] == "c.inverse()"


def test_report_finds_inverses_inside_the_sample_and_flags_rounding():
    rot = torch.tensor([[0.0, -1.0], [1.0, 0.0]])
    r = nn.Linear(2, 2, bias=False)
    r_inv = nn.Linear(2, 2, bias=False)
    with torch.no_grad():
        r.weight.copy_(rot)
        r_inv.weight.copy_(rot.T)
    report = gm.check_composition_axioms([r, r_inv], gm.probe_inputs(16, 2), names=["r", "r⁻¹"])
    assert report.is_group and report.inverses == {"r": "r⁻¹", "r⁻¹": "r"}
    # merging weights: associativity holds only up to rounding, so atol=0 rejects it
    eye = nn.Linear(D, D, bias=False)
    with torch.no_grad():
        eye.weight.copy_(torch.eye(D))
    lins = [nn.Linear(D, D) for _ in range(3)]
    strict = gm.check_composition_axioms(lins, gm.probe_inputs(64, D), operation=gm.merge_linear, identity=eye, atol=0)
    assert strict.first_failure.axiom == "associativity" and not strict.is_monoid
    assert 0 < strict.max_associativity_deviation < 1e-5
    assert "differ by" in strict.first_failure.message


def test_report_rejects_bad_input():
    x = gm.probe_inputs(8, D)
    with pytest.raises(ValueError, match="maps inputs of shape .* category, not a monoid"):
        gm.check_composition_axioms([nn.Linear(D, 2)], x)
    with pytest.raises(ValueError, match="at least one module"):
        gm.check_composition_axioms([], x)
    with pytest.raises(ValueError, match="distinct"):
        gm.check_composition_axioms([nn.ReLU(), nn.Tanh()], x, names=["a", "a"])
    with pytest.raises(TypeError, match="module 1 must be a torch.nn.Module"):
        gm.check_composition_axioms([nn.ReLU(), torch.relu], x)
    with pytest.raises(ValueError, match="non-empty batch"):
        gm.check_composition_axioms([nn.ReLU()], torch.zeros(0, D))


def test_probe_inputs_are_reproducible_and_leave_global_rng_alone():
    state = torch.random.get_rng_state()
    a, b = gm.probe_inputs(8, 3, seed=5), gm.probe_inputs(8, 3, seed=5)
    assert torch.equal(a, b) and a.shape == (8, 3)
    assert torch.equal(torch.random.get_rng_state(), state)
    with pytest.raises(ValueError, match="positive integer"):
        gm.probe_inputs(0, 3)


def test_log_abs_det_is_one_protocol_along_a_composition():
    torch.manual_seed(0)
    lin1 = gm.InvertibleLinear(3, dtype=torch.float64)
    coupling = gm.AffineCoupling(3, hidden=8, dtype=torch.float64)
    lin2 = gm.InvertibleLinear(3, dtype=torch.float64)
    flow = gm.InvertibleComposition(lin2, coupling, lin1)  # lin1 first
    x = torch.randn(5, 3, dtype=torch.float64)
    got = flow.log_abs_det(x)
    assert got.shape == (5,)
    for i in range(5):
        jac = torch.autograd.functional.jacobian(flow, x[i : i + 1]).reshape(3, 3)
        assert torch.allclose(got[i], torch.linalg.slogdet(jac).logabsdet, atol=1e-10)
    assert lin1.log_abs_det(x).shape == (5,) and torch.equal(lin1.log_abs_det(x)[0], lin1.log_abs_det())
    with pytest.raises(TypeError, match="offers no log_abs_det"):
        gm.InvertibleComposition(lin1, gm.InverseModule(lin2)).log_abs_det(x)
