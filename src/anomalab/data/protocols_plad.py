"""Protocols of the PLAD paper (Cai & Fan 2022) that the built-in ones do not cover.

- ``goad_one_class``: the tabular one-class split of Zong et al. as implemented in the GOAD code
  (followed by NeuTraL AD and GOCC, whose numbers PLAD's Table 5 compares with): the *first* half
  of the normal rows in file order trains, the other half + all anomalies test; z-score with the
  training mean / std (sd 0 -> 1). The built-in ``one_class`` draws a random half and min-max
  scales, which is Zong's text but not the baselines' code.
- ``drocc_one_class``: the tabular split of DROCC's ODDS script (``process_odds.py``), whose
  trainer PLAD's code appears to build on: test = all anomalies + as many random normals, train =
  the remaining normals; its tasks carry DROCC's F1 convention (``f1_rule="normal_at_p20"``: F1
  of the normal class with the 80 % least anomalous test rows called normal).
- ``image_multiclass_normal``: Sec. 4.5 / Table 6: normal = a random sample of training images of
  all classes; test = the official test images (normal) + synthetic anomalies, each the
  pixel-wise mean of two test images drawn uniformly with replacement.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.protocols import Task, _binary_truth, _task, register_protocol


@register_protocol("goad_one_class")
def goad_one_class(
    dataset: Dataset,
    *,
    seed: int = 0,
    shuffle: bool = False,
    scale: str | None = "standard",
    holdout: str | None = None,
) -> Task:
    """GOAD's split: train = first ``n_normal // 2`` normal rows (file order), test = the other
    normals + all anomalies. ``shuffle=True`` permutes the normals with the seed first (a
    variant; the seed then changes the split too). ``scale``: fitted on the training rows.

    ``holdout="dev"`` / ``"final"``: only one half of the test rows (stratified, drawn with
    ``seed``; the two halves are complementary), so that settings such as lambda can be chosen on
    the dev half and reported on the final half, never selecting on the rows reported."""
    y = _binary_truth(dataset)
    normals = np.flatnonzero(y == 0)
    if shuffle:
        normals = np.random.default_rng(seed).permutation(normals)
    n_train = len(normals) // 2
    if n_train == 0 or not y.any():
        raise ValueError(
            f"dataset {dataset.name!r}: goad_one_class needs at least 2 normal rows and an "
            f"anomaly ({len(normals)} normal, {int(y.sum())} anomalous)"
        )
    train = np.sort(normals[:n_train])
    test = np.sort(np.concatenate([normals[n_train:], np.flatnonzero(y == 1)]))
    if holdout is not None:
        if holdout not in ("dev", "final"):
            raise ValueError(f"holdout must be None, 'dev' or 'final', got {holdout!r}")
        dev, final = train_test_split(test, test_size=0.5, stratify=y[test], random_state=seed)
        test = np.sort(dev if holdout == "dev" else final)
    zeros = np.zeros(len(train), dtype=np.int64)
    return _task(dataset, "goad_one_class", seed, train, test, zeros, y[test], zeros, scale)


@register_protocol("drocc_one_class")
def drocc_one_class(dataset: Dataset, *, seed: int = 0, scale: str | None = "standard") -> Task:
    """DROCC's ODDS split: all anomalies + an equal number of normals (drawn with ``seed``) test,
    the remaining normals train; ``scale`` fitted on the training rows (DROCC divides by
    std + 1e-4; ``"standard"`` by std, sd 0 -> 1). The task's ``f1`` is DROCC's normal-class F1 at
    the 20th percentile, under which a perfect ranking scores 2 / (1 + 0.8 / 0.5) = 0.769 here."""
    y = _binary_truth(dataset)
    normals = np.random.default_rng(seed).permutation(np.flatnonzero(y == 0))
    anomalies = np.flatnonzero(y == 1)
    if len(anomalies) == 0 or len(normals) <= len(anomalies):
        raise ValueError(
            f"dataset {dataset.name!r}: drocc_one_class needs an anomaly and more normal rows "
            f"than anomalies ({len(normals)} normal, {len(anomalies)} anomalous)"
        )
    train = np.sort(normals[len(anomalies) :])
    test = np.sort(np.concatenate([normals[: len(anomalies)], anomalies]))
    zeros = np.zeros(len(train), dtype=np.int64)
    task = _task(dataset, "drocc_one_class", seed, train, test, zeros, y[test], zeros, scale)
    task.f1_rule = "normal_at_p20"
    return task


@register_protocol("image_multiclass_normal")
def image_multiclass_normal(
    dataset: Dataset, *, seed: int = 0, n_train: int = 10000, n_anomalies: int | None = None
) -> Task:
    """Sec. 4.5: train on ``n_train`` random official-train images of every class; test on the
    official test images (label 0) + ``n_anomalies`` (default: as many as test images) averages
    of random test-image pairs (label 1), mixed in raw [0, 1] pixels."""
    if dataset.X.ndim != 4 or dataset.split is None:
        raise ValueError(
            f"dataset {dataset.name!r}: image_multiclass_normal needs images with an official "
            "train/test split"
        )
    rng = np.random.default_rng(seed)
    pool = np.flatnonzero(dataset.split)
    test = np.flatnonzero(~dataset.split)
    train = np.sort(rng.choice(pool, size=min(int(n_train), len(pool)), replace=False))
    k = len(test) if n_anomalies is None else int(n_anomalies)
    pairs = rng.choice(test, size=(k, 2), replace=True)
    mixed = (dataset.X[pairs[:, 0]] + dataset.X[pairs[:, 1]]) / 2.0
    y_test = np.r_[np.zeros(len(test)), np.ones(k)].astype(np.int64)
    zeros = np.zeros(len(train), dtype=np.int64)
    task = _task(
        dataset,
        "image_multiclass_normal",
        seed,
        train,
        test,
        zeros,
        y_test[: len(test)],
        zeros,
        None,
        n_mixed=k,
    )
    task.X_test = np.concatenate([task.X_test, mixed.astype(task.X_test.dtype)])
    task.y_test = y_test
    task.meta |= {"n_test": len(y_test), "n_test_anomalies": k, "pair_index": pairs}
    return task
