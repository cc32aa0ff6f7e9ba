"""Gated and selective sequence mixers: an H3 block, a selective (input-dependent) diagonal recurrence, a GRU.

S4 and S4D are *linear time-invariant* (LTI): the same convolution kernel at every
position, whatever the tokens. Two families of layers break that, and the capstone's
tasks are exactly the ones where it matters:

* :class:`H3Block` — Fu, Dao et al. 2023, *Hungry Hungry Hippos* (``fu2023hungry``):
  ``out = W_o (q ⊙ SSM_diag(SSM_shift(k) ⊙ v))`` with q, k, v linear maps of the input.
  The shift SSM (a short causal filter, :class:`CausalDepthwiseConv`) lets position t
  see token t−1; the multiplicative gates make the layer input-dependent, so it can
  compare a token with the one before it, the step associative recall needs.
* :class:`SelectiveRecurrence` — a Mamba-style (Gu and Dao 2023, ``gu2023mamba``)
  diagonal recurrence whose transition depends on the input,
  ``h_t = a(x_t) ⊙ h_{t−1} + Δ(x_t) x_t B(x_t)``, ``y_t = Re⟨C(x_t), h_t⟩``. The option
  ``transitions`` fixes where a(x) lives: ``"positive"`` (0, 1) as in Mamba,
  ``"signed"`` (−1, 1) as proposed by Grazzi et al. 2024 (``grazzi2024unlocking``),
  ``"complex"`` the open unit disc. ``selective=False`` gives the LTI version of the same
  layer (a, B, C constant), the control.
* :class:`GRUMixer` — ``torch.nn.GRU``, a non-linear recurrence whose transitions do not
  commute: the positive control for state tracking.

The recurrence is computed by :func:`selective_scan`: exactly, in chunks of T positions
(inside a chunk, the T×T matrix of transition products, from prefix sums of log a;
between chunks, the state is carried), which is what runs fast on a GPU; and one step at
a time by :meth:`SelectiveRecurrence.step`, the recurrent (inference) mode. Tests check
that the two agree.

Why transitions matter (Chapter 10, *Characters and state tracking*): diagonal
transitions commute, so a diagonal recurrence can only compute functions of a word that
factor through the abelianisation G/[G, G] (each coordinate multiplies by a character,
a one-dimensional representation of Chapter 6). Real positive transitions cannot even
flip a sign, so parity (Z₂) is out of reach; signed ones can; complex ones track any
cyclic group; none tracks A₅, whose abelianisation is trivial.

Explained in Chapter 9, *Gated and selective layers*, and Chapter 10.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from .s4 import _check_positive_int

__all__ = [
    "TRANSITIONS",
    "MIN_LOG_TRANSITION",
    "SCAN_CHUNK",
    "selective_scan",
    "selective_scan_reference",
    "CausalDepthwiseConv",
    "H3Block",
    "SelectiveRecurrence",
    "GRUMixer",
]

#: The kinds of transition a :class:`SelectiveRecurrence` may use.
TRANSITIONS = ("positive", "signed", "complex")


def _check_input(u: object, d_model: int, name: str) -> Tensor:
    if not torch.is_tensor(u):
        raise TypeError(f"{name} takes a tensor of shape (batch, length, {d_model}), got {type(u).__name__}")
    if u.ndim != 3 or u.shape[-1] != d_model:
        raise ValueError(f"{name} takes shape (batch, length, {d_model}), got {tuple(u.shape)}")
    if u.shape[1] < 1:
        raise ValueError(f"{name}: the sequence length must be positive (got length 0)")
    return u


# --------------------------------------------------------------------------- the scan


def _check_scan_args(log_mag: Tensor, phase: Tensor | None, u: Tensor, B: Tensor, C: Tensor) -> None:
    if log_mag.ndim != 3 or u.shape != log_mag.shape:
        raise ValueError(f"log_mag and u must both have shape (batch, length, channels), got {tuple(log_mag.shape)} and {tuple(u.shape)}")
    if phase is not None and phase.shape != log_mag.shape:
        raise ValueError(f"phase must have the shape of log_mag {tuple(log_mag.shape)}, got {tuple(phase.shape)}")
    b, L = log_mag.shape[:2]
    for name, t in (("B", B), ("C", C)):
        if t.ndim != 3 or t.shape[:2] != (b, L):
            raise ValueError(f"{name} must have shape (batch, length, d_state) = ({b}, {L}, N), got {tuple(t.shape)}")
    if B.shape[-1] != C.shape[-1]:
        raise ValueError(f"B and C must have the same state size, got {B.shape[-1]} and {C.shape[-1]}")


#: The smallest log|a_t| a layer lets through (|a_t| ≥ e^{-4} ≈ 0.018), so that within a chunk of
#: :data:`SCAN_CHUNK` positions the partial products stay within float32's range (e^{±64}).
MIN_LOG_TRANSITION = -4.0
SCAN_CHUNK = 16


def selective_scan(
    log_mag: Tensor,
    u: Tensor,
    B: Tensor,
    C: Tensor,
    *,
    phase: Tensor | None = None,
    negative: Tensor | None = None,
    chunk: int = SCAN_CHUNK,
    state: Tensor | None = None,
    return_state: bool = False,
    validate: bool = False,
) -> Tensor | tuple[Tensor, Tensor]:
    """The diagonal recurrence h_t = a_t h_{t−1} + u_t B_t, y_t = Re Σ_n C_t[n] h_t[·, n], computed in chunks.

    Shapes: ``log_mag``, ``u`` (batch, L, D); ``B``, ``C`` (batch, L, N), real or complex.
    The transition of channel d at time t is ``a_t = exp(log_mag_t) · e^{i phase_t}``
    (``phase`` None: real) times −1 where ``negative`` (a bool tensor like ``log_mag``) is
    True. The state h is (batch, D, N), zero at the start unless ``state`` is given.
    Returns y (batch, L, D), and the final state when ``return_state``.

    Within a chunk of T positions the product a_{s+1}⋯a_t is split as
    (a_1⋯a_t)·(a_1⋯a_s)⁻¹, so the chunk is two matrix products, (C Bᵀ masked) @ (scaled u),
    as in linear attention; the state is carried from chunk to chunk. This needs
    ``log_mag ≥ −64 / chunk`` (the layers clamp at :data:`MIN_LOG_TRANSITION` with
    :data:`SCAN_CHUNK`); ``validate=True`` checks it (a host synchronisation).

    Explained in Chapter 9, *Gated and selective layers*.
    """
    _check_scan_args(log_mag, phase, u, B, C)
    chunk = _check_positive_int(chunk, "chunk")
    if validate and log_mag.numel() and float(log_mag.min()) * chunk < -64:
        raise ValueError(
            f"log_mag goes down to {float(log_mag.min()):.3g}: with chunk={chunk} the partial products would leave "
            f"float32's range; clamp log_mag at ≥ {-64 / chunk:.3g} or use a smaller chunk"
        )
    bsz, L, D = log_mag.shape
    N = B.shape[-1]
    is_complex = phase is not None or B.is_complex() or C.is_complex() or (state is not None and state.is_complex())
    real = log_mag.dtype
    cdtype = torch.complex128 if real == torch.float64 else torch.complex64
    dt = cdtype if is_complex else real
    h = torch.zeros(bsz, D, N, dtype=dt, device=log_mag.device) if state is None else state.to(dt)
    Bf, Cf = B.to(dt), C.to(dt)
    ys = []
    for start in range(0, L, chunk):
        sl = slice(start, min(start + chunk, L))
        S = log_mag[:, sl].cumsum(1)  # log|a_1⋯a_t| from the chunk's start, (b, T, D)
        fwd, bwd = torch.exp(S), torch.exp(-S)
        if negative is not None:
            sign = 1 - 2 * (negative[:, sl].to(real).cumsum(1) % 2)  # the sign of a_1⋯a_t
            fwd, bwd = fwd * sign, bwd * sign
        if phase is not None:
            P = phase[:, sl].cumsum(1)
            fwd, bwd = torch.polar(fwd, P), torch.polar(bwd, -P)
        fwd, bwd = fwd.to(dt), bwd.to(dt)
        T = S.shape[1]
        Bc, Cc = Bf[:, sl], Cf[:, sl]
        CB = (Cc @ Bc.transpose(1, 2)).tril()  # (b, t, s): C_t · B_s for s ≤ t
        v = bwd * u[:, sl].to(dt)  # (a_1⋯a_s)⁻¹ u_s
        y = fwd * (CB @ v + Cc @ h.transpose(1, 2))
        ys.append(y.real if is_complex else y)
        h = fwd[:, T - 1, :, None] * (h + v.transpose(1, 2) @ Bc)
    y = torch.cat(ys, 1)
    return (y, h) if return_state else y


def selective_scan_reference(
    log_mag: Tensor,
    u: Tensor,
    B: Tensor,
    C: Tensor,
    *,
    phase: Tensor | None = None,
    negative: Tensor | None = None,
    state: Tensor | None = None,
) -> Tensor:
    """The same recurrence as :func:`selective_scan`, one position at a time (the definition; slow).

    Explained in Chapter 9, *Gated and selective layers*.
    """
    _check_scan_args(log_mag, phase, u, B, C)
    a = torch.exp(log_mag)
    if negative is not None:
        a = torch.where(negative, -a, a)
    if phase is not None:
        a = a * torch.exp(1j * phase)
    bsz, L, D = log_mag.shape
    is_complex = a.is_complex() or B.is_complex() or C.is_complex()
    dt = (torch.complex64 if log_mag.dtype != torch.float64 else torch.complex128) if is_complex else log_mag.dtype
    h = torch.zeros(bsz, D, B.shape[-1], dtype=dt, device=log_mag.device) if state is None else state.to(dt)
    out = []
    for t in range(L):
        h = a[:, t, :, None].to(dt) * h + u[:, t, :, None].to(dt) * B[:, t, None, :].to(dt)
        y = (h * C[:, t, None, :].to(dt)).sum(-1)
        out.append(y.real if y.is_complex() else y)
    return torch.stack(out, 1)


# --------------------------------------------------------------------------- layers


class CausalDepthwiseConv(nn.Module):
    """A short causal filter per channel, y_t[d] = Σ_{j<K} w[d, j] x_{t−j}[d]: H3's shift SSM.

    A shift SSM (A the shift matrix) has a finite impulse response of length N, so it is
    exactly this convolution with K = N taps; ``init="shift"`` starts every channel at
    the pure shift by one position (w[d, 1] = 1), ``"random"`` at small random taps.

    Explained in Chapter 9, *Gated and selective layers*.
    """

    def __init__(self, d_model: int, taps: int = 4, init: str = "random", dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.d_model = _check_positive_int(d_model, "d_model")
        self.taps = _check_positive_int(taps, "taps")
        if init not in ("random", "shift"):
            raise ValueError(f"init must be 'random' or 'shift', not {init!r}")
        w = torch.randn(d_model, taps, dtype=dtype) / math.sqrt(taps)
        if init == "shift":
            w = torch.zeros(d_model, taps, dtype=dtype)
            w[:, min(1, taps - 1)] = 1.0
        self.weight = nn.Parameter(w)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d) → (B, L, d), causal: position t sees positions t−K+1 … t.

        Explained in Chapter 9, *Gated and selective layers*.
        """
        _check_input(x, self.d_model, "CausalDepthwiseConv")
        xt = F.pad(x.transpose(1, 2), (self.taps - 1, 0))
        w = self.weight.flip(-1)[:, None, :].to(xt.dtype)
        return F.conv1d(xt, w, groups=self.d_model).transpose(1, 2)


