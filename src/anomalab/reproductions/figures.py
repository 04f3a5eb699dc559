"""Figure helpers for section functions: PNG bytes from a matplotlib figure, a cell's model
refitted, and score histograms of normal rows against anomalies."""

from __future__ import annotations

import io
import json
from typing import Any

import numpy as np
from matplotlib.figure import Figure as Plot

from anomalab.reproductions.context import Context


def png(fig: Plot, dpi: int = 80) -> bytes:
    """The figure (laid out tightly) as PNG bytes."""
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png", dpi=dpi)
    return buffer.getvalue()


def refit(
    ctx: Context, part: str, entrant: str, seed: int = 0, dataset: str | None = None
) -> tuple[Any, Any]:
    """(model, task): ``entrant``'s cell of ``part`` for ``seed`` (on ``dataset``, else the
    first) fitted again, on the cell's dataset, protocol and parameters as stored."""
    from anomalab.bench.runner import make_entrant
    from anomalab.data import load_dataset, make_task

    rows = ctx.frame(part)
    rows = rows if dataset is None else rows[rows["dataset"] == dataset]
    cell = rows[(rows["seed"] == seed) & (rows["detector"] == entrant)].iloc[0]
    dataset = load_dataset(cell["dataset"], ctx.data_root)
    task = make_task(dataset, cell["protocol"], seed, **json.loads(cell["protocol_params"]))
    params = json.loads(cell["params"])
    return make_entrant(params.pop("detector"), params, seed).fit(task.X_train, task.y_train), task


def score_histograms(
    panels: list[tuple[str, np.ndarray]], y: np.ndarray, labels: tuple[str, str]
) -> bytes:
    """One panel per (title, scores): densities of the scores of rows labeled 0 and 1 (named
    ``labels``), clipped to their 0.5-99.5 percentiles (heavy tails would hide the bulk)."""
    fig = Plot(figsize=(3 * len(panels), 2.6))
    axes = fig.subplots(1, len(panels))
    for ax, (title, scores) in zip(np.atleast_1d(axes), panels, strict=True):
        lo, hi = np.percentile(scores, [0.5, 99.5])
        scores, bins = np.clip(scores, lo, hi), np.linspace(lo, hi, 40)
        for value, label in enumerate(labels):
            ax.hist(scores[y == value], bins=bins, alpha=0.6, density=True, label=label)
        ax.set_title(title, fontsize=8)
        ax.tick_params(labelsize=6)
    np.atleast_1d(axes)[0].legend(fontsize=7)
    return png(fig)
