"""Loaders on the real files, small synthetic files of the same formats, and user tables."""

from __future__ import annotations

import io
import tarfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from PIL import Image

from anomalab.data import DataNotFoundError, load_dataset, load_table
from anomalab.data import images as images_mod
from anomalab.data.loaders import DIABETIC_DROP, load_census

TABULAR = {
    "cardio": (1831, 21, 176),
    "donors": (619326, 10, 36710),
    "arrhythmia": (452, 274, 66),
    "backdoor": (95329, 196, 2329),
    "thyroid-devnet": (7200, 21, 534),
    "census": (299285, 495, 18568),
    "market": (45211, 51, 5289),
    "diabetic": (101766, 110, 11357),
    "SVHN_9": (4904, 512, 245),
}
IMAGES = {
    "mnist-images": ((1, 28, 28), 60000, 10000),
    "fashion-mnist": ((1, 28, 28), 60000, 10000),
    "cifar10": ((3, 32, 32), 50000, 10000),
}


@pytest.fixture
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ANOMALAB_CACHE", str(cache))
    return cache


# ----------------------------------------------------------------------------- real files


@pytest.mark.parametrize("name", sorted(TABULAR))
def test_real_tabular(data_root: Path, name: str) -> None:
    ds = load_dataset(name, data_root)
    rows, features, anomalies = TABULAR[name]
    assert ds.X.shape == (rows, features) and ds.X.dtype == np.float64
    assert ds.y.shape == (rows,) and ds.y.dtype == np.int64
    assert set(np.unique(ds.y)) == {0, 1} and ds.y.sum() == anomalies
    assert np.isfinite(ds.X).all()
    assert (ds.info.rows, ds.info.features, ds.info.anomalies) == (rows, features, anomalies)
    assert ds.kind == ("embedding" if name == "SVHN_9" else "tabular")
    if ds.feature_names is not None:
        assert len(ds.feature_names) == features


@pytest.mark.parametrize("name", sorted(IMAGES))
def test_real_images(data_root: Path, name: str) -> None:
    ds = load_dataset(name, data_root)
    shape, n_train, n_test = IMAGES[name]
    assert ds.X.shape == (n_train + n_test, *shape) and ds.X.dtype == np.float32
    assert ds.X.min() >= 0 and ds.X.max() <= 1 and ds.X.max() > 0.99
    assert ds.split.dtype == bool and ds.split.sum() == n_train
    assert ds.split[:n_train].all()  # official train first
    assert ds.y.dtype == np.int64 and np.bincount(ds.y).size == 10
    assert len(ds.class_names) == 10 and ds.info.anomalies is None
    assert ds.info.shape == shape and ds.info.features == int(np.prod(shape))
    if name == "cifar10":
        assert ds.class_names[0] == "airplane" and ds.class_names[9] == "truck"
        assert (np.bincount(ds.y[ds.split]) == 5000).all()
        assert (np.bincount(ds.y[~ds.split]) == 1000).all()


def test_real_encodings(data_root: Path) -> None:
    market = load_dataset("market", data_root)
    assert {"age", "balance", "job=admin.", "month=may", "poutcome=unknown"} <= set(
        market.feature_names
    )
    diabetic = load_dataset("diabetic", data_root)
    assert not {f.split("=")[0] for f in diabetic.feature_names} & set(DIABETIC_DROP)
    assert "readmitted" not in {f.split("=")[0] for f in diabetic.feature_names}
    census = load_dataset("census", data_root)
    assert census.feature_names[0] == "att2=Not-in-universe"
    head = census.X[:20000]
    assert set(np.unique(head)) == {0.0, 1.0}
    assert head.sum(axis=1).max() == 33  # one level per attribute at most ("?" -> none)


# ----------------------------------------------------------------------------- same formats, small


ARFF = """% comment
@relation 'toy'
@attribute color {red,green,'dark blue'}
@attribute size {S,M,L}
@attribute class {50000+.,--50000.}
@data
red,S,--50000.
green,?,50000+.
'dark blue',L,--50000.
red,M,50000+.
"""


def _tar_xz(path: Path, members: dict[str, bytes]) -> Path:
    with tarfile.open(path, "w:xz") as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return path


