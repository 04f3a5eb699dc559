"""The generic blocks a spec declares (``{ table = "<kind>", ... }`` and ``{ comparison = ... }``):
each renders from the cells into the report's current :class:`Section`, with no number typed by
hand. A block whose part has no cells renders nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from anomalab.bench.document import Section
from anomalab.bench.targets import published_table
from anomalab.reproductions.context import (
    LABELS,
    Context,
    entrant_means,
    entrant_order,
    selected_params,
)
from anomalab.reproductions.coverage import partial, parts_run, provenance
from anomalab.reproductions.grid import grid
from anomalab.reproductions.image_tables import class_mean_vs, class_means, dataset_means, per_class
from anomalab.reproductions.ladder import changes, class_fit_times, class_targets, ladder
from anomalab.reproductions.row_tables import leaderboard, method_rows, per_seed, wins

_TARGETS = {(1, 2): "half", (2, 3): "two-thirds", (3, 4): "three-quarters"}


def comparison(ctx: Context, out: Section, name: str) -> None:
    """A declared comparison: per published row, the paper's value and each entrant's mean ±
    std over seeds (a group's versions averaged per seed), its difference and whether it lies
    within the tolerance; then fit times, a verdict per entrant and its misses."""
    cmp = ctx.comparison(name)
    spec = cmp.spec
    if not cmp.entrants:
        return
    d, scale = spec.digits, spec.scale
    versions = cmp.ok.groupby(["detector", "group"])["dataset"].nunique()
    tol = f"within {spec.tolerance:g}"
    columns = [spec.label] + [c for e in cmp.entrants for c in (e, "diff", tol)]
    rows, counts = [], {e: [0, 0] for e in cmp.entrants}
    misses: dict[str, list[str]] = {e: [] for e in cmp.entrants}
    for group, (p_value, p_std) in cmp.paper.iterrows():
        row = [f"{p_value:.{d}f}" + ("" if pd.isna(p_std) else f" ± {p_std:.{d}f}")]
        for e in cmp.entrants:
            values = cmp.values(e, group)
            if values is None:
                row += ["not run", "", ""]
                continue
            mean = float(values.mean())
            std = float(values.std(ddof=1)) if len(values) > 1 else 0.0
            diff = scale * mean - p_value
            within = abs(diff) <= cmp.threshold
            counts[e][0] += int(within)
            counts[e][1] += 1
            if not within:
                misses[e].append(f"{group} ({diff:+.1f})")
            n = int(versions.loc[(e, group)])
            tag = f" ({n} versions)" if n > 1 else ""
            mine = f"{scale * mean:.{d}f} ± {scale * std:.{d}f}{tag}"
            row += [mine, f"{diff:+.{d}f}", "yes" if within else "no"]
        rows.append(row)
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(cmp.paper.index, name="dataset"))
    align = ["left", "right"] + ["right", "right", "center"] * len(cmp.entrants)
    out.table(frame, align=align)
    if spec.fit_times:
        fits = cmp.ok.groupby(["detector", "group"])["fit_seconds"].mean()
        times = pd.DataFrame(
            [
                [f"{fits.loc[(e, g)]:.1f}" if (e, g) in fits.index else "-" for e in cmp.entrants]
                for g in cmp.paper.index
            ],
            columns=cmp.entrants,
            index=pd.Index(cmp.paper.index, name="dataset"),
        )
        out.text("Mean fit time per cell (seconds):")
        out.table(times, align=["left"] + ["right"] * len(cmp.entrants))
    metric = LABELS.get(spec.metric, spec.metric)
    verdicts = []
    for e, (hit, n) in counts.items():
        line = f"- **{e}**: {tol} {metric} of the paper on {hit} of {n} datasets"
        if spec.target is not None:
            a, b = spec.target
            meets = n and hit * b >= a * n
            word = _TARGETS.get((a, b), f"{a}/{b}")
            line += f" ({'meets' if meets else 'misses'} the {word} target)"
        verdicts.append(line + ".")
    out.text("\n".join(verdicts))
    unit = " points" if scale == 100.0 else ""
    lines = [
        f"Misses of **{e}** (ours minus paper{',' + unit if unit else ''}): {', '.join(items)}."
        for e, items in misses.items()
        if items
    ]
    if lines:
        out.text("\n".join(lines))


def selections(ctx: Context, out: Section, comparison: str) -> None:
    """What each hold-out search chose, per row of a comparison (counted over seeds and
    versions): entrants whose cells record ``params.selected``."""
    cmp = ctx.comparison(comparison)
    if cmp.ok is None:
        return
    picked = selected_params(cmp.ok).dropna()
    ok = cmp.ok.loc[picked.index].assign(
        choice=picked.map(lambda d: ", ".join(f"{k} {v:g}" for k, v in sorted(d.items())))
    )
    for entrant in entrant_order(ok["detector"].unique(), cmp.spec.baseline):
        mine = ok[ok["detector"] == entrant]
        parts = []
        for group in cmp.paper.index:
            counts = mine[mine["group"] == group]["choice"].value_counts()
            if len(counts):
                parts.append(f"{group}: " + ", ".join(f"{c} x{n}" for c, n in counts.items()))
        out.text(
            f"Chosen on the hold-out by **{entrant}** (cells = seeds x versions): "
            + "; ".join(parts)
            + "."
        )


def searched(ok: pd.DataFrame) -> dict[str, list[str]]:
    """Entrants whose cells record a hold-out search (``params.selected``), alphabetically, with
    the parameters it chose."""
    picked = selected_params(ok).dropna()
    chosen = ok.loc[picked.index, "detector"]
    return {e: sorted({k for d in picked[chosen == e] for k in d}) for e in sorted(set(chosen))}


def bound(ctx: Context, out: Section, comparison: str) -> None:
    """How many rows of a comparison some entrant brings within the tolerance when the closest
    is picked per row on the test parts (a bound on what the entrants reach, never a selection),
    against each entrant whose parameters a hold-out search chose."""
    cmp = ctx.comparison(comparison)
    if not cmp.entrants:
        return
    closest = cmp.gaps.abs().min(axis=1).dropna()
    never = [g for g, v in closest.items() if v > cmp.threshold]
    best, n = int((closest <= cmp.threshold).sum()), len(closest)
    tol = f"within {cmp.spec.tolerance:g}"
    lines = [
        "Bound, not a selection: picking per dataset whichever entrant lands closest to the "
        f"paper on the test parts brings {best} of {n} rows {tol}; "
        f"{', '.join(never) or 'none'} miss with every entrant tried here."
    ]
    for entrant, params in searched(cmp.ok).items():
        hits = int((cmp.gaps[entrant].abs() <= cmp.threshold).sum())
        lines.append(
            f"The admissible counterpart `{entrant}` (the {', '.join(params)} chosen per cell on a "
            f"hold-out of the training part) brings {hits} of {n} rows {tol}"
            + (", the bound itself." if hits == best else f" against the bound's {best}.")
        )
    out.text("\n".join(lines))


def adbench(labeled: float, metric: str) -> tuple[str, str, pd.DataFrame]:
    """ADBench's semi-supervised table with ``labeled`` of the anomalies labeled: (its label,
    its source, datasets x methods in %)."""
    table = published_table("semi_supervised", {"ratio": labeled}, metric)
    return table.table, table.title, 100 * table.frame


def best_of(frame: pd.DataFrame, group: str, column: str) -> tuple[str, float, float | None]:
    """(best method, its value, the ``column`` method's value or None) of one row of ``frame``."""
    row = frame.loc[group].dropna()
    best = str(row.idxmax())
    return best, float(row[best]), float(row[column]) if column in row.index else None


def reference(
    ctx: Context, out: Section, comparison: str, labeled: float, column: str, intro: str, above: str
) -> None:
    """A comparison's rows in ADBench's own table for the same protocol (``labeled`` of the
    anomalies labeled): the paper's value, ADBench's best method, its ``column`` method and the
    best of our entrants (a bound, not a selection). The fragment ``intro`` comes first (facts
    ``percent``, ``source``), ``above`` last (``count`` of the ``rows`` where the paper's value
    lies above every ADBench method: ``above``)."""
    cmp = ctx.comparison(comparison)
    if not cmp.entrants:
        return
    label, source, frame = adbench(labeled, cmp.spec.metric)
    means = cmp.spec.scale * cmp.per_seed.groupby(["detector", "group"]).mean()
    ctx.text(out, intro, percent=100 * labeled, source=source)
    rows, beaten = [], []
    for group, p_mean in cmp.paper["value"].items():
        if group not in frame.index:
            rows.append([f"{p_mean:.2f}", f"not in {label}", "", ""])
            continue
        best, top, named = best_of(frame, group, column)
        ours = means.xs(group, level="group") if group in means.index.get_level_values(1) else None
        mine = f"{ours.max():.2f} ({ours.idxmax()})" if ours is not None else "not run"
        named_text = f"{named:.2f}" if named is not None else "-"
        rows.append([f"{p_mean:.2f}", f"{top:.2f} ({best})", named_text, mine])
        if p_mean > top:
            beaten.append(f"{group} ({p_mean:.2f} against {top:.2f}, {best})")
    columns = [
        cmp.spec.label,
        "ADBench best (method)",
        f"ADBench {column}",
        "best of ours (entrant)",
    ]
    index = pd.Index(cmp.paper.index, name="dataset")
    out.table(pd.DataFrame(rows, columns=columns, index=index), align=["left"] + ["right"] * 4)
    count, n = len(beaten), len(cmp.paper)
    ctx.text(out, above, count=count, rows=n, above=", ".join(beaten) or "none")


def means(ctx: Context, out: Section, part: str, digits: int = 4) -> None:
    """Per entrant: mean AUC-PR and AUC-ROC over datasets and seeds, then each dataset's mean
    AUC-PR over seeds."""
    rows = ctx.frame(part)
    if rows is not None:
        out.table(entrant_means(rows).round(digits))


def ranks(rows: pd.DataFrame) -> tuple[pd.DataFrame, list[str]]:
    """Per entrant: mean AUC-ROC / AUC-PR over the datasets every entrant finished (each a mean
    over seeds), average rank by each (1 = best), datasets ranked first, mean fit seconds and
    failed cells; and those datasets."""
    ok = rows[rows["status"] == "ok"]
    per = ok.groupby(["dataset", "detector"])[["auc_roc", "auc_pr"]].mean()
    counts = ok.groupby("dataset")["detector"].nunique()
    complete = counts[counts == ok["detector"].nunique()].index.tolist()
    per = per.loc[per.index.get_level_values("dataset").isin(complete)]
    board = per.groupby("detector").mean()
    for metric in ("auc_roc", "auc_pr"):
        rank = per[metric].unstack("detector").rank(axis=1, ascending=False, method="average")
        board[f"avg_rank_{metric}"] = rank.mean()
        board[f"first_{metric}"] = (rank == 1).sum()
    board["fit_seconds"] = ok.groupby("detector")["fit_seconds"].mean()
    failed = rows[rows["status"] != "ok"].groupby("detector").size()
    board["cells_failed"] = failed.reindex(board.index).fillna(0)
    return board.sort_values("avg_rank_auc_pr"), complete


def _claim(board: pd.DataFrame, entrant: str) -> str:
    """Where ``entrant`` ranks, and whether it is first on the most datasets (by AUC-PR)."""
    if entrant not in board.index:
        return ""
    pos = list(board.sort_values("avg_rank_auc_pr").index).index(entrant) + 1
    firsts = board["first_auc_pr"]
    most = firsts.idxmax()
    a = board.loc[entrant]
    return (
        f"{entrant}: average rank {a['avg_rank_auc_pr']:.2f} by AUC-PR (position {pos} of "
        f"{len(board)}), {a['avg_rank_auc_roc']:.2f} by AUC-ROC, mean AUC-ROC "
        f"{a['auc_roc']:.3f}; first by AUC-PR on {int(a['first_auc_pr'])} datasets "
        f"(most firsts: {most}, {int(firsts.max())}). The paper's claim that {entrant} ranks "
        f"first most often **{'holds' if most == entrant else 'does not hold'}** here."
    )


def ranking(
    ctx: Context, out: Section, part: str, digits: int = 3, claim: str | None = None,
    failing: str = "keep",
) -> None:  # fmt: skip
    """The ranking table over the datasets every entrant finished (per dataset the mean over
    seeds), with the verdict on ``claim`` (an entrant said to rank first most often).
    ``failing="drop"``: the same without the entrants that have failed cells (nothing if none
    has)."""
    rows = ctx.frame(part)
    if rows is None:
        return
    if failing not in ("keep", "drop"):
        raise ValueError(f"ranking: failing must be 'keep' or 'drop', got {failing!r}")
    dropped = sorted(set(rows.loc[rows["status"] != "ok", "detector"]))
    if failing == "drop":
        if not dropped:
            return
        board, complete = ranks(rows[~rows["detector"].isin(dropped)])
        out.text(
            f"Entrants with failed cells ({', '.join(dropped)}; see 'Failed cells') remove "
            f"datasets from the ranking above. Without them, over {len(complete)} datasets:"
        )
    else:
        board, complete = ranks(rows)
        out.text(
            f"Ranks over the {len(complete)} datasets that every entrant finished (per dataset "
            "the mean over seeds; 1 = best)."
        )
    out.table(board.round(digits))
    if claim:
        out.text(_claim(board, claim))


def per_dataset(
    ctx: Context, out: Section, part: str, metric: str = "auc_pr", digits: int = 3
) -> None:
    """``metric`` per dataset and entrant (mean over the seeds that finished)."""
    rows = ctx.frame(part)
    if rows is None:
        return
    ok = rows[rows["status"] == "ok"]
    out.text(f"{LABELS[metric]} per dataset (mean over the seeds that finished):")
    out.table(ok.groupby(["dataset", "detector"])[metric].mean().unstack("detector").round(digits))


def summary(
    ctx: Context, out: Section, part: str, columns: tuple[str, ...] = ("auc_roc", "auc_pr", "fit_seconds"),
    digits: int = 4,
) -> None:  # fmt: skip
    """Per entrant: the mean over its finished cells of each column, then each one's std."""
    rows = ctx.frame(part)
    if rows is None:
        return
    g = rows[rows["status"] == "ok"].groupby("detector")[list(columns)]
    out.table(g.mean().join(g.std(ddof=1).add_suffix("_std")).round(digits))


def times(ctx: Context, out: Section, parts: list[str] | None = None) -> None:
    """Per part (its store) and entrant: mean fit and score seconds over the finished cells."""
    rows = []
    for part in parts or list(ctx.frames):
        frame = ctx.frame(part)
        ok = frame[frame["status"] == "ok"] if frame is not None else frame
        for det, g in [] if ok is None else ok.groupby("detector"):
            fit, score = g["fit_seconds"].mean(), g["score_seconds"].mean()
            rows.append([ctx.spec.parts[part].store, det, f"{fit:.2f}", f"{score:.4f}", len(g)])
    columns = ["suite", "entrant", "mean fit s", "mean score s (test part)", "cells"]
    if rows:
        table = pd.DataFrame(rows, columns=columns).astype(str)
        out.table(table, index=False, align=["left", "left", "right", "right", "right"])


def failures(ctx: Context, out: Section) -> None:
    """Every failed cell of the parts, one line each with the first line of its error."""
    lines = []
    for rows in ctx.frames.values():
        for _, r in rows[rows["status"] != "ok"].iterrows():
            first = str(r["error"]).splitlines()[0]
            lines.append(f"- {r['detector']} / {r['dataset']} / seed {r['seed']}: {first}")
    if lines:
        out.text("\n".join(lines))


#: ``{ table = "<kind>" }`` in a spec -> its function (options: the function's keywords).
TABLES: dict[str, Callable[..., Any]] = {
    "bound": bound,
    "grid": grid,
    "per_class": per_class,
    "class_means": class_means,
    "class_mean_vs": class_mean_vs,
    "dataset_means": dataset_means,
    "method_rows": method_rows,
    "per_seed": per_seed,
    "leaderboard": leaderboard,
    "wins": wins,
    "reference": reference,
    "selections": selections,
    "means": means,
    "ranking": ranking,
    "per_dataset": per_dataset,
    "summary": summary,
    "times": times,
    "failures": failures,
    "partial": partial,
    "parts_run": parts_run,
    "provenance": provenance,
    "ladder": ladder,
    "changes": changes,
    "class_targets": class_targets,
    "class_fit_times": class_fit_times,
}
