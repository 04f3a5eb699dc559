"""Data root / cache resolution and the dataset catalog (real files + small temp roots)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from anomalab.data import (
    DataNotFoundError,
    DatasetInfo,
    cache_dir,
    catalog,
    formats,
    load_dataset,
    paths,
    resolve_data_root,
)
from anomalab.data.catalog import find_info

# name: (rows, features, anomalies) -- true counts of the shared files
EXPECTED = {
    "cardio": (1831, 21, 176),
    "donors": (619326, 10, 36710),
    "annthyroid": (7200, 6, 534),
    "thyroid": (3772, 6, 93),
    "mnist": (7603, 100, 700),
    "magic.gamma": (19020, 10, 6688),
    "arrhythmia": (452, 274, 66),
    "backdoor": (95329, 196, 2329),
    "thyroid-devnet": (7200, 21, 534),
    "census": (299285, 495, 18568),
    "market": (45211, 51, 5289),
    "diabetic": (101766, 110, 11357),
    "CIFAR10_0": (5263, 512, 263),
    "20news_3": (615, 768, 30),
    "mnist-images": (70000, 784, None),
    "fashion-mnist": (70000, 784, None),
    "cifar10": (60000, 3072, None),
}


@pytest.fixture
def tmp_cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    cache = tmp_path / "cache"
    monkeypatch.setenv("ANOMALAB_CACHE", str(cache))
    return cache


def _npz(path: Path, n: int = 20, d: int = 3, anomalies: int = 4) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    y = np.zeros(n, dtype=np.int64)
    y[:anomalies] = 1
    np.savez(path, X=np.arange(n * d, dtype=np.float64).reshape(n, d), y=y)
    return path


@pytest.fixture
def small_root(tmp_path: Path, data_root: Path) -> Path:
    """A temp root laid out like the shared one: symlinks to small real files + extra npz."""
    root = tmp_path / "root"
    links = {
        "tabular/adbench/6_cardio.npz": "tabular/adbench/6_cardio.npz",
        "tabular/odds/arrhythmia.mat": "tabular/odds/arrhythmia.mat",
        "tabular/devnet/annthyroid_21feat_normalised.csv": (
            "tabular/devnet/annthyroid_21feat_normalised.csv"
        ),
        "images/mnist": "images/mnist",
    }
    for rel, target in links.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).symlink_to(data_root / target)
    _npz(root / "tabular/adbench/99_MyData.npz")
    _npz(root / "embeddings/resnet18/cardio.npz", n=10)  # clashes with ADBench "cardio"
    return root


# ----------------------------------------------------------------------------- roots / cache


def test_resolve_explicit_and_env(data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_data_root(str(data_root)) == data_root.resolve()
    monkeypatch.setenv("ANOMALAB_DATA", str(data_root))
    assert resolve_data_root() == data_root.resolve()


def test_resolve_missing_explicit_and_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(DataNotFoundError, match="ANOMALAB_DATA or pass --data-root") as err:
        resolve_data_root(missing)
    assert str(missing) in str(err.value)
    monkeypatch.setenv("ANOMALAB_DATA", str(missing))
    with pytest.raises(FileNotFoundError, match=r"\$ANOMALAB_DATA"):  # a FileNotFoundError
        resolve_data_root()


def test_resolve_fallbacks_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ANOMALAB_DATA", raising=False)
    fallbacks = [tmp_path / "a", tmp_path / "b"]
    monkeypatch.setattr(paths, "_fallback_roots", lambda: fallbacks)
    with pytest.raises(DataNotFoundError) as err:
        resolve_data_root()
    assert all(str(p) in str(err.value) for p in fallbacks)
    fallbacks[1].mkdir()
    assert resolve_data_root() == fallbacks[1].resolve()


def test_default_fallbacks_are_relative_to_cwd_and_package(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    cwd_root, pkg_root, user_root = paths._fallback_roots()
    assert user_root == tmp_path / "xdg" / "anomalab" / "datasets"  # where `fetch` downloads
    assert cwd_root == Path.cwd() / ".." / "shared" / "datasets"
    assert pkg_root.parts[-3:] == ("..", "shared", "datasets")
    assert (pkg_root.parents[2] / "src" / "anomalab" / "data").is_dir()  # the repo root


def test_cache_dir(tmp_cache: Path, data_root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert not tmp_cache.exists()
    assert cache_dir() == tmp_cache.resolve() and tmp_cache.is_dir()
    monkeypatch.setenv("ANOMALAB_CACHE", str(data_root / "cache"))
    with pytest.raises(ValueError, match="inside the data root"):
        cache_dir(data_root)


# ----------------------------------------------------------------------------- real catalog


@pytest.fixture(scope="module")
def real_catalog(data_root: Path) -> dict[str, DatasetInfo]:
    return catalog(data_root)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_catalog_true_counts(real_catalog: dict[str, DatasetInfo], name: str) -> None:
    info = real_catalog[name]
    assert (info.rows, info.features, info.anomalies) == EXPECTED[name]
    assert info.path.exists() and info.origin


def test_catalog_names_and_groups(real_catalog: dict[str, DatasetInfo]) -> None:
    names = set(real_catalog)
    for name in ["Hepatitis", "InternetAds", "Waveform", "WBC", "Wilt", "SpamBase", "magic.gamma"]:
        assert name in names
    assert {"MVTec-AD_bottle", "SVHN_9", "CIFAR10_4"} <= names
    groups = {i.group for i in real_catalog.values()}
    assert groups == {"adbench", "odds", "devnet", "sgae", "images", "embeddings"}
    assert sum(i.group == "adbench" for i in real_catalog.values()) == 33
    assert real_catalog["cifar10"].shape == (3, 32, 32)
    assert real_catalog["mnist-images"].shape == (1, 28, 28)
    assert real_catalog["cardio"].shape is None
    assert {i.kind for i in real_catalog.values() if i.group == "embeddings"} == {"embedding"}


def test_catalog_warm_is_fast(data_root: Path, real_catalog: dict) -> None:
    import time

    start = time.perf_counter()
    again = catalog(data_root)
    assert time.perf_counter() - start < 1.0
    assert again == real_catalog


def test_lookup_case_insensitive_and_close_matches(data_root: Path) -> None:
    assert find_info("CARDIO", data_root).name == "cardio"
    assert find_info("magic.GAMMA", data_root).name == "magic.gamma"
    assert find_info("hepatitis", data_root).name == "Hepatitis"
    with pytest.raises(DataNotFoundError, match="cardio") as err:
        load_dataset("cardoi", data_root)
    assert "unknown dataset 'cardoi'" in str(err.value)


# ----------------------------------------------------------------------------- temp roots


def test_temp_root_discovery_and_extra_npz(small_root: Path, tmp_cache: Path) -> None:
    cat = catalog(small_root)
    assert set(cat) == {
        "cardio",
        "MyData",
        "arrhythmia",
        "thyroid-devnet",
        "mnist-images",
        "cardio-embeddings",
    }
    assert (cat["MyData"].rows, cat["MyData"].features, cat["MyData"].anomalies) == (20, 3, 4)
    assert cat["cardio-embeddings"].kind == "embedding"
    ds = load_dataset("mydata", small_root)
    assert ds.name == "MyData" and ds.X.shape == (20, 3) and ds.y.sum() == 4


def test_counts_cached_by_size_and_mtime(
    small_root: Path, tmp_cache: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert catalog(small_root, with_counts=False)["MyData"].rows is None
    catalog(small_root)
    assert (tmp_cache / "catalog-counts-v1.json").is_file()

    def fail(path: Path) -> None:
        raise AssertionError(f"re-read {path}")

    monkeypatch.setitem(formats.FORMATS, "npz", fail)
    monkeypatch.setitem(formats.FORMATS, "mat", fail)
    assert catalog(small_root)["MyData"].rows == 20  # served from the cache
    assert catalog(small_root, with_counts=False)["MyData"].rows == 20
    monkeypatch.undo()
    monkeypatch.setenv("ANOMALAB_CACHE", str(tmp_cache))
    _npz(small_root / "tabular/adbench/99_MyData.npz", n=30)  # new size + mtime
    assert catalog(small_root)["MyData"].rows == 30


def test_missing_folders_give_empty_catalog(tmp_path: Path, tmp_cache: Path) -> None:
    assert catalog(tmp_path) == {}
    with pytest.raises(DataNotFoundError, match="unknown dataset 'cardio'"):
        load_dataset("cardio", tmp_path)
