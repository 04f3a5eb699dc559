"""SG-AE's tables that its spec (``specs/sgae.toml``) cannot declare: the paper's own layouts
(ours as mean ± std over seeds beside the paper's mean), each base model against its
score-guided version (Table 5), the issue's acceptance checks, ADBench's published means over
the same datasets, and fit times. The paper's numbers are the package's published ones
(:func:`anomalab.targets.published`); the figures are in :mod:`.sgae_figures`."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.context import LABELS, Context, finished_of, ms
from anomalab.reproductions.grid import paper_datasets, paper_values
from anomalab.reproductions.grid import values as _values
from anomalab.reproductions.registry import section
from anomalab.targets import published, wide

PAPER = "sgae"
PAIR_METRICS = ("auc_roc", "auc_pr")


def _ok(ctx: Context, part: str) -> pd.DataFrame | None:
    return finished_of(ctx, [part])


def _paper(table: str) -> pd.Series:
    return paper_values(PAPER, table)


def _datasets(ok: pd.DataFrame, given: list[str] | None, table: str | None) -> list[str]:
    return paper_datasets(PAPER, ok, given, table)


@section("sgae.faithful")
def faithful(ctx: Context, out: Section, part: str, paper_table: str, entrant: str) -> None:
    """Per dataset, preprocessing and entrant: AUC-ROC, AUC-PR and KS (mean ± std over seeds),
    beside the paper's ``entrant`` in ``paper_table``; the preprocessing is the code's when the cells
    z-score every column (``scale_columns='all'``)."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    code = ok["protocol_params"].map(lambda p: json.loads(p).get("scale_columns") == "all")
    ok = ok.assign(
        prep=code.map(
            {
                True: "code: all columns, fit on all rows",
                False: "default: numeric columns, fit on train",
            }
        )
    )
    paper = _paper(paper_table)
    rows = []
    for (dataset, prep, det), g in ok.groupby(["dataset", "prep", "detector"], sort=True):
        keys = [(dataset, entrant, m) for m in PAIR_METRICS]
        ref = " / ".join(f"{paper[k]:.3f}" for k in keys) if keys[0] in paper.index else ""
        rows.append([dataset, prep, det, ms(g["auc_roc"]), ms(g["auc_pr"]), ms(g["ks"]), ref])
    columns = ["dataset", "preprocessing", "entrant", "AUC-ROC", "AUC-PR", "KS"]
    frame = pd.DataFrame(rows, columns=[*columns, "paper AUC-ROC / AUC-PR"])
    out.table(frame, index=False, align=["left"] * 3 + ["right"] * 4)


def _rel(sg: pd.Series, base: pd.Series) -> str:
    if not len(sg) or not len(base):
        return "n/a"
    return f"{100 * (sg.mean() / base.mean() - 1):+.1f} %"


@section("sgae.pairs")
def pairs(
    ctx: Context, out: Section, part: str, pairs: dict[str, str],
    datasets: list[str] | None = None, paper_tables: list[str] | None = None,
) -> None:  # fmt: skip
    """Each base model (``pairs``' keys) against its score-guided version, per dataset and
    metric: means over seeds, the relative change, and the SG model's value in the first of the
    paper's ``paper_tables`` that has it; then how often the SG model is above its base."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    papers = [_paper(t) for t in paper_tables or []]
    rows, wins = [], {sg: [] for sg in pairs.values()}
    for dataset in _datasets(ok, datasets, None):
        for metric in PAIR_METRICS:
            for base, sg in pairs.items():
                b, s = _values(ok, base, dataset, metric), _values(ok, sg, dataset, metric)
                if len(b) and len(s):
                    wins[sg].append(bool(s.mean() > b.mean()))
                refs = [p[(dataset, sg, metric)] for p in papers if (dataset, sg, metric) in p]
                ref = f"{refs[0]:.3f}" if refs else ""
                rows.append([dataset, LABELS[metric], base, ms(b), sg, ms(s), _rel(s, b), ref])
    columns = ["dataset", "metric", "base", "base (ours)", "SG model", "SG (ours)", "change"]
    frame = pd.DataFrame(rows, columns=[*columns, "SG paper"])
    out.table(frame, index=False, align=["left"] * 3 + ["right", "left"] + ["right"] * 3)
    lines = [f"- {sg}: {sum(w)} of {len(w)}" if w else f"- {sg}: not run" for sg, w in wins.items()]
    out.text("Score-guided model above its base (mean over seeds), per dataset x metric:")
    out.text("\n".join(lines))


def _suite_mean(ok: pd.DataFrame, entrant: str, datasets: list[str], metric: str) -> float:
    """The mean over ``datasets`` of the entrant's mean over seeds (NaN unless all are run)."""
    means = [_values(ok, entrant, d, metric).mean() for d in datasets]
    return float(np.mean(means)) if all(np.isfinite(means)) else float("nan")


