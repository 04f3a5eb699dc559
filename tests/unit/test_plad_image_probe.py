"""The PLAD image probe (issue 27): the perturbations it measures are the ones the classifier was
trained on, and its table reads the committed rows."""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import numpy as np

from anomalab.bench.plad_image_probe import DEFAULT_OUT, RUNGS, _as_trained, probe_table
from anomalab.detectors.plad import PLAD
from anomalab.presets import DataShape

ROOT = Path(__file__).resolve().parents[2]


def _det(mirror: bool, random_signs: bool) -> SimpleNamespace:
    return SimpleNamespace(hp_=SimpleNamespace(mirror=mirror, random_signs=random_signs))


def test_perturbations_as_trained_follow_mirror_and_random_signs() -> None:
    X = np.zeros((4, 1, 2, 2))
    X_tilde = X + 0.5
    np.testing.assert_array_equal(_as_trained(_det(False, False), X, X_tilde), X_tilde)
    mirrored = _as_trained(_det(True, False), X, X_tilde)
    np.testing.assert_array_equal(mirrored, np.concatenate([X_tilde, X - 0.5]))
    signed = _as_trained(_det(False, True), X, X_tilde)
    assert set(np.unique(signed)) == {-0.5, 0.5}  # same size, each coordinate's sign drawn


def test_the_probes_tabular_rules_rung_is_image_revision_1() -> None:
    """The probe's "tabular rules" rung is what ``preset="recommended"`` ran on images at image
    revision 1 (the rungs of suite plad-images-dev pin it); revision 2, that suite's decision,
    is the paper's rules for one epoch."""
    shape = DataShape(6000, 784, (1, 28, 28))
    rung = {k: v for k, v in RUNGS["tabular rules"].items() if k not in ("preset", "budget")}
    assert rung == {"lam": 10.0, "mirror": True, "random_signs": True}
    assert PLAD().recommended_params(shape) == {**PLAD.paper_params, "epochs": 1}


def test_table_of_the_committed_rows() -> None:
    rows = json.loads((ROOT / DEFAULT_OUT).read_text())["rows"]
    assert all(r["dataset"] == "mnist-images" for r in rows)  # the development set only
    table = probe_table(rows)
    paper = [r for r in rows if r["rung"] == "paper"]
    line = next(t for t in table if t.startswith("| paper |"))
    assert f"| {np.mean([r['test_auc'] for r in paper]):.3f} |" in line
    per_cell = table[table.index("") + 1 :]
    assert sum(t.startswith("| paper | mnist-images:") for t in per_cell) == len(paper)


def test_table_prints_the_stored_rows_and_fits_nothing(capsys) -> None:
    from anomalab.bench.plad_image_probe import main

    main(["--out", str(ROOT / DEFAULT_OUT), "--table"])
    assert "| paper | mnist-images:0 seed 0 |" in capsys.readouterr().out


def test_the_presets_report_shows_the_probe_rows() -> None:
    text = (ROOT / "docs" / "results" / "recommended.md").read_text(encoding="utf-8")
    assert "### PLAD on one-class MNIST (the development set): rungs and diagnosis probe" in text
    assert "| paper | mnist-images:0 seed 0 |" in text
