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
    for command in (
        "datasets",
        "detectors",
        "fit",
        "score",
        "select",
        "selection",
        "bench",
        "report",
        "results",
    ):
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


def test_fit_takes_a_peer_by_name_with_its_own_parameters(tmp_path) -> None:
    """`anomalab fit IForest DATA`: peers fit and save like detectors; messages name the peer."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 3))
    X[:6] += 6
    csv = tmp_path / "mine.csv"
    pd.DataFrame(X, columns=list("abc")).to_csv(csv, index=False)
    model = tmp_path / "model"
    params = ("--param", "n_estimators=25", "--param", "random_state=3")
    result = invoke("fit", "IForest", str(csv), *params, "--out", str(model))
    assert result.exit_code == 0, result.output
    assert "fitted IForest on mine (120 rows)" in result.output
    config = json.loads((model / "config.json").read_text())
    assert config["params"]["peer_params"] == {"n_estimators": 25}
    assert config["params"]["random_state"] == 3  # the adapter's seed, not a second keyword
    scores_csv = tmp_path / "scores.csv"
    result = invoke("score", str(model), str(csv), "--out", str(scores_csv))
    assert result.exit_code == 0, result.output
    assert pd.read_csv(scores_csv).score[:6].min() > pd.read_csv(scores_csv).score[6:].median()
    wide = tmp_path / "wide.csv"
    pd.DataFrame(rng.normal(size=(5, 4)), columns=list("abcd")).to_csv(wide, index=False)
    result = invoke("score", str(model), str(wide), "--out", str(tmp_path / "w.csv"))
    assert result.exit_code != 0
    assert "wide.csv: its columns differ" in result.output  # matched by name: d is new
    assert "not seen in training ['d']" in result.output
    result = invoke("fit", "PyOD-DevNet", str(csv), "--out", str(tmp_path / "m2"))
    assert result.exit_code != 0 and "PyOD-DevNet needs labels" in result.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("fit", "NoSuchDetector", "cardio", "--out", "x"), "unknown detector"),
        (("fit", "AutoEncoder", "no-such-data", "--out", "x"), "no-such-data"),
        (("fit", "AutoEncoder", "cardio", "--param", "epochs", "--out", "x"), "key=value"),
        (("score", "no-model-here", "cardio", "--out", "s.csv"), "no saved detector"),
        (("bench", "--suite", "nope"), "unknown suite"),
        (("bench", "--datasets", "no-such-data", "--out", "r"), "unknown dataset 'no-such-data'"),
        (
            ("bench", "--datasets", "cardio", "--seeds", "0", "--out", "r"),
            "seeds must be at least 1",
        ),
        (
            ("bench", "--datasets", "cardio", "--jobs", "0", "--out", "r"),
            "--jobs must be at least 1",
        ),
    ],
)
def test_errors_are_clear(args, message, tmp_path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, list(args))
    assert result.exit_code != 0
    assert message in result.output
    assert not (tmp_path / "r" / "results.sqlite").exists()  # refused before any cell ran


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
    assert {"versions", "cpu_count", "platform", "cpu_capability", "git_dirty"} <= set(runs[1])
    assert runs[1]["processor"]  # the CPU model: float results can differ between CPUs
    rewritten = invoke("report", "--out", str(out))
    assert rewritten.exit_code == 0 and "report.html" in rewritten.output


def test_bench_runs_a_labeled_csv_like_the_catalog_dataset_it_holds(tmp_path) -> None:
    """`bench --datasets my.csv --label-column C`: a user's table runs through the same data
    path as the catalog (WBC written to a CSV scores exactly as WBC); without the label column
    the cells fail naming the option, and a catalog dataset refuses it."""
    from anomalab.data import load_dataset

    data = load_dataset("WBC")
    frame = pd.DataFrame(data.X, columns=[f"f{j}" for j in range(data.X.shape[1])])
    frame["is_anomaly"] = data.y
    csv = tmp_path / "wbc.csv"
    frame.to_csv(csv, index=False)
    common = ("bench", "--detectors", "IForest", "--seeds", "1")
    mine = invoke(
        *common,
        "--datasets",
        str(csv),
        "--label-column",
        "is_anomaly",
        "--out",
        str(tmp_path / "a"),
    )
    assert mine.exit_code == 0, mine.output
    catalog = invoke(*common, "--datasets", "WBC", "--out", str(tmp_path / "b"))
    assert catalog.exit_code == 0, catalog.output
    ours = pd.read_csv(tmp_path / "a" / "results.csv")
    theirs = pd.read_csv(tmp_path / "b" / "results.csv")
    assert ours.status.tolist() == ["ok"] and ours.auc_roc.tolist() == theirs.auc_roc.tolist()
    unlabeled = invoke(*common, "--datasets", str(csv), "--out", str(tmp_path / "c"))
    assert unlabeled.exit_code == 1
    error = pd.read_csv(tmp_path / "c" / "results.csv").error[0]
    assert "has no labels" in error and "--label-column" in error
    label = ("--label-column", "is_anomaly", "--out", str(tmp_path / "d"))
    mixed = invoke(*common, "--datasets", f"WBC,{csv}", *label)
    assert mixed.exit_code == 1 and "applies to data files only" in mixed.output
    assert not (tmp_path / "d").exists()


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


def test_select_chooses_saves_and_the_model_scores(tmp_path) -> None:
    from anomalab.data import load_dataset

    data = load_dataset("WBC")
    frame = pd.DataFrame(data.X, columns=[f"f{j}" for j in range(data.X.shape[1])])
    frame["is_anomaly"] = 0
    frame.loc[np.flatnonzero(data.y == 1)[:4], "is_anomaly"] = 1
    path = tmp_path / "wbc.csv"
    frame.to_csv(path, index=False)
    before = path.read_bytes()
    result = invoke(
        "select",
        str(path),
        "--label-column",
        "is_anomaly",
        "--candidates",
        "IForest,PyOD-ECOD",
        "--out",
        str(tmp_path / "model"),
    )
    assert result.exit_code == 0, result.output
    assert "selected:" in result.output and "auc_pr_mean" in result.output
    assert path.read_bytes() == before
    scored = invoke(
        "score",
        str(tmp_path / "model"),
        str(path),
        "--label-column",
        "is_anomaly",
        "--out",
        str(tmp_path / "scores.csv"),
    )
    assert scored.exit_code == 0, scored.output
    assert len(pd.read_csv(tmp_path / "scores.csv")) == len(frame)
    unlabeled = invoke("select", str(path), "--budget", "5", "--candidates", "IForest,PyOD-HBOS")
    assert unlabeled.exit_code == 0, unlabeled.output
    assert "(evidence;" in unlabeled.output and "benchmark datasets, nearest:" in unlabeled.output


def test_training_labels_may_mark_known_normal_rows(tmp_path) -> None:
    """-1 (a row known to be normal) is a training label: `select` and `fit` take it, `score`
    (whose labels are the truth it is measured against) refuses it in one line."""
    from anomalab.data import load_dataset

    data = load_dataset("WBC")
    frame = pd.DataFrame(data.X, columns=[f"f{j}" for j in range(data.X.shape[1])])
    labels = np.zeros(len(frame), dtype=int)
    labels[np.flatnonzero(data.y == 1)[:4]] = 1
    labels[np.flatnonzero(data.y == 0)[:20]] = -1
    frame["y"] = labels
    path = tmp_path / "wbc.csv"
    frame.to_csv(path, index=False)
    chosen = invoke("select", str(path), "--label-column", "y", "--candidates", "IForest,PyOD-ECOD")
    assert chosen.exit_code == 0, chosen.output
    assert "selected:" in chosen.output
    model = tmp_path / "model"
    fitted = invoke(
        "fit",
        "DevNet",
        str(path),
        "--label-column",
        "y",
        "--out",
        str(model),
        "--param",
        "epochs=1",
    )
    assert fitted.exit_code == 0, fitted.output
    scored = invoke(
        "score", str(model), str(path), "--label-column", "y", "--out", str(tmp_path / "s.csv")
    )
    assert scored.exit_code == 1 and "-1 is not allowed" in scored.output


def test_select_errors_are_one_line(tmp_path) -> None:
    path = tmp_path / "tiny.csv"
    pd.DataFrame({"a": [0.0, 1.0, 2.0, 3.0], "y": [1, 0, 0, 0]}).to_csv(path, index=False)
    result = runner.invoke(app, ["select", str(path), "--label-column", "y"])
    assert result.exit_code != 0
    assert "at least 3 labeled anomalies" in result.output
