"""Benchmark cells and the runner: expand a grid, run cells, stream rows into the store.

A cell is (detector + params, dataset, protocol + params, seed). Cells are independent: the runner
runs the missing ones serially or in local worker processes, and every finished cell is committed
to the store at once, so an interrupted run loses at most the cells in flight.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
import platform
import time
import traceback
import warnings
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from functools import lru_cache
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from anomalab.base import BaseDetector
from anomalab.bench.peers import PEERS, make_peer
from anomalab.bench.store import ResultStore
from anomalab.metrics import evaluate
from anomalab.registry import get_spec


@dataclass(frozen=True)
class Cell:
    """One benchmark run: detector with params on a dataset under a protocol, for one seed."""

    detector: str
    dataset: str
    protocol: str
    seed: int
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    protocol_params: dict[str, Any] = field(default_factory=dict, hash=False)
    label: str | None = None  # display name of the entrant (defaults to ``detector``)

    @property
    def name(self) -> str:
        return self.label or self.detector

    @property
    def key(self) -> str:
        """A stable hash of everything that defines the cell's result (params in the form of
        :func:`key_params`)."""
        payload = json.dumps(
            {
                "detector": self.detector,
                "params": key_params(self.detector, self.params),
                "dataset": self.dataset,
                "protocol": self.protocol,
                "protocol_params": self.protocol_params,
                "seed": self.seed,
            },
            sort_keys=True,
            default=str,
        )
        return hashlib.sha1(payload.encode()).hexdigest()


def key_params(detector: str, params: dict[str, Any]) -> dict[str, Any]:
    """``params`` as a cell key reads them: a registered detector's preset made explicit (a cell
    that names none runs the class default), except ``"paper"``, which the key leaves out -- every
    cell stored before presets existed ran the paper's settings, and its key stays valid. A
    recommended preset past its first revision adds ``preset_revision`` (its rules changed)."""
    if detector in PEERS:
        return params
    cls = get_spec(detector).cls
    default = inspect.signature(cls.__init__).parameters.get("preset")
    if default is None:
        return params
    out = dict(params)
    preset = out.pop("preset", default.default)
    if preset != "paper":
        out["preset"] = preset
        if cls.recommended_revision > 1:
            out["preset_revision"] = cls.recommended_revision
    return out


def expand_grid(
    detectors: Sequence[tuple[str, dict[str, Any]] | tuple[str, dict[str, Any], str]],
    datasets: Sequence[str],
    protocol: str,
    seeds: Iterable[int],
    protocol_params: dict[str, Any] | None = None,
) -> list[Cell]:
    """All cells of detectors x datasets x seeds under one protocol (dataset-major order)."""
    cells = []
    for dataset in datasets:
        for seed in seeds:
            for entry in detectors:
                name, params = entry[0], entry[1]
                label = entry[2] if len(entry) > 2 else None
                cells.append(
                    Cell(
                        detector=name,
                        dataset=dataset,
                        protocol=protocol,
                        seed=int(seed),
                        params=dict(params),
                        protocol_params=dict(protocol_params or {}),
                        label=label,
                    )
                )
    return cells


def make_entrant(name: str, params: dict[str, Any], seed: int) -> BaseDetector:
    """A fresh detector (anomalab registry) or peer adapter, seeded with the cell's seed.

    ``params["search"]`` (a mapping parameter -> values) is not passed to the detector: it wraps
    the detector in :class:`anomalab.model_selection.HoldoutSearch`, which picks those values on
    a stratified hold-out of the training part (needs labeled anomalies)."""
    params = dict(params)
    search = params.pop("search", None)
    if name in PEERS:
        detector = make_peer(name, params, random_state=seed)
    else:
        cls = get_spec(name).cls
        if "random_state" in cls._get_param_names():
            params.setdefault("random_state", seed)
        detector = cls(**params)
    if search is None:
        return detector
    from anomalab.model_selection import HoldoutSearch

    return HoldoutSearch(detector, search, random_state=seed)


def library_versions(detector: str) -> dict[str, str]:
    """Versions that a cell's result depends on."""
    names = ["numpy", "scikit-learn", "torch"]
    if detector in PEERS:
        names.append(PEERS[detector].library)
    versions = {"anomalab": _version("anomalab"), "python": platform.python_version()}
    versions.update({n: _version(n) for n in names})
    return versions


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"


@lru_cache(maxsize=4)
def _dataset(name: str, data_root: str | None) -> Any:
    from anomalab.data import load_dataset

    return load_dataset(name, data_root)


def _row(cell: Cell) -> dict[str, Any]:
    return {
        "cell_key": cell.key,
        "detector": cell.name,
        "params": {"detector": cell.detector, **cell.params},
        "dataset": cell.dataset,
        "protocol": cell.protocol,
        "protocol_params": cell.protocol_params,
        "seed": cell.seed,
        "versions": library_versions(cell.detector),
    }


