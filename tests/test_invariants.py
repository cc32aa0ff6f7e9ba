"""Tests for grouptools.invariants (canonical forms, sum encodings, power spectrum and bispectrum)
and for plotting_actions.plot_shift_orbit.

Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
"""

from __future__ import annotations

import itertools
from collections import defaultdict

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
import torch  # noqa: E402
from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools.actions import (  # noqa: E402
    colouring_action,
    dihedral_image_action,
    dihedral_vertex_action,
    permutation_action,
    rotation_action,
    shift_action,
)
from grouptools.invariants import (  # noqa: E402
    bispectrum,
    canonical_shift,
    canonical_sort,
    canonicalise,
    canonicalising_shifts,
    decode_sum_encoding,
    power_spectrum,
    signal_from_bispectrum,
    sum_encoding,
)
from grouptools.plotting_actions import plot_shift_orbit  # noqa: E402

sequences = st.lists(st.integers(0, 3), min_size=1, max_size=9)


def _is_shift(x, y) -> bool:
    return any(list(np.roll(x, k)) == list(y) for k in range(len(x)))


# --------------------------------------------------------------------------- canonical shift


@settings(max_examples=200, deadline=None)
@given(sequences, st.integers(-20, 20))
def test_canonical_shift_is_invariant_minimal_and_attained(x, j):
    c, k = canonical_shift(x)
    assert isinstance(c, list)
    assert list(np.roll(x, k)) == c
    assert all(c <= list(np.roll(x, i)) for i in range(len(x)))
    assert canonical_shift(list(np.roll(x, j)))[0] == c


@settings(max_examples=200, deadline=None)
@given(sequences, sequences)
def test_canonical_shift_is_complete(x, y):
    assert (canonical_shift(x)[0] == canonical_shift(y)[0]) == (len(x) == len(y) and _is_shift(x, y))


@settings(max_examples=150, deadline=None)
@given(sequences)
def test_canonicalising_shifts_form_a_coset_of_the_stabiliser(x):
    L = len(x)
    shifts = canonicalising_shifts(x)
    stab = [k for k in range(L) if list(np.roll(x, k)) == list(x)]
    assert L % len(stab) == 0 and len(shifts) == len(stab)
    k0 = shifts[0]
    assert shifts == sorted((k0 + s) % L for s in stab)
    assert canonical_shift(x)[1] == k0


def test_ties_periodic_sequence():
    x = [1, 0, 2, 1, 0, 2]  # period 3: stabiliser {0, 3}
    assert canonicalising_shifts(x) == [2, 5]
    c, k = canonical_shift(x)
    assert c == [0, 2, 1, 0, 2, 1] and k == 2
    assert canonical_shift([0, 0, 0]) == ([0, 0, 0], 0)
    assert canonicalising_shifts([5, 5, 5]) == [0, 1, 2]


def test_canonical_shift_keeps_the_type():
    t = torch.tensor([3, 1, 2])
    c, k = canonical_shift(t)
    assert isinstance(c, torch.Tensor) and torch.equal(c, torch.roll(t, k)) and c.tolist() == [1, 2, 3]
    a = np.array([2.5, 0.5, 1.0])
    c, k = canonical_shift(a)
    assert isinstance(c, np.ndarray) and c.tolist() == [0.5, 1.0, 2.5] and k == 2
    c, _ = canonical_shift((2, 1))
    assert c == (1, 2)
    # agrees with shift_action, which uses torch.roll
    x = torch.tensor([2.0, 0.0, 1.0, 0.0])
    c, k = canonical_shift(x)
    assert torch.equal(shift_action(4)(k, x), c)


def test_canonical_shift_errors():
    with pytest.raises(ValueError, match="one-dimensional"):
        canonical_shift(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="empty"):
        canonical_shift([])
    with pytest.raises(ValueError, match="NaN"):
        canonical_shift([1.0, float("nan")])
    with pytest.raises(TypeError, match="real numbers"):
        canonical_shift(np.array([1j, 2]))
    with pytest.raises(TypeError, match="real numbers"):
        canonical_shift(["a", "b"])


# --------------------------------------------------------------------------- sorting and canonicalise


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 2), st.integers(0, 2)), min_size=1, max_size=6), st.randoms(use_true_random=False))
def test_canonical_sort_rows(rows, rnd):
    x = np.array(rows)
    c, order = canonical_sort(x)
    assert np.array_equal(c, x[order])
    assert [tuple(r) for r in c.tolist()] == sorted(rows)
    perm = list(range(len(rows)))
    rnd.shuffle(perm)
    assert np.array_equal(canonical_sort(x[perm])[0], c)


def test_canonical_sort_tensor_and_errors():
    t = torch.tensor([3.0, 1.0, 2.0, 1.0])
    c, order = canonical_sort(t)
    assert isinstance(c, torch.Tensor) and c.tolist() == [1.0, 1.0, 2.0, 3.0] and order.tolist() == [1, 3, 2, 0]
    with pytest.raises(ValueError, match="1-D"):
        canonical_sort(np.zeros((2, 2, 2)))
    with pytest.raises(ValueError, match="empty"):
        canonical_sort(np.zeros((0, 2)))


