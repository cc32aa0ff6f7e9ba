"""Tests of grouptools.nn.tasks: the generated benchmarks of Chapter 10 (recall, MQAR, group
word problems, parity) and the accuracy / loss helpers.

Targets are checked against slow reference implementations written here with plain Python
loops, independent of the vectorised generators."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import named_groups, relabelled

import grouptools as gt
from grouptools.nn.tasks import (
    IGNORE_INDEX,
    TASKS,
    AssociativeRecall,
    Batch,
    GroupWordProblem,
    MultiQueryAssociativeRecall,
    Parity,
    SequenceTask,
    accuracy,
    argmax_credit,
    make_task,
    per_position_accuracy,
    sequence_accuracy,
    task_loss,
)

CUDA = pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device")


def gen(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


def all_tasks() -> list[SequenceTask]:
    return [
        AssociativeRecall(),
        AssociativeRecall(distinct_keys=False, seq_len=40),
        MultiQueryAssociativeRecall(),
        MultiQueryAssociativeRecall(seq_len=256, n_pairs=16),
        MultiQueryAssociativeRecall(vocab_size=32, seq_len=20, n_pairs=3, noise=False, power_a=1.0),
        GroupWordProblem(gt.alternating(5)),
        GroupWordProblem(gt.cyclic(60), scored="last"),
        GroupWordProblem(gt.symmetric(3).relabelled([3, 1, 4, 0, 5, 2])),
        Parity(),
        Parity(scored="last"),
    ]


# ---------------------------------------------------------------------------
# slow references (plain Python)
# ---------------------------------------------------------------------------


def recall_reference(seq: list[int], i: int) -> int:
    """The value paired with the key at position i: the token after the key's first earlier occurrence."""
    key = seq[i]
    for j in range(i):
        if seq[j] == key:
            return seq[j + 1]
    raise AssertionError(f"query key {key} at position {i} does not occur earlier")


def word_reference(G: gt.FiniteGroup, word: list[int]) -> list[int]:
    out, acc = [], None
    for g in word:
        acc = g if acc is None else G.product(acc, g)
        out.append(acc)
    return out


def parity_reference(bits: list[int]) -> list[int]:
    out, s = [], 0
    for b in bits:
        s += b
        out.append(s % 2)
    return out


# ---------------------------------------------------------------------------
# all tasks: shapes, dtypes, ranges, determinism, devices
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.describe())
def test_shapes_dtypes_ranges(task):
    lengths = {task.seq_len}
    if isinstance(task, (GroupWordProblem, Parity)):
        lengths |= {1, 7, 100}
    elif isinstance(task, AssociativeRecall):
        lengths |= {4, 10, task.seq_len - 2}
    else:
        lengths |= {4 * task.n_pairs, 4 * task.n_pairs + 1, task.seq_len * 2}
    for L in sorted(lengths):
        b = task.sample(5, gen(L), length=L)
        assert isinstance(b, Batch)
        assert b.inputs.shape == b.targets.shape == (5, L)
        assert b.inputs.dtype == b.targets.dtype == torch.long
        assert b.inputs.device.type == "cpu"
        assert 0 <= int(b.inputs.min()) and int(b.inputs.max()) < task.vocab_size
        t = b.targets[b.mask]
        assert t.numel() > 0
        assert 0 <= int(t.min()) and int(t.max()) < task.n_classes
        assert ((b.targets == IGNORE_INDEX) | b.mask).all()
    assert task.sample(3, gen()).inputs.shape == (3, task.seq_len)  # default length
    assert 0 < task.chance <= 0.5
    assert isinstance(task.describe(), str) and "\n" not in task.describe()


@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.describe())
def test_same_generator_seed_same_batch(task):
    a, b, c = task.sample(8, gen(1)), task.sample(8, gen(1)), task.sample(8, gen(2))
    assert torch.equal(a.inputs, b.inputs) and torch.equal(a.targets, b.targets)
    assert not torch.equal(a.inputs, c.inputs)
    g = gen(3)
    first, second = task.sample(8, g), task.sample(8, g)  # the generator advances
    assert not torch.equal(first.inputs, second.inputs)
    # the global RNG plays no part
    torch.manual_seed(0)
    d = task.sample(8, gen(1))
    torch.manual_seed(99)
    e = task.sample(8, gen(1))
    assert torch.equal(d.inputs, e.inputs) and torch.equal(a.inputs, d.inputs)


