"""Parameter symmetries: groups acting on the weights of a network without changing its function.

* ReLU MLPs: a *positive monomial* matrix M = diag(s)·P (a permutation P of the hidden
  units, then positive rescalings s) acts on a hidden layer by W_in ↦ M W_in,
  b_in ↦ M b_in, W_out ↦ W_out M⁻¹ (:func:`mlp_hidden_transform`). It commutes with
  ReLU, so the function is unchanged; a negative or mixing M does not.
* Attention: per head, M ∈ GL(d_head) acts by W_Q ↦ W_Q M, W_K ↦ W_K M⁻ᵀ
  (:func:`attention_qk_transform`) and N ∈ GL(d_head) by W_V ↦ W_V N, W_O ↦ N⁻¹ W_O
  (:func:`attention_vo_transform`), with W_Q = ``qkv.weight`` rows transposed (x ↦ x W_Q).
* State-space models: T ∈ GL(N) acts by (A, B, C) ↦ (T A T⁻¹, T B, C T⁻¹)
  (:func:`ssm_similarity`).

The MLP and SSM transforms are left actions (transforming by M₂ after M₁ is
transforming by M₂M₁); the attention transforms, written as in the literature with M
on the right, are right actions (M₁ then M₂ is M₁M₂). :func:`action_defect` measures
both laws of an action on a module's parameters.

Explained in Chapter 5, *Parameter symmetries*.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import torch
from torch import Tensor, nn

from .attention import MultiHeadSelfAttention

__all__ = [
    "is_positive_monomial",
    "monomial_matrix",
    "mlp_linear_layers",
    "mlp_hidden_transform",
    "attention_qk_transform",
    "attention_vo_transform",
    "ssm_similarity",
    "action_defect",
]


def _square_invertible(M: Any, n: int | None, what: str, rcond: float = 1e-10) -> Tensor:
    if not isinstance(M, Tensor):
        raise TypeError(f"{what} must be a torch.Tensor, not {type(M).__name__}")
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        raise ValueError(f"{what} must be a square matrix, got shape {tuple(M.shape)}")
    if n is not None and M.shape[0] != n:
        raise ValueError(f"{what} must be {n}×{n}, got shape {tuple(M.shape)}")
    if not torch.all(torch.isfinite(M)):
        raise ValueError(f"{what} has NaN or infinite entries")
    s = torch.linalg.svdvals(M.to(torch.float64) if not M.is_complex() else M)
    if s[-1] <= rcond * s[0] or s[0] == 0:
        raise ValueError(
            f"{what} is singular (smallest singular value {float(s[-1]):.2e}, largest {float(s[0]):.2e}): "
            "only invertible matrices act on parameters"
        )
    return M


# --------------------------------------------------------------------------- MLPs


def is_positive_monomial(M: Tensor) -> bool:
    """True when M = diag(s)·P: exactly one non-zero entry in each row and column, and it is positive.

    These matrices form the group of hidden-unit symmetries of a ReLU layer:
    ReLU(M z) = M ReLU(z) for every z.

    Explained in Chapter 5, *Parameter symmetries of ReLU networks*.
    """
    if M.ndim != 2 or M.shape[0] != M.shape[1]:
        return False
    nz = M != 0
    return bool(torch.all(nz.sum(0) == 1) and torch.all(nz.sum(1) == 1) and torch.all(M[nz] > 0))


def monomial_matrix(perm: Any, scale: Any | None = None, dtype: torch.dtype = torch.float64) -> Tensor:
    """The positive monomial matrix with M[perm[i], i] = scale[i]: (M z)[perm[i]] = scale[i]·z[i].

    Hidden unit i is multiplied by ``scale[i]`` and moves to slot ``perm[i]``; M = P·diag(scale)
    for the permutation matrix P. ``perm`` must be a permutation of 0..h−1; ``scale``
    (default all ones) has h entries.

    Explained in Chapter 5, *Parameter symmetries of ReLU networks*.
    """
    p = torch.as_tensor(perm, dtype=torch.long).flatten()
    h = p.numel()
    if h == 0 or sorted(p.tolist()) != list(range(h)):
        raise ValueError(f"perm must be a permutation of 0..{max(h - 1, 0)}, got {p.tolist()}")
    s = torch.ones(h, dtype=dtype) if scale is None else torch.as_tensor(scale, dtype=dtype).flatten()
    if s.numel() != h:
        raise ValueError(f"scale must have {h} entries (one per hidden unit), got {s.numel()}")
    M = torch.zeros(h, h, dtype=dtype)
    M[p, torch.arange(h)] = s
    return M


def mlp_linear_layers(mlp: nn.Module) -> list[nn.Linear]:
    """The ``nn.Linear`` layers of an ``nn.Sequential`` MLP, checked to alternate with ``nn.ReLU``.

    Explained in Chapter 5, *Parameter symmetries of ReLU networks*.
    """
    if not isinstance(mlp, nn.Sequential):
        raise TypeError(f"expected an nn.Sequential of Linear and ReLU layers, not {type(mlp).__name__}")
    mods = list(mlp)
    for i, m in enumerate(mods):
        want = nn.Linear if i % 2 == 0 else nn.ReLU
        if not isinstance(m, want):
            raise TypeError(
                f"layer {i} of the MLP is {type(m).__name__}; expected Linear, ReLU, Linear, ReLU, …, Linear"
            )
    if len(mods) % 2 == 0:
        raise TypeError("the MLP must end with a Linear layer")
    return [m for m in mods if isinstance(m, nn.Linear)]


def mlp_hidden_transform(mlp: nn.Sequential, layer: int, M: Tensor, *, strict: bool = True) -> nn.Sequential:
    """A copy of ``mlp`` with hidden layer ``layer`` transformed by M: W_in ↦ M W_in, b_in ↦ M b_in, W_out ↦ W_out M⁻¹.

    ``layer`` counts hidden layers from 0 (the output of the ``layer``-th Linear).
    With ``strict=True`` (default) M must be a positive monomial matrix
    (:func:`is_positive_monomial`), which leaves the function unchanged; ``strict=False``
    applies any invertible M, to show what breaks.

    Explained in Chapter 5, *Parameter symmetries of ReLU networks*.
    """
    linears = mlp_linear_layers(mlp)
    n_hidden = len(linears) - 1
    if isinstance(layer, bool) or not isinstance(layer, int) or not 0 <= layer < n_hidden:
        raise ValueError(f"layer must be a hidden-layer index in 0..{n_hidden - 1}, got {layer!r}")
    width = linears[layer].out_features
    _square_invertible(M, width, "M")
    if strict and not is_positive_monomial(M):
        raise ValueError(
            "M is not a positive monomial matrix (one positive entry per row and column): "
            "it does not commute with ReLU; pass strict=False to apply it anyway"
        )
    out = copy.deepcopy(mlp)
    new = mlp_linear_layers(out)
    lin_in, lin_out = new[layer], new[layer + 1]
    with torch.no_grad():
        Md = M.to(lin_in.weight.dtype)
        lin_in.weight.copy_(Md @ lin_in.weight)
        if lin_in.bias is not None:
            lin_in.bias.copy_(Md @ lin_in.bias)
        lin_out.weight.copy_(lin_out.weight @ torch.linalg.inv(M.to(torch.float64)).to(lin_out.weight.dtype))
    return out


# --------------------------------------------------------------------------- attention


def _check_head(attn: MultiHeadSelfAttention, head: int, M: Tensor, what: str) -> tuple[slice, int]:
    if not isinstance(attn, MultiHeadSelfAttention):
        raise TypeError(f"expected a grouptools MultiHeadSelfAttention, not {type(attn).__name__}")
    if isinstance(head, bool) or not isinstance(head, int) or not 0 <= head < attn.n_heads:
        raise ValueError(f"head must be in 0..{attn.n_heads - 1}, got {head!r}")
    _square_invertible(M, attn.head_dim, what)
    hd = attn.head_dim
    return slice(head * hd, (head + 1) * hd), attn.d_model


def attention_qk_transform(attn: MultiHeadSelfAttention, head: int, M: Tensor) -> MultiHeadSelfAttention:
    """A copy of ``attn`` with head ``head`` transformed by M ∈ GL(d_head): W_Q ↦ W_Q M, W_K ↦ W_K M⁻ᵀ (biases too).

    Here q = x W_Q + b_Q, so in ``qkv.weight`` (which holds W_Qᵀ) the head's rows become
    Mᵀ W_Qᵀ. Every score q kᵀ, hence every attention weight, is unchanged. Rotary
    positions rotate q and k after the projection and break this symmetry, so a layer
    with ``positional="rotary"`` is refused.

    Explained in Chapter 5, *Parameter symmetries of attention*.
    """
    rows, d = _check_head(attn, head, M, "M")
    if attn.rotary is not None:
        raise ValueError("rotary position embeddings do not commute with a general M ∈ GL(d_head); use positional='none'")
    out = copy.deepcopy(attn)
    W, b = out.qkv.weight, out.qkv.bias
    q_rows = slice(rows.start, rows.stop)
    k_rows = slice(d + rows.start, d + rows.stop)
    M64 = M.to(torch.float64)
    left_q = M64.T.to(W.dtype)  # rows of W_Qᵀ: W_Qᵀ ↦ Mᵀ W_Qᵀ
    left_k = torch.linalg.inv(M64).to(W.dtype)  # W_Kᵀ ↦ (M⁻ᵀ)ᵀ W_Kᵀ = M⁻¹ W_Kᵀ
    with torch.no_grad():
        W[q_rows] = left_q @ W[q_rows]
        W[k_rows] = left_k @ W[k_rows]
        if b is not None:
            b[q_rows] = left_q @ b[q_rows]
            b[k_rows] = left_k @ b[k_rows]
    return out


def attention_vo_transform(attn: MultiHeadSelfAttention, head: int, N: Tensor) -> MultiHeadSelfAttention:
    """A copy of ``attn`` with head ``head`` transformed by N ∈ GL(d_head): W_V ↦ W_V N, W_O ↦ N⁻¹ W_O (b_V ↦ b_V N).

    The head's output o = A (x W_V + b_V) becomes o N, and the output projection undoes N
    on that head's rows of W_O (= ``proj.weight``ᵀ). The attention weights A sum to 1
    over keys, so the value bias transforms with W_V.

    Explained in Chapter 5, *Parameter symmetries of attention*.
    """
    rows, d = _check_head(attn, head, N, "N")
    out = copy.deepcopy(attn)
    W, b = out.qkv.weight, out.qkv.bias
    v_rows = slice(2 * d + rows.start, 2 * d + rows.stop)
    N64 = N.to(torch.float64)
    with torch.no_grad():
        W[v_rows] = N64.T.to(W.dtype) @ W[v_rows]
        if b is not None:
            b[v_rows] = N64.T.to(b.dtype) @ b[v_rows]
        P = out.proj.weight  # out = o P^T + b_o, so W_O = Pᵀ and its head rows are P's head columns
        P[:, rows] = P[:, rows] @ torch.linalg.inv(N64).T.to(P.dtype)
    return out


# --------------------------------------------------------------------------- state-space models


def ssm_similarity(A: Tensor, B: Tensor, C: Tensor, T: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The similarity transform of a state-space model: (A, B, C) ↦ (T A T⁻¹, T B, C T⁻¹).

    A (N, N), B and C (N,), T (N, N) invertible (a singular T raises ``ValueError``). The
    new state is T x, so the kernel C Āᵏ B̄ and every output are unchanged; discretisation
    commutes with the transform, exp(Δ T A T⁻¹) = T exp(ΔA) T⁻¹.

    Explained in Chapter 5, *Parameter symmetries of state-space models*.
    """
    for X, what in ((A, "A"), (B, "B"), (C, "C")):
        if not isinstance(X, Tensor):
            raise TypeError(f"{what} must be a torch.Tensor, not {type(X).__name__}")
    if A.ndim != 2 or A.shape[0] != A.shape[1]:
        raise ValueError(f"A must be a square (N, N) matrix, got shape {tuple(A.shape)}")
    N = A.shape[0]
    if B.shape != (N,) or C.shape != (N,):
        raise ValueError(f"B and C must have shape ({N},), got {tuple(B.shape)} and {tuple(C.shape)}")
    _square_invertible(T, N, "T")
    dtype = torch.promote_types(torch.promote_types(A.dtype, T.dtype), torch.promote_types(B.dtype, C.dtype))
    A, B, C, T = (X.to(dtype) for X in (A, B, C, T))
    Tinv = torch.linalg.inv(T)
    return T @ A @ Tinv, T @ B, C @ Tinv


