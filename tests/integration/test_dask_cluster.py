"""The smoke suite on a real Dask cluster: `dask scheduler` and two `dask worker` processes on
127.0.0.1, driven by `anomalab bench --scheduler ADDRESS`; rows land in the client's store."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.bench.suites import load_suite
from anomalab.cli import app

distributed = pytest.importorskip("distributed", reason="the dist extra (dask.distributed)")

SRC = Path(__file__).resolve().parents[2] / "src"
DASK = Path(sys.executable).parent / "dask"


@pytest.fixture
def cluster(tmp_path, data_root):
    """A scheduler and two single-threaded workers as separate processes on 127.0.0.1."""
    env = dict(os.environ, ANOMALAB_DATA=str(data_root), OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    file = tmp_path / "scheduler.json"
    common = {"env": env, "stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    procs = [
        subprocess.Popen(
            [str(DASK), "scheduler", "--host", "127.0.0.1", "--port", "0"]
            + ["--no-dashboard", "--scheduler-file", str(file)],
            **common,
        )
    ]
    try:
        deadline = time.monotonic() + 60
        while not file.is_file() and time.monotonic() < deadline:
            time.sleep(0.1)
        address = json.loads(file.read_text())["address"]
        for name in ("w1", "w2"):
            procs.append(
                subprocess.Popen(
                    [str(DASK), "worker", address, "--name", name, "--nthreads", "1"]
                    + ["--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
                    **common,
                )
            )
        with distributed.Client(address, timeout="60s") as client:
            client.wait_for_workers(2, timeout=90)
            yield address, client
    finally:
        for proc in procs:  # nothing to keep: a graceful close only costs test time
            proc.kill()
            proc.wait()


def test_smoke_suite_through_dask_scheduler(cluster, tmp_path, data_root, monkeypatch) -> None:
    import anomalab.bench.cells as cells_module
    import anomalab.bench.runner as runner_module

    address, client = cluster
    assert address.startswith("tcp://127.0.0.1:")
    cells = load_suite("smoke", data_root).cells()
    run_here = []  # cells run in this (client) process, by either entry point
    real = cells_module.run_cell
    counted = lambda *a, **k: run_here.append(1) or real(*a, **k)  # noqa: E731
    monkeypatch.setattr(cells_module, "run_cell", counted)
    monkeypatch.setattr(runner_module, "run_cell", counted)
    result = CliRunner().invoke(
        app, ["bench", "--suite", "smoke", "--scheduler", address, "--out", str(tmp_path / "out")]
    )
    assert result.exit_code == 0, result.output
    results = pd.read_csv(tmp_path / "out" / "results.csv")
    assert len(results) == len(cells)
    assert (results.status == "ok").all(), results[results.status != "ok"].error.tolist()

    # every cell ran on the cluster's two workers, none in this (client) process
    def cells_run_on_worker() -> int:  # nested: pickled by value for the workers
        from anomalab.bench.cells import _dataset

        info = _dataset.cache_info()
        return info.hits + info.misses

    per_worker = client.run(cells_run_on_worker)
    assert len(per_worker) == 2 and sum(per_worker.values()) == len(cells)
    assert all(n > 0 for n in per_worker.values()), per_worker
    assert run_here == []
    assert (tmp_path / "out" / "report.html").is_file()
    run = json.loads((tmp_path / "out" / "run.json").read_text())["runs"][-1]
    assert run["execution"] == f"scheduler {address}"
