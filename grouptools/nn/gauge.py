"""Parameter symmetries along depth: the residual stream, per-layer gauges, and reparametrised time.

* **The residual stream.** In a pre-norm Transformer (:class:`PreNormTransformer`) the
  stream x ∈ Rᵈ is read only through a norm followed by a linear map and written only by
  adding linear outputs. For Q ∈ O(d), :func:`rotate_residual_stream` multiplies every
  writer by Q on the output side and every reader by Qᵀ on the input side; with RMSNorm
  without gain the function is unchanged. Per-coordinate gains must first be folded into
  the next linear maps (:func:`fold_norm_gains`); LayerNorm keeps only the Q that map the
  all-ones vector 1 to ±1 (:func:`orthogonal_fixing_ones`); stream-writing biases rotate too.
* **Gauges that vary with depth.** Per-layer symmetries combine into a product over layers:
  :func:`mlp_gauge_transform` applies an independent positive monomial matrix to every
  hidden layer of a ReLU MLP. In a residual network (:class:`ResidualMLP`),
  :func:`residual_gauge_transform` changes the basis of stream l by Q_l; identity skips
  force Q_l = Q_{l+1}, learned skips transform as S_l ↦ Q_{l+1} S_l Q_l⁻¹.
* **Neural ODEs.** For dx/dt = f(x, t) on [0, 1] (:class:`TimeDependentField`) and an
  increasing φ with φ(0) = 0, φ(1) = 1, the field g(x, s) = φ'(s) f(x, φ(s))
  (:func:`reparametrize_time`) has the same time-1 flow. :func:`odeint_fixed` integrates
  with Euler (a residual network) or RK4; :func:`flow_gap` and :func:`loglog_slope`
  measure how fast the two discretised flows agree.

Everything is float64.

Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import torch
from torch import Tensor, nn

from .attention import MultiHeadSelfAttention
from .parameter_symmetries import _square_invertible, mlp_hidden_transform, mlp_linear_layers

__all__ = [
    "PreNormTransformer",
    "random_orthogonal",
    "orthogonal_fixing_ones",
    "fold_norm_gains",
    "rotate_residual_stream",
    "relative_change",
    "mlp_gauge_transform",
    "ResidualMLP",
    "residual_gauge_transform",
    "TimeDependentField",
    "sine_reparametrization",
    "reparametrize_time",
    "odeint_fixed",
    "flow_gap",
    "loglog_slope",
]

DT = torch.float64
_NORMS = ("rms", "layer")
_TOL = 1e-10


def _positive_int(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


# --------------------------------------------------------------------------- the residual stream


class _Block(nn.Module):
    def __init__(self, d_model: int, n_heads: int, norm: str, gain: bool, causal: bool, eps: float) -> None:
        super().__init__()
        self.norm1 = _make_norm(norm, d_model, gain, eps)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, causal=causal, dtype=DT)
        self.norm2 = _make_norm(norm, d_model, gain, eps)
        self.mlp = nn.Sequential(nn.Linear(d_model, 4 * d_model, dtype=DT), nn.GELU(), nn.Linear(4 * d_model, d_model, dtype=DT))

    def forward(self, x: Tensor) -> Tensor:
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))


def _make_norm(norm: str, d: int, gain: bool, eps: float) -> nn.Module:
    if norm == "rms":
        return nn.RMSNorm(d, eps=eps, elementwise_affine=gain, dtype=DT)
    return nn.LayerNorm(d, eps=eps, elementwise_affine=gain, bias=False, dtype=DT)


class PreNormTransformer(nn.Module):
    """A small pre-norm Transformer in float64: tokens → logits, with RMSNorm or LayerNorm.

    ``x = E[token] + P[position]``; each of ``n_blocks`` blocks computes
    ``x ← x + Attn(N₁(x))``, ``x ← x + MLP(N₂(x))`` (GELU, width 4·d); the logits are
    ``U N_f(x)``. ``norm`` is ``"rms"`` (RMSNorm) or ``"layer"`` (LayerNorm, no bias); with
    ``gain=True`` every norm has a per-coordinate gain γ, drawn from [0.5, 1.5] so that it
    differs from 1 as trained gains do (γ = 1 would hide what it breaks). Weights are drawn from ``seed`` without
    touching the global random state. Input (batch, length) integer tokens, output
    (batch, length, vocab).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """

    def __init__(
        self,
        vocab: int = 11,
        d_model: int = 12,
        n_heads: int = 3,
        n_blocks: int = 2,
        max_len: int = 16,
        *,
        norm: str = "rms",
        gain: bool = False,
        causal: bool = True,
        eps: float = 1e-6,
        seed: int = 0,
    ) -> None:
        super().__init__()
        for value, name in ((vocab, "vocab"), (d_model, "d_model"), (n_blocks, "n_blocks"), (max_len, "max_len")):
            _positive_int(value, name)
        if norm not in _NORMS:
            raise ValueError(f"norm must be one of {_NORMS}, not {norm!r}")
        self.norm_kind, self.d_model, self.max_len = norm, d_model, max_len
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed = nn.Embedding(vocab, d_model, dtype=DT)
            self.pos = nn.Parameter(0.5 * torch.randn(max_len, d_model, dtype=DT))
            self.blocks = nn.ModuleList(_Block(d_model, n_heads, norm, gain, causal, eps) for _ in range(n_blocks))
            self.norm_f = _make_norm(norm, d_model, gain, eps)
            self.unembed = nn.Linear(d_model, vocab, bias=False, dtype=DT)
            if gain:
                with torch.no_grad():
                    for n, _ in self.norms_and_readers():
                        n.weight.uniform_(0.5, 1.5)

    def norms_and_readers(self) -> list[tuple[nn.Module, nn.Linear]]:
        """Each norm with the linear map that reads its output (attention ``qkv``, MLP input, unembedding).

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        pairs: list[tuple[nn.Module, nn.Linear]] = []
        for b in self.blocks:
            pairs += [(b.norm1, b.attn.qkv), (b.norm2, b.mlp[0])]
        return pairs + [(self.norm_f, self.unembed)]

    def stream(self, tokens: Tensor) -> Tensor:
        """The residual stream after the last block, (batch, length, d_model), before the final norm.

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        if not isinstance(tokens, Tensor) or tokens.ndim != 2 or tokens.dtype not in (torch.int32, torch.int64):
            raise ValueError("tokens must be a (batch, length) tensor of integer token ids")
        L = tokens.shape[1]
        if L > self.max_len:
            raise ValueError(f"sequence length {L} exceeds max_len={self.max_len}")
        x = self.embed(tokens) + self.pos[:L]
        for b in self.blocks:
            x = b(x)
        return x

    def forward(self, tokens: Tensor) -> Tensor:
        """(batch, length) integer tokens → (batch, length, vocab) logits.

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        return self.unembed(self.norm_f(self.stream(tokens)))


