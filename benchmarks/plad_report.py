"""Write docs/results/plad.md: PLAD (Cai & Fan 2022) Tables 2-6 with the paper's numbers beside ours.

Run from the repository root (cells already in OUT/results.sqlite are skipped, so a re-run only
adds what is missing)::

    PYTHONPATH=src ANOMALAB_DATA=/work/shared/datasets python benchmarks/plad_report.py \
        --out runs/plad [--images]

What it runs, all through the project's runner and store:

1. suite ``plad-tabular`` (Table 5: thyroid, arrhythmia, GOAD split, F1 at the true anomaly
   fraction, 5 seeds);
2. suite ``plad-tabular-lambda`` (lambda sweep scored on the *dev* half of the test rows), then,
   per dataset and variant, the lambda with the best mean dev F1 and the paper's lambda on the
   disjoint *final* half (selection never sees the rows it is reported on);
3. a timing probe: PLAD cpu preset, 2 epochs, Fashion-MNIST class 0, seed 0 (its fit time only;
   it is not a result);
4. the learned perturbation on thyroid (lambda 3, seed 0): its size, how well the classifier
   separates it from the normal training data, and how much it varies across points;
5. suite ``plad-tabular-drocc``: Table 5's settings under DROCC's split and F1 convention, with
   the F1 of a perfect and of a random ranking on the same rows (explains the paper's numbers);
6. suite ``adbench-unsup`` restricted to PLAD and classic peers (``--adbench-seeds``, 3);
7. with ``--image-probe dataset:class ...``: the learned perturbation of those image cells
   (refitted, cpu preset, seed 0), saved to ``docs/results/plad_image_probe.json`` and shown
   from there on every later run;
8. with ``--images``: suites ``plad-images`` and ``plad-multiclass`` (hours on a CPU). Without it,
   image tables show stored results if any, else "not run yet".
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from anomalab.bench.runner import Cell, expand_grid, run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.suites import load_suite
from anomalab.targets import published

ROOT = Path(__file__).resolve().parents[1]
COMMAND = (
    "PYTHONPATH=src ANOMALAB_DATA=/work/shared/datasets python benchmarks/plad_report.py "
    "--out runs/plad"
)

# ----------------------------------------------------------------- the paper's numbers (spec)
CIFAR = ["Airplane", "Automobile", "Bird", "Cat", "Deer", "Dog", "Frog", "Horse", "Ship", "Truck"]
FMNIST = [
    "T-shirt",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
]


def paper_per_class(table: str, dataset: str) -> list[tuple[float, float]]:
    """PLAD's (mean, std) AUC-ROC (%) per normal class 0-9 in one of the paper's tables."""
    rows = published("plad", table, entrant="PLAD", metric="auc_roc").set_index("dataset")
    return [
        (float(rows.at[f"{dataset}:{k}", "value"]), float(rows.at[f"{dataset}:{k}", "std"]))
        for k in range(10)
    ]


def paper_table5() -> dict[str, dict[str, tuple[float, float]]]:
    """Table 5: {method: {dataset: (mean, std) F1 in %}}."""
    out: dict[str, dict[str, tuple[float, float]]] = {}
    for row in published("plad", "Table 5", metric="f1").itertuples():
        out.setdefault(row.entrant, {})[row.dataset] = (row.value, row.std)
    return out


# The paper's numbers, from the package's published numbers (``anomalab.targets``).
PAPER_TABLE2 = paper_per_class("Table 2", "cifar10")
PAPER_TABLE3 = paper_per_class("Table 3", "fashion-mnist")
PAPER_TABLE4 = {row.dataset: row.value for row in published("plad", "Table 4").itertuples()}
PAPER_TABLE5 = paper_table5()
PAPER_TABLE6 = {
    row.dataset: (row.value, row.std) for row in published("plad", "Table 6").itertuples()
}
PAPER_LAMBDA = {"thyroid": 3.0, "arrhythmia": 2.0}
MAIN_ENTRY = {"thyroid": "PLAD lam=3 b128", "arrhythmia": "PLAD lam=2 b64"}
MIRROR_ENTRY = {"thyroid": "PLAD+mirror lam=3 b128", "arrhythmia": "PLAD+mirror lam=2 b64"}
NOT_RUN = "not run yet"
#: adbench-unsup entrants reported here (the suite's other entrants belong to other issues)
ADBENCH_ENTRANTS = (
    "PLAD",
    "IForest",
    "OCSVM",
    "LOF",
    "PyOD-ECOD",
    "PyOD-KNN",
    "PyOD-DeepSVDD",
)
NOTES = [
    "## Notes: what differs from the paper, what was not run",
    "",
    "- Faithful PLAD (paper preset, raw alpha/beta, `reduction='mean'`, last epoch) falls short "
    "of the paper's tabular F1 here, and its thyroid runs are unstable across seeds (see the "
    "per-seed AUC-ROC above: some seeds rank anomalies *below* normals). A likely mechanism: "
    "the objective is cooperative, so the perturbator moves every point the same cheap way; with "
    "the raw decoder output alpha starts near 0, i.e. perturbed points start near the centre of "
    "the standardised data, and the classifier can learn 'inside = abnormal, outside = normal'. "
    "The `mirror` option (ours) also labels 2x - x~ as perturbed, which makes the perturbations "
    "two-sided; it is reported separately and is not the paper's method.",
    "- Reasons for the gap: the F1 convention (the DROCC-convention section above runs the same "
    "settings under DROCC's split and F1, which PLAD's code appears to inherit, and lands near "
    "the paper's values); and what we cannot check: the per-dataset settings of the missing "
    "Appendix A (networks, optimizer) and model selection (DROCC's trainer keeps the best *test* "
    "score over epochs; we report the last epoch).",
    "- The classic peers run here with scikit-learn defaults on the same split; the paper's "
    "OCSVM / LOF rows are copied from earlier papers with other settings.",
    "- Image suites (`plad-images`, `plad-multiclass`): the tables above show the cells that "
    "ran, 'not run yet' for the rest; `benchmarks/plad_report.py --images` runs them all (hours "
    "on two CPU cores). The image cells in this report were run into the same store with "
    "`anomalab bench --suite plad-images --datasets fashion-mnist --out runs/plad --threads 1` "
    "(all three seeds) and `... --datasets cifar10 --seeds 1 --jobs 2` (seed 0), then "
    "`... --datasets cifar10 --seeds 3 --jobs 2` (seeds 1 and 2; stored cells are skipped); "
    "Table 6's Fashion-MNIST row by `anomalab bench --suite plad-multiclass --datasets "
    "fashion-mnist --out runs/plad --jobs 2 --threads 1` (three seeds) and its CIFAR-10 row by "
    "`... --datasets cifar10 --seeds 1` (seed 0), then `... --datasets cifar10 --seeds 3 --jobs 1` "
    "(seeds 1 and 2). "
    "The options' columns on Fashion-MNIST by `anomalab bench --suite plad-images-options "
    "--labels 'PLAD+alpha_offset (cpu preset)' --out runs/plad --jobs 2 --threads 1` and the "
    "same with `--labels 'PLAD+mirror (cpu preset)'`. The cpu preset's lambda (1.0) and networks were not tuned "
    "per class; a one-class image benchmark offers no anomalies to tune on without using test "
    "classes.",
    "",
]


# ----------------------------------------------------------------------------- helpers
def fmt(values: Any, scale: float = 100.0) -> str:
    """'mean ± std' in percent over seeds (sample std, ddof=1), with the seed count."""
    arr = np.asarray(values, dtype=float) * scale
    if arr.size == 0:
        return NOT_RUN
    if arr.size == 1:
        return f"{arr.mean():.1f} (n=1)"
    return f"{arr.mean():.1f} ± {arr.std(ddof=1):.1f} (n={arr.size})"


def paper(mean: float, std: float | None = None) -> str:
    return f"{mean:.1f}" + (f" ± {std:.1f}" if std is not None else "")


def ok_rows(store: ResultStore, cells: list[Cell]) -> pd.DataFrame:
    df = store.frame([c.key for c in cells])
    return df[df["status"] == "ok"]


def failure_lines(store: ResultStore, cells: list[Cell]) -> list[str]:
    """'Failed cells: N (detectors).' when any of ``cells`` failed, else nothing."""
    df = store.frame([c.key for c in cells])
    bad = df[df["status"] != "ok"]
    if not len(bad):
        return []
    return [f"Failed cells: {len(bad)} ({', '.join(sorted(set(bad.detector)))}).", ""]


def entrant(df: pd.DataFrame, label: str, dataset: str) -> pd.DataFrame:
    """The rows of one entrant on one dataset."""
    return df[(df.detector == label) & (df.dataset == dataset)]


def run(cells: list[Cell], store: ResultStore, what: str, jobs: int = 1) -> None:
    start = time.perf_counter()
    summary = run_cells(cells, store, jobs=jobs)
    print(
        f"{what}: {summary.ok} ok, {summary.failed} failed, {summary.skipped} stored "
        f"({time.perf_counter() - start:.0f} s)",
        flush=True,
    )


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    lines += ["| " + " | ".join(r) + " |" for r in rows]
    return lines + [""]


# ----------------------------------------------------------------------------- sections
def table5(store: ResultStore) -> tuple[list[str], dict[str, float]]:
    suite = load_suite("plad-tabular")
    cells = suite.cells()
    run(cells, store, "plad-tabular")
    df = ok_rows(store, cells)
    datasets = ["thyroid", "arrhythmia"]

    def ours(label: str | dict[str, str]) -> list[str]:
        out = []
        for d in datasets:
            name = label[d] if isinstance(label, dict) else label
            out.append(fmt(entrant(df, name, d)["f1"]))
        return out

    main_means = {d: float(entrant(df, MAIN_ENTRY[d], d)["f1"].mean()) for d in datasets}
    rows = [
        ["PLAD (paper)", *[paper(*PAPER_TABLE5["PLAD"][d]) for d in datasets]],
        ["**PLAD, ours** (paper preset, paper's lambda per dataset)", *ours(MAIN_ENTRY)],
        ["PLAD + mirror, ours (our option; paper's lambda)", *ours(MIRROR_ENTRY)],
    ]
    for label in ("PLAD lam=3 b128", "PLAD lam=2 b64", "PLAD+mirror lam=3 b128"):
        rows.append([f"{label}, ours (both datasets)", *ours(label)])
    rows.append(["PLAD+mirror lam=2 b64, ours (both datasets)", *ours("PLAD+mirror lam=2 b64")])
    for peer in ("OCSVM", "LOF"):
        rows.append([f"{peer} (paper)", *[paper(*PAPER_TABLE5[peer][d]) for d in datasets]])
        rows.append([f"{peer}, ours (scikit-learn defaults)", *ours(peer)])
    rows.append(["IForest, ours (scikit-learn defaults)", *ours("IForest")])
    for other in ("GOAD", "NeuTraL AD"):
        rows.append([f"{other} (paper)", *[paper(*PAPER_TABLE5[other][d]) for d in datasets]])
    lines = [
        "## Table 5: F1 (%) on tabular data (one-class, GOAD / Zong split)",
        "",
        "Protocol `goad_one_class`: the first half of the normal rows (file order) trains, the "
        "other half + all anomalies test; z-score with training statistics. F1 of the anomaly "
        "class when the top-k scores are flagged, k = the number of test anomalies (GOAD's "
        "`f_score`). PLAD: paper preset (100 epochs, Adam 1e-3, tabular MLPs of the docstring), "
        "`reduction='mean'`, last epoch (no model selection). The paper's lambda: 3 for thyroid "
        "(batch 128), 2 for arrhythmia (batch 64, our choice). Mean ± sample std over seeds 0-4 "
        "(the split is fixed; seeds change initialisation and batch order).",
        "",
        *md_table(["Method", "Thyroid", "Arrhythmia"], rows),
    ]
    for d in datasets:
        for label in (MAIN_ENTRY[d], MIRROR_ENTRY[d]):
            sub = entrant(df, label, d).sort_values("seed")
            aucs = ", ".join(f"{v:.3f}" for v in sub["auc_roc"])
            f1s = ", ".join(f"{v:.3f}" for v in sub["f1"])
            lines.append(f"- {d}, {label}: per seed F1 [{f1s}], AUC-ROC [{aucs}]")
    lines.append("")
    lines += failure_lines(store, cells)
    return lines, main_means


def drocc_convention(store: ResultStore) -> list[str]:
    """Table 5 re-run under DROCC's split and F1 (suite ``plad-tabular-drocc``), with the F1 a
    perfect and a random ranking get on the same test rows, to read the paper's numbers."""
    from anomalab.data import make_task
    from anomalab.metrics import f1_by_rule

    suite = load_suite("plad-tabular-drocc")
    cells = suite.cells()
    run(cells, store, "plad-tabular-drocc")
    df = ok_rows(store, cells)
    datasets = ["thyroid", "arrhythmia"]
    rng = np.random.default_rng(0)
    bounds: dict[str, tuple[list[float], list[float]]] = {}
    for d in datasets:
        perfect, random = [], []
        for seed in suite.seeds:
            y = make_task(d, "drocc_one_class", seed=seed).y_test
            ranked = y + rng.random(len(y))  # every anomaly above every normal, no ties
            perfect.append(f1_by_rule(y, ranked, "normal_at_p20"))
            random.append(
                np.mean([f1_by_rule(y, rng.random(len(y)), "normal_at_p20") for _ in range(200)])
            )
        bounds[d] = (perfect, random)
    rows = [
        ["PLAD (paper, Table 5)", *[paper(*PAPER_TABLE5["PLAD"][d]) for d in datasets]],
        [
            "perfect ranking (every anomaly above every normal)",
            *[fmt(bounds[d][0]) for d in datasets],
        ],
        ["random ranking (mean of 200 draws per seed)", *[fmt(bounds[d][1]) for d in datasets]],
    ]
    for label in ("PLAD lam=3 b128", "PLAD lam=2 b64", "OCSVM", "LOF", "IForest"):
        rows.append(
            [
                f"{label}, ours",
                *[fmt(entrant(df, label, d)["f1"]) for d in datasets],
            ]
        )
    auc = [
        f"{label} {d} {entrant(df, label, d)['auc_roc'].mean():.3f}"
        for label in ("PLAD lam=3 b128", "PLAD lam=2 b64", "IForest")
        for d in datasets
    ]
    lines = [
        "## Table 5 under DROCC's conventions (explains part of the gap; not the issue's metric)",
        "",
        "PLAD's code appears to build on DROCC's trainer (specs/plad.md section 10). DROCC's ODDS "
        "script tests on all anomalies + as many random normals and trains on the remaining "
        "normals; its trainer reports the F1 of the *normal* class with the 80 % least anomalous "
        "test rows called normal (`threshold = np.percentile(scores, 20)`). Suite "
        "`plad-tabular-drocc` (protocol `drocc_one_class`, store column `f1` = that F1, 5 seeds, "
        "the split drawn per seed) runs the same PLAD settings as Table 5. On a half-normal test "
        "set this F1 is squeezed between what a random and a perfect ranking get, computed below "
        "on the same test rows:",
        "",
        *md_table(["Method", "Thyroid", "Arrhythmia"], rows),
        "Mean AUC-ROC on the same cells: " + "; ".join(auc) + ".",
        "",
        "Under this convention our faithful PLAD (the paper's lambda per dataset) scores "
        + "; ".join(
            f"{d} {100 * entrant(df, MAIN_ENTRY[d], d)['f1'].mean():.1f}"
            f" (paper {PAPER_TABLE5['PLAD'][d][0]})"
            for d in datasets
        )
        + ", against far lower values on the GOAD protocol above with the same models; the "
        "paper's Table 5 numbers sit where DROCC's F1 puts a fair-to-good ranking of a "
        "half-normal test set (between the random and perfect rows), not where GOAD's does. This "
        "is a reading, not a "
        "proof: the paper does not state its F1. The issue's targets stay on the GOAD protocol.",
        "",
    ]
    lines += failure_lines(store, cells)
    return lines


