"""PLAD's networks (Cai & Fan, NeurIPS 2022, Sec. 3.3): the perturbator g (a VAE, Eq. 4, or a
deterministic MLP, Eq. 3) that maps x to [beta; alpha], the LeNet classifier f for images,
the module holding both, and the compute budgets (network sizes, epochs)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import torch
from torch import nn

from anomalab.nn.blocks import activation, conv_encoder, mlp

#: Compute budgets (``budget``): ``"full"`` is the paper's, ``"cpu"`` fits a CPU. ``None`` for the
#: image VAE means h = z = d (the PLUME port of the official code). Conv settings per channel
#: count: (conv channels, FC width, head widths).
BUDGETS: dict[str, dict[str, Any]] = {
    "full": {
        "epochs": 100,
        "tabular_clf": (64, 32),
        "tabular_vae": (128, 32),
        "image_vae": None,
        "lenet": {1: ((8, 4), 32, (16,)), 3: ((32, 64, 128), 128, (64,))},
    },
    "cpu": {
        "epochs": 20,
        "tabular_clf": (64, 32),
        "tabular_vae": (128, 32),
        "image_vae": (256, 64),
        "lenet": {1: ((8, 4), 32, (16,)), 3: ((16, 32, 64), 64, (32,))},
    },
}


class VAEPerturbator(nn.Module):
    """MLP VAE on flattened x: d -> h -> (mu, logvar in R^z); z -> h -> 2d (Sec. 3.3, Eq. 4).

    The linear output is split as [beta (first d); alpha (last d)] (PLUME's order).
    """

    def __init__(self, d: int, hidden: int, latent: int) -> None:
        super().__init__()
        self.encoder = mlp(d, [hidden], act="leaky_relu")
        self.mu = nn.Linear(hidden, latent)
        self.logvar = nn.Linear(hidden, latent)
        self.decoder = mlp(latent, [hidden], 2 * d, act="leaky_relu")

    def forward(
        self, x: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor | None, torch.Tensor | None]:
        h = self.encoder(x)
        mu, logvar = self.mu(h), self.logvar(h)
        z = mu + torch.randn_like(mu) * (0.5 * logvar).exp()  # reparameterisation, one sample
        return self.decoder(z), mu, logvar


class DeterministicPerturbator(nn.Module):
    """g(x) = [beta; alpha] from an MLP d -> h -> 2d (Eq. 3, no latent sampling, no KL)."""

    def __init__(self, d: int, hidden: int) -> None:
        super().__init__()
        self.net = mlp(d, [hidden], 2 * d, act="leaky_relu")

    def forward(self, x: torch.Tensor) -> tuple[torch.Tensor, None, None]:
        return self.net(x), None, None


def lenet_classifier(
    in_channels: int, image_size: int, channels: Sequence[int], fc: int, head: Sequence[int]
) -> nn.Sequential:
    """Deep SVDD / DROCC LeNet: [Conv5x5 (no bias) -> BN (affine=False) -> LeakyReLU -> MaxPool2]
    per stage -> FC (no bias) -> LeakyReLU -> head MLP (no bias) -> one logit."""
    encoder, _ = conv_encoder(
        in_channels, image_size, channels, fc, batch_norm=True, bias=False, act="leaky_relu"
    )
    return nn.Sequential(
        encoder, activation("leaky_relu"), mlp(fc, head, 1, act="leaky_relu", bias=False)
    )


class PLADNet(nn.Module):
    """Classifier f (logit of "abnormal") + perturbator g; ``perturb`` makes x~ = x*alpha + beta."""

    def __init__(self, classifier: nn.Module, perturbator: nn.Module, alpha_offset: bool) -> None:
        super().__init__()
        self.classifier = classifier
        self.perturbator = perturbator
        self.alpha_offset = alpha_offset

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(x).reshape(-1)

    def perturb(self, x: torch.Tensor) -> tuple[torch.Tensor, ...]:
        """(x~, alpha, beta, mu, logvar); alpha, beta have x's shape."""
        out, mu, logvar = self.perturbator(x.flatten(1))
        beta, alpha = out.chunk(2, dim=1)
        if self.alpha_offset:
            alpha = alpha + 1.0
        alpha, beta = alpha.reshape(x.shape), beta.reshape(x.shape)
        return x * alpha + beta, alpha, beta, mu, logvar