def random_orthogonal(d: int, generator: torch.Generator | None = None) -> Tensor:
    """A random d×d orthogonal matrix (Haar-distributed: QR of a Gaussian matrix, signs fixed).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    _positive_int(d, "d")
    Q, R = torch.linalg.qr(torch.randn(d, d, generator=generator, dtype=DT))
    signs = torch.where(torch.diagonal(R) < 0, -1.0, 1.0).to(DT)
    return Q * signs


def orthogonal_fixing_ones(d: int, generator: torch.Generator | None = None) -> Tensor:
    """A random orthogonal Q with Q·1 = 1 (1 the all-ones vector): a random element of O(d−1) on 1^⊥.

    Q = 11ᵀ/d + U R Uᵀ with U an orthonormal basis of 1^⊥ and R a random (d−1)×(d−1)
    orthogonal matrix. These are the orthogonal maps that commute with LayerNorm's
    mean subtraction.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    _positive_int(d, "d")
    if d < 2:
        raise ValueError("d must be at least 2: in R¹ the only orthogonal map fixing 1 is the identity")
    ones = torch.ones(d, 1, dtype=DT) / math.sqrt(d)
    basis, _ = torch.linalg.qr(torch.cat([ones, torch.randn(d, d - 1, generator=generator, dtype=DT)], dim=1))
    U = basis[:, 1:]  # orthonormal, orthogonal to the first column ±1/√d
    R = random_orthogonal(d - 1, generator)
    return ones @ ones.T + U @ R @ U.T


