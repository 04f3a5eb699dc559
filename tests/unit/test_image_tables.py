"""The per-class tables of a one-class image benchmark (``anomalab.reproductions.image_tables``):
classes as rows beside the paper's published rows, ``not run yet`` for a class without cells,
the ten-class mean over seeds only when every class ran, and variants against a baseline."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from anomalab.bench.document import Section
from anomalab.reproductions.context import Context
from anomalab.reproductions.image_tables import (
    NOT_RUN,
    class_mean,
    class_mean_vs,
    class_means,
    dataset_means,
    mean_std,
    per_class,
    with_class,
)
from anomalab.reproductions.spec import spec_from_dict
from anomalab.reproductions.tables import TABLES

SPEC = spec_from_dict(
    "plad", {"title": "T", "parts": {"images": {"suite": "plad-images"}}, "sections": []}
)


def cells(entrant: str, value, seeds=(0, 1, 2), skip=()) -> list[dict]:
    """Cells of ``entrant`` on fashion-mnist, AUC-ROC ``value(k, seed)``, none for ``skip``
    ((class, seed) pairs)."""
    return [
        {
            "detector": entrant,
            "dataset": "fashion-mnist",
            "protocol_params": json.dumps({"normal_class": k}),
            "seed": s,
            "auc_roc": value(k, s),
            "fit_seconds": 10.0 + k,
            "status": "ok",
        }
        for k in range(10)
        for s in seeds
        if (k, s) not in skip
    ]


def context(tmp_path, *groups: list[dict]) -> Context:
    rows = pd.DataFrame([r for g in groups for r in g])
    return Context(SPEC, {"images": rows}, tmp_path)


def test_mean_std_in_percent_with_the_seed_count() -> None:
    assert mean_std(pd.Series([0.5, 0.7])) == "60.0 ± 14.1 (n=2)"
    assert mean_std(pd.Series([0.737])) == "73.7 (n=1)"
    assert mean_std(pd.Series([], dtype=float)) == NOT_RUN
    assert mean_std(pd.Series([0.5, 0.7]), scale=1.0, digits=3) == "0.600 ± 0.141 (n=2)"


def test_the_ten_class_mean_needs_every_class_and_counts_complete_seeds(tmp_path) -> None:
    value = lambda k, s: 0.5 + 0.01 * k + 0.1 * s  # noqa: E731
    ok = with_class(pd.DataFrame(cells("A", value, skip={(3, 2)})))
    mean = class_mean(ok, "fashion-mnist", "A", "auc_roc")
    # class 3 ran seeds 0 and 1 only: its mean is 0.58 + 0.05, the others' 0.5 + 0.01 k + 0.1
    expected = np.mean([0.5 + 0.01 * k + (0.05 if k == 3 else 0.1) for k in range(10)])
    assert mean.mean == pytest.approx(expected) and mean.min_seeds == 2
    assert mean.seed_std == pytest.approx(np.std([0.545, 0.645], ddof=1))  # seeds 0, 1 complete
    assert mean.text() == f"{100 * expected:.1f} ± 7.1 over seeds (>= 2 seed(s) per class)"
    ok = with_class(pd.DataFrame(cells("A", value, skip={(9, s) for s in range(3)})))
    assert class_mean(ok, "fashion-mnist", "A", "auc_roc") is None  # class 9 never ran


def test_per_class_rows_beside_the_papers_with_not_run_yet(tmp_path) -> None:
    value = lambda k, s: 0.6 + 0.02 * s  # noqa: E731
    ctx = context(tmp_path, cells("A", value), cells("B", value, skip={(9, s) for s in range(3)}))
    out = Section("T")
    names = [f"c{k}" for k in range(10)]
    per_class(
        ctx, out, "images", "fashion-mnist", ["A", "B"], paper_table="Table 3",
        paper_entrant="PLAD", labels={"A": "ours A"}, names=names, fit_seconds=["A"],
        mean_row="ten-class mean",
    )  # fmt: skip
    frame = out.blocks[0][1][0]
    assert list(frame.columns) == ["PLAD (paper)", "ours A", "fit s", "B"]
    assert list(frame.index) == [*names, "ten-class mean"]
    assert frame.loc["c0", "PLAD (paper)"] == "93.1 ± 0.5"  # PLAD's Table 3, T-shirt
    assert frame.loc["c0", "ours A"] == "62.0 ± 2.0 (n=3)"
    assert frame.loc["c4", "fit s"] == "14"
    assert frame.loc["c9", "B"] == NOT_RUN and frame.loc["ten-class mean", "B"] == NOT_RUN
    assert frame.loc["ten-class mean", "ours A"] == "62.0 ± 2.0 over seeds (>= 3 seed(s) per class)"
    assert frame.loc["ten-class mean", "PLAD (paper)"] == "-"  # Table 3 has no mean row
    transposed = Section("T")
    per_class(ctx, transposed, "images", "fashion-mnist", ["A"], transpose=True)
    assert list(transposed.blocks[0][1][0].index) == ["A"]


def test_class_means_and_variants_against_a_baseline(tmp_path) -> None:
    base = lambda k, s: 0.6 + 0.01 * k + 0.02 * s  # noqa: E731
    ctx = context(
        tmp_path,
        cells("A", base),
        cells("B", lambda k, s: base(k, s) + 0.2),
        cells("C", lambda k, s: base(k, s) + 0.001),
    )
    out = Section("T")
    rows = [["fashion-mnist", "A"], ["fashion-mnist", "B", "fashion-mnist, B (option)"]]
    class_means(ctx, out, "images", rows, paper_table="Table 4", paper={"A": "PLAD"})
    frame = out.blocks[0][1][0]
    assert frame.values.tolist() == [
        ["fashion-mnist", "93.5", "66.5 ± 2.0 over seeds (>= 3 seed(s) per class)"],
        ["fashion-mnist, B (option)", "-", "86.5 ± 2.0 over seeds (>= 3 seed(s) per class)"],
    ]
    out = Section("T")
    class_mean_vs(ctx, out, "images", "fashion-mnist", "A", ["B", "C", "D"])
    head, items = out.blocks[0][1], out.blocks[1][1].splitlines()
    assert head.startswith(
        "Against A on fashion-mnist (the same cells): its ten-class mean is 66.5"
    )
    assert items[0].startswith("- B: 86.5, +20.0 points: higher by more than two standard errors")
    assert items[1].startswith("- C: 66.6, +0.1 points: no clear difference")
    assert len(items) == 2  # D never ran


def test_dataset_means_and_the_blocks_are_declarable(tmp_path) -> None:
    rows = [
        {"detector": "A", "dataset": d, "protocol_params": "{}", "seed": s, "auc_roc": v,
         "status": "ok"}
        for d, v in (("cifar10", 0.4), ("fashion-mnist", 0.6))
        for s in range(2)
    ]  # fmt: skip
    ctx = context(tmp_path, rows)
    out = Section("T")
    dataset_means(ctx, out, "images", ["cifar10", "fashion-mnist"], ["A"], paper_table="Table 6",
                  paper_entrant="PLAD")  # fmt: skip
    frame = out.blocks[0][1][0]
    assert frame.loc["cifar10"].tolist() == ["72.7 ± 1.9", "40.0 ± 0.0 (n=2)"]
    empty = Context(SPEC, {"images": pd.DataFrame(rows).iloc[:0]}, tmp_path)
    per_class(empty, out := Section("T"), "images", "fashion-mnist", ["A"])
    assert out.blocks == []  # a part without cells renders nothing
    assert {"per_class", "class_means", "class_mean_vs", "dataset_means"} <= set(TABLES)
