"""Character tables of arbitrary finite groups, computed from the Cayley table.

The algorithm is Burnside's, in the numerically stable form that Dixon made
practical (Dixon 1967/1970):

1. Find the conjugacy classes C_1, …, C_k (the class of the identity first).
2. Count the *class multiplication coefficients*
   c_{jlm} = #{(x, y) ∈ C_j × C_l : x·y = z} for a fixed z ∈ C_m. The class sums
   K_j of the group algebra multiply as K_j K_l = Σ_m c_{jlm} K_m.
3. For every irreducible character χ the numbers ω(K_m) = |C_m| χ(g_m) / χ(1)
   satisfy Σ_m c_{jlm} ω(K_m) = ω(K_j) ω(K_l): the vector (ω(K_m))_m is a common
   eigenvector of the k matrices M_j = (c_{jlm})_{l,m}, and every common
   eigenvector arises this way.
4. After the similarity D^{-1/2} M_j D^{1/2} with D = diag(|C_m|) the matrices
   are *normal* (their eigenvectors are the orthogonal columns of the character
   table), so random Hermitian combinations A + A^H and i(A − A^H) of them are
   diagonalised with ``numpy.linalg.eigh``, which is backward stable. Clusters of
   nearly equal eigenvalues are split again with fresh random coefficients on the
   cluster's subspace until every common eigenspace is one-dimensional. The random
   numbers come from ``numpy.random.default_rng`` with a fixed seed, so the result
   is deterministic.
5. Each eigenvector, scaled so that its identity entry is 1, gives
   χ(1)² = |G| / Σ_m |ω_m|²/|C_m| and χ(g_m) = χ(1) ω_m / |C_m|.

The result is validated before it is returned (degrees are integers dividing
|G|, Σ χ(1)² = |G|, row orthogonality) and a failure raises ``RuntimeError``
rather than returning a wrong table.

Explained in Chapter 6, *Character tables*.
"""

from __future__ import annotations

import math
import weakref
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .conjugacy import class_labels
from .groups import FiniteGroup
from .formatting import fmt
from .linalg import snap

if TYPE_CHECKING:  # pragma: no cover
    from .representations import Representation

__all__ = [
    "CharacterTable",
    "character_table",
    "inner_product",
    "multiplicities",
    "frobenius_schur_indicator",
    "format_character_value",
    "plot_character_table",
    "clear_cache",
]

_SEED = 20240606
_CLEAN_TOL = 1e-9

class _IdentityCache:
    """Results cached per group *object* (equal groups may differ in name), dropped with the group."""

    def __init__(self) -> None:
        self._data: dict[int, tuple[weakref.ref, Any]] = {}

    def get(self, G: FiniteGroup) -> Any:
        hit = self._data.get(id(G))
        if hit is not None and hit[0]() is G:
            return hit[1]
        return None

    def set(self, G: FiniteGroup, value: Any) -> None:
        key = id(G)
        self._data[key] = (weakref.ref(G, lambda _r, k=key, d=self._data: d.pop(k, None)), value)

    def clear(self) -> None:
        self._data.clear()


_TABLE_CACHE = _IdentityCache()


def clear_cache() -> None:
    """Forget every cached character table and list of irreps (used by the benchmark).

    Explained in Chapter 6, *Character tables*.
    """
    _TABLE_CACHE.clear()
    from .irreps import _IRREP_CACHE  # here: irreps imports this module

    _IRREP_CACHE.clear()


# --------------------------------------------------------------------------- printing values

_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")
_SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _int_str(x: float) -> str:
    return str(int(round(x)))