def test_census_format_small(tmp_path: Path, tmp_cache: Path) -> None:
    src = _tar_xz(tmp_path / "toy.tar.xz", {"toy.arff": ARFF.encode()})
    raw = load_census(src)
    assert raw.feature_names == [
        "color=red", "color=green", "color=dark blue", "size=S", "size=M", "size=L"
    ]  # fmt: skip
    assert raw.y.tolist() == [0, 1, 0, 1]
    assert raw.X.tolist()[1] == [0, 1, 0, 0, 0, 0]  # "?" -> all-zero group
    assert list(tmp_cache.glob("arrays/toy-*.npz"))
    again = load_census(src)  # from the cache
    assert np.array_equal(again.X, raw.X) and again.feature_names == raw.feature_names
    bad = _tar_xz(tmp_path / "bad.tar.xz", {"bad.arff": ARFF.replace("red,M", "pink,M").encode()})
    with pytest.raises(ValueError, match="outside its declared categories.*pink"):
        load_census(bad)


def _jpeg(value: int) -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (4, 4), (value, value, value)).save(buf, format="JPEG", quality=95)
    return buf.getvalue()


def test_jpeg_archive_small(tmp_path: Path, tmp_cache: Path, monkeypatch) -> None:
    members = {
        "README.md": b"not an image",
        "test/cat/0001.jpg": _jpeg(200),
        "train/dog/0002.jpg": _jpeg(100),
        "train/cat/0009.jpg": _jpeg(50),
        "train/cat/0003.jpg": _jpeg(0),
    }
    src = _tar_xz(tmp_path / "toy.tar.xz", members)
    assert images_mod.count_jpg_tar(src) == (4, (3, 4, 4))
    raw = images_mod.load_jpg_tar(src)
    assert raw.class_names == ["cat", "dog"]  # alphabetical when not the CIFAR-10 set
    assert raw.y.tolist() == [0, 0, 1, 0] and raw.split.tolist() == [True, True, True, False]
    assert raw.X.shape == (4, 3, 4, 4) and raw.X.dtype == np.uint8
    assert abs(int(raw.X[0].mean()) - 0) <= 3 and abs(int(raw.X[1].mean()) - 50) <= 3
    monkeypatch.setattr(images_mod, "_decode", lambda data: 1 / 0)
    assert np.array_equal(images_mod.load_jpg_tar(src).X, raw.X)  # cached: no decoding


# ----------------------------------------------------------------------------- user files


def _frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "a": [0.5, 1.0, 2.0, 3.0],
            "color": ["red", "blue", "red", "green"],
            "flag": [True, False, True, True],
            "label": [0, 1, 0, 0],
        }
    )


def test_user_csv(tmp_path: Path) -> None:
    path = tmp_path / "mine.csv"
    _frame().to_csv(path, index=False)
    ds = load_dataset(str(path), label_column="label")
    assert ds.name == "mine" and ds.kind == "tabular" and ds.info.group == "user"
    assert ds.X.dtype == np.float64 and ds.X.shape == (4, 5)
    assert ds.feature_names == ["a", "flag", "color=blue", "color=green", "color=red"]
    assert ds.y.tolist() == [0, 1, 0, 0] and ds.info.anomalies == 1
    with pytest.warns(UserWarning, match="'label' looks like labels"):
        unlabeled = load_table(path)
    assert unlabeled.y is None and unlabeled.X.shape == (4, 6)


def test_user_parquet_and_npz(tmp_path: Path) -> None:
    pytest.importorskip("pyarrow")
    df = _frame().assign(label=[False, True, False, True])
    df.to_parquet(tmp_path / "mine.parquet")
    ds = load_dataset(tmp_path / "mine.parquet", label_column="label")
    assert ds.y.tolist() == [0, 1, 0, 1] and ds.X.shape == (4, 5)
    np.savez(tmp_path / "arr.npz", X=np.ones((5, 2), dtype=np.float32), y=np.array([0, 1, 0, 0, 0]))
    ds = load_dataset(str(tmp_path / "arr.npz"))
    assert ds.X.dtype == np.float64 and ds.y.sum() == 1


def test_user_labels_string_zero_one(tmp_path: Path) -> None:
    path = tmp_path / "s.csv"
    path.write_text("x,label\n1,'1'\n2,0\n")
    with pytest.raises(ValueError, match="label column 'label'"):
        load_table(path, "label")  # "'1'" (quoted) is not a label
    path.write_text("x,label\n1,1\n2,0\n3,true\n")
    assert load_table(path, "label").y.tolist() == [1, 0, 1]


