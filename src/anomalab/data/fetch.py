"""Download catalog datasets into a data root, checked by SHA-256 (``anomalab datasets fetch``).

The registry (package data ``sources.csv``, written by ``tools/build_fetch_sources.py`` from a
reference data root) lists every file of every catalog dataset: its path inside the data root,
size, SHA-256, public origin and licence. A file is downloaded with pooch into a staging folder
inside the data root, checked against its hash, then moved to the path the catalog expects, so a
failed or interrupted download leaves nothing behind. A file already there with the right hash is
kept; one with another hash is never replaced unless ``force``.

A mirror (``base_url`` or ``$ANOMALAB_DATA_MIRROR``) is a URL laid out like a data root; it
serves every registered file, including those without a public origin.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import logging
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache
from importlib.resources import files
from pathlib import Path
from typing import Literal
from urllib.parse import quote

from anomalab.data.paths import DATA_ENV, DataNotFoundError, resolve_data_root, user_data_root

MIRROR_ENV = "ANOMALAB_DATA_MIRROR"
SOURCES_FILE = Path(__file__).with_name("sources.csv")
COLUMNS = ("dataset", "path", "size", "sha256", "origin_url", "origin_sha256", "licence", "note")
STAGING_PREFIX = ".anomalab-fetch-"
Status = Literal["downloaded", "replaced", "present"]


class FetchError(OSError):
    """A dataset could not be fetched (unknown name, no source, bad checksum, broken download)."""


@dataclass(frozen=True)
class SourceFile:
    """One registered file of a dataset. ``origin_sha256`` is set where the public origin serves
    other bytes than the reference data root (e.g. a re-compressed copy of the same data)."""

    dataset: str
    path: str
    size: int
    sha256: str
    origin_url: str
    origin_sha256: str
    licence: str
    note: str

    def url(self, base_url: str | None) -> str | None:
        """Where to download it from: the mirror's copy when ``base_url``, else the origin."""
        if base_url:
            return f"{base_url.rstrip('/')}/{quote(self.path)}"
        return self.origin_url or None

    def expected_sha256(self, base_url: str | None) -> str:
        """The hash the download from :meth:`url` must have."""
        return self.sha256 if base_url else (self.origin_sha256 or self.sha256)

    def accepts(self, sha256: str) -> bool:
        """Whether a file with this hash is this source (reference or origin copy)."""
        return sha256 in {self.sha256, self.origin_sha256} - {""}


@dataclass(frozen=True)
class FetchedFile:
    """What :func:`fetch_datasets` did with one file."""

    source: SourceFile
    target: Path
    status: Status
    url: str | None


