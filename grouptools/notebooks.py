"""Keeping the course's notebooks consistent: the Colab set-up cell and learner exercises.

Command line (run from the repository root)::

    python -m grouptools.notebooks sync     # rewrite set-up cells, regenerate learner notebooks
    python -m grouptools.notebooks check    # exit 1 if anything is out of date
    python -m grouptools.notebooks execute chapters/01_groups.ipynb …   # run in place, tidy metadata
    python -m grouptools.notebooks stats    # notebooks, compared and ignored cells

The repository URL lives in one place, ``_config.yml`` (``repository.url``);
the book's launch buttons and every notebook's Colab set-up cell come from it.

Exercise notebooks have one source, the solution, in ``exercises/solutions/``.
The learner's version in ``exercises/`` is generated from it:

* code between ``# BEGIN SOLUTION`` and ``# END SOLUTION`` becomes
  ``raise NotImplementedError(...)`` at the same indentation;
* cells tagged ``solution-only`` are dropped, and so is the note tagged
  ``learner-link`` that ``sync`` puts under a solution notebook's title (it
  links to the learner's version in Colab, built from the repository URL);
* markdown cells that only open or close a solution
  (```` ```{solution-start} ```` / ```` ```{solution-end} ````) are dropped;
* exercise boxes become plain Markdown that JupyterLab renders: the fence
  ```` ```{exercise-start} 1.1 · Title ```` (with its options) becomes the heading
  ``### Exercise 1.1 · Title`` and ```` ```{exercise-end} ```` is removed;
* outputs are cleared, to be filled by executing the learner notebook.

Explained in Chapter 0, *How exercises give feedback*.
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path

import nbformat

from .runtime import THREAD_VARIABLES, use_one_thread_by_default

__all__ = [
    "ROOT",
    "execute",
    "stats",
    "repository_url",
    "colab_setup_source",
    "learner_version",
    "plain_exercise_boxes",
    "strip_solutions",
    "sync",
    "check",
    "SETUP_TAG",
]

ROOT = Path(__file__).resolve().parent.parent
SETUP_TAG = "colab-setup"
LINK_TAG = "learner-link"
_BEGIN = re.compile(r"^(?P<indent>[ \t]*)# BEGIN SOLUTION\s*$")
_END = re.compile(r"^[ \t]*# END SOLUTION\s*$")
_GATE = re.compile(r"^\s*```\{solution-(start|end)\}")
_EXERCISE_START = re.compile(
    r"^(?P<fence>```+|:::+)\{exercise-start\}[ \t]*(?P<title>[^\n]*?)[ \t]*\n"
    r"(?:[ \t]*:[\w-]+:[^\n]*\n)*(?P=fence)[ \t]*$",
    re.M,
)
_EXERCISE_END = re.compile(r"^(?P<fence>```+|:::+)\{exercise-end\}[ \t]*\n(?P=fence)[ \t]*$\n?", re.M)


def repository_url(root: Path = ROOT) -> str:
    """The course repository's URL, read from ``_config.yml`` (its only home)."""
    import yaml

    config = yaml.safe_load((root / "_config.yml").read_text())
    try:
        return str(config["repository"]["url"]).rstrip("/")
    except (KeyError, TypeError):
        raise ValueError("_config.yml has no repository.url") from None


def colab_setup_source(url: str) -> str:
    """The first code cell of every notebook: installs ``grouptools`` in Colab, else does nothing."""
    return (
        "# Colab set-up: in Google Colab, install the course's helper package `grouptools`\n"
        "# (Colab already has torch, numpy, sympy and matplotlib). Elsewhere this does nothing.\n"
        "import sys\n"
        "\n"
        'if "google.colab" in sys.modules:\n'
        f'    %pip install --quiet "grouptools @ git+{url}.git"'
    )


def _is_setup_cell(cell) -> bool:
    return cell.cell_type == "code" and SETUP_TAG in cell.get("metadata", {}).get("tags", [])


