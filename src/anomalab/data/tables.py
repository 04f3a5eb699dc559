"""A user's own data file (CSV / TSV / Parquet / npz / npy) as a :class:`Dataset`."""

from __future__ import annotations

import warnings
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from anomalab.data.dataset import Dataset, DatasetInfo, RawData
from anomalab.data.paths import DataNotFoundError
from anomalab.data.preprocess import (
    binary_labels,
    check_identifier_columns,
    check_mixed_columns,
    encode_frame,
)

TABLE_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".npz", ".npy")
#: Feature column names that usually hold the labels (a warning when no label column is named).
LABEL_LIKE = ("label", "labels", "y", "class", "target", "outlier", "anomaly", "is_anomaly")
_UNREADABLE = (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, KeyError)


def load_table(
    path: str | Path,
    label_column: str | None = None,
    *,
    labeled_normal: bool = False,
    columns: Sequence[str] | None = None,
) -> Dataset:
    """Load a user file as a tabular :class:`Dataset` (X float64, y int64 0/1 or ``None``).

    CSV/TSV/Parquet: ``label_column`` (if given) holds 0/1/True/False labels (1 = anomaly);
    other values raise ``ValueError``. Non-numeric feature columns are one-hot encoded with
    pandas (``column=value``), but a mostly numeric column with a few unparseable cells is an
    error naming the column and its first bad row; NaN/inf in features raise ``ValueError``
    naming the columns; a feature column named like labels (``label``, ``y``, ``class`` ...)
    gives a warning. npz: keys ``X`` and optionally ``y`` (or the key ``label_column``).
    npy: ``X`` only, memory-mapped read-only (kept mapped when it is float64).
    ``labeled_normal``: the labels are training labels, where -1 marks a known normal row and
    0 an unlabeled one (``anomalab select`` / ``fit``). ``columns``: a fitted model's encoded
    columns (``feature_names_in_``): a CSV / TSV / Parquet table is matched to them by name,
    each text column encoded with the model's levels (see
    :func:`anomalab.data.preprocess.match_columns`).
    """
    p = Path(path).expanduser()
    if not p.is_file():
        raise DataNotFoundError(f"data file {str(path)!r} not found (looked at {p.resolve()})")
    suffix = p.suffix.lower()
    what = f"data file {p.name}"
    if suffix == ".npz":
        raw = _read_npz(
            p, label_column or "y", required=label_column is not None, labeled_normal=labeled_normal
        )
    elif suffix == ".npy":
        raw = _read_npy(p, label_column)
    elif suffix in (".csv", ".tsv"):
        sep = "\t" if suffix == ".tsv" else ","
        try:
            df = pd.read_csv(p, sep=sep)
        except pd.errors.EmptyDataError:
            raise ValueError(f"{what}: the file is empty (no header, no rows)") from None
        except (UnicodeDecodeError, pd.errors.ParserError) as exc:
            reason = str(exc).splitlines()[0]
            raise ValueError(f"{what}: not a readable {suffix[1:]} text file ({reason})") from None
        check_separator(df, sep, what)
        raw = _encode(df, label_column, what, 2, labeled_normal, columns)
    elif suffix in (".parquet", ".pq"):
        try:
            df = pd.read_parquet(p)
        except ImportError as err:
            raise ImportError(f"reading {p.name} needs pyarrow: pip install pyarrow") from err
        raw = _encode(df, label_column, what, None, labeled_normal, columns)
    else:
        raise ValueError(f"{what}: unsupported format {suffix!r}; use one of {TABLE_SUFFIXES}")
    X = np.asarray(raw.X, dtype=np.float64)
    info = DatasetInfo(
        name=p.stem,
        kind="tabular",
        group="user",
        path=p.resolve(),
        rows=X.shape[0],
        features=X.shape[1],
        anomalies=int((raw.y == 1).sum()) if raw.y is not None else None,
        origin="user file",
        format=suffix.lstrip("."),
    )
    return Dataset(p.stem, X, raw.y, "tabular", info, feature_names=raw.feature_names)


#: Separators a text table may use instead of the one its suffix implies.
OTHER_SEPARATORS = {";": "semicolon", "\t": "tab", "|": "pipe", ",": "comma"}


