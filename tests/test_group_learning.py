"""Tests of Chapter 8's tools: the group-table data set and models, and the
representation-theoretic analysis of trained weights.

The analysis is tested on *planted* answers: embeddings built from the matrix entries
of one known irrep (and of a second one, and of a complex-conjugate pair of Z_n) must be
attributed entirely to that irrep; logits built from a character must have similarity 1
with it; a hand-built "network" that multiplies by an irrep must break when that irrep
is ablated and be untouched when the others are."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from torch import nn

import grouptools as gt
from grouptools.irreps import irreps
from grouptools.nn.group_learning import (
    CharacterModel,
    GroupMLP,
    GroupTransformer,
    evaluate_split,
    fit_group_table,
    group_table_dataset,
    table_logits,
)
from grouptools.nn.interpret import (
    ablate,
    ablation_table,
    character_similarity,
    irrep_fractions,
    key_irreps,
    product_with_inverse,
    project_irreps,
    real_irreps,
)
from strategies import named_groups


# ---------------------------------------------------------------- data set
@pytest.mark.parametrize("G,frac", [(gt.cyclic(7), 0.3), (gt.symmetric(3), 0.5), (gt.dihedral(5), 0.8)])
def test_split_is_a_seeded_partition(G, frac):
    n = G.order
    d = group_table_dataset(G, frac, seed=3)
    tr, te = set(d.train_idx.tolist()), set(d.test_idx.tolist())
    assert tr.isdisjoint(te) and tr | te == set(range(n * n))
    assert len(tr) == round(frac * n * n)
    # targets are the Cayley table
    assert all(int(d.c[i]) == G.table[int(d.a[i]), int(d.b[i])] for i in range(n * n))
    a, b, c = d.split("train")
    assert len(a) == len(tr) and torch.equal(c, torch.as_tensor(np.array(G.table))[a, b].long())
    # deterministic, and independent of the global torch seed
    torch.manual_seed(123)
    again = group_table_dataset(G, frac, seed=3)
    assert torch.equal(again.train_idx, d.train_idx)
    other = group_table_dataset(G, frac, seed=4)
    assert not torch.equal(other.train_idx, d.train_idx)


@pytest.mark.parametrize("frac", [0.0, 1.0, -0.2, 1.5])
def test_train_fraction_must_be_in_open_interval(frac):
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        group_table_dataset(gt.cyclic(5), frac)


def test_train_fraction_leaving_an_empty_side_is_rejected():
    with pytest.raises(ValueError, match="no test pair"):
        group_table_dataset(gt.cyclic(3), 0.99)
    with pytest.raises(ValueError, match="split must be"):
        group_table_dataset(gt.cyclic(3), 0.5).split("val")


# ---------------------------------------------------------------- planted embeddings
def _entries(rho) -> np.ndarray:
    """The |G|×d² matrix whose columns are the matrix entries g ↦ ρ(g)_ij (real part; ρ real here)."""
    M = rho.matrices.reshape(rho.group.order, -1)
    assert np.allclose(M.imag, 0)
    return M.real


def _real_index(G, irrep_index: int) -> int:
    return next(i for i, r in enumerate(real_irreps(G)) if irrep_index in r.members)


@pytest.mark.parametrize("G,irrep_index", [(gt.symmetric(4), 3), (gt.symmetric(4), 2), (gt.dihedral(5), 2)])
def test_planted_irrep_is_recovered_exactly(G, irrep_index):
    rho = irreps(G)[irrep_index]
    E = _entries(rho) @ np.random.default_rng(0).standard_normal((rho.degree**2, 7))  # mix the columns
    fr = irrep_fractions(G, E)
    target = _real_index(G, irrep_index)
    expected = np.zeros(len(real_irreps(G)))
    expected[target] = 1.0
    np.testing.assert_allclose(fr, expected, atol=1e-10)
    assert key_irreps(fr) == [target]


def test_two_planted_irreps_share_by_squared_norm():
    G = gt.symmetric(4)
    A = _entries(irreps(G)[3])  # ‖A‖² = |G|·... per column, Schur: Σ_g ρ_ij(g)² = |G|/d
    B = _entries(irreps(G)[2])
    E = np.hstack([A, 2 * B])
    fr = irrep_fractions(G, E)
    wa, wb = np.sum(A**2), np.sum((2 * B) ** 2)
    assert fr[_real_index(G, 3)] == pytest.approx(wa / (wa + wb))
    assert fr[_real_index(G, 2)] == pytest.approx(wb / (wa + wb))
    assert fr.sum() == pytest.approx(1.0)


def test_complex_pair_of_cyclic_group_is_one_real_irrep():
    G = gt.cyclic(6)
    g = np.arange(6)  # labels of cyclic(6) are the residues
    assert [G.element_name(x) for x in g] == [str(x) for x in g]
    E = np.stack([np.cos(2 * np.pi * 2 * g / 6), np.sin(2 * np.pi * 2 * g / 6)], axis=1)
    fr = irrep_fractions(G, E)
    reals = real_irreps(G)
    hit = int(np.argmax(fr))
    assert fr[hit] == pytest.approx(1.0) and len(reals[hit].members) == 2 and reals[hit].indicator == 0
    # Z_6 has 6 complex irreps: the trivial, the sign-like one (k = 3), and two conjugate pairs
    assert sorted(len(r.members) for r in reals) == [1, 1, 2, 2]


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(named_groups(cyclic=10, dihedral=5, symmetric=4), st.integers(0, 10_000))
def test_fractions_sum_to_one_and_projections_decompose(G, seed):
    E = np.random.default_rng(seed).standard_normal((G.order, 3))
    fr = irrep_fractions(G, E)
    assert np.all(fr >= -1e-12) and fr.sum() == pytest.approx(1.0)
    reals = real_irreps(G)
    parts = [project_irreps(G, E, [i]) for i in range(len(reals))]
    np.testing.assert_allclose(sum(parts), E, atol=1e-9)  # the components add back up
    np.testing.assert_allclose(project_irreps(G, parts[-1], [len(reals) - 1]), parts[-1], atol=1e-9)  # idempotent
    for i, P in enumerate(parts):
        assert np.sum(P**2) / np.sum(E**2) == pytest.approx(fr[i], abs=1e-9)


def test_bad_embeddings_are_rejected():
    G = gt.symmetric(3)
    with pytest.raises(ValueError, match="one row per element"):
        irrep_fractions(G, np.ones((5, 2)))
    with pytest.raises(ValueError, match="one row per element"):
        irrep_fractions(G, np.ones((6, 2, 2)))
    with pytest.raises(ValueError, match="zero"):
        irrep_fractions(G, np.zeros((6, 2)))
    with pytest.raises(ValueError, match="real"):
        irrep_fractions(G, np.ones((6, 2)) * 1j)
    with pytest.raises(ValueError, match="real irreps"):
        project_irreps(G, np.ones((6, 2)), [7])
    with pytest.raises(ValueError, match="shape"):
        character_similarity(G, np.ones((6, 6)))
    with pytest.raises(ValueError, match="threshold"):
        key_irreps([0.5, 0.5], threshold=0.0)


# ---------------------------------------------------------------- characters of logits
def _abc(G):
    """a·b·c⁻¹ by the group's own product, one triple at a time (the slow reference)."""
    n = G.order
    return np.array(
        [[[G.product(a, b, G.inverse(c)) for c in range(n)] for b in range(n)] for a in range(n)]
    )


