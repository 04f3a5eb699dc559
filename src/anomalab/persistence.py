"""Load a detector saved as a folder (``config.json`` + ``weights.safetensors``). No pickle.

Saving is :mod:`anomalab.saving` (re-exported here): ``BaseDetector.save`` calls it, so it sits
below ``base``; loading needs every detector class (the registry and anomalab's own), so it sits
above the detectors.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path
from typing import Any

from safetensors import SafetensorError
from safetensors.torch import load_file

from anomalab._version import __version__
from anomalab.base import BaseDetector
from anomalab.nn.runtime import resolve_device
from anomalab.persistence_checks import (
    ModelFileError,
    check_config,
    check_weights,
    checked_params,
    fitted_values,
    resolve_class,
)
from anomalab.saving import CONFIG_FILE, WEIGHTS_FILE, is_model_folder, save_detector

__all__ = [
    "CONFIG_FILE",
    "WEIGHTS_FILE",
    "ModelFileError",
    "is_model_folder",
    "load",
    "save_detector",
]


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


#: How deep saved members may nest (an ensemble's members are plain detectors).
MAX_MEMBER_DEPTH = 1


def load(path: str | Path, device: str | None = None) -> BaseDetector:
    """Load a detector saved with ``detector.save(path)``.

    Nothing in the folder is executed: the class must be a registered detector (or one of
    anomalab's own, such as :class:`anomalab.ensemble.RankEnsemble`), and its parameters and
    fitted values are checked before use (:class:`ModelFileError` otherwise). An ensemble's
    members are loaded the same way from its sub-folders.

    ``device`` ('cpu', 'cuda[:n]', 'mps', 'auto'): where the model is put and scores, replacing
    its saved ``device`` parameter (an error if this machine lacks it). Without it the saved
    device is used; a model saved on a device this machine lacks (say ``"cuda"`` on a machine
    without CUDA) loads on the CPU, with a warning. Weights are always read into CPU memory
    first, so no device is needed to read them. Detectors without a ``device`` parameter (peers,
    ensembles themselves) ignore it; an ensemble passes it to its members.
    """
    if device is not None:
        resolve_device(device)
    return _load(Path(path), depth=0, device=device)


def _placed(
    cls: type[BaseDetector], params: dict[str, Any], device: str | None, folder: Path
) -> dict[str, Any]:
    """``params`` with the device the model will run on: ``device`` when given, else the saved
    one if this machine has it, else ``"cpu"`` (with a warning)."""
    if "device" not in cls._get_param_names():
        return params
    if device is not None:
        return {**params, "device": device}
    saved = params.get("device")
    if saved is None or saved == "cpu":
        return params
    try:
        resolve_device(saved)
    except ValueError as exc:
        warnings.warn(
            f"{folder} was saved for device {saved!r}, which this machine cannot use ({exc}); "
            "loaded on 'cpu' (anomalab.load(path, device=...) chooses the device)",
            stacklevel=4,
        )
        return {**params, "device": "cpu"}
    return params


def _member_folders(config: dict[str, Any], folder: Path, depth: int) -> list[Path]:
    """The sub-folders a config lists as ``members`` (plain ``member-<i>`` names only)."""
    names = config.get("members")
    if names is None:
        return []
    where = str(folder / CONFIG_FILE)
    if depth >= MAX_MEMBER_DEPTH:
        raise ModelFileError(f"{where}: a member of an ensemble cannot have members itself")
    expected = [f"member-{i}" for i in range(len(names))] if isinstance(names, list) else None
    if not names or names != expected:
        raise ModelFileError(
            f"{where}: 'members' must list the sub-folders member-0, member-1, ..., got {names!r}"[
                :300
            ]
        )
    return [folder / name for name in names]


def _load(folder: Path, depth: int, device: str | None = None) -> BaseDetector:
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
    member_folders = _member_folders(config, folder, depth)
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
    params = _placed(cls, params, device, folder)
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
    restore_members = getattr(detector, "_restore_members", None)
    if bool(member_folders) != (restore_members is not None):
        raise ModelFileError(
            f"{where}: members are saved with ensembles only ({cls.__name__} "
            f"{'takes' if restore_members else 'takes no'} members)"
        )
    if restore_members is not None:
        members = [_load(sub, depth + 1, device) for sub in member_folders]
        try:
            restore_members(members)
        except ValueError as exc:
            raise ModelFileError(f"{where}: {exc}") from None
    return detector
