"""Steerable filters for the rotation group SO(2): circular harmonics, and a rotation-equivariant CNN built from them.

A filter ψ(r, φ) = R(r) e^{ikφ} in polar coordinates is *steerable*: rotating it by θ only
multiplies it by e^{−ikθ}. Convolving an image with it therefore gives a response that, when
the image is rotated, is rotated too and multiplied by a phase; its modulus is a
rotation-invariant feature map. On a square pixel grid this holds exactly for quarter turns
(the grid is C₄-symmetric) and approximately for other angles (the filter is sampled).

Pixel convention used throughout the course: an image is indexed ``[row, column]`` with
row 0 at the top, as ``imshow`` draws it; the centre is c = (size − 1)/2, the coordinates of
pixel (i, j) are x = j − c and y = c − i (y points up), and φ = atan2(y, x) grows
counter-clockwise on screen, the direction in which ``torch.rot90(·, 1)`` and
:func:`grouptools.lie.rotate_image` with a positive angle turn an image.

Explained in Chapter 7, *Steerable filters*.
"""

from __future__ import annotations

import argparse
import math
import time
from collections.abc import Callable, Sequence

import torch
from torch import Tensor, nn
from torch.nn import functional as F

__all__ = [
    "pixel_polar",
    "circular_harmonic",
    "harmonic_basis",
    "HarmonicConv",
    "HarmonicCNN",
    "render_shapes",
    "MODELS",
    "make_model",
    "train_model",
    "accuracy_by_angle",
    "invariance_error",
    "radial_profile",
    "radial_profile_accuracy",
    "run_experiment",
    "main",
]


def _size(size: object) -> int:
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"size must be a positive integer number of pixels, got {size!r}")
    return size


def pixel_polar(size: int, *, dtype: torch.dtype = torch.float64) -> tuple[Tensor, Tensor]:
    """Polar coordinates (r, φ) of the pixel centres of a ``size`` × ``size`` grid, each of shape (size, size).

    x = column − c, y = c − row with c = (size − 1)/2, so φ = atan2(y, x) grows
    counter-clockwise as the image is drawn; φ is 0 at the centre pixel of an odd grid.

    Explained in Chapter 7, *Steerable filters*.
    """
    size = _size(size)
    c = (size - 1) / 2
    idx = torch.arange(size, dtype=dtype)
    y = (c - idx)[:, None].expand(size, size)
    x = (idx - c)[None, :].expand(size, size)
    return torch.hypot(x, y), torch.atan2(y, x)


def circular_harmonic(size: int, k: int, radius: float, width: float, *, dtype: torch.dtype = torch.float64) -> Tensor:
    """The complex filter ψ(r, φ) = exp(−(r − radius)² / (2 width²)) · e^{ikφ} on a ``size`` × ``size`` grid.

    ``k`` is the angular order (any integer), ``radius`` ≥ 0 the radius of the Gaussian
    ring and ``width`` > 0 its width, in pixels. For k ≠ 0 the value at the centre pixel
    (where φ is undefined) is 0, so that ψ is continuous there. Rotating the result by a
    quarter turn counter-clockwise multiplies it by (−i)^k: ``torch.rot90(ψ, 1) == (-1j)**k * ψ``.
    Returns a complex tensor (complex128 for the default float64).

    Explained in Chapter 7, *Steerable filters*.
    """
    size = _size(size)
    if isinstance(k, bool) or not isinstance(k, int):
        raise ValueError(f"the angular order k must be an integer, got {k!r}")
    if not (isinstance(radius, (int, float)) and math.isfinite(radius) and radius >= 0):
        raise ValueError(f"radius must be a finite number ≥ 0, got {radius!r}")
    if not (isinstance(width, (int, float)) and math.isfinite(width) and width > 0):
        raise ValueError(f"width must be a finite number > 0, got {width!r}")
    r, phi = pixel_polar(size, dtype=dtype)
    profile = torch.exp(-((r - radius) ** 2) / (2 * width**2))
    if k != 0:
        profile = torch.where(r == 0, torch.zeros_like(profile), profile)
    return torch.polar(profile, k * phi)