def adbench_unsup(store: ResultStore, seeds: int, jobs: int) -> list[str]:
    """PLAD (defaults) beside classic detectors in suite ``adbench-unsup`` on the same cells."""
    from anomalab.bench.leaderboard import leaderboard

    suite = load_suite("adbench-unsup").restrict(labels=ADBENCH_ENTRANTS, seeds=range(seeds))
    cells = suite.cells()
    run(cells, store, "adbench-unsup (PLAD and classic peers)", jobs)
    results = store.frame([c.key for c in cells])
    board = leaderboard(results)
    rows = [
        [
            f"**{name}**" if name == "PLAD" else name,
            f"{r.auc_roc:.4f}",
            f"{r.auc_pr:.4f}",
            f"{r.avg_rank:.2f}",
            f"{int(r.datasets)}",
            f"{int(r.cells_ok)} / {int(r.cells_failed)}",
            f"{r.fit_seconds:.1f}",
        ]
        for name, r in board.iterrows()
    ]
    ok = results[results.status == "ok"]
    per = ok.groupby(["dataset", "detector"])["auc_roc"].mean().unstack("detector")
    wins = int((per["PLAD"] >= per.drop(columns="PLAD").max(axis=1)).sum())
    below_half = sorted(per.index[per["PLAD"] < 0.5])
    lines = [
        "## PLAD on the ADBench catalog (suite `adbench-unsup`)",
        "",
        f"ADBench's unsupervised protocol (70/30 stratified split, min-max fitted on train, "
        f"training data contaminated, at most 10,000 rows), {seeds} seeds, every ADBench tabular "
        "dataset in the catalog; PLAD with its defaults (paper preset, lambda 1, 'mean' "
        "convention), which the paper never tuned for these data, beside classic detectors with "
        "their defaults on the same cells. Average rank by AUC-ROC over the datasets every "
        "entrant finished.",
        "",
        *md_table(
            [
                "entrant",
                "mean AUC-ROC",
                "mean AUC-PR",
                "avg rank",
                "datasets",
                "cells ok / failed",
                "fit s",
            ],
            rows,
        ),
        f"PLAD is best (ties count) on {wins} of {len(per)} datasets and below 0.5 AUC-ROC on "
        f"{len(below_half)}: {', '.join(below_half) or 'none'}.",
        "For scale: a survey README quoted in specs/plad.md section 10 (citing NED, AAAI 2025) "
        "gives PLAD a mean AUC-ROC of 67.42 over 47 ADBench tabular datasets, also far below "
        "the classic detectors; PLAD was designed and tuned for images and two ODDS sets.",
        "",
        "Per dataset, AUC-ROC mean over seeds:",
        "",
        *md_table(
            ["dataset", *per.columns],
            [[d, *[f"{v:.3f}" for v in per.loc[d]]] for d in per.index],
        ),
    ]
    lines += failure_lines(store, cells)
    return lines