def test_batch_helpers():
    b = Parity(seq_len=6).sample(4, gen())
    inputs, targets = b  # unpacks
    assert inputs is b.inputs and targets is b.targets
    assert (b.batch_size, b.length) == (4, 6)
    assert b.to("cpu").inputs.device.type == "cpu"
    assert b.mask.all()
    with pytest.raises(ValueError, match="differ in shape"):
        Batch(torch.zeros(2, 3, dtype=torch.long), torch.zeros(2, 4, dtype=torch.long))
    with pytest.raises(TypeError, match="LongTensor"):
        Batch(torch.zeros(2, 3), torch.zeros(2, 3, dtype=torch.long))


def test_device_argument_is_honoured_on_cpu():
    b = AssociativeRecall().sample(4, gen(), device=torch.device("cpu"))
    assert b.inputs.device.type == "cpu"


@CUDA
@pytest.mark.parametrize("task", all_tasks(), ids=lambda t: t.describe())
def test_cuda_batches_equal_cpu_batches(task):
    on_gpu = task.sample(16, gen(5), device="cuda")
    on_cpu = task.sample(16, gen(5))
    assert on_gpu.inputs.device.type == "cuda" and on_gpu.targets.device.type == "cuda"
    assert torch.equal(on_gpu.inputs.cpu(), on_cpu.inputs) and torch.equal(on_gpu.targets.cpu(), on_cpu.targets)


# ---------------------------------------------------------------------------
# associative recall
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("distinct", [True, False])
@pytest.mark.parametrize("L", [4, 12, 30])
def test_recall_targets_match_reference(distinct, L):
    task = AssociativeRecall(vocab_size=20, seq_len=30, distinct_keys=distinct)
    b = task.sample(64, gen(L), length=L)
    P = (L - 2) // 2
    for seq, tgt in zip(b.inputs.tolist(), b.targets.tolist()):
        # layout: k v k v … => kq ; only the last position is scored
        assert tgt[:-1] == [IGNORE_INDEX] * (L - 1)
        assert seq[2 * P] == task.query_token == 19
        keys, values = seq[0 : 2 * P : 2], seq[1 : 2 * P : 2]
        assert all(0 <= k < task.n_keys for k in keys)
        assert all(task.n_keys <= v < 19 for v in values)
        if distinct:
            assert len(set(keys)) == P
        else:  # a repeated key carries the same value within the sequence
            assert all(values[i] == values[j] for i in range(P) for j in range(P) if keys[i] == keys[j])
        assert seq[-1] in keys
        assert tgt[-1] == recall_reference(seq, L - 1)


def test_recall_needs_the_context():
    """Across a batch the same query key has different answers, so no fixed table solves the task."""
    task = AssociativeRecall()
    b = task.sample(2000, gen(7))
    answers: dict[int, set[int]] = {}
    for q, a in zip(b.inputs[:, -1].tolist(), b.targets[:, -1].tolist()):
        answers.setdefault(q, set()).add(a)
    assert set(answers) == set(range(task.n_keys))  # every key gets asked
    assert all(len(vals) == task.n_values for vals in answers.values())  # …with every possible answer
    # the best context-free guess (majority answer per query key) stays near chance
    best = sum(max(np.bincount(b.targets[b.inputs[:, -1] == q, -1].numpy())) for q in answers)
    assert best / len(b.inputs) < task.chance + 0.08
    # the query sits at a random pair, not always the same one
    pos = [seq.index(seq[-1]) for seq in b.inputs.tolist()]
    assert len(set(pos)) == task.n_pairs()


