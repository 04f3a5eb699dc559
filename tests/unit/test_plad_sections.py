"""PLAD's section functions (``anomalab.reproductions.sections.plad``) on small stand-in cells: the
issue's checks, the lambda chosen on the dev half only, the timing probe, and the image probe read
from its JSON (a probed cell not stored leaves the JSON as it is)."""

from __future__ import annotations

import json

import pandas as pd

from anomalab.bench.document import Section
from anomalab.reproductions import figures
from anomalab.reproductions.context import Context
from anomalab.reproductions.engine import load_paper
from anomalab.reproductions.sections import plad

SPEC = load_paper("plad")


def cells(rows: list[tuple], **columns) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["detector", "dataset", "seed", "f1"])
    defaults = {"status": "ok", "auc_roc": 0.5, "protocol_params": "{}", "params": "{}"}
    return frame.assign(**{**defaults, **columns})


def test_checks_hold_each_target_or_say_why_not(tmp_path) -> None:
    tabular = cells([("PLAD lam=3 b128", "thyroid", s, 0.72) for s in range(2)])
    ctx = Context(SPEC, {"tabular": tabular}, tmp_path)
    out = Section("T")
    plad.checks(
        ctx, out, "tabular", "images", f1={"thyroid": ["PLAD lam=3 b128", 0.7],
        "arrhythmia": ["PLAD lam=2 b64", 0.6]}, auc_roc={"cifar10": ["PLAD (cpu preset)", 0.7]},
    )  # fmt: skip
    assert out.blocks[0][1].splitlines() == [
        "- thyroid F1 >= 0.70 (paper 76.6): ours 0.720 -> holds",
        "- arrhythmia F1 >= 0.60 (paper 71.0): not run",
        "- cifar10 mean AUC >= 0.70 with the cpu preset (paper 75.1): not established (not all "
        "ten classes ran)",
    ]


def test_the_lambda_is_chosen_on_the_dev_half_and_read_on_the_final_half(tmp_path) -> None:
    dev = cells(
        [("PLAD lam=0.5", "thyroid", 0, 0.4), ("PLAD lam=1", "thyroid", 0, 0.6),
         ("PLAD lam=2", "thyroid", 0, 0.6), ("PLAD lam=3", "thyroid", 0, 0.1)]
    )  # fmt: skip
    final = cells([("PLAD lam=1", "thyroid", 0, 0.3), ("PLAD lam=1", "thyroid", 1, 0.5)])
    ctx = Context(SPEC, {"lambda": dev, "lambda-final": final}, tmp_path)
    out = Section("T")
    plad.lambda_sweep(ctx, out, "lambda", "lambda-final", {"thyroid": 3.0}, ["PLAD"])
    sweep, chosen = out.blocks[1][1][0], out.blocks[3][1][0]
    assert sweep["lambda"].tolist() == ["0.5", "1", "2", "3"]
    # lambdas 1 and 2 tie on the dev half: the smaller is chosen; the paper's 3 was not run there
    assert chosen.values.tolist() == [
        ["thyroid", "PLAD", "1", "40.0 ± 14.1 (n=2)", "3", "not run yet"]
    ]
    paper = cells([("PLAD lam=3", "thyroid", 0, 0.2)])  # the paper's lambda, outside the sweep
    ctx = Context(SPEC, {"lambda": dev, "lambda-final": final, "lambda-paper": paper}, tmp_path)
    out = Section("T")
    plad.lambda_sweep(
        ctx, out, "lambda", "lambda-final", {"thyroid": 3.0}, ["PLAD"], "lambda-paper"
    )
    assert out.blocks[3][1][0].values.tolist()[0][-1] == "20.0 (n=1)"


def test_timing_extrapolates_the_probe_cell(tmp_path) -> None:
    timing = cells(
        [("PLAD timing probe", "fashion-mnist", 0, 0.0)],
        params=json.dumps({"epochs": 2}), fit_seconds=14.0, score_seconds=2.0,
    )  # fmt: skip
    out = Section("T")
    plad.timing(Context(SPEC, {"timing": timing}, tmp_path), out, "timing")
    text = out.blocks[0][1]
    assert "2 epochs" in text and "fit 14 s (7 s per epoch)" in text
    assert "about 24 min per seed" in text  # 10 x (20 x 7 + 2) s = 23.7 min


def test_the_image_probe_reads_its_json_and_keeps_it_without_the_cells(
    tmp_path, monkeypatch
) -> None:
    monkeypatch.setattr(figures, "probe_file", lambda paper, name: tmp_path / name)
    row = {"cell": "fashion-mnist:2", "train_separation_auc": 1.0, "median_relative_size": 0.1,
           "spread": 0.7, "median_cos_to_mean_shift": 0.8, "test_auc": 0.3,
           "test_auc_along_u": 0.7, "spearman_score_vs_u": -0.5}  # fmt: skip
    saved = {"command": "python made_it.py", "rows": [row]}
    (tmp_path / "p.json").write_text(json.dumps(saved))
    images = cells(
        [("PLAD (cpu preset)", "fashion-mnist", 0, 0.0)],
        protocol_params=json.dumps({"normal_class": 0}),
    )  # fmt: skip
    ctx = Context(SPEC, {"images": images}, tmp_path, from_archive=False)
    out = Section("T")
    plad.image_probes(ctx, out, "images", "p.json", "PLAD (cpu preset)", ["fashion-mnist:2"])
    assert json.loads((tmp_path / "p.json").read_text()) == saved  # class 2 is not stored
    assert "Produced by `python made_it.py`" in out.blocks[0][1]
    table = out.blocks[1][1][0]
    assert table.values.tolist() == [
        ["fashion-mnist:2", "1.000", "0.100", "0.70", "0.80", "0.300", "0.700", "-0.50"]
    ]
    assert out.blocks[2][1].startswith("On fashion-mnist:2 the classifier separates")
