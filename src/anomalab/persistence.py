"""Save / load detectors as a folder: ``config.json`` + ``weights.safetensors``. No pickle.

``config.json`` holds the class, its constructor parameters, scalar fitted attributes and the
library versions; ``weights.safetensors`` holds the model's ``state_dict`` (keys ``model.*``) and
fitted arrays (keys ``fitted.*``).
"""

from __future__ import annotations

import importlib
import json
import platform
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import torch
from safetensors import SafetensorError
from safetensors.torch import load_file, save_file

if TYPE_CHECKING:
    from anomalab.base import BaseDetector

FORMAT = "anomalab-detector"
FORMAT_VERSION = 2  # 2: presets (``preset``, ``budget``) and the fitted ``effective_params_``
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


def save_detector(detector: BaseDetector, path: str | Path) -> Path:
    """Write a fitted detector to the folder ``path`` (created if needed); return the folder."""
    from sklearn.utils.validation import check_is_fitted

    from anomalab import __version__
    from anomalab.registry import name_of

    check_is_fitted(detector, "decision_scores_")
    folder = Path(path)
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


def _resolve_class(config: dict[str, Any]) -> type:
    from anomalab.registry import get_detector_class

    name = config.get("detector")
    if name:
        return get_detector_class(name)
    module_name, _, qualname = str(config.get("class", "")).partition(":")
    if not module_name.startswith("anomalab.") or not qualname:
        raise ValueError(f"model config names no anomalab detector class: {config.get('class')!r}")
    return getattr(importlib.import_module(module_name), qualname)


def _upgrade_params(cls: type, params: dict[str, Any], version: Any) -> dict[str, Any]:
    """Constructor parameters of a format-1 file (saved before presets existed) in today's terms:
    it ran the paper's settings (``preset="paper"``), and PLAD's / NovNorm's ``preset="cpu"`` is
    now ``preset="paper", budget="cpu"``."""
    if isinstance(version, int | float) and version >= 2:
        return params
    names = set(cls._get_param_names())
    if "preset" in names:
        if params.get("preset") == "cpu":
            params["budget"] = "cpu"
        params["preset"] = "paper"
    return params


def load(path: str | Path) -> BaseDetector:
    """Load a detector saved with ``detector.save(path)``."""
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
    try:
        config = json.loads(config_path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ValueError(
            f"corrupt saved detector: {config_path} is not valid JSON ({exc})"
        ) from exc
    if not isinstance(config, dict) or config.get("format") != FORMAT:
        raise ValueError(f"{config_path} is not an anomalab detector config")
    if int(config.get("format_version", 0)) > FORMAT_VERSION:
        raise ValueError(
            f"{folder} was saved in format version {config['format_version']}, newer than this "
            f"anomalab ({__version__}) reads ({FORMAT_VERSION}); upgrade anomalab"
        )
    saved_version = config.get("versions", {}).get("anomalab")
    if saved_version and saved_version.split(".")[:2] != __version__.split(".")[:2]:
        warnings.warn(
            f"{folder} was saved with anomalab {saved_version}; this is {__version__}",
            stacklevel=2,
        )
    try:
        tensors = load_file(str(weights_path))
    except (SafetensorError, OSError, ValueError) as exc:
        raise ValueError(f"corrupt saved detector: cannot read {weights_path} ({exc})") from exc
    cls = _resolve_class(config)
    params = _upgrade_params(cls, dict(config.get("params", {})), config.get("format_version"))
    detector = cls(**params)
    for name, entry in config.get("fitted", {}).items():
        if "array" in entry:
            value: Any = tensors[entry["array"]].numpy()
        elif "tensor" in entry:
            value = tensors[entry["tensor"]]
        else:
            value = entry["value"]
            if name == "input_shape_":
                value = tuple(value)
        setattr(detector, name, value)
    if hasattr(detector, "effective_params_"):
        detector._set_effective_params(detector.effective_params_)
    elif hasattr(detector, "decision_scores_"):  # format 1: resolved as the fit did
        detector._resolve_params(len(detector.decision_scores_))
    try:
        detector._restore(tensors)
    except (RuntimeError, KeyError) as exc:
        raise ValueError(f"saved weights in {folder} do not match {cls.__name__}: {exc}") from exc
    return detector
