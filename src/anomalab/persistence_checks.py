"""Checks that a saved model folder is what ``save`` writes before anything in it is used.

Nothing named in a model file is imported or called: the class comes from the registry (or the
allow-list of anomalab's own detectors and the peer adapter), its parameters are checked against
the constructor's signature (a peer adapter's ``peer`` against the registered peers), and every
fitted value against the shape, dtype and range the detector expects.
"""

from __future__ import annotations

import inspect
import math
from typing import Any, TypeGuard

import numpy as np
import torch

import anomalab.detectors as builtin
from anomalab.base import BaseDetector
from anomalab.ensemble import RankEnsemble
from anomalab.nn.runtime import MAX_SEED
from anomalab.params import ParamError, check_params
from anomalab.peers import PeerAdapter, peer_spec
from anomalab.registry import detector_specs, get_spec
from anomalab.saving import FORMAT, FORMAT_VERSION

_ENTRY_KINDS = ("array", "tensor", "value")
_REQUIRED = ("n_features_in_", "input_shape_", "decision_scores_", "threshold_", "labels_")
_FLOATS = (torch.float16, torch.float32, torch.float64)
_INTS = (torch.int8, torch.int16, torch.int32, torch.int64, torch.uint8)
_STATS_KEYS = {"center_1", "scale_1", "center_2", "scale_2"}


class ModelFileError(ValueError):
    """A saved model that is corrupt, tampered with, or not one this anomalab can load."""


def _is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


#: Integers a model file may hold: those of a 64-bit integer (larger ones overflow numpy).
_INT64 = 2**63


def _is_finite_number(value: Any) -> bool:
    """A float that is finite, or an integer within int64 (a JSON integer can be any size)."""
    if _is_int(value):
        return -_INT64 <= value < _INT64
    return isinstance(value, float) and math.isfinite(value)


def check_config(config: Any, where: str) -> int:
    """Refuse a ``config.json`` whose structure is not the one ``save`` writes; return its
    format version."""
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ModelFileError(f"{where} is not an anomalab detector config")
    version = config.get("format_version")
    if not _is_int(version) or version < 1:
        raise ModelFileError(f"{where}: format_version must be a positive integer, got {version!r}")
    if version > FORMAT_VERSION:
        raise ModelFileError(
            f"{where} was saved in format version {version}, newer than this anomalab reads "
            f"({FORMAT_VERSION}); upgrade anomalab"
        )
    versions = config.get("versions", {})
    if not isinstance(versions, dict) or not all(
        isinstance(v, str | None) for v in versions.values()
    ):
        raise ModelFileError(f"{where}: 'versions' must map library names to version strings")
    for key in ("params", "fitted"):
        if not isinstance(config.get(key), dict):
            raise ModelFileError(
                f"{where}: {key!r} must be a JSON object, got {type(config.get(key)).__name__}"
            )
    for name, entry in config["fitted"].items():
        if not isinstance(entry, dict) or len(entry) != 1 or next(iter(entry)) not in _ENTRY_KINDS:
            raise ModelFileError(
                f"{where}: fitted {name!r} must be one of {{'array': key}}, {{'tensor': key}}, "
                f"{{'value': v}}, got {entry!r}"[:300]
            )
        kind, ref = next(iter(entry.items()))
        if kind != "value" and not isinstance(ref, str):
            raise ModelFileError(f"{where}: fitted {name!r} names no tensor: {ref!r}")
    return version


def loadable_classes() -> dict[str, type]:
    """``module:qualname`` -> class for every detector a model file may name by class: the
    registry's, anomalab's own detector classes (an explicit list) and the peer adapter."""
    classes = [spec.cls for spec in detector_specs()]
    classes += [getattr(builtin, name) for name in builtin.__all__]
    classes.append(PeerAdapter)  # not in the registry: it runs other libraries' detectors
    classes.append(RankEnsemble)  # not in the registry: its members are named detectors
    return {f"{c.__module__}:{c.__qualname__}": c for c in classes}


def resolve_class(config: dict[str, Any], where: str) -> type:
    """The detector class a config names: by registry name, else by an allow-listed class path.
    Nothing is imported or called."""
    name, path = config.get("detector"), config.get("class")
    if name is not None:
        if not isinstance(name, str):
            raise ModelFileError(f"{where}: 'detector' must be a registered name, got {name!r}")
        try:
            cls: Any = get_spec(name).cls
        except KeyError as exc:
            raise ModelFileError(f"{where}: {exc.args[0]}") from None
    else:
        cls = loadable_classes().get(path) if isinstance(path, str) else None
        if cls is None:
            raise ModelFileError(f"{where} names no anomalab detector class: {path!r}"[:300])
    if not (isinstance(cls, type) and issubclass(cls, BaseDetector)) or inspect.isabstract(cls):
        raise ModelFileError(f"{where}: {cls!r} is not a detector class")
    return cls


