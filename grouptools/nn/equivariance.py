"""A generic numerical equivariance check for any function or ``torch.nn.Module``.

f is equivariant for actions ρ_in, ρ_out when f(ρ_in(g) x) = ρ_out(g) f(x); invariant when
ρ_out is the identity. :func:`check_equivariance` measures the gap on given inputs.

Explained in Chapter 8, *Symmetries of sequence models*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import torch
from torch import Tensor

__all__ = ["EquivarianceReport", "check_equivariance"]


@dataclass(frozen=True)
class EquivarianceReport:
    """Result of :func:`check_equivariance`: max |f(g·x) − g·f(x)|, its size relative to |f(x)|, and the verdict.

    Explained in Chapter 8, *Symmetries of sequence models*.
    """

    max_abs_error: float
    relative_error: float
    passed: bool

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "equivariant" if self.passed else "NOT equivariant"
        return f"{verdict}: max |f(g·x) − g·f(x)| = {self.max_abs_error:.2e} (relative {self.relative_error:.2e})"


def check_equivariance(
    f: Callable[[Tensor], Tensor],
    act_in: Callable[[Tensor], Tensor],
    act_out: Callable[[Tensor], Tensor] | None,
    x: Tensor,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> EquivarianceReport:
    """Compare f(act_in(x)) with act_out(f(x)); ``act_out=None`` checks invariance.

    Runs under ``torch.no_grad()`` and, for modules, in eval mode (dropout off),
    restoring the training flag afterwards. Passes when every entry satisfies
    |a − b| ≤ atol + rtol·|b|.

    Explained in Chapter 8, *Symmetries of sequence models*.
    """
    act_out = act_out or (lambda y: y)
    was_training = getattr(f, "training", None)
    if was_training is not None:
        f.eval()
    try:
        with torch.no_grad():
            fx = f(x)
            lhs = f(act_in(x))
            rhs = act_out(fx)
    finally:
        if was_training:
            f.train()
    if lhs.shape != rhs.shape:
        raise ValueError(f"f(g·x) has shape {tuple(lhs.shape)} but g·f(x) has shape {tuple(rhs.shape)}")
    diff = (lhs - rhs).abs()
    err = float(diff.max()) if diff.numel() else 0.0
    scale = float(rhs.abs().max()) if rhs.numel() else 0.0
    passed = bool(torch.all(diff <= atol + rtol * rhs.abs()))
    return EquivarianceReport(err, err / scale if scale > 0 else err, passed)
