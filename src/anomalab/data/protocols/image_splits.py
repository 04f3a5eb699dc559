"""Protocols of class-labeled image sets: which classes are normal, and where anomalies come from.

- ``image_one_class``: one class is normal, every other class anomalous (MNIST / Fashion-MNIST /
  CIFAR-10 one-class benchmark).
- ``image_multi_class``: several classes together are normal, every other class anomalous
  (NovNorm Sec. 4.5; e.g. CIFAR-10 bird + cat + dog, the paper's Table 5). Original labels are
  stripped: the union of ``normal_classes`` is normal (0), every other class an anomaly (1).
- ``image_multiclass_normal``: every class is normal; the anomalies are synthetic, each the
  pixel-wise mean of two test images drawn uniformly with replacement (PLAD Sec. 4.5 / Table 6).
  Despite the similar name it is not ``image_multi_class``: no class is anomalous here.

Training uses the official-train images, testing the official test set (``Dataset.split``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np
from sklearn.model_selection import train_test_split

from anomalab.data.dataset import Dataset
from anomalab.data.protocols._common import build_task
from anomalab.data.protocols.registry import LABEL_FREE, register_protocol
from anomalab.data.protocols.task import Task


@register_protocol(
    "image_one_class",
    supervision=LABEL_FREE,
    data_kind="image",
    description="one class normal (official train images), every other class anomalous",
)
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
    return build_task(
        dataset, "image_one_class", seed, pool, test, zeros, y_test, zeros, scale, **meta
    )


@register_protocol(
    "image_multi_class",
    supervision=LABEL_FREE,
    data_kind="image",
    description="several classes normal together, every other class anomalous (NovNorm)",
)
def image_multi_class(
    dataset: Dataset,
    *,
    seed: int = 0,
    normal_classes: Sequence[int],
    max_train: int | None = None,
    test_size: float = 0.3,
) -> Task:
    """Train on the official-train images of ``normal_classes``; test on the whole test set."""
    if dataset.y is None:
        raise ValueError(f"dataset {dataset.name!r} has no class labels")
    wanted = [int(c) for c in normal_classes]
    missing = sorted(set(wanted) - set(np.unique(dataset.y).tolist()))
    if not wanted or missing:
        raise ValueError(f"normal_classes={wanted} are not all classes of {dataset.name!r}")
    binary = np.where(np.isin(dataset.y, wanted), 0, 1).astype(np.int64)
    merged = dataclasses.replace(dataset, y=binary, class_names=["normal", "other"])
    task = image_one_class(
        merged, seed=seed, normal_class=0, max_train=max_train, test_size=test_size
    )
    names = dataset.class_names or []
    task.meta.update(
        normal_class=None,
        normal_classes=wanted,
        normal_class_name="+".join(names[c] if c < len(names) else str(c) for c in wanted),
    )
    return task


@register_protocol(
    "image_multiclass_normal",
    supervision=LABEL_FREE,
    data_kind="image",
    description="every class normal; anomalies are means of two test images (PLAD)",
)
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
    task = build_task(
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
