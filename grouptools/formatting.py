"""Printing numbers so that the text is the same on every machine.

A computed number carries rounding error, and the error depends on the machine: the
BLAS kernel path, the thread count, the order of a sum. Printed with all its digits
it shows that noise (``8.88e-16`` here, ``4.44e-16`` there), and an exact zero can
come out as ``-0.`` on one machine and ``0.`` on another. The course prints through
these helpers instead, which round to the digits the text needs and never print a
negative zero:

* :func:`fmt` — one number (real or complex) with a fixed number of decimals;
  ``trim=True`` drops trailing zeros (``0.5``, ``2``);
* :func:`fmt_list` — an array as a nested list, ``[[0, -1], [1, 0.5]]``, for messages;
* :func:`array_str` — an array in NumPy's layout, rounded (``[[ 0. -1.] [ 1.  0.]]``);
* :func:`fmt_error` — an error or a gap: ``< 1e-12`` when it is rounding noise, else
  two significant digits;
* :func:`rounded` — the rounded values themselves, as an array without ``-0.0``;
* :func:`noise_floor` — below what size an error is rounding noise, per dtype.

Explained in Chapter 0, *Reproducible numbers*.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

__all__ = ["fmt", "fmt_list", "array_str", "fmt_error", "noise_floor", "rounded", "parenthesise", "check_each"]


def parenthesise(name: str) -> str:
    """Parenthesise an element name with a space in it, so that ``(r s)·r`` reads as a product of two elements.

    Explained in Chapter 1, *A zoo of groups*.
    """
    return f"({name})" if " " in name and not name.startswith("(") else name


def _check_digits(digits: Any) -> int:
    if isinstance(digits, bool) or not isinstance(digits, numbers.Integral) or not 0 <= digits <= 15:
        raise ValueError(f"digits must be an integer from 0 to 15, got {digits!r}")
    return int(digits)


def rounded(x: Any, digits: int = 3) -> np.ndarray:
    """``x`` rounded to ``digits`` decimals, as a float (or complex) array with no ``-0.0``.

    Complex input whose imaginary parts all round to zero comes back real.

    Explained in Chapter 0, *Reproducible numbers*.
    """
    digits = _check_digits(digits)
    a = np.asarray(x)
    if a.dtype == object or a.dtype.kind not in "biufc":
        raise TypeError(f"rounded needs numbers, got an array of {a.dtype}")
    if np.iscomplexobj(a):
        re = np.round(a.real.astype(np.float64), digits) + 0.0
        im = np.round(a.imag.astype(np.float64), digits) + 0.0
        return re if not np.any(im) else re + 1j * im
    return np.round(a.astype(np.float64), digits) + 0.0


def _real(v: float, digits: int, trim: bool) -> str:
    if math.isnan(v) or math.isinf(v):
        return str(v)
    s = f"{round(v, digits) + 0.0:.{digits}f}"
    if s.startswith("-") and float(s) == 0.0:
        s = s[1:]
    if trim and "." in s:
        s = s.rstrip("0").rstrip(".")
    return s


def fmt(x: Any, digits: int = 3, *, trim: bool = False) -> str:
    """One number with ``digits`` decimals and never ``-0``: ``fmt(-1e-17) == "0.000"``.

    Integers print as integers. A complex number prints as ``a+bi`` (``bi`` alone when
    the real part rounds to zero, the real part alone when the imaginary part does).
    ``trim=True`` removes trailing zeros and a trailing point (``1.500`` → ``1.5``).

    Explained in Chapter 0, *Reproducible numbers*.
    """
    digits = _check_digits(digits)
    if hasattr(x, "item") and getattr(x, "ndim", None) == 0:  # a 0-d array or tensor
        x = x.item()
    if isinstance(x, (bool, np.bool_)):
        return str(bool(x))
    if isinstance(x, numbers.Integral):
        return str(int(x))
    if isinstance(x, numbers.Complex) and not isinstance(x, numbers.Real):
        z = complex(x)
        re, im = _real(z.real, digits, trim), _real(abs(z.imag), digits, trim)
        if float(im) == 0.0:
            return re
        im = ("" if im == "1" else im) + "i"
        sign = "-" if z.imag < 0 else "+"
        if float(re) == 0.0:
            return im if sign == "+" else "-" + im
        return f"{re}{sign}{im}"
    if isinstance(x, numbers.Real):
        return _real(float(x), digits, trim)
    raise TypeError(f"fmt needs a number, got {type(x).__name__}")


def _as_array(x: Any) -> np.ndarray:
    """A NumPy array from an array, a nested list or a torch tensor (torch is not imported here)."""
    if hasattr(x, "detach") and hasattr(x, "cpu"):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def fmt_list(x: Any, digits: int = 3) -> str:
    """An array (or nested list) as a nested list of trimmed numbers: ``[[0, -1], [1, 0.5]]``.

    Explained in Chapter 0, *Reproducible numbers*.
    """
    a = _as_array(x)

    def rec(v: np.ndarray) -> str:
        if v.ndim == 0:
            item = v.item()
            return fmt(item, digits, trim=True) if isinstance(item, numbers.Number) else repr(item)
        return "[" + ", ".join(rec(row) for row in v) + "]"

    return rec(a)


def array_str(x: Any, digits: int = 3) -> str:
    """An array in NumPy's printed layout, rounded to ``digits`` decimals, without ``-0.``.

    Small entries print as 0 (no scientific notation for rounding noise). Complex arrays
    whose imaginary parts round to zero print as real ones.

    Explained in Chapter 0, *Reproducible numbers*.
    """
    a = rounded(_as_array(x), digits)
    return np.array2string(a, precision=digits, suppress_small=True, floatmode="maxprec", max_line_width=100)


def fmt_error(err: Any, floor: float = 1e-12, *, relation: bool = False) -> str:
    """An error, gap or residual: ``"< 1e-12"`` when it is below ``floor``, else two significant digits.

    The size is the absolute value (an array gives its largest one). Rounding noise (1e-16 on one machine,
    4e-16 on another, or exactly 0) thus prints the same everywhere, while a real error
    (``3.5e-02``) keeps its size. With ``relation=True`` a value comes with ``"= "`` in
    front (``"= 3.5e-02"``), so that ``f"gap {fmt_error(e, relation=True)}"`` reads well
    either way.

    Explained in Chapter 0, *Reproducible numbers*.
    """
    arr = _as_array(err)
    e = float(np.max(np.abs(arr))) if arr.size else 0.0
    if not floor > 0:
        raise ValueError(f"floor must be positive, got {floor!r}")
    if math.isnan(e):
        text = "nan"
    elif abs(e) < floor:
        return f"< {floor:.0e}"
    else:
        text = f"{e:.1e}"
    return f"= {text}" if relation else text


def noise_floor(dtype: Any) -> float:
    """The size below which an error in arithmetic of this dtype counts as rounding noise.

    1e-12 for 64-bit floats (and complex128), 1e-5 for 32-bit ones, 1e-2 for 16-bit
    ones; a NumPy or torch dtype. Used with :func:`fmt_error`.

    Explained in Chapter 0, *Reproducible numbers*.
    """
    if hasattr(dtype, "is_floating_point"):  # a torch dtype (torch is not imported here)
        itemsize, complex_ = dtype.itemsize, dtype.is_complex
    else:
        np_dtype = np.dtype(dtype)
        itemsize, complex_ = np_dtype.itemsize, np_dtype.kind == "c"
    bytes_per_part = itemsize // 2 if complex_ else itemsize
    return 1e-12 if bytes_per_part >= 8 else 1e-5 if bytes_per_part >= 4 else 1e-2


def check_each(groups: Any, check: Any, *, width: int | None = None) -> list[Any]:
    """Run ``check(G)`` on every group and print one aligned line per group: ``name: summary``.

    ``check`` asserts what must hold (or raises) and returns a short summary string (or
    ``None`` for no line). A failure names the group it failed on, so that a loop of
    "checked on every group" reads as one line in a notebook::

        check_each(GROUPS, lambda G: f"{len(sg.all_subgroups(G))} subgroups")

    Returns the summaries in order.

    Explained in Chapter 1, *The group axioms*.
    """
    groups = list(groups)
    if not callable(check):
        raise TypeError(f"check must be a function of one group, got {type(check).__name__}")
    for G in groups:
        if not hasattr(G, "name") or not hasattr(G, "order"):
            raise TypeError(f"check_each needs groups (objects with a name and an order), got {type(G).__name__}")
    width = max((len(G.name) for G in groups), default=0) if width is None else int(width)
    out = []
    for G in groups:
        try:
            summary = check(G)
        except AssertionError as exc:
            raise AssertionError(f"check failed on {G.name} (order {G.order}): {exc}") from exc
        if summary is not None:
            print(f"{G.name:>{width}}: {summary}")
        out.append(summary)
    return out
