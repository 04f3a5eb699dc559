"""Does ``anomalab.select`` keep its time budget on a 100,000-row table?

For each large catalog table, 100,000 rows drawn at random (seed 0): ``select`` with
``budget_seconds=60``, without labels and with 5 % of the anomalies labeled (the rest 0,
unlabeled). Recorded: wall seconds from the call to the fitted model, what it chose, which
candidates it skipped for the budget, and, side by side in the same process, the seconds a
plain scikit-learn ``IsolationForest`` takes to fit and score the same rows (the ratio says what
the choosing costs over fitting one classic detector).

    OMP_NUM_THREADS=1 PYTHONPATH=src python benchmarks/select_budget.py \
        --out docs/results/select_budget.json
"""

from __future__ import annotations

import argparse
import json
import platform
import time
from pathlib import Path

import numpy as np
from sklearn.ensemble import IsolationForest

from anomalab.data import load_dataset
from anomalab.selection import select

TABLES = ("cover", "celeba", "census")
ROWS = 100_000
BUDGET = 60.0
LABELED_SHARE = 0.05


def sample(name: str, rows: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    data = load_dataset(name)
    rng = np.random.default_rng(seed)
    keep = np.sort(rng.choice(len(data.X), min(rows, len(data.X)), replace=False))
    assert data.y is not None
    return data.X[keep], data.y[keep]


def one_run(X: np.ndarray, y: np.ndarray | None) -> dict[str, object]:
    start = time.perf_counter()
    result = select(X, y, budget_seconds=BUDGET, random_state=0)
    seconds = time.perf_counter() - start
    skipped = result.ranking.loc[
        result.ranking["status"].str.startswith("over budget"), "candidate"
    ]
    return {
        "mode": result.mode,
        "seconds": round(seconds, 2),
        "within_budget": seconds <= BUDGET,
        "choice": list(result.choice),
        "skipped_for_budget": list(skipped),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path("docs/results/select_budget.json"))
    parser.add_argument("--tables", default=",".join(TABLES))
    args = parser.parse_args()
    records = []
    for name in args.tables.split(","):
        X, truth = sample(name, ROWS)
        start = time.perf_counter()
        IsolationForest(random_state=0).fit(X).score_samples(X)
        peer = time.perf_counter() - start
        labels = np.zeros(len(truth), dtype=np.int64)
        anomalies = np.flatnonzero(truth == 1)
        rng = np.random.default_rng(0)
        labels[
            rng.choice(anomalies, max(3, int(LABELED_SHARE * len(anomalies))), replace=False)
        ] = 1
        for y in (None, labels):
            record = {"table": name, "rows": len(X), "features": X.shape[1], **one_run(X, y)}
            record["iforest_seconds"] = round(peer, 2)
            record["ratio_to_iforest"] = round(float(record["seconds"]) / peer, 1)
            print(json.dumps(record), flush=True)
            records.append(record)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    meta = {"budget_seconds": BUDGET, "machine": f"{platform.machine()}, {platform.system()}"}
    args.out.write_text(json.dumps({"settings": meta, "runs": records}, indent=2) + "\n")


if __name__ == "__main__":
    main()
