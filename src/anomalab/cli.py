"""The ``anomalab`` command line: datasets, detectors, fit, score, bench, report, results."""

from __future__ import annotations

import json
import os
import shlex
import signal
import sys
import threading
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from anomalab.cli_errors import DEBUG_FLAG, OneLineErrors, fail, one_line, print_warning

app = typer.Typer(
    cls=OneLineErrors,
    help="anomalab: deep anomaly detection with faithful paper implementations and a benchmark.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
datasets_app = typer.Typer(help="The data catalog found under the data root.", no_args_is_help=True)
detectors_app = typer.Typer(
    help="The registered detectors and peer entrants.", no_args_is_help=True
)
results_app = typer.Typer(
    help="Committed copies of result stores (export to / restore from CSV).",
    no_args_is_help=True,
)
app.add_typer(datasets_app, name="datasets")
app.add_typer(detectors_app, name="detectors")
app.add_typer(results_app, name="results")
# Piped output (logs, CI) gets wide tables instead of Rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root",
        help="Folder laid out like shared/datasets (default: $ANOMALAB_DATA, then ../shared/datasets).",
    ),
]


@app.callback()
def main(
    debug: Annotated[
        bool,
        typer.Option(
            DEBUG_FLAG, help="Show a failing command's traceback instead of one error line."
        ),
    ] = False,
) -> None:
    """anomalab: deep anomaly detection with faithful paper implementations and a benchmark."""


