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


@results_app.command("recheck")
def results_recheck(
    archives: Annotated[list[Path], typer.Argument(help="Archived stores (results.csv files).")],
    out: Annotated[Path, typer.Option("--out", help="JSON file to write the comparison to.")],
    seed: Annotated[int, typer.Option(help="Seed of the random draw of cells.")] = 0,
    max_fit: Annotated[
        float, typer.Option("--max-fit", help="Draw only cells whose stored fit took less (s).")
    ] = 20.0,
) -> None:
    """Re-run one archived cell per entrant of each store with this code and compare it with its
    stored row, metric by metric; write the comparison to --out."""
    import json

    from anomalab.bench.recheck import recheck

    for path in archives:
        if not path.is_file():
            fail(f"archive {path} not found")
    if out.exists() and out.is_dir():
        fail(f"--out {out} is a folder; give a JSON file path")

    def show(row: dict) -> None:
        verdict = "identical" if row["identical"] else f"DIFFERS ({row['status']})"
        console.print(
            f"{row['entrant']['detector']} on {row['dataset']} seed {row['seed']}: {verdict}",
            highlight=False,
        )

    try:
        rows = [r for path in archives for r in recheck(path, seed, max_fit, report=show)]
    except ValueError as exc:
        fail(str(exc))
    command = "anomalab results recheck " + " ".join([*map(str, archives), "--out", str(out)])
    out.write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")
    same = sum(r["identical"] for r in rows)
    console.print(f"{same} of {len(rows)} re-run cells identical to their stored rows; wrote {out}")
