"""``anomalab reproduce novnorm``: the report from the shipped archive (no cell archived yet) as
committed, its tables from a store of hand-made cells (restored from an archive like real ones),
and the two analyses that refit models only when cells are run."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pandas as pd
import pytest

from anomalab.bench.archive import export_stores
from anomalab.bench.document import Section
from anomalab.bench.store import STORE_FILE, ResultStore
from anomalab.reproductions.archive import archive_files, packaged, packaged_files
from anomalab.reproductions.context import Context
from anomalab.reproductions.engine import ReproduceRequest, load_paper, reproduce
from anomalab.reproductions.parts import declared_cells
from anomalab.reproductions.sections.novnorm import diagnosis, extremes

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "docs" / "results"
#: The files beside the report that it reads (a fresh checkout has them in docs/results/).
BESIDE = ("novnorm_extremes.png",)
SPEC = load_paper("novnorm")
CPU = "NovNorm (cpu)"


def test_novnorm_renders_from_the_shipped_archive_as_committed(tmp_path, monkeypatch) -> None:
    """The package ships the checkout's archive (the cpu preset's MNIST and Fashion-MNIST cells
    so far); every part restores what it has and says how much, and the report is
    docs/results/novnorm.md (and .html) byte for byte."""
    assert packaged("novnorm").is_file()
    assert packaged_files("novnorm") == archive_files(RESULTS / "cells" / "novnorm") != {}
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    out.mkdir()
    for name in BESIDE:
        shutil.copy(RESULTS / name, out / name)
    result = reproduce(ReproduceRequest("novnorm", out=out, from_archive=True))
    assert result.cells["images"] == 90 and result.cells["multiclass"] == 9
    assert result.cells["images-paper"] == 60 and result.cells["options"] == 60
    assert result.cells["ablation"] == 200  # its 180 and 20 shared MNIST cells of the full model
    assert result.missing_figures == []
    assert result.report.read_bytes() == (RESULTS / "novnorm.md").read_bytes()
    assert result.html.read_bytes() == (RESULTS / "novnorm.html").read_bytes()
    text = result.report.read_text()
    assert "git show d735550:docs/results/novnorm.md" in text
    assert "- `images` (store `novnorm-images`): all 90 declared cells stored and finished." in text
    assert (
        "- `multiclass` (store `novnorm-multiclass`): all 9 declared cells stored and finished."
        in text
    )
    assert (
        "- `options` (store `novnorm-options`): all 60 declared cells stored and finished." in text
    )
    assert (
        "- `ablation` (store `novnorm-ablation`): all 180 declared cells stored and finished."
        in text
    )


def _rows(part: str, label: str, value, datasets=None, classes=range(10), seeds=(0, 1)) -> list:
    """Store rows of ``part``'s declared cells of entrant ``label`` (AUC-ROC ``value(class,
    seed)``; a multiclass cell's class is -1)."""
    rows = []
    for cell in declared_cells(SPEC.parts[part], []):
        k = cell.protocol_params.get("normal_class", -1)
        if cell.name != label or cell.seed not in seeds or (k >= 0 and k not in classes):
            continue
        if datasets and cell.dataset not in datasets:
            continue
        rows.append(
            {"cell_key": cell.key, "detector": cell.name, "params": cell.params,
             "dataset": cell.dataset, "protocol": cell.protocol,
             "protocol_params": cell.protocol_params, "seed": cell.seed,
             "auc_roc": value(k, cell.seed), "auc_pr": 0.5, "fit_seconds": 10.0 + k,
             "score_seconds": 1.0, "status": "ok", "versions": {"anomalab": "0.1.0"},
             "finished_at": f"2026-12-0{1 + cell.seed}T00:00:00+00:00"}
        )  # fmt: skip
    return rows


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> str:
    """The report rendered from an archive of hand-made cells: NovNorm (cpu) on MNIST, every
    class, seeds 0-1; the AE-only rung 10 points above it; the multiclass ladder; half of the
    option's MNIST classes."""
    tmp = tmp_path_factory.mktemp("novnorm")
    stores = {
        "novnorm-images": _rows("images", "NovNorm (cpu)", lambda k, s: 0.80 + (k + s) / 100,
                                datasets=["mnist-images"]),
        "novnorm-ablation": _rows("ablation", "AE only (cpu)", lambda k, s: 0.90 + (k + s) / 100,
                                  datasets=["mnist-images"]),
        "novnorm-multiclass": [
            *_rows("multiclass", "AE only (cpu)", lambda k, s: 0.60 + s / 100, seeds=(0, 1, 2)),
            *_rows("multiclass", "+ NS = NovNorm (cpu)", lambda k, s: 0.55, seeds=(0, 1, 2)),
        ],
        "novnorm-options": _rows("options", "NovNorm + GCN-L1 min-max (cpu; option)",
                                 lambda k, s: 0.70, datasets=["mnist-images"], classes=range(5),
                                 seeds=(0,)),
    }  # fmt: skip
    for store, rows in stores.items():
        ResultStore(tmp / "runs" / store / STORE_FILE).add_many(rows)
    export_stores(tmp / "runs", tmp / "archive")
    result = reproduce(
        ReproduceRequest("novnorm", out=tmp / "out", from_archive=True, archive=tmp / "archive")
    )
    assert result.cells == {"images": 20, "images-paper": 0, "ablation": 20, "multiclass": 6,
                            "options": 5}  # fmt: skip
    return result.report.read_text()


