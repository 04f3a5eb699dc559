"""The :class:`Task` record every protocol returns: one train/test task of a dataset for a seed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np


@dataclass
class Task:
    """One train/test task. ``train_index``/``test_index``: rows of the dataset, in order."""

    dataset: str
    protocol: str
    seed: int
    X_train: np.ndarray
    y_train: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray
    y_train_true: np.ndarray
    params: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)
    train_index: np.ndarray | None = None
    test_index: np.ndarray | None = None
    #: labeled validation part (ground truth 0/1), where the protocol holds one out
    X_val: np.ndarray | None = None
    y_val: np.ndarray | None = None
    #: the F1 convention of the protocol's papers (``anomalab.metrics.F1_RULES``)
    f1_rule: str = "anomaly_at_rate"

    def __repr__(self) -> str:
        return (
            f"Task({self.dataset!r}, {self.protocol!r}, seed={self.seed}, "
            f"train={self.X_train.shape}, test={self.X_test.shape}, params={self.params})"
        )
