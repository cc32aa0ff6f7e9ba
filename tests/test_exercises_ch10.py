"""The Chapter 10 checkers (relative commutator, composed convolution kernels, block parameter
counts, word-problem targets, masked accuracy, the Welch test of Theorem 3) reject planted wrong answers.
"""

from __future__ import annotations

import math

import numpy as np
import torch

from grouptools.exercises import ch10
from grouptools.nn.tasks import IGNORE_INDEX

import exercise_support as support  # the checks all chapters share: test_exercise_notebooks.py

run, assert_fails, solutions = support.helpers_for(ch10)  # solutions: a module-scoped fixture


# ---------------------------------------------------------------------- 10.1
def test_relative_commutator_wrong_answers(solutions):
    assert run("check_relative_commutator", solutions["relative_commutator"]).passed

    def absolute(f, g, x):
        return float(torch.linalg.vector_norm(f(g(x)) - g(f(x))))

    def other_denominator(f, g, x):
        fg, gf = f(g(x)), g(f(x))
        return float(torch.linalg.vector_norm(fg - gf) / torch.linalg.vector_norm(gf))

    def input_denominator(f, g, x):
        return float(torch.linalg.vector_norm(f(g(x)) - g(f(x))) / torch.linalg.vector_norm(x))

    def per_sequence_mean(f, g, x):  # the mean of per-sequence ratios, not the batch ratio
        fg, gf = f(g(x)), g(f(x))
        return float((torch.linalg.vector_norm(fg - gf, dim=(1, 2)) / torch.linalg.vector_norm(fg, dim=(1, 2))).mean())

    def squared_norms(f, g, x):  # (t ** 2).sum() without the square root
        fg, gf = f(g(x)), g(f(x))
        return float(((fg - gf) ** 2).sum() / (fg**2).sum())

    name = "check_relative_commutator"
    assert_fails(name, squared_norms, "for attention T and an S4D layer S", "the ratio of the squared norms")
    assert_fails(name, absolute, "for attention T and an S4D layer S", "that is the absolute gap")
    assert_fails(name, other_denominator, "you divided by ‖g(f(x))‖")
    assert_fails(name, input_denominator, "you divided by the norm of the input")
    assert_fails(name, per_sequence_mean, "for attention T and an S4D layer S", "expected 1.2329")
    assert_fails(name, lambda f, g, x: f(g(x)), "return one number, the relative gap")


# ---------------------------------------------------------------------- 10.2
def test_compose_kernels_wrong_answers(solutions):
    assert run("check_compose_kernels", solutions["compose_kernels"]).passed

    def entrywise(k1, k2):
        return k1 * k2

    def circular(k1, k2):  # FFT without padding: late taps wrap around
        L = k1.shape[-1]
        return torch.fft.irfft(torch.fft.rfft(k1) * torch.fft.rfft(k2), n=L)

    def untruncated(k1, k2):
        L = k1.shape[-1]
        return torch.fft.irfft(torch.fft.rfft(k1, n=2 * L) * torch.fft.rfft(k2, n=2 * L), n=2 * L)[..., : 2 * L - 1]

    def correlation(k1, k2):  # Σ_s k1[s] k2[s + t]: the flipped kernel, not a convolution
        d, L = k1.shape
        out = torch.zeros(d, L, dtype=k1.dtype)
        for t in range(L):
            for s in range(L - t):
                out[:, t] += k1[:, s] * k2[:, s + t]
        return out

    def padded_too_little(k1, k2):  # L + 1 instead of 2L
        L = k1.shape[-1]
        n = L + 1
        return torch.fft.irfft(torch.fft.rfft(k1, n=n) * torch.fft.rfft(k2, n=n), n=n)[..., :L]

    def centred(k1, k2):  # np.convolve's mode="same"
        return torch.tensor(np.array([np.convolve(a, b, mode="same") for a, b in zip(k1.numpy(), k2.numpy())]))

    def last_taps(k1, k2):  # the full convolution, truncated at the wrong end
        return torch.tensor(np.array([np.convolve(a, b)[-a.shape[0] :] for a, b in zip(k1.numpy(), k2.numpy())]))

    name = "check_compose_kernels"
    assert_fails(name, padded_too_little, "tap t = 0 of your kernel is wrong", "you padded to length 5, too short")
    assert_fails(name, centred, "that is the centred ('same') convolution")
    assert_fails(name, last_taps, "those are the last L taps of the full convolution")
    assert_fails(name, entrywise, "that is the entrywise product")
    assert_fails(name, circular, "that is the circular convolution", "pad to 2L")
    assert_fails(name, untruncated, "shape (1, 7)", "of shape (1, 4)")
    assert_fails(name, correlation, "tap t = 0 of your kernel is wrong", "looks like a correlation")


