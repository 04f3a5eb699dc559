"""Helpers shared by the protocol modules (private to the package; import them from here only)."""

from __future__ import annotations

from typing import Any

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.preprocess import scale_split
from anomalab.data.protocols.task import Task


def binary_truth(dataset: Dataset) -> np.ndarray:
    """The dataset's 0/1 anomaly labels; a clear error for unlabeled or class-labeled data."""
    y = dataset.y
    if y is None:
        hint = (
            " (name the file's label column: --label-column)"
            if dataset.info.group == "user"
            else ""
        )
        raise ValueError(
            f"dataset {dataset.name!r} has no labels; this protocol needs 0/1 labels{hint}"
        )
    values = np.unique(y)
    if not np.isin(values, (0, 1)).all():
        raise ValueError(
            f"dataset {dataset.name!r} has class labels {values.tolist()[:10]}, not 0/1 anomaly "
            "labels; use protocol 'image_one_class' (normal_class=...)"
        )
    return y


def stratified_subsample(
    y: np.ndarray, max_rows: int, seed: int | np.random.RandomState
) -> np.ndarray:
    """A stratified subsample of ``max_rows`` row indices (sorted); ``seed`` may be a legacy
    ``RandomState`` whose stream the draw continues."""
    rows, _ = train_test_split(
        np.arange(len(y)), train_size=int(max_rows), stratify=y, random_state=seed
    )
    return np.sort(rows)


def stratified_split(
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
        rows = stratified_subsample(y, max_rows, seed)
    return train_test_split(
        rows, test_size=test_size, stratify=y[rows], random_state=seed, shuffle=True
    )


def build_task(
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
    """The Task of dataset rows ``train`` / ``test`` (``scale`` fitted on the training rows)
    with the usual counts in ``meta`` (``**meta`` adds to or overrides them)."""
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
