"""Checkers for the Chapter 6 exercises (``exercises/06_representations_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on several
groups — cyclic and dihedral groups, S3, S4, A4, Q8, a direct product, and a
relabelled S3 built with :meth:`~grouptools.FiniteGroup.from_table` whose
identity is label 4 — and compares the answers with
:mod:`grouptools.characters`, :mod:`grouptools.irreps` and
:mod:`grouptools.fourier`. Where an answer is only defined up to equivalence (a
representation found by hand) the checker tests what does not depend on the
basis: the homomorphism property and irreducibility through ⟨χ, χ⟩ = 1. It
returns a :class:`~grouptools.exercises.Feedback` that names the first input
where the answer is wrong, what came back and why it is wrong; it never raises.

Explained in Chapter 6 exercises, *How the checks work*.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .. import subgroups as sg
from ..characters import character_table
from ..formatting import fmt, fmt_list
from ..fourier import fourier_transform
from ..groups import FiniteGroup
from ..irreps import irreps
from ..named import alternating, cyclic, dihedral, direct_product, quaternion, symmetric
from ..representations import regular_representation
from ._feedback import ExerciseFailure, _as_bool, _call, _is_label, _returned, checker
from .ch02 import _el

__all__ = [
    "check_is_representation",
    "check_standard_irrep",
    "check_class_inner_product",
    "check_decompose",
    "check_indicator",
    "check_fourier_coefficients",
    "check_equivariant_parameters",
]

#: The relabelling of S3 used by the checkers: S3's element a becomes label ``_PERM[a]``.
_PERM = [4, 2, 0, 5, 1, 3]


# ---------------------------------------------------------------------- helpers
def relabelled_s3() -> FiniteGroup:
    """S3 with its elements renumbered (the identity ``()`` is label 4), built with ``from_table``.

    Explained in Chapter 6 exercises, *How the checks work*.
    """
    return symmetric(3).relabelled(_PERM, name="a relabelled S3 (identity = label 4)")


def _groups() -> list[FiniteGroup]:
    return [
        cyclic(3),
        symmetric(3),
        relabelled_s3(),
        dihedral(4),
        quaternion(),
        cyclic(1),
        cyclic(4),
        alternating(4),
        symmetric(4),
        direct_product(cyclic(3), quaternion()),
    ]


def _shown(value: Any) -> str:
    """How to quote what the learner returned (large arrays by their shape only)."""
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"an array of shape {value.shape}"
    return _returned(value)


def _fmt(z: complex) -> str:
    """A number rounded to 4 decimals, without an imaginary part when it is real (never ``-0``)."""
    return fmt(complex(z), 4, trim=True)


def _mat(values: Any) -> str:
    """A vector or matrix as a nested list, rounded like :func:`_fmt`."""
    return fmt_list(np.asarray(values), 4)


def _number(value: Any, where: str) -> complex:
    if value is None or isinstance(value, (bool, np.bool_, str)):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return a number")
    try:
        arr = np.asarray(value, dtype=np.complex128)
    except (TypeError, ValueError):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return a number") from None
    if arr.shape != ():
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return one number")
    return complex(arr)


def _matrices(value: Any, where: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    """The learner's family of matrices as a complex array of the given shape, or a clear failure."""
    if hasattr(value, "matrices") and hasattr(value, "group"):  # a gt Representation
        value = value.matrices
    try:
        arr = np.asarray(value, dtype=np.complex128)
    except (TypeError, ValueError):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}") from None
    if arr.shape != shape:
        shown = _shown(value) if arr.ndim == 0 else f"an array of shape {arr.shape}"
        raise ExerciseFailure(f"{where} you returned {shown}; return {what}")
    if not np.all(np.isfinite(arr)):
        raise ExerciseFailure(f"{where} your matrices contain inf or nan")
    return arr


def _homomorphism_problem(G: FiniteGroup, mats: np.ndarray) -> str | None:
    """Why ``mats`` (indexed by label) is not a representation of G, or None when it is one."""
    d = mats.shape[1]
    tol = 1e-8 * max(1.0, float(np.abs(mats).max()))
    e = G.identity
    if np.abs(mats[e] - np.eye(d)).max() > tol:
        return f"ρ(e) = {_mat(mats[e])} is not the identity matrix (the identity is {_el(G, e)})"
    for g in G.elements:
        for h in G.elements:
            gh = int(G.table[g, h])
            if np.abs(mats[g] @ mats[h] - mats[gh]).max() > tol:
                return (
                    f"for g = {_el(G, g)} and h = {_el(G, h)}, ρ(g)ρ(h) = {_mat(mats[g] @ mats[h])} "
                    f"but ρ(g·h) = ρ({G.names[gh]}) = {_mat(mats[gh])}"
                )
    return None


