"""AnoRand's score (Zoubeirou a Mayaki & Riveill, Eqs. 6-8): the autoencoder's and the MLP's
outputs fused with the third-quartile weight alpha, or as robust z-scores added, or one alone.

``raw`` below holds one row per sample: (||x - x_hat||_2, the MLP's logit), in float64.
"""

from __future__ import annotations

import numpy as np
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


def final_score(raw: np.ndarray, score: str, alpha: float, stats: dict[str, float]) -> np.ndarray:
    """Eq. 8's fused score, the robust z-sum of the blocks, or one block alone (``score``; the
    blocks alone are ablations, not the paper's)."""
    if score not in SCORES:
        raise ValueError(f"score must be one of {SCORES}, got {score!r}")
    if score == "zsum":
        return zsum(raw[:, 0], raw[:, 1], stats)
    ae, nd = expit(raw[:, 0]), expit(raw[:, 1])
    if score == "fused":
        return fuse(ae, nd, alpha)
    return ae if score == "ae" else nd