def _recognise_real(x: float, tol: float = 1e-8) -> str | None:
    """An exact form of a real character value: n, n/2, (a ± b√s)/c for small a, b, c, s."""
    if abs(x - round(x)) < tol:
        return _int_str(x)
    for c in (2, 3, 4):
        if abs(x * c - round(x * c)) < tol:
            return f"{_int_str(x * c)}/{c}"
    for s in (2, 3, 5, 6, 7, 10, 11, 13, 15):
        r = math.sqrt(s)
        for c in (1, 2):
            for b in range(1, 4):
                for sign in (1, -1):
                    a = x * c - sign * b * r
                    if abs(a - round(a)) < tol:
                        a_int = int(round(a))
                        rad = ("" if b == 1 else str(b)) + f"√{s}"
                        if a_int == 0:
                            body = rad if sign > 0 else f"-{rad}"
                        else:
                            body = f"{a_int}{'+' if sign > 0 else '-'}{rad}"
                        return body if c == 1 else f"({body})/{c}"
    return None


def format_character_value(z: complex, exponent: int | None = None, digits: int = 3) -> str:
    """A readable string for a character value: ``2``, ``-1``, ``(1+√5)/2``, ``i``, ``ζ₃²``, ``0.309``.

    Integers and values (a ± b√s)/c are written exactly; a root of unity ζ_m^k
    (m dividing ``exponent``, when given, else m ≤ 24) is written ``ζₘᵏ`` (with
    ``i`` for ζ₄); other values are rounded to ``digits`` decimals.

    Explained in Chapter 6, *Character tables*.
    """
    z = complex(z)
    tol = 1e-8
    if abs(z.imag) < tol:
        exact = _recognise_real(z.real)
        return exact if exact is not None else f"{z.real:.{digits}f}"
    if abs(z.real) < tol and abs(abs(z.imag) - 1) < tol:
        return "i" if z.imag > 0 else "-i"
    if abs(abs(z) - 1) < tol:
        angle = math.atan2(z.imag, z.real) / (2 * math.pi) % 1.0
        ms = [m for m in range(3, 25)] if exponent is None else [m for m in range(3, exponent + 1) if exponent % m == 0]
        for m in ms:
            k = angle * m
            if abs(k - round(k)) < tol * m:
                k = int(round(k)) % m
                if math.gcd(k, m) == 1:
                    sub = str(m).translate(_SUBSCRIPT)
                    sup = "" if k == 1 else str(k).translate(_SUPERSCRIPT)
                    return f"ζ{sub}{sup}"
    # (a + b i√s)/c with small integers
    for c in (1, 2):
        a = z.real * c
        if abs(a - round(a)) < tol:
            for s in (1, 2, 3, 5, 7, 11, 13, 15, 19, 23):
                b = abs(z.imag) * c / math.sqrt(s)
                if abs(b - round(b)) < tol and round(b) > 0:
                    a_int, b_int = int(round(a)), int(round(b))
                    rad = ("" if b_int == 1 else str(b_int)) + ("i" if s == 1 else f"i√{s}")
                    sign = "+" if z.imag > 0 else "-"
                    body = (f"{'-' if sign == '-' else ''}{rad}" if a_int == 0 else f"{a_int}{sign}{rad}")
                    return body if c == 1 else f"({body})/{c}"
    # a + b i with both parts exact
    re = _recognise_real(z.real)
    im = _recognise_real(abs(z.imag))
    if re is not None and im is not None and len(re) + len(im) <= 12:
        im_part = "i" if im == "1" else f"{im}i"
        sign = "+" if z.imag > 0 else "-"
        return (f"{sign if sign == '-' else ''}{im_part}" if re == "0" else f"{re}{sign}{im_part}")
    return f"{z.real:.{digits}f}{'+' if z.imag >= 0 else '-'}{abs(z.imag):.{digits}f}i"


# --------------------------------------------------------------------------- the table