def harmonic_basis(
    size: int, orders: Sequence[int], radii: Sequence[float], width: float, *, dtype: torch.dtype = torch.float64
) -> Tensor:
    """The circular harmonics for every order and ring radius, as a complex tensor (len(orders), len(radii), size, size).

    Each filter is normalised to unit ℓ² norm (a ring of radius 0 and order k ≠ 0 is
    identically zero and is refused), so that the learnt coefficients of different rings
    are on one scale.

    Explained in Chapter 7, *Steerable filters*.
    """
    orders, radii = list(orders), list(radii)
    if not orders or not radii:
        raise ValueError("need at least one angular order and one ring radius")
    basis = torch.stack([torch.stack([circular_harmonic(size, k, r, width, dtype=dtype) for r in radii]) for k in orders])
    norms = basis.abs().pow(2).sum((-2, -1)).sqrt()
    if bool((norms < 1e-12).any()):
        k, j = (int(i) for i in (norms < 1e-12).nonzero()[0])
        raise ValueError(f"the filter of order {orders[k]} and radius {radii[j]} vanishes on a {size}×{size} grid")
    return basis / norms[..., None, None]


class HarmonicConv(nn.Module):
    """A rotation-equivariant convolution from scalar feature maps to scalar feature maps, built on circular harmonics.

    For every output channel c and order k the layer convolves the input with a learnt
    combination Σ_{i,j} w_{c,i,k,j} ψ_{k,j} of the rings ψ_{k,j} of :func:`harmonic_basis`
    (complex weights for k ≠ 0, real for k = 0). The order-0 response is a scalar field
    (plus a bias, through a ReLU); for k ≠ 0 the response rotates with the image and picks up
    a phase e^{ikθ}, so its modulus is again a scalar field. A 1×1 convolution mixes these
    ``out_channels · len(orders)`` invariant maps into ``out_channels`` maps. Exactly
    equivariant to quarter turns of an odd-sized image; to other angles up to the sampling
    of the filters.

    Input (B, C_in, H, W), output (B, C_out, H, W).

    Explained in Chapter 7, *Steerable filters*.
    """

    def __init__(
        self,
        in_channels: int,
        out_channels: int,
        *,
        kernel_size: int = 9,
        orders: Sequence[int] = (0, 1, 2, 3),
        radii: Sequence[float] = (0.0, 1.5, 3.0),
        width: float = 0.8,
    ) -> None:
        super().__init__()
        if kernel_size % 2 == 0:
            raise ValueError(f"kernel_size must be odd so that the filter has a centre pixel, got {kernel_size}")
        orders = [int(k) for k in orders]
        if not orders or orders[0] != 0 or len(set(orders)) != len(orders) or min(orders) < 0:
            raise ValueError(f"orders must be distinct non-negative integers starting with 0, got {orders}")
        self.in_channels, self.out_channels, self.kernel_size = in_channels, out_channels, kernel_size
        self.orders = orders
        # a ring of radius 0 carries only order 0 (e^{ikφ} has no value at the centre): those slots stay zero
        basis = torch.zeros(len(orders), len(radii), kernel_size, kernel_size, dtype=torch.complex64)
        for a, k in enumerate(orders):
            for j, r in enumerate(radii):
                if k == 0 or r > 0:
                    basis[a, j] = harmonic_basis(kernel_size, [k], [r], width)[0, 0]
        self.register_buffer("basis", basis)  # (K, J, s, s)
        scale = 1.0 / math.sqrt(in_channels * len(radii))
        self.weight = nn.Parameter(scale * torch.randn(out_channels, in_channels, len(orders), len(radii), 2))
        self.bias0 = nn.Parameter(torch.zeros(out_channels))
        self.mix = nn.Conv2d(out_channels * len(orders), out_channels, 1)

    def filters(self) -> Tensor:
        """The complex filter bank (C_out, C_in, K, s, s) the layer convolves with.

        Explained in Chapter 7, *Steerable filters*.
        """
        w = torch.view_as_complex(self.weight.contiguous())  # (C_out, C_in, K, J)
        w = torch.cat([w[:, :, :1].real.to(w.dtype), w[:, :, 1:]], 2)  # order 0 (first): real weights
        return torch.einsum("oikj,kjxy->oikxy", w, self.basis)

    def responses(self, x: Tensor) -> Tensor:
        """The complex responses (B, C_out, K, H, W) of the input to every output channel's filter of every order.

        Explained in Chapter 7, *Steerable filters*.
        """
        if x.ndim != 4 or x.shape[1] != self.in_channels:
            raise ValueError(f"expected images of shape (B, {self.in_channels}, H, W), got shape {tuple(x.shape)}")
        f = self.filters().permute(0, 2, 1, 3, 4)  # (C_out, K, C_in, s, s)
        f = f.reshape(-1, self.in_channels, self.kernel_size, self.kernel_size)
        w = torch.cat([f.real, f.imag]).to(x.dtype)
        y = F.conv2d(x, w, padding=self.kernel_size // 2)
        re, im = y.chunk(2, dim=1)
        return torch.complex(re, im).view(x.shape[0], self.out_channels, len(self.orders), *x.shape[-2:])

    def forward(self, x: Tensor) -> Tensor:
        z = self.responses(x)
        scalar = torch.relu(z[:, :, 0].real + self.bias0[:, None, None])
        moduli = (z[:, :, 1:].abs() ** 2 + 1e-6).sqrt()  # smooth at 0: |z| has no gradient there
        feats = torch.cat([scalar[:, :, None], moduli], 2).flatten(1, 2)
        return torch.relu(self.mix(feats))


class HarmonicCNN(nn.Module):
    """A rotation-invariant image classifier: two :class:`HarmonicConv` layers, max-pooling over pixels, a linear head.

    Every layer maps scalar fields to scalar fields, so rotating the input rotates the
    feature maps, and the global pool forgets the rotation: the logits are invariant,
    exactly for quarter turns and approximately for other angles.

    Explained in Chapter 7, *Steerable filters*.
    """

    def __init__(self, in_channels: int = 1, hidden: int = 8, n_classes: int = 4, **conv: object) -> None:
        super().__init__()
        self.conv1 = HarmonicConv(in_channels, hidden, **conv)
        self.conv2 = HarmonicConv(hidden, hidden, **conv)
        self.head = nn.Linear(hidden, n_classes)

    def forward(self, x: Tensor) -> Tensor:
        h = self.conv2(self.conv1(x))
        return self.head(h.amax((-2, -1)))


def render_shapes(
    n: int,
    generator: torch.Generator,
    *,
    size: int = 29,
    cell: float = 3.0,
    angles: Tensor | float | None = None,
    shift: float = 2.0,
    noise: float = 0.1,
    supersample: int = 4,
) -> tuple[Tensor, Tensor, Tensor]:
    """``n`` images (n, 1, size, size) of chapter 5's four letter shapes turned by arbitrary angles, labels (n,), angles (n,).

    Each shape is drawn from its cells (``cell`` pixels wide) turned by its angle about its
    centroid, which sits at the image centre plus a random shift of up to ``shift`` pixels;
    every pixel averages ``supersample``² points, so a turned shape is the exact rotation of
    the continuous drawing, not an interpolation of pixels. ``angles`` is None (uniform on
    [0, 2π)), a number (every image) or a tensor of n angles, in radians, counter-clockwise.
    Random brightness in [0.7, 1.3] and Gaussian noise of standard deviation ``noise``.
    Seeded by ``generator`` only.

    Explained in Chapter 7, *Steerable filters*.
    """
    from .equivariant_layers import _SHAPES

    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive integer, got {n!r}")
    labels = torch.randint(len(_SHAPES), (n,), generator=generator)
    if angles is None:
        theta = 2 * math.pi * torch.rand(n, generator=generator, dtype=torch.float64)
    else:
        theta = torch.as_tensor(angles, dtype=torch.float64).expand(n).clone()
    offset = shift * (2 * torch.rand(n, 2, generator=generator, dtype=torch.float64) - 1)
    brightness = 0.7 + 0.6 * torch.rand(n, generator=generator, dtype=torch.float64)
    # sample points: pixel centres plus sub-pixel offsets, in x-right / y-up coordinates about the centre
    c = (size - 1) / 2
    sub = (torch.arange(supersample, dtype=torch.float64) + 0.5) / supersample - 0.5
    coord = torch.arange(size, dtype=torch.float64)
    xs = (coord[None, :, None, None] - c + sub[None, None, None, :]).expand(size, size, supersample, supersample)
    ys = (c - coord[:, None, None, None] - sub[None, None, :, None]).expand(size, size, supersample, supersample)
    images = torch.zeros(n, size, size, dtype=torch.float64)
    for label, rows in enumerate(_SHAPES.values()):
        idx = (labels == label).nonzero().flatten()
        if idx.numel() == 0:
            continue
        filled = torch.tensor([[ch == "X" for ch in row] for row in rows])
        cells = filled.nonzero().to(torch.float64)
        cy, cx = (cells.mean(0) + 0.5) * cell  # centroid in (row, column) pixels of the template
        t = theta[idx][:, None, None, None, None]
        px = xs - offset[idx, 0][:, None, None, None, None]
        py = ys - offset[idx, 1][:, None, None, None, None]
        qx = torch.cos(t) * px + torch.sin(t) * py  # turn the sample points back by −θ
        qy = -torch.sin(t) * px + torch.cos(t) * py
        col = torch.floor((qx + cx) / cell).long()
        row = torch.floor((cy - qy) / cell).long()
        inside = (row >= 0) & (row < filled.shape[0]) & (col >= 0) & (col < filled.shape[1])
        hit = inside & filled[row.clamp(0, filled.shape[0] - 1), col.clamp(0, filled.shape[1] - 1)]
        images[idx] = hit.to(torch.float64).mean((-2, -1))
    images = images * brightness[:, None, None] + noise * torch.randn(n, size, size, generator=generator, dtype=torch.float64)
    return images[:, None].to(torch.float32), labels, theta


# --------------------------------------------------------------------------- the experiment
#: Model names and how each is trained. "upright" models see only unturned shapes.
MODELS = {
    "plain": "a plain CNN (two 5×5 convolutions), trained on upright shapes",
    "plain_augmented": "the same plain CNN, trained on shapes turned by uniformly random angles",
    "c4": "chapter 5's C4-invariant CNN (5×5 filters), trained on upright shapes",
    "harmonic": "the circular-harmonic CNN (orders 0, 1, 2), trained on upright shapes",
}

#: The configuration of :func:`run_experiment` (also what the chapter's live slice uses).
CONFIG = dict(steps=300, batch_size=32, lr=1e-2, size=29, cell=3.0, noise=0.1, test_per_angle=200, angle_step_degrees=15)


def make_model(name: str) -> nn.Module:
    """The model called ``name`` (one of :data:`MODELS`), freshly initialised from the global seed.

    Explained in Chapter 7, *Steerable filters*.
    """
    from .equivariant_layers import C4InvariantCNN, PlainCNN

    if name in ("plain", "plain_augmented"):
        return PlainCNN(hidden=16, kernel_size=5)
    if name == "c4":
        return C4InvariantCNN(hidden=8, kernel_size=5)
    if name == "harmonic":
        return HarmonicCNN(hidden=6, orders=(0, 1, 2))
    raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}")


