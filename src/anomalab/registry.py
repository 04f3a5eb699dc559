"""Detector registry: name -> class, with supervision kind and data kinds (anomalib-style).

The registry imports nothing of anomalab's: the detector modules import it to register
themselves, and saving a detector (``anomalab.base``, below the detectors) records the class's
registered name. Importing any anomalab module runs ``anomalab/__init__`` first, which imports
``anomalab.detectors`` and so registers the built-in detectors. Detector classes are typed
``Any`` here: they are :class:`anomalab.base.BaseDetector` subclasses, which this module cannot
import.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

SUPERVISION_KINDS = ("unsupervised", "semi-supervised", "one-class", "supervised")
DATA_KINDS = ("tabular", "image")

#: A detector class being registered (returned unchanged by :func:`register`).
DetectorClass = TypeVar("DetectorClass", bound=type)


@dataclass(frozen=True)
class DetectorSpec:
    """A registered detector: its class, what supervision it takes and what data it reads.

    ``fast_params`` are tiny-epoch settings for tests and the smoke suite.
    """

    name: str
    cls: Any  # a BaseDetector subclass
    supervision: str
    data_kinds: tuple[str, ...]
    summary: str
    fast_params: dict[str, Any] = field(default_factory=dict)


_REGISTRY: dict[str, DetectorSpec] = {}


def register(
    name: str, *, fast_params: dict[str, Any] | None = None
) -> Callable[[DetectorClass], DetectorClass]:
    """Class decorator: register a detector under ``name``."""

    def decorate(cls: DetectorClass) -> DetectorClass:
        detector: Any = cls  # a BaseDetector subclass: supervision, data_kinds, docstring
        if detector.supervision not in SUPERVISION_KINDS:
            raise ValueError(f"{cls.__name__}.supervision must be one of {SUPERVISION_KINDS}")
        if not set(detector.data_kinds) <= set(DATA_KINDS):
            raise ValueError(f"{cls.__name__}.data_kinds must be within {DATA_KINDS}")
        existing = _REGISTRY.get(name)
        if existing is not None and existing.cls is not cls:
            raise ValueError(f"detector name {name!r} already registered by {existing.cls}")
        doc = (cls.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = DetectorSpec(
            name=name,
            cls=cls,
            supervision=detector.supervision,
            data_kinds=tuple(detector.data_kinds),
            summary=doc[0] if doc else "",
            fast_params=dict(fast_params or {}),
        )
        return cls

    return decorate


def detector_specs(
    supervision: str | None = None, data_kind: str | None = None
) -> list[DetectorSpec]:
    """Registered detectors, optionally filtered by supervision kind or data kind."""
    return [
        spec
        for spec in _REGISTRY.values()
        if (supervision is None or spec.supervision == supervision)
        and (data_kind is None or data_kind in spec.data_kinds)
    ]


def list_detectors(**filters: str | None) -> list[str]:
    """Names of the registered detectors."""
    return [spec.name for spec in detector_specs(**filters)]


def get_spec(name: str) -> DetectorSpec:
    """The spec of detector ``name`` (case-insensitive), with a clear error for unknown names."""
    if name in _REGISTRY:
        return _REGISTRY[name]
    lowered = {key.lower(): key for key in _REGISTRY}
    if name.lower() in lowered:
        return _REGISTRY[lowered[name.lower()]]
    import difflib

    close = difflib.get_close_matches(name, list(_REGISTRY), n=3)
    hint = f"; did you mean {', '.join(close)}?" if close else ""
    raise KeyError(f"unknown detector {name!r}{hint} (registered: {', '.join(sorted(_REGISTRY))})")


def get_detector_class(name: str) -> Any:
    """The class of detector ``name`` (case-insensitive)."""
    return get_spec(name).cls


def make_detector(name: str, **params: Any) -> Any:
    """Instantiate a registered detector by name (a ``BaseDetector``)."""
    return get_spec(name).cls(**params)


def name_of(cls: type) -> str | None:
    """The registry name of a detector class (None if unregistered)."""
    for spec in _REGISTRY.values():
        if spec.cls is cls:
            return spec.name
    return None
