"""docs/results/recommended.md: why the seed methods lost on ordinary data, the recommended presets
chosen on the development half of ADBench, and their one confirmation on the other half.

Usage: ``python benchmarks/recommended_report.py [--jobs 2] [--parts dev,probes,confirm,full,quick]
[--render-only]``. Each part runs (or resumes; stored cells are skipped) its suites into
``runs/recommended/<suite>/``; ``probes`` refits seed-0 development cells to measure what the
store does not keep (the score-guided scorer's range, AnoRand's blocks, PLAD's classifier) and
caches them in ``docs/results/recommended_probes.json``; ``--render-only`` runs nothing and renders
what is stored. The paper-preset check is ``benchmarks/paper_presets_check.py``'s JSON.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalab.bench.runner import run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.suites import ROUND2_GROUPS, adbench_halves, load_suite, round2_halves
from anomalab.bench.targets import published_name, published_table
from anomalab.registry import get_spec

RUNS = Path("runs/recommended")
DOC = Path("docs/results/recommended.md")
PROBES = Path("docs/results/recommended_probes.json")
CHECK = Path("docs/results/paper_presets_check.json")
RECHECK = Path("docs/results/recommended_recheck.json")
COMMAND = "python benchmarks/recommended_report.py --jobs 2"
PARTS = {
    "dev": ("recommended-dev", "recommended-dev-one-class", "recommended-dev-semi"),
    "confirm": ("recommended-confirm", "recommended-confirm-one-class", "recommended-confirm-semi"),
    "full": ("adbench-unsup",),
    "quick": ("quick",),
    "round2": ("recommended-round2-dev", "recommended-round2-confirm"),
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


# ------------------------------------------------------------------------------------ cells
#: Suites of one protocol share a store, so that a cell they have in common runs once.
STORES = {
    "recommended-confirm": "unsupervised",
    "adbench-unsup": "unsupervised",
    "recommended-round2-dev": "recommended-dev",
    "recommended-round2-confirm": "unsupervised",
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


def suite_frame(name: str, jobs: int, run: bool) -> pd.DataFrame:
    """The rows of the suite's cells (labelled as the suite labels them now), run first unless
    ``run`` is False."""
    cells = load_suite(name).cells()
    store = ResultStore(RUNS / STORES.get(name, name) / "results.sqlite")
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


# ----------------------------------------------------------------------------------- probes
def _probe_sg(det: Any, task: Any) -> dict[str, float]:
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    from anomalab.nn.training import predict_in_chunks

    def s_and_f(X: np.ndarray) -> np.ndarray:
        Xt = det._transform(det._check_X(X, fitting=False))
        det.model_.eval()
        return predict_in_chunks(det._s_and_f_batch, Xt, device=det.device_)

    train, test = s_and_f(task.X_train), s_and_f(task.X_test)
    return {
        "auc_s": roc_auc_score(task.y_test, test[:, 0]),
        "auc_f": roc_auc_score(task.y_test, test[:, 1]),
        "spearman_s_f": float(spearmanr(test[:, 0], test[:, 1])[0]),
        "s_p5": float(np.percentile(train[:, 0], 5)),
        "s_p95": float(np.percentile(train[:, 0], 95)),
        "epochs": det.history_.epochs_run,
    }


def _probe_anorand(det: Any, task: Any) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    ae, nd = det.block_scores(task.X_test)
    return {
        "auc_ae_block": roc_auc_score(task.y_test, ae),
        "auc_mlp_block": roc_auc_score(task.y_test, nd),
        "alpha": float(det.alpha_),
    }


def _probe_dagmm(det: Any, task: Any) -> dict[str, float]:
    from sklearn.metrics import roc_auc_score

    from anomalab.nn.training import predict_in_chunks

    Xt = det._transform(task.X_test)
    det.model_.eval()
    recon = predict_in_chunks(
        lambda x: (det.model_.features(x)[1] - x).norm(dim=1), Xt, device=det.device_
    )
    energy = det.decision_function(task.X_test)
    return {
        "auc_energy": roc_auc_score(task.y_test, energy),
        "auc_recon": roc_auc_score(task.y_test, recon),
    }


def _probe_plad(det: Any, task: Any) -> dict[str, float]:
    import torch
    from sklearn.metrics import roc_auc_score

    X, X_tilde = det.perturb(task.X_train, seed=0)
    with torch.no_grad():
        p_pert = torch.sigmoid(det.model_(torch.tensor(X_tilde, dtype=torch.float32)).double())
    spread = np.linalg.norm(X - X.mean(axis=0), axis=1).mean()
    return {
        "auc": roc_auc_score(task.y_test, det.decision_function(task.X_test)),
        "p_normal_train": float(det.decision_scores_.mean()),
        "p_perturbed_train": float(p_pert.mean()),
        "size_over_spread": float(np.linalg.norm(X_tilde - X, axis=1).mean() / spread),
    }


PROBE_FNS: dict[str, Callable[[Any, Any], dict[str, float]]] = {
    "SGAE": _probe_sg,
    "SGRDA": _probe_sg,
    "SGRSRAE": _probe_sg,
    "SGDAGMM": _probe_sg,
    "AnoRand": _probe_anorand,
    "DAGMM": _probe_dagmm,
    "PLAD": _probe_plad,
}


def _probe_one(job: tuple[str, str, str]) -> dict[str, Any]:
    import torch

    from anomalab import make_detector
    from anomalab.data import load_dataset, make_task

    torch.set_num_threads(1)
    detector, preset, dataset = job
    suite = "recommended-dev-one-class" if detector == "PLAD" else "recommended-dev"
    params = load_suite(suite).protocol_grid[0]
    task = make_task(load_dataset(dataset), "validation", 0, **params)
    det = make_detector(detector, preset=preset, random_state=0).fit(task.X_train)
    return {"detector": detector, "preset": preset, "dataset": dataset} | PROBE_FNS[detector](
        det, task
    )


def run_probes(jobs: int) -> list[dict[str, Any]]:
    dev, _ = adbench_halves()
    work = [(d, p, ds) for d in PROBE_FNS for p in ("paper", "recommended") for ds in dev]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(_probe_one, work))
    PROBES.write_text(json.dumps({"command": COMMAND + " --parts probes", "rows": rows}, indent=1))
    return rows


def probe_lines(rows: list[dict[str, Any]], detector: str, keys: dict[str, str]) -> list[str]:
    """A table of the probe means over the development half, paper vs recommended."""
    df = pd.DataFrame([r for r in rows if r["detector"] == detector])
    if df.empty:
        return ["(probes not run)"]
    lines = ["| preset | " + " | ".join(keys.values()) + " |", "|---" * (len(keys) + 1) + "|"]
    for preset, g in df.groupby("preset", sort=False):
        lines.append(f"| {preset} | " + " | ".join(f"{g[k].mean():.3f}" for k in keys) + " |")
    return lines


# ---------------------------------------------------------------------------------- render
def dev_section(frames: dict[str, pd.DataFrame], probes: list[dict[str, Any]]) -> list[str]:
    dev = frames["recommended-dev"]
    title = "## Diagnosis and selection on the development half"
    if dev.empty:
        return not_run(title, "dev,probes")
    labels = list(load_suite("recommended-dev").labels)
    out = [
        title,
        "",
        *(f"- {stored(frames[name])}" for name in PARTS["dev"]),
        "",
    ]
    refs = [label for label in labels if ":" not in label]
    out += [
        "Validation splits of the development half (suite `recommended-dev`): each table lists "
        "the paper preset, the recommended preset, and the recommended preset with one rule "
        "reverted. Means over the 17 datasets of the per-dataset mean over 3 seeds; ± is the "
        "standard deviation over seeds of the mean over datasets. References on the same cells:",
        "",
        *rung_table(dev, refs),
        "",
    ]
    probe_keys = {
        "SG": {
            "auc_s": "AUC-ROC of s",
            "auc_f": "AUC-ROC of f",
            "spearman_s_f": "Spearman(s, f)",
            "s_p5": "s, 5th pct (train)",
            "s_p95": "s, 95th pct (train)",
            "epochs": "epochs run",
        },
        "AnoRand": {
            "auc_ae_block": "AUC-ROC, autoencoder block",
            "auc_mlp_block": "AUC-ROC, MLP block",
            "alpha": "alpha (Eq. 7)",
        },
        "DAGMM": {"auc_energy": "AUC-ROC of the energy", "auc_recon": "AUC-ROC of ||x - x'||"},
    }
    for family in FAMILIES:
        rungs = [label for label in labels if label.split(":")[0] == family]
        out += [f"### {family}", "", *rung_table(dev, rungs), ""]
        kind = "SG" if family in SG_BASES else family
        if kind in probe_keys:
            out += [
                "Probe (seed 0, every development dataset, means): the fitted models of both "
                "presets, measured on the validation rows.",
                "",
                *probe_lines(probes, family, probe_keys[kind]),
                "",
            ]
    one_class = frames["recommended-dev-one-class"]
    out += [
        "### PLAD (one-class validation splits, suite `recommended-dev-one-class`)",
        "",
        *rung_table(one_class, list(load_suite("recommended-dev-one-class").labels)),
        "",
        "Probe (seed 0, means over the development half): P(abnormal) on training normals and on "
        "their perturbations, the perturbation's mean size over the data's mean spread.",
        "",
        *probe_lines(
            probes,
            "PLAD",
            {
                "auc": "AUC-ROC",
                "p_normal_train": "P(ab), training normals",
                "p_perturbed_train": "P(ab), their perturbations",
                "size_over_spread": "size / spread",
            },
        ),
        "",
        "PLAD under the unsupervised validation splits (contaminated training part), "
        "`recommended-dev`:",
        "",
        *rung_table(dev, [label for label in labels if label.startswith("PLAD")]),
        "",
        "### Supervised modes (5 % of the anomalies labeled, suite `recommended-dev-semi`)",
        "",
        *rung_table(
            frames["recommended-dev-semi"], list(load_suite("recommended-dev-semi").labels)
        ),
        "",
    ]
    return out


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


def seed_gain(df: pd.DataFrame, new: str, old: str) -> tuple[float, float]:
    """Mean over datasets of ``new`` minus ``old`` (AUC-ROC), and its std over seeds."""
    ok = df[df["status"] == "ok"]
    per_seed = ok.groupby(["detector", "seed", "dataset"])["auc_roc"].mean()
    both = per_seed.loc[new].sub(per_seed.loc[old]).dropna()
    by_seed = both.groupby("seed").mean()
    return float(by_seed.mean()), float(by_seed.std())


def recorded_revision(suite: str, label: str) -> int | None:
    """The recommended-preset revision that the suite's entrant ``label`` pins (its cells record
    that revision, not the code's), or None where it runs the code's current one."""
    pins = {c.params.get("preset_revision") for c in load_suite(suite).cells() if c.name == label}
    pins.discard(None)
    return int(pins.pop()) if pins else None


def revision_note(suite: str, label: str, detector: str) -> str:
    """ " (cells of revision R; the preset is now at revision S)" where ``label`` pins an older
    revision than ``detector``'s recommended preset is at, else ""."""
    pinned = recorded_revision(suite, label)
    current = get_spec(detector).cls.recommended_revision
    if pinned is None or pinned == current:
        return ""
    return f" (development cells of revision {pinned}; confirmation of revision {current})"


