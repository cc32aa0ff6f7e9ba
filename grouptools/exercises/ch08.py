"""Checkers for the Chapter 8 exercises (``exercises/08_learning_representations_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on seeded inputs built from
the groups S3, D4, Q8, S4 and Z5 (some relabelled, so that the identity is not label 0) —
Cayley tables, irrep matrices from :func:`~grouptools.irreps`, random real embedding
matrices, logit tensors — and compares the answer with ``grouptools``' reference
implementations from the chapter (:func:`~grouptools.nn.interpret.product_with_inverse`,
:func:`~grouptools.nn.interpret.irrep_fractions`,
:func:`~grouptools.nn.interpret.character_similarity`,
:func:`~grouptools.nn.interpret.project_irreps`) or with the kernel of the irrep's matrices.
It returns a :class:`~grouptools.exercises.Feedback` that names the first input where the
answer is wrong, what came back and, where it can tell, why; it never raises. Random inputs
come from local ``numpy.random.default_rng`` generators: the learner's random state is not
touched.

Explained in Chapter 8 exercises, *How the checks work*.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np

from ..groups import FiniteGroup
from ..irreps import irreps
from ..formatting import fmt
from ..named import cyclic, dihedral, quaternion, symmetric
from ..nn.group_learning import group_table_dataset
from ..nn.interpret import character_similarity, irrep_fractions, product_with_inverse, project_irreps, real_irreps
from ._feedback import ExerciseFailure, _as_bool, _call, checker
from ._tensors import _num, _number, _pair, _shown, _tensor

__all__ = [
    "check_split_table",
    "check_product_with_inverse",
    "check_irrep_share",
    "check_is_faithful",
    "check_character_similarity",
    "check_remove_irreps",
]


# ---------------------------------------------------------------------- helpers
_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


def _groups() -> list[tuple[str, FiniteGroup]]:
    """The test groups; D4 and S4 are relabelled so that the identity is not label 0."""
    D4 = dihedral(4)
    S4 = symmetric(4)
    return [
        ("S3", symmetric(3)),
        ("D4 (relabelled)", D4.relabelled([(g + 3) % D4.order for g in D4.elements])),
        ("Q8", quaternion()),
        ("S4 (relabelled)", S4.relabelled([(g + 5) % S4.order for g in S4.elements])),
        ("Z5", cyclic(5)),
    ]


def _real_matrix(value: Any, where: str, shape: tuple[int, ...], what: str) -> np.ndarray:
    return _tensor(value, where, shape, what).numpy()


def _embedding(G: FiniteGroup, k: int, rng: np.random.Generator) -> np.ndarray:
    return rng.standard_normal((G.order, k))


def _member_of(G: FiniteGroup) -> dict[int, int]:
    """Complex irrep index → index of the real irrep that contains it."""
    return {m: r for r, piece in enumerate(real_irreps(G)) for m in piece.members}


def _irrep_name(G: FiniteGroup, i: int) -> str:
    rho = irreps(G)[i]
    return f"ρ{str(i).translate(_SUBSCRIPTS)} (degree {rho.degree})"


# ---------------------------------------------------------------------- 8.1
def _split_cases() -> list[tuple[str, FiniteGroup, float, int]]:
    groups = dict(_groups())
    return [  # round(f·|G|²) is never a tie, and differs from int(f·|G|²) for S3 and S4
        ("S3", groups["S3"], 0.3, 0),
        ("D4 (relabelled)", groups["D4 (relabelled)"], 0.5, 1),
        ("Q8", groups["Q8"], 0.75, 2),
        ("S4 (relabelled)", groups["S4 (relabelled)"], 0.6, 3),
        ("Z5", groups["Z5"], 0.4, 4),
    ]


def _rows(value: Any, where: str, part: str, n: int) -> np.ndarray:
    """One part of the learner's split as an integer array of rows (a, b, c), or a clear failure."""
    what = f"the {part} rows, an integer array of shape (number of pairs, 3)"
    try:
        shape = np.shape(value)
    except (TypeError, ValueError):  # ragged lists
        shape = ()
    if value is None or len(shape) != 2 or shape[1] != 3:
        raise ExerciseFailure(f"{where} your {part} part is {_shown(value)}; return {what}")
    arr = _tensor(value, where, tuple(shape), what).numpy()
    if not np.array_equal(arr, np.round(arr)) or arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ExerciseFailure(f"{where} your {part} rows contain entries that are not element labels 0 … {n - 1}")
    return np.round(arr).astype(int)


