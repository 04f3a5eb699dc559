"""The score-guided component (Eqs. 3-6) on hand-computed cases, and SGAE's use of it."""

from __future__ import annotations

import inspect

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from anomalab.detectors.dagmm import SGDAGMM
from anomalab.detectors.rda import SGRDA
from anomalab.detectors.rsrae import SGRSRAE
from anomalab.detectors.score_guided import (
    ScoreGuidedMixin,
    draw_mu0,
    gaussian_kl,
    percentile_threshold,
    score_guided_terms,
    suspected_abnormal,
)
from anomalab.detectors.sgae import SGAE, auto_hidden_dims


def test_terms_hand_computed() -> None:
    s = torch.tensor([0.5, 2.0, 7.0, -1.0])
    flags = torch.tensor([False, True, True, False])
    got = score_guided_terms(s, flags, mu0=0.1, lambda_a=20.0, a=6.0)
    # |0.5-0.1|, 20*max(0, 6-2), 20*max(0, 6-7), |-1-0.1|
    assert torch.allclose(got, torch.tensor([0.4, 80.0, 0.0, 1.1]))


def test_percentile_split() -> None:
    f = np.arange(11.0)  # 0..10
    eps = percentile_threshold(f, 90)
    assert eps == pytest.approx(9.0)
    flags = suspected_abnormal(torch.tensor(f), eps)
    assert flags.tolist() == [False] * 9 + [True, True]
    assert percentile_threshold(f, 85) == pytest.approx(8.5)  # linear interpolation
    with pytest.raises(ValueError):
        percentile_threshold(f, 101)


def test_labels_override_f() -> None:
    f = torch.tensor([1.0, 9.0, 10.0, 2.0])
    labels = torch.tensor([1, -1, 0, 0], dtype=torch.int8)
    flags = suspected_abnormal(f, 5.0, labels)
    assert flags.tolist() == [True, False, True, False]


def test_mu0_reference_and_constant() -> None:
    g = torch.Generator().manual_seed(0)
    mu0 = draw_mu0("reference", g, torch.device("cpu"))
    assert abs(mu0) < 0.05  # mean of 10,000 N(0,1): std 0.01
    assert draw_mu0(0.01, None, torch.device("cpu")) == 0.01
    with pytest.raises(ValueError):
        draw_mu0("zero", None, torch.device("cpu"))


def test_gaussian_kl_zero_at_standard_normal() -> None:
    assert float(gaussian_kl(torch.tensor(0.0), torch.tensor(1.0))) == pytest.approx(0.0)
    assert float(gaussian_kl(torch.tensor(1.0), torch.tensor(1.0))) == pytest.approx(0.5)


@pytest.mark.parametrize(
    ("d", "dims"),
    [
        (14, [10]),
        (21, [20]),
        (30, [20]),
        (51, [40, 20]),
        (115, [80, 40, 20]),
        (784, [256, 80, 40, 20]),
    ],
)
def test_auto_hidden_dims(d: int, dims: list[int]) -> None:
    assert auto_hidden_dims(d) == dims


def _data(n: int = 300, d: int = 8, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, d))
    X[:15] += 4.0
    return X


def test_sgae_loss_is_recon_plus_weighted_se() -> None:
    X = _data()
    det = SGAE(
        preset="paper", epochs=1, batch_size=64, hidden_dims=(6, 4), mu0=0.0, random_state=0
    ).fit(X)
    x = torch.tensor(X[:50], dtype=torch.float32)
    labels = torch.zeros(50, dtype=torch.int8)
    with torch.no_grad():
        got = det._batch_loss((x, labels), torch.Generator())
        z = det.model_.encoder(x)
        x_hat = det.model_.decoder(z)
        s = det.model_.scorer(z)
        f = (x - x_hat).norm(dim=1)
        flags = f >= det.eps_
        se = torch.where(flags, 20.0 * torch.clamp(6.0 - s, min=0), s.abs())
        want = ((x - x_hat) ** 2).mean() + 0.01 * se.mean()
    assert float(got) == pytest.approx(float(want), rel=1e-5)


