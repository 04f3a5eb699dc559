"""Evaluation protocols: a :class:`Dataset` + seed -> a :class:`Task` (train/test, labels, scaling).

Labels handed to detectors (``y_train``): 1 = labeled anomaly, 0 = unlabeled, -1 = labeled normal.
Scalers are fitted on the training part only and applied to the test part unchanged, so test
values may fall outside [0, 1] after ``"minmax"`` (nothing is clipped). Every random choice uses
the seed (``random_state=seed`` / ``np.random.default_rng(seed)``); global RNG state is never
touched, and the caller's Dataset arrays are never modified.

Add a protocol with::

    @register_protocol("my-protocol")
    def my_protocol(dataset: Dataset, *, seed: int, my_param: int = 3) -> Task: ...
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.preprocess import scale_split

Protocol = Callable[..., "Task"]
PROTOCOLS: dict[str, Protocol] = {}


@dataclass
class Task:
    """One train/test task. ``train_index``/``test_index``: rows of the dataset, in order."""

    dataset: str
    protocol: str
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    y_train_true: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    train_index: np.ndarray | None = None
    test_index: np.ndarray | None = None
    #: labeled validation part (ground truth 0/1), where the protocol holds one out
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    #: the F1 convention of the protocol's papers (``anomalab.metrics.F1_RULES``)
    f1_rule: str = "anomaly_at_rate"

    def __repr__(self) -> str:
        return (
            f"Task({self.dataset!r}, {self.protocol!r}, seed={self.seed}, "
            f"train={self.X_train.shape}, test={self.X_test.shape}, params={self.params})"
        )


def register_protocol(name: str, *, replace: bool = False) -> Callable[[Protocol], Protocol]:
    """Decorator adding a protocol ``fn(dataset, *, seed, **params) -> Task`` to PROTOCOLS."""

    def deco(fn: Protocol) -> Protocol:
        if name in PROTOCOLS and not replace:
            raise ValueError(f"protocol {name!r} is already registered")
        PROTOCOLS[name] = fn
        return fn

    return deco


def make_task(
    dataset: Dataset | str | Path, protocol: str = "unsupervised", seed: int = 0, **params: Any
) -> Task:
    """Build the ``protocol`` task of ``dataset`` (a Dataset, or a name/path to load) for ``seed``.

    ``Task.params`` records every protocol parameter, defaults included.
    """
    if not isinstance(dataset, Dataset):
        from anomalab.data.load import load_dataset

        dataset = load_dataset(dataset)
    if protocol not in PROTOCOLS:
        raise ValueError(f"unknown protocol {protocol!r}; available: {sorted(PROTOCOLS)}")
    fn = PROTOCOLS[protocol]
    sig = inspect.signature(fn)
    try:
        bound = sig.bind(dataset, seed=int(seed), **params)
    except TypeError as err:
        accepted = [p for p in sig.parameters if p not in ("dataset", "seed")]
        raise TypeError(f"protocol {protocol!r}: {err}; its parameters are {accepted}") from err
    bound.apply_defaults()
    task = fn(*bound.args, **bound.kwargs)
    task.protocol = protocol
    task.params = {k: v for k, v in bound.arguments.items() if k not in ("dataset", "seed")}
    return task


# ----------------------------------------------------------------------------- helpers


def _binary_truth(dataset: Dataset) -> np.ndarray:
    y = dataset.y
    if y is None:
        raise ValueError(f"dataset {dataset.name!r} has no labels; this protocol needs 0/1 labels")
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            f"dataset {dataset.name!r} has class labels {values.tolist()[:10]}, not 0/1 anomaly "
            "labels; use protocol 'image_one_class' (normal_class=...)"
        )
    return y


def _split(
    y: np.ndarray,
    test_size: float,
    seed: int | np.random.RandomState,
    name: str,
    max_rows: int | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Stratified train/test indices; with ``max_rows``, a stratified subsample of that many rows
    is drawn first (ADBench caps datasets at 10,000 rows this way; ours keeps the anomaly rate).
    ``seed`` may be a legacy ``RandomState`` whose stream the split continues."""
    counts = np.bincount(y, minlength=2)
    if counts.min() < 2:
        raise ValueError(
            f"dataset {name!r} has {counts[0]} normal and {counts[1]} anomalous rows; "
            "a stratified split needs at least 2 of each"
        )
    rows = np.arange(len(y))
    if max_rows is not None and len(y) > max_rows:
        rows, _ = train_test_split(rows, train_size=int(max_rows), stratify=y, random_state=seed)
        rows = np.sort(rows)
    return train_test_split(
        rows, test_size=test_size, stratify=y[rows], random_state=seed, shuffle=True
    )


def _task(
    dataset: Dataset,
    protocol: str,
    seed: int,
    train: np.ndarray,
    test: np.ndarray,
    y_train: np.ndarray,
    y_test: np.ndarray,
    y_train_true: np.ndarray,
    scale: str | None,
    **meta: Any,
) -> Task:
    X_train, X_test = dataset.X[train], dataset.X[test]  # fancy indexing: copies
    if scale is not None:
        X_train, X_test = scale_split(X_train, X_test, scale)
    elif not np.issubdtype(X_train.dtype, np.floating):
        X_train, X_test = X_train.astype(np.float64), X_test.astype(np.float64)
    meta = {
        "n_train": len(train),
        "n_test": len(test),
        "n_train_anomalies": int(y_train_true.sum()),
        "n_test_anomalies": int(y_test.sum()),
        "contamination": float(y_train_true.mean()) if len(train) else 0.0,
        "n_labeled": int((y_train == 1).sum()),
        **meta,
    }
    return Task(
        dataset=dataset.name,
        protocol=protocol,
        seed=seed,
        X_train=X_train,
        y_train=y_train.astype(np.int64),
        X_test=X_test,
        y_test=y_test.astype(np.int64),
        y_train_true=y_train_true.astype(np.int64),
        meta=meta,
        train_index=np.asarray(train, dtype=np.int64),
        test_index=np.asarray(test, dtype=np.int64),
    )