@section("sgae.pair_means")
def pair_means(
    ctx: Context, out: Section, part: str, pairs: dict[str, str], paper_table: str
) -> None:
    """Each pair's mean AUC-ROC and AUC-PR over the datasets of the paper's ``paper_table`` (each a
    mean over seeds; n/a unless every dataset is run)."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    datasets = _datasets(ok, None, paper_table)
    rows = []
    for base, sg in pairs.items():
        row = []
        for metric in PAIR_METRICS:
            for det in (base, sg):
                value = _suite_mean(ok, det, datasets, metric)
                row.append("n/a" if np.isnan(value) else f"{value:.3f}")
        rows.append(row)
    columns = [
        f"{who} mean {LABELS[m]}" for m in PAIR_METRICS for who in ("base", "SG")
    ]  # fmt: skip
    index = pd.Index([f"{b} -> {s}" for b, s in pairs.items()], name="pair")
    out.text(f"Mean over the {len(datasets)} datasets of the paper's {paper_table}:")
    out.table(pd.DataFrame(rows, columns=columns, index=index), align=["left"] + ["right"] * 4)


@section("sgae.by_entrant")
def by_entrant(ctx: Context, out: Section, part: str, dataset: str, paper_table: str) -> None:
    """One row per entrant on ``dataset``: AUC-ROC and AUC-PR (mean ± std over seeds) beside
    the paper's ``paper_table`` (``-`` where the paper has no such entrant)."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    paper = _paper(paper_table)
    rows = []
    for det in dict.fromkeys(ok["detector"]):
        row = [ms(_values(ok, det, dataset, m)) for m in PAIR_METRICS]
        row += [
            f"{paper[k]:.3f}" if (k := (dataset, det, m)) in paper.index else "-"
            for m in PAIR_METRICS
        ]
        rows.append(row)
    columns = ["AUC-ROC", "AUC-PR", "paper AUC-ROC", "paper AUC-PR"]
    index = pd.Index(list(dict.fromkeys(ok["detector"])), name="entrant")
    out.table(pd.DataFrame(rows, columns=columns, index=index), align=["left"] + ["right"] * 4)


def _meets(
    ok: pd.DataFrame, entrant: str, dataset: str, thresholds: dict[str, float], what: str
) -> str | None:
    roc, pr = (_values(ok, entrant, dataset, m) for m in PAIR_METRICS)
    if not len(roc):
        return None
    holds = roc.mean() >= thresholds["auc_roc"] and pr.mean() >= thresholds["auc_pr"]
    return (
        f"- {dataset} {what} AUC-ROC {roc.mean():.3f} (>= {thresholds['auc_roc']:g}), AUC-PR "
        f"{pr.mean():.3f} (>= {thresholds['auc_pr']:g}) over {len(roc)} seeds: "
        f"{'holds' if holds else 'DOES NOT hold'}."
    )


