"""``anomalab fit`` and ``anomalab score``: fit a detector and save it; score data with a saved
model."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from anomalab.cli.common import DataRoot, console, parse_params
from anomalab.cli_errors import fail, one_line


def _load_data(
    data: str,
    data_root: Path | None,
    label_column: str | None,
    *,
    training: bool = False,
    columns: Any = None,
) -> Any:
    """The dataset or user file; ``training``: its labels train a model (-1 allowed: a row
    known to be normal); ``columns``: a model's ``feature_names_in_``, which a user table is
    encoded to (matched by name)."""
    from anomalab.data import load_dataset

    names = None if columns is None else [str(c) for c in columns]
    try:
        return load_dataset(
            data, data_root, label_column=label_column, labeled_normal=training, columns=names
        )
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(one_line(exc))


def _features(dataset: Any, rows: Any = None) -> Any:
    """``dataset.X`` (its ``rows``), as a table with the column names where it has them, so that
    a model records them at fit and checks them at scoring (``feature_names_in_``)."""
    X = dataset.X if rows is None else dataset.X[rows]
    names = dataset.feature_names
    if dataset.kind == "image" or X.ndim != 2 or names is None or len(names) != X.shape[1]:
        return X
    import pandas as pd

    return pd.DataFrame(X, columns=[str(n) for n in names], copy=False)


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
        str,
        typer.Argument(
            help="Registered detector or peer name, e.g. SGAE or IForest (`anomalab detectors "
            "list`)."
        ),
    ],
    data: Annotated[
        str, typer.Argument(help="Catalog dataset name, or a CSV / Parquet / npz / npy file.")
    ],
    out: Annotated[Path, typer.Option("--out", help="Folder to save the fitted model in.")],
    label_column: Annotated[
        str | None,
        typer.Option(
            "--label-column",
            help="Label column of a CSV/Parquet file (excluded from features): 1 anomaly, 0 "
            "unlabeled or normal, -1 known normal.",
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
    rest, or unlabeled; in a user file -1 marks a row known to be normal); unsupervised and
    one-class detectors see the features only.
    """
    from anomalab.entrants import check_entrant_name, is_peer
    from anomalab.params import check_params
    from anomalab.peers import PEERS, make_peer
    from anomalab.registry import get_spec

    try:
        name = check_entrant_name(detector)
        if is_peer(name):  # a peer's own library parameters
            supervision = PEERS[name].supervision
            model: Any = make_peer(name, parse_params(param))
        else:
            spec = get_spec(name)
            supervision = spec.supervision
            params = check_params(spec.cls, parse_params(param))
            if "verbose" in spec.cls._get_param_names():
                params.setdefault("verbose", True)
            model = spec.cls(**params)
    except (KeyError, TypeError, ValueError, ImportError) as exc:
        fail(one_line(exc))
    _check_fit_out(out, overwrite)
    dataset = _load_data(data, data_root, label_column, training=True)
    y = None
    if supervision in ("semi-supervised", "supervised"):
        if dataset.y is None:
            fail(f"{name} needs labels: pass --label-column for {data}")
        y = dataset.y
    try:
        model.fit(_features(dataset), y)
    except (TypeError, ValueError, ArithmeticError) as exc:
        fail(f"fitting {name} failed: {one_line(exc)}")
    model.save(out, overwrite=True)  # _check_fit_out allowed this folder
    console.print(
        f"fitted {name} on {dataset.name} ({dataset.X.shape[0]} rows); saved to {out}",
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
            "--label-column",
            help="Label column of a CSV/Parquet file (excluded from features): 1 anomaly, 0 "
            "unlabeled or normal, -1 known normal.",
        ),
    ] = None,
    explain: Annotated[
        int | None,
        typer.Option(
            "--explain",
            metavar="K",
            help="Add the K features that contribute most to each flagged row's score "
            "(columns top1_feature, top1_contribution, ...; empty for unflagged rows).",
        ),
    ] = None,
    explain_figure: Annotated[
        Path | None,
        typer.Option(
            "--explain-figure",
            help="With --explain: also write a PNG bar chart of the top-scored rows' top features "
            "(a new file).",
        ),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace an existing --out file.")
    ] = False,
    data_root: DataRoot = None,
) -> None:
    """Score a dataset with a saved model; write one row per sample (score, predicted label).

    A CSV / Parquet table is matched to the columns the model was fitted on by name (any order;
    each text column encoded with the model's levels, a level absent here as zeros); a column or
    a level the model never saw is an error.

    ``--explain K`` adds, for every row the model flags (label 1), its K largest contributions
    to the score (``explain``: the detector family's method) and the names of those features
    (the CSV header's, else x0, x1, ...)."""
    import pandas as pd

    from anomalab import load
    from anomalab.metrics import auc_pr, auc_roc

    if out.is_dir():
        fail(f"--out {out} is a folder; give the CSV file to write")
    if out.exists() and not overwrite:
        fail(f"--out {out} exists; pass --overwrite to replace it, or give another file")
    _check_explain_options(explain, explain_figure)
    try:
        model = load(model_dir)
    except (FileNotFoundError, ValueError, KeyError) as exc:
        fail(one_line(exc))
    columns = getattr(model, "feature_names_in_", None)
    dataset = _load_data(data, data_root, label_column, columns=columns)
    try:
        scores = model.decision_function(_features(dataset))
    except (TypeError, ValueError, ArithmeticError) as exc:
        fail(one_line(exc))
    frame = pd.DataFrame({"score": scores, "label": (scores > model.threshold_).astype(int)})
    if dataset.y is not None and dataset.kind != "image":
        frame["truth"] = dataset.y
    if explain is not None:
        frame = frame.join(_top_features_frame(model, dataset, frame.label.to_numpy(), explain))
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(out, index=False)
    message = f"scored {len(frame)} rows; wrote {out}"
    if explain_figure is not None:
        _write_explanation_figure(model, dataset, scores, explain_figure)
        message += f" and {explain_figure}"
    if "truth" in frame and frame["truth"].nunique() == 2:
        message += f" (AUC-ROC {auc_roc(frame.truth, scores):.4f}, AUC-PR {auc_pr(frame.truth, scores):.4f})"
    console.print(message, highlight=False)


