"""``anomalab fit`` and ``anomalab score``: fit a detector and save it; score data with a saved
model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anomalab.cli.common import DataRoot, console, parse_params
from anomalab.cli_errors import fail, one_line


def _load_data(data: str, data_root: Path | None, label_column: str | None) -> Any:
    from anomalab.data import load_dataset

    try:
        return load_dataset(data, data_root, label_column=label_column)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(one_line(exc))


def _check_fit_out(out: Path, overwrite: bool) -> None:
    """Refuse to save a model over a file, or into a user's folder (unless ``overwrite``)."""
    from anomalab.persistence import is_model_folder

    if out.exists() and not out.is_dir():
        fail(f"--out {out} is a file; give a folder to save the model in")
    if out.is_dir() and any(out.iterdir()) and not overwrite and not is_model_folder(out):
        fail(
            f"--out {out} is a non-empty folder that holds no anomalab model; choose another "
            "folder, or pass --overwrite to write config.json and weights.safetensors into it"
        )


def fit(
    detector: Annotated[
        str, typer.Argument(help="Registered detector name (see `anomalab detectors list`).")
    ],
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the fitted model in.")],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column", help="Label column of a CSV/Parquet file (excluded from features)."
        ),
    ] = None,
    param: Annotated[
        list[str] | None, typer.Option("--param", help="Detector parameter key=value (repeatable).")
    ] = None,
    overwrite: Annotated[
        bool,
        typer.Option(
            "--overwrite", help="Save into --out even if it is a non-empty folder of other files."
        ),
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Fit a detector on a dataset and save it (config.json + weights.safetensors).

    Semi-supervised and supervised detectors receive the dataset's labels (1 = anomaly, 0 = the
    rest); unsupervised and one-class detectors see the features only.
    """
    from anomalab.params import check_params
    from anomalab.registry import get_spec

    try:
        spec = get_spec(detector)
        params = check_params(spec.cls, parse_params(param))
        if "verbose" in spec.cls._get_param_names():
            params.setdefault("verbose", True)
        model = spec.cls(**params)
    except (KeyError, TypeError, ValueError) as exc:
        fail(one_line(exc))
    _check_fit_out(out, overwrite)
    dataset = _load_data(data, data_root, label_column)
    y = None
    if spec.supervision in ("semi-supervised", "supervised"):
        if dataset.y is None:
            fail(f"{spec.name} needs labels: pass --label-column for {data}")
        y = dataset.y
    try:
        model.fit(dataset.X, y)
    except (TypeError, ValueError, ArithmeticError) as exc:
        fail(f"fitting {spec.name} failed: {one_line(exc)}")
    model.save(out, overwrite=True)  # _check_fit_out allowed this folder
    console.print(
        f"fitted {spec.name} on {dataset.name} ({dataset.X.shape[0]} rows); saved to {out}",
        highlight=False,
    )


def score(
    model_dir: Annotated[Path, typer.Argument(help="Folder written by `anomalab fit`.")],
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="CSV file to write (score, label per row).")],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column", help="Label column of a CSV/Parquet file (excluded from features)."
        ),
    ] = None,
    data_root: DataRoot = None,
) -> None:
    """Score a dataset with a saved model; write one row per sample (score, predicted label)."""
    import pandas as pd

    from anomalab import load
    from anomalab.metrics import auc_pr, auc_roc

    if out.is_dir():
        fail(f"--out {out} is a folder; give the CSV file to write")
    try:
        model = load(model_dir)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(one_line(exc))
    dataset = _load_data(data, data_root, label_column)
    try:
        scores = model.decision_function(dataset.X)
    except (TypeError, ValueError, ArithmeticError) as exc:
        fail(one_line(exc))
    frame = pd.DataFrame({"score": scores, "label": (scores > model.threshold_).astype(int)})
    if dataset.y is not None and dataset.kind != "image":
        frame["truth"] = dataset.y
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    message = f"scored {len(frame)} rows; wrote {out}"
    if "truth" in frame and frame["truth"].nunique() == 2:
        message += f" (AUC-ROC {auc_roc(frame.truth, scores):.4f}, AUC-PR {auc_pr(frame.truth, scores):.4f})"
    console.print(message, highlight=False)