def train_model(name: str, seed: int, *, steps: int = CONFIG["steps"], batch_size: int = CONFIG["batch_size"],
                lr: float = CONFIG["lr"]) -> nn.Module:
    """Train one model from ``seed`` with Adam and a cosine schedule on freshly drawn shapes; returns it in eval mode.

    Explained in Chapter 7, *Steerable filters*.
    """
    if name not in MODELS:
        raise ValueError(f"unknown model {name!r}; choose from {sorted(MODELS)}")
    torch.manual_seed(seed)
    model = make_model(name)
    gen = torch.Generator().manual_seed(20_000 + seed)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, steps)
    for _ in range(steps):
        x, y, _ = render_shapes(batch_size, gen, angles=None if name == "plain_augmented" else 0.0)
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        sched.step()
    return model.eval()


def _test_sets(degrees: Sequence[float], n: int, *, noise: float = CONFIG["noise"], shift: float = 2.0,
               seed: int = 5) -> list[tuple[Tensor, Tensor]]:
    """The same ``n`` shapes (same labels, shifts, brightness and noise) drawn at every angle of ``degrees``."""
    out = []
    for d in degrees:
        x, y, _ = render_shapes(n, torch.Generator().manual_seed(seed), angles=math.radians(d), noise=noise, shift=shift)
        out.append((x, y))
    return out


