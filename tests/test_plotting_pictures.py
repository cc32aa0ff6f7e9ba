"""The structure-carrying pictures of chapters 1–4: layouts, class lattices, glyphs, orbit pictures."""

from __future__ import annotations

import itertools

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.patches import Circle, FancyArrowPatch, Rectangle  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools import subgroups as sg  # noqa: E402
from grouptools.actions import colouring_action, dihedral_vertex_action, natural_action  # noqa: E402
from grouptools.conjugacy import conjugacy_classes  # noqa: E402
from grouptools.plotting import cycle_type_classes, permutohedron_layout, plot_cayley_graph  # noqa: E402
from grouptools.plotting_actions import draw_colouring, plot_colourings, plot_orbit_stabiliser  # noqa: E402
from grouptools.plotting_structure import (  # noqa: E402
    cycle_graph_layout,
    plot_cayley_subsets,
    plot_cycle_graph,
    plot_orbits,
    plot_subgroup_classes,
    subgroup_class_names,
    subgroup_classes,
)

ADJACENT = ["(0 1)", "(1 2)", "(2 3)"]


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _edges(G, gens):
    return {tuple(sorted((g, G.product(g, G.label(s))))) for g in G.elements for s in gens}


def _node_positions(ax, G):
    """Node centres as drawn: plot_cayley_graph draws the nodes last, in label order."""
    offsets = np.asarray(ax.collections[-1].get_offsets())
    assert len(offsets) == G.order
    return offsets


# --------------------------------------------------------------------------- S4: the permutohedron


def test_permutohedron_layout_of_s4():
    S4 = gt.symmetric(4)
    flat = permutohedron_layout(S4)
    xy = np.array([flat[g] for g in S4.elements])
    assert xy.shape == (24, 2)
    gaps = [np.linalg.norm(xy[a] - xy[b]) for a, b in itertools.combinations(range(24), 2)]
    assert min(gaps) > 0.3  # 24 distinct, well separated points
    space = permutohedron_layout(S4, projected=False)
    vecs = np.array([space[g] for g in S4.elements])
    assert np.allclose(vecs.sum(axis=1), 0)  # the sum-zero 3-space
    assert len({tuple(v) for v in vecs.round(9)}) == 24
    edges = _edges(S4, ADJACENT)
    assert len(edges) == 36  # 24 vertices of degree 3: the truncated octahedron
    lengths = [np.linalg.norm(vecs[a] - vecs[b]) for a, b in edges]
    assert np.allclose(lengths, np.sqrt(2))  # every edge g — g·(i i+1) has the same length
    non_edges = [np.linalg.norm(vecs[a] - vecs[b]) for a, b in itertools.combinations(range(24), 2) if (a, b) not in edges]
    assert min(non_edges) > np.sqrt(2) + 0.1
    # the 2-D picture is a linear image of the 3-D one, and the identity is on the bottom row
    coef, *_ = np.linalg.lstsq(vecs, xy, rcond=None)
    assert np.allclose(vecs @ coef, xy)
    assert np.isclose(xy[S4.identity, 1], xy[:, 1].min())


def test_permutohedron_layout_of_s3_is_a_regular_hexagon():
    S3 = gt.symmetric(3)
    xy = np.array([permutohedron_layout(S3)[g] for g in S3.elements])
    assert np.allclose(np.linalg.norm(xy, axis=1), np.linalg.norm(xy[0]))
    lengths = [np.linalg.norm(xy[a] - xy[b]) for a, b in _edges(S3, ["(0 1)", "(1 2)"])]
    assert len(lengths) == 6 and np.allclose(lengths, lengths[0])


def test_permutohedron_layout_rejects_other_groups():
    with pytest.raises(ValueError, match="3 or 4 points"):
        permutohedron_layout(gt.symmetric(5))
    with pytest.raises(ValueError, match="carries no permutations"):
        permutohedron_layout(gt.cyclic(4))


