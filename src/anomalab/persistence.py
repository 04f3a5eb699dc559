"""Save / load detectors as a folder: ``config.json`` + ``weights.safetensors``. No pickle.

``config.json`` holds the class, its constructor parameters, scalar fitted attributes and the
library versions; ``weights.safetensors`` holds the model's ``state_dict`` (keys ``model.*``) and
fitted arrays (keys ``fitted.*``).
"""

from __future__ import annotations

import json
import platform
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

from anomalab.persistence_checks import (
    FORMAT,
    FORMAT_VERSION,
    ModelFileError,
    check_config,
    check_weights,
    checked_params,
    fitted_values,
    resolve_class,
)

if TYPE_CHECKING:
    from anomalab.base import BaseDetector

CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"


def _jsonable(value: Any) -> Any:
    if isinstance(value, tuple | list):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    raise TypeError(
        f"cannot save parameter value {value!r} of type {type(value).__name__}: only JSON values "
        "(numbers, strings, lists, dicts, None) can be persisted"
    )


def is_model_folder(path: str | Path) -> bool:
    """Whether ``path`` is a folder whose ``config.json`` is an anomalab detector config."""
    try:
        config = json.loads((Path(path) / CONFIG_FILE).read_text())
    except (OSError, ValueError, RecursionError):
        return False
    return isinstance(config, dict) and config.get("format") == FORMAT


def save_detector(detector: BaseDetector, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a fitted detector to the folder ``path`` (created if needed); return the folder.

    A ``config.json`` or ``weights.safetensors`` there that is not an anomalab model is replaced
    only with ``overwrite=True`` (``FileExistsError`` otherwise)."""
    from sklearn.utils.validation import check_is_fitted

    from anomalab import __version__
    from anomalab.registry import name_of

    check_is_fitted(detector, "decision_scores_")
    folder = Path(path)
    if folder.exists() and not folder.is_dir():
        raise FileExistsError(f"cannot save a detector to {folder}: it is a file, not a folder")
    ours = [folder / CONFIG_FILE, folder / WEIGHTS_FILE]
    if not overwrite and any(p.exists() for p in ours) and not is_model_folder(folder):
        raise FileExistsError(
            f"{folder} holds a {CONFIG_FILE} or {WEIGHTS_FILE} that is not an anomalab model; "
            "save elsewhere or pass overwrite=True"
        )
    folder.mkdir(parents=True, exist_ok=True)
    tensors: dict[str, torch.Tensor] = {}
    model = getattr(detector, "model_", None)
    if isinstance(model, torch.nn.Module):
        for key, value in model.state_dict().items():
            tensors[f"model.{key}"] = value.detach().to("cpu").contiguous().clone()
    fitted: dict[str, Any] = {}
    for name in detector._persisted_attributes():
        if not hasattr(detector, name):
            continue
        value = getattr(detector, name)
        if isinstance(value, np.ndarray):
            tensors[f"fitted.{name}"] = torch.from_numpy(np.ascontiguousarray(value).copy())
            fitted[name] = {"array": f"fitted.{name}"}
        elif isinstance(value, torch.Tensor):
            tensors[f"fitted.{name}"] = value.detach().to("cpu").contiguous().clone()
            fitted[name] = {"tensor": f"fitted.{name}"}
        else:
            fitted[name] = {"value": _jsonable(value)}
    cls = type(detector)
    config = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "detector": name_of(cls),
        "class": f"{cls.__module__}:{cls.__qualname__}",
        "params": _jsonable(detector.get_params(deep=False)),
        "fitted": fitted,
        "versions": {
            "anomalab": __version__,
            "torch": torch.__version__,
            "numpy": np.__version__,
            "python": platform.python_version(),
        },
    }
    save_file(tensors, str(folder / WEIGHTS_FILE), metadata={"format": FORMAT})
    (folder / CONFIG_FILE).write_text(json.dumps(config, indent=2) + "\n")
    return folder


def _upgrade_params(
    cls: type[BaseDetector], params: dict[str, Any], version: int
) -> dict[str, Any]:
    """Constructor parameters of a format-1 file (saved before presets existed) in today's terms:
    it ran the paper's settings (``preset="paper"``), and PLAD's / NovNorm's ``preset="cpu"`` is
    now ``preset="paper", budget="cpu"``."""
    if version >= 2:
        return params
    names = set(cls._get_param_names())
    if "preset" in names:
        if params.get("preset") == "cpu":
            params["budget"] = "cpu"
        params["preset"] = "paper"
    return params


def load(path: str | Path) -> BaseDetector:
    """Load a detector saved with ``detector.save(path)``.

    Nothing in the folder is executed: the class must be a registered detector, and its
    parameters and fitted values are checked before use (:class:`ModelFileError` otherwise).
    """
    from anomalab import __version__

    folder = Path(path)
    config_path, weights_path = folder / CONFIG_FILE, folder / WEIGHTS_FILE
    if not folder.is_dir():
        raise FileNotFoundError(f"no saved detector at {folder}: folder does not exist")
    for required in (config_path, weights_path):
        if not required.is_file():
            raise FileNotFoundError(
                f"incomplete saved detector in {folder}: {required.name} missing"
            )
    where = str(config_path)
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as exc:
        raise ModelFileError(
            f"corrupt saved detector: {config_path} is not valid JSON ({exc})"
        ) from None
    version = check_config(config, where)
    saved_version = config.get("versions", {}).get("anomalab")
    if saved_version and saved_version.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            f"{folder} was saved with anomalab {saved_version}; this is {__version__}",
            stacklevel=2,
        )
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ModelFileError(
            f"corrupt saved detector: cannot read {weights_path} ({exc})"
        ) from None
    cls = resolve_class(config, where)
    params = checked_params(cls, _upgrade_params(cls, dict(config["params"]), version), where)
    detector = cls(**params)
    for name, value in fitted_values(detector, config["fitted"], tensors, where).items():
        setattr(detector, name, value)
    check_weights(tensors, str(weights_path))
    if hasattr(detector, "effective_params_"):
        detector._set_effective_params(detector.effective_params_)
    else:  # format 1: resolved as the fit did
        detector._resolve_params(len(detector.decision_scores_))
    try:
        detector._restore(tensors)
    except (RuntimeError, KeyError, ValueError, TypeError) as exc:
        message = " ".join(str(exc).split())[:300] or type(exc).__name__
        raise ModelFileError(
            f"saved weights in {folder} do not match {cls.__name__}: {message}"
        ) from exc
    return detector
