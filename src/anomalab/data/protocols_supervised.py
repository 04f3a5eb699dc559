"""ADBench's fully supervised protocol (la = 100 %): every training label known.

Stratified 70/30 split, min-max scaling fitted on the training part, ``y_train`` = 1 for anomalies
and -1 for normals (labeled normal). ``max_rows``: stratified subsample first (ADBench caps
datasets at 10,000 rows). ``min_rows``: ADBench's ``generate_duplicates`` -- a dataset with fewer
rows is bootstrapped (drawn with replacement, seeded) to that many rows *before* the split, so
duplicates can fall on both sides, as in ADBench; off (None) by default.
"""

from __future__ import annotations

import math

import numpy as np

from anomalab.data.dataset import Dataset
from anomalab.data.protocols import Task, _binary_truth, _split, _task, register_protocol


@register_protocol("supervised")
def supervised(
    dataset: Dataset,
    *,
    seed: int = 0,
    test_size: float = 0.3,
    scale: str | None = "minmax",
    max_rows: int | None = None,
    min_rows: int | None = None,
) -> Task:
    """All training labels known: 1 = anomaly, -1 = normal (ADBench la = 1.0)."""
    y = _binary_truth(dataset)
    rows = np.arange(len(y))
    if min_rows is not None and len(y) < min_rows:
        rows = np.random.default_rng(seed).choice(len(y), size=int(min_rows), replace=True)
    train, test = _split(y[rows], test_size, seed, dataset.name, max_rows)
    train, test = rows[train], rows[test]
    y_train = np.where(y[train] == 1, 1, -1)
    return _task(
        dataset,
        "supervised",
        seed,
        train,
        test,
        y_train,
        y[test],
        y[train],
        scale,
        bootstrapped=len(rows) != len(y),
    )


@register_protocol("validation")
def validation(
    dataset: Dataset,
    *,
    seed: int = 0,
    test_size: float = 0.3,
    val_size: float = 0.3,
    labels: str = "none",
    ratio: float | None = None,
    normal_only: bool = False,
    scale: str | None = "minmax",
    max_rows: int | None = None,
) -> Task:
    """A validation split for tuning: the test part never enters the task.

    The outer split is the benchmark's (stratified ``test_size``, ``max_rows`` first); its test
    part is dropped and its training part is split again (stratified ``val_size``, same seed) into
    a fit part (``X_train``) and a validation part (``X_test``). ``labels``: "none" (all 0, the
    unsupervised protocol), "all" (1 = anomaly, -1 = normal, the supervised protocol) or "some"
    (``ceil(ratio * fit-part anomalies)`` of them labeled 1, drawn with the seed, every other row
    0: ADBench's semi-supervised protocol). ``normal_only``: the fit part keeps its normal rows
    only (the one-class protocols); the validation part is untouched.
    """
    if labels not in ("none", "all", "some"):
        raise ValueError(f"labels must be 'none', 'all' or 'some', got {labels!r}")
    if (labels == "some") != (ratio is not None):
        raise ValueError("labels='some' needs ratio= (and ratio= needs labels='some')")
    if ratio is not None and not 0.0 < ratio <= 1.0:
        raise ValueError(f"ratio must lie in (0, 1], got {ratio}")
    y = _binary_truth(dataset)
    outer_train, _ = _split(y, test_size, seed, dataset.name, max_rows)
    fit_part, val_part = _split(y[outer_train], val_size, seed, dataset.name)
    train, val = outer_train[fit_part], outer_train[val_part]
    if normal_only:
        train = train[y[train] == 0]
    if labels == "all":
        y_train = np.where(y[train] == 1, 1, -1)
    elif labels == "some":
        anomalies = train[y[train] == 1]
        k = math.ceil(round(float(ratio) * len(anomalies), 9))
        labeled = np.random.default_rng(seed).choice(anomalies, size=k, replace=False)
        y_train = np.isin(train, labeled).astype(np.int64)
    else:
        y_train = np.zeros(len(train))
    return _task(dataset, "validation", seed, train, val, y_train, y[val], y[train], scale)
