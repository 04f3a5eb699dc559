"""Ranking candidates on the user's own labeled rows: repeated stratified cross-validation.

Labels follow the estimator contract: 1 = labeled anomaly, 0 = unlabeled, -1 = labeled normal.
Each split fits a fresh candidate on the training folds (with their labels) and scores the
held-out fold; the split's score is the average precision (AUC-PR, ADBench's metric) of the
held-out labeled anomalies against every other held-out row -- unlabeled rows count as
negatives, as a user's few labels allow. Folds are stratified on "labeled anomaly or not", so
every held-out fold holds some.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from sklearn.metrics import average_precision_score
from sklearn.model_selection import RepeatedStratifiedKFold

from anomalab.base import BaseDetector

#: Fewest labeled anomalies for the labeled ranking (fewer: the evidence decides).
MIN_LABELED_ANOMALIES = 3
N_SPLITS = 3
N_REPEATS = 2
#: Rows the cross-validation reads at most (every labeled anomaly and a random share of the
#: rest): ADBench's cap, the size the evidence's fit times were measured at.
MAX_CV_ROWS = 10_000


@dataclass
class CandidateScores:
    """One candidate's cross-validated scores (one per split, NaN where its fit failed)."""

    name: str
    scores: list[float] = field(default_factory=list)
    fit_seconds: list[float] = field(default_factory=list)
    error: str | None = None


def cv_rows(labels: np.ndarray, random_state: int, max_rows: int = MAX_CV_ROWS) -> np.ndarray:
    """The rows the cross-validation reads (sorted indices): all of them, or every labeled
    anomaly and a uniform sample of the other rows up to ``max_rows`` in all."""
    n = len(labels)
    if n <= max_rows:
        return np.arange(n)
    anomalies = np.flatnonzero(labels == 1)
    others = np.flatnonzero(labels != 1)
    rng = np.random.default_rng(random_state)
    kept = rng.choice(others, max(max_rows - len(anomalies), 0), replace=False)
    return np.sort(np.concatenate([anomalies, kept]))


def splits(labels: np.ndarray, random_state: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The (train, held-out) row indices of every split: ``N_SPLITS``-fold stratified
    cross-validation (fewer folds when fewer anomalies are labeled), repeated ``N_REPEATS``
    times."""
    anomaly = labels == 1
    n_anomalies = int(anomaly.sum())
    if n_anomalies < MIN_LABELED_ANOMALIES:
        raise ValueError(
            f"ranking on labels needs at least {MIN_LABELED_ANOMALIES} labeled anomalies "
            f"(label 1), got {n_anomalies}"
        )
    folds = min(N_SPLITS, n_anomalies)
    cv = RepeatedStratifiedKFold(n_splits=folds, n_repeats=N_REPEATS, random_state=random_state)
    return list(cv.split(np.zeros(len(labels)), anomaly))


def cross_validate(
    name: str,
    build: Callable[[], BaseDetector],
    X: np.ndarray,
    labels: np.ndarray,
    folds: list[tuple[np.ndarray, np.ndarray]],
    deadline: float | None = None,
) -> CandidateScores:
    """``name``'s average precision on each split (a failed fit is recorded, not raised).

    With a ``deadline`` (a ``time.perf_counter()`` value), the candidate drops out as "over
    budget" as soon as its remaining splits and a final refit, at the pace of its splits so
    far, would pass it."""
    result = CandidateScores(name)
    anomaly = labels == 1
    for done, (train, held) in enumerate(folds):
        if deadline is not None and done:
            pace = float(np.mean(result.fit_seconds))
            if time.perf_counter() + pace * (len(folds) - done + 1) > deadline:
                result.error = "over budget"
                result.scores = [float("nan")] * len(folds)
                return result
        start = time.perf_counter()
        try:
            detector = build().fit(X[train], labels[train])
            scores = detector.decision_function(X[held])
        except Exception as exc:  # a candidate that cannot fit these rows drops out
            result.error = f"{type(exc).__name__}: {exc}".splitlines()[0][:200]
            result.scores = [float("nan")] * len(folds)
            return result
        result.fit_seconds.append(time.perf_counter() - start)
        result.scores.append(float(average_precision_score(anomaly[held], scores)))
    return result


def standard_error(diff: np.ndarray) -> float:
    """The standard error of the mean of paired differences (0 for a single one)."""
    return float(np.std(diff, ddof=1) / np.sqrt(diff.size)) if diff.size > 1 else 0.0


def within_one_standard_error(matrix: np.ndarray, eligible: list[int]) -> list[int]:
    """The rows of ``matrix`` (candidates x splits) among ``eligible`` (best mean first) whose
    mean lies within one standard error of the best one's: mean(d) <= std(d) / sqrt(splits), d
    the paired per-split differences to the best (Breiman et al.'s one-standard-error rule,
    *Classification and Regression Trees*, 1984, sec. 3.4.3). The best is always one of them."""
    top = eligible[0]
    kept = []
    for i in eligible:
        diff = matrix[top] - matrix[i]
        if float(np.mean(diff)) <= standard_error(diff):
            kept.append(i)
    return kept
