"""Peer detectors: thin adapters over other libraries, never re-implementations.

scikit-learn's ``IsolationForest``, ``LocalOutlierFactor`` and ``OneClassSVM`` are always available;
PyOD's classic detectors (IForest, ECOD, COPOD, KNN, LOF, OCSVM, PCA, HBOS) and deep ones (DeepSVDD,
AutoEncoder) join when the optional ``peers`` extra is installed, DeepOD's weakly-supervised ones
with ``make peers`` (:mod:`anomalab.peers.deepod`). ``PCA-Reconstruction`` scores scikit-learn's
PCA by its squared reconstruction error (:mod:`anomalab.peers.reconstruction`). Adapters follow the
anomalab contract for fit / score / threshold / save (so the benchmark runner and ``anomalab.load``
treat every entrant alike) but are not in the detector registry. A saved adapter holds its training
rows, not the peer library's object: ``anomalab.load`` refits the peer from them with the fit's
seed. Images (``(N, H, W)`` or ``(N, C, H, W)``) reach the peer flattened, one row of pixels per
image, so every peer is also a raw-pixel baseline for the image protocols.
"""

from __future__ import annotations

import importlib
import importlib.metadata
import inspect
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from anomalab.base import BaseDetector
from anomalab.peers.deepod import deepod, pyod_devnet
from anomalab.peers.reconstruction import pca_reconstruction
from anomalab.validation import check_array


@dataclass(frozen=True)
class PeerSpec:
    """A peer entrant: how to build it, what it needs, which library version it ran."""

    name: str
    library: str
    supervision: str
    factory: Callable[..., Any]
    needs_n_features: bool = False  # the factory takes ``n_features`` (e.g. PyOD's DeepSVDD)

    def version(self) -> str | None:
        try:
            return importlib.metadata.version(self.library)
        except importlib.metadata.PackageNotFoundError:
            return None

    def install_hint(self) -> str:
        """How to install the peer's library."""
        if self.library == "deepod":  # its metadata pins an old torch (see the Makefile)
            return "pip install --no-deps deepod==0.4.1 (or: make peers)"
        return "pip install 'anomalab[peers]'"

    def require(self, what: str = "peer") -> None:
        """Raise a one-line ``ImportError`` naming the package when the library is missing."""
        if self.version() is None:
            raise ImportError(
                f"{what} {self.name!r} needs the {self.library!r} package: {self.install_hint()}"
            )


