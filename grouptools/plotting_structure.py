"""Pictures of a group's structure: subgroup lattice, coset-sorted tables, cycle graphs,
orbit diagrams, and subsets highlighted on the Cayley graph.

Like :mod:`grouptools.plotting`, drawing is delegated to matplotlib and
networkx, layouts are deterministic, and each function returns the ``Axes``.

Explained in Chapter 2, *Subgroups, cosets and quotients*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .groups import Element, FiniteGroup
from .plotting import _axes

__all__ = [
    "plot_subgroup_lattice",
    "plot_coset_table",
    "maximal_cyclic_subgroups",
    "plot_cycle_graph",
    "plot_orbits",
    "plot_cayley_subsets",
]


# --------------------------------------------------------------------------- subgroup lattice


def plot_subgroup_lattice(
    G: FiniteGroup,
    ax: Any = None,
    *,
    subgroups: Sequence[Sequence[int]] | None = None,
    highlight: Sequence[Sequence[Element]] = (),
    labels: bool | None = None,
    title: str | None = None,
) -> Any:
    """Draw the subgroup lattice as a Hasse diagram: one row per subgroup order, a line for each covering H ⊂ K.

    Normal subgroups are filled in colour, the others white; subgroups listed in
    ``highlight`` get a thick red outline. Nodes are labelled by generators
    (``⟨r, s⟩``) when ``labels`` is true (default: at most 40 subgroups), else
    by their order.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    import matplotlib.pyplot as plt

    from .subgroups import subgroup_lattice

    L = subgroup_lattice(G, subgroups)
    nodes = sorted(L.nodes)
    orders = sorted({L.nodes[i]["order"] for i in nodes})
    layer_of = {o: k for k, o in enumerate(orders)}
    layers: list[list[int]] = [[] for _ in orders]
    for i in nodes:
        layers[layer_of[L.nodes[i]["order"]]].append(i)
    # one upward sweep of the barycentre heuristic to reduce crossings
    x: dict[int, float] = {}
    for k, layer in enumerate(layers):
        if k > 0:
            def bary(i: int) -> float:
                below = [x[j] for j in L.predecessors(i) if j in x]
                return float(np.mean(below)) if below else 0.0

            layer.sort(key=lambda i: (bary(i), i))
        m = len(layer)
        for p, i in enumerate(layer):
            x[i] = (p - (m - 1) / 2) * (1.0 if m <= 12 else 12.0 / m)
    pos = {i: (x[i], layer_of[L.nodes[i]["order"]]) for i in nodes}
    n_sub = len(nodes)
    if labels is None:
        labels = n_sub <= 40
    width = max(len(layer) for layer in layers)
    ax = _axes(ax, (min(16, 1.3 * width + 3), 1.1 * len(layers) + 1.5))
    for i, j in L.edges:
        ax.plot([pos[i][0], pos[j][0]], [pos[i][1], pos[j][1]], color="0.6", lw=1, zorder=1)
    hl = {tuple(sorted(G.label(g) for g in h)) for h in highlight}
    fill = plt.get_cmap("tab10")(0)
    for i in nodes:
        d = L.nodes[i]
        text = d["label"] if labels else str(d["order"])
        mark = tuple(d["elements"]) in hl
        ax.text(
            *pos[i], text, ha="center", va="center", fontsize=8 if labels else 7, zorder=3,
            color="white" if d["normal"] else "black",
            bbox=dict(boxstyle="round,pad=0.3", facecolor=fill if d["normal"] else "white",
                      edgecolor="#d62728" if mark else "black", linewidth=2.5 if mark else 0.8),
        )  # fmt: skip
    xs = [p[0] for p in pos.values()]
    ax.set_xlim(min(xs) - 0.8, max(xs) + 0.8)
    ax.set_ylim(-0.6, len(layers) - 0.4)
    ax.set_yticks(range(len(orders)), [str(o) for o in orders])
    ax.set_xticks([])
    ax.set_ylabel("order |H|")
    ax.set_xlabel("subgroups of the same order, side by side (filled: normal)")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or f"Subgroup lattice of {G.name}: {n_sub} subgroups")
    return ax


