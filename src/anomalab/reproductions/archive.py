"""Where a paper's archived cells are read from, so that ``--from-archive`` works in a checkout
and from an installed wheel alike.

The archive is ``docs/results/cells/<paper>/<store>/results*.csv`` (``anomalab results export``
writes it). In a checkout it is read there; the package ships the same files as
``archives/<paper>.zip`` (package data, :func:`pack_archive` writes it; a unit test checks it
matches the checkout's folder), which an installed wheel reads instead. ``--archive DIR`` names
another folder of the same layout.
"""

from __future__ import annotations

import tempfile
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from pathlib import Path

from anomalab.bench.archive import ARCHIVE_SUFFIX, read_archive, restore_stores

#: The archive's folder in a checkout, relative to its root.
CHECKOUT_ARCHIVE = Path("docs/results/cells")
_FIXED_TIME = (1980, 1, 1, 0, 0, 0)  # zip entries carry no build time: same files, same zip


def packaged(paper: str) -> resources.abc.Traversable:
    """The package's copy of ``paper``'s archive (it may not exist)."""
    return resources.files(__package__) / "archives" / f"{paper}.zip"


@contextmanager
def archive_folder(paper: str, archive: Path | None = None) -> Iterator[tuple[Path, str]]:
    """The folder holding ``paper``'s archived stores, and where it comes from: ``archive`` if
    given, else ``docs/results/cells/<paper>`` under the working directory, else the package's
    copy (unpacked into a temporary folder for the duration)."""
    if archive is not None:
        if not Path(archive).is_dir():
            raise ValueError(f"archive folder {archive} does not exist")
        yield Path(archive), str(archive)
        return
    checkout = CHECKOUT_ARCHIVE / paper
    if checkout.is_dir():
        yield checkout, str(checkout)
        return
    shipped = packaged(paper)
    if not shipped.is_file():
        raise ValueError(
            f"no archive for {paper}: not in ./{checkout} and not shipped with the package; "
            "pass --archive DIR"
        )
    with tempfile.TemporaryDirectory(prefix=f"anomalab-{paper}-") as tmp:
        with shipped.open("rb") as fh, zipfile.ZipFile(fh) as bundle:
            bundle.extractall(tmp)
        yield Path(tmp), "the copy shipped with the package"


def restore_part(folder: Path, store: str, runs: Path) -> list[str]:
    """Add the archived cells of ``folder/<store>/`` to the store ``runs/<store>/results.sqlite``
    (cells it holds already are kept); return the archived cells' keys."""
    source = folder / store
    files = sorted(source.glob("*" + ARCHIVE_SUFFIX)) if source.is_dir() else []
    if not files:
        raise ValueError(f"no archived cells for store {store!r} in {folder}")
    restore_stores(source, runs / store)
    return [key for path in files for key in read_archive(path)["cell_key"]]


def archive_files(folder: Path) -> dict[str, bytes]:
    """Every archived CSV under ``folder`` by its relative path (``<store>/results.csv``)."""
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*" + ARCHIVE_SUFFIX))
    }


def packaged_files(paper: str) -> dict[str, bytes]:
    """The files of the package's copy of ``paper``'s archive (empty if none)."""
    shipped = packaged(paper)
    if not shipped.is_file():
        return {}
    with shipped.open("rb") as fh, zipfile.ZipFile(fh) as bundle:
        return {name: bundle.read(name) for name in sorted(bundle.namelist())}


def pack_archive(folder: Path, dest: Path) -> Path:
    """Write the archived CSVs under ``folder`` into the zip ``dest`` (entries sorted, no
    timestamps, so the same files give the same zip with the same zlib)."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as bundle:
        for name, data in archive_files(folder).items():
            info = zipfile.ZipInfo(name, date_time=_FIXED_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            bundle.writestr(info, data)
    return dest