def _check_orthogonal(Q: Any, d: int) -> Tensor:
    if not isinstance(Q, Tensor):
        raise TypeError(f"Q must be a torch.Tensor, not {type(Q).__name__}")
    if Q.ndim != 2 or Q.shape != (d, d):
        raise ValueError(f"Q must be a {d}×{d} matrix (d = the width of the residual stream), got shape {tuple(Q.shape)}")
    Q = Q.to(DT)
    if not torch.all(torch.isfinite(Q)):
        raise ValueError("Q has NaN or infinite entries")
    defect = float((Q.T @ Q - torch.eye(d, dtype=DT)).abs().max())
    if defect > _TOL:
        raise ValueError(
            f"Q is not orthogonal (max |QᵀQ − I| = {defect:.1e}): the norms commute with orthogonal maps only"
        )
    return Q


def fold_norm_gains(model: PreNormTransformer) -> PreNormTransformer:
    """A copy of ``model`` with every norm's gain γ folded into the linear map that reads it: W ↦ W diag(γ), γ ↦ 1.

    The function is unchanged (``(γ ⊙ n) W`` = ``n (diag(γ) W)``), and afterwards every norm
    commutes with the orthogonal maps it should (:func:`rotate_residual_stream`). A model
    without gains is returned as a plain copy.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    if not isinstance(model, PreNormTransformer):
        raise TypeError(f"expected a PreNormTransformer, not {type(model).__name__}")
    out = copy.deepcopy(model)
    with torch.no_grad():
        for norm, reader in out.norms_and_readers():
            if norm.weight is None:
                continue
            reader.weight.mul_(norm.weight)  # column j of the reader scaled by γ_j
            norm.weight.fill_(1.0)
    return out


def _has_gains(model: PreNormTransformer) -> bool:
    return any(n.weight is not None and not torch.all(n.weight == 1) for n, _ in model.norms_and_readers())


def rotate_residual_stream(
    model: PreNormTransformer, Q: Tensor, *, rotate_biases: bool = True, strict: bool = True
) -> PreNormTransformer:
    """A copy of ``model`` with its residual stream rotated, x ↦ Q x, for an orthogonal Q.

    Writers are multiplied by Q on the output side (token and position embeddings,
    attention output W_O and its bias, MLP output and its bias); readers by Qᵀ on the
    input side (W_Q, W_K, W_V, the MLP input, the unembedding). With RMSNorm and no gain
    the function is unchanged for every Q ∈ O(d).

    With ``strict=True`` (default) the cases that are *not* symmetries are refused with a
    ``ValueError``: norms with gains γ ≠ 1 (fold them first, :func:`fold_norm_gains`),
    LayerNorm with Q·1 ≠ ±1 (use :func:`orthogonal_fixing_ones`), and
    ``rotate_biases=False``. ``strict=False`` applies the transformation anyway, to measure
    what breaks. A Q that is not orthogonal is always refused.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    if not isinstance(model, PreNormTransformer):
        raise TypeError(f"expected a PreNormTransformer, not {type(model).__name__}")
    d = model.d_model
    Q = _check_orthogonal(Q, d)
    if strict:
        if _has_gains(model):
            raise ValueError(
                "the norms have per-coordinate gains γ ≠ 1, which do not commute with Q: "
                "fold them into the next linear maps first (fold_norm_gains), or pass strict=False"
            )
        if model.norm_kind == "layer":
            ones = torch.ones(d, dtype=DT)
            miss = min(float((Q @ ones - ones).abs().max()), float((Q @ ones + ones).abs().max()))
            if miss > _TOL:
                raise ValueError(
                    f"LayerNorm subtracts the mean, so Q must map the all-ones vector 1 to ±1 "
                    f"(here max |Q1 ∓ 1| = {miss:.1e}); use orthogonal_fixing_ones, or pass strict=False"
                )
        if not rotate_biases:
            raise ValueError("biases that write into the stream must rotate too; pass strict=False to leave them")
    out = copy.deepcopy(model)
    with torch.no_grad():
        out.embed.weight.copy_(out.embed.weight @ Q.T)  # rows are stream vectors
        out.pos.copy_(out.pos @ Q.T)
        writers = [b.attn.proj for b in out.blocks] + [b.mlp[2] for b in out.blocks]
        readers = [b.attn.qkv for b in out.blocks] + [b.mlp[0] for b in out.blocks] + [out.unembed]
        for lin in writers:  # y = W x + b  ↦  Q y
            lin.weight.copy_(Q @ lin.weight)
            if rotate_biases and lin.bias is not None:
                lin.bias.copy_(Q @ lin.bias)
        for lin in readers:  # W x  =  (W Qᵀ)(Q x)
            lin.weight.copy_(lin.weight @ Q.T)
    return out


