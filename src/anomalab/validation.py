"""Input validation shared by every detector: clear errors, never a change to the caller's data."""

from __future__ import annotations

import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

LABEL_VALUES = (-1, 0, 1)


#: Rows per block when scanning large inputs (bounded extra memory, also for ``np.memmap``).
SCAN_ROWS = 65536


def check_array(
    X: Any,
    *,
    name: str = "X",
    image: bool = False,
    image_shape: Sequence[int] | None = None,
    dtype: Any = None,
    min_samples: int = 1,
) -> np.ndarray:
    """Return ``X`` as a finite float array (a copy when conversion is needed; never modified).

    Tabular detectors get a 2-D ``(n_samples, n_features)`` array. Image detectors (``image=True``)
    accept ``(N, H, W)``, ``(N, C, H, W)`` or flattened ``(N, C*H*W)`` when ``image_shape`` is
    declared, and get ``(N, C, H, W)`` back. ``dtype`` (e.g. ``np.float32``, what the detector
    computes in) rejects values that are finite here but would overflow there. A float array
    (also a ``np.memmap``) is checked block by block and returned without a copy.
    """
    if X is None:
        raise TypeError(f"{name} is None: expected an array of shape (n_samples, n_features)")
    if _is_sparse(X):
        raise TypeError(
            f"sparse input is not supported: {name} is a {type(X).__name__}; "
            "pass a dense array (X.toarray())"
        )
    if hasattr(X, "to_numpy"):  # pandas DataFrame / Series: rows contiguous, as an array's
        X = np.ascontiguousarray(X.to_numpy())
    try:
        arr = np.asarray(X)
    except Exception as exc:  # ragged lists and the like
        raise TypeError(f"{name} could not be converted to a numeric array: {exc}") from exc
    if np.issubdtype(arr.dtype, np.complexfloating):
        raise ValueError(f"Complex data not supported: {name} has dtype {arr.dtype}")
    if arr.dtype == object:
        arr = _object_as_float(arr, name)
    if not (np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)):
        raise TypeError(
            f"{name} must be numeric, got dtype {arr.dtype}; encode categorical columns first "
            "(anomalab.data.load_table one-hot encodes them)"
        )
    if arr.ndim == 0 or arr.shape[0] < min_samples:
        n = 0 if arr.ndim == 0 else arr.shape[0]
        prefix = "empty input: " if n == 0 else ""
        raise ValueError(
            f"{prefix}{name} has {n} sample(s) (shape={arr.shape}) while a minimum of "
            f"{min_samples} is required."
        )
    if image:
        arr = _as_images(arr, name=name, image_shape=image_shape)
    elif arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D (n_samples, n_features), got {arr.ndim}-D array of shape "
            f"{arr.shape}; Reshape your data: X.reshape(1, -1) for a single sample, "
            "X.reshape(-1, 1) for a single feature"
        )
    if arr.shape[-1] == 0:
        raise ValueError(
            f"empty input: {name} has 0 feature(s) (shape={arr.shape}) while a minimum of 1 "
            "is required."
        )
    if not np.issubdtype(arr.dtype, np.floating):
        arr = arr.astype(np.float64)
    check_finite(arr, name=name, dtype=dtype)
    return arr


