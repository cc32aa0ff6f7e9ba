"""Errors raised by :mod:`grouptools`.

Explained in Chapter 1, *Checking the axioms by computation*.
"""

from __future__ import annotations

__all__ = ["GroupTooLargeError", "NotAGroupError", "NotASubgroupError", "NotNormalError", "NotAHomomorphismError", "NotAnActionError"]


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


class NotASubgroupError(ValueError):
    """A subset of a group that is not a subgroup.

    ``reason`` is ``"empty"``, ``"element"`` (a label outside the group),
    ``"identity"``, ``"closure"`` (``witness = (a, b)`` with a·b outside) or
    ``"inverse"`` (``witness = (a,)`` with a⁻¹ outside).

    Explained in Chapter 2, *Subgroups*.
    """

    def __init__(self, reason: str, message: str, witness: tuple = ()) -> None:
        super().__init__(message)
        self.reason = reason
        self.witness = tuple(witness)


class NotNormalError(ValueError):
    """A subgroup N that is not normal: ``witness = (g, n)`` with g·n·g⁻¹ ∉ N.

    Explained in Chapter 2, *Normal subgroups and quotient groups*.
    """

    def __init__(self, message: str, witness: tuple = ()) -> None:
        super().__init__(message)
        self.witness = tuple(witness)


class NotAHomomorphismError(ValueError):
    """A map between groups that does not preserve products (or is not a map at all).

    ``witness = (a, b)`` with φ(a·b) ≠ φ(a)·φ(b) when the law fails.

    Explained in Chapter 3, *Homomorphisms*.
    """

    def __init__(self, message: str, witness: tuple = ()) -> None:
        super().__init__(message)
        self.witness = tuple(witness)


class NotAnActionError(ValueError):
    """A rule g, x ↦ g·x that is not a group action.

    ``axiom`` is ``"closure"`` (g·x left the set), ``"identity"`` (e·x ≠ x) or
    ``"compatibility"`` ((g·h)·x ≠ g·(h·x)); ``witness`` names the elements.

    Explained in Chapter 4, *Group actions*.
    """

    def __init__(self, axiom: str, message: str, witness: tuple = ()) -> None:
        super().__init__(message)
        self.axiom = axiom
        self.witness = tuple(witness)


class GroupTooLargeError(ValueError):
    """A group whose Cayley table would not fit in memory.

    ``order`` is the number of elements and ``nbytes`` the size of the |G|×|G| table of
    64-bit labels; the message says how much memory that is and what to use instead.

    Explained in Chapter 1, *Checking the axioms by computation*.
    """

    def __init__(self, message: str, order: int, nbytes: int) -> None:
        super().__init__(message)
        self.order = int(order)
        self.nbytes = int(nbytes)
