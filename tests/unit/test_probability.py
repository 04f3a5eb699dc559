"""predict_proba's two rules (anomalab.probability): PyOD's linear min-max and Kriegel et al.'s
Gaussian unification, against the training scores."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from anomalab.probability import METHODS, anomaly_probability

TRAIN = np.array([0.0, 1.0, 2.0, 3.0, 4.0])


def test_linear_is_the_clipped_min_max_of_the_training_scores() -> None:
    proba = anomaly_probability(np.array([-1.0, 0.0, 1.0, 4.0, 9.0]), TRAIN, "linear")
    np.testing.assert_allclose(proba[:, 1], [0.0, 0.0, 0.25, 1.0, 1.0])


def test_unify_is_zero_up_to_the_training_mean_and_erf_above() -> None:
    sigma = TRAIN.std()
    proba = anomaly_probability(np.array([0.0, 2.0, 2.0 + sigma * np.sqrt(2.0)]), TRAIN, "unify")
    np.testing.assert_allclose(proba[:, 1], [0.0, 0.0, 0.8427007929497149])


def test_constant_training_scores_do_not_divide_by_zero() -> None:
    flat = np.ones(4)
    for method in METHODS:
        proba = anomaly_probability(np.array([0.0, 1.0, 3.0]), flat, method)
        assert np.isfinite(proba).all()


def test_an_unknown_rule_is_named() -> None:
    with pytest.raises(ValueError, match="unknown predict_proba method 'softmax'"):
        anomaly_probability(TRAIN, TRAIN, "softmax")


finite = st.floats(-1e6, 1e6, allow_nan=False)


@given(scores=arrays(np.float64, 7, elements=finite), train=arrays(np.float64, 5, elements=finite))
def test_columns_are_probabilities_and_monotone_in_the_score(scores, train) -> None:
    for method in METHODS:
        proba = anomaly_probability(scores, train, method)
        assert ((proba >= 0) & (proba <= 1)).all()
        np.testing.assert_allclose(proba.sum(axis=1), 1.0)
        order = np.argsort(scores, kind="stable")
        assert (np.diff(proba[order, 1]) >= -1e-12).all()
