"""AnoRand's analyses that its spec (``specs/anorand.toml``) cannot declare: paragraphs whose
numbers come from the cells (their prose is in ``specs/anorand/*.md``), the comparison with
ADBench's fully supervised table, two figures, and the MNIST 1-vs-7 dataset."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure as Plot

from anomalab.bench.document import Figure, Section
from anomalab.reproductions.context import Context, entrant_means, selected_params
from anomalab.reproductions.figures import png, refit, score_histograms
from anomalab.reproductions.registry import dataset_builder, section
from anomalab.reproductions.tables import adbench, best_of, searched

MEAN = "mean AUC-PR"


def _means(ctx: Context, part: str, needed: set[str]) -> pd.DataFrame | None:
    """The sweep table of ``part`` when it has every entrant in ``needed``."""
    rows = ctx.frame(part)
    table = entrant_means(rows) if rows is not None else None
    return table if table is not None and needed <= set(table.index) else None


@section("anorand.training_budget")
def training_budget(ctx: Context, out: Section, part: str, option: str) -> None:
    """Why the defaults miss Table 2, from the supervised validation sweep."""
    if (t := _means(ctx, part, {"default", option})) is None:
        return
    d, f = t.loc["default"], t.loc[option]
    per = ", ".join(f"{c} {d[c]:.3f} -> {f[c]:.3f}" for c in t.columns if c[:4] != "mean")
    best = t[MEAN].idxmax()
    ctx.text(
        out, "why_budget", option=option, before=d[MEAN], after=f[MEAN], per_dataset=per, best=best
    )


@section("anorand.options_vs_default")
def options_vs_default(ctx: Context, out: Section, comparison: str) -> None:
    """Each option entrant against the baseline on the same cells: where it is lower, and where
    its seeds spread widely (std over seeds above 10 AUC-PR points)."""
    cmp = ctx.comparison(comparison)
    default = cmp.spec.baseline
    if default not in cmp.entrants:
        return
    per, search = cmp.per_seed, searched(cmp.ok)
    for e in cmp.entrants[1:]:
        diff = (per.loc[e] - per.loc[default]).dropna().groupby("group").mean()
        spread = per.loc[e].groupby("group").std(ddof=1)
        lower = ", ".join(f"{g} ({100 * d:+.1f})" for g, d in diff.items() if d < 0)
        wide = ", ".join(f"{g} ({100 * v:.1f})" for g, v in spread.items() if v > 0.10)
        if e in search:
            why = "Its learning rate is chosen per cell on training data; "
        else:
            why = "A single learning rate does not suit every dataset; " if lower else ""
        lower, wide = lower or "no dataset", wide or "no dataset"
        ctx.text(out, "option", entrant=e, baseline=default, lower=lower, wide=wide, why=why)


@section("anorand.search_misses")
def search_misses(ctx: Context, out: Section, comparison: str, labeled: float) -> None:
    """Each hold-out entrant's misses, one line per dataset: ours, the paper, ADBench's best
    method and its MLP (``labeled`` of the anomalies labeled), and the hold-out's choices."""
    cmp = ctx.comparison(comparison)
    if not cmp.entrants:
        return
    frame = adbench(labeled, cmp.spec.metric)[2]
    picked = selected_params(cmp.ok)
    for entrant, params in searched(cmp.ok).items():
        items = []
        for group, p_mean in cmp.paper["value"].items():
            if (values := cmp.values(entrant, group)) is None:
                continue
            values = cmp.spec.scale * values
            if abs(values.mean() - p_mean) <= cmp.threshold:
                continue
            text = (
                f"{group}: ours {values.mean():.2f} ± {values.std(ddof=1):.2f}, paper {p_mean:.2f}"
            )
            if group in frame.index:
                best, top, mlp = best_of(frame, group, "MLP")
                text += f", ADBench best {top:.2f} ({best})"
                if mlp is not None:
                    text += f", ADBench MLP {mlp:.2f}"
                    if values.mean() >= mlp - 2.0:
                        text += " (ours within 2 points of ADBench's MLP or above it)"
                if p_mean > top:
                    text += "; the paper's value lies above every published ADBench method"
            chosen = picked[(cmp.ok["detector"] == entrant) & (cmp.ok["group"] == group)]
            for p in params:
                text += f"; {p} chosen " + ", ".join(f"{c[p]:g}" for c in chosen.dropna())
            items.append(f"- {text}")
        if items:
            out.text(
                f"Misses of **{entrant}**, one by one (AUC-PR %, ours = mean ± sample std over "
                "seeds):"
            )
            out.text("\n".join(items))