@torch.no_grad()
def accuracy_by_angle(model: Callable[[Tensor], Tensor], degrees: Sequence[float], n: int = CONFIG["test_per_angle"]) -> list[float]:
    """Accuracy on the same ``n`` test shapes turned by each angle in ``degrees``.

    Explained in Chapter 7, *Steerable filters*.
    """
    return [float((model(x).argmax(-1) == y).float().mean()) for x, y in _test_sets(degrees, n)]


@torch.no_grad()
def invariance_error(model: Callable[[Tensor], Tensor], degrees: Sequence[float], n: int = 100) -> list[float]:
    """For each angle θ, the mean of |f(x_θ) − f(x)| / |f(x)| over ``n`` noise-free, centred shapes x and their turned drawings x_θ.

    x_θ is drawn turned about the image centre (:func:`render_shapes`), not interpolated, so
    the error is the model's, up to the pixel sampling of the drawing; at multiples of 90°
    x_θ is exactly ``torch.rot90`` of x.

    Explained in Chapter 7, *Steerable filters*.
    """
    sets = _test_sets([0.0, *degrees], n, noise=0.0, shift=0.0)
    base = model(sets[0][0])
    return [float(((model(x) - base).norm(dim=-1) / base.norm(dim=-1)).mean()) for x, _ in sets[1:]]