def _call_keeping_random_state(function: Callable[..., Any], where: str, *args: Any) -> Any:
    """Call the learner's function; fail (after restoring it) if it changed numpy's global random state."""
    state = np.random.get_state()
    try:
        out = _call(function, where, *args)
    finally:
        after = np.random.get_state()
        changed = not (np.array_equal(state[1], after[1]) and state[2:] == after[2:])
        np.random.set_state(state)
    if changed:
        raise ExerciseFailure(
            f"{where} your function changed numpy's global random state (np.random.seed, np.random.permutation, …); "
            "draw from a generator of your own, np.random.default_rng(seed), so that the split depends on the seed only"
        )
    return out


@checker("Exercise 8.1")
def check_split_table(split_table: Callable[[list, float, int], Any]) -> str:
    """Check ``split_table(table, train_fraction, seed)``: a seeded random partition of the |G|² rows (a, b, a·b).

    Explained in Chapter 8 exercises, *Exercise 8.1 · Holding out part of the table*.
    """
    cases = _split_cases()
    for name, G, f, seed in cases:
        n = G.order
        T = np.asarray(G.table)
        table = [[int(v) for v in row] for row in T]
        where = f"for the table of {name} ({n * n} pairs), train_fraction = {f}, seed = {seed}"
        answer = _call_keeping_random_state(split_table, where, [list(r) for r in table], f, seed)
        train, test = (_rows(x, where, part, n) for x, part in zip(_pair(answer, where, "(train, test)"), ("train", "test")))
        k = len(group_table_dataset(G, f, seed).train_idx)
        if len(train) != k:
            hint = f" (int() rounds {f}·{n * n} = {f * n * n:g} down; use round())" if len(train) == int(f * n * n) else ""
            raise ExerciseFailure(
                f"{where} you returned {len(train)} training rows, expected round({f}·{n * n}) = {k}{hint}"
            )
        for part, rows in (("train", train), ("test", test)):
            wrong = [r for r in rows if T[r[0], r[1]] != r[2]]
            if wrong:
                a, b, c = (int(v) for v in wrong[0])
                nm = G.element_name
                hint = " — that is b·a; the target is a·b" if T[b, a] == c else ""
                raise ExerciseFailure(
                    f"{where} your {part} row ({a}, {b}, {c}) says {nm(a)}·{nm(b)} = {nm(c)}, but a·b = {nm(T[a, b])} "
                    f"(label {T[a, b]}){hint}"
                )
        pairs = np.concatenate([train[:, 0] * n + train[:, 1], test[:, 0] * n + test[:, 1]])
        counts = np.bincount(pairs, minlength=n * n)
        if np.any(counts != 1):
            p = int(np.argmax(counts != 1))
            a, b = divmod(p, n)
            in_train, in_test = p in set(train[:, 0] * n + train[:, 1]), p in set(test[:, 0] * n + test[:, 1])
            if counts[p] == 0:
                how = "is missing from both parts"
            elif counts[p] == 2 and in_train and in_test:
                how = "is in both parts"
            else:
                how = f"appears {counts[p]} times"
            raise ExerciseFailure(
                f"{where} the pair (a, b) = ({G.element_name(a)}, {G.element_name(b)}) {how}: train and test must "
                f"split the {n * n} pairs, each pair exactly once (draw a permutation, not samples with replacement)"
            )
        again = _call_keeping_random_state(split_table, where, [list(r) for r in table], f, seed)
        train_again = _rows(_pair(again, where, "(train, test)")[0], where, "train", n)
        if {tuple(r) for r in train_again} != {tuple(r) for r in train}:
            raise ExerciseFailure(f"{where}, calling your function twice with the same seed gave two different splits")
        other = _call_keeping_random_state(split_table, where, [list(r) for r in table], f, seed + 10)
        train_other = _rows(_pair(other, where, "(train, test)")[0], where, "train", n)
        if {tuple(r) for r in train_other} == {tuple(r) for r in train}:
            raise ExerciseFailure(
                f"{where}, the seeds {seed} and {seed + 10} gave the same training set: the split must be a random "
                "(seeded) choice of pairs; taking the first rows of the table in order holds out whole rows a, "
                "and nothing can be learnt about those elements"
            )
    return f"all {len(cases)} splits are seeded partitions of the table of the right sizes"


