"""ADBench's per-dataset tables (Han et al., NeurIPS 2022) to put beside our numbers.

The tables are the package's published numbers (:func:`anomalab.targets.published`, paper
``adbench``): the appendix tables D4 and D5 (unsupervised AUC-ROC, AUC-PR) and D6..D19
(semi-supervised with N % of the training anomalies labeled, AUC-ROC and AUC-PR for
N = 1, 5, 10, 25, 50, 75, 100); values in percent there, returned here as fractions.

A group of our cells maps to a table by its protocol: ``unsupervised`` -> the unsupervised tables;
``semi_supervised`` (or ``adbench_semi``) with ``ratio = r`` -> the ``rla{100 r}pct`` tables. Other
protocols (one-class, ``n_labeled``) have no ADBench table. Our detector names map to ADBench's
method names through ``PUBLISHED_NAMES`` or, failing that, by dropping a library prefix
(``PyOD-KNN`` -> ``KNN``) and matching case-insensitively. ADBench's protocol differs from ours in
ways the report states: it duplicates datasets under 1,000 rows before splitting and subsamples
those over 10,000.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import pandas as pd

from anomalab.targets import published, wide

#: Our entrant name -> ADBench method name, where dropping the prefix is not enough.
PUBLISHED_NAMES: dict[str, str] = {}
_PREFIXES = ("PyOD-", "DeepOD-", "sklearn-", "ADBench-")
SOURCE = "ADBench (Han et al., NeurIPS 2022), appendix table"
#: ADBench's settings in the order of its appendix tables: D4/D5, then D6/D7, ... D18/D19.
SETTINGS: tuple[str, ...] = (
    "unsup",
    *(f"rla{n}pct" for n in (1, 5, 10, 25, 50, 75, 100)),
)
#: (setting, metric) -> ADBench's table label in the targets (``Table D4`` ...).
TABLES: dict[tuple[str, str], str] = {
    (setting, metric): f"Table D{4 + 2 * i + j}"
    for i, setting in enumerate(SETTINGS)
    for j, metric in enumerate(("auc_roc", "auc_pr"))
}


@dataclass(frozen=True)
class PublishedTable:
    """One published table: rows = dataset, columns = method, values in [0, 1]."""

    table: str  # e.g. "D4"
    metric: str  # "auc_roc" or "auc_pr"
    setting: str  # "unsup" or "rla1pct", ...
    frame: pd.DataFrame

    @property
    def title(self) -> str:
        return f"{SOURCE} {self.table}"


@cache
def _table(setting: str, metric: str) -> PublishedTable:
    label = TABLES[(setting, metric)]
    frame = wide(published("adbench", label, metric=metric, fractions=True))
    return PublishedTable(label.removeprefix("Table "), metric, setting, frame)


#: Our protocols that follow ADBench's unsupervised / semi-supervised (labeled-ratio) settings.
UNSUPERVISED = ("unsupervised", "adbench_unsup")
SEMI_SUPERVISED = ("semi_supervised", "adbench_semi")


def setting_of(protocol: str, protocol_params: dict[str, Any]) -> str | None:
    """ADBench's setting for one of our protocol groups, or None where it has none."""
    if protocol in UNSUPERVISED:
        return "unsup"
    if protocol in SEMI_SUPERVISED and protocol_params.get("ratio") is not None:
        percent = float(protocol_params["ratio"]) * 100.0
        if abs(percent - round(percent)) < 1e-9:
            return f"rla{round(percent)}pct"
    return None


def published_table(
    protocol: str, protocol_params: dict[str, Any], metric: str, data_root: Any = None
) -> PublishedTable | None:
    """The published table for a protocol group and metric, or None. ``data_root`` is unused
    (kept for callers; the tables ship with the package). The frame is a fresh copy."""
    setting = setting_of(protocol, protocol_params)
    if (setting, metric) not in TABLES:
        return None
    table = _table(setting, metric)
    return PublishedTable(table.table, table.metric, table.setting, table.frame.copy())


def published_name(detector: str, table: PublishedTable) -> str | None:
    """ADBench's column for our entrant ``detector`` in ``table``, or None."""
    if detector in PUBLISHED_NAMES:
        name = PUBLISHED_NAMES[detector]
        return name if name in table.frame.columns else None
    bare = detector
    for prefix in _PREFIXES:
        if bare.startswith(prefix):
            bare = bare[len(prefix) :]
    for column in table.frame.columns:
        if column.lower() == bare.lower():
            return str(column)
    return None
