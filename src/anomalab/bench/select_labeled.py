"""The labeled half of ``anomalab selection evaluate``: suite ``select-labeled``'s cells (each
ADBench dataset its own user, 5 % of its training anomalies labeled), the selection against the
per-dataset oracle and every fixed candidate, and the labeled rule's revisions compared on the
same cross-validation splits."""

from __future__ import annotations

import json
from typing import Any

import pandas as pd

from anomalab.bench.document import Section
from anomalab.bench.suites import adbench_halves, load_suite

LABELED_STORE = "select/select-labeled"
LABELED_SUITE = "select-labeled"
#: The labeled done-when: the selection's mean within this of the per-dataset oracle's.
ORACLE_GAP = 0.03
COMMAND = "anomalab selection evaluate"


def table_section(title: str, frame: pd.DataFrame, index: bool = False) -> Section:
    section = Section(title, level=3)
    section.table(frame, index=index)
    return section


def labeled_outcomes(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """Per dataset: Select's AUC-ROC (mean, std over seeds), what it chose per seed, the oracle
    (the fixed candidate with the best mean on that dataset); and each fixed candidate's mean
    over the datasets where every entrant finished."""
    ok = frame[frame["status"] == "ok"]
    seeds = ok.pivot_table(index="dataset", columns="detector", values="seed", aggfunc="nunique")
    complete = seeds.index[(seeds == len(load_suite(LABELED_SUITE).seeds)).all(axis=1)]
    ok = ok[ok["dataset"].isin(complete)]
    means = ok.pivot_table(index="dataset", columns="detector", values="auc_roc", aggfunc="mean")
    fixed = [c for c in means.columns if c != "Select"]
    rows = []
    for dataset in means.index:
        cells = ok[(ok["dataset"] == dataset) & (ok["detector"] == "Select")]
        chosen = [_selected(p) for p in cells.sort_values("seed")["params"]]
        oracle = means.loc[dataset, fixed].idxmax()
        rows.append(
            {
                "dataset": dataset,
                "selected (per seed)": ", ".join(chosen),
                "auc_roc": cells["auc_roc"].mean(),
                "auc_roc_std": cells["auc_roc"].std(),
                "oracle": oracle,
                "oracle_auc_roc": means.loc[dataset, oracle],
            }
        )
    return pd.DataFrame(rows), means[fixed].mean().sort_values(ascending=False)


def _params(params: Any) -> dict[str, Any]:
    return params if isinstance(params, dict) else json.loads(params)


def _selected(params: Any) -> str:
    return " + ".join(_params(params).get("selected", ["?"]))


def labeled_sections(frame: pd.DataFrame, expected: int) -> list[Section]:
    """The labeled evaluation's report sections (what is missing, if not every cell ran)."""
    head = Section(
        "With 5 % of the training anomalies labeled",
        blocks=[
            (
                "text",
                (
                    f"Suite `{LABELED_SUITE}`: each ADBench dataset is its own user. `Select` sees only the "
                    "training part (5 % of its anomalies labeled 1, every other row 0) and ranks its default "
                    "candidates by repeated stratified cross-validated AUC-PR there (3 folds x 2 repeats, "
                    "fixed before this evaluation ran) and chooses by the labeled rule's current "
                    "revision (below); the winner, refitted on the whole training part, "
                    "scores the test part. Every candidate also runs fixed on the same cells: their means "
                    "and the per-dataset oracle (the best of them in hindsight) come from those cells."
                ),
            )
        ],
    )
    done = int((frame["status"] == "ok").sum()) if len(frame) else 0
    stored = len(frame)
    if stored < expected:
        head.text(
            f"Not complete: {stored} of {expected} cells stored (`{COMMAND} --labeled`); the "
            "numbers below cover the datasets where every entrant finished every seed."
        )
    else:
        head.text(
            f"Every cell ran: {done} of {expected} ok; the numbers below cover the datasets "
            "where every entrant finished every seed."
        )
    failed = frame[frame["status"] != "ok"]
    if len(failed):
        reasons = failed.assign(reason=failed["error"].map(lambda e: str(e).splitlines()[0]))
        listed = reasons.groupby(["detector", "reason"])["dataset"].agg(
            lambda d: ", ".join(sorted(set(d)))
        )
        head.text(
            "Failed cells (reported, not hidden; those datasets drop out of the comparison): "
            + "; ".join(f"{det} on {ds}: {why}" for (det, why), ds in listed.items())
        )
    if done == 0:
        return [head]
    table, fixed = labeled_outcomes(frame)
    if table.empty:
        return [head]
    selected, oracle = table["auc_roc"].mean(), table["oracle_auc_roc"].mean()
    lines = [
        f"- Over {len(table)} datasets: mean AUC-ROC of the selection **{selected:.3f}**, of "
        f"the per-dataset oracle {oracle:.3f} (gap {oracle - selected:+.3f}); best fixed "
        f"candidate {fixed.index[0]} {fixed.iloc[0]:.3f}.",
        f"- Within {ORACLE_GAP} of the oracle: "
        + ("**holds**." if oracle - selected <= ORACLE_GAP else "**does not hold**."),
        "- Above every fixed candidate's mean: "
        + ("**holds**." if selected > fixed.iloc[0] else "**does not hold**."),
    ]
    title = "Verdict (labels)" if stored >= expected else "Verdict so far (labels, partial)"
    verdict = Section(title, level=3, blocks=[("text", "\n".join(lines))])
    shown = table.assign(
        auc_roc=[
            f"{m:.3f} ± {s:.3f}" for m, s in zip(table.auc_roc, table.auc_roc_std, strict=True)
        ],
        oracle_auc_roc=table["oracle_auc_roc"].map(lambda v: f"{v:.3f}"),
    ).drop(columns=["auc_roc_std"])
    fixed_table = pd.DataFrame({"mean AUC-ROC": fixed.map(lambda v: f"{v:.3f}")})
    fixed_table = fixed_table.rename_axis("candidate").reset_index()
    return [
        head,
        verdict,
        table_section("Per dataset (labels)", shown),
        table_section("Fixed candidates (labels, the same cells)", fixed_table),
    ]


def revision_outcomes(frame: pd.DataFrame) -> pd.DataFrame:
    """Per Select cell (current rule) that recorded its ranking: the AUC-ROC of what the current
    rule chose and of what revision 1 would have chosen on the same cross-validation splits (the
    best mean AUC-PR of the recorded ranking), each read from the fixed candidate's own cell of that
    dataset and seed (a Select cell's refit is that cell); and DevNet's there."""
    ok = frame[frame["status"] == "ok"]
    fixed = ok[ok["detector"] != "Select"].set_index(["dataset", "seed", "detector"])["auc_roc"]
    rows = []
    for cell in ok[ok["detector"] == "Select"].itertuples():
        params = _params(cell.params)
        ranking = params.get("ranking") or {}
        first = max(ranking, key=ranking.get) if ranking else None
        key = (cell.dataset, cell.seed)
        if first is None or (*key, first) not in fixed.index or (*key, "DevNet") not in fixed.index:
            continue
        rows.append(
            {
                "dataset": cell.dataset,
                "seed": cell.seed,
                "revision 1": fixed[(*key, first)],
                "revision 2": cell.auc_roc,
                "DevNet": fixed[(*key, "DevNet")],
            }
        )
    return pd.DataFrame(rows)


def revision_sections(frame: pd.DataFrame, data_root: Any = None) -> list[Section]:
    """The labeled rule's revisions on the same splits, by half of the ADBench datasets."""
    section = Section(
        "The labeled rule's revisions, on the same cross-validation splits",
        level=3,
        blocks=[
            (
                "text",
                "Revision 1 chose the best mean cross-validated AUC-PR; it measured below the "
                "per-dataset oracle by more than the issue allows and below DevNet alone, its "
                "choices changing from seed to seed. Revision 2 (`anomalab.selection.choose`) "
                "takes the first candidate in the preference order (DevNet, AnoRand, "
                "AutoEncoder, IForest, PyOD-KNN, PyOD-ECOD) among those within one standard "
                "error of the best mean. Stated before its cells ran: revision 2 is kept if, on "
                "the development half of the datasets (`anomalab.bench.suites.adbench_halves`), "
                "its mean AUC-ROC is at least revision 1's; the confirmation half is reported "
                "once. Both revisions' choices come from the same cells: revision 1's is the "
                "best mean of the ranking each revision-2 cell records, scored by that candidate's "
                "own cell of the same dataset and seed.",
            )
        ],
    )
    outcomes = revision_outcomes(frame)
    if outcomes.empty:
        section.text("No Select cell of the current rule has recorded its ranking yet.")
        return [section]
    per_dataset = outcomes.groupby("dataset")[["revision 1", "revision 2", "DevNet"]].mean()
    development, confirmation = adbench_halves(data_root)
    rows = []
    for half, names in (("development", development), ("confirmation", confirmation)):
        part = per_dataset[per_dataset.index.isin(names)]
        rows.append({"half": half, "datasets": len(part), **part.mean().round(3).to_dict()})
    rows.append({"half": "both", "datasets": len(per_dataset), **per_dataset.mean().round(3)})
    table = pd.DataFrame(rows)
    dev = table.iloc[0]
    kept = dev["revision 2"] >= dev["revision 1"]
    section.text(
        f"Development half: revision 2 {dev['revision 2']:.3f} against revision 1 "
        f"{dev['revision 1']:.3f}: revision 2 is "
        + ("**kept**." if kept else "**not kept** (revision 1 is restored).")
    )
    section.table(table, index=False)
    return [section]
