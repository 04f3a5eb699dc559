"""The confirmation half (run once, after the choice), every ADBench dataset beside ADBench's
published means, the quick leaderboard, and the checks that the paper presets and the stored
cells are unchanged."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from anomalab.bench.presets_report.cells import (
    COMMAND,
    QUICK_SEED_METHODS,
    SEED_METHODS,
    SG_BASES,
    done_when_checks,
    matrix,
    means,
    not_run,
    rung_table,
    stored,
)
from anomalab.bench.suites import adbench_halves
from anomalab.bench.targets import published_name, published_table


def confirm_section(frames: dict[str, pd.DataFrame]) -> list[str]:
    unsup = frames["recommended-confirm"]
    title = "## Confirmation half, run once"
    if unsup.empty:
        return not_run(title, "confirm")
    m = means(unsup)
    out = [
        title,
        "",
        stored(unsup),
        "",
        "Suite `recommended-confirm` (ADBench's unsupervised protocol, test parts, 3 seeds): "
        "mean AUC-ROC per dataset, recommended presets (plain names) beside IsolationForest.",
        "",
        *matrix(unsup, ["IForest", "OCSVM", *SEED_METHODS, "RDA", "RSRAE", "DAGMM", "PLAD"]),
        "",
        "The same cells with the paper presets (mean AUC-ROC over the confirmation half):",
        "",
        *rung_table(
            unsup, [f"{d} (paper)" for d in (*SEED_METHODS, "RDA", "RSRAE", "DAGMM", "PLAD")]
        ),
        "",
        "Checks (computed from the table above):",
        "",
    ]
    out += done_when_checks(m, (*SEED_METHODS, "RDA", "RSRAE", "DAGMM"))
    for sg, base in SG_BASES.items():
        a, b = m[sg].mean(), m[base].mean()
        wins = int((m[sg] >= m[base]).sum())
        out.append(
            f"- {sg} {a:.3f} {'≥' if a >= b else '<'} {base} {b:.3f} (as good or better on "
            f"{wins} of {len(m)} datasets)"
        )
    oc = frames["recommended-confirm-one-class"]
    if oc.empty or frames["recommended-confirm-semi"].empty:
        return [*out, "", "One-class and semi-supervised confirmation: not run yet.", ""]
    mo = means(oc)
    out += [
        "",
        stored(oc),
        "",
        "One-class protocol (suite `recommended-confirm-one-class`: half of the normal rows "
        "train, the rest and every anomaly test), mean AUC-ROC:",
        "",
        *matrix(oc, ["PLAD", "PLAD (paper)", "OCSVM", "IForest", "AutoEncoder"]),
        "",
        f"- PLAD (recommended) {mo['PLAD'].mean():.3f} against OneClassSVM "
        f"{mo['OCSVM'].mean():.3f} and IsolationForest {mo['IForest'].mean():.3f}: "
        + (
            "at least as good as both."
            if mo["PLAD"].mean() >= max(mo["OCSVM"].mean(), mo["IForest"].mean())
            else "below "
            + " and ".join(n for n in ("OCSVM", "IForest") if mo["PLAD"].mean() < mo[n].mean())
            + "."
        ),
        "",
        stored(frames["recommended-confirm-semi"]),
        "",
        "Semi-supervised, 5 % of the training anomalies labeled (suite "
        "`recommended-confirm-semi`), mean AUC-ROC:",
        "",
        *matrix(
            frames["recommended-confirm-semi"], ["IForest", "DevNet", "AnoRand", "AnoRand (paper)"]
        ),
        "",
    ]
    return out


def full_section(frames: dict[str, pd.DataFrame]) -> list[str]:
    df = frames["adbench-unsup"]
    title = "## Every ADBench dataset (suite `adbench-unsup`, recommended presets)"
    if df.empty:
        return not_run(title, "full")
    table = published_table("unsupervised", {}, "auc_roc")
    m = means(df)
    lines = [
        title,
        "",
        stored(df),
        "",
        f"Mean AUC-ROC over the {len(m)} datasets (each the mean over 3 seeds), beside ADBench's "
        "published mean (its table D4) over the same datasets where it lists the method. Both "
        "halves: the development half's test parts were never used to choose anything.",
        "",
        "| detector | ours | ADBench D4 (same datasets) | datasets |",
        "|---|---|---|---|",
    ]
    for name, value in m.mean().sort_values(ascending=False).items():
        published = "–"
        if table is not None and (column := published_name(str(name), table)) is not None:
            rows = table.frame.reindex(m[name].dropna().index)[column].dropna()
            published = f"{rows.mean():.3f} ({len(rows)})"
        lines.append(f"| {name} | {value:.3f} | {published} | {int(m[name].notna().sum())} |")
    if table is not None:
        lines += ["", "ADBench's other methods on the same datasets (D4, mean AUC-ROC): "]
        ref = table.frame.reindex(m.index)
        for column in ("IForest", "PCA", "OCSVM", "DAGMM", "DeepSVDD"):
            if column in ref:
                lines[-1] += f"{column} {ref[column].mean():.3f}; "
    return [*lines, ""]


def quick_section(frames: dict[str, pd.DataFrame]) -> list[str]:
    df = frames["quick"]
    title = "## The `quick` leaderboard (`make demo`), recommended presets"
    if df.empty:
        return not_run(title, "quick")
    m = means(df).mean().sort_values(ascending=False)
    lines = [
        title,
        "",
        stored(df),
        "",
        "| " + " | ".join(m.index) + " |",
        "|---" * len(m) + "|",
        "| " + " | ".join(f"{v:.3f}" for v in m) + " |",
        "",
    ]
    low = [n for n in QUICK_SEED_METHODS if n in m and m[n] <= 0.70]
    lines.append(
        "Every seed method above 0.70: "
        + ("yes." if not low else "no: " + ", ".join(f"{n} {m[n]:.3f}" for n in low) + ".")
    )
    return [*lines, ""]


def check_section(path: Path) -> list[str]:
    if not path.is_file():
        return ["## Paper presets unchanged", "", "(check not run)", ""]
    check = json.loads(path.read_text())
    lines = [
        "## Paper presets unchanged",
        "",
        f"`{check['command']}`: one cell per paper report, re-run with this code under "
        '`preset="paper"`, against its archived row where the report\'s cells are archived, '
        "else against the same cell run by the code from before presets existed.",
        "",
        "| report | cell | now (AUC-ROC, AUC-PR) | stored | identical |",
        "|---|---|---|---|---|",
    ]
    for report, row in check.items():
        if report == "command":
            continue
        ref = row["archived"] or row["before_presets"] or {}
        source = "archived" if row["archived"] else "before presets"
        lines.append(
            f"| {report} | {row['suite']}: {row['entrant']}, {row['dataset']}, seed {row['seed']} "
            f"| {row['now']['auc_roc']!r}, {row['now']['auc_pr']!r} | {ref.get('auc_roc')!r}, "
            f"{ref.get('auc_pr')!r} ({source}) | {'yes' if row['identical'] else 'NO'} |"
        )
    return [*lines, ""]


def recheck_section(path: Path) -> list[str]:
    title = "## Stored cells re-run with the committed code"
    if not path.is_file():
        return [title, "", "(re-check not run: `anomalab results recheck`)", ""]
    check = json.loads(path.read_text())
    rows = check["rows"]
    same = sum(r["identical"] for r in rows)
    lines = [
        title,
        "",
        f"`{check['command']}`: one stored cell per entrant and store, drawn at random, re-run: "
        f"**{same} of {len(rows)} identical** to the last bit (AUC-ROC, AUC-PR, F1).",
        "",
    ]
    lines += [
        f"- differs: {r['entrant']} on {r['dataset']} seed {r['seed']}: stored "
        f"{r['stored']['auc_roc']!r}, now {r['now']['auc_roc']!r} ({r['status']})"
        for r in rows
        if not r["identical"]
    ]
    return [*lines, ""]


def intro() -> list[str]:
    dev, confirm = adbench_halves()
    return [
        "# Recommended presets: diagnosis, selection on the development half, confirmation",
        "",
        f"Generated by `{COMMAND}` from the stores under `runs/recommended/` (archived in "
        "`docs/results/cells/recommended/`; `anomalab results restore` then `--render-only` "
        "re-renders it without running a cell).",
        "",
        'Every registered detector takes `preset`: `"paper"` is the paper\'s or its official '
        'code\'s settings, which every reproduction suite pins; `"recommended"`, the default, '
        "holds rules over the data's shape chosen here. A parameter passed explicitly wins over "
        "either preset, and each detector's docstring names the rule and its evidence.",
        "",
        "## The split, fixed before any run",
        "",
        "The catalog's ADBench datasets in order of their ADBench number, alternately one to each "
        "half, the first to development (`anomalab.bench.suites.adbench_halves`).",
        "",
        f"- Development ({len(dev)}): {', '.join(dev)}.",
        f"- Confirmation ({len(confirm)}): {', '.join(confirm)}.",
        "",
        "Presets were chosen on validation splits of the development half only (the benchmark's "
        "test part dropped, the training part split again 70/30), by mean AUC-ROC and AUC-PR "
        "over 3 seeds. The confirmation half's test parts were run once, after the choice, and "
        "are reported as they came out.",
        "",
    ]