def test_recall_defaults_and_sizes():
    t = AssociativeRecall()
    assert (t.vocab_size, t.n_classes, t.seq_len, t.n_keys, t.n_values, t.n_pairs()) == (20, 20, 30, 14, 5, 14)
    assert 30 <= t.seq_len <= 40
    s = AssociativeRecall(distinct_keys=False, seq_len=40)
    assert (s.n_keys, s.n_values, s.n_pairs()) == (9, 10, 19)
    assert t.n_pairs(10) == 4


def test_recall_errors():
    t = AssociativeRecall()
    with pytest.raises(ValueError, match="even length"):
        t.sample(2, gen(), length=11)
    with pytest.raises(ValueError, match="even length"):
        t.sample(2, gen(), length=2)
    with pytest.raises(ValueError, match="too small for the number of pairs"):
        t.sample(2, gen(), length=32)  # 15 distinct keys, only 14 key tokens
    with pytest.raises(ValueError, match="too small for 19 keys"):
        AssociativeRecall(vocab_size=20, seq_len=40)
    with pytest.raises(ValueError, match="at least 4"):
        AssociativeRecall(vocab_size=3, seq_len=4)
    with pytest.raises(ValueError, match="n_keys"):
        AssociativeRecall(n_keys=0)
    # with repeated keys any even length works
    assert AssociativeRecall(distinct_keys=False).sample(2, gen(), length=200).inputs.shape == (2, 200)


