"""``anomalab detectors``: the registered detectors and the peer entrants."""

from __future__ import annotations

import typer
from rich.table import Table

from anomalab.cli.common import console

detectors_app = typer.Typer(
    help="The registered detectors and peer entrants.", no_args_is_help=True
)


@detectors_app.command("list")
def detectors_list() -> None:
    """List registered detectors (supervision, data kinds) and available peers."""
    from anomalab.peers import PEERS
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
        table.add_row(name, source, peer.supervision, "tabular,image", "peer adapter")
    console.print(table)
