"""PLAD's analyses that its spec (``specs/plad.toml``) cannot declare: the issue's checks, Table 5
under DROCC's conventions, the lambda chosen on the dev half and read on the final half, the
timing probe, and probes that refit models (the learned perturbation on thyroid and on images,
saved beside the spec when cells are run and read by every rendering)."""

from __future__ import annotations

import contextlib
import json
from typing import Any

import numpy as np
import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions.context import Context, finished_of
from anomalab.reproductions.figures import read_probe, refit, write_probe
from anomalab.reproductions.image_tables import NOT_RUN, class_mean, mean_std, with_class
from anomalab.reproductions.registry import section
from anomalab.reproductions.row_tables import method_frame, paper_cell
from anomalab.targets import published_value

PAPER = "plad"
COMMAND = "anomalab reproduce plad --parts {parts}"


def _ours(ok: pd.DataFrame, entrant: str, dataset: str, metric: str) -> pd.Series:
    return ok.loc[(ok["detector"] == entrant) & (ok["dataset"] == dataset), metric]


@section("plad.checks")
def checks(
    ctx: Context, out: Section, tabular: str, images: str, f1: dict[str, list],
    auc_roc: dict[str, list],
) -> None:  # fmt: skip
    """The issue's targets: Table 5's F1 (``f1``: dataset -> [entrant, bound]) and the ten-class
    mean AUC-ROC of the cpu preset (``auc_roc``), each against its bound."""
    lines, ok = [], finished_of(ctx, [tabular])
    for dataset, (entrant, bound) in f1.items():
        paper = published_value(PAPER, "Table 5", dataset, "PLAD", "f1")[0]
        mean = _ours(ok, entrant, dataset, "f1").mean() if ok is not None else np.nan
        verdict = "not run" if np.isnan(mean) else f"ours {mean:.3f} -> " + _holds(mean, bound)
        lines.append(f"- {dataset} F1 >= {bound:.2f} (paper {paper}): {verdict}")
    ok = finished_of(ctx, [images])
    for dataset, (entrant, bound) in auc_roc.items():
        paper = published_value(PAPER, "Table 4", dataset, "PLAD", "auc_roc")[0]
        mean = class_mean(with_class(ok), dataset, entrant, "auc_roc") if ok is not None else None
        verdict = "not established (not all ten classes ran)"
        if mean is not None:
            verdict = f"ours {mean.text(1.0, 3)} -> {_holds(mean.mean, bound)}"
        head = f"- {dataset} mean AUC >= {bound:.2f} with the cpu preset (paper {paper})"
        lines.append(f"{head}: {verdict}")
    out.text("\n".join(lines))


def _holds(value: float, bound: float) -> str:
    return "holds" if value >= bound else "does NOT hold"


def drocc_bounds(ctx: Context, datasets: list[str], seeds: list[int]) -> dict[str, Any]:
    """DROCC's F1 of a perfect and of random rankings (mean of 200) on each seed's test rows."""
    from anomalab.data import load_dataset, make_task
    from anomalab.metrics import f1_rule_bounds

    rng, bounds = np.random.default_rng(0), {"perfect": {}, "random": {}}
    for d in datasets:
        data = load_dataset(d, ctx.data_root)
        for seed in seeds:
            y = make_task(data, "drocc_one_class", seed=seed).y_test
            for kind, value in zip(bounds, f1_rule_bounds(y, "normal_at_p20", rng), strict=True):
                bounds[kind].setdefault(d, []).append(value)
    return bounds


