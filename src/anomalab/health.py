"""Numerical health of fitted scores: finite, and not collapsed to one value.

A detector whose training diverged or collapsed must not return quietly: non-finite training
scores raise ``FloatingPointError``, scores that no longer tell the rows apart warn with
:class:`DegenerateScoresWarning`, and non-finite scores at score time raise ``ValueError``.
"""

from __future__ import annotations

import warnings

import numpy as np

#: Warn when at least this fraction of the training rows share one score (and differ as rows).
COLLAPSE_FRACTION = 0.9


class DegenerateScoresWarning(UserWarning):
    """The fitted detector gives (almost) every training row the same score."""


def check_training_scores(scores: np.ndarray, X: np.ndarray, detector: str) -> None:
    """Raise if a training score is NaN / infinite; warn if the scores collapsed to one value
    for rows that are not themselves identical."""
    bad = ~np.isfinite(scores)
    if bad.any():
        raise FloatingPointError(
            f"{detector}: training diverged: {int(bad.sum())} of {len(scores)} training scores "
            "are NaN or infinite; lower the learning rate or scale the inputs"
        )
    if len(scores) < 2:
        return
    values, counts = np.unique(scores, return_counts=True)
    top = int(counts.argmax())
    share = counts[top] / len(scores)
    if share < COLLAPSE_FRACTION:
        return
    tied = np.flatnonzero(scores == values[top])
    rows = X[tied].reshape(len(tied), -1)
    if np.all(rows == rows[0]):
        return  # the rows themselves are identical: equal scores are right
    warnings.warn(
        f"{detector}: {counts[top]} of {len(scores)} training rows ({share:.1%}) get the same "
        f"score {values[top]:.6g} although they differ: the model has collapsed and cannot rank "
        "them (training diverged or stalled); lower the learning rate, train longer or scale "
        "the inputs",
        DegenerateScoresWarning,
        stacklevel=3,
    )


def check_scores(scores: np.ndarray, detector: str) -> None:
    """Raise ``ValueError`` if a score of new data is NaN or infinite."""
    bad = ~np.isfinite(scores)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        raise ValueError(
            f"{detector}: {int(bad.sum())} of {len(scores)} scores are NaN or infinite (first "
            f"at row {first}): those rows lie far outside the range of the training data (the "
            "model overflows); check their scale"
        )