def checked_params(cls: type, params: dict[str, Any], where: str) -> dict[str, Any]:
    """``params`` if they are ``cls``'s constructor parameters with values of their types (and,
    for a peer adapter, ``peer`` a registered peer)."""
    try:
        check_params(cls, params)
    except ParamError as exc:
        raise ModelFileError(f"{where}: {exc}") from None
    if issubclass(cls, PeerAdapter) and "peer" in params:
        try:
            peer_spec(params["peer"])
        except KeyError as exc:
            raise ModelFileError(f"{where}: {exc.args[0]}"[:300]) from None
    return params


def fitted_values(
    detector: Any, fitted: dict[str, dict[str, Any]], tensors: dict[str, torch.Tensor], where: str
) -> dict[str, Any]:
    """The fitted attributes to set on ``detector``, each checked (name, kind, dtype, shape,
    finiteness, range) against what the detector computes in ``fit``."""
    allowed = set(detector._persisted_attributes())
    unknown = sorted(set(fitted) - allowed)
    if unknown:
        raise ModelFileError(f"{where}: unknown fitted attribute(s) {unknown[:5]}")
    missing = [n for n in _REQUIRED if n not in fitted]
    if "mean_" in type(detector).fitted_state:
        missing += [n for n in ("mean_", "scale_") if n not in fitted]
    if isinstance(detector, PeerAdapter):  # refitted on load from its training rows and seed
        missing += [n for n in ("X_fit_", "seed_") if n not in fitted]
    if missing:
        raise ModelFileError(f"{where}: fitted attribute(s) {missing} missing")
    values = {name: _value(name, entry, tensors, where) for name, entry in fitted.items()}
    _check_shapes(detector, values, where)
    if isinstance(detector, PeerAdapter):
        _check_peer_fit(values, where)
    if "feature_names_in_" in values:  # scikit-learn's form: an object array
        values["feature_names_in_"] = np.asarray(values["feature_names_in_"], dtype=object)
    if "effective_params_" in values:
        values["effective_params_"] = checked_params(
            type(detector), values["effective_params_"], f"{where}: fitted effective_params_"
        )
    return values


def _value(name: str, entry: dict[str, Any], tensors: dict[str, torch.Tensor], where: str) -> Any:
    kind, ref = next(iter(entry.items()))
    if kind == "value":
        _check_json_value(name, ref, where)
        return tuple(ref) if name == "input_shape_" and isinstance(ref, list) else ref
    if ref not in tensors:
        raise ModelFileError(f"{where}: fitted {name!r} refers to {ref!r}, not in the weights")
    tensor = tensors[ref]
    if tensor.dtype not in _FLOATS + _INTS:
        raise ModelFileError(f"{where}: fitted {name!r} has unsupported dtype {tensor.dtype}")
    if tensor.dtype in _FLOATS and not bool(torch.isfinite(tensor).all()):
        raise ModelFileError(f"{where}: fitted {name!r} holds NaN or infinite values")
    return tensor.numpy() if kind == "array" else tensor


def _check_json_value(name: str, value: Any, where: str) -> None:
    """Scalars must be finite; the score-fusion statistics a dict of finite numbers with
    positive scales."""
    if name == "effective_params_":
        return
    if name.endswith("stats_"):
        ok = (
            isinstance(value, dict)
            and set(value) == _STATS_KEYS
            and all(_is_finite_number(v) for v in value.values())
            and value["scale_1"] > 0
            and value["scale_2"] > 0
        )
        if not ok:
            raise ModelFileError(
                f"{where}: fitted {name!r} must be {sorted(_STATS_KEYS)} finite with positive "
                f"scales, got {value!r}"[:300]
            )
        return
    if name == "input_shape_":
        if not (isinstance(value, list) and value and all(_is_int(v) and v > 0 for v in value)):
            raise ModelFileError(f"{where}: fitted 'input_shape_' must list positive integers")
        return
    if name == "feature_names_in_":
        if not (isinstance(value, list) and value and all(isinstance(v, str) for v in value)):
            raise ModelFileError(f"{where}: fitted 'feature_names_in_' must list column names")
        return
    if name == "n_features_in_":
        if not (_is_int(value) and value > 0):
            raise ModelFileError(f"{where}: fitted 'n_features_in_' must be a positive integer")
        return
    if not (isinstance(value, bool) or _is_finite_number(value)):
        raise ModelFileError(f"{where}: fitted {name!r} must be a finite number, got {value!r}")