# ---------------------------------------------------------------------- 8.2
@checker("Exercise 8.2")
def check_product_with_inverse(product_with_inverse_fn: Callable[[list], Any]) -> str:
    """Check ``product_with_inverse(table)``: the integer array T[a, b, c] = label of a·b·c⁻¹.

    Explained in Chapter 8 exercises, *Exercise 8.2 · The tensor a·b·c⁻¹*.
    """
    cases = _groups()
    for name, G in cases:
        table = [[int(v) for v in row] for row in G.table]
        n = G.order
        where = f"for the Cayley table of {name}"
        got = _call(product_with_inverse_fn, where, [list(r) for r in table])
        arr = _real_matrix(got, where, (n, n, n), "an integer array T[a, b, c]")
        if not np.allclose(arr, np.round(arr)):
            raise ExerciseFailure(f"{where} your array has non-integer entries; return element labels")
        arr = np.round(arr).astype(int)
        want = product_with_inverse(G)
        if np.array_equal(arr, want):
            continue
        a, b, c = (int(v) for v in np.argwhere(arr != want)[0])
        T, inv = np.asarray(G.table), G.inverses
        nm = G.element_name
        hint = ""
        guesses = [
            (T[T[a, inv[c]], b], "a·c⁻¹·b: multiply in the order a, b, then c⁻¹"),
            (T[T[inv[c], a], b], "c⁻¹·a·b: c⁻¹ goes on the right"),
            (T[T[a, b], c], "a·b·c: you forgot to invert c"),
            (T[T[b, a], inv[c]], "b·a·c⁻¹: the group need not be abelian, keep the order a·b"),
            (T[inv[c], T[a, b]], "c⁻¹·(a·b): c⁻¹ goes on the right"),
        ]
        for value, why in guesses:
            if arr[a, b, c] == value != want[a, b, c]:
                hint = f" — that is {why}"
                break
        raise ExerciseFailure(
            f"{where}, at a = {nm(a)}, b = {nm(b)}, c = {nm(c)} (labels {a}, {b}, {c}) you returned "
            f"{arr[a, b, c]} ({nm(arr[a, b, c]) if 0 <= arr[a, b, c] < n else 'not a label'}), expected a·b·c⁻¹ = "
            f"{want[a, b, c]} ({nm(want[a, b, c])}){hint}"
        )
    return f"all {len(cases)} tables correct, including two whose identity is not label 0"


# ---------------------------------------------------------------------- 8.3
def _share_cases() -> list[tuple[str, FiniteGroup, int, np.ndarray]]:
    rng = np.random.default_rng(72)
    out = []
    for name, G in _groups():
        for i in range(len(irreps(G))):
            out.append((name, G, i, _embedding(G, 3, rng)))
    # an embedding that lives in one irrep: the real parts of the entries of the 2-dim irrep of S3
    S3 = symmetric(3)
    rho = irreps(S3)[2].matrices
    out.append(("S3, with E made of entries of ρ₂", S3, 2, np.real(rho.reshape(S3.order, -1))))
    return out