# ---------------------------------------------------------------------- 10.3
def test_block_parameters_wrong_answers(solutions):
    assert run("check_block_parameters", solutions["block_parameters"]).passed
    reference = solutions["block_parameters"]

    def layernorm_without_bias(kind, d, hidden, d_state):
        return reference(kind, d, hidden, d_state) - 2 * d

    def mlp_without_bias(kind, d, hidden, d_state):
        return reference(kind, d, hidden, d_state) - hidden - d

    def attention_without_bias(kind, d, hidden, d_state):
        return reference(kind, d, hidden, d_state) - (4 * d if kind == "attention" else 0)

    def heads_times(kind, d, hidden, d_state):  # counts one set of projections per head
        return reference(kind, d, hidden, d_state) + (4 * d * d if kind == "attention" else 0)

    def three_projections(kind, d, hidden, d_state):  # forgets the output projection
        return reference(kind, d, hidden, d_state) - (d * d + d if kind == "attention" else 0)

    def s4d_without_4d(kind, d, hidden, d_state):
        return reference(kind, d, hidden, d_state) - (4 * d if kind == "s4d" else 0)

    def one_mlp_layer(kind, d, hidden, d_state):
        return reference(kind, d, hidden, d_state) - (hidden * d + d)

    name = "check_block_parameters"
    assert_fails(name, three_projections, "you returned 800, but the block has 872", "four projections")
    assert_fails(name, s4d_without_4d, "for kind = 's4d', d = 8", "an S4D mixer has 3dN + 2d² + 4d parameters")
    assert_fails(name, one_mlp_layer, "you returned 608", "the MLP has two layers")
    assert_fails(name, layernorm_without_bias, "for kind = 'attention', d = 8", "each LayerNorm has a weight *and* a bias")
    assert_fails(name, mlp_without_bias, "both MLP layers have biases")
    assert_fails(name, attention_without_bias, "each of the four attention projections has a bias")
    assert_fails(name, heads_times, "you returned 1128, but the block has 872 parameters", "the mixer 288")
    assert_fails(name, lambda *a: 872.5, "return the number of parameters, an integer")


# ---------------------------------------------------------------------- 10.4
def test_running_product_wrong_answers(solutions):
    assert run("check_running_product", solutions["running_product"]).passed

    def left_multiplication(table, word):
        out, state = [], None
        for g in word:
            state = g if state is None else table[g][state]
            out.append(state)
        return out

    def pairwise(table, word):  # multiplies neighbours instead of accumulating
        return [word[0]] + [table[a][b] for a, b in zip(word, word[1:])]

    def starts_at_identity(table, word):  # the product before each element, one step late
        out, state = [], 0
        for g in word:
            out.append(state)
            state = table[state][g]
        return out

    def starts_from_label_0(table, word):  # as if the identity were label 0
        out, state = [], 0
        for g in word:
            state = table[state][g]
            out.append(state)
        return out

    def full_product_everywhere(table, word):  # the product of the whole word at every position
        state = word[0]
        for g in word[1:]:
            state = table[state][g]
        return [state] * len(word)

    name = "check_running_product"
    assert_fails(
        name,
        starts_from_label_0,
        "for the group S3 relabelled (identity = label 4)",
        "you started from label 0, which is not the identity here (the identity is label 4)",
    )
    assert_fails(name, full_product_everywhere, "for the group S3", "position 1 should be g1···g2")
    assert_fails(name, left_multiplication, "for the group S3", "multiplies on the right: table[previous][g")
    assert_fails(name, pairwise, "for the group S3", "should be g1···g")
    assert_fails(name, starts_at_identity, "position 0 should be g1")
    assert_fails(name, lambda table, word: word[:-1], "you returned 6 labels; expected one per position, 7")
    assert_fails(name, lambda table, word: [float(v) for v in word], "return a list of 7 element labels")


