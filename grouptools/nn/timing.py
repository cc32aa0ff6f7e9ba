"""Wall-clock timing of PyTorch code that is honest on a GPU (synchronise before reading the clock).

Shared by ``benchmarks/bench_sequence_layers.py``, ``benchmarks/bench_capstone.py`` and
the capstone chapter.

Explained in Chapter 10, *Throughput and scaling with length*.
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable

import torch

__all__ = ["sync", "timings", "timeit"]


def sync(device: Any) -> None:
    """Wait for all queued CUDA work on ``device`` (no-op on the CPU).

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    device = torch.device(device)
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def timings(fn: Callable[[], Any], device: Any, repeats: int, warmup: int = 1, budget_s: float = 20.0) -> list[float]:
    """Wall times of ``fn()`` in seconds: ``warmup`` untimed calls, then up to ``repeats`` timed ones.

    Stops early once ``budget_s`` seconds are spent and at least two calls are timed.

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or repeats < 1:
        raise ValueError(f"repeats must be a positive integer, got {repeats!r}")
    for _ in range(warmup):
        fn()
    sync(device)
    times: list[float] = []
    start = time.perf_counter()
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        sync(device)
        times.append(time.perf_counter() - t0)
        if time.perf_counter() - start > budget_s and len(times) >= 2:
            break
    return times


def timeit(fn: Callable[[], Any], device: Any, repeats: int, warmup: int = 1, budget_s: float = 20.0) -> float:
    """Median wall time of ``fn()`` in seconds (see :func:`timings`).

    Explained in Chapter 10, *Throughput and scaling with length*.
    """
    return statistics.median(timings(fn, device, repeats, warmup, budget_s))
