"""``anomalab bench`` and ``anomalab report``: run a benchmark grid (the work is
:mod:`anomalab.bench.session`'s) and print its leaderboard; re-render a run's report."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from anomalab.cli.common import CellDevice, DataRoot, console, err, parse_params, split_list
from anomalab.cli_errors import fail, print_warning

if TYPE_CHECKING:
    from anomalab.bench.runner import RunSummary
    from anomalab.bench.session import BenchSession


def bench(
    suite: Annotated[
        str | None, typer.Option("--suite", help="Built-in suite name (default: quick).")
    ] = None,
    config: Annotated[
        Path | None, typer.Option("--config", help="A suite TOML file of your own.")
    ] = None,
    detectors: Annotated[
        str | None,
        typer.Option("--detectors", help="Comma-separated detectors (overrides the suite's)."),
    ] = None,
    datasets: Annotated[
        str | None,
        typer.Option("--datasets", help="Comma-separated datasets (overrides the suite's)."),
    ] = None,
    protocol: Annotated[
        str | None, typer.Option("--protocol", help="Protocol name (overrides the suite's).")
    ] = None,
    seeds: Annotated[
        int | None, typer.Option("--seeds", help="Number of seeds 0..N-1 (overrides the suite's).")
    ] = None,
    labels: Annotated[
        str | None,
        typer.Option("--labels", help="Comma-separated entrant labels: run only those entrants."),
    ] = None,
    protocol_param: Annotated[
        list[str] | None,
        typer.Option(
            "--protocol-param",
            help="Protocol parameter key=value (repeatable; replaces the suite's).",
        ),
    ] = None,
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column",
            help="Label column of your CSV / Parquet datasets (1 anomaly, 0 normal); a protocol "
            "parameter of the cells (label_column).",
        ),
    ] = None,
    out: Annotated[
        Path, typer.Option("--out", help="Output folder (results.sqlite, results.csv, report.md).")
    ] = Path("runs/bench"),
    jobs: Annotated[int, typer.Option("--jobs", help="Local worker processes.")] = 1,
    threads: Annotated[
        int | None,
        typer.Option(
            "--threads",
            help="torch threads per cell (default: all cores / jobs); 1 on a busy machine.",
        ),
    ] = None,
    scheduler: Annotated[
        str | None,
        typer.Option(
            "--scheduler",
            help="Dask scheduler address (tcp://HOST:PORT): run the cells on that cluster.",
        ),
    ] = None,
    device: CellDevice = None,
    mlflow: Annotated[
        str | None,
        typer.Option(
            "--mlflow",
            help="MLflow tracking URI (e.g. file:./mlruns): log each cell's params, metrics, model.",
        ),
    ] = None,
    mlflow_experiment: Annotated[
        str | None,
        typer.Option("--mlflow-experiment", help="MLflow experiment name (default: the suite's)."),
    ] = None,
    retry_failed: Annotated[
        bool, typer.Option("--retry-failed", help="Run stored failed cells again.")
    ] = False,
    allow_failures: Annotated[
        bool,
        typer.Option(
            "--allow-failures", help="Exit 0 even when some cells failed (they stay reported)."
        ),
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Run a benchmark grid; print the leaderboard; write results.csv, report.md, report.html.

    Cells already in OUT/results.sqlite are skipped, so re-running finishes an interrupted run.
    Exits 1 when any cell failed, unless --allow-failures.
    """
    from anomalab.bench.session import BenchError, BenchRequest, BenchSession

    request = BenchRequest(
        suite=suite,
        config=config,
        detectors=split_list(detectors),
        datasets=split_list(datasets),
        protocol=protocol,
        seeds=seeds,
        labels=split_list(labels),
        protocol_params=parse_params(protocol_param) if protocol_param else None,
        label_column=label_column,
        out=out,
        jobs=jobs,
        threads=threads,
        scheduler=scheduler,
        mlflow=mlflow,
        mlflow_experiment=mlflow_experiment,
        retry_failed=retry_failed,
        data_root=data_root,
        command="anomalab " + " ".join(shlex.quote(a) for a in sys.argv[1:]),
        device=device,
    )
    try:
        session = BenchSession.open(request)
    except BenchError as exc:
        fail(str(exc))
    chosen = session.suite
    console.print(
        f"suite [bold]{chosen.name}[/]: {len(chosen.detectors)} detectors x {len(chosen.datasets)} "
        f"datasets x {len(chosen.seeds)} seeds = {len(session.cells)} cells ({chosen.protocol}); "
        f"data root {session.data_root}",
        highlight=False,
    )
    try:
        session.record()
    except BenchError as exc:
        fail(str(exc))
    try:
        summary = _run_with_progress(session)
    except BenchError as exc:  # a Dask worker without --device's device: no cell ran
        fail(str(exc))
    except KeyboardInterrupt:
        err.print(
            f"[yellow]interrupted:[/] {session.stored()} of {len(session.cells)} cells are stored "
            f"in {session.store_path}; run the same command again to finish the rest",
            highlight=False,
        )
        raise typer.Exit(code=130) from None
    result = session.finish(summary)
    _print_leaderboard(result.results, f"leaderboard ({chosen.name})")
    console.print(
        f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already stored; "
        f"wrote {result.csv}, {result.report} and {result.report.with_suffix('.html')}",
        highlight=False,
    )
    if result.failed and allow_failures:
        print_warning(f"{result.failed} cells failed: see the report's 'Failed cells' section")
    elif result.failed:
        fail(
            f"{result.failed} of {len(result.results)} cells failed: see the report's 'Failed "
            "cells' section (--allow-failures exits 0 anyway)"
        )