def _coset_action(G: FiniteGroup, H: Sequence[int]) -> np.ndarray:
    """action[g, i] = j when g·(coset i) = coset j, the cosets of H numbered as sg.left_cosets lists them."""
    cosets = sg.left_cosets(G, list(H))
    coset_of = {x: k for k, c in enumerate(cosets) for x in c}
    return np.array([[coset_of[G.product(g, c[0])] for c in cosets] for g in G.elements], dtype=np.int64)


def _actions() -> list[tuple[FiniteGroup, np.ndarray, str]]:
    """Permutation actions (action[g, x] = g·x) used by Exercises 6.4 and 6.7 (tests check the action law)."""
    out: list[tuple[FiniteGroup, np.ndarray, str]] = []
    S3, S4, A4, D4, Q8, R = symmetric(3), symmetric(4), alternating(4), dihedral(4), quaternion(), relabelled_s3()
    for Sn in (S3, S4):
        perms = np.asarray(Sn.permutations.perms, dtype=np.int64)
        n = perms.shape[1]
        out.append((Sn, perms, f"{Sn.name} permuting {n} points"))
        pairs = np.array([[p[i] * n + p[j] for i in range(n) for j in range(n)] for p in perms], dtype=np.int64)
        out.append((Sn, pairs, f"{Sn.name} permuting the {n * n} entries of {n}×{n} matrices"))
    out.append((R, _coset_action(R, [R.label("()"), R.label("(0 1)")]), f"{R.name} on the 3 cosets of {{(), (0 1)}}"))
    out.append((cyclic(6), (np.arange(6)[:, None] + np.arange(6)[None, :]) % 6, "Z6 shifting a sequence of length 6"))
    corners = np.array([[(k + x) % 4 if g < 4 else (k - x) % 4 for x in range(4)] for g in range(8) for k in [g % 4]])
    out.append((D4, corners, "D4 on the 4 corners of a square"))
    out.append((A4, np.asarray(A4.permutations.perms, dtype=np.int64), "A4 permuting 4 points"))
    subsets = [(i, j) for i in range(4) for j in range(i + 1, 4)]
    index = {s: k for k, s in enumerate(subsets)}
    on_pairs = [[index[tuple(sorted((p[i], p[j])))] for i, j in subsets] for p in S4.permutations.perms]
    out.append((S4, np.array(on_pairs, dtype=np.int64), "S4 on the 6 edges of a tetrahedron (pairs {i, j})"))
    out.append((Q8, _coset_action(Q8, [Q8.label("1"), Q8.label("-1")]), "Q8 on the 4 cosets of {1, -1}"))
    return out


def _fixed_points(action: np.ndarray) -> np.ndarray:
    return (action == np.arange(action.shape[1])).sum(axis=1)