def relative_change(f: nn.Module, g: nn.Module, inputs: Tensor) -> float:
    """‖g(x) − f(x)‖ / ‖f(x)‖ over a batch of inputs (Frobenius norms, no gradients).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    with torch.no_grad():
        fx, gx = f(inputs), g(inputs)
    if fx.shape != gx.shape:
        raise ValueError(f"the outputs have different shapes {tuple(fx.shape)} and {tuple(gx.shape)}")
    scale = float(torch.linalg.vector_norm(fx))
    if scale == 0:
        raise ValueError("f(x) is zero on every input: a relative change is undefined")
    return float(torch.linalg.vector_norm(gx - fx)) / scale


# --------------------------------------------------------------------------- gauges along depth


def mlp_gauge_transform(mlp: nn.Sequential, Ms: Sequence[Tensor | None]) -> nn.Sequential:
    """A copy of a ReLU MLP with hidden layer l transformed by its own positive monomial M_l, for every l.

    ``Ms`` has one entry per hidden layer (``None`` leaves that layer alone). The M_l are
    independent: the group acting is the product over layers of the groups of positive
    monomial matrices, a gauge transformation that varies with depth. Each M_l must be
    positive monomial (:func:`~grouptools.nn.parameter_symmetries.mlp_hidden_transform`
    checks it).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    n_hidden = len(mlp_linear_layers(mlp)) - 1
    if len(Ms) != n_hidden:
        raise ValueError(f"Ms must have one matrix (or None) per hidden layer: {n_hidden}, got {len(Ms)}")
    out = mlp
    for layer, M in enumerate(Ms):
        if M is not None:
            out = mlp_hidden_transform(out, layer, M)
    return out if out is not mlp else copy.deepcopy(mlp)