def _flat(text: str) -> str:
    """The report with every run of whitespace one space (table padding aside)."""
    return " ".join(text.split())


def test_per_class_tables_and_ten_class_means(report: str) -> None:
    """Table 1: the paper's row per digit, ours per class (mean ± std over 2 seeds), the paper
    preset not run; the ten-class mean over seeds. CIFAR-10: nothing run, the paper's rows."""
    flat = _flat(report)
    assert "| 0 | 99.80 | 80.50 ± 0.71 (n=2) | not run yet |" in flat
    assert "| MEAN | 97.65 | 85.00 ± 0.71 over seeds (>= 2 seed(s) per class) | not run yet |" in (
        flat
    )
    assert "| plane | 79.60 | not run yet | not run yet |" in flat
    assert "| T-shirt | - | not run yet | not run yet |" in flat  # Table 3: the paper's mean only
    assert "| 9 | 99.50 ± 0.71 (n=2) | not run yet | 89.50 ± 0.71 (n=2) | not run yet |" in flat


def test_acceptance_ladder_and_changes(report: str) -> None:
    flat = _flat(report)
    assert (
        "- mnist-images: mean AUC over the ten classes >= 0.95: does NOT hold; NovNorm (cpu) does "
        "not (85.00 ± 0.71 over seeds (>= 2 seed(s) per class)); NovNorm (paper) not established "
        "(not run yet)."
    ) in flat
    assert "- cifar10: mean AUC over the ten classes >= 0.62: not established yet;" in flat
    assert (
        "| AE only (cpu) | AE only | 95.54 | 95.00 ± 0.71 over seeds (>= 2 seed(s) per class) | "
        "59.74 | not run yet |"
    ) in flat
    assert (
        "- mnist-images, the normalization and the NS module together: hurts here, -10.00 AUC "
        "points on average over 20 (class, seed) cells, 10 class(es); per seed -10.00, -10.00 "
        "(paper: +2.11)."
    ) in flat
    assert "- mnist-images, the normalization in the loss: not run yet." in flat
    assert "| + NS = NovNorm (cpu) | + NS | 62.77 | 55.00 ± 0.00 (n=3) |" in flat  # Table 5
    assert (
        "- cifar10:2+3+5, the normalization and the NS module together: hurts here, -6.00 AUC "
        "points on average over 3 seeds; per seed -5.00, -6.00, -7.00 (paper: +2.96)."
    ) in flat


