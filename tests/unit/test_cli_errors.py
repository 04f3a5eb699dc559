"""The command line's one error path: bad inputs give one line on stderr and exit 1 (a
traceback only with --debug); no user file is overwritten; bench fails when a cell failed."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.cli import app

runner = CliRunner()
FAST = ("--param", "epochs=1", "--param", "hidden_dims=[4]", "--param", "latent_dim=2")


def run(*args: str):
    return runner.invoke(app, [str(a) for a in args])


def assert_one_line_error(result, *needles: str) -> None:
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error:"), result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    for needle in needles:
        assert needle in result.stderr, result.stderr


@pytest.fixture
def table(tmp_path) -> Path:
    rng = np.random.default_rng(0)
    path = tmp_path / "data.csv"
    pd.DataFrame(rng.normal(size=(60, 3)), columns=list("abc")).to_csv(path, index=False)
    return path


@pytest.fixture
def model(tmp_path, table) -> Path:
    out = tmp_path / "model"
    assert run("fit", "AutoEncoder", table, *FAST, "--out", out).exit_code == 0
    return out


# ------------------------------------------------------------------ no user file overwritten
def test_fit_out_refuses_a_users_folder_unless_overwrite(tmp_path, table) -> None:
    mine = tmp_path / "project"
    mine.mkdir()
    (mine / "config.json").write_text('{"my": "settings"}')
    result = run("fit", "AutoEncoder", table, *FAST, "--out", mine)
    assert_one_line_error(result, "holds no anomalab model", "--overwrite")
    assert (mine / "config.json").read_text() == '{"my": "settings"}'
    assert not (mine / "weights.safetensors").exists()
    assert run("fit", "AutoEncoder", table, *FAST, "--out", mine, "--overwrite").exit_code == 0
    assert json.loads((mine / "config.json").read_text())["detector"] == "AutoEncoder"


def test_fit_out_may_replace_a_model_and_fill_an_empty_folder(tmp_path, table, model) -> None:
    assert run("fit", "AutoEncoder", table, *FAST, "--out", model).exit_code == 0
    (tmp_path / "empty").mkdir()
    assert run("fit", "AutoEncoder", table, *FAST, "--out", tmp_path / "empty").exit_code == 0


def test_fit_out_naming_a_file_is_one_line(tmp_path, table) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("keep me")
    assert_one_line_error(run("fit", "AutoEncoder", table, *FAST, "--out", notes), "is a file")
    assert notes.read_text() == "keep me"


def test_score_out_naming_a_folder_is_one_line(tmp_path, table, model) -> None:
    assert_one_line_error(run("score", model, table, "--out", tmp_path), "is a folder")


def test_library_save_refuses_a_users_config(tmp_path, model) -> None:
    import anomalab

    detector = anomalab.load(model)
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "config.json").write_text("{}")
    with pytest.raises(FileExistsError, match="not an anomalab model"):
        detector.save(tmp_path / "mine")
    assert (tmp_path / "mine" / "config.json").read_text() == "{}"
    detector.save(tmp_path / "mine", overwrite=True)
    assert anomalab.load(tmp_path / "mine").n_features_in_ == 3


# ------------------------------------------------------------------------- strict inputs
def test_stray_string_in_a_numeric_column_names_column_and_row(tmp_path) -> None:
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(300, 3)), columns=["a", "speed", "c"])
    frame["speed"] = frame["speed"].astype(object)
    frame.loc[56, "speed"] = "n/a?"
    frame.loc[200, "speed"] = "oops"
    path = tmp_path / "stray.csv"
    frame.to_csv(path, index=False)
    result = run("fit", "AutoEncoder", path, *FAST, "--out", tmp_path / "m")
    assert_one_line_error(result, "'speed'", "row 57", "line 58", "2 cell(s)")
    assert not (tmp_path / "m").exists()
    debug = run("--debug", "fit", "AutoEncoder", path, *FAST, "--out", tmp_path / "m")
    assert isinstance(debug.exception, ValueError)  # --debug: the exception, not one line


def test_text_column_still_one_hot_encodes(tmp_path) -> None:
    from anomalab.data import load_table

    path = tmp_path / "colors.csv"
    pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "color": ["red", "blue", "red", "7"]}).to_csv(
        path, index=False
    )
    assert load_table(path).feature_names == ["x", "color=7", "color=blue", "color=red"]


def test_label_like_column_without_label_column_warns(tmp_path, table) -> None:
    frame = pd.read_csv(table)
    frame["Class"] = [0] * 55 + [1] * 5
    path = tmp_path / "with_class.csv"
    frame.to_csv(path, index=False)
    result = run("fit", "AutoEncoder", path, *FAST, "--out", tmp_path / "m")
    assert result.exit_code == 0, result.output
    assert "warning:" in result.stderr and "'Class' looks like labels" in result.stderr
    quiet = run(
        "fit", "AutoEncoder", path, *FAST, "--label-column", "Class", "--out", tmp_path / "m2"
    )
    assert quiet.exit_code == 0 and "warning" not in quiet.stderr


def test_fit_and_score_read_npy_memory_mapped(tmp_path) -> None:
    from anomalab.data import load_table

    rng = np.random.default_rng(0)
    path = tmp_path / "X.npy"
    np.save(path, rng.normal(size=(80, 4)))
    X = load_table(path).X
    assert not X.flags.writeable and isinstance(X.base, np.memmap)
    assert run("fit", "AutoEncoder", path, *FAST, "--out", tmp_path / "m").exit_code == 0
    result = run("score", tmp_path / "m", path, "--out", tmp_path / "s.csv")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(tmp_path / "s.csv")) == 80
    assert_one_line_error(
        run("fit", "AutoEncoder", path, "--label-column", "y", "--out", tmp_path / "m2"),
        "features only",
    )


@pytest.mark.parametrize("damage", ["truncated", "garbage", "pickled"])
@pytest.mark.parametrize("suffix", [".npz", ".npy"])
def test_unreadable_array_files_are_one_line(tmp_path, model, suffix, damage) -> None:
    rng = np.random.default_rng(0)
    whole = tmp_path / f"whole{suffix}"
    X = rng.normal(size=(500, 3)).astype(object if damage == "pickled" else float)
    if suffix == ".npz":
        np.savez(whole, X=X)
    else:
        np.save(whole, X)
    cut = tmp_path / f"cut{suffix}"
    data = whole.read_bytes()
    cut.write_bytes(
        {"truncated": data[: len(data) // 2], "garbage": b"x" * 1000, "pickled": data}[damage]
    )
    assert_one_line_error(
        run("fit", "AutoEncoder", cut, *FAST, "--out", tmp_path / "m"), "not a readable"
    )
    assert_one_line_error(run("score", model, cut, "--out", tmp_path / "s.csv"), "not a readable")


# --------------------------------------------------------------------- parameters and fits
@pytest.mark.parametrize(
    ("param", "needles"),
    [
        ("epochs=abc", ("'epochs'", "int | None", "'abc'")),
        ("epochs=2.5", ("'epochs'",)),
        ("hidden_dims=wide", ("'hidden_dims'",)),
        ("verbose=3", ("'verbose'",)),
        ("lr=-inf", ("'lr'",)),
        ("no_such=1", ("no parameter 'no_such'",)),
    ],
)
def test_bad_param_names_the_parameter(tmp_path, table, param, needles) -> None:
    result = run("fit", "AutoEncoder", table, "--param", param, "--out", tmp_path / "m")
    assert_one_line_error(result, *needles)


def test_diverging_fit_is_one_line(tmp_path) -> None:
    result = run(
        "fit", "AutoEncoder", "WBC", "--param", "lr=1e6", "--param", "epochs=3",
        "--param", "random_state=0", "--out", tmp_path / "m",
    )  # fmt: skip
    assert_one_line_error(result, "non-finite training loss")


def test_unexpected_error_is_one_line_and_debug_shows_it(tmp_path, table, monkeypatch) -> None:
    from anomalab import AutoEncoder

    def explode(self, X, y):
        raise RuntimeError("boom\nin two lines")

    monkeypatch.setattr(AutoEncoder, "_fit", explode)
    result = run("fit", "AutoEncoder", table, "--out", tmp_path / "m")
    assert_one_line_error(result, "RuntimeError: boom in two lines", "--debug")
    debug = run("fit", "AutoEncoder", table, "--out", tmp_path / "m", "--debug")
    assert isinstance(debug.exception, RuntimeError)
    assert "--debug" in run("--help").output


def test_anorand_with_every_row_labeled_anomalous_explains(tmp_path) -> None:
    from anomalab import AnoRand

    X = np.random.default_rng(0).normal(size=(40, 3))
    one_unlabeled = np.r_[np.ones(39, dtype=int), 0]
    for pseudo in ("noise", "uniform"):
        with pytest.raises(ValueError, match="rows of y are labeled anomalies.*AnoRand needs"):
            AnoRand(epochs=1, pseudo=pseudo).fit(X, np.ones(40, dtype=int))
        with pytest.raises(ValueError, match="AnoRand needs at least 2 rows not labeled"):
            AnoRand(epochs=1, pseudo=pseudo).fit(X, one_unlabeled)


# -------------------------------------------------------------------------- result stores
BENCH = ("bench", "--detectors", "IForest", "--datasets", "WBC", "--seeds", "1")


@pytest.mark.parametrize("command", ["bench", "report"])
@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (b"this is not sqlite at all" * 100, "is damaged; move it aside or use another --out"),
        (b"", "empty (0 bytes)"),
    ],
)
def test_bad_results_store_is_one_line(tmp_path, command, content, needle) -> None:
    store = tmp_path / "run" / "results.sqlite"
    store.parent.mkdir()
    store.write_bytes(content)
    args = BENCH if command == "bench" else ("report",)
    assert_one_line_error(run(*args, "--out", store.parent), "results.sqlite", needle)
    assert store.read_bytes() == content


def test_truncated_store_is_damaged(tmp_path) -> None:
    out = tmp_path / "run"
    assert run(*BENCH, "--out", out).exit_code == 0
    store = out / "results.sqlite"
    data = store.read_bytes()
    store.write_bytes(data[:100] + b"\xff" * (len(data) - 100))
    assert_one_line_error(run("report", "--out", out), "is damaged")


def test_bench_exits_1_when_a_cell_failed_unless_allowed(tmp_path) -> None:
    config = tmp_path / "failing.toml"
    config.write_text(
        'protocol = "unsupervised"\nseeds = 1\ndatasets = ["WBC"]\n'
        'detectors = ["IForest", {name = "AutoEncoder", params = {contamination = 0.9}}]\n'
    )
    failed = run("bench", "--config", config, "--out", tmp_path / "run")
    assert_one_line_error(failed, "1 of 2 cells failed", "--allow-failures")
    assert (tmp_path / "run" / "report.md").exists()  # the report is still written
    allowed = run("bench", "--config", config, "--out", tmp_path / "run", "--allow-failures")
    assert allowed.exit_code == 0 and "1 cells failed" in allowed.stderr


def test_make_demo_allows_a_failing_peer() -> None:
    makefile = (Path(__file__).parents[2] / "Makefile").read_text()
    demo = makefile.split("\ndemo:", 1)[1].split("\n\n", 1)[0]
    assert "bench --suite quick" in demo and "--allow-failures" in demo


def test_score_never_overwrites_an_existing_file_unless_asked(tmp_path) -> None:
    rng = np.random.default_rng(0)
    path = tmp_path / "X.npy"
    np.save(path, rng.normal(size=(60, 4)))
    assert run("fit", "AutoEncoder", path, *FAST, "--out", tmp_path / "m").exit_code == 0
    mine = tmp_path / "mine.csv"
    mine.write_text("the user's own file\n")
    assert_one_line_error(run("score", tmp_path / "m", path, "--out", mine), "exists")
    assert mine.read_text() == "the user's own file\n"
    result = run("score", tmp_path / "m", path, "--out", mine, "--overwrite")
    assert result.exit_code == 0, result.output
    assert len(pd.read_csv(mine)) == 60