def lambda_sweep(store: ResultStore) -> list[str]:
    suite = load_suite("plad-tabular-lambda")
    cells = suite.cells()
    run(cells, store, "plad-tabular-lambda (dev half)")
    df = ok_rows(store, cells)
    lams = sorted({float(c.params["lam"]) for c in cells})
    lines = [
        "## Lambda sweep (selection on the dev half only)",
        "",
        "Suite `plad-tabular-lambda`: the GOAD test rows are split (stratified, per seed) into a "
        "*dev* half and a disjoint *final* half (`holdout`). Each lambda is scored on the dev "
        "half; the lambda with the best mean dev F1 is then run and reported on the final half "
        "beside the paper's lambda. Batch 64, paper preset, 5 seeds, F1 (%).",
        "",
    ]
    groups: dict[tuple[str, bool, str], list[Cell]] = {}
    chosen: dict[tuple[str, bool], float] = {}
    for mirror in (False, True):
        prefix = "PLAD+mirror" if mirror else "PLAD"
        rows = []
        for lam in lams:
            label = f"{prefix} lam={lam:g}"
            rows.append([f"{lam:g}"] + [fmt(entrant(df, label, d)["f1"]) for d in PAPER_LAMBDA])
        lines += [f"Dev-half F1 (%), {prefix}:", ""]
        lines += md_table(["lambda", *PAPER_LAMBDA], rows)
        for d, paper_lam in PAPER_LAMBDA.items():
            means = {lam: entrant(df, f"{prefix} lam={lam:g}", d)["f1"].mean() for lam in lams}
            best = max(means, key=lambda k: (np.nan_to_num(means[k], nan=-1.0), -k))
            chosen[(d, mirror)] = best
            for lam, tag in ((best, "dev-selected"), (paper_lam, "paper")):
                params = {"preset": "paper", "lam": lam, "batch_size": 64, "mirror": mirror}
                groups[(d, mirror, tag)] = expand_grid(
                    [("PLAD", params, f"{prefix} lam={lam:g} ({tag})")],
                    [d],
                    "goad_one_class",
                    range(5),
                    {"holdout": "final"},
                )
    run([c for cells in groups.values() for c in cells], store, "lambda sweep, final half")
    rows = []
    for (d, mirror), lam in chosen.items():
        prefix = "PLAD+mirror" if mirror else "PLAD"
        sel = ok_rows(store, groups[(d, mirror, "dev-selected")])
        pap = ok_rows(store, groups[(d, mirror, "paper")])
        rows.append([d, prefix, f"{lam:g}", fmt(sel["f1"]), f"{PAPER_LAMBDA[d]:g}", fmt(pap["f1"])])
    lines += ["Final-half F1 (%): dev-selected lambda vs the paper's lambda:", ""]
    lines += md_table(
        ["dataset", "variant", "selected lambda", "F1 (selected)", "paper lambda", "F1 (paper)"],
        rows,
    )
    return lines


