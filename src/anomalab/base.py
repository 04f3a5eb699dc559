"""The estimator contract every anomalab detector follows (DESIGN.md, "The estimator contract").

scikit-learn's rules for parameters (``get_params`` / ``set_params`` / ``clone``) and PyOD's fitted
attributes (``decision_scores_``, ``threshold_``, ``labels_``). Scores: higher = more anomalous.
Labels given to ``fit``: 1 = labeled anomaly, 0 = unlabeled, -1 = labeled normal.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable, Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import torch
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from anomalab.explain import REFERENCES, Explainable, TorchExplainable, fit_references
from anomalab.health import check_scores, check_training_scores
from anomalab.nn.runtime import resolve_device, resolve_seed, seeded
from anomalab.nn.training import predict_in_chunks, validation_split
from anomalab.presets import DataShape, check_preset
from anomalab.probability import anomaly_probability
from anomalab.saving import save_detector
from anomalab.validation import (
    check_array,
    check_contamination,
    check_feature_names,
    check_labels,
    check_training,
)


class BaseDetector(Explainable, BaseEstimator):
    """Base class: validation, thresholding, probabilities, explanations, persistence.

    Subclasses implement ``_fit(X, y)`` and ``_score(X)`` on validated arrays and declare their
    constructor parameters explicitly (scikit-learn convention). Class attributes describe the
    detector for the registry (``supervision`` and ``data_kinds`` among
    ``anomalab.registry.SUPERVISION_KINDS`` / ``DATA_KINDS``).
    """

    supervision: ClassVar[str] = "unsupervised"
    data_kinds: ClassVar[tuple[str, ...]] = ("tabular",)
    #: Whether ``fit`` needs at least one labeled anomaly (label 1) in ``y``.
    requires_labeled_anomaly: ClassVar[bool] = False
    #: Whether ``contamination="auto"`` is defined (the method has its own threshold).
    supports_auto_threshold: ClassVar[bool] = False
    #: Names of extra fitted attributes (arrays or scalars) to persist besides the defaults.
    fitted_state: ClassVar[tuple[str, ...]] = ()
    #: Whether ``fit(..., validation=(X_val, y_val))`` is accepted (labeled model selection).
    supports_validation: ClassVar[bool] = False
    #: The preset-governed parameters (constructor default ``None``) and their ``preset="paper"``
    #: values; ``recommended_params`` gives their ``preset="recommended"`` values.
    paper_params: ClassVar[dict[str, Any]] = {}
    #: Bumped whenever ``recommended_params`` changes, so that a benchmark cell run under the old
    #: recommended rules is not mistaken for one under the new (it enters the cell key).
    recommended_revision: ClassVar[int] = 1
    #: The same for the rules on images, where a class versions them on their own (None: images
    #: follow ``recommended_revision``); a benchmark cell on an image protocol is keyed by it.
    recommended_image_revision: ClassVar[int | None] = None
    #: The floating type the model computes in: inputs beyond its range are rejected.
    compute_dtype: ClassVar[type[np.floating]] = np.float32
    #: Fewest training rows ``fit`` accepts.
    min_fit_samples: ClassVar[int] = 2

    preset: str
    contamination: float | str
    random_state: int | None
    device: str
    verbose: bool

    def __sklearn_tags__(self) -> Any:
        """scikit-learn's estimator tags: an outlier detector on dense, finite, numeric 2-D
        input (images as 3-D / 4-D arrays for image detectors); labels are binary as sklearn
        reads them (1 = labeled anomaly, 0 = unlabeled; -1 = labeled normal is ours)."""
        from sklearn.utils import ClassifierTags

        tags = super().__sklearn_tags__()
        tags.estimator_type = "outlier_detector"
        tags.input_tags.two_d_array = True
        tags.input_tags.sparse = False
        tags.input_tags.allow_nan = False
        tags.input_tags.string = False
        tags.input_tags.categorical = False
        tags.target_tags.required = self.requires_labeled_anomaly
        tags.classifier_tags = ClassifierTags(multi_class=False)  # y in {0, 1} in the checks
        tags.non_deterministic = getattr(self, "random_state", None) is None
        return tags

    # ----------------------------------------------------------------------------- public API
    def fit(
        self, X: Any, y: Any = None, *, validation: tuple[Any, Any] | None = None
    ) -> BaseDetector:
        """Fit on ``X`` (labels ``y`` in {1, 0, -1} where the method uses them); return self.

        ``validation=(X_val, y_val)`` (ground truth 0/1, both classes present): held-out labeled
        data for detectors with ``supports_validation`` (they use it only for model selection
        when their parameters ask for it); never the test data."""
        check_contamination(self.contamination, allow_auto=self.supports_auto_threshold)
        X = self._check_X(X, fitting=True)
        labels = check_labels(
            y,
            X.shape[0],
            require_anomaly=self.requires_labeled_anomaly,
            detector=self._name(),
        )
        self._validation = None if validation is None else self._check_validation(validation)
        self._resolve_params(X.shape[0], 0 if labels is None else int(np.sum(labels == 1)))
        try:
            self._fit(X, labels)
        finally:
            self._validation = None
        scores = self._training_scores(X).astype(np.float64, copy=False)
        check_training_scores(scores, X, self._name())
        if X.ndim == 2:  # the references of ``explain`` (tabular data)
            vars(self).update(fit_references(X))
        self.decision_scores_ = scores
        self._set_threshold()
        return self

    def _name(self) -> str:
        """The detector's name in messages (a peer adapter's is its peer's)."""
        return type(self).__name__

    def _check_validation(self, validation: tuple[Any, Any]) -> tuple[np.ndarray, np.ndarray]:
        name = self._name()
        if not self.supports_validation:
            raise ValueError(f"{name} does not use validation data; call fit(X, y)")
        try:
            X_val, y_val = validation
        except (TypeError, ValueError):
            raise ValueError("validation must be a pair (X_val, y_val)") from None
        X_val = self._check_X(X_val, fitting=False)
        y_val = np.asarray(y_val)
        if y_val.shape != (X_val.shape[0],) or not np.isin(y_val, (0, 1)).all():
            raise ValueError(
                f"validation y_val must be {X_val.shape[0]} labels in {{0, 1}} (1 = anomaly), "
                f"got shape {y_val.shape}"
            )
        if len(np.unique(y_val)) < 2:
            raise ValueError("validation y_val needs both normal (0) and anomalous (1) rows")
        return X_val, y_val.astype(np.int64)

    def decision_function(self, X: Any) -> np.ndarray:
        """Anomaly scores of ``X``: higher = more anomalous."""
        check_is_fitted(self, "decision_scores_")
        X = self._check_X(X, fitting=False)
        scores = self._score(X).astype(np.float64, copy=False)
        check_scores(scores, self._name())
        return scores

    def score_samples(self, X: Any) -> np.ndarray:
        """Alias of :meth:`decision_function` (higher = more anomalous, unlike scikit-learn's)."""
        return self.decision_function(X)

    def predict(self, X: Any) -> np.ndarray:
        """0 (normal) / 1 (anomaly) by ``decision_function(X) > threshold_``."""
        return (self.decision_function(X) > self.threshold_).astype(np.int64)

    def fit_predict(self, X: Any, y: Any = None) -> np.ndarray:
        """Fit, then return ``labels_`` of the training data."""
        return self.fit(X, y).labels_

    def predict_proba(self, X: Any, method: str = "linear") -> np.ndarray:
        """Columns [P(normal), P(anomaly)] of ``X``'s scores against the training scores:
        ``linear`` (PyOD's min-max) or ``unify`` (Kriegel 2011); see :mod:`anomalab.probability`."""
        return anomaly_probability(self.decision_function(X), self.decision_scores_, method)

    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``config.json`` + ``weights.safetensors`` to the folder ``path`` (no pickle);
        files of those names that are not an anomalab model are replaced only with
        ``overwrite=True``."""
        return save_detector(self, path, overwrite=overwrite)

    # ------------------------------------------------------------------------------ presets
    def recommended_params(self, shape: DataShape) -> dict[str, Any]:
        """The values of the governed parameters under ``preset="recommended"`` for data of
        ``shape`` (rules over the shape; the paper's values where a detector has no rule)."""
        return dict(self.paper_params)

    def preset_params(self, shape: DataShape) -> dict[str, Any]:
        """The governed parameters' values under this detector's ``preset`` for ``shape``."""
        preset = check_preset(getattr(self, "preset", "paper"))
        values = dict(self.paper_params)
        if preset == "recommended":
            values.update(self.recommended_params(shape))
        return values

    def _resolve_params(self, n_samples: int, n_labeled_anomalies: int = 0) -> None:
        """Fix ``effective_params_`` / ``hp_`` for this fit: every constructor parameter, a
        governed one left at ``None`` taking the preset's value (explicit values win)."""
        shape = DataShape(
            n_samples=int(n_samples),
            n_features=int(self.n_features_in_),
            input_shape=tuple(self.input_shape_),
            n_labeled_anomalies=int(n_labeled_anomalies),
        )
        values = self.preset_params(shape)
        params = self.get_params(deep=False)
        if params.get("epochs") is not None and "min_steps" in values:
            values["min_steps"] = 0  # an explicit epochs is the whole budget
        for name, value in params.items():
            if name in self.paper_params and value is None:
                params[name] = values[name]
        self._set_effective_params(check_training(params))

    def _scoring_param(self, name: str) -> Any:
        """A parameter that only changes how a fitted model scores (e.g. a score rule): its
        current value when set (so ``set_params`` after ``fit`` rescores without a refit), else
        the value the fit resolved."""
        value = getattr(self, name)
        return getattr(self.hp_, name) if value is None else value

    def _set_effective_params(self, params: dict[str, Any]) -> None:
        self.effective_params_ = dict(params)
        self.hp_ = SimpleNamespace(**params)

    # ----------------------------------------------------------------------- subclass hooks
    @abstractmethod
    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        """Fit on validated ``X`` (and labels, or None)."""

    @abstractmethod
    def _score(self, X: np.ndarray) -> np.ndarray:
        """Scores of validated ``X`` (higher = more anomalous)."""

    def _training_scores(self, X: np.ndarray) -> np.ndarray:
        """``decision_scores_`` after ``_fit``: ``_score(X)``, or the same values held already."""
        return self._score(X)

    def _auto_threshold(self) -> float:
        """The method's own threshold for ``contamination="auto"``."""
        raise NotImplementedError(f"{self._name()} defines no automatic threshold")

    # ----------------------------------------------------------------------------- helpers
    @property
    def _is_image_detector(self) -> bool:
        return self.data_kinds == ("image",)

    def _check_X(self, X: Any, *, fitting: bool) -> np.ndarray:
        check_feature_names(self, X, reset=fitting)
        image_shape = getattr(self, "image_shape", None)
        dtype = self.compute_dtype
        if fitting:
            arr = check_array(
                X,
                image=self._is_image_detector,
                image_shape=image_shape,
                dtype=dtype,
                min_samples=self.min_fit_samples,
            )
            self.n_features_in_ = int(np.prod(arr.shape[1:]))
            self.input_shape_ = tuple(int(s) for s in arr.shape[1:])
            return arr
        if self._is_image_detector:
            declared = image_shape if image_shape is not None else self.input_shape_
            arr = check_array(X, image=True, image_shape=declared, dtype=dtype)
            if tuple(arr.shape[1:]) != tuple(self.input_shape_):
                raise ValueError(
                    f"image shape mismatch: X has images of shape {tuple(arr.shape[1:])}, but the "
                    f"detector was fitted on {tuple(self.input_shape_)}"
                )
            return arr
        arr = check_array(X, dtype=dtype)
        if arr.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {arr.shape[1]} features, but {self._name()} is expecting "
                f"{self.n_features_in_} features as input (the number it was fitted with)"
            )
        return arr

    def _set_threshold(self) -> None:
        contamination = check_contamination(
            self.contamination, allow_auto=self.supports_auto_threshold
        )
        if contamination == "auto":
            self.threshold_ = float(self._auto_threshold())
        else:
            q = 100.0 * (1.0 - float(contamination))
            self.threshold_ = float(np.percentile(self.decision_scores_, q))
        self.labels_ = (self.decision_scores_ > self.threshold_).astype(np.int64)

    def _seed(self) -> int:
        """The integer seed of this fit (resolved once per fit from ``random_state``)."""
        return resolve_seed(self.random_state)

    def _rng(self, seed: int) -> np.random.Generator:
        return np.random.default_rng(seed)

    def _persisted_attributes(self) -> Sequence[str]:
        base = ("n_features_in_", "input_shape_", "decision_scores_", "threshold_", "labels_")
        fitted = ("feature_names_in_", "effective_params_", *REFERENCES, *self.fitted_state)
        return (*base, *fitted)

    def _restore(self, tensors: dict[str, torch.Tensor]) -> None:
        """Rebuild fitted internals after the persisted attributes were set (hook for torch)."""


