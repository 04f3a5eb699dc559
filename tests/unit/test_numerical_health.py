"""Numerical health: diverged or collapsed training and overflowing inputs are clear errors or
warnings, never NaN scores or a silent constant (issue 25, part B.1)."""

from __future__ import annotations

import warnings
from functools import cache

import numpy as np
import pytest
import torch

from anomalab import AutoEncoder, DevNet
from anomalab.health import DegenerateScoresWarning
from anomalab.nn.training import make_optimizer, train_loop

FAST_DEVNET = {"epochs": 5, "steps_per_epoch": 5, "batch_size": 64}


@cache
def wbc() -> tuple[np.ndarray, np.ndarray]:
    """WBC's rows and DevNet-style labels: 5 labeled anomalies, the rest unlabeled."""
    from anomalab.data import load_dataset

    data = load_dataset("WBC")
    labels = np.zeros(len(data.y), dtype=np.int64)
    labels[np.flatnonzero(data.y == 1)[:5]] = 1
    return data.X, labels


def test_diverged_autoencoder_raises_instead_of_nan_scores() -> None:
    X, _ = wbc()
    with pytest.raises(FloatingPointError, match="training diverged.*NaN or infinite"):
        AutoEncoder(lr=1e6, epochs=1, random_state=0).fit(X)


def test_divergence_during_training_names_epoch_and_step() -> None:
    X, _ = wbc()
    with pytest.raises(FloatingPointError, match=r"epoch \d+, step \d+.*lr=1000000"):
        AutoEncoder(lr=1e6, epochs=3, batch_size=64, random_state=0).fit(X)


def test_train_loop_checks_the_weights_after_every_step() -> None:
    gen = torch.Generator().manual_seed(0)
    model = torch.nn.Linear(3, 1)
    X = torch.randn(32, 3, generator=gen) * 1e9  # loss ~1e18, gradients ~1e18: finite
    optimizer = make_optimizer(model.parameters(), "sgd", lr=1e30)  # the step overflows float32
    with pytest.raises(FloatingPointError, match=r"epoch 1, step 1: the model's weights"):
        train_loop(
            model,
            lambda b: model(b[0]).pow(2).mean(),  # finite loss: only the weights can tell
            (X,),
            optimizer,
            epochs=1,
            batch_size=8,
            generator=gen,
            device=torch.device("cpu"),
        )


def test_collapsed_devnet_warns() -> None:
    X, labels = wbc()
    with pytest.warns(DegenerateScoresWarning, match="same score.*collapsed"):
        DevNet(lr=1e6, epochs=20, steps_per_epoch=10, batch_size=128, random_state=2).fit(X, labels)


def test_healthy_fit_and_identical_rows_do_not_warn() -> None:
    X, labels = wbc()
    with warnings.catch_warnings():
        warnings.simplefilter("error", DegenerateScoresWarning)
        DevNet(random_state=0, **FAST_DEVNET).fit(X, labels)
        AutoEncoder(epochs=1, random_state=0).fit(np.ones((20, 4)))  # equal rows, equal scores


def test_values_beyond_float32_are_rejected_at_fit_and_score() -> None:
    X, labels = wbc()
    big = X.copy()
    big[3, 2] = 1e39
    with pytest.raises(ValueError, match=r"float32 range.*index \(3, 2\)"):
        DevNet(random_state=0, **FAST_DEVNET).fit(big, labels)
    det = AutoEncoder(epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match="float32 range"):
        det.decision_function(big)


def test_scores_that_overflow_are_a_clear_error() -> None:
    X, _ = wbc()
    det = AutoEncoder(epochs=1, random_state=0).fit(X)
    with pytest.raises(ValueError, match=r"scores are NaN or infinite \(first at row 0\)"):
        det.decision_function(X * 1e30)
    assert np.isfinite(det.decision_function(X)).all()


def test_zsum_scale_ignores_float32_rounding() -> None:
    """A spread of training scores within float32 rounding is no spread: dividing by it would
    turn rounding noise into ranks (the score-guided and AnoRand "zsum" scores)."""
    from anomalab.detectors.score_fusion import robust_location_scale

    noise = 0.5 + np.array([0.0, 1e-9, -1e-9, 2e-9, 0.0, -2e-9])
    assert robust_location_scale(noise) == (pytest.approx(0.5), 1.0)
    assert robust_location_scale(np.array([0.0, 1.0, 2.0, 3.0]))[1] == pytest.approx(1.5)