class ResidualMLP(nn.Module):
    """A residual MLP on a stream of width d: x₀ = E u, x_{l+1} = S_l x_l + B_l ReLU(A_l x_l + a_l) + b_l, y = U x_depth.

    ``skip="identity"`` uses S_l = I (the usual skip connection); ``skip="learned"`` gives
    every block its own d×d skip matrix S_l (drawn near I). The stream is read only through
    linear maps (A_l, U) and written only by linear maps (E, B_l, S_l), so any invertible
    change of basis of a stream acts (:func:`residual_gauge_transform`). Weights come from
    ``seed`` without touching the global random state; float64.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """

    def __init__(
        self,
        d_in: int = 3,
        d_stream: int = 6,
        d_hidden: int = 8,
        depth: int = 4,
        d_out: int = 2,
        *,
        skip: str = "identity",
        seed: int = 0,
    ) -> None:
        super().__init__()
        for value, name in ((d_in, "d_in"), (d_stream, "d_stream"), (d_hidden, "d_hidden"), (depth, "depth"), (d_out, "d_out")):
            _positive_int(value, name)
        if skip not in ("identity", "learned"):
            raise ValueError(f"skip must be 'identity' or 'learned', not {skip!r}")
        self.skip_kind, self.d_stream, self.depth = skip, d_stream, depth
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            self.embed = nn.Linear(d_in, d_stream, dtype=DT)
            self.inner = nn.ModuleList(nn.Linear(d_stream, d_hidden, dtype=DT) for _ in range(depth))
            self.outer = nn.ModuleList(nn.Linear(d_hidden, d_stream, dtype=DT) for _ in range(depth))
            self.skips = nn.ParameterList()
            if skip == "learned":
                for _ in range(depth):
                    S = torch.eye(d_stream, dtype=DT) + 0.3 * torch.randn(d_stream, d_stream, dtype=DT) / math.sqrt(d_stream)
                    self.skips.append(nn.Parameter(S))
            self.readout = nn.Linear(d_stream, d_out, dtype=DT)

    def forward(self, u: Tensor) -> Tensor:
        """(batch, d_in) → (batch, d_out).

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        x = self.embed(u)
        for l in range(self.depth):
            skip = x if self.skip_kind == "identity" else x @ self.skips[l].T
            x = skip + self.outer[l](torch.relu(self.inner[l](x)))
        return self.readout(x)


def residual_gauge_transform(net: ResidualMLP, Qs: Tensor | Sequence[Tensor], *, strict: bool = True) -> ResidualMLP:
    """A copy of ``net`` with stream l expressed in a new basis, x_l ↦ Q_l x_l, for l = 0, …, depth.

    ``Qs`` holds depth + 1 invertible d×d matrices (or one matrix, used at every depth).
    Writers into stream l+1 are multiplied by Q_{l+1} (E by Q₀; B_l, b_l by Q_{l+1}),
    readers of stream l by Q_l⁻¹ on the right (A_l; U by Q_depth⁻¹), and learned skips
    transform as S_l ↦ Q_{l+1} S_l Q_l⁻¹: the function is unchanged.

    An identity skip cannot change, so it ties neighbouring layers: with
    ``skip="identity"`` and ``strict=True`` (default) a ``Qs`` that varies with depth is
    refused with a ``ValueError``; ``strict=False`` applies it anyway (the skips stay I),
    to measure what breaks.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    if not isinstance(net, ResidualMLP):
        raise TypeError(f"expected a ResidualMLP, not {type(net).__name__}")
    d, depth = net.d_stream, net.depth
    if isinstance(Qs, Tensor) and Qs.ndim == 2:
        Qs = [Qs] * (depth + 1)
    Qs = list(Qs)
    if len(Qs) != depth + 1:
        raise ValueError(f"Qs must hold depth + 1 = {depth + 1} matrices (one per stream x_0 … x_{depth}), got {len(Qs)}")
    Qs = [_square_invertible(Q, d, f"Q_{l}").to(DT) for l, Q in enumerate(Qs)]
    if strict and net.skip_kind == "identity":
        for l in range(depth):
            gap = float((Qs[l + 1] - Qs[l]).abs().max())
            if gap > _TOL * max(1.0, float(Qs[l].abs().max())):
                raise ValueError(
                    f"identity skip connections tie neighbouring layers: Q_{l + 1} must equal Q_{l} "
                    f"(max |Q_{l + 1} − Q_{l}| = {gap:.1e}); use skip='learned', or pass strict=False"
                )
    inv = [torch.linalg.inv(Q) for Q in Qs]
    out = copy.deepcopy(net)
    with torch.no_grad():
        out.embed.weight.copy_(Qs[0] @ out.embed.weight)
        out.embed.bias.copy_(Qs[0] @ out.embed.bias)
        for l in range(depth):
            out.inner[l].weight.copy_(out.inner[l].weight @ inv[l])
            out.outer[l].weight.copy_(Qs[l + 1] @ out.outer[l].weight)
            out.outer[l].bias.copy_(Qs[l + 1] @ out.outer[l].bias)
            if net.skip_kind == "learned":
                out.skips[l].copy_(Qs[l + 1] @ out.skips[l] @ inv[l])
        out.readout.weight.copy_(out.readout.weight @ inv[depth])
    return out


