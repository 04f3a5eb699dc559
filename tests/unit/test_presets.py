"""Presets: ``"paper"`` is the faithful settings, ``"recommended"`` (the default) the rules chosen
on the development half; explicit parameters win; clone, save and load keep working."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pytest
from sklearn.base import clone

import anomalab
from anomalab.bench.runner import Cell
from anomalab.bench.suites import adbench_halves, load_suite
from anomalab.data import load_dataset, make_task
from anomalab.presets import PRESETS, budget_epochs
from anomalab.registry import detector_specs

SPECS = detector_specs()
ids = [s.name for s in SPECS]


def _rows(n: int = 120, d: int = 6, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(size=(n, d))


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_every_detector_takes_preset_and_governs_none_defaults(spec) -> None:  # type: ignore[no-untyped-def]
    signature = inspect.signature(spec.cls.__init__).parameters
    assert signature["preset"].default == "recommended"
    for name in spec.cls.paper_params:
        assert signature[name].default is None, f"{spec.name}.{name} must default to None"
    with pytest.raises(ValueError, match="preset must be one of"):
        spec.cls(preset="fast").preset_params(_shape())


def _shape(n: int = 500, d: int = 6):  # type: ignore[no-untyped-def]
    from anomalab.presets import DataShape

    return DataShape(n_samples=n, n_features=d, input_shape=(d,))


@pytest.mark.parametrize("spec", SPECS, ids=ids)
def test_presets_cover_the_same_governed_parameters(spec) -> None:  # type: ignore[no-untyped-def]
    det = spec.cls()
    paper = spec.cls(preset="paper").preset_params(_shape())
    recommended = det.preset_params(_shape())
    assert paper == spec.cls.paper_params
    assert set(recommended) == set(paper)


def test_paper_preset_is_the_old_defaults_and_explicit_values_win() -> None:
    X = _rows()
    paper = anomalab.SGAE(preset="paper", epochs=1, random_state=0).fit(X)
    assert paper.hp_.lr == 1e-4 and paper.hp_.batch_size == 1024 and paper.hp_.hidden_dims == "auto"
    assert paper.hp_.epochs == 1  # explicit
    rec = anomalab.SGAE(epochs=1, random_state=0).fit(X)
    assert rec.hp_.lr == 1e-3 and rec.hp_.standardize is True and rec.hp_.score == "s"
    mine = anomalab.SGAE(epochs=1, lr=0.05, score="zsum", random_state=0).fit(X)
    assert mine.hp_.lr == 0.05 and mine.hp_.score == "zsum" and mine.hp_.batch_size == 256
    # the constructor parameters are never changed by fit
    assert mine.get_params()["batch_size"] is None and mine.get_params()["lr"] == 0.05


def test_clone_keeps_unset_parameters_unset() -> None:
    det = anomalab.AnoRand(preset="paper", w=0.3)
    copy = clone(det)
    assert copy.get_params() == det.get_params()
    assert copy.get_params()["lr"] is None and copy.get_params()["preset"] == "paper"


def test_invalid_presets_and_budgets() -> None:
    X = _rows()
    assert PRESETS == ("recommended", "paper")
    with pytest.raises(ValueError, match="budget='cpu'"):
        anomalab.PLAD(preset="cpu").fit(X)
    with pytest.raises(ValueError, match="budget"):
        anomalab.PLAD(budget="fast", epochs=1).fit(X)


def test_save_load_keeps_effective_params_and_scores(tmp_path) -> None:  # type: ignore[no-untyped-def]
    X = _rows()
    det = anomalab.RSRAE(epochs=2, random_state=0).fit(X)
    assert det.hp_.error == "l2"
    loaded = anomalab.load(det.save(tmp_path / "m"))
    assert loaded.effective_params_ == json.loads(json.dumps(det.effective_params_))
    assert loaded.get_params() == det.get_params()
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))


def test_format_1_model_files_load_with_the_paper_settings(tmp_path) -> None:  # type: ignore[no-untyped-def]
    """A file saved before presets existed holds explicit old defaults and no preset."""
    X = _rows()
    det = anomalab.AutoEncoder(preset="paper", epochs=2, random_state=0).fit(X)
    folder = det.save(tmp_path / "m")
    config = json.loads((folder / "config.json").read_text())
    config["format_version"] = 1
    del config["fitted"]["effective_params_"]
    config["params"] = {k: v for k, v in config["params"].items() if k != "preset"}
    (folder / "config.json").write_text(json.dumps(config))
    loaded = anomalab.load(folder)
    assert loaded.preset == "paper" and loaded.hp_.latent_dim == 16
    np.testing.assert_array_equal(loaded.decision_function(X), det.decision_function(X))


def test_cell_keys_leave_the_paper_preset_out() -> None:
    """Cells stored before presets existed ran the paper's settings and keep their keys; a cell
    that names no preset runs the recommended one and gets a key of its own."""
    base = {"detector": "SGAE", "dataset": "cardio", "protocol": "unsupervised", "seed": 0}
    old = Cell(**base, params={})
    pinned = Cell(**base, params={"preset": "paper"})
    default = Cell(**base, params={})
    explicit = Cell(**base, params={"preset": "recommended"})
    assert pinned.key != default.key and default.key == explicit.key == old.key is not None
    import hashlib

    legacy = json.dumps(
        {
            "detector": "SGAE",
            "params": {},
            "dataset": "cardio",
            "protocol": "unsupervised",
            "protocol_params": {},
            "seed": 0,
        },
        sort_keys=True,
        default=str,
    )
    assert pinned.key == hashlib.sha1(legacy.encode()).hexdigest()


def test_a_cell_can_pin_the_preset_revision_it_records(tmp_path) -> None:
    """A development table keeps the cells its decisions were made on: a cell pinning an older
    revision of a recommended preset has that revision's key, is read from a store, and is
    refused (one line, nothing stored) when it would have to run under another revision."""
    import hashlib

    from anomalab.bench.runner import run_cells
    from anomalab.bench.store import ResultStore
    from anomalab.registry import get_spec

    current = get_spec("SGDAGMM").cls.recommended_revision
    assert current >= 2  # revision 2: inputs as given
    base = {"detector": "SGDAGMM", "dataset": "WBC", "protocol": "unsupervised", "seed": 0}
    now = Cell(**base, params={})
    same = Cell(**base, params={"preset_revision": current})
    first = Cell(**base, params={"preset_revision": 1})
    assert same.key == now.key and first.key != now.key
    legacy = json.dumps(
        {
            "detector": "SGDAGMM",
            "params": {"preset": "recommended"},
            "dataset": "WBC",
            "protocol": "unsupervised",
            "protocol_params": {},
            "seed": 0,
        },
        sort_keys=True,
        default=str,
    )
    assert first.key == hashlib.sha1(legacy.encode()).hexdigest()  # revision 1's own key
    store = ResultStore(tmp_path / "results.sqlite")
    with pytest.raises(ValueError, match="records revision 1 of SGDAGMM's recommended preset"):
        run_cells([first], store)
    assert store.keys() == set()
    store.add(
        {
            "cell_key": first.key,
            "detector": "SGDAGMM",
            "dataset": "WBC",
            "seed": 0,
            "status": "ok",
            "params": "{}",
            "protocol": "unsupervised",
            "protocol_params": "{}",
        }
    )
    assert run_cells([first], store).skipped == 1  # stored: read, not run


def test_paper_suites_pin_the_paper_preset() -> None:
    for name in (
        "sgae-paper",
        "devnet-paper",
        "anorand-supervised",
        "plad-tabular",
        "novnorm-images",
    ):
        suite = load_suite(name)
        registered = [p for d, p, _ in suite.detectors if d in anomalab.list_detectors()]
        assert registered and all(p.get("preset") == "paper" for p in registered), name
    quick = load_suite("quick")
    assert all("preset" not in p for _, p, _ in quick.detectors)  # the recommended default


def test_adbench_halves_alternate_by_number() -> None:
    dev, confirm = adbench_halves()
    assert len(dev) == 17 and len(confirm) == 16 and not set(dev) & set(confirm)
    assert dev[:3] == ["annthyroid", "campaign", "celeba"]  # ADBench 2, 5, 8
    assert confirm[:3] == ["breastw", "cardio", "cover"]  # ADBench 4, 6, 10


def test_validation_protocol_semi_and_one_class_variants() -> None:
    data = load_dataset("cardio")
    semi = make_task(data, "validation", 0, labels="some", ratio=0.05)
    anomalies = int(semi.y_train_true.sum())
    assert int((semi.y_train == 1).sum()) == int(np.ceil(0.05 * anomalies))
    assert set(np.unique(semi.y_train)) == {0, 1}
    one = make_task(data, "validation", 0, normal_only=True)
    assert one.y_train_true.sum() == 0 and one.y_test.sum() > 0
    plain = make_task(data, "validation", 0)
    # the validation part is untouched (the same rows; scaling is fitted on the fit part)
    np.testing.assert_array_equal(plain.test_index, one.test_index)
    with pytest.raises(ValueError, match="ratio"):
        make_task(data, "validation", 0, labels="some")


def test_explicit_epochs_is_the_whole_budget() -> None:
    X = _rows(60)
    assert anomalab.AutoEncoder(random_state=0).fit(X).hp_.min_steps == 2000
    five = anomalab.AutoEncoder(epochs=5, random_state=0).fit(X)
    assert five.hp_.min_steps == 0 and five.history_.epochs_run == 5
    both = anomalab.AutoEncoder(epochs=5, min_steps=20, random_state=0).fit(X)
    assert both.history_.epochs_run == 20  # 60 rows: one step an epoch


def test_budget_epochs_is_a_step_minimum() -> None:
    assert budget_epochs(100, 63, 128, 2000) == 2000  # one step an epoch
    assert budget_epochs(100, 1281, 256, 2000) == 334  # six steps an epoch
    assert budget_epochs(100, 100_000, 256, 2000) == 100  # epochs already exceed the minimum
    assert budget_epochs(50, 10, 256, 0) == 50


def test_ensemble_cells_are_keyed_by_their_members_preset_revisions(monkeypatch) -> None:
    """An ensemble's cells must not be reused when a member's recommended preset changes: a
    member off the revision its stored cells ran with re-keys the cell; paper-preset members and
    peers do not."""
    from anomalab.bench.cells import key_params
    from anomalab.registry import get_spec

    def key(members: list[str], member_params: dict | None = None) -> str:
        params = {"members": members, **({"member_params": member_params} if member_params else {})}
        return Cell("RankEnsemble", "WBC", "unsupervised", 0, params).key

    assert key_params("RankEnsemble", {"members": ["IForest", "SGAE"]}) == {
        "members": ["IForest", "SGAE"]
    }  # SGAE at its stored cells' revision: the key of every stored ensemble cell holds
    plain = key(["IForest", "AutoEncoder"])
    assert key_params("RankEnsemble", {"members": ["SGDAGMM", "IForest"]})["member_revisions"] == {
        "SGDAGMM": get_spec("SGDAGMM").cls.recommended_revision
    }
    paper = {"SGDAGMM": {"preset": "paper"}}
    assert "member_revisions" not in key_params(
        "RankEnsemble", {"members": ["SGDAGMM"], "member_params": paper}
    )
    cls = get_spec("AutoEncoder").cls
    monkeypatch.setattr(cls, "recommended_revision", cls.recommended_revision + 1)
    assert key(["IForest", "AutoEncoder"]) != plain


def test_an_image_revision_rekeys_only_the_cells_on_images(monkeypatch) -> None:
    """A class that versions its image rules on their own (``recommended_image_revision``):
    bumping it re-keys recommended cells of image protocols only; tabular cells and paper-preset
    cells keep their keys (and so their stored results)."""
    from anomalab.bench.cells import check_runnable
    from anomalab.registry import get_spec

    image = Cell("PLAD", "mnist-images", "image_one_class", 0, {"budget": "cpu"})
    tabular = Cell("PLAD", "WBC", "one_class", 0, {})
    paper = Cell("PLAD", "mnist-images", "image_one_class", 0, {"preset": "paper"})
    assert image.on_images and not tabular.on_images
    before = {c: c.key for c in (image, tabular, paper)}
    cls = get_spec("PLAD").cls
    from anomalab.bench.cells import recommended_revision

    bumped = recommended_revision(cls, image=True) + 1
    monkeypatch.setattr(cls, "recommended_image_revision", bumped)
    assert image.key != before[image]
    assert tabular.key == before[tabular] and paper.key == before[paper]
    pinned = Cell(
        "PLAD", "mnist-images", "image_one_class", 0, {"preset_revision": cls.recommended_revision}
    )
    with pytest.raises(ValueError, match="records revision 1 of PLAD's recommended preset"):
        check_runnable([pinned])
