"""``anomalab presets``: the evidence behind the recommended presets."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anomalab.cli.common import console
from anomalab.cli_errors import fail

presets_app = typer.Typer(
    help="The evidence behind the recommended presets: run its suites, write its report.",
    no_args_is_help=True,
)


@presets_app.command("report")
def presets_report(
    parts: Annotated[
        str,
        typer.Option(
            help="Comma-separated: dev, confirm, full, quick, round2, images, probes (all)."
        ),
    ] = "all",
    jobs: Annotated[int, typer.Option(help="Cells run in parallel.")] = 1,
    render_only: Annotated[
        bool, typer.Option("--render-only", help="Run nothing; render what is stored.")
    ] = False,
    runs: Annotated[Path, typer.Option(help="Folder of the report's stores.")] = Path(
        "runs/recommended"
    ),
    out: Annotated[Path, typer.Option(help="The report to write.")] = Path(
        "docs/results/recommended.md"
    ),
) -> None:
    """Run the recommended presets' suites (stored cells are skipped) and write their report:
    the diagnosis, the choice on the development half, its confirmation on the other half."""
    from anomalab.bench.presets_report import ALL_PARTS, write_report

    chosen = set(ALL_PARTS) if parts == "all" else {p.strip() for p in parts.split(",")}
    if jobs < 1:
        fail(f"--jobs must be at least 1, got {jobs}")
    try:
        doc = write_report(chosen, jobs=jobs, render_only=render_only, runs=runs, doc=out)
    except ValueError as exc:
        fail(str(exc))
    console.print(f"wrote {doc}", highlight=False)
