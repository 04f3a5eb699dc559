"""``anomalab reproduce``: the spec loader and its one-line errors, the section registry, the
archive the package ships, the command's help, and each converted paper's report (AnoRand,
SG-AE, DevNet, PLAD) rendered from the archive byte for byte as committed."""

from __future__ import annotations

import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from anomalab.bench.document import Section
from anomalab.cli import app
from anomalab.reproductions import registry
from anomalab.reproductions import spec as spec_module
from anomalab.reproductions.archive import archive_files, archive_folder, packaged_files
from anomalab.reproductions.context import Context
from anomalab.reproductions.engine import (
    ReproduceRequest,
    ReproduceResult,
    check_spec,
    load_paper,
    render,
    reproduce,
)
from anomalab.reproductions.spec import PAPERS, SpecError, load_spec, spec_from_dict

ROOT = Path(__file__).resolve().parents[2]
CELLS = ROOT / "docs" / "results" / "cells" / "anorand"
runner = CliRunner()


def test_anorand_renders_from_the_shipped_archive_as_committed(tmp_path, monkeypatch) -> None:
    """Outside a checkout (no docs/results/cells here) the package's copy of the archive is
    restored; the report is the committed docs/results/anorand.md, byte for byte."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = reproduce(ReproduceRequest("anorand", out=out, from_archive=True))
    assert result.report.read_bytes() == (ROOT / "docs" / "results" / "anorand.md").read_bytes()
    assert result.cells == {
        "sweeps-supervised": 216,
        "sweeps": 48,
        "supervised": 465,
        "unsup": 1089,
        "mnist": 3,
    }
    assert (out / "anorand" / "anorand-supervised" / "results.sqlite").is_file()
    assert (out / "anorand_sweeps.png").read_bytes()[:4] == b"\x89PNG"
    assert result.missing_figures == ["anorand_mnist_hist.png"]  # refits models: not drawn
    page = result.html.read_text()
    assert "<h2>Table 2: fully supervised (AUC-PR %)</h2>" in page
    assert page.count("data:image/png;base64,") == 1


def test_sgae_renders_from_the_shipped_archive_as_committed(tmp_path, monkeypatch) -> None:
    """SG-AE's report from the package's archive is docs/results/sgae.md, byte for byte; the
    robustness figure is drawn from the cells, the two that fit models are not."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = reproduce(ReproduceRequest("sgae", out=out, from_archive=True))
    assert result.report.read_bytes() == (ROOT / "docs" / "results" / "sgae.md").read_bytes()
    assert set(result.cells) == {"paper", "substitutes", "mnist", "faithful", "robust", "adbench"}
    assert result.cells["paper"] == 130 and result.cells["mnist"] == 35
    assert (out / "sgae_robustness.png").read_bytes()[:4] == b"\x89PNG"
    assert result.missing_figures == [
        "sgae_synthetic.png",
        "sgae_hist_market.png",
        "sgae_hist_diabetic.png",
    ]
    page = result.html.read_text()
    assert "<h2>Table 2: AUC-ROC and AUC-PR (suite <code>sgae-paper</code>)</h2>" in page


