"""Benchmark: character tables and irreps (Chapter 6), on one core.

Goals (issue 4): character table plus all irreps of S5 in at most 0.3 s; every
group of order at most 128 that the constructors build in at most 2 s each.

Run ``python benchmarks/bench_characters.py``; it prints the figures and writes
``benchmarks/results/characters.json``. BLAS is limited to one thread (the
environment variables are set before numpy is imported), and the caches are
cleared before every measurement, so each time includes the conjugacy classes,
the class algebra, the eigen-split, the irreps and their validation.
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
    os.environ[_var] = "1"

import json  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

import grouptools as gt  # noqa: E402
from grouptools.characters import character_table, clear_cache  # noqa: E402
from grouptools.irreps import irreps  # noqa: E402

S5_GOAL_S = 0.3
EACH_GOAL_S = 2.0


def groups_up_to(limit: int = 128) -> list[gt.FiniteGroup]:
    """Every group of order ≤ ``limit`` that the constructors build directly or as (iterated) products."""
    out: dict[str, gt.FiniteGroup] = {}

    def add(G: gt.FiniteGroup) -> None:
        if G.order <= limit:
            out.setdefault(G.name, G)

    for n in range(1, limit + 1):
        add(gt.cyclic(n))
    for n in range(1, limit // 2 + 1):
        add(gt.dihedral(n))
    for n in range(1, 6):
        add(gt.symmetric(n))
        add(gt.alternating(n))
    add(gt.quaternion())
    add(gt.klein_four())
    base = [
        gt.cyclic(2), gt.cyclic(3), gt.cyclic(4), gt.cyclic(5), gt.cyclic(8), gt.klein_four(), gt.quaternion(),
        gt.dihedral(3), gt.dihedral(4), gt.dihedral(5), gt.dihedral(8), gt.dihedral(16),
        gt.alternating(4), gt.symmetric(4), gt.alternating(5),
    ]  # fmt: skip
    for A in base:
        for B in base:
            add(gt.direct_product(A, B))
    level = [G for G in out.values() if G.order <= limit // 2 and "×" in G.name]
    for A in level:
        for B in (gt.cyclic(2), gt.cyclic(3), gt.quaternion(), gt.dihedral(4)):
            add(gt.direct_product(A, B))
    Z2 = gt.cyclic(2)
    G = Z2
    for _ in range(6):
        G = gt.direct_product(G, Z2)
        add(G)
    return sorted(out.values(), key=lambda g: (g.order, g.name))


def time_group(G: gt.FiniteGroup, repeats: int = 1) -> float:
    best = float("inf")
    for _ in range(repeats):
        clear_cache()
        t0 = time.perf_counter()
        character_table(G)
        irreps(G)
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    # warm up imports and numpy's lazily loaded modules
    time_group(gt.symmetric(3))
    S5 = gt.symmetric(5)
    s5_runs = []
    for _ in range(5):
        s5_runs.append(time_group(S5))
    s5 = float(np.median(s5_runs))
    print(f"S5 (order 120): character table + all irreps: median {s5 * 1000:.1f} ms "
          f"(min {min(s5_runs) * 1000:.1f} ms over {len(s5_runs)} runs; goal ≤ {S5_GOAL_S * 1000:.0f} ms) "
          f"-> {'met' if s5 <= S5_GOAL_S else 'NOT met'}")

    results = []
    for G in groups_up_to(128):
        dt = time_group(G)
        t = character_table(G)
        results.append({"group": G.name, "order": G.order, "classes": t.num_classes, "seconds": dt})
    results.sort(key=lambda r: -r["seconds"])
    worst = results[0]
    print(f"{len(results)} groups of order ≤ 128: max {worst['seconds'] * 1000:.1f} ms ({worst['group']}, "
          f"order {worst['order']}), total {sum(r['seconds'] for r in results):.2f} s; goal ≤ {EACH_GOAL_S:.0f} s "
          f"each -> {'met' if worst['seconds'] <= EACH_GOAL_S else 'NOT met'}")
    print("slowest ten:")
    for r in results[:10]:
        print(f"  {r['group']:>16}  order {r['order']:>3}  {r['classes']:>3} classes  {r['seconds'] * 1000:8.1f} ms")

    out = {
        "python": sys.version.split()[0],
        "numpy": np.__version__,
        "machine": platform.machine(),
        "processor": platform.processor() or platform.platform(),
        "blas_threads": 1,
        "s5_seconds_median": s5,
        "s5_seconds_runs": s5_runs,
        "s5_goal_seconds": S5_GOAL_S,
        "max_seconds": worst["seconds"],
        "max_group": worst["group"],
        "each_goal_seconds": EACH_GOAL_S,
        "groups": results,
    }
    path = Path(__file__).resolve().parent / "results" / "characters.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path}")


if __name__ == "__main__":
    main()
