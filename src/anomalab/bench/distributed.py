"""Cells on a Dask cluster: ``anomalab bench --scheduler tcp://HOST:8786``.

Each pending cell is one task (``Client.submit``); results come back to the client as they finish
(``as_completed``) and are written into the one SQLite store there, so the workers need anomalab
and the data root but never the store. Workers should run one thread each
(``dask worker ADDRESS --nthreads 1``): a cell may train a torch model that uses every core it is
given. Needs the ``dist`` extra (``dask[distributed]``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict
from typing import Any
from uuid import uuid4

from anomalab.bench.cells import Cell, failed_row, run_cell_dict
from anomalab.nn.runtime import DeviceError, check_device


def run_on_dask(
    pending: list[Cell],
    address: str,
    root: str | None,
    tracking: dict[str, str] | None,
    record: Callable[[dict[str, Any]], None],
    timeout: str = "30s",
    device: str | None = None,
) -> None:
    """Submit every pending cell to the scheduler at ``address``; ``record`` each row on return.
    ``device``: where the entrants run, checked on a worker before any cell is submitted
    (:class:`DeviceError` if that worker lacks it)."""
    try:
        from distributed import Client, as_completed
    except ImportError as exc:  # pragma: no cover - the dist extra is absent
        raise ImportError(
            "--scheduler needs dask.distributed: pip install 'anomalab[dist]'"
        ) from exc
    if not pending:
        return
    with Client(address, timeout=timeout, set_as_default=False) as client:
        if device is not None:
            _check_device_on_cluster(client, device, address)
        cells = {
            client.submit(
                run_cell_dict,
                asdict(cell),
                root,
                tracking,
                device,
                key=f"cell-{cell.name}-{cell.dataset}-{cell.seed}-{uuid4().hex[:8]}",
                pure=False,
            ): cell
            for cell in pending
        }
        try:
            for future in as_completed(list(cells)):
                cell = cells.pop(future)
                try:
                    row = future.result()
                except Exception as exc:  # the worker was lost, or the task could not run
                    row = failed_row(cell, exc)
                record(row)
                future.release()
        except BaseException:
            client.cancel(list(cells), force=True)
            raise


def _check_device_on_cluster(client: Any, device: str, address: str) -> None:
    """:func:`check_device` run on a worker of the cluster (the workers, not this client, run
    the cells); a worker that lacks the device is a one-line :class:`DeviceError`."""
    try:
        client.submit(check_device, device, pure=False).result()
    except DeviceError as exc:
        raise DeviceError(f"on the Dask cluster at {address}: {exc}") from None