def _check_shapes(detector: Any, values: dict[str, Any], where: str) -> None:
    shape = values["input_shape_"]
    image_only = tuple(detector.data_kinds) == ("image",)
    if (
        len(shape) not in ((3,) if image_only else (1, 3))
        or int(np.prod(shape)) != values["n_features_in_"]
    ):
        raise ModelFileError(
            f"{where}: fitted input_shape_ {list(shape)} does not match n_features_in_ "
            f"{values['n_features_in_']}"
        )
    scores, labels = values["decision_scores_"], values["labels_"]
    if not isinstance(scores, np.ndarray) or scores.ndim != 1 or not scores.size:
        raise ModelFileError(f"{where}: fitted decision_scores_ must be a non-empty 1-d array")
    if not isinstance(labels, np.ndarray) or labels.shape != scores.shape:
        raise ModelFileError(f"{where}: fitted labels_ must be an array shaped like the scores")
    if labels.dtype.kind not in "iu" or not np.isin(labels, (0, 1)).all():
        raise ModelFileError(f"{where}: fitted labels_ must be integers 0 / 1")
    names = values.get("feature_names_in_")
    if names is not None and len(names) != values["n_features_in_"]:
        raise ModelFileError(f"{where}: fitted feature_names_in_ must name n_features_in_ columns")
    d = values["n_features_in_"]
    for name, ndim, what in (
        ("feature_median_", 1, "n_features_in_ values"),
        ("feature_quantiles_", 2, "rows of n_features_in_ values"),
    ):
        array = values.get(name)
        if array is not None and not (
            isinstance(array, np.ndarray)
            and array.dtype.kind == "f"
            and array.ndim == ndim
            and array.shape[-1] == d
            and array.size > 0
        ):
            raise ModelFileError(f"{where}: fitted {name} must be a float array of {what}")
    if "mean_" in values or "scale_" in values:
        expected = (shape[0],)
        for name in ("mean_", "scale_"):
            array = values.get(name)
            if not isinstance(array, np.ndarray) or array.dtype.kind != "f":
                raise ModelFileError(f"{where}: fitted {name} must be a float array")
            if array.shape != expected:
                raise ModelFileError(
                    f"{where}: fitted {name} has shape {array.shape}, the detector expects "
                    f"{expected}"
                )
        if not (values["scale_"] > 0).all():
            raise ModelFileError(f"{where}: fitted scale_ must be positive (it divides the input)")


def _check_peer_fit(values: dict[str, Any], where: str) -> None:
    """A peer adapter's training rows (one per training score, ``n_features_in_`` columns), its
    labels (-1 / 0 / 1, one per row) and its seed (a non-negative integer)."""
    rows, n_features = len(values["decision_scores_"]), values["n_features_in_"]
    X = values["X_fit_"]
    if not (isinstance(X, np.ndarray) and X.dtype.kind == "f" and X.shape == (rows, n_features)):
        raise ModelFileError(
            f"{where}: fitted X_fit_ must be a float array of {rows} training rows x "
            f"{n_features} features"
        )
    y = values.get("y_fit_")
    if y is not None and not (
        isinstance(y, np.ndarray)
        and y.dtype.kind in "iu"
        and y.shape == (rows,)
        and np.isin(y, (-1, 0, 1)).all()
    ):
        raise ModelFileError(f"{where}: fitted y_fit_ must be {rows} integer labels in -1 / 0 / 1")
    seed = values["seed_"]
    if not (_is_int(seed) and 0 <= seed <= MAX_SEED):
        raise ModelFileError(
            f"{where}: fitted seed_ must be a non-negative integer up to 2**32 - 1, got {seed!r}"
        )


def check_weights(tensors: dict[str, torch.Tensor], where: str) -> None:
    """Every floating model weight finite."""
    for key, tensor in tensors.items():
        if key.startswith("model.") and tensor.is_floating_point():
            if not bool(torch.isfinite(tensor).all()):
                raise ModelFileError(f"{where}: weight {key!r} holds NaN or infinite values")
