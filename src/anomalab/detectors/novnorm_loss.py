"""NovNorm's loss terms (Wu et al., CVIU 2021): the reconstruction error r_i (Eq. 1), the combined
score S_i (Eqs. 5, 7), the batch min-max Reg(S_i) (Eq. 6) and the L0 term (Eq. 3)."""

from __future__ import annotations

from collections.abc import Iterable

import torch

RECON_REDUCTIONS = ("mean", "sum", "l2")


def reconstruction_error(
    x: torch.Tensor, x_hat: torch.Tensor, reduction: str = "mean"
) -> torch.Tensor:
    """Per-sample reconstruction error r_i (Eq. 1): pixel-mean or -sum of squares, or the L2 norm."""
    sq = ((x_hat - x) ** 2).flatten(1)
    if reduction == "mean":
        return sq.mean(dim=1)
    if reduction == "sum":
        return sq.sum(dim=1)
    if reduction == "l2":
        return sq.sum(dim=1).clamp_min(1e-12).sqrt()
    raise ValueError(f"recon_reduction must be one of {RECON_REDUCTIONS}, got {reduction!r}")


def combined_score(r: torch.Tensor, ns: torch.Tensor | None, lambda1: float) -> torch.Tensor:
    """S_i = (1 - lambda1) r_i + lambda1 n_i (Eqs. 5, 7); S_i = r_i without the NS module."""
    if ns is None:
        return r
    return (1.0 - lambda1) * r + lambda1 * ns


def minmax_normalize(
    s: torch.Tensor, *, detach: bool = False, eps: float = 1e-8
) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Reg(S_i) = (S_i - S_min) / (S_max - S_min + eps) over the batch (Eq. 6).

    Returns ``(reg, s_min, s_max)``. With ``detach`` the batch extremes are constants for autograd;
    otherwise the gradient also flows through the argmin and argmax samples (spec section 2.6).
    """
    s_min, s_max = s.min(), s.max()
    if detach:
        s_min, s_max = s_min.detach(), s_max.detach()
    return (s - s_min) / (s_max - s_min + eps), s_min, s_max


def l0_count(params: Iterable[torch.Tensor], threshold: float = 1e-10) -> torch.Tensor:
    """||W||_0 as the paper realises Eq. (3): the number of entries with |w| >= 1e-10 (no gradient)."""
    with torch.no_grad():
        total = sum(int((p.abs() >= threshold).sum()) for p in params)
    return torch.tensor(float(total))


def l0_surrogate(params: Iterable[torch.Tensor], sigma: float = 1e-2) -> torch.Tensor:
    """A differentiable stand-in for ||W||_0: sum of 1 - exp(-w^2 / sigma^2) (an option, not the paper)."""
    return sum(((1.0 - torch.exp(-(p**2) / sigma**2)).sum() for p in params), torch.tensor(0.0))
