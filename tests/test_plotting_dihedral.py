"""The square's-symmetries picture agrees with dihedral()'s multiplication table."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools.plotting import plot_dihedral_symmetries  # noqa: E402


@pytest.mark.parametrize("n", [3, 4, 5, 6])
def test_panels_draw_a_homomorphic_action_of_dn(n):
    G = gt.dihedral(n)
    axes = plot_dihedral_symmetries(n)
    def drawn_at(ax):
        return {int(t.get_text()): np.array(t.get_position()) for t in ax.texts}

    home = drawn_at(axes.flat[G.identity])  # where each corner sits before moving
    actions = []
    for g, ax in zip(G.elements, axes.flat):
        assert ax.get_title().startswith(G.names[g] + "\n")
        drawn = drawn_at(ax)
        assert sorted(drawn) == list(range(n))
        perm = [min(range(n), key=lambda j, p=drawn[i]: np.linalg.norm(p - home[j])) for i in range(n)]
        k, m = g % n, g // n
        assert perm == [((-1) ** m * i + k) % n for i in range(n)]  # r^k s^m sends i to ±i + k
        actions.append(perm)
    # (a·b) acts as "first b, then a"
    for a in G.elements:
        for b in G.elements:
            ab = G.product(a, b)
            assert actions[ab] == [actions[a][actions[b][i]] for i in range(n)]
    plt.close("all")


def test_rejects_small_or_bad_n():
    with pytest.raises(ValueError, match="at least 3"):
        plot_dihedral_symmetries(2)
    with pytest.raises(TypeError, match="integer"):
        plot_dihedral_symmetries(4.0)