def learned_perturbation(
    det: Any, X: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, float]:
    """(X standardised, its perturbation x~, P(abnormal) of X, of x~, AUC normal vs perturbed)
    for a fitted PLAD: one z sample per row (seed 0)."""
    import torch
    from sklearn.metrics import roc_auc_score

    Xt, X_tilde = det.perturb(X, seed=0)
    with torch.no_grad():
        logits = det.model_(torch.tensor(X_tilde, dtype=torch.float32)).double()
    p_pert = torch.sigmoid(logits).numpy()
    p_norm = det.decision_function(X)
    labels = np.r_[np.zeros(len(Xt)), np.ones(len(Xt))]
    return Xt, X_tilde, p_norm, p_pert, float(roc_auc_score(labels, np.r_[p_norm, p_pert]))


def perturbation_probe() -> list[str]:
    from anomalab.data import make_task
    from anomalab.detectors.plad import PLAD

    X = make_task("thyroid", "goad_one_class", seed=0).X_train
    det = PLAD(lam=3.0, random_state=0).fit(X)
    Xt, X_tilde, p_norm, p_pert, auc = learned_perturbation(det, X)
    rel = np.linalg.norm(X_tilde - Xt, axis=1) / np.linalg.norm(Xt, axis=1)
    pair = np.linalg.norm(Xt - Xt[np.roll(np.arange(len(Xt)), 1)], axis=1)
    shift = X_tilde - Xt
    spread = np.linalg.norm(shift.std(axis=0)) / np.linalg.norm(shift.mean(axis=0))
    return [
        "## The learned perturbation (thyroid, lambda 3, paper preset, seed 0)",
        "",
        f"On the 1,839 training normals (z-scored): AUC of the classifier, normal vs perturbed "
        f"training data = {auc:.3f}; median P(abnormal) normal {np.median(p_norm):.3f}, "
        f"perturbed {float(np.median(p_pert)):.3f}. Size: median ||x~ - x|| / ||x|| = "
        f"{np.median(rel):.3f}; mean ||x~ - x|| = {np.linalg.norm(X_tilde - Xt, axis=1).mean():.3f} "
        f"against a mean distance of {pair.mean():.3f} between two normal points. "
        "(`tests/unit/test_plad.py` checks the same on 15 epochs.)",
        "",
        "Much of the perturbation is one vector shared by every point: per-feature mean of "
        f"x~ - x = [{', '.join(f'{v:+.2f}' for v in shift.mean(axis=0))}], per-feature std "
        f"across points = [{', '.join(f'{v:.2f}' for v in shift.std(axis=0))}] (norm of the "
        f"stds / norm of the means = {spread:.2f}). The cooperative objective lets the "
        "perturbator settle on one cheap direction that the classifier can detect (thyroid's "
        "features are near-deterministic functions of each other, e.g. FTI ~ TT4 / T4U, so a "
        "small off-manifold shift suffices); the classifier then learns a boundary on one side "
        "of the data only, and anomalies on the other side score as normal (the seeds with "
        "AUC-ROC below 0.5 in Table 5).",
        "",
    ]


