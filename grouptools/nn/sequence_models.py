"""Token-in, logits-out sequence models built from attention and S4 blocks, and the operators that combine them.

A model is ``embedding → block_1 → … → block_n → LayerNorm → linear head``. Every block
maps the residual stream ℝ^{B×L×d} to itself, so blocks compose like the endomorphisms
of Chapter 1, and the *composition operator* of source 000 §III becomes precise:

* **sequential composition** — :func:`stack` (running order) is
  :func:`grouptools.models.compose` (function order) read backwards; associative, with
  ``nn.Identity`` as identity: a monoid (a category once widths may differ);
* **interleaving** — :func:`interleave` of two equally deep stacks, A₁ S₁ A₂ S₂ …; a
  word in the monoid, not a new operation on models (it is not even defined on stacks
  of different depth);
* **parallel branches** — :class:`Parallel`, x ↦ f(x) + g(x); associative, commutative,
  with the zero map as identity.

A mixer is ``"attention"`` (causal SDPA, rotary or no positions), ``"s4"`` (the DPLR
layer) or ``"s4d"``; the letters ``A``, ``S``, ``D`` and ``P`` (a parallel attention + S4
block) spell a model's layer pattern, e.g. ``"ASAS"``. :func:`build_model` builds one,
:func:`matched_models` builds the compared architectures with matched parameter
counts, :func:`commutator_gap` measures ‖f∘g − g∘f‖/‖f∘g‖, :class:`Ensemble` averages
trained models, and the helpers at the end time models as the sequence grows. Training
and testing on the tasks of :mod:`grouptools.nn.tasks` is :mod:`grouptools.nn.capstone`'s.

Explained in Chapter 10, *A Transformer–S4 composition*.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import torch
from torch import Tensor, nn

from ..models import Composition, compose
from .attention import MultiHeadSelfAttention
from .s4 import S4DLayer, S4Layer, _SSMLayer, fft_conv
from .selective import GRUMixer, H3Block, SelectiveRecurrence
from .timing import timeit

__all__ = [
    "MIXER_KINDS",
    "ARCHITECTURES",
    "make_mixer",
    "Residual",
    "Parallel",
    "ZeroMap",
    "MixerBlock",
    "SSMConvolution",
    "SequenceModel",
    "stack",
    "interleave",
    "parallel",
    "architecture_pattern",
    "build_model",
    "count_parameters",
    "matched_models",
    "commutator_gap",
    "Ensemble",
    "throughput",
    "ssm_kernel_and_conv_time",
    "scaling_sweep",
    "crossover_length",
]

_SEC = "Explained in Chapter 10, *{}*."

MIXER_KINDS = ("attention", "s4", "s4d", "parallel", "h3", "selective", "gru")
_LETTERS = {"A": "attention", "S": "s4", "D": "s4d", "P": "parallel", "H": "h3", "M": "selective", "G": "gru"}

#: The architectures compared in Chapter 10: name → how its layer pattern is spelled for n layers.
ARCHITECTURES: dict[str, Callable[[int], str]] = {
    "transformer": lambda n: "A" * n,
    "s4": lambda n: "S" * n,
    "s4d": lambda n: "D" * n,
    "hybrid": lambda n: ("AS" * n)[:n],  # interleaved A, S, A, S, …
    "stacked": lambda n: "S" * (n // 2) + "A" * (n - n // 2),  # S4 first, then attention
    "parallel": lambda n: "P" * n,  # each block sums an attention and an S4 branch
}


def _check_positive_int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def _check_module(m: object, name: str) -> nn.Module:
    if not isinstance(m, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, not {type(m).__name__}")
    return m


# --------------------------------------------------------------------------- mixers and blocks


def make_mixer(
    kind: str,
    d_model: int,
    *,
    n_heads: int = 4,
    d_state: int = 64,
    l_max: int = 1024,
    positional: str = "rotary",
    transitions: str = "positive",
    selective: bool = True,
    dtype: torch.dtype | None = None,
) -> nn.Module:
    """One sequence mixer (B, L, d) → (B, L, d): attention, S4, S4D, the two in parallel, H3, a selective recurrence or a GRU.

    ``kind`` is ``"attention"`` (:class:`~grouptools.nn.MultiHeadSelfAttention`, causal,
    ``positional`` ``"rotary"`` or ``"none"``), ``"s4"`` (:class:`~grouptools.nn.S4Layer`
    with ``l_max``), ``"s4d"`` (:class:`~grouptools.nn.S4DLayer`), ``"parallel"``
    (attention ⊕ S4, the sum of the two branches, :class:`Parallel`), ``"h3"``
    (:class:`~grouptools.nn.H3Block`), ``"selective"``
    (:class:`~grouptools.nn.SelectiveRecurrence` with ``transitions`` and ``selective``)
    or ``"gru"`` (:class:`~grouptools.nn.GRUMixer`). ``d_state`` is the state size of
    the SSM kinds.

    Explained in Chapter 10, *The models*.
    """
    if kind not in MIXER_KINDS:
        raise ValueError(f"mixer kind must be one of {MIXER_KINDS}, not {kind!r}")
    _check_positive_int(d_model, "d_model")
    if kind == "attention":
        return MultiHeadSelfAttention(d_model, n_heads, causal=True, positional=positional, dtype=dtype)
    if kind == "s4":
        return S4Layer(d_model, d_state, l_max=l_max, dtype=dtype)
    if kind == "parallel":
        kw = dict(n_heads=n_heads, d_state=d_state, l_max=l_max, positional=positional, dtype=dtype)
        return Parallel(make_mixer("attention", d_model, **kw), make_mixer("s4", d_model, **kw))
    if kind == "h3":
        return H3Block(d_model, d_state, dtype=dtype)
    if kind == "selective":
        return SelectiveRecurrence(d_model, d_state, transitions=transitions, selective=selective, dtype=dtype)
    if kind == "gru":
        return GRUMixer(d_model, dtype=dtype)
    return S4DLayer(d_model, d_state, dtype=dtype)


class Residual(nn.Module):
    """The pre-norm residual map x ↦ x + f(LayerNorm(x)) (no norm when ``norm=False``).

    Explained in Chapter 10, *The composition operator, made precise*.
    """

    def __init__(self, f: nn.Module, d_model: int, norm: bool = True, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.f = _check_module(f, "f")
        self.norm = nn.LayerNorm(_check_positive_int(d_model, "d_model"), dtype=dtype) if norm else nn.Identity()

    def forward(self, x: Tensor) -> Tensor:
        """x ↦ x + f(LN(x)), shape preserved.

        Explained in Chapter 10, *The composition operator, made precise*.
        """
        return x + self.f(self.norm(x))


class Parallel(nn.Module):
    """Parallel branches x ↦ f₁(x) + f₂(x) + … + f_k(x); with no branch, the zero map.

    Explained in Chapter 10, *The composition operator, made precise*.
    """

    def __init__(self, *branches: nn.Module) -> None:
        super().__init__()
        for i, b in enumerate(branches):
            _check_module(b, f"branch {i}")
        self.branches = nn.ModuleList(branches)

    def forward(self, x: Tensor) -> Tensor:
        """The sum of the branches' outputs (zeros when there is no branch).

        Explained in Chapter 10, *The composition operator, made precise*.
        """
        if not len(self.branches):
            return torch.zeros_like(x)
        out = self.branches[0](x)
        for b in self.branches[1:]:
            out = out + b(x)
        return out


class ZeroMap(nn.Module):
    """x ↦ 0, the identity element of :func:`parallel`.

    Explained in Chapter 10, *The composition operator, made precise*.
    """

    def forward(self, x: Tensor) -> Tensor:
        """A tensor of zeros shaped like x.

        Explained in Chapter 10, *The composition operator, made precise*.
        """
        return torch.zeros_like(x)


def _mlp(d_model: int, hidden: int, dtype: torch.dtype | None) -> nn.Sequential:
    return nn.Sequential(nn.Linear(d_model, hidden, dtype=dtype), nn.GELU(), nn.Linear(hidden, d_model, dtype=dtype))


class MixerBlock(nn.Module):
    """x ↦ x + mixer(LN(x)), then ↦ · + MLP(LN(·)): a pre-norm residual block with one mixer.

    ``forward(x) = (Residual(MLP) ∘ Residual(mixer))(x)``; ``kind`` is one of
    :data:`MIXER_KINDS`; ``mlp_hidden`` is the MLP's hidden width (default 4·d).

    Explained in Chapter 10, *The models*.
    """

    def __init__(self, kind: str, d_model: int, *, mlp_hidden: int | None = None, dtype: torch.dtype | None = None, **mixer_kw: Any) -> None:
        super().__init__()
        self.kind = kind
        self.d_model = d_model
        self.mixer = Residual(make_mixer(kind, d_model, dtype=dtype, **mixer_kw), d_model, dtype=dtype)
        hidden = 4 * d_model if mlp_hidden is None else _check_positive_int(mlp_hidden, "mlp_hidden")
        self.mlp = Residual(_mlp(d_model, hidden, dtype), d_model, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d) → (B, L, d): the mixer residual, then the MLP residual.

        Explained in Chapter 10, *The models*.
        """
        return self.mlp(self.mixer(x))


