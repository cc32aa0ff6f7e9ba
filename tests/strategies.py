"""Hypothesis strategies shared by the property tests: named groups, direct products
and relabelled copies (whose identity is usually not label 0); unit quaternions and rotations."""

from __future__ import annotations

import numpy as np
import torch
from hypothesis import strategies as st

import grouptools as gt
from grouptools import lie


def named_groups(
    cyclic: int = 12, dihedral: int = 6, symmetric: int = 4, alternating: tuple[int, int] = (3, 4)
) -> st.SearchStrategy:
    """Z_n (n ≤ cyclic), D_n (n ≤ dihedral), S_n, A_n in the given ranges, Q_8 and V_4."""
    return st.one_of(
        st.integers(1, cyclic).map(gt.cyclic),
        st.integers(1, dihedral).map(gt.dihedral),
        st.integers(1, symmetric).map(gt.symmetric),
        st.integers(*alternating).map(gt.alternating),
        st.just(gt.quaternion()),
        st.just(gt.klein_four()),
    )


def direct_products(factors: st.SearchStrategy, max_order: int) -> st.SearchStrategy:
    """G × H for two factors drawn from ``factors``, of order at most ``max_order``."""
    pairs = st.tuples(factors, factors).filter(lambda p: p[0].order * p[1].order <= max_order)
    return pairs.map(lambda p: gt.direct_product(*p))


@st.composite
def relabelled(draw: st.DrawFn, groups: st.SearchStrategy) -> gt.FiniteGroup:
    """A copy of a drawn group with its labels shuffled, rebuilt by ``FiniteGroup.from_table``."""
    G = draw(groups)
    seed = draw(st.integers(0, 2**32 - 1))
    return G.relabelled(np.random.default_rng(seed).permutation(G.order))


@st.composite
def quaternions(draw: st.DrawFn):
    """A unit quaternion (float64 tensor of 4), from coordinates in [−1, 1] pushed away from 0."""
    finite = st.floats(-1.0, 1.0, allow_nan=False, allow_infinity=False)
    q = torch.tensor(draw(st.tuples(finite, finite, finite, finite)), dtype=torch.float64)
    if float(q.norm()) < 0.1:
        q = q + torch.tensor([1.0, 0.0, 0.0, 0.0], dtype=torch.float64)
    return q / q.norm()


#: 3×3 rotation matrices (float64), as the images of :func:`quaternions`.
rotations = quaternions().map(lie.quaternion_to_matrix)
