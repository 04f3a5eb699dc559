"""The ``anomalab`` command line: datasets, detectors, fit, score, select, bench, report,
results, reproduce, selection, presets.

Each command group lives in its own module and only parses options, calls the library and
prints; this module assembles them into ``app`` (the console script ``anomalab``).
"""

from __future__ import annotations

from typing import Annotated

import typer

from anomalab.cli import bench, datasets, detectors, models, presets, reproduce, results, select
from anomalab.cli.common import parse_params
from anomalab.cli_errors import DEBUG_FLAG, OneLineErrors

__all__ = ["app", "parse_params"]

app = typer.Typer(
    cls=OneLineErrors,
    help="anomalab: deep anomaly detection with faithful paper implementations and a benchmark.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
app.add_typer(datasets.datasets_app, name="datasets")
app.add_typer(detectors.detectors_app, name="detectors")
app.add_typer(results.results_app, name="results")
app.add_typer(select.selection_app, name="selection")
app.add_typer(presets.presets_app, name="presets")


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


for command in (models.fit, models.score, select.select, bench.bench, bench.report):
    app.command()(command)
app.command(help=reproduce.help_text())(reproduce.reproduce)
