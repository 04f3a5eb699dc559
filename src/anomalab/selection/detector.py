"""``SelectedDetector``: :func:`anomalab.select` as an estimator (fit = choose and fit).

A benchmark entrant (``"Select"``) and a scikit-learn-style detector: ``fit(X, y)`` runs the
selection on the training rows (on their labels when at least 3 are labeled anomalies, else on
the evidence) and keeps the chosen, fitted detector; scores are that detector's. Saving writes
the chosen detector (a :class:`~anomalab.ensemble.RankEnsemble`), which ``anomalab.load`` gives
back.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import ClassVar

import numpy as np
from sklearn.utils.validation import check_is_fitted

from anomalab.base import BaseDetector
from anomalab.selection.choose import select


class SelectedDetector(BaseDetector):
    """Chooses its detector in ``fit`` (see :func:`anomalab.select` for the parameters).

    Attributes: ``selection_`` (the :class:`~anomalab.selection.Selection`: choice, ranking,
    reason) and ``chosen_`` (the fitted detector it scores with).
    """

    compute_dtype: ClassVar[type[np.floating]] = np.float64

    def __init__(
        self,
        candidates: Sequence[str] | None = None,
        budget_seconds: float | None = None,
        exclude: Sequence[str] = (),
        contamination: float = 0.1,
        random_state: int | None = None,
    ) -> None:
        self.candidates = candidates
        self.budget_seconds = budget_seconds
        self.exclude = exclude
        self.contamination = contamination
        self.random_state = random_state

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.selection_ = select(
            X,
            y,
            candidates=None if self.candidates is None else list(self.candidates),
            budget_seconds=self.budget_seconds,
            random_state=self._seed(),
            exclude=list(self.exclude),
        )
        self.chosen_ = self.selection_.detector

    def _score(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.chosen_.decision_function(X), dtype=np.float64)

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the chosen detector (``chosen_``) to the folder ``path``."""
        check_is_fitted(self, "chosen_")
        return self.chosen_.save(path, overwrite=overwrite)
