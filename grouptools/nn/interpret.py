"""Reading a trained group-multiplication network with representation theory.

Chughtai, Chan and Nanda (2023) found that networks trained on a group's table
embed elements through the matrices of a few irreducible representations ρ and
produce logits proportional to χ_ρ(a·b·c⁻¹). This module measures that:

* :func:`real_irreps` — the irreps of G grouped into *real* irreducible pieces: an
  irrep whose character is not real (Frobenius–Schur indicator 0) is paired with
  its complex conjugate, because a real-valued function (a weight column) always
  has equal amounts of both;
* :func:`irrep_fractions` — for a |G|×d matrix E whose rows are indexed by group
  elements, the share of ‖E‖²_F in each isotypic component (the span of the matrix
  entries of ρ). By Plancherel the share of one column f is
  (d_ρ/|G|)‖f̂(ρ)‖²_F / Σ_g f(g)², with f̂ the group Fourier transform of
  :mod:`grouptools.fourier`; the shares of all irreps sum to 1. The trivial irrep
  carries the mean of each column;
* :func:`project_irreps` — keep only (or remove) some isotypic components of E;
* :func:`character_similarity` — cosine between the logits L[a, b, c] (centred over
  c, which softmax ignores) and Re χ_ρ(a·b·c⁻¹);
* :func:`key_irreps` and :func:`ablate` / :func:`ablation_table` — which irreps
  the network uses, and the test loss when they (or all the others) are removed.

Explained in Chapter 8, *Which irreps does the network use?*.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..characters import character_table
from ..fourier import fourier_transform, inverse_fourier_transform
from ..groups import FiniteGroup
from ..irreps import irreps

__all__ = [
    "RealIrrep",
    "real_irreps",
    "irrep_fractions",
    "project_irreps",
    "character_similarity",
    "product_with_inverse",
    "key_irreps",
    "ablate",
    "ablation_table",
]

_SUBSCRIPTS = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")


@dataclass(frozen=True)
class RealIrrep:
    """One real irreducible piece: an irrep, or an irrep together with its complex conjugate.

    ``members`` are indices into :func:`grouptools.irreps` ``(G)``; ``degree`` is
    the complex dimension d of each member; ``indicator`` the Frobenius–Schur
    indicator (+1 real, −1 quaternionic, 0 non-real character, then two members);
    ``character`` is the real class function Re Σ_members χ, one value per element;
    ``name`` such as ``"ρ₃"`` or ``"ρ₁+ρ₂"``; ``label`` adds the degree.

    Explained in Chapter 8, *Which irreps does the network use?*.
    """

    members: tuple[int, ...]
    degree: int
    indicator: int
    character: np.ndarray
    name: str

    @property
    def label(self) -> str:
        """``name`` and the degree, e.g. ``"ρ₃ (d=3)"``; a conjugate pair reads ``"ρ₂+ρ₃ (d=1, pair)"``.

        Explained in Chapter 8, *Which irreps does the network use?*.
        """
        if len(self.members) == 2:
            return f"{self.name} (d={self.degree}, pair)"
        return f"{self.name} (d={self.degree})"

    @property
    def is_trivial(self) -> bool:
        """Whether this is the trivial representation (index 0).

        Explained in Chapter 8, *Which irreps does the network use?*.
        """
        return self.members == (0,)


def real_irreps(G: FiniteGroup) -> list[RealIrrep]:
    """The irreps of G, with each non-real irrep merged with its complex conjugate.

    Order follows the character table; the trivial irrep comes first.

    Explained in Chapter 8, *Which irreps does the network use?*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"real_irreps needs a FiniteGroup, not {type(G).__name__}")
    table = character_table(G)
    chars = [table.character(i) for i in range(len(table))]
    used: set[int] = set()
    out: list[RealIrrep] = []
    for i, chi in enumerate(chars):
        if i in used:
            continue
        nu = int(table.indicators[i])
        members = [i]
        if nu == 0:
            j = next(j for j in range(len(chars)) if j not in used and j != i and np.allclose(chars[j], np.conj(chi)))
            members.append(j)
        used.update(members)
        name = "+".join(f"ρ{m}".translate(_SUBSCRIPTS) for m in members)
        char = np.real(sum(chars[m] for m in members))
        char = np.asarray(char, dtype=np.float64)
        char.setflags(write=False)
        out.append(RealIrrep(tuple(members), int(table.degrees[i]), nu, char, name))
    return out