def test_canonicalise_group_action_colourings():
    cols = colouring_action(dihedral_vertex_action(4), 2)
    G = cols.group
    for x in cols.points:
        c, g = canonicalise(cols, x)
        assert c == min(cols.orbit(x)) and cols.act(g, x) == c
        assert all(canonicalise(cols, cols.act(h, x))[0] == c for h in G.elements)
    # ties: (1, 0, 1, 0) is fixed by r², so r and r³ both bring it to (0, 1, 0, 1)
    x = (1, 0, 1, 0)
    c, g = canonicalise(cols, x)
    assert c == (0, 1, 0, 1)
    attaining = [h for h in G.elements if cols.act(h, x) == c]
    assert g == attaining[0] and len(attaining) == len(cols.stabiliser(x))


def test_canonicalise_tensor_actions():
    gen = torch.Generator().manual_seed(0)
    for action, shape in ((rotation_action(), (3, 3)), (dihedral_image_action(), (3, 3)), (shift_action(5), (5,)),
                          (permutation_action(4), (4,))):  # fmt: skip
        x = torch.randint(0, 3, shape, generator=gen).double()
        c, g = canonicalise(action, x)
        assert torch.equal(action(g, x), c)
        keys = [tuple(action(h, x).reshape(-1).tolist()) for h in action.group.elements]
        assert tuple(c.reshape(-1).tolist()) == min(keys)
        for h in action.group.elements:
            assert torch.equal(canonicalise(action, action(h, x))[0], c)
    x = torch.tensor([2.0, 0.0, 1.0, 0.0, 3.0])
    assert torch.equal(canonicalise(shift_action(5), x)[0], canonical_shift(x)[0])


def test_canonicalise_errors():
    cols = colouring_action(dihedral_vertex_action(3), 2)
    with pytest.raises(ValueError, match="not one of the points"):
        canonicalise(cols, (2, 2, 2))
    with pytest.raises(TypeError, match="GroupAction or a TensorAction"):
        canonicalise(gt.cyclic(3), 0)
    with pytest.raises(TypeError, match="torch tensors"):
        canonicalise(shift_action(3), [1, 2, 3])
    with pytest.raises(TypeError, match="complex"):
        canonicalise(shift_action(2), torch.tensor([1j, 0j]))


# --------------------------------------------------------------------------- Deep Sets sum encoding


@settings(max_examples=150, deadline=None)
@given(st.lists(st.integers(0, 4), min_size=1, max_size=7), st.randoms(use_true_random=False))
def test_sum_encoding_invariant_and_injective(tokens, rnd):
    code = sum_encoding(tokens, 5)
    shuffled = list(tokens)
    rnd.shuffle(shuffled)
    assert sum_encoding(shuffled, 5) == code
    assert decode_sum_encoding(code, len(tokens), 5) == tuple(sorted(tokens))


def test_sum_encoding_exhaustive_and_batched():
    seqs = np.array(list(itertools.product(range(3), repeat=4)))
    codes = sum_encoding(seqs, 3)
    assert codes.shape == (81,)
    by_code = defaultdict(set)
    for s, c in zip(seqs, codes):
        by_code[int(c)].add(tuple(sorted(s.tolist())))
    assert all(len(v) == 1 for v in by_code.values())
    assert len(by_code) == 15  # multisets of size 4 from 3 symbols: C(6, 2)


def test_sum_encoding_errors():
    with pytest.raises(ValueError, match="0..2"):
        sum_encoding([0, 3], 3)
    with pytest.raises(ValueError, match="whole numbers"):
        sum_encoding([0.5, 1.0], 3)
    with pytest.raises(ValueError, match="alphabet size"):
        sum_encoding([0], 0)
    with pytest.raises(ValueError, match="int64"):
        sum_encoding([0] * 20, 20)
    with pytest.raises(ValueError, match="not the code"):
        decode_sum_encoding(7, 2, 3)  # 7 = 1 + 2·3: three tokens, not two
    with pytest.raises(ValueError, match="non-negative"):
        decode_sum_encoding(-1, 2, 3)


# --------------------------------------------------------------------------- power spectrum and bispectrum


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(-3, 3), min_size=1, max_size=8), st.integers(0, 10))
def test_spectra_are_shift_invariant(x, k):
    a = np.array(x, dtype=float)
    assert np.allclose(power_spectrum(np.roll(a, k)), power_spectrum(a), atol=1e-9)
    assert np.allclose(bispectrum(np.roll(a, k)), bispectrum(a), atol=1e-9)