IMAGE_PROBE = "plad_image_probe.json"


def image_probe(specs: list[str], path: Path, command: str) -> None:
    """Refit the plad-images cell (cpu preset, lambda 1, seed 0) of each ``dataset:class`` and
    measure its learned perturbation as the thyroid probe does, plus how far the test score is
    a function of the one direction the perturbations share (their mean shift u)."""
    from scipy.stats import spearmanr
    from sklearn.metrics import roc_auc_score

    from anomalab.bench.runner import make_entrant
    from anomalab.data import load_dataset, make_task

    (detector,) = load_suite("plad-images").detectors
    rows = []
    for spec in specs:
        dataset, normal = spec.split(":")
        task = make_task(load_dataset(dataset), "image_one_class", 0, normal_class=int(normal))
        det = make_entrant(detector[0], detector[1], 0).fit(task.X_train)
        Xt, X_tilde, _, _, sep = learned_perturbation(det, task.X_train)
        shift = (X_tilde - Xt).reshape(len(Xt), -1)
        flat = Xt.reshape(len(Xt), -1)
        mean_shift = shift.mean(axis=0)
        u = mean_shift / np.linalg.norm(mean_shift)
        cos = shift @ u / np.linalg.norm(shift, axis=1)
        test = det._transform(det._check_X(task.X_test, fitting=False)).reshape(
            len(task.X_test), -1
        )
        along_u = test.astype(np.float64) @ u
        score = det.decision_function(task.X_test)
        rows.append(
            {
                "cell": spec,
                "train_separation_auc": float(sep),
                "median_relative_size": float(
                    np.median(np.linalg.norm(shift, axis=1) / np.linalg.norm(flat, axis=1))
                ),
                "spread": float(np.linalg.norm(shift.std(axis=0)) / np.linalg.norm(mean_shift)),
                "median_cos_to_mean_shift": float(np.median(cos)),
                "test_auc": float(roc_auc_score(task.y_test, score)),
                "test_auc_along_u": float(roc_auc_score(task.y_test, along_u)),
                "spearman_score_vs_u": float(spearmanr(score, along_u).statistic),
            }
        )
        print(rows[-1], flush=True)
    path.write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")


