"""Why PLAD trails simple baselines on one-class images: a probe over rungs of options (issue 27).

Each (rung, cell) refits PLAD at the ``cpu`` budget on one class of an image set
(``image_one_class``: the class's official-train images; the whole official test set scored) and
measures, on the same fit:

- (a) the learned perturbation's size: mean ||x~ - x|| / mean ||x - mean(x)|| over the training
  normals (the model's input space), the share of the mean ||x~ - x||^2 in the one shift all
  images share (||mean(x~ - x)||^2), and the share of ||x~ - x||^2 that falls on blank pixels
  (raw value 0) beside the share of blank pixels;
- (b) the classifier's P(abnormal) on the training normals, on their perturbations (as trained:
  random signs and mirror applied where the rung uses them), on test normals and on test
  anomalies, and the share of each that is saturated (P < 1e-3 or > 1 - 1e-3);
- (c) the training curve: the loss per epoch and the test AUC after every epoch (on a fixed
  2,000-image subsample of the test set, drawn with numpy so training is unchanged);
- (d) the test AUC-ROC and the AUC of each anomalous class against the normal test images
  (below 0.5: that class scores as more normal than the normal class);
- the final CE / size / KL terms of Eq. 5 on the training normals.

Rows are appended to a JSON file (a row already there is not refitted), so the probe runs in
pieces, one process at a time::

    OMP_NUM_THREADS=1 PYTHONPATH=src ANOMALAB_DATA=../shared/datasets \\
        python -m anomalab.bench.plad_image_probe --rungs paper --cells mnist-images:0

The development set is MNIST only; the confirmation sets are never probed while choosing.
"""

from __future__ import annotations

import argparse
import json
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

#: Every rung is PLAD at the ``cpu`` budget with these parameters (the paper preset plus one or
#: more options); the names are the probe's, the values are passed to ``PLAD`` as given.
RUNGS: dict[str, dict[str, Any]] = {
    "paper": {"preset": "paper", "budget": "cpu"},
    # the tabular recommended rules on images with the budget's epochs (no step minimum): the
    # settings of the recommended preset on images at image revision 1 (issue 27)
    "tabular rules": {
        "preset": "paper",
        "budget": "cpu",
        "lam": 10.0,
        "mirror": True,
        "random_signs": True,
    },
    "mirror": {"preset": "paper", "budget": "cpu", "mirror": True},
    "random signs": {"preset": "paper", "budget": "cpu", "random_signs": True},
    "mirror, random signs": {
        "preset": "paper",
        "budget": "cpu",
        "mirror": True,
        "random_signs": True,
    },
    "alpha_offset": {"preset": "paper", "budget": "cpu", "alpha_offset": True},
    "lambda 0.1": {"preset": "paper", "budget": "cpu", "lam": 0.1},
    "lambda 0.01": {"preset": "paper", "budget": "cpu", "lam": 0.01},
    "lambda 10": {"preset": "paper", "budget": "cpu", "lam": 10.0},
    "lambda 100": {"preset": "paper", "budget": "cpu", "lam": 100.0},
    "pixels in [0, 1]": {"preset": "paper", "budget": "cpu", "standardize": False},
    "5 epochs": {"preset": "paper", "budget": "cpu", "epochs": 5},
}
DEFAULT_OUT = Path("docs/results/plad_image_diagnosis.json")
CURVE_SAMPLE = 2000
SATURATED = 1e-3


def _logits(det: Any, X: np.ndarray) -> np.ndarray:
    """The classifier's logits of images already in the model's input space."""
    from anomalab.nn.training import predict_in_chunks

    det.model_.eval()
    return predict_in_chunks(
        lambda b: det.model_(b).double(), X.astype(np.float32), device=det.device_
    ).reshape(-1)


def _p_abnormal(det: Any, X: np.ndarray) -> np.ndarray:
    """P(abnormal) of images already in the model's input space."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-_logits(det, X)))


def _as_trained(det: Any, X: np.ndarray, X_tilde: np.ndarray) -> np.ndarray:
    """The perturbed images the classifier was trained on: random signs per coordinate and the
    reflection 2x - x~ where the fit used them (numpy draws; the same law as training)."""
    if det.hp_.random_signs:
        eps = np.random.default_rng(0).integers(0, 2, X.shape) * 2.0 - 1.0
        X_tilde = X + eps * (X_tilde - X)
    if det.hp_.mirror:
        X_tilde = np.concatenate([X_tilde, 2.0 * X - X_tilde])
    return X_tilde


def _summary(p: np.ndarray) -> dict[str, float]:
    return {
        "mean": float(p.mean()),
        "median": float(np.median(p)),
        "saturated": float(np.mean((p < SATURATED) | (p > 1.0 - SATURATED))),
    }


def _final_terms(det: Any, X: np.ndarray) -> dict[str, float]:
    """Eq. 5's CE / size / KL on (up to) 2,048 training normals, eval mode, z drawn under seed 0."""
    import torch

    det.model_.eval()
    with torch.no_grad(), torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)
        terms = det.loss_terms(torch.tensor(X[:2048], dtype=torch.float32, device=det.device_))
    return {"ce": float(terms.ce), "size": float(terms.size), "kl": float(terms.kl)}


