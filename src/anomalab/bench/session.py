"""One benchmark run as library calls: resolve the suite and its overrides, open the store,
record the environment, run the missing cells, then export the results and write the report.

``anomalab bench`` parses its options into a :class:`BenchRequest`, walks a :class:`BenchSession`
through its steps (printing between them) and picks the exit code from the :class:`BenchResult`;
:func:`run_bench` is the whole run in one call.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench.cells import LABEL_COLUMN
from anomalab.bench.environment import environment, record_run
from anomalab.bench.report import write_report
from anomalab.bench.runner import Cell, RunSummary, run_cells
from anomalab.bench.store import CSV_FILE, STORE_FILE, ResultStore, StoreError
from anomalab.bench.suites import Suite, load_suite, suite_from_dict
from anomalab.data import DataNotFoundError, resolve_data_root
from anomalab.nn.runtime import DeviceError, check_device, parse_device

#: The suite a request without ``suite`` or ``config`` runs.
DEFAULT_SUITE = "quick"


class BenchError(ValueError):
    """A run that cannot start: no data root, a bad suite or override, an unusable store or
    MLflow server. The message is one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(" ".join(message.split()))


@dataclass(frozen=True)
class BenchRequest:
    """What to run and where: a suite (built-in name or TOML file), overrides of its grid, and
    how to execute it. ``None`` keeps the suite's own value."""

    suite: str | None = None
    config: Path | None = None
    detectors: list[str] | None = None
    datasets: list[str] | None = None
    protocol: str | None = None
    seeds: int | None = None
    labels: list[str] | None = None
    protocol_params: dict[str, Any] | None = None
    #: The label column of user tables among the datasets: a protocol parameter of every cell
    #: (``label_column``, which the data layer reads; see :func:`anomalab.bench.cells.cell_data`).
    label_column: str | None = None
    out: Path = Path("runs/bench")
    jobs: int = 1
    threads: int | None = None
    scheduler: str | None = None
    mlflow: str | None = None
    mlflow_experiment: str | None = None
    retry_failed: bool = False
    data_root: Path | None = None
    command: str = "anomalab bench"
    #: Where every entrant with a ``device`` parameter runs ('cpu', 'cuda[:n]', 'mps', 'auto');
    #: None keeps each entrant's own. Not part of the cells: their keys stay the same.
    device: str | None = None

    @property
    def overrides_grid(self) -> bool:
        """Whether the request replaces any of the suite's detectors, datasets, protocol,
        protocol parameters or seeds."""
        return bool(
            self.detectors is not None
            or self.datasets is not None
            or self.protocol
            or self.protocol_params
            or self.seeds is not None
        )


def resolve_suite(request: BenchRequest, data_root: Path) -> Suite:
    """The suite the request names, with its overrides applied and its entrants restricted to
    ``labels``. An empty override list keeps the suite's value; a new ``protocol`` drops the
    suite's protocol parameters. Raises ``KeyError`` / ``ValueError`` for unknown names."""
    chosen = load_suite(
        request.config if request.config is not None else (request.suite or DEFAULT_SUITE),
        data_root,
    )
    if request.overrides_grid:
        raw: dict[str, Any] = {
            "description": chosen.description,
            "protocol": request.protocol or chosen.protocol,
            "datasets": request.datasets or chosen.datasets,
            "detectors": request.detectors
            or [{"name": d, "params": p, "label": lbl} for d, p, lbl in chosen.detectors],
            "seeds": request.seeds if request.seeds is not None else chosen.seeds,
            "protocol_params": request.protocol_params
            or (chosen.protocol_grid if not request.protocol else {}),
        }
        chosen = suite_from_dict(chosen.name, raw, data_root)
    if request.labels is not None:
        chosen = chosen.restrict(labels=request.labels)
    check_datasets(chosen.datasets, data_root)
    if request.label_column is not None:
        catalog = [name for name in chosen.datasets if not Path(name).is_file()]
        if catalog:
            raise ValueError(
                f"--label-column applies to data files only; {catalog[:3]} are catalog datasets "
                "(they carry their labels)"
            )
        chosen = chosen.restrict(protocol_updates={LABEL_COLUMN: request.label_column})
    return chosen


def check_datasets(names: list[str], data_root: Path) -> None:
    """Every dataset of a grid exists, a catalog name or a data file: an unknown name is a
    one-line error before any cell runs (``DataNotFoundError``, with the catalog's hint)."""
    from anomalab.data.catalog import discover, find_info

    known = {info.name.lower() for info in discover(data_root)}
    for name in names:
        if name.lower() not in known and not Path(name).is_file():
            find_info(name, data_root)  # raises, naming the closest catalog names


@dataclass(frozen=True)
class BenchResult:
    """A finished run: its counts, the rows of its cells, and the files written."""

    suite: Suite
    summary: RunSummary
    results: pd.DataFrame
    csv: Path
    report: Path

    @property
    def failed(self) -> int:
        """Cells of this run whose stored status is not ``ok`` (failed now or before)."""
        return int((self.results["status"] != "ok").sum())


