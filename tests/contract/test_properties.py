"""Property-based tests (hypothesis) over every registered tabular detector.

Small tables of generated shapes and values: a fit either works, with finite training scores, or
raises a documented error; scores of new rows are finite and do not depend on the scoring batch
size or on the order of the rows.
"""

from __future__ import annotations

import re
import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from anomalab.base import BaseDetector
from anomalab.health import DegenerateScoresWarning
from anomalab.registry import DetectorSpec, detector_specs

TABULAR = detector_specs(data_kind="tabular")
TINY = {"epochs": 2, "steps_per_epoch": 2, "inner_epochs": 1, "batch_size": 16}
SETTINGS = settings(
    max_examples=8,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
#: The errors a fit on finite, in-range data may raise (training that diverges).
DIVERGED = r"training diverged|non-finite training loss"


def make(spec: DetectorSpec) -> BaseDetector:
    params: dict[str, Any] = {**spec.fast_params, "random_state": 0}
    params.update({k: v for k, v in TINY.items() if k in spec.fast_params or k == "epochs"})
    return spec.cls(**params)


@st.composite
def tables(draw: st.DrawFn, *, finite: bool = True) -> np.ndarray:
    """A small (n, d) table; values of one scale, with repeats and constant columns likely."""
    n = draw(st.integers(2, 40))
    d = draw(st.integers(1, 6))
    scale = draw(st.sampled_from([1e-3, 1.0, 1e3, 1e6]))
    values = st.floats(-1.0, 1.0, allow_nan=False, width=32)
    if not finite:
        values = st.one_of(values, st.sampled_from([np.nan, np.inf, -np.inf, 1e39, -1e300]))
    X = draw(hnp.arrays(np.float64, (n, d), elements=values))
    with np.errstate(over="ignore", invalid="ignore"):
        return X * scale


@st.composite
def labeled(draw: st.DrawFn, X: np.ndarray) -> np.ndarray:
    """Labels in {-1, 0, 1} with at least one labeled anomaly and one other row."""
    y = np.array(draw(st.lists(st.sampled_from([-1, 0, 0, 1]), min_size=len(X), max_size=len(X))))
    y[0], y[-1] = 1, 0
    return y


def labels_for(spec: DetectorSpec, data: st.DataObject, X: np.ndarray) -> np.ndarray | None:
    if spec.supervision in ("semi-supervised", "supervised"):
        return data.draw(labeled(X))
    return None


def close(a: np.ndarray, b: np.ndarray) -> None:
    scale = max(1.0, float(np.abs(b).max()))
    np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * scale)


each = pytest.mark.parametrize("spec", TABULAR, ids=[s.name for s in TABULAR])


@each
@SETTINGS
@given(data=st.data())
def test_finite_data_fits_and_scores_do_not_depend_on_batch_or_order(
    spec: DetectorSpec, data: st.DataObject
) -> None:
    X = data.draw(tables())
    # identical training rows leave the fitted statistics degenerate (zero spreads; DAGMM's
    # relative distance of the all-zero standardised row): scores there are float32 noise
    assume(len(np.unique(X, axis=0)) > 1)
    y = labels_for(spec, data, X)
    det = make(spec)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateScoresWarning)  # e.g. all rows nearly equal
        try:
            det.fit(X, y)
        except FloatingPointError as err:
            assert re.search(DIVERGED, str(err)), err
            return
    assert det.decision_scores_.shape == (len(X),)
    assert np.isfinite(det.decision_scores_).all() and np.isfinite(det.threshold_)
    # new rows inside the training range of every feature
    where = data.draw(hnp.arrays(np.float64, (7, X.shape[1]), elements=st.floats(0, 1)))
    low, high = X.min(axis=0), X.max(axis=0)
    new = np.clip(low + where * (high - low), low, high)
    scores = det.decision_function(new)
    assert scores.shape == (7,) and np.isfinite(scores).all()
    order = np.random.default_rng(0).permutation(len(new))
    close(det.decision_function(new[order]), scores[order])
    det.score_batch_size = data.draw(st.integers(1, 6))
    close(det.decision_function(new), scores)


def expected_error(X: np.ndarray) -> tuple[type[Exception], str] | None:
    """The documented error for ``X``: NaN / infinity, then values beyond float32; None where
    the values are fine (training may still diverge: ``FloatingPointError``)."""
    if not np.isfinite(X).all():
        return ValueError, "NaN or infinity"
    if (np.abs(X) > np.finfo(np.float32).max).any():
        return ValueError, "float32 range"
    return None


@each
@SETTINGS
@given(data=st.data())
def test_any_float_input_gives_finite_scores_or_the_documented_error(
    spec: DetectorSpec, data: st.DataObject
) -> None:
    X = data.draw(tables(finite=False))
    y = labels_for(spec, data, X)
    expected = expected_error(X)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DegenerateScoresWarning)
        if expected is not None:
            with pytest.raises(expected[0], match=expected[1]):
                make(spec).fit(X, y)
            return
        try:
            det = make(spec).fit(X, y)
        except FloatingPointError as err:
            assert re.search(DIVERGED, str(err)), err
            return
    assert np.isfinite(det.decision_scores_).all()
    assert np.isfinite(det.decision_function(X)).all()
