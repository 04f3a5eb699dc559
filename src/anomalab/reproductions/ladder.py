"""Image cells by normal class: an entrant's ten-class mean, a paper's ladder of entrants beside
its numbers, the change from one entrant to the next on the cells both ran, targets on the
ten-class mean, and fit times (``{ table = "ladder" | "changes" | "class_targets" |
"class_fit_times", ... }``). A one-class cell names its class (``normal_class``); a multiclass
cell (``normal_classes``) is one result per seed, matched to the paper's row
``<dataset>:<classes joined by +>``. AUC in %, as the image papers print it; the paper's numbers
are the package's published ones (:func:`anomalab.targets.published`)."""

from __future__ import annotations

import json
from collections.abc import Sequence

import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.context import Context
from anomalab.reproductions.coverage import declared
from anomalab.reproductions.image_tables import CLASSES, NOT_RUN, ClassMean, mean_std
from anomalab.targets import published

DIGITS = 2
#: A change within this many AUC points either way makes no clear difference.
CLEAR = 0.5


def _key(dataset: str, params: dict) -> str:
    """The paper's row of a cell: its dataset, or ``dataset:2+3+5`` for a multiclass cell."""
    classes = params.get("normal_classes")
    return dataset if classes is None else f"{dataset}:{'+'.join(str(c) for c in classes)}"


def class_cells(ctx: Context, parts: Sequence[str], metric: str = "auc_roc") -> pd.DataFrame:
    """The finished cells of ``parts`` with ``normal`` (the normal class; -1: multiclass),
    ``key`` (the paper's row) and ``value`` (``metric`` in %) columns."""
    frames = [f for f in (ctx.frame(p) for p in parts) if f is not None]
    columns = ["cell_key", "detector", "dataset", "protocol", "seed", "fit_seconds"]
    if not frames:
        return pd.DataFrame(columns=[*columns, "normal", "key", "value"])
    rows = pd.concat(frames, ignore_index=True)
    rows = rows[rows["status"] == "ok"]
    params = rows["protocol_params"].map(lambda p: json.loads(p or "{}"))
    return rows[columns].assign(
        normal=params.map(lambda p: int(p.get("normal_class", -1))).astype(int),
        key=[_key(d, p) for d, p in zip(rows["dataset"], params, strict=True)],
        value=100.0 * rows[metric].astype(float),
    )


def class_mean(rows: pd.DataFrame) -> tuple[str, float | None]:
    """(text, value in %) of :func:`class_cells` rows of one entrant and paper's row: the
    ten-class mean (:class:`~anomalab.reproductions.image_tables.ClassMean`), ``partial: k/10
    classes`` (value None) while a class is missing; multiclass cells: the mean over seeds."""
    if rows.empty:
        return NOT_RUN, None
    if (rows["normal"] < 0).all():
        return mean_std(rows["value"], 1.0, DIGITS), float(rows["value"].mean())
    per_class = rows.groupby("normal")["value"]
    if per_class.ngroups < CLASSES:
        return f"partial: {per_class.ngroups}/{CLASSES} classes", None
    by_seed = rows.groupby("seed")["value"].agg(["mean", "count"])
    complete = by_seed.loc[by_seed["count"] == CLASSES, "mean"]
    spread = float(complete.std(ddof=1)) if len(complete) > 1 else None
    mean = ClassMean(float(per_class.mean().mean()), int(per_class.size().min()), spread)
    return mean.text(1.0, DIGITS), mean.mean


def _paper(ctx: Context, table: str | None, metric: str) -> pd.Series:
    if table is None:
        return pd.Series(dtype=float)
    rows = published(ctx.spec.paper, table, metric=metric)
    return rows.set_index(["dataset", "entrant"])["value"]


def ladder(
    ctx: Context, out: Section, parts: list[str], entrants: dict[str, str],
    datasets: dict[str, str], paper_table: str, metric: str = "auc_roc",
) -> None:  # fmt: skip
    """One row per entrant of ``entrants`` (our label -> the paper's row, "" for none); per column
    of ``datasets`` (title -> the paper's row): the paper's value and our mean (ten-class mean, or
    the mean over seeds of multiclass cells)."""
    rows, paper = class_cells(ctx, parts, metric), _paper(ctx, paper_table, metric)
    columns = ["paper's row"] + [f"{t} {w}" for t in datasets for w in ("paper", "ours")]
    table = []
    for label, row in entrants.items():
        line = [row or "-"]
        for key in datasets.values():
            value = paper.get((key, row))
            mine = rows[(rows["detector"] == label) & (rows["key"] == key)]
            line += ["-" if value is None else f"{value:.2f}", class_mean(mine)[0]]
        table.append(line)
    frame = pd.DataFrame(table, columns=columns, index=pd.Index(list(entrants), name="model"))
    out.table(frame, align=["left", "left"] + ["right"] * (len(columns) - 1))


def _verdict(delta: float) -> str:
    if delta > CLEAR:
        return "helps"
    return "hurts" if delta < -CLEAR else "makes no clear difference"


