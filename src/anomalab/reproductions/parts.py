"""A spec's parts as benchmark cells, run through the ordinary runner into one store per part
(``<runs>/<paper>/<store>/results.sqlite``), or restored there from the archive."""

from __future__ import annotations

import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench.runner import Cell, run_cells
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.bench.suites import Suite, load_suite, suite_from_dict, suite_resource
from anomalab.reproductions.archive import restore_part
from anomalab.reproductions.registry import get_dataset_builder
from anomalab.reproductions.spec import PartSpec


def _restricted(part: PartSpec, suite: Suite) -> Suite:
    """A suite part's suite with the part's preset, labels, seeds and protocol updates."""
    if part.preset is not None:
        suite = suite.with_preset(part.preset)
    updates = part.protocol_params if isinstance(part.protocol_params, dict) else {}
    return suite.restrict(
        labels=part.labels,
        seeds=None if part.seeds is None else range(part.seeds),
        protocol_updates=updates,
    )


def _inline(part: PartSpec, datasets: list[str] | None, data_root: Path | None) -> Suite:
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
    return suite.restrict(labels=part.labels) if part.labels else suite


def part_cells(part: PartSpec, paper_runs: Path, data_root: Path | None) -> list[Cell]:
    """The cells of ``part``: its suite restricted as declared, or its inline grid (a dataset
    builder writes its file under ``paper_runs/data``; the cells name it relative to the working
    directory, so that their keys are the same in every checkout run from its root)."""
    if part.suite is not None:
        return _restricted(part, load_suite(part.suite, data_root)).cells()
    datasets = part.datasets
    if part.dataset_builder is not None:
        build = get_dataset_builder(part.dataset_builder)
        datasets = [str(build(paper_runs / "data", data_root))]
    return _inline(part, datasets, data_root).cells()


def dataset_groups(part: PartSpec) -> list[str]:
    """The dataset groups (``@adbench``) a built-in suite part names (none for an inline part)."""
    if part.suite is None:
        return []
    resource = suite_resource(part.suite)
    if resource is None:
        return []
    raw = tomllib.loads(resource.read_text(encoding="utf-8"))
    return [str(d) for d in raw["datasets"] if str(d).startswith("@")]


def declared_cells(part: PartSpec, seen: list[str]) -> list[Cell] | None:
    """The part's cells as declared, found without a data root (so the same in a checkout and
    from an installed wheel): a dataset group (``@adbench``) stands for the datasets in ``seen``
    (those of the stored cells), a built dataset for the one the cells name; None for a suite
    that is not built in."""
    if part.suite is None:
        built = part.dataset_builder is not None
        return _inline(part, list(seen) if built else part.datasets, None).cells()
    resource = suite_resource(part.suite)
    if resource is None:
        return None
    raw = tomllib.loads(resource.read_text(encoding="utf-8"))
    named = [str(d) for d in raw["datasets"] if not str(d).startswith("@")]
    if len(named) < len(raw["datasets"]):
        named += [d for d in seen if d not in named]
    raw["datasets"] = named
    return _restricted(part, suite_from_dict(part.suite, raw)).cells()


def store_of(part: PartSpec, paper_runs: Path) -> ResultStore:
    return ResultStore(paper_runs / part.store / STORE_FILE)


def run_part(
    part: PartSpec,
    paper_runs: Path,
    data_root: Path | None,
    cells: list[Cell],
    *,
    jobs: int = 1,
    scheduler: str | None = None,
    say: Callable[[str], None] = lambda _: None,
    device: str | None = None,
    datasets: list[str] | None = None,
) -> pd.DataFrame:
    """Run the part's ``cells`` (its :func:`part_cells`) not yet stored (``jobs`` processes, or
    a Dask ``scheduler``; every entrant with a ``device`` parameter on ``device``; only those on
    ``datasets`` if given) and return the rows of all its stored cells."""
    store = store_of(part, paper_runs)
    chosen = cells if datasets is None else [c for c in cells if c.dataset in datasets]
    of = "" if datasets is None else f"{len(chosen)} of "
    say(f"{part.name} ({part.store}): {of}{len(cells)} cells")

    def progress(row: dict[str, Any], summary: Any) -> None:
        done = summary.ok + summary.failed + summary.skipped
        say(
            f"  [{done}/{summary.total}] {row['detector']} {row['dataset']} seed {row['seed']}: "
            f"{row['status']} auc_pr={row.get('auc_pr')}"
        )

    run_cells(
        chosen,
        store,
        data_root=data_root,
        jobs=jobs,
        scheduler=scheduler,
        on_result=progress,
        device=device,
    )
    return store.frame(c.key for c in cells)


def restore(part: PartSpec, paper_runs: Path, archive: Path) -> pd.DataFrame:
    """Restore the part's archived cells into its store; return the rows of those cells (none
    for a part not archived yet: the report says it is not run)."""
    archived = (archive / part.store).is_dir()
    keys = restore_part(archive, part.store, paper_runs) if archived else []
    return store_of(part, paper_runs).frame(keys)