@section("anorand.sweep_pairs")
def sweep_pairs(ctx: Context, out: Section, part: str, pairs: dict[str, str], text: str) -> None:
    """Each option of the sweep against its twin (mean AUC-PR): ``text="best_epoch"`` says
    whether keeping the best epoch helps; ``"real_labels"`` where the option is higher."""
    t = _means(ctx, part, set())
    found = [(a, b) for a, b in pairs.items() if t is not None and {a, b} <= set(t.index)]
    if not found:
        return
    datasets = [c for c in t.columns if c[:4] != "mean"]
    said = []
    for a, b in found:
        said.append(f"`{a}` {t.loc[a, MEAN]:.3f} against `{b}` {t.loc[b, MEAN]:.3f}")
        if text == "real_labels":
            up = [c for c in datasets if t.loc[a, c] > t.loc[b, c]]
            said[-1] += f" (higher on {len(up)} of {len(datasets)}: {', '.join(up) or 'none'})"
    if any(t.loc[a, MEAN] > t.loc[b, MEAN] for a, b in found):
        verdict = (
            "it helps at one learning rate at least, but Table 2's options keep the last epoch"
        )
    else:
        verdict = (
            "it does not help on average (the held-out rows are lost to training), so Table 2's "
            "option keeps the paper's last-epoch model"
        )
    ctx.text(out, text, pairs="; ".join(said), verdict=verdict)


@section("anorand.unsup_why")
def unsup_why(ctx: Context, out: Section, part: str) -> None:
    """Validation evidence on why the unsupervised fused score is weak (score ablations)."""
    if (t := _means(ctx, part, {"default", "score=ae", "score=mlp"})) is None:
        return
    t = t[MEAN]
    ctx.text(out, "unsup_why", fused=t["default"], mlp=t["score=mlp"], ae=t["score=ae"])


@section("anorand.sweep_plot")
def sweep_plot(
    ctx: Context, out: Section, parts: dict[str, str], defaults: dict[str, float]
) -> None:
    """Validation AUC-PR against each swept parameter (mean over datasets and seeds)."""
    tables = {m: _means(ctx, p, set()) for m, p in parts.items()}
    tables = {m: t for m, t in tables.items() if t is not None}
    if not tables:
        return
    fig = Plot(figsize=(10, 2.8))
    axes = fig.subplots(1, len(defaults))
    for ax, (param, default) in zip(axes, defaults.items(), strict=True):
        for mode, table in tables.items():
            points = sorted(
                (default if label == "default" else float(label.split("=")[1]), value)
                for label, value in table[MEAN].items()
                if label == "default" or label.startswith(param + "=")
            )
            if len(points) > 1:
                ax.plot(*zip(*points, strict=True), marker="o", label=mode)
        ax.axvline(default, color="grey", lw=0.8, ls="--")
        ax.set_xlabel(param, fontsize=8)
        ax.set_ylabel("validation AUC-PR", fontsize=8)
        ax.tick_params(labelsize=7)
        ax.set_xscale("log" if param == "sigma" else "linear")
    axes[0].legend(fontsize=7)
    out.figure(Figure("anorand_sweeps", "sweeps", png(fig)))


@section("anorand.mnist_histograms")
def mnist_histograms(ctx: Context, out: Section, part: str, entrants: list[str]) -> None:
    """Score histograms on the test part of seed 0 (AnoRand's fused score and its two blocks,
    then ``entrants``), from the seed-0 cells refitted; when rendering from the archive nothing
    is fitted and the figure file already there is kept."""
    if ctx.frame(part) is None:
        return
    ctx.text(out, "mnist_histograms")
    out.figure(figure := Figure("anorand_mnist_hist", "mnist", None))
    if ctx.from_archive:
        return
    model, task = refit(ctx, part, "AnoRand")
    ae, mlp = model.block_scores(task.X_test)
    panels = [("AnoRand (fused, Eq. 8)", model.decision_function(task.X_test))]
    panels += [("AnoRand MLP block", mlp), ("AnoRand AE block (Eq. 6)", ae)]
    for name in entrants:
        panels.append((name, refit(ctx, part, name)[0].decision_function(task.X_test)))
    figure.png = score_histograms(panels, task.y_test, ("digit 1", "digit 7"))


@dataset_builder("anorand.mnist_1v7")
def mnist_1v7(folder: Path, data_root: Path | None) -> Path:
    """Digit 1 normal + 5 % digit 7 (Sec. 6.2): the official train+test images, sevens drawn
    with seed 0, as ``folder/mnist_1v7.npz`` (written once); returned relative to the working
    directory."""
    from anomalab.data import load_dataset

    path = folder / "mnist_1v7.npz"
    if not path.is_file():
        data = load_dataset("mnist-images", data_root)
        X = data.X.reshape(len(data.X), -1)
        ones, sevens = np.flatnonzero(data.y == 1), np.flatnonzero(data.y == 7)
        n7 = round(0.05 * len(ones) / 0.95)
        sevens = np.sort(np.random.default_rng(0).choice(sevens, n7, replace=False))
        folder.mkdir(parents=True, exist_ok=True)
        y = np.r_[np.zeros(len(ones)), np.ones(len(sevens))].astype(np.int64)
        np.savez(path, X=X[np.concatenate([ones, sevens])].astype(np.float32), y=y)
    return Path(os.path.relpath(path))
