"""Train/test splits of 0/1-labeled data, by how many training labels they give.

- ``unsupervised``: contaminated training part, no labels; ``one_class`` (``one_class_splits``)
  trains on normals only.
- ``semi_supervised``: a few training anomalies labeled (ADBench's ratio or DevNet's count);
  ``adbench_semi``: the same with ADBench's resampling and draws.
- ``supervised``: every training label known (ADBench la = 100 %).
- ``validation``: a fit / validation split of the benchmark's training part for tuning.

Labels handed to detectors (``y_train``): 1 = labeled anomaly, 0 = unlabeled, -1 = labeled normal.
Scalers are fitted on the training part only and applied to the test part unchanged, so test
values may fall outside [0, 1] after ``"minmax"`` (nothing is clipped). Every random choice uses
the seed (``random_state=seed`` / ``np.random.default_rng(seed)``); global RNG state is never
touched, and the caller's Dataset arrays are never modified.

``adbench_semi``: ADBench's ``DataGenerator`` rules before the semi-supervised split: a dataset
of fewer than 1,000 rows is resampled with replacement to 1,000 rows, one of more than 10,000 rows
is subsampled (uniformly, not stratified) to 10,000, both before the 70/30 split, so duplicated
rows can land on both sides (ADBench's behaviour, kept for comparability). With
``draws="adbench"`` (default) every draw replays ADBench's code on numpy's legacy
``RandomState(seed)``, so seeds 1-3 give ADBench's own published splits (given the same data
files and scikit-learn's stratified split algorithm).

``supervised``: ``min_rows`` is ADBench's ``generate_duplicates``: a dataset with fewer rows is
bootstrapped (drawn with replacement, seeded) to that many rows *before* the split, so duplicates
can fall on both sides, as in ADBench; off (None) by default.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import numpy as np

from anomalab.data.dataset import Dataset
from anomalab.data.protocols._common import binary_truth, build_task, stratified_split
from anomalab.data.protocols.registry import LABEL_FREE, WITH_LABELS, register_protocol
from anomalab.data.protocols.task import Task


@register_protocol(
    "unsupervised",
    supervision=LABEL_FREE,
    description="stratified split; contaminated training part, no labels",
)
def unsupervised(
    dataset: Dataset,
    *,
    seed: int = 0,
    test_size: float = 0.3,
    scale: str | None = "minmax",
    max_rows: int | None = None,
) -> Task:
    """Stratified split; the training part keeps its anomalies (contaminated), ``y_train`` all 0.

    ``max_rows``: stratified subsample of the dataset before the split.
    """
    y = binary_truth(dataset)
    train, test = stratified_split(y, test_size, seed, dataset.name, max_rows)
    zeros = np.zeros(len(train), dtype=np.int64)
    return build_task(dataset, "unsupervised", seed, train, test, zeros, y[test], y[train], scale)


@register_protocol(
    "semi_supervised",
    supervision=WITH_LABELS,
    description="stratified split; some training anomalies labeled (ADBench ratio / DevNet count)",
)
def semi_supervised(
    dataset: Dataset,
    *,
    seed: int = 0,
    ratio: float | None = None,
    n_labeled: int | None = None,
    contamination: float | None = None,
    test_size: float = 0.3,
    scale: str | None = "minmax",
    max_rows: int | None = None,
) -> Task:
    """A few training anomalies labeled 1, the rest of the training part unlabeled (0).

    Give exactly one of:

    - ``ratio`` (ADBench): ``ceil(ratio * n_train_anomalies)`` anomalies are labeled, i.e. at
      least one when ``ratio > 0`` (ADBench's ``at_least_one_labeled``); the product is rounded
      to 9 decimals first so that e.g. 0.1 * 30 labels exactly 3.
    - ``n_labeled`` (DevNet): exactly that many anomalies are labeled.

    ``contamination``: anomalies of the unlabeled part are subsampled (the others are dropped
    from training; the test part is untouched) so that they make up
    ``round(c * n_normal / (1 - c))`` rows, i.e. the fraction ``c`` of the unlabeled part. If
    there are not enough, all are kept and ``meta["contamination_unlabeled"]`` tells the actual
    rate (``meta["contamination_shortfall"]`` is True).

    ``max_rows``: stratified subsample of the dataset before the split.
    """
    if (ratio is None) == (n_labeled is None):
        raise ValueError("semi_supervised needs exactly one of ratio= or n_labeled=")
    y = binary_truth(dataset)
    train, test = stratified_split(y, test_size, seed, dataset.name, max_rows)
    rng = np.random.default_rng(seed)
    anomalies, normals = train[y[train] == 1], train[y[train] == 0]
    if ratio is not None:
        if not 0 <= ratio <= 1:
            raise ValueError(f"ratio must lie in [0, 1], got {ratio}")
        k = math.ceil(round(ratio * len(anomalies), 9))
    else:
        if int(n_labeled) != n_labeled or n_labeled < 0:
            raise ValueError(f"n_labeled must be a non-negative integer, got {n_labeled!r}")
        k = int(n_labeled)
    if k > len(anomalies):
        raise ValueError(
            f"dataset {dataset.name!r} has only {len(anomalies)} anomalies in its training part "
            f"(of {int(y.sum())} in all, test_size={test_size}); {k} labeled anomalies asked"
        )
    labeled = rng.choice(anomalies, size=k, replace=False)
    unlabeled_anom = np.setdiff1d(anomalies, labeled)
    meta: dict[str, Any] = {"n_labeled_requested": k, "n_dropped_anomalies": 0}
    if contamination is not None:
        if not 0 <= contamination < 1:
            raise ValueError(f"contamination must lie in [0, 1), got {contamination}")
        target = round(contamination * len(normals) / (1 - contamination))
        meta["contamination_target"] = contamination
        meta["contamination_shortfall"] = target > len(unlabeled_anom)
        if target < len(unlabeled_anom):
            kept = rng.choice(unlabeled_anom, size=target, replace=False)
            meta["n_dropped_anomalies"] = len(unlabeled_anom) - target
            unlabeled_anom = kept
    keep = np.concatenate([normals, unlabeled_anom, labeled])
    train = train[np.isin(train, keep)]  # keep the split's (shuffled) order
    y_train = np.isin(train, labeled).astype(np.int64)
    n_unlabeled = len(normals) + len(unlabeled_anom)
    meta |= {
        "n_unlabeled": n_unlabeled,
        "n_unlabeled_anomalies": len(unlabeled_anom),
        "contamination_unlabeled": len(unlabeled_anom) / n_unlabeled if n_unlabeled else 0.0,
    }
    return build_task(
        dataset, "semi_supervised", seed, train, test, y_train, y[test], y[train], scale, **meta
    )


@register_protocol(
    "adbench_semi",
    supervision=WITH_LABELS,
    description="ADBench's semi-supervised split with its resampling rules and draws",
)
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
    numbers (assuming scikit-learn's stratified split algorithm is unchanged since). The global
    numpy state is untouched. ``draws="anomalab"``: resampling with
    ``default_rng(seed)``, then the project's ``semi_supervised`` (its own split and label draws).
    ``train_index``/``test_index`` refer to the original rows.
    """
    if draws not in ("adbench", "anomalab"):
        raise ValueError(f"draws must be 'adbench' or 'anomalab', got {draws!r}")
    y = binary_truth(dataset)
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
    name = f"{dataset.name} (resampled)"
    train_pos, test_pos = stratified_split(y[rows], test_size, state, name)
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
    return build_task(
        dataset, "adbench_semi", seed, train, test, y_train, y[test], y[train], scale, **meta
    )


@register_protocol(
    "supervised",
    supervision=WITH_LABELS,
    description="stratified split; every training label known (ADBench la = 100 %)",
)
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
    y = binary_truth(dataset)
    rows = np.arange(len(y))
    if min_rows is not None and len(y) < min_rows:
        rows = np.random.default_rng(seed).choice(len(y), size=int(min_rows), replace=True)
    train, test = stratified_split(y[rows], test_size, seed, dataset.name, max_rows)
    train, test = rows[train], rows[test]
    y_train = np.where(y[train] == 1, 1, -1)
    return build_task(
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


@register_protocol(
    "validation",
    supervision=LABEL_FREE,
    description="fit / validation split of the training part, for tuning; no labels by default",
)
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
    y = binary_truth(dataset)
    outer_train, _ = stratified_split(y, test_size, seed, dataset.name, max_rows)
    fit_part, val_part = stratified_split(y[outer_train], val_size, seed, dataset.name)
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
    return build_task(dataset, "validation", seed, train, val, y_train, y[val], y[train], scale)