# --------------------------------------------------------------------------- neural ODEs


class TimeDependentField:
    """The vector field f(x, t) = tanh(W(t) x + b(t)) with W(t) = W₀ + t W₁, b(t) = b₀ + t b₁.

    A neural ODE dx/dt = f(x, t) on t ∈ [0, 1] with weights that depend on time (on depth).
    ``TimeDependentField.random(d, seed)`` draws W₀, W₁ with entries of size
    ``scale``/√d and b₀, b₁ of size 1. Called on x (..., d) and a float t.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """

    def __init__(self, W0: Tensor, W1: Tensor, b0: Tensor, b1: Tensor) -> None:
        W0, W1, b0, b1 = (torch.as_tensor(v, dtype=DT) for v in (W0, W1, b0, b1))
        d = W0.shape[0] if W0.ndim == 2 else -1
        if W0.shape != (d, d) or W1.shape != (d, d) or b0.shape != (d,) or b1.shape != (d,):
            raise ValueError(
                "W0, W1 must be d×d and b0, b1 of length d; got shapes "
                f"{tuple(W0.shape)}, {tuple(W1.shape)}, {tuple(b0.shape)}, {tuple(b1.shape)}"
            )
        self.W0, self.W1, self.b0, self.b1, self.d = W0, W1, b0, b1, d

    @classmethod
    def random(cls, d: int, seed: int = 0, scale: float = 1.0) -> TimeDependentField:
        """A field with Gaussian W₀, W₁ (entries scale/√d) and b₀, b₁ (entries 1), drawn from ``seed``.

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        _positive_int(d, "d")
        g = torch.Generator().manual_seed(seed)
        W0, W1 = (scale * torch.randn(d, d, generator=g, dtype=DT) / math.sqrt(d) for _ in range(2))
        b0, b1 = (torch.randn(d, generator=g, dtype=DT) for _ in range(2))
        return cls(W0, W1, b0, b1)

    def __call__(self, x: Tensor, t: float) -> Tensor:
        """f(x, t) for x of shape (..., d).

        Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
        """
        return torch.tanh(x @ (self.W0 + t * self.W1).T + self.b0 + t * self.b1)


def sine_reparametrization(a: float) -> tuple[Callable[[float], float], Callable[[float], float]]:
    """φ(s) = s + a·sin(2πs)/(2π) and its derivative φ'(s) = 1 + a·cos(2πs), an increasing diffeomorphism of [0, 1] for |a| < 1.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    a = float(a)
    if not abs(a) < 1:
        raise ValueError(f"φ'(s) = 1 + a·cos(2πs) must stay positive, so |a| < 1 is needed; got a = {a}")

    def phi(s: float) -> float:
        return s + a * math.sin(2 * math.pi * s) / (2 * math.pi)

    def dphi(s: float) -> float:
        return 1 + a * math.cos(2 * math.pi * s)

    return phi, dphi


def _check_reparametrization(phi: Callable[[float], float], dphi: Callable[[float], float], n: int = 1001) -> None:
    s = np.linspace(0.0, 1.0, n)
    p = np.array([float(phi(v)) for v in s])
    dp = np.array([float(dphi(v)) for v in s])
    if not (np.all(np.isfinite(p)) and np.all(np.isfinite(dp))):
        raise ValueError("φ or φ' is not finite on [0, 1]")
    if abs(p[0]) > 1e-12 or abs(p[-1] - 1) > 1e-12:
        raise ValueError(f"φ must map [0, 1] onto itself with φ(0) = 0 and φ(1) = 1; got φ(0) = {p[0]:.3g}, φ(1) = {p[-1]:.3g}")
    steps = np.diff(p)
    if np.any(steps <= 0) or np.any(dp < 0):
        bad = int(np.argmax((steps <= 0) | (dp[1:] < 0) | (dp[:-1] < 0)))
        raise ValueError(f"φ is not increasing: it fails between s = {s[bad]:.3f} and s = {s[bad + 1]:.3f}")
    h = 1e-5
    inner = s[1:-1]
    fd = np.array([(float(phi(v + h)) - float(phi(v - h))) / (2 * h) for v in inner])
    mismatch = float(np.max(np.abs(fd - dp[1:-1]) / np.maximum(1.0, np.abs(dp[1:-1]))))
    if mismatch > 1e-6:
        raise ValueError(f"dphi is not the derivative of phi (relative mismatch {mismatch:.1e} against finite differences)")