@pytest.mark.parametrize(
    ("labels", "bad"), [([0, 1, -1, 0], "-1"), (["no", "yes", "no", "no"], "'yes'")]
)
def test_user_bad_labels(tmp_path: Path, labels: list, bad: str) -> None:
    path = tmp_path / "bad.csv"
    _frame().assign(label=labels).to_csv(path, index=False)
    with pytest.raises(ValueError, match="label column 'label'") as err:
        load_table(path, "label")
    assert bad in str(err.value)


def test_training_labels_may_mark_known_normals(tmp_path: Path) -> None:
    """labeled_normal: -1 (a known normal row) is read, in a CSV (numbers or text) and an npz;
    other values are still refused, naming what is accepted."""
    path = tmp_path / "t.csv"
    path.write_text("x,label\n1,1\n2,0\n3,-1\n4,true\n")
    loaded = load_table(path, "label", labeled_normal=True)
    assert loaded.y.tolist() == [1, 0, -1, 1] and loaded.info.anomalies == 2
    path.write_text("x,label\n1,1\n2,-1\n3,2\n")
    with pytest.raises(ValueError, match=r"other than -1/0/1/True/False: \['2'\]"):
        load_table(path, "label", labeled_normal=True)
    npz = tmp_path / "t.npz"
    np.savez(npz, X=np.zeros((3, 2)), y=np.array([1, -1, 0]))
    assert load_table(npz, labeled_normal=True).y.tolist() == [1, -1, 0]
    with pytest.raises(ValueError, match="-1 is not allowed"):
        load_table(npz, "y")


def test_user_nan_and_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "nan.csv"
    df = _frame()
    df.loc[1, "a"] = np.nan
    df.loc[2, "color"] = None
    df.to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"NaN.*\{'a': 1, 'color': 1\}"):
        load_table(path, "label")
    with pytest.raises(ValueError, match="label column 'target' not found"):
        load_table(path, "target")


def test_missing_files_and_misuse(tmp_path: Path, data_root: Path) -> None:
    with pytest.raises(DataNotFoundError, match="nothere.csv"):
        load_dataset(str(tmp_path / "nothere.csv"))
    with pytest.raises(DataNotFoundError, match="nothere"):
        load_dataset(tmp_path / "nothere")
    (tmp_path / "x.txt").write_text("1,2\n")
    with pytest.raises(ValueError, match="unsupported format"):
        load_table(tmp_path / "x.txt")
    with pytest.raises(ValueError, match="user files only"):
        load_dataset("cardio", data_root, label_column="y")


@pytest.mark.parametrize("suffix", [".csv", ".tsv"])
def test_a_binary_file_named_like_a_table_gets_a_one_line_error(tmp_path: Path, suffix) -> None:
    path = tmp_path / f"blob{suffix}"
    path.write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(ValueError, match=rf"^data file blob{suffix}: not a readable"):
        load_table(path)


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("semi.csv", "a;b\n1;2\n3;4\n", r"one column 'a;b', which looks semicolon-separated.*convert it$"),
        ("tabs.csv", "a\tb\n1\t2\n", r"looks tab-separated; anomalab reads this file as comma-separated \(\.csv\): rename it \.tsv$"),
        ("commas.tsv", "a,b\n1,2\n", r"looks comma-separated; anomalab reads this file as tab-separated \(\.tsv\): rename it \.csv$"),
        ("empty.csv", "", r"^data file empty\.csv: the file is empty"),
    ],
)  # fmt: skip
def test_a_wrong_separator_or_an_empty_file_is_a_one_line_error(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    """A table the suffix's separator reads as one text column would one-hot encode every row."""
    path = tmp_path / name
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        load_table(path)
    assert path.read_text() == text  # the user's file is untouched


def test_an_identifier_text_column_is_refused_and_a_category_is_encoded(tmp_path: Path) -> None:
    """One-hot encoding an ID column would make one feature per row; a real category passes."""
    rows = np.arange(300.0)
    path = tmp_path / "ids.csv"
    pd.DataFrame({"id": [f"u{i}" for i in range(300)], "x": rows}).to_csv(path, index=False)
    with pytest.raises(ValueError, match=r"text column 'id' has 300 distinct values in 300 rows"):
        load_table(path)
    pd.DataFrame({"c": ["a", "b"] * 150, "x": rows}).to_csv(path, index=False)
    assert load_table(path).feature_names == ["x", "c=a", "c=b"]
