"""``anomalab select`` (choose a detector for a table and save it) and ``anomalab selection``
(rebuild the evidence table, evaluate the selection leave-one-dataset-out)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anomalab.cli.common import DataRoot, console, split_list
from anomalab.cli_errors import fail, one_line

selection_app = typer.Typer(
    help="The evidence behind `anomalab select`: rebuild it, evaluate the selection.",
    no_args_is_help=True,
)


def select(
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column",
            help="Column of a CSV/Parquet file with a few labeled anomalies (1) among unlabeled "
            "rows (0) and, optionally, rows known to be normal (-1): the candidates are then "
            "ranked on them by cross-validation.",
        ),
    ] = None,
    budget: Annotated[
        float | None,
        typer.Option("--budget", metavar="SECONDS", help="Time budget for choosing and fitting."),
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", help="Folder to save the chosen, fitted model in.")
    ] = None,
    candidates: Annotated[
        str | None,
        typer.Option("--candidates", help="Comma-separated detector / peer names to choose from."),
    ] = None,
    seed: Annotated[int, typer.Option("--seed", help="Random seed.")] = 0,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Save into --out even if it holds other files.")
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Choose a detector for DATA, fit it on all rows, print the ranking and save the model.

    With --label-column (at least 3 rows labeled 1), candidates are ranked by repeated stratified
    cross-validated AUC-PR on DATA's rows; without it, by their results on the benchmark
    datasets closest to DATA (anomalab's own archived cells)."""
    from anomalab.cli.models import _check_fit_out, _features, _load_data
    from anomalab.selection import select as choose

    if out is not None:
        _check_fit_out(out, overwrite)
    dataset = _load_data(data, data_root, label_column, training=True)
    y = dataset.y if label_column is not None else None
    try:
        selection = choose(
            _features(dataset),
            y,
            candidates=split_list(candidates),
            budget_seconds=budget,
            random_state=seed,
            progress=True,
        )
    except (TypeError, ValueError) as exc:
        fail(one_line(exc))
    console.print(selection.summary(), highlight=False)
    console.print(f"chose and fitted in {selection.seconds:.1f} s", highlight=False)
    if out is not None:
        selection.detector.save(out, overwrite=True)  # _check_fit_out allowed this folder
        console.print(f"saved to {out} (anomalab score {out} DATA ...)", highlight=False)


@selection_app.command("evidence")
def evidence(
    runs: Annotated[Path, typer.Option("--runs", help="Folder of result stores.")] = Path("runs"),
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Folder to write datasets.csv / results.csv (default: the "
            "package's evidence folder).",
        ),
    ] = None,
    data_root: DataRoot = None,
) -> None:
    """Rebuild the evidence table from the archived stores (after `anomalab results restore`)."""
    from anomalab.bench.evidence import build_evidence

    try:
        written = build_evidence(runs, out, data_root=None if data_root is None else str(data_root))
    except (FileNotFoundError, ValueError) as exc:
        fail(one_line(exc))
    for path in written:
        console.print(f"wrote {path}", highlight=False)


@selection_app.command("evaluate")
def evaluate(
    runs: Annotated[Path, typer.Option("--runs", help="Folder of result stores.")] = Path("runs"),
    out: Annotated[Path, typer.Option("--out", help="Report to write.")] = Path(
        "docs/results/select.md"
    ),
    jobs: Annotated[int, typer.Option("--jobs", help="Cells run in parallel.")] = 1,
    render_only: Annotated[
        bool, typer.Option("--render-only", help="Write the report from stored cells only.")
    ] = False,
    labeled: Annotated[
        bool,
        typer.Option(
            "--labeled", help="Also run the labeled evaluation (suite select-labeled: hours)."
        ),
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Evaluate `anomalab select` leave-one-dataset-out over the evidence's datasets and write
    the report (running the cells it lacks unless --render-only)."""
    from anomalab.bench.select_evaluation import evaluate_selection

    written = evaluate_selection(
        runs,
        out,
        jobs=jobs,
        run=not render_only,
        labeled=labeled,
        data_root=None if data_root is None else str(data_root),
    )
    console.print(f"wrote {written}", highlight=False)
