"""DevNet's tables that its spec (``specs/devnet.toml``) cannot declare: Table 1's verdict, the
protocol variants side by side, the ADBench semi-supervised comparison at one labeled ratio (ours
and the peers beside ADBench's published columns) and the speed run of
``benchmarks/devnet_speed.py``. The paper's numbers are the package's published ones
(:func:`anomalab.targets.published`), ADBench's through :mod:`anomalab.bench.targets`."""

from __future__ import annotations

import json
from importlib import resources
from importlib.resources.abc import Traversable

import numpy as np
import pandas as pd

from anomalab.bench.document import Section
from anomalab.bench.targets import published_table
from anomalab.reproductions.context import LABELS, Context, finished_of, ms, stored_of
from anomalab.reproductions.coverage import declared
from anomalab.reproductions.grid import aligned, paper_datasets, paper_values, values
from anomalab.reproductions.registry import section

PAPER = "devnet"
BASE = "DevNet"  # our entrant, and ADBench's column it is compared with
METRICS = ("auc_roc", "auc_pr")


@section("devnet.within")
def within(
    ctx: Context, out: Section, part: str, entrant: str, paper_table: str,
    tolerance: dict[str, float], not_held: dict[str, str],
) -> None:  # fmt: skip
    """Per dataset of the paper's ``paper_table``: whether ``entrant``'s means over seeds lie
    within ``tolerance`` (per metric) of the paper's; ``not_held`` (dataset: why) are shown
    beside the paper, not held to it."""
    ok = finished_of(ctx, [part])
    if ok is None:
        return
    paper = paper_values(PAPER, paper_table)
    hits, misses, other, unrun = [], [], [], []
    for dataset in paper_datasets(PAPER, ok, None, paper_table):
        means = {m: values(ok, entrant, dataset, m).mean() for m in tolerance}
        if any(np.isnan(v) for v in means.values()):
            unrun.append(dataset)
        elif dataset in not_held:
            other.append(f"{dataset} ({not_held[dataset]})")
        else:
            gaps = {m: means[m] - paper[(dataset, entrant, m)] for m in tolerance}
            if all(abs(g) <= tolerance[m] for m, g in gaps.items()):
                hits.append(dataset)
            else:
                misses.append(f"{dataset} ({', '.join(f'{g:+.3f}' for g in gaps.values())})")
    bounds = " and ".join(f"{t:g} {LABELS[m]}" for m, t in tolerance.items())
    lines = [
        f"- {entrant} within {bounds} of the paper (means over seeds) on {len(hits)} of "
        f"{len(hits) + len(misses)} datasets: {', '.join(hits) or 'none'}."
    ]
    if misses:
        lines.append(f"- **Not within** (ours minus paper): {', '.join(misses)}.")
    if other:
        lines.append(f"- Shown beside the paper, not held to it: {', '.join(other)}.")
    if unrun:
        lines.append(f"- Not run: {', '.join(unrun)}.")
    out.text("\n".join(lines))


@section("devnet.settings")
def settings(
    ctx: Context, out: Section, part: str, entrant: str, settings: dict[str, dict],
    paper_table: str, also: list[str] | None = None,
) -> None:  # fmt: skip
    """``entrant``'s AUC-ROC and AUC-PR (mean ± std over seeds) per dataset of the paper's
    ``paper_table`` under each protocol setting (``settings``: column label -> the protocol
    parameters that pick its cells among those of ``part`` and ``also``)."""
    ok = finished_of(ctx, [part, *(also or [])])
    if ok is None:
        return
    params = ok["protocol_params"].map(json.loads)
    rows, names = [], paper_datasets(PAPER, ok, None, paper_table)
    for dataset in names:
        row = []
        for wanted in settings.values():
            picked = params.map(lambda p, w=wanted: all(p.get(k) == v for k, v in w.items()))
            row += [ms(values(ok[picked], entrant, dataset, m)) for m in METRICS]
        rows.append(row)
    columns = [f"{label} {LABELS[m]}" for label in settings for m in METRICS]
    frame = pd.DataFrame(rows, columns=columns, index=pd.Index(names, name="dataset"))
    out.table(frame, align=aligned(frame))


def _ratio(rows: pd.DataFrame, ratio: float) -> pd.DataFrame:
    value = rows["protocol_params"].map(lambda p: json.loads(p).get("ratio", np.nan))
    return rows[np.isclose(value.astype(float), ratio)]


