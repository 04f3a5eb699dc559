"""PLAD (Cai & Fan 2022): the loss terms of Eq. 3 / 5 on hand-computed cases, the one-pass
classifier, the learned perturbation on real data, and the image path."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch
from sklearn.metrics import roc_auc_score

from anomalab.data import load_dataset, make_task
from anomalab.detectors.plad import (
    PLAD,
    kl_divergence,
    perturbation_size,
    plad_loss_terms,
)
from anomalab.detectors.plad_probe import (
    learned_perturbation,
    perturbation_summary,
    shared_direction,
)
from anomalab.presets import DataShape

# ----------------------------------------------------------------------------- loss terms


def test_perturbation_size_mean_and_sum_conventions() -> None:
    alpha = torch.tensor([[1.0, 3.0], [0.0, 1.0]])  # (alpha-1)^2: [0, 4], [1, 0]
    beta = torch.tensor([[1.0, 0.0], [0.0, -2.0]])  # beta^2:      [1, 0], [0, 4]
    # per sample: 0+4+1+0 = 5 and 1+0+0+4 = 5
    assert perturbation_size(alpha, beta, "sum").item() == pytest.approx(5.0)
    assert perturbation_size(alpha, beta, "mean").item() == pytest.approx(5.0 / 2)
    with pytest.raises(ValueError, match="reduction"):
        perturbation_size(alpha, beta, "max")


def test_kl_of_standard_normal_is_zero_and_hand_case() -> None:
    assert kl_divergence(torch.zeros(3, 4), torch.zeros(3, 4)).item() == pytest.approx(0.0)
    mu = torch.tensor([[1.0, 0.0]])
    logvar = torch.tensor([[0.0, math.log(2.0)]])
    # 0.5 * [(1 + 1 - 1 - 0) + (2 + 0 - 1 - ln 2)]
    expected = 0.5 * (1.0 + (1.0 - math.log(2.0)))
    assert kl_divergence(mu, logvar).item() == pytest.approx(expected)
    assert kl_divergence(None, None).item() == 0.0


def test_loss_terms_labels_normal_zero_perturbed_one() -> None:
    ones, zeros = torch.ones(4, 3), torch.zeros(4, 3)
    t = plad_loss_terms(torch.zeros(4), torch.zeros(4), ones, zeros)
    assert t.ce.item() == pytest.approx(2 * math.log(2.0))  # the inseparable value
    assert t.size.item() == 0.0 and t.kl.item() == 0.0
    good = plad_loss_terms(torch.full((4,), -20.0), torch.full((4,), 20.0), ones, zeros)
    bad = plad_loss_terms(torch.full((4,), 20.0), torch.full((4,), -20.0), ones, zeros)
    assert good.ce.item() < 1e-6 < 39.0 < bad.ce.item()
    t = plad_loss_terms(torch.zeros(4), torch.zeros(4), 2 * ones, ones, reduction="sum")
    assert t.total(lam=0.5).item() == pytest.approx(2 * math.log(2.0) + 0.5 * 6.0)


# ----------------------------------------------------------------------------- real data


@pytest.fixture(scope="module")
def thyroid_task():
    return make_task(load_dataset("thyroid"), "goad_one_class", seed=0)


def test_goad_split_and_scaling(thyroid_task) -> None:
    t = thyroid_task
    assert (len(t.X_train), len(t.X_test), int(t.y_test.sum())) == (1839, 1840 + 93, 93)
    assert not set(t.train_index) & set(t.test_index)
    np.testing.assert_allclose(t.X_train.mean(axis=0), 0.0, atol=1e-9)
    arr = make_task(load_dataset("arrhythmia"), "goad_one_class", seed=3)
    assert (len(arr.X_train), len(arr.y_test), int(arr.y_test.sum())) == (193, 193 + 66, 66)
    np.testing.assert_array_equal(
        arr.train_index, make_task("arrhythmia", "goad_one_class", seed=0).train_index
    )


def test_drocc_split_balanced_test_and_its_f1_rule() -> None:
    ds = load_dataset("thyroid")
    task = make_task(ds, "drocc_one_class", seed=1)
    n_anom = int(ds.y.sum())
    assert task.y_test.sum() == n_anom and (task.y_test == 0).sum() == n_anom
    assert not set(task.train_index) & set(task.test_index)
    assert len(task.train_index) + len(task.test_index) == len(ds.X)
    assert task.y_train_true.sum() == 0 and task.f1_rule == "normal_at_p20"
    other = make_task(ds, "drocc_one_class", seed=2)
    assert not np.array_equal(task.test_index, other.test_index)  # the normals drawn per seed
    assert make_task(ds, "goad_one_class", seed=1).f1_rule == "anomaly_at_rate"


def test_runner_stores_the_f1_of_the_protocols_rule() -> None:
    from anomalab.bench.runner import Cell, make_entrant, run_cell
    from anomalab.metrics import f1_by_rule

    cell = Cell("IForest", "thyroid", "drocc_one_class", 0)
    row = run_cell(cell)
    assert row["status"] == "ok", row.get("error")
    task = make_task("thyroid", "drocc_one_class", seed=0)
    scores = make_entrant("IForest", {}, 0).fit(task.X_train).decision_function(task.X_test)
    assert row["f1"] == pytest.approx(f1_by_rule(task.y_test, scores, "normal_at_p20"))
    assert row["f1"] != pytest.approx(f1_by_rule(task.y_test, scores, "anomaly_at_rate"))


def test_goad_holdout_halves_are_complementary(thyroid_task) -> None:
    dev = make_task("thyroid", "goad_one_class", seed=2, holdout="dev")
    final = make_task("thyroid", "goad_one_class", seed=2, holdout="final")
    assert not set(dev.test_index) & set(final.test_index)
    assert set(dev.test_index) | set(final.test_index) == set(thyroid_task.test_index)
    assert abs(int(dev.y_test.sum()) - int(final.y_test.sum())) <= 1
    np.testing.assert_array_equal(dev.X_train, thyroid_task.X_train)


def test_classifier_separates_perturbed_from_normal_and_perturbation_is_small(
    thyroid_task,
) -> None:
    """The issue's test: on thyroid's training normals (faithful defaults, lambda = 3, 15 epochs)
    the classifier tells perturbed from normal data apart, and the perturbation is small."""
    X = thyroid_task.X_train
    det = PLAD(preset="paper", lam=3.0, epochs=15, random_state=0).fit(X)
    probe = learned_perturbation(det, X)
    Xt, X_tilde = det.perturb(X, seed=0)
    np.testing.assert_array_equal(probe.X_tilde, X_tilde)
    np.testing.assert_array_equal(probe.p_normal, det.decision_function(X))
    with torch.no_grad():
        logits = det.model_(torch.tensor(X_tilde, dtype=torch.float32)).double()
    np.testing.assert_allclose(probe.p_perturbed, torch.sigmoid(logits).numpy())
    y = np.r_[np.zeros(len(X)), np.ones(len(X))]
    assert probe.separation == roc_auc_score(y, np.r_[probe.p_normal, probe.p_perturbed])
    summary = perturbation_summary(det, X)
    print(
        f"PLAD thyroid: AUC(normal vs perturbed) {summary['auc']:.3f}; perturbation size: median "
        f"||x~ - x|| / ||x|| {summary['relative_size']:.3f}, mean ||x~ - x|| {summary['size']:.3f} "
        f"vs mean distance between two normal points {summary['pair_distance']:.3f}"
    )
    assert summary["auc"] > 0.95 and summary["n_train"] == len(X)
    assert summary["p_perturbed"] > 0.5 > summary["p_normal"]  # score = P(abnormal)
    assert summary["relative_size"] < 0.5
    assert summary["size"] < 0.5 * summary["pair_distance"]
    assert len(summary["shift_mean"]) == X.shape[1] and summary["spread"] > 0


def test_one_classifier_pass_with_both_groups() -> None:
    rng = np.random.default_rng(0)
    det = PLAD(preset="paper", epochs=1, random_state=0).fit(rng.normal(size=(64, 5)))
    calls: list[int] = []
    hook = det.model_.classifier.register_forward_hook(lambda m, i, o: calls.append(len(i[0])))
    det.model_.train()
    det.loss_terms(torch.zeros(8, 5))
    hook.remove()
    assert calls == [16]


def test_deterministic_perturbator_has_no_kl_and_fits() -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 4))
    det = PLAD(perturbator="deterministic", epochs=2, random_state=0).fit(X)
    assert det.loss_terms(torch.tensor(X[:8], dtype=torch.float32)).kl.item() == 0.0
    with pytest.raises(ValueError, match="perturbator"):
        PLAD(perturbator="gan").fit(X)
    with pytest.raises(ValueError, match="preset"):
        PLAD(preset="gpu").fit(X)
    with pytest.raises(ValueError, match="budget='cpu'"):  # the budget is its own parameter
        PLAD(preset="cpu").fit(X)
    with pytest.raises(ValueError, match="budget"):
        PLAD(budget="gpu").fit(X)


# ----------------------------------------------------------------------------- images


@pytest.fixture(scope="module")
def mnist_small():
    data = load_dataset("mnist-images")
    rng = np.random.default_rng(0)
    train = np.flatnonzero(data.split & (data.y == 0))
    test = np.flatnonzero(~data.split)
    train = rng.choice(train, 300, replace=False)
    test = rng.choice(test, 300, replace=False)
    return data.X[train], data.X[test], (data.y[test] != 0).astype(int)


def test_image_path_lenet_fits_scores_and_checks_shapes(mnist_small, tmp_path) -> None:
    X_train, X_test, y_test = mnist_small
    det = PLAD(budget="cpu", epochs=2, vae_hidden=64, vae_latent=16, random_state=0)
    det.fit(X_train)
    assert det.input_shape_ == (1, 28, 28) and det.n_features_in_ == 784
    assert isinstance(det.model_.classifier[0][0], torch.nn.Conv2d)
    scores = det.decision_function(X_test)
    assert scores.shape == (300,) and np.all((scores >= 0) & (scores <= 1))
    print(f"PLAD MNIST digit 0, 2 epochs: AUC {roc_auc_score(y_test, scores):.3f}")
    np.testing.assert_array_equal(det.decision_function(X_test.reshape(300, -1)), scores)
    np.testing.assert_array_equal(det.decision_function(X_test[:, 0]), scores)
    with pytest.raises(ValueError, match="image shape mismatch"):
        det.decision_function(X_test[..., :-2, :-2])
    det.save(tmp_path / "m")
    import anomalab

    np.testing.assert_array_equal(anomalab.load(tmp_path / "m").decision_function(X_test), scores)
    probe = shared_direction(det, X_train, X_test, y_test)  # the image probe's measurements
    assert probe["test_auc"] == roc_auc_score(y_test, scores)
    assert (
        0.0 <= probe["train_separation_auc"] <= 1.0 and -1.0 <= probe["spearman_score_vs_u"] <= 1.0
    )
    assert -1.0 <= probe["median_cos_to_mean_shift"] <= 1.0 and probe["median_relative_size"] > 0
    flat = PLAD(budget="cpu", epochs=1, image_shape=(1, 28, 28), vae_hidden=32, random_state=0)
    assert flat.fit(X_train.reshape(300, -1)).input_shape_ == (1, 28, 28)


def test_multiclass_normal_protocol() -> None:
    data = load_dataset("mnist-images")
    task = make_task(data, "image_multiclass_normal", seed=0, n_train=200, n_anomalies=50)
    n_test = int((~data.split).sum())
    assert task.X_train.shape == (200, 1, 28, 28)
    assert len(np.unique(data.y[task.train_index])) == 10
    assert task.X_test.shape[0] == n_test + 50 and task.y_test.sum() == 50
    pairs = task.meta["pair_index"]
    np.testing.assert_allclose(
        task.X_test[n_test], (data.X[pairs[0, 0]] + data.X[pairs[0, 1]]) / 2, atol=1e-6
    )
    again = make_task(data, "image_multiclass_normal", seed=0, n_train=200, n_anomalies=50)
    np.testing.assert_array_equal(again.X_test, task.X_test)


def test_validation_split_of_training_normals_selects_an_epoch() -> None:
    rng = np.random.default_rng(1)
    det = PLAD(preset="paper", epochs=3, validation_fraction=0.25, random_state=0)
    det.fit(rng.normal(size=(80, 4)))
    assert len(det.history_.monitor) == 3
    assert det.history_.best_epoch == int(np.argmin(det.history_.monitor))


def test_recommended_image_rules_are_the_papers_for_one_epoch(mnist_small) -> None:
    """Images (image revision 2, suite plad-images-dev's decision): the paper's perturbations and
    lambda, trained for one epoch; an explicit ``epochs`` still wins; tabular data keep their
    rules and the budget's epochs."""
    X_train, _, _ = mnist_small
    small = {"budget": "cpu", "vae_hidden": 16, "vae_latent": 4, "random_state": 0}
    rec = PLAD(**small).fit(X_train)
    assert (rec.hp_.mirror, rec.hp_.random_signs, rec.hp_.lam, rec.hp_.min_steps) == (
        False,
        False,
        1.0,
        0,
    )
    assert rec.hp_.epochs == 1 and rec.history_.epochs_run == 1
    assert PLAD(**small, epochs=2).fit(X_train).history_.epochs_run == 2
    paper = PLAD(preset="paper", **small).fit(X_train)
    assert paper.hp_.epochs is None and paper.history_.epochs_run == 20  # the cpu budget's
    tabular = PLAD().recommended_params(DataShape(64, 3, (3,)))
    assert tabular == {
        "lam": 10.0,
        "mirror": True,
        "random_signs": True,
        "min_steps": 2000,
        "epochs": None,
    }
    assert PLAD.recommended_image_revision == 2 and PLAD.recommended_revision == 1
