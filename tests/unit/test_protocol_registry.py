"""The protocol registry: metadata of every protocol, registration checks, pinned outputs."""

from __future__ import annotations

import hashlib
import inspect
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from anomalab.bench.suites import COMPATIBLE
from anomalab.data import PROTOCOLS, Dataset, DatasetInfo, make_task
from anomalab.data.protocols import F1_RULES, RegisteredProtocol, register_protocol
from anomalab.data.protocols import SUPERVISION_KINDS as DATA_KINDS
from anomalab.metrics import F1_RULES as METRIC_F1_RULES
from anomalab.registry import SUPERVISION_KINDS


def _tabular() -> Dataset:
    rng = np.random.default_rng(0)
    n, d = 600, 8
    X = rng.normal(size=(n, d))
    X[:, :2] = rng.integers(0, 2, size=(n, 2))
    y = (rng.uniform(size=n) < 0.15).astype(np.int64)
    names = ["a=1", "b=1"] + [f"f{i}" for i in range(2, d)]
    info = DatasetInfo("tab", "tabular", "user", Path("tab"), n, d, int(y.sum()))
    return Dataset("tab", X, y, "tabular", info, feature_names=names)


def _images() -> Dataset:
    rng = np.random.default_rng(1)
    n = 200
    info = DatasetInfo("img", "image", "images", Path("img"))
    X = rng.uniform(size=(n, 1, 4, 4)).astype(np.float32)
    y, split = np.arange(n) % 10, np.arange(n) < 150
    return Dataset("img", X, y, "image", info, split=split, class_names=list("abcdefghij"))


#: One call per built-in protocol (a new protocol needs a case here) and the SHA-256 prefix of its
#: integer outputs (indices and labels). Stored benchmark cells are keyed by protocol name +
#: params: a changed digest means those cells no longer describe what the protocol returns.
CASES: dict[str, tuple[str, dict[str, Any], str]] = {
    "unsupervised": ("tab", {}, "c8fcde571f334d1e"),
    "semi_supervised": ("tab", {"ratio": 0.1, "contamination": 0.05}, "85ba2059624e1853"),
    "adbench_semi": ("tab", {}, "c70ca315fcf41735"),
    "supervised": ("tab", {"max_rows": 500}, "98188bdec0fc9d7e"),
    "validation": ("tab", {"labels": "some", "ratio": 0.2}, "a6b9682e461c3a71"),
    "one_class": ("tab", {}, "577886aeeb963cf2"),
    "goad_one_class": ("tab", {"holdout": "dev"}, "0981b764047d6b26"),
    "drocc_one_class": ("tab", {}, "ca583d06dfd73c5e"),
    "devnet_paper": ("tab", {}, "fa3f04790d98a5e1"),
    "sgae": ("tab", {}, "63da1efe46958982"),
    "image_one_class": ("img", {"normal_class": 3, "max_train": 8}, "099b7e2dcd5f2b26"),
    "image_multi_class": ("img", {"normal_classes": [1, 2, 5]}, "e0dea2e75aa24450"),
    "image_multiclass_normal": ("img", {"n_train": 50, "n_anomalies": 20}, "6c90c24ef69146d0"),
    "sgae_mnist": (
        "img",
        {"n_total": 15, "anomaly_rate": 0.2, "normal_class": 2},
        "56d23f4e0b139ca0",
    ),
}


def _digest(task: Any) -> str:
    h = hashlib.sha256()
    for arr in (task.train_index, task.test_index, task.y_train, task.y_test, task.y_train_true):
        h.update(np.ascontiguousarray(arr, dtype=np.int64).tobytes())
        h.update(b"|")
    h.update(repr((task.X_train.shape, task.X_test.shape)).encode())
    return h.hexdigest()[:16]


def _task(name: str, seed: int = 1) -> Any:
    data, params, _ = CASES[name]
    return make_task(_tabular() if data == "tab" else _images(), name, seed=seed, **params)


def test_the_kinds_and_rules_match_the_detector_and_metric_layers() -> None:
    assert DATA_KINDS == SUPERVISION_KINDS and F1_RULES == METRIC_F1_RULES


def test_every_protocol_declares_its_metadata() -> None:
    assert set(CASES) <= set(PROTOCOLS), sorted(set(CASES) - set(PROTOCOLS))
    assert set(PROTOCOLS) <= set(CASES), f"add a case for {sorted(set(PROTOCOLS) - set(CASES))}"
    for name, info in PROTOCOLS.items():
        assert isinstance(info, RegisteredProtocol) and info.name == name
        assert info.supervision and set(info.supervision) <= set(SUPERVISION_KINDS), name
        assert set(info.supervision) >= {"unsupervised", "one-class"}, name  # label-free run
        assert info.f1_rule in METRIC_F1_RULES, name
        assert info.description and "\n" not in info.description, name
        params = inspect.signature(info.fn).parameters
        assert list(params)[:2] == ["dataset", "seed"], name
        assert params["seed"].kind is inspect.Parameter.KEYWORD_ONLY, name


def test_the_metadata_agrees_with_the_suites_compatibility_table() -> None:
    for protocol, kinds in COMPATIBLE.items():
        assert set(PROTOCOLS[protocol].supervision) == set(kinds), protocol


@pytest.mark.parametrize("name", sorted(CASES))
def test_tasks_carry_the_registered_rule_and_keep_their_outputs(name: str) -> None:
    task = _task(name)
    info = PROTOCOLS[name]
    assert task.protocol == name and task.f1_rule == info.f1_rule
    assert set(task.params) == set(info.parameters())
    assert _digest(task) == CASES[name][2], f"{name}: its outputs changed"
    assert _digest(_task(name)) == _digest(task)  # repeatable


def test_only_drocc_uses_the_normal_class_f1() -> None:
    assert {n for n, p in PROTOCOLS.items() if p.f1_rule != "anomaly_at_rate"} == {
        "drocc_one_class"
    }


def test_calling_the_registered_protocol_equals_make_task() -> None:
    data = _tabular()
    direct = PROTOCOLS["drocc_one_class"](data, seed=2)
    via = make_task(data, "drocc_one_class", seed=2)
    assert direct.f1_rule == via.f1_rule == "normal_at_p20"
    assert direct.params == via.params == {"scale": "standard"}
    np.testing.assert_array_equal(direct.X_train, via.X_train)


def _noop(dataset: Dataset, *, seed: int = 0) -> Any:
    """Does nothing."""


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"supervision": ()}, "supervision must name some of"),
        ({"supervision": ("weakly",)}, "supervision must name some of"),
        ({"supervision": "unsupervised", "f1_rule": "best"}, "f1_rule must be one of"),
    ],
)
def test_registration_rejects_bad_metadata(kwargs: dict[str, Any], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        register_protocol("test-bad", **kwargs)(_noop)
    assert "test-bad" not in PROTOCOLS


def test_registration_needs_a_description_and_defaults_to_the_docstring() -> None:
    def undocumented(dataset: Dataset, *, seed: int = 0) -> Any:
        return None

    with pytest.raises(ValueError, match="one-line description"):
        register_protocol("test-bad", supervision="unsupervised")(undocumented)
    assert "test-bad" not in PROTOCOLS
    try:
        register_protocol("test-doc", supervision=["unsupervised"])(_noop)
        assert PROTOCOLS["test-doc"].description == "Does nothing."
        assert PROTOCOLS["test-doc"].supervision == ("unsupervised",)
    finally:
        PROTOCOLS.pop("test-doc", None)
