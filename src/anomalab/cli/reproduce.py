"""``anomalab reproduce PAPER``: run a paper's reproduction (or restore its archived cells) and
write its report; the work is :mod:`anomalab.reproductions.engine`'s."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from anomalab.cli.common import CellDevice, DataRoot, console, split_list
from anomalab.cli_errors import fail, print_warning


def help_text() -> str:
    """The command's help: what it does, then each paper (or that it is not yet converted)."""
    from anomalab.reproductions.spec import PAPERS, SpecError, has_spec, load_spec

    lines = []
    for paper in PAPERS:
        try:
            about = load_spec(paper).description if has_spec(paper) else "not yet converted"
        except SpecError as exc:
            about = f"spec unusable ({exc})"
        lines.append(f"{paper}: {about}")
    return (
        "Reproduce a paper: run the cells of its parts (those already stored are skipped), or "
        "restore its archived cells with --from-archive, and write its report "
        "(docs/results/PAPER.md and PAPER.html, or into --out).\n\nPapers:\n\b\n" + "\n".join(lines)
    )


def reproduce(
    paper: Annotated[str, typer.Argument(help="devnet, plad, sgae, anorand or novnorm.")],
    parts: Annotated[
        str | None,
        typer.Option("--parts", help="Comma-separated parts of the paper's spec (default: all)."),
    ] = None,
    datasets: Annotated[
        str | None,
        typer.Option(
            "--datasets",
            help="Comma-separated datasets: run only the parts' cells on these (the report "
            "still shows every stored cell).",
        ),
    ] = None,
    jobs: Annotated[int, typer.Option("--jobs", help="Local worker processes.")] = 1,
    scheduler: Annotated[
        str | None,
        typer.Option("--scheduler", help="Dask scheduler address (tcp://HOST:PORT)."),
    ] = None,
    device: CellDevice = None,
    from_archive: Annotated[
        bool,
        typer.Option(
            "--from-archive",
            help="Restore the archived cells into the stores and render; run no cell.",
        ),
    ] = False,
    archive: Annotated[
        Path | None,
        typer.Option(
            "--archive",
            help="Folder of the paper's archived stores (default: docs/results/cells/PAPER "
            "here, else the copy shipped with the package).",
        ),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            help="Write PAPER.md and its stores (OUT/PAPER/PART/) here instead of "
            "docs/results/ and runs/.",
        ),
    ] = None,
    data_root: DataRoot = None,
) -> None:
    from anomalab.reproductions.engine import ReproduceRequest
    from anomalab.reproductions.engine import reproduce as run

    request = ReproduceRequest(
        paper=paper,
        parts=split_list(parts),
        datasets=split_list(datasets),
        out=out,
        from_archive=from_archive,
        archive=archive,
        jobs=jobs,
        scheduler=scheduler,
        data_root=data_root,
        device=device,
    )
    try:
        result = run(request, say=lambda line: console.print(line, highlight=False))
    except (ValueError, KeyError) as exc:
        fail(str(exc.args[0]) if isinstance(exc, KeyError) else str(exc))
    counts = ", ".join(f"{part} {n}" for part, n in result.cells.items())
    console.print(f"cells: {counts}", highlight=False)
    for name in result.missing_figures:
        print_warning(f"{name} not drawn (it refits models; run without --from-archive to draw it)")
    console.print(f"wrote {result.report} and {result.html}", highlight=False)