def test_cayley_graph_of_s4_on_the_permutohedron():
    S4 = gt.symmetric(4)
    ax = plot_cayley_subsets(S4, cycle_type_classes(S4), ADJACENT, layout="permutohedron")
    drawn = _node_positions(ax, S4)
    layout = permutohedron_layout(S4)
    assert np.allclose(drawn, [layout[g] for g in S4.elements])
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend[:3] == [f"g — g·{s} (order 2)" for s in ADJACENT]
    assert "(a b)(c d): 3 elements" in legend
    assert not any(t.get_text() in S4.names for t in ax.texts)  # no names crammed into the vertices
    assert [t.get_text() for t in ax.texts] == ["identity ()"]
    # and the permutohedron is bipartite: every edge joins an even and an odd permutation
    parity = {g: S4.permutations.sympy(g).parity() for g in S4.elements}
    assert all(parity[a] != parity[b] for a, b in _edges(S4, ADJACENT))


def test_cycle_type_classes_are_the_conjugacy_classes_of_s4():
    S4 = gt.symmetric(4)
    classes = cycle_type_classes(S4)
    assert {k: len(v) for k, v in classes.items()} == {"()": 1, "(a b)": 6, "(a b c)": 8, "(a b)(c d)": 3, "(a b c d)": 6}
    assert sorted(map(sorted, classes.values())) == sorted(map(sorted, conjugacy_classes(S4)))
    assert S4.label("(0 1)(2 3)") in classes["(a b)(c d)"]
    with pytest.raises(ValueError, match="carries no permutations"):
        cycle_type_classes(gt.dihedral(4))


# --------------------------------------------------------------------------- Q8 and D4: two rings


def test_q8_cayley_graph_keeps_the_j_arrows_off_the_centre():
    Q = gt.quaternion()
    xy = _node_positions(plot_cayley_graph(Q), Q)
    assert min(np.linalg.norm(xy[a] - xy[b]) for a, b in itertools.combinations(range(8), 2)) > 0.3
    i, j = Q.label("i"), Q.label("j")
    outer = [Q.power(i, k) for k in range(4)]
    assert np.allclose(np.linalg.norm(xy[outer], axis=1), 1.0)
    for g in Q.elements:  # no j-arrow runs through the middle of the picture
        a, b = xy[g], xy[Q.product(g, j)]
        t = np.clip(-np.dot(a, b - a) / np.dot(b - a, b - a), 0, 1)
        assert np.linalg.norm(a + t * (b - a)) > 0.3
        assert np.linalg.norm(b - a) < 1.2  # shorter than the radius plus the inner radius


def test_d4_cayley_graph_draws_reflection_edges_as_spokes():
    D4 = gt.dihedral(4)
    xy = _node_positions(plot_cayley_graph(D4), D4)
    s = D4.label("s")
    for g in D4.closure(["r"]):
        a, b = xy[g], xy[D4.product(g, s)]
        assert np.isclose(a[0] * b[1] - a[1] * b[0], 0)  # on one ray from the centre


def test_cayley_graph_options_are_checked():
    G = gt.dihedral(3)
    with pytest.raises(ValueError, match="one colour for each of the 6"):
        plot_cayley_graph(G, node_color=["white"] * 5)
    with pytest.raises(ValueError, match="a point"):
        plot_cayley_graph(G, layout={0: (0, 0)})
    ax = plot_cayley_graph(G, layout={g: (g, g % 2) for g in G.elements}, labels=True)
    assert sorted(t.get_text() for t in ax.texts) == sorted(G.names)
    with pytest.raises(ValueError, match="disjoint"):
        plot_cayley_subsets(G, {"a": ["e", "r"], "b": ["r", "s"]})


# --------------------------------------------------------------------------- Q8: the three-petal flower


