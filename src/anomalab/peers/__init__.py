"""Peer detectors for the benchmark: thin adapters over other libraries, never re-implementations.

scikit-learn's ``IsolationForest``, ``LocalOutlierFactor`` and ``OneClassSVM`` are always available;
PyOD's classic detectors (IForest, ECOD, COPOD, KNN, LOF, OCSVM, PCA, HBOS) and deep ones (DeepSVDD,
AutoEncoder) join when the optional ``peers`` extra is installed. Adapters follow the anomalab contract for fit / score /
threshold (so the runner treats every entrant alike) but are not in the detector registry: their
models are the peer library's objects and are not saved with safetensors.
"""

from __future__ import annotations

import importlib
import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from anomalab.base import BaseDetector
from anomalab.peers.deepod import deepod, pyod_devnet


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


class PeerAdapter(BaseDetector):
    """Wraps an estimator with ``fit`` and a score method; score sign fixed to higher = anomalous."""

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

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        spec = PEERS[self.peer]
        params = dict(self.peer_params or {})
        if spec.needs_n_features:
            params["n_features"] = X.shape[1]
        self.estimator_ = spec.factory(random_state=self._seed(), **params)
        if spec.supervision == "semi-supervised":
            self.estimator_.fit(X, (y == 1).astype(int) if y is not None else None)
        else:
            self.estimator_.fit(X)

    def _score(self, X: np.ndarray) -> np.ndarray:
        est = self.estimator_
        if hasattr(est, "decision_scores_"):  # PyOD: decision_function is higher = anomalous
            return np.asarray(est.decision_function(X), dtype=np.float64)
        return -np.asarray(est.score_samples(X), dtype=np.float64)  # scikit-learn convention


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


def peer_names(available_only: bool = True) -> list[str]:
    """Names of peer entrants (by default only those whose library is installed)."""
    return [n for n, s in PEERS.items() if not available_only or s.version() is not None]


def make_peer(name: str, params: dict[str, Any] | None = None, **kwargs: Any) -> PeerAdapter:
    """A fresh adapter for peer ``name`` with the peer's own ``params``."""
    spec = PEERS[name]
    if spec.version() is None:
        raise ImportError(
            f"peer {name!r} needs the {spec.library!r} package: pip install 'anomalab[peers]'"
        )
    return PeerAdapter(peer=name, peer_params=dict(params or {}), **kwargs)
