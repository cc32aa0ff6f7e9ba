"""Shared test set-up.

Small dense linear algebra (character tables, irreps, SVDs) is much slower with a
multi-threaded BLAS on a 2-core machine, so tests and the notebook kernels that nbval
starts (they inherit this environment) use one BLAS thread unless told otherwise.
"""

import os

import pytest

# the exercise tests' shared helpers (tests/exercise_support.py) get pytest's detailed assertion messages
pytest.register_assert_rewrite("exercise_support")

for _name in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_name, "1")