def test_q8_cycle_graph_is_a_three_petal_flower():
    Q = gt.quaternion()
    pos = cycle_graph_layout(Q)
    assert sorted(pos) == list(Q.elements)  # exactly the 8 elements
    one, minus = Q.label("1"), Q.label("-1")
    assert np.allclose(pos[one], 0) and np.isclose(pos[minus][1], 0) and pos[minus][0] > 0
    petals = []
    for name in "ijk":
        x, y = Q.label(name), Q.label("-" + name)
        assert np.isclose(pos[x][0], pos[minus][0] / 2) and np.isclose(pos[y][0], pos[minus][0] / 2)
        assert pos[x][1] > pos[y][1]  # the loop 1 → x → −1 → −x → 1 runs along the top, back along the bottom
        petals.append((pos[y][1], pos[x][1]))
    petals.sort()
    assert all(top < bottom for (_, top), (bottom, _) in zip(petals, petals[1:]))  # three separate petals
    ax = plot_cycle_graph(Q)
    assert "3 loops" in ax.get_title()
    assert len(ax.patches) == 6  # each petal: a filled area and its outline
    assert min(t.get_fontsize() for t in ax.texts) >= 8


def test_cycle_graph_layout_elsewhere():
    Z = gt.direct_product(gt.cyclic(2), gt.cyclic(4))
    pos = cycle_graph_layout(Z)  # two 4-loops share (0, 2); the 2-loops fan out to the left
    assert sorted(pos) == list(Z.elements)
    assert np.isclose(pos[Z.label("(0, 2)")][1], 0)
    assert pos[Z.label("(1, 0)")][0] < 0 and pos[Z.label("(1, 2)")][0] < 0
    D4 = gt.dihedral(4)
    pos = cycle_graph_layout(D4)
    xy = np.array([pos[g] for g in D4.elements])
    assert np.allclose(xy[D4.identity], 0)
    assert min(np.linalg.norm(xy[a] - xy[b]) for a, b in itertools.combinations(range(8), 2)) > 0.2


# --------------------------------------------------------------------------- S4: subgroups up to conjugacy


def test_s4_has_eleven_classes_of_subgroups():
    S4 = gt.symmetric(4)
    classes = subgroup_classes(S4)
    assert len(classes) == 11
    assert sorted(len(c) for c in classes) == [1, 1, 1, 1, 3, 3, 3, 3, 4, 4, 6]  # 30 subgroups in all
    assert sorted(h for c in classes for h in c) == sorted(sorted(h) for h in sg.all_subgroups(S4))
    for c in classes:
        for H in c:
            assert all(sg.conjugate_subgroup(S4, g, H) in c for g in S4.elements)
    names = subgroup_class_names(S4, classes)
    assert sorted(names) == sorted(["1", "C₂", "C₂′", "C₃", "V₄", "V₄′", "C₄", "S₃", "D₄", "A₄", "S₄"])
    by_name = dict(zip(names, classes))
    assert sg.generated_subgroup(S4, ["(0 1)"]) in by_name["C₂"]
    assert sg.generated_subgroup(S4, ["(0 1)(2 3)"]) in by_name["C₂′"]
    V = sg.generated_subgroup(S4, ["(0 1)(2 3)", "(0 2)(1 3)"])
    assert by_name["V₄"] == [V] and sg.is_normal(S4, V)
    assert sg.generated_subgroup(S4, ["(0 1)", "(2 3)"]) in by_name["V₄′"]
    assert {k: len(by_name[k]) for k in ("C₄", "S₃", "D₄", "A₄")} == {"C₄": 3, "S₃": 4, "D₄": 3, "A₄": 1}


@pytest.mark.parametrize("G, count", [(gt.dihedral(4), 8), (gt.quaternion(), 6), (gt.alternating(4), 5)])
def test_subgroup_classes_of_small_groups(G, count):
    classes = subgroup_classes(G)
    assert len(classes) == count
    assert sum(len(c) for c in classes) == len(sg.all_subgroups(G))
    assert len(set(subgroup_class_names(G, classes))) == count


