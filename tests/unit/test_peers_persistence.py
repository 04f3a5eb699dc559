"""A fitted peer adapter saves and loads like a detector, with no pickle: the folder holds the
training rows and the fit's seed, and ``anomalab.load`` refits the peer to the same scores."""

from __future__ import annotations

import dataclasses
import json
import shutil
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
from safetensors.torch import load_file, save_file

import anomalab
from anomalab.peers import PEERS, PeerAdapter, make_peer
from anomalab.persistence import ModelFileError
from anomalab.registry import detector_specs

ROUND_TRIP = ["IForest", "LOF", "OCSVM", "PyOD-ECOD", "PyOD-KNN", "PyOD-HBOS"]
N_TRAIN = 600


@cache
def _cardio(root: str) -> tuple[np.ndarray, np.ndarray]:
    """Cardio's rows split into training rows (600, shuffled) and the rest."""
    from anomalab.data import load_dataset

    X = load_dataset("cardio", root).X
    order = np.random.default_rng(0).permutation(len(X))
    return X[order[:N_TRAIN]], X[order[N_TRAIN:]]


@pytest.fixture
def cardio(data_root: Path) -> tuple[np.ndarray, np.ndarray]:
    return _cardio(str(data_root))


def _require(name: str) -> None:
    if PEERS[name].version() is None:
        pytest.skip(f"{PEERS[name].library} not installed")


def _assert_one_line_refusal(folder: Path, match: str) -> None:
    with pytest.raises(ModelFileError, match=match) as info:
        anomalab.load(folder)
    assert "\n" not in str(info.value)


def _edit_config(folder: Path, edit) -> None:  # type: ignore[no-untyped-def]
    config = json.loads((folder / "config.json").read_text())
    edit(config)
    (folder / "config.json").write_text(json.dumps(config))


def _replace_tensor(folder: Path, key: str, value: torch.Tensor) -> None:
    tensors = load_file(str(folder / "weights.safetensors"))
    tensors[key] = value
    save_file(
        tensors, str(folder / "weights.safetensors"), metadata={"format": "anomalab-detector"}
    )


@pytest.fixture(scope="module")
def saved_iforest(tmp_path_factory) -> tuple[Path, np.ndarray]:  # type: ignore[no-untyped-def]
    """A small IForest peer saved once (synthetic rows); tests copy the folder."""
    X = np.random.default_rng(1).normal(size=(60, 4))
    det = make_peer("IForest", {"n_estimators": 20}, random_state=0).fit(X)
    return det.save(tmp_path_factory.mktemp("peer") / "m"), X


def _copy(saved: tuple[Path, np.ndarray], dest: Path) -> Path:
    return Path(shutil.copytree(saved[0], dest))


@pytest.mark.parametrize("name", ROUND_TRIP)
def test_saved_peer_loads_with_the_same_scores(name: str, cardio, tmp_path: Path) -> None:
    _require(name)
    train, rest = cardio
    det = make_peer(name, random_state=0).fit(train)
    folder = det.save(tmp_path / "m")
    loaded = anomalab.load(folder)
    assert isinstance(loaded, PeerAdapter) and loaded.peer == name
    np.testing.assert_array_equal(loaded.decision_function(rest), det.decision_function(rest))
    np.testing.assert_array_equal(loaded.predict(rest), det.predict(rest))
    assert loaded.threshold_ == det.threshold_
    np.testing.assert_array_equal(loaded.X_fit_, train)
    assert loaded.seed_ == 0
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.safetensors"]


def test_random_state_none_is_reproduced_through_the_saved_seed(cardio, tmp_path: Path) -> None:
    train, rest = cardio
    first = make_peer("IForest", random_state=None).fit(train)
    other = make_peer("IForest", random_state=None).fit(train)
    assert first.seed_ != other.seed_  # two unseeded fits draw different seeds ...
    assert not np.array_equal(first.decision_function(rest), other.decision_function(rest))
    loaded = anomalab.load(first.save(tmp_path / "m"))
    assert loaded.random_state is None and loaded.seed_ == first.seed_
    np.testing.assert_array_equal(loaded.decision_function(rest), first.decision_function(rest))


