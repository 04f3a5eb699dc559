"""Leaderboard tables from stored results: per detector and per dataset, mean +- std over seeds.

The full report (figures, statistics, published numbers, HTML) is built and written in
``report.py`` (:func:`anomalab.bench.report.write_report`), which reads these tables.
"""

from __future__ import annotations

import pandas as pd

METRICS = ("auc_roc", "auc_pr")


def per_dataset(results: pd.DataFrame, metric: str = "auc_roc") -> pd.DataFrame:
    """Rows = dataset, columns = detector: 'mean +- std' over seeds (ok cells only)."""
    ok = results[results["status"] == "ok"]
    grouped = ok.groupby(["dataset", "detector"])[metric]
    mean, std = grouped.mean(), grouped.std(ddof=1).fillna(0.0)
    text = mean.map("{:.3f}".format) + " +- " + std.map("{:.3f}".format)
    return text.unstack("detector").fillna("failed")


def leaderboard(results: pd.DataFrame) -> pd.DataFrame:
    """Per detector: mean AUC-ROC / AUC-PR over datasets (each a mean over seeds), average rank
    by AUC-ROC over the datasets every detector finished, cell counts, and mean fit time."""
    ok = results[results["status"] == "ok"]
    per = ok.groupby(["detector", "dataset"])[list(METRICS)].mean()
    board = per.groupby("detector").mean()
    roc = per["auc_roc"].unstack("detector")
    complete = roc.dropna()
    board["avg_rank"] = (
        complete.rank(axis=1, ascending=False).mean() if len(complete) else float("nan")
    )
    board["datasets"] = per.groupby("detector").size()
    counts = results.groupby(["detector", "status"]).size().unstack(fill_value=0)
    board["fit_seconds"] = ok.groupby("detector")["fit_seconds"].mean()
    board["score_seconds"] = ok.groupby("detector")["score_seconds"].mean()
    board = board.reindex(counts.index)
    board["cells_ok"] = counts.get("ok", 0)
    board["cells_failed"] = counts.get("failed", 0)
    return board.sort_values("auc_roc", ascending=False)


def failures(results: pd.DataFrame) -> pd.DataFrame:
    """The failed cells with the first line of their error."""
    bad = results[results["status"] != "ok"]
    out = bad[["detector", "dataset", "protocol", "seed"]].copy()
    out["error"] = bad["error"].fillna("").str.split("\n").str[0]
    return out.reset_index(drop=True)