def probe_cell(
    rung: str, params: dict[str, Any], dataset: str, normal_class: int, seed: int = 0
) -> dict[str, Any]:
    """Fit PLAD with ``params`` on one class and measure (a)-(d) (module docstring)."""
    from sklearn.metrics import roc_auc_score

    from anomalab.bench.cells import make_entrant
    from anomalab.data import load_dataset, make_task
    from anomalab.nn.training import epoch_hook

    data = load_dataset(dataset)
    task = make_task(data, "image_one_class", seed, normal_class=normal_class)
    assert data.y is not None and task.test_index is not None
    test_class = np.asarray(data.y)[task.test_index]
    det = make_entrant("PLAD", params, seed)
    sample = np.sort(
        np.random.default_rng(seed).choice(len(task.y_test), CURVE_SAMPLE, replace=False)
    )
    curve: list[float] = []
    checked: list[np.ndarray] = []

    def score_sample(epoch: int, loss: float) -> None:
        if not checked:
            checked.append(det._check_X(task.X_test[sample], fitting=False))
        curve.append(float(roc_auc_score(task.y_test[sample], det._score(checked[0]))))

    start = time.perf_counter()
    with epoch_hook(score_sample):
        det.fit(task.X_train)
    seconds = time.perf_counter() - start
    scores = det.decision_function(task.X_test)

    X, X_tilde = det.perturb(task.X_train, seed=0)
    shift = (X_tilde - X).reshape(len(X), -1)
    flat = X.reshape(len(X), -1)
    blank = np.asarray(task.X_train).reshape(len(X), -1) == 0.0
    energy = (shift**2).sum(axis=1)
    X_pert = _as_trained(det, X, X_tilde)
    X_test = det._transform(det._check_X(task.X_test, fitting=False))
    normal = task.y_test == 0
    per_class = {
        str(int(c)): float(
            roc_auc_score(
                np.r_[np.zeros(normal.sum()), np.ones((test_class == c).sum())],
                np.r_[scores[normal], scores[test_class == c]],
            )
        )
        for c in np.unique(test_class[~normal])
    }
    return {
        "rung": rung,
        "params": params,
        "dataset": dataset,
        "normal_class": int(normal_class),
        "seed": int(seed),
        "fit_seconds": seconds,
        "epochs_run": det.history_.epochs_run,
        "test_auc": float(roc_auc_score(task.y_test, scores)),
        "auc_per_anomaly_class": per_class,
        "size_over_spread": float(
            np.linalg.norm(shift, axis=1).mean()
            / np.linalg.norm(flat - flat.mean(axis=0), axis=1).mean()
        ),
        # the share of the perturbations' energy in the one shift they all share
        "shared_shift_share": float((shift.mean(axis=0) ** 2).sum() / energy.mean()),
        "blank_pixel_share": float(blank.mean()),
        "perturbation_energy_on_blank": float(
            ((shift**2) * blank).sum(axis=1).sum() / energy.sum()
        ),
        "p_abnormal": {
            "train_normals": _summary(det.decision_scores_),
            "their_perturbations": _summary(_p_abnormal(det, X_pert)),
            "test_normals": _summary(scores[normal]),
            "test_anomalies": _summary(scores[~normal]),
        },
        "train_separation_auc": float(
            roc_auc_score(
                np.r_[np.zeros(len(X)), np.ones(len(X_pert))],
                np.r_[det.decision_scores_, _p_abnormal(det, X_pert)],
            )
        ),
        "test_auc_plain_standardised_distance": float(
            roc_auc_score(
                task.y_test,
                np.linalg.norm(X_test.reshape(len(X_test), -1) - flat.mean(axis=0), axis=1),
            )
        ),
        "test_logit_quantiles": [
            float(q) for q in np.quantile(_logits(det, X_test), [0.0, 0.05, 0.5, 0.95, 1.0])
        ],
        "test_distinct_score_share": float(len(np.unique(scores)) / len(scores)),
        "final_terms": _final_terms(det, X),
        "loss_per_epoch": [float(v) for v in det.history_.loss],
        "test_auc_per_epoch_subsample": curve,
    }


