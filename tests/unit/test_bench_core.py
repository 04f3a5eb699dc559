"""Results store and runner core: rows per cell, resume, failures recorded, CSV export."""

import pandas as pd
import pytest

from anomalab.bench.runner import Cell, expand_grid, make_entrant, run_cells
from anomalab.bench.store import COLUMNS, ResultStore
from anomalab.bench.suites import load_suite, suite_from_dict, suite_names
from anomalab.peers import PEERS

FAST_AE = {"epochs": 2, "hidden_dims": [8], "latent_dim": 2}


def test_expand_grid_and_stable_keys() -> None:
    cells = expand_grid(
        [("AutoEncoder", FAST_AE), ("IForest", {})], ["WBC", "Pima"], "unsupervised", [0, 1]
    )
    assert len(cells) == 8
    assert len({c.key for c in cells}) == 8
    same = Cell("AutoEncoder", "WBC", "unsupervised", 0, dict(FAST_AE))
    assert same.key == cells[0].key
    assert Cell("AutoEncoder", "WBC", "unsupervised", 0, {"epochs": 3}).key != same.key


def test_run_store_resume_and_failures(tmp_path) -> None:
    store = ResultStore(tmp_path / "results.sqlite")
    cells = expand_grid([("AutoEncoder", FAST_AE), ("IForest", {})], ["WBC"], "unsupervised", [0])
    cells.append(Cell("IForest", "no-such-dataset", "unsupervised", 0))
    summary = run_cells(cells, store)
    assert (summary.ok, summary.failed, summary.skipped) == (2, 1, 0)
    frame = store.frame()
    assert list(frame.columns) == list(COLUMNS)
    ok = frame[frame.status == "ok"]
    assert ok.auc_roc.between(0, 1).all() and (ok.fit_seconds > 0).all()
    failed = frame[frame.status == "failed"].iloc[0]
    assert "no-such-dataset" in failed.error
    assert '"torch"' in ok.iloc[0].versions
    # resume: nothing runs again
    again = run_cells(cells, store)
    assert (again.ok, again.failed, again.skipped) == (0, 0, 3)
    # retry_failed re-runs only the failed cell
    retry = run_cells(cells, store, retry_failed=True)
    assert (retry.ok, retry.failed, retry.skipped) == (0, 1, 2)
    csv = pd.read_csv(store.export_csv(tmp_path / "results.csv"))
    assert len(csv) == 3 and {"detector", "auc_roc", "auc_pr", "f1", "status", "error"} <= set(
        csv.columns
    )


def test_same_cell_same_result(tmp_path) -> None:
    cell = Cell("AutoEncoder", "WBC", "unsupervised", 3, dict(FAST_AE))
    a, b = ResultStore(tmp_path / "a.sqlite"), ResultStore(tmp_path / "b.sqlite")
    run_cells([cell], a)
    run_cells([cell], b)
    assert a.frame().auc_roc.iloc[0] == b.frame().auc_roc.iloc[0]


def test_suites() -> None:
    assert {"smoke", "quick"} <= set(suite_names())
    quick = load_suite("quick")
    names = [d[0] for d in quick.detectors]
    assert "AutoEncoder" in names and "IForest" in names
    assert len(quick.datasets) >= 8 and quick.seeds == [0, 1, 2]
    smoke = load_suite("smoke")
    assert dict((d[0], d[1]) for d in smoke.detectors)["AutoEncoder"]  # fast params
    with pytest.raises(ValueError, match="unknown suite"):
        load_suite("nope")
    with pytest.raises(ValueError, match="unknown detector 'Nope'; known: .*IForest"):
        suite_from_dict(
            "x", {"protocol": "unsupervised", "datasets": ["WBC"], "detectors": ["Nope"]}
        )


@pytest.mark.parametrize("name", suite_names())
def test_every_builtin_suite_builds_each_of_its_entrants(name: str) -> None:
    """A typo in a suite's detector parameters fails here, not hours into a benchmark run."""
    suite = load_suite(name)
    assert suite.cells() and suite.seeds
    for detector, params, label in suite.detectors:
        assert label
        if detector not in PEERS:  # peer adapters need the optional 'peers' extra
            assert make_entrant(detector, params, seed=0).get_params()["random_state"] == 0


def test_runner_passes_the_protocols_validation_part(tmp_path) -> None:
    """An SGAE that selects on validation data only runs if the runner hands the ``sgae``
    protocol's validation part to ``fit``; without one (unsupervised protocol) it fails clearly."""
    params = {"epochs": 2, "batch_size": 64, "hidden_dims": [8, 4], "early_stop": False}
    params |= {"model_selection": "val_auc"}
    store = ResultStore(tmp_path / "results.sqlite")
    cells = [Cell("SGAE", "WBC", "sgae", 0, params), Cell("SGAE", "WBC", "unsupervised", 0, params)]
    summary = run_cells(cells, store)
    assert (summary.ok, summary.failed) == (1, 1)
    frame = store.frame().set_index("protocol")
    assert frame.loc["sgae", "status"] == "ok"
    assert "validation" in frame.loc["unsupervised", "error"]


def test_suite_restrict_keeps_labels_and_merges_protocol_updates() -> None:
    suite = load_suite("adbench-unsup")
    small = suite.restrict(
        labels=["IForest", "PLAD"], seeds=range(2), protocol_updates={"max_rows": 500}
    )
    assert [d[2] for d in small.detectors] == [
        d[2] for d in suite.detectors if d[2] in {"IForest", "PLAD"}
    ]
    assert small.seeds == [0, 1] and small.datasets == suite.datasets
    assert all(p["max_rows"] == 500 and p["scale"] == "minmax" for p in small.protocol_grid)
    assert suite.seeds == [0, 1, 2] and suite.protocol_grid[0]["max_rows"] == 10000  # untouched
    assert {c.label or c.detector for c in small.cells()} == {"IForest", "PLAD"}
    with pytest.raises(ValueError, match=r"no entrant labelled \['Nope'\]"):
        suite.restrict(labels=["PLAD", "Nope"])


def test_labels_holding_commas_survive_the_comma_separated_list() -> None:
    """`--labels` splits on commas; a label that holds ", " is joined back from its pieces."""
    from anomalab.cli.common import split_list

    suite = load_suite("image-baselines")
    wanted = "Conv AE (NovNorm's AE-only rung, cpu),IForest (raw pixels)"
    kept = suite.restrict(labels=split_list(wanted))
    assert kept.labels == ["IForest (raw pixels)", "Conv AE (NovNorm's AE-only rung, cpu)"]
    with pytest.raises(ValueError, match="no entrant labelled"):
        suite.restrict(labels=split_list("Conv AE (NovNorm's AE-only rung, gpu)"))


def test_a_cell_run_on_several_torch_threads_records_how_many() -> None:
    """A row's versions name the torch threads when not 1 (PLAD's image training ends elsewhere on
    two threads than on one); a one-thread row reads as rows always did."""
    import torch

    from anomalab.bench.cells import run_cell

    cell = Cell("AutoEncoder", "WBC", "unsupervised", 0, dict(FAST_AE))
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        assert "torch_threads" not in run_cell(cell)["versions"]
        torch.set_num_threads(2)
        assert run_cell(cell)["versions"]["torch_threads"] == 2
    finally:
        torch.set_num_threads(before)
