"""The DevNet paper's data protocol (Pang et al., KDD 2019, sec. 5.5.1) and ADBench's resampling.

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

``adbench_semi``: ADBench's ``DataGenerator`` rules before the semi-supervised split: a dataset
of fewer than 1,000 rows is resampled with replacement to 1,000 rows, one of more than 10,000 rows
is subsampled (uniformly, not stratified) to 10,000, both before the 70/30 split, so duplicated
rows can land on both sides (ADBench's behaviour, kept for comparability). With
``draws="adbench"`` (default) every draw replays ADBench's code on numpy's legacy
``RandomState(seed)``, so seeds 1-3 give ADBench's own published splits (given the same data
files and scikit-learn's stratified split algorithm).
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from anomalab.data.dataset import Dataset
from anomalab.data.preprocess import scale_split
from anomalab.data.protocols import (
    Task,
    _binary_truth,
    _split,
    _task,
    register_protocol,
    semi_supervised,
)


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


@register_protocol("devnet_paper")
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
    y = _binary_truth(dataset)
    train, test = _split(y, test_size, data_seed, dataset.name)
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


@register_protocol("adbench_semi")
def adbench_semi(
    dataset: Dataset,
    *,
    seed: int = 0,
    ratio: float = 0.05,
    test_size: float = 0.3,
    scale: str | None = "minmax",
    min_rows: int | None = 1000,
    max_rows: int | None = 10000,
    draws: str = "adbench",
) -> Task:
    """ADBench's semi-supervised setting with its resampling rules (module docstring).

    ``draws="adbench"`` (default) replays ADBench's ``DataGenerator.generator(la=ratio,
    at_least_one_labeled=True)`` draw for draw: numpy's legacy ``RandomState(seed)`` for the
    resampling (re-seeded before it, as ADBench does), then the same stream for scikit-learn's
    stratified ``train_test_split`` and for the ``ceil(ratio * n)`` labeled anomalies. With the
    shipped ADBench files and seeds 1, 2, 3 these replay the draws behind ADBench's published
    numbers (assuming scikit-learn's stratified split algorithm is unchanged since). The global numpy state is untouched. ``draws="anomalab"``: resampling with
    ``default_rng(seed)``, then the project's ``semi_supervised`` (its own split and label draws).
    ``train_index``/``test_index`` refer to the original rows.
    """
    if draws not in ("adbench", "anomalab"):
        raise ValueError(f"draws must be 'adbench' or 'anomalab', got {draws!r}")
    y = _binary_truth(dataset)
    n = len(y)
    small = min_rows is not None and n < min_rows
    large = max_rows is not None and n > max_rows
    if draws == "anomalab":
        rng = np.random.default_rng(seed)
        rows = np.arange(n)
        if small:
            rows = rng.choice(n, size=int(min_rows), replace=True)
        elif large:
            rows = rng.choice(n, size=int(max_rows), replace=False)
        sub = dataclasses.replace(dataset, X=dataset.X[rows], y=y[rows], split=None)
        task = semi_supervised(sub, seed=seed, ratio=ratio, test_size=test_size, scale=scale)
        task.train_index = rows[task.train_index]
        task.test_index = rows[task.test_index]
        task.meta["n_resampled_rows"] = len(rows)
        return task
    if not 0 <= ratio <= 1:
        raise ValueError(f"ratio must lie in [0, 1], got {ratio}")
    state = np.random.RandomState(seed)
    rows = np.arange(n)
    if small:
        rows = state.choice(np.arange(n), int(min_rows), replace=True)
    if large:  # ADBench tests both rules in turn, re-seeding before each
        state = np.random.RandomState(seed)
        rows = state.choice(np.arange(n), int(max_rows), replace=False)
    train_pos, test_pos = _split(y[rows], test_size, state, f"{dataset.name} (resampled)")
    train, test = rows[train_pos], rows[test_pos]
    anomaly_pos = np.flatnonzero(y[train] == 1)
    k = math.ceil(ratio * len(anomaly_pos))  # ADBench's float product, unrounded
    labeled_pos = state.choice(anomaly_pos, k, replace=False)
    y_train = np.zeros(len(train), dtype=np.int64)
    y_train[labeled_pos] = 1
    n_unlabeled_anomalies = len(anomaly_pos) - k
    meta = {
        "n_labeled_requested": k,
        "n_dropped_anomalies": 0,
        "n_unlabeled": len(train) - k,
        "n_unlabeled_anomalies": n_unlabeled_anomalies,
        "contamination_unlabeled": n_unlabeled_anomalies / max(len(train) - k, 1),
        "n_resampled_rows": len(rows),
    }
    return _task(
        dataset, "adbench_semi", seed, train, test, y_train, y[test], y[train], scale, **meta
    )
