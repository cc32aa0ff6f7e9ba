"""Models under composition: a monoid, not a group.

Source 000 (Definition 1, Proposition 1) claims that machine-learning models
under a binary operation form a group. For the natural operation, composition
of layers ``f ∘ g`` (first g, then f), this module supplies what is needed to
test the claim on real ``torch.nn`` modules:

* :func:`compose` and :func:`same_function` — composition is associative and
  :class:`torch.nn.Identity` is its identity, so maps ℝᵈ → ℝᵈ form a *monoid*;
* :func:`kernel_witness` and :func:`find_collision` — two different inputs with
  the same output, which proves that a layer has no inverse (not even a
  one-sided left inverse);
* :class:`InvertibleLinear`, :class:`AffineCoupling` and
  :class:`InvertibleComposition` — layers with an exact :meth:`inverse`;
  finite compositions of them and their inverses form a *group*;
* :func:`check_composition_axioms` — the axioms checked numerically on a finite
  sample of modules, with the first failure named, as
  :class:`~grouptools.NotAGroupError` does for Cayley tables.

Composition is *typed*: ``compose(f, g)`` needs g's outputs to fit f's inputs.
Where both shapes are known (linear and invertible layers) a mismatch is a clear
``ValueError``.

Explained in Chapter 1, *Models under composition: a monoid, not a group*.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

import torch
from torch import nn

from .formatting import fmt_error, noise_floor

__all__ = [
    "compose",
    "Composition",
    "InvertibleModule",
    "InverseModule",
    "InvertibleComposition",
    "InvertibleLinear",
    "AffineCoupling",
    "inverse",
    "is_invertible",
    "probe_inputs",
    "same_function",
    "Comparison",
    "Collision",
    "kernel_witness",
    "find_collision",
    "merge_linear",
    "check_composition_axioms",
    "AxiomFailure",
    "CompositionReport",
]

_SECTION = "Explained in Chapter 1, *Models under composition: a monoid, not a group*."


# --------------------------------------------------------------------------- helpers


def _require_module(m: object, where: str) -> nn.Module:
    if not isinstance(m, nn.Module):
        raise TypeError(
            f"{where} must be a torch.nn.Module, not {type(m).__name__} ({m!r}); "
            "wrap a plain function in a Module first"
        )
    return m


def _features(m: nn.Module) -> tuple[int, int] | None:
    """``(in_features, out_features)`` where the module's shape is known, else ``None``."""
    if isinstance(m, nn.Linear):
        return m.in_features, m.out_features
    if isinstance(m, (InvertibleLinear, AffineCoupling)):
        return m.features, m.features
    if isinstance(m, InverseModule):
        known = _features(m.module)
        return None if known is None else (known[1], known[0])
    if isinstance(m, Composition) and len(m.factors):
        first, last = _features(m.factors[-1]), _features(m.factors[0])  # the factor acting first is rightmost
        return None if first is None or last is None else (first[0], last[1])
    return None


def _describe(m: nn.Module) -> str:
    known = _features(m)
    kind = type(m).__name__
    return f"{kind}(ℝ^{known[0]} → ℝ^{known[1]})" if known else kind


# --------------------------------------------------------------------------- composition


class Composition(nn.Module):
    """The composite ``f₁ ∘ f₂ ∘ … ∘ fₖ`` of modules, in *function order*.

    ``Composition(f, g)(x)`` is ``f(g(x))``: the rightmost factor acts first,
    exactly as ``G.product(a, b)`` means "first b, then a" for permutations and
    matrices. (``nn.Sequential(g, f)`` computes the same function, listing the
    layers in the order they run.) The factors are kept, not copied: the
    composite shares their parameters. With no factors it is the identity map.

    Build one with :func:`compose`, which also checks that the shapes fit.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def __init__(self, *factors: nn.Module) -> None:
        super().__init__()
        for i, m in enumerate(factors):
            _require_module(m, f"factor {i}")
        self.factors = nn.ModuleList(factors)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        for m in reversed(self.factors):
            x = m(x)
        return x


def compose(*modules: nn.Module) -> Composition:
    """The composite module ``x ↦ f(g(…(h(x))))`` of ``compose(f, g, …, h)``.

    Function order: the **rightmost module acts first**, so ``compose(f, g)``
    is f ∘ g = "first g, then f". ``compose()`` is the identity map. The
    result shares the factors' parameters. When every factor is invertible
    (see :func:`is_invertible`) the result is an :class:`InvertibleComposition`
    whose :meth:`~InvertibleComposition.inverse` is the composite of the
    inverses in reverse order, (f ∘ g)⁻¹ = g⁻¹ ∘ f⁻¹.

    Composition is typed: when the output size of one factor and the input
    size of the next are both known (``nn.Linear``, :class:`InvertibleLinear`,
    :class:`AffineCoupling`, composites of these) and differ, a ``ValueError``
    names the two factors. Arguments that are not ``torch.nn.Module`` raise
    ``TypeError``.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    for i, m in enumerate(modules):
        _require_module(m, f"argument {i} of compose")
    for i in range(len(modules) - 1):
        outer, inner = _features(modules[i]), _features(modules[i + 1])
        if outer is not None and inner is not None and inner[1] != outer[0]:
            raise ValueError(
                f"cannot compose: argument {i + 1} ({_describe(modules[i + 1])}) produces vectors in "
                f"ℝ^{inner[1]} but argument {i} ({_describe(modules[i])}) expects inputs in ℝ^{outer[0]} "
                "(composition is typed: the shapes must match, and compose(f, g) runs g first)"
            )
    if all(is_invertible(m) for m in modules):  # compose() is the identity, which is invertible
        return InvertibleComposition(*modules)
    return Composition(*modules)