class SSMConvolution(nn.Module):
    """The linear, time-invariant part of an S4/S4D layer alone: u ↦ K * u + D u, channel by channel.

    No output mixing and no nonlinearity, so two of these are depthwise causal
    convolutions and **commute** (convolution is commutative).

    Explained in Chapter 10, *Do attention and S4 commute?*.
    """

    def __init__(self, layer: nn.Module) -> None:
        super().__init__()
        if not isinstance(layer, _SSMLayer):
            raise TypeError(f"layer must be an S4Layer or S4DLayer, not {type(layer).__name__}")
        self.layer = layer

    def forward(self, u: Tensor) -> Tensor:
        """(B, L, H) → (B, L, H): the layer's ``conv`` (K * u + D u), nothing else.

        Explained in Chapter 10, *Do attention and S4 commute?*.
        """
        return self.layer.conv(u)


# --------------------------------------------------------------------------- operators


def stack(*blocks: nn.Module) -> Composition:
    """Sequential composition in *running order*: ``stack(a, b, c)(x) = c(b(a(x)))``.

    It is ``grouptools.models.compose(c, b, a)`` (function order, rightmost first), so it
    inherits associativity and the identity ``stack() = nn.Identity``-like empty composite.

    Explained in Chapter 10, *The composition operator, made precise*.
    """
    return compose(*reversed(blocks))


