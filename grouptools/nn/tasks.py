"""Generated sequence benchmarks for the capstone: recall, multi-query recall, group word problems, parity.

Every task makes batches of token sequences on the fly from a :class:`torch.Generator`
(the same generator state gives the same batch, whatever the device). A batch is a
:class:`Batch` of two ``LongTensor`` of shape ``[B, L]``: ``inputs`` (token ids in
``[0, vocab_size)``) and ``targets`` (class ids in ``[0, n_classes)``, or
:data:`IGNORE_INDEX` at positions that are not scored). A model maps ``inputs`` to logits
``[B, L, n_classes]``; :func:`task_loss` and the accuracy functions read them.

Token layouts (``P`` = number of key–value pairs, ``L`` = length, ``·`` = ignored target):

* :class:`AssociativeRecall` — Fu, Dao et al. 2023, *Hungry Hungry Hippos* (H3; bib key
  ``fu2023hungry``) and their safari code; length ``L = 2P + 2``::

      inputs   k1 v1 k2 v2 … kP vP  =>  kq
      targets   ·  ·  ·  · …  ·  ·   ·  v_q

  keys ``[0, n_keys)``, values ``[n_keys, vocab_size − 1)``, ``=>`` is ``vocab_size − 1``.
* :class:`MultiQueryAssociativeRecall` — MQAR of Arora et al. 2023, *Zoology* (``arora2023zoology``)::

      inputs   k1 v1 … kP vP | x  x  kσ1 x  x  x  kσ2 x …
      targets   ·  · …  ·  · | ·  ·  vσ1 ·  ·  ·  vσ2 · …

  the key–value block fills positions ``0 … 2P−1``; each key is asked once more at
  position ``2P + 2·gap`` (distinct gaps, power-law distributed as in Zoology); ``x`` are
  noise tokens. Keys ``[1, V/2)``, values ``[V/2, V)``.
* :class:`GroupWordProblem` — Merrill, Petty, Sabharwal 2024, *The Illusion of State in
  State-Space Models* (``merrill2024illusion``): ``inputs g1 g2 … gL`` (element labels of a
  finite group), ``targets g1, g1·g2, …, g1·g2···gL``.
* :class:`Parity` — Grazzi et al. 2024, *Unlocking State-Tracking in Linear RNNs Through
  Negative Eigenvalues* (``grazzi2024unlocking``): bits in, running parity out — the word
  problem of Z_2; train on lengths ≤ 40, test up to 256.

Explained in Chapter 10, *The benchmarks*.
"""

from __future__ import annotations

import abc
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from ..groups import FiniteGroup
from ..subgroups import is_solvable

__all__ = [
    "IGNORE_INDEX",
    "Batch",
    "SequenceTask",
    "AssociativeRecall",
    "MultiQueryAssociativeRecall",
    "GroupWordProblem",
    "Parity",
    "TASKS",
    "make_task",
    "argmax_credit",
    "accuracy",
    "per_position_accuracy",
    "sequence_accuracy",
    "task_loss",
]

#: The target value of a position that is not scored (the default ``ignore_index`` of
#: :func:`torch.nn.functional.cross_entropy`).
IGNORE_INDEX = -100


# --------------------------------------------------------------------------- batches


