"""SG-AE's figures: robustness to the training anomaly rate from the cells (Fig. 8), and two that
fit models, which ``--from-archive`` does not draw (the files already there are kept): test-score
histograms refitted from the seed-0 cells (Fig. 5) and the synthetic experiment's score gaps
(Section 4.1, Fig. 4)."""

from __future__ import annotations

import json

import numpy as np
from matplotlib.figure import Figure as Plot

from anomalab.bench.document import Figure, Section
from anomalab.reproductions.context import LABELS, Context
from anomalab.reproductions.figures import png, refit, score_histograms
from anomalab.reproductions.registry import section


@section("sgae_figures.robust_plot")
def robust_plot(ctx: Context, out: Section, part: str, param: str, metric: str) -> None:
    """``metric`` (mean and std over seeds) per entrant against the protocol parameter
    ``param`` (the training anomaly rate)."""
    rows = ctx.frame(part)
    if rows is None:
        return
    ok = rows[rows["status"] == "ok"]
    ok = ok.assign(x=ok["protocol_params"].map(lambda p: json.loads(p)[param]))
    fig = Plot(figsize=(5, 3.4))
    ax = fig.subplots()
    for det in dict.fromkeys(ok["detector"]):
        agg = ok[ok["detector"] == det].groupby("x")[metric].agg(["mean", "std"]).sort_index()
        ax.errorbar(agg.index, agg["mean"], yerr=agg["std"], marker="o", capsize=3, label=det)
    ax.set_xlabel(param.replace("_", " ") + " (training part)")
    ax.set_ylabel(f"test {LABELS[metric]}")
    ax.set_title(f"{', '.join(dict.fromkeys(ok['dataset']))}: robustness (cf. Fig. 8)", fontsize=9)
    ax.legend(fontsize=8)
    out.figure(Figure("sgae_robustness", "robustness to the anomaly rate", png(fig, dpi=90)))


@section("sgae_figures.histograms")
def histograms(ctx: Context, out: Section, part: str, panels: dict[str, str]) -> None:
    """Per dataset of the part, test-score histograms of each entrant of ``panels`` (its label:
    the panel's title), refitted from its seed-0 cell; from the archive nothing is fitted."""
    rows = ctx.frame(part)
    if rows is None:
        return
    ctx.text(out, "histograms")
    for dataset in dict.fromkeys(rows["dataset"]):
        figure = Figure(f"sgae_hist_{dataset}", f"{dataset}: test scores", None, half=True)
        out.figure(figure)
        if ctx.from_archive:
            continue
        drawn = []
        for entrant, title in panels.items():
            model, task = refit(ctx, part, entrant, dataset=dataset)
            drawn.append((f"{dataset}: {title}", model.decision_function(task.X_test)))
        figure.png = score_histograms(drawn, task.y_test, ("normal", "anomalous"))


def _synthetic_panel(
    kind: str, params: dict, epochs: tuple[int, ...], preset: str
) -> tuple[np.ndarray, float]:
    """Eq. 14's score gaps after each number of ``epochs`` (each a fit of that many epochs with
    seed 0: the first k epochs of a longer run), and the test AUC-ROC at the last."""
    from anomalab.data.synthetic import fields, make_synthetic, score_gaps
    from anomalab.detectors import SGAE
    from anomalab.metrics import auc_roc

    train, test = make_synthetic(kind, seed=0), make_synthetic(kind, seed=1)
    field = fields(test.v, kind)
    dims = (20,) if kind == "1d" else (64, 20)
    gaps, auc = [], float("nan")
    for k in epochs:
        det = SGAE(hidden_dims=dims, epochs=k, random_state=0, preset=preset, **params)
        det.fit(train.X)
        scores = det.decision_function(test.X)
        gaps.append(score_gaps(scores, test.y, field))
        auc = auc_roc(test.y, scores)
    return np.array(gaps), auc


@section("sgae_figures.synthetic")
def synthetic(ctx: Context, out: Section, epochs: list[int], preset: str) -> None:
    """The 1-D and 2-D synthetic sets (Section 4.1): SG-AE's and its AE's score gap per field
    (Eq. 14) against the training epochs, at ``preset``; from the archive nothing is fitted."""
    from anomalab.data.synthetic import FIELDS

    ctx.text(out, "synthetic")
    out.figure(figure := Figure("sgae_synthetic", "synthetic score gaps (Fig. 4)", None))
    if ctx.from_archive:
        return
    fig = Plot(figsize=(9, 6))
    axes = fig.subplots(2, 2)
    for row, kind in enumerate(("1d", "2d")):
        for col, (label, params) in enumerate((("SG-AE", {}), ("AE", {"variant": "ae"}))):
            gaps, auc = _synthetic_panel(kind, params, tuple(epochs), preset)
            ax = axes[row, col]
            for i, name in enumerate(FIELDS):
                ax.plot(epochs, gaps[:, i], marker=".", label=name)
            ax.set_title(f"{kind}: {label} (AUC-ROC at {epochs[-1]} ep. {auc:.3f})", fontsize=9)
            ax.set_xlabel("epochs")
            ax.set_ylabel("score gap S_i (Eq. 14)")
            ax.legend(fontsize=7)
    figure.png = png(fig)
