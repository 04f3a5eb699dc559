"""Peer adapters for weakly-supervised detectors of other libraries, run as shipped (defaults).

- ``PyOD-DevNet``: ``pyod.models.devnet.DevNet`` (its loss has swapped arguments and a (B,1)/(B,)
  broadcast: label-blind, ``shared/specs/peers.md``). Seeded by forking torch's RNG around fit
  (it has no seed parameter of its own); its per-epoch prints are silenced.
- ``DeepOD-DevNet``, ``DeepOD-DeepSAD``, ``DeepOD-PReNet``: ``deepod.models.tabular`` with
  ``device="cpu"`` passed explicitly (DeepOD defaults to CUDA), ``verbose=0`` and the cell's seed
  as ``random_state`` (DeepOD seeds global numpy/torch/random state itself).

Labels given to them: 1 = labeled anomaly, 0 = everything else (``PeerAdapter``). Versions are
recorded per cell by the runner (``PeerSpec.library``). This module holds the factories;
``anomalab.peers`` lists them in ``PEERS`` with the other peers.
"""

from __future__ import annotations

import contextlib
import importlib
import io
from collections.abc import Callable
from typing import Any

import numpy as np


class QuietSeeded:
    """Wraps an estimator: fit and score with stdout silenced and torch's global RNG forked and
    seeded (so the peer is repeatable and the caller's RNG state is unchanged)."""

    def __init__(self, estimator: Any, seed: int) -> None:
        self.estimator = estimator
        self.seed = seed

    def _run(self, fn: Callable[..., Any], *args: Any) -> Any:
        import torch

        with torch.random.fork_rng(), contextlib.redirect_stdout(io.StringIO()):
            torch.manual_seed(self.seed)
            return fn(*args)

    def fit(self, X: np.ndarray, y: np.ndarray | None = None) -> QuietSeeded:
        self._run(self.estimator.fit, X, y)
        self.decision_scores_ = np.asarray(self.estimator.decision_scores_)
        return self

    def decision_function(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self._run(self.estimator.decision_function, X)).reshape(-1)


def pyod_devnet(random_state: int, **params: Any) -> QuietSeeded:
    """PyOD's DevNet on the CPU, quiet, seeded by forking torch's RNG around its fit."""
    from pyod.models.devnet import DevNet

    params.setdefault("device", "cpu")
    return QuietSeeded(DevNet(**params), random_state)


def deepod(cls: str) -> Callable[..., Any]:
    """A factory for ``deepod.models.tabular.<cls>`` on the CPU, quiet and seeded."""

    def build(random_state: int, **params: Any) -> QuietSeeded:
        klass = getattr(importlib.import_module("deepod.models.tabular"), cls)
        params.setdefault("device", "cpu")
        params.setdefault("verbose", 0)
        return QuietSeeded(klass(random_state=random_state, **params), random_state)

    return build
