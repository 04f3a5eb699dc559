"""Meta-features: a table described by a few numbers that do not depend on feature scales.

:func:`anomalab.select` without labels finds the benchmark datasets whose meta-features are
closest to the user's (each meta-feature standardised over the evidence's datasets) and takes
the detectors that did best there. Every meta-feature is invariant to a per-feature affine
rescaling (the benchmark's min-max scaling leaves it unchanged), and computed on at most
``MAX_ROWS`` rows, so describing a large table takes a fraction of a second.
"""

from __future__ import annotations

import numpy as np
from scipy import stats

#: The meta-features, in the order of :func:`meta_features`' result.
META_FEATURES = (
    "log10_rows",  # training rows (all of them, not the sample)
    "log10_features",
    "binary_share",  # features with at most 2 distinct values
    "discrete_share",  # features with at most 10 distinct values
    "log_skewness",  # mean over features of log(1 + |skewness|)
    "log_kurtosis",  # mean over features of log(1 + |excess kurtosis|)
    "mean_abs_correlation",  # mean |Pearson correlation| over feature pairs
    "pca_dims_share",  # share of components holding 90 % of the standardised variance
    "outlier_share",  # rows with some |robust z| > 3.5: an estimate of the contamination
)
MAX_ROWS = 5000
MAX_CORRELATION_FEATURES = 200


def meta_features(X: np.ndarray, seed: int = 0) -> dict[str, float]:
    """The :data:`META_FEATURES` of the rows ``X`` (n, d), float; NaN cells take their column's
    median. Constant features count as binary and are left out of the moment statistics."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2 or X.shape[1] < 1:
        raise ValueError(f"meta-features need a 2-d table of at least 2 rows, got {X.shape}")
    n, d = X.shape
    rng = np.random.default_rng(seed)
    sample = X[np.sort(rng.choice(n, MAX_ROWS, replace=False))] if n > MAX_ROWS else X.copy()
    medians = np.nanmedian(sample, axis=0)
    medians = np.where(np.isnan(medians), 0.0, medians)
    holes = np.isnan(sample)
    sample[holes] = np.take(medians, np.nonzero(holes)[1])
    distinct = np.array([np.unique(sample[:, j]).size for j in range(d)])
    varying = sample[:, distinct > 1]
    out = {
        "log10_rows": float(np.log10(n)),
        "log10_features": float(np.log10(d)),
        "binary_share": float(np.mean(distinct <= 2)),
        "discrete_share": float(np.mean(distinct <= 10)),
    }
    if varying.shape[1] == 0:
        return {**out, **dict.fromkeys(META_FEATURES[4:], 0.0)}
    out["log_skewness"] = float(np.mean(np.log1p(np.abs(stats.skew(varying, axis=0)))))
    out["log_kurtosis"] = float(np.mean(np.log1p(np.abs(stats.kurtosis(varying, axis=0)))))
    out["mean_abs_correlation"] = _mean_abs_correlation(varying, rng)
    out["pca_dims_share"] = _pca_dims_share(varying, d)
    out["outlier_share"] = _outlier_share(varying)
    return {name: out[name] for name in META_FEATURES}


def _mean_abs_correlation(varying: np.ndarray, rng: np.random.Generator) -> float:
    if varying.shape[1] < 2:
        return 0.0
    if varying.shape[1] > MAX_CORRELATION_FEATURES:
        keep = rng.choice(varying.shape[1], MAX_CORRELATION_FEATURES, replace=False)
        varying = varying[:, np.sort(keep)]
    corr = np.corrcoef(varying, rowvar=False)
    upper = corr[np.triu_indices_from(corr, k=1)]
    return float(np.nanmean(np.abs(upper)))


def _pca_dims_share(varying: np.ndarray, d: int) -> float:
    z = (varying - varying.mean(axis=0)) / varying.std(axis=0)
    singular = np.linalg.svd(z, compute_uv=False)
    explained = np.cumsum(singular**2) / np.sum(singular**2)
    return float((np.searchsorted(explained, 0.9) + 1) / d)


def _outlier_share(varying: np.ndarray) -> float:
    median = np.median(varying, axis=0)
    mad = 1.4826 * np.median(np.abs(varying - median), axis=0)
    spread = np.where(mad > 0, mad, varying.std(axis=0))
    z = np.abs(varying - median) / spread
    return float(np.mean(z.max(axis=1) > 3.5))
