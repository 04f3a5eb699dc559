"""Run the SG-AE benchmarks and write docs/results/sgae.md (+ PNG plots) from the result stores.

One command (cells already stored are skipped, so a re-run only writes the report)::

    PYTHONPATH=src ANOMALAB_DATA=/work/shared/datasets \
        python benchmarks/sgae_report.py --out runs/sgae

Stages (``--stages``, comma-separated; default all): ``faithful`` (SG-AE
under the official code's preprocessing and 2021 scorer), ``paper`` (suite sgae-paper),
``substitutes`` (suite sgae-substitutes), ``mnist`` (suite sgae-mnist; ``--mnist-detectors``),
``robust`` (AUC-ROC vs training anomaly rate, Fig. 8; ``--robust-detectors``), ``adbench`` (suite
adbench-unsup restricted to SGAE and IForest), ``guidance`` (how well each host's f flags
anomalies, the signal the scoring network learns from), ``synthetic``
(Section 4.1's score gaps), ``hist`` (score histograms, Fig. 5). ``--run-only`` / ``--report-only``
split the two halves. Every number in the report comes from the stores under ``--out``.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from anomalab.bench.runner import Cell, expand_grid, run_cells
from anomalab.bench.store import ResultStore
from anomalab.bench.suites import load_suite

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "results"
#: SG-AE under the official code's exact preprocessing (every column z-scored on all rows) and
#: with the paper-era (2021) linear scorer: a faithfulness check, reported beside the defaults.
FAITHFUL_DETECTORS = (
    ("SGAE", {}, "SGAE"),
    ("SGAE", {"scorer_act": "identity"}, "SGAE-2021scorer"),
)
STAGES = (
    "faithful",
    "paper",
    "substitutes",
    "mnist",
    "robust",
    "adbench",
    "guidance",
    "synthetic",
    "hist",
)
GUIDED = ("SGAE", "SGRDA", "SGRSRAE", "SGDAGMM")
GUIDANCE_SEEDS = (0, 1)
ROBUST_RATES = (0.02, 0.05, 0.1, 0.15, 0.2, 0.25)
ROBUST_DETECTORS = (
    ("SGAE", {}, "SGAE"),
    ("SGAE", {"variant": "ae"}, "AE"),
    ("IForest", {}, "IForest"),
    ("RDA", {}, "RDA"),
)
ADBENCH_DETECTORS = ("SGAE", "IForest")


def log(msg: str) -> None:
    print(time.strftime("%H:%M:%S"), msg, flush=True)


def suite_cells(
    name: str, seeds: int | None, only: set[str] | None, datasets: set[str] | None = None
) -> list[Cell]:
    suite = load_suite(name).restrict(seeds=None if seeds is None else range(seeds))
    cells = suite.cells()
    return [
        c
        for c in cells
        if (only is None or c.name in only) and (datasets is None or c.dataset in datasets)
    ]


def robust_cells(seeds: int, only: set[str] | None) -> list[Cell]:
    """Fig. 8: the paper protocol on market with the training anomaly rate set by subsampling."""
    cells = []
    for rate in ROBUST_RATES:
        cells += expand_grid(
            list(ROBUST_DETECTORS),
            ["market"],
            "sgae",
            range(seeds),
            {"test_size": 0.2, "val_size": 0.2, "anomaly_rate": rate},
        )
    return [c for c in cells if only is None or c.name in only]


def faithful_cells(seeds: int, caps_only: set[str] | None) -> list[Cell]:
    """SG-AE on market and diabetic under the code's preprocessing, beside the defaults."""
    cells = []
    for params in (
        {"test_size": 0.2, "val_size": 0.2},
        {"test_size": 0.2, "val_size": 0.2, "scale_columns": "all", "fit_scaler": "all"},
    ):
        cells += expand_grid(
            list(FAITHFUL_DETECTORS), ["market", "diabetic"], "sgae", range(seeds), params
        )
    return [c for c in cells if caps_only is None or c.name in caps_only]


def adbench_cells(seeds: int, only: set[str] | None) -> list[Cell]:
    suite = load_suite("adbench-unsup").restrict(seeds=range(seeds))
    keep = set(ADBENCH_DETECTORS) if only is None else set(ADBENCH_DETECTORS) & only
    return [c for c in suite.cells() if c.name in keep]


