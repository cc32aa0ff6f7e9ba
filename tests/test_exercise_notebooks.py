"""Checks every exercise chapter shares, run on every solution notebook in exercises/solutions/.

A new chapter's notebook ``NN_*_exercises.ipynb`` and its checkers
``grouptools.exercises.chNN`` are covered without changes here. The planted wrong
answers of each chapter are in ``test_exercises_chNN.py``.
"""

from __future__ import annotations

import signal
import sys
import time

import numpy as np
import pytest

import grouptools as gt
from grouptools.notebooks import ROOT

import exercise_support as support

CHAPTERS = support.chapters()
CHECKERS = [(chapter, name) for chapter in CHAPTERS for name in chapter.checkers.__all__]
MIN_EXERCISES = 5  # per chapter, as the course requires; also guards against a checker module that lost its checkers

# Answers that ignore their input; none of them may pass any checker.
CONSTANTS = [
    None, True, False, 0, 1, 2, 5, -1, 0.5, 1j, (0, 0, 1), (0, 1), [], [0], [1], [5], [0, 1], [[0]], [[0, 1]], "e",
    np.arange(8), np.eye(2), np.zeros((6, 2, 2)), np.tile(np.eye(2), (6, 1, 1)), [np.eye(1)],
]

chapter_params = pytest.mark.parametrize("chapter", CHAPTERS, ids=str)
checker_params = pytest.mark.parametrize(("chapter", "checker_name"), CHECKERS, ids=[f"{c}.{n}" for c, n in CHECKERS])


def _stub(*args):
    raise NotImplementedError("replace this line with your solution")


def _crash(*args):
    raise ValueError("boom")


def _forever(*args):
    return _forever(*args)


def _endless(*args):
    while True:
        try:
            pass
        except Exception:  # a learner's blanket except must not swallow the time limit
            pass


def _exits(*args):
    sys.exit("bye")


def _swallows_the_time_limit(*args):
    """An endless loop inside a bare except inside another: each level catches the interruption and loops on."""
    kept = []
    while True:
        try:
            while True:
                try:
                    while True:
                        pass
                except BaseException as err:  # keeps the exception alive
                    kept.append(err)
        except:  # noqa: E722 - the learner's bare except
            pass


def _swallows_then_answers(correct):
    """Catches the interruption, then returns the right answer: still a time-out."""

    def answer(*args):
        try:
            while True:
                pass
        except BaseException:
            return correct(*args)

    return answer


def _interrupted(*args):
    raise KeyboardInterrupt


def _solution_checked_by(chapter, checker_name):
    """The solution notebook's function that ``checker_name`` checks."""
    (function,) = {c.function for c in support.check_calls(chapter) if c.checker == checker_name and not c.is_demonstration}
    return support.solutions(chapter.checkers)[function]


class _TimeLimit:
    """``set_time_limit(seconds)`` for the block; afterwards the timer is disarmed, the signal handlers and the
    trace and profile functions are as before."""

    def __init__(self, seconds):
        self.seconds = seconds

    def __enter__(self):
        self.before = self._state()
        gt.exercises.set_time_limit(self.seconds)
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.elapsed = time.perf_counter() - self.start
        gt.exercises.set_time_limit(30)
        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)  # disarmed
        assert self._state() == self.before

    @staticmethod
    def _state():
        return signal.getsignal(signal.SIGALRM), signal.getsignal(signal.SIGINT), sys.gettrace(), sys.getprofile()


# ---------------------------------------------------------------------- the notebooks
def test_every_exercise_notebook_has_a_solution_and_checkers():
    """Discovery finds the chapters; each learner notebook has its solution and each checker module its notebook."""
    assert {1, 2, 3, 4, 6} <= {c.number for c in CHAPTERS}
    assert len({c.number for c in CHAPTERS}) == len(CHAPTERS)  # one solution notebook per chapter
    learner = sorted(p.name for p in (ROOT / "exercises").glob("[0-9][0-9]_*.ipynb"))
    assert learner == [c.notebook_path.name for c in CHAPTERS]
    modules = sorted(p.stem for p in (ROOT / "grouptools" / "exercises").glob("ch[0-9][0-9].py"))
    assert modules == [c.module_name for c in CHAPTERS]


