"""Protocols: disjoint splits, exact label budgets, seeding, train-only scaling, no mutation."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from anomalab.data import PROTOCOLS, Dataset, DatasetInfo, Task, load_dataset, make_task
from anomalab.data.protocols import register_protocol


def _dataset(n: int = 1000, anomalies: int = 100, d: int = 4, seed: int = 0) -> Dataset:
    rng = np.random.default_rng(seed)
    X = rng.random((n, d))
    y = np.zeros(n, dtype=np.int64)
    y[rng.choice(n, anomalies, replace=False)] = 1
    X[y == 1] += 5.0  # anomalies lie far outside the normal range
    info = DatasetInfo("toy", "tabular", "user", Path("toy"), n, d, anomalies)
    return Dataset("toy", X, y, "tabular", info)


@pytest.fixture(scope="module")
def cardio(data_root: Path) -> Dataset:
    return load_dataset("cardio", data_root)


def _check_disjoint(task: Task, n: int) -> None:
    tr, te = task.train_index, task.test_index
    assert len(np.intersect1d(tr, te)) == 0
    assert len(np.unique(tr)) == len(tr) and len(np.unique(te)) == len(te)
    assert tr.max() < n and te.max() < n
    assert len(task.X_train) == len(task.y_train) == len(task.y_train_true) == len(tr)
    assert len(task.X_test) == len(task.y_test) == len(te)


CASES = [
    ("unsupervised", {}),
    ("semi_supervised", {"ratio": 0.1}),
    ("semi_supervised", {"n_labeled": 10, "contamination": 0.02}),
    ("one_class", {}),
]


@pytest.mark.parametrize(("protocol", "params"), CASES)
def test_split_truth_and_seeds(cardio: Dataset, protocol: str, params: dict) -> None:
    X0, y0 = cardio.X.copy(), cardio.y.copy()
    task = make_task(cardio, protocol, seed=3, **params)
    _check_disjoint(task, len(cardio.y))
    assert np.array_equal(task.y_test, cardio.y[task.test_index])
    assert np.array_equal(task.y_train_true, cardio.y[task.train_index])
    assert set(np.unique(task.y_train)) <= {0, 1}
    assert (task.y_train_true[task.y_train == 1] == 1).all()  # labeled = true anomalies
    assert task.X_train.dtype == np.float64 and not np.shares_memory(task.X_train, cardio.X)
    same = make_task(cardio, protocol, seed=3, **params)
    assert np.array_equal(same.train_index, task.train_index)
    assert np.array_equal(same.y_train, task.y_train) and np.array_equal(same.X_test, task.X_test)
    other = make_task(cardio, protocol, seed=4, **params)
    assert not np.array_equal(other.train_index, task.train_index)
    assert np.array_equal(cardio.X, X0) and np.array_equal(cardio.y, y0)  # caller's arrays intact


def test_unsupervised_stratified_and_scaled(cardio: Dataset) -> None:
    task = make_task(cardio, "unsupervised", seed=0)
    n = len(cardio.y)
    assert len(task.test_index) == math.ceil(0.3 * n)
    assert abs(task.y_test.mean() - cardio.y.mean()) < 0.01
    assert (task.y_train == 0).all() and task.y_train_true.sum() == task.meta["n_train_anomalies"]
    assert task.meta["contamination"] == pytest.approx(task.y_train_true.mean())
    varying = cardio.X[task.train_index].std(axis=0) > 0
    assert np.allclose(task.X_train[:, varying].min(axis=0), 0)
    assert np.allclose(task.X_train[:, varying].max(axis=0), 1)
    assert task.params == {"test_size": 0.3, "scale": "minmax", "max_rows": None}
    std = make_task(cardio, "unsupervised", seed=0, scale="standard")
    assert np.allclose(std.X_train[:, varying].mean(axis=0), 0)
    raw = make_task(cardio, "unsupervised", seed=0, scale=None)
    assert np.array_equal(raw.X_test, cardio.X[raw.test_index])


def test_scaler_fitted_on_train_only() -> None:
    ds = _dataset()
    task = make_task(ds, "one_class", seed=0)
    assert task.X_train.min() >= 0 and task.X_train.max() <= 1 + 1e-12
    assert task.X_test.max() > 1  # anomalies are outside the training range: not clipped
    lo, hi = ds.X[task.train_index].min(axis=0), ds.X[task.train_index].max(axis=0)
    assert np.allclose(task.X_test, (ds.X[task.test_index] - lo) / (hi - lo))


@pytest.mark.parametrize(("ratio", "expected"), [(0.1, 7), (0.01, 1), (0.5, 35), (1.0, 70), (0, 0)])
def test_semi_supervised_ratio_budget(ratio: float, expected: int) -> None:
    task = make_task(_dataset(), "semi_supervised", seed=1, ratio=ratio)
    assert task.meta["n_train_anomalies"] == 70  # 100 anomalies, test_size 0.3
    assert task.y_train.sum() == task.meta["n_labeled"] == expected
    assert task.y_train_true.sum() == 70  # no contamination given: all anomalies stay


def test_semi_supervised_ratio_float_product_exact() -> None:
    task = make_task(_dataset(anomalies=43), "semi_supervised", seed=0, ratio=0.1)
    assert task.meta["n_train_anomalies"] == 30  # 0.1 * 30 = 3.0000000000000004 -> 3, not 4
    assert task.meta["n_labeled"] == 3


def test_semi_supervised_devnet_budget_and_contamination() -> None:
    task = make_task(_dataset(), "semi_supervised", seed=2, n_labeled=30, contamination=0.02)
    n_normal = int((task.y_train_true == 0).sum())
    assert n_normal == 630 and task.y_train.sum() == 30
    unlabeled_anom = int(((task.y_train == 0) & (task.y_train_true == 1)).sum())
    assert unlabeled_anom == round(0.02 * n_normal / 0.98) == 13
    assert task.meta["n_dropped_anomalies"] == 70 - 30 - 13
    assert task.meta["contamination_unlabeled"] == pytest.approx(13 / (630 + 13))
    assert not task.meta["contamination_shortfall"]
    short = make_task(_dataset(), "semi_supervised", seed=2, n_labeled=30, contamination=0.5)
    assert short.meta["contamination_shortfall"] and short.meta["n_unlabeled_anomalies"] == 40
    assert short.meta["contamination_unlabeled"] == pytest.approx(40 / 670)
    assert len(np.intersect1d(short.train_index, short.test_index)) == 0


def test_semi_supervised_errors() -> None:
    ds = _dataset()
    with pytest.raises(ValueError, match="only 70 anomalies"):
        make_task(ds, "semi_supervised", n_labeled=71)
    with pytest.raises(ValueError, match="exactly one of"):
        make_task(ds, "semi_supervised", n_labeled=5, ratio=0.1)
    with pytest.raises(ValueError, match="exactly one of"):
        make_task(ds, "semi_supervised")


def test_one_class_sizes(cardio: Dataset) -> None:
    task = make_task(cardio, "one_class", seed=0, train_fraction=0.6)
    n_normal = int((cardio.y == 0).sum())
    assert len(task.train_index) == round(0.6 * n_normal)
    assert (cardio.y[task.train_index] == 0).all() and (task.y_train == 0).all()
    assert task.y_test.sum() == cardio.y.sum()  # every anomaly is in the test part
    assert len(task.train_index) + len(task.test_index) == len(cardio.y)


def test_image_one_class(data_root: Path) -> None:
    ds = load_dataset("mnist-images", data_root)
    task = make_task(ds, "image_one_class", seed=0, normal_class=3)
    assert task.X_train.dtype == np.float32 and task.X_train.shape[1:] == (1, 28, 28)
    assert (ds.y[task.train_index] == 3).all() and ds.split[task.train_index].all()
    assert len(task.train_index) == int(((ds.y == 3) & ds.split).sum())
    assert len(task.test_index) == 10000 and not ds.split[task.test_index].any()
    assert np.array_equal(task.y_test, (ds.y[task.test_index] != 3).astype(np.int64))
    assert task.meta["normal_class_name"] == "3"
    small = make_task(ds, "image_one_class", seed=1, normal_class=3, max_train=500)
    assert len(small.train_index) == 500
    again = make_task(ds, "image_one_class", seed=1, normal_class=3, max_train=500)
    assert np.array_equal(small.train_index, again.train_index)
    with pytest.raises(ValueError, match="normal_class=10"):
        make_task(ds, "image_one_class", normal_class=10)
    with pytest.raises(ValueError, match="image_one_class"):
        make_task(ds, "unsupervised")


def test_class_one_class_without_official_split() -> None:
    ds = _dataset()
    ds.y = np.arange(len(ds.y)) % 4  # four classes, no official split
    task = make_task(ds, "image_one_class", seed=0, normal_class=2, scale="minmax")
    _check_disjoint(task, len(ds.y))
    assert (ds.y[task.train_index] == 2).all() and task.meta["official_split"] is False
    assert task.X_train.max() <= 1 + 1e-12


def test_registry_and_params() -> None:
    assert {"unsupervised", "semi_supervised", "one_class", "image_one_class"} <= set(PROTOCOLS)
    with pytest.raises(ValueError, match="unknown protocol 'nope'"):
        make_task(_dataset(), "nope")
    with pytest.raises(TypeError, match="its parameters are"):
        make_task(_dataset(), "unsupervised", ratio=0.1)

    @register_protocol("test-all-train", supervision="unsupervised", description="all")
    def all_train(dataset: Dataset, *, seed: int = 0, k: int = 2) -> Task:
        return PROTOCOLS["unsupervised"](dataset, seed=seed, test_size=0.5)

    try:
        task = make_task(_dataset(), "test-all-train", seed=5)
        assert task.protocol == "test-all-train" and task.params == {"k": 2}
        assert PROTOCOLS["test-all-train"].supervision == ("unsupervised",)
        with pytest.raises(ValueError, match="already registered"):
            register_protocol("test-all-train", supervision="unsupervised")(all_train)
    finally:
        PROTOCOLS.pop("test-all-train")


def test_max_rows_subsamples_stratified_before_split() -> None:
    from anomalab.data import load_dataset, make_task

    data = load_dataset("mammography")
    task = make_task(data, "unsupervised", seed=0, max_rows=2000)
    assert task.meta["n_train"] + task.meta["n_test"] == 2000
    assert not set(task.train_index) & set(task.test_index)
    rate = (task.y_test.sum() + task.y_train_true.sum()) / 2000
    assert abs(rate - data.y.mean()) < 0.002
    again = make_task(data, "unsupervised", seed=0, max_rows=2000)
    np.testing.assert_array_equal(task.train_index, again.train_index)