@checker("Exercise 8.3")
def check_irrep_share(irrep_share: Callable[[np.ndarray, np.ndarray], Any]) -> str:
    """Check ``irrep_share(E, rho)``: the share of ‖E‖² in the span of the matrix entries of one irrep.

    Explained in Chapter 8 exercises, *Exercise 8.3 · The share of one irrep*.
    """
    cases = _share_cases()
    for name, G, i, E in cases:
        reps = irreps(G)
        rho = reps[i]
        where = f"for {name}, the irrep {_irrep_name(G, i)} and a random E of shape {E.shape}"
        if "made of" in name:
            where = f"for {name} (its share there is 1)"
        r = _member_of(G)[i]
        want = float(irrep_fractions(G, E)[r]) / len(real_irreps(G)[r].members)
        got = _number(_call(irrep_share, where, E.copy(), np.array(rho.matrices)), where, "the share, one number in [0, 1]")
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        hint = ""
        d, n = rho.degree, G.order
        if math.isclose(got, want * n / d, rel_tol=1e-6):
            hint = " — off by the factor |G|/d: the entries g ↦ ρ(g)ᵢⱼ have squared norm |G|/d, not 1"
        elif len(real_irreps(G)[r].members) == 2 and math.isclose(got, 2 * want, rel_tol=1e-6):
            hint = " — that is the share of the pair ρ, ρ̄; this asks for the span of the entries of ρ alone"
        else:  # the sum over all irreps, which must be 1
            try:
                total = sum(
                    _number(irrep_share(E.copy(), np.array(s.matrices)), where, "a number") for s in reps
                )
                if not math.isclose(total, 1.0, abs_tol=1e-6):
                    hint = f" — your shares over all {len(reps)} irreps of {name} sum to {_num(total)}, not 1 (Plancherel)"
            except Exception:  # the hint is optional; the failure below is what counts
                pass
        raise ExerciseFailure(f"{where} you returned {_num(got)}, expected {_num(want)}{hint}")
    return f"all {len(cases)} shares agree with irrep_fractions (half of it for each member of a pair ρ, ρ̄)"


# ---------------------------------------------------------------------- 8.4
def _faithful_cases() -> list[tuple[str, FiniteGroup, int, np.ndarray]]:
    rng = np.random.default_rng(73)
    out = []
    for name, G in _groups():
        for i, rho in enumerate(irreps(G)):
            out.append((name, G, i, rho.character()))
    # the 2-dim irrep of S4 (not faithful) with rounding noise of size 1e-13 on its character
    name, S4 = _groups()[3]
    chi = irreps(S4)[2].character() + 1e-13 * rng.standard_normal(S4.order)
    out.append((name + ", with rounding noise of size 1e-13 on the character", S4, 2, chi))
    # faithful, with χ(1) = e^{iπ/6} only 0.52 away from χ(e) = 1: a loose tolerance takes 1 for the kernel
    Z12 = cyclic(12)
    out.append(("Z12", Z12, 2, irreps(Z12)[2].character()))
    return out


@checker("Exercise 8.4")
def check_is_faithful(is_faithful: Callable[[np.ndarray, int], Any]) -> str:
    """Check ``is_faithful(chi, identity)``: whether χ(g) = χ(e) only at g = e.

    Explained in Chapter 8 exercises, *Exercise 8.4 · Faithful irreps*.
    """
    cases = _faithful_cases()
    n_yes = 0
    for name, G, i, chi in cases:
        rho = irreps(G)[i]
        where = f"for {name} and the character of {_irrep_name(G, i)}"
        kernel = [g for g in G.elements if np.allclose(rho.matrices[g], np.eye(rho.degree), atol=1e-8)]
        want = kernel == [G.identity]
        n_yes += want
        got = _as_bool(_call(is_faithful, where, np.array(chi), G.identity), where[len('for '):])
        if got == want:
            continue
        nm = G.element_name
        at_zero = ""
        if G.identity != 0 and got == bool(np.isclose(chi, chi[0]).sum() == 1):  # the answer χ(label 0) gives
            at_zero = (
                f" (were you comparing with χ at label 0? Label 0 is {nm(0)}; the identity is label {G.identity},"
                " the argument `identity`)"
            )
        if want:
            big = [g for g in G.elements if g != G.identity and abs(abs(chi[g]) - chi[G.identity].real) < 1e-6]
            near = [g for g in G.elements if g != G.identity and abs(chi[g] - chi[G.identity]) < 0.75]
            detail = f"only the identity {nm(G.identity)} has χ(g) = χ(e) = {_num(chi[G.identity].real)}"
            if near:
                g = min(near, key=lambda h: abs(chi[h] - chi[G.identity]))
                detail += (
                    f"; at g = {nm(g)}, χ(g) = {fmt(complex(chi[g]), 4, trim=True)} is only "
                    f"{_num(abs(chi[g] - chi[G.identity]))} away from χ(e), but not equal: your tolerance is too loose "
                    "(np.isclose's default is right for rounding errors)"
                )
            elif big:
                g = big[0]
                detail += (
                    f"; at g = {nm(g)}, χ(g) = {_num(chi[g].real)}: |χ(g)| = χ(e) there, but ρ(g) is −I (or another"
                    " scalar), not I — compare χ(g) itself with χ(e), not its absolute value"
                )
            raise ExerciseFailure(f"{where} you returned False, expected True: {detail}{at_zero}")
        g = next(g for g in kernel if g != G.identity)
        detail = f"g = {nm(g)} ≠ e has χ(g) = {_num(chi[g].real)} = χ(e), so ρ(g) = I and g is in the kernel"
        if abs(chi[g] - chi[G.identity]) > 0:
            detail += " (up to rounding: compare with a tolerance such as np.isclose, not ==)"
        detail += at_zero
        raise ExerciseFailure(f"{where} you returned True, expected False: {detail}")
    return f"all {len(cases)} characters correct ({n_yes} faithful irreps, {len(cases) - n_yes} not faithful)"