def test_devnet_renders_from_the_shipped_archive_as_committed(tmp_path, monkeypatch) -> None:
    """DevNet's report from the package's archive is docs/results/devnet.md, byte for byte; every
    declared cell is stored, and the parts whose peers failed on some cells are PARTIAL with the
    failures counted, named under the tables and listed with their errors."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = reproduce(ReproduceRequest("devnet", out=out, from_archive=True))
    assert result.report.read_bytes() == (ROOT / "docs" / "results" / "devnet.md").read_bytes()
    assert result.html.read_bytes() == (ROOT / "docs" / "results" / "devnet.html").read_bytes()
    assert result.cells["paper"] == 60 and result.cells["peers"] == 330
    assert result.cells["resampled"] == 3465
    text = result.report.read_text()
    assert (
        "- `resampled` (store `adbench-semi-resampled`): **PARTIAL**, 3398 of 3465 cells (67 failed)."
        in text
    )
    assert "DeepOD-PReNet / cover / ratio 0.01, draws adbench (seeds 1, 2, 3, 4, 5 failed)" in text
    assert "- DeepOD-PReNet / glass / seed 0: ValueError: DeepOD-PReNet (deepod" in text


def test_plad_renders_from_the_shipped_archive_as_committed(tmp_path, monkeypatch) -> None:
    """PLAD's report from the package's archive is docs/results/plad.md and plad.html, byte for
    byte: the probes' JSON shipped beside the spec is read, nothing is fitted; every table is
    filled (thyroid's final half at the paper's lambda is part `lambda-paper`)."""
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "out"
    result = reproduce(ReproduceRequest("plad", out=out, from_archive=True))
    assert result.report.read_bytes() == (ROOT / "docs" / "results" / "plad.md").read_bytes()
    assert result.html.read_bytes() == (ROOT / "docs" / "results" / "plad.html").read_bytes()
    assert result.cells["tabular"] == 70 and result.cells["adbench"] == 693
    assert result.cells["lambda-final"] == 120 and result.cells["options"] == 60
    assert result.cells["images"] == 60 and result.cells["multiclass"] == 6
    assert result.cells["lambda-paper"] == 10
    text = result.report.read_text()
    assert not [row for row in text.splitlines() if row.startswith("|") and "not run" in row]
    assert "| perfect ranking (every anomaly above every normal) |" in text  # drocc_bounds.json
    assert "On the 1,839 training normals (z-scored)" in text  # thyroid_probe.json
    assert "| fashion-mnist:2 |" in text  # image_probe.json
    assert "- `images` (store `plad-images`): all 60 declared cells stored and finished." in text
    assert "| cifar10  " in text and "|           75.1 |" in text
    assert "- thyroid F1 >= 0.70 (paper 76.6): ours " in text


@pytest.mark.parametrize(
    ("paper", "store"),
    [
        ("anorand", "anorand-supervised"),
        ("sgae", "sgae-paper"),
        ("devnet", "devnet-paper"),
        ("plad", "plad-tabular"),
    ],
)
def test_the_shipped_archive_is_the_checkouts(paper: str, store: str) -> None:
    """src/anomalab/reproductions/archives/PAPER.zip holds docs/results/cells/PAPER's files
    (tools/pack_archives.py rewrites it)."""
    files = archive_files(ROOT / "docs" / "results" / "cells" / paper)
    assert f"{store}/results.csv" in files
    assert packaged_files(paper) == files


def test_the_archive_is_read_from_the_checkout_first(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(ROOT)
    with archive_folder("anorand") as (folder, origin):
        assert folder == Path("docs/results/cells/anorand") and origin == str(folder)
    with pytest.raises(ValueError, match="does not exist"):
        with archive_folder("anorand", tmp_path / "nowhere"):
            pass


def test_without_out_a_checkout_is_needed(monkeypatch, tmp_path) -> None:
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ValueError, match="pass --out"):
        reproduce(ReproduceRequest("anorand", from_archive=True))
    with pytest.raises(ValueError, match="it needs --from-archive"):
        reproduce(ReproduceRequest("anorand", out=tmp_path, archive=CELLS))


def test_parts_are_checked_and_restrict_the_report(tmp_path) -> None:
    with pytest.raises(ValueError, match="anorand has no part nope; parts: sweeps-supervised"):
        reproduce(ReproduceRequest("anorand", parts=["nope"], out=tmp_path, from_archive=True))
    result = reproduce(
        ReproduceRequest(
            "anorand", parts=["sweeps"], out=tmp_path, from_archive=True, archive=CELLS
        )
    )
    text = result.report.read_text()
    assert result.cells == {"sweeps": 48}
    assert "## Sensitivity on validation splits (unsupervised mode)" in text
    assert "## Table 2" not in text and "## Unsupervised" not in text
    assert "## Failed cells" not in text  # no failed cell in that part


# ------------------------------------------------------------------------------ spec loader
GOOD: dict = {
    "title": "T",
    "parts": {"p": {"suite": "smoke"}},
    "comparisons": {
        "c": {"part": "p", "published": {"paper": "anorand", "table": "Table 2"}, "target": [2, 3]}
    },
    "sections": [{"title": "S", "part": "p", "blocks": [{"compare": "c"}, {"table": "means"}]}],
}


def _with(path: tuple, value: object) -> dict:
    raw = json.loads(json.dumps(GOOD))
    node = raw
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return raw


@pytest.mark.parametrize(
    ("path", "value", "message"),
    [
        (("title",), None, "spec x lacks title"),
        (("colour",), "red", "spec x: unknown key(s) ['colour']"),
        (("parts", "p"), {"seeds": 3}, "part 'p' needs either suite or an inline grid"),
        (("parts", "p"), {"protocol": "unsupervised"}, "needs both protocol and detectors"),
        (
            ("parts", "p"),
            {"protocol": "unsupervised", "detectors": ["IForest"]},
            "needs datasets or dataset_builder",
        ),
        (("parts", "p", "seeds"), "three", "part 'p': seeds must be int"),
        (("comparisons", "c", "part"), "q", "comparison 'c': unknown part 'q'"),
        (("comparisons", "c", "target"), [2], "target must be [hits, of]"),
        (("comparisons", "c", "published", "year"), 2023, "published: unknown key(s) ['year']"),
        (("sections", 0, "part"), "q", "section 1: unknown part 'q'"),
        (("sections", 0, "blocks", 0), {"compare": "d"}, "unknown comparison 'd'"),
        (("sections", 0, "blocks", 0), {"table": "means", "fragment": "x"}, "exactly one of"),
        (("sections", 0, "blocks", 0), "means", "a block must be an inline table"),
    ],
)
def test_a_bad_spec_is_one_line_naming_the_problem(path, value, message) -> None:
    spec_from_dict("x", GOOD)  # the unchanged spec loads
    with pytest.raises(SpecError) as caught:
        spec_from_dict("x", _with(path, value))
    assert message in str(caught.value)
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("block", "message"),
    [
        ({"table": "histogram"}, "unknown table 'histogram'; tables: bound, changes"),
        ({"section": "anorand.nothing"}, "unknown section function 'anorand.nothing'"),
        ({"table": "means", "digit": 3}, "table 'means': got an unexpected keyword argument"),
        ({"table": "bound", "comparison": "d"}, "unknown comparison 'd'"),
        ({"fragment": "missing"}, "fragment 'missing' not found"),
    ],
)
def test_the_engine_checks_what_the_loader_cannot(block, message) -> None:
    raw = _with(("sections", 0, "blocks", 1), block)
    with pytest.raises(SpecError) as caught:
        check_spec(spec_from_dict("anorand", raw))
    assert message in str(caught.value)


def test_a_table_without_its_part_is_refused() -> None:
    raw = _with(("sections", 0, "part"), None)
    with pytest.raises(SpecError, match="table 'means' needs a part"):
        check_spec(spec_from_dict("anorand", raw))


def test_papers_without_a_spec_say_so(monkeypatch) -> None:
    monkeypatch.setattr(spec_module, "has_spec", lambda paper: paper != "plad")
    with pytest.raises(SpecError, match="'plad' is not yet converted.*plad_report.py"):
        load_spec("plad")
    with pytest.raises(SpecError, match="unknown paper 'nope'; papers: devnet, plad"):
        load_spec("nope")


@pytest.mark.parametrize("paper", PAPERS)
def test_a_papers_suites_are_its_parts_and_live_beside_its_spec(paper: str) -> None:
    """Each paper's own suites sit in ``specs/<paper>/parts/``, and those are exactly the suites
    its spec names beyond the general ones (``bench/suites/``)."""
    from anomalab.bench.suites import suite_resource

    folder = ROOT / "src" / "anomalab" / "reproductions" / "specs" / paper / "parts"
    own = {p.stem for p in folder.glob("*.toml")}
    general = {p.stem for p in (ROOT / "src" / "anomalab" / "bench" / "suites").glob("*.toml")}
    named = {part.suite for part in load_paper(paper).parts.values() if part.suite}
    assert own and own == named - general, paper
    assert all(suite_resource(name) is not None for name in named)


# ---------------------------------------------------------------------------- the registry
def test_registry_names_each_function_once() -> None:
    spec = load_paper("anorand")
    named = {b.name for s in spec.sections for b in s.blocks if b.kind == "section"}
    assert named and named <= set(registry.SECTIONS)
    assert registry.get_dataset_builder("anorand.mnist_1v7").__name__ == "mnist_1v7"

    def other(ctx, out):  # pragma: no cover - never called
        pass

    with pytest.raises(ValueError, match="'anorand.sweep_plot' is registered twice"):
        registry.section("anorand.sweep_plot")(other)
    with pytest.raises(KeyError, match="unknown section function 'x.y'; registered: anorand"):
        registry.get_section("x.y")


def test_a_registered_section_renders_into_the_report(tmp_path) -> None:
    """A section function of a test's own, registered by name and used by a spec."""

    @registry.section("test.count_cells")
    def count_cells(ctx: Context, out: Section, part: str, word: str) -> None:
        out.text(f"{len(ctx.frame(part))} {word}")

    try:
        raw = _with(("sections", 0, "blocks"), [{"section": "test.count_cells", "word": "cells"}])
        spec = check_spec(spec_from_dict("anorand", raw))
        rows = pd.DataFrame({"status": ["ok"] * 4, "seed": [0, 1, 0, 1]})
        sections = render(Context(spec, {"p": rows}, tmp_path))
        assert [s.blocks for s in sections] == [[("text", "4 cells")]]
    finally:
        del registry.SECTIONS["test.count_cells"]