def guidance_diagnostic(out: Path) -> None:
    """Why a score-guided model can or cannot beat its base: how good is the host's f as a
    pseudo-labeller? Per SG model on market (paper protocol, defaults), after training: the
    anomaly rate among the training rows f flags as suspected abnormal (f >= eps) over the
    training anomaly rate (enrichment; 1 = no better than chance), and the test AUC-ROC of f and
    of the learned s. Stored in ``guidance.json`` (computed once; delete it to recompute)."""
    import json

    import numpy as np
    from sklearn.metrics import roc_auc_score

    from anomalab.data import make_task
    from anomalab.registry import make_detector

    path = out / "guidance.json"
    rows = json.loads(path.read_text()) if path.exists() else []
    done = {(r["model"], r["dataset"], r["seed"]) for r in rows}
    for seed in GUIDANCE_SEEDS:
        task = make_task("market", "sgae", seed, test_size=0.2, val_size=0.2)
        for name in GUIDED:
            if (name, "market", seed) in done:
                continue
            t0 = time.perf_counter()
            det = make_detector(name, random_state=seed).fit(task.X_train)
            f_train = det._discrimination(det._transform(task.X_train))
            f_test = det._discrimination(det._transform(task.X_test))
            flagged = f_train >= det.eps_
            rate = float(task.y_train_true.mean())
            precision = float(task.y_train_true[flagged].mean()) if flagged.any() else 0.0
            rows.append(
                {
                    "model": name,
                    "dataset": "market",
                    "seed": seed,
                    "epochs": det.history_.epochs_run,
                    "train_anomaly_rate": rate,
                    "flagged_fraction": float(flagged.mean()),
                    "flagged_precision": precision,
                    "enrichment": precision / rate,
                    "auc_f": float(roc_auc_score(task.y_test, f_test)),
                    "auc_s": float(roc_auc_score(task.y_test, det.decision_function(task.X_test))),
                    "fit_seconds": time.perf_counter() - t0,
                }
            )
            log(f"guidance {name} market seed {seed}: {rows[-1]}")
            path.write_text(json.dumps(rows, indent=1))
    # SG-AE on adbench-unsup's cells (seed 0): f (its reconstruction norm) vs the learned s
    suite = load_suite("adbench-unsup")
    params = suite.protocol_grid[0]
    by_key = {(r["model"], r["dataset"], r["seed"]): r for r in rows}
    for ds in suite.datasets:
        row = by_key.get(("SGAE", ds, 0))
        if row is not None and "auc_s_fast" in row:
            continue
        task = make_task(ds, suite.protocol, 0, **params)
        if row is None:
            det = make_detector("SGAE", random_state=0).fit(task.X_train)
            f_test = det._discrimination(det._transform(task.X_test))
            row = {
                "model": "SGAE",
                "dataset": ds,
                "seed": 0,
                "protocol": suite.protocol,
                "epochs": det.history_.epochs_run,
                "steps": det.history_.epochs_run * -(-len(task.X_train) // det.batch_size),
                "n_train": len(task.X_train),
                "mean_s_train": float(np.mean(det.decision_scores_)),
                "auc_f": float(roc_auc_score(task.y_test, f_test)),
                "auc_s": float(roc_auc_score(task.y_test, det.decision_function(task.X_test))),
            }
            rows.append(row)
        # the same steps with a 10x larger step (not the paper's lr; a diagnostic of training)
        fast = make_detector("SGAE", random_state=0, lr=1e-3, early_stop=False)
        fast.fit(task.X_train)
        row["auc_s_fast"] = float(roc_auc_score(task.y_test, fast.decision_function(task.X_test)))
        log(f"guidance SGAE {ds}: {row}")
        path.write_text(json.dumps(rows, indent=1))


def run_stage(cells: list[Cell], store: ResultStore, what: str) -> None:
    log(f"{what}: {len(cells)} cells")

    def progress(row: dict[str, Any], summary: Any) -> None:
        status = row["status"]
        metric = (
            f"{row.get('auc_roc', float('nan')):.3f}"
            if status == "ok"
            else row.get("error", "")[:200]
        )
        log(
            f"  [{summary.ok + summary.failed}/{summary.total - summary.skipped}] {row['detector']} "
            f"{row['dataset']} seed {row['seed']}: {status} {metric} ({row.get('fit_seconds', 0):.1f}s)"
        )

    summary = run_cells(cells, store, on_result=progress)
    log(f"{what}: ok {summary.ok}, failed {summary.failed}, skipped {summary.skipped}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", default="runs/sgae")
    parser.add_argument(
        "--stages",
        default=",".join(STAGES),
        help="comma-separated stages (default: all)",
    )
    parser.add_argument(
        "--mnist-detectors",
        default="SGAE,SGAE-no-early-stop,IForest,DAGMM,RDA,RSRAE,SGRSRAE",
    )
    parser.add_argument("--robust-detectors", default="SGAE,IForest,AE")
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--adbench-seeds", type=int, default=3)
    parser.add_argument("--robust-seeds", type=int, default=3)
    parser.add_argument("--detectors", default=None, help="only these entrant labels")
    parser.add_argument("--datasets", default=None, help="only these datasets (suite stages)")
    parser.add_argument(
        "--fewer-seeds",
        default="",
        help="dataset=N pairs: run only seeds 0..N-1 of that dataset (a smaller budget)",
    )
    parser.add_argument("--run-only", action="store_true")
    parser.add_argument("--report-only", action="store_true")
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    stages = [s for s in args.stages.split(",") if s]
    only = set(args.detectors.split(",")) if args.detectors else None
    dsets = set(args.datasets.split(",")) if args.datasets else None
    builders: dict[str, Callable[[], list[Cell]]] = {
        "paper": lambda: suite_cells("sgae-paper", args.seeds, only, dsets),
        "substitutes": lambda: suite_cells("sgae-substitutes", args.seeds, only, dsets),
        "mnist": lambda: suite_cells(
            "sgae-mnist", args.seeds, only or set(args.mnist_detectors.split(",")), dsets
        ),
        "robust": lambda: robust_cells(
            args.robust_seeds, only or set(args.robust_detectors.split(","))
        ),
        "faithful": lambda: faithful_cells(args.seeds, only),
        "adbench": lambda: adbench_cells(args.adbench_seeds, only),
    }
    caps = {k: int(v) for k, v in (p.split("=") for p in args.fewer_seeds.split(",") if p)}
    if not args.report_only:
        if "guidance" in stages:
            guidance_diagnostic(out)
        for stage in stages:
            if stage in builders:
                cells = [c for c in builders[stage]() if c.seed < caps.get(c.dataset, 10**6)]
                run_stage(cells, ResultStore(out / f"{stage}.sqlite"), stage)
    if not args.run_only:
        from sgae_report_write import write_report

        write_report(out, stages, args)
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    os.environ.setdefault("MPLBACKEND", "Agg")
    raise SystemExit(main())