class H3Block(nn.Module):
    """The H3 layer (Fu, Dao et al. 2023) with head dimension 1: W_o (q ⊙ SSM_diag(shift(k) ⊙ v)).

    q, k, v are linear maps of the input; ``shift`` is a :class:`CausalDepthwiseConv` of
    ``shift_taps`` taps (the shift SSM); ``SSM_diag`` is the linear part of an
    :class:`~grouptools.nn.S4DLayer` (its kernel convolution plus D skip, no mixing).
    The two products make it a function of token *pairs* (k at t−1 with v at t, read
    back by q at a later query), which is how one H3 layer performs associative recall.

    Explained in Chapter 9, *Gated and selective layers*.
    """

    def __init__(self, d_model: int, d_state: int = 64, shift_taps: int = 4, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        from .s4 import S4DLayer

        self.d_model = _check_positive_int(d_model, "d_model")
        self.qkv = nn.Linear(d_model, 3 * d_model, dtype=dtype)
        self.shift = CausalDepthwiseConv(d_model, shift_taps, init="shift", dtype=dtype)
        self.diag = S4DLayer(d_model, d_state, activation="identity", dtype=dtype)
        del self.diag.out  # only its linear SSM part (kernel + D) is used
        self.out = nn.Linear(d_model, d_model, dtype=dtype)

    def ssm_parameters(self, include_C: bool = False) -> list[nn.Parameter]:
        """The diagonal SSM's parameters (for their own optimiser group, as for S4D).

        Explained in Chapter 9, *Gated and selective layers*.
        """
        return self.diag.ssm_parameters(include_C)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d) → (B, L, d), causal.

        Explained in Chapter 9, *Gated and selective layers*.
        """
        _check_input(x, self.d_model, "H3Block")
        q, k, v = self.qkv(x).chunk(3, dim=-1)
        kv = self.shift(k) * v
        s = self.diag.conv(kv).to(q.dtype)
        return self.out(q * s)


class SelectiveRecurrence(nn.Module):
    """A selective diagonal recurrence (Mamba-style, head dimension 1), with a choice of transitions.

    For input x (B, L, d): ``x, z = in_proj(x)``; optionally a short causal convolution and
    SiLU on x (``conv_taps``; Mamba uses 4); then per channel d and state n::

        Δ_t = softplus(W_Δ x_t + b_Δ)            (selective)   or softplus(b_Δ)   (LTI)
        r_t = exp(−Δ_t · exp(A_log))  ∈ (0, 1)
        a_t = r_t                      transitions="positive"
            = 2 r_t − 1  ∈ (−1, 1)    transitions="signed"   (Grazzi et al. 2024)
            = r_t e^{iθ_t}, θ_t = W_θ x_t   transitions="complex"
        h_t = a_t h_{t−1} + Δ_t x_t B_t,   y_t = Re⟨C_t, h_t⟩ + D x_t

    with B_t, C_t linear in x_t (complex for ``"complex"``), or constant when
    ``selective=False`` (then the layer is LTI: a convolution). |a_t| is kept
    ≥ e^{−4} (:data:`MIN_LOG_TRANSITION`: a state decays to 2 % in one step at most), which
    keeps the chunked scan in float32's range. The output is
    ``out_proj(y ⊙ SiLU(z))``. Forward uses :func:`selective_scan`; :meth:`step` runs one
    position at a time from a state (B, d, N).

    Explained in Chapter 9, *Gated and selective layers*.
    """

    def __init__(
        self,
        d_model: int,
        d_state: int = 16,
        *,
        transitions: str = "signed",
        selective: bool = True,
        conv_taps: int = 4,
        chunk: int = SCAN_CHUNK,
        dt_min: float = 1e-3,
        dt_max: float = 1e-1,
        dtype: torch.dtype | None = None,
    ) -> None:
        super().__init__()
        if transitions not in TRANSITIONS:
            raise ValueError(f"transitions must be one of {TRANSITIONS}, not {transitions!r}")
        if not 0 < dt_min <= dt_max:
            raise ValueError(f"need 0 < dt_min ≤ dt_max, got dt_min={dt_min}, dt_max={dt_max}")
        if isinstance(conv_taps, bool) or not isinstance(conv_taps, int) or conv_taps < 0:
            raise ValueError(f"conv_taps must be a non-negative integer (0: no convolution), got {conv_taps!r}")
        self.d_model = _check_positive_int(d_model, "d_model")
        self.d_state = _check_positive_int(d_state, "d_state")
        self.chunk = _check_positive_int(chunk, "chunk")
        self.transitions = transitions
        self.selective = bool(selective)
        d, N = d_model, d_state
        fk = {"dtype": dtype}
        self.in_proj = nn.Linear(d, 2 * d, **fk)
        self.conv = CausalDepthwiseConv(d, conv_taps, **fk) if conv_taps else None
        n_bc = 2 if transitions == "complex" else 1  # real and imaginary parts
        if self.selective:
            self.dt_proj = nn.Linear(d, d, **fk)
            self.B_proj = nn.Linear(d, n_bc * N, bias=False, **fk)
            self.C_proj = nn.Linear(d, n_bc * N, bias=False, **fk)
            if transitions == "complex":
                self.theta_proj = nn.Linear(d, d, **fk)
        else:
            self.B_const = nn.Parameter(torch.randn(n_bc * N, **fk) / math.sqrt(N))
            self.C_const = nn.Parameter(torch.randn(n_bc * N, **fk) / math.sqrt(N))
            if transitions == "complex":
                self.theta_const = nn.Parameter(torch.rand(d, **fk) * math.pi)
        # Δ initialised log-uniform in [dt_min, dt_max] through the softplus bias, as in Mamba
        dt = torch.exp(torch.rand(d, dtype=torch.float64) * (math.log(dt_max) - math.log(dt_min)) + math.log(dt_min))
        self.dt_bias = nn.Parameter((dt + torch.log(-torch.expm1(-dt))).to(dtype or torch.get_default_dtype()))
        self.A_log = nn.Parameter(torch.log(torch.arange(1, d + 1, dtype=torch.float64) % 16 + 1).to(dtype or torch.get_default_dtype()))
        self.D = nn.Parameter(torch.ones(d, **fk))
        self.out_proj = nn.Linear(d, d, **fk)

    def ssm_parameters(self, include_C: bool = False) -> list[nn.Parameter]:
        """A_log and the Δ bias: the parameters that set the time scales (their own optimiser group).

        Explained in Chapter 9, *Gated and selective layers*.
        """
        return [self.A_log, self.dt_bias]

    def _inner(self, x: Tensor) -> tuple[Tensor, Tensor]:
        xz = self.in_proj(x)
        u, z = xz.chunk(2, dim=-1)
        if self.conv is not None:
            u = F.silu(self.conv(u))
        return u, z

    def _coefficients(self, u: Tensor) -> dict[str, Tensor | None]:
        """Δ, log|a|, the sign flips or phase, B and C for the inner activations u (B, L, d), in float32 or float64."""
        work = torch.float64 if u.dtype == torch.float64 else torch.float32
        u = u.to(work)
        bsz, L, d = u.shape
        N = self.d_state
        if self.selective:
            dt = F.softplus(F.linear(u, self.dt_proj.weight.to(work), self.dt_proj.bias.to(work)) + self.dt_bias.to(work))
            Bp = F.linear(u, self.B_proj.weight.to(work))
            Cp = F.linear(u, self.C_proj.weight.to(work))
        else:
            dt = F.softplus(self.dt_bias.to(work)).expand(bsz, L, d)
            Bp = self.B_const.to(work).expand(bsz, L, -1)
            Cp = self.C_const.to(work).expand(bsz, L, -1)
        rate = torch.exp(self.A_log.to(work))
        log_r = -dt * rate  # log r_t ≤ 0
        out: dict[str, Tensor | None] = {"dt": dt, "phase": None, "negative": None}
        if self.transitions == "signed":
            a = 2 * torch.exp(log_r) - 1  # in (−1, 1)
            log_mag = torch.log(a.abs().clamp_min(1e-30))
            out["negative"] = a < 0
        else:
            log_mag = log_r
        out["log_mag"] = log_mag.clamp_min(MIN_LOG_TRANSITION)  # |a| ≥ e^{-4}: see selective_scan
        if self.transitions == "complex":
            if self.selective:
                out["phase"] = F.linear(u, self.theta_proj.weight.to(work), self.theta_proj.bias.to(work))
            else:
                out["phase"] = self.theta_const.to(work).expand(bsz, L, d)
            Bp = torch.complex(Bp[..., :N], Bp[..., N:])
            Cp = torch.complex(Cp[..., :N], Cp[..., N:])
        out["B"], out["C"] = Bp, Cp
        out["u"] = dt * u
        return out

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d) → (B, L, d), causal, by the chunked scan (float32 inside, even under autocast).

        Explained in Chapter 9, *Gated and selective layers*.
        """
        _check_input(x, self.d_model, "SelectiveRecurrence")
        u, z = self._inner(x)
        with torch.autocast(device_type=x.device.type, enabled=False):
            c = self._coefficients(u)
            y = selective_scan(c["log_mag"], c["u"], c["B"], c["C"], phase=c["phase"], negative=c["negative"], chunk=self.chunk)
            y = y + self.D.to(y.dtype) * u.to(y.dtype)
        return self.out_proj((y.to(z.dtype) * F.silu(z)))

    # -- recurrent mode --------------------------------------------------------
    def initial_state(self, batch_size: int, device: torch.device | str | None = None) -> dict[str, Tensor]:
        """The zero state for :meth:`step`: the SSM state (B, d, N) and the convolution's last inputs.

        Explained in Chapter 9, *Gated and selective layers*.
        """
        _check_positive_int(batch_size, "batch_size")
        p = self.in_proj.weight
        dev = device or p.device
        work = torch.float64 if p.dtype == torch.float64 else torch.float32
        dt = (torch.complex64 if work == torch.float32 else torch.complex128) if self.transitions == "complex" else work
        taps = self.conv.taps if self.conv is not None else 1
        return {
            "h": torch.zeros(batch_size, self.d_model, self.d_state, dtype=dt, device=dev),
            "window": torch.zeros(batch_size, max(taps - 1, 0), self.d_model, dtype=p.dtype, device=dev),
        }

    def step(self, x: Tensor, state: dict[str, Tensor]) -> tuple[Tensor, dict[str, Tensor]]:
        """One position: x (B, d) and the state → (y (B, d), new state). Equals ``forward`` position by position.

        Explained in Chapter 9, *Gated and selective layers*.
        """
        if not torch.is_tensor(x) or x.ndim != 2 or x.shape[-1] != self.d_model:
            raise ValueError(f"step takes one position of shape (batch, {self.d_model}), got {getattr(x, 'shape', type(x))}")
        xz = self.in_proj(x)
        u, z = xz.chunk(2, dim=-1)
        window = state["window"]
        if self.conv is not None:
            seq = torch.cat([window, u[:, None, :]], 1)  # (B, K, d), oldest first
            u = F.silu((seq * self.conv.weight.flip(-1).T[None].to(seq.dtype)).sum(1))
            window = seq[:, 1:]
        c = self._coefficients(u[:, None, :])
        a = torch.exp(c["log_mag"][:, 0])
        if c["negative"] is not None:
            a = torch.where(c["negative"][:, 0], -a, a)
        h = state["h"]
        if c["phase"] is not None:
            a = a * torch.exp(1j * c["phase"][:, 0])
        h = a[..., None].to(h.dtype) * h + c["u"][:, 0, :, None].to(h.dtype) * c["B"][:, 0, None, :].to(h.dtype)
        y = (h * c["C"][:, 0, None, :].to(h.dtype)).sum(-1)
        y = (y.real if y.is_complex() else y) + self.D.to(y.real.dtype) * u.to(y.real.dtype)
        return self.out_proj(y.to(z.dtype) * F.silu(z)), {"h": h, "window": window}


class GRUMixer(nn.Module):
    """A one-layer GRU (``torch.nn.GRU``) as a sequence mixer (B, L, d) → (B, L, d).

    Its transitions h ↦ GRU(h, x_t) are non-linear and do not commute, so it can track
    any finite group's word problem with enough width: the positive control of
    Chapter 10's state-tracking experiment.

    Explained in Chapter 10, *Characters and state tracking*.
    """

    def __init__(self, d_model: int, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        self.d_model = _check_positive_int(d_model, "d_model")
        self.gru = nn.GRU(d_model, d_model, batch_first=True, dtype=dtype)

    def forward(self, x: Tensor) -> Tensor:
        """(B, L, d) → (B, L, d), the GRU's hidden state at every position.

        Explained in Chapter 10, *Characters and state tracking*.
        """
        _check_input(x, self.d_model, "GRUMixer")
        with torch.autocast(device_type=x.device.type, enabled=False):  # the recurrence in float32, also under autocast
            return self.gru(x.to(self.gru.weight_ih_l0.dtype))[0]