def radial_profile(x: Tensor, bins: int = 12) -> Tensor:
    """Brightness in unit-width rings about the brightness centroid, (B, 1, H, W) → (B, bins).

    Negative pixels count as 0. A summary of each image that turning it changes only through
    pixel sampling: the features of the no-network floors of chapters 5 and 7.

    Explained in Chapter 7, *Steerable filters*.
    """
    b, _, h, w = x.shape
    img = x[:, 0].double().clamp(min=0)
    yy, xx = torch.meshgrid(torch.arange(h, dtype=img.dtype), torch.arange(w, dtype=img.dtype), indexing="ij")
    mass = img.sum((-2, -1))
    cy = (img * yy).sum((-2, -1)) / mass
    cx = (img * xx).sum((-2, -1)) / mass
    r = torch.hypot(yy - cy[:, None, None], xx - cx[:, None, None])
    ring = r.floor().clamp(max=bins - 1).long()
    return torch.zeros(b, bins, dtype=img.dtype).scatter_add_(1, ring.flatten(1), img.flatten(1))


def radial_profile_accuracy(degrees: Sequence[float], *, n_train: int = 2000, n: int = CONFIG["test_per_angle"]) -> list[float]:
    """A floor that needs no network: nearest class mean of the radial brightness profile, fitted on upright shapes.

    The profile (brightness in unit-width rings about the brightness centroid) is
    rotation-invariant up to pixel sampling, so this rule is nearly as good at every angle.

    Explained in Chapter 7, *Steerable filters*.
    """
    from .equivariant_layers import _SHAPES

    x, y, _ = render_shapes(n_train, torch.Generator().manual_seed(77), angles=0.0)
    feats = radial_profile(x)
    means = torch.stack([feats[y == c].mean(0) for c in range(len(_SHAPES))])
    return [float((torch.cdist(radial_profile(xt), means).argmin(-1) == yt).float().mean()) for xt, yt in _test_sets(degrees, n)]


