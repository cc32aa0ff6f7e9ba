"""Tensor-handling helpers shared by the exercise checkers that work with ``torch``.

They turn what a learner returned into a float64 (or complex128) tensor of a known shape,
or raise :class:`~grouptools.exercises.ExerciseFailure` saying what was wrong, and format
numbers and vectors for feedback messages. Kept apart from :mod:`._feedback` so that the
checkers of the algebra chapters do not import torch.

Explained in Chapter 0, *How exercises give feedback*.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch

from ..formatting import fmt, fmt_list
from ._feedback import ExerciseFailure, _returned

DT = torch.float64
CT = torch.complex128


def _shown(value: Any) -> str:
    """How to quote what the learner returned (large arrays by their shape only)."""
    if isinstance(value, torch.Tensor):
        return f"a tensor of shape {tuple(value.shape)}" if value.numel() > 12 else f"a tensor {value.tolist()!r}"
    if isinstance(value, np.ndarray) and value.size > 12:
        return f"an array of shape {value.shape}"
    return _returned(value)


def _tensor(value: Any, where: str, shape: tuple[int, ...], what: str, complex_ok: bool = False) -> torch.Tensor:
    """The learner's answer as a float64 (or complex128) tensor of the given shape, or a clear failure."""
    if value is None or isinstance(value, (bool, str, np.bool_)) or callable(value):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}")
    try:
        t = value.detach() if isinstance(value, torch.Tensor) else torch.as_tensor(np.asarray(value))
    except (TypeError, ValueError, RuntimeError):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}") from None
    if t.dtype == torch.bool:
        raise ExerciseFailure(f"{where} you returned booleans {_shown(value)}; return {what}")
    if t.is_complex():
        if not complex_ok:
            if t.numel() and float(t.imag.abs().max()) > 1e-9:
                raise ExerciseFailure(f"{where} you returned complex numbers; return {what} (real numbers: take the real part)")
            t = t.real
        t = t.to(CT)
    else:
        try:
            t = t.to(CT if complex_ok else DT)
        except (TypeError, RuntimeError):
            raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}") from None
    if tuple(t.shape) != shape:
        raise ExerciseFailure(f"{where} you returned something of shape {tuple(t.shape)}; expected {what} of shape {shape}")
    if not torch.all(torch.isfinite(t)):
        raise ExerciseFailure(f"{where} your answer contains NaN or infinite entries")
    return t


def _pair(value: Any, where: str, what: str) -> tuple[Any, Any]:
    if not isinstance(value, (tuple, list)) or len(value) != 2:
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return a pair {what}")
    return value[0], value[1]


def _num(x: float) -> str:
    """A number rounded to 4 decimals (never ``-0``): the checkers' messages read the same everywhere."""
    return fmt(x, 4, trim=True)


def _vec(t: torch.Tensor) -> str:
    """The first 8 entries of a tensor, rounded like :func:`_num`."""
    t = t.flatten()
    return fmt_list(t[:8], 4)[:-1] + (", …]" if t.numel() > 8 else "]")


def _scalar(value: Any) -> Any:
    """A one-element tensor or array as a Python number; anything else unchanged."""
    if isinstance(value, (torch.Tensor, np.ndarray)) and value.ndim == 0 and value.dtype not in (bool, torch.bool):
        return value.item()
    return value


def _number(value: Any, where: str, what: str) -> float:
    """The learner's answer as one finite real number, or a clear failure."""
    value = _scalar(value)
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise ExerciseFailure(f"{where} you returned {_shown(value)}; return {what}")
    x = float(value)
    if not math.isfinite(x):
        raise ExerciseFailure(f"{where} you returned {x}; return {what} (a finite number)")
    return x
