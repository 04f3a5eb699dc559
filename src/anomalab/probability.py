"""Anomaly scores as probabilities, against a detector's training scores (PyOD's
``predict_proba``): what :meth:`anomalab.base.BaseDetector.predict_proba` returns."""

from __future__ import annotations

import numpy as np

METHODS = ("linear", "unify")


def anomaly_probability(scores: np.ndarray, train: np.ndarray, method: str) -> np.ndarray:
    """Columns [P(normal), P(anomaly)] of ``scores``.

    ``linear``: min-max of the score against the training scores ``train``, clipped to [0, 1]
    (PyOD). ``unify``: Gaussian scaling, erf of the z-score against the training scores,
    clipped to [0, 1] (Kriegel et al. 2011, "Interpreting and unifying outlier scores").
    """
    if method == "linear":
        lo, hi = float(train.min()), float(train.max())
        prob = np.clip((scores - lo) / (hi - lo if hi > lo else 1.0), 0.0, 1.0)
    elif method == "unify":
        from scipy.special import erf

        mu, sigma = float(train.mean()), float(train.std())
        prob = np.clip(erf((scores - mu) / ((sigma or 1.0) * np.sqrt(2.0))), 0.0, 1.0)
    else:
        raise ValueError(f"unknown predict_proba method {method!r}: use one of {METHODS}")
    return np.column_stack([1.0 - prob, prob])
