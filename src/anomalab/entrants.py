"""Detectors by name: a registered anomalab detector or a peer adapter, built alike.

The benchmark's entrants, the members of a :class:`anomalab.ensemble.RankEnsemble` and the
candidates of :func:`anomalab.select` are all named this way: a registry name (``"SGAE"``, built
with its default, recommended preset) or a peer name (``"IForest"``, ``"PyOD-ECOD"``: see
:mod:`anomalab.peers`).
"""

from __future__ import annotations

from typing import Any

from anomalab.base import BaseDetector
from anomalab.peers import PEERS, make_peer
from anomalab.registry import get_spec, list_detectors


def is_peer(name: str) -> bool:
    """Whether ``name`` is a peer adapter's name (not a registered anomalab detector)."""
    return name in PEERS


def check_entrant_name(name: object) -> str:
    """``name`` if it names a registered detector or a peer (a clear one-line error otherwise)."""
    if not isinstance(name, str):
        raise ValueError(f"a detector name must be a string, got {name!r}")
    if is_peer(name):
        return name
    try:
        return get_spec(name).name
    except KeyError:
        known = ", ".join([*list_detectors(), *PEERS])
        raise ValueError(f"unknown detector {name!r}; known: {known}") from None


def build_detector(
    name: str, params: dict[str, Any] | None = None, random_state: int | None = None
) -> BaseDetector:
    """A fresh, unfitted detector ``name`` with ``params`` (a peer's own parameters for a peer),
    seeded with ``random_state`` unless ``params`` sets it."""
    params = dict(params or {})
    if is_peer(name):
        return make_peer(name, params, random_state=random_state)
    cls = get_spec(name).cls
    if "random_state" in cls._get_param_names():
        params.setdefault("random_state", random_state)
    detector: BaseDetector = cls(**params)
    return detector
