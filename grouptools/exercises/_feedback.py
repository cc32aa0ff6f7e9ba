"""The feedback every exercise checker gives.

A checker is a function decorated with :func:`checker`. It receives the
learner's answer, runs its own tests and reports one of three verdicts:

* ``passed`` — every test agreed with the reference;
* ``not attempted`` — the learner's code still raises ``NotImplementedError``;
* ``failed`` — with a concrete counterexample (the input, what was expected,
  what came back), the exception the learner's code raised, or the news that it
  ran longer than the time limit (30 s unless :func:`set_time_limit` changed it).

Whatever happens inside, a checker never raises into the learner's notebook:
it returns a :class:`Feedback` (truthy when passed) that displays as one line,
so a check cell ends with the checker call.

Explained in Chapter 0, *How exercises give feedback*.
"""

from __future__ import annotations

import contextlib
import functools
import signal
import threading
import traceback
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["Feedback", "ExerciseFailure", "checker", "expect_equal", "set_time_limit"]

#: Seconds a checker lets the learner's code run before it reports a failure
#: (change it with :func:`set_time_limit`).
TIME_LIMIT_S: float = 30.0


def set_time_limit(seconds: float) -> None:
    """Let every checker run the learner's code for up to ``seconds`` (default 30; 0 means no limit).

    Explained in Chapter 0, *How exercises give feedback*.
    """
    global TIME_LIMIT_S
    if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not seconds >= 0:
        raise ValueError(f"the time limit must be a number of seconds ≥ 0, not {seconds!r}")
    TIME_LIMIT_S = float(seconds)


#: A Cayley table as the exercises pass it around: a list of rows of labels.
Table = list[list[int]]


class ExerciseFailure(Exception):
    """Raised inside a checker to report a wrong answer; the message is shown to the learner."""


class _TimeLimitReached(BaseException):
    """Raised into the learner's code by the alarm; a ``BaseException`` so ``except Exception`` can't swallow it."""


def _importing(frame: Any) -> bool:
    """Whether ``frame`` or a caller of it is inside the import machinery."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` with :class:`_TimeLimitReached`.

    Uses the real-time interval timer, which exists on Linux and macOS (Colab, JupyterLab)
    and only in the main thread, where notebook cells run; elsewhere the block runs unlimited.
    """
    if seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
        yield
        return

    def interrupt(signum: int, frame: Any) -> None:
        if _importing(frame):  # interrupting an import can leave an extension module half-built
            signal.setitimer(signal.ITIMER_REAL, 0.05)  # try again once the import is done
            return
        raise _TimeLimitReached

    previous = signal.signal(signal.SIGALRM, interrupt)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


@dataclass(frozen=True)
class Feedback:
    """The verdict of one checker: ``status`` is ``"passed"``, ``"not attempted"`` or ``"failed"``."""

    exercise: str
    status: str
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"

    def __bool__(self) -> bool:
        return self.passed

    def __str__(self) -> str:
        mark = {"passed": "✅", "not attempted": "⏳", "failed": "❌"}[self.status]
        return f"{mark} {self.exercise}: {self.status}" + (f" — {self.message}" if self.message else "")

    def __repr__(self) -> str:
        return str(self)


def expect_equal(got: Any, expected: Any, what: str) -> None:
    """Raise :class:`ExerciseFailure` saying ``what`` was expected when ``got != expected``."""
    if got != expected:
        raise ExerciseFailure(f"{what}: expected {expected!r}, got {got!r}")


def checker(exercise: str) -> Callable[[Callable[..., str | None]], Callable[..., Feedback]]:
    """Turn a test function into a checker that returns a :class:`Feedback`.

    The wrapped function raises :class:`ExerciseFailure` for a wrong answer and
    may return a short success message. ``NotImplementedError`` from the
    learner's code means "not attempted"; any other exception is reported with
    the line of the learner's code that raised it. A check that runs longer than
    :func:`set_time_limit` seconds (30 by default) is stopped and reported as failed.
    """

    def decorate(test: Callable[..., str | None]) -> Callable[..., Feedback]:
        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> Feedback:
            limit = TIME_LIMIT_S
            try:
                with _time_limit(limit):
                    note = test(*args, **kwargs)
                result = Feedback(exercise, "passed", note or "")
            except _TimeLimitReached:
                result = Feedback(
                    exercise,
                    "failed",
                    f"the check ran longer than {limit:g} s and was stopped — does a loop in your code never end?",
                )
            except NotImplementedError:
                result = Feedback(exercise, "not attempted", "replace the `raise NotImplementedError` line with your code")
            except ExerciseFailure as exc:
                result = Feedback(exercise, "failed", str(exc))
            except RecursionError:
                result = Feedback(exercise, "failed", "your code recursed without end (RecursionError)")
            except Exception as exc:  # the learner's code crashed: report, never re-raise
                where = _learner_line(exc)
                result = Feedback(exercise, "failed", f"your code raised {type(exc).__name__}: {exc}{where}")
            return result

        return run

    return decorate


# ---------------------------------------------------------------------- helpers shared by the checkers
def _learner_line(exc: BaseException) -> str:
    """`` (at `line`)`` for the last line of the learner's own code in the traceback, else ``""``."""
    frames = traceback.extract_tb(exc.__traceback__)
    learner = [f for f in frames if "grouptools" not in f.filename.replace("\\", "/").split("/")]
    return f" (at `{learner[-1].line}`)" if learner and learner[-1].line else ""


def _is_label(x: Any) -> bool:
    return isinstance(x, (int, np.integer)) and not isinstance(x, (bool, np.bool_))


def _returned(value: Any) -> str:
    """How to quote what the learner returned."""
    if value is None:
        return "None (did you forget `return`?)"
    if isinstance(value, np.ndarray):
        return f"an array {value.tolist()!r}"
    if isinstance(value, (np.bool_, np.integer)):
        return repr(value.item())
    return repr(value)


def _call(function: Callable[..., Any], where: str, *args: Any) -> Any:
    """Call the learner's function; if it crashes, say on which input (and which line)."""
    if not callable(function):
        raise ExerciseFailure(
            f"pass your function itself to the checker (its name, no brackets), not {_returned(function)}"
        )
    try:
        return function(*args)
    except (NotImplementedError, ExerciseFailure, RecursionError):
        raise  # "not attempted", or already explained
    except Exception as exc:
        at = _learner_line(exc)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ExerciseFailure(f"{where} your code raised {what}{at}") from exc


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ExerciseFailure(f"for {where} you returned {_returned(value)}; return True or False")


def _relabel(table: Sequence[Sequence[int]], perm: Sequence[int]) -> Table:
    """The same operation with element x renamed ``perm[x]``."""
    n = len(table)
    out = [[0] * n for _ in range(n)]
    for a in range(n):
        for b in range(n):
            out[perm[a]][perm[b]] = perm[table[a][b]]
    return out