@section("sgae.checks")
def checks(
    ctx: Context, out: Section, part: str, dataset: str, thresholds: dict[str, float],
    entrants: dict[str, str], pairs: dict[str, str], paper_table: str, adbench: str, mnist: str,
    mnist_table: str,
) -> None:  # fmt: skip
    """The issue's acceptance checks on the cells: each of ``entrants`` (label: wording) on
    ``dataset`` against ``thresholds``, and on the paper's other datasets beside its value; each
    SG model against its base over the paper's datasets; the ``adbench`` part's means; SG-AE on
    the ``mnist`` part beside the paper's ``mnist_table``."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    paper = _paper(paper_table)
    datasets = _datasets(ok, None, paper_table)
    lines = [line for e, w in entrants.items() if (line := _meets(ok, e, dataset, thresholds, w))]
    for other in (d for d in datasets if d != dataset):
        ref = " / ".join(f"{paper[(other, 'SGAE', m)]:.3f}" for m in PAIR_METRICS)
        for e in entrants:
            roc, pr = (_values(ok, e, other, m) for m in PAIR_METRICS)
            if len(roc):
                lines.append(
                    f"- {other} {e} AUC-ROC {roc.mean():.3f}, AUC-PR {pr.mean():.3f} "
                    f"(paper {ref}) over {len(roc)} seeds."
                )
    suite = ctx.spec.parts[part].store
    for base, sg in pairs.items():
        b, s = (_suite_mean(ok, e, datasets, "auc_roc") for e in (base, sg))
        if np.isnan(b) or np.isnan(s):
            lines.append(f"- {sg} vs {base}: not all cells run.")
            continue
        verdict = "beats" if s > b else "does NOT beat"
        lines.append(f"- {sg} {verdict} {base} on mean AUC-ROC over {suite} ({s:.3f} vs {b:.3f}).")
    if (adb := _ok(ctx, adbench)) is not None:
        per = adb.groupby(["detector", "dataset"])["auc_roc"].mean().unstack(0).dropna()
        if {"SGAE", "IForest"} <= set(per.columns):
            lines.append(
                f"- {ctx.spec.parts[adbench].store} ({len(per)} datasets): SG-AE mean AUC-ROC "
                f"{100 * per['SGAE'].mean():.2f}, IForest {100 * per['IForest'].mean():.2f} "
                "(ADBench's means: see that section)."
            )
    if (mn := _ok(ctx, mnist)) is not None and len(mn):
        name = mn["dataset"].iloc[0]
        roc, pr = (_values(mn, "SGAE", name, m) for m in PAIR_METRICS)
        ref = " / ".join(f"{_paper(mnist_table)[(name, 'SGAE', m)]:.3f}" for m in PAIR_METRICS)
        if len(roc):
            lines.append(
                f"- mnist SG-AE AUC-ROC {roc.mean():.3f}, AUC-PR {pr.mean():.3f} (paper {ref})."
            )
    ctx.text(out, "checks")
    out.text("\n".join(lines))


@section("sgae.adbench")
def adbench(ctx: Context, out: Section, part: str, paper_table: str) -> None:
    """Our entrants' mean AUC-ROC over the part's datasets, then ADBench's published methods
    (its ``paper_table``) averaged over the same datasets."""
    ok = _ok(ctx, part)
    if ok is None:
        return
    per = ok.groupby(["detector", "dataset"])["auc_roc"].mean().unstack(0)
    seeds = ok.groupby(["detector", "dataset"]).size().max()
    out.text(f"Datasets run: {len(per)}; seeds per cell: {seeds}.")
    ours = pd.DataFrame(
        [[f"{100 * per[d].dropna().mean():.2f}", str(per[d].notna().sum())] for d in per.columns],
        columns=["mean AUC-ROC (ours, same cells)", "datasets"],
        index=pd.Index([f"{d} (ours)" for d in per.columns], name="entrant"),
    )
    out.table(ours, align=["left", "right", "right"])
    ref = wide(published("adbench", paper_table, metric="auc_roc"))  # in %, as published
    common = [d for d in per.index if d in ref.index]
    out.text(
        f"ADBench's published unsupervised AUC-ROC ({paper_table}), mean over the same {len(common)} "
        "datasets (ADBench's numbers, not ours):"
    )
    theirs = pd.DataFrame(
        [[f"{ref.loc[common, m].mean():.2f}"] for m in ref.columns],
        columns=["mean AUC-ROC (paper, same datasets)"],
        index=pd.Index(list(ref.columns), name="ADBench method"),
    )
    out.table(theirs, align=["left", "right"])
    missing = [d for d in per.index if d not in ref.index]
    if missing:
        out.text(f"Datasets not in ADBench's table (ours only): {', '.join(missing)}.")


@section("sgae.fit_times")
def fit_times(ctx: Context, out: Section, parts: list[str], pooled: list[str]) -> None:
    """Mean fit seconds per part, entrant and dataset; a ``pooled`` part gets one row per
    entrant over all its datasets (with the total)."""
    rows = []
    for part in parts:
        ok = _ok(ctx, part)
        if ok is None:
            continue
        if part in pooled:
            g = ok.groupby("detector")["fit_seconds"].agg(["mean", "sum", "count"])
            for det, r in g.iterrows():
                n = int(r["count"])
                mean = f"{r['mean']:.1f} (total {r['sum'] / 60:.1f} min)"
                rows.append([part, det, f"all ({n} cells)", mean, str(n)])
            continue
        g = ok.groupby(["detector", "dataset"])["fit_seconds"].agg(["mean", "count"])
        for (det, dataset), r in g.iterrows():
            rows.append([part, det, dataset, f"{r['mean']:.1f}", str(int(r["count"]))])
    if rows:
        columns = ["part", "entrant", "dataset", "fit seconds (mean)", "cells"]
        frame = pd.DataFrame(rows, columns=columns)
        out.table(frame, index=False, align=["left"] * 3 + ["right"] * 2)