def _adbench(ratio: float, metric: str, column: str = BASE) -> pd.Series:
    """ADBench's published ``column`` (0-1) at labeled ``ratio``, by dataset."""
    table = published_table("semi_supervised", {"ratio": ratio}, metric)
    if table is None or column not in table.frame.columns:
        raise ValueError(f"ADBench publishes no {metric} {column} column at labeled ratio {ratio}")
    return table.frame[column]


def _summary(ok: pd.DataFrame, ratio: float, present: list[str], exact: list[int]) -> list:
    """One row per entrant (ADBench's published column of a DeepOD peer, and the entrant on
    ADBench's own splits ``exact``, after it) over the datasets it ran."""
    means = ok.groupby(["dataset", "detector"])[list(METRICS)].mean()
    published = published_table("semi_supervised", {"ratio": ratio}, "auc_roc").frame
    target = _adbench(ratio, "auc_roc")
    base = means.xs(BASE, level="detector") if (ok["detector"] == BASE).any() else None
    rows = []
    for e in present:
        m = means.xs(e, level="detector")
        sets = list(m.index)
        ours = f"{base.reindex(sets)['auc_roc'].mean():.4f}" if base is not None else "not run"
        rows.append(
            [e, len(sets), int((ok["detector"] == e).sum())]
            + [f"{m[k].mean():.4f}" for k in METRICS]
            + [ours, f"{target.reindex(sets).mean():.4f}"]
        )
        name = e.removeprefix("DeepOD-")
        if name != e and name != BASE and name in published.columns:
            theirs = published[name].reindex(sets)
            label = f"ADBench's published {name} (their own code), same datasets"
            rows.append([label, int(theirs.notna().sum()), "-", f"{theirs.mean():.4f}", "", "", ""])
        sub = ok[(ok["detector"] == e) & ok["seed"].isin(exact)]
        if exact and e.startswith(BASE) and len(sub):
            m3 = sub.groupby("dataset")["auc_roc"].mean()
            seeds = ", ".join(map(str, exact))
            label = f"{e}, seeds {seeds} only (ADBench's own splits)"
            rows.append(
                [label, len(m3), len(sub), f"{m3.mean():.4f}", "", ""]
                + [f"{target.reindex(list(m3.index)).mean():.4f}"]
            )
    return rows


@section("devnet.adbench")
def adbench(
    ctx: Context, out: Section, part: str, ratio: float, also: list[str] | None = None,
    exact_seeds: list[int] | None = None,
) -> None:  # fmt: skip
    """The cells of ``part`` (and ``also``) at labeled ``ratio``: the declared entrants not run,
    each entrant's means beside our DevNet and ADBench's published DevNet on the same datasets,
    the seed-to-seed standard error of our DevNet's mean, same-cell comparisons with it, and the
    per-dataset table."""
    parts = [part, *(also or [])]
    rows = stored_of(ctx, parts)
    if rows is None:
        return
    at = _ratio(rows, ratio)
    ok, bad = at[at["status"] == "ok"], at[at["status"] != "ok"]
    named = [
        c.name for p in parts for c in declared(ctx, p) or []
        if np.isclose(c.protocol_params.get("ratio", np.nan), ratio)
    ]  # fmt: skip
    names = list(dict.fromkeys([*named, *ok["detector"]]))
    present = [e for e in names if (ok["detector"] == e).any()]
    failed = set(zip(bad["dataset"], bad["detector"], strict=True))
    if gone := [e for e in names if e not in present and e in set(bad["detector"])]:
        out.text(f"Failed on every dataset it ran at this ratio: {', '.join(gone)}.")
    if missing := [e for e in names if e not in present and e not in gone]:
        out.text(f"Not run at this ratio: {', '.join(missing)}.")
    if ok.empty:
        return
    out.text(
        "Each entrant's mean over the datasets it ran (per-dataset means over seeds, then "
        "averaged), beside our DevNet and ADBench's published DevNet on the same datasets:"
    )
    columns = ["entrant", "datasets", "cells", "mean AUC-ROC", "mean AUC-PR"]
    columns += ["our DevNet, same datasets", "ADBench DevNet (published), same datasets"]
    summary = pd.DataFrame(_summary(ok, ratio, present, exact_seeds or []), columns=columns)
    out.table(summary.astype(str), index=False, align=["left"] + ["right"] * 6)
    group = ok.groupby(["dataset", "detector"])["auc_roc"]
    mean, std, count = group.mean(), group.std().fillna(0.0), group.size()
    if BASE in present:
        sd, n = std.xs(BASE, level="detector"), count.xs(BASE, level="detector")
        se = float(np.sqrt((sd**2 / n).sum()) / len(n))
        out.text(
            f"Seed-to-seed standard error of our DevNet's mean AUC-ROC over these {len(n)} "
            f"datasets: {se:.4f} (sqrt(sum of per-dataset std^2 / n) / datasets)."
        )
        a = ok[ok["detector"] == BASE].set_index(["dataset", "seed"])["auc_roc"]
        same = []
        for peer in (p for p in present if p != BASE):
            b = ok[ok["detector"] == peer].set_index(["dataset", "seed"])["auc_roc"]
            common = a.index.intersection(b.index)
            if len(common):
                label = f"DevNet vs {peer} on their {len(common)} common cells"
                same.append([label, f"{a[common].mean():.4f} vs {b[common].mean():.4f}"])
        if same:
            frame = pd.DataFrame(same, columns=["same-cell comparison", "mean AUC-ROC"])
            out.table(frame, index=False, align=["left", "right"])
    targets = {m: _adbench(ratio, m) for m in METRICS}
    pr = ok[ok["detector"] == BASE].groupby("dataset")["auc_pr"].mean()
    table = []
    for dataset in sorted(ok["dataset"].unique(), key=str.lower):
        row = [dataset, " / ".join(f"{targets[m].get(dataset, np.nan):.3f}" for m in METRICS)]
        for e in present:
            key = (dataset, e)
            gap = "failed" if key in failed else "not run"
            row.append(f"{mean[key]:.3f} ± {std[key]:.3f} ({count[key]})" if key in mean else gap)
        table.append(row + [f"{pr[dataset]:.3f}" if dataset in pr else "not run"])
    columns = ["dataset", "ADBench DevNet ROC / PR", *(f"{e} ROC" for e in present)]
    frame = pd.DataFrame(table, columns=[*columns, "our DevNet PR"])
    out.table(frame, index=False, align=["left"] + ["right"] * (len(columns)))


