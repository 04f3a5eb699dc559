"""Issue 26: no path of any machine appears in the package, the reports or the scripts (a command
names the data root relatively, ``../shared/datasets``, or through ``$ANOMALAB_DATA``). The
archived cells' CSV files are records: a failed cell's stored traceback stays as it ran."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCANNED = ["src", "benchmarks", "tools", "docs", "tests", "README.md", "Makefile", ".ci"]
TEXT = {".py", ".md", ".toml", ".json", ".html", ".txt", ".cfg", ""}
#: An absolute home or work folder (built in pieces, so this file does not match itself).
MACHINE_PATH = re.compile("(?<![\\w.])/" + "(?:work|home|Users|root)/[\\w.-]")


def _files() -> list[Path]:
    found = []
    for name in SCANNED:
        top = ROOT / name
        paths = [top] if top.is_file() else sorted(top.rglob("*"))
        for path in paths:
            if path.is_file() and path.suffix in TEXT and "cells" not in path.parts:
                if "__pycache__" not in path.parts:
                    found.append(path)
    return found


def test_no_machine_path_in_the_repository() -> None:
    files = _files()
    assert len(files) > 100  # the scan reaches the tree
    hits = [
        f"{path.relative_to(ROOT)}:{n}"
        for path in files
        for n, line in enumerate(path.read_text(encoding="utf-8", errors="replace").splitlines(), 1)
        if MACHINE_PATH.search(line)
    ]
    assert hits == []


def test_the_pattern_finds_a_machine_path() -> None:
    assert MACHINE_PATH.search("ANOMALAB_DATA=/" + "work/shared/datasets python -m x")
    assert not MACHINE_PATH.search("ANOMALAB_DATA=../shared/datasets python -m x")
