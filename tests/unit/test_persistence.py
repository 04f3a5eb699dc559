"""Saving and loading: round trip, and clear errors on corrupt or incompatible folders."""

import json

import numpy as np
import pytest

import anomalab
from anomalab import AutoEncoder


@pytest.fixture(scope="module")
def fitted():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(120, 5))
    return AutoEncoder(epochs=2, hidden_dims=(8,), latent_dim=2, random_state=0).fit(X), X


def test_round_trip_and_config(tmp_path, fitted) -> None:
    det, X = fitted
    det.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["detector"] == "AutoEncoder"
    assert config["params"]["epochs"] == 2
    assert set(config["versions"]) >= {"anomalab", "torch", "numpy"}
    loaded = anomalab.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))
    np.testing.assert_array_equal(loaded.encode(X), det.encode(X))
    np.testing.assert_array_equal(loaded.predict(X), det.predict(X))
    assert not list((tmp_path / "m").glob("*.pkl"))


def test_load_errors(tmp_path, fitted) -> None:
    det, _ = fitted
    with pytest.raises(FileNotFoundError, match="does not exist"):
        anomalab.load(tmp_path / "missing")
    folder = det.save(tmp_path / "m")
    (folder / "weights.safetensors").write_bytes(b"garbage")
    with pytest.raises(ValueError, match="corrupt saved detector"):
        anomalab.load(folder)
    folder = det.save(tmp_path / "m2")
    (folder / "config.json").write_text("{not json")
    with pytest.raises(ValueError, match="not valid JSON"):
        anomalab.load(folder)
    folder = det.save(tmp_path / "m3")
    config = json.loads((folder / "config.json").read_text())
    config["format_version"] = 99
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="newer"):
        anomalab.load(folder)
    folder = det.save(tmp_path / "m4")
    config = json.loads((folder / "config.json").read_text())
    config["fitted"]["effective_params_"]["value"]["hidden_dims"] = [16]  # what the fit used
    (folder / "config.json").write_text(json.dumps(config))
    with pytest.raises(ValueError, match="do not match"):
        anomalab.load(folder)
    (folder / "weights.safetensors").unlink()
    with pytest.raises(FileNotFoundError, match="weights.safetensors missing"):
        anomalab.load(folder)


def test_save_unfitted_raises(tmp_path) -> None:
    from sklearn.exceptions import NotFittedError

    with pytest.raises(NotFittedError):
        AutoEncoder().save(tmp_path / "x")