def run_probe(
    rungs: Sequence[str], cells: Sequence[str], out: Path, seed: int = 0
) -> list[dict[str, Any]]:
    """Probe every (rung, cell) not yet in ``out``; rows are saved after each fit."""
    unknown = [r for r in rungs if r not in RUNGS]
    if unknown:
        raise ValueError(f"unknown rung(s) {unknown}; choose from {list(RUNGS)}")
    saved = json.loads(out.read_text()) if out.is_file() else {"rows": []}
    rows: list[dict[str, Any]] = saved["rows"]
    done = {(r["rung"], r["dataset"], r["normal_class"], r["seed"]) for r in rows}
    for rung in rungs:
        for cell in cells:
            dataset, normal = cell.rsplit(":", 1)
            if (rung, dataset, int(normal), seed) in done:
                continue
            row = probe_cell(rung, RUNGS[rung], dataset, int(normal), seed)
            rows.append(row)
            print(
                f"{rung:24s} {cell:16s} auc {row['test_auc']:.3f}  size/spread "
                f"{row['size_over_spread']:.3f}  fit {row['fit_seconds']:.0f}s",
                flush=True,
            )
            out.write_text(json.dumps({"command": COMMAND, "rows": rows}, indent=1) + "\n")
    return rows


COMMAND = (
    "OMP_NUM_THREADS=1 PYTHONPATH=src ANOMALAB_DATA=../shared/datasets "
    "python -m anomalab.bench.plad_image_probe --rungs RUNG ... --cells DATASET:CLASS ..."
)


def _cell(row: dict[str, Any]) -> str:
    return f"{row['dataset']}:{row['normal_class']} seed {row['seed']}"


def _mean(rows: list[dict[str, Any]], get: Any) -> str:
    """The mean as text; "n/a" where a row predates the measure (or there are no rows)."""
    values = [get(r) for r in rows]
    if not values or any(v is None for v in values):
        return "n/a"
    return f"{np.mean(values):.3f}"


def probe_table(rows: list[dict[str, Any]]) -> list[str]:
    """Markdown: one line per rung (means over its cells; the cells listed), then one per cell."""
    head = (
        "| rung | cells | test AUC | test AUC, cells every rung ran | epoch-1 AUC (subsample) | size / spread | shared shift | "
        "P(ab) train normals | P(ab) perturbations | P(ab) test normals | P(ab) test anomalies |"
        " share saturated, test anomalies | separation AUC | final CE | fit s |"
    )
    out = [head, "|" + "---|" * 15]
    rungs = list(dict.fromkeys(r["rung"] for r in rows))
    cell_sets = [{_cell(r) for r in rows if r["rung"] == rung} for rung in rungs]
    common = set.intersection(*cell_sets) if cell_sets else set()
    for rung in rungs:
        rs = [r for r in rows if r["rung"] == rung]

        def p(k: str, rs: list[dict[str, Any]] = rs) -> str:
            return _mean(rs, lambda row: row["p_abnormal"][k]["mean"])

        out.append(
            "| "
            + " | ".join(
                [
                    rung,
                    ", ".join(_cell(r) for r in rs),
                    _mean(rs, lambda r: r["test_auc"]),
                    _mean([r for r in rs if _cell(r) in common], lambda r: r["test_auc"]),
                    _mean(rs, lambda r: r["test_auc_per_epoch_subsample"][0]),
                    _mean(rs, lambda r: r["size_over_spread"]),
                    _mean(rs, lambda r: r.get("shared_shift_share")),
                    p("train_normals"),
                    p("their_perturbations"),
                    p("test_normals"),
                    p("test_anomalies"),
                    _mean(rs, lambda r: r["p_abnormal"]["test_anomalies"]["saturated"]),
                    _mean(rs, lambda r: r["train_separation_auc"]),
                    _mean(rs, lambda r: r["final_terms"]["ce"]),
                    _mean(rs, lambda r: r["fit_seconds"]),
                ]
            )
            + " |"
        )
    out += ["", "| rung | cell | test AUC | AUC per anomalous class | test AUC after each epoch |"]
    out.append("|---|---|---|---|---|")
    for r in rows:
        per = ", ".join(f"{k}: {v:.2f}" for k, v in r["auc_per_anomaly_class"].items())
        curve = " ".join(f"{v:.2f}" for v in r["test_auc_per_epoch_subsample"])
        out.append(f"| {r['rung']} | {_cell(r)} | {r['test_auc']:.3f} | {per} | {curve} |")
    return out


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rungs", nargs="+", default=["paper"], choices=list(RUNGS))
    parser.add_argument("--cells", nargs="+", default=["mnist-images:0"])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument(
        "--table", action="store_true", help="print the stored rows as Markdown, fit nothing"
    )
    args = parser.parse_args(argv)
    if args.table:
        print("\n".join(probe_table(json.loads(args.out.read_text())["rows"])))
        return
    import torch

    torch.set_num_threads(1)
    run_probe(args.rungs, args.cells, args.out, args.seed)


if __name__ == "__main__":
    main()
