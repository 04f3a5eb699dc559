"""``explain(X)``: per-row, per-feature contributions to the score, for every tabular detector.

One fit per detector (the recommended preset on 1,000 normal rows of cardio, a real dataset; the
scikit-learn peers too) serves every test. The issue's acceptance test: on held-out normal rows
with one feature shifted by +6 training standard deviations, that feature is the top
attribution in at least 80 % of the rows.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.exceptions import NotFittedError

import anomalab
import anomalab.explain as explain_module
from anomalab.peers import make_peer
from anomalab.registry import detector_specs, get_spec

TABULAR = [spec.name for spec in detector_specs(data_kind="tabular")]
PEERS = ["IForest", "LOF", "OCSVM"]  # scikit-learn's: always installed
EVERY = TABULAR + PEERS
DATASET, N_TRAIN, N_SHIFTED, SHIFT_SD = "cardio", 1000, 50, 6.0
IG = "integrated_gradients"

#: Measured top-1 rates below 80 % (this fixture), and what the detector's score does.
FAILS = {
    "DevNet": "0.48: DevNet learns the direction of its 15 labeled anomalies; its score rises for "
    "only 54 % of the shifted rows",
    "DAGMM": "0.68 (occlusion by the training quantiles; by the median 0.66, by integrated "
    "gradients 0.52): DAGMM's energy rises for 74 % of the shifted rows",
    "IForest": "0.76 (0.78 by the median): beyond the training range a tree treats a value like the range's end; the "
    "score rises for 88 % of the shifted rows",
}
#: How the reconstruction detectors' score follows from the squared errors' row sum e (d features).
FROM_SQUARED_ERRORS = {
    "AutoEncoder": lambda e, d: e / d,
    "RDA": lambda e, d: np.sqrt(e),
    "RSRAE": lambda e, d: np.sqrt(e),
}


@cache
def _data(root: str) -> dict[str, np.ndarray]:
    from anomalab.data import load_dataset

    data = load_dataset(DATASET, root)
    rng = np.random.default_rng(0)
    normal = data.X[data.y == 0]
    normal = normal[rng.permutation(len(normal))]
    held, train = normal[:N_SHIFTED], normal[N_SHIFTED : N_SHIFTED + N_TRAIN]
    std = train.std(axis=0)
    shifted_feature = rng.choice(np.flatnonzero(std > 0), size=N_SHIFTED)
    shifted = held.copy()
    shifted[np.arange(N_SHIFTED), shifted_feature] += SHIFT_SD * std[shifted_feature]
    return {
        "train": train,
        "anomalies": data.X[data.y == 1][:15],
        "held": held,
        "shifted": shifted,
        "feature": shifted_feature,
    }


@cache
def _fitted(name: str, root: str) -> Any:
    data = _data(root)
    if name in PEERS:
        return make_peer(name, random_state=0).fit(data["train"])
    spec = get_spec(name)
    if spec.supervision == "semi-supervised":  # DevNet: 15 real anomalies labeled
        X = np.concatenate([data["train"], data["anomalies"]])
        y = np.r_[
            np.zeros(len(data["train"]), dtype=np.int64),
            np.ones(len(data["anomalies"]), dtype=np.int64),
        ]
        return spec.cls(random_state=0).fit(X, y)
    return spec.cls(random_state=0).fit(data["train"])


@pytest.fixture(scope="module")
def root(data_root: Path) -> str:
    return str(data_root)


def _case(name: str) -> Any:
    if name in FAILS:
        return pytest.param(name, marks=pytest.mark.xfail(strict=True, reason=FAILS[name]))
    return name


@pytest.mark.parametrize("name", [_case(n) for n in EVERY])
def test_a_shifted_feature_is_the_top_attribution(name: str, root: str) -> None:
    """The issue's acceptance test: >= 80 % of the rows put the shifted feature first."""
    data = _data(root)
    contributions = _fitted(name, root).explain(data["shifted"])
    rate = float(np.mean(contributions.argmax(axis=1) == data["feature"]))
    assert rate >= 0.8, f"{name}: the shifted feature came first in {rate:.0%} of the rows"


@pytest.mark.parametrize("name", EVERY)
def test_shape_finite_and_input_untouched(name: str, root: str) -> None:
    det = _fitted(name, root)
    X = _data(root)["shifted"].copy()
    X.setflags(write=False)  # a read-only input (e.g. a memmap) works and stays as it was
    before = X.copy()
    contributions = det.explain(X)
    assert contributions.shape == X.shape and contributions.dtype == np.float64
    assert np.isfinite(contributions).all()
    assert np.array_equal(X, before)
    assert det.explain_method_ in explain_module.METHODS


