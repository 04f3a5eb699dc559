"""Archived result stores: export to CSV and restore, exactly and without overwriting."""

import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.bench.archive import export_stores, read_archive, restore_stores
from anomalab.bench.store import ResultStore
from anomalab.cli import app


def _rows() -> list[dict]:
    ok = {
        "cell_key": "b" * 40,
        "detector": "AnoRand, lr 1e-2 (option)",
        "params": {"detector": "AnoRand", "lr": 0.01},
        "dataset": "cardio",
        "protocol": "supervised",
        "protocol_params": {"test_size": 0.3},
        "seed": 2,
        "auc_roc": 0.1 + 0.2,  # not exactly representable in few digits
        "auc_pr": 1 / 3,
        "f1": 0.0,
        "ks": 0.5,
        "fit_seconds": 12.25,
        "score_seconds": 1e-4,
        "status": "ok",
        "versions": {"torch": "2.13.0+cpu"},
        "finished_at": "2026-12-03T09:00:00+00:00",
    }
    failed = {
        "cell_key": "a" * 40,
        "detector": "PyOD-PCA",
        "params": {"detector": "PyOD-PCA"},
        "dataset": "fault",
        "protocol": "unsupervised",
        "protocol_params": {},
        "seed": 0,
        "status": "failed",
        "error": 'ValueError: NaN scores, "quoted", comma\nsecond line',
        "versions": {"pyod": "3.6.5"},
        "finished_at": "2026-12-03T09:01:00+00:00",
    }
    return [ok, failed]


def _frame(path) -> pd.DataFrame:
    return ResultStore(path).frame().sort_values("cell_key").reset_index(drop=True)


def test_export_then_restore_gives_the_same_rows(tmp_path) -> None:
    runs = tmp_path / "runs"
    store = ResultStore(runs / "suite-a" / "results.sqlite")
    store.add_many(_rows())
    ResultStore(runs / "sgae" / "stage1.sqlite").add(_rows()[0])
    written = export_stores(runs, tmp_path / "archive")
    assert sorted(p.relative_to(tmp_path / "archive").as_posix() for p in written) == [
        "sgae/stage1.csv",
        "suite-a/results.csv",
    ]
    added = restore_stores(tmp_path / "archive", tmp_path / "fresh")
    assert added == {
        tmp_path / "fresh" / "sgae" / "stage1.sqlite": 1,
        tmp_path / "fresh" / "suite-a" / "results.sqlite": 2,
    }
    # same rows, same order (the order cells finished in, not their keys' order)
    before = store.frame()
    after = ResultStore(tmp_path / "fresh/suite-a/results.sqlite").frame()
    pd.testing.assert_frame_equal(before, after, check_exact=True)
    assert list(after["status"]) == ["ok", "failed"]
    assert after.loc[0, "auc_roc"] == 0.1 + 0.2 and pd.isna(after.loc[1, "auc_roc"])
    assert after.loc[1, "error"].endswith("comma\nsecond line")


def test_export_is_byte_stable_and_restore_keeps_the_stores_own_rows(tmp_path) -> None:
    runs = tmp_path / "runs"
    ResultStore(runs / "results.sqlite").add_many(_rows())
    (first,) = export_stores(runs, tmp_path / "one")
    (second,) = export_stores(runs, tmp_path / "two")
    assert first.read_bytes() == second.read_bytes()
    assert first.read_text().startswith("cell_key,detector,")
    mine = ResultStore(tmp_path / "mine" / "results.sqlite")
    mine.add({**_rows()[0], "auc_roc": 0.99})
    assert restore_stores(tmp_path / "one", tmp_path / "mine") == {mine.path: 1}
    assert restore_stores(tmp_path / "one", tmp_path / "mine") == {mine.path: 0}
    frame = _frame(mine.path)
    assert len(frame) == 2 and frame.loc[1, "auc_roc"] == 0.99  # the store's own row won


def test_bad_folders_and_files_are_clear_errors(tmp_path) -> None:
    with pytest.raises(ValueError, match="does not exist"):
        export_stores(tmp_path / "nope", tmp_path / "a")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no result stores"):
        export_stores(tmp_path / "empty", tmp_path / "a")
    with pytest.raises(ValueError, match="no archived stores"):
        restore_stores(tmp_path / "empty", tmp_path / "runs")
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"cell_key": ["x"], "auc_roc": [0.5]}).to_csv(bad, index=False)
    with pytest.raises(ValueError, match="not an archived result store"):
        read_archive(bad)


def test_cli_export_and_restore(tmp_path) -> None:
    runner = CliRunner()
    runs = tmp_path / "runs"
    ResultStore(runs / "x" / "results.sqlite").add_many(_rows())
    archive = str(tmp_path / "cells")
    out = runner.invoke(app, ["results", "export", "--runs", str(runs), "--archive", archive])
    assert out.exit_code == 0, out.output
    assert "results.csv" in out.output
    back = runner.invoke(
        app, ["results", "restore", "--archive", archive, "--runs", str(tmp_path / "new")]
    )
    assert back.exit_code == 0 and "2 cell(s) added" in back.output
    missing = runner.invoke(app, ["results", "export", "--runs", str(tmp_path / "nope")])
    assert missing.exit_code != 0 and "does not exist" in missing.output


def test_a_large_store_is_archived_in_parts_and_restored_whole(tmp_path, monkeypatch) -> None:
    from anomalab.bench import archive as archive_module

    monkeypatch.setattr(archive_module, "ROWS_PER_FILE", 2)
    store = ResultStore(tmp_path / "runs" / "s" / "results.sqlite")
    ok = _rows()[0]
    store.add_many([{**ok, "cell_key": f"{i}" * 40, "seed": i} for i in range(5)])
    written = archive_module.export_stores(tmp_path / "runs", tmp_path / "archive")
    assert sorted(p.name for p in written) == ["results.2.csv", "results.3.csv", "results.csv"]
    added = archive_module.restore_stores(tmp_path / "archive", tmp_path / "fresh")
    assert added == {tmp_path / "fresh" / "s" / "results.sqlite": 5}


def test_export_never_drops_an_archived_cell(tmp_path) -> None:
    """A store that lacks archived cells (a checkout whose runs were made elsewhere) is refused
    before any file is written; after a restore the export keeps every cell."""
    runs, archive = tmp_path / "runs", tmp_path / "archive"
    ResultStore(runs / "a" / "results.sqlite").add_many(_rows())
    export_stores(runs, archive)
    before = (archive / "a" / "results.csv").read_bytes()
    partial = tmp_path / "partial"
    ResultStore(partial / "a" / "results.sqlite").add(_rows()[1])
    ResultStore(partial / "b" / "results.sqlite").add(_rows()[0])
    with pytest.raises(ValueError, match="lacks 1 cell.*run `anomalab results restore` first"):
        export_stores(partial, archive)
    assert (archive / "a" / "results.csv").read_bytes() == before
    assert not (archive / "b").exists()  # nothing written, not even the other store
    restore_stores(archive, partial)
    export_stores(partial, archive)
    assert set(read_archive(archive / "a" / "results.csv")["cell_key"]) == {"a" * 40, "b" * 40}


def test_an_empty_store_is_not_archived(tmp_path) -> None:
    runs, archive = tmp_path / "runs", tmp_path / "archive"
    ResultStore(runs / "ran" / "results.sqlite").add(_rows()[0])
    ResultStore(runs / "not-run" / "results.sqlite")
    written = export_stores(runs, archive)
    assert [p.relative_to(archive).as_posix() for p in written] == ["ran/results.csv"]
    assert not (archive / "not-run").exists()
