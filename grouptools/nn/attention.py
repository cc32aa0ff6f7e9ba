"""Multi-head self-attention on ``scaled_dot_product_attention``, positional encodings, a Transformer block.

Without positional information and without a mask, self-attention treats its input as
a *set*: permuting the positions permutes the outputs in the same way (equivariance
under S_L). Positional encodings (sinusoidal, added to the input; rotary, applied to
queries and keys) and the causal mask break that symmetry; Chapter 9 measures by how
much. Tensors are (batch, length, d_model) throughout.

Explained in Chapter 9, *Attention from scratch*.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

__all__ = [
    "sinusoidal_encoding",
    "SinusoidalPositionalEncoding",
    "RotaryEmbedding",
    "MultiHeadSelfAttention",
    "TransformerBlock",
]

_POSITIONAL = ("none", "rotary")


def _check_sequence_input(x: Tensor, d_model: int) -> None:
    if not torch.is_tensor(x):
        raise TypeError(f"input must be a tensor of shape (batch, length, {d_model})")
    if x.ndim != 3:
        raise ValueError(f"input must have rank 3, shape (batch, length, d_model={d_model}); got shape {tuple(x.shape)}")
    if x.shape[-1] != d_model:
        raise ValueError(f"input has {x.shape[-1]} channels in its last dimension, but the layer has d_model={d_model}")
    if x.shape[1] < 1:
        raise ValueError("the sequence length must be positive (got length 0)")


def _check_positive(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return value


def sinusoidal_encoding(L: int, d_model: int, base: float = 10000.0, dtype: torch.dtype = torch.float32) -> Tensor:
    """The (L, d_model) table PE[t, 2i] = sin(t/base^{2i/d}), PE[t, 2i+1] = cos(t/base^{2i/d}).

    Explained in Chapter 9, *What positions break*.
    """
    _check_positive(L, "sequence length L")
    _check_positive(d_model, "d_model")
    t = torch.arange(L, dtype=torch.float64)[:, None]
    freqs = base ** (-torch.arange(0, d_model, 2, dtype=torch.float64) / d_model)
    pe = torch.zeros(L, d_model, dtype=torch.float64)
    pe[:, 0::2] = torch.sin(t * freqs)
    pe[:, 1::2] = torch.cos(t * freqs[: d_model // 2])
    return pe.to(dtype)


class SinusoidalPositionalEncoding(nn.Module):
    """Adds the sinusoidal table of Vaswani et al. (2017) to a (batch, length, d_model) input.

    Explained in Chapter 9, *What positions break*.
    """

    def __init__(self, d_model: int, base: float = 10000.0) -> None:
        super().__init__()
        self.d_model = _check_positive(d_model, "d_model")
        self.base = base

    def forward(self, x: Tensor) -> Tensor:
        """x + PE[:L].

        Explained in Chapter 9, *What positions break*.
        """
        _check_sequence_input(x, self.d_model)
        return x + sinusoidal_encoding(x.shape[1], self.d_model, self.base, x.dtype).to(x.device)


class RotaryEmbedding(nn.Module):
    """Rotary position embedding: rotate pairs of query/key features by angle t·θ_i.

    After rotation ⟨R_s q, R_t k⟩ depends on t − s only, so attention scores see
    relative positions. Applied to (batch, heads, length, head_dim) tensors.

    Explained in Chapter 9, *What positions break*.
    """

    def __init__(self, head_dim: int, base: float = 10000.0) -> None:
        super().__init__()
        head_dim = _check_positive(head_dim, "head_dim")
        if head_dim % 2:
            raise ValueError(f"rotary embeddings need an even head dimension, got {head_dim}")
        self.head_dim = head_dim
        self.base = base

    def forward(self, x: Tensor, offset: int = 0) -> Tensor:
        """Rotate x (..., L, head_dim) by positions offset, …, offset + L − 1.

        Explained in Chapter 9, *What positions break*.
        """
        L = x.shape[-2]
        theta = self.base ** (-torch.arange(0, self.head_dim, 2, device=x.device, dtype=torch.float32) / self.head_dim)
        ang = (torch.arange(offset, offset + L, device=x.device, dtype=torch.float32)[:, None] * theta).to(x.dtype)
        cos, sin = torch.cos(ang), torch.sin(ang)
        x1, x2 = x[..., 0::2], x[..., 1::2]
        out = torch.stack([x1 * cos - x2 * sin, x1 * sin + x2 * cos], -1)
        return out.flatten(-2)


class MultiHeadSelfAttention(nn.Module):
    """Multi-head self-attention whose kernel is ``F.scaled_dot_product_attention``.

    ``causal=True`` lets position i attend to j ≤ i only. ``positional="rotary"``
    rotates queries and keys (:class:`RotaryEmbedding`); ``"none"`` uses no positions,
    which makes the layer equivariant under permutations of the positions when it is
    not causal. Input and output (batch, length, d_model).

    Explained in Chapter 9, *Attention from scratch*.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int = 4,
        causal: bool = False,
        positional: str = "none",
        dropout: float = 0.0,
        bias: bool = True,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        self.d_model = _check_positive(d_model, "d_model")
        self.n_heads = _check_positive(n_heads, "n_heads")
        if d_model % n_heads:
            raise ValueError(f"d_model={d_model} must be divisible by n_heads={n_heads}")
        if positional not in _POSITIONAL:
            raise ValueError(f"positional must be one of {_POSITIONAL} inside attention, not {positional!r}")
        self.head_dim = d_model // n_heads
        self.causal = bool(causal)
        self.positional = positional
        self.dropout = float(dropout)
        fk = {"dtype": dtype, "device": device}
        self.qkv = nn.Linear(d_model, 3 * d_model, bias=bias, **fk)
        self.proj = nn.Linear(d_model, d_model, bias=bias, **fk)
        self.rotary = RotaryEmbedding(self.head_dim) if positional == "rotary" else None

    def _qkv(self, x: Tensor) -> tuple[Tensor, Tensor, Tensor]:
        B, L, _ = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.n_heads, self.head_dim).permute(2, 0, 3, 1, 4).unbind(0)
        if self.rotary is not None:
            q, k = self.rotary(q), self.rotary(k)
        return q, k, v

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d_model) → (B, L, d_model).

        Explained in Chapter 9, *Attention from scratch*.
        """
        _check_sequence_input(x, self.d_model)
        q, k, v = self._qkv(x)
        o = F.scaled_dot_product_attention(
            q, k, v, dropout_p=self.dropout if self.training else 0.0, is_causal=self.causal
        )
        return self.proj(o.transpose(1, 2).reshape(x.shape))

    def attention_weights(self, x: Tensor) -> Tensor:
        """The attention matrices softmax(QKᵀ/√d + mask), shape (B, heads, L, L), for plotting.

        The same weights SDPA uses internally (it never returns them).

        Explained in Chapter 9, *Attention from scratch*.
        """
        _check_sequence_input(x, self.d_model)
        q, k, _ = self._qkv(x)
        scores = q @ k.transpose(-1, -2) / math.sqrt(self.head_dim)
        if self.causal:
            L = x.shape[1]
            mask = torch.ones(L, L, dtype=torch.bool, device=x.device).triu(1)
            scores = scores.masked_fill(mask, float("-inf"))
        return scores.softmax(-1)


class TransformerBlock(nn.Module):
    """A pre-norm Transformer block: x + Attn(LN(x)), then + MLP(LN(·)) (GELU, width ``mlp_ratio``·d).

    Explained in Chapter 9, *Attention from scratch*.
    """

    def __init__(
        self,
        d_model: int,
        n_heads: int = 4,
        mlp_ratio: int = 4,
        causal: bool = False,
        positional: str = "none",
        dropout: float = 0.0,
        dtype: torch.dtype | None = None,
        device: torch.device | str | None = None,
    ) -> None:
        super().__init__()
        fk = {"dtype": dtype, "device": device}
        _check_positive(mlp_ratio, "mlp_ratio")
        self.d_model = d_model
        self.norm1 = nn.LayerNorm(d_model, **fk)
        self.attn = MultiHeadSelfAttention(d_model, n_heads, causal, positional, dropout, **fk)
        self.norm2 = nn.LayerNorm(d_model, **fk)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, mlp_ratio * d_model, **fk),
            nn.GELU(),
            nn.Linear(mlp_ratio * d_model, d_model, **fk),
            nn.Dropout(dropout),
        )

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d_model) → (B, L, d_model).

        Explained in Chapter 9, *Attention from scratch*.
        """
        _check_sequence_input(x, self.d_model)
        x = x + self.attn(self.norm1(x))
        return x + self.mlp(self.norm2(x))