def interleave(first: Sequence[nn.Module], second: Sequence[nn.Module]) -> Composition:
    """Interleave two equally deep stacks: first₁, second₁, first₂, second₂, … (running order).

    Defined only when both have the same depth (``ValueError`` otherwise).

    Explained in Chapter 10, *The composition operator, made precise*.
    """
    first, second = list(first), list(second)
    if len(first) != len(second):
        raise ValueError(f"interleave needs two stacks of the same depth, got {len(first)} and {len(second)} blocks")
    if not first:
        raise ValueError("interleave needs at least one block in each stack")
    return stack(*[m for pair in zip(first, second) for m in pair])


def parallel(*branches: nn.Module) -> Parallel:
    """The parallel-branch operator f ⊕ g : x ↦ f(x) + g(x) (flattening nested sums).

    Explained in Chapter 10, *The composition operator, made precise*.
    """
    flat: list[nn.Module] = []
    for i, b in enumerate(branches):
        _check_module(b, f"branch {i}")
        flat.extend(b.branches if isinstance(b, Parallel) else [b])
    return Parallel(*flat)


# --------------------------------------------------------------------------- the model


def architecture_pattern(name: str, n_layers: int) -> str:
    """The layer pattern of a named architecture (:data:`ARCHITECTURES`), e.g. ``("hybrid", 4) → "ASAS"``.

    Explained in Chapter 10, *The models*.
    """
    if name not in ARCHITECTURES:
        raise ValueError(f"unknown architecture {name!r}; choose from {sorted(ARCHITECTURES)}")
    return ARCHITECTURES[name](_check_positive_int(n_layers, "n_layers"))


