"""Benchmark: structure of S5 computed from its Cayley table, next to sympy's times.

Times conjugacy classes, the centre, the commutator subgroup and all subgroups of
S5 with :mod:`grouptools` (on the 120×120 table) and, where sympy has the same
function, with ``sympy.combinatorics``; checks that both give the same answer;
prints a table and writes ``benchmarks/results/structure.json``.

Run from the repository root::

    python benchmarks/bench_structure.py [--repeats 7]

Explained in Chapter 2, *Subgroups, cosets and quotients* (performance note).
"""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # before numpy is imported

import argparse
import json
import platform
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import sympy
from sympy.combinatorics.named_groups import SymmetricGroup

import grouptools as gt
from grouptools.conjugacy import centre, conjugacy_classes
from grouptools.subgroups import all_subgroups, commutator_subgroup, normal_subgroups

RESULTS = Path(__file__).resolve().parent / "results" / "structure.json"


def timed(fn: Callable[[], Any], repeats: int, setup: Callable[[], Any] | None = None) -> tuple[float, float, Any]:
    """(best, median) seconds over ``repeats`` runs of ``fn(setup())``; setup is not timed."""
    times, out = [], None
    for _ in range(repeats):
        arg = setup() if setup else None
        t0 = time.perf_counter()
        out = fn(arg) if setup else fn()
        times.append(time.perf_counter() - t0)
    return min(times), statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    r = args.repeats

    rows: list[dict[str, Any]] = []
    build_best, build_med, G = timed(lambda: gt.symmetric(5), r)
    rows.append({"task": "build S5 table", "grouptools_s": build_best, "grouptools_median_s": build_med,
                 "sympy_s": None, "sympy_median_s": None, "same_answer": None, "answer": "120 elements"})  # fmt: skip

    def perm_set(labels: list[int]) -> frozenset:
        return frozenset(G.permutations.sympy(g) for g in labels)

    fresh = lambda: SymmetricGroup(5)  # noqa: E731 — a new group each time, so nothing is cached

    # conjugacy classes
    ours_best, ours_med, classes = timed(lambda: conjugacy_classes(G), r)
    sym_best, sym_med, sym_classes = timed(lambda P: P.conjugacy_classes(), r, fresh)
    same = {perm_set(c) for c in classes} == {frozenset(c) for c in sym_classes}
    rows.append({"task": "conjugacy classes", "grouptools_s": ours_best, "grouptools_median_s": ours_med,
                 "sympy_s": sym_best, "sympy_median_s": sym_med, "same_answer": same,
                 "answer": f"{len(classes)} classes, sizes {sorted(len(c) for c in classes)}"})  # fmt: skip

    # centre
    ours_best, ours_med, Z = timed(lambda: centre(G), r)
    sym_best, sym_med, sym_Z = timed(lambda P: P.center(), r, fresh)
    same = perm_set(Z) == frozenset(sym_Z.elements)
    rows.append({"task": "centre", "grouptools_s": ours_best, "grouptools_median_s": ours_med,
                 "sympy_s": sym_best, "sympy_median_s": sym_med, "same_answer": same, "answer": f"order {len(Z)}"})  # fmt: skip

    # commutator subgroup
    ours_best, ours_med, D = timed(lambda: commutator_subgroup(G), r)
    sym_best, sym_med, sym_D = timed(lambda P: P.derived_subgroup(), r, fresh)
    same = perm_set(D) == frozenset(sym_D.elements)
    rows.append({"task": "commutator subgroup", "grouptools_s": ours_best, "grouptools_median_s": ours_med,
                 "sympy_s": sym_best, "sympy_median_s": sym_med, "same_answer": same, "answer": f"order {len(D)} (A5)"})  # fmt: skip

    # all subgroups (sympy has no routine for this)
    reps = max(1, r // 2)
    ours_best, ours_med, subs = timed(lambda: all_subgroups(G), reps)
    rows.append({"task": "all subgroups", "grouptools_s": ours_best, "grouptools_median_s": ours_med,
                 "sympy_s": None, "sympy_median_s": None, "same_answer": len(subs) == 156,
                 "answer": f"{len(subs)} subgroups (known: 156)"})  # fmt: skip
    ours_best, ours_med, normal = timed(lambda: normal_subgroups(G), reps)
    rows.append({"task": "normal subgroups", "grouptools_s": ours_best, "grouptools_median_s": ours_med,
                 "sympy_s": None, "sympy_median_s": None, "same_answer": len(normal) == 3,
                 "answer": f"{len(normal)} normal subgroups (known: 3)"})  # fmt: skip

    # print the table
    print(f"S5 structure, best of {r} runs (median in brackets); machine: {platform.processor() or platform.machine()}, "
          f"Python {platform.python_version()}, numpy {np.__version__}, sympy {sympy.__version__}")  # fmt: skip
    header = f"{'task':<22} {'grouptools':>22} {'sympy':>22} {'speed-up':>9} {'same':>5}  answer"
    print(header)
    print("-" * len(header))
    for row in rows:
        ours = f"{row['grouptools_s'] * 1e3:9.3f} ms ({row['grouptools_median_s'] * 1e3:7.3f})"
        if row["sympy_s"] is None:
            theirs, speed = f"{'—':>22}", f"{'—':>9}"
        else:
            theirs = f"{row['sympy_s'] * 1e3:9.3f} ms ({row['sympy_median_s'] * 1e3:7.3f})"
            speed = f"{row['sympy_s'] / row['grouptools_s']:8.1f}×"
        same = "—" if row["same_answer"] is None else ("yes" if row["same_answer"] else "NO")
        print(f"{row['task']:<22} {ours:>22} {theirs:>22} {speed} {same:>5}  {row['answer']}")
    ok = all(row["same_answer"] in (None, True) for row in rows)
    goal = rows[1]["grouptools_s"] <= rows[1]["sympy_s"]
    print(f"\nall answers agree: {ok}; conjugacy classes at least as fast as sympy: {goal}")

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps({
        "benchmark": "bench_structure", "group": "S5", "repeats": r, "rows": rows,
        "python": platform.python_version(), "numpy": np.__version__, "sympy": sympy.__version__,
        "platform": platform.platform(), "cpu_count": os.cpu_count(),
        "OPENBLAS_NUM_THREADS": os.environ.get("OPENBLAS_NUM_THREADS"),
        "all_answers_agree": ok, "conjugacy_classes_at_least_as_fast_as_sympy": goal,
    }, indent=2) + "\n")  # fmt: skip
    print(f"wrote {RESULTS.relative_to(Path.cwd()) if RESULTS.is_relative_to(Path.cwd()) else RESULTS}")
    if not ok:
        sys.exit(1)


if __name__ == "__main__":
    main()