class CharacterTable:
    """The character table of a finite group: irreducible characters × conjugacy classes.

    Attributes
    ----------
    group:
        The :class:`~grouptools.FiniteGroup`.
    classes:
        The conjugacy classes as lists of element labels (the group's own labels);
        the class of the identity is first, the others in order of their smallest label.
    class_sizes, orders:
        |C| and the order of the elements of each class (integer arrays).
    representatives:
        The smallest label in each class.
    class_names:
        ATLAS-style names: element order followed by a letter, ``1a, 2a, 2b, 3a, …``.
    values:
        The characters as a read-only complex array of shape (number of irreps,
        number of classes); ``values[i, j]`` is χ_i on class j. Row 0 is the
        trivial character; rows are ordered by degree, then real before non-real,
        then by their values (largest real part first, then imaginary part), class
        by class. Values within 1e-9 of an integer are rounded to it.
    degrees, indicators:
        χ_i(1) and the Frobenius–Schur indicators (1 real, 0 complex, −1 quaternionic).
    class_of:
        ``class_of[g]`` is the index of the class of element g.

    ``str(table)`` prints it with exact values where they are easy to recognise;
    :meth:`plot` draws it as a heat map.

    Explained in Chapter 6, *Character tables*.
    """

    def __init__(
        self,
        group: FiniteGroup,
        classes: list[list[int]],
        class_of: np.ndarray,
        values: np.ndarray,
    ) -> None:
        self.group = group
        self.classes = classes
        self.class_of = class_of
        self.class_of.setflags(write=False)
        self.class_sizes = np.array([len(c) for c in classes], dtype=np.int64)
        self.representatives = [c[0] for c in classes]
        orders = group.element_orders()
        self.orders = np.array([orders[c[0]] for c in classes], dtype=np.int64)
        seen: dict[int, int] = {}
        names = []
        for o in self.orders:
            k = seen.get(int(o), 0)
            seen[int(o)] = k + 1
            letter = ""
            k2 = k
            while True:
                letter = chr(ord("a") + k2 % 26) + letter
                k2 = k2 // 26 - 1
                if k2 < 0:
                    break
            names.append(f"{int(o)}{letter}")
        self.class_names = names
        self.values = values
        self.values.setflags(write=False)
        self.degrees = np.round(values[:, 0].real).astype(np.int64)
        # Frobenius–Schur: ν(χ) = (1/|G|) Σ_g χ(g²)
        squares = class_of[group.table[np.arange(group.order), np.arange(group.order)]]
        counts = np.bincount(squares, minlength=len(classes))  # how many g have g² in class m
        nu = (values @ counts) / group.order
        self.indicators = np.round(nu.real).astype(np.int64)
        self.names = [f"χ{i}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")) for i in range(len(values))]
        if np.max(np.abs(nu - self.indicators)) > 1e-6 or not set(self.indicators.tolist()) <= {-1, 0, 1}:
            raise RuntimeError(f"Frobenius–Schur indicators {nu} of {group.name} are not in {{1, 0, -1}}")

    # ------------------------------------------------------------------ shape
    def __len__(self) -> int:
        return len(self.values)

    @property
    def num_classes(self) -> int:
        """The number of conjugacy classes (= the number of irreducible characters).

        Explained in Chapter 6, *Orthogonality relations*.
        """
        return len(self.classes)

    @property
    def exponent(self) -> int:
        """The exponent of the group: the lcm of the element orders (every character value lies in ℚ(ζ_exponent)).

        Explained in Chapter 6, *Character tables*.
        """
        return int(np.lcm.reduce(self.orders))

    def character(self, i: int) -> np.ndarray:
        """Irreducible character i as a function on elements: an array of length |G|.

        Explained in Chapter 6, *Characters are class functions*.
        """
        if not 0 <= int(i) < len(self.values):
            raise IndexError(f"{self.group.name} has {len(self.values)} irreducible characters; {i} is out of range")
        return self.values[int(i)][self.class_of]

    def on_classes(self, chi: Sequence[complex] | np.ndarray) -> np.ndarray:
        """Reduce a class function given on elements (length |G|) to its values on classes.

        Raises ``ValueError`` if ``chi`` is not constant on a conjugacy class.

        Explained in Chapter 6, *Characters are class functions*.
        """
        chi = np.asarray(chi, dtype=np.complex128)
        n = self.group.order
        if chi.shape == (self.num_classes,) and n != self.num_classes:
            return chi
        if chi.shape != (n,):
            raise ValueError(
                f"a class function on {self.group.name} has {n} values (one per element) or "
                f"{self.num_classes} (one per class), not shape {chi.shape}"
            )
        for j, cls in enumerate(self.classes):
            vals = chi[cls]
            bad = np.flatnonzero(np.abs(vals - vals[0]) > 1e-8)
            if len(bad):
                g, h = cls[0], cls[int(bad[0])]
                raise ValueError(
                    f"not a class function: the conjugate elements {self.group.names[g]!r} and "
                    f"{self.group.names[h]!r} have values {vals[0]:.6g} and {vals[int(bad[0])]:.6g}"
                )
        return chi[self.representatives]

    # ------------------------------------------------------------------ checks
    def row_gram(self) -> np.ndarray:
        """⟨χ_i, χ_j⟩ = (1/|G|) Σ_g χ_i(g) conj(χ_j(g)) for all i, j (the identity matrix).

        Explained in Chapter 6, *Orthogonality relations*.
        """
        w = self.class_sizes / self.group.order
        return (self.values * w) @ self.values.conj().T

    def column_gram(self) -> np.ndarray:
        """Σ_χ χ(g_j) conj(χ(g_l)) for all classes j, l (diagonal |C_G(g_j)| = |G|/|C_j|).

        Explained in Chapter 6, *Orthogonality relations*.
        """
        return self.values.T @ self.values.conj()

    # ------------------------------------------------------------------ display
    def format(self, digits: int = 3, exact: bool = True) -> str:
        """The table as aligned text: a header of class names, sizes and orders, one row per irrep.

        Explained in Chapter 6, *Character tables*.
        """
        e = self.exponent
        cells = [
            [
                format_character_value(v, e, digits) if exact else fmt(v, digits, trim=True)
                for v in row
            ]
            for row in self.values
        ]
        G = self.group
        rep_names = [G.names[r] for r in self.representatives]
        head_rows = [
            ["class"] + self.class_names,
            ["size"] + [str(s) for s in self.class_sizes],
            ["rep."] + rep_names,
        ]
        body = [[f"{self.names[i]} ν={'+' if self.indicators[i] > 0 else ''}{self.indicators[i]}"] + cells[i] for i in range(len(cells))]
        rows = head_rows + body
        widths = [max(len(r[c]) for r in rows) for c in range(len(rows[0]))]
        widths = [min(w, 14) for w in widths]

        def aligned(r: list[str]) -> str:
            out = [r[0].ljust(widths[0])]
            for c in range(1, len(r)):
                s = r[c] if len(r[c]) <= widths[c] else r[c][: widths[c] - 1] + "…"
                out.append(s.rjust(widths[c]))
            return "  ".join(out)

        lines = [f"Character table of {G.name} (order {G.order}, {self.num_classes} classes)"]
        lines += [aligned(r) for r in head_rows]
        lines.append("-" * len(aligned(head_rows[0])))
        lines += [aligned(r) for r in body]
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return (
            f"<CharacterTable of {self.group.name}: {self.num_classes} classes, "
            f"degrees {self.degrees.tolist()}>"
        )

    def plot(self, ax: Any = None, **kwargs: Any) -> Any:
        """Draw the table as a heat map (see :func:`plot_character_table`).

        Explained in Chapter 6, *Character tables*.
        """
        return plot_character_table(self, ax=ax, **kwargs)


