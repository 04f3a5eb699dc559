"""``anomalab datasets``: the data catalog found under the data root."""

from __future__ import annotations

import json
import os
from typing import Annotated

import typer
from rich.table import Table

from anomalab.cli.common import DataRoot, console, err
from anomalab.cli_errors import fail, print_warning

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
        fail("name the datasets to fetch, or pass --all (not both)")
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
