"""PLAD's training objective (Cai & Fan, NeurIPS 2022, Eq. 3 / Eq. 5): the classifier's
cross-entropy on normal (0) and perturbed (1) data, the perturbation-size penalty
||alpha - 1||^2 + ||beta||^2 and the VAE's KL term."""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass
class PLADLossTerms:
    """The three terms of Eq. 5 (each a batch mean) before weighting."""

    ce: torch.Tensor
    size: torch.Tensor
    kl: torch.Tensor

    def total(self, lam: float, kl_weight: float = 1.0) -> torch.Tensor:
        return self.ce + lam * self.size + kl_weight * self.kl


def perturbation_size(alpha: torch.Tensor, beta: torch.Tensor, reduction: str) -> torch.Tensor:
    """||alpha - 1||^2 + ||beta||^2 per sample, averaged over the batch (Eq. 3's penalty).

    ``"sum"``: squared L2 norms over the d coordinates (the paper's equations). ``"mean"``: the
    per-element mean, i.e. the sum divided by d (``F.mse_loss`` in the PLUME port of the official
    code); lambda is then d times weaker than with ``"sum"``.
    """
    per_elem = (alpha - 1.0) ** 2 + beta**2
    if reduction == "mean":
        return per_elem.mean()
    if reduction == "sum":
        return per_elem.flatten(1).sum(dim=1).mean()
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")


def kl_divergence(mu: torch.Tensor | None, logvar: torch.Tensor | None) -> torch.Tensor:
    """KL(N(mu, diag exp(logvar)) || N(0, I)), summed over latent dims, batch mean (Eq. 4)."""
    if mu is None or logvar is None:
        return torch.zeros(())
    return 0.5 * (logvar.exp() + mu**2 - 1.0 - logvar).sum(dim=1).mean()


def plad_loss_terms(
    logits_normal: torch.Tensor,
    logits_perturbed: torch.Tensor,
    alpha: torch.Tensor,
    beta: torch.Tensor,
    mu: torch.Tensor | None = None,
    logvar: torch.Tensor | None = None,
    reduction: str = "mean",
) -> PLADLossTerms:
    """Eq. 5's terms: CE = mean l(0, f(x)) + mean l(1, f(x~)) (labels normal 0, perturbed 1)."""
    ce = F.binary_cross_entropy_with_logits(
        logits_normal, torch.zeros_like(logits_normal)
    ) + F.binary_cross_entropy_with_logits(logits_perturbed, torch.ones_like(logits_perturbed))
    return PLADLossTerms(
        ce=ce,
        size=perturbation_size(alpha, beta, reduction),
        kl=kl_divergence(mu, logvar).to(ce.device),
    )