def test_subgroup_class_picture_is_legible():
    S4 = gt.symmetric(4)
    V = sg.generated_subgroup(S4, ["(0 1)(2 3)", "(0 2)(1 3)"])
    ax = plot_subgroup_classes(S4, highlight=[V])
    assert "30 subgroups in 11 classes" in ax.get_title()
    boxes = [t for t in ax.texts if "×" in t.get_text()]
    assert len(boxes) == 11
    assert min(t.get_fontsize() for t in ax.texts) >= 8
    counts = sorted(int(t.get_text()) for t in ax.texts if t.get_text().isdigit())
    # S4 ⊃ A4, 3 D4, 4 S3; A4 ⊃ V4, 4 C3; D4 ⊃ V4, V4', C4; S3 ⊃ C3, 3 C2; V4 ⊃ 3 C2'; V4' ⊃ 2 C2, C2';
    # C4 ⊃ C2'; and C3, C2, C2' ⊃ 1
    assert counts == sorted([1, 3, 4, 1, 4, 1, 1, 1, 1, 3, 3, 2, 1, 1, 1, 1, 1])
    red = [t for t in boxes if t.get_bbox_patch().get_edgecolor()[:3] == matplotlib.colors.to_rgb("#d62728")]
    assert len(red) == 1 and red[0].get_text().startswith("V₄ ")


# --------------------------------------------------------------------------- colourings as glyphs


def test_glyphs_add_one_patch_per_point():
    fig, ax = plt.subplots()
    assert len(draw_colouring(ax, (0, 1, 1, 0), kind="row")) == 4
    assert len(draw_colouring(ax, (0, 1, 2, 0, 1, 2), (2, 0), kind="grid", shape=(2, 3))) == 6
    beads = draw_colouring(ax, (1, 0, 0, 1, 0), (4, 0), kind="necklace")
    assert len(beads) == 6 and isinstance(beads[0], Circle) and not beads[0].get_fill()
    assert len(ax.patches) == 16
    # bead i sits where corner i of the pentagon is drawn: anticlockwise, corner 0 at the top
    centres = np.array([b.center for b in beads[1:]]) - np.array([4, 0])
    angles = np.degrees(np.arctan2(centres[:, 1], centres[:, 0])) % 360
    assert np.allclose(angles, [(90 + 72 * i) % 360 for i in range(5)])
    squares = draw_colouring(ax, (0, 1), kind="row")
    assert [sq.get_facecolor()[:3] for sq in squares] == [(1.0, 1.0, 1.0), matplotlib.colors.to_rgb("#303030")]


def test_glyphs_reject_bad_input():
    fig, ax = plt.subplots()
    with pytest.raises(ValueError, match="kind must be one of"):
        draw_colouring(ax, (0, 1), kind="star")
    with pytest.raises(ValueError, match="shape"):
        draw_colouring(ax, (0, 1, 0), kind="grid", shape=(2, 2))
    with pytest.raises(ValueError, match="palette"):
        draw_colouring(ax, (0, 5), colours=["white", "black"])
    with pytest.raises(TypeError, match="colour numbers"):
        draw_colouring(ax, 3)
    with pytest.raises(ValueError, match="integers"):
        draw_colouring(ax, (0, 0.5))
    with pytest.raises(ValueError, match="at least one point"):
        draw_colouring(ax, ())


def test_plot_colourings_draws_a_row_of_glyphs():
    ax = plot_colourings([(0, 1, 1), (1, 1, 1), (0, 0, 0)], kind="necklace", labels=["a", "b", "c"])
    assert len(ax.patches) == 3 * 4
    assert [t.get_text() for t in ax.texts] == ["a", "b", "c"]
    with pytest.raises(ValueError, match="2 labels for 3"):
        plot_colourings([(0,), (1,), (0,)], labels=["a", "b"])


# --------------------------------------------------------------------------- orbit pictures


