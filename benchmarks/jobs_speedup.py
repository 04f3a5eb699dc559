"""`anomalab bench --jobs 2` against `--jobs 1` on the smoke suite: wall-clock time and the ratio.

Two measurements per setting, alternating the settings so that a change in machine load hits both:
- ``command``: the whole CLI command as a user runs it (start-up, cells, report), fresh output
  folder each time;
- ``cells``: ``run_cells`` alone in this process (the part ``--jobs`` parallelises), after one
  untimed warm-up run (imports, JIT caches) and with the dataset cache cleared before each run.

Usage: ``python benchmarks/jobs_speedup.py [--suite smoke] [--repeats 3] [--jobs 1 2] [--seeds N]``
(``make bench-speedup``). Prints one line per run and the median ratios; ``--json FILE`` also writes
the raw timings.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from anomalab.bench.cells import _dataset
from anomalab.bench.runner import run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.suites import load_suite
from anomalab.data import resolve_data_root

SEEDS: list[str] = []  # ["--seeds", "N"] when --seeds is given


def _cells(suite: str, root: Path) -> list:
    chosen = load_suite(suite, root)
    if SEEDS:
        chosen.seeds = list(range(int(SEEDS[1])))
    return chosen.cells()


def time_command(suite: str, jobs: int, out: Path) -> float:
    command = [sys.executable, "-m", "anomalab.cli", "bench", "--suite", suite, *SEEDS]
    command += ["--out", str(out), "--jobs", str(jobs)]
    start = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    return time.perf_counter() - start


def time_cells(suite: str, jobs: int, out: Path) -> float:
    root = resolve_data_root(None)
    cells = _cells(suite, root)
    store = ResultStore(out / "results.sqlite")
    _dataset.cache_clear()  # forked workers would inherit loaded datasets: each run loads its own
    start = time.perf_counter()
    summary = run_cells(cells, store, data_root=root, jobs=jobs)
    elapsed = time.perf_counter() - start
    if summary.failed:
        raise RuntimeError(f"{summary.failed} cells failed with --jobs {jobs}")
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--suite", default="smoke")
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--jobs", type=int, nargs=2, default=[1, 2])
    parser.add_argument("--seeds", type=int, default=None, help="override the suite's seeds")
    parser.add_argument("--json", type=Path, default=None)
    args = parser.parse_args()
    if args.seeds is not None:
        SEEDS.extend(["--seeds", str(args.seeds)])
    base, other = args.jobs
    print(
        f"suite {args.suite}: {len(_cells(args.suite, resolve_data_root(None)))} cells; "
        f"cpu_count {os.cpu_count()}; OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset')}"
    )
    times: dict[str, dict[int, list[float]]] = {"command": {base: [], other: []}}
    times["cells"] = {base: [], other: []}
    with tempfile.TemporaryDirectory() as tmp:
        time_cells(args.suite, 1, Path(tmp) / "warm-up")  # imports and JIT caches, not timed
        for repeat in range(args.repeats):
            for jobs in (base, other) if repeat % 2 == 0 else (other, base):
                for kind, fn in (("command", time_command), ("cells", time_cells)):
                    seconds = fn(args.suite, jobs, Path(tmp) / f"{kind}-{jobs}-{repeat}")
                    times[kind][jobs].append(seconds)
                    print(
                        f"repeat {repeat}  {kind:7s}  --jobs {jobs}: {seconds:7.2f} s", flush=True
                    )
    for kind in ("command", "cells"):
        a, b = (statistics.median(times[kind][j]) for j in (base, other))
        print(
            f"{kind:7s}: median --jobs {base} {a:.2f} s, --jobs {other} {b:.2f} s; "
            f"ratio (jobs {base} / jobs {other}) = {a / b:.2f}"
        )
    if args.json:
        args.json.write_text(json.dumps(times, indent=2))


if __name__ == "__main__":
    main()
