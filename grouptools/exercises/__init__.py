"""Exercise checkers: one module per chapter (``ch01``, …) on a shared feedback framework.

In a notebook::

    from grouptools.exercises import ch01
    ch01.check_is_latin_square(is_latin_square)   # ✅ Exercise 1.1: passed

Every checker returns a :class:`Feedback` (passed / not attempted / failed
with a concrete counterexample) and never raises into the notebook.

Explained in Chapter 0, *How exercises give feedback*.
"""

from ._feedback import ExerciseFailure, Feedback, checker, expect_equal, set_time_limit

__all__ = ["Feedback", "ExerciseFailure", "checker", "expect_equal", "set_time_limit"]
