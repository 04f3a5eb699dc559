"""The evidence shipped with the package is what `anomalab selection evidence` builds from the
committed archive (so it is never edited by hand, and a stale copy fails here)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from anomalab.bench.archive import restore_stores
from anomalab.bench.evidence import DEFAULT_STORES, build_evidence, default_entrant_rows
from anomalab.selection.evidence import DATASETS_FILE, RESULTS_FILE

REPO = Path(__file__).resolve().parents[2]
ARCHIVE = REPO / "docs" / "results" / "cells"
SHIPPED = REPO / "src" / "anomalab" / "selection" / "evidence"


def test_shipped_evidence_is_rebuilt_from_the_archive(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    for store in DEFAULT_STORES:
        restore_stores(ARCHIVE / store, runs / store)
    written = build_evidence(runs, tmp_path / "evidence")
    for path, name in zip(written, (DATASETS_FILE, RESULTS_FILE), strict=True):
        assert path.read_text() == (SHIPPED / name).read_text(), (
            f"{name} is stale: run `anomalab selection evidence` after `anomalab results restore`"
        )


def test_only_default_entrants_count_as_evidence() -> None:
    frame = pd.DataFrame(
        {
            "detector": ["SGAE", "SGAE (paper)", "IForest", "IForest", "LOF"],
            "params": [
                '{"detector": "SGAE"}',
                '{"detector": "SGAE", "preset": "paper"}',
                '{"detector": "IForest"}',
                '{"detector": "IForest"}',
                '{"detector": "LOF"}',
            ],
            "dataset": ["cardio", "cardio", "cardio", "wine", "cardio"],
            "status": ["ok", "ok", "ok", "ok", "failed"],
        }
    )
    kept = default_entrant_rows(frame, ["cardio"])
    assert list(kept["detector"]) == ["SGAE", "IForest"]


def test_cells_outside_the_suite_do_not_count(tmp_path: Path) -> None:
    """A store also holds cells of a detector's earlier (or later) recommended revision, with the
    same params but another key: only the suite's own cells count."""
    from anomalab.bench.store import STORE_FILE, ResultStore

    runs = tmp_path / "runs"
    for store in DEFAULT_STORES:
        restore_stores(ARCHIVE / store, runs / store)
    unsupervised = ResultStore(runs / "recommended" / "unsupervised" / STORE_FILE)
    row = unsupervised.frame().query("detector == 'DAGMM' and dataset == 'cardio'").iloc[0]
    stray = {**row.to_dict(), "cell_key": "0" * 40, "auc_roc": 0.0, "auc_pr": 0.0}
    unsupervised.add(stray)
    written = build_evidence(runs, tmp_path / "evidence")
    assert written[1].read_text() == (SHIPPED / RESULTS_FILE).read_text()
