"""Seeding, device choice and run sizes shared by every notebook.

Explained in Chapter 0, *How every notebook starts*.
"""

from __future__ import annotations

import os
import random
from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = [
    "seed_everything",
    "get_device",
    "setup",
    "RunConfig",
    "choose_config",
    "THREAD_VARIABLES",
    "use_one_thread_by_default",
]


def seed_everything(seed: int = 0) -> None:
    """Seed Python's ``random``, numpy and torch (CPU and every CUDA device).

    On a machine without CUDA it also asks torch for deterministic algorithms, which
    costs nothing there (``warn_only=True``, so an operation without a deterministic
    version warns instead of failing). With CUDA it does not: deterministic GPU kernels
    are slower, and a seeded GPU run is reproducible only up to rounding anyway.

    Explained in Chapter 0, *How every notebook starts*.
    """
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be an integer, not {type(seed).__name__}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    import torch

    torch.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)
    else:
        torch.use_deterministic_algorithms(True, warn_only=True)


def get_device(prefer: str | None = None) -> Any:
    """The torch device to use: CUDA when present, else CPU.

    ``prefer="cpu"`` forces the CPU; ``prefer="cuda"`` raises a clear error
    when no CUDA device exists. The environment variable ``GROUPTOOLS_DEVICE``
    overrides the default choice.

    Explained in Chapter 0, *How every notebook starts*.
    """
    import torch

    choice = prefer or os.environ.get("GROUPTOOLS_DEVICE")
    if choice is None:
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if choice not in ("cpu", "cuda") and not choice.startswith("cuda:"):
        raise ValueError(f"device must be 'cpu', 'cuda' or 'cuda:N', not {choice!r}")
    if choice.startswith("cuda") and not torch.cuda.is_available():
        raise RuntimeError(
            f"device {choice!r} was asked for, but torch sees no CUDA device "
            "(in Colab: Runtime → Change runtime type → GPU)"
        )
    return torch.device(choice)


def device_name(device: Any) -> str:
    """A human-readable name: the GPU's model, or ``"CPU"``."""
    import torch

    if getattr(device, "type", str(device)) == "cuda":
        return torch.cuda.get_device_name(device)
    return "CPU"


def setup(seed: int = 0, device: str | None = None, verbose: bool = True) -> Any:
    """Seed everything and pick the device; the third cell of every notebook.

    Returns the torch device. Prints one line such as ``seed 0 · device cpu (CPU)``.

    Explained in Chapter 0, *How every notebook starts*.
    """
    seed_everything(seed)
    dev = get_device(device)
    if verbose:
        print(f"seed {seed} · device {dev} ({device_name(dev)})")
    return dev


@dataclass(frozen=True)
class RunConfig:
    """A named set of sizes for one experiment (``full`` on a GPU, ``small`` on a CPU).

    Explained in Chapter 0, *Sizes chosen automatically*.
    """

    name: str
    values: dict

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def __getattr__(self, key: str) -> Any:
        try:
            return self.values[key]
        except KeyError:
            raise AttributeError(key) from None


def choose_config(full: dict, small: dict, device: Any, verbose: bool = True) -> RunConfig:
    """Pick ``full`` on a CUDA device and ``small`` otherwise, and say which.

    ``small`` must have the same keys as ``full``. Setting the environment
    variable ``GROUPTOOLS_SIZE`` to ``full`` or ``small`` overrides the choice.

    Explained in Chapter 0, *Sizes chosen automatically*.
    """
    if set(full) != set(small):
        raise ValueError(f"full and small configurations need the same keys; differ in {sorted(set(full) ^ set(small))}")
    forced = os.environ.get("GROUPTOOLS_SIZE")
    if forced not in (None, "full", "small"):
        raise ValueError(f"GROUPTOOLS_SIZE must be 'full' or 'small', not {forced!r}")
    is_cuda = getattr(device, "type", str(device)).startswith("cuda")
    name = forced or ("full" if is_cuda else "small")
    cfg = RunConfig(name, dict(full if name == "full" else small))
    if verbose:
        print(f"running the {name} configuration: {cfg.values}")
    return cfg


#: The thread-count variables of OpenMP and the BLAS libraries that numpy and torch use.
THREAD_VARIABLES = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")


def use_one_thread_by_default() -> None:
    """Set every :data:`THREAD_VARIABLES` entry that is not set yet to 1, for this process and its kernels.

    The notebooks' CPU configurations are small: one thread runs them faster than several,
    and much faster than several competing with another kernel (the test suite runs two).
    A value already in the environment wins. Called by the test suite's ``conftest.py`` and
    by :func:`grouptools.notebooks.execute`.

    Explained in Chapter 0, *Running the course*.
    """
    for name in THREAD_VARIABLES:
        os.environ.setdefault(name, "1")
