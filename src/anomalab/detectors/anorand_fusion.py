"""AnoRand's score (Zoubeirou a Mayaki & Riveill, Eqs. 6-8): the autoencoder's and the MLP's
outputs fused with the third-quartile weight alpha, or as robust z-scores added, or one alone.

``raw`` below holds one row per sample: (||x - x_hat||_2, the MLP's logit), in float64 (numpy),
or as a torch tensor for the differentiable score that ``explain`` attributes.
"""

from __future__ import annotations

from typing import TypeVar

import numpy as np
import torch
from scipy.special import expit

from anomalab.detectors.score_fusion import fit_zsum, zsum

#: AnoRand's ``score`` choices: Eq. 8, the robust z-sum, the autoencoder or the MLP alone.
SCORES = ("fused", "zsum", "ae", "mlp")


def fit_alpha(
    y_ae: np.ndarray, y_mlp: np.ndarray, eps: float = 1e-12
) -> tuple[float, float, float]:
    """(Q3 of y_AE, Q3 of y_mlp, alpha = Q3_AE / (Q3_mlp + Q3_AE)) (Eq. 7)."""
    q3_ae = float(np.percentile(y_ae, 75))
    q3_mlp = float(np.percentile(y_mlp, 75))
    return q3_ae, q3_mlp, q3_ae / (q3_mlp + q3_ae + eps)


def fuse(y_ae: np.ndarray, y_mlp: np.ndarray, alpha: float) -> np.ndarray:
    """Final score (1 - alpha) * y_AE + alpha * y_mlp (Eq. 8)."""
    return (1.0 - alpha) * np.asarray(y_ae, dtype=np.float64) + alpha * np.asarray(
        y_mlp, dtype=np.float64
    )


def fit_fusion(raw: np.ndarray) -> tuple[float, dict[str, float]]:
    """alpha (Eq. 7) and the zsum statistics fitted on the rows of ``raw``."""
    return fit_alpha(expit(raw[:, 0]), expit(raw[:, 1]))[2], fit_zsum(raw[:, 0], raw[:, 1])


#: The blocks' raw outputs: a float64 array, or a tensor (differentiable).
Raw = TypeVar("Raw", np.ndarray, torch.Tensor)


def final_score(raw: Raw, score: str, alpha: float, stats: dict[str, float]) -> Raw:
    """Eq. 8's fused score, the robust z-sum of the blocks, or one block alone (``score``; the
    blocks alone are ablations, not the paper's); a tensor ``raw`` gives a tensor."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    if isinstance(raw, torch.Tensor):
        return final_score_tensor(raw, score, alpha, stats)
    if score == "zsum":
        return zsum(raw[:, 0], raw[:, 1], stats)
    ae, nd = expit(raw[:, 0]), expit(raw[:, 1])
    if score == "fused":
        return fuse(ae, nd, alpha)
    return ae if score == "ae" else nd


def final_score_tensor(
    raw: torch.Tensor, score: str, alpha: float, stats: dict[str, float]
) -> torch.Tensor:
    """:func:`final_score` in torch, differentiable in ``raw``: the same formulas."""
    if score == "zsum":
        first = (raw[:, 0] - stats["center_1"]) / stats["scale_1"]
        return first + (raw[:, 1] - stats["center_2"]) / stats["scale_2"]
    ae, nd = torch.sigmoid(raw[:, 0]), torch.sigmoid(raw[:, 1])
    if score == "fused":
        return (1.0 - alpha) * ae + alpha * nd
    return ae if score == "ae" else nd
