"""Pictures of groups: coloured Cayley tables and Cayley graphs.

Drawing is delegated to matplotlib and networkx; these functions only decide
what to draw. Each returns the matplotlib ``Axes`` it drew on.

Explained in Chapter 1, *Pictures of a group*.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from .groups import Element, FiniteGroup

__all__ = [
    "plot_cayley_table",
    "cayley_graph",
    "plot_cayley_graph",
    "permutohedron_layout",
    "cycle_type_classes",
    "plot_dihedral_symmetries",
]


def _axes(ax: Any, size: tuple[float, float]) -> Any:
    if ax is not None:
        return ax
    import matplotlib.pyplot as plt

    _, ax = plt.subplots(figsize=size)
    return ax


def plot_cayley_table(
    G: FiniteGroup,
    ax: Any = None,
    *,
    annotate: bool | None = None,
    cmap: str = "tab20",
    title: str | None = None,
    order: Sequence[Element] | None = None,
    colour_of: Sequence[int] | None = None,
) -> Any:
    """Draw the Cayley table as a grid with one colour per element.

    Row a, column b shows a·b. In a group every row and every column holds
    each colour exactly once (a Latin square). ``annotate`` writes the element
    names in the cells (default: when |G| ≤ 24). ``order`` lists the elements
    in the order rows and columns should appear (default: by label).
    ``colour_of[g]`` (integers 0..k-1) colours cell a·b by the class of the
    product instead of by the product itself, e.g. by its coset.

    Explained in Chapter 1, *Pictures of a group*.
    """
    import matplotlib.pyplot as plt
    from matplotlib.colors import ListedColormap

    n = G.order
    idx = np.arange(n) if order is None else np.array([G.label(g) for g in order])
    if sorted(idx.tolist()) != list(range(n)):
        raise ValueError("order must list every element exactly once")
    values = G.table[np.ix_(idx, idx)]
    classes = np.arange(n) if colour_of is None else np.asarray(colour_of)
    if classes.shape != (n,) or classes.min() < 0:
        raise ValueError(f"colour_of must give a class 0, 1, … for each of the {n} elements")
    k = int(classes.max()) + 1
    base = plt.get_cmap(cmap)
    colours = ListedColormap([base(i % base.N) for i in range(k)]) if k <= base.N else plt.get_cmap("turbo", k)
    ax = _axes(ax, (0.35 * n + 2.5, 0.35 * n + 2) if n <= 24 else (7, 6))
    ax.imshow(classes[values], cmap=colours, vmin=-0.5, vmax=k - 0.5, interpolation="nearest")
    if annotate is None:
        annotate = n <= 24
    names = G.names
    if annotate:
        fontsize = 9 if max(len(s) for s in names) <= 4 else 7
        for i in range(n):
            for j in range(n):
                ax.text(j, i, names[values[i, j]], ha="center", va="center", fontsize=fontsize)
    if n <= 32:
        ax.set_xticks(range(n), [names[k] for k in idx], rotation=90 if max(len(s) for s in names) > 3 else 0)
        ax.set_yticks(range(n), [names[k] for k in idx])
        ax.tick_params(top=True, labeltop=True, bottom=False, labelbottom=False)
    else:
        ax.set_xticks([])
        ax.set_yticks([])
    ax.set_xlabel("b (column)")
    ax.set_ylabel("a (row)")
    ax.set_title(title or f"Cayley table of {G.name}: cell (a, b) is a·b", pad=12)
    return ax


def cayley_graph(G: FiniteGroup, generators: Sequence[Element] | None = None) -> Any:
    """The Cayley graph as a ``networkx.MultiDiGraph``: an edge g → g·s for each generator s.

    Each edge carries ``generator`` (the label of s). Right multiplication is
    used, so a path from e spelling s₁, s₂, … ends at s₁·s₂·….

    Explained in Chapter 1, *Pictures of a group*.
    """
    import networkx as nx

    gens = G.generators if generators is None else [G.label(s) for s in generators]
    if len(G.closure(gens)) != G.order:
        raise ValueError(f"{[G.names[s] for s in gens]} do not generate {G.name}; the Cayley graph would be disconnected")
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(G.elements)
    for s in gens:
        for g in G.elements:
            graph.add_edge(g, G.product(g, s), generator=s)
    return graph


def plot_cayley_graph(
    G: FiniteGroup,
    generators: Sequence[Element] | None = None,
    ax: Any = None,
    *,
    layout: str | Mapping[int, Sequence[float]] = "auto",
    title: str | None = None,
    node_size: float | None = None,
    seed: int = 0,
    node_color: Sequence[Any] | None = None,
    labels: bool | None = None,
    legend: str = "right",
) -> Any:
    """Draw the Cayley graph with one colour per generator.

    An involution (s² = e) is drawn as an undirected edge, other generators as
    arrows g → g·s. ``layout`` is ``"circular"``, ``"shell"`` (one ring per
    coset of the cyclic subgroup of the generator of largest order, good for
    D_n and Q_8; with two rings each inner vertex sits between its neighbours
    on the outer ring), ``"permutohedron"`` (S_3 or S_4 and their subgroups, see
    :func:`permutohedron_layout`), ``"spring"``, ``"auto"`` (circular for one
    generator, shell for two when that gives at most four rings, else spring),
    or a dict element → (x, y). Every layout is deterministic.

    ``node_color`` gives one colour per element (default white). ``labels``
    writes the element names in the vertices (default: when every name fits,
    at most five characters and |G| ≤ 30); without them the identity is still
    named beside its vertex. ``legend`` (``"right"``, ``"below"`` or ``"none"``)
    places the key to the generators' colours.

    Explained in Chapter 1, *Cayley graphs*.
    """
    import matplotlib.pyplot as plt
    import networkx as nx

    if legend not in ("right", "below", "none"):
        raise ValueError(f"legend must be 'right', 'below' or 'none', not {legend!r}")
    gens = G.generators if generators is None else [G.label(s) for s in generators]
    graph = cayley_graph(G, gens)
    n = G.order
    pos = _cayley_positions(G, gens, graph, layout, seed)
    if node_color is None:
        faces: list[Any] = ["white"] * n
    else:
        faces = list(node_color)
        if len(faces) != n:
            raise ValueError(f"node_color must give one colour for each of the {n} elements, not {len(faces)}")
    names = G.names
    longest = max(len(s) for s in names)
    if labels is None:
        labels = n <= 30 and longest <= 5
    ax = _axes(ax, (6, 6))
    colours = plt.get_cmap("tab10")
    size = node_size if node_size is not None else (700 if n <= 12 else 350 if n <= 30 else 80)
    if labels:  # a vertex is at least as wide as its name at 8 pt
        size = max(size, (4.6 * longest + 6) ** 2)
    handles = []
    for i, s in enumerate(gens):
        edges = [(u, v) for u, v, d in graph.edges(data=True) if d["generator"] == s]
        involution = G.product(s, s) == G.identity
        colour = colours(i % 10)
        if involution:
            edges = list({tuple(sorted(e)) for e in edges})
        nx.draw_networkx_edges(
            graph, pos, edgelist=edges, ax=ax, edge_color=[colour], width=2,
            arrows=True, arrowstyle="-" if involution else "-|>", arrowsize=14, node_size=size,
            connectionstyle="arc3,rad=0.08" if not involution else "arc3",
        )  # fmt: skip
        label = f"g — g·{names[s]} (order 2)" if involution else f"g → g·{names[s]}"
        handles.append(plt.Line2D([], [], color=colour, lw=2, label=label))
    nx.draw_networkx_nodes(graph, pos, ax=ax, node_color=faces, edgecolors="black", node_size=size)
    if labels:
        nx.draw_networkx_labels(graph, pos, labels=dict(enumerate(names)), ax=ax, font_size=8 if longest > 2 else 9)
    else:  # name the identity beside its vertex, on the side away from the centre
        centre = np.mean([pos[g] for g in G.elements], axis=0)
        p = np.asarray(pos[G.identity], dtype=float)
        away = p - centre
        away = away / (np.linalg.norm(away) or 1.0)
        ax.annotate(
            f"identity {names[G.identity]}", p, xytext=tuple(14 * away), textcoords="offset points", fontsize=9,
            ha="left" if away[0] > 0.3 else "right" if away[0] < -0.3 else "center",
            va="bottom" if away[1] > 0.3 else "top" if away[1] < -0.3 else "center",
        )  # fmt: skip
    if legend == "right":
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    elif legend == "below":
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, ncol=2)
    ax.set_title(title or f"Cayley graph of {G.name}")
    ax.set_axis_off()
    ax.set_aspect("equal")
    ax.margins(0.08)
    return ax


def _cayley_positions(G: FiniteGroup, gens: Sequence[int], graph: Any, layout: Any, seed: int) -> dict[int, Any]:
    """The vertex positions of :func:`plot_cayley_graph` for one of its ``layout`` choices (or a dict)."""
    import networkx as nx

    n = G.order
    if isinstance(layout, Mapping):
        pos = {G.label(g): np.asarray(xy, dtype=float) for g, xy in layout.items()}
        if sorted(pos) != list(range(n)) or any(p.shape != (2,) for p in pos.values()):
            raise ValueError(f"a layout dict must give a point (x, y) for each of the {n} elements")
        return pos
    if layout == "auto":
        few_rings = len(gens) == 2 and G.order <= 4 * max(G.element_order(s) for s in gens)
        layout = "circular" if len(gens) == 1 else "shell" if few_rings else "spring"
    if layout == "circular":
        # walk the first generator's cycles so consecutive powers sit side by side
        return nx.circular_layout(_walk_order(G, gens[0]))
    if layout == "shell":
        by_order = sorted(gens, key=lambda s: -G.element_order(s))
        rings = _rings(G, by_order)
        pos = _two_ring_positions(G, by_order, rings) if len(rings) == 2 else None
        return pos if pos is not None else nx.shell_layout(graph, nlist=rings[::-1], rotate=0)
    if layout == "permutohedron":
        return permutohedron_layout(G)
    if layout == "spring":
        return nx.spring_layout(nx.Graph(graph), seed=seed, iterations=500, k=2.0 / np.sqrt(n))
    raise ValueError(f"layout must be 'auto', 'circular', 'shell', 'permutohedron', 'spring' or a dict, not {layout!r}")


def permutohedron_layout(G: FiniteGroup, *, projected: bool = True) -> dict[int, np.ndarray]:
    """Positions that draw the Cayley graph of S_3 or S_4 for the adjacent transpositions as the permutohedron.

    Element g goes to the vector (g⁻¹(0), …, g⁻¹(n−1)) ∈ ℝⁿ, the positions of
    the values 0, …, n−1 in g's one-line notation. Right multiplication by an
    adjacent transposition (i i+1) swaps the values i and i+1, so every edge
    g — g·(i i+1) is a vector eₐ − e_b of length √2: for n = 4 the 24 points
    are the corners of a truncated octahedron in the 3-dimensional space where
    the coordinates sum to 6. That space is drawn in 2-D by a fixed oblique
    projection: along a hexagonal face's normal tilted by 12°, so that no two
    corners coincide, the picture is mirror-symmetric and the identity is on
    the bottom row. For n = 3 the six points form a regular hexagon, identity at
    the bottom. Works for any subgroup of S_3 or S_4 built with permutations.
    ``projected=False`` returns the points in ℝⁿ before the projection, moved
    to sum 0 (the 2-D points are a linear image of these).

    Explained in Chapter 1, *Cayley graphs*.
    """
    data = G.permutations
    if data is None:
        raise ValueError(f"{G.name} carries no permutations; build it with symmetric(), alternating() or from_permutations()")
    n = data.degree
    positions = np.argsort(data.perms, axis=1).astype(float)  # positions[g, v] = g⁻¹(v)
    centred = positions - positions.mean(axis=1, keepdims=True)
    if n == 3:
        ex = np.array([-1.0, 1.0, 0.0]) / np.sqrt(2)
        ey = np.array([1.0, 1.0, -2.0]) / np.sqrt(6)
    elif n == 4:
        tilt = np.radians(12.0)
        normal = np.array([-1.0, -1.0, 3.0, -1.0]) / np.sqrt(12)  # normal to the hexagon of the g with g⁻¹(2) = 3
        in_face = np.array([-1.0, -1.0, 0.0, 2.0]) / np.sqrt(6)
        ex = np.array([-1.0, 1.0, 0.0, 0.0]) / np.sqrt(2)
        ey = -np.sin(tilt) * normal - np.cos(tilt) * in_face
    else:
        raise ValueError(f"the permutohedron layout draws permutations of 3 or 4 points, not {n}")
    if not projected:
        return {g: centred[g] for g in G.elements}
    xy = np.stack([centred @ ex, centred @ ey], axis=1)
    return {g: xy[g] for g in G.elements}


def cycle_type_classes(G: FiniteGroup) -> dict[str, list[int]]:
    """The elements of a permutation group grouped by cycle type, e.g. ``"(a b)(c d)"`` → the double transpositions.

    Keys are patterns in letters, from the identity ``"()"`` up to the longest
    cycles; in S_n these groups are exactly the conjugacy classes. Values are
    sorted labels.

    Explained in Chapter 1, *Cayley graphs*.
    """
    data = G.permutations
    if data is None:
        raise ValueError(f"{G.name} carries no permutations; build it with symmetric(), alternating() or from_permutations()")
    letters = "abcdefghijklmnopqrstuvwxyz"
    found: dict[tuple[int, ...], list[int]] = {}
    for g in G.elements:
        perm, seen, lengths = data.perms[g], set(), []
        for start in range(data.degree):
            if start in seen:
                continue
            k, x = 0, start
            while x not in seen:
                seen.add(x)
                x = int(perm[x])
                k += 1
            if k > 1:
                lengths.append(k)
        found.setdefault(tuple(sorted(lengths, reverse=True)), []).append(g)
    out = {}
    for lengths in sorted(found, key=lambda t: (sum(t), t)):
        i, parts = 0, []
        for k in lengths:
            parts.append("(" + " ".join(letters[(i + j) % 26] for j in range(k)) + ")")
            i += k
        out["".join(parts) or "()"] = found[lengths]
    return out


def _two_ring_positions(G: FiniteGroup, gens: Sequence[int], rings: list[list[int]]) -> dict[int, np.ndarray] | None:
    """Outer ring: the first generator's cycle through e; each inner vertex between its two neighbours by the second.

    Inner x sits at the angle of x·b⁻¹ and x·b on the outer ring when they
    agree (b an involution: straight spokes, as for D_n), halfway round from
    x·b⁻¹ when they are opposite (b of order 4 in Q_8: its arrows form two
    crossing diamonds instead of lines through the centre), and at their mean
    otherwise. ``None`` when that would put two vertices on one spot.
    """
    outer, inner = rings
    m = len(outer)
    b = gens[1] if len(gens) > 1 else None
    if b is None or len(inner) != m:
        return None
    angle = {g: 2 * np.pi * k / m for k, g in enumerate(outer)}
    b_inv = G.inverse(b)
    pos = {g: np.array([np.cos(t), np.sin(t)]) for g, t in angle.items()}
    used: list[float] = []
    for x in inner:
        p, q = G.product(x, b_inv), G.product(x, b)
        if p not in angle or q not in angle:
            return None
        tp, tq = angle[p], angle[q]
        gap = (tq - tp) % (2 * np.pi)
        if np.isclose(gap, 0.0) or np.isclose(gap, 2 * np.pi):
            t = tp
        elif np.isclose(gap, np.pi):
            t = tp + np.pi / 2
        else:
            t = tp + gap / 2 if gap < np.pi else tp - (2 * np.pi - gap) / 2
        t %= 2 * np.pi
        if any(np.isclose(t, u) or np.isclose(abs(t - u), 2 * np.pi) for u in used):
            return None
        used.append(t)
        pos[x] = 0.5 * np.array([np.cos(t), np.sin(t)])
    return pos


def _rings(G: FiniteGroup, gens: Sequence[int]) -> list[list[int]]:
    """Left cosets of the first generator's cyclic subgroup, one ring each.

    Where possible a ring is the previous ring multiplied on the right by
    another generator, so that generator's edges run straight between rings.
    """
    r = gens[0]
    power_order = [G.power(r, k) for k in range(G.element_order(r))]
    rings, seen = [power_order], set(power_order)
    while len(seen) < G.order:
        ring = None
        for prev in rings:
            for t in gens[1:]:
                moved = [G.product(x, t) for x in prev]
                coset = {G.product(moved[0], c) for c in power_order}
                if set(moved) == coset and not coset & seen:
                    ring = moved
                    break
            if ring:
                break
        if ring is None:
            g = next(x for x in G.elements if x not in seen)
            ring = [G.product(g, c) for c in power_order]
        rings.append(ring)
        seen.update(ring)
    return rings


def _walk_order(G: FiniteGroup, s: int) -> list[int]:
    order, seen = [], set()
    for g in G.elements:
        x = g
        while x not in seen:
            seen.add(x)
            order.append(x)
            x = G.product(x, s)
    return order


def plot_dihedral_symmetries(n: int, *, ncols: int | None = None, title: str | None = None) -> Any:
    """Draw what each of the 2n elements of D_n does to a regular n-gon with numbered corners.

    Panel g shows the n-gon after applying g: corner i is drawn where g sends
    it, and a coloured wedge at corner 0 shows whether the orientation flipped
    (reflections) or not (rotations); a reflection's mirror line is dashed.
    The panels follow :func:`~grouptools.dihedral`'s labels and names: rᵏ is
    the rotation by 360k/n degrees anticlockwise, s the reflection in the line
    through corner 0, and ``r^k s`` means "first s, then rᵏ". Returns the
    array of ``Axes``.

    Explained in Chapter 1, *A zoo of groups*.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Polygon

    from .named import _check_positive_int, dihedral

    n = _check_positive_int(n, "the number of vertices n of D_n", minimum=3)
    G = dihedral(n)
    ncols = ncols or n
    nrows = -(-2 * n // ncols)
    fig, axes = plt.subplots(nrows, ncols, figsize=(1.9 * ncols, 2.15 * nrows), squeeze=False)
    # corners numbered anticlockwise; an even n-gon gets a flat top, an odd one a corner at the top
    theta0 = np.pi / 2 - (np.pi / n if n % 2 == 0 else 0.0)
    angles = theta0 + 2 * np.pi * np.arange(n) / n
    corners = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    colours = plt.get_cmap("tab10")
    wedge = np.array([[0.0, 0.0], corners[0], (corners[0] + corners[1]) / 2])

    def matrix(g: int) -> np.ndarray:
        k, m = g % n, g // n
        c, s = np.cos(2 * np.pi * k / n), np.sin(2 * np.pi * k / n)
        rot = np.array([[c, -s], [s, c]])
        c2, s2 = np.cos(2 * theta0), np.sin(2 * theta0)
        mirror = np.array([[c2, s2], [s2, -c2]])  # s: the reflection in the line through corner 0
        return rot @ mirror if m else rot

    for g, ax in zip(G.elements, axes.flat):
        mat = matrix(g)
        ax.add_patch(Polygon(corners, closed=True, facecolor="#f2f2f2", edgecolor="black", lw=1.2))
        ax.add_patch(Polygon(wedge @ mat.T, closed=True, facecolor="#d62728", alpha=0.55, lw=0))
        for i, p in enumerate(corners @ mat.T):
            ax.scatter(*p, s=150, color=colours(i % 10), zorder=3, edgecolors="black", linewidths=0.5)
            ax.text(*(p * 1.32), str(i), ha="center", va="center", fontsize=10, fontweight="bold")
        k, m = g % n, g // n
        if m:  # r^k s is the reflection in the line through the centre at angle theta0 + 180k/n degrees
            phi = theta0 + np.pi * k / n
            ends = 1.45 * np.array([[np.cos(phi), np.sin(phi)], [-np.cos(phi), -np.sin(phi)]])
            ax.plot(ends[:, 0], ends[:, 1], ls="--", color="grey", lw=1)
            kind = "reflection"
        else:
            kind = "identity" if k == 0 else f"rotation {360 * k / n:.4g}°"
        ax.set_title(f"{G.names[g]}\n{kind}", fontsize=10)
        ax.set_xlim(-1.6, 1.6)
        ax.set_ylim(-1.6, 1.6)
        ax.set_aspect("equal")
        ax.set_axis_off()
    for ax in axes.flat[2 * n :]:
        ax.set_axis_off()
    shape = {3: "an equilateral triangle", 4: "a square", 5: "a regular pentagon", 6: "a regular hexagon"}
    fig.suptitle(
        title or f"D{n}: the {2 * n} symmetries of {shape.get(n, f'a regular {n}-gon')}\n(corner i is drawn where g sends it)"
    )
    fig.tight_layout()
    return axes
