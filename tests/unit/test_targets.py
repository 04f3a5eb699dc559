"""Published numbers: the package-data format, spot values against the papers, ADBench's helpers."""

import math
import tomllib
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import anomalab.targets as targets
from anomalab.bench.targets import published_name, published_table
from anomalab.targets import COLUMNS, KEY, METRICS, UNITS, published, published_value, wide

PAPERS = ("adbench", "anorand", "devnet", "novnorm", "plad", "sgae")
#: The tables each paper's report shows (all of them must have rows).
TABLES = {
    "adbench": tuple(f"Table D{i}" for i in range(4, 20)),
    "anorand": ("Table 2",),
    "devnet": ("Table 1", "Table 2"),
    "novnorm": ("Table 1", "Table 2", "Table 3", "Table 4", "Table 5"),
    "plad": ("Table 2", "Table 3", "Table 4", "Table 5", "Table 6"),
    "sgae": ("Table 2", "Table 3", "Table 5", "Table 6"),
}
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def everything() -> pd.DataFrame:
    return published()


def test_files_are_package_resources_under_one_mib() -> None:
    folder = resources.files("anomalab.targets")
    names = [f.name for f in targets.files()]
    assert {"anorand.csv", "devnet.csv", "novnorm.csv", "plad.csv", "sgae.csv"} <= set(names)
    assert "adbench_unsup.csv" in names and "adbench_rla100pct.csv" in names
    for file in targets.files():
        assert folder.joinpath(file.name).is_file()
        assert len(file.read_bytes()) < 1024 * 1024, file.name


def test_files_ship_in_the_wheel() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    assert "*.csv" in config["tool"]["setuptools"]["package-data"]["anomalab.targets"]


def test_reads_through_importlib_resources(monkeypatch, tmp_path) -> None:
    """The loader asks importlib.resources for the package's files, not a path of the checkout."""
    (tmp_path / "only.csv").write_text(
        ",".join(COLUMNS) + "\nplad,Table 9,thyroid,PLAD,f1,12.5,,percent,somewhere\n"
    )
    asked: list[str] = []

    def files(package: str):
        asked.append(package)
        return tmp_path

    monkeypatch.setattr(targets.resources, "files", files)
    targets._all.cache_clear()
    try:
        frame = published()
        assert asked == ["anomalab.targets"]
        assert frame["table"].tolist() == ["Table 9"] and frame["value"].tolist() == [12.5]
        assert math.isnan(frame.at[0, "std"])
    finally:
        targets._all.cache_clear()


def test_bad_file_gives_a_clear_error(monkeypatch, tmp_path) -> None:
    (tmp_path / "bad.csv").write_text(
        ",".join(COLUMNS) + "\nplad,Table 9,thyroid,PLAD,f1,n/a,,percent,somewhere\n"
    )
    monkeypatch.setattr(targets.resources, "files", lambda package: tmp_path)
    targets._all.cache_clear()
    try:
        with pytest.raises(ValueError, match=r"bad\.csv: value 'n/a' is not a number"):
            published()
    finally:
        targets._all.cache_clear()


def test_format(everything) -> None:
    assert tuple(everything.columns) == COLUMNS
    assert everything["value"].dtype == np.float64 and everything["std"].dtype == np.float64
    for column in ("paper", "table", "dataset", "entrant", "metric", "unit", "source"):
        assert everything[column].map(lambda v: isinstance(v, str) and v != "").all(), column
    assert not everything["value"].isna().any()
    assert not everything.duplicated(list(KEY)).any()
    assert set(everything["paper"]) == set(PAPERS)
    assert set(everything["metric"]) <= set(METRICS)
    assert set(everything["unit"]) <= set(UNITS)
    std = everything["std"].dropna()
    assert (std >= 0).all()
    percent = everything["unit"] == "percent"
    assert everything.loc[percent, "value"].between(0, 100).all()
    assert everything.loc[~percent, "value"].between(0, 1).all()


@pytest.mark.parametrize("paper", PAPERS)
def test_each_paper_and_table_has_rows(paper) -> None:
    rows = published(paper)
    assert len(rows) and set(rows["paper"]) == {paper}
    assert set(TABLES[paper]) <= set(rows["table"])
    for file in targets.files():
        if file.name.split(".")[0].split("_")[0] == paper:
            assert len(targets._read(file)) and set(targets._read(file)["paper"]) == {paper}


