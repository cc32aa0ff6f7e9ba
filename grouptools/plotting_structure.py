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
    "subgroup_classes",
    "subgroup_class_names",
    "plot_subgroup_classes",
    "plot_coset_table",
    "maximal_cyclic_subgroups",
    "cycle_graph_layout",
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


_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_PRIMES = ["", "′", "″", "‴"]


def subgroup_classes(G: FiniteGroup, subgroups: Sequence[Sequence[int]] | None = None) -> list[list[list[int]]]:
    """The subgroups grouped into conjugacy classes {g·H·g⁻¹ : g ∈ G}, smallest order first.

    Each class is a list of subgroups (sorted labels); classes of the same
    order keep the order of :func:`~grouptools.subgroups.all_subgroups`. A
    normal subgroup is a class on its own. S₄'s 30 subgroups fall into 11
    classes.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    from .subgroups import all_subgroups

    subs = [sorted(h) for h in (all_subgroups(G) if subgroups is None else subgroups)]
    table = G.table
    inverse = np.array([G.inverse(g) for g in G.elements])
    index = {tuple(h): i for i, h in enumerate(subs)}
    seen: set[int] = set()
    classes = []
    for i, h in enumerate(subs):
        if i in seen:
            continue
        conj = np.sort(table[table[:, h], inverse[:, None]], axis=1)  # row g: g·H·g⁻¹
        rows = [tuple(row) for row in conj.tolist()]
        if any(row not in index for row in rows):
            raise ValueError(f"the subgroups given are not closed under conjugation: a conjugate of {h} is missing")
        members = sorted({index[row] for row in rows})
        seen.update(members)
        classes.append([subs[j] for j in members])
    classes.sort(key=lambda c: len(c[0]))  # stable: ties keep the all_subgroups order
    return classes


def _isomorphism_type(G: FiniteGroup, H: Sequence[int]) -> str:
    """A short name for the isomorphism type of H: 1, C₄, V₄, S₃, D₄, Q₈, A₄, S₄, … or "order n"."""
    from . import named
    from .homomorphisms import are_isomorphic
    from .subgroups import as_group

    n = len(H)
    if n == 1:
        return "1"
    orders = G.element_orders()
    if max(orders[h] for h in H) == n:
        return f"C{n}".translate(_SUBSCRIPTS)
    catalogue = {
        4: [("V4", named.klein_four)],
        6: [("S3", lambda: named.symmetric(3))],
        8: [("D4", lambda: named.dihedral(4)), ("Q8", named.quaternion),
            ("C2×C4", lambda: named.direct_product(named.cyclic(2), named.cyclic(4)))],
        10: [("D5", lambda: named.dihedral(5))],
        12: [("A4", lambda: named.alternating(4)), ("D6", lambda: named.dihedral(6))],
        24: [("S4", lambda: named.symmetric(4))],
        60: [("A5", lambda: named.alternating(5))],
        120: [("S5", lambda: named.symmetric(5))],
    }  # fmt: skip
    sub = as_group(G, H)
    for name, build in catalogue.get(n, []):
        if are_isomorphic(sub, build()):
            return name.translate(_SUBSCRIPTS)
    return f"order {n}"


def subgroup_class_names(G: FiniteGroup, classes: Sequence[Sequence[Sequence[int]]]) -> list[str]:
    """Names for the classes of :func:`subgroup_classes`: the isomorphism type, primed when it repeats.

    Among classes of the same type the normal one comes first and gets no
    prime, then the others in order (′, ″, …): in S₄, C₂ is ⟨(0 1)⟩'s class
    and C₂′ is ⟨(0 1)(2 3)⟩'s, V₄ the normal Klein four-group and V₄′ its three
    non-normal cousins.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    types = [_isomorphism_type(G, c[0]) for c in classes]
    names = list(types)
    for t in set(types):
        same = [i for i, u in enumerate(types) if u == t]
        if len(same) < 2:
            continue
        same.sort(key=lambda i: (len(classes[i]) != 1, i))  # a normal subgroup (a class of one) first
        for k, i in enumerate(same):
            names[i] = t + (_PRIMES[k] if k < len(_PRIMES) else f"({k})")
    return names