def strip_solutions(source: str, where: str = "cell") -> str:
    """Replace each ``# BEGIN SOLUTION`` … ``# END SOLUTION`` block by a ``NotImplementedError``."""
    out: list[str] = []
    lines = source.split("\n")
    i = 0
    while i < len(lines):
        m = _BEGIN.match(lines[i])
        if not m:
            if _END.match(lines[i]):
                raise ValueError(f"{where}: '# END SOLUTION' without '# BEGIN SOLUTION'")
            out.append(lines[i])
            i += 1
            continue
        j = i + 1
        while j < len(lines) and not _END.match(lines[j]):
            if _BEGIN.match(lines[j]):
                raise ValueError(f"{where}: nested '# BEGIN SOLUTION'")
            j += 1
        if j == len(lines):
            raise ValueError(f"{where}: '# BEGIN SOLUTION' without '# END SOLUTION'")
        indent = m.group("indent")
        out.append(f"{indent}# YOUR CODE HERE")
        out.append(f'{indent}raise NotImplementedError("replace this line with your solution")')
        i = j + 1
    return "\n".join(out)


def plain_exercise_boxes(source: str) -> str:
    """Turn gated exercise markup into Markdown that JupyterLab renders.

    ```` ```{exercise-start} 1.1 · Title ```` and its ``:option:`` lines become
    ``### Exercise 1.1 · Title``; ```` ```{exercise-end} ```` lines are removed.
    """
    if "{exercise-" not in source:
        return source
    source = _EXERCISE_START.sub(lambda m: f"### Exercise {m.group('title')}".rstrip(), source)
    return _EXERCISE_END.sub("", source).rstrip()


def learner_version(solution: nbformat.NotebookNode, where: str = "notebook") -> nbformat.NotebookNode:
    """The learner's notebook generated from a solution notebook (outputs cleared)."""
    nb = nbformat.from_dict(solution)
    cells = []
    for k, cell in enumerate(nb.cells):
        tags = cell.get("metadata", {}).get("tags", [])
        if "solution-only" in tags or LINK_TAG in tags:
            continue
        if cell.cell_type == "markdown" and all(
            _GATE.match(line) or not line.strip() or line.strip() == "```" or line.strip().startswith(":")
            for line in cell.source.split("\n")
        ) and _GATE.search(cell.source):
            continue
        if cell.cell_type == "markdown":
            cell.source = plain_exercise_boxes(cell.source)
            if not cell.source.strip():
                continue
        if cell.cell_type == "code":
            cell.source = strip_solutions(cell.source, f"{where}, cell {k}")
            cell.outputs = []
            cell.execution_count = None
        cells.append(cell)
    nb.cells = cells
    return nb


def _notebooks(root: Path) -> list[Path]:
    found = []
    for folder in ("chapters", "exercises"):
        for path in sorted((root / folder).rglob("*.ipynb")):
            if not {"_build", ".ipynb_checkpoints"} & set(path.parts):
                found.append(path)
    return found


def _learner_path(solution_path: Path) -> Path:
    return solution_path.parent.parent / solution_path.name


def _same_sources(a: nbformat.NotebookNode, b: nbformat.NotebookNode) -> bool:
    def key(nb):
        return [(c.cell_type, c.source, sorted(c.get("metadata", {}).get("tags", []))) for c in nb.cells]

    return key(a) == key(b)


def learner_link_source(url: str, learner: str) -> str:
    """The note at the top of a solution notebook that points to the learner's version."""
    colab = url.replace("https://github.com/", "https://colab.research.google.com/github/")
    return (
        "**Work these exercises in the version without solutions**, "
        f"`{learner}`: [open it in Colab]({colab}/blob/main/{learner}) or in JupyterLab "
        "(see {doc}`/chapters/00_setup`). This page shows the solutions in dropdowns; try first."
    )


def _check_learner_link(nb: nbformat.NotebookNode, path: Path, root: Path, fix: bool) -> list[str]:
    rel = path.relative_to(root)
    wanted = learner_link_source(repository_url(root), _learner_path(path).relative_to(root).as_posix())
    cells = [c for c in nb.cells if LINK_TAG in c.get("metadata", {}).get("tags", [])]
    if cells and cells[0].source == wanted:
        return []
    if cells:
        message = f"{rel}: the link to the learner's version is out of date"
        if fix:
            cells[0].source = wanted
    else:
        message = f"{rel}: no markdown cell tagged '{LINK_TAG}' (sync adds one after the title)"
        if fix:
            nb.cells.insert(1, nbformat.v4.new_markdown_cell(wanted, metadata={"tags": [LINK_TAG]}))
    if fix:
        nbformat.write(nb, path)
    return [message]


