"""The run's environment: command, versions, machine, execution, recorded in ``OUT/run.json``.

Every ``anomalab bench`` appends one entry to ``run.json`` (a resumed run shows each command that
wrote into the store); the report prints them beside the versions each cell recorded itself.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

RUN_FILE = "run.json"
PACKAGES = (
    "anomalab",
    "numpy",
    "scipy",
    "scikit-learn",
    "pandas",
    "torch",
    "pyod",
    "deepod",
    "dask",
    "distributed",
    "mlflow",
    "mlflow-skinny",
    "matplotlib",
)


def package_version(name: str) -> str | None:
    """The installed version of the distribution ``name`` (None if it is not installed)."""
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    """``git args`` in the package's checkout (None outside one, e.g. an installed wheel)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "-C", str(here), *args], capture_output=True, text=True, timeout=5, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return out.stdout if out.returncode == 0 else None


def _git_commit() -> str | None:
    out = _git("rev-parse", "--short", "HEAD")
    return None if out is None else out.strip() or None


def _git_dirty() -> bool | None:
    """Whether the package's source differs from the commit (cells run with uncommitted code)."""
    top = _git("rev-parse", "--show-toplevel")
    out = None if top is None else _git("-C", top.strip(), "status", "--porcelain", "--", "src")
    return None if out is None else bool(out.strip())


def _cpu_model() -> str | None:
    """The CPU's model name (/proc/cpuinfo on Linux): float results of a chaotic training can
    differ in the last bits between CPUs, whose kernels differ."""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError, AttributeError):
        return None


def environment(**execution: Any) -> dict[str, Any]:
    """A snapshot of where and how a run executes; ``execution`` adds e.g. command, jobs, seeds."""
    import torch

    versions = {name: v for name in PACKAGES if (v := package_version(name)) is not None}
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        **execution,
        "git_commit": _git_commit(),
        "git_dirty": _git_dirty(),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "processor": _cpu_model(),
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "cpu_count": os.cpu_count(),
        "memory_gib": _memory_gib(),
        "torch_threads": torch.get_num_threads(),
        "env": {
            k: os.environ[k]
            for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "ANOMALAB_DATA")
            if k in os.environ
        },
        "versions": versions,
    }


def record_run(out_dir: Path, entry: dict[str, Any]) -> Path:
    """Append one run's environment to ``out_dir/run.json``."""
    from anomalab.bench.atomic import locked, write_text

    path = Path(out_dir) / RUN_FILE
    with locked(path.parent):  # concurrent runs on one folder each append their entry
        runs = read_runs(out_dir)
        runs.append(entry)
        write_text(path, json.dumps({"runs": runs}, indent=2, default=str) + "\n")
    return path


def read_runs(out_dir: Path) -> list[dict[str, Any]]:
    """The entries of ``out_dir/run.json`` (empty when absent or unreadable)."""
    path = Path(out_dir) / RUN_FILE
    try:
        return list(json.loads(path.read_text()).get("runs", []))
    except (OSError, ValueError, AttributeError):
        return []
