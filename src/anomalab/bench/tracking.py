"""Optional MLflow logging of benchmark cells: ``anomalab bench --mlflow URI``.

Each cell becomes one MLflow run in the experiment (default: the suite's name) with the cell's
parameters (detector, its params, dataset, protocol and its params, seed, cell key), its metrics
(AUC-ROC, AUC-PR, F1, KS, fit / score seconds), tags (status, library versions, error) and, for
anomalab detectors, the fitted model folder written by ``detector.save`` as the artifact
``model``. Peer adapters are not logged (their saved folder holds the training rows, refitted on
load); their runs carry the tag ``model_artifact = none (peer)``. Uses ``MlflowClient`` (no global MLflow state), so it is
safe in worker processes. Needs the ``tracking`` extra (``mlflow-skinny``). A local file store
(``file:./mlruns``) works: MLflow 3 refuses it unless ``MLFLOW_ALLOW_FILE_STORE=true``, which is set
for file URIs when unset.
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

METRICS = ("auc_roc", "auc_pr", "f1", "ks", "fit_seconds", "score_seconds")


def _client(uri: str) -> Any:
    if "://" not in uri or uri.startswith("file:"):
        # MLflow 3 keeps its filesystem backend in "maintenance mode" and refuses it unless told;
        # a user who passes a file URI has chosen it.
        os.environ.setdefault("MLFLOW_ALLOW_FILE_STORE", "true")
    try:
        from mlflow.tracking import MlflowClient
    except ImportError as exc:  # pragma: no cover - the tracking extra is absent
        raise ImportError("--mlflow needs MLflow: pip install 'anomalab[tracking]'") from exc
    return MlflowClient(tracking_uri=uri)


def ensure_experiment(tracking: dict[str, str]) -> str:
    """The id of ``tracking['experiment']`` at ``tracking['uri']``, created if missing."""
    client = _client(tracking["uri"])
    name = tracking["experiment"]
    found = client.get_experiment_by_name(name)
    if found is not None:
        return str(found.experiment_id)
    try:
        return str(client.create_experiment(name))
    except Exception:  # created meanwhile by another process
        found = client.get_experiment_by_name(name)
        if found is None:
            raise
        return str(found.experiment_id)


def _flat(prefix: str, params: dict[str, Any]) -> dict[str, str]:
    return {f"{prefix}.{k}": json.dumps(v, default=str)[:500] for k, v in sorted(params.items())}


def log_cell(tracking: dict[str, str], row: dict[str, Any], detector: Any | None) -> None:
    """Log one finished cell (its store ``row`` and fitted ``detector``) as an MLflow run.

    A logging failure never fails the cell: it is appended to the row's ``error`` field.
    """
    try:
        _log(tracking, row, detector)
    except Exception as exc:
        note = f"mlflow logging failed: {type(exc).__name__}: {exc}"
        row["error"] = f"{row['error']}\n{note}" if row.get("error") else note


def _log(tracking: dict[str, str], row: dict[str, Any], detector: Any | None) -> None:
    from mlflow.entities import Metric, Param, RunTag

    from anomalab.peers import PeerAdapter

    client = _client(tracking["uri"])
    experiment = ensure_experiment(tracking)
    params = dict(row["params"])
    name = params.pop("detector")
    run = client.create_run(
        experiment, run_name=f"{row['detector']}/{row['dataset']}/seed{row['seed']}"
    )
    run_id = run.info.run_id
    values = {
        "entrant": str(row["detector"]),
        "detector": str(name),
        "dataset": str(row["dataset"]),
        "protocol": str(row["protocol"]),
        "seed": str(row["seed"]),
        "cell_key": str(row["cell_key"]),
        **_flat("param", params),
        **_flat("protocol", row["protocol_params"]),
    }
    now = int(time.time() * 1000)
    metrics = [Metric(m, float(row[m]), now, 0) for m in METRICS if row.get(m) is not None]
    tags = {"status": row["status"], "versions": json.dumps(row["versions"], sort_keys=True)}
    if row.get("error"):
        tags["error"] = str(row["error"])[:4000]
    if detector is None:
        tags["model_artifact"] = "none (cell failed)"
    elif isinstance(detector, PeerAdapter):
        tags["model_artifact"] = "none (peer)"
    else:
        with tempfile.TemporaryDirectory() as tmp:
            folder = detector.save(Path(tmp) / "model")
            client.log_artifacts(run_id, str(folder), artifact_path="model")
        tags["model_artifact"] = "model"
    client.log_batch(
        run_id,
        metrics=metrics,
        params=[Param(k, v) for k, v in values.items()],
        tags=[RunTag(k, v) for k, v in tags.items()],
    )
    client.set_terminated(run_id, status="FINISHED" if row["status"] == "ok" else "FAILED")
