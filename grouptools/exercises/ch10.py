"""Checkers for the Chapter 10 exercises (``exercises/10_capstone_exercises.ipynb``).

Each ``check_…`` function takes the learner's function, runs it on seeded random inputs
(float64) — pairs of attention, S4D and linear-convolution layers, causal kernels, Cayley
tables of S3, D4, A4 and Z_2, logits with unscored positions, block widths, per-seed
accuracies — and compares the answer with ``grouptools``' reference implementation
(:func:`~grouptools.nn.sequence_models.commutator_gap`,
:meth:`~grouptools.nn.tasks.GroupWordProblem.running_product`,
:func:`~grouptools.nn.tasks.accuracy`,
:func:`~grouptools.nn.sequence_models.count_parameters` of a real block,
:func:`~grouptools.nn.capstone.welch_test`) or with a slow loop. It returns a
:class:`~grouptools.exercises.Feedback` that names the first input where the answer is
wrong, what came back and why; it never raises.

Explained in Chapter 10 exercises, *How the checks work*.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import numpy as np
import torch

from ..formatting import fmt_list
from ..named import alternating, cyclic, dihedral, symmetric
from ..nn import S4DLayer
from ..nn.capstone import welch_test
from ..nn.sequence_models import MixerBlock, SSMConvolution, commutator_gap, count_parameters, make_mixer
from ..nn.tasks import IGNORE_INDEX, GroupWordProblem, accuracy
from ._feedback import ExerciseFailure, _call, checker
from ._tensors import _num, _number, _scalar, _shown, _tensor, _vec

__all__ = [
    "check_relative_commutator",
    "check_compose_kernels",
    "check_block_parameters",
    "check_running_product",
    "check_masked_accuracy",
    "check_theorem3_refuted",
]

DT = torch.float64


# ---------------------------------------------------------------------- helpers
def _two(got: float, want: float) -> tuple[str, str]:
    """The two numbers with enough digits to tell them apart."""
    for digits in (4, 6, 8, 12, 17):
        a, b = f"{got:.{digits}g}", f"{want:.{digits}g}"
        if a != b:
            break
    return a, b


# ---------------------------------------------------------------------- 10.1
def _module_pairs() -> list[tuple[str, torch.nn.Module, torch.nn.Module, torch.Tensor]]:
    gen = torch.Generator().manual_seed(91)
    with torch.random.fork_rng(devices=[]):  # seeded layers, without touching the learner's random state
        torch.manual_seed(91)
        attn = make_mixer("attention", 8, n_heads=2, dtype=DT)
        s4d = make_mixer("s4d", 8, d_state=4, dtype=DT)
        lin = torch.nn.Linear(8, 8, dtype=DT)
        k1 = SSMConvolution(S4DLayer(8, 4, dtype=DT))
        k2 = SSMConvolution(S4DLayer(8, 4, init="lin", dtype=DT))
    x = torch.randn(3, 10, 8, generator=gen, dtype=DT)
    y = torch.randn(2, 6, 8, generator=gen, dtype=DT)
    return [
        ("attention T and an S4D layer S on a batch of shape (3, 10, 8)", attn, s4d, x),
        ("an S4D layer S and attention T (the other order) on a batch of shape (2, 6, 8)", s4d, attn, y),
        ("a linear layer and tanh on a batch of shape (3, 10, 8)", lin, torch.nn.Tanh(), 3 * x),
        ("an S4D layer with itself", s4d, s4d, x),
        ("two depthwise causal convolutions (SSMConvolution of two S4D layers)", k1, k2, y),
    ]


@checker("Exercise 10.1")
def check_relative_commutator(relative_commutator: Callable[[Any, Any, torch.Tensor], Any]) -> str:
    """Check ``relative_commutator(f, g, x)``: ‖f(g(x)) − g(f(x))‖ / ‖f(g(x))‖ over the whole batch.

    Explained in Chapter 10 exercises, *Exercise 10.1 · The relative commutator*.
    """
    cases = _module_pairs()
    for what, f, g, x in cases:
        where = f"for {what}"
        want = commutator_gap(f, g, x)
        with torch.no_grad():
            got = _number(_call(relative_commutator, where, f, g, x.clone()), where, "one number, the relative gap")
        if want < 1e-9:
            if abs(got) > 1e-9:
                raise ExerciseFailure(
                    f"{where} you returned {_num(got)}; these two maps commute, expected 0 (up to rounding)"
                )
            continue
        if not math.isclose(got, want, rel_tol=1e-6, abs_tol=1e-12):
            with torch.no_grad():
                fg, gf = f(g(x)), g(f(x))
            diff = float(torch.linalg.vector_norm(fg - gf))
            hint = ""
            if math.isclose(got, diff, rel_tol=1e-6):
                hint = " — that is the absolute gap ‖f(g(x)) − g(f(x))‖; divide by ‖f(g(x))‖"
            elif math.isclose(got, diff / float(torch.linalg.vector_norm(gf)), rel_tol=1e-6):
                hint = " — you divided by ‖g(f(x))‖; divide by ‖f(g(x))‖, the norm of 'first g, then f'"
            elif math.isclose(got, diff / float(torch.linalg.vector_norm(x)), rel_tol=1e-6):
                hint = " — you divided by the norm of the input; divide by ‖f(g(x))‖"
            elif math.isclose(got, want**2, rel_tol=1e-6):
                hint = " — that is the ratio of the squared norms; take the square roots (the Frobenius norm itself)"
            shown_got, shown_want = _two(got, want)
            raise ExerciseFailure(f"{where} you returned {shown_got}, expected {shown_want}{hint}")
    return f"all {len(cases)} pairs correct, including two pairs that commute"


# ---------------------------------------------------------------------- 10.2
def _reference_compose(k1: torch.Tensor, k2: torch.Tensor) -> torch.Tensor:
    d, L = k1.shape
    out = torch.zeros(d, L, dtype=DT)
    for t in range(L):
        for s in range(t + 1):
            out[:, t] += k1[:, s] * k2[:, t - s]
    return out


def _fft_product(k1: torch.Tensor, k2: torch.Tensor, n: int) -> torch.Tensor:
    return torch.fft.irfft(torch.fft.rfft(k1, n=n) * torch.fft.rfft(k2, n=n), n=n)


@checker("Exercise 10.2")
def check_compose_kernels(compose_kernels: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``compose_kernels(k1, k2)``: the (d, L) kernel of K1∘K2, the causal convolution k1 * k2 truncated to L taps.

    Explained in Chapter 10 exercises, *Exercise 10.2 · Composing two convolutions*.
    """
    gen = torch.Generator().manual_seed(92)
    cases = [(1, 4), (3, 6), (2, 9), (4, 1), (5, 12)]
    for d, L in cases:
        k1 = torch.randn(d, L, generator=gen, dtype=DT)
        k2 = torch.randn(d, L, generator=gen, dtype=DT)
        where = f"for two random kernels of shape ({d}, {L})"
        if d * L <= 6:
            where = f"for k1 = {fmt_list(k1, 3)} and k2 = {fmt_list(k2, 3)} (rounded)"
        want = _reference_compose(k1, k2)
        what = f"the composed kernel ({d} channel{'s' * (d > 1)}, {L} tap{'s' * (L > 1)})"
        got = _tensor(_call(compose_kernels, where, k1.clone(), k2.clone()), where, (d, L), what)
        if torch.allclose(got, want, atol=1e-9, rtol=1e-9):
            continue
        bad = int((got - want).abs().amax(0).gt(1e-9).nonzero()[0])
        circular = torch.fft.irfft(torch.fft.rfft(k1) * torch.fft.rfft(k2), n=L)
        hint = ""
        if torch.allclose(got, k1 * k2, atol=1e-9):
            hint = " — that is the entrywise product; composing convolutions convolves their kernels"
        elif torch.allclose(got, circular, atol=1e-9):
            hint = (
                " — that is the circular convolution: the late taps wrap around onto the early ones; "
                "pad to 2L before the FFT"
            )
        elif torch.allclose(got[:, 0], (k1 * k2).sum(-1), atol=1e-9):
            hint = " — that looks like a correlation Σ k1[s]·k2[s + t]; the convolution pairs k1[s] with k2[t − s]"
        else:
            full = torch.stack([torch.tensor(np.convolve(a, b)) for a, b in zip(k1.numpy(), k2.numpy())])
            short = next(
                (n for n in range(L + 1, 2 * L - 1) if torch.allclose(got, _fft_product(k1, k2, n)[..., :L], atol=1e-9)),
                None,
            )
            if short is not None:
                hint = (
                    f" — you padded to length {short}, too short: the late taps still wrap around onto the early ones; "
                    "pad to at least 2L − 1"
                )
            elif torch.allclose(got, full[:, L - 1 :], atol=1e-9):
                hint = " — those are the last L taps of the full convolution; the causal kernel is the first L"
            elif torch.allclose(got, full[:, (L - 1) // 2 : (L - 1) // 2 + L], atol=1e-9):
                hint = " — that is the centred ('same') convolution; the causal kernel is the first L taps of the full one"
        raise ExerciseFailure(
            f"{where}, tap t = {bad} of your kernel is wrong{hint}: channel 0 of your kernel is {_vec(got[0])}, "
            f"expected Σ_(s ≤ t) k1[0, s]·k2[0, t − s] = {_vec(want[0])}"
        )
    return f"all {len(cases)} kernels correct"


# ---------------------------------------------------------------------- 10.3
@checker("Exercise 10.3")
def check_block_parameters(block_parameters: Callable[[str, int, int, int], Any]) -> str:
    """Check ``block_parameters(kind, d, hidden, d_state)``: the parameter count of MixerBlock(kind, d, mlp_hidden=hidden).

    Explained in Chapter 10 exercises, *Exercise 10.3 · Counting a block's parameters*.
    """
    cases = [
        ("attention", 8, 32, 4),
        ("attention", 12, 20, 6),
        ("s4d", 8, 32, 16),
        ("s4d", 10, 7, 6),
        ("attention", 4, 1, 2),
        ("s4d", 6, 50, 2),
    ]
    for kind, d, hidden, N in cases:
        where = f"for kind = {kind!r}, d = {d}, hidden = {hidden}, d_state = {N}"
        with torch.random.fork_rng(devices=[]):  # building a block draws random weights; keep the learner's state
            block = MixerBlock(kind, d, mlp_hidden=hidden, n_heads=2, d_state=N, dtype=DT)
        want = count_parameters(block)
        got = _call(block_parameters, where, kind, d, hidden, N)
        got = _scalar(got)
        if isinstance(got, float) and got.is_integer():
            got = int(got)
        if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return the number of parameters, an integer")
        got = int(got)
        if got == want:
            continue
        parts = {
            "the mixer": count_parameters(block.mixer.f),
            "the two LayerNorms": count_parameters(block.mixer.norm) + count_parameters(block.mlp.norm),
            "the MLP": count_parameters(block.mlp.f),
        }
        hint = ""
        gap = want - got
        if gap == 2 * d:
            hint = " — short by 2d: each LayerNorm has a weight *and* a bias of width d, or did you forget one LayerNorm?"
        elif gap == hidden + d:
            hint = " — short by hidden + d: both MLP layers have biases"
        elif kind == "attention" and gap == 4 * d:
            hint = " — short by 4d: each of the four attention projections has a bias"
        elif kind == "attention" and gap == d * d + d:
            hint = " — short by one Linear(d, d): the attention has four projections, queries, keys, values and output"
        elif kind == "s4d" and gap == 4 * d:
            hint = " — short by 4d: an S4D mixer has 3dN + 2d² + 4d parameters"
        elif gap == hidden * d + d:
            hint = " — short by one Linear(hidden, d): the MLP has two layers, d → hidden → d"
        raise ExerciseFailure(
            f"{where} you returned {got}, but the block has {want} parameters "
            f"({', '.join(f'{k} {v}' for k, v in parts.items())}){hint}"
        )
    return f"all {len(cases)} counts agree with count_parameters of a real MixerBlock"


# ---------------------------------------------------------------------- 10.4
def _word_cases() -> list[tuple[str, Any, list[int]]]:
    rng = np.random.default_rng(94)
    groups = [
        ("S3", symmetric(3), 7),
        ("D4", dihedral(4), 9),
        ("A4", alternating(4), 12),
        ("Z2 (parity)", cyclic(2), 10),
        ("S3", symmetric(3), 1),
        ("S3 relabelled (identity = label 4)", symmetric(3).relabelled([4, 2, 0, 5, 1, 3]), 8),
    ]
    cases = []
    for name, G, L in groups:
        word = [int(v) for v in rng.integers(0, G.order, size=L)]
        word[0] = word[0] if word[0] != G.identity else (G.identity + 1) % G.order  # start away from e
        cases.append((name, G, word))
    return cases


@checker("Exercise 10.4")
def check_running_product(running_product: Callable[[list, list], Any]) -> str:
    """Check ``running_product(table, word)``: the list of prefix products g1, g1·g2, …, g1·g2···gL.

    Explained in Chapter 10 exercises, *Exercise 10.4 · Targets of the word problem*.
    """
    cases = _word_cases()
    for name, G, word in cases:
        table = [[int(v) for v in row] for row in G.table]
        where = f"for the group {name} and the word {word}"
        want = GroupWordProblem(G, seq_len=len(word)).running_product(torch.tensor([word]))[0].tolist()
        got = _call(running_product, where, [list(r) for r in table], list(word))
        if isinstance(got, (torch.Tensor, np.ndarray)):
            got = got.tolist()
        labels = isinstance(got, (list, tuple)) and all(
            isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)) for v in got
        )
        if not labels:
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return a list of {len(word)} element labels")
        got = [int(v) for v in got]
        if len(got) != len(word):
            raise ExerciseFailure(f"{where} you returned {len(got)} labels; expected one per position, {len(word)}")
        if got == want:
            continue
        i = next(i for i in range(len(word)) if got[i] != want[i])
        hint = ""
        if G.identity != 0 and got[0] == table[0][word[0]]:
            hint = (
                f" — you started from label 0, which is not the identity here (the identity is label {G.identity}): "
                "start from g1 itself"
            )
        elif i > 0 and got[i] == table[word[i]][want[i - 1]]:
            hint = f" — that is g{i + 1}·(g1···g{i}); the new element multiplies on the right: table[previous][g{i + 1}]"
        elif got[i] == word[i]:
            hint = " — that is the element itself; the target is the product of all elements so far"
        prefix = "g1" if i == 0 else f"g1···g{i + 1}"
        raise ExerciseFailure(f"{where} you returned {got}; position {i} should be {prefix} = {want[i]}, not {got[i]}{hint}")
    return f"all {len(cases)} words correct, in non-abelian groups and for parity"


