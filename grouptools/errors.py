"""Errors raised by :mod:`grouptools`.

Explained in Chapter 1, *Checking the axioms by computation*.
"""

from __future__ import annotations

__all__ = ["NotAGroupError"]


class NotAGroupError(ValueError):
    """A table, or a set with an operation, that fails a group axiom.

    The message names the axiom and the elements that witness the failure, for
    example ``not associative: (1·2)·3 = 0 but 1·(2·3) = 2 for a=1, b=2, c=3``.

    Attributes
    ----------
    axiom:
        One of ``"shape"``, ``"closure"``, ``"associativity"``, ``"identity"``,
        ``"inverse"``.
    witness:
        The elements that show the failure (a tuple; empty where none applies).

    Explained in Chapter 1, *Checking the axioms by computation*.
    """

    def __init__(self, axiom: str, message: str, witness: tuple = ()) -> None:
        super().__init__(message)
        self.axiom = axiom
        self.witness = tuple(witness)
