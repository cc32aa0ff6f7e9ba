"""The structure pictures draw, with titles and the right number of marks."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools.actions import colouring_action, dihedral_vertex_action, natural_action  # noqa: E402
from grouptools.conjugacy import conjugacy_classes  # noqa: E402
from grouptools.errors import NotASubgroupError  # noqa: E402
from grouptools.plotting_structure import (  # noqa: E402
    maximal_cyclic_subgroups,
    plot_cayley_subsets,
    plot_coset_table,
    plot_cycle_graph,
    plot_orbits,
    plot_subgroup_lattice,
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


@pytest.mark.parametrize("G, count", [(gt.dihedral(4), 10), (gt.symmetric(4), 30), (gt.quaternion(), 6)])
def test_subgroup_lattice_draws_one_box_per_subgroup(G, count):
    ax = plot_subgroup_lattice(G, highlight=[[G.identity]])
    assert len(ax.texts) == count
    assert f"{count} subgroups" in ax.get_title()
    assert ax.get_ylabel() == "order |H|"


def test_coset_table_shows_blocks_for_a_normal_subgroup():
    G = gt.dihedral(4)
    ax = plot_coset_table(G, ["e", "r^2"])
    assert "normal" in ax.get_title() and "not normal" not in ax.get_title()
    values = ax.images[0].get_array()
    for i in range(0, 8, 2):  # each 2×2 block is one coset
        for j in range(0, 8, 2):
            assert len(np.unique(values[i : i + 2, j : j + 2])) == 1
    ax = plot_coset_table(G, ["e", "s"])
    assert "not normal" in ax.get_title()
    with pytest.raises(NotASubgroupError):
        plot_coset_table(G, ["e", "r"])


@pytest.mark.parametrize("G", [gt.cyclic(6), gt.dihedral(4), gt.quaternion(), gt.symmetric(4), gt.cyclic(1)])
def test_cycle_graph_draws(G):
    ax = plot_cycle_graph(G)
    assert "Cycle graph" in ax.get_title()
    gens = maximal_cyclic_subgroups(G) if G.order > 1 else []
    covered = set()
    for g in gens:
        covered |= {G.power(g, k) for k in range(G.element_order(g))}
    assert covered == set(G.elements) or G.order == 1
    assert sum(len(c.get_offsets()) for c in ax.collections if hasattr(c, "get_offsets") and len(c.get_offsets())) >= G.order


def test_maximal_cyclic_subgroups_of_q8():
    Q = gt.quaternion()
    assert sorted(Q.names[g] for g in maximal_cyclic_subgroups(Q)) == ["i", "j", "k"]


def test_orbit_diagram_draws():
    ax = plot_orbits(colouring_action(dihedral_vertex_action(4), 2))
    assert "6 orbits of 16 points" in ax.get_title()
    ax = plot_orbits(natural_action(gt.symmetric(3)))
    assert "1 orbit of 3 points" in ax.get_title()


def test_cayley_graph_highlights_subsets():
    G = gt.dihedral(4)
    classes = {f"class {k}": c for k, c in enumerate(conjugacy_classes(G))}
    ax = plot_cayley_subsets(G, classes)
    faces = ax.collections[-1].get_facecolors()
    for c in classes.values():  # one colour per class
        assert len({tuple(faces[g]) for g in c}) == 1
    assert len(ax.get_legend().get_texts()) == 2 + len(classes)
    ax = plot_cayley_subsets(G, ["e", "r", "r^2", "r^3"])
    faces = ax.collections[-1].get_facecolors()
    assert tuple(faces[4]) == (1.0, 1.0, 1.0, 1.0) and tuple(faces[1]) != (1.0, 1.0, 1.0, 1.0)