def _layered_positions(
    layers: list[list[int]], edges: list[tuple[int, int]], gap: float, box: tuple[float, float], dy: float
) -> dict[int, float]:
    """x-coordinates for a layered drawing: each node on a column slot, chosen to keep lines clear of boxes.

    Every node of row r sits at height r·dy on one of a few slots ``gap``
    apart. Starting from the rows centred, each node in turn moves to the free
    slot of its row that lowers a penalty: crossings of lines, lines passing
    through a box of size ``box`` = (width, height), and the lines' horizontal
    spread; until nothing improves. Deterministic.
    """
    width = max(len(layer) for layer in layers)
    slots = [gap * (p - (width + 1) / 2) for p in range(width + 2)]
    row = {k: r for r, layer in enumerate(layers) for k in layer}
    x = {}
    for layer in layers:
        first = (len(slots) - len(layer)) // 2
        for p, k in enumerate(layer):
            x[k] = slots[first + p]

    def point(k: int) -> np.ndarray:
        return np.array([x[k], row[k] * dy])

    def through_box(a: int, b: int, k: int) -> bool:
        pa, pb, pk = point(a), point(b), point(k)
        ts = np.linspace(0.0, 1.0, 41)[1:-1]
        pts = pa + ts[:, None] * (pb - pa)
        return bool(np.any((np.abs(pts[:, 0] - pk[0]) < box[0] / 2) & (np.abs(pts[:, 1] - pk[1]) < box[1] / 2)))

    def crosses(e: tuple[int, int], f: tuple[int, int]) -> bool:
        if len({*e, *f}) < 4:
            return False
        p1, p2, p3, p4 = (point(v) for v in (*e, *f))

        def side(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> float:
            return float(np.sign((b[0] - a[0]) * (c[1] - a[1]) - (b[1] - a[1]) * (c[0] - a[0])))

        return side(p1, p2, p3) * side(p1, p2, p4) < 0 and side(p3, p4, p1) * side(p3, p4, p2) < 0

    def penalty() -> float:
        boxes = sum(through_box(a, b, k) for a, b in edges for k in x if k not in (a, b) and row[a] < row[k] < row[b])
        cross = sum(crosses(e, f) for i, e in enumerate(edges) for f in edges[:i])
        spread = sum(abs(x[a] - x[b]) for a, b in edges) / gap
        return 20.0 * boxes + 6.0 * cross + spread

    best = penalty()
    for _ in range(10):
        improved = False
        for layer in layers:
            for k in layer:
                for slot in slots:  # move k to the slot, swapping with whoever is there
                    if slot == x[k]:
                        continue
                    other = next((j for j in layer if j != k and x[j] == slot), None)
                    old = x[k]
                    x[k] = slot
                    if other is not None:
                        x[other] = old
                    score = penalty()
                    if score < best - 1e-9:
                        best, improved = score, True
                    else:
                        x[k] = old
                        if other is not None:
                            x[other] = slot
        if not improved:
            break
    centre = (min(x.values()) + max(x.values())) / 2
    return {k: v - centre for k, v in x.items()}


def plot_subgroup_classes(
    G: FiniteGroup,
    ax: Any = None,
    *,
    highlight: Sequence[Sequence[Element]] = (),
    title: str | None = None,
) -> Any:
    """Draw the subgroup lattice up to conjugacy: one box per class of conjugate subgroups, one row per order.

    A box names the class (:func:`subgroup_class_names`), the number of
    subgroups in it (×k) and one of them by generators. A line joins two
    classes when a subgroup of the lower class is a maximal subgroup of one in
    the upper class; its number says how many subgroups of the lower class
    each subgroup of the upper class contains that way. Normal subgroups are
    filled in colour; the class of a subgroup in ``highlight`` gets a thick red
    outline.

    Explained in Chapter 2, *All subgroups and the subgroup lattice*.
    """
    import matplotlib.pyplot as plt

    from .subgroups import check_subgroup, subgroup_label, subgroup_lattice

    classes = subgroup_classes(G)
    names = subgroup_class_names(G, classes)
    subs = [h for c in classes for h in c]
    which = [k for k, c in enumerate(classes) for _ in c]
    L = subgroup_lattice(G, subs)
    count: dict[tuple[int, int], int] = {}
    for i, j in L.edges:  # subs[i] is a maximal subgroup of subs[j]
        a, b = which[i], which[j]
        if subs[j] == classes[b][0]:  # count inside one subgroup of the upper class
            count[(a, b)] = count.get((a, b), 0) + 1
    orders = sorted({len(c[0]) for c in classes})
    row = {o: r for r, o in enumerate(orders)}
    layers: list[list[int]] = [[] for _ in orders]
    for k, c in enumerate(classes):
        layers[row[len(c[0])]].append(k)
    x = _layered_positions(layers, [(a, b) for a, b in count], gap=2.7, box=(2.4, 0.8), dy=1.25)
    pos = {k: (x[k], 1.25 * row[len(c[0])]) for k, c in enumerate(classes)}
    xs = [p[0] for p in pos.values()]
    ax = _axes(ax, (min(11.0, 0.55 * (max(xs) - min(xs) + 3.0) + 1.2), 0.62 * 1.25 * len(orders) + 1.6))
    for (a, b), k in count.items():
        (xa, ya), (xb, yb) = pos[a], pos[b]
        ax.plot([xa, xb], [ya, yb], color="0.6", lw=1.2, zorder=1)
        t = 0.62  # the count sits nearer the upper box, whose subgroups it counts inside
        ax.text(xa + t * (xb - xa), ya + t * (yb - ya), str(k), ha="center", va="center", fontsize=9, color="0.2",
                zorder=2, bbox=dict(boxstyle="circle,pad=0.15", facecolor="white", edgecolor="0.75", lw=0.6))  # fmt: skip
    hl = {tuple(check_subgroup(G, h)) for h in highlight}
    fill = plt.get_cmap("tab10")(0)
    for k, c in enumerate(classes):
        normal = len(c) == 1
        rep = min(c, key=lambda h: (len(subgroup_label(G, h)), subgroup_label(G, h)))
        label = subgroup_label(G, rep) if 1 < len(rep) < G.order else ""
        text = f"{names[k]}  ×{len(c)}" + (f"\n{label}" if label else "")
        mark = any(tuple(h) in hl for h in c)
        ax.text(
            *pos[k], text, ha="center", va="center", fontsize=10, zorder=3, linespacing=1.3,
            color="white" if normal else "black",
            bbox=dict(boxstyle="round,pad=0.35", facecolor=fill if normal else "white",
                      edgecolor="#d62728" if mark else "black", linewidth=2.5 if mark else 0.8),
        )  # fmt: skip
    ax.set_xlim(min(xs) - 1.5, max(xs) + 1.5)
    ax.set_ylim(-0.6, 1.25 * (len(orders) - 1) + 0.6)
    ax.set_yticks([1.25 * r for r in range(len(orders))], [str(o) for o in orders])
    ax.set_xticks([])
    ax.set_ylabel("order |H|")
    ax.set_xlabel(
        "a box: a class of k conjugate subgroups (×k), filled when normal\n"
        "a number on a line: how many of the lower class are maximal in each subgroup of the upper one",
        fontsize=10,
    )
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)
    ax.set_title(title or f"Subgroups of {G.name} up to conjugacy: {len(subs)} subgroups in {len(classes)} classes")
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


