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


def test_revision_one_is_read_from_the_ranking_a_select_cell_records() -> None:
    """Revision 1's choice is the best mean of the recorded ranking (stored by name, not in rank
    order), scored by that candidate's own cell of the same dataset and seed."""
    import json

    import pandas as pd

    from anomalab.bench.select_labeled import revision_outcomes

    def row(detector: str, seed: int, auc: float, params: dict | None = None) -> dict:
        params = {"detector": detector, **(params or {})}
        return {"dataset": "cardio", "seed": seed, "detector": detector, "status": "ok",
                "auc_roc": auc, "params": json.dumps(params)}  # fmt: skip

    ranking = {"DevNet": 0.40, "IForest": 0.45, "PyOD-ECOD": 0.10}  # revision 1: IForest
    frame = pd.DataFrame(
        [
            row("Select", 0, 0.90, {"selected": ["DevNet"], "ranking": ranking}),
            row("Select", 1, 0.70, {"selected": ["DevNet"]}),  # no ranking: left out
            row("DevNet", 0, 0.90),
            row("IForest", 0, 0.80),
            row("DevNet", 1, 0.70),
        ]
    )
    outcomes = revision_outcomes(frame)
    assert len(outcomes) == 1
    first = outcomes.iloc[0]
    assert (first["revision 1"], first["revision 2"], first["DevNet"]) == (0.80, 0.90, 0.90)