class TorchDetector(TorchExplainable, BaseDetector):
    """A detector whose model is a ``torch.nn.Module`` in ``self.model_``.

    ``_fit`` seeds (without touching global RNG state), resolves the device, builds the model via
    ``_build_model()`` and calls ``_train(X, y, generator)``. Scoring runs in chunks of
    ``score_batch_size`` rows through ``_score_batch`` with gradients off.
    """

    score_batch_size: ClassVar[int] = 4096

    @abstractmethod
    def _build_model(self) -> torch.nn.Module:
        """A fresh model for the fitted input size (``n_features_in_`` / ``input_shape_``)."""

    @abstractmethod
    def _train(self, X: np.ndarray, y: np.ndarray | None, generator: torch.Generator) -> None:
        """Train ``self.model_`` on ``X``."""

    @abstractmethod
    def _score_batch(self, batch: torch.Tensor) -> torch.Tensor:
        """Scores of one batch (model in eval mode, no gradients)."""

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        self.device_ = resolve_device(self.device)
        self.seed_ = self._seed()
        with seeded(self.seed_, self.device_) as generator:
            self._prepare(X, y)
            self.model_ = self._build_model().to(self.device_)
            self._train(self._transform(X), y, generator)
        self.model_.eval()

    def _prepare(self, X: np.ndarray, y: np.ndarray | None) -> None:
        """Fit preprocessing statistics before the model is built (hook)."""

    def _transform(self, X: np.ndarray) -> np.ndarray:
        """Apply fitted preprocessing (hook); never modifies ``X`` in place."""
        return X

    def _score(self, X: np.ndarray) -> np.ndarray:
        self.model_.eval()
        return self._predict_rows(self._score_batch, X).reshape(-1)

    def _predict_rows(
        self, fn: Callable[[torch.Tensor], torch.Tensor], X: np.ndarray
    ) -> np.ndarray:
        """``fn`` over validated ``X`` in chunks of ``score_batch_size`` rows, each chunk put
        through the fitted preprocessing on its own (streams any row count, also a memmap)."""
        return predict_in_chunks(
            fn,
            X,
            device=self.device_,
            chunk_size=self.score_batch_size,
            transform=self._transform,
        )

    def _restore(self, tensors: dict[str, torch.Tensor]) -> None:
        self.device_ = resolve_device(self.device)
        state = {k[len("model.") :]: v for k, v in tensors.items() if k.startswith("model.")}
        with torch.device("meta"):  # shapes first: a tampered size allocates nothing
            expected = {k: tuple(v.shape) for k, v in self._build_model().state_dict().items()}
        found = {k: tuple(v.shape) for k, v in state.items()}
        if expected != found:
            diff = sorted(set(expected.items()) ^ set(found.items()))[:3]
            raise RuntimeError(f"weights differ from the model the parameters build: {diff}")
        self.model_ = self._build_model()
        self.model_.load_state_dict(state)
        self.model_.to(self.device_).eval()

    def _validation_indices(
        self, n: int, generator: torch.Generator, stratify: torch.Tensor | None = None
    ) -> tuple[torch.Tensor, torch.Tensor] | None:
        """Indices (train, held out) splitting ``validation_fraction`` of the *training* rows off
        for early stopping / best-epoch selection (stratified if asked); None when the fraction
        is 0 or unset."""
        fraction = getattr(self, "validation_fraction", 0.0) or 0.0
        if fraction <= 0:
            return None
        return validation_split(n, fraction, generator, stratify)

    def _hold_out_validation(
        self, data: torch.Tensor, generator: torch.Generator
    ) -> tuple[torch.Tensor, tuple[torch.Tensor] | None]:
        """``data`` split by :meth:`_validation_indices`; ``(data, None)`` without a fraction."""
        split = self._validation_indices(len(data), generator)
        if split is None:
            return data, None
        train_idx, val_idx = split
        return data[train_idx], (data[val_idx],)

    def _as_tensor(self, X: np.ndarray) -> torch.Tensor:
        """Training data as a float32 CPU tensor (a copy; the caller's array is untouched)."""
        return torch.tensor(X, dtype=torch.float32)