def reversal_section(frames: dict[str, pd.DataFrame]) -> list[str]:
    """Paper against recommended preset: the gain the development half showed, and the gain
    the confirmation half gave, per detector."""
    dev, conf = frames["recommended-dev"], frames["recommended-confirm"]
    if dev.empty or conf.empty:
        return []
    out = [
        "### Recommended against paper preset: development gain and confirmation gain",
        "",
        "Mean AUC-ROC gain of the recommended preset over the paper preset (± the std over the "
        "3 seeds of the per-seed mean gain), on the development half's validation splits "
        "(where the choice was made) and on the confirmation half's test parts; the last column "
        "lists the confirmation datasets where the paper preset won by more than 0.1.",
        "",
        "| detector | development gain | confirmation gain | paper preset better by > 0.1 |",
        "|---|---|---|---|",
    ]
    mc = means(conf)
    for name in (*FAMILIES, "PLAD"):
        rec_dev, paper_dev = f"{name}: recommended", f"{name}: paper"
        paper_conf = f"{name} (paper)"
        if paper_conf not in mc or rec_dev not in set(dev["detector"]):
            continue
        d_mean, d_std = seed_gain(dev, rec_dev, paper_dev)
        c_mean, c_std = seed_gain(conf, name, paper_conf)
        worse = (mc[paper_conf] - mc[name]).sort_values(ascending=False)
        worse = worse[worse > 0.1]
        note = revision_note("recommended-dev", rec_dev, name)
        out.append(
            f"| {name}{note} | {d_mean:+.3f} ± {d_std:.3f} | {c_mean:+.3f} ± {c_std:.3f} | "
            + (
                ", ".join(
                    f"{d} ({mc.loc[d, paper_conf]:.3f} vs {mc.loc[d, name]:.3f})"
                    for d in worse.index
                )
                or "none"
            )
            + " |"
        )
    out += [
        "",
        "A rule that gained less on the development half than its seed-to-seed spread, or on "
        "few datasets, is weak evidence; where the confirmation gain is negative the rule did "
        "not carry over, and the preset is reported as it came out rather than changed on "
        "the confirmation half.",
        "",
    ]
    return out


