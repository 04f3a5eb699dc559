"""The report's explanation figure: why the leaderboard winner flags its top-scored test rows.

The report is rendered from stored cells, which keep metrics but no models, so the figure refits
one cell: the group's best entrant by mean AUC-ROC, on the group's first tabular dataset (by
name), seed 0, under the group's protocol. It shows the five highest-scored test rows and, for
each, the five features that contribute most to its score (``detector.explain``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pandas as pd

from anomalab.bench import figures
from anomalab.bench.cells import Cell, cell_data, make_entrant
from anomalab.bench.document import Figure, Section
from anomalab.bench.leaderboard import leaderboard


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def _winner_cell(rows: pd.DataFrame, protocol: str, params: dict[str, Any]) -> Cell:
    ok = rows[rows["status"] == "ok"]
    winner = str(leaderboard(ok).index[0])
    cell = ok[ok["detector"] == winner].sort_values(["dataset", "seed"]).iloc[0]
    entrant = cell["params"] if isinstance(cell["params"], dict) else json.loads(cell["params"])
    entrant = dict(entrant)
    return Cell(
        detector=entrant.pop("detector"),
        dataset=str(cell["dataset"]),
        protocol=protocol,
        seed=0,
        params=entrant,
        protocol_params=dict(params),
        label=winner,
    )


def explanation_section(
    label: str, rows: pd.DataFrame, protocol: str, params: dict[str, Any], data_root: Any
) -> Section:
    """The figure's section (its text says why when it cannot be drawn)."""
    section = Section("Why the top-scored test rows are flagged", level=3)
    try:
        cell = _winner_cell(rows, protocol, params)
        dataset, task = cell_data(cell, data_root)
        if dataset.X.ndim != 2:
            section.text("Not drawn: the winner's first dataset is not a table.")
            return section
        detector = make_entrant(cell.detector, cell.params, cell.seed)
        detector.fit(task.X_train, task.y_train)
        png = figures.explanation_figure(detector, task.X_test, dataset.feature_names)
    except Exception as exc:  # the report still renders without its figure
        section.text(f"Not drawn: {type(exc).__name__}: {exc}".splitlines()[0][:300])
        return section
    section.text(
        f"{cell.name}, the best mean AUC-ROC of this group, refitted on {cell.dataset} (seed 0; "
        "the stored cells keep no models): its five highest-scored test rows and the five "
        f"features that push each row's score up most ({detector.explain_method_})."
    )
    section.figure(
        Figure(f"explain-{_slug(label)}", f"Top features of {cell.name}'s top rows", png, True)
    )
    return section
