"""Tables whose rows a spec lists: methods (a paper's published rows and our entrants) by dataset
(``{ table = "method_rows" }``), each listed entrant's value per seed (``per_seed``), and the
benchmark leaderboard of a part (``leaderboard``: mean AUC-ROC / AUC-PR, average rank by AUC-ROC,
cells, fit seconds) and how often one entrant is best there (``wins``)."""

from __future__ import annotations

from typing import Any

import pandas as pd

from anomalab.bench.document import Section
from anomalab.bench.leaderboard import leaderboard as board_of
from anomalab.reproductions.context import LABELS, Context, finished_of
from anomalab.reproductions.image_tables import mean_std
from anomalab.targets import published


def paper_cell(paper: str, table: str, entrant: str, dataset: str, metric: str, digits: int) -> str:
    """The paper's ``value ± std`` of ``entrant`` on ``dataset`` in ``table``, else ``-``."""
    rows = published(paper, table, dataset=dataset, entrant=entrant, metric=metric)
    if rows.empty:
        return "-"
    value, std = rows.iloc[0][["value", "std"]]
    return f"{value:.{digits}f}" + ("" if pd.isna(std) else f" ± {std:.{digits}f}")


def method_frame(
    ctx: Context, ok: pd.DataFrame, datasets: list[str], rows: list[list[Any]], metric: str,
    paper_table: str | None = None, labels: dict[str, str] | None = None,
    scale: float = 100.0, digits: int = 1,
) -> pd.DataFrame:  # fmt: skip
    """One row per ``[label, source]``, one column per dataset: ``source`` ``"paper:<entrant>"``
    is the paper's published row in ``paper_table``; an entrant's name, or a table dataset ->
    entrant, is ours as mean ± std over seeds times ``scale``."""
    table = []
    for label, source in rows:
        if isinstance(source, str) and source.startswith("paper:"):
            name = source.removeprefix("paper:")
            cells = [
                paper_cell(ctx.spec.paper, str(paper_table), name, d, metric, digits)
                for d in datasets
            ]
        else:
            names = source if isinstance(source, dict) else dict.fromkeys(datasets, source)
            cells = [
                mean_std(
                    ok.loc[(ok["detector"] == names.get(d)) & (ok["dataset"] == d), metric],
                    scale,
                    digits,
                )
                for d in datasets
            ]
        table.append([label, *cells])
    columns = ["Method", *((labels or {}).get(d, d) for d in datasets)]
    return pd.DataFrame(table, columns=columns)


def method_rows(
    ctx: Context, out: Section, part: str, datasets: list[str], rows: list[list[Any]],
    metric: str, paper_table: str | None = None, labels: dict[str, str] | None = None,
    scale: float = 100.0, digits: int = 1,
) -> None:  # fmt: skip
    """Methods by dataset (:func:`method_frame`) from the part's finished cells."""
    ok = finished_of(ctx, [part])
    if ok is None:
        return
    frame = method_frame(ctx, ok, datasets, rows, metric, paper_table, labels, scale, digits)
    out.table(frame, index=False, align=["left"] + ["right"] * len(datasets))


def per_seed(
    ctx: Context, out: Section, part: str, entrants: dict[str, list[str]],
    metrics: tuple[str, ...] = ("f1", "auc_roc"),
) -> None:  # fmt: skip
    """One line per dataset and listed entrant: each metric per seed (seed order)."""
    ok = finished_of(ctx, [part])
    if ok is None:
        return
    lines = []
    for dataset, names in entrants.items():
        for name in names:
            mine = ok[(ok["dataset"] == dataset) & (ok["detector"] == name)].sort_values("seed")
            values = [f"{LABELS[m]} [{', '.join(f'{v:.3f}' for v in mine[m])}]" for m in metrics]
            lines.append(f"- {dataset}, {name}: per seed {', '.join(values)}")
    out.text("\n".join(lines))


def leaderboard(ctx: Context, out: Section, part: str, bold: str | None = None) -> None:
    """The part's leaderboard (:func:`anomalab.bench.leaderboard.leaderboard`): per entrant,
    mean AUC-ROC and AUC-PR over datasets, average rank by AUC-ROC over the datasets every entrant
    finished, datasets, cells finished / failed and mean fit seconds; ``bold``: an entrant shown
    in bold."""
    rows = ctx.frame(part)
    if rows is None:
        return
    table = [
        [
            f"**{name}**" if name == bold else name,
            f"{r.auc_roc:.4f}",
            f"{r.auc_pr:.4f}",
            f"{r.avg_rank:.2f}",
            f"{int(r.datasets)}",
            f"{int(r.cells_ok)} / {int(r.cells_failed)}",
            f"{r.fit_seconds:.1f}",
        ]
        for name, r in board_of(rows).iterrows()
    ]
    columns = ["entrant", "mean AUC-ROC", "mean AUC-PR", "avg rank", "datasets"]
    frame = pd.DataFrame(table, columns=[*columns, "cells ok / failed", "fit s"])
    out.table(frame, index=False, align=["left"] + ["right"] * 6)


def wins(ctx: Context, out: Section, part: str, entrant: str) -> None:
    """On how many of the datasets ``entrant`` ran it has the best mean AUC-ROC (ties count),
    and where it lies below 0.5."""
    ok = finished_of(ctx, [part])
    if ok is None or not (ok["detector"] == entrant).any():
        return
    per = ok.groupby(["dataset", "detector"])["auc_roc"].mean().unstack("detector")
    per = per[per[entrant].notna()]
    first = int((per[entrant] >= per.drop(columns=entrant).max(axis=1)).sum())
    below = sorted(per.index[per[entrant] < 0.5])
    out.text(
        f"{entrant} is best (ties count) on {first} of the {len(per)} datasets it ran and below "
        f"0.5 AUC-ROC on {len(below)}: {', '.join(below) or 'none'}."
    )
