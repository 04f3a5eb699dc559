"""``anomalab presets report`` re-renders docs/results/recommended.md from the archived cells byte
for byte, refuses unknown parts, and ``anomalab results recheck`` re-runs archived cells and says
whether they are identical."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.bench.archive import restore_stores
from anomalab.bench.presets_report import write_report
from anomalab.bench.recheck import cell_of_row, sample
from anomalab.cli import app

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results"


def test_the_report_renders_from_the_archive_as_committed(tmp_path) -> None:
    runs = tmp_path / "runs"
    restore_stores(RESULTS / "cells" / "recommended", runs / "recommended")
    doc = write_report(
        set(), render_only=True, runs=runs / "recommended", doc=tmp_path / "r.md",
        evidence=RESULTS,
    )  # fmt: skip
    assert doc.read_text(encoding="utf-8") == (RESULTS / "recommended.md").read_text("utf-8")


def test_unknown_parts_are_one_line_errors(tmp_path) -> None:
    result = CliRunner().invoke(
        app, ["presets", "report", "--parts", "dev,nope", "--out", str(tmp_path / "r.md")]
    )
    assert result.exit_code != 0
    assert "unknown part(s) ['nope']" in result.output
    assert not (tmp_path / "r.md").exists()


def test_recheck_rebuilds_each_archived_row_to_its_own_key() -> None:
    rows = pd.read_csv(RESULTS / "cells" / "recommended" / "quick" / "results.csv")
    picked = sample(rows, seed=0, max_fit=1e9)
    assert len(picked) == rows[rows["status"] == "ok"]["params"].nunique()
    for _, row in picked.iterrows():
        assert cell_of_row(row).key == row["cell_key"]


def test_recheck_reruns_a_cell_and_compares_it(tmp_path) -> None:
    rows = pd.read_csv(RESULTS / "cells" / "recommended" / "quick" / "results.csv")
    iforest = rows[rows["params"].str.contains('"IForest"') & (rows["dataset"] == "WBC")]
    iforest = iforest.sort_values("seed").head(1)
    assert len(iforest) == 1
    changed = iforest.copy()
    changed["auc_roc"] = changed["auc_roc"] - 0.01  # a stored number the code no longer makes
    archive = tmp_path / "a"
    archive.mkdir()
    iforest.to_csv(archive / "same.csv", index=False)
    changed.to_csv(archive / "changed.csv", index=False)
    out = tmp_path / "recheck.json"
    result = CliRunner().invoke(
        app,
        ["results", "recheck", str(archive / "same.csv"), str(archive / "changed.csv"),
         "--out", str(out), "--max-fit", "1e9"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    verdicts = [r["identical"] for r in json.loads(out.read_text())["rows"]]
    assert verdicts == [True, False]
    assert "1 of 2 re-run cells identical" in result.output


@pytest.mark.parametrize("args", [["nowhere.csv", "--out", "x.json"]])
def test_recheck_refuses_a_missing_archive(args) -> None:
    result = CliRunner().invoke(app, ["results", "recheck", *args])
    assert result.exit_code != 0 and "archive nowhere.csv not found" in result.output


def test_recheck_reads_every_part_of_an_archive(tmp_path, monkeypatch) -> None:
    """A store archived in parts (results.csv, results.2.csv) is sampled over all its rows."""
    import anomalab.bench.recheck as recheck_module

    rows = pd.read_csv(RESULTS / "cells" / "recommended" / "quick" / "results.csv")
    rows.iloc[:10].to_csv(tmp_path / "results.csv", index=False)
    rows.iloc[10:].to_csv(tmp_path / "results.2.csv", index=False)
    seen: list[int] = []
    monkeypatch.setattr(recheck_module, "current_rows", lambda r: r)
    monkeypatch.setattr(recheck_module, "sample", lambda r, s, m: seen.append(len(r)) or r.iloc[:0])
    assert recheck_module.recheck(tmp_path / "results.csv") == []
    assert seen == [len(rows)]


def test_rows_of_an_earlier_preset_revision_are_not_rechecked() -> None:
    """A row whose key this code no longer makes (an earlier recommended revision) is left out."""
    from anomalab.bench.recheck import current_rows

    rows = current_rows(pd.read_csv(RESULTS / "cells" / "recommended" / "quick" / "results.csv"))
    rows = rows.head(6)
    stale = rows.copy()
    stale.loc[stale.index[0], "cell_key"] = "0" * 40
    assert len(current_rows(rows)) == 6
    assert list(current_rows(stale).index) == list(rows.index[1:])


def _dev_rows(gains: dict[str, tuple[float, float]]) -> pd.DataFrame:
    """Two seeds x two classes per rung; ``gains``: the rung's AUC per seed over the paper's 0.8."""
    rows = []
    for rung, per_seed in {"paper": (0.0, 0.0), **gains}.items():
        for seed, gain in enumerate(per_seed):
            for c in (0, 1):
                rows.append(
                    {"detector": rung, "seed": seed, "auc_roc": 0.8 + gain, "status": "ok",
                     "dataset": "mnist-images", "protocol_params": json.dumps({"normal_class": c})}
                )  # fmt: skip
    frame = pd.DataFrame(rows)
    frame.attrs.update(suite="x-dev", expected=len(frame))
    return frame


def test_the_image_decision_takes_a_rung_only_where_its_gain_beats_the_seed_spread() -> None:
    from anomalab.bench.presets_report.images import decision

    steady = _dev_rows({"steady": (0.05, 0.06), "noisy": (0.20, -0.10)})
    lines = decision(steady, "paper")
    assert lines[-1] == "- Decision (the suite's rule): **steady**."
    assert any(line.startswith("- noisy against paper: +5.0 ± 21.2") for line in lines)
    worse = _dev_rows({"worse": (-0.05, -0.04)})
    assert decision(worse, "paper")[-1] == "- Decision (the suite's rule): **paper**."
    partial = steady.iloc[1:].copy()
    partial.attrs.update(steady.attrs)
    assert decision(partial, "paper") == [
        "Decision: made once every cell of the suite is stored and finished."
    ]


def test_share_adds_a_suites_cells_from_another_store_under_its_labels(tmp_path) -> None:
    """A cell stored under one suite's label is added to another store under the suite's label;
    cells the target holds are kept, and nothing else is copied."""
    from anomalab.bench.store import ResultStore
    from anomalab.bench.suites import load_suite

    cells = load_suite("novnorm-images-dev").cells()
    conv_ae = [c for c in cells if c.name.startswith("Conv AE")][:2]
    source = ResultStore(tmp_path / "a" / "results.sqlite")
    row = {"params": "{}", "dataset": "mnist-images", "protocol": "image_one_class",
           "protocol_params": "{}", "seed": 0, "auc_roc": 0.9, "status": "ok"}  # fmt: skip
    source.add_many(
        [{**row, "cell_key": c.key, "detector": "another label"} for c in conv_ae]
        + [{**row, "cell_key": "x" * 40, "detector": "not a cell of the suite"}]
    )
    target_path = tmp_path / "b" / "results.sqlite"
    result = CliRunner().invoke(
        app, ["results", "share", "--suite", "novnorm-images-dev", "--from",
              str(source.path), "--to", str(target_path)],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "2 cell(s) of suite novnorm-images-dev added" in result.output
    rows = ResultStore(target_path).frame()
    assert sorted(rows["cell_key"]) == sorted(c.key for c in conv_ae)
    assert set(rows["detector"]) == {conv_ae[0].name}
    again = CliRunner().invoke(
        app, ["results", "share", "--suite", "novnorm-images-dev", "--from",
              str(source.path), "--to", str(target_path)],
    )  # fmt: skip
    assert "0 cell(s)" in again.output


def test_the_image_confirmation_holds_ours_to_the_best_baseline() -> None:
    """Ours against the best of OCSVM, PCA and the conv AE where all ten classes x 2 seeds ran;
    a dataset with a missing cell is 'not run yet'."""
    from anomalab.bench.presets_report.images import BASELINES, confirmation

    def rows(label: str, auc: float, dataset: str = "fashion-mnist", n: int = 20) -> list[dict]:
        return [
            {"cell_key": f"{label}{dataset}{i}", "detector": label, "dataset": dataset,
             "seed": i % 2, "auc_roc": auc, "status": "ok"}
            for i in range(n)
        ]  # fmt: skip

    base = [r for b, auc in zip(BASELINES, (0.80, 0.90, 0.85), strict=True) for r in rows(b, auc)]
    conf = pd.DataFrame(rows("NovNorm: recommended (cpu)", 0.91) + rows("PLAD: recommended (cpu)",
                        0.70) + rows("NovNorm: recommended (cpu)", 0.5, "cifar10", 19))  # fmt: skip
    conf.attrs.update(suite="image-recommended-confirm", expected=280)
    lines = confirmation(conf, [pd.DataFrame(base)])
    assert "- NovNorm: recommended (cpu), fashion-mnist: 91.0 against PCA reconstruction " \
        "(90 % variance) 90.0: **at least as good**." in lines  # fmt: skip
    assert "- PLAD: recommended (cpu), fashion-mnist: 70.0 against PCA reconstruction " \
        "(90 % variance) 90.0: **below**." in lines  # fmt: skip
    assert "- NovNorm: recommended (cpu), cifar10: not run yet (all ten classes, 2 seeds); 19 of " \
        "its 20 cells stored so far." in lines  # fmt: skip
    assert "- PLAD: recommended (cpu), cifar10: not run yet (all ten classes, 2 seeds)." in lines


def test_novnorms_host_switch_waits_for_both_datasets_and_needs_no_loss() -> None:
    """The second round's switch rule: concluded only when both confirmation datasets have all
    20 cells of both entrants; switched only where the wider host loses on neither."""
    from anomalab.bench.presets_report.images import FIRST_ROUND, HOST_ROUND, host_switch

    def rows(label: str, auc: float, dataset: str, n: int = 20) -> list[dict]:
        return [
            {"cell_key": f"{label}{dataset}{i}", "detector": label, "dataset": dataset,
             "seed": i % 2, "auc_roc": auc + 0.01 * (i % 2), "status": "ok"}
            for i in range(n)
        ]  # fmt: skip

    first = rows(FIRST_ROUND, 0.88, "fashion-mnist") + rows(FIRST_ROUND, 0.56, "cifar10")
    fashion = rows(HOST_ROUND["fashion-mnist"], 0.89, "fashion-mnist")
    waiting = host_switch(
        [pd.DataFrame(first + fashion + rows(HOST_ROUND["cifar10"], 0.6, "cifar10", 19))], 1
    )
    assert waiting[-1] == "- Decision (the rule): waits for every cell of both confirmation " \
        "suites; NovNorm's code is at revision 1."  # fmt: skip
    assert "- cifar10: not concluded (19 of the wider host's 20 cells)." in waiting
    gained = host_switch(
        [pd.DataFrame(first + fashion + rows(HOST_ROUND["cifar10"], 0.6, "cifar10"))], 2
    )
    assert "- fashion-mnist: the wider host against the first round's choice: +1.0 ± 0.0 AUC " \
        "points." in gained  # fmt: skip
    assert "**switched** to revision 2" in gained[-1]
    lost = host_switch(
        [pd.DataFrame(first + fashion + rows(HOST_ROUND["cifar10"], 0.5, "cifar10"))], 2
    )
    assert "**not switched**" in lost[-1]


def test_novnorms_code_follows_the_committed_switch_decision() -> None:
    """NovNorm's recommended revision is 2 only where recommended.md's switch decision says so."""
    from anomalab.detectors import NovNorm

    text = (RESULTS / "recommended.md").read_text("utf-8").splitlines()
    decision = next(line for line in text if line.startswith("- Decision (the rule):"))
    assert NovNorm.recommended_revision == (2 if "**switched**" in decision else 1), decision


def test_the_plad_why_line_is_computed_and_claims_a_limit_only_when_no_rung_reaches() -> None:
    """The plain 'why PLAD stays below' paragraph: its numbers come from the probe rows, the rungs
    and the baselines; the limiting sentence appears only when every rung is below the best
    baseline."""
    from anomalab.bench.presets_report.image_section import plad_why
    from anomalab.bench.presets_report.images import BASELINES

    probe = {
        "rung": "paper", "epochs_run": 20, "train_separation_auc": 0.99,
        "test_auc_per_epoch_subsample": [0.9, 0.5, 0.3],
        "p_abnormal": {"test_anomalies": {"mean": 0.01, "saturated": 0.5}},
        "test_auc_plain_standardised_distance": 0.95,
    }  # fmt: skip
    dev = _dev_rows({"PLAD: paper with one epoch (cpu)": (0.05, 0.05)})  # paper 80.0, rung 85.0

    def baselines(auc: float) -> pd.DataFrame:
        return pd.DataFrame(
            [{"detector": b, "dataset": "mnist-images", "auc_roc": auc, "status": "ok"}
             for b in BASELINES]
        )  # fmt: skip

    below = plad_why([probe], dev, baselines(0.90))[0]
    assert "separation AUC at least 0.990" in below
    assert "0.90 after the first epoch and 0.30 after epoch 20" in below
    assert "PLAD: paper with one epoch (cpu) (the recommended preset's settings), 85.0" in below
    assert "90.0: no rung reaches it. PLAD's perturbation task" in below
    above = plad_why([probe], dev, baselines(0.82))[0]
    assert above.endswith("82.0: PLAD: paper with one epoch (cpu) reaches it.")
    assert plad_why([], dev, baselines(0.9)) == []


def test_the_image_budget_line_flags_a_cell_over_three_minutes() -> None:
    from anomalab.bench.presets_report.image_section import budget_lines

    def cell(key: str, label: str, dataset: str, fit: float) -> dict:
        return {"cell_key": key, "detector": label, "dataset": dataset, "status": "ok",
                "fit_seconds": fit, "score_seconds": 5.0}  # fmt: skip

    frame = pd.DataFrame(
        [cell("a", "NovNorm: recommended (cpu)", "fashion-mnist", 100.0),
         cell("b", "NovNorm: recommended (cpu)", "fashion-mnist", 200.0),
         cell("c", "PLAD: paper with one epoch (cpu)", "mnist-images", 10.0),
         cell("d", "PLAD: recommended (cpu)", "cifar10", 900.0)]
    )  # fmt: skip
    lines = budget_lines([frame])
    assert "- NovNorm: recommended (cpu), fashion-mnist: slowest of 2 cells 205 s, median 155 s: " \
        "**over** the 180 s budget." in lines  # fmt: skip
    assert "- PLAD: paper with one epoch (cpu), mnist-images: slowest of 1 cells 15 s, median " \
        "15 s: within the 180 s budget." in lines  # fmt: skip
    assert not any("cifar10" in line for line in lines)  # the budget is MNIST's and F-MNIST's


def test_the_novnorm_why_line_claims_a_limit_only_when_the_host_is_the_gap() -> None:
    """The plain 'why NovNorm stays below' paragraph: NovNorm against its host alone and the best
    baseline on every dataset; the limiting sentence only where, wherever NovNorm is below, it is
    at least as good as its host and the host is below the best baseline, and the wider host is
    still below somewhere; nothing until every entrant has all 20 cells on every dataset."""
    from anomalab.bench.presets_report.image_section import novnorm_why
    from anomalab.bench.presets_report.images import (
        BASELINES,
        FIRST_ROUND,
        HOST_ROUND,
        IMAGE_DATASETS,
        OURS,
    )

    def rows(label: str, auc: float, dataset: str, n: int = 20) -> list[dict]:
        return [
            {"cell_key": f"{label}{dataset}{i}", "detector": label, "dataset": dataset,
             "seed": i % 2, "auc_roc": auc, "status": "ok"}
            for i in range(n)
        ]  # fmt: skip

    def frame(ours: float, wide: float, n: int = 20) -> pd.DataFrame:
        cells = []
        for dataset in IMAGE_DATASETS:
            label = OURS[FIRST_ROUND] if dataset == "mnist-images" else FIRST_ROUND
            cells += rows(label, ours, dataset, n) + rows(HOST_ROUND[dataset], wide, dataset)
            cells += [r for b, auc in zip(BASELINES, (0.80, 0.90, 0.85), strict=True)
                      for r in rows(b, auc, dataset)]  # fmt: skip
        return pd.DataFrame(cells)

    [limited] = novnorm_why([frame(0.87, 0.89)])  # host (the conv AE) 85.0, best baseline 90.0
    assert "It adds +2.0 (mnist-images), +2.0 (fashion-mnist), +2.0 (cifar10) points" in limited
    assert "the host alone is 5.0 (mnist-images), 5.0 (fashion-mnist), 5.0 (cifar10)" in limited
    assert "-1.0 (mnist-images)" in limited
    assert limited.endswith("we found no setting that changes that.")
    [open_question] = novnorm_why([frame(0.87, 0.91)])  # the wider host reaches it everywhere
    assert "what limits NovNorm" not in open_question
    [worse_than_host] = novnorm_why([frame(0.84, 0.89)])  # NovNorm below its own host
    assert "It adds -1.0 (mnist-images)" in worse_than_host
    assert "what limits NovNorm" not in worse_than_host
    assert novnorm_why([frame(0.91, 0.91)]) == []  # at least as good everywhere: nothing to say
    assert novnorm_why([frame(0.87, 0.89, n=19)]) == []  # a cell missing: not concluded
