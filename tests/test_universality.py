"""Tests for grouptools.nn.universality: the circuit decomposition of logits, neuron irreps, one recorded run."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from grouptools.nn import GroupMLP, group_table_dataset
from grouptools.nn.interpret import product_with_inverse, real_irreps
from grouptools.nn.universality import LogitCircuits, coset_fractions, irrep_projectors, neuron_irreps, universality_run

from strategies import named_groups, relabelled

small_groups = st.one_of(named_groups(cyclic=8, dihedral=5, symmetric=4, alternating=(3, 4)), relabelled(named_groups(cyclic=6, dihedral=4, symmetric=3)))


@settings(max_examples=25, deadline=None)
@given(small_groups)
def test_projectors_split_the_regular_representation(G):
    P = irrep_projectors(G)
    eye = np.eye(G.order)
    assert np.allclose(P.sum(axis=0), eye, atol=1e-10)
    for i, Pi in enumerate(P):
        assert np.allclose(Pi, Pi.T, atol=1e-10) and np.allclose(Pi @ Pi, Pi, atol=1e-10)
        # the rank is the dimension of the isotypic component: Σ over members of d²
        r = real_irreps(G)[i]
        assert round(float(np.trace(Pi))) == len(r.members) * r.degree**2
        for Pj in P[i + 1 :]:
            assert np.allclose(Pi @ Pj, 0, atol=1e-10)


def _brute_projection(G, L, keep):
    """Least squares onto the span of (a, b, c) ↦ f(a·b·c⁻¹), f in the isotypic components ``keep``."""
    n = G.order
    abc = product_with_inverse(G).reshape(-1)
    basis = []
    P = irrep_projectors(G)
    for i in keep:
        # columns of P_i span the isotypic component; compose with a·b·c⁻¹
        basis.append(P[i][abc, :])
    B = np.concatenate(basis, axis=1)
    coef, *_ = np.linalg.lstsq(B, L.reshape(-1), rcond=None)
    return (B @ coef).reshape(n, n, n)


@settings(max_examples=20, deadline=None)
@given(small_groups.filter(lambda G: 2 <= G.order <= 10), st.integers(0, 2**32 - 1), st.data())
def test_circuits_are_the_orthogonal_projection(G, seed, data):
    n = G.order
    L = np.random.default_rng(seed).standard_normal((n, n, n))
    C = LogitCircuits(G)
    Lc = L - L.mean(axis=2, keepdims=True)
    r = len(C.irreps)
    keep = data.draw(st.lists(st.integers(0, r - 1), unique=True, min_size=1))
    R = C.restricted(L, keep)
    assert np.allclose(R, _brute_projection(G, Lc, keep), atol=1e-9)
    assert np.allclose(C.excluded(L, keep) + R, Lc, atol=1e-12)
    # orthogonality: the restricted part and the rest are orthogonal, so shares add up
    assert abs(float(np.sum(R * (Lc - R)))) < 1e-8 * float(np.sum(Lc**2))
    s = C.shares(L)
    assert np.all(s >= -1e-12) and s.sum() <= 1 + 1e-9
    assert np.isclose(float(np.sum(R**2)) / float(np.sum(Lc**2)), s[keep].sum(), atol=1e-9)
    # a constant added per (a, b) is invisible to softmax and to the shares
    shift = np.random.default_rng(seed + 1).standard_normal((n, n, 1))
    assert np.allclose(C.shares(L + shift), s, atol=1e-12)


@pytest.mark.parametrize("G", [gt.symmetric(4), gt.dihedral(5), gt.cyclic(6), gt.quaternion()], ids=lambda G: G.name)
def test_planted_character_logits_are_one_circuit(G):
    C = LogitCircuits(G)
    abc = product_with_inverse(G)
    for i, r in enumerate(C.irreps):
        if r.is_trivial:
            continue
        L = 5.0 * r.character[abc]
        s = C.shares(L)
        assert np.isclose(s[i], 1.0) and np.allclose(np.delete(s, i), 0.0, atol=1e-12)
        assert np.allclose(C.excluded(L, [i]), 0.0, atol=1e-10)
        # the character computes the product exactly when ρ is faithful (Chapter 8's peak proposition)
        assert (C.loss(L)["acc"] == 1.0) == _faithful(G, r)


def _faithful(G, r):
    return int(np.sum(np.isclose(r.character, r.character[G.identity]))) == 1


def test_the_exact_table_is_every_circuit_and_a_lookup_of_training_pairs_is_not():
    G = gt.symmetric(4)
    n = G.order
    C = LogitCircuits(G)
    correct = np.zeros((n, n, n))
    correct[np.arange(n)[:, None], np.arange(n)[None, :], np.asarray(G.table)] = 1.0
    # [c = a·b] = [a·b·c⁻¹ = e] is a function of a·b·c⁻¹: δ_e, whose isotypic parts have
    # squared norms d_ρ²/|G| (Plancherel), so every circuit carries a share ∝ d_ρ²
    s = C.shares(8.0 * correct)
    dims = np.array([len(r.members) * r.degree**2 for r in C.irreps], dtype=float)
    dims[0] = 0.0
    assert np.allclose(s, dims / dims.sum(), atol=1e-12)
    # a network that only memorised 60 % of the pairs: right answers there, noise elsewhere
    data = group_table_dataset(G, 0.6, seed=0)
    rng = np.random.default_rng(0)
    L = rng.standard_normal((n, n, n))
    flat = L.reshape(n * n, n)
    flat[data.train_idx.numpy()] += 8.0 * correct.reshape(n * n, n)[data.train_idx.numpy()]
    assert C.loss(L, data.train_idx.numpy())["acc"] == 1.0 and C.loss(L, data.test_idx.numpy())["acc"] < 0.2
    assert C.shares(L).sum() < 0.5
    assert C.shares(rng.standard_normal((n, n, n))).sum() < 0.05


def test_loss_counts_ties_as_fractions_and_uses_pairs():
    G = gt.cyclic(3)
    C = LogitCircuits(G)
    zero = np.zeros((3, 3, 3))
    assert C.loss(zero)["acc"] == pytest.approx(1 / 3)
    assert C.loss(zero, [0, 4])["loss"] == pytest.approx(np.log(3))


def test_bad_input_is_named():
    C = LogitCircuits(gt.cyclic(4))
    with pytest.raises(ValueError, match="shape"):
        C.shares(np.zeros((4, 4)))
    with pytest.raises(ValueError, match="NaN"):
        C.shares(np.full((4, 4, 4), np.nan))
    with pytest.raises(ValueError, match="zero"):
        C.shares(np.ones((4, 4, 4)))
    with pytest.raises(ValueError, match="real irreps"):
        C.restricted(np.zeros((4, 4, 4)), [7])
    with pytest.raises(TypeError, match="FiniteGroup"):
        LogitCircuits("Z4")
    with pytest.raises(TypeError, match="GroupMLP"):
        neuron_irreps(gt.cyclic(4), torch.nn.Linear(2, 2))
    with pytest.raises(ValueError, match="outputs"):
        neuron_irreps(gt.cyclic(4), GroupMLP(5, 2, 3))
    with pytest.raises(ValueError, match="group must be one of"):
        universality_run("S7", "mlp", 0)
    with pytest.raises(ValueError, match="arch must be one of"):
        universality_run("S4", "rnn", 0)


def test_neuron_irreps_recover_planted_neurons():
    G = gt.symmetric(4)
    reals = real_irreps(G)
    P = irrep_projectors(G)
    model = GroupMLP(G.order, d_embed=G.order, width=len(reals) - 1)
    rng = np.random.default_rng(1)
    with torch.no_grad():
        model.embed_left.weight.copy_(torch.eye(G.order))  # f_n is the n-th row of W_left
        W = np.stack([P[i] @ rng.standard_normal(G.order) for i in range(1, len(reals))])
        model.hidden.weight[:, : G.order] = torch.as_tensor(W, dtype=torch.float32)
    shares = neuron_irreps(G, model)
    assert shares.shape == (len(reals), len(reals) - 1)
    assert np.allclose(np.argmax(shares, axis=0), np.arange(1, len(reals)))
    assert np.allclose(shares.max(axis=0), 1.0, atol=1e-5)


def test_a_short_run_records_consistent_bookkeeping():
    torch.set_num_threads(1)
    r = universality_run("S4", "mlp", 0, steps=100)
    n_eval = len(r["eval_steps"])
    assert r["eval_steps"][0] == 0 and r["eval_steps"][-1] == 100
    assert len(r["circuit_shares"]) == n_eval == len(r["restricted_loss"]) == len(r["excluded_loss"])
    assert r["irreps"] == [x.name for x in real_irreps(gt.symmetric(4))]
    shares = np.array(r["circuit_shares"])
    assert np.all(shares >= 0) and np.all(shares.sum(axis=1) <= 1 + 1e-4)
    assert set(r["appeared"]) == set(r["used"]) and set(r["ablated_test_acc"]) == set(r["irreps"][1:])
    assert r["neurons"]["width"] == 128 and len(r["neurons"]["irrep"]) == 128
    # at initialisation the logits are close to a lookup of noise: small circuit shares, chance accuracy
    assert shares[0].sum() < 0.2 and r["test_acc"][0] < 0.2


@settings(max_examples=25, deadline=None)
@given(small_groups.filter(lambda G: G.order >= 4), st.integers(0, 2**32 - 1), st.sampled_from(["left", "right"]))
def test_coset_fractions_find_a_planted_coset_function(G, seed, side):
    from grouptools.subgroups import _coset_ids, all_subgroups

    proper = [h for h in all_subgroups(G) if 1 < len(h) < G.order]
    if not proper:
        return
    rng = np.random.default_rng(seed)
    H = proper[rng.integers(len(proper))]
    ids = _coset_ids(G, H, side)
    f = rng.standard_normal(int(ids.max()) + 1)[ids]
    if np.allclose(f, f.mean()):
        return
    out = coset_fractions(G, np.stack([f, 3.0 * f + 1.0], axis=1))
    # a subgroup at least as large as the planted one explains it completely
    assert np.all(out["order"] >= len(H)) and np.all(out["fraction"] >= 0.95)
    assert np.allclose(out["fraction"][0], out["fraction"][1])


def test_coset_fractions_of_noise_and_bad_input():
    G = gt.symmetric(4)
    noise = np.random.default_rng(0).standard_normal((24, 200))
    out = coset_fractions(G, noise)
    # no subgroup explains noise: the best fraction stays far below 0.95; it exceeds the mean
    # fraction of its subgroup, because it is the best of many subgroups (a selection effect)
    assert np.all(out["fraction"] < 0.95)
    assert 0.0 < np.mean(out["fraction"] - out["baseline"]) < 0.35
    with pytest.raises(ValueError, match="one row per element"):
        coset_fractions(G, np.zeros((5, 2)))
    with pytest.raises(ValueError, match="no subgroup strictly between"):
        coset_fractions(gt.cyclic(3), np.zeros(3))
    with pytest.raises(ValueError, match="threshold"):
        coset_fractions(G, noise, threshold=0)


def test_labels_and_real_dimensions():
    from grouptools.nn.universality import circuit_labels, real_dimensions

    assert circuit_labels(gt.cyclic(6)) == ["k=0", "k=3", "k=1", "k=2"]
    assert real_dimensions(gt.cyclic(6)) == [1, 1, 2, 2]
    assert circuit_labels(gt.symmetric(3)) == ["ρ₀ (1)", "ρ₁ (1)", "ρ₂ (2)"]
    assert real_dimensions(gt.quaternion()) == [1, 1, 1, 1, 4]  # the quaternionic irrep: 2·2


def _fake_run(arch, group, seed, used, appeared, test_95=100):
    G = {"S4": gt.symmetric(4)}[group]
    names = [r.name for r in real_irreps(G)]
    run = dict(arch=arch, group=group, seed=seed, test_95=test_95, irreps=names, degrees=[1, 1, 2, 3, 3],
               used=used, appeared=appeared, restricted_loss=[3.0, 0.01], excluded_loss=[3.0, 2.0])
    if arch == "mlp":
        run["neurons"] = dict(purity=[0.99, 0.5, None], coset_fraction=[0.99, 0.2, None], coset_order=[6, 2, None],
                              irrep=["ρ₃", "ρ₄", None])
    return run


def test_summarise_counts_what_the_runs_record():
    from grouptools.nn.universality import summarise

    record = dict(archs=["mlp", "transformer"], groups=["S4"], runs=[
        _fake_run("mlp", "S4", 0, ["ρ₁", "ρ₃"], {"ρ₁": 100, "ρ₃": 900}),
        _fake_run("mlp", "S4", 1, ["ρ₂", "ρ₃"], {"ρ₂": 800, "ρ₃": 300}),
        _fake_run("mlp", "S4", 2, ["ρ₃"], {"ρ₃": 500}, test_95=None),  # did not generalise: not counted
        _fake_run("transformer", "S4", 0, ["ρ₄"], {"ρ₄": 700}),
    ])
    t = summarise(record)
    e = t[("mlp", "S4")]
    assert e["runs"] == 3 and e["grokked"] == 2 and e["median_step"] == 100
    assert e["used"] == [0, 1, 1, 2, 0] and e["n_used"] == [2, 2]
    assert e["appearance"][3] == [900, 300]
    # ρ₁ (dim 1) before ρ₃ (dim 3): first; ρ₂ (dim 2) after ρ₃: later
    assert e["degree_order"] == (1, 1)
    assert e["pure_neurons"] == 0.5 and e["coset_neurons"] == 0.5 and e["coset_orders"] == {6: 2}
    assert e["coset_irreps"] == {0: {"ρ₄ (3)": 2}, 6: {"ρ₃ (3)": 2}}
    assert t[("transformer", "S4")]["used"] == [0, 0, 0, 0, 1] and "pure_neurons" not in t[("transformer", "S4")]


def test_the_gpu_tier_respects_its_budget_on_any_device():
    from grouptools.nn.universality import GPU_CONFIGS, run_experiment

    rec = run_experiment(["S5"], ["mlp", "transformer"], [0, 1], steps=2, configs=GPU_CONFIGS, device="cpu",
                         budget_s=0.0, log=lambda s: None)
    # the first run always starts; after it the budget of 0 s has passed
    assert len(rec["runs"]) == 1 and rec["skipped"] == [["S5", "mlp", 1], ["S5", "transformer", 0], ["S5", "transformer", 1]]
