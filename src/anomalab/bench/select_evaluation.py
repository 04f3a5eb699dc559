"""Leave-one-dataset-out evaluation of :func:`anomalab.select` (``anomalab selection evaluate``),
written to ``docs/results/select.md``.

Without labels, for each ADBench dataset D of the evidence: the choice is made from the evidence
with every cell of D left out, on D's meta-features (its unsupervised training part, seed 0). A
single chosen detector is scored by D's own archived cells (the same cells, seeds and protocol as
every other detector: ``adbench-unsup``); a rank-averaged ensemble is run on D's cells of that
protocol (3 seeds) into the store ``runs/select/lodo-unsupervised``. Beside it: the best single
detector on D in hindsight (the oracle) and IsolationForest.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

from anomalab.bench.cells import Cell
from anomalab.bench.document import Section, to_html, to_markdown
from anomalab.bench.runner import run_cells
from anomalab.bench.select_labeled import (
    COMMAND,
    LABELED_STORE,
    LABELED_SUITE,
    labeled_sections,
    revision_sections,
    table_section,
)
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.bench.suites import load_suite
from anomalab.selection.choose import ENSEMBLE_SIZE, NEIGHBORS_REVISION_1, choose_on_evidence
from anomalab.selection.evidence import RANKING_PROTOCOL, Evidence, load_evidence
from anomalab.selection.locality import NEIGHBOR_GRID, neighbors_by_lodo

UNSUPERVISED_STORE = "select/lodo-unsupervised"
#: The suite whose cells the evidence summarises (its protocol and seeds).
EVIDENCE_SUITE = "adbench-unsup"
BASELINE = "IForest"


def unsupervised_choices(ev: Evidence, neighbors: int | None | str = "evidence") -> pd.DataFrame:
    """The unlabeled choice for every dataset of the evidence, each without its own cells
    (``neighbors``: as :func:`choose_on_evidence`'s; revision 1 ranked on 5)."""
    rows = []
    for dataset, described in ev.datasets.iterrows():
        held_out = ev.without(str(dataset))
        k = (
            neighbors_by_lodo(held_out, held_out.detectors)[0]
            if neighbors == "evidence"
            else neighbors
        )
        choice = choose_on_evidence(
            described.to_dict(),
            (int(described["n_train"]), round(10 ** described["log10_features"])),
            held_out.detectors,
            held_out,
            neighbors=k,
        )
        rows.append(
            {
                "dataset": dataset,
                "choice": " + ".join(choice.choice),
                "members": list(choice.choice),
                "decisive": choice.decisive,
                "neighbors": "all" if k is None else str(k),
            }
        )
    return pd.DataFrame(rows)


def ensemble_cells(choices: pd.DataFrame) -> list[Cell]:
    """The cells to run: every dataset whose choice is an ensemble, under the evidence's
    protocol and seeds."""
    suite = load_suite(EVIDENCE_SUITE)
    cells = []
    for row in choices.itertuples(index=False):
        if len(row.members) < 2:
            continue
        for seed in suite.seeds:
            cells.append(
                Cell(
                    detector="RankEnsemble",
                    dataset=row.dataset,
                    protocol=suite.protocol,
                    seed=int(seed),
                    params={"members": list(row.members)},
                    protocol_params=dict(suite.protocol_grid[0]),
                    label="RankEnsemble: " + row.choice,
                )
            )
    return cells


def outcomes(choices: pd.DataFrame, ev: Evidence, ensembles: pd.DataFrame) -> pd.DataFrame:
    """Per dataset: the selection's AUC-ROC (mean, std over seeds), the oracle's and the
    baseline's. An ensemble not run yet has no AUC (NaN)."""
    ranked = ev.results[ev.results["protocol"] == RANKING_PROTOCOL]
    rows = []
    for row in choices.itertuples(index=False):
        on_d = ranked[ranked["dataset"] == row.dataset].set_index("detector")
        if len(row.members) == 1:
            mean, std = on_d.loc[row.members[0], ["auc_roc", "auc_roc_std"]]
        else:
            runs = ensembles[
                (ensembles["dataset"] == row.dataset)
                & (ensembles["detector"] == "RankEnsemble: " + row.choice)
                & (ensembles["status"] == "ok")
            ]["auc_roc"]
            mean, std = (runs.mean(), runs.std()) if len(runs) else (float("nan"),) * 2
        oracle = on_d["auc_roc"].idxmax()
        rows.append(
            {
                "dataset": row.dataset,
                "neighbors": row.neighbors,
                "selected": row.choice,
                "decisive": "yes" if row.decisive else "no (ensemble)",
                "auc_roc": mean,
                "auc_roc_std": std,
                "oracle": oracle,
                "oracle_auc_roc": on_d.loc[oracle, "auc_roc"],
                BASELINE: on_d.loc[BASELINE, "auc_roc"],
            }
        )
    return pd.DataFrame(rows)


def _grid() -> str:
    return ", ".join("every dataset" if k is None else str(k) for k in NEIGHBOR_GRID)


def fixed_detector_means(ev: Evidence) -> pd.Series:
    """Every evidence detector's mean AUC-ROC over the datasets (always choosing it)."""
    ranked = ev.results[ev.results["protocol"] == RANKING_PROTOCOL]
    return ranked.groupby("detector")["auc_roc"].mean().sort_values(ascending=False)


def sections(
    table: pd.DataFrame, fixed: pd.Series, missing: int, revision_1: pd.DataFrame
) -> list[Section]:
    """The report: how the evaluation was made, the verdict, the per-dataset table; and the
    first revision's outcome (``revision_1``: :func:`outcomes` of its choices)."""
    selected, oracle = table["auc_roc"].mean(), table["oracle_auc_roc"].mean()
    baseline = table[BASELINE].mean()
    best_fixed = fixed.index[0]
    intro = Section(
        "Without labels: leave one dataset out",
        blocks=[
            (
                "text",
                (
                    f"For each of the {len(table)} ADBench datasets of the evidence, `anomalab.select` chose "
                    "with that dataset's cells removed from the evidence: its k nearest datasets by "
                    "meta-features, the detector with the best mean AUC-ROC there if it leads the "
                    "runner-up by at least one standard error of their paired differences, else a rank "
                    f"average of the top {ENSEMBLE_SIZE}. Revision 2 of the rule (the current one): k is "
                    "chosen by the remaining evidence alone, leave one dataset out inside it, from "
                    f"{_grid()} (`anomalab.selection.locality`; ties go to the larger k). Revision 1 "
                    f"always took k = {NEIGHBORS_REVISION_1}; it was fixed before its evaluation first ran, "
                    "and revision 2 (its grid and tie rule) after revision 1 measured below IsolationForest, "
                    "before revision 2's own first run. A single choice is scored by the dataset's own cells of suite "
                    f"`{EVIDENCE_SUITE}` (3 seeds, the same cells every detector below has); an ensemble is "
                    f"run on those cells into `runs/{UNSUPERVISED_STORE}`. The oracle is the best single "
                    "detector on the dataset in hindsight."
                ),
            )
        ],
    )
    verdict_lines = [
        f"- Mean AUC-ROC of the selection: **{selected:.3f}**; {BASELINE}: {baseline:.3f}; "
        f"oracle: {oracle:.3f}; best fixed detector ({best_fixed}): {fixed.iloc[0]:.3f}.",
        f"- Done-when (selection at least {BASELINE}'s mean): "
        + ("**holds**." if selected >= baseline else "**does not hold**."),
        f"- Chosen as a single detector on {int((table['decisive'] == 'yes').sum())} datasets, "
        f"as an ensemble on {int((table['decisive'] != 'yes').sum())}.",
    ]
    ks = table["neighbors"].value_counts()
    verdict_lines.append(
        "- k chosen by the evidence: "
        + ", ".join(f"{k} on {n} datasets" for k, n in ks.items())
        + "."
    )
    verdict_lines.append(
        f"- Revision 1 (k = {NEIGHBORS_REVISION_1}): mean AUC-ROC {revision_1['auc_roc'].mean():.3f} over the "
        f"same datasets ({int(revision_1['auc_roc'].isna().sum())} not run)."
    )
    if missing:
        verdict_lines.append(f"- {missing} ensemble cells not run yet (`{COMMAND}`).")
    verdict = Section("Verdict", level=3, blocks=[("text", "\n".join(verdict_lines))])
    shown = table.assign(
        auc_roc=[
            f"{m:.3f} ± {s:.3f}" for m, s in zip(table.auc_roc, table.auc_roc_std, strict=True)
        ]
    ).drop(columns=["auc_roc_std"])
    for column in ("oracle_auc_roc", BASELINE):
        shown[column] = shown[column].map(lambda v: f"{v:.3f}")
    per_dataset = table_section("Per dataset", shown)
    fixed_table = fixed.rename("mean AUC-ROC").reset_index().rename(columns={"index": "detector"})
    fixed_table["mean AUC-ROC"] = fixed_table["mean AUC-ROC"].map(lambda v: f"{v:.3f}")
    fixed_section = table_section("Fixed single detectors (the same cells)", fixed_table)
    return [intro, verdict, per_dataset, fixed_section]


BUDGET_FILE = "select_budget.json"


def budget_section(path: Path) -> Section:
    """The budget benchmark's runs (``benchmarks/select_budget.py``), if it has written them."""
    import json

    section = Section("Budget: 100,000-row tables, 60 seconds")
    if not path.is_file():
        section.text(f"Not measured yet (`python benchmarks/select_budget.py --out {path}`).")
        return section
    measured = json.loads(path.read_text())
    runs = pd.DataFrame(measured["runs"])
    runs["choice"] = runs["choice"].map(" + ".join)
    runs["skipped_for_budget"] = runs["skipped_for_budget"].map(len)
    within = bool(runs["within_budget"].all())
    section.text(
        f"`benchmarks/select_budget.py`: 100,000 rows drawn from each large table, `select` with "
        f"`budget_seconds={measured['settings']['budget_seconds']:g}` without labels and with 5 % "
        "of the anomalies labeled; seconds from the call to the fitted model, beside a plain "
        "scikit-learn IsolationForest fitted and scored on the same rows in the same process. "
        + ("Every run returned within the budget." if within else "**Some runs overran.**")
    )
    section.table(runs, index=False)
    return section


def evaluate_selection(
    runs: str | Path,
    out: str | Path,
    *,
    jobs: int = 1,
    run: bool = True,
    labeled: bool = False,
    data_root: str | None = None,
    on_result: Callable[[dict[str, Any], Any], None] | None = None,
) -> Path:
    """Run the missing ensemble cells (unless ``run`` is False) and, with ``labeled``, the
    missing cells of suite ``select-labeled``; then write ``out`` (Markdown) and its HTML twin
    from every stored cell; return the Markdown path."""
    ev = load_evidence()
    choices = unsupervised_choices(ev)
    first = unsupervised_choices(ev, neighbors=NEIGHBORS_REVISION_1)
    cells = ensemble_cells(choices) + ensemble_cells(first)
    store = ResultStore(Path(runs) / UNSUPERVISED_STORE / STORE_FILE)
    if run:
        run_cells(cells, store, data_root=data_root, jobs=jobs, threads=1, on_result=on_result)
    frame = store.frame()
    missing = len({c.key for c in cells} - set(frame["cell_key"]))
    table = outcomes(choices, ev, frame)
    doc = sections(table, fixed_detector_means(ev), missing, outcomes(first, ev, frame))
    labeled_cells = load_suite(LABELED_SUITE).cells()
    labeled_store = ResultStore(Path(runs) / LABELED_STORE / STORE_FILE)
    if run and labeled:
        run_cells(
            labeled_cells,
            labeled_store,
            data_root=data_root,
            jobs=jobs,
            threads=1,
            on_result=on_result,
        )
    keys = {c.key for c in labeled_cells}
    stored = labeled_store.frame()
    current = stored[stored["cell_key"].isin(keys)]
    doc += labeled_sections(current, len(keys))
    doc += revision_sections(current, data_root)
    doc.append(budget_section(Path(out).parent / BUDGET_FILE))
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    title = "Choosing a detector: anomalab.select, evaluated leave-one-dataset-out"
    out.write_text(to_markdown(title, doc))
    out.with_suffix(".html").write_text(to_html(title, doc))
    return out