def pr_gain(df: pd.DataFrame, new: str, old: str) -> float:
    """Mean over datasets of ``new`` minus ``old`` (AUC-PR)."""
    m = means(df, "auc_pr")
    return float((m[new] - m[old]).mean())


def round2_section(frames: dict[str, pd.DataFrame]) -> list[str]:
    """The second round: a larger development set, the rules decided on it, and their
    confirmation on fresh datasets and (a second use) on the ADBench confirmation half."""
    dev2 = frames["recommended-round2-dev"]
    title = "## Second round: a larger development set, then fresh confirmation datasets"
    if dev2.empty:
        return not_run(title, "round2")
    dev_a, _ = adbench_halves()
    dev_b, conf_b = round2_halves()
    labels = list(load_suite("recommended-round2-dev").labels)
    out = [
        title,
        "",
        "The confirmation half above showed the AutoEncoder's round-1 rules losing to its paper "
        "preset and SG-DAGMM below 0.72. Its numbers stay as they came out. The second round "
        "chose again on a larger development set, with its candidates and its decision rule "
        "fixed before its first run (suite `recommended-round2-dev`): a departure from the "
        "paper's value is kept only where, over all development datasets, its mean AUC-ROC gain "
        "exceeds the std over the 3 seeds of that gain and its mean AUC-PR gain is not negative. "
        "DAGMM's and SG-DAGMM's shared host rules are decided on SG-DAGMM and applied to both.",
        "",
        "The second round's datasets: the catalog's tabular datasets outside ADBench (groups "
        + ", ".join(ROUND2_GROUPS)
        + "; DevNet's thyroid left out, as the development half holds ADBench's), in catalog "
        "order, alternately one to each half, fixed before any run "
        "(`anomalab.bench.suites.round2_halves`):",
        "",
        f"- Development, added to the ADBench development half ({len(dev_b)}): {', '.join(dev_b)}.",
        f"- Confirmation ({len(conf_b)}): {', '.join(conf_b)}.",
        "",
        stored(dev2),
        "",
        "Validation splits, mean AUC-ROC (± std over seeds) on the ADBench development half, "
        "on the second round's development datasets, and on both; mean AUC-PR on both:",
        "",
        "| entrant | ADBench development | round-2 development | all development | AUC-PR, all |",
        "|---|---|---|---|---|",
    ]
    parts = {
        "a": dev2[dev2["dataset"].isin(dev_a)],
        "b": dev2[dev2["dataset"].isin(dev_b)],
        "all": dev2,
    }
    tables = {k: summary(v) for k, v in parts.items()}
    for label in labels:
        cells = []
        for key in ("a", "b", "all"):
            t = tables[key]
            cells.append(
                fmt(t.loc[label, "auc_roc"], t.loc[label, "roc_std"]) if label in t.index else "–"
            )
        t = tables["all"]
        pr = fmt(t.loc[label, "auc_pr"], t.loc[label, "pr_std"]) if label in t.index else "–"
        out.append(f"| {label} | {' | '.join(cells)} | {pr} |")
    out += ["", "Decisions (computed from the table's cells by the rule above):", ""]
    expected = 3 * (len(dev_a) + len(dev_b))
    pending = []
    for rule, (with_rule, without) in ROUND2_RULES.items():
        ok = dev2[dev2["status"] == "ok"].groupby("detector").size()
        counts = [int(ok.get(label, 0)) for label in (with_rule, without)]
        if min(counts) < expected:
            out.append(
                f"- {rule}: not decided yet (`{with_rule}` {counts[0]}, `{without}` {counts[1]} "
                f"of {expected} cells stored; a rule is decided on complete rungs only)"
            )
            continue
        gain, std = seed_gain(dev2, with_rule, without)
        prg = pr_gain(dev2, with_rule, without)
        kept = gain > std and prg >= 0
        out.append(
            f"- {rule} (`{with_rule}` against `{without}`): AUC-ROC gain {gain:+.3f} ± {std:.3f}, "
            f"AUC-PR gain {prg:+.3f}: **{'kept' if kept else 'dropped'}**"
        )
        if not kept and rule.endswith("(round 1)"):
            applied = ROUND1_DROPPED_IN.get(rule)
            if applied is None or get_spec(applied[0]).cls.recommended_revision < applied[1]:
                pending.append(rule)
            else:
                out.append(
                    f"  - Applied: {applied[0]}'s recommended preset dropped it in revision "
                    f"{applied[1]} (`recommended_revision`). The development tables keep the "
                    f"revision-{applied[1] - 1} cells this decision was made on (their entries "
                    f"pin `preset_revision = {applied[1] - 1}`); the confirmation, full and "
                    "quick tables are re-run under the new revision."
                )
    if pending:
        out += [
            "",
            "Not applied yet: "
            + "; ".join(pending)
            + ". The recommended presets still carry these round-1 rules. Removing one changes "
            "the preset (a new `recommended_revision`), which re-keys every cell that those "
            "detectors ran under the recommended preset in this report's suites, so the change "
            "lands together with the re-run of those cells and a new confirmation on the "
            "round-2 confirmation datasets.",
        ]
    out.append("")
    out += round2_confirm_lines(frames)
    return out


