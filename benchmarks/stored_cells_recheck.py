"""Re-run a sample of archived cells with this checkout's code and compare with the stored rows.

A report's numbers come from stored cells; this shows that the committed code still makes them.
For every entrant (detector and params) of an archived store, one stored ``ok`` cell is drawn at
random (``--seed``; among cells whose stored fit took under ``--max-fit`` seconds, to keep the
check short), rebuilt from its row (its key must match the stored key), run again, and compared
metric by metric. Writes JSON that ``benchmarks/recommended_report.py`` renders.

Usage: ``python benchmarks/stored_cells_recheck.py ARCHIVE.csv [ARCHIVE.csv ...] --out FILE``
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from anomalab.bench.runner import Cell, run_cell

METRICS = ("auc_roc", "auc_pr", "f1")


def cell_of(row: pd.Series) -> Cell:
    """The cell a stored row came from."""
    params = json.loads(row["params"])
    return Cell(
        detector=params.pop("detector"),
        label=row["detector"],
        dataset=row["dataset"],
        protocol=row["protocol"],
        seed=int(row["seed"]),
        params=params,
        protocol_params=json.loads(row["protocol_params"]),
    )


def sample(rows: pd.DataFrame, seed: int, max_fit: float) -> pd.DataFrame:
    """One stored ok cell per entrant (same params), drawn at random."""
    ok = rows[(rows["status"] == "ok") & (rows["fit_seconds"] < max_fit)]
    rng = np.random.default_rng(seed)
    picks = [g.iloc[rng.integers(len(g))] for _, g in ok.groupby("params", sort=True)]
    return pd.DataFrame(picks)


def recheck(path: Path, seed: int, max_fit: float) -> list[dict]:
    out = []
    for _, row in sample(pd.read_csv(path), seed, max_fit).iterrows():
        cell = cell_of(row)
        if cell.key != row["cell_key"]:
            raise SystemExit(f"{path}: row {row['cell_key']} does not rebuild to its own key")
        now = run_cell(cell)
        stored = {m: float(row[m]) for m in METRICS}
        fresh = {m: now.get(m) for m in METRICS}
        out.append(
            {
                "archive": str(path),
                "entrant": json.loads(row["params"]),
                "dataset": cell.dataset,
                "seed": cell.seed,
                "stored": stored,
                "now": fresh,
                "status": now["status"],
                "identical": now["status"] == "ok" and all(stored[m] == fresh[m] for m in METRICS),
                "max_abs_diff": max(
                    (abs(stored[m] - fresh[m]) for m in METRICS if fresh[m] is not None),
                    default=None,
                ),
            }
        )
        print(out[-1], flush=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("archives", nargs="+", type=Path)
    parser.add_argument("--out", type=Path, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-fit", type=float, default=20.0)
    args = parser.parse_args()
    rows = [r for path in args.archives for r in recheck(path, args.seed, args.max_fit)]
    command = "python benchmarks/stored_cells_recheck.py " + " ".join(
        [*map(str, args.archives), "--out", str(args.out)]
    )
    args.out.write_text(json.dumps({"command": command, "rows": rows}, indent=1) + "\n")
    same = sum(r["identical"] for r in rows)
    print(f"{same} of {len(rows)} re-run cells identical to their stored rows; wrote {args.out}")


if __name__ == "__main__":
    main()