class SequenceModel(nn.Module):
    """Tokens (B, L) → logits (B, L, n_classes): embedding, blocks in ``pattern``, final LayerNorm, linear head.

    ``pattern`` spells the blocks in running order with the letters ``A`` (attention),
    ``S`` (S4), ``D`` (S4D), ``P`` (parallel attention + S4), ``H`` (H3), ``M`` (selective
    recurrence, with ``transitions`` and ``selective``) and ``G`` (GRU). :attr:`backbone` is the
    blocks as one :class:`grouptools.models.Composition`. Every block is causal, so the
    logits at position i depend only on tokens 0..i.

    Explained in Chapter 10, *The models*.
    """

    def __init__(
        self,
        pattern: str,
        vocab_size: int,
        n_classes: int,
        d_model: int = 64,
        *,
        n_heads: int = 4,
        d_state: int = 64,
        l_max: int = 1024,
        positional: str = "rotary",
        transitions: str = "positive",
        selective: bool = True,
        mlp_hidden: int | None = None,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if not isinstance(pattern, str) or not pattern:
            raise ValueError(f"pattern must be a non-empty string of the letters {sorted(_LETTERS)}, got {pattern!r}")
        bad = sorted(set(pattern) - set(_LETTERS))
        if bad:
            raise ValueError(
                f"pattern {pattern!r} has unknown letters {bad}; use A (attention), S (S4), D (S4D), P (parallel), "
                f"H (H3), M (selective recurrence), G (GRU)"
            )
        _check_positive_int(vocab_size, "vocab_size")
        _check_positive_int(n_classes, "n_classes")
        _check_positive_int(d_model, "d_model")
        if ("A" in pattern or "P" in pattern) and d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads} for attention blocks")
        if set(pattern) & set("SDPH") and d_state % 2:
            raise ValueError(f"d_state must be even, got {d_state}")
        self.pattern = pattern
        self.vocab_size, self.n_classes, self.d_model = vocab_size, n_classes, d_model
        self.l_max = l_max
        kw = dict(n_heads=n_heads, d_state=d_state, l_max=l_max, positional=positional, transitions=transitions, selective=selective)
        self.blocks = nn.ModuleList(
            MixerBlock(_LETTERS[letter], d_model, mlp_hidden=mlp_hidden, dtype=dtype, **kw) for letter in pattern
        )
        self.embed = nn.Embedding(vocab_size, d_model, dtype=dtype)
        self.norm = nn.LayerNorm(d_model, dtype=dtype)
        self.head = nn.Linear(d_model, n_classes, dtype=dtype)

    @property
    def backbone(self) -> Composition:
        """The blocks as one composite map of the residual stream, ``stack(block_1, …, block_n)``.

        Explained in Chapter 10, *The composition operator, made precise*.
        """
        return stack(*self.blocks)

    def forward(self, tokens: Tensor) -> Tensor:
        """Token ids (B, L) → logits (B, L, n_classes); checks the ids and the length against ``l_max``.

        Explained in Chapter 10, *The models*.
        """
        if not torch.is_tensor(tokens) or tokens.dtype not in (torch.int64, torch.int32):
            raise TypeError("input must be an integer tensor of token ids, shape (batch, length)")
        if tokens.ndim != 2:
            raise ValueError(f"tokens must have shape (batch, length), got {tuple(tokens.shape)}")
        if tokens.numel() and (int(tokens.min()) < 0 or int(tokens.max()) >= self.vocab_size):
            raise ValueError(f"token ids must lie in [0, {self.vocab_size}), got range [{int(tokens.min())}, {int(tokens.max())}]")
        if "S" in self.pattern or "P" in self.pattern:
            if tokens.shape[1] > self.l_max:
                raise ValueError(f"sequence length {tokens.shape[1]} exceeds the S4 layers' l_max={self.l_max}")
        x = self.embed(tokens)
        for block in self.blocks:
            x = block(x)
        return self.head(self.norm(x))

    def extra_repr(self) -> str:
        return f"pattern={self.pattern!r}, d_model={self.d_model}, vocab={self.vocab_size}, classes={self.n_classes}"


