"""Explanations: each row's anomaly score split into one contribution per feature.

``detector.explain(X)`` returns an array of shape (n_rows, n_features), in the order of ``X``'s
columns, larger = pushes the score up (more anomalous). Every method compares a row with the
*reference row* b: the per-feature median of the training rows (``feature_median_``, fitted and
saved with the model). One method per detector family (``explain_method_`` names the one a fitted
detector uses):

- ``"reconstruction"``, for autoencoders scored by their reconstruction error (AutoEncoder, RDA,
  RSRAE with its L2 score): c_ij = (x~_ij - D(E(x~_i))_j)^2, the squared reconstruction error of
  feature j in the model's input space (x~ = the row after the fitted standardisation, if any).
  The row's squared reconstruction norm is sum_j c_ij, so the AutoEncoder's score (the mean
  squared error) is sum_j c_ij / d and RDA's and RSRAE's (the L2 norm) sqrt(sum_j c_ij).
- ``"integrated_gradients"``, for the scoring networks, whose score F is a differentiable
  function of the row (DevNet, AnoRand's fused score, the score-guided models' s or z-sum, RSRAE
  under its cosine score): Sundararajan et al. (2017),
  c_ij = (x_ij - b_j) * integral_0^1 dF/dx_j (b + t (x_i - b)) dt, through captum's
  ``IntegratedGradients`` (Gauss-Legendre rule, ``IG_STEPS`` points). Completeness:
  sum_j c_ij = F(x_i) - F(b). The attributions are computed in the model's input space; a
  per-feature affine standardisation x~ = (x - m) / s leaves them unchanged (the factor s_j of
  the gradient cancels the 1 / s_j of the difference), so they are the user's features'.
- ``"occlusion"``, for every other detector (the default: peers, and PLAD and DAGMM, whose
  integrated gradients measured worse; their class attributes say by how much): c_ij = F(x_i) -
  (1/K) sum_k F(x_i with feature j set to q_kj), how much the score falls, on average, when
  feature j alone takes a typical training value: the training quantiles q_kj at the K =
  ``REFERENCE_LEVELS`` levels (k + 1/2) / K (``feature_quantiles_``, fitted and saved with the
  model). This is the interventional expectation over feature j's training distribution
  (Janzing et al., 2020), on a K-point grid; K = 1 is occlusion by the median, which a model file
  saved before the quantiles existed still gets. Model-agnostic: it only calls the detector's
  scoring.

Measured on real rows (tests/unit/test_explain.py): which feature the methods put first when one
feature of a held-out normal row is shifted by 6 training standard deviations.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.utils.validation import check_is_fitted

from anomalab.nn.training import predict_in_chunks

#: The methods, by name: see the module docstring.
METHODS = ("occlusion", "reconstruction", "integrated_gradients")
#: Points of the integrated-gradients path rule (captum's default is 50; on cardio 64 keep the
#: completeness error below 2.5 % of the largest score gap).
IG_STEPS = 64
#: K, the training quantiles that occlusion sets a feature to. Chosen on development datasets
#: (thyroid, pima, satellite, pendigits; ``tools/explain_reference_levels.py``): 16 put a
#: shifted feature first as often as 32, and more often than the median alone (K = 1).
REFERENCE_LEVELS = 16
#: About how many input values one chunk of the explanation holds (rows x copies x features).
CHUNK_VALUES = 2**20


def _by_column_blocks(
    statistic: Callable[[np.ndarray], np.ndarray], X: np.ndarray, block: int
) -> np.ndarray:
    """``statistic`` (over the rows) of ``X``, ``block`` columns at a time (the extra memory is
    one block's copy), float64, the columns on the last axis."""
    parts = [statistic(X[:, j : j + block]) for j in range(0, X.shape[1], block)]
    return np.concatenate(parts, axis=-1).astype(np.float64)


def feature_median(X: np.ndarray, block: int = 64) -> np.ndarray:
    """The reference row b: the per-feature median of the (validated) training rows, float64."""
    return _by_column_blocks(lambda part: np.median(part, axis=0), X, block)


def feature_quantiles(X: np.ndarray, levels: int = REFERENCE_LEVELS, block: int = 64) -> np.ndarray:
    """The occlusion references: each feature's training quantiles at the ``levels`` levels
    (k + 1/2) / K, float64 (K, n_features)."""
    q = (np.arange(levels) + 0.5) / levels
    return _by_column_blocks(lambda part: np.quantile(part, q, axis=0), X, block)


#: The fitted attributes that ``explain`` compares rows with (saved with the model).
REFERENCES = ("feature_median_", "feature_quantiles_")


def fit_references(X: np.ndarray) -> dict[str, np.ndarray]:
    """The ``REFERENCES`` of (validated, tabular) training rows, by attribute name."""
    return {"feature_median_": feature_median(X), "feature_quantiles_": feature_quantiles(X)}


def occlusion(
    score: Callable[[np.ndarray], np.ndarray], X: np.ndarray, references: np.ndarray
) -> np.ndarray:
    """c_ij = score(x_i) - mean_k score(x_i with x_ij := r_kj) over the reference rows r_k
    (shape (K, d), or one row (d,)), vectorised over the features and streamed over chunks of
    rows (each chunk scores rows x d copies per reference, and the rows themselves)."""
    n, d = X.shape
    references = np.atleast_2d(references).astype(X.dtype)  # cast once, not per chunk
    rows = max(1, CHUNK_VALUES // (d * (d + 1)))
    out = np.empty((n, d), dtype=np.float64)
    diagonal = np.arange(d)
    for start in range(0, n, rows):
        chunk = np.array(X[start : start + rows])  # a copy: X stays untouched
        r = len(chunk)
        occluded = np.repeat(chunk[:, None, :], d, axis=1)  # (r, d, d): copy j has x_j := r_kj
        mean = np.zeros((r, d), dtype=np.float64)
        for reference in references:
            occluded[:, diagonal, diagonal] = reference
            mean += np.asarray(score(occluded.reshape(r * d, d)), dtype=np.float64).reshape(r, d)
        mean /= len(references)
        out[start : start + r] = np.asarray(score(chunk), dtype=np.float64)[:, None] - mean
    return out


def integrated_gradients(
    forward: Callable[[torch.Tensor], torch.Tensor],
    X: np.ndarray,
    baseline: np.ndarray,
    *,
    device: torch.device,
    transform: Callable[[np.ndarray], np.ndarray],
    n_steps: int | None = None,
) -> np.ndarray:
    """Integrated gradients of ``forward`` (model-space rows -> one score per row) at the rows of
    ``X`` (transformed chunk by chunk with ``transform``) against ``baseline`` (a model-space
    row), float64 (n, d); ``n_steps`` points of the path rule (default ``IG_STEPS``)."""
    from captum.attr import IntegratedGradients

    n_steps = int(n_steps or IG_STEPS)
    ig = IntegratedGradients(forward)
    base = torch.as_tensor(baseline, dtype=torch.float32, device=device).reshape(1, -1)

    def attribute(x: torch.Tensor) -> torch.Tensor:
        with torch.enable_grad():
            return ig.attribute(x, baselines=base.expand_as(x), n_steps=n_steps)

    rows = max(1, CHUNK_VALUES // (n_steps * X.shape[1]))
    return predict_in_chunks(attribute, X, device=device, chunk_size=rows, transform=transform)


def top_features(contributions: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """(indices, values) of each row's ``k`` largest contributions, largest first; shape (n, k).
    Ties keep the column order."""
    n, d = contributions.shape
    if not 1 <= k <= d:
        raise ValueError(f"k must lie in 1..{d} (the number of features), got {k}")
    order = np.argsort(-contributions, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(contributions, order, axis=1)


class Explainable:
    """``explain(X)`` for every detector (a base of ``BaseDetector``): occlusion by default;
    a family with a specific method sets ``explain_method`` and implements its hook
    (``TorchExplainable``)."""

    #: The family's method (``METHODS``); ``_explain_method`` may choose by the fitted params.
    explain_method: ClassVar[str] = "occlusion"

    @property
    def explain_method_(self) -> str:
        """The method ``explain`` uses for this fitted detector."""
        check_is_fitted(self, "decision_scores_")
        return self._explain_method()

    def explain(self, X: Any) -> np.ndarray:
        """Per-row, per-feature contributions to the anomaly score, shape (n_rows, n_features),
        in ``X``'s column order; larger = more anomalous. The method is the family's
        (``explain_method_``; equations in ``anomalab.explain``). Tabular detectors only."""
        detector: Any = self  # a BaseDetector: validation and scoring come from it
        check_is_fitted(detector, "decision_scores_")
        name = type(self).__name__
        if len(detector.input_shape_) != 1:
            raise ValueError(f"explain supports tabular data only; {name} was fitted on images")
        reference = getattr(detector, "feature_median_", None)
        if reference is None:
            raise ValueError(
                f"this {name} was saved without the training medians that explain compares "
                "rows with (an older model file); refit it to explain its scores"
            )
        X = detector._check_X(X, fitting=False)
        contributions = self._explain(X, np.asarray(reference, dtype=np.float64))
        bad = ~np.isfinite(contributions)
        if bad.any():
            first = int(np.flatnonzero(bad.any(axis=1))[0])
            raise ValueError(
                f"{name}: {int(bad.sum())} contributions are NaN or infinite (first in row "
                f"{first}): those rows lie far outside the range of the training data"
            )
        return contributions

    def _explain_method(self) -> str:
        return self.explain_method

    def _explain(self, X: np.ndarray, reference: np.ndarray) -> np.ndarray:
        """Occlusion with the detector's own scoring (validated ``X``), by the training
        quantiles; by the median ``reference`` for a model file saved before them."""
        references = getattr(self, "feature_quantiles_", None)
        if references is None:
            references = reference[None, :]
        return occlusion(self._score, X, np.asarray(references))  # type: ignore[attr-defined]


class TorchExplainable(Explainable):
    """The torch families' methods: per-feature reconstruction errors through
    ``_feature_errors`` and integrated gradients of ``_explain_forward`` (the score by
    default), both in the model's input space (``_transform``) with the model in eval mode."""

    def _explain(self, X: np.ndarray, reference: np.ndarray) -> np.ndarray:
        method = self._explain_method()
        if method == "occlusion":
            return super()._explain(X, reference)
        detector: Any = self  # a TorchDetector: model_, device_, _transform
        detector.model_.eval()
        if method == "reconstruction":
            return predict_in_chunks(
                self._feature_errors,
                X,
                device=detector.device_,
                chunk_size=max(1, CHUNK_VALUES // X.shape[1]),
                transform=detector._transform,
            )
        if method == "integrated_gradients":
            baseline = detector._transform(reference.astype(X.dtype)[None, :])[0]
            return integrated_gradients(
                self._explain_forward,
                X,
                baseline,
                device=detector.device_,
                transform=detector._transform,
            )
        raise ValueError(f"unknown explain method {method!r}; choose from {METHODS}")

    def _feature_errors(self, batch: torch.Tensor) -> torch.Tensor:
        """(x~ - x^)^2 per feature of a model-space batch (reconstruction detectors)."""
        raise NotImplementedError(f"{type(self).__name__} has no per-feature reconstruction")

    def _explain_forward(self, batch: torch.Tensor) -> torch.Tensor:
        """The differentiable per-row score that integrated gradients attribute."""
        return self._score_batch(batch)  # type: ignore[attr-defined]