# ---------------------------------------------------------------------- 10.5
def _logit_cases() -> list[tuple[str, torch.Tensor, torch.Tensor]]:
    gen = torch.Generator().manual_seed(95)
    out = []
    for what, B, L, C, keep in [
        ("every position scored", 4, 6, 3, "all"),
        ("only the last position scored (as in associative recall)", 5, 7, 4, "last"),
        ("about a third of the positions scored", 3, 9, 5, "random"),
        ("one scored position", 2, 4, 2, "one"),
    ]:
        targets = torch.randint(0, C, (B, L), generator=gen)
        logits = torch.randn(B, L, C, generator=gen, dtype=DT)
        # make the predictions right at roughly 60 % of the positions, so the accuracy is far from chance
        right = torch.rand(B, L, generator=gen) < 0.6
        logits[right] += 5 * torch.nn.functional.one_hot(targets, C).to(DT)[right]
        if keep == "last":
            targets[:, :-1] = IGNORE_INDEX
        elif keep == "random":
            targets[torch.rand(B, L, generator=gen) > 0.35] = IGNORE_INDEX
            targets[0, 0] = 0
        elif keep == "one":
            targets[:] = IGNORE_INDEX
            targets[1, 2] = int(logits[1, 2].argmin())  # the one scored prediction is wrong
        out.append((what, logits, targets))
    return out