# --------------------------------------------------------------------------- the algorithm


def _class_matrices(G: FiniteGroup, classes: list[list[int]], class_of: np.ndarray) -> np.ndarray:
    """``M[j, l, m] = c_{jlm}``: pairs (x, y) ∈ C_j × C_l with x·y equal to the representative of C_m."""
    k = len(classes)
    n = G.order
    inv = G.inverses
    reps = np.array([c[0] for c in classes], dtype=np.int64)
    # y = x⁻¹ z for every x and every representative z:  y[x, m] = table[inv[x], z_m]
    y = G.table[inv[:, None], reps[None, :]]  # shape (n, k)
    cx = np.broadcast_to(class_of[:, None], (n, k))
    cy = class_of[y]
    m_idx = np.broadcast_to(np.arange(k)[None, :], (n, k))
    flat = (cx * k + cy) * k + m_idx
    counts = np.bincount(flat.ravel(), minlength=k * k * k)
    return counts.reshape(k, k, k).astype(np.float64)


def _split_common_eigenvectors(N: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Orthonormal common eigenvectors (columns) of the commuting normal matrices ``N[j]``."""
    k = N.shape[0]
    done: list[np.ndarray] = []
    queue: list[np.ndarray] = [np.eye(k, dtype=np.complex128)]
    attempts = 0
    while queue:
        V = queue.pop()
        r = V.shape[1]
        if r == 1:
            done.append(V)
            continue
        attempts += 1
        if attempts > 50 * k + 100:
            raise RuntimeError("the class algebra could not be diagonalised (eigenvalues never separated)")
        c_re, c_im = rng.standard_normal(k), rng.standard_normal(k)
        A = np.tensordot(c_re, N, axes=1) + 1j * np.tensordot(c_im, N, axes=1)  # Σ c_j N_j
        A = V.conj().T @ A @ V
        H = A + A.conj().T
        lam, U = np.linalg.eigh(H)
        scale = max(1.0, float(np.max(np.abs(lam))))
        gaps = np.diff(lam)
        cuts = np.flatnonzero(gaps > 1e-4 * scale) + 1
        if len(cuts) == 0:
            queue.append(V)
            continue
        for block in np.split(np.arange(r), cuts):
            queue.append(V @ U[:, block])
    return np.hstack(done)


def _row_order(values: np.ndarray) -> list[int]:
    """Rows sorted by degree, real before non-real, then by values (larger real part, then imaginary part, first)."""
    k = values.shape[1]
    re = -np.round(values.real, 6) + 0.0
    im = -np.round(values.imag, 6) + 0.0
    nonreal = (np.abs(values.imag) > 1e-8).any(axis=1)
    keys = []  # np.lexsort sorts by the last key first
    for j in range(k - 1, -1, -1):
        keys += [im[:, j], re[:, j]]
    keys += [nonreal, np.round(values[:, 0].real)]
    return np.lexsort(keys).tolist()


def _compute_table(G: FiniteGroup) -> CharacterTable:
    n = G.order
    raw = class_labels(G)
    # renumber so that the identity's class is first, the rest keep their order
    k = int(raw.max()) + 1
    id_cls = int(raw[G.identity])
    perm = [id_cls] + [c for c in range(k) if c != id_cls]
    new_index = np.empty(k, dtype=np.int64)
    new_index[perm] = np.arange(k)
    class_of = new_index[raw]
    classes = [np.flatnonzero(class_of == j).tolist() for j in range(k)]
    sizes = np.array([len(c) for c in classes], dtype=np.float64)

    M = _class_matrices(G, classes, class_of)  # M[j] has (l, m) entry c_{jlm}
    s = np.sqrt(sizes)
    # N_j = D^{-1/2} M_j D^{1/2} / |C_j|: normal, eigenvalues χ(g_j)/χ(1)
    N = (M * s[None, None, :] / s[None, :, None]) / sizes[:, None, None]
    rng = np.random.default_rng(_SEED)
    V = _split_common_eigenvectors(N, rng)
    if V.shape[1] != k:
        raise RuntimeError(f"found {V.shape[1]} characters for {k} classes of {G.name}")
    W = V * s[:, None]  # ω_m = |C_m|^{1/2} v_m up to scale
    W = W / W[0][None, :]  # identity entry 1
    deg2 = n / np.sum(np.abs(W) ** 2 / sizes[:, None], axis=0)
    degrees = np.sqrt(deg2)
    chars = (degrees[None, :] * W / sizes[:, None]).T  # rows: characters
    values = snap(np.asarray(chars, dtype=np.complex128), _CLEAN_TOL)
    d_int = np.round(values[:, 0].real).astype(np.int64)
    if np.max(np.abs(values[:, 0] - d_int)) > 1e-6:
        raise RuntimeError(f"non-integral character degrees {values[:, 0]} for {G.name}")
    # order: trivial first, then by degree, real before complex, then by values
    trivial = int(np.argmin(np.max(np.abs(values - 1), axis=1)))
    others = [i for i in _row_order(values) if i != trivial]
    values = values[[trivial] + others]
    table = CharacterTable(G, classes, class_of, values)
    _validate(table)
    return table


def _validate(t: CharacterTable) -> None:
    n = t.group.order
    d = t.degrees
    if int(np.sum(d * d)) != n:
        raise RuntimeError(f"Σ χ(1)² = {int(np.sum(d * d))} ≠ |G| = {n} for {t.group.name}")
    if np.any(n % d):
        raise RuntimeError(f"a degree in {d.tolist()} does not divide |G| = {n}")
    err = np.max(np.abs(t.row_gram() - np.eye(len(t))))
    if err > 1e-8:
        raise RuntimeError(f"the computed characters of {t.group.name} are not orthonormal (error {err:.2e})")
    if np.max(np.abs(t.values[0] - 1)) > 1e-9:
        raise RuntimeError("row 0 is not the trivial character")


def character_table(G: FiniteGroup, *, cache: bool = True) -> CharacterTable:
    """The character table of any finite group (Burnside–Dixon, see the module docstring).

    Works for every :class:`~grouptools.FiniteGroup`, including one made with
    :meth:`FiniteGroup.from_table` whose identity is not label 0. Results are
    cached per group (``cache=False`` recomputes).

    **What is canonical.** Classes are ordered by their smallest label (the identity's
    first) and rows by degree, then real before non-real, then by value (see
    :class:`CharacterTable`); a value is a character value, which no choice of basis
    can change (the eigenvectors of step 4 are rescaled to identity entry 1). Values
    within 1e-9 of an integer are exact integers. So the table is the same on every
    machine, to rounding in its irrational entries (about 1e-13).

    >>> import grouptools as gt
    >>> character_table(gt.symmetric(3)).degrees.tolist()
    [1, 1, 2]

    Explained in Chapter 6, *Character tables*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"character_table needs a FiniteGroup, not {type(G).__name__}")
    if cache:
        hit = _TABLE_CACHE.get(G)
        if hit is not None:
            return hit
    table = _compute_table(G)
    if cache:
        _TABLE_CACHE.set(G, table)
    return table