class PeerAdapter(BaseDetector):
    """Another library's detector under the anomalab contract; scores higher = anomalous.

    ``peer`` names an entry of :data:`PEERS`; ``peer_params`` are that library's constructor
    parameters (JSON values, so that the adapter can be saved).

    Saving: the peer library's fitted object cannot go into safetensors, so ``save`` stores the
    training rows the peer was fitted on (``X_fit_``; the labels too, ``y_fit_``, for a
    semi-supervised peer) and the integer seed of that fit (``seed_``, drawn once when
    ``random_state`` is None). The saved folder is therefore about the size of the training data.
    ``anomalab.load`` refits the peer from them, deterministically (the same scores as the saved
    model; a warning if the refitted peer scores its training rows differently, e.g. under another
    library version); loading takes as long as the fit did and needs the peer's library.

    Images: ``(N, H, W)`` or ``(N, C, H, W)`` arrays are flattened to rows of ``C*H*W`` pixels in
    (C, H, W) order, values as given (no rescaling: the image loaders already give [0, 1]). The
    rows are what the peer fits and scores (and ``X_fit_`` holds); ``input_shape_`` keeps the
    image shape, which later images must have (flattened rows of as many pixels are accepted too).
    """

    fitted_state = ("X_fit_", "y_fit_", "seed_")

    def _name(self) -> str:
        return str(self.peer)

    def __init__(
        self,
        peer: str = "IForest",
        peer_params: dict[str, Any] | None = None,
        contamination: float = 0.1,
        random_state: int | None = None,
    ) -> None:
        self.peer = peer
        self.peer_params = peer_params
        self.contamination = contamination
        self.random_state = random_state

    def _check_X(self, X: Any, *, fitting: bool) -> np.ndarray:
        """Rows for the peer: 2-D input as every tabular detector checks it; images flattened."""
        if getattr(X, "ndim", 2) not in (3, 4):
            return super()._check_X(X, fitting=fitting)
        least = self.min_fit_samples if fitting else 1
        images = check_array(X, image=True, dtype=self.compute_dtype, min_samples=least)
        shape = tuple(int(s) for s in images.shape[1:])
        if not fitting and shape != tuple(self.input_shape_):
            fitted_on = "images" if len(self.input_shape_) == 3 else "rows"
            raise ValueError(
                f"image shape mismatch: X has images of shape {shape}, but the peer was fitted "
                f"on {fitted_on} of shape {tuple(self.input_shape_)}"
            )
        rows = super()._check_X(images.reshape(len(images), -1), fitting=fitting)
        if fitting:
            self.input_shape_ = shape
        return rows

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        spec = peer_spec(self.peer)
        self.seed_ = self._seed()
        self.X_fit_ = np.array(X, copy=True)  # the caller's array may change after fit
        labels = y if spec.supervision == "semi-supervised" else None
        if labels is not None:
            self.y_fit_ = np.array(labels, dtype=np.int64)
        elif hasattr(self, "y_fit_"):  # from an earlier fit of this adapter
            del self.y_fit_
        self.estimator_ = _fitted_peer(spec, self.peer_params, X, labels, self.seed_)

    def _score(self, X: np.ndarray) -> np.ndarray:
        est = self.estimator_
        if hasattr(est, "decision_scores_"):  # PyOD: decision_function is higher = anomalous
            return np.asarray(est.decision_function(X), dtype=np.float64)
        return -np.asarray(est.score_samples(X), dtype=np.float64)  # scikit-learn convention

    def _restore(self, tensors: dict[str, Any]) -> None:
        """Refit the peer on the saved training rows with the saved seed (``anomalab.load``)."""
        spec = peer_spec(self.peer)
        spec.require("the saved peer")
        labels = getattr(self, "y_fit_", None)
        self.estimator_ = _fitted_peer(spec, self.peer_params, self.X_fit_, labels, self.seed_)
        refitted = self._score(self.X_fit_)
        if not np.allclose(refitted, self.decision_scores_, rtol=1e-9, atol=1e-12):
            gap = float(np.max(np.abs(refitted - self.decision_scores_)))
            warnings.warn(
                f"the refitted peer {self.peer!r} scores its training rows up to {gap:.3g} away "
                f"from the saved model's scores ({spec.library} {spec.version()} here; another "
                "version may have saved it)",
                stacklevel=2,
            )