def _fail(message: str) -> NoReturn:
    fail(message)


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs; values parsed as JSON when possible (numbers, lists, true, null)."""
    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--param expects key=value, got {pair!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


# ------------------------------------------------------------------------------------ datasets
@datasets_app.command("list")
def datasets_list(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")] = False,
    data_root: DataRoot = None,
) -> None:
    """List every dataset under the data root with rows, features and anomalies."""
    from anomalab.data import DataNotFoundError, catalog

    try:
        entries = catalog(data_root)
    except DataNotFoundError as exc:
        _fail(str(exc))
    if as_json:
        rows = [
            {
                "name": i.name,
                "kind": i.kind,
                "group": i.group,
                "rows": i.rows,
                "features": i.features,
                "anomalies": i.anomalies,
                "shape": list(i.shape) if i.shape else None,
                "origin": i.origin,
                "path": str(i.path),
            }
            for i in entries.values()
        ]
        typer.echo(json.dumps(rows, indent=2))
        return
    table = Table(title=f"{len(entries)} datasets")
    table.add_column("name", no_wrap=True, min_width=12)
    table.add_column("kind", no_wrap=True, min_width=9)
    table.add_column("group", no_wrap=True, min_width=10)
    for column in ("rows", "features", "anomalies"):
        table.add_column(column, justify="right", no_wrap=True, min_width=len(column))
    table.add_column("origin", no_wrap=True, overflow="ellipsis", max_width=48)
    for i in entries.values():
        table.add_row(
            i.name,
            i.kind,
            i.group,
            str(i.rows),
            str(i.features),
            "-" if i.anomalies is None else str(i.anomalies),
            i.origin,
        )
    console.print(table)


@datasets_app.command("fetch")
def datasets_fetch(
    names: Annotated[list[str] | None, typer.Argument(help="Datasets to download.")] = None,
    all_: Annotated[bool, typer.Option("--all", help="Every dataset that has a source.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Replace files whose SHA-256 is not the registered one.")
    ] = False,
    mirror: Annotated[
        str | None,
        typer.Option(
            "--mirror", help="Base URL laid out like a data root (default: $ANOMALAB_DATA_MIRROR)."
        ),
    ] = None,
    show: Annotated[bool, typer.Option("--list", help="List what can be fetched.")] = False,
    data_root: DataRoot = None,
) -> None:
    """Download datasets into the data root (default: $ANOMALAB_DATA, else the catalog's root,
    else ~/.local/share/anomalab/datasets), each file checked by SHA-256."""
    from anomalab.data import fetch

    base_url = mirror or os.environ.get(fetch.MIRROR_ENV) or None
    if show:
        table = Table(title="datasets that `anomalab datasets fetch` knows")
        for column in ("dataset", "files", "MB", "licence", "source"):
            table.add_column(column, justify="right" if column in ("files", "MB") else "left")
        for row in fetch.describe_sources(base_url):
            mb = f"{int(row['bytes']) / 1e6:.1f}"
            table.add_row(
                str(row["dataset"]), str(row["files"]), mb, *map(str, list(row.values())[3:])
            )
        console.print(table)
        return
    if bool(names) == all_:
        _fail("name the datasets to fetch, or pass --all (not both)")
    fetched = fetch.fetch_datasets(
        None if all_ else names,
        data_root=data_root,
        base_url=base_url,
        force=force,
        on_download=lambda s, url: err.print(f"fetching {s.path} from {url}", highlight=False),
    )
    for f in fetched:
        console.print(f"{f.status:>10}  {f.target}", highlight=False)
    new = sum(f.status != "present" for f in fetched)
    skipped = [n for n in fetch.sources_by_dataset() if fetch.unavailable_reason(n, base_url)]
    if all_ and skipped:
        print_warning(f"not fetched (no public origin; use --mirror): {', '.join(skipped)}")
    console.print(f"{len(fetched)} files ({new} downloaded) under {fetch.target_root(data_root)}")


# ----------------------------------------------------------------------------------- detectors
@detectors_app.command("list")
def detectors_list() -> None:
    """List registered detectors (supervision, data kinds) and available peers."""
    from anomalab.bench.peers import PEERS
    from anomalab.registry import detector_specs

    table = Table(title="detectors")
    for column in ("name", "source", "supervision", "data", "summary"):
        table.add_column(column)
    for spec in detector_specs():
        table.add_row(
            spec.name, "anomalab", spec.supervision, ",".join(spec.data_kinds), spec.summary
        )
    for name, peer in PEERS.items():
        version = peer.version()
        source = f"{peer.library} {version}" if version else f"{peer.library} (not installed)"
        table.add_row(name, source, peer.supervision, "tabular", "peer adapter")
    console.print(table)


# ---------------------------------------------------------------------------------- fit / score
def _load_data(data: str, data_root: Path | None, label_column: str | None) -> Any:
    from anomalab.data import load_dataset

    try:
        return load_dataset(data, data_root, label_column=label_column)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(one_line(exc))


def _check_fit_out(out: Path, overwrite: bool) -> None:
    """Refuse to save a model over a file, or into a user's folder (unless ``overwrite``)."""
    from anomalab.persistence import is_model_folder

    if out.exists() and not out.is_dir():
        _fail(f"--out {out} is a file; give a folder to save the model in")
    if out.is_dir() and any(out.iterdir()) and not overwrite and not is_model_folder(out):
        _fail(
            f"--out {out} is a non-empty folder that holds no anomalab model; choose another "
            "folder, or pass --overwrite to write config.json and weights.safetensors into it"
        )