@checker("Exercise 10.5")
def check_masked_accuracy(masked_accuracy: Callable[[torch.Tensor, torch.Tensor], Any]) -> str:
    """Check ``masked_accuracy(logits, targets)``: the fraction of scored positions (targets ≠ −100) predicted right.

    Explained in Chapter 10 exercises, *Exercise 10.5 · Accuracy at the scored positions*.
    """
    cases = _logit_cases()
    for what, logits, targets in cases:
        B, L, C = logits.shape
        where = f"for logits of shape {(B, L, C)} with {what}"
        want = accuracy(logits, targets)
        answer = _call(masked_accuracy, where, logits.clone(), targets.clone())
        got = _number(answer, where, "the accuracy, one number in [0, 1]")
        if math.isclose(got, want, abs_tol=1e-9):
            continue
        mask = targets != IGNORE_INDEX
        correct = int(((logits.argmax(-1) == targets) & mask).sum())
        hint = ""
        if math.isclose(got, correct / targets.numel(), abs_tol=1e-9):
            hint = " — you divided by all positions; divide by the number of scored positions only"
        elif math.isclose(got, correct / B, abs_tol=1e-9):
            hint = " — you divided by the batch size; divide by the number of scored positions"
        else:
            counts, sizes = ((logits.argmax(-1) == targets) & mask).sum(1).double(), mask.sum(1).double()
            per_sequence = (counts[sizes > 0] / sizes[sizes > 0]).mean()
            if math.isclose(got, float(per_sequence), abs_tol=1e-9):
                hint = (
                    " — that is the mean of the per-sequence accuracies, which weighs a sequence with few scored "
                    "positions as much as one with many; count all scored positions together"
                )
        raise ExerciseFailure(
            f"{where} you returned {_two(got, want)[0]}; {correct} of the {int(mask.sum())} scored positions are right, "
            f"so expected {_two(got, want)[1]}{hint}"
        )
    return f"all {len(cases)} accuracies agree with grouptools.nn.tasks.accuracy"


