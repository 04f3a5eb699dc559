"""The paper presets are today's defaults exactly: one cell per paper report, re-run.

For each paper report one cell of its suite (``CELLS``) runs with this checkout's code, and either
its archived row (where the report's cells are archived, ``docs/results/cells/``) or a run of the
code from before presets existed (``--before SRC``: that checkout's ``src`` folder, run in a
subprocess) gives the number to match. Writes ``docs/results/paper_presets_check.json``, which
``anomalab presets report`` renders.

Usage: ``python tools/paper_presets_check.py --before ../wt-old/src``
(``--emit FILE`` is the subprocess's side: run the cells, write their rows).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

#: (paper report, suite, entrant label, dataset, protocol setting index, seed)
CELLS = [
    ("devnet", "devnet-paper", "DevNet", "thyroid-devnet", 0, 0),
    ("plad", "plad-tabular", "PLAD lam=3 b128", "thyroid", 0, 0),
    ("sgae", "sgae-paper", "SGAE", "market", 0, 0),
    ("anorand", "anorand-supervised", "AnoRand", "cardio", 0, 0),
    ("novnorm", "novnorm-images", "NovNorm (cpu)", "mnist-images", 0, 0),
]
#: Where a report's cells are archived (its rows are the stored numbers).
ARCHIVES = {
    "devnet": Path("docs/results/cells/devnet/devnet-paper/results.csv"),
    "anorand": Path("docs/results/cells/anorand/anorand-supervised/results.csv"),
    "sgae": Path("docs/results/cells/sgae/sgae-paper/results.csv"),
    "plad": Path("docs/results/cells/plad/plad-tabular/results.csv"),
    "novnorm": Path("docs/results/cells/novnorm/novnorm-images/results.csv"),
}
#: Run also by the code from before presets (``--emit``), which has no anomalab.bench.recheck.
METRICS = ("auc_roc", "auc_pr", "f1")
OUT = Path("docs/results/paper_presets_check.json")


def _cell(suite_name: str, label: str, dataset: str, setting: int, seed: int):  # type: ignore[no-untyped-def]
    from anomalab.bench.suites import load_suite

    suite = load_suite(suite_name)
    suite = suite.restrict(labels=[label], seeds=[seed], datasets=[dataset])
    suite.protocol_grid = [suite.protocol_grid[setting]]
    (cell,) = suite.cells()
    return cell


def emit(path: Path) -> None:
    """Run every cell with the importable anomalab; write {report: row}."""
    from anomalab.bench.runner import run_cell

    rows = {}
    for report, suite, label, dataset, setting, seed in CELLS:
        cell = _cell(suite, label, dataset, setting, seed)
        row = run_cell(cell)
        rows[report] = {
            "key": cell.key,
            "params": cell.params,
            "status": row["status"],
            **{m: row.get(m) for m in METRICS},
        }
        print(report, rows[report], flush=True)
    path.write_text(json.dumps(rows, indent=2, default=str) + "\n")


def archived(report: str, key: str) -> dict | None:
    path = ARCHIVES.get(report)
    if path is None or not path.is_file():
        return None
    import pandas as pd

    rows = pd.read_csv(path)
    match = rows[rows["cell_key"] == key]
    return None if match.empty else {m: float(match.iloc[0][m]) for m in METRICS if m in match}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", type=Path, help="src folder of the code before presets")
    parser.add_argument("--emit", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.emit:
        emit(args.emit)
        return
    from anomalab.bench.recheck import same_to_the_bit

    now_file, before_file = (
        Path("runs/paper-presets/now.json"),
        Path("runs/paper-presets/before.json"),
    )
    now_file.parent.mkdir(parents=True, exist_ok=True)
    emit(now_file)
    if args.before:
        env = {**os.environ, "PYTHONPATH": str(args.before.resolve())}
        subprocess.run([sys.executable, __file__, "--emit", str(before_file)], check=True, env=env)
    now = json.loads(now_file.read_text())
    before = json.loads(before_file.read_text()) if before_file.is_file() else {}
    out = {"command": "python tools/paper_presets_check.py --before <src before presets>"}
    for report, suite, label, dataset, _setting, seed in CELLS:
        stored = archived(report, now[report]["key"])
        out[report] = {
            "suite": suite,
            "entrant": label,
            "dataset": dataset,
            "seed": seed,
            "now": {m: now[report][m] for m in METRICS},
            "archived": stored,
            "before_presets": None
            if report not in before
            else {m: before[report][m] for m in METRICS},
        }
        reference = stored or out[report]["before_presets"]
        out[report]["identical"] = reference is not None and all(
            same_to_the_bit(reference.get(m), now[report][m]) for m in METRICS
        )
    OUT.write_text(json.dumps(out, indent=2) + "\n")
    print(json.dumps(out, indent=2))


if __name__ == "__main__":
    main()