def failed_row(cell: Cell, exc: BaseException) -> dict[str, Any]:
    """The store row of a cell that failed with ``exc`` (also for a lost worker)."""
    row = _row(cell)
    row["status"] = "failed"
    row["error"] = f"{type(exc).__name__}: {exc}\n" + "".join(
        traceback.format_exception(exc, limit=-3)
    )
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    return row


def run_cell(
    cell: Cell, data_root: str | None = None, tracking: dict[str, str] | None = None
) -> dict[str, Any]:
    """Run one cell and return its store row; any exception becomes a failed row.

    ``tracking`` (``{"uri": ..., "experiment": ...}``) logs the cell to MLflow as well.
    """
    row = _row(cell)
    detector = None
    # Warnings (mostly from peer libraries) are kept off the terminal, where they would break the
    # progress bar; a failed cell's error lists them, since they often tell why it failed.
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            from anomalab.data import make_task

            task = make_task(
                _dataset(cell.dataset, data_root), cell.protocol, cell.seed, **cell.protocol_params
            )
            detector = make_entrant(cell.detector, cell.params, cell.seed)
            start = time.perf_counter()
            if task.X_val is not None and getattr(detector, "supports_validation", False):
                detector.fit(task.X_train, task.y_train, validation=(task.X_val, task.y_val))
            else:
                detector.fit(task.X_train, task.y_train)
            row["fit_seconds"] = time.perf_counter() - start
            if hasattr(detector, "best_params_"):  # HoldoutSearch: what the hold-out chose
                row["params"] = {**row["params"], "selected": detector.best_params_}
            start = time.perf_counter()
            scores = detector.decision_function(task.X_test)
            row["score_seconds"] = time.perf_counter() - start
            row.update(evaluate(task.y_test, scores, f1_rule=task.f1_rule))
            row["status"] = "ok"
        except Exception as exc:  # a failed cell is recorded, the run goes on
            row = failed_row(cell, exc)
            seen = list(dict.fromkeys(f"{w.category.__name__}: {w.message}" for w in caught))
            if seen:
                row["error"] += "warnings before the failure:\n" + "\n".join(seen[:10])
    row["finished_at"] = datetime.now(UTC).isoformat(timespec="seconds")
    if tracking:
        from anomalab.bench.tracking import log_cell

        log_cell(tracking, row, detector if row["status"] == "ok" else None)
    return row


def _worker_init(threads: int, parent_pid: int | None = None) -> None:
    import torch

    if parent_pid is not None:
        from anomalab.bench.lifeline import die_with_parent

        die_with_parent(parent_pid)  # a kill -9 of the run must not leave its workers behind
    torch.set_num_threads(threads)


def _run_cell_dict(
    cell: dict[str, Any], data_root: str | None, tracking: dict[str, str] | None = None
) -> dict[str, Any]:
    return run_cell(Cell(**cell), data_root, tracking)


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
) -> RunSummary:
    """Run the cells not yet stored; each result is written to ``store`` as it finishes.

    Cells run in this process (``jobs=1``), in ``jobs`` local worker processes, or on the Dask
    cluster at ``scheduler`` (an address like ``tcp://host:8786``); in every case the rows stream
    into the one store here as cells finish, so an interrupt loses only the cells in flight.
    ``tracking`` (``{"uri": ..., "experiment": ...}``) also logs every cell to MLflow.
    ``threads`` sets torch's intra-op threads per cell (default: torch's own in this process,
    cores // jobs in worker processes); 1 avoids oversubscription on a busy machine.
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
        from anomalab.bench.distributed import run_on_dask

        run_on_dask(pending, scheduler, root, tracking, record)
    elif jobs <= 1:
        import torch

        before = torch.get_num_threads()
        if threads:
            torch.set_num_threads(threads)
        try:
            for cell in pending:
                record(run_cell(cell, root, tracking))
        finally:
            torch.set_num_threads(before)
    else:
        _run_local_pool(pending, jobs, root, tracking, record, threads)
    return summary


def _run_local_pool(
    pending: list[Cell],
    jobs: int,
    root: str | None,
    tracking: dict[str, str] | None,
    record: Callable[[dict[str, Any]], None],
    threads: int | None = None,
) -> None:
    threads = threads or max(1, (os.cpu_count() or 1) // jobs)
    pool = ProcessPoolExecutor(
        max_workers=jobs, initializer=_worker_init, initargs=(threads, os.getpid())
    )
    queue = list(pending)
    running: dict[Future[dict[str, Any]], Cell] = {}
    try:
        while queue or running:
            while queue and len(running) < jobs:
                cell = queue.pop(0)
                running[pool.submit(_run_cell_dict, asdict(cell), root, tracking)] = cell
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