@dataclass
class BenchSession:
    """A run between its steps: :meth:`open`, :meth:`record`, :meth:`run`, :meth:`finish`."""

    request: BenchRequest
    data_root: Path
    suite: Suite
    cells: list[Cell]
    store: ResultStore

    @classmethod
    def open(cls, request: BenchRequest) -> BenchSession:
        """Resolve the data root and the suite, and open (or create) ``out/results.sqlite``."""
        try:
            root = resolve_data_root(request.data_root)
        except DataNotFoundError as exc:
            raise BenchError(str(exc)) from exc
        for option, value in (("--jobs", request.jobs), ("--threads", request.threads)):
            if value is not None and value < 1:
                raise BenchError(f"{option} must be at least 1, got {value}")
        try:
            suite = resolve_suite(request, root)
        except (KeyError, ValueError, DataNotFoundError) as exc:
            raise BenchError(str(exc.args[0]) if exc.args else str(exc)) from exc
        if request.device is not None:
            try:  # a Dask run's workers, not this machine, need the device (checked in run)
                (parse_device if request.scheduler else check_device)(request.device)
            except DeviceError as exc:
                raise BenchError(f"--device {request.device}: {exc}") from exc
        try:
            request.out.mkdir(parents=True, exist_ok=True)
            store = ResultStore(request.out / STORE_FILE)
        except (StoreError, OSError) as exc:
            raise BenchError(" ".join(str(exc).split()) or type(exc).__name__) from exc
        return cls(request, root, suite, suite.cells(), store)

    @property
    def store_path(self) -> Path:
        return self.request.out / STORE_FILE

    @property
    def tracking(self) -> dict[str, str] | None:
        """MLflow target of the cells (``uri``, ``experiment``), or None without ``mlflow``."""
        if not self.request.mlflow:
            return None
        experiment = self.request.mlflow_experiment or f"anomalab-{self.suite.name}"
        return {"uri": self.request.mlflow, "experiment": experiment}

    def record(self) -> None:
        """Append this run's environment to ``out/run.json``; check the MLflow server."""
        request = self.request
        execution = (
            f"scheduler {request.scheduler}" if request.scheduler else f"jobs {request.jobs}"
        )
        if request.threads:
            execution += f", torch threads {request.threads}"
        if request.device:
            execution += f", device {request.device}"
        entry = environment(
            command=request.command,
            suite=self.suite.name,
            execution=execution,
            mlflow=request.mlflow,
        )
        record_run(request.out, entry)
        tracking = self.tracking
        if tracking is not None:
            from anomalab.bench.tracking import ensure_experiment

            try:
                ensure_experiment(tracking)
            except Exception as exc:
                raise BenchError(
                    f"MLflow at {request.mlflow}: {type(exc).__name__}: {exc}"
                ) from exc

    def run(
        self, on_result: Callable[[dict[str, Any], RunSummary], None] | None = None
    ) -> RunSummary:
        """Run the cells not yet stored (``on_result`` sees each row and the counts so far).
        SIGTERM interrupts like Ctrl-C (``KeyboardInterrupt``); finished cells stay stored. A
        Dask worker without the requested device is a :class:`BenchError` before any cell."""
        request = self.request
        with _sigterm_interrupts():
            try:
                return run_cells(
                    self.cells,
                    self.store,
                    data_root=self.data_root,
                    jobs=request.jobs,
                    retry_failed=request.retry_failed,
                    on_result=on_result,
                    scheduler=request.scheduler,
                    tracking=self.tracking,
                    threads=request.threads,
                    device=request.device,
                )
            except DeviceError as exc:
                raise BenchError(f"--device {request.device}: {exc}") from exc

    def stored(self) -> int:
        """How many of this run's cells the store holds (e.g. after an interrupt)."""
        return len(self.store.keys() & {c.key for c in self.cells})

    def finish(self, summary: RunSummary) -> BenchResult:
        """Export the run's cells to ``out/results.csv``; write ``report.md`` and
        ``report.html``."""
        out = self.request.out
        results = self.store.frame(summary.keys)
        csv = self.store.export_csv(out / CSV_FILE, summary.keys)
        title = f"anomalab bench: {self.suite.name}"
        report = write_report(results, out, title, self.request.command, self.data_root)
        return BenchResult(self.suite, summary, results, csv, report)


def run_bench(
    request: BenchRequest,
    on_result: Callable[[dict[str, Any], RunSummary], None] | None = None,
) -> BenchResult:
    """The whole run: :meth:`BenchSession.open`, ``record``, ``run`` and ``finish``."""
    session = BenchSession.open(request)
    session.record()
    return session.finish(session.run(on_result))


def _raise_interrupt(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


@contextmanager
def _sigterm_interrupts() -> Iterator[None]:
    """In the main thread, turn SIGTERM (``kill``) into ``KeyboardInterrupt`` for the block."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)
