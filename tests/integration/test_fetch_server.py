"""`anomalab datasets fetch` against a local HTTP server (127.0.0.1, a free port) that serves the
reference data root read-only as a mirror; downloads go into a fresh data root under tmp_path.
No test touches the internet."""

from __future__ import annotations

import functools
import json
import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from anomalab.cli import app
from anomalab.data import catalog, load_dataset
from anomalab.data.fetch import MIRROR_ENV, STAGING_PREFIX, FetchError, fetch_datasets

WBC = "tabular/adbench/42_WBC.npz"


class _Quiet(SimpleHTTPRequestHandler):
    """Serves a folder (GET/HEAD only), recording each requested path."""

    def __init__(self, *args, requests: list[str], **kwargs) -> None:
        self.requests = requests
        super().__init__(*args, **kwargs)

    def do_GET(self) -> None:
        self.requests.append(self.path)
        super().do_GET()

    def log_message(self, format: str, *args: object) -> None:
        pass


class _CutShort(_Quiet):
    """Announces the whole file but sends half of it, then closes the connection."""

    def do_GET(self) -> None:
        self.requests.append(self.path)
        data = Path(self.translate_path(self.path)).read_bytes()
        self.send_response(200)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data[: len(data) // 2])
        self.wfile.flush()
        self.close_connection = True


class Mirror:
    """A running server: ``url`` to fetch from, ``requests`` it has answered."""

    def __init__(self, folder: Path, handler: type[_Quiet] = _Quiet) -> None:
        self.requests: list[str] = []
        factory = functools.partial(handler, directory=str(folder), requests=self.requests)
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), factory)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=10)


@contextmanager
def _serve(folder: Path, handler: type[_Quiet] = _Quiet) -> Iterator[Mirror]:
    server = Mirror(folder, handler)
    try:
        yield server
    finally:
        server.close()


@pytest.fixture(autouse=True)
def _isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ANOMALAB_CACHE", str(tmp_path / "cache"))
    monkeypatch.delenv(MIRROR_ENV, raising=False)


@pytest.fixture
def mirror(data_root: Path) -> Iterator[Mirror]:
    with _serve(data_root) as server:
        yield server


@pytest.fixture
def cut_short(data_root: Path) -> Iterator[Mirror]:
    with _serve(data_root, _CutShort) as server:
        yield server


