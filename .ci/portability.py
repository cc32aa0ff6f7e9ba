"""CI, after the README's test command: the committed outputs do not depend on the machine.

The README's test command has just run everything once, in random order, on this CPU's
default OpenBLAS kernel path with one BLAS thread. This script runs the tests and the
notebooks whose outputs come from NumPy's linear algebra again under other kernel paths:

* every path in ``REQUIRED`` (SkylakeX, Haswell, Sandybridge) that is not the default and
  that this CPU can execute. A path the CPU cannot run (SkylakeX needs AVX-512; OpenBLAS
  would die of an illegal instruction) is reported as skipped and replaced by a path that
  runs everywhere (Prescott, then Nehalem), so that three different kernel paths always run;
* the first extra pass with two BLAS threads, the second with one;
* in the second pass, each test file in a pytest process of its own (no test may depend
  on another file having filled a cache or set a seed); notebooks always run alone, each
  in a fresh kernel.

Each pass runs in a new random order (pytest-randomly prints its seed). Left out of the
extra passes: the capstone (chapter 10, trained with torch, whose kernels OpenBLAS does not
affect), the learner notebooks (the solutions' code without its answers) and the browser
test (the built HTML does not change).

Usage: ``.venv/bin/python .ci/portability.py`` from the repository root; exit status 1 if
any pass fails.
"""

from __future__ import annotations

import os
import platform
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
REQUIRED = ["SkylakeX", "Haswell", "Sandybridge"]
SUBSTITUTES = ["Prescott", "Nehalem"]
#: /proc/cpuinfo flags each kernel path executes (pni is SSE3)
NEEDS = {
    "SkylakeX": {"avx512f", "avx512dq", "avx512bw", "avx512vl", "avx2", "fma"},
    "Haswell": {"avx2", "fma"},
    "Sandybridge": {"avx"},
    "Nehalem": {"sse4_2"},
    "Prescott": {"pni"},
}
LEFT_OUT = {"chapters/10_capstone.ipynb", "tests/test_book_browser.py"}


def cpu_flags() -> set[str]:
    try:
        text = Path("/proc/cpuinfo").read_text()
    except OSError:
        return set()
    line = next((l for l in text.splitlines() if l.startswith("flags")), "")
    return set(line.split(":", 1)[-1].split())


def default_core() -> str:
    """The kernel path OpenBLAS picks on this CPU ("Core: Haswell" with OPENBLAS_VERBOSE=2)."""
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_CORETYPE"} | {"OPENBLAS_VERBOSE": "2"}
    out = subprocess.run([PYTHON, "-c", "import numpy"], env=env, capture_output=True, text=True)
    found = re.search(r"Core: (\w+)", out.stdout + out.stderr)
    return found.group(1) if found else "unknown"


def plan() -> list[str]:
    flags, default = cpu_flags(), default_core()
    print(f"OpenBLAS's default kernel path here: {default} (already tested by the README's command)")
    cores: list[str] = []
    for core in REQUIRED:
        if core == default:
            continue
        if NEEDS[core] <= flags:
            cores.append(core)
        else:
            print(f"SKIPPED {core}: this CPU lacks {' '.join(sorted(NEEDS[core] - flags))} "
                  f"(OpenBLAS would stop with an illegal instruction); a CPU that has it runs it")
    for core in SUBSTITUTES:
        if len(cores) >= len(REQUIRED) - 1:
            break
        if core != default and core not in cores and NEEDS[core] <= flags:
            print(f"in its place: {core}")
            cores.append(core)
    return cores


def numerical_notebooks() -> list[str]:
    found = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "chapters").glob("*.ipynb"))
    found += sorted(str(p.relative_to(ROOT)) for p in (ROOT / "exercises" / "solutions").glob("*.ipynb"))
    return [p for p in found if p not in LEFT_OUT]


def test_files() -> list[str]:
    return [str(p.relative_to(ROOT)) for p in sorted((ROOT / "tests").glob("test_*.py"))
            if str(p.relative_to(ROOT)) not in LEFT_OUT]


def pytest(args: list[str], env: dict[str, str], log: Path, plain: bool = False) -> subprocess.Popen:
    """Start pytest with output to ``log``; ``plain=True`` drops the project's addopts (no nbval)."""
    options = ["-o", "addopts=", "-p", "no:nbval"] if plain else []
    with log.open("w") as out:
        return subprocess.Popen([PYTHON, "-m", "pytest", "-q", "--no-header", "-p", "no:cacheprovider", *options, *args],
                                cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, text=True)


def summary(output: str) -> str:
    lines = [l for l in output.splitlines() if re.search(r"\b(passed|failed|error|errors)\b", l)]
    return lines[-1] if lines else output[-500:]


def run_pass(core: str, threads: int, files_alone: bool, logs: Path) -> bool:
    """One pass under one kernel path.

    Either every test file and notebook in one pytest run on two workers, or the notebooks
    in one run and then each test file in a pytest process of its own, two at a time.
    """
    env = dict(os.environ, OPENBLAS_CORETYPE=core, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads))
    label = f"{core}, {threads} BLAS thread(s)"
    start = time.monotonic()
    together = numerical_notebooks() if files_alone else test_files() + numerical_notebooks()
    jobs = [("together", ["-n", "2", "--dist", "loadfile", *together], False)]
    if files_alone:
        jobs += [(name, [name], True) for name in test_files()]
    failed, running = [], []
    while jobs or running:  # at most two pytest processes at a time, one per core
        while jobs and (not running or (len(running) < 2 and running[0][0] != "together")):
            name, args, plain = jobs.pop(0)
            log = logs / f"{core}-{Path(name).stem}.log"
            running.append((name, pytest(args, env, log, plain), log))
        time.sleep(0.1)
        for job in list(running):
            name, proc, log = job
            if proc.poll() is None:
                continue
            running.remove(job)
            out = log.read_text()
            if name == "together":
                print(f"  {label}, {len(together)} files on two workers: {summary(out)}")
            if proc.returncode != 0:
                failed.append(name)
                print(f"  FAILED{' when run alone' if name != 'together' else ''}: {name}\n{out[-6000:]}")
    if files_alone:
        print(f"  {label}: each of {len(test_files())} test files alone, in its own process")
    verdict = "passed" if not failed else f"FAILED ({', '.join(failed)})"
    print(f"{label}: {verdict} in {time.monotonic() - start:.0f} s")
    return not failed


def main() -> int:
    if platform.machine() not in ("x86_64", "AMD64"):
        print(f"portability passes skipped: OpenBLAS kernel paths are named for x86-64, this is {platform.machine()}")
        return 0
    cores = plan()
    with tempfile.TemporaryDirectory() as tmp:
        results = [run_pass(core, 2 if i == 0 else 1, i == 1, Path(tmp)) for i, core in enumerate(cores)]
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
