"""Write the package's copies of the papers' archived cells
(``src/anomalab/reproductions/archives/<paper>.zip``) from ``docs/results/cells/<paper>/``, or
check that they match, so that ``anomalab reproduce PAPER --from-archive`` works from an installed
wheel. Run it after ``anomalab results export`` changes a converted paper's archive.

    PYTHONPATH=src python tools/pack_archives.py            # every converted paper
    PYTHONPATH=src python tools/pack_archives.py --check    # exit 1 if a copy is stale
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from anomalab.reproductions.archive import (
    archive_files,
    pack_archive,
    packaged,
    packaged_files,
)
from anomalab.reproductions.spec import PAPERS, has_spec

ROOT = Path(__file__).resolve().parents[1]
CELLS = ROOT / "docs" / "results" / "cells"
ARCHIVES = ROOT / "src" / "anomalab" / "reproductions" / "archives"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 if stale")
    args = parser.parse_args(argv)
    stale = []
    for paper in (p for p in PAPERS if has_spec(p)):
        # a converted paper with no cells archived yet ships an empty copy (its report renders
        # every part as not run)
        if packaged(paper).is_file() and archive_files(CELLS / paper) == packaged_files(paper):
            print(f"{paper}: up to date")
        elif args.check:
            stale.append(paper)
        else:
            print(f"wrote {pack_archive(CELLS / paper, ARCHIVES / f'{paper}.zip')}")
    if stale:
        print(f"stale: {', '.join(stale)} (run tools/pack_archives.py)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    sys.exit(main())