def build_model(
    architecture: str,
    vocab_size: int,
    n_classes: int,
    d_model: int = 64,
    n_layers: int = 2,
    **kw: Any,
) -> SequenceModel:
    """A :class:`SequenceModel` for a named architecture of :data:`ARCHITECTURES` (or a raw pattern such as ``"SDA"``).

    ``kw`` goes to :class:`SequenceModel` (``n_heads``, ``d_state``, ``l_max``,
    ``positional``, ``mlp_hidden``, ``dtype``).

    Explained in Chapter 10, *The models*.
    """
    pattern = architecture_pattern(architecture, n_layers) if architecture in ARCHITECTURES else architecture
    if architecture not in ARCHITECTURES and (not isinstance(architecture, str) or set(architecture) - set(_LETTERS) or not architecture):
        raise ValueError(f"unknown architecture {architecture!r}; choose from {sorted(ARCHITECTURES)} or spell a pattern with A, S, D, P, H, M, G")
    return SequenceModel(pattern, vocab_size, n_classes, d_model, **kw)


def count_parameters(model: nn.Module) -> int:
    """The number of trainable scalars in ``model``.

    Explained in Chapter 10, *The models*.
    """
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def _param_formula(architecture: str, vocab_size: int, n_classes: int, n_layers: int, kw: dict) -> Callable[[int, int], int]:
    """The exact parameter count of ``build_model(architecture, …)`` as a function of (d_model, mlp_hidden).

    Counted by hand (tested against :func:`count_parameters` for every architecture):
    attention 4d² + 4d; S4 4dN + 2d² + 4d; S4D 3dN + 2d² + 4d; each LayerNorm 2d; MLP 2dh + h + d.
    """
    pattern = architecture_pattern(architecture, n_layers) if architecture in ARCHITECTURES else architecture
    N = kw.get("d_state", 64)

    def mixer(kind: str, d: int) -> int:
        if kind == "attention":
            return 4 * d * d + 4 * d
        return (4 if kind == "s4" else 3) * d * N + 2 * d * d + 4 * d

    def count(d: int, hidden: int) -> int:
        total = vocab_size * d + 2 * d + d * n_classes + n_classes
        for letter in pattern:
            mix = mixer("attention", d) + mixer("s4", d) if letter == "P" else mixer(_LETTERS[letter], d)
            total += mix + 2 * d + (2 * d * hidden + hidden + d) + 2 * d
        return total

    return count


