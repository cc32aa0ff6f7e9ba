"""Checks every exercise chapter shares, run on every solution notebook in exercises/solutions/.

A new chapter's notebook ``NN_*_exercises.ipynb`` and its checkers
``grouptools.exercises.chNN`` are covered without changes here. The planted wrong
answers of each chapter are in ``test_exercises_chNN.py``.
"""

from __future__ import annotations

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
    gt.exercises.set_time_limit(0.2)
    try:
        result = support.run(chapter.checkers, checker_name, _endless)
    finally:
        gt.exercises.set_time_limit(30)
    assert result.status == "failed"
    assert "ran longer than 0.2 s" in result.message


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
