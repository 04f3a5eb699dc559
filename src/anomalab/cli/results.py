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


@results_app.command("share")
def results_share(
    suite: Annotated[str, typer.Option(help="The suite whose cells to look for.")],
    source: Annotated[Path, typer.Option("--from", help="The store to read (results.sqlite).")],
    target: Annotated[Path, typer.Option("--to", help="The store to add them to.")],
) -> None:
    """Add to --to the finished cells of --suite that --from holds (the same cell under another
    suite's label) and --to lacks, labelled as --suite labels them: a cell runs once."""
    from anomalab.bench.store import ResultStore, copy_cells
    from anomalab.bench.suites import load_suite

    if not source.is_file():
        fail(f"store {source} not found")
    try:
        cells = load_suite(suite).cells()
    except (KeyError, ValueError, FileNotFoundError) as exc:
        fail(str(exc))
    added = copy_cells(cells, ResultStore(source), ResultStore(target))
    console.print(
        f"{target}: {added} cell(s) of suite {suite} added from {source}", highlight=False
    )