def matched_models(
    architectures: Sequence[str],
    vocab_size: int,
    n_classes: int,
    *,
    d_model: int = 64,
    n_layers: int = 2,
    reference: str = "transformer",
    seed: int = 0,
    device: Any = None,
    **kw: Any,
) -> tuple[dict[str, SequenceModel], dict[str, dict]]:
    """Build each architecture with (almost) the same number of parameters as ``reference``.

    The reference is built with ``d_model`` and an MLP of width 4·d_model. Every other
    architecture gets the width d (a multiple of 2·``n_heads`` when it has attention, even
    otherwise) and then the MLP hidden width h that bring its parameter count closest to
    the reference's. Returns ``(models, info)`` where ``info[name]`` holds ``d_model``,
    ``mlp_hidden``, ``pattern``, ``params`` and ``ratio`` (params / reference params).
    Each model is built after ``torch.manual_seed(seed)``.

    Explained in Chapter 10, *The models*.
    """
    names = list(architectures)
    if not names:
        raise ValueError("give at least one architecture")
    for n in names + [reference]:
        architecture_pattern(n, n_layers)  # validates
    n_heads = kw.get("n_heads", 4)
    target = _param_formula(reference, vocab_size, n_classes, n_layers, kw)(d_model, 4 * d_model)
    models: dict[str, SequenceModel] = {}
    info: dict[str, dict] = {}
    for name in names:
        pattern = architecture_pattern(name, n_layers)
        if name == reference:
            d, h = d_model, 4 * d_model
        else:
            count = _param_formula(name, vocab_size, n_classes, n_layers, kw)
            step = 2 * n_heads if ("A" in pattern or "P" in pattern) else 2
            best = None
            for d in range(step, 4 * d_model + step, step):
                # the hidden width that makes count(d, h) closest to target (count is affine in h)
                slope = count(d, 2) - count(d, 1)
                h = max(1, round((target - count(d, 1)) / slope) + 1)
                h = min(h, 8 * d)  # keep the MLP at most 8·d wide
                gap = abs(count(d, h) - target)
                key = (gap / target > 0.01, abs(math.log(h / (4 * d))), gap)  # prefer an MLP ratio near 4
                if best is None or key < best[0]:
                    best = (key, d, h)
            _, d, h = best
        torch.manual_seed(seed)
        m = build_model(name, vocab_size, n_classes, d, n_layers, mlp_hidden=h, **kw)
        if device is not None:
            m = m.to(device)
        models[name] = m
        p = count_parameters(m)
        info[name] = {"pattern": pattern, "d_model": d, "mlp_hidden": h, "params": p, "ratio": p / target}
    return models, info


# --------------------------------------------------------------------------- commutators


def commutator_gap(f: nn.Module, g: nn.Module, x: Tensor) -> float:
    """‖f(g(x)) − g(f(x))‖ / ‖f(g(x))‖ (Frobenius norms over the whole batch): 0 iff f∘g = g∘f on x.

    Explained in Chapter 10, *Do attention and S4 commute?*.
    """
    _check_module(f, "f")
    _check_module(g, "g")
    if not torch.is_tensor(x):
        raise TypeError(f"x must be a tensor of inputs, not {type(x).__name__}")
    with torch.no_grad():
        fg = f(g(x))
        gf = g(f(x))
    if fg.shape != gf.shape:
        raise ValueError(f"f∘g and g∘f have different shapes {tuple(fg.shape)} and {tuple(gf.shape)}; they cannot be compared")
    denom = torch.linalg.vector_norm(fg)
    if denom == 0:
        raise ValueError("f(g(x)) is zero on these inputs; the relative gap is undefined")
    return float(torch.linalg.vector_norm(fg - gf) / denom)


# --------------------------------------------------------------------------- ensembles


class Ensemble(nn.Module):
    """The classic ensemble of trained models: the average of their predicted probabilities.

    ``forward(x) = log((1/k) Σᵢ softmax(mᵢ(x)))``, returned as logits (their softmax is the
    average), so :func:`~grouptools.nn.tasks.task_loss` and the accuracy functions apply
    unchanged. Its cost is the sum of its members' costs.

    Explained in Chapter 10, *Is the hybrid at least as good?*.
    """

    def __init__(self, *members: nn.Module) -> None:
        super().__init__()
        if not members:
            raise ValueError("an ensemble needs at least one member")
        for i, m in enumerate(members):
            _check_module(m, f"member {i}")
        self.members = nn.ModuleList(members)
        self.vocab_size = getattr(members[0], "vocab_size", None)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L) tokens → (B, L, n_classes) log of the averaged probabilities.

        Explained in Chapter 10, *Is the hybrid at least as good?*.
        """
        logp = torch.stack([torch.log_softmax(m(x), dim=-1) for m in self.members])
        return torch.logsumexp(logp, dim=0) - math.log(len(self.members))


# --------------------------------------------------------------------------- throughput


def throughput(
    model: nn.Module, *, batch_size: int, length: int, device: Any = None, repeats: int = 3, vocab_size: int | None = None
) -> dict[str, float]:
    """Tokens per second of ``model`` on random tokens: forward (no autograd) and forward+backward.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    dev = torch.device(device) if device is not None else next(model.parameters()).device
    V = vocab_size or getattr(model, "vocab_size", None)
    if V is None:
        raise ValueError("give vocab_size for a model without a .vocab_size attribute")
    gen = torch.Generator().manual_seed(0)
    x = torch.randint(0, V, (batch_size, length), generator=gen).to(dev)

    def fwd() -> None:
        with torch.no_grad():
            model(x)

    def fwd_bwd() -> None:
        model(x).float().logsumexp(-1).mean().backward()

    t_f = timeit(fwd, dev, repeats)
    t_fb = timeit(fwd_bwd, dev, repeats)
    model.zero_grad(set_to_none=True)
    n = batch_size * length
    return {"forward_ms": 1e3 * t_f, "forward_backward_ms": 1e3 * t_fb, "tokens_per_s_forward": n / t_f, "tokens_per_s_forward_backward": n / t_fb}


