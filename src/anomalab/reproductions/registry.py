"""What a spec cannot declare, registered by name: section functions and dataset builders.

A section function renders a paper-specific analysis (a plot, a probe, a paragraph whose numbers
come from the cells) into the report's current section::

    @section("anorand.sweep_plot")
    def sweep_plot(ctx: Context, out: Section, **options) -> None: ...

A dataset builder writes a derived dataset file for an inline part and returns its path::

    @dataset_builder("anorand.mnist_1v7")
    def mnist_1v7(folder: Path, data_root: Path | None) -> Path: ...

Each paper's functions live in ``anomalab.reproductions.sections.<paper>``; importing
``anomalab.reproductions.sections`` registers them all.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

SECTIONS: dict[str, Callable[..., None]] = {}
DATASET_BUILDERS: dict[str, Callable[..., Any]] = {}


def _register(table: dict[str, Callable], kind: str, name: str) -> Callable[[Callable], Callable]:
    def decorate(fn: Callable) -> Callable:
        if name in table and table[name] is not fn:
            raise ValueError(f"{kind} {name!r} is registered twice")
        table[name] = fn
        return fn

    return decorate


def section(name: str) -> Callable[[Callable], Callable]:
    """Register a section function under ``name`` (``"<paper>.<what>"``)."""
    return _register(SECTIONS, "section function", name)


def dataset_builder(name: str) -> Callable[[Callable], Callable]:
    """Register a dataset builder under ``name`` (``"<paper>.<what>"``)."""
    return _register(DATASET_BUILDERS, "dataset builder", name)


def _get(table: dict[str, Callable], kind: str, name: str) -> Callable:
    if name not in table:
        raise KeyError(f"unknown {kind} {name!r}; registered: {', '.join(sorted(table)) or 'none'}")
    return table[name]


def get_section(name: str) -> Callable[..., None]:
    return _get(SECTIONS, "section function", name)


def get_dataset_builder(name: str) -> Callable[..., Any]:
    return _get(DATASET_BUILDERS, "dataset builder", name)
