"""Diagnostics of a fitted :class:`~anomalab.detectors.plad.PLAD`: the perturbation it learned
(Eq. 2: x~ = (1 + alpha) * x + beta, in the model's standardised input space). How well the
classifier tells the training data from its perturbations, how large the perturbations are, and
how much of them is one shift shared by every point (the cooperative objective of Eq. 5 lets the
perturbator settle on one cheap direction)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from scipy.stats import spearmanr
from sklearn.metrics import roc_auc_score


@dataclass(frozen=True)
class Perturbation:
    """X standardised (``X``), its perturbation (``X_tilde``), P(abnormal) of each (``p_normal``,
    ``p_perturbed``), and the AUC of telling them apart (``separation``)."""

    X: np.ndarray
    X_tilde: np.ndarray
    p_normal: np.ndarray
    p_perturbed: np.ndarray
    separation: float

    @property
    def shift(self) -> np.ndarray:
        """x~ - x, one row per point (flattened for images)."""
        return (self.X_tilde - self.X).reshape(len(self.X), -1)

    def relative_size(self) -> float:
        """Median ||x~ - x|| / ||x||."""
        flat = self.X.reshape(len(self.X), -1)
        return float(np.median(np.linalg.norm(self.shift, axis=1) / np.linalg.norm(flat, axis=1)))

    def spread(self) -> float:
        """Norm of the per-feature std of x~ - x across points / norm of its mean (0: one shift
        shared by every point)."""
        return float(
            np.linalg.norm(self.shift.std(axis=0)) / np.linalg.norm(self.shift.mean(axis=0))
        )


def learned_perturbation(det: Any, X: Any, seed: int = 0) -> Perturbation:
    """The fitted ``det``'s perturbation of ``X`` (one z sample per row drawn under ``seed``)."""
    Xt, X_tilde = det.perturb(X, seed=seed)
    with torch.no_grad():
        logits = det.model_(torch.tensor(X_tilde, dtype=torch.float32)).double()
    p_perturbed, p_normal = torch.sigmoid(logits).numpy(), det.decision_function(X)
    labels = np.r_[np.zeros(len(Xt)), np.ones(len(Xt))]
    separation = float(roc_auc_score(labels, np.r_[p_normal, p_perturbed]))
    return Perturbation(Xt, X_tilde, p_normal, p_perturbed, separation)


def perturbation_summary(det: Any, X: Any) -> dict[str, Any]:
    """The learned perturbation of the training rows ``X`` in numbers: separation AUC, median
    P(abnormal) of normal and perturbed rows, relative and absolute size beside the mean distance
    between two rows, the per-feature mean and std of the shift, and its spread."""
    p = learned_perturbation(det, X)
    pair = np.linalg.norm(p.X - p.X[np.roll(np.arange(len(p.X)), 1)], axis=1)
    return {
        "n_train": len(p.X), "auc": p.separation, "p_normal": float(np.median(p.p_normal)),
        "p_perturbed": float(np.median(p.p_perturbed)), "relative_size": p.relative_size(),
        "size": float(np.linalg.norm(p.shift, axis=1).mean()), "pair_distance": float(pair.mean()),
        "shift_mean": p.shift.mean(axis=0).tolist(), "shift_std": p.shift.std(axis=0).tolist(),
        "spread": p.spread(),
    }  # fmt: skip


def shared_direction(det: Any, X_train: Any, X_test: Any, y_test: Any) -> dict[str, float]:
    """The perturbation's numbers on images, and how far the test score follows the one direction
    the perturbations share (their mean shift u): the median cosine of a shift to u, the test
    AUC of PLAD's score and of the projection onto u alone, and their Spearman correlation."""
    p = learned_perturbation(det, X_train)
    u = p.shift.mean(axis=0) / np.linalg.norm(p.shift.mean(axis=0))
    test = det._transform(det._check_X(X_test, fitting=False))
    along_u = test.reshape(len(test), -1).astype(np.float64) @ u
    score = det.decision_function(X_test)
    return {
        "train_separation_auc": p.separation,
        "median_relative_size": p.relative_size(),
        "spread": p.spread(),
        "median_cos_to_mean_shift": float(np.median(p.shift @ u / np.linalg.norm(p.shift, axis=1))),
        "test_auc": float(roc_auc_score(y_test, score)),
        "test_auc_along_u": float(roc_auc_score(y_test, along_u)),
        "spearman_score_vs_u": float(spearmanr(score, along_u).statistic),
    }
