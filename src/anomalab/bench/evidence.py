"""Build the selection's evidence table from archived benchmark stores (``anomalab selection
evidence``).

Rows kept: cells that finished (``status == "ok"``) on the catalog's ADBench datasets, of entrants
run with their defaults (the store's ``params`` name the detector and nothing else: a registered
detector's recommended preset, or a peer as shipped). Per (dataset, detector, protocol): mean and
std over seeds of AUC-ROC and AUC-PR, and the median fit seconds. Per dataset: the training rows
and meta-features of the unsupervised protocol's training part (seed 0), which is what those
detectors were fitted on.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path

import pandas as pd

from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.selection.evidence import DATASETS_FILE, RANKING_PROTOCOL, RESULTS_FILE
from anomalab.selection.meta import META_FEATURES, meta_features

#: The archived stores the shipped evidence is built from (under ``runs/``), each with the suite
#: whose cells it takes: a store also holds other suites' cells, and cells of a detector's
#: earlier recommended revision, which only the cell key tells apart.
DEFAULT_STORES = {
    "recommended/unsupervised": "adbench-unsup",  # recommended presets and peers, 3 seeds
    "recommended/recommended-confirm-semi": "recommended-confirm-semi",  # 5 % labels: fit times
}


def package_evidence_folder() -> Path:
    """Where the package reads its evidence (the source tree in a checkout)."""
    import anomalab.selection

    return Path(anomalab.selection.__file__).parent / "evidence"


def default_entrant_rows(frame: pd.DataFrame, datasets: Sequence[str]) -> pd.DataFrame:
    """Finished cells of default entrants (params = the detector's name only) on ``datasets``."""
    params = frame["params"].map(lambda p: p if isinstance(p, dict) else json.loads(p))
    plain = params.map(lambda p: list(p) == ["detector"]) & (
        frame["detector"] == params.map(lambda p: p.get("detector"))
    )
    keep = plain & (frame["status"] == "ok") & frame["dataset"].isin(datasets)
    return frame[keep]


def summarise(cells: pd.DataFrame) -> pd.DataFrame:
    """One row per (dataset, detector, protocol): seeds, mean/std AUC-ROC and AUC-PR, median
    fit seconds."""
    grouped = cells.groupby(["dataset", "detector", "protocol"], sort=True)
    out = grouped.agg(
        seeds=("seed", "nunique"),
        auc_roc=("auc_roc", "mean"),
        auc_roc_std=("auc_roc", "std"),
        auc_pr=("auc_pr", "mean"),
        auc_pr_std=("auc_pr", "std"),
        fit_seconds=("fit_seconds", "median"),
    )
    return out.reset_index()


def build_evidence(
    runs: str | Path,
    out: str | Path | None = None,
    stores: Mapping[str, str] = DEFAULT_STORES,
    data_root: str | None = None,
) -> tuple[Path, Path]:
    """Write ``datasets.csv`` and ``results.csv`` into ``out`` (default: the package's evidence
    folder) from the ``stores`` under ``runs`` (store -> the suite whose cells count); return
    their paths."""
    from anomalab.bench.suites import load_suite
    from anomalab.data import catalog, load_dataset, make_task

    adbench = [i.name for i in catalog(data_root).values() if i.group == "adbench"]
    frames = []
    for name, suite in stores.items():
        path = Path(runs) / name / STORE_FILE
        if not path.exists():
            raise FileNotFoundError(f"no results store at {path} (run `anomalab results restore`)")
        keys = [cell.key for cell in load_suite(suite, data_root).cells()]
        frames.append(default_entrant_rows(ResultStore(path).frame(keys), adbench))
    cells = pd.concat(frames, ignore_index=True)
    ranked = cells[cells["protocol"] == RANKING_PROTOCOL]
    if ranked.empty:
        raise ValueError(f"the stores hold no {RANKING_PROTOCOL} cells on ADBench datasets")
    summary = summarise(cells)
    meta_rows, rows_of = [], {}
    for dataset in sorted(ranked["dataset"].unique(), key=adbench.index):
        loaded = load_dataset(dataset, data_root)
        for protocol, params in _protocols(cells[cells["dataset"] == dataset]):
            task = make_task(loaded, protocol, 0, **params)
            rows_of[(dataset, protocol)] = len(task.X_train)
            if protocol == RANKING_PROTOCOL:
                meta = meta_features(task.X_train, seed=0)
                meta_rows.append({"dataset": dataset, "n_train": len(task.X_train), **meta})
    summary.insert(
        3,
        "n_train",
        [rows_of[(d, p)] for d, p in zip(summary.dataset, summary.protocol, strict=True)],
    )
    folder = Path(out) if out is not None else package_evidence_folder()
    folder.mkdir(parents=True, exist_ok=True)
    datasets = pd.DataFrame(meta_rows, columns=["dataset", "n_train", *META_FEATURES])
    datasets.to_csv(folder / DATASETS_FILE, index=False, float_format="%.6g")
    summary.to_csv(folder / RESULTS_FILE, index=False, float_format="%.6g")
    return folder / DATASETS_FILE, folder / RESULTS_FILE


def _protocols(cells: pd.DataFrame) -> list[tuple[str, dict[str, object]]]:
    """The distinct (protocol, protocol params) of a dataset's cells."""
    pairs = cells[["protocol", "protocol_params"]].astype(str).drop_duplicates()
    return [(p, json.loads(pp)) for p, pp in pairs.itertuples(index=False)]
