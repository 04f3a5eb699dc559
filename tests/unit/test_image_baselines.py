"""The image baselines (suite ``image-baselines``, issue 27): every entrant builds, fits and scores
on a small real MNIST subset under the ``image_one_class`` protocol; peers take images flattened to
pixel rows and save / load like any peer; ``PCA-Reconstruction`` scores by the squared
reconstruction error; bad input gets a one-line error."""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import roc_auc_score

import anomalab
from anomalab.bench.cells import make_entrant
from anomalab.bench.suites import load_suite
from anomalab.peers import PEERS, PeerAdapter, make_peer

SUITE = load_suite("image-baselines")
#: Tiny budgets for the deep entrants (the suite's other parameters unchanged).
TINY = {"NovNorm": {"epochs": 2}, "PyOD-DeepSVDD": {"epochs": 2}}
#: Entrants for which beating a coin on MNIST digit 0 is certain, by a margin.
CLEAR_WINNERS = ("OCSVM", "PCA-Reconstruction")


@cache
def _mnist_zero(root: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """300 official-train images of digit 0 (the protocol's ``max_train``) and 600 random test
    images (all digits; label 1 = not a 0)."""
    from anomalab.data import load_dataset, make_task

    task = make_task(
        load_dataset("mnist-images", root), "image_one_class", 0, normal_class=0, max_train=300
    )
    pick = np.random.default_rng(0).choice(len(task.y_test), size=600, replace=False)
    return task.X_train, task.X_test[pick], task.y_test[pick]


@pytest.fixture
def mnist_zero(data_root: Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return _mnist_zero(str(data_root))


def _require(name: str) -> None:
    if name in PEERS and PEERS[name].version() is None:
        pytest.skip(f"{PEERS[name].library} not installed")


def _one_line(exc: pytest.ExceptionInfo[BaseException]) -> None:
    assert "\n" not in str(exc.value)


def test_the_suite_runs_five_baselines_on_every_class_of_three_image_sets() -> None:
    assert SUITE.protocol == "image_one_class" and SUITE.seeds == [0, 1]
    assert SUITE.datasets == ["mnist-images", "fashion-mnist", "cifar10"]
    assert [p["normal_class"] for p in SUITE.protocol_grid] == list(range(10))
    entrants = {name: params for name, params, _ in SUITE.detectors}
    assert list(entrants) == ["OCSVM", "IForest", "PCA-Reconstruction", "NovNorm", "PyOD-DeepSVDD"]
    assert entrants["OCSVM"] == {"gamma": "scale", "nu": 0.1}
    assert entrants["PCA-Reconstruction"] == {"n_components": 0.9}
    assert len(SUITE.cells()) == 5 * 3 * 2 * 10


def test_the_conv_ae_shares_its_cells_with_the_ablations_ae_only_rung() -> None:
    """The same cells as novnorm-ablation's "AE only (cpu)": one result per cell in a store."""
    ablation = load_suite("novnorm-ablation").restrict(labels=["AE only (cpu)"], seeds=[0, 1])
    ours = {c.key for c in SUITE.cells() if c.detector == "NovNorm"}
    theirs = {c.key for c in ablation.cells()}
    assert theirs and theirs <= ours


@pytest.mark.parametrize(("name", "params", "label"), SUITE.detectors, ids=SUITE.labels)
def test_each_entrant_fits_and_scores_mnist_zero(
    name: str, params: dict[str, Any], label: str, mnist_zero
) -> None:
    _require(name)
    train, test, y_test = mnist_zero
    detector = make_entrant(name, {**params, **TINY.get(name, {})}, seed=0).fit(train)
    scores = detector.decision_function(test)
    assert scores.shape == (len(test),) and np.isfinite(scores).all()
    auc = roc_auc_score(y_test, scores)
    assert auc > 0.5, f"{label}: AUC {auc:.3f} on MNIST digit 0 is no better than a coin"
    if name in CLEAR_WINNERS:
        assert auc > 0.8, f"{label}: AUC {auc:.3f} on MNIST digit 0"
    again = make_entrant(name, {**params, **TINY.get(name, {})}, seed=0).fit(train)
    np.testing.assert_allclose(again.decision_function(test), scores, rtol=1e-6)


def test_a_peer_sees_images_as_rows_of_pixels(mnist_zero) -> None:
    train, test, _ = mnist_zero
    on_images = make_peer("OCSVM", {"nu": 0.1}).fit(train)
    on_rows = make_peer("OCSVM", {"nu": 0.1}).fit(train.reshape(len(train), -1))
    assert on_images.input_shape_ == (1, 28, 28) and on_images.n_features_in_ == 784
    assert on_images.X_fit_.shape == (len(train), 784)
    scores = on_images.decision_function(test)
    np.testing.assert_array_equal(scores, on_rows.decision_function(test.reshape(len(test), -1)))
    # flattened rows and (N, H, W) images of the fitted shape are accepted as well
    np.testing.assert_array_equal(on_images.decision_function(test.reshape(len(test), -1)), scores)
    np.testing.assert_array_equal(on_images.decision_function(test[:, 0]), scores)


def test_an_image_fitted_peer_saves_and_loads_to_the_same_scores(mnist_zero, tmp_path) -> None:
    train, test, _ = mnist_zero
    detector = make_peer("PCA-Reconstruction", {"n_components": 0.9}, random_state=0).fit(train)
    loaded = anomalab.load(detector.save(tmp_path / "m"))
    assert isinstance(loaded, PeerAdapter) and loaded.input_shape_ == (1, 28, 28)
    np.testing.assert_array_equal(loaded.decision_function(test), detector.decision_function(test))


def test_pca_reconstruction_scores_the_squared_reconstruction_error() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 3)) @ rng.normal(size=(3, 12)) + 0.05 * rng.normal(size=(200, 12))
    detector = make_peer("PCA-Reconstruction", random_state=0).fit(X)
    pca = PCA(n_components=0.9).fit(X)  # the peer's default share of the variance
    assert pca.explained_variance_ratio_.sum() >= 0.9
    expected = np.square(X - pca.inverse_transform(pca.transform(X))).sum(axis=1)
    np.testing.assert_allclose(detector.decision_scores_, expected, rtol=1e-8, atol=1e-12)
    outlier = np.full((1, 12), 3.0)
    assert detector.decision_function(outlier)[0] > detector.decision_scores_.max()


