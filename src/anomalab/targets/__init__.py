"""Published numbers: the papers' own tables, shipped as package data in one long format.

Every CSV file in this package holds rows of ``paper, table, dataset, entrant, metric, value,
std, unit, source`` (see ``README.md`` beside them): one published number per row, ``value`` and
``std`` exactly as the paper prints them, in the paper's unit (``unit``: ``percent`` or
``fraction``, i.e. on a 0-1 scale), ``std`` empty where the paper gives none.
:func:`published` reads them (through :mod:`importlib.resources`, so they are found in an
installed wheel as in a checkout) and filters them::

    from anomalab.targets import published
    published("plad", "Table 5", metric="f1")              # PLAD's Table 5, in percent
    published("adbench", "Table D4", fractions=True)       # ADBench's D4, on a 0-1 scale
"""

from __future__ import annotations

from functools import lru_cache
from importlib import resources
from importlib.resources.abc import Traversable

import pandas as pd

#: The columns of every targets file, in order.
COLUMNS: tuple[str, ...] = (
    "paper",
    "table",
    "dataset",
    "entrant",
    "metric",
    "value",
    "std",
    "unit",
    "source",
)
#: One published number per key.
KEY: tuple[str, ...] = ("paper", "table", "dataset", "entrant", "metric")
METRICS: tuple[str, ...] = ("auc_roc", "auc_pr", "f1", "ks")
UNITS: tuple[str, ...] = ("percent", "fraction")


def files() -> list[Traversable]:
    """The targets CSV files shipped with the package, sorted by name."""
    folder = resources.files(__name__)
    return sorted((f for f in folder.iterdir() if f.name.endswith(".csv")), key=lambda f: f.name)


def _number(text: str, file: str, column: str) -> float:
    try:
        return float(text) if text != "" or column == "value" else float("nan")
    except ValueError:
        raise ValueError(f"targets file {file}: {column} {text!r} is not a number") from None


def _read(file: Traversable) -> pd.DataFrame:
    """One targets file; numbers parsed by Python's ``float`` (exactly the printed decimals)."""
    with file.open("r", encoding="utf-8") as fh:
        frame = pd.read_csv(fh, dtype=str, keep_default_na=False)
    if list(frame.columns) != list(COLUMNS):
        raise ValueError(f"targets file {file.name}: columns {list(frame.columns)}, not {COLUMNS}")
    for column in ("value", "std"):
        frame[column] = [_number(t, file.name, column) for t in frame[column]]
    return frame


@lru_cache(maxsize=1)
def _all() -> pd.DataFrame:
    return pd.concat([_read(f) for f in files()], ignore_index=True)


def papers() -> list[str]:
    """The papers with published numbers here (``adbench``, ``anorand``, ...)."""
    return sorted(_all()["paper"].unique())


def published(
    paper: str | None = None,
    table: str | None = None,
    dataset: str | None = None,
    entrant: str | None = None,
    metric: str | None = None,
    *,
    fractions: bool = False,
) -> pd.DataFrame:
    """The published numbers matching every given filter, in file order (a fresh copy).

    ``paper``: ``adbench``, ``anorand``, ``devnet``, ``novnorm``, ``plad``, ``sgae``; ``table``:
    the paper's label (``"Table 2"``, ``"Table D4"``); ``dataset``: our dataset name, with
    ``:k`` for a one-class row whose normal class is ``k`` (``"cifar10:0"``); ``metric``: one of
    :data:`METRICS`. ``fractions=True`` divides the ``percent`` rows' value and std by 100 (their
    unit becomes ``fraction``); by default the numbers are as printed.
    """
    frame = _all()
    if paper is not None and paper not in set(frame["paper"]):
        raise ValueError(f"no published numbers for paper {paper!r}; known: {', '.join(papers())}")
    if metric is not None and metric not in METRICS:
        raise ValueError(f"unknown metric {metric!r}; known: {', '.join(METRICS)}")
    mask = pd.Series(True, index=frame.index)
    for column, wanted in (
        ("paper", paper),
        ("table", table),
        ("dataset", dataset),
        ("entrant", entrant),
        ("metric", metric),
    ):
        if wanted is not None:
            mask &= frame[column] == wanted
    out = frame[mask].reset_index(drop=True)
    if fractions:
        percent = out["unit"] == "percent"
        out.loc[percent, ["value", "std"]] = out.loc[percent, ["value", "std"]] / 100.0
        out.loc[percent, "unit"] = "fraction"
    return out


def published_value(
    paper: str, table: str, dataset: str, entrant: str, metric: str
) -> tuple[float, float | None]:
    """(value, std or None) of the one published number with this key, as printed."""
    rows = published(paper, table, dataset, entrant, metric)
    if len(rows) != 1:
        raise KeyError(
            f"{len(rows)} published numbers for {paper} {table} {dataset} {entrant} {metric}"
        )
    std = float(rows.at[0, "std"])
    return float(rows.at[0, "value"]), None if pd.isna(std) else std


def wide(rows: pd.DataFrame, values: str = "value") -> pd.DataFrame:
    """Published rows of one table and metric as a dataset x entrant frame, both in file order
    (NaN where a number is not published)."""
    datasets, entrants = pd.unique(rows["dataset"]), pd.unique(rows["entrant"])
    frame = rows.pivot(index="dataset", columns="entrant", values=values)
    frame = frame.reindex(index=pd.Index(datasets, name="dataset"), columns=pd.Index(entrants))
    frame.columns.name = None
    return frame
