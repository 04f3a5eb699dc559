"""Two `anomalab bench` runs on one output folder at once: every cell is stored once and whole,
and results.csv, run.json and the report are complete files (never half-written)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pandas as pd

from anomalab.bench.suites import load_suite

SRC = Path(__file__).resolve().parents[2] / "src"
CONFIG = """
description = "concurrent runs on one store"
protocol = "unsupervised"
seeds = 2
datasets = ["WBC", "Pima", "vertebral"]
detectors = [{name = "IForest", params = {n_estimators = 50}}]
"""
METRICS = ["auc_roc", "auc_pr", "f1", "fit_seconds", "score_seconds", "finished_at"]


def test_two_concurrent_runs_leave_whole_unique_cells(tmp_path, data_root) -> None:
    config = tmp_path / "grid.toml"
    config.write_text(CONFIG)
    cells = load_suite(config, data_root).cells()
    out = tmp_path / "out"
    env = dict(os.environ, ANOMALAB_DATA=str(data_root), OMP_NUM_THREADS="1")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    command = [sys.executable, "-m", "anomalab.cli", "bench", "--config", str(config)]
    command += ["--out", str(out), "--threads", "1"]
    runs = [
        subprocess.Popen(
            command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    for run in runs:
        _, stderr = run.communicate(timeout=300)
        assert run.returncode == 0, stderr[-2000:]

    with sqlite3.connect(out / "results.sqlite") as con:
        assert con.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = pd.read_sql_query("SELECT * FROM results", con)
    assert sorted(rows["cell_key"]) == sorted(c.key for c in cells)  # each cell once
    assert (rows["status"] == "ok").all()
    assert rows[METRICS].notna().all().all()

    csv = pd.read_csv(out / "results.csv")
    assert len(csv) == len(cells)
    assert not csv.duplicated(["detector", "dataset", "seed"]).any()
    assert csv[METRICS].notna().all().all()
    assert len(json.loads((out / "run.json").read_text())["runs"]) == 2
    report = (out / "report.md").read_text()
    assert report.startswith("#") and "IForest" in report