# --------------------------------------------------------------------------- using characters


def inner_product(G: FiniteGroup, chi: Sequence[complex] | np.ndarray, psi: Sequence[complex] | np.ndarray) -> complex:
    """⟨χ, ψ⟩ = (1/|G|) Σ_g χ(g) conj(ψ(g)) for functions given on elements (length |G|).

    Explained in Chapter 6, *Orthogonality relations*.
    """
    chi = np.asarray(chi, dtype=np.complex128)
    psi = np.asarray(psi, dtype=np.complex128)
    if chi.shape != (G.order,) or psi.shape != (G.order,):
        raise ValueError(
            f"both functions need one value per element of {G.name} ({G.order}), got shapes {chi.shape} and {psi.shape}"
        )
    return complex(np.vdot(psi, chi) / G.order)


def multiplicities(rho: "Representation | Sequence[complex] | np.ndarray", table: CharacterTable | None = None) -> np.ndarray:
    """How often each irreducible representation occurs in ``rho``: m_i = ⟨χ_ρ, χ_i⟩.

    ``rho`` is a :class:`~grouptools.representations.Representation` or a
    character given on elements. The result is an integer array indexed like the
    rows of the character table; ``ValueError`` if the inner products are not
    non-negative integers (``rho`` was then not a character).

    Explained in Chapter 6, *Decomposing a representation*.
    """
    if hasattr(rho, "character") and hasattr(rho, "group"):
        G = rho.group
        chi = rho.character()
    else:
        if table is None:
            raise ValueError("pass the character table when decomposing a bare character")
        G = table.group
        chi = np.asarray(rho, dtype=np.complex128)
    t = table if table is not None else character_table(G)
    if t.group is not G and t.group != G:
        raise ValueError("the character table belongs to a different group")
    values = t.on_classes(chi)
    m = (t.values.conj() * (t.class_sizes / G.order)) @ values
    m_int = np.round(m.real).astype(np.int64)
    if np.max(np.abs(m - m_int)) > 1e-6 or np.any(m_int < 0):
        raise ValueError(f"⟨χ, χ_i⟩ = {np.round(m, 4).tolist()} are not non-negative integers: not a character")
    return m_int