def test_options_coverage_and_fit_times(report: str) -> None:
    flat = _flat(report)
    option = "| NovNorm + GCN-L1 min-max (cpu; option) | mnist-images | partial: 5/10 classes |"
    assert option in flat
    assert (
        "- mnist-images, NovNorm + GCN-L1 min-max (cpu; option): hurts here, -12.00 AUC points "
        "on average over 5 (class, seed) cells, 5 class(es) (preliminary: fewer than ten "
        "classes)."
    ) in flat
    assert "- `images` (store `novnorm-images`): **PARTIAL**, 20 of 90 cells." in flat
    assert "- `images-paper` (store `novnorm-images-paper`): **not run** (0 of 90 cells)." in flat
    assert "| mnist-images | image_one_class | NovNorm (cpu) | 10 | 20 | 14 (10-19) |" in flat
    assert "| images | novnorm-images | 20 | 2026-12-01 | 2026-12-02 | 0.1.0 |" in flat


def _seed_zero(classes: list[int], epochs: int = 1) -> pd.DataFrame:
    params = {"detector": "NovNorm", "preset": "paper", "budget": "cpu", "epochs": epochs}
    return pd.DataFrame(
        {
            "detector": "NovNorm (cpu)",
            "dataset": "mnist-images",
            "protocol": "image_one_class",
            "protocol_params": [json.dumps({"normal_class": k, "max_train": 256}) for k in classes],
            "params": json.dumps(params),
            "seed": 0,
            "status": "ok",
        }
    )


def test_figure_and_diagnosis_refit_only_when_cells_run(tmp_path, data_root, monkeypatch) -> None:
    """From the archive (or without the seed-0 cell of a class) nothing is refitted and the
    records shipped with the spec are read as they are; with the cells run, the diagnosis JSON
    is re-made (both losses, one class, a 1-epoch stand-in) and the figure drawn."""
    import anomalab.reproductions.sections.novnorm as novnorm_sections

    monkeypatch.setattr(novnorm_sections, "probe_file", lambda paper, name: tmp_path / name)
    variants = {"faithful": {}, "detached": {"detach_minmax": True}}
    rows = _seed_zero([2])
    for from_archive, classes in ((True, ["mnist-images:2"]), (False, ["mnist-images:3"])):
        ctx = Context(SPEC, {"images": rows}, tmp_path, from_archive, data_root)
        diagnosis(ctx, out := Section("D"), "images", CPU, classes, variants, "d.json")
        extremes(ctx, out, "images", CPU, classes, "x")
        assert out.blocks[0][1].startswith("Not produced yet: running part `images` makes it")
        assert out.blocks[1][1].startswith("Not drawn yet: running part `images` draws it")
        assert not (tmp_path / "d.json").exists() and not (tmp_path / "x.txt").exists()
    ctx = Context(SPEC, {"images": rows}, tmp_path, False, data_root)
    diagnosis(ctx, out := Section("D"), "images", CPU, ["mnist-images:2"], variants, "d.json")
    saved = json.loads((tmp_path / "d.json").read_text())
    assert saved["command"] == "anomalab reproduce novnorm --parts images"
    assert [r["variant"] for r in saved["rows"]] == ["faithful", "detached"]
    first = saved["rows"][0]
    assert first["one_over_batch"] == 1 / 128 and 0 <= first["share_below_0.1"] <= 1
    assert 0 < first["auc_r"] < 1 and first["batch_loss"] >= first["one_over_batch"]
    assert out.blocks[0][1].startswith("Produced by `anomalab reproduce novnorm --parts images`")
    assert out.blocks[-1][1].startswith("- mnist-images:2: the faithful loss ends at")
    extremes(ctx, out := Section("E"), "images", CPU, ["mnist-images:2"], "x")
    assert (tmp_path / "x.txt").read_text().splitlines()[1] == "mnist-images:2"
    assert out.blocks[-1][1].png[:4] == b"\x89PNG"