# (paper, table, dataset, entrant, metric) -> (value, std or None) as the reports' dicts held them
SPOT = {
    ("anorand", "Table 2", "campaign", "AnoRand", "auc_pr"): (62.92, 1.11),
    ("anorand", "Table 2", "SVHN", "AnoRand", "auc_pr"): (34.45, 12.308),
    ("anorand", "Table 2", "fault", "AnoRand", "auc_pr"): (74.5, 1.95),
    ("devnet", "Table 1", "census", "DevNet", "auc_roc"): (0.828, 0.008),
    ("devnet", "Table 1", "census", "DevNet", "auc_pr"): (0.321, 0.004),
    ("devnet", "Table 1", "thyroid-devnet", "IForest", "auc_pr"): (0.166, 0.017),
    ("devnet", "Table 2", "backdoor", "DevNet-Linear", "auc_pr"): (0.555, None),
    ("devnet", "Table 2", "thyroid-devnet", "DevNet-3HL", "auc_roc"): (0.787, None),
    ("plad", "Table 2", "cifar10:0", "PLAD", "auc_roc"): (82.5, 0.4),
    ("plad", "Table 3", "fashion-mnist:9", "PLAD", "auc_roc"): (99.1, 0.1),
    ("plad", "Table 4", "cifar10", "PLAD", "auc_roc"): (75.1, None),
    ("plad", "Table 5", "thyroid", "NeuTraL AD", "f1"): (76.8, 1.9),
    ("plad", "Table 5", "arrhythmia", "PLAD", "f1"): (71.0, 1.7),
    ("plad", "Table 6", "fashion-mnist", "PLAD", "auc_roc"): (75.3, 2.8),
    ("sgae", "Table 2", "market", "SGAE", "auc_roc"): (0.750, 0.025),
    ("sgae", "Table 2", "diabetic", "RSRAE", "auc_pr"): (0.117, 0.001),
    ("sgae", "Table 3", "diabetic", "SGAE", "ks"): (0.114, None),
    ("sgae", "Table 5", "diabetic", "SGDAGMM", "auc_pr"): (0.168, 0.049),
    ("sgae", "Table 6", "mnist-images", "SGRSRAE", "auc_pr"): (0.736, 0.062),
    ("novnorm", "Table 1", "mnist-images:8", "NovNorm", "auc_roc"): (94.7, None),
    ("novnorm", "Table 1", "mnist-images", "NovNorm", "auc_roc"): (97.65, None),
    ("novnorm", "Table 2", "cifar10", "NovNorm", "auc_roc"): (71.48, None),
    ("novnorm", "Table 3", "fashion-mnist", "NovNorm", "auc_roc"): (94.7, None),
    ("novnorm", "Table 4", "cifar10", "AE only", "auc_roc"): (59.74, None),
    ("novnorm", "Table 5", "cifar10:2+3+5", "+ NS", "auc_roc"): (62.77, None),
    ("adbench", "Table D4", "annthyroid", "IForest", "auc_roc"): (82.01, None),
    ("adbench", "Table D9", "cardio", "DevNet", "auc_pr"): (85.56, None),
}


@pytest.mark.parametrize("key", list(SPOT), ids=lambda k: "-".join(k).replace(" ", ""))
def test_spot_values_equal_the_published_ones(key) -> None:
    assert published_value(*key) == SPOT[key]  # exact: the digits as printed


def test_units_per_paper(everything) -> None:
    units = everything.groupby("paper")["unit"].unique().map(list).to_dict()
    assert units == {
        "adbench": ["percent"],
        "anorand": ["percent"],
        "devnet": ["fraction"],
        "novnorm": ["percent"],
        "plad": ["percent"],
        "sgae": ["fraction"],
    }