def _check_matrix(G: FiniteGroup, E: Any, what: str = "E") -> np.ndarray:
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"expected a FiniteGroup, not {type(G).__name__}")
    arr = np.asarray(E)
    if np.iscomplexobj(arr):
        raise ValueError(f"{what} must be real (a weight matrix)")
    arr = arr.astype(np.float64)
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[0] != G.order:
        raise ValueError(
            f"{what} must have one row per element of {G.name}: shape ({G.order}, d), got {np.shape(E)}"
        )
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{what} contains NaN or infinite entries")
    return arr


def _column_energies(G: FiniteGroup, E: np.ndarray) -> np.ndarray:
    """energies[i, k] = (d_i/|G|) ‖f̂_k(ρ_i)‖²_F for column k and irrep i (Plancherel)."""
    reps = irreps(G)
    out = np.empty((len(reps), E.shape[1]))
    for k in range(E.shape[1]):
        fhat = fourier_transform(G, E[:, k], reps)
        out[:, k] = [rho.degree * float(np.sum(np.abs(F) ** 2)) / G.order for rho, F in zip(reps, fhat)]
    return out


def irrep_fractions(G: FiniteGroup, E: Any) -> np.ndarray:
    """Share of ‖E‖²_F in each real irrep's isotypic component (one number per :func:`real_irreps` entry).

    ``E`` is a real |G|×d matrix with one row per element (a vector of length |G|
    counts as one column). The shares are non-negative and sum to 1; a matrix whose
    columns are matrix entries of one irrep gets share 1 there.

    Explained in Chapter 8, *Which irreps does the network use?*.
    """
    E = _check_matrix(G, E)
    total = float(np.sum(E**2))
    if total == 0.0:
        raise ValueError("E is zero: the shares of an all-zero matrix are undefined")
    per_irrep = _column_energies(G, E).sum(axis=1)
    fr = np.array([sum(per_irrep[m] for m in r.members) for r in real_irreps(G)]) / total
    return fr


def _indices(G: FiniteGroup, which: Iterable[int]) -> list[int]:
    reals = real_irreps(G)
    idx = [int(i) for i in which]
    for i in idx:
        if not 0 <= i < len(reals):
            raise ValueError(f"{G.name} has {len(reals)} real irreps (indices 0..{len(reals) - 1}), got index {i}")
    return idx


def project_irreps(G: FiniteGroup, E: Any, keep: Iterable[int]) -> np.ndarray:
    """The part of E in the isotypic components of the real irreps ``keep`` (indices into :func:`real_irreps`).

    Each column f is replaced by the inverse Fourier transform of f̂ with the
    coefficients of all other irreps set to zero — the orthogonal projection.

    Explained in Chapter 8, *Ablations*.
    """
    E = _check_matrix(G, E)
    reals = real_irreps(G)
    keep_members = {m for i in _indices(G, keep) for m in reals[i].members}
    reps = irreps(G)
    out = np.empty_like(E)
    for k in range(E.shape[1]):
        fhat = fourier_transform(G, E[:, k], reps)
        fhat = [F if i in keep_members else np.zeros_like(F) for i, F in enumerate(fhat)]
        col = inverse_fourier_transform(G, fhat, reps)
        out[:, k] = col.real
    return out


