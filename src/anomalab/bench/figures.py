"""The report's figures as PNG bytes (matplotlib's object API): CD diagram, AUC box plots, timings;
and the explanation of a fitted detector's top-scored rows (``anomalab score --explain-figure``)."""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.figure import Figure

from anomalab.bench.stats import RankComparison


def _new(width: float, height: float) -> tuple[Figure, Axes]:
    """A figure outside pyplot (no global state, no GUI backend)."""
    fig = Figure(figsize=(width, height))
    return fig, fig.subplots()


def _png(fig: Figure) -> bytes:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    return buffer.getvalue()


def cd_diagram(comparison: RankComparison, title: str) -> bytes:
    """Demšar's critical-difference diagram: the rank axis, each detector at its average rank,
    the CD as a bar, and thick lines joining detectors not significantly different (Nemenyi)."""
    ranks, k = comparison.ranks, comparison.k
    half = (k + 1) // 2
    axis_y, clique_step = 0.8, 0.14
    first_row = axis_y + 0.25 + clique_step * len(comparison.cliques)
    height = first_row + 0.3 * max(half, k - half) + 0.2
    fig, ax = _new(8, 0.9 + 0.45 * height)
    ax.set_xlim(0.5, k + 0.5)
    ax.set_ylim(height, 0)
    ax.axis("off")
    ax.plot([1, k], [axis_y, axis_y], color="black", lw=1)
    for r in range(1, k + 1):
        ax.plot([r, r], [axis_y - 0.08, axis_y], color="black", lw=1)
        ax.text(r, axis_y - 0.12, str(r), ha="center", va="bottom", fontsize=9)
    cd = comparison.cd
    ax.plot([1, 1 + cd], [0.25, 0.25], color="crimson", lw=2)
    ax.text(1 + cd / 2, 0.2, f"CD = {cd:.2f}", ha="center", va="bottom", fontsize=9)
    for i, (name, rank) in enumerate(ranks.items()):
        left = i < half
        row = first_row + 0.3 * (i if left else k - 1 - i)
        end = 0.6 if left else k + 0.4
        ax.plot([rank, rank, end], [axis_y, row, row], color="black", lw=0.8)
        ax.text(
            end + (-0.05 if left else 0.05),
            row,
            f"{name} ({rank:.2f})",
            ha="right" if left else "left",
            va="center",
            fontsize=9,
        )
    for j, group in enumerate(comparison.cliques):  # between the axis and the first label row
        lo, hi = ranks[group[0]], ranks[group[-1]]
        y = axis_y + 0.18 + clique_step * j
        ax.plot([lo - 0.05, hi + 0.05], [y, y], color="tab:blue", lw=4, solid_capstyle="round")
    ax.set_title(title, fontsize=10)
    return _png(fig)


def auc_boxplot(per_dataset: pd.DataFrame, metric_label: str, title: str) -> bytes:
    """Box plots of a metric per detector: each point one dataset's mean over seeds."""
    order = per_dataset.median().sort_values(ascending=False).index
    data = [per_dataset[c].dropna().to_numpy() for c in order]
    fig, ax = _new(max(4.0, 0.55 * len(order) + 1.5), 4)
    ax.boxplot(data, showmeans=True)
    ax.set_xticks(range(1, len(order) + 1), [str(c) for c in order], rotation=30, ha="right")
    ax.set_ylabel(f"{metric_label} (dataset mean over seeds)")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="y", alpha=0.3)
    return _png(fig)


def timing_plot(times: pd.DataFrame, title: str) -> bytes:
    """Mean fit and score seconds per cell, per detector (log scale)."""
    times = times.sort_values("fit_seconds")
    fig, ax = _new(7, 0.45 * len(times) + 1.5)
    y = range(len(times))
    ax.barh([v + 0.2 for v in y], times["fit_seconds"], height=0.4, label="fit")
    ax.barh([v - 0.2 for v in y], times["score_seconds"], height=0.4, label="score")
    ax.set_yticks(list(y), [str(i) for i in times.index])
    ax.set_xscale("log")
    ax.set_xlabel("seconds per cell (mean)")
    ax.legend(loc="lower right")
    ax.set_title(title, fontsize=10)
    ax.grid(axis="x", alpha=0.3)
    return _png(fig)


def explanation_figure(
    detector: Any,
    X: Any,
    feature_names: Sequence[str] | None = None,
    top_rows: int = 5,
    top_features: int = 5,
    scores: np.ndarray | None = None,
) -> bytes:
    """A bar chart per row of ``X``'s ``top_rows`` highest-scored rows: the ``top_features``
    largest contributions to its score (``detector.explain``, a fitted tabular detector).
    ``scores``: ``detector.decision_function(X)`` where already computed."""
    from anomalab.explain import top_features as largest
    from anomalab.validation import check_array, feature_names_of

    table = X if feature_names_of(X) is not None else None  # a DataFrame: the model checks names
    X = check_array(X)
    if feature_names is None and table is not None:
        feature_names = [str(c) for c in table.columns]
    names = list(feature_names) if feature_names is not None else []
    if names and len(names) != X.shape[1]:
        raise ValueError(f"{len(names)} feature names for {X.shape[1]} features")
    names = names or [f"x{j}" for j in range(X.shape[1])]
    given = X if table is None else table
    scores = detector.decision_function(given) if scores is None else np.asarray(scores)
    if scores.shape != (X.shape[0],):
        raise ValueError(f"scores of shape {scores.shape} for {X.shape[0]} rows")
    rows = np.argsort(-scores, kind="stable")[: max(1, int(top_rows))]
    shown = X[rows] if table is None else table.iloc[rows]
    index, values = largest(detector.explain(shown), min(int(top_features), X.shape[1]))
    fig = Figure(figsize=(7, 1.0 + 0.32 * index.shape[1] * len(rows)))
    axes = fig.subplots(len(rows), 1, squeeze=False)[:, 0]
    for ax, row, cols, vals in zip(axes, rows, index, values, strict=True):
        colors = ["tab:red" if v >= 0 else "tab:blue" for v in vals]
        ax.barh(range(len(cols))[::-1], vals, color=colors)
        ax.set_yticks(range(len(cols))[::-1], [names[j] for j in cols], fontsize=8)
        ax.set_title(f"row {row}: score {scores[row]:.4g}", fontsize=9, loc="left")
        ax.axvline(0.0, color="black", lw=0.6)
        ax.grid(axis="x", alpha=0.3)
    axes[-1].set_xlabel(f"contribution to the score ({detector.explain_method_})")
    fig.suptitle(f"{type(detector).__name__}: top features of the top-scored rows", fontsize=10)
    fig.tight_layout()
    return _png(fig)