def test_sgae_score_is_learned_s() -> None:
    X = _data()
    det = SGAE(preset="paper", epochs=2, batch_size=64, hidden_dims=(6, 4), random_state=0).fit(X)
    with torch.no_grad():
        s = det.model_.scorer(det.model_.encoder(torch.tensor(X, dtype=torch.float32)))
    np.testing.assert_allclose(det.decision_function(X), s.numpy(), rtol=1e-5, atol=1e-6)
    assert len(det.eps_history_) == det.history_.epochs_run + 1


def test_sgae_labels_used_when_given() -> None:
    X = _data()
    y = np.zeros(len(X), dtype=np.int64)
    y[:15] = 1
    det = SGAE(preset="paper", epochs=1, batch_size=64, hidden_dims=(6, 4), random_state=0).fit(
        X, y
    )
    x = torch.tensor(X[:20], dtype=torch.float32)
    labels = torch.tensor(y[:20], dtype=torch.int8)
    out = det._objective(x, labels)
    det.eps_ = float("inf")  # f flags nobody; the labels must flag the first 15
    flags = suspected_abnormal(out.f, det.eps_, labels)
    assert flags.tolist() == [True] * 15 + [False] * 5


@pytest.mark.parametrize("variant", ["recon", "normal", "lognormal", "ae"])
def test_sgae_variants_fit_and_score(variant: str) -> None:
    X = _data()
    det = SGAE(
        preset="paper", variant=variant, epochs=2, batch_size=64, hidden_dims=(6, 4), random_state=0
    )
    scores = det.fit(X).decision_function(X)
    assert scores.shape == (len(X),) and np.isfinite(scores).all()
    if variant in ("recon", "ae"):
        with torch.no_grad():
            x = torch.tensor(X, dtype=torch.float32)
            e = (x - det.model_(x)).norm(dim=1).numpy()
        np.testing.assert_allclose(scores, e, rtol=1e-5)


def test_early_stop_when_scores_drift() -> None:
    X = _data()
    det = SGAE(
        preset="paper", epochs=30, batch_size=64, hidden_dims=(6, 4), a=0.0, lr=1e-2, random_state=0
    )
    det.fit(X)  # a/2 = 0: any positive mean training score stops training
    assert det.history_.epochs_run < 30 or max(det.score_mean_history_) <= 0


@pytest.mark.parametrize("name", ["SGDAGMM", "SGRDA", "SGRSRAE"])
def test_sg_models_score_is_learned_s(name: str) -> None:
    from anomalab.registry import get_spec

    X = _data()
    det = (
        get_spec(name).cls(preset="paper", epochs=2, batch_size=64, lr=1e-3, random_state=0).fit(X)
    )
    det.model_.eval()
    with torch.no_grad():
        x = torch.tensor(X, dtype=torch.float32)
        s = det.model_.scorer(det._objective(x, None).z)
    np.testing.assert_allclose(det.decision_function(X), s.numpy(), rtol=1e-5, atol=1e-6)
    assert np.isfinite(det.eps_)


def test_rda_l21_shrink_hand_computed() -> None:
    from anomalab.detectors.rda import l21_shrink

    r = np.array([[3.0, 4.0], [0.3, 0.4]])  # norms 5 and 0.5
    np.testing.assert_allclose(l21_shrink(r, 1.0), [[2.4, 3.2], [0.0, 0.0]])


def test_synthetic_fields_and_gaps() -> None:
    from anomalab.data.synthetic import fields, make_synthetic, score_gaps

    data = make_synthetic("2d", n=1000, seed=0)
    assert data.X.shape == (1000, 2) and data.y.sum() == 100
    np.testing.assert_allclose(np.linalg.norm(data.X, axis=1), np.abs(data.v))
    assert fields(np.array([0.5, 1.5, 2.5, 3.5]), "1d").tolist() == [0, 1, 2, 3]
    scores = np.array([1.0, 3.0, 0.0, 2.0])
    gaps = score_gaps(scores, np.array([0, 1, 0, 1]), np.array([0, 0, 1, 2]))
    assert gaps[0] == pytest.approx(2.0) and np.isnan(gaps[1]) and np.isnan(gaps[3])


