"""Fusing two anomaly scores of different scales: robust z-scores against the training rows.

Used by the ``"zsum"`` scores of the score-guided models (s and the host's f) and of AnoRand (its
autoencoder and its noise-detection MLP): each score is centred on its training median and divided
by its training interquartile range, then the two are added, so that neither score's scale decides
the ranking.
"""

from __future__ import annotations

import numpy as np

#: A spread below this fraction of the values' magnitude is float32 rounding (the scores come
#: from float32 networks), not a spread: dividing by it would blow rounding up into ranks.
RESOLUTION = 1e-6


def robust_location_scale(values: np.ndarray) -> tuple[float, float]:
    """(median, interquartile range) of ``values``; a range of zero, or within float32 rounding
    of the values' magnitude, becomes 1."""
    q1, med, q3 = np.percentile(np.asarray(values, dtype=np.float64), [25, 50, 75])
    spread = float(q3 - q1)
    return float(med), spread if spread > RESOLUTION * max(abs(q1), abs(q3)) else 1.0


def fit_zsum(first: np.ndarray, second: np.ndarray) -> dict[str, float]:
    """The statistics of :func:`zsum` from two scores of the same (training) rows."""
    c1, s1 = robust_location_scale(first)
    c2, s2 = robust_location_scale(second)
    return {"center_1": c1, "scale_1": s1, "center_2": c2, "scale_2": s2}


def zsum(first: np.ndarray, second: np.ndarray, stats: dict[str, float]) -> np.ndarray:
    """(first - median_1) / IQR_1 + (second - median_2) / IQR_2, in float64."""
    a = (np.asarray(first, dtype=np.float64) - stats["center_1"]) / stats["scale_1"]
    return a + (np.asarray(second, dtype=np.float64) - stats["center_2"]) / stats["scale_2"]