def test_filters_fractions_and_errors() -> None:
    rows = published("plad", "Table 5", metric="f1")
    assert list(pd.unique(rows["entrant"])) == ["PLAD", "OCSVM", "LOF", "GOAD", "NeuTraL AD"]
    assert set(rows["dataset"]) == {"thyroid", "arrhythmia"}
    as_fraction = published("plad", "Table 5", metric="f1", fractions=True)
    assert (as_fraction["unit"] == "fraction").all()
    assert as_fraction["value"].tolist() == (rows["value"] / 100.0).tolist()
    assert as_fraction["std"].tolist() == (rows["std"] / 100.0).tolist()
    devnet = published("devnet", fractions=True)  # already fractions: unchanged
    pd.testing.assert_frame_equal(devnet, published("devnet"))
    rows.loc[0, "value"] = -1.0  # a copy: the next call is unaffected
    assert published("plad", "Table 5", metric="f1").loc[0, "value"] == 76.6
    assert published("plad", "Table 99").empty
    with pytest.raises(ValueError, match="no published numbers for paper 'nope'"):
        published("nope")
    with pytest.raises(ValueError, match="unknown metric 'accuracy'"):
        published(metric="accuracy")
    with pytest.raises(KeyError, match="0 published numbers"):
        published_value("plad", "Table 5", "thyroid", "PLAD", "auc_roc")


def test_wide_keeps_file_order_and_gaps() -> None:
    frame = wide(published("adbench", "Table D4"))
    assert frame.index.name == "dataset" and frame.columns.name is None
    assert frame.index[0] == "ALOI" and frame.index[-1] == "20news"
    assert list(frame.columns)[:3] == ["PCA", "OCSVM", "LOF"] and frame.columns[-1] == "IForest"
    assert np.isnan(frame.loc["breastw", "DAGMM"])  # not published: no row, NaN here
    assert frame.loc["breastw", "PCA"] == 95.13


# --------------------------------------------------------------------- ADBench's helpers
def test_adbench_tables_as_before() -> None:
    d4 = published_table("unsupervised", {}, "auc_roc")
    assert d4 is not None and (d4.table, d4.metric, d4.setting) == ("D4", "auc_roc", "unsup")
    assert d4.title == "ADBench (Han et al., NeurIPS 2022), appendix table D4"
    assert d4.frame.shape == (57, 14) and d4.frame.index.name == "dataset"
    assert d4.frame.loc["annthyroid", "IForest"] == 82.01 / 100.0  # fractions, bit for bit
    assert d4.frame.loc["cardio"].tolist()[:2] == [95.55 / 100.0, 93.91 / 100.0]
    assert np.isnan(d4.frame.loc["breastw", "DAGMM"])
    assert "MEAN(computed)" not in d4.frame.index
    d9 = published_table("semi_supervised", {"ratio": 0.05}, "auc_pr")
    assert d9 is not None and (d9.table, d9.setting) == ("D9", "rla5pct")
    assert d9.frame.shape == (57, 16) and list(d9.frame.columns)[:4] == [
        "GANomaly",
        "DeepSAD",
        "REPEN",
        "DevNet",
    ]
    assert d9.frame.loc["campaign", "DevNet"] == 39.15 / 100.0
    assert d9.frame.loc["cardio", "DevNet"] == 85.56 / 100.0
    assert np.isnan(d9.frame.loc["cardio", "ResNet"])
    d19 = published_table("adbench_semi", {"ratio": 1.0}, "auc_pr")
    assert d19 is not None and d19.table == "D19"
    assert published_name("DeepOD-DeepSAD", d9) == "DeepSAD"
    assert published_name("PyOD-KNN", d4) == "KNN"
    assert published_name("PLAD", d4) is None
    d4.frame.loc["annthyroid", "IForest"] = 0.0  # callers get a copy
    again = published_table("unsupervised", {}, "auc_roc")
    assert again is not None and again.frame.loc["annthyroid", "IForest"] == 82.01 / 100.0


@pytest.mark.parametrize(
    "protocol, params, metric",
    [
        ("semi_supervised", {"ratio": 0.02}, "auc_roc"),  # ADBench has no 2 % table
        ("one_class", {}, "auc_roc"),
        ("semi_supervised", {"n_labeled": 5}, "auc_pr"),
        ("unsupervised", {}, "f1"),
    ],
)
def test_adbench_has_no_table(protocol, params, metric) -> None:
    assert published_table(protocol, params, metric) is None
