"""A table's columns are matched by name, never silently by position.

Library: a detector fitted on a DataFrame records ``feature_names_in_`` (scikit-learn's rule) and
refuses a table whose columns differ or come in another order (the registry-wide test is in
``tests/contract/test_contract.py``). Command line: ``anomalab score`` encodes the scoring table
to the model's columns by name, each text column with the model's levels: reordered columns
score as the training order does, a level absent from the table is a zero column, and a level or
column the model never saw is a one-line error.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

import anomalab
from anomalab.cli import app
from anomalab.peers import make_peer
from anomalab.persistence import ModelFileError

runner = CliRunner()


def run(*args: object):
    return runner.invoke(app, [str(a) for a in args])


def _table(rng: np.random.Generator, n: int = 200) -> pd.DataFrame:
    frame = pd.DataFrame(rng.normal(size=(n, 3)), columns=["a", "b", "c"])
    frame["kind"] = rng.choice(["x", "y"], n)
    return frame


@pytest.fixture(scope="module")
def files(tmp_path_factory) -> dict[str, Path]:
    """train.csv (3 numbers, 1 text column), variants of it, and an IForest fitted on it."""
    root = tmp_path_factory.mktemp("names")
    rng = np.random.default_rng(0)
    train = _table(rng)
    variants = {
        "train": train,
        "reordered": train[["kind", "c", "a", "b"]],
        "one_level": train[train.kind == "x"],
        "new_level": train.assign(kind=np.where(train.kind == "x", "x", "z")),
        "dropped": train.drop(columns="a"),
        "extra": train.assign(d=1.0),
    }
    paths = {name: root / f"{name}.csv" for name in variants}
    for name, frame in variants.items():
        frame.to_csv(paths[name], index=False)
    result = run("fit", "IForest", paths["train"], "--param", "random_state=0", "--out", root / "m")
    assert result.exit_code == 0, result.output
    paths["model"] = root / "m"
    return paths


def _scores(files: dict[str, Path], name: str, tmp_path: Path) -> pd.DataFrame:
    out = tmp_path / f"{name}_scores.csv"
    result = run("score", files["model"], files[name], "--out", out, "--explain", 1)
    assert result.exit_code == 0, result.output
    return pd.read_csv(out)


def test_the_cli_model_records_the_encoded_columns(files: dict[str, Path]) -> None:
    config = json.loads((files["model"] / "config.json").read_text())
    names = config["fitted"]["feature_names_in_"]["value"]
    assert names == ["a", "b", "c", "kind=x", "kind=y"]


def test_reordered_columns_score_as_the_training_order(files, tmp_path) -> None:
    before = files["reordered"].read_bytes()
    same = _scores(files, "train", tmp_path)
    reordered = _scores(files, "reordered", tmp_path)
    np.testing.assert_array_equal(reordered.score, same.score)
    pd.testing.assert_series_equal(reordered.top1_feature, same.top1_feature)
    assert files["reordered"].read_bytes() == before  # the user's file is untouched


def test_a_level_absent_from_the_table_encodes_as_zeros(files, tmp_path) -> None:
    train = pd.read_csv(files["train"])
    same = _scores(files, "train", tmp_path)
    only_x = _scores(files, "one_level", tmp_path)  # its own encoding would have no kind=y
    np.testing.assert_array_equal(only_x.score, same.score[(train.kind == "x").to_numpy()])


@pytest.mark.parametrize(
    ("name", "needles"),
    [
        ("new_level", ["new_level.csv", "'kind'", "fitted on", "['z']"]),
        ("dropped", ["dropped.csv", "missing ['a']"]),
        ("extra", ["extra.csv", "not seen in training ['d']"]),
    ],
)
def test_columns_the_model_never_saw_are_one_line_errors(files, tmp_path, name, needles) -> None:
    out = tmp_path / "s.csv"
    result = run("score", files["model"], files[name], "--out", out)
    assert result.exit_code == 1, result.output
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1, result.stderr
    for needle in needles:
        assert needle in result.stderr, result.stderr
    assert not out.exists()


def test_a_peer_checks_the_names_too() -> None:
    frame = _table(np.random.default_rng(1)).drop(columns="kind")
    peer = make_peer("IForest", random_state=0).fit(frame)
    assert list(peer.feature_names_in_) == ["a", "b", "c"]
    with pytest.raises(ValueError, match="another order than in fit"):
        peer.decision_function(frame[["c", "b", "a"]])
    with pytest.raises(ValueError, match=r"differ from those IForest was fitted with: missing"):
        peer.decision_function(frame[["a", "b"]])
    repeated = make_peer("IForest", random_state=0).fit(frame.set_axis(["a", "a", "b"], axis=1))
    with pytest.raises(ValueError, match="X has 2 columns; IForest was fitted with 3"):
        repeated.decision_function(frame[["a", "b"]])


def test_select_fits_the_chosen_detector_on_the_named_table() -> None:
    frame = _table(np.random.default_rng(2), n=300).drop(columns="kind")
    chosen = anomalab.select(frame, candidates=["IForest", "PyOD-HBOS"], random_state=0)
    assert list(chosen.detector.feature_names_in_) == ["a", "b", "c"]


@pytest.mark.parametrize(
    ("value", "match"),
    [(["a", "b"], "name n_features_in_ columns"), (["a", "b", 3], "list column names")],
)
def test_a_tampered_name_list_is_refused(tmp_path, value, match) -> None:
    frame = _table(np.random.default_rng(3)).drop(columns="kind")
    folder = make_peer("IForest", random_state=0).fit(frame).save(tmp_path / "m")
    copy = Path(shutil.copytree(folder, tmp_path / "tampered"))
    config = json.loads((copy / "config.json").read_text())
    config["fitted"]["feature_names_in_"]["value"] = value
    (copy / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelFileError, match=match):
        anomalab.load(copy)
    assert list(anomalab.load(folder).feature_names_in_) == ["a", "b", "c"]
