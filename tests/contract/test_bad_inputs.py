"""A matrix of bad (and borderline) inputs, parametrized over the registry.

Each case either expects a documented error (type and words of the message) or a fit / score
that works with finite scores. ``test_contract.py::test_bad_inputs_rejected_with_clear_messages``
already covers NaN at fit, +inf at score, empty rows at fit, string objects at fit, labels
outside {-1, 0, 1}, labels of the wrong length, contamination 0.9, no labeled anomaly where one
is needed, a feature count changing between fit and score, 1-D rows at score and a wrong image
shape at score; the cases here are the rest.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import sparse

from anomalab.base import BaseDetector
from anomalab.registry import DetectorSpec, detector_specs

SPECS = detector_specs()
TINY = {"epochs": 2, "steps_per_epoch": 2, "inner_epochs": 1, "batch_size": 16}


def make(spec: DetectorSpec, **extra: Any) -> BaseDetector:
    params: dict[str, Any] = {**spec.fast_params, "random_state": 0}
    params.update({k: v for k, v in TINY.items() if k in spec.fast_params or k == "epochs"})
    return spec.cls(**{**params, **extra})


def image_only(spec: DetectorSpec) -> bool:
    return "tabular" not in spec.data_kinds


@cache
def data(kind: str) -> tuple[np.ndarray, np.ndarray]:
    """Small real data and labels with a few labeled anomalies: WBC rows, or 8x8 crops of
    MNIST ones (images)."""
    from anomalab.data import load_dataset

    if kind == "image":
        mnist = load_dataset("mnist-images")
        X = mnist.X[(mnist.y == 1) & mnist.split][:48, ..., 10:18, 10:18].astype(np.float32)
    else:
        X = load_dataset("WBC").X
    y = np.zeros(len(X), dtype=np.int64)
    y[:4] = 1
    return X, y


@cache
def fitted(name: str) -> BaseDetector:
    spec = next(s for s in SPECS if s.name == name)
    return make(spec).fit(*data("image" if image_only(spec) else "tabular"))


DEFAULT = object()


@dataclass(frozen=True)
class Ctx:
    spec: DetectorSpec
    X: np.ndarray
    y: np.ndarray

    @property
    def image(self) -> bool:
        return image_only(self.spec)

    @property
    def y_for(self) -> np.ndarray | None:
        """The labels a fit passes (None for detectors that read none)."""
        return self.y if self.spec.supervision in ("semi-supervised", "supervised") else None

    def fit(self, X: Any, y: Any = DEFAULT, **params: Any) -> BaseDetector:
        """Fit a fresh detector; ``y`` defaults to the labels the detector reads, if any."""
        return make(self.spec, **params).fit(X, self.y_for if y is DEFAULT else y)

    def score(self, X: Any) -> np.ndarray:
        return fitted(self.spec.name).decision_function(X)


def with_value(X: np.ndarray, value: float) -> np.ndarray:
    bad = X.astype(np.float64)
    bad.flat[5] = value
    return bad


def finite_scores(det_or_scores: Any, n: int) -> None:
    scores = getattr(det_or_scores, "decision_scores_", det_or_scores)
    assert scores.shape == (n,) and np.isfinite(scores).all()


@dataclass(frozen=True)
class Case:
    """``run(ctx)`` raises ``error`` matching ``match`` (None: it must succeed)."""

    name: str
    run: Callable[[Ctx], Any]
    error: type[Exception] | None = None
    match: str = ""
    when: Callable[[DetectorSpec], bool] = lambda spec: True


def tabular(spec: DetectorSpec) -> bool:
    return not image_only(spec)


def _feature_change(ctx: Ctx) -> Any:
    if ctx.image:
        return ctx.score(ctx.X[..., :-1, :-1])
    return ctx.score(np.c_[ctx.X, ctx.X[:, :1]])  # one feature more (the contract tests fewer)


def _overflowing_scores(ctx: Ctx) -> None:
    """Rows far outside the training range: finite scores or a clear ValueError."""
    try:
        scores = ctx.score(ctx.X * 1e30)
    except ValueError as err:
        assert "NaN or infinite" in str(err)
    else:
        assert np.isfinite(scores).all()


def _fit_ok(X: Callable[[Ctx], np.ndarray]) -> Callable[[Ctx], None]:
    def run(ctx: Ctx) -> None:
        rows = X(ctx)
        labels = None
        if ctx.y_for is not None:
            labels = np.zeros(len(rows), dtype=np.int64)
            labels[0] = 1
        det = ctx.fit(rows, labels)
        finite_scores(det, len(rows))
        finite_scores(det.decision_function(rows), len(rows))

    return run


def _no_anomaly_fits(ctx: Ctx) -> None:
    det = ctx.fit(ctx.X, np.zeros(len(ctx.X), dtype=np.int64))
    finite_scores(det, len(ctx.X))


NOT_2D = r"2-D \(n_samples, n_features\).*Reshape your data"
NOT_IMAGES = r"must be images \(N, H, W\) or \(N, C, H, W\)"
CASES = [
    # -------------------------------------------------------------------- values at fit
    Case("fit +inf", lambda c: c.fit(with_value(c.X, np.inf)), ValueError, "NaN or infinity"),
    Case("fit -inf", lambda c: c.fit(with_value(c.X, -np.inf)), ValueError, "NaN or infinity"),
    Case("fit beyond float32", lambda c: c.fit(with_value(c.X, 1e39)), ValueError, "float32"),
    Case("fit None", lambda c: c.fit(None), TypeError, "X is None"),
    Case("fit complex", lambda c: c.fit(c.X + 1j), ValueError, "Complex data not supported"),
    Case(
        "fit negative epochs",
        lambda c: c.fit(c.X, epochs=-1),
        ValueError,
        "epochs must be an integer >= 1, got -1",
        lambda spec: "epochs" in spec.cls._get_param_names(),
    ),
    Case(
        "fit lr as text",
        lambda c: c.fit(c.X, lr="0.1"),
        ValueError,
        "lr must be a number >= 0, got '0.1'",
        lambda spec: "lr" in spec.cls._get_param_names(),
    ),
    Case(
        "fit sparse",
        lambda c: c.fit(sparse.csr_matrix(c.X.reshape(len(c.X), -1))),
        TypeError,
        "sparse input is not supported",
    ),
    Case(
        "fit object column",
        lambda c: c.fit(pd.DataFrame(c.X).assign(extra="a")),
        TypeError,
        "must be numeric",
        tabular,
    ),
    # --------------------------------------------------------------------- shapes at fit
    Case("fit 0 features", lambda c: c.fit(c.X[:, :0]), ValueError, r"0 feature\(s\)", tabular),
    Case("fit one row", lambda c: c.fit(c.X[:1]), ValueError, r"1 sample\(s\).*minimum of 2"),
    Case("fit 1-D", lambda c: c.fit(c.X[:, 0]), ValueError, NOT_2D, tabular),
    Case(
        "fit 1-D image",
        lambda c: c.fit(c.X.reshape(len(c.X), -1)[:, 0]),
        ValueError,
        NOT_IMAGES,
        image_only,
    ),
    Case(
        "fit 3-D",
        lambda c: c.fit(c.X[:, :, None]),
        ValueError,
        NOT_2D,
        lambda s: s.data_kinds == ("tabular",),
    ),
    Case(
        "fit 5-D image",
        lambda c: c.fit(c.X.reshape(len(c.X), 1, 1, *c.X.shape[-2:])),
        ValueError,
        NOT_IMAGES,
        image_only,
    ),
    Case(
        "fit flat images without image_shape",
        lambda c: c.fit(c.X.reshape(len(c.X), -1)),
        ValueError,
        "no image_shape",
        image_only,
    ),
    # -------------------------------------------------------------------------- labels
    Case("labels NaN", lambda c: c.fit(c.X, with_value(c.y, np.nan)), ValueError, "NaN"),
    Case("labels 0.5", lambda c: c.fit(c.X, with_value(c.y, 0.5)), ValueError, "non-integer"),
    Case("labels 2-D", lambda c: c.fit(c.X, np.c_[c.y, c.y]), ValueError, r"y must be 1-D"),
    Case(
        "labels strings",
        lambda c: c.fit(c.X, np.array(["a"] * len(c.X))),
        TypeError,
        "Unknown label type",
    ),
    Case(
        "all rows labeled anomalous",
        lambda c: c.fit(c.X, np.ones(len(c.X), dtype=np.int64)),
        ValueError,
        "all .* rows of y are labeled anomalies",
    ),
    Case(
        "y None where labels are needed",
        lambda c: c.fit(c.X, None),
        ValueError,
        "requires y to be passed",
        lambda s: s.cls.requires_labeled_anomaly,
    ),
    Case(
        "no labeled anomaly where none is needed",
        _no_anomaly_fits,
        when=lambda s: not s.cls.requires_labeled_anomaly,
    ),
    # ------------------------------------------------------------------- contamination
    *[
        Case(f"contamination {v!r}", lambda c, v=v: c.fit(c.X, contamination=v), err, "contam")
        for v, err in [
            (0.0, ValueError),
            (-0.1, ValueError),
            (0.51, ValueError),
            (1.0, ValueError),
            (float("nan"), ValueError),
            ("0.1", ValueError),
            (True, TypeError),
            (None, TypeError),
        ]
    ],
    Case(
        "contamination 'auto' where undefined",
        lambda c: c.fit(c.X, contamination="auto"),
        ValueError,
        "contamination",
        lambda s: not s.cls.supports_auto_threshold,
    ),
    # ------------------------------------------------------------------------ at score
    Case("score NaN", lambda c: c.score(with_value(c.X, np.nan)), ValueError, "NaN or infinity"),
    Case("score -inf", lambda c: c.score(with_value(c.X, -np.inf)), ValueError, "NaN or infin"),
    Case("score beyond float32", lambda c: c.score(with_value(c.X, 1e39)), ValueError, "float32"),
    Case("score empty", lambda c: c.score(c.X[:0]), ValueError, "empty input"),
    Case("score more features", _feature_change, ValueError, "features, but|image shape"),
    Case("score 3-D", lambda c: c.score(c.X[:, :, None]), ValueError, NOT_2D, tabular),
    Case("score strings", lambda c: c.score(c.X.astype(str)), TypeError, "must be numeric"),
    Case("score complex", lambda c: c.score(c.X + 1j), ValueError, "Complex data"),
    Case("score far outside the training range", _overflowing_scores),
    Case("score one row", lambda c: finite_scores(c.score(c.X[:1]), 1)),
    # ------------------------------------------------------- borderline data that fits
    Case("fit two rows", _fit_ok(lambda c: c.X[:2])),
    Case("fit one feature", _fit_ok(lambda c: c.X[:, :1]), when=tabular),
    Case("fit a constant feature", _fit_ok(lambda c: np.c_[c.X, np.ones(len(c.X))]), when=tabular),
    Case("fit all rows equal", _fit_ok(lambda c: np.ones_like(c.X[:20]))),
]


def _params() -> list[Any]:
    return [
        pytest.param(spec, case, id=f"{spec.name}-{case.name}")
        for spec in SPECS
        for case in CASES
        if case.when(spec)
    ]


def cases_per_detector() -> dict[str, int]:
    """How many cases of this matrix each detector runs."""
    return {spec.name: sum(case.when(spec) for case in CASES) for spec in SPECS}


@pytest.mark.parametrize(("spec", "case"), _params())
def test_bad_input(spec: DetectorSpec, case: Case) -> None:
    X, y = data("image" if image_only(spec) else "tabular")
    ctx = Ctx(spec, X, y)
    if case.error is None:
        case.run(ctx)
        return
    with pytest.raises(case.error, match=case.match):
        case.run(ctx)