@app.command()
def fit(
    detector: Annotated[
        str, typer.Argument(help="Registered detector name (see `anomalab detectors list`).")
    ],
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the fitted model in.")],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column", help="Label column of a CSV/Parquet file (excluded from features)."
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Detector parameter key=value (repeatable).")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Save into --out even if it is a non-empty folder of other files."
        ),
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Fit a detector on a dataset and save it (config.json + weights.safetensors).

    Semi-supervised and supervised detectors receive the dataset's labels (1 = anomaly, 0 = the
    rest); unsupervised and one-class detectors see the features only.
    """
    from anomalab.params import check_params
    from anomalab.registry import get_spec

    try:
        spec = get_spec(detector)
        params = check_params(spec.cls, parse_params(param))
        if "verbose" in spec.cls._get_param_names():
            params.setdefault("verbose", True)
        model = spec.cls(**params)
    except (KeyError, TypeError, ValueError) as exc:
        _fail(one_line(exc))
    _check_fit_out(out, overwrite)
    dataset = _load_data(data, data_root, label_column)
    y = None
    if spec.supervision in ("semi-supervised", "supervised"):
        if dataset.y is None:
            _fail(f"{spec.name} needs labels: pass --label-column for {data}")
        y = dataset.y
    try:
        model.fit(dataset.X, y)
    except (TypeError, ValueError, ArithmeticError) as exc:
        _fail(f"fitting {spec.name} failed: {one_line(exc)}")
    model.save(out, overwrite=True)  # _check_fit_out allowed this folder
    console.print(
        f"fitted {spec.name} on {dataset.name} ({dataset.X.shape[0]} rows); saved to {out}",
        highlight=False,
    )


@app.command()
def score(
    model_dir: Annotated[Path, typer.Argument(help="Folder written by `anomalab fit`.")],
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (score, label per row).")],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column", help="Label column of a CSV/Parquet file (excluded from features)."
        ),
    ] = None,
    data_root: DataRoot = None,
) -> None:
    """Score a dataset with a saved model; write one row per sample (score, predicted label)."""
    import pandas as pd

    from anomalab import load
    from anomalab.metrics import auc_pr, auc_roc

    if out.is_dir():
        _fail(f"--out {out} is a folder; give the CSV file to write")
    try:
        model = load(model_dir)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        _fail(one_line(exc))
    dataset = _load_data(data, data_root, label_column)
    try:
        scores = model.decision_function(dataset.X)
    except (TypeError, ValueError, ArithmeticError) as exc:
        _fail(one_line(exc))
    frame = pd.DataFrame({"score": scores, "label": (scores > model.threshold_).astype(int)})
    if dataset.y is not None and dataset.kind != "image":
        frame["truth"] = dataset.y
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    message = f"scored {len(frame)} rows; wrote {out}"
    if "truth" in frame and frame["truth"].nunique() == 2:
        message += f" (AUC-ROC {auc_roc(frame.truth, scores):.4f}, AUC-PR {auc_pr(frame.truth, scores):.4f})"
    console.print(message, highlight=False)


# ---------------------------------------------------------------------------------------- bench
def _split(value: str | None) -> list[str] | None:
    return [v.strip() for v in value.split(",") if v.strip()] if value else None


@app.command()
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
    from anomalab.bench.environment import environment, record_run
    from anomalab.bench.report import write_report
    from anomalab.bench.runner import run_cells
    from anomalab.bench.store import CSV_FILE, STORE_FILE, ResultStore, StoreError
    from anomalab.bench.suites import load_suite, suite_from_dict
    from anomalab.data import DataNotFoundError, resolve_data_root

    try:
        root = resolve_data_root(data_root)
    except DataNotFoundError as exc:
        _fail(str(exc))
    try:
        chosen = load_suite(config if config is not None else (suite or "quick"), root)
        if detectors or datasets or protocol or protocol_param or seeds is not None:
            raw: dict[str, Any] = {
                "description": chosen.description,
                "protocol": protocol or chosen.protocol,
                "datasets": _split(datasets) or chosen.datasets,
                "detectors": _split(detectors)
                or [{"name": d, "params": p, "label": lbl} for d, p, lbl in chosen.detectors],
                "seeds": seeds if seeds is not None else chosen.seeds,
                "protocol_params": parse_params(protocol_param)
                if protocol_param
                else (chosen.protocol_grid if not protocol else {}),
            }
            chosen = suite_from_dict(chosen.name, raw, root)
        if labels:
            chosen = chosen.restrict(labels=_split(labels))
    except (KeyError, ValueError) as exc:
        _fail(str(exc.args[0]) if exc.args else str(exc))
    cells = chosen.cells()
    try:
        out.mkdir(parents=True, exist_ok=True)
        store = ResultStore(out / STORE_FILE)
    except (StoreError, OSError) as exc:
        _fail(one_line(exc))
    console.print(
        f"suite [bold]{chosen.name}[/]: {len(chosen.detectors)} detectors x {len(chosen.datasets)} "
        f"datasets x {len(chosen.seeds)} seeds = {len(cells)} cells ({chosen.protocol}); data root {root}",
        highlight=False,
    )
    command = "anomalab " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    execution = f"scheduler {scheduler}" if scheduler else f"jobs {jobs}"
    if threads:
        execution += f", torch threads {threads}"
    record_run(
        out,
        environment(command=command, suite=chosen.name, execution=execution, mlflow=mlflow),
    )
    tracking = (
        {"uri": mlflow, "experiment": mlflow_experiment or f"anomalab-{chosen.name}"}
        if mlflow
        else None
    )
    if tracking is not None:
        from anomalab.bench.tracking import ensure_experiment

        try:
            ensure_experiment(tracking)
        except Exception as exc:
            _fail(f"MLflow at {mlflow}: {type(exc).__name__}: {exc}")
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _terminate) if main else None  # `kill` = Ctrl-C
    try:
        summary = _run_with_progress(
            run_cells, cells, store, root, jobs, retry_failed, scheduler, tracking, threads
        )
    except KeyboardInterrupt:
        stored = len(store.keys() & {c.key for c in cells})
        err.print(
            f"[yellow]interrupted:[/] {stored} of {len(cells)} cells are stored in {out / STORE_FILE}; "
            "run the same command again to finish the rest",
            highlight=False,
        )
        raise typer.Exit(code=130) from None
    finally:
        if main:
            signal.signal(signal.SIGTERM, previous)
    results = store.frame(summary.keys)
    store.export_csv(out / CSV_FILE, summary.keys)
    report = write_report(results, out, f"anomalab bench: {chosen.name}", command, root)
    _print_leaderboard(results, f"leaderboard ({chosen.name})")
    console.print(
        f"{summary.ok} ok, {summary.failed} failed, {summary.skipped} already stored; "
        f"wrote {out / CSV_FILE}, {report} and {report.with_suffix('.html')}",
        highlight=False,
    )
    failed = int((results["status"] != "ok").sum())
    if failed and allow_failures:
        print_warning(f"{failed} cells failed: see the report's 'Failed cells' section")
    elif failed:
        _fail(
            f"{failed} of {len(results)} cells failed: see the report's 'Failed cells' section "
            "(--allow-failures exits 0 anyway)"
        )


def _terminate(signum: int, frame: Any) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def _run_with_progress(
    run_cells: Any,
    cells: list,
    store: Any,
    root: Path,
    jobs: int,
    retry: bool,
    scheduler: str | None = None,
    tracking: dict[str, str] | None = None,
    threads: int | None = None,
) -> Any:
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

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
        task = progress.add_task("cells", total=len(cells), ok=0, failed=0, remaining=len(cells))

        def on_result(row: dict[str, Any], summary: Any) -> None:
            done = summary.skipped + summary.ok + summary.failed
            progress.update(
                task,
                completed=done,
                ok=summary.ok,
                failed=summary.failed,
                remaining=summary.total - done,
            )

        return run_cells(
            cells,
            store,
            data_root=root,
            jobs=jobs,
            retry_failed=retry,
            on_result=on_result,
            scheduler=scheduler,
            tracking=tracking,
            threads=threads,
        )


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


@app.command()
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
        _fail(f"no results store at {out / STORE_FILE}: run `anomalab bench --out {out}` first")
    try:
        store = ResultStore(out / STORE_FILE)
        results = store.frame()
    except StoreError as exc:
        _fail(str(exc))
    if results.empty:
        _fail(f"the store {out / STORE_FILE} holds no results yet")
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


RunsFolder = Annotated[
    Path, typer.Option("--runs", help="Folder holding result stores (*.sqlite), at any depth.")
]
ArchiveFolder = Annotated[
    Path, typer.Option("--archive", help="Folder of archived stores (*.csv), same layout.")
]


@results_app.command("export")
def results_export(
    runs: RunsFolder = Path("runs"), archive: ArchiveFolder = Path("docs/results/cells")
) -> None:
    """Write every store under --runs to --archive (one .csv per store, for committing)."""
    from anomalab.bench.archive import export_stores

    try:
        written = export_stores(runs, archive)
    except ValueError as exc:
        _fail(str(exc))
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@results_app.command("restore")
def results_restore(
    archive: ArchiveFolder = Path("docs/results/cells"), runs: RunsFolder = Path("runs")
) -> None:
    """Add archived cells to the stores under --runs (cells a store holds already are kept), so
    reports re-render without re-running them."""
    from anomalab.bench.archive import restore_stores

    try:
        added = restore_stores(archive, runs)
    except ValueError as exc:
        _fail(str(exc))
    for path, count in added.items():
        console.print(f"{path}: {count} cell(s) added", highlight=False)


if __name__ == "__main__":  # pragma: no cover
    app()
