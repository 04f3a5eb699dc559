"""docs/results/select.md re-renders byte for byte from the archived cells (no cell is run)."""

from __future__ import annotations

import shutil
from pathlib import Path

from anomalab.bench.archive import restore_stores
from anomalab.bench.select_evaluation import BUDGET_FILE, evaluate_selection

REPO = Path(__file__).resolve().parents[2]
RESULTS = REPO / "docs" / "results"


def test_select_report_rerenders_from_the_archive(tmp_path: Path) -> None:
    runs = tmp_path / "runs"
    restore_stores(RESULTS / "cells" / "select", runs / "select")
    out = tmp_path / "docs" / "select.md"
    out.parent.mkdir(parents=True)
    if (RESULTS / BUDGET_FILE).is_file():
        shutil.copy(RESULTS / BUDGET_FILE, out.parent / BUDGET_FILE)
    evaluate_selection(runs, out, run=False)
    assert out.read_text() == (RESULTS / "select.md").read_text()
    assert out.with_suffix(".html").read_text() == (RESULTS / "select.html").read_text()