# --------------------------------------------------------------------------- the action laws


def _params(x: Any) -> list[Tensor]:
    if isinstance(x, nn.Module):
        return [p.detach() for p in x.state_dict().values()]
    if isinstance(x, Tensor):
        return [x.detach()]
    if isinstance(x, (tuple, list)):
        return [t.detach() for t in x]
    raise TypeError(f"cannot read parameters from {type(x).__name__}")


def _distance(a: Any, b: Any) -> float:
    pa, pb = _params(a), _params(b)
    if len(pa) != len(pb) or any(x.shape != y.shape for x, y in zip(pa, pb)):
        return float("inf")
    return max((float((x - y).abs().max()) for x, y in zip(pa, pb) if x.numel()), default=0.0)


def action_defect(
    transform: Callable[[Any, Tensor], Any],
    params: Any,
    g: Tensor,
    h: Tensor,
    *,
    side: str = "left",
) -> dict[str, float]:
    """How far ``transform(params, M)`` is from a group action of invertible matrices, on one (g, h).

    Returns the largest parameter deviation for each law:

    * ``"identity"``: transform(θ, I) against θ;
    * ``"compatibility"``: transform(transform(θ, h), g) against transform(θ, g h) for a left
      action (``side="left"``), or transform(transform(θ, g), h) against transform(θ, g h)
      for a right action (``side="right"``).

    ``params`` is a module or a tuple of tensors (whatever ``transform`` takes). Both
    values are 0 up to rounding for an action.

    Explained in Chapter 5, *Parameter symmetries form a group acting on parameters*.
    """
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', not {side!r}")
    if g.shape != h.shape or g.ndim != 2:
        raise ValueError(f"g and h must be square matrices of the same shape, got {tuple(g.shape)} and {tuple(h.shape)}")
    eye = torch.eye(g.shape[0], dtype=g.dtype)
    identity = _distance(transform(params, eye), params)
    if side == "left":
        twice = transform(transform(params, h), g)
    else:
        twice = transform(transform(params, g), h)
    once = transform(params, g @ h)
    return {"identity": identity, "compatibility": _distance(twice, once)}
