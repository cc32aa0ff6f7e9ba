"""The notebook tools: learner notebooks generated from their solutions, set-up cells in sync."""

from __future__ import annotations

import textwrap
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from grouptools import notebooks
from grouptools.exercises import set_time_limit
from grouptools.notebooks import colab_setup_source, learner_version, plain_exercise_boxes, strip_solutions


# ---------------------------------------------------------------------- strip_solutions
def test_strip_solutions_keeps_the_indentation_and_everything_outside():
    source = textwrap.dedent(
        """\
        def f(x):
            \"\"\"Docstring stays.\"\"\"
            # BEGIN SOLUTION
            y = x + 1
            return y
            # END SOLUTION


        def g(x):
            if x:
                # BEGIN SOLUTION
                return 1
                # END SOLUTION
            return 0"""
    )
    assert strip_solutions(source) == textwrap.dedent(
        """\
        def f(x):
            \"\"\"Docstring stays.\"\"\"
            # YOUR CODE HERE
            raise NotImplementedError("replace this line with your solution")


        def g(x):
            if x:
                # YOUR CODE HERE
                raise NotImplementedError("replace this line with your solution")
            return 0"""
    )


def test_strip_solutions_without_markers_changes_nothing():
    source = "x = 1\n# a comment about SOLUTION\nprint(x)"
    assert strip_solutions(source) == source


def test_the_stripped_code_runs_and_raises_not_implemented():
    namespace: dict = {}
    exec(strip_solutions("def f():\n    # BEGIN SOLUTION\n    return 42\n    # END SOLUTION\n"), namespace)
    with pytest.raises(NotImplementedError):
        namespace["f"]()


@pytest.mark.parametrize(
    "source, problem",
    [
        ("def f():\n    # BEGIN SOLUTION\n    return 1\n", "'# BEGIN SOLUTION' without '# END SOLUTION'"),
        ("def f():\n    return 1\n    # END SOLUTION\n", "'# END SOLUTION' without '# BEGIN SOLUTION'"),
        ("# BEGIN SOLUTION\n# BEGIN SOLUTION\nx = 1\n# END SOLUTION\n", "nested '# BEGIN SOLUTION'"),
    ],
)
def test_unbalanced_markers_raise_naming_the_cell(source, problem):
    with pytest.raises(ValueError, match="exercise.ipynb, cell 7") as info:
        strip_solutions(source, "exercise.ipynb, cell 7")
    assert problem in str(info.value)


# ---------------------------------------------------------------------- learner_version
def _solution_notebook() -> nbformat.NotebookNode:
    cells = [
        new_markdown_cell("# 1 · Title"),
        new_code_cell("# set-up", metadata={"tags": ["colab-setup"]}),
        new_markdown_cell(
            "```{exercise-start} 1.1 · Latin squares\n:label: ex-1-1\n:nonumber:\n```\n\n"
            "Write `f`.\n\n<details>\n<summary>Hint</summary>\n\nSort.\n\n</details>\n\n```{exercise-end}\n```"
        ),
        new_markdown_cell("```{solution-start} ex-1-1\n:class: dropdown\n```"),
        new_code_cell("def f(x):\n    # BEGIN SOLUTION\n    return x\n    # END SOLUTION", execution_count=3),
        new_markdown_cell("Why it works.", metadata={"tags": ["solution-only"]}),
        new_code_cell("print(f(2))", metadata={"tags": ["solution-only"]}),
        new_markdown_cell("```{solution-end}\n```"),
        new_code_cell("check(f)", execution_count=5, metadata={"tags": ["nbval-ignore-output"]}),
    ]
    cells[-1].outputs = [new_output("execute_result", {"text/plain": "✅ passed"}, execution_count=5)]
    return new_notebook(cells=cells)


def test_learner_version_drops_solution_cells_and_gates():
    learner = learner_version(_solution_notebook())
    sources = [c.source for c in learner.cells]
    assert len(learner.cells) == 5
    assert "Why it works." not in sources and "print(f(2))" not in sources
    assert not any("solution-start" in s or "solution-end" in s for s in sources)
    assert sources[3] == (
        'def f(x):\n    # YOUR CODE HERE\n    raise NotImplementedError("replace this line with your solution")'
    )


def test_learner_version_turns_exercise_boxes_into_headings():
    box = learner_version(_solution_notebook()).cells[2].source
    assert box.startswith("### Exercise 1.1 · Latin squares\n\nWrite `f`.")
    assert "{exercise" not in box and ":label:" not in box
    assert box.endswith("</details>")


def test_learner_version_clears_outputs_and_keeps_tags():
    learner = learner_version(_solution_notebook())
    check = learner.cells[-1]
    assert check.outputs == [] and check.execution_count is None
    assert check.metadata["tags"] == ["nbval-ignore-output"]
    assert learner.cells[1].metadata["tags"] == ["colab-setup"]


def test_learner_version_leaves_the_solution_alone():
    solution = _solution_notebook()
    before = nbformat.writes(solution)
    learner_version(solution)
    assert nbformat.writes(solution) == before


def test_learner_version_names_the_cell_with_unbalanced_markers():
    solution = _solution_notebook()
    solution.cells[4].source = "def f(x):\n    # BEGIN SOLUTION\n    return x"
    with pytest.raises(ValueError, match=r"ex\.ipynb, cell 4: '# BEGIN SOLUTION' without '# END SOLUTION'"):
        learner_version(solution, "ex.ipynb")