@cache
def load_sources() -> tuple[SourceFile, ...]:
    """The registry, in file order."""
    text = files("anomalab.data").joinpath("sources.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(text.splitlines()))
    if not rows or tuple(rows[0]) != COLUMNS:
        raise ValueError(f"sources.csv: expected columns {COLUMNS}")
    return tuple(SourceFile(**{**r, "size": int(r["size"])}) for r in rows)  # type: ignore[arg-type]


def sources_by_dataset() -> dict[str, list[SourceFile]]:
    """Registered files grouped by dataset name."""
    out: dict[str, list[SourceFile]] = {}
    for source in load_sources():
        out.setdefault(source.dataset, []).append(source)
    return out


def unavailable_reason(name: str, base_url: str | None = None) -> str | None:
    """Why dataset ``name`` cannot be fetched (from the origin, or the mirror), else ``None``."""
    if base_url:
        return None
    missing = [s for s in sources_by_dataset()[name] if not s.origin_url]
    if not missing:
        return None
    why = missing[0].note or "no public origin"
    return f"{why}; only a mirror of a data root has it (--mirror or ${MIRROR_ENV})"


def describe_sources(base_url: str | None = None) -> list[dict[str, str | int]]:
    """One row per registered dataset: files, bytes, licence, and where or why not it comes from."""
    rows: list[dict[str, str | int]] = []
    for name, sources in sources_by_dataset().items():
        reason = unavailable_reason(name, base_url)
        where = _short_origin(sources[0].url(base_url) or "", base_url)
        if sources[0].note and not base_url:
            where += f" ({sources[0].note})"
        rows.append(
            {
                "dataset": name,
                "files": len(sources),
                "bytes": sum(s.size for s in sources),
                "licence": sources[0].licence,
                "source": f"not fetchable: {reason}" if reason else where,
            }
        )
    return rows


def resolve_names(names: Iterable[str]) -> list[str]:
    """Registry names for ``names`` (exact, else case-insensitive); unknown ones raise."""
    known = sources_by_dataset()
    lower: dict[str, list[str]] = {}
    for n in known:
        lower.setdefault(n.lower(), []).append(n)
    out: list[str] = []
    for name in names:
        hits = [name] if name in known else lower.get(name.lower(), [])
        if len(hits) != 1:
            close = difflib.get_close_matches(name.lower(), list(lower), n=3)
            hint = f"; did you mean {[lower[c][0] for c in close]}?" if close else ""
            why = "ambiguous" if hits else "unknown"
            raise FetchError(
                f"{why} dataset {name!r} ({len(known)} can be fetched{hint}); "
                "run `anomalab datasets fetch --list` to see them"
            )
        if hits[0] not in out:
            out.append(hits[0])
    return out


def target_root(data_root: str | Path | None = None) -> Path:
    """Where fetched files go: ``data_root`` > ``$ANOMALAB_DATA`` (created when missing) > the
    catalog's default root when one exists > :func:`user_data_root`."""
    chosen = data_root if data_root is not None else os.environ.get(DATA_ENV) or None
    if chosen is not None:
        return Path(chosen).expanduser().resolve()
    try:
        return resolve_data_root()
    except DataNotFoundError:
        return user_data_root()


def fetch_datasets(
    names: Iterable[str] | None = None,
    *,
    data_root: str | Path | None = None,
    base_url: str | None = None,
    force: bool = False,
    on_download: Callable[[SourceFile, str], None] | None = None,
) -> list[FetchedFile]:
    """Download datasets (all fetchable ones when ``names`` is ``None``) into the data root.

    Every name is checked before anything is downloaded. ``base_url`` (default
    ``$ANOMALAB_DATA_MIRROR``) replaces the public origins by a mirror of a data root.
    ``force`` replaces files whose hash is wrong. ``on_download(source, url)`` is called before
    each download. Raises :class:`FetchError` on the first failure; files already completed stay.
    """
    base_url = base_url if base_url is not None else os.environ.get(MIRROR_ENV) or None
    if names is None:
        chosen = [n for n in sources_by_dataset() if unavailable_reason(n, base_url) is None]
    else:
        chosen = resolve_names(names)
        for name in chosen:
            reason = unavailable_reason(name, base_url)
            if reason:
                raise FetchError(f"dataset {name!r} cannot be downloaded: {reason}")
    root = target_root(data_root)
    made_root = not root.exists()
    try:
        root.mkdir(parents=True, exist_ok=True)
        remove_stale_staging(root)
        grouped = sources_by_dataset()
        return [
            fetch_file(s, root, base_url=base_url, force=force, on_download=on_download)
            for name in chosen
            for s in grouped[name]
        ]
    finally:
        if made_root and root.is_dir() and not any(root.iterdir()):
            root.rmdir()


def fetch_file(
    source: SourceFile,
    root: Path,
    *,
    base_url: str | None = None,
    force: bool = False,
    on_download: Callable[[SourceFile, str], None] | None = None,
) -> FetchedFile:
    """Make ``root/source.path`` hold ``source``: keep it when its hash is right, else download."""
    target = root / source.path
    url = source.url(base_url)
    replacing = target.exists() or target.is_symlink()
    if replacing:
        if target.is_file() and source.accepts(file_sha256(target)):
            return FetchedFile(source, target, "present", url)
        if not force:
            raise FetchError(
                f"{target} exists but is not the registered {source.dataset} file "
                f"(SHA-256 differs); not overwritten: pass --force (force=True) to replace it"
            )
    if url is None:
        raise FetchError(f"{source.path}: no download source: {source.note}")
    if on_download is not None:
        on_download(source, url)
    _download(url, source.expected_sha256(base_url), target, root)
    return FetchedFile(source, target, "replaced" if replacing else "downloaded", url)


def remove_stale_staging(root: Path) -> list[Path]:
    """Remove staging folders that a killed earlier fetch left in ``root`` (a SIGKILL skips the
    clean-up in :func:`_download`): those whose process (the pid in their name) is gone. Folders
    of a fetch still running, here or in another process, are kept. Returns what was removed."""
    removed = []
    for folder in root.glob(f"{STAGING_PREFIX}*"):
        pid = folder.name[len(STAGING_PREFIX) :].split("-", 1)[0]
        if folder.is_dir() and not (pid.isdigit() and _running(int(pid))):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _running(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's live process
        return True
    return True


def file_sha256(path: Path) -> str:
    """SHA-256 of a file's bytes (read in 1 MiB blocks)."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def _download(url: str, sha256: str, target: Path, root: Path) -> None:
    """pooch download into a staging folder in ``root``, checked, then moved onto ``target``.

    The staging folder is removed whatever happens, so nothing half-written stays behind."""
    import pooch

    staging = Path(tempfile.mkdtemp(prefix=f"{STAGING_PREFIX}{os.getpid()}-", dir=root))
    logger = pooch.get_logger()
    level = logger.level
    logger.setLevel(logging.WARNING)  # pooch logs every download at INFO on stderr
    try:
        try:
            fetched = Path(
                pooch.retrieve(
                    url,
                    known_hash=f"sha256:{sha256}",
                    fname=target.name,
                    path=staging,
                    progressbar=False,
                )
            )
        except ValueError as err:  # pooch: hash mismatch (the download is already deleted)
            got = re.search(r"but got ([0-9a-f]+)", str(err))
            actual = f" but got {got.group(1)}" if got else ""
            raise FetchError(
                f"checksum mismatch for {target.name} from {url}: expected SHA-256 {sha256}"
                f"{actual}; nothing was written"
            ) from err
        except OSError as err:  # requests' errors are OSErrors: refused, HTTP 404, cut short
            raise FetchError(
                f"download of {target.name} from {url} failed: {_reason(err)}; nothing was written"
            ) from err
        os.chmod(fetched, 0o644)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(fetched, target)
    finally:
        logger.setLevel(level)
        shutil.rmtree(staging, ignore_errors=True)


def _short_origin(url: str, base_url: str | None) -> str:
    """``github:owner/repo``, ``mirror`` or the host of a download URL."""
    if base_url:
        return "mirror"
    parts = url.split("/")
    if len(parts) > 4 and parts[2] == "raw.githubusercontent.com":
        return f"github:{parts[3]}/{parts[4]}"
    return parts[2] if len(parts) > 2 else url


def _reason(err: Exception) -> str:
    """A short reason for a requests failure (its innermost message, status, or type)."""
    response = getattr(err, "response", None)
    if response is not None and response.status_code >= 400:
        return f"HTTP {response.status_code} {response.reason}"
    text = str(err.args[0]) if err.args else type(err).__name__
    return " ".join(text.split()) or type(err).__name__
