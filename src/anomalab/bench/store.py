"""The results store: one SQLite file, one row per benchmark cell, exported to ``results.csv``."""

from __future__ import annotations

import json
import os
import sqlite3
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

COLUMNS: tuple[str, ...] = (
    "cell_key",
    "detector",
    "params",
    "dataset",
    "protocol",
    "protocol_params",
    "seed",
    "auc_roc",
    "auc_pr",
    "f1",
    "ks",
    "fit_seconds",
    "score_seconds",
    "status",
    "error",
    "versions",
    "finished_at",
)
_TYPES = {
    "seed": "INTEGER",
    "auc_roc": "REAL",
    "auc_pr": "REAL",
    "f1": "REAL",
    "ks": "REAL",
    "fit_seconds": "REAL",
    "score_seconds": "REAL",
}
STORE_FILE = "results.sqlite"
CSV_FILE = "results.csv"


#: The results table's columns, cell_key the primary key.
_SCHEMA = ", ".join(
    f"{c} {_TYPES.get(c, 'TEXT')}" + (" PRIMARY KEY" if c == "cell_key" else "") for c in COLUMNS
)


class StoreError(ValueError):
    """A results store that cannot be used: damaged, empty, or not a results store."""


def _store_error(path: Path, exc: sqlite3.DatabaseError) -> StoreError | None:
    """The one-line error for a store SQLite cannot read (None for other errors: locks ...)."""
    text = str(exc)
    if type(exc) is sqlite3.DatabaseError or "malformed" in text or "not a database" in text:
        return StoreError(f"{path} is damaged; move it aside or use another --out ({text})")
    if text.startswith(("no such table", "no such column", "table results has no column")):
        return StoreError(f"{path} is not an anomalab results store ({text})")
    return None


class ResultStore:
    """Append-only store of cell results keyed by ``cell_key`` (re-running a cell replaces it).

    A file that SQLite cannot read, or a zero-byte one (never a store: SQLite writes its header
    at once), raises :class:`StoreError` rather than being read or replaced as a new store."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if self.path.is_file() and self.path.stat().st_size == 0:
            raise StoreError(
                f"{self.path} is empty (0 bytes), not a results store; move it aside or use "
                "another --out"
            )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if not self.path.exists():
            self._create()
        with self._connect() as con:
            con.execute(f"CREATE TABLE IF NOT EXISTS results ({_SCHEMA})")

    def _create(self) -> None:
        """Create the store whole: the schema is written to a private file, which is then linked
        into place only if no other process has created the store meanwhile (a second run on
        the same folder never sees a half-created, 0-byte store)."""
        fd, name = tempfile.mkstemp(
            dir=self.path.parent, prefix=f".{self.path.name}.", suffix=".tmp"
        )
        os.close(fd)
        tmp = Path(name)
        try:
            con = sqlite3.connect(tmp)
            try:
                with con:
                    con.execute("PRAGMA journal_mode=WAL")
                    con.execute(f"CREATE TABLE IF NOT EXISTS results ({_SCHEMA})")
            finally:
                con.close()
            try:
                os.link(tmp, self.path)
            except FileExistsError:
                pass  # another process created it first: use theirs
            except OSError:  # a file system without hard links
                if not self.path.exists():
                    os.replace(tmp, self.path)
        finally:
            for leftover in (tmp, *(tmp.with_name(tmp.name + x) for x in ("-wal", "-shm"))):
                leftover.unlink(missing_ok=True)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection in one transaction (committed on success), closed afterwards."""
        con = None
        try:
            con = sqlite3.connect(self.path, timeout=60)
            con.execute("PRAGMA journal_mode=WAL")
            with con:
                yield con
        except sqlite3.DatabaseError as exc:
            error = _store_error(self.path, exc)
            if error is None:
                raise
            raise error from exc
        finally:
            if con is not None:
                con.close()

    def add(self, row: dict[str, Any]) -> None:
        """Insert or replace one cell's row; committed at once (a kill loses nothing stored)."""
        self.add_many([row])

    def add_many(self, rows: Iterable[dict[str, Any]]) -> None:
        """Insert or replace several rows in one transaction."""
        values = [
            [
                json.dumps(v, sort_keys=True) if isinstance(v := row.get(c), dict | list) else v
                for c in COLUMNS
            ]
            for row in rows
        ]
        placeholders = ", ".join("?" for _ in COLUMNS)
        with self._connect() as con:
            con.executemany(
                f"INSERT OR REPLACE INTO results ({', '.join(COLUMNS)}) VALUES ({placeholders})",
                values,
            )

    def keys(self, status: str | None = None) -> set[str]:
        """Cell keys stored (optionally only those with ``status``)."""
        query, args = "SELECT cell_key FROM results", ()
        if status is not None:
            query, args = query + " WHERE status = ?", (status,)
        with self._connect() as con:
            return {r[0] for r in con.execute(query, args)}

    def frame(self, keys: Iterable[str] | None = None) -> pd.DataFrame:
        """All rows (or those of ``keys``) as a DataFrame with the store's columns, in the order
        the cells finished (ties by cell key), so a restored copy of a store reads the same."""
        with self._connect() as con:
            df = pd.read_sql_query(
                f"SELECT {', '.join(COLUMNS)} FROM results ORDER BY finished_at, cell_key", con
            )
        if keys is not None:
            df = df[df["cell_key"].isin(set(keys))]
        return df.reset_index(drop=True)

    def export_csv(self, path: str | Path, keys: Iterable[str] | None = None) -> Path:
        """Write the rows to ``path`` as CSV."""
        from anomalab.bench.atomic import atomic_write

        path = Path(path)
        with atomic_write(path) as tmp:  # a concurrent run or reader never sees half a file
            self.frame(keys).drop(columns=["cell_key"]).to_csv(tmp, index=False)
        return path


def copy_cells(cells: Iterable[Any], source: ResultStore, target: ResultStore) -> int:
    """Add to ``target`` the finished rows of ``source`` whose key is one of ``cells``' keys and
    that ``target`` lacks, each labelled with its cell's name; return how many. Same key, same
    cell: its detector, parameters, data, protocol and seed, so the row is that cell's result
    whichever suite ran it (the row keeps when it finished and the versions it ran with)."""
    names = {cell.key: cell.name for cell in cells}
    have = target.keys()
    rows = source.frame(set(names) - have)
    rows = rows[rows["status"] == "ok"]
    records = [{**row, "detector": names[row["cell_key"]]} for row in rows.to_dict("records")]
    target.add_many(records)
    return len(records)
