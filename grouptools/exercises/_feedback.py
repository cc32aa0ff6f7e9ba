"""The feedback every exercise checker gives.

A checker is a function decorated with :func:`checker`. It receives the
learner's answer, runs its own tests and reports one of three verdicts:

* ``passed`` — every test agreed with the reference;
* ``not attempted`` — the learner's code still raises ``NotImplementedError``;
* ``failed`` — with a concrete counterexample (the input, what was expected,
  what came back), the exception the learner's code raised, the news that it
  called ``sys.exit()``, or that it ran longer than the time limit (30 s unless
  :func:`set_time_limit` changed it) — even when it catches the interruption with a
  bare ``except:`` and carries on.

Whatever happens inside, a checker never raises into the learner's notebook
(only ``KeyboardInterrupt``, Ctrl-C, stops the cell as it does everywhere): it
returns a :class:`Feedback` (truthy when passed) that displays as one line, so a
check cell ends with the checker call.

Explained in Chapter 0, *How exercises give feedback*.
"""

from __future__ import annotations

import contextlib
import dis
import functools
import os
import signal
import site
import sys
import sysconfig
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
    """Raised into the learner's code by the alarm; a ``BaseException`` so ``except Exception`` can't swallow it.

    A bare ``except:`` (or ``except BaseException:``) can; once the alarm has escalated, the
    exception is discarded at the end of such an ``except`` clause and :meth:`__del__` re-arms
    the alarm's tracer, which raises it again at the learner's next line (see :class:`_Alarm`).
    """

    def __init__(self, alarm: _Alarm | None = None) -> None:
        super().__init__()
        self._alarm = alarm

    def __del__(self) -> None:
        alarm = self._alarm
        if alarm is not None and alarm.active and alarm.escalated and threading.current_thread() is threading.main_thread():
            alarm.escalate(sys._getframe(1))


def _importing(frame: Any) -> bool:
    """Whether ``frame`` or a caller of it is inside the import machinery."""
    while frame is not None:
        if frame.f_code.co_filename.startswith("<frozen importlib"):
            return True
        frame = frame.f_back
    return False


