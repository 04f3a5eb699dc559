"""NovNorm: loss terms on hand-computed cases, the normalization in the gradient, stored S_min /
S_max at test time, and the image input shapes."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from anomalab import NovNorm, load
from anomalab.data.preprocess import global_contrast_normalization
from anomalab.detectors.novnorm import (
    combined_score,
    l0_count,
    l0_surrogate,
    minmax_normalize,
    reconstruction_error,
)

TINY = {"epochs": 2, "batch_size": 16, "random_state": 0}


def _images(n: int, c: int = 1, size: int = 28, seed: int = 0) -> np.ndarray:
    """Smooth blobs (normal) in [0, 1]."""
    rng = np.random.default_rng(seed)
    grid = np.linspace(-1, 1, size)
    xx, yy = np.meshgrid(grid, grid)
    centres = rng.uniform(-0.3, 0.3, size=(n, 2))
    blobs = np.exp(-((xx - centres[:, :1, None]) ** 2 + (yy - centres[:, 1:, None]) ** 2) / 0.1)
    return np.repeat(blobs[:, None], c, axis=1).astype(np.float32)


# ----------------------------------------------------------------------------- loss terms
def test_reconstruction_error_reductions() -> None:
    x = torch.zeros(2, 1, 2, 2)
    x_hat = torch.tensor([[[[1.0, 1.0], [1.0, 1.0]]], [[[2.0, 0.0], [0.0, 0.0]]]])
    assert torch.allclose(reconstruction_error(x, x_hat, "mean"), torch.tensor([1.0, 1.0]))
    assert torch.allclose(reconstruction_error(x, x_hat, "sum"), torch.tensor([4.0, 4.0]))
    assert torch.allclose(reconstruction_error(x, x_hat, "l2"), torch.tensor([2.0, 2.0]))
    with pytest.raises(ValueError, match="recon_reduction"):
        reconstruction_error(x, x_hat, "max")


def test_combined_score_eq7() -> None:
    r, ns = torch.tensor([0.2, 0.4]), torch.tensor([1.0, 0.0])
    assert torch.allclose(combined_score(r, ns, 0.5), torch.tensor([0.6, 0.2]))
    assert torch.allclose(combined_score(r, ns, 0.25), torch.tensor([0.4, 0.3]))
    assert combined_score(r, None, 0.5) is r


def test_minmax_values_and_gradient_through_batch_extremes() -> None:
    """S = [0, 1, 3]: Reg = [0, 1/3, 1]. L = mean Reg. Hand-computed gradients:
    with the extremes in the graph dL/dS = [-2/27, 1/9, -1/27]; detached, 1/(B (max - min)) = 1/9
    for every sample (a plain mean rescaled per batch)."""
    s = torch.tensor([0.0, 1.0, 3.0], requires_grad=True)
    reg, s_min, s_max = minmax_normalize(s, eps=0.0)
    assert torch.allclose(reg, torch.tensor([0.0, 1 / 3, 1.0]))
    assert (float(s_min.detach()), float(s_max.detach())) == (0.0, 3.0)
    reg.mean().backward()
    assert torch.allclose(s.grad, torch.tensor([-2 / 27, 1 / 9, -1 / 27]))

    s2 = torch.tensor([0.0, 1.0, 3.0], requires_grad=True)
    reg2, _, _ = minmax_normalize(s2, detach=True, eps=0.0)
    reg2.mean().backward()
    assert torch.allclose(s2.grad, torch.full((3,), 1 / 9))


def test_minmax_is_shift_and_scale_invariant_and_safe_for_ties() -> None:
    s = torch.tensor([0.5, 0.7, 1.3])
    assert torch.allclose(minmax_normalize(3 * s + 2)[0], minmax_normalize(s)[0], atol=1e-6)
    flat, _, _ = minmax_normalize(torch.ones(4))
    assert torch.equal(flat, torch.zeros(4))


def test_l0_count_counts_entries_at_least_1e_10_without_gradient() -> None:
    w = torch.tensor([0.0, 1e-11, 1e-10, -0.5, 2.0], requires_grad=True)
    b = torch.tensor([0.0, -3.0], requires_grad=True)
    count = l0_count([w, b])
    assert float(count) == 4.0
    assert not count.requires_grad  # Eq. (3) as realised in the paper carries no gradient


def test_l0_surrogate_is_differentiable_and_counts_large_weights() -> None:
    w = torch.tensor([0.0, 10.0, -10.0], requires_grad=True)
    value = l0_surrogate([w], sigma=1e-2)
    assert float(value.detach()) == pytest.approx(2.0)
    small = torch.tensor([0.01], requires_grad=True)
    l0_surrogate([small], sigma=1e-2).backward()
    assert float(small.grad) > 0  # minus sign in the loss: pushes weights away from 0


# ------------------------------------------------------------------- detector-level loss
def _fitted(**params: object) -> tuple[NovNorm, np.ndarray]:
    X = _images(64)
    return NovNorm(**{**TINY, **params}).fit(X), X


def _grads(det: NovNorm, x: torch.Tensor) -> list[torch.Tensor]:
    det.model_.train()
    det.model_.zero_grad()
    det._epoch_stats = []
    det._loss((x,)).backward()
    return [p.grad.clone() for p in det.model_.parameters()]


def test_batch_normalization_enters_the_gradient_unless_detached() -> None:
    """detach_minmax=True: grad(loss) == grad(mean S) / (S_max - S_min + eps) with the batch
    extremes as constants. Default (no detach): the extremes are in the graph, so it differs."""
    det, X = _fitted()
    x = torch.tensor(X[:16])
    det.model_.train()  # the loss sees batch statistics in BatchNorm
    s = det.raw_score_tensor(x).detach()
    scale = float(s.max() - s.min()) + det.eps

    det.set_params(detach_minmax=True, lambda2=0.0)
    detached = _grads(det, x)
    det.model_.zero_grad()
    det.raw_score_tensor(x).mean().backward()
    plain = [p.grad.clone() / scale for p in det.model_.parameters()]
    for g, ref in zip(detached, plain, strict=True):
        assert torch.allclose(g, ref, rtol=1e-4, atol=1e-7)

    det.set_params(detach_minmax=False)
    through = _grads(det, x)
    diff = max(float((g - d).abs().max()) for g, d in zip(through, detached, strict=True))
    assert diff > 1e-4


def test_loss_modes_and_l0_count_offset() -> None:
    det, X = _fitted()
    x = torch.tensor(X[:16])
    det.model_.eval()
    det._epoch_stats = []
    with torch.no_grad():
        s = det.raw_score_tensor(x)
        reg = (s - s.min()) / (s.max() - s.min() + det.eps)
        count = float(l0_count(det.model_.scorer.parameters()))
        assert count == sum(p.numel() for p in det.model_.scorer.parameters())  # 545: 32-16-1
        expected = {
            "minmax": reg.mean() - 1e-5 * count,
            "none": s.mean() - 1e-5 * count,
            "minmax+raw": reg.mean() + s.mean() - 1e-5 * count,
        }
        for mode, value in expected.items():
            det.set_params(normalization=mode)
            assert float(det._loss((x,))) == pytest.approx(float(value), rel=1e-5)
        det.set_params(normalization="minmax", l0="none")
        assert float(det._loss((x,))) == pytest.approx(float(reg.mean()), rel=1e-5)


def test_stored_extremes_leave_test_auc_unchanged_and_persist(tmp_path) -> None:
    det, X = _fitted()
    X_test = _images(60, seed=9)
    X_test[40:, :, 4:16, 4:16] = 1.0  # anomalies: a bright square pasted in
    y_test = np.r_[np.zeros(40), np.ones(20)]
    scores = det.decision_function(X_test)
    with torch.no_grad():
        det.model_.eval()
        raw = det.raw_score_tensor(torch.tensor(X_test)).double().numpy()
    assert det.s_min_ < det.s_max_
    np.testing.assert_allclose(
        scores, (raw - det.s_min_) / (det.s_max_ - det.s_min_ + det.eps), rtol=1e-4, atol=1e-4
    )
    assert roc_auc_score(y_test, scores) == roc_auc_score(y_test, raw)
    # scores are computed one sample at a time from stored constants: batch-independent
    np.testing.assert_allclose(det.decision_function(X_test[:7]), scores[:7], rtol=1e-6)
    det.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert (again.s_min_, again.s_max_) == (det.s_min_, det.s_max_)
    np.testing.assert_array_equal(again.decision_function(X_test), scores)


def test_last_epoch_stats_and_ablation_variants() -> None:
    det, _ = _fitted(stats="last_epoch")
    assert det.s_min_ < det.s_max_
    ae, _ = _fitted(use_ns=False, normalization="none")
    assert ae.model_.scorer is None
    assert float(ae._l0_term()) == 0.0


def test_bad_options_rejected() -> None:
    X = _images(32)
    for bad in (
        {"normalization": "zscore"},
        {"l0": "l1"},
        {"stats": "x"},
        {"preset": "gpu"},
        {"preset": "cpu"},
        {"budget": "gpu"},
        {"preprocessing": "zca"},
    ):
        with pytest.raises(ValueError):
            NovNorm(**{**TINY, **bad}).fit(X)
    with pytest.raises(ValueError, match="divisible"):
        NovNorm(**TINY).fit(_images(32, size=30))


def test_gcn_minmax_preprocessing_spans_unit_range_on_training_images(tmp_path) -> None:
    X = _images(64)
    X[::2] *= 0.5  # contrasts differ: GCN equalises them
    original = X.copy()
    det = NovNorm(**TINY, preprocessing="gcn_minmax").fit(X)
    np.testing.assert_array_equal(X, original)  # the caller's array is not touched
    gcn = global_contrast_normalization(X).reshape(64, -1)
    np.testing.assert_allclose(gcn.mean(axis=1), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.abs(gcn).mean(axis=1), 1.0, rtol=1e-9)
    # the half-contrast images are identical to their full-contrast twins after GCN
    np.testing.assert_allclose(gcn[0], global_contrast_normalization(original[:1] * 2)[0].ravel())
    assert det.pixel_min_ < 0.0 < det.pixel_max_
    seen = det._transform(X)
    assert seen.dtype == np.float32
    assert seen.min() == pytest.approx(0.0, abs=1e-6) and seen.max() == pytest.approx(1.0)
    det.save(tmp_path / "m")
    again = load(tmp_path / "m")
    assert (again.pixel_min_, again.pixel_max_) == (det.pixel_min_, det.pixel_max_)
    np.testing.assert_array_equal(again.decision_function(X), det.decision_function(X))
    plain = NovNorm(**TINY).fit(X)
    assert plain._transform(X) is X and (plain.pixel_min_, plain.pixel_max_) == (0.0, 1.0)


# ------------------------------------------------------------------------ shapes / presets
def test_input_shapes_nhw_nchw_and_flattened_agree() -> None:
    X = _images(48)
    a = NovNorm(**TINY).fit(X[:, 0]).decision_function(X[:, 0])
    b = NovNorm(**TINY).fit(X).decision_function(X)
    c = NovNorm(**TINY, image_shape=(1, 28, 28)).fit(X.reshape(48, -1))
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c.decision_function(X.reshape(48, -1)), b)
    with pytest.raises(ValueError, match="image_shape"):
        NovNorm(**TINY).fit(X.reshape(48, -1))


@pytest.mark.parametrize(
    ("shape", "budget", "widths", "latent", "n_ns_linear"),
    [
        ((1, 28, 28), "full", [8, 4], 32, 2),
        ((3, 32, 32), "full", [32, 64, 128], 64, 3),
        ((3, 32, 32), "cpu", [16, 32, 64], 64, 3),
    ],
)
def test_architecture_by_image_kind(shape, budget, widths, latent, n_ns_linear) -> None:
    det = NovNorm(preset="paper", budget=budget, **TINY)
    det.input_shape_ = shape
    assert det.architecture()[:2] == (widths, latent)
    net = det._build_model()
    convs = [m for m in net.encoder if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == len(widths) and all(m.kernel_size == (5, 5) for m in convs)
    assert all(m.padding == (2, 2) for m in convs)
    assert sum(isinstance(m, torch.nn.ConvTranspose2d) for m in net.decoder) == len(widths)
    assert sum(isinstance(m, torch.nn.Linear) for m in net.scorer) == n_ns_linear
    x = torch.rand(4, *shape)
    net.eval()
    x_hat, ns = net(x)
    assert net.encoder(x).shape == (4, latent)
    assert x_hat.shape == x.shape and ns.shape == (4,)
    assert bool(((ns >= 0) & (ns <= 1)).all())


def test_budgets_set_epochs_and_step_decay() -> None:
    det = NovNorm(budget="cpu", epochs=3, batch_size=16, random_state=0).fit(_images(40))
    assert det.history_.epochs_run == 3
    assert NovNorm(budget="full").get_params()["epochs"] is None  # filled from the budget (100)