def reparametrize_time(
    field: Callable[[Tensor, float], Tensor], phi: Callable[[float], float], dphi: Callable[[float], float]
) -> Callable[[Tensor, float], Tensor]:
    """The field g(x, s) = φ'(s)·f(x, φ(s)) of the same ODE in the new time s, with t = φ(s).

    If x(t) solves dx/dt = f(x, t), then y(s) = x(φ(s)) solves dy/ds = g(y, s); since
    φ(0) = 0 and φ(1) = 1, both fields have the same time-1 flow map. φ must map [0, 1]
    to itself with φ(0) = 0, φ(1) = 1 and be increasing (φ' ≥ 0), and ``dphi`` must be its
    derivative (checked on a grid; a ``ValueError`` names what fails). Note that φ'
    multiplies the whole field, not the weights inside it.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    if not (callable(field) and callable(phi) and callable(dphi)):
        raise TypeError("field, phi and dphi must be callables")
    _check_reparametrization(phi, dphi)

    def g(x: Tensor, s: float) -> Tensor:
        return dphi(s) * field(x, phi(s))

    return g


def odeint_fixed(field: Callable[[Tensor, float], Tensor], x0: Tensor, steps: int, method: str = "rk4") -> Tensor:
    """x(1) for dx/dt = field(x, t), x(0) = x0, with ``steps`` fixed steps of size h = 1/steps.

    ``method="euler"`` is x_{l+1} = x_l + h·f(x_l, l h): a residual network with ``steps``
    layers, error O(h). ``method="rk4"`` is the classical fourth-order Runge–Kutta
    method, error O(h⁴).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    _positive_int(steps, "steps")
    if method not in ("euler", "rk4"):
        raise ValueError(f"method must be 'euler' or 'rk4', not {method!r}")
    h = 1.0 / steps
    x = torch.as_tensor(x0, dtype=DT)
    for k in range(steps):
        t = k * h
        if method == "euler":
            x = x + h * field(x, t)
        else:
            k1 = field(x, t)
            k2 = field(x + (h / 2) * k1, t + h / 2)
            k3 = field(x + (h / 2) * k2, t + h / 2)
            k4 = field(x + h * k3, t + h)
            x = x + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return x


def flow_gap(
    f: Callable[[Tensor, float], Tensor],
    g: Callable[[Tensor, float], Tensor],
    x0: Tensor,
    steps: Sequence[int],
    method: str = "rk4",
) -> np.ndarray:
    """max |x_f(1) − x_g(1)| over the batch x0, for each number of steps: how far two discretised flows differ.

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    return np.array([float((odeint_fixed(f, x0, L, method) - odeint_fixed(g, x0, L, method)).abs().max()) for L in steps])


def loglog_slope(steps: Sequence[float], errors: Sequence[float]) -> float:
    """The least-squares slope of log(error) against log(steps): −p for an error falling like steps^(−p).

    Explained in Chapter 5, *Depth, the residual stream and the continuum limit*.
    """
    L, e = np.asarray(steps, dtype=float), np.asarray(errors, dtype=float)
    if L.shape != e.shape or L.ndim != 1 or L.size < 2:
        raise ValueError(f"steps and errors must be 1-d of the same length ≥ 2, got shapes {L.shape} and {e.shape}")
    if np.any(L <= 0) or np.any(e <= 0) or not np.all(np.isfinite(e)):
        raise ValueError("steps and errors must be positive and finite to take logarithms")
    return float(np.polyfit(np.log(L), np.log(e), 1)[0])