@pytest.mark.parametrize("name", EVERY)
def test_chunking_does_not_change_contributions(
    name: str, root: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    det = _fitted(name, root)
    X = _data(root)["shifted"][:12]
    whole = det.explain(X)
    monkeypatch.setattr(explain_module, "CHUNK_VALUES", 1)  # one row per chunk
    scale = 1.0 + np.abs(det.decision_scores_).max()  # float32 scores: rounding to that scale
    np.testing.assert_allclose(det.explain(X), whole, rtol=1e-4, atol=1e-5 * scale)


@pytest.mark.parametrize("name", sorted(FROM_SQUARED_ERRORS))
def test_reconstruction_errors_add_up_to_the_score(name: str, root: str) -> None:
    det = _fitted(name, root)
    X = _data(root)["shifted"]
    assert det.explain_method_ == "reconstruction"
    contributions = det.explain(X)
    assert (contributions >= 0).all()
    expected = FROM_SQUARED_ERRORS[name](contributions.sum(axis=1), X.shape[1])
    np.testing.assert_allclose(expected, det.decision_function(X), rtol=1e-4, atol=1e-6)


def test_every_reconstruction_detector_states_how_its_score_follows(root: str) -> None:
    methods = {name: _fitted(name, root).explain_method_ for name in TABULAR}
    assert {n for n, m in methods.items() if m == "reconstruction"} == set(FROM_SQUARED_ERRORS)


def _assert_complete(det: Any, X: np.ndarray) -> None:
    """sum_j c_ij = F(x_i) - F(b), b the training medians (up to the path rule's error)."""
    assert det.explain_method_ == "integrated_gradients"
    gap = det.decision_function(X) - det.decision_function(det.feature_median_[None, :])
    error = np.abs(det.explain(X).sum(axis=1) - gap)
    assert error.max() <= 0.05 * np.abs(gap).max() + 1e-6


@pytest.mark.parametrize("name", [n for n in TABULAR if get_spec(n).cls.explain_method == IG])
def test_integrated_gradients_are_complete(name: str, root: str) -> None:
    _assert_complete(_fitted(name, root), _data(root)["shifted"])


def test_rsrae_under_its_cosine_score_explains_by_integrated_gradients(root: str) -> None:
    det = _fitted("RSRAE", root)
    try:
        det.set_params(error="cosine")  # rescores without a refit
        _assert_complete(det, _data(root)["shifted"])
    finally:
        det.set_params(error=None)
    assert det.explain_method_ == "reconstruction"


def _mean_drop(det: Any, X: np.ndarray, j: int, values: np.ndarray) -> np.ndarray:
    """The mean score drop when feature j of the rows X takes each of ``values`` in turn."""
    drops = []
    for value in values:
        occluded = X.copy()
        occluded[:, j] = value
        drops.append(det.decision_function(X) - det.decision_function(occluded))
    return np.mean(drops, axis=0)


@pytest.mark.parametrize("name", ["PLAD", "IForest"])
def test_occlusion_is_the_mean_score_drop_over_the_training_quantiles(name: str, root: str) -> None:
    det = _fitted(name, root)
    assert det.explain_method_ == "occlusion"
    train, X = _data(root)["train"], _data(root)["shifted"][:5]
    levels = (np.arange(explain_module.REFERENCE_LEVELS) + 0.5) / explain_module.REFERENCE_LEVELS
    np.testing.assert_allclose(det.feature_quantiles_, np.quantile(train, levels, axis=0))
    contributions = det.explain(X)
    for j in (0, X.shape[1] - 1):
        drop = _mean_drop(det, X, j, det.feature_quantiles_[:, j])
        np.testing.assert_allclose(contributions[:, j], drop, rtol=1e-5, atol=1e-8)


def test_a_model_saved_without_quantiles_occludes_by_the_median(root: str, tmp_path: Path) -> None:
    det = _fitted("IForest", root)
    X = _data(root)["shifted"][:5]
    det.save(tmp_path / "model")
    config_path = tmp_path / "model" / "config.json"
    config = json.loads(config_path.read_text())
    del config["fitted"]["feature_quantiles_"]  # as written before the quantiles existed
    config_path.write_text(json.dumps(config))
    old = anomalab.load(tmp_path / "model")
    contributions = old.explain(X)
    for j in (0, X.shape[1] - 1):
        drop = _mean_drop(old, X, j, det.feature_median_[j : j + 1])
        np.testing.assert_allclose(contributions[:, j], drop, rtol=1e-5, atol=1e-8)


def test_every_registered_detector_has_explain() -> None:
    for spec in detector_specs():
        assert callable(getattr(spec.cls, "explain", None)), spec.name


def test_bad_input_and_unfitted_detectors_get_clear_errors(root: str) -> None:
    with pytest.raises(NotFittedError):
        anomalab.AutoEncoder().explain(np.zeros((3, 4)))
    det = _fitted("AutoEncoder", root)
    X = _data(root)["shifted"]
    with pytest.raises(ValueError, match="features"):
        det.explain(X[:, :5])
    bad = X.copy()
    bad[0, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        det.explain(bad)


def test_image_detectors_refuse_with_one_line() -> None:
    rng = np.random.default_rng(0)
    images = rng.random((40, 1, 8, 8)).astype(np.float32)
    y = np.r_[np.zeros(36, dtype=np.int64), np.ones(4, dtype=np.int64)]
    det = anomalab.DevNet(
        network="cnn", channels=(4,), rep_dim=4, epochs=1, steps_per_epoch=1, random_state=0
    ).fit(images, y)
    with pytest.raises(ValueError, match="tabular data only") as err:
        det.explain(images)
    assert "\n" not in str(err.value)


def test_saved_models_explain_alike_and_old_files_ask_for_a_refit(
    root: str, tmp_path: Path
) -> None:
    det = _fitted("SGAE", root)
    X = _data(root)["shifted"][:10]
    loaded = anomalab.load(det.save(tmp_path / "model"))
    np.testing.assert_allclose(loaded.explain(X), det.explain(X), rtol=1e-6)
    config_path = tmp_path / "model" / "config.json"
    config = json.loads(config_path.read_text())
    del config["fitted"]["feature_median_"]  # as written before explain existed
    config_path.write_text(json.dumps(config))
    with pytest.raises(ValueError, match="refit"):
        anomalab.load(tmp_path / "model").explain(X)
