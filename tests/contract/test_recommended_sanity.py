"""Every registered detector, with its recommended preset and nothing else set, ranks real test
anomalies above normals by a clear margin (the test that would have caught SG-AE's inversion).

Tabular detectors run on ADBench's thyroid (3,772 x 6, development half: the dataset where SG-AE's
paper preset ranked test anomalies at AUC 0.28-0.32, an inversion) under the protocol of their
supervision: unsupervised (contaminated training part), one-class (normal rows only) or
semi-supervised (5 % of the training anomalies labeled). A detector that reads labels must also
beat itself trained on the same rows with the labels permuted, on cardio (1,831 x 21), where the
unlabeled ranking leaves room for labels. Image detectors run on MNIST, digit 0 normal, on a
subsample (their ``budget="cpu"``: a compute budget, not a preset)."""

from __future__ import annotations

from functools import cache

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from anomalab.data import load_dataset, make_task
from anomalab.registry import DetectorSpec, detector_specs

#: The small real dataset every tabular detector is checked on.
DATASET = "thyroid"
#: Where label readers are checked against permuted labels: on thyroid the unlabeled ranking is
#: already near perfect (AnoRand 0.94), which leaves labels nothing to show; on cardio it is not.
LABEL_DATASET = "cardio"
#: AUC-ROC every recommended preset must reach on its cells (a coin gets 0.5).
MIN_AUC = 0.7
#: Recommended presets measured below MIN_AUC on DATASET (seed 0), kept as strict expected
#: failures so that the shortfall stays visible and a fix shows up as an XPASS.
KNOWN_SHORTFALLS: dict[str, str] = {}
#: How much better than the same detector trained on permuted labels a label reader must be.
LABEL_MARGIN = 0.05

PROTOCOLS = {
    "unsupervised": ("unsupervised", {}),
    "one-class": ("one_class", {}),
    "semi-supervised": ("semi_supervised", {"ratio": 0.05}),
    "supervised": ("semi_supervised", {"ratio": 0.05}),
}


@cache
def tabular_task(supervision: str, dataset: str = DATASET):  # type: ignore[no-untyped-def]
    protocol, params = PROTOCOLS[supervision]
    return make_task(load_dataset(dataset), protocol, seed=0, **params)


@cache
def image_task() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """MNIST digit 0 normal: 600 of its training images, 600 test images of every digit."""
    task = make_task(load_dataset("mnist-images"), "image_one_class", seed=0, normal_class=0)
    rng = np.random.default_rng(0)
    train = rng.choice(len(task.X_train), 600, replace=False)
    test = rng.choice(len(task.X_test), 600, replace=False)
    return task.X_train[train], task.X_test[test], task.y_test[test]


def _auc(spec: DetectorSpec, y_train_override: np.ndarray | None = None) -> float:
    params = {"random_state": 0}
    if "tabular" not in spec.data_kinds:
        X_train, X_test, y_test = image_task()
        det = spec.cls(budget="cpu", **params).fit(X_train)
        return float(roc_auc_score(y_test, det.decision_function(X_test)))
    task = tabular_task(spec.supervision)
    y = task.y_train if y_train_override is None else y_train_override
    det = spec.cls(**params).fit(task.X_train, y)
    return float(roc_auc_score(task.y_test, det.decision_function(task.X_test)))


SPECS = detector_specs()


def _marked(spec: DetectorSpec):  # type: ignore[no-untyped-def]
    reason = KNOWN_SHORTFALLS.get(spec.name)
    marks = [pytest.mark.xfail(reason=reason, strict=True)] if reason else []
    return pytest.param(spec, id=spec.name, marks=marks)


@pytest.mark.parametrize("spec", [_marked(s) for s in SPECS])
def test_recommended_preset_ranks_real_anomalies_higher(spec: DetectorSpec) -> None:
    assert spec.cls().get_params()["preset"] == "recommended"
    auc = _auc(spec)
    print(f"{spec.name} recommended: AUC-ROC {auc:.3f}")
    assert auc > MIN_AUC


@pytest.mark.parametrize("name", ["SGAE", "PLAD"])
def test_the_check_fails_the_inverted_paper_presets(name: str) -> None:
    """The paper presets of SG-AE and PLAD rank thyroid's anomalies below its normals: the check
    above must catch them."""
    spec = next(s for s in SPECS if s.name == name)
    task = tabular_task(spec.supervision)
    det = spec.cls(preset="paper", random_state=0).fit(task.X_train, task.y_train)
    auc = float(roc_auc_score(task.y_test, det.decision_function(task.X_test)))
    print(f"{name} paper: AUC-ROC {auc:.3f}")
    assert auc < MIN_AUC


LABEL_READERS = [s for s in SPECS if s.supervision in ("semi-supervised", "supervised")] + [
    s for s in SPECS if s.name == "AnoRand"
]


@pytest.mark.parametrize("spec", LABEL_READERS, ids=[s.name for s in LABEL_READERS])
def test_labels_help_beyond_permuted_labels(spec: DetectorSpec) -> None:
    task = tabular_task("semi-supervised", LABEL_DATASET)
    permuted = np.random.default_rng(0).permutation(task.y_train)
    real = _auc_with_labels(spec, task.y_train)
    shuffled = _auc_with_labels(spec, permuted)
    print(
        f"{spec.name} recommended, 5 % labeled: AUC-ROC {real:.3f}; permuted labels {shuffled:.3f}"
    )
    assert real > shuffled + LABEL_MARGIN


def _auc_with_labels(spec: DetectorSpec, y: np.ndarray) -> float:
    task = tabular_task("semi-supervised", LABEL_DATASET)
    det = spec.cls(random_state=0).fit(task.X_train, y)
    return float(roc_auc_score(task.y_test, det.decision_function(task.X_test)))
