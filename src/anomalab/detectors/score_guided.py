"""Score-guided regularization (Huang et al., "Enhancing Unsupervised Anomaly Detection with
Score-Guided Network", Eqs. 3-6): one component that any autoencoder-style detector can wear.

A scoring network ``S`` reads the host's latent code ``z`` and outputs a scalar score ``s``. The
host's own discrimination function ``f`` (larger = more anomalous; reconstruction error for an AE,
sample energy for DAGMM) splits the training rows: ``f < eps`` are "obvious normal", the rest
"suspected abnormal", ``eps`` being the ``eps_p``-th percentile of ``f`` over the whole training
set, recomputed at the start of every epoch (official code). Eq. (3)/(10)::

    L_SE(s) = |s - mu0|                    if f <  eps
            = lambda_a * max(0, a - s)     if f >= eps

and the host loss becomes ``L = L_OE + lambda_SE * mean(L_SE)`` (Eq. 5; Eq. 6 is the same with
``lambda_normal = lambda_SE``, ``lambda_abnormal = lambda_SE * lambda_a``); the test score is ``s``.

Defaults are the official code's (github.com/urbanmobility/SGM): ``lambda_SE = 0.01``,
``lambda_a = 20``, ``a = 6``, ``eps_p = 90``; ``mu0 = "reference"`` draws the mean of 10,000
N(0, 1) samples on every loss call (DevNet's reference trick, as the code does; a float gives a
constant); gradients clipped by value at 1.0; early stop once the mean training score exceeds
``a / 2``. Labels: with ``use_labels`` a labeled anomaly (1) is always "suspected abnormal" and a
labeled normal (-1) always "obvious normal", whatever ``f`` says (the paper's semi-supervised
remark, Section 3); unlabeled rows (0) follow ``f``.

How to attach it: a host detector subclasses :class:`GuidableHost` and implements
``_objective(x, labels) -> Objective(loss, z, f)`` (its own loss ``L_OE``, the code fed to ``S``,
the per-sample ``f``) and ``_discrimination(X) -> f`` over a whole array; its score-guided version
is ``class SGHost(ScoreGuidedMixin, Host)`` plus the guidance constructor parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple

import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from torch import nn

from anomalab.base import TorchDetector
from anomalab.data.preprocess import standardization_stats
from anomalab.detectors.score_fusion import fit_zsum
from anomalab.nn.blocks import mlp
from anomalab.nn.training import make_optimizer, predict_in_chunks, train_loop
from anomalab.presets import budget_epochs

#: Sample size of the reference draw behind ``mu0 = "reference"`` (official code, DevNet).
REFERENCE_DRAWS = 10_000
#: Test-time scores of a score-guided model: ``"s"`` = S(z) (Eq. 8, the paper's); ``"zsum"`` = s
#: plus the host's f, each as a robust z-score against the training rows (median, IQR).
SG_SCORES = ("s", "zsum")

#: The score-guided family's training under each preset, shared by the hosts (SG-AE, DAGMM, RDA,
#: RSRAE) and their SG versions. Paper: as the SG-AE code and paper run every model. Recommended:
#: the development half's choices (docs/results/recommended.md): Adam 1e-3 in batches of 256
#: (cardio's 1,281 rows gave 2 steps an epoch at batch 1024, 200 steps in all at lr 1e-4: an
#: untrained scorer), at least ``min_steps`` optimizer steps, z-scored inputs.
PAPER_TRAINING: dict[str, Any] = dict(
    epochs=100, batch_size=1024, lr=1e-4, min_steps=0, standardize=False
)
RECOMMENDED_TRAINING: dict[str, Any] = dict(
    epochs=100, batch_size=256, lr=1e-3, min_steps=0, standardize=True
)
#: Guidance under each preset. Paper: the code's early stop (mean training s above a / 2) and
#: s as the score. Recommended: no early stop (at lr 1e-3 it fires during the first epochs'
#: transient and leaves s untrained) and the ``"zsum"`` score, which beats s alone on the
#: development half's mean AUC-ROC for SG-RDA (0.775 against 0.736), SG-RSRAE (0.750 / 0.655)
#: and SG-DAGMM (0.696 / 0.644); SG-AE keeps s (0.777 against zsum's 0.774, AUC-PR 0.342 / 0.320).
PAPER_GUIDANCE: dict[str, Any] = {"early_stop": True, "score": "s"}
RECOMMENDED_GUIDANCE: dict[str, Any] = {"early_stop": False, "score": "zsum"}
#: The recommended host network: the AutoEncoder's widths (64-32, latent 16), linear latent.
RECOMMENDED_HOST: dict[str, Any] = {"hidden_dims": (64, 32, 16), "latent_act": "identity"}


class Objective(NamedTuple):
    """What a guidable host computes on a batch: its own loss, the code for S, and f."""

    loss: torch.Tensor
    z: torch.Tensor
    f: torch.Tensor


class ScoringNetwork(nn.Module):
    """S: latent -> hidden (default 10) -> ``out_dim`` (1: the score s; 2: (mu, raw sigma)).

    ``act`` between the layers: ``"relu"`` as the official code since Feb 2023; ``"identity"``
    reproduces the paper-era code (a linear scorer).
    """

    def __init__(
        self,
        latent_dim: int,
        *,
        hidden_dims: tuple[int, ...] = (10,),
        act: str = "relu",
        out_dim: int = 1,
    ) -> None:
        super().__init__()
        self.net = mlp(latent_dim, hidden_dims, out_dim, act=act)

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        out = self.net(z)
        return out.squeeze(-1) if out.shape[-1] == 1 else out


def percentile_threshold(f: np.ndarray | torch.Tensor, eps_p: float) -> float:
    """eps: the ``eps_p``-th percentile of ``f`` (numpy's linear interpolation, as the code)."""
    if not 0.0 <= eps_p <= 100.0:
        raise ValueError(f"eps_p must lie in [0, 100], got {eps_p}")
    values = f.detach().cpu().numpy() if isinstance(f, torch.Tensor) else np.asarray(f)
    return float(np.percentile(values, eps_p))


def suspected_abnormal(
    f: torch.Tensor, eps: float, labels: torch.Tensor | None = None
) -> torch.Tensor:
    """Boolean flags (True = suspected abnormal, ``f >= eps``); labels 1 / -1 override f."""
    flags = f.detach() >= eps
    if labels is not None:
        flags = torch.where(labels == 1, torch.ones_like(flags), flags)
        flags = torch.where(labels == -1, torch.zeros_like(flags), flags)
    return flags


def draw_mu0(mu0: float | str, generator: torch.Generator | None, device: torch.device) -> float:
    """The normal target: a constant, or the mean of 10,000 N(0, 1) draws (``"reference"``)."""
    if isinstance(mu0, str):
        if mu0 != "reference":
            raise ValueError(f"mu0 must be a float or 'reference', got {mu0!r}")
        return float(torch.randn(REFERENCE_DRAWS, generator=generator).mean())
    return float(mu0)


def score_guided_terms(
    s: torch.Tensor, flags: torch.Tensor, *, mu0: float, lambda_a: float, a: float
) -> torch.Tensor:
    """Per-sample L_SE of Eq. (3): |s - mu0| (normal), lambda_a * max(0, a - s) (abnormal)."""
    normal = (s - mu0).abs()
    abnormal = lambda_a * torch.clamp(a - s, min=0.0)
    return torch.where(flags, abnormal, normal)


def gaussian_kl(mu: torch.Tensor, sigma: torch.Tensor) -> torch.Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) per sample (also the LogNormal KL: Eq. 15, spec §2.6)."""
    return 0.5 * (sigma**2 + mu**2 - 1.0 - torch.log(sigma**2))


def clip_gradients_by_value(module: nn.Module, clip: float) -> None:
    """Clamp every parameter gradient to [-clip, clip] (the code's ``clip_grad_value_``)."""
    for p in module.parameters():
        if p.requires_grad:
            p.register_hook(lambda g, c=float(clip): g.clamp(-c, c))


def label_tensor(y: np.ndarray | None, n: int) -> torch.Tensor:
    """Training labels as int8 (1 anomaly, 0 unlabeled, -1 normal); zeros when none."""
    if y is None:
        return torch.zeros(n, dtype=torch.int8)
    return torch.as_tensor(np.asarray(y), dtype=torch.int8)


class GuidableHost(TorchDetector):
    """A host detector that the score-guided component can wear (plain behaviour here).

    Subclasses implement ``_build_host()`` (a module; set ``self.latent_dim_``),
    ``_objective(x, labels) -> Objective`` and ``_discrimination(X) -> f`` and resolve the
    parameters ``lr``, ``weight_decay``, ``epochs``, ``min_steps``, ``batch_size`` and
    ``standardize`` (``hp_``). Inputs are z-scored with training statistics when ``standardize``.
    """

    fitted_state = ("mean_", "scale_")

    def _prepare(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.mean_, self.scale_ = standardization_stats(X, enabled=bool(self.hp_.standardize))

    def _transform(self, X: np.ndarray) -> np.ndarray:
        return (X - self.mean_) / self.scale_

    def _build_model(self) -> nn.Module:
        return self._build_host()

    def _build_host(self) -> nn.Module:
        raise NotImplementedError

    def _objective(self, x: torch.Tensor, labels: torch.Tensor | None) -> Objective:
        raise NotImplementedError

    def _discrimination(self, X: np.ndarray) -> np.ndarray:
        """f over a whole (transformed) array, in eval mode."""
        was_training = self.model_.training
        self.model_.eval()
        f = predict_in_chunks(lambda x: self._objective(x, None).f, X, device=self.device_)
        self.model_.train(was_training)
        return f

    # --------------------------------------------------------------- guidance hooks (no-op)
    def _batch_loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> Any:
        x, labels = batch
        return self._objective(x, labels).loss

    def _start_guidance(self, X: np.ndarray) -> None:
        """Nothing to prepare without a scoring network."""

    def _epoch_monitor(self, X: np.ndarray) -> Callable[[], float] | None:
        return None

    # ---------------------------------------------------------------------- training
    def _run_epochs(
        self, X: np.ndarray, y: np.ndarray | None, generator: torch.Generator, epochs: int
    ) -> Any:
        """``epochs`` passes of ``train_loop`` over ``(X, labels)`` with Adam (shared by hosts)."""
        hp = self.hp_
        if not hasattr(self, "optimizer_"):
            self.optimizer_ = make_optimizer(
                self.model_.parameters(), lr=float(hp.lr), weight_decay=float(hp.weight_decay)
            )
        monitor = self._epoch_monitor(X)
        stop = getattr(hp, "early_stop", False) and monitor is not None
        return train_loop(
            self.model_,
            lambda batch: self._batch_loss(batch, generator),
            (self._as_tensor(X), label_tensor(y, len(X))),
            self.optimizer_,
            epochs=int(epochs),
            batch_size=int(hp.batch_size),
            generator=generator,
            device=self.device_,
            monitor=monitor,
            patience=1 if stop else None,
            verbose=bool(self.verbose),
            description=type(self).__name__,
        )

    def _budget_epochs(self, n_rows: int) -> int:
        """``epochs``, raised where they would be fewer than ``min_steps`` optimizer steps."""
        hp = self.hp_
        return budget_epochs(
            epochs=hp.epochs, n_rows=n_rows, batch_size=hp.batch_size, min_steps=hp.min_steps
        )

    def _train(self, X: np.ndarray, y: np.ndarray | None, generator: torch.Generator) -> None:
        if hasattr(self, "optimizer_"):
            del self.optimizer_
        self._start_guidance(X)
        self.history_ = self._run_epochs(X, y, generator, epochs=self._budget_epochs(len(X)))
        del self.optimizer_


class ScoreGuidedMixin:
    """Attach S and L_SE to a :class:`GuidableHost` (put this class first in the bases).

    Reads the guidance parameters annotated below, which every score-guided detector's
    constructor takes with the same defaults (``early_stop`` and ``score`` as the preset resolves
    them): ``score="s"`` is s = S(z) (Eq. 8); ``"zsum"`` adds the host's f, both as robust
    z-scores against the training rows (``score_stats_``).
    """

    lambda_se: float
    lambda_a: float
    a: float
    eps_p: float
    mu0: float | str
    use_labels: bool
    scorer_hidden: tuple[int, ...]
    scorer_act: str
    early_stop: bool | None
    grad_clip_value: float | None
    score: str | None
    scorer_out_dim = 1
    supports_validation = True
    explain_method = "integrated_gradients"  # of the test-time score, s or the z-sum of s and f

    # --------------------------------------------------------------------------- model
    def _build_model(self) -> nn.Module:
        model = self._build_host()  # type: ignore[attr-defined]
        model.scorer = ScoringNetwork(
            int(self.latent_dim_),  # type: ignore[attr-defined]
            hidden_dims=tuple(self.scorer_hidden),
            act=self.scorer_act,
            out_dim=self.scorer_out_dim,
        )
        if self.grad_clip_value is not None:
            clip_gradients_by_value(model, clip=float(self.grad_clip_value))
        return model

    def _score_from(self, out: Objective) -> torch.Tensor:
        """The learned score s = S(z)."""
        return self.model_.scorer(out.z)  # type: ignore[attr-defined]

    def _s_batch(self, batch: torch.Tensor) -> torch.Tensor:
        """s of one batch (whatever the test-time ``score``)."""
        return self._score_from(self._objective(batch, None))  # type: ignore[attr-defined]

    def _s_and_f_batch(self, batch: torch.Tensor) -> torch.Tensor:
        out = self._objective(batch, None)  # type: ignore[attr-defined]
        return torch.stack([self._score_from(out), out.f], dim=1)

    def _fit_score_stats(self, X: np.ndarray) -> None:
        """Robust location and scale of s and f over the (transformed) training rows."""
        self.model_.eval()  # type: ignore[attr-defined]
        both = predict_in_chunks(self._s_and_f_batch, X, device=self.device_)  # type: ignore[attr-defined]
        self.score_stats_ = fit_zsum(both[:, 0], both[:, 1])

    def _persisted_attributes(self) -> tuple[str, ...]:
        return (*super()._persisted_attributes(), "eps_", "score_stats_")  # type: ignore[misc]

    def _se_terms(self, out: Objective, flags: torch.Tensor, mu0: float) -> torch.Tensor:
        """Per-sample L_SE (Eq. 3); variants override."""
        return score_guided_terms(
            self._score_from(out), flags, mu0=mu0, lambda_a=float(self.lambda_a), a=float(self.a)
        )

    # ---------------------------------------------------------------------------- loss
    def _batch_loss(self, batch: tuple[torch.Tensor, ...], generator: torch.Generator) -> Any:
        """L_OE + lambda_SE * mean L_SE (Eq. 5) for one batch."""
        x, labels = batch
        out = self._objective(x, labels)  # type: ignore[attr-defined]
        flags = suspected_abnormal(out.f, self.eps_, labels if self.use_labels else None)
        mu0 = draw_mu0(self.mu0, generator, x.device)
        return out.loss + float(self.lambda_se) * self._se_terms(out, flags, mu0).mean()

    # ---------------------------------------------------------------- epoch bookkeeping
    def _start_guidance(self, X: np.ndarray) -> None:
        """eps before the first epoch, from the untrained host's f."""
        self.eps_ = percentile_threshold(self._discrimination(X), eps_p=float(self.eps_p))  # type: ignore[attr-defined]
        self.eps_history_ = [self.eps_]
        self.score_mean_history_: list[float] = []

    def _selects_on_validation(self) -> bool:
        mode = getattr(self, "model_selection", "last")
        if mode not in ("last", "val_auc"):
            raise ValueError(f"model_selection must be 'last' or 'val_auc', got {mode!r}")
        if mode == "val_auc" and getattr(self, "_validation", None) is None:
            raise ValueError(
                "model_selection='val_auc' needs labeled validation data: "
                "fit(X, y, validation=(X_val, y_val))"
            )
        return mode == "val_auc"

    def _train(self, X: np.ndarray, y: np.ndarray | None, generator: torch.Generator) -> None:
        """The host's training; with ``model_selection="val_auc"`` the weights of the epoch
        with the best validation AUC-ROC of s are kept (the paper's "select the well-trained
        models in the validation sets"; the code keeps the last epoch)."""
        self._best_val: dict[str, Any] | None = None
        if self._selects_on_validation():
            X_val, y_val = self._validation  # type: ignore[attr-defined]
            self._best_val = {"X": self._transform(X_val), "y": y_val, "auc": -1.0}  # type: ignore[attr-defined]
            self.val_auc_history_: list[float] = []
        if self.hp_.score not in SG_SCORES:  # type: ignore[attr-defined]
            raise ValueError(f"score must be one of {SG_SCORES}, got {self.hp_.score!r}")  # type: ignore[attr-defined]
        super()._train(X, y, generator)  # type: ignore[misc]
        best, self._best_val = self._best_val, None
        if best is not None and "state" in best:
            self.model_.load_state_dict(best["state"])  # type: ignore[attr-defined]
            self.selected_epoch_ = int(best["epoch"])
        self._fit_score_stats(X)

    def _track_validation(self, epoch: int) -> None:
        best = self._best_val
        if best is None:
            return
        s = predict_in_chunks(self._s_batch, best["X"], device=self.device_)  # type: ignore[attr-defined]
        auc = float(roc_auc_score(best["y"], s)) if np.isfinite(s).all() else 0.0
        self.val_auc_history_.append(auc)
        if auc > best["auc"]:
            state = self.model_.state_dict()  # type: ignore[attr-defined]
            best.update(auc=auc, epoch=epoch, state={k: v.clone() for k, v in state.items()})

    def _epoch_monitor(self, X: np.ndarray) -> Callable[[], float]:
        """A ``train_loop`` monitor: eps for the next epoch from f over the whole training set
        (code); the value turns +inf (so ``patience=1`` stops) once the mean training score
        exceeds ``a / 2`` (the code's early stop). With validation selection it also records
        the validation AUC of s after every epoch."""
        counter = {"epoch": 0}

        def monitor() -> float:
            counter["epoch"] += 1
            model = self.model_  # type: ignore[attr-defined]
            model.eval()
            self.eps_ = percentile_threshold(self._discrimination(X), eps_p=float(self.eps_p))  # type: ignore[attr-defined]
            self.eps_history_.append(self.eps_)
            scores = predict_in_chunks(self._s_batch, X, device=self.device_)  # type: ignore[attr-defined]
            mean_score = float(scores.mean())
            self.score_mean_history_.append(mean_score)
            self._track_validation(counter["epoch"])
            model.train()
            if self.hp_.early_stop and mean_score > float(self.a) / 2.0:  # type: ignore[attr-defined]
                return float("inf")
            return -float(counter["epoch"])

        return monitor

    def _score_batch(self, batch: torch.Tensor) -> torch.Tensor:
        """Test-time score: s = S(z) (Eq. 8), or ``"zsum"``: s's and f's robust z-scores added."""
        if self._scoring_param("score") == "s":  # type: ignore[attr-defined]
            return self._s_batch(batch)
        both = self._s_and_f_batch(batch)
        st = self.score_stats_
        s = (both[:, 0] - st["center_1"]) / st["scale_1"]
        return s + (both[:, 1] - st["center_2"]) / st["scale_2"]
