"""``anomalab results``: committed copies of result stores (export to / restore from CSV)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anomalab.cli.common import console
from anomalab.cli_errors import fail

results_app = typer.Typer(
    help="Committed copies of result stores (export to / restore from CSV).",
    no_args_is_help=True,
)

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
        fail(str(exc))
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
        fail(str(exc))
    for path, count in added.items():
        console.print(f"{path}: {count} cell(s) added", highlight=False)
