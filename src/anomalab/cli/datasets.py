"""``anomalab datasets``: the data catalog found under the data root."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table

from anomalab.cli.common import DataRoot, console
from anomalab.cli_errors import fail

datasets_app = typer.Typer(help="The data catalog found under the data root.", no_args_is_help=True)


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
        fail(str(exc))
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
