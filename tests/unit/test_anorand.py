"""AnoRand's own equations: loss limits (Eq. 4), the fused score (Eqs. 6-8), pseudo-anomalies."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from anomalab import AnoRand
from anomalab.detectors.anorand import fit_alpha, fuse, make_pseudo_anomalies


def _data(n: int = 300, d: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random((n, d))


def _grads(det: AnoRand, w: float) -> dict[str, list[torch.Tensor | None]]:
    """Gradients of the loss of one mixed batch (normal + pseudo-anomalies) with weight ``w``."""
    det.set_params(w=w)
    X_tr, labels = det.training_set(_data(), None, np.random.default_rng(0))
    x = torch.tensor(X_tr, dtype=torch.float32)
    det.model_.zero_grad(set_to_none=True)
    det._loss((x, torch.tensor(labels, dtype=torch.float32))).backward()
    return {
        name: [p.grad for p in getattr(det.model_, name).parameters()]
        for name in ("nd_trunk", "nd_head", "encoder", "decoder")
    }


def _none_or_zero(grads: list[torch.Tensor | None]) -> bool:
    return all(g is None or torch.count_nonzero(g) == 0 for g in grads)


def _nonzero(grads: list[torch.Tensor | None]) -> bool:
    return any(g is not None and torch.count_nonzero(g) > 0 for g in grads)


def _resolved(det: AnoRand, X: np.ndarray) -> AnoRand:
    """``det`` with the parameters a fit on ``X`` would use (to call its steps without a fit)."""
    det._check_X(X, fitting=True)
    det._resolve_params(len(X))
    return det


@pytest.fixture(scope="module")
def fitted() -> AnoRand:
    return AnoRand(preset="paper", epochs=2, random_state=0).fit(_data())


def test_w_one_leaves_autoencoder_without_gradient(fitted: AnoRand) -> None:
    grads = _grads(fitted, 1.0)
    assert _none_or_zero(grads["decoder"]) and _none_or_zero(grads["encoder"])
    assert _nonzero(grads["nd_head"]) and _nonzero(grads["nd_trunk"])


def test_w_zero_leaves_mlp_head_without_gradient(fitted: AnoRand) -> None:
    grads = _grads(fitted, 0.0)
    assert _none_or_zero(grads["nd_head"])
    # the trunk still learns through z_0, which the decoder reads (Eq. 1)
    assert _nonzero(grads["nd_trunk"]) and _nonzero(grads["decoder"])


def test_reconstruction_loss_ignores_anomaly_labeled_rows(fitted: AnoRand) -> None:
    fitted.set_params(w=0.0)
    x = torch.tensor(_data(8), dtype=torch.float32)
    x.requires_grad_(True)
    labels = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1], dtype=torch.float32)
    fitted._loss((x, labels)).backward()
    assert torch.count_nonzero(x.grad[4:]) == 0 and torch.count_nonzero(x.grad[:4]) > 0
    fitted.set_params(w=0.2)


def test_fused_score_equals_q3_normalised_sum(fitted: AnoRand) -> None:
    X_test = _data(50, seed=3)
    ae, nd = fitted.block_scores(X_test)
    q_ae, q_nd, alpha = fitted.q3_ae_, fitted.q3_mlp_, fitted.alpha_
    # alpha is Eq. 7 on the real training rows, stored at fit time
    train_ae, train_nd = fitted.block_scores(_data())
    assert (q_ae, q_nd, alpha) == pytest.approx(fit_alpha(train_ae, train_nd))
    assert alpha == pytest.approx(q_ae / (q_ae + q_nd))
    scores = fitted.decision_function(X_test)
    c = q_ae * q_nd / (q_ae + q_nd)
    np.testing.assert_allclose(scores, c * (ae / q_ae + nd / q_nd), rtol=1e-9)
    np.testing.assert_allclose(scores, fuse(ae, nd, alpha))
    assert np.all(ae >= 0.5) and np.all(ae < 1.0)


def test_alpha_from_scored_batch_when_asked(fitted: AnoRand) -> None:
    X_test = _data(40, seed=4)
    fitted.set_params(alpha_source="batch")
    ae, nd = fitted.block_scores(X_test)
    np.testing.assert_allclose(fitted.decision_function(X_test), fuse(ae, nd, fit_alpha(ae, nd)[2]))
    fitted.set_params(alpha_source="train")


def test_single_block_scores(fitted: AnoRand) -> None:
    X_test = _data(30, seed=6)
    ae, nd = fitted.block_scores(X_test)
    for which, expected in (("ae", ae), ("mlp", nd)):
        fitted.set_params(score=which)
        np.testing.assert_array_equal(fitted.decision_function(X_test), expected)
    fitted.set_params(score="fused")


def test_ae_probability_does_not_saturate_where_float32_does() -> None:
    det = AnoRand(preset="paper", epochs=1, random_state=0).fit(_data())
    X = _data(20, seed=5)
    X[:, 0] += np.linspace(18.0, 30.0, 20)  # reconstruction error norms of about 18 to 30
    ae, _ = det.block_scores(X)
    assert torch.all(torch.sigmoid(torch.tensor(20.0)) == 1.0)  # float32 saturates here
    assert np.all(ae < 1.0) and len(np.unique(ae)) == 20


def test_pseudo_anomalies_sizes_and_interpolation() -> None:
    X = _data(500)
    fake, chosen = make_pseudo_anomalies(X, np.random.default_rng(0), sigma=0.0)
    assert len(chosen) == 10 and len(fake) == 25  # 2 % selected, grown to 5 %
    np.testing.assert_array_equal(fake[:10], X[chosen])
    base = X[chosen]
    for row in fake[10:]:  # each SMOTE row lies on a segment between two selected rows
        a, b = base[:, None, :], base[None, :, :]
        t = np.clip(((row - a) * (b - a)).sum(-1) / np.maximum(((b - a) ** 2).sum(-1), 1e-12), 0, 1)
        assert np.min(np.linalg.norm(a + t[..., None] * (b - a) - row, axis=-1)) < 1e-9
    noisy, _ = make_pseudo_anomalies(X, np.random.default_rng(0), sigma=1.0, use_smote=False)
    assert len(noisy) == 10 and not np.allclose(noisy, X[chosen])


def test_synthetic_anomalies_come_from_training_rows_only() -> None:
    from anomalab.data import make_task

    task = make_task("cardio", "unsupervised", seed=0)
    det = _resolved(AnoRand(preset="paper", sigma=0.0, random_state=0), task.X_train)
    X_tr, labels = det.training_set(task.X_train, task.y_train, np.random.default_rng(0))
    fake = X_tr[labels == 1]
    lo, hi = task.X_train.min(axis=0), task.X_train.max(axis=0)
    assert np.all(fake >= lo - 1e-12) and np.all(fake <= hi + 1e-12)
    # no test row is used: every selected row is a training row, and none of the test rows that
    # differ from all training rows appear among the synthetic ones
    train_set = {row.tobytes() for row in task.X_train}
    test_only = [row for row in task.X_test if row.tobytes() not in train_set]
    fake_set = {row.tobytes() for row in fake}
    assert not any(row.tobytes() in fake_set for row in test_only)
    assert det.n_pseudo_anomalies_ == len(fake) == int(np.ceil(0.05 * len(task.X_train)))


def test_modes_follow_the_labels() -> None:
    X = _data(200)
    det = _resolved(AnoRand(preset="paper", epochs=1, random_state=0), X)
    rng = np.random.default_rng(0)
    _, lab = det.training_set(X, None, rng)
    assert not det.supervised_ and lab.sum() == det.n_pseudo_anomalies_ == 10
    det.training_set(X, np.zeros(200, dtype=int), rng)
    assert not det.supervised_
    y = -np.ones(200, dtype=int)
    y[:7] = 1
    X_tr, lab = det.training_set(X, y, rng)
    assert det.supervised_ and lab.sum() == 7 + det.n_pseudo_anomalies_
    np.testing.assert_array_equal(X_tr[:7], X[:7])  # real anomalies kept, labeled 1
    det.set_params(supervised_synthetic=False)
    X_tr, lab = det.training_set(X, y, rng)
    assert lab.sum() == 7 and len(X_tr) == 200


def test_bad_parameters_rejected() -> None:
    with pytest.raises(ValueError, match="w must lie"):
        AnoRand(w=1.5, epochs=1).fit(_data())
    with pytest.raises(ValueError, match="concat"):
        AnoRand(concat="both", epochs=1).fit(_data())


def _labeled(n: int = 300, n_anomalies: int = 30) -> tuple[np.ndarray, np.ndarray]:
    X = _data(n)
    y = np.zeros(n, dtype=int)
    y[:n_anomalies] = 1
    X[:n_anomalies] += 0.5
    return X, y


def test_validation_fraction_keeps_the_best_epoch_on_held_out_rows() -> None:
    from sklearn.metrics import average_precision_score

    X, y = _labeled()
    det = AnoRand(preset="paper", epochs=6, lr=1e-3, validation_fraction=0.3, random_state=0).fit(
        X, y
    )
    held = det.validation_rows_
    assert len(held) == 90 and y[held].sum() == 9  # stratified share of the real rows
    # the held-out rows never train: pseudo-anomalies are 5 % of the remaining normal rows
    assert det.n_pseudo_anomalies_ == int(np.ceil(0.05 * (300 - 90 - 21)))
    monitor = det.history_.monitor
    assert len(monitor) == 6 and det.history_.best_epoch == int(np.argmin(monitor))
    ae, nd = det.block_scores(X[held])
    restored = -average_precision_score(y[held], fuse(ae, nd, fit_alpha(ae, nd)[2]))
    assert restored == pytest.approx(min(monitor))
    unsupervised = AnoRand(epochs=3, validation_fraction=0.2, random_state=0).fit(X)
    assert len(unsupervised.history_.monitor) == 3 and len(unsupervised.validation_rows_) == 60


def test_validation_fraction_needs_a_labeled_anomaly_on_both_sides() -> None:
    X, y = _labeled(n_anomalies=2)
    with pytest.raises(ValueError, match="no labeled anomaly"):
        AnoRand(epochs=1, validation_fraction=0.2, random_state=0).fit(X, y)
    with pytest.raises(ValueError, match="validation_fraction must lie"):
        AnoRand(epochs=1, validation_fraction=1.0).fit(X, y)