def round2_confirm_lines(frames: dict[str, pd.DataFrame]) -> list[str]:
    conf = frames["recommended-round2-confirm"]
    if conf.empty:
        return [f"Round-2 confirmation: not run yet (`{COMMAND} --parts round2`).", ""]
    m = means(conf)
    out = [
        stored(conf),
        "",
        "Round-2 confirmation (suite `recommended-round2-confirm`: ADBench's unsupervised "
        "protocol on the fresh confirmation datasets, test parts, 3 seeds, run once after the "
        "second round's choice), mean AUC-ROC:",
        "",
        *matrix(
            conf,
            ["IForest", "OCSVM", *SEED_METHODS, "RDA", "RSRAE", "DAGMM", "PLAD"]
            + ["AutoEncoder (paper)"],
        ),
        "",
    ]
    if len(conf) < conf.attrs["expected"]:
        return [*out, "Checks: computed once every cell of the suite is stored.", ""]
    out += ["Checks (computed from the table above):", ""]
    out += done_when_checks(m, SEED_METHODS)
    for sg, base in SG_BASES.items():
        a, b = m[sg].mean(), m[base].mean()
        out.append(f"- {sg} {a:.3f} {'≥' if a >= b else '<'} {base} {b:.3f}")
    out.append("")
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


def check_section() -> list[str]:
    if not CHECK.is_file():
        return ["## Paper presets unchanged", "", "(check not run)", ""]
    check = json.loads(CHECK.read_text())
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


def recheck_section() -> list[str]:
    title = "## Stored cells re-run with the committed code"
    if not RECHECK.is_file():
        return [title, "", "(re-check not run: `benchmarks/stored_cells_recheck.py`)", ""]
    check = json.loads(RECHECK.read_text())
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--parts", default=",".join([*PARTS, "probes"]))
    parser.add_argument("--render-only", action="store_true")
    args = parser.parse_args()
    parts = set(args.parts.split(","))
    frames = {
        name: suite_frame(name, args.jobs, run=part in parts and not args.render_only)
        for part, names in PARTS.items()
        for name in names
    }
    if "probes" in parts and not args.render_only:
        probes = run_probes(args.jobs)
    else:
        probes = json.loads(PROBES.read_text())["rows"] if PROBES.is_file() else []
    text = [
        *intro(),
        *dev_section(frames, probes),
        *confirm_section(frames),
        *reversal_section(frames),
        *round2_section(frames),
        *full_section(frames),
        *quick_section(frames),
        *check_section(),
        *recheck_section(),
    ]
    DOC.write_text("\n".join(text).rstrip() + "\n")
    print(f"wrote {DOC}")


if __name__ == "__main__":
    main()
