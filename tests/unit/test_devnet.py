"""DevNet: the deviation loss (Eq. 7), balanced batches, variants, Prop. 4.1 threshold, and that
the labels matter (the check PyOD's and DeepOD's DevNet fail)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
import torch
from scipy.stats import norm
from sklearn.metrics import roc_auc_score

import anomalab.detectors.devnet as devnet_module
from anomalab import DevNet
from anomalab.data import make_task
from anomalab.detectors.devnet import DevNetMLP, deviation, deviation_loss

TINY = {"epochs": 2, "steps_per_epoch": 3, "batch_size": 16}


def test_deviation_loss_hand_computed() -> None:
    scores = torch.tensor([0.0, 6.0, -1.0, 2.0])
    labels = torch.tensor([0.0, 1.0, 1.0, 0.0])
    ref = torch.tensor([-1.0, 1.0])  # mu_R = 0, population sigma_R = 1
    dev = deviation(scores, ref)
    assert dev.shape == (4,)
    torch.testing.assert_close(dev, scores)
    # per row: |0| = 0, max(0, 5 - 6) = 0, max(0, 5 + 1) = 6, |2| = 2 -> mean 2
    assert float(deviation_loss(dev, labels, margin=5.0)) == pytest.approx(2.0)
    # mu_R = 1, sigma_R = 2: dev = [-0.5, 2.5, -1, 0.5] -> [0.5, 2.5, 6, 0.5] -> mean 2.375
    shifted = deviation(scores, torch.tensor([-1.0, 3.0]))
    assert float(deviation_loss(shifted, labels)) == pytest.approx(2.375)


def test_deviation_loss_rejects_broadcasting_shapes() -> None:
    with pytest.raises(ValueError, match="1-D"):
        deviation_loss(torch.zeros(4, 1), torch.zeros(4))
    with pytest.raises(ValueError, match="equal shape"):
        deviation_loss(torch.zeros(4), torch.zeros(3))


def test_batches_are_half_labeled_anomalies(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[tuple[int, ...], float]] = []
    original = devnet_module.deviation_loss

    def spy(dev: torch.Tensor, y: torch.Tensor, margin: float = 5.0) -> torch.Tensor:
        seen.append((tuple(dev.shape), float(y.sum())))
        return original(dev, y, margin)

    monkeypatch.setattr(devnet_module, "deviation_loss", spy)
    rng = np.random.default_rng(0)
    X = rng.random((300, 5))
    y = np.zeros(300, dtype=np.int64)
    y[:3] = 1
    y[3:10] = -1  # labeled normals count as unlabeled (y = 0 in Eq. 7)
    DevNet(epochs=3, steps_per_epoch=4, batch_size=64, random_state=0).fit(X, y)
    assert len(seen) == 12
    assert all(shape == (64,) and ones == 32 for shape, ones in seen)


def test_l2_on_hidden_kernels_only_and_glorot_zero_bias() -> None:
    torch.manual_seed(0)
    net = DevNetMLP(7, (20,))
    kernels = net.hidden_kernels()
    assert [tuple(k.shape) for k in kernels] == [(20, 7)]
    assert net.score is not None and all(k is not net.score.weight for k in kernels)
    assert torch.all(net.score.bias == 0) and torch.all(net.feature[0].bias == 0)
    bound = np.sqrt(6.0 / (7 + 20))  # Glorot uniform
    assert float(net.feature[0].weight.detach().abs().max()) <= bound
    assert net(torch.zeros(5, 7)).shape == (5,)


@pytest.mark.parametrize(
    ("variant", "widths", "out_shape"),
    [
        ("Def", [20], (4,)),
        ("Linear", [], (4,)),
        ("3HL", [1000, 250, 20], (4,)),
        ("Rep", [20], (4, 20)),
    ],
)
def test_variants_build(variant: str, widths: list[int], out_shape: tuple[int, ...]) -> None:
    rng = np.random.default_rng(0)
    X = rng.random((80, 6))
    y = (np.arange(80) < 5).astype(np.int64)
    det = DevNet(variant=variant, random_state=0, **TINY).fit(X, y)
    linears = [m for m in det.model_.feature if isinstance(m, torch.nn.Linear)]
    assert [m.out_features for m in linears] == widths
    assert det.model_(torch.zeros(4, 6)).shape == out_shape
    assert det.decision_function(X[:7]).shape == (7,)


def test_cnn_option_on_images() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((40, 1, 8, 8)).astype(np.float32)
    y = (np.arange(40) < 4).astype(np.int64)
    det = DevNet(network="cnn", channels=(4,), random_state=0, **TINY).fit(X, y)
    assert det.decision_function(X).shape == (40,)
    with pytest.raises(ValueError, match="variant"):
        DevNet(network="cnn", variant="3HL", **TINY).fit(X, y)


def test_auto_threshold_is_z_095() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((100, 4))
    y = (np.arange(100) < 5).astype(np.int64)
    det = DevNet(contamination="auto", random_state=0, **TINY).fit(X, y)
    assert det.threshold_ == pytest.approx(norm.ppf(0.95)) == pytest.approx(1.6448536, abs=1e-6)
    np.testing.assert_array_equal(det.predict(X), det.decision_function(X) > det.threshold_)
    assert DevNet(contamination=0.1).supports_auto_threshold
    with pytest.raises(ValueError):
        DevNet(contamination="auto", auto_confidence=1.5, **TINY).fit(X, y)


def test_best_epoch_is_lowest_mean_training_loss() -> None:
    rng = np.random.default_rng(0)
    X = rng.random((200, 4))
    y = (np.arange(200) < 10).astype(np.int64)
    det = DevNet(epochs=6, steps_per_epoch=3, batch_size=32, random_state=0).fit(X, y)
    hist = det.history_
    assert len(hist.monitor) == 6
    assert hist.best_epoch == int(np.argmin(hist.monitor))
    np.testing.assert_allclose(hist.monitor, hist.loss, rtol=1e-6)


@cache
def _thyroid_task():
    return make_task("thyroid-devnet", "devnet_paper", seed=0)


def _auc(y_train: np.ndarray, seed: int) -> float:
    task = _thyroid_task()
    det = DevNet(epochs=20, random_state=seed).fit(task.X_train, y_train)
    return roc_auc_score(task.y_test, det.decision_function(task.X_test))


def test_true_labels_beat_permuted_labels_on_real_data() -> None:
    """thyroid (DevNet's annthyroid, 21 features), paper protocol: the 30 true labeled anomalies
    vs the same number of labels given to random rows. A label-blind DevNet scores alike."""
    task = _thyroid_task()
    rng = np.random.default_rng(0)
    true_aucs, perm_aucs = [], []
    for seed in (0, 1):
        true_aucs.append(_auc(task.y_train, seed))
        perm_aucs.append(_auc(rng.permutation(task.y_train), seed))
    assert min(true_aucs) > 0.74
    assert np.mean(true_aucs) - np.mean(perm_aucs) > 0.15


def test_clip_mode_option() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 5))
    y = np.zeros(200, dtype=int)
    y[:5] = 1
    X[:5] += 4.0
    fast = {"epochs": 2, "steps_per_epoch": 3, "batch_size": 32, "random_state": 0}
    a = DevNet(**fast).fit(X, y).decision_function(X)
    b = DevNet(clip_mode="per_tensor", **fast).fit(X, y).decision_function(X)
    assert not np.allclose(a, b)  # a different update, same data and seed
    with pytest.raises(ValueError, match="clip_mode"):
        DevNet(clip_mode="layer", **fast).fit(X, y)
