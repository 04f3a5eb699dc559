"""What every command module of the command line shares: the consoles, the ``--data-root``
option, and ``key=value`` parameter parsing."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

# Piped output (logs, CI) gets wide tables instead of Rich's 80-column default.
console = Console(width=None if sys.stdout.isatty() else 160)
err = Console(stderr=True, soft_wrap=True)

DataRoot = Annotated[
    Path | None,
    typer.Option(
        "--data-root",
        help="Folder laid out like shared/datasets (default: $ANOMALAB_DATA, then ../shared/datasets).",
    ),
]

#: ``--device`` of the commands that run benchmark cells (bench, reproduce).
CellDevice = Annotated[
    str | None,
    typer.Option(
        "--device",
        help="cpu, cuda[:n], mps or auto: run every torch detector there (peers ignore it; "
        "cell keys stay the same).",
    ),
]


def parse_params(pairs: list[str] | None) -> dict[str, Any]:
    """``key=value`` pairs; values parsed as JSON when possible (numbers, lists, true, null)."""
    params: dict[str, Any] = {}
    for pair in pairs or []:
        key, sep, raw = pair.partition("=")
        if not sep or not key:
            raise typer.BadParameter(f"--param expects key=value, got {pair!r}")
        try:
            params[key.strip()] = json.loads(raw)
        except json.JSONDecodeError:
            params[key.strip()] = raw
    return params


def split_list(value: str | None) -> list[str] | None:
    """A comma-separated option as a list of its non-blank items (None when not given)."""
    return [v.strip() for v in value.split(",") if v.strip()] if value else None