# ---------------------------------------------------------------------- 10.6
def _refutation_cases() -> list[tuple[str, dict]]:
    s4 = [0.30, 0.32, 0.31]
    return [  # (what, per-seed accuracies of hybrid, transformer, s4)
        ("a clear shortfall", {"hybrid": [0.27, 0.25, 0.26], "transformer": [0.99, 1.0, 0.98], "s4": [0.10, 0.12, 0.09]}),
        ("a small shortfall in noisy seeds", {"hybrid": [0.70, 0.78, 0.74], "transformer": [0.76, 0.75, 0.77], "s4": s4}),
        ("a shortfall significant one-sided, not two-sided",
         {"hybrid": [0.659, 0.618, 0.604], "transformer": [0.672, 0.683, 0.688], "s4": s4}),
        ("a shortfall that a normal quantile would call significant with 3 seeds",
         {"hybrid": [0.725, 0.732, 0.72], "transformer": [0.747, 0.732, 0.773], "s4": s4}),
        ("5 steady hybrid seeds against 3 scattered transformer seeds",
         {"hybrid": [0.82, 0.816, 0.801, 0.814, 0.812], "transformer": [0.859, 0.808, 0.847], "s4": s4}),
        ("a shortfall that the population standard deviation would overstate",
         {"hybrid": [0.594, 0.554, 0.616], "transformer": [0.611, 0.644, 0.646], "s4": s4}),
        ("S4 the better part", {"hybrid": [0.70, 0.71, 0.69], "transformer": [0.60, 0.62, 0.61], "s4": [0.80, 0.81, 0.79]}),
        ("identical perfect seeds", {"hybrid": [1.0, 1.0, 1.0], "transformer": [1.0, 1.0, 1.0], "s4": [1.0, 1.0, 1.0]}),
        ("no seed-to-seed variation, the hybrid lower", {"hybrid": [0.5, 0.5, 0.5], "transformer": [0.6, 0.6, 0.6], "s4": s4}),
        ("the hybrid better", {"hybrid": [0.95, 0.96, 0.94], "transformer": [0.90, 0.91, 0.89], "s4": s4}),
    ]


