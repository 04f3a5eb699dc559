"""DevNet: deep anomaly detection with deviation networks (Pang, Shen, van den Hengel, KDD 2019).

A scoring network phi(x) (Eqs. 1-3) is trained end to end with the deviation loss (Eq. 7) against
a Gaussian prior of reference scores (Eqs. 4-5): unlabeled rows (treated as normal) are pulled to
the prior mean, the few labeled anomalies pushed at least ``margin`` prior standard deviations
above it. Test score = phi(x); by Proposition 4.1 a score above z_p (the N(mu, sigma^2) quantile)
means confidence p that the row is not from the normal mechanism.

Implementation note: ``shared/specs/devnet.md``; defaults are the official Keras code's (sec. 4).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from scipy.stats import norm
from torch import nn

from anomalab.base import TorchDetector
from anomalab.nn.blocks import conv_encoder, mlp
from anomalab.nn.training import make_optimizer, train_loop
from anomalab.registry import register

#: Hidden widths before the last hidden layer (of ``rep_dim`` = 20 units) of the paper's
#: architectures (Table 2 / code ``network_depth``); ``None``: no hidden layer at all.
VARIANTS: dict[str, tuple[int, ...] | None] = {
    "Def": (),  # network_depth 2: D -> 20 -> 1, used for every Table 1 number
    "Rep": (),  # D -> 20, deviation loss on the 20-d representation (no score head)
    "Linear": None,  # network_depth 1: D -> 1, no hidden layer, no L2
    "3HL": (1000, 250),  # network_depth 4: D -> 1000 -> 250 -> 20 -> 1
}


def deviation(scores: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
    """Z-score deviation dev(x) = (phi(x) - mu_R) / sigma_R (Eqs. 5-6), population std (Keras)."""
    return (scores - ref.mean()) / ref.std(unbiased=False)


def deviation_loss(dev: torch.Tensor, y: torch.Tensor, margin: float = 5.0) -> torch.Tensor:
    """Eq. 7, averaged over the batch: (1 - y) |dev| + y max(0, a - dev).

    ``dev`` and ``y`` must both be 1-D of the same length: a (B, 1) vs (B,) mix would broadcast to
    a B x B loss that decouples labels from rows (the DeepOD / PyOD bug, spec sec. 10).
    """
    if dev.ndim != 1 or dev.shape != y.shape:
        raise ValueError(
            f"deviation loss needs 1-D deviations and labels of equal shape, got "
            f"{tuple(dev.shape)} and {tuple(y.shape)}"
        )
    y = y.to(dev.dtype)
    return ((1.0 - y) * dev.abs() + y * torch.clamp(margin - dev, min=0.0)).mean()


class DevNetMLP(nn.Module):
    """phi(x) = eta(psi(x)) (Eq. 3): ReLU MLP feature learner psi, linear score head eta (Eq. 2).

    ``head=False`` (DevNet-Rep) returns the representation psi(x) itself.
    """

    def __init__(self, n_features: int, hidden_dims: Sequence[int], *, head: bool = True) -> None:
        super().__init__()
        self.feature = mlp(n_features, list(hidden_dims))
        width = int(hidden_dims[-1]) if hidden_dims else n_features
        self.score = nn.Linear(width, 1) if head else None
        glorot_init(self)

    def hidden_kernels(self) -> list[torch.Tensor]:
        """Kernels that get the L2 penalty (hidden layers only, not the score layer; code)."""
        return [m.weight for m in self.feature if isinstance(m, nn.Linear)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.feature(x)
        return q if self.score is None else self.score(q).reshape(-1)


class DevNetCNN(nn.Module):
    """Image option: a small CNN feature learner (``conv_encoder``) -> ReLU -> linear score head."""

    def __init__(
        self, input_shape: Sequence[int], channels: Sequence[int], rep_dim: int, *, head: bool
    ) -> None:
        super().__init__()
        c, h, w = (int(s) for s in input_shape)
        if h != w:
            raise ValueError(f"DevNet's CNN expects square images, got {h}x{w}")
        encoder, _ = conv_encoder(c, h, list(channels), rep_dim, kernel_size=3, act="relu")
        self.feature = nn.Sequential(encoder, nn.ReLU())
        self.score = nn.Linear(rep_dim, 1) if head else None
        glorot_init(self)

    def hidden_kernels(self) -> list[torch.Tensor]:
        return [m.weight for m in self.feature.modules() if isinstance(m, nn.Conv2d | nn.Linear)]

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        q = self.feature(x)
        return q if self.score is None else self.score(q).reshape(-1)


def glorot_init(module: nn.Module) -> None:
    """Keras defaults: Glorot-uniform kernels, zero biases."""
    for m in module.modules():
        if isinstance(m, nn.Linear | nn.Conv2d):
            nn.init.xavier_uniform_(m.weight)
            if m.bias is not None:
                nn.init.zeros_(m.bias)


@register(
    "DevNet",
    fast_params={"epochs": 20, "steps_per_epoch": 10, "batch_size": 128},
)
class DevNet(TorchDetector):
    """DevNet (KDD 2019): end-to-end anomaly scores via a Gaussian-prior deviation loss.

    Defaults are the official code's (spec sec. 4): one hidden layer of 20 ReLU units (``"Def"``),
    Glorot-uniform kernels and zero biases, L2 0.01 * sum(W^2) on the hidden kernels added to the
    loss (Keras ``l2(0.01)``, not optimizer weight decay), margin a = 5, reference scores
    r_1..r_l ~ N(0, 1) with l = 5000, RMSprop (lr 1e-3, rho 0.9, eps 1e-7), global gradient-norm
    clipping at 1 (``clipnorm``), 50 epochs x 20 batches x 512 rows, each batch half unlabeled rows
    (label 0 or -1, treated as normal) and half labeled anomalies (label 1), all drawn uniformly with
    replacement. The weights kept are those of the epoch with the lowest mean training loss
    (Keras ``ModelCheckpoint(monitor='loss', save_best_only=True)``).

    Choices the paper leaves open (spec sec. 9):

    - ``fixed_reference``: the paper (Algorithm 1) re-draws the l reference scores every batch
      (default here); the code draws them once (``True``). Measured difference: none.
    - ``variant="Rep"`` (Table 2, our reading of sec. 9 item 11): psi(x) in R^20 is the "score
      vector"; references are l x 20 draws of N(0, I); dev(x) = ||(psi(x) - mu_R) / sigma_R||_2;
      loss (1 - y) dev + y max(0, a - dev); test score = ||psi(x) - mu|| / sigma with the prior's
      mu, sigma (no sampling at inference).
    - ``network="cnn"``: not evaluated in the paper; conv 3x3 stages (``channels``) + max-pool, a
      dense layer of ``rep_dim`` ReLU units, a linear score head; L2 on every hidden kernel.
    - Labeled normals (-1) are treated like unlabeled rows (y = 0 in Eq. 7).

    Presets: ``preset="recommended"`` (the default) equals ``preset="paper"``. DevNet already works
    on ordinary data: on ADBench's semi-supervised cells with 5 % of the training anomalies
    labeled its mean AUC-ROC is ADBench's own DevNet's (docs/results/devnet.md), and the
    development half's semi-supervised validation splits (docs/results/recommended.md) gave no
    reason to change a setting.

    Parameters
    ----------
    preset: "recommended" or "paper" (the same settings; see above).
    variant: "Def" (1 hidden layer of 20), "Linear" (no hidden layer), "3HL" (1000-250-20) or
        "Rep" (loss on the 20-d representation).
    network: "mlp" (tabular) or "cnn" (images of shape (C, H, W); see ``image_shape``).
    rep_dim: width of the last hidden layer (20 in the paper; the Rep variant's vector size).
    channels, image_shape: the CNN option (conv stage widths; the declared (C, H, W)).
    margin: a in Eq. 7 (a Z-score).
    ref_mean, ref_std, n_ref: the Gaussian prior N(mu, sigma^2) and l (Eq. 4).
    fixed_reference: draw the reference scores once (code) instead of every batch (paper).
    l2: coefficient of sum(W^2) over hidden kernels, added to the loss.
    epochs, steps_per_epoch, batch_size: Algorithm 1 (an "epoch" is ``steps_per_epoch`` batches).
    lr, rho, eps: RMSprop.
    grad_clip: gradient-norm clip (None = off).
    clip_mode: ``"global"`` bounds the norm of all gradients together (``clipnorm`` in Keras
        2.2/2.3: the official code's environment and ADBench's stated Keras 2.3.0);
        ``"per_tensor"`` bounds each weight tensor's gradient on its own (``clipnorm`` in
        ``tf.keras`` >= 2.4, i.e. the same code run on a recent TensorFlow).
    select_best: keep the weights of the epoch with the lowest mean training loss.
    contamination: fraction of training rows above ``threshold_``, or ``"auto"``: threshold at
        z_0.95 of the prior (Proposition 4.1: a score above it has 95 % confidence of being
        anomalous); ``auto_confidence`` changes p.
    random_state, device, verbose: see the estimator contract.
    """

    supervision = "semi-supervised"
    data_kinds = ("tabular", "image")
    #: ``explain`` (tabular): integrated gradients of the score phi(x).
    explain_method = "integrated_gradients"
    requires_labeled_anomaly = True
    supports_auto_threshold = True
    score_batch_size = 65536

    def __init__(
        self,
        preset: str = "recommended",
        variant: str = "Def",
        network: str = "mlp",
        channels: Sequence[int] = (16, 32),
        rep_dim: int = 20,
        image_shape: Sequence[int] | None = None,
        margin: float = 5.0,
        ref_mean: float = 0.0,
        ref_std: float = 1.0,
        n_ref: int = 5000,
        fixed_reference: bool = False,
        l2: float = 0.01,
        epochs: int = 50,
        steps_per_epoch: int = 20,
        batch_size: int = 512,
        lr: float = 1e-3,
        rho: float = 0.9,
        eps: float = 1e-7,
        grad_clip: float | None = 1.0,
        clip_mode: str = "global",
        select_best: bool = True,
        auto_confidence: float = 0.95,
        contamination: float | str = 0.1,
        random_state: int | None = None,
        device: str = "cpu",
        verbose: bool = False,
    ) -> None:
        self.preset = preset
        self.variant = variant
        self.network = network
        self.channels = channels
        self.rep_dim = rep_dim
        self.image_shape = image_shape
        self.margin = margin
        self.ref_mean = ref_mean
        self.ref_std = ref_std
        self.n_ref = n_ref
        self.fixed_reference = fixed_reference
        self.l2 = l2
        self.epochs = epochs
        self.steps_per_epoch = steps_per_epoch
        self.batch_size = batch_size
        self.lr = lr
        self.rho = rho
        self.eps = eps
        self.grad_clip = grad_clip
        self.clip_mode = clip_mode
        self.select_best = select_best
        self.auto_confidence = auto_confidence
        self.contamination = contamination
        self.random_state = random_state
        self.device = device
        self.verbose = verbose

    # ---------------------------------------------------------------------------- model
    @property
    def _is_image_detector(self) -> bool:
        return self.network == "cnn"

    @property
    def _rep(self) -> bool:
        return self.variant == "Rep"

    def _build_model(self) -> nn.Module:
        if self.variant not in VARIANTS:
            raise ValueError(
                f"unknown DevNet variant {self.variant!r}; choose from {list(VARIANTS)}"
            )
        if self.network == "cnn":
            if self.variant not in ("Def", "Rep"):
                raise ValueError("network='cnn' supports variant 'Def' or 'Rep'")
            return DevNetCNN(
                self.input_shape_, self.channels, int(self.rep_dim), head=not self._rep
            )
        if self.network != "mlp":
            raise ValueError(f"unknown network {self.network!r}: use 'mlp' or 'cnn'")
        widths = VARIANTS[self.variant]
        hidden = [] if widths is None else [*widths, int(self.rep_dim)]
        return DevNetMLP(self.n_features_in_, hidden, head=not self._rep)

    # ------------------------------------------------------------------------- training
    def _reference(self, generator: torch.Generator) -> torch.Tensor:
        """l prior draws r_i ~ N(mu, sigma^2) (Eq. 4); (l, 20) for the Rep variant."""
        shape = (int(self.n_ref), int(self.rep_dim)) if self._rep else (int(self.n_ref),)
        draws = torch.randn(shape, generator=generator)
        return (float(self.ref_mean) + float(self.ref_std) * draws).to(self.device_)

    def _dev(self, out: torch.Tensor, ref: torch.Tensor) -> torch.Tensor:
        if not self._rep:
            return deviation(out, ref)
        z = (out - ref.mean(dim=0)) / ref.std(dim=0, unbiased=False)
        return z.norm(dim=1)

    def _train(self, X: np.ndarray, y: np.ndarray | None, generator: torch.Generator) -> None:
        if self.clip_mode not in ("global", "per_tensor"):
            raise ValueError(f"clip_mode must be 'global' or 'per_tensor', got {self.clip_mode!r}")
        if self.variant == "Linear" or not self.l2:
            kernels: list[torch.Tensor] = []
        else:
            kernels = self.model_.hidden_kernels()
        fixed = self._reference(generator) if self.fixed_reference else None
        batch_losses: list[float] = []

        def loss_fn(batch: tuple[torch.Tensor, ...]) -> torch.Tensor:
            x, lab = batch
            ref = fixed if fixed is not None else self._reference(generator)
            loss = deviation_loss(self._dev(self.model_(x), ref), lab, float(self.margin))
            if kernels:
                loss = loss + float(self.l2) * sum((w**2).sum() for w in kernels)
            batch_losses.append(float(loss.detach()))
            return loss

        def epoch_mean_loss() -> float:
            value = float(np.mean(batch_losses))
            batch_losses.clear()
            return value

        labels = torch.as_tensor((y == 1).astype(np.float32))
        optimizer = make_optimizer(
            self.model_.parameters(),
            "rmsprop",
            float(self.lr),
            alpha=float(self.rho),
            eps=float(self.eps),
        )
        self.history_ = train_loop(
            self.model_,
            loss_fn,
            (self._as_tensor(X), labels),
            optimizer,
            epochs=int(self.epochs),
            batch_size=int(self.batch_size),
            generator=generator,
            device=self.device_,
            steps_per_epoch=int(self.steps_per_epoch),
            balance_on=labels,
            grad_clip=float(self.grad_clip) if self.grad_clip else None,
            clip_per_tensor=self.clip_mode == "per_tensor",
            monitor=epoch_mean_loss if self.select_best else None,
            select_best=bool(self.select_best),
            verbose=bool(self.verbose),
            description="DevNet",
        )

    # -------------------------------------------------------------------------- scoring
    def _score_batch(self, batch: torch.Tensor) -> torch.Tensor:
        out = self.model_(batch)
        if self._rep:
            return ((out - float(self.ref_mean)) / float(self.ref_std)).norm(dim=1)
        return out

    def _auto_threshold(self) -> float:
        """z_p of the prior N(mu, sigma^2), p = ``auto_confidence`` (Proposition 4.1)."""
        p = float(self.auto_confidence)
        if not 0.5 <= p < 1.0:
            raise ValueError(f"auto_confidence must lie in [0.5, 1), got {p}")
        if self._rep:  # ||N(0, I_20)||^2 ~ chi^2_20: the p-quantile of the norm
            from scipy.stats import chi2

            return float(np.sqrt(chi2.ppf(p, int(self.rep_dim))))
        return float(norm.ppf(p, loc=float(self.ref_mean), scale=float(self.ref_std)))