def test_spectra_torch_matches_numpy_and_batches():
    gen = torch.Generator().manual_seed(1)
    x = torch.randn(3, 7, dtype=torch.float64, generator=gen)
    B = bispectrum(x)
    assert B.shape == (3, 7, 7) and B.dtype == torch.complex128
    assert np.allclose(B.numpy(), bispectrum(x.numpy()), atol=1e-12)
    P = power_spectrum(x)
    assert P.shape == (3, 7) and not P.is_complex()
    assert np.allclose(P.numpy(), np.abs(np.fft.fft(x.numpy())) ** 2)
    assert bispectrum(torch.tensor([1, 2, 0])).dtype == torch.complex128  # integers are promoted
    X = np.fft.fft(x[0].numpy())
    assert np.isclose(B[0, 2, 3].item(), X[2] * X[3] * np.conj(X[5]))


def test_power_spectrum_not_complete_bispectrum_separates_mirror_images():
    x = np.array([0, 0, 1, 0, 1, 1, 2])
    y = x[::-1].copy()
    assert canonical_shift(x)[0].tolist() != canonical_shift(y)[0].tolist()  # chiral: the reversal is not a shift
    assert np.allclose(power_spectrum(x), power_spectrum(y))
    assert not np.allclose(bispectrum(x), bispectrum(y), atol=1e-6)


def _bispectrum_partition(L, k):
    seqs = np.array(list(itertools.product(range(k), repeat=L)))
    B = bispectrum(seqs.astype(float))
    by_b = defaultdict(set)
    for s, b in zip(seqs, B):
        by_b[tuple(gt.formatting.rounded(b, 6).ravel().tolist())].add(tuple(canonical_shift(s.tolist())[0]))
    return by_b


def test_bispectrum_complete_exhaustively_on_ternary_length_6():
    by_b = _bispectrum_partition(6, 3)
    assert len(by_b) == 130 == gt.actions.count_necklaces(6, 3)
    assert all(len(v) == 1 for v in by_b.values())


def test_bispectrum_not_complete_when_a_coefficient_vanishes():
    by_b = _bispectrum_partition(4, 4)
    merged = [sorted(v) for v in by_b.values() if len(v) > 1]
    assert merged == [[(0, 1, 3, 2), (0, 2, 3, 1)]]
    assert abs(np.fft.fft([0, 1, 3, 2])[2]) < 1e-12  # X_2 = 0


@settings(max_examples=100, deadline=None)
@given(st.lists(st.integers(0, 5), min_size=1, max_size=9))
def test_signal_from_bispectrum_recovers_up_to_shift(x):
    X = np.fft.fft(x)
    if np.abs(X).min() < 1e-6:
        with pytest.raises(ValueError, match="non-zero"):
            signal_from_bispectrum(bispectrum(np.array(x, dtype=float)))
        return
    y = signal_from_bispectrum(bispectrum(np.array(x, dtype=float)))
    assert np.abs(y.imag).max() < 1e-6
    r = np.round(y.real).astype(int)
    assert np.abs(y.real - r).max() < 1e-6
    assert _is_shift(x, r.tolist())


def test_signal_from_bispectrum_errors():
    with pytest.raises(ValueError, match="square"):
        signal_from_bispectrum(np.zeros((2, 3)))
    with pytest.raises(ValueError, match="X_0 = 0"):
        signal_from_bispectrum(bispectrum(np.array([1.0, -1.0, 0.0])))
    with pytest.raises(TypeError, match="numbers"):
        bispectrum(np.array(["a"]))
    with pytest.raises(ValueError, match="non-empty"):
        power_spectrum(np.zeros(0))


# --------------------------------------------------------------------------- plot_shift_orbit


@pytest.mark.parametrize(
    "x, distinct, stab",
    [([0, 1, 1, 2, 0, 2, 1, 0], 8, "{0}"), ([0, 1, 2, 1, 0, 1, 2, 1], 4, "{0, 4}"), ([1, 0, 1, 0, 1, 0], 2, "{0, 2, 4}")],
)
def test_plot_shift_orbit(x, distinct, stab):
    fig, ax = plt.subplots()
    out = plot_shift_orbit(torch.tensor(x), ax)
    assert out is ax
    rows = ax.images[0].get_array()
    L = len(x)
    assert rows.shape == (L, L)
    assert all(list(np.asarray(rows[k])) == list(np.roll(x, k)) for k in range(L))
    assert len({tuple(np.asarray(r).tolist()) for r in rows}) == distinct
    title = ax.get_title()
    assert title.startswith(f"{distinct} distinct rows of {L}") and stab in title
    assert [int(t) for t in ax.get_xticks()] == list(range(L)) == [int(t) for t in ax.get_yticks()]
    assert sum(t.get_text() == "= x" for t in ax.texts) == L // distinct
    plt.close(fig)


def test_plot_shift_orbit_continuous_values_and_errors():
    fig, ax = plt.subplots()
    plot_shift_orbit(np.array([0.5, -1.0, 2.0]), ax)
    assert len(fig.axes) == 2  # the colour bar
    assert ax.get_title().startswith("3 distinct rows of 3")
    plt.close(fig)
    with pytest.raises(ValueError, match="one-dimensional"):
        plot_shift_orbit(np.zeros((2, 2)))
    with pytest.raises(TypeError, match="real numbers"):
        plot_shift_orbit(["a", "b"])