@dataclass(frozen=True, eq=False)  # eq=False: == on tensors is elementwise, so compare by identity
class Batch:
    """One batch of a sequence task: ``inputs`` and ``targets``, both ``LongTensor [B, L]``.

    ``targets[b, i]`` is the class the model should predict at position ``i`` (from the
    inputs up to and including position ``i`` for the causal tasks), or
    :data:`IGNORE_INDEX` where nothing is scored. ``inputs, targets = batch`` unpacks it.

    Explained in Chapter 10, *The benchmarks*.
    """

    inputs: Tensor
    targets: Tensor

    def __post_init__(self) -> None:
        for what, t in (("inputs", self.inputs), ("targets", self.targets)):
            if not torch.is_tensor(t) or t.dtype != torch.long or t.ndim != 2:
                desc = f"{t.dtype} tensor of shape {tuple(t.shape)}" if torch.is_tensor(t) else type(t).__name__
                raise TypeError(f"Batch.{what} must be a LongTensor of shape [B, L], got {desc}")
        if self.inputs.shape != self.targets.shape:
            raise ValueError(
                f"Batch.inputs {tuple(self.inputs.shape)} and Batch.targets {tuple(self.targets.shape)} differ in shape"
            )

    def to(self, device: Any, non_blocking: bool = False) -> "Batch":
        """The same batch on ``device``.

        Explained in Chapter 10, *The benchmarks*.
        """
        return Batch(self.inputs.to(device, non_blocking=non_blocking), self.targets.to(device, non_blocking=non_blocking))

    @property
    def mask(self) -> Tensor:
        """Boolean ``[B, L]``: the scored positions (``targets != IGNORE_INDEX``).

        Explained in Chapter 10, *The benchmarks*.
        """
        return self.targets != IGNORE_INDEX

    @property
    def batch_size(self) -> int:
        """B, the number of sequences."""
        return int(self.inputs.shape[0])

    @property
    def length(self) -> int:
        """L, the length of every sequence."""
        return int(self.inputs.shape[1])

    def __iter__(self):
        return iter((self.inputs, self.targets))


# --------------------------------------------------------------------------- validation


