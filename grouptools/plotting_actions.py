"""Pictures of group actions on colourings: glyphs, orbit diagrams and orbit–stabiliser.

A colouring c ∈ {0, …, k−1}^X (a point of :func:`~grouptools.actions.colouring_action`)
is drawn as a *glyph* instead of a string of digits: a row or grid of coloured
squares, or a necklace of coloured beads on a circle. Glyphs are drawn in data
coordinates, so they scale with the picture and never overflow.

Like :mod:`grouptools.plotting`, these functions only decide what to draw,
use fixed layouts, and return the matplotlib ``Axes``.

Explained in Chapter 4, *Orbits and stabilisers*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .plotting import _axes

__all__ = [
    "draw_colouring",
    "plot_colourings",
    "plot_orbit_stabiliser",
    "plot_shift_orbit",
]

#: colour 0 is white, colour 1 dark grey, then red, blue, green, …: a two-colouring reads as black and white
COLOURING_COLOURS = ("#ffffff", "#303030", "#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#bcbd22")

GLYPHS = ("row", "necklace", "grid")


def _check_colouring(colouring: Any) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in colouring)
    except (TypeError, ValueError):
        raise TypeError(f"a colouring is a sequence of colour numbers 0, 1, …, not {colouring!r}") from None
    if not values:
        raise ValueError("a colouring must colour at least one point")
    if min(values) < 0 or any(v != c for v, c in zip(values, colouring)):
        raise ValueError(f"colours are the integers 0, 1, …; got {colouring!r}")
    return values


def draw_colouring(
    ax: Any,
    colouring: Sequence[int],
    xy: Sequence[float] = (0.0, 0.0),
    *,
    kind: str = "row",
    size: float = 0.6,
    shape: tuple[int, int] | None = None,
    colours: Sequence[Any] | None = None,
    edgecolor: Any = "black",
) -> list[Any]:
    """Draw one colouring c = (c₀, …, c_{m−1}) as a glyph of width ``size`` centred at ``xy``; return its patches.

    ``kind``:

    * ``"row"``: m squares side by side, point i the i-th square (colourings of a line, or subsets as indicators);
    * ``"grid"``: the squares in ``shape`` = (rows, columns), row by row (colourings of an image);
    * ``"necklace"``: m beads on a circle, bead i where corner i of the regular m-gon sits in
      :func:`~grouptools.plotting.plot_dihedral_symmetries` (anticlockwise, flat top for even m),
      so rotating the necklace is rotating the beads.

    Colour v is ``colours[v]`` (default :data:`COLOURING_COLOURS`: 0 white, 1 dark grey, then red,
    blue, …). A row or grid adds m patches; a necklace adds m + 1 (the string, then the beads).

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    from matplotlib.patches import Circle, Rectangle

    values = _check_colouring(colouring)
    palette = list(COLOURING_COLOURS if colours is None else colours)
    if max(values) >= len(palette):
        raise ValueError(f"colour {max(values)} needs a palette of at least {max(values) + 1} colours, got {len(palette)}")
    if not size > 0:
        raise ValueError(f"size must be positive, not {size}")
    m = len(values)
    x0, y0 = float(xy[0]), float(xy[1])
    patches: list[Any] = []
    if kind in ("row", "grid"):
        rows, cols = (1, m) if kind == "row" else (shape or (0, 0))
        if kind == "grid" and (shape is None or rows * cols != m or rows < 1):
            raise ValueError(f"a grid glyph needs shape=(rows, columns) with rows·columns = {m}, got {shape}")
        cell = size / cols
        left, top = x0 - size / 2, y0 + rows * cell / 2
        for i, v in enumerate(values):
            r, c = divmod(i, cols)
            patch = Rectangle((left + c * cell, top - (r + 1) * cell), cell, cell, facecolor=palette[v],
                              edgecolor=edgecolor, linewidth=0.8, zorder=4)  # fmt: skip
            ax.add_patch(patch)
            patches.append(patch)
    elif kind == "necklace":
        spacing = np.sin(np.pi / max(m, 3))  # half the distance between neighbouring beads, per unit radius
        radius = size / 2 / (1 + min(0.75 * spacing, 0.42))
        bead = radius * min(0.75 * spacing, 0.42)
        string = Circle((x0, y0), radius, fill=False, edgecolor="0.55", linewidth=1.0, zorder=3)
        ax.add_patch(string)
        patches.append(string)
        theta0 = np.pi / 2 - (np.pi / m if m % 2 == 0 else 0.0)
        for i, v in enumerate(values):
            t = theta0 + 2 * np.pi * i / m
            patch = Circle((x0 + radius * np.cos(t), y0 + radius * np.sin(t)), bead, facecolor=palette[v],
                           edgecolor=edgecolor, linewidth=0.8, zorder=4)  # fmt: skip
            ax.add_patch(patch)
            patches.append(patch)
    else:
        raise ValueError(f"kind must be one of {GLYPHS}, not {kind!r}")
    return patches


