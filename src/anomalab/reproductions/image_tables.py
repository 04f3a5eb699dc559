"""Per-class tables of a one-class image benchmark, where each cell trains on one normal class
(``protocol_params.normal_class``) of a dataset and scores its whole test set: the rows are the
classes 0-9, ours as mean ± std over seeds per class beside a paper's per-class numbers (its
published rows ``<dataset>:<class>``), and the ten-class mean over seeds. Blocks:
``{ table = "per_class" }``, ``{ table = "class_means" }``, ``{ table = "class_mean_vs" }`` and
``{ table = "dataset_means" }`` (a paper's per-dataset rows beside ours, e.g. a multi-class
normal table)."""

from __future__ import annotations

import json
from dataclasses import dataclass

import numpy as np
import pandas as pd

from anomalab.bench.document import Section
from anomalab.bench.store import COLUMNS
from anomalab.reproductions.context import Context, finished_of
from anomalab.targets import published

CLASSES = 10
NOT_RUN = "not run yet"


def mean_std(values: pd.Series, scale: float = 100.0, digits: int = 1) -> str:
    """``mean ± sample std (n=k)`` of the values times ``scale`` (``mean (n=1)`` for one value),
    or ``not run yet``."""
    v = scale * values.dropna().to_numpy(dtype=float)
    if len(v) == 0:
        return NOT_RUN
    if len(v) == 1:
        return f"{v[0]:.{digits}f} (n=1)"
    return f"{v.mean():.{digits}f} ± {v.std(ddof=1):.{digits}f} (n={len(v)})"


def with_class(ok: pd.DataFrame) -> pd.DataFrame:
    """The rows with a ``normal_class`` column (None where the protocol has none)."""
    cls = ok["protocol_params"].map(lambda p: json.loads(p or "{}").get("normal_class"))
    return ok.assign(normal_class=cls)


def class_values(ok: pd.DataFrame, dataset: str, entrant: str, metric: str) -> list[pd.Series]:
    """Per normal class 0-9, ``entrant``'s ``metric`` on ``dataset`` over the seeds that ran
    (rows of :func:`with_class`)."""
    mine = ok[(ok["dataset"] == dataset) & (ok["detector"] == entrant)]
    return [mine.loc[mine["normal_class"] == k, metric] for k in range(CLASSES)]


@dataclass(frozen=True)
class ClassMean:
    """The ten-class mean (each class's mean over its seeds, then averaged), the fewest seeds any
    class ran, and the sample std over seeds of the ten-class mean (over the seeds on which all
    ten classes ran; None with fewer than two)."""

    mean: float
    min_seeds: int
    seed_std: float | None

    def text(self, scale: float = 100.0, digits: int = 1) -> str:
        spread = (
            "" if self.seed_std is None else f" ± {scale * self.seed_std:.{digits}f} over seeds"
        )
        return f"{scale * self.mean:.{digits}f}{spread} (>= {self.min_seeds} seed(s) per class)"


def class_mean(ok: pd.DataFrame, dataset: str, entrant: str, metric: str) -> ClassMean | None:
    """``entrant``'s ten-class mean on ``dataset``, or None unless every class ran."""
    per = class_values(ok, dataset, entrant, metric)
    if any(len(v) == 0 for v in per):
        return None
    rows = ok.loc[pd.concat(per).index]  # the cells of the ten classes
    by_seed = rows.groupby("seed")[metric].agg(["mean", "count"])
    complete = by_seed.loc[by_seed["count"] == CLASSES, "mean"]
    std = float(complete.std(ddof=1)) if len(complete) > 1 else None
    return ClassMean(float(np.mean([v.mean() for v in per])), min(len(v) for v in per), std)


def seed_spread(ok: pd.DataFrame, dataset: str, entrant: str, metric: str) -> tuple[float, float]:
    """(mean over the classes of the sample std of ``metric`` across seeds, the standard error
    of the ten-class mean: sqrt(sum_k std_k^2 / n_k) / 10), on the metric's own scale."""
    per = class_values(ok, dataset, entrant, metric)
    stds = [float(v.std(ddof=1)) for v in per]
    se = float(np.sqrt(sum(sd**2 / len(v) for sd, v in zip(stds, per, strict=True)))) / CLASSES
    return float(np.mean(stds)), se