def _positive_int(value: Any, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{what} must be a positive integer, got {value!r}")
    return int(value)


def _check_generator(generator: Any) -> torch.Generator:
    if not isinstance(generator, torch.Generator):
        raise TypeError(
            f"generator must be a torch.Generator (e.g. torch.Generator().manual_seed(0)), "
            f"got {type(generator).__name__}"
        )
    if generator.device.type != "cpu":
        raise ValueError(
            f"generator must live on the CPU (batches are generated there and then moved to `device`, "
            f"so that they do not depend on the device), got a generator on {generator.device}"
        )
    return generator


def _check_scored(scored: Any) -> str:
    if scored not in ("all", "last"):
        raise ValueError(f"scored must be 'all' or 'last', got {scored!r}")
    return scored


def _permuted_prefix(batch_size: int, n: int, k: int, generator: torch.Generator) -> Tensor:
    """For each row, k distinct numbers of ``range(n)`` in random order (``[B, k]``)."""
    return torch.rand(batch_size, n, generator=generator).argsort(dim=1)[:, :k]


def _prefix_products_numpy(table: np.ndarray, words: np.ndarray) -> np.ndarray:
    """Prefix products of the rows of ``words`` ([B, L] labels) under ``table`` (numpy, [B, L])."""
    cols = np.ascontiguousarray(words.T)  # position-major, so that each step reads contiguous memory
    out = np.empty_like(cols)
    if cols.shape[0]:
        state = out[0] = cols[0]
        for i in range(1, cols.shape[0]):
            state = out[i] = table[state, cols[i]]
    return np.ascontiguousarray(out.T)


def _prefix_products_torch(table: Tensor, words: Tensor) -> Tensor:
    """The same on any torch device."""
    out = torch.empty_like(words)
    if words.shape[1]:
        state = out[:, 0] = words[:, 0]
        for i in range(1, words.shape[1]):
            state = table[state, words[:, i]]
            out[:, i] = state
    return out


# --------------------------------------------------------------------------- the base class


class SequenceTask(abc.ABC):
    """A generated sequence-to-sequence benchmark.

    Attributes: ``name``, ``vocab_size`` (input tokens are ``0 … vocab_size−1``),
    ``n_classes`` (targets are ``0 … n_classes−1``) and ``seq_len`` (the default length).
    :meth:`sample` draws a fresh batch from a :class:`torch.Generator`; ``length=`` asks
    for another length (validated by each task). Subclasses implement
    :meth:`check_length` and :meth:`_generate` (which works on the CPU).

    Explained in Chapter 10, *The benchmarks*.
    """

    name: str
    vocab_size: int
    n_classes: int
    seq_len: int

    def sample(
        self,
        batch_size: int,
        generator: torch.Generator,
        length: int | None = None,
        device: Any = None,
    ) -> Batch:
        """A batch of ``batch_size`` sequences of length ``length`` (default ``seq_len``).

        Everything is drawn from ``generator`` (a CPU generator) on the CPU and then moved
        to ``device``: the same generator state gives the same batch on every device.

        Explained in Chapter 10, *The benchmarks*.
        """
        batch_size = _positive_int(batch_size, "batch_size")
        generator = _check_generator(generator)
        length = self.seq_len if length is None else self.check_length(length)
        inputs, targets = self._generate(batch_size, generator, length)
        batch = Batch(inputs, targets)
        return batch if device is None else batch.to(device)

    @abc.abstractmethod
    def check_length(self, length: Any) -> int:
        """``length`` if this task can make sequences of that length; else a ValueError saying why.

        Explained in Chapter 10, *The benchmarks*.
        """

    @abc.abstractmethod
    def _generate(self, batch_size: int, generator: torch.Generator, length: int) -> tuple[Tensor, Tensor]:
        """``(inputs, targets)`` on the CPU."""

    @property
    @abc.abstractmethod
    def chance(self) -> float:
        """Accuracy of uniform guessing among the possible answers (the floor of a table).

        Explained in Chapter 10, *The benchmarks*.
        """

    @abc.abstractmethod
    def describe(self) -> str:
        """One line for tables: the task and its sizes.

        Explained in Chapter 10, *The benchmarks*.
        """

    def __repr__(self) -> str:
        return f"<{type(self).__name__}: {self.describe()}>"


# --------------------------------------------------------------------------- associative recall


class AssociativeRecall(SequenceTask):
    """Associative recall as in the H3 paper (Fu, Dao et al. 2023; ``fu2023hungry``) and safari's ``assoc_recall``.

    A sequence lists ``P`` key–value pairs, then a query marker ``=>`` and one of the keys;
    the answer is the value that key was paired with *in this sequence*. Layout, for a
    length ``L = 2P + 2`` (L must be even, ≥ 4)::

        position   0   1   2   3  …  2P−2 2P−1  2P   2P+1
        inputs     k1  v1  k2  v2 …  kP   vP    =>   kq
        targets    ·   ·   ·   ·  …  ·    ·     ·    v_q      (· = IGNORE_INDEX)

    Tokens: keys ``0 … n_keys−1``, values ``n_keys … vocab_size−2``, ``=>`` is
    ``vocab_size−1``; targets are token ids (``n_classes = vocab_size``). Per sequence a
    fresh random map key → value is drawn (so no fixed key → value table can be learnt),
    the ``P`` keys are drawn *distinct* (default; ``distinct_keys=False`` draws them with
    repetition as safari does, a repeated key then carrying the same value) and the query
    is one of the keys present. Only the last position is scored.

    Defaults: ``vocab_size=20`` (as in the safari configuration of the H3 experiments),
    ``seq_len=30`` (14 pairs); ``n_keys`` defaults to the ``P`` of ``seq_len`` for distinct
    keys (14 keys, 5 values, chance 1/5) and to half the non-marker tokens otherwise
    (safari's split: 9 keys, 10 values with ``vocab_size=20``).

    Explained in Chapter 10, *The benchmarks*.
    """

    name = "assoc_recall"

    def __init__(
        self,
        vocab_size: int = 20,
        seq_len: int = 30,
        n_keys: int | None = None,
        distinct_keys: bool = True,
    ) -> None:
        self.vocab_size = _positive_int(vocab_size, "vocab_size")
        self.n_classes = self.vocab_size
        self.distinct_keys = bool(distinct_keys)
        seq_len = _positive_int(seq_len, "seq_len")
        if self.vocab_size < 4:
            raise ValueError(f"vocab_size must be at least 4 (a key, two values and the query marker), got {vocab_size}")
        if n_keys is None:
            n_keys = max(1, (seq_len - 2) // 2) if self.distinct_keys else (self.vocab_size - 1) // 2
        self.n_keys = _positive_int(n_keys, "n_keys")
        self.n_values = self.vocab_size - 1 - self.n_keys
        if self.n_values < 2:
            raise ValueError(
                f"vocab_size={self.vocab_size} is too small for {self.n_keys} keys: it leaves {self.n_values} value "
                f"token(s) after the keys and the query marker, and recall needs at least 2 values "
                f"(use vocab_size ≥ {self.n_keys + 3} or fewer keys)"
            )
        self.query_token = self.vocab_size - 1
        self.seq_len = self.check_length(seq_len)

    def n_pairs(self, length: int | None = None) -> int:
        """P, the number of key–value pairs in a sequence of the given length (``(L − 2) / 2``).

        Explained in Chapter 10, *The benchmarks*.
        """
        return (self.check_length(self.seq_len if length is None else length) - 2) // 2

    def check_length(self, length: Any) -> int:
        length = _positive_int(length, "length")
        if length < 4 or length % 2:
            raise ValueError(
                f"associative recall needs an even length ≥ 4 (P key–value pairs, the marker and the query: "
                f"L = 2P + 2), got length={length}"
            )
        pairs = (length - 2) // 2
        if self.distinct_keys and pairs > self.n_keys:
            raise ValueError(
                f"length={length} needs {pairs} distinct keys but the vocabulary has only {self.n_keys} key tokens: "
                f"the vocabulary is too small for the number of pairs (use length ≤ {2 * self.n_keys + 2}, "
                f"more keys, or distinct_keys=False)"
            )
        return length

    def _generate(self, batch_size: int, generator: torch.Generator, length: int) -> tuple[Tensor, Tensor]:
        B, P = batch_size, (length - 2) // 2
        if self.distinct_keys:
            keys = _permuted_prefix(B, self.n_keys, P, generator)
        else:
            keys = torch.randint(0, self.n_keys, (B, P), generator=generator)
        # a fresh map key -> value for every sequence
        value_of = torch.randint(self.n_keys, self.vocab_size - 1, (B, self.n_keys), generator=generator)
        values = value_of.gather(1, keys)
        which = torch.randint(0, P, (B, 1), generator=generator)
        query = keys.gather(1, which)
        answer = values.gather(1, which)
        inputs = torch.empty(B, length, dtype=torch.long)
        inputs[:, 0 : 2 * P : 2] = keys
        inputs[:, 1 : 2 * P : 2] = values
        inputs[:, 2 * P] = self.query_token
        inputs[:, 2 * P + 1] = query[:, 0]
        targets = torch.full((B, length), IGNORE_INDEX, dtype=torch.long)
        targets[:, -1] = answer[:, 0]
        return inputs, targets

    @property
    def chance(self) -> float:
        return 1.0 / self.n_values

    def describe(self) -> str:
        kind = "distinct keys" if self.distinct_keys else "keys with repetition"
        return (
            f"associative recall: vocab {self.vocab_size} ({self.n_keys} keys, {self.n_values} values, 1 marker), "
            f"length {self.seq_len} ({self.n_pairs()} pairs, {kind}), last position scored"
        )


# --------------------------------------------------------------------------- MQAR


class MultiQueryAssociativeRecall(SequenceTask):
    """Multi-query associative recall (MQAR) as in Zoology (Arora et al. 2023; ``arora2023zoology``).

    The first ``2P`` positions hold ``P`` key–value pairs with distinct keys and distinct
    values (keys ``1 … V/2−1``, values ``V/2 … V−1``, V = ``vocab_size``; a fresh pairing
    for every sequence). After that block every key is asked once more, in a random order,
    at position ``2P + 2·gap`` with distinct ``gap ∈ [0, (L − 2P) // 2)`` drawn without
    replacement with weights ∝ ``(gap + 1)^(power_a − 1)`` (Zoology's power law: with the
    default ``power_a=0.01`` queries crowd near the block; ``power_a=1`` is uniform). The
    target at a query position is its value; all other positions are ignored and, with
    ``noise=True`` (Zoology's ``random_non_queries``), hold uniform random tokens of the
    whole vocabulary, else the blank token 0. Example with V = 16, P = 2, L = 12::

        position  0   1   2   3  | 4   5   6   7   8   9   10  11
        inputs    3   12  5   9  | x   x   5   x   3   x   x   x
        targets   ·   ·   ·   ·  | ·   ·   9   ·   12  ·   ·   ·

    Needs ``L ≥ 4P`` (room for the queries) and ``P < V/2`` (enough keys and values).
    Defaults ``vocab_size=256, seq_len=64, n_pairs=4`` (Zoology's smallest setting); the
    stretch setting is ``seq_len=256, n_pairs=16``. Targets are token ids
    (``n_classes = vocab_size``).

    Explained in Chapter 10, *The benchmarks*.
    """

    name = "mqar"

    def __init__(
        self,
        vocab_size: int = 256,
        seq_len: int = 64,
        n_pairs: int = 4,
        power_a: float = 0.01,
        noise: bool = True,
    ) -> None:
        self.vocab_size = _positive_int(vocab_size, "vocab_size")
        self.n_classes = self.vocab_size
        self.n_pairs = _positive_int(n_pairs, "n_pairs")
        self.key_range = (1, self.vocab_size // 2)
        self.value_range = (self.vocab_size // 2, self.vocab_size)
        n_keys = self.key_range[1] - self.key_range[0]
        n_values = self.value_range[1] - self.value_range[0]
        if self.n_pairs > n_keys or self.n_pairs > n_values:
            raise ValueError(
                f"vocab_size={self.vocab_size} is too small for {self.n_pairs} pairs: it has {n_keys} key tokens "
                f"and {n_values} value tokens, and every pair needs its own (use vocab_size ≥ {2 * self.n_pairs + 2})"
            )
        if isinstance(power_a, bool) or not isinstance(power_a, (int, float)) or not 0 < power_a <= 1:
            raise ValueError(f"power_a must be a number in (0, 1], got {power_a!r}")
        self.power_a = float(power_a)
        self.noise = bool(noise)
        self.seq_len = self.check_length(_positive_int(seq_len, "seq_len"))

    def check_length(self, length: Any) -> int:
        length = _positive_int(length, "length")
        if length < 4 * self.n_pairs:
            raise ValueError(
                f"MQAR with {self.n_pairs} pairs needs length ≥ {4 * self.n_pairs} (2P for the key–value block "
                f"and 2P for the queries), got length={length}"
            )
        return length

    def query_weights(self, length: int | None = None) -> Tensor:
        """The probabilities of the gaps ``0, 1, …`` between the block and a query (before removal).

        Explained in Chapter 10, *The benchmarks*.
        """
        length = self.check_length(self.seq_len if length is None else length)
        space = (length - 2 * self.n_pairs) // 2
        w = torch.arange(1, space + 1, dtype=torch.float64) ** (self.power_a - 1)
        return w / w.sum()

    def _generate(self, batch_size: int, generator: torch.Generator, length: int) -> tuple[Tensor, Tensor]:
        B, P, V = batch_size, self.n_pairs, self.vocab_size
        k0, k1 = self.key_range
        v0, v1 = self.value_range
        keys = _permuted_prefix(B, k1 - k0, P, generator) + k0
        values = _permuted_prefix(B, v1 - v0, P, generator) + v0
        weights = self.query_weights(length).expand(B, -1)
        gaps = torch.multinomial(weights, P, replacement=False, generator=generator)
        if self.noise:
            inputs = torch.randint(0, V, (B, length), generator=generator)
        else:
            inputs = torch.zeros(B, length, dtype=torch.long)
        inputs[:, 0 : 2 * P : 2] = keys
        inputs[:, 1 : 2 * P : 2] = values
        positions = 2 * P + 2 * gaps
        inputs.scatter_(1, positions, keys)
        targets = torch.full((B, length), IGNORE_INDEX, dtype=torch.long)
        targets.scatter_(1, positions, values)
        return inputs, targets

    @property
    def chance(self) -> float:
        return 1.0 / (self.value_range[1] - self.value_range[0])

    def describe(self) -> str:
        return (
            f"MQAR: vocab {self.vocab_size} (keys {self.key_range[0]}–{self.key_range[1] - 1}, values "
            f"{self.value_range[0]}–{self.value_range[1] - 1}), length {self.seq_len}, {self.n_pairs} pairs, "
            f"{self.n_pairs} queries scored"
        )


# --------------------------------------------------------------------------- group word problems


class GroupWordProblem(SequenceTask):
    """The word problem of a finite group G, tagged at every position (Merrill et al. 2024; ``merrill2024illusion``).

    ``inputs`` are element labels ``g_1 … g_L`` of G drawn uniformly; the target at
    position ``i`` is the label of the running product ``g_1·g_2···g_i`` (left to right,
    with G's own product, ``G.table[a, b] = a·b``)::

        inputs    g1   g2      g3         …
        targets   g1   g1·g2   g1·g2·g3   …

    ``vocab_size = n_classes = |G|``. ``scored="last"`` keeps only the full product (the
    classic word problem). Merrill, Petty and Sabharwal show that for a non-solvable G such
    as A_5 this is NC¹-complete, out of reach of fixed-depth transformers and SSMs, while
    solvable groups (Z_60, S_3, …) are easier; :attr:`is_solvable` says which case G is.

    Explained in Chapter 10, *The benchmarks*.
    """

    name = "word_problem"

    def __init__(self, group: FiniteGroup, seq_len: int = 32, scored: str = "all") -> None:
        if not isinstance(group, FiniteGroup):
            raise TypeError(
                f"the word problem needs a grouptools FiniteGroup (e.g. gt.alternating(5)), got {type(group).__name__}"
            )
        self.group = group
        self.vocab_size = self.n_classes = group.order
        self.scored = _check_scored(scored)
        self._table = torch.from_numpy(np.array(group.table, dtype=np.int64))  # a writable copy
        self._solvable: bool | None = None
        self.seq_len = self.check_length(_positive_int(seq_len, "seq_len"))

    @property
    def is_solvable(self) -> bool:
        """Whether G is solvable (its derived series reaches {e}); computed once.

        Explained in Chapter 10, *The benchmarks*.
        """
        if self._solvable is None:
            self._solvable = is_solvable(self.group)
        return self._solvable

    def check_length(self, length: Any) -> int:
        return _positive_int(length, "length")

    def running_product(self, inputs: Tensor) -> Tensor:
        """The prefix products ``g_1···g_i`` of a ``[B, L]`` tensor of labels (same device as ``inputs``).

        One loop over the positions, each step a table look-up for the whole batch
        (``state ← table[state, g_i]``); on the CPU it runs in numpy, whose small-array
        indexing costs less than torch's.

        Explained in Chapter 10, *The benchmarks*.
        """
        if not torch.is_tensor(inputs) or inputs.ndim != 2:
            raise ValueError("inputs must be a [B, L] tensor of element labels")
        if inputs.numel() and (int(inputs.min()) < 0 or int(inputs.max()) >= self.group.order):
            raise ValueError(f"inputs must be element labels 0..{self.group.order - 1} of {self.group.name}")
        if inputs.device.type == "cpu":
            return torch.from_numpy(_prefix_products_numpy(self._table.numpy(), inputs.long().numpy()))
        return _prefix_products_torch(self._table.to(inputs.device), inputs.long())

    def _generate(self, batch_size: int, generator: torch.Generator, length: int) -> tuple[Tensor, Tensor]:
        inputs = torch.randint(0, self.group.order, (batch_size, length), generator=generator)
        targets = self.running_product(inputs)
        if self.scored == "last":
            targets[:, :-1] = IGNORE_INDEX
        return inputs, targets

    @property
    def chance(self) -> float:
        return 1.0 / self.group.order

    def describe(self) -> str:
        kind = "solvable" if self.is_solvable else "non-solvable"
        where = "every position" if self.scored == "all" else "last position"
        return f"word problem of {self.group.name} (order {self.group.order}, {kind}), length {self.seq_len}, {where} scored"


class Parity(SequenceTask):
    """Running parity of a bit string: the word problem of Z_2 (Grazzi et al. 2024; ``grazzi2024unlocking``).

    ``inputs`` are bits ``x_1 … x_L``; the target at position ``i`` is
    ``(x_1 + … + x_i) mod 2``::

        inputs    1  0  1  1  0
        targets   1  1  0  1  1

    ``vocab_size = n_classes = 2``. Any length ≥ 1 works, so one can train on lengths
    ≤ 40 (``seq_len=40``) and test on lengths up to 256 with ``sample(…, length=256)``,
    the length-generalisation protocol of Grazzi et al. ``scored="last"`` scores only the
    parity of the whole string.

    Explained in Chapter 10, *The benchmarks*.
    """

    name = "parity"
    vocab_size = 2
    n_classes = 2

    def __init__(self, seq_len: int = 40, scored: str = "all") -> None:
        self.scored = _check_scored(scored)
        self.seq_len = self.check_length(_positive_int(seq_len, "seq_len"))

    def check_length(self, length: Any) -> int:
        return _positive_int(length, "length")

    def _generate(self, batch_size: int, generator: torch.Generator, length: int) -> tuple[Tensor, Tensor]:
        inputs = torch.randint(0, 2, (batch_size, length), generator=generator)
        targets = inputs.cumsum(dim=1) % 2
        if self.scored == "last":
            targets[:, :-1] = IGNORE_INDEX
        return inputs, targets

    @property
    def chance(self) -> float:
        return 0.5

    def describe(self) -> str:
        where = "every position" if self.scored == "all" else "last position"
        return f"parity (Z_2 word problem), length {self.seq_len}, {where} scored"


# --------------------------------------------------------------------------- registry


#: The task names accepted by :func:`make_task`.
TASKS: dict[str, type[SequenceTask]] = {
    "assoc_recall": AssociativeRecall,
    "mqar": MultiQueryAssociativeRecall,
    "word_problem": GroupWordProblem,
    "parity": Parity,
}


def make_task(name: str, **kwargs: Any) -> SequenceTask:
    """The task called ``name`` (``"assoc_recall"``, ``"mqar"``, ``"word_problem"``, ``"parity"``).

    Keyword arguments go to the task's constructor, e.g.
    ``make_task("word_problem", group=gt.alternating(5), seq_len=64)``.

    Explained in Chapter 10, *The benchmarks*.
    """
    if name not in TASKS:
        raise ValueError(f"unknown task {name!r}; the tasks are {', '.join(repr(k) for k in TASKS)}")
    if name == "word_problem" and "group" not in kwargs:
        raise TypeError("make_task('word_problem', ...) needs group=<a FiniteGroup>, e.g. group=gt.alternating(5)")
    return TASKS[name](**kwargs)


# --------------------------------------------------------------------------- metrics


def _check_logits(logits: Tensor, targets: Tensor) -> None:
    if not torch.is_tensor(logits) or not torch.is_tensor(targets):
        raise TypeError("logits and targets must be tensors")
    if logits.ndim != 3 or targets.ndim != 2 or logits.shape[:2] != targets.shape:
        raise ValueError(
            f"logits must be [B, L, n_classes] and targets [B, L] with the same B and L, "
            f"got logits {tuple(logits.shape)} and targets {tuple(targets.shape)}"
        )
    if targets.dtype != torch.long:
        raise TypeError(f"targets must be a LongTensor, got {targets.dtype}")
    if targets.device.type == "cpu":  # a cheap check here; on a GPU it would cost a synchronisation
        scored = targets[targets != IGNORE_INDEX]
        if scored.numel() and (int(scored.min()) < 0 or int(scored.max()) >= logits.shape[-1]):
            raise ValueError(
                f"targets must be class ids in [0, {logits.shape[-1]}) or IGNORE_INDEX={IGNORE_INDEX}, "
                f"found {int(scored.min())}…{int(scored.max())}"
            )


def argmax_credit(logits: Tensor, targets: Tensor) -> Tensor:
    """Per prediction, the probability that the argmax is right when exact ties are broken at random.

    ``logits`` is ``[..., n_classes]`` and ``targets`` ``[...]``. A class is tied with the
    maximum when its logit is within 16 machine epsilons (of the logits' dtype, relative
    to max(1, |max|)) of it; the credit is 1/k when the target is one of k tied classes,
    else 0. Without ties this is ``(logits.argmax(-1) == targets)``. With them, plain
    ``argmax`` would pick the first tied class, and which class comes first then depends
    on rounding noise: a model whose logits are all equal (after an ablation, say) would
    score anything from 0 to 1 depending on the machine, while its credit is exactly
    1/n_classes. Targets outside [0, n_classes) (such as ``IGNORE_INDEX``) get 0.

    Explained in Chapter 8, *Ablations*.
    """
    if logits.shape[:-1] != targets.shape:
        raise ValueError(
            f"logits [..., n_classes] and targets [...] must agree in their leading dimensions, got "
            f"{tuple(logits.shape)} and {tuple(targets.shape)}"
        )
    top = logits.max(dim=-1, keepdim=True).values
    eps = torch.finfo(logits.dtype).eps if logits.is_floating_point() else 0.0
    tol = 16 * eps * top.abs().clamp(min=1.0)
    tied = logits >= top - tol
    k = tied.sum(dim=-1)
    valid = (targets >= 0) & (targets < logits.shape[-1])
    hit = tied.gather(-1, targets.clamp(0, logits.shape[-1] - 1).unsqueeze(-1)).squeeze(-1) & valid
    return hit.to(torch.float64) / k.to(torch.float64)


def _correct_and_mask(logits: Tensor, targets: Tensor) -> tuple[Tensor, Tensor]:
    """The credit of each position (:func:`argmax_credit`, 0 where not scored) and the scored mask."""
    _check_logits(logits, targets)
    mask = targets != IGNORE_INDEX
    return argmax_credit(logits, targets) * mask, mask


def accuracy(logits: Tensor, targets: Tensor) -> float:
    """Fraction of scored positions (``targets != IGNORE_INDEX``) whose argmax is right; nan if none.

    Exact ties count as a fraction (:func:`argmax_credit`).

    Explained in Chapter 10, *The benchmarks*.
    """
    credit, mask = _correct_and_mask(logits, targets)
    n = int(mask.sum())
    return float("nan") if n == 0 else float(credit.sum()) / n


def per_position_accuracy(logits: Tensor, targets: Tensor) -> Tensor:
    """Accuracy at each position ``[L]`` (float, on CPU), nan where no sequence is scored there.

    Explained in Chapter 10, *The benchmarks*.
    """
    credit, mask = _correct_and_mask(logits, targets)
    num = credit.sum(dim=0).double().cpu()
    den = mask.sum(dim=0).double().cpu()
    out = num / den.clamp(min=1)
    out[den == 0] = math.nan
    return out


def sequence_accuracy(logits: Tensor, targets: Tensor) -> float:
    """Fraction of sequences (with at least one scored position) whose scored positions are all right.

    With exact ties a sequence counts with the product of its positions' credits (ties
    broken independently at random). nan if no sequence has a scored position.

    Explained in Chapter 10, *The benchmarks*.
    """
    credit, mask = _correct_and_mask(logits, targets)
    ok = torch.where(mask, credit, torch.ones_like(credit)).prod(dim=1)
    has = mask.any(dim=1)
    n = int(has.sum())
    return float("nan") if n == 0 else float((ok * has).sum()) / n


def task_loss(logits: Tensor, targets: Tensor) -> Tensor:
    """Mean cross-entropy over the scored positions (``ignore_index=IGNORE_INDEX``).

    Explained in Chapter 10, *The benchmarks*.
    """
    _check_logits(logits, targets)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1), ignore_index=IGNORE_INDEX)
