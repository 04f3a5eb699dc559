"""Replay of the DevNet paper's data pipeline (Pang et al., KDD 2019, sec. 5.5.1; official code).

``devnet_paper`` (spec ``devnet.md`` sec. 5.2): stratified 80/20 split; 30 training anomalies are
labeled (1); the unlabeled part U is the training normals plus anomalies making up 2 % of U.

- ``injection="code"`` (the official code, default): every other training anomaly is deleted and
  ``int(n_normal * c / (1 - c))`` synthetic anomalies are added, each a copy of a random anomaly
  o1 with ``int(0.05 * D)`` random features taken from another anomaly o2 (for D < 20 that is an
  exact copy). ``pool="all"`` draws o1, o2 from every anomaly of the dataset, test part included
  (what the code does: test leakage); ``pool="train"`` from the training part only (no leakage).
- ``injection="real"``: the paper's wording; real unlabeled training anomalies are subsampled to
  the rate c (as ``semi_supervised(n_labeled=30, contamination=0.02)``).
- Random draws replicate the code's: the split is scikit-learn's stratified ``train_test_split``
  with the data seed, the anomalies to delete and the injected rows come from local numpy
  ``RandomState(data_seed)`` generators in the code's order.
- ``fixed_split=True`` (the code): split, labels and injection use ``split_seed`` (42) whatever the
  run's seed, so runs differ only in the detector's seed (Table 1's tiny stds). ``False``: all data
  choices follow the run's seed (truly independent runs).
- ``scale=None``: the shipped files are already min-max scaled on the full data (the code does no
  scaling); ``"minmax"`` fits the scaler on the training part.

``adbench_semi`` (ADBench's resampled semi-supervised split) is in ``splits``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from anomalab.data.dataset import Dataset
from anomalab.data.preprocess import scale_split
from anomalab.data.protocols._common import binary_truth, stratified_split
from anomalab.data.protocols.registry import WITH_LABELS, register_protocol
from anomalab.data.protocols.splits import semi_supervised
from anomalab.data.protocols.task import Task


def inject_anomalies(pool: np.ndarray, n: int, seed: int, swap_ratio: float = 0.05) -> np.ndarray:
    """``n`` synthetic anomalies: a copy of pool row o1 with ``int(swap_ratio * D)`` random
    features replaced by those of another pool row o2 (o1 != o2).

    The official code's draws, in its order, from a fresh local ``RandomState(seed)`` (so the
    code's contamination is reproduced exactly for the same pool); global RNG state is untouched.
    """
    if len(pool) < 2:
        raise ValueError(f"injection needs at least 2 anomalies to draw from, got {len(pool)}")
    rng = np.random.RandomState(seed)
    d = pool.shape[1]
    n_swap = int(swap_ratio * d)
    out = np.empty((n, d))
    for i in range(n):
        first, second = rng.choice(len(pool), 2, replace=False)
        cols = rng.choice(d, n_swap, replace=False)
        out[i] = pool[first]
        out[i, cols] = pool[second, cols]
    return out


@register_protocol(
    "devnet_paper",
    supervision=WITH_LABELS,
    description="DevNet's pipeline: 80/20 split, 30 labeled anomalies, 2 % injected contamination",
)
def devnet_paper(
    dataset: Dataset,
    *,
    seed: int = 0,
    n_labeled: int = 30,
    contamination: float = 0.02,
    test_size: float = 0.2,
    injection: str = "code",
    pool: str = "all",
    swap_ratio: float = 0.05,
    fixed_split: bool = True,
    split_seed: int = 42,
    scale: str | None = None,
) -> Task:
    """DevNet's protocol (see the module docstring). Injected rows have ``train_index`` -1."""
    if injection not in ("code", "real"):
        raise ValueError(f"injection must be 'code' or 'real', got {injection!r}")
    if pool not in ("all", "train"):
        raise ValueError(f"pool must be 'all' or 'train', got {pool!r}")
    data_seed = int(split_seed) if fixed_split else int(seed)
    if injection == "real":
        task = semi_supervised(
            dataset,
            seed=data_seed,
            n_labeled=n_labeled,
            contamination=contamination,
            test_size=test_size,
            scale=scale,
        )
        task.seed = int(seed)
        task.meta |= {"data_seed": data_seed, "n_injected": 0}
        return task
    if not 0 <= contamination < 1:
        raise ValueError(f"contamination must lie in [0, 1), got {contamination}")
    y = binary_truth(dataset)
    train, test = stratified_split(y, test_size, data_seed, dataset.name)
    rng = np.random.RandomState(data_seed)
    anomalies, normals = train[y[train] == 1], train[y[train] == 0]
    if n_labeled > len(anomalies):
        raise ValueError(
            f"dataset {dataset.name!r} has only {len(anomalies)} training anomalies; "
            f"{n_labeled} labeled anomalies asked"
        )
    removed = rng.choice(anomalies, size=len(anomalies) - int(n_labeled), replace=False)
    labeled = np.setdiff1d(anomalies, removed)
    n_noise = int(len(normals) * contamination / (1.0 - contamination))
    source = np.flatnonzero(y == 1) if pool == "all" else anomalies
    noise = inject_anomalies(dataset.X[source], n_noise, data_seed, swap_ratio)
    kept = train[np.isin(train, np.concatenate([normals, labeled]))]  # split's order
    X_train = np.concatenate([dataset.X[kept].astype(np.float64), noise])
    X_test = dataset.X[test].astype(np.float64)
    if scale is not None:
        X_train, X_test = scale_split(X_train, X_test, scale)
    y_train = np.r_[np.isin(kept, labeled).astype(np.int64), np.zeros(n_noise, np.int64)]
    y_true = np.r_[y[kept], np.ones(n_noise, np.int64)]
    meta: dict[str, Any] = {
        "n_train": len(y_train),
        "n_test": len(test),
        "n_train_anomalies": int(y_true.sum()),
        "n_test_anomalies": int(y[test].sum()),
        "contamination": float(y_true.mean()),
        "n_labeled": int(n_labeled),
        "n_injected": n_noise,
        "n_swapped_features": int(swap_ratio * dataset.X.shape[1]),
        "contamination_unlabeled": n_noise / (len(normals) + n_noise),
        "data_seed": data_seed,
    }
    return Task(
        dataset=dataset.name,
        protocol="devnet_paper",
        seed=int(seed),
        X_train=X_train,
        y_train=y_train,
        X_test=X_test,
        y_test=y[test].astype(np.int64),
        y_train_true=y_true,
        meta=meta,
        train_index=np.r_[kept, np.full(n_noise, -1)].astype(np.int64),
        test_index=np.asarray(test, dtype=np.int64),
    )