# ---------------------------------------------------------------------------
# MQAR
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs,L",
    [
        (dict(), 64),
        (dict(), 16),
        (dict(), 129),
        (dict(seq_len=256, n_pairs=16), 256),
        (dict(vocab_size=16, seq_len=12, n_pairs=2, noise=False), 12),
        (dict(vocab_size=64, seq_len=40, n_pairs=8, power_a=1.0), 40),
    ],
)
def test_mqar_targets_match_reference(kwargs, L):
    task = MultiQueryAssociativeRecall(**kwargs)
    P, V = task.n_pairs, task.vocab_size
    b = task.sample(32, gen(L), length=L)
    for seq, tgt in zip(b.inputs.tolist(), b.targets.tolist()):
        keys, values = seq[0 : 2 * P : 2], seq[1 : 2 * P : 2]
        assert len(set(keys)) == P and len(set(values)) == P
        assert all(1 <= k < V // 2 for k in keys) and all(V // 2 <= v < V for v in values)
        scored = [i for i, t in enumerate(tgt) if t != IGNORE_INDEX]
        assert len(scored) == P  # one query per key, all after the block, at even offsets
        assert all(i >= 2 * P and (i - 2 * P) % 2 == 0 for i in scored)
        assert sorted(seq[i] for i in scored) == sorted(keys)
        for i in scored:
            assert tgt[i] == recall_reference(seq, i)
        if not task.noise:
            assert all(seq[i] == 0 for i in range(2 * P, L) if i not in scored)


def test_mqar_needs_the_context_and_has_noise():
    task = MultiQueryAssociativeRecall(vocab_size=32, seq_len=16, n_pairs=4)
    b = task.sample(3000, gen(11))
    m = b.mask
    pairs = set(zip(b.inputs[m].tolist(), b.targets[m].tolist()))
    by_key: dict[int, set[int]] = {}
    for k, v in pairs:
        by_key.setdefault(k, set()).add(v)
    assert all(len(v) > 8 for v in by_key.values())  # each key is paired with many values
    # noise: unscored positions after the block take every token of the vocabulary
    tail = b.inputs[:, 8:][~m[:, 8:]]
    assert set(tail.tolist()) == set(range(32))


def test_mqar_power_law_puts_queries_near_the_block():
    near = MultiQueryAssociativeRecall(vocab_size=256, seq_len=256, n_pairs=4)
    flat = MultiQueryAssociativeRecall(vocab_size=256, seq_len=256, n_pairs=4, power_a=1.0)
    w = near.query_weights()
    assert w.shape == ((256 - 8) // 2,) and math.isclose(float(w.sum()), 1.0)
    assert bool((w[:-1] >= w[1:]).all())
    assert torch.allclose(flat.query_weights(), torch.full_like(w, 1 / len(w)))

    def mean_pos(task):
        b = task.sample(400, gen(4))
        return b.mask.nonzero()[:, 1].double().mean().item()

    assert mean_pos(near) < mean_pos(flat) - 20


def test_mqar_errors():
    with pytest.raises(ValueError, match="too small for 4 pairs"):
        MultiQueryAssociativeRecall(vocab_size=8, n_pairs=4)
    with pytest.raises(ValueError, match="length ≥ 16"):
        MultiQueryAssociativeRecall(seq_len=15)
    with pytest.raises(ValueError, match="length ≥ 16"):
        MultiQueryAssociativeRecall().sample(4, gen(), length=10)
    with pytest.raises(ValueError, match="power_a"):
        MultiQueryAssociativeRecall(power_a=0.0)
    with pytest.raises(ValueError, match="n_pairs"):
        MultiQueryAssociativeRecall(n_pairs=0)


# ---------------------------------------------------------------------------
# group word problems and parity
# ---------------------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(G=st.one_of(named_groups(), relabelled(named_groups())), L=st.integers(1, 20), seed=st.integers(0, 2**16))
def test_word_problem_matches_fold_with_product(G, L, seed):
    task = GroupWordProblem(G, seq_len=L)
    b = task.sample(4, gen(seed))
    assert task.vocab_size == task.n_classes == G.order
    for word, tgt in zip(b.inputs.tolist(), b.targets.tolist()):
        assert tgt == word_reference(G, word)


def test_word_problem_order_of_multiplication():
    """Left to right: the target is g1·g2, not g2·g1 (they differ in S_3)."""
    S3 = gt.symmetric(3)
    a, b = S3.noncommuting_pair()
    task = GroupWordProblem(S3)
    out = task.running_product(torch.tensor([[a, b]]))
    assert out.tolist() == [[a, S3.product(a, b)]]
    assert S3.product(a, b) != S3.product(b, a)


def test_word_problem_scored_last_and_long_words():
    A5 = gt.alternating(5)
    task = GroupWordProblem(A5, seq_len=50, scored="last")
    b = task.sample(6, gen(2))
    assert (b.targets[:, :-1] == IGNORE_INDEX).all()
    for word, t in zip(b.inputs.tolist(), b.targets[:, -1].tolist()):
        assert t == word_reference(A5, word)[-1]


def test_word_problem_torch_path_equals_numpy_path():
    """The torch loop (used for tensors on a GPU) and the numpy loop (CPU) agree."""
    from grouptools.nn.tasks import _prefix_products_numpy, _prefix_products_torch

    S4 = gt.symmetric(4).relabelled(list(range(23, -1, -1)))
    task = GroupWordProblem(S4)
    words = task.sample(16, gen(8), length=33).inputs
    table = torch.from_numpy(np.array(S4.table, dtype=np.int64))
    assert torch.equal(_prefix_products_torch(table, words), torch.from_numpy(_prefix_products_numpy(S4.table, words.numpy())))
    assert _prefix_products_torch(table, words[:, :0]).shape == (16, 0)
    assert _prefix_products_numpy(S4.table, words[:, :0].numpy()).shape == (16, 0)


@pytest.mark.parametrize(
    "G,solvable",
    [(gt.cyclic(60), True), (gt.alternating(5), False), (gt.symmetric(3), True), (gt.symmetric(5), False)],
    ids=["Z60", "A5", "S3", "S5"],
)
def test_word_problem_solvability(G, solvable):
    task = make_task("word_problem", group=G)
    assert task.is_solvable is solvable
    assert ("non-solvable" in task.describe()) is not solvable


def test_word_problem_errors():
    with pytest.raises(TypeError, match="FiniteGroup"):
        GroupWordProblem(np.arange(4).reshape(2, 2))
    with pytest.raises(TypeError, match="FiniteGroup"):
        GroupWordProblem("A5")
    with pytest.raises(TypeError, match="group="):
        make_task("word_problem")
    with pytest.raises(ValueError, match="scored"):
        GroupWordProblem(gt.cyclic(3), scored="first")
    with pytest.raises(ValueError, match="element labels"):
        GroupWordProblem(gt.cyclic(3)).running_product(torch.tensor([[0, 3]]))


@pytest.mark.parametrize("L", [1, 2, 40, 256])
def test_parity_matches_reference_and_z2(L):
    task = Parity()
    b = task.sample(16, gen(L), length=L)
    for bits, tgt in zip(b.inputs.tolist(), b.targets.tolist()):
        assert tgt == parity_reference(bits)
    # parity is the word problem of Z_2
    assert torch.equal(GroupWordProblem(gt.cyclic(2)).running_product(b.inputs), b.targets)


def test_parity_train_and_test_lengths():
    task = make_task("parity", seq_len=40)
    assert task.sample(8, gen()).inputs.shape == (8, 40)
    assert task.sample(8, gen(), length=256).inputs.shape == (8, 256)
    last = Parity(scored="last").sample(8, gen(), length=9)
    assert (last.targets[:, :-1] == IGNORE_INDEX).all()
    assert last.targets[:, -1].tolist() == (last.inputs.sum(1) % 2).tolist()


# ---------------------------------------------------------------------------
# common argument errors, the registry
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("task", all_tasks()[::2], ids=lambda t: t.describe())
def test_bad_sample_arguments(task):
    for bad in (0, -3, 2.0, True):
        with pytest.raises(ValueError, match="batch_size"):
            task.sample(bad, gen())
    for bad in (0, -1, 3.5):
        with pytest.raises(ValueError, match="length"):
            task.sample(2, gen(), length=bad)
    with pytest.raises(TypeError, match="torch.Generator"):
        task.sample(2, 0)


def test_make_task():
    assert set(TASKS) == {"assoc_recall", "mqar", "word_problem", "parity"}
    assert isinstance(make_task("assoc_recall"), AssociativeRecall)
    assert make_task("mqar", seq_len=256, n_pairs=16).n_pairs == 16
    assert make_task("parity").name == "parity"
    for name in TASKS:
        assert make_task(name, **({"group": gt.cyclic(4)} if name == "word_problem" else {})).name == name
    with pytest.raises(ValueError, match="unknown task 'copying'.*'mqar'"):
        make_task("copying")
    with pytest.raises(TypeError):
        make_task("parity", vocab_size=3)


# ---------------------------------------------------------------------------
# metrics and loss on hand-built logits
# ---------------------------------------------------------------------------


def one_hot_logits(classes: torch.Tensor, n: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(classes.clamp(min=0), n).double() * 20.0


def test_metrics_perfect_and_shifted():
    task = MultiQueryAssociativeRecall(vocab_size=32, seq_len=16, n_pairs=4)
    b = task.sample(10, gen())
    C = task.n_classes
    perfect = one_hot_logits(b.targets, C)
    shifted = one_hot_logits((b.targets + 1) % C, C)
    assert accuracy(perfect, b.targets) == 1.0 and sequence_accuracy(perfect, b.targets) == 1.0
    assert accuracy(shifted, b.targets) == 0.0 and sequence_accuracy(shifted, b.targets) == 0.0
    assert task_loss(perfect, b.targets).item() < 1e-3
    assert task_loss(shifted, b.targets).item() > 19.0
    ppa = per_position_accuracy(perfect, b.targets)
    assert ppa.shape == (16,)
    scored = b.mask.any(0)
    assert (ppa[scored] == 1.0).all() and torch.isnan(ppa[~scored]).all()


def test_metrics_ignore_unscored_positions():
    targets = torch.tensor([[IGNORE_INDEX, 1, 0], [IGNORE_INDEX, 0, IGNORE_INDEX]])
    # predictions: [[1, 1, 1], [0, 1, 0]] — wrong only where ignored, at (0,2) and at (1,1)
    preds = torch.tensor([[1, 1, 1], [0, 1, 0]])
    logits = one_hot_logits(preds, 2)
    assert accuracy(logits, targets) == pytest.approx(1 / 3)
    assert sequence_accuracy(logits, targets) == 0.0
    ppa = per_position_accuracy(logits, targets)
    assert math.isnan(ppa[0]) and ppa[1].item() == 0.5 and ppa[2].item() == 0.0
    # changing the logits at ignored positions changes nothing
    logits2 = logits.clone()
    logits2[:, 0] = torch.randn(2, 2)
    assert accuracy(logits2, targets) == accuracy(logits, targets)
    assert torch.allclose(task_loss(logits2, targets), task_loss(logits, targets))
    # the loss is the mean over the three scored positions
    lp = torch.log_softmax(logits, -1)
    expected = -(lp[0, 1, 1] + lp[0, 2, 0] + lp[1, 1, 0]) / 3
    assert torch.allclose(task_loss(logits, targets), expected)
    # one right sequence out of two
    good = one_hot_logits(torch.tensor([[0, 1, 0], [0, 1, 0]]), 2)
    assert sequence_accuracy(good, targets) == 0.5


def test_metrics_with_nothing_scored():
    targets = torch.full((2, 3), IGNORE_INDEX)
    logits = torch.zeros(2, 3, 4)
    assert math.isnan(accuracy(logits, targets))
    assert math.isnan(sequence_accuracy(logits, targets))
    assert torch.isnan(per_position_accuracy(logits, targets)).all()


def test_metrics_errors():
    targets = torch.zeros(2, 3, dtype=torch.long)
    with pytest.raises(ValueError, match=r"\[B, L, n_classes\]"):
        accuracy(torch.zeros(2, 3), targets)
    with pytest.raises(ValueError, match="same B and L"):
        task_loss(torch.zeros(2, 4, 5), targets)
    with pytest.raises(ValueError, match=r"class ids in \[0, 5\)"):
        task_loss(torch.zeros(2, 3, 5), targets + 5)
    with pytest.raises(TypeError, match="LongTensor"):
        accuracy(torch.zeros(2, 3, 5), targets.float())


def test_loss_trains_a_lookup_table_on_parity_inputs():
    """A smoke test that the loss has gradients and can be minimised (a per-token table learns
    the target of position 0 of parity, which equals the input bit)."""
    task = Parity(seq_len=1)
    emb = torch.nn.Embedding(2, 2)
    opt = torch.optim.SGD(emb.parameters(), lr=1.0)
    g = gen()
    for _ in range(30):
        b = task.sample(32, g)
        loss = task_loss(emb(b.inputs), b.targets)
        opt.zero_grad()
        loss.backward()
        opt.step()
    b = task.sample(64, g)
    assert accuracy(emb(b.inputs), b.targets) == 1.0


# ---------------------------------------------------------------- exact ties
def test_argmax_credit_shares_exact_ties():
    logits = torch.tensor([[1.0, 2.0, 2.0, 0.0], [3.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 0.0]])
    credit = argmax_credit(logits, torch.tensor([1, 0, 3]))
    assert credit.tolist() == [0.5, 1.0, 0.25]
    assert argmax_credit(logits, torch.tensor([3, 1, IGNORE_INDEX])).tolist() == [0.0, 0.0, 0.0]
    # rounding noise (1e-17 on one machine, 0 on another) is a tie; a real gap is not
    noisy = torch.tensor([[1e-17, 0.0, -1e-17]], dtype=torch.float64)
    assert argmax_credit(noisy, torch.tensor([2])).item() == pytest.approx(1 / 3)
    assert argmax_credit(torch.tensor([[1e-3, 0.0]]), torch.tensor([1])).item() == 0.0
    with pytest.raises(ValueError, match="leading dimensions"):
        argmax_credit(logits, torch.tensor([0, 1]))


def test_accuracy_metrics_count_ties_as_fractions():
    logits = torch.zeros(2, 3, 4)  # every position a 4-way tie
    targets = torch.tensor([[0, IGNORE_INDEX, 2], [1, 1, IGNORE_INDEX]])
    assert accuracy(logits, targets) == pytest.approx(0.25)
    assert per_position_accuracy(logits, targets).tolist() == pytest.approx([0.25, 0.25, 0.25])
    assert sequence_accuracy(logits, targets) == pytest.approx(1 / 16)  # two scored positions each
    without_ties = torch.nn.functional.one_hot(targets.clamp(min=0), 4).float()
    assert accuracy(without_ties, targets) == 1.0 and sequence_accuracy(without_ties, targets) == 1.0
