"""Write a fitted detector as a folder: ``config.json`` + ``weights.safetensors``. No pickle.

``config.json`` holds the class, its constructor parameters, scalar fitted attributes and the
library versions; ``weights.safetensors`` holds the model's ``state_dict`` (keys ``model.*``) and
fitted arrays (keys ``fitted.*``). :meth:`anomalab.base.BaseDetector.save` calls
:func:`save_detector`, so this module sits below ``base`` and imports no detector;
:func:`anomalab.persistence.load` reads the folder back.
"""

from __future__ import annotations

import json
import platform
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import torch
from safetensors.torch import save_file

from anomalab._version import __version__
from anomalab.registry import name_of

FORMAT = "anomalab-detector"
#: 2: presets (``preset``, ``budget``) and the fitted ``effective_params_``; 3: the fitted
#: ``feature_names_in_`` and ``feature_quantiles_`` (an older anomalab would refuse them).
FORMAT_VERSION = 3
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "weights.safetensors"


class SavableDetector(Protocol):
    """What saving reads of a fitted detector (an :class:`anomalab.base.BaseDetector`)."""

    def get_params(self, deep: bool = True) -> dict[str, Any]: ...

    def _persisted_attributes(self) -> Sequence[str]: ...


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


def save_detector(detector: SavableDetector, path: str | Path, *, overwrite: bool = False) -> Path:
    """Write a fitted detector to the folder ``path`` (created if needed); return the folder.

    A ``config.json`` or ``weights.safetensors`` there that is not an anomalab model is replaced
    only with ``overwrite=True`` (``FileExistsError`` otherwise)."""
    from sklearn.utils.validation import check_is_fitted

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
        if isinstance(value, np.ndarray) and value.dtype == object:  # column names: JSON
            value = value.tolist()
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