@chapter_params
def test_every_exercise_has_a_checker_and_the_solution_passes(chapter):
    checkers, solutions = chapter.checkers, support.solutions(chapter.checkers)
    calls = [c for c in support.check_calls(chapter) if not c.is_demonstration]
    assert len(calls) >= MIN_EXERCISES
    assert sorted(c.checker for c in calls) == sorted(checkers.__all__)
    for call in calls:
        result = support.run(checkers, call.checker, solutions[call.function])
        assert result.status == "passed", str(result)
        assert str(result).startswith(f"✅ Exercise {chapter.number}.")


@chapter_params
def test_check_cells_follow_their_exercise_boxes(chapter):
    """The number in each exercise box's title is the number the checker below it reports."""
    checkers, solutions = chapter.checkers, support.solutions(chapter.checkers)
    seen = []
    for call in support.check_calls(chapter):
        if not call.is_demonstration:
            result = support.run(checkers, call.checker, solutions[call.function])
            assert result.exercise == f"Exercise {call.exercise}"
            seen.append(call.exercise)
    assert seen == [f"{chapter.number}.{k}" for k in range(1, len(seen) + 1)]
    assert len(seen) == len(checkers.__all__)


@chapter_params
def test_a_demonstration_before_the_first_exercise_fails(chapter):
    """A check cell before the first exercise box defines its own wrong answer, and the checker rejects it."""
    for call in support.check_calls(chapter):
        if call.is_demonstration:
            namespace = support.solutions(chapter.checkers)
            assert call.function not in namespace  # not one of the learner's functions
            exec(call.source.strip().rsplit("\n", 1)[0], namespace)  # the cell without its check call
            result = support.run(chapter.checkers, call.checker, namespace[call.function])
            assert result.status == "failed", str(result)


@chapter_params
def test_every_checker_is_exported_and_documented(chapter):
    checkers = chapter.checkers
    assert getattr(gt.exercises, chapter.module_name) is checkers
    assert checkers.__all__ and all(name.startswith("check_") for name in checkers.__all__)
    for name in checkers.__all__:
        assert callable(getattr(checkers, name))
        assert f"Chapter {chapter.number} exercises" in getattr(checkers, name).__doc__


# ---------------------------------------------------------------------- every checker
@checker_params
def test_a_stub_is_not_attempted(chapter, checker_name):
    result = support.run(chapter.checkers, checker_name, _stub)
    assert result.status == "not attempted"
    assert str(result).startswith(f"⏳ Exercise {chapter.number}.")


@checker_params
def test_a_crash_is_reported_not_raised(chapter, checker_name):
    result = support.run(chapter.checkers, checker_name, _crash)
    assert result.status == "failed"
    assert "your code raised ValueError: boom" in result.message
    assert result.message.startswith("for ")  # names the input it crashed on
    assert 'raise ValueError("boom")' in result.message  # the learner's line


@checker_params
def test_a_checker_survives_a_recursion_error(chapter, checker_name):
    result = support.run(chapter.checkers, checker_name, _forever)
    assert result.status == "failed" and "RecursionError" in result.message


@checker_params
def test_an_endless_loop_is_stopped_and_reported(chapter, checker_name):
    with _TimeLimit(0.2):
        result = support.run(chapter.checkers, checker_name, _endless)
    assert result.status == "failed"
    assert "ran longer than 0.2 s" in result.message


@checker_params
def test_a_bare_except_cannot_swallow_the_time_limit(chapter, checker_name):
    """The alarm persists after the limit: nested bare excepts around an endless loop are stopped too."""
    with _TimeLimit(0.2) as limit:
        result = support.run(chapter.checkers, checker_name, _swallows_the_time_limit)
    assert result.status == "failed"
    assert "ran longer than 0.2 s" in result.message
    assert "your code caught the interruption" in result.message and "bare `except:`" in result.message
    assert limit.elapsed < 5


