"""The SG-AE protocols: 60/20/20 split, swap noise, numeric-only scaling, repeatability."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from anomalab.data import Dataset, DatasetInfo, make_task


def _dataset(n: int = 1000) -> Dataset:
    rng = np.random.default_rng(0)
    num = rng.normal(5.0, 3.0, size=(n, 3))
    onehot = np.eye(4)[rng.integers(0, 4, n)]
    y = (rng.random(n) < 0.1).astype(np.int64)
    names = ["a", "b", "c", "k=0", "k=1", "k=2", "k=3"]
    info = DatasetInfo("toy", "tabular", "test", Path("toy"))
    return Dataset("toy", np.hstack([num, onehot]), y, "tabular", info, feature_names=names)


def test_split_noise_and_scaling() -> None:
    ds = _dataset()
    task = make_task(ds, "sgae", seed=1)
    n_noise = task.meta["n_noise"]
    real = task.train_index[task.train_index >= 0]
    assert len(real) == 600 and len(task.test_index) == 200 and task.meta["n_val"] == 200
    val = task.meta["val_index"]
    assert not set(real) & set(task.test_index) and not set(val) & set(task.test_index)
    assert not set(val) & set(real)
    n_normal = int((ds.y[real] == 0).sum())
    assert n_noise == int(n_normal * 0.01 / 0.99)
    assert (task.y_train_true[-n_noise:] == 0).all() and (task.y_train == 0).all()
    # numeric columns z-scored on the real training rows; one-hot columns untouched
    X_real = task.X_train[: len(real)]
    np.testing.assert_allclose(X_real[:, :3].mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_array_equal(X_real[:, 3:], ds.X[real, 3:])
    # noise rows: copies of normals with max(1, int(0.05 * 7)) = 1 feature swapped
    normals = X_real[ds.y[real] == 0]
    for row in task.X_train[len(real) :]:
        diffs = (normals != row).sum(axis=1)
        assert diffs.min() <= 1
    again = make_task(ds, "sgae", seed=1)
    np.testing.assert_array_equal(task.X_train, again.X_train)


def test_anomaly_rate_adjustment() -> None:
    task = make_task(_dataset(), "sgae", seed=0, anomaly_rate=0.3, noise_rate=None)
    assert abs(task.y_train_true.mean() - 0.3) < 0.02
    low = make_task(_dataset(), "sgae", seed=0, anomaly_rate=0.02, noise_rate=None)
    assert abs(low.y_train_true.mean() - 0.02) < 0.01


def test_validation_part_is_returned_scaled_like_train() -> None:
    ds = _dataset()
    task = make_task(ds, "sgae", seed=1)
    val = task.meta["val_index"]
    assert task.X_val is not None and task.X_val.shape == (len(val), ds.X.shape[1])
    np.testing.assert_array_equal(task.y_val, ds.y[val])
    real = task.train_index[task.train_index >= 0]
    mean, std = ds.X[real, :3].mean(axis=0), ds.X[real, :3].std(axis=0)
    np.testing.assert_allclose(task.X_val[:, :3], (ds.X[val, :3] - mean) / std)
