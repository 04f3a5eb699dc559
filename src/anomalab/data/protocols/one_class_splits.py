"""One-class splits of 0/1-labeled tabular data: the training part holds normal rows only.

- ``one_class``: a random ``train_fraction`` of the normals trains (Zong et al.'s text), min-max
  scaled; test = the other normals + all anomalies.
- ``goad_one_class``: the same split as implemented in the GOAD code (followed by NeuTraL AD and
  GOCC, whose numbers PLAD's Table 5 compares with): the *first* half of the normal rows in file
  order trains, the other half + all anomalies test; z-score with the training mean / std
  (sd 0 -> 1).
- ``drocc_one_class``: the split of DROCC's ODDS script (``process_odds.py``), whose trainer
  PLAD's code appears to build on: test = all anomalies + as many random normals, train = the
  remaining normals; its tasks carry DROCC's F1 convention (``f1_rule="normal_at_p20"``: F1 of
  the normal class with the 80 % least anomalous test rows called normal).

Image one-class protocols (one class normal) are in ``image_splits``.
"""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.protocols._common import binary_truth, build_task, stratified_subsample
from anomalab.data.protocols.registry import LABEL_FREE, register_protocol
from anomalab.data.protocols.task import Task


@register_protocol(
    "one_class",
    supervision=LABEL_FREE,
    description="random half of the normals trains (Zong et al.); the rest + anomalies test",
)
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
    a stratified subsample of that many rows is drawn first.
    """
    if not 0 < train_fraction < 1:
        raise ValueError(f"train_fraction must lie in (0, 1), got {train_fraction}")
    y = binary_truth(dataset)
    rows = np.arange(len(y))
    if max_rows is not None and len(y) > max_rows:
        rows = stratified_subsample(y, max_rows, seed)
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
    return build_task(dataset, "one_class", seed, train, test, zeros, y[test], zeros, scale)


@register_protocol(
    "goad_one_class",
    supervision=LABEL_FREE,
    description="GOAD code's split: first half of the normals (file order) trains; z-scored",
)
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
    y = binary_truth(dataset)
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
    return build_task(dataset, "goad_one_class", seed, train, test, zeros, y[test], zeros, scale)


@register_protocol(
    "drocc_one_class",
    supervision=LABEL_FREE,
    f1_rule="normal_at_p20",
    description="DROCC's ODDS split: all anomalies + as many normals test; normal-class F1",
)
def drocc_one_class(dataset: Dataset, *, seed: int = 0, scale: str | None = "standard") -> Task:
    """DROCC's ODDS split: all anomalies + an equal number of normals (drawn with ``seed``) test,
    the remaining normals train; ``scale`` fitted on the training rows (DROCC divides by
    std + 1e-4; ``"standard"`` by std, sd 0 -> 1). The task's ``f1`` is DROCC's normal-class F1 at
    the 20th percentile (the registered ``f1_rule``), under which a perfect ranking scores
    2 / (1 + 0.8 / 0.5) = 0.769 here."""
    y = binary_truth(dataset)
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
    return build_task(dataset, "drocc_one_class", seed, train, test, zeros, y[test], zeros, scale)