# ---------------------------------------------------------------------- 8.5
def _logit_cases() -> list[tuple[str, FiniteGroup, int, np.ndarray]]:
    rng = np.random.default_rng(74)
    out = []
    picks = {"S3": [2, 0], "D4 (relabelled)": [4], "Q8": [4, 1], "S4 (relabelled)": [3], "Z5": [1, 3]}
    for name, G in _groups():
        n = G.order
        abc = product_with_inverse(G)
        reals = real_irreps(G)
        for i in picks[name]:
            # logits of the character algorithm for two real irreps, noise, and a large offset per (a, b)
            s = rng.integers(1, len(reals))
            L = 3.0 * reals[_member_of(G)[i] if i else 1].character[abc] + 1.5 * reals[s].character[abc]
            L += 0.5 * rng.standard_normal((n, n, n)) + 4.0 * rng.standard_normal((n, n, 1))
            out.append((name, G, i, L))
    return out


@checker("Exercise 8.5")
def check_character_similarity(character_similarity_fn: Callable[[np.ndarray, np.ndarray, np.ndarray], Any]) -> str:
    """Check ``character_similarity(logits, abc, chi)``: cosine of the c-centred logits with Re χ(a·b·c⁻¹).

    Explained in Chapter 8 exercises, *Exercise 8.5 · Logits and characters*.
    """
    cases = _logit_cases()
    for name, G, i, L in cases:
        abc = product_with_inverse(G)
        chi = irreps(G)[i].character()
        where = f"for {name}, the character of {_irrep_name(G, i)} and logits of shape {L.shape}"
        want = float(character_similarity(G, L)[_member_of(G)[i]])
        got = _number(
            _call(character_similarity_fn, where, L.copy(), abc.copy(), np.array(chi)), where, "the cosine, one real number"
        )
        if math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-9):
            continue
        X = np.real(chi)[abc]
        hint = ""

        def cos(u: np.ndarray, v: np.ndarray) -> float:
            nu, nv = np.linalg.norm(u), np.linalg.norm(v)
            return float(np.real(np.vdot(v, u)) / (nu * nv)) if nu and nv else float("nan")

        if math.isclose(got, cos(L, X), rel_tol=1e-6):
            hint = " — that is the cosine of the logits before centring; subtract the mean over c first"
        elif math.isclose(got, cos(L - L.mean(axis=0, keepdims=True), X), rel_tol=1e-6):
            hint = " — you centred over a; centre over c, the last axis (softmax ignores a constant per (a, b))"
        elif math.isclose(got, cos(L - L.mean(axis=2, keepdims=True), X.transpose(1, 0, 2)), rel_tol=1e-6):
            hint = " — that is the cosine with Re χ(b·a·c⁻¹); the group is not abelian, keep the order a·b·c⁻¹"
        elif math.isclose(got, cos(L - L.mean(), X), rel_tol=1e-6):
            hint = (
                " — you centred over the whole tensor (as a correlation coefficient does); centre over c for each "
                "pair (a, b): L − L.mean(axis=2, keepdims=True)"
            )
        elif math.isclose(got, cos(L - L.mean(axis=2), X), rel_tol=1e-6):
            hint = (
                " — L.mean(axis=2) has shape (|G|, |G|) and broadcasts against the wrong axes: keep the axis, "
                "L.mean(axis=2, keepdims=True)"
            )
        elif math.isclose(got, cos(L - L.mean(axis=2, keepdims=True), np.abs(chi)[abc]), rel_tol=1e-6):
            hint = " — that is the cosine with |χ(a·b·c⁻¹)|; use the real part Re χ"
        elif not np.allclose(np.imag(chi), 0) and math.isclose(
            got, cos(L - L.mean(axis=2, keepdims=True), chi[abc]), rel_tol=1e-6
        ):
            hint = (
                " — this character is complex: the real logits see χ + χ̄ = 2 Re χ, so use the real part of χ(a·b·c⁻¹)"
                " in the norm too"
            )
        raise ExerciseFailure(f"{where} you returned {_num(got)}, expected {_num(want)}{hint}")
    return f"all {len(cases)} similarities agree with grouptools.nn.interpret.character_similarity"