@pytest.fixture
def corrupted(tmp_path: Path, data_root: Path) -> Iterator[Mirror]:
    folder = tmp_path / "corrupted"
    bad = folder / WBC
    bad.parent.mkdir(parents=True)
    data = bytearray((data_root / WBC).read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad.write_bytes(bytes(data))
    with _serve(folder) as server:
        yield server


def _leftovers(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def _same_arrays(name: str, fetched_root: Path, data_root: Path) -> None:
    got, ref = load_dataset(name, data_root=fetched_root), load_dataset(name, data_root=data_root)
    np.testing.assert_array_equal(got.X, ref.X)
    np.testing.assert_array_equal(got.y, ref.y)


def test_fetched_datasets_load_like_the_originals(
    mirror: Mirror, data_root: Path, tmp_path: Path
) -> None:
    root = tmp_path / "root"
    done = fetch_datasets(["WBC", "arrhythmia"], data_root=root, base_url=mirror.url)
    assert [(d.status, d.target) for d in done] == [
        ("downloaded", root / WBC),
        ("downloaded", root / "tabular/odds/arrhythmia.mat"),
    ]
    assert sorted(catalog(root)) == ["WBC", "arrhythmia"]
    _same_arrays("WBC", root, data_root)
    _same_arrays("arrhythmia", root, data_root)
    assert not any(p.name.startswith(STAGING_PREFIX) for p in root.iterdir())

    served = len(mirror.requests)
    again = fetch_datasets(["WBC", "arrhythmia"], data_root=root, base_url=mirror.url)
    assert [d.status for d in again] == ["present", "present"]
    assert len(mirror.requests) == served  # nothing downloaded a second time


def test_multi_file_dataset_into_the_configured_root(
    mirror: Mirror, data_root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = tmp_path / "env-root"  # $ANOMALAB_DATA need not exist yet
    monkeypatch.setenv("ANOMALAB_DATA", str(root))
    monkeypatch.setenv(MIRROR_ENV, mirror.url)
    done = fetch_datasets(["mnist-images"])
    assert len(done) == 4 and {d.status for d in done} == {"downloaded"}
    for d in done:
        assert d.target.read_bytes() == (data_root / d.source.path).read_bytes()
    (info,) = catalog(with_counts=False).values()
    assert (info.name, info.format) == ("mnist-images", "idx")


def test_checksum_mismatch_is_refused_and_leaves_nothing(corrupted: Mirror, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(FetchError, match="checksum mismatch for 42_WBC.npz") as err:
        fetch_datasets(["WBC"], data_root=root, base_url=corrupted.url)
    assert "\n" not in str(err.value)
    assert corrupted.requests == [f"/{WBC}"]
    assert _leftovers(root) == []


def test_interrupted_download_leaves_no_half_file(cut_short: Mirror, tmp_path: Path) -> None:
    root = tmp_path / "root"
    root.mkdir()
    with pytest.raises(FetchError, match="download of 42_WBC.npz .* failed") as err:
        fetch_datasets(["WBC"], data_root=root, base_url=cut_short.url)
    assert "\n" not in str(err.value)
    assert cut_short.requests == [f"/{WBC}"]
    assert _leftovers(root) == []


def test_a_killed_fetchs_staging_folder_is_removed_by_the_next(
    mirror: Mirror, tmp_path: Path
) -> None:
    """A SIGKILL skips the clean-up: the next fetch removes staging folders whose process is
    gone, and keeps one whose process still runs (here, this one)."""
    import os
    import subprocess
    import sys

    root = tmp_path / "root"
    root.mkdir()
    gone = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    dead = root / f"{STAGING_PREFIX}{int(gone.stdout)}-abc"
    live = root / f"{STAGING_PREFIX}{os.getpid()}-def"
    for folder in (dead, live):
        folder.mkdir()
        (folder / "42_WBC.npz").write_bytes(b"half a file")
    fetch_datasets(["WBC"], data_root=root, base_url=mirror.url)
    assert not dead.exists() and live.is_dir()
    assert (root / WBC).is_file()


def test_missing_file_on_the_mirror(tmp_path: Path) -> None:
    empty = tmp_path / "empty-mirror"
    empty.mkdir()
    with _serve(empty) as server:
        with pytest.raises(FetchError, match="HTTP 404"):
            fetch_datasets(["WBC"], data_root=tmp_path / "root", base_url=server.url)
    assert not (tmp_path / "root").exists()


def test_force_replaces_a_wrong_file(mirror: Mirror, data_root: Path, tmp_path: Path) -> None:
    root = tmp_path / "root"
    target = root / WBC
    target.parent.mkdir(parents=True)
    target.write_bytes(b"not WBC")
    with pytest.raises(FetchError, match="not overwritten"):
        fetch_datasets(["WBC"], data_root=root, base_url=mirror.url)
    assert mirror.requests == []
    (done,) = fetch_datasets(["WBC"], data_root=root, base_url=mirror.url, force=True)
    assert done.status == "replaced"
    assert target.read_bytes() == (data_root / WBC).read_bytes()


def test_cli_fetch_then_list(mirror: Mirror, tmp_path: Path) -> None:
    runner = CliRunner()
    root = str(tmp_path / "root")
    result = runner.invoke(
        app, ["datasets", "fetch", "wbc", "Hepatitis", "--mirror", mirror.url, "--data-root", root]
    )
    assert result.exit_code == 0, result.output
    assert "2 files (2 downloaded)" in result.output
    listed = runner.invoke(app, ["datasets", "list", "--json", "--data-root", root])
    rows = {r["name"]: r for r in json.loads(listed.stdout)}
    assert (rows["WBC"]["rows"], rows["WBC"]["anomalies"]) == (223, 10)
    assert set(rows) == {"WBC", "Hepatitis"}
    unknown = runner.invoke(app, ["datasets", "fetch", "nosuch", "--mirror", mirror.url])
    assert unknown.exit_code == 1
    assert unknown.output.strip().count("\n") == 0 and "unknown dataset 'nosuch'" in unknown.output


def test_cli_all_from_a_mirror_lacking_files_stops_at_the_first(
    tmp_path: Path, data_root: Path
) -> None:
    partial = tmp_path / "partial"
    (partial / "tabular/adbench").mkdir(parents=True)
    shutil.copyfile(
        data_root / "tabular/adbench/2_annthyroid.npz", partial / "tabular/adbench/2_annthyroid.npz"
    )
    root = tmp_path / "root"
    with _serve(partial) as server:
        result = CliRunner().invoke(
            app, ["datasets", "fetch", "--all", "--mirror", server.url, "--data-root", str(root)]
        )
    assert result.exit_code == 1
    assert result.output.strip().splitlines()[-1].startswith("error: download of 4_breastw.npz")
    assert _leftovers(root) == ["tabular", "tabular/adbench", "tabular/adbench/2_annthyroid.npz"]