# --------------------------------------------------------------------------- coset-sorted table


def plot_coset_table(
    G: FiniteGroup,
    H: Sequence[Element],
    ax: Any = None,
    *,
    annotate: bool | None = None,
    title: str | None = None,
) -> Any:
    """Draw the Cayley table with rows and columns sorted by left cosets of H, each cell coloured by the coset of a·b.

    When H is normal every block (coset × coset) is a single colour, and the
    blocks form the table of G/H; when it is not, some blocks mix colours.
    Lines separate the cosets.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """
    from .plotting import plot_cayley_table
    from .subgroups import check_subgroup, coset_sorted_order, is_normal, left_cosets, subgroup_label

    h = check_subgroup(G, H)
    cosets = left_cosets(G, h)
    coset_of = np.empty(G.order, dtype=np.int64)
    for k, c in enumerate(cosets):
        coset_of[c] = k
    cmap = "tab20" if len(cosets) > 10 else "tab10"
    ax = plot_cayley_table(
        G, ax, annotate=annotate, cmap=cmap, order=coset_sorted_order(G, h), colour_of=coset_of
    )
    for k in range(1, len(cosets)):
        ax.axhline(k * len(h) - 0.5, color="black", lw=2)
        ax.axvline(k * len(h) - 0.5, color="black", lw=2)
    ax.set_xlabel("b (columns grouped by coset bH)")
    ax.set_ylabel("a (rows grouped by coset aH)")
    kind = "normal: each block is one coset, the table of G/H" if is_normal(G, h) else "not normal: blocks mix cosets"
    ax.set_title(title or f"{G.name} sorted by cosets of H = {subgroup_label(G, h)} ({kind})", pad=12)
    return ax


# --------------------------------------------------------------------------- cycle graph


def maximal_cyclic_subgroups(G: FiniteGroup) -> list[int]:
    """One generator for each maximal cyclic subgroup (not inside a larger cyclic one), largest first.

    Explained in Chapter 2, *Generated subgroups*.
    """
    from .subgroups import cyclic_subgroups

    cyc = cyclic_subgroups(G)
    sets = [set(c) for c in cyc]
    maximal = [c for c, s in zip(cyc, sets) if not any(s < t for t in sets)]
    orders = G.element_orders()
    gens = []
    for c in maximal:
        gens.append(min((g for g in c if orders[g] == len(c)), key=lambda g: g))
    return sorted(gens, key=lambda g: (-orders[g], g))


