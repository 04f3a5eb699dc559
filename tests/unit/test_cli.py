"""The command line through typer's runner."""

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.cli import app

runner = CliRunner()


def invoke(*args: str):
    return runner.invoke(app, list(args), catch_exceptions=False)


def test_help_explains_each_command() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("datasets", "detectors", "fit", "score", "bench", "report", "results"):
        assert command in result.output
    assert invoke("bench", "--help").exit_code == 0


def test_datasets_list_json_has_true_counts() -> None:
    result = invoke("datasets", "list", "--json")
    assert result.exit_code == 0, result.output
    rows = {r["name"]: r for r in json.loads(result.output)}
    assert (rows["cardio"]["rows"], rows["cardio"]["features"], rows["cardio"]["anomalies"]) == (
        1831,
        21,
        176,
    )
    assert rows["arrhythmia"]["rows"] == 452
    assert rows["cifar10"]["rows"] == 60000


def test_datasets_list_missing_root_is_a_clear_error(tmp_path) -> None:
    result = runner.invoke(app, ["datasets", "list", "--data-root", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert "nowhere" in result.output


def test_fit_and_score_user_csv(tmp_path) -> None:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    X[:10] += 6
    frame = pd.DataFrame(X, columns=list("abcd"))
    frame["label"] = (np.arange(200) < 10).astype(int)
    csv = tmp_path / "mine.csv"
    frame.to_csv(csv, index=False)
    model = tmp_path / "model"
    result = invoke(
        "fit",
        "AutoEncoder",
        str(csv),
        "--label-column",
        "label",
        "--param",
        "epochs=5",
        "--param",
        "hidden_dims=[8]",
        "--param",
        "latent_dim=2",
        "--out",
        str(model),
    )
    assert result.exit_code == 0, result.output
    assert json.loads((model / "config.json").read_text())["params"]["epochs"] == 5
    scores_csv = tmp_path / "scores.csv"
    result = invoke(
        "score", str(model), str(csv), "--label-column", "label", "--out", str(scores_csv)
    )
    assert result.exit_code == 0, result.output
    out = pd.read_csv(scores_csv)
    assert len(out) == 200 and {"score", "label", "truth"} <= set(out.columns)
    assert out.score[:10].mean() > out.score[10:].mean()
    assert "AUC-ROC" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fit", "NoSuchDetector", "cardio", "--out", "x"), "unknown detector"),
        (("fit", "AutoEncoder", "no-such-data", "--out", "x"), "no-such-data"),
        (("fit", "AutoEncoder", "cardio", "--param", "epochs", "--out", "x"), "key=value"),
        (("score", "no-model-here", "cardio", "--out", "s.csv"), "no saved detector"),
        (("bench", "--suite", "nope"), "unknown suite"),
    ],
)
def test_errors_are_clear(args, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0
    assert message in result.output


def test_bench_prints_leaderboard_writes_results_and_resumes(tmp_path) -> None:
    out = tmp_path / "run"
    args = (
        "bench",
        "--detectors",
        "AutoEncoder,IForest",
        "--datasets",
        "WBC,vertebral",
        "--seeds",
        "2",
        "--out",
        str(out),
    )
    result = invoke(*args)
    assert result.exit_code == 0, result.output
    assert (
        "leaderboard" in result.output
        and "AutoEncoder" in result.output
        and "IForest" in result.output
    )
    results = pd.read_csv(out / "results.csv")
    assert len(results) == 8 and (results.status == "ok").all()
    assert (out / "report.md").read_text().startswith("# anomalab bench")
    assert (out / "report.html").read_text().startswith("<!DOCTYPE html>")
    again = invoke(*args)
    assert "8 already stored" in again.output
    runs = json.loads((out / "run.json").read_text())["runs"]
    assert len(runs) == 2 and runs[0]["command"].startswith("anomalab ")
    assert {"versions", "cpu_count", "platform"} <= set(runs[1])
    rewritten = invoke("report", "--out", str(out))
    assert rewritten.exit_code == 0 and "report.html" in rewritten.output


def test_bench_labels_runs_only_those_entrants(tmp_path) -> None:
    out = tmp_path / "run"
    common = ("bench", "--suite", "plad-tabular", "--datasets", "thyroid", "--seeds", "1")
    result = invoke(*common, "--labels", "OCSVM,IForest", "--out", str(out))
    assert result.exit_code == 0, result.output
    assert sorted(pd.read_csv(out / "results.csv").detector) == ["IForest", "OCSVM"]
    wrong = invoke(*common, "--labels", "IForest,PLAD", "--out", str(tmp_path / "wrong"))
    assert wrong.exit_code == 1
    assert "no entrant labelled ['PLAD']" in wrong.output
    assert not (tmp_path / "wrong").exists()