def _check_explain_options(explain: int | None, figure: Path | None) -> None:
    if explain is not None and explain < 1:
        fail(f"--explain K needs K >= 1 features per row, got {explain}")
    if figure is not None:
        if explain is None:
            fail("--explain-figure needs --explain K")
        if figure.exists():
            fail(f"--explain-figure {figure} exists; give a new PNG file to write")


def _feature_names(dataset: Any) -> list[str]:
    n_features = dataset.X.shape[1]
    names = dataset.feature_names
    if names is not None and len(names) == n_features:
        return [str(name) for name in names]
    return [f"x{j}" for j in range(n_features)]


def _top_features_frame(model: Any, dataset: Any, labels: Any, k: int) -> Any:
    """Columns top<i>_feature / top<i>_contribution, filled for the flagged rows."""
    import numpy as np
    import pandas as pd

    from anomalab.explain import top_features

    if dataset.kind == "image" or dataset.X.ndim != 2:
        fail("--explain supports tabular data only")
    names = np.asarray(_feature_names(dataset), dtype=object)
    if k > len(names):
        fail(f"--explain {k}: the data has {len(names)} features")
    flagged = np.flatnonzero(labels == 1)
    columns: dict[str, Any] = {}
    for i in range(1, k + 1):
        columns[f"top{i}_feature"] = pd.Series(index=range(len(labels)), dtype=object)
        columns[f"top{i}_contribution"] = pd.Series(index=range(len(labels)), dtype=float)
    if len(flagged):
        try:
            contributions = model.explain(_features(dataset, flagged))
        except (TypeError, ValueError, ArithmeticError) as exc:
            fail(one_line(exc))
        index, values = top_features(contributions, k)
        for i in range(k):
            columns[f"top{i + 1}_feature"].iloc[flagged] = names[index[:, i]]
            columns[f"top{i + 1}_contribution"].iloc[flagged] = values[:, i]
    return pd.DataFrame(columns)


def _write_explanation_figure(model: Any, dataset: Any, scores: Any, path: Path) -> None:
    from anomalab.bench.figures import explanation_figure

    try:
        png = explanation_figure(model, _features(dataset), _feature_names(dataset), scores=scores)
    except (TypeError, ValueError, ArithmeticError) as exc:
        fail(one_line(exc))
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "xb") as handle:  # never over a file that appeared meanwhile
        handle.write(png)
