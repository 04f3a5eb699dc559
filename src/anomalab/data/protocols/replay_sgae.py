"""Replay of the SG-AE paper's data pipelines (Huang et al., Sec. 4.2.1 / Table 1; official code).

``sgae``: stratified 60/20/20 train/validation/test split of the tabular data (the code: 80/20,
then 75/25 of the first part); the training part keeps its anomalies (contaminated) and gets
``int(n_normal_train * 0.01 / 0.99)`` noise rows appended (DevNet's recipe, spec §9.10): each is a
copy of a random training normal with ``max(1, int(0.05 * D))`` random features overwritten by
those of a second random training normal, and counts as normal. Numeric columns are z-scored
(the paper standardises numeric features; one-hot columns stay 0/1); the scaler is fitted on the
training part by default (``fit_scaler="all"``: on every row, as the code). The validation part is
held out, scaled like the training part, and returned as ``Task.X_val`` / ``y_val`` (its rows in
``meta["val_index"]``). At the official code's defaults nothing uses it (the last epoch is kept);
``SGAE(model_selection="val_auc")`` picks its epoch on it, as the paper says. Nothing is ever
tuned on the test part. ``anomaly_rate`` subsamples the training part to that rate (Fig. 8):
normals are dropped to raise it, anomalies to lower it.

``sgae_mnist``: Table 6's mnist (after RDA): digit ``normal_class`` (4) is normal, other digits
are anomalies at ``anomaly_rate`` (5.2 %) of ``n_total`` (5,124) images drawn with the seed from
MNIST's training part, flattened to 784 features in [0, 1]; stratified 80/20 split, no scaling,
no noise (as the code's image loader).
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.protocols._common import binary_truth, stratified_subsample
from anomalab.data.protocols.registry import LABEL_FREE, register_protocol
from anomalab.data.protocols.task import Task

NOISE_RATE = 0.01
SWAP_FRACTION = 0.05


def numeric_columns(X: np.ndarray, feature_names: list[str] | None) -> np.ndarray:
    """Indices of numeric (not one-hot) columns: by name (one-hot names contain ``=``) when the
    loader gave names, else the columns with values other than 0 and 1."""
    if feature_names is not None and len(feature_names) == X.shape[1]:
        return np.array([i for i, n in enumerate(feature_names) if "=" not in n], dtype=np.int64)
    binary = np.all((X == 0) | (X == 1), axis=0)
    return np.flatnonzero(~binary)


def standardize_numeric(
    X_fit: np.ndarray, parts: list[np.ndarray], columns: np.ndarray
) -> list[np.ndarray]:
    """z-score ``columns`` of each part with the mean / std of ``X_fit`` (constant -> scale 1)."""
    mean = X_fit[:, columns].mean(axis=0)
    std = X_fit[:, columns].std(axis=0)
    std = np.where(std > 0, std, 1.0)
    out = []
    for part in parts:
        part = np.array(part, dtype=np.float64)
        part[:, columns] = (part[:, columns] - mean) / std
        out.append(part)
    return out


def swap_noise(
    X_normal: np.ndarray, n_noise: int, rng: np.random.Generator, swap_fraction: float
) -> np.ndarray:
    """DevNet-style noise: copies of random normals with ``max(1, int(f * D))`` features taken
    from a second random normal."""
    d = X_normal.shape[1]
    k = max(1, int(swap_fraction * d))
    base = X_normal[rng.integers(0, len(X_normal), n_noise)].copy()
    donor = X_normal[rng.integers(0, len(X_normal), n_noise)]
    for i in range(n_noise):
        cols = rng.choice(d, k, replace=False)
        base[i, cols] = donor[i, cols]
    return base


def adjust_anomaly_rate(
    train: np.ndarray, y: np.ndarray, rate: float, rng: np.random.Generator
) -> np.ndarray:
    """Subsample training rows so that anomalies make up ``rate`` (the code's rule)."""
    if not 0 < rate < 1:
        raise ValueError(f"anomaly_rate must lie in (0, 1), got {rate}")
    anom, norm = train[y[train] == 1], train[y[train] == 0]
    if rate >= len(anom) / len(train):
        keep_n = int(len(anom) * (1 - rate) / rate)
        norm = rng.choice(norm, keep_n, replace=False)
    else:
        keep_a = max(1, int(len(norm) * rate / (1 - rate)))
        anom = rng.choice(anom, keep_a, replace=False)
    return train[np.isin(train, np.concatenate([anom, norm]))]


@register_protocol(
    "sgae",
    supervision=LABEL_FREE,
    description="SG-AE's pipeline: 60/20/20 split, contaminated training part + swap noise",
)
def sgae(
    dataset: Dataset,
    *,
    seed: int = 0,
    test_size: float = 0.2,
    val_size: float = 0.2,
    noise_rate: float | None = NOISE_RATE,
    swap_fraction: float = SWAP_FRACTION,
    anomaly_rate: float | None = None,
    fit_scaler: str = "train",
    max_rows: int | None = None,
    scale_columns: str = "numeric",
) -> Task:
    """The paper's 60/20/20 contaminated protocol with swap noise (see the module doc).

    ``max_rows``: a stratified subsample of that many rows is drawn first (not in the paper; for
    the large substitute sets only). ``scale_columns="all"`` z-scores the one-hot columns too, as
    the official code (``sklearn.preprocessing.scale`` after ``get_dummies``); with
    ``fit_scaler="all"`` that is the code's preprocessing exactly.
    """
    y = binary_truth(dataset)
    rows = np.arange(len(y))
    if max_rows is not None and len(y) > max_rows:
        rows = stratified_subsample(y, max_rows, seed)
    rest, test = train_test_split(rows, test_size=test_size, stratify=y[rows], random_state=seed)
    train, val = train_test_split(
        rest, test_size=val_size / (1 - test_size), stratify=y[rest], random_state=seed
    )
    val = np.sort(val)
    rng = np.random.default_rng(seed)
    if anomaly_rate is not None:
        train = adjust_anomaly_rate(train, y, float(anomaly_rate), rng)
    if scale_columns not in ("numeric", "all"):
        raise ValueError(f"scale_columns must be 'numeric' or 'all', got {scale_columns!r}")
    columns = (
        numeric_columns(dataset.X, dataset.feature_names)
        if scale_columns == "numeric"
        else np.arange(dataset.X.shape[1])
    )
    if fit_scaler not in ("train", "all"):
        raise ValueError(f"fit_scaler must be 'train' or 'all', got {fit_scaler!r}")
    fit_rows = train if fit_scaler == "train" else rows
    X_train, X_test, X_val = standardize_numeric(
        np.asarray(dataset.X[fit_rows], dtype=np.float64),
        [dataset.X[train], dataset.X[test], dataset.X[val]],
        columns,
    )
    y_train_true = y[train]
    n_noise = 0
    if noise_rate:
        normals = X_train[y_train_true == 0]
        n_noise = int(len(normals) * noise_rate / (1 - noise_rate))
        noise = swap_noise(normals, n_noise, rng, swap_fraction)
        X_train = np.vstack([X_train, noise])
        y_train_true = np.concatenate([y_train_true, np.zeros(n_noise, dtype=np.int64)])
    train_index = np.concatenate([train, np.full(n_noise, -1, dtype=np.int64)])
    meta = {
        "n_train": len(X_train),
        "n_test": len(test),
        "n_val": len(val),
        "n_noise": n_noise,
        "n_train_anomalies": int(y_train_true.sum()),
        "n_test_anomalies": int(y[test].sum()),
        "contamination": float(y_train_true.mean()),
        "n_labeled": 0,
        "n_numeric_columns": len(columns),
        "val_index": val,
    }
    return Task(
        dataset=dataset.name,
        protocol="sgae",
        seed=seed,
        X_train=X_train,
        y_train=np.zeros(len(X_train), dtype=np.int64),
        X_test=X_test,
        y_test=y[test].astype(np.int64),
        y_train_true=y_train_true.astype(np.int64),
        meta=meta,
        train_index=train_index,
        test_index=np.asarray(test, dtype=np.int64),
        X_val=X_val,
        y_val=y[val].astype(np.int64),
    )


@register_protocol(
    "sgae_mnist",
    supervision=LABEL_FREE,
    description="SG-AE's Table 6 mnist: one digit normal, others at 5.2 %, 80/20, flattened",
)
def sgae_mnist(
    dataset: Dataset,
    *,
    seed: int = 0,
    normal_class: int = 4,
    anomaly_rate: float = 0.052,
    n_total: int = 5124,
    test_size: float = 0.2,
) -> Task:
    """Table 6's mnist: one digit normal, the others anomalies at ``anomaly_rate``; 80/20."""
    if dataset.y is None:
        raise ValueError(f"dataset {dataset.name!r} has no class labels")
    rng = np.random.default_rng(seed)
    pool = np.arange(len(dataset.y)) if dataset.split is None else np.flatnonzero(dataset.split)
    n_anom = int(round(n_total * anomaly_rate))
    normals = pool[dataset.y[pool] == normal_class]
    others = pool[dataset.y[pool] != normal_class]
    rows = np.sort(
        np.concatenate(
            [
                rng.choice(normals, n_total - n_anom, replace=False),
                rng.choice(others, n_anom, replace=False),
            ]
        )
    )
    y = (dataset.y[rows] != normal_class).astype(np.int64)
    tr, te = train_test_split(
        np.arange(len(rows)), test_size=test_size, stratify=y, random_state=seed
    )
    X = np.asarray(dataset.X[rows], dtype=np.float64).reshape(len(rows), -1)
    meta = {
        "n_train": len(tr),
        "n_test": len(te),
        "n_train_anomalies": int(y[tr].sum()),
        "n_test_anomalies": int(y[te].sum()),
        "contamination": float(y[tr].mean()),
        "n_labeled": 0,
        "normal_class": int(normal_class),
    }
    return Task(
        dataset=dataset.name,
        protocol="sgae_mnist",
        seed=seed,
        X_train=X[tr],
        y_train=np.zeros(len(tr), dtype=np.int64),
        X_test=X[te],
        y_test=y[te],
        y_train_true=y[tr],
        meta=meta,
        train_index=rows[tr],
        test_index=rows[te],
    )