def _run_with_progress(session: BenchSession) -> RunSummary:
    """``session.run`` under a progress bar (cells done, ok, failed, remaining)."""
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    total = len(session.cells)
    with Progress(
        TextColumn("cells"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn(
            "ok {task.fields[ok]} failed {task.fields[failed]} remaining {task.fields[remaining]}"
        ),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("cells", total=total, ok=0, failed=0, remaining=total)

        def on_result(row: dict[str, Any], summary: RunSummary) -> None:
            done = summary.skipped + summary.ok + summary.failed
            progress.update(
                task,
                completed=done,
                ok=summary.ok,
                failed=summary.failed,
                remaining=summary.total - done,
            )

        return session.run(on_result)


def _print_leaderboard(results: Any, title: str) -> None:
    """Print, per protocol setting, the leaderboard and the per-dataset mean AUC-ROC table."""
    from anomalab.bench.report import group_label, protocol_groups

    groups = protocol_groups(results)
    for protocol, params, rows in groups:
        label = f"{title}: {group_label(protocol, params)}" if len(groups) > 1 else title
        _print_group(rows, label)


def _print_group(results: Any, title: str) -> None:
    from anomalab.bench.leaderboard import leaderboard

    board = leaderboard(results)
    table = Table(title=title)
    table.add_column("detector", no_wrap=True)
    for column in ("AUC-ROC", "AUC-PR", "rank", "data", "ok", "fail", "fit s"):
        table.add_column(column, justify="right", no_wrap=True)

    def num(value: float, digits: int) -> str:
        return "-" if value != value else f"{value:.{digits}f}"

    for name, row in board.iterrows():
        table.add_row(
            str(name),
            num(row.auc_roc, 4),
            num(row.auc_pr, 4),
            num(row.avg_rank, 2),
            num(row.datasets, 0),
            str(int(row.cells_ok)),
            str(int(row.cells_failed)),
            num(row.fit_seconds, 2),
        )
    console.print(table)
    ok = results[results["status"] == "ok"]
    if ok.empty:
        return
    per = ok.groupby(["dataset", "detector"])["auc_roc"].mean().unstack("detector")
    detail = Table(title="mean AUC-ROC per dataset")
    detail.add_column("dataset", no_wrap=True)
    for name in board.index:
        detail.add_column(str(name), justify="right")
    for dataset, row in per.iterrows():
        detail.add_row(str(dataset), *(num(row.get(n, float("nan")), 3) for n in board.index))
    console.print(detail)


def report(
    out: Annotated[
        Path, typer.Option("--out", help="Folder of a bench run (holds results.sqlite).")
    ] = Path("runs/bench"),
    data_root: DataRoot = None,
) -> None:
    """Rewrite report.md, report.html and results.csv from a run's store; print the leaderboard."""
    from anomalab.bench.report import write_report
    from anomalab.bench.store import CSV_FILE, STORE_FILE, ResultStore, StoreError

    if not (out / STORE_FILE).is_file():
        fail(f"no results store at {out / STORE_FILE}: run `anomalab bench --out {out}` first")
    try:
        store = ResultStore(out / STORE_FILE)
        results = store.frame()
    except StoreError as exc:
        fail(str(exc))
    if results.empty:
        fail(f"the store {out / STORE_FILE} holds no results yet")
    store.export_csv(out / CSV_FILE)
    path = write_report(
        results,
        out,
        f"anomalab report: {out.name}",
        "anomalab report --out " + str(out),
        data_root,
    )
    _print_leaderboard(results, "leaderboard")
    console.print(f"wrote {path} and {path.with_suffix('.html')}", highlight=False)
