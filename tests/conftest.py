"""Shared fixtures: the real data root (or a skip when it is absent); a process-liveness probe;
the ``gpu`` marker's skip on a machine without CUDA."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

import pytest


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Tests marked ``gpu`` skip where CUDA is not available (``pytest -m gpu`` selects them)."""
    marked = [item for item in items if item.get_closest_marker("gpu") is not None]
    if not marked:
        return
    import torch

    if torch.cuda.is_available():
        return
    skip = pytest.mark.skip(reason="needs a CUDA device (torch.cuda.is_available() is False)")
    for item in marked:
        item.add_marker(skip)


@pytest.fixture(scope="session")
def data_root() -> Path:
    """``$ANOMALAB_DATA`` (else the ``../shared/datasets`` fallbacks); skip if absent."""
    from anomalab.data import DataNotFoundError, resolve_data_root

    try:
        return resolve_data_root(os.environ.get("ANOMALAB_DATA"))
    except DataNotFoundError as err:
        pytest.skip(f"real datasets not available: {err}")


def _running(pid: int) -> bool:
    """Whether process ``pid`` exists and is neither a zombie nor dead (Linux ``/proc``)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except OSError:
        return False
    return stat.rsplit(b")", 1)[1].split()[0] not in (b"Z", b"X")


@pytest.fixture
def running() -> Callable[[int], bool]:
    """``running(pid)``: whether that process is alive."""
    return _running
