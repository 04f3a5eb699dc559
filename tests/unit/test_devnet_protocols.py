"""DevNet's paper protocol (code-faithful injection, no-leakage pool, fixed vs independent runs)
and ADBench's resampling rules."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest

from anomalab.data import Dataset, load_dataset, make_task
from anomalab.data.protocols.replay_devnet import inject_anomalies


@cache
def _thyroid() -> Dataset:
    return load_dataset("thyroid-devnet")  # 7,200 x 21, 534 anomalies


def _min_mismatch(rows: np.ndarray, pool: np.ndarray) -> np.ndarray:
    """For each row, the fewest features in which it differs from any pool row."""
    return np.array([(pool != r).sum(axis=1).min() for r in rows])


def test_inject_anomalies_swaps_five_percent_of_features() -> None:
    rng = np.random.default_rng(0)
    pool = rng.random((10, 40))
    out = inject_anomalies(pool, 50, seed=42)
    assert out.shape == (50, 40)
    assert (_min_mismatch(out, pool) == 2).all()  # int(0.05 * 40) features from o2
    np.testing.assert_array_equal(out, inject_anomalies(pool, 50, seed=42))
    exact = inject_anomalies(pool[:, :10], 5, seed=0)  # D < 20: exact copies (as the code)
    assert (_min_mismatch(exact, pool[:, :10]) == 0).all()


def test_code_protocol_budgets_and_split() -> None:
    data = _thyroid()
    task = make_task(data, "devnet_paper", seed=0)
    y = data.y
    n_test = len(task.y_test)
    assert n_test == round(0.2 * len(y))
    assert abs(task.y_test.mean() - y.mean()) < 0.002  # stratified, natural rate
    assert int((task.y_train == 1).sum()) == 30
    injected = task.train_index == -1
    n_normal = int((task.y_train_true == 0).sum())
    assert injected.sum() == int(n_normal * 0.02 / 0.98) == task.meta["n_injected"]
    assert (task.y_train[injected] == 0).all() and (task.y_train_true[injected] == 1).all()
    # real rows: the normals + the 30 labeled anomalies; no other real training anomaly
    real = task.train_index[~injected]
    assert set(y[real[task.y_train[~injected] == 0]]) == {0}
    assert not set(real) & set(task.test_index)
    pool = data.X[y == 1]
    assert (_min_mismatch(task.X_train[injected], pool) <= 1).all()  # int(0.05 * 21) = 1


def test_fixed_split_vs_independent_and_no_leakage_pool() -> None:
    data = _thyroid()
    a = make_task(data, "devnet_paper", seed=0)
    b = make_task(data, "devnet_paper", seed=3)
    np.testing.assert_array_equal(a.X_train, b.X_train)  # the code: same data every run
    np.testing.assert_array_equal(a.test_index, b.test_index)
    c = make_task(data, "devnet_paper", seed=0, fixed_split=False, pool="train")
    d = make_task(data, "devnet_paper", seed=1, fixed_split=False, pool="train")
    assert not np.array_equal(c.test_index, d.test_index)
    # no leakage: every injected row is within one swapped feature of a *training* anomaly
    train_anom = data.X[np.setdiff1d(np.flatnonzero(data.y == 1), c.test_index)]
    injected = c.X_train[c.train_index == -1]
    assert (_min_mismatch(injected, train_anom) <= 1).all()
    with pytest.raises(ValueError, match="pool"):
        make_task(data, "devnet_paper", seed=0, pool="test")


def test_real_injection_keeps_real_anomalies() -> None:
    task = make_task(_thyroid(), "devnet_paper", seed=0, injection="real")
    assert (task.train_index >= 0).all()
    assert int((task.y_train == 1).sum()) == 30
    assert task.meta["contamination_unlabeled"] == pytest.approx(0.02, abs=0.001)


def test_adbench_resampling_rules() -> None:
    small = load_dataset("vertebral")  # 240 rows -> resampled with replacement to 1,000
    task = make_task(small, "adbench_semi", seed=1, ratio=0.05)
    assert len(task.y_train) + len(task.y_test) == 1000
    assert len(task.y_test) == 300
    n_anom_train = int(task.y_train_true.sum())
    assert int((task.y_train == 1).sum()) == int(np.ceil(0.05 * n_anom_train))
    big = make_task(_thyroid(), "adbench_semi", seed=1, ratio=0.1)  # 7,200 rows: no change
    assert len(big.y_train) + len(big.y_test) == 7200
    capped = make_task(_thyroid(), "adbench_semi", seed=1, ratio=0.1, max_rows=5000)
    assert len(capped.y_train) + len(capped.y_test) == 5000


def test_adbench_draws_replay_adbench_data_generator() -> None:
    """``draws="adbench"`` = ADBench's DataGenerator steps on numpy's global legacy RNG
    (np.random.seed, choice, train_test_split(random_state=None), choice), replayed here
    literally; the protocol must not touch the global state itself."""
    from math import ceil

    from sklearn.model_selection import train_test_split

    legacy = np.random  # ADBench's calls, on the global legacy state (restored below)
    saved = legacy.get_state()
    try:
        for name, seed in (("vertebral", 2), ("thyroid", 3)):
            ds = load_dataset(name)
            X, y = ds.X, (np.asarray(ds.y) > 0).astype(int)
            legacy.seed(seed)
            if len(y) < 1000:
                legacy.seed(seed)
                idx = legacy.choice(np.arange(len(y)), 1000, replace=True)
                X, y = X[idx], y[idx]
            X_train, _, y_train, y_test = train_test_split(
                X, y, test_size=0.3, shuffle=True, stratify=y
            )
            anomalies = np.where(y_train == 1)[0]
            k = ceil(0.05 * len(anomalies))
            labeled = legacy.choice(anomalies, k, replace=False)
            state_before = legacy.get_state()[1].copy()
            task = make_task(ds, "adbench_semi", seed=seed, ratio=0.05, scale=None)
            assert np.array_equal(legacy.get_state()[1], state_before)
            assert np.allclose(task.X_train, X_train)
            assert np.array_equal(task.y_test, y_test)
            assert np.array_equal(np.flatnonzero(task.y_train == 1), np.sort(labeled))
            other = make_task(ds, "adbench_semi", seed=seed, ratio=0.05, draws="anomalab")
            labeled_rows = set(task.train_index[task.y_train == 1])
            assert set(other.train_index[other.y_train == 1]) != labeled_rows
    finally:
        legacy.set_state(saved)


def test_adbench_draws_must_be_known() -> None:
    with pytest.raises(ValueError, match="draws"):
        make_task(load_dataset("vertebral"), "adbench_semi", seed=1, draws="numpy")