def plot_colourings(
    colourings: Sequence[Sequence[int]],
    ax: Any = None,
    *,
    kind: str = "row",
    shape: tuple[int, int] | None = None,
    labels: Sequence[str] | None = None,
    colours: Sequence[Any] | None = None,
    title: str | None = None,
) -> Any:
    """Draw colourings side by side as glyphs (:func:`draw_colouring`), each with an optional caption below.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    cols = [_check_colouring(c) for c in colourings]
    if not cols:
        raise ValueError("nothing to draw: no colourings given")
    if labels is not None and len(labels) != len(cols):
        raise ValueError(f"{len(labels)} labels for {len(cols)} colourings")
    ax = _axes(ax, (min(14, 0.9 * len(cols) + 1), 1.6))
    for j, c in enumerate(cols):
        draw_colouring(ax, c, (j, 0.0), kind=kind, shape=shape, colours=colours)
        if labels is not None:
            ax.text(j, -0.5, labels[j], ha="center", va="top", fontsize=9)
    ax.set_xlim(-0.6, len(cols) - 0.4)
    ax.set_ylim(-0.8 if labels is not None else -0.45, 0.45)
    ax.set_aspect("equal")
    ax.set_axis_off()
    if title:
        ax.set_title(title)
    return ax


def _glyph_drawer(
    action: Any, glyph: str | Callable[..., Any] | None, shape: tuple[int, int] | None, colours: Sequence[Any] | None
) -> Callable[[Any, int, np.ndarray, float], None] | None:
    """A function (ax, point index, xy, size) drawing the point as a glyph, or None for plain names."""
    if glyph is None:
        return None
    if callable(glyph):
        return lambda ax, i, xy, size: glyph(ax, action.points[i], xy, size)
    if glyph not in GLYPHS:
        raise ValueError(f"glyph must be one of {GLYPHS}, a function (ax, point, xy, size) or None, not {glyph!r}")
    for x in action.points[:1]:
        _check_colouring(x)  # the points must be colourings, e.g. from colouring_action
    return lambda ax, i, xy, size: draw_colouring(ax, action.points[i], xy, kind=glyph, size=size, shape=shape, colours=colours)


def plot_orbit_stabiliser(
    action: Any,
    x: Any,
    ax: Any = None,
    *,
    glyph: str | Callable[..., Any] | None = None,
    shape: tuple[int, int] | None = None,
    colours: Sequence[Any] | None = None,
    title: str | None = None,
) -> Any:
    """Draw orbit–stabiliser for one point x: a column per point y of the orbit G·x, listing the g with g·x = y.

    Each column is a left coset g·G_x (the elements sending x to y), so the
    columns are equally tall and |G·x| · |G_x| = |G|; the column of y = x is
    the stabiliser G_x, highlighted. The points are drawn as glyphs
    (``glyph`` as in :func:`draw_colouring`) or, when ``glyph`` is None, by name.

    Explained in Chapter 4, *Orbits and stabilisers*.
    """
    from matplotlib.patches import FancyBboxPatch

    G = action.group
    i = action.index(x)
    draw = _glyph_drawer(action, glyph, shape, colours)
    perms = action.perms
    orbit = [i]
    for j in np.unique(perms[:, i]).tolist():
        if j != i:
            orbit.append(int(j))
    columns = [[g for g in G.elements if perms[g, i] == j] for j in orbit]
    stab = columns[0]
    height = len(stab)
    ax = _axes(ax, (min(16, 1.25 * len(orbit) + 1.6), 0.42 * height + 2.6))
    glyph_y, width = 0.0, 0.9
    for c, (j, elements) in enumerate(zip(orbit, columns)):
        xc = 1.2 * c
        highlight = c == 0
        ax.add_patch(FancyBboxPatch(
            (xc - width / 2, glyph_y - 0.5), width, 0.9 + 0.42 * height, boxstyle="round,pad=0.02,rounding_size=0.08",
            facecolor="#fde9b3" if highlight else "#f2f2f2", edgecolor="#d08c00" if highlight else "0.75",
            linewidth=2 if highlight else 0.8, zorder=1,
        ))  # fmt: skip
        if draw is not None:
            draw(ax, j, np.array([xc, glyph_y]), 0.62)
        else:
            ax.text(xc, glyph_y, action.point_names[j], ha="center", va="center", fontsize=10, zorder=4)
        for r, g in enumerate(elements):
            ax.text(xc, glyph_y + 0.62 + 0.42 * (height - 1 - r), G.names[g], ha="center", va="center", fontsize=10, zorder=4,
                    fontweight="bold" if highlight else "normal")  # fmt: skip
        caption = "= x\nstabiliser" if highlight else f"= {G.names[elements[0]]}·x"
        ax.text(xc, glyph_y - 0.6, caption, ha="center", va="top", fontsize=9)
    ax.text(-0.75, glyph_y + 0.62 + 0.21 * (height - 1), "g with\ng·x = y", ha="right", va="center", fontsize=9)
    ax.text(-0.75, glyph_y, "y", ha="right", va="center", fontsize=10)
    ax.set_xlim(-1.6, 1.2 * (len(orbit) - 1) + 0.6)
    ax.set_ylim(glyph_y - 1.15, glyph_y + 0.5 + 0.42 * height + 0.1)
    ax.set_aspect("equal")
    ax.set_axis_off()
    ax.set_title(
        title
        or f"Orbit–stabiliser in {G.name}: |G·x| · |G_x| = {len(orbit)} · {height} = {len(orbit) * height} = |{G.name}|\n"
        f"(each column is a left coset g·G_x; the highlighted one is G_x)"
    )
    return ax


def plot_shift_orbit(x: Any, ax: Any = None, *, title: str | None = None, colours: Sequence[Any] | None = None) -> Any:
    """Draw the shift orbit of a sequence as a heat map: row k is k·x = ``torch.roll(x, k)``, k = 0, …, L−1.

    Integer sequences with at most 10 distinct values (0, 1, …) use the discrete colours of
    :data:`COLOURING_COLOURS` with a legend of values; other sequences use a continuous
    colour map with a colour bar. Rows equal to x itself (the shifts in the stabiliser)
    are marked "= x" on the right. The title counts the distinct rows — the orbit size,
    L / p for the smallest period p — and names the stabiliser pℤ_L.

    Explained in Chapter 4, *Invariants and canonical forms in machine learning*.
    """
    from matplotlib.colors import BoundaryNorm, ListedColormap
    from matplotlib.patches import Patch

    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    a = np.asarray(x)
    if a.dtype == object or a.dtype.kind not in "biuf":
        raise TypeError(f"the sequence must hold real numbers, got dtype {a.dtype}")
    if a.ndim != 1 or a.size == 0:
        raise ValueError(f"the sequence must be one-dimensional and non-empty, got shape {tuple(a.shape)}")
    L = a.size
    rows = np.stack([np.roll(a, k) for k in range(L)])  # roll(x, k): position i moves to i + k, as shift_action
    distinct = len({tuple(r.tolist()) for r in rows})
    stab = [k for k in range(L) if np.array_equal(rows[k], a)]
    p = stab[1] if len(stab) > 1 else L  # the smallest period
    ax = _axes(ax, (0.42 * L + 2.2, 0.36 * L + 1.4))
    discrete = bool(np.all(a == np.round(a)) and a.min() >= 0 and a.max() < 10)
    if discrete:
        k_colours = int(a.max()) + 1
        palette = list(COLOURING_COLOURS if colours is None else colours)
        if len(palette) < k_colours:
            raise ValueError(f"value {k_colours - 1} needs a palette of at least {k_colours} colours, got {len(palette)}")
        cmap = ListedColormap(palette[:k_colours])
        image = ax.imshow(rows, cmap=cmap, norm=BoundaryNorm(np.arange(k_colours + 1) - 0.5, k_colours), aspect="equal")
        ax.legend(handles=[Patch(facecolor=palette[v], edgecolor="black", label=str(v)) for v in range(k_colours)],
                  title="value", loc="upper left", bbox_to_anchor=(1.12, 1.0), fontsize=8, title_fontsize=8, frameon=False)  # fmt: skip
    else:
        image = ax.imshow(rows, cmap="viridis", aspect="equal")
        ax.figure.colorbar(image, ax=ax, fraction=0.046, pad=0.12)
    # a thin grid between the cells
    ax.set_xticks(np.arange(-0.5, L, 1), minor=True)
    ax.set_yticks(np.arange(-0.5, L, 1), minor=True)
    ax.grid(which="minor", color="0.6", linewidth=0.6)
    ax.tick_params(which="minor", length=0)
    ax.set_xticks(range(L))
    ax.set_yticks(range(L))
    ax.set_xlabel("position i")
    ax.set_ylabel("shift k (row k = k·x)")
    for k in stab:
        ax.text(L - 0.5 + 0.15, k, "= x", va="center", ha="left", fontsize=8, clip_on=False)
    stab_name = "{0}" if p == L else f"${p}\\mathbb{{Z}}_{{{L}}}$ = {{{', '.join(str(k) for k in stab)}}}"
    ax.set_title(title or f"{distinct} distinct rows of {L}: orbit size {distinct}, stabiliser {stab_name}", fontsize=9)
    return ax
