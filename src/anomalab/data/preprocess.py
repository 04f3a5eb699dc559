"""Encoding, label checks and train-only scaling (pandas / scikit-learn)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd
from sklearn.preprocessing import MinMaxScaler, StandardScaler

from anomalab.data.dataset import RawData

SCALERS = {"minmax": MinMaxScaler, "standard": StandardScaler}
_STR_LABELS = {"1": 1.0, "0": 0.0, "true": 1.0, "false": 0.0}


def categorical_columns(df: pd.DataFrame) -> list[str]:
    """Columns that are neither numeric nor boolean (strings, objects, categoricals)."""
    return [
        c
        for c in df.columns
        if not (pd.api.types.is_numeric_dtype(df[c]) or pd.api.types.is_bool_dtype(df[c]))
    ]


def one_hot(
    df: pd.DataFrame,
    categories: Mapping[str, Sequence[str]] | None = None,
    *,
    dtype: type = np.float64,
    source: str = "its declared categories",
) -> pd.DataFrame:
    """One-hot encode the non-numeric columns (``name=value``); numeric and bool columns stay.

    ``categories`` fixes the vocabulary of some columns (e.g. an ARFF header): every level gets a
    column even if absent, and values outside it raise ``ValueError`` (naming ``source``, where
    the vocabulary comes from). Missing values (NaN) encode as all-zero rows of that attribute.
    An integer ``dtype`` needs all-categorical data.
    """
    df = df.copy()
    cats = dict(categories or {})
    for col, levels in cats.items():
        column = df[col].astype("category")
        present = column.cat.categories[np.unique(column.cat.codes[column.cat.codes >= 0])]
        unknown = pd.Index(present).difference(pd.Index(levels))
        if len(unknown):
            raise ValueError(f"column {col!r} has values outside {source}: {list(unknown[:10])}")
        df[col] = column.cat.set_categories(list(levels))
    columns = sorted(set(categorical_columns(df)) | set(cats), key=list(df.columns).index)
    numeric = [c for c in df.columns if c not in columns and not pd.api.types.is_bool_dtype(df[c])]
    if numeric and not np.issubdtype(dtype, np.floating):
        raise ValueError(f"dtype {dtype.__name__} would truncate numeric columns {numeric[:5]}")
    bools = [c for c in df.columns if pd.api.types.is_bool_dtype(df[c])]
    df[bools] = df[bools].astype(dtype)
    if not columns:
        return df.astype(dtype)
    return pd.get_dummies(df, columns=columns, prefix_sep="=", dtype=dtype).astype(dtype)


def fitted_levels(df: pd.DataFrame, columns: Sequence[str]) -> dict[str, list[str]]:
    """Each text column's levels as a model's encoded ``columns`` name them (``column=level``,
    in the model's order): encoding with them gives every level its column, also one absent
    from ``df``."""
    levels: dict[str, list[str]] = {}
    for col in categorical_columns(df):
        prefix = f"{col}="
        found = [c[len(prefix) :] for c in columns if c.startswith(prefix)]
        if found:
            levels[col] = found
    return levels


def match_columns(features: pd.DataFrame, columns: Sequence[str], what: str) -> pd.DataFrame:
    """``features`` with exactly the encoded ``columns`` a model was fitted on, in their order
    (a table's columns are matched by name); a column missing or not seen in training is a
    ``ValueError`` naming them."""
    have = [str(c) for c in features.columns]
    wanted = [str(c) for c in columns]
    have_set, wanted_set = set(have), set(wanted)
    missing = [c for c in wanted if c not in have_set]
    unexpected = [c for c in have if c not in wanted_set]
    if missing or unexpected:
        parts = [
            f"{label} {names[:5]}"
            for label, names in (("missing", missing), ("not seen in training", unexpected))
            if names
        ]
        raise ValueError(
            f"{what}: its columns differ from the ones the model was fitted on: {'; '.join(parts)}"
        )
    return features.set_axis(have, axis=1)[wanted]


def check_mixed_columns(df: pd.DataFrame, what: str, *, first_line: int | None = None) -> None:
    """Raise ``ValueError`` for a text column that is mostly numbers: a few stray cells would
    otherwise one-hot encode every number into its own column. Names the column and the first
    bad row (and its file line, given the line of the first data row)."""
    for col in categorical_columns(df):
        values = df[col]
        present = values.notna().to_numpy()
        parsed = pd.to_numeric(values, errors="coerce").notna().to_numpy()
        bad = present & ~parsed
        if not bad.any() or parsed.sum() <= present.sum() / 2:
            continue
        row = int(np.flatnonzero(bad)[0])
        line = "" if first_line is None else f", line {row + first_line} of the file"
        raise ValueError(
            f"{what}: column {col!r} is numeric but for {int(bad.sum())} cell(s) that are not "
            f"numbers, the first in row {row + 1}{line}: {values.iloc[row]!r}; fix or drop them"
        )


#: A text column with more distinct values than this and than half its rows is refused.
MAX_TEXT_LEVELS = 100


def check_identifier_columns(df: pd.DataFrame, what: str) -> None:
    """Raise ``ValueError`` for a text column that looks like an identifier (more than
    ``MAX_TEXT_LEVELS`` distinct values, and more than half the rows): one-hot encoding would
    give it one feature per row, which no detector can use."""
    for col in categorical_columns(df):
        levels = int(df[col].nunique())
        if levels > MAX_TEXT_LEVELS and levels > len(df) / 2:
            raise ValueError(
                f"{what}: text column {col!r} has {levels} distinct values in {len(df)} rows "
                "(an identifier?); one-hot encoding would make one feature per value: drop it, "
                "or encode it as numbers first"
            )


def check_missing(df: pd.DataFrame, what: str, *, allow_missing_categories: bool = False) -> None:
    """Raise ``ValueError`` naming the columns that hold NaN (or inf, for numeric columns).

    With ``allow_missing_categories`` a NaN in a non-numeric column is accepted (it one-hot
    encodes to an all-zero group).
    """
    bad: dict[str, int] = {}
    cats = set(categorical_columns(df))
    for col in df.columns:
        if col in cats:
            n = 0 if allow_missing_categories else int(df[col].isna().sum())
        else:
            values = df[col].to_numpy(dtype=np.float64, na_value=np.nan)
            n = int((~np.isfinite(values)).sum())
        if n:
            bad[str(col)] = n
    if bad:
        raise ValueError(
            f"{what}: missing (NaN) or infinite values in feature columns {bad} "
            "(column: number of rows); fill or drop them first"
        )


def binary_labels(
    values: pd.Series | np.ndarray, column: str, *, labeled_normal: bool = False
) -> np.ndarray:
    """Map a label column to int64 0/1 (1 = anomaly).

    Accepted values: 0/1, True/False, "0"/"1", "true"/"false". Anything else (-1, 2, "yes",
    NaN ...) raises ``ValueError`` naming the column and the bad values. ``labeled_normal``:
    training labels, where -1 (or "-1") marks a row known to be normal and 0 an unlabeled row
    (what :func:`anomalab.select` and the label-using detectors take).
    """
    allowed = (-1, 0, 1) if labeled_normal else (0, 1)
    arr = np.asarray(values)
    if arr.dtype.kind in "biuf":  # fast path for numeric arrays
        ok = np.isin(arr, allowed)
        if ok.all():
            return arr.astype(np.int64).ravel()
    s = pd.Series(arr.ravel()) if arr.ndim > 1 else pd.Series(values)
    mapped = s.map(lambda v: _to_binary(v, labeled_normal))
    if mapped.isna().any():
        bad = pd.unique(s[mapped.isna()])
        meaning = (
            "1 = anomaly, 0 = unlabeled, -1 = known normal"
            if labeled_normal
            else "1 = anomaly, 0 = normal; -1 is not allowed"
        )
        raise ValueError(
            f"label column {column!r} holds values other than "
            f"{'-1/' if labeled_normal else ''}0/1/True/False: "
            f"{sorted(repr(v.item() if isinstance(v, np.generic) else v) for v in bad)[:10]} "
            f"({meaning})"
        )
    return mapped.to_numpy(dtype=np.int64)


def encode_frame(
    df: pd.DataFrame,
    label_column: str | None,
    what: str,
    *,
    categories: Mapping[str, Sequence[str]] | None = None,
    dtype: type = np.float64,
    allow_missing_categories: bool = False,
    labeled_normal: bool = False,
    columns: Sequence[str] | None = None,
) -> RawData:
    """Split a table into one-hot encoded features and 0/1 labels; refuse NaN/inf features.

    Non-numeric columns are one-hot encoded (see :func:`one_hot`); ``dtype`` is the output
    dtype of ``X``; ``labeled_normal``: labels may also be -1 (:func:`binary_labels`).
    ``columns``: a fitted model's encoded columns (its ``feature_names_in_``); the features are
    then encoded to exactly those, in their order (:func:`match_columns`).
    """
    if len(df) == 0:
        raise ValueError(f"{what}: no rows")
    y = None
    if label_column is not None:
        if label_column not in df.columns:
            raise ValueError(
                f"{what}: label column {label_column!r} not found; columns are {list(df.columns)}"
            )
        y = binary_labels(df[label_column], label_column, labeled_normal=labeled_normal)
        df = df.drop(columns=label_column)
    if df.shape[1] == 0:
        raise ValueError(f"{what}: no feature columns")
    check_missing(df, what, allow_missing_categories=allow_missing_categories)
    if columns is None:
        features = one_hot(df, categories, dtype=dtype)
    else:
        levels = {**fitted_levels(df, columns), **dict(categories or {})}
        try:
            encoded = one_hot(df, levels, dtype=dtype, source="the levels the model was fitted on")
        except ValueError as exc:
            raise ValueError(f"{what}: {exc}") from None
        features = match_columns(encoded, columns, what)
    return RawData(
        X=features.to_numpy(dtype=dtype),
        y=y,
        feature_names=[str(c) for c in features.columns],
    )


def _to_binary(v: object, labeled_normal: bool = False) -> float:
    """1.0 / 0.0 (and -1.0 with ``labeled_normal``) for an accepted label value, NaN otherwise."""
    allowed = (-1, 0, 1) if labeled_normal else (0, 1)
    if isinstance(v, bool | np.bool_):
        return float(bool(v))
    if isinstance(v, int | np.integer | float | np.floating):
        return float(v) if v in allowed else np.nan
    if isinstance(v, str):
        text = v.strip().lower()
        if labeled_normal and text in ("-1", "-1.0"):
            return -1.0
        return _STR_LABELS.get(text, np.nan)
    return np.nan


def scale_split(
    X_train: np.ndarray, X_test: np.ndarray, scale: str | None
) -> tuple[np.ndarray, np.ndarray]:
    """Fit a scaler on ``X_train`` only and apply it to both parts (new float64 arrays).

    ``scale``: ``"minmax"``, ``"standard"`` or ``None`` (copies as float64). Test values are not
    clipped: after ``"minmax"`` they may fall outside [0, 1].
    """
    if scale is None:
        return np.array(X_train, dtype=np.float64), np.array(X_test, dtype=np.float64)
    if scale not in SCALERS:
        raise ValueError(f"unknown scale {scale!r}; use one of {sorted(SCALERS)} or None")
    if X_train.ndim != 2:
        raise ValueError(f"scale={scale!r} needs 2-d data, got shape {X_train.shape}")
    scaler = SCALERS[scale]().fit(X_train)
    return (
        np.asarray(scaler.transform(X_train), dtype=np.float64),
        np.asarray(scaler.transform(X_test), dtype=np.float64),
    )


def standardization_stats(
    X: np.ndarray, enabled: bool = True, axis: int | tuple[int, ...] = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Per-feature (or per-channel) mean and scale of training data for z-scoring.

    Zero-variance features get scale 1; ``enabled=False`` gives the identity (0, 1). The kept
    dimension is ``X.shape[1]`` (features, or channels of ``(N, C, H, W)`` images with
    ``axis=(0, 2, 3)``).
    """
    if not enabled:
        return np.zeros(X.shape[1]), np.ones(X.shape[1])
    scale = X.std(axis=axis)
    return X.mean(axis=axis), np.where(scale > 0, scale, 1.0)


def global_contrast_normalization(images: np.ndarray) -> np.ndarray:
    """Deep SVDD's per-image global contrast normalisation with the L1 scale: subtract each
    image's mean, divide by its mean absolute deviation (a constant image stays at 0). Returns a
    new float64 array."""
    flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
    centred = flat - flat.mean(axis=1, keepdims=True)
    scale = np.abs(centred).mean(axis=1, keepdims=True)
    return (centred / np.where(scale > 0, scale, 1.0)).reshape(np.shape(images))