def _problems(root: Path, fix: bool) -> list[str]:
    problems = []
    setup = colab_setup_source(repository_url(root))
    for path in _notebooks(root):
        nb = nbformat.read(path, as_version=4)
        rel = path.relative_to(root)
        first_code = next((c for c in nb.cells if c.cell_type == "code"), None)
        if first_code is None or not _is_setup_cell(first_code):
            problems.append(f"{rel}: the first code cell is not tagged '{SETUP_TAG}'")
        elif first_code.source != setup:
            problems.append(f"{rel}: the Colab set-up cell is out of date")
            if fix:
                first_code.source = setup
                nbformat.write(nb, path)
        if path.parent.name == "solutions":
            problems += _check_learner_link(nb, path, root, fix)
    for path in sorted((root / "exercises" / "solutions").glob("*.ipynb")):
        solution = nbformat.read(path, as_version=4)
        target = _learner_path(path)
        rel = target.relative_to(root)
        fresh = learner_version(solution, str(path.relative_to(root)))
        if not target.exists():
            problems.append(f"{rel}: missing (generate it from {path.relative_to(root)})")
        elif not _same_sources(fresh, nbformat.read(target, as_version=4)):
            problems.append(f"{rel}: out of date with {path.relative_to(root)}")
        else:
            continue
        if fix:
            nbformat.write(fresh, target)
    return problems


def check(root: Path = ROOT) -> list[str]:
    """Everything out of date: set-up cells and learner notebooks (empty list when in sync)."""
    return _problems(root, fix=False)


def sync(root: Path = ROOT) -> list[str]:
    """Rewrite stale set-up cells and regenerate stale learner notebooks (unexecuted).

    Execute regenerated learner notebooks afterwards so nbval has outputs to
    compare: ``jupyter nbconvert --to notebook --execute --inplace exercises/*.ipynb``.
    """
    return _problems(root, fix=True)


def execute(path: Path, timeout: int = 600) -> None:
    """Run a notebook top to bottom in its own folder and save it with its outputs.

    Per-cell timing metadata is dropped so that re-running leaves no diff where
    the outputs did not change. Raises on the first cell that fails (unless it
    is tagged ``raises-exception``). The kernel runs single-threaded unless the
    environment says otherwise (:func:`use_one_thread_by_default`), as under the tests.
    """
    from nbclient import NotebookClient

    use_one_thread_by_default()
    path = Path(path).resolve()
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=timeout, kernel_name="python3", resources={"metadata": {"path": str(path.parent)}}).execute()
    for cell in nb.cells:
        cell.get("metadata", {}).pop("execution", None)
    nb.metadata.pop("jupytext", None)
    nbformat.write(nb, path)


def stats(root: Path = ROOT) -> dict[str, int]:
    """How much nbval checks: notebooks, code cells whose outputs are compared, ignored cells."""
    counts = {"notebooks": 0, "code cells": 0, "compared": 0, "ignored": 0, "skipped": 0}
    for path in _notebooks(root):
        counts["notebooks"] += 1
        for cell in nbformat.read(path, as_version=4).cells:
            if cell.cell_type != "code" or not cell.source.strip():
                continue
            tags = cell.get("metadata", {}).get("tags", [])
            counts["code cells"] += 1
            if "nbval-skip" in tags:
                counts["skipped"] += 1
            elif "nbval-ignore-output" in tags:
                counts["ignored"] += 1
            else:
                counts["compared"] += 1
    return counts


def _main(argv: list[str]) -> int:
    if argv[1:] == ["stats"]:
        print(", ".join(f"{k}: {v}" for k, v in stats().items()))
        return 0
    if len(argv) > 2 and argv[1] == "execute":
        for name in argv[2:]:
            execute(Path(name))
            print(f"executed {name}")
        return 0
    if argv[1:] not in (["sync"], ["check"]):
        print("usage: python -m grouptools.notebooks {sync|check|stats|execute NOTEBOOK…}", file=sys.stderr)
        return 2
    problems = sync() if argv[1] == "sync" else check()
    for p in problems:
        print(p)
    if argv[1] == "check":
        return 1 if problems else 0
    print(f"{len(problems)} notebook(s) updated" if problems else "everything is in sync")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv))
