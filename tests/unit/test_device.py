"""Devices without a GPU: a model saved with ``device="cuda"`` loads on the CPU (with a warning)
or where ``anomalab.load(path, device=...)`` says; the runner's ``--device`` sets the device of
every entrant that has one, keeps the cells' keys, and a device this machine (or a Dask worker)
lacks is one line before any cell runs. The GPU halves are ``tests/gpu/test_cuda.py``."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

import anomalab
from anomalab.bench.cells import Cell, device_used, make_entrant, run_cell
from anomalab.bench.environment import read_runs
from anomalab.bench.runner import run_cells
from anomalab.bench.session import BenchError, BenchRequest, BenchSession, run_bench
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.cli import app
from anomalab.ensemble import RankEnsemble
from anomalab.nn.runtime import DeviceError, check_device, parse_device

no_cuda = pytest.mark.skipif(torch.cuda.is_available(), reason="tests the machine without CUDA")
runner = CliRunner()
TINY = {"epochs": 2, "hidden_dims": (8,), "latent_dim": 2, "random_state": 0}


def _rows() -> np.ndarray:
    return np.random.default_rng(0).normal(size=(120, 6)).astype(np.float32)


def _as_saved_on(folder: Path, device: str) -> None:
    """Rewrite the saved ``device`` parameter, as a model saved on that device has it."""
    config = json.loads((folder / "config.json").read_text())
    config["params"]["device"] = device
    (folder / "config.json").write_text(json.dumps(config))


# --------------------------------------------------------------------------- device names
def test_device_names_are_checked_apart_from_availability() -> None:
    assert parse_device("cuda:1") == torch.device("cuda:1")  # a name, had or not
    assert parse_device("auto") is None and parse_device(None) == torch.device("cpu")
    for bad in ("tpu", "meta", 3):
        with pytest.raises(DeviceError, match="device"):
            parse_device(bad)  # type: ignore[arg-type]
    assert check_device("cpu") == "cpu"
    assert issubclass(DeviceError, ValueError)


# ------------------------------------------------------------------------------ loading
@no_cuda
def test_a_cuda_saved_model_loads_on_the_cpu_with_a_warning(tmp_path: Path) -> None:
    X = _rows()
    detector = anomalab.AutoEncoder(**TINY).fit(X)
    detector.save(tmp_path / "model")
    _as_saved_on(tmp_path / "model", "cuda")
    with pytest.warns(UserWarning, match=r"saved for device 'cuda'.*loaded on 'cpu'"):
        loaded = anomalab.load(tmp_path / "model")
    assert loaded.device == "cpu" and loaded.device_.type == "cpu"
    assert {p.device.type for p in loaded.model_.parameters()} == {"cpu"}
    np.testing.assert_array_equal(loaded.decision_function(X), detector.decision_function(X))
    assert json.loads((tmp_path / "model" / "config.json").read_text())["params"]["device"] == (
        "cuda"
    )  # the user's file is left as it is


@no_cuda
def test_load_device_chooses_the_device_and_refuses_one_this_machine_lacks(
    tmp_path: Path, recwarn: pytest.WarningsRecorder
) -> None:
    X = _rows()
    detector = anomalab.AutoEncoder(**TINY).fit(X)
    detector.save(tmp_path / "model")
    _as_saved_on(tmp_path / "model", "cuda")
    loaded = anomalab.load(tmp_path / "model", device="cpu")  # explicit: no warning
    assert loaded.device == "cpu" and not recwarn.list
    np.testing.assert_array_equal(loaded.decision_function(X), detector.decision_function(X))
    with pytest.raises(ValueError, match="CUDA is not available"):
        anomalab.load(tmp_path / "model", device="cuda")
    with pytest.raises(ValueError, match="unknown device 'tpu'"):
        anomalab.load(tmp_path / "model", device="tpu")


@no_cuda
def test_an_ensembles_cuda_saved_member_loads_on_the_cpu(tmp_path: Path) -> None:
    X = _rows().astype(np.float64)  # the ensemble computes in float64
    ensemble = RankEnsemble(
        members=["AutoEncoder", "IForest"], member_params={"AutoEncoder": TINY}, random_state=0
    ).fit(X)
    ensemble.save(tmp_path / "ens")
    _as_saved_on(tmp_path / "ens" / "member-0", "cuda")
    with pytest.warns(UserWarning, match="saved for device 'cuda'"):
        loaded = anomalab.load(tmp_path / "ens")
    assert loaded.members_[0].device == "cpu"
    np.testing.assert_allclose(loaded.decision_function(X), ensemble.decision_function(X))
    again = anomalab.load(tmp_path / "ens", device="cpu")  # passed on to the members
    assert again.members_[0].device == "cpu"


# ------------------------------------------------------------------------ the runner
def test_make_entrant_sets_the_device_of_entrants_that_have_one() -> None:
    assert make_entrant("AutoEncoder", {"device": "cpu"}, 0, "auto").device == "auto"
    assert make_entrant("AutoEncoder", {}, 0).device == "cpu"  # no override: the class default
    search = make_entrant("AutoEncoder", {"search": {"lr": [1e-3, 1e-2]}}, 0, "auto")
    assert search.device == "auto" and search.estimator.device == "auto"
    peer = make_entrant("IForest", {}, 0, "auto")
    assert "device" not in peer.get_params(deep=False)


def test_device_used_reads_the_fitted_models_device() -> None:
    detector = anomalab.AutoEncoder(**TINY).fit(_rows())
    assert device_used(detector) == "cpu"
    assert device_used(make_entrant("IForest", {}, 0)) is None


SUITE = """
description = "device test grid"
protocol = "unsupervised"
seeds = 1
datasets = ["WBC"]
detectors = [
    {name = "AutoEncoder", params = {epochs = 1, hidden_dims = [8], latent_dim = 2}},
    {name = "IForest", params = {n_estimators = 10}},
]
protocol_params = {max_rows = 150}
"""


@pytest.fixture
def config(tmp_path: Path) -> Path:
    path = tmp_path / "grid.toml"
    path.write_text(SUITE)
    return path


def test_device_cpu_runs_the_same_cells_under_the_same_keys(
    config: Path, tmp_path: Path, data_root: Path
) -> None:
    plain = run_bench(BenchRequest(config=config, out=tmp_path / "plain", command="t"))
    on_cpu = run_bench(BenchRequest(config=config, out=tmp_path / "cpu", device="cpu"))
    assert on_cpu.summary.ok == plain.summary.ok == 2
    assert on_cpu.summary.keys == plain.summary.keys
    assert set(on_cpu.results["cell_key"]) == set(plain.results["cell_key"])
    for versions in on_cpu.results["versions"]:  # a CPU cell's row reads as it always did
        assert "device" not in json.loads(versions)
    # the same cells: a run with --device over the plain run's store runs nothing again
    again = BenchSession.open(BenchRequest(config=config, out=tmp_path / "plain", device="cpu"))
    summary = again.run()
    assert (summary.skipped, summary.ok, summary.failed) == (2, 0, 0)
    assert read_runs(tmp_path / "cpu")[-1]["execution"].endswith("device cpu")


@no_cuda
@pytest.mark.parametrize(
    "device, message",
    [("cuda", "CUDA is not available on this machine"), ("tpu", "unknown device 'tpu'")],
)
def test_an_unusable_device_is_one_line_before_any_cell(
    device: str, message: str, config: Path, tmp_path: Path, data_root: Path
) -> None:
    request = BenchRequest(config=config, out=tmp_path / "o", device=device)
    with pytest.raises(BenchError) as info:
        BenchSession.open(request)
    assert message in str(info.value) and "\n" not in str(info.value)
    assert str(info.value).startswith(f"--device {device}: ")
    assert not (tmp_path / "o").exists()  # not even a store was made
    with pytest.raises(DeviceError, match=message):  # the library entry point checks too
        run_cells(
            [Cell("AutoEncoder", "WBC", "unsupervised", 0)],
            ResultStore(tmp_path / "s.db"),
            device=device,
        )
    assert ResultStore(tmp_path / "s.db").keys() == set()


@no_cuda
def test_bench_cli_device_cuda_fails_in_one_line(
    config: Path, tmp_path: Path, data_root: Path
) -> None:
    out = tmp_path / "o"
    result = runner.invoke(
        app,
        [
            "bench",
            "--config",
            str(config),
            "--out",
            str(out),
            "--device",
            "cuda",
            "--data-root",
            str(data_root),
        ],
    )
    assert result.exit_code == 1
    assert "CUDA is not available" in result.output and "Traceback" not in result.output
    assert not (out / STORE_FILE).exists()


@no_cuda
def test_a_dask_worker_without_the_device_stops_the_run_before_any_cell(
    config: Path, tmp_path: Path, data_root: Path
) -> None:
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(
        n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None
    ) as cluster:
        request = BenchRequest(
            config=config, out=tmp_path / "o", scheduler=cluster.scheduler_address, device="cuda"
        )
        session = BenchSession.open(request)  # the workers, not this client, need the device
        with pytest.raises(BenchError, match="on the Dask cluster at .*CUDA is not available"):
            session.run()
    assert session.stored() == 0
    with pytest.raises(BenchError, match="unknown device"):  # a bad name fails here already
        BenchSession.open(replace(request, device="tpu"))


def test_run_cell_with_a_device_keeps_the_cells_key(data_root: Path) -> None:
    cell = Cell(
        "AutoEncoder",
        "WBC",
        "unsupervised",
        0,
        params={"epochs": 1},
        protocol_params={"max_rows": 100},
    )
    row = run_cell(cell, str(data_root), device="cpu")
    assert row["status"] == "ok" and row["cell_key"] == cell.key
    assert row["params"] == {"detector": "AutoEncoder", "epochs": 1}  # no device among them


# ------------------------------------------------------------------------- reproduce
@no_cuda
def test_reproduce_device_cuda_fails_in_one_line(tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["reproduce", "anorand", "--out", str(tmp_path), "--device", "cuda"]
    )
    assert result.exit_code == 1
    assert "--device cuda: device 'cuda' requested but CUDA is not available" in result.output
    assert not any(tmp_path.iterdir())


def test_reproduce_device_needs_cells_to_run(tmp_path: Path) -> None:
    args = ["reproduce", "anorand", "--out", str(tmp_path), "--device", "cpu", "--from-archive"]
    result = runner.invoke(app, args)
    assert result.exit_code == 1 and "--from-archive runs none" in result.output


def test_worker_processes_run_off_the_cpu_device_started_fresh(tmp_path: Path, data_root) -> None:
    """``jobs=2`` with a device other than the CPU: the workers are spawned (a parent that asked
    CUDA whether it is there cannot fork workers that use it), get the device, keep the keys."""
    cells = [
        Cell("AutoEncoder", "WBC", "unsupervised", seed, params={"epochs": 1},
             protocol_params={"max_rows": 100})
        for seed in (0, 1)
    ]  # fmt: skip
    store = ResultStore(tmp_path / STORE_FILE)
    summary = run_cells(cells, store, data_root=data_root, jobs=2, threads=1, device="auto")
    assert (summary.ok, summary.failed) == (2, 0)
    assert store.keys() == {cell.key for cell in cells}