def frobenius_schur_indicator(G: FiniteGroup, chi: Sequence[complex] | np.ndarray) -> complex:
    """ν(χ) = (1/|G|) Σ_g χ(g²): 1 if the irrep has a real form, 0 if χ is not real, −1 if quaternionic.

    ``chi`` is given on elements (length |G|).

    Explained in Chapter 6, *Real, complex and quaternionic representations*.
    """
    chi = np.asarray(chi, dtype=np.complex128)
    if chi.shape != (G.order,):
        raise ValueError(f"a character of {G.name} has {G.order} values, not shape {chi.shape}")
    sq = G.table[np.arange(G.order), np.arange(G.order)]
    nu = complex(np.mean(chi[sq]))
    return complex(snap(np.array([nu], dtype=np.complex128), _CLEAN_TOL)[0])


def plot_character_table(
    table: CharacterTable,
    ax: Any = None,
    *,
    part: str = "real",
    annotate: bool | None = None,
    title: str | None = None,
    cmap: str = "RdBu_r",
) -> Any:
    """Draw a character table as a heat map: rows are irreps, columns conjugacy classes.

    ``part`` is ``"real"``, ``"imag"`` or ``"abs"``. Values are scaled by the
    degree (χ(g)/χ(1) lies in the unit disc), so every row uses the same colour
    scale: red is +1 (the element acts as the identity), blue is −1. Cells are
    annotated with the values when the table is small. Returns the ``Axes``.

    Explained in Chapter 6, *Character tables*.
    """
    import matplotlib.pyplot as plt

    if part not in ("real", "imag", "abs"):
        raise ValueError(f"part must be 'real', 'imag' or 'abs', not {part!r}")
    v = table.values / table.degrees[:, None]
    data = {"real": v.real, "imag": v.imag, "abs": np.abs(v)}[part]
    k = table.num_classes
    if ax is None:
        size = (min(12, 0.6 * k + 3), min(10, 0.5 * k + 2))
        _, ax = plt.subplots(figsize=size)
    im = ax.imshow(data, cmap=cmap, vmin=-1, vmax=1, interpolation="nearest", aspect="auto")
    if annotate is None:
        annotate = k <= 12
    if annotate:
        e = table.exponent
        for i in range(k):
            for j in range(k):
                s = format_character_value(table.values[i, j], e, 2)
                colour = "white" if abs(data[i, j]) > 0.6 else "black"
                ax.text(j, i, s, ha="center", va="center", fontsize=8 if len(s) < 6 else 6, color=colour)
    if k <= 30:
        ax.set_xticks(range(k), [f"{c}\n({s})" for c, s in zip(table.class_names, table.class_sizes)])
        ax.set_yticks(range(k), [f"{nm} (d={d})" for nm, d in zip(table.names, table.degrees)])
    ax.set_xlabel("conjugacy class (order + letter, class size)")
    ax.set_ylabel("irreducible character")
    label = {"real": "Re", "imag": "Im", "abs": "|·|"}[part]
    ax.set_title(title or f"Character table of {table.group.name}: colour = {label} χ(g)/χ(1)")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04)
    return ax
