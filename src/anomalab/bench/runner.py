"""The runner: run the cells of a benchmark not yet stored, stream their rows into the store.

Cells are independent (``cells.py``): the runner runs the missing ones serially, in local worker
processes or on a Dask cluster (``distributed.py``), and every finished cell is committed to the
store at once, so an interrupted run loses at most the cells in flight.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from anomalab.bench.cells import (
    Cell,
    check_runnable,
    expand_grid,
    failed_row,
    key_params,
    library_versions,
    make_entrant,
    run_cell,
    run_cell_dict,
)
from anomalab.bench.distributed import run_on_dask
from anomalab.bench.store import ResultStore
from anomalab.nn.runtime import check_device, parse_device

__all__ = [
    "Cell",
    "RunSummary",
    "expand_grid",
    "failed_row",
    "key_params",
    "library_versions",
    "make_entrant",
    "mean_std",
    "run_cell",
    "run_cells",
]


def _worker_init(threads: int, parent_pid: int | None = None) -> None:
    import torch

    if parent_pid is not None:
        from anomalab.bench.lifeline import die_with_parent

        die_with_parent(parent_pid)  # a kill -9 of the run must not leave its workers behind
    torch.set_num_threads(threads)


@dataclass
class RunSummary:
    """What a run did: cells total / skipped (already stored) / ok / failed."""

    total: int = 0
    skipped: int = 0
    ok: int = 0
    failed: int = 0
    keys: list[str] = field(default_factory=list)


def run_cells(
    cells: Sequence[Cell],
    store: ResultStore,
    *,
    data_root: str | Path | None = None,
    jobs: int = 1,
    retry_failed: bool = False,
    on_result: Callable[[dict[str, Any], RunSummary], None] | None = None,
    scheduler: str | None = None,
    tracking: dict[str, str] | None = None,
    threads: int | None = None,
    device: str | None = None,
) -> RunSummary:
    """Run the cells not yet stored; each result is written to ``store`` as it finishes.

    Cells run in this process (``jobs=1``), in ``jobs`` local worker processes, or on the Dask
    cluster at ``scheduler`` (an address like ``tcp://host:8786``); in every case the rows stream
    into the one store here as cells finish, so an interrupt loses only the cells in flight.
    ``tracking`` (``{"uri": ..., "experiment": ...}``) also logs every cell to MLflow.
    ``threads`` sets torch's intra-op threads per cell (default: torch's own in this process,
    cores // jobs in worker processes); 1 avoids oversubscription on a busy machine.
    ``device`` runs every entrant with a ``device`` parameter there (cell keys stay the same); a
    device this machine (or a Dask worker) lacks is a :class:`DeviceError` before any cell runs.
    """
    root = str(data_root) if data_root is not None else None
    done = store.keys("ok") if retry_failed else store.keys()
    summary = RunSummary(total=len(cells), keys=[c.key for c in cells])
    pending = []
    for cell in cells:
        if cell.key in done:
            summary.skipped += 1
        else:
            pending.append(cell)
    check_runnable(pending)
    if device is not None:
        parse_device(device)  # a device name wherever the cells run
        if pending and not scheduler:
            check_device(device)  # a Dask run checks on a worker (run_on_dask)
    if tracking and pending:
        from anomalab.bench.tracking import ensure_experiment

        ensure_experiment(tracking)

    def record(row: dict[str, Any]) -> None:
        store.add(row)
        if row["status"] == "ok":
            summary.ok += 1
        else:
            summary.failed += 1
        if on_result is not None:
            on_result(row, summary)

    if scheduler:
        run_on_dask(pending, scheduler, root, tracking, record, device=device)
    elif jobs <= 1:
        import torch

        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            for cell in pending:
                record(run_cell(cell, root, tracking, device))
        finally:
            torch.set_num_threads(before)
    else:
        _run_local_pool(pending, jobs, root, tracking, record, threads, device)
    return summary


def _run_local_pool(
    pending: list[Cell],
    jobs: int,
    root: str | None,
    tracking: dict[str, str] | None,
    record: Callable[[dict[str, Any]], None],
    threads: int | None = None,
    device: str | None = None,
) -> None:
    threads = threads or max(1, (os.cpu_count() or 1) // jobs)
    # A process that asked CUDA whether it is there (``check_device``) cannot fork workers that
    # use it ("Cannot re-initialize CUDA in forked subprocess"): off the CPU, workers start fresh.
    context = multiprocessing.get_context("spawn") if device not in (None, "cpu") else None
    pool = ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=context,
        initializer=_worker_init,
        initargs=(threads, os.getpid()),
    )
    queue = list(pending)
    running: dict[Future[dict[str, Any]], Cell] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                cell = queue.pop(0)
                running[pool.submit(run_cell_dict, asdict(cell), root, tracking, device)] = cell
            finished, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in finished:
                cell = running.pop(future)
                try:
                    row = future.result()
                except Exception as exc:  # a worker died (e.g. killed for memory)
                    row = failed_row(cell, exc)
                record(row)
    except BaseException:
        # Interrupted (Ctrl-C, SIGTERM) or the store failed: drop the cells in flight at once
        # instead of waiting for them; everything recorded so far is already committed.
        processes = list(getattr(pool, "_processes", {}).values())
        pool.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            if process.is_alive():
                process.terminate()
        raise
    pool.shutdown(wait=True)


def mean_std(values: Sequence[float]) -> tuple[float, float]:
    arr = np.asarray(values, dtype=np.float64)
    return float(arr.mean()), float(arr.std(ddof=1)) if arr.size > 1 else 0.0
