"""Conjugacy classes, centre and centralisers, computed on the Cayley table.

Explained in Chapter 2, *Conjugacy classes and the class equation*.
"""

from __future__ import annotations

import numpy as np

from .groups import Element, FiniteGroup

__all__ = ["conjugacy_classes", "class_labels", "centre", "centraliser", "conjugate"]


def conjugate(G: FiniteGroup, g: Element, x: Element) -> int:
    """The label of g·x·g⁻¹.

    Explained in Chapter 2, *Conjugacy classes and the class equation*.
    """
    return G.product(g, x, G.inverse(g))


def class_labels(G: FiniteGroup) -> np.ndarray:
    """``labels[x]`` is the index of x's conjugacy class in :func:`conjugacy_classes` order.

    Explained in Chapter 2, *Conjugacy classes and the class equation*.
    """
    conj = G.conjugation_table()
    labels = np.full(G.order, -1, dtype=np.int64)
    k = 0
    for x in G.elements:  # classes ordered by their smallest label: the identity's is first
        if labels[x] < 0:
            labels[np.unique(conj[:, x])] = k
            k += 1
    return labels


def conjugacy_classes(G: FiniteGroup) -> list[list[int]]:
    """The conjugacy classes {g x g⁻¹ : g ∈ G}, each a sorted list of labels.

    Classes are ordered by their smallest label, so for the named groups (whose
    identity is label 0) the class of the identity comes first.

    Explained in Chapter 2, *Conjugacy classes and the class equation*.
    """
    labels = class_labels(G)
    return [np.flatnonzero(labels == k).tolist() for k in range(int(labels.max()) + 1)]


def centre(G: FiniteGroup) -> list[int]:
    """The centre Z(G) = {z : z·g = g·z for all g}, sorted labels.

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    t = G.table
    return np.flatnonzero((t == t.T).all(axis=1)).tolist()


def centraliser(G: FiniteGroup, x: Element) -> list[int]:
    """The centraliser C_G(x) = {g : g·x = x·g}, sorted labels.

    Explained in Chapter 2, *Centre, centralisers and normalisers*.
    """
    x = G.label(x)
    t = G.table
    return np.flatnonzero(t[:, x] == t[x, :]).tolist()