@pytest.mark.parametrize("G", [gt.symmetric(3), gt.quaternion(), gt.dihedral(5)])
def test_product_with_inverse_matches_the_group_law(G):
    np.testing.assert_array_equal(product_with_inverse(G), _abc(G))


def test_product_with_inverse_needs_a_group():
    with pytest.raises(TypeError, match="FiniteGroup"):
        product_with_inverse(np.zeros((3, 3), dtype=int))


def test_character_model_needs_a_real_representation_and_a_positive_scale():
    complex_irrep = next(r for r in irreps(gt.cyclic(3)) if not np.allclose(np.imag(r.matrices), 0))
    with pytest.raises(ValueError, match="real representation"):
        CharacterModel(complex_irrep)
    with pytest.raises(ValueError, match="scale"):
        CharacterModel(irreps(gt.symmetric(3))[2], scale=0)


@pytest.mark.parametrize("G", [gt.symmetric(4), gt.dihedral(5), gt.cyclic(7)])
def test_character_logits_have_similarity_one(G):
    reals = real_irreps(G)
    abc = _abc(G)
    i = len(reals) - 1
    L = 3.0 * reals[i].character[abc] + np.random.default_rng(1).standard_normal((G.order, G.order, 1))
    sim = character_similarity(G, L)  # the per-(a, b) offset is invisible after centring
    expected = np.zeros(len(reals))
    expected[i] = 1.0
    np.testing.assert_allclose(sim, expected, atol=1e-10)
    # a mix of two characters: the similarities are the normalised weights (characters are orthogonal)
    X1, X2 = reals[1].character[abc], reals[i].character[abc]
    L2 = X1 / np.linalg.norm(X1) + X2 / np.linalg.norm(X2)
    sim2 = character_similarity(G, L2)
    assert sim2[1] == pytest.approx(2**-0.5) and sim2[i] == pytest.approx(2**-0.5)