def _labeled_split() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    X = _data()
    rng = np.random.default_rng(1)
    X_val = np.vstack([rng.normal(size=(40, X.shape[1])), rng.normal(4.0, 1.0, (10, X.shape[1]))])
    y_val = np.r_[np.zeros(40), np.ones(10)].astype(np.int64)
    return X, X_val, y_val


def test_validation_selection_keeps_the_best_validation_epoch() -> None:
    X, X_val, y_val = _labeled_split()
    det = SGAE(
        preset="paper",
        epochs=6,
        batch_size=64,
        hidden_dims=(6, 4),
        lr=1e-2,
        early_stop=False,
        model_selection="val_auc",
        random_state=0,
    ).fit(X, validation=(X_val, y_val))
    history = det.val_auc_history_
    assert len(history) == det.history_.epochs_run == 6
    assert det.selected_epoch_ == int(np.argmax(history)) + 1
    kept = roc_auc_score(y_val, det.decision_function(X_val))
    assert kept == pytest.approx(max(history))
    assert det._validation is None  # the validation data is not kept on the estimator


def test_validation_errors() -> None:
    X, X_val, y_val = _labeled_split()
    fast = {"preset": "paper", "epochs": 1, "batch_size": 64, "hidden_dims": (6, 4)}
    with pytest.raises(ValueError, match="validation"):
        SGAE(model_selection="val_auc", **fast).fit(X)
    with pytest.raises(ValueError, match="both normal"):
        SGAE(**fast).fit(X, validation=(X_val, np.zeros(len(X_val), dtype=int)))
    with pytest.raises(ValueError, match="features"):
        SGAE(**fast).fit(X, validation=(X_val[:, :2], y_val))
    with pytest.raises(ValueError, match="model_selection"):
        SGAE(model_selection="best", **fast).fit(X)
    from anomalab.detectors import DevNet

    with pytest.raises(ValueError, match="does not use validation"):
        DevNet(epochs=1).fit(X, (np.arange(len(X)) < 5).astype(int), validation=(X_val, y_val))


def test_the_score_guided_detectors_share_the_guidance_parameters() -> None:
    """SG-AE, SG-RDA, SG-RSRAE and SG-DAGMM each declare the parameters the mixin reads, with the
    same types and defaults (the official code's guidance: lambda_SE 0.01, lambda_a 20, a 6,
    eps_p 90, mu0 the reference draw; scorer latent -> 10 -> 1 with ReLU; gradients clipped at
    1.0; ``early_stop`` and ``score`` from the preset)."""
    guidance = list(ScoreGuidedMixin.__annotations__)
    assert guidance == [
        "lambda_se",
        "lambda_a",
        "a",
        "eps_p",
        "mu0",
        "use_labels",
        "scorer_hidden",
        "scorer_act",
        "early_stop",
        "grad_clip_value",
        "score",
    ]
    expected = {
        "lambda_se": 0.01,
        "lambda_a": 20.0,
        "a": 6.0,
        "eps_p": 90.0,
        "mu0": "reference",
        "use_labels": True,
        "scorer_hidden": (10,),
        "scorer_act": "relu",
        "early_stop": None,
        "grad_clip_value": 1.0,
        "score": None,
    }
    annotations = None
    for cls in (SGAE, SGRDA, SGRSRAE, SGDAGMM):
        assert issubclass(cls, ScoreGuidedMixin)
        params = inspect.signature(cls).parameters
        missing = [name for name in guidance if name not in params]
        assert not missing, f"{cls.__name__} lacks {missing}"
        assert {name: params[name].default for name in guidance} == expected, cls.__name__
        found = {name: params[name].annotation for name in guidance}
        assert annotations is None or found == annotations, cls.__name__
        annotations = found
        assert all(params[name].kind is params[name].POSITIONAL_OR_KEYWORD for name in guidance)
