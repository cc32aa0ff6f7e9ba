"""Shared machinery for the exercise-checker tests (not a test module itself).

``tests/test_exercise_notebooks.py`` runs the checks every chapter shares on every
solution notebook; ``tests/test_exercises_chNN.py`` plant wrong answers for one chapter.
Both take the learner's functions from their single source, the solution notebook:
its import cells and the cells that define the learner's functions (those with
``# BEGIN SOLUTION``) are executed, in notebook order.

Imported as ``import exercise_support``: pytest puts ``tests/`` (no ``__init__.py``)
on ``sys.path`` before it imports the test modules.
"""

from __future__ import annotations

import functools
import importlib
import re
from dataclasses import dataclass
from pathlib import Path
from types import ModuleType

import nbformat
import pytest

from grouptools.exercises import Feedback
from grouptools.notebooks import ROOT

SOLUTIONS = ROOT / "exercises" / "solutions"
EXERCISE_BOX = re.compile(r"```\{exercise-start\}\s+(\d+\.\d+)\b")


# ---------------------------------------------------------------------- chapters
@dataclass(frozen=True)
class ExerciseChapter:
    """A solution notebook ``exercises/solutions/NN_*.ipynb`` and its checkers ``grouptools.exercises.chNN``."""

    number: int
    notebook_path: Path

    @property
    def module_name(self) -> str:
        return f"ch{self.number:02d}"

    @property
    def checkers(self) -> ModuleType:
        return importlib.import_module(f"grouptools.exercises.{self.module_name}")

    def __str__(self) -> str:
        return self.module_name


def chapters() -> list[ExerciseChapter]:
    """Every solution notebook in exercises/solutions/, in chapter order."""
    return [ExerciseChapter(int(path.name[:2]), path) for path in sorted(SOLUTIONS.glob("[0-9][0-9]_*.ipynb"))]


def chapter_of(checkers: ModuleType) -> ExerciseChapter:
    """The chapter whose checkers are the module ``grouptools.exercises.chNN``."""
    found = [c for c in chapters() if c.module_name == checkers.__name__.rsplit(".", 1)[-1]]
    assert len(found) == 1, f"expected one solution notebook for {checkers.__name__}, found {found}"
    return found[0]


# ---------------------------------------------------------------------- the solution notebook
@functools.cache
def read_notebook(path: Path) -> nbformat.NotebookNode:
    return nbformat.read(path, as_version=4)


def _is_imports(source: str) -> bool:
    lines = [line for line in source.split("\n") if line.strip()]
    return bool(lines) and all(line.startswith(("import ", "from ")) for line in lines)


@functools.cache
def _solution_namespace(path: Path) -> dict:
    namespace: dict = {}
    for cell in read_notebook(path).cells:
        if cell.cell_type != "code" or "colab-setup" in cell.metadata.get("tags", []):
            continue
        if _is_imports(cell.source) or "# BEGIN SOLUTION" in cell.source:
            exec(compile(cell.source, str(path), "exec"), namespace)
    return namespace


def solutions(checkers: ModuleType) -> dict:
    """The learner functions as the chapter's solution notebook defines them (name → object)."""
    return dict(_solution_namespace(chapter_of(checkers).notebook_path))


@dataclass(frozen=True)
class CheckCall:
    """A code cell whose last line is ``chNN.check_x(function)``."""

    checker: str  # "check_x"
    function: str  # the name of the learner's function it checks
    exercise: str | None  # the number of the exercise box above it ("1.1"); None before the first box
    source: str  # the whole cell

    @property
    def is_demonstration(self) -> bool:
        """A check before the first exercise box shows what a failed check looks like."""
        return self.exercise is None


def check_calls(chapter: ExerciseChapter) -> list[CheckCall]:
    """Every check cell of the solution notebook, in notebook order, with the exercise box it follows."""
    call = re.compile(rf"^{chapter.module_name}\.(check_\w+)\((\w+)\)\s*$")
    calls, current = [], None
    for cell in read_notebook(chapter.notebook_path).cells:
        box = EXERCISE_BOX.match(cell.source)
        if cell.cell_type == "markdown" and box:
            current = box.group(1)
        if cell.cell_type == "code":
            m = call.match(cell.source.strip().split("\n")[-1])
            if m:
                calls.append(CheckCall(m.group(1), m.group(2), current, cell.source))
    return calls


# ---------------------------------------------------------------------- running a checker
def run(checkers: ModuleType, checker_name: str, answer) -> Feedback:
    """``checkers.<checker_name>(answer)``, which must return a Feedback (and never raise)."""
    result = getattr(checkers, checker_name)(answer)
    assert isinstance(result, Feedback), f"{checker_name} returned {result!r}, not a Feedback"
    return result


def assert_fails(checkers: ModuleType, checker_name: str, answer, *fragments: str) -> None:
    """The checker rejects ``answer`` with a message that contains every fragment."""
    result = run(checkers, checker_name, answer)
    assert result.status == "failed", str(result)
    for fragment in fragments:
        assert fragment in result.message, f"{fragment!r} not in {result.message!r}"


def helpers_for(checkers: ModuleType):
    """``run`` and ``assert_fails`` bound to one chapter's checkers, and its ``solutions`` fixture.

    In ``test_exercises_chNN.py``: ``run, assert_fails, solutions = helpers_for(chNN)``; a test
    that takes ``solutions`` gets the learner functions of that chapter's solution notebook.
    """

    @pytest.fixture(scope="module", name="solutions")
    def solutions_fixture() -> dict:
        return solutions(checkers)

    return functools.partial(run, checkers), functools.partial(assert_fails, checkers), solutions_fixture