# ---------------------------------------------------------------- a planted "network"
def test_ablating_the_planted_key_irrep_destroys_the_planted_model():
    G = gt.symmetric(4)
    faithful = next(i for i, r in enumerate(irreps(G)) if np.sum(np.isclose(r.character(), r.degree)) == 1)
    model = CharacterModel(irreps(G)[faithful], scale=10.0).double()
    data = group_table_dataset(G, 0.5, seed=0)
    assert evaluate_split(model, data, "test")["acc"] == 1.0
    key = [_real_index(G, faithful)]
    sim = character_similarity(G, table_logits(model, G.order))
    assert int(np.argmax(sim)) == key[0] and sim[key[0]] == pytest.approx(1.0)
    rows = ablation_table(model, data, key)
    assert rows["trained"]["acc"] == 1.0
    # all logits equal: a 24-way tie at the top counts 1/24, whatever the rounding noise
    assert rows["key removed"]["acc"] == pytest.approx(1 / G.order, abs=1e-12)
    assert rows["key removed"]["loss"] == pytest.approx(np.log(G.order), abs=1e-6)
    assert rows["others removed"]["loss"] == pytest.approx(rows["trained"]["loss"], abs=1e-9)
    # the original model is untouched
    assert evaluate_split(model, data)["acc"] == 1.0
    with pytest.raises(TypeError, match="map_group_embeddings"):
        ablate(nn.Linear(2, 2), G, key)


# ---------------------------------------------------------------- models and training
@pytest.mark.parametrize("cls", [GroupMLP, GroupTransformer])
def test_models_shapes_and_embeddings(cls):
    torch.manual_seed(0)
    m = cls(6)
    a = torch.tensor([0, 1, 5])
    assert m(a, a).shape == (3, 6)
    embs = m.group_embeddings()
    assert set(embs) == {"left", "right", "unembed"} and all(E.shape[0] == 6 for E in embs.values())
    with pytest.raises(ValueError, match="equal length"):
        m(a, a[:2])
    before = m(a, a)
    m.map_group_embeddings(lambda E: np.zeros_like(E))
    assert not torch.allclose(before, m(a, a))
    with pytest.raises(ValueError, match="must return shape"):
        m.map_group_embeddings(lambda E: E[:2])
    with pytest.raises(ValueError, match="positive integer"):
        cls(0)


def test_fit_group_table_records_curves():
    G = gt.cyclic(5)
    gt.seed_everything(0)
    data = group_table_dataset(G, 0.6, seed=0)
    fit = fit_group_table(GroupMLP(5, 8, 32), data, 40, lr=1e-2, eval_every=10)
    assert fit.eval_steps == [0, 10, 20, 30, 40]
    assert len(fit.test_acc) == len(fit.train_loss) == 5
    assert fit.train_loss[-1] < fit.train_loss[0]
    assert fit.first_step("train_acc", 0.0) == 0
    with pytest.raises(ValueError, match="metric"):
        fit.first_step("val_acc")
    with pytest.raises(ValueError, match="outputs"):
        fit_group_table(GroupMLP(6), data, 1)


def test_fit_group_table_calls_on_eval_at_every_evaluation_in_eval_mode():
    G = gt.cyclic(5)
    gt.seed_everything(0)
    data = group_table_dataset(G, 0.6, seed=0)
    seen = []
    model = GroupMLP(5, 8, 32)
    fit = fit_group_table(model, data, 30, lr=1e-2, eval_every=10,
                          on_eval=lambda m: seen.append((m.training, table_logits(m, 5).sum())))
    assert len(seen) == len(fit.eval_steps) == 4
    assert not any(training for training, _ in seen) and model.training  # eval mode inside, restored after
    assert len({round(float(s), 6) for _, s in seen}) == 4  # the logits change between evaluations