def character_similarity(G: FiniteGroup, logits: Any) -> np.ndarray:
    """Cosine similarity of the logits L[a, b, c] with Re χ_ρ(a·b·c⁻¹), for each real irrep.

    ``logits`` has shape (|G|, |G|, |G|) (see :func:`grouptools.nn.group_learning.table_logits`).
    The logits are first centred over c (softmax does not see a constant per (a, b));
    the trivial irrep's constant character is then orthogonal to them, so its
    similarity is 0. For a pair ρ, ρ̄ the real character is χ + χ̄ = 2 Re χ.

    Explained in Chapter 8, *Logits and characters*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"expected a FiniteGroup, not {type(G).__name__}")
    n = G.order
    L = np.asarray(logits, dtype=np.float64)
    if L.shape != (n, n, n):
        raise ValueError(f"logits must have shape ({n}, {n}, {n}) = (a, b, c) for {G.name}, got {L.shape}")
    L = L - L.mean(axis=2, keepdims=True)
    norm_L = float(np.linalg.norm(L))
    if norm_L == 0.0:
        raise ValueError("the centred logits are zero: the similarity is undefined")
    abc = product_with_inverse(G)
    out = []
    for r in real_irreps(G):
        X = r.character[abc]
        nx = float(np.linalg.norm(X))
        out.append(float(np.sum(L * X)) / (norm_L * nx))
    return np.array(out)


def product_with_inverse(G: FiniteGroup) -> np.ndarray:
    """The labels of a·b·c⁻¹ as an integer array indexed ``[a, b, c]``, shape (|G|, |G|, |G|).

    ``character[product_with_inverse(G)]`` is then the tensor χ(a·b·c⁻¹) that the logits
    of the character algorithm equal.

    Explained in Chapter 8, *Logits and characters*.
    """
    if not isinstance(G, FiniteGroup):
        raise TypeError(f"expected a FiniteGroup, not {type(G).__name__}")
    T = np.asarray(G.table)
    inv = G.inverses
    return T[T[:, :, None], inv[None, None, :]]


def key_irreps(fractions: Sequence[float] | np.ndarray, threshold: float = 0.1) -> list[int]:
    """Indices of the non-trivial real irreps whose share is at least ``threshold``.

    ``fractions`` is one row from :func:`irrep_fractions` (or several stacked rows,
    in which case an irrep counts when any row reaches the threshold). Index 0,
    the trivial irrep, is never a key irrep: it only carries means.

    Explained in Chapter 8, *Which irreps does the network use?*.
    """
    fr = np.atleast_2d(np.asarray(fractions, dtype=np.float64))
    if fr.ndim != 2 or fr.shape[1] < 1:
        raise ValueError(f"fractions must be a vector (or rows) of shares, got shape {np.shape(fractions)}")
    if not 0.0 < threshold <= 1.0:
        raise ValueError(f"threshold must be in (0, 1], got {threshold}")
    best = fr.max(axis=0)
    return [i for i in range(1, fr.shape[1]) if best[i] >= threshold]


def ablate(model: Any, G: FiniteGroup, remove: Iterable[int]) -> Any:
    """A copy of ``model`` whose input embeddings have the real irreps ``remove`` projected out.

    ``model`` must have ``map_group_embeddings(fn)`` (as :class:`~grouptools.nn.GroupMLP`
    and :class:`~grouptools.nn.GroupTransformer` do). The original is not changed.

    Explained in Chapter 8, *Ablations*.
    """
    if not hasattr(model, "map_group_embeddings"):
        raise TypeError(f"{type(model).__name__} has no map_group_embeddings method to ablate")
    removed = set(_indices(G, remove))
    keep = [i for i in range(len(real_irreps(G))) if i not in removed]
    clone = copy.deepcopy(model)
    clone.map_group_embeddings(lambda E: project_irreps(G, E, keep))
    return clone


def ablation_table(model: Any, data: Any, key: Sequence[int], split: str = "test") -> dict[str, dict[str, float]]:
    """Loss and accuracy of the trained model, without its key irreps, and with only them.

    Rows: ``"trained"``; ``"key removed"`` (the key irreps projected out of the
    input embeddings); ``"others removed"`` (every non-trivial irrep outside ``key``
    projected out — the trivial irrep, the means, is kept in both). ``data`` is a
    :class:`~grouptools.nn.GroupTableData`.

    Explained in Chapter 8, *Ablations*.
    """
    from .group_learning import evaluate_split

    G = data.group
    key = _indices(G, key)
    others = [i for i in range(1, len(real_irreps(G))) if i not in key]
    return {
        "trained": evaluate_split(model, data, split),
        "key removed": evaluate_split(ablate(model, G, key), data, split),
        "others removed": evaluate_split(ablate(model, G, others), data, split),
    }