# ------------------------------------------------------------------------- a run, in small
@pytest.fixture()
def tiny_builder():
    """Registers ``test.tiny``; yields the list of the files it built, one per call."""
    built: list[Path] = []

    @registry.dataset_builder("test.tiny")
    def tiny(folder: Path, data_root: Path | None) -> Path:
        built.append(folder / "tiny.npz")
        rng = np.random.default_rng(0)
        X = rng.normal(size=(240, 5)).astype(np.float32)
        y = (np.arange(240) < 24).astype(np.int64)
        X[y == 1] += 4.0
        folder.mkdir(parents=True, exist_ok=True)
        np.savez(folder / "tiny.npz", X=X, y=y)
        return folder / "tiny.npz"

    yield built
    del registry.DATASET_BUILDERS["test.tiny"]


def test_an_inline_part_runs_through_the_runner_and_store(tmp_path, tiny_builder) -> None:
    raw = {
        "title": "Tiny",
        "parts": {
            "grid": {
                "protocol": "unsupervised",
                "dataset_builder": "test.tiny",
                "detectors": [
                    "IForest",
                    {"name": "IForest", "label": "IForest 10", "params": {"n_estimators": 10}},
                ],
                "seeds": 2,
                "protocol_params": {"test_size": 0.3},
                "null_params": ["scale"],
            }
        },
        "sections": [
            {
                "title": "Grid",
                "part": "grid",
                "blocks": [{"fragment": "mnist"}, {"table": "summary"}],
            }
        ],
    }
    spec = spec_from_dict("anorand", raw)
    said: list[str] = []
    request = ReproduceRequest("anorand", out=tmp_path, data_root=tmp_path)
    result = reproduce(request, say=said.append, spec=spec)
    assert result.cells == {"grid": 4}
    assert said[0] == "grid (grid): 4 cells" and len(said) == 5
    built = str(tiny_builder[0])  # the dataset the cells name
    text = result.report.read_text()
    assert "protocol `unsupervised`" in text and "2 seeds" in text
    row = re.search(r"\| IForest 10 +\| +([0-9.]+) +\|", text)  # its mean AUC-ROC
    assert row and float(row.group(1)) > 0.9  # the anomalies lie far off
    again: list[str] = []
    reproduce(request, say=again.append, spec=spec)  # every cell stored: none runs again
    assert again == ["grid (grid): 4 cells"]
    assert len(tiny_builder) == 2  # one build a run
    chosen = ReproduceRequest("anorand", out=tmp_path, data_root=tmp_path, datasets=[built])
    again = []
    reproduce(chosen, say=again.append, spec=spec)  # checked and run from the same build
    assert again == ["grid (grid): 4 of 4 cells"] and len(tiny_builder) == 3