def check_separator(df: pd.DataFrame, sep: str, what: str) -> None:
    """Refuse a table read as one column whose header holds another separator (a ';'-separated
    .csv, say): every row would otherwise become one text value, one-hot encoded."""
    if df.shape[1] != 1:
        return
    header = str(df.columns[0])
    for other, name in OTHER_SEPARATORS.items():
        if other != sep and other in header:
            expected = "tab-separated (.tsv)" if sep == "\t" else "comma-separated (.csv)"
            fix = {"\t": "rename it .tsv", ",": "rename it .csv"}.get(other, "convert it")
            raise ValueError(
                f"{what}: read as one column {header!r}, which looks {name}-separated; anomalab "
                f"reads this file as {expected}: {fix}"
            )


def _encode(
    df: pd.DataFrame,
    label_column: str | None,
    what: str,
    first_line: int | None,
    labeled_normal: bool = False,
    columns: Sequence[str] | None = None,
) -> RawData:
    features = df.drop(columns=label_column) if label_column in df.columns else df
    check_mixed_columns(features, what, first_line=first_line)
    check_identifier_columns(features, what)
    if label_column is None:
        for column in df.columns:
            if str(column).strip().lower() in LABEL_LIKE:
                warnings.warn(
                    f"{what}: column {column!r} looks like labels but is used as a feature; "
                    f"name it as the label column (--label-column {column}) if it holds labels",
                    UserWarning,
                    stacklevel=3,
                )
    return encode_frame(df, label_column, what, labeled_normal=labeled_normal, columns=columns)


def _read_npz(
    path: Path, label_key: str, *, required: bool, labeled_normal: bool = False
) -> RawData:
    what = f"data file {path.name}"
    if not zipfile.is_zipfile(path):
        raise ValueError(f"{what}: not a readable npz file (not a zip archive of arrays)")
    try:
        with np.load(path, allow_pickle=False) as npz:
            files = list(npz.files)
            if "X" not in files:
                raise KeyError("X")
            X = npz["X"]
            y_raw = npz[label_key] if label_key in files else None
    except KeyError:
        raise ValueError(f"{what}: npz needs a key 'X'; has {files}") from None
    except _UNREADABLE as exc:
        raise ValueError(f"{what}: not a readable npz file ({exc})") from None
    if y_raw is not None:
        y = binary_labels(y_raw.ravel(), label_key, labeled_normal=labeled_normal)
    elif required:
        raise ValueError(f"{what}: no key {label_key!r}; has {files}")
    else:
        y = None
    _check_features(X, what)
    if y is not None and len(y) != len(X):
        raise ValueError(f"{what}: {len(y)} labels for {len(X)} rows")
    return RawData(X=X, y=y)


def _read_npy(path: Path, label_column: str | None) -> RawData:
    what = f"data file {path.name}"
    if label_column is not None:
        raise ValueError(
            f"{what}: a .npy file holds features only; put labels in an .npz (keys X, y) or a "
            "CSV column"
        )
    with path.open("rb") as head:
        if head.read(6) != b"\x93NUMPY":
            raise ValueError(f"{what}: not a readable .npy file (no .npy header)")
    try:
        X = np.load(path, mmap_mode="r", allow_pickle=False)
    except _UNREADABLE as exc:
        raise ValueError(f"{what}: not a readable .npy file ({exc})") from None
    _check_features(X, what)
    return RawData(X=X, y=None)


def _check_features(X: np.ndarray, what: str, block: int = 65536) -> None:
    """2-d, non-empty, numeric and finite (checked in blocks of rows: X may be memory-mapped)."""
    if X.ndim != 2 or X.shape[0] == 0 or X.shape[1] == 0:
        raise ValueError(f"{what}: X must be 2-d and non-empty, got {X.shape}")
    if not np.issubdtype(X.dtype, np.number) and X.dtype != bool:
        raise ValueError(f"{what}: X must be numeric, got dtype {X.dtype}")
    if not np.issubdtype(X.dtype, np.inexact):
        return
    bad_columns: set[int] = set()
    for start in range(0, X.shape[0], block):
        bad = ~np.isfinite(X[start : start + block])
        bad_columns.update(np.flatnonzero(bad.any(axis=0)).tolist())
    if bad_columns:
        cols = sorted(bad_columns)[:20]
        raise ValueError(f"{what}: NaN or infinite values in X columns {cols}")
