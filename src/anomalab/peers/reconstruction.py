"""The ``PCA-Reconstruction`` peer: scikit-learn's ``PCA`` scored by its reconstruction error.

A baseline, not a new method: the data are projected on the principal components that keep
``n_components`` of the variance (default 0.9, i.e. 90 %), mapped back
(``PCA.inverse_transform``), and a row's score is its squared reconstruction error
``||x - x_hat||^2``. Neither scikit-learn nor PyOD ships this score (``PCA.score_samples`` is the
probabilistic-PCA log-likelihood; PyOD's PCA weighs the distances to every eigenvector), so this
module holds the few lines that compute it; the fit is scikit-learn's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

#: The share of the variance the components keep when ``n_components`` is not given.
DEFAULT_VARIANCE = 0.9


class PCAReconstruction:
    """``sklearn.decomposition.PCA`` as a detector (scikit-learn's convention: ``score_samples``
    is higher for more normal rows, here minus the squared reconstruction error)."""

    def __init__(self, random_state: int | None = None, **params: Any) -> None:
        from sklearn.decomposition import PCA

        params.setdefault("n_components", DEFAULT_VARIANCE)
        self.pca = PCA(random_state=random_state, **params)

    def fit(self, X: np.ndarray, y: Any = None) -> PCAReconstruction:
        self.pca.fit(np.asarray(X, dtype=np.float64))
        return self

    def reconstruction_error(self, X: np.ndarray) -> np.ndarray:
        """``||x - x_hat||^2`` per row (fit and error in float64)."""
        X = np.asarray(X, dtype=np.float64)
        restored = self.pca.inverse_transform(self.pca.transform(X))
        return np.asarray(np.square(X - restored).sum(axis=1), dtype=np.float64)

    def score_samples(self, X: np.ndarray) -> np.ndarray:
        return -self.reconstruction_error(X)


def pca_reconstruction(random_state: int, **params: Any) -> PCAReconstruction:
    """The peer's factory (``n_components`` defaults to :data:`DEFAULT_VARIANCE`)."""
    return PCAReconstruction(random_state=random_state, **params)