# ---------------------------------------------------------------------- 8.6
def _ablation_cases() -> list[tuple[str, FiniteGroup, list[int], np.ndarray]]:
    rng = np.random.default_rng(75)
    picks = {"S3": [2], "D4 (relabelled)": [4, 1], "Q8": [4], "S4 (relabelled)": [3, 4], "Z5": [1]}
    return [(name, G, picks[name], _embedding(G, 4, rng)) for name, G in _groups()]


@checker("Exercise 8.6")
def check_remove_irreps(remove_irreps: Callable[[np.ndarray, list], Any]) -> str:
    """Check ``remove_irreps(E, reps)``: E minus its orthogonal projection onto the entries of the irreps ``reps``.

    Explained in Chapter 8 exercises, *Exercise 8.6 · Ablating irreps*.
    """
    cases = _ablation_cases()
    for name, G, remove, E in cases:
        reals = real_irreps(G)
        members = sorted(m for r in remove for m in reals[r].members)
        keep = [r for r in range(len(reals)) if r not in remove]
        mats = [np.array(irreps(G)[m].matrices) for m in members]
        shown = ", ".join(_irrep_name(G, m) for m in members)
        where = f"for {name}, removing {shown} from a random E of shape {E.shape}"
        want = project_irreps(G, E, keep)
        got = _real_matrix(
            _call(remove_irreps, where, E.copy(), [m.copy() for m in mats]), where, E.shape, "the ablated E, a real matrix"
        )
        if np.allclose(got, want, atol=1e-9):
            again = _real_matrix(
                _call(remove_irreps, where, got.copy(), [m.copy() for m in mats]), where, E.shape, "the ablated E"
            )
            if not np.allclose(again, got, atol=1e-9):
                raise ExerciseFailure(f"{where}, applying your function a second time changed the answer: not a projection")
            continue
        hint = ""
        if np.allclose(got, E - want, atol=1e-9):
            hint = " — that is the part *in* these irreps; return what is left when it is removed"
        else:
            try:
                again = _real_matrix(remove_irreps(got.copy(), [m.copy() for m in mats]), where, E.shape, "")
                if not np.allclose(again, got, atol=1e-9):
                    hint = (
                        " — applying it twice changes it again, so it is not a projection: the entries of ρ have squared"
                        " norm |G|/d (scale by d/|G|), and the inner product needs the complex conjugate"
                    )
            except Exception:  # the hint is optional
                pass
        err = np.abs(got - want)
        g, k = (int(v) for v in np.unravel_index(np.argmax(err), err.shape))
        raise ExerciseFailure(
            f"{where}, the entry at row {G.element_name(g)} (label {g}), column {k} is {_num(got[g, k])}, "
            f"expected {_num(want[g, k])}{hint}"
        )
    return f"all {len(cases)} ablations agree with project_irreps, and applying them twice changes nothing"
