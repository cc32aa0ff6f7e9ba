"""Homomorphisms between finite groups: kernels, images, isomorphisms.

A :class:`Homomorphism` stores the image of every element of its domain and
is checked on construction: a map that does not preserve products raises
:class:`~grouptools.errors.NotAHomomorphismError` naming a pair (a, b) with
φ(a·b) ≠ φ(a)·φ(b).

Explained in Chapter 3, *Homomorphisms*.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import NotAHomomorphismError
from .groups import Element, FiniteGroup
from .linalg import null_space
from .subgroups import as_group, quotient_group

__all__ = [
    "Homomorphism",
    "identity_map",
    "trivial_homomorphism",
    "inner_automorphism",
    "quotient_map",
    "inclusion",
    "FirstIsomorphismCheck",
    "first_isomorphism_theorem",
    "isomorphism_invariants",
    "all_isomorphisms",
    "find_isomorphism",
    "are_isomorphic",
    "automorphisms",
    "sign_group",
    "sign_homomorphism",
    "determinant_homomorphism",
    "log_abs_det",
    "real_additive_homomorphisms",
]


from .formatting import parenthesise as _p


class Homomorphism:
    """A homomorphism φ: G → H, stored as the image of every element; call it: ``phi(g)``.

    Build it with :meth:`from_images` (all images given), :meth:`from_generators`
    (images of generators, extended to words) or :meth:`from_function`. Each
    checks φ(a·b) = φ(a)·φ(b) for every pair and otherwise raises
    :class:`~grouptools.errors.NotAHomomorphismError` naming the pair.

    Explained in Chapter 3, *Homomorphisms*.
    """

    def __init__(
        self, domain: FiniteGroup, codomain: FiniteGroup, images: Sequence[Element], *, name: str = "φ", validate: bool = True
    ) -> None:
        if len(images) != domain.order:
            raise NotAHomomorphismError(
                f"{len(images)} images were given but the domain {domain.name} has {domain.order} elements"
            )
        try:
            img = np.array([codomain.label(x) for x in images], dtype=np.int64)
        except (ValueError, TypeError) as exc:
            raise NotAHomomorphismError(f"an image is not an element of the codomain {codomain.name}: {exc}") from None
        self.domain = domain
        self.codomain = codomain
        self.name = name
        img.setflags(write=False)
        self._images = img
        if validate:
            self._check()

    # ---------------------------------------------------------------- construction
    @classmethod
    def from_images(
        cls, domain: FiniteGroup, codomain: FiniteGroup, images: Sequence[Element] | Mapping[Element, Element], *, name: str = "φ"
    ) -> "Homomorphism":
        """φ from the image of **every** element: a list indexed by label, or a dict element → image.

        Explained in Chapter 3, *Homomorphisms*.
        """
        if isinstance(images, Mapping):
            given = {domain.label(k): v for k, v in images.items()}
            missing = [g for g in domain.elements if g not in given]
            if missing:
                raise NotAHomomorphismError(
                    f"no image given for {domain.names[missing[0]]} (a map must be defined on every element; "
                    "use from_generators to give generators only)"
                )
            images = [given[g] for g in domain.elements]
        return cls(domain, codomain, list(images), name=name)

    @classmethod
    def from_function(
        cls, domain: FiniteGroup, codomain: FiniteGroup, f: Callable[[int], Element], *, name: str = "φ"
    ) -> "Homomorphism":
        """φ(g) = f(g) for every label g of the domain.

        Explained in Chapter 3, *Homomorphisms*.
        """
        return cls(domain, codomain, [f(g) for g in domain.elements], name=name)

    @classmethod
    def from_generators(
        cls, domain: FiniteGroup, codomain: FiniteGroup, images: Mapping[Element, Element], *, name: str = "φ"
    ) -> "Homomorphism":
        """φ from the images of generators, extended by φ(x·s) = φ(x)·φ(s).

        The keys must generate the domain. If the assignment does not extend to
        a homomorphism (it breaks a relation, such as sending a generator of
        order 2 to one of order 3), :class:`~grouptools.errors.NotAHomomorphismError`
        names an element x and generator s with φ(x·s) ≠ φ(x)·φ(s).

        Explained in Chapter 3, *Homomorphisms*.
        """
        gens = {domain.label(k): codomain.label(v) for k, v in images.items()}
        if len(domain.closure(gens)) != domain.order:
            raise NotAHomomorphismError(
                f"the elements {[domain.names[g] for g in gens]} do not generate {domain.name}, "
                "so their images do not determine a map on the whole group"
            )
        img = _extend(domain, codomain, gens)
        if isinstance(img, tuple):
            x, s, y, first, second = img
            dn, cn = domain.names, codomain.names
            raise NotAHomomorphismError(
                f"the generator images do not extend to a homomorphism: {dn[y]} = {_p(dn[x])}·{_p(dn[s])} would "
                f"have to map both to {cn[first]} and to φ({dn[x]})·φ({dn[s]}) = {cn[second]}",
                (x, s),
            )
        return cls(domain, codomain, img.tolist(), name=name)

    def _check(self) -> None:
        G, H, f = self.domain, self.codomain, self._images
        lhs = f[G.table]  # φ(a·b)
        rhs = H.table[f[:, None], f[None, :]]  # φ(a)·φ(b)
        bad = np.argwhere(lhs != rhs)
        if len(bad):
            a, b = (int(v) for v in bad[0])
            dn, cn = G.names, H.names
            raise NotAHomomorphismError(
                f"not a homomorphism: {self.name}({_p(dn[a])}·{_p(dn[b])}) = {self.name}({dn[G.product(a, b)]}) = "
                f"{cn[int(lhs[a, b])]} but {self.name}({dn[a]})·{self.name}({dn[b]}) = {_p(cn[f[a]])}·{_p(cn[f[b]])} = "
                f"{cn[int(rhs[a, b])]} for a={dn[a]}, b={dn[b]}",
                (a, b),
            )

    # ---------------------------------------------------------------- evaluation
    def __call__(self, g: Element) -> int:
        """The label of φ(g) in the codomain.

        Explained in Chapter 3, *Homomorphisms*.
        """
        return int(self._images[self.domain.label(g)])

    @property
    def images(self) -> np.ndarray:
        """``images[g]`` is the label of φ(g) (read-only).

        Explained in Chapter 3, *Homomorphisms*.
        """
        return self._images

    def __repr__(self) -> str:
        return f"<Homomorphism {self.name}: {self.domain.name} → {self.codomain.name}>"

    def format_table(self) -> str:
        """The map as text, one line ``g ↦ φ(g)`` per element (as :meth:`FiniteGroup.format_table` prints a group).

        Explained in Chapter 3, *Homomorphisms*.
        """
        dn, cn = self.domain.names, self.codomain.names
        w = max(len(s) for s in dn)
        return "\n".join(f"{dn[g].rjust(w)} ↦ {cn[int(self._images[g])]}" for g in self.domain.elements)

    # ---------------------------------------------------------------- structure
    def kernel(self) -> list[int]:
        """ker φ = {g : φ(g) = e}, sorted labels of the domain (always a normal subgroup).

        Explained in Chapter 3, *Kernel and image*.
        """
        return np.flatnonzero(self._images == self.codomain.identity).tolist()

    def image(self) -> list[int]:
        """im φ = {φ(g)}, sorted labels of the codomain (always a subgroup).

        Explained in Chapter 3, *Kernel and image*.
        """
        return np.unique(self._images).tolist()

    def preimage(self, h: Element) -> list[int]:
        """φ⁻¹(h) = {g : φ(g) = h}: empty, or a coset of the kernel.

        Explained in Chapter 3, *Kernel and image*.
        """
        return np.flatnonzero(self._images == self.codomain.label(h)).tolist()

    def is_injective(self) -> bool:
        """Whether φ is one-to-one (equivalently, ker φ = {e}).

        Explained in Chapter 3, *Kernel and image*.
        """
        return len(np.unique(self._images)) == self.domain.order

    def is_surjective(self) -> bool:
        """Whether every element of the codomain is an image.

        Explained in Chapter 3, *Kernel and image*.
        """
        return len(np.unique(self._images)) == self.codomain.order

    def is_isomorphism(self) -> bool:
        """Whether φ is a bijection (a bijective homomorphism is an isomorphism).

        Explained in Chapter 3, *Isomorphisms*.
        """
        return self.is_injective() and self.is_surjective()

    def compose(self, other: "Homomorphism") -> "Homomorphism":
        """The composite ``self ∘ other`` (first ``other``, then ``self``).

        Explained in Chapter 3, *Homomorphisms*.
        """
        if other.codomain is not self.domain and other.codomain != self.domain:
            raise ValueError(f"cannot compose: {other.name} lands in {other.codomain.name} but {self.name} starts at {self.domain.name}")
        return Homomorphism(other.domain, self.codomain, self._images[other._images].tolist(), name=f"{self.name}∘{other.name}", validate=False)

    def inverse(self) -> "Homomorphism":
        """The inverse isomorphism φ⁻¹ (raises ``ValueError`` unless φ is bijective).

        Explained in Chapter 3, *Isomorphisms*.
        """
        if not self.is_isomorphism():
            raise ValueError(f"{self.name} is not a bijection, so it has no inverse")
        inv = np.empty(self.domain.order, dtype=np.int64)
        inv[self._images] = np.arange(self.domain.order)
        return Homomorphism(self.codomain, self.domain, inv.tolist(), name=f"{self.name}⁻¹", validate=False)


def _extend(domain: FiniteGroup, codomain: FiniteGroup, gens: Mapping[int, int]) -> np.ndarray | tuple:
    """Breadth-first extension φ(x·s) = φ(x)·φ(s); a conflict is returned as (x, s, y, old, new)."""
    img = np.full(domain.order, -1, dtype=np.int64)
    img[domain.identity] = codomain.identity
    for x, s, y, first in domain.breadth_first(list(gens)):
        v = int(codomain.table[img[x], gens[s]])
        if first:
            img[y] = v
        elif img[y] != v:
            return (x, s, y, int(img[y]), v)
    return img


# --------------------------------------------------------------------------- standard maps


def identity_map(G: FiniteGroup) -> Homomorphism:
    """The identity G → G.

    Explained in Chapter 3, *Homomorphisms*.
    """
    return Homomorphism(G, G, G.elements, name="id", validate=False)


def trivial_homomorphism(G: FiniteGroup, H: FiniteGroup) -> Homomorphism:
    """The map sending every element of G to the identity of H.

    Explained in Chapter 3, *Homomorphisms*.
    """
    return Homomorphism(G, H, [H.identity] * G.order, name="trivial", validate=False)


def inner_automorphism(G: FiniteGroup, g: Element) -> Homomorphism:
    """Conjugation by g, x ↦ g·x·g⁻¹: an automorphism of G.

    Explained in Chapter 3, *Automorphisms*.
    """
    g = G.label(g)
    gi = G.inverse(g)
    return Homomorphism(G, G, [G.product(g, x, gi) for x in G.elements], name=f"conj_{G.names[g]}")


def quotient_map(G: FiniteGroup, N: Sequence[Element], *, symbol: str = "N") -> Homomorphism:
    """The projection π: G → G/N, g ↦ gN (N must be normal); its kernel is N.

    Explained in Chapter 3, *The first isomorphism theorem*.
    """
    Q = quotient_group(G, N, symbol=symbol)
    return Homomorphism(G, Q, Q.coset_of.tolist(), name="π")  # type: ignore[attr-defined]


def inclusion(G: FiniteGroup, H: Sequence[Element]) -> Homomorphism:
    """The inclusion of the subgroup H (as :func:`~grouptools.subgroups.as_group`) into G.

    Explained in Chapter 3, *Homomorphisms*.
    """
    sub = as_group(G, H)
    return Homomorphism(sub, G, sub.embedding, name="ι")  # type: ignore[attr-defined]


# --------------------------------------------------------------------------- first isomorphism theorem


@dataclass
class FirstIsomorphismCheck:
    """The computed pieces of the first isomorphism theorem for φ: G → H.

    ``quotient`` is G/ker φ, ``image`` is im φ as a group, and ``induced`` is
    the map gK ↦ φ(g) between them; ``holds`` is whether ``induced`` is a
    well-defined isomorphism (it always is; this is the computed check).

    Explained in Chapter 3, *The first isomorphism theorem*.
    """

    kernel: list[int]
    image: list[int]
    quotient: FiniteGroup
    image_group: FiniteGroup
    induced: Homomorphism | None
    holds: bool
    reason: str

    def __str__(self) -> str:
        return (
            f"|ker| = {len(self.kernel)}, |im| = {len(self.image)}, |G/ker| = {self.quotient.order}: "
            + ("G/ker φ ≅ im φ via gK ↦ φ(g)" if self.holds else f"FAILS: {self.reason}")
        )


def first_isomorphism_theorem(phi: Homomorphism) -> FirstIsomorphismCheck:
    """Check G/ker φ ≅ im φ by computation: build both groups and the map gK ↦ φ(g).

    Verifies that the kernel is a normal subgroup, that the map is well
    defined (φ is constant on each coset), a homomorphism, and a bijection.

    Explained in Chapter 3, *The first isomorphism theorem*.
    """
    G = phi.domain
    K = phi.kernel()
    im = phi.image()
    Q = quotient_group(G, K, symbol="K")
    I = as_group(phi.codomain, im, name=f"im {phi.name}")
    pos = {h: i for i, h in enumerate(I.embedding)}  # type: ignore[attr-defined]
    images = []
    for coset in Q.cosets:  # type: ignore[attr-defined]
        values = {phi(g) for g in coset}
        if len(values) != 1:
            return FirstIsomorphismCheck(K, im, Q, I, None, False, f"φ is not constant on the coset {coset}")
        images.append(pos[values.pop()])
    try:
        induced = Homomorphism(Q, I, images, name=f"{phi.name}̄")
    except NotAHomomorphismError as exc:
        return FirstIsomorphismCheck(K, im, Q, I, None, False, str(exc))
    ok = induced.is_isomorphism()
    return FirstIsomorphismCheck(K, im, Q, I, induced, ok, "" if ok else "the induced map is not a bijection")


# --------------------------------------------------------------------------- isomorphism search


def isomorphism_invariants(G: FiniteGroup) -> tuple:
    """Invariants that isomorphic groups share: order, abelian, element-order counts, class sizes.

    Different invariants prove two groups are not isomorphic; equal ones do not
    prove they are (see :func:`find_isomorphism`).

    Explained in Chapter 3, *Isomorphisms*.
    """
    from .conjugacy import conjugacy_classes

    orders = Counter(G.element_orders().tolist())
    classes = Counter(len(c) for c in conjugacy_classes(G))
    return (G.order, G.is_abelian(), tuple(sorted(orders.items())), tuple(sorted(classes.items())))


def _profile(G: FiniteGroup) -> np.ndarray:
    """Per-element invariants preserved by isomorphisms: (order, centraliser size)."""
    t = G.table
    cent = (t == t.T).sum(axis=1)
    return np.stack([G.element_orders(), cent], axis=1)


def all_isomorphisms(G: FiniteGroup, H: FiniteGroup) -> Iterator[Homomorphism]:
    """Every isomorphism G → H, by backtracking over images of G's generators.

    A generator may only go to an element with the same order and centraliser
    size; each partial assignment is extended along words and abandoned at the
    first clash. Nothing is yielded when the invariants differ.

    Explained in Chapter 3, *Isomorphisms*.
    """
    if G.order != H.order or isomorphism_invariants(G) != isomorphism_invariants(H):
        return
    gens = G.generators
    pg, ph = _profile(G), _profile(H)
    candidates = [[h for h in H.elements if (ph[h] == pg[g]).all()] for g in gens]

    def rec(i: int, chosen: dict[int, int]) -> Iterator[Homomorphism]:
        if i == len(gens):
            img = _extend(G, H, chosen)
            if isinstance(img, tuple) or len(np.unique(img)) != G.order:
                return
            yield Homomorphism(G, H, img.tolist(), name="ψ", validate=False)
            return
        for h in candidates[i]:
            if h in chosen.values():
                continue
            chosen[gens[i]] = h
            partial = _extend_partial(G, H, chosen)
            if partial:
                yield from rec(i + 1, chosen)
            del chosen[gens[i]]

    yield from rec(0, {})


def _extend_partial(G: FiniteGroup, H: FiniteGroup, chosen: Mapping[int, int]) -> bool:
    """Whether the images chosen so far extend consistently and injectively to the subgroup they generate."""
    img = _extend(G, H, chosen)
    if isinstance(img, tuple):
        return False
    vals = img[img >= 0]
    return len(np.unique(vals)) == len(vals)


def find_isomorphism(G: FiniteGroup, H: FiniteGroup) -> Homomorphism | None:
    """An isomorphism G → H, or ``None`` when the groups are not isomorphic.

    Explained in Chapter 3, *Isomorphisms*.
    """
    return next(all_isomorphisms(G, H), None)


def are_isomorphic(G: FiniteGroup, H: FiniteGroup) -> bool:
    """Whether G ≅ H (decided by :func:`find_isomorphism`).

    Explained in Chapter 3, *Isomorphisms*.
    """
    return find_isomorphism(G, H) is not None


def automorphisms(G: FiniteGroup) -> list[Homomorphism]:
    """All automorphisms of G (isomorphisms G → G); they form the group Aut(G).

    Explained in Chapter 3, *Automorphisms*.
    """
    return list(all_isomorphisms(G, G))


# --------------------------------------------------------------------------- sign and determinant


def sign_group() -> FiniteGroup:
    """The group {+1, −1} under multiplication (labels 0 = +1, 1 = −1).

    Explained in Chapter 3, *The sign of a permutation*.
    """
    return FiniteGroup([[0, 1], [1, 0]], ["+1", "-1"], name="{±1}")


def sign_homomorphism(G: FiniteGroup) -> Homomorphism:
    """sgn: G → {±1} for a permutation group (built by ``symmetric``, ``alternating`` or ``from_permutations``).

    The sign is (−1)^(number of inversions); its kernel is G ∩ Aₙ.

    Explained in Chapter 3, *The sign of a permutation*.
    """
    if G.permutations is None:
        raise ValueError(f"{G.name} carries no permutations; build it with symmetric(), alternating() or from_permutations()")
    from .named import inversion_counts

    return Homomorphism(G, sign_group(), (inversion_counts(G.permutations.perms) % 2).tolist(), name="sgn")


def determinant_homomorphism(G: FiniteGroup, *, decimals: int = 8) -> Homomorphism:
    """det: G → (the finite group of determinant values), for a matrix group from ``from_matrices``.

    The codomain's elements are the distinct values of det (roots of unity,
    e.g. ``["1", "-1"]`` for O(n)-type groups), multiplied as numbers.

    Explained in Chapter 3, *The determinant*.
    """
    if G.matrices is None:
        raise ValueError(f"{G.name} carries no matrices; build it with from_matrices()")
    dets = np.round(np.linalg.det(G.matrices), decimals) + 0.0
    values: list[Any] = []
    for d in dets:
        if not any(abs(d - v) < 10.0**-decimals * 10 for v in values):
            values.append(d)
    values.sort(key=lambda v: (abs(complex(v) - 1) > 1e-9, np.angle(complex(v)) % (2 * np.pi)))

    def which(v: Any) -> int:
        return int(np.argmin([abs(v - u) for u in values]))

    table = [[which(a * b) for b in values] for a in values]

    def fmt(v: Any) -> str:
        c = complex(v)
        if abs(c.imag) < 1e-9:
            return f"{c.real:g}"
        return f"{c.real:.3g}{c.imag:+.3g}i"

    D = FiniteGroup(table, [fmt(v) for v in values], name="det values")
    return Homomorphism(G, D, [which(d) for d in dets], name="det")


def log_abs_det(A: Any) -> Any:
    """log|det A| for an invertible matrix (numpy array or torch tensor, batched over leading axes).

    F(A) = log|det A| satisfies F(AB) = F(A) + F(B): a homomorphism from
    GL(n, ℝ) to (ℝ, +), the kernel of which is the matrices with |det A| = 1.

    Explained in Chapter 3, *The determinant*.
    """
    try:
        import torch

        if isinstance(A, torch.Tensor):
            return torch.linalg.slogdet(A).logabsdet
    except ImportError:  # pragma: no cover
        pass
    return np.linalg.slogdet(np.asarray(A)).logabsdet


def real_additive_homomorphisms(G: FiniteGroup) -> np.ndarray:
    """A basis of all homomorphisms f: G → (ℝ, +), as columns of an |G|×k array.

    They are the solutions of the linear equations f(a·b) = f(a) + f(b); the
    basis is the canonical basis of the null space of that system
    (:func:`grouptools.linalg.null_space`). For a finite group it is always
    empty (k = 0): f(g) = f(gᵐ)/m = f(e)/m = 0, where m is g's order.

    Explained in Chapter 3, *The determinant*.
    """
    n = G.order
    a, b = np.meshgrid(np.arange(n), np.arange(n), indexing="ij")
    rows = np.zeros((n * n, n))
    r = np.arange(n * n)
    np.add.at(rows, (r, G.table.ravel()), 1.0)
    np.add.at(rows, (r, a.ravel()), -1.0)
    np.add.at(rows, (r, b.ravel()), -1.0)
    return null_space(rows)
