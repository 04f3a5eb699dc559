"""The report's suites and their stores, and the tables every section draws from them: per-entrant
summaries (mean over datasets of the mean over seeds, ± the std over seeds) and per-dataset
matrices."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from anomalab.bench.runner import run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.suites import load_suite

#: The command that (re)makes the report.
COMMAND = "anomalab presets report --jobs 2"
PARTS = {
    "dev": ("recommended-dev", "recommended-dev-one-class", "recommended-dev-semi"),
    "confirm": ("recommended-confirm", "recommended-confirm-one-class", "recommended-confirm-semi"),
    "full": ("adbench-unsup",),
    "quick": ("quick",),
    "round2": ("recommended-round2-dev", "recommended-round2-confirm"),
    "images": (
        "image-baselines",
        "plad-images-dev",
        "novnorm-images-dev",
        "image-recommended-confirm",
        "novnorm-host-dev",
        "novnorm-host-confirm",
        "novnorm-host-confirm-colour",
    ),
}
#: Detector families: the rungs of recommended-dev whose label starts with the family's name.
FAMILIES = (
    "AutoEncoder",
    "SGAE",
    "RDA",
    "SGRDA",
    "RSRAE",
    "SGRSRAE",
    "DAGMM",
    "SGDAGMM",
    "AnoRand",
)
SG_BASES = {"SGAE": "AutoEncoder", "SGRDA": "RDA", "SGRSRAE": "RSRAE", "SGDAGMM": "DAGMM"}
SEED_METHODS = ("SGAE", "SGRDA", "SGRSRAE", "SGDAGMM", "AutoEncoder", "AnoRand")
QUICK_SEED_METHODS = ("SGAE", "SGRDA", "SGRSRAE", "SGDAGMM", "AnoRand", "PLAD")

#: Suites of one protocol share a store, so that a cell they have in common runs once.
STORES = {
    "recommended-confirm": "unsupervised",
    "adbench-unsup": "unsupervised",
    "recommended-round2-dev": "recommended-dev",
    "recommended-round2-confirm": "unsupervised",
    "novnorm-images-dev": "image-baselines",  # its conv AE rung is image-baselines' entrant
    "image-recommended-confirm": "image-baselines",  # beside image-baselines' own entrants
    "novnorm-host-dev": "image-baselines",  # its first rung is novnorm-images-dev's choice
    "novnorm-host-confirm": "image-baselines",  # beside the baselines' cells
    "novnorm-host-confirm-colour": "image-baselines",
}
#: Round-1 rules that round 2 dropped, and the (detector, recommended revision) that drops it.
ROUND1_DROPPED_IN = {"DAGMM and SG-DAGMM host: z-scored inputs (round 1)": ("DAGMM", 2)}
#: Round 2's rules, each as (detector deciding it, the rung with the rule, the rung without it);
#: a rule is kept where its AUC-ROC gain exceeds the std over seeds of that gain and its AUC-PR
#: gain is not negative (the decision rule fixed in suite recommended-round2-dev).
ROUND2_RULES = {
    "AutoEncoder: latent 4 (round 1)": (
        "AutoEncoder: recommended",
        "AutoEncoder: recommended, latent 16 (paper)",
    ),
    "AutoEncoder: at least 2,000 steps (round 1)": (
        "AutoEncoder: recommended",
        "AutoEncoder: recommended, no step minimum (paper)",
    ),
    "DAGMM and SG-DAGMM host: z-scored inputs (round 1)": (
        "SGDAGMM: recommended",
        "SGDAGMM: recommended, inputs as given (paper)",
    ),
    "DAGMM and SG-DAGMM host: 4-wide code (new)": (
        "SGDAGMM: recommended, latent 4",
        "SGDAGMM: recommended",
    ),
    "DAGMM and SG-DAGMM host: at least 2,000 steps (new)": (
        "SGDAGMM: recommended, at least 2,000 steps",
        "SGDAGMM: recommended",
    ),
}


def suite_frame(name: str, jobs: int, run: bool, runs: Path) -> pd.DataFrame:
    """The rows of the suite's cells (labelled as the suite labels them now), run first unless
    ``run`` is False."""
    cells = load_suite(name).cells()
    store = ResultStore(runs / STORES.get(name, name) / "results.sqlite")
    if run:
        print(f"{name}: {len(cells)} cells", flush=True)
        run_cells(cells, store, jobs=jobs)
    df = store.frame([c.key for c in cells])
    df["detector"] = df["cell_key"].map({c.key: c.name for c in cells})
    df.attrs["suite"], df.attrs["expected"] = name, len(cells)
    return df


def stored(df: pd.DataFrame) -> str:
    """How much of a suite its store holds, said plainly (a partial suite is never passed off as
    a whole one)."""
    failed = int((df["status"] != "ok").sum()) if len(df) else 0
    whole = len(df) == df.attrs["expected"]
    return (
        f"Suite `{df.attrs['suite']}`: {len(df)} of {df.attrs['expected']} cells stored"
        + (f", {failed} failed" if failed else "")
        + (
            "."
            if whole
            else " (PARTIAL: the rest not yet run; the numbers below are over what is stored)."
        )
    )


def not_run(title: str, part: str) -> list[str]:
    return [title, "", f"Not run yet (`{COMMAND} --parts {part}`).", ""]


def means(df: pd.DataFrame, metric: str = "auc_roc") -> pd.DataFrame:
    """Rows = dataset, columns = entrant: the mean over seeds of the ok cells."""
    ok = df[df["status"] == "ok"]
    return ok.groupby(["dataset", "detector"])[metric].mean().unstack("detector")


def summary(df: pd.DataFrame) -> pd.DataFrame:
    """Per entrant: mean AUC-ROC / AUC-PR over datasets (each the mean over seeds), the std over
    seeds of the per-seed mean over datasets, datasets finished, failed cells."""
    ok = df[df["status"] == "ok"]
    out = pd.DataFrame(
        {
            "auc_roc": means(df, "auc_roc").mean(),
            "auc_pr": means(df, "auc_pr").mean(),
            "roc_std": ok.groupby(["detector", "seed"])["auc_roc"].mean().groupby("detector").std(),
            "pr_std": ok.groupby(["detector", "seed"])["auc_pr"].mean().groupby("detector").std(),
            "datasets": ok.groupby("detector")["dataset"].nunique(),
        }
    )
    out["failed"] = df[df["status"] != "ok"].groupby("detector").size()
    return out.fillna({"failed": 0})


def fmt(value: float, std: float | None = None) -> str:
    if value is None or not np.isfinite(value):
        return "–"
    return f"{value:.3f}" if std is None or not np.isfinite(std) else f"{value:.3f} ± {std:.3f}"


def rung_table(df: pd.DataFrame, labels: list[str]) -> list[str]:
    """Mean AUC-ROC / AUC-PR (± std over seeds) of the entrants ``labels``, in that order."""
    table = summary(df)
    lines = ["| entrant | AUC-ROC | AUC-PR | datasets |", "|---|---|---|---|"]
    for label in labels:
        if label not in table.index:
            lines.append(f"| {label} | not run | not run | 0 |")
            continue
        r = table.loc[label]
        failed = f" ({int(r['failed'])} cells failed)" if r["failed"] else ""
        lines.append(
            f"| {label} | {fmt(r['auc_roc'], r['roc_std'])} | {fmt(r['auc_pr'], r['pr_std'])} | "
            f"{int(r['datasets'])}{failed} |"
        )
    return lines


def matrix(df: pd.DataFrame, labels: list[str], metric: str = "auc_roc") -> list[str]:
    """Per-dataset means (rows) of ``labels`` (columns), and their mean."""
    m = means(df, metric).reindex(columns=labels)
    lines = ["| dataset | " + " | ".join(labels) + " |", "|---" * (len(labels) + 1) + "|"]
    for dataset, row in m.iterrows():
        lines.append(f"| {dataset} | " + " | ".join(fmt(v) for v in row) + " |")
    lines.append("| **mean** | " + " | ".join(f"**{fmt(v)}**" for v in m.mean()) + " |")
    return lines


def done_when_checks(m: pd.DataFrame, below_half: tuple[str, ...]) -> list[str]:
    """The issue's per-detector checks on per-dataset means ``m``: each seed method's mean
    AUC-ROC against 0.72, and the datasets where a detector in ``below_half`` is below 0.5
    while IsolationForest is above 0.7."""
    out = []
    for name in SEED_METHODS:
        mean = m[name].mean()
        out.append(f"- {name}: mean AUC-ROC {mean:.3f} {'≥' if mean >= 0.72 else '<'} 0.72")
    iforest = m["IForest"]
    for name in below_half:
        bad = m.index[(iforest > 0.7) & (m[name] < 0.5)].tolist()
        out.append(
            f"- {name} below 0.5 where IsolationForest is above 0.7: "
            + (", ".join(f"{d} ({m.loc[d, name]:.3f})" for d in bad) if bad else "none")
        )
    return out