# ---------------------------------------------------------------------- 10.5
def test_masked_accuracy_wrong_answers(solutions):
    assert run("check_masked_accuracy", solutions["masked_accuracy"]).passed

    def all_positions(logits, targets):
        return float((logits.argmax(-1) == targets).double().mean())

    def mask_ignored_as_right(logits, targets):  # counts unscored positions as correct
        mask = targets != IGNORE_INDEX
        return float(((logits.argmax(-1) == targets) | ~mask).double().mean())

    def argmax_over_positions(logits, targets):
        mask = targets != IGNORE_INDEX
        pred = logits.argmax(1)[:, None, :].expand_as(logits)[..., 0]
        return int(((pred == targets) & mask).sum()) / int(mask.sum())

    def mean_of_sequence_accuracies(logits, targets):
        mask = targets != IGNORE_INDEX
        correct, scored = ((logits.argmax(-1) == targets) & mask).sum(1).double(), mask.sum(1).double()
        return float((correct[scored > 0] / scored[scored > 0]).mean())

    def divided_by_the_batch(logits, targets):
        mask = targets != IGNORE_INDEX
        return int(((logits.argmax(-1) == targets) & mask).sum()) / targets.shape[0]

    def integer_division(logits, targets):
        mask = targets != IGNORE_INDEX
        return int(((logits.argmax(-1) == targets) & mask).sum()) // int(mask.sum())

    name = "check_masked_accuracy"
    assert_fails(name, mean_of_sequence_accuracies, "about a third of the positions scored", "the per-sequence accuracies")
    assert_fails(name, divided_by_the_batch, "you returned 4.75", "you divided by the batch size")
    assert_fails(name, integer_division, "with every position scored you returned 0;", "19 of the 24 scored positions")
    assert run(name, all_positions).passed is False
    assert_fails(name, all_positions, "only the last position scored", "divided by all positions")
    assert_fails(name, mask_ignored_as_right, "only the last position scored", "scored positions are right")
    assert_fails(name, argmax_over_positions, "with every position scored")
    assert_fails(name, lambda logits, targets: logits.argmax(-1), "return the accuracy, one number in [0, 1]")
    assert_fails(name, lambda logits, targets: math.nan, "a finite number")


# ---------------------------------------------------------------------- 10.6
def _welch(a, b, *, ddof=1, normal=False, two_sided=False, pooled=False):
    """Variants of the one-sided Welch test, each with one mistake learners make."""
    import numpy as np

    from grouptools.nn.capstone import t_cdf

    a, b = np.asarray(a, float), np.asarray(b, float)
    d = a.mean() - b.mean()
    va, vb = a.var(ddof=ddof) / a.size, b.var(ddof=ddof) / b.size
    if pooled:
        sp2 = ((a.size - 1) * a.var(ddof=1) + (b.size - 1) * b.var(ddof=1)) / (a.size + b.size - 2)
        se, df = math.sqrt(sp2 * (1 / a.size + 1 / b.size)), a.size + b.size - 2
    else:
        se = math.sqrt(va + vb)
        df = (va + vb) ** 2 / ((va**2 / (a.size - 1) if va else 0) + (vb**2 / (b.size - 1) if vb else 0)) if se else 1
    if se == 0:
        return d < 0
    p = 0.5 * math.erfc(-(d / se) / math.sqrt(2)) if normal else t_cdf(d / se, df)
    return (2 * p if two_sided else p) < 0.05


def _better(s):
    return max(("transformer", "s4"), key=lambda part: sum(s[part]) / len(s[part]))


def test_theorem3_refuted_wrong_answers(solutions):
    assert run("check_theorem3_refuted", solutions["theorem3_refuted"]).passed

    def means_only(s):  # any shortfall of the mean counts, noise or not
        return sum(s["hybrid"]) / len(s["hybrid"]) < sum(s[_better(s)]) / len(s[_better(s)])

    def two_sided(s):
        return _welch(s["hybrid"], s[_better(s)], two_sided=True)

    def normal_quantile(s):  # 1.645 instead of Student's t with 3 seeds
        return _welch(s["hybrid"], s[_better(s)], normal=True)

    def pooled_student(s):  # the equal-variance t-test
        return _welch(s["hybrid"], s[_better(s)], pooled=True)

    def population_sd(s):  # np.std's default ddof=0
        return _welch(s["hybrid"], s[_better(s)], ddof=0)

    def transformer_only(s):
        return _welch(s["hybrid"], s["transformer"])

    def verdict_word(s):
        return "refuted"

    name = "check_theorem3_refuted"
    assert_fails(name, means_only, "a small shortfall in noisy seeds", "you returned True, expected False")
    assert_fails(name, two_sided, "significant one-sided, not two-sided", "one tail")
    assert_fails(name, normal_quantile, "a normal quantile", "Student's t")
    assert_fails(name, pooled_student, "5 steady hybrid seeds", "Welch degrees of freedom")
    assert_fails(name, population_sd, "population standard deviation", "ddof=1")
    assert_fails(name, transformer_only, "S4 the better part", "the better part is s4")
    assert_fails(name, verdict_word, "return True (refuted) or False")