def ssm_kernel_and_conv_time(layer: nn.Module, *, batch_size: int, length: int, device: Any = None, repeats: int = 3) -> dict[str, float]:
    """Milliseconds to generate an S4/S4D layer's length-L kernel, and to apply it by FFT convolution.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    if not isinstance(layer, _SSMLayer):
        raise TypeError(f"layer must be an S4Layer or S4DLayer, not {type(layer).__name__}")
    dev = torch.device(device) if device is not None else layer.log_dt.device
    u = torch.randn(batch_size, layer.d_model, length, generator=torch.Generator().manual_seed(0)).to(dev)
    with torch.no_grad():
        t_k = timeit(lambda: layer.kernel(length), dev, repeats)
        k = layer.kernel(length)
        t_c = timeit(lambda: fft_conv(u, k), dev, repeats)
    return {"kernel_ms": 1e3 * t_k, "conv_ms": 1e3 * t_c}


def scaling_sweep(
    architectures: Sequence[str],
    lengths: Sequence[int],
    *,
    d_model: int = 64,
    n_layers: int = 2,
    tokens: int = 8192,
    vocab_size: int = 32,
    device: Any = None,
    repeats: int = 3,
    **kw: Any,
) -> list[dict]:
    """Time each (parameter-matched) architecture at each length, ``tokens`` tokens per batch.

    One row per (architecture, length) with the keys of :func:`throughput`, plus, for the
    first S4 (or S4D) layer of a model, ``kernel_ms`` and ``conv_ms`` from
    :func:`ssm_kernel_and_conv_time`.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    dev = torch.device(device) if device is not None else torch.device("cpu")
    rows = []
    for L in lengths:
        _check_positive_int(L, "length")
        models, info = matched_models(architectures, vocab_size, vocab_size, d_model=d_model, n_layers=n_layers, l_max=max(L, 2), device=dev, **kw)
        batch = max(1, tokens // L)
        for name, m in models.items():
            row = {"model": name, "L": L, "batch": batch, "params": info[name]["params"]}
            row.update(throughput(m, batch_size=batch, length=L, device=dev, repeats=repeats))
            ssm = next((x for x in m.modules() if isinstance(x, _SSMLayer)), None)
            if ssm is not None:
                row.update(ssm_kernel_and_conv_time(ssm, batch_size=batch, length=L, device=dev, repeats=repeats))
            rows.append(row)
    return rows


def crossover_length(rows: Sequence[dict], fast: str = "s4", slow: str = "transformer", key: str = "forward_backward_ms") -> int | None:
    """The smallest swept length from which on ``fast`` is quicker than ``slow`` (``None`` if never).

    "From which on": ``fast`` must stay quicker at every longer swept length too.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    t = {(r["model"], r["L"]): r[key] for r in rows}
    lengths = sorted({r["L"] for r in rows if (fast, r["L"]) in t and (slow, r["L"]) in t})
    if not lengths:
        raise ValueError(f"rows hold no length timed for both {fast!r} and {slow!r}")
    answer = None
    for L in reversed(lengths):
        if t[(fast, L)] < t[(slow, L)]:
            answer = L
        else:
            break
    return answer