def test_orbit_diagram_with_necklaces():
    action = colouring_action(dihedral_vertex_action(4), 2)
    ax = plot_orbits(action, glyph="necklace")
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    # r moves all but the two one-colour squares (14 arrows); s swaps 8 colourings (4 undirected edges)
    assert len(arrows) == 14 + 4
    assert sum(a.get_arrowstyle().__class__.__name__ == "CurveFilledB" for a in arrows) == 14
    assert sum(isinstance(p, Circle) for p in ax.patches) == 16 * 5
    assert not any(t.get_text().isdigit() for t in ax.texts)  # no bit strings
    legend = [t.get_text() for t in ax.get_legend().get_texts()]
    assert legend == ["x → r·x", "x — s·x"]


def test_orbit_diagram_of_subsets_in_layers():
    action = colouring_action(natural_action(gt.symmetric(4)), 2)
    ax = plot_orbits(action, glyph="row", layout="layers", generators=ADJACENT,
                     row_labels=[f"size {k}" for k in range(5)])  # fmt: skip
    squares = [p for p in ax.patches if isinstance(p, Rectangle)]
    assert len(squares) == 16 * 4
    # one row per orbit: the squares of all subsets of one size share a height, and size k is row k
    heights = {}
    for sq in squares:
        heights.setdefault(round(sq.get_y() + sq.get_height() / 2, 6), []).append(sq)
    assert sorted(len(v) // 4 for v in heights.values()) == sorted([1, 4, 6, 4, 1])
    for (_, row), k in zip(sorted(heights.items()), range(5)):
        dark = sum(sq.get_facecolor()[0] < 0.5 for sq in row)
        assert dark == k * len(row) // 4
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 3 * 4  # each adjacent transposition swaps 8 subsets in pairs
    assert [t.get_text() for t in ax.texts] == [f"size {k}" for k in range(5)]
    with pytest.raises(ValueError, match="row_labels"):
        plot_orbits(action, layout="layers", row_labels=["a"])
    with pytest.raises(ValueError, match="'rings' or 'layers'"):
        plot_orbits(action, layout="grid")
    with pytest.raises(ValueError, match="glyph must be"):
        plot_orbits(action, glyph="square")
    with pytest.raises(TypeError, match="colour numbers"):
        plot_orbits(natural_action(gt.symmetric(3)), glyph="row")


def test_orbit_stabiliser_picture():
    action = colouring_action(dihedral_vertex_action(4), 2)
    D4 = action.group
    x = (1, 1, 0, 0)
    ax = plot_orbit_stabiliser(action, x, glyph="necklace")
    assert "4 · 2 = 8 = |D4|" in ax.get_title()
    names = [t for t in ax.texts if t.get_text() in D4.names]
    assert sorted(t.get_text() for t in names) == sorted(D4.names)  # every element once
    bold = sorted(t.get_text() for t in names if t.get_fontweight() == "bold")
    assert bold == sorted(D4.names[g] for g in action.stabiliser(x)) == ["e", "r s"]
    # each column is a coset: the elements drawn above one glyph all send x to it
    columns = {}
    for t in names:
        columns.setdefault(round(t.get_position()[0], 6), []).append(D4.label(t.get_text()))
    assert len(columns) == 4 and all(len(c) == 2 for c in columns.values())
    for c in columns.values():
        assert len({action.act(g, x) for g in c}) == 1
    plain = plot_orbit_stabiliser(natural_action(gt.symmetric(3)), 0)
    assert "3 · 2 = 6" in plain.get_title()


def test_cayley_graph_legend_placement():
    G = gt.quaternion()
    assert plot_cayley_graph(G, legend="none").get_legend() is None
    assert plot_cayley_graph(G, legend="below").get_legend() is not None
    with pytest.raises(ValueError, match="legend must be"):
        plot_cayley_graph(G, legend="left")


def test_subgroup_classes_need_a_list_closed_under_conjugation():
    D4 = gt.dihedral(4)
    with pytest.raises(ValueError, match="not closed under conjugation"):
        subgroup_classes(D4, [[0], [0, 4]])  # {e, s} without its conjugate {e, r^2 s}
    assert [len(c) for c in subgroup_classes(D4, [[0], [0, 4], [0, 6]])] == [1, 2]