def change_line(rows: pd.DataFrame, key: str, step: Sequence[str], paper: float | None) -> str:
    """Whether going from entrant ``step[0]`` to ``step[1]`` (``step[2]`` says what changes)
    helps on the paper's row ``key``: the mean change on the (class, seed) cells both ran (one
    per seed for multiclass cells), per seed, and the paper's change when given."""
    before, after, what = step
    a, b = (
        rows[(rows["detector"] == e) & (rows["key"] == key)].set_index(["normal", "seed"])["value"]
        for e in (before, after)
    )
    common = a.index.intersection(b.index)
    if len(common) == 0:
        return f"- {key}, {what}: not run yet."
    change = b[common] - a[common]
    delta = float(change.mean())
    per_seed = change.groupby(level="seed").mean()
    seeds = "; per seed " + ", ".join(f"{v:+.2f}" for v in per_seed) if len(per_seed) > 1 else ""
    classes = {c for c, _ in common}
    if classes != {-1}:
        scope = "" if len(classes) == CLASSES else " (preliminary: fewer than ten classes)"
        basis = f"on average over {len(common)} (class, seed) cells, {len(classes)} class(es)"
    else:
        scope = "" if len(common) >= 3 else " (preliminary: fewer than three seeds)"
        only = f"on seed {common[0][1]} only"
        basis = only if len(common) == 1 else f"on average over {len(common)} seeds"
    reference = "" if paper is None else f" (paper: {paper:+.2f})"
    return (
        f"- {key}, {what}: {_verdict(delta)} here, {delta:+.2f} AUC points {basis}{scope}"
        f"{seeds}{reference}."
    )


def changes(
    ctx: Context, out: Section, parts: list[str], steps: list[list[str]], datasets: list[str],
    intro: str | None = None, paper_table: str | None = None,
    paper_rows: dict[str, str] | None = None, means: bool = False, metric: str = "auc_roc",
) -> None:  # fmt: skip
    """For each paper's row of ``datasets`` and each step ``[before, after, what]``: does the
    change help here (more than 0.5 AUC points either way), on the cells both entrants ran,
    beside the paper's change where ``paper_rows`` maps both entrants to rows of
    ``paper_table``. ``means``: first a table of each ``after``'s ten-class mean beside
    ``before``'s on the same cells. ``intro``: a line before the verdicts."""
    rows, paper = class_cells(ctx, parts, metric), _paper(ctx, paper_table, metric)
    named = paper_rows or {}
    if means:
        table = []
        for before, after, _ in steps:
            for key in datasets:
                mine = rows[(rows["detector"] == after) & (rows["key"] == key)]
                cells = pd.MultiIndex.from_frame(mine[["normal", "seed"]])
                base = rows[(rows["detector"] == before) & (rows["key"] == key)]
                same = base[pd.MultiIndex.from_frame(base[["normal", "seed"]]).isin(cells)]
                table.append([after, key, class_mean(mine)[0], class_mean(same)[0]])
        columns = ["entrant", "dataset", "ten-class mean", f"{steps[0][0]}, same cells"]
        out.table(pd.DataFrame(table, columns=columns), index=False, align=["left"] * 4)
    lines = []
    for key in datasets:
        for step in steps:
            rungs = [(key, named.get(e)) for e in step[:2]]
            known = all(r in paper.index for r in rungs)
            reference = float(paper[rungs[1]] - paper[rungs[0]]) if known else None
            lines.append(change_line(rows, key, step, reference))
    if intro:
        out.text(intro)
    out.text("\n".join(lines))


def _entrant(ctx: Context, part: str, key: str, rows: pd.DataFrame) -> str:
    names = list(dict.fromkeys(rows["detector"]))
    if not names:
        names = list(dict.fromkeys(c.name for c in declared(ctx, part) or [] if c.dataset == key))
    return ", ".join(names) or f"part `{part}`"


def class_targets(ctx: Context, out: Section, targets: list[dict], metric: str = "auc_roc") -> None:
    """Per target (``dataset``, ``value`` as a fraction, ``parts`` that may meet it): whether
    the ten-class mean of some part's cells on the dataset reaches it (every class run)."""
    lines = []
    for target in targets:
        key, bound = target["dataset"], float(target["value"])
        verdicts, met, known = [], False, False
        for part in target["parts"]:
            rows = class_cells(ctx, [part], metric)
            rows = rows[rows["key"] == key]
            text, value = class_mean(rows)
            name = _entrant(ctx, part, key, rows)
            if value is None:
                verdicts.append(f"{name} not established ({text})")
                continue
            reaches = value / 100.0 >= bound
            met, known = met or reaches, True
            verdicts.append(f"{name} {'meets it' if reaches else 'does not'} ({text})")
        lines.append(
            f"- {key}: mean AUC over the ten classes >= {bound:g}: "
            f"{'holds' if met else 'does NOT hold' if known else 'not established yet'}; "
            + "; ".join(verdicts)
            + "."
        )
    out.text("\n".join(lines))


def class_fit_times(ctx: Context, out: Section, parts: list[str] | None = None) -> None:
    """Per dataset, protocol and entrant: classes, cells and fit seconds (mean, min-max); a cell
    stored by several parts counts once."""
    rows = class_cells(ctx, parts or list(ctx.frames)).drop_duplicates("cell_key")
    if rows.empty:
        out.text("No fits stored yet.")
        return
    table = []
    for (dataset, protocol, entrant), g in rows.groupby(["dataset", "protocol", "detector"]):
        fit = g["fit_seconds"]
        table.append(
            [dataset, protocol, entrant, str(g["normal"].nunique()), str(len(g)),
             f"{fit.mean():.0f} ({fit.min():.0f}-{fit.max():.0f})"]
        )  # fmt: skip
    columns = ["dataset", "protocol", "entrant", "classes", "cells", "fit s (mean, min-max)"]
    frame = pd.DataFrame(table, columns=columns)
    out.table(frame, index=False, align=["left"] * 3 + ["right"] * 3)