def test_datasets_restrict_the_cells_that_run_not_the_report(tmp_path) -> None:
    rng = np.random.default_rng(0)
    files = []
    for name in ("a", "b"):
        X = rng.normal(size=(200, 4)).astype(np.float32)
        y = (np.arange(200) < 20).astype(np.int64)
        X[y == 1] += 4.0
        np.savez(tmp_path / f"{name}.npz", X=X, y=y)
        files.append(str(tmp_path / f"{name}.npz"))
    detector = {"name": "IForest", "params": {"n_estimators": 10}}
    part = {"protocol": "unsupervised", "datasets": files, "detectors": [detector], "seeds": 1}
    raw = {
        "title": "Tiny",
        "parts": {"grid": part},
        "sections": [{"blocks": [{"table": "summary"}], "part": "grid"}],
    }
    spec = spec_from_dict("anorand", raw)

    def run(datasets, **options) -> tuple[list[str], ReproduceResult]:
        said: list[str] = []
        request = ReproduceRequest("anorand", out=tmp_path, datasets=datasets, **options)
        return said, reproduce(request, say=said.append, spec=spec)

    said, result = run([files[0]], data_root=tmp_path)
    assert said[0] == "grid (grid): 1 of 2 cells" and result.cells == {"grid": 1}
    said, result = run(None, data_root=tmp_path)  # the other dataset's cell runs now
    assert said[0] == "grid (grid): 2 cells" and len(said) == 2 and result.cells == {"grid": 2}
    said, result = run([files[1]], data_root=tmp_path)  # nothing to run; both cells reported
    assert said == ["grid (grid): 1 of 2 cells"] and result.cells == {"grid": 2}
    with pytest.raises(ValueError, match="has no cells on nope; datasets: "):
        run(["nope"], data_root=tmp_path)
    with pytest.raises(ValueError, match="--from-archive runs none"):
        run([files[0]], from_archive=True)


def test_mnist_histograms_refit_the_seed_zero_cells(tmp_path) -> None:
    """The MNIST figure's code path on a tiny stand-in: AnoRand's three panels and one entrant,
    refitted from the cells' stored parameters; from the archive nothing is fitted."""
    from anomalab.reproductions.sections.anorand import mnist_histograms

    rng = np.random.default_rng(1)
    X, y = rng.random((200, 6)).astype(np.float32), (np.arange(200) < 20).astype(np.int64)
    np.savez(tmp_path / "d.npz", X=X, y=y)
    params = [{"detector": "AnoRand", "preset": "paper", "epochs": 2}, {"detector": "IForest"}]
    rows = pd.DataFrame(
        {
            "detector": ["AnoRand", "IForest"],
            "dataset": [str(tmp_path / "d.npz")] * 2,
            "protocol": ["unsupervised"] * 2,
            "protocol_params": [json.dumps({"test_size": 0.3, "scale": None})] * 2,
            "params": [json.dumps(p) for p in params],
            "seed": [0, 0],
            "status": ["ok", "ok"],
        }
    )
    spec = load_paper("anorand")
    for from_archive, drawn in ((True, False), (False, True)):
        out = Section("MNIST")
        ctx = Context(spec, {"mnist": rows}, tmp_path, from_archive=from_archive)
        mnist_histograms(ctx, out, "mnist", ["IForest"])
        figure = out.blocks[-1][1]
        assert figure.name == "anorand_mnist_hist"
        assert (figure.png is not None) == drawn
    assert figure.png[:4] == b"\x89PNG"


# ------------------------------------------------------------------------------------ CLI
def test_help_lists_the_five_papers() -> None:
    result = runner.invoke(app, ["reproduce", "--help"], terminal_width=200)
    assert result.exit_code == 0, result.output
    lines = {line.strip() for line in result.output.splitlines()}
    converted = {
        "anorand": "anorand: Table 2",
        "sgae": "sgae: Tables 2-6",
        "devnet": "devnet: Tables 1-2",
        "plad": "plad: Tables 2-6",
        "novnorm": "novnorm: Tables 1-5",
    }
    for paper in PAPERS:
        expected = converted.get(paper, f"{paper}: not yet converted")
        assert any(line.startswith(expected) for line in lines), (paper, result.output)
    assert "reproduce" in runner.invoke(app, ["--help"]).output