@pytest.mark.parametrize(
    ("X", "match"),
    [
        (np.zeros(784), "must be 2-D"),
        (np.zeros((4, 1, 1, 28, 28)), "must be 2-D"),
        (np.zeros((4, 1, 14, 14)), r"image shape mismatch: X has images of shape \(1, 14, 14\)"),
        (np.zeros((4, 3, 28, 28)), r"image shape mismatch"),
        (np.zeros((4, 783)), "X has 783 features"),
    ],
)
def test_bad_input_to_an_image_fitted_peer_is_one_line(X: np.ndarray, match: str) -> None:
    rng = np.random.default_rng(1)
    detector = make_peer("IForest", {"n_estimators": 10}, random_state=0).fit(
        rng.random((50, 1, 28, 28)).astype(np.float32)
    )
    with pytest.raises(ValueError, match=match) as info:
        detector.decision_function(X)
    _one_line(info)


def test_one_dimensional_input_to_fit_is_one_line() -> None:
    with pytest.raises(ValueError, match="must be 2-D") as info:
        make_peer("PCA-Reconstruction").fit(np.zeros(784))
    _one_line(info)


def test_images_given_to_a_peer_fitted_on_rows_are_refused() -> None:
    detector = make_peer("IForest", {"n_estimators": 10}, random_state=0).fit(
        np.random.default_rng(2).random((50, 784))
    )
    with pytest.raises(ValueError, match="fitted on rows of shape") as info:
        detector.decision_function(np.zeros((3, 1, 28, 28)))
    _one_line(info)