def cycle_graph_layout(G: FiniteGroup) -> dict[int, np.ndarray]:
    """Positions for :func:`plot_cycle_graph`: the identity at the origin, one loop per maximal cyclic subgroup.

    When the loops that share more than e all share exactly one more element z,
    the square root of e halfway round each of them (−1 in Q₈, where ⟨i⟩, ⟨j⟩
    and ⟨k⟩ meet), the picture is a flower: e and z on a horizontal centre line,
    and each of those loops e → g → … → z → … → e a petal through both, the
    first half of the loop on its upper edge and the second half on its lower
    edge; loops through e alone fan out to the left of e. Otherwise every loop
    is a petal around e, and a loop through elements already placed is drawn as
    arcs between them.

    Explained in Chapter 2, *Generated subgroups*.
    """
    return _cycle_layout(G)[0]


def _cycle_layout(G: FiniteGroup) -> tuple[dict[int, np.ndarray], list[list[int]], dict[tuple[int, int], np.ndarray]]:
    """(positions, the loops as lists of powers, Bézier control points of curved edges)."""
    gens = maximal_cyclic_subgroups(G) if G.order > 1 else []
    orders = G.element_orders()
    e = G.identity
    cycles = [[G.power(g, i) for i in range(int(orders[g]))] for g in gens]
    count: dict[int, int] = {}
    for c in cycles:
        for x in c[1:]:
            count[x] = count.get(x, 0) + 1
    shared = [x for x, k in count.items() if k > 1]
    if len(shared) == 1:
        z = shared[0]
        bundle = [c for c in cycles if z in c]
        if all(len(c) % 2 == 0 and c[len(c) // 2] == z for c in bundle):
            return _flower_layout(e, z, cycles, bundle)
    return _petal_layout(G, e, cycles), cycles, {}


def _flower_layout(
    e: int, z: int, cycles: list[list[int]], bundle: list[list[int]]
) -> tuple[dict[int, np.ndarray], list[list[int]], dict[tuple[int, int], np.ndarray]]:
    length = 2.4
    pos: dict[int, np.ndarray] = {e: np.zeros(2), z: np.array([length, 0.0])}
    controls: dict[tuple[int, int], np.ndarray] = {}
    half_widths = [0.15 * len(c) ** 0.5 for c in bundle]
    gap = 0.5
    total = sum(2 * w for w in half_widths) + gap * (len(bundle) - 1)
    top = total / 2
    for c, w in zip(bundle, half_widths):
        k = len(c)
        centre = top - w
        top -= 2 * w + gap
        for arc, height in ((c[: k // 2 + 1], centre + w), (c[k // 2 :] + [c[0]], centre - w)):
            a, b = pos[arc[0]], pos[arc[-1]]
            control = (a + b) / 2 + np.array([0.0, 2 * height])  # the curve's midpoint is at this height
            run = arc[1:-1]
            for j, x in enumerate(run, start=1):
                t = j / (len(run) + 1)
                pos[x] = (1 - t) ** 2 * a + 2 * t * (1 - t) * control + t**2 * b
            for u, v in zip(arc, arc[1:]):  # the piece of the curve between consecutive powers
                t0 = arc.index(u) / (len(arc) - 1)
                t1 = arc.index(v) / (len(arc) - 1)
                controls[(u, v)] = _sub_bezier(a, control, b, t0, t1)
    others = [c for c in cycles if c not in bundle]
    for j, c in enumerate(others):  # loops through e alone fan out to the left
        spread = np.pi / 2
        theta = np.pi + (spread * (j - (len(others) - 1) / 2) / max(len(others) - 1, 1) if len(others) > 1 else 0.0)
        _place_petal(pos, c, theta)
    return pos, cycles, controls


def _sub_bezier(a: np.ndarray, c: np.ndarray, b: np.ndarray, t0: float, t1: float) -> np.ndarray:
    """The control point of the piece t ∈ [t0, t1] of the quadratic Bézier curve a, c, b."""

    def point(t: float) -> np.ndarray:
        return (1 - t) ** 2 * a + 2 * t * (1 - t) * c + t**2 * b

    def tangent(t: float) -> np.ndarray:
        return 2 * (1 - t) * (c - a) + 2 * t * (b - c)

    return point(t0) + (t1 - t0) / 2 * tangent(t0)


def _place_petal(pos: dict[int, np.ndarray], powers: list[int], theta: float) -> None:
    k = len(powers)
    if k == 2:
        spots = [np.zeros(2), np.array([np.cos(theta), np.sin(theta)])]
    else:
        rho = 0.35 + 0.09 * k
        centre = rho * np.array([np.cos(theta), np.sin(theta)])
        phis = theta + np.pi - 2 * np.pi * np.arange(k) / k
        spots = [centre + rho * np.array([np.cos(p), np.sin(p)]) for p in phis]
    for x, spot in zip(powers, spots):
        pos.setdefault(x, spot)


def _petal_layout(G: FiniteGroup, e: int, cycles: list[list[int]]) -> dict[int, np.ndarray]:
    pos: dict[int, np.ndarray] = {e: np.zeros(2)}
    weights = np.array([max(len(c), 2) for c in cycles], dtype=float)
    angles = 2 * np.pi * (np.cumsum(weights) - weights / 2) / weights.sum() if cycles else []
    lenses: dict[tuple[int, int], int] = {}  # how many arcs already join two placed elements
    for powers, theta in zip(cycles, angles):
        k = len(powers)
        anchors = [i for i, x in enumerate(powers) if x in pos]
        if anchors == [0]:  # only the identity is shared: a fresh petal
            _place_petal(pos, powers, theta)
            continue
        # the loop runs through elements already drawn: draw each run of new elements on an
        # arc between the two drawn elements around it, bulging further out each time
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
    return pos


def plot_cycle_graph(G: FiniteGroup, ax: Any = None, *, title: str | None = None) -> Any:
    """Draw the cycle graph: each maximal cyclic subgroup ⟨g⟩ is a loop e → g → g² → … → e.

    The layout is :func:`cycle_graph_layout`: petals around the identity, or,
    when the loops share one element z besides e (−1 in Q₈), a flower whose
    petals all run through e and z on the centre line; those petals are drawn
    as smooth closed curves and lightly filled. Each loop has its own colour.

    Explained in Chapter 2, *Generated subgroups*.
    """
    import matplotlib.pyplot as plt
    import networkx as nx
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path

    pos, cycles, controls = _cycle_layout(G)
    e = G.identity
    graph = nx.Graph()
    graph.add_nodes_from(pos)
    n = G.order
    ax = _axes(ax, (6, 6))
    colours = plt.get_cmap("tab10")
    drawn: set[tuple[int, int]] = set()
    for j, powers in enumerate(cycles):
        k = len(powers)
        colour = colours(j % 10)
        edges = [(powers[i], powers[(i + 1) % k]) for i in range(k if k > 2 else 1)]
        if all(edge in controls for edge in edges):  # a petal of the flower: one smooth closed curve
            verts, codes = [pos[edges[0][0]]], [Path.MOVETO]
            for u, v in edges:
                verts += [controls[(u, v)], pos[v]]
                codes += [Path.CURVE3, Path.CURVE3]
            path = Path(np.array(verts), codes)
            ax.add_patch(PathPatch(path, facecolor=colour, alpha=0.12, lw=0, zorder=0))
            ax.add_patch(PathPatch(path, facecolor="none", edgecolor=colour, lw=2, zorder=1))
            continue
        edges = [edge for edge in edges if tuple(sorted(edge)) not in drawn]
        drawn.update(tuple(sorted(edge)) for edge in edges)
        nx.draw_networkx_edges(graph, pos, edgelist=edges, ax=ax, edge_color=[colour], width=2)
    size = 600 if n <= 12 else 380 if n <= 30 else 120
    longest = max(len(G.names[x]) for x in graph.nodes)
    if n <= 48:  # a vertex is at least as wide as its name
        size = max(size, (4.6 * longest * (1 if n <= 12 else 0.75) + 6) ** 2)
    others = [x for x in graph.nodes if x != e]
    nx.draw_networkx_nodes(graph, pos, nodelist=others, ax=ax, node_color="white", edgecolors="black", node_size=size)
    nx.draw_networkx_nodes(graph, pos, nodelist=[e], ax=ax, node_color="#ffd966", edgecolors="black", node_size=size)
    if n <= 48:
        nx.draw_networkx_labels(graph, pos, labels={x: G.names[x] for x in graph.nodes}, ax=ax, font_size=8 if n <= 12 else 6)
    ax.set_title(title or f"Cycle graph of {G.name}: one loop per maximal cyclic subgroup ({len(cycles)} loops)")
    xy = np.array(list(pos.values()))
    pad = 0.3 + 0.012 * np.sqrt(size)
    ax.set_xlim(xy[:, 0].min() - pad, xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
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
    glyph: str | Any = None,
    layout: str = "rings",
    shape: tuple[int, int] | None = None,
    row_labels: Sequence[str] | None = None,
) -> Any:
    """Draw an action's orbits, with an arrow x → g·x for each generator g (the action graph).

    The orbits are the connected pieces. ``layout="rings"`` draws each orbit
    as a ring of its points (walking the first generator, so its arrows go
    round), the rings on a grid; ``layout="layers"`` draws one row per orbit,
    the first at the bottom, points in the order of ``action.points`` and the
    arrows as arcs (for subsets, one row per size: a Boolean-lattice picture).
    ``row_labels`` names the rows.

    A generator of order 2 is drawn as an undirected edge, as in
    :func:`~grouptools.plotting.plot_cayley_graph`. Points are drawn by name in
    a box coloured by orbit (``labels``, default at most 60 points) or, for
    colourings (:func:`~grouptools.actions.colouring_action`), as glyphs:
    ``glyph="row"``, ``"grid"`` (with ``shape``) or ``"necklace"``, see
    :func:`~grouptools.plotting_actions.draw_colouring`. ``action`` is a
    :class:`~grouptools.actions.GroupAction`.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    from .plotting_actions import _glyph_drawer

    G = action.group
    gens = G.generators if generators is None else [G.label(g) for g in generators]
    gens = [g for g in gens if g != G.identity] or [G.identity]
    draw = _glyph_drawer(action, glyph, shape, None)
    orbits = [[action.index(x) for x in o] for o in action.orbits()]
    if layout == "layers" and row_labels is not None and len(row_labels) != len(orbits):
        raise ValueError(f"row_labels must name each of the {len(orbits)} orbits, got {len(row_labels)}")
    pos, centre_of, extent = _orbit_layout(orbits, action.perms[gens[0]], layout)
    if labels is None:
        labels = action.degree <= 60
    legend_room = 2.4 if layout == "rings" else 0.6
    ax = _axes(ax, (min(12.0, 0.72 * extent[0] + legend_room), min(12.0, 0.72 * extent[1] + 0.9)))
    size = 0.8 if layout == "layers" else 0.75  # of a glyph
    reach = size / 2 + 0.06 if draw is not None else 0.25 if labels else 0.12  # where an edge stops short of a point
    handles = _draw_action_edges(ax, action, gens, pos, centre_of, layout, reach)
    _draw_orbit_points(ax, action, orbits, pos, draw, labels, size)
    if layout == "layers":
        left = min(p[0] for p in pos.values()) - 0.75
        for j, o in enumerate(orbits):
            text = row_labels[j] if row_labels is not None else f"{len(o)} point{'s' if len(o) != 1 else ''}"
            ax.text(left, 1.2 * j, text, ha="right", va="center", fontsize=10)
        ax.legend(handles=handles, loc="upper right", frameon=False)
    else:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    k = len(orbits)
    ax.set_title(title or f"{action.name}: {k} orbit{'s' if k != 1 else ''} of {action.degree} points")
    ax.set_axis_off()
    ax.set_aspect("equal")
    xy = np.array(list(pos.values()))
    pad = 0.6
    ax.set_xlim(xy[:, 0].min() - pad - (2.4 if layout == "layers" else 0), xy[:, 0].max() + pad)
    ax.set_ylim(xy[:, 1].min() - pad, xy[:, 1].max() + pad)
    return ax


def _orbit_layout(orbits: list[list[int]], step: np.ndarray, layout: str
                  ) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray], tuple[float, float]]:
    """Positions of the points of :func:`plot_orbits`, the centre of each point's ring, and the drawing's extent.

    ``"rings"``: each orbit a ring, walked along ``step`` (the first generator's permutation), the rings
    on a grid. ``"layers"``: one row per orbit, points in label order.
    """
    k = len(orbits)
    pos: dict[int, np.ndarray] = {}
    centre_of: dict[int, np.ndarray] = {}
    if layout == "rings":
        radii = [0.0 if len(o) == 1 else max(1.0, 0.62 / np.sin(np.pi / len(o))) for o in orbits]
        cell = 2 * max(radii) + 1.1
        ncols = int(np.ceil(np.sqrt(k)))
        for j, o in enumerate(orbits):
            centre = np.array([j % ncols, -(j // ncols)], dtype=float) * cell
            ordered, seen = [], set()  # walk the orbit along the first generator
            for start in o:
                x = start
                while x not in seen:
                    seen.add(x)
                    ordered.append(x)
                    x = int(step[x])
            for p, x in enumerate(ordered):
                phi = np.pi / 2 - 2 * np.pi * p / len(o)
                pos[x] = centre + radii[j] * np.array([np.cos(phi), np.sin(phi)])
                centre_of[x] = centre
        return pos, centre_of, (ncols * cell, int(np.ceil(k / ncols)) * cell)
    if layout == "layers":
        for j, o in enumerate(orbits):
            for p, x in enumerate(sorted(o)):
                pos[x] = np.array([1.3 * (p - (len(o) - 1) / 2), 1.2 * j])
        return pos, centre_of, (1.3 * max(len(o) for o in orbits) + 2.2, 1.2 * k)
    raise ValueError(f"layout must be 'rings' or 'layers', not {layout!r}")


def _draw_action_edges(ax: Any, action: Any, gens: Sequence[int], pos: dict[int, np.ndarray],
                       centre_of: dict[int, np.ndarray], layout: str, reach: float) -> list[Any]:
    """The action graph's edges x → g·x of :func:`plot_orbits`, one colour per generator; returns legend handles.

    A generator of order 2 gives undirected edges (each drawn once); fixed points get no edge.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch

    G = action.group
    ecol = plt.get_cmap("Dark2")
    handles = []
    for i, g in enumerate(gens):
        involution = G.product(g, g) == G.identity
        colour = ecol(i % 8)
        done: set[tuple[int, int]] = set()
        for x in range(action.degree):
            y = int(action.perms[g, x])
            if y == x or (involution and (min(x, y), max(x, y)) in done):
                continue
            done.add((min(x, y), max(x, y)))
            gap = float(np.linalg.norm(pos[y] - pos[x]))
            if layout == "layers":
                rad = 0.0 if gap < 1.4 and involution else 0.5 * min(gap / 4.0, 1.0) + 0.12
            elif not involution:
                rad = 0.3
            else:  # the arrows round a ring bulge inwards, so an edge bulges outwards; a diameter stays straight
                mid, d = (pos[x] + pos[y]) / 2, pos[y] - pos[x]
                inward = float(np.dot([d[1], -d[0]], centre_of[x] - mid))
                rad = 0.0 if abs(inward) < 1e-9 else -0.25 * float(np.sign(inward))
            ax.add_patch(FancyArrowPatch(
                tuple(pos[x]), tuple(pos[y]), arrowstyle="-" if involution else "-|>", mutation_scale=11,
                connectionstyle=f"arc3,rad={rad}", color=colour, lw=1.4, zorder=2,
                shrinkA=0, shrinkB=0, patchA=None, patchB=None,
            ))  # fmt: skip
            _shorten(ax.patches[-1], pos[x], pos[y], reach)
        kind = "—" if involution else "→"
        handles.append(plt.Line2D([], [], color=colour, lw=1.5, label=f"x {kind} {G.names[g]}·x"))
    return handles


def _draw_orbit_points(ax: Any, action: Any, orbits: list[list[int]], pos: dict[int, np.ndarray],
                       draw: Any, labels: bool, size: float) -> None:
    """The points of :func:`plot_orbits`: glyphs, named boxes coloured by orbit, or dots."""
    import matplotlib.pyplot as plt

    ncol = plt.get_cmap("tab20")
    colour_of = np.empty(action.degree, dtype=int)
    for j, o in enumerate(orbits):
        colour_of[o] = 2 * j + 1  # the light half of tab20, so that names stay legible
    for x in range(action.degree):
        if draw is not None:
            draw(ax, x, pos[x], size)
        elif labels:
            ax.text(*pos[x], action.point_names[x], ha="center", va="center", fontsize=9, zorder=4,
                    bbox=dict(boxstyle="round,pad=0.25", facecolor=ncol(colour_of[x] % 20), edgecolor="black", lw=0.6))  # fmt: skip
        else:
            ax.scatter(*pos[x], s=40, color=ncol(colour_of[x] % 20), edgecolors="black", linewidths=0.5, zorder=4)


def _shorten(arrow: Any, a: np.ndarray, b: np.ndarray, reach: float) -> None:
    """Move the ends of an arrow from a to b inwards by ``reach`` (data units), so it stops at the glyphs."""
    d = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    length = float(np.linalg.norm(d))
    if length <= 2 * reach:
        return
    u = d / length
    arrow.set_positions(tuple(a + reach * u), tuple(b - reach * u))


# --------------------------------------------------------------------------- subsets on the Cayley graph

#: fills for subsets of a Cayley graph: gold first, then light colours unlike the edges' blue, orange and green
SUBSET_COLOURS = ("#ffd966", "#c5b0d5", "#9edae5", "#f7b6d2", "#dbdb8d", "#ff9896", "#c49c94", "#c7c7c7")


def plot_cayley_subsets(
    G: FiniteGroup,
    subsets: Mapping[str, Sequence[Element]] | Sequence[Element],
    generators: Sequence[Element] | None = None,
    ax: Any = None,
    *,
    layout: str | Mapping[int, Sequence[float]] = "auto",
    title: str | None = None,
    labels: bool | None = None,
    palette: str | Sequence[Any] | None = None,
    legend: str = "right",
) -> Any:
    """Draw the Cayley graph (:func:`~grouptools.plotting.plot_cayley_graph`) with subsets filled in colour.

    ``subsets`` is one list of elements (e.g. a subgroup) or a dict name →
    elements (e.g. the conjugacy classes, or the cosets of a subgroup), each
    drawn in its own colour from ``palette`` (a list of colours or a matplotlib
    colormap name; default :data:`SUBSET_COLOURS`, light colours that the
    generators' edge colours do not use) and named in the legend with its size. Elements in no
    subset stay white; an element in two subsets raises ``ValueError``.
    ``layout``, ``labels`` and ``legend`` (``"right"`` or ``"below"``) are passed on.

    Explained in Chapter 2, *Cosets and Lagrange's theorem*.
    """
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch

    from .plotting import plot_cayley_graph

    if not isinstance(subsets, Mapping):
        subsets = {"subset": list(subsets)}
    labelled = {name: sorted({G.label(g) for g in s}) for name, s in subsets.items()}
    if palette is None:
        palette = SUBSET_COLOURS if len(labelled) <= len(SUBSET_COLOURS) else "tab20"
    if isinstance(palette, str):
        cmap = plt.get_cmap(palette if len(labelled) <= plt.get_cmap(palette).N else "tab20")
        colours = [cmap(i % cmap.N) for i in range(len(labelled))]
    else:
        colours = list(palette)
        if len(colours) < len(labelled):
            raise ValueError(f"palette has {len(colours)} colours for {len(labelled)} subsets")
    faces: list[Any] = ["white"] * G.order
    owner: dict[int, str] = {}
    patches = []
    for colour, (name, elements) in zip(colours, labelled.items()):
        for g in elements:
            if g in owner:
                raise ValueError(f"{G.names[g]} is in both {owner[g]!r} and {name!r}; the subsets must be disjoint")
            owner[g] = name
            faces[g] = colour
        k = len(elements)
        patches.append(Patch(facecolor=colour, edgecolor="black", label=f"{name}: {k} element{'s' if k != 1 else ''}"))
    if legend not in ("right", "below"):
        raise ValueError(f"legend must be 'right' or 'below', not {legend!r}")
    ax = plot_cayley_graph(
        G, generators, ax, layout=layout, title=title or f"Cayley graph of {G.name}", node_color=faces, labels=labels
    )
    handles = list(ax.get_legend().legend_handles) + patches
    if legend == "right":
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), frameon=False)
    else:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), frameon=False, ncol=2)
    return ax