# --------------------------------------------------------------------------- invertible layers


class InvertibleModule(nn.Module):
    """A module with an exact inverse: subclasses define ``forward`` and ``inverse_forward``.

    :meth:`inverse` returns a module computing ``inverse_forward``; it shares
    this module's parameters, so it stays the inverse after training, and its
    own inverse is this very module.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def inverse_forward(self, y: torch.Tensor) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError(f"{type(self).__name__} must define inverse_forward")

    def inverse(self) -> nn.Module:
        """The inverse layer f⁻¹ (a module sharing this module's parameters)."""
        return InverseModule(self)


class InverseModule(InvertibleModule):
    """The inverse ``f⁻¹`` of an :class:`InvertibleModule` ``f``; ``.inverse()`` gives ``f`` back.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def __init__(self, module: InvertibleModule) -> None:
        super().__init__()
        if not isinstance(module, InvertibleModule):
            raise TypeError(f"InverseModule needs an InvertibleModule, not {type(module).__name__}")
        self.module = module

    def forward(self, y: torch.Tensor) -> torch.Tensor:
        return self.module.inverse_forward(y)

    def inverse_forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.module(x)

    def inverse(self) -> nn.Module:
        return self.module


def is_invertible(m: nn.Module) -> bool:
    """Whether ``m`` comes with an exact inverse: an :class:`InvertibleModule` or ``nn.Identity``.

    (``False`` means only that no inverse is *offered*; :func:`kernel_witness`
    and :func:`find_collision` prove that none exists.)

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    return isinstance(m, (InvertibleModule, nn.Identity))


def inverse(m: nn.Module) -> nn.Module:
    """The inverse module of ``m``: ``m.inverse()``, or ``m`` itself for ``nn.Identity``.

    Raises ``TypeError`` for a module that offers no inverse, with a pointer to
    :func:`kernel_witness` / :func:`find_collision` for proving that none exists.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    _require_module(m, "the argument of inverse")
    if isinstance(m, nn.Identity):
        return m
    if isinstance(m, InvertibleModule):
        return m.inverse()
    raise TypeError(
        f"{_describe(m)} offers no inverse; to show that it has none, find two inputs with the "
        "same output (kernel_witness for nn.Linear, find_collision for any module)"
    )


class InvertibleComposition(Composition, InvertibleModule):
    """A composite of invertible modules; its inverse is the composite of the inverses, reversed.

    ``InvertibleComposition(f, g).inverse()`` is ``compose(inverse(g), inverse(f))``:
    to undo "first g, then f", undo f first.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def __init__(self, *factors: nn.Module) -> None:
        super().__init__(*factors)
        for i, m in enumerate(self.factors):
            if not is_invertible(m):
                raise TypeError(f"factor {i} ({_describe(m)}) offers no inverse")

    def inverse_forward(self, y: torch.Tensor) -> torch.Tensor:
        for m in self.factors:
            y = inverse(m)(y)
        return y

    def inverse(self) -> nn.Module:
        return compose(*[inverse(m) for m in reversed(self.factors)])

    def log_abs_det(self, x: torch.Tensor) -> torch.Tensor:
        """log |det ∂y/∂x| at each input row of ``x``, by the chain rule: the factors' values, each at its own input.

        Every factor must offer ``log_abs_det(x)``. This is the change-of-variables term of a
        normalising flow's log-likelihood.

        Explained in Chapter 3, *log|det|: a homomorphism into (ℝ, +)*.
        """
        total = torch.zeros(x.shape[:-1], dtype=x.dtype, device=x.device)
        for i, m in enumerate(reversed(self.factors)):  # the order in which they are applied
            if not hasattr(m, "log_abs_det"):
                raise TypeError(f"factor {len(self.factors) - 1 - i} ({_describe(m)}) offers no log_abs_det(x)")
            total = total + m.log_abs_det(x)
            x = m(x)
        return total


class InvertibleLinear(InvertibleModule):
    """An affine layer ``y = W x + b`` whose weight is invertible by construction.

    The weight is stored as in Glow's invertible 1×1 convolution
    (Kingma & Dhariwal, 2018): ``W = P L (U + diag(sign · exp(log_scale)))``
    with a fixed permutation P, a unit lower-triangular L, a strictly upper
    triangular U and a diagonal that can never be zero. So every value of the
    parameters gives an invertible W, ``log|det W| = sum(log_scale)``, and the
    inverse ``x = W⁻¹ (y − b)`` takes two triangular solves.

    The default initialisation is a random orthogonal W (from the global torch
    generator, so :func:`grouptools.setup` makes it reproducible) and a bias
    drawn like ``nn.Linear``'s. :meth:`from_matrix` builds one from a given
    invertible matrix.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def __init__(self, features: int, bias: bool = True, *, dtype: torch.dtype | None = None) -> None:
        super().__init__()
        if isinstance(features, bool) or not isinstance(features, int) or features < 1:
            raise ValueError(f"features must be a positive integer, got {features!r}")
        self.features = features
        kw = {"dtype": dtype if dtype is not None else torch.get_default_dtype()}
        q, r = torch.linalg.qr(torch.randn(features, features, dtype=torch.float64))
        # the signs of QR's columns are the library's choice; diag(R) > 0 makes q a function of the draw
        q = q * torch.where(torch.diagonal(r) < 0, -1.0, 1.0).to(q.dtype)
        self._set_from(q, None, kw["dtype"])
        if bias:
            bound = 1 / math.sqrt(features)
            self.bias = nn.Parameter(torch.empty(features, **kw).uniform_(-bound, bound))
        else:
            self.register_parameter("bias", None)

    def _set_from(self, w: torch.Tensor, b: torch.Tensor | None, dtype: torch.dtype) -> None:
        p, lower, upper = torch.linalg.lu(w.to(torch.float64))
        diag = torch.diagonal(upper)
        self.register_buffer("permutation", p.to(dtype))
        self.register_buffer("sign", torch.sign(diag).to(dtype))
        self.lower = nn.Parameter(torch.tril(lower, -1).to(dtype))
        self.upper = nn.Parameter(torch.triu(upper, 1).to(dtype))
        self.log_scale = nn.Parameter(torch.log(diag.abs()).to(dtype))
        if b is not None:
            self.bias = nn.Parameter(b.to(dtype))

    @classmethod
    def from_matrix(
        cls, weight: torch.Tensor, bias: torch.Tensor | None = None, *, rtol: float = 1e-10
    ) -> "InvertibleLinear":
        """The layer ``y = weight @ x + bias`` for a given invertible square ``weight``.

        Raises ``ValueError`` for a non-square or (numerically) singular matrix:
        a pivot of its LU factorisation below ``rtol`` times its largest entry.

        Explained in Chapter 1, *Models under composition: a monoid, not a group*.
        """
        w = torch.as_tensor(weight)
        if w.ndim != 2 or w.shape[0] != w.shape[1]:
            raise ValueError(f"the weight must be a square matrix, but has shape {tuple(w.shape)}")
        d = w.shape[0]
        scale = w.abs().max().item()
        _, _, upper = torch.linalg.lu(w.to(torch.float64))
        pivots = torch.diagonal(upper).abs()
        if scale == 0 or pivots.min().item() <= rtol * scale:
            raise ValueError(
                f"the {d}×{d} weight is singular (smallest LU pivot {pivots.min().item():.1e}), "
                "so the layer is not injective and has no inverse"
            )
        if bias is not None:
            bias = torch.as_tensor(bias)
            if bias.shape != (d,):
                raise ValueError(f"the bias must have shape ({d},), but has shape {tuple(bias.shape)}")
        dtype = w.dtype if w.is_floating_point() else torch.get_default_dtype()
        with torch.random.fork_rng(devices=[]):  # the random initialisation is overwritten: leave the RNG alone
            layer = cls(d, bias=bias is not None, dtype=dtype)
        with torch.no_grad():
            layer._set_from(w, bias, dtype)
        return layer

    @property
    def weight(self) -> torch.Tensor:
        """The matrix W = P L (U + diag(sign · exp(log_scale)))."""
        eye = torch.eye(self.features, dtype=self.lower.dtype, device=self.lower.device)
        lower = torch.tril(self.lower, -1) + eye
        upper = torch.triu(self.upper, 1) + torch.diag(self.sign * torch.exp(self.log_scale))
        return self.permutation @ lower @ upper

    def log_abs_det(self, x: torch.Tensor | None = None) -> torch.Tensor:
        """log |det ∂y/∂x| = log |det W|, the sum of the diagonal log-scales: the same at every input.

        With ``x`` the value is repeated for each input row (shape ``x.shape[:-1]``), the protocol
        :class:`AffineCoupling` and :class:`InvertibleComposition` share; without, a scalar.
        """
        value = self.log_scale.sum()
        if x is None:
            return value
        self._check(x)
        return value.expand(x.shape[:-1])

    def _check(self, x: torch.Tensor) -> None:
        if x.shape[-1] != self.features:
            raise ValueError(
                f"InvertibleLinear({self.features}) expects inputs with last dimension {self.features}, "
                f"got shape {tuple(x.shape)}"
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._check(x)
        y = x @ self.weight.T
        return y if self.bias is None else y + self.bias

    def inverse_forward(self, y: torch.Tensor) -> torch.Tensor:
        self._check(y)
        r = y if self.bias is None else y - self.bias
        cols = r.reshape(-1, self.features).T  # (d, N): solve P L U' x = r column by column
        eye = torch.eye(self.features, dtype=self.lower.dtype, device=self.lower.device)
        lower = torch.tril(self.lower, -1) + eye
        upper = torch.triu(self.upper, 1) + torch.diag(self.sign * torch.exp(self.log_scale))
        z = torch.linalg.solve_triangular(lower, self.permutation.T @ cols, upper=False, unitriangular=True)
        x = torch.linalg.solve_triangular(upper, z, upper=True)
        return x.T.reshape(y.shape)

    def extra_repr(self) -> str:
        return f"features={self.features}, bias={self.bias is not None}"


class AffineCoupling(InvertibleModule):
    """A RealNVP affine coupling layer (Dinh, Sohl-Dickstein & Bengio, 2017).

    Split x into a kept part a (the first ``features // 2`` coordinates, or the
    last ones when ``flip=True``) and the rest b. Then
    ``y_a = a`` and ``y_b = b · exp(s(a)) + t(a)``, where ``s`` (bounded by a
    ``tanh``) and ``t`` come from a small ReLU network of a alone. Although
    that network is not invertible, the layer is: ``b = (y_b − t(y_a)) · exp(−s(y_a))``.
    Alternate ``flip`` between stacked layers so every coordinate gets changed.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    def __init__(
        self, features: int, hidden: int = 32, *, flip: bool = False, dtype: torch.dtype | None = None
    ) -> None:
        super().__init__()
        if isinstance(features, bool) or not isinstance(features, int) or features < 2:
            raise ValueError(f"a coupling layer needs features ≥ 2 to split the input in two, got {features!r}")
        if isinstance(hidden, bool) or not isinstance(hidden, int) or hidden < 1:
            raise ValueError(f"hidden must be a positive integer, got {hidden!r}")
        self.features, self.flip = features, bool(flip)
        self.kept = features // 2
        changed = features - self.kept
        self.net = nn.Sequential(
            nn.Linear(self.kept, hidden, dtype=dtype),
            nn.ReLU(),
            nn.Linear(hidden, 2 * changed, dtype=dtype),
        )

    def _split(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        if x.shape[-1] != self.features:
            raise ValueError(
                f"AffineCoupling({self.features}) expects inputs with last dimension {self.features}, "
                f"got shape {tuple(x.shape)}"
            )
        if self.flip:
            return x[..., self.features - self.kept :], x[..., : self.features - self.kept]
        return x[..., : self.kept], x[..., self.kept :]

    def _join(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return torch.cat([b, a] if self.flip else [a, b], dim=-1)

    def _scale_shift(self, a: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        s, t = self.net(a).chunk(2, dim=-1)
        return torch.tanh(s), t

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        a, b = self._split(x)
        s, t = self._scale_shift(a)
        return self._join(a, b * torch.exp(s) + t)

    def inverse_forward(self, y: torch.Tensor) -> torch.Tensor:
        a, b = self._split(y)
        s, t = self._scale_shift(a)
        return self._join(a, (b - t) * torch.exp(-s))

    def log_abs_det(self, x: torch.Tensor) -> torch.Tensor:
        """log |det ∂y/∂x| at each input: the sum of the scales s(a)."""
        a, _ = self._split(x)
        return self._scale_shift(a)[0].sum(-1)

    def extra_repr(self) -> str:
        return f"features={self.features}, kept={self.kept}, flip={self.flip}"


# --------------------------------------------------------------------------- comparing functions


def probe_inputs(
    n: int, features: int, *, seed: int = 0, dtype: torch.dtype = torch.float32, scale: float = 1.0
) -> torch.Tensor:
    """``n`` standard-normal probe inputs of size ``features`` (times ``scale``), from their own seeded generator.

    The global random state is not touched, so the same call always gives
    the same probes.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    for value, what in ((n, "n"), (features, "features")):
        if isinstance(value, bool) or not isinstance(value, int) or value < 1:
            raise ValueError(f"{what} must be a positive integer, got {value!r}")
    gen = torch.Generator().manual_seed(seed)
    return scale * torch.randn(n, features, generator=gen, dtype=dtype)


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`same_function`: truthy when the two modules agree on every probe.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    max_deviation: float
    atol: float
    n_inputs: int
    reason: str = ""
    #: deviations below this (or below atol, if smaller) are rounding noise of the outputs' dtype
    #: and print as "< floor"
    floor: float = 1e-12

    def __bool__(self) -> bool:
        return self.max_deviation <= self.atol

    def __str__(self) -> str:
        if self.reason:
            return f"differ: {self.reason}"
        verdict = "agree" if self else "differ"
        sign = "≤" if self else ">"
        dev = fmt_error(self.max_deviation, min(self.floor, self.atol), relation=True)
        if dev.startswith("<"):  # rounding noise, below atol too
            return f"{verdict} on {self.n_inputs} inputs: max |f(x) − g(x)| {dev}"
        return f"{verdict} on {self.n_inputs} inputs: max |f(x) − g(x)| {dev} {sign} atol = {self.atol:.0e}"


def _as_inputs(inputs: torch.Tensor) -> torch.Tensor:
    if not isinstance(inputs, torch.Tensor):
        raise TypeError(f"inputs must be a torch.Tensor of probe inputs, not {type(inputs).__name__}")
    if inputs.ndim < 2 or inputs.shape[0] == 0:
        raise ValueError(f"inputs must be a non-empty batch (shape (N, …)), got shape {tuple(inputs.shape)}")
    return inputs


def same_function(f: nn.Module, g: nn.Module, inputs: torch.Tensor, atol: float = 1e-6) -> Comparison:
    """Compare two modules on a batch of probe inputs (without gradients).

    Returns a :class:`Comparison` holding the largest absolute difference of
    the outputs over all inputs and coordinates; it is truthy when that is at
    most ``atol``. Agreeing on probes is evidence, not proof, that f = g;
    disagreeing on one probe *is* proof that f ≠ g. Outputs of different
    shapes count as different (deviation ``inf``).

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    _require_module(f, "f")
    _require_module(g, "g")
    x = _as_inputs(inputs)
    with torch.no_grad():
        fx, gx = f(x), g(x)
    if fx.shape != gx.shape:
        return Comparison(math.inf, atol, x.shape[0], f"outputs have shapes {tuple(fx.shape)} and {tuple(gx.shape)}")
    dev = (fx - gx).abs().max().item() if fx.numel() else 0.0
    return Comparison(float(dev), atol, x.shape[0], floor=noise_floor(fx.dtype))


@dataclass(frozen=True)
class Collision:
    """Two different inputs ``x ≠ x'`` with ``f(x) = f(x')``: f is not injective, so no g has g∘f = id.

    ``input_gap`` is max|x − x'| and ``output_gap`` is max|f(x) − f(x')|
    (zero, or rounding-sized in floating point).

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    x: torch.Tensor
    x_prime: torch.Tensor
    fx: torch.Tensor
    fx_prime: torch.Tensor

    @property
    def input_gap(self) -> float:
        return float((self.x - self.x_prime).abs().max())

    @property
    def output_gap(self) -> float:
        return float((self.fx - self.fx_prime).abs().max())

    def __str__(self) -> str:
        return (
            f"x ≠ x' (max |x − x'| = {self.input_gap:.3g}) but f(x) = f(x') "
            f"(max |f(x) − f(x')| = {self.output_gap:.1e}), so no left inverse g "
            "can exist: g(f(x)) would have to be both x and x'"
        )


def kernel_witness(linear: nn.Linear, *, seed: int = 0) -> Collision:
    """Two distinct inputs with equal outputs for a linear layer that is not injective.

    ``W x + b = W x' + b`` exactly when ``x − x'`` lies in the null space of W.
    The null space comes from an SVD in float64: when ``rank W <
    in_features`` (always so for a wide-to-narrow layer, out < in), x is a
    seeded random input and ``x' = x + v``, where the unit vector v is a seeded
    random direction projected onto the null space (so W v = 0). Raises
    ``ValueError`` when the layer is injective (full column rank), and
    ``TypeError`` when ``linear`` is not an ``nn.Linear``.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"kernel_witness needs an nn.Linear, not {type(linear).__name__}; try find_collision")
    w = linear.weight.detach().to(torch.float64).cpu()
    _, sv, vh = torch.linalg.svd(w, full_matrices=True)
    eps = torch.finfo(linear.weight.dtype).eps
    tol = max(w.shape) * eps * (sv.max().item() if sv.numel() else 0.0)
    rank = int((sv > tol).sum())
    if rank == linear.in_features:
        raise ValueError(
            f"the layer ℝ^{linear.in_features} → ℝ^{linear.out_features} is injective: its weight has full "
            f"column rank {rank} (smallest singular value {sv.min().item():.2e}), so distinct inputs give "
            "distinct outputs and no kernel witness exists"
        )
    gen = torch.Generator().manual_seed(seed)
    x64 = torch.randn(linear.in_features, generator=gen, dtype=torch.float64)
    # project a random direction onto the null space: the result does not depend on which
    # orthonormal basis of the null space the SVD happened to return
    null = vh[rank:].T
    v = null @ (null.T @ torch.randn(linear.in_features, generator=gen, dtype=torch.float64))
    v = v / v.norm()
    dtype, device = linear.weight.dtype, linear.weight.device
    x, x_prime = x64.to(dtype).to(device), (x64 + v).to(dtype).to(device)
    with torch.no_grad():
        return Collision(x, x_prime, linear(x), linear(x_prime))


def find_collision(f: nn.Module, inputs: torch.Tensor, atol: float = 1e-6, min_gap: float = 1e-3) -> Collision | None:
    """Search a batch of inputs for two with the same output under ``f``.

    Returns the first pair (in input order) with max|f(x) − f(x')| ≤ ``atol``
    and max|x − x'| ≥ ``min_gap``, or ``None`` when the batch has none — which
    proves nothing: a finite search can show non-injectivity, never
    injectivity. (For a ReLU, any two inputs with all coordinates negative
    collide at 0.)

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    _require_module(f, "f")
    x = _as_inputs(inputs)
    with torch.no_grad():
        fx = f(x)
    flat_x, flat_f = x.reshape(len(x), -1), fx.reshape(len(x), -1)
    out_gap = torch.cdist(flat_f.double(), flat_f.double(), p=math.inf)
    in_gap = torch.cdist(flat_x.double(), flat_x.double(), p=math.inf)
    hits = torch.nonzero(torch.triu((out_gap <= atol) & (in_gap >= min_gap), diagonal=1))
    if len(hits) == 0:
        return None
    i, j = (int(v) for v in hits[0])
    return Collision(x[i], x[j], fx[i], fx[j])


def merge_linear(f: nn.Linear, g: nn.Linear) -> nn.Linear:
    """One ``nn.Linear`` computing f ∘ g: weight ``W_f W_g``, bias ``W_f b_g + b_f``.

    Affine layers are closed under composition, so "merge two layers" is a
    binary operation on the set of affine layers. In exact arithmetic it is
    associative; in floating point, ``(W_f W_g) W_h`` and ``W_f (W_g W_h)``
    differ by rounding. Raises ``ValueError`` when the shapes do not fit.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    for m, what in ((f, "f"), (g, "g")):
        if not isinstance(m, nn.Linear):
            raise TypeError(f"merge_linear needs two nn.Linear layers; {what} is a {type(m).__name__}")
    if g.out_features != f.in_features:
        raise ValueError(
            f"cannot merge: g maps ℝ^{g.in_features} → ℝ^{g.out_features} but f expects ℝ^{f.in_features}"
        )
    use_bias = f.bias is not None or g.bias is not None
    merged = nn.Linear(g.in_features, f.out_features, bias=use_bias, dtype=f.weight.dtype, device=f.weight.device)
    with torch.no_grad():
        merged.weight.copy_(f.weight @ g.weight)
        if use_bias:
            bias = torch.zeros(f.out_features, dtype=f.weight.dtype, device=f.weight.device)
            if g.bias is not None:
                bias = bias + f.weight @ g.bias
            if f.bias is not None:
                bias = bias + f.bias
            merged.bias.copy_(bias)
    return merged


# --------------------------------------------------------------------------- the axioms on a sample


@dataclass(frozen=True)
class AxiomFailure:
    """One failed axiom in a :class:`CompositionReport`: which axiom, which elements, and why.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    axiom: str
    elements: tuple[str, ...]
    message: str

    def __str__(self) -> str:
        return f"{self.axiom}: {self.message}"


@dataclass(frozen=True)
class CompositionReport:
    """What :func:`check_composition_axioms` found; ``str(report)`` summarises it.

    ``is_monoid`` is True when associativity and the identity hold on every
    probe; ``is_group`` also needs a two-sided inverse for every element.
    ``failures`` lists every failed check in the order found (associativity,
    identity, inverses); ``first_failure`` is the first, or ``None``.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """

    names: tuple[str, ...]
    max_associativity_deviation: float
    max_identity_deviation: float
    inverses: dict[str, str | None]
    failures: tuple[AxiomFailure, ...] = field(default_factory=tuple)
    #: deviations below this (the probes' rounding level, or atol if smaller) print as "< floor"
    floor: float = 1e-12

    @property
    def is_monoid(self) -> bool:
        return not any(f.axiom in ("associativity", "identity") for f in self.failures)

    @property
    def is_group(self) -> bool:
        return not self.failures

    @property
    def first_failure(self) -> AxiomFailure | None:
        return self.failures[0] if self.failures else None

    def __str__(self) -> str:
        n = len(self.names)
        lines = [
            f"associativity on all {n**3} triples: max deviation {fmt_error(self.max_associativity_deviation, self.floor)}",
            f"identity on all {n} elements:       max deviation {fmt_error(self.max_identity_deviation, self.floor)}",
        ]
        for name, inv in self.inverses.items():
            lines.append(f"inverse of {name}: {inv if inv is not None else 'none found'}")
        kind = "a group" if self.is_group else "a monoid, not a group" if self.is_monoid else "not a monoid"
        lines.append(f"verdict on this sample: {kind}")
        if self.first_failure is not None:
            lines.append(f"first failure — {self.first_failure}")
        return "\n".join(lines)


Op = Callable[[nn.Module, nn.Module], nn.Module]


def _check_associativity(mods: list[nn.Module], labels: tuple[str, ...], operation: Op, x: torch.Tensor,
                         atol: float, failures: list[AxiomFailure]) -> float:
    """The largest gap between (a*b)*c and a*(b*c) over all triples; the first failing triple is reported."""
    assoc = 0.0
    first_bad = None
    for i, a in enumerate(mods):
        for j, b in enumerate(mods):
            ab = operation(a, b)
            for k, c in enumerate(mods):
                cmp = same_function(operation(ab, c), operation(a, operation(b, c)), x, atol)
                assoc = max(assoc, cmp.max_deviation)
                if not cmp and first_bad is None:
                    first_bad = (i, j, k, cmp)
    if first_bad is not None:
        i, j, k, cmp = first_bad
        a, b, c = labels[i], labels[j], labels[k]
        failures.append(
            AxiomFailure(
                "associativity",
                (a, b, c),
                f"({a}*{b})*{c} and {a}*({b}*{c}) differ by {cmp.max_deviation:.1e} > atol {atol:.0e} "
                f"for a={a}, b={b}, c={c}",
            )
        )
    return assoc


def _check_identity(mods: list[nn.Module], labels: tuple[str, ...], operation: Op, e: nn.Module, x: torch.Tensor,
                    atol: float, failures: list[AxiomFailure]) -> float:
    """The largest gap between e*a, a*e and a; the first failure is reported."""
    ident = 0.0
    for name, a in zip(labels, mods):
        for side, composite in (("e*" + name, operation(e, a)), (name + "*e", operation(a, e))):
            cmp = same_function(composite, a, x, atol)
            ident = max(ident, cmp.max_deviation)
            if not cmp and not any(f.axiom == "identity" for f in failures):
                failures.append(
                    AxiomFailure(
                        "identity", (name,), f"{side} differs from {name} by {cmp.max_deviation:.1e} > atol {atol:.0e}"
                    )
                )
    return ident


def _check_inverses(mods: list[nn.Module], labels: tuple[str, ...], operation: Op, e: nn.Module, x: torch.Tensor,
                    atol: float, failures: list[AxiomFailure]) -> dict[str, str | None]:
    """For each module, the inverse found (its own ``inverse()`` or one in the sample), or ``None`` with a failure."""
    inverses: dict[str, str | None] = {}
    for name, a in zip(labels, mods):
        found = None
        candidates: list[tuple[str, nn.Module]] = []
        if is_invertible(a):
            candidates.append((f"{name}.inverse()", inverse(a)))
        candidates += list(zip(labels, mods))
        for cname, b in candidates:
            if same_function(operation(a, b), e, x, atol) and same_function(operation(b, a), e, x, atol):
                found = cname
                break
        inverses[name] = found
        if found is None:
            message = f"{name} has no inverse in the sample: no b with {name}*b = b*{name} = e on the probes"
            hit = find_collision(a, x, atol=atol)
            if hit is not None:
                message += (
                    f"; none can exist, since {name}(x) = {name}(x') for two probes with "
                    f"max |x − x'| = {hit.input_gap:.3g}"
                )
            failures.append(AxiomFailure("inverse", (name,), message))
    return inverses


def check_composition_axioms(
    modules: Sequence[nn.Module],
    inputs: torch.Tensor,
    *,
    names: Sequence[str] | None = None,
    operation: Callable[[nn.Module, nn.Module], nn.Module] = compose,
    identity: nn.Module | None = None,
    atol: float = 1e-5,
) -> CompositionReport:
    """Check the monoid and group axioms for ``operation`` on a finite sample of modules.

    On the probe ``inputs`` (a batch of vectors in ℝᵈ) it measures, with
    :func:`same_function`:

    * **associativity** — ``op(op(a, b), c)`` against ``op(a, op(b, c))`` for
      every triple of the sample;
    * **identity** — ``op(e, a)`` and ``op(a, e)`` against ``a``, where ``e``
      is ``identity`` (default ``nn.Identity()``);
    * **inverses** — for each ``a``, the inverse it offers (:func:`inverse`)
      or else any ``b`` in the sample with ``op(a, b)`` and ``op(b, a)`` equal
      to ``e``. When there is none, the failure says so and, if two probes
      collide under ``a`` (:func:`find_collision`), adds that no inverse can
      exist at all.

    Closure is not measured: the composite of two maps ℝᵈ → ℝᵈ is always one.
    Every module must map the probes to outputs of the same shape (a map
    ℝᵈ → ℝᵈ), else ``ValueError`` — composition of other shapes is typed and
    gives a category, not a monoid. Failures are *reported* in the returned
    :class:`CompositionReport` rather than raised, so a notebook can show them.

    Explained in Chapter 1, *Models under composition: a monoid, not a group*.
    """
    mods = list(modules)
    if not mods:
        raise ValueError("give at least one module")
    for i, m in enumerate(mods):
        _require_module(m, f"module {i}")
    labels = tuple(names) if names is not None else tuple(f"m{i}" for i in range(len(mods)))
    if len(labels) != len(mods) or len(set(labels)) != len(labels):
        raise ValueError(f"names must be {len(mods)} distinct strings, got {list(labels)}")
    x = _as_inputs(inputs)
    with torch.no_grad():
        for name, m in zip(labels, mods):
            y = m(x)
            if y.shape != x.shape:
                raise ValueError(
                    f"module {name} ({_describe(m)}) maps inputs of shape {tuple(x.shape)} to shape "
                    f"{tuple(y.shape)}; the monoid axioms need maps ℝᵈ → ℝᵈ (other shapes compose "
                    "only when they match: a category, not a monoid)"
                )
    e = identity if identity is not None else nn.Identity()
    _require_module(e, "identity")
    failures: list[AxiomFailure] = []
    assoc = _check_associativity(mods, labels, operation, x, atol, failures)
    ident = _check_identity(mods, labels, operation, e, x, atol, failures)
    inverses = _check_inverses(mods, labels, operation, e, x, atol, failures)
    floor = min(noise_floor(x.dtype), atol)
    return CompositionReport(labels, float(assoc), float(ident), inverses, tuple(failures), floor)
