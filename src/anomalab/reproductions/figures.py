"""Figure helpers for section functions: PNG bytes from a matplotlib figure, a cell's model
refitted, score histograms of normal rows against anomalies, and the JSON a probe (a measurement
that refits models) keeps beside its paper's spec, so that ``--from-archive`` renders it."""

from __future__ import annotations

import io
import json
from importlib import resources
from pathlib import Path
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
    ctx: Context, part: str, entrant: str, seed: int = 0, dataset: str | None = None,
    where: dict[str, Any] | None = None,
) -> tuple[Any, Any]:  # fmt: skip
    """(model, task): ``entrant``'s cell of ``part`` for ``seed`` (on ``dataset``, else the
    first; with the protocol parameters ``where``, e.g. a normal class) fitted again, on the
    cell's dataset, protocol and parameters as stored; LookupError when the part stores none."""
    from anomalab.bench.runner import make_entrant
    from anomalab.data import load_dataset, make_task

    rows = ctx.frame(part)
    rows = rows if dataset is None else rows[rows["dataset"] == dataset]
    if where:
        params = rows["protocol_params"].map(json.loads)
        rows = rows[params.map(lambda p: all(p.get(k) == v for k, v in where.items()))]
    rows = rows[(rows["seed"] == seed) & (rows["detector"] == entrant)]
    if rows.empty:
        raise LookupError(
            f"part {part} stores no cell of {entrant} (seed {seed}, {dataset}, {where})"
        )
    cell = rows.iloc[0]
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


def probe_file(paper: str, name: str) -> Path:
    """``specs/<paper>/<name>``: package data beside the spec, written by a probe when cells
    are run (a checkout's ``src/anomalab/reproductions/specs/...``), read by every rendering."""
    return Path(str(resources.files(__package__) / "specs" / paper / name))


def read_probe(paper: str, name: str) -> dict[str, Any] | None:
    """The probe's saved JSON, or None when there is none."""
    path = probe_file(paper, name)
    return json.loads(path.read_text(encoding="utf-8")) if path.is_file() else None


def write_probe(paper: str, name: str, data: dict[str, Any]) -> None:
    """Save the probe's JSON (indented, sorted keys: the same numbers give the same file)."""
    text = json.dumps(data, indent=1, sort_keys=True) + "\n"
    probe_file(paper, name).write_text(text, encoding="utf-8")
