"""A benchmark run as library calls (anomalab.bench.session): suite overrides, one-line setup
errors, and a whole run's counts, files and failures."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from anomalab.bench.session import (
    BenchError,
    BenchRequest,
    BenchSession,
    resolve_suite,
    run_bench,
)
from anomalab.bench.store import STORE_FILE

SUITE = """
description = "session test grid"
protocol = "unsupervised"
seeds = 1
datasets = ["WBC", "vertebral"]
detectors = [
    {name = "IForest", params = {n_estimators = 20}},
    {name = "AutoEncoder", params = {epochs = 1, lr = -1.0}, label = "broken"},
]
protocol_params = {max_rows = 200}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(SUITE)
    return path


def test_overrides_replace_the_suites_values(config, data_root) -> None:
    plain = resolve_suite(BenchRequest(config=config), data_root)
    assert plain.datasets == ["WBC", "vertebral"] and plain.labels == ["IForest", "broken"]
    assert plain.protocol_grid == [{"max_rows": 200}]

    changed = resolve_suite(
        BenchRequest(config=config, datasets=["WBC"], seeds=3, labels=["IForest"]), data_root
    )
    assert changed.datasets == ["WBC"] and changed.seeds == [0, 1, 2]
    assert changed.labels == ["IForest"]
    assert changed.protocol_grid == [{"max_rows": 200}]  # kept: the protocol is the suite's

    other = resolve_suite(BenchRequest(config=config, protocol="semi_supervised"), data_root)
    assert other.protocol == "semi_supervised" and other.protocol_grid == [{}]
    params = resolve_suite(BenchRequest(config=config, protocol_params={"max_rows": 50}), data_root)
    assert params.protocol_grid == [{"max_rows": 50}]
    empty = resolve_suite(BenchRequest(config=config, datasets=[]), data_root)
    assert empty.datasets == plain.datasets  # an empty override list keeps the suite's


@pytest.mark.parametrize(
    "change, message",
    [
        ({"suite": "no-such-suite"}, "unknown suite 'no-such-suite'"),
        ({"labels": ["nobody"]}, "has no entrant labelled ['nobody']"),
        ({"data_root": Path("/no/such/root")}, "no data root found"),
    ],
)
def test_setup_errors_are_one_line_bench_errors(
    change, message, config, tmp_path, data_root
) -> None:
    request = BenchRequest(config=None if "suite" in change else config, out=tmp_path / "o")
    with pytest.raises(BenchError) as info:
        BenchSession.open(replace(request, **change))
    assert message in str(info.value) and "\n" not in str(info.value)


def test_out_that_is_a_file_is_refused(config, data_root) -> None:
    with pytest.raises(BenchError, match="File exists"):
        BenchSession.open(BenchRequest(config=config, out=config))


def test_a_whole_run_and_its_rerun(config, tmp_path, data_root) -> None:
    out = tmp_path / "run"
    seen: list[str] = []
    result = run_bench(
        BenchRequest(config=config, out=out, command="test"),
        on_result=lambda row, summary: seen.append(row["status"]),
    )
    assert (result.summary.total, result.summary.ok, result.summary.failed) == (4, 2, 2)
    assert sorted(seen) == ["failed", "failed", "ok", "ok"]
    assert result.failed == 2 and len(result.results) == 4
    assert result.csv == out / "results.csv" and len(pd.read_csv(result.csv)) == 4
    assert result.report == out / "report.md" and result.report.with_suffix(".html").is_file()
    assert (out / "run.json").is_file()

    again = BenchSession.open(BenchRequest(config=config, out=out, labels=["IForest"]))
    assert again.stored() == 2 and again.store_path == out / STORE_FILE
    summary = again.run()
    assert (summary.skipped, summary.ok) == (2, 0)
    assert again.finish(summary).failed == 0


def test_tracking_names_the_suites_experiment(config, tmp_path, data_root) -> None:
    session = BenchSession.open(BenchRequest(config=config, out=tmp_path, mlflow="file:./ml"))
    assert session.tracking == {"uri": "file:./ml", "experiment": "anomalab-grid"}
    named = BenchRequest(config=config, out=tmp_path, mlflow="x", mlflow_experiment="mine")
    assert BenchSession.open(named).tracking == {"uri": "x", "experiment": "mine"}
    assert BenchSession.open(BenchRequest(config=config, out=tmp_path)).tracking is None