@section("plad.drocc")
def drocc(
    ctx: Context, out: Section, part: str, file: str, main: dict[str, str],
    entrants: list[str], auc: list[str],
) -> None:  # fmt: skip
    """Table 5's settings under DROCC's split and F1, between a perfect and a random ranking of
    the same test rows (saved in ``file`` when cells are run), then the AUC-ROC of ``auc``."""
    ok = finished_of(ctx, [part])
    datasets = list(main)
    if not ctx.from_archive:
        seeds = sorted(int(s) for s in ok["seed"].unique())
        bounds = drocc_bounds(ctx, datasets, seeds)
        write_probe(PAPER, file, {"command": COMMAND.format(parts=part), **bounds})
    labels = {d: d.title() for d in datasets}
    paper = method_frame(
        ctx, ok, datasets, [["PLAD (paper, Table 5)", "paper:PLAD"]], "f1", "Table 5", labels
    )
    ours = method_frame(
        ctx, ok, datasets, [[f"{e}, ours", e] for e in entrants], "f1", None, labels
    )
    bounds = [
        ["perfect ranking (every anomaly above every normal)", "perfect"],
        ["random ranking (mean of 200 draws per seed)", "random"],
    ]
    saved = read_probe(PAPER, file) or {}
    rows = [
        [label, *(mean_std(pd.Series(saved[k][d])) for d in datasets)]
        for label, k in bounds
        if k in saved
    ]
    frame = pd.concat([paper, pd.DataFrame(rows, columns=paper.columns), ours])
    out.table(frame, index=False, align=["left"] + ["right"] * len(datasets))
    means = [f"{e} {d} {_ours(ok, e, d, 'auc_roc').mean():.3f}" for e in auc for d in datasets]
    out.text("Mean AUC-ROC on the same cells: " + "; ".join(means) + ".")
    scores = "; ".join(
        f"{d} {100 * _ours(ok, e, d, 'f1').mean():.1f} (paper "
        f"{paper_cell(PAPER, 'Table 5', 'PLAD', d, 'f1', 1).split(' ')[0]})"
        for d, e in main.items()
    )
    ctx.text(out, "drocc_reading", scores=scores)


@section("plad.perturbation")
def perturbation(ctx: Context, out: Section, part: str, file: str, lam: float) -> None:
    """The perturbation PLAD learns on thyroid's training normals (seed 0, lambda ``lam``):
    how well the classifier separates it, its size, and how much of it is shared by every
    point; refitted when cells are run, read from ``file`` always."""
    if not ctx.from_archive:
        write_probe(PAPER, file, {"command": COMMAND.format(parts=part), **thyroid_probe(ctx, lam)})
    if (saved := read_probe(PAPER, file)) is None:
        return
    vector = ", ".join(f"{v:+.2f}" for v in saved["shift_mean"])
    spread = ", ".join(f"{v:.2f}" for v in saved["shift_std"])
    ctx.text(out, "perturbation", **saved, vector=vector, spread_values=spread)


def thyroid_probe(ctx: Context, lam: float) -> dict[str, Any]:
    from anomalab.data import load_dataset, make_task
    from anomalab.detectors.plad import PLAD
    from anomalab.detectors.plad_probe import perturbation_summary

    X = make_task(load_dataset("thyroid", ctx.data_root), "goad_one_class", seed=0).X_train
    return perturbation_summary(PLAD(preset="paper", lam=lam, random_state=0).fit(X), X)


