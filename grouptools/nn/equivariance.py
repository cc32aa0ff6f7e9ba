"""A generic numerical equivariance check for any function or ``torch.nn.Module``.

f is equivariant for actions ρ_in, ρ_out when f(ρ_in(g) x) = ρ_out(g) f(x); invariant when
ρ_out is the identity. :func:`check_equivariance` measures the gap on given inputs for one
group element; :func:`check_group_equivariance` runs it for every element of a finite group
acting through :class:`~grouptools.actions.TensorAction` s.

Explained in Chapter 5, *A generic equivariance test*, and used in Chapter 9,
*Symmetries of sequence models*.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from ..formatting import fmt_error, noise_floor

__all__ = ["EquivarianceReport", "GroupEquivarianceReport", "check_equivariance", "check_group_equivariance"]


@dataclass(frozen=True)
class EquivarianceReport:
    """Result of :func:`check_equivariance`: max |f(g·x) − g·f(x)|, its size relative to |f(x)|, and the verdict.

    Explained in Chapter 5, *A generic equivariance test* (used in Chapter 9, *Symmetries of sequence models*).
    """

    max_abs_error: float
    relative_error: float
    passed: bool
    #: errors below this are rounding noise of the dtype and print as "< floor"
    floor: float = 1e-12

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        verdict = "equivariant" if self.passed else "NOT equivariant"
        return f"{verdict}: {_gap(self.max_abs_error, self.relative_error, self.floor)}"


def _gap(err: float, rel: float, floor: float, worst: str = "") -> str:
    """``max |f(g·x) − g·f(x)| = 5.1e-01 (relative 1.0e+00)``, with rounding noise as ``< 1e-12``."""
    return f"{worst}max |f(g·x) − g·f(x)| {fmt_error(err, floor, relation=True)} (relative {fmt_error(rel, floor)})"


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
    |a − b| ≤ atol + rtol·|b|. The report prints errors below the dtype's rounding level
    (:func:`grouptools.formatting.noise_floor`) as ``< 1e-12`` (float64) or ``< 1e-05``
    (float32), so its text is the same on every machine.

    Explained in Chapter 5, *A generic equivariance test* (used in Chapter 9, *Symmetries of sequence models*).
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
    return EquivarianceReport(err, err / scale if scale > 0 else err, passed, noise_floor(rhs.dtype))


@dataclass(frozen=True)
class GroupEquivarianceReport:
    """Result of :func:`check_group_equivariance`: one :class:`EquivarianceReport` per group element.

    ``reports[g]`` is the check for the element with label g; the report is truthy when
    every element passes, and ``max_abs_error`` / ``relative_error`` are the worst ones
    (the *equivariance gap*).

    Explained in Chapter 5, *A generic equivariance test*.
    """

    group_name: str
    element_names: tuple[str, ...]
    reports: tuple[EquivarianceReport, ...]

    @property
    def passed(self) -> bool:
        """True when the check passes for every element.

        Explained in Chapter 5, *A generic equivariance test*.
        """
        return all(r.passed for r in self.reports)

    @property
    def max_abs_error(self) -> float:
        """The worst max |f(g·x) − g·f(x)| over the elements.

        Explained in Chapter 5, *A generic equivariance test*.
        """
        return max(r.max_abs_error for r in self.reports)

    @property
    def relative_error(self) -> float:
        """The worst relative error over the elements.

        Explained in Chapter 5, *A generic equivariance test*.
        """
        return max(r.relative_error for r in self.reports)

    @property
    def failures(self) -> list[str]:
        """The names of the elements for which the check fails.

        Explained in Chapter 5, *A generic equivariance test*.
        """
        return [n for n, r in zip(self.element_names, self.reports) if not r.passed]

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        if self.passed:
            head = f"equivariant under all {len(self.reports)} elements of {self.group_name}"
        else:
            head = f"NOT equivariant under {self.group_name}: fails for {', '.join(self.failures)}"
        floor = max(r.floor for r in self.reports)
        return f"{head}: {_gap(self.max_abs_error, self.relative_error, floor, 'worst ')}"


def check_group_equivariance(
    f: Callable[[Tensor], Tensor],
    action: Any,
    x: Tensor,
    out_action: Any | None = None,
    rtol: float = 1e-5,
    atol: float = 1e-6,
) -> GroupEquivarianceReport:
    """Run :func:`check_equivariance` for every element g of ``action.group``: f(g·x) against g·f(x).

    ``action`` and ``out_action`` are :class:`~grouptools.actions.TensorAction` s of the
    same finite group (``action(g, x)`` is g·x); ``out_action=None`` checks invariance,
    f(g·x) = f(x). Checking the generators would suffice for an exact property; checking
    every element also reports the size of the gap for each one.

    Explained in Chapter 5, *A generic equivariance test*.
    """
    for a, what in ((action, "action"), (out_action, "out_action")):
        if a is not None and not (callable(a) and hasattr(a, "group")):
            raise TypeError(f"{what} must be a grouptools TensorAction (callable as action(g, x)), not {type(a).__name__}")
    G = action.group
    if out_action is not None and out_action.group.order != G.order:
        raise ValueError(f"action and out_action act by different groups ({G.name}, {out_action.group.name})")
    reports = []
    for g in G.elements:
        out = None if out_action is None else (lambda y, g=g: out_action(g, y))
        reports.append(check_equivariance(f, lambda t, g=g: action(g, t), out, x, rtol=rtol, atol=atol))
    return GroupEquivarianceReport(G.name, tuple(G.names), tuple(reports))