def _rows(ctx: Context, part: str, also: list[str] | None) -> pd.DataFrame | None:
    ok = finished_of(ctx, [part, *(also or [])])
    return None if ok is None else with_class(ok)


def _any_rows(ctx: Context, parts: list[str]) -> pd.DataFrame:
    """The finished cells of the parts that have some (:func:`with_class` rows; none: empty)."""
    frames = [f for f in (ctx.frame(p) for p in parts) if f is not None]
    rows = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)
    return with_class(rows[rows["status"] == "ok"])


def _paper(paper: str, table: str | None, entrant: str | None, metric: str) -> pd.DataFrame:
    """The paper's published rows of ``table`` (value, std by dataset), none without a table."""
    if table is None:
        return pd.DataFrame(columns=["value", "std"])
    rows = published(paper, table, entrant=entrant, metric=metric)
    return rows.set_index("dataset")[["value", "std"]]


def _printed(paper: pd.DataFrame, key: str, digits: int) -> str:
    if key not in paper.index:
        return "-"
    value, std = paper.loc[key]
    return f"{value:.{digits}f}" + ("" if pd.isna(std) else f" ± {std:.{digits}f}")


def per_class(
    ctx: Context, out: Section, part: str, dataset: str, entrants: list[str],
    paper_table: str | None = None, paper_entrant: str | None = None, metric: str = "auc_roc",
    labels: dict[str, str] | None = None, names: list[str] | None = None,
    fit_seconds: list[str] | None = None, also: list[str] | None = None,
    scale: float = 100.0, digits: int = 1, caption: str | None = None,
    mean_row: str | None = None, transpose: bool = False, always: bool = False,
) -> None:  # fmt: skip
    """One row per normal class of ``dataset`` (``names``, else its number): the paper's value
    (its ``paper_table``'s rows ``<dataset>:<class>`` of ``paper_entrant``), then per entrant
    (column ``labels[entrant]``) ours as mean ± std over seeds times ``scale``, ``not run yet``
    where no seed ran, and its mean fit seconds where listed in ``fit_seconds``. ``also``: parts
    whose cells join the part's. ``mean_row``: a last row of that label with the ten-class
    means (the paper's row ``<dataset>``). ``transpose``: classes as columns instead.
    ``always``: rendered without cells too (each ``not run yet``), else nothing."""
    ok = _any_rows(ctx, [part, *(also or [])]) if always else _rows(ctx, part, also)
    if ok is None:
        return
    paper = _paper(ctx.spec.paper, paper_table, paper_entrant, metric)
    keys = [f"{dataset}:{k}" for k in range(CLASSES)] + ([dataset] if mean_row else [])
    columns: dict[str, list[str]] = {}
    if paper_table is not None:
        label = f"{paper_entrant} (paper)" if paper_entrant else "paper"
        columns[label] = [_printed(paper, key, digits) for key in keys]
    for e in entrants:
        texts = [mean_std(v, scale, digits) for v in class_values(ok, dataset, e, metric)]
        if mean_row:
            mean = class_mean(ok, dataset, e, metric)
            texts.append(mean.text(scale, digits) if mean else NOT_RUN)
        columns[(labels or {}).get(e, e)] = texts
        if e in (fit_seconds or []):
            seconds = class_values(ok, dataset, e, "fit_seconds")
            columns["fit s"] = [f"{s.mean():.0f}" if len(s) else NOT_RUN for s in seconds]
            columns["fit s"] += [""] if mean_row else []
    names = list(names or [str(k) for k in range(CLASSES)]) + ([mean_row] if mean_row else [])
    frame = pd.DataFrame(columns, index=pd.Index(names, name="normal class"))
    if transpose:
        frame = frame.T.rename_axis("")
    if caption:
        out.text(caption)
    out.table(frame, align=["left"] + ["right"] * frame.shape[1])