def image_probe_lines(path: Path) -> list[str]:
    if not path.is_file():
        return []
    saved = json.loads(path.read_text())
    out = [
        "## The learned perturbation on images (cpu preset, lambda 1, seed 0)",
        "",
        f"Produced by `{saved['command']}`, which refits the stored `plad-images` cells "
        "(same seed, so the test AUC below equals the stored one). In the standardised input "
        "space: how well the classifier separates the training images from their perturbations "
        "(AUC), the median relative size ||x~ - x|| / ||x||, the thyroid probe's spread "
        "(norm of the per-pixel std of x~ - x across images / norm of its mean), the median "
        "cosine between an image's shift and the mean shift u, and on the test set the AUC of "
        "the projection onto u alone and its Spearman correlation with PLAD's score.",
        "",
        "| cell | train separation AUC | median size | spread | median cos to u | test AUC | "
        "test AUC of x . u | Spearman(score, x . u) |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in saved["rows"]:
        out.append(
            f"| {r['cell']} | {r['train_separation_auc']:.3f} | {r['median_relative_size']:.3f} "
            f"| {r['spread']:.2f} | {r['median_cos_to_mean_shift']:.2f} | {r['test_auc']:.3f} | "
            f"{r['test_auc_along_u']:.3f} | {r['spearman_score_vs_u']:.2f} |"
        )
    inverted = [r["cell"] for r in saved["rows"] if r["test_auc"] < 0.5]
    if inverted:
        out += [
            "",
            f"On {', '.join(inverted)} the classifier separates the training images from their "
            "perturbations almost perfectly, yet ranks the real anomalies *below* the normal "
            "test images: what it learned to detect is the perturbations' own pattern, which "
            "the real anomalies do not share (compare the test AUC with the AUC of the shared "
            "direction alone).",
        ]
    return [*out, ""]


def class_rows(df: pd.DataFrame, dataset: str, k: int) -> pd.DataFrame:
    return df[(df.dataset == dataset) & (df.protocol_params.str.contains(f'"normal_class": {k}}}'))]


class TenClassMean(NamedTuple):
    """The ten-class mean AUC, the fewest seeds any class ran, and the sample std over seeds of
    the ten-class mean (seeds on which all ten classes ran; None with fewer than two)."""

    mean: float
    min_seeds: int
    seed_std: float | None


def per_class(df: pd.DataFrame, dataset: str) -> tuple[list[str], list[str], TenClassMean | None]:
    """Per normal class: 'mean ± std (n)' and mean fit seconds; the ten-class mean (None unless
    all ten classes ran)."""
    cells, fits, means, seeds_run = [], [], [], []
    for k in range(10):
        sub = class_rows(df, dataset, k)
        cells.append(fmt(sub["auc_roc"]))
        fits.append(f"{sub['fit_seconds'].mean():.0f}" if len(sub) else NOT_RUN)
        if len(sub):
            means.append(sub["auc_roc"].mean())
            seeds_run.append(len(sub))
    if len(means) < 10:
        return cells, fits, None
    by_seed = df[df.dataset == dataset].groupby("seed")["auc_roc"].agg(["mean", "count"])
    complete = by_seed.loc[by_seed["count"] == 10, "mean"]
    std = float(complete.std()) if len(complete) > 1 else None
    return cells, fits, TenClassMean(float(np.mean(means)), min(seeds_run), std)


def seed_spread(df: pd.DataFrame, dataset: str) -> tuple[float, float]:
    """(mean over the ten classes of the sample std of AUC across seeds, standard error of the
    ten-class mean AUC), both in points."""
    rows = [class_rows(df, dataset, k)["auc_roc"] * 100 for k in range(10)]
    stds = [float(r.std()) for r in rows]
    se = float(np.sqrt(sum(sd**2 / len(r) for sd, r in zip(stds, rows, strict=True)))) / 10
    return float(np.mean(stds)), se


def option_lines(
    df: pd.DataFrame,
    odf: pd.DataFrame,
    dataset: str,
    base: TenClassMean | None,
    option_means: dict[str, TenClassMean | None],
) -> list[str]:
    """Each option's ten-class mean and seed spread against the faithful column's (``base``);
    a difference within two standard errors counts as no clear difference."""
    ran = {label: mean for label, mean in option_means.items() if mean is not None}
    if base is None or not ran:
        return []
    base_std, base_se = seed_spread(df, dataset)
    out = [
        f"Options on {dataset} against the faithful cpu preset on the same cells: its ten-class "
        f"mean is {100 * base.mean:.1f} (standard error {base_se:.1f}), and a class's AUC varies "
        f"across seeds by {base_std:.1f} points (std, mean over classes).",
        "",
    ]
    for label, mean in ran.items():
        std, se = seed_spread(entrant(odf, label, dataset), dataset)
        diff = round(100 * (mean.mean - base.mean), 1) + 0.0  # no "-0.0"
        bound = 2 * float(np.hypot(se, base_se))
        verdict = (
            f"no clear difference (|difference| < {bound:.1f}, two standard errors)"
            if abs(diff) < bound
            else ("higher" if diff > 0 else "lower")
            + f" by more than two standard errors ({bound:.1f})"
        )
        out.append(
            f"- {short_label(label)}: {100 * mean.mean:.1f}, {diff:+.1f} points: {verdict}; "
            f"seed-to-seed std {std:.1f} points."
        )
    return [*out, ""]


def short_label(label: str) -> str:
    return label.removesuffix(" (cpu preset)")


def seed_std_text(average: TenClassMean, scale: float = 1.0) -> str:
    """' ± std over seeds' of a ten-class mean, in ``scale`` units ('' with one seed)."""
    if average.seed_std is None:
        return ""
    digits = 1 if scale == 100.0 else 3
    return f" ± {scale * average.seed_std:.{digits}f} over seeds"


def mean_cell(average: TenClassMean | None) -> str:
    if average is None:
        return NOT_RUN
    spread = seed_std_text(average, 100.0)
    return f"{100 * average.mean:.1f}{spread} (>= {average.min_seeds} seed(s) per class)"


def image_tables(store: ResultStore, run_images: bool) -> tuple[list[str], dict[str, TenClassMean]]:
    one = load_suite("plad-images")
    multi = load_suite("plad-multiclass")
    options = load_suite("plad-images-options")
    if run_images:
        run(one.cells(), store, "plad-images")
        run(multi.cells(), store, "plad-multiclass")
        run(options.cells(), store, "plad-images-options")
    df = ok_rows(store, one.cells())
    odf = ok_rows(store, options.cells())
    lines = [
        "## Tables 2-4: one-class AUC-ROC (%) on CIFAR-10 and Fashion-MNIST",
        "",
        "Protocol `image_one_class`: the normal class's official training images train, the whole "
        "official test set is scored. Ours: PLAD cpu preset (20 epochs, lambda 1.0 in the 'mean' "
        "convention, VAE 256/64; CIFAR LeNet 16-32-64), suite `plad-images` (3 seeds; n per cell). The paper "
        "tuned optimizer, lr and lambda per class (its Appendix A, unavailable). Our CIFAR-10 copy "
        "is JPEG-compressed. On Fashion-MNIST, suite `plad-images-options` also runs two options "
        "of ours on the same cells, each alone and not the paper's method: `alpha_offset` (alpha "
        "= 1 + the decoder output, so perturbations start small instead of x~ ~ beta; the "
        "implementation note's stability option) and `mirror` (2x - x~ is labelled perturbed "
        "too). They are measured results beside the faithful column; nothing was selected on "
        "them and the defaults stay the paper's.",
        "",
    ]
    averages: dict[str, TenClassMean] = {}
    option_means: dict[str, TenClassMean | None] = {}
    for dataset, names, table, title in (
        ("cifar10", CIFAR, PAPER_TABLE2, "Table 2: CIFAR-10"),
        ("fashion-mnist", FMNIST, PAPER_TABLE3, "Table 3: Fashion-MNIST"),
    ):
        ours, fits, average = per_class(df, dataset)
        if average is not None:
            averages[dataset] = average
        header = ["normal class", "PLAD (paper)", "PLAD, ours (cpu)", "fit s"]
        columns = [[paper(*p) for p in table], ours, fits]
        if dataset in options.datasets:
            for label in options.labels:
                cells, _, option_means[label] = per_class(entrant(odf, label, dataset), dataset)
                header.append(f"{short_label(label)}, ours (option)")
                columns.append(cells)
        rows = [[n, *values] for n, *values in zip(names, *columns, strict=True)]
        lines += [f"### {title}", ""]
        lines += md_table(header, rows)
    lines += ["### Table 4: mean AUC over the ten classes", ""]
    table4 = [
        [d, paper(PAPER_TABLE4[d]), mean_cell(averages.get(d))]
        for d in ("cifar10", "fashion-mnist")
    ]
    table4 += [
        [f"{d}, {short_label(label)} (option)", "-", mean_cell(option_means.get(label))]
        for d in options.datasets
        for label in options.labels
    ]
    lines += md_table(["dataset", "PLAD (paper)", "PLAD, ours (cpu)"], table4)
    lines += option_lines(df, odf, "fashion-mnist", averages.get("fashion-mnist"), option_means)
    mdf = ok_rows(store, multi.cells())
    lines += [
        "## Table 6: multi-class normal AUC-ROC (%)",
        "",
        "Protocol `image_multiclass_normal`: 10,000 random training images of all classes are "
        "normal; test = the 10,000 test images + 10,000 pixel-wise means of random test-image "
        "pairs. Ours: PLAD cpu preset, suite `plad-multiclass`, 3 seeds.",
        "",
    ]
    lines += md_table(
        ["dataset", "PLAD (paper)", "PLAD, ours (cpu)"],
        [
            [d, paper(*PAPER_TABLE6[d]), fmt(mdf[mdf.dataset == d]["auc_roc"])]
            for d in ("cifar10", "fashion-mnist")
        ],
    )
    return lines, averages


def timing_probe(store: ResultStore) -> list[str]:
    epochs = 2
    cells = expand_grid(
        [
            (
                "PLAD",
                {"preset": "paper", "budget": "cpu", "lam": 1.0, "epochs": epochs},
                "PLAD timing probe",
            )
        ],
        ["fashion-mnist"],
        "image_one_class",
        [0],
        {"normal_class": 0},
    )
    run(cells, store, "timing probe")
    df = ok_rows(store, cells)
    if not len(df):
        return ["## Timing probe", "", "The timing probe failed; see the store.", ""]
    fit, score = float(df["fit_seconds"].iloc[0]), float(df["score_seconds"].iloc[0])
    per_epoch = fit / epochs
    est = 10 * (20 * per_epoch + score) / 60
    return [
        "## Timing probe (not a result)",
        "",
        f"PLAD cpu preset, Fashion-MNIST class 0 (6,000 training images), {epochs} epochs, seed "
        f"0, one process on this shared 2-core machine: fit {fit:.0f} s ({per_epoch:.0f} s per "
        f"epoch), scoring the 10,000 test images {score:.0f} s. Extrapolated (an estimate, "
        f"not a measurement): 20 epochs x 10 classes = about {est:.0f} min per seed on one core. "
        "Its AUC is deliberately not reported.",
        "",
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("runs/plad"))
    parser.add_argument("--report", type=Path, default=ROOT / "docs/results/plad.md")
    parser.add_argument("--images", action="store_true", help="also run the image suites")
    parser.add_argument("--jobs", type=int, default=1, help="worker processes (adbench-unsup)")
    parser.add_argument(
        "--adbench-seeds", type=int, default=3, help="seeds of the adbench-unsup section"
    )
    parser.add_argument(
        "--image-probe", nargs="*", default=None, help="dataset:class cells to probe (refits)"
    )
    args = parser.parse_args(argv)
    probe_path = args.report.parent / IMAGE_PROBE
    if args.image_probe:
        probe_command = COMMAND + " --image-probe " + " ".join(args.image_probe)
        image_probe(args.image_probe, probe_path, probe_command)
    store = ResultStore(args.out / "results.sqlite")
    t5, main_means = table5(store)
    images, image_means = image_tables(store, args.images)

    def image_check(dataset: str, bound: float, paper_value: float) -> str:
        value = image_means.get(dataset)
        verdict = (
            "not established (not all ten classes ran)"
            if value is None
            else f"ours {value.mean:.3f}{seed_std_text(value)} (>= {value.min_seeds} seed(s) "
            f"per class) -> {'holds' if value.mean >= bound else 'does NOT hold'}"
        )
        return (
            f"- {dataset} mean AUC >= {bound} with the cpu preset (paper {paper_value}): {verdict}"
        )

    sections = [
        "# PLAD (Cai & Fan, NeurIPS 2022): results",
        "",
        f"Generated by `{COMMAND}` (`--images` also runs the image suites). Every 'ours' number "
        "comes from the project's runner and store; 'paper' numbers are copied from the paper "
        "(via `specs/plad.md`) as targets. Presets: `paper` = 100 epochs and the paper's "
        "networks; `cpu` = 20 epochs and narrower image networks (see `PLAD`'s docstring).",
        "",
        "## Done-when check",
        "",
        f"- thyroid F1 >= 0.70 (paper 76.6): ours {main_means['thyroid']:.3f} -> "
        f"{'holds' if main_means['thyroid'] >= 0.70 else 'does NOT hold'}",
        f"- arrhythmia F1 >= 0.60 (paper 71.0): ours {main_means['arrhythmia']:.3f} -> "
        f"{'holds' if main_means['arrhythmia'] >= 0.60 else 'does NOT hold'}",
        image_check("fashion-mnist", 0.91, PAPER_TABLE4["fashion-mnist"]),
        image_check("cifar10", 0.70, PAPER_TABLE4["cifar10"]),
        "",
        *t5,
        *drocc_convention(store),
        *perturbation_probe(),
        *lambda_sweep(store),
        *adbench_unsup(store, args.adbench_seeds, args.jobs),
        *images,
        *image_probe_lines(probe_path),
        *timing_probe(store),
        *NOTES,
    ]
    args.report.parent.mkdir(parents=True, exist_ok=True)
    args.report.write_text("\n".join(sections))
    print(f"wrote {args.report}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
