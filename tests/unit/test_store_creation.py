"""A results store is created whole: runs that open the same new store at once never see a
half-created (0-byte) file, and every one of them gets the same working store."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from anomalab.bench.store import ResultStore, StoreError


def test_many_openers_of_one_new_store_all_succeed(tmp_path: Path) -> None:
    errors: list[BaseException] = []
    for trial in range(20):
        path = tmp_path / f"run{trial}" / "results.sqlite"
        start = threading.Barrier(8)

        def open_store(path: Path = path, start: threading.Barrier = start) -> None:
            start.wait()
            try:
                ResultStore(path)
            except BaseException as exc:  # collected, asserted below
                errors.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert path.stat().st_size > 0
        assert ResultStore(path).frame().empty
    assert not errors, errors[:3]
    leftovers = [p.name for p in tmp_path.rglob(".*tmp*")]
    assert not leftovers


def test_an_empty_file_is_still_refused(tmp_path: Path) -> None:
    path = tmp_path / "results.sqlite"
    path.touch()
    with pytest.raises(StoreError, match="0 bytes"):
        ResultStore(path)