# ----------------------------------------------------------------------------- built-ins


@register_protocol("unsupervised")
def unsupervised(
    dataset: Dataset,
    *,
    seed: int = 0,
    test_size: float = 0.3,
    scale: str | None = "minmax",
    max_rows: int | None = None,
) -> Task:
    """Stratified split; the training part keeps its anomalies (contaminated), ``y_train`` all 0.

    ``max_rows``: stratified subsample of the dataset before the split (see ``_split``).
    """
    y = _binary_truth(dataset)
    train, test = _split(y, test_size, seed, dataset.name, max_rows)
    zeros = np.zeros(len(train), dtype=np.int64)
    return _task(dataset, "unsupervised", seed, train, test, zeros, y[test], y[train], scale)


@register_protocol("semi_supervised")
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

    ``max_rows``: stratified subsample of the dataset before the split (see ``_split``).
    """
    if (ratio is None) == (n_labeled is None):
        raise ValueError("semi_supervised needs exactly one of ratio= or n_labeled=")
    y = _binary_truth(dataset)
    train, test = _split(y, test_size, seed, dataset.name, max_rows)
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
    return _task(
        dataset, "semi_supervised", seed, train, test, y_train, y[test], y[train], scale, **meta
    )


@register_protocol("one_class")
def one_class(
    dataset: Dataset,
    *,
    seed: int = 0,
    train_fraction: float = 0.5,
    scale: str | None = "minmax",
    max_rows: int | None = None,
) -> Task:
    """Train on a random ``train_fraction`` of the normal rows only (Zong / GOAD style).

    Test = the remaining normal rows + all anomalies. Rows are in dataset order. ``max_rows``:
    a stratified subsample of that many rows is drawn first (as ``_split`` does).
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    y = _binary_truth(dataset)
    rows = np.arange(len(y))
    if max_rows is not None and len(y) > max_rows:
        rows, _ = train_test_split(rows, train_size=int(max_rows), stratify=y, random_state=seed)
    kept = np.zeros(len(y), dtype=bool)
    kept[rows] = True
    normals = np.flatnonzero((y == 0) & kept)
    n_train = round(train_fraction * len(normals))
    if not 0 < n_train < len(normals) or not y.any():
        raise ValueError(
            f"dataset {dataset.name!r}: one_class needs normal rows on both sides and anomalies "
            f"({len(normals)} normal, {int(y.sum())} anomalous, train_fraction={train_fraction})"
        )
    perm = np.random.default_rng(seed).permutation(normals)
    train = np.sort(perm[:n_train])
    test = np.sort(np.concatenate([perm[n_train:], np.flatnonzero((y == 1) & kept)]))
    zeros = np.zeros(len(train), dtype=np.int64)
    return _task(dataset, "one_class", seed, train, test, zeros, y[test], zeros, scale)


@register_protocol("image_one_class")
def image_one_class(
    dataset: Dataset,
    *,
    seed: int = 0,
    normal_class: int,
    max_train: int | None = None,
    test_size: float = 0.3,
    scale: str | None = None,
) -> Task:
    """One class is normal: train on its official-train images, test on the official test set.

    ``y_test = 1`` where the class differs from ``normal_class``. ``max_train`` subsamples the
    training images with the seed. Without an official split (``dataset.split is None``) a
    stratified ``test_size`` split by class is made with the seed. Images are not rescaled
    (already in [0, 1]); ``scale`` applies to 2-d data only.
    """
    y = dataset.y
    if y is None:
        raise ValueError(f"dataset {dataset.name!r} has no class labels")
    classes = np.unique(y)
    if normal_class not in classes:
        names = f" ({dataset.class_names})" if dataset.class_names else ""
        raise ValueError(
            f"normal_class={normal_class!r} is not a class of {dataset.name!r}: "
            f"{classes.tolist()}{names}"
        )
    if dataset.split is not None:
        pool = np.flatnonzero(dataset.split & (y == normal_class))
        test = np.flatnonzero(~dataset.split)
    else:
        tr, te = train_test_split(
            np.arange(len(y)), test_size=test_size, stratify=y, random_state=seed
        )
        pool, test = np.sort(tr[y[tr] == normal_class]), np.sort(te)
    if max_train is not None and len(pool) > max_train:
        pool = np.sort(np.random.default_rng(seed).choice(pool, size=max_train, replace=False))
    y_test = (y[test] != normal_class).astype(np.int64)
    zeros = np.zeros(len(pool), dtype=np.int64)
    names = dataset.class_names or []
    meta = {
        "normal_class": int(normal_class),
        "normal_class_name": names[normal_class] if 0 <= normal_class < len(names) else None,
        "official_split": dataset.split is not None,
    }
    if dataset.X.ndim != 2 and scale is not None:
        raise ValueError(f"scale={scale!r} applies to 2-d data; images are already in [0, 1]")
    return _task(dataset, "image_one_class", seed, pool, test, zeros, y_test, zeros, scale, **meta)
