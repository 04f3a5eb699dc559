"""Seeding without global RNG state, and device resolution."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import numpy as np
import torch

#: The largest seed: numpy's legacy and scikit-learn's range (peers hand the seed on to them).
MAX_SEED = 2**32 - 1


def resolve_seed(random_state: int | np.random.Generator | np.random.RandomState | None) -> int:
    """An integer seed in [0, ``MAX_SEED``] from ``random_state``: an int, a numpy ``Generator``
    or ``RandomState`` (one draw from it, as scikit-learn's estimators draw), or None (fresh
    entropy)."""
    if random_state is None:
        return int(np.random.SeedSequence().generate_state(1)[0])
    if isinstance(random_state, np.random.Generator):
        return int(random_state.integers(0, 2**31 - 1))
    if isinstance(random_state, np.random.RandomState):
        return int(random_state.randint(0, 2**31 - 1))
    if isinstance(random_state, bool) or not isinstance(random_state, int | np.integer):
        raise TypeError(
            "random_state must be an int, a numpy Generator or RandomState, or None, got "
            f"{random_state!r}"
        )
    if not 0 <= random_state <= MAX_SEED:
        raise ValueError(f"random_state must lie in [0, 2**32 - 1], got {random_state}")
    return int(random_state)


@contextlib.contextmanager
def seeded(seed: int, device: torch.device | None = None) -> Iterator[torch.Generator]:
    """Run a block with torch's global RNG seeded, then restore it; yield a local generator.

    Layer initialisation and dropout draw from torch's global generator, so the block forks it
    (``torch.random.fork_rng``) and the caller's RNG state is unchanged afterwards. Shuffling and
    sampling use the yielded ``torch.Generator`` (on CPU, so runs match across devices).
    """
    devices = [device] if device is not None and device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices, enabled=True):
        torch.manual_seed(seed)
        generator = torch.Generator().manual_seed(seed)
        yield generator


class DeviceError(ValueError):
    """A device that is not a device name, or that this machine does not have."""


def parse_device(device: str | torch.device | None = "cpu") -> torch.device | None:
    """The device ``device`` names ('cpu', 'cuda[:n]', 'mps'; None for 'auto'), checked as a name
    only: whether this machine has it is :func:`resolve_device`'s question."""
    if device is None:
        return torch.device("cpu")
    if isinstance(device, torch.device):
        device = str(device)
    if not isinstance(device, str):
        raise DeviceError(
            f"device must be a string like 'cpu', 'cuda:0', 'mps' or 'auto', got {device!r}"
        )
    if device == "auto":
        return None
    try:
        dev = torch.device(device)
    except RuntimeError as exc:
        raise DeviceError(
            f"unknown device {device!r}: use 'auto', 'cpu', 'cuda[:n]' or 'mps'"
        ) from exc
    if dev.type not in ("cpu", "cuda", "mps"):
        raise DeviceError(f"unsupported device {device!r}: use 'auto', 'cpu', 'cuda[:n]' or 'mps'")
    return dev


def resolve_device(device: str | torch.device | None = "cpu") -> torch.device:
    """'auto' | 'cpu' | 'cuda[:n]' | 'mps' -> torch.device, with a clear error
    (:class:`DeviceError`, a ``ValueError``) if this machine does not have it."""
    dev = parse_device(device)
    if dev is None:  # auto
        if torch.cuda.is_available():
            return torch.device("cuda")
        if getattr(torch.backends, "mps", None) is not None and torch.backends.mps.is_available():
            return torch.device("mps")
        return torch.device("cpu")
    if dev.type == "cuda":
        if not torch.cuda.is_available():
            raise DeviceError(
                f"device {str(device)!r} requested but CUDA is not available on this machine"
            )
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise DeviceError(
                f"device {str(device)!r} requested but only {torch.cuda.device_count()} CUDA "
                "devices exist"
            )
    elif dev.type == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise DeviceError("device 'mps' requested but MPS is not available on this machine")
    return dev


def check_device(device: str) -> str:
    """``device`` if this machine has it (:class:`DeviceError` otherwise); the check a run makes
    before its first cell, here or on each kind of worker."""
    resolve_device(device)
    return device
