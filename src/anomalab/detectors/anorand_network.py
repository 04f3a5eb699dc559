"""AnoRand's network and loss (Zoubeirou a Mayaki & Riveill, Eqs. 1-4): a noise-detection MLP
beside an autoencoder whose decoder also reads the MLP's last hidden output, trained on
``w * BCE + (1 - w) * reconstruction error of the rows labeled normal``."""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from anomalab.nn.blocks import mlp


class AnoRandNet(nn.Module):
    """Noise-detection MLP (``nd_trunk`` + ``nd_head``) and an autoencoder whose decoder reads
    ``concat(z_0, z_1)`` (Eq. 1): ``z_0`` the MLP's last hidden output (or its output logit with
    ``concat="output"``), ``z_1`` the encoder's latent."""

    def __init__(
        self,
        n_features: int,
        nd_hidden: Sequence[int],
        ae_hidden: Sequence[int],
        latent_dim: int,
        *,
        act: str,
        concat: str,
    ) -> None:
        super().__init__()
        self.concat = concat
        self.nd_trunk = mlp(n_features, nd_hidden, act=act)
        self.nd_head = nn.Linear(int(nd_hidden[-1]), 1)
        self.encoder = mlp(n_features, ae_hidden, latent_dim, act=act)
        z0_dim = int(nd_hidden[-1]) if concat == "hidden" else 1
        self.decoder = mlp(latent_dim + z0_dim, list(reversed(ae_hidden)), n_features, act=act)

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logit of y_mlp, reconstruction x_hat)."""
        hidden = self.nd_trunk(x)
        logit = self.nd_head(hidden).squeeze(-1)
        z0 = hidden if self.concat == "hidden" else logit.unsqueeze(-1)
        x_hat = self.decoder(torch.cat([z0, self.encoder(x)], dim=-1))
        return logit, x_hat


def loss_terms(
    logit: torch.Tensor,
    x_hat: torch.Tensor,
    x: torch.Tensor,
    label: torch.Tensor,
    *,
    w: float,
    recon_loss: str,
) -> tuple[torch.Tensor | None, torch.Tensor | None]:
    """(BCE of the logit (Eq. 3), reconstruction error of the rows labeled 0 (Eq. 2)), each a
    batch mean; a term whose weight in Eq. 4 is 0 is None. ``recon_loss``: ``"mse"`` (per-row
    mean squared error) or ``"l2norm"`` (the literal un-squared L2 norm)."""
    bce = F.binary_cross_entropy_with_logits(logit, label) if w > 0 else None
    recon = None
    if w < 1:
        sq = (x_hat - x) ** 2
        err = sq.mean(dim=1) if recon_loss == "mse" else sq.sum(dim=1).add(1e-12).sqrt()
        recon = ((1.0 - label) * err).mean()
    return bce, recon


def weighted_loss(
    bce: torch.Tensor | None, recon: torch.Tensor | None, *, w: float
) -> torch.Tensor:
    """``w * BCE + (1 - w) * reconstruction`` (Eq. 4), from the terms of :func:`loss_terms`."""
    if recon is None:
        if bce is None:
            raise ValueError("no loss term: loss_terms gives at least one")
        return w * bce
    if bce is None:
        return (1.0 - w) * recon
    return w * bce + (1.0 - w) * recon
