"""Shared test set-up, for every test path: ``tests/``, ``chapters/`` and ``exercises/``.

It lives at the repository root so that it also applies when pytest is given a single
notebook (``pytest chapters/05_equivariance.ipynb``): the notebook kernels that nbval starts
inherit this process's environment, and they must run with one BLAS/OpenMP thread. Small
dense linear algebra (character tables, irreps, SVDs) and the notebooks' small CPU models
are much slower with several threads on a 2-core machine, and two kernels that each start
several threads slow each other down more than tenfold.
"""

import pytest

from grouptools.notebooks import use_one_thread_by_default

use_one_thread_by_default()

# the exercise tests' shared helpers (tests/exercise_support.py) get pytest's detailed assertion messages
pytest.register_assert_rewrite("exercise_support")
