"""The paper's own layout of a metric: datasets by entrants, ours as mean ± std over seeds with the
paper's mean in brackets (``{ table = "grid", ... }``). The paper's numbers are the package's
published ones (:func:`anomalab.targets.published`)."""

from __future__ import annotations

import json

import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.context import Context, finished_of, ms
from anomalab.targets import published


def paper_values(paper: str, table: str) -> pd.Series:
    """The paper's ``table``: value by (dataset, entrant, metric), as printed."""
    return published(paper, table).set_index(["dataset", "entrant", "metric"])["value"]


def paper_datasets(
    paper: str, ok: pd.DataFrame, given: list[str] | None, table: str | None
) -> list[str]:
    """``given``, else the paper's table's datasets (its order), else those of the cells."""
    if given:
        return list(given)
    if table:
        return list(dict.fromkeys(published(paper, table)["dataset"]))
    return list(dict.fromkeys(ok["dataset"]))


def values(ok: pd.DataFrame, entrant: str, dataset: str, metric: str) -> pd.Series:
    return ok.loc[(ok["detector"] == entrant) & (ok["dataset"] == dataset), metric]


def aligned(frame: pd.DataFrame, left: int = 1) -> list[str]:
    return ["left"] * left + ["right"] * (frame.shape[1] + 1 - left)


def grid(
    ctx: Context, out: Section, part: str, metric: str, entrants: list[str] | None = None,
    datasets: list[str] | None = None, paper_table: str | None = None,
    columns: dict[str, str] | None = None, caption: str | None = None,
    rows_by: str | None = None, also: list[str] | None = None,
) -> None:  # fmt: skip
    """``metric`` per dataset (rows) and entrant (columns, ``entrants`` or those of the cells):
    ours as mean ± std over seeds, the paper's ``paper_table`` in brackets where it has the entrant
    (``columns`` maps an entrant to another of its columns). ``rows_by``: a protocol parameter
    whose values make the rows instead (a part on one dataset). ``also``: parts whose cells join
    the part's (an entrant run by another part, e.g. an ablation's baseline)."""
    ok = finished_of(ctx, [part, *(also or [])])
    if ok is None:
        return
    paper = paper_values(ctx.spec.paper, paper_table) if paper_table else pd.Series(dtype=float)
    if rows_by:
        value = ok["protocol_params"].map(lambda p: json.loads(p)[rows_by])
        ok = ok.assign(dataset=value.map(lambda v: f"{v:g}"))
        names = [f"{v:g}" for v in sorted(value.unique())]
    else:
        names = paper_datasets(ctx.spec.paper, ok, datasets, paper_table)
    entrants = list(entrants) if entrants else list(dict.fromkeys(ok["detector"]))
    rows = []
    for dataset in names:
        row = []
        for e in entrants:
            text = ms(values(ok, e, dataset, metric))
            key = (dataset, (columns or {}).get(e, e), metric)
            row.append(text + (f" [{paper[key]:.3f}]" if key in paper.index else ""))
        rows.append(row)
    index = pd.Index(names, name=rows_by.replace("_", " ") if rows_by else "dataset")
    frame = pd.DataFrame(rows, columns=entrants, index=index)
    if caption:
        out.text(caption)
    out.table(frame, align=aligned(frame))
