"""``load_dataset``: a catalog name or a user file -> :class:`Dataset`."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from anomalab.data.catalog import counts_of, find_info, remember_counts
from anomalab.data.dataset import Dataset
from anomalab.data.formats import FORMATS
from anomalab.data.paths import DataNotFoundError
from anomalab.data.tables import TABLE_SUFFIXES, load_table


def load_dataset(
    name_or_path: str | Path,
    data_root: str | Path | None = None,
    *,
    label_column: str | None = None,
    labeled_normal: bool = False,
    columns: Sequence[str] | None = None,
) -> Dataset:
    """Load a catalog dataset by name, or a user's CSV / TSV / Parquet / npz file by path.

    A ``Path``, or a string with a path separator or a table suffix, is a file
    (see :func:`load_table`; ``label_column`` applies there only). Catalog data: tabular and
    embedding ``X`` float64 ``(n, d)``, images float32 ``(n, C, H, W)`` in [0, 1].
    ``labeled_normal``: a user file's labels are training labels (-1 known normal, 0
    unlabeled, 1 anomaly). ``columns``: the encoded columns a model was fitted on
    (``feature_names_in_``): a user table is encoded to exactly those, matched by name.
    """
    if isinstance(name_or_path, Path) or _looks_like_path(name_or_path):
        return load_table(
            name_or_path, label_column, labeled_normal=labeled_normal, columns=columns
        )
    try:
        info = find_info(name_or_path, data_root)
    except DataNotFoundError:
        if Path(name_or_path).is_file():
            return load_table(
                name_or_path, label_column, labeled_normal=labeled_normal, columns=columns
            )
        raise
    if label_column is not None:
        raise ValueError(
            f"label_column applies to user files only; {info.name!r} is a catalog dataset"
        )
    raw = FORMATS[info.format](info.path)
    info = remember_counts(info, counts_of(raw, info.kind))
    if info.kind == "image":
        X = raw.X.astype(np.float32)
        X /= np.float32(255.0)
    else:
        X = np.asarray(raw.X, dtype=np.float64)  # loaders return fresh arrays on every call
    y = None if raw.y is None else np.asarray(raw.y, dtype=np.int64)
    return Dataset(
        name=info.name,
        X=X,
        y=y,
        kind=info.kind,
        info=info,
        split=None if raw.split is None else np.asarray(raw.split, dtype=bool),
        feature_names=raw.feature_names,
        class_names=raw.class_names,
    )


def _looks_like_path(text: str) -> bool:
    seps = {os.sep, "/"} | ({os.altsep} if os.altsep else set())
    return any(s in text for s in seps) or Path(text).suffix.lower() in TABLE_SUFFIXES
