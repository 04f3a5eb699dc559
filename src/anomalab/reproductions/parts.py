"""A spec's parts as benchmark cells, run through the ordinary runner into one store per part
(``<runs>/<paper>/<store>/results.sqlite``), or restored there from the archive."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench.runner import Cell, run_cells
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.bench.suites import load_suite, suite_from_dict
from anomalab.reproductions.archive import restore_part
from anomalab.reproductions.registry import get_dataset_builder
from anomalab.reproductions.spec import PartSpec


def part_cells(part: PartSpec, paper_runs: Path, data_root: Path | None) -> list[Cell]:
    """The cells of ``part``: its suite restricted as declared, or its inline grid (a dataset
    builder writes its file under ``paper_runs/data``; the cells name it relative to the working
    directory, so that their keys are the same in every checkout run from its root)."""
    if part.suite is not None:
        suite = load_suite(part.suite, data_root)
        if part.preset is not None:
            suite = suite.with_preset(part.preset)
        suite = suite.restrict(
            labels=part.labels,
            seeds=None if part.seeds is None else range(part.seeds),
            protocol_updates=part.protocol_params,
        )
        return suite.cells()
    datasets = part.datasets
    if part.dataset_builder is not None:
        build = get_dataset_builder(part.dataset_builder)
        datasets = [str(build(paper_runs / "data", data_root))]
    raw: dict[str, Any] = {
        "protocol": part.protocol,
        "datasets": datasets,
        "detectors": part.detectors,
        "protocol_params": part.protocol_params,
        "preset": part.preset,
    }
    if part.seeds is not None:
        raw["seeds"] = part.seeds
    suite = suite_from_dict(part.name, raw, data_root)
    return suite.restrict(labels=part.labels).cells() if part.labels else suite.cells()


def store_of(part: PartSpec, paper_runs: Path) -> ResultStore:
    return ResultStore(paper_runs / part.store / STORE_FILE)


def run_part(
    part: PartSpec,
    paper_runs: Path,
    data_root: Path | None,
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    say: Callable[[str], None] = lambda _: None,
    device: str | None = None,
) -> pd.DataFrame:
    """Run the part's cells not yet stored (``jobs`` processes, or a Dask ``scheduler``; every
    entrant with a ``device`` parameter on ``device``) and return the rows of all its cells."""
    cells = part_cells(part, paper_runs, data_root)
    store = store_of(part, paper_runs)
    say(f"{part.name} ({part.store}): {len(cells)} cells")

    def progress(row: dict[str, Any], summary: Any) -> None:
        done = summary.ok + summary.failed + summary.skipped
        say(
            f"  [{done}/{summary.total}] {row['detector']} {row['dataset']} seed {row['seed']}: "
            f"{row['status']} auc_pr={row.get('auc_pr')}"
        )

    summary = run_cells(
        cells,
        store,
        data_root=data_root,
        jobs=jobs,
        scheduler=scheduler,
        on_result=progress,
        device=device,
    )
    return store.frame(summary.keys)


def restore(part: PartSpec, paper_runs: Path, archive: Path) -> pd.DataFrame:
    """Restore the part's archived cells into its store; return the rows of those cells."""
    keys = restore_part(archive, part.store, paper_runs)
    return store_of(part, paper_runs).frame(keys)