def plot_cycle_graph(G: FiniteGroup, ax: Any = None, *, title: str | None = None) -> Any:
    """Draw the cycle graph: each maximal cyclic subgroup ⟨g⟩ is a loop e → g → g² → … → e.

    Loops are drawn as petals around the identity. Elements shared by several
    loops (such as −1 in Q₈) are drawn once; a later loop through them is drawn
    as arcs between the shared elements, bulging further out each time.

    Explained in Chapter 2, *Generated subgroups*.
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    gens = maximal_cyclic_subgroups(G) if G.order > 1 else []
    orders = G.element_orders()
    e = G.identity
    graph = nx.Graph()
    graph.add_node(e)
    pos: dict[int, np.ndarray] = {e: np.zeros(2)}
    weights = np.array([max(orders[g], 2) for g in gens], dtype=float)
    angles = 2 * np.pi * (np.cumsum(weights) - weights / 2) / weights.sum() if gens else []
    cycles = []
    lenses: dict[tuple[int, int], int] = {}  # how many arcs already join two placed elements
    for g, theta in zip(gens, angles):
        k = int(orders[g])
        powers = [G.power(g, i) for i in range(k)]
        cycles.append(powers)
        for i in range(k):
            graph.add_edge(powers[i], powers[(i + 1) % k])
        anchors = [i for i, x in enumerate(powers) if x in pos]
        if anchors == [0]:  # only the identity is shared: a fresh petal
            if k == 2:
                spots = [np.zeros(2), np.array([np.cos(theta), np.sin(theta)])]
            else:
                rho = 0.35 + 0.09 * k
                centre = rho * np.array([np.cos(theta), np.sin(theta)])
                phis = theta + np.pi - 2 * np.pi * np.arange(k) / k
                spots = [centre + rho * np.array([np.cos(p), np.sin(p)]) for p in phis]
            for x, spot in zip(powers, spots):
                pos.setdefault(x, spot)
            continue
        # the loop runs through elements already drawn (e.g. -1 in Q8): draw each run of new
        # elements on an arc between the two drawn elements around it, bulging further out each time
        for a_i, b_i in zip(anchors, anchors[1:] + [anchors[0] + k]):
            run = [powers[j % k] for j in range(a_i + 1, b_i)]
            if not run:
                continue
            a, b = powers[a_i], powers[b_i % k]
            pa, pb = pos[a], pos[b]
            key = (min(a, b), max(a, b))
            count = lenses.get(key, 0) + 1
            lenses[key] = count
            chord = pb - pa
            length = float(np.hypot(*chord)) or 1.0
            normal = np.array([-chord[1], chord[0]]) / length * (1 if a < b else -1)  # same side for a→b and b→a
            sign = 1 if count % 2 else -1
            control = (pa + pb) / 2 + sign * normal * length * (1.0 + 0.6 * ((count + 1) // 2))
            for j, x in enumerate(run, start=1):
                t = j / (len(run) + 1)
                pos[x] = (1 - t) ** 2 * pa + 2 * t * (1 - t) * control + t**2 * pb
    n = G.order
    ax = _axes(ax, (6, 6))
    colours = plt.get_cmap("tab10")
    drawn: set[tuple[int, int]] = set()
    for j, powers in enumerate(cycles):
        k = len(powers)
        edges = [(powers[i], powers[(i + 1) % k]) for i in range(k if k > 2 else 1)]
        edges = [edge for edge in edges if tuple(sorted(edge)) not in drawn]
        drawn.update(tuple(sorted(edge)) for edge in edges)
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, edge_color=[colours(j % 10)], width=2)
    size = 600 if n <= 12 else 380 if n <= 30 else 120
    others = [x for x in graph.nodes if x != e]
    nx.draw_networkx_nodes(graph, pos, nodelist=others, ax=ax, node_color="white", edgecolors="black", node_size=size)
    nx.draw_networkx_nodes(graph, pos, nodelist=[e], ax=ax, node_color="#ffd966", edgecolors="black", node_size=size)
    if n <= 48:
        nx.draw_networkx_labels(graph, pos, labels={x: G.names[x] for x in graph.nodes}, ax=ax, font_size=8 if n <= 12 else 6)
    ax.set_title(title or f"Cycle graph of {G.name}: one loop per maximal cyclic subgroup ({len(gens)} loops)")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


# --------------------------------------------------------------------------- orbit diagram


def plot_orbits(
    action: Any,
    ax: Any = None,
    *,
    generators: Sequence[Element] | None = None,
    labels: bool | None = None,
    title: str | None = None,
) -> Any:
    """Draw an action's orbits: each orbit a ring of its points, an arrow x → g·x for each generator g.

    Points in the same orbit share a colour; the arrows are the action graph
    (Schreier graph), so the orbits are its connected components. ``action``
    is a :class:`~grouptools.actions.GroupAction`.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    G = action.group
    gens = G.generators if generators is None else [G.label(g) for g in generators]
    gens = [g for g in gens if g != G.identity] or [G.identity]
    orbits = [[action.index(x) for x in o] for o in action.orbits()]
    k = len(orbits)
    ncols = int(np.ceil(np.sqrt(k)))
    pos: dict[int, np.ndarray] = {}
    for j, o in enumerate(orbits):
        centre = np.array([j % ncols, -(j // ncols)], dtype=float) * 2.6
        r = 0.0 if len(o) == 1 else 1.0
        # walk the orbit along the first generator so that its arrows go round the ring
        ordered, seen = [], set()
        for start in o:
            x = start
            while x not in seen:
                seen.add(x)
                ordered.append(x)
                x = int(action.perms[gens[0], x])
        for p, x in enumerate(ordered):
            phi = np.pi / 2 - 2 * np.pi * p / len(o)
            pos[x] = centre + r * np.array([np.cos(phi), np.sin(phi)])
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(action.degree))
    ax = _axes(ax, (min(14, 2.6 * ncols + 1.5), min(14, 2.6 * int(np.ceil(k / ncols)) + 1.5)))
    ecol = plt.get_cmap("Dark2")
    handles = []
    for i, g in enumerate(gens):
        edges = [(x, int(action.perms[g, x])) for x in range(action.degree) if action.perms[g, x] != x]
        nx.draw_networkx_edges(
            graph, pos, edgelist=edges, ax=ax, edge_color=[ecol(i % 8)], width=1.2, arrows=True,
            arrowstyle="-|>", arrowsize=10, connectionstyle="arc3,rad=0.15", node_size=260,
        )  # fmt: skip
        handles.append(plt.Line2D([], [], color=ecol(i % 8), lw=1.5, label=f"x → {G.names[g]}·x"))
    ncol = plt.get_cmap("tab20")
    colour_of = np.empty(action.degree, dtype=int)
    for j, o in enumerate(orbits):
        colour_of[o] = j
    nx.draw_networkx_nodes(
        graph, pos, ax=ax, node_color=[ncol(colour_of[x] % 20) for x in range(action.degree)],
        edgecolors="black", node_size=260 if action.degree <= 60 else 40,
    )  # fmt: skip
    if labels is None:
        labels = action.degree <= 60
    if labels:
        nx.draw_networkx_labels(graph, pos, labels=dict(enumerate(action.point_names)), ax=ax, font_size=7)
    ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    ax.set_title(title or f"{action.name}: {k} orbit{'s' if k != 1 else ''} of {action.degree} points")
    ax.set_axis_off()
    ax.set_aspect("equal")
    return ax


# --------------------------------------------------------------------------- subsets on the Cayley graph


def plot_cayley_subsets(
    G: FiniteGroup,
    subsets: Mapping[str, Sequence[Element]] | Sequence[Element],
    generators: Sequence[Element] | None = None,
    ax: Any = None,
    *,
    layout: str = "auto",
    title: str | None = None,
) -> Any:
    """Draw the Cayley graph (:func:`~grouptools.plotting.plot_cayley_graph`) with subsets filled in colour.

    ``subsets`` is one list of elements (e.g. a subgroup) or a dict name →
    elements (e.g. the conjugacy classes), each drawn in its own colour and
    named in the legend. Elements in no subset stay white.

    Explained in Chapter 2, *Subgroups, cosets and quotients*.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from .plotting import plot_cayley_graph

    if not isinstance(subsets, Mapping):
        subsets = {"subset": list(subsets)}
    labelled = {name: sorted({G.label(g) for g in s}) for name, s in subsets.items()}
    ax = plot_cayley_graph(G, generators, ax, layout=layout, title=title or f"Cayley graph of {G.name}")
    nodes = ax.collections[-1]  # plot_cayley_graph draws the nodes last
    offsets = np.asarray(nodes.get_offsets())
    if len(offsets) != G.order:  # pragma: no cover — guard against a change in plotting.py
        raise RuntimeError("could not find the node positions of the Cayley graph")
    faces = np.array([[1.0, 1.0, 1.0, 1.0]] * G.order)
    palette = plt.get_cmap("Set2" if len(labelled) <= 8 else "tab20")
    patches = []
    for i, (name, elements) in enumerate(labelled.items()):
        colour = palette(i % palette.N)
        faces[elements] = colour
        patches.append(Patch(facecolor=colour, edgecolor="black", label=f"{name} ({len(elements)})"))
    nodes.set_facecolor(faces)
    handles = list(ax.get_legend().legend_handles) if ax.get_legend() else []
    ax.legend(handles=handles + patches, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    return ax