def _library_folders() -> tuple[str, ...]:
    """The folders of code that is not the learner's: this package, the standard library, installed packages."""
    folders = {os.path.dirname(os.path.dirname(os.path.abspath(__file__)))}  # the grouptools package
    paths = sysconfig.get_paths()
    folders |= {paths[key] for key in ("stdlib", "platstdlib", "purelib", "platlib") if key in paths}
    folders |= {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
    for getter in ("getsitepackages", "getusersitepackages"):
        try:
            found = getattr(site, getter)()
        except AttributeError:  # pragma: no cover - some environments' site module lacks them
            continue
        folders |= {found} if isinstance(found, str) else set(found)
    folders = {os.path.join(os.path.abspath(f), "") for f in folders if f}
    return tuple(sorted(f for f in folders if os.path.dirname(f.rstrip(os.sep)) != f.rstrip(os.sep)))  # never "/"


_LIBRARY_FOLDERS = _library_folders()


@functools.lru_cache(maxsize=4096)
def _is_learners(filename: str) -> bool:
    """Whether code from ``filename`` is the learner's own (a notebook cell, a script, a test), not a library's."""
    if filename.startswith("<"):
        return not filename.startswith("<frozen")  # "<string>", "<stdin>", "<ipython-input-…>"
    return not os.path.abspath(filename).startswith(_LIBRARY_FOLDERS)


#: After the time limit the alarm rings this often until the check is over.
_REPEAT_S = 0.02
#: How many rings (half a second) the alarm waits for an interruption to finish unwinding, and how often
#: it interrupts code that is not the learner's once escalated (time for a library to clean up, and a
#: guarantee of progress should the learner's code be taken for a library's).
_PATIENCE = 25


class _Alarm:
    """The time limit of one check: once ``seconds`` have passed, the learner's code is stopped.

    When the limit passes, the real-time interval timer raises :class:`_TimeLimitReached`
    into the running code, as Ctrl-C raises ``KeyboardInterrupt``; it unwinds through the
    learner's ``with`` and ``finally`` blocks as any exception does. The timer then rings
    again every :data:`_REPEAT_S` seconds until the check is over. Should a later ring find
    the learner's code running on with no interruption in flight, that code has caught the
    exception (a bare ``except:`` or ``except BaseException:`` around a loop): the alarm
    *escalates*. A trace function then raises the exception again at every line of the
    learner's own code (never inside a library), and keeps doing so — a tracer that raises is
    unset by Python, and the exception's ``__del__``, a profile function and the next ring
    set it again — until the learner's code is left, however deeply it nests its excepts.
    Whatever the learner's code does after the limit — catch the exception and return, raise
    another one, call ``sys.exit()`` — :attr:`expired` is set and the verdict is the
    time-out. Ctrl-C is never caught here: it raises ``KeyboardInterrupt`` as always and,
    should the learner's code catch that, stops it the same way, and the check raises
    ``KeyboardInterrupt``.

    Uses the real-time interval timer, which exists on Linux and macOS (Colab, JupyterLab)
    and only in the main thread, where notebook cells run; elsewhere the check runs unlimited.
    """

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self.active = False  # armed, and neither stopped nor restored
        self.expired = False  # the limit has passed
        self.interrupted = False  # Ctrl-C was pressed during the check
        self.rings = 0  # how often the alarm rang
        self.raised = 0  # how often an interruption was raised
        self.caught = False  # the learner's code ran on after an interruption was raised into it
        self.escalated = False  # the tracer stops the learner's code at every line
        self._in_flight = 0  # consecutive rings that found an interruption still being handled
        self._armed = False
        self._previous_handler: Any = None
        self._previous_ctrl_c: Any = None
        self._previous_trace: Any = None
        self._previous_profile: Any = None
        self._tracing = False
        self._base: Any = None  # the frame that started the alarm: the check runs in the frames below it

    def start(self) -> None:
        if self.seconds <= 0 or not hasattr(signal, "setitimer") or threading.current_thread() is not threading.main_thread():
            return
        self._base = sys._getframe(1)
        self._previous_handler = signal.signal(signal.SIGALRM, self._ring)
        if signal.getsignal(signal.SIGINT) is signal.default_int_handler:  # as in a notebook cell
            self._previous_ctrl_c = signal.signal(signal.SIGINT, self._ctrl_c)
        self._armed = self.active = True
        signal.setitimer(signal.ITIMER_REAL, self.seconds, _REPEAT_S)

    def stop(self) -> None:
        """Disarm the timer, restore the previous signal handlers, trace and profile functions; safe to call twice."""
        self.active = False  # from here on the handlers, the tracer, the profiler and __del__ do nothing
        if not self._armed:
            return
        signal.setitimer(signal.ITIMER_REAL, 0)  # a signal still pending runs the idle handler right here
        if self._tracing:
            sys.settrace(self._previous_trace)
            sys.setprofile(self._previous_profile)
            self._tracing = False
        previous = self._previous_handler
        signal.signal(signal.SIGALRM, signal.SIG_DFL if previous is None else previous)  # None: not set from Python
        if self._previous_ctrl_c is not None:
            signal.signal(signal.SIGINT, self._previous_ctrl_c)
        self._armed = False
        self._previous_handler = self._previous_ctrl_c = self._base = None

    def _ring(self, signum: int, frame: Any) -> None:
        """The SIGALRM handler: the limit has passed."""
        if not self.active or _importing(frame):  # interrupting an import can leave a module half-built:
            return  # the timer repeats, and the next ring comes after the import
        self.expired = True
        self.rings += 1
        if frame.f_code.co_filename == __file__:
            return  # never this module's own bookkeeping
        if self.raised == 0:
            self._raise()  # the first interruption, wherever the check is
        if isinstance(sys.exc_info()[1], (_TimeLimitReached, KeyboardInterrupt)):
            self._in_flight += 1  # still unwinding (a finally block, a with statement's exit) or in an except clause
            if self._in_flight < _PATIENCE:
                return
        self._in_flight = 0
        learners = _is_learners(frame.f_code.co_filename)
        if learners:
            self.caught = True  # the learner's code runs on: it caught the interruption
        self.escalate(frame)
        if learners or self.rings % _PATIENCE == 0:  # a library's code only now and then: time to clean up
            self._raise()

    def _ctrl_c(self, signum: int, frame: Any) -> None:
        """The SIGINT handler: ``KeyboardInterrupt``, as always, and the learner's code can't swallow it.

        If the learner's code catches it, the alarm stops that code as after the time limit,
        and the check ends with ``KeyboardInterrupt`` (see :func:`checker`).
        """
        if self.active:
            self.interrupted = True
            self.raised += 1
            signal.setitimer(signal.ITIMER_REAL, _REPEAT_S, _REPEAT_S)  # ring from now on
        raise KeyboardInterrupt

    def _raise(self) -> None:
        self.raised += 1
        raise _TimeLimitReached(self)  # no local variable: a frame holding it would keep it (and __del__) waiting for gc

    def escalate(self, frame: Any) -> None:
        """From now on, stop the learner's code at every line: trace new frames, and the learner's from ``frame`` up."""
        if not self.active:
            return
        self.escalated = True
        if not self._tracing:
            self._previous_trace, self._previous_profile = sys.gettrace(), sys.getprofile()
            self._tracing = True
            sys.setprofile(self._watch)
        sys.settrace(self._trace)
        while frame is not None and frame is not self._base:
            if _is_learners(frame.f_code.co_filename):
                frame.f_trace = self._trace
                frame.f_trace_lines = True
            frame = frame.f_back

    def _watch(self, frame: Any, event: str, arg: Any) -> None:
        """The profile function once escalated: at every call, put the tracer back if raising unset it.

        (Python unsets a trace function that raises. When the learner's code keeps the caught
        exception alive its ``__del__`` does not run, but keeping it takes a call.)
        """
        if self.active and sys.gettrace() is None:
            self.escalate(frame)

    def _trace(self, frame: Any, event: str, arg: Any) -> Any:
        """The trace function once escalated: raise the time-out at the learner's next line, again and again.

        Except where a ``with`` statement hands the exception to its context manager's ``__exit__``:
        that restores state the learner did not set up (``torch.no_grad()``, ``np.errstate``).
        """
        if not self.active or not _is_learners(frame.f_code.co_filename):
            return None  # a library's frame is neither traced nor interrupted
        if event in ("call", "line") and not _importing(frame) and frame.f_lasti not in _with_exits(frame.f_code):
            self._raise()  # Python unsets a tracer that raises: the exception's __del__, _watch and _ring reset it
        return self._trace


@functools.lru_cache(maxsize=256)
def _with_exits(code: Any) -> frozenset[int]:
    """The offsets in ``code`` where a ``with`` statement's exit runs because of an exception."""
    instructions = list(dis.get_instructions(code))
    return frozenset(
        a.offset
        for a, b in zip(instructions, instructions[1:])
        if a.opname == "PUSH_EXC_INFO" and b.opname == "WITH_EXCEPT_START"
    )


@contextlib.contextmanager
def _time_limit(seconds: float) -> Iterator[_Alarm]:
    """Stop the block after ``seconds`` (0: no limit) with :class:`_TimeLimitReached`; yields the :class:`_Alarm`.

    Once the limit has passed the alarm stays raised (see :class:`_Alarm`); ``alarm.expired``
    tells afterwards whether it did, whatever the block did with the exception.
    """
    alarm = _Alarm(seconds)
    alarm.start()
    try:
        yield alarm
    finally:
        _stop(alarm)


def _stop(alarm: _Alarm) -> None:
    """``alarm.stop()``, completed even when a ``KeyboardInterrupt`` arrives in the middle of it."""
    try:
        alarm.stop()
    except BaseException:
        alarm.stop()
        raise


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
    learner's code means "not attempted"; any other exception, and ``sys.exit()``, is
    reported with the line of the learner's code that raised it. A check that runs longer
    than :func:`set_time_limit` seconds (30 by default) is stopped and reported as failed,
    whatever the learner's code does with the interruption (see :class:`_Alarm`).
    ``KeyboardInterrupt`` propagates.
    """

    def decorate(test: Callable[..., str | None]) -> Callable[..., Feedback]:
        @functools.wraps(test)
        def run(*args: Any, **kwargs: Any) -> Feedback:
            alarm = _Alarm(TIME_LIMIT_S)
            result: Feedback | None = None
            try:
                alarm.start()
                result = _verdict(exercise, test, args, kwargs)
            except _TimeLimitReached:
                _stop(alarm)  # before the exception is freed: finalisers of the learner's objects run unhindered
            finally:
                _stop(alarm)
            if alarm.interrupted:  # Ctrl-C, which the learner's code caught
                raise KeyboardInterrupt
            if alarm.raised and result is not None:  # the check went on after an interruption was raised
                alarm.caught = True
            if alarm.expired or result is None:  # whatever the learner's code did after the limit
                result = Feedback(exercise, "failed", _time_out_message(alarm))
            return result

        return run

    return decorate


def _verdict(exercise: str, test: Callable[..., str | None], args: Any, kwargs: Any) -> Feedback:
    """Run the check and turn what happened into a Feedback; only the time-out and ``KeyboardInterrupt`` propagate."""
    try:
        note = test(*args, **kwargs)
        return Feedback(exercise, "passed", note or "")
    except (_TimeLimitReached, KeyboardInterrupt):
        raise  # the time-out is reported by the caller; Ctrl-C stops the cell, as everywhere
    except NotImplementedError:
        return Feedback(exercise, "not attempted", "replace the `raise NotImplementedError` line with your code")
    except ExerciseFailure as exc:
        return Feedback(exercise, "failed", str(exc))
    except RecursionError:
        return Feedback(exercise, "failed", "your code recursed without end (RecursionError)")
    except SystemExit as exc:
        return Feedback(exercise, "failed", _exit_message(exc))
    except Exception as exc:  # the learner's code crashed: report, never re-raise
        return Feedback(exercise, "failed", f"your code raised {type(exc).__name__}: {exc}{_learner_line(exc)}")
    except BaseException as exc:  # GeneratorExit, or an exception class of the learner's own
        return Feedback(exercise, "failed", f"your code raised {type(exc).__name__}{_learner_line(exc)}")


def _time_out_message(alarm: _Alarm) -> str:
    message = f"the check ran longer than {alarm.seconds:g} s and was stopped"
    if alarm.caught:
        return (
            f"{message}, although your code caught the interruption and carried on: a bare `except:` or "
            "`except BaseException:` catches it (and Ctrl-C too); catch `Exception` or a specific error instead"
        )
    return f"{message} — does a loop in your code never end?"


def _exit_message(exc: SystemExit) -> str:
    code = "" if exc.code is None else f" (with {exc.code!r})"
    return (
        f"your code called sys.exit(){code}{_learner_line(exc)}: exit() ends the whole program; "
        "a function hands back its answer with `return`"
    )


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
    except SystemExit as exc:
        raise ExerciseFailure(f"{where} {_exit_message(exc)}") from exc
    except Exception as exc:
        at = _learner_line(exc)
        what = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        raise ExerciseFailure(f"{where} your code raised {what}{at}") from exc


def _as_bool(value: Any, where: str) -> bool:
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    raise ExerciseFailure(f"for {where} you returned {_returned(value)}; return True or False")


def _relabel(table: Sequence[Sequence[int]], perm: Sequence[int]) -> Table:
    """The same operation with element x renamed ``perm[x]`` (:func:`grouptools.groups.relabel_table`), as lists."""
    from ..groups import relabel_table

    return relabel_table(table, perm).tolist()