def run_experiment(seeds: Sequence[int], *, steps: int = CONFIG["steps"], models: Sequence[str] = tuple(MODELS),
                   log: Callable[[str], None] = print) -> dict:
    """Train every model from every seed; accuracy at every 15° and invariance errors per run, parameter counts, floors.

    Explained in Chapter 7, *Steerable filters*.
    """
    from .capstone import mean_interval

    unknown = set(models) - set(MODELS)
    if unknown:
        raise ValueError(f"unknown models {sorted(unknown)}; choose from {sorted(MODELS)}")
    degrees = list(range(0, 360, CONFIG["angle_step_degrees"]))
    runs = []
    for name in models:
        for seed in seeds:
            t0 = time.perf_counter()
            model = train_model(name, seed, steps=steps)
            acc = accuracy_by_angle(model, degrees)
            runs.append(dict(model=name, seed=int(seed), accuracy=acc, mean_accuracy=sum(acc) / len(acc), worst_accuracy=min(acc),
                             invariance_error=invariance_error(model, [45.0, 90.0]),
                             params=sum(p.numel() for p in model.parameters()), seconds=time.perf_counter() - t0))
            r = runs[-1]
            log(f"  {name:<16} seed {seed}: mean accuracy {r['mean_accuracy']:.3f}, worst {r['worst_accuracy']:.3f}, "
                f"invariance error at 45° {r['invariance_error'][0]:.2g} ({r['seconds']:.0f} s)")
    summary = {}
    for name in models:
        rs = [r for r in runs if r["model"] == name]
        summary[name] = dict(
            mean_accuracy=mean_interval([r["mean_accuracy"] for r in rs]),
            worst_accuracy=mean_interval([r["worst_accuracy"] for r in rs]),
            accuracy_at_0=mean_interval([r["accuracy"][0] for r in rs]),
            accuracy_at_45=mean_interval([r["accuracy"][degrees.index(45)] for r in rs]),
            invariance_error_45=mean_interval([r["invariance_error"][0] for r in rs]),
            invariance_error_90=mean_interval([r["invariance_error"][1] for r in rs]),
            params=rs[0]["params"],
            description=MODELS[name],
        )
    radial = radial_profile_accuracy(degrees)
    from .equivariant_layers import _SHAPES

    floors = {"chance": 1 / len(_SHAPES), "radial_profile_mean": sum(radial) / len(radial), "radial_profile_by_angle": radial}
    return dict(config=dict(CONFIG, steps=steps, seeds=list(map(int, seeds)), models=list(models), degrees=degrees),
                runs=runs, summary=summary, floors=floors)


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m grouptools.nn.steerable [--seeds 5] [--steps 300] [--out DIR]``: the recorded run.

    Explained in Chapter 7, *Steerable filters*.
    """
    from .capstone import record_cpu_run

    p = argparse.ArgumentParser(prog="python -m grouptools.nn.steerable", description=__doc__.split("\n\n")[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--steps", type=int, default=CONFIG["steps"])
    p.add_argument("--out", default=None)
    args = p.parse_args(argv)
    record_cpu_run("steerable_cpu.json", lambda: run_experiment(range(args.seeds), steps=args.steps), args.out)
    return 0


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
