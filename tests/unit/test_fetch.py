"""The fetch registry against the reference data root, name checks and the no-download paths
(downloads themselves: tests/integration/test_fetch_server.py). Nothing here uses the network:
where a download would be attempted, the mirror is a closed local port."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from anomalab.cli import app
from anomalab.data import fetch, paths
from anomalab.data.catalog import discover
from anomalab.data.fetch import FetchError, fetch_datasets, load_sources, resolve_names
from anomalab.data.formats import source_files

NOWHERE = "http://127.0.0.1:9"  # discard port: nothing listens, a download attempt fails
HEX64 = re.compile(r"[0-9a-f]{64}")


@pytest.fixture(autouse=True)
def _no_mirror(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(fetch.MIRROR_ENV, raising=False)


def test_registry_covers_every_catalog_file(data_root: Path) -> None:
    registered = {(s.dataset, s.path) for s in load_sources()}
    on_disk = {
        (info.name, p.relative_to(data_root).as_posix())
        for info in discover(data_root)
        for p in source_files(info.format, info.path)
    }
    assert registered == on_disk


def test_registry_sizes_and_hashes_match_the_reference_files(data_root: Path) -> None:
    sums_file = data_root / "SHA256SUMS"
    sums = {}
    if sums_file.is_file():
        for line in sums_file.read_text().splitlines():
            digest, name = line.split(maxsplit=1)
            sums[name.removeprefix("./")] = digest
    for s in load_sources():
        path = data_root / s.path
        assert path.stat().st_size == s.size, s.path
        if s.path in sums:
            assert sums[s.path] == s.sha256, s.path
        if s.size < 200_000 or s.path not in sums:
            assert fetch.file_sha256(path) == s.sha256, s.path


def test_registry_rows_are_well_formed() -> None:
    sources = load_sources()
    assert len({s.path for s in sources}) == len(sources)
    for s in sources:
        assert HEX64.fullmatch(s.sha256), s.path
        assert not s.origin_sha256 or HEX64.fullmatch(s.origin_sha256), s.path
        assert not Path(s.path).is_absolute() and ".." not in Path(s.path).parts
        assert s.licence, s.path
        if s.origin_url:
            assert s.origin_url.startswith(("https://", "http://")), s.path
        else:
            assert s.note, f"{s.path}: a file without an origin says why"
    assert fetch.unavailable_reason("cifar10") is not None
    assert fetch.unavailable_reason("cifar10", NOWHERE) is None
    assert fetch.unavailable_reason("cardio") is None


def test_urls_from_origin_or_mirror() -> None:
    (s,) = [s for s in load_sources() if s.dataset == "MVTec-AD_metal_nut"]
    assert s.url(None) == s.origin_url
    assert s.url("http://m.example/data/") == (
        "http://m.example/data/embeddings/resnet18/MVTec-AD_metal_nut.npz"
    )
    mnist = [s for s in load_sources() if s.dataset == "mnist-images"]
    assert all(m.expected_sha256(None) == m.origin_sha256 != m.sha256 for m in mnist)
    assert all(m.expected_sha256("http://m") == m.sha256 for m in mnist)
    assert all(m.accepts(m.sha256) and m.accepts(m.origin_sha256) for m in mnist)
    assert not mnist[0].accepts("")


def test_resolve_names() -> None:
    assert resolve_names(["cardio", "WBC", "wbc", "CARDIO"]) == ["cardio", "WBC"]
    with pytest.raises(FetchError, match=r"unknown dataset 'cardoi'.*did you mean \['cardio'"):
        resolve_names(["cardoi"])


def test_target_root_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANOMALAB_DATA", str(tmp_path / "env"))
    assert fetch.target_root(tmp_path / "arg") == tmp_path / "arg"
    assert fetch.target_root() == tmp_path / "env"  # created by the fetch, not before
    monkeypatch.delenv("ANOMALAB_DATA")
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    fallback = tmp_path / "shared"
    monkeypatch.setattr(paths, "_fallback_roots", lambda: [fallback, paths.user_data_root()])
    assert fetch.target_root() == tmp_path / "xdg" / "anomalab" / "datasets"
    fallback.mkdir()
    assert fetch.target_root() == fallback  # the catalog's root, when there is one


def _copy(data_root: Path, root: Path, rel: str) -> Path:
    target = root / rel
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(data_root / rel, target)
    return target


def test_file_with_the_right_hash_is_kept_without_download(data_root: Path, tmp_path: Path) -> None:
    target = _copy(data_root, tmp_path, "tabular/adbench/42_WBC.npz")
    before = target.stat().st_mtime_ns
    (done,) = fetch_datasets(["WBC"], data_root=tmp_path, base_url=NOWHERE)
    assert (done.status, done.target) == ("present", target)
    assert target.stat().st_mtime_ns == before


def test_file_with_a_wrong_hash_is_not_overwritten(tmp_path: Path) -> None:
    target = tmp_path / "tabular/adbench/42_WBC.npz"
    target.parent.mkdir(parents=True)
    target.write_bytes(b"the user's own file")
    with pytest.raises(FetchError, match="not overwritten: pass --force") as err:
        fetch_datasets(["WBC"], data_root=tmp_path, base_url=NOWHERE)
    assert "\n" not in str(err.value)
    assert target.read_bytes() == b"the user's own file"
    # with force a download is attempted (and fails here): the file is still untouched
    with pytest.raises(FetchError, match="failed"):
        fetch_datasets(["WBC"], data_root=tmp_path, base_url=NOWHERE, force=True)
    assert target.read_bytes() == b"the user's own file"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tabular"]  # no staging left


def test_names_are_checked_before_anything_is_written(tmp_path: Path) -> None:
    root = tmp_path / "new-root"
    with pytest.raises(FetchError, match="unknown dataset 'nosuch'"):
        fetch_datasets(["WBC", "nosuch"], data_root=root, base_url=NOWHERE)
    with pytest.raises(FetchError, match="cifar10.*cannot be downloaded.*mirror"):
        fetch_datasets(["WBC", "cifar10"], data_root=root)
    assert not root.exists()
    with pytest.raises(FetchError, match="failed"):  # a failed download removes the new root
        fetch_datasets(["WBC"], data_root=root, base_url=NOWHERE)
    assert not root.exists()


def test_cli_errors_are_one_line(tmp_path: Path) -> None:
    runner = CliRunner()
    for args in (["nosuch"], [], ["WBC", "--all"], ["cifar10"]):
        result = runner.invoke(app, ["datasets", "fetch", *args, "--data-root", str(tmp_path)])
        assert result.exit_code == 1, (args, result.output)
        lines = result.output.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("error:"), (args, result.output)
    assert list(tmp_path.iterdir()) == []


def test_cli_lists_what_can_be_fetched() -> None:
    result = CliRunner().invoke(app, ["datasets", "fetch", "--list"])
    assert result.exit_code == 0, result.output
    assert "github:Minqi824/ADBench" in result.output
    assert "cifar10" in result.output and "not fetchable" in result.output
