"""The estimator contract, checked for every registered detector (parametrized over the registry).

Each detector runs with its ``fast_params`` (tiny epochs) on a small real dataset with planted
anomalies: cardio's normal rows for tabular detectors, MNIST digit 1 for image detectors.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

import anomalab
from anomalab.registry import DetectorSpec, detector_specs

SPECS = detector_specs()


@dataclass
class Planted:
    X_train: np.ndarray
    y_train: np.ndarray | None
    X_test: np.ndarray
    y_test: np.ndarray


def _plant(rng: np.random.Generator, X: np.ndarray, n: int, kind: str) -> np.ndarray:
    """Anomalies made from normal rows: tabular rows pushed far off in a third of the features;
    images with a bright square pasted in."""
    rows = X[rng.choice(len(X), n, replace=False)].copy()
    if kind == "image":
        rows[..., 4:16, 4:16] = 1.0
        return rows
    cols = rng.choice(X.shape[1], max(1, X.shape[1] // 3), replace=False)
    rows[:, cols] += 2.0 * rng.choice([-1.0, 1.0], size=(n, len(cols)))
    return rows


@cache
def _normals(kind: str) -> np.ndarray:
    from anomalab.data import load_dataset

    rng = np.random.default_rng(0)
    if kind == "image":
        data = load_dataset("mnist-images")
        ones = data.X[(data.y == 1) & data.split]
        return ones[rng.choice(len(ones), 300, replace=False)].astype(np.float32)
    data = load_dataset("cardio")
    X = data.X[data.y == 0]
    X = (X - X.min(axis=0)) / np.maximum(X.max(axis=0) - X.min(axis=0), 1e-12)
    return X[rng.choice(len(X), 700, replace=False)]


@cache
def planted(kind: str, supervision: str) -> Planted:
    rng = np.random.default_rng(1)
    X = _normals(kind)
    n_train = len(X) * 2 // 3
    X_train, X_test_normal = X[:n_train], X[n_train:]
    X_test_anom = _plant(rng, X_test_normal, 20, kind)
    y_train = None
    if supervision in ("semi-supervised", "supervised"):
        labeled = _plant(rng, X_train, 15, kind)
        X_train = np.concatenate([X_train, labeled])
        y_train = np.r_[np.zeros(n_train, dtype=np.int64), np.ones(15, dtype=np.int64)]
    X_test = np.concatenate([X_test_normal, X_test_anom])
    y_test = np.r_[np.zeros(len(X_test_normal)), np.ones(len(X_test_anom))].astype(np.int64)
    return Planted(X_train, y_train, X_test, y_test)


def _kind(spec: DetectorSpec) -> str:
    return "tabular" if "tabular" in spec.data_kinds else "image"


def make(spec: DetectorSpec, **extra: object) -> anomalab.BaseDetector:
    params = {**spec.fast_params, "random_state": 0, **extra}
    return spec.cls(**params)


@cache
def fitted(name: str) -> tuple[anomalab.BaseDetector, Planted, np.ndarray]:
    spec = next(s for s in SPECS if s.name == name)
    data = planted(_kind(spec), spec.supervision)
    det = make(spec).fit(data.X_train, data.y_train)
    return det, data, det.decision_function(data.X_test)


ids = [s.name for s in SPECS]
each = pytest.mark.parametrize("spec", SPECS, ids=ids)


def test_registry_is_not_empty() -> None:
    assert "AutoEncoder" in ids


@each
def test_fit_returns_self_and_sets_pyod_attributes(spec: DetectorSpec) -> None:
    data = planted(_kind(spec), spec.supervision)
    det = make(spec)
    assert det.fit(data.X_train, data.y_train) is det
    n = len(data.X_train)
    assert det.decision_scores_.shape == (n,)
    assert set(np.unique(det.labels_)) <= {0, 1}
    assert np.isfinite(det.threshold_)
    assert det.n_features_in_ == int(np.prod(data.X_train.shape[1:]))


@each
def test_scores_finite_not_constant_and_planted_anomalies_rank_higher(spec: DetectorSpec) -> None:
    det, data, scores = fitted(spec.name)
    assert scores.shape == (len(data.X_test),)
    assert np.all(np.isfinite(scores))
    assert np.ptp(scores) > 0
    assert roc_auc_score(data.y_test, scores) > 0.8


@each
def test_same_seed_identical_scores_other_seed_differs(spec: DetectorSpec) -> None:
    det, data, scores = fitted(spec.name)
    again = make(spec).fit(data.X_train, data.y_train).decision_function(data.X_test)
    np.testing.assert_array_equal(scores, again)
    other = make(spec, random_state=1).fit(data.X_train, data.y_train)
    assert not np.array_equal(other.decision_function(data.X_test), scores)


@each
def test_global_rng_state_untouched(spec: DetectorSpec) -> None:
    data = planted(_kind(spec), spec.supervision)
    np_state = np.random.get_state()[1].copy()  # noqa: NPY002  (the legacy global state)
    torch_state = torch.get_rng_state().clone()
    make(spec).fit(data.X_train, data.y_train).decision_function(data.X_test)
    np.testing.assert_array_equal(np.random.get_state()[1], np_state)  # noqa: NPY002
    assert torch.equal(torch.get_rng_state(), torch_state)


@each
def test_clone_and_params(spec: DetectorSpec) -> None:
    det, _, _ = fitted(spec.name)
    copy = clone(det)
    assert copy.get_params() == det.get_params()
    assert not hasattr(copy, "decision_scores_")
    copy.set_params(contamination=0.2)
    assert copy.get_params()["contamination"] == 0.2
    assert "random_state" in det.get_params() and "device" in det.get_params()


@each
def test_predict_and_proba(spec: DetectorSpec) -> None:
    det, data, scores = fitted(spec.name)
    labels = det.predict(data.X_test)
    np.testing.assert_array_equal(labels, (scores > det.threshold_).astype(int))
    proba = det.predict_proba(data.X_test)
    assert proba.shape == (len(data.X_test), 2)
    assert np.all((proba >= 0) & (proba <= 1))
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    if det.contamination != "auto":
        assert abs(det.labels_.mean() - det.contamination) < 0.05


@each
def test_save_load_identical_scores(spec: DetectorSpec, tmp_path) -> None:
    det, data, scores = fitted(spec.name)
    det.save(tmp_path / "model")
    assert (tmp_path / "model" / "config.json").is_file()
    assert (tmp_path / "model" / "weights.safetensors").is_file()
    loaded = anomalab.load(tmp_path / "model")
    assert type(loaded) is type(det)
    np.testing.assert_array_equal(loaded.decision_function(data.X_test), scores)
    assert loaded.threshold_ == det.threshold_


@each
def test_callers_arrays_untouched(spec: DetectorSpec) -> None:
    data = planted(_kind(spec), spec.supervision)
    X, y = data.X_train.copy(), None if data.y_train is None else data.y_train.copy()
    Xt = data.X_test.copy()
    det = make(spec).fit(X, y)
    det.decision_function(Xt)
    np.testing.assert_array_equal(X, data.X_train)
    np.testing.assert_array_equal(Xt, data.X_test)
    if y is not None:
        np.testing.assert_array_equal(y, data.y_train)


@each
def test_bad_inputs_rejected_with_clear_messages(spec: DetectorSpec) -> None:
    det, data, _ = fitted(spec.name)
    X = data.X_train
    bad = X.copy()
    bad.flat[3] = np.nan
    with pytest.raises(ValueError, match="NaN or infinity"):
        make(spec).fit(bad, data.y_train)
    bad.flat[3] = np.inf
    with pytest.raises(ValueError, match="NaN or infinity"):
        det.decision_function(bad)
    with pytest.raises(ValueError, match="empty input"):
        make(spec).fit(X[:0], None if data.y_train is None else data.y_train[:0])
    with pytest.raises(TypeError, match="numeric"):
        make(spec).fit(np.full(X.shape, "a", dtype=object), data.y_train)
    y_bad = np.zeros(len(X), dtype=np.int64)
    y_bad[0] = 2
    with pytest.raises(ValueError, match=r"labels outside \{-1, 0, 1\}"):
        make(spec).fit(X, y_bad)
    with pytest.raises(ValueError, match="labels but X has"):
        make(spec).fit(X, np.zeros(len(X) + 1, dtype=np.int64))
    with pytest.raises(ValueError, match="contamination"):
        make(spec, contamination=0.9).fit(X, data.y_train)
    if spec.cls.requires_labeled_anomaly:
        with pytest.raises(ValueError, match="no labeled anomaly"):
            make(spec).fit(X, np.zeros(len(X), dtype=np.int64))
    if _kind(spec) == "tabular":
        with pytest.raises(ValueError, match="features, but"):
            det.decision_function(data.X_test[:, :-1])
        with pytest.raises(ValueError, match="2-D"):
            det.decision_function(data.X_test[0])
    else:
        with pytest.raises(ValueError, match="image shape mismatch"):
            det.decision_function(data.X_test[..., :-2, :-2])


@each
def test_scores_stream_in_chunks_from_a_memmap_and_ignore_row_order(
    spec: DetectorSpec, tmp_path
) -> None:
    """Scoring streams: the fitted preprocessing sees at most ``score_batch_size`` rows at a
    time (no whole-input copy), and scoring in chunks of 7 rows, from a ``np.memmap``, or with
    the rows shuffled gives each row the score it gets when the whole array is scored at once."""
    det, data, scores = fitted(spec.name)
    X = data.X_test
    np.save(tmp_path / "x.npy", X)
    memmap = np.load(tmp_path / "x.npy", mmap_mode="r")
    order = np.random.default_rng(0).permutation(len(X))
    tol = {"rtol": 1e-5, "atol": 1e-6 * float(np.abs(scores).max())}
    seen: list[int] = []
    transform = det._transform

    def spy(rows: np.ndarray) -> np.ndarray:
        seen.append(len(rows))
        return transform(rows)

    det.score_batch_size, det._transform = 7, spy
    try:
        chunked = det.decision_function(X)
    finally:
        del det.score_batch_size, det._transform
    assert seen and max(seen) <= 7, f"the preprocessing saw {max(seen)} rows at once"
    np.testing.assert_allclose(chunked, scores, **tol)
    np.testing.assert_allclose(det.decision_function(memmap), scores, **tol)
    np.testing.assert_allclose(det.decision_function(X[order]), scores[order], **tol)


def test_unfitted_detector_raises_not_fitted() -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        SPECS[0].cls().decision_function(np.zeros((2, 3)))


@pytest.mark.parametrize(
    "spec", [s for s in SPECS if "tabular" in s.data_kinds], ids=lambda s: s.name
)
def test_a_table_s_column_names_are_recorded_checked_and_saved(
    spec: DetectorSpec, tmp_path
) -> None:
    """scikit-learn's ``feature_names_in_``: fitted on a DataFrame, a detector scores exactly as
    on its array, refuses a table with other or reordered columns, and keeps the names when
    saved (a table's columns are matched by name, never silently by position)."""
    import pandas as pd

    _, data, scores = fitted(spec.name)
    names = [f"f{j}" for j in range(data.X_train.shape[1])]
    det = make(spec).fit(pd.DataFrame(data.X_train, columns=names), data.y_train)
    assert det.feature_names_in_.dtype == object and list(det.feature_names_in_) == names
    test = pd.DataFrame(data.X_test, columns=names)
    np.testing.assert_array_equal(det.decision_function(test), scores)
    with pytest.raises(ValueError, match="another order than in fit"):
        det.decision_function(test[names[::-1]])
    with pytest.raises(ValueError, match=r"missing \['f0'\]; not seen in fit \['g0'\]"):
        det.predict(test.rename(columns={"f0": "g0"}))
    with pytest.warns(UserWarning, match="fitted with named columns"):
        det.decision_function(data.X_test)
    loaded = anomalab.load(det.save(tmp_path / "model"))
    assert list(loaded.feature_names_in_) == names
    with pytest.raises(ValueError, match="another order than in fit"):
        loaded.decision_function(test[names[::-1]])
    refit = clone(det).fit(data.X_train, data.y_train)  # an array: no names recorded
    assert not hasattr(refit, "feature_names_in_")