def check_finite(arr: np.ndarray, *, name: str = "X", dtype: Any = None) -> None:
    """Raise ``ValueError`` for NaN / infinity, or for values outside ``dtype``'s range, scanning
    ``arr`` in blocks of rows (no full-size temporary)."""
    limit = float(np.finfo(dtype).max) if dtype is not None else None
    if limit is not None and float(np.finfo(arr.dtype).max) <= limit:
        limit = None  # arr's own type cannot hold larger values
    step = max(1, SCAN_ROWS * 64 // max(1, int(np.prod(arr.shape[1:]))))
    for start in range(0, arr.shape[0], step):
        block = arr[start : start + step]
        bad = ~np.isfinite(block)
        if bad.any():
            first = np.argwhere(bad)[0]
            first[0] += start
            count = int(bad.sum()) + _count_bad(arr[start + step :])
            raise ValueError(
                f"{name} contains NaN or infinity in {count} entries (first at index "
                f"{tuple(first.tolist())}); impute or drop them before fitting"
            )
        if limit is not None:
            big = np.abs(block) > limit
            if big.any():
                at = np.argwhere(big)[0]
                value = float(block[tuple(at)])
                at[0] += start
                raise ValueError(
                    f"{name} has values beyond the {np.dtype(dtype).name} range the detector "
                    f"computes in (|x| > {limit:.3g}), e.g. {value:.3g} at index "
                    f"{tuple(at.tolist())}; rescale these features"
                )


def _count_bad(rest: np.ndarray) -> int:
    step = max(1, SCAN_ROWS * 64 // max(1, int(np.prod(rest.shape[1:]))))
    return sum(int((~np.isfinite(rest[i : i + step])).sum()) for i in range(0, rest.shape[0], step))


def _is_sparse(X: Any) -> bool:
    try:
        from scipy import sparse
    except ImportError:  # pragma: no cover - scipy is a dependency
        return False
    return bool(sparse.issparse(X))


def _object_as_float(arr: np.ndarray, name: str) -> np.ndarray:
    """Numbers held in an object array as float64 (scikit-learn's rule); anything else is a
    ``TypeError`` naming the entry's problem."""
    try:
        return arr.astype(np.float64)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"{name} must be numeric, got dtype object with a non-numeric entry ({exc}); "
            "encode categorical columns first (anomalab.data.load_table one-hot encodes them)"
        ) from None


def _as_images(arr: np.ndarray, *, name: str, image_shape: Sequence[int] | None) -> np.ndarray:
    if arr.ndim == 2:
        if image_shape is None:
            raise ValueError(
                f"{name} is 2-D (flattened) but no image_shape was declared: pass images as "
                "(N, H, W) or (N, C, H, W), or set image_shape=(C, H, W)"
            )
        shape = tuple(int(s) for s in image_shape)
        if int(np.prod(shape)) != arr.shape[1]:
            raise ValueError(
                f"image shape mismatch: {name} has {arr.shape[1]} features per row but "
                f"image_shape={shape} needs {int(np.prod(shape))}"
            )
        return arr.reshape((arr.shape[0], *shape))
    if arr.ndim == 3:
        return arr[:, None, :, :]
    if arr.ndim == 4:
        return arr
    raise ValueError(
        f"{name} must be images (N, H, W) or (N, C, H, W), got {arr.ndim}-D shape {arr.shape}"
    )


def check_labels(
    y: Any,
    n_samples: int,
    *,
    require_anomaly: bool = False,
    detector: str = "this detector",
) -> np.ndarray | None:
    """Validate labels in {1 labeled anomaly, 0 unlabeled, -1 labeled normal}; return int64 copy."""
    if y is None:
        if require_anomaly:
            raise ValueError(
                f"{detector} requires y to be passed, but the target y is None (y=None): it "
                "needs labels with at least one labeled anomaly (label 1)"
            )
        return None
    if hasattr(y, "to_numpy"):
        y = y.to_numpy()
    arr = np.asarray(y)
    if arr.ndim == 2 and arr.shape[1] == 1:
        arr = arr[:, 0]
    if arr.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {arr.shape}")
    if arr.shape[0] != n_samples:
        raise ValueError(f"y has {arr.shape[0]} labels but X has {n_samples} samples")
    if arr.dtype == object:
        try:
            arr = arr.astype(np.float64)
        except (TypeError, ValueError):
            pass
    if arr.dtype == object or not (
        np.issubdtype(arr.dtype, np.number) or np.issubdtype(arr.dtype, np.bool_)
    ):
        raise TypeError(
            f"Unknown label type: y must be numeric labels in {{-1, 0, 1}}, got dtype {arr.dtype}"
        )
    if np.issubdtype(arr.dtype, np.floating):
        if not np.all(np.isfinite(arr)):
            raise ValueError("y contains NaN or infinity; labels must be -1, 0 or 1")
        if not np.all(arr == np.round(arr)):
            raise ValueError("y contains non-integer values; labels must be -1, 0 or 1")
    arr = arr.astype(np.int64)
    bad = np.setdiff1d(np.unique(arr), LABEL_VALUES)
    if bad.size:
        raise ValueError(
            f"labels outside {{-1, 0, 1}} in y: {bad.tolist()[:10]} (1 = labeled anomaly, "
            "0 = unlabeled, -1 = labeled normal)"
        )
    if arr.size and np.all(arr == 1):
        raise ValueError(
            f"all {arr.size} rows of y are labeled anomalies (label 1): {detector} needs normal "
            "or unlabeled rows (label -1 or 0) to learn what is normal"
        )
    if require_anomaly and not np.any(arr == 1):
        raise ValueError(
            f"no labeled anomaly (label 1) in y: {detector} needs at least one labeled anomaly"
        )
    return arr


def check_contamination(contamination: Any, *, allow_auto: bool = False) -> float | str:
    """Contamination is a fraction in (0, 0.5], or "auto" where the method defines a threshold."""
    if isinstance(contamination, str):
        if contamination == "auto" and allow_auto:
            return contamination
        allowed = "a float in (0, 0.5]" + (' or "auto"' if allow_auto else "")
        raise ValueError(f"contamination must be {allowed}, got {contamination!r}")
    if isinstance(contamination, bool) or not isinstance(contamination, int | float):
        raise TypeError(f"contamination must be a float in (0, 0.5], got {contamination!r}")
    if not 0.0 < float(contamination) <= 0.5:
        raise ValueError(f"contamination must be in (0, 0.5], got {contamination}")
    return float(contamination)


#: Training parameters many detectors share: (least value, whether it must be an integer).
TRAINING_BOUNDS = {
    "epochs": (1, True),
    "batch_size": (1, True),
    "min_steps": (0, True),
    "lr": (0, False),
    "weight_decay": (0, False),
}


#: Sizes of a network or of its training: an integer >= 1 (a width 0 would build a layer of no
#: units, which trains without error into a constant).
SIZES = (
    "conv_fc", "est_hidden", "inner_epochs", "intrinsic_dim", "latent_dim", "lr_step", "n_gmm",
    "n_ref", "rep_dim", "smote_k", "steps_per_epoch", "vae_hidden", "vae_latent",
)  # fmt: skip
#: Layer widths given as a list: each an integer >= 1 (``"auto"`` is a detector's own rule).
SIZE_LISTS = (
    "ae_hidden", "channels", "conv_channels", "head_dims", "hidden_dims", "nd_hidden",
    "ns_hidden", "scorer_hidden", "tabular_clf_dims",
)  # fmt: skip


def _is_size(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool) and value >= 1


def check_training(params: dict[str, Any]) -> dict[str, Any]:
    """``params`` unchanged when each shared training parameter it sets is a number in range
    (``epochs`` / ``batch_size`` integers >= 1, ``min_steps`` >= 0, ``lr`` and ``weight_decay``
    >= 0, as torch's optimizers take them) and each network size (``SIZES``, ``SIZE_LISTS``) an
    integer >= 1; a one-line ``ValueError`` naming the first that is not."""
    for name in SIZES:
        value = params.get(name)
        if value is not None and not _is_size(value):
            raise ValueError(f"{name} must be an integer >= 1, got {value!r}")
    for name in SIZE_LISTS:
        value = params.get(name)
        if value is None or value == "auto":  # the detector's own rule, where it has one
            continue
        if (
            isinstance(value, str)
            or not isinstance(value, Sequence)
            or not all(map(_is_size, value))
        ):
            raise ValueError(f"{name} must be a list of integers >= 1, got {value!r}")
    for name, (least, integral) in TRAINING_BOUNDS.items():
        value = params.get(name)
        if value is None:
            continue
        kind = numbers.Integral if integral else numbers.Real
        bad = isinstance(value, bool) or not isinstance(value, kind) or not math.isfinite(value)
        if bad or value < least:
            rule = "an integer" if integral else "a number"
            raise ValueError(f"{name} must be {rule} >= {least}, got {value!r}")
    return params


def feature_names_of(X: Any) -> np.ndarray | None:
    """The column names of a table (a pandas or polars DataFrame) when all are strings, as an
    object array (scikit-learn's ``feature_names_in_``); None for arrays and unnamed columns."""
    columns = getattr(X, "columns", None)
    if columns is None or len(columns) == 0:
        return None
    names = list(columns)
    if not all(isinstance(c, str) for c in names):
        return None
    return np.asarray(names, dtype=object)


def check_feature_names(detector: Any, X: Any, *, reset: bool) -> None:
    """Record ``feature_names_in_`` when fitting (``reset``), or check ``X``'s column names
    against them: a table whose columns differ from the fitted ones, or come in another order,
    is a ``ValueError``; an unnamed array after a fit on named columns warns (scikit-learn's
    rules; the columns are then taken in the fitted order)."""
    names = feature_names_of(X)
    if reset:
        if names is None:
            detector.__dict__.pop("feature_names_in_", None)
        else:
            detector.feature_names_in_ = names
        return
    fitted = getattr(detector, "feature_names_in_", None)
    if fitted is None:
        return
    who = detector._name() if hasattr(detector, "_name") else type(detector).__name__
    if names is None:
        warnings.warn(
            f"X has no column names, but {who} was fitted with named columns; its columns are "
            "taken in the fitted order",
            UserWarning,
            stacklevel=4,
        )
        return
    if list(names) == list(fitted):
        return
    given, known = set(names), set(fitted)
    missing = [c for c in fitted if c not in given]
    unexpected = [c for c in names if c not in known]
    if missing or unexpected:
        raise ValueError(
            f"X's columns differ from those {who} was fitted with: "
            + column_difference(missing, unexpected)
        )
    if len(names) != len(fitted):  # the same names, repeated another number of times
        raise ValueError(f"X has {len(names)} columns; {who} was fitted with {len(fitted)}")
    first = next(i for i, (a, b) in enumerate(zip(names, fitted, strict=True)) if a != b)
    raise ValueError(
        f"X's columns are in another order than in fit (column {first} is {names[first]!r}, "
        f"fitted {fitted[first]!r}); select them as X[detector.feature_names_in_]"
    )


def column_difference(missing: Sequence[str], unexpected: Sequence[str], shown: int = 5) -> str:
    """ "missing [...]; not seen in fit [...]" (the non-empty parts, ``shown`` names each)."""
    parts = []
    for label, names in (("missing", missing), ("not seen in fit", unexpected)):
        if names:
            more = f" and {len(names) - shown} more" if len(names) > shown else ""
            parts.append(f"{label} {list(names[:shown])}{more}")
    return "; ".join(parts)