@pytest.mark.parametrize(
    "source, expected",
    [
        (
            "```{exercise-start} 2.3 · Cosets\n:label: ex-2-3\n```\nText.\n```{exercise-end}\n```",
            "### Exercise 2.3 · Cosets\nText.",
        ),
        (":::{exercise-start} Untitled\n:::\nText.\n:::{exercise-end}\n:::", "### Exercise Untitled\nText."),
        ("```{exercise-start}\n```\nText.", "### Exercise\nText."),
        ("No exercise here.", "No exercise here."),
    ],
)
def test_plain_exercise_boxes(source, expected):
    assert plain_exercise_boxes(source) == expected


def test_a_cell_holding_only_the_exercise_end_disappears():
    nb = new_notebook(cells=[new_markdown_cell("Text."), new_markdown_cell("```{exercise-end}\n```")])
    assert [c.source for c in learner_version(nb).cells] == ["Text."]


# ---------------------------------------------------------------------- sync and check
def _mini_repository(root: Path) -> Path:
    (root / "_config.yml").write_text("repository:\n  url: https://example.org/course/\n")
    (root / "chapters").mkdir()
    (root / "exercises" / "solutions").mkdir(parents=True)
    solution = _solution_notebook()
    path = root / "exercises" / "solutions" / "01_x.ipynb"
    nbformat.write(solution, path)
    return path


def test_sync_fixes_setup_cells_and_generates_learners_then_check_is_clean(tmp_path):
    solution_path = _mini_repository(tmp_path)
    problems = notebooks.check(tmp_path)
    assert "exercises/solutions/01_x.ipynb: the Colab set-up cell is out of date" in problems
    assert "exercises/01_x.ipynb: missing (generate it from exercises/solutions/01_x.ipynb)" in problems
    notebooks.sync(tmp_path)
    assert notebooks.check(tmp_path) == []
    solution = nbformat.read(solution_path, as_version=4)
    setup = next(c for c in solution.cells if "colab-setup" in c.metadata.get("tags", [])).source
    assert setup == colab_setup_source("https://example.org/course")
    # the note under the title links to the learner's version; the learner's version drops it
    assert "learner-link" in solution.cells[1].metadata["tags"]
    assert "https://example.org/course/blob/main/exercises/01_x.ipynb" in solution.cells[1].source
    learner = nbformat.read(tmp_path / "exercises" / "01_x.ipynb", as_version=4)
    assert learner.cells[1].source == setup
    assert not any("learner-link" in c.metadata.get("tags", []) for c in learner.cells)


def test_check_notices_a_learner_notebook_that_drifted(tmp_path):
    _mini_repository(tmp_path)
    notebooks.sync(tmp_path)
    learner_path = tmp_path / "exercises" / "01_x.ipynb"
    learner = nbformat.read(learner_path, as_version=4)
    learner.cells[3].source = learner.cells[3].source.replace("raise NotImplementedError", "return 1  #")
    nbformat.write(learner, learner_path)
    assert notebooks.check(tmp_path) == ["exercises/01_x.ipynb: out of date with exercises/solutions/01_x.ipynb"]


def test_check_notices_a_notebook_without_a_setup_cell(tmp_path):
    _mini_repository(tmp_path)
    nbformat.write(new_notebook(cells=[new_code_cell("import torch")]), tmp_path / "chapters" / "02_y.ipynb")
    assert "chapters/02_y.ipynb: the first code cell is not tagged 'colab-setup'" in notebooks.check(tmp_path)


def test_the_repository_is_in_sync():
    """Fails when a learner notebook drifts from its solution or a set-up cell is stale.

    Fix: ``python -m grouptools.notebooks sync``, then execute the regenerated notebooks.
    """
    assert notebooks.check() == []


def test_stats_counts_compared_and_ignored_cells(tmp_path):
    _mini_repository(tmp_path)
    nb = new_notebook(
        cells=[
            new_code_cell("pass", metadata={"tags": ["colab-setup"]}),
            new_code_cell("print(1)"),
            new_code_cell("print(time.time())", metadata={"tags": ["nbval-ignore-output"]}),
            new_code_cell("   "),
        ]
    )
    nbformat.write(nb, tmp_path / "chapters" / "02_y.ipynb")
    counts = notebooks.stats(tmp_path)
    solution = [c for c in _solution_notebook().cells if c.cell_type == "code" and c.source.strip()]
    solution_ignored = sum("nbval-ignore-output" in c.metadata.get("tags", []) for c in solution)
    assert counts["notebooks"] == 2
    assert counts["code cells"] == 3 + len(solution)
    assert counts["ignored"] == 1 + solution_ignored
    assert counts["compared"] == counts["code cells"] - counts["ignored"]


@pytest.mark.parametrize("bad", [-1, "10", None, True, float("nan")])
def test_the_checkers_time_limit_must_be_a_non_negative_number(bad):
    with pytest.raises(ValueError, match="time limit must be a number of seconds"):
        set_time_limit(bad)


def test_a_time_limit_of_zero_means_none():
    from grouptools.exercises import _feedback

    set_time_limit(0)
    try:
        assert _feedback.TIME_LIMIT_S == 0.0
        with _feedback._time_limit(0):
            pass  # no alarm is armed
        import signal

        assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)
    finally:
        set_time_limit(30)
