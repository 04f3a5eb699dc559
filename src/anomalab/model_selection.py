"""Choosing a detector's hyperparameters on labeled training data, never on test data.

:class:`HoldoutSearch` is scikit-learn's ``GridSearchCV`` reduced to one stratified hold-out
split, for detectors trained with labels (supervised or semi-supervised): every candidate of the
grid is fitted on the rest of the training part, ranked by the average precision (or AUC-ROC) of
its scores on the held-out rows, and the best one is refitted on the whole training part. A
benchmark suite asks for it with a ``search`` table in an entrant's params (see
:mod:`anomalab.bench.suites`).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.base import clone
from sklearn.metrics import average_precision_score, roc_auc_score
from sklearn.model_selection import ParameterGrid, train_test_split

from anomalab.base import BaseDetector

SCORERS = {"average_precision": average_precision_score, "roc_auc": roc_auc_score}


class HoldoutSearch(BaseDetector):
    """Grid search of ``estimator``'s parameters on one stratified hold-out of the training data.

    ``fit(X, y)`` needs labels with at least two labeled anomalies (1); rows labeled 0 (unlabeled)
    or -1 (labeled normal) count as negatives when the held-out rows are scored. The split is
    stratified by "labeled anomaly or not" and drawn from ``random_state``; each candidate is a
    fresh clone of ``estimator`` (its own ``random_state`` kept) fitted on the remaining rows.
    Ties go to the first candidate in grid order. The winner is refitted on every training row.

    Parameters
    ----------
    estimator: an unfitted detector (its parameters are the base of every candidate).
    param_grid: parameter name -> values to try (``sklearn.model_selection.ParameterGrid``).
    validation_fraction: share of the training rows held out (0.3: the benchmark's validation
        protocol, a 70/30 split of the training part).
    scoring: "average_precision" (ADBench's AUC-PR) or "roc_auc".
    contamination, random_state, device, verbose: see the estimator contract; the fitted
        threshold is this wrapper's, on the refitted winner's training scores.

    Attributes
    ----------
    best_params_: the chosen candidate. best_score_: its held-out score.
    cv_results_: one dict per candidate (``params``, ``score``), in grid order.
    best_estimator_: the winner refitted on all of ``X``; ``save`` writes it (``anomalab.load``
    then gives that detector back).
    """

    supervision = "supervised"
    requires_labeled_anomaly = True

    def __init__(
        self,
        estimator: BaseDetector,
        param_grid: Mapping[str, Sequence[Any]],
        validation_fraction: float = 0.3,
        scoring: str = "average_precision",
        contamination: float = 0.1,
        random_state: int | None = None,
        device: str = "cpu",
        verbose: bool = False,
    ) -> None:
        self.estimator = estimator
        self.param_grid = param_grid
        self.validation_fraction = validation_fraction
        self.scoring = scoring
        self.contamination = contamination
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def _check_params(self) -> None:
        if self.scoring not in SCORERS:
            raise ValueError(f"scoring must be one of {sorted(SCORERS)}, got {self.scoring!r}")
        if not 0.0 < float(self.validation_fraction) < 1.0:
            raise ValueError(
                f"validation_fraction must lie in (0, 1), got {self.validation_fraction}"
            )
        if not isinstance(self.param_grid, Mapping) or not self.param_grid:
            raise ValueError(
                f"param_grid must be a non-empty mapping of parameter -> values, got "
                f"{self.param_grid!r}"
            )
        valid = set(self.estimator.get_params())
        unknown = sorted(set(self.param_grid) - valid)
        if unknown:
            raise ValueError(
                f"{type(self.estimator).__name__} has no parameter(s) {unknown}; "
                f"its parameters: {sorted(valid)}"
            )
        for name, values in self.param_grid.items():
            if isinstance(values, str | bytes) or not isinstance(values, Sequence) or not values:
                raise ValueError(f"param_grid[{name!r}] must be a non-empty list, got {values!r}")

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self._check_params()
        assert y is not None  # requires_labeled_anomaly: the base class has checked it
        anomaly = y == 1
        if anomaly.sum() < 2:
            raise ValueError(
                f"HoldoutSearch needs at least 2 labeled anomalies (label 1) to hold one out, "
                f"got {int(anomaly.sum())}"
            )
        rows = np.arange(X.shape[0])
        train, held = train_test_split(
            rows,
            test_size=float(self.validation_fraction),
            stratify=anomaly,
            random_state=self._seed(),
        )
        if not anomaly[held].any() or anomaly[held].all():
            raise ValueError("the held-out rows need both labeled anomalies and other rows")
        scorer = SCORERS[self.scoring]
        self.cv_results_: list[dict[str, Any]] = []
        for params in ParameterGrid(dict(self.param_grid)):
            candidate = clone(self.estimator).set_params(**params)
            candidate.fit(X[train], y[train])
            score = float(scorer(anomaly[held], candidate.decision_function(X[held])))
            self.cv_results_.append({"params": params, "score": score})
        best = max(range(len(self.cv_results_)), key=lambda i: (self.cv_results_[i]["score"], -i))
        self.best_params_: dict[str, Any] = dict(self.cv_results_[best]["params"])
        self.best_score_ = float(self.cv_results_[best]["score"])
        self.best_estimator_ = clone(self.estimator).set_params(**self.best_params_).fit(X, y)

    def _score(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.best_estimator_.decision_function(X), dtype=np.float64)

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write the refitted winner (``best_estimator_``) to the folder ``path``."""
        from sklearn.utils.validation import check_is_fitted

        check_is_fitted(self, "best_estimator_")
        winner = self.best_estimator_
        if hasattr(self, "feature_names_in_"):  # fitted on a table: the saved winner checks names
            winner = copy.copy(winner)
            winner.feature_names_in_ = self.feature_names_in_
        return winner.save(path, overwrite=overwrite)
