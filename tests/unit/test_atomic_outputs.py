"""Files shared by concurrent runs on one output folder: run.json keeps every run's entry, and
a reader of results.csv never sees a half-written file."""

from __future__ import annotations

import multiprocessing
from pathlib import Path

import pandas as pd

from anomalab.bench.environment import read_runs, record_run
from anomalab.bench.store import ResultStore


def _append(folder: str, who: int, times: int) -> None:
    for i in range(times):
        record_run(Path(folder), {"who": who, "i": i, "pad": "x" * 2000})


def test_concurrent_record_run_keeps_every_entry(tmp_path) -> None:
    context = multiprocessing.get_context("fork")
    workers = [context.Process(target=_append, args=(str(tmp_path), w, 40)) for w in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(60)
        assert w.exitcode == 0
    runs = read_runs(tmp_path)
    assert sorted((r["who"], r["i"]) for r in runs) == [(w, i) for w in range(3) for i in range(40)]
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]  # no temporary or lock files


def _export(store: str, csv: str, times: int) -> None:
    for _ in range(times):
        ResultStore(store).export_csv(csv)


def test_results_csv_is_never_half_written(tmp_path) -> None:
    store = ResultStore(tmp_path / "results.sqlite")
    rows = [
        {"cell_key": f"k{i}", "detector": "X", "dataset": "d", "seed": i, "status": "ok"}
        for i in range(3000)
    ]
    store.add_many(rows)
    csv = tmp_path / "results.csv"
    store.export_csv(csv)
    writer = multiprocessing.get_context("fork").Process(
        target=_export, args=(str(store.path), str(csv), 30)
    )
    writer.start()
    lengths = set()
    while writer.is_alive():
        lengths.add(len(pd.read_csv(csv)))
    writer.join()
    assert writer.exitcode == 0
    assert lengths == {3000}


def test_atomic_write_gives_the_mode_a_plain_write_would(tmp_path) -> None:
    """A new file gets 0666 less the umask (not mkstemp's 0600); an existing file keeps its
    mode."""
    import os

    from anomalab.bench import atomic

    plain = tmp_path / "plain.txt"
    plain.write_text("x")
    new = tmp_path / "new.txt"
    atomic.write_text(new, "x")
    assert new.stat().st_mode & 0o777 == plain.stat().st_mode & 0o777
    os.chmod(new, 0o640)
    atomic.write_text(new, "y")
    assert new.stat().st_mode & 0o777 == 0o640
