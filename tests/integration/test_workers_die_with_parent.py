"""A SIGKILL of `anomalab bench --jobs 2` takes its worker processes with it (issue 25, B.2)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SRC = Path(__file__).resolve().parents[2] / "src"
# two cells that keep both workers busy far longer than the test waits
CONFIG = """
description = "two long cells"
protocol = "unsupervised"
seeds = 2
datasets = ["WBC"]
detectors = [{name = "AutoEncoder", params = {epochs = 100000, hidden_dims = [8], latent_dim = 2}}]
"""


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_bytes()
            except OSError:
                continue
            if int(stat.rsplit(b")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def test_sigkill_of_bench_ends_its_workers(tmp_path, data_root, running) -> None:
    config = tmp_path / "long.toml"
    config.write_text(CONFIG)
    env = dict(os.environ, ANOMALAB_DATA=str(data_root), OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "anomalab.cli", "bench", "--config", str(config)]
    command += ["--out", str(tmp_path / "out"), "--jobs", "2", "--threads", "1"]
    process = subprocess.Popen(
        command,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    workers: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(workers) < 2 and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
            workers = [p for p in _children(process.pid) if running(p)]
        assert len(workers) >= 2, "the run never started its two workers"
        time.sleep(1.0)  # the workers' initializer has run
        process.kill()
        process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(running(p) for p in workers) and time.monotonic() < deadline:
            time.sleep(0.2)
        left = [p for p in workers if running(p)]
        assert not left, f"workers {left} outlived the killed parent"
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        for pid in workers:  # only the processes this test started
            if running(pid):
                os.kill(pid, signal.SIGKILL)