def test_the_folder_holds_no_pickle_and_names_the_adapter(saved_iforest) -> None:
    folder, X = saved_iforest
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "weights.safetensors"]
    config = json.loads((folder / "config.json").read_text())  # JSON and safetensors only
    assert config["detector"] is None  # not in the registry ...
    assert config["class"] == "anomalab.peers:PeerAdapter"  # ... but loadable by class
    assert config["params"]["peer"] == "IForest"
    assert config["fitted"]["seed_"] == {"value": 0}
    tensors = load_file(str(folder / "weights.safetensors"))
    assert torch.equal(tensors["fitted.X_fit_"], torch.from_numpy(X))
    assert "fitted.y_fit_" not in tensors  # an unsupervised peer keeps no labels


def test_the_adapter_is_not_in_the_detector_registry() -> None:
    assert PeerAdapter not in {spec.cls for spec in detector_specs()}


def test_float32_training_rows_are_kept_as_the_peer_saw_them(tmp_path: Path) -> None:
    X = np.random.default_rng(2).normal(size=(80, 3)).astype(np.float32)
    det = make_peer("LOF", {"n_neighbors": 10}).fit(X)
    loaded = anomalab.load(det.save(tmp_path / "m"))
    assert loaded.X_fit_.dtype == np.float32
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))


def test_semi_supervised_peer_keeps_its_labels(tmp_path: Path) -> None:
    _require("PyOD-DevNet")
    rng = np.random.default_rng(0)
    X = rng.random((200, 5))
    y = np.where(np.arange(200) < 10, 1, np.where(np.arange(200) < 20, -1, 0))
    det = make_peer("PyOD-DevNet", {"epochs": 1, "batch_size": 64}).fit(X, y)
    loaded = anomalab.load(det.save(tmp_path / "m"))
    np.testing.assert_array_equal(loaded.y_fit_, y)
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))