def class_means(
    ctx: Context, out: Section, part: str, rows: list[list[str]], paper_table: str | None = None,
    paper: dict[str, str] | None = None, metric: str = "auc_roc", columns: list[str] | None = None,
    also: list[str] | None = None, scale: float = 100.0, digits: int = 1,
    caption: str | None = None,
) -> None:  # fmt: skip
    """One row per ``[dataset, entrant]`` (a third element: the row's label, else the dataset):
    the paper's ten-class mean (``paper_table``'s row ``<dataset>`` of ``paper[entrant]``; ``-``
    for an entrant not in ``paper``) and ours (:class:`ClassMean`, ``not run yet`` unless every
    class ran). ``columns``: the three headers; ``caption``: a line before the table."""
    ok = _rows(ctx, part, also)
    if ok is None:
        return
    table = []
    for dataset, entrant, *label in rows:
        theirs = (paper or {}).get(entrant)
        published_rows = _paper(ctx.spec.paper, paper_table, theirs, metric)
        printed = _printed(published_rows, dataset, digits) if theirs else "-"
        mean = class_mean(ok, dataset, entrant, metric)
        ours = mean.text(scale, digits) if mean else NOT_RUN
        table.append([label[0] if label else dataset, printed, ours])
    header = columns or ["dataset", "paper", "ours"]
    frame = pd.DataFrame(table, columns=header)
    if caption:
        out.text(caption)
    out.table(frame, index=False, align=["left"] + ["right"] * 2)


def class_mean_vs(
    ctx: Context, out: Section, part: str, dataset: str, baseline: str, entrants: list[str],
    metric: str = "auc_roc", also: list[str] | None = None, labels: dict[str, str] | None = None,
    scale: float = 100.0,
) -> None:  # fmt: skip
    """Each entrant's ten-class mean on ``dataset`` against ``baseline``'s on the same cells: a
    difference under two standard errors of the difference (from the seed-to-seed spread of each
    class) is no clear difference. Nothing unless the baseline and one entrant ran every class."""
    if (ok := _rows(ctx, part, also)) is None:
        return
    base = class_mean(ok, dataset, baseline, metric)
    ran = {e: m for e in entrants if (m := class_mean(ok, dataset, e, metric)) is not None}
    if base is None or not ran:
        return
    base_std, base_se = seed_spread(ok, dataset, baseline, metric)
    name = (labels or {}).get(baseline, baseline)
    lines = [
        f"Against {name} on {dataset} (the same cells): its ten-class mean is "
        f"{scale * base.mean:.1f} (standard error {scale * base_se:.1f}), and a class's value "
        f"varies across seeds by {scale * base_std:.1f} points (std, mean over classes)."
    ]
    items = []
    for e, mean in ran.items():
        std, se = seed_spread(ok, dataset, e, metric)
        diff = round(scale * (mean.mean - base.mean), 1) + 0.0  # no "-0.0"
        bound = 2 * scale * float(np.hypot(se, base_se))
        if abs(diff) < bound:
            verdict = f"no clear difference (|difference| < {bound:.1f}, two standard errors)"
        else:
            word = "higher" if diff > 0 else "lower"
            verdict = f"{word} by more than two standard errors ({bound:.1f})"
        items.append(
            f"- {(labels or {}).get(e, e)}: {scale * mean.mean:.1f}, {diff:+.1f} points: "
            f"{verdict}; seed-to-seed std {scale * std:.1f} points."
        )
    out.text(lines[0])
    out.text("\n".join(items))


def dataset_means(
    ctx: Context, out: Section, part: str, datasets: list[str], entrants: list[str],
    paper_table: str | None = None, paper_entrant: str | None = None, metric: str = "auc_roc",
    labels: dict[str, str] | None = None, scale: float = 100.0, digits: int = 1,
) -> None:  # fmt: skip
    """One row per dataset: the paper's value (``paper_table``'s row ``<dataset>``) and each
    entrant's mean ± std over seeds times ``scale``."""
    ok = _rows(ctx, part, None)
    if ok is None:
        return
    paper = _paper(ctx.spec.paper, paper_table, paper_entrant, metric)
    columns: dict[str, list[str]] = {}
    if paper_table is not None:
        label = f"{paper_entrant} (paper)" if paper_entrant else "paper"
        columns[label] = [_printed(paper, d, digits) for d in datasets]
    for e in entrants:
        mine = ok[ok["detector"] == e]
        columns[(labels or {}).get(e, e)] = [
            mean_std(mine.loc[mine["dataset"] == d, metric], scale, digits) for d in datasets
        ]
    frame = pd.DataFrame(columns, index=pd.Index(datasets, name="dataset"))
    out.table(frame, align=["left"] + ["right"] * frame.shape[1])
