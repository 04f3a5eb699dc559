"""CUDA, for every registered detector: fit and score with ``device="cuda"`` (the model lives on
the GPU), save there, load on the CPU and score alike to float32 tolerance; the runner's and the
reproduction's ``--device cuda`` run cells on the GPU under the keys they have on the CPU.

Marked ``gpu``: skipped where ``torch.cuda.is_available()`` is False (``tests/conftest.py``); run
them on a CUDA machine with ``pytest -m gpu``. Their CPU halves (a CUDA-saved model loading on a
machine without CUDA, the one-line error of ``--device cuda`` there) are tested everywhere, in
``tests/unit/test_device.py``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import anomalab
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.registry import DetectorSpec, detector_specs

pytestmark = pytest.mark.gpu

SRC = Path(__file__).resolve().parents[2] / "src"
#: Float32 agreement of the same weights on two devices (scores are float32 computations).
RTOL, ATOL = 1e-4, 1e-5
#: Extra parameters a detector that reads several kinds of data needs for images.
IMAGE_PARAMS: dict[str, dict[str, object]] = {"DevNet": {"network": "cnn"}}

CASES = [(spec, kind) for spec in detector_specs() for kind in spec.data_kinds]
each = pytest.mark.parametrize(
    "spec, kind", CASES, ids=[f"{spec.name}-{kind}" for spec, kind in CASES]
)


@pytest.fixture(autouse=True)
def true_float32() -> Iterator[None]:
    """Plain float32 on the GPU: TF32 (cuDNN's default for convolutions) keeps 10 mantissa bits,
    far from the CPU's float32."""
    saved = torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    yield
    torch.backends.cuda.matmul.allow_tf32, torch.backends.cudnn.allow_tf32 = saved


@cache
def _data(kind: str, supervised: bool) -> tuple[np.ndarray, np.ndarray | None, np.ndarray]:
    """(X_train, y_train, X_test): cardio's normal rows (min-max scaled) or 200 MNIST ones; a
    semi-supervised detector gets 10 labeled anomalies (rows pushed off / a bright square)."""
    from anomalab.data import load_dataset

    rng = np.random.default_rng(0)
    if kind == "image":
        data = load_dataset("mnist-images")
        ones = data.X[(data.y == 1) & data.split]
        X = ones[rng.choice(len(ones), 200, replace=False)].astype(np.float32)
    else:
        data = load_dataset("cardio")
        X = data.X[data.y == 0]
        X = (X - X.min(axis=0)) / np.maximum(X.max(axis=0) - X.min(axis=0), 1e-12)
        X = X[rng.choice(len(X), 500, replace=False)].astype(np.float32)
    X_train, X_test = X[: len(X) * 3 // 4], X[len(X) * 3 // 4 :]
    if not supervised:
        return X_train, None, X_test
    anomalies = X_train[:10].copy()
    if kind == "image":
        anomalies[..., 4:16, 4:16] = 1.0
    else:
        anomalies[:, ::3] += 2.0
    y = np.r_[np.zeros(len(X_train), dtype=np.int64), np.ones(10, dtype=np.int64)]
    return np.concatenate([X_train, anomalies]), y, X_test


def _fit_on_cuda(spec: DetectorSpec, kind: str) -> tuple[anomalab.BaseDetector, np.ndarray]:
    X, y, X_test = _data(kind, spec.supervision in ("semi-supervised", "supervised"))
    params = {**spec.fast_params, **(IMAGE_PARAMS.get(spec.name, {}) if kind == "image" else {})}
    detector = spec.cls(**params, random_state=0, device="cuda").fit(X, y)
    return detector, X_test


def _devices(detector: anomalab.BaseDetector) -> set[str]:
    model = detector.model_
    return {t.device.type for t in [*model.parameters(), *model.buffers()]}


def _versions(stored: object) -> dict[str, str]:
    """A stored row's ``versions`` (JSON text in the store)."""
    return json.loads(stored) if isinstance(stored, str) else dict(stored)  # type: ignore[call-overload]


def _close(actual: np.ndarray, expected: np.ndarray) -> None:
    scale = max(1.0, float(np.abs(expected).max()))
    np.testing.assert_allclose(actual, expected, rtol=RTOL, atol=ATOL * scale)


@each
def test_fit_score_save_on_cuda_then_load_and_score_on_cpu(
    spec: DetectorSpec, kind: str, tmp_path: Path, data_root: Path
) -> None:
    detector, X_test = _fit_on_cuda(spec, kind)
    assert detector.device_.type == "cuda" and _devices(detector) == {"cuda"}
    on_gpu = detector.decision_function(X_test)
    assert on_gpu.shape == (len(X_test),) and np.isfinite(on_gpu).all() and np.ptp(on_gpu) > 0
    detector.save(tmp_path / "model")

    again = anomalab.load(tmp_path / "model")  # the saved device, which this machine has
    assert again.device == "cuda" and _devices(again) == {"cuda"}
    _close(again.decision_function(X_test), on_gpu)

    on_cpu = anomalab.load(tmp_path / "model", device="cpu")
    assert on_cpu.device == "cpu" and on_cpu.device_.type == "cpu"
    assert _devices(on_cpu) == {"cpu"}
    _close(on_cpu.decision_function(X_test), on_gpu)
    assert on_cpu.threshold_ == detector.threshold_
    np.testing.assert_array_equal(on_cpu.decision_scores_, detector.decision_scores_)


def test_a_cuda_saved_model_loads_in_a_process_without_cuda(
    tmp_path: Path, data_root: Path
) -> None:
    """The saved ``device="cuda"`` falls back to the CPU, with a warning, where CUDA is hidden."""
    spec = next(s for s in detector_specs() if s.name == "AutoEncoder")
    detector, X_test = _fit_on_cuda(spec, "tabular")
    detector.save(tmp_path / "model")
    np.save(tmp_path / "x.npy", X_test)
    np.save(tmp_path / "gpu.npy", detector.decision_function(X_test))
    script = (
        "import sys, warnings, numpy as np, torch, anomalab\n"
        "assert not torch.cuda.is_available()\n"
        "folder = sys.argv[1]\n"
        "with warnings.catch_warnings(record=True) as caught:\n"
        "    warnings.simplefilter('always')\n"
        "    model = anomalab.load(folder + '/model')\n"
        "assert any('saved for device' in str(w.message) for w in caught), caught\n"
        "assert model.device == 'cpu' and model.device_.type == 'cpu'\n"
        "scores = model.decision_function(np.load(folder + '/x.npy'))\n"
        "np.save(folder + '/cpu.npy', scores)\n"
    )
    env = dict(os.environ, CUDA_VISIBLE_DEVICES="")
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(SRC), env.get("PYTHONPATH")) if p)
    done = subprocess.run(
        [sys.executable, "-c", script, str(tmp_path)], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr[-2000:]
    _close(np.load(tmp_path / "cpu.npy"), np.load(tmp_path / "gpu.npy"))


SUITE = """
description = "gpu smoke cell"
protocol = "unsupervised"
seeds = 1
datasets = ["WBC"]
detectors = [
    {name = "AutoEncoder", params = {epochs = 3, hidden_dims = [16], latent_dim = 4}},
    {name = "IForest", params = {n_estimators = 20}},
]
protocol_params = {max_rows = 200}
"""


def test_bench_device_cuda_runs_the_cells_on_the_gpu_under_their_cpu_keys(
    tmp_path: Path, data_root: Path
) -> None:
    from anomalab.cli import app

    config = tmp_path / "grid.toml"
    config.write_text(SUITE)
    rows = {}
    for device in ("cpu", "cuda"):
        out = tmp_path / device
        args = ["bench", "--config", str(config), "--out", str(out), "--device", device]
        if device == "cuda":  # worker processes, spawned: the parent has asked CUDA already
            args += ["--jobs", "2", "--threads", "1"]
        result = CliRunner().invoke(app, [*args, "--data-root", str(data_root)])
        assert result.exit_code == 0, result.output
        frame = ResultStore(out / STORE_FILE).frame()
        assert (frame["status"] == "ok").all()
        rows[device] = {r.detector: (r.cell_key, _versions(r.versions)) for r in frame.itertuples()}
    keys = {device: {name: key for name, (key, _) in by.items()} for device, by in rows.items()}
    assert keys["cuda"] == keys["cpu"] and len(keys["cpu"]) == 2
    assert rows["cuda"]["AutoEncoder"][1]["device"] == "cuda"
    assert "device" not in rows["cpu"]["AutoEncoder"][1]
    assert "device" not in rows["cuda"]["IForest"][1]  # a peer has no device: it ignores --device


@pytest.fixture()
def tiny_builder() -> Iterator[None]:
    from anomalab.reproductions import registry

    @registry.dataset_builder("test.gpu-tiny")
    def tiny(folder: Path, data_root: Path | None) -> Path:
        rng = np.random.default_rng(0)
        X = rng.normal(size=(240, 5)).astype(np.float32)
        y = (np.arange(240) < 24).astype(np.int64)
        X[y == 1] += 4.0
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "tiny.npz", X=X, y=y)
        return folder / "tiny.npz"

    yield
    del registry.DATASET_BUILDERS["test.gpu-tiny"]


def test_reproduce_device_cuda_runs_a_part_on_the_gpu(tmp_path: Path, tiny_builder) -> None:
    from anomalab.reproductions.engine import ReproduceRequest, reproduce
    from anomalab.reproductions.spec import spec_from_dict

    raw = {
        "title": "Tiny on the GPU",
        "parts": {
            "grid": {
                "protocol": "unsupervised",
                "dataset_builder": "test.gpu-tiny",
                "detectors": [
                    {"name": "AutoEncoder", "params": {"epochs": 3, "hidden_dims": [16]}},
                ],
                "seeds": 1,
                "protocol_params": {"test_size": 0.3},
            }
        },
        "sections": [{"title": "Grid", "part": "grid", "blocks": [{"table": "summary"}]}],
    }
    spec = spec_from_dict("anorand", raw)
    request = ReproduceRequest("anorand", out=tmp_path, data_root=tmp_path, device="cuda")
    result = reproduce(request, spec=spec)
    assert result.cells == {"grid": 1}
    frame = ResultStore(next(tmp_path.glob(f"anorand/*/{STORE_FILE}"))).frame()
    assert frame["status"].iloc[0] == "ok"
    assert _versions(frame["versions"].iloc[0])["device"] == "cuda"