def _fitted_peer(
    spec: PeerSpec,
    peer_params: dict[str, Any] | None,
    X: np.ndarray,
    labels: np.ndarray | None,
    seed: int,
) -> Any:
    """The peer library's estimator built with ``seed`` and fitted on ``X`` (and, for a
    semi-supervised peer, ``labels``: 1 = labeled anomaly, everything else 0)."""
    params = dict(peer_params or {})
    given = [key for key in ADAPTER_PARAMS if key in params]
    if given:
        raise ValueError(
            f"{given} belong to the adapter, not to peer_params (make_peer routes them)"
        )
    if spec.needs_n_features:
        params["n_features"] = X.shape[1]
    estimator = spec.factory(random_state=seed, **params)
    bound = ROW_BOUNDS.get(spec.name)
    least = 1 if bound is None else int(getattr(estimator, bound.param)) + bound.extra
    if bound is not None and len(X) < least:
        raise ValueError(
            f"{spec.name} needs at least {least} training rows, got {len(X)} ({bound.why})"
        )
    try:
        if spec.supervision == "semi-supervised":
            estimator.fit(X, (labels == 1).astype(int) if labels is not None else None)
        else:
            estimator.fit(X)
    except (ValueError, IndexError, RuntimeError, UnboundLocalError) as exc:
        raise ValueError(
            f"{spec.name} ({spec.library} {spec.version()}) could not fit these {len(X)} training "
            f"rows: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        ) from exc
    return estimator


@dataclass(frozen=True)
class RowBound:
    """A peer library's least number of training rows: its constructor parameter ``param``
    (whose default is read from the class) plus ``extra``; ``why`` says the library's rule."""

    module: str
    cls: str
    param: str
    extra: int
    why: str


#: Peers that fail on fewer rows than one of their parameters with an error of the library's own
#: that does not say so; :func:`_fitted_peer` checks the bound first and names it.
ROW_BOUNDS = {
    "PyOD-AutoEncoder": RowBound(
        "pyod.models.auto_encoder", "AutoEncoder", "batch_size", 0,
        "PyOD trains its AutoEncoder on whole batches only and drops the last incomplete one; "
        "pass a smaller batch_size in its peer_params",
    ),
    "PyOD-KNN": RowBound(
        "pyod.models.knn", "KNN", "n_neighbors", 1, "PyOD's KNN needs more rows than n_neighbors"
    ),
}  # fmt: skip


def can_fit(name: str, rows: int) -> bool:
    """Whether ``name`` fits ``rows`` training rows with its default parameters here: always for
    a registered detector; for a peer, when its library is installed and sets no larger bound."""
    if name not in PEERS:
        return True
    return PEERS[name].version() is not None and fewest_rows(name) <= rows


def fewest_rows(name: str) -> int:
    """The fewest training rows peer ``name`` fits with its default parameters (1 when its
    library sets no bound, or is not installed)."""
    bound = ROW_BOUNDS.get(name)
    if bound is None or PEERS[name].version() is None:
        return 1
    klass = getattr(importlib.import_module(bound.module), bound.cls)
    return int(inspect.signature(klass).parameters[bound.param].default) + bound.extra


def _sklearn(name: str) -> Callable[..., Any]:
    def build(random_state: int, **params: Any) -> Any:
        from sklearn import ensemble, neighbors, svm

        if name == "IsolationForest":
            return ensemble.IsolationForest(random_state=random_state, **params)
        if name == "LocalOutlierFactor":
            return neighbors.LocalOutlierFactor(novelty=True, **params)
        if name == "OneClassSVM":
            return svm.OneClassSVM(**params)
        raise KeyError(name)

    return build


def _pyod(module: str, cls: str, seeded: bool = False, deep: bool = False) -> Callable[..., Any]:
    """A PyOD detector; ``deep`` ones also get ``verbose=0`` (PyOD prints every epoch otherwise).

    PyOD's deep detectors seed torch's *global* generator in their constructor (see
    ``shared/specs/peers.md``); the adapter builds them inside ``fit``, so the seed still comes from
    the cell, but other code in the same process shares that state.
    """

    def build(random_state: int, **params: Any) -> Any:
        klass = getattr(importlib.import_module(f"pyod.models.{module}"), cls)
        if seeded or deep:
            params.setdefault("random_state", random_state)
        if deep:
            params.setdefault("verbose", 0)
        return klass(**params)

    return build


PEERS: dict[str, PeerSpec] = {
    "IForest": PeerSpec("IForest", "scikit-learn", "unsupervised", _sklearn("IsolationForest")),
    "LOF": PeerSpec("LOF", "scikit-learn", "unsupervised", _sklearn("LocalOutlierFactor")),
    "OCSVM": PeerSpec("OCSVM", "scikit-learn", "unsupervised", _sklearn("OneClassSVM")),
    "PCA-Reconstruction": PeerSpec(
        "PCA-Reconstruction", "scikit-learn", "unsupervised", pca_reconstruction
    ),
    "PyOD-ECOD": PeerSpec("PyOD-ECOD", "pyod", "unsupervised", _pyod("ecod", "ECOD")),
    "PyOD-COPOD": PeerSpec("PyOD-COPOD", "pyod", "unsupervised", _pyod("copod", "COPOD")),
    "PyOD-KNN": PeerSpec("PyOD-KNN", "pyod", "unsupervised", _pyod("knn", "KNN")),
    "PyOD-HBOS": PeerSpec("PyOD-HBOS", "pyod", "unsupervised", _pyod("hbos", "HBOS")),
    "PyOD-PCA": PeerSpec("PyOD-PCA", "pyod", "unsupervised", _pyod("pca", "PCA", seeded=True)),
    "PyOD-LOF": PeerSpec("PyOD-LOF", "pyod", "unsupervised", _pyod("lof", "LOF")),
    "PyOD-OCSVM": PeerSpec("PyOD-OCSVM", "pyod", "unsupervised", _pyod("ocsvm", "OCSVM")),
    "PyOD-IForest": PeerSpec(
        "PyOD-IForest", "pyod", "unsupervised", _pyod("iforest", "IForest", seeded=True)
    ),
    "PyOD-DeepSVDD": PeerSpec(
        "PyOD-DeepSVDD",
        "pyod",
        "unsupervised",
        _pyod("deep_svdd", "DeepSVDD", deep=True),
        needs_n_features=True,
    ),
    "PyOD-AutoEncoder": PeerSpec(
        "PyOD-AutoEncoder", "pyod", "unsupervised", _pyod("auto_encoder", "AutoEncoder", deep=True)
    ),
    # weakly-supervised peers (``anomalab.peers.deepod``)
    "PyOD-DevNet": PeerSpec("PyOD-DevNet", "pyod", "semi-supervised", pyod_devnet),
    "DeepOD-DevNet": PeerSpec("DeepOD-DevNet", "deepod", "semi-supervised", deepod("DevNet")),
    "DeepOD-DeepSAD": PeerSpec("DeepOD-DeepSAD", "deepod", "semi-supervised", deepod("DeepSAD")),
    "DeepOD-PReNet": PeerSpec("DeepOD-PReNet", "deepod", "semi-supervised", deepod("PReNet")),
}


def register_peer(spec: PeerSpec) -> PeerSpec:
    """Add a peer entrant (e.g. from a module of adapters for another library)."""
    existing = PEERS.get(spec.name)
    if existing is not None and existing != spec:
        raise ValueError(f"peer name {spec.name!r} already registered")
    PEERS[spec.name] = spec
    return spec


def peer_spec(name: str) -> PeerSpec:
    """The registered peer ``name``; ``KeyError`` naming the known peers otherwise."""
    try:
        return PEERS[name]
    except (KeyError, TypeError):
        known = ", ".join(PEERS)
        raise KeyError(f"unknown peer {name!r}; known peers: {known}") from None


def peer_names(available_only: bool = True) -> list[str]:
    """Names of peer entrants (by default only those whose library is installed)."""
    return [n for n, s in PEERS.items() if not available_only or s.version() is not None]


#: Parameters of the adapter itself, not of the peer's library (the seed reaches the peer
#: through the adapter; the threshold is the adapter's).
ADAPTER_PARAMS = ("contamination", "random_state")


def make_peer(name: str, params: dict[str, Any] | None = None, **kwargs: Any) -> PeerAdapter:
    """A fresh adapter for peer ``name`` with the peer's own ``params``; ``contamination`` or
    ``random_state`` among them (``anomalab fit IForest --param random_state=0``) are the
    adapter's."""
    peer_spec(name).require()
    params = dict(params or {})
    for key in ADAPTER_PARAMS:
        if key in params:
            if key in kwargs:
                raise ValueError(f"{key} is given twice, as a peer parameter and to the adapter")
            kwargs[key] = params.pop(key)
    return PeerAdapter(peer=name, peer_params=params, **kwargs)
