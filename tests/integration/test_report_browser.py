"""The HTML report in a real headless browser (Debian's chromium; `make browser` installs it).

The page marks each figure decoded or not once loaded (``data-decoded`` on every ``img``, and
``data-figures-decoded="good/total"`` on ``body``); the DOM dumped after load must show every
figure decoded. A screenshot is taken as well (copied to ``$ANOMALAB_SCREENSHOT`` when set).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

from PIL import Image

from anomalab.bench.report import write_report
from anomalab.bench.runner import expand_grid, run_cells
from anomalab.bench.store import ResultStore

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--virtual-time-budget=10000",
]


def _chromium(args: list[str], profile: Path) -> subprocess.CompletedProcess:
    assert CHROMIUM, "chromium is not installed: run `make browser` (apt-get install chromium)"
    return subprocess.run(
        [CHROMIUM, *FLAGS, f"--user-data-dir={profile}", *args],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_html_report_opens_with_every_figure_decoded(tmp_path, data_root) -> None:
    store = ResultStore(tmp_path / "results.sqlite")
    cells = expand_grid(
        [("IForest", {"n_estimators": 50}), ("LOF", {}), ("OCSVM", {})],
        ["WBC", "Pima", "vertebral"],
        "unsupervised",
        [0, 1],
    )
    assert run_cells(cells, store, data_root=data_root).failed == 0
    write_report(store.frame(), tmp_path, "browser test", "pytest", data_root)
    page = tmp_path / "report.html"
    expected = page.read_text().count("<img ")
    assert expected >= 4  # CD diagram, two box plots, timing

    dom = _chromium(["--dump-dom", page.as_uri()], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert f'data-figures-decoded="{expected}/{expected}"' in dom.stdout, dom.stdout[:500]
    decoded = re.findall(r'<img [^>]*data-decoded="(\w+)"', dom.stdout)
    assert decoded == ["yes"] * expected
    assert '<p class="warn">' not in dom.stdout

    shot = tmp_path / "report.png"
    result = _chromium(
        ["--window-size=1200,2400", f"--screenshot={shot}", page.as_uri()], tmp_path / "profile"
    )
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    with Image.open(shot) as image:
        assert image.size == (1200, 2400)
        colors = image.convert("RGB").getcolors(maxcolors=1 << 20)
        assert colors is None or len(colors) > 50  # tables and plots, not a blank page
    if os.environ.get("ANOMALAB_SCREENSHOT"):
        shutil.copy(shot, os.environ["ANOMALAB_SCREENSHOT"])