@pytest.mark.parametrize(
    ("edit", "match"),
    [
        (lambda c: c["params"].update(peer="NoSuchPeer"), "unknown peer 'NoSuchPeer'"),
        (lambda c: c["fitted"]["effective_params_"]["value"].update(peer="X"), "unknown peer"),
        (lambda c: c["params"].update(peer=["IForest"]), "peer"),
        (lambda c: c["params"].update(peer_params=[1, 2]), "peer_params"),
        (lambda c: c["fitted"].pop("X_fit_"), r"\['X_fit_'\] missing"),
        (lambda c: c["fitted"].update(seed_={"value": -1}), "seed_ must be a non-negative"),
        (lambda c: c["fitted"].update(seed_={"value": 1.5}), "seed_ must be a non-negative"),
        (lambda c: c["fitted"].update(seed_={"value": 2**40}), r"up to 2\*\*32 - 1"),
        (lambda c: c["params"].update(peer_params={"n_estimators": "many"}), "do not match"),
    ],
)
def test_a_tampered_config_is_refused(edit, match: str, saved_iforest, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(saved_iforest, tmp_path / "m")
    _edit_config(folder, edit)
    _assert_one_line_refusal(folder, match)


@pytest.mark.parametrize(
    ("key", "value", "match"),
    [
        ("fitted.X_fit_", torch.zeros(60, 3, dtype=torch.float64), "X_fit_ must be a float array"),
        ("fitted.X_fit_", torch.zeros(59, 4, dtype=torch.float64), "60 training rows"),
        ("fitted.X_fit_", torch.zeros(60, 4, dtype=torch.int64), "X_fit_ must be a float array"),
    ],
)
def test_tampered_training_rows_are_refused(
    key: str, value: torch.Tensor, match: str, saved_iforest, tmp_path: Path
) -> None:
    folder = _copy(saved_iforest, tmp_path / "m")
    _replace_tensor(folder, key, value)
    _assert_one_line_refusal(folder, match)


def test_tampered_labels_are_refused(saved_iforest, tmp_path: Path) -> None:
    folder = _copy(saved_iforest, tmp_path / "m")
    _replace_tensor(folder, "fitted.y_fit_", torch.full((60,), 7, dtype=torch.int64))
    _edit_config(folder, lambda c: c["fitted"].update(y_fit_={"array": "fitted.y_fit_"}))
    _assert_one_line_refusal(folder, "y_fit_ must be 60 integer labels")


def test_a_refit_that_scores_differently_warns(saved_iforest, tmp_path: Path) -> None:
    folder = _copy(saved_iforest, tmp_path / "m")
    scores = load_file(str(folder / "weights.safetensors"))["fitted.decision_scores_"]
    _replace_tensor(folder, "fitted.decision_scores_", scores + 0.01)
    with pytest.warns(UserWarning, match="scores its training rows up to 0.01"):
        anomalab.load(folder)


def test_a_missing_peer_library_is_named_at_load(saved_iforest, tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    folder = _copy(saved_iforest, tmp_path / "m")
    absent = dataclasses.replace(PEERS["IForest"], library="no-such-peer-library")
    monkeypatch.setitem(PEERS, "IForest", absent)
    with pytest.raises(ImportError, match="needs the 'no-such-peer-library' package") as info:
        anomalab.load(folder)
    assert "\n" not in str(info.value)


def test_peer_params_that_are_not_json_cannot_be_saved(tmp_path: Path) -> None:
    X = np.random.default_rng(3).normal(size=(40, 2))
    det = make_peer("LOF", {"n_neighbors": 5, "metric": lambda a, b: float(np.abs(a - b).sum())})
    det.fit(X)
    with pytest.raises(TypeError, match="only JSON values"):
        det.save(tmp_path / "m")
    assert not (tmp_path / "m" / "config.json").exists()


def test_an_unknown_peer_is_refused_at_fit() -> None:
    with pytest.raises(KeyError, match="unknown peer 'Nope'; known peers: IForest"):
        PeerAdapter(peer="Nope").fit(np.zeros((5, 2)))


@pytest.mark.parametrize(
    ("name", "least"), [("PyOD-AutoEncoder", 32), ("PyOD-KNN", 6)]
)  # fmt: skip
def test_a_peer_given_fewer_rows_than_its_library_needs_says_so(name: str, least: int) -> None:
    """PyOD's AutoEncoder drops incomplete batches (and then fails on an unbound local) and its
    KNN needs more rows than neighbours: the adapter names the bound before the library fails."""
    from anomalab.peers import can_fit, fewest_rows

    if PEERS[name].version() is None:
        pytest.skip(f"{PEERS[name].library} is not installed")
    assert fewest_rows(name) == least
    assert not can_fit(name, least - 1) and can_fit(name, least) and can_fit("IForest", 2)
    X = np.random.default_rng(0).random((least - 1, 3))
    with pytest.raises(ValueError, match=rf"^{name} needs at least {least} training rows, got"):
        make_peer(name, random_state=0).fit(X)
    make_peer(name, random_state=0).fit(np.random.default_rng(0).random((least, 3)))


def test_a_peer_library_failure_is_one_line_naming_the_peer_and_the_rows() -> None:
    name = "DeepOD-PReNet"  # samples more anomalies than five rows hold
    if PEERS[name].version() is None:
        pytest.skip("deepod is not installed")
    X, y = np.random.default_rng(0).random((5, 3)), np.array([1, 0, 0, 0, 0])
    with pytest.raises(
        ValueError, match=rf"^{name} \(deepod [^)]*\) could not fit these 5 training"
    ):
        make_peer(name, random_state=0).fit(X, y)
