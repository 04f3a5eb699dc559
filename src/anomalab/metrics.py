"""Evaluation metrics: AUC-ROC, AUC-PR (average precision), F1 at a contamination, KS statistic.

Two F1 conventions exist in the one-class literature; a protocol names the one its papers use
(``Task.f1_rule``), and :func:`evaluate` computes that one into the ``f1`` column:

- ``"anomaly_at_rate"``: F1 of the anomaly class with the top true-rate scores flagged (GOAD's
  ``f_score``, the Zong et al. / NeuTraL AD convention; the default);
- ``"normal_at_p20"``: F1 of the *normal* class with the 80 % least anomalous rows predicted
  normal (DROCC's trainer: ``threshold = np.percentile(scores, 20)`` on normality scores).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.stats import ks_2samp
from sklearn.metrics import average_precision_score, f1_score, roc_auc_score


def _check(y_true: Any, scores: Any) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true).astype(np.int64).reshape(-1)
    s = np.asarray(scores, dtype=np.float64).reshape(-1)
    if y.shape != s.shape:
        raise ValueError(f"y_true has {y.size} entries but scores has {s.size}")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("y_true must hold 0 (normal) / 1 (anomaly) truth labels")
    if not np.all(np.isfinite(s)):
        raise ValueError("scores contain NaN or infinity")
    if y.min() == y.max():
        raise ValueError("y_true holds a single class: AUC is undefined")
    return y, s


def auc_roc(y_true: Any, scores: Any) -> float:
    """Area under the ROC curve (scikit-learn)."""
    y, s = _check(y_true, scores)
    return float(roc_auc_score(y, s))


def auc_pr(y_true: Any, scores: Any) -> float:
    """Area under the precision-recall curve as average precision (scikit-learn)."""
    y, s = _check(y_true, scores)
    return float(average_precision_score(y, s))


def f1_at_contamination(y_true: Any, scores: Any, contamination: float | None = None) -> float:
    """F1 of the anomaly class when the top ``contamination`` fraction is flagged.

    ``contamination=None`` uses the true anomaly fraction (the GOAD / Zong protocol). Flags the
    ``round(contamination * n)`` highest scores (ties broken by a stable sort).
    """
    y, s = _check(y_true, scores)
    rate = float(y.mean()) if contamination is None else float(contamination)
    if not 0.0 < rate < 1.0:
        raise ValueError(f"contamination must be in (0, 1), got {rate}")
    k = max(1, int(round(rate * y.size)))
    flagged = np.zeros_like(y)
    flagged[np.argsort(-s, kind="stable")[:k]] = 1
    return float(f1_score(y, flagged))


def f1_normal_at_percentile(y_true: Any, scores: Any, percentile: float = 20.0) -> float:
    """F1 of the *normal* class when rows whose normality (-score) is at or above its
    ``percentile``-th percentile are predicted normal (DROCC's tabular F1; with the default 20,
    the 80 % least anomalous rows are called normal, whatever the true anomaly rate)."""
    y, s = _check(y_true, scores)
    if not 0.0 < percentile < 100.0:
        raise ValueError(f"percentile must be in (0, 100), got {percentile}")
    normality = -s
    predicted_normal = (normality >= np.percentile(normality, percentile)).astype(np.int64)
    return float(f1_score(1 - y, predicted_normal))


F1_RULES = ("anomaly_at_rate", "normal_at_p20")


def f1_by_rule(
    y_true: Any, scores: Any, rule: str = "anomaly_at_rate", contamination: float | None = None
) -> float:
    """The F1 of one of :data:`F1_RULES` (see the module docstring); ``contamination`` (default
    the true rate) applies to ``"anomaly_at_rate"`` only."""
    if rule == "anomaly_at_rate":
        return f1_at_contamination(y_true, scores, contamination)
    if rule not in F1_RULES:
        raise ValueError(f"unknown F1 rule {rule!r}; choose from {F1_RULES}")
    if contamination is not None:
        raise ValueError(f"contamination applies only to f1_rule='anomaly_at_rate', not {rule!r}")
    return f1_normal_at_percentile(y_true, scores, 20.0)


def f1_rule_bounds(
    y_true: Any, rule: str, rng: np.random.Generator, draws: int = 200
) -> tuple[float, float]:
    """(F1 of a perfect ranking, mean F1 of ``draws`` random rankings) of ``rule`` on the labels
    ``y_true``: where the rule's F1 can lie on these rows. Draws from ``rng`` in that order."""
    y = np.asarray(y_true)
    perfect = f1_by_rule(y, y + rng.random(len(y)), rule)  # every anomaly above every normal
    return perfect, float(np.mean([f1_by_rule(y, rng.random(len(y)), rule) for _ in range(draws)]))


def ks_statistic(y_true: Any, scores: Any) -> float:
    """Two-sample Kolmogorov-Smirnov statistic between anomaly and normal scores (scipy)."""
    y, s = _check(y_true, scores)
    return float(ks_2samp(s[y == 1], s[y == 0]).statistic)


def evaluate(
    y_true: Any,
    scores: Any,
    contamination: float | None = None,
    f1_rule: str = "anomaly_at_rate",
) -> dict[str, float]:
    """All metrics at once: auc_roc, auc_pr, f1, ks.

    ``f1``: by ``f1_rule``; for ``"anomaly_at_rate"`` the top ``contamination`` fraction (default
    the true rate) is flagged."""
    f1 = f1_by_rule(y_true, scores, f1_rule, contamination)
    return {
        "auc_roc": auc_roc(y_true, scores),
        "auc_pr": auc_pr(y_true, scores),
        "f1": f1,
        "ks": ks_statistic(y_true, scores),
    }