# ---------------------------------------------------------------------- 6.1
@checker("Exercise 6.1")
def check_is_representation(is_representation: Callable[[FiniteGroup, np.ndarray], bool]) -> str:
    """Check ``is_representation(G, mats)``: True exactly when ρ(e) = I and ρ(g)ρ(h) = ρ(g·h)
    for all g, h, up to rounding, where ``mats[g]`` is ρ(g).

    Explained in Chapter 6 exercises, *Exercise 6.1 · Is it a representation?*
    """
    S3, R, D4, Q8, Z4 = symmetric(3), relabelled_s3(), dihedral(4), quaternion(), cyclic(4)
    std = irreps(S3)[2].matrices
    swapped = std.copy()
    t1, t2 = S3.label("(0 1)"), S3.label("(1 2)")
    swapped[[t1, t2]] = swapped[[t2, t1]]  # every trace unchanged, the products broken
    square = irreps(D4)[4].matrices
    reflections = np.array([-np.eye(2) if "s" in D4.names[g] else np.eye(2) for g in D4.elements])
    cases: list[tuple[FiniteGroup, np.ndarray, str]] = [
        (S3, std, "ρ₂ = irreps(S3)[2], the 2-dimensional irrep of S3"),
        (S3, swapped, "ρ₂ of S3 with the matrices of (0 1) and (1 2) swapped"),
        (Z4, np.array([1, 1j, -1, -1j]).reshape(4, 1, 1), "ρ(k) = iᵏ on Z4"),
        (Z4, np.array([1, 1j, 1, -1j]).reshape(4, 1, 1), "ρ(k) = 1, i, 1, -i on Z4"),
        (S3, np.zeros((6, 2, 2)), "the zero matrices on S3"),
        (S3, np.tile(np.diag([1.0, 0.0]), (6, 1, 1)), "ρ(g) = diag(1, 0) for every g of S3"),
        (R, irreps(R)[2].matrices, f"ρ₂ = irreps(R)[2] for R = {R.name}"),
        (R, std, f"S3's ρ₂ indexed by the labels of symmetric(3), on R = {R.name}"),
        (D4, square, "ρ₄ = irreps(D4)[4], the symmetries of the square"),
        (D4, np.transpose(square, (0, 2, 1)).copy(), "the transposes ρ₄(g)ᵀ of D4's 2-dimensional irrep"),
        (D4, reflections, "ρ = I on the rotations and −I on the reflections of D4"),
        (D4, square + 1e-13, "ρ₄ of D4 plus 1e-13 in every entry (rounding noise)"),
        (Q8, irreps(Q8)[4].matrices, "ρ₄ = irreps(Q8)[4], the quaternions as 2×2 complex matrices"),
        (cyclic(1), np.ones((1, 1, 1)), "ρ(e) = 1 on Z1"),
    ]
    for G, mats, what in cases:
        where = f"for {what}"
        problem = _homomorphism_problem(G, mats)
        got = _as_bool(_call(is_representation, where, G, np.array(mats)), what)
        if got and problem is not None:
            raise ExerciseFailure(f"{where} you returned True, but {problem}")
        if not got and problem is None:
            raise ExerciseFailure(
                f"{where} you returned False, but it is a representation: ρ(e) = I and ρ(g)ρ(h) = ρ(g·h) "
                f"for all {G.order ** 2} pairs (g, h), up to rounding (e = {_el(G, G.identity)})"
            )
    return f"all {len(cases)} families of matrices judged correctly"


# ---------------------------------------------------------------------- 6.2
@checker("Exercise 6.2")
def check_standard_irrep(standard_irrep: Callable[[FiniteGroup], Any]) -> str:
    """Check ``standard_irrep(G)`` for a copy G of S3: six 2×2 matrices (indexed by label) forming an
    irreducible representation — tested without reference to a basis: ρ is a homomorphism and ⟨χ, χ⟩ = 1.

    Explained in Chapter 6 exercises, *Exercise 6.2 · A 2-dimensional irrep of S3 by hand*.
    """
    S3 = symmetric(3)
    other = [3, 5, 1, 0, 2, 4]  # a second relabelling: the identity is label 3
    groups = [S3, relabelled_s3(), S3.relabelled(other, name="a relabelled S3 (identity = label 3)")]
    for G in groups:
        where = f"for {G.name}"
        mats = _matrices(
            _call(standard_irrep, where, G), where, (6, 2, 2), "an array of shape (6, 2, 2): ρ(g) for each label g"
        )
        problem = _homomorphism_problem(G, mats)
        if problem is not None:
            raise ExerciseFailure(f"{where} your matrices are not a representation: {problem}")
        chi = np.trace(mats, axis1=1, axis2=2)
        norm = float(np.mean(np.abs(chi) ** 2))
        if abs(norm - 1) > 1e-6:
            shown = ", ".join(f"χ({G.names[g]}) = {_fmt(chi[g])}" for g in G.elements)
            raise ExerciseFailure(
                f"{where} your representation is reducible: ⟨χ, χ⟩ = {_fmt(norm)}, not 1 ({shown}); "
                "it has an invariant line, so it splits into two 1-dimensional representations"
            )
    return "a 2-dimensional irreducible representation on all three copies of S3 (⟨χ, χ⟩ = 1)"


