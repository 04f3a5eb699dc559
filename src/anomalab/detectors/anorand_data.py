"""The rows AnoRand trains on (Zoubeirou a Mayaki & Riveill, Sec. 5.1): pseudo-anomalies made
from the training rows (SMOTE-style interpolation plus Gaussian noise, or uniform draws from the
rows' bounding box), the training set of real rows plus those (labeled 1), and the real rows
held out for best-epoch selection (an option of ours)."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike
from sklearn.neighbors import NearestNeighbors

#: How pseudo-anomalies are made (AnoRand's ``pseudo``).
PSEUDO = ("noise", "uniform")


def check_pseudo_params(pseudo: str, select_frac: float, target_frac: float, sigma: float) -> None:
    """Refuse pseudo-anomaly settings :func:`with_pseudo_anomalies` cannot use."""
    if not 0.0 < float(select_frac) < 1.0 or not 0.0 < float(target_frac) < 1.0:
        raise ValueError("select_frac and target_frac must lie in (0, 1)")
    if pseudo not in PSEUDO:
        raise ValueError(f"pseudo must be one of {PSEUDO}, got {pseudo!r}")
    if float(sigma) < 0:
        raise ValueError(f"sigma must be >= 0, got {sigma}")


def make_pseudo_anomalies(
    X: np.ndarray,
    rng: np.random.Generator,
    *,
    select_frac: float = 0.02,
    target_frac: float = 0.05,
    sigma: float = 1.0,
    smote_k: int = 5,
    use_smote: bool = True,
    spread: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Synthetic anomalies made from the rows of ``X`` only (Sec. 5.1).

    A random subset X_0 of ``ceil(select_frac * n)`` rows is drawn; with ``use_smote`` it is grown
    by SMOTE interpolation ``x + lam * (x_nn - x)``, ``lam ~ U[0, 1]``, ``x_nn`` one of the
    ``smote_k`` nearest neighbours *within X_0*, to ``ceil(target_frac * n)`` rows; then every row
    gets additive Gaussian noise ``sigma * spread_j * eps`` (``spread`` defaults to each feature's
    standard deviation in ``X``). Returns the anomalies and the indices of X_0 in ``X``.
    """
    n = X.shape[0]
    n_select = min(n - 1, max(1, math.ceil(round(select_frac * n, 9))))
    chosen = np.sort(rng.choice(n, size=n_select, replace=False))
    base = X[chosen]
    rows = [base]
    n_target = math.ceil(round(target_frac * n, 9))
    n_new = n_target - n_select if use_smote else 0
    if n_new > 0 and n_select > 1:
        k = min(int(smote_k), n_select - 1)
        _, neigh = NearestNeighbors(n_neighbors=k + 1).fit(base).kneighbors(base)
        seeds = rng.integers(0, n_select, size=n_new)
        partners = neigh[seeds, rng.integers(1, k + 1, size=n_new)]
        lam = rng.random((n_new, 1))
        rows.append(base[seeds] + lam * (base[partners] - base[seeds]))
    elif n_new > 0:  # a single selected row: copies of it (the noise makes them distinct)
        rows.append(np.repeat(base, n_new, axis=0))
    anomalies = np.concatenate(rows, axis=0)
    if spread is None:
        spread = X.std(axis=0)
    noise = rng.standard_normal(anomalies.shape) * (float(sigma) * np.asarray(spread))
    return anomalies + noise, chosen


def uniform_pseudo_anomalies(
    X: np.ndarray, rng: np.random.Generator, *, target_frac: float, margin: float = 0.1
) -> np.ndarray:
    """``ceil(target_frac * n)`` rows drawn uniformly from the bounding box of ``X``, widened by
    ``margin`` of each feature's range on both sides (the classic reference distribution that
    turns a real-vs-synthetic classifier into a density-ratio estimate)."""
    lo, hi = X.min(axis=0), X.max(axis=0)
    pad = float(margin) * (hi - lo)
    n_new = math.ceil(round(float(target_frac) * X.shape[0], 9))
    return rng.uniform(lo - pad, hi + pad, size=(n_new, X.shape[1]))


def with_pseudo_anomalies(
    X: np.ndarray,
    labels: np.ndarray,
    rng: np.random.Generator,
    *,
    pseudo: str,
    select_frac: float,
    target_frac: float,
    sigma: float,
    smote_k: int,
    use_smote: bool,
) -> tuple[np.ndarray, np.ndarray, int]:
    """(rows, 0/1 labels, number of pseudo-anomalies): the rows of ``X`` and pseudo-anomalies made
    from its normal rows (``labels`` 0), labeled 1. ``"uniform"`` adds them to every real row;
    ``"noise"`` (Sec. 5.1) drops the selected normal rows it grows them from (noise in units of
    each feature's standard deviation over all of ``X``)."""
    normal = np.flatnonzero(labels == 0)
    if pseudo == "uniform":
        fake = uniform_pseudo_anomalies(X[normal], rng, target_frac=target_frac)
        keep = np.arange(len(X))
    else:
        fake, chosen = make_pseudo_anomalies(
            X[normal],
            rng,
            select_frac=select_frac,
            target_frac=target_frac,
            sigma=sigma,
            smote_k=smote_k,
            use_smote=use_smote,
            spread=X.std(axis=0),
        )
        keep = np.setdiff1d(np.arange(len(X)), normal[chosen])
    rows = np.concatenate([X[keep], fake])
    return rows, np.concatenate([labels[keep], np.ones(len(fake))]), len(fake)


def held_out_rows(
    split: tuple[ArrayLike, ArrayLike] | None, positive: np.ndarray, fraction: float
) -> tuple[np.ndarray, np.ndarray | None]:
    """Sorted indices (fit, held out) of the real training rows from a stratified ``split`` of
    them (None: nothing held out, every row fits). Where rows are labeled anomalous
    (``positive``), both parts must keep one: ``fraction`` is named in the error otherwise."""
    if split is None:
        return np.arange(len(positive)), None
    fit_idx, val_idx = (np.sort(np.asarray(i)) for i in split)
    if positive.any() and not (positive[fit_idx].any() and positive[val_idx].any()):
        raise ValueError(
            f"validation_fraction={fraction} leaves no labeled anomaly in the training or "
            f"the held-out part ({int(positive.sum())} labeled anomalies in all); lower it "
            "or set it to 0"
        )
    return fit_idx, val_idx
