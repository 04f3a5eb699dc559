"""Committed copies of result stores, so a fresh checkout can re-render reports without re-running.

Result stores (``*.sqlite`` under a runs folder) are not committed: they are binary and live
where the benchmark ran. :func:`export_stores` writes every row of every store under ``runs`` to
a plain-text CSV at the same relative path under ``archive`` (``runs/anorand/x/results.sqlite``
-> ``archive/anorand/x/results.csv``), rows in finishing order, so an unchanged store exports to
identical bytes and a changed one diffs line by line. :func:`restore_stores` does the reverse,
adding only the cells a store does not hold yet (a store's own results always win). Export never
drops an archived cell: a store that lacks one is refused until it is restored. Each row keeps
the library versions and finish time of the run that produced it.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from anomalab.bench.store import COLUMNS, ResultStore

ARCHIVE_SUFFIX = ".csv"
#: Rows per archive file: a larger store is written as ``results.csv``, ``results.2.csv``, ...
#: (each well under 1 MiB of text), which restore joins back into one store.
ROWS_PER_FILE = 1500


def _archive_path(store: Path, runs: Path, archive: Path) -> Path:
    relative = store.relative_to(runs)
    return archive / relative.with_name(relative.stem + ARCHIVE_SUFFIX)


def export_stores(runs: str | Path, archive: str | Path) -> list[Path]:
    """Write each ``*.sqlite`` store under ``runs`` to ``archive``; return the files written."""
    runs, archive = Path(runs), Path(archive)
    if not runs.is_dir():
        raise ValueError(f"runs folder {runs} does not exist")
    stores = sorted(runs.rglob("*.sqlite"))
    if not stores:
        raise ValueError(f"no result stores (*.sqlite) under {runs}")
    frames = {store: ResultStore(store).frame() for store in stores}  # finishing order
    for store, frame in frames.items():  # refuse before writing anything
        lost = _archived_keys(_archive_path(store, runs, archive)) - set(frame["cell_key"])
        if lost:
            raise ValueError(
                f"{store} lacks {len(lost)} cell(s) that its archive holds; exporting would drop "
                f"them: run `anomalab results restore` first"
            )
    written = []
    for store, frame in frames.items():
        if frame.empty:
            continue  # nothing run yet (e.g. a part that --from-archive opened): no archive
        path = _archive_path(store, runs, archive)
        path.parent.mkdir(parents=True, exist_ok=True)
        for stale in path.parent.glob(f"{path.stem}.*[0-9]{ARCHIVE_SUFFIX}"):
            stale.unlink()  # parts of an earlier export, rewritten below
        for part, start in enumerate(range(0, max(len(frame), 1), ROWS_PER_FILE), start=1):
            name = path if part == 1 else path.with_name(f"{path.stem}.{part}{ARCHIVE_SUFFIX}")
            frame.iloc[start : start + ROWS_PER_FILE].to_csv(name, index=False)
            written.append(name)
    return written


def _archived_keys(path: Path) -> set[str]:
    """The cell keys of an archived store (every part of it); empty if it is not archived."""
    parts = [path, *path.parent.glob(f"{path.stem}.*[0-9]{ARCHIVE_SUFFIX}")]
    keys: set[str] = set()
    for part in parts:
        if part.is_file():
            keys |= set(pd.read_csv(part, usecols=["cell_key"], dtype=str)["cell_key"])
    return keys


def _plain(value: object) -> object:
    """numpy scalars as the Python numbers sqlite3 binds (as in the store's own rows)."""
    return value.item() if isinstance(value, np.generic) else value


def read_archive(path: str | Path) -> pd.DataFrame:
    """One archived store as the store's columns (missing values as None, seeds as int)."""
    frame = pd.read_csv(path, dtype={"cell_key": str}, keep_default_na=False, na_values=[""])
    missing = [c for c in COLUMNS if c not in frame.columns]
    if missing:
        raise ValueError(f"{path} is not an archived result store: missing columns {missing}")
    frame = frame[list(COLUMNS)].astype(object)
    return frame.where(frame.notna(), None)


def restore_stores(archive: str | Path, runs: str | Path) -> dict[Path, int]:
    """Add every archived row to its store under ``runs`` unless the store holds that cell
    already; return the number of rows added per store."""
    archive, runs = Path(archive), Path(runs)
    if not archive.is_dir():
        raise ValueError(f"archive folder {archive} does not exist")
    files = sorted(archive.rglob("*" + ARCHIVE_SUFFIX))
    if not files:
        raise ValueError(f"no archived stores (*{ARCHIVE_SUFFIX}) under {archive}")
    added: dict[Path, int] = {}
    for path in files:
        relative = path.relative_to(archive)
        stem = relative.name[: -len(ARCHIVE_SUFFIX)]
        stem = stem.rsplit(".", 1)[0] if stem.rsplit(".", 1)[-1].isdigit() else stem  # a part
        store_path = runs / relative.with_name(stem + ".sqlite")
        store = ResultStore(store_path)
        have = store.keys()
        rows = [
            {k: _plain(v) for k, v in row.items()}
            for row in read_archive(path).to_dict("records")
            if row["cell_key"] not in have
        ]
        store.add_many(rows)
        added[store_path] = added.get(store_path, 0) + len(rows)
    return added