@checker("Exercise 10.6")
def check_theorem3_refuted(theorem3_refuted: Callable[[dict], Any]) -> str:
    """Check ``theorem3_refuted(seed_scores)``: the one-sided Welch test of η(hybrid) ≥ η(better part) at level 0.05.

    Explained in Chapter 10 exercises, *Exercise 10.6 · Refuting Theorem 3 from seeds*.
    """
    cases = _refutation_cases()
    for what, scores in cases:
        where = f"for {what}, seed_scores = {scores}"
        best = max(("transformer", "s4"), key=lambda part: float(np.mean(scores[part])))
        ref = welch_test(scores["hybrid"], scores[best])
        want = ref["verdict"] == "refuted"
        got = _call(theorem3_refuted, where, {k: list(v) for k, v in scores.items()})
        if isinstance(got, torch.Tensor) and got.dtype == torch.bool and got.numel() == 1:
            got = bool(got)
        if not isinstance(got, (bool, np.bool_)):
            raise ExerciseFailure(f"{where} you returned {_shown(got)}; return True (refuted) or False (not refuted)")
        if bool(got) == want:
            continue
        df = "exact (no variance)" if ref["se"] == 0 else f"{ref['df']:.2f}"
        raise ExerciseFailure(
            f"{where} you returned {bool(got)}, expected {want}: the better part is {best}, the difference of means "
            f"η(hybrid) − η({best}) is {_num(ref['difference'])}, the Welch standard error {_num(ref['se'])} with "
            f"{df} degrees of freedom, so the one-sided p-value is {_num(ref['p_value'])} "
            f"(refuted when p < 0.05; use Student's t with the Welch degrees of freedom, the sample standard deviation "
            f"(ddof=1) and one tail)"
        )
    return f"all {len(cases)} verdicts agree with the one-sided Welch test (grouptools.nn.capstone.welch_test)"
