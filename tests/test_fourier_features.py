"""Tests for grouptools.nn.fourier_features: block sizes, invariance, and the Fourier reading of the blocks."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

import grouptools as gt
from grouptools.characters import character_table
from grouptools.irreps import irreps
from grouptools.nn.fourier_features import (
    QuadraticInvariantNet,
    block_alignment,
    block_invariance,
    block_size,
    complex_signals,
    regular_permutations,
    run_experiment,
    train_invariant,
)

from strategies import named_groups


def test_block_sizes():
    assert block_size(gt.cyclic(8)) == 1 and block_size(gt.klein_four()) == 1
    assert block_size(gt.dihedral(6)) == 2 and block_size(gt.quaternion()) == 2
    assert block_size(gt.symmetric(4)) == 3  # 1 + 2 and 3: both tile 24
    assert block_size(gt.symmetric(4), 6) == 6
    # A5: degrees 1, 3, 3, 4, 5 with multiplicities 1, 3, 3, 4, 5 cannot be grouped into 5s
    with pytest.raises(ValueError, match="cannot be cut"):
        block_size(gt.alternating(5), 5)
    with pytest.raises(ValueError, match="cannot be cut"):
        block_size(gt.symmetric(4), 2)  # smaller than the largest degree
    with pytest.raises(ValueError, match="positive integer"):
        block_size(gt.cyclic(4), 0)
    with pytest.raises(TypeError, match="FiniteGroup"):
        block_size("S4")


@settings(max_examples=20, deadline=None)
@given(named_groups(cyclic=10, dihedral=5, symmetric=4, alternating=(3, 4)))
def test_regular_permutations_act_on_the_left(G):
    perms = regular_permutations(G).numpy()
    x = np.random.default_rng(0).standard_normal(G.order)
    T = np.asarray(G.table)
    for g in G.elements:
        for h in G.elements:
            # (g·(h·x)) = (gh)·x
            assert np.allclose(x[perms[h]][perms[g]], x[perms[T[g, h]]])
    # (g·x)(g·y) = x(y): translating by g moves the value at y to g·y
    g, y = G.order - 1, 0
    assert np.isclose(x[perms[g]][T[g, y]], x[y])


def _fourier_model(G, m):
    """A model whose blocks are the rows of the irreps' matrix entries: exactly invariant."""
    rows = []
    for rho in irreps(G):
        d = rho.degree
        mats = rho.matrices  # (|G|, d, d), unitary
        for j in range(d):  # column j of ρ(g): the functions g ↦ conj(ρ(g)_{ij}), i = 0..d-1, span a copy of ρ
            rows.extend(np.sqrt(d / G.order) * np.conj(mats[:, :, j]).T)
    W = np.array(rows)
    model = QuadraticInvariantNet(G, m)
    with torch.no_grad():
        model.linear.weight = torch.as_tensor(W)  # the parametrisation accepts a unitary matrix
    return model, W


@pytest.mark.parametrize("G", [gt.cyclic(6), gt.dihedral(4), gt.symmetric(3)], ids=lambda G: G.name)
def test_fourier_blocks_are_invariant_and_read_as_whole_irreps(G):
    m = max(int(d) for d in character_table(G).degrees)
    model, W = _fourier_model(G, m)
    assert np.allclose(W @ W.conj().T, np.eye(G.order), atol=1e-10)
    assert np.allclose(model.weight.detach().numpy(), W, atol=1e-8)
    gen = torch.Generator().manual_seed(0)
    x = complex_signals(64, G.order, gen)
    g = torch.randint(G.order, (64,), generator=gen)
    # the irreps come ordered by degree, so consecutive blocks of m rows hold whole pieces here
    with torch.no_grad():
        assert float(block_invariance(model, x, g).max()) < 1e-20
    al = block_alignment(G, model)
    assert np.all(al["integrality"] < 1e-8)


def test_random_weights_are_not_invariant_and_averaging_is():
    G = gt.symmetric(3)
    torch.manual_seed(0)
    model = QuadraticInvariantNet(G)
    averaged = QuadraticInvariantNet(G, average=True)
    averaged.load_state_dict(model.state_dict())
    gen = torch.Generator().manual_seed(1)
    x = complex_signals(256, G.order, gen)
    g = torch.randint(G.order, (256,), generator=gen)
    with torch.no_grad():
        assert float(block_invariance(model, x, g).min()) > 1e-3
        assert float(block_invariance(averaged, x, g).max()) < 1e-25
    # averaging makes any weights invariant, so it says nothing about them: still far from whole irreps
    assert block_alignment(G, averaged)["integrality"].max() > 0.1


def test_training_recovers_the_discrete_fourier_transform_of_a_cyclic_group():
    G = gt.cyclic(6)
    torch.manual_seed(3)
    model = QuadraticInvariantNet(G)
    losses = train_invariant(model, steps=600, seed=3)
    assert losses[-1] < 1e-10 < losses[0]
    W = model.weight.detach().numpy()
    F = np.exp(-2j * np.pi * np.outer(np.arange(6), np.arange(6)) / 6) / np.sqrt(6)
    # each learned row is one DFT row up to a phase: |⟨w, f_k⟩| = 1 for exactly one k
    overlap = np.abs(W @ F.conj().T)
    assert np.allclose(np.sort(overlap, axis=1)[:, -1], 1.0, atol=1e-5)
    assert sorted(np.argmax(overlap, axis=1)) == list(range(6))


def test_bad_input_and_a_short_recorded_run():
    with pytest.raises(ValueError, match="shape"):
        QuadraticInvariantNet(gt.cyclic(4))(torch.zeros(3, 5))
    rec = run_experiment(["Z8"], [0], steps=20, log=lambda s: None)
    (run,) = rec["runs"]
    assert run["block"] == 1 and len(run["trained"]["block_loss"]) == 8
    assert run["averaged"]["invariance_loss"] < 1e-20


def test_summarise_counts_invariant_seeds_and_blocks():
    from grouptools.nn.fourier_features import summarise

    def run(loss, blocks, integ):
        part = dict(invariance_loss=loss, block_loss=blocks, block_integrality=integ, integrality=max(integ))
        return dict(group="D6", block=2, untrained=dict(part, integrality=0.4), trained=part, averaged=dict(part, integrality=0.45))

    rec = dict(runs=[run(1e-20, [1e-20, 1e-20], [0.0, 1e-9]), run(0.1, [1e-20, 0.2], [1e-10, 0.5])])
    e = summarise(rec)[("D6", 2)]
    assert e["seeds"] == 2 and e["reached"] == 1
    assert e["invariant_blocks"] == 0.75 and e["worst_invariant"] == 1e-9
    assert e["untrained"] == 0.4 and e["averaged"] == 0.45
