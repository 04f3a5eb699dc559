"""Model files never execute anything: hostile or malformed ``config.json`` / weights are refused
with one line (``ModelFileError``), before anything they name is called or any file is written."""

from __future__ import annotations

import copy
import hashlib
import json
import shutil
import tempfile
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file
from typer.testing import CliRunner

import anomalab
from anomalab import AutoEncoder
from anomalab.cli import app
from anomalab.persistence import ModelFileError
from anomalab.saving import FORMAT_VERSION

AE_PARAMS = set(AutoEncoder._get_param_names())


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A small fitted AutoEncoder saved once; tests copy the folder."""
    rng = np.random.default_rng(0)
    X = rng.normal(size=(80, 5))
    det = AutoEncoder(epochs=1, hidden_dims=(8,), latent_dim=2, random_state=0).fit(X)
    folder = det.save(tmp_path_factory.mktemp("model") / "m")
    return folder, X


def snapshot(root: Path) -> dict[str, str]:
    """Every path under ``root`` with a hash of its bytes (folders as 'dir')."""
    return {
        str(p.relative_to(root)): "dir" if p.is_dir() else hashlib.sha1(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
    }


def copy_model(saved, dest: Path) -> tuple[Path, dict]:
    folder = shutil.copytree(saved[0], dest)
    return folder, json.loads((folder / "config.json").read_text())


def write_config(folder: Path, config: dict) -> None:
    (folder / "config.json").write_text(json.dumps(config))


def assert_refused(folder: Path, match: str | None = None) -> ModelFileError:
    with pytest.raises(ModelFileError, match=match) as info:
        anomalab.load(folder)
    message = str(info.value)
    assert message and "\n" not in message, message
    return info.value


def hostile_configs(tmp: Path) -> dict[str, dict]:
    """config.json overrides that name a callable of anomalab other than a detector."""
    victim = tmp / "victim.txt"
    csv = tmp / "data.csv"
    return {
        "save_file overwrites a user file": {
            "detector": None,
            "class": "anomalab.persistence:save_file",
            "params": {"tensors": {}, "filename": str(victim)},
        },
        "the CLI runs a command": {
            "detector": None,
            "class": "anomalab.cli:app",
            "params": {
                "args": ["fit", "AutoEncoder", str(csv), "--param", "epochs=1"]
                + ["--out", str(tmp / "cli-wrote-this")],
                "standalone_mode": False,
            },
        },
        "ResultStore creates folders": {
            "detector": None,
            "class": "anomalab.bench.store:ResultStore",
            "params": {"path": str(tmp / "store-made-this" / "results.sqlite")},
        },
        "a factory function returns a detector": {
            "detector": None,
            "class": "anomalab.registry:make_detector",
            "params": {"name": "AutoEncoder"},
        },
        "the abstract base class": {"detector": None, "class": "anomalab.base:BaseDetector"},
        "a non-detector class": {"detector": None, "class": "anomalab.data.dataset:Dataset"},
        "outside anomalab": {
            "detector": None,
            "class": "os:system",
            "params": {"command": f"touch {tmp / 'pwned'}"},
        },
        "unknown registry name": {"detector": "os.system"},
        "detector name not a string": {"detector": ["AutoEncoder"]},
        "unknown constructor parameter": {"params": {"__class__": "x"}},
        "mistyped parameter": {"params": {"epochs": "abc"}},
        "bool for an int": {"params": {"latent_dim": True}},
        "NaN learning rate": {"params": {"lr": float("nan")}},
        "format_version null": {"format_version": None},
        "format_version a string": {"format_version": "2"},
        "format_version a float": {"format_version": 1.5},
        "format_version true": {"format_version": True},
        "versions not a dict": {"versions": ["0.1.0"]},
        "fitted not a dict": {"fitted": ["mean_"]},
        "params not a dict": {"params": [1, 2]},
        "unknown fitted attribute overrides a method": {"fitted+": {"predict": {"value": 1}}},
        "fitted entry of no known kind": {"fitted+": {"mean_": {"pickle": "x"}}},
        "fitted entry names a missing tensor": {"fitted+": {"mean_": {"array": "fitted.nope"}}},
        "fitted scalar not finite": {"fitted+": {"threshold_": {"value": float("inf")}}},
        "fitted params mistyped": {
            "fitted+": {"effective_params_": {"value": {"hidden_dims": "wide"}}}
        },
        "required fitted attribute missing": {"fitted-": "decision_scores_"},
    }


def apply(config: dict, change: dict) -> dict:
    config = copy.deepcopy(config)
    for key, value in change.items():
        if key == "fitted+":
            config["fitted"].update(value)
        elif key == "fitted-":
            del config["fitted"][value]
        else:
            config[key] = value
    return config


HOSTILE = sorted(hostile_configs(Path("/x")))


@pytest.mark.parametrize("case", HOSTILE)
def test_hostile_config_is_refused_without_side_effects(case, saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "victim.txt").write_text("the user's own file\n")
    (tmp_path / "data.csv").write_text("a,b\n1,2\n3,4\n5,6\n")
    folder, config = copy_model(saved, tmp_path / "model")
    write_config(folder, apply(config, hostile_configs(tmp_path)[case]))
    before = snapshot(tmp_path)
    assert_refused(folder)
    assert snapshot(tmp_path) == before


@pytest.mark.parametrize("case", ["save_file overwrites a user file", "the CLI runs a command"])
def test_score_with_a_hostile_model_is_one_line(case, saved, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "victim.txt").write_text("the user's own file\n")
    (tmp_path / "data.csv").write_text("a,b,c,d,e\n" + "1,2,3,4,5\n" * 5)
    folder, config = copy_model(saved, tmp_path / "model")
    write_config(folder, apply(config, hostile_configs(tmp_path)[case]))
    before = snapshot(tmp_path)
    result = CliRunner().invoke(app, ["score", str(folder), "data.csv", "--out", "s.csv"])
    assert result.exit_code == 1
    assert result.stderr.startswith("error:") and result.stderr.count("\n") == 1, result.stderr
    assert "Traceback" not in result.output
    assert snapshot(tmp_path) == before  # no s.csv, victim untouched, nothing created


def replace_tensor(folder: Path, key: str, value: torch.Tensor) -> None:
    tensors = load_file(str(folder / "weights.safetensors"))
    tensors[key] = value
    save_file(
        tensors, str(folder / "weights.safetensors"), metadata={"format": "anomalab-detector"}
    )


def first_weight(folder: Path) -> str:
    return next(k for k in load_file(str(folder / "weights.safetensors")) if k.startswith("model."))


@pytest.mark.parametrize(
    ("key", "make", "match"),
    [
        ("fitted.mean_", lambda t: torch.zeros(3, dtype=torch.float64), "mean_ has shape"),
        ("fitted.mean_", lambda t: t.to(torch.bfloat16), "unsupported dtype"),
        ("fitted.scale_", torch.zeros_like, "scale_ must be positive"),
        ("fitted.scale_", lambda t: t.reshape(1, -1), "scale_ has shape"),
        ("fitted.decision_scores_", lambda t: t.fill_(float("nan")), "NaN"),
        ("fitted.labels_", lambda t: t.fill_(7), "0 / 1"),
        ("fitted.labels_", lambda t: t[:3], "shaped like the scores"),
        ("fitted.feature_median_", lambda t: t[:3], "feature_median_ must be a float array"),
        (
            "fitted.feature_quantiles_",
            lambda t: t[:, :3].contiguous(),
            "rows of n_features_in_ values",
        ),
        ("fitted.feature_quantiles_", lambda t: t[0], "feature_quantiles_ must be a float"),
        ("fitted.feature_quantiles_", lambda t: t.to(torch.int64), "feature_quantiles_ must be"),
        ("WEIGHT", lambda t: t.fill_(float("nan")), "NaN or infinite"),
        ("WEIGHT", lambda t: torch.zeros(*t.shape, 2), "do not match"),
    ],
)
def test_tampered_fitted_arrays_are_refused(key, make, match, saved, tmp_path):
    folder, _ = copy_model(saved, tmp_path / "model")
    key = first_weight(folder) if key == "WEIGHT" else key
    replace_tensor(folder, key, make(load_file(str(folder / "weights.safetensors"))[key].clone()))
    assert_refused(folder, match)


def test_untampered_copy_still_loads(saved, tmp_path):
    folder, config = copy_model(saved, tmp_path / "model")
    write_config(folder, config)
    loaded = anomalab.load(folder)
    assert np.isfinite(loaded.decision_function(saved[1])).all()


# ------------------------------------------------------------------------- generated configs
JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=6),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner),
    max_leaves=6,
)
NOT_INT = JSON.filter(lambda v: not (isinstance(v, int) and not isinstance(v, bool)))
NOT_STR_NUM = JSON.filter(lambda v: not isinstance(v, str))
MALFORMED = st.one_of(
    st.tuples(st.just("format"), JSON.filter(lambda v: v != "anomalab-detector")),
    st.tuples(
        st.just("format_version"),
        NOT_INT | st.integers(max_value=0) | st.integers(FORMAT_VERSION + 1),
    ),
    st.tuples(st.just("versions"), JSON.filter(lambda v: not isinstance(v, dict))),
    st.tuples(st.just("params"), JSON.filter(lambda v: not isinstance(v, dict))),
    st.tuples(st.just("fitted"), JSON.filter(lambda v: not isinstance(v, dict))),
    st.tuples(st.just("detector"), NOT_STR_NUM.filter(lambda v: v is not None)),
    st.tuples(st.just("detector"), st.text(max_size=12).filter(lambda s: not s.strip())),
    st.tuples(st.just("class"), JSON),  # with "detector": null
    st.tuples(
        st.just("params+"),
        st.dictionaries(st.text(min_size=1).filter(lambda k: k not in AE_PARAMS), JSON, min_size=1),
    ),
    st.tuples(st.just("params.epochs"), NOT_INT.filter(lambda v: v is not None)),
    st.tuples(st.just("params.verbose"), JSON.filter(lambda v: not isinstance(v, bool))),
    st.tuples(
        st.just("params.hidden_dims"), st.text() | st.floats() | st.lists(st.text(), min_size=1)
    ),
    st.tuples(st.just("fitted.mean_"), JSON),
    st.tuples(st.just("fitted.threshold_"), JSON.filter(lambda v: not isinstance(v, int | float))),
    st.tuples(st.just("fitted.n_features_in_"), JSON.filter(lambda v: v != 5)),
    st.tuples(st.just("fitted.input_shape_"), JSON.filter(lambda v: v != [5])),
)


def malform(config: dict, change: tuple[str, object]) -> dict:
    config = copy.deepcopy(config)
    where, value = change
    if where == "class":
        config["detector"], config["class"] = None, value
    elif where == "params+":
        config["params"].update(value)
    elif where.startswith("params."):
        config["params"][where.split(".", 1)[1]] = value
    elif where == "fitted.mean_":
        config["fitted"]["mean_"] = {"value": value}
    elif where.startswith("fitted."):
        config["fitted"][where.split(".", 1)[1]] = {"value": value}
    else:
        config[where] = value
    return config


@settings(
    max_examples=150, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.too_slow]
)
@given(change=MALFORMED)
def test_generated_malformed_configs_are_refused(saved, change) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder, config = copy_model(saved, Path(tmp) / "model")
        write_config(folder, malform(config, change))
        before = snapshot(Path(tmp))
        assert_refused(folder)
        assert snapshot(Path(tmp)) == before


@pytest.mark.parametrize("value", [-(2**63) - 1, 2**64, 10**400])
def test_integers_beyond_int64_in_a_model_file_are_refused(saved, value) -> None:  # type: ignore[no-untyped-def]
    """Found by the generated configs: a JSON integer too large for numpy raised TypeError."""
    with tempfile.TemporaryDirectory() as tmp:
        folder, config = copy_model(saved, Path(tmp) / "model")
        write_config(folder, malform(config, ("fitted.mean_", value)))
        before = snapshot(Path(tmp))
        assert_refused(folder)
        assert snapshot(Path(tmp)) == before
