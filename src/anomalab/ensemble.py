"""A rank-averaged ensemble of named detectors, on min-max scaled inputs.

:func:`anomalab.select` returns one: with one member it is that detector behind the same min-max
scaling the benchmark's evidence was measured with (ADBench's protocol scales every feature to
[0, 1] on the training rows); with several, each member's score is mapped to its position among
that member's training scores and the positions are averaged (the fallback when the evidence
does not single out one detector).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from anomalab.base import BaseDetector
from anomalab.entrants import build_detector, check_entrant_name
from anomalab.saving import CONFIG_FILE, save_detector

#: The sub-folder of a saved ensemble that holds member i (``member-0``, ``member-1``, ...).
MEMBER_FOLDER = "member-{}"
SCALINGS = ("minmax", "none")


def rank_positions(reference: np.ndarray, scores: np.ndarray) -> np.ndarray:
    """Each score's position among the sorted ``reference`` scores: the empirical CDF, linear
    between reference points and extended linearly beyond them (so scores past the training
    range keep their order instead of tying at 0 or 1)."""
    n = reference.size
    if n == 1 or reference[-1] == reference[0]:
        return (scores > reference[0]).astype(np.float64)
    grid = np.linspace(0.0, 1.0, n)
    with np.errstate(all="ignore"):  # reference gaps near 0 (denormals): steep, not undefined
        positions = np.interp(scores, reference, grid)
    positions = np.clip(np.nan_to_num(positions, nan=1.0, posinf=1.0, neginf=0.0), 0.0, 1.0)
    span = reference[-1] - reference[0]
    with np.errstate(over="ignore"):  # a span near 0: beyond-range steps capped, order kept
        above = np.minimum((scores - reference[-1]) / span, np.finfo(np.float64).max)
        below = np.maximum((scores - reference[0]) / span, -np.finfo(np.float64).max)
    positions = np.where(scores > reference[-1], 1.0 + above, positions)
    return np.where(scores < reference[0], below, positions)


class RankEnsemble(BaseDetector):
    """Members fitted on the same (scaled) rows; the score is their mean rank position.

    Parameters
    ----------
    members: detector names, each a registered detector (recommended preset) or a peer
        (``anomalab.peers``); one member scores exactly as that detector does.
    member_params: optional name -> constructor parameters of that member.
    scale: ``"minmax"`` (each feature to [0, 1] by the training rows' min and max, a constant
        feature to 0) or ``"none"``.
    contamination, random_state: the estimator contract; every member gets ``random_state``.

    Attributes
    ----------
    members_: the fitted members. min_, span_: the scaling. reference_scores_: (members, rows)
    each member's sorted training scores, the reference of :func:`rank_positions`.
    """

    compute_dtype: ClassVar[type[np.floating]] = np.float64
    fitted_state = ("min_", "span_", "reference_scores_")

    def __init__(
        self,
        members: Sequence[str] = ("IForest",),
        member_params: dict[str, dict[str, Any]] | None = None,
        scale: str = "minmax",
        contamination: float = 0.1,
        random_state: int | None = None,
    ) -> None:
        self.members = members
        self.member_params = member_params
        self.scale = scale
        self.contamination = contamination
        self.random_state = random_state

    def _check_params(self) -> list[str]:
        if isinstance(self.members, str) or not isinstance(self.members, Sequence):
            raise ValueError(f"members must be a list of detector names, got {self.members!r}")
        names = [check_entrant_name(name) for name in self.members]
        if not names:
            raise ValueError("members must name at least one detector")
        if len(set(names)) != len(names):
            raise ValueError(f"members must not repeat a detector, got {names}")
        unknown = sorted(set(self.member_params or {}) - set(names))
        if unknown:
            raise ValueError(f"member_params names detectors that are not members: {unknown}")
        if self.scale not in SCALINGS:
            raise ValueError(f"scale must be one of {SCALINGS}, got {self.scale!r}")
        return names

    def _fresh_members(self) -> list[BaseDetector]:
        params = self.member_params or {}
        return [
            build_detector(name, params.get(name), self.random_state)
            for name in self._check_params()
        ]

    def _scaled(self, X: np.ndarray) -> np.ndarray:
        return (X - self.min_) / self.span_

    def _fit(self, X: np.ndarray, y: np.ndarray | None) -> None:
        members = self._fresh_members()
        if self.scale == "minmax":
            self.min_ = X.min(axis=0)
            span = X.max(axis=0) - self.min_
            self.span_ = np.where(span > 0, span, 1.0)
        else:
            self.min_ = np.zeros(X.shape[1])
            self.span_ = np.ones(X.shape[1])
        scaled = self._scaled(X)
        for member in members:
            member.fit(scaled, y)
        self.members_ = members
        self.reference_scores_ = np.stack([np.sort(m.decision_scores_) for m in members])

    def _training_scores(self, X: np.ndarray) -> np.ndarray:
        """The members' training scores are their ``decision_scores_`` (each member's fit scored
        the same scaled rows): combined without scoring the rows again."""
        if len(self.members_) == 1:
            return np.asarray(self.members_[0].decision_scores_, dtype=np.float64)
        positions = [
            rank_positions(reference, member.decision_scores_)
            for member, reference in zip(self.members_, self.reference_scores_, strict=True)
        ]
        return np.mean(positions, axis=0)

    def _score(self, X: np.ndarray) -> np.ndarray:
        scaled = self._scaled(X)
        if len(self.members_) == 1:
            return np.asarray(self.members_[0].decision_function(scaled), dtype=np.float64)
        positions = [
            rank_positions(reference, member.decision_function(scaled))
            for member, reference in zip(self.members_, self.reference_scores_, strict=True)
        ]
        return np.mean(positions, axis=0)

    # ---------------------------------------------------------------------------- persistence
    def save(self, path: str | Path, *, overwrite: bool = False) -> Path:
        """The ensemble's ``config.json`` + ``weights.safetensors``, and each member saved in its
        own sub-folder (``member-0``, ...), which ``anomalab.load`` reads back."""
        folder = save_detector(self, path, overwrite=overwrite)
        names = [MEMBER_FOLDER.format(i) for i in range(len(self.members_))]
        for member, name in zip(self.members_, names, strict=True):
            member.save(folder / name, overwrite=overwrite)
        config_path = folder / CONFIG_FILE
        config = json.loads(config_path.read_text())
        config["members"] = names
        config_path.write_text(json.dumps(config, indent=2) + "\n")
        return folder

    def _restore(self, tensors: dict[str, Any]) -> None:
        d = int(self.n_features_in_)
        if self.min_.shape != (d,) or self.span_.shape != (d,) or not (self.span_ > 0).all():
            raise ValueError(f"the scaling must be {d} values with positive spans")
        expected = (len(self._check_params()), len(self.decision_scores_))
        if self.reference_scores_.shape != expected:
            raise ValueError(
                f"reference_scores_ has shape {self.reference_scores_.shape}, expected {expected}"
            )

    def _restore_members(self, members: list[BaseDetector]) -> None:
        """Set the loaded members (``anomalab.load``): one per name, of the named kind."""
        names = self._check_params()
        if len(members) != len(names):
            raise ValueError(f"{len(members)} saved members for {len(names)} member names")
        for name, member in zip(names, members, strict=True):
            fresh = build_detector(name, (self.member_params or {}).get(name))
            if type(member) is not type(fresh) or getattr(member, "peer", name) != getattr(
                fresh, "peer", name
            ):
                raise ValueError(f"the saved member for {name!r} is a {type(member).__name__}")
            if member.n_features_in_ != self.n_features_in_:
                raise ValueError(f"the saved member for {name!r} reads another number of features")
        self.members_ = members
