"""Probes that the store does not keep: seed-0 development cells refitted under both presets, and
measured (the score-guided scorer's range, AnoRand's blocks, DAGMM's energy, PLAD's classifier).
Cached as JSON beside the report."""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from anomalab.bench.presets_report.cells import COMMAND
from anomalab.bench.suites import adbench_halves, load_suite


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


def run_probes(jobs: int, path: Path) -> list[dict[str, Any]]:
    dev, _ = adbench_halves()
    work = [(d, p, ds) for d in PROBE_FNS for p in ("paper", "recommended") for ds in dev]
    with ProcessPoolExecutor(jobs) as pool:
        rows = list(pool.map(_probe_one, work))
    path.write_text(json.dumps({"command": COMMAND + " --parts probes", "rows": rows}, indent=1))
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