@chapter_params
def test_a_time_out_stays_a_time_out_when_the_code_then_answers(chapter):
    """Code that catches the interruption and returns the right answer after all still ran too long.

    (The verdict is the shared wrapper's, so one checker per chapter is enough: the first.)
    """
    checker_name = chapter.checkers.__all__[0]
    answer = _swallows_then_answers(_solution_checked_by(chapter, checker_name))
    with _TimeLimit(0.2):
        result = support.run(chapter.checkers, checker_name, answer)
    assert result.status == "failed", str(result)
    assert "ran longer than 0.2 s" in result.message


def test_the_verdict_is_the_time_out_whatever_the_code_does_after_the_limit(monkeypatch):
    """Code that catches the interruption and then answers correctly, or calls sys.exit(), still ran too long —
    even when the alarm takes every frame for a library's, so that its tracer never stops the learner's code."""
    from grouptools.exercises import _feedback, ch01

    monkeypatch.setattr(_feedback, "_is_learners", lambda filename: False)
    monkeypatch.setattr(_feedback, "_PATIENCE", 2)  # every other ring interrupts, not every 25th
    correct = _solution_checked_by(support.chapter_of(ch01), "check_is_latin_square")

    def exits_after(table):
        try:
            while True:
                pass
        except BaseException:
            sys.exit(0)

    for answer in (_swallows_then_answers(correct), exits_after):
        with _TimeLimit(0.2):
            result = support.run(ch01, "check_is_latin_square", answer)
        assert result.status == "failed" and "ran longer than 0.2 s" in result.message, str(result)


def test_a_time_out_runs_the_exits_of_the_learners_with_statements():
    """State that a context manager restores (here numpy's error handling) is restored after a time-out,
    whether the loop inside the with statement catches the interruption or not."""
    from grouptools.exercises import ch01

    def loop_in_a_with_statement(table):
        with np.errstate(all="ignore"):
            while True:
                table = table
                pass

    def swallowing_loop_in_a_with_statement(table):
        with np.errstate(all="ignore"):
            _swallows_the_time_limit(table)

    before = np.geterr()
    for answer in (loop_in_a_with_statement, swallowing_loop_in_a_with_statement):
        with _TimeLimit(0.2):
            result = support.run(ch01, "check_is_latin_square", answer)
        assert result.status == "failed" and "ran longer than 0.2 s" in result.message, str(result)
        assert np.geterr() == before


def test_ctrl_c_stops_a_check_even_through_a_bare_except():
    """Ctrl-C (simulated by _thread.interrupt_main) raises KeyboardInterrupt, which the learner's code swallows;
    the check stops that code at once, as after the time limit, and raises KeyboardInterrupt into the cell."""
    import _thread
    import threading

    from grouptools.exercises import ch01

    if signal.getsignal(signal.SIGINT) is not signal.default_int_handler:  # pragma: no cover
        pytest.skip("Ctrl-C is not Python's KeyboardInterrupt here")
    ctrl_c = threading.Timer(0.2, _thread.interrupt_main)
    with _TimeLimit(30) as limit, pytest.raises(KeyboardInterrupt):
        ctrl_c.start()
        support.run(ch01, "check_is_latin_square", _swallows_the_time_limit)
    assert limit.elapsed < 5


@checker_params
def test_sys_exit_is_reported_not_raised(chapter, checker_name):
    with _TimeLimit(30):
        result = support.run(chapter.checkers, checker_name, _exits)
    assert result.status == "failed"
    assert "your code called sys.exit() (with 'bye')" in result.message
    assert result.message.startswith("for ")  # names the input
    assert 'sys.exit("bye")' in result.message  # the learner's line


@checker_params
def test_ctrl_c_still_stops_the_cell(chapter, checker_name):
    with _TimeLimit(30), pytest.raises(KeyboardInterrupt):
        support.run(chapter.checkers, checker_name, _interrupted)


@checker_params
@pytest.mark.parametrize("constant", CONSTANTS, ids=lambda c: repr(c).replace("\n", ""))
def test_a_constant_answer_never_passes(chapter, checker_name, constant):
    result = support.run(chapter.checkers, checker_name, lambda *args: constant)
    assert result.status == "failed", str(result)


@checker_params
def test_passing_something_that_is_not_a_function_is_explained(chapter, checker_name):
    result = support.run(chapter.checkers, checker_name, None)
    assert result.status == "failed"
    assert "pass your function itself" in result.message
