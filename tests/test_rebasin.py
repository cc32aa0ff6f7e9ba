"""grouptools.nn.rebasin: permuting hidden units, weight matching, interpolation and the loss barrier."""

from __future__ import annotations

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from grouptools.nn import rebasin as rb


def _perms(width, depth, seed):
    gen = torch.Generator().manual_seed(seed)
    return [torch.randperm(width, generator=gen).tolist() for _ in range(depth)]


@settings(max_examples=15, deadline=None)
@given(width=st.integers(1, 12), depth=st.integers(1, 3), seed=st.integers(0, 2**16))
def test_permuting_hidden_units_keeps_the_function_and_matching_undoes_it(width, depth, seed):
    a = rb.make_mlp(width, seed, depth=depth)
    perms = _perms(width, depth, seed + 1)
    b = rb.permute_hidden(a, perms)
    x, _ = rb.teacher_task(20, seed)
    with torch.no_grad():
        assert torch.allclose(b(x), a(x), atol=1e-5)
    back = rb.permute_hidden(b, rb.weight_matching(a, b))
    for pa, pb in zip(a.parameters(), back.parameters()):
        assert torch.equal(pa, pb)  # matching a shuffled copy finds the inverse shuffle exactly


def test_weight_matching_returns_permutations_in_the_convention_of_permute_hidden():
    a = rb.make_mlp(6, 0)
    b = rb.permute_hidden(a, [[1, 2, 0, 3, 5, 4], [0, 1, 2, 3, 4, 5]])
    perms = rb.weight_matching(a, b)
    assert perms[0] == [2, 0, 1, 3, 5, 4] and perms[1] == list(range(6))
    assert all(sorted(p) == list(range(6)) for p in perms)


def test_interpolation_endpoints_and_the_barrier_above_the_chord():
    a, b = rb.make_mlp(4, 0), rb.make_mlp(4, 1)
    for t, ref in ((0.0, a), (1.0, b)):
        for p, q in zip(rb.interpolate(a, b, t).parameters(), ref.parameters()):
            assert torch.allclose(p, q)
    assert rb.barrier([1.0, 2.0, 3.0]) == 0.0  # on the chord
    assert rb.barrier([1.0, 4.0, 3.0]) == 2.0
    assert rb.barrier([1.0, 0.5, 1.0]) == 0.0  # the endpoints lie on the chord themselves
    with pytest.raises(ValueError, match="two or more points"):
        rb.barrier([1.0])


def test_matching_two_trained_networks_lowers_the_barrier_and_a_random_permutation_does_not():
    r = rb.compare_pair(32, (0, 1), steps=300)
    bar = r["barrier"]
    assert bar["weight_matching"] < 0.5 * bar["naive"], bar
    assert bar["random_permutation"] > 0.5 * bar["naive"], bar
    assert r["units_moved"] > r["units"] // 2  # the two networks list their units in different orders
    assert len(r["curves"]["naive"]["loss"]) == rb.CONFIG["points"]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: rb.teacher_task(0, 0), "n must be a positive integer"),
        (lambda: rb.make_mlp(0, 0), "width must be a positive integer"),
        (lambda: rb.permute_hidden(rb.make_mlp(3, 0), [[0, 1, 2]]), "one permutation per hidden layer"),
        (lambda: rb.weight_matching(rb.make_mlp(3, 0), rb.make_mlp(4, 0)), "same layer shapes"),
    ],
)
def test_bad_input_is_named(call, message):
    with pytest.raises(ValueError, match=message):
        call()
