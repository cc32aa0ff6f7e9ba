"""Shared test set-up, for every test path: ``tests/``, ``chapters/`` and ``exercises/``.

It lives at the repository root so that it also applies when pytest is given a single
notebook (``pytest chapters/05_equivariance.ipynb``): the notebook kernels that nbval starts
inherit this process's environment, and they must run with one BLAS/OpenMP thread. Small
dense linear algebra (character tables, irreps, SVDs) and the notebooks' small CPU models
are much slower with several threads on a 2-core machine, and two kernels that each start
several threads slow each other down more than tenfold.

Tests run in a random order (pytest-randomly; ``-p no:randomly`` turns it off, and
``--randomly-seed=N`` repeats an order). A notebook is one test *file* whose cells must run
top to bottom in one kernel, so the cells of each notebook are put back together and in
order; the notebooks themselves, the test files and the tests inside them are shuffled.
"""

import pytest

from grouptools.runtime import use_one_thread_by_default

use_one_thread_by_default()

# the exercise tests' shared helpers (tests/exercise_support.py) get pytest's detailed assertion messages
pytest.register_assert_rewrite("exercise_support")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Keep each notebook's cells together and in notebook order, wherever the shuffle put them.

    pytest-randomly shuffles in a wrapper that runs before this hook. Each notebook takes
    the place of its first cell in the shuffled order.
    """
    cells: dict[object, list[pytest.Item]] = {}
    for item in items:
        if item.path.suffix == ".ipynb":
            cells.setdefault(item.path, []).append(item)
    if not cells:
        return
    ordered: list[pytest.Item] = []
    for item in items:
        if item.path.suffix != ".ipynb":
            ordered.append(item)
        elif item.path in cells:
            ordered.extend(sorted(cells.pop(item.path), key=lambda cell: cell.cell_num))
    items[:] = ordered
