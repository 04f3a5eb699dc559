"""``anomalab score --explain K`` (top features per flagged row) and ``--explain-figure``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import anomalab
from anomalab.bench.figures import explanation_figure
from anomalab.cli import app

runner = CliRunner()
COLUMNS = ["pulse", "height", "weight", "age", "sodium"]


@pytest.fixture(scope="module")
def saved(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, np.ndarray]:
    """A fitted AutoEncoder and a user CSV whose first 10 rows have "weight" shifted by 8."""
    folder = tmp_path_factory.mktemp("explain_cli")
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, len(COLUMNS)))
    model = anomalab.AutoEncoder(epochs=30, hidden_dims=(8,), latent_dim=2, random_state=0)
    model.set_params(contamination=0.05).fit(X)
    model.save(folder / "model")
    test = rng.normal(size=(200, len(COLUMNS)))
    test[:10, COLUMNS.index("weight")] += 8.0
    csv = folder / "rows.csv"
    pd.DataFrame(test, columns=COLUMNS).to_csv(csv, index=False)
    return folder / "model", csv, test


def invoke(*args: str | Path):
    return runner.invoke(app, [str(a) for a in args])


def test_flagged_rows_get_their_top_features_by_name(saved, tmp_path: Path) -> None:
    model, csv, _ = saved
    before = csv.read_bytes()
    out, figure = tmp_path / "scores.csv", tmp_path / "top.png"
    result = invoke("score", model, csv, "--out", out, "--explain", "2", "--explain-figure", figure)
    assert result.exit_code == 0, result.output
    frame = pd.read_csv(out)
    assert list(frame.columns) == [
        "score",
        "label",
        "top1_feature",
        "top1_contribution",
        "top2_feature",
        "top2_contribution",
    ]
    flagged = frame.label == 1
    assert flagged[:10].all()
    assert (frame.top1_feature[:10] == "weight").all()
    assert frame[flagged].notna().all().all()
    assert frame[~flagged].top1_feature.isna().all() and frame[~flagged].top2_feature.isna().all()
    assert (frame.top1_contribution[flagged] >= frame.top2_contribution[flagged]).all()
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert csv.read_bytes() == before


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--explain", "0"), "K >= 1"),
        (("--explain", "6"), "has 5 features"),
        (("--explain-figure", "new.png"), "needs --explain"),
    ],
)
def test_bad_explain_options_are_one_line_errors(saved, tmp_path: Path, extra, message) -> None:
    model, csv, _ = saved
    result = invoke("score", model, csv, "--out", tmp_path / "s.csv", *extra)
    assert result.exit_code != 0
    assert message in result.output
    assert "Traceback" not in result.output


def test_an_existing_figure_file_is_never_overwritten(saved, tmp_path: Path) -> None:
    model, csv, _ = saved
    figure = tmp_path / "mine.png"
    figure.write_bytes(b"the user's own picture")
    result = invoke(
        "score", model, csv, "--out", tmp_path / "s.csv", "--explain", "1",
        "--explain-figure", figure,
    )  # fmt: skip
    assert result.exit_code != 0 and "exists" in result.output
    assert figure.read_bytes() == b"the user's own picture"
    assert not (tmp_path / "s.csv").exists()


def test_explanation_figure_draws_the_top_scored_rows(saved) -> None:
    model, _, test = saved
    detector = anomalab.load(model)
    png = explanation_figure(detector, test, COLUMNS, top_rows=3)
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000
    with pytest.raises(ValueError, match="feature names"):
        explanation_figure(detector, test, COLUMNS[:2])