def speed_file(file: str) -> Traversable:
    """``specs/devnet/<file>``: package data beside the spec."""
    return resources.files("anomalab.reproductions") / "specs" / PAPER / file


@section("devnet.speed")
def speed(ctx: Context, out: Section, file: str) -> None:
    """The speed and memory run of ``benchmarks/devnet_speed.py``, read from its JSON shipped
    beside the spec (``specs/devnet/<file>``); says so when there is none."""
    path = speed_file(file)
    if not path.is_file():
        out.text(
            f"Not run: no `specs/{PAPER}/{file}` in the package (`python benchmarks/devnet_speed.py` "
            "writes it)."
        )
        return
    res = json.loads(path.read_text(encoding="utf-8"))
    rows, ratios = [], []
    for cell in res["cells"]:
        where = f"{cell['dataset']} (n_train {cell['n_train']}, seed {cell['seed']})"
        for name in (BASE, "DeepOD-DevNet"):
            r = cell[name]
            rows.append(
                [where, name, f"{r['fit_seconds']:.2f}", f"{r['fit_cpu_seconds']:.2f}",
                 f"{r['auc_roc']:.3f}", f"{r['rows_per_second']:,.0f} ({r['rows']:,})"]
            )  # fmt: skip
        ratios.append(
            f"{cell['dataset']}: wall {cell['fit_time_ratio']:.1f}x, CPU {cell['fit_cpu_ratio']:.1f}x"
        )
    columns = ["dataset (cell)", "entrant", "fit s (wall)", "fit s (CPU)", "AUC-ROC"]
    frame = pd.DataFrame(rows, columns=[*columns, "scoring rows/s (rows)"])
    out.table(frame, index=False, align=["left", "left"] + ["right"] * 4)
    s = res["stream"]
    rss = ", ".join(f"{v:.0f}" for v in s["rss_mb_after_chunk"])
    out.text(
        "Fit-time ratio DeepOD / ours: " + "; ".join(ratios) + ".\n\n"
        f"Streaming {s['rows']:,} rows ({s['dataset']} test rows tiled) through our DevNet in "
        f"chunks of {s['chunk_rows']:,}: {s['seconds']:.1f} s, {s['rows_per_second']:,.0f} rows/s; "
        f"resident memory after each chunk (MiB): {rss} (growth first to last chunk "
        f"{s['rss_growth_mb']:.1f} MiB; process peak {s['peak_rss_mb']:.0f} MiB). torch threads: "
        f"{res['torch_threads']}; versions {res['versions']}."
    )
