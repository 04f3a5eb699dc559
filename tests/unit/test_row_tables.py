"""Tables whose rows a spec lists (``anomalab.reproductions.row_tables``): a paper's published
rows beside our entrants by dataset, per-seed lines, the leaderboard and an entrant's wins; and
the probes' JSON beside a spec (``figures.read_probe`` / ``write_probe``)."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from anomalab.bench.document import Section
from anomalab.metrics import f1_by_rule, f1_rule_bounds
from anomalab.reproductions import figures
from anomalab.reproductions.context import Context
from anomalab.reproductions.row_tables import leaderboard, method_rows, per_seed, wins
from anomalab.reproductions.spec import spec_from_dict

SPEC = spec_from_dict(
    "plad", {"title": "T", "parts": {"t": {"suite": "plad-tabular"}}, "sections": []}
)


def rows() -> pd.DataFrame:
    cells = [
        ("A", "thyroid", 0, 0.30, 0.60), ("A", "thyroid", 1, 0.50, 0.40),
        ("A", "arrhythmia", 0, 0.40, 0.70), ("A", "arrhythmia", 1, 0.40, 0.70),
        ("B", "thyroid", 0, 0.80, 0.90), ("B", "thyroid", 1, 0.80, 0.90),
        ("B", "arrhythmia", 0, 0.20, 0.30), ("B", "arrhythmia", 1, 0.20, 0.30),
    ]  # fmt: skip
    frame = pd.DataFrame(cells, columns=["detector", "dataset", "seed", "f1", "auc_roc"])
    return frame.assign(
        status="ok", auc_pr=frame["f1"], fit_seconds=1.0, score_seconds=0.1, protocol_params="{}"
    )


def test_method_rows_put_the_papers_rows_beside_ours(tmp_path) -> None:
    ctx = Context(SPEC, {"t": rows()}, tmp_path)
    out = Section("T")
    listed = [
        ["PLAD (paper)", "paper:PLAD"],
        ["ours, per dataset", {"thyroid": "A", "arrhythmia": "B"}],
        ["B, ours", "B"],
        ["GOAD (paper)", "paper:GOAD"],
    ]
    method_rows(ctx, out, "t", ["thyroid", "arrhythmia"], listed, "f1", paper_table="Table 5",
                labels={"thyroid": "Thyroid"})  # fmt: skip
    frame = out.blocks[0][1][0]
    assert list(frame.columns) == ["Method", "Thyroid", "arrhythmia"]
    assert frame.values.tolist() == [
        ["PLAD (paper)", "76.6 ± 0.6", "71.0 ± 1.7"],  # PLAD's published Table 5
        ["ours, per dataset", "40.0 ± 14.1 (n=2)", "20.0 ± 0.0 (n=2)"],
        ["B, ours", "80.0 ± 0.0 (n=2)", "20.0 ± 0.0 (n=2)"],
        ["GOAD (paper)", "74.5 ± 1.1", "52.0 ± 2.3"],
    ]
    per_seed(ctx, out, "t", {"thyroid": ["A"]})
    assert out.blocks[1][1] == "- thyroid, A: per seed F1 [0.300, 0.500], AUC-ROC [0.600, 0.400]"


def test_leaderboard_and_wins(tmp_path) -> None:
    ctx = Context(SPEC, {"t": rows()}, tmp_path)
    out = Section("T")
    leaderboard(ctx, out, "t", bold="A")
    frame = out.blocks[0][1][0]
    assert frame["entrant"].tolist() == ["**A**", "B"]  # by mean AUC-ROC: 0.6 against 0.6 ...
    assert frame.iloc[0]["cells ok / failed"] == "4 / 0"
    wins(ctx, out, "t", "A")
    assert out.blocks[1][1] == (
        "A is best (ties count) on 1 of the 2 datasets it ran and below 0.5 AUC-ROC on 0: none."
    )
    wins(ctx, out, "t", "C")  # not run: nothing
    assert len(out.blocks) == 2


def test_f1_rule_bounds_are_a_perfect_and_a_random_ranking() -> None:
    y = np.r_[np.zeros(50), np.ones(50)].astype(int)
    perfect, random = f1_rule_bounds(y, "normal_at_p20", np.random.default_rng(0), draws=50)
    # 80 % called normal: every normal (recall 1) and 30 anomalies (precision 50 / 80)
    assert perfect == pytest.approx(2 * (50 / 80) / (1 + 50 / 80))
    assert f1_by_rule(y, y.astype(float), "normal_at_p20") < perfect  # ties: why it adds noise
    assert 0.5 < random < 0.7 and random < perfect


def test_a_probe_saves_its_json_beside_the_spec(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(figures, "probe_file", lambda paper, name: tmp_path / name)
    assert figures.read_probe("plad", "p.json") is None
    figures.write_probe("plad", "p.json", {"b": 1.5, "a": [1, 2]})
    assert figures.read_probe("plad", "p.json") == {"a": [1, 2], "b": 1.5}
    assert (tmp_path / "p.json").read_text() == json.dumps({"a": [1, 2], "b": 1.5}, indent=1) + "\n"