def test_cli_errors_are_one_line(monkeypatch) -> None:
    monkeypatch.setattr(spec_module, "has_spec", lambda paper: paper != "plad")
    result = runner.invoke(app, ["reproduce", "plad", "--from-archive"])
    assert result.exit_code == 1
    assert "not yet converted" in result.output
    assert result.output.count("error:") == 1


def test_cli_from_archive_writes_the_report(tmp_path) -> None:
    result = runner.invoke(
        app,
        ["reproduce", "anorand", "--from-archive", "--parts", "mnist", "--out", str(tmp_path)],
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    assert "cells: mnist 3" in result.output
    assert f"wrote {tmp_path / 'anorand.md'}" in result.output.replace("\n", "")
    assert "anorand_mnist_hist.png not drawn" in result.output
    assert "| AutoEncoder 32-16-16 |" in (tmp_path / "anorand.md").read_text()


# ------------------------------------------------------------------------- SG-AE's blocks
def _cells(rows: list[tuple], protocol_params: dict | None = None) -> pd.DataFrame:
    """Store-like rows from (detector, dataset, seed, auc_roc, auc_pr, status)."""
    frame = pd.DataFrame(
        rows, columns=["detector", "dataset", "seed", "auc_roc", "auc_pr", "status"]
    )
    return frame.assign(
        protocol_params=json.dumps(protocol_params or {}),
        ks=frame["auc_roc"] / 2,
        fit_seconds=1.0,
        cell_key=[f"k{i}" for i in range(len(frame))],
    )


def test_sgae_grid_puts_the_papers_mean_in_brackets(tmp_path) -> None:
    from anomalab.reproductions.context import ms
    from anomalab.reproductions.grid import grid

    rows = _cells([("SGAE", "market", s, v, v / 3, "ok") for s, v in enumerate((0.7, 0.8))])
    rows.loc[len(rows)] = rows.iloc[0].copy()
    rows.loc[len(rows) - 1, ["dataset", "status"]] = ["diabetic", "failed"]
    ctx = Context(load_paper("sgae"), {"paper": rows}, tmp_path)
    out = Section("T")
    grid(ctx, out, "paper", "auc_roc", entrants=["SGAE", "SGAE-val"], paper_table="Table 2",
         columns={"SGAE-val": "SGAE"})  # fmt: skip
    frame = out.blocks[0][1][0]
    assert list(frame.index) == ["market", "diabetic"]  # the paper's order
    assert frame.loc["market", "SGAE"] == "0.750 ± 0.071 (n=2) [0.750]"
    assert frame.loc["market", "SGAE-val"] == "not run [0.750]"
    assert frame.loc["diabetic", "SGAE"] == "not run [0.548]"  # a failed cell is no result
    assert ms(pd.Series([0.5])) == "0.500 ± 0.000 (n=1)"


def test_sgae_pairs_count_the_wins_over_the_base(tmp_path) -> None:
    from anomalab.reproductions.sections.sgae import pairs

    rows = _cells(
        [("AE", "market", 0, 0.6, 0.2, "ok"), ("SGAE", "market", 0, 0.7, 0.1, "ok")]
        + [("RDA", "market", 0, 0.6, 0.2, "ok")]
    )
    ctx = Context(load_paper("sgae"), {"paper": rows}, tmp_path)
    out = Section("T")
    pairs(ctx, out, "paper", {"AE": "SGAE", "RDA": "SGRDA"}, paper_tables=["Table 5", "Table 2"])
    table = out.blocks[0][1][0]
    first = table.iloc[0].tolist()
    assert first[-2:] == ["+16.7 %", "0.750"]  # SG-AE's paper value from Table 2
    assert table.iloc[1]["SG paper"] == "0.747" and table.iloc[1]["change"] == "n/a"
    assert out.blocks[-1][1] == "- SGAE: 1 of 2\n- SGRDA: 0 of 0".replace("0 of 0", "not run")


def test_coverage_flags_a_part_without_all_its_declared_cells(tmp_path) -> None:
    """The robustness grid: 54 declared cells (3 entrants x 6 rates x 3 seeds), found without
    a data root; with one stored the part is PARTIAL and its missing cells are named."""
    from anomalab.reproductions.coverage import coverage, partial, parts_run
    from anomalab.reproductions.parts import declared_cells

    spec = load_paper("sgae")
    cells = declared_cells(spec.parts["robust"], [])
    assert len(cells) == 54 and len({c.key for c in cells}) == 54
    first = cells[0]
    rows = _cells([(first.name, first.dataset, first.seed, 0.7, 0.2, "ok")]).assign(
        cell_key=first.key
    )
    ctx = Context(spec, {"robust": rows}, tmp_path)
    cov = coverage(ctx, "robust")
    assert (cov.declared, cov.finished, cov.complete) == (54, 1, False)
    gap = "SGAE / market / test_size 0.2, val_size 0.2, anomaly_rate 0.02 (seeds 1, 2 not run)"
    assert gap in cov.missing and len(cov.missing) == 18  # 3 entrants x 6 rates
    out = Section("T")
    partial(ctx, out, "robust")
    parts_run(ctx, out)
    assert out.blocks[0][1].startswith("**PARTIAL**: 1 of the 54 declared cells of part `robust`")
    assert "- `robust` (store `sgae-robustness`): **PARTIAL**, 1 of 54 cells." in out.blocks[1][1]
    assert "- `paper` (store `sgae-paper`): not rendered here (--parts)." in out.blocks[1][1]


def test_coverage_says_which_missing_cells_failed_and_which_were_not_run(tmp_path) -> None:
    """A stored failure is named as failed, not as a cell still to run, and is counted on the
    part's line; an entrant failed on every dataset is one line, as one never run is."""
    from anomalab.reproductions.coverage import coverage, parts_run
    from anomalab.reproductions.parts import declared_cells

    spec = load_paper("devnet")
    cells = declared_cells(spec.parts["peers"], ["cardio", "wine"])
    prenet = [c for c in cells if c.name == "DeepOD-PReNet"]
    assert prenet and len(prenet) < len(cells)
    stored = [
        (c, "failed" if c in prenet else "ok")
        for c in cells
        if not (c.name != "DeepOD-PReNet" and c.dataset == "wine" and c.seed in (1, 2))
    ]
    stored = [
        s for s in stored if not (s[0] in prenet and (s[0].dataset, s[0].seed) == ("wine", 0))
    ]
    rows = _cells([(c.name, c.dataset, c.seed, 0.9, 0.5, st) for c, st in stored]).assign(
        cell_key=[c.key for c, _ in stored]
    )
    ctx = Context(spec, {"peers": rows}, tmp_path)
    cov = coverage(ctx, "peers")
    assert cov.failed == len(prenet) - 1 and cov.finished == len(cells) - len(prenet) - 2
    assert "DeepOD-PReNet / cardio (seeds 0, 1, 2, 3, 4 failed)" in cov.missing
    assert "DeepOD-PReNet / wine (seeds 1, 2, 3, 4 failed; seeds 0 not run)" in cov.missing
    assert any(line.endswith("/ wine (seeds 1, 2 not run)") for line in cov.missing)
    every = [
        (c.name, c.dataset, c.seed, 0.9, 0.5, "failed" if c in prenet else "ok") for c in cells
    ]
    all_failed = _cells(every).assign(cell_key=[c.key for c in cells])
    assert coverage(Context(spec, {"peers": all_failed}, tmp_path), "peers").missing == [
        "DeepOD-PReNet / all 2 datasets (failed)"
    ]
    out = Section("T")
    parts_run(ctx, out)
    counts = f"{cov.finished} of {cov.declared} cells ({cov.failed} failed)."
    assert f"- `peers` (store `adbench-semi-peers`): **PARTIAL**, {counts}" in out.blocks[0][1]


def test_an_array_of_protocol_settings_needs_an_inline_grid() -> None:
    raw = _with(("parts", "p", "protocol_params"), [{"test_size": 0.3}])
    with pytest.raises(SpecError, match="an array of protocol_params needs an inline grid"):
        spec_from_dict("x", raw)
    inline = {"protocol": "sgae", "datasets": ["market"], "detectors": ["IForest"]}
    raw = _with(("parts", "p"), {**inline, "protocol_params": [{"anomaly_rate": 0.1}, {}]})
    assert spec_from_dict("x", raw).parts["p"].protocol_params == [{"anomaly_rate": 0.1}, {}]


def test_sgae_figures_that_fit_models_are_drawn_only_when_not_from_the_archive(tmp_path) -> None:
    """Score histograms refit each entrant's seed-0 cell per dataset (two tiny stand-ins); the
    synthetic experiment fits SG-AE and its AE (here for 1 and 2 epochs)."""
    from anomalab.reproductions.sections.sgae_figures import histograms, synthetic

    rng = np.random.default_rng(2)
    names = []
    for name in ("a", "b"):
        X, y = rng.random((150, 4)).astype(np.float32), (np.arange(150) < 15).astype(np.int64)
        np.savez(tmp_path / f"{name}.npz", X=X, y=y)
        names.append(str(tmp_path / f"{name}.npz"))
    rows = pd.DataFrame(
        {
            "detector": ["IForest"] * 2,
            "dataset": names,
            "protocol": ["unsupervised"] * 2,
            "protocol_params": [json.dumps({"test_size": 0.3})] * 2,
            "params": [json.dumps({"detector": "IForest", "n_estimators": 10})] * 2,
            "seed": [0, 0],
            "status": ["ok", "ok"],
        }
    )
    spec = load_paper("sgae")
    for from_archive in (True, False):
        out = Section("S")
        ctx = Context(spec, {"paper": rows}, tmp_path, from_archive=from_archive)
        histograms(ctx, out, "paper", {"IForest": "iForest"})
        synthetic(ctx, out, epochs=[1, 2], preset="paper")
        figures = [v for kind, v in out.blocks if kind == "figure"]
        assert [f.name for f in figures][-1] == "sgae_synthetic"
        assert len(figures) == 3
        assert all((f.png is None) == from_archive for f in figures)
    assert figures[0].png[:4] == b"\x89PNG"


# ------------------------------------------------------------------------ DevNet's blocks
def _ratio_cells(rows: list[tuple], ratio: float) -> pd.DataFrame:
    return _cells(rows, {"ratio": ratio})


def test_devnet_within_holds_each_dataset_to_both_tolerances(tmp_path) -> None:
    """Table 1's verdict: donors within 0.01 / 0.03 of the paper, celeba's AUC-PR 0.05 off, census
    only shown beside the paper, the others not run."""
    from anomalab.reproductions.sections.devnet import within

    rows = _cells(
        [("DevNet", "donors", 0, 0.995, 0.99, "ok"), ("DevNet", "celeba", 0, 0.951, 0.229, "ok")]
        + [("DevNet", "census", 0, 0.5, 0.1, "ok")]
    )
    ctx = Context(load_paper("devnet"), {"paper": rows}, tmp_path)
    out = Section("T")
    tolerance = {"auc_roc": 0.01, "auc_pr": 0.03}
    within(ctx, out, "paper", "DevNet", "Table 1", tolerance, {"census": "other file"})
    lines = out.blocks[0][1].splitlines()
    assert lines[0] == (
        "- DevNet within 0.01 AUC-ROC and 0.03 AUC-PR of the paper (means over seeds) on 1 of 2 "
        "datasets: donors."
    )
    assert lines[1] == "- **Not within** (ours minus paper): celeba (+0.000, -0.050)."
    assert lines[2] == "- Shown beside the paper, not held to it: census (other file)."
    assert lines[3] == "- Not run: backdoor, campaign, thyroid-devnet."


def test_devnet_settings_pick_cells_by_protocol_parameters(tmp_path) -> None:
    from anomalab.reproductions.sections.devnet import settings

    code = _cells([("DevNet", "donors", s, 0.9 + s / 100, 0.5, "ok") for s in (0, 1)],
                  {"pool": "all", "fixed_split": True})  # fmt: skip
    variant = _cells([("DevNet", "donors", 0, 0.8, 0.4, "ok")], {"pool": "train"})
    ctx = Context(load_paper("devnet"), {"paper": code, "protocols": variant}, tmp_path)
    out = Section("T")
    chosen = {"faithful": {"pool": "all"}, "no-leakage": {"pool": "train"}, "none": {"pool": "x"}}
    settings(ctx, out, "protocols", "DevNet", chosen, "Table 1", also=["paper"])
    frame = out.blocks[0][1][0]
    assert frame.loc["donors", "faithful AUC-ROC"] == "0.905 ± 0.007 (n=2)"
    assert frame.loc["donors", "no-leakage AUC-PR"] == "0.400 ± 0.000 (n=1)"
    assert frame.loc["donors", "none AUC-ROC"] == "not run"
    assert list(frame.index)[:2] == ["donors", "census"]  # the paper's order


def test_devnet_adbench_at_one_ratio(tmp_path) -> None:
    """Cells at another ratio are left out; declared entrants without cells are named; a DeepOD
    peer gets ADBench's published column beside it; ADBench's own seeds get their own row."""
    from anomalab.reproductions.sections.devnet import _adbench, adbench

    rows = pd.concat(
        [
            _ratio_cells([("DevNet", "cardio", s, 0.9, 0.6, "ok") for s in (1, 4)], 0.05),
            _ratio_cells([("DeepOD-DeepSAD", "cardio", 1, 0.7, 0.3, "ok")], 0.05),
            _ratio_cells([("IForest", "cardio", 1, 0.1, 0.1, "ok")], 0.01),
        ],
        ignore_index=True,
    )
    spec = load_paper("devnet")
    out = Section("T")
    adbench(Context(spec, {"resampled": rows}, tmp_path), out, "resampled", 0.05, exact_seeds=[1])
    texts = [v for kind, v in out.blocks if kind == "text"]
    assert texts[0] == (
        "Not run at this ratio: IForest, PyOD-DevNet, DeepOD-DevNet, DeepOD-PReNet, "
        "DevNet-tfkeras-clip."
    )
    summary = out.blocks[2][1][0].set_index("entrant")
    assert (
        summary.loc["DevNet", "cells"] == "2" and summary.loc["DevNet", "mean AUC-ROC"] == "0.9000"
    )
    adb = f"{_adbench(0.05, 'auc_roc')['cardio']:.4f}"
    assert summary.loc["DevNet, seeds 1 only (ADBench's own splits)", "cells"] == "1"
    published = "ADBench's published DeepSAD (their own code), same datasets"
    assert (
        summary.loc[published, "mean AUC-ROC"]
        == f"{_adbench(0.05, 'auc_roc', 'DeepSAD')['cardio']:.4f}"
    )
    assert summary.loc["DeepOD-DeepSAD", "ADBench DevNet (published), same datasets"] == adb
    assert "over these 1 datasets: 0.0000" in texts[2]
    same = out.blocks[4][1][0]
    assert same.iloc[0].tolist() == [
        "DevNet vs DeepOD-DeepSAD on their 1 common cells",
        "0.9000 vs 0.7000",
    ]
    per = out.blocks[5][1][0].set_index("dataset")
    assert per.loc["cardio", "DevNet ROC"] == "0.900 ± 0.000 (2)"
    assert "IForest ROC" not in per.columns


def test_devnet_adbench_names_failed_cells_as_failed(tmp_path) -> None:
    """An entrant whose cells at this ratio all failed is named as failed, not as not run, and
    a dataset where an entrant's every cell failed reads 'failed' in the per-dataset table."""
    from anomalab.reproductions.sections.devnet import adbench

    rows = pd.concat(
        [
            _ratio_cells([("DevNet", d, 1, 0.9, 0.6, "ok") for d in ("cardio", "wine")], 0.05),
            _ratio_cells([("DeepOD-PReNet", "cardio", 1, np.nan, np.nan, "failed")], 0.05),
            _ratio_cells([("PyOD-DevNet", "cardio", 1, np.nan, np.nan, "failed")], 0.05),
            _ratio_cells([("PyOD-DevNet", "wine", 1, 0.8, 0.5, "ok")], 0.05),
            _ratio_cells([("IForest", "cardio", 1, np.nan, np.nan, "failed")], 0.01),
        ],
        ignore_index=True,
    )
    out = Section("T")
    adbench(Context(load_paper("devnet"), {"resampled": rows}, tmp_path), out, "resampled", 0.05)
    texts = [v for kind, v in out.blocks if kind == "text"]
    assert texts[0] == "Failed on every dataset it ran at this ratio: DeepOD-PReNet."
    assert texts[1] == (
        "Not run at this ratio: IForest, DeepOD-DevNet, DeepOD-DeepSAD, DevNet-tfkeras-clip."
    )
    per = [v[0] for kind, v in out.blocks if kind == "table"][-1].set_index("dataset")
    assert per.loc["cardio", "PyOD-DevNet ROC"] == "failed"
    assert per.loc["wine", "PyOD-DevNet ROC"] == "0.800 ± 0.000 (1)"


def test_devnet_speed_reads_the_shipped_json_or_says_not_run(tmp_path, monkeypatch) -> None:
    from anomalab.reproductions.sections import devnet

    ctx = Context(load_paper("devnet"), {}, tmp_path)
    monkeypatch.setattr(devnet, "speed_file", lambda file: tmp_path / file)
    out = Section("T")
    devnet.speed(ctx, out, "speed.json")
    assert out.blocks[0][1].startswith("Not run: no `specs/devnet/speed.json`")
    run = {"fit_seconds": 2.0, "fit_cpu_seconds": 1.0, "auc_roc": 0.9, "rows_per_second": 5e5,
           "rows": 1000}  # fmt: skip
    cell = {"dataset": "donors", "n_train": 70, "seed": 0, "DevNet": run, "DeepOD-DevNet": run,
            "fit_time_ratio": 1.0, "fit_cpu_ratio": 1.0}  # fmt: skip
    stream = {"rows": 10, "dataset": "donors", "chunk_rows": 5, "seconds": 1.0,
              "rows_per_second": 10.0, "rss_mb_after_chunk": [700.0, 701.0], "rss_growth_mb": 1.0,
              "peak_rss_mb": 710.0}  # fmt: skip
    result = {"cells": [cell], "stream": stream, "torch_threads": 1, "versions": {}}
    (tmp_path / "speed.json").write_text(json.dumps(result))
    out = Section("T")
    devnet.speed(ctx, out, "speed.json")
    table = out.blocks[0][1][0]
    assert table.iloc[0].tolist()[-1] == "500,000 (1,000)"
    assert "resident memory after each chunk (MiB): 700, 701" in out.blocks[1][1]


def test_coverage_of_a_dataset_group_counts_the_groups_datasets(tmp_path) -> None:
    """adbench-semi (4 entrants x 3 ratios x 5 seeds) with DevNet's cells of two datasets: the
    group stands for both, an entrant run nowhere is one line per ratio, and the peers' part
    (no cells) is measured against the same two datasets."""
    from anomalab.reproductions.coverage import coverage
    from anomalab.reproductions.parts import declared_cells

    spec = load_paper("devnet")
    cells = declared_cells(spec.parts["adbench"], ["cardio", "wine"])
    done = [c for c in cells if c.name == "DevNet" and not (c.dataset == "wine" and c.seed == 4)]
    rows = _cells([(c.name, c.dataset, c.seed, 0.9, 0.5, "ok") for c in done]).assign(
        cell_key=[c.key for c in done]
    )
    empty = rows.iloc[:0]
    ctx = Context(spec, {"adbench": rows, "peers": empty}, tmp_path)
    cov = coverage(ctx, "adbench")
    assert (cov.declared, cov.finished) == (120, 27)
    setting = "ratio 0.05, test_size 0.3, scale minmax, max_rows 10000"
    assert f"IForest / all 2 datasets / {setting} (not run)" in cov.missing
    assert f"DevNet / wine / {setting} (seeds 4 not run)" in cov.missing
    assert len(cov.missing) == 3 * 3 + 3  # three entrants, and DevNet on wine, per ratio
    assert coverage(ctx, "peers").declared == 2 * 2 * 5