@section("plad.lambda_sweep")
def lambda_sweep(
    ctx: Context, out: Section, part: str, final: str, paper_lambda: dict[str, float],
    variants: list[str], paper_part: str = "",
) -> None:  # fmt: skip
    """Per variant, dev-half F1 by lambda; then on the final half (``final``, ``paper_part`` for
    paper lambdas the sweep lacks) the best mean dev F1's lambda (ties: the smaller), the paper's."""
    ok, done = finished_of(ctx, [part]), finished_of(ctx, [final, paper_part])
    rows = []
    for prefix in variants:
        named = {
            e: float(e.split("=")[1])
            for e in ok["detector"].unique()
            if e.startswith(f"{prefix} lam=")
        }
        table = [
            [f"{lam:g}", *(mean_std(_ours(ok, e, d, "f1")) for d in paper_lambda)]
            for e, lam in sorted(named.items(), key=lambda kv: kv[1])
        ]  # fmt: skip
        out.text(f"Dev-half F1 (%), {prefix}:")
        frame = pd.DataFrame(table, columns=["lambda", *paper_lambda])
        out.table(frame, index=False, align=["left"] + ["right"] * len(paper_lambda))
        for d, paper in paper_lambda.items():
            means = {lam: _ours(ok, e, d, "f1").mean() for e, lam in named.items()}
            best = max(means, key=lambda k: (np.nan_to_num(means[k], nan=-1.0), -k))
            picked = [
                mean_std(_ours(done, f"{prefix} lam={lam:g}", d, "f1")) if done is not None else NOT_RUN
                for lam in (best, paper)
            ]  # fmt: skip
            rows.append([d, prefix, f"{best:g}", picked[0], f"{paper:g}", picked[1]])
    out.text("Final-half F1 (%): dev-selected lambda vs the paper's lambda:")
    columns = ["dataset", "variant", "selected lambda", "F1 (selected)", "paper lambda"]
    frame = pd.DataFrame(rows, columns=[*columns, "F1 (paper)"])
    out.table(frame, index=False, align=["left", "left"] + ["right"] * 4)


def image_probe(ctx: Context, part: str, entrant: str, cells: list[str]) -> list[dict]:
    """Refit ``entrant``'s seed-0 cell of each ``dataset:class`` and measure what it learned."""
    from anomalab.detectors.plad_probe import shared_direction

    rows = []
    for name in cells:
        dataset, normal = name.split(":")
        det, task = refit(ctx, part, entrant, 0, dataset, {"normal_class": int(normal)})
        rows.append({"cell": name, **shared_direction(det, task.X_train, task.X_test, task.y_test)})
    return rows


#: The image probe's measurements, in the table's order, with their decimals.
PROBE_COLUMNS = {
    "train_separation_auc": 3, "median_relative_size": 3, "spread": 2,
    "median_cos_to_mean_shift": 2, "test_auc": 3, "test_auc_along_u": 3, "spearman_score_vs_u": 2,
}  # fmt: skip


@section("plad.image_probe")
def image_probes(
    ctx: Context, out: Section, part: str, file: str, entrant: str, cells: list[str]
) -> None:
    """The image probe's table from ``file`` (refitted when the images part's cells are run and
    holds the seed-0 cells of ``entrant`` on ``cells``)."""
    if not ctx.from_archive and ctx.frame(part) is not None:
        with contextlib.suppress(LookupError):  # a probed cell not stored yet: the JSON stays
            rows = image_probe(ctx, part, entrant, cells)
            write_probe(PAPER, file, {"command": COMMAND.format(parts=part), "rows": rows})
    if (saved := read_probe(PAPER, file)) is None:
        return
    ctx.text(out, "image_probe", command=saved["command"])
    columns = ["cell", "train separation AUC", "median size", "spread", "median cos to u"]
    columns += ["test AUC", "test AUC of x . u", "Spearman(score, x . u)"]
    table = [
        [r["cell"], *(f"{r[k]:.{n}f}" for k, n in PROBE_COLUMNS.items())] for r in saved["rows"]
    ]
    out.table(pd.DataFrame(table, columns=columns), index=False, align=["left"] + ["right"] * 7)
    if inverted := [r["cell"] for r in saved["rows"] if r["test_auc"] < 0.5]:
        ctx.text(out, "image_probe_inverted", cells=", ".join(inverted))


@section("plad.timing")
def timing(ctx: Context, out: Section, part: str) -> None:
    """The timing probe's fit and score seconds, and the run time they extrapolate to."""
    if (ok := finished_of(ctx, [part])) is None or ok.empty:
        return
    cell = ok.iloc[0]
    epochs = json.loads(cell["params"])["epochs"]
    fit, score = float(cell["fit_seconds"]), float(cell["score_seconds"])
    minutes = 10 * (20 * fit / epochs + score) / 60
    ctx.text(
        out, "timing", epochs=epochs, fit=fit, per_epoch=fit / epochs, score=score, minutes=minutes
    )
