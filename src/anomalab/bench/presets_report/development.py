"""The development half: the rungs of each detector family (paper preset, recommended preset, one
rule reverted), the probes, and the recommended-against-paper gains on both halves."""

from __future__ import annotations

from typing import Any

import pandas as pd

from anomalab.bench.presets_report.cells import (
    FAMILIES,
    PARTS,
    SG_BASES,
    means,
    not_run,
    rung_table,
    stored,
)
from anomalab.bench.presets_report.probes import probe_lines
from anomalab.bench.suites import load_suite
from anomalab.registry import get_spec


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
