"""RSRAE (Lai, Zou & Lerman, ICLR 2020) and SG-RSRAE.

An encoder E maps x to z in R^D'; the robust subspace recovery layer A in R^{d x D'} gives
z~ = A z, renormalised to unit length as the authors' code does; the decoder reconstructs from
z~. Loss: L_AE = mean_i ||x_i - x~_i||_2 (the l2,1 norm, Eq. 3), L_PCA = mean_i ||z_i - A^T A z_i||_2
(Eq. 4), L_proj = ||A A^T - I_d||_F^2 (Eq. 5); score = 1 - cos(x, x~) (the paper's cosine
similarity, flipped so that higher = more anomalous).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

import torch
import torch.nn.functional as F
from torch import nn

from anomalab.detectors.score_guided import (
    PAPER_GUIDANCE,
    PAPER_TRAINING,
    RECOMMENDED_GUIDANCE,
    RECOMMENDED_HOST,
    RECOMMENDED_TRAINING,
    GuidableHost,
    Objective,
    ScoreGuidedMixin,
)
from anomalab.detectors.sgae import resolve_hidden_dims
from anomalab.nn.blocks import mlp
from anomalab.presets import DataShape
from anomalab.registry import register

#: RSRAE's test score: ``"cosine"`` = 1 - cos(x, x~) (the paper's); ``"l2"`` = ||x - x~||_2.
ERRORS = ("cosine", "l2")


class RSRAENet(nn.Module):
    """Encoder -> RSR layer A (d x D') -> [unit-length renormalisation] -> decoder."""

    def __init__(
        self,
        n_features: int,
        *,
        dims: Sequence[int],
        intrinsic_dim: int,
        act: str,
        normalize: bool,
    ) -> None:
        super().__init__()
        dims = list(dims)
        self.encoder = mlp(n_features, dims[:-1], dims[-1], act=act, out_act=act)
        self.A = nn.Parameter(torch.randn(intrinsic_dim, dims[-1]) / dims[-1] ** 0.5)
        self.decoder = mlp(intrinsic_dim, list(reversed(dims)), n_features, act=act)
        self.normalize = normalize

    def project(self, z_tilde: torch.Tensor) -> torch.Tensor:
        """The decoder's input: z~ = A z renormalised to unit length (authors' code) or not."""
        return F.normalize(z_tilde, dim=1) if self.normalize else z_tilde


@register(
    "RSRAE",
    fast_params={"epochs": 10, "batch_size": 64, "lr": 3e-3},
)
class RSRAE(GuidableHost):
    """RSRAE (Lai et al. 2020); score = 1 - cosine similarity of x and its reconstruction.

    ``preset="paper"``, as the SG-AE paper runs it: the same FC layers as SG-AE (code 'auto'
    widths, ReLU), Adam 1e-4, batch 1024, 100 epochs, inputs as given; the RSRAE paper's
    lambda_1 = lambda_2 = 0.1 and intrinsic dimension d = 10, output of the RSR layer
    renormalised (authors' code), score 1 - cos(x, x~). ``preset="recommended"`` (the default):
    the score-guided family's recommended host network and training (``score_guided``), and the
    reconstruction norm ||x - x~||_2 as the score (``error="l2"``). Development half, mean
    AUC-ROC / AUC-PR (docs/results/recommended.md): paper 0.551 / 0.212, recommended
    0.758 / 0.339, recommended with the paper's cosine score 0.629 / 0.251. Documented choice: the three losses are
    minimised as one sum (the paper's RSRAE+), not by its alternating minimisation with three
    optimisers, so the project's single training loop runs it. Parameters ``None`` take the
    preset's value.
    """

    supervision = "unsupervised"
    data_kinds = ("tabular",)
    #: ``explain``: per-feature squared errors under the L2 score (the score is the square root
    #: of their sum); integrated gradients under the cosine score, which they do not add up to.
    explain_method = "reconstruction"
    paper_params: ClassVar[dict[str, Any]] = {
        "hidden_dims": "auto",
        "error": "cosine",
        **PAPER_TRAINING,
    }

    def __init__(
        self,
        preset: str = "recommended",
        hidden_dims: str | Sequence[int] | None = None,
        act: str = "relu",
        intrinsic_dim: int = 10,
        lambda_pca: float = 0.1,
        lambda_proj: float = 0.1,
        normalize: bool = True,
        error: str | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        lr: float | None = None,
        min_steps: int | None = None,
        weight_decay: float = 0.0,
        standardize: bool | None = None,
        contamination: float = 0.1,
        random_state: int | None = None,
        device: str = "cpu",
        verbose: bool = False,
    ) -> None:
        self.preset = preset
        self.hidden_dims = hidden_dims
        self.act = act
        self.intrinsic_dim = intrinsic_dim
        self.lambda_pca = lambda_pca
        self.lambda_proj = lambda_proj
        self.normalize = normalize
        self.error = error
        self.epochs = epochs
        self.batch_size = batch_size
        self.lr = lr
        self.min_steps = min_steps
        self.weight_decay = weight_decay
        self.standardize = standardize
        self.contamination = contamination
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    def recommended_params(self, shape: DataShape) -> dict[str, Any]:
        """The family's recommended host widths and training; the L2 reconstruction score."""
        return {
            "hidden_dims": RECOMMENDED_HOST["hidden_dims"],
            "error": "l2",
            **RECOMMENDED_TRAINING,
        }

    def _build_host(self) -> nn.Module:
        if self.hp_.error not in ERRORS:
            raise ValueError(f"error must be one of {ERRORS}, got {self.hp_.error!r}")
        dims = resolve_hidden_dims(self.hp_.hidden_dims, self.n_features_in_)
        self.latent_dim_ = int(self.intrinsic_dim)  # S reads z~
        return RSRAENet(
            self.n_features_in_,
            dims=dims,
            intrinsic_dim=int(self.intrinsic_dim),
            act=self.act,
            normalize=bool(self.normalize),
        )

    def _objective(self, x: torch.Tensor, labels: torch.Tensor | None) -> Objective:
        net = self.model_
        z = net.encoder(x)
        z_tilde = z @ net.A.T
        x_hat = net.decoder(net.project(z_tilde))
        norms = (x - x_hat).norm(dim=1)
        A = net.A
        pca = (z - (z @ A.T) @ A).norm(dim=1).mean()
        eye = torch.eye(A.shape[0], device=A.device, dtype=A.dtype)
        proj = ((A @ A.T - eye) ** 2).sum()
        loss = norms.mean() + float(self.lambda_pca) * pca + float(self.lambda_proj) * proj
        return Objective(loss, z_tilde, norms)

    def _reconstruct(self, batch: torch.Tensor) -> torch.Tensor:
        net = self.model_
        return net.decoder(net.project(net.encoder(batch) @ net.A.T))

    def _score_batch(self, batch: torch.Tensor) -> torch.Tensor:
        x_hat = self._reconstruct(batch)
        if self._scoring_param("error") == "l2":
            return (batch - x_hat).norm(dim=1)
        return 1.0 - F.cosine_similarity(batch, x_hat, dim=1, eps=1e-8)

    def _explain_method(self) -> str:
        if self.explain_method == "reconstruction" and self._scoring_param("error") != "l2":
            return "integrated_gradients"
        return self.explain_method

    def _feature_errors(self, batch: torch.Tensor) -> torch.Tensor:
        """(x - x~)^2 per feature; the L2 score is the square root of their sum."""
        return (self._reconstruct(batch) - batch) ** 2


@register(
    "SGRSRAE",
    fast_params={"epochs": 10, "batch_size": 64, "lr": 3e-3},
)
class SGRSRAE(ScoreGuidedMixin, RSRAE):
    """SG-RSRAE: RSRAE + scoring network on the RSR layer's output z~ = A E(x) (before the
    renormalisation); score = s = S(z~).

    The attachment (spec §2.5): f = the reconstruction norm ||x - x~||_2; L = RSRAE's loss +
    lambda_SE * mean L_SE. ``preset="paper"``: RSRAE's paper values and the guidance defaults
    (as SG-AE's code). ``preset="recommended"``: RSRAE's recommended values and the family's
    recommended guidance (no early stop, the ``"zsum"`` score; see ``score_guided``).
    """

    paper_params: ClassVar[dict[str, Any]] = {**RSRAE.paper_params, **PAPER_GUIDANCE}

    def __init__(
        self,
        preset: str = "recommended",
        hidden_dims: str | Sequence[int] | None = None,
        act: str = "relu",
        intrinsic_dim: int = 10,
        lambda_pca: float = 0.1,
        lambda_proj: float = 0.1,
        normalize: bool = True,
        error: str | None = None,
        epochs: int | None = None,
        batch_size: int | None = None,
        lr: float | None = None,
        min_steps: int | None = None,
        weight_decay: float = 0.0,
        standardize: bool | None = None,
        lambda_se: float = 0.01,
        lambda_a: float = 20.0,
        a: float = 6.0,
        eps_p: float = 90.0,
        mu0: float | str = "reference",
        use_labels: bool = True,
        scorer_hidden: Sequence[int] = (10,),
        scorer_act: str = "relu",
        early_stop: bool | None = None,
        grad_clip_value: float | None = 1.0,
        score: str | None = None,
        contamination: float = 0.1,
        random_state: int | None = None,
        device: str = "cpu",
        verbose: bool = False,
    ) -> None:
        super().__init__(
            preset=preset,
            hidden_dims=hidden_dims,
            act=act,
            intrinsic_dim=intrinsic_dim,
            lambda_pca=lambda_pca,
            lambda_proj=lambda_proj,
            normalize=normalize,
            error=error,
            epochs=epochs,
            batch_size=batch_size,
            lr=lr,
            min_steps=min_steps,
            weight_decay=weight_decay,
            standardize=standardize,
            contamination=contamination,
            random_state=random_state,
            device=device,
            verbose=verbose,
        )
        self.lambda_se = lambda_se
        self.lambda_a = lambda_a
        self.a = a
        self.eps_p = eps_p
        self.mu0 = mu0
        self.use_labels = use_labels
        self.scorer_hidden = scorer_hidden
        self.scorer_act = scorer_act
        self.early_stop = early_stop
        self.grad_clip_value = grad_clip_value
        self.score = score

    def recommended_params(self, shape: DataShape) -> dict[str, Any]:
        return {**super().recommended_params(shape), **RECOMMENDED_GUIDANCE}