# ---------------------------------------------------------------------- 6.3
@checker("Exercise 6.3")
def check_class_inner_product(class_inner_product: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> str:
    """Check ``class_inner_product(sizes, chi, psi)`` = (1/|G|) Σ_j |C_j| χ_j conj(ψ_j) for class functions
    given by their values on the conjugacy classes.

    Explained in Chapter 6 exercises, *Exercise 6.3 · Orthogonality on classes*.
    """
    count = 0
    for G in _groups():
        t = character_table(G)
        k = len(t)
        f = np.arange(1, k + 1) + 1j * np.arange(k)[::-1]  # a class function that is not a character
        tests = [(f"χ{i} and χ{j} of {G.name}", t.values[i], t.values[j]) for i in range(k) for j in range(k)]
        tests.append((f"f = {_mat(f)} and χ{k - 1} of {G.name}", f, t.values[k - 1]))
        for what, chi, psi in tests:
            where = f"for {what} (class sizes {t.class_sizes.tolist()})"
            want = complex(np.sum(t.class_sizes * chi * np.conj(psi)) / G.order)
            got = _number(_call(class_inner_product, where, t.class_sizes.copy(), np.array(chi), np.array(psi)), where)
            if abs(got - want) > 1e-8:
                raise ExerciseFailure(
                    f"{where} you returned {_fmt(got)}, expected {_fmt(want)} "
                    f"(χ = {_mat(chi)}, ψ = {_mat(psi)})"
                )
            count += 1
    return f"{count} inner products correct: the rows of every character table are orthonormal"


# ---------------------------------------------------------------------- 6.4
@checker("Exercise 6.4")
def check_decompose(decompose: Callable[[FiniteGroup, np.ndarray], Any]) -> str:
    """Check ``decompose(G, chi)``: the multiplicities ⟨χ, χᵢ⟩ of the irreducible characters (the rows of
    ``character_table(G)``) in a character χ given on elements.

    Explained in Chapter 6 exercises, *Exercise 6.4 · Decomposing a permutation representation*.
    """
    cases: list[tuple[FiniteGroup, np.ndarray, str]] = []
    for G, action, what in _actions():
        cases.append((G, _fixed_points(action).astype(np.complex128), f"the permutation character of {what}"))
    for G in _groups():
        t = character_table(G)
        last = t.character(len(t) - 1)
        cases.append((G, regular_representation(G).character(), f"the regular character of {G.name}"))
        cases.append((G, t.character(0) + 2 * last, f"χ0 + 2·χ{len(t) - 1} of {G.name}"))
        cases.append((G, last * last, f"χ{len(t) - 1}² of {G.name}"))
    for G, chi, what in cases:
        t = character_table(G)
        where = f"for {what}"
        want = np.round(((t.values.conj() * t.class_sizes) @ t.on_classes(chi) / G.order).real).astype(int)
        got = _call(decompose, where, G, np.array(chi))
        if isinstance(got, np.ndarray):
            got = got.tolist()
        if not isinstance(got, (list, tuple)) or not all(
            isinstance(m, (int, float, np.integer, np.floating)) and not isinstance(m, (bool, np.bool_)) for m in got
        ):
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return a list of {len(t)} integers")
        if len(got) != len(t):
            raise ExerciseFailure(
                f"{where} you returned {len(got)} numbers, but {G.name} has {len(t)} irreducible characters: "
                "return one multiplicity per row of its character table"
            )
        for i, (m, w) in enumerate(zip(got, want)):
            if abs(float(m) - w) > 1e-6:
                raise ExerciseFailure(
                    f"{where} you returned {_mat(got)}, expected {want.tolist()}: "
                    f"the multiplicity of χ{i} is ⟨χ, χ{i}⟩ = {int(w)}, not {_fmt(m)}"
                )
    return f"all {len(cases)} characters decomposed correctly"


# ---------------------------------------------------------------------- 6.5
@checker("Exercise 6.5")
def check_indicator(indicator: Callable[[FiniteGroup, np.ndarray], Any]) -> str:
    """Check ``indicator(G, chi)`` = (1/|G|) Σ_g χ(g²), the Frobenius–Schur indicator of a character on elements.

    Explained in Chapter 6 exercises, *Exercise 6.5 · Real, complex or quaternionic?*
    """
    kinds = {1: "real", 0: "complex", -1: "quaternionic"}
    cases: list[tuple[FiniteGroup, np.ndarray, str, int, str]] = []
    for G in _groups() + [dihedral(5)]:
        t = character_table(G)
        for i in range(len(t)):
            what = f"χ{i} of {G.name} (values {_mat(t.values[i])} on the classes {t.class_names})"
            nu = int(t.indicators[i])
            cases.append((G, t.character(i), what, nu, f"ρ{i} is {kinds[nu]}"))
    for G in _groups():  # reducible characters: ν counts the g with g² = e
        squares = G.table[G.elements, G.elements]
        k = int(np.sum(squares == G.identity))
        note = f"χ(g²) = |G| when g² = e and 0 otherwise, and g² = e holds for {k} element{'s' if k > 1 else ''} g"
        cases.append((G, regular_representation(G).character(), f"the regular character of {G.name}", k, note))
    for G, chi, what, want, note in cases:
        where = f"for {what}"
        got = _number(_call(indicator, where, G, np.array(chi)), where)
        if abs(got - want) > 1e-8:
            raise ExerciseFailure(f"{where} you returned {_fmt(got)}, expected ν = {want}: {note}")
    return f"{len(cases)} indicators correct (Q8's 2-dimensional irrep is quaternionic: ν = −1)"


# ---------------------------------------------------------------------- 6.6
@checker("Exercise 6.6")
def check_fourier_coefficients(fourier_coefficients: Callable[[FiniteGroup, np.ndarray, list], Any]) -> str:
    """Check ``fourier_coefficients(G, f, reps)`` = [f̂(ρ) = Σ_g f(g) ρ(g) for ρ in reps].

    Explained in Chapter 6 exercises, *Exercise 6.6 · Fourier coefficients*.
    """
    rng = np.random.default_rng(6)
    count = 0
    for G in _groups():
        reps = irreps(G)
        delta = np.zeros(G.order)
        delta[G.identity] = 1.0
        tests = [(delta, f"f = the indicator of the identity {_el(G, G.identity)} on {G.name}")]
        tests.append((rng.integers(-3, 4, G.order).astype(float), f"an integer-valued f on {G.name}"))
        tests.append((rng.standard_normal(G.order) + 1j * rng.standard_normal(G.order), f"a complex f on {G.name}"))
        for f, what in tests:
            where = f"for {what}"
            want = fourier_transform(G, f, reps)
            got = _call(fourier_coefficients, where, G, f.copy(), list(reps))
            if isinstance(got, np.ndarray) and got.ndim == 3:
                got = list(got)  # all irreps of the same degree, stacked
            if not isinstance(got, (list, tuple)):
                raise ExerciseFailure(
                    f"{where} you returned {_shown(got)}; return a list with one matrix f̂(ρ) per ρ in reps"
                )
            if len(got) != len(want):
                raise ExerciseFailure(
                    f"{where} you returned {len(got)} matrices, but there are {len(want)} irreps: one f̂(ρ) each"
                )
            for rho, a, b in zip(reps, got, want):
                a = _matrices(a, where, b.shape, f"a {rho.degree}×{rho.degree} matrix for {rho.name}")
                if not np.allclose(a, b, atol=1e-8):
                    r, c = np.unravel_index(int(np.argmax(np.abs(a - b))), b.shape)
                    hint = ""
                    if np.allclose(a, b.T, atol=1e-8) and rho.degree > 1:
                        hint = " (your matrix is the transpose: use ρ(g) itself)"
                    elif np.allclose(a, b.conj(), atol=1e-8):
                        hint = " (your matrix is the complex conjugate: f̂(ρ) = Σ f(g) ρ(g), no conjugation)"
                    elif np.allclose(a, b.conj().T, atol=1e-8):
                        hint = " (your matrix is the conjugate transpose: f̂(ρ) = Σ f(g) ρ(g), no ρ(g)†)"
                    elif np.allclose(a * G.order, b, atol=1e-8):
                        hint = f" (your matrix is f̂(ρ)/|G|: the transform Σ f(g) ρ(g) has no factor 1/{G.order})"
                    raise ExerciseFailure(
                        f"{where} the entry [{r}, {c}] of f̂({rho.name}) (degree {rho.degree}) is {_fmt(a[r, c])}, "
                        f"expected {_fmt(b[r, c])}{hint}"
                    )
            count += 1
    return f"{count} Fourier transforms agree with gt.fourier.fourier_transform"


# ---------------------------------------------------------------------- 6.7
@checker("Exercise 6.7")
def check_equivariant_parameters(equivariant_parameters: Callable[[FiniteGroup, np.ndarray], Any]) -> str:
    """Check ``equivariant_parameters(G, action)``: dim {W : W P(g) = P(g) W for all g} = ⟨χ_P, χ_P⟩
    for the permutation representation P of ``action[g, x]`` = g·x.

    Explained in Chapter 6 exercises, *Exercise 6.7 · Counting equivariant layers*.
    """
    cases = _actions()
    for G, action, what in cases:
        where = f"for {what}"
        chi = _fixed_points(action).astype(float)
        want = int(round(float(np.mean(chi**2))))
        got = _call(equivariant_parameters, where, G, action.copy())
        if not (_is_label(got) or isinstance(got, (float, np.floating))) or not np.isfinite(got):
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return an integer")
        if abs(float(got) - want) > 1e-6:
            fixed = sorted(set(int(c) for c in chi))
            raise ExerciseFailure(
                f"{where} you returned {_fmt(got)}, expected ⟨χ_P, χ_P⟩ = (1/|G|) Σ_g χ_P(g)² = {want} "
                f"(χ_P(g) is the number of points g fixes; here it takes the values {fixed})"
            )
    return f"all {len(cases)} parameter counts correct (Deep Sets: 2; S4 on 4×4 matrices: 15)"
