"""Re-run a sample of archived cells with this code and compare them with their stored rows
(``anomalab results recheck``): a report's numbers come from stored cells, and this shows that the
committed code still makes them.

For every entrant (detector and params) of an archived store, one stored ``ok`` cell is drawn at
random (``seed``; among cells whose stored fit took under ``max_fit`` seconds, to keep the check
short), rebuilt from its row, run again, and compared metric by metric, to the last bit. Rows of
an earlier revision of a recommended preset (which no longer rebuild to their own key) are left
out.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalab.bench.runner import Cell, run_cell

METRICS = ("auc_roc", "auc_pr", "f1")


def cell_of_row(row: pd.Series) -> Cell:
    """The cell a stored (or archived) row came from."""
    params = json.loads(row["params"])
    return Cell(
        detector=params.pop("detector"),
        label=row["detector"],
        dataset=row["dataset"],
        protocol=row["protocol"],
        seed=int(row["seed"]),
        params=params,
        protocol_params=json.loads(row["protocol_params"]),
    )


def sample(rows: pd.DataFrame, seed: int, max_fit: float) -> pd.DataFrame:
    """One stored ok cell per entrant (same params), drawn at random."""
    ok = rows[(rows["status"] == "ok") & (rows["fit_seconds"] < max_fit)]
    rng = np.random.default_rng(seed)
    picks = [g.iloc[rng.integers(len(g))] for _, g in ok.groupby("params", sort=True)]
    return pd.DataFrame(picks)


def current_rows(rows: pd.DataFrame) -> pd.DataFrame:
    """The rows that this code rebuilds to their own key. A row that does not is a cell of an
    earlier revision of a recommended preset (its key records that revision), kept for the
    tables made from it; this code would run another cell, so it is not re-checked."""
    return rows[[cell_of_row(row).key == row["cell_key"] for _, row in rows.iterrows()]]


def same_to_the_bit(a: float | None, b: float | None) -> bool:
    """Equal to the last bit (both missing, or both NaN, count as equal)."""
    if a is None or b is None:
        return a is None and b is None
    return a == b or (a != a and b != b)


def recheck(
    path: Path, seed: int = 0, max_fit: float = 20.0, report: Callable[[dict], Any] | None = None
) -> list[dict[str, Any]]:
    """Re-run the sample of the archived store ``path`` (a CSV of ``anomalab results export``,
    with its parts ``<stem>.2.csv``, ... where the store was written in parts); one dict per
    cell: its stored and fresh metrics and whether they are identical."""
    parts = [path, *sorted(path.parent.glob(f"{path.stem}.*[0-9]{path.suffix}"))]
    rows = pd.concat([pd.read_csv(part) for part in parts], ignore_index=True)
    current = current_rows(rows)
    out = []
    for _, row in sample(current, seed, max_fit).iterrows():
        cell = cell_of_row(row)
        now = run_cell(cell)
        stored = {m: float(row[m]) for m in METRICS}
        fresh = {m: now.get(m) for m in METRICS}
        diffs = [abs(stored[m] - fresh[m]) for m in METRICS if fresh[m] is not None]
        out.append(
            {
                "archive": str(path),
                "entrant": json.loads(row["params"]),
                "dataset": cell.dataset,
                "seed": cell.seed,
                "stored": stored,
                "now": fresh,
                "status": now["status"],
                "identical": now["status"] == "ok"
                and all(same_to_the_bit(stored[m], fresh[m]) for m in METRICS),
                "max_abs_diff": max(diffs, default=None),
            }
        )
        if report is not None:
            report(out[-1])
    return out
